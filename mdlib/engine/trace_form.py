"""Tricks T1–T5: write df as a sum of traces with ``dX`` standing last, ``tr(A dX)``.

Each term of the differential is reduced by walking from the outside in: a factor to the right
of ``dX`` goes round to the left (T4, cyclic), a transpose is undone (T2), a Hadamard factor
moves out of the way (T5), a scalar factor moves inside the trace (T3), and a 1×1 matrix is
its own trace (T1). The tricks used are recorded so the derivation can name them.

>>> import sympy
>>> X, a, b = (sympy.MatrixSymbol(n, *s) for n, s in [("X", (3, 3)), ("a", (3, 1)), ("b", (3, 1))])
>>> dX = sympy.MatrixSymbol("dX", 3, 3)
>>> [(str(t.left), sorted(r.id for r in t.tricks)) for t in trace_terms(a.T * dX * b, dX)]
[('b*a.T', ['T1', 'T4'])]
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy
from sympy.matrices.expressions import (
    Identity,
    MatMul,
    MatrixExpr,
    Trace,
)

from ..curriculum import RuleUse
from ..errors import MdlibError
from .algebra import hadamard, mat_mul, transpose  # noqa: F401 - re-exported for callers
from .nodes import AsScalar
from .ops import op_for


@dataclass
class TraceTerm:
    """One term ``tr(left · dX)`` of df, with the original term and the tricks that moved it."""

    original: sympy.Basic  # the term as the differential rules left it
    wrapped: sympy.Basic  # the same term as one trace (after T1/T3)
    left: MatrixExpr  # A in tr(A dX)
    tricks: set[RuleUse] = field(default_factory=set)


def linear_terms(e: sympy.Basic, dX: sympy.MatrixSymbol) -> list[sympy.Basic]:
    """Split a differential into terms with exactly one ``dX`` each (distributing sums)."""
    if e == dX:
        return [e]
    row = op_for(e)
    split = row.split if row is not None else ""
    if split == "sum":
        return [t for a in e.args if a.has(dX) for t in linear_terms(a, dX)]
    if split == "product":
        args = list(e.args)
        hits = [k for k, a in enumerate(args) if a.has(dX)]
        if len(hits) != 1:
            raise MdlibError(f"internal: the differential is not linear in {dX.name}: {e}")
        k = hits[0]
        return [e.func(*args[:k], t, *args[k + 1:]) for t in linear_terms(args[k], dX)]
    if split == "wrap":
        return [e.func(t) for t in linear_terms(e.args[0], dX)]
    raise MdlibError(f"internal: cannot split the differential term {e}")


class _Reducer:
    """Moves dX last in one term; each node's move is declared with its operation (ops.py)."""

    def __init__(self, dX: sympy.MatrixSymbol) -> None:
        self.dX = dX
        self.tricks: set[RuleUse] = set()
        self.whole_transpose = False  # tr(N^T R) = tr(R^T N): T2 alone, no T4

    def use(self, trick: str) -> None:
        self.tricks.add(RuleUse(trick))

    @staticmethod
    def plain(C: sympy.Basic) -> bool:
        """C is a scalar multiple of the identity (so tr(C M) needs no rotation)."""
        mats = [a for a in (C.args if isinstance(C, MatMul) else (C,)) if isinstance(a, MatrixExpr)]
        return all(isinstance(m, Identity) for m in mats)

    def _move(self, e: sympy.Basic, acc: sympy.Basic, what: str) -> MatrixExpr:
        row = op_for(e)
        if row is None or row.move is None:
            raise MdlibError(f"internal: cannot {what} {e}")
        return row.move(e, acc, self)

    def scalar(self, s: sympy.Basic, coeff: sympy.Basic) -> MatrixExpr:
        """A with coeff · s = tr(A dX), for a scalar s linear in dX."""
        return self._move(s, coeff, "write as a trace")

    def matrix(self, M: MatrixExpr, C: sympy.Basic) -> MatrixExpr:
        """A with tr(C M) = tr(A dX), for a matrix M linear in dX."""
        if M == self.dX:
            return C
        return self._move(M, C, f"move {self.dX.name} out of")


def _wrapped(term: sympy.Basic, dX: sympy.MatrixSymbol) -> sympy.Basic:
    """The term as a single trace: scalars pulled in (T3), 1×1 matrices traced (T1)."""
    if isinstance(term, AsScalar):
        return Trace(term.args[0])
    if isinstance(term, sympy.Mul):
        const = [a for a in term.args if not a.has(dX)]
        lin = [a for a in term.args if a.has(dX)]
        if len(lin) == 1 and isinstance(lin[0], (Trace, AsScalar)):
            return Trace(mat_mul(*const, lin[0].args[0]))
    return term


def trace_terms(differential: sympy.Basic, dX: sympy.MatrixSymbol) -> list[TraceTerm]:
    """Every term of ``differential`` as ``tr(A_k dX)``, with the tricks used."""
    if isinstance(differential, MatrixExpr):  # a 1×1 differential: T1 first
        differential = AsScalar(differential)
    terms = []
    for term in linear_terms(differential, dX):
        reducer = _Reducer(dX)
        left = reducer.scalar(term, sympy.S.One)
        terms.append(TraceTerm(term, _wrapped(term, dX), left, reducer.tricks))
    return terms

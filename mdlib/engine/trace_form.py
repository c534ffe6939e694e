"""Tricks T1–T5: write df as a sum of traces with ``dX`` standing last, ``tr(A dX)``.

Each term of the differential is first written as one trace (``wrap_tricks``): a 1×1 matrix
is its own trace (T1), a scalar factor moves into an existing trace (T3). Then ``dX`` is moved
last by walking from the outside in (``tricks``): a factor to the right of ``dX`` goes round
to the left (T4, cyclic), a transpose is undone (T2), a Hadamard factor moves out of the way
(T5), a scalar that holds ``dX`` comes out of the trace (T3). A number inside the trace rides
along with its product and needs no rule. Each set holds exactly the tricks its line uses.

>>> import sympy
>>> X, a, b = (sympy.MatrixSymbol(n, *s) for n, s in [("X", (3, 3)), ("a", (3, 1)), ("b", (3, 1))])
>>> dX = sympy.MatrixSymbol("dX", 3, 3)
>>> [(str(t.left), sorted(r.id for r in t.wrap_tricks), sorted(r.id for r in t.tricks))
...  for t in trace_terms(-a.T * dX * b, dX)]
[('-b*a.T', ['T1'], ['T4'])]
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
from ..i18n import N_, _
from .algebra import hadamard, mat_mul, transpose  # noqa: F401 - re-exported for callers
from .nodes import AsScalar, built
from .ops import op_for


@dataclass
class TraceTerm:
    """One term ``tr(left · dX)`` of df, with the original term and the tricks that moved it."""

    original: sympy.Basic  # the term as the differential rules left it
    wrapped: sympy.Basic  # the same term as one trace (after T1/T3)
    left: MatrixExpr  # A in tr(A dX)
    tricks: set[RuleUse] = field(default_factory=set)  # from ``wrapped`` to tr(A dX)
    wrap_tricks: set[RuleUse] = field(default_factory=set)  # from ``original`` to ``wrapped``


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
            raise MdlibError(_("internal: the differential is not linear in {dX}: {term}")
                             .format(dX=dX.name, term=e))
        k = hits[0]
        return [built(e.func, *args[:k], t, *args[k + 1:]) for t in linear_terms(args[k], dX)]
    if split == "wrap":
        return [e.func(t) for t in linear_terms(e.args[0], dX)]
    raise MdlibError(_("internal: cannot split the differential term {term}").format(term=e))


class _Reducer:
    """Moves dX last in one term; each node's move is declared with its operation (ops.py)."""

    def __init__(self, dX: sympy.MatrixSymbol) -> None:
        self.dX = dX
        self.tricks: set[RuleUse] = set()
        self.wrap_tricks: set[RuleUse] = set()
        self.inside = False  # False while the term is being written as one trace
        self.whole_transpose = False  # tr(N^T R) = tr(R^T N): T2 alone, no T4

    def use(self, trick: str) -> None:
        """Record a trick: for the wrapping line until the first move inside the trace."""
        (self.tricks if self.inside else self.wrap_tricks).add(RuleUse(trick))

    @staticmethod
    def plain(C: sympy.Basic) -> bool:
        """C is a scalar multiple of the identity (so tr(C M) needs no rotation)."""
        mats = [a for a in (C.args if isinstance(C, MatMul) else (C,)) if isinstance(a, MatrixExpr)]
        return all(isinstance(m, Identity) for m in mats)

    def _move(self, e: sympy.Basic, acc: sympy.Basic, failure: str) -> MatrixExpr:
        """``failure``: the message id (with ``{term}``) said if no row can move ``e``."""
        row = op_for(e)
        if row is None or row.move is None:
            raise MdlibError(_(failure).format(term=e, dX=self.dX.name))
        return built(row.move, e, acc, self)

    def scalar(self, s: sympy.Basic, coeff: sympy.Basic) -> MatrixExpr:
        """A with coeff · s = tr(A dX), for a scalar s linear in dX."""
        return self._move(s, coeff, N_("internal: cannot write as a trace {term}"))

    def matrix(self, M: MatrixExpr, C: sympy.Basic) -> MatrixExpr:
        """A with tr(C M) = tr(A dX), for a matrix M linear in dX."""
        self.inside = True
        if M == self.dX:
            return C
        return self._move(M, C, N_("internal: cannot move {dX} out of {term}"))


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


def splits_a_trace(differential: sympy.Basic, dX: sympy.MatrixSymbol) -> bool:
    """Whether writing ``differential`` term by term splits a trace of a sum (T3).

    >>> A, dX = sympy.MatrixSymbol("A", 2, 2), sympy.MatrixSymbol("dX", 2, 2)
    >>> splits_a_trace(sympy.Trace(A * dX + dX * A), dX), splits_a_trace(sympy.Trace(A * dX), dX)
    (True, False)
    """
    return any(isinstance(n, Trace) and n.has(dX) and len(linear_terms(n, dX)) > 1
               for n in sympy.preorder_traversal(differential))


def trace_terms(differential: sympy.Basic, dX: sympy.MatrixSymbol) -> list[TraceTerm]:
    """Every term of ``differential`` as ``tr(A_k dX)``, with the tricks used."""
    if isinstance(differential, MatrixExpr):  # a 1×1 differential: T1 first
        differential = AsScalar(differential)
    terms = []
    for term in linear_terms(differential, dX):
        reducer = _Reducer(dX)
        left = reducer.scalar(term, sympy.S.One)
        terms.append(TraceTerm(term, _wrapped(term, dX), left, reducer.tricks,
                               reducer.wrap_tricks))
    return terms

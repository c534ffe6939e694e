"""Tricks T1–T5: write df as a sum of traces with ``dX`` standing last, ``tr(A dX)``.

Each term of the differential is reduced by walking from the outside in: a factor to the right
of ``dX`` goes round to the left (T4, cyclic), a transpose is undone (T2), a Hadamard factor
moves out of the way (T5), a scalar factor moves inside the trace (T3), and a 1×1 matrix is
its own trace (T1). The tricks used are recorded so the derivation can name them.

>>> import sympy
>>> X, a, b = (sympy.MatrixSymbol(n, *s) for n, s in [("X", (3, 3)), ("a", (3, 1)), ("b", (3, 1))])
>>> dX = sympy.MatrixSymbol("dX", 3, 3)
>>> [(str(t.left), sorted(t.tricks)) for t in trace_terms(a.T * dX * b, dX)]
[('b*a.T', ['T1', 'T4'])]
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy
from sympy.matrices.expressions import (
    HadamardProduct,
    Identity,
    MatAdd,
    MatMul,
    MatrixExpr,
    OneMatrix,
    Trace,
    Transpose,
)

from ..errors import MdlibError
from .nodes import AsScalar


@dataclass
class TraceTerm:
    """One term ``tr(left · dX)`` of df, with the original term and the tricks that moved it."""

    original: sympy.Basic  # the term as the differential rules left it
    wrapped: sympy.Basic  # the same term as one trace (after T1/T3)
    left: MatrixExpr  # A in tr(A dX)
    tricks: set[str] = field(default_factory=set)


def mat_mul(*factors: sympy.Basic) -> sympy.Basic:
    """A product with scalar coefficients in front, identities and ones removed, flattened."""
    coeff, mats = sympy.S.One, []
    for f in factors:
        parts = f.args if isinstance(f, MatMul) else (f,)
        for p in parts:
            if isinstance(p, MatrixExpr):
                mats.append(p)
            else:
                coeff *= p
    merged: list = []
    for m in mats:  # 1_{r×k} 1_{k×c} = k 1_{r×c}
        if merged and isinstance(m, OneMatrix) and isinstance(merged[-1], OneMatrix):
            prev = merged.pop()
            coeff *= prev.shape[1]
            m = OneMatrix(prev.shape[0], m.shape[1])
        merged.append(m)
    mats = merged
    non_identity = [m for m in mats if not isinstance(m, Identity)]
    mats = non_identity or mats[:1]
    if coeff == 1 and len(mats) == 1:
        return mats[0]
    if coeff == 0:
        return sympy.ZeroMatrix(*mats[0].shape) if mats else sympy.S.Zero
    return MatMul(*([coeff] if coeff != 1 else []), *mats)


def transpose(e: sympy.Basic) -> sympy.Basic:
    """``e^T`` without stacking: (A^T)^T = A, I^T = I, scalars unchanged."""
    if not isinstance(e, MatrixExpr):
        return e
    if isinstance(e, Transpose):
        return e.arg
    if isinstance(e, Identity):
        return e
    if isinstance(e, OneMatrix):
        return OneMatrix(e.shape[1], e.shape[0])
    if isinstance(e, MatMul):
        coeff = [a for a in e.args if not isinstance(a, MatrixExpr)]
        mats = [a for a in e.args if isinstance(a, MatrixExpr)]
        return mat_mul(*coeff, *[transpose(m) for m in reversed(mats)])
    return Transpose(e)


def hadamard(*factors: sympy.Basic) -> sympy.Basic:
    """A Hadamard product with scalar coefficients pulled out and all-ones factors dropped."""
    coeff, mats = sympy.S.One, []
    for f in factors:
        if isinstance(f, MatMul):
            scal = [a for a in f.args if not isinstance(a, MatrixExpr)]
            coeff *= sympy.Mul(*scal)
            f = mat_mul(*[a for a in f.args if isinstance(a, MatrixExpr)])
        if not isinstance(f, OneMatrix):
            mats.append(f)
    if not mats:
        return mat_mul(coeff, OneMatrix(*factors[0].shape))
    body = mats[0] if len(mats) == 1 else HadamardProduct(*mats)
    return mat_mul(coeff, body)


def linear_terms(e: sympy.Basic, dX: sympy.MatrixSymbol) -> list[sympy.Basic]:
    """Split a differential into terms with exactly one ``dX`` each (distributing sums)."""
    if e == dX:
        return [e]
    if isinstance(e, (sympy.Add, MatAdd)):
        return [t for a in e.args if a.has(dX) for t in linear_terms(a, dX)]
    if isinstance(e, (sympy.Mul, MatMul, HadamardProduct)):
        args = list(e.args)
        hits = [k for k, a in enumerate(args) if a.has(dX)]
        if len(hits) != 1:
            raise MdlibError(f"internal: the differential is not linear in {dX.name}: {e}")
        k = hits[0]
        return [e.func(*args[:k], t, *args[k + 1:]) for t in linear_terms(args[k], dX)]
    if isinstance(e, (Transpose, Trace, AsScalar)):
        return [e.func(t) for t in linear_terms(e.args[0], dX)]
    raise MdlibError(f"internal: cannot split the differential term {e}")


class _Reducer:
    def __init__(self, dX: sympy.MatrixSymbol) -> None:
        self.dX = dX
        self.tricks: set[str] = set()

    def scalar(self, s: sympy.Basic, coeff: sympy.Basic) -> MatrixExpr:
        """A with coeff · s = tr(A dX), for a scalar s linear in dX."""
        if isinstance(s, sympy.Mul):
            const = [a for a in s.args if not a.has(self.dX)]
            (lin,) = [a for a in s.args if a.has(self.dX)]
            if const:
                self.tricks.add("T3")
            return self.scalar(lin, coeff * sympy.Mul(*const))
        if isinstance(s, AsScalar):
            self.tricks.add("T1")
            s = Trace(s.args[0])
        if isinstance(s, Trace):
            inner = s.arg
            return self.matrix(inner, mat_mul(coeff, Identity(inner.shape[0])))
        raise MdlibError(f"internal: cannot write {s} as a trace")

    def matrix(self, M: MatrixExpr, C: sympy.Basic) -> MatrixExpr:
        """A with tr(C M) = tr(A dX), for a matrix M linear in dX."""
        dX = self.dX
        if M == dX:
            return C
        if isinstance(M, MatMul):
            args = list(M.args)
            scalars = [a for a in args if not isinstance(a, MatrixExpr)]
            mats = [a for a in args if isinstance(a, MatrixExpr)]
            lin_scalars = [a for a in scalars if a.has(dX)]
            const = sympy.Mul(*[a for a in scalars if not a.has(dX)])
            if lin_scalars:  # tr(C s B) = s tr(C B), s a scalar holding dX
                self.tricks.add("T3")
                return self.scalar(lin_scalars[0], const * Trace(mat_mul(C, *mats)))
            k = next(i for i, a in enumerate(mats) if a.has(dX))
            left, right = mats[:k], mats[k + 1:]
            if right:
                self.tricks.add("T4")
            if const != 1:
                self.tricks.add("T3")
            return self.matrix(mats[k], mat_mul(const, *right, C, *left))
        if isinstance(M, Transpose):
            self.tricks.add("T2")
            return self.matrix(M.arg, transpose(C))
        if isinstance(M, HadamardProduct):
            self.tricks.add("T5")
            args = list(M.args)
            k = next(i for i, a in enumerate(args) if a.has(dX))
            others = args[:k] + args[k + 1:]
            return self.matrix(args[k], transpose(hadamard(transpose(C), *others)))
        raise MdlibError(f"internal: cannot move {dX.name} out of {M}")


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

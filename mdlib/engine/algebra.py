"""Small algebra on matrix expressions: products, transposes and Hadamard products kept tidy.

These helpers build expressions the way a person writes them (scalar in front, no identity
factors, no stacked transposes); the passes of the engine share them.

>>> import sympy
>>> A, B = sympy.MatrixSymbol("A", 2, 2), sympy.MatrixSymbol("B", 2, 2)
>>> mat_mul(2, A, sympy.Identity(2), B), transpose(A * B)
(2*A*B, B.T*A.T)
"""

from __future__ import annotations

import random

import sympy
from sympy.matrices.expressions import (
    HadamardProduct,
    Identity,
    MatAdd,
    MatMul,
    MatPow,
    MatrixExpr,
    OneMatrix,
    Transpose,
)
from sympy.matrices.expressions.kronecker import KroneckerProduct


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
        elif merged and _powers_of_one_base(merged[-1], m):  # X^a X^b = X^(a+b)
            prev = merged.pop()
            m = MatPow(_base(m), _exponent(prev) + _exponent(m))
        merged.append(m)
    mats = merged
    non_identity = [m for m in mats if not isinstance(m, Identity)]
    mats = non_identity or mats[:1]
    if coeff == 1 and len(mats) == 1:
        return mats[0]
    if coeff == 0:
        return sympy.ZeroMatrix(*mats[0].shape) if mats else sympy.S.Zero
    return MatMul(*([coeff] if coeff != 1 else []), *mats)


def _base(m: sympy.Basic) -> sympy.Basic:
    return m.base if isinstance(m, MatPow) else m


def _exponent(m: sympy.Basic) -> sympy.Basic:
    return m.exp if isinstance(m, MatPow) else sympy.S.One


def _powers_of_one_base(a: sympy.Basic, b: sympy.Basic) -> bool:
    """Neighbours X^a X^b (or X X^b) with positive whole exponents: one power X^(a+b).
    (Two plain factors X X stay as written.)"""
    if not (isinstance(a, MatPow) or isinstance(b, MatPow)) or _base(a) != _base(b):
        return False
    return all(_exponent(m).is_Integer and _exponent(m) > 0 for m in (a, b))


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


def product_or_none(factors: list) -> sympy.Basic | None:
    """A matrix product without identity factors; None when nothing is left.

    >>> A = sympy.MatrixSymbol("A", 2, 2)
    >>> product_or_none([sympy.Identity(2), A]), product_or_none([sympy.Identity(2)])
    (A, None)
    """
    factors = [f for f in factors if not isinstance(f, Identity)]
    if not factors:
        return None
    return factors[0] if len(factors) == 1 else MatMul(*factors)


def kron(A: MatrixExpr, B: MatrixExpr) -> MatrixExpr:
    """A ⊗ B, with I_1 ⊗ M = M ⊗ I_1 = M and I_a ⊗ I_b = I_ab.

    >>> kron(sympy.Identity(2), sympy.Identity(3))
    I
    """
    if isinstance(A, Identity) and isinstance(B, Identity):
        return Identity(A.shape[0] * B.shape[0])
    if A.shape == (1, 1) and isinstance(A, Identity):
        return B
    if B.shape == (1, 1) and isinstance(B, Identity):
        return A
    return KroneckerProduct(A, B)


def scaled(coeff: sympy.Basic, M: sympy.Basic) -> sympy.Basic:
    """``coeff · M`` without a factor 1 (M a matrix or a scalar).

    >>> scaled(1, sympy.MatrixSymbol("A", 2, 2)), scaled(3, sympy.S.One)
    (A, 3)
    """
    if coeff == 1:
        return M
    if M == 1:
        return coeff
    return MatMul(coeff, M) if isinstance(M, MatrixExpr) else coeff * M


def collect(terms: list) -> sympy.Basic:
    """The sum of matrix ``terms`` with like terms collected (A X + A X = 2 A X).

    sympy's collection asks its assumption system about the coefficients, which can fail on
    valid scalar factors (it did on ``tanh(log|2 I + XᵀX|)`` before
    ``LogDet`` declared itself real); the sum is then kept term by term.

    >>> A = sympy.MatrixSymbol("A", 2, 2)
    >>> collect([A, A])
    2*A
    """
    try:
        return MatAdd(*terms, evaluate=True)
    except TypeError:
        counts: dict = {}
        for t in terms:  # structural equality only: no assumption queries
            counts[t] = counts.get(t, 0) + 1
        summed = [t if k == 1 else MatMul(k, t) for t, k in counts.items()]
        return summed[0] if len(summed) == 1 else MatAdd(*summed)


#: A scalar coefficient longer than this (sympy's ``count_ops``) is left as it is: tidying is
#: for the short coefficients a reader sees in front of a term, and must stay cheap.
TIDY_COEFFICIENT_OPS = 40


def tidy_coefficient(c: sympy.Basic) -> sympy.Basic:
    """A scalar sum as a teacher writes it: the shortest of itself, ``together``, ``cancel``
    and ``factor`` (by ``count_ops``), with traces, determinants and other functions kept
    whole; a candidate is taken only when it equals ``c`` at random values.

    >>> X = sympy.MatrixSymbol("X", 3, 3)
    >>> t = sympy.Trace(X)
    >>> tidy_coefficient(2 / (1 + t**2) - 4 * t**2 / (1 + t**2)**2)
    2*(1 - Trace(X)**2)/(Trace(X)**2 + 1)**2
    """
    if not isinstance(c, sympy.Add) or sympy.count_ops(c) > TIDY_COEFFICIENT_OPS:
        return c
    atoms: dict = {}
    masked = _masked(c, atoms)
    best, best_ops = masked, sympy.count_ops(masked)
    for rewrite in (sympy.together, sympy.cancel, sympy.factor):
        try:
            candidate = rewrite(masked)
        except (sympy.PolynomialError, *_SYMPY_ALGEBRA_SLIPS):
            continue
        ops = sympy.count_ops(candidate)
        if ops < best_ops and _equal_at_random_values(candidate, masked, list(atoms.values())):
            best, best_ops = candidate, ops
    if best is masked:
        return c
    try:
        return best.xreplace({d: e for e, d in atoms.items()})
    except _SYMPY_ALGEBRA_SLIPS:
        return c


_SYMPY_ALGEBRA_SLIPS = (TypeError, NotImplementedError, AttributeError, ValueError)


def _masked(e: sympy.Basic, atoms: dict) -> sympy.Basic:
    """``e`` with every part other than sums, products, numbers and rational powers replaced by
    a symbol (the same part, the same symbol): tr X, |X|, exp(aᵀ X b) stay whole."""
    if isinstance(e, (sympy.Add, sympy.Mul)):
        return e.func(*[_masked(a, atoms) for a in e.args])
    if isinstance(e, sympy.Pow) and e.exp.is_Rational:
        return sympy.Pow(_masked(e.base, atoms), e.exp)
    if isinstance(e, sympy.Number):
        return e
    if e not in atoms:
        atoms[e] = sympy.Dummy(f"a{len(atoms)}")
    return atoms[e]


def _equal_at_random_values(a: sympy.Basic, b: sympy.Basic, symbols: list) -> bool:
    """a = b at three random points (values in [0.3, 1.7], away from the usual poles)."""
    rng = random.Random(0)
    for _ in range(3):
        point = {s: rng.uniform(0.3, 1.7) for s in symbols}
        try:
            va, vb = complex(a.evalf(subs=point)), complex(b.evalf(subs=point))
        except (TypeError, ValueError, ZeroDivisionError):
            return False
        if not abs(va - vb) <= 1e-9 * (1 + abs(vb)):
            return False
    return True

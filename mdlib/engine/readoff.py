"""Read the gradient off ``df = tr(A dX)`` (rule L: ∂f/∂X = A^T) and tidy it for reading.

:func:`tidy` pushes transposes inward only as far as needed ((A B)^T = B^T A^T, (A^T)^T = A,
(X^{-1})^T = X^{-T}), treats elementwise functions as units (so ``exp(Xb)`` stays as written),
drops the transpose of matrices declared symmetric, and collects equal terms (A X + A X = 2 A X).

>>> import sympy
>>> a, b = sympy.MatrixSymbol("a", 3, 1), sympy.MatrixSymbol("b", 3, 1)
>>> tidy(sympy.Transpose(b * a.T))
a*b.T
"""

from __future__ import annotations

from collections.abc import Iterable
from types import SimpleNamespace

import sympy
from sympy.matrices.expressions import MatrixExpr, MatrixSymbol, Transpose

from .algebra import collect
from .ops import op_for


def tidy(e: sympy.Basic, symmetric: Iterable[str] = (), transposed: bool = False) -> sympy.Basic:
    """``e`` (or ``e^T`` when ``transposed``) with transposes pushed in and like terms collected."""
    sym = frozenset(symmetric)

    def is_sym(m: sympy.Basic) -> bool:
        return isinstance(m, MatrixSymbol) and (str(m.name) in sym)

    ctx = SimpleNamespace(is_sym=is_sym)  # what a row's transpose rule may ask

    def go(m: sympy.Basic, t: bool) -> sympy.Basic:
        if not isinstance(m, MatrixExpr):
            return m
        row = op_for(m)
        if row is None or row.transpose is None:
            return Transpose(m) if t else m
        return row.transpose(m, go, t, ctx)

    return go(e, transposed)


def gradient_from(lefts: list[sympy.Basic], symmetric: Iterable[str] = ()) -> sympy.Basic:
    """∂f/∂X = (Σ A_k)^T, tidied (rule L)."""
    terms = [tidy(A, symmetric, transposed=True) for A in lefts]
    return terms[0] if len(terms) == 1 else tidy(collect(terms), symmetric)

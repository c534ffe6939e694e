"""Remainders in arbitrary precision: the curve keeps falling where float64 turns back up.

In float64, ``r(h) = f(x+hu) − f(x) − df(x; hu)`` is a difference of nearly equal numbers;
below ``h ≈ 1e-5`` round-off (about ``1e-16 · |f|``) swamps the true ``O(h²)`` remainder, so
``‖r‖/‖hu‖`` traces a V. With mpmath at 50 digits the floor drops to ``1e-50`` and the
straight line of slope 2 continues. Both studies start from the same sympy expression, whose
derivative sympy computes correctly (explicit scalar expressions, not MatrixSymbols).

>>> import sympy as sp
>>> x = sp.Symbol("x")
>>> study = precise_remainder_study(sp.sin(x), x, 0.3, steps=[1e-10, 1e-12, 1e-14])
>>> round(study.order, 2)
2.0
"""

from __future__ import annotations

from collections.abc import Sequence

import mpmath
import numpy as np
import sympy

from .errors import MdlibError
from .remainder import DEFAULT_STEPS, RemainderStudy, fit_order, remainder_study
from .validation import as_array, check_step

#: Default steps for the precise path: far below where float64 breaks down.
PRECISE_STEPS = np.logspace(0, -20, 41)


def _prepare(expr: object, variables: object) -> tuple[sympy.Matrix, list[sympy.Symbol], sympy.Matrix]:
    """Column of expressions, the variables, and the Jacobian (sympy is exact here)."""
    symbols = [variables] if isinstance(variables, sympy.Symbol) else list(variables)
    if not symbols or not all(isinstance(s, sympy.Symbol) for s in symbols):
        raise MdlibError("variables must be a sympy Symbol or a list of Symbols")
    column = sympy.Matrix([expr]) if not isinstance(expr, sympy.MatrixBase) else sympy.Matrix(expr)
    if column.shape[1] != 1:
        column = column.reshape(column.rows * column.cols, 1)
    extra = set().union(*(e.free_symbols for e in column)) - set(symbols)
    if extra:
        names = ", ".join(sorted(str(s) for s in extra))
        raise MdlibError(f"the expression has symbols that are not variables: {names}; give them values first")
    return column, symbols, column.jacobian(symbols)


def _point_and_direction(point: object, direction: object, n: int) -> tuple[np.ndarray, np.ndarray]:
    c = np.atleast_1d(as_array(point, "the point"))
    if c.shape != (n,):
        raise MdlibError(f"the point needs {n} coordinates, got shape {c.shape}")
    if direction is None:
        u = np.ones(n) / np.sqrt(n)
    else:
        u = np.atleast_1d(as_array(direction, "the direction"))
        if u.shape != (n,) or not np.any(u):
            raise MdlibError(f"the direction must be a non-zero vector with {n} coordinates")
    return c, u


def precise_remainder_study(
    expr: object,
    variables: object,
    point: object,
    direction: object | None = None,
    steps: Sequence[float] | None = None,
    digits: int = 50,
) -> RemainderStudy:
    """Remainder study computed with ``digits`` significant digits (mpmath).

    ``expr`` is a sympy expression or a column of expressions in ``variables``.
    """
    if not isinstance(digits, int) or digits < 20:
        raise MdlibError("digits must be an integer of at least 20")
    column, symbols, jacobian = _prepare(expr, variables)
    c, u = _point_and_direction(point, direction, len(symbols))
    steps = np.asarray(PRECISE_STEPS if steps is None else steps, dtype=float)
    for h in steps:
        check_step(float(h), "every step h")
    with mpmath.workdps(digits):
        f = sympy.lambdify(symbols, column, modules="mpmath")
        J = sympy.lambdify(symbols, jacobian, modules="mpmath")
        c_mp = [mpmath.mpf(float(v)) for v in c]
        u_mp = mpmath.matrix([mpmath.mpf(float(v)) for v in u])
        fc = mpmath.matrix(f(*c_mp))
        Jc = mpmath.matrix(J(*c_mp))
        remainders = []
        for h in steps:
            h_mp = mpmath.mpf(float(h))
            moved = [ci + h_mp * ui for ci, ui in zip(c_mp, u_mp, strict=True)]
            r = mpmath.matrix(f(*moved)) - fc - Jc * (h_mp * u_mp)
            remainders.append(float(mpmath.norm(r)))
        scale = max(float(mpmath.norm(fc)), 1.0)
    remainders = np.array(remainders)
    ratio = remainders / (np.abs(steps) * float(np.linalg.norm(u)))
    floor = scale * 10.0 ** (-digits) * 1e3
    order, mask = fit_order(steps, remainders, floor)
    return RemainderStudy(steps=steps, remainder=remainders, ratio=ratio, order=order, fit_mask=mask)


def float64_remainder_study(
    expr: object,
    variables: object,
    point: object,
    direction: object | None = None,
    steps: Sequence[float] | None = None,
) -> RemainderStudy:
    """The same study in ordinary float64 arithmetic, for the side-by-side comparison.

    >>> import sympy as sp
    >>> x = sp.Symbol("x")
    >>> float64_remainder_study(sp.exp(x), x, 0.0).is_second_order()
    True
    """
    column, symbols, jacobian = _prepare(expr, variables)
    c, u = _point_and_direction(point, direction, len(symbols))
    f = sympy.lambdify(symbols, column, modules="numpy")
    J = sympy.lambdify(symbols, jacobian, modules="numpy")

    def f_num(z: np.ndarray) -> np.ndarray:
        return np.asarray(f(*z), dtype=float).ravel()

    def df_num(z: np.ndarray, dz: np.ndarray) -> np.ndarray:
        return np.asarray(J(*z), dtype=float) @ dz

    return remainder_study(f_num, c, df_num, direction=u, steps=DEFAULT_STEPS if steps is None else steps)

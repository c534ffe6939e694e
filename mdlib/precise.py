"""Remainders in arbitrary precision: the curve keeps falling where float64 turns back up.

In float64, ``r(h) = f(x+hu) − f(x) − df(x; hu)`` is a difference of nearly equal numbers;
below ``h ≈ 1e-5`` round-off (about ``1e-16 · |f|``) swamps the true remainder (``O(h²)`` for
a twice differentiable ``f``), so ``‖r‖/‖hu‖`` traces a V. With mpmath at 50 digits the floor drops to ``1e-50`` and the
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
from .i18n import N_, _
from .remainder import DEFAULT_STEPS, FEW_STEPS, RemainderStudy, fit_order, remainder_study
from .validation import as_array, check_step

#: Working precision allowed: below 20 digits there is little gain over float64; above 1000
#: every evaluation slows down a lot without showing anything new.
MIN_DIGITS, MAX_DIGITS = 20, 1000

#: Default steps for the precise path: far below where float64 breaks down.
PRECISE_STEPS = np.logspace(0, -20, 41)


def _prepare(expr: object, variables: object) -> tuple[sympy.Matrix, list[sympy.Symbol], sympy.Matrix]:
    """Column of expressions, the variables, and the Jacobian (sympy is exact here)."""
    symbols = [variables] if isinstance(variables, sympy.Symbol) else list(variables)
    if not symbols or not all(isinstance(s, sympy.Symbol) for s in symbols):
        raise MdlibError(_("variables must be a sympy Symbol or a list of Symbols"))
    column = sympy.Matrix([expr]) if not isinstance(expr, sympy.MatrixBase) else sympy.Matrix(expr)
    if column.shape[1] != 1:
        column = column.reshape(column.rows * column.cols, 1)
    extra = set().union(*(e.free_symbols for e in column)) - set(symbols)
    if extra:
        names = _(", ").join(sorted(str(s) for s in extra))
        raise MdlibError(_("the expression has symbols that are not variables: {names}; give "
                           "them values first").format(names=names))
    return column, symbols, column.jacobian(symbols)


def _point_and_direction(point: object, direction: object, n: int) -> tuple[np.ndarray, np.ndarray]:
    c = np.atleast_1d(as_array(point, N_("the point")))
    if c.shape != (n,):
        raise MdlibError(_("the point needs {n} coordinates, got shape {shape}").format(
            n=n, shape=c.shape))
    if direction is None:
        u = np.ones(n) / np.sqrt(n)
    else:
        u = np.atleast_1d(as_array(direction, N_("the direction")))
        if u.shape != (n,) or not np.any(u):
            raise MdlibError(_("the direction must be a non-zero vector with {n} "
                               "coordinates").format(n=n))
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
    if not isinstance(digits, int) or not MIN_DIGITS <= digits <= MAX_DIGITS:
        raise MdlibError(_("digits must be an integer from {low} to {high} (more digits only "
                           "make every step slower), got {digits!r}").format(
                               low=MIN_DIGITS, high=MAX_DIGITS, digits=digits))
    column, symbols, jacobian = _prepare(expr, variables)
    c, u = _point_and_direction(point, direction, len(symbols))
    steps = np.atleast_1d(as_array(PRECISE_STEPS if steps is None else steps,
                                   N_("the steps"))).ravel()
    for h in steps:
        check_step(float(h), N_("every step h"))
    if len(np.unique(np.abs(steps))) < 3:
        raise MdlibError(_(FEW_STEPS))
    try:
        return _precise_study(column, symbols, jacobian, c, u, steps, digits)
    except (ArithmeticError, ValueError, TypeError) as err:
        if isinstance(err, MdlibError):
            raise
        raise MdlibError(_("the expression cannot be evaluated near the point ({error_type}: "
                           "{error}); pick a point where it is defined").format(
                               error_type=type(err).__name__, error=err)) from None


def _real_column(values: object, where: str) -> object:
    """``values`` as an mpmath column, real and finite ``where`` (in the reader's language)."""
    column = mpmath.matrix(values)
    for v in column:
        if isinstance(v, mpmath.mpc) and v.imag != 0:
            raise MdlibError(_("the expression is complex {where} (e.g. the log or root of a "
                               "negative number); pick a point where it is real").format(
                                   where=where))
        if not mpmath.isfinite(v):
            raise MdlibError(_("the expression is not finite {where}").format(where=where))
    return column


def _precise_study(column, symbols, jacobian, c, u, steps, digits) -> RemainderStudy:
    with mpmath.workdps(digits):
        f = sympy.lambdify(symbols, column, modules="mpmath")
        J = sympy.lambdify(symbols, jacobian, modules="mpmath")
        c_mp = [mpmath.mpf(float(v)) for v in c]
        u_mp = mpmath.matrix([mpmath.mpf(float(v)) for v in u])
        fc = _real_column(f(*c_mp), _("at the point"))
        Jc = _real_column(J(*c_mp), _("(its Jacobian) at the point"))
        remainders, increments = [], []
        for h in steps:
            h_mp = mpmath.mpf(float(h))
            moved = [ci + h_mp * ui for ci, ui in zip(c_mp, u_mp, strict=True)]
            moved_value = _real_column(f(*moved), _("at the point + {h:g} u").format(h=float(h)))
            r = moved_value - fc - Jc * (h_mp * u_mp)
            remainders.append(float(mpmath.norm(r)))
            increments.append(float(mpmath.norm(moved_value - fc)))
        scale = max(float(mpmath.norm(fc)), 1.0)
    remainders = np.array(remainders)
    floor = scale * 10.0 ** (-digits) * 1e3
    if np.count_nonzero(np.array(increments) > floor) < 3:
        raise MdlibError(_("f changes by less than round-off for almost every step, so the "
                           "remainder cannot tell anything; use larger steps or a direction of "
                           "norm about 1"))
    ratio = remainders / (np.abs(steps) * float(np.linalg.norm(u)))
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

"""The remainder of a linear approximation, and how fast it vanishes (curriculum S2, V1-V3).

For a function ``f``, a point ``x``, a direction ``u`` and a claimed differential
``df(x; ·)``, the remainder along the ray ``x + h u`` is

    r(h) = f(x + h u) - f(x) - df(x; h u).

``df`` is the true differential exactly when ``‖r(h)‖ / ‖h u‖ → 0``. For smooth ``f`` the
remainder is second order, ``‖r(h)‖ ≈ C h²``, so the slope of ``log ‖r‖`` against ``log h`` is
2; a wrong ``df`` leaves a first-order piece and the slope drops to 1.

>>> import numpy as np
>>> study = remainder_study(np.sin, 0.3, lambda x, dx: np.cos(x) * dx)
>>> round(study.order, 1)
2.0
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .errors import MdlibError
from .validation import as_array, check_direction, check_step

#: Default step sizes: from 1 down to 1e-8, log-spaced.
DEFAULT_STEPS = np.logspace(0, -8, 33)

# The fit uses only remainders this far above the float64 round-off floor.
_FLOOR_MARGIN = 1e3


@dataclass(frozen=True)
class RemainderStudy:
    """Remainders along a ray, with the fitted order of vanishing.

    ``order`` is ``inf`` when the remainder is at round-off level for every step, which is
    what an exact linear part gives (e.g. ``f(X) = X^T``).
    """

    steps: np.ndarray
    remainder: np.ndarray  # ‖r(h)‖
    ratio: np.ndarray  # ‖r(h)‖ / ‖h u‖
    order: float
    fit_mask: np.ndarray  # which steps the fit used

    @property
    def exact(self) -> bool:
        """True when the linear part reproduces the increment to round-off."""
        return bool(np.isinf(self.order))

    def is_second_order(self, tolerance: float = 0.25) -> bool:
        """True when the fitted order is at least ``2 - tolerance`` (or the part is exact)."""
        return self.exact or self.order >= 2 - tolerance

    def summary(self) -> str:
        """One line a reader can trust: the fitted order and what it means."""
        if self.exact:
            return "remainder at round-off level for every h: the linear part is exact"
        verdict = (
            "second order: the differential is right"
            if self.is_second_order()
            else "NOT second order: this is not the differential"
        )
        return f"fitted order {self.order:.2f} ({verdict})"

    def __repr__(self) -> str:
        return f"RemainderStudy({self.summary()})"


def _norm(a: np.ndarray) -> float:
    return float(np.linalg.norm(np.ravel(a)))


def remainder_study(
    f: Callable,
    x: object,
    differential: Callable,
    direction: object | None = None,
    steps: object | None = None,
) -> RemainderStudy:
    """Compute ``r(h) = f(x+hu) - f(x) - df(x; hu)`` over ``steps`` and fit its order.

    ``f`` maps a scalar, vector or matrix to a scalar, vector or matrix; ``differential(x, dx)``
    returns the claimed ``df(x; dx)`` with the shape of ``f(x)``. ``direction`` defaults to a
    seeded random direction of unit norm.

    >>> import numpy as np
    >>> X = np.array([[2.0, 1.0], [1.0, 3.0]])
    >>> s = remainder_study(np.linalg.inv, X, lambda X, dX: -np.linalg.inv(X) @ dX @ np.linalg.inv(X))
    >>> s.is_second_order()
    True
    """
    x = as_array(x, "the point x")
    if direction is None:
        direction = np.random.default_rng(0).standard_normal(x.shape)
        direction = direction / max(_norm(direction), 1e-300)
    u = check_direction(direction, x.shape)
    steps = DEFAULT_STEPS if steps is None else as_array(steps, "the steps")
    steps = np.atleast_1d(steps).astype(float).ravel()
    for h in steps:
        check_step(float(h), "every step h")
    if len(np.unique(np.abs(steps))) < 3:
        raise MdlibError("give at least three different step sizes h: the order is the slope of "
                         "a line fitted through log ‖r(h)‖ against log h")

    fx = _evaluate(f, x, "f(x)")
    remainders = np.empty(len(steps))
    increments = np.empty(len(steps))
    floors = np.empty(len(steps))
    for i, h in enumerate(steps):
        fxh = _evaluate(f, x + h * u, f"f(x + h u) for h = {h:g}")
        dfx = _evaluate(lambda _, h=h: differential(x, h * u), x,
                        f"the differential df(x; h u) for h = {h:g}")
        if dfx.shape != fx.shape:
            raise MdlibError(
                f"the differential has shape {dfx.shape} but f(x) has shape {fx.shape}; "
                "df must have the shape of f"
            )
        remainders[i] = _norm(fxh - fx - dfx)
        increments[i] = max(_norm(fxh - fx), _norm(dfx))
        # Round-off of this step's remainder: a few ulps of the largest term in it.
        floors[i] = np.finfo(float).eps * max(_norm(fx), _norm(fxh), _norm(dfx)) * _FLOOR_MARGIN
    hu_norm = np.abs(steps) * _norm(u)
    if np.count_nonzero(increments > floors) < 3:
        raise MdlibError(
            f"f(x + h u) − f(x) and df(x; h u) are at round-off level for almost every step "
            f"(‖h u‖ from {hu_norm.min():.1e} to {hu_norm.max():.1e}), so the remainder cannot "
            "tell a right differential from a wrong one; use larger steps or a direction of "
            "norm about 1")
    ratio = remainders / hu_norm
    order, mask = fit_order(steps, remainders, floors)
    return RemainderStudy(steps=steps, remainder=remainders, ratio=ratio, order=order, fit_mask=mask)


def _evaluate(fn: Callable, at: np.ndarray, what: str) -> np.ndarray:
    """``fn(at)`` as a finite real array; a numeric failure is reported as ``what``'s."""
    try:
        value = fn(at)
    except (ArithmeticError, np.linalg.LinAlgError) as err:
        raise MdlibError(f"{what} cannot be computed ({type(err).__name__}: {err}); the function "
                         "is not defined there") from None
    return as_array(value, what)


def fit_order(steps: np.ndarray, remainders: np.ndarray, floor: float | np.ndarray
              ) -> tuple[float, np.ndarray]:
    """Least-squares slope of ``log r`` against ``log |h|`` over the points above ``floor``.

    ``floor`` is one round-off level for every step, or one per step.

    Returns ``(inf, mask)`` when fewer than three points rise above the floor: the remainder is
    round-off, i.e. the linear part is exact.

    >>> h = np.logspace(-1, -4, 7)
    >>> round(fit_order(h, 3 * h**2, 1e-14)[0], 6)
    2.0
    """
    mask = remainders > floor
    if mask.sum() < 3:
        return float("inf"), mask
    slope = np.polyfit(np.log(np.abs(steps[mask])), np.log(remainders[mask]), 1)[0]
    return float(slope), mask


def check_differential(
    f: Callable,
    x: object,
    differential: Callable,
    direction: object | None = None,
    name: str = "df",
) -> RemainderStudy:
    """Return the study if ``differential`` is a true differential of ``f`` at ``x``, else raise.

    The error says what the remainder did, so a wrong formula is caught with a reason.

    >>> import numpy as np
    >>> check_differential(np.exp, 0.5, lambda x, dx: np.exp(x) * dx).is_second_order()
    True
    """
    study = remainder_study(f, x, differential, direction)
    if not study.is_second_order():
        raise MdlibError(
            f"{name} is not the differential: the remainder shrinks only like h^{study.order:.2f}, "
            "not h^2, so r(h)/‖h u‖ does not go to 0 fast enough. The linear part is wrong."
        )
    return study

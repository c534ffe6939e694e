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
    steps = np.atleast_1d(steps).astype(float)
    for h in steps:
        check_step(float(h), "every step h")

    fx = as_array(f(x), "f(x)")
    remainders = np.empty(len(steps))
    scale = _norm(fx)
    for i, h in enumerate(steps):
        fxh = as_array(f(x + h * u), "f(x + h u)")
        dfx = as_array(differential(x, h * u), "the differential df(x; h u)")
        if dfx.shape != fx.shape:
            raise MdlibError(
                f"the differential has shape {dfx.shape} but f(x) has shape {fx.shape}; "
                "df must have the shape of f"
            )
        remainders[i] = _norm(fxh - fx - dfx)
        scale = max(scale, _norm(fxh), _norm(dfx))
    hu_norm = np.abs(steps) * _norm(u)
    ratio = remainders / hu_norm
    floor = np.finfo(float).eps * max(scale, 1.0)
    order, mask = fit_order(steps, remainders, floor * _FLOOR_MARGIN)
    return RemainderStudy(steps=steps, remainder=remainders, ratio=ratio, order=order, fit_mask=mask)


def fit_order(steps: np.ndarray, remainders: np.ndarray, floor: float) -> tuple[float, np.ndarray]:
    """Least-squares slope of ``log r`` against ``log |h|`` over the points above ``floor``.

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

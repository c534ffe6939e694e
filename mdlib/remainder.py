"""The remainder of a linear approximation, and how fast it vanishes (curriculum S2, V1-V3).

For a function ``f``, a point ``x``, a direction ``u`` and a claimed differential
``df(x; ·)``, the remainder along the ray ``x + h u`` is

    r(h) = f(x + h u) - f(x) - df(x; h u).

``df`` is the true differential exactly when ``‖r(h)‖ / ‖h u‖ → 0``, i.e. when the remainder
vanishes faster than ``h``: a fitted order above 1 (the slope of ``log ‖r‖`` against
``log h``). What the order is beyond 1 depends on ``f``, not on ``df``: a twice differentiable
``f`` with a nonzero second derivative along ``u`` shows order 2 (``r ≈ ½ f''(x)[u, u] h²``),
order 3 or more appears where that second derivative vanishes (``sin`` at 0), and an ``f`` that
is differentiable but not twice, such as ``x |x|^½`` at 0, shows an order between 1 and 2
(here 1.5). A wrong ``df`` leaves a piece ``(f'(x) − df)[u] h`` that shrinks only like ``h``:
order 1. The verdict reads the order over the smallest steps, because differentiability is
about ``h → 0``. A finite set of steps and directions is evidence, not a proof.

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
from .i18n import N_, _
from .validation import as_array, check_direction, check_step

#: Default step sizes: from 1 down to 1e-8, log-spaced.
DEFAULT_STEPS = np.logspace(0, -8, 33)

# The fit uses only remainders this far above the round-off floor.
_FLOOR_MARGIN = 1e3
# Round-off is sampled at points up to 10 times this far from x (relative to ‖x‖): far enough
# apart that intermediates move by many ulps (1 + 1e-7 tr X included), close enough that f is a
# cubic there to float precision.
_NOISE_STEP = 1e-7
_NOISE_SAMPLES = 12


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

    @property
    def asymptotic_order(self) -> float:
        """The order fitted over the smallest third (at least three) of the fitted steps.

        Differentiability is about ``h → 0``: a slightly wrong ``df`` can look like order 1.5
        over all steps (``h²`` wins at large ``h``) yet shows order 1 at the small end.
        """
        if self.exact:
            return float("inf")
        used = np.flatnonzero(self.fit_mask)
        used = used[np.argsort(np.abs(self.steps[used]))][:max(3, len(used) // 3)]
        return fit_order(self.steps[used], self.remainder[used], 0.0)[0]

    def vanishes_faster_than_h(self, margin: float = 0.25) -> bool:
        """True when the remainder vanishes faster than ``h``: ``df`` is consistent with the differential.

        The order over the smallest steps must exceed 1 by ``margin`` (a wrong ``df`` gives 1;
        the margin absorbs the fit's noise), or the linear part is exact.
        """
        return self.exact or self.asymptotic_order >= 1 + margin

    def is_second_order(self, tolerance: float = 0.25) -> bool:
        """True when the fitted order is at least ``2 - tolerance`` (or the part is exact).

        This is what a twice differentiable ``f`` with a right ``df`` shows; it is *not* the
        test of a differential (``x |x|^½`` at 0 has a differential and order 1.5): use
        :meth:`vanishes_faster_than_h` for that.
        """
        return self.exact or self.order >= 2 - tolerance

    def summary(self) -> str:
        """One line a reader can trust: the fitted order and what it means, in the reader's
        language (the verdict as data: :meth:`vanishes_faster_than_h`)."""
        if self.exact:
            return _("remainder at round-off level for every h: the linear part is exact")
        tail = self.asymptotic_order
        if abs(tail - self.order) > 0.25:  # say what the verdict rests on
            verdicts = _SUMMARIES_WITH_TAIL
        else:
            verdicts = _SUMMARIES
        if self.vanishes_faster_than_h():
            verdict = verdicts[0]
        elif tail < 0.75:
            verdict = verdicts[2]
        else:
            verdict = verdicts[1]
        return _(verdict).format(order=self.order, tail=tail)

    def __repr__(self) -> str:
        return f"RemainderStudy({self.summary()})"


#: The verdicts of :meth:`RemainderStudy.summary`: faster than h, only like h, not even like h;
#: with the order over the smallest steps when it differs from the fitted order.
_SUMMARIES = (
    N_("fitted order {order:.2f} > 1: the remainder vanishes faster than h — consistent with the "
       "differential"),
    N_("fitted order {order:.2f}: the remainder shrinks only like h — this is not the "
       "differential"),
    N_("fitted order {order:.2f}: the remainder does not even shrink like h — this is not the "
       "differential"),
)
_SUMMARIES_WITH_TAIL = (
    N_("fitted order {order:.2f}, {tail:.2f} over the smallest steps > 1: the remainder vanishes "
       "faster than h — consistent with the differential"),
    N_("fitted order {order:.2f}, {tail:.2f} over the smallest steps: the remainder shrinks only "
       "like h — this is not the differential"),
    N_("fitted order {order:.2f}, {tail:.2f} over the smallest steps: the remainder does not even "
       "shrink like h — this is not the differential"),
)

#: Three step sizes at least: the order is a fitted slope (also said by mdlib.precise).
FEW_STEPS = N_("give at least three different step sizes h: the order is the slope of a line "
               "fitted through log ‖r(h)‖ against log h")


def _norm(a: np.ndarray) -> float:
    return float(np.linalg.norm(np.ravel(a)))


def remainder_study(
    f: Callable,
    x: object,
    differential: Callable,
    direction: object | None = None,
    steps: object | None = None,
    roundoff: float | None = None,
) -> RemainderStudy:
    """Compute ``r(h) = f(x+hu) - f(x) - df(x; hu)`` over ``steps`` and fit its order.

    ``f`` maps a scalar, vector or matrix to a scalar, vector or matrix; ``differential(x, dx)``
    returns the claimed ``df(x; dx)`` with the shape of ``f(x)``. ``direction`` defaults to a
    seeded random direction of unit norm. ``roundoff`` is the round-off level (a norm) of one
    evaluation of ``f`` near ``x``; by default it is measured (:func:`roundoff_level`). The fit
    uses only remainders well above it and above ``ε ‖f‖``.

    >>> import numpy as np
    >>> X = np.array([[2.0, 1.0], [1.0, 3.0]])
    >>> s = remainder_study(np.linalg.inv, X, lambda X, dX: -np.linalg.inv(X) @ dX @ np.linalg.inv(X))
    >>> s.vanishes_faster_than_h(), s.is_second_order()
    (True, True)
    """
    x = as_array(x, N_("the point x"))
    if direction is None:
        direction = np.random.default_rng(0).standard_normal(x.shape)
        direction = direction / max(_norm(direction), 1e-300)
    u = check_direction(direction, x.shape)
    steps = DEFAULT_STEPS if steps is None else as_array(steps, N_("the steps"))
    steps = np.atleast_1d(steps).astype(float).ravel()
    for h in steps:
        check_step(float(h), N_("every step h"))
    if len(np.unique(np.abs(steps))) < 3:
        raise MdlibError(_(FEW_STEPS))

    fx = _evaluate(f, x, "f(x)")
    if roundoff is None:
        roundoff = roundoff_level(f, x, u)
    remainders = np.empty(len(steps))
    increments = np.empty(len(steps))
    floors = np.empty(len(steps))
    for i, h in enumerate(steps):
        fxh = _evaluate(f, x + h * u, _("f(x + h u) for h = {h:g}").format(h=h))
        dfx = _evaluate(lambda _x, h=h: differential(x, h * u), x,
                        _("the differential df(x; h u) for h = {h:g}").format(h=h))
        if dfx.shape != fx.shape:
            raise MdlibError(_("the differential has shape {shape} but f(x) has shape "
                               "{f_shape}; df must have the shape of f").format(
                                   shape=dfx.shape, f_shape=fx.shape))
        remainders[i] = _norm(fxh - fx - dfx)
        increments[i] = max(_norm(fxh - fx), _norm(dfx))
        # Round-off of this step's remainder: a few ulps of the largest term in it ...
        floors[i] = np.finfo(float).eps * max(_norm(fx), _norm(fxh), _norm(dfx))
    # ... or the measured round-off of f's evaluation when that is larger (f = log(1 + small)
    # is small, but the 1 + small it was computed from carries round-off of order ε).
    floors = _FLOOR_MARGIN * np.maximum(floors, float(roundoff))
    hu_norm = np.abs(steps) * _norm(u)
    if np.count_nonzero(increments > floors) < 3:
        raise MdlibError(_(
            "f(x + h u) − f(x) and df(x; h u) are at round-off level for almost every step "
            "(‖h u‖ from {smallest:.1e} to {largest:.1e}), so the remainder cannot tell a right "
            "differential from a wrong one; use larger steps or a direction of norm about "
            "1").format(smallest=hu_norm.min(), largest=hu_norm.max()))
    ratio = remainders / hu_norm
    order, mask = fit_order(steps, remainders, floors)
    return RemainderStudy(steps=steps, remainder=remainders, ratio=ratio, order=order, fit_mask=mask)


def roundoff_level(f: Callable, x: object, direction: object) -> float:
    """Measured round-off (a norm) of evaluating ``f`` near ``x``, from a few nearby points.

    ``ε ‖f(x)‖`` underestimates it when ``f`` is small but computed from large intermediate
    values (``log(1 + 1e-5 t)``, ``tr(M)`` of an antisymmetric ``M``). At points ``x + t u``
    with small (up to 1e-6 ‖x‖), irregularly spaced ``t`` (a regular grid can alias with the
    rounding grid and show no noise at all) every intermediate moves by many of its ulps and is
    rounded afresh, while f's smooth part is a cubic in ``t`` to float precision: the scatter
    about a fitted cubic is the round-off.
    A point where ``f`` fails gives 0 (no estimate).

    >>> import numpy as np
    >>> level = roundoff_level(lambda x: np.log(1 + 1e-4 * x), 1.0, 1.0)
    >>> 1e-18 < level < 1e-15   # about ε · |1 + 1e-4 x|, not ε · |f| ≈ 2e-20
    True
    >>> roundoff_level(lambda x: 2 * x, 1.0, 1.0) < 1e-15
    True
    """
    x = as_array(x, N_("the point x"))
    u = np.asarray(direction, dtype=float)
    u_norm = _norm(u)
    if u_norm == 0 or not np.isfinite(u_norm):
        return 0.0
    offsets = np.sort(np.random.default_rng(12345).uniform(0.0, 10.0, _NOISE_SAMPLES))
    delta = _NOISE_STEP * (_norm(x) or u_norm) / u_norm
    try:
        with np.errstate(all="ignore"):
            values = np.array([np.ravel(np.asarray(f(x + s * delta * u), dtype=float))
                               for s in offsets])
    except (ArithmeticError, np.linalg.LinAlgError, TypeError, ValueError, MdlibError):
        return 0.0
    if not np.all(np.isfinite(values)):
        return 0.0
    centred = values - values[0]  # the fit then works on the small changes, not on f itself
    coefficients = np.polyfit(offsets, centred, 3)
    residual = centred - np.vander(offsets, 4) @ coefficients
    return float(np.sqrt(np.sum(residual**2) / (len(offsets) - 4)))


def _evaluate(fn: Callable, at: np.ndarray, what: str) -> np.ndarray:
    """``fn(at)`` as a finite real array; a numeric failure is reported as ``what``'s (in the
    reader's language)."""
    try:
        value = fn(at)
    except (ArithmeticError, np.linalg.LinAlgError) as err:
        raise MdlibError(_("{what} cannot be computed ({error_type}: {error}); the function is "
                           "not defined there").format(what=what, error_type=type(err).__name__,
                                                       error=err)) from None
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
    """Return the study if the remainder of ``differential`` vanishes faster than ``h``, else raise.

    The error says what the remainder did, so a wrong formula is caught with a reason; its
    ``kind`` is ``"not the differential"``.

    >>> import numpy as np
    >>> check_differential(np.exp, 0.5, lambda x, dx: np.exp(x) * dx).vanishes_faster_than_h()
    True
    """
    study = remainder_study(f, x, differential, direction)
    if not study.vanishes_faster_than_h():
        raise MdlibError(_("{name} is not the differential: the remainder shrinks only like "
                           "h^{order:.2f} as h → 0, not faster than h, so r(h)/‖h u‖ does not go "
                           "to 0. The linear part is wrong.").format(
                               name=name, order=study.asymptotic_order),
                         kind="not the differential")
    return study

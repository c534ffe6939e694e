"""The numeric checks of second order: a Jacobian against central differences of vec F, a
Hessian against central differences of ∇f, with the remainder of the expansion.

Both draw random data (:func:`~mdlib.engine.verify.random_data`, other data if these do not
suit F), compare ``J vec V`` with the central difference of ``vec F`` (or of ``∇f``) along a
few random directions ``V`` (a handful of evaluations, whatever the size), and fit the order
of the remainder: 2 for the linear part ``J``, 3 for the quadratic model of a Hessian, which
must also be symmetric.

Where F does not change at the data (its differences are round-off), a comparison proves
nothing, so only a claim of 0 passes there: 0 as a formula, or an expression whose terms
cancel (:func:`~mdlib.engine.verify.cancelled_part`, reported in ``details["cancelled"]`` so
the derivation can say that the answer is 0 and why); never a value that merely underflowed.

>>> X = sympy.MatrixSymbol("X", 2, 2)
>>> bool(verify_hessian(sympy.Trace(X.T * X), 2 * X, X, 2 * sympy.Identity(4)))
True
>>> A = sympy.MatrixSymbol("A", 2, 2)
>>> zero = sympy.Trace(A) - sympy.Trace(A.T)
>>> check = verify_jacobian(sympy.MatMul(zero, X), X, sympy.MatMul(zero, sympy.Identity(4)))
>>> bool(check), check.details["cancelled"]
(True, Trace(A) - Trace(A.T))
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
import sympy
from sympy.matrices.expressions import MatrixSymbol, ZeroMatrix

from ..errors import MdlibError
from ..gradcheck import relative_error
from ..i18n import _
from ..remainder import remainder_study, roundoff_level
from ..vec import unvec
from ..vec import vec as vec_numeric
from . import numeric
from .verify import CheckOutcome, cancelled_part, random_data

#: Relative error allowed between J vec V and central differences of vec F along V.
RTOL = 1e-5
#: Random directions per check: a few, whatever the size (each costs two evaluations of F).
DIRECTIONS = 3
#: Data sets tried (seed, then entries made positive, then the next seed ...).
ATTEMPTS = 4
_FD_STEP = 1e-6
_EPS = float(np.finfo(float).eps)
_SMALL_STEPS = np.logspace(-1, -6, 16)
# A third-order remainder reaches round-off near h = 1e-5 already: fit it above that.
_HESSIAN_STEPS = np.logspace(-0.5, -3.5, 13)
#: Smallest fitted order of the second-order remainder accepted (3 expected; a wrong Hessian
#: leaves a piece of order 2).
HESSIAN_ORDER = 2.6


@dataclass(repr=False)
class SecondOrderCheck(CheckOutcome):
    """The outcome of the numeric check of a Jacobian or a Hessian."""

    passed: bool
    relative_error: float
    order: float
    message: str
    details: dict = field(default_factory=dict)


def tail_order(study, points: int = 5) -> float:
    """The order fitted over the smallest steps still above round-off (the asymptotic end).

    At large h the next terms of the expansion can cancel the leading one for a moment, so
    the order is read where h is small, as the definition of the remainder's order asks.

    >>> from mdlib.remainder import remainder_study
    >>> s = remainder_study(np.exp, 0.0, lambda x, dx: dx + dx**2 / 2, steps=np.logspace(-1, -3, 9))
    >>> round(tail_order(s), 1)
    3.0
    """
    if study.exact:
        return float("inf")
    idx = np.flatnonzero(study.fit_mask)[-points:]
    if idx.size < 3:
        return float(study.order)
    return float(np.polyfit(np.log(study.steps[idx]), np.log(study.remainder[idx]), 1)[0])


def _quadratic_part_dominates(study, H: np.ndarray, V: np.ndarray) -> bool:
    """The remainder is far below the model's own second-order part ½h² vᵀHv at the smallest
    steps fitted: a wrong Hessian leaves ½h² vᵀ(H - H_true)v there, a constant fraction of it,
    so H is right along V to that fraction even where the h³ term is too small (f nearly
    quadratic) for the order to be fitted."""
    idx = np.flatnonzero(study.fit_mask)
    if idx.size < 3:
        return False
    v = vec_numeric(V)
    q2 = 0.5 * study.steps[idx] ** 2 * abs(float((v.T @ H @ v).item()))
    return bool(np.all(study.remainder[idx[-3:]] <= 1e-4 * q2[-3:]))


def _directions(shape: tuple, rng: np.random.Generator) -> list[np.ndarray]:
    out = []
    for _pass in range(DIRECTIONS):
        V = rng.standard_normal(shape)
        out.append(V / np.linalg.norm(V))
    return out


def _central(fun: Callable, X0: np.ndarray, V: np.ndarray) -> np.ndarray:
    return (np.asarray(fun(X0 + _FD_STEP * V), dtype=float)
            - np.asarray(fun(X0 - _FD_STEP * V), dtype=float)) / (2 * _FD_STEP)


class _Unsuited(Exception):
    """These data do not suit the check (not finite, singular ...): try other data."""


def _claimed_value(J: sympy.Basic, data, size: tuple[int, int]) -> np.ndarray:
    """The claimed matrix at the data (a J that cannot be evaluated there, e.g. a singular
    inverse, means other data are tried and then the check fails)."""
    if isinstance(J, ZeroMatrix):
        return np.zeros(size)
    try:
        value = np.asarray(numeric.evaluate(J, data.values, data.dims), dtype=float)
    except (MdlibError, np.linalg.LinAlgError, ValueError) as err:
        raise _Unsuited(_("could not evaluate at the random data ({error})").format(
            error=err)) from None
    return np.broadcast_to(value, size) if value.size == 1 else value


@dataclass
class _Comparison:
    """``J vec V`` next to the central differences along the same V, and whether F is flat."""

    claimed: np.ndarray
    reference: np.ndarray
    flat: bool  # the differences are round-off: F does not change at the data
    within: bool  # every direction agrees within RTOL and the differences' own round-off


def _compare(fun: Callable, X0: np.ndarray, J: np.ndarray, seed: int) -> _Comparison:
    rng = np.random.default_rng(seed + 101)
    directions = _directions(X0.shape, rng)
    claimed = np.array([(J @ vec_numeric(V)).ravel() for V in directions])
    reference = np.array([vec_numeric(np.atleast_2d(_central(fun, X0, V))).ravel()
                          for V in directions])
    if not np.all(np.isfinite(reference)):
        raise _Unsuited(_("the function is not finite near the random data"))
    # A difference quotient carries the round-off of F's values over 2h: ε·|F|/h at least, more
    # when F is computed from larger intermediate values (measured, as the first-order check does).
    scale = float(np.linalg.norm(fun(X0)))
    noise = max(roundoff_level(fun, X0, directions[0]), _EPS * scale) / _FD_STEP
    flat = float(np.max(np.abs(reference))) <= 1e3 * noise
    gaps = np.linalg.norm(claimed - reference, axis=1)
    within = bool(np.all(gaps <= RTOL * np.linalg.norm(reference, axis=1) + 10 * noise))
    return _Comparison(claimed, reference, flat, within)


class _Decided(Exception):  # noqa: N818 - an outcome, not an error
    """The check is decided before the comparison (a wrong shape, or F flat and the claim 0)."""

    def __init__(self, outcome: SecondOrderCheck) -> None:
        self.outcome = outcome


def _claimed_and_compared(J: sympy.Basic, data, fun: Callable, X0: np.ndarray, size: tuple,
                          seed: int, names: tuple[str, str, str]) -> tuple:
    """The claimed matrix at the data and its comparison with the differences of ``fun``;
    a wrong shape, or ``fun`` flat (then only a claim of 0 passes), decides the check at once.
    ``names`` (in the reader's language): what was not finite, the matrix's name, what ``fun``
    is."""
    claimed = _claimed_value(J, data, size)
    if not (np.all(np.isfinite(fun(X0))) and np.all(np.isfinite(claimed))):
        raise _Unsuited(_("{what} is not finite at the random data").format(what=names[0]))
    if claimed.shape != size:
        raise _Decided(SecondOrderCheck(False, float("inf"), float("nan"),
                                        _("{name} has shape {shape}, expected {size}").format(
                                            name=names[1], shape=claimed.shape, size=size)))
    comparison = _compare(fun, X0, claimed, seed)
    if comparison.flat:
        raise _Decided(_zero_outcome(J, data, names[2], seed))
    return claimed, comparison


def _zero_outcome(J: sympy.Basic, data, what: str, seed: int) -> SecondOrderCheck:
    """The check where the differences are round-off: only a 0 (formula, or terms that
    cancel) passes; anything else means these data prove nothing."""
    cancelled = None if isinstance(J, ZeroMatrix) else cancelled_part(J, data.values, data.dims)
    if cancelled is None and not isinstance(J, ZeroMatrix):
        raise _Unsuited(_("{what} does not change at the random data (its central differences "
                          "are 0 to round-off), so comparing the derivative with them would "
                          "prove nothing").format(what=what))
    if cancelled is None:
        message = _("verified: the derivative is 0 and {what} does not change along {n} random "
                    "directions: its differences there are at round-off level (random data, "
                    "seed {seed})")
    else:
        message = _("verified: the derivative is 0 to round-off and {what} does not change along "
                    "{n} random directions: its differences there are at round-off level (random "
                    "data, seed {seed})")
    message = message.format(what=what, n=DIRECTIONS, seed=seed)
    return SecondOrderCheck(True, 0.0, float("inf"), message,
                            {"values": data.values, "cancelled": cancelled})


def _over_data(check: Callable, expr: sympy.Basic, X: MatrixSymbol, shapes, seed: int,
               symmetric) -> SecondOrderCheck:
    """``check(data, X0)`` at random data, trying other data while they do not suit."""
    name, last = str(X.name), _("no data tried")
    both = sympy.Tuple(expr, X)  # X has data even when F does not hold it
    for attempt in range(ATTEMPTS):
        data = random_data(both, shapes, seed + 7919 * (attempt // 2), symmetric,
                           bool(attempt % 2), name)
        try:
            with np.errstate(all="ignore"):
                return check(data, np.asarray(data.values[name], dtype=float))
        except _Decided as decided:
            return decided.outcome
        except _Unsuited as problem:
            last = str(problem)
        except MdlibError as problem:  # numeric.evaluate names what failed at these data
            last = _("could not evaluate at the random data ({error})").format(error=problem)
    raise MdlibError(_("the engine could not verify the result numerically: {cause}").format(
        cause=last))


def verify_jacobian(Fc: sympy.Basic, X: MatrixSymbol, J: sympy.Basic, shapes: dict | None = None,
                    seed: int = 0, symmetric: Iterable[str] = ()) -> SecondOrderCheck:
    """Check ``vec(dF) = J vec(dX)`` at random data: J vec V against central differences of
    vec F along a few random V, and the linear part's remainder of order 2. Never raises for
    a wrong J (it returns a failed check); raises MdlibError when no data can be evaluated.

    >>> X = sympy.MatrixSymbol("X", 2, 3)
    >>> from mdlib.engine.nodes import CommutationMatrix
    >>> bool(verify_jacobian(X.T, X, CommutationMatrix(2, 3)))
    True
    >>> bool(verify_jacobian(X.T, X, sympy.Identity(6)))  # the K forgotten
    False
    """
    name = str(X.name)

    def at(data, X0: np.ndarray) -> SecondOrderCheck:
        def F_num(Xv: np.ndarray) -> np.ndarray:
            return np.asarray(numeric.evaluate(Fc, {**data.values, name: Xv}, data.dims),
                              dtype=float)

        F0 = F_num(X0)
        size = (vec_numeric(np.atleast_2d(F0)).size, X0.size)
        Jn, comparison = _claimed_and_compared(J, data, F_num, X0, size, seed,
                                               (_("F or its derivative"), "J", "F"))
        err = relative_error(comparison.claimed, comparison.reference)
        V = _directions(X0.shape, np.random.default_rng(seed + 202))[0]

        def linear(Xv, dXv):
            return unvec(Jn @ vec_numeric(dXv), *np.atleast_2d(F0).shape).reshape(np.shape(F0))

        study = remainder_study(F_num, X0, linear, direction=V, steps=_SMALL_STEPS)
        ok = comparison.within and study.is_second_order()
        message = _jacobian_verdict(ok, study.exact).format(n=DIRECTIONS, error=err,
                                                             order=study.order, seed=seed)
        return SecondOrderCheck(ok, err, study.order, message,
                                {"J": Jn, "values": data.values, "study": study})

    return _over_data(at, Fc, X, shapes, seed, symmetric)


def _jacobian_verdict(ok: bool, exact: bool) -> str:
    """The verdict of a Jacobian's check, with ``{n}``, ``{error}``, ``{order}``, ``{seed}``."""
    if ok and exact:
        return _("verified: J vec(V) vs central differences of vec F along {n} random V, "
                 "relative error {error:.1e}; remainder order of the linear part exact (random "
                 "data, seed {seed})")
    if ok:
        return _("verified: J vec(V) vs central differences of vec F along {n} random V, "
                 "relative error {error:.1e}; remainder order of the linear part {order:.2f} "
                 "(random data, seed {seed})")
    if exact:
        return _("NOT verified: J vec(V) vs central differences of vec F along {n} random V, "
                 "relative error {error:.1e}; remainder order of the linear part exact (random "
                 "data, seed {seed})")
    return _("NOT verified: J vec(V) vs central differences of vec F along {n} random V, "
             "relative error {error:.1e}; remainder order of the linear part {order:.2f} "
             "(random data, seed {seed})")


def verify_hessian(fc: sympy.Basic, G: sympy.Basic, X: MatrixSymbol, J: sympy.Basic,
                   shapes: dict | None = None, seed: int = 0,
                   symmetric: Iterable[str] = ()) -> SecondOrderCheck:
    """Check a Hessian ``J`` of ``fc`` with gradient ``G``: J vec V against central differences
    of ∇f along random V, symmetry, and the second-order remainder of order 3.

    >>> X = sympy.MatrixSymbol("X", 2, 2)
    >>> f = sympy.Trace(X.T * X)
    >>> bool(verify_hessian(f, 2 * X, X, 2 * sympy.Identity(4)))
    True
    >>> bool(verify_hessian(f, 2 * X, X, sympy.Identity(4)))  # half the Hessian
    False
    """
    name = str(X.name)

    def at(data, X0: np.ndarray) -> SecondOrderCheck:
        def f_num(Xv: np.ndarray) -> float:
            return numeric.scalar_value(fc, {**data.values, name: Xv}, data.dims)

        def G_num(Xv: np.ndarray) -> np.ndarray:
            out = np.asarray(numeric.evaluate(G, {**data.values, name: Xv}, data.dims), dtype=float)
            return np.broadcast_to(out, Xv.shape) if out.shape != Xv.shape else out

        G0 = G_num(X0)
        if not np.isfinite(f_num(X0)):
            raise _Unsuited(_("f is not finite at the random data"))
        H, comparison = _claimed_and_compared(J, data, G_num, X0, (X0.size, X0.size), seed,
                                              (_("the gradient or the Hessian"), _("the Hessian"),
                                               "∇f"))
        err = relative_error(comparison.claimed, comparison.reference)
        asym = float(np.linalg.norm(H - H.T) / max(np.linalg.norm(H), 1e-300))
        V = _directions(X0.shape, np.random.default_rng(seed + 202))[0]

        def quadratic(Xv, dXv):
            v = vec_numeric(dXv)
            return float(np.sum(G0 * dXv) + 0.5 * (v.T @ H @ v).item())

        study = remainder_study(f_num, X0, quadratic, direction=V, steps=_HESSIAN_STEPS)
        fitted = tail_order(study)
        dominated = not (study.exact or fitted >= HESSIAN_ORDER) and _quadratic_part_dominates(
            study, H, V)
        third = study.exact or fitted >= HESSIAN_ORDER or dominated
        ok = comparison.within and asym <= 1e-8 and third
        if dominated:
            remainder = _("remainder of the second-order expansion below 1e-4 of its quadratic "
                          "term (f is nearly quadratic along V)")
        elif study.exact:
            remainder = _("remainder of the second-order expansion of order exact (3 expected)")
        else:
            remainder = _("remainder of the second-order expansion of order {order:.2f} (3 "
                          "expected)").format(order=fitted)
        # round-off digits depend on the machine: state the bound, not the digits
        symmetry = (_("symmetric to round-off") if asym <= 1e-12
                    else _("NOT symmetric (relative asymmetry {asymmetry:.1e})").format(
                        asymmetry=asym))
        if ok:
            message = _("verified: ∇²f vec(V) vs central differences of ∇f along {n} random V, "
                        "relative error {error:.1e}; {symmetry}; {remainder} (random data, seed "
                        "{seed})")
        else:
            message = _("NOT verified: ∇²f vec(V) vs central differences of ∇f along {n} random "
                        "V, relative error {error:.1e}; {symmetry}; {remainder} (random data, "
                        "seed {seed})")
        message = message.format(n=DIRECTIONS, error=err, symmetry=symmetry,
                                 remainder=remainder, seed=seed)
        return SecondOrderCheck(ok, err, float("inf") if study.exact else fitted, message,
                                {"H": H, "G": G0, "values": data.values, "study": study})

    return _over_data(at, fc, X, shapes, seed, symmetric)


__all__ = ["DIRECTIONS", "HESSIAN_ORDER", "RTOL", "SecondOrderCheck", "tail_order",
           "verify_hessian", "verify_jacobian"]

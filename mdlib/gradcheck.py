"""Central finite differences, and a gradient check that says *what* is wrong.

Layout conventions of the course (mixed, as in the sources): the gradient ``∂f/∂X`` of a scalar
``f`` has the shape of ``X`` (denominator layout), and ``df = tr((∂f/∂X)^T dX)``; the Jacobian
of ``f: R^n → R^m`` is the ``m × n`` matrix ``∂f/∂x^T`` (numerator layout: one row per
component of ``f``), and ``df = (∂f/∂x^T) dx``. The hints of :func:`diagnose` follow the one
that applies.

>>> import numpy as np
>>> A = np.array([[1.0, 2.0], [3.0, 4.0]])
>>> G = numerical_gradient(lambda X: np.trace(A @ X), np.eye(2))
>>> np.allclose(G, A.T)
True
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .errors import MdlibError
from .i18n import N_, _
from .validation import as_array, check_step

#: Central differences are accurate to O(step²); this step balances that with round-off.
DEFAULT_STEP = 1e-6


#: The loosest relative tolerance a check accepts: beyond it a wrong gradient (a slipped factor,
#: a missing term) could pass; rtol = 10 would even accept a sign flip.
MAX_RTOL = 1e-2

# Numeric failures of f that mean "f is not defined there", reported as such.
_NUMERIC_ERRORS = (ArithmeticError, np.linalg.LinAlgError)

#: The finite-difference step, as messages name it (a message, shown with ``_``).
_STEP = N_("the finite-difference step")


def _value(f: Callable, X: np.ndarray, where: str) -> np.ndarray:
    """``f(X)`` as a real array; NaN, complex values and numeric errors are blamed on f.

    ``where`` says where f was evaluated, in the reader's language (``_("at X")``)."""
    try:
        value = f(X)
    except _NUMERIC_ERRORS as err:
        raise MdlibError(_("f cannot be evaluated {where} ({error_type}: {error}); f is not "
                           "defined there, so nothing can be checked at this point").format(
                               where=where, error_type=type(err).__name__, error=err)) from None
    arr = np.asarray(value)
    not_numbers = N_("f must return numbers, but {where} it returned {value!r}")
    if arr.dtype == object or np.iscomplexobj(arr):
        try:
            arr = arr.astype(complex)
        except (TypeError, ValueError):
            raise MdlibError(_(not_numbers).format(where=where, value=value)) from None
        if np.any(arr.imag != 0):
            raise MdlibError(_("f returned a complex value {where}; f is not real there (e.g. "
                               "the log or root of a negative number), so nothing can be "
                               "checked").format(where=where))
        arr = arr.real
    try:
        arr = arr.astype(float)
    except (TypeError, ValueError):
        raise MdlibError(_(not_numbers).format(where=where, value=value)) from None
    if not np.all(np.isfinite(arr)):
        raise MdlibError(_("f is not finite (NaN or infinity) {where}: f is not defined there, "
                           "so the check fails because of f, not because of the claimed "
                           "derivative").format(where=where))
    return arr


def _scalar(value: np.ndarray) -> float:
    if value.size != 1:
        raise MdlibError(_("f must return a scalar for a gradient, but it returned shape "
                           "{shape}; use numerical_jacobian for vector-valued functions").format(
                               shape=value.shape))
    return float(value.reshape(()))


def _check_resolvable(X: np.ndarray, step: float) -> None:
    """Refuse a step that does not change some entry of X in float64 (the difference is 0)."""
    if np.any(X + abs(step) == X) or np.any(X - abs(step) == X):
        biggest = float(np.max(np.abs(X)))
        raise MdlibError(_("the step {step:g} is too small to change X (entries up to "
                           "{biggest:.3g}) in float64; use a step of about 1e-6 times the size of "
                           "X's entries").format(step=step, biggest=biggest))


def _check_rtol(rtol: object) -> float:
    if not isinstance(rtol, (int, float, np.floating)) or not np.isfinite(rtol) or not 0 < rtol <= MAX_RTOL:
        raise MdlibError(_("rtol must be a number in (0, {limit}], got {rtol!r}: a looser "
                           "tolerance would let wrong gradients pass").format(limit=MAX_RTOL,
                                                                             rtol=rtol))
    return float(rtol)


def numerical_gradient(f: Callable, X: object, step: float = DEFAULT_STEP) -> np.ndarray:
    """Central-difference gradient of a scalar ``f`` at ``X``; same shape as ``X``.

    >>> round(float(numerical_gradient(lambda x: x**3, 2.0)), 5)
    12.0
    """
    X = as_array(X, "X")
    step = check_step(step, _STEP)
    _check_resolvable(X, step)
    grad = np.empty_like(X)
    for idx in np.ndindex(X.shape):
        E = np.zeros_like(X)
        E[idx] = step
        where = (_("at X with entry {entry} moved by ±{step:g}").format(entry=idx, step=step)
                 if idx else _("at X ± {step:g}").format(step=step))
        grad[idx] = (_scalar(_value(f, X + E, where)) - _scalar(_value(f, X - E, where))) / (2 * step)
    return grad


def numerical_jacobian(f: Callable, x: object, step: float = DEFAULT_STEP) -> np.ndarray:
    """Central-difference Jacobian ``∂f/∂x^T`` (m × n), built column by column (curriculum V6).

    Column ``j`` is the partial derivative along the basis vector ``e_j`` (V4).

    >>> J = numerical_jacobian(lambda x: np.array([x[0] * x[1], x[0]]), [2.0, 3.0])
    >>> np.round(J, 6).tolist()
    [[3.0, 2.0], [1.0, 0.0]]
    """
    x = as_array(x, "x").astype(float)
    if x.ndim != 1:
        raise MdlibError(_("x must be a vector (1-D) for a Jacobian, got shape {shape}").format(
            shape=x.shape))
    step = check_step(step, _STEP)
    _check_resolvable(x, step)
    columns = []
    for j in range(x.size):
        e = np.zeros_like(x)
        e[j] = step
        where = _("at x with entry {entry} moved by ±{step:g}").format(entry=j, step=step)
        plus = np.atleast_1d(_value(f, x + e, where))
        minus = np.atleast_1d(_value(f, x - e, where))
        if plus.ndim != 1:
            raise MdlibError(_("f must return a vector, got shape {shape}").format(
                shape=plus.shape))
        columns.append((plus - minus) / (2 * step))
    return np.column_stack(columns)


@dataclass(frozen=True)
class GradientCheck:
    """Outcome of comparing a claimed gradient (or Jacobian) with finite differences.

    ``mistake`` names the slip as data, whatever language ``message`` speaks: "" when it
    passed, else one of :data:`MISTAKES`.
    """

    passed: bool
    relative_error: float
    message: str
    mistake: str = ""

    def __bool__(self) -> bool:
        return self.passed

    def __repr__(self) -> str:
        return self.message

    def _repr_markdown_(self) -> str:
        return ("✅ " if self.passed else "❌ ") + self.message


#: The slips :func:`diagnose` recognises: a transposed answer (of the transposed shape or
#: square), another wrong shape, a flipped sign, a constant factor, a zero answer, and values
#: that differ in no recognisable way.
MISTAKES = ("transpose", "shape", "sign", "factor", "zero", "values")

#: What the answer is called in messages, for the ``what`` that chooses the layout rule
#: (messages, shown with ``_``; any other ``what`` is shown as it is given).
_ANSWERS = {"gradient": N_("gradient"), "jacobian": N_("Jacobian"), "hessian": N_("Hessian")}


def _answer(what: str) -> str:
    """``what`` in the reader's language: ``"梯度"`` for ``"gradient"`` in Chinese."""
    return _(what) if what in _ANSWERS.values() else what


def relative_error(claimed: np.ndarray, reference: np.ndarray) -> float:
    """``‖claimed − reference‖ / max(‖reference‖, 1e-12)`` in the Frobenius norm."""
    return float(np.linalg.norm(claimed - reference) / max(np.linalg.norm(reference), 1e-12))


def _layout(what: str, reference: np.ndarray) -> str:
    """The layout rule that fixes the shape of ``what`` (see the module docstring)."""
    if what.lower() == "jacobian":
        m, n = reference.shape if reference.ndim == 2 else (reference.size, 1)
        return _("numerator layout: the Jacobian ∂f/∂xᵀ is m × n = {m} × {n}, one row per "
                 "component of f and one column per component of x").format(m=m, n=n)
    if what.lower() == "gradient":
        return _("denominator layout: ∂f/∂X has the shape of X")
    # no layout rule claimed for other kinds
    return _("the {what} has shape {shape}").format(what=_answer(what), shape=reference.shape)


def diagnosis(claimed: object, reference: object, tol: float = 1e-5,
              what: str = "gradient") -> tuple[str, str]:
    """The slip (one of :data:`MISTAKES`, or "" when ``claimed`` matches) and its explanation,
    in the reader's language; :func:`diagnose` says the explanation.

    >>> import numpy as np
    >>> R = np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> diagnosis(-R, R)
    ('sign', 'the sign is flipped')
    """
    claimed = np.asarray(claimed, dtype=float)
    reference = np.asarray(reference, dtype=float)
    jacobian = what.lower() == "jacobian"
    layout = _layout(what, reference)
    shapes = {"shape": claimed.shape, "expected": reference.shape, "layout": layout}
    if claimed.shape != reference.shape:
        if claimed.T.shape == reference.shape:
            if jacobian:
                return "transpose", _("wrong shape {shape}, expected {expected}: this is the "
                                      "transpose: the Jacobian has one row per component of f "
                                      "({layout})").format(**shapes)
            return "transpose", _("wrong shape {shape}, expected {expected}: you may have the "
                                  "transpose ({layout})").format(**shapes)
        return "shape", _("wrong shape {shape}, expected {expected} ({layout})").format(**shapes)
    if relative_error(claimed, reference) <= tol:
        return "", _("matches")
    if claimed.ndim == 2 and claimed.shape == claimed.T.shape and relative_error(claimed.T, reference) <= tol:
        if jacobian:
            return "transpose", _("this is the transpose: the Jacobian has one row per component "
                                  "of f ({layout})").format(layout=layout)
        return "transpose", _("it is the transpose of the right answer: check the layout "
                              "({layout}) or a missing transpose").format(layout=layout)
    if relative_error(-claimed, reference) <= tol:
        return "sign", _("the sign is flipped")
    ref_norm_sq = float(np.sum(reference * reference))
    if ref_norm_sq > 0 and reference.size > 1:  # one number is always a multiple of another
        factor = float(np.sum(claimed * reference)) / ref_norm_sq
        if factor != 0 and relative_error(claimed / factor, reference) <= tol:
            return "factor", _("off by a constant factor: yours is {factor:.4g} times the right "
                               "answer").format(factor=factor)
    if not np.any(claimed):
        return "zero", _("your answer is zero, but the {what} is not").format(what=_answer(what))
    return "values", _("the values differ from the finite-difference {what} (not a transpose, "
                       "sign or factor slip)").format(what=_answer(what))


def diagnose(claimed: object, reference: object, tol: float = 1e-5, what: str = "gradient") -> str:
    """Name the likely mistake when ``claimed`` is not ``reference``.

    Recognises a wrong shape, a missing transpose, a flipped sign and a constant factor.
    ``what`` is ``"gradient"`` (denominator layout: the shape of X) or ``"Jacobian"``
    (numerator layout: m × n, one row per component of f); the layout hint follows it. Any other
    ``what`` (e.g. ``"Hessian"``) gets its expected shape, and no layout rule is claimed.

    >>> import numpy as np
    >>> R = np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> diagnose(R.T, R)
    'it is the transpose of the right answer: check the layout (denominator layout: ∂f/∂X has the shape of X) or a missing transpose'
    >>> diagnose(np.ones((2, 3)), np.ones((3, 2)), what="Jacobian")
    'wrong shape (2, 3), expected (3, 2): this is the transpose: the Jacobian has one row per component of f (numerator layout: the Jacobian ∂f/∂xᵀ is m × n = 3 × 2, one row per component of f and one column per component of x)'
    """
    return diagnosis(claimed, reference, tol, what)[1]


def check_gradient(
    f: Callable,
    X: object,
    claimed: object,
    rtol: float = 1e-5,
    step: float = DEFAULT_STEP,
) -> GradientCheck:
    """Compare a claimed gradient with central differences of ``f`` at ``X``.

    Returns a :class:`GradientCheck` whose message names the mistake when it fails.

    >>> import numpy as np
    >>> A = np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> f = lambda X: np.trace(A @ X)
    >>> bool(check_gradient(f, np.eye(2), A.T)), bool(check_gradient(f, np.eye(2), A))
    (True, False)
    """
    rtol = _check_rtol(rtol)
    X = as_array(X, "X")
    claimed = as_array(claimed, N_("the claimed gradient"))
    _scalar(_value(f, X, _("at X")))  # a NaN at X itself is f's, and is said so first
    reference = numerical_gradient(f, X, step)
    return compare_with_reference(claimed, reference, rtol, "gradient")


def check_jacobian(
    f: Callable,
    x: object,
    claimed: object,
    rtol: float = 1e-5,
    step: float = DEFAULT_STEP,
) -> GradientCheck:
    """Compare a claimed Jacobian (m × n, numerator layout) with central differences of ``f`` at ``x``.

    >>> import numpy as np
    >>> f = lambda c: np.array([c[0] * c[1], c[0], c[1] ** 2])
    >>> J = np.array([[2.0, 1.0], [1.0, 0.0], [0.0, 4.0]])  # at c = (1, 2): 3 × 2
    >>> bool(check_jacobian(f, [1.0, 2.0], J)), "one row per component of f" in str(check_jacobian(f, [1.0, 2.0], J.T))
    (True, True)
    """
    rtol = _check_rtol(rtol)
    claimed = as_array(claimed, N_("the claimed Jacobian"))
    reference = numerical_jacobian(f, x, step)
    return compare_with_reference(claimed, reference, rtol, "Jacobian")


def compare_with_reference(claimed: np.ndarray, reference: np.ndarray, rtol: float = 1e-5,
                           what: str = "gradient") -> GradientCheck:
    """Verdict on ``claimed`` against a finite-difference ``reference``, naming the slip.

    >>> import numpy as np
    >>> compare_with_reference(np.eye(2), -np.eye(2)).message
    'gradient check failed (relative error 2.0e+00): the sign is flipped'
    """
    rtol = _check_rtol(rtol)
    answer = _answer(what)
    claimed = as_array(claimed, _("the claimed {what}").format(what=answer))
    reference = as_array(reference, _("the finite-difference {what}").format(what=answer))
    if claimed.shape != reference.shape:
        mistake, hint = diagnosis(claimed, reference, what=what)
        return GradientCheck(False, float("inf"), _("{what} check failed: {hint}").format(
            what=answer, hint=hint), mistake)
    err = relative_error(claimed, reference)
    if err <= rtol:
        return GradientCheck(True, err, _("{what} matches finite differences (relative error "
                                          "{error:.1e})").format(what=answer, error=err))
    mistake, hint = diagnosis(claimed, reference, tol=max(rtol, 1e-5), what=what)
    return GradientCheck(False, err, _("{what} check failed (relative error {error:.1e}): "
                                       "{hint}").format(what=answer, error=err, hint=hint),
                         mistake or "values")


def assert_gradient(f: Callable, X: object, claimed: object, rtol: float = 1e-5) -> GradientCheck:
    """Like :func:`check_gradient` but raise :class:`MdlibError` on failure."""
    result = check_gradient(f, X, claimed, rtol)
    if not result:
        raise MdlibError(result.message)
    return result

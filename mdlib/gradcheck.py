"""Central finite differences, and a gradient check that says *what* is wrong.

Layout convention of the course (denominator layout): the gradient ``∂f/∂X`` of a scalar ``f``
has the shape of ``X``, and ``df = tr((∂f/∂X)^T dX)``. The Jacobian of ``f: R^n → R^m`` is
the ``m × n`` matrix ``∂f/∂x^T``.

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
from .validation import as_array, check_step

#: Central differences are accurate to O(step²); this step balances that with round-off.
DEFAULT_STEP = 1e-6


def _scalar(value: object) -> float:
    arr = np.asarray(value, dtype=float)
    if arr.size != 1:
        raise MdlibError(
            f"f must return a scalar for a gradient, but it returned shape {arr.shape}; "
            "use numerical_jacobian for vector-valued functions"
        )
    return float(arr.reshape(()))


def numerical_gradient(f: Callable, X: object, step: float = DEFAULT_STEP) -> np.ndarray:
    """Central-difference gradient of a scalar ``f`` at ``X``; same shape as ``X``.

    >>> round(float(numerical_gradient(lambda x: x**3, 2.0)), 5)
    12.0
    """
    X = as_array(X, "X")
    step = check_step(step, "the finite-difference step")
    grad = np.empty_like(X)
    for idx in np.ndindex(X.shape):
        E = np.zeros_like(X)
        E[idx] = step
        grad[idx] = (_scalar(f(X + E)) - _scalar(f(X - E))) / (2 * step)
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
        raise MdlibError(f"x must be a vector (1-D) for a Jacobian, got shape {x.shape}")
    step = check_step(step, "the finite-difference step")
    columns = []
    for j in range(x.size):
        e = np.zeros_like(x)
        e[j] = step
        plus = np.atleast_1d(as_array(f(x + e), "f(x)"))
        minus = np.atleast_1d(as_array(f(x - e), "f(x)"))
        if plus.ndim != 1:
            raise MdlibError(f"f must return a vector, got shape {plus.shape}")
        columns.append((plus - minus) / (2 * step))
    return np.column_stack(columns)


@dataclass(frozen=True)
class GradientCheck:
    """Outcome of comparing a claimed gradient (or Jacobian) with finite differences."""

    passed: bool
    relative_error: float
    message: str

    def __bool__(self) -> bool:
        return self.passed

    def __repr__(self) -> str:
        return self.message

    def _repr_markdown_(self) -> str:
        return ("✅ " if self.passed else "❌ ") + self.message


def relative_error(claimed: np.ndarray, reference: np.ndarray) -> float:
    """``‖claimed − reference‖ / max(‖reference‖, 1e-12)`` in the Frobenius norm."""
    return float(np.linalg.norm(claimed - reference) / max(np.linalg.norm(reference), 1e-12))


def diagnose(claimed: object, reference: object, tol: float = 1e-5) -> str:
    """Name the likely mistake when ``claimed`` is not ``reference``.

    Recognises a wrong shape, a missing transpose, a flipped sign and a constant factor.

    >>> import numpy as np
    >>> R = np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> diagnose(R.T, R)
    'it is the transpose of the right answer: check the layout (∂f/∂X has the shape of X) or a missing transpose'
    """
    claimed = np.asarray(claimed, dtype=float)
    reference = np.asarray(reference, dtype=float)
    if claimed.shape != reference.shape:
        if claimed.T.shape == reference.shape:
            return (
                f"wrong shape {claimed.shape}, expected {reference.shape}: "
                "you may have the transpose (denominator layout: ∂f/∂X has the shape of X)"
            )
        return f"wrong shape {claimed.shape}, expected {reference.shape}"
    if relative_error(claimed, reference) <= tol:
        return "matches"
    if claimed.ndim == 2 and claimed.shape == claimed.T.shape and relative_error(claimed.T, reference) <= tol:
        return (
            "it is the transpose of the right answer: check the layout "
            "(∂f/∂X has the shape of X) or a missing transpose"
        )
    if relative_error(-claimed, reference) <= tol:
        return "the sign is flipped"
    ref_norm_sq = float(np.sum(reference * reference))
    if ref_norm_sq > 0 and reference.size > 1:  # one number is always a multiple of another
        factor = float(np.sum(claimed * reference)) / ref_norm_sq
        if factor != 0 and relative_error(claimed / factor, reference) <= tol:
            return f"off by a constant factor: yours is {factor:.4g} times the right answer"
    if not np.any(claimed):
        return "your answer is zero, but the gradient is not"
    return "the values differ from the finite-difference gradient (not a transpose, sign or factor slip)"


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
    X = as_array(X, "X")
    claimed = as_array(claimed, "the claimed gradient")
    reference = numerical_gradient(f, X, step)
    return compare_with_reference(claimed, reference, rtol, "gradient")


def check_jacobian(
    f: Callable,
    x: object,
    claimed: object,
    rtol: float = 1e-5,
    step: float = DEFAULT_STEP,
) -> GradientCheck:
    """Compare a claimed Jacobian (m × n) with central differences of ``f`` at ``x``."""
    claimed = as_array(claimed, "the claimed Jacobian")
    reference = numerical_jacobian(f, x, step)
    return compare_with_reference(claimed, reference, rtol, "Jacobian")


def compare_with_reference(claimed: np.ndarray, reference: np.ndarray, rtol: float = 1e-5,
                           what: str = "gradient") -> GradientCheck:
    """Verdict on ``claimed`` against a finite-difference ``reference``, naming the slip.

    >>> import numpy as np
    >>> compare_with_reference(np.eye(2), -np.eye(2)).message
    'gradient check failed (relative error 2.0e+00): the sign is flipped'
    """
    if claimed.shape != reference.shape:
        return GradientCheck(False, float("inf"), f"{what} check failed: {diagnose(claimed, reference)}")
    err = relative_error(claimed, reference)
    if err <= rtol:
        return GradientCheck(True, err, f"{what} matches finite differences (relative error {err:.1e})")
    hint = diagnose(claimed, reference, tol=max(rtol, 1e-5))
    return GradientCheck(False, err, f"{what} check failed (relative error {err:.1e}): {hint}")


def assert_gradient(f: Callable, X: object, claimed: object, rtol: float = 1e-5) -> GradientCheck:
    """Like :func:`check_gradient` but raise :class:`MdlibError` on failure."""
    result = check_gradient(f, X, claimed, rtol)
    if not result:
        raise MdlibError(result.message)
    return result

"""Input checks shared by every module: shapes, finiteness, step sizes, invertibility.

The ``name`` of what is checked is part of the message: ``"X"``, or words marked for translation
(``N_("the point x")``), which the message shows in the reader's language.

>>> as_matrix([[1, 2], [3, 4]], "X").shape
(2, 2)
>>> check_step(0.0)
Traceback (most recent call last):
...
mdlib.errors.MdlibError: the step h must be a non-zero finite number, got 0.0
"""

from __future__ import annotations

import numbers

import numpy as np

from .errors import MdlibError
from .i18n import N_, _

# Above this condition number a float64 inverse has lost (almost) all its digits.
SINGULAR_CONDITION = 1e12


def as_array(value: object, name: str = N_("input")) -> np.ndarray:
    """Return ``value`` as a finite real float64 array, or raise a clear error.

    Complex entries are refused (not silently cut to their real part): everything in the course
    is real, so a complex number means a value outside a function's domain, e.g. ``√-1``.

    >>> as_array([1, 2.5]).tolist()
    [1.0, 2.5]
    >>> as_array([1 + 2j], "the gradient")
    Traceback (most recent call last):
    ...
    mdlib.errors.MdlibError: the gradient has complex entries (e.g. (1+2j)); real numbers are needed here
    """
    try:
        arr = np.asarray(value)
        if arr.dtype == object:  # e.g. sympy numbers: real ones convert to float directly
            try:
                arr = arr.astype(float)
            except TypeError:
                arr = arr.astype(complex)
    except (TypeError, ValueError) as exc:
        raise _not_numbers(value, name) from exc
    if np.iscomplexobj(arr):
        flat = np.ravel(arr)
        bad = flat[flat.imag != 0]
        if bad.size:
            raise MdlibError(_("{name} has complex entries (e.g. {entry}); real numbers are "
                               "needed here").format(name=_(name), entry=bad[0]))
        arr = arr.real
    try:
        arr = arr.astype(float)
    except (TypeError, ValueError) as exc:
        raise _not_numbers(value, name) from exc
    if not np.all(np.isfinite(arr)):
        raise MdlibError(_("{name} contains NaN or infinity").format(name=_(name)))
    return arr


def _not_numbers(value: object, name: str) -> MdlibError:
    return MdlibError(_("{name} must be numbers (a scalar, vector or matrix), got "
                        "{value!r}").format(name=_(name), value=value))


def as_matrix(value: object, name: str = "X") -> np.ndarray:
    """Return ``value`` as a 2-D float array (a matrix)."""
    arr = as_array(value, name)
    if arr.ndim != 2:
        raise MdlibError(_("{name} must be a matrix (2-D), got an array of shape {shape}").format(
            name=_(name), shape=arr.shape))
    return arr


def check_same_shape(a: np.ndarray, b: np.ndarray, name_a: str, name_b: str) -> None:
    """Raise unless ``a`` and ``b`` have the same shape."""
    if np.shape(a) != np.shape(b):
        raise MdlibError(_("{name_a} has shape {shape_a} but {name_b} has shape {shape_b}; they "
                           "must match").format(name_a=_(name_a), shape_a=np.shape(a),
                                                name_b=_(name_b), shape_b=np.shape(b)))


def check_square(X: np.ndarray, name: str = "X") -> None:
    """Raise unless ``X`` is a square matrix."""
    if X.ndim != 2 or X.shape[0] != X.shape[1]:
        raise MdlibError(_("{name} must be a square matrix, got shape {shape}").format(
            name=_(name), shape=X.shape))


def check_invertible(X: np.ndarray, name: str = "X") -> None:
    """Raise unless ``X`` is square and safely invertible in float64.

    The message names the condition: ``X⁻¹`` and ``log|det X|`` (gradient ``X⁻ᵀ``) exist exactly
    for an invertible ``X``, i.e. ``det X ≠ 0``, whatever the sign of ``det X``. Its ``kind`` is
    ``"singular"``.

    >>> check_invertible(np.array([[1.0, 2.0], [2.0, 4.0]]), "Σ")
    Traceback (most recent call last):
    ...
    mdlib.errors.MdlibError: Σ is singular (or numerically so: condition number ...); Σ^{-1} and log|det Σ| are defined only for an invertible Σ (det Σ ≠ 0). Pick an invertible Σ.
    """
    check_square(X, name)
    cond = np.linalg.cond(X)
    if not np.isfinite(cond) or cond > SINGULAR_CONDITION:
        raise MdlibError(_("{name} is singular (or numerically so: condition number "
                           "{condition:.1e}); {name}^{{-1}} and log|det {name}| are defined only "
                           "for an invertible {name} (det {name} ≠ 0). Pick an invertible "
                           "{name}.").format(name=_(name), condition=cond), kind="singular")


def check_step(h: object, name: str = N_("the step h")) -> float:
    """Return ``h`` as a float, raising unless it is a non-zero finite number."""
    if not isinstance(h, numbers.Real) or not np.isfinite(h) or h == 0:
        raise MdlibError(_("{name} must be a non-zero finite number, got {h!r}").format(
            name=_(name), h=h))
    return float(h)


def check_direction(u: np.ndarray, shape: tuple[int, ...],
                    name: str = N_("the direction")) -> np.ndarray:
    """Return ``u`` as an array of ``shape`` with a non-zero norm."""
    u = as_array(u, name)
    if u.shape != shape:
        raise MdlibError(_("{name} must have the shape of the point, {shape}, got {got}").format(
            name=_(name), shape=shape, got=u.shape))
    if not np.any(u):
        raise MdlibError(_("{name} is zero; a remainder needs a non-zero direction to move "
                           "along").format(name=_(name)))
    return u

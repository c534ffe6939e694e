"""Numerically stable elementwise and softmax functions used by the worked examples.

A naive ``exp(a) / sum(exp(a))`` overflows for ``a = 1000``; shifting by the maximum first
gives the same number without overflow, because softmax is unchanged by adding a constant.
Vectors and matrices are both accepted: for a matrix, ``axis=0`` treats each *column* as one
example (the course stores a batch as the columns of ``X``).

>>> import numpy as np
>>> np.round(softmax(np.array([1000.0, 1000.0])), 3).tolist()
[0.5, 0.5]
>>> float(np.round(sigmoid(-800.0), 6))
0.0
"""

from __future__ import annotations

import numpy as np

from .errors import MdlibError
from .i18n import _
from .validation import as_array


def _check_axis(a: np.ndarray, axis: int | None) -> None:
    if axis is None:
        return
    if not isinstance(axis, (int, np.integer)) or not -max(a.ndim, 1) <= axis < max(a.ndim, 1):
        raise MdlibError(_("axis must be None or an integer from {low} to {high} for an array "
                           "of shape {shape}, got {axis!r}").format(
                               low=-max(a.ndim, 1), high=max(a.ndim, 1) - 1, shape=a.shape,
                               axis=axis))


def sigmoid(x: object) -> np.ndarray:
    """Logistic function ``1 / (1 + e^{-x})`` elementwise, without overflow warnings.

    >>> sigmoid(np.array([0.0, 2.0])).round(4).tolist()
    [0.5, 0.8808]
    """
    x = as_array(x, "x")
    # e^{-|x|} never overflows; pick the algebraically equal form that uses it.
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_prime(x: object) -> np.ndarray:
    """Derivative ``σ'(x) = σ(x) (1 − σ(x))`` elementwise (the σ' of rule M8).

    >>> float(sigmoid_prime(0.0))
    0.25
    """
    s = sigmoid(x)
    return s * (1.0 - s)


def logsumexp(a: object, axis: int | None = 0) -> np.ndarray:
    """``log Σ exp(a)`` along ``axis`` (``None``: over every entry), shifted by the maximum.

    >>> float(logsumexp(np.array([1000.0, 1000.0])) - 1000.0).__round__(6)
    0.693147
    """
    a = np.atleast_1d(as_array(a, "a"))
    _check_axis(a, axis)
    if a.size == 0:
        raise MdlibError(_("logsumexp of an empty array is -infinity; give at least one number"))
    m = np.max(a, axis=axis, keepdims=True)
    out = m + np.log(np.sum(np.exp(a - m), axis=axis, keepdims=True))
    return np.squeeze(out, axis=axis) if axis is not None else out.reshape(())


def log_softmax(a: object, axis: int = 0) -> np.ndarray:
    """``log softmax(a) = a − logsumexp(a)`` along ``axis``; exact even when softmax underflows.

    >>> log_softmax(np.array([0.0, 0.0])).round(4).tolist()
    [-0.6931, -0.6931]
    """
    a = np.atleast_1d(as_array(a, "a"))
    _check_axis(a, axis)
    return a - np.expand_dims(logsumexp(a, axis=axis), axis)


def softmax(a: object, axis: int = 0) -> np.ndarray:
    """``exp(a) / 1^T exp(a)`` along ``axis`` (each column of a matrix sums to one).

    >>> softmax(np.array([[0.0, 1.0], [0.0, 1.0]])).round(12).tolist()
    [[0.5, 0.5], [0.5, 0.5]]
    """
    return np.exp(log_softmax(a, axis=axis))

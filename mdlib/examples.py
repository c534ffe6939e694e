"""The worked examples E1–E7 as plain numpy: each loss, its derived gradient, and seeded data.

The gradients here are the *results* of the derivations in ``notebooks/06_worked_examples``
(denominator layout: the gradient has the shape of the variable). The notebooks and
``tests/test_examples.py`` compare every one of them with finite differences.

Batches are stored as columns: ``X`` is ``d × N`` (one example per column) and one-hot labels
``Y`` are ``K × N``. The single-example case is the same code with a vector ``x``, ``y``.

>>> import numpy as np
>>> from mdlib import check_gradient
>>> X, y = regression_data(n=6, d=3, seed=0)
>>> w = np.zeros(3)
>>> bool(check_gradient(lambda w: least_squares_loss(w, X, y), w, least_squares_grad(w, X, y)))
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import MdlibError
from .i18n import _
from .stable import log_softmax, sigmoid, sigmoid_prime, softmax
from .validation import as_array, as_matrix, check_invertible, check_square


def _vector(value: object, name: str) -> np.ndarray:
    arr = as_array(value, name)
    if arr.ndim != 1:
        raise MdlibError(_("{name} must be a vector (1-D), got shape {shape}").format(
            name=name, shape=arr.shape))
    return arr


def _fits(left: np.ndarray, right: np.ndarray, left_name: str, right_name: str) -> None:
    """Raise unless ``left @ right`` is defined (inner sizes agree)."""
    if left.shape[-1] != right.shape[0]:
        raise MdlibError(_(
            "{left} has shape {left_shape} and {right} has shape {right_shape}: {left} {right} is "
            "not defined (inner sizes {inner_left} ≠ {inner_right})").format(
                left=left_name, right=right_name, left_shape=left.shape, right_shape=right.shape,
                inner_left=left.shape[-1], inner_right=right.shape[0]))


# ---------------------------------------------------------------- data makers (all seeded)

def random_spd(n: int, rng: np.random.Generator) -> np.ndarray:
    """A random symmetric positive definite ``n × n`` matrix, comfortably invertible.

    >>> S = random_spd(3, np.random.default_rng(0))
    >>> bool(np.allclose(S, S.T)), bool(np.all(np.linalg.eigvalsh(S) > 0))
    (True, True)
    """
    A = rng.standard_normal((n, n))
    return A @ A.T / n + 0.5 * np.eye(n)


def one_hot(labels: object, classes: int) -> np.ndarray:
    """One-hot columns: ``K × N`` with a 1 in row ``labels[n]`` of column ``n``.

    >>> one_hot([2, 0], 3).tolist()
    [[0.0, 1.0], [0.0, 0.0], [1.0, 0.0]]
    """
    labels = np.asarray(labels, dtype=int)
    if labels.ndim != 1 or np.any(labels < 0) or np.any(labels >= classes):
        raise MdlibError(_("labels must be a 1-D list of integers in 0..{last}").format(
            last=classes - 1))
    Y = np.zeros((classes, labels.size))
    Y[labels, np.arange(labels.size)] = 1.0
    return Y


def regression_data(n: int = 20, d: int = 3, seed: int = 0, noise: float = 0.1):
    """``(X, y)`` with ``X`` ``n × d`` (rows are observations) and ``y = X w_true + noise``.

    >>> X, y = regression_data(5, 2, seed=1)
    >>> X.shape, y.shape
    ((5, 2), (5,))
    """
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    w_true = rng.standard_normal(d)
    return X, X @ w_true + noise * rng.standard_normal(n)


def gaussian_samples(n: int = 50, d: int = 3, seed: int = 0) -> np.ndarray:
    """``n × d`` samples (rows) of a correlated Gaussian with a non-zero mean.

    >>> gaussian_samples(4, 2, seed=0).shape
    (4, 2)
    """
    rng = np.random.default_rng(seed)
    L = np.linalg.cholesky(random_spd(d, rng))
    return rng.standard_normal((n, d)) @ L.T + rng.standard_normal(d)


def sample_covariance(samples: object) -> np.ndarray:
    """``S = (1/N) Σ_i (x_i − x̄)(x_i − x̄)^T`` for samples stored as rows (the MLE, not 1/(N−1)).

    >>> x = np.array([[0.0], [2.0]])
    >>> sample_covariance(x).tolist()
    [[1.0]]
    """
    samples = as_matrix(samples, "samples")
    centred = samples - samples.mean(axis=0)
    return centred.T @ centred / samples.shape[0]


def network_data(d: int = 4, hidden: int = 5, classes: int = 3, n: int = 1, seed: int = 0):
    """Seeded ``(W1, W2, X, Y)`` for the two-layer network: ``X`` is ``d × n``, ``Y`` one-hot ``K × n``.

    >>> W1, W2, X, Y = network_data(n=2)
    >>> W1.shape, W2.shape, X.shape, Y.sum(axis=0).tolist()
    ((5, 4), (3, 5), (4, 2), [1.0, 1.0])
    """
    rng = np.random.default_rng(seed)
    W1 = rng.standard_normal((hidden, d)) / np.sqrt(d)
    W2 = rng.standard_normal((classes, hidden)) / np.sqrt(hidden)
    X = rng.standard_normal((d, n))
    Y = one_hot(rng.integers(0, classes, size=n), classes)
    return W1, W2, X, Y


def network_biases(hidden: int = 5, classes: int = 3, seed: int = 0):
    """Seeded biases ``(b1, b2)`` of the two-layer network, vectors of lengths ``H`` and ``K``.

    >>> b1, b2 = network_biases()
    >>> b1.shape, b2.shape
    ((5,), (3,))
    """
    rng = np.random.default_rng([seed, 1])
    return 0.5 * rng.standard_normal(hidden), 0.5 * rng.standard_normal(classes)


# ---------------------------------------------------------------- E1, E2

def e1_loss(X: object, a: object, b: object) -> float:
    """E1: ``f = a^T X b``."""
    return float(_vector(a, "a") @ as_matrix(X, "X") @ _vector(b, "b"))


def e1_grad(X: object, a: object, b: object) -> np.ndarray:
    """E1: ``∂f/∂X = a b^T``.

    >>> e1_grad(np.eye(2), np.array([1.0, 2.0]), np.array([3.0, 0.0])).tolist()
    [[3.0, 0.0], [6.0, 0.0]]
    """
    return np.outer(_vector(a, "a"), _vector(b, "b"))


def e2_loss(X: object, a: object, b: object) -> float:
    """E2: ``f = a^T exp(X b)`` (exp elementwise)."""
    return float(_vector(a, "a") @ np.exp(as_matrix(X, "X") @ _vector(b, "b")))


def e2_grad(X: object, a: object, b: object) -> np.ndarray:
    """E2: ``∂f/∂X = (a ⊙ exp(X b)) b^T``.

    >>> e2_grad(np.zeros((2, 2)), np.array([1.0, 2.0]), np.array([1.0, 1.0])).tolist()
    [[1.0, 1.0], [2.0, 2.0]]
    """
    a, b = _vector(a, "a"), _vector(b, "b")
    return np.outer(a * np.exp(as_matrix(X, "X") @ b), b)


# ---------------------------------------------------------------- E3

def _e3_parts(W: object, X: object, M: object):
    W, X, M = as_matrix(W, "W"), as_matrix(X, "X"), as_matrix(M, "M")
    _fits(W, X, "W", "X")
    check_square(M, "M")
    _fits(M, W, "M", "W")
    Z = W @ X
    return W, X, M, Z, sigmoid(Z)


def e3_loss(W: object, X: object, M: object) -> float:
    """E3: ``f = tr(Y^T M Y)`` with ``Y = σ(W X)``, σ the logistic sigmoid (elementwise)."""
    _W, _X, M, _Z, Y = _e3_parts(W, X, M)
    return float(np.trace(Y.T @ M @ Y))


def _e3_inner(M: np.ndarray, Z: np.ndarray, Y: np.ndarray) -> np.ndarray:
    # ∂f/∂Y = (M + M^T) Y, which is 2 M Y for a symmetric M; then T5 moves σ'(Z) across.
    return ((M + M.T) @ Y) * sigmoid_prime(Z)


def e3_grad_X(W: object, X: object, M: object) -> np.ndarray:
    """E3: ``∂f/∂X = W^T ((2 M σ(WX)) ⊙ σ'(WX))`` for symmetric ``M`` (shape of X).

    For a general ``M`` the factor ``2M`` becomes ``M + M^T``; this function uses that form.

    >>> from mdlib import check_gradient
    >>> rng = np.random.default_rng(0)
    >>> W, X, M = rng.standard_normal((3, 2)), rng.standard_normal((2, 4)), random_spd(3, rng)
    >>> bool(check_gradient(lambda X: e3_loss(W, X, M), X, e3_grad_X(W, X, M)))
    True
    """
    W, _X, M, Z, Y = _e3_parts(W, X, M)
    return W.T @ _e3_inner(M, Z, Y)


def e3_grad_W(W: object, X: object, M: object) -> np.ndarray:
    """E3: ``∂f/∂W = ((2 M σ(WX)) ⊙ σ'(WX)) X^T`` for symmetric ``M`` (shape of W)."""
    _W, X, M, Z, Y = _e3_parts(W, X, M)
    return _e3_inner(M, Z, Y) @ X.T


# ---------------------------------------------------------------- E4

def _ls_parts(w: object, X: object, y: object):
    w, X, y = _vector(w, "w"), as_matrix(X, "X"), _vector(y, "y")
    _fits(X, w, "X", "w")
    if y.shape[0] != X.shape[0]:
        raise MdlibError(_("y has {entries} entries but X has {rows} rows; they must match").format(
            entries=y.shape[0], rows=X.shape[0]))
    return w, X, y


def least_squares_loss(w: object, X: object, y: object) -> float:
    """E4: ``l = ‖X w − y‖²``."""
    w, X, y = _ls_parts(w, X, y)
    r = X @ w - y
    return float(r @ r)


def least_squares_grad(w: object, X: object, y: object) -> np.ndarray:
    """E4: ``∂l/∂w = 2 X^T (X w − y)``."""
    w, X, y = _ls_parts(w, X, y)
    return 2.0 * X.T @ (X @ w - y)


def normal_equations(X: object, y: object) -> np.ndarray:
    """Solve ``X^T X w = X^T y`` (where the E4 gradient vanishes); needs full column rank.

    >>> X, y = regression_data(8, 2, seed=3)
    >>> bool(np.allclose(normal_equations(X, y), np.linalg.lstsq(X, y, rcond=None)[0]))
    True
    """
    X, y = as_matrix(X, "X"), _vector(y, "y")
    gram = X.T @ X
    try:
        check_invertible(gram, "X^T X")
    except MdlibError:
        raise MdlibError(_(
            "X^T X is singular: the columns of X are linearly dependent, so the least-squares "
            "minimiser is not unique. Remove a redundant column or add a ridge term.")) from None
    return np.linalg.solve(gram, X.T @ y)


# ---------------------------------------------------------------- E5

def _spd_parts(Sigma: object, S: object):
    Sigma, S = as_matrix(Sigma, "Σ"), as_matrix(S, "S")
    check_invertible(Sigma, "Σ")
    if S.shape != Sigma.shape:
        raise MdlibError(_("S has shape {shape} but Σ has shape {sigma_shape}; they must match").format(
            shape=S.shape, sigma_shape=Sigma.shape))
    return Sigma, S


def gaussian_nll(Sigma: object, S: object) -> float:
    """E5: ``l(Σ) = log|Σ| + tr(Σ^{-1} S)``, the Gaussian negative log-likelihood (÷N/2, no constant).

    ``(1/N) Σ_i (x_i − x̄)^T Σ^{-1} (x_i − x̄) = tr(Σ^{-1} S)`` by T1 and T4.

    >>> float(gaussian_nll(np.eye(2), np.eye(2)))
    2.0
    """
    Sigma, S = _spd_parts(Sigma, S)
    sign, logdet = np.linalg.slogdet(Sigma)
    if sign <= 0:
        raise MdlibError(_("|Σ| must be positive for log|Σ|; a covariance is positive definite"))
    return float(logdet + np.trace(np.linalg.solve(Sigma, S)))


def gaussian_nll_grad(Sigma: object, S: object) -> np.ndarray:
    """E5: ``∂l/∂Σ = Σ^{-1} − Σ^{-1} S Σ^{-1}`` (for symmetric Σ and S); zero at ``Σ = S``.

    >>> S = np.array([[2.0, 0.5], [0.5, 1.0]])
    >>> bool(np.allclose(gaussian_nll_grad(S, S), 0))
    True
    """
    Sigma, S = _spd_parts(Sigma, S)
    inv = np.linalg.inv(Sigma)
    return inv - inv @ S @ inv


# ---------------------------------------------------------------- E6, E7

def _columns(value: object, name: str) -> np.ndarray:
    """A vector becomes one column; a matrix is already a batch of columns."""
    arr = as_array(value, name)
    if arr.ndim == 1:
        return arr[:, None]
    if arr.ndim != 2:
        raise MdlibError(_("{name} must be a vector or a matrix of columns, got shape {shape}").format(
            name=name, shape=arr.shape))
    return arr


def _labels(Y: object, logits: np.ndarray) -> np.ndarray:
    Y = _columns(Y, "y")
    if Y.shape != logits.shape:
        raise MdlibError(_(
            "the labels have shape {shape} but the scores have shape {scores_shape}; give one "
            "label column (one-hot, K entries) per example").format(
                shape=Y.shape, scores_shape=logits.shape))
    return Y


def softmax_regression_loss(W: object, x: object, y: object) -> float:
    """E6: ``l = −y^T log softmax(W x)`` (summed over the columns of a batch)."""
    W, X = as_matrix(W, "W"), _columns(x, "x")
    _fits(W, X, "W", "x")
    A = W @ X
    return float(-np.sum(_labels(y, A) * log_softmax(A, axis=0)))


def softmax_regression_grad(W: object, x: object, y: object) -> np.ndarray:
    """E6: ``∂l/∂W = (softmax(W x) − y) x^T``, using ``1^T y = 1`` (one-hot or probability y).

    >>> W = np.zeros((2, 2)); x = np.array([1.0, 0.0]); y = np.array([1.0, 0.0])
    >>> softmax_regression_grad(W, x, y).tolist()
    [[-0.5, 0.0], [0.5, 0.0]]
    """
    W, X = as_matrix(W, "W"), _columns(x, "x")
    _fits(W, X, "W", "x")
    A = W @ X
    return (softmax(A, axis=0) - _labels(y, A)) @ X.T


@dataclass(frozen=True)
class Backprop:
    """Forward values and backward signals of the two-layer network (batch as columns).

    ``g2 = ∂l/∂a2``, ``g1 = ∂l/∂a1``; ``grad_W1``, ``grad_W2`` have the shapes of W1, W2;
    ``grad_b1``, ``grad_b2`` are vectors like b1, b2 (summed over the columns of a batch).
    """

    a1: np.ndarray
    h1: np.ndarray
    a2: np.ndarray
    loss: float
    g2: np.ndarray
    g1: np.ndarray
    grad_W1: np.ndarray
    grad_W2: np.ndarray
    grad_b1: np.ndarray
    grad_b2: np.ndarray


def _bias(b: object, size: int, name: str) -> np.ndarray:
    """A bias vector as a column (zeros when not given), with a clear message for a wrong size."""
    if b is None:
        return np.zeros((size, 1))
    b = _vector(b, name)
    if b.shape[0] != size:
        raise MdlibError(_(
            "{name} has {entries} entries but the layer has {size} outputs; they must match").format(
                name=name, entries=b.shape[0], size=size))
    return b[:, None]


def two_layer_backprop(W1: object, W2: object, x: object, y: object,
                       b1: object = None, b2: object = None) -> Backprop:
    """E7: forward ``a1 = W1 x + b1, h1 = σ(a1), a2 = W2 h1 + b2``, backward through the differentials.

    ``g2 = softmax(a2) − y``, ``∂l/∂W2 = g2 h1^T``, ``g1 = (W2^T g2) ⊙ σ'(a1)``,
    ``∂l/∂W1 = g1 x^T``; ``∂l/∂b2 = g2``, ``∂l/∂b1 = g1``. A batch (columns of ``x``) sums the
    per-example losses, and each bias gradient sums its signal over the columns. Without
    biases, ``b1 = b2 = 0``.

    >>> W1, W2, X, Y = network_data(n=3)
    >>> bp = two_layer_backprop(W1, W2, X, Y, *network_biases())
    >>> bp.grad_W1.shape == W1.shape, bp.grad_W2.shape == W2.shape, bp.grad_b1.shape
    (True, True, (5,))
    """
    W1, W2, X = as_matrix(W1, "W1"), as_matrix(W2, "W2"), _columns(x, "x")
    _fits(W1, X, "W1", "x")
    _fits(W2, W1, "W2", "W1")
    b1, b2 = _bias(b1, W1.shape[0], "b1"), _bias(b2, W2.shape[0], "b2")
    a1 = W1 @ X + b1
    h1 = sigmoid(a1)
    a2 = W2 @ h1 + b2
    Y = _labels(y, a2)
    loss = float(-np.sum(Y * log_softmax(a2, axis=0)))
    g2 = softmax(a2, axis=0) - Y
    g1 = (W2.T @ g2) * sigmoid_prime(a1)
    return Backprop(a1, h1, a2, loss, g2, g1, grad_W1=g1 @ X.T, grad_W2=g2 @ h1.T,
                    grad_b1=g1.sum(axis=1), grad_b2=g2.sum(axis=1))


def two_layer_loss(W1: object, W2: object, x: object, y: object,
                   b1: object = None, b2: object = None) -> float:
    """E7: ``l = −y^T log softmax(W2 σ(W1 x + b1) + b2)`` (summed over the columns of a batch)."""
    return two_layer_backprop(W1, W2, x, y, b1, b2).loss

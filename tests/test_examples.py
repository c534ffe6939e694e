"""The worked examples E1–E7: every derived gradient equals finite differences over several
seeds and shapes, deliberately wrong variants are rejected, the normal equations agree with
lstsq and Σ̂ = S is a stationary point (and a minimum) of the Gaussian loss."""

from __future__ import annotations

import numpy as np
import pytest

from mdlib import MdlibError, check_gradient, numerical_gradient
from mdlib import examples as ex
from mdlib.stable import log_softmax, logsumexp, sigmoid, sigmoid_prime, softmax

SEEDS = [0, 1, 2, 3]
SHAPES = [(2, 3, 4), (4, 2, 1), (3, 3, 5)]


# ------------------------------------------------------------------ stable functions

def test_stable_functions_agree_with_naive_ones_where_those_are_safe() -> None:
    a = np.random.default_rng(0).standard_normal((4, 3))
    assert np.allclose(softmax(a), np.exp(a) / np.exp(a).sum(axis=0))
    assert np.allclose(log_softmax(a), np.log(np.exp(a) / np.exp(a).sum(axis=0)))
    assert np.allclose(sigmoid(a), 1 / (1 + np.exp(-a)))
    assert np.allclose(logsumexp(a, axis=None), np.log(np.exp(a).sum()))
    assert np.allclose(sigmoid_prime(a), numerical_gradient(lambda z: sigmoid(z).sum(), a))


def test_stable_functions_do_not_overflow() -> None:
    big = np.array([1000.0, 0.0, -1000.0])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        assert np.allclose(softmax(big), [1, 0, 0])
        assert np.isclose(log_softmax(big)[0], 0.0) and np.isclose(log_softmax(big)[1], -1000.0)
        assert np.allclose(sigmoid(big), [1, 0.5, 0])


# ------------------------------------------------------------------ E1, E2

@pytest.mark.parametrize("seed", SEEDS)
def test_e1_e2(seed: int) -> None:
    rng = np.random.default_rng(seed)
    X, a, b = rng.standard_normal((3, 4)) / 2, rng.standard_normal(3), rng.standard_normal(4)
    assert check_gradient(lambda X: ex.e1_loss(X, a, b), X, ex.e1_grad(X, a, b))
    assert check_gradient(lambda X: ex.e2_loss(X, a, b), X, ex.e2_grad(X, a, b))
    # a wrong E2 without the Hadamard factor exp(Xb) is rejected
    assert not check_gradient(lambda X: ex.e2_loss(X, a, b), X, np.outer(a, b))


# ------------------------------------------------------------------ E3

@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("m,n,p", SHAPES)
def test_e3_gradients_in_x_and_w(seed: int, m: int, n: int, p: int) -> None:
    rng = np.random.default_rng(seed)
    W, X, M = rng.standard_normal((m, n)), rng.standard_normal((n, p)), ex.random_spd(m, rng)
    assert check_gradient(lambda X: ex.e3_loss(W, X, M), X, ex.e3_grad_X(W, X, M))
    assert check_gradient(lambda W: ex.e3_loss(W, X, M), W, ex.e3_grad_W(W, X, M))


def test_e3_curriculum_form_is_the_x_gradient_and_other_form_is_w() -> None:
    rng = np.random.default_rng(5)
    W, X, M = rng.standard_normal((3, 3)), rng.standard_normal((3, 3)), ex.random_spd(3, rng)
    Z = W @ X
    inner = (2 * M @ sigmoid(Z)) * sigmoid_prime(Z)
    assert check_gradient(lambda X: ex.e3_loss(W, X, M), X, W.T @ inner)
    assert check_gradient(lambda W: ex.e3_loss(W, X, M), W, inner @ X.T)
    # swapped: same shapes here (all 3×3), but the values are wrong
    assert not check_gradient(lambda X: ex.e3_loss(W, X, M), X, inner @ X.T)
    assert not check_gradient(lambda W: ex.e3_loss(W, X, M), W, W.T @ inner)


def test_e3_two_m_is_wrong_for_a_non_symmetric_m() -> None:
    rng = np.random.default_rng(6)
    W, X, M = rng.standard_normal((3, 2)), rng.standard_normal((2, 4)), rng.standard_normal((3, 3))
    Z = W @ X
    two_m = W.T @ ((2 * M @ sigmoid(Z)) * sigmoid_prime(Z))
    assert not check_gradient(lambda X: ex.e3_loss(W, X, M), X, two_m)
    assert check_gradient(lambda X: ex.e3_loss(W, X, M), X, ex.e3_grad_X(W, X, M))


# ------------------------------------------------------------------ E4

@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("n,d", [(10, 3), (25, 5), (4, 4)])
def test_e4_gradient_and_normal_equations(seed: int, n: int, d: int) -> None:
    X, y = ex.regression_data(n, d, seed=seed)
    w = np.random.default_rng(seed + 100).standard_normal(d)
    loss = lambda w: ex.least_squares_loss(w, X, y)  # noqa: E731
    assert check_gradient(loss, w, ex.least_squares_grad(w, X, y))
    assert not check_gradient(loss, w, X.T @ (X @ w - y))  # forgot the factor 2
    w_hat = ex.normal_equations(X, y)
    assert np.allclose(w_hat, np.linalg.lstsq(X, y, rcond=None)[0])
    scale = np.linalg.norm(X) * np.linalg.norm(y)
    assert np.linalg.norm(ex.least_squares_grad(w_hat, X, y)) < 1e-10 * scale
    assert loss(w_hat) <= loss(w)


def test_normal_equations_refuse_dependent_columns() -> None:
    X = np.ones((5, 2))
    with pytest.raises(MdlibError, match="linearly dependent"):
        ex.normal_equations(X, np.arange(5.0))


# ------------------------------------------------------------------ E5

@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("d", [2, 3, 4])
def test_e5_gradient_at_random_spd(seed: int, d: int) -> None:
    rng = np.random.default_rng(seed)
    S = ex.sample_covariance(ex.gaussian_samples(40, d, seed=seed))
    Sigma = ex.random_spd(d, rng)
    loss = lambda Sig: ex.gaussian_nll(Sig, S)  # noqa: E731
    G = ex.gaussian_nll_grad(Sigma, S)
    assert check_gradient(loss, Sigma, G)
    inv = np.linalg.inv(Sigma)
    assert not check_gradient(loss, Sigma, inv - S)  # forgot the M5 sandwich
    assert not check_gradient(loss, Sigma, inv + inv @ S @ inv)  # sign slip from M5


@pytest.mark.parametrize("seed", SEEDS)
def test_e5_sample_covariance_is_stationary_and_minimal(seed: int) -> None:
    samples = ex.gaussian_samples(60, 3, seed=seed)
    centred = samples - samples.mean(axis=0)
    S = ex.sample_covariance(samples)
    naive = sum(np.outer(c, c) for c in centred) / len(samples)
    assert np.allclose(S, naive)
    # the loss in the curriculum's form equals log|Σ| + tr(Σ^{-1} S)
    Sigma = ex.random_spd(3, np.random.default_rng(seed))
    quad = np.mean([c @ np.linalg.solve(Sigma, c) for c in centred])
    assert np.isclose(np.linalg.slogdet(Sigma)[1] + quad, ex.gaussian_nll(Sigma, S))
    assert np.allclose(ex.gaussian_nll_grad(S, S), 0, atol=1e-10)
    assert np.allclose(numerical_gradient(lambda Sig: ex.gaussian_nll(Sig, S), S), 0, atol=1e-6)
    rng = np.random.default_rng(seed + 50)
    for _ in range(5):
        assert ex.gaussian_nll(S, S) < ex.gaussian_nll(ex.random_spd(3, rng), S)


def test_e5_refuses_a_singular_sigma() -> None:
    with pytest.raises(MdlibError, match="singular"):
        ex.gaussian_nll(np.zeros((2, 2)), np.eye(2))


# ------------------------------------------------------------------ E6

@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("k,d", [(3, 4), (5, 2), (2, 2)])
def test_e6_softmax_regression(seed: int, k: int, d: int) -> None:
    rng = np.random.default_rng(seed)
    W, x = rng.standard_normal((k, d)), rng.standard_normal(d)
    y = ex.one_hot([rng.integers(k)], k)[:, 0]
    loss = lambda W: ex.softmax_regression_loss(W, x, y)  # noqa: E731
    G = ex.softmax_regression_grad(W, x, y)
    assert check_gradient(loss, W, G)
    assert not check_gradient(loss, W, np.outer(softmax(W @ x), x))  # dropped −y


def test_e6_needs_labels_that_sum_to_one() -> None:
    rng = np.random.default_rng(1)
    W, x, y = rng.standard_normal((3, 2)), rng.standard_normal(2), np.array([1.0, 1.0, 0.0])
    loss = lambda W: ex.softmax_regression_loss(W, x, y)  # noqa: E731
    assert not check_gradient(loss, W, ex.softmax_regression_grad(W, x, y))
    assert check_gradient(loss, W, np.outer(y.sum() * softmax(W @ x) - y, x))


def test_e6_is_stable_for_huge_scores() -> None:
    W = np.array([[1000.0], [0.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        assert np.isclose(ex.softmax_regression_loss(W, np.array([1.0]), np.array([0.0, 1.0])), 1000.0)


# ------------------------------------------------------------------ E7

@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("n", [1, 4])
def test_e7_two_layer_gradients(seed: int, n: int) -> None:
    W1, W2, X, Y = ex.network_data(d=3, hidden=4, classes=3, n=n, seed=seed)
    bp = ex.two_layer_backprop(W1, W2, X, Y)
    assert check_gradient(lambda W1: ex.two_layer_loss(W1, W2, X, Y), W1, bp.grad_W1)
    assert check_gradient(lambda W2: ex.two_layer_loss(W1, W2, X, Y), W2, bp.grad_W2)
    # missing σ'(a1) is rejected
    assert not check_gradient(lambda W1: ex.two_layer_loss(W1, W2, X, Y), W1,
                              (W2.T @ bp.g2) @ X.T)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("n", [1, 4])
def test_e7_with_biases_all_four_gradients(seed: int, n: int) -> None:
    """The article's network σ(W1 x + b1), W2 h1 + b2: weights and biases against differences."""
    W1, W2, X, Y = ex.network_data(d=3, hidden=4, classes=3, n=n, seed=seed)
    b1, b2 = ex.network_biases(hidden=4, classes=3, seed=seed)
    bp = ex.two_layer_backprop(W1, W2, X, Y, b1, b2)
    assert check_gradient(lambda W1: ex.two_layer_loss(W1, W2, X, Y, b1, b2), W1, bp.grad_W1)
    assert check_gradient(lambda W2: ex.two_layer_loss(W1, W2, X, Y, b1, b2), W2, bp.grad_W2)
    assert check_gradient(lambda b: ex.two_layer_loss(W1, W2, X, Y, b, b2), b1, bp.grad_b1)
    assert check_gradient(lambda b: ex.two_layer_loss(W1, W2, X, Y, b1, b), b2, bp.grad_b2)
    # the biases really enter: the loss differs from the network without them
    assert not np.isclose(ex.two_layer_loss(W1, W2, X, Y, b1, b2), ex.two_layer_loss(W1, W2, X, Y))
    # ∂l/∂b1 without σ'(a1) is rejected
    assert not check_gradient(lambda b: ex.two_layer_loss(W1, W2, X, Y, b, b2), b1,
                              (W2.T @ bp.g2).sum(axis=1))


def test_e7_vector_and_one_column_batch_agree() -> None:
    W1, W2, X, Y = ex.network_data(n=1, seed=3)
    column = ex.two_layer_backprop(W1, W2, X, Y)
    vector = ex.two_layer_backprop(W1, W2, X[:, 0], Y[:, 0])
    assert np.allclose(column.grad_W1, vector.grad_W1) and column.loss == vector.loss


def test_e7_batch_gradient_is_the_sum_of_per_example_gradients() -> None:
    W1, W2, X, Y = ex.network_data(n=5, seed=4)
    batch = ex.two_layer_backprop(W1, W2, X, Y)
    singles = [ex.two_layer_backprop(W1, W2, X[:, i], Y[:, i]) for i in range(5)]
    assert np.allclose(batch.grad_W1, sum(s.grad_W1 for s in singles))
    assert np.allclose(batch.grad_W2, sum(s.grad_W2 for s in singles))


def test_bad_shapes_get_a_sentence() -> None:
    W1, W2, X, Y = ex.network_data(n=2)
    with pytest.raises(MdlibError, match="not defined"):
        ex.two_layer_backprop(W1.T, W2, X, Y)
    with pytest.raises(MdlibError, match="labels"):
        ex.two_layer_backprop(W1, W2, X, Y[:2])
    with pytest.raises(MdlibError, match="b1 has 3 entries but the layer has 5 outputs"):
        ex.two_layer_backprop(W1, W2, X, Y, b1=np.zeros(3))

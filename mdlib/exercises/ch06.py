"""Chapter 6 exercises: regression and network gradients in the style of E4–E7.

>>> from mdlib.exercises import check
>>> import numpy as np
>>> bool(check("6.3", lambda w, X, y, d: 2 * X.T @ (d * (X @ w - y))))
True
"""

from __future__ import annotations

import numpy as np

from ..i18n import N_
from ..stable import log_softmax, sigmoid, sigmoid_prime, softmax
from .core import Exercise, Mistake, register


def _regression_inputs(rng: np.random.Generator) -> dict[str, np.ndarray]:
    return {"w": rng.standard_normal(3), "X": rng.standard_normal((6, 3)),
            "y": rng.standard_normal(6), "lam": np.array(0.7 + rng.random())}


def _logistic_inputs(rng: np.random.Generator) -> dict[str, np.ndarray]:
    return {"w": rng.standard_normal(3), "X": rng.standard_normal((6, 3)),
            "y": rng.integers(0, 2, size=6).astype(float)}


def _weighted_inputs(rng: np.random.Generator) -> dict[str, np.ndarray]:
    return {"w": rng.standard_normal(3), "X": rng.standard_normal((6, 3)),
            "y": rng.standard_normal(6), "d": 0.5 + rng.random(6)}


def _network_inputs(rng: np.random.Generator) -> dict[str, np.ndarray]:
    d, hidden, classes, n = 3, 4, 3, 5
    Y = np.zeros((classes, n))
    Y[rng.integers(0, classes, size=n), np.arange(n)] = 1.0
    return {"W1": rng.standard_normal((hidden, d)), "W2": rng.standard_normal((classes, hidden)),
            "X": rng.standard_normal((d, n)), "Y": Y}


def _bias_inputs(rng: np.random.Generator) -> dict[str, np.ndarray]:
    # One example of E7 with biases: x (d), one-hot y (K), W1 (H × d), W2 (K × H), H ≠ K.
    d, hidden, classes = 3, 4, 3
    y = np.zeros(classes)
    y[rng.integers(0, classes)] = 1.0
    return {"W1": rng.standard_normal((hidden, d)), "b1": rng.standard_normal(hidden),
            "W2": rng.standard_normal((classes, hidden)), "b2": rng.standard_normal(classes),
            "x": rng.standard_normal(d), "y": y}


def _biased_loss(W1, b1, W2, b2, x, y):
    return float(-y @ log_softmax(W2 @ sigmoid(W1 @ x + b1) + b2))


def _g2(W1, b1, W2, b2, x, y):
    """∂l/∂a2 = softmax(a2) − y, with a2 = W2 σ(W1 x + b1) + b2."""
    return softmax(W2 @ sigmoid(W1 @ x + b1) + b2) - y


def _g1(W1, b1, W2, b2, x, y):
    """∂l/∂a1 = (W2ᵀ g2) ⊙ σ'(a1), with a1 = W1 x + b1."""
    return (W2.T @ _g2(W1, b1, W2, b2, x, y)) * sigmoid_prime(W1 @ x + b1)


def _logistic_loss(w, X, y):
    z = X @ w
    # log σ(z) = −log(1 + e^{−z}); logaddexp keeps it finite for large |z|.
    return float(np.sum(y * np.logaddexp(0, -z) + (1 - y) * np.logaddexp(0, z)))


def _network_loss(W1, W2, X, Y):
    return float(-np.sum(Y * log_softmax(W2 @ sigmoid(W1 @ X), axis=0)))


def _network_grad_W1(W1, W2, X, Y):
    A1 = W1 @ X
    G2 = softmax(W2 @ sigmoid(A1), axis=0) - Y
    return ((W2.T @ G2) * sigmoid_prime(A1)) @ X.T


register(
    Exercise(
        id="6.1",
        prompt="Ridge regression: l(w) = ‖X w − y‖² + λ‖w‖². Find ∂l/∂w (λ is `lam`).",
        kind="gradient", wrt="w", asks_for=N_("the gradient ∂l/∂w"),
        f=lambda w, X, y, lam: float((X @ w - y) @ (X @ w - y) + lam * w @ w),
        make_inputs=_regression_inputs,
        solution=lambda w, X, y, lam: 2 * X.T @ (X @ w - y) + 2 * lam * w,
        mistakes={
            "lost the 2 of the penalty": Mistake(
                lambda w, X, y, lam: 2 * X.T @ (X @ w - y) + lam * w,
                N_("the penalty's gradient is 2λw, not λw: d(λ w^T w) = 2λ w^T dw")),
            "sign of the residual flipped": Mistake(
                lambda w, X, y, lam: 2 * X.T @ (y - X @ w) + 2 * lam * w,
                N_("the residual's sign is flipped: d‖Xw − y‖² = 2 (Xw − y)^T X dw, so the data term"
                " is 2 X^T (Xw − y), not 2 X^T (y − Xw)")),
        },
    ),
    Exercise(
        id="6.2",
        prompt="Logistic regression: l(w) = −Σ_i [y_i log σ(x_i^T w) + (1 − y_i) log(1 − σ(x_i^T w))], "
               "the rows of X are the x_i^T. Find ∂l/∂w.",
        kind="gradient", wrt="w", asks_for=N_("the gradient ∂l/∂w"),
        f=_logistic_loss,
        make_inputs=_logistic_inputs,
        solution=lambda w, X, y: X.T @ (sigmoid(X @ w) - y),
        mistakes={
            "sign flipped: X^T (y − σ)": Mistake(
                lambda w, X, y: X.T @ (y - sigmoid(X @ w)),
                N_("X^T (y − σ(Xw)) is the gradient of the log-likelihood, but l is its negative: "
                "∂l/∂w = X^T (σ(Xw) − y)")),
            "extra σ' factor": Mistake(
                lambda w, X, y: X.T @ ((sigmoid(X @ w) - y) * sigmoid_prime(X @ w)),
                N_("σ′ was multiplied in although it cancels: log σ(z) has derivative 1 − σ(z) and "
                "log(1 − σ(z)) has −σ(z), so ∂l/∂w = X^T (σ(Xw) − y) with no σ′")),
        },
    ),
    Exercise(
        id="6.3",
        prompt="Weighted least squares: l(w) = (X w − y)^T D (X w − y) with D = diag(d), d > 0. "
               "Find ∂l/∂w.",
        kind="gradient", wrt="w", asks_for=N_("the gradient ∂l/∂w"),
        f=lambda w, X, y, d: float((X @ w - y) @ (d * (X @ w - y))),
        make_inputs=_weighted_inputs,
        solution=lambda w, X, y, d: 2 * X.T @ (d * (X @ w - y)),
        mistakes={
            "forgot the weights": Mistake(
                lambda w, X, y, d: 2 * X.T @ (X @ w - y),
                N_("the weights D = diag(d) are missing: ∂l/∂w = 2 X^T D (Xw − y)")),
            "lost the factor 2": Mistake(
                lambda w, X, y, d: X.T @ (d * (X @ w - y)),
                N_("the factor 2 is missing: with r = Xw − y and D symmetric, d(r^T D r) = 2 r^T D "
                "dr, so ∂l/∂w = 2 X^T D r")),
        },
    ),
    Exercise(
        id="6.4",
        prompt="Batch network: l = −Σ_n y_n^T log softmax(W2 σ(W1 x_n)), examples as the columns "
               "of X and one-hot Y. Find ∂l/∂W1 (σ is the sigmoid).",
        kind="gradient", wrt="W1", asks_for=N_("the gradient ∂l/∂W1"),
        f=_network_loss,
        make_inputs=_network_inputs,
        solution=_network_grad_W1,
        mistakes={
            "forgot σ'(W1 X) (M8)": Mistake(
                lambda W1, W2, X, Y: (
                    W2.T @ (softmax(W2 @ sigmoid(W1 @ X), axis=0) - Y)) @ X.T,
                N_("σ′(W1 X) was dropped (M8): going back through the sigmoid multiplies entrywise, "
                "∂l/∂(W1 X) = (W2^T G2) ⊙ σ′(W1 X) with G2 = softmax(W2 σ(W1 X)) − Y, and then "
                "∂l/∂W1 is that times X^T")),
            "y − softmax instead of softmax − y": Mistake(
                lambda W1, W2, X, Y: -_network_grad_W1(W1, W2, X, Y),
                N_("Y − softmax is the wrong way round: the gradient of the cross-entropy at the "
                "output is softmax(W2 σ(W1 X)) − Y")),
        },
    ),
    Exercise(
        id="6.5",
        prompt="E7 with biases, l = −yᵀ log softmax(a2), a2 = W2 σ(a1) + b2, a1 = W1 x + b1. "
               "Find ∂l/∂b2.",
        kind="gradient", wrt="b2", asks_for=N_("the gradient ∂l/∂b2"),
        f=_biased_loss,
        make_inputs=_bias_inputs,
        solution=_g2,
        mistakes={
            "y − softmax instead of softmax − y": Mistake(
                lambda W1, b1, W2, b2, x, y: -_g2(W1, b1, W2, b2, x, y),
                N_("y − softmax(a2) is the wrong way round: dl = g2ᵀ da2 with g2 = softmax(a2) − y "
                "(E6), and da2 = db2 when only b2 moves")),
            "the W2 gradient g2 h1ᵀ": Mistake(
                lambda W1, b1, W2, b2, x, y: np.outer(_g2(W1, b1, W2, b2, x, y),
                                                       sigmoid(W1 @ x + b1)),
                N_("g2 h1ᵀ is ∂l/∂W2; b2 is added to W2 h1 and multiplies nothing, so da2 = db2 "
                "and ∂l/∂b2 = g2, a vector like b2")),
        },
    ),
    Exercise(
        id="6.6",
        prompt="E7 with biases, as in 6.5. Find ∂l/∂b1.",
        kind="gradient", wrt="b1", asks_for=N_("the gradient ∂l/∂b1"),
        f=_biased_loss,
        make_inputs=_bias_inputs,
        solution=_g1,
        mistakes={
            "forgot σ'(a1) (M8)": Mistake(
                lambda W1, b1, W2, b2, x, y: W2.T @ _g2(W1, b1, W2, b2, x, y),
                N_("σ′(a1) was dropped (M8): going back through h1 = σ(a1) multiplies entrywise, "
                "so ∂l/∂b1 = (W2ᵀ g2) ⊙ σ′(a1), the signal g1 itself")),
            "the W1 gradient g1 xᵀ": Mistake(
                lambda W1, b1, W2, b2, x, y: np.outer(_g1(W1, b1, W2, b2, x, y), x),
                N_("g1 xᵀ is ∂l/∂W1; in da1 = dW1 x + db1 only the weight is multiplied by x, so "
                "∂l/∂b1 = g1, a vector like b1")),
        },
    ),
)

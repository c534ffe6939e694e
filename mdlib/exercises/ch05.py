"""Chapter 5 exercises: composition through differentials (C1) and Y = AXB (C2).

>>> from mdlib.exercises import check
>>> import numpy as np
>>> bool(check("5.1", lambda X, A, B: 2 * A.T @ A @ X @ B @ B.T))
True
"""

from __future__ import annotations

import numpy as np

from ..i18n import N_
from ..stable import sigmoid, sigmoid_prime
from .core import Exercise, Mistake, register


def _axb_inputs(rng: np.random.Generator) -> dict[str, np.ndarray]:
    # Rectangular, all sizes different: a wrong order or transpose usually breaks the shapes.
    return {"X": rng.standard_normal((3, 4)), "A": rng.standard_normal((2, 3)),
            "B": rng.standard_normal((4, 5))}


def _gram_inputs(rng: np.random.Generator) -> dict[str, np.ndarray]:
    # C is deliberately not symmetric: an answer that assumes C = C^T must fail.
    return {"X": rng.standard_normal((4, 3)), "C": rng.standard_normal((3, 3))}


def _sigma_inputs(rng: np.random.Generator) -> dict[str, np.ndarray]:
    return {"X": rng.standard_normal((3, 4)), "W": rng.standard_normal((3, 3)),
            "T": rng.standard_normal((3, 4))}


register(
    Exercise(
        id="5.1",
        prompt="f(X) = tr(Y^T Y) with Y = A X B (A, B constant). Use ∂f/∂Y = 2Y and C2 "
               "to find ∂f/∂X.",
        kind="gradient", wrt="X",
        f=lambda X, A, B: np.trace((A @ X @ B).T @ (A @ X @ B)),
        make_inputs=_axb_inputs,
        solution=lambda X, A, B: 2 * A.T @ A @ X @ B @ B.T,
        mistakes={
            "forgot the 2 from ∂f/∂Y": Mistake(
                lambda X, A, B: A.T @ A @ X @ B @ B.T,
                N_("the factor 2 of ∂f/∂Y = 2Y is missing: C2 gives ∂f/∂X = A^T (∂f/∂Y) B^T = 2 A^T "
                "A X B B^T")),
            "gave ∂f/∂Y = 2Y instead of ∂f/∂X": Mistake(
                lambda X, A, B: 2 * (A @ X @ B),
                N_("that is ∂f/∂Y = 2Y, the gradient with respect to Y, not X: C2 carries it back as"
                " ∂f/∂X = A^T (∂f/∂Y) B^T")),
        },
    ),
    Exercise(
        id="5.2",
        prompt="f(X) = log Σ_ij exp(Y_ij) with Y = A X B. Its Y-gradient is the softmax of all "
               "entries, P = exp(Y)/Σ exp(Y). Find ∂f/∂X.",
        kind="gradient", wrt="X",
        f=lambda X, A, B: float(np.log(np.sum(np.exp(A @ X @ B)))),
        make_inputs=_axb_inputs,
        solution=lambda X, A, B: A.T @ (np.exp(A @ X @ B) / np.sum(np.exp(A @ X @ B))) @ B.T,
        mistakes={
            "sign flipped": Mistake(
                lambda X, A, B: -A.T @ (np.exp(A @ X @ B) / np.sum(np.exp(A @ X @ B))) @ B.T,
                N_("d log s = ds / s with s = Σ exp(Y) > 0 carries no minus sign: ∂f/∂Y = P has "
                "positive entries, and ∂f/∂X = A^T P B^T")),
            "P without the 1/Σ normalisation": Mistake(
                lambda X, A, B: A.T @ np.exp(A @ X @ B) @ B.T,
                N_("the normalisation is missing: d log s = ds / s, so ∂f/∂Y is the softmax P = "
                "exp(Y) / Σ exp(Y), not exp(Y)")),
        },
    ),
    Exercise(
        id="5.3",
        prompt="f(X) = tr(C Y) with Y = X^T X (C constant, not symmetric). Write dY through dX "
               "(M2, M3), substitute into df = tr(C dY) and read off ∂f/∂X.",
        kind="gradient", wrt="X",
        f=lambda X, C: np.trace(C @ X.T @ X),
        make_inputs=_gram_inputs,
        solution=lambda X, C: X @ (C + C.T),
        mistakes={
            "assumed C symmetric: 2 X C": Mistake(
                lambda X, C: 2 * X @ C,
                N_("you assumed C is symmetric: the two terms tr(C dX^T X) and tr(C X^T dX) give X C"
                " and X C^T, and for the non-symmetric C of this exercise X C^T is not X C")),
            "kept only one of the two M2 terms": Mistake(
                lambda X, C: X @ C.T,
                N_("only the X^T dX term of dY = dX^T X + X^T dX (M2, M3) was kept: the dX^T X term "
                "adds X C, so ∂f/∂X = X (C + C^T)")),
        },
    ),
    Exercise(
        id="5.4",
        prompt="f(X) = ½‖σ(W X) − T‖²_F with σ the sigmoid (elementwise). Use ∂f/∂Y = Y − T, "
               "M8 and T5. Find ∂f/∂X.",
        kind="gradient", wrt="X",
        f=lambda X, W, T: 0.5 * float(np.sum((sigmoid(W @ X) - T) ** 2)),
        make_inputs=_sigma_inputs,
        solution=lambda X, W, T: W.T @ ((sigmoid(W @ X) - T) * sigmoid_prime(W @ X)),
        mistakes={
            "forgot σ' (M8)": Mistake(
                lambda X, W, T: W.T @ (sigmoid(W @ X) - T),
                N_("σ′ was dropped (M8): dσ(WX) = σ′(WX) ⊙ d(WX), so multiply (σ(WX) − T) entrywise "
                "by σ′(WX) before applying W^T")),
            "W instead of W^T": Mistake(
                lambda X, W, T: W @ ((sigmoid(W @ X) - T) * sigmoid_prime(W @ X)),
                N_("W should be W^T: with G = ∂f/∂(WX), df = tr(G^T W dX) = tr((W^T G)^T dX), so "
                "∂f/∂X = W^T G")),
        },
    ),
)

"""Chapter 5 exercises: composition through differentials (C1) and Y = AXB (C2).

>>> from mdlib.exercises import check
>>> import numpy as np
>>> bool(check("5.1", lambda X, A, B: 2 * A.T @ A @ X @ B @ B.T))
True
"""

from __future__ import annotations

import numpy as np

from ..stable import sigmoid, sigmoid_prime
from .core import Exercise, register


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
            "forgot the 2 from ∂f/∂Y": lambda X, A, B: A.T @ A @ X @ B @ B.T,
            "gave ∂f/∂Y = 2Y instead of ∂f/∂X": lambda X, A, B: 2 * (A @ X @ B),
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
            "sign flipped": lambda X, A, B: -A.T @ (np.exp(A @ X @ B) / np.sum(np.exp(A @ X @ B))) @ B.T,
            "P without the 1/Σ normalisation": lambda X, A, B: A.T @ np.exp(A @ X @ B) @ B.T,
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
            "assumed C symmetric: 2 X C": lambda X, C: 2 * X @ C,
            "kept only one of the two M2 terms": lambda X, C: X @ C.T,
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
            "forgot σ' (M8)": lambda X, W, T: W.T @ (sigmoid(W @ X) - T),
            "W instead of W^T": lambda X, W, T: W @ ((sigmoid(W @ X) - T) * sigmoid_prime(W @ X)),
        },
    ),
)

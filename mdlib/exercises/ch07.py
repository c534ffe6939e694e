"""Chapter 7 exercises: derive by hand first, then let the engine narrate and compare.

>>> import numpy as np
>>> from mdlib.exercises import check
>>> bool(check("7.3", lambda X, A: np.cos(X @ A) @ A.T))
True
"""

from __future__ import annotations

import numpy as np

from ..rules import well_conditioned
from .core import Exercise, register


def _inverse_form(rng: np.random.Generator) -> dict[str, np.ndarray]:
    return {"X": well_conditioned(rng, 3), "a": rng.standard_normal(3), "b": rng.standard_normal(3)}


def _positive_det(rng: np.random.Generator) -> dict[str, np.ndarray]:
    # 3·I plus noise of norm well below 3: every eigenvalue has a positive real part, so
    # det X > 0 and log|X| is defined.
    return {"X": 3 * np.eye(3) + 0.3 * rng.standard_normal((3, 3))}


def _elementwise(rng: np.random.Generator) -> dict[str, np.ndarray]:
    return {"X": rng.standard_normal((2, 3)), "A": rng.standard_normal((3, 4))}


def _inv_T(X: np.ndarray) -> np.ndarray:
    return np.linalg.inv(X).T


register(
    Exercise(
        id="7.1",
        prompt="f(X) = a^T X^{-1} b, X invertible. Find ∂f/∂X (M5, T1, T4).",
        kind="gradient", wrt="X",
        f=lambda X, a, b: a @ np.linalg.solve(X, b),
        make_inputs=_inverse_form,
        solution=lambda X, a, b: -_inv_T(X) @ np.outer(a, b) @ _inv_T(X),
        mistakes={
            "no transposes on the inverses": lambda X, a, b: -np.linalg.inv(X) @ np.outer(a, b) @ np.linalg.inv(X),
            "the sign of M5 dropped": lambda X, a, b: _inv_T(X) @ np.outer(a, b) @ _inv_T(X),
        },
    ),
    Exercise(
        id="7.2",
        prompt="f(X) = tr(X^T X) · log|X| (det X > 0). Find ∂f/∂X (product of two scalars).",
        kind="gradient", wrt="X",
        f=lambda X: np.trace(X.T @ X) * np.log(np.linalg.det(X)),
        make_inputs=_positive_det,
        solution=lambda X: 2 * np.log(np.linalg.det(X)) * X + np.trace(X.T @ X) * _inv_T(X),
        mistakes={
            "only the first factor differentiated": lambda X: 2 * np.log(np.linalg.det(X)) * X,
            "X^{-1} instead of X^{-T}": lambda X: 2 * np.log(np.linalg.det(X)) * X
            + np.trace(X.T @ X) * np.linalg.inv(X),
        },
    ),
    Exercise(
        id="7.3",
        prompt="f(X) = Σ_ij sin(X A)_ij = 1^T sin(XA) 1, X is 2×3, A is 3×4. Find ∂f/∂X (M8, T5, T4).",
        kind="gradient", wrt="X",
        f=lambda X, A: np.sin(X @ A).sum(),
        make_inputs=_elementwise,
        solution=lambda X, A: np.cos(X @ A) @ A.T,
        mistakes={
            "cos(XA) alone, A forgotten": lambda X, A: np.cos(X @ A),
            "sin instead of its derivative": lambda X, A: np.sin(X @ A) @ A.T,
        },
    ),
)

"""Chapter 7 exercises: derive by hand first, then let the engine narrate and compare.

>>> import numpy as np
>>> from mdlib.exercises import check
>>> bool(check("7.3", lambda X, A: np.cos(X @ A) @ A.T))
True
"""

from __future__ import annotations

import numpy as np

from ..i18n import N_
from ..rules import well_conditioned
from .core import Exercise, Mistake, register


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
            "no transposes on the inverses": Mistake(
                lambda X, a, b: -np.linalg.inv(X) @ np.outer(a, b) @ np.linalg.inv(X),
                N_("the inverses lost their transposes: df = tr(−X⁻¹ b aᵀ X⁻¹ dX), and L reads off "
                "the transpose of that whole coefficient, −X⁻ᵀ a bᵀ X⁻ᵀ")),
            "the sign of M5 dropped": Mistake(
                lambda X, a, b: _inv_T(X) @ np.outer(a, b) @ _inv_T(X),
                N_("the minus sign of M5 is lost: d(X⁻¹) = −X⁻¹ dX X⁻¹, so the gradient is "
                "−X⁻ᵀ a bᵀ X⁻ᵀ")),
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
            "only the first factor differentiated": Mistake(
                lambda X: 2 * np.log(np.linalg.det(X)) * X,
                N_("only tr(XᵀX) was differentiated: the product rule M2 also needs the term "
                "tr(XᵀX) times the gradient X⁻ᵀ of log det X")),
            "X^{-1} instead of X^{-T}": Mistake(
                lambda X: 2 * np.log(np.linalg.det(X)) * X + np.trace(X.T @ X) * np.linalg.inv(X),
                N_("the gradient of log det X is X⁻ᵀ, not X⁻¹: L reads off the transpose of the "
                "coefficient in tr(X⁻¹ dX)")),
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
            "cos(XA) alone, A forgotten": Mistake(
                lambda X, A: np.cos(X @ A),
                N_("the factor A of d(XA) = dX A is missing: rotate A to the front with T4, "
                "then read off cos(XA) Aᵀ")),
            "sin instead of its derivative": Mistake(
                lambda X, A: np.sin(X @ A) @ A.T,
                N_("sin was kept where its derivative belongs: M8 gives d sin(XA) = cos(XA) ⊙ d(XA), "
                "so cos(XA) replaces sin(XA)")),
        },
    ),
)

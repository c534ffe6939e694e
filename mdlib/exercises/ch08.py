"""Chapter 8 exercises: matrix-by-matrix derivatives and Hessians in the article's layout.

An answer is the mn×pq matrix ∂F/∂X with vec(dF) = (∂F/∂X)ᵀ vec(dX) (vec stacks columns);
for a Hessian, the mn×mn matrix ∇²f. The reference is independent of the solution: central
differences of vec F (for a Hessian, of vec ∇f) entry by entry, transposed into this layout.

>>> from mdlib.exercises import check
>>> bool(check("8.1", lambda X, A, B: np.kron(B, A.T)))
True
>>> bool(check("8.1", lambda X, A, B: np.kron(B.T, A)))  # chapter 2's Jacobian: the transpose
False
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..gradcheck import numerical_jacobian
from ..i18n import N_, _
from ..stable import sigmoid, sigmoid_prime
from ..vec import commutation_matrix, unvec, vec
from .core import Exercise, Mistake, register


@dataclass(frozen=True)
class MatrixByMatrixExercise(Exercise):
    """``f`` returns F(X) (a matrix); the answer is ∂F/∂X in the article's mn×pq layout."""

    layout = N_("∂F/∂X in the article's layout is mn × pq, one row per entry of vec X and one "
                "column per entry of vec F: the transpose of chapter 2's Jacobian")

    def answer_name(self) -> str:
        # Not a key of diagnose's layouts (as "gradient" and "Jacobian" are): only words.
        return _("matrix-by-matrix derivative ∂F/∂X")

    def wanted(self) -> str:
        return _(self.asks_for) if self.asks_for else _("∂F/∂X in this chapter's layout (mn × pq)")

    def reference(self, inputs: dict[str, np.ndarray]) -> np.ndarray:
        others = {k: v for k, v in inputs.items() if k != self.wrt}
        X = np.asarray(inputs[self.wrt], dtype=float)
        shape = X.shape if X.ndim == 2 else (X.size, 1)

        def vec_F(v: np.ndarray) -> np.ndarray:
            value = self.f(**others, **{self.wrt: unvec(v, *shape).reshape(X.shape)})
            return vec(np.atleast_2d(np.asarray(value, dtype=float))).ravel()

        # Chapter 2's Jacobian ∂vec F/∂(vec X)ᵀ, transposed into the article's layout.
        return numerical_jacobian(vec_F, vec(X).ravel()).T


def _axb(rng: np.random.Generator) -> dict[str, np.ndarray]:
    # All sizes different: a swapped or transposed Kronecker factor breaks the shape.
    return {"X": rng.standard_normal((3, 4)), "A": rng.standard_normal((2, 3)),
            "B": rng.standard_normal((4, 5))}


def _rect(rng: np.random.Generator) -> dict[str, np.ndarray]:
    return {"X": rng.standard_normal((2, 3))}


def _tall_with_A(rng: np.random.Generator) -> dict[str, np.ndarray]:
    # A deliberately not symmetric: an answer that assumes A = Aᵀ must fail. X is m × n with
    # m ≠ n, so an identity of the wrong size (I_m for I_n) breaks the shape.
    return {"X": rng.standard_normal((3, 2)), "A": rng.standard_normal((3, 3))}


def _eye_n(X: np.ndarray) -> np.ndarray:
    """I_n for X of size m × n."""
    return np.eye(X.shape[1])


def _logistic(rng: np.random.Generator) -> dict[str, np.ndarray]:
    return {"w": rng.standard_normal(3) / 2, "X": rng.standard_normal((8, 3)),
            "y": (rng.uniform(size=8) > 0.5).astype(float)}


def _positive_det(rng: np.random.Generator) -> dict[str, np.ndarray]:
    return {"X": 3 * np.eye(3) + 0.5 * rng.standard_normal((3, 3))}


def _inv(X: np.ndarray) -> np.ndarray:
    return np.linalg.inv(X)


def _K(X: np.ndarray) -> np.ndarray:
    """K_nn for a square X of size n × n."""
    return commutation_matrix(X.shape[0], X.shape[0])


register(
    MatrixByMatrixExercise(
        id="8.1",
        prompt="F = A X B (A, B constant). Give ∂F/∂X in the article's layout (mn×pq).",
        kind="jacobian", wrt="X",
        f=lambda X, A, B: A @ X @ B,
        make_inputs=_axb,
        solution=lambda X, A, B: np.kron(B, A.T),
        mistakes={
            "gave chapter 2's Jacobian Bᵀ ⊗ A (not transposed)": Mistake(
                lambda X, A, B: np.kron(B.T, A),
                N_("you gave chapter 2's Jacobian Bᵀ ⊗ A; the article's layout is its transpose, "
                "B ⊗ Aᵀ, because vec dF = (∂F/∂X)ᵀ vec dX (H3)")),
            "Kronecker factors swapped": Mistake(
                lambda X, A, B: np.kron(A.T, B),
                N_("the Kronecker factors are swapped: vec(A dX B) = (Bᵀ ⊗ A) vec dX puts the "
                "right-hand factor first (H1)")),
        },
    ),
    MatrixByMatrixExercise(
        id="8.2",
        prompt="F = Xᵀ for X (m×n). Give ∂F/∂X (mn×mn): which commutation matrix?",
        kind="jacobian", wrt="X",
        f=lambda X: X.T,
        make_inputs=_rect,
        solution=lambda X: commutation_matrix(X.shape[1], X.shape[0]),
        mistakes={
            "forgot K: the identity": Mistake(
                lambda X: np.eye(X.size),
                N_("the commutation matrix is missing: vec(dXᵀ) = K vec dX reorders the entries, "
                "it is not vec dX (H1)")),
            "K_mn instead of K_nm": Mistake(
                lambda X: commutation_matrix(X.shape[0], X.shape[1]),
                N_("this is K itself, but the read-off takes its transpose: vec dF = K vec dX "
                "gives ∂F/∂X = Kᵀ (H3), the commutation matrix with the sizes swapped")),
        },
    ),
    MatrixByMatrixExercise(
        id="8.3",
        prompt="f = tr(Xᵀ A X), X m×n, A constant m×m and not symmetric. Give the Hessian ∇²f "
               "(mn×mn). (The check differentiates ∇f = (A + Aᵀ) X numerically.)",
        kind="jacobian", wrt="X", asks_for=N_("the Hessian ∇²f (mn × mn)"),
        f=lambda X, A: (A + A.T) @ X,
        make_inputs=_tall_with_A,
        solution=lambda X, A: np.kron(_eye_n(X), A + A.T),
        mistakes={
            "assumed A symmetric: I ⊗ 2A": Mistake(
                lambda X, A: np.kron(_eye_n(X), 2 * A),
                N_("you assumed A is symmetric: ∇f = (A + Aᵀ) X, so ∇²f = I_n ⊗ (A + Aᵀ), "
                "which is I_n ⊗ 2A only when A = Aᵀ")),
            "factors swapped: (A + Aᵀ) ⊗ I": Mistake(
                lambda X, A: np.kron(A + A.T, _eye_n(X)),
                N_("the Kronecker factors are swapped: vec(M dX) = (I_n ⊗ M) vec dX for a left "
                "factor M (H1 with B = I_n)")),
        },
    ),
    MatrixByMatrixExercise(
        id="8.4",
        prompt="Logistic regression, l(w) = −yᵀ log σ(Xw) − (1 − y)ᵀ log(1 − σ(Xw)). Give the "
               "Hessian ∇²l (d×d). (The check differentiates ∇l = Xᵀ(σ(Xw) − y) numerically.)",
        kind="jacobian", wrt="w", asks_for=N_("the Hessian ∇²l (d × d)"),
        f=lambda w, X, y: X.T @ (sigmoid(X @ w) - y),
        make_inputs=_logistic,
        solution=lambda w, X, y: X.T @ np.diag(sigmoid_prime(X @ w)) @ X,
        mistakes={
            "forgot σ' (M8): XᵀX": Mistake(
                lambda w, X, y: X.T @ X,
                N_("σ′ was dropped (M8): dσ(Xw) = σ′(Xw) ⊙ (X dw), so ∇²l = Xᵀ diag(σ′(Xw)) X")),
            "σ instead of σ'": Mistake(
                lambda w, X, y: X.T @ np.diag(sigmoid(X @ w)) @ X,
                N_("σ stands where its derivative σ′ = σ ⊙ (1 − σ) belongs (M8)")),
        },
    ),
    MatrixByMatrixExercise(
        id="8.5",
        prompt="f = log|det X| (X invertible, n×n). Give ∇²f (n²×n²). (The check differentiates "
               "∇f = X⁻ᵀ numerically.)",
        kind="jacobian", wrt="X", asks_for=N_("the Hessian ∇²f (n² × n²)"),
        f=lambda X: _inv(X).T,
        make_inputs=_positive_det,
        solution=lambda X: -_K(X) @ np.kron(_inv(X).T, _inv(X)),
        mistakes={
            "forgot the commutation matrix K": Mistake(
                lambda X: -np.kron(_inv(X).T, _inv(X)),
                N_("the commutation matrix is missing: ∇f = X⁻ᵀ is a transpose, and vec of a "
                "transpose needs K (H1)")),
            "sign of M5 dropped": Mistake(
                lambda X: _K(X) @ np.kron(_inv(X).T, _inv(X)),
                N_("the minus sign of the inverse rule d(X⁻¹) = −X⁻¹ dX X⁻¹ (M5) was dropped")),
        },
    ),
)

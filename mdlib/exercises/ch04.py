"""Chapter 4 exercises: gradients by the method P (differentiate, trace, move dX last, read off).

>>> import numpy as np
>>> from mdlib.exercises import check
>>> bool(check("4.1", lambda X, A, B: A.T @ B.T))
True
"""

from __future__ import annotations

import numpy as np

from ..i18n import N_
from ..rules import well_conditioned
from .core import Exercise, Mistake, register


def _sandwich(rng: np.random.Generator) -> dict[str, np.ndarray]:
    # All sizes different, so an answer in the wrong order usually has the wrong shape.
    return {"X": rng.standard_normal((3, 4)), "A": rng.standard_normal((2, 3)),
            "B": rng.standard_normal((4, 2))}


def _tall(rng: np.random.Generator) -> dict[str, np.ndarray]:
    return {"X": rng.standard_normal((5, 3)), "a": rng.standard_normal(3)}


def _tall_only(rng: np.random.Generator) -> dict[str, np.ndarray]:
    return {"X": rng.standard_normal((5, 3))}


def _hadamard(rng: np.random.Generator) -> dict[str, np.ndarray]:
    return {"X": rng.standard_normal((3, 3)), "A": rng.standard_normal((3, 3))}


def _inverse(rng: np.random.Generator) -> dict[str, np.ndarray]:
    return {"X": well_conditioned(rng, 3), "A": rng.standard_normal((3, 3)),
            "B": rng.standard_normal((3, 3))}


def _inv(X: np.ndarray) -> np.ndarray:
    return np.linalg.inv(X)


register(
    Exercise(
        id="4.1",
        prompt="f(X) = tr(A X B), X is 3×4, A is 2×3, B is 4×2. Find ∂f/∂X.",
        kind="gradient", wrt="X",
        f=lambda X, A, B: np.trace(A @ X @ B),
        make_inputs=_sandwich,
        solution=lambda X, A, B: A.T @ B.T,
        mistakes={
            "read off B A without the transpose": Mistake(
                lambda X, A, B: B @ A,
                N_("you read off B A, the matrix in front of dX in df = tr(B A dX), without the "
                "transpose: by L, df = tr(G^T dX) means ∂f/∂X = G = (B A)^T = A^T B^T")),
            "a factor 2 as for a quadratic form": Mistake(
                lambda X, A, B: 2 * A.T @ B.T,
                N_("a factor 2 crept in: X appears once in tr(A X B), so df = tr(B A dX) has a "
                "single term and no 2 (the 2 belongs to quadratic forms)")),
        },
    ),
    Exercise(
        id="4.2",
        prompt="f(X) = a^T X^T X a (a vector). Find ∂f/∂X.",
        kind="gradient", wrt="X",
        f=lambda X, a: float(a @ X.T @ X @ a),
        make_inputs=_tall,
        solution=lambda X, a: 2 * X @ np.outer(a, a),
        mistakes={
            "kept one of the two M2 terms": Mistake(
                lambda X, a: X @ np.outer(a, a),
                N_("only one of the two terms of d(X^T X) = dX^T X + X^T dX (M2) was kept: both give"
                " the same trace, hence the factor 2")),
            "a a^T X^T (not read off through L)": Mistake(
                lambda X, a: np.outer(a, a) @ X.T,
                N_("you wrote down a a^T X^T, the matrix in front of dX in df = tr(2 a a^T X^T dX) "
                "without its 2, instead of reading off through L: ∂f/∂X is the transpose of the "
                "whole matrix in front of dX, 2 X a a^T, with the shape of X")),
        },
    ),
    Exercise(
        id="4.3",
        prompt="f(X) = log det(X^T X) for a tall X (5×3, full column rank, so det(X^T X) > 0). Find ∂f/∂X.",
        kind="gradient", wrt="X",
        f=lambda X: float(np.linalg.slogdet(X.T @ X)[1]),
        make_inputs=_tall_only,
        solution=lambda X: 2 * X @ _inv(X.T @ X),
        mistakes={
            "lost the 2 (one M2 term)": Mistake(
                lambda X: X @ _inv(X.T @ X),
                N_("the factor 2 is missing: d(X^T X) = dX^T X + X^T dX (M2) has two terms, and "
                "after T2 and T4 they give the same trace, so both count")),
            "2 (X^T X)^{-1} X^T: read off without the transpose": Mistake(
                lambda X: 2 * _inv(X.T @ X) @ X.T,
                N_("you read off 2 (X^T X)^{-1} X^T, the matrix in front of dX in df = tr(2 (X^T "
                "X)^{-1} X^T dX), without the transpose: ∂f/∂X is its transpose 2 X (X^T X)^{-1},"
                " with the shape of X")),
        },
    ),
    Exercise(
        id="4.4",
        prompt="f(X) = tr((X ⊙ X) A), X and A square. Use M7 and T5. Find ∂f/∂X.",
        kind="gradient", wrt="X",
        f=lambda X, A: np.trace((X * X) @ A),
        make_inputs=_hadamard,
        solution=lambda X, A: 2 * X * A.T,
        mistakes={
            "2 X ⊙ A: missing transpose on A": Mistake(
                lambda X, A: 2 * X * A,
                N_("the transpose on A is missing: write df = tr(A (2X ⊙ dX)) as tr((A^T)^T (2X ⊙ "
                "dX)) before T5 moves the product, which gives ∂f/∂X = 2X ⊙ A^T")),
            "matrix product instead of ⊙": Mistake(
                lambda X, A: 2 * X @ A.T,
                N_("2 X A^T is a matrix product, but T5 moves a factor out of a Hadamard product: "
                "the gradient is the entrywise product 2X ⊙ A^T")),
        },
    ),
    Exercise(
        id="4.5",
        prompt="f(X) = tr(A X^{-1} B), X invertible. Use M5 and T4. Find ∂f/∂X.",
        kind="gradient", wrt="X",
        f=lambda X, A, B: np.trace(A @ _inv(X) @ B),
        make_inputs=_inverse,
        solution=lambda X, A, B: -_inv(X).T @ A.T @ B.T @ _inv(X).T,
        mistakes={
            "−X^{-1} B A X^{-1}: the transpose is missing": Mistake(
                lambda X, A, B: -_inv(X) @ B @ A @ _inv(X),
                N_("you read off −X^{-1} B A X^{-1}, the matrix in front of dX in df = −tr(X^{-1} B "
                "A X^{-1} dX), without the transpose: ∂f/∂X = −X^{-T} A^T B^T X^{-T}")),
            "sign of M5 lost": Mistake(
                lambda X, A, B: _inv(X).T @ A.T @ B.T @ _inv(X).T,
                N_("the minus sign of the inverse rule d(X^{-1}) = −X^{-1} dX X^{-1} (M5) was "
                "dropped")),
        },
    ),
)

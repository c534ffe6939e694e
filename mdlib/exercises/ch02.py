"""Chapter 2 exercises: Jacobians (m × n, rows of partials) and gradients of vector functions.

Answers are functions of the inputs (``c`` and any constants) returning the Jacobian
``∂f/∂c^T`` (m × n) or, for a scalar ``f``, the gradient ``∂f/∂c`` (shape of ``c``).

>>> from mdlib.exercises import check
>>> import numpy as np
>>> bool(check("2.1", lambda c: np.array([[2 * c[0] * c[1], c[0] ** 2], [5.0, np.cos(c[1])]])))
True
"""

from __future__ import annotations

import numpy as np

from ..i18n import N_
from .core import Exercise, Mistake, register


def _point(rng: np.random.Generator) -> dict[str, np.ndarray]:
    return {"c": rng.uniform(0.5, 2.0, size=2)}


def _point_and_matrix(rng: np.random.Generator) -> dict[str, np.ndarray]:
    # A is 3 × 2 (m ≠ n): a transposed answer has the wrong shape and is caught at once.
    return {"c": rng.standard_normal(2), "A": rng.standard_normal((3, 2))}


def _point_and_square(rng: np.random.Generator) -> dict[str, np.ndarray]:
    # M is deliberately not symmetric: an answer that assumes M = M^T must fail.
    return {"c": rng.standard_normal(3), "M": rng.standard_normal((3, 3))}


register(
    Exercise(
        id="2.1",
        prompt="f(c) = (c₁² c₂, 5c₁ + sin c₂). Build the 2 × 2 Jacobian ∂f/∂c^T row by row "
               "(row i holds the partials of f_i).",
        kind="jacobian", wrt="c",
        f=lambda c: np.array([c[0] ** 2 * c[1], 5 * c[0] + np.sin(c[1])]),
        make_inputs=_point,
        solution=lambda c: np.array([[2 * c[0] * c[1], c[0] ** 2], [5.0, np.cos(c[1])]]),
        mistakes={
            "columns as rows (the transpose)": Mistake(
                lambda c: np.array([[2 * c[0] * c[1], 5.0], [c[0] ** 2, np.cos(c[1])]]),
                N_("columns written as rows: row i of the Jacobian must hold the partial derivatives of f_i (you gave the transpose)")),
            "forgot the factor c₂ in ∂(c₁²c₂)/∂c₁": Mistake(
                lambda c: np.array([[2 * c[0], c[0] ** 2], [5.0, np.cos(c[1])]]),
                N_("∂(c₁²c₂)/∂c₁ is 2c₁c₂: the factor c₂ was dropped")),
        },
    ),
    Exercise(
        id="2.2",
        prompt="f(c) = sin(A c) (elementwise), A a constant 3 × 2 matrix. Find the 3 × 2 "
               "Jacobian ∂f/∂c^T.",
        kind="jacobian", wrt="c",
        f=lambda c, A: np.sin(A @ c),
        make_inputs=_point_and_matrix,
        solution=lambda c, A: np.cos(A @ c)[:, None] * A,
        mistakes={
            "transposed layout: A^T diag(cos(Ac))": Mistake(
                lambda c, A: A.T * np.cos(A @ c)[None, :],
                N_("this is the transpose A^T diag(cos(Ac)): the Jacobian ∂f/∂c^T has one row per output f_i, so it is m × n")),
            "forgot the outer derivative cos(Ac)": Mistake(
                lambda c, A: A,
                N_("the outer derivative is missing: by the chain rule row i of A is multiplied by cos((Ac)_i)")),
        },
    ),
    Exercise(
        id="2.3",
        prompt="f(c) = c^T M c with M a constant 3 × 3 matrix that is NOT symmetric. Find the "
               "gradient ∂f/∂c (a vector with the shape of c).",
        kind="gradient", wrt="c",
        f=lambda c, M: float(c @ M @ c),
        make_inputs=_point_and_square,
        solution=lambda c, M: (M + M.T) @ c,
        mistakes={
            "assumed M symmetric: 2 M c": Mistake(
                lambda c, M: 2 * M @ c,
                N_("you assumed M is symmetric: 2Mc is the gradient only when M = M^T, and this M is not symmetric")),
            "kept only one of the two terms: M c": Mistake(
                lambda c, M: M @ c,
                N_("only one of the two terms: c occurs twice in c^T M c, and each occurrence contributes a term")),
        },
    ),
)

"""Chapter 8 exercises: the article's layout is demanded, each typical slip fails with its hint."""

from __future__ import annotations

import numpy as np
import pytest

from mdlib.exercises import check, get
from mdlib.exercises.ch08 import MatrixByMatrixExercise

IDS = ["8.1", "8.2", "8.3", "8.4", "8.5"]

EXPECTED_HINTS = {
    ("8.1", "gave chapter 2's Jacobian Bᵀ ⊗ A (not transposed)"): "chapter 2's Jacobian",
    ("8.1", "Kronecker factors swapped"): "factors are swapped",
    ("8.2", "forgot K: the identity"): "commutation matrix is missing",
    ("8.2", "K_mn instead of K_nm"): "takes its transpose",
    ("8.3", "assumed A symmetric: I ⊗ 2A"): "assumed A is symmetric",
    ("8.3", "factors swapped: (A + Aᵀ) ⊗ I"): "factors are swapped",
    ("8.4", "forgot σ' (M8): XᵀX"): "σ′ was dropped",
    ("8.4", "σ instead of σ'"): "derivative σ′",
    ("8.5", "forgot the commutation matrix K"): "commutation matrix is missing",
    ("8.5", "sign of M5 dropped"): "minus sign",
}


def test_chapter_8_registers_its_exercises():
    for exercise_id in IDS:
        assert isinstance(get(exercise_id), MatrixByMatrixExercise)
    assert {key[0] for key in EXPECTED_HINTS} == set(IDS)


@pytest.mark.parametrize("key", sorted(EXPECTED_HINTS), ids=lambda key: f"{key[0]}:{key[1]}")
def test_mistake_is_rejected_with_its_hint(key):
    exercise_id, name = key
    exercise = get(exercise_id)
    result = check(exercise, exercise.mistakes[name])
    assert not result and EXPECTED_HINTS[key] in result.message, result.message


@pytest.mark.parametrize("exercise_id", IDS)
def test_solution_passes_at_several_seeds(exercise_id):
    exercise = get(exercise_id)
    for seed in range(4):
        assert check(exercise, exercise.solution, seed=seed)


def test_reference_is_the_transposed_chapter_2_jacobian():
    """The reference layout: rows follow vec X, columns vec F (mn × pq)."""
    exercise = get("8.1")
    inputs = exercise.make_inputs(np.random.default_rng(0))
    reference = exercise.reference(inputs)
    assert reference.shape == (12, 10)
    assert np.allclose(reference, np.kron(inputs["B"], inputs["A"].T), atol=1e-7)

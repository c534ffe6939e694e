"""Chapter 7 exercises: solutions pass, listed mistakes fail, and the engine agrees."""

import numpy as np
import pytest
import sympy

from mdlib.engine import derive
from mdlib.exercises import check, get

IDS = ["7.1", "7.2", "7.3"]


@pytest.mark.parametrize("exercise_id", IDS)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_solution_passes_and_mistakes_fail(exercise_id, seed):
    ex = get(exercise_id)
    assert check(ex, ex.solution, seed=seed)
    for name, mistake in ex.mistakes.items():
        assert not check(ex, mistake, seed=seed), name


def test_positive_determinant_inputs_really_are():
    rng = np.random.default_rng(0)
    for _ in range(200):
        assert np.linalg.det(get("7.2").make_inputs(rng)["X"]) > 0


def test_engine_gradients_equal_the_exercise_solutions():
    X = sympy.MatrixSymbol("X", 3, 3)
    a, b = sympy.MatrixSymbol("a", 3, 1), sympy.MatrixSymbol("b", 3, 1)
    rng = np.random.default_rng(3)
    inputs = get("7.1").make_inputs(rng)
    g71 = derive(a.T * X.inv() * b, X).gradient_function()(X=inputs["X"], a=inputs["a"][:, None],
                                                           b=inputs["b"][:, None])
    assert np.allclose(g71, get("7.1").solution(**inputs))
    inputs = get("7.2").make_inputs(rng)
    f72 = sympy.Trace(X.T * X) * sympy.log(sympy.Determinant(X))
    assert np.allclose(derive(f72, X).gradient_function()(X=inputs["X"]), get("7.2").solution(**inputs))

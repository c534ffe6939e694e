"""Chapter 7 exercises: the hints name the slips, inputs are valid, and the engine agrees.

(That solutions pass and mistakes fail is checked for every exercise in test_exercise_bank.)
"""

import numpy as np
import sympy

from mdlib.engine import derive
from mdlib.exercises import check, get


def test_hints_name_the_slips():
    assert "sign is flipped" in check("7.1", get("7.1").mistakes["the sign of M5 dropped"]).message
    assert "wrong shape" in check("7.3", get("7.3").mistakes["cos(XA) alone, A forgotten"]).message


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

"""Chapter 7 exercises: the hints name the slips, inputs are valid, and the engine agrees.

(That solutions pass and mistakes fail is checked for every exercise in test_exercise_bank.)
"""

import numpy as np
import sympy

from mdlib.engine import derive
from mdlib.exercises import check, get


def _message(exercise_id: str, mistake: str) -> str:
    return check(exercise_id, get(exercise_id).mistakes[mistake]).message


def test_hints_name_the_slips():
    # Each listed slip gets its own sentence naming the rule that was misapplied, and, where the
    # numbers say more (a flipped sign, a wrong shape), that too.
    sign = _message("7.1", "the sign of M5 dropped")
    assert "minus sign of M5 is lost" in sign and "sign is flipped" in sign
    assert "lost their transposes" in _message("7.1", "no transposes on the inverses")
    assert "product rule M2" in _message("7.2", "only the first factor differentiated")
    assert "X⁻ᵀ, not X⁻¹" in _message("7.2", "X^{-1} instead of X^{-T}")
    shape = _message("7.3", "cos(XA) alone, A forgotten")
    assert "factor A" in shape and "wrong shape" in shape
    assert "M8" in _message("7.3", "sin instead of its derivative")


def test_a_wrong_answer_that_is_no_listed_slip_gets_no_slip_message():
    message = check("7.1", lambda X, a, b: 3 * get("7.1").solution(X=X, a=a, b=b)).message
    assert "M5" not in message and "transposes" not in message


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

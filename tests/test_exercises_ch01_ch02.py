"""Chapters 1 and 2 exercises: each solution passes, each typical mistake fails with its hint."""

from __future__ import annotations

import numpy as np
import pytest

from mdlib import MdlibError
from mdlib.exercises import Exercise, all_exercises, check, get

IDS = ["1.1", "1.2", "1.3", "2.1", "2.2", "2.3"]
KINDS = {"1.1": "derivative", "1.2": "derivative", "1.3": "derivative",
         "2.1": "jacobian", "2.2": "jacobian", "2.3": "gradient"}

# The hint a reader must see for each recorded mistake (a substring of the message).
EXPECTED_HINTS = {
    ("1.1", "dropped the inner derivative 1/(2√x) of √x"): "inner derivative is missing",
    ("1.1", "product rule with one term only"): "only one term of the product rule",
    ("1.2", "sign slip: +2x/(1+x²)²"): "−u′/u². Numerically: the sign is flipped",
    ("1.2", "forgot the 2 from x²"): "factor 2 is missing. Numerically: off by a constant factor: yours is 0.5 times",
    ("1.3", "forgot the inner derivative 2x"): "inner derivative is missing",
    ("1.3", "differentiated sin(x)² instead"): "square sits inside the sine",
    ("2.1", "columns as rows (the transpose)"): "transpose of the right answer: a Jacobian ∂f/∂c^T is m × n",
    ("2.1", "forgot the factor c₂ in ∂(c₁²c₂)/∂c₁"): "the factor c₂ was dropped",
    ("2.2", "transposed layout: A^T diag(cos(Ac))"): "wrong shape (2, 3), expected (3, 2): you may have the transpose; a Jacobian",
    ("2.2", "forgot the outer derivative cos(Ac)"): "outer derivative is missing",
    ("2.3", "assumed M symmetric: 2 M c"): "you assumed M is symmetric",
    ("2.3", "kept only one of the two terms: M c"): "only one of the two terms",
}


def test_the_chapters_register_their_exercises():
    registered = {ex.id for ex in all_exercises()}
    assert set(IDS) <= registered
    assert {i: get(i).kind for i in IDS} == KINDS


@pytest.mark.parametrize("key", sorted(EXPECTED_HINTS), ids=lambda key: f"{key[0]}:{key[1]}")
def test_mistake_is_rejected_with_its_hint(key):
    exercise_id, name = key
    for seed in (0, 1):
        result = check(exercise_id, get(exercise_id).mistakes[name], seed=seed)
        assert not result
        assert EXPECTED_HINTS[key] in result.message, result.message
        assert "❌" in repr(result)
        assert "∂f/∂X has the shape of X" not in result.message   # a gradient's layout, not a Jacobian's


@pytest.mark.parametrize("exercise_id", IDS)
def test_every_mistake_has_an_expected_hint(exercise_id):
    ex = get(exercise_id)
    assert len(ex.mistakes) >= 2
    for name in ex.mistakes:
        assert (exercise_id, name) in EXPECTED_HINTS


def test_a_scalar_answer_right_at_one_point_only_is_rejected():
    ex = get("1.2")
    x0 = ex.make_inputs(np.random.default_rng(0))["x"]
    value = float(ex.solution(x0))
    result = check("1.2", lambda x: value)           # a constant: right at the first draw only
    assert not result and "right at 1 point(s)" in result.message


def test_equivalent_formulas_pass():
    # any numerically equal formula passes, not only the stored one
    assert check("1.3", lambda x: np.cos(x * x) * (x + x))
    assert check("2.3", lambda c, M: M @ c + M.T @ c)


def test_non_callable_and_badly_shaped_answers():
    result = check("1.2", -0.5)
    assert not result and "give your answer as a function" in result.message
    result = check("2.1", lambda x: x)                 # wrong argument name
    assert not result and "your function should take the inputs (c)" in result.message
    result = check("2.2", lambda c, A: A @ np.ones((3, 3)))
    assert not result and "evaluating your answer failed" in result.message


def test_unknown_exercise_and_kind_are_refused():
    with pytest.raises(MdlibError, match="no exercise '9.9'"):
        check("9.9", lambda x: x)
    with pytest.raises(MdlibError, match="kind must be one of"):
        Exercise(id="x", prompt="", kind="hessian", wrt="x", f=np.sin,
                 make_inputs=lambda rng: {"x": 1.0}, solution=np.cos)

"""Chapters 5 and 6 exercises: each typical mistake fails with its hint (the numeric hint where
there is one, else a phrase of the named feedback)."""

from __future__ import annotations

import pytest

from mdlib.exercises import all_exercises, check, get

IDS = ["5.1", "5.2", "5.3", "5.4", "6.1", "6.2", "6.3", "6.4"]

# What a reader must see for each recorded mistake (a substring of the message).
EXPECTED_HINTS = {
    ("5.1", "forgot the 2 from ∂f/∂Y"): "0.5 times",
    ("5.1", "gave ∂f/∂Y = 2Y instead of ∂f/∂X"): "wrong shape",
    ("5.2", "sign flipped"): "sign is flipped",
    ("5.2", "P without the 1/Σ normalisation"): "constant factor",
    ("5.3", "assumed C symmetric: 2 X C"): "you assumed C is symmetric",
    ("5.3", "kept only one of the two M2 terms"): "only the X^T dX term",
    ("5.4", "forgot σ' (M8)"): "σ′ was dropped (M8)",
    ("5.4", "W instead of W^T"): "W should be W^T",
    ("6.1", "lost the 2 of the penalty"): "gradient is 2λw, not λw",
    ("6.1", "sign of the residual flipped"): "the residual's sign is flipped",
    ("6.2", "sign flipped: X^T (y − σ)"): "sign is flipped",
    ("6.2", "extra σ' factor"): "σ′ was multiplied in although it cancels",
    ("6.3", "forgot the weights"): "the weights D = diag(d) are missing",
    ("6.3", "lost the factor 2"): "0.5 times",
    ("6.4", "forgot σ'(W1 X) (M8)"): "σ′(W1 X) was dropped (M8)",
    ("6.4", "y − softmax instead of softmax − y"): "sign is flipped",
}


def test_the_chapters_register_their_exercises() -> None:
    registered = {ex.id for ex in all_exercises()}
    assert set(IDS) <= registered
    assert all(get(i).kind == "gradient" for i in IDS)


@pytest.mark.parametrize("key", sorted(EXPECTED_HINTS), ids=lambda key: f"{key[0]}:{key[1]}")
def test_mistake_is_rejected_with_its_hint(key: tuple[str, str]) -> None:
    exercise_id, name = key
    result = check(exercise_id, get(exercise_id).mistakes[name])
    assert not result
    assert EXPECTED_HINTS[key] in result.message, result.message


@pytest.mark.parametrize("exercise_id", IDS)
def test_every_mistake_has_an_expected_hint(exercise_id: str) -> None:
    ex = get(exercise_id)
    assert len(ex.mistakes) >= 2
    for name in ex.mistakes:
        assert (exercise_id, name) in EXPECTED_HINTS


def test_an_answer_with_the_wrong_arguments_gets_a_sentence() -> None:
    result = check("6.1", lambda w: w)
    assert not result and "inputs" in result.message

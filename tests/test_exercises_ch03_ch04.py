"""Chapters 3 and 4 exercises: each typical mistake fails with its hint (the numeric hint where
there is one, else a phrase of the named feedback); chapter 3 takes answers of ``X, E`` only."""

from __future__ import annotations

import pytest

from mdlib.exercises import all_exercises, check, get

IDS_3 = ["3.1", "3.2", "3.3", "3.4"]
IDS_4 = ["4.1", "4.2", "4.3", "4.4", "4.5"]

EXPECTED_HINTS = {
    ("3.1", "sign of M5 lost"): "minus sign of the inverse rule",
    ("3.1", "scalar analogy −tr(E)/tr(X)²"): "tr(X^{-1}) is not 1/tr(X)",
    ("3.2", "forgot the factor |X|"): "the factor |X| is missing",
    ("3.2", "tr(E) instead of tr(X^{-1} E)"): "the X^{-1} inside the trace is missing",
    ("3.3", "only one term of M7"): "only one term of the Hadamard product rule",
    ("3.3", "matrix product for σ'(X) dX"): "as a matrix product",
    ("3.4", "2 tr(X A E): as if X and A commuted"): "XA = AX was assumed",
    ("3.4", "only the (dX) A X term"): "only one term of the product rule",
    ("4.1", "read off B A without the transpose"): "transpose",
    ("4.1", "a factor 2 as for a quadratic form"): "2 times",
    ("4.2", "kept one of the two M2 terms"): "0.5 times",
    ("4.2", "a a^T X^T (not read off through L)"): "transpose",
    ("4.3", "lost the 2 (one M2 term)"): "0.5 times",
    ("4.3", "2 (X^T X)^{-1} X^T: read off without the transpose"): "transpose",
    ("4.4", "2 X ⊙ A: missing transpose on A"): "the transpose on A is missing",
    ("4.4", "matrix product instead of ⊙"): "is a matrix product, but T5",
    ("4.5", "−X^{-1} B A X^{-1}: the transpose is missing"): "transpose of the right answer",
    ("4.5", "sign of M5 lost"): "sign is flipped",
}


def test_the_chapters_register_their_exercises() -> None:
    registered = {ex.id for ex in all_exercises()}
    assert set(IDS_3 + IDS_4) <= registered
    assert all(get(i).kind == "derivative" for i in IDS_3)
    assert all(get(i).kind == "gradient" for i in IDS_4)


def test_every_mistake_has_an_expected_hint() -> None:
    recorded = {(i, name) for i in IDS_3 + IDS_4 for name in get(i).mistakes}
    assert recorded == set(EXPECTED_HINTS)


@pytest.mark.parametrize("key", sorted(EXPECTED_HINTS), ids=lambda key: f"{key[0]}:{key[1]}")
def test_mistake_is_rejected_with_its_hint(key: tuple[str, str]) -> None:
    exercise_id, name = key
    result = check(exercise_id, get(exercise_id).mistakes[name])
    assert not result
    assert EXPECTED_HINTS[key] in result.message, result.message


def test_the_directional_form_equals_the_gradient_form() -> None:
    """3.4's df(X; E) must equal tr(G^T E) with G = (A X + X A)^T, the gradient chapter 4 reads off."""
    import numpy as np

    rng = np.random.default_rng(7)
    inputs = get("3.4").make_inputs(rng)
    X, E, A = inputs["X"], inputs["E"], inputs["A"]
    G = (A @ X + X @ A).T
    assert np.isclose(get("3.4").solution(**inputs), np.trace(G.T @ E))


def test_chapter_3_answers_take_x_and_e_without_a_parameter_t() -> None:
    import numpy as np

    inv = np.linalg.inv
    assert check("3.1", lambda X, E: -np.trace(inv(X) @ E @ inv(X)))
    assert check("3.4", lambda X, E, A: np.trace(E @ A @ X + X @ A @ E))
    old_style = check("3.2", lambda t, X, E: np.linalg.det(X) * np.trace(inv(X) @ E))
    assert not old_style and "should take the inputs (X, E)" in old_style.message
    assert all("t" not in get(i).make_inputs(np.random.default_rng(0)) for i in IDS_3)


def test_the_directional_reference_follows_the_direction() -> None:
    """The reference is df(X; E): linear in E, and equal to the trace form for 3.2's det."""
    import numpy as np

    ex = get("3.2")
    inputs = ex.make_inputs(np.random.default_rng(5))
    X, E = inputs["X"], inputs["E"]
    expected = np.linalg.det(X) * np.trace(np.linalg.inv(X) @ E)
    assert np.isclose(ex.reference(inputs), expected, rtol=1e-6)
    assert np.isclose(ex.reference({"X": X, "E": -3 * E}), -3 * expected, rtol=1e-6)

"""Every registered exercise, present and future: its solution passes at four seeds, and every
listed mistake fails *with the feedback that names it*.

Chapter files add the numeric hint each mistake must also get; this file makes sure no exercise
is left untested when a chapter adds one.
"""

import numpy as np
import pytest

from mdlib.exercises import Mistake, all_exercises, check, get, recognise
from mdlib.exercises.core import feedback_of

BANK = all_exercises()
MISTAKES = [(ex, name) for ex in BANK for name in ex.mistakes]


def test_every_chapter_has_exercises():
    # Chapter 0 has one warm-up, to show how an exercise cell works.
    chapters = {ex.id.split(".")[0] for ex in BANK}
    assert chapters == {str(n) for n in range(0, 9)}


@pytest.mark.parametrize("exercise", BANK, ids=[ex.id for ex in BANK])
def test_solution_passes_without_a_mistake_message(exercise):
    for seed in (0, 1, 2, 3):
        result = check(exercise, exercise.solution, seed=seed)
        assert result and "✅" in repr(result), (exercise.id, seed, result.message)
        # The solution must not coincide with a listed mistake, or that mistake names nothing.
        assert recognise(exercise, exercise.solution, seed) is None, exercise.id
    assert exercise.mistakes, f"exercise {exercise.id} lists no typical mistake to reject"


@pytest.mark.parametrize(("exercise", "name"), MISTAKES, ids=[f"{ex.id}:{name}" for ex, name in MISTAKES])
def test_every_listed_mistake_fails_with_its_named_feedback(exercise, name):
    mistake = exercise.mistakes[name]
    feedback = feedback_of(name, mistake)
    for seed in (0, 1):
        result = check(exercise, mistake, seed=seed)
        assert not result and "❌" in repr(result), (exercise.id, name)
        assert result.message.startswith(f"not yet: {feedback}"), result.message
    # The same wrong formula typed by a reader (a fresh function, not the stored object) is
    # recognised too: recognition compares values, not identity.
    def typed(**inputs):
        return mistake(**inputs)

    assert feedback in check(exercise, typed).message


#: Chapters whose mistakes may still be bare functions (shown as "a known slip: <name>"): none.
UNNAMED_ALLOWED: set[str] = set()


@pytest.mark.parametrize(("exercise", "name"), MISTAKES, ids=[f"{ex.id}:{name}" for ex, name in MISTAKES])
def test_every_mistake_carries_feedback_for_the_reader(exercise, name):
    mistake = exercise.mistakes[name]
    if exercise.id.split(".")[0] in UNNAMED_ALLOWED and not isinstance(mistake, Mistake):
        return
    assert isinstance(mistake, Mistake), f"{exercise.id}: wrap {name!r} in Mistake(answer, feedback)"
    assert len(mistake.feedback.split()) >= 5, (exercise.id, name)
    assert "known slip" not in check(exercise, mistake).message
    # The message is addressed to the reader: no Python in it, no trailing full stop (check()
    # may append "Numerically: …" after it).
    assert not any(code in mistake.feedback for code in ("np.", "@", "lambda", ".T ")), mistake.feedback
    assert not mistake.feedback.endswith("."), mistake.feedback


@pytest.mark.parametrize("exercise", BANK, ids=[ex.id for ex in BANK])
def test_each_mistake_of_an_exercise_has_its_own_feedback(exercise):
    feedbacks = [feedback_of(name, m) for name, m in exercise.mistakes.items()]
    assert len(set(feedbacks)) == len(feedbacks), exercise.id


def test_right_but_differently_written_answers_get_no_mistake_message():
    # (M + M^T) c written as two products; e^{√x} factored differently.
    assert check("2.3", lambda c, M: M @ c + M.T @ c)
    assert check("1.1", lambda x: np.exp(np.sqrt(x)) * np.cos(x) / (2 + np.sin(x))
                 + np.exp(np.sqrt(x)) * np.log(2 + np.sin(x)) / (2 * np.sqrt(x)))


def test_an_unlisted_wrong_answer_gets_only_the_numeric_hint():
    result = check("2.3", lambda c, M: 3 * M.T @ c)
    assert not result
    assert not any(feedback_of(n, m) in result.message for n, m in get("2.3").mistakes.items())
    assert "values differ" in result.message


def _scaffold(**inputs):
    """The scaffold a chapter gives the reader, ``def answer(...): ...``: its body is not written."""
    ...


@pytest.mark.parametrize("exercise", BANK, ids=[ex.id for ex in BANK])
def test_an_unwritten_scaffold_is_not_answered_yet(exercise):
    """A stub is neither right nor wrong, raises nothing, and says what to write with which inputs."""
    names = ", ".join(exercise.make_inputs(np.random.default_rng(0)))
    for stub in (_scaffold, ..., lambda **inputs: ...):
        result = check(exercise, stub)
        assert not result and not result.answered, (exercise.id, result.message)
        assert repr(result).startswith(f"✏️ exercise {exercise.id}: not answered yet")
        assert result._repr_markdown_().startswith(f"✏️ **exercise {exercise.id}**: not answered yet")
        assert "✅" not in repr(result) and "❌" not in repr(result)
        assert exercise.wanted() in result.message and f"written with {names};" in result.message
        assert "`...`" in result.message and "run the cell again" in result.message


def test_the_three_verdicts_have_three_marks():
    right = check("0.1", lambda x: 3 * x**2)
    wrong = check("0.1", lambda x: x**2)
    unanswered = check("0.1", ...)
    assert [r.mark for r in (right, wrong, unanswered)] == ["✅", "❌", "✏️"]
    assert right.answered and wrong.answered and not unanswered.answered
    assert "exponent 3 also comes down as a factor" in wrong.message
    # what is asked for, by kind: a derivative, a differential, a Jacobian, a Hessian
    assert get("1.2").wanted() == "the derivative φ′(x)"
    assert get("3.1").wanted() == "the differential df(X; E)"
    assert get("2.1").wanted() == "the Jacobian ∂f/∂c^T"
    assert get("4.1").wanted() == "the gradient ∂f/∂X"
    assert get("8.3").wanted() == "the Hessian ∇²f (mn × mn)"

"""Every registered exercise, present and future: its solution passes at four seeds,
its mistakes fail.

Chapter files add the hint each mistake must get; this file makes sure no exercise is left
untested when a chapter adds one.
"""

import pytest

from mdlib.exercises import all_exercises, check

BANK = all_exercises()


def test_every_chapter_has_exercises():
    chapters = {ex.id.split(".")[0] for ex in BANK}
    assert chapters == {str(n) for n in range(1, 8)}


@pytest.mark.parametrize("exercise", BANK, ids=[ex.id for ex in BANK])
def test_solution_passes_and_every_listed_mistake_fails(exercise):
    for seed in (0, 1, 2, 3):
        result = check(exercise, exercise.solution, seed=seed)
        assert result and "✅" in repr(result), (exercise.id, seed, result.message)
    assert exercise.mistakes, f"exercise {exercise.id} lists no typical mistake to reject"
    for name, mistake in exercise.mistakes.items():
        result = check(exercise, mistake)
        assert not result and result.message, (exercise.id, name)

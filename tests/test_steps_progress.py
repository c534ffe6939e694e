"""Following a hint of the step checker makes progress (issue 15 §1).

For every slip the step tests build (hand-made mutants, generated ones, one per message template,
in df form and in vec form), the message on the first wrong line comes with the line it asks for.
Written in its place, that line must be right, or get a *different* message; followed again and
again, the hints must never come back to a message already given (the old checker sent a reader
from "A should be A^T" to "A^T should be A" and back) and must end at a right line.
"""

from __future__ import annotations

import pytest
from test_steps import GENERATED, MUTANTS
from test_steps_messages import DF_TEMPLATES, VEC_TEMPLATES
from test_steps_vec import CASES as VEC_CASES
from test_steps_vec import MUTANTS as VEC_MUTANTS

from mdlib import check_steps, check_vec_steps
from mdlib.steps.check import _Before, _judge
from mdlib.steps.problem import _close, _problem
from mdlib.steps.reading import _read
from mdlib.steps.vec import _diagnose as _vec_diagnose
from mdlib.steps.vec import _vec_problem

#: Hints followed one after the other before giving up; every slip built here needs at most two.
MOST_HINTS = 4

#: Messages that name no single repair, by how they begin: nothing to follow, so nothing to test
#: here (each has its own test in ``test_steps_messages.py``).
NO_REPAIR = ("this line does not equal", "it follows from the line before",
             "this line is identically 0: its terms cancel", "it does not equal the line before (or",
             "its value is not a finite number", "it is not linear in", "the sizes do not match")


def _df_slips():
    for f, X, shapes, lines, wrong, _words in MUTANTS:
        yield pytest.param(f, X, shapes, lines, id=f"mutant:{f}:{wrong}:{lines[wrong - 1]}")
    for name, f, X, shapes, lines, wrong, _kind in GENERATED:
        yield pytest.param(f, X, shapes, lines, id=f"generated:{name}:{lines[wrong - 1]}")
    for name, f, X, shapes, lines, _wrong, _message in DF_TEMPLATES:
        yield pytest.param(f, X, shapes, lines, id=f"template:{name}")


def _vec_slips():
    for case, lines, wrong, _words in VEC_MUTANTS:
        F, shapes, _ = VEC_CASES[case]
        yield pytest.param(F, shapes, lines, id=f"mutant:{F}:{lines[wrong - 1]}")
    for name, F, shapes, lines, _wrong, _message in VEC_TEMPLATES:
        yield pytest.param(F, shapes, lines, id=f"template:{name}")


def _followed(first_message: str, repair, verdict_of) -> list[str]:
    """The messages met while following the hints from one wrong line; ends at a right line."""
    seen = [first_message]
    for _ in range(MOST_HINTS):
        if repair is None:
            assert first_message.startswith(NO_REPAIR) or seen[-1].startswith(NO_REPAIR), (
                f"{seen[-1]!r} names no repair to follow")
            return seen
        ok, message, repair = verdict_of(repair)
        if ok:
            return seen + ["right"]
        assert message not in seen, f"following the hints came back to {message!r}: {seen}"
        seen.append(message)
    pytest.fail(f"{MOST_HINTS} hints followed and the line is still wrong: {seen}")


@pytest.mark.parametrize("f, X, shapes, lines", list(_df_slips()))
def test_following_a_df_hint_makes_progress(f, X, shapes, lines):
    report = check_steps(f, X, lines, shapes)
    k = report.first_wrong
    verdict = report.lines[k - 1]
    if verdict.ok is None:
        return  # a line that cannot be read: its hint is about typing (test_steps_input.py)
    key = (f, X, shapes, 0, ())
    problem = _problem(*key)
    before = _Before(problem.differential) if k == 1 else _Before(_read(lines[k - 2], key), True,
                                                                  lines[k - 2])

    def verdict_of(repair):
        new = _judge(k, "(the line the hint asks for)", repair, before, problem)
        return new.ok, new.message, new.repair

    seen = _followed(verdict.message, verdict.repair, verdict_of)
    if verdict.repair is not None:
        assert seen[-1] == "right", seen


@pytest.mark.parametrize("F, shapes, lines", list(_vec_slips()))
def test_following_a_vec_hint_makes_progress(F, shapes, lines):
    report = check_vec_steps(F, "X", lines, shapes)
    k = report.first_wrong
    verdict = report.lines[k - 1]
    if verdict.ok is None:
        return
    problem = _vec_problem(F, "X", shapes, 0, ())

    def verdict_of(repair):
        if _close(problem.value(repair), problem.reference, problem.scale):
            return True, "right", None
        cause = _vec_diagnose(repair, problem.reference, problem)
        return False, cause.message, cause.repair

    seen = _followed(verdict.message, verdict.repair, verdict_of)
    if verdict.repair is not None:
        assert seen[-1] == "right", seen


def test_the_slips_followed_are_many_and_nearly_all_name_their_repair():
    named = []
    for slip in _df_slips():
        f, X, shapes, lines = slip.values
        report = check_steps(f, X, lines, shapes)
        named.append(report.lines[report.first_wrong - 1].repair is not None)
    assert len(named) > 150 and sum(named) >= 0.95 * len(named), (sum(named), len(named))

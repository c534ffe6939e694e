"""Every step checker placed in the chapters opens empty and accepts a correct derivation.

The checkers in chapters 4–6 follow each "your turn" prompt. For each one, a correct
derivation (written the way the chapter's solution writes it) is typed in; the checker must
call every line right and read off the verified gradient. A wrong last line must be caught.
"""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import pytest

from book.step_examples import WORKED
from mdlib.widgets import StepChecker

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
# The correct derivations are the worked examples the book types into these checkers: one table.
CORRECT = WORKED


def _checker_calls() -> list:
    calls = []
    for path in sorted(NOTEBOOKS.glob("0[4-6]_*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "code" and cell.source.startswith("display(StepChecker("):
                call = ast.parse(cell.source).body[0].value.args[0].value
                args = [ast.literal_eval(a) for a in call.args]
                kwargs = {k.arg: ast.literal_eval(k.value) for k in call.keywords}
                calls.append(pytest.param(args, kwargs, id=f"{path.stem[:2]}:{args[0][:30]}"))
    return calls


CALLS = _checker_calls()


def test_chapters_4_to_6_offer_a_checker_for_every_worked_example():
    assert len(CALLS) >= 12


@pytest.mark.parametrize(("args", "kwargs"), CALLS)
def test_checker_opens_empty_and_accepts_a_correct_derivation(args, kwargs):
    checker = StepChecker(*args, **kwargs)
    assert checker.textarea.value == "" and not checker.report.lines
    checker.set_lines("\n".join(CORRECT[args[0]]))
    assert checker.report.ok and checker.report.gradient_latex, checker.report


@pytest.mark.parametrize(("args", "kwargs"), CALLS)
def test_checker_catches_a_sign_flipped_last_line(args, kwargs):
    checker = StepChecker(*args, **kwargs)
    lines = CORRECT[args[0]]
    checker.set_lines("\n".join([*lines[:-1], f"-({lines[-1]})"]))
    assert not checker.report.ok
    verdicts = [line.ok for line in checker.report.lines]
    assert verdicts[:-1] == [True] * (len(lines) - 1) and verdicts[-1] is False

"""StepChecker: typing re-checks, each line gets a mark and words, the verdict is announced."""

from __future__ import annotations

import inspect
import re

from mdlib.widgets import StepChecker
from mdlib.widgets import step_checker as module

F, X, SHAPES = "tr(X.T*A*X)", "X", "X: 3x3, A: 3x3"


def test_every_change_of_the_text_is_checked():
    checker = StepChecker(F, X, SHAPES)
    assert checker.report is not None and not checker.report.lines
    assert "first line" in checker.verdict.value
    checker.textarea.value = "tr(dX.T*A*X) + tr(X.T*A*dX)"  # as typing does
    assert checker.report.ok and "✔" in checker.table.value
    checker.textarea.value += "\ntr(X.T*A*dX) + tr(X.T*A*dX)"
    assert checker.report.first_wrong == 2
    assert "✘" in checker.table.value and "you assumed A = A^T" in checker.table.value
    assert "Line 2 is the first wrong line" in checker.verdict.value


def test_words_not_only_colour_and_an_aria_live_verdict():
    checker = StepChecker(F, X, SHAPES, lines="tr(X.T*A*dX)")
    assert "wrong" in checker.table.value and "lost" in checker.table.value
    assert "aria-live='polite'" in checker.verdict.value and "role='status'" in checker.verdict.value
    assert "$" in checker.table.value  # the line as LaTeX, rendered by HTMLMath


def test_a_line_that_cannot_be_read_says_so_in_place():
    checker = StepChecker(F, X, SHAPES, lines="tr(dX.T*A*X")
    assert checker.report.lines[0].ok is None
    assert "cannot be read" in checker.table.value and "never closed" in checker.table.value


def test_an_f_that_cannot_be_checked_is_one_sentence():
    checker = StepChecker("X*A", X, SHAPES, lines="tr(dX)")
    assert checker.report is None
    assert checker.verdict.value.count("mdlib:") == 1 and "scalar" in checker.verdict.value


def test_the_keyboard_reaches_everything_and_outputs_never_use_with_out():
    checker = StepChecker.demo()
    assert checker.textarea.continuous_update and not checker.textarea.disabled
    assert not re.search(r"^\s*with\s", inspect.getsource(module), re.MULTILINE)
    assert checker.widget.children[1] is checker.textarea


def test_in_a_running_kernel_the_check_waits_for_a_pause_in_typing():
    import asyncio

    async def type_then_pause() -> tuple[int, int]:
        checker = StepChecker(F, X, SHAPES, delay=0.05)
        calls = []
        original = checker.check
        checker.check = lambda: calls.append(1) or original()
        for end in range(1, len("tr(X.T*A*dX)") + 1):  # one change per key press
            checker.textarea.value = "tr(X.T*A*dX)"[:end]
        during = len(calls)
        await asyncio.sleep(0.2)
        return during, len(calls), checker

    during, after, checker = asyncio.run(type_then_pause())
    assert during == 0 and after == 1  # twelve key presses, one check
    assert checker.report.lines[0].text == "tr(X.T*A*dX)" and not checker.report.ok


def test_each_verdict_is_marked_with_the_text_it_judged():
    import html

    checker = StepChecker(F, X, SHAPES)
    half = "tr(dX.T*A*X) + tr(X.T*A*dX)\ntr(X.T*A"  # a check that ran while the reader typed
    checker.set_lines(half)
    mark = f'data-checked-text="{html.escape(half)}"'
    assert mark in checker.table.value and mark in checker.verdict.value
    assert "Line 2 cannot be read" in checker.verdict.value  # a "Line 2 …" verdict already
    whole = "tr(dX.T*A*X) + tr(X.T*A*dX)\ntr(X.T*A*dX) + tr(X.T*A*dX)"
    checker.set_lines(whole)
    mark = f'data-checked-text="{html.escape(whole)}"'
    assert mark in checker.table.value and mark in checker.verdict.value
    assert "Line 2 is the first wrong line" in checker.verdict.value
    checker = StepChecker("X*A", X, SHAPES, lines="tr(dX) 'quoted' \"too\"")  # f refused
    assert 'data-checked-text="tr(dX) &#x27;quoted&#x27; &quot;too&quot;"' in checker.verdict.value

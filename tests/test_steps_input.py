"""What a reader gets for a line that is not a derivation step: typing slips (issue 16 item 4),
lines that are 0 and lines whose sizes do not match (issue 18 item 3).

Each gets its own verdict in words, never a raw exception: a typing slip leads with the course's
own hint (not Python's tokenizer), a size mismatch says "the sizes do not match" and names the
sizes, a line that is identically 0 says so (and, where one exists, which slip made it 0).
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from mdlib import MdlibError, check_steps, check_vec_steps
from mdlib.parse import parse_expression
from mdlib.widgets import StepChecker

#: Python's own words, which no message to a reader may lead with (or contain).
JARGON = re.compile(r"literal|detected at line|invalid syntax|Perhaps you|unexpected EOF|"
                    r"was never closed|unmatched|cannot read the expression")

# ------------------------------------------------------------------ typing slips

# (typed line, how the message begins, the column it points at, 1-based)
SLIPS = [
    ("tr(X'*dX)", "write X.T for a transpose: the quote ' (column 5)", 5),
    ('tr(X"*dX)', 'write X.T for a transpose: the quote " (column 5)', 5),
    ("tr(X^2*dX)", "^ (column 5) is not a power here: write ** for powers", 5),
    ("tr(X^T*dX)", "^T (column 5): write X.T for the transpose", 5),
    ("tr(X@dX)", "@ (column 5) is not used here: write * for the matrix product", 5),
    ("tr(2X*dX)", "write 2*X for 2X: a number before a name needs * (column 4)", 4),
    ("2tr(X*dX)", "write 2*tr for 2tr: a number before a name needs * (column 1)", 1),
    ("tr(X.T dX)", "write X.T*dX for 'X.T dX': a product needs * between its factors (column 8)", 8),
    ("2 tr(X.T*dX)", "write 2*tr for '2 tr': a product needs * between its factors (column 3)", 3),
    ("tr X.T*dX", "write tr(X): a function takes its argument in brackets (column 1)", 1),
    ("tr(X.T*dX)tr(X)", "write * before tr (column 11): a product needs * between its factors", 11),
    ("|X|*tr(inv(X)*dX)", "write det(X) for a determinant (or logdet(X) for log|det X|): the bar | "
                          "(column 1)", 1),
    ("tr(X.T*dX) = tr(dX.T*X)", "write only the right-hand side, without = (column 12)", 12),
    ("tr(X.T**dX*)", "something is missing after * (column 11)", 11),
    ("tr(X..T*dX)", "only .T (the transpose) may follow a dot (column 5)", 5),
]


@pytest.mark.parametrize("line, begins, column", SLIPS, ids=[s[0] for s in SLIPS])
def test_a_typing_slip_leads_with_the_course_hint(line, begins, column):
    report = check_steps("tr(X.T*X)", "X", [line], "X: 3x3")
    verdict = report.lines[0]
    assert verdict.ok is None and report.verdict == "✘ Line 1 cannot be read."
    assert verdict.message.startswith(begins), verdict.message
    assert not JARGON.search(verdict.message), verdict.message
    assert verdict.column == column - 1
    assert str(verdict).startswith(f"? line 1: {line}  — cannot be read: {begins}")
    # the same words wherever typed text is read (derive, the playground, the vec checker)
    with pytest.raises(MdlibError) as err:
        parse_expression(line.replace("dX", "X"), "X: 3x3")
    assert not JARGON.search(str(err.value)), str(err.value)


@pytest.mark.parametrize("line, words, column", [
    ("tr(X.T*dX", "this '(' (column 3) is never closed: add a ')'", 3),
    ("tr(X.T*dX))", "this ')' (column 11) closes nothing: remove it or add its '('", 11),
])
def test_brackets_that_do_not_pair_point_at_the_bracket(line, words, column):
    verdict = check_steps("tr(X.T*X)", "X", [line], "X: 3x3").lines[0]
    assert verdict.ok is None and verdict.message == words and verdict.column == column - 1


def test_the_parser_itself_names_brackets_in_its_hint():
    for text, words in [("tr(X", "this '(' (column 3) is never closed: add a ')'"),
                        ("tr(X))", "this ')' (column 6) closes nothing: remove it or add its '('"),
                        ("tr(X]", "this ']' (column 5) does not match the '(' it closes: write ')'")]:
        with pytest.raises(MdlibError, match=re.escape(words)):
            parse_expression(text, "X: 3x3")


def test_a_slip_the_hints_do_not_know_still_gets_a_column_and_no_leading_jargon():
    with pytest.raises(MdlibError) as err:
        parse_expression("tr(X; X)", "X: 3x3")
    assert str(err.value).startswith("check the brackets and operators near column 5")


def test_the_widget_shows_the_hint_in_place():
    checker = StepChecker("tr(X.T*X)", "X", "X: 3x3", lines="tr(X'*dX)")
    assert "cannot be read" in checker.table.value and "write X.T for a transpose" in checker.table.value
    assert "unterminated" not in checker.table.value


# ------------------------------------------------------------------ sizes that do not match

# (f, shapes, line, the message word for word)
SIZES = [
    ("tr(X.T*X)", "X: 4x2", "tr(X*dX)",
     "the sizes do not match: cannot multiply X (4×2) times dX (4×2): inner sizes 2 and 4 differ"),
    ("tr(X.T*X)", "X: 4x2, B: 2x2", "tr(dX*B*X)",
     "the sizes do not match: cannot multiply dX*B (4×2) times X (4×2): inner sizes 2 and 4 differ"),
    ("tr(X.T*X)", "X: 4x2, B: 2x2", "tr(dX*B)",
     "the sizes do not match: tr needs a square matrix, but dX*B (4×2) is not square"),
    ("tr(X.T*X)", "X: 4x2", "dX.T*X",
     "the sizes do not match: this line is a 2×2 matrix, but df is a number: take its trace, or "
     "write the 1×1 product (T1: a scalar is its own trace)"),
    ("tr(X.T*X)", "X: 4x2, B: 2x2", "tr(X.T*dX) + X.T*dX",
     "the sizes do not match: cannot add the number tr(X.T*dX) and the matrix X.T*dX (2×2); for a "
     "multiple of the identity write tr(X.T*dX)*I"),
    ("sum(had(A, X))", "X: 3x2, A: 3x2, B: 2x3", "sum(had(B, dX))",
     "the sizes do not match: had needs matrices of the same shape, but B (2×3) and dX (3×2) differ"),
    # a dropped transpose that breaks the sizes: the checker finds it in the text as typed
    ("a.T*X*b", "X: 3x4, a: 3, b: 4", "tr(a*dX*b)",
     "the sizes do not match: cannot multiply a (3×1) times dX (3×4): inner sizes 1 and 3 differ; "
     "a transpose is missing: a (column 4) should be a.T"),
]


@pytest.mark.parametrize("f, shapes, line, message", SIZES, ids=[s[2] for s in SIZES])
def test_a_line_whose_sizes_do_not_match_gets_its_own_verdict(f, shapes, line, message):
    report = check_steps(f, "X", [line], shapes)
    verdict = report.lines[0]
    assert verdict.ok is False and verdict.kind == "size" and verdict.message == message
    assert str(verdict).startswith(f"✘ line 1: {line}  — wrong: the sizes do not match: ")
    assert "cannot be read" not in str(report) and report.first_wrong == 1


def test_a_size_mismatch_in_a_later_line_and_the_line_after_it():
    report = check_steps("tr(X.T*X)", "X", ["2*tr(X.T*dX)", "2*tr(X*dX)", "2*tr(X.T*dX)"], "X: 4x2")
    assert [v.ok for v in report.lines] == [True, False, True]
    assert report.lines[1].message.startswith("the sizes do not match: cannot multiply X (4×2) "
                                              "times dX (4×2)")
    assert report.lines[2].message == "right again (the line before was wrong)"


def test_issue_18_the_size_reproducer_is_judged_not_raised():
    # was: ShapeError from a candidate repair that did not fit the shapes
    report = check_steps("tr(X.T*X)", "X", "tr(B*X.T*dX*B)", "X: 4x2, B: 2x2")
    assert report.lines[0].ok is False and report.first_wrong == 1
    assert report.lines[0].message == ("tr(B X^T dX B) does not equal tr(X^T dX) + tr((dX)^T X) "
                                       "of df")


def test_vec_lines_whose_sizes_do_not_match():
    report = check_vec_steps("A*X", "X", ["vec(dX*A)", "A*dX"], "X: 3x2, A: 4x3")
    assert [v.kind for v in report.lines] == ["size", "size"]
    assert all(v.ok is False and v.message.startswith("the sizes do not match: ") for v in report.lines)
    assert "8×1" in report.lines[1].message and "4×2" in report.lines[1].message


# ------------------------------------------------------------------ lines that are 0

# (f, shapes, line, the message word for word)
ZEROS = [
    ("tr(X.T*X)", "X: 3x3", "tr(dX) - tr(dX.T)",
     "this line is identically 0: tr(dX) and tr((dX)^T) are equal for every dX, so "
     "tr(dX) - tr((dX)^T) = 0, but df is not 0"),
    ("tr(X.T*X)", "X: 4x2", "tr(dX.T*X) - tr(X.T*dX)",
     "this line is identically 0: tr((dX)^T X) and tr(X^T dX) are equal for every dX, so "
     "tr((dX)^T X) - tr(X^T dX) = 0, but df is not 0; the sign of the term -tr(X^T dX) is "
     "flipped"),
    ("tr(X.T*X)", "X: 2x5", "tr(X.T*dX) - tr(X.T*dX)",
     "this line is identically 0: its terms cancel for every dX, but df is not 0"),
    ("tr(X.T*X)", "X: 3x3", "0*tr(X.T*dX)",
     "this line is identically 0: its terms cancel for every dX, but df is not 0"),
    ("a.T*X*b", "X: 3x4, a: 3, b: 4", "a.T*dX*b - tr(b*a.T*dX)",
     "this line is identically 0: a^T dX b and tr(b a^T dX) are equal for every dX, so "
     "a^T dX b - tr(b a^T dX) = 0, but df is not 0"),
]


@pytest.mark.parametrize("f, shapes, line, message", ZEROS, ids=[z[2] for z in ZEROS])
def test_a_line_that_is_zero_gets_its_own_verdict(f, shapes, line, message):
    report = check_steps(f, "X", [line], shapes)
    verdict = report.lines[0]
    assert verdict.ok is False and verdict.kind == "zero" and verdict.message == message
    assert report.first_wrong == 1


def test_issue_18_the_zero_reproducer_is_judged_not_raised():
    # was: ZeroDivisionError (a ratio of 0 read as a lost factor 1/0)
    report = check_steps("tr(X.T*X)", "X", "tr(dX) - tr(dX.T)", "X: 3x3")
    assert report.lines[0].kind == "zero" and "identically 0" in report.lines[0].message


def test_a_zero_line_after_right_lines_says_the_line_before_is_not_zero():
    report = check_steps("tr(X.T*X)", "X", ["2*tr(X.T*dX)", "tr(X.T*dX) - tr(dX.T*X)"], "X: 3x3")
    assert report.lines[1].kind == "zero"
    assert report.lines[1].message.startswith("this line is identically 0: ")
    assert ", but the line before is not 0" in report.lines[1].message


def test_vec_lines_that_are_zero():
    for line in ("vec(A*dX) - kron(eye(2), A)*vec(dX)", "vec(A*dX) - vec(A*dX)"):
        verdict = check_vec_steps("A*X", "X", [line], "X: 3x2, A: 4x3").lines[0]
        assert verdict.kind == "zero" and verdict.message == (
            "this line is identically 0: its terms cancel for every dX, but vec dF is not 0")


@pytest.mark.parametrize("seed", range(6))
def test_zero_and_wrong_size_lines_over_random_shapes_never_raise(seed):
    rng = np.random.default_rng(seed)
    m = int(rng.integers(2, 5))
    n = m + int(rng.integers(1, 3))  # rectangular, so that tr(B*dX) and tr(dX*X) do not fit
    shapes = f"X: {m}x{n}, A: {m}x{m}, B: {n}x{n}, a: {m}"
    lines = ["tr(dX.T*A*X) - tr(X.T*A.T*dX)", "tr(X.T*dX) - tr(dX.T*X)", "tr(B*dX)",
             "tr(dX*X)", "a.T*dX", "X.T*A*dX", "tr(dX.T*A*X*B) - tr(B.T*X.T*A.T*dX)"]
    verdicts = [check_steps("tr(X.T*A*X*B)", "X", [line], shapes).lines[0] for line in lines]
    for verdict in verdicts:
        assert verdict.ok is False and verdict.kind in ("zero", "size"), str(verdict)
    for name in ("zero", "size"):
        assert any(v.kind == name for v in verdicts)


def test_the_widget_passes_on_neither_reproducer():
    checker = StepChecker("tr(X.T*X)", "X", "X: 3x3", lines="tr(dX) - tr(dX.T)")
    assert checker.report is not None and "identically 0" in checker.table.value
    checker = StepChecker("tr(X.T*X)", "X", "X: 4x2, B: 2x2", lines="tr(B*X.T*dX*B)")
    assert checker.report is not None and "Line 1 is the first wrong line" in checker.verdict.value

"""``check_steps``: every line read, compared with df and the line before, and judged.

>>> split_lines("= tr(dX)")
['tr(dX)']
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import sympy
from sympy.matrices.expressions import (
    Trace,
)

from ..curriculum import rule_label
from .diagnosis import _diagnose, size_cause
from .problem import _close, _df, _Problem, _problem, _scale, _value
from .reading import _read, _Unreadable
from .recognise import _how_to_read_off, _read_off, _rule_between
from .report import LineVerdict, StepReport, set_unfinished_verdict
from .terms import _latex, _terms, _text
from .typed_latex import typed_latex

_PREFIX = re.compile(r"^\s*(?:d\s*\w+\s*)?=\s*")


# ------------------------------------------------------------------ the public function

def split_lines(lines: str | list[str]) -> list[str]:
    """The non-empty lines, each without a leading ``df =`` or ``=``.

    >>> split_lines("df = tr(dX)\\n\\n  = tr(dX.T)")
    ['tr(dX)', 'tr(dX.T)']
    """
    raw = lines.splitlines() if isinstance(lines, str) else list(lines)
    return [_PREFIX.sub("", line).strip() for line in raw if line.strip()]


def check_steps(f: str, X: str, lines: str | list[str], shapes: str, seed: int = 0,
                symmetric: tuple[str, ...] | list[str] = ()) -> StepReport:
    """Check a hand derivation of df, one ``df = …`` right-hand side per line.

    ``f`` and each line are typed text (read by the whitelist parser, never evaluated as
    Python); ``dX`` is the differential of ``X``, with X's shape. ``symmetric`` names constant
    matrices known to be symmetric (then M^T may be written M). Raises :class:`MdlibError` if
    ``f`` itself cannot be read or its gradient cannot be verified; a line that cannot be read,
    whose sizes do not match or that is identically 0 gets its own verdict instead.

    >>> check_steps("tr(X.T*M*X)", "X", "2*tr(X.T*M*dX)", "X: 3x2, M: 3x3", symmetric=["M"]).ok
    True
    """
    key = (f, X, shapes, seed, tuple(symmetric))
    problem = _problem(*key)
    report = StepReport(f, X, verified_latex=problem.verified_latex)
    before = _Before(problem.differential)
    texts = split_lines(lines)
    for number, text in enumerate(texts, start=1):
        try:
            expr = _read(text, key)
        except _Unreadable as err:
            # a line whose sizes do not match is wrong; one that cannot be read has no verdict
            cause = size_cause(text, before.expr if before.expr is not None
                               else problem.differential, problem) if err.kind else None
            message = f"{err.message}; {cause.message}" if cause else err.message
            report.lines.append(LineVerdict(number, text, "", False if err.kind else None,
                                            message, column=err.column, kind=err.kind,
                                            repair=cause.repair if cause else None))
            report.first_wrong = report.first_wrong or number
            before = _Before(None, before.ok and not err.kind, text, err.kind or "unreadable")
            continue
        verdict = _judge(number, text, expr, before, problem)
        report.lines.append(verdict)
        if not verdict.ok:
            report.first_wrong = report.first_wrong or number
        before = _Before(expr, bool(verdict.ok), text)
    _conclude(report, problem, before.expr if texts else None)
    return report


@dataclass(frozen=True)
class _Before:
    """The line before, as the next line is judged against it (None: it could not be used)."""

    expr: sympy.Basic | None
    ok: bool = True
    text: str = ""
    kind: str = ""  # why it could not be used: "unreadable" or "size"


def _judge(number: int, text: str, expr: sympy.Basic, before: _Before,
           problem: _Problem) -> LineVerdict:
    """The verdict on one read line, against df (``number`` 1) or the line before."""
    try:
        latex = typed_latex(text)
    except (SyntaxError, ValueError):  # an accepted spelling this printer does not know
        latex = _latex(expr)
    df = _df(problem)
    value = _value(expr, problem)
    scale = _scale(expr, problem)
    ok = _close(value, df, scale) and _close(_value(expr, problem, 2.0), 2 * df, 2 * scale)
    if ok:
        if number == 1:
            rule = "; ".join(rule_label(r) for r in problem.engine_rules)
            if isinstance(expr, Trace) or any(isinstance(t, Trace) for t in _terms(expr)):
                rule = "; ".join(filter(None, [rule, rule_label("T1")]))
        elif before.expr is None:
            rule = ""
        else:
            rule = _rule_between(before.expr, expr, problem)
        message = "right" if before.ok else "right again (the line before was wrong)"
        if rule == "unchanged":  # the same once sympy multiplies out transposes and merges terms
            same = "".join(text.split()) == "".join(before.text.split())
            rule, message = "", "right (the same as the line before)" if same else message
        return LineVerdict(number, text, latex, True, message, rule)
    if before.expr is not None and not before.ok and _close(value, _value(before.expr, problem), scale):
        return LineVerdict(number, text, latex, False,
                           "it follows from the line before, but carries that line's mistake")
    if before.expr is None:  # judged against df itself, and said so
        why = ("the sizes in the line before do not match" if before.kind == "size"
               else "the line before could not be read")
        cause = _diagnose(problem.differential, expr, problem, text)
        return LineVerdict(number, text, latex, False,
                           f"it does not equal df ({why}): {cause.message}",
                           kind="zero" if cause.slip == "zero" else "", repair=cause.repair)
    cause = _diagnose(before.expr, expr, problem, text)
    return LineVerdict(number, text, latex, False, cause.message,
                       kind="zero" if cause.slip == "zero" else "", repair=cause.repair)


def _conclude(report: StepReport, problem: _Problem, last: sympy.Basic | None) -> None:
    name = problem.X.name
    if set_unfinished_verdict(
            report, f"Write the first line of df = … (with d{name}); each line is checked as you go."):
        return
    key = ("conclusion", last)
    if key not in problem.memo:
        problem.memo[key] = _conclusion(problem, last)
    report.gradient_latex, report.verdict = problem.memo[key]


def _conclusion(problem: _Problem, last: sympy.Basic | None) -> tuple[str, str]:
    """(the reader's gradient in LaTeX, the verdict) for a derivation whose lines are all right."""
    name = problem.X.name
    found = _read_off(last, problem) if last is not None else None
    if found is None:
        how = _how_to_read_off(last, problem) if last is not None else f"move d{name} to the end with T4"
        return "", (f"✔ Every line is right. To read off ∂f/∂{name}, bring the last line to "
                    f"the form tr(G^T d{name}) ({how}).")
    gradient, scalars = found
    from ..engine.numeric import evaluate

    values = problem.samples[0]
    G_reader = np.asarray(evaluate(gradient, values), dtype=float)
    G_true = np.asarray(evaluate(problem.gradient, values), dtype=float)
    if G_reader.shape == G_true.shape and _close(G_reader, G_true):
        rules = "L"
        if scalars:  # |X| tr(X^-1 dX): the number goes into the trace by T3, then L
            rules = (f"T3: {scalars} tr(M d{name}) = tr({scalars} M d{name}), "
                     "a number moves into the trace; then L")
        return _latex(gradient), (f"✔ Every line is right, and the last one gives ∂f/∂{name} = "
                                  f"{_text(gradient)} ({rules}), which equals the verified gradient "
                                  f"{_text(problem.gradient)}.")
    # cannot happen when every line equals df; kept so nothing unverified is claimed
    return _latex(gradient), (f"✘ The gradient read off the last line, {_text(gradient)}, is not "
                              "the verified one.")

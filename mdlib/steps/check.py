"""``check_steps``: every line read, compared with df and the line before, and judged.

>>> split_lines("= tr(dX)")
['tr(dX)']
"""

from __future__ import annotations

import re

import numpy as np
import sympy
from sympy.matrices.expressions import (
    Trace,
)

from ..curriculum import rule_label
from .diagnosis import _diagnose
from .problem import _close, _df, _Problem, _problem, _scale, _value
from .reading import _read, _Unreadable
from .recognise import _read_off, _rule_between
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
    ``f`` itself cannot be read or its gradient cannot be verified; a line that cannot be read
    gets its own verdict instead.

    >>> check_steps("tr(X.T*M*X)", "X", "2*tr(X.T*M*dX)", "X: 3x2, M: 3x3", symmetric=["M"]).ok
    True
    """
    key = (f, X, shapes, seed, tuple(symmetric))
    problem = _problem(*key)
    report = StepReport(f, X, verified_latex=problem.verified_latex)
    df = _df(problem)
    previous: sympy.Basic | None = problem.differential
    previous_ok, previous_text = True, ""
    texts = split_lines(lines)
    for number, text in enumerate(texts, start=1):
        try:
            expr = _read(text, key)
        except _Unreadable as err:
            report.lines.append(LineVerdict(number, text, "", None, err.message, column=err.column))
            report.first_wrong = report.first_wrong or number
            previous = None
            continue
        try:
            latex = typed_latex(text)
        except (SyntaxError, ValueError):  # an accepted spelling this printer does not know
            latex = _latex(expr)
        value = _value(expr, problem)
        scale = _scale(expr, problem)
        ok = _close(value, df, scale) and _close(_value(expr, problem, 2.0), 2 * df, 2 * scale)
        if ok:
            if number == 1:
                rule = "; ".join(rule_label(r) for r in problem.engine_rules)
                if isinstance(expr, Trace) or any(isinstance(t, Trace) for t in _terms(expr)):
                    rule = "; ".join(filter(None, [rule, rule_label("T1")]))
            elif previous is None:
                rule = ""
            else:
                rule = _rule_between(previous, expr, problem)
            message = "right" if previous_ok else "right again (the line before was wrong)"
            if rule == "unchanged":  # the same once sympy multiplies out transposes and merges terms
                same = "".join(text.split()) == "".join(previous_text.split())
                rule, message = "", "right (the same as the line before)" if same else message
            report.lines.append(LineVerdict(number, text, latex, True, message, rule))
        else:
            if previous is not None and not previous_ok and _close(value, _value(previous, problem), scale):
                message = "it follows from the line before, but carries that line's mistake"
            elif previous is None:
                message = "it does not equal df (the line before could not be read)"
            else:
                message = _diagnose(previous, expr, problem, text)
            report.lines.append(LineVerdict(number, text, latex, False, message))
            report.first_wrong = report.first_wrong or number
        previous, previous_ok, previous_text = expr, ok, text
    _conclude(report, problem, previous if texts else None)
    return report


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
    gradient = _read_off(last, problem) if last is not None else None
    if gradient is None:
        return "", (f"✔ Every line is right. To read off ∂f/∂{name}, bring the last line to "
                    f"the form tr(G^T d{name}) (move d{name} to the end with T4).")
    from ..engine.numeric import evaluate

    values = problem.samples[0]
    G_reader = np.asarray(evaluate(gradient, values), dtype=float)
    G_true = np.asarray(evaluate(problem.gradient, values), dtype=float)
    if G_reader.shape == G_true.shape and _close(G_reader, G_true):
        return _latex(gradient), (f"✔ Every line is right, and the last one gives ∂f/∂{name} = "
                                  f"{_text(gradient)} (L), which equals the verified gradient "
                                  f"{_text(problem.gradient)}.")
    # cannot happen when every line equals df; kept so nothing unverified is claimed
    return _latex(gradient), (f"✘ The gradient read off the last line, {_text(gradient)}, is not "
                              "the verified one.")

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

from mdlib.widgets import StepChecker

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
S, S1 = "sigmoid(W*X)", "sigmoid(W1*x)"
P = "exp(W2*sigmoid(W1*x))/sum(exp(W2*sigmoid(W1*x)))"

#: A correct derivation of df for every f a chapter offers to check, one step per line.
CORRECT = {
    "a.T*X*b": ["a.T*dX*b", "tr(b*a.T*dX)"],
    "a.T*exp(X*b)": ["a.T*had(exp(X*b), dX*b)", "had(a, exp(X*b)).T*dX*b",
                     "tr(b*had(a, exp(X*b)).T*dX)"],
    "tr(X.T*A*X)": ["tr(dX.T*A*X) + tr(X.T*A*dX)", "tr(X.T*A.T*dX) + tr(X.T*A*dX)",
                    "tr(X.T*(A.T + A)*dX)"],
    "logdet(X)": ["tr(inv(X)*dX)"],
    "tr(A*inv(X))": ["tr(A*(-inv(X)*dX*inv(X)))", "-tr(inv(X)*A*inv(X)*dX)"],
    "tr(G.T*A*X*B)": ["tr(G.T*A*dX*B)", "tr(B*G.T*A*dX)"],
    "tr(G.T*sigmoid(W*X))": [f"tr(G.T*had({S} - had({S}, {S}), W*dX))",
                             f"tr(had(G, {S} - had({S}, {S})).T*W*dX)"],
    "tr(sigmoid(W*X).T*M*sigmoid(W*X))": [
        f"tr(dX.T*W.T*had({S} - had({S}, {S}), M*{S})) + tr({S}.T*M*had({S} - had({S}, {S}), W*dX))",
        f"2*tr({S}.T*M*had({S} - had({S}, {S}), W*dX))",
        f"2*tr(had(M*{S}, {S} - had({S}, {S})).T*W*dX)"],
    "(X*w - y).T*(X*w - y)": ["(X*dw).T*(X*w - y) + (X*w - y).T*X*dw", "2*(X*w - y).T*X*dw"],
    "logdet(Sigma) + tr(inv(Sigma)*S)": [
        "tr(inv(Sigma)*dSigma) - tr(inv(Sigma)*dSigma*inv(Sigma)*S)",
        "tr((inv(Sigma) - inv(Sigma)*S*inv(Sigma))*dSigma)"],
    "-tr(y.T*W*x) + log(sum(exp(W*x)))": [
        "-y.T*dW*x + exp(W*x).T*(dW*x)/sum(exp(W*x))",
        "tr(x*(exp(W*x)/sum(exp(W*x)) - y).T*dW)"],
    "-tr(y.T*W2*sigmoid(W1*x)) + log(sum(exp(W2*sigmoid(W1*x))))": [
        f"({P} - y).T*W2*had({S1} - had({S1}, {S1}), dW1*x)",
        f"tr(x*had(W2.T*({P} - y), {S1} - had({S1}, {S1})).T*dW1)"],
}


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

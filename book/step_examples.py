"""The step checkers of the book, shown with a worked example typed in instead of an empty form.

A chapter displays ``StepChecker(f, X, shapes)`` empty, for the reader to type into. A static
page cannot be typed into, so the book shows the same checker with a correct derivation
(written as the chapter's solution writes it) and the verdict mdlib gives it, checked when the
book is built. The checker's arguments are read from the cell as literals (never run).

>>> call = checker_call('display(StepChecker("logdet(X)", "X", "X: 3x3").widget)')
>>> call
(('logdet(X)', 'X', 'X: 3x3'), {})
>>> "tr(inv(X)*dX)" in worked_checker_html(*call)
True
"""

from __future__ import annotations

import ast

from book.widget_static import StaticWidget

S, S1 = "sigmoid(W*X)", "sigmoid(W1*x)"
P = "exp(W2*sigmoid(W1*x))/sum(exp(W2*sigmoid(W1*x)))"

#: A correct derivation of df for each f a chapter offers to check, one step per line.
WORKED = {
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


def checker_call(source: str) -> tuple[tuple, dict] | None:
    """The literal arguments of ``display(StepChecker(...).widget)`` in a cell, or None."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id == "StepChecker"):
            try:
                args = tuple(ast.literal_eval(arg) for arg in node.args)
                kwargs = {kw.arg: ast.literal_eval(kw.value) for kw in node.keywords if kw.arg}
            except ValueError:
                return None
            return args, kwargs
    return None


def worked_checker_html(args: tuple, kwargs: dict) -> str | None:
    """Static HTML of the checker with its worked example typed in; None if there is none.

    Raises ``ValueError`` if mdlib does not accept the worked example: the book must not show
    a derivation the checker calls wrong.
    """
    lines = WORKED.get(args[0]) if args and not kwargs.get("lines") and len(args) < 4 else None
    if lines is None:
        return None
    from ipywidgets.embed import dependency_state

    from mdlib.widgets import StepChecker

    checker = StepChecker(*args, **{**kwargs, "lines": "\n".join(lines)})
    if not (checker.report and checker.report.ok):
        raise ValueError(f"the book's worked example for the step checker of {args[0]} is not "
                         f"accepted: {checker.report and checker.report.verdict}")
    state = dependency_state(checker.widget, drop_defaults=False)
    return StaticWidget(state).render(checker.widget.model_id)

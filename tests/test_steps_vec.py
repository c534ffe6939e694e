"""Hand derivations in vec form, d vec(F) = …, checked line by line (issue 12, item 3).

Correct derivations of the course's Jacobians pass and read off the verified ∂F/∂X; mutants
(Kronecker factors swapped, a transpose dropped, the commutation matrix dropped or with its sizes
swapped, a sign, a factor) are flagged at the line where the slip is made, with that cause.
The checker's own numbers are checked against finite differences of F here, so a verdict
cannot rest on the engine alone.
"""

import numpy as np
import pytest

from mdlib import MdlibError, check_vec_steps
from mdlib.engine.numeric import evaluate
from mdlib.parse import parse_expression
from mdlib.steps.vec import _vec_problem
from mdlib.widgets import StepChecker


def _value(expr, values: dict) -> np.ndarray:
    """The engine's numpy value of a line (vec, ⊗, K are rows of its table), as an array."""
    return np.asarray(evaluate(expr, values), dtype=float)

# (F, shapes, correct lines): HE1 F = AX, F = AXB, F = Xᵀ (K), F = X⁻¹, F = A ⊙ X (diagvec)
CASES = {
    "AX": ("A*X", "X: 3x2, A: 4x3", ["vec(A*dX)", "vec(A*dX*eye(2))", "kron(eye(2), A)*vec(dX)"]),
    "AXB": ("A*X*B", "X: 3x2, A: 4x3, B: 2x3", ["vec(A*dX*B)", "kron(B.T, A)*vec(dX)"]),
    "XT": ("X.T", "X: 3x2", ["vec(dX.T)", "K(3, 2)*vec(dX)"]),
    "inv": ("inv(X)", "X: 3x3", ["vec(-inv(X)*dX*inv(X))", "-vec(inv(X)*dX*inv(X))",
                                  "-kron(inv(X).T, inv(X))*vec(dX)"]),
    "had": ("had(A, X)", "X: 3x2, A: 3x2", ["vec(had(A, dX))", "diagvec(A)*vec(dX)"]),
}


def _numeric_jacobian_T(F: str, shapes: str, values: dict) -> np.ndarray:
    """(∂F/∂X)ᵀ = ∂vec F/∂(vec X)ᵀ by central differences, column by column."""
    expr, _ = parse_expression(F, shapes)
    X0 = values["X"]
    cols = []
    for k in range(X0.size):
        E = np.zeros(X0.size)
        E[k] = 1e-6
        E = E.reshape(X0.shape, order="F")
        up = _value(expr, {**values, "X": X0 + E}).reshape(-1, order="F")
        down = _value(expr, {**values, "X": X0 - E}).reshape(-1, order="F")
        cols.append((up - down) / 2e-6)
    return np.stack(cols, axis=1)


@pytest.mark.parametrize("case", CASES)
def test_a_correct_derivation_passes_and_reads_off_the_verified_jacobian(case):
    F, shapes, lines = CASES[case]
    report = check_vec_steps(F, "X", lines, shapes)
    assert report.ok and report.first_wrong is None, str(report)
    assert "Every line is right" in report.verdict and "(∂F/∂X)ᵀ vec dX" in report.verdict
    # the last line's matrix, evaluated here, is the finite-difference Jacobian of vec F
    problem = _vec_problem(F, "X", shapes, 0, ())
    values = problem.samples[0]
    last, _ = parse_expression(lines[-1], problem.line_shapes)
    # vec dF at these values, from the reader's last line, against finite differences of F
    reader = _value(last, values).ravel()
    fd = _numeric_jacobian_T(F, shapes, values) @ values["dX"].reshape(-1, order="F")
    assert np.allclose(reader, fd, rtol=1e-5, atol=1e-6)


# (case, lines, first wrong line, words of the cause)
MUTANTS = [
    ("AX", ["vec(A*dX)", "kron(A, eye(2))*vec(dX)"], 2, "factors are swapped"),
    ("AXB", ["vec(A*dX*B)", "kron(A, B.T)*vec(dX)"], 2, "factors are swapped"),
    ("AXB", ["vec(A*dX*B)", "kron(B, A)*vec(dX)"], 2, "transpose is missing"),
    ("AXB", ["vec(A*dX*B)", "-kron(B.T, A)*vec(dX)"], 2, "sign"),
    ("AXB", ["vec(A*dX*B)", "2*kron(B.T, A)*vec(dX)"], 2, "factor"),
    ("AXB", ["2*vec(A*dX*B)", "kron(B.T, A)*vec(dX)"], 1, "factor"),
    ("had", ["vec(had(X, dX))", "diagvec(X)*vec(dX)"], 1, "no single slip explains it"),
    ("XT", ["vec(dX.T)", "vec(dX)"], 2, "commutation matrix is missing"),
    ("XT", ["vec(dX.T)", "K(2, 3)*vec(dX)"], 2, "sizes swapped"),
    ("XT", ["vec(dX)"], 1, "commutation matrix is missing"),
    ("inv", ["vec(-inv(X)*dX*inv(X))", "-kron(inv(X), inv(X))*vec(dX)"], 2, "transpose is missing"),
    ("inv", ["vec(-inv(X)*dX*inv(X))", "kron(inv(X).T, inv(X))*vec(dX)"], 2, "sign"),
    ("inv", ["vec(inv(X)*dX*inv(X))", "kron(inv(X).T, inv(X))*vec(dX)"], 1, "sign"),
    ("inv", ["vec(-inv(X)*dX*inv(X))", "-kron(inv(X), inv(X).T)*vec(dX)"], 2, "factors are swapped"),
    ("AX", ["vec(dX.T*A.T)"], 1, "commutation matrix K(2, 4) is missing in front"),
    ("AX", ["vec(A*dX)", "1e300*vec(A*dX)*1e300"], 2, "not a finite number"),
    ("had", ["vec(had(A, dX))", "2*diagvec(A)*vec(dX)"], 2, "factor"),
    ("had", ["vec(had(A, dX))", "diagvec(A)*K(3, 2)*vec(dX)"], 2, "extra commutation matrix"),
]


@pytest.mark.parametrize("case, lines, wrong, words", MUTANTS)
def test_a_mutant_is_flagged_at_its_line_with_its_cause(case, lines, wrong, words):
    F, shapes, _ = CASES[case]
    report = check_vec_steps(F, "X", lines, shapes)
    assert not report.ok and report.first_wrong == wrong, str(report)
    line = report.lines[wrong - 1]
    assert line.ok is False and words in line.message, str(report)
    assert all(v.ok for v in report.lines[:wrong - 1])
    assert f"Line {wrong} is the first wrong line" in report.verdict
    # and the line is wrong indeed: against finite differences of F, where its shapes fit
    problem = _vec_problem(F, "X", shapes, 0, ())
    try:
        bad, _ = parse_expression(lines[wrong - 1], problem.line_shapes)
    except MdlibError:
        return  # B ⊗ A for Bᵀ ⊗ A with B not square: not even the shapes fit
    values = problem.samples[0]
    fd = _numeric_jacobian_T(F, shapes, values) @ values["dX"].reshape(-1, order="F")
    assert not np.allclose(_value(bad, values).ravel(), fd, rtol=1e-3, atol=1e-6)


def test_a_wrong_line_is_judged_against_the_line_before_and_the_mistake_is_carried():
    F, shapes, _ = CASES["AXB"]
    report = check_vec_steps(F, "X", ["vec(A*dX*B)", "kron(A, B.T)*vec(dX)",
                                       "kron(A, eye(3))*kron(eye(3), B.T)*vec(dX)",
                                       "kron(B.T, A)*vec(dX)"], shapes)
    assert [v.ok for v in report.lines] == [True, False, False, True]
    assert "carries that line's mistake" in report.lines[2].message
    assert report.lines[3].message.startswith("right again")


def test_a_line_not_linear_in_dX_and_a_line_of_the_wrong_shape():
    F, shapes, _ = CASES["AX"]
    report = check_vec_steps(F, "X", ["vec(A*dX) + vec(A*X)"], shapes)
    assert "not linear" in report.lines[0].message
    report = check_vec_steps(F, "X", ["A*dX", "vec(A*X)"], shapes)
    assert report.lines[0].ok is False and report.lines[0].kind == "size"
    assert report.lines[0].message.startswith("the sizes do not match: this line is 4×2, but "
                                              "d vec(F) is 8×1")
    assert report.lines[1].ok is None and "does not contain dX" in report.lines[1].message


def test_a_last_line_not_of_the_form_M_vec_dX_asks_for_it():
    F, shapes, lines = CASES["AXB"]
    report = check_vec_steps(F, "X", lines[:1], shapes)
    assert report.ok and "bring the last line to the form M*vec(dX)" in report.verdict


def test_the_report_says_its_verdicts_in_words_and_names_the_layout():
    F, shapes, lines = CASES["AXB"]
    report = check_vec_steps(F, "X", lines, shapes)
    html = report.html()
    assert "d vec(F) =" in html and "right" in html and "aria-live" in html
    assert "layout vec dF = (∂F/∂X)ᵀ vec dX" in report.verdict and "chapter 2" in report.verdict
    assert "d\\,\\mathrm{vec}(F) =" in report._repr_markdown_()
    wrong = check_vec_steps(F, "X", ["vec(A*dX*B)", "kron(A, B.T)*vec(dX)"], shapes)
    assert "wrong" in wrong.html() and "✘ line 2" in str(wrong)


def test_bad_problems_get_a_sentence():
    with pytest.raises(MdlibError, match="is a number"):
        check_vec_steps("tr(X)", "X", "vec(dX)", "X: 2x2")
    with pytest.raises(MdlibError, match="not among"):
        check_vec_steps("A*X", "Y", "vec(dX)", "X: 2x2, A: 2x2")


def test_the_widget_checks_vec_lines():
    F, shapes, lines = CASES["XT"]
    checker = StepChecker(F, "X", shapes, "\n".join(lines), vec=True)
    assert checker.report.ok and checker.textarea.description == "d vec(F) ="
    checker.set_lines("vec(dX.T)\nvec(dX)")
    assert checker.report.first_wrong == 2 and "Line 2 is the first wrong line" in checker.verdict.value

"""Derivations render as aligned LaTeX (notebook) and aligned plain text (terminal)."""

import re

import sympy

from mdlib.curriculum import RULES, rule_label
from mdlib.render import Derivation, Step


def make() -> Derivation:
    X = sympy.MatrixSymbol("X", 3, 3)
    return Derivation(
        [
            Step("f", sympy.Trace(X.T * X), "given"),
            Step("df", r"\mathrm{tr}(dX^T X + X^T dX)", "M2", text="tr(dX^T X + X^T dX)"),
            Step("", r"2\,\mathrm{tr}(X^T dX)", "T2", text="2 tr(X^T dX)"),
            Step(r"\frac{\partial f}{\partial X}", "2X", "L", lhs_text="∂f/∂X", text="2 X"),
        ],
        title="f = tr(X^T X)",
    )


def test_latex_is_one_aligned_block_with_every_rule_named():
    latex = make().to_latex()
    assert latex.startswith(r"\begin{aligned}") and latex.endswith(r"\end{aligned}")
    assert latex.count(r"\\") == 3  # four lines
    assert latex.count("&=") == 4
    for rule in ("M2", "T2", "L"):
        assert rule_label(rule) in latex
    assert make()._repr_latex_() == f"$${latex}$$"


def test_sympy_expressions_are_rendered_by_sympy():
    latex = make().to_latex()
    assert r"\operatorname{tr}" in latex or r"\mathrm{tr}" in latex
    assert "X^{T}" in latex


def test_plain_text_aligns_equals_signs_and_names_rules():
    lines = str(make()).splitlines()
    assert lines[0] == "f = tr(X^T X)"
    body = lines[1:]
    columns = {line.index("=") for line in body}
    assert len(columns) == 1, "every '=' stands in the same column"
    assert body[1].rstrip().endswith("[M2: product]")
    assert body[3].startswith("∂f/∂X")
    assert "[L: gradient link]" in body[3]


def test_add_chains_and_escapes_text_in_justifications():
    d = Derivation().add("y", "x^2", "given").add("dy", "2x\\,dx", "my_rule")
    assert len(d.steps) == 2
    assert r"my\_rule" in d.to_latex()  # an underscore would otherwise break MathJax


def test_every_curriculum_id_has_a_rule_and_label():
    ids = {"M1", "M2", "M3", "M4", "M5", "M6", "M7", "M8", "L", "T1", "T2", "T3", "T4", "T5", "P", "C1", "C2"}
    assert ids <= set(RULES)
    for rule_id in ids:
        assert re.fullmatch(rf"{rule_id}: .+", rule_label(rule_id))
    assert rule_label("not a rule") == "not a rule"

"""The derivation engine: E1–E6 and Matrix Cookbook identities, verified three ways.

For every case the engine's gradient must (1) pass its own verification, (2) match central
differences computed here independently, and (3) match the known closed form; every step must
name a rule. Wrong variants must be rejected and unsupported input must say what is wrong.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
import sympy

import mdlib
from mdlib import MdlibError
from mdlib.engine import MatrixDerivation, chain, derive, sigmoid
from mdlib.engine.catalog import CASES
from mdlib.engine.numeric import scalar_value
from mdlib.engine.printing import to_text
from mdlib.engine.verify import random_data, verify

IDS = [c.name for c in CASES]


def _rule_ids(d: MatrixDerivation) -> set[str]:
    return {r for step in d.steps for r in re.findall(r"\b(?:[MTC]\d|L)\b", step.rule)}


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_case_matches_finite_differences_and_known_form(case):
    d = derive(case.f, case.X, symmetric=case.symmetric, given=case.given)
    assert d.verification.passed and d.verification.relative_error < 1e-5
    data = random_data(d.canonical_f, seed=3, symmetric=case.symmetric)
    name = str(case.X.name)

    def f_num(Xv):
        return scalar_value(d.canonical_f, {**data.values, name: Xv}, data.dims)

    G = d.gradient_function()(**data.values)
    assert G.shape == data.values[name].shape
    assert mdlib.check_gradient(f_num, data.values[name], G)  # independent FD check
    known = case.known(data.values)
    assert np.allclose(G, known, rtol=1e-8, atol=1e-10), (case.name, G, known)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_steps_name_rules_in_order(case):
    d = derive(case.f, case.X, symmetric=case.symmetric, given=case.given, verify=False)
    assert all(step.rule for step in d.steps)
    ids = _rule_ids(d)
    assert ids & {f"M{k}" for k in range(1, 9)}, "the differential must cite an M rule"
    assert d.steps[-1].rule == "L" and d.steps[0].rule == "given"
    rules = [s.rule.split(":")[0] for s in d.steps]
    first_t = min((i for i, r in enumerate(rules) if r.startswith("T")), default=len(rules) - 1)
    assert all(not r.startswith("T") for r in rules[:first_t])
    assert all(not r.startswith("M") for r in rules[first_t:])  # M rules, then T tricks, then L


def test_e1_steps_and_rendering():
    X, a, b = sympy.MatrixSymbol("X", 3, 3), sympy.MatrixSymbol("a", 3, 1), sympy.MatrixSymbol("b", 3, 1)
    d = derive(a.T * X * b, X)
    assert d.gradient == a * b.T
    text = str(d)
    assert "a b^T" in text and "[M2: product]" in text and "T4: cyclic trace" in text
    latex = d._repr_latex_()
    assert latex.startswith("$$\\begin{aligned}") and "M2: product" in latex and "T4" in latex
    assert "&=" in latex and r"\frac{\partial f}{\partial X}" in latex
    assert to_text(d.dX) == "dX" and d.dX.shape == X.shape
    assert "dX" in str(d.trace_form) and d.differential.has(d.dX)


def test_e2_reads_like_the_textbook():
    X, a, b = sympy.MatrixSymbol("X", 3, 3), sympy.MatrixSymbol("a", 3, 1), sympy.MatrixSymbol("b", 3, 1)
    d = derive(a.T * (X * b).applyfunc(sympy.exp), X)
    assert d.steps[-1].plain()[1] == "(a ⊙ exp(X b)) b^T"
    assert {"M8", "T5"} <= _rule_ids(d)


def test_log_det_and_symmetric_simplification():
    S = sympy.MatrixSymbol("Sigma", 3, 3)
    d = derive(sympy.log(sympy.Determinant(S)), S)
    assert d.steps[-1].plain()[1] == "Sigma^-T"
    sym = derive(sympy.log(sympy.Determinant(S)), S, symmetric=["Sigma"])
    assert sym.steps[-1].plain()[1] == "Sigma^-1"


def test_symbolic_shapes_use_shapes_and_defaults():
    n, m = sympy.Symbol("n"), sympy.Symbol("m")
    X, A = sympy.MatrixSymbol("X", n, m), sympy.MatrixSymbol("A", m, n)
    d = derive(sympy.Trace(A * X), X, shapes={"X": (2, 5)})
    assert d.verification.shapes["X"] == (2, 5) and d.verification.shapes["A"] == (5, 2)
    d2 = derive(sympy.Trace(A * X), X)
    assert d2.verification.shapes["X"] == (3, 3)
    assert d2.check(seed=5).passed


def test_wrong_gradients_are_rejected_by_the_verifier():
    X, A = sympy.MatrixSymbol("X", 3, 3), sympy.MatrixSymbol("A", 3, 3)
    d = derive(sympy.Trace(A * X), X)
    for wrong in (A, -A.T, 2 * A.T):  # missing transpose, sign, factor
        assert not verify(d.canonical_f, X, d.dX, d.differential, wrong)
    e = derive(sympy.log(sympy.Determinant(X)), X)
    assert not verify(e.canonical_f, X, e.dX, e.differential, X.I)  # X^{-1} instead of X^{-T}
    # a wrong differential fails the remainder-order test even with the right gradient
    bad_df = sympy.Trace(A.T * e.dX)
    assert not verify(d.canonical_f, X, d.dX, bad_df, A.T)


@pytest.mark.parametrize("make, words", [
    (lambda X: X.applyfunc(sympy.Abs)[0, 0] if False else sympy.Trace(X.applyfunc(sympy.Abs)),
     "unsupported operation: Abs(X)"),
    (lambda X: 2 * X, "must be scalar-valued"),
    (lambda X: sympy.Trace(X[0, 0] * X), "unsupported operation"),
])
def test_unsupported_input_names_the_part(make, words):
    X = sympy.MatrixSymbol("X", 3, 3)
    with pytest.raises(MdlibError, match=words.replace("(", r"\(").replace(")", r"\)")):
        derive(make(X), X)


def test_x_must_be_a_matrix_symbol():
    X = sympy.MatrixSymbol("X", 3, 3)
    with pytest.raises(MdlibError, match="MatrixSymbol"):
        derive(sympy.Trace(X), sympy.Symbol("x"))


def test_failed_verification_raises(monkeypatch):
    import mdlib.engine.pipeline as pipeline_module

    X, A = sympy.MatrixSymbol("X", 3, 3), sympy.MatrixSymbol("A", 3, 3)
    real = pipeline_module.gradient_from
    monkeypatch.setattr(pipeline_module, "gradient_from", lambda lefts, sym: real(lefts, sym).T)
    with pytest.raises(MdlibError, match="could not verify"):
        derive(sympy.Trace(A * X), X)


def test_chain_c2_and_sigmoid_layer():
    A, X, B = sympy.MatrixSymbol("A", 2, 3), sympy.MatrixSymbol("X", 3, 4), sympy.MatrixSymbol("B", 4, 2)
    Y, G = sympy.MatrixSymbol("Y", 2, 2), sympy.MatrixSymbol("G", 2, 2)
    d = chain(G, Y, A * X * B, X)
    assert d.gradient == A.T * G * B.T
    assert d.verification.passed and "C2" in _rule_ids(d)
    W, X3, M, Y3 = (sympy.MatrixSymbol(n, 3, 3) for n in ("W", "X", "M", "Y"))
    e = chain(2 * M * Y3, Y3, sigmoid(W * X3), W, f=sympy.Trace(Y3.T * M * Y3), symmetric=["M"])
    assert e.verification.passed and {"M8", "T5", "C1"} <= _rule_ids(e)
    direct = derive(sympy.Trace(sigmoid(W * X3).T * M * sigmoid(W * X3)), W, symmetric=["M"])
    data = random_data(direct.canonical_f, seed=2, symmetric=["M"])
    assert np.allclose(e.gradient_function()(**data.values), direct.gradient_function()(**data.values))


def test_chain_rejects_a_wrong_grad_y():
    W, X3, M, Y3 = (sympy.MatrixSymbol(n, 3, 3) for n in ("W", "X", "M", "Y"))
    with pytest.raises(MdlibError, match="could not verify"):
        chain(M * Y3, Y3, sigmoid(W * X3), W, f=sympy.Trace(Y3.T * M * Y3), symmetric=["M"])


def test_rule_ids_exist_in_the_curriculum():
    from mdlib.curriculum import RULES

    X, A = sympy.MatrixSymbol("X", 3, 3), sympy.MatrixSymbol("A", 3, 3)
    d = derive(sympy.log(sympy.Determinant(X)) + sympy.Trace(A * X.I * X.T), X)
    assert _rule_ids(d) - {"L"} <= set(RULES) and {"M5", "M6", "M3"} <= _rule_ids(d)

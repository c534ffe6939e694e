"""The shared pipeline: public stages, rule uses as values, no state left behind by a call."""

from __future__ import annotations

import numpy as np
import pytest
import sympy
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

from mdlib import MdlibError
from mdlib.curriculum import RuleUse, cite
from mdlib.engine import MatrixDerivation, derive, expand_differential, sigmoid
from mdlib.engine.nodes import Sigmoid
from mdlib.engine.numeric import evaluate
from mdlib.engine.ops import derivative_lambda
from mdlib.engine.pipeline import Lhs
from mdlib.engine.printing import to_text

X, A = sympy.MatrixSymbol("X", 3, 3), sympy.MatrixSymbol("A", 3, 3)


def test_matrix_valued_differential_is_public_and_right():
    d = expand_differential(A * X.I * X.T, X, lhs=Lhs(r"\mathrm{d}F", "dF"))
    steps = [line.step().plain() for line in d.lines]
    assert steps[0][0] == "dF" and [s[2] for s in steps] == ["M2: product", "M3: transpose; M5: inverse"]
    rng = np.random.default_rng(0)
    values = {"X": 3 * np.eye(3) + rng.standard_normal((3, 3)), "A": rng.standard_normal((3, 3))}
    V, h = rng.standard_normal((3, 3)), 1e-6
    F = A * X.I * X.T
    central = (evaluate(F, {**values, "X": values["X"] + h * V})
               - evaluate(F, {**values, "X": values["X"] - h * V})) / (2 * h)
    assert np.allclose(evaluate(d.value, {**values, str(d.dX.name): V}), central, atol=1e-7)
    with pytest.raises(MdlibError, match="unsupported operation"):
        expand_differential(X.applyfunc(sympy.Abs), X)


def test_rule_uses_are_values_cited_in_course_order():
    uses = {RuleUse("T4"), RuleUse("M2"), RuleUse("T2"), RuleUse("M1")}
    assert cite(uses) == "M1: sum; M2: product; T2: trace of transpose; T4: cyclic trace"
    # a plain use of a rule hides its special form in the same line
    assert cite({RuleUse("M6"), RuleUse("M6", "determinant, as d log|det F| = tr(F^-1 dF)")}) == \
        "M6: determinant"


def test_derivative_names_need_no_earlier_derivation():
    t = sympy.Symbol("t")
    W = sympy.MatrixSymbol("W", 2, 2)
    prime = ElementwiseApplyFunction(derivative_lambda(sympy.Lambda(t, Sigmoid(t))), W)
    assert to_text(prime) == "σ'(W)"  # worked out from the function, not from a registry


def test_derivations_leave_no_state_behind():
    f = sympy.Trace(sigmoid(X).T * A)
    first = str(derive(f, X, verify=False))
    derive(sympy.log(sympy.Determinant(X)), X, verify=False,
           given=(r"\ell", "ℓ", "a name for it"))
    assert str(derive(f, X, verify=False)) == first


def test_matrix_derivation_takes_keywords_only():
    with pytest.raises(TypeError):
        MatrixDerivation(sympy.Trace(X), X)  # type: ignore[misc]


def test_a_step_is_shown_when_the_expression_changes():
    # tr(X^T dX): dX already last, nothing to move; tr(dX^T X) needs T2 and is shown.
    lines = [s.plain() for s in derive(sympy.Trace(X.T * X), X, verify=False).steps]
    assert ("tr((dX)^T X)", "tr(X^T dX)", "T2: trace of transpose") in lines
    assert not any(lhs == "tr(X^T dX)" for lhs, _, _ in lines)


@pytest.mark.parametrize(("f", "rules"), [
    (sympy.Trace(X.T * A), "T2: trace of transpose"),            # tr(dX^T A) = tr(A^T dX)
    (sympy.Trace(A * X.T), "T2: trace of transpose; T4: cyclic trace"),  # tr(A dX^T)
])
def test_t2_and_t4_are_cited_exactly(f, rules):
    assert derive(f, X, verify=False).steps[-2].rule == rules

"""jacobian and hessian: the article's five examples HE1–HE5 and 24 further identities.

Three oracles: the engine's own directional verification, a full finite-difference Jacobian
computed here (entry by entry, independent of the engine), and closed forms from the Matrix
Cookbook / MIT 18.S096 notes where one is stated.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

import mdlib
from mdlib import MdlibError, hessian, jacobian
from mdlib.engine.nodes import sigmoid
from mdlib.engine.numeric import evaluate
from mdlib.engine.printing import to_text
from mdlib.engine.second_order import verify_hessian, verify_jacobian
from mdlib.engine.vectorize import CommutationMatrix, DiagVec
from mdlib.gradcheck import numerical_jacobian
from mdlib.stable import sigmoid as np_sigmoid
from mdlib.stable import softmax
from mdlib.vec import commutation_matrix, unvec, vec

M = sp.MatrixSymbol


def fd_derivative(F_expr, X, values):
    """∂F/∂X in the article's layout (mn×pq) by central differences, entry by entry."""
    m, n = (int(d) for d in X.shape)
    name = str(X.name)

    def vecF(v):
        out = np.asarray(evaluate(F_expr, {**values, name: unvec(v, m, n)}), dtype=float)
        return vec(np.atleast_2d(out)).ravel()

    return numerical_jacobian(vecF, vec(values[name]).ravel()).T


def assert_matches_fd(result, F_expr):
    values = result.verification.details["values"]
    claimed = result.numeric(**values)
    reference = fd_derivative(F_expr, result.X, values)
    assert claimed.shape == reference.shape == result.shape
    assert np.allclose(claimed, reference, rtol=1e-5, atol=1e-6), np.abs(claimed - reference).max()
    return values, claimed


def gradient_expr(result):
    return result.gradient


# -- HE1–HE5 ------------------------------------------------------------------------------------
def test_HE1_AX_and_its_vector_case():
    A, X = M("A", 2, 3), M("X", 3, 4)
    J = jacobian(A * X, X)
    assert J.text == "I_4 ⊗ A^T"
    assert J.shape == (12, 8)
    values, claimed = assert_matches_fd(J, A * X)
    assert np.allclose(claimed, np.kron(np.eye(4), values["A"].T))
    x = M("x", 3, 1)
    Jx = jacobian(A * x, x)
    assert Jx.text == "A^T"  # the transpose of chapter 2's Jacobian A
    assert "transpose of the Jacobian" in str(Jx)


def test_HE2_log_det_hessian_in_the_article_form():
    X = M("X", 3, 3)
    H = hessian(sp.log(sp.Determinant(X)), X)
    assert to_text(H.gradient_derivation.gradient) == "X^-T"
    assert H.text == "-K_3,3 (X^-T ⊗ X^-1)"
    values, claimed = assert_matches_fd(H, H.gradient)
    Xi = np.linalg.inv(values["X"])
    assert np.allclose(claimed, -commutation_matrix(3, 3) @ np.kron(Xi.T, Xi))
    assert np.allclose(claimed, claimed.T)


def test_HE3_A_exp_XB_in_the_article_form():
    A, X, B = M("A", 2, 3), M("X", 3, 4), M("B", 4, 2)
    F = A * (X * B).applyfunc(sp.exp)
    J = jacobian(F, X)
    assert J.text == "(B ⊗ I_3) diag(vec(exp(X B))) (I_2 ⊗ A^T)"
    values, claimed = assert_matches_fd(J, F)
    E = np.exp(values["X"] @ values["B"])
    closed = np.kron(values["B"], np.eye(3)) @ np.diag(vec(E).ravel()) @ np.kron(np.eye(2), values["A"].T)
    assert np.allclose(claimed, closed)


def _logistic(N=6, d=3):
    X, w, y = M("X", N, d), M("w", d, 1), M("y", N, 1)
    one = sp.OneMatrix(N, 1)
    s = sigmoid(X * w)
    loss = -y.T * s.applyfunc(sp.log) - (one - y).T * (one - s).applyfunc(sp.log)
    return X, w, y, s, loss


def test_HE4_logistic_regression_hessian():
    X, w, y, s, loss = _logistic()
    H = hessian(loss, w, gradient=X.T * (s - y))
    assert H.text == "X^T diag(σ'(X w)) X"
    values, claimed = assert_matches_fd(H, X.T * (s - y))
    z = values["X"] @ values["w"]
    sp_ = (np_sigmoid(z) * (1 - np_sigmoid(z))).ravel()
    assert np.allclose(claimed, values["X"].T @ np.diag(sp_) @ values["X"])
    # without the simplified gradient the engine's own form is longer, and equal
    H_raw = hessian(loss, w)
    assert np.allclose(H_raw.numeric(**values), claimed)


def test_HE4_a_wrong_gradient_form_is_refused():
    X, w, y, s, loss = _logistic()
    with pytest.raises(MdlibError, match="differs from the engine"):
        hessian(loss, w, gradient=X.T * (y - s))


def test_HE5_softmax_regression_hessian_equals_the_article_form():
    K, d = 4, 3
    W, x, y = M("W", K, d), M("x", d, 1), M("y", K, 1)
    loss = -sp.Trace(y.T * W * x) + sp.log(sp.OneMatrix(1, K) * (W * x).applyfunc(sp.exp))
    H = hessian(loss, W)
    # the article's form, with p = exp(Wx) / 1ᵀexp(Wx) written out
    assert H.text == ("(x x^T) ⊗ (diag(exp(W x)) / (1^T exp(W x)) - exp(W x) exp(W x)^T / "
                      "(1^T exp(W x))^2)")
    values, claimed = assert_matches_fd(H, H.gradient)
    p = softmax(values["W"] @ values["x"].ravel())
    xv = values["x"]
    assert np.allclose(claimed, np.kron(xv @ xv.T, np.diag(p) - np.outer(p, p)))


# -- further identities (Matrix Cookbook, MIT 18.S096) --------------------------------------------
X3, A3, B3 = M("X", 3, 3), M("A", 3, 3), M("B", 3, 3)
Xr = M("X", 3, 2)
a3, b3 = M("a", 3, 1), M("b", 3, 1)
W23 = M("W", 2, 3)

JACOBIANS = {
    "X^-1": (X3.I, X3, lambda v: -np.kron(np.linalg.inv(v["X"]), np.linalg.inv(v["X"]).T)),
    "X^T X": (Xr.T * Xr, Xr, None),
    "X X^T": (Xr * Xr.T, Xr, None),
    "A X B": (M("A", 2, 3) * Xr * M("B", 2, 4), Xr, lambda v: np.kron(v["B"], v["A"].T)),
    "X^T": (Xr.T, Xr, lambda v: commutation_matrix(2, 3)),
    "X ⊙ X": (sp.HadamardProduct(Xr, Xr), Xr, lambda v: np.diag(2 * vec(v["X"]).ravel())),
    "exp(X)": (Xr.applyfunc(sp.exp), Xr, lambda v: np.diag(vec(np.exp(v["X"])).ravel())),
    "X^2": (X3 * X3, X3, lambda v: np.kron(np.eye(3), v["X"].T) + np.kron(v["X"], np.eye(3))),
    "X A X^T": (X3 * A3 * X3.T, X3, None),
    "σ(W X) by X": (sigmoid(W23 * Xr), Xr, None),
    "σ(W X) by W": (sigmoid(M("W", 2, 3) * Xr), M("W", 2, 3), None),
    "X a": (X3 * a3, X3, lambda v: np.kron(v["a"], np.eye(3))),
    "A x": (A3 * a3, a3, lambda v: v["A"].T),
    "sin(X) ⊙ A": (sp.HadamardProduct(X3.applyfunc(sp.sin), A3), X3,
                   lambda v: np.diag(vec(np.cos(v["X"]) * v["A"]).ravel())),
    "(X + A)^-1": ((X3 + A3).I, X3, None),
    "tr(X) X": (sp.Trace(X3) * X3, X3, None),
    "A X^-1 B": (A3 * X3.I * B3, X3, None),
    "tr(A X) (scalar F)": (sp.Trace(A3 * X3), X3, lambda v: vec(v["A"].T)),
    "|X| X": (sp.Determinant(X3) * X3, X3,
              lambda v: np.linalg.det(v["X"]) * (vec(np.linalg.inv(v["X"]).T) @ vec(v["X"]).T
                                                  + np.eye(9))),
}


@pytest.mark.parametrize("name", list(JACOBIANS))
def test_jacobian_identity(name):
    F, X, closed = JACOBIANS[name]
    result = jacobian(F, X)
    assert result.verification and "verified" in result.verification.message
    values, claimed = assert_matches_fd(result, F)
    if closed is not None:
        assert np.allclose(claimed, closed(values)), name
    assert "mn×pq" in str(result) and "mn\\times pq" in result._repr_latex_()


w3, y5, X53 = M("w", 3, 1), M("y", 5, 1), M("X", 5, 3)
HESSIANS = {
    "tr(X^T A X)": (sp.Trace(X3.T * A3 * X3), X3, lambda v: np.kron(np.eye(3), v["A"] + v["A"].T)),
    "a^T X^T X b": ((a3.T * X3.T * X3 * b3), X3,
                    lambda v: np.kron(v["a"] @ v["b"].T + v["b"] @ v["a"].T, np.eye(3))),
    "‖Xw − y‖²": ((X53 * w3 - y5).T * (X53 * w3 - y5), w3, lambda v: 2 * v["X"].T @ v["X"]),
    "tr(X^-1 A)": (sp.Trace(X3.I * A3), X3, None),
    "tr(X X^T)": (sp.Trace(X3 * X3.T), X3, lambda v: 2 * np.eye(9)),
    "x^T A x": ((a3.T * A3 * a3), a3, lambda v: v["A"] + v["A"].T),
    "a^T exp(X b)": ((a3.T * (X3 * b3).applyfunc(sp.exp)), X3, None),
    "tr(A X B X)": (sp.Trace(A3 * X3 * B3 * X3), X3, None),
    "log(1^T exp(x))": (sp.log(sp.OneMatrix(1, 3) * a3.applyfunc(sp.exp)), a3, None),
    "tr(X^3)": (sp.Trace(X3 * X3 * X3), X3, None),
}


@pytest.mark.parametrize("name", list(HESSIANS))
def test_hessian_identity(name):
    f, X, closed = HESSIANS[name]
    result = hessian(f, X)
    assert result.verification and "verified" in result.verification.message
    values, claimed = assert_matches_fd(result, result.gradient)
    assert np.allclose(claimed, claimed.T, atol=1e-8)
    if closed is not None:
        assert np.allclose(claimed, closed(values)), name
    text = str(result)
    assert "H5: second-order expansion" in text and "f(" in text and "o(‖d" in text


def test_at_least_twenty_further_identities():
    assert len(JACOBIANS) + len(HESSIANS) >= 20


# -- verification rejects wrong answers ------------------------------------------------------------
def test_a_hessian_missing_the_K_or_with_swapped_factors_is_rejected():
    X = M("X", 3, 3)
    f = sp.log(sp.Determinant(X))
    from sympy.matrices.expressions.kronecker import KroneckerProduct

    from mdlib.engine.grammar import prepare

    fc, G = prepare(f, X), X.I.T
    right = sp.MatMul(-1, CommutationMatrix(3, 3), KroneckerProduct(X.I.T, X.I))
    assert verify_hessian(fc, G, X, right, None, 0, ())
    no_K = sp.MatMul(-1, KroneckerProduct(X.I.T, X.I))
    swapped = sp.MatMul(-1, CommutationMatrix(3, 3), KroneckerProduct(X.I, X.I.T))
    for wrong in (no_K, swapped):
        check = verify_hessian(fc, G, X, wrong, None, 0, ())
        assert not check and "NOT verified" in check.message


def test_a_wrong_jacobian_is_rejected():
    A, X = M("A", 2, 3), M("X", 3, 3)
    from sympy.matrices.expressions.kronecker import KroneckerProduct

    assert verify_jacobian(A * X, X, KroneckerProduct(sp.Identity(3), A), None, 0, ())
    assert not verify_jacobian(A * X, X, KroneckerProduct(A, sp.Identity(3)), None, 0, ())
    assert not verify_jacobian(X.I, X, DiagVec(X), None, 0, ())


# -- contract: errors, output ------------------------------------------------------------------------
def test_clear_errors():
    X = M("X", 3, 3)
    with pytest.raises(MdlibError, match="MatrixSymbol"):
        jacobian(X, "X")
    with pytest.raises(MdlibError, match="numeric sizes"):
        jacobian(M("Y", sp.Symbol("n"), 3) * X, X)
    with pytest.raises(MdlibError, match="scalar-valued"):
        hessian(2 * X, X)
    with pytest.raises(MdlibError, match="unsupported"):
        jacobian(X.applyfunc(sp.Abs), X)
    for err in ("sympy", "Traceback"):
        try:
            jacobian(X.applyfunc(sp.Abs), X)
        except MdlibError as exc:
            assert err not in str(exc)


CONSTANTS = [  # (f, shapes, why): f does not change with X, so every derivative is 0
    ("tr(A)", "X: 3x3, A: 3x3", "X does not occur"),
    ("sum(X)*(tr(A) - tr(A.T))", "X: 3x3, A: 3x3", "tr(A) - tr(A^T) = 0: its terms cancel"),
    ("tr(X.T*X)*(a.T*b) - tr(X.T*X)*(b.T*a)", "X: 3x3, a: 3, b: 3", "its terms cancel"),
]


@pytest.mark.parametrize(("f", "shapes", "why"), CONSTANTS, ids=[c[0] for c in CONSTANTS])
def test_constants_and_cancelling_terms_are_answered_zero(f, shapes, why):
    import mdlib

    d = mdlib.derive(f, "X", shapes)
    assert isinstance(d.gradient, sp.ZeroMatrix) and d.gradient.shape == (3, 3)
    assert why in str(d) and (d.verification is None or d.verification.passed)
    H = mdlib.hessian(f, "X", shapes)
    assert isinstance(H.hessian, sp.ZeroMatrix) and H.shape == (9, 9) and H.verification.passed
    assert not np.any(H.numeric(**H.verification.details["values"]))
    F = f"({f})*X"  # a matrix-valued F of the same kind: ∂F/∂X = 0 only where f is 0
    if why != "X does not occur":
        J = mdlib.jacobian(F, "X", shapes)
        assert isinstance(J.jacobian, sp.ZeroMatrix) and J.shape == (9, 9)
        # (sympy's product of matrices may already have cancelled tr(A) - tr(Aᵀ) when reading)
        assert ("its terms cancel" in str(J) or "F     = 0" in str(J)) and J.verification.passed
    J = mdlib.jacobian("A*A" if "A" in shapes else "a*b.T", "X", shapes)
    assert isinstance(J.jacobian, sp.ZeroMatrix) and "X does not occur in F" in str(J)
    assert J.verification.passed and J.shape == (9, 9)


def test_a_wrong_nonzero_claim_for_a_constant_is_not_verified():
    X, A = M("X", 3, 3), M("A", 3, 3)
    with pytest.raises(MdlibError, match="does not change"):
        verify_jacobian(A, X, sp.Identity(9))


def test_outputs_state_the_layout_and_verification():
    X = M("X", 2, 2)
    J = jacobian(X.I, X)
    latex = J._repr_latex_()
    assert latex.startswith("$$") and r"\otimes" in latex and r"\checkmark" in latex
    assert "chapter 2" in latex and "chapter 2" in str(J)
    H = hessian(sp.Trace(X.T * X), X)
    assert "verified" in str(H) and r"\nabla^2 f" in H._repr_latex_()
    assert mdlib.jacobian is jacobian and mdlib.hessian is hessian


def test_symbolic_sizes_are_taken_from_shapes():
    n = sp.Symbol("n")
    X, A = M("X", n, n), M("A", n, n)
    J = jacobian(A * X, X, shapes={"n": 3})
    assert J.shape == (9, 9) and J.text == "I_3 ⊗ A^T"
    H = hessian(sp.Trace(X.T * A * X), X, shapes={"X": (2, 2)})
    assert H.shape == (4, 4) and H.verification


def test_an_unverified_result_says_so():
    X = M("X", 2, 2)
    J = jacobian(X.I, X, verify=False)
    assert J.verification is None and "not verified" in str(J) and "not verified" in J._repr_latex_()
    assert J.check() and "not verified" not in str(J)


def test_linear_f_has_a_zero_hessian():
    A, X = M("A", 2, 2), M("X", 2, 2)
    H = hessian(sp.Trace(A * X), X)
    assert H.verification and isinstance(H.hessian, sp.ZeroMatrix)
    assert "½" not in H.steps[-1].plain()[1]  # the expansion has no quadratic term


def test_jacobian_chain_H4_symbolically():
    from mdlib.engine.second_order import jacobian_chain

    A, X, Y = M("A", 3, 3), M("X", 3, 2), M("Y", 3, 2)
    W = M("W", 2, 3)
    result = jacobian_chain(sigmoid(W * Y), Y, A * X, X)
    assert "H4: ∂Z/∂X = (∂Y/∂X)(∂Z/∂Y)" in str(result) and result.verification
    composite = sigmoid(W * (A * X))
    assert_matches_fd(result, composite)
    with pytest.raises(MdlibError, match="shape"):
        jacobian_chain(Y.T, Y, A, X)


def test_composition_H4_numerically():
    """∂Z/∂X = (∂Y/∂X)(∂Z/∂Y) for Z = exp(Y) elementwise, Y = A X."""
    A, X, Y = M("A", 3, 3), M("X", 3, 2), M("Y", 3, 2)
    dYdX = jacobian(A * X, X)
    dZdY = jacobian(Y.applyfunc(sp.exp), Y)
    composite = jacobian((A * X).applyfunc(sp.exp), X)
    values = composite.verification.details["values"]
    Yv = values["A"] @ values["X"]
    chained = dYdX.numeric(**values) @ dZdY.numeric(Y=Yv)
    assert np.allclose(chained, composite.numeric(**values))


def test_check_outcomes_share_one_behaviour():
    """SecondOrderCheck and Verification inherit CheckOutcome: truth, text, repr, markdown."""
    from mdlib.engine.second_order import SecondOrderCheck
    from mdlib.engine.verify import CheckOutcome, Verification

    for outcome in (SecondOrderCheck(False, 1.0, 1.0, "J differs"),
                    Verification(False, 1.0, 1.0, {}, 0, "J differs")):
        assert isinstance(outcome, CheckOutcome) and not outcome
        assert str(outcome) == repr(outcome) == "J differs"  # not the dataclass repr
        assert outcome._repr_markdown_() == "❌ J differs"
    assert SecondOrderCheck(True, 0.0, 2.0, "ok")._repr_markdown_() == "✅ ok"


# -- issue 18: every Hessian of the issue verified, tidy, and the tidying shown -----------------
ISSUE_HESSIANS = ["tr(X)**2", "exp(tr(X))", "cos(0.1*tr(X))", "log(1 + tr(X)**2)", "tr(X)*tr(X.T)",
                  "tr(X)*tr(X.T*X)", "(a.T*X*b)*tr(X)", "tr(X)*sum(X.T)",
                  "det(X) - 3*sqrt(1 + tr(X)**2)", "tr(inv(X.T*X + exp(0.2*X.T).T*exp(0.2*X.T)))",
                  "logdet(X.T*X + (X.T*sigmoid(X.T)).T*(X.T*sigmoid(X.T)))",
                  "det(tanh(X).T*tanh(X) + I)", "tr(inv(tanh(X).T*tanh(X) + I))"]


@pytest.mark.parametrize("f", ISSUE_HESSIANS)
def test_the_hessians_of_the_issue_are_verified_and_match_second_differences(f):
    import mdlib

    H = mdlib.hessian(f, "X", "X: 3x3, a: 3, b: 3")
    assert H.verification.passed and H.shape == (9, 9)
    values = H.verification.details["values"]
    Hn = H.numeric(**values)
    G = H.gradient_derivation.gradient_function()

    def grad(v):
        return vec(np.asarray(G(**{**values, "X": unvec(v, 3, 3)}), dtype=float)).ravel()

    reference = numerical_jacobian(grad, vec(values["X"]).ravel())
    assert np.allclose(Hn, reference, atol=1e-5 * max(1.0, np.abs(reference).max()))
    assert np.allclose(Hn, Hn.T)


def test_the_answers_are_tidy_and_the_tidying_is_shown():
    import mdlib

    H = mdlib.hessian("tr(X.T*X)**2", "X", "X: 3x3")
    assert H.text == "8 vec(X) vec(X)^T + 4 tr(X^T X) I_9"  # (K(X ⊗ I) + I ⊗ X) vec I = 2 vec X
    tidying = [s.rule for s in H.steps if "like terms collected" in s.rule]
    assert tidying and "H1: vec(dXᵀ) = K vec dX" in tidying[0]  # a named line, not silent
    S = mdlib.hessian("tr(A*sigmoid(X))", "X", "X: 3x3, A: 3x3")
    assert S.text == "diag(vec(A^T ⊙ σ''(X)))"  # σ'' named, not expanded; diag(u) diag(v) merged
    expansion = S.steps[-1].plain()[1]
    assert "tr((A ⊙ σ'(X)^T) dX)" in expansion  # parenthesised like the df lines
    df_line = next(s.plain()[1] for s in S.steps if s.rule.startswith("T5"))
    assert "(A ⊙ σ'(X)^T) dX" in df_line
    T = mdlib.hessian("sum(tanh(X))", "X", "X: 2x2")
    assert "tanh''(X)" in T.text


def test_hessian_prints_the_gradient_as_nabla_f():
    import mdlib

    H = mdlib.hessian("logdet(X)", "X", "X: 3x3")
    lhs = [s.plain()[0] for s in H.steps]
    assert "∇f" in lhs and "∂f/∂X" not in lhs  # ∇f is the m×n gradient of chapters 3–7
    assert any(s.lhs == r"\nabla f" for s in H.steps)

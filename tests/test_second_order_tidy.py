"""Issue 18, "tidy answers": the last line of a Hessian reads as a teacher would write it.

Each case states the final line the engine prints, the rules that line cites, and checks the
answer against this file's own reference: second differences of f itself (written here in
numpy, not read by the engine), entry by entry in the layout ∇²f = ∂(∇f)/∂X, vec stacking
columns.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

import mdlib
from mdlib.engine.algebra import tidy_coefficient
from mdlib.i18n import set_language
from mdlib.vec import unvec, vec

SHAPES = "X: 3x3, a: 3, b: 3, A: 3x3"


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


# typed f, its numpy twin (of X and the constants), the final line, the rules that line cites
CASES = [
    ("log(1 + tr(X)**2)", lambda X, c: np.log(1 + np.trace(X) ** 2),
     "2 (1 - tr(X)^2) vec(I_3) vec(I_3)^T / (1 + tr(X)^2)^2", ["like terms collected"]),
    ("det(X) - 3*sqrt(1 + tr(X)**2)",
     lambda X, c: np.linalg.det(X) - 3 * np.sqrt(1 + np.trace(X) ** 2),
     "|X| vec(X^-T) vec(X^-T)^T - |X| K_3,3 (X^-T ⊗ X^-1) - 3 vec(I_3) vec(I_3)^T / "
     "(1 + tr(X)^2)^(3/2)", ["H1: vec(A dX B) = (Bᵀ ⊗ A) vec dX", "like terms collected"]),
    ("(a.T*X*b)*tr(X)", lambda X, c: (c["a"].T @ X @ c["b"]).item() * np.trace(X),
     "vec(a b^T) vec(I_3)^T + vec(I_3) vec(a b^T)^T",
     ["H2: vec(a bᵀ) = b ⊗ a", "vec a = a for a 1×1 a"]),
    ("tr(X)*sum(X.T)", lambda X, c: np.trace(X) * X.sum(),
     "vec(1 1^T) vec(I_3)^T + vec(I_3) vec(1 1^T)^T",
     ["H1: vec(dXᵀ) = K vec dX", "H2: vec(a bᵀ) = b ⊗ a", "the matrix of ones is 1 1ᵀ"]),
    ("tr(A*sigmoid(X))", lambda X, c: np.trace(c["A"] @ _sigmoid(X)),
     "diag(vec(A^T ⊙ σ''(X)))",
     ["diag(vec A) diag(vec B) = diag(vec(A ⊙ B)): diagonal matrices multiply entry by entry"]),
    ("tr(sigmoid(X))", lambda X, c: np.trace(_sigmoid(X)), "diag(vec(I ⊙ σ''(X)))",
     ["diag(vec A) diag(vec B) = diag(vec(A ⊙ B)): diagonal matrices multiply entry by entry"]),
    # already tidy before issue 18, and kept so
    ("tr(X)**2", lambda X, c: np.trace(X) ** 2, "2 vec(I_3) vec(I_3)^T", None),
    ("exp(tr(X))", lambda X, c: np.exp(np.trace(X)), "exp(tr(X)) vec(I_3) vec(I_3)^T", None),
    ("tr(X)*tr(X.T*X)", lambda X, c: np.trace(X) * np.trace(X.T @ X),
     "2 vec(X) vec(I_3)^T + 2 vec(I_3) vec(X)^T + 2 tr(X) I_9", None),
    ("tr(X.T*X)**2", lambda X, c: np.trace(X.T @ X) ** 2,
     "8 vec(X) vec(X)^T + 4 tr(X^T X) I_9", None),
    ("(a.T*X*b)**2", lambda X, c: (c["a"].T @ X @ c["b"]).item() ** 2,
     "2 ((b b^T) ⊗ (a a^T))", None),
]


def _second_differences(f, X: np.ndarray, consts: dict, h: float = 1e-4) -> np.ndarray:
    """∂²f/∂vec(X)_i ∂vec(X)_j by central differences of f (this file's reference)."""
    n = X.size
    H = np.empty((n, n))
    x = vec(X).ravel()

    def at(*steps):
        y = x.copy()
        for k, s in steps:
            y[k] += s
        return f(unvec(y.reshape(-1, 1), *X.shape), consts)

    for i in range(n):
        for j in range(n):
            H[i, j] = (at((i, h), (j, h)) - at((i, h), (j, -h)) - at((i, -h), (j, h))
                       + at((i, -h), (j, -h))) / (4 * h * h)
    return H


@pytest.mark.parametrize("typed,f,final,rules", CASES, ids=[c[0] for c in CASES])
def test_the_final_line_is_tidy_and_right(typed, f, final, rules):
    H = mdlib.hessian(typed, "X", SHAPES)
    assert H.verification.passed
    assert H.text == final
    last = H.steps[-2]  # the last read-off line (the expansion f(X + dX) follows it)
    assert last.text == final
    if rules is not None:
        assert last.rule == "; ".join(rules)
    values = H.verification.details["values"]
    consts = {k: np.asarray(v, dtype=float) for k, v in values.items() if k != "X"}
    X = np.asarray(values["X"], dtype=float)
    reference = _second_differences(f, X, consts)
    claimed = H.numeric(**values)
    assert claimed.shape == reference.shape == (9, 9)
    assert np.allclose(claimed, reference, rtol=1e-4, atol=1e-5), np.abs(claimed - reference).max()


def test_the_ones_matrix_reads_as_1_1T_in_text_and_latex_alike():
    H = mdlib.hessian("tr(X)*sum(X.T)", "X", SHAPES)
    assert "vec(1)" not in H.text
    latex = H.steps[-2].expr
    assert latex.count(r"\mathbf{1} \mathbf{1}^{T}") == 2 and r"\mathrm{vec}\left(\mathbf{1}\right)" \
        not in latex


def test_a_collected_coefficient_is_one_fraction_in_latex_too():
    H = mdlib.hessian("log(1 + tr(X)**2)", "X", SHAPES)
    latex = H.steps[-2].expr
    assert latex.startswith(r"\frac{2 \left(1 - \mathrm{tr}\left(X\right)^{2}\right)")
    assert latex.count(r"\frac") == 1  # one fraction, not a sum of two


def test_the_new_labels_are_said_in_chinese():
    try:
        set_language("zh_CN")
        ones = mdlib.hessian("tr(X)*sum(X.T)", "X", SHAPES).steps[-2].rule
        diag = mdlib.hessian("tr(A*sigmoid(X))", "X", SHAPES).steps[-2].rule
    finally:
        set_language("en")
    assert ones.endswith("全 1 矩阵等于 1 1ᵀ")
    assert diag.endswith("对角矩阵逐元素相乘")


def test_tidy_coefficient_takes_the_shortest_equal_form_and_keeps_traces_whole():
    X = sp.MatrixSymbol("X", 3, 3)
    t = sp.Trace(X)
    c = 3 / sp.sqrt(1 + t**2) - 3 * t**2 / (1 + t**2) ** sp.Rational(3, 2)
    tidy = tidy_coefficient(c)
    assert tidy == 3 / (1 + t**2) ** sp.Rational(3, 2)
    assert tidy.has(sp.Trace)
    point = {X: sp.Matrix([[0.3, 0.1, 0], [0, 0.5, 0.2], [0.1, 0, 0.7]])}
    assert abs(float(c.subs(point).doit() - tidy.subs(point).doit())) < 1e-12
    assert tidy_coefficient(t + 1) == t + 1  # nothing shorter: unchanged
    assert tidy_coefficient(2 * t) == 2 * t  # not a sum: unchanged


def test_each_new_rewrite_keeps_the_value():
    """The read-off's new steps, one at a time on random data: a ⊗ b of two vectors as
    vec(b aᵀ), K vec(u vᵀ) = vec(v uᵀ), vec(1) of a ones matrix as vec(1 1ᵀ), and
    diag(vec A) diag(vec B) = diag(vec(A ⊙ B)); each must change the text and keep the value."""
    from sympy.matrices.expressions.kronecker import KroneckerProduct as Kron

    from mdlib.engine import vectorize
    from mdlib.engine.numeric import evaluate
    from mdlib.engine.vectorize import CommutationMatrix, DiagVec, Vec

    u, v = sp.MatrixSymbol("u", 3, 1), sp.MatrixSymbol("v", 4, 1)
    A, B = sp.MatrixSymbol("A", 3, 4), sp.MatrixSymbol("B", 3, 4)
    w = sp.MatrixSymbol("w", 12, 1)
    ones = sp.OneMatrix(3, 4)
    cases = [
        (sp.MatMul(Kron(v, u), w.T), "vec(u v^T) w^T"),
        (sp.MatMul(w, Kron(v.T, u.T)), "w vec(u v^T)^T"),
        (sp.MatMul(CommutationMatrix(4, 3), Kron(u, v), w.T), "vec(u v^T) w^T"),
        (sp.MatMul(w, sp.Transpose(Vec(ones))), "w vec(1 1^T)^T"),
        (sp.MatMul(DiagVec(A), DiagVec(B)), "diag(vec(B ⊙ A))"),
    ]
    rng = np.random.default_rng(18)
    values = {"u": rng.standard_normal((3, 1)), "v": rng.standard_normal((4, 1)),
              "A": rng.standard_normal((3, 4)), "B": rng.standard_normal((3, 4)),
              "w": rng.standard_normal((12, 1))}
    for expr, expected in cases:
        used: set[str] = set()
        tidy = vectorize.simplify(expr, used)
        assert used and vectorize.to_text(tidy) == expected, vectorize.to_text(tidy)
        assert np.allclose(np.asarray(evaluate(tidy, values), dtype=float),
                           np.asarray(evaluate(expr, values), dtype=float))

"""The playgrounds show a verified derivation for good input and one clear sentence otherwise.

DerivationPlayground derives gradients; SecondOrderPlayground lets the reader choose the
gradient, the Jacobian or the Hessian. Every number a derivation shows is compared here with
this file's own finite differences of numpy functions written independently of the engine
(central differences of f for gradients, of vec F for Jacobians, second differences of f for
Hessians), in the course's layout: ∂F/∂X is mn × pq with vec(dF) = (∂F/∂X)ᵀ vec(dX), vec
stacks columns.
"""

import html
import re

import numpy as np
import pytest

import mdlib
from mdlib.parse import FUNCTIONS
from mdlib.widgets.playground import DerivationPlayground, SecondOrderPlayground

MODES = SecondOrderPlayground.OFFERED


def shown(pg: DerivationPlayground) -> list[dict]:
    return list(pg.output.outputs)


def sentence(pg: DerivationPlayground) -> str:
    """The one sentence a refusal shows: one line of stdout, no traceback, no result, and a
    status line that says it was refused."""
    (output,) = shown(pg)
    assert output["output_type"] == "stream" and output["name"] == "stdout"
    text = output["text"]
    assert "Traceback" not in text and text.strip() and text.count("\n") == 1
    assert pg.result is None
    assert status(pg)["state"] == "refused"
    return text


def status(pg: DerivationPlayground) -> dict:
    """The marks of the status line (mode, expression, shapes, wrt, state) and its words."""
    value = pg.status.value
    assert 'role="status"' in value and 'aria-live="polite"' in value
    marks = {key: html.unescape(v) for key, v in re.findall(r'data-(\w+)="([^"]*)"', value)}
    marks["words"] = html.unescape(re.sub(r"<[^>]+>", "", value))
    return marks


# ------------------------------------------------------------- this file's own differences
def vec(M: np.ndarray) -> np.ndarray:
    return np.asarray(M, dtype=float).reshape(-1, order="F")


def unvec(v: np.ndarray, shape: tuple) -> np.ndarray:
    return v.reshape(shape, order="F")


def fd_gradient(f, X: np.ndarray, h: float = 1e-6) -> np.ndarray:
    x, out = vec(X), np.zeros(X.size)
    for i in range(X.size):
        e = np.zeros(X.size)
        e[i] = h
        out[i] = (f(unvec(x + e, X.shape)) - f(unvec(x - e, X.shape))) / (2 * h)
    return unvec(out, X.shape)


def fd_jacobian(F, X: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """∂F/∂X (mn × pq): row i is the central difference of vec F along vec X's entry i."""
    x = vec(X)
    rows = []
    for i in range(X.size):
        e = np.zeros(X.size)
        e[i] = h
        rows.append((vec(F(unvec(x + e, X.shape))) - vec(F(unvec(x - e, X.shape)))) / (2 * h))
    return np.array(rows)


def fd_hessian(f, X: np.ndarray, h: float = 1e-4) -> np.ndarray:
    """∇²f (mn × mn) by second central differences of f itself."""
    x, n = vec(X), X.size
    H = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            ei, ej = np.zeros(n), np.zeros(n)
            ei[i], ej[j] = h, h
            at = [f(unvec(x + si * ei + sj * ej, X.shape)) for si, sj in
                  ((1, 1), (1, -1), (-1, 1), (-1, -1))]
            H[i, j] = (at[0] - at[1] - at[2] + at[3]) / (4 * h * h)
    return H


rng = np.random.default_rng(18)
A3 = rng.standard_normal((3, 3))
a3, b3 = rng.standard_normal((3, 1)), rng.standard_normal((3, 1))
X33 = 3 * np.eye(3) + 0.5 * rng.standard_normal((3, 3))  # invertible, det > 0
X32 = rng.standard_normal((3, 2))

# (typed f, shapes, values, numpy f): scalar functions for the gradient and the Hessian
SCALARS = [
    ("tr(X)**2", "X: 3x3", {"X": X33}, lambda X: np.trace(X) ** 2),
    ("log(det(X))", "X: 3x3", {"X": X33}, lambda X: np.log(np.linalg.det(X))),
    ("tr(X.T*A*X)", "X: 3x2, A: 3x3", {"X": X32, "A": A3}, lambda X: np.trace(X.T @ A3 @ X)),
    ("exp(0.1*tr(X.T*X)) + a.T*X*b", "X: 3x3, a: 3, b: 3", {"X": X33 / 3, "a": a3, "b": b3},
     lambda X: np.exp(0.1 * np.trace(X.T @ X)) + (a3.T @ X @ b3).item()),
]
# (typed F, shapes, values, numpy F): matrix- and vector-valued functions for the Jacobian
MATRICES = [
    ("X.T*A*X", "X: 3x2, A: 3x3", {"X": X32, "A": A3}, lambda X: X.T @ A3 @ X),
    ("inv(X)", "X: 3x3", {"X": X33}, np.linalg.inv),
    ("exp(X)*a", "X: 3x3, a: 3", {"X": X33 / 3, "a": a3}, lambda X: np.exp(X) @ a3),
    ("had(X, X) - 2*X", "X: 3x2", {"X": X32}, lambda X: X * X - 2 * X),
]


@pytest.mark.parametrize("typed, shapes, values, f", SCALARS, ids=[s[0] for s in SCALARS])
def test_the_hessian_mode_shows_a_verified_hessian_equal_to_second_differences(
        typed, shapes, values, f):
    pg = SecondOrderPlayground(typed, shapes, "X", mode="hessian")
    pg.button.click()
    (output,) = shown(pg)
    latex, plain = output["data"]["text/latex"], output["data"]["text/plain"]
    # ∇f lines first, then ∇²f, then the second-order expansion; layout and the check last
    for piece in (r"\nabla f &=", r"\nabla^2 f", "H5: second-order expansion", "H3", r"\checkmark"):
        assert piece in latex
    assert plain.index("∇f ") < plain.index("∇²f = ∂(∇f)/∂X") < plain.index("f(X + dX)")
    assert "verified:" in plain and "layout: ∇²f" in plain
    assert pg.result.verification.passed
    H = pg.result.numeric(**values)
    X = values["X"]
    assert H.shape == (X.size, X.size)
    assert np.allclose(H, fd_hessian(f, X), rtol=1e-5, atol=1e-5)
    assert status(pg) == {"mode": "hessian", "expression": typed, "shapes": shapes, "wrt": "X",
                          "state": "shown",
                          "words": f"✔ Shown below: the Hessian ∇²f of f = {typed} by X, "
                                   "derived and checked."}


@pytest.mark.parametrize("typed, shapes, values, F", MATRICES, ids=[s[0] for s in MATRICES])
def test_the_jacobian_mode_shows_a_verified_jacobian_equal_to_differences_of_vec_F(
        typed, shapes, values, F):
    pg = SecondOrderPlayground(typed, shapes, "X", mode="jacobian")
    pg.run()
    (output,) = shown(pg)
    latex, plain = output["data"]["text/latex"], output["data"]["text/plain"]
    # dF, vec(dF) by H1, ∂F/∂X by H3 (tidied with H2 where it applies), the layout sentence
    assert plain.index("dF ") < plain.index("vec(dF)") < plain.index("∂F/∂X")
    assert "H1:" in plain and "H3:" in plain and r"\checkmark" in latex
    assert "layout: ∂F/∂X is" in plain and "(mn×pq)" in plain
    assert pg.result.verification.passed
    J = pg.result.numeric(**values)
    X = values["X"]
    assert J.shape == (X.size, F(X).size)
    assert np.allclose(J, fd_jacobian(F, X), rtol=1e-6, atol=1e-6)
    assert status(pg)["state"] == "shown" and status(pg)["mode"] == "jacobian"


@pytest.mark.parametrize("typed, shapes, values, f", SCALARS, ids=[s[0] for s in SCALARS])
def test_the_gradient_mode_shows_a_verified_gradient_equal_to_central_differences(
        typed, shapes, values, f):
    pg = SecondOrderPlayground(typed, shapes, "X", mode="gradient")
    pg.run()
    assert "L: gradient link" in shown(pg)[0]["data"]["text/plain"]
    assert pg.result.verification.passed
    assert np.allclose(pg.result.numeric(**values), fd_gradient(f, values["X"]), rtol=1e-6,
                       atol=1e-6)


def test_switching_the_mode_leaves_the_text_boxes_alone_and_derives_on_the_next_press():
    pg = SecondOrderPlayground("X.T*A*X", "X: 3x2, A: 3x3", "X", mode="hessian")
    assert [key for _label, key in pg.choice.options] == ["gradient", "jacobian", "hessian"]
    # A kernel-side change to a text box would put back its last synced text in the browser,
    # eating keys typed meanwhile: the boxes' models must not change when the mode does.
    boxes = (pg.expression, pg.shapes, pg.wrt)
    before = [box.get_state() for box in boxes]
    assert pg.expression.description == "expression"
    assert all(not box.continuous_update for box in boxes)  # text sent on leaving the box
    pg.choice.value = "jacobian"
    assert [box.get_state() for box in boxes] == before
    assert shown(pg) == []  # nothing is derived until Derive is pressed
    pg.button.click()
    assert pg.result.shape == (6, 4) and status(pg)["mode"] == "jacobian"
    pg.choice.value, pg.expression.value = "hessian", "tr(X.T*A*X)"
    pg.button.click()
    assert pg.result.shape == (6, 6) and len(shown(pg)) == 1


def test_a_constant_is_answered_zero_in_each_mode():
    for mode, typed in (("gradient", "tr(A)"), ("hessian", "tr(A) + tr(X)"),
                        ("jacobian", "A*a")):
        pg = SecondOrderPlayground(typed, "X: 3x3, A: 3x3, a: 3", "X", mode=mode)
        pg.run()
        values = {"X": X33, "A": A3, "a": a3}
        assert status(pg)["state"] == "shown", mode
        assert not np.any(pg.result.numeric(**values)), mode


# ------------------------------------------------------------------------- bad input
SHAPES = "X: 3x3, A: 3x3, a: 3, Y: 3x2"
WRONG_KIND = {
    "hessian": ("X*A", "mdlib: a Hessian is taken of a scalar f, but F = X*A is 3×3: choose "
                       "Jacobian for a matrix- or vector-valued F, or take a trace, a "
                       "determinant or a quadratic form of it\n"),
    "gradient": ("X*a", "mdlib: a gradient is taken of a scalar f, but F = X*a is 3×1: choose "
                        "Jacobian for a matrix- or vector-valued F, or take a trace, a "
                        "determinant or a quadratic form of it\n"),
    "jacobian": ("tr(X.T*X)", "mdlib: f = tr(X.T*X) is a scalar: choose gradient for its first "
                              "derivative ∂f/∂X (or Hessian for the second); the Jacobian here "
                              "is for a matrix- or vector-valued F\n"),
}


@pytest.mark.parametrize("mode", MODES)
def test_the_wrong_kind_of_function_for_the_mode_names_the_right_choice(mode):
    typed, expected = WRONG_KIND[mode]
    pg = SecondOrderPlayground(typed, SHAPES, "X", mode=mode)
    pg.run()
    assert sentence(pg) == expected
    assert status(pg)["words"] == "✘ Not derived: the reason is below."


# (what is wrong, typed f for the scalar modes, typed F for the Jacobian, a phrase of the
# sentence, the same in every mode)
BAD = [
    ("a typing slip", "tr(X)^2", "X^2", "write ** for powers"),
    ("a wrong shape", "tr(Y*X)", "Y*X", "cannot multiply Y (3×2) times X (3×3)"),
    ("an undeclared name", "tr(X*B)", "X*B", "unknown name B"),
    ("an unsupported expression", "tr(X)**tr(X)", "tr(X)**tr(X)*X",
     "unsupported operation: tr(X)^(tr(X))"),
    ("nothing typed", "", "", "mdlib: "),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("what, scalar_text, matrix_text, phrase", BAD, ids=[b[0] for b in BAD])
def test_bad_input_gives_one_sentence_in_every_mode(mode, what, scalar_text, matrix_text, phrase):
    typed = matrix_text if mode == "jacobian" else scalar_text
    pg = SecondOrderPlayground(typed, SHAPES, "X", mode=mode)
    pg.run()
    text = sentence(pg)
    assert text.startswith("mdlib: ") and phrase in text, text
    assert status(pg)["expression"] == typed and status(pg)["mode"] == mode


@pytest.mark.parametrize("mode", MODES)
def test_a_variable_or_shapes_that_are_not_declared_give_a_sentence(mode):
    pg = SecondOrderPlayground("tr(X)", "X: 3x3", "Z", mode=mode)
    pg.run()
    assert "differentiate by a declared matrix; 'Z' is not among X" in sentence(pg)
    for shapes in ("X: 3 by 3", "", "X: 3x3, A: 3x"):
        pg.wrt.value, pg.shapes.value = "X", shapes
        pg.run()
        assert sentence(pg).startswith("mdlib: ") and status(pg)["shapes"] == shapes


@pytest.mark.parametrize("mode, typed", [("gradient", "tr(X)**2"), ("jacobian", "inv(X)"),
                                         ("hessian", "tr(X)**2")])
def test_an_engine_failure_is_a_sentence_in_every_mode(mode, typed, monkeypatch):
    """Whatever the engine raises, the reader sees a sentence, never a traceback or nothing."""
    def broken(*args, **kwargs):
        raise RecursionError("deep inside")

    function = {"gradient": "derive", "jacobian": "jacobian", "hessian": "hessian"}[mode]
    monkeypatch.setattr(mdlib.api, function, broken)
    pg = SecondOrderPlayground(typed, "X: 3x3", "X", mode=mode)
    pg.run()
    text = sentence(pg)
    assert "limitation of the engine" in text and typed in text and "RecursionError" in text


def test_an_unknown_mode_is_refused_clearly():
    with pytest.raises(mdlib.MdlibError, match="mode must be one of gradient, jacobian, hessian"):
        SecondOrderPlayground(mode="laplacian")
    with pytest.raises(mdlib.MdlibError, match="mode must be one of gradient, not 'hessian'"):
        DerivationPlayground(mode="hessian")


# ------------------------------------------------------------ the first-order playground
def test_clicking_derive_shows_the_verified_derivation():
    pg = DerivationPlayground("tr(X.T*A*X)", "X: 3x2, A: 3x3", "X")
    assert pg.choice is None and pg.mode == "gradient"  # no choice to make: no radio buttons
    pg.button.click()
    (output,) = shown(pg)
    data = output["data"]
    assert "M2: product" in data["text/latex"] and "L: gradient link" in data["text/latex"]
    assert "L: gradient link" in data["text/plain"]
    assert pg.result.verification.passed
    # The gradient it shows is (A + A^T) X: evaluate it and compare.
    rng = np.random.default_rng(1)
    A, X = rng.standard_normal((3, 3)), rng.standard_normal((3, 2))
    G = pg.result.gradient_function()(A=A, X=X)
    assert np.allclose(G, (A + A.T) @ X)
    assert np.allclose(G, fd_gradient(lambda X: np.trace(X.T @ A @ X), X), atol=1e-6)
    assert status(pg)["words"] == ("✔ Shown below: the gradient ∂f/∂X of f = tr(X.T*A*X), "
                                   "derived and checked.")


def test_a_second_run_replaces_the_output():
    pg = DerivationPlayground("logdet(X)", "X: 3x3", "X")
    pg.run()
    pg.expression.value = "tr(inv(X))"
    pg.run()
    assert len(pg.output.outputs) == 1
    latex = shown(pg)[0]["data"]["text/latex"]
    assert "X^{-1}" in latex or "X^{-T}" in latex


def test_a_one_by_one_product_meets_a_number_and_the_identity_is_sized():
    pg = DerivationPlayground("tr(X) + a.T*X*b", "X: 3x3, a: 3, b: 3", "X")
    pg.run()
    assert pg.result.verification.passed
    rng = np.random.default_rng(2)
    a, b, X = rng.standard_normal((3, 1)), rng.standard_normal((3, 1)), rng.standard_normal((3, 3))
    assert np.allclose(pg.result.gradient_function()(a=a, b=b, X=X), np.eye(3) + a @ b.T)
    pg.expression.value = "tr(inv(4*I + inv(X)))"
    pg.run()
    assert pg.result.verification.passed


def test_bad_input_gives_one_sentence_and_no_result():
    pg = DerivationPlayground("tr(X*B)", "X: 3x3", "X")
    pg.run()
    text = sentence(pg)
    assert text.startswith("mdlib: unknown name B") and "Declared: X" in text
    pg.expression.value, pg.wrt.value = "tr(X)", "Y"
    pg.run()
    assert "differentiate by a declared matrix; 'Y' is not among X" in sentence(pg)
    pg.expression.value, pg.wrt.value = "tr(X)^2", "X"
    pg.run()
    assert "write ** for powers" in sentence(pg)
    pg.shapes.value = "X: 3x3, X: 2x2"
    pg.run()
    assert "declared twice" in sentence(pg)
    # a matrix f: the engine's own sentence (this playground has no Jacobian to offer)
    pg.shapes.value, pg.expression.value = "X: 3x3, A: 3x3", "X*A"
    pg.run()
    assert "f must be scalar-valued, but X A is a 3×3 matrix" in sentence(pg)


@pytest.mark.parametrize("text", ["tr(X)/pi", "cos(3)*tr(X)", "tr(X)*(1 + 2**tr(X))**tr(X)"])
def test_an_engine_failure_is_a_sentence_too(text, monkeypatch):
    """Whatever the engine does with valid input, the reader sees a sentence, never nothing."""
    def broken(*args, **kwargs):
        raise RecursionError("deep inside")

    pg = DerivationPlayground(text, "X: 3x3", "X")
    pg.run()  # the real engine: a derivation or a sentence
    assert len(shown(pg)) == 1
    monkeypatch.setattr(mdlib.api, "derive", broken)
    pg.run()
    text_shown = sentence(pg)
    assert "limitation of the engine" in text_shown and text in text_shown


def test_the_help_text_names_every_function_and_constant():
    for pg in (DerivationPlayground(), SecondOrderPlayground()):
        html_text = pg.help.value
        assert html_text.startswith("<details><summary>")
        for name in [*FUNCTIONS, "pi", "Euler", "identity"]:
            assert name in html_text


# ------------------------------------------------------------------------ the language
def test_the_playground_speaks_chinese_and_then_english_again():
    try:
        mdlib.set_language("zh")
        pg = SecondOrderPlayground("X*A", "X: 3x3, A: 3x3", "X", mode="hessian")
        labels = [label for label, _key in pg.choice.options]
        pg.run()
        said = sentence(pg)
        words = (pg.button.description, pg.shapes.description, status(pg)["words"])
    finally:
        mdlib.set_language("en")
    assert labels == ["梯度 ∇f", "雅可比矩阵 ∂F/∂X", "海森矩阵 ∇²f"]
    assert "海森矩阵" in said and "X*A" in said and "3×3" in said and "scalar" not in said
    assert all(re.search("[\u4e00-\u9fff]", word) for word in words), words
    pg = SecondOrderPlayground("X*A", "X: 3x3, A: 3x3", "X", mode="hessian")
    pg.run()
    assert sentence(pg) == WRONG_KIND["hessian"][1]
    assert [label for label, _key in pg.choice.options] == ["gradient ∇f", "Jacobian ∂F/∂X",
                                                            "Hessian ∇²f"]

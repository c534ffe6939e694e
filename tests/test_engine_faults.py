"""Reproducers of faults found by trying the engine as a new user and as an attacker would.

Each case must come back either right (checked here against independent finite differences)
or as an :class:`~mdlib.MdlibError` naming the cause: never a raw exception.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy

import mdlib
from mdlib import MdlibError
from mdlib.engine import chain, derive, sigmoid
from mdlib.engine.catalog import CASES
from mdlib.engine.nodes import AsScalar
from mdlib.engine.numeric import evaluate, scalar_value
from mdlib.engine.printing import to_latex, to_text
from mdlib.engine.verify import random_data
from mdlib.parse import parse_expression

X, A = sympy.MatrixSymbol("X", 3, 3), sympy.MatrixSymbol("A", 3, 3)
a, b = sympy.MatrixSymbol("a", 3, 1), sympy.MatrixSymbol("b", 3, 1)


def _right_by_finite_differences(d, seed: int = 5) -> None:
    """The engine's gradient against central differences computed here, at fresh data."""
    data = random_data(d.canonical_f, seed=seed, variable=str(d.X.name))
    name = str(d.X.name)
    G = d.gradient_function()(**data.values)
    f_num = lambda Xv: scalar_value(d.canonical_f, {**data.values, name: Xv}, data.dims)  # noqa: E731
    assert mdlib.check_gradient(f_num, data.values[name], G)


@pytest.mark.parametrize("f", [
    sympy.Trace(X) / sympy.sqrt(2),
    sympy.Trace(X) / sympy.pi,
    sympy.cos(3) * sympy.Trace(X),
    -sympy.cos(3) * sympy.Trace(X.T * X),
    sympy.Trace(X) * sigmoid(2),
    sympy.tanh(sympy.log(sympy.Determinant((X - A).T * (X - A)))),
    1 / AsScalar(a.T * X * b),
    2 ** AsScalar(a.T * X * b),
], ids=["tr/sqrt2", "tr/pi", "cos3 tr", "-cos3 tr(XtX)", "tr sigmoid2", "tanh logdet", "1/(aXb)",
        "2^(aXb)"])
def test_numeric_constants_and_nested_scalars_print_and_verify(f):
    d = derive(f, X)
    assert d.verification.passed
    assert str(d) and d._repr_latex_() and to_text(d.gradient) and to_latex(d.gradient)
    _right_by_finite_differences(d)


def test_a_numeric_factor_prints_as_a_factor():
    assert to_text(sympy.Trace(X) / sympy.pi) == "tr(X) / pi"
    assert to_text(sympy.cos(3) * sympy.Trace(X)) == "tr(X) cos(3)"
    assert to_text(sympy.Trace(X) * sigmoid(2)) == "σ(2) tr(X)"


@pytest.mark.parametrize("f", [sympy.Trace(A), sympy.Trace(X.T * X) - sympy.Trace(X.T * X),
                               sympy.Integer(3)])
def test_f_without_x_has_zero_gradient_with_the_reason(f):
    d = derive(f, X)
    assert d.gradient == sympy.ZeroMatrix(3, 3)
    assert "does not occur" in str(d) and "verified" not in str(d)
    assert d.steps[-1].rule == "L"


def test_cancelling_terms_give_zero_checked_numerically():
    f = sympy.cos(sympy.Trace(X)) ** 2 + sympy.sin(sympy.Trace(X)) ** 2
    d = derive(f, X)
    assert d.gradient == sympy.ZeroMatrix(3, 3) and d.verification.passed
    assert d.steps[-2].plain()[1] == "0"
    assert "the terms cancel, so f does not change with X" in d.steps[-2].rule


def test_a_reader_matrix_named_dX_does_not_clash_with_the_differential():
    dX_reader = sympy.MatrixSymbol("dX", 3, 3)
    d = derive(sympy.Trace(dX_reader * X) + sympy.Trace(X.T * X), X)
    assert d.verification.passed and d.dX != dX_reader
    values = random_data(d.canonical_f, seed=1).values
    G = d.gradient_function()(**values)
    assert np.allclose(G, values["dX"].T + 2 * values["X"])
    assert "dX'" in str(d)  # the differential prints apart from the reader's dX


def test_a_reader_matrix_named_like_the_chain_placeholder_does_not_clash():
    Y, G = sympy.MatrixSymbol("Y", 3, 3), sympy.MatrixSymbol("G_Y", 3, 3)
    d = chain(2 * Y, Y, G * X, X, f=sympy.Trace(Y.T * Y))
    values = random_data(d.canonical_f, seed=2).values
    assert np.allclose(d.gradient_function()(**values), 2 * values["G_Y"].T @ values["G_Y"] @ values["X"])


def test_typed_text_goes_through_the_parser_or_is_refused():
    d = mdlib.derive("tr(X.T*A*X)", "X", shapes="X: 3x3, A: 3x3")
    assert d.verification.passed
    _right_by_finite_differences(d)
    with pytest.raises(MdlibError, match="declare its matrices as text"):
        mdlib.derive("tr(X)", X)
    with pytest.raises(MdlibError, match="declare its matrices as text"):
        mdlib.chain("2*Y", sympy.MatrixSymbol("Y", 3, 3), A * X, X)
    e = mdlib.chain("2*Y", "Y", "A*X", "X", shapes="Y: 3x3, A: 3x3, X: 3x3", f="tr(Y.T*Y)")
    assert e.verification.passed
    # the engine itself takes sympy objects only, and says where text goes
    for call in (lambda: derive("tr(X)", X), lambda: derive(sympy.Trace(X), "X"),
                 lambda: derive(sympy.Trace(X), X, shapes="X: 3x3")):
        with pytest.raises(MdlibError, match="mdlib.derive"):
            call()


def test_typed_text_is_never_evaluated(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("sympify called on typed text")

    monkeypatch.setattr(sympy, "sympify", lambda e, *args, **kw: refuse() if isinstance(e, str)
                        else sympy.core.sympify.sympify(e, *args, **kw))
    for call in (derive, mdlib.derive):
        with pytest.raises(MdlibError):
            call("__import__('os').system('true')", "X")


def test_given_is_checked_numerically():
    f = sympy.Trace(X.T * X)
    right = (r"\|X\|_F^2", "‖X‖_F²", "the Frobenius norm squared", "tr(X*X.T)")
    d = mdlib.derive(f, X, given=right, shapes="X: 3x3")
    assert "not checked" not in str(d)
    with pytest.raises(MdlibError, match="not equal to f"):
        mdlib.derive(f, X, given=(r"\|X\|", "‖X‖", "wrong", "tr(X)"), shapes="X: 3x3")
    words_only = derive(f, X, given=(r"\|X\|_F^2", "‖X‖_F²", "the Frobenius norm squared"))
    assert "not checked numerically" in str(words_only)


def test_numeric_failures_name_their_cause():
    values = {"X": np.ones((3, 3))}
    with pytest.raises(MdlibError, match="singular"):
        evaluate(sympy.Inverse(X), values)
    with pytest.raises(MdlibError, match="complex"):
        evaluate(sympy.Pow(sympy.Trace(X), sympy.Rational(1, 3)), {"X": -np.eye(3)})
    with pytest.raises(MdlibError, match="with the values given"):
        evaluate(A * X, {"X": np.ones((2, 2)), "A": np.ones((3, 3))})
    with pytest.raises(MdlibError, match="too large"):
        evaluate(sympy.Trace(X) ** (10 ** 6), {"X": np.eye(3) * 2})


def test_log_det_uses_slogdet_so_large_matrices_do_not_overflow():
    n = 200
    Xn = sympy.MatrixSymbol("X", n, n)
    value = scalar_value(sympy.log(sympy.Determinant(Xn)), {"X": 10 * np.eye(n)})
    assert np.isclose(value, n * np.log(10))
    # the engine's log-det is log|det X| (printed so): defined for det X < 0, not when singular
    assert scalar_value(sympy.log(sympy.Determinant(X)), {"X": -np.eye(3)}) == 0.0
    assert np.isnan(scalar_value(sympy.log(sympy.Determinant(X)), {"X": np.zeros((3, 3))}))


# ------------------------------------------------------------------ issue 8's typed reproducers

def _playground_says(f: str, shapes: str, wrt: str = "X") -> str:
    """What the chapter-7 playground shows: a derivation or one sentence, never a traceback."""
    from mdlib.widgets.playground import DerivationPlayground

    pg = DerivationPlayground(f, shapes, wrt)
    pg.run()
    (out,) = pg.output.outputs
    shown = out.get("text") or out["data"]["text/plain"]
    assert "Traceback" not in shown and "limitation of the engine" not in shown, shown
    return shown


#: Typed inputs that come back right (checked here by finite differences) in derive and the
#: playground alike.
RIGHT = [
    ("sum(exp(X))", "X: 1x1", "X"),
    ("1/(a.T*X*b)", "X: 3x3, a: 3, b: 3", "X"),
    ("2**X", "X: 1x1", "X"),
    ("tr(dX.T*X) + tr(X.T*X)", "X: 3x3, dX: 3x3", "X"),
    ("tr(G_Y*X)", "X: 3x3, G_Y: 3x3", "X"),
    ("tr(X)", "dX: 3x3, X: 3x3", "dX"),
]


@pytest.mark.parametrize("f,shapes,wrt", RIGHT, ids=[r[0] for r in RIGHT])
def test_typed_reproducers_come_back_right(f, shapes, wrt):
    from mdlib.parse import parse_expression

    expr, symbols = parse_expression(f, shapes)
    d = derive(expr, symbols[wrt])
    if d.verification is not None:
        assert d.verification.passed
        _right_by_finite_differences(d)
    else:  # wrt does not occur in f: exact, with its reason
        assert "does not occur" in d.exact_reason
    assert "verified" in _playground_says(f, shapes, wrt) or d.verification is None


#: Typed inputs the engine must refuse, each with the words that name the real cause.
REFUSED = [
    ("2**X", "X: 3x3", ["exponent X (3×3) must be a number"]),
    ("tr(inv(X - X.T))", "X: 3x3", ["X - X^T is singular"]),
    ("det(X*K)", "X: 3x2, K: 2x3", ["X K is singular"]),
    ("2/det(a*X)", "X: 1x3, a: 3", ["a X is singular"]),
]


@pytest.mark.parametrize("f,shapes,words", REFUSED, ids=[r[0] for r in REFUSED])
def test_typed_reproducers_are_refused_naming_the_cause(f, shapes, words):
    from mdlib.parse import parse_expression

    with pytest.raises(MdlibError) as caught:
        expr, symbols = parse_expression(f, shapes)
        derive(expr, symbols["X"])
    message = str(caught.value)
    assert all(w in message for w in words), message
    assert "verified:" not in message
    shown = _playground_says(f, shapes)
    assert shown.startswith("mdlib: ") and all(w in shown for w in words), shown


@pytest.mark.parametrize("f,shapes,words", [
    ("tr(inv(X - X.T))", "X: 3x3", ["X - X^T is singular", "skew-symmetric", "odd size 3",
                                    "every value"]),
    ("det(X*K)*tr(inv(X*K))", "X: 3x2, K: 2x3", ["X K is singular", "rank is at most 2",
                                                  "every value"]),
    ("2/det(a*X)", "X: 1x3, a: 3", ["divides by |a X|", "rank is at most 1", "every value"]),
], ids=["odd skew", "low-rank product", "zero determinant"])
def test_a_matrix_singular_for_every_value_is_named_with_the_reason(f, shapes, words):
    from mdlib.parse import parse_expression

    expr, _ = parse_expression(f, shapes)
    values = {"X": np.random.default_rng(0).standard_normal((3, 3))} if "3x3" in shapes else {
        "X": np.eye(3, 2), "K": np.eye(2, 3)} if "K" in shapes else {
        "X": np.array([[1.0, 2.0, 3.0]]), "a": np.eye(3, 1)}  # exactly singular in floats
    with pytest.raises(MdlibError) as caught:
        evaluate(expr, values)
    assert all(w in str(caught.value) for w in words), str(caught.value)


def test_a_cancelling_typed_sum_has_zero_gradient_with_the_reason():
    shown = _playground_says("cos(tr(X))**2 + sin(tr(X))**2", "X: 3x3")
    assert "the terms cancel" in shown and "∂f/∂X = 0" in shown and "verified" in shown


def test_a_number_over_a_matrix_function_prints_as_a_fraction():
    from mdlib.parse import parse_expression

    f, _ = parse_expression("2/det(a*Y) + 0.5/tr(X)", "X: 3x3, Y: 1x3, a: 3")
    assert to_text(f) in ("2 / |a Y| + 0.5 / tr(X)", "0.5 / tr(X) + 2 / |a Y|")
    assert r"\frac{2}{\left|a Y\right|}" in to_latex(f)


# Gradients sympy itself must be able to print, negate and transpose (the reader may):
# * tanh of a scalar holding log|det F| with an integer factor inside F: asked whether the
#   factor 1 - tanh(log|F|)² is real, sympy split log into real and imaginary parts, factored
#   the terms inside det and built a sum of F's matrices and a number ("Mix of Matrix and
#   Scalar symbols");
# * exp(-k exp(aᵀXb)): sympy.latex simplified the exponent, wrapped aᵀXb in a product of one
#   product and then took it apart ("Power of non-square matrix a.T").
# Each case: the text, its shapes and f in numpy, written here independently of the engine.
def _logdet(M):
    return np.linalg.slogdet(M)[1]


GRADIENT_FORMS = [
    ("tanh(logdet(2*I + X.T*X))", "X: 2x2",
     lambda v: np.tanh(_logdet(2 * np.eye(2) + v["X"].T @ v["X"]))),
    ("tanh(logdet(S + 2*X))", "X: 2x2, S: 2x2",
     lambda v: np.tanh(_logdet(v["S"] + 2 * v["X"]))),
    ("tanh(tr(X)*logdet(2*I + X.T*X))", "X: 2x2",
     lambda v: np.tanh(np.trace(v["X"]) * _logdet(2 * np.eye(2) + v["X"].T @ v["X"]))),
    ("tanh(logdet(3*I + X.T*X))", "X: 3x2",
     lambda v: np.tanh(_logdet(3 * np.eye(2) + v["X"].T @ v["X"]))),
    ("tanh(logdet(2*I + X.T*X))*tanh(tr(2*X))", "X: 2x2",
     lambda v: (np.tanh(_logdet(2 * np.eye(2) + v["X"].T @ v["X"]))
                * np.tanh(2 * np.trace(v["X"])))),
    ("tanh(a.T*X*a + logdet(I + 2*X.T*X))", "X: 3x3, a: 3",
     lambda v: np.tanh((v["a"].T @ v["X"] @ v["a"]).item()
                       + _logdet(np.eye(3) + 2 * v["X"].T @ v["X"]))),
    ("exp(-exp(a.T*X*b))", "X: 2x2, a: 2, b: 2",
     lambda v: np.exp(-np.exp((v["a"].T @ v["X"] @ v["b"]).item()))),
    ("tr(X)**2*exp(-2*exp(a.T*A*b))", "X: 2x2, A: 2x2, a: 2, b: 2",
     lambda v: (np.trace(v["X"]) ** 2
                * np.exp(-2 * np.exp((v["a"].T @ v["A"] @ v["b"]).item())))),
    ("(tr(X)/exp(exp(u.T*A*v)))**2", "X: 2x2, A: 2x1, u: 2, v: 1x1",
     lambda v: (np.trace(v["X"]) / np.exp(np.exp((v["u"].T @ v["A"] @ v["v"]).item()))) ** 2),
]


@pytest.mark.parametrize("text,shapes,f_numpy", GRADIENT_FORMS, ids=[c[0] for c in GRADIENT_FORMS])
def test_the_gradient_is_a_matrix_expression_sympy_prints_negates_and_transposes(text, shapes,
                                                                                 f_numpy):
    f, symbols = parse_expression(text, shapes)
    d = derive(f, symbols["X"])
    assert d.verification.passed
    G = d.gradient
    assert str(G) and sympy.latex(G) and str(-G) and str(G.T)
    rng = np.random.default_rng(7)
    values = {name: 0.5 * rng.standard_normal(M.shape) for name, M in symbols.items()}
    G_value = np.asarray(evaluate(G, values), dtype=float)
    assert np.allclose(np.asarray(evaluate(-G, values), dtype=float), -G_value)
    assert np.allclose(np.asarray(evaluate(G.T, values), dtype=float), G_value.T)
    # central differences of f in numpy, entry by entry
    h, X0, reference = 1e-6, values["X"], np.zeros_like(values["X"])
    for index in np.ndindex(X0.shape):
        E = np.zeros_like(X0)
        E[index] = h
        reference[index] = (f_numpy({**values, "X": X0 + E})
                            - f_numpy({**values, "X": X0 - E})) / (2 * h)
    assert np.allclose(G_value, reference, rtol=1e-6, atol=1e-8)


def test_every_catalog_gradient_prints_negates_and_transposes():
    for case in CASES:
        G = derive(case.f, case.X, symmetric=case.symmetric, given=case.given,
                   verify=False).gradient
        assert str(G) and sympy.latex(G) and str(-G) and str(G.T), case.name


def test_gradients_of_a_sample_of_the_fuzz_expressions_print_negate_and_transpose():
    import test_fuzz  # the fuzz test's generator (tests/ is on the path under pytest)

    for k in range(0, test_fuzz.N_EXPRESSIONS, 16):
        node, gen = test_fuzz._generate(k)
        try:
            f, symbols = parse_expression(node.text, test_fuzz._shape_text(gen))
            G = derive(f, symbols["X"], verify=False).gradient
        except MdlibError:  # a refusal naming its cause is the fuzz test's business
            continue
        assert str(G) and sympy.latex(G) and str(-G) and str(G.T), node.text

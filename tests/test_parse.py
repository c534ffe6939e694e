"""Typed expressions become the engine's sympy objects; everything else gets a sentence.

The parser is checked three ways: the value of every construct is compared with numpy at random
data (it builds the right mathematics), the gradients of the T1 cases are compared with finite
differences of a numpy function written here (the engine sees a form it differentiates right),
and every limit and refusal is checked for the words that tell the reader what to change.
"""

import numpy as np
import pytest
import sympy

from mdlib import MdlibError
from mdlib.engine import derive
from mdlib.engine.nodes import AsScalar, LogDet, Sigmoid
from mdlib.engine.numeric import evaluate
from mdlib.parse import (
    FUNCTIONS,
    MAX_BRACKETS,
    MAX_DECLARATIONS,
    MAX_DEPTH,
    MAX_EXPONENT,
    MAX_LENGTH,
    MAX_SIZE,
    help_text,
    parse_expression,
    parse_shapes,
)

SHAPES = "X: 3x3, A: 3x3, R: 3x2, a: 3, b: 3, c: 2, s: 1"


def data(seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((3, 3)) / 3 + np.eye(3)  # well conditioned, det > 0
    return {"X": X, "A": rng.standard_normal((3, 3)), "R": rng.standard_normal((3, 2)),
            "a": rng.standard_normal((3, 1)), "b": rng.standard_normal((3, 1)),
            "c": rng.standard_normal((2, 1)), "s": rng.uniform(0.5, 1.5, (1, 1))}


def sig(t):
    return 1 / (1 + np.exp(-t))


inv, det, tr = np.linalg.inv, np.linalg.det, np.trace
E3 = np.eye(3)

# (typed text, the same thing in numpy): every construct of the language once or more.
CONSTRUCTS = [
    ("2", lambda v: 2.0), ("0.5*tr(X)", lambda v: 0.5 * tr(v["X"])), ("1e-3*tr(X)", lambda v: 1e-3 * tr(v["X"])),
    ("X", lambda v: v["X"]), ("X.T", lambda v: v["X"].T), ("X.T.T", lambda v: v["X"]),
    ("X + A", lambda v: v["X"] + v["A"]), ("X - A", lambda v: v["X"] - v["A"]),
    ("-X", lambda v: -v["X"]), ("+X", lambda v: v["X"]), ("X*A*R", lambda v: v["X"] @ v["A"] @ v["R"]),
    ("2*X", lambda v: 2 * v["X"]), ("X*2", lambda v: 2 * v["X"]), ("X/2", lambda v: v["X"] / 2),
    ("tr(X)/2", lambda v: tr(v["X"]) / 2), ("1/2*tr(X)", lambda v: tr(v["X"]) / 2),
    ("X**2", lambda v: v["X"] @ v["X"]), ("X**-1", lambda v: inv(v["X"])), ("X**-2", lambda v: inv(v["X"] @ v["X"])),
    ("X**0", lambda v: E3), ("tr(X)**3", lambda v: tr(v["X"]) ** 3), ("tr(X.T*X)**0.5", lambda v: np.sqrt(tr(v["X"].T @ v["X"]))),
    ("tr(X.T*X)**(1/2)", lambda v: np.sqrt(tr(v["X"].T @ v["X"]))), ("2**tr(X)", lambda v: 2 ** tr(v["X"])),
    ("(X + A)*(X - A)", lambda v: (v["X"] + v["A"]) @ (v["X"] - v["A"])),
    ("tr(X)", lambda v: tr(v["X"])), ("trace(X)", lambda v: tr(v["X"])), ("det(X)", lambda v: det(v["X"])),
    ("logdet(X)", lambda v: np.log(det(v["X"]))), ("inv(X)", lambda v: inv(v["X"])),
    ("had(X, A)", lambda v: v["X"] * v["A"]), ("had(X, A, X)", lambda v: v["X"] * v["A"] * v["X"]),
    ("exp(X)", lambda v: np.exp(v["X"])), ("log(had(X, X) + had(A, A))", lambda v: np.log(v["X"] ** 2 + v["A"] ** 2)),
    ("sin(X)", lambda v: np.sin(v["X"])), ("cos(X)", lambda v: np.cos(v["X"])), ("tanh(X)", lambda v: np.tanh(v["X"])),
    ("sigmoid(X)", lambda v: sig(v["X"])), ("sqrt(exp(X))", lambda v: np.exp(v["X"] / 2)),
    ("sum(R)", lambda v: v["R"].sum()), ("sum(exp(R))", lambda v: np.exp(v["R"]).sum()),
    ("exp(tr(X))", lambda v: np.exp(tr(v["X"]))), ("sigmoid(det(X))", lambda v: sig(det(v["X"]))),
    ("pi*tr(X)", lambda v: np.pi * tr(v["X"])), ("e**tr(X)", lambda v: np.exp(tr(v["X"]))),
    ("e", lambda v: np.e), ("cos(pi)*tr(X)", lambda v: -tr(v["X"])),
    # I, sized by what it meets
    ("X + I", lambda v: v["X"] + E3), ("I - X", lambda v: E3 - v["X"]), ("2*I + X", lambda v: 2 * E3 + v["X"]),
    ("X*I", lambda v: v["X"]), ("I*R", lambda v: v["R"]), ("R.T*I", lambda v: v["R"].T),
    ("inv(4*I + inv(X))", lambda v: inv(4 * E3 + inv(v["X"]))), ("(I + I)*X", lambda v: 2 * v["X"]),
    ("I.T/2 + X", lambda v: E3 / 2 + v["X"]), ("-I + X", lambda v: v["X"] - E3), ("I**2 + X", lambda v: E3 + v["X"]),
    ("had(I, X)", lambda v: np.diag(np.diag(v["X"]))), ("a.T*I*b", lambda v: v["a"].T @ v["b"]),
    ("(a.T*a)*I + X", lambda v: (v["a"].T @ v["a"]).item() * E3 + v["X"]),
    # T1: a 1×1 matrix used as the number it is
    ("tr(X) + a.T*X*b", lambda v: tr(v["X"]) + (v["a"].T @ v["X"] @ v["b"]).item()),
    ("a.T*X*b - 1", lambda v: (v["a"].T @ v["X"] @ v["b"]).item() - 1),
    ("log(1 + (a.T*X*b)**2)", lambda v: np.log(1 + (v["a"].T @ v["X"] @ v["b"]).item() ** 2)),
    ("logdet(X) - 3*a.T*A*b", lambda v: np.log(det(v["X"])) - 3 * (v["a"].T @ v["A"] @ v["b"]).item()),
    ("1/(a.T*X*b)", lambda v: 1 / (v["a"].T @ v["X"] @ v["b"]).item()),
    ("exp(a.T*X*b)", lambda v: np.exp((v["a"].T @ v["X"] @ v["b"]).item())),
    ("tr(X)*(a.T*X*b)", lambda v: tr(v["X"]) * (v["a"].T @ v["X"] @ v["b"]).item()),
    ("(a.T*b)*X", lambda v: (v["a"].T @ v["b"]).item() * v["X"]),
    ("X*(a.T*b)", lambda v: (v["a"].T @ v["b"]).item() * v["X"]),
    ("X/(a.T*a)", lambda v: v["X"] / (v["a"].T @ v["a"]).item()),
    ("2**(a.T*b)", lambda v: 2 ** (v["a"].T @ v["b"]).item()), ("sum(exp(s))", lambda v: np.exp(v["s"]).item()),
    ("s*s + 1", lambda v: v["s"].item() ** 2 + 1), ("sum(s)", lambda v: v["s"].item()),
]


@pytest.mark.parametrize(("text", "reference"), CONSTRUCTS, ids=[c[0] for c in CONSTRUCTS])
def test_every_construct_builds_the_right_mathematics(text, reference):
    expr, _symbols = parse_expression(text, SHAPES)
    for seed in (0, 1):
        values = data(seed)
        got = np.asarray(evaluate(expr, values), dtype=float)
        want = np.asarray(reference(values), dtype=float)
        assert np.allclose(got.reshape(want.shape) if got.size == want.size else got, want, rtol=1e-10), text


def test_shapes_accept_matrices_vectors_and_separators():
    symbols = parse_shapes("X: 3x4, a: 3; b: 4\nW: 2×3, v: 2, 2")
    assert {k: v.shape for k, v in symbols.items()} == {
        "X": (3, 4), "a": (3, 1), "b": (4, 1), "W": (2, 3), "v": (2, 2)}


def test_differentials_are_ordinary_matrices():
    """The step checker declares dX, dA: they must be plain matrices, equal to the engine's dX."""
    expr, symbols = parse_expression("tr(dX.T*A*X + X.T*A*dX) - tr(inv(X)*dX)", "X: 3x3, A: 3x3, dX: 3x3")
    assert symbols["dX"] == sympy.MatrixSymbol("dX", 3, 3)
    assert symbols["dX"] in expr.free_symbols


def finite_difference_gradient(f, X, h=1e-6):
    G = np.zeros_like(X)
    for idx in np.ndindex(*X.shape):
        E = np.zeros_like(X)
        E[idx] = h
        G[idx] = (f(X + E) - f(X - E)) / (2 * h)
    return G


# T1 cases: right, verified gradients, checked against finite differences of numpy code here.
T1_CASES = [
    ("tr(X) + a.T*X*b", lambda X, v: tr(X) + (v["a"].T @ X @ v["b"]).item()),
    ("log(1 + (a.T*X*b)**2)", lambda X, v: np.log(1 + (v["a"].T @ X @ v["b"]).item() ** 2)),
    ("logdet(X) - 3*a.T*A*b", lambda X, v: np.log(det(X)) - 3 * (v["a"].T @ v["A"] @ v["b"]).item()),
    ("1/(a.T*X*b)", lambda X, v: 1 / (v["a"].T @ X @ v["b"]).item()),
    ("tr(X)*(a.T*X*b) - (a.T*X*b)**2", lambda X, v: tr(X) * (v["a"].T @ X @ v["b"]).item()
     - (v["a"].T @ X @ v["b"]).item() ** 2),
    ("tr(inv(4*I + inv(X)))", lambda X, v: tr(inv(4 * E3 + inv(X)))),
    ("sqrt(1 + (a.T*X*b)**2) + tr((X - I).T*(X - I))",
     lambda X, v: np.sqrt(1 + (v["a"].T @ X @ v["b"]).item() ** 2) + tr((X - E3).T @ (X - E3))),
]


@pytest.mark.parametrize(("text", "f"), T1_CASES, ids=[c[0] for c in T1_CASES])
def test_a_one_by_one_product_is_a_number_and_the_gradient_is_right(text, f):
    expr, symbols = parse_expression(text, SHAPES)
    d = derive(expr, symbols["X"])
    assert d.verification.passed
    values = data(3)
    values["a"] = values["a"] + 1  # keep a.T*X*b away from 0 for 1/(a.T*X*b)
    G = d.gradient_function()(**values)
    reference = finite_difference_gradient(lambda X: f(X, values), values["X"])
    assert np.allclose(G, reference, rtol=1e-6, atol=1e-7)
    assert "sympy" not in str(d).lower()


# A 1×1 matrix made a number by an entrywise function, a power or a number added is the 1×1
# matrix again where a matrix is needed (tr, det, logdet, inv, had, sum, I); x = X[0, 0].
ONE_BY_ONE_SHAPES = "X: 1x1, A: 1x1, B: 1x3"
ONE_BY_ONE_CASES = [
    ("tr(X**2)", lambda x, v: x ** 2), ("tr(exp(X))", lambda x, v: np.exp(x)),
    ("inv(X + 2)", lambda x, v: 1 / (x + 2)), ("logdet(X*X + 1)", lambda x, v: np.log(x * x + 1)),
    ("tr(had(exp(X), X))", lambda x, v: np.exp(x) * x), ("tr(X*X)", lambda x, v: x * x),
    ("det(sigmoid(X) - A)", lambda x, v: sig(x) - v["A"]), ("trace(sqrt(exp(X)))", lambda x, v: np.exp(x / 2)),
    ("tr(X**0.5 + 1)", lambda x, v: np.sqrt(x) + 1), ("tr(2**X)", lambda x, v: 2 ** x),
    ("tr(inv(exp(X))*A)", lambda x, v: v["A"] / np.exp(x)), ("tr(X**-2)", lambda x, v: x ** -2.0),
    ("logdet(exp(X) + 2*I)", lambda x, v: np.log(np.exp(x) + 2)), ("tr(2*I - sin(X))", lambda x, v: 2 - np.sin(x)),
    ("tr(had(I, cos(X)))", lambda x, v: np.cos(x)), ("sum(X**3)", lambda x, v: x ** 3),
    ("tr(-exp(X)/pi + tr(X))", lambda x, v: -np.exp(x) / np.pi + x),
    ("sum(inv(X + 2)*B)", lambda x, v: v["B"].sum() / (x + 2)),
    ("det(tanh(X)*X*exp(X))", lambda x, v: np.tanh(x) * x * np.exp(x)),
    ("inv(exp(X) + tr(X))", lambda x, v: 1 / (np.exp(x) + x)),
]


@pytest.mark.parametrize(("text", "f"), ONE_BY_ONE_CASES, ids=[c[0] for c in ONE_BY_ONE_CASES])
def test_a_number_made_of_a_one_by_one_matrix_is_that_matrix_where_one_is_needed(text, f):
    expr, symbols = parse_expression(text, ONE_BY_ONE_SHAPES)
    d = derive(expr, symbols["X"])
    assert d.verification is not None and d.verification.passed, text
    str(d), d._repr_latex_(), str(d.gradient)  # what the reader sees prints
    for x0 in (0.7, 1.3):
        values = {"X": np.array([[x0]]), "A": np.array([[0.4]]), "B": np.array([[0.5, -1.0, 2.0]])}
        G = np.asarray(evaluate(d.gradient, values), dtype=float).reshape(1, 1)
        value = np.asarray(evaluate(expr, values), dtype=float).reshape(-1)[0]
        assert np.isclose(value, float(np.asarray(f(x0, values)).reshape(-1)[0]), rtol=1e-12), text
        reference = finite_difference_gradient(
            lambda X, values=values: float(np.asarray(f(X[0, 0], values)).reshape(-1)[0]), values["X"])
        assert np.allclose(G, reference, rtol=1e-6, atol=1e-8), text


def test_a_one_by_one_sum_with_a_number_is_a_matrix_inside_tr():
    """``a.T*X*b + 1`` (X: 3x3) is a number, and a 1×1 matrix inside tr(...) or inv(...)."""
    expr, symbols = parse_expression("tr(a.T*X*b + 1) + inv(2 + a.T*X*a)", SHAPES)
    d = derive(expr, symbols["X"])
    assert d.verification.passed
    values = data(4)
    quadratic = lambda X, u, w: (values[u].T @ X @ values[w]).item()  # noqa: E731
    reference = finite_difference_gradient(
        lambda X: quadratic(X, "a", "b") + 1 + 1 / (2 + quadratic(X, "a", "a")), values["X"])
    assert np.allclose(d.gradient_function()(**values), reference, rtol=1e-6, atol=1e-8)


def test_numbers_read_from_one_by_one_matrices_stay_numbers_where_numbers_go():
    """The T1 reading is unchanged: exp(x), x**2 and x + 2 are numbers; a number without a 1×1
    matrix in it (2, tr(X)) is no matrix, so tr(...) of it is still refused with the hint."""
    x = sympy.MatrixSymbol("X", 1, 1)
    assert parse_expression("exp(X) + X**2 + 2", "X: 1x1")[0] == (
        sympy.exp(AsScalar(x)) + AsScalar(x) ** 2 + 2)
    for text in ("tr(tr(X))", "tr(2)", "inv(tr(X)**2)"):
        with pytest.raises(MdlibError, match="is a number"):
            parse_expression(text, "X: 1x1")


# Every refusal: (text, shapes, words the message must contain).
REFUSALS = [
    # syntax and operators
    ("tr(X*A", SHAPES, "is never closed: add a ')'"), ("tr(X)^2", SHAPES, "write ** for powers"),
    ("tr(X^T*A)", SHAPES, "^T (column 5): write X.T for the transpose"), ("2X", SHAPES, "write 2*X for 2X"),
    ("tr(X'*A)", SHAPES, "write X.T for a transpose"), ("(X)(A)", SHAPES, "for a product write X*(...)"),
    ("(X + A)(A)", SHAPES, "(X + A)(A) (column 1): a product needs *, e.g. (X + A)*(...)"),
    ("X @ A", SHAPES, "write * for the matrix product"), ("X // 2", SHAPES, "// (column 3) is not part"),
    ("X % 2", SHAPES, "%"), ("~X", SHAPES, "~"), ("not X", SHAPES, "not"), ("X < A", SHAPES, "a comparison"),
    ("X and A", SHAPES, "and/or"), ("X if A else X", SHAPES, "if ... else"), ("lambda: 1", SHAPES, "lambda"),
    ("import os", SHAPES, "'import' is a Python keyword and not part of the expression language"),
    ("X; A", SHAPES, "check the brackets"), ("   ", SHAPES, "type an expression"),
    # constructs, with their column
    ('"a"', SHAPES, "the text 'a' (column 1) is not part of the expression language"),
    ("X[0]", SHAPES, "indexing with [...] (column 1)"), ("[x for x in ()]", SHAPES, "a comprehension"),
    ("(x for x in X)", SHAPES, "a comprehension"), ("[X, A]", SHAPES, "a list"), ("X, A", SHAPES, "a tuple"),
    ("{X}", SHAPES, "a set"), ("{1: X}", SHAPES, "a dictionary"), ("(y := X)", SHAPES, "the := operator"),
    ("f'{X}'", SHAPES, "an f-string"), ("tr(*X)", SHAPES, "*"), ("tr(M=X)", SHAPES, "a keyword argument"),
    ("True*X", SHAPES, "True"), ("None", SHAPES, "None"), ("2j*X", SHAPES, "imaginary"), ("...", SHAPES, "Ellipsis"),
    # attributes
    ("tr(X.foo)", SHAPES, "X.foo (column 4): only .T (the transpose) may follow a dot"),
    ("X.I", SHAPES, "for an inverse write inv(M)"), ("X.__class__", SHAPES, "only .T"),
    ("X.T(A)", SHAPES, "a product needs *, e.g. X.T*(...)"),
    # names
    ("tr(X*B)", SHAPES, "unknown name B (column 6): declare it in the shapes, e.g. 'B: 3x3'. Declared: X, A, R"),
    ("tr(X*B)", SHAPES, "functions: tr, trace, det"), ("E*tr(X)", SHAPES, "for Euler's number write e"),
    ("abs(X)", SHAPES, "unknown function abs() (column 1); the functions are tr, trace"),
    ("X(2)", SHAPES, "X (column 1) is a matrix, not a function"), ("pi(2)", SHAPES, "pi (column 1) is a constant"),
    ("tr + X", SHAPES, "tr (column 1) is a function: call it"), ("__import__", SHAPES, "unknown name __import__"),
    # characters
    ("tr(Xᵀ*A)", SHAPES, "write .T for the transpose"), ("2×X", SHAPES, "write * for products"),
    ("tr(X) − 1", SHAPES, "the ASCII minus"), ("tr(é)", SHAPES, "plain ASCII"), ("tr(X)\x00", SHAPES, "column 6"),
    # arity and kinds
    ("tr(X, A)", SHAPES, "tr takes 1 argument, but tr(X, A) (column 1) has 2; write tr(M)"),
    ("tr()", SHAPES, "tr takes 1 argument"), ("had(X)", SHAPES, "had takes 2 or more arguments"),
    ("det(R)", SHAPES, "det needs a square matrix, but R (3×2) is not square"),
    ("logdet(R)", SHAPES, "logdet needs a square matrix"), ("inv(R)", SHAPES, "inv needs a square matrix"),
    ("tr(R)", SHAPES, "tr needs a square matrix"), ("R**2", SHAPES, "only a square matrix has powers"),
    ("X**0.5", SHAPES, "whole-number exponent"), ("X**tr(A)", SHAPES, "whole-number exponent"),
    ("sum(tr(X))", SHAPES, "sum needs a matrix, but tr(X) (column 5) is a number"),
    ("sum(tr(X))", SHAPES, "a number needs no sum"), ("tr(tr(X))", SHAPES, "a number is its own trace"),
    # the zero matrix (X - X, 0*X) has no inverse and no log-det: never "∂f/∂X = 0, exact"
    ("tr(inv(X - X))", SHAPES, "X - X is the zero matrix, which has no inverse"),
    ("logdet(0*X)", SHAPES, "0*X is the zero matrix, which has determinant 0"),
    ("tr((X - X)**-1)", SHAPES, "divides by zero"), ("1/(s - s)", SHAPES, "1/(s - s) (column 1) divides by zero"),
    ("log(s - s)", SHAPES, "is not a finite number"), ("inv(s - s)", SHAPES, "is the zero matrix"),
    ("logdet(tr(X))", SHAPES, "write log(...) for a number"), ("inv(2)", SHAPES, "write 1/(...) for a number"),
    ("had(X, 2)", SHAPES, "had multiplies matrices entry by entry, but 2 is a number: write 2*M"),
    ("had(X, R)", SHAPES, "had needs matrices of the same shape, but X (3×3) and R (3×2) differ"),
    # shapes
    ("R*R", SHAPES, "cannot multiply R (3×2) times R (3×2): inner sizes 2 and 3 differ"),
    ("X*A*R*X", SHAPES, "X*A*R (3×2) times X (3×3): inner sizes 2 and 3 differ"),
    ("X + R", SHAPES, "cannot add X (3×3) and R (3×2): the shapes differ"),
    ("X + 1", SHAPES, "cannot add the number 1 and the matrix X (3×3); for a multiple of the identity write 1*I"),
    ("X - (1 + 2)", SHAPES, "write (1 + 2)*I"), ("X.I", SHAPES, "write inv(M)"),
    ("tr(X) - R", SHAPES, "cannot add the number tr(X) and the matrix R (3×2)"),
    ("X/A", SHAPES, "cannot divide by the matrix A (3×3); multiply by its inverse, inv(A)"),
    ("2**X", SHAPES, "the exponent X (3×3) must be a number, not a matrix"),
    # the identity
    ("I", SHAPES, "cannot tell the size of the identity I in I"), ("tr(I)", SHAPES, "cannot tell the size"),
    ("I + 1", SHAPES, "cannot tell the size"), ("tr(X)*I", SHAPES, "cannot tell the size"),
    ("I + R", SHAPES, "I is square"), ("exp(I)", SHAPES, "cannot tell the size"), ("had(I, I)", SHAPES, "cannot tell"),
    ("X/I", SHAPES, "cannot divide by the matrix I"), ("X**I", SHAPES, "must be a number"),
    # numbers and limits
    ("1/0", SHAPES, "divides by zero"), ("X/0", SHAPES, "divides by zero"), ("0**-1*tr(X)", SHAPES, "divides by zero"),
    ("log(0)", SHAPES, "not a finite number"), ("sqrt(-1)*tr(X)", SHAPES, "imaginary"), ("log(-1)", SHAPES, "imaginary"),
    ("1e400*tr(X)", SHAPES, "too large for double precision"), ("1234567890123456*tr(X)", SHAPES, "more than 15 digits"),
    ("9**9**9*tr(X)", SHAPES, f"outside -{MAX_EXPONENT}…{MAX_EXPONENT}"), ("tr(X)**10**6", SHAPES, "is outside"),
    ("X**65", SHAPES, "exponents are limited to that range"), ("tr(X)**-65", SHAPES, "is outside"),
    ("(10**15)**40*tr(X)", SHAPES, "larger than 10^300"), ("exp(exp(exp(6)))*tr(X)", SHAPES, "larger than 10^300"),
    ("X" + "+X" * 1200, SHAPES, f"the limit is {MAX_LENGTH}"), ("(" * 40 + "X" + ")" * 40, SHAPES, f"more than {MAX_BRACKETS} deep"),
    ("-" * 300 + "X", SHAPES, f"more than {MAX_DEPTH} operations"),
]


@pytest.mark.parametrize(("text", "shapes", "words"), REFUSALS, ids=[r[0][:40] for r in REFUSALS])
def test_every_refusal_says_what_to_change(text, shapes, words):
    with pytest.raises(MdlibError) as err:
        parse_expression(text, shapes)
    message = str(err.value)
    assert words in message
    assert "sympy" not in message.lower() and "Traceback" not in message


BAD_SHAPES = [
    ("X 3x3", "cannot read the shape declaration"), ("", "declare at least one"),
    ("tr: 3x3", "'tr' is a reserved name (the function tr)"), ("I: 3x3", "(the constant I)"),
    ("pi: 1", "reserved name"), ("e: 3", "reserved name"), ("lambda: 3x3", "reserved word of Python"),
    ("X: 0x3", "at least one row"), ("X: 3x3, X: 2x2", "X is declared twice (the first time as 3×3)"),
    ("a: 1, a: 3x3", "declared twice"), ("Xé: 3x3", "ASCII letter"), ("_x: 3", "start with an ASCII letter"),
    ("__import__: 3", "start with an ASCII letter"), ("x" * 40 + ": 3", "longer than 30 characters"),
    ("X: 100000x100000", f"each dimension is at most {MAX_SIZE}"), ("X: 3x501", "checked numerically"),
    ("X: 99999999999999999999999999", "at most"), ("X: 3x3" + ", Y: 3" * 2000, "the limit is"),
    (", ".join(f"M{k}: 2" for k in range(MAX_DECLARATIONS + 1)), f"at most {MAX_DECLARATIONS} matrices"),
]


@pytest.mark.parametrize(("shapes", "words"), BAD_SHAPES, ids=[s[0][:30] for s in BAD_SHAPES])
def test_bad_shape_declarations_are_explained(shapes, words):
    with pytest.raises(MdlibError, match=None) as err:
        parse_shapes(shapes)
    assert words in str(err.value)


def test_columns_count_from_the_first_character_typed():
    with pytest.raises(MdlibError, match=r"column 8\)"):
        parse_expression("  tr(X)^2", SHAPES)


def test_limits_are_generous_enough_for_real_formulas():
    parse_expression(f"tr(X**{MAX_EXPONENT}) + tr(X)**-{MAX_EXPONENT}", SHAPES)
    parse_expression("(" * MAX_BRACKETS + "X" + ")" * MAX_BRACKETS, SHAPES)
    parse_expression("+".join(["tr(X)"] * 90), SHAPES)  # a long sum is no deep nesting
    parse_shapes(f"X: {MAX_SIZE}x{MAX_SIZE}")
    parse_shapes(", ".join(f"M{k}: 2" for k in range(MAX_DECLARATIONS)))


def test_help_text_lists_every_function_constant_and_limit():
    text = help_text()
    lines = [" ".join(line.split()) for line in text.splitlines()]
    for name, function in FUNCTIONS.items():
        assert f"{function.signature(name)} {function.description}" in lines
    for words in ("pi", "Euler's number", "the identity matrix", str(MAX_LENGTH), str(MAX_SIZE), "**"):
        assert words in text


def test_the_engine_sees_the_same_objects_as_before():
    """The node types the engine dispatches on (one per typed function), built directly."""
    X, A = sympy.MatrixSymbol("X", 3, 3), sympy.MatrixSymbol("A", 3, 3)
    a, b = sympy.MatrixSymbol("a", 3, 1), sympy.MatrixSymbol("b", 3, 1)
    one = sympy.OneMatrix(3, 1)
    expected = {
        "tr(X.T*A*X)": sympy.Trace(X.T * A * X), "det(X)": sympy.Determinant(X),
        "logdet(X)": LogDet(sympy.Determinant(X)), "inv(X)": sympy.Inverse(X), "X**-1": X**-1,
        "X**2": X**2, "had(X, A)": sympy.HadamardProduct(X, A), "sum(X)": AsScalar(one.T * X * one),
        "log(a.T*X*b)": sympy.log(AsScalar(a.T * X * b)), "sigmoid(a.T*X*b)": Sigmoid(AsScalar(a.T * X * b)),
        "tr(X) + a.T*X*b": sympy.Trace(X) + AsScalar(a.T * X * b), "X - 2*A": X - 2 * A,
        "inv(X + I)": sympy.Inverse(X + sympy.Identity(3)), "tr(X)/pi": sympy.Trace(X) / sympy.pi,
    }
    for text, want in expected.items():
        assert parse_expression(text, SHAPES)[0] == want, text
    (fn,) = [parse_expression(t, SHAPES)[0] for t in ["exp(X)"]]
    assert fn.expr == X and fn.function(sympy.Symbol("t")) == sympy.exp(sympy.Symbol("t"))


# ---------------------------------------------------------------- parser and engine agree

def _sample_calls(name: str) -> list[str]:
    """Typed uses of one function on sample arguments: on a matrix and, if it takes one, a number.

    The arguments are positive (log, sqrt) and below π/2 (tan); a matrix result is summed."""
    needs = FUNCTIONS[name].needs
    if needs == "same shape":
        return [f"sum({name}(X, A*X))"]
    if needs == "matrix":
        return [f"{name}(X*A)"]
    if needs == "square":
        return [f"{name}(X)" if name in ("tr", "trace", "det", "logdet") else f"tr({name}(X))"]
    return [f"sum({name}(exp(X/4)/2))", f"{name}(exp(tr(A*X)/10)/2)"]  # needs == "any"


def _fd_gradient(f: sympy.Basic, values: dict, h: float = 1e-6) -> np.ndarray:
    X0 = values["X"]
    G = np.zeros_like(X0)
    for i in range(X0.shape[0]):
        for j in range(X0.shape[1]):
            E = np.zeros_like(X0)
            E[i, j] = h
            up = float(np.asarray(evaluate(f, {**values, "X": X0 + E})).reshape(-1)[0])
            down = float(np.asarray(evaluate(f, {**values, "X": X0 - E})).reshape(-1)[0])
            G[i, j] = (up - down) / (2 * h)
    return G


#: Functions for lines written in vec form (second order): their values are matrices of vec
#: calculus, checked below against numpy; the gradient engine refuses them with a sentence.
VEC_FUNCTIONS = ("vec", "kron", "K", "diagvec")


@pytest.mark.parametrize("name", [n for n in FUNCTIONS if n not in VEC_FUNCTIONS + ("eye",)])
def test_every_function_the_parser_offers_is_derived_and_verified(name):
    """No function is offered by the parser and then refused by the engine: each derives, is
    verified by the engine, and agrees with this test's own finite differences."""
    for text in _sample_calls(name):
        try:
            f, symbols = parse_expression(text, "X: 3x3, A: 3x3")
        except MdlibError as err:  # refused by the parser: only with a sentence, never silently
            assert str(err) and "sympy" not in str(err).lower(), text
            continue
        d = derive(f, symbols["X"])
        assert d.verification is not None and d.verification.passed, text
        values = data(1)
        values["X"] = values["X"] @ values["X"].T / 3 + np.eye(3)  # SPD: det > 0, well scaled
        G = np.asarray(evaluate(d.gradient, values), dtype=float)
        assert np.allclose(G, _fd_gradient(f, values), rtol=1e-5, atol=1e-6), text


def test_every_scalar_function_of_the_engine_can_be_typed():
    from mdlib.engine.grammar import _SUPPORTED
    from mdlib.engine.ops import SCALAR_FUNCTIONS, function_name

    for fn in SCALAR_FUNCTIONS:
        assert function_name(fn) in FUNCTIONS and function_name(fn) in _SUPPORTED
    assert "sqrt" not in _SUPPORTED.split("functions")[-1]  # a power, not a function row


# ---------------------------------------------------------------- vec form (second order)

def _vec(M: np.ndarray) -> np.ndarray:
    return M.reshape(-1, 1, order="F")  # columns stacked


def _commutation(m: int, n: int) -> np.ndarray:
    """K with vec(Aᵀ) = K vec(A) for A m×n, built entry by entry from its definition."""
    K = np.zeros((m * n, m * n))
    for i in range(m):
        for j in range(n):
            K[i * n + j, j * m + i] = 1.0  # vec(Aᵀ)[j + n i] = A[i, j] = vec(A)[i + m j]
    return K


def test_vec_functions_build_the_matrices_of_vec_calculus():
    """vec, kron, K, eye and diagvec agree with numpy (evaluated through the engine's table)."""
    from mdlib.engine.numeric import evaluate

    values = data(3)
    X, A, R = values["X"], values["A"], values["R"]
    expected = {
        "vec(R)": _vec(R), "vec(X*R).T": _vec(X @ R).T,
        "kron(R.T, A)": np.kron(R.T, A), "kron(eye(2), X)": np.kron(np.eye(2), X),
        "K(3, 2)": _commutation(3, 2), "diagvec(R)": np.diag(_vec(R).ravel()),
        "kron(R.T, X)*vec(A)": _vec(X @ A @ R), "K(3, 2)*vec(R)": _vec(R.T),
        "diagvec(R)*vec(R)": _vec(R * R), "2*vec(X) - vec(A.T)": 2 * _vec(X) - _vec(A.T),
    }
    for text, want in expected.items():
        expr, _ = parse_expression(text, SHAPES)
        got = np.asarray(evaluate(expr, values), dtype=float)
        assert got.shape == want.shape and np.allclose(got, want), text
    # the definition K of the engine: vec(Aᵀ) = K(m, n) vec(A) for A m×n, and K(m, n)ᵀ = K(n, m)
    assert np.allclose(_commutation(3, 2) @ _vec(R), _vec(R.T))
    expr, _ = parse_expression("K(3, 2).T", SHAPES)
    assert np.allclose(np.asarray(evaluate(expr, values), dtype=float), _commutation(2, 3))


def test_vec_functions_are_evaluated_by_the_engine_evaluator():
    """numeric.evaluate evaluates the vec nodes through their rows of the operation table:
    vec stacks the columns, so vec(X)[i + 3 j] = X[i, j]."""
    expr, _ = parse_expression("vec(X)", SHAPES)
    X = data()["X"]
    got = np.asarray(evaluate(expr, data()), dtype=float)
    assert got.shape == (9, 1)
    assert all(got[i + 3 * j, 0] == X[i, j] for i in range(3) for j in range(3))


@pytest.mark.parametrize("name", VEC_FUNCTIONS)
def test_the_gradient_engine_refuses_vec_functions_with_a_sentence(name):
    text = {"vec": "sum(vec(X*A))", "kron": "tr(kron(X, A))", "K": "tr(K(3, 3)*kron(X, A))",
            "diagvec": "sum(diagvec(X))"}[name]
    f, symbols = parse_expression(text, SHAPES)
    with pytest.raises(MdlibError) as err:
        derive(f, symbols["X"])
    message = str(err.value)
    assert "unsupported operation" in message and "sympy" not in message.lower()
    # named as the course writes it (vec, ⊗, K, diag), never by a class name
    assert not any(cls in message for cls in ("Vec(", "Kronecker", "Commutation", "DiagVec"))
    assert {"vec": "vec(X A)", "kron": "X ⊗ A", "K": "K_3,3", "diagvec": "diag(vec(X))"}[name] in message


def test_eye_is_the_identity_and_is_differentiated():
    f, symbols = parse_expression("tr(eye(3)*X*A)", "X: 3x3, A: 3x3")
    d = derive(f, symbols["X"])
    assert d.verification.passed
    assert np.allclose(evaluate(d.gradient, data()), data()["A"].T)


@pytest.mark.parametrize("text, words", [
    ("K(2, x)", ["whole numbers", "K(3, 3)"]),
    ("K(2.0, 3)", ["whole numbers"]),
    ("K(0, 3)", ["from 1 to"]),
    ("K(2)", ["2 arguments", "K(m, n)"]),
    ("eye(X)", ["whole numbers", "eye(3)"]),
    ("eye(501)", ["from 1 to 500"]),
    ("K(40, 40)", ["1600 rows", "limit is 1000"]),
    ("kron(I, X)", ["identity", "eye(n)"]),
    ("kron(2, X)", ["is a number", "c*M"]),
    ("kron(X)", ["2 arguments", "kron(A, B)"]),
    ("kron(X, A, X)", ["2 arguments"]),
    ("vec(tr(X))", ["is a number", "drop the vec"]),
    ("kron(W, W)", ["would be 1600×1600", "limit is 1000"]),
    ("diagvec(W)", ["would be 1600×1600"]),
])
def test_vec_functions_refuse_bad_arguments_with_a_sentence(text, words):
    with pytest.raises(MdlibError) as err:
        parse_expression(text, SHAPES + ", W: 40x40")
    for word in words:
        assert word in str(err.value), (text, str(err.value))


def test_a_matrix_may_be_called_K_and_then_is_the_matrix():
    """K is not reserved (a kernel matrix is often called K): declared, it is the matrix."""
    expr, symbols = parse_expression("tr(X*K)", "X: 3x3, K: 3x3")
    assert expr == sympy.Trace(symbols["X"] * symbols["K"])
    with pytest.raises(MdlibError, match="rename the matrix"):
        parse_expression("K(3, 3)*vec(X)", "X: 3x3, K: 3x3")
    for name in ("vec", "kron", "eye", "diagvec"):
        with pytest.raises(MdlibError, match="reserved name"):
            parse_shapes(f"{name}: 3x3")

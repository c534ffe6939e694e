"""Typed expressions become the engine's sympy objects; typos get a sentence, not a traceback."""

import pytest
import sympy

from mdlib import MdlibError
from mdlib.engine import derive
from mdlib.parse import parse_expression, parse_shapes


def test_shapes_accept_matrices_vectors_and_separators():
    symbols = parse_shapes("X: 3x4, a: 3; b: 4\nW: 2×3")
    assert {k: v.shape for k, v in symbols.items()} == {"X": (3, 4), "a": (3, 1), "b": (4, 1), "W": (2, 3)}


@pytest.mark.parametrize(
    ("shapes", "message"),
    [("X 3x3", "cannot read the shape declaration"), ("", "declare at least one"),
     ("tr: 3x3", "reserved name"), ("X: 0x3", "at least one row")],
)
def test_bad_shape_declarations_are_explained(shapes, message):
    with pytest.raises(MdlibError, match=message):
        parse_shapes(shapes)


@pytest.mark.parametrize(
    ("text", "shapes", "message"),
    [("tr(X*A", "X: 3x3, A: 3x3", "check the brackets"),
     ("tr(X*A)", "X: 3x2, A: 3x3", "shapes do not fit"),
     ("tr(Y)", "X: 3x3", "unknown name"),
     ("abs(X)", "X: 2x2", r"unknown function abs\(\)"),
     ("a.T*X*b + tr(X)", "X: 3x3, a: 3, b: 3", r"wrap the 1×1 part in tr"),
     ("   ", "X: 2x2", "type an expression")],
)
def test_bad_expressions_are_explained(text, shapes, message):
    with pytest.raises(MdlibError, match=message):
        parse_expression(text, shapes)


def test_functions_map_to_the_engine_grammar():
    expr, s = parse_expression("logdet(X) + tr(inv(X)*A) + tr(a.T*exp(X*b)) + sum(had(X, A))",
                               "X: 3x3, A: 3x3, a: 3, b: 3")
    assert expr.has(sympy.Determinant) and expr.has(sympy.Trace) and expr.has(sympy.HadamardProduct)
    assert set(s) == {"X", "A", "a", "b"}


@pytest.mark.parametrize(
    ("text", "shapes", "wrt"),
    [("a.T*exp(X*b)", "X: 3x2, a: 3, b: 2", "X"),
     ("log(a.T*X*b)", "X: 3x3, a: 3, b: 3", "X"),
     ("sum(exp(X))", "X: 2x3", "X"),
     ("tr(X.T*A*X) - 2*logdet(X)", "X: 3x3, A: 3x3", "X"),
     ("sigmoid(w.T*x)", "w: 4, x: 4", "w"),
     ("tr(a.T*X*b) + tr(X)**2 + sum(had(X, X))", "X: 3x3, a: 3, b: 3", "X")],
)
def test_parsed_expressions_derive_to_verified_gradients(text, shapes, wrt):
    expr, symbols = parse_expression(text, shapes)
    d = derive(expr, symbols[wrt])
    assert d.verification.passed
    assert "[L: gradient link]" in str(d)

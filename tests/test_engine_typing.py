"""One way to type (issue 18, item 4): derive, chain, jacobian, hessian and jacobian_chain take
the same typed text and ``shapes=`` text, and sympy objects, and any mix of the two either
works or is an MdlibError that says what to pass (never AttributeError or TypeError)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import sympy

import mdlib
from mdlib import MdlibError
from mdlib.gradcheck import numerical_jacobian
from mdlib.vec import unvec, vec

SHAPES = "X: 3x3, A: 3x3"
X, A = sympy.MatrixSymbol("X", 3, 3), sympy.MatrixSymbol("A", 3, 3)
n = sympy.Symbol("n")
Xn, An = sympy.MatrixSymbol("X", n, n), sympy.MatrixSymbol("A", n, n)


def test_chapter_7s_typing_gives_a_hessian_and_a_jacobian():
    H = mdlib.hessian("tr(X.T*A*X)", "X", shapes="X: 3x3, A: 3x3")
    assert H.verification.passed and H.text == "I_3 ⊗ (A^T + A)"
    J = mdlib.jacobian("A*X", "X", shapes=SHAPES)
    assert J.verification.passed and J.text == "I_3 ⊗ A^T"
    Z = mdlib.jacobian_chain("exp(Y)", "Y", "A*X", "X", "Y: 3x3, X: 3x3, A: 3x3")
    assert Z.verification.passed


def test_numeric_gives_the_matrix_at_numbers_and_it_is_right():
    rng = np.random.default_rng(0)
    X0, A0 = rng.standard_normal((3, 3)), rng.standard_normal((3, 3))
    J = mdlib.jacobian("A*X*X", "X", shapes=SHAPES)
    reference = numerical_jacobian(lambda v: vec(A0 @ unvec(v, 3, 3) @ unvec(v, 3, 3)).ravel(),
                                   vec(X0).ravel()).T  # ∂F/∂X is the transpose (layout H3)
    assert np.allclose(J.numeric(X=X0, A=A0), reference, atol=1e-6)
    H = mdlib.hessian("tr(X.T*A*X)", "X", shapes=SHAPES)
    assert np.allclose(H.numeric(A=A0), np.kron(np.eye(3), A0 + A0.T))
    d = mdlib.derive("a.T*X*b", "X", "X: 3x3, a: 3, b: 3")
    assert np.allclose(d.numeric(X=X0, a=[1, 2, 3], b=[0, 1, 0]), np.outer([1, 2, 3], [0, 1, 0]))


# Each argument in every form a reader may try: typed text, a sympy object (with numeric or
# symbolic sizes), a name, a wrong kind of thing; shapes as text, a dict, nothing, or nonsense.
EXPRESSIONS = {"text": "A*X", "sympy": A * X, "sympy, symbolic sizes": An * Xn,
               "a class": sympy.exp, "a list": [1, 2], "None": None}
VARIABLES = {"name": "X", "MatrixSymbol": X, "MatrixSymbol, symbolic": Xn,
             "Symbol": sympy.Symbol("X"), "undeclared name": "Z", "a number": 3}
SHAPE_FORMS = {"text": SHAPES, "dict": {"n": 3}, "None": None, "a number": 42,
               "text, other sizes": "X: 2x2, A: 2x2"}


@pytest.mark.parametrize(("expression", "variable", "shapes"),
                         list(itertools.product(EXPRESSIONS, VARIABLES, SHAPE_FORMS)))
def test_any_mix_works_or_says_what_to_pass(expression, variable, shapes):
    F, Xv, S = EXPRESSIONS[expression], VARIABLES[variable], SHAPE_FORMS[shapes]
    for call in (lambda: mdlib.jacobian(F, Xv, S),
                 lambda: mdlib.hessian(sympy.Trace(F) if isinstance(F, sympy.MatrixExpr)
                                       else F if not isinstance(F, str) else f"tr({F})", Xv, S)):
        try:
            result = call()
        except MdlibError as err:
            message = str(err)
            assert message and "object has no attribute" not in message
            assert any(word in message for word in ("shapes", "MatrixSymbol", "declare", "sympy",
                                                    "typed text", "agree", "not declared"))
            continue
        assert result.verification.passed
        assert result.X.shape in ((3, 3), (2, 2))


def test_the_mixes_of_the_issue():
    # X a MatrixSymbol next to text shapes: the declared X of the same size
    assert mdlib.jacobian(A * X, X, shapes=SHAPES).verification.passed
    assert mdlib.hessian(sympy.Trace(X.T * A * X), X, shapes=SHAPES).text == "I_3 ⊗ (A^T + A)"
    # text F with a MatrixSymbol X
    assert mdlib.jacobian("A*X", X, shapes=SHAPES).text == "I_3 ⊗ A^T"
    # symbolic sizes fixed by text declarations
    assert mdlib.jacobian(An * Xn, Xn, shapes=SHAPES).shape == (9, 9)
    with pytest.raises(MdlibError, match="shapes="):  # text without text shapes
        mdlib.jacobian("A*X", X)
    with pytest.raises(MdlibError, match="agree"):
        mdlib.jacobian(A * X, X, shapes="X: 2x2, A: 2x2")
    with pytest.raises(MdlibError, match="MatrixSymbol"):
        mdlib.jacobian("A*X", sympy.Symbol("X"), SHAPES)
    with pytest.raises(MdlibError, match="sympy expression"):
        mdlib.jacobian_chain(sympy.exp, "Y", "A*X", "X", "Y: 3x3, " + SHAPES)
    with pytest.raises(MdlibError, match="not declared"):
        mdlib.hessian("tr(X)", "W", SHAPES)

"""Claimed symbolic gradients (sympy's included) are judged by finite differences."""

import pytest
import sympy

from mdlib.engine import check_symbolic_gradient, derive

X = sympy.MatrixSymbol("X", 3, 3)
A = sympy.MatrixSymbol("A", 3, 3)


# What sympy 1.14's MatrixSymbol .diff does on each (True = right, False = wrong or unevaluated).
SYMPY_1_14 = [
    (sympy.log(sympy.Determinant(X)), False),
    (sympy.Determinant(X), False),
    (sympy.Trace(X) + sympy.Trace(A * X), False),
    (sympy.log(sympy.Trace(X.T * X)), False),
    (sympy.Trace(X.T * A * X), True),
    (sympy.Trace(X) ** 2, True),
]


@pytest.mark.parametrize(("f", "sympy_right"), SYMPY_1_14)
def test_engine_gradients_pass_and_sympy_is_judged_not_trusted(f, sympy_right):
    assert check_symbolic_gradient(f, X, derive(f, X).gradient)
    if sympy.__version__.startswith("1.14"):
        assert bool(check_symbolic_gradient(f, X, f.diff(X))) is sympy_right


def test_sympy_1_14_is_wrong_on_log_det_and_the_check_says_so():
    f = sympy.log(sympy.Determinant(X))
    verdict = check_symbolic_gradient(f, X, f.diff(X))
    if sympy.__version__.startswith("1.14"):
        assert not verdict and "zero" in verdict.message


def test_wrong_claims_get_the_usual_hints():
    f = sympy.Trace(A * X)
    assert check_symbolic_gradient(f, X, A.T)
    assert "transpose" in check_symbolic_gradient(f, X, A).message
    assert "sign" in check_symbolic_gradient(f, X, -A.T).message
    failed = check_symbolic_gradient(f, X, sympy.Derivative(f, X))
    assert not failed and "cannot be evaluated" in failed.message

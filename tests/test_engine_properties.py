"""Property-based checks of the engine: random shapes and random data for products and traces."""

from __future__ import annotations

import numpy as np
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from mdlib.engine import derive

dims = st.integers(min_value=1, max_value=4)


@settings(max_examples=25, deadline=None)
@given(p=dims, q=dims, r=dims, seed=st.integers(0, 10_000))
def test_trace_of_a_product_any_shapes(p, q, r, seed):
    A, X, B = sympy.MatrixSymbol("A", r, p), sympy.MatrixSymbol("X", p, q), sympy.MatrixSymbol("B", q, r)
    d = derive(sympy.Trace(A * X * B), X, seed=seed)
    assert d.gradient == A.T * B.T and d.verification.passed


@settings(max_examples=25, deadline=None)
@given(p=dims, q=dims, seed=st.integers(0, 10_000))
def test_bilinear_and_quadratic_forms(p, q, seed):
    X, a, b = sympy.MatrixSymbol("X", p, q), sympy.MatrixSymbol("a", p, 1), sympy.MatrixSymbol("b", q, 1)
    assert derive(a.T * X * b, X, seed=seed).gradient == a * b.T
    d = derive(sympy.Trace(X.T * X), X, seed=seed)
    rng = np.random.default_rng(seed)
    Xv = rng.standard_normal((p, q))
    assert np.allclose(d.gradient_function()(X=Xv), 2 * Xv)


@settings(max_examples=15, deadline=None)
@given(n=st.integers(2, 4), seed=st.integers(0, 10_000))
def test_log_det_of_a_congruence(n, seed):
    X, A = sympy.MatrixSymbol("X", n, n), sympy.MatrixSymbol("A", n, n)
    d = derive(sympy.log(sympy.Determinant(X.T * A * X)), X, seed=seed, symmetric=["A"])
    assert d.verification.passed

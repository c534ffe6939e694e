"""vec, unvec, the commutation matrix and the vec/Kronecker rules H1–H2, checked numerically.

The identities are drawn on random shapes (hypothesis, derandomized in conftest); the vec form
of each operation (its row of ``mdlib.engine.ops``) is checked on rectangular shapes against
finite differences (``tests/test_ops_table.py`` checks every row's own example).
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy
from hypothesis import given
from hypothesis import strategies as st

from mdlib import MdlibError
from mdlib.engine import vectorize
from mdlib.engine.numeric import evaluate
from mdlib.engine.ops import op_for
from mdlib.engine.vectorize import CommutationMatrix, DiagVec, Vec
from mdlib.gradcheck import numerical_jacobian
from mdlib.vec import commutation_matrix, unvec, vec

sizes = st.integers(min_value=1, max_value=4)
seeds = st.integers(min_value=0, max_value=2**32 - 1)


def _value(expr, values: dict) -> np.ndarray:
    """The engine's numeric value of ``expr``, as a float array."""
    return np.asarray(evaluate(expr, values), dtype=float)


def _rand(rng, *shape):
    return rng.standard_normal(shape)


@given(sizes, sizes, seeds)
def test_vec_unvec_round_trip_and_column_order(m, n, seed):
    A = _rand(np.random.default_rng(seed), m, n)
    v = vec(A)
    assert v.shape == (m * n, 1)
    assert np.array_equal(unvec(v, m, n), A)
    assert np.array_equal(v[:m, 0], A[:, 0])  # the first column comes first


@given(sizes, sizes, seeds)
def test_H1_vec_is_linear(m, n, seed):
    rng = np.random.default_rng(seed)
    A, B, c = _rand(rng, m, n), _rand(rng, m, n), float(rng.standard_normal())
    assert np.allclose(vec(A + c * B), vec(A) + c * vec(B))


@given(sizes, sizes, sizes, sizes, seeds)
def test_H1_vec_of_a_product(p, m, n, q, seed):
    rng = np.random.default_rng(seed)
    A, X, B = _rand(rng, p, m), _rand(rng, m, n), _rand(rng, n, q)
    assert np.allclose(vec(A @ X @ B), np.kron(B.T, A) @ vec(X))
    # the wrong order of the factors fails whenever the shapes allow it at all
    if (p, m, n, q) == (2, 2, 2, 2):
        assert not np.allclose(vec(A @ X @ B), np.kron(A, B.T) @ vec(X))


@given(sizes, sizes, seeds)
def test_H1_transpose_and_hadamard(m, n, seed):
    rng = np.random.default_rng(seed)
    A, X = _rand(rng, m, n), _rand(rng, m, n)
    assert np.allclose(vec(X.T), commutation_matrix(m, n) @ vec(X))
    assert np.allclose(vec(A * X), np.diag(vec(A).ravel()) @ vec(X))


@given(sizes, sizes, sizes, sizes, seeds)
def test_H2_kronecker_rules(m, n, p, q, seed):
    rng = np.random.default_rng(seed)
    A, B = _rand(rng, m, n), _rand(rng, p, q)
    C, D = _rand(rng, n, 2), _rand(rng, q, 3)
    assert np.allclose(np.kron(A, B).T, np.kron(A.T, B.T))
    assert np.allclose(np.kron(A, B) @ np.kron(C, D), np.kron(A @ C, B @ D))
    a, b = _rand(rng, m, 1), _rand(rng, p, 1)
    assert np.allclose(vec(a @ b.T), np.kron(b, a))
    K_pm, K_nq = commutation_matrix(p, m), commutation_matrix(n, q)
    assert np.allclose(K_pm @ np.kron(A, B) @ K_nq, np.kron(B, A))


@given(sizes, sizes)
def test_H2_commutation_matrix_is_a_permutation(m, n):
    K = commutation_matrix(m, n)
    assert np.allclose(K.T, commutation_matrix(n, m))
    assert np.allclose(K @ commutation_matrix(n, m), np.eye(m * n))
    assert np.array_equal(K.sum(axis=0), np.ones(m * n)) and set(np.unique(K)) <= {0.0, 1.0}


def test_a_wrong_commutation_matrix_is_caught():
    A = np.random.default_rng(0).standard_normal((2, 3))
    assert not np.allclose(vec(A.T), commutation_matrix(3, 2) @ vec(A))
    assert not np.allclose(vec(A.T), vec(A))


def test_bad_sizes_give_clear_errors():
    with pytest.raises(MdlibError, match="reshape"):
        unvec(np.arange(5), 2, 3)
    with pytest.raises(MdlibError, match="positive integer"):
        commutation_matrix(0, 2)
    with pytest.raises(MdlibError, match="matrix or a vector"):
        vec(np.zeros((2, 2, 2)))


# -- the vec form of each operation, on rectangular shapes, against finite differences ---------------------------
def _fd_vec_jacobian(fun, X0):
    """J with vec L(dX) = J vec dX, by central differences (chapter 2's Jacobian of vec L)."""
    m, n = X0.shape
    return numerical_jacobian(lambda v: vec(np.atleast_2d(fun(unvec(v, m, n)))).ravel(),
                              vec(X0).ravel())


X = sympy.MatrixSymbol("X", 3, 2)
dX = sympy.MatrixSymbol("dX", 3, 2)
P, Q = sympy.MatrixSymbol("P", 4, 3), sympy.MatrixSymbol("Q", 2, 5)
C = sympy.MatrixSymbol("C", 3, 2)
CASES = {
    sympy.MatMul: P * dX * Q,
    sympy.Transpose: dX.T,
    sympy.HadamardProduct: sympy.HadamardProduct(C, dX),
    sympy.Trace: sympy.Trace(dX.T * C),
    sympy.MatAdd: dX + 2 * sympy.HadamardProduct(C, dX),
    sympy.Add: sympy.Trace(dX.T * C) + sympy.Trace(C.T * dX),
    sympy.Mul: 3 * sympy.Trace(C.T * dX),
}


@pytest.mark.parametrize("node", list(CASES), ids=lambda t: t.__name__)
def test_every_vec_rule_matches_a_finite_difference_jacobian(node):
    from mdlib.engine.numeric import evaluate

    L = CASES[node]
    assert type(L) is node and op_for(L).vec is not None
    lines = vectorize.vec_lines(L, dX)
    assert lines and all(rule.startswith("H1") for _, rule in lines)
    J = vectorize.jacobian_factor(lines[-1][0], dX)
    rng = np.random.default_rng(1)
    values = {"P": rng.standard_normal((4, 3)), "Q": rng.standard_normal((2, 5)),
              "C": rng.standard_normal((3, 2))}
    J_num = _value(J, values)
    fd = _fd_vec_jacobian(lambda D: np.asarray(evaluate(L, {**values, "dX": D}), dtype=float),
                          np.zeros((3, 2)))
    assert np.allclose(J_num, fd, atol=1e-6)
    # read-off (H3) is the transpose, whatever simplification H2 did
    assert np.allclose(_value(vectorize.read_off(J), values), fd.T, atol=1e-6)


def test_missing_K_or_swapped_kronecker_factors_are_wrong():
    rng = np.random.default_rng(2)
    A, B, D = rng.standard_normal((3, 3)), rng.standard_normal((3, 3)), rng.standard_normal((3, 3))
    right = vec(A @ D.T @ B)
    assert np.allclose(right, np.kron(B.T, A) @ commutation_matrix(3, 3) @ vec(D))
    assert not np.allclose(right, np.kron(B.T, A) @ vec(D))  # forgot the K
    assert not np.allclose(right, np.kron(A, B.T) @ commutation_matrix(3, 3) @ vec(D))


def test_own_nodes_print_and_evaluate():
    A = sympy.MatrixSymbol("A", 2, 3)
    assert vectorize.to_latex(CommutationMatrix(2, 3)) == "K_{2,3}"
    assert vectorize.to_text(DiagVec(A)) == "diag(vec(A))"
    assert vectorize.to_latex(Vec(A)) == r"\mathrm{vec}\left(A\right)"
    assert CommutationMatrix(2, 3).T == CommutationMatrix(3, 2)
    value = np.arange(6.0).reshape(2, 3)
    assert np.allclose(_value(DiagVec(A), {"A": value}), np.diag(vec(value).ravel()))
    assert np.allclose(_value(CommutationMatrix(2, 3), {}), commutation_matrix(2, 3))


def test_every_H2_simplification_keeps_the_value():
    """simplify() may only rewrite, never change a number: each H2 step on random data."""
    from sympy.matrices.expressions.kronecker import KroneckerProduct as Kron

    u, v = sympy.MatrixSymbol("u", 4, 1), sympy.MatrixSymbol("v", 3, 1)
    A, B = sympy.MatrixSymbol("A", 3, 3), sympy.MatrixSymbol("B", 4, 4)
    e = sympy.MatrixSymbol("e", 4, 1)
    one_row = sympy.OneMatrix(1, 4)
    s = sympy.Symbol("s")
    cases = [
        Vec(u * v.T),                                                     # vec(u vᵀ) = v ⊗ u
        sympy.MatMul(Kron(v, sympy.Identity(4)), DiagVec(e)),             # (v ⊗ I) D = v ⊗ D
        sympy.MatMul(e.T, Kron(v.T, sympy.Identity(4))),                  # eᵀ (vᵀ ⊗ I) = vᵀ ⊗ eᵀ
        sympy.MatMul(one_row, DiagVec(e)),                                # 1ᵀ diag(e) = eᵀ
        sympy.MatMul(Kron(A, B), Kron(A.T, B)),                           # mixed product
        sympy.MatMul(Kron(A, B), CommutationMatrix(3, 4)),                # swap with K
        sympy.MatAdd(sympy.MatMul(s, Kron(A, B)), sympy.MatMul(-s**2, Kron(A, B.T))),  # bilinear
        sympy.MatMul(-1 / s**2, Vec(e * v.T), one_row, DiagVec(e), Kron(v.T, sympy.Identity(4))),
    ]
    rng = np.random.default_rng(5)
    values = {"u": rng.standard_normal((4, 1)), "v": rng.standard_normal((3, 1)),
              "A": rng.standard_normal((3, 3)), "B": rng.standard_normal((4, 4)),
              "e": rng.standard_normal((4, 1)), "s": 1.7}
    for expr in cases:
        used: set[str] = set()
        tidy = vectorize.simplify(expr, used)
        assert used, vectorize.to_text(expr)                   # some rule applied
        assert vectorize.to_text(tidy) != vectorize.to_text(expr)
        assert np.allclose(_value(tidy, values), _value(expr, values))
        assert np.allclose(_value(vectorize.read_off(expr), values),
                           _value(expr, values).T)

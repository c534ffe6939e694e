"""Finite-difference gradients and Jacobians, and checks that name the mistake."""

from __future__ import annotations

import numpy as np
import pytest

from mdlib import (
    MdlibError,
    assert_gradient,
    check_gradient,
    check_jacobian,
    diagnose,
    numerical_gradient,
    numerical_jacobian,
)
from mdlib.gradcheck import MISTAKES, diagnosis
from mdlib.validation import check_invertible

RNG = np.random.default_rng(7)
A = RNG.standard_normal((3, 4))
X = RNG.standard_normal((3, 4))
S = RNG.standard_normal((3, 3)) + 3 * np.eye(3)  # well-conditioned, not symmetric
a, b = RNG.standard_normal(3), RNG.standard_normal(4)


def test_gradient_of_tr_AtX_is_A():
    G = numerical_gradient(lambda X: np.trace(A.T @ X), X)
    assert G.shape == X.shape
    np.testing.assert_allclose(G, A, atol=1e-8)


KNOWN_GRADIENTS = {
    "a^T X b -> a b^T (E1)": (lambda X: a @ X @ b, X, np.outer(a, b)),
    "tr(X^T X) -> 2X": (lambda X: np.trace(X.T @ X), X, 2 * X),
    "log|S| -> S^{-T} (M6)": (lambda S: np.log(abs(np.linalg.det(S))), S, np.linalg.inv(S).T),
    "tr(S^{-1}) -> -S^{-T 2} (M5)": (lambda S: np.trace(np.linalg.inv(S)), S,
                                     -np.linalg.matrix_power(np.linalg.inv(S), 2).T),
}


@pytest.mark.parametrize("name", KNOWN_GRADIENTS)
def test_known_gradients_pass(name):
    f, X0, G = KNOWN_GRADIENTS[name]
    result = check_gradient(f, X0, G)
    assert result, result.message
    assert result.relative_error < 1e-6
    assert "matches finite differences" in result.message
    assert assert_gradient(f, X0, G)


@pytest.mark.parametrize("mistake, hint", [
    ("transpose", "transpose of the right answer"),
    ("sign", "sign is flipped"),
    ("factor", "0.5 times"),
    ("zero", "your answer is zero"),
    ("other", "values differ"),
])
def test_square_gradient_mistakes_are_named(mistake, hint):
    f = lambda S: np.log(abs(np.linalg.det(S)))  # noqa: E731  gradient S^{-T}
    right = np.linalg.inv(S).T
    claimed = {"transpose": right.T, "sign": -right, "factor": 0.5 * right,
               "zero": np.zeros_like(right), "other": right + np.eye(3)}[mistake]
    result = check_gradient(f, S, claimed)
    assert not result
    assert hint in result.message, result.message
    with pytest.raises(MdlibError, match=hint):
        assert_gradient(f, S, claimed)


def test_rectangular_transpose_is_a_shape_hint():
    result = check_gradient(lambda X: np.trace(A.T @ X), X, A.T)
    assert not result
    assert "wrong shape (4, 3), expected (3, 4)" in result.message
    assert "transpose" in result.message


def test_jacobian_is_m_by_n_and_built_from_partials():
    f = lambda c: np.array([c[0] ** 2 * c[1], 5 * c[0] + np.sin(c[1]), c[0] * c[1]])  # noqa: E731
    c = np.array([0.8, -0.3])
    J = numerical_jacobian(f, c)
    exact = np.array([[2 * c[0] * c[1], c[0] ** 2], [5.0, np.cos(c[1])], [c[1], c[0]]])
    assert J.shape == (3, 2)
    np.testing.assert_allclose(J, exact, atol=1e-8)
    assert check_jacobian(f, c, exact)
    bad = check_jacobian(f, c, exact.T)
    assert not bad and "wrong shape (2, 3)" in bad.message


def test_a_transposed_jacobian_gets_the_numerator_layout_hint():
    # rectangular: refused for its shape, with the Jacobian's layout (not "the shape of X")
    f = lambda c: np.array([c[0] ** 2 * c[1], 5 * c[0] + np.sin(c[1]), c[0] * c[1]])  # noqa: E731
    c = np.array([0.8, -0.3])
    exact = numerical_jacobian(f, c)
    bad = check_jacobian(f, c, exact.T)
    assert not bad
    assert "this is the transpose: the Jacobian has one row per component of f" in bad.message
    assert "m × n = 3 × 2" in bad.message and "numerator layout" in bad.message
    assert "shape of X" not in bad.message
    # square and not symmetric: the same numbers in the wrong places
    g = lambda c: np.array([c[0] * c[1] ** 2, np.exp(c[0])])  # noqa: E731
    J = np.array([[c[1] ** 2, 2 * c[0] * c[1]], [np.exp(c[0]), 0.0]])
    assert check_jacobian(g, c, J)
    swapped = check_jacobian(g, c, J.T)
    assert not swapped and swapped.relative_error > 0.1
    assert "this is the transpose: the Jacobian has one row per component of f" in swapped.message
    assert "m × n = 2 × 2" in swapped.message and "shape of X" not in swapped.message
    # other slips name the Jacobian, not a gradient
    assert "finite-difference Jacobian" in check_jacobian(g, c, J + [[0, 1], [0, 0]]).message
    assert "the Jacobian is not" in check_jacobian(g, c, np.zeros((2, 2))).message


def test_a_transposed_gradient_keeps_the_denominator_layout_hint():
    A = np.array([[1.0, 2.0, 0.0], [3.0, 4.0, 1.0]])  # f = tr(A X) with X 3×2: ∂f/∂X = Aᵀ (3×2)
    X = np.ones((3, 2))
    bad = check_gradient(lambda X: np.trace(A @ X), X, A)
    assert not bad and "you may have the transpose" in bad.message
    assert "denominator layout: ∂f/∂X has the shape of X" in bad.message
    assert "Jacobian" not in bad.message
    assert diagnose(np.ones((2, 2)), np.ones((3, 3)), what="Jacobian").endswith(
        "(numerator layout: the Jacobian ∂f/∂xᵀ is m × n = 3 × 3, one row per component of f and "
        "one column per component of x)")
    other = diagnose(np.ones((3, 2)), np.ones((2, 3)), what="Hessian")
    assert other.endswith("(the Hessian has shape (2, 3))") and "shape of X" not in other


def test_scalar_diagnosis_does_not_invent_a_factor():
    # two numbers are always multiples of each other: only a sign flip is a meaningful hint
    assert diagnose(-2.0, 2.0) == "the sign is flipped"
    assert "times the right answer" not in diagnose(1.7, 2.0)
    assert "values differ" in diagnose(1.7, 2.0)


def test_diagnose_matches_and_factor_on_arrays():
    R = np.array([[1.0, 2.0], [3.0, 5.0]])
    assert diagnose(R, R) == "matches"
    assert "3 times" in diagnose(3 * R, R)


def test_gradient_needs_a_scalar_function():
    with pytest.raises(MdlibError, match="f must return a scalar"):
        numerical_gradient(lambda X: 2 * X, X)


def test_jacobian_needs_a_vector_point_and_vector_values():
    with pytest.raises(MdlibError, match="x must be a vector"):
        numerical_jacobian(lambda x: x, np.ones((2, 2)))
    with pytest.raises(MdlibError, match="f must return a vector"):
        numerical_jacobian(lambda x: np.outer(x, x), np.ones(2))


@pytest.mark.parametrize("step", [0.0, np.nan])
def test_bad_finite_difference_step(step):
    with pytest.raises(MdlibError, match="finite-difference step must be a non-zero finite number"):
        numerical_gradient(lambda X: np.sum(X), X, step=step)


def test_nan_in_claimed_gradient_or_point():
    with pytest.raises(MdlibError, match="claimed gradient contains NaN"):
        check_gradient(lambda X: np.sum(X), X, np.full(X.shape, np.nan))
    with pytest.raises(MdlibError, match="X contains NaN"):
        numerical_gradient(lambda X: np.sum(X), [1.0, np.nan])


def test_singular_matrix_is_refused_with_a_clear_message():
    singular = np.array([[1.0, 2.0], [2.0, 4.0]])
    with pytest.raises(MdlibError, match="singular.*Pick an invertible"):
        check_invertible(singular)
    check_invertible(S)  # no error for an invertible matrix


@pytest.mark.parametrize("rtol", [10, 0.5, 0.0, -1e-5, float("nan"), "1e-5"])
def test_absurd_tolerances_are_refused(rtol):
    f = lambda X: np.trace(A.T @ X)  # noqa: E731
    with pytest.raises(MdlibError, match=r"rtol must be a number in \(0, 0.01\]"):
        check_gradient(f, X, -A, rtol=rtol)  # rtol = 10 used to pass this sign-flipped gradient


def test_the_loosest_tolerance_still_fails_a_sign_flip():
    result = check_gradient(lambda X: np.trace(A.T @ X), X, -A, rtol=1e-2)
    assert not result and "sign is flipped" in result.message


def test_complex_claimed_gradient_is_refused():
    with pytest.raises(MdlibError, match="claimed gradient has complex entries"):
        check_gradient(lambda X: np.sum(X), X, np.ones(X.shape) * (1 + 1e-3j))


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_nan_from_f_is_blamed_on_f_at_that_point():
    # log(x0) is -inf at x0 = 0: f is not defined there; the reader's gradient is not at fault
    with pytest.raises(MdlibError, match=r"f is not finite \(NaN or infinity\) at X:.*because of f"):
        check_gradient(lambda x: np.log(x[0]) + x[1], np.array([0.0, 1.0]), np.array([1.0, 1.0]))
    with pytest.raises(MdlibError, match=r"at X with entry \(0,\) moved by ±0.1"):
        numerical_gradient(lambda x: np.sqrt(x[0]) + x[1], np.array([0.05, 1.0]), step=0.1)
    with pytest.raises(MdlibError, match="f returned a complex value"):
        numerical_gradient(lambda x: np.sqrt(x[0] + 0j), np.array([-1.0]))
    with pytest.raises(MdlibError, match="ZeroDivisionError"):
        numerical_gradient(lambda x: 1 / float(x[0] - 1e-6), np.array([0.0]))


@pytest.mark.parametrize("step", [1e-300, -1e-300])
def test_steps_that_do_not_change_x_are_refused(step):
    with pytest.raises(MdlibError, match="too small to change X"):
        numerical_gradient(lambda X: np.sum(X), X, step=step)


@pytest.mark.parametrize("mistake", ["transpose", "sign", "factor", "zero", "values"])
def test_the_mistake_is_named_as_data_too(mistake):
    """A notebook or widget tells mistakes apart by ``mistake``, which no translation changes."""
    f = lambda S: np.log(abs(np.linalg.det(S)))  # noqa: E731  gradient S^{-T}
    right = np.linalg.inv(S).T
    claimed = {"transpose": right.T, "sign": -right, "factor": 0.5 * right,
               "zero": np.zeros_like(right), "values": right + np.eye(3)}[mistake]
    result = check_gradient(f, S, claimed)
    assert result.mistake == mistake and result.mistake in MISTAKES
    assert check_gradient(f, S, right).mistake == ""


def test_a_transposed_shape_is_a_transpose_with_an_infinite_error():
    result = check_gradient(lambda X: np.trace(A.T @ X), X, A.T)
    assert result.mistake == "transpose" and np.isinf(result.relative_error)
    other = check_gradient(lambda X: np.trace(A.T @ X), X, np.ones((2, 2)))
    assert other.mistake == "shape" and "wrong shape (2, 2), expected (3, 4)" in other.message
    assert diagnosis(np.ones((2, 2)), np.ones((2, 2))) == ("", "matches")

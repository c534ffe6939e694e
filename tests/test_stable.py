"""Stable softmax / log-sum-exp / sigmoid: right values where the naive forms overflow, clear errors."""

import numpy as np
import pytest

from mdlib import MdlibError
from mdlib.stable import log_softmax, logsumexp, sigmoid, sigmoid_prime, softmax


def test_values_match_the_naive_formulas_where_those_work():
    a = np.array([[0.3, -1.2], [2.0, 0.1], [-0.5, 0.7]])
    naive = np.exp(a) / np.exp(a).sum(axis=0)
    np.testing.assert_allclose(softmax(a), naive, rtol=1e-12)
    np.testing.assert_allclose(log_softmax(a, axis=1), np.log(np.exp(a) / np.exp(a).sum(1, keepdims=True)))
    assert float(logsumexp(a, axis=None)) == pytest.approx(np.log(np.exp(a).sum()))
    x = np.linspace(-5, 5, 11)
    np.testing.assert_allclose(sigmoid(x), 1 / (1 + np.exp(-x)), rtol=1e-12)
    h = 1e-6  # σ' against a central difference
    np.testing.assert_allclose(sigmoid_prime(x), (sigmoid(x + h) - sigmoid(x - h)) / (2 * h), atol=1e-9)


def test_no_overflow_at_extreme_inputs():
    assert np.allclose(softmax(np.array([1000.0, 1000.0])), 0.5)
    assert float(sigmoid(-800.0)) == 0.0 and float(sigmoid(800.0)) == 1.0
    assert np.all(np.isfinite(log_softmax(np.array([-1000.0, 0.0, 1000.0]))))


@pytest.mark.parametrize("call", [
    lambda: softmax(np.ones(3), axis=1),
    lambda: logsumexp(np.ones((2, 2)), axis=2),
    lambda: log_softmax(np.ones(3), axis="0"),
])
def test_a_wrong_axis_is_a_clear_error(call):
    with pytest.raises(MdlibError, match="axis must be None or an integer"):
        call()


def test_empty_and_complex_inputs_are_refused():
    with pytest.raises(MdlibError, match="empty array"):
        logsumexp(np.array([]))
    with pytest.raises(MdlibError, match="complex entries"):
        softmax(np.array([1.0, 1j]))

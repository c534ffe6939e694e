"""Bad input is refused with a sentence that says what is wrong."""

import numpy as np
import pytest

from mdlib import MdlibError
from mdlib.validation import (
    as_array,
    as_matrix,
    check_direction,
    check_invertible,
    check_same_shape,
    check_square,
    check_step,
)


@pytest.mark.parametrize("h", [0, 0.0, float("nan"), float("inf"), "0.1", None])
def test_step_must_be_a_nonzero_finite_number(h):
    with pytest.raises(MdlibError, match="non-zero finite number"):
        check_step(h)


def test_valid_steps_pass_through_as_float():
    assert check_step(1e-3) == 1e-3
    assert check_step(np.float64(-2.0)) == -2.0


def test_non_numbers_and_nan_are_refused():
    with pytest.raises(MdlibError, match="must be numbers"):
        as_array("abc", "X")
    with pytest.raises(MdlibError, match="NaN or infinity"):
        as_array([1.0, np.nan], "x")


def test_matrix_and_square_checks_name_the_shape():
    with pytest.raises(MdlibError, match=r"matrix \(2-D\).*\(3,\)"):
        as_matrix([1, 2, 3], "X")
    with pytest.raises(MdlibError, match=r"square matrix, got shape \(2, 3\)"):
        check_square(np.ones((2, 3)))
    with pytest.raises(MdlibError, match=r"A has shape \(2, 2\) but B has shape \(3, 3\)"):
        check_same_shape(np.ones((2, 2)), np.ones((3, 3)), "A", "B")


def test_singular_matrices_are_refused_invertible_ones_pass():
    with pytest.raises(MdlibError, match="singular") as err:
        check_invertible(np.array([[1.0, 2.0], [2.0, 4.0]]))
    assert err.value.kind == "singular"  # the cause as data, in any language
    with pytest.raises(MdlibError, match="singular"):
        check_invertible(np.diag([1.0, 1e-14]))
    check_invertible(np.array([[2.0, 1.0], [1.0, 3.0]]))  # no error


def test_singular_message_states_log_det_and_the_condition():
    with pytest.raises(MdlibError) as err:
        check_invertible(np.array([[1.0, 2.0], [2.0, 4.0]]), "Σ")
    message = str(err.value)
    assert "Σ^{-1} and log|det Σ| are defined only for an invertible Σ (det Σ ≠ 0)" in message
    assert "log|X|" not in message and "X^{-1}" not in message  # the matrix's own name
    # det < 0 is invertible: log|det X| and X^{-1} exist, so no refusal
    X = np.array([[0.0, 1.0], [1.0, 0.0]])
    assert np.linalg.det(X) < 0
    check_invertible(X)


def test_direction_must_match_the_point_and_be_nonzero():
    with pytest.raises(MdlibError, match="is zero"):
        check_direction(np.zeros(3), (3,))
    with pytest.raises(MdlibError, match=r"shape of the point, \(3,\)"):
        check_direction(np.ones(2), (3,))
    assert check_direction([1, 0, 0], (3,)).dtype == float


def test_error_shows_as_one_markdown_line_in_a_notebook():
    assert MdlibError("bad step")._repr_markdown_() == "**mdlib:** bad step"
    assert issubclass(MdlibError, ValueError)

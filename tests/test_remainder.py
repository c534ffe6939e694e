"""The remainder study: true differentials vanish faster than h, wrong ones only like h."""

from __future__ import annotations

import numpy as np
import pytest

from mdlib import MdlibError, check_differential, remainder_study
from mdlib.remainder import fit_order

RNG = np.random.default_rng(42)
X_SQ = np.array([[2.0, 1.0, 0.0], [0.5, 3.0, 1.0], [0.0, 1.0, 4.0]])


def _phi(x):
    """The motivating example of seed 000: log(2 + sin x) e^{√x}."""
    return np.log(2 + np.sin(x)) * np.exp(np.sqrt(x))


def _phi_prime(x):
    return np.exp(np.sqrt(x)) * (np.cos(x) / (2 + np.sin(x)) + np.log(2 + np.sin(x)) / (2 * np.sqrt(x)))


def _vec_f(c):
    return np.array([c[0] ** 2 * c[1], 5 * c[0] + np.sin(c[1]), np.exp(c[0] * c[2])])


def _vec_jacobian(c):
    return np.array([[2 * c[0] * c[1], c[0] ** 2, 0.0],
                     [5.0, np.cos(c[1]), 0.0],
                     [c[2] * np.exp(c[0] * c[2]), 0.0, c[0] * np.exp(c[0] * c[2])]])


CORRECT = {
    "sin": (np.sin, 0.3, lambda x, dx: np.cos(x) * dx),
    "seed-000 example": (_phi, 1.2, lambda x, dx: _phi_prime(x) * dx),
    "vector R^3 -> R^3": (_vec_f, np.array([0.7, -0.4, 0.3]), lambda c, dc: _vec_jacobian(c) @ dc),
    "inverse (M5)": (np.linalg.inv, X_SQ,
                     lambda X, dX: -np.linalg.inv(X) @ dX @ np.linalg.inv(X)),
    "log det (M6)": (lambda X: np.log(np.linalg.det(X)), X_SQ,
                     lambda X, dX: np.trace(np.linalg.solve(X, dX))),
    "product X^T X (M2, M3)": (lambda X: X.T @ X, X_SQ, lambda X, dX: dX.T @ X + X.T @ dX),
}

WRONG = {
    "derivative 10% too large": (np.sin, 0.3, lambda x, dx: 1.1 * np.cos(x) * dx),
    "sign slip": (_phi, 1.2, lambda x, dx: -_phi_prime(x) * dx),
    "vector: transposed Jacobian": (_vec_f, np.array([0.7, -0.4, 0.3]),
                                    lambda c, dc: _vec_jacobian(c).T @ dc),
    "inverse: sign dropped": (np.linalg.inv, X_SQ,
                              lambda X, dX: np.linalg.inv(X) @ dX @ np.linalg.inv(X)),
    "product: one term of M2 only": (lambda X: X.T @ X, X_SQ, lambda X, dX: X.T @ dX),
}


@pytest.mark.parametrize("name", CORRECT)
def test_true_differentials_are_second_order(name):
    f, x, df = CORRECT[name]
    study = remainder_study(f, x, df)
    assert study.order == pytest.approx(2.0, abs=0.15), study.summary()
    assert study.is_second_order() and study.vanishes_faster_than_h()
    assert "vanishes faster than h — consistent with the differential" in study.summary()
    # r/‖hu‖ → 0: over the fitted range it falls by orders of magnitude
    used = study.ratio[study.fit_mask]
    assert used[-1] < 1e-3 * used[0]


@pytest.mark.parametrize("name", WRONG)
def test_wrong_differentials_are_first_order(name):
    f, x, df = WRONG[name]
    study = remainder_study(f, x, df)
    assert study.order == pytest.approx(1.0, abs=0.15), study.summary()
    assert not study.is_second_order() and not study.vanishes_faster_than_h()
    assert "shrinks only like h — this is not the differential" in study.summary()
    # r/‖hu‖ levels off at a non-zero constant instead of going to 0
    small = study.ratio[study.steps < 1e-4]
    assert small.min() > 1e-3


@pytest.mark.parametrize("name", WRONG)
def test_check_differential_raises_for_wrong_ones(name):
    f, x, df = WRONG[name]
    with pytest.raises(MdlibError, match="is not the differential.*h\\^1") as err:
        check_differential(f, x, df)
    assert err.value.kind == "not the differential"  # the verdict as data, in any language


def _x_root_abs(x):
    """x·|x|^½: differentiable at 0 (derivative 0), not twice: r(h) = |h|^{3/2}."""
    return x * np.sqrt(np.abs(x))


@pytest.mark.parametrize("direction", [1.0, -1.0])  # the right and the left derivative
def test_order_one_and_a_half_is_accepted_as_a_differential(direction):
    study = remainder_study(_x_root_abs, 0.0, lambda x, dx: 0.0 * dx, direction=direction)
    assert study.order == pytest.approx(1.5, abs=0.02)
    assert study.asymptotic_order == pytest.approx(1.5, abs=0.02)
    assert study.vanishes_faster_than_h() and not study.is_second_order()
    assert "fitted order 1.50 > 1: the remainder vanishes faster than h" in study.summary()
    assert "not the differential" not in study.summary()
    assert check_differential(_x_root_abs, 0.0, lambda x, dx: 0.0 * dx, direction=direction)
    # the ratio r/‖h u‖ = |h|^½ goes to 0, only slowly
    np.testing.assert_allclose(study.ratio, np.sqrt(study.steps), rtol=1e-9)


def test_order_one_and_a_half_with_a_wrong_slope_is_refused():
    with pytest.raises(MdlibError, match="is not the differential.*h\\^1\\.0"):
        check_differential(_x_root_abs, 0.0, lambda x, dx: 0.1 * dx, direction=1.0)


def test_order_three_where_the_second_derivative_vanishes_is_accepted():
    study = remainder_study(np.sin, 0.0, lambda x, dx: np.cos(x) * dx)  # r = sin h − h ≈ −h³/6
    assert study.order == pytest.approx(3.0, abs=0.05)
    assert study.vanishes_faster_than_h() and study.is_second_order()
    assert "fitted order 3.00 > 1: the remainder vanishes faster than h — consistent with the " \
           "differential" in study.summary()
    assert check_differential(np.sin, 0.0, lambda x, dx: np.cos(x) * dx)
    with pytest.raises(MdlibError, match="is not the differential"):
        check_differential(np.sin, 0.0, lambda x, dx: 1.1 * np.cos(x) * dx)


@pytest.mark.parametrize("x0, error", [(0.3, 1e-5), (0.0, 1e-5), (1.2, 1e-4)])
def test_a_slightly_wrong_derivative_is_refused_by_its_small_steps(x0, error):
    # over all steps the h² term makes the fit look like order 1.3-1.6; as h → 0 it is 1
    study = remainder_study(np.sin, x0, lambda x, dx: (1 + error) * np.cos(x) * dx)
    assert study.asymptotic_order == pytest.approx(1.0, abs=0.05)
    assert not study.vanishes_faster_than_h()
    assert "over the smallest steps: the remainder shrinks only like h" in study.summary()


def test_a_remainder_that_does_not_shrink_is_named():
    study = remainder_study(np.sin, 0.3, lambda x, dx: 0.5 + np.cos(x) * dx)  # an offset
    assert not study.vanishes_faster_than_h()
    assert "does not even shrink like h — this is not the differential" in study.summary()


def test_check_differential_returns_the_study_for_a_right_one():
    f, x, df = CORRECT["inverse (M5)"]
    assert check_differential(f, x, df).is_second_order()


def test_exact_linear_part_is_reported_as_exact():
    study = remainder_study(lambda X: X.T, X_SQ, lambda X, dX: dX.T)
    assert study.exact and np.isinf(study.order) and study.is_second_order()
    assert study.vanishes_faster_than_h() and np.isinf(study.asymptotic_order)
    assert "exact" in study.summary()


def test_ratio_is_remainder_over_step_times_direction_norm():
    u = np.array([3.0, 4.0])  # norm 5
    f = lambda c: np.array([c[0] * c[1], c[0] ** 2])  # noqa: E731
    df = lambda c, dc: np.array([c[1] * dc[0] + c[0] * dc[1], 2 * c[0] * dc[0]])  # noqa: E731
    steps = np.array([1e-1, 1e-2, 1e-3])
    study = remainder_study(f, [1.0, 2.0], df, direction=u, steps=steps)
    # exact remainder: r(h) = h² (u₀u₁, u₀²) = h² (12, 9), norm 15 h²
    np.testing.assert_allclose(study.remainder, 15 * steps**2, rtol=1e-6)
    np.testing.assert_allclose(study.ratio, 15 * steps**2 / (5 * steps), rtol=1e-6)


def test_default_direction_is_seeded():
    a = remainder_study(np.sin, [0.1, 0.2], lambda x, dx: np.cos(x) * dx)
    b = remainder_study(np.sin, [0.1, 0.2], lambda x, dx: np.cos(x) * dx)
    np.testing.assert_array_equal(a.remainder, b.remainder)


def test_fit_order_recovers_known_slopes():
    h = np.logspace(-1, -5, 9)
    assert fit_order(h, 2 * h**3, 1e-30)[0] == pytest.approx(3.0)
    assert fit_order(h, 0.5 * h, 1e-30)[0] == pytest.approx(1.0)
    order, mask = fit_order(h, np.full_like(h, 1e-20), 1e-16)
    assert np.isinf(order) and not mask.any()


@pytest.mark.parametrize("direction, message", [
    (0.0, "direction is zero"),
    (np.zeros(2), "must have the shape of the point"),
])
def test_bad_directions_are_refused(direction, message):
    with pytest.raises(MdlibError, match=message):
        remainder_study(np.sin, 0.3, lambda x, dx: np.cos(x) * dx, direction=direction)


def test_zero_direction_of_the_right_shape():
    with pytest.raises(MdlibError, match="direction is zero"):
        remainder_study(np.sin, [0.3, 0.1], lambda x, dx: np.cos(x) * dx, direction=[0.0, 0.0])


@pytest.mark.parametrize("steps", [[1e-2, 0.0], [np.nan], [np.inf, 1e-3]])
def test_bad_steps_are_refused(steps):
    with pytest.raises(MdlibError):
        remainder_study(np.sin, 0.3, lambda x, dx: np.cos(x) * dx, steps=steps)


def test_zero_step_message_is_clear():
    with pytest.raises(MdlibError, match="every step h must be a non-zero finite number"):
        remainder_study(np.sin, 0.3, lambda x, dx: np.cos(x) * dx, steps=[1e-2, 0.0])


def test_nan_point_and_nan_values_are_refused():
    with pytest.raises(MdlibError, match="NaN or infinity"):
        remainder_study(np.sin, np.nan, lambda x, dx: np.cos(x) * dx)
    with pytest.raises(MdlibError, match="f\\(x\\) contains NaN"):
        remainder_study(lambda x: x * np.nan, 1.0, lambda x, dx: dx)


def test_differential_of_the_wrong_shape_is_refused():
    with pytest.raises(MdlibError, match="df must have the shape of f"):
        remainder_study(lambda X: X @ X, X_SQ, lambda X, dX: np.trace(dX))


@pytest.mark.parametrize("steps", [[], [1e-2], [1e-2, 1e-3], [1e-3, -1e-3, 1e-3]])
def test_fewer_than_three_step_sizes_are_refused(steps):
    # a fit through fewer than three sizes used to call a wrong differential "exact"
    with pytest.raises(MdlibError, match="at least three different step sizes"):
        remainder_study(np.sin, 0.3, lambda x, dx: 5 * dx, steps=steps)


def test_a_direction_too_small_to_move_x_is_refused_not_called_exact():
    for df in (lambda x, dx: np.cos(x) * dx, lambda x, dx: 5 * dx):  # right and wrong alike
        with pytest.raises(MdlibError, match="round-off level for almost every step"):
            check_differential(np.sin, 0.3, df, direction=1e-200)


def test_a_small_function_is_judged_on_its_own_scale():
    # values near 1e-20: an absolute round-off floor of 1e-13 would call anything "exact"
    wrong = remainder_study(lambda x: 1e-20 * np.sin(x), 0.3, lambda x, dx: 2e-20 * np.cos(x) * dx)
    assert not wrong.is_second_order() and wrong.order == pytest.approx(1.0, abs=0.15)
    right = remainder_study(lambda x: 1e-20 * np.sin(x), 0.3, lambda x, dx: 1e-20 * np.cos(x) * dx)
    assert right.order == pytest.approx(2.0, abs=0.15)


def test_numeric_failures_of_f_name_the_step():
    with pytest.raises(MdlibError, match=r"f\(x \+ h u\) for h = 1 cannot be computed \(LinAlgError"):
        remainder_study(np.linalg.inv, np.diag([1.0, -1.0]), lambda X, dX: -dX,
                        direction=np.diag([0.0, 1.0]), steps=[1.0, 0.5, 0.25])  # diag(1, 0) at h = 1


def test_round_off_is_measured_not_guessed_from_f():
    """f = log(1 + 1e-5 x) is 1e-5 small, but computed from 1 + 1e-5 x: round-off about ε."""
    from mdlib.remainder import roundoff_level

    def f(x):
        return np.log(1 + 1e-5 * x)

    level = roundoff_level(f, 0.7, 1.0)
    assert level > 100 * np.finfo(float).eps * abs(f(0.7))  # ε |f| would be far too small
    assert level < 10 * np.finfo(float).eps
    assert roundoff_level(lambda x: 3.0 * x, 0.7, 1.0) <= 1e-15  # nothing to round: ~0
    assert roundoff_level(lambda x: np.log(x - 2), 1.0, 1.0) == 0.0  # undefined: no estimate


def test_round_off_near_a_pole_is_that_of_the_rounded_input():
    from mdlib.remainder import roundoff_level

    eps = np.finfo(float).eps
    for distance in (1e-1, 1e-2, 1e-3):
        x = 1 + distance  # f = 1/(x - 1): rounding x costs ε |x| |f'(x)| = ε |x| / distance²
        level = roundoff_level(lambda t: 1 / (t - 1), x, 1.0)
        assert eps / distance < level < 10 * eps * x / distance**2


@pytest.mark.parametrize("small", [1e-4, 1e-5])
def test_a_small_f_computed_from_large_parts_keeps_its_order(small):
    def f(x):
        return np.log(1 + small * x)

    right = remainder_study(f, 0.7, lambda x, dx: small / (1 + small * x) * dx)
    wrong = remainder_study(f, 0.7, lambda x, dx: 1.001 * small / (1 + small * x) * dx)
    assert right.is_second_order() and right.vanishes_faster_than_h()
    assert not wrong.vanishes_faster_than_h()
    # the fit keeps off the round-off: every fitted remainder is far above ε
    assert np.all(right.remainder[right.fit_mask] > 100 * np.finfo(float).eps)

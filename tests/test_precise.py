"""The mpmath remainder path goes far below the float64 round-off floor."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from mdlib import MdlibError
from mdlib.precise import float64_remainder_study, precise_remainder_study

x, y = sp.symbols("x y")
PHI = sp.log(2 + sp.sin(x)) * sp.exp(sp.sqrt(x))  # seed 000's motivating example
TINY = [1e-2, 1e-6, 1e-10, 1e-14]


def test_precise_ratio_keeps_falling_where_float64_turns_back_up():
    precise = precise_remainder_study(PHI, x, 1.2, steps=TINY)
    rough = float64_remainder_study(PHI, x, 1.2, steps=TINY)
    assert precise.ratio[-1] < 1e-12          # ≈ |φ''|/2 · 1e-14
    assert rough.ratio[-1] > 1e-12            # ≈ eps · |φ| / 1e-14: round-off, not maths
    assert rough.ratio[-1] > 1e3 * precise.ratio[-1]
    # at a moderate step both agree: the difference is only arithmetic
    assert rough.ratio[0] == pytest.approx(precise.ratio[0], rel=1e-6)


def test_precise_order_is_two_down_to_1e_minus_20():
    study = precise_remainder_study(PHI, x, 1.2)
    assert study.steps.min() <= 1e-20
    assert study.order == pytest.approx(2.0, abs=0.05)
    assert study.fit_mask.all()  # 50 digits: no step is at the floor
    # ratio ∝ h: over 20 decades of h the ratio falls by (about) 20 decades too
    assert study.ratio[-1] < 1e-18 * study.ratio[0]


def test_float64_shows_the_v_shape():
    study = float64_remainder_study(PHI, x, 1.2, steps=np.logspace(0, -12, 49))
    smallest = int(np.argmin(study.ratio))
    assert 0 < smallest < len(study.steps) - 1      # the minimum is inside: a V
    assert 1e-9 < study.steps[smallest] < 1e-4      # near sqrt(eps)
    assert study.ratio[-1] > 10 * study.ratio[smallest]
    assert study.is_second_order()                  # the fit ignores the round-off part


def test_vector_expression_in_two_variables():
    column = sp.Matrix([x**2 * y, 5 * x + sp.sin(y)])
    study = precise_remainder_study(column, [x, y], [0.7, -0.4], direction=[1.0, 2.0])
    assert study.order == pytest.approx(2.0, abs=0.05)
    assert study.ratio[-1] < 1e-15


def test_the_precise_study_does_not_accept_a_wrong_function_silently():
    # remainder of an exactly linear expression is zero at any precision: reported exact
    study = precise_remainder_study(3 * x + 1, x, 0.5, steps=TINY)
    assert study.exact


def test_extra_symbols_are_refused():
    with pytest.raises(MdlibError, match="symbols that are not variables: y"):
        precise_remainder_study(x * y, x, 1.0)


def test_bad_arguments_are_refused():
    with pytest.raises(MdlibError, match="digits must be an integer from 20 to 1000"):
        precise_remainder_study(sp.sin(x), x, 1.0, digits=10)
    with pytest.raises(MdlibError, match="digits must be an integer from 20 to 1000"):
        precise_remainder_study(sp.sin(x), x, 1.0, digits=10**6)  # would take forever
    with pytest.raises(MdlibError, match="variables must be a sympy Symbol"):
        precise_remainder_study(sp.sin(x), "x", 1.0)
    with pytest.raises(MdlibError, match="the point needs 2 coordinates"):
        precise_remainder_study(x * y, [x, y], 1.0)
    with pytest.raises(MdlibError, match="non-zero vector"):
        precise_remainder_study(x * y, [x, y], [1.0, 2.0], direction=[0.0, 0.0])
    with pytest.raises(MdlibError, match="non-zero finite number"):
        precise_remainder_study(sp.sin(x), x, 1.0, steps=[1e-3, 0.0])
    with pytest.raises(MdlibError, match="NaN"):
        float64_remainder_study(sp.sin(x), x, float("nan"))


def test_complex_values_and_unresolvable_steps_are_refused_not_fitted():
    with pytest.raises(MdlibError, match="complex at the point"):
        precise_remainder_study(sp.log(x), x, -1.0, steps=[1e-3, 1e-4, 1e-5])
    with pytest.raises(MdlibError, match="less than round-off"):  # x + h u == x at 50 digits
        precise_remainder_study(sp.sin(x), x, 0.3, direction=[1e-200], steps=[1e-3, 1e-4, 1e-5])
    with pytest.raises(MdlibError, match="three different step sizes"):
        precise_remainder_study(sp.sin(x), x, 0.3, steps=[1e-3, 1e-3])

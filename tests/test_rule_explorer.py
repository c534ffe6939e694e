"""RuleExplorer driven from code: rules, directions, the singular switch, readout numbers."""

from __future__ import annotations

import time

import numpy as np
import pytest

from mdlib.rules import RULES, make_direction, singular_like
from mdlib.widgets import ALL_WIDGETS, RuleExplorer


def _remainder(label: str, point: tuple, direction: tuple, h: float) -> tuple[float, float]:
    """‖f(X+hE) − f(X) − df(X; hE)‖ and its ratio to ‖hE‖, computed without the widget."""
    rule = RULES[label]
    moved = tuple(p + h * d for p, d in zip(point, direction, strict=True))
    r = np.asarray(rule.f(*moved)) - np.asarray(rule.f(*point)) \
        - np.asarray(rule.differential(point, tuple(h * d for d in direction)))
    norm_e = np.sqrt(sum(np.sum(d * d) for d in direction))
    return float(np.linalg.norm(np.ravel(r))), float(np.linalg.norm(np.ravel(r)) / (h * norm_e))


def test_contract_and_registration() -> None:
    ex = RuleExplorer.demo()
    for attr in ("widget", "slider", "readout", "live"):
        assert getattr(ex, attr) is not None
    assert RuleExplorer in ALL_WIDGETS


@pytest.mark.parametrize("label", ["M2", "M5", "M5 (order swapped)", "M6", "M7", "M8 (matrix product)"])
@pytest.mark.parametrize("kind", ["random", "e_11", "rank one (u v^T)"])
def test_readout_equals_the_independent_remainder(label: str, kind: str) -> None:
    ex = RuleExplorer(rule="M1")
    ex.set_rule(label)
    ex.set_direction(kind)
    ex.set_h(1e-3)
    point = RULES[label].point(0, 3, 3)
    norm_r, ratio = _remainder(label, point, make_direction(kind, point, 0), ex.slider.value)
    assert np.isclose(ex.current["remainder"], norm_r, rtol=1e-9, atol=1e-15)
    assert np.isclose(ex.current["ratio"], ratio, rtol=1e-9, atol=1e-15)
    assert f"{norm_r:.3e}" in ex.readout.value


def test_right_rule_ratio_falls_and_wrong_rule_ratio_stalls() -> None:
    ex = RuleExplorer(rule="M5")
    ratios = {}
    for label in ("M5", "M5 (wrong sign)"):
        ex.set_rule(label)
        ex.set_h(1e-2)
        big = ex.current["ratio"]
        ex.set_h(1e-4)
        ratios[label] = big / ex.current["ratio"]
    assert ratios["M5"] == pytest.approx(100, rel=0.1)   # ratio ∝ h
    assert ratios["M5 (wrong sign)"] == pytest.approx(1, rel=0.1)   # ratio → constant
    assert "this is not the differential" in ex.readout.value


def test_direction_is_kept_across_rules_when_it_fits() -> None:
    ex = RuleExplorer(rule="M2")
    ex.set_direction("only X moves")
    ex.set_rule("M2 ((dX)Y only)")
    assert ex.direction.value == "only X moves"
    assert "linear part is exact" in ex.readout.value  # dY = 0 hides the slip
    ex.set_rule("M5")  # one input: 'only X moves' is not offered
    assert ex.direction.value == "random"
    assert "symmetric" in ex.direction.options


def test_singular_option_shows_a_message_not_a_traceback() -> None:
    ex = RuleExplorer(rule="M5")
    ex.set_singular(True)
    assert ex.error and "singular" in ex.readout.value and ex.current == {}
    assert ex.slider.disabled
    ex.set_h(1e-5)  # slider events must not overwrite the message
    assert "singular" in ex.readout.value
    ex.set_rule("M6")
    assert "singular" in ex.readout.value
    ex.set_rule("M6 (adjugate form)")  # holds at singular X too
    assert not ex.error and not ex.slider.disabled
    point = singular_like(RULES["M6 (adjugate form)"].point(0, 3, 3))
    norm_r, _ = _remainder("M6 (adjugate form)", point, make_direction("random", point, 0),
                           ex.slider.value)
    assert np.isclose(ex.current["remainder"], norm_r, rtol=1e-9, atol=1e-15)
    ex.set_singular(False)
    ex.set_rule("M5")
    assert not ex.error and "fitted order" in ex.readout.value


def test_slider_update_is_fast() -> None:
    ex = RuleExplorer.demo()
    times = []
    for h in np.logspace(-1, -9, 30):
        start = time.perf_counter()
        ex.set_h(float(h))
        times.append(time.perf_counter() - start)
    assert np.median(times) < 0.02

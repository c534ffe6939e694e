"""RemainderExplorer driven from code: the readout and plot follow the mathematics."""

from __future__ import annotations

import numpy as np
import pytest

from mdlib import MdlibError
from mdlib.widgets import ALL_WIDGETS, RemainderExplorer

X0 = 0.3


def _exact_remainder(h: float) -> float:
    return abs(np.sin(X0 + h) - np.sin(X0) - np.cos(X0) * h)


@pytest.fixture
def explorer():
    return RemainderExplorer(np.sin, X0, lambda x, dx: np.cos(x) * dx,
                             {"+1": 1.0, "−2": -2.0}, h=1e-2)


def test_widget_contract():
    ex = RemainderExplorer.demo()
    for name in ("widget", "slider", "readout", "live", "direction", "study", "current"):
        assert hasattr(ex, name)
    assert RemainderExplorer in ALL_WIDGETS
    assert ex.live.image.value[:4] == b"\x89PNG"


@pytest.mark.parametrize("h", [1e-1, 1e-3, 1e-5])
def test_set_h_gives_the_exact_remainder(explorer, h):
    explorer.set_h(h)
    cur = explorer.current
    assert cur["h"] == pytest.approx(h)
    assert cur["remainder"] == pytest.approx(_exact_remainder(cur["h"]), rel=1e-6)
    assert cur["ratio"] == pytest.approx(cur["remainder"] / cur["h"])
    # marker sits on the point; readout shows the same numbers
    xs, ys = explorer._marker.get_data()
    assert xs[0] == pytest.approx(cur["h"]) and ys[0] == pytest.approx(cur["remainder"])
    rxs, rys = explorer._ratio_marker.get_data()
    assert rys[0] == pytest.approx(cur["ratio"])
    assert f"{cur['remainder']:.3e}" in explorer.readout.value
    assert f"{cur['ratio']:.3e}" in explorer.readout.value


def test_ratio_shrinks_like_h_for_a_true_derivative(explorer):
    explorer.set_h(1e-2)
    big = explorer.current["ratio"]
    explorer.set_h(1e-3)
    small = explorer.current["ratio"]
    assert small / big == pytest.approx(0.1, rel=0.05)   # r/h ≈ |φ''|/2 · h
    assert big == pytest.approx(abs(np.sin(X0)) / 2 * 1e-2, rel=0.05)


def test_moving_the_slider_changes_image_and_readout(explorer):
    png, text = explorer.live.image.value, explorer.readout.value
    explorer.slider.value = 1e-4          # as a reader dragging the slider would
    assert explorer.live.image.value != png
    assert explorer.readout.value != text
    assert explorer.current["h"] == pytest.approx(1e-4)


def test_changing_direction_changes_the_study(explorer):
    before = explorer.study.remainder.copy()
    explorer.set_direction("−2")
    after = explorer.study.remainder
    assert not np.allclose(before, after)
    h = explorer.current["h"]
    assert explorer.current["remainder"] == pytest.approx(_exact_remainder(-2 * h), rel=1e-6)
    assert explorer.current["ratio"] == pytest.approx(explorer.current["remainder"] / (2 * h))
    with pytest.raises(MdlibError, match="unknown direction"):
        explorer.set_direction("sideways")


def test_a_wrong_derivative_is_visible_in_the_widget():
    ex = RemainderExplorer(np.sin, X0, lambda x, dx: 1.1 * np.cos(x) * dx, h=1e-3)
    assert ex.study.order == pytest.approx(1.0, abs=0.15)
    assert "this is not the differential" in ex.readout.value
    assert ex.current["ratio"] == pytest.approx(0.1 * np.cos(X0), rel=0.02)  # does not vanish


def test_set_case_switches_to_a_matrix_function(explorer):
    S = np.array([[2.0, 1.0], [0.5, 3.0]])
    explorer.set_case(np.linalg.inv, S, lambda X, dX: -np.linalg.inv(X) @ dX @ np.linalg.inv(X),
                      {"E11": np.array([[1.0, 0.0], [0.0, 0.0]]), "ones": np.ones((2, 2))})
    assert list(explorer.direction.options) == ["E11", "ones"]
    assert explorer.study.is_second_order()
    explorer.set_h(1e-3)
    U = np.array([[1.0, 0.0], [0.0, 0.0]])
    r = np.linalg.inv(S + 1e-3 * U) - np.linalg.inv(S) + 1e-3 * np.linalg.inv(S) @ U @ np.linalg.inv(S)
    assert explorer.current["remainder"] == pytest.approx(np.linalg.norm(r), rel=1e-3)


def test_bad_input_gives_clear_errors():
    df = lambda x, dx: np.cos(x) * dx  # noqa: E731
    with pytest.raises(MdlibError, match="direction is zero"):
        RemainderExplorer(np.sin, X0, df, {"zero": 0.0})
    with pytest.raises(MdlibError, match="non-zero finite number"):
        RemainderExplorer(np.sin, X0, df, h=0.0)
    ex = RemainderExplorer(np.sin, X0, df)
    with pytest.raises(MdlibError, match="non-zero finite number"):
        ex.set_h(float("nan"))

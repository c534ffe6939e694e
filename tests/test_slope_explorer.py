"""SlopeExplorer: driven programmatically, its readout and plot follow the mathematics."""

from __future__ import annotations

import numpy as np
import pytest

from mdlib import MdlibError
from mdlib import examples as ex
from mdlib.widgets import ALL_WIDGETS, SlopeExplorer


def test_it_is_listed_and_follows_the_contract() -> None:
    assert SlopeExplorer in ALL_WIDGETS
    w = SlopeExplorer.demo()
    for name in ("widget", "slider", "readout", "live"):
        assert hasattr(w, name)


def test_demo_slope_matches_the_least_squares_gradient_and_vanishes_at_the_solution() -> None:
    w = SlopeExplorer.demo()
    X, y = ex.regression_data(n=30, d=3, seed=4)
    for t in (-0.2, 0.0, 0.37, 1.0, 1.2):
        w.set_t(t)
        c = w.current
        expected = ex.least_squares_grad(w.point(c["t"]), X, y) @ (w.point(1.0) - w.point(0.0))
        assert np.isclose(c["slope"], expected)
        assert np.isclose(c["slope"], c["fd_slope"], rtol=1e-5, atol=1e-6)
        assert "they agree" in w.readout.value
    w.set_t(1.0)
    assert abs(w.current["slope"]) < 1e-8
    assert "slope from the gradient = 0.0000" in w.summary()


def test_moving_the_slider_changes_plot_readout_and_marker() -> None:
    w = SlopeExplorer.demo()
    w.set_t(0.0)
    png, text = w.live.image.value, w.readout.value
    w.slider.value = 0.5
    assert w.live.image.value != png and w.readout.value != text
    xdata, ydata = w._marker.get_data()
    assert np.isclose(xdata[0], 0.5) and np.isclose(ydata[0], w.current["value"])


def test_a_wrong_gradient_is_exposed_in_the_readout() -> None:
    A = np.array([[2.0, 1.0], [0.0, 1.0]])
    f = lambda x: float(x @ A @ x)  # noqa: E731
    right = SlopeExplorer(f, lambda x: (A + A.T) @ x, np.array([1.0, -1.0]), np.array([0.5, 2.0]))
    wrong = SlopeExplorer(f, lambda x: 2 * A @ x, np.array([1.0, -1.0]), np.array([0.5, 2.0]))
    assert "they agree" in right.readout.value
    assert "disagree" in wrong.readout.value


def test_bad_input_gets_a_sentence() -> None:
    f, g = (lambda x: float(x @ x)), (lambda x: 2 * x)
    with pytest.raises(MdlibError, match="same point"):
        SlopeExplorer(f, g, np.ones(2), np.ones(2))
    with pytest.raises(MdlibError, match="must match"):
        SlopeExplorer(f, g, np.ones(2), np.ones(3))
    with pytest.raises(MdlibError, match="shape"):
        SlopeExplorer(f, lambda x: np.ones(3), np.ones(2), np.zeros(2))
    with pytest.raises(MdlibError, match="finite"):
        SlopeExplorer(f, g, np.ones(2), np.zeros(2), t=float("nan"))

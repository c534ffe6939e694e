"""JacobianEllipse driven from code: the circle's image approaches the predicted ellipse."""

from __future__ import annotations

import numpy as np
import pytest

from mdlib import MdlibError
from mdlib.widgets import ALL_WIDGETS, JacobianEllipse
from mdlib.widgets.jacobian_ellipse import _UNIT

C = np.array([1.0, 0.5])


def square(z):  # the complex map z ↦ z², written on R²
    return np.array([z[0] ** 2 - z[1] ** 2, 2 * z[0] * z[1]])


def square_jacobian(z):
    return np.array([[2 * z[0], -2 * z[1]], [2 * z[1], 2 * z[0]]])


@pytest.fixture
def widget():
    return JacobianEllipse(square, C, square_jacobian, radius=0.1)


def test_widget_contract():
    w = JacobianEllipse.demo()
    for name in ("widget", "slider", "readout", "live", "current"):
        assert hasattr(w, name)
    assert JacobianEllipse in ALL_WIDGETS
    assert w.live.image.value[:4] == b"\x89PNG"
    assert w.slider.min == -4 and w.slider.max == 0  # log scale from 1e-4 to 1


@pytest.mark.parametrize("rho", [1.0, 0.1, 1e-2, 1e-3])
def test_gap_is_exactly_rho_squared_for_z_squared(widget, rho):
    # (c + ρu)² − c² − 2cρu = (ρu)², and |u| = 1, so every point has gap ρ²
    widget.set_radius(rho)
    cur = widget.current
    assert cur["radius"] == pytest.approx(rho)
    assert cur["max_gap"] == pytest.approx(rho**2, rel=1e-6)
    assert cur["ratio"] == pytest.approx(rho, rel=1e-6)
    assert f"{cur['max_gap']:.3e}" in widget.readout.value
    assert f"{cur['ratio']:.3e}" in widget.readout.value
    xs, ys = widget._marker.get_data()
    assert xs[0] == pytest.approx(rho) and ys[0] == pytest.approx(rho, rel=1e-6)


def test_curve_data_is_the_normalized_image(widget):
    widget.set_radius(0.2)
    xs, ys = widget._curve.get_data()
    expected = np.array([(square(C + 0.2 * u) - square(C)) / 0.2 for u in _UNIT.T]).T
    np.testing.assert_allclose(xs, expected[0], atol=1e-12)
    np.testing.assert_allclose(ys, expected[1], atol=1e-12)
    np.testing.assert_allclose(widget.ellipse, square_jacobian(C) @ _UNIT)
    # the red segment joins the ellipse and the curve where they are furthest apart
    sx, sy = widget._gap_segment.get_data()
    assert np.hypot(sx[1] - sx[0], sy[1] - sy[0]) == pytest.approx(widget.current["ratio"])


def test_moving_the_slider_changes_image_and_readout(widget):
    png, text = widget.live.image.value, widget.readout.value
    widget.slider.value = 0.5
    assert widget.live.image.value != png
    assert widget.readout.value != text
    assert widget.current["radius"] == pytest.approx(0.5)


def test_demo_gap_over_rho_has_slope_one():
    w = JacobianEllipse.demo()
    slope = np.polyfit(np.log(w.rhos), np.log(w.ratios), 1)[0]
    assert slope == pytest.approx(1.0, abs=0.05)     # gap/ρ ~ ρ, i.e. gap ~ ρ²
    assert w.ratios[-1] < 1e-3


def test_a_wrong_jacobian_leaves_a_gap_of_order_rho():
    w = JacobianEllipse(square, C, square_jacobian(C).T, radius=1e-3)  # transposed: wrong
    assert w.ratios[-1] > 0.5                        # gap/ρ does not go to 0
    assert w.current["ratio"] == pytest.approx(
        np.max(np.linalg.norm((square_jacobian(C) - square_jacobian(C).T) @ _UNIT, axis=0)),
        rel=1e-2)


def test_a_constant_matrix_is_accepted_as_the_jacobian():
    w = JacobianEllipse(square, C, square_jacobian(C), radius=0.1)
    assert w.current["max_gap"] == pytest.approx(0.01, rel=1e-6)


def test_bad_input_gives_clear_errors():
    with pytest.raises(MdlibError, match="f must be a function"):
        JacobianEllipse("z**2", C, square_jacobian)
    with pytest.raises(MdlibError, match="must be a 2-vector"):
        JacobianEllipse(square, [1.0, 2.0, 3.0], square_jacobian)
    with pytest.raises(MdlibError, match="must be 2×2"):
        JacobianEllipse(square, C, np.eye(3))
    with pytest.raises(MdlibError, match="f must return a 2-vector"):
        JacobianEllipse(lambda z: np.append(z, 1.0), C, np.eye(2))
    with pytest.raises(MdlibError, match="NaN"):
        JacobianEllipse(lambda z: z * np.nan, C, np.eye(2))
    with pytest.raises(MdlibError, match="radius ρ must be positive"):
        JacobianEllipse(square, C, square_jacobian, radius=-0.1)
    w = JacobianEllipse(square, C, square_jacobian)
    with pytest.raises(MdlibError, match="non-zero finite number"):
        w.set_radius(0.0)


def test_legend_lies_inside_the_figure_and_outside_the_panels():
    """The legend must not be cut off at the figure's edge, nor cover the curves."""
    w = JacobianEllipse.demo()
    figure = w.live.figure
    renderer = w.live.canvas.get_renderer()
    (legend,) = figure.legends
    box, edge = legend.get_window_extent(renderer), figure.bbox
    assert edge.x0 <= box.x0 and box.x1 <= edge.x1 and edge.y0 <= box.y0 and box.y1 <= edge.y1
    for ax in w.live.axes:
        assert not box.overlaps(ax.get_window_extent(renderer))
    labels = [text.get_text() for text in legend.get_texts()]
    assert {"predicted A(c)u", "true image", "largest gap", "gap/ρ"} <= set(labels)

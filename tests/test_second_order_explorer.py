"""SecondOrderExplorer driven from code: order 3 for the right Hessian, 2 for wrong ones."""

from __future__ import annotations

import numpy as np
import pytest

from mdlib import MdlibError
from mdlib.widgets import ALL_WIDGETS, SecondOrderExplorer

RIGHT = "right: −K (X⁻ᵀ ⊗ X⁻¹)"
WRONG = ["wrong: K forgotten, −(X⁻ᵀ ⊗ X⁻¹)", "wrong: factors transposed, −K (X⁻¹ ⊗ X⁻ᵀ)"]


@pytest.fixture
def explorer():
    return SecondOrderExplorer.demo()


def test_widget_contract(explorer):
    for name in ("widget", "slider", "readout", "live", "choice", "caption", "current"):
        assert hasattr(explorer, name)
    assert SecondOrderExplorer in ALL_WIDGETS
    assert explorer.live.image.value[:4] == b"\x89PNG"
    assert "log–log" in explorer.caption.value and "fitted slope" in explorer.caption.value


def test_right_hessian_order_three_wrong_ones_order_two(explorer):
    explorer.set_hessian(RIGHT)
    assert explorer.study_order == pytest.approx(3, abs=0.25)
    assert "this is the Hessian" in explorer.readout.value
    for label in WRONG:
        png = explorer.live.image.value
        explorer.set_hessian(label)
        assert explorer.study_order == pytest.approx(2, abs=0.25), label
        assert "not the Hessian" in explorer.readout.value
        assert explorer.live.image.value != png


def test_remainder_is_the_exact_model_gap(explorer):
    X, G, V = explorer._X, explorer._G, explorer._V
    H = explorer._hessians[RIGHT]
    h = 1e-2
    explorer.set_h(h)
    v = V.reshape(-1, 1, order="F")
    expected = abs(np.linalg.slogdet(X + h * V)[1] - np.linalg.slogdet(X)[1]
                   - h * np.sum(G * V) - 0.5 * h**2 * (v.T @ H @ v).item())
    assert explorer.current["remainder"] == pytest.approx(expected, rel=1e-6)
    assert f"{expected:.3e}" in explorer.readout.value


def test_moving_the_slider_changes_image_and_readout(explorer):
    png, text = explorer.live.image.value, explorer.readout.value
    explorer.slider.value = 1e-3
    assert explorer.live.image.value != png and explorer.readout.value != text
    r3 = explorer.current["remainder"]
    explorer.slider.value = 1e-2
    assert explorer.current["remainder"] / r3 == pytest.approx(1e3, rel=0.2)  # like h³


def test_bad_input_is_explained():
    X = np.eye(2)
    with pytest.raises(MdlibError, match="mn×mn"):
        SecondOrderExplorer(lambda Y: 0.0, X, X, {"bad": np.eye(3)})
    with pytest.raises(MdlibError, match="at least one"):
        SecondOrderExplorer(lambda Y: 0.0, X, X, {})
    with pytest.raises(MdlibError, match="unknown Hessian"):
        SecondOrderExplorer.demo().set_hessian("nope")

"""Every slider of the course can be used with a screen reader: a name, a value in words.

The sliders are :class:`mdlib.widgets.ReaderSlider` (a native range input; the browser tests
check what Chromium's accessibility tree exposes). Here: each widget's slider is one, its
accessible name says what it changes and contains its visible label, its value text follows
the value in the reader's terms (h, not log₁₀ h), the stored notebooks hold no slider without
a name, and the view's files ship inside the package.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import ipywidgets
import pytest

import mdlib.widgets
from mdlib.widgets import ALL_WIDGETS, ReaderSlider
from mdlib.widgets.reader_slider import readout

REPO = Path(__file__).resolve().parents[1]
# Both editions (notebooks/zh/ once it exists); JupyterLab's checkpoints are not the course.
NOTEBOOKS = sorted(path for path in (REPO / "notebooks").glob("**/*.ipynb")
                   if ".ipynb_checkpoints" not in path.parts)
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"

# The quantity each widget's slider changes, and how it reads the slider's value.
EXPECTED = {
    "RemainderExplorer": ("step size h", "h", r"h = \d\.\de[+-]\d+"),
    "JacobianEllipse": ("radius ρ of the circle", "ρ", r"ρ = \d\.\de[+-]\d+"),
    "SlopeExplorer": ("position t along the line", "t", r"t = -?\d\.\d\d"),
    "RuleExplorer": ("step size h", "h", r"h = \d\.\de[+-]\d+"),
    "SecondOrderExplorer": ("step size h", "h", r"h = \d\.\de[+-]\d+"),
}


def _descendants(widget: ipywidgets.Widget) -> list[ipywidgets.Widget]:
    found = [widget]
    for child in getattr(widget, "children", ()):
        found += _descendants(child)
    return found


@pytest.mark.parametrize("cls", ALL_WIDGETS, ids=lambda cls: cls.__name__)
def test_each_widget_slider_has_a_name_and_reads_its_value_in_the_readers_terms(cls) -> None:
    widget = cls.demo()
    name, label, pattern = EXPECTED[cls.__name__]
    sliders = [w for w in _descendants(widget.widget) if "Slider" in type(w).__name__]
    assert sliders == [widget.slider] and isinstance(widget.slider, ReaderSlider)
    slider = widget.slider
    assert slider.accessible_name == name
    assert slider.description == label and label in slider.accessible_name  # label in name
    assert re.fullmatch(pattern, slider.value_text), slider.value_text
    # The announced value is the quantity the readout starts with, at every position.
    for fraction in (0.0, 0.37, 1.0):
        position = slider.min + fraction * (slider.max - slider.min)
        slider.value = slider.base**position if slider.scale == "log" else position
        announced = float(slider.value_text.split(" = ")[1])
        assert announced == pytest.approx(slider.value, rel=0.05, abs=0.005)
        shown = re.search(rf"{re.escape(label)} = (-?[\d.]+(?:e[+-]\d+)?)", widget.readout.value)
        assert shown and float(shown.group(1)) == pytest.approx(announced, rel=0.05, abs=0.005)


def test_a_log_slider_moves_over_exponents_and_announces_the_quantity() -> None:
    slider = ReaderSlider(value=1e-2, min=-12, max=0, step=0.125, scale="log", description="h",
                          accessible_name="step size h", value_template="h = {value}",
                          readout_format=".1e")
    assert (slider.low, slider.high) == (1e-12, 1.0)
    assert slider.value_text == "h = 1.0e-2"
    slider.value = 10**-8.625  # the position the old slider announced as "-8.625"
    assert slider.value_text == "h = 2.4e-9"
    slider.value = 5.0
    assert slider.value == 1.0 and slider.value_text == "h = 1.0e+0"  # clipped, like ipywidgets
    slider.value = 0.0
    assert slider.value == 1e-12


def test_readouts_are_written_as_the_browser_writes_them() -> None:
    """toExponential / toFixed: no zero-padded exponent, no "-0.00" (reader_slider.js)."""
    assert readout(2.371e-9, ".1e") == "2.4e-9"
    assert readout(123.0, ".1e") == "1.2e+2"
    assert readout(1e-12, ".1e") == "1.0e-12"
    assert readout(0.35, ".2f") == "0.35"
    assert readout(-1e-17, ".2f") == "0.00"
    assert readout(-0.25, ".2f") == "-0.25"
    with pytest.raises(ValueError, match="like '.1e' or '.2f'"):
        ReaderSlider(readout_format=".3g")


def test_the_slider_repr_is_stable_for_stored_outputs() -> None:
    """anywidget's own repr shows a memory address; a notebook's stored text/plain must not."""
    text = repr(mdlib.widgets.RemainderExplorer.demo().widget)
    assert "ReaderSlider(description='h', accessible_name='step size h', value=0.01)" in text
    assert " at 0x" not in text


def test_the_view_ships_with_the_package_and_keeps_its_name_and_value_text() -> None:
    """The JavaScript sets aria-label and aria-valuetext from the traits Python fills in, and
    stops the arrow keys from reaching JupyterLab's notebook shortcuts."""
    folder = Path(mdlib.widgets.__file__).parent
    script = (folder / "reader_slider.js").read_text(encoding="utf-8")
    assert ReaderSlider._esm == script and ReaderSlider._css.strip()
    for needed in ('type = "range"', '"aria-label"', '"aria-valuetext"', '"value_template"',
                   "stopPropagation", '"accessible_name"', "export default"):
        assert needed in script, needed
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert '"mdlib.widgets" = ["*.js", "*.css"]' in pyproject


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: str(path.relative_to(REPO)))
def test_stored_notebooks_hold_no_slider_without_a_name(path: Path) -> None:
    state = json.loads(path.read_text(encoding="utf-8")).get("metadata", {}).get(
        "widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    nameless = [m["model_name"] for m in state.values() if m["model_name"].endswith("SliderModel")]
    assert not nameless, f"{path.name}: ipywidgets sliders, which a screen reader cannot name"
    for model in state.values():
        if model["state"].get("_anywidget_id", "").endswith(".ReaderSlider"):
            assert model["state"]["accessible_name"] and "{value}" in model["state"]["value_template"]

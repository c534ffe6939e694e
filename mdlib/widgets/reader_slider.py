"""A slider a screen reader can use: a native range input with a name and a value in words.

ipywidgets' sliders (noUiSlider) give their handle no accessible name and announce its raw
position — for a logarithmic slider log₁₀ h (−8.625), not h — and ipywidgets offers no way to
set either from Python. :class:`ReaderSlider` is a small ``anywidget``: an
``<input type="range">`` whose ``aria-label`` says what it changes ("step size h") and whose
``aria-valuetext`` says the value in the reader's terms ("h = 1.0e-4"); the browser keeps the
value text current on every key press (``reader_slider.js``). The keyboard is the browser's
own (arrows, Page Up/Down, Home/End); a visible label and readout sit on either side.

On a log scale (``scale="log"``) ``min``, ``max`` and ``step`` are exponents of ``base``, as
for ``ipywidgets.FloatLogSlider``, and ``value`` is the quantity itself.

>>> s = ReaderSlider(value=0.01, min=-12, max=0, step=0.125, scale="log", description="h",
...                  accessible_name="step size h", value_template="h = {value}",
...                  readout_format=".1e")
>>> s.value_text
'h = 1.0e-2'
>>> s.value = 1e-20   # clipped to the range, as ipywidgets' sliders are
>>> s.value_text
'h = 1.0e-12'
>>> s
ReaderSlider(description='h', accessible_name='step size h', value=1e-12)
"""

from __future__ import annotations

import re
from pathlib import Path

import anywidget
import traitlets

_HERE = Path(__file__).resolve().parent
_FORMAT = re.compile(r"\.(\d+)([ef])")


def readout(value: float, readout_format: str) -> str:
    """``value`` as the slider shows and announces it (the browser's ``toExponential`` /
    ``toFixed``, which write no leading zeros in the exponent and no "-0").

    >>> readout(0.0123, ".1e"), readout(1.0, ".1e"), readout(-0.001, ".2f")
    ('1.2e-2', '1.0e+0', '0.00')
    """
    match = _FORMAT.fullmatch(readout_format)
    if match is None:
        raise ValueError(f"readout_format must be like '.1e' or '.2f', got {readout_format!r}")
    text = format(float(value), readout_format)
    if match.group(2) == "e":
        text = re.sub(r"e([+-])0*(\d)", r"e\1\2", text)
    if re.fullmatch(r"-0(\.0*)?(e[+-]\d+)?", text):
        text = text[1:]
    return text


class ReaderSlider(anywidget.AnyWidget):
    """A range slider with an accessible name and value text (see the module docstring).

    ``description`` is the short visible label ("h"), ``accessible_name`` what a screen reader
    calls the slider ("step size h"), ``value_template`` how it reads the value
    ("h = {value}", ``{value}`` formatted with ``readout_format``).
    """

    _esm = (_HERE / "reader_slider.js").read_text(encoding="utf-8")
    _css = (_HERE / "reader_slider.css").read_text(encoding="utf-8")

    value = traitlets.Float(0.0).tag(sync=True)
    min = traitlets.Float(0.0).tag(sync=True)
    max = traitlets.Float(1.0).tag(sync=True)
    step = traitlets.Float(0.01).tag(sync=True)
    scale = traitlets.Enum(["linear", "log"], default_value="linear").tag(sync=True)
    base = traitlets.Float(10.0).tag(sync=True)
    description = traitlets.Unicode("").tag(sync=True)
    accessible_name = traitlets.Unicode("").tag(sync=True)
    value_template = traitlets.Unicode("{value}").tag(sync=True)
    readout_format = traitlets.Unicode(".2f").tag(sync=True)
    disabled = traitlets.Bool(False).tag(sync=True)
    continuous_update = traitlets.Bool(True).tag(sync=True)

    def __init__(self, **kwargs: object) -> None:
        value = kwargs.pop("value", None)
        super().__init__(**kwargs)
        readout(0.0, self.readout_format)  # refuse a format the browser could not mirror
        # Set after min, max and scale, so that it is clipped to the final range.
        self.value = self.value if value is None else value

    @property
    def low(self) -> float:
        """The smallest value (``base**min`` on a log scale)."""
        return self.base**self.min if self.scale == "log" else self.min

    @property
    def high(self) -> float:
        """The largest value (``base**max`` on a log scale)."""
        return self.base**self.max if self.scale == "log" else self.max

    @property
    def value_text(self) -> str:
        """What a screen reader says for the value now, e.g. ``"h = 1.0e-2"``."""
        return self.value_template.replace("{value}", readout(self.value, self.readout_format))

    @traitlets.validate("value")
    def _clip(self, proposal: dict) -> float:
        return min(max(float(proposal["value"]), self.low), self.high)

    def __repr__(self) -> str:
        # anywidget's repr shows a memory address; stored notebook outputs must not.
        return (f"ReaderSlider(description={self.description!r}, "
                f"accessible_name={self.accessible_name!r}, value={self.value!r})")

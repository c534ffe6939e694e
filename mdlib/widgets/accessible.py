"""What the widgets say to a screen reader: each slider's purpose, and its readout read aloud.

ipywidgets 8 draws a slider as a noUiSlider handle that announces its own position; for a
logarithmic slider that is log₁₀ h (−2.00), not h. So every slider is described by the
quantity it changes (its tooltip, shown on hover), and the line of numbers under the plot,
which starts with that quantity (``h = 1.00e-02``), is a polite live region: a screen reader
reads it after each move, and it is what a sighted reader sees.

>>> import ipywidgets as widgets
>>> slider = describe_slider(widgets.FloatLogSlider(description="h"), "the step size h")
>>> slider.tooltip
'the step size h'
>>> announced("<code>h = 1.00e-02</code>")
'<div role="status" aria-live="polite" class="mdlib-readout"><code>h = 1.00e-02</code></div>'
"""

from __future__ import annotations

from typing import TypeVar

import ipywidgets as widgets

Slider = TypeVar("Slider", bound=widgets.Widget)


def describe_slider(slider: Slider, what: str) -> Slider:
    """Give ``slider`` the words for what it changes (its tooltip); returns it."""
    slider.tooltip = what
    return slider


def announced(readout_html: str) -> str:
    """The readout line as a polite live region (read aloud after each change)."""
    return f'<div role="status" aria-live="polite" class="mdlib-readout">{readout_html}</div>'

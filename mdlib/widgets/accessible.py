"""What the widgets say to a screen reader: each slider's name and value, and the readout.

Every slider is a :class:`~mdlib.widgets.reader_slider.ReaderSlider`: a screen reader calls it
by what it changes ("step size h") and reads its value in the reader's terms ("h = 1.0e-2"),
not the position of a handle (log₁₀ h on a log scale). The line of numbers under the plot is a
polite live region: a screen reader reads it after each move, and it is what a sighted reader
sees.

>>> slider = log_slider(1e-2, -12, 0, "h", "step size h", "420px")
>>> slider.accessible_name, slider.value_text
('step size h', 'h = 1.0e-2')
>>> announced("<code>h = 1.00e-02</code>")
'<div role="status" aria-live="polite" class="mdlib-readout"><code>h = 1.00e-02</code></div>'
"""

from __future__ import annotations

import ipywidgets as widgets

from .reader_slider import ReaderSlider


def log_slider(value: float, low_exp: float, high_exp: float, symbol: str, name: str,
               width: str) -> ReaderSlider:
    """A slider over ``symbol`` from ``10**low_exp`` to ``10**high_exp``, eight steps a decade.

    ``symbol`` is its visible label and starts its value text (``"h = 1.0e-2"``); ``name``,
    what it changes, is its accessible name.
    """
    return ReaderSlider(value=value, min=low_exp, max=high_exp, step=0.125, scale="log",
                        description=symbol, accessible_name=name,
                        value_template=f"{symbol} = {{value}}", readout_format=".1e",
                        layout=widgets.Layout(width=width))


def announced(readout_html: str) -> str:
    """The readout line as a polite live region (read aloud after each change)."""
    return f'<div role="status" aria-live="polite" class="mdlib-readout">{readout_html}</div>'

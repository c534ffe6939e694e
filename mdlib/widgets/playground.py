"""Type a matrix expression, press *Derive*, read the narrated and verified derivation.

Whatever is typed, the output area shows either the derivation or one sentence saying what
to change (never a traceback, never nothing):

>>> pg = DerivationPlayground("a.T*X*b", "X: 2x3, a: 2, b: 3", "X")
>>> pg.run()
>>> "b" in pg.result.gradient.free_symbols.__repr__()
True
>>> pg.expression.value = "tr(X)^2"
>>> pg.run()
>>> print(pg.output.outputs[0]["text"], end="")
mdlib: ^ (column 6) is not a power here: write ** for powers, e.g. tr(X)**2
"""

from __future__ import annotations

from html import escape

import ipywidgets as widgets

from ..errors import MdlibError
from ..parse import help_text, parse_expression


class DerivationPlayground:
    """Three text boxes (expression, shapes, variable), a button, a help text and an output area.

    The output area is written by replacing ``outputs`` (never ``with out:``), so stored
    notebooks and nbval see exactly what the reader saw.
    """

    def __init__(self, expression: str = "tr(X.T*A*X)", shapes: str = "X: 3x3, A: 3x3",
                 wrt: str = "X") -> None:
        wide = widgets.Layout(width="520px")
        self.expression = widgets.Text(value=expression, description="f =", layout=wide)
        self.shapes = widgets.Text(value=shapes, description="shapes", layout=wide)
        self.wrt = widgets.Text(value=wrt, description="by", layout=widgets.Layout(width="160px"))
        self.button = widgets.Button(description="Derive", button_style="primary", icon="play")
        # <details> opens with the keyboard (Tab, then Enter) like any disclosure.
        self.help = widgets.HTML(f"<details><summary>What can I type?</summary><pre>"
                                 f"{escape(help_text())}</pre></details>")
        self.output = widgets.Output()
        self.result = None
        self.button.on_click(lambda _button: self.run())
        self.widget = widgets.VBox([self.expression,
                                    widgets.HBox([self.shapes, self.wrt, self.button]),
                                    self.help, self.output])

    def run(self) -> None:
        """Parse, derive, verify and show; anything that goes wrong is shown as one sentence."""
        from ..engine import derive  # imported here: the engine is only needed on click

        self.result = None
        typed = self.expression.value.strip()
        try:
            expr, symbols = parse_expression(self.expression.value, self.shapes.value)
            name = self.wrt.value.strip()
            if name not in symbols:
                raise MdlibError(f"differentiate by a declared matrix; {name!r} is not among "
                                 f"{', '.join(symbols)}")
            result = derive(expr, symbols[name])
            # Rendered here, inside the try: a printing failure must become a sentence too.
            shown = {"text/latex": result._repr_latex_(), "text/plain": str(result)}
        except MdlibError as err:
            self._say(f"mdlib: {err}" if str(err) else f"mdlib cannot derive f = {typed[:80]}")
            return
        except Exception as err:  # noqa: BLE001 - the reader gets a sentence, never a traceback
            self._say(f"mdlib cannot derive f = {typed[:80]} yet: this is a limitation of the "
                      f"engine, not a mistake in what you typed ({type(err).__name__}). Try "
                      "writing f another way, e.g. with the numbers multiplied out.")
            return
        self.result = result
        self.output.outputs = ({"output_type": "display_data", "data": shown, "metadata": {}},)

    def _say(self, sentence: str) -> None:
        self.output.outputs = ()
        self.output.append_stdout(sentence + "\n")

"""Type a matrix expression, press *Derive*, read the narrated and verified derivation.

>>> pg = DerivationPlayground("a.T*X*b", "X: 2x3, a: 2, b: 3", "X")
>>> pg.run()
>>> "b" in pg.result.gradient.free_symbols.__repr__()
True
"""

from __future__ import annotations

import ipywidgets as widgets

from ..errors import MdlibError
from ..parse import parse_expression


class DerivationPlayground:
    """Three text boxes (expression, shapes, variable), a button and an output area.

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
        self.output = widgets.Output()
        self.result = None
        self.button.on_click(lambda _button: self.run())
        self.widget = widgets.VBox(
            [self.expression, widgets.HBox([self.shapes, self.wrt, self.button]), self.output]
        )

    def run(self) -> None:
        """Parse, derive, verify and show; a mistake in the input is shown as one line."""
        from ..engine import derive  # imported here: the engine is only needed on click

        self.output.outputs = ()
        try:
            expr, symbols = parse_expression(self.expression.value, self.shapes.value)
            name = self.wrt.value.strip()
            if name not in symbols:
                raise MdlibError(f"differentiate by a declared matrix; {name!r} is not among {sorted(symbols)}")
            self.result = derive(expr, symbols[name])
        except MdlibError as err:
            self.result = None
            self.output.append_display_data(err)
            return
        self.output.append_display_data(self.result)

"""Type a matrix expression, press *Derive*, read the narrated and verified derivation.

Two playgrounds over :mod:`mdlib.api`: :class:`DerivationPlayground` derives the gradient of a
scalar f (chapter 7's first playground); :class:`SecondOrderPlayground` adds a choice of what
to derive: the gradient ∇f, the Jacobian ∂F/∂X of a matrix- or vector-valued F, or the
Hessian ∇²f. Whatever is typed, the output area shows either the derivation or one sentence
saying what to change (never a traceback, never nothing):

>>> pg = DerivationPlayground("a.T*X*b", "X: 2x3, a: 2, b: 3", "X")
>>> pg.run()
>>> "b" in pg.result.gradient.free_symbols.__repr__()
True
>>> pg.expression.value = "tr(X)^2"
>>> pg.run()
>>> print(pg.output.outputs[0]["text"], end="")
mdlib: ^ (column 6) is not a power here: write ** for powers, e.g. tr(X)**2

>>> second = SecondOrderPlayground("tr(X)**2", "X: 2x2", "X", mode="hessian")
>>> second.run()
>>> second.result.text
'2 vec(I_2) vec(I_2)^T'
>>> second.choice.value = "jacobian"
>>> second.run()
>>> print(second.output.outputs[0]["text"], end="")  # doctest: +NORMALIZE_WHITESPACE
mdlib: f = tr(X)**2 is a scalar: choose gradient for its first derivative ∂f/∂X (or Hessian
for the second); the Jacobian here is for a matrix- or vector-valued F
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

import ipywidgets as widgets
import sympy

from .. import api
from ..errors import MdlibError
from ..i18n import N_, _
from ..parse import help_text, parse_expression


@dataclass(frozen=True)
class Mode:
    """One thing a playground can derive: one row of :data:`MODES`."""

    label: str  # the words of its option (translated when shown)
    function: str  # the function of mdlib.api that derives it (looked up on each run)
    scalar: bool  # whether it is taken of a scalar f (else of a matrix- or vector-valued F)
    shown: str  # the status sentence once it is shown, with {f} and {X}


#: What the playgrounds derive, one row each (the order of the choices).
MODES = {
    "gradient": Mode(N_("gradient ∇f"), "derive", True,
                     N_("✔ Shown below: the gradient ∂f/∂{X} of f = {f}, derived and checked.")),
    "jacobian": Mode(N_("Jacobian ∂F/∂X"), "jacobian", False,
                     N_("✔ Shown below: the Jacobian ∂F/∂{X} of F = {f}, derived and checked.")),
    "hessian": Mode(N_("Hessian ∇²f"), "hessian", True,
                    N_("✔ Shown below: the Hessian ∇²f of f = {f} by {X}, derived and checked.")),
}
SHOWN_TEXT = 80  # characters of the typed text quoted in a sentence


class DerivationPlayground:
    """Three text boxes (expression, shapes, variable), a button, a help text, a status line
    (a polite live region saying what the output shows) and an output area.

    The output area is written by replacing ``outputs`` (never ``with out:``), so stored
    notebooks and nbval see exactly what the reader saw. The status line carries the input it
    judged (``data-mode``, ``data-expression``, ``data-shapes``, ``data-wrt``) and its state
    (``data-state``: ``shown`` or ``refused``), so a test waits for the state of *this* input.
    """

    #: The modes this playground offers (keys of MODES); more than one shows a choice.
    OFFERED: tuple[str, ...] = ("gradient",)
    CSS_CLASS = "mdlib-playground"

    def __init__(self, expression: str = "tr(X.T*A*X)", shapes: str = "X: 3x3, A: 3x3",
                 wrt: str = "X", mode: str = "gradient") -> None:
        if mode not in self.OFFERED:
            raise MdlibError(_("mode must be one of {modes}, not {mode!r}").format(
                modes=", ".join(self.OFFERED), mode=mode))
        wide = widgets.Layout(width="520px")
        # The text reaches the kernel when the reader leaves the box (Tab, Enter, a click), not
        # per key: per-key updates are throttled per widget, so on a busy kernel the click of
        # Derive could overtake the last keys and derive a half-typed line. Nothing here needs
        # the text before Derive is pressed.
        sync_on_leaving = {"continuous_update": False}
        self.choice = self._chooser(mode)
        self.expression = widgets.Text(value=expression, description=self._name_of_f(),
                                       layout=wide, **sync_on_leaving)
        self.shapes = widgets.Text(value=shapes, description=_("shapes"), layout=wide,
                                   **sync_on_leaving)
        self.wrt = widgets.Text(value=wrt, description=_("by"),
                                layout=widgets.Layout(width="160px"), **sync_on_leaving)
        self.button = widgets.Button(description=_("Derive"), button_style="primary", icon="play")
        # <details> opens with the keyboard (Tab, then Enter) like any disclosure.
        question = escape(_("What can I type?"))
        self.help = widgets.HTML(f"<details><summary>{question}</summary>"
                                 f"<pre>{escape(help_text())}</pre></details>")
        self.status = widgets.HTML(_status_html("", {}))
        self.output = widgets.Output()
        self.result = None
        self.button.on_click(lambda _button: self.run())
        rows = [self.expression, widgets.HBox([self.shapes, self.wrt, self.button]), self.help,
                self.status, self.output]
        self.widget = widgets.VBox(rows if self.choice is None else [self.choice, *rows])
        self.widget.add_class(self.CSS_CLASS)  # how a browser test finds it

    @property
    def mode(self) -> str:
        """What the playground derives now: a key of :data:`MODES`."""
        return self.OFFERED[0] if self.choice is None else self.choice.value

    def _chooser(self, mode: str) -> widgets.RadioButtons | None:
        """Radio buttons for the modes (none for a single mode). Each option is a native radio
        input inside its label: Tab reaches it, Space chooses it, a screen reader reads its
        words and whether it is chosen."""
        if len(self.OFFERED) == 1:
            return None
        choice = widgets.RadioButtons(
            options=[(_(MODES[key].label), key) for key in self.OFFERED], value=mode,
            description=_("derive"), orientation="horizontal",
            tooltip=_("what to derive: the gradient or the Hessian of a scalar f, or the "
                      "Jacobian of a matrix- or vector-valued F"),
            layout=widgets.Layout(width="auto"))
        return choice

    def _name_of_f(self) -> str:
        """The label of the expression box: f (or F) when every mode offered takes one kind;
        with a choice, a word that fits both, fixed, because a change sent by the kernel to a
        text box puts back its last synced text and would eat keys typed meanwhile."""
        kinds = {MODES[key].scalar for key in self.OFFERED}
        if len(kinds) > 1:
            return _("expression")
        return "f =" if kinds.pop() else "F ="

    def run(self) -> None:
        """Parse, derive, verify and show; anything that goes wrong is shown as one sentence."""
        mode = self.mode
        judged = {"mode": mode, "expression": self.expression.value,
                  "shapes": self.shapes.value, "wrt": self.wrt.value}
        self.result = None
        typed = self.expression.value.strip()
        try:
            expr, symbols = parse_expression(self.expression.value, self.shapes.value)
            name = self.wrt.value.strip()
            if name not in symbols:
                raise MdlibError(_("differentiate by a declared matrix; {name!r} is not among "
                                   "{names}").format(name=name, names=", ".join(symbols)))
            self._check_kind(mode, expr, typed[:SHOWN_TEXT], name)
            result = getattr(api, MODES[mode].function)(expr, symbols[name])
            # Rendered here, inside the try: a printing failure must become a sentence too.
            shown = {"text/latex": result._repr_latex_(), "text/plain": str(result)}
        except MdlibError as err:
            self._say(_("mdlib: {message}").format(message=err) if str(err) else
                      _("mdlib cannot derive f = {typed}").format(typed=typed[:SHOWN_TEXT]),
                      judged)
            return
        except Exception as err:  # noqa: BLE001 - the reader gets a sentence, never a traceback
            self._say(_("mdlib cannot derive f = {typed} yet: this is a limitation of the "
                        "engine, not a mistake in what you typed ({error}). Try writing f "
                        "another way, e.g. with the numbers multiplied out.").format(
                typed=typed[:SHOWN_TEXT], error=type(err).__name__), judged)
            return
        self.result = result
        self.output.outputs = ({"output_type": "display_data", "data": shown, "metadata": {}},)
        self.status.value = _status_html(_(MODES[mode].shown).format(
            f=typed[:SHOWN_TEXT], X=name), {**judged, "state": "shown"})

    def _check_kind(self, mode: str, value: sympy.Basic, typed: str, X: str) -> None:
        """A gradient or Hessian is of a scalar f, a Jacobian (here) of a matrix or a vector:
        say which choice fits. (A playground without a Jacobian to offer leaves the gradient
        of a matrix to the engine's own sentence.)"""
        rows, cols = (int(d) for d in getattr(value, "shape", (1, 1)))
        scalar = (rows, cols) == (1, 1)
        if MODES[mode].scalar and not scalar and "jacobian" in self.OFFERED:
            message = (_("a Hessian is taken of a scalar f, but F = {F} is {rows}×{cols}: "
                         "choose Jacobian for a matrix- or vector-valued F, or take a trace, "
                         "a determinant or a quadratic form of it") if mode == "hessian" else
                       _("a gradient is taken of a scalar f, but F = {F} is {rows}×{cols}: "
                         "choose Jacobian for a matrix- or vector-valued F, or take a trace, "
                         "a determinant or a quadratic form of it"))
            raise MdlibError(message.format(F=typed, rows=rows, cols=cols))
        if not MODES[mode].scalar and scalar:
            raise MdlibError(_("f = {f} is a scalar: choose gradient for its first derivative "
                               "∂f/∂{X} (or Hessian for the second); the Jacobian here is for a "
                               "matrix- or vector-valued F").format(f=typed, X=X))

    def _say(self, sentence: str, judged: dict) -> None:
        self.output.outputs = ()
        self.output.append_stdout(sentence + "\n")
        self.status.value = _status_html(_("✘ Not derived: the reason is below."),
                                         {**judged, "state": "refused"})


class SecondOrderPlayground(DerivationPlayground):
    """The playground with a choice: the gradient ∇f or the Hessian ∇²f of a scalar f, or the
    Jacobian ∂F/∂X of a matrix- or vector-valued F, each narrated and verified.

    >>> pg = SecondOrderPlayground("A*X", "X: 2x2, A: 2x2", "X", mode="jacobian")
    >>> pg.run()
    >>> pg.result.text
    'I_2 ⊗ A^T'
    >>> pg.choice.value = "hessian"
    >>> pg.run()
    >>> pg.output.outputs[0]["text"].startswith("mdlib: a Hessian is taken of a scalar f")
    True
    """

    OFFERED = ("gradient", "jacobian", "hessian")
    CSS_CLASS = "mdlib-second-order-playground"

    def __init__(self, expression: str = "tr(X)**2", shapes: str = "X: 3x3", wrt: str = "X",
                 mode: str = "hessian") -> None:
        super().__init__(expression, shapes, wrt, mode)


def _status_html(sentence: str, judged: dict) -> str:
    """The status line: a polite live region (read aloud when it changes) marked with the
    input it judged and its state."""
    marks = "".join(f' data-{key}="{escape(str(value))}"' for key, value in judged.items())
    return (f'<div role="status" aria-live="polite" class="mdlib-playground-status"{marks}>'
            f"{escape(sentence)}</div>")

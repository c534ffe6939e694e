"""Write your own derivation of df, one line at a time, and see each line checked as you type.

A text area takes the lines (right-hand sides of ``df = …`` with ``dX``); every keystroke is
sent (``continuous_update``) and, once typing pauses for ``delay`` seconds, :func:`mdlib.check_steps`
runs again — fast, because the verified gradient of f and every line already read are cached —
and a table shows each line as rendered LaTeX with ✔ or ✘ and its hint. The verdict is also written in words into an
``aria-live`` region, so a screen reader announces it; nothing is said by colour alone.

>>> checker = StepChecker("a.T*X*b", "X", "X: 3x3, a: 3, b: 3", lines="tr(a.T*dX*b)")
>>> checker.report.ok
True
>>> checker.set_lines("tr(a.T*dX*b)\\ntr(a*b.T*dX)")
>>> checker.report.first_wrong
2
>>> "Line 2 is the first wrong line" in checker.verdict.value
True

With ``vec=True`` the lines are written in vec form, ``d vec(F) = …``, and checked by
:func:`mdlib.check_vec_steps` against the verified ∂F/∂X:

>>> StepChecker("A*X", "X", "X: 3x2, A: 4x3", "vec(A*dX)\\nkron(eye(2), A)*vec(dX)",
...             vec=True).report.ok
True
"""

from __future__ import annotations

import asyncio
import html

import ipywidgets as widgets

from ..errors import MdlibError
from ..steps import StepReport, check_steps, check_vec_steps


class StepChecker:
    """A text area for a hand derivation, re-checked on every change.

    ``.widget`` is what to display, ``.textarea`` the input, ``.table`` the per-line verdicts
    (HTMLMath: LaTeX rendered), ``.verdict`` the overall verdict (an aria-live region) and
    ``.report`` the last :class:`~mdlib.steps.StepReport`.
    """

    def __init__(self, f: str, X: str, shapes: str, lines: str = "", delay: float = 0.25,
                 symmetric: tuple[str, ...] = (), vec: bool = False) -> None:
        self.f, self.X, self.shapes, self.delay = f, X, shapes, delay
        self.vec = vec  # lines of d vec(F) = … (second order) instead of df = …
        self.symmetric = tuple(symmetric)
        self.report: StepReport | None = None
        self._pending: asyncio.TimerHandle | None = None
        what, lhs = ("$d\\,\\mathrm{vec}(F)$", "d vec(F)") if vec else ("$df$", "df")
        name, dx = ("F" if vec else "f"), f"d{html.escape(X)}"
        written = (f"<code>vec({dx})</code> (and <code>{dx}</code> inside; vec, kron, K(m, n), "
                   "eye(n), diagvec)") if vec else f"<code>{dx}</code>"
        header = widgets.HTMLMath(
            f"Write your derivation of {what} for <code>{name} = {html.escape(f)}</code> "
            f"(shapes <code>{html.escape(shapes)}</code>"
            + "".join(f", {html.escape(name)} symmetric" for name in self.symmetric)
            + "), one line per step, each a right-hand "
            f"side of <code>{lhs} = …</code> written with {written}. "
            "Each line is checked as you type.")
        example = f"e.g. kron(..., ...)*vec(d{X})" if vec else f"e.g. tr(... d{X} ...)"
        self.textarea = widgets.Textarea(
            value=lines, placeholder=example, continuous_update=True,
            description=f"{lhs} =", layout=widgets.Layout(width="640px", height="140px"))
        self.table = widgets.HTMLMath()
        self.verdict = widgets.HTML()
        self.widget = widgets.VBox([header, self.textarea, self.table, self.verdict])
        self.widget.add_class("mdlib-step-checker")
        self.textarea.observe(self._on_change, names="value")
        self.check()

    @classmethod
    def demo(cls) -> StepChecker:
        """The checker of chapter 7, opened on tr(XᵀAX) with a first line written."""
        return cls("tr(X.T*A*X)", "X", "X: 3x3, A: 3x3", "tr(dX.T*A*X) + tr(X.T*A*dX)")

    def set_lines(self, lines: str) -> None:
        """Replace the text and check it at once (no pause to wait for)."""
        self.textarea.value = lines
        self.check()

    def _on_change(self, _change: dict) -> None:
        # Debounce: in a running kernel, check when typing pauses; elsewhere (tests, scripts,
        # nbconvert) there is no event loop running here, so check at once.
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if loop is None or self.delay <= 0:
            self.check()
            return
        if self._pending is not None:
            self._pending.cancel()
        self._pending = loop.call_later(self.delay, self.check)

    def check(self) -> StepReport | None:
        """Check the current text; show the verdicts (or why f itself cannot be checked).

        The table and the verdict each carry the text they were computed for
        (``data-checked-text``): a debounced check may run on a half-typed line, and a reader's
        tools (and the browser tests) can tell that verdict from the one for the text in the box.
        """
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None
        text = self.textarea.value
        try:
            checker = check_vec_steps if self.vec else check_steps
            self.report = checker(self.f, self.X, text, self.shapes, symmetric=self.symmetric)
        except MdlibError as err:
            self.report = None
            self.table.value = _checked("", text)
            self.verdict.value = _live(f"mdlib: {err}", text)
            return None
        self.table.value = _checked(self.report.html().split("<div role='status'")[0], text)
        self.verdict.value = _live(self.report.verdict, text)
        return self.report


def _checked(table: str, text: str) -> str:
    """The table of verdicts, marked with the text it judges."""
    return (f"<div class='mdlib-steps-table' data-checked-text=\"{html.escape(text)}\">"
            f"{table}</div>")


def _live(verdict: str, text: str) -> str:
    # role=status + aria-live: screen readers announce the verdict when it changes.
    return (f"<div role='status' aria-live='polite' class='mdlib-steps-verdict' "
            f"data-checked-text=\"{html.escape(text)}\"><b>{html.escape(verdict)}</b></div>")

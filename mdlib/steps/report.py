"""The verdicts: one per line (ok, message, rule, LaTeX of the line as typed) and the whole
report, as text, markdown and HTML; the verdict is always said in words, never by colour alone.

>>> LineVerdict(2, "tr(dX)", "", False, "the sign of the whole line is flipped").mark
'✘'
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

_MARK = {True: "✔", False: "✘", None: "?"}


# ------------------------------------------------------------------ the report

@dataclass(frozen=True)
class LineVerdict:
    """The verdict on one line: ``ok`` is None when the line could not be read."""

    number: int
    text: str
    latex: str
    ok: bool | None
    message: str
    rule: str = ""
    column: int | None = None  # where an unreadable line goes wrong (0-based), if known
    kind: str = ""  # "size": its sizes do not match; "zero": it is identically 0
    #: The line as the message says it should be (a sympy expression), when the message names
    #: one repair: following the hint must make progress, and the tests check that it does.
    repair: object = field(default=None, compare=False, repr=False)

    @property
    def mark(self) -> str:
        return _MARK[self.ok]

    @property
    def explanation(self) -> str:
        """The message with the rule of a right line, or the column of an unreadable one."""
        if self.ok and self.rule:
            return f"{self.message} ({self.rule})"
        if self.column is not None and "column" not in self.message:
            return f"{self.message} (column {self.column + 1})"
        return self.message

    def __str__(self) -> str:
        head = f"{self.mark} line {self.number}: {self.text}  — "
        if self.ok is None:
            pointer = "" if self.column is None else (
                "\n" + " " * (len(f"  line {self.number}: ") + self.column) + "^")
            return head + f"cannot be read: {self.message}{pointer}"
        if self.ok:
            return head + self.message + (f" ({self.rule})" if self.rule else "")
        return head + "wrong: " + self.message


@dataclass
class StepReport:
    """Per-line verdicts, the first wrong line (if any), and the gradient read off the last line."""

    f: str
    X: str
    lines: list[LineVerdict] = field(default_factory=list)
    first_wrong: int | None = None
    gradient_latex: str = ""  # the reader's ∂f/∂X from the last line ("" if not of that form)
    verified_latex: str = ""  # the engine's verified ∂f/∂X
    verdict: str = ""
    lhs: str = "df"  # what every line is the right-hand side of ("d vec(F)" in vec form)

    @property
    def ok(self) -> bool:
        return bool(self.lines) and all(line.ok for line in self.lines)

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        return "\n".join([str(line) for line in self.lines] + [self.verdict])

    __repr__ = __str__

    def _repr_markdown_(self) -> str:
        lhs = r"d\,\mathrm{vec}(" + self.lhs[6:-1] + ")" if self.lhs.startswith("d vec(") else self.lhs
        rows = [f"| line | verdict | ${lhs} =$ | why |", "|---|---|---|---|"]
        for line in self.lines:
            word = {True: "right", False: "wrong", None: "unreadable"}[line.ok]
            why = line.explanation
            body = f"${line.latex}$" if line.latex else f"`{line.text}`"
            rows.append(f"| {line.number} | {line.mark} {word} | {body} | {_md_cell(why)} |")
        return "\n".join(rows) + f"\n\n**{_md_cell(self.verdict)}**"

    def _repr_html_(self) -> str:
        return self.html()

    def html(self) -> str:
        """An HTML table (LaTeX between ``$`` for MathJax) and the verdict in an aria-live region."""
        left = "text-align:left; vertical-align:top"  # inline: output sanitizers drop <style>
        rows = []
        for line in self.lines:
            word = {True: "right", False: "wrong", None: "cannot be read"}[line.ok]
            colour = {True: "#1a7f37", False: "#b42318", None: "#9a6700"}[line.ok]
            body = f"${line.latex}$" if line.latex else f"<code>{html.escape(line.text)}</code>"
            why = html.escape(line.explanation)
            rows.append(
                f"<tr><td style='{left}'>{line.number}</td>"
                f"<td style='{left}; color:{colour}; white-space:nowrap'>"
                f"<span aria-hidden='true'>{line.mark}</span> {word}</td>"
                f"<td style='{left}'>{body}</td><td style='{left}'>{why}</td></tr>")
        head = "".join(f"<th style='{left}'>{h}</th>" for h in ("line", "verdict", html.escape(f"{self.lhs} ="), "why"))
        table = (f"<table class='mdlib-steps'><thead><tr>{head}</tr></thead><tbody>"
                 + "".join(rows) + "</tbody></table>")
        return (table + "<div role='status' aria-live='polite' class='mdlib-steps-verdict'><b>"
                + html.escape(self.verdict) + "</b></div>")


def _md_cell(text: str) -> str:
    return text.replace("|", r"\|").replace("\n", " ")


def set_unfinished_verdict(report: StepReport, start: str) -> bool:
    """Set the verdict of a derivation that is empty (``start`` says how to begin) or has a
    wrong line; return whether it did (otherwise the caller concludes on the last line).

    >>> report = StepReport(f="tr(X)", X="X")
    >>> set_unfinished_verdict(report, "Write the first line."), report.verdict
    (True, 'Write the first line.')
    """
    if not report.lines:
        report.verdict = start
        return True
    if report.first_wrong is not None:
        bad = report.lines[report.first_wrong - 1]
        kind = "cannot be read" if bad.ok is None else "is the first wrong line"
        report.verdict = f"✘ Line {bad.number} {kind}."
        return True
    return False

"""Turn a stored notebook into the copy the book is built from (the stored file is not touched).

Nothing is executed. Each change is what a static page needs instead of a kernel:

- every figure becomes a file (so that it can be opened full size), shown in a ``<figure>``
  with a short ``alt`` and the whole description as a visible caption;
- every widget becomes the picture of its stored state, with a line on how to run it live
  (a step checker is shown with a worked example typed in, see :mod:`book.step_examples`);
- cells collapsed in JupyterLab (``source_hidden``) show their output with the code folded,
  and so do long checks (code cells with ``assert`` lines), under "Show the check".

>>> is_long_check("x = 1\\n" * 4 + "assert x == 1")
True
>>> is_long_check("assert x == 1"), is_long_check("y = 2\\n" * 9)
(False, False)
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import nbformat

from book.alt_text import generated_figure_alt, generated_widget_alt, metadata_alt
from book.widget_static import WIDGET_STATE_MIME, WIDGET_VIEW_MIME, StaticWidget
from tools.editions import LANGUAGE_TAG

IMAGE_MIMES = {"image/png": "png", "image/jpeg": "jpg"}
#: A check with this many lines or more is folded; shorter ones read as part of the text.
LONG_CHECK_LINES = 5
_SENTENCE_END = re.compile(r"(?<=[.!?。])\s+(?=[A-Z(“\"])|(?<=[。！？])")


class MissingWidgetState(ValueError):
    """A notebook displays a widget whose state is not stored in it."""


@dataclass(frozen=True)
class PageText:
    """The words a prepared page adds, in the edition's language."""

    show_check: str
    show_code: str
    live_note: str  # under a widget picture, with a link to {binder}
    live_note_local: str  # the same without Binder (while the README's badge is a placeholder)
    open_full_size: str


def is_long_check(source: str) -> bool:
    """A code cell that checks what the text states: ``assert`` lines, and long enough to fold."""
    lines = [line for line in source.splitlines() if line.strip()]
    return (len(lines) >= LONG_CHECK_LINES
            and any(line.lstrip().startswith("assert ") for line in lines))


def short_alt(description: str, limit: int = 160) -> str:
    """The first sentence of a figure's description, cut at a clause if it is long.

    >>> short_alt("Two plots of f. Left: the remainder. Right: its slope.")
    'Two plots of f.'
    >>> len(short_alt("A plot; " + "x" * 300)) <= 160
    True
    """
    first = _SENTENCE_END.split(description.strip(), maxsplit=1)[0].strip()
    if len(first) <= limit:
        return first
    for mark in (";", ":", " — ", ","):
        cut = first[:limit].rfind(mark)
        if cut > 40:
            return first[:cut].rstrip() + "."
    return first[:limit - 1].rstrip() + "…"


class FigureWriter:
    """Writes a notebook's pictures into ``folder`` as ``<stem>-<n>.<ext>``; returns their URLs."""

    def __init__(self, folder: Path, stem: str, url_prefix: str) -> None:
        self.folder, self.stem, self.url_prefix = Path(folder), stem, url_prefix
        self.count = 0

    def write(self, data: str, ext: str) -> str:
        self.count += 1
        name = f"{self.stem}-{self.count}.{ext}"
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / name).write_bytes(base64.b64decode(data))
        return f"{self.url_prefix}{name}"


def figure_html(src: str, description: str, text: PageText, extra: str = "") -> str:
    """A picture that opens full size, its short alt, and the description as its caption."""
    alt = html.escape(short_alt(description), quote=True)
    return (f'<figure class="book-figure"><a class="book-figure-link" href="{src}">'
            f'<img src="{src}" alt="{alt}" loading="lazy"></a>'
            f'<figcaption>{html.escape(description)} '
            f'<a class="book-figure-open" href="{src}">{html.escape(text.open_full_size)}</a>'
            f"{extra}</figcaption></figure>")


_NOTEBOOK_LINK = re.compile(r"\[([^\]]*)\]\((\d\d_\w+\.ipynb)(#[^)\s]*)?\)")


def relink_untranslated(nb: nbformat.NotebookNode, elsewhere: dict[str, str]) -> list[str]:
    """Point links to chapters this edition lacks at their page in another edition.

    ``elsewhere`` maps a notebook's name to the page URL to use instead (e.g. the English page
    of a chapter not yet translated). Returns the names relinked.

    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(
    ...     "see [chapter 2](02_b.ipynb#top) and [1](01_a.ipynb)")])
    >>> relink_untranslated(nb, {"02_b.ipynb": "../02_b.html"})
    ['02_b.ipynb']
    >>> nb.cells[0].source
    'see <a href="../02_b.html#top">chapter 2</a> and [1](01_a.ipynb)'
    """
    relinked = []

    def relink(match: re.Match) -> str:
        target = elsewhere.get(match.group(2))
        if target is None:
            return match.group(0)
        relinked.append(match.group(2))
        return f'<a href="{target}{match.group(3) or ""}">{match.group(1)}</a>'

    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = _NOTEBOOK_LINK.sub(relink, cell.source)
    return relinked


_DISPLAY_MATH = re.compile(r"\$\$(.+?)\$\$", re.DOTALL)


def one_line_display_math(source: str) -> str:
    """Display formulas on one line: a formula line starting with ``+`` or ``-`` would
    otherwise start a Markdown list (JupyterLab reads the maths first; MyST does not).

    >>> one_line_display_math("so\\n$$a\\n+ b$$\\nnext")
    'so\\n$$a + b$$\\nnext'
    """
    return _DISPLAY_MATH.sub(lambda m: "$$" + re.sub(r"\s*\n\s*", " ", m.group(1)) + "$$",
                             source)


def _fold(cell: nbformat.NotebookNode, prompt: str) -> None:
    tags = cell.metadata.setdefault("tags", [])
    if "hide-input" not in tags and "remove-input" not in tags:
        tags.append("hide-input")
    cell.metadata.setdefault("mystnb", {})["code_prompt_show"] = prompt
    cell.metadata["mystnb"].setdefault("code_prompt_hide", prompt)


def prepare_notebook(nb: nbformat.NotebookNode, name: str, figures: FigureWriter,
                     text: PageText, binder: str | None,
                     widget_picture: Callable[[nbformat.NotebookNode, str, dict], str | None]
                     = lambda cell, model_id, state: None) -> nbformat.NotebookNode:
    """The book's copy of ``nb`` (changed in place and returned); see the module's docstring.

    ``widget_picture(cell, model_id, state)`` may return the static HTML of a widget made some
    other way than from its stored state (the step checker's worked example); None keeps the
    stored state's picture.
    """
    state = nb.metadata.get("widgets", {}).get(WIDGET_STATE_MIME, {}).get("state", {})
    live = (text.live_note.format(binder=html.escape(binder, quote=True)) if binder
            else text.live_note_local)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = one_line_display_math(cell.source)
        if cell.cell_type != "code":
            continue
        tags = cell.metadata.get("tags", [])
        if LANGUAGE_TAG in tags:
            # A Chinese notebook's first cell switches mdlib to Chinese: a page has nothing
            # to show of it (the downloaded notebook keeps it).
            cell.metadata["tags"] = [*tags, "remove-cell"]
            continue
        if cell.metadata.get("jupyter", {}).get("source_hidden"):
            _fold(cell, text.show_code)
        elif is_long_check(cell.source):
            _fold(cell, text.show_check)
        index = 0
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if WIDGET_VIEW_MIME in data:
                model_id = data[WIDGET_VIEW_MIME]["model_id"]
                if model_id not in state:
                    # Without it the page would show a note under an empty space.
                    raise MissingWidgetState(
                        f"{name}: a widget's state is not stored; store it with "
                        f"`make execute NB=notebooks/{name}` (or save it from JupyterLab with "
                        "the project's settings, which keep widget state)")
                output["data"] = {"text/html": _widget_html(cell, index, model_id, state, figures,
                                                            text, live, widget_picture)}
                output["metadata"] = {}
                index += 1
            else:
                mime = next((m for m in IMAGE_MIMES if m in data), None)
                if mime is None:
                    continue
                description = (metadata_alt(cell.metadata, index)
                               or generated_figure_alt(cell.source))
                src = figures.write(data[mime], IMAGE_MIMES[mime])
                output["data"] = {"text/html": figure_html(src, description, text)}
                output["metadata"] = {}
                index += 1
    nb.metadata.pop("widgets", None)
    return nb


def _widget_html(cell, index: int, model_id: str, state: dict, figures: FigureWriter,
                 text: PageText, live: str, widget_picture) -> str:
    special = widget_picture(cell, model_id, state)
    if special is not None:
        return f'<div class="book-widget">{special}<p class="book-live">{live}</p></div>'
    description = ""

    def image(data: str, fmt: str, readout: str) -> str:
        nonlocal description
        description = (metadata_alt(cell.metadata, index)
                       or generated_widget_alt(cell.source, readout))
        src = figures.write(data, "jpg" if fmt in ("jpeg", "jpg") else "png")
        alt = html.escape(short_alt(description), quote=True)
        return (f'<a class="book-figure-link" href="{src}"><img class="book-widget-image" '
                f'src="{src}" alt="{alt}" loading="lazy"></a>')

    picture = StaticWidget(state, image=image).render(model_id)
    caption = (f"<figcaption>{html.escape(description)} "
               f'<span class="book-live">{live}</span></figcaption>' if description
               else f'<figcaption><span class="book-live">{live}</span></figcaption>')
    return f'<figure class="book-widget">{picture}{caption}</figure>'

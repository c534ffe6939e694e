"""Build the static book: one HTML page per notebook ``notebooks/NN_*.ipynb``, in course order.

Each page shows the notebook with its stored outputs (nothing is re-run), formulas typeset by
MathJax 3 served from the site itself (the ``django-static-mathjax`` package ships its files),
widgets as their stored picture with a line on how to run them live, a Binder link, and
previous / contents / next navigation. The result needs no network: open ``index.html``.

The course's name and its Binder address are read from the README (its title and its Binder
badge), so each is declared in one place.

>>> [p.name for p in course_notebooks(REPO / "notebooks")][:2]
['00_start.ipynb', '01_scalar_derivative.ipynb']
"""

from __future__ import annotations

import argparse
import html
import importlib.resources
import re
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import jinja2
import nbformat
from nbconvert import HTMLExporter
from nbconvert.preprocessors import Preprocessor
from traitlets.config import Config

from book.alt_text import generated_figure_alt, generated_widget_alt, metadata_alt
from book.widget_static import WIDGET_STATE_MIME, WIDGET_VIEW_MIME, StaticWidget

REPO = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
CHAPTER_FILE = re.compile(r"^(\d\d)_\w+\.ipynb$")
BINDER_BADGE = re.compile(r"https://mybinder\.org/v2/gh/[^/\s()]+/[^/\s()]+/[^/?\s()]+")
IMAGE_MIMES = ("image/png", "image/jpeg", "image/svg+xml")
# MathJax 3 files the pages need: the combined TeX/MathML → HTML component, its fonts, and the
# pieces it loads on demand (TeX extensions, the menu, accessibility). The SVG output and the
# other combined builds are left out.
MATHJAX_SKIP = ("tex-svg*", "tex-mml-svg.js", "mml-svg.js", "tex-chtml-full*", "node-main.js",
                "svg", "svg.js")


@dataclass(frozen=True)
class Chapter:
    """One notebook of the course and the page it becomes."""

    number: int
    source: Path
    title: str

    @property
    def page(self) -> str:
        return self.source.with_suffix(".html").name

    @property
    def label(self) -> str:
        return f"Chapter {self.number}"


def course_notebooks(folder: Path) -> list[Path]:
    """The course's notebooks ``NN_name.ipynb`` in course order (any new chapter included)."""
    return sorted(p for p in Path(folder).glob("*.ipynb") if CHAPTER_FILE.match(p.name))


def notebook_title(nb: nbformat.NotebookNode, fallback: str) -> str:
    """The first level-one heading of the notebook's markdown, as plain text.

    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# The *trace*")])
    >>> notebook_title(nb, "x")
    'The trace'
    """
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return re.sub(r"[*_`]", "", line[2:]).strip()
    return fallback


def course_name(readme_text: str) -> str:
    """The README's title, which names the course.

    >>> course_name("# Matrix calculus\\n\\ntext")
    'Matrix calculus'
    """
    for line in readme_text.splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    raise ValueError("README.md has no title line '# ...' to name the course")


def binder_base(readme_text: str) -> str:
    """The Binder launch address of the repository, from the README's badge.

    >>> binder_base("[![B](b.svg)](https://mybinder.org/v2/gh/me/course/HEAD?urlpath=lab)")
    'https://mybinder.org/v2/gh/me/course/HEAD'
    """
    found = BINDER_BADGE.search(readme_text)
    if not found:
        raise ValueError("README.md has no Binder badge link "
                         "(https://mybinder.org/v2/gh/OWNER/REPO/REF...): add it back")
    return found.group(0)


def binder_link(base: str, notebook: str) -> str:
    """Binder address that opens ``notebook`` (a path from the repository root) in JupyterLab.

    >>> binder_link("https://mybinder.org/v2/gh/me/course/HEAD", "notebooks/01_a.ipynb")
    'https://mybinder.org/v2/gh/me/course/HEAD?urlpath=lab/tree/notebooks/01_a.ipynb'
    """
    return f"{base}?urlpath=lab/tree/{notebook}"


def live_note(binder: str) -> str:
    """The line under each widget picture: it is static, and how to run it live."""
    return ('<p class="book-live">Above: a static picture of an interactive widget. To move '
            f'its controls, run this chapter live <a href="{html.escape(binder)}">on Binder</a> '
            "or with <code>make lab</code> on your own machine.</p>")


class StaticOutputs(Preprocessor):
    """Widgets become their stored picture plus the live note; every figure gets alt text.

    Reads ``resources["book"]``: ``binder`` for the live note's link, ``notebook`` for messages.
    """

    def preprocess(self, nb, resources):
        state = nb.metadata.get("widgets", {}).get(WIDGET_STATE_MIME, {}).get("state", {})
        binder = resources["book"]["binder"]
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            figures = 0
            for output in cell.get("outputs", []):
                data = output.get("data", {})
                if WIDGET_VIEW_MIME in data:
                    index = figures

                    def alt(readout: str, cell=cell, index=index) -> str:
                        return (metadata_alt(cell.metadata, index)
                                or generated_widget_alt(cell.source, readout))

                    model_id = data[WIDGET_VIEW_MIME]["model_id"]
                    if model_id not in state:
                        # Without it the page would show a note under an empty space.
                        raise ValueError(
                            f"{resources['book']['notebook']}: a widget's state is not stored; "
                            f"store it with `make execute NB=notebooks/{resources['book']['notebook']}`")
                    picture = StaticWidget(state, alt).render(model_id)
                    output["data"] = {"text/html": picture + live_note(binder)}
                    figures += 1
                elif any(mime in data for mime in IMAGE_MIMES):
                    output.setdefault("metadata", {})["alt"] = (
                        metadata_alt(cell.metadata, figures) or generated_figure_alt(cell.source))
                    figures += 1
        nb.metadata.pop("widgets", None)
        return nb, resources


def chapter_exporter() -> HTMLExporter:
    config = Config()
    config.HTMLExporter.extra_template_basedirs = [str(TEMPLATES)]
    config.HTMLExporter.template_name = "book"
    config.HTMLExporter.exclude_input_prompt = True
    config.HTMLExporter.exclude_output_prompt = True
    exporter = HTMLExporter(config=config)
    exporter.register_preprocessor(StaticOutputs, enabled=True)
    return exporter


def copy_mathjax(out_dir: Path) -> None:
    """MathJax 3's browser files (es5 build) and its licence into ``out_dir/mathjax``."""
    package = importlib.resources.files("mathjax") / "static" / "mathjax"
    with importlib.resources.as_file(package) as source:
        shutil.copytree(source / "es5", out_dir / "mathjax",
                        ignore=shutil.ignore_patterns(*MATHJAX_SKIP))
        shutil.copy2(source / "LICENSE", out_dir / "mathjax" / "LICENSE")


def build_book(notebooks: Path = REPO / "notebooks", out_dir: Path = REPO / "build" / "book",
               readme: Path = REPO / "README.md") -> list[Path]:
    """Write the site into ``out_dir`` (emptied first); return the pages, start page first."""
    readme_text = Path(readme).read_text(encoding="utf-8")
    base, course = binder_base(readme_text), course_name(readme_text)
    paths = course_notebooks(notebooks)
    if not paths:
        raise ValueError(f"no notebooks named NN_name.ipynb in {notebooks}")
    books = [nbformat.read(path, as_version=4) for path in paths]
    chapters = [Chapter(int(CHAPTER_FILE.match(p.name).group(1)), p, notebook_title(nb, p.stem))
                for p, nb in zip(paths, books, strict=True)]

    out_dir = Path(out_dir)
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    shutil.copy2(HERE / "static" / "book.css", out_dir / "book.css")
    copy_mathjax(out_dir)

    exporter = chapter_exporter()
    pages = []
    for i, (chapter, nb) in enumerate(zip(chapters, books, strict=True)):
        book = {
            "course": course,
            "label": chapter.label,
            "notebook": chapter.source.name,
            "binder": binder_link(base, f"notebooks/{chapter.source.name}"),
            "previous": chapters[i - 1] if i > 0 else None,
            "next": chapters[i + 1] if i + 1 < len(chapters) else None,
        }
        title = chapter.title if chapter.title == course else f"{chapter.title} — {course}"
        resources = {"book": book, "metadata": {"name": title}}
        body, _ = exporter.from_notebook_node(nb, resources=resources)
        page = out_dir / chapter.page
        page.write_text(body, encoding="utf-8")
        pages.append(page)

    start = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES / "book"),
                               autoescape=True).get_template("start.html.j2")
    index = out_dir / "index.html"
    index.write_text(start.render(course=course, chapters=chapters,
                                  binder=binder_link(base, f"notebooks/{paths[0].name}")),
                     encoding="utf-8")
    return [index, *pages]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m book", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "build" / "book",
                        help="folder to write the site into (emptied first)")
    parser.add_argument("--notebooks", type=Path, default=REPO / "notebooks")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        pages = build_book(args.notebooks, args.out)
    except ValueError as error:
        print(f"make book: {error}", file=sys.stderr)
        return 1
    print(f"make book: {len(pages)} pages in {args.out} ({time.perf_counter() - started:.1f} s); "
          f"open {args.out / 'index.html'}")
    return 0

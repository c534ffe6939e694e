"""Build the static book with Sphinx, MyST-NB and the Sphinx Book Theme, from the stored notebooks.

Nothing is executed (``nb_execution_mode = "off"``): each page shows its notebook's stored
outputs. The book has the English edition at the root and, when ``notebooks/zh/`` holds the
Chinese notebooks, the Chinese edition under ``zh/``, with a language switch on every page.
Each edition has a sidebar in course order, page contents, previous/next links, Sphinx's
offline search, the ``.ipynb`` to download and, once the README's Binder badge names a real
repository, a launch button per chapter. MathJax and the fonts are served from the site.

The course's name and its Binder address are read from the README (its title and its Binder
badge), so each is declared in one place.

>>> [p.name for p in course_notebooks(REPO / "notebooks")][:2]
['00_start.ipynb', '01_scalar_derivative.ipynb']
"""

from __future__ import annotations

import argparse
import importlib.resources
import io
import logging
import re
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat

from book.prepare import (
    FigureWriter,
    MissingWidgetState,
    PageText,
    prepare_notebook,
    relink_untranslated,
)

REPO = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
CHAPTER_FILE = re.compile(r"^(\d\d)_\w+\.ipynb$")
BINDER_BADGE = re.compile(
    r"https://mybinder\.org/v2/gh/(?P<owner>[^/\s()]+)/(?P<repo>[^/\s()]+)/(?P<ref>[^/?\s()]+)")
PLACEHOLDER = ("OWNER", "REPO")
FIGURES = "_figures"
# MathJax 3 files the pages need: the combined TeX/MathML → HTML component, its fonts, and the
# pieces it loads on demand (TeX extensions, the menu, accessibility). The SVG output and the
# other combined builds are left out.
MATHJAX_SKIP = ("tex-svg*", "tex-mml-svg.js", "mml-svg.js", "tex-chtml-full*", "node-main.js",
                "svg", "svg.js", "tex-chtml.js", "mml-chtml.js", "tex-svg-full.js", "startup.js")


@dataclass(frozen=True)
class Binder:
    """The repository on Binder, from the README's badge (the one definition)."""

    owner: str
    repo: str
    ref: str

    @property
    def is_placeholder(self) -> bool:
        """True while the badge still says ``OWNER/REPO``: no link to it can work."""
        return (self.owner, self.repo) == PLACEHOLDER

    @property
    def base(self) -> str:
        return f"https://mybinder.org/v2/gh/{self.owner}/{self.repo}/{self.ref}"

    @property
    def repository(self) -> str:
        return f"https://github.com/{self.owner}/{self.repo}"

    def link(self, notebook: str) -> str:
        """The address that opens ``notebook`` (a path from the repository root) in JupyterLab.

        >>> Binder("me", "course", "HEAD").link("notebooks/01_a.ipynb")
        'https://mybinder.org/v2/gh/me/course/HEAD?urlpath=lab/tree/notebooks/01_a.ipynb'
        """
        return f"{self.base}?urlpath=lab/tree/{notebook}"


@dataclass(frozen=True)
class Edition:
    """One language of the book: where its notebooks are and where its pages go."""

    code: str            # "en", "zh"
    sphinx_language: str  # Sphinx's language ("en", "zh_CN"), also the pages' lang
    html_lang: str       # the lang attribute of its pages
    notebooks: Path
    prefix: str          # folder of the site ("" for the root, "zh/")
    repo_folder: str     # folder of the notebooks in the repository
    switch_label: str    # the link to this edition, in its own language
    text: PageText


EN_TEXT = PageText(
    show_check="Show the check", show_code="Show the code",
    live_note=("Above: a static picture of an interactive widget. To move its controls, run "
               'this chapter live <a href="{binder}">on Binder</a> or with <code>make lab</code> '
               "on your own machine."),
    live_note_local=("Above: a static picture of an interactive widget. To move its controls, "
                     "run this chapter with <code>make lab</code> on your own machine."),
    open_full_size="Open the figure full size.")
ZH_TEXT = PageText(
    show_check="显示检验代码", show_code="显示代码",
    live_note=('上图是交互控件的静态图片。要拖动它的控件，请<a href="{binder}">在 Binder 上</a>'
               "运行本章，或在自己的电脑上运行 <code>make lab EDITION=zh</code>。"),
    live_note_local=("上图是交互控件的静态图片。要拖动它的控件，请在自己的电脑上运行 "
                     "<code>make lab EDITION=zh</code>。"),
    open_full_size="查看原尺寸图片。")


def course_notebooks(folder: Path) -> list[Path]:
    """The course's notebooks ``NN_name.ipynb`` in course order (any new chapter included)."""
    return sorted(p for p in Path(folder).glob("*.ipynb") if CHAPTER_FILE.match(p.name))


def editions(notebooks: Path, binder: Binder) -> list[Edition]:
    """English always; Chinese when ``notebooks/zh/`` holds chapters."""
    found = [Edition("en", "en", "en", Path(notebooks), "", "notebooks", "English", EN_TEXT)]
    zh = Path(notebooks) / "zh"
    if course_notebooks(zh):
        found.append(Edition("zh", "zh_CN", "zh-CN", zh, "zh/", "notebooks/zh", "中文", ZH_TEXT))
    return found


def course_name(readme_text: str) -> str:
    """The README's title, which names the course.

    >>> course_name("# Matrix calculus\\n\\ntext")
    'Matrix calculus'
    """
    for line in readme_text.splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    raise ValueError("README.md has no title line '# ...' to name the course")


def notebook_title(path: Path) -> str:
    """The first level-one heading of a notebook, as plain text (the title of its edition)."""
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return re.sub(r"[*_`]", "", line[2:]).strip()
    return path.stem


def readme_binder(readme_text: str) -> Binder:
    """The repository the README's Binder badge launches.

    >>> readme_binder("[![B](b.svg)](https://mybinder.org/v2/gh/me/course/HEAD?urlpath=lab)")
    Binder(owner='me', repo='course', ref='HEAD')
    """
    found = BINDER_BADGE.search(readme_text)
    if not found:
        raise ValueError("README.md has no Binder badge link "
                         "(https://mybinder.org/v2/gh/OWNER/REPO/REF...): add it back")
    return Binder(found["owner"], found["repo"], found["ref"])


def placeholder_warning(binder: Binder) -> str:
    return ("warning: the README's Binder badge still says OWNER/REPO, so the book offers no "
            "Binder or repository link (none could work). Put the repository's GitHub path in "
            "the badge at the top of README.md to add them.")


def copy_mathjax(static_dir: Path) -> None:
    """MathJax 3's browser files (es5 build) and its licence into ``static_dir/mathjax``."""
    package = importlib.resources.files("mathjax") / "static" / "mathjax"
    with importlib.resources.as_file(package) as source:
        shutil.copytree(source / "es5", static_dir / "mathjax",
                        ignore=shutil.ignore_patterns(*MATHJAX_SKIP))
        shutil.copy2(source / "LICENSE", static_dir / "mathjax" / "LICENSE")


def _widget_picture(cell, model_id: str, state: dict) -> str | None:
    """A step checker stored empty is shown with its worked example (see book.step_examples)."""
    from book.step_examples import checker_call, worked_checker_html

    model = state.get(model_id, {})
    if model.get("model_name") != "VBoxModel" or "StepChecker(" not in cell.source:
        return None
    call = checker_call(cell.source)
    return worked_checker_html(*call) if call else None


def untranslated_pages(edition: Edition, others: list[Edition]) -> dict[str, str]:
    """Notebooks this edition lacks but another has, and the URL of that page from here."""
    mine = {p.name for p in course_notebooks(edition.notebooks)}
    up = "../" * edition.prefix.count("/")
    found: dict[str, str] = {}
    for other in others:
        for path in course_notebooks(other.notebooks):
            if path.name not in mine and path.name not in found:
                found[path.name] = f"{up}{other.prefix}{path.stem}.html"
    return found


def prepare_sources(edition: Edition, work: Path, binder: Binder, others: list[Edition],
                    log=print) -> tuple[Path, list[str]]:
    """Write the edition's prepared notebooks into ``work/src``; return it and the chapters."""
    src = work / "src"
    src.mkdir(parents=True)
    paths = course_notebooks(edition.notebooks)
    if not paths:
        raise ValueError(f"no notebooks named NN_name.ipynb in {edition.notebooks}")
    figures_dir = work / "extra" / FIGURES
    elsewhere = untranslated_pages(edition, others)
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        for name in sorted(set(relink_untranslated(nb, elsewhere))):
            log(f"make book: {edition.code}/{path.name} links to {name}, which this edition "
                f"does not have yet: the link goes to {elsewhere[name]}")
        link = None if binder.is_placeholder else binder.link(f"{edition.repo_folder}/{path.name}")
        prepare_notebook(nb, path.name, FigureWriter(figures_dir, path.stem, f"{FIGURES}/"),
                         edition.text, link, _widget_picture)
        if path == paths[0]:
            # The start page is the book's root: it lists the chapters (the sidebar's source).
            toctree = "\n".join(p.stem for p in paths[1:])
            nb.cells.append(nbformat.v4.new_markdown_cell(
                f"```{{toctree}}\n:hidden:\n:maxdepth: 1\n\n{toctree}\n```"))
        nbformat.write(nb, src / path.name)
    (work / "extra").mkdir(exist_ok=True)
    return src, [p.stem for p in paths]


def sphinx_settings(edition: Edition, course: str, root: str, binder: Binder,
                    static_dirs: list[str], extra_dir: str, others: list[Edition]) -> dict:
    """The Sphinx configuration of one edition (passed as overrides: there is no conf.py)."""
    theme: dict = {
        "home_page_in_toc": True,
        "use_download_button": True,
        "use_fullscreen_button": False,
        "show_toc_level": 2,
        "article_header_end": ["book-language-switch.html", "article-header-buttons.html"],
        "navigation_with_keys": False,
        # Code colours with at least 7:1 contrast (WCAG AAA), from accessible-pygments.
        "pygments_light_style": "a11y-high-contrast-light",
        "pygments_dark_style": "a11y-high-contrast-dark",
        "extra_footer": "",
    }
    if not binder.is_placeholder:
        theme.update({
            "repository_url": binder.repository,
            "repository_branch": binder.ref,
            "path_to_docs": edition.repo_folder,
            "use_repository_button": True,
            "launch_buttons": {"binderhub_url": "https://mybinder.org",
                               "notebook_interface": "jupyterlab"},
        })
    return {
        "project": course,
        "author": "the course's authors",
        "copyright": "the course's authors",
        "language": edition.sphinx_language,
        "root_doc": root,
        "extensions": ["myst_nb", "book.sphinx_ext"],
        "nb_execution_mode": "off",
        "nb_merge_streams": True,
        "nb_render_markdown_format": "myst",  # outputs hold tables and $…$ formulas
        "nb_output_stderr": "show",
        "myst_enable_extensions": ["dollarmath", "amsmath"],
        "myst_heading_anchors": 3,
        # $$…$$ inside a paragraph is display maths, as in JupyterLab.
        "myst_dmath_double_inline": True,
        # MathJax reads the whole page: the stored HTML outputs write their formulas in $…$.
        "myst_update_mathjax": False,
        "myst_heading_slug_func": "book.sphinx_ext.plain_slug",
        "html_theme": "sphinx_book_theme",
        "html_title": course,
        "html_theme_options": theme,
        "html_static_path": static_dirs,
        "html_extra_path": [extra_dir],
        "html_favicon": str(HERE / "static" / "favicon.svg"),
        "html_css_files": ["book.css", "book-fonts.css"],
        "html_js_files": ["book.js"],
        "html_permalinks": False,
        "html_copy_source": True,
        "html_sourcelink_suffix": "",
        "html_last_updated_fmt": None,
        "html_search_language": edition.code,
        "html_sidebars": {"**": ["book-title.html", "search-button-field.html",
                                 "sbt-sidebar-nav.html"]},
        "templates_path": [str(HERE / "templates")],
        "mathjax_path": "mathjax/tex-mml-chtml.js",
        "mathjax3_config": {
            # $…$ too: the widgets' stored HTML readouts write their formulas that way.
            "tex": {"inlineMath": [["$", "$"], ["\\(", "\\)"]],
                    "displayMath": [["$$", "$$"], ["\\[", "\\]"]],
                    "processEscapes": True, "processEnvironments": True},
            # Formulas stay out of the tab order (MathJax's menu setting); the screen-reader
            # MathML copy beside each formula is kept.
            "options": {"menuOptions": {"settings": {"inTabOrder": False, "assistiveMml": True}},
                        "enableAssistiveMml": True},
        },
        "book_edition": edition.code,
        "book_editions": [(e.code, e.prefix, e.switch_label, e.html_lang,
                           sorted(p.stem for p in course_notebooks(e.notebooks)))
                          for e in others],
        "book_prefix": edition.prefix,
        # Each edition is a Sphinx app in this one process, and docutils' registry of nodes,
        # directives and roles is global: the second app's extensions find their own entries
        # there and warn. Nothing is overridden that differs, so those warnings are noise.
        "suppress_warnings": ["myst.header", "app.add_node", "app.add_directive", "app.add_role"],
    }


def run_sphinx(src: Path, out: Path, doctrees: Path, settings: dict) -> list[str]:
    """Build HTML from ``src`` into ``out``; return Sphinx's warnings."""
    from sphinx.application import Sphinx

    # Sphinx's Chinese search splits words with jieba, which logs its dictionary loading at
    # DEBUG level to the terminal: not news for a reader running make book. (jieba sets its
    # logger's level when imported, so it is imported first.)
    try:
        import jieba
    except ImportError:  # no Chinese word splitting: Sphinx falls back to its own
        pass
    else:
        jieba.setLogLevel(logging.WARNING)
    warnings = io.StringIO()
    app = Sphinx(str(src), None, str(out), str(doctrees), "html", confoverrides=settings,
                 status=None, warning=warnings, freshenv=True, parallel=1)
    app.build(force_all=True)
    return [line for line in warnings.getvalue().splitlines() if line.strip()]


def build_book(notebooks: Path = REPO / "notebooks", out_dir: Path = REPO / "build" / "book",
               readme: Path = REPO / "README.md", log=print) -> list[Path]:
    """Write the site into ``out_dir`` (emptied first); return its chapter pages."""
    from book import fonts, postprocess

    readme_text = Path(readme).read_text(encoding="utf-8")
    binder, course = readme_binder(readme_text), course_name(readme_text)
    if binder.is_placeholder:
        log(f"make book: {placeholder_warning(binder)}")
    out_dir = Path(out_dir)
    if out_dir.exists():
        shutil.rmtree(out_dir)
    found = editions(notebooks, binder)
    pages: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="mdlib-book-") as scratch:
        static = Path(scratch) / "static"
        shutil.copytree(HERE / "static", static)
        copy_mathjax(static)
        for edition in found:
            work = Path(scratch) / edition.code
            src, chapters = prepare_sources(edition, work, binder, found, log)
            target = out_dir / edition.prefix
            # The English edition is named by the README; another by its own start page.
            title = course if edition.code == "en" else notebook_title(
                course_notebooks(edition.notebooks)[0])
            settings = sphinx_settings(edition, title, chapters[0], binder, [str(static)],
                                       str(work / "extra"), found)
            warnings = run_sphinx(src, target, work / "doctrees", settings)
            for warning in warnings:
                log(f"make book: sphinx: {warning}")
            # The download button offers the stored notebook, widget state and all.
            for path in course_notebooks(edition.notebooks):
                shutil.copy2(path, target / "_sources" / path.name)
            chapter_pages = [target / f"{stem}.html" for stem in chapters]
            postprocess.finish_edition(target, edition.html_lang, edition.code, chapters[0])
            fonts.serve_fonts(target, log=log)
            pages += chapter_pages
    return pages


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m book", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "build" / "book",
                        help="folder to write the site into (emptied first)")
    parser.add_argument("--notebooks", type=Path, default=REPO / "notebooks")
    parser.add_argument("--readme", type=Path, default=REPO / "README.md")
    args = parser.parse_args(argv)
    started = time.perf_counter()

    def log(message: str) -> None:
        print(message, file=sys.stderr)

    try:
        pages = build_book(args.notebooks, args.out, args.readme, log=log)
    except (ValueError, MissingWidgetState) as error:
        print(f"make book: {error}", file=sys.stderr)
        return 1
    print(f"make book: {len(pages)} pages in {args.out} ({time.perf_counter() - started:.1f} s); "
          f"open {args.out / 'index.html'}")
    return 0

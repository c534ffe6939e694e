"""The built book's structure, read from its HTML (no browser): course order, links, Binder."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from book.build import REPO, binder_base, binder_link, course_notebooks

CHAPTER_PAGES = [nb.with_suffix(".html").name for nb in course_notebooks(REPO / "notebooks")]


class _Links(HTMLParser):
    """Every <a> of a page as (href, rel)."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            found = dict(attrs)
            self.links.append((found.get("href") or "", found.get("rel") or ""))


def _links(path: Path) -> list[tuple[str, str]]:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser.links


def test_every_notebook_is_a_page_and_the_start_page_lists_them_in_order(built_book: dict) -> None:
    site: Path = built_book["dir"]
    assert len(CHAPTER_PAGES) >= 8
    assert sorted(p.name for p in site.glob("*.html")) == sorted(["index.html", *CHAPTER_PAGES])
    listed = [href for href, _ in _links(site / "index.html") if href in CHAPTER_PAGES]
    assert listed == [CHAPTER_PAGES[0], *CHAPTER_PAGES], listed  # "start reading", then contents


def test_each_chapter_links_its_neighbours_the_contents_and_binder(built_book: dict) -> None:
    site: Path = built_book["dir"]
    base = binder_base((REPO / "README.md").read_text(encoding="utf-8"))
    for i, page in enumerate(CHAPTER_PAGES):
        links = _links(site / page)
        previous = [href for href, rel in links if rel == "prev"]
        following = [href for href, rel in links if rel == "next"]
        assert previous == ([CHAPTER_PAGES[i - 1]] * 2 if i > 0 else []), (page, previous)
        assert following == ([CHAPTER_PAGES[i + 1]] * 2 if i + 1 < len(CHAPTER_PAGES) else []), (
            page, following)
        assert ("index.html", "") in links, f"{page} has no link to the contents"
        binder = binder_link(base, f"notebooks/{page.replace('.html', '.ipynb')}")
        assert (binder, "") in links, f"{page} has no Binder link {binder}"


def test_the_site_loads_nothing_from_elsewhere(built_book: dict) -> None:
    """No script, stylesheet, image or font from another host; MathJax is in the site."""
    site: Path = built_book["dir"]
    assert (site / "mathjax" / "tex-mml-chtml.js").is_file()
    assert any((site / "mathjax" / "output" / "chtml" / "fonts").rglob("*.woff"))
    remote = re.compile(r"<(?:script|link|img|iframe|source|video|audio)\b[^>]*\b(?:src|href)"
                        r"\s*=\s*[\"']?(?:https?:)?//|url\(\s*[\"']?(?:https?:)?//")
    for page in site.glob("*.html"):
        found = remote.search(page.read_text(encoding="utf-8"))
        assert found is None, f"{page.name} loads from elsewhere: {found and found.group(0)}"


def test_a_new_chapter_is_picked_up_with_the_alt_text_its_cell_gives(tmp_path: Path) -> None:
    """Any notebooks/NN_*.ipynb becomes a page in order; metadata "alt" is the figure's alt."""
    import base64
    import io
    import shutil

    import nbformat
    from PIL import Image

    from book.build import build_book

    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    shutil.copy(REPO / "notebooks" / "00_start.ipynb", notebooks)
    png = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(png, format="PNG")
    figure = nbformat.v4.new_code_cell("show_square()", metadata={"alt": "A small red square."})
    figure.outputs = [nbformat.v4.new_output(
        "display_data", data={"image/png": base64.b64encode(png.getvalue()).decode()})]
    untitled = nbformat.v4.new_code_cell("ax.loglog(h, r)\nax.set_xlabel('h')")
    untitled.outputs = [nbformat.v4.new_output("display_data", data=figure.outputs[0].data)]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# 8 · A new chapter"),
                                         figure, untitled])
    nbformat.write(nb, notebooks / "08_new_chapter.ipynb")
    nbformat.write(nb, notebooks / "scratch.ipynb")  # not NN_name: not part of the book

    site = tmp_path / "site"
    build_book(notebooks, site)
    assert sorted(p.name for p in site.glob("*.html")) == [
        "00_start.html", "08_new_chapter.html", "index.html"]
    assert ("08_new_chapter.html", "next") in _links(site / "00_start.html")
    page = (site / "08_new_chapter.html").read_text(encoding="utf-8")
    assert 'alt="A small red square."' in page
    assert 'alt="Log-log plot. Horizontal axis: h."' in page
    assert "8 · A new chapter" in (site / "index.html").read_text(encoding="utf-8")


def test_a_widget_without_stored_state_stops_the_build_with_what_to_do(tmp_path: Path) -> None:
    import nbformat
    import pytest

    from book.build import build_book

    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    cell = nbformat.v4.new_code_cell("display(slider)")
    cell.outputs = [nbformat.v4.new_output("display_data", data={
        "application/vnd.jupyter.widget-view+json": {"model_id": "abc", "version_major": 2,
                                                     "version_minor": 0},
        "text/plain": "IntSlider(value=0)"})]
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# 1 · X"), cell]),
                   notebooks / "01_x.ipynb")
    with pytest.raises(ValueError, match=r"01_x.ipynb: a widget's state is not stored; store it "
                                         r"with `make execute NB=notebooks/01_x.ipynb`"):
        build_book(notebooks, tmp_path / "site")

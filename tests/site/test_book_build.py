"""The built book read from its HTML (no browser): pages, navigation, links, downloads, Binder,
folded cells, figures, anchors, languages and the Chinese edition's machinery."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import nbformat
import pytest

from book.build import REPO, build_book, course_notebooks, readme_binder
from book.prepare import MissingWidgetState
from conftest import ZH_TITLES
from tools.editions import LANGUAGE_TAG

CHAPTERS = [nb.stem for nb in course_notebooks(REPO / "notebooks")]
README = (REPO / "README.md").read_text(encoding="utf-8")


class _Page(HTMLParser):
    """Links, ids, images, sections and language marks of one page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[dict] = []   # every <a>, <link>, <script>, <img> reference
        self.ids: set[str] = set()
        self.html_lang = None
        self.lang_spans: list[str] = []
        self._in_lang = None
        self._in_code = False  # inside <script> or <style>
        self.text: list[str] = []
        self.unmarked_cjk: list[str] = []  # Chinese text outside any lang="zh" span

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.ids.add(found["id"])
        if tag == "html":
            self.html_lang = found.get("lang")
        for attr in ("href", "src"):
            if found.get(attr) is not None:
                self.links.append({"tag": tag, "attr": attr, "url": found[attr], **found})
        if tag == "span" and found.get("lang"):
            self._in_lang = found["lang"]
        self._in_code = tag in ("script", "style")

    def handle_endtag(self, tag: str) -> None:
        if tag == "span":
            self._in_lang = None
        self._in_code = False

    def handle_data(self, data: str) -> None:
        if self._in_code:
            return
        self.text.append(data)
        if self._in_lang:
            self.lang_spans.append(f"{self._in_lang}:{data}")
        elif re.search(r"[\u4e00-\u9fff]", data):
            self.unmarked_cjk.append(data.strip()[:60])


def read_page(path: Path) -> _Page:
    parser = _Page()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def dead_links(site: Path) -> list[str]:
    """Every internal link or resource of every page whose file or anchor does not exist."""
    pages = {path: read_page(path) for path in site.rglob("*.html")}
    dead = []
    for path, page in pages.items():
        for link in page.links:
            url = link["url"]
            parts = urlsplit(url)
            if parts.scheme or url.startswith("//") or url in ("", "#"):
                continue
            target = (path.parent / unquote(parts.path)).resolve() if parts.path else path
            if target.is_dir():
                target = target / "index.html"
            where = f"{path.relative_to(site)}: {link['tag']} {link['attr']}={url}"
            if not target.exists():
                dead.append(f"{where} (no file)")
            elif parts.fragment and target.suffix == ".html":
                ids = pages[target].ids if target in pages else read_page(target).ids
                if unquote(parts.fragment) not in ids:
                    dead.append(f"{where} (no anchor)")
    return dead


def test_no_dead_internal_link_in_either_book(built_book: dict, two_edition_book: dict) -> None:
    for built in (built_book, two_edition_book):
        assert not dead_links(built["dir"]), "\n".join(dead_links(built["dir"])[:30])


def test_the_link_checker_finds_dead_links_and_anchors(tmp_path: Path) -> None:
    (tmp_path / "a.html").write_text('<a href="b.html#there">b</a><a href="c.html">c</a>'
                                     '<img src="_figures/x.png"><a href="a.html#top">t</a>'
                                     '<p id="top"></p>', encoding="utf-8")
    (tmp_path / "b.html").write_text('<p id="here"></p>', encoding="utf-8")
    assert dead_links(tmp_path) == ["a.html: a href=b.html#there (no anchor)",
                                    "a.html: a href=c.html (no file)",
                                    "a.html: img src=_figures/x.png (no file)"]


def test_every_chapter_is_a_page_and_links_to_chapters_resolve(built_book: dict) -> None:
    site: Path = built_book["dir"]
    assert len(CHAPTERS) >= 9
    assert built_book["pages"]["en"] == [f"{stem}.html" for stem in CHAPTERS]
    start = read_page(site / "00_start.html")
    # The prose's links NN_name.ipynb became links to the pages (the whole contents table).
    listed = [link["url"] for link in start.links if link["tag"] == "a"
              and re.fullmatch(r"\d\d_\w+\.html(#.*)?", link["url"])]
    assert {url.split("#")[0] for url in listed} >= {f"{stem}.html" for stem in CHAPTERS[1:]}
    assert "01_scalar_derivative.html#remainder-test" in listed
    assert not [link["url"] for page in site.glob("*.html") for link in read_page(page).links
                if ".ipynb" in link["url"] and "_sources/" not in link["url"]
                and "mybinder.org" not in link["url"]]
    assert '<meta http-equiv="refresh" content="0; url=00_start.html">' in (
        site / "index.html").read_text(encoding="utf-8")


def test_sidebar_in_course_order_with_previous_and_next(built_book: dict) -> None:
    site: Path = built_book["dir"]
    for i, stem in enumerate(CHAPTERS):
        text = (site / f"{stem}.html").read_text(encoding="utf-8")
        nav = text[text.index('bd-docs-nav'):]
        nav = nav[:nav.index("</nav>")]
        order = [stem if href == "#" else href.removesuffix(".html")
                 for href in re.findall(r'<a class="[^"]*reference internal" href="([^"]+)"', nav)]
        assert order == CHAPTERS, order
        footer = text[text.index('class="prev-next-area"'):]
        prev = re.search(r'class="left-prev"\s+href="([^"]+)"', footer)
        nxt = re.search(r'class="right-next"\s+href="([^"]+)"', footer)
        assert (prev and prev.group(1)) == (f"{CHAPTERS[i - 1]}.html" if i else None), stem
        assert (nxt and nxt.group(1)) == (
            f"{CHAPTERS[i + 1]}.html" if i + 1 < len(CHAPTERS) else None), stem
        contents = text[text.index('id="pst-page-navigation-heading-2"'):]
        assert contents.count('class="reference internal nav-link"') >= 3, (
            f"{stem}: no page contents")


def test_download_offers_the_stored_notebook(built_book: dict) -> None:
    site: Path = built_book["dir"]
    for stem in CHAPTERS:
        text = (site / f"{stem}.html").read_text(encoding="utf-8")
        assert f'href="_sources/{stem}.ipynb"' in text, f"{stem}: no .ipynb download"
        assert ((site / "_sources" / f"{stem}.ipynb").read_bytes()
                == (REPO / "notebooks" / f"{stem}.ipynb").read_bytes())


def test_offline_search_index_and_local_mathjax(built_book: dict) -> None:
    site: Path = built_book["dir"]
    index = (site / "searchindex.js").read_text(encoding="utf-8")
    assert '"commut' in index and '"m5"' in index
    assert (site / "_static" / "mathjax" / "tex-mml-chtml.js").is_file()
    assert any((site / "_static" / "mathjax" / "output" / "chtml" / "fonts").rglob("*.woff"))
    assert (site / "_static" / "favicon.svg").is_file()
    page = (site / "03_matrix_rules.html").read_text(encoding="utf-8")
    assert '<link rel="icon" href="_static/favicon.svg"' in page
    assert 'src="_static/mathjax/tex-mml-chtml.js' in page
    assert '"inTabOrder": false' in page


def test_the_site_loads_nothing_from_elsewhere(built_book: dict) -> None:
    """No script, stylesheet, image, font or frame from another host, in pages or styles."""
    site: Path = built_book["dir"]
    remote = re.compile(r"<(?:script|link|img|iframe|source|video|audio)\b[^>]*\b(?:src|href)"
                        r"\s*=\s*[\"']?(?:https?:)?//|url\(\s*[\"']?(?:https?:)?//")
    for page in [*site.rglob("*.html"), *site.rglob("*.css")]:
        found = remote.search(page.read_text(encoding="utf-8", errors="replace"))
        assert found is None, f"{page.name} loads from elsewhere: {found and found.group(0)}"


def test_binder_placeholder_is_said_and_offers_no_link(built_book: dict) -> None:
    binder = readme_binder(README)
    site: Path = built_book["dir"]
    links = [link["url"] for page in site.rglob("*.html") for link in read_page(page).links]
    if binder.is_placeholder:
        assert "badge still says OWNER/REPO" in built_book["stderr"]
        assert not [url for url in links if "mybinder.org" in url or "OWNER" in url
                    or "github.com" in url], "a Binder or repository link that cannot work"
        text = (site / "01_scalar_derivative.html").read_text(encoding="utf-8")
        assert "run this chapter with <code>make lab</code>" in text
        assert "OWNER/REPO" in README and "placeholder" in README.lower()
    else:
        assert "OWNER/REPO" not in built_book["stderr"]
        assert any(url.startswith(binder.base) for url in links)


def test_a_real_binder_badge_gives_a_launch_button_per_chapter(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(README.replace("OWNER/REPO", "someone/matrix-course"), encoding="utf-8")
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    for name in ("00_start.ipynb", "02_vector_differential.ipynb"):
        (notebooks / name).write_bytes((REPO / "notebooks" / name).read_bytes())
    messages: list[str] = []
    build_book(notebooks, tmp_path / "site", readme, log=messages.append)
    assert not [m for m in messages if "OWNER/REPO" in m]
    page = (tmp_path / "site" / "02_vector_differential.html").read_text(encoding="utf-8")
    launch = ("https://mybinder.org/v2/gh/someone/matrix-course/HEAD?urlpath=lab/tree/"
              "notebooks/02_vector_differential.ipynb")
    assert page.count(launch) >= 2, "the launch button and the widget's live note"
    assert 'href="https://github.com/someone/matrix-course"' in page


def test_hidden_cells_and_long_checks_are_folded_with_outputs_shown(built_book: dict) -> None:
    site: Path = built_book["dir"]
    for stem in ("04_trace_tricks", "08_second_order"):
        nb = nbformat.read(REPO / "notebooks" / f"{stem}.ipynb", as_version=4)
        hidden = [c for c in nb.cells if c.cell_type == "code"
                  and c.metadata.get("jupyter", {}).get("source_hidden")]
        assert hidden, f"{stem} has a collapsed cell"
        text = (site / f"{stem}.html").read_text(encoding="utf-8")
        assert text.count("Show the code") >= len(hidden)
        assert "Show the check" in text
    text = (site / "03_matrix_rules.html").read_text(encoding="utf-8")
    # Folded: the cell's code sits inside a <details> whose summary reads "Show the check";
    # its output stays outside, visible.
    folds = re.findall(r'<details class="admonition hide above-input">\s*<summary>\s*'
                       r'<p class="collapsed admonition-title">Show the check', text)
    assert len(folds) >= 5


def test_the_chinese_pages_do_not_show_the_language_switching_cell(built_book: dict) -> None:
    site: Path = built_book["dir"]
    zh = sorted((REPO / "notebooks" / "zh").glob("*.ipynb"))
    if not zh:
        pytest.skip("no Chinese edition yet")
    for path in zh:
        first = nbformat.read(path, as_version=4).cells[0]
        assert LANGUAGE_TAG in first.metadata.get("tags", []), path.name
        page = (site / "zh" / path.with_suffix(".html").name).read_text(encoding="utf-8")
        assert "set_language" not in page, f"zh/{path.name}: the page shows mdlib.set_language"
        assert "<h1" in page  # the page itself is there, starting with its title


def test_figures_have_short_alt_visible_captions_and_open_full_size(built_book: dict) -> None:
    site: Path = built_book["dir"]
    page = read_page(site / "01_scalar_derivative.html")
    images = [link for link in page.links if link["tag"] == "img"]
    assert images
    for image in images:
        alt = image.get("alt") or ""
        assert 3 <= len(alt.split()) and len(alt) <= 170, alt
        assert (site / image["url"]).is_file()
    text = (site / "01_scalar_derivative.html").read_text(encoding="utf-8")
    figures = re.findall(r'<figure class="book-(?:figure|widget)">.*?</figure>', text, re.S)
    assert len(figures) >= len(images) - 1
    for figure in figures:
        src = re.search(r'<img[^>]*src="([^"]+)"', figure).group(1)
        assert f'<a class="book-figure-link" href="{src}">' in figure
        caption = re.search(r"<figcaption>(.*?)</figcaption>", figure, re.S).group(1)
        assert len(re.sub("<[^>]+>", "", caption)) > 40


def test_step_checkers_show_a_worked_example_with_its_verdict(built_book: dict) -> None:
    text = (built_book["dir"] / "04_trace_tricks.html").read_text(encoding="utf-8")
    assert "tr(b*a.T*dX)" in text and "tr(X.T*(A.T + A)*dX)" in text
    assert text.count('class="book-control book-textarea"') >= 5
    assert not re.search(r'book-textarea"><span>df =</span><pre></pre>', text), "an empty form"


def test_heading_anchors_are_plain_words(built_book: dict) -> None:
    site: Path = built_book["dir"]
    ids = read_page(site / "03_matrix_rules.html").ids
    assert "m6-determinant" in ids and "m5-inverse" in ids
    for page in site.glob("*.html"):
        for anchor in read_page(page).ids:
            assert not re.search(r"[\\$^{}]|mathrm|frac", anchor), f"{page.name}: #{anchor}"


def test_chinese_names_are_marked_and_emoji_replaced(built_book: dict) -> None:
    site: Path = built_book["dir"]
    page = read_page(site / "00_start.html")
    assert page.html_lang == "en"
    assert "zh:长躯鬼侠" in page.lang_spans
    for path in site.glob("*.html"):
        assert not read_page(path).unmarked_cjk, (path.name, read_page(path).unmarked_cjk)
    for path in site.glob("*.html"):
        body = path.read_text(encoding="utf-8")
        visible = re.sub(r'(?:alt|title|content|aria-label)="[^"]*"', "", body)
        visible = re.sub(r"<script\b.*?</script>", "", visible, flags=re.S)
        assert "✅" not in visible and "❌" not in visible, path.name
    assert '<span class="book-ok">✓</span>' in (site / "03_matrix_rules.html").read_text(
        encoding="utf-8")


def test_fonts_for_check_marks_and_chinese_are_served(built_book: dict) -> None:
    static = built_book["dir"] / "_static"
    css = (static / "book-fonts.css").read_text(encoding="utf-8")
    assert (static / "book-fonts" / "symbols.woff").is_file() and "U+2713" in css
    assert (static / "book-fonts" / "cjk.woff").is_file(), (
        "no CJK font served: install Debian's fonts-noto-cjk")
    assert "U+957F" in css  # 长


def test_two_editions_switch_language_and_search_separately(two_edition_book: dict) -> None:
    site: Path = two_edition_book["dir"]
    assert two_edition_book["pages"] == {"en": [f"{stem}.html" for stem in CHAPTERS],
                                         "zh": ["00_start.html", "01_scalar_derivative.html"]}
    zh = read_page(site / "zh" / "01_scalar_derivative.html")
    en = read_page(site / "01_scalar_derivative.html")
    assert zh.html_lang == "zh-CN" and en.html_lang == "en"
    assert ZH_TITLES["01_scalar_derivative.ipynb"][2:] in "".join(zh.text)
    assert not [s for s in zh.lang_spans if s.startswith("zh:")], "zh spans on a zh page"
    switch_zh = [link for link in zh.links if link.get("hreflang") == "en"]
    switch_en = [link for link in en.links if link.get("hreflang") == "zh-CN"]
    assert [link["url"] for link in switch_zh] == ["../01_scalar_derivative.html"]
    assert [link["url"] for link in switch_en] == ["zh/01_scalar_derivative.html"]
    assert (site / "zh" / "searchindex.js").is_file() and (site / "searchindex.js").is_file()
    def terms(path: Path) -> dict:
        raw = path.read_text(encoding="utf-8")
        index = json.loads(raw[raw.index("(") + 1:raw.rindex(")")])
        return {**index["terms"], **index["titleterms"]}

    # a word jieba split out of the Chinese title; the English edition (whose chapter 0 has a
    # Chinese glossary, so some Chinese words are indexed there too) does not have it
    assert "趋于" in terms(site / "zh" / "searchindex.js")
    assert "趋于" not in terms(site / "searchindex.js")
    # The Chinese start page links to chapters not translated yet: to their English page.
    assert "make book: zh/00_start.ipynb links to 02_vector_differential.ipynb" in (
        two_edition_book["stderr"])
    assert (site / "zh" / "_sources" / "00_start.ipynb").read_bytes() == (
        two_edition_book["notebooks"] / "zh" / "00_start.ipynb").read_bytes()
    assert "显示检验代码" in (site / "zh" / "01_scalar_derivative.html").read_text(
        encoding="utf-8")


def test_a_new_chapter_is_picked_up_with_the_alt_text_its_cell_gives(tmp_path: Path) -> None:
    """Any notebooks/NN_*.ipynb becomes a page in order; metadata "alt" is the figure's text."""
    import base64
    import io
    import shutil

    from PIL import Image

    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    shutil.copy(REPO / "notebooks" / "00_start.ipynb", notebooks)
    png = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(png, format="PNG")
    figure = nbformat.v4.new_code_cell("show_square()", metadata={
        "alt": "A small red square. It has four pixels on each side."})
    figure.outputs = [nbformat.v4.new_output(
        "display_data", data={"image/png": base64.b64encode(png.getvalue()).decode()})]
    untitled = nbformat.v4.new_code_cell("ax.loglog(h, r)\nax.set_xlabel('h')")
    untitled.outputs = [nbformat.v4.new_output("display_data", data=figure.outputs[0].data)]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# 9 · A new chapter"),
                                         figure, untitled])
    nbformat.write(nb, notebooks / "09_new_chapter.ipynb")
    nbformat.write(nb, notebooks / "scratch.ipynb")  # not NN_name: not part of the book

    site = tmp_path / "site"
    build_book(notebooks, site, log=lambda message: None)
    assert sorted(p.name for p in site.glob("[0-9]*.html")) == [
        "00_start.html", "09_new_chapter.html"]
    page = (site / "09_new_chapter.html").read_text(encoding="utf-8")
    assert 'alt="A small red square."' in page
    assert "It has four pixels on each side." in page  # the caption
    assert 'alt="Log-log plot."' in page
    assert "9 · A new chapter" in (site / "00_start.html").read_text(encoding="utf-8")


def test_a_widget_without_stored_state_stops_the_build_with_what_to_do(tmp_path: Path) -> None:
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    cell = nbformat.v4.new_code_cell("display(slider)")
    cell.outputs = [nbformat.v4.new_output("display_data", data={
        "application/vnd.jupyter.widget-view+json": {"model_id": "abc", "version_major": 2,
                                                     "version_minor": 0},
        "text/plain": "IntSlider(value=0)"})]
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# 1 · X"), cell]),
                   notebooks / "01_x.ipynb")
    with pytest.raises(MissingWidgetState, match=r"01_x.ipynb: a widget's state is not stored; "
                                                 r"store it with `make execute NB=notebooks/"
                                                 r"01_x.ipynb`"):
        build_book(notebooks, tmp_path / "site", log=lambda message: None)


def test_make_book_builds_within_two_minutes(built_book: dict) -> None:
    assert built_book["seconds"] < 120, f"make book took {built_book['seconds']:.0f} s"


def test_search_index_is_json_after_its_prefix(built_book: dict) -> None:
    raw = (built_book["dir"] / "searchindex.js").read_text(encoding="utf-8")
    data = json.loads(raw[raw.index("(") + 1:raw.rindex(")")])
    assert set(data["docnames"]) >= set(CHAPTERS)

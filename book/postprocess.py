"""Last touches on the built pages' HTML, done on text between tags (markup is left alone).

- ✅ and ❌ (emoji, which many machines cannot draw) become ✓ and ✗ in colour, from a font the
  book serves (:mod:`book.fonts`);
- on English pages, Chinese words get ``lang="zh"`` so that screen readers and fonts treat
  them as Chinese;
- ``index.html`` opens the start page when the start page is not itself ``index``.

>>> mark_text('<p>张贤达 wrote ✅</p><pre>❌ x</pre>', "en")
'<p><span lang="zh">张贤达</span> wrote <span class="book-ok">✓</span></p><pre><span class="book-bad">✗</span> x</pre>'
>>> mark_text('<title>✅ 矩阵</title>', "en")
'<title>✓ 矩阵</title>'
"""

from __future__ import annotations

import html
import re
from pathlib import Path

_TOKENS = re.compile(r"(<script\b.*?</script>|<style\b.*?</style>|<!--.*?-->|<[^>]+>)",
                     re.DOTALL | re.IGNORECASE)
_CJK_RUN = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]"
                      r"(?:[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef·]"
                      r"|\s(?=[\u4e00-\u9fff]))*")
_PLAIN = {"✅": "✓", "❌": "✗"}
_MARKED = {"✅": '<span class="book-ok">✓</span>', "❌": '<span class="book-bad">✗</span>'}
# Inside these no markup may be added (their content is text, or an attribute-like value).
_RAW_TEXT = ("title", "textarea", "option")


def plain_names(page: str) -> str:
    """Controls are named by their visible words: a folded cell's summary ("Show the check",
    not MyST-NB's generic label) and the search button ("Search Ctrl+K", not only "Search")."""
    page = page.replace('<summary aria-label="Toggle hidden content">', "<summary>")
    return re.sub(r'(<button class="btn search-button-field[^"]*"[^>]*?) aria-label="[^"]*"',
                  r"\1", page)


_TABLE = re.compile(r"<table\b.*?</table>", re.DOTALL)
_EMPTY_CORNER = re.compile(r"(<thead>\s*<tr[^>]*>\s*)<th([^>]*)>(?:\s|<p>\s*</p>)*</th>")
_FIRST_CELL = re.compile(r"(<tr[^>]*>\s*)<td([^>]*)>(.*?)</td>", re.DOTALL)


_MATH_SPAN = re.compile(r'<span class="math notranslate nohighlight">.*?</span>', re.DOTALL)
# A formula that reads the same as plain text: letters, digits, spaces, =, + and -.
_SIMPLE_MATH = re.compile(
    r'<span class="math notranslate nohighlight">\\\(([A-Za-z0-9 =+\-]{1,24})\\\)</span>')
_HEADER_CELL = re.compile(r"<th\b[^>]*>.*?</th>", re.DOTALL)


def _has_text(cell: str) -> bool:
    """Whether a cell has words outside formulas (a checker sees no text in typeset maths)."""
    return bool(re.sub(r"<[^>]+>|&nbsp;|\s", "", _MATH_SPAN.sub("", cell)))


def _plain_formulas(cell: str) -> str:
    r"""Simple formulas of a header cell written as italic text, so the header has text that
    every reader and checker sees.

    >>> _plain_formulas('<p><span class="math notranslate nohighlight">\\(f = Ax\\)</span></p>')
    '<p><em class="book-math-text">f = Ax</em></p>'
    """
    return _SIMPLE_MATH.sub(r'<em class="book-math-text">\1</em>', cell)


def plain_letter_headers(page: str) -> str:
    """Every table header cell with its simple formulas as italic text (see _plain_formulas)."""
    return _HEADER_CELL.sub(lambda m: _plain_formulas(m.group(0)), page)


def row_header_tables(page: str) -> str:
    """A table whose top-left header cell is empty labels its rows in the first column: those
    cells become row headers (``<th scope="row">``) and the empty corner an ordinary cell, so
    every data cell has a header a screen reader can announce.

    >>> row_header_tables("<table><thead><tr><th></th><th>a</th></tr></thead>"
    ...                   "<tbody><tr><td>x</td><td>1</td></tr></tbody></table>")
    '<table><thead><tr><td></td><th>a</th></tr></thead><tbody><tr><th scope="row">x</th><td>1</td></tr></tbody></table>'
    """
    def fix(match: re.Match) -> str:
        table = match.group(0)
        if not _EMPTY_CORNER.search(table):
            return table
        table = _EMPTY_CORNER.sub(r"\1<td\2></td>", table, count=1)
        head, body = table.split("</thead>", 1) if "</thead>" in table else ("", table)
        def row_header(cell: re.Match) -> str:
            content = _plain_formulas(cell.group(3))
            if not _has_text(content):
                return cell.group(0)
            return f'{cell.group(1)}<th scope="row"{cell.group(2)}>{content}</th>'

        body = _FIRST_CELL.sub(row_header, body)
        return f"{head}</thead>{body}" if head else body

    return _TABLE.sub(fix, page)


_ZH_SPAN = re.compile(r'<span lang="zh(?:-CN)?">')


def mark_text(page: str, edition: str) -> str:
    """``page`` with ✅/❌ replaced and, on an English page, Chinese runs marked ``lang="zh"``.

    On a Chinese page the whole page is ``zh-CN``: a ``lang="zh"`` span kept from English text
    says nothing more, so it is unwrapped to a plain span.
    """
    if edition != "en":
        page = _ZH_SPAN.sub("<span>", page)
    parts = _TOKENS.split(page)
    inside_raw = None
    for i, part in enumerate(parts):
        if i % 2:  # a tag
            tag = re.match(r"<(/?)([a-zA-Z0-9]+)", part)
            if tag and tag.group(2).lower() in _RAW_TEXT:
                inside_raw = None if tag.group(1) else tag.group(2).lower()
            continue
        if not part:
            continue
        if inside_raw:
            for emoji, plain in _PLAIN.items():
                part = part.replace(emoji, plain)
        else:
            if edition == "en":
                part = _CJK_RUN.sub(lambda m: f'<span lang="zh">{m.group(0)}</span>', part)
            for emoji, marked in _MARKED.items():
                part = part.replace(emoji, marked)
        parts[i] = part
    return "".join(parts)


def redirect_page(target: str, lang: str) -> str:
    """A page that opens ``target`` at once (and links to it for browsers that do not)."""
    href = html.escape(target, quote=True)
    return (f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
            f'<meta http-equiv="refresh" content="0; url={href}">'
            f'<link rel="canonical" href="{href}"><title>{href}</title></head>'
            f'<body><main><h1><a href="{href}">{href}</a></h1></main></body></html>\n')


def fix_chinese_stemmer(site: Path) -> None:
    """Sphinx 9.0's Chinese search loads the English stemmer for the Latin words of a page but
    names it ``ChineseStemmer``, which does not exist, so the search page stops with an error;
    point it at the stemmer that is there."""
    data = site / "_static" / "language_data.js"
    if data.exists():
        text = data.read_text(encoding="utf-8")
        if "window.Stemmer = ChineseStemmer;" in text and "class ChineseStemmer" not in text:
            data.write_text(text.replace("window.Stemmer = ChineseStemmer;",
                                         "window.Stemmer = EnglishStemmer;"), encoding="utf-8")


def finish_edition(site: Path, html_lang: str, edition: str, root: str) -> None:
    """Post-process every page of one edition's site in place."""
    fix_chinese_stemmer(site)
    # The theme's static folder carries two Jinja macro files that are not pages of the site.
    for macros in (site / "_static").glob("*webpack-macros.html"):
        macros.unlink()
    for page in site.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        page.write_text(mark_text(row_header_tables(plain_letter_headers(plain_names(text))), edition), encoding="utf-8")
    if root != "index":
        (site / "index.html").write_text(redirect_page(f"{root}.html", html_lang),
                                         encoding="utf-8")

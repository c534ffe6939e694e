"""The course's own touches on the Sphinx build (loaded as an extension by ``book.build``).

- Heading anchors are made from the heading's plain words (formulas dropped), so a link to
  "M6 · Determinant: $d|X| = …$" ends in ``#m6-determinant``, never in raw TeX; Chinese words
  are kept as they are.
- Anchors written as HTML in a notebook are targets that links from other chapters resolve to.
- Every page gets a link to the same chapter in the other edition (``book_switch``).

>>> plain_slug(r"M6 · Determinant: $d|X| = \\mathrm{tr}(\\dots)$")
'm6-determinant'
>>> plain_slug("$F = X^TX$")
'f-x-tx'
>>> plain_slug("3 · 矩阵微分的法则 (M1–M8)")
'3-矩阵微分的法则-m1-m8'
"""

from __future__ import annotations

import re

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.transforms import SphinxTransform

_MATH = re.compile(r"\$\$.*?\$\$|\$[^$]*\$|\\\(.*?\\\)", re.DOTALL)
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def plain_slug(title: str) -> str:
    """An anchor from a heading's words: formulas, markup and punctuation dropped."""
    text = re.sub(r"[*_`]", "", _MATH.sub(" ", title))
    words = _WORD.findall(text)
    if not words:  # a heading that is only a formula: the letters of the formula
        words = _WORD.findall(re.sub(r"\\[A-Za-z]+|[$_^{}]", " ", title))
    return "-".join(word.lower() for word in words)


class PlainHeadingIds(SphinxTransform):
    """Give each section the id of its plain-words slug (the one MyST's links use)."""

    default_priority = 5  # before Sphinx and MyST read the ids for the page contents

    def apply(self, **kwargs) -> None:
        for section in self.document.findall(nodes.section):
            title = next(iter(section.findall(nodes.title)), None)
            if title is None:
                continue
            words = " ".join(child.astext() for child in title.children
                             if not isinstance(child, nodes.math))
            slug = section.get("slug") or plain_slug(words) or "section"
            if section["ids"] and section["ids"][0] == slug:
                continue
            unique, count = slug, 1
            while unique in self.document.ids and self.document.ids[unique] is not section:
                count += 1
                unique = f"{slug}-{count}"
            for old in section["ids"]:
                self.document.ids.pop(old, None)
            section["ids"] = [unique]
            self.document.ids[unique] = section


_RAW_ANCHOR = re.compile(r"<a\s[^>]*\bid=[\"']([^\"']+)[\"']")


def raw_html_anchors(app: Sphinx, doctree: nodes.document) -> None:
    """Anchors written in a notebook's HTML (``<a id="remainder-test">``) become labels, so a
    link ``01_x.ipynb#remainder-test`` from another chapter resolves to them."""
    std = app.env.get_domain("std")
    for raw in doctree.findall(nodes.raw):
        for anchor in _RAW_ANCHOR.findall(raw.astext()):
            std.anonlabels[anchor] = (app.env.docname, anchor)
            std.labels[anchor] = (app.env.docname, anchor, anchor)


def language_switch(app: Sphinx, pagename: str, templatename: str, context: dict,
                    doctree) -> None:
    """``book_switch``: links to this page in the other editions (their start page if none)."""
    depth = app.config.book_prefix.count("/") + pagename.count("/")
    up = "../" * depth
    links = []
    for code, prefix, label, html_lang, pages in app.config.book_editions:
        if code == app.config.book_edition:
            continue
        page = pagename if pagename in pages else pages[0]
        links.append({"href": f"{up}{prefix}{page}.html", "label": label, "lang": html_lang})
    context["book_switch"] = links


def setup(app: Sphinx) -> dict:
    app.add_config_value("book_edition", "en", "html")
    app.add_config_value("book_editions", [], "html")
    app.add_config_value("book_prefix", "", "html")
    app.add_transform(PlainHeadingIds)
    app.connect("doctree-read", raw_html_anchors)
    app.connect("html-page-context", language_switch)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

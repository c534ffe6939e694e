"""Fonts the book serves, so ✓/✗ and Chinese characters render on a machine without such fonts.

The notebooks' ✅ and ❌ become ✓ and ✗ (see :mod:`book.postprocess`), drawn from a subset of
DejaVu Sans, the font matplotlib ships (so it is always there when the book is built). Chinese
characters are drawn from a subset of Noto Sans CJK SC from Debian's ``fonts-noto-cjk`` package
(installed by ``.ci/run`` and ``binder/apt.txt``; the README's set-up says so). Each subset holds
only the characters the edition's pages use, as WOFF; the stylesheet ``_static/book-fonts.css``
puts them first in the font stacks with a ``unicode-range``, so Latin text keeps the theme's fonts.

>>> sorted(SYMBOLS)
['✓', '✗']
>>> is_cjk("矩"), is_cjk("x")
(True, False)
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import matplotlib

SYMBOLS = {"✓", "✗"}
SYMBOL_FONT = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
CJK_FONT_CANDIDATES = [
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/opentype/noto-cjk/NotoSansCJK-Regular.ttc"),
]
CJK_FAMILY_INDEX = "Noto Sans CJK SC"
CJK_RANGES = ((0x2E80, 0x2FFF), (0x3000, 0x303F), (0x3040, 0x30FF), (0x3400, 0x4DBF),
              (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0xFF00, 0xFFEF))
_TAG = re.compile(r"<(script|style)\b.*?</\1>|<[^>]*>", re.DOTALL | re.IGNORECASE)


def is_cjk(char: str) -> bool:
    code = ord(char)
    return any(lo <= code <= hi for lo, hi in CJK_RANGES)


def page_characters(site: Path) -> set[str]:
    """Every character of text (not markup) on the site's pages."""
    chars: set[str] = set()
    for page in site.rglob("*.html"):
        chars.update(_TAG.sub(" ", page.read_text(encoding="utf-8")))
    return chars


def cjk_font() -> Path | None:
    return next((path for path in CJK_FONT_CANDIDATES if path.is_file()), None)


def _quiet_font_tools() -> None:
    import logging

    logging.getLogger("fontTools").setLevel(logging.ERROR)


def _subset(source: Path, chars: set[str], target: Path, font_number: int = 0) -> None:
    from fontTools import subset
    from fontTools.ttLib import TTFont

    _quiet_font_tools()
    font = TTFont(str(source), fontNumber=font_number, lazy=True)
    options = subset.Options()
    options.flavor = "woff"
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes={ord(c) for c in chars})
    subsetter.subset(font)
    target.parent.mkdir(parents=True, exist_ok=True)
    font.flavor = "woff"
    font.save(str(target))


def _sc_index(path: Path) -> int:
    """Which font of the collection is the Simplified Chinese one."""
    from fontTools.ttLib import TTCollection

    collection = TTCollection(str(path), lazy=True)
    for index, font in enumerate(collection.fonts):
        if font["name"].getDebugName(1) == CJK_FAMILY_INDEX:
            return index
    return 0


def _ranges(chars: set[str]) -> str:
    return ", ".join(f"U+{ord(c):04X}" for c in sorted(chars))


def serve_fonts(site: Path, log: Callable[[str], None] = print) -> None:
    """Subset the fonts to the characters of ``site``'s pages and write its font stylesheet."""
    chars = page_characters(site)
    static = site / "_static"
    faces, families = [], []
    symbols = SYMBOLS & chars
    if symbols:
        _subset(SYMBOL_FONT, symbols, static / "book-fonts" / "symbols.woff")
        faces.append('@font-face { font-family: "Book Symbols"; font-display: block; '
                     'src: url("book-fonts/symbols.woff") format("woff"); '
                     f"unicode-range: {_ranges(symbols)}; }}")
        families.append('"Book Symbols"')
    cjk = {c for c in chars if is_cjk(c)}
    if cjk:
        font = cjk_font()
        if font is None:
            log("make book: warning: Debian's fonts-noto-cjk is not installed, so the book "
                "serves no font for its Chinese characters (readers without one see boxes): "
                "apt-get install fonts-noto-cjk")
        else:
            _subset(font, cjk, static / "book-fonts" / "cjk.woff", _sc_index(font))
            faces.append('@font-face { font-family: "Book CJK"; font-display: block; '
                         'src: url("book-fonts/cjk.woff") format("woff"); '
                         f"unicode-range: {_ranges(cjk)}; }}")
            families.append('"Book CJK"')
    stack = ", ".join(families)
    css = "\n".join(faces)
    if stack:
        css += (f"\nhtml {{ --pst-font-family-base: {stack}, var(--pst-font-family-base-system);"
                f"\n  --pst-font-family-heading: {stack}, var(--pst-font-family-base-system);"
                f"\n  --pst-font-family-monospace: {stack}, "
                "var(--pst-font-family-monospace-system); }\n")
    (static / "book-fonts.css").write_text(css, encoding="utf-8")

"""mdlib speaks the reader's language: gettext message catalogs, chosen by ``set_language``.

Everything mdlib says to a reader is an English sentence marked for translation: ``_("…")``
where it is said, ``N_("…")`` where it is declared in a table at import time and translated
when shown (``_(RULE.name)``). The English text is the message id, so in English mdlib prints
exactly what it always printed. The Chinese catalog lives in
``mdlib/locale/zh_CN/LC_MESSAGES/mdlib.po``; ``make`` compiles it to ``mdlib.mo`` when it
installs the course (``pybabel compile``), and where no compiled catalog is found, or it is
older than its ``.po``, the ``.po`` is compiled in memory with Babel.

Placeholders are named (``{name}``) and filled after translation, so a translation may move
them: ``_("{name} is not invertible").format(name="X")``.

A Chinese notebook starts with ``mdlib.set_language("zh")``; figures drawn after it show
Chinese labels with a CJK font (Debian's ``fonts-noto-cjk``).

>>> set_language("en")
>>> _("verified")
'verified'
>>> get_language()
'en'
>>> set_language("fr")
Traceback (most recent call last):
...
mdlib.errors.MdlibError: mdlib speaks en and zh; set_language('fr') is not one of them
"""

from __future__ import annotations

import gettext
import io
import warnings
from pathlib import Path

from .errors import MdlibError

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "mdlib"
#: The languages mdlib speaks, with the gettext locale of each catalog (None: the source text).
LANGUAGES = {"en": None, "zh": "zh_CN"}
_ALIASES = {"zh-cn": "zh", "zh_cn": "zh", "zh-hans": "zh", "cn": "zh", "en-us": "en",
            "en_us": "en", "en-gb": "en", "en_gb": "en"}
#: Fonts with the CJK glyphs; the first one installed is put behind matplotlib's default font
#: (matplotlib falls back glyph by glyph along ``font.family``).
CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans SC", "Source Han Sans SC",
             "WenQuanYi Zen Hei", "Microsoft YaHei", "PingFang SC")

# The language is a setting of the whole kernel, as a locale is: a widget callback or a
# later cell must speak the language the notebook chose in its first cell.
_current = {"language": "en", "translation": gettext.NullTranslations()}


def _(message: str) -> str:
    """``message`` in the reader's language (itself in English or when not translated)."""
    return _current["translation"].gettext(message)


def N_(message: str) -> str:  # noqa: N802 — the conventional name of the no-op marker
    """Mark a message for extraction without translating it yet (tables built at import)."""
    return message


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form of a message for ``n``, in the reader's language."""
    return _current["translation"].ngettext(singular, plural, n)


def get_language() -> str:
    """The language mdlib speaks now: ``"en"`` or ``"zh"``."""
    return _current["language"]


def normalise(language: str) -> str:
    """``"zh"`` for ``"zh-CN"``, ``"zh_CN"``, ``"zh-Hans"``…; raises for a language mdlib lacks.

    >>> normalise("zh-CN"), normalise("EN")
    ('zh', 'en')
    """
    key = str(language).strip().lower()
    key = _ALIASES.get(key, key)
    if key not in LANGUAGES:
        raise MdlibError(f"mdlib speaks {' and '.join(LANGUAGES)}; set_language({language!r}) "
                         "is not one of them")
    return key


def catalog_path(language: str, compiled: bool = True) -> Path:
    """Where the catalog of ``language`` lives (``.mo`` compiled, ``.po`` source)."""
    suffix = ".mo" if compiled else ".po"
    return LOCALE_DIR / LANGUAGES[normalise(language)] / "LC_MESSAGES" / f"{DOMAIN}{suffix}"


def load(language: str) -> gettext.NullTranslations:
    """The translations of ``language``: the compiled catalog, or its ``.po`` compiled now."""
    language = normalise(language)
    if LANGUAGES[language] is None:
        return gettext.NullTranslations()
    mo, po = catalog_path(language), catalog_path(language, compiled=False)
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as handle:
            return gettext.GNUTranslations(handle)
    if not po.exists():
        raise MdlibError(f"the {language} message catalog is missing ({po}); reinstall mdlib")
    return gettext.GNUTranslations(io.BytesIO(compile_po(po)))


def compile_po(po: Path) -> bytes:
    """A ``.po`` file compiled to the bytes of a ``.mo`` file, with Babel (fuzzy entries left out)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as handle:
        catalog = read_po(handle)
    out = io.BytesIO()
    write_mo(out, catalog)
    return out.getvalue()


def set_language(language: str) -> None:
    """Speak ``language`` (``"en"`` or ``"zh"``) from now on, in messages and in new figures.

    >>> set_language("zh-CN"); get_language()
    'zh'
    >>> set_language("en"); get_language()
    'en'
    """
    language = normalise(language)
    translation = load(language)
    _current.update(language=language, translation=translation)
    _use_fonts(language)


def _use_fonts(language: str) -> None:
    """Let matplotlib draw Chinese labels: a CJK font behind the default one, glyph by glyph.

    English keeps matplotlib's own settings, so English figures stay as they were.
    """
    try:
        import matplotlib
        from matplotlib import font_manager
    except ImportError:  # no figures without matplotlib
        return
    family = [f for f in matplotlib.rcParams["font.family"] if f not in CJK_FONTS]
    if language == "zh":
        installed = {font.name for font in font_manager.fontManager.ttflist}
        cjk = next((font for font in CJK_FONTS if font in installed), None)
        if cjk is None:
            warnings.warn("no font with Chinese characters is installed, so figures show "
                          "empty boxes for them; install one (Debian: apt-get install "
                          "fonts-noto-cjk)", stacklevel=3)
        else:
            family.append(cjk)
    matplotlib.rcParams["font.family"] = family


__all__ = ["CJK_FONTS", "LANGUAGES", "N_", "_", "get_language", "load", "ngettext",
           "normalise", "set_language"]

"""mdlib speaks English and Chinese: the catalog is complete, exact in its placeholders, and used.

Every message marked in mdlib's source (``_``, ``N_``, ``ngettext``) is extracted here with
Babel, as ``make catalog`` does, and must have a Chinese translation that is not fuzzy and has
the same placeholders (``{name}``) as the English. The checks are shown to fail on a catalog
spoiled in each of those ways. A Chinese figure must draw without a missing glyph.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import matplotlib
import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

import mdlib
from mdlib import i18n

MDLIB = Path(mdlib.__file__).resolve().parent
PO = i18n.catalog_path("zh", compiled=False)
PLACEHOLDER = re.compile(r"\{[^{}]*\}|%\(\w+\)[sdrf]|%[sdrf]")


def extracted() -> dict[str, str]:
    """Every message id in mdlib's source, with where it is (``file:line``)."""
    found: dict[str, str] = {}
    for filename, line, message, _comments, _context in extract_from_dir(
            str(MDLIB), [("**.py", "python")], keywords=DEFAULT_KEYWORDS):
        for text in (message if isinstance(message, tuple) else (message,)):
            if text:
                found.setdefault(text, f"mdlib/{filename}:{line}")
    return found


def placeholders(text: str) -> list[str]:
    """The placeholders of a message, sorted (a translation may move them, not change them).

    >>> placeholders("{name} is {n}×{n}, not {shape!r}")
    ['{name}', '{n}', '{n}', '{shape!r}']
    """
    return sorted(PLACEHOLDER.findall(text.replace("{{", "").replace("}}", "")))


def catalog_problems(messages: dict[str, str], catalog: Catalog) -> list[str]:
    """What keeps ``catalog`` from translating ``messages`` completely and exactly."""
    problems = []
    for msgid, where in sorted(messages.items(), key=lambda item: item[1]):
        entry = catalog.get(msgid)
        if entry is None or not entry.string or (isinstance(entry.string, tuple)
                                                 and not all(entry.string)):
            problems.append(f"untranslated: {msgid!r} ({where})")
        elif entry.fuzzy:
            problems.append(f"fuzzy: {msgid!r} ({where})")
        else:
            strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
            if any(placeholders(s) != placeholders(msgid) for s in strings):
                problems.append(f"placeholders differ: {msgid!r} has {placeholders(msgid)}, "
                                f"the translation {strings[0]!r} has {placeholders(strings[0])}")
    for entry in catalog:
        if entry.id and (entry.id[0] if isinstance(entry.id, tuple) else entry.id) not in messages:
            problems.append(f"no longer in the source: {entry.id!r} (run make catalog)")
    return problems


def _catalog() -> Catalog:
    with PO.open("rb") as handle:
        return read_po(handle)


def test_every_message_has_an_exact_chinese_translation() -> None:
    problems = catalog_problems(extracted(), _catalog())
    assert not problems, f"{len(problems)} problems in {PO.name}:\n" + "\n".join(problems[:40])


def _spoiled() -> tuple[dict[str, str], Catalog]:
    messages = {"{name} is not invertible": "a.py:1", "verified": "a.py:2", "sizes": "a.py:3"}
    catalog = Catalog(locale="zh_CN")
    catalog.add("{name} is not invertible", "{matrix} 不可逆")
    catalog.add("verified", "已验证", flags=("fuzzy",))
    catalog.add("gone", "已删除")
    return messages, catalog


def test_the_catalog_check_fails_on_each_kind_of_fault() -> None:
    assert catalog_problems(*_spoiled()) == [
        "placeholders differ: '{name} is not invertible' has ['{name}'], the translation "
        "'{matrix} 不可逆' has ['{matrix}']",
        "fuzzy: 'verified' (a.py:2)",
        "untranslated: 'sizes' (a.py:3)",
        "no longer in the source: 'gone' (run make catalog)",
    ]


def test_english_is_the_source_text_and_chinese_comes_from_the_catalog() -> None:
    catalog = _catalog()
    sample = next((m for m in catalog if m.id and m.string and not m.fuzzy
                   and isinstance(m.id, str)), None)
    try:
        mdlib.set_language("en")
        if sample is not None:
            assert i18n._(sample.id) == sample.id
        mdlib.set_language("zh")
        assert i18n.get_language() == "zh"
        if sample is not None:
            assert i18n._(sample.id) == sample.string
    finally:
        mdlib.set_language("en")
    assert i18n._("a sentence no catalog has") == "a sentence no catalog has"


def test_the_po_file_compiles_to_the_same_translations() -> None:
    compiled = i18n.load("zh")
    for entry in _catalog():
        if entry.id and isinstance(entry.id, str) and entry.string and not entry.fuzzy:
            assert compiled.gettext(entry.id) == entry.string


def test_a_chinese_figure_draws_every_glyph(monkeypatch, tmp_path) -> None:
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    monkeypatch.setitem(matplotlib.rcParams, "font.family", list(matplotlib.rcParams["font.family"]))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a missing glyph is a warning: make it fail
            mdlib.set_language("zh")
            fig, ax = plt.subplots()
            ax.plot([0.1, 0.01], [1e-2, 1e-4], label="余项 ‖r(h)‖")
            ax.set(xlabel="步长 h", ylabel="余项", title="余项比 h 更快地趋于零 −1")
            ax.legend()
            fig.savefig(tmp_path / "zh.png")
            plt.close(fig)
    finally:
        mdlib.set_language("en")
    assert matplotlib.rcParams["font.family"] == ["sans-serif"]


def test_an_unknown_language_is_refused_clearly() -> None:
    with pytest.raises(mdlib.MdlibError, match="mdlib speaks en and zh"):
        mdlib.set_language("de")

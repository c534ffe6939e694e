"""The Chinese edition mirrors the English one: same cells, same code, current translations.

Each Chinese markdown cell records the hash of the English source it translates, so an English
cell changed without revisiting its translation fails here with both cells named. The sync tool
(``tools/editions.py``) is tested on small notebooks: it keeps every translation it can, and the
check fails on each kind of drift.
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path

import nbformat
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
import editions  # noqa: E402

new_md, new_code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
PAIRS = editions.pairs()


@pytest.mark.parametrize("en_path, zh_path", PAIRS, ids=[p.stem for p, _ in PAIRS])
def test_chinese_notebook_mirrors_the_english_one(en_path: Path, zh_path: Path) -> None:
    assert zh_path.exists(), f"{zh_path.name} has no Chinese edition: python tools/editions.py sync"
    found = editions.problems(nbformat.read(en_path, 4), nbformat.read(zh_path, 4))
    assert not found, f"notebooks/zh/{zh_path.name}:\n  " + "\n  ".join(found)


def test_no_chinese_notebook_without_an_english_one() -> None:
    english = {p.name for p in editions.ENGLISH.glob("*.ipynb")}
    orphans = sorted(p.name for p in editions.CHINESE.glob("*.ipynb") if p.name not in english)
    assert not orphans, f"Chinese notebooks without an English original: {orphans}"


def test_a_changed_english_cell_of_a_real_chapter_fails_with_the_cell_named() -> None:
    en_path, zh_path = PAIRS[1]
    en, zh = nbformat.read(en_path, 4), nbformat.read(zh_path, 4)
    k = next(i for i, c in enumerate(en.cells) if c.cell_type == "markdown" and i > 0)
    en.cells[k].source += "\nOne more English sentence."
    assert editions.problems(en, zh) == [
        f"cell {k + 1}: translates an older version of English cell {k} "
        f"({editions._first_line(en.cells[k].source)}): revisit it"]


def _pair() -> tuple[nbformat.NotebookNode, nbformat.NotebookNode]:
    """A small English notebook and its complete Chinese edition."""
    code = new_code("plot()")
    code.metadata.update({"tags": ["src:M5"], "alt": "A line of slope 2."})
    en = nbformat.v4.new_notebook(cells=[new_md("# The rules"), code, new_md("Prose with $x$.")])
    zh = editions.synced(en, None, "03_x.ipynb")
    editions.set_translation(zh, en, 1, "# 法则")
    editions.set_translation(zh, en, 2, alt="斜率为 2 的直线。")
    editions.set_translation(zh, en, 3, "含有 $x$ 的正文。")
    return en, zh


def test_a_complete_translation_has_no_problems() -> None:
    en, zh = _pair()
    assert editions.problems(en, zh) == []
    assert zh.cells[0].source == editions.LANGUAGE_SOURCE
    assert zh.metadata["mdlib_edition"]["language"] == "zh-CN"


@pytest.mark.parametrize("spoil, expected", [
    (lambda en, zh: setattr(en.cells[0], "source", "# Rules"),
     "cell 1: translates an older version of English cell 0 (# Rules): revisit it"),
    (lambda en, zh: setattr(zh.cells[2], "source", "plot(1)"),
     "cell 2: code differs from English cell 1 (plot()): the editions share their code"),
    (lambda en, zh: zh.cells[2].metadata.update(tags=[]),
     "cell 2: tags [] differ from English cell 1 (plot())'s ['src:M5']"),
    (lambda en, zh: en.cells[1].metadata.update(alt="A line of slope 3."),
     "cell 2: the alt text does not translate the current English alt of English cell 1 "
     "(plot())"),
    (lambda en, zh: setattr(zh.cells[3], "source", "Prose with $x$."),
     "cell 3: has no Chinese text but English cell 2 (Prose with $x$.) has prose"),
    (lambda en, zh: zh.cells[3].metadata.pop("translation_of"),
     "cell 3: untranslated (English cell 2: Prose with $x$.)"),
    (lambda en, zh: en.cells.append(new_md("More.")),
     "3 cells mirror English, which has 4: run python tools/editions.py sync"),
    (lambda en, zh: zh.cells.pop(0),
     "cell 0: the first cell must be the language cell ('import mdlib\\n\\nmdlib.set_language"
     "(\"zh\")', tag edition-language)"),
])
def test_each_kind_of_drift_is_named(spoil, expected: str) -> None:
    en, zh = _pair()
    spoil(en, zh)
    assert expected in editions.problems(en, zh)


def test_sync_keeps_translations_across_inserted_and_changed_cells() -> None:
    en, zh = _pair()
    zh.cells[2].outputs = [nbformat.v4.new_output("stream", text="kept\n")]
    changed = copy.deepcopy(en)
    changed.cells.insert(1, new_md("A new paragraph."))
    changed.cells[3].source = "Prose with $y$."
    history = {editions.digest(c.source): c.source for c in en.cells if c.cell_type == "markdown"}
    out = editions.synced(changed, zh, "03_x.ipynb", history)
    assert [c.source for c in out.cells] == [
        editions.LANGUAGE_SOURCE, "# 法则", "A new paragraph.", "plot()", "含有 $x$ 的正文。"]
    assert out.cells[3].outputs[0]["text"] == "kept\n"  # the code did not change
    assert out.cells[3].metadata["alt"] == "斜率为 2 的直线。"
    assert editions.problems(changed, out) == [
        "cell 2: untranslated (English cell 1: A new paragraph.)",
        "cell 4: translates an older version of English cell 3 (Prose with $y$.): revisit it",
    ]


def test_sync_copies_changed_code_and_drops_its_old_outputs() -> None:
    en, zh = _pair()
    zh.cells[2].outputs = [nbformat.v4.new_output("stream", text="old\n")]
    en.cells[1].source = "plot(2)"
    out = editions.synced(en, zh, "03_x.ipynb")
    assert out.cells[2].source == "plot(2)" and out.cells[2].outputs == []
    assert editions.problems(en, out) == []

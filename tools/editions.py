"""Keep the Chinese edition (``notebooks/zh/``) in step with the English one, cell by cell.

The two editions share their code: every code cell of a Chinese notebook is the English cell,
character for character, with the same tags. What is translated is the prose: each Chinese
markdown cell records, in its metadata, a short hash of the English source it translates
(``"translation_of"``), and a figure's Chinese alt text records the hash of the English alt
(``"alt_translation_of"``). When an English cell changes, its hash changes, and the test
``tests/test_editions.py`` names the Chinese cell that must be revisited. A Chinese notebook
starts with one extra code cell, tagged ``edition-language``, that switches ``mdlib`` to Chinese.

Commands (run from the repository root)::

    python tools/editions.py status            # what is missing, stale or untranslated
    python tools/editions.py sync [NN_name]    # create or update the Chinese skeletons
    python tools/editions.py diff [NN_name]    # what changed in English since each translation

``sync`` never loses a translation: a cell whose English source is unchanged keeps its text;
a cell whose English source changed keeps its old text as a draft (its hash no longer matches,
so ``status`` and the test report it); a new English cell is copied in English, marked
untranslated. Code cells are copied from English; their stored outputs are kept where the code
did not change (run ``make execute NB=notebooks/zh/…`` afterwards to refresh them).

A translator sets a cell's text and its hash with :func:`set_translation`:

>>> en = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Title")])
>>> zh = synced(en, None)
>>> problems(en, zh)
['cell 1: untranslated (English cell 0: # Title)']
>>> set_translation(zh, en, 1, "# 标题")
>>> problems(en, zh)
[]
>>> en.cells[0].source = "# A new title"
>>> problems(en, zh)
['cell 1: translates an older version of English cell 0 (# A new title): revisit it']
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[1]
ENGLISH = REPO / "notebooks"
CHINESE = ENGLISH / "zh"
LANGUAGE_TAG = "edition-language"
LANGUAGE_SOURCE = 'import mdlib\n\nmdlib.set_language("zh")'
#: Notebook metadata of the Chinese edition (the book reads ``language`` for ``lang``).
EDITION = {"language": "zh-CN", "translation_of": "notebooks/{name}"}
_CJK = re.compile(r"[\u3400-\u9fff]")
_WORDS = re.compile(r"[A-Za-z]{3,}")
#: How alike an old English cell must be to a new one for its translation to be kept as a draft.
_SIMILAR = 0.4


def digest(value: object) -> str:
    """A short, stable hash of an English source (text) or alt text (a string or a list).

    >>> digest("# Title") == digest("# Title") != digest("# Title ")
    True
    """
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def language_cell() -> nbformat.NotebookNode:
    """The first cell of a Chinese notebook: mdlib speaks Chinese from here on."""
    cell = nbformat.v4.new_code_cell(LANGUAGE_SOURCE)
    cell.metadata["tags"] = [LANGUAGE_TAG]
    return cell


def _key(cell: nbformat.NotebookNode, english: bool) -> tuple:
    """What identifies a cell across editions: its kind and the English it stands for."""
    if cell.cell_type == "markdown":
        return ("markdown", digest(cell.source) if english else cell.metadata.get("translation_of"))
    return (cell.cell_type, cell.source)


def _body(zh: nbformat.NotebookNode | None) -> list:
    """The Chinese cells that mirror English cells (the language cell left out)."""
    if zh is None:
        return []
    cells = list(zh.cells)
    if cells and LANGUAGE_TAG in cells[0].metadata.get("tags", []):
        cells = cells[1:]
    return cells


def _mirror(en_cell, old: nbformat.NotebookNode | None) -> nbformat.NotebookNode:
    """The Chinese cell for one English cell, reusing ``old`` (its earlier translation)."""
    if en_cell.cell_type == "markdown":
        if old is not None and old.cell_type == "markdown":
            cell = copy.deepcopy(old)
        else:  # not yet translated: the English text, no hash
            cell = nbformat.v4.new_markdown_cell(en_cell.source)
        for key in ("tags",):
            if key in en_cell.metadata:
                cell.metadata[key] = list(en_cell.metadata[key])
            else:
                cell.metadata.pop(key, None)
        return cell
    cell = copy.deepcopy(en_cell)
    if old is not None and old.cell_type == en_cell.cell_type:
        if "alt" in en_cell.metadata and "alt" in old.metadata:
            cell.metadata["alt"] = old.metadata["alt"]
            if "alt_translation_of" in old.metadata:
                cell.metadata["alt_translation_of"] = old.metadata["alt_translation_of"]
        if en_cell.cell_type == "code" and old.source == en_cell.source:
            cell.outputs = old.outputs
            cell.execution_count = old.execution_count
    return cell


def english_history(path: Path) -> dict[str, str]:
    """Every version of an English notebook's markdown cells in git: hash → source.

    A Chinese cell records only the hash of the English it translates; the history gives that
    English back, to pair a changed cell with its old translation and to show what changed.
    """
    try:
        relative = path.resolve().relative_to(REPO)
        commits = subprocess.run(["git", "log", "--format=%H", "--", str(relative)], cwd=REPO,
                                 capture_output=True, text=True, check=True).stdout.split()
    except (ValueError, OSError, subprocess.CalledProcessError):
        return {}
    versions: dict[str, str] = {}
    for commit in commits:
        shown = subprocess.run(["git", "show", f"{commit}:{relative}"], cwd=REPO,
                               capture_output=True, text=True)
        if shown.returncode:
            continue
        for cell in nbformat.reads(shown.stdout, as_version=4).cells:
            if cell.cell_type == "markdown":
                versions.setdefault(digest(cell.source), cell.source)
    return versions


def _similarity(old: nbformat.NotebookNode, new: nbformat.NotebookNode,
                history: dict[str, str]) -> float:
    """How alike the English behind ``old`` (a Chinese cell) and the English cell ``new`` are."""
    if old.cell_type != new.cell_type:
        return 0.0
    before = (history.get(old.metadata.get("translation_of"), "") if old.cell_type == "markdown"
              else old.source)
    return difflib.SequenceMatcher(a=before, b=new.source, autojunk=False).ratio()


def synced(en: nbformat.NotebookNode, zh: nbformat.NotebookNode | None,
           name: str = "", history: dict[str, str] | None = None) -> nbformat.NotebookNode:
    """The Chinese notebook for ``en``: ``zh``'s translations kept, its cells in English order.

    Cells are matched by what they stand for (a markdown cell by the hash it records, a code
    cell by its source). Where English cells changed, each inherits, in order, the Chinese cell
    whose English (``history``: hash → old English source) is most like it, as a draft.
    """
    old = _body(zh)
    history = history or {}
    matcher = difflib.SequenceMatcher(a=[_key(c, False) for c in old],
                                      b=[_key(c, True) for c in en.cells], autojunk=False)
    partner: dict[int, nbformat.NotebookNode] = {}
    for tag, a0, a1, b0, b1 in matcher.get_opcodes():
        if tag == "equal":
            partner.update({b0 + k: old[a0 + k] for k in range(b1 - b0)})
        elif tag == "replace":
            start = a0
            for j in range(b0, b1):
                scores = [(_similarity(old[i], en.cells[j], history), i) for i in range(start, a1)]
                best, i = max(scores, default=(0.0, None))
                if best >= _SIMILAR and i is not None:
                    partner[j], start = old[i], i + 1
    out = copy.deepcopy(zh) if zh is not None else nbformat.v4.new_notebook()
    out.metadata = copy.deepcopy(en.metadata)
    out.metadata["mdlib_edition"] = {**EDITION, "translation_of": EDITION["translation_of"].format(
        name=name or "?")}
    kept = zh is not None and len(_body(zh)) < len(zh.cells)  # it has its language cell
    head = [copy.deepcopy(zh.cells[0])] if kept else [language_cell()]
    out.cells = head + [_mirror(c, partner.get(k)) for k, c in enumerate(en.cells)]
    return out


def set_translation(zh: nbformat.NotebookNode, en: nbformat.NotebookNode, index: int,
                    text: str | None = None, alt: object | None = None) -> None:
    """Record that Chinese cell ``index`` translates its English cell as it is now.

    ``text`` replaces a markdown cell's source; ``alt`` a code cell's alt text. Without either,
    the current Chinese text is confirmed as a translation of the current English.
    """
    en_cell = en.cells[index - 1]
    cell = zh.cells[index]
    if cell.cell_type == "markdown":
        if text is not None:
            cell.source = text
        cell.metadata["translation_of"] = digest(en_cell.source)
    if alt is not None or ("alt" in en_cell.metadata and cell.cell_type == "code"):
        if alt is not None:
            cell.metadata["alt"] = alt
        cell.metadata["alt_translation_of"] = digest(en_cell.metadata["alt"])


def _first_line(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= 60 else line[:57] + "…"


def _needs_chinese(english: str) -> bool:
    """Whether an English text has words to translate (not only formulas or code)."""
    prose = re.sub(r"\$\$.*?\$\$|\$[^$]*\$|`[^`]*`|<[^>]+>", " ", english, flags=re.DOTALL)
    return bool(_WORDS.search(prose))


def problems(en: nbformat.NotebookNode, zh: nbformat.NotebookNode) -> list[str]:
    """Everything that keeps ``zh`` from being a complete, current translation of ``en``.

    Each problem names the Chinese cell (counted from 0, the language cell included) and the
    English cell it mirrors.
    """
    out: list[str] = []
    if not zh.cells or LANGUAGE_TAG not in zh.cells[0].metadata.get("tags", []) \
            or zh.cells[0].source != LANGUAGE_SOURCE:
        out.append(f"cell 0: the first cell must be the language cell ({LANGUAGE_SOURCE!r}, "
                   f"tag {LANGUAGE_TAG})")
    body = _body(zh)
    if len(body) != len(en.cells):
        out.append(f"{len(body)} cells mirror English, which has {len(en.cells)}: run "
                   "python tools/editions.py sync")
    for k, (e, z) in enumerate(zip(en.cells, body, strict=False)):
        where, first = f"cell {k + 1}", _first_line(e.source)
        english = f"English cell {k} ({first})"
        if e.cell_type != z.cell_type:
            out.append(f"{where}: is {z.cell_type}, {english} is {e.cell_type}")
            continue
        if e.metadata.get("tags", []) != z.metadata.get("tags", []):
            out.append(f"{where}: tags {z.metadata.get('tags', [])} differ from {english}'s "
                       f"{e.metadata.get('tags', [])}")
        if e.cell_type == "markdown":
            recorded = z.metadata.get("translation_of")
            if recorded is None:
                out.append(f"{where}: untranslated (English cell {k}: {first})")
            elif recorded != digest(e.source):
                out.append(f"{where}: translates an older version of {english}: revisit it")
            elif _needs_chinese(e.source) and not _CJK.search(z.source):
                out.append(f"{where}: has no Chinese text but {english} has prose")
            continue
        if e.source != z.source:
            out.append(f"{where}: code differs from {english}: the editions share their code")
        if "alt" in e.metadata:
            if z.metadata.get("alt_translation_of") != digest(e.metadata["alt"]):
                out.append(f"{where}: the alt text does not translate the current English alt "
                           f"of {english}")
            elif not _CJK.search(json.dumps(z.metadata.get("alt", ""), ensure_ascii=False)):
                out.append(f"{where}: the alt text is not in Chinese")
    return out


def pairs(names: list[str] | None = None) -> list[tuple[Path, Path]]:
    """(English, Chinese) notebook paths, all chapters or those whose names start as given."""
    english = sorted(ENGLISH.glob("*.ipynb"))
    if names:
        english = [p for p in english if any(p.name.startswith(n) for n in names)]
    return [(p, CHINESE / p.name) for p in english]


def _read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def changes(en: nbformat.NotebookNode, zh: nbformat.NotebookNode,
            history: dict[str, str]) -> list[str]:
    """For each Chinese cell that translates an older English text: what changed in English."""
    out = []
    for k, (e, z) in enumerate(zip(en.cells, _body(zh), strict=False)):
        recorded = z.metadata.get("translation_of")
        if e.cell_type != "markdown" or recorded in (None, digest(e.source)):
            continue
        before = history.get(recorded)
        if before is None:
            out.append(f"cell {k + 1}: the English it translated is not in git's history")
            continue
        diff = difflib.unified_diff(before.splitlines(), e.source.splitlines(), "before", "now",
                                    lineterm="", n=1)
        out.append(f"cell {k + 1} (English cell {k}):\n" + "\n".join(list(diff)[2:]))
    return out


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("status", "sync", "diff"):
        print(__doc__.split("Commands")[1].split("``sync``")[0].strip())
        return 2
    command, names = argv[0], argv[1:]
    bad = 0
    for en_path, zh_path in pairs(names):
        en = _read(en_path)
        zh = _read(zh_path) if zh_path.exists() else None
        history = english_history(en_path) if command != "status" else {}
        if command == "sync":
            zh_path.parent.mkdir(exist_ok=True)
            zh = synced(en, zh, en_path.name, history)
            nbformat.write(zh, zh_path)
        if command == "diff" and zh is not None:
            for change in changes(en, zh, history):
                print(f"{zh_path.relative_to(REPO)} {change}\n")
            continue
        found = problems(en, zh) if zh is not None else ["missing: run sync"]
        bad += bool(found)
        print(f"{zh_path.relative_to(REPO)}: {'ok' if not found else f'{len(found)} to do'}")
        for line in found:
            print(f"  {line}")
    return 1 if bad and command == "status" else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Static checks on the stored notebooks, plus curriculum coverage and lock consistency.

nbval re-runs every notebook and compares outputs; these tests check what nbval does not:
that the stored file is clean enough to publish (executed in order, no errors, no stderr, no
machine-specific paths or memory addresses) and that it follows the course layout (a titled
first cell, a "Sources" section, curriculum tags).

Both editions are checked: the English notebooks in ``notebooks/`` and the Chinese ones in
``notebooks/zh/`` (same file names; a first code cell ``mdlib.set_language("zh")`` tagged
``edition-language``; "参考资料" for the Sources heading). What an edition must say in its own
language is read from mdlib's message catalog where mdlib says it (an exercise's verdicts),
so the checks do not hard-code a phrase of either language. Curriculum tags are counted in the
English edition only (the Chinese one carries the same tags, which the sync test ensures).

The notebook list is discovered at collection time, so a new notebook is covered at once.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

try:
    import tomllib
except ImportError:  # Python 3.10: the lock test skips rather than pull in another package.
    tomllib = None

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = REPO / "notebooks"
#: The editions: the English notebooks, and the Chinese ones beside them (same file names).
EDITION_DIRS = {"en": NOTEBOOK_DIR, "zh": NOTEBOOK_DIR / "zh"}
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
ZH_NOTEBOOKS = sorted(EDITION_DIRS["zh"].glob("*.ipynb"))
ALL_NOTEBOOKS = NOTEBOOKS + ZH_NOTEBOOKS
CURRICULUM = REPO.parent / "shared" / "curriculum.md"
LOCK = REPO / "binder" / "requirements.txt"
PYPROJECT = REPO / "pyproject.toml"

# Machine-specific text that must never be stored in a published output.
# (A Windows drive must be followed by a path-like part, so LaTeX such as "f:\\mathbb" passes.)
ABSOLUTE_PATH = re.compile(r"(/root/|/tmp/|/home/|\b[A-Za-z]:\\(?:\\|Users|Windows|Program|Temp))")
MEMORY_ADDRESS = re.compile(r"\b0x[0-9a-fA-F]{6,}\b")
# Inline base64 (e.g. <img src="data:image/png;base64,...">) is dropped before scanning: its
# alphabet holds "/" and hex digits, so it could fake a path or an address.
DATA_URI = re.compile(r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=]+")
# Output mime types that hold text a reader sees (images are skipped: base64 is noise).
TEXT_MIME = ("text/plain", "text/html", "text/markdown", "text/latex", "application/json")

# The cell that sets a notebook's language, and the heading of its sources in each language.
EDITION_TAG = "edition-language"
SET_LANGUAGE = re.compile(r"set_language\(\s*[\'\"]([\w-]+)[\'\"]\s*\)")
SOURCES_HEADING = {"en": "Sources", "zh": "参考资料"}

# Internal labels a reader cannot look up: cite the sources by author and title instead.
# (Only markdown is scanned; the `src:<id>` tags in cell metadata stay.)
INTERNAL_LABEL = re.compile(
    r"\bseed\s+0\d*\b|\bthe\s+curriculum\b|\bcurriculum\s+(?:ids?|map)\b", re.IGNORECASE
)

# Chinese text (CJK ideographs and punctuation) and the markup that tells readers and screen
# readers its language.
CJK_TEXT = re.compile("[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]+")
ZH_SPAN = re.compile(r'<span lang="zh">[^<]*</span>')

# Curriculum parts whose ids every notebook set must cover (H: second order, chapter 8).
COVERED_PARTS = ("S", "V", "M", "T", "C", "E", "H")
CURRICULUM_ID = re.compile(r"^-\s+([A-Z]\d*)\s")


def _params(paths: list[Path]) -> list:
    if not paths:
        return [pytest.param(None, marks=pytest.mark.skip(reason="no notebooks/*.ipynb yet"))]
    return [pytest.param(path, id=_name(path)) for path in paths]


def _name(path: Path) -> str:
    """``00_start.ipynb`` for the English edition, ``zh/00_start.ipynb`` for the Chinese one."""
    return path.relative_to(NOTEBOOK_DIR).as_posix()


def edition_language(nb: nbformat.NotebookNode) -> str:
    """The language a notebook's ``edition-language`` cell sets; English without one.

    >>> v4 = nbformat.v4
    >>> cell = v4.new_code_cell('import mdlib\\nmdlib.set_language("zh")', metadata={"tags": [EDITION_TAG]})
    >>> edition_language(v4.new_notebook(cells=[cell])), edition_language(v4.new_notebook())
    ('zh', 'en')
    """
    from mdlib.i18n import normalise

    for cell in nb.cells:
        if cell.cell_type == "code" and EDITION_TAG in cell.get("metadata", {}).get("tags", []):
            match = SET_LANGUAGE.search(cell.source)
            if match:
                return normalise(match.group(1))
    return "en"


def speaking(language: str, say):
    """What ``say()`` returns while mdlib speaks ``language`` (then English again)."""
    from mdlib.i18n import get_language, set_language

    before = get_language()
    set_language(language)
    try:
        return say()
    finally:
        set_language(before)


def _read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def _output_texts(output: dict) -> list[str]:
    """Every piece of reader-visible text in one stored output."""
    texts: list[str] = []
    if output.get("output_type") == "stream":
        texts.append(_joined(output.get("text", "")))
    for mime, value in output.get("data", {}).items():
        if mime in TEXT_MIME or mime.startswith("text/"):
            texts.append(_joined(value) if not isinstance(value, dict) else str(value))
    return texts


def _joined(value: str | list[str]) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _code_cells(nb: nbformat.NotebookNode) -> list:
    return [cell for cell in nb.cells if cell.cell_type == "code"]


def execution_problems(nb: nbformat.NotebookNode) -> list[str]:
    """Code cells not executed exactly once each, top to bottom, in a fresh kernel."""
    counts = [cell.execution_count for cell in _code_cells(nb)]
    if not counts:
        return ["no code cells"]
    expected = list(range(1, len(counts) + 1))
    if counts != expected:
        return [f"execution counts {counts} should be {expected}; "
                "re-run the notebook top to bottom in a fresh kernel"]
    return []


def error_problems(nb: nbformat.NotebookNode) -> list[str]:
    """Stored error outputs and stderr streams."""
    problems = []
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                problems.append(f"cell {index}: error {output.get('ename')}: {output.get('evalue')}")
            elif output.get("output_type") == "stream" and output.get("name") == "stderr":
                first_line = _joined(output.get("text", "")).strip().splitlines()[:1]
                problems.append(f"cell {index}: stderr {first_line}")
    return problems


def machine_text_problems(nb: nbformat.NotebookNode) -> list[str]:
    """Absolute paths and memory addresses in stored outputs."""
    problems = []
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            for text in (DATA_URI.sub("data:…", raw) for raw in _output_texts(output)):
                for pattern, what in ((ABSOLUTE_PATH, "absolute path"),
                                      (MEMORY_ADDRESS, "memory address")):
                    match = pattern.search(text)
                    if match:
                        start = max(match.start() - 30, 0)
                        problems.append(f"cell {index}: {what} in …{text[start:match.end() + 30]!r}")
    return problems


def timing_problems(nb: nbformat.NotebookNode) -> list[str]:
    """Execution timestamps in cell metadata: they change on every run and teach nothing."""
    return [f"cell {index}: execution timestamps in its metadata (strip metadata.execution)"
            for index, cell in enumerate(nb.cells) if "execution" in cell.get("metadata", {})]


def layout_problems(nb: nbformat.NotebookNode) -> list[str]:
    """A titled markdown first cell and a 'Sources' heading ("参考资料" in Chinese) somewhere.

    The cell that sets the edition's language (tagged ``edition-language``) may come first.
    """
    problems = []
    cells = [cell for cell in nb.cells
             if EDITION_TAG not in cell.get("metadata", {}).get("tags", [])]
    first = cells[0] if cells else None
    if first is None or first.cell_type != "markdown":
        problems.append("the first cell should be markdown")
    elif not re.search(r"^#\s+\S", first.source, flags=re.MULTILINE):
        problems.append("the first cell should open with a '# Title' heading")
    heading = SOURCES_HEADING[edition_language(nb)]
    markdown = [cell.source for cell in nb.cells if cell.cell_type == "markdown"]
    if not any(re.search(rf"^#{{1,6}}\s+{heading}(?!\w)", text, flags=re.MULTILINE)
               for text in markdown):
        problems.append(f"add a markdown heading '{heading}' citing the sources by author and title")
    return problems


def internal_label_problems(nb: nbformat.NotebookNode) -> list[str]:
    """Internal labels ("seed 000", "the curriculum", "curriculum id") in reader-facing text.

    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("as [seed 001] says")])
    >>> internal_label_problems(nb)
    ["cell 0: internal label 'seed 001': cite the source by author and title"]
    """
    return [f"cell {index}: internal label {match.group(0)!r}: cite the source by author and title"
            for index, cell in enumerate(nb.cells) if cell.cell_type == "markdown"
            for match in INTERNAL_LABEL.finditer(cell.source)]


def solved_verdict_openings(language: str) -> tuple[str, ...]:
    """How a solved exercise's verdict opens in ``language``, as mdlib writes it (Markdown and
    plain text), read from the catalog: ``"✅ **exercise "`` and ``"✅ exercise "`` in English.

    >>> solved_verdict_openings("en")
    ('✅ **exercise ', '✅ exercise ')
    """
    from mdlib.exercises import ExerciseResult

    solved = ExerciseResult("ID", True, "")
    return speaking(language, lambda: tuple(
        text.split("ID")[0] for text in (solved._repr_markdown_(), repr(solved))))


def solved_exercise_problems(nb: nbformat.NotebookNode) -> list[str]:
    """Stored outputs that show an exercise as solved (✅): they give the answer away.

    >>> ok = nbformat.v4.new_output("display_data", data={"text/markdown": "✏️ **exercise 1.2**: not answered yet"})
    >>> solved = nbformat.v4.new_output("display_data", data={"text/markdown": "✅ **exercise 1.2**: correct"})
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("", outputs=[ok, solved])])
    >>> solved_exercise_problems(nb)
    ['cell 0: a stored ✅ of a solved exercise (store the scaffold, not the answer): ✅ **exercise 1.2**: correct']
    """
    openings = solved_verdict_openings(edition_language(nb))
    return [f"cell {index}: a stored ✅ of a solved exercise (store the scaffold, not the answer): "
            f"{text.strip()[:80]}"
            for index, cell in enumerate(nb.cells)
            for output in cell.get("outputs", [])
            for text in _output_texts(output) if any(opening in text for opening in openings)]


def unmarked_chinese_problems(nb: nbformat.NotebookNode) -> list[str]:
    """Chinese text in English markdown outside ``<span lang="zh">…</span>`` (read aloud in the
    wrong voice). The Chinese edition is Chinese throughout: nothing to mark there.

    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(
    ...     '<span lang="zh">迹</span> is the trace; 迹技巧 the trace trick')])
    >>> print(*unmarked_chinese_problems(nb))
    cell 0: Chinese text '迹技巧' not marked: write <span lang="zh">迹技巧</span>
    """
    if edition_language(nb) != "en":
        return []
    return [f'cell {index}: Chinese text {run!r} not marked: write <span lang="zh">{run}</span>'
            for index, cell in enumerate(nb.cells) if cell.cell_type == "markdown"
            for run in CJK_TEXT.findall(ZH_SPAN.sub("", cell.source))]


@pytest.mark.parametrize("path", _params(ALL_NOTEBOOKS))
def test_notebook_is_valid_nbformat(path: Path) -> None:
    nbformat.validate(_read(path))  # raises ValidationError naming the offending field


@pytest.mark.parametrize("check", [execution_problems, error_problems, machine_text_problems,
                                   timing_problems, layout_problems, internal_label_problems,
                                   solved_exercise_problems, unmarked_chinese_problems],
                         ids=lambda check: check.__name__)
@pytest.mark.parametrize("path", _params(ALL_NOTEBOOKS))
def test_notebook_is_clean(path: Path, check) -> None:
    problems = check(_read(path))
    assert not problems, f"{_name(path)}:\n" + "\n".join(problems)


@pytest.mark.parametrize("language", [language for language in EDITION_DIRS if language != "en"])
def test_each_edition_speaks_its_language(language: str) -> None:
    """A notebook of the Chinese edition sets its language in a tagged first code cell, before
    any other code runs, and has an English original of the same name."""
    paths = sorted(EDITION_DIRS[language].glob("*.ipynb"))
    if not paths:
        pytest.skip(f"no {language} edition yet (notebooks/{language}/*.ipynb)")
    problems = []
    for path in paths:
        nb = _read(path)
        code = _code_cells(nb)
        if not code or EDITION_TAG not in code[0].get("metadata", {}).get("tags", []):
            problems.append(f"{_name(path)}: the first code cell must be tagged '{EDITION_TAG}'")
        elif edition_language(nb) != language:
            problems.append(f"{_name(path)}: its '{EDITION_TAG}' cell must call "
                            f"mdlib.set_language({language!r})")
        if not (NOTEBOOK_DIR / path.name).is_file():
            problems.append(f"{_name(path)}: no English notebook notebooks/{path.name}")
    assert not problems, "\n".join(problems)


def test_the_checks_catch_a_broken_notebook() -> None:
    """Each check must be able to fail: feed it a notebook with every defect."""
    v4 = nbformat.v4
    broken = v4.new_notebook(cells=[
        v4.new_code_cell("1/0", execution_count=2, outputs=[
            v4.new_output("error", ename="ZeroDivisionError", evalue="division by zero",
                          traceback=[]),
        ]),
        v4.new_code_cell("print(f)", execution_count=1, outputs=[
            v4.new_output("stream", name="stderr", text="Warning: deprecated\n"),
            v4.new_output("stream", name="stdout", text="<function f at 0x7f3a2b1c40>\n"),
            v4.new_output("execute_result", data={"text/plain": "'/root/course/data.npy'"},
                          execution_count=1),
        ]),
        v4.new_markdown_cell("no title, no sources, as [seed 000] and the curriculum say"),
        v4.new_code_cell("check('1.2', answer)", execution_count=3, outputs=[
            v4.new_output("display_data", data={"text/markdown": "✅ **exercise 1.2**: correct"}),
        ]),
        v4.new_markdown_cell("the trace trick, 迹技巧"),
    ])
    chinese = v4.new_notebook(cells=[
        v4.new_code_cell('import mdlib\nmdlib.set_language("zh")', execution_count=1,
                         metadata={"tags": [EDITION_TAG]}),
        v4.new_markdown_cell("# 标题\n\n## Sources\n\n迹技巧不必标注"),
        v4.new_code_cell("check('1.2', answer)", execution_count=2, outputs=[
            v4.new_output("display_data", data={"text/markdown": "✅ **练习 1.2**：正确"}),
        ]),
    ])
    assert layout_problems(chinese) == [
        "add a markdown heading '参考资料' citing the sources by author and title"]
    assert len(solved_exercise_problems(chinese)) == 1
    assert not unmarked_chinese_problems(chinese)
    broken.cells[0].metadata["execution"] = {"iopub.status.busy": "2026-11-23T10:28:37.698451Z"}
    assert execution_problems(broken)
    assert len(error_problems(broken)) == 2
    assert len(machine_text_problems(broken)) == 2
    assert len(layout_problems(broken)) == 2
    assert len(timing_problems(broken)) == 1
    assert len(internal_label_problems(broken)) == 2
    assert len(solved_exercise_problems(broken)) == 1
    assert len(unmarked_chinese_problems(broken)) == 1
    clean = v4.new_notebook(cells=[
        v4.new_markdown_cell("# Title\n\nWe write $f:\\mathbb{R}^n \\to \\mathbb{R}$."),
        v4.new_code_cell("1 + 1", execution_count=1, outputs=[
            v4.new_output("execute_result", data={
                "text/plain": "2",
                "text/html": '<img src="data:image/png;base64,AA/tmp/0x12ab34cdZZ==">',
            }, execution_count=1),
        ]),
        v4.new_markdown_cell('## Sources\n\n<span lang="zh">长躯鬼侠</span>, "<span lang="zh">矩阵求导术</span>" (Zhihu)'),
        v4.new_code_cell("check('1.2', answer)", execution_count=2, outputs=[
            v4.new_output("display_data", data={"text/markdown": "✏️ **exercise 1.2**: not answered yet"}),
        ]),
    ])
    clean.cells[0].metadata["tags"] = ["src:L"]   # tags in metadata are not reader-facing text
    assert not (execution_problems(clean) + error_problems(clean) + timing_problems(clean)
                + machine_text_problems(clean) + layout_problems(clean)
                + internal_label_problems(clean) + solved_exercise_problems(clean)
                + unmarked_chinese_problems(clean))
    chinese.cells[1].source = "# 标题\n\n## 参考资料\n\n长躯鬼侠《矩阵求导术》"
    chinese.cells[2].outputs[0].data["text/markdown"] = "✏️ **练习 1.2**：尚未作答"
    assert not (layout_problems(chinese) + solved_exercise_problems(chinese)
                + execution_problems(chinese))


def _chapter_notebook(chapter: str, edition: list[Path]) -> Path:
    matches = [path for path in edition if path.name.startswith(f"{int(chapter):02d}_")]
    assert len(matches) == 1, f"no single notebook for chapter {chapter}: {matches}"
    return matches[0]


def _stored_texts(path: Path) -> str:
    return "\n".join(text for cell in _read(path).cells for output in cell.get("outputs", [])
                     for text in _output_texts(output))


def unanswered_verdict(exercise_id: str, language: str) -> str:
    """The verdict mdlib gives an exercise's untouched scaffold, in ``language`` (Markdown).

    >>> unanswered_verdict("0.1", "en")[:40]
    '✏️ **exercise 0.1**: not answered yet: i'
    """
    from mdlib.exercises import check

    def scaffold(**inputs):
        ...

    return speaking(language, lambda: check(exercise_id, scaffold)._repr_markdown_())


@pytest.mark.parametrize("language", [pytest.param(language, id=language)
                                      for language in EDITION_DIRS])
def test_every_exercise_has_an_unanswered_scaffold_in_its_chapter(language: str) -> None:
    """Each exercise of the bank is offered in its chapter as a cell whose stored verdict is ✏️,
    word for word what mdlib says to an untouched scaffold in the edition's language."""
    from mdlib.exercises import all_exercises

    edition = sorted(EDITION_DIRS[language].glob("*.ipynb"))
    if not edition:
        pytest.skip(f"no {language} edition yet (notebooks/{language}/*.ipynb)")
    missing = []
    for exercise in all_exercises():
        chapter = exercise.id.split(".")[0]
        stored = _stored_texts(_chapter_notebook(chapter, edition))
        if unanswered_verdict(exercise.id, language) not in stored:
            missing.append(exercise.id)
    assert not missing, f"exercises with no stored 'not answered yet' scaffold in their chapter: {missing}"


SCAFFOLD_DEF = re.compile(r"def (\w+)\(([^)]*)\):")
SCAFFOLD_CHECK = re.compile(r"check\(\"(\d+\.\d+)\", (\w+)\)")


def test_every_scaffold_takes_the_inputs_of_its_exercise() -> None:
    """``def answer_4_4(X, A)`` then ``check("4.4", answer_4_4)``: the names are the exercise's inputs."""
    import numpy as np

    from mdlib.exercises import all_exercises, get

    seen, wrong = 0, []
    for path in ALL_NOTEBOOKS:
        for index, cell in enumerate(_read(path).cells):
            signatures = {name: [a.strip() for a in args.split(",") if a.strip()]
                          for name, args in SCAFFOLD_DEF.findall(cell.source)}
            for exercise_id, name in SCAFFOLD_CHECK.findall(cell.source):
                if name not in signatures:
                    continue
                seen += 1
                inputs = list(get(exercise_id).make_inputs(np.random.default_rng(0)))
                if signatures[name] != inputs:
                    wrong.append(f"{_name(path)} cell {index}: {name}({', '.join(signatures[name])}) "
                                 f"for exercise {exercise_id}, whose inputs are {', '.join(inputs)}")
    # every exercise has a scaffold in each edition, and the start page's example in the prose
    # is checked too
    editions = 1 + bool(ZH_NOTEBOOKS)
    assert seen > editions * len(all_exercises()) and not wrong, (
        "\n".join(wrong) or f"only {seen} scaffolds found")


#: A right derivation for every vec step checker a chapter shows, one line per step.
VEC_DERIVATIONS = {
    "inv(X)": ["-vec(inv(X)*dX*inv(X))", "-kron(inv(X).T, inv(X))*vec(dX)"],
}


def _vec_checkers() -> list[tuple[str, str, str]]:
    calls = []
    for path in ALL_NOTEBOOKS:
        for cell in _read(path).cells:
            match = re.search(r'StepChecker\("([^"]+)", "([^"]+)", "([^"]+)", vec=True\)', cell.source)
            if cell.cell_type == "code" and match and match.groups() not in calls:
                calls.append(match.groups())
    return calls


def test_every_vec_step_checker_accepts_a_right_derivation_and_catches_a_slip() -> None:
    from mdlib.widgets import StepChecker

    calls = _vec_checkers()
    assert calls, "chapter 8 offers no StepChecker(..., vec=True)"
    for f, X, shapes in calls:
        checker = StepChecker(f, X, shapes, vec=True)
        assert checker.textarea.value == "" and not checker.report.lines
        lines = VEC_DERIVATIONS[f]
        checker.set_lines("\n".join(lines))
        assert checker.report.ok, checker.report
        checker.set_lines("\n".join([*lines[:-1], lines[-1].replace(".T", "", 1)]))
        assert not checker.report.ok and checker.report.first_wrong == len(lines)


def curriculum_ids(text: str) -> list[str]:
    """The ids listed in the curriculum parts that notebooks must cover.

    >>> curriculum_ids("## Part S: x\\n- S1 a\\n- S2 b\\n## Part Q: y\\n- Q1 c\\n## Part T\\n- L d")
    ['S1', 'S2', 'L']
    """
    ids: list[str] = []
    part = None
    for line in text.splitlines():
        heading = re.match(r"^##\s+Part\s+([A-Z])\b", line)
        if heading:
            part = heading.group(1)
            continue
        match = CURRICULUM_ID.match(line)
        if part in COVERED_PARTS and match:
            ids.append(match.group(1))
    return ids


def test_curriculum_ids_parse_to_the_expected_set() -> None:
    if not CURRICULUM.is_file():
        pytest.skip(f"curriculum map not found at {CURRICULUM} (shared/ sits beside the clone in CI)")
    expected = (
        [f"S{i}" for i in range(1, 3)] + [f"V{i}" for i in range(1, 7)]
        + [f"M{i}" for i in range(0, 9)] + ["L"] + [f"T{i}" for i in range(1, 6)] + ["P"]
        + [f"C{i}" for i in range(1, 3)] + [f"E{i}" for i in range(1, 8)]
        + [f"H{i}" for i in range(1, 7)]
    )
    assert sorted(curriculum_ids(CURRICULUM.read_text(encoding="utf-8"))) == sorted(expected)


def test_every_curriculum_id_is_tagged_in_some_notebook() -> None:
    if not CURRICULUM.is_file():
        pytest.skip(f"curriculum map not found at {CURRICULUM} (shared/ sits beside the clone in CI)")
    ids = curriculum_ids(CURRICULUM.read_text(encoding="utf-8"))
    tagged = {
        tag.removeprefix("src:")
        for path in NOTEBOOKS
        for cell in _read(path).cells
        for tag in cell.get("metadata", {}).get("tags", [])
        if tag.startswith("src:")
    }
    missing = [cid for cid in ids if cid not in tagged]
    assert not missing, (
        f"curriculum ids with no cell tagged 'src:<id>' in notebooks/: {', '.join(missing)}"
    )


def _lock_pins() -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in LOCK.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, version = line.partition("==")
            pins[_normalise(name)] = version
    return pins


def _normalise(name: str) -> str:
    """PEP 503 name normalisation: case and runs of -_. do not matter."""
    return re.sub(r"[-_.]+", "-", name).lower().strip()


def test_lock_lines_are_exact_pins() -> None:
    bad = [
        line for line in LOCK.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
        and not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*==[A-Za-z0-9.+!_-]+", line.strip())
    ]
    assert not bad, f"binder/requirements.txt lines that are not 'name==version': {bad}"


def test_every_declared_dependency_is_pinned_in_the_lock() -> None:
    if tomllib is None:
        pytest.skip("reading pyproject.toml needs tomllib (Python 3.11+)")
    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]
    declared = list(project.get("dependencies", []))
    for extra in project.get("optional-dependencies", {}).values():
        declared.extend(extra)
    assert declared, "pyproject.toml declares no dependencies"
    pins = _lock_pins()
    names = [_normalise(re.split(r"[\s<>=!~;\[]", req, maxsplit=1)[0]) for req in declared]
    missing = [name for name in names if name not in pins]
    assert not missing, f"declared in pyproject.toml but not pinned in binder/requirements.txt: {missing}"

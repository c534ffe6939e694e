"""Every worked solution stated in a notebook's prose is checked numerically, or says why not.

A ``<details>`` block whose ``<summary>`` starts with "Solution" ("解答" in the Chinese edition)
must carry, on a line of its own, at least one marker:

    <!-- check: f = tr(X.T*A*X); wrt = X; shapes = X: 3x3, A: 3x3; gradient = (A + A.T)*X -->
    <!-- unchecked: the reason -->

A check marker is parsed with the course's safe parser (:func:`mdlib.parse.parse_expression`,
never ``eval``), evaluated with :func:`mdlib.engine.numeric.evaluate` and its gradient compared
with central finite differences of ``f`` at seeded random data. Optional fields choose the data
where a formula needs it: ``spd = S`` (symmetric positive definite), ``positive = x`` (entries
in [0.5, 2]). Every other square matrix is drawn invertible with det > 0 and *not* symmetric, so
a missing transpose cannot pass; every other array is standard normal.

The notebook list is discovered at collection time: the test applies to every chapter of both
editions, the English notebooks in ``notebooks/`` and the Chinese ones in ``notebooks/zh/``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import nbformat
import numpy as np
import pytest

from mdlib.engine.numeric import evaluate, scalar_value
from mdlib.parse import parse_expression

NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb")) + sorted((NOTEBOOK_DIR / "zh").glob("*.ipynb"))

# The summary of a solution in each edition: "Solution (try first)", "解答（先自己试一试）".
SOLUTION_BLOCK = re.compile(
    r"<details>\s*<summary>\s*(?:Solution|解答).*?</summary>(?P<body>.*?)</details>",
    re.DOTALL | re.IGNORECASE,
)
CHECK = re.compile(r"^\s*<!--\s*check:(?P<fields>.*?)-->\s*$", re.MULTILINE)
UNCHECKED = re.compile(r"^\s*<!--\s*unchecked:\s*(?P<reason>\S.*?)-->\s*$", re.MULTILINE)
REQUIRED = ("f", "wrt", "shapes", "gradient")
OPTIONAL = ("spd", "positive")

DRAWS = 3
STEP = 1e-6
RTOL = 1e-5


@dataclass(frozen=True)
class Marker:
    """One check marker: where it stands and its fields."""

    notebook: str
    cell: int
    fields: dict[str, str]

    def __str__(self) -> str:
        formula = "; ".join(f"{key} = {value}" for key, value in self.fields.items())
        return f"{self.notebook} cell {self.cell}: {formula}"


def parse_fields(text: str) -> dict[str, str]:
    """``"f = tr(X); wrt = X"`` → ``{"f": "tr(X)", "wrt": "X"}``.

    >>> parse_fields(" f = tr(X.T*A); wrt = X; shapes = X: 2x3, A: 2x3; gradient = A ")["shapes"]
    'X: 2x3, A: 2x3'
    """
    fields: dict[str, str] = {}
    for part in filter(str.strip, text.split(";")):
        key, sep, value = part.partition("=")
        if not sep:
            raise ValueError(f"field {part.strip()!r} has no '='")
        fields[key.strip()] = value.strip()
    return fields


def solution_blocks(nb: nbformat.NotebookNode) -> list[tuple[int, str]]:
    """(cell index, body) of every Solution block in the markdown cells."""
    return [(index, match.group("body"))
            for index, cell in enumerate(nb.cells) if cell.cell_type == "markdown"
            for match in SOLUTION_BLOCK.finditer(cell.source)]


def _name(path: Path) -> str:
    """``04_trace_tricks.ipynb``, or ``zh/04_trace_tricks.ipynb`` in the Chinese edition."""
    return path.relative_to(NOTEBOOK_DIR).as_posix()


def check_markers(path: Path) -> list[Marker]:
    """Every check marker in a notebook's markdown, inside a Solution block or not."""
    nb = nbformat.read(path, as_version=4)
    return [Marker(_name(path), index, parse_fields(match.group("fields")))
            for index, cell in enumerate(nb.cells) if cell.cell_type == "markdown"
            for match in CHECK.finditer(cell.source)]


def draw(symbols: dict, spd: set[str], positive: set[str], rng: np.random.Generator) -> dict:
    """Seeded data for every declared name, valid for inv, logdet and the like."""
    values = {}
    for name, symbol in symbols.items():
        rows, cols = (int(d) for d in symbol.shape)
        noise = rng.standard_normal((rows, cols))
        if name in spd:
            values[name] = noise @ noise.T + rows * np.eye(rows)
        elif name in positive:
            values[name] = rng.uniform(0.5, 2.0, (rows, cols))
        elif rows == cols and rows > 1:
            # rows·I plus noise of norm well below rows: det > 0, well conditioned, not symmetric.
            values[name] = rows * np.eye(rows) + 0.3 * noise
        else:
            values[name] = noise
    return values


def gradient_error(marker: Marker, seed: int) -> float:
    """Relative error of the stated gradient against central differences at one draw."""
    fields = marker.fields
    missing = [key for key in REQUIRED if key not in fields]
    unknown = [key for key in fields if key not in REQUIRED + OPTIONAL]
    assert not missing and not unknown, f"{marker}: missing fields {missing}, unknown fields {unknown}"
    f, symbols = parse_expression(fields["f"], fields["shapes"])
    gradient, _ = parse_expression(fields["gradient"], fields["shapes"])
    wrt = fields["wrt"]
    assert wrt in symbols, f"{marker}: wrt = {wrt} is not declared in the shapes"
    names = {key: {n.strip() for n in fields.get(key, "").split(",") if n.strip()} for key in OPTIONAL}
    values = draw(symbols, names["spd"], names["positive"], np.random.default_rng(seed))

    X = values[wrt]
    reference = np.zeros_like(X)
    for index in np.ndindex(X.shape):
        bump = np.zeros_like(X)
        bump[index] = STEP
        up = scalar_value(f, {**values, wrt: X + bump})
        down = scalar_value(f, {**values, wrt: X - bump})
        reference[index] = (up - down) / (2 * STEP)
    stated = np.asarray(evaluate(gradient, values), dtype=float)
    if stated.size == 1 and reference.size == 1:
        stated = stated.reshape(reference.shape)
    assert stated.shape == reference.shape, (
        f"{marker}: the stated gradient has shape {stated.shape}, but {wrt} has shape {reference.shape}"
    )
    return float(np.linalg.norm(stated - reference) / max(np.linalg.norm(reference), 1e-12))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[_name(path) for path in NOTEBOOKS])
def test_every_stated_solution_is_checked_or_marked_unchecked(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    bare = [index for index, body in solution_blocks(nb)
            if not CHECK.search(body) and not UNCHECKED.search(body)]
    assert not bare, (
        f"{_name(path)}: Solution blocks in cells {bare} carry no '<!-- check: ... -->' or "
        "'<!-- unchecked: reason -->' marker on a line of its own"
    )


MARKERS = [marker for path in NOTEBOOKS for marker in check_markers(path)]


@pytest.mark.parametrize("marker", MARKERS, ids=[f"{m.notebook}:c{m.cell}:{m.fields.get('f', '?')}" for m in MARKERS])
def test_stated_gradient_matches_finite_differences(marker: Marker) -> None:
    for seed in range(DRAWS):
        error = gradient_error(marker, seed)
        assert error < RTOL, (
            f"{marker}\nthe stated gradient differs from central differences of f "
            f"(relative error {error:.1e} at seed {seed})"
        )


def test_the_check_can_fail() -> None:
    """A wrong gradient (a missing transpose) and a bare Solution block are both caught."""
    wrong = Marker("demo", 0, parse_fields(
        "f = tr(A*X); wrt = X; shapes = X: 3x3, A: 3x3; gradient = A"))
    assert gradient_error(wrong, 0) > 1e-2
    right = Marker("demo", 0, parse_fields(
        "f = tr(A*X); wrt = X; shapes = X: 3x3, A: 3x3; gradient = A.T"))
    assert gradient_error(right, 0) < RTOL
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(
        "<details><summary>Solution</summary>\n\n$A^T$\n</details>\n"
        "<details><summary>Solutions (try first)</summary>\n\n"
        "<!-- unchecked: a picture -->\n</details>\n"
        "<details><summary>解答（先自己试一试）</summary>\n\n$A^T$\n</details>")])
    blocks = solution_blocks(nb)
    assert len(blocks) == 3
    assert not UNCHECKED.search(blocks[0][1]) and UNCHECKED.search(blocks[1][1])
    assert not CHECK.search(blocks[2][1]) and not UNCHECKED.search(blocks[2][1])  # a bare 解答


def test_a_marker_needs_its_own_line_and_a_reason() -> None:
    assert not CHECK.search("text <!-- check: f = tr(X); wrt = X; shapes = X: 2x2; gradient = I --> more")
    assert not UNCHECKED.search("<!-- unchecked: -->")

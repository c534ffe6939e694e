"""Fixtures for the static book's tests: build it, serve it on 127.0.0.1, drive Chromium.

Two sites are built once per session: the course's book as ``make book`` builds it (English,
and Chinese too once ``notebooks/zh/`` exists), and a small two-edition book from a temporary
tree (two chapters copied to ``zh/`` with Chinese titles), so that the Chinese edition's
machinery is tested before the translations land.

The browser helpers live in ``tests/browser/lab_driver.py`` (Debian's Chromium, never a
downloaded build); that folder is put on ``sys.path`` so they are imported, not copied.
"""

from __future__ import annotations

import functools
import http.server
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "browser"))
sys.path.insert(0, str(REPO))

from lab_driver import required_chromium, running_chromium  # noqa: E402

from book.build import course_notebooks  # noqa: E402

ZH_TITLES = {"00_start.ipynb": "# 矩阵微分：在你眼前检验的每一个公式",
             "01_scalar_derivative.ipynb": "# 1 · 标量导数：极限与趋于零的余项"}


def site_pages(site: Path) -> dict[str, list[str]]:
    """The chapter pages of each edition of a built site: {"en": [...], "zh": [...]}."""
    editions = {"en": sorted(p.name for p in site.glob("[0-9][0-9]_*.html"))}
    if (site / "zh").is_dir():
        editions["zh"] = sorted(p.name for p in (site / "zh").glob("[0-9][0-9]_*.html"))
    return editions


def make_two_edition_tree(root: Path) -> Path:
    """A notebooks/ folder with every English chapter and, under zh/, chapters 0 and 1 in
    "Chinese" (the same cells, the title line translated); returns the notebooks folder."""
    notebooks = root / "notebooks"
    (notebooks / "zh").mkdir(parents=True)
    for path in course_notebooks(REPO / "notebooks"):
        shutil.copy(path, notebooks / path.name)
    for name, title in ZH_TITLES.items():
        nb = nbformat.read(REPO / "notebooks" / name, as_version=4)
        first = nb.cells[0]
        first.source = title + first.source[first.source.index("\n"):]
        nbformat.write(nb, notebooks / "zh" / name)
    return notebooks


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:  # the test reports what matters
        pass


def _build(out: Path, *extra: str) -> dict:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "book", "--out", str(out), *extra], cwd=REPO,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"python -m book failed:\n{done.stdout}\n{done.stderr}"
    seconds = time.perf_counter() - started
    print(f"\nbook built in {seconds:.1f} s: {done.stdout.strip()}")
    return {"dir": out, "seconds": seconds, "stdout": done.stdout, "stderr": done.stderr,
            "pages": site_pages(out)}


@pytest.fixture(scope="session")
def built_book(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The book built once per session into a temporary folder, by the command `make book` runs."""
    return _build(tmp_path_factory.mktemp("book") / "site")


@pytest.fixture(scope="session")
def two_edition_book(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A small book with an English and a Chinese edition (see the module's docstring)."""
    root = tmp_path_factory.mktemp("two-editions")
    notebooks = make_two_edition_tree(root)
    built = _build(root / "site", "--notebooks", str(notebooks))
    built["notebooks"] = notebooks
    return built


def _serve(directory: Path):
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture(scope="session")
def book_servers(built_book: dict, two_edition_book: dict) -> dict:
    """Base URLs of static HTTP servers on 127.0.0.1: {"book": ..., "two-editions": ...}."""
    servers = {name: _serve(built["dir"]) for name, built in
               (("book", built_book), ("two-editions", two_edition_book))}
    yield {name: f"http://127.0.0.1:{server.server_address[1]}"
           for name, server in servers.items()}
    for server in servers.values():
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def chromium_path() -> str:
    return required_chromium("axe_playwright_python")


# Module scope: the sync Playwright API keeps an event loop running in this thread until it
# stops, and later test modules (the step checker's debounce) must not find one.
@pytest.fixture(scope="module")
def site_browser(chromium_path: str):
    with running_chromium(chromium_path) as browser:
        yield browser


def course_pages() -> list[tuple[str, str]]:
    """(site, page) of every page the browser tests open: the course's book, both editions
    when ``notebooks/zh/`` exists, and the Chinese edition of the two-edition book."""
    notebooks = REPO / "notebooks"
    pages = [("book", p.with_suffix(".html").name) for p in course_notebooks(notebooks)]
    pages += [("book", f"zh/{p.with_suffix('.html').name}")
              for p in course_notebooks(notebooks / "zh")]
    pages += [("book", "search.html")]
    pages += [("two-editions", f"zh/{name.replace('.ipynb', '.html')}") for name in ZH_TITLES]
    return pages

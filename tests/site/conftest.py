"""Fixtures for the static book's tests: build it once, serve it on 127.0.0.1, drive Chromium.

The browser helpers live in ``tests/browser/lab_driver.py`` (Debian's Chromium, never a
downloaded build); that folder is put on ``sys.path`` so they are imported, not copied.
"""

from __future__ import annotations

import functools
import http.server
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "browser"))
sys.path.insert(0, str(REPO))

from lab_driver import required_chromium, running_chromium  # noqa: E402


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:  # the test reports what matters
        pass


@pytest.fixture(scope="session")
def built_book(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The book built once per session into a temporary folder, by the command `make book` runs."""
    out = tmp_path_factory.mktemp("book") / "site"
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "book", "--out", str(out)], cwd=REPO,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"python -m book failed:\n{done.stdout}\n{done.stderr}"
    print(f"\nbook built in {time.perf_counter() - started:.1f} s: {done.stdout.strip()}")
    return {"dir": out}


@pytest.fixture(scope="session")
def book_server(built_book: dict) -> str:
    """Base URL of a static HTTP server on 127.0.0.1 serving the built book."""
    handler = functools.partial(_QuietHandler, directory=str(built_book["dir"]))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
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

"""Every notebook of both editions, run in a real JupyterLab in headless Chromium, as a student would see it.

One server and one browser are shared by the module (each notebook gets a fresh browser
context and workspace). For each notebook: restart the kernel and run all cells, then check
that nothing failed, MathJax typeset the formulas, plots and every widget rendered, that every
slider has, in Chromium's accessibility tree, a name saying what it changes and a value text in
the reader's terms ("h = 1.0e-2", not log₁₀ h), and that pressing arrow keys on each widget's
slider changes its plot, its readout and its value text, the readout catching up with the value
announced.

Needs Debian's ``chromium`` package (never a browser downloaded by Playwright). Without it the
tests skip with the reason, except in CI (``CI=true``), where they must run and so fail.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest
from lab_driver import (
    NOTEBOOK_DIR,
    JupyterLab,
    NotebookSession,
    required_chromium,
    running_chromium,
    stored_has_math,
    stored_images,
    stored_widget_views,
)

pytestmark = pytest.mark.browser

# Both editions, discovered at collection (new notebooks count): the English chapters, then
# the Chinese ones, whose sliders must also be named in Chinese.
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb")) + sorted(NOTEBOOK_DIR.glob("zh/*.ipynb"))
CJK = re.compile(r"[\u3400-\u9fff]")
VIEWPORT = {"width": 1280, "height": 900}


@pytest.fixture(scope="module")
def chromium() -> str:
    return required_chromium()


@pytest.fixture(scope="module")
def lab(chromium: str) -> JupyterLab:
    with JupyterLab(NOTEBOOK_DIR) as server:
        yield server


@pytest.fixture(scope="module")
def browser(chromium: str):
    with running_chromium(chromium) as browser:
        yield browser


@pytest.fixture(scope="module")
def screenshot_dir() -> Path:
    # Kept after the run on purpose: the paths are printed so a failure can be looked at.
    return Path(tempfile.mkdtemp(prefix="mdlib-screenshots-"))


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.page_errors = []  # uncaught JavaScript exceptions, reported with a failure
    page.on("pageerror", lambda error: page.page_errors.append(str(error)))
    yield page
    context.close()


def _params() -> list:
    if not NOTEBOOKS:
        return [pytest.param(None, marks=pytest.mark.skip(reason="no notebooks/*.ipynb yet"))]
    return [pytest.param(path, id=_name(path)) for path in NOTEBOOKS]


def _name(path: Path) -> str:
    """The notebook's path under the server's root, e.g. ``zh/01_scalar_derivative.ipynb``."""
    return path.relative_to(NOTEBOOK_DIR).as_posix()


@pytest.mark.parametrize("path", _params())
def test_notebook_runs_and_renders_in_jupyterlab(path: Path, lab: JupyterLab, page,
                                                 screenshot_dir: Path) -> None:
    stored = path.read_bytes()
    name = _name(path)
    chinese = name.startswith("zh/")
    session = NotebookSession(page, lab, name, f"test-{NOTEBOOKS.index(path)}")
    try:
        session.open()
        state = session.restart_and_run_all()
        assert not state["errors"], f"{name}: error outputs: {state['errors']}"
        assert state["executed"] == state["code"], (
            f"{name}: only {state['executed']} of {state['code']} code cells ran")

        views = stored_widget_views(path)
        session.wait_for_widgets(views)
        report = session.dom_report()
        assert not report["stderr"], f"{name}: stderr or traceback shown: {report['stderr']}"
        assert not report["widgetErrors"], f"{name}: {report['widgetErrors']}"
        assert report["widgetViews"] == views, (
            f"{name}: {report['widgetViews']} widget views shown, the stored notebook has {views}")
        assert report["renderedWidgets"] == views, (
            f"{name}: only {report['renderedWidgets']} of {views} widget views rendered")

        if stored_has_math(path):
            assert session.wait_for_math() > 0, f"{name}: MathJax rendered no formula"
        images = stored_images(path)
        assert report["images"] >= images, (
            f"{name}: {report['images']} images shown, the stored notebook has {images} plots")

        assert report["noUiSliders"] == 0, (
            f"{name}: an ipywidgets slider, whose handle has no accessible name")
        sliders = session.accessible_sliders()
        assert len(sliders) == report["sliders"], sliders
        for found in sliders:
            symbol = (found["valuetext"] or "").partition(" = ")[0]
            assert found["role"] == "slider" and re.fullmatch(
                r"\S+ = -?\d\.\d+(e[+-]\d+)?", found["valuetext"] or ""), (
                f"{name}: a slider announces {found['valuetext']!r}, not its value in words")
            assert symbol in found["name"] and len(found["name"]) > len(symbol) + 1, (
                f"{name}: slider named {found['name']!r}: say what {symbol} is")
            assert not chinese or CJK.search(found["name"]), (
                f"{name}: a slider of the Chinese edition is named {found['name']!r}")

        for index in range(report["sliders"]):
            before, after = session.move_slider_until_changed(index)
            assert after["images"] and after["images"] != before["images"], (
                f"{name}: slider of widget {index} moved but its plot did not change")
            assert after["readout"] != before["readout"], (
                f"{name}: slider of widget {index} moved but its readout stayed "
                f"{before['readout']!r}")
            assert after["valuetext"] != before["valuetext"], (
                f"{name}: slider of widget {index} moved but still announces "
                f"{before['valuetext']!r}")
            assert session.wait_until_readout_agrees(index), (
                f"{name}: widget {index} announces {after['valuetext']!r} but its readout "
                f"shows {session.widget_state(index)['readout']!r}")
    finally:
        try:
            print(f"screenshot of {name}: {session.screenshot(screenshot_dir)}")
        except Exception as exc:  # noqa: BLE001 - never hide the failure being reported
            print(f"no screenshot of {name}: {exc}")
        if page.page_errors:
            print(f"JavaScript errors in {name}: {page.page_errors}")
        lab.shutdown_kernels()
    assert path.read_bytes() == stored, (
        f"{name} changed on disk during its browser test (a save from JupyterLab, "
        "or someone editing it meanwhile)")


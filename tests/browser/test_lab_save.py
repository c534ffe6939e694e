"""A save in JupyterLab keeps the widgets: reopened, they show; re-run, they work; the book builds.

With JupyterLab's defaults a saved notebook stores new widget model ids without their state, so
on reopening every widget says "Error displaying widget: model not found" and the book refuses
the file. The course ships settings (``binder/jupyterlab-overrides.json``, installed into the
environment by ``make`` and by ``binder/postBuild``) that save widget state with the notebook.
This test works on a temporary copy of a chapter, never on the stored notebooks.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import time
from pathlib import Path

import nbformat
import pytest
from lab_driver import (
    REPO,
    JupyterLab,
    NotebookSession,
    required_chromium,
    running_chromium,
    stored_widget_views,
)

pytestmark = pytest.mark.browser

CHAPTER = "01_scalar_derivative.ipynb"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


@pytest.fixture(scope="module")
def chromium() -> str:
    return required_chromium()


def _defaults(lab: JupyterLab, plugin: str) -> dict:
    """A plugin's defaults as this JupyterLab serves them: where the shipped overrides land
    (the test driver's own user settings are not counted)."""
    found = lab.api("GET", f"/lab/api/settings/{plugin}")
    return {name: spec.get("default")
            for name, spec in found["schema"].get("properties", {}).items()}


@contextlib.contextmanager
def _notebook(browser, lab: JupyterLab, workspace: str):
    """The chapter opened in a fresh browser context and JupyterLab workspace."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        session = NotebookSession(page, lab, CHAPTER, workspace)
        session.open()
        yield page, session
    finally:
        context.close()
        lab.shutdown_kernels()


def _state_complete(path: Path) -> bool:
    """Every widget view the notebook displays has its model's state stored in the file."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    state = nb.get("metadata", {}).get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    views = [out["data"]["application/vnd.jupyter.widget-view+json"]["model_id"]
             for cell in nb["cells"] if cell["cell_type"] == "code"
             for out in cell.get("outputs", [])
             if "application/vnd.jupyter.widget-view+json" in out.get("data", {})]
    return bool(views) and all(model in state for model in views)


def test_saved_notebook_reopens_with_working_widgets_and_builds(chromium: str,
                                                                tmp_path: Path) -> None:
    folder = tmp_path / "notebooks"
    folder.mkdir()
    copy = folder / CHAPTER
    shutil.copy(REPO / "notebooks" / CHAPTER, copy)
    stored = (REPO / "notebooks" / CHAPTER).read_bytes()
    views = stored_widget_views(copy)
    assert views, f"{CHAPTER} shows widgets"

    with JupyterLab(folder) as lab, running_chromium(chromium) as browser:
        saving = _defaults(lab, "@jupyter-widgets/jupyterlab-manager:plugin")
        assert saving.get("saveState") is True, (
            "the course's JupyterLab settings are not installed in this environment "
            "(make installs binder/jupyterlab-overrides.json into .venv): saveState is off")
        news = _defaults(lab, "@jupyterlab/apputils-extension:notification")
        assert news.get("fetchNews") == "false"

        with _notebook(browser, lab, "save-1") as (page, session):
            state = session.restart_and_run_all()
            assert not state["errors"], state["errors"]
            session.wait_for_widgets(views)
            before = copy.stat().st_mtime_ns
            page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
            deadline = time.monotonic() + 60
            while not (copy.stat().st_mtime_ns != before and _state_complete(copy)):
                assert time.monotonic() < deadline, "the save stored no widget state"
                page.wait_for_timeout(250)

        # Reopened in a fresh browser and workspace: the widgets show from the saved state...
        with _notebook(browser, lab, "save-2") as (page, session):
            session.wait_for_widgets(views)
            report = session.dom_report()
            assert not report["widgetErrors"], report["widgetErrors"]
            assert report["renderedWidgets"] == views, report
            # The slider (an anywidget, its view stored in the saved state) is named and
            # announces h before any kernel has run.
            sliders = session.accessible_sliders()
            assert [(s["name"], s["valuetext"]) for s in sliders] == [("step size h",
                                                                       "h = 1.0e-2")]
            # ... and once the chapter runs again, its slider moves the plot and the readout.
            state = session.restart_and_run_all()
            assert not state["errors"], state["errors"]
            session.wait_for_widgets(views)
            before, after = session.move_slider_until_changed(0)
            assert after["images"] != before["images"], "the slider did not move the plot"
            assert after["readout"] != before["readout"] and "h = " in after["readout"]
            assert after["valuetext"] != before["valuetext"]
            assert session.wait_until_readout_agrees(0), session.widget_state(0)

    assert (REPO / "notebooks" / CHAPTER).read_bytes() == stored, "the stored notebook changed"
    from book.build import build_book

    site = tmp_path / "site"
    build_book(folder, site, log=lambda message: None)
    page_html = (site / CHAPTER.replace(".ipynb", ".html")).read_text(encoding="utf-8")
    assert page_html.count('class="book-live"') == views
    nbformat.validate(nbformat.read(copy, as_version=4))

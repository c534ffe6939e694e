"""Each widget's slider, as a screen reader meets it in JupyterLab, in English and in Chinese.

A throw-away notebook per language makes every widget of the course (``demo()``) after
``mdlib.set_language(...)``. In headless Chromium, Chromium's own accessibility tree (CDP
``Accessibility``) must expose each slider with a name that says what it changes and a value
text in the reader's terms (h, not log₁₀ h); the keyboard must move it (arrows, Home, End),
with the value text, the visible readout and the kernel's readout following, and JupyterLab's
notebook shortcuts must not take the arrow keys.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from lab_driver import JupyterLab, NotebookSession, required_chromium, running_chromium

pytestmark = pytest.mark.browser

WIDGETS = ["RemainderExplorer", "JacobianEllipse", "SlopeExplorer", "RuleExplorer",
           "SecondOrderExplorer"]
NAMES = {
    "en": ["step size h", "radius ρ of the circle", "position t along the line", "step size h",
           "step size h"],
    "zh": ["步长 h", "圆的半径 ρ", "沿直线的位置 t", "步长 h", "步长 h"],
}
# The demos' starting values, read as a reader reads them (the same in both languages).
START = ["h = 1.0e-2", "ρ = 3.0e-1", "t = 0.00", "h = 1.0e-2", "h = 1.0e-2"]

JS_SLIDER_VIEW = """
(index) => {
  const input = document.querySelectorAll('.jp-NotebookPanel input[type=range]')[index];
  const box = input.closest('.mdlib-slider');
  const label = box.querySelector('label');
  const view = input.closest('.widget-vbox');
  return {
    label: label.innerText, labelFor: label.htmlFor === input.id,
    labelVisible: label.getBoundingClientRect().width > 0,
    shown: box.querySelector('.mdlib-slider-readout').innerText,
    readout: [...view.querySelectorAll('.mdlib-readout')].map(r => r.innerText).join(' | '),
    tabIndex: input.tabIndex,
    activeCell: window.jupyterapp.shell.currentWidget.content.activeCellIndex,
  };
}
"""


def _notebook(folder: Path, language: str) -> str:
    cells = [nbformat.v4.new_code_cell(f'import mdlib\nmdlib.set_language("{language}")')]
    cells += [nbformat.v4.new_code_cell(f"from mdlib.widgets import {name}\n"
                                        f"display({name}.demo().widget)") for name in WIDGETS]
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    name = f"sliders_{language}.ipynb"
    nbformat.write(nb, folder / name)
    return name


@pytest.fixture(scope="module")
def lab_and_browser(tmp_path_factory: pytest.TempPathFactory):
    chromium = required_chromium()
    folder = tmp_path_factory.mktemp("slider-notebooks")
    names = {language: _notebook(folder, language) for language in NAMES}
    with JupyterLab(folder) as lab, running_chromium(chromium) as browser:
        yield lab, browser, names


def _wait_for_valuetext(session: NotebookSession, index: int, expected: str) -> dict:
    """Poll Chromium's accessibility tree until slider ``index`` announces ``expected``."""
    deadline = 100
    found = {}
    for _ in range(deadline):
        found = session.accessible_sliders()[index]
        if found["valuetext"] == expected:
            return found
        session.page.wait_for_timeout(100)
    return found


def _wait_for_readout(session: NotebookSession, index: int, start: str) -> str:
    """Wait until the kernel's readout of slider ``index``'s widget starts with ``start``."""
    session.page.wait_for_function(
        f"(args) => ({JS_SLIDER_VIEW})(args.index).readout.startsWith(args.start)",
        arg={"index": index, "start": start}, timeout=60_000, polling=100)
    return session.page.evaluate(JS_SLIDER_VIEW, index)["readout"]


@pytest.mark.parametrize("language", list(NAMES))
def test_sliders_have_names_and_value_texts_and_move_by_keyboard(language: str,
                                                                 lab_and_browser) -> None:
    lab, browser, names = lab_and_browser
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        session = NotebookSession(page, lab, names[language], f"sliders-{language}")
        session.open()
        state = session.restart_and_run_all()
        assert not state["errors"], state["errors"]
        session.wait_for_widgets(len(WIDGETS))
        assert session.dom_report()["noUiSliders"] == 0, "an ipywidgets slider has no name"

        sliders = session.accessible_sliders()
        assert [s["role"] for s in sliders] == ["slider"] * len(WIDGETS)
        assert [s["name"] for s in sliders] == NAMES[language]
        assert [s["valuetext"] for s in sliders] == START
        for index, found in enumerate(sliders):
            view = page.evaluate(JS_SLIDER_VIEW, index)
            symbol = START[index].split(" = ")[0]
            assert view["label"] == symbol and view["labelFor"] and view["labelVisible"]
            assert symbol in found["name"]  # the visible label is part of the spoken name
            assert view["shown"] == START[index].split(" = ")[1]
            assert view["tabIndex"] == 0

        # The remainder explorer's h slider by keyboard: the reader hears h, not log10 h.
        h = 0
        session.press_on_slider(h, "Home")
        assert _wait_for_valuetext(session, h, "h = 1.0e-12")["valuetext"] == "h = 1.0e-12"
        assert _wait_for_readout(session, h, "h = 1.00e-12")
        session.press_on_slider(h, "End")
        assert _wait_for_valuetext(session, h, "h = 1.0e+0")["value"] == 0  # log10 h = 0
        assert _wait_for_readout(session, h, "h = 1.00e+00")
        before = page.evaluate(JS_SLIDER_VIEW, h)["activeCell"]
        session.press_on_slider(h, "ArrowDown")  # one step, 10^(-1/8): JupyterLab keeps out
        assert _wait_for_valuetext(session, h, "h = 7.5e-1")["valuetext"] == "h = 7.5e-1"
        assert _wait_for_readout(session, h, "h = 7.50e-01")
        assert page.evaluate(JS_SLIDER_VIEW, h)["activeCell"] == before
        assert page.evaluate(JS_SLIDER_VIEW, h)["shown"] == "7.5e-1"

        # Every other slider: arrow keys change what is announced, and the kernel catches up.
        for index in range(1, len(WIDGETS)):
            before, after = session.move_slider_until_changed(index)
            assert after["valuetext"] != before["valuetext"]
            assert session.wait_until_readout_agrees(index), (index, session.widget_state(index))
            assert session.accessible_sliders()[index]["valuetext"] == after["valuetext"]
    finally:
        context.close()
        lab.shutdown_kernels()

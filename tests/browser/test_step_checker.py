"""Chapter 7's step checker in a real JupyterLab: type a derivation by keyboard, read the verdicts.

The notebook is run from a fresh kernel, the checker's text area gets the focus, its text is
replaced by typing (key presses, Enter between lines) a derivation with a slip in line 2, and
the test reads what a reader (or a screen reader) gets, in either edition: ✔/✘ and words per line, the LaTeX of
each line typeset, and the verdict in the aria-live region. It waits for the verdict *of the text
in the box* (the widget marks each verdict with the text it judged), never for a phrase: on a
busy machine the debounced check also runs on half-typed lines, whose verdicts look alike.

Needs Debian's ``chromium`` and the playwright package, like ``test_jupyterlab.py``; without
them it skips, except in CI (``CI=true``), where it fails with the reason.
"""

from __future__ import annotations

import pytest
from lab_driver import (
    NOTEBOOK_DIR,
    JupyterLab,
    NotebookSession,
    required_chromium,
    running_chromium,
    skip_or_fail,
    wait_for_verdict_of,
)

pytestmark = pytest.mark.browser

#: Each edition's chapter 7, and the words of its verdicts (from its catalog).
EDITIONS = {
    "en": {"notebook": "07_try_your_own.ipynb", "first wrong": "Line 2 is the first wrong line",
           "right": "right", "wrong": "wrong", "slip": "you assumed A = A^T"},
    "zh": {"notebook": "zh/07_try_your_own.ipynb", "first wrong": "第一处错误在第 2 行",
           "right": "正确", "wrong": "错误", "slip": "你假定了 A = A^T"},
}
CHECKER = ".mdlib-step-checker"
TYPED = ["tr(dX.T*A*X) + tr(X.T*A*dX)", "tr(X.T*A*dX) + tr(X.T*A*dX)"]


@pytest.fixture(scope="module")
def chromium() -> str:
    return required_chromium()


@pytest.mark.parametrize("edition", sorted(EDITIONS))
def test_typing_a_derivation_shows_each_verdict(chromium: str, edition: str) -> None:
    expect = EDITIONS[edition]
    notebook = NOTEBOOK_DIR / expect["notebook"]
    if not notebook.exists():
        skip_or_fail(f"{expect['notebook']} is not in {NOTEBOOK_DIR}")
    stored = notebook.read_bytes()
    with JupyterLab(NOTEBOOK_DIR) as lab, running_chromium(chromium) as browser:
        page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        page.set_default_timeout(30_000)
        try:
            session = NotebookSession(page, lab, expect["notebook"], f"test-step-checker-{edition}")
            session.open()
            state = session.restart_and_run_all()
            assert not state["errors"], state["errors"]

            area = page.locator(f"{CHECKER} textarea").first
            area.scroll_into_view_if_needed()
            area.focus()  # as Tab would: the text area takes keyboard focus
            page.keyboard.press("Control+A")
            page.keyboard.press("Delete")
            for k, line in enumerate(TYPED):
                if k:
                    page.keyboard.press("Enter")
                page.keyboard.type(line, delay=5)
            typed = "\n".join(TYPED)
            assert area.input_value() == typed

            # A debounced check may run on a half-typed line, and its verdict can already say
            # "Line 2 …": wait for the verdict of the text in the box, which the widget marks.
            wait_for_verdict_of(page, CHECKER, typed)
            status = page.locator(f"{CHECKER} [role='status']").first
            assert status.get_attribute("aria-live") == "polite"
            assert expect["first wrong"] in status.inner_text()

            rows = page.locator(f"{CHECKER} table.mdlib-steps tbody tr")
            assert rows.count() == 2
            first, second = rows.nth(0).inner_text(), rows.nth(1).inner_text()
            assert "✔" in first and expect["right"] in first and "M2" in first
            assert "✘" in second and expect["wrong"] in second and expect["slip"] in second
            # the lines are shown as typeset LaTeX, not as raw text
            page.wait_for_selector(f"{CHECKER} table.mdlib-steps mjx-container", state="attached")
        finally:
            lab.shutdown_kernels()
            browser.close()
    assert notebook.read_bytes() == stored, "the notebook changed on disk during the browser test"

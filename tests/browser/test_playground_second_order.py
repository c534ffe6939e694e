"""Chapter 7's second-order playground in a real JupyterLab, driven by the keyboard alone.

The notebook is run from a fresh kernel. Then, as a reader without a mouse: Space on the
*gradient* option and Enter on *Derive* (the gradient of the stored example); Shift+Tab back
to the *Hessian* option, Space, Tab into the expression, type ``log(det(X))``, Enter on
*Derive*: the output shows the verified Hessian, typeset, with the second-order expansion;
then the *Jacobian* option, a matrix expression ``X.T*A*X`` and its shapes typed, Enter: the
verified Jacobian with its layout line. Both editions: the Chinese chapter's playground says
the same in Chinese (its options, rule names and verdicts from the catalog). Every key goes to the element the test checks has the
focus (a radio input, a text box, the button), so the choice is shown to be keyboard-usable.

Each wait is for a *state*: the status line (a polite live region) carries the mode, the
expression and the shapes it judged and whether the derivation was shown or refused; the test
waits until it marks the input just typed, then until the output area holds the typeset
derivation. Never a time, never a phrase that an earlier derivation also shows.

Needs Debian's ``chromium`` and the playwright package, like ``test_jupyterlab.py``; without
them it skips, except in CI (``CI=true``), where it fails with the reason.
"""

from __future__ import annotations

import re

import pytest
from lab_driver import (
    NOTEBOOK_DIR,
    JupyterLab,
    NotebookSession,
    required_chromium,
    running_chromium,
    skip_or_fail,
)

pytestmark = pytest.mark.browser

#: Each edition's chapter 7, and what its playground says, in the words of its catalog.
EDITIONS = {
    "en": {"notebook": "07_try_your_own.ipynb",
           "options": ["gradient ∇f", "Jacobian ∂F/∂X", "Hessian ∇²f"],
           "gradient": ("L: gradient link", "verified"),
           "hessian": ("L: gradient link", "H3: vec dF", "H5: second-order expansion",
                       "9×9 (mn×mn)", "✓", "verified: ∇²f vec(V)", "symmetric to round-off"),
           "hessian status": "Hessian ∇²f of f = log(det(X)) by X",
           "jacobian": ("M2: product", "H1: vec(dXᵀ) = K vec dX", "H3: vec dF",
                        "is 6×4 (mn×pq)", "✓", "verified: J vec(V)"),
           "jacobian status": "Jacobian ∂F/∂X of F = X.T*A*X"},
    "zh": {"notebook": "zh/07_try_your_own.ipynb",
           "options": ["梯度 ∇f", "雅可比矩阵 ∂F/∂X", "海森矩阵 ∇²f"],
           "gradient": ("L：微分与梯度的联系", "已数值验证"),
           "hessian": ("L：微分与梯度的联系", "H3：vec dF", "H5：二阶展开式",
                       "9×9 (mn×mn)", "✓", "已验证：沿 3 个随机方向 V 比较 ∇²f vec(V)",
                       "在舍入误差以内对称"),
           "hessian status": "f = log(det(X)) 关于 X 的海森矩阵 ∇²f",
           "jacobian": ("M2：乘积", "H1：vec(dXᵀ) = K vec dX", "H3：vec dF",
                        "是 6×4 (mn×pq)", "✓", "已验证：沿 3 个随机方向 V 比较 J vec(V)"),
           "jacobian status": "F = X.T*A*X 的雅可比矩阵 ∂F/∂X"},
}
PLAYGROUND = ".mdlib-second-order-playground"
RADIO = f"{PLAYGROUND} input[type=radio]"  # gradient, Jacobian, Hessian, in this order
TEXT = f"{PLAYGROUND} input[type=text]"  # f, shapes, by, in this order
BUTTON = f"{PLAYGROUND} button.widget-button"
STATUS = f"{PLAYGROUND} .mdlib-playground-status"
OUTPUT = f"{PLAYGROUND} .widget-output .jp-OutputArea-output"

# Which element has the focus, in words the assertions can compare.
JS_FOCUS = """
(playground) => {
  const el = document.activeElement;
  const root = document.querySelector(playground);
  if (!el || !root || !root.contains(el)) return 'outside the playground';
  if (el.type === 'radio') return 'radio ' + el.value;
  if (el.type === 'text') return 'text ' + [...root.querySelectorAll('input[type=text]')].indexOf(el);
  if (el.tagName === 'BUTTON') return 'button';
  return el.tagName;
}
"""
OPTION = {"gradient": "radio 0", "jacobian": "radio 1", "hessian": "radio 2"}


@pytest.fixture(scope="module")
def chromium() -> str:
    return required_chromium()


def press(page, key: str, then: str) -> None:
    """Press ``key`` and insist that the focus is then on ``then`` (e.g. "radio 2", "button")."""
    page.keyboard.press(key)
    where = page.evaluate(JS_FOCUS, PLAYGROUND)
    assert where == then, f"after {key} the focus is on {where}, not on {then}"


def type_into_focused(page, text: str, index: int) -> None:
    """Replace the text of the focused text box ``index`` (0 f, 1 shapes) by typing."""
    page.keyboard.press("Control+A")
    page.keyboard.type(text, delay=5)
    assert page.locator(TEXT).nth(index).input_value() == text


def choose(page, mode: str) -> None:
    """Space on the focused option: it is checked, and the kernel's choice follows."""
    page.keyboard.press("Space")
    index = int(OPTION[mode].split()[1])
    assert page.locator(RADIO).nth(index).is_checked(), f"Space did not choose {mode}"


def wait_until_shown(page, mode: str, expression: str, shapes: str, timeout_ms: float = 120_000,
                     ) -> str:
    """Wait until the status line judges exactly this input, then until the output area holds
    its typeset derivation; return the output's text (with the screen-reader MathML)."""
    try:
        page.wait_for_function(
            """(a) => {
                 const s = document.querySelector(a.status);
                 return !!s && s.dataset.mode === a.mode && s.dataset.expression === a.expression
                        && s.dataset.shapes === a.shapes && !!s.dataset.state;
               }""",
            arg={"status": STATUS, "mode": mode, "expression": expression, "shapes": shapes},
            timeout=timeout_ms, polling=100)
    except Exception:  # noqa: BLE001 - say what the playground showed instead
        pytest.fail(f"the playground never judged {mode} of {expression!r} ({shapes}); its status: "
                    f"{page.locator(STATUS).evaluate('e => e.outerHTML')}, text boxes "
                    f"{[page.locator(TEXT).nth(i).input_value() for i in range(3)]}, options "
                    f"{[page.locator(RADIO).nth(i).is_checked() for i in range(3)]}")
    status = page.locator(STATUS)
    assert status.get_attribute("role") == "status"
    assert status.get_attribute("aria-live") == "polite"
    assert status.get_attribute("data-state") == "shown", (
        f"refused: {page.locator(OUTPUT).first.inner_text()}")
    # The outputs were replaced before the status changed: what is typeset now is this input's.
    page.wait_for_function(
        """(sel) => { const o = document.querySelector(sel);
                      return !!o && o.getAttribute('data-mime-type') === 'text/latex'
                             && !!o.querySelector('mjx-container'); }""",
        arg=OUTPUT, timeout=timeout_ms, polling=100)
    # MathJax typesets the LaTeX space "\ " as a no-break space: compare words, not spaces
    return re.sub(r"\s+", " ", page.locator(OUTPUT).first.evaluate("o => o.textContent"))


@pytest.mark.parametrize("edition", sorted(EDITIONS))
def test_choosing_a_hessian_and_a_jacobian_by_keyboard(chromium: str, edition: str) -> None:
    expect = EDITIONS[edition]
    notebook = NOTEBOOK_DIR / expect["notebook"]
    if not notebook.exists():
        skip_or_fail(f"{expect['notebook']} is not in {NOTEBOOK_DIR}")
    stored = notebook.read_bytes()
    with JupyterLab(NOTEBOOK_DIR) as lab, running_chromium(chromium) as browser:
        page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        page.set_default_timeout(30_000)
        try:
            session = NotebookSession(page, lab, expect["notebook"],
                                      f"test-second-order-playground-{edition}")
            session.open()
            state = session.restart_and_run_all()
            assert not state["errors"], state["errors"]
            page.wait_for_selector(RADIO, state="attached", timeout=120_000)
            assert [page.locator(RADIO).nth(i).evaluate("r => r.parentElement.textContent")
                    for i in range(3)] == expect["options"]

            # The gradient of the stored example: Space on its option, Tab to Derive, Enter.
            first = page.locator(RADIO).first
            first.scroll_into_view_if_needed()
            first.focus()  # as Tab would: the option takes keyboard focus
            choose(page, "gradient")
            for then in ("radio 1", "radio 2", "text 0", "text 1", "text 2", "button"):
                press(page, "Tab", then)
            page.keyboard.press("Enter")
            shapes = page.locator(TEXT).nth(1).input_value()
            text = wait_until_shown(page, "gradient", "tr(X)**2", shapes)
            for piece in expect["gradient"]:
                assert piece in text, piece

            # Back to the Hessian option, a new f typed, Derive.
            for then in ("text 2", "text 1", "text 0", "radio 2"):
                press(page, "Shift+Tab", then)
            choose(page, "hessian")
            press(page, "Tab", "text 0")
            type_into_focused(page, "log(det(X))", 0)
            for then in ("text 1", "text 2", "button"):
                press(page, "Tab", then)
            page.keyboard.press("Enter")
            text = wait_until_shown(page, "hessian", "log(det(X))", shapes)
            assert "log⁡|detX|" in text  # f as typeset, read through the MathML
            for piece in expect["hessian"]:
                assert piece in text, piece
            assert expect["hessian status"] in page.locator(STATUS).inner_text()

            # The Jacobian of a matrix expression, with its own shapes.
            for then in ("text 2", "text 1", "text 0", "radio 2", "radio 1"):
                press(page, "Shift+Tab", then)
            choose(page, "jacobian")
            press(page, "Tab", "radio 2")
            press(page, "Tab", "text 0")
            type_into_focused(page, "X.T*A*X", 0)
            press(page, "Tab", "text 1")
            type_into_focused(page, "X: 3x2, A: 3x3", 1)
            press(page, "Tab", "text 2")
            press(page, "Tab", "button")
            page.keyboard.press("Enter")
            text = wait_until_shown(page, "jacobian", "X.T*A*X", "X: 3x2, A: 3x3")
            for piece in expect["jacobian"]:
                assert piece in text, piece
            assert "H5" not in text  # a Jacobian has no second-order expansion
            assert expect["jacobian status"] in page.locator(STATUS).inner_text()
        finally:
            lab.shutdown_kernels()
            browser.close()
    assert notebook.read_bytes() == stored, "the notebook changed on disk during the browser test"

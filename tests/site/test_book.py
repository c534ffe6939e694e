"""The static book in headless Chromium: every page complete, offline and accessible.

The book is built once per session and served on 127.0.0.1. Each page is opened with every
request intercepted: anything not addressed to the local server is recorded and blocked. Then:
no missing image, every image has alt text, MathJax typeset every formula (no raw TeX left
outside code, no MathJax error, a screen-reader MathML copy beside each formula), each stored
widget shows its picture with the note on running it live, and axe-core finds no serious or
critical violation.
"""

from __future__ import annotations

import json

import pytest
from lab_driver import stored_has_math, stored_widget_views

from book.build import REPO, course_notebooks

pytestmark = pytest.mark.browser

# nbconvert fills in this text where an image has no alt: it says nothing about the picture.
PLACEHOLDER_ALT = {"No description has been provided for this image"}
NOTEBOOKS = course_notebooks(REPO / "notebooks")  # at collection: a new chapter is tested too
PAGES = ["index.html"] + [nb.with_suffix(".html").name for nb in NOTEBOOKS]

# Text nodes outside code and outside MathJax's output that still look like TeX delimiters.
JS_RAW_TEX = r"""
() => {
  const skip = el => el.closest('pre, code, script, style, mjx-container, textarea');
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const found = [];
  const tex = /\$[^$\s][^$]*\$|\$\$|\\\(|\\\)|\\\[|\\\]|\\begin\{|\\frac|\\mathrm/;
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (node.parentElement && !skip(node.parentElement) && tex.test(node.textContent)) {
      found.push(node.textContent.trim().slice(0, 120));
    }
  }
  return found;
}
"""

JS_IMAGES = """
() => [...document.images].map(img => ({
  src: img.currentSrc.slice(0, 60), complete: img.complete, width: img.naturalWidth,
  alt: img.getAttribute('alt')}))
"""

JS_MATH = """
() => ({
  containers: document.querySelectorAll('mjx-container').length,
  assistive: document.querySelectorAll('mjx-container > mjx-assistive-mml math').length,
  errors: [...document.querySelectorAll('mjx-merror')].map(e => e.textContent.slice(0, 80)),
})
"""


def _open(site_browser, base_url: str, name: str):
    """Open ``name`` with every off-site request blocked and recorded; wait for MathJax."""
    context = site_browser.new_context(viewport={"width": 1280, "height": 900})
    offsite: list[str] = []
    failed: list[str] = []

    def route(route):
        if route.request.url.startswith(base_url + "/") or route.request.url.startswith("data:"):
            route.continue_()
        else:
            offsite.append(route.request.url)
            route.abort()

    context.route("**/*", route)
    # Generous: on a loaded 2-core machine a long page can take well over the default 30 s.
    context.set_default_timeout(120_000)
    page = context.new_page()
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.on("response", lambda response: response.status >= 400 and failed.append(
        f"{response.status} {response.url}"))
    page.goto(f"{base_url}/{name}", wait_until="load")
    page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise")
    page.evaluate("() => MathJax.startup.promise")
    page.wait_for_load_state("networkidle")
    return context, page, offsite, failed


@pytest.mark.parametrize("name", PAGES)
def test_page_is_complete_offline_and_accessible(name: str, book_server: str, site_browser) -> None:
    from axe_playwright_python.sync_playwright import Axe

    context, page, offsite, failed = _open(site_browser, book_server, name)
    try:
        assert not offsite, f"{name} asked for something outside the site: {offsite}"
        assert not [url for url in failed if url not in offsite], f"{name}: failed: {failed}"

        images = page.evaluate(JS_IMAGES)
        broken = [img["src"] for img in images if not img["complete"] or img["width"] == 0]
        assert not broken, f"{name}: images that did not load: {broken}"
        no_alt = [img["src"] for img in images if len((img["alt"] or "").split()) < 3
                  or img["alt"] in PLACEHOLDER_ALT]
        assert not no_alt, f"{name}: images without a real alt text: {no_alt}"

        math = page.evaluate(JS_MATH)
        notebook = REPO / "notebooks" / name.replace(".html", ".ipynb")
        if notebook.exists() and stored_has_math(notebook):
            assert math["containers"] > 0, f"{name}: the notebook has formulas, none typeset"
        assert math["assistive"] == math["containers"], (
            f"{name}: {math['containers'] - math['assistive']} formulas lack MathJax's "
            "assistive MathML (screen readers read that copy)")
        assert not math["errors"], f"{name}: MathJax errors: {math['errors']}"
        raw = page.evaluate(JS_RAW_TEX)
        assert not raw, f"{name}: TeX left untypeset: {raw[:5]}"

        if notebook.exists():
            widgets = stored_widget_views(notebook)
            assert page.locator(".book-live").count() == widgets, (
                f"{name}: {widgets} stored widgets, each needs its picture and the live note")

        results = Axe().run(page)
        serious = [
            f"{v['id']} ({v['impact']}): {v['help']} — "
            + "; ".join(node["target"][0] if isinstance(node["target"][0], str)
                        else json.dumps(node["target"]) for node in v["nodes"][:3])
            for v in results.response["violations"] if v["impact"] in ("serious", "critical")
        ]
        assert not serious, f"{name}: axe-core found:\n" + "\n".join(serious)
    finally:
        context.close()

"""The static book in headless Chromium: every page complete, offline and accessible, at a
desktop width (1280 px) and a phone width (390 px), in every edition.

Each page is opened with every request intercepted: anything not addressed to the local server
is recorded and blocked. Then: no missing image, every image has a real alt text, MathJax
typeset every formula (no raw TeX left outside code, no MathJax error, a screen-reader MathML
copy beside each formula), each stored widget shows its picture with the note on running it
live, axe-core with every rule (minor and best-practice ones included) finds nothing, the
keyboard crosses the page in at most two tab stops per link, and at 390 px nothing makes the
prose scroll sideways. Search finds the right chapters; ✓/✗ and Chinese characters are drawn
from the fonts the book serves on a machine that has no such fonts.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lab_driver import stored_has_math, stored_widget_views

from book.build import REPO
from conftest import course_pages

pytestmark = pytest.mark.browser

# nbconvert's and MyST-NB's filler where an image has no alt: it says nothing about the picture.
PLACEHOLDER_ALT = {"No description has been provided for this image"}
WIDTHS = {"desktop": 1280, "phone": 390}

# Text nodes outside code and outside MathJax's output that still look like TeX delimiters.
JS_RAW_TEX = r"""
() => {
  const skip = el => el.closest('pre, code, script, style, mjx-container, textarea');
  const walker = document.createTreeWalker(document.querySelector('main') || document.body,
                                           NodeFilter.SHOW_TEXT);
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
  src: img.currentSrc.slice(-60), complete: img.complete, width: img.naturalWidth,
  alt: img.getAttribute('alt')}))
"""

JS_MATH = """
() => ({
  containers: document.querySelectorAll('mjx-container').length,
  assistive: document.querySelectorAll('mjx-container > mjx-assistive-mml math').length,
  focusable: [...document.querySelectorAll('mjx-container')].filter(
      m => m.tabIndex >= 0 && !m.matches('[display="true"]')).length,
  errors: [...document.querySelectorAll('mjx-merror')].map(e => e.textContent.slice(0, 80)),
})
"""

# Prose that sticks out of the viewport (the page scrolls sideways with it).
JS_SIDEWAYS = """
() => {
  const width = document.documentElement.clientWidth;
  const page = document.documentElement.scrollWidth;
  const prose = 'p, li, h1, h2, h3, h4, figcaption, summary, dt, dd, td, th, p code, li code';
  const wide = [...document.querySelectorAll(prose.split(', ').map(t => 'article ' + t).join(', '))]
    .filter(el => el.checkVisibility({visibilityProperty: true}))
    .filter(el => !el.closest('pre, .cell_output, .book-scroll, div.math, mjx-container, '
                              + '.book-widget-output, table'))
    .filter(el => el.getBoundingClientRect().right > width + 1)
    .map(el => el.tagName + ': ' + el.textContent.trim().slice(0, 60));
  return {page, width, wide: wide.slice(0, 8)};
}
"""

# Every box in the article that scrolls and overflows can be reached by keyboard (the book's
# script has marked it); polled as the state to wait for before the checks.
JS_SCROLLERS_MARKED = """
() => {
  if (!document.documentElement.dataset.bookScrollers) return false;
  return [...document.querySelectorAll('article *')].every(el => {
    const s = getComputedStyle(el);
    if (!/(auto|scroll)/.test(s.overflowX + s.overflowY)) return true;
    const over = el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1;
    return !over || el.tabIndex >= 0;
  });
}
"""

JS_FOCUS = """
() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  if (!el.dataset.bookTabStop) el.dataset.bookTabStop = String(Math.random());
  return el.dataset.bookTabStop;
}
"""


def _open(site_browser, base_url: str, name: str, width: int):
    """Open ``name`` with every off-site request blocked and recorded; wait for MathJax."""
    context = site_browser.new_context(viewport={"width": width, "height": 900})
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
    if page.evaluate("() => !!document.querySelector('script[src*=\"mathjax\"]')"):
        page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise")
        page.evaluate("() => MathJax.startup.promise")
    page.evaluate("() => document.fonts.ready.then(() => true)")
    page.wait_for_load_state("networkidle")
    page.wait_for_function(JS_SCROLLERS_MARKED, polling=250)
    return context, page, offsite, failed


def _stored(name: str) -> Path | None:
    """The stored notebook a page of the course's book was built from (None for others)."""
    path = REPO / "notebooks" / name.replace(".html", ".ipynb")
    return path if path.exists() else None


def axe_violations(page) -> list[str]:
    """Every violation of every axe-core rule (AAA and experimental ones included)."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    page.evaluate(axe.axe_script)
    rules = page.evaluate("() => axe.getRules().map(r => r.ruleId)")
    results = axe.run(page, options={"runOnly": {"type": "rule", "values": rules}})
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(node["target"][0] if isinstance(node["target"][0], str)
                    else json.dumps(node["target"]) for node in v["nodes"][:4])
        for v in results.response["violations"]
    ]


def tab_stops(page, limit: int) -> int:
    """How many distinct elements the Tab key visits before it comes round (at most limit+1)."""
    page.evaluate("() => { document.activeElement && document.activeElement.blur(); "
                  "window.scrollTo(0, 0); }")
    seen: list[str] = []
    for _ in range(limit + 1):
        page.keyboard.press("Tab")
        stop = page.evaluate(JS_FOCUS)
        if stop is None or (seen and stop == seen[0]):
            break
        if stop not in seen:
            seen.append(stop)
    return len(seen)


@pytest.mark.parametrize("width", list(WIDTHS.values()), ids=list(WIDTHS))
@pytest.mark.parametrize(("site", "name"), course_pages(),
                         ids=[f"{s}:{n}" for s, n in course_pages()])
def test_page_is_complete_offline_and_accessible(site: str, name: str, width: int,
                                                 book_servers: dict, site_browser) -> None:
    context, page, offsite, failed = _open(site_browser, book_servers[site], name, width)
    try:
        assert not offsite, f"{name} asked for something outside the site: {offsite}"
        assert not [url for url in failed if url not in offsite], f"{name}: failed: {failed}"

        images = page.evaluate(JS_IMAGES)
        page.evaluate("() => document.querySelectorAll('img[loading=lazy]').forEach("
                      "i => i.loading = 'eager')")
        page.wait_for_function("() => [...document.images].every(i => i.complete)")
        images = page.evaluate(JS_IMAGES)
        broken = [img["src"] for img in images if not img["complete"] or img["width"] == 0]
        assert not broken, f"{name}: images that did not load: {broken}"
        no_alt = [img["src"] for img in images if len((img["alt"] or "").split()) < 3
                  or img["alt"] in PLACEHOLDER_ALT]
        assert not no_alt, f"{name}: images without a real alt text: {no_alt}"

        math = page.evaluate(JS_MATH)
        stored = _stored(name) if site == "book" else None
        if stored and stored_has_math(stored):
            assert math["containers"] > 0, f"{name}: the notebook has formulas, none typeset"
        assert math["assistive"] == math["containers"], (
            f"{name}: {math['containers'] - math['assistive']} formulas lack MathJax's "
            "assistive MathML (screen readers read that copy)")
        assert not math["errors"], f"{name}: MathJax errors: {math['errors']}"
        assert math["focusable"] == 0, f"{name}: formulas in the tab order"
        raw = page.evaluate(JS_RAW_TEX)
        assert not raw, f"{name}: TeX left untypeset: {raw[:5]}"

        if stored:
            widgets = stored_widget_views(stored)
            assert page.locator(".book-live").count() == widgets, (
                f"{name}: {widgets} stored widgets, each needs its picture and the live note")

        if width == WIDTHS["phone"]:
            sideways = page.evaluate(JS_SIDEWAYS)
            assert sideways["page"] <= sideways["width"] and not sideways["wide"], (
                f"{name}: prose scrolls sideways at {width} px: {sideways}")

        violations = axe_violations(page)
        assert not violations, f"{name} at {width} px: axe-core found:\n" + "\n".join(violations)

        if name != "search.html":
            links = page.evaluate("() => document.querySelectorAll('a[href]').length")
            stops = tab_stops(page, 2 * links)
            assert stops <= 2 * links, (
                f"{name} at {width} px: {stops} tab stops for {links} links")
    finally:
        context.close()


def _search(page, base_url: str, query: str) -> list[str]:
    page.goto(f"{base_url}/search.html?q={query}", wait_until="load")
    # Done when the summary line ("Search finished, found N pages…") has its words.
    page.wait_for_function(
        "() => { const s = document.querySelector('#search-results .search-summary');"
        " return s !== null && s.innerText.trim().length > 0; }")
    return page.evaluate("() => [...document.querySelectorAll('#search-results li a')]"
                         ".map(a => a.getAttribute('href'))")


@pytest.mark.parametrize(("query", "chapter"), [("commutation", "08_second_order"),
                                                ("M5", "03_matrix_rules")])
def test_offline_search_finds_the_right_chapter(query: str, chapter: str, book_servers: dict,
                                                site_browser) -> None:
    context = site_browser.new_context()
    try:
        page = context.new_page()
        found = _search(page, book_servers["book"], query)
        pages = [href.split("#")[0].split("?")[0] for href in found]
        assert f"{chapter}.html" in pages, f"search for {query!r} found {pages}"
        assert pages.index(f"{chapter}.html") < 3, f"{chapter} not near the top: {pages}"
    finally:
        context.close()


def test_the_chinese_edition_searches_in_chinese(book_servers: dict, site_browser) -> None:
    context = site_browser.new_context()
    try:
        page = context.new_page()
        found = _search(page, f"{book_servers['two-editions']}/zh", "标量")
        assert [h for h in found if h.startswith("01_scalar_derivative.html")], found
    finally:
        context.close()


def test_language_switch_goes_to_the_same_chapter(book_servers: dict, site_browser) -> None:
    context = site_browser.new_context(viewport={"width": 390, "height": 900})
    try:
        page = context.new_page()
        base = book_servers["two-editions"]
        page.goto(f"{base}/01_scalar_derivative.html", wait_until="load")
        page.get_by_role("link", name="中文").click()
        page.wait_for_url(f"{base}/zh/01_scalar_derivative.html")
        assert page.evaluate("() => document.documentElement.lang") == "zh-CN"
        page.get_by_role("link", name="English").click()
        page.wait_for_url(f"{base}/01_scalar_derivative.html")
    finally:
        context.close()

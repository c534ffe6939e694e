"""✓/✗ and Chinese characters render from the fonts the book serves, in a browser whose only
font has neither (Chromium started with its own fontconfig file). Its own module: it starts its
own browser, which cannot run beside another module's Playwright session.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from lab_driver import CHROMIUM_ARGS

pytestmark = pytest.mark.browser


FONTS_CONF = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig><dir>{folder}</dir><cachedir>{cache}</cachedir></fontconfig>
"""


def test_check_marks_and_chinese_render_without_such_fonts_installed(
        book_servers: dict, chromium_path: str, tmp_path: Path) -> None:
    """A browser whose only font has neither ✓/✗ nor Chinese draws them from the book's fonts."""
    from playwright.sync_api import sync_playwright

    fonts = tmp_path / "fonts"
    fonts.mkdir()
    # The browser's only font: Computer Modern from matplotlib, which has neither ✓/✗ nor CJK.
    import matplotlib

    only = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "cmr10.ttf"
    (fonts / only.name).symlink_to(only)
    conf = tmp_path / "fonts.conf"
    conf.write_text(FONTS_CONF.format(folder=fonts, cache=tmp_path / "cache"), encoding="utf-8")
    env = {**os.environ, "FONTCONFIG_FILE": str(conf)}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS,
                                             env=env)
        try:
            page = browser.new_page()
            page.goto(f"{book_servers['book']}/03_matrix_rules.html", wait_until="load")
            page.evaluate("() => document.fonts.ready.then(() => true)")
            client = page.context.new_cdp_session(page)
            client.send("DOM.enable")
            client.send("CSS.enable")
            root = client.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
            used = {}
            for selector in (".book-ok", ".book-bad", 'span[lang="zh"]'):
                node = client.send("DOM.querySelector", {"nodeId": root, "selector": selector})
                assert node["nodeId"], f"no {selector} on the page"
                fonts_used = client.send("CSS.getPlatformFontsForNode",
                                         {"nodeId": node["nodeId"]})["fonts"]
                used[selector] = [(f["familyName"], f["isCustomFont"]) for f in fonts_used]
            for selector, fonts_used in used.items():
                assert fonts_used and all(custom for _, custom in fonts_used), (
                    f"{selector} drawn with {fonts_used}, not with a font the book serves")
        finally:
            browser.close()

"""Browser round trip: key press on a slider → kernel → new plot image in the page.

For each notebook that shows a widget with a slider: open it in a throw-away JupyterLab in
headless Debian Chromium (the browser tests' helpers in ``tests/browser/lab_driver.py``), run
it, then press ArrowLeft/ArrowRight on the first slider of each widget and time each press
until the widget's ``img src`` changes, and until the slider's ``aria-valuetext`` (what a
screen reader announces, set in the browser) changes. Skips with a reason when Chromium is
missing.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from . import NOTEBOOK_DIR, REPO, median_p95, report, verdict

PRESSES = 24
TARGET_MS = 100.0
MISS_TIMEOUT_MS = 2_000

sys.path.insert(0, str(REPO / "tests" / "browser"))
import lab_driver  # noqa: E402  (lives with the browser tests, which share it)


def measure(session: lab_driver.NotebookSession,
            index: int) -> tuple[list[float], int, list[float]]:
    """Image latencies in ms over PRESSES alternating presses, how many presses changed no
    image or announced nothing, and the latencies of the announced value text in ms."""
    # An untimed probe to the left: it either moved (so go right next) or the slider sits at
    # its low end (so right is the only way); either way alternate right, left, ... from here.
    session.key_latencies(index, "ArrowLeft", MISS_TIMEOUT_MS)
    keys = ["ArrowRight", "ArrowLeft"]
    samples, misses, announced = [], 0, []
    for press in range(PRESSES):
        seconds = session.key_latencies(index, keys[press % 2], MISS_TIMEOUT_MS)
        if seconds["image"] < 0 or seconds["announced"] < 0:
            misses += 1
        if seconds["image"] >= 0:
            samples.append(seconds["image"] * 1000)
        if seconds["announced"] >= 0:
            announced.append(seconds["announced"] * 1000)
    return samples, misses, announced


def main() -> bool:
    title = "Browser round trip (key press on a slider → updated plot image)"
    headers = ["notebook", "widget #", "presses", "median", "p95", "value text median",
               "target", "result"]
    chromium = lab_driver.find_chromium()
    if chromium is None:
        report(title, headers, [], note="Skipped: Debian's chromium is not installed "
                                        "(apt-get install chromium).")
        return True
    from playwright.sync_api import sync_playwright

    candidates = [path for path in sorted(NOTEBOOK_DIR.glob("*.ipynb"))
                  if lab_driver.stored_widget_views(path)]
    rows, ok = [], True
    shots = Path(tempfile.mkdtemp(prefix="mdlib-bench-browser-"))
    with lab_driver.JupyterLab(NOTEBOOK_DIR) as lab, sync_playwright() as playwright:
        browser = lab_driver.launch_chromium(playwright, chromium)
        for number, path in enumerate(candidates):
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            session = lab_driver.NotebookSession(context.new_page(), lab, path.name,
                                                 f"bench-{number}")
            try:
                session.open()
                session.restart_and_run_all()
                session.wait_for_widgets(lab_driver.stored_widget_views(path))
                for index in range(session.slider_views()):
                    samples, misses, announced = measure(session, index)
                    if not samples:
                        rows.append([path.name, index, f"0/{PRESSES}", "—", "—", "—",
                                     f"≤ {TARGET_MS:.0f} ms", "FAIL"])
                        ok = False
                        continue
                    median, p95 = median_p95(samples)
                    passed = median <= TARGET_MS and not misses
                    ok &= passed
                    spoken = f"{median_p95(announced)[0]:.1f} ms" if announced else "—"
                    rows.append([path.name, index, f"{len(samples)}/{PRESSES}",
                                 f"{median:.0f} ms", f"{p95:.0f} ms", spoken,
                                 f"median ≤ {TARGET_MS:.0f} ms",
                                 verdict(median, TARGET_MS) if passed else "FAIL"])
            finally:
                session.screenshot(shots)
                context.close()
                lab.shutdown_kernels()
        browser.close()
    report(title, headers, rows,
           note=(f"Headless Chromium, one JupyterLab; each press alternates direction. The "
                 "value text (what a screen reader announces) is set in the browser, before the "
                 f"kernel answers. Screenshots: {shots}" if rows else
                 f"No notebook in {NOTEBOOK_DIR} shows a widget: nothing measured."))
    return ok


if __name__ == "__main__":
    sys.exit(0 if main() else 1)

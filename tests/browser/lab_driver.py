"""Start a throw-away JupyterLab and drive it with Debian's Chromium (shared by tests and benchmarks).

Nothing here touches the user's Jupyter set-up: the server gets temporary config, data and
runtime folders, and its user settings switch off what gets in a robot's way (the news and
update pop-ups, toasts, the kernel-restart dialog, lazy cell rendering).

The module is named ``lab_driver`` (not ``jupyter_server``) so it never shadows the real
``jupyter_server`` package when pytest puts ``tests/browser`` on ``sys.path``.

>>> free_port() > 1024
True
>>> find_chromium() is None or find_chromium().startswith("/")
True
"""

from __future__ import annotations

import contextlib
import importlib
import json
import math
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
# Overridable so the harness itself can be tried on a folder of deliberately broken notebooks.
NOTEBOOK_DIR = Path(os.environ.get("MDLIB_BROWSER_NOTEBOOKS", REPO / "notebooks"))
WIDGET_VIEW_MIME = "application/vnd.jupyter.widget-view+json"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync",
]

# JupyterLab user settings for a robot: no pop-ups, no network, every cell in the DOM.
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification": {
        "fetchNews": "false", "checkForUpdates": False, "doNotDisturbMode": True,
    },
    "@jupyterlab/apputils-extension/sessionDialogs": {"skipKernelRestartDialog": True},
    # The tests re-run the committed notebooks: never write them back.
    "@jupyterlab/docmanager-extension/plugin": {"autosave": False, "confirmClosingDocument": False},
    # Windowing would detach off-screen cells; the tests count outputs in the whole notebook.
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
}


def find_chromium() -> str | None:
    """Path of Debian's ``chromium`` (never a browser downloaded by Playwright), or None."""
    found = shutil.which("chromium")
    if found:
        return found
    return "/usr/bin/chromium" if os.access("/usr/bin/chromium", os.X_OK) else None


def skip_or_fail(reason: str) -> None:
    """Skip the calling test locally; in CI (``CI=true``) the browser tests are required, so fail.

    Called from fixtures only: pytest is imported here so the benchmark can import this module
    without it.
    """
    import pytest

    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true: the browser tests must run in CI)", pytrace=False)
    pytest.skip(reason)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class JupyterLab:
    """A JupyterLab server on 127.0.0.1 with a random token and private Jupyter folders.

    Use as a context manager; :meth:`stop` ends the server and every kernel it started.
    """

    def __init__(self, root_dir: Path = NOTEBOOK_DIR, startup_timeout: float = 90.0) -> None:
        self.root_dir = Path(root_dir)
        self.startup_timeout = startup_timeout
        self.port = free_port()
        self.token = secrets.token_hex(16)
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.scratch = Path(tempfile.mkdtemp(prefix="mdlib-lab-"))
        self.log_path = self.scratch / "server.log"
        self.process: subprocess.Popen | None = None

    # -- lifecycle --------------------------------------------------------------------------
    def start(self) -> JupyterLab:
        env = dict(os.environ)
        for var, sub in {"JUPYTER_CONFIG_DIR": "config", "JUPYTER_DATA_DIR": "data",
                         "JUPYTER_RUNTIME_DIR": "runtime", "IPYTHONDIR": "ipython",
                         "MPLCONFIGDIR": "matplotlib"}.items():
            env[var] = str(self.scratch / sub)
            os.makedirs(env[var], exist_ok=True)
        self._write_settings(Path(env["JUPYTER_CONFIG_DIR"]) / "lab" / "user-settings")
        command = [
            sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1",
            f"--port={self.port}", "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={self.root_dir}",
            # Lets the driver call JupyterLab commands (window.jupyterapp) instead of menus.
            "--LabApp.expose_app_in_browser=True",
            f"--LabApp.workspaces_dir={self.scratch / 'workspaces'}",
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            command.append("--allow-root")
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(command, env=env, stdout=self._log,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        self._wait_until_ready()
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            # The server has its own process group (start_new_session): end it and its kernels.
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
        if getattr(self, "_log", None):
            self._log.close()
        shutil.rmtree(self.scratch, ignore_errors=True)

    def __enter__(self) -> JupyterLab:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _write_settings(self, settings_dir: Path) -> None:
        for name, values in LAB_SETTINGS.items():
            path = settings_dir / f"{name}.jupyterlab-settings"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values), encoding="utf-8")

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"JupyterLab exited at start-up; log:\n{self.log_tail()}")
            try:
                self.api("GET", "/api/status")
                return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.25)
        raise RuntimeError(f"JupyterLab did not answer within {self.startup_timeout:.0f} s; "
                           f"log:\n{self.log_tail()}")

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    # -- REST and URLs -----------------------------------------------------------------------
    def api(self, method: str, path: str) -> Any:
        request = urllib.request.Request(
            f"{self.base_url}{path}", method=method,
            headers={"Authorization": f"token {self.token}"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
        return json.loads(body) if body else None

    def shutdown_kernels(self) -> None:
        """End every session and kernel, so notebooks tested one after another never pile up.

        Best effort: called from ``finally`` blocks, it must not hide the error being raised.
        """
        try:
            for session in self.api("GET", "/api/sessions"):
                self.api("DELETE", f"/api/sessions/{session['id']}")
            for kernel in self.api("GET", "/api/kernels"):
                self.api("DELETE", f"/api/kernels/{kernel['id']}")
        except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
            print(f"could not shut the kernels down: {exc}; server log:\n{self.log_tail()}")

    def notebook_url(self, name: str, workspace: str) -> str:
        """Open ``name`` in a fresh workspace, so no earlier tab is restored beside it."""
        return f"{self.base_url}/lab/workspaces/{workspace}/tree/{name}?token={self.token}&reset"


def launch_chromium(playwright: Any, executable: str) -> Any:
    """Debian's Chromium through Playwright, headless, with no calls home."""
    return playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)


def required_chromium(*modules: str) -> str:
    """Path of Debian's Chromium for a browser test, after checking that playwright (and any
    other ``modules``) can be imported; otherwise skip, or fail in CI (:func:`skip_or_fail`).

    >>> callable(required_chromium)
    True
    """
    path = find_chromium()
    if path is None:
        skip_or_fail("Debian's chromium is not installed (apt-get install chromium)")
    for module in ("playwright.sync_api", *modules):
        try:
            importlib.import_module(module)
        except ImportError:
            skip_or_fail(f"the Python package {module.split('.')[0]} is not installed "
                         "(see binder/requirements.txt)")
    return path


@contextlib.contextmanager
def running_chromium(executable: str) -> Iterator[Any]:
    """A headless Chromium for the length of a ``with`` block (Playwright started and stopped)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright, executable)
        try:
            yield browser
        finally:
            browser.close()


def stored_widget_views(path: Path) -> int:
    """How many widget views the stored notebook displays (outputs with the widget mime type)."""
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    return sum(
        WIDGET_VIEW_MIME in output.get("data", {})
        for cell in nb["cells"] if cell["cell_type"] == "code"
        for output in cell.get("outputs", [])
    )


def stored_images(path: Path) -> int:
    """How many static images (PNG/JPEG/SVG outputs) the stored notebook shows."""
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    return sum(
        any(mime in output.get("data", {}) for mime in ("image/png", "image/jpeg", "image/svg+xml"))
        for cell in nb["cells"] if cell["cell_type"] == "code"
        for output in cell.get("outputs", [])
    )


def stored_has_math(path: Path) -> bool:
    """Whether any markdown cell holds LaTeX ($…$, $$…$$, \\(…\\) or \\begin{…})."""
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            source = "".join(cell["source"])
            if "$" in source or "\\(" in source or "\\begin{" in source:
                return True
    return False


# -- in-page JavaScript (JupyterLab 4 API through window.jupyterapp) -------------------------
# The course's sliders are native range inputs (mdlib.widgets.ReaderSlider); an ipywidgets
# slider (a noUiSlider handle, with no accessible name) is counted apart, so a test can refuse it.
SLIDER = "input[type=range]"
NOUI_HANDLE = ".noUi-handle"
# A widget view is rendered as an output node WITHOUT data-mime-type (ipywidgets' renderer is a
# Lumino panel); outputs nested inside an Output widget are not top-level views.
JS_WIDGET_VIEWS = """
  [...window.jupyterapp.shell.currentWidget.node.querySelectorAll('.jp-OutputArea-output')]
    .filter(o => !o.hasAttribute('data-mime-type') && !o.parentElement.closest('.jupyter-widgets'))
"""
JS_CURRENT_STATE = """
() => {
  const app = window.jupyterapp;
  if (!app || !app.shell) return null;
  const panel = app.shell.currentWidget;
  if (!panel || !panel.content || !panel.sessionContext || !panel.content.model) return null;
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  const cells = panel.content.model.cells;
  let code = 0, executed = 0, errors = [];
  for (let i = 0; i < cells.length; i++) {
    const cell = cells.get(i);
    if (cell.type !== 'code') continue;
    code += 1;
    if (cell.executionCount) executed += 1;
    for (let j = 0; j < cell.outputs.length; j++) {
      const out = cell.outputs.get(j);
      if (out.type === 'error') {
        const raw = out.toJSON();
        errors.push(`cell ${i}: ${raw.ename}: ${raw.evalue}`);
      }
    }
  }
  return {ready: panel.context.isReady && panel.sessionContext.isReady,
          kernel: kernel ? kernel.status : null, code, executed, errors,
          path: panel.context.path};
}
"""

JS_RESTART_RUN_ALL = """
async () => {
  // Clear first, so the stored execution counts cannot pass for a finished run. The restart
  // dialog is switched off in the user settings; the command resolves after the run.
  await window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs');
  await window.jupyterapp.commands.execute('notebook:restart-run-all');
}
"""

JS_DOM_REPORT = f"""
() => {{
  const panel = window.jupyterapp.shell.currentWidget.node;
  const outputs = [...panel.querySelectorAll('.jp-OutputArea-output')];
  const widgetOutputs = {JS_WIDGET_VIEWS};
  const text = o => (o.innerText || '').slice(0, 300);
  return {{
    stderr: [...panel.querySelectorAll(
      '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')].map(text),
    widgetErrors: widgetOutputs.filter(o => /Error displaying widget/.test(o.innerText)).map(text),
    widgetViews: widgetOutputs.length,
    renderedWidgets: widgetOutputs.filter(
      o => o.querySelector('.jupyter-widgets, .widget-box, .lm-Widget.jupyter-widgets')).length,
    images: panel.querySelectorAll('.jp-OutputArea-output img').length,
    math: panel.querySelectorAll('.jp-MarkdownOutput mjx-container').length,
    sliders: widgetOutputs.filter(o => o.querySelector('{SLIDER}')).length,
    noUiSliders: panel.querySelectorAll('{NOUI_HANDLE}').length,
  }};
}}
"""

# The state one slider drives: the image(s) and the HTML readout(s) of the same widget view.
JS_WIDGET_STATE = f"""
(index) => {{
  const view = {JS_WIDGET_VIEWS}.filter(o => o.querySelector('{SLIDER}'))[index];
  const slider = view.querySelector('{SLIDER}');
  return {{
    value: slider.value,
    valuetext: slider.getAttribute('aria-valuetext'),
    images: [...view.querySelectorAll('img')].map(img => img.src),
    readout: [...view.querySelectorAll('.widget-html, .widget-htmlmath')].map(
      h => h.innerText).join(' | '),
  }};
}}
"""


def wait_for_verdict_of(page: Any, checker: str, text: str, timeout_ms: float = 120_000) -> None:
    """Wait until the step checker ``checker`` (a CSS selector) shows its verdicts for ``text``.

    The widget marks its table and its verdict with the text they judged
    (``data-checked-text``); a verdict computed on a half-typed line carries that line, so it is
    never taken for the verdict of the text in the box. A state, not a time or a phrase.
    """
    page.wait_for_function(
        """(args) => {
             const root = document.querySelector(args.checker);
             if (!root) return false;
             const area = root.querySelector('textarea');
             const marked = [...root.querySelectorAll('[data-checked-text]')];
             return area && area.value === args.text && marked.length >= 2
                    && marked.every(m => m.getAttribute('data-checked-text') === args.text);
           }""", arg={"checker": checker, "text": text}, timeout=timeout_ms, polling=100)


def announced_and_computed(state: dict) -> tuple[float, float | None]:
    """The number a slider announces (its ``aria-valuetext``, "h = 7.5e-1") and the one its
    widget's readout shows for the same symbol ("h = 7.50e-01 …"; None if it shows none).

    >>> announced_and_computed({"valuetext": "ρ = 7.5e-1", "readout": "ρ = 7.50e-01  max gap"})
    (0.75, 0.75)
    """
    symbol, _, number = (state.get("valuetext") or "").partition(" = ")
    shown = re.search(rf"{re.escape(symbol)} = (-?[\d.]+(?:e[+-]\d+)?)", state["readout"])
    return float(number), (float(shown.group(1)) if shown else None)


def _utf8(text: str | None) -> str | None:
    """``text`` as the page wrote it: Chromium's DevTools protocol reports the ``valuetext``
    property's UTF-8 bytes as Latin-1 characters ("Ï\x81" for "ρ"), unlike every other string.

    >>> _utf8("Ï\x81 = 3.0e-1"), _utf8("h = 1.0e-2"), _utf8(None)
    ('ρ = 3.0e-1', 'h = 1.0e-2', None)
    """
    if text is None:
        return None
    try:
        return text.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text


class NotebookSession:
    """One notebook open in the browser: run it, inspect the DOM, move its sliders."""

    def __init__(self, page: Any, lab: JupyterLab, name: str, workspace: str) -> None:
        self.page = page
        self.lab = lab
        self.name = name
        self.workspace = workspace

    def open(self, timeout_ms: float = 60_000) -> None:
        """Load the notebook page and wait until its kernel is idle.

        A dialog that appears meanwhile (e.g. the kernel picker for a notebook that names no
        kernel) is accepted with its default button.
        """
        self.page.goto(self.lab.notebook_url(self.name, self.workspace))
        ready = f"""() => {{
              const app = window.jupyterapp;
              const w = app && app.shell && app.shell.currentWidget;
              return !!(w && w.context && w.context.path === {json.dumps(self.name)}
                        && w.context.isReady && w.sessionContext && w.sessionContext.isReady
                        && w.sessionContext.session && w.sessionContext.session.kernel
                        && w.sessionContext.session.kernel.status === 'idle');
            }}"""
        deadline = time.monotonic() + timeout_ms / 1000
        while not self.page.evaluate(ready):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.name} did not open with an idle kernel in "
                                   f"{timeout_ms / 1000:.0f} s")
            accept = self.page.locator(".jp-Dialog .jp-mod-accept")
            if accept.count():
                accept.first.click()
            self.page.wait_for_timeout(200)

    def state(self) -> dict:
        return self.page.evaluate(JS_CURRENT_STATE)

    def restart_and_run_all(self, timeout_ms: float = 180_000) -> dict:
        """Restart the kernel, run every cell, wait until all have a count and it is idle."""
        self.page.evaluate(JS_RESTART_RUN_ALL)
        self.page.wait_for_function(
            f"""() => {{
              const s = ({JS_CURRENT_STATE})();
              return s && s.kernel === 'idle' && (s.executed === s.code || s.errors.length > 0);
            }}""",
            timeout=timeout_ms, polling=250,
        )
        return self.state()

    def dom_report(self) -> dict:
        return self.page.evaluate(JS_DOM_REPORT)

    def wait_for_math(self, timeout_ms: float = 20_000) -> int:
        """Wait until MathJax typeset something in the markdown; return how many formulas."""
        try:
            self.page.wait_for_selector(".jp-MarkdownOutput mjx-container", state="attached",
                                        timeout=timeout_ms)
        except Exception:  # noqa: BLE001 - the caller asserts on the count
            return 0
        return self.page.locator(".jp-MarkdownOutput mjx-container").count()

    def wait_for_widgets(self, expected: int, timeout_ms: float = 120_000) -> None:
        """Wait until ``expected`` widget views are rendered (rendering is asynchronous)."""
        if expected == 0:
            return
        try:
            self.page.wait_for_function(
                f"""(n) => ({JS_DOM_REPORT})().renderedWidgets >= n""", arg=expected,
                timeout=timeout_ms, polling=250)
        except Exception:  # noqa: BLE001 - the caller asserts on the counts
            pass

    def slider_views(self) -> int:
        return self.dom_report()["sliders"]

    def widget_state(self, index: int) -> dict:
        return self.page.evaluate(JS_WIDGET_STATE, index)

    def slider_handle(self, index: int) -> Any:
        """The range input of the ``index``-th widget view that holds a slider."""
        # Same order as JS_WIDGET_VIEWS: document order of top-level views holding a slider.
        views = self.page.locator(
            f".jp-NotebookPanel .jp-OutputArea-output:not([data-mime-type]):has({SLIDER})"
            ":not(.jupyter-widgets .jp-OutputArea-output)")
        return views.nth(index).locator(SLIDER).first

    def press_on_slider(self, index: int, key: str, times: int = 1) -> None:
        handle = self.slider_handle(index)
        handle.scroll_into_view_if_needed()
        handle.focus()
        for _ in range(times):
            handle.press(key)

    def accessible_sliders(self) -> list[dict]:
        """Every slider of the page as Chromium's accessibility tree exposes it to a screen
        reader, in document order: ``{"name": …, "valuetext": …, "value": …}`` (the accessible
        name, the ``aria-valuetext`` that is announced, and the raw position)."""
        client = self.page.context.new_cdp_session(self.page)
        try:
            root = client.send("DOM.getDocument", {"depth": 0})["root"]
            ids = client.send("DOM.querySelectorAll",
                              {"nodeId": root["nodeId"], "selector": SLIDER})["nodeIds"]
            found = []
            for node_id in ids:
                node = client.send("Accessibility.getPartialAXTree",
                                   {"nodeId": node_id, "fetchRelatives": False})["nodes"][0]
                properties = {p["name"]: p["value"].get("value") for p in node.get("properties", [])}
                found.append({"role": node.get("role", {}).get("value"),
                              "name": node.get("name", {}).get("value", ""),
                              "valuetext": _utf8(properties.get("valuetext")),
                              "value": node.get("value", {}).get("value")})
            return found
        finally:
            client.detach()

    def move_slider_until_changed(self, index: int, timeout_ms: float = 120_000) -> tuple[dict, dict]:
        """Press an arrow key on a slider (ArrowLeft when it is at its top end) and wait until
        both its plot image and its readout have changed.

        The direction is read from the input's value and maximum before pressing, not guessed
        by waiting: a busy kernel may answer late, and pressing the other way meanwhile could
        bring the slider back to where it started. Returns the widget state before and after
        (images, readout, the input's value and its ``aria-valuetext``).
        """
        before = self.widget_state(index)
        handle = self.slider_handle(index)
        now, top = handle.evaluate("input => [input.value, input.max]")
        try:
            at_top = float(now) >= float(top)
        except (TypeError, ValueError):  # no numbers to compare: the right arrow moves it
            at_top = False
        self.press_on_slider(index, "ArrowLeft" if at_top else "ArrowRight", times=3)
        try:
            self.page.wait_for_function(
                f"""(args) => {{
                  const s = ({JS_WIDGET_STATE})(args.index);
                  return JSON.stringify(s.images) !== JSON.stringify(args.before.images)
                         && s.readout !== args.before.readout;
                }}""",
                arg={"index": index, "before": before}, timeout=timeout_ms, polling=50,
            )
        except Exception:  # noqa: BLE001 - the caller asserts on the states and says which
            pass
        return before, self.widget_state(index)

    def wait_until_readout_agrees(self, index: int, timeout_ms: float = 60_000) -> bool:
        """Wait until the readout of slider ``index``'s widget shows the value the slider
        announces ("h = 7.5e-1" and "h = 7.50e-01 …"): the kernel answers key presses in turn,
        so a state is awaited, not a time. False if it never does."""
        deadline = time.monotonic() + timeout_ms / 1000
        while time.monotonic() < deadline:
            announced, computed = announced_and_computed(self.widget_state(index))
            if computed is not None and math.isclose(computed, announced, rel_tol=0.05,
                                                     abs_tol=0.005):
                return True
            self.page.wait_for_timeout(100)
        return False

    def key_to_image_latency(self, index: int, key: str, timeout_ms: float = 5_000) -> float:
        """Seconds from a real key press on a slider to the widget's plot image changing;
        -1.0 if it never does (see :meth:`key_latencies`)."""
        return self.key_latencies(index, key, timeout_ms)["image"]

    def key_latencies(self, index: int, key: str, timeout_ms: float = 5_000) -> dict:
        """Seconds from a real key press on a slider to what the reader gets back:
        ``{"announced": …, "image": …}``, the slider's ``aria-valuetext`` changing (set in the
        browser) and the widget's plot image changing (after the kernel's round trip).

        The clock starts in a capturing ``keydown`` listener and stops when a
        ``MutationObserver`` sees the attribute change; -1.0 for one that never does.
        """
        handle = self.slider_handle(index)
        handle.focus()
        self.page.evaluate(
            f"""(args) => {{
              const view = {JS_WIDGET_VIEWS}.filter(o => o.querySelector('{SLIDER}'))[args.index];
              window.__mdlibLatency = new Promise(resolve => {{
                let t0 = null;
                const seen = {{announced: -1, image: -1}};
                document.addEventListener('keydown', () => {{ t0 = performance.now(); }},
                                          {{capture: true, once: true}});
                const done = () => {{ observer.disconnect(); resolve(seen); }};
                const observer = new MutationObserver(records => {{
                  if (t0 === null) return;
                  const now = (performance.now() - t0) / 1000;
                  for (const record of records) {{
                    const what = record.attributeName === 'src' ? 'image' : 'announced';
                    if (seen[what] < 0) seen[what] = now;
                  }}
                  if (seen.image >= 0 && seen.announced >= 0) done();
                }});
                observer.observe(view, {{attributes: true, subtree: true,
                                         attributeFilter: ['src', 'aria-valuetext']}});
                setTimeout(done, args.timeout);
              }});
            }}""",
            {"index": index, "timeout": timeout_ms},
        )
        handle.press(key)
        return {name: float(value)
                for name, value in self.page.evaluate("() => window.__mdlibLatency").items()}

    def screenshot(self, folder: Path) -> Path:
        path = Path(folder) / f"{Path(self.name).with_suffix('').as_posix().replace('/', '-')}.png"
        self.page.screenshot(path=str(path))
        return path

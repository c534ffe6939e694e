"""``make lab`` as a new user runs it on a machine with no display: it must start and answer.

The server is started through the Makefile (not by calling jupyter directly), on a free port
given through ``LAB_ARGS``, with private Jupyter folders; the test waits until JupyterLab
answers over HTTP on 127.0.0.1, then ends the whole process group (make, JupyterLab, kernels).
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT = 90.0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(port: int, token: str, path: str) -> tuple[int, bytes] | None:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}",
                                     headers={"Authorization": f"token {token}"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read()
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


def _status(port: int, token: str) -> int | None:
    answer = _get(port, token, "/api/status")
    return None if answer is None else answer[0]


EDITIONS = [("en", "00_start.ipynb", "en"), ("zh", "zh/00_start.ipynb", "zh_CN")]


@pytest.mark.parametrize(("edition", "start", "locale"), EDITIONS, ids=[e[0] for e in EDITIONS])
def test_make_lab_starts_headless(tmp_path: Path, edition: str, start: str, locale: str) -> None:
    if not (REPO / "notebooks" / start).exists():
        pytest.skip(f"notebooks/{start} does not exist yet")
    port, token = _free_port(), secrets.token_hex(16)
    env = {key: value for key, value in os.environ.items()
           if key not in ("DISPLAY", "WAYLAND_DISPLAY", "MAKEFLAGS", "MAKELEVEL", "MFLAGS")}
    for var in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR",
                "MPLCONFIGDIR"):
        env[var] = str(tmp_path / var.lower())
    env["LAB_ARGS"] = (f"--port={port} --ServerApp.port_retries=0 --ServerApp.ip=127.0.0.1 "
                       f"--IdentityProvider.token={token} "
                       f"--LabApp.workspaces_dir={tmp_path / 'workspaces'}")
    log_path = tmp_path / "make-lab.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(["make", "--no-print-directory", "lab", f"EDITION={edition}"],
                                   cwd=REPO, env=env,
                                   stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            deadline = time.monotonic() + STARTUP_TIMEOUT
            status = None
            while status is None and time.monotonic() < deadline:
                if process.poll() is not None:
                    break
                time.sleep(0.5)
                status = _status(port, token)
            output = log_path.read_text(errors="replace")
            assert status == 200, f"JupyterLab did not answer on port {port}; output:\n{output}"
            # The interface's language: Chinese menus for the Chinese edition (the language
            # pack is installed and chosen), JupyterLab's default for the English one.
            answer = _get(port, token,
                          "/lab/api/settings/@jupyterlab/translation-extension:plugin")
            assert answer is not None and answer[0] == 200, answer
            chosen = json.loads(answer[1])["settings"].get("locale", "en")
            assert chosen == locale, chosen
            packs = json.loads(_get(port, token, "/lab/api/translations")[1])["data"]
            assert "zh_CN" in packs, sorted(packs)
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait(timeout=5)

    output = log_path.read_text(errors="replace")
    is_root = os.geteuid() == 0
    assert ("started with --allow-root" in output) == is_root, output
    assert "no browser is opened; open the URL JupyterLab prints below" in output, output
    # JupyterLab's own line with the URL to open: the start page, not the Launcher (a token
    # set on the command line is masked).
    assert f"the course opens at notebooks/{start}" in output, output
    assert f"http://127.0.0.1:{port}/lab/tree/{start}?token=" in output, output


def test_make_lab_names_an_edition_it_cannot_open() -> None:
    done = subprocess.run(["make", "--no-print-directory", "lab", "EDITION=fr"],
                          cwd=REPO, capture_output=True, text=True, timeout=120)
    said = "EDITION=fr is not an edition of the course (en or zh)"
    assert done.returncode != 0 and said in done.stdout + done.stderr, done

"""``binder/`` follows repo2docker's documented conventions, and stays in step with the project.

repo2docker reads only ``binder/`` when that folder exists (the root ``pyproject.toml`` is then
ignored): ``runtime.txt`` holds one line ``python-x.y``, ``requirements.txt`` is installed with
pip, and ``postBuild`` (a script starting ``#!/bin/bash``, which should stop on errors) runs
afterwards in the repository root.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BINDER = REPO / "binder"


def test_runtime_pins_a_python_the_project_supports() -> None:
    runtime = (BINDER / "runtime.txt").read_text(encoding="utf-8").strip()
    found = re.fullmatch(r"python-(\d+)\.(\d+)", runtime)
    assert found, f"binder/runtime.txt must be one line python-x.y, not {runtime!r}"
    requires = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["requires-python"]
    minimum = re.fullmatch(r">=\s*(\d+)\.(\d+)", requires)
    assert minimum, f"unexpected requires-python {requires!r}"
    assert tuple(map(int, found.groups())) >= tuple(map(int, minimum.groups())), (runtime, requires)


def test_post_build_installs_the_course_library_without_touching_the_lock() -> None:
    script = BINDER / "postBuild"
    assert os.access(script, os.X_OK), "binder/postBuild must be executable"
    text = script.read_text(encoding="utf-8")
    assert text.startswith("#!/bin/bash\n")
    assert re.search(r"^set -e", text, re.MULTILINE), "postBuild must stop at the first error"
    # --no-deps: every dependency comes from the lock, pinned, never re-resolved here.
    assert re.search(r"pip install --no-deps\b.* \.$", text, re.MULTILINE), text


def test_one_lock_and_no_other_environment_file() -> None:
    """Binder, CI and `make` install the same set: no second spec for repo2docker to pick."""
    others = ["environment.yml", "Pipfile", "Pipfile.lock", "setup.py", "apt.txt", "Dockerfile",
              "requirements.txt"]
    assert not [name for name in others if (REPO / name).exists()
                or (name not in ("requirements.txt", "apt.txt") and (BINDER / name).exists())]
    assert not (REPO / ".binder").exists(), "repo2docker refuses both binder/ and .binder/"
    lock = (BINDER / "requirements.txt").read_text(encoding="utf-8").splitlines()
    pins = [line for line in lock if line and not line.startswith("#")]
    assert all(re.fullmatch(r"[A-Za-z0-9_.\-]+==[\w.]+", line) for line in pins), (
        "every line of the lock is an exact pin")


def test_debian_packages_are_declared_once_for_binder_and_ci() -> None:
    """binder/apt.txt (read by repo2docker) is also what .ci/run installs, and the README says
    so in its set-up."""
    packages = [line.strip() for line in (BINDER / "apt.txt").read_text().splitlines()
                if line.strip() and not line.startswith("#")]
    assert "fonts-noto-cjk" in packages
    assert all(re.fullmatch(r"[a-z0-9][a-z0-9.+-]+", name) for name in packages), packages
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert "binder/apt.txt" in ci and "apt-get install" in ci
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "apt-get install chromium fonts-noto-cjk" in readme


def test_jupyterlab_settings_ship_once_for_make_lab_and_binder() -> None:
    """One overrides file: news off, widget state saved with the notebook; postBuild and the
    Makefile both install it into the environment's JupyterLab settings folder."""
    import json

    settings = json.loads((BINDER / "jupyterlab-overrides.json").read_text(encoding="utf-8"))
    assert settings["@jupyter-widgets/jupyterlab-manager:plugin"] == {"saveState": True}
    assert settings["@jupyterlab/apputils-extension:notification"]["fetchNews"] == "false"
    post_build = (BINDER / "postBuild").read_text(encoding="utf-8")
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    for text in (post_build, makefile):
        assert "binder/jupyterlab-overrides.json" in text
        assert "share/jupyter/lab/settings/overrides.d" in text

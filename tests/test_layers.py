"""The layers of mdlib hold: import-linter's contract (``[tool.importlinter]`` in pyproject.toml).

Each module imports only from the layers below it, function-local imports included, the
layer lists name every module (a new one must be placed), and no package has an import cycle.
The second test shows that the contract can fail: a copy of mdlib with one upward import
inside a function and one cycle through the engine breaks it, naming both.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import mdlib

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _lint(package_parent: Path | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    if package_parent is not None:  # a copy of mdlib found before the installed one
        env["PYTHONPATH"] = os.pathsep.join([str(package_parent), env.get("PYTHONPATH", "")])
    return subprocess.run([str(LINT_IMPORTS), "--no-cache", str(ROOT / "pyproject.toml")],
                          cwd=package_parent or ROOT, env=env, capture_output=True, text=True,
                          timeout=300)


def test_the_layers_of_mdlib_are_kept():
    run = _lint()
    assert run.returncode == 0, run.stdout + run.stderr
    assert "3 kept, 0 broken" in run.stdout


def test_an_upward_import_inside_a_function_or_a_cycle_breaks_the_contract(tmp_path):
    copy = tmp_path / "mdlib"
    shutil.copytree(Path(mdlib.__file__).parent, copy,
                    ignore=shutil.ignore_patterns("__pycache__"))
    with open(copy / "errors.py", "a", encoding="utf-8") as errors:
        errors.write("\n\ndef _show_in_a_widget():\n    from . import widgets\n\n    return widgets\n")
    with open(copy / "engine" / "nodes.py", "a", encoding="utf-8") as nodes:
        nodes.write("\n\ndef _printer():\n    from . import vectorize\n\n    return vectorize\n")
    run = _lint(tmp_path)
    assert run.returncode != 0
    assert "0 kept, 3 broken" in run.stdout, run.stdout
    assert "mdlib.errors is not allowed to import mdlib.widgets" in run.stdout
    assert "mdlib.engine.nodes is not allowed to import mdlib.engine.vectorize" in run.stdout
    assert ".nodes -> .vectorize" in run.stdout  # the cycle, named by the acyclic contract

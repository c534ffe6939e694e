"""Headless execution time of each notebook with nbclient (kernel start included), and the total.

This is what ``make test``'s nbval pass and a student's "Run all" cost. Notebooks run from
their own folder, in private Jupyter/IPython/matplotlib folders; nothing is written back.
"""

from __future__ import annotations

import os
import re
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from . import NOTEBOOK_DIR, private_jupyter_env, report, verdict

TARGET_TOTAL_S = 60.0


def run_notebook(path: os.PathLike) -> tuple[float, str]:
    """Seconds to execute the notebook, and '' or the error that stopped it."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(NOTEBOOK_DIR)}})
    start = time.perf_counter()
    try:
        client.execute()
        error = ""
    except CellExecutionError as exc:
        last_line = str(exc).strip().splitlines()[-1]
        error = re.sub(r"\x1b\[[0-9;]*m", "", last_line)[:80]  # drop terminal colours
    return time.perf_counter() - start, error


def main() -> bool:
    notebooks = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
    if not notebooks:
        report("Notebook execution (nbclient)", ["notebook", "seconds"], [],
               note=f"No notebooks in {NOTEBOOK_DIR}: nothing measured.")
        return True
    saved = dict(os.environ)
    os.environ.update(private_jupyter_env())  # the kernels inherit these folders
    try:
        rows, total, errors = [], 0.0, 0
        for path in notebooks:
            seconds, error = run_notebook(path)
            total += seconds
            errors += bool(error)
            rows.append([path.name, f"{seconds:.1f} s", "", "FAIL: " + error if error else "ok"])
    finally:
        os.environ.clear()
        os.environ.update(saved)
    ok = total <= TARGET_TOTAL_S and not errors
    rows.append([f"**total ({len(notebooks)} notebooks)**", f"**{total:.1f} s**",
                 f"< {TARGET_TOTAL_S:.0f} s", verdict(total, TARGET_TOTAL_S) if not errors else "FAIL"])
    report("Notebook execution (nbclient, headless, kernel start included)",
           ["notebook", "time", "target", "result"], rows)
    return ok


if __name__ == "__main__":
    sys.exit(0 if main() else 1)

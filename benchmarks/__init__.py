"""Speed measurements of the course (``make bench`` = ``python -m benchmarks``), not tests.

Each ``benchmarks/bench_*.py`` module has a ``main()`` that prints a markdown table with a
target and a PASS/FAIL column and returns True when every target is met. The helpers below
keep the tables and the machine line the same everywhere.

>>> print(markdown_table(["what", "ms"], [["a", "1.0"]]))
| what | ms |
|---|---|
| a | 1.0 |
>>> verdict(0.5, 1.0)
'PASS'
"""

from __future__ import annotations

import os
import platform
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
# The same override as the browser tests, so a benchmark can be tried on other notebooks.
NOTEBOOK_DIR = Path(os.environ.get("MDLIB_BROWSER_NOTEBOOKS", REPO / "notebooks"))


def cpu_model() -> str:
    """The CPU model name from /proc/cpuinfo (Linux), else what platform knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"


def machine_line() -> str:
    """One line describing where the numbers were measured."""
    return (f"Machine: {os.cpu_count()} cores, {cpu_model()}, Python {platform.python_version()} "
            f"({platform.system()} {platform.machine()})")


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def verdict(value: float, limit: float) -> str:
    """PASS when ``value`` is at most ``limit`` (all targets here are upper bounds)."""
    return "PASS" if value <= limit else "FAIL"


def median_p95(samples: Sequence[float]) -> tuple[float, float]:
    """Median and 95th percentile of ``samples``.

    >>> median_p95([1.0, 2.0, 3.0, 4.0, 100.0])
    (3.0, 80.8)
    """
    values = np.asarray(samples, dtype=float)
    return float(np.median(values)), round(float(np.percentile(values, 95)), 6)


def report(title: str, headers: Sequence[str], rows: Sequence[Sequence[object]],
           note: str = "") -> None:
    """Print one benchmark's section: title, machine line, table, optional note."""
    print(f"\n## {title}\n")
    print(machine_line() + "\n")
    print(markdown_table(headers, rows))
    if note:
        print(f"\n{note}")
    sys.stdout.flush()


def private_jupyter_env() -> dict[str, str]:
    """Environment with Jupyter, IPython and matplotlib folders in a fresh temp directory."""
    scratch = tempfile.mkdtemp(prefix="mdlib-bench-")
    env = dict(os.environ)
    for var, sub in {"JUPYTER_CONFIG_DIR": "config", "JUPYTER_DATA_DIR": "data",
                     "JUPYTER_RUNTIME_DIR": "runtime", "IPYTHONDIR": "ipython",
                     "MPLCONFIGDIR": "matplotlib"}.items():
        env[var] = os.path.join(scratch, sub)
        os.makedirs(env[var], exist_ok=True)
    return env

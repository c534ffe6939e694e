"""Import time of mdlib in a fresh interpreter: what a reader waits for in the first cell.

Each run starts a new Python process and times only the ``import`` statement (interpreter
start-up excluded); one untimed warm-up run fills the OS file cache and matplotlib's font cache.
"""

from __future__ import annotations

import statistics
import subprocess
import sys

from . import REPO, private_jupyter_env, report, verdict

RUNS = 5
# (module, target in seconds): the widgets pull in matplotlib and ipywidgets.
TARGETS = [("mdlib", 1.0), ("mdlib.widgets", 2.0)]
_SNIPPET = "import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"


def import_seconds(module: str, env: dict[str, str]) -> float:
    result = subprocess.run([sys.executable, "-c", _SNIPPET.format(module=module)], env=env,
                            cwd=REPO, capture_output=True, text=True, check=True)
    return float(result.stdout.strip().splitlines()[-1])


def main() -> bool:
    env = private_jupyter_env()
    rows, ok = [], True
    for module, target in TARGETS:
        import_seconds(module, env)  # warm-up, not counted
        median = statistics.median(import_seconds(module, env) for _ in range(RUNS))
        ok &= median <= target
        rows.append([f"`import {module}`", f"{median * 1000:.0f} ms", f"≤ {target * 1000:.0f} ms",
                     verdict(median, target)])
    report(f"Import time (fresh subprocess, median of {RUNS})",
           ["what", "median", "target", "result"], rows)
    return ok


if __name__ == "__main__":
    sys.exit(0 if main() else 1)

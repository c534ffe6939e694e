"""Run every ``benchmarks/bench_*.py`` module's ``main()`` in turn (``make bench``).

``python -m benchmarks`` runs all; ``python -m benchmarks widgets import`` runs only the
modules whose names contain one of the words. Exits 1 if a benchmark missed a target
(``main()`` returned False) or crashed, so the result can gate a script.
"""

from __future__ import annotations

import importlib
import sys
import time
import traceback
from pathlib import Path

from . import machine_line


def discover(filters: list[str]) -> list[str]:
    names = sorted(path.stem for path in Path(__file__).parent.glob("bench_*.py"))
    return [name for name in names if not filters or any(word in name for word in filters)]


def run(filters: list[str]) -> int:
    print("# Benchmarks\n")
    print(machine_line())
    print(f"Date: {time.strftime('%Y-%m-%d %H:%M %Z')}")
    failed: list[str] = []
    for name in discover(filters):
        start = time.perf_counter()
        try:
            ok = importlib.import_module(f"{__package__}.{name}").main()
        except Exception:  # noqa: BLE001 - one broken benchmark must not hide the others
            traceback.print_exc()
            ok = False
        print(f"\n_{name}: {time.perf_counter() - start:.1f} s_")
        if ok is False:
            failed.append(name)
    print(f"\nMissed a target or crashed: {', '.join(failed)}" if failed else "\nAll targets met.")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))

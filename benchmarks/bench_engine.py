"""The derivation engine vs sympy's ``f.diff(X)`` on E1–E6 and the Matrix Cookbook cases.

Correctness: each gradient is evaluated at seeded random data and compared with central
differences of ``f`` (sympy's answer counts as wrong when it is wrong, zero, or cannot be
evaluated). Speed: median time per gradient, the engine without verification (derivation
only) vs sympy's ``.diff``, and the engine with verification for reference.
"""

from __future__ import annotations

import statistics
import sys
import time

import numpy as np

from . import report, verdict

RUNS = 5


def _median_time(fn, runs: int = RUNS) -> float:
    from sympy.core.cache import clear_cache

    samples = []
    for _ in range(runs):
        clear_cache()  # cold sympy caches for both tools: no run profits from the previous one
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def _is_right(gradient, case, f_canonical) -> bool:
    from mdlib.engine.numeric import evaluate, scalar_value
    from mdlib.engine.verify import random_data
    from mdlib.gradcheck import numerical_gradient, relative_error

    name = str(case.X.name)
    data = random_data(f_canonical, seed=11, symmetric=case.symmetric, variable=name)
    try:
        G = np.asarray(evaluate(gradient, data.values, data.dims), dtype=float)
    except Exception:  # noqa: BLE001 - an answer that cannot be evaluated is not an answer
        return False
    X0 = data.values[name]
    if G.shape != X0.shape:
        G = G.reshape(X0.shape) if G.size == X0.size else None
    if G is None or not np.all(np.isfinite(G)):
        return False
    reference = numerical_gradient(
        lambda Xv: scalar_value(f_canonical, {**data.values, name: Xv}, data.dims), X0)
    return relative_error(G, reference) <= 1e-5


def main() -> bool:
    from mdlib.engine import derive
    from mdlib.engine.catalog import CASES

    rows, ratios, verified_times = [], [], []
    right = {"engine": 0, "sympy": 0}
    for case in CASES:
        d = derive(case.f, case.X, symmetric=case.symmetric, given=case.given)
        t_engine = _median_time(lambda c=case: derive(c.f, c.X, symmetric=c.symmetric,
                                                      verify=False))
        t_verified = _median_time(lambda c=case: derive(c.f, c.X, symmetric=c.symmetric), 3)
        try:
            sym = case.f.diff(case.X)
            t_sympy = _median_time(lambda c=case: c.f.diff(c.X))
            sympy_ok = _is_right(sym, case, d.canonical_f)
        except Exception:  # noqa: BLE001 - sympy raising counts as wrong
            t_sympy, sympy_ok = float("nan"), False
        engine_ok = _is_right(d.gradient, case, d.canonical_f)
        right["engine"] += engine_ok
        right["sympy"] += sympy_ok
        if np.isfinite(t_sympy):
            ratios.append(t_engine / t_sympy)
        verified_times.append(t_verified)
        rows.append([case.name, "✅" if engine_ok else "❌", "✅" if sympy_ok else "❌",
                     f"{t_engine * 1e3:.1f}", f"{t_sympy * 1e3:.1f}", f"{t_verified * 1e3:.1f}"])
    n = len(CASES)
    ratio = statistics.median(ratios)
    report("Derivation engine vs sympy f.diff(X) (per case)",
           ["case", "engine right", "sympy right", "engine ms (no verify)", "sympy ms",
            "engine ms (verified)"], rows)
    ok = right["engine"] == n and ratio <= 1.0
    report("Derivation engine vs sympy: summary",
           ["what", "value", "target", "result"],
           [["engine right", f"{right['engine']}/{n}", f"{n}/{n}",
             "PASS" if right["engine"] == n else "FAIL"],
            ["sympy .diff right", f"{right['sympy']}/{n}", "(reference)", ""],
            ["median time ratio engine/sympy (derivation only)", f"{ratio:.2f}", "≤ 1.00",
             verdict(ratio, 1.0)],
            ["median engine time with verification", f"{statistics.median(verified_times) * 1e3:.1f} ms",
             "(reported)", ""]],
           note="Times are medians of 5 runs (3 with verification), sympy's cache cleared before each.")
    return ok


if __name__ == "__main__":
    sys.exit(0 if main() else 1)

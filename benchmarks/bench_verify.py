"""The cost of ``derive`` *with* its numeric verification, at sizes where it used to explode.

The verifier checks the gradient along a few random directions (a few dozen evaluations of f)
instead of entrywise differences (2 n² evaluations of an O(n³) f, i.e. n⁵). Timed: median of
5 runs of ``derive(f, X)`` (derivation + verification), next to ``verify=False`` for the share
the verification costs. Targets from issue 8: ``tr(X^T A X)`` at n = 200 ≤ 0.5 s and
``tr(X^64)`` (3×3) ≤ 1 s; from issue 18: products of large powers, within the parser's limits,
≤ 2 s (typed, as a reader would: read, derived, verified; the printed derivation included),
and one just past the engine's bound of 320 terms refused at once.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time

from . import REPO, report, verdict

RUNS = 5


def _median_time(fn, runs: int = RUNS) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def _cases() -> list:
    import sympy

    from mdlib.engine.nodes import sigmoid

    def M(name: str, n: int) -> sympy.MatrixSymbol:
        return sympy.MatrixSymbol(name, n, n)

    X200, A200, X3 = M("X", 200), M("A", 200), M("X", 3)
    return [
        ("tr(X.T*A*X), n = 200", sympy.Trace(X200.T * A200 * X200), X200, 0.5),
        ("tr(X**64), 3×3", sympy.Trace(X3 ** 64), X3, 1.0),
        ("tr(X.T*A*X), n = 128", sympy.Trace(M("X", 128).T * M("A", 128) * M("X", 128)),
         M("X", 128), None),
        ("logdet(X), n = 200", sympy.log(sympy.Determinant(X200)), X200, None),
        ("sigmoid(tr(X)), 4×4", sigmoid(sympy.Trace(M("X", 4))), M("X", 4), None),
    ]


#: Typed products of large powers (issue 18: tr(X**64*…*X**64) took 4–10 s, 20 factors 71 s).
POWERS = [
    ("tr(X**64*X**64*X**64*X**64*X**64)", "X: 3x3", 2.0),
    ("tr(X**64*A*X**64*A*X**64*A*X**64*A*X**64)", "X: 3x3, A: 3x3", 2.0),
    ("tr(" + "*".join(["X**64"] * 20) + ")", "X: 3x3", 2.0),  # refused: 1280 terms
]


def time_powers() -> list:
    """``(text, outcome, seconds for derive + printing, limit)`` per typed product of powers."""
    import mdlib

    out = []
    for text, shapes, limit in POWERS:
        start = time.perf_counter()
        try:
            d = mdlib.derive(text, "X", shapes)
            str(d), d._repr_latex_()  # what a reader sees
            outcome = "verified" if d.verification.passed else "NOT verified"
        except mdlib.MdlibError as err:
            outcome = f"refused: {str(err)[:60]}…"
        out.append((text, outcome, time.perf_counter() - start, limit))
    return out


def time_all() -> list:
    """``(label, verified, seconds with verification, seconds without, limit)`` per case."""
    from mdlib.engine import derive

    out = []
    for label, f, X, limit in _cases():
        result = derive(f, X)  # also warms sympy's and lambdify's caches
        t_verified = _median_time(lambda f=f, X=X: derive(f, X))
        t_plain = _median_time(lambda f=f, X=X: derive(f, X, verify=False))
        out.append((label, bool(result.verification.passed), t_verified, t_plain, limit))
    return out


def _single_threaded() -> dict:
    """The same timings in a fresh process with one BLAS thread (for a machine under load)."""
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
           "MKL_NUM_THREADS": "1"}
    code = "import json; from benchmarks.bench_verify import time_all; print(json.dumps(time_all()))"
    try:
        done = subprocess.run([sys.executable, "-c", code], env=env, cwd=REPO, check=True,
                              capture_output=True, text=True, timeout=600)
        return {row[0]: row[2] for row in json.loads(done.stdout.strip().splitlines()[-1])}
    except (subprocess.SubprocessError, ValueError, IndexError):
        return {}


def main() -> bool:
    rows, ok = [], True
    single = _single_threaded()
    for label, passed, t_verified, t_plain, limit in time_all():
        # The verdict uses one BLAS thread: the algorithm's cost, not the machine's contention
        # (falls back to the default threads if the separate process could not run).
        judged = single.get(label, t_verified)
        ok = ok and passed and (limit is None or judged <= limit)
        one = f"{single[label]:.3f}" if label in single else "n/a"
        rows.append([label, "✅" if passed else "❌", one, f"{t_verified:.3f}", f"{t_plain:.3f}",
                     f"≤ {limit:g}" if limit else "(reported)",
                     verdict(judged, limit) if limit else ""])
    report("derive with numeric verification (seconds, median of 5)",
           ["f", "verified", "s with verification (1 BLAS thread)", "same, default BLAS threads",
            "s without verification", "target", "result"], rows,
           note="Before issue 8 (entrywise differences): tr(X.T*A*X) took 6 s at n = 128 and "
                "46 s at n = 200; tr(X**64) over 15 s. The verdict uses the single-thread "
                "column, measured in a fresh process with OPENBLAS/OMP/MKL_NUM_THREADS=1: on a "
                "small machine shared by busy processes, multi-threaded BLAS makes the n = 200 "
                "rows vary by more than ten times between runs.")
    power_rows = []
    for text, outcome, seconds, limit in time_powers():
        ok = ok and seconds <= limit and not outcome.startswith("NOT")
        power_rows.append([text if len(text) <= 50 else text[:47] + "...", outcome,
                           f"{seconds:.2f}", f"≤ {limit:g}", verdict(seconds, limit)])
    report("typed products of large powers: derive, verify and print (seconds, one run)",
           ["f (X 3×3)", "outcome", "s", "target", "result"], power_rows,
           note="Powers stay powers (d(X^64) is 64 terms X^i dX X^(63-i), not products of 63 "
                "factors); a differential of more than 320 terms is refused before any work.")
    return ok


if __name__ == "__main__":
    sys.exit(0 if main() else 1)

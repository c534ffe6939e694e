"""Speed of ``check_steps``: a 10-line derivation with X 3×3, checked on each pause in typing.

Three cases, median of repeated runs:

* **typing** (the target): the widget re-checks after each change. f's verified gradient and the
  parsed unchanged lines are cached; the edited last line is new text that must be read, and all
  values, rules and LaTeX are recomputed (a pessimistic bound: the checker also caches those).
* **cold**: a new f (the engine derives and verifies it) and ten lines never seen before.
* **wrong line**: as *typing*, but the last line has a slip, so the diagnosis search runs.
* **far off**: the last line is wrong in several ways, so the whole search budget is spent
  (once: a diagnosis is remembered, the next keystrokes below it cost what *typing* costs).
"""

from __future__ import annotations

import statistics
import sys
import time

from . import report, verdict

TARGET_MS = 50.0
RUNS = 15

F, X, SHAPES = "tr(X.T*A*X) + tr(B*X)", "X", "X: 3x3, A: 3x3, B: 3x3"
# Ten right lines: M1–M4, then T1–T4 moves back and forth, ending in tr(G^T dX).
LINES = [
    "tr(dX.T*A*X) + tr(X.T*A*dX) + tr(B*dX)",
    "tr(dX.T*A*X) + tr(X.T*A*dX) + tr(B*dX)",
    "tr(X.T*A.T*dX) + tr(X.T*A*dX) + tr(B*dX)",
    "tr(X.T*A.T*dX) + tr(A*dX*X.T) + tr(B*dX)",
    "tr(X.T*A.T*dX) + tr(X.T*A*dX) + tr(dX*B)",
    "tr(X.T*A.T*dX + X.T*A*dX) + tr(B*dX)",
    "tr(X.T*(A.T + A)*dX) + tr(B*dX)",
    "tr(dX.T*(A + A.T)*X) + tr(B*dX)",
    "tr(X.T*(A.T + A)*dX) + tr(B*dX)",
    "tr((X.T*(A.T + A) + B)*dX)",
]
WRONG_LAST = "tr((X.T*(A.T + A) + B.T)*dX)"
FAR_OFF = "tr((A*X.T*A + B.T*X)*dX) - 3*tr(B*A*X*dX)"


def _median_ms(fn, runs: int = RUNS) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1e3)
    return statistics.median(samples)


def main() -> bool:
    from mdlib.steps import check_steps
    from mdlib.steps.problem import _problem
    from mdlib.steps.reading import _read
    from mdlib.steps.terms import _latex, _text

    assert check_steps(F, X, LINES, SHAPES).ok  # the benchmark times a right derivation
    counter = iter(range(10**6))

    def forget_values() -> None:
        _problem(F, X, SHAPES, 0, ()).memo.clear()
        _latex.cache_clear()
        _text.cache_clear()

    def typing() -> None:
        # A new last line each time (a trailing blank changes the text, not the maths), as when
        # the reader has just typed it; the other nine stay parsed.
        forget_values()
        check_steps(F, X, LINES[:-1] + [LINES[-1] + " " * (next(counter) % 50)], SHAPES)

    def cold() -> None:
        _problem.cache_clear()
        _read.cache_clear()
        check_steps(F, X, LINES, SHAPES)

    def wrong() -> None:
        forget_values()
        check_steps(F, X, LINES[:-1] + [WRONG_LAST + " " * (next(counter) % 50)], SHAPES)

    def far_off() -> None:
        forget_values()
        check_steps(F, X, LINES[:-1] + [FAR_OFF + " " * (next(counter) % 50)], SHAPES)

    t_typing, t_cold, t_wrong = _median_ms(typing), _median_ms(cold, 7), _median_ms(wrong)
    t_far = _median_ms(far_off, 7)
    report("check_steps: a 10-line derivation, X 3×3",
           ["case", "median ms", "target", "result"],
           [["typing: re-check after an edit of the last line", f"{t_typing:.1f}",
             f"≤ {TARGET_MS:.0f} ms", verdict(t_typing, TARGET_MS)],
            ["cold: new f (derived and verified) and ten new lines", f"{t_cold:.1f}",
             "(reported)", ""],
            ["a wrong last line (diagnosis search)", f"{t_wrong:.1f}", "(reported)", ""],
            ["a last line no single slip explains (whole search budget)", f"{t_far:.1f}",
             "(reported)", ""]],
           note=f"Medians of {RUNS} runs (7 for cold and far off, caches cleared before each).")
    return t_typing <= TARGET_MS


if __name__ == "__main__":
    sys.exit(0 if main() else 1)

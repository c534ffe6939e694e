"""Kernel-side widget update time: from setting ``slider.value`` to the new PNG being ready.

For each class in ``mdlib.widgets.ALL_WIDGETS``: build ``demo()``, then sweep the primary
slider across its range (forth and back) so every assignment is a real change, and time each
assignment — the observers run synchronously inside it, including the blit and PNG encoding.
"""

from __future__ import annotations

import sys
import time

import numpy as np

from . import median_p95, report

EVENTS = 60
TARGET_MEDIAN_MS, TARGET_P95_MS = 20.0, 50.0


def sweep_values(slider: object, count: int) -> list:
    """Values across the slider's range, forth then back, no two neighbours equal."""
    if getattr(slider, "options", None):  # selection sliders
        options = list(slider.options)
        labels = [option[1] if isinstance(option, tuple) else option for option in options]
        path = labels + labels[-2:0:-1] if len(labels) > 1 else labels
    else:
        low, high = float(slider.min), float(slider.max)
        half = np.linspace(low, high, max(count // 2, 2))
        if getattr(slider, "scale", "") == "log":  # ReaderSlider on a log scale: exponents
            half = float(slider.base) ** half
        if type(slider).__name__.startswith("Int"):
            half = np.unique(np.round(half).astype(int))
        path = list(half) + list(half[-2:0:-1])
    values, previous = [], slider.value
    while len(values) < count and path:
        for value in path:
            value = value.item() if hasattr(value, "item") else value
            if value != previous:
                values.append(value)
                previous = value
            if len(values) == count:
                break
    return values


def time_widget(cls: type) -> dict:
    widget = cls.demo()
    slider, image, readout = widget.slider, widget.live.image, widget.readout
    times, changed = [], 0
    values = sweep_values(slider, EVENTS + 1)
    slider.value = values[0]  # warm-up: first draw caches, not counted
    for value in values[1:]:
        png, text = image.value, readout.value
        start = time.perf_counter()
        slider.value = value
        times.append((time.perf_counter() - start) * 1000)
        changed += image.value != png and readout.value != text
    median, p95 = median_p95(times)
    return {"name": cls.__name__, "events": len(times), "changed": changed,
            "median": median, "p95": p95}


def main() -> bool:
    from mdlib.widgets import ALL_WIDGETS

    rows, ok = [], True
    for cls in ALL_WIDGETS:
        if not hasattr(cls.demo(), "slider"):
            rows.append([cls.__name__, 0, "—", "—", "—", "—", "no slider: not measured"])
            continue
        result = time_widget(cls)
        passed = (result["median"] <= TARGET_MEDIAN_MS and result["p95"] <= TARGET_P95_MS
                  and result["changed"] == result["events"])
        ok &= passed
        rows.append([
            result["name"], result["events"], f"{result['changed']}/{result['events']}",
            f"{result['median']:.1f} ms", f"{result['p95']:.1f} ms",
            f"median ≤ {TARGET_MEDIAN_MS:.0f} ms, p95 ≤ {TARGET_P95_MS:.0f} ms",
            "PASS" if passed else "FAIL",
        ])
    report("Widget update in the kernel (slider.value → observers → new PNG)",
           ["widget", "events", "plot+readout changed", "median", "p95", "target", "result"], rows,
           note="Every event must change both the plot image and the readout.")
    return ok


if __name__ == "__main__":
    sys.exit(0 if main() else 1)

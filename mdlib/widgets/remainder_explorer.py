"""Shrink the step and watch the remainder vanish: the course's basic widget (S2, V1-V3, M*).

The left panel plots ``‖r(h)‖`` against ``h`` on log-log axes with guide lines of slope 1 and
2; the right panel plots ``‖r(h)‖ / ‖h u‖``, which must go to 0 for a true differential. A
marker follows the slider. Below ``h ≈ 1e-5`` float64 round-off takes over and the ratio
turns back up: that is the floor of the arithmetic, not of the mathematics.

>>> import numpy as np
>>> ex = RemainderExplorer(np.sin, 0.3, lambda x, dx: np.cos(x) * dx)
>>> ex.set_h(1e-3)
>>> round(ex.current["ratio"] / 1e-3, 3)  # r/h ≈ |sin(0.3)|/2 · h
0.148
"""

from __future__ import annotations

from collections.abc import Callable

import ipywidgets as widgets
import numpy as np

from ..errors import MdlibError
from ..i18n import N_
from ..remainder import RemainderStudy, remainder_study
from ..validation import as_array, check_direction, check_step
from .accessible import announced, log_slider
from .live_figure import LiveFigure
from .speech import choices, translator

# Down to 1e-12 so the float64 round-off floor (the V) is visible at the small end.
_H_MIN_EXP, _H_MAX_EXP = -12, 0
_STEPS = np.logspace(_H_MAX_EXP, _H_MIN_EXP, 49)
_RANDOM = N_("random (seed 0)")


class RemainderExplorer:
    """Slider over ``h`` (log scale), a direction picker, a two-panel plot and a readout.

    ``directions`` maps a label to a direction ``u`` with the shape of ``x``; by default one
    seeded random direction; labels are shown translated (``_(label)``) and stay the keys of
    :meth:`set_direction`. Drive it from code with :meth:`set_h` and :meth:`set_direction`.
    The widget speaks the reader's language of its creation (:mod:`mdlib.widgets.speech`).
    """

    def __init__(
        self,
        f: Callable,
        x: object,
        differential: Callable,
        directions: dict[str, object] | None = None,
        h: float = 1e-2,
        title: str = "",
    ) -> None:
        self._ = translator()
        self.slider = log_slider(check_step(h), _H_MIN_EXP, _H_MAX_EXP, "h",
                                 self._("step size h"), "420px")
        self.direction = widgets.Dropdown(description=self._("direction"),
                                          layout=widgets.Layout(width="260px"))
        self.readout = widgets.HTML()
        self.live = LiveFigure(ncols=2)
        self._build_axes(title)
        self.widget = widgets.VBox([widgets.HBox([self.slider, self.direction]), self.live.image, self.readout])
        self.current: dict[str, float] = {}
        self._suspended = False
        self.study: RemainderStudy | None = None
        self.set_case(f, x, differential, directions)
        self.slider.observe(self._on_h, names="value")
        self.direction.observe(self._on_direction, names="value")

    @classmethod
    def demo(cls) -> RemainderExplorer:
        """The explorer of chapter 1: ``φ(x) = sin x`` at ``x = 0.3``."""
        return cls(np.sin, 0.3, lambda x, dx: np.cos(x) * dx, {"+1": 1.0, "−1": -1.0}, title="φ(x) = sin x")

    # -- public, programmatic control -------------------------------------------------------
    def set_case(self, f: Callable, x: object, differential: Callable,
                 directions: dict[str, object] | None = None) -> None:
        """Show a new function, point and differential (e.g. another rule); keeps ``h``."""
        x = as_array(x, "the point x")
        if directions is None:
            u = np.random.default_rng(0).standard_normal(x.shape)
            directions = {_RANDOM: u / np.linalg.norm(u)}
        self._directions = {name: check_direction(u, x.shape) for name, u in directions.items()}
        self._f, self._x, self._df = f, x, differential
        self._fx = as_array(f(x), "f(x)")
        self._suspended = True  # changing the options fires the observer; study once, below
        try:
            self.direction.options = choices(self._directions, self._)
            self.direction.value = next(iter(self._directions))
        finally:
            self._suspended = False
        self._restudy()

    def set_h(self, h: float) -> None:
        """Move the slider to ``h`` (clipped to its range)."""
        self.slider.value = check_step(h)

    def set_direction(self, name: str) -> None:
        """Pick a direction by its label."""
        if name not in self._directions:
            raise MdlibError(self._("unknown direction {kind!r}; choose one of {known}").format(
                kind=name, known=list(self._directions)))
        self.direction.value = name

    # -- internals -----------------------------------------------------------------------------
    def _build_axes(self, title: str) -> None:
        left, right = self.live.axes
        for ax in (left, right):
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_xlabel("h")
            ax.grid(True, which="major", alpha=0.3)
        left.set_title(title or self._("remainder ‖r(h)‖"), fontsize=10)
        right.set_title("‖r(h)‖ / ‖h u‖  → 0 ?", fontsize=10)
        (self._curve,) = left.plot([], [], "-", color="C0", label="‖r(h)‖")
        (self._slope1,) = left.plot([], [], ":", color="0.5",
                                    label=self._("slope {order}").format(order=1))
        (self._slope2,) = left.plot([], [], "--", color="0.5",
                                    label=self._("slope {order}").format(order=2))
        (self._ratio_curve,) = right.plot([], [], "-", color="C1")
        left.legend(loc="lower right", fontsize=8)
        self._marker = self.live.animate(left.plot([], [], "o", color="C3", ms=7)[0])
        self._ratio_marker = self.live.animate(right.plot([], [], "o", color="C3", ms=7)[0])

    def _restudy(self) -> None:
        u = self._directions[self.direction.value]
        self.study = remainder_study(self._f, self._x, self._df, direction=u, steps=_STEPS)
        s = self.study
        positive = s.remainder > 0
        self._curve.set_data(s.steps[positive], s.remainder[positive])
        self._ratio_curve.set_data(s.steps[positive], s.ratio[positive])
        # Guide lines through the curve's value at h = 1e-2 show what slope 1 and 2 look like.
        anchor = float(np.interp(-2, np.log10(s.steps[::-1]), np.log10(np.maximum(s.remainder[::-1], 1e-300))))
        hs = np.array([10.0**_H_MIN_EXP, 1.0])
        self._slope1.set_data(hs, 10**anchor * (hs / 1e-2))
        self._slope2.set_data(hs, 10**anchor * (hs / 1e-2) ** 2)
        floor = max(float(s.remainder[positive].min()) if positive.any() else 1e-300, 1e-300)
        top = max(float(s.remainder.max()), floor * 10)
        self.live.axes[0].set_ylim(floor / 10, top * 10)
        rmin = max(float(s.ratio[positive].min()) if positive.any() else 1e-300, 1e-300)
        self.live.axes[1].set_ylim(rmin / 10, max(float(s.ratio.max()), rmin * 10) * 10)
        for ax in self.live.axes:
            ax.set_xlim(10.0**_H_MIN_EXP / 2, 2.0)
        self._update_point()
        self.live.redraw_all()

    def _update_point(self) -> None:
        h = float(self.slider.value)
        u = self._directions[self.direction.value]
        r = as_array(self._f(self._x + h * u), "f(x + h u)") - self._fx - as_array(self._df(self._x, h * u), "df")
        norm_r = float(np.linalg.norm(np.ravel(r)))
        ratio = norm_r / (h * float(np.linalg.norm(np.ravel(u))))
        self.current = {"h": h, "remainder": norm_r, "ratio": ratio}
        shown = max(norm_r, 1e-300)  # a remainder of exactly 0 cannot sit on a log axis
        self._marker.set_data([h], [shown])
        self._ratio_marker.set_data([h], [max(ratio, 1e-300)])
        self.readout.value = announced(
            f"<code>h = {h:.2e}</code> &nbsp; <code>‖r(h)‖ = {norm_r:.3e}</code> &nbsp; "
            f"<code>‖r(h)‖/‖h u‖ = {ratio:.3e}</code> &nbsp; {self.study.summary()}"
        )

    def _on_h(self, _change: dict) -> None:
        self._update_point()
        self.live.refresh()

    def _on_direction(self, _change: dict) -> None:
        if not self._suspended:
            self._restudy()

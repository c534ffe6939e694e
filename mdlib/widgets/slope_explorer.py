"""Walk along a straight line in parameter space; the derived gradient predicts the slope (E4, E5).

For a scalar loss ``f``, a claimed gradient ``grad`` and two points ``start`` and ``end`` (any
shape), the widget plots the one-dimensional slice ``φ(t) = f(start + t u)`` with
``u = end − start``. A slider moves a point along the slice; the tangent line drawn there has the
slope that the *gradient formula* predicts, ``φ'(t) = tr(grad^T u)`` (curriculum L), and the
readout prints it beside a finite-difference slope of ``φ``. When ``end`` is a minimiser (the
least-squares solution, ``Σ = S``) the tangent turns flat as ``t`` reaches 1.

>>> import numpy as np
>>> ex = SlopeExplorer(lambda x: float(x @ x), lambda x: 2 * x, np.array([1.0, 0.0]), np.zeros(2))
>>> ex.set_t(1.0)
>>> abs(ex.current["slope"]) < 1e-12
True
"""

from __future__ import annotations

from collections.abc import Callable

import ipywidgets as widgets
import numpy as np

from ..errors import MdlibError
from ..i18n import _
from ..validation import as_array
from .accessible import announced
from .live_figure import LiveFigure
from .reader_slider import ReaderSlider
from .speech import Translator, translator

_T_MIN, _T_MAX = -0.25, 1.25
_GRID = np.linspace(_T_MIN, _T_MAX, 121)
# Central-difference step for the slope of φ; the same balance as in gradcheck.
_FD_STEP = 1e-6


def _shown(value: float) -> float:
    # Round for display and turn -0.0 into 0.0, so a vanishing slope never prints as "-0.0000".
    return round(value, 4) + 0.0


def _finite(value: object, name: str, _: Translator) -> float:
    if not isinstance(value, (int, float, np.floating, np.integer)) or not np.isfinite(value):
        raise MdlibError(_("{name} must be a finite number, got {value!r}").format(
            name=name, value=value))
    return float(value)


class SlopeExplorer:
    """Slider over ``t``, the slice ``f(start + t u)`` with a tangent from the gradient, a readout.

    ``.current`` holds ``{t, value, slope, fd_slope}`` where ``slope`` comes from ``grad`` and
    ``fd_slope`` from central differences of ``f``; they agree when the gradient is right.
    The widget speaks the reader's language of its creation (:mod:`mdlib.widgets.speech`).
    """

    def __init__(self, f: Callable, grad: Callable, start: object, end: object,
                 t: float = 0.0, title: str = "") -> None:
        self._ = _ = translator()
        start, end = as_array(start, "start"), as_array(end, "end")
        if start.shape != end.shape:
            raise MdlibError(_("start has shape {start} but end has shape {end}; they must "
                               "match").format(start=start.shape, end=end.shape))
        if not np.any(end - start):
            raise MdlibError(_("start and end are the same point, so there is no line to walk "
                               "along"))
        self._f, self._grad, self._start, self._u = f, grad, start, end - start
        self.slider = ReaderSlider(
            value=float(np.clip(_finite(t, "t", _), _T_MIN, _T_MAX)), min=_T_MIN, max=_T_MAX,
            step=0.01, description="t", accessible_name=_("position t along the line"),
            value_template="t = {value}", readout_format=".2f",
            layout=widgets.Layout(width="420px"))
        self.readout = widgets.HTML()
        self.live = LiveFigure(ncols=1, figsize=(6.0, 3.2))
        self.current: dict[str, float] = {}
        self._build_axes(title)
        self.widget = widgets.VBox([self.slider, self.live.image, self.readout])
        self._update_point()
        self.live.redraw_all()
        self.slider.observe(self._on_t, names="value")

    @classmethod
    def demo(cls) -> SlopeExplorer:
        """E4: least squares on seeded data, from a random start to the normal-equation solution."""
        from ..examples import (
            least_squares_grad,
            least_squares_loss,
            normal_equations,
            regression_data,
        )

        X, y = regression_data(n=30, d=3, seed=4)
        start = np.random.default_rng(6).standard_normal(3)
        return cls(lambda w: least_squares_loss(w, X, y), lambda w: least_squares_grad(w, X, y),
                   start, normal_equations(X, y),
                   title=_("least squares: w(t) = w0 + t (ŵ − w0)"))

    # -- public, programmatic control -------------------------------------------------------
    def point(self, t: float) -> np.ndarray:
        """The point ``start + t u`` on the line."""
        return self._start + t * self._u

    def set_t(self, t: float) -> None:
        """Move the slider to ``t`` (clipped to its range)."""
        self.slider.value = float(np.clip(_finite(t, "t", self._), _T_MIN, _T_MAX))

    def summary(self) -> str:
        """The readout as plain text (for printing in a notebook)."""
        c = self.current
        return self._("t = {t:.2f}: f = {value:.4f}, slope from the gradient = {slope:.4f}, "
                      "finite-difference slope = {fd_slope:.4f}").format(
            t=c["t"], value=_shown(c["value"]), slope=_shown(c["slope"]),
            fd_slope=_shown(c["fd_slope"]))

    # -- internals -----------------------------------------------------------------------------
    def _phi(self, t: float) -> float:
        value = as_array(self._f(self.point(t)), "f")
        if value.size != 1:
            raise MdlibError(self._("f must return a scalar, but it returned shape {shape}").format(
                shape=value.shape))
        return float(value.reshape(()))

    def _build_axes(self, title: str) -> None:
        ax = self.live.axes[0]
        values = np.array([self._phi(t) for t in _GRID])
        _ = self._
        ax.plot(_GRID, values, color="C0", label=_("f(start + t u)"))
        ax.axvline(0.0, color="0.6", lw=0.8)
        ax.axvline(1.0, color="0.6", lw=0.8, ls="--")
        span = float(values.max() - values.min()) or 1.0
        ax.set_ylim(values.min() - 0.15 * span, values.max() + 0.15 * span)
        ax.set_xlim(_T_MIN, _T_MAX)
        ax.set_xlabel(_("t   (0 = start, 1 = end)"))
        ax.set_title(title or _("the gradient predicts the slope of every slice"), fontsize=10)
        (self._tangent,) = ax.plot([], [], "-", color="C3", lw=2, label=_("slope tr(∇fᵀ u)"))
        self.live.animate(self._tangent)
        self._marker = self.live.animate(ax.plot([], [], "o", color="C3", ms=7)[0])
        ax.legend(loc="upper right", fontsize=8)

    def _update_point(self) -> None:
        t = float(self.slider.value)
        value = self._phi(t)
        grad = as_array(self._grad(self.point(t)), "the gradient")
        if grad.shape != self._u.shape:
            raise MdlibError(self._("the gradient has shape {gradient}, but the variable has "
                                    "shape {variable}").format(gradient=grad.shape,
                                                               variable=self._u.shape))
        slope = float(np.sum(grad * self._u))  # φ'(t) = tr(grad^T u), the link L along the line
        fd_slope = (self._phi(t + _FD_STEP) - self._phi(t - _FD_STEP)) / (2 * _FD_STEP)
        self.current = {"t": t, "value": value, "slope": slope, "fd_slope": fd_slope}
        half = 0.12 * (_T_MAX - _T_MIN)
        ts = np.array([t - half, t + half])
        self._tangent.set_data(ts, value + slope * (ts - t))
        self._marker.set_data([t], [value])
        agree = np.isclose(slope, fd_slope, rtol=1e-5, atol=1e-7 * max(1.0, abs(value)))
        verdict = (self._("✅ they agree") if agree
                   else self._("❌ they disagree: the gradient formula is wrong"))
        self.readout.value = announced(self._(
            "<code>t = {t:.2f}</code> &nbsp; <code>f = {value:.4f}</code> &nbsp; "
            "<code>slope from the gradient = {slope:.4f}</code> &nbsp; "
            "<code>finite differences = {fd_slope:.4f}</code> &nbsp; {verdict}"
        ).format(t=t, value=_shown(value), slope=_shown(slope), fd_slope=_shown(fd_slope),
                 verdict=verdict))

    def _on_t(self, _change: dict) -> None:
        self._update_point()
        self.live.refresh()

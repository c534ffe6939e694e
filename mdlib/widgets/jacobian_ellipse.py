"""A small circle, its image under ``f``, and the ellipse the Jacobian predicts (curriculum V1-V6).

Near a point ``c`` a differentiable ``f: R² → R²`` acts like its Jacobian ``A(c)``:
``f(c + ρu) ≈ f(c) + A(c) ρu`` for unit vectors ``u``. So the circle of radius ``ρ`` around ``c``
maps to a curve that is almost the ellipse ``f(c) + ρ A(c)u``. The widget plots both in
coordinates divided by ``ρ``,

    true curve      (f(c + ρu) − f(c)) / ρ        predicted ellipse      A(c) u,

so the axes never move: the ellipse stays put and the true curve settles onto it as ``ρ``
shrinks. Their largest distance is ``gap/ρ``, where ``gap = max_u ‖r_c(ρu)‖`` is the largest
remainder on the circle; the right panel shows ``gap/ρ → 0`` (slope 1 on log-log axes, i.e.
``gap ~ ρ²``).

>>> import numpy as np
>>> square = lambda z: np.array([z[0]**2 - z[1]**2, 2 * z[0] * z[1]])  # complex z ↦ z²
>>> J = lambda z: np.array([[2 * z[0], -2 * z[1]], [2 * z[1], 2 * z[0]]])
>>> w = JacobianEllipse(square, [1.0, 0.5], J, radius=1e-2)
>>> round(w.current["max_gap"] / 1e-2**2, 6)  # for z² the remainder is exactly (ρu)²: gap = ρ²
1.0
"""

from __future__ import annotations

from collections.abc import Callable

import ipywidgets as widgets
import numpy as np

from ..errors import MdlibError
from ..validation import as_array, check_step
from .accessible import announced, log_slider
from .live_figure import LiveFigure
from .speech import translator

# ρ from 1e-4 to 1: below 1e-4 float64 round-off in (f(c+ρu) − f(c))/ρ starts to show.
_RHO_MIN_EXP, _RHO_MAX_EXP = -4, 0
_RHOS = np.logspace(_RHO_MAX_EXP, _RHO_MIN_EXP, 33)
# 120 points draw a smooth closed curve and keep one slider event to ~1 ms of f calls.
_ANGLES = np.linspace(0.0, 2.0 * np.pi, 121)
_UNIT = np.stack([np.cos(_ANGLES), np.sin(_ANGLES)])  # 2 × 121, unit circle


class JacobianEllipse:
    """Slider over the radius ``ρ`` (log scale), a two-panel picture and a readout.

    ``f`` maps a 2-vector to a 2-vector; ``jacobian`` is the claimed ``A(c)``, either a 2×2
    matrix or a function of ``c`` returning one. Drive it from code with :meth:`set_radius`;
    ``.current`` holds ``{radius, max_gap, ratio}`` for the slider's ``ρ``. The widget speaks
    the reader's language of its creation (:mod:`mdlib.widgets.speech`).
    """

    def __init__(
        self,
        f: Callable,
        c: object,
        jacobian: object,
        radius: float = 0.3,
        title: str = "",
    ) -> None:
        self._ = translator()
        if not callable(f):
            raise MdlibError(self._("f must be a function of a 2-vector, e.g. lambda c: "
                                    "np.array([...])"))
        self._c = as_array(c, "the point c")
        if self._c.shape != (2,):
            raise MdlibError(self._("the point c must be a 2-vector (the picture is in the plane), "
                                    "got shape {shape}").format(shape=self._c.shape))
        self._f = f
        self._fc = self._evaluate(self._c, "f(c)")
        A = jacobian(self._c) if callable(jacobian) else jacobian
        self.jacobian = as_array(A, "the Jacobian A(c)")
        if self.jacobian.shape != (2, 2):
            raise MdlibError(self._("the Jacobian of f: R² → R² must be 2×2, got shape "
                                    "{shape}").format(shape=self.jacobian.shape))
        self.ellipse = self.jacobian @ _UNIT  # A(c) u on the unit circle: fixed for every ρ
        self.rhos = _RHOS
        self.ratios = np.array([self._gap(rho)[1] / rho for rho in _RHOS])

        self.slider = log_slider(self._check_radius(radius), _RHO_MIN_EXP, _RHO_MAX_EXP, "ρ",
                                 self._("radius ρ of the circle"), "420px")
        self.readout = widgets.HTML()
        self.live = LiveFigure(ncols=2, figsize=(8.0, 3.6))
        self._build_axes(title)
        self.widget = widgets.VBox([self.slider, self.live.image, self.readout])
        self.current: dict[str, float] = {}
        self._update()
        self.live.redraw_all()
        self.slider.observe(self._on_radius, names="value")

    @classmethod
    def demo(cls) -> JacobianEllipse:
        """Polar to Cartesian coordinates, ``(r, θ) ↦ (r cos θ, r sin θ)``, at ``(1.5, 0.6)``."""
        def polar(z: np.ndarray) -> np.ndarray:
            return np.array([z[0] * np.cos(z[1]), z[0] * np.sin(z[1])])

        def polar_jacobian(z: np.ndarray) -> np.ndarray:
            return np.array([[np.cos(z[1]), -z[0] * np.sin(z[1])],
                             [np.sin(z[1]), z[0] * np.cos(z[1])]])

        return cls(polar, [1.5, 0.6], polar_jacobian, radius=0.3, title="(r, θ) ↦ (r cos θ, r sin θ)")

    # -- public, programmatic control -------------------------------------------------------
    def set_radius(self, radius: float) -> None:
        """Move the slider to ``radius`` (clipped to its range 1e-4 … 1)."""
        self.slider.value = self._check_radius(radius)

    def image_curve(self, radius: float) -> np.ndarray:
        """The true image of the circle, ``(f(c + ρu) − f(c)) / ρ``, as a 2 × 121 array."""
        rho = self._check_radius(radius)
        return self._gap(rho)[0]

    # -- internals -----------------------------------------------------------------------------
    def _check_radius(self, radius: object) -> float:
        rho = check_step(radius, "the radius ρ")
        if rho <= 0:
            raise MdlibError(self._("the radius ρ must be positive, got {rho!r}").format(rho=rho))
        return rho

    def _evaluate(self, z: np.ndarray, name: str) -> np.ndarray:
        value = np.ravel(as_array(self._f(z), name))
        if value.shape != (2,):
            raise MdlibError(self._("f must return a 2-vector (the picture is in the plane), got "
                                    "shape {shape}").format(shape=value.shape))
        return value

    def _gap(self, rho: float) -> tuple[np.ndarray, float]:
        """Normalized image curve and the largest remainder ``max_u ‖f(c+ρu) − f(c) − ρA u‖``."""
        images = np.column_stack([self._evaluate(self._c + rho * _UNIT[:, k], "f(c + ρu)")
                                  for k in range(_UNIT.shape[1])])
        curve = (images - self._fc[:, None]) / rho
        gap = rho * float(np.max(np.linalg.norm(curve - self.ellipse, axis=0)))
        return curve, gap

    def _build_axes(self, title: str) -> None:
        left, right = self.live.axes
        _ = self._
        left.set_title(title or _("image of the circle, divided by ρ"), fontsize=10)
        left.set_xlabel("(f(c+ρu) − f(c))₁ / ρ")
        left.set_ylabel("(f(c+ρu) − f(c))₂ / ρ")
        left.plot(*self.ellipse, "--", color="0.3", lw=1.5, label=_("predicted A(c)u"))
        self._curve = self.live.animate(left.plot([], [], "-", color="C0", lw=2,
                                                  label=_("true image"))[0])
        self._gap_segment = self.live.animate(left.plot([], [], "-", color="C3", lw=2,
                                                        label=_("largest gap"))[0])
        # Fixed limits that hold the ellipse and the true curve for every ρ on the slider.
        every = np.hstack([self.ellipse] + [self._gap(rho)[0] for rho in _RHOS[:: 8]])
        low, high = every.min(axis=1), every.max(axis=1)
        pad = 0.08 * float(np.max(high - low))
        left.set_xlim(low[0] - pad, high[0] + pad)
        left.set_ylim(low[1] - pad, high[1] + pad)
        left.set_aspect("equal", adjustable="box")
        left.grid(True, alpha=0.3)

        right.set_xscale("log")
        right.set_yscale("log")
        right.set_title(_("gap / ρ → 0  (slope 1: gap ~ ρ²)"), fontsize=10)
        right.set_xlabel("ρ")
        right.grid(True, which="major", alpha=0.3)
        positive = self.ratios > 0
        right.plot(self.rhos[positive], self.ratios[positive], "-", color="C1", label=_("gap/ρ"))
        if positive.any():  # slope-1 guide, a factor 4 below the curve so both stay visible
            mid = int(np.argmin(np.abs(np.log10(self.rhos) + 2)))
            right.plot(self.rhos, self.ratios[mid] / 4 * self.rhos / self.rhos[mid], ":",
                       color="0.5", label=_("slope 1 (guide)"))
        right.set_xlim(10.0**_RHO_MIN_EXP / 2, 2.0)
        self._marker = self.live.animate(right.plot([], [], "o", color="C3", ms=7)[0])
        # One legend for both panels, *outside* them below: constrained layout reserves its
        # space, so it can neither be cut off at the figure's edge nor cover the curves.
        handles = [h for ax in (left, right) for h in ax.get_legend_handles_labels()[0]]
        self.live.figure.legend(handles=handles, loc="outside lower center", ncols=len(handles),
                                fontsize=8, frameon=False)

    def _update(self) -> None:
        rho = float(self.slider.value)
        curve, gap = self._gap(rho)
        distances = np.linalg.norm(curve - self.ellipse, axis=0)
        k = int(np.argmax(distances))
        self.current = {"radius": rho, "max_gap": gap, "ratio": gap / rho}
        self._curve.set_data(curve[0], curve[1])
        self._gap_segment.set_data([self.ellipse[0, k], curve[0, k]], [self.ellipse[1, k], curve[1, k]])
        self._marker.set_data([rho], [max(gap / rho, 1e-300)])
        self.readout.value = announced(self._(
            "<code>ρ = {radius:.2e}</code> &nbsp; <code>max gap = {gap:.3e}</code> &nbsp; "
            "<code>gap/ρ = {ratio:.3e}</code> &nbsp; "
            "(the gap is the largest remainder ‖f(c+ρu) − f(c) − A(c)ρu‖ on the circle)"
        ).format(radius=rho, gap=gap, ratio=gap / rho))

    def _on_radius(self, _change: dict) -> None:
        self._update()
        self.live.refresh()

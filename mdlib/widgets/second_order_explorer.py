"""Watch the second-order remainder vanish like h³ — or get stuck at h² with a wrong Hessian (H5).

Along the ray X + hV the second-order expansion leaves

    r(h) = f(X + hV) − f(X) − h tr(∇fᵀV) − ½ h² vec(V)ᵀ ∇²f vec(V),

which shrinks like h³ when ∇²f is the Hessian and only like h² when it is not. The plot shows
|r(h)| against h on log–log axes, with guide lines of slope 2 and 3 and the fitted order; a
dropdown switches between the right Hessian and wrong ones (e.g. the commutation matrix K
forgotten, or the Kronecker factors transposed).

>>> ex = SecondOrderExplorer.demo()
>>> ex.set_hessian("right: −K (X⁻ᵀ ⊗ X⁻¹)")
>>> round(ex.study_order)
3
>>> ex.set_hessian("wrong: K forgotten, −(X⁻ᵀ ⊗ X⁻¹)")
>>> round(ex.study_order)
2
"""

from __future__ import annotations

import html
from collections.abc import Callable

import ipywidgets as widgets
import numpy as np

from ..engine.second_order import tail_order
from ..errors import MdlibError
from ..i18n import N_
from ..remainder import remainder_study
from ..validation import as_array, check_direction, check_step
from ..vec import commutation_matrix
from ..vec import vec as vec_numeric
from .accessible import announced, log_slider
from .live_figure import LiveFigure
from .speech import choices, translator

_H_MIN_EXP, _H_MAX_EXP = -4, 0
_STEPS = np.logspace(_H_MAX_EXP, _H_MIN_EXP, 33)


class SecondOrderExplorer:
    """Slider over h (log scale), a Hessian picker, a log–log plot with the fitted order.

    ``f`` maps X to a number, ``gradient`` is ∇f at ``X`` (shape of X), ``hessians`` maps a
    label to an mn×mn matrix (the first is shown first; labels are shown translated and stay the
    keys of :meth:`set_hessian`). Drive it with :meth:`set_h` and :meth:`set_hessian`. The
    widget speaks the reader's language of its creation (:mod:`mdlib.widgets.speech`).
    """

    def __init__(self, f: Callable, X: object, gradient: object, hessians: dict[str, object],
                 direction: object | None = None, h: float = 1e-2, title: str = "") -> None:
        self._ = _ = translator()
        X = as_array(X, "the point X")
        if not hessians:
            raise MdlibError(_("give at least one Hessian to try, e.g. {'right': H}"))
        size = X.size
        self._hessians = {}
        for label, H in hessians.items():
            H = as_array(H, f"the Hessian {label!r}")
            if H.shape != (size, size):
                raise MdlibError(_("the Hessian {label!r} has shape {shape}; for X with {size} "
                                   "entries it must be {size}×{size} (mn×mn)").format(
                    label=label, shape=H.shape, size=size))
            self._hessians[label] = H
        G = as_array(gradient, "the gradient")
        if G.shape != X.shape:
            raise MdlibError(_("the gradient has shape {gradient} but X has {shape}").format(
                gradient=G.shape, shape=X.shape))
        if direction is None:
            direction = np.random.default_rng(0).standard_normal(X.shape)
        V = check_direction(direction, X.shape)
        self._f, self._X, self._G, self._V = f, X, G, V / np.linalg.norm(V)
        self._fX = float(f(X))
        self.slider = log_slider(check_step(h), _H_MIN_EXP, _H_MAX_EXP, "h",
                                 _("step size h"), "380px")
        self.choice = widgets.Dropdown(options=choices(self._hessians, _),
                                       description=_("Hessian"),
                                       layout=widgets.Layout(width="360px"))
        self.readout = widgets.HTML()
        self.caption = widgets.HTML()  # the figure in words, for readers who cannot see it
        self.live = LiveFigure(ncols=1, figsize=(5.6, 3.4))
        self._build_axes(title)
        self.widget = widgets.VBox([widgets.HBox([self.slider, self.choice]), self.live.image,
                                    self.readout, self.caption])
        self.current: dict[str, float] = {}
        self.study_order = float("nan")
        self._restudy()
        self.slider.observe(self._on_h, names="value")
        self.choice.observe(self._on_choice, names="value")

    @classmethod
    def demo(cls) -> SecondOrderExplorer:
        """f(X) = log|det X| at a seeded invertible 3×3 X: the right Hessian and two slips."""
        rng = np.random.default_rng(8)
        X = 2 * np.eye(3) + 0.6 * rng.standard_normal((3, 3))
        Xi = np.linalg.inv(X)
        K = commutation_matrix(3, 3)
        hessians = {
            N_("right: −K (X⁻ᵀ ⊗ X⁻¹)"): -K @ np.kron(Xi.T, Xi),
            N_("wrong: K forgotten, −(X⁻ᵀ ⊗ X⁻¹)"): -np.kron(Xi.T, Xi),
            N_("wrong: factors transposed, −K (X⁻¹ ⊗ X⁻ᵀ)"): -K @ np.kron(Xi, Xi.T),
        }
        return cls(lambda Y: float(np.linalg.slogdet(Y)[1]), X, Xi.T, hessians,
                   direction=rng.standard_normal((3, 3)), title="f(X) = log|det X|")

    # -- public control ----------------------------------------------------------------------
    def set_h(self, h: float) -> None:
        """Move the slider to ``h`` (clipped to its range)."""
        self.slider.value = check_step(h)

    def set_hessian(self, label: str) -> None:
        """Pick a Hessian by its label."""
        if label not in self._hessians:
            raise MdlibError(self._("unknown Hessian {label!r}; choose one of {known}").format(
                label=label, known=list(self._hessians)))
        self.choice.value = label

    def remainder(self, h: float, label: str | None = None) -> float:
        """|r(h)| for the Hessian ``label`` (default: the one selected)."""
        return abs(self._model_gap(self._X + h * self._V, h * self._V, label))

    # -- internals ---------------------------------------------------------------------------
    def _model_gap(self, Y: np.ndarray, dX: np.ndarray, label: str | None) -> float:
        H = self._hessians[label or self.choice.value]
        v = vec_numeric(dX)
        quadratic = float(np.sum(self._G * dX) + 0.5 * (v.T @ H @ v).item())
        return float(self._f(Y)) - self._fX - quadratic

    def _quadratic(self, _X: np.ndarray, dX: np.ndarray) -> float:
        H = self._hessians[self.choice.value]
        v = vec_numeric(dX)
        return float(np.sum(self._G * dX) + 0.5 * (v.T @ H @ v).item())

    def _build_axes(self, title: str) -> None:
        (ax,) = self.live.axes
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("h")
        ax.set_ylabel("|r(h)|")
        ax.grid(True, which="major", alpha=0.3)
        self._title = title or self._("second-order remainder")
        ax.set_title(self._title, fontsize=10)
        (self._curve,) = ax.plot([], [], "-", color="C0", label="|r(h)|")
        (self._slope2,) = ax.plot([], [], ":", color="0.5",
                                  label=self._("slope {order}").format(order=2))
        (self._slope3,) = ax.plot([], [], "--", color="0.5",
                                  label=self._("slope {order}").format(order=3))
        ax.legend(loc="lower right", fontsize=8)
        self._marker = self.live.animate(ax.plot([], [], "o", color="C3", ms=7)[0])

    def _restudy(self) -> None:
        study = remainder_study(self._f, self._X, self._quadratic, direction=self._V, steps=_STEPS)
        self.study_order = tail_order(study, points=8)
        positive = study.remainder > 0
        self._curve.set_data(study.steps[positive], study.remainder[positive])
        anchor = float(np.interp(-2, np.log10(study.steps[::-1]),
                                 np.log10(np.maximum(study.remainder[::-1], 1e-300))))
        hs = np.array([10.0**_H_MIN_EXP, 1.0])
        self._slope2.set_data(hs, 10**anchor * (hs / 1e-2) ** 2)
        self._slope3.set_data(hs, 10**anchor * (hs / 1e-2) ** 3)
        (ax,) = self.live.axes
        floor = max(float(study.remainder[positive].min()) if positive.any() else 1e-300, 1e-300)
        ax.set_ylim(floor / 10, max(float(study.remainder.max()), floor * 10) * 10)
        ax.set_xlim(10.0**_H_MIN_EXP / 2, 2.0)
        verdict = self._verdict()
        ax.set_title(self._("{title}: fitted order {order:.2f}").format(
            title=self._title, order=self.study_order), fontsize=10)
        self.caption.value = self._(
            "<small>Figure: |r(h)| against h on log–log axes for the Hessian “{hessian}”. The "
            "curve falls with fitted slope {order:.2f}; dotted and dashed guide lines show "
            "slopes 2 and 3. {verdict}</small>").format(
            hessian=html.escape(self._(self.choice.value)), order=self.study_order,
            verdict=verdict)
        self._update_point()
        self.live.redraw_all()

    def _verdict(self) -> str:
        if self.study_order >= 2.6:
            return self._("Order 3: this is the Hessian.")
        return self._("Stuck at order 2: this is not the Hessian.")

    def _update_point(self) -> None:
        h = float(self.slider.value)
        r = self.remainder(h)
        self.current = {"h": h, "remainder": r, "order": self.study_order}
        self._marker.set_data([h], [max(r, 1e-300)])
        self.readout.value = announced(self._(
            "<code>h = {h:.2e}</code> &nbsp; <code>|r(h)| = {remainder:.3e}</code> &nbsp; "
            "<code>fitted order {order:.2f}</code> &nbsp; {mark} {verdict}").format(
            h=h, remainder=r, order=self.study_order,
            mark="✅" if self.study_order >= 2.6 else "❌", verdict=self._verdict()))

    def _on_h(self, _change: dict) -> None:
        self._update_point()
        self.live.refresh()

    def _on_choice(self, _change: dict) -> None:
        self._restudy()

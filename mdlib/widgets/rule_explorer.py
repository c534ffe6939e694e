"""Pick a differential rule (or a wrong variant), a direction E, and shrink h (curriculum M1–M8).

A :class:`RemainderExplorer` does the plotting; this widget only adds a rule picker and a
"singular X" switch, and feeds the chosen rule to the explorer with ``set_case``. A right
rule makes ``‖r‖/‖hE‖`` fall like ``h``; a wrong one levels off at a constant.

>>> ex = RuleExplorer(rule="M5 (wrong sign)")
>>> ex.set_h(1e-4)
>>> ex.current["ratio"] > 0.1  # a wrong differential: the ratio does not go to 0
True
>>> ex.set_singular(True)
>>> "singular" in ex.readout.value
True
"""

from __future__ import annotations

import html

import ipywidgets as widgets

from ..errors import MdlibError
from ..i18n import N_
from ..rules import RULES, MatrixRule, directions_for, get_rule, pack, singular_like
from .accessible import announced
from .remainder_explorer import RemainderExplorer
from .speech import choices, translator

# The point switch's options: English keys, shown in the reader's language.
_INVERTIBLE, _SINGULAR = N_("invertible X"), N_("singular X")


class RuleExplorer:
    """Rule dropdown + point switch on top of a :class:`RemainderExplorer`.

    The explorer's own slider (``h``) and direction dropdown are reused, so ``.slider`` and
    ``.direction`` are the explorer's. Drive it with :meth:`set_rule`, :meth:`set_direction`,
    :meth:`set_h` and :meth:`set_singular`. Menus show rule labels, directions and points in
    the reader's language of the widget's creation; their values stay the English keys.
    """

    def __init__(self, rule: str = "M5", seed: int = 0, size: int = 3, h: float = 1e-2) -> None:
        self.seed, self.size = seed, size
        self._ = _ = translator()
        self.rule_picker = widgets.Dropdown(options=choices(RULES, _), value=get_rule(rule).label,
                                            description=_("rule"),
                                            layout=widgets.Layout(width="300px"))
        self.point_picker = widgets.ToggleButtons(options=choices([_INVERTIBLE, _SINGULAR], _),
                                                  value=_INVERTIBLE, description=_("point"))
        self.statement = widgets.HTMLMath()
        self.error: str = ""
        first = get_rule(rule)
        point = first.point(seed, size, size)
        F, x, dF = first.flat(point)
        self.explorer = RemainderExplorer(F, x, dF, self._flat_directions(point), h=h,
                                          title=_("remainder ‖r(h)‖"))
        self.slider = self.explorer.slider
        self.direction = self.explorer.direction
        self.readout = self.explorer.readout
        self.live = self.explorer.live
        self.widget = widgets.VBox([widgets.HBox([self.rule_picker, self.point_picker]),
                                    self.statement, self.explorer.widget])
        self._show(first, point)
        # Registered after the explorer's own observer, so an error message wins the readout.
        self.slider.observe(self._keep_error, names="value")
        self.direction.observe(self._keep_error, names="value")
        self.rule_picker.observe(self._on_pick, names="value")
        self.point_picker.observe(self._on_pick, names="value")

    @classmethod
    def demo(cls) -> RuleExplorer:
        """The explorer of chapter 3, opened on the inverse rule M5."""
        return cls(rule="M5")

    # -- public, programmatic control -------------------------------------------------------
    @property
    def rule(self) -> MatrixRule:
        return get_rule(self.rule_picker.value)

    @property
    def current(self) -> dict[str, float]:
        """``{h, remainder, ratio}`` at the slider (empty while an error is shown)."""
        return {} if self.error else self.explorer.current

    @property
    def point(self) -> tuple:
        """The matrices the rule is evaluated at (X, or X and Y)."""
        return self._point

    def set_rule(self, label: str) -> None:
        """Switch to a rule or wrong variant by its label, e.g. ``"M5 (wrong sign)"``."""
        self.rule_picker.value = get_rule(label).label

    def set_singular(self, singular: bool) -> None:
        """Evaluate at a singular X (True) or at the seeded invertible one (False)."""
        self.point_picker.value = _SINGULAR if singular else _INVERTIBLE

    def set_direction(self, name: str) -> None:
        """Pick a direction E by its label (e.g. ``"e_11"``, ``"symmetric"``)."""
        self.explorer.set_direction(name)

    def set_h(self, h: float) -> None:
        """Move the h slider."""
        self.explorer.set_h(h)

    def directions(self) -> dict[str, tuple]:
        """The directions offered for the current rule, one matrix per input."""
        return dict(self._directions)

    # -- internals -----------------------------------------------------------------------------
    def _flat_directions(self, point: tuple) -> dict:
        self._directions = directions_for(point, self.seed)
        return {name: pack(d) for name, d in self._directions.items()}

    def _on_pick(self, _change: dict) -> None:
        rule = self.rule
        point = rule.point(self.seed, self.size, self.size)
        if self.point_picker.value == _SINGULAR:
            point = singular_like(point)
        self._show(rule, point)

    def _show(self, rule: MatrixRule, point: tuple) -> None:
        self._point = point
        label, claim = html.escape(self._(rule.label)), f"$d({rule.function}) = {rule.claim}$"
        if rule.correct:
            statement = self._("<b>{label}</b>, the rule: claimed {claim}")
        else:
            statement = self._("<b>{label}</b>, a wrong variant ({mistake}): claimed {claim}")
        mistake = self._(rule.mistake) if rule.mistake else ""  # _("") is the catalog's header
        self.statement.value = statement.format(label=label, claim=claim,
                                                mistake=html.escape(mistake))
        previous = self.direction.value if hasattr(self, "explorer") else None
        try:
            F, x, dF = rule.flat(point)
            self.explorer.set_case(F, x, dF, self._flat_directions(point))
            if previous in self._directions and previous != self.direction.value:
                self.explorer.set_direction(previous)  # keep the reader's E when it still fits
        except MdlibError as err:
            self.error = str(err)
            self.slider.disabled = self.direction.disabled = True
            self._keep_error(None)
            return
        self.error = ""
        self.slider.disabled = self.direction.disabled = False

    def _keep_error(self, _change: dict | None) -> None:
        if self.error:
            self.readout.value = announced(self._(
                "<b>⚠ {label} is not defined at this point.</b> {error} (Switch the point back "
                "to <i>{invertible}</i>, or pick <i>{adjugate}</i>, which holds at singular X "
                "too.)").format(label=html.escape(self._(self.rule.label)),
                                error=html.escape(self.error),
                                invertible=self._(_INVERTIBLE),
                                adjugate=self._("M6 (adjugate form)")))

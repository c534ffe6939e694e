"""Interactive widgets of the course; each redraws by blitting, never by rebuilding a figure.

Every widget class has ``.widget`` (what to display), ``.slider`` (its primary slider),
``.readout`` (an HTML line with the numbers), ``.live`` (its :class:`LiveFigure`) and a
``demo()`` classmethod; :data:`ALL_WIDGETS` lists the classes (used by the benchmarks). Every
slider is a :class:`ReaderSlider`, which a screen reader calls by what it changes and whose
value it reads in the reader's terms; every widget speaks the reader's language of its creation.
:class:`StepChecker` (a text area, no slider) checks a reader's own derivation line by line.
"""

from .jacobian_ellipse import JacobianEllipse
from .live_figure import LiveFigure
from .reader_slider import ReaderSlider
from .remainder_explorer import RemainderExplorer
from .rule_explorer import RuleExplorer
from .second_order_explorer import SecondOrderExplorer
from .slope_explorer import SlopeExplorer
from .step_checker import StepChecker

ALL_WIDGETS = [RemainderExplorer, JacobianEllipse, SlopeExplorer, RuleExplorer, SecondOrderExplorer]

__all__ = ["ALL_WIDGETS", "JacobianEllipse", "LiveFigure", "ReaderSlider", "RemainderExplorer",
           "RuleExplorer", "SecondOrderExplorer", "SlopeExplorer", "StepChecker"]

"""Chapter 0 warm-up: one derivative everybody knows, to see how an exercise cell works.

The start page uses it to show the three verdicts (not answered yet, wrong with the mistake
named, right) without giving away an exercise of a later chapter.

>>> from mdlib.exercises import check
>>> bool(check("0.1", lambda x: 3 * x**2))
True
"""

from __future__ import annotations

import numpy as np

from ..i18n import N_
from .core import Exercise, Mistake, register


def _any_x(rng: np.random.Generator) -> dict[str, float]:
    return {"x": float(rng.uniform(0.5, 2.0))}


register(
    Exercise(
        id="0.1",
        prompt="φ(x) = x³. Find φ'(x).",
        kind="derivative", wrt="x",
        f=lambda x: x**3,
        make_inputs=_any_x,
        solution=lambda x: 3 * x**2,
        mistakes={
            "forgot the factor 3": Mistake(
                lambda x: x**2,
                N_("the exponent 3 also comes down as a factor: the derivative of xⁿ is n xⁿ⁻¹")),
            "an antiderivative instead": Mistake(
                lambda x: x**4 / 4,
                N_("x⁴/4 is an antiderivative of x³ (its derivative is x³), not the derivative")),
        },
    ),
)

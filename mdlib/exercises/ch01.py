"""Chapter 1 exercises: derivatives of one variable, checked against difference quotients (S1, S2).

Answers are functions of ``x`` returning ``φ'(x)``.

>>> from mdlib.exercises import check
>>> import numpy as np
>>> bool(check("1.2", lambda x: -2 * x / (1 + x**2) ** 2))
True
"""

from __future__ import annotations

import numpy as np

from ..i18n import N_
from .core import Exercise, Mistake, register


def _positive_x(rng: np.random.Generator) -> dict[str, float]:
    # x > 0 keeps √x smooth; the interval avoids sin x = -2 trivially (2 + sin x ≥ 1 anyway).
    return {"x": float(rng.uniform(0.5, 3.0))}


def _any_x(rng: np.random.Generator) -> dict[str, float]:
    return {"x": float(rng.uniform(0.3, 2.0))}


def _m0(x: float) -> float:
    return float(np.log(2 + np.sin(x)) * np.exp(np.sqrt(x)))


def _m0_prime(x: float) -> float:
    return float(np.exp(np.sqrt(x)) * (np.cos(x) / (2 + np.sin(x))
                                        + np.log(2 + np.sin(x)) / (2 * np.sqrt(x))))


register(
    Exercise(
        id="1.1",
        prompt="φ(x) = log(2 + sin x) · e^{√x} (x > 0). Find φ'(x) with the product and chain rules.",
        kind="derivative", wrt="x",
        f=_m0,
        make_inputs=_positive_x,
        solution=_m0_prime,
        mistakes={
            "dropped the inner derivative 1/(2√x) of √x": Mistake(
                lambda x: float(
                    np.exp(np.sqrt(x)) * (np.cos(x) / (2 + np.sin(x)) + np.log(2 + np.sin(x)))),
                N_("the inner derivative is missing: by the chain rule e^{√x} has the derivative e^{√x} · 1/(2√x), and the factor 1/(2√x) of √x was dropped")),
            "product rule with one term only": Mistake(
                lambda x: float(np.exp(np.sqrt(x)) * np.cos(x) / (2 + np.sin(x))),
                N_("only one term of the product rule: (uv)′ = u′v + uv′, and the term log(2 + sin x) · (e^{√x})′ is missing")),
        },
    ),
    Exercise(
        id="1.2",
        prompt="φ(x) = 1 / (1 + x²). Find φ'(x).",
        kind="derivative", wrt="x",
        f=lambda x: 1.0 / (1.0 + x**2),
        make_inputs=_any_x,
        solution=lambda x: -2 * x / (1 + x**2) ** 2,
        mistakes={
            "sign slip: +2x/(1+x²)²": Mistake(
                lambda x: 2 * x / (1 + x**2) ** 2,
                N_("the minus sign is lost: the derivative of 1/u is −u′/u²")),
            "forgot the 2 from x²": Mistake(
                lambda x: -x / (1 + x**2) ** 2,
                N_("the inner derivative of 1 + x² is 2x, not x: the factor 2 is missing")),
        },
    ),
    Exercise(
        id="1.3",
        prompt="φ(x) = sin(x²). Find φ'(x).",
        kind="derivative", wrt="x",
        f=lambda x: np.sin(x**2),
        make_inputs=_any_x,
        solution=lambda x: 2 * x * np.cos(x**2),
        mistakes={
            "forgot the inner derivative 2x": Mistake(
                lambda x: np.cos(x**2),
                N_("the inner derivative is missing: by the chain rule sin(x²) needs the factor 2x, the derivative of x²")),
            "differentiated sin(x)² instead": Mistake(
                lambda x: 2 * np.sin(x) * np.cos(x),
                N_("you differentiated (sin x)², but here the square sits inside the sine: sin(x²)")),
        },
    ),
)

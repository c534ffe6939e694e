"""Chapter 3 exercises: differentials from the rules M1–M8, as directional derivatives.

Each exercise asks for ``df(X; E)``, the differential of ``f`` at ``X`` with ``dX = E``: the
answer is a function of ``X, E`` (and ``A`` where given). It is checked against the numerical
derivative of ``t ↦ f(X + tE)`` at ``t = 0``.

>>> import numpy as np
>>> from mdlib.exercises import check
>>> bool(check("3.1", lambda X, E: -np.trace(np.linalg.inv(X) @ E @ np.linalg.inv(X))))
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..gradcheck import numerical_gradient
from ..i18n import N_, _
from ..rules import well_conditioned
from .core import Exercise, Mistake, register


@dataclass(frozen=True)
class DirectionalExercise(Exercise):
    """An exercise whose answer is the differential ``df(X; E)`` for the direction ``dX = E``.

    ``f`` is a function of ``wrt`` and the constants; the inputs also hold the direction
    (named by ``direction``), which ``f`` does not take. The reference is the central
    difference of ``t ↦ f(X + tE)`` at ``t = 0``, so no parameter ``t`` reaches the reader.

    >>> ex = DirectionalExercise(
    ...     id="demo", prompt="d tr(X)", kind="derivative", wrt="X", f=lambda X: np.trace(X),
    ...     make_inputs=lambda rng: {"X": np.eye(2), "E": np.array([[1.0, 2.0], [3.0, 4.0]])},
    ...     solution=lambda X, E: np.trace(E))
    >>> round(float(ex.reference(ex.make_inputs(None))), 6)
    5.0
    """

    direction: str = "E"

    def wanted(self) -> str:
        if self.asks_for:
            return _(self.asks_for)
        return _("the differential df({wrt}; {direction})").format(wrt=self.wrt,
                                                                   direction=self.direction)

    def reference(self, inputs: dict[str, np.ndarray]) -> np.ndarray:
        """Finite-difference ``df(X; E)`` at ``inputs`` (independent of ``solution``)."""
        point, direction = inputs[self.wrt], inputs[self.direction]
        constants = {k: v for k, v in inputs.items() if k not in (self.wrt, self.direction)}
        return numerical_gradient(lambda t: self.f(**{self.wrt: point + t * direction}, **constants), 0.0)


def _square_inputs(rng: np.random.Generator) -> dict[str, np.ndarray]:
    return {"X": well_conditioned(rng, 3), "E": rng.standard_normal((3, 3))}


def _with_a(rng: np.random.Generator) -> dict[str, np.ndarray]:
    return {**_square_inputs(rng), "A": rng.standard_normal((3, 3))}


def _inv(X: np.ndarray) -> np.ndarray:
    return np.linalg.inv(X)


register(
    DirectionalExercise(
        id="3.1",
        prompt="f(X) = tr(X^{-1}). Use M4 and M5 to write df(X; E).",
        kind="derivative", wrt="X",
        f=lambda X: np.trace(_inv(X)),
        make_inputs=_square_inputs,
        solution=lambda X, E: -np.trace(_inv(X) @ E @ _inv(X)),
        mistakes={
            "sign of M5 lost": Mistake(
                lambda X, E: np.trace(_inv(X) @ E @ _inv(X)),
                N_("the minus sign of the inverse rule d(X^{-1}) = −X^{-1} dX X^{-1} (M5) was "
                "dropped")),
            "scalar analogy −tr(E)/tr(X)²": Mistake(
                lambda X, E: -np.trace(E) / np.trace(X) ** 2,
                N_("the scalar rule (1/x)′ = −1/x² was applied to the trace, but tr(X^{-1}) is not "
                "1/tr(X): differentiate X^{-1} with M5 inside the trace")),
        },
    ),
    DirectionalExercise(
        id="3.2",
        prompt="f(X) = |X| (the determinant). Use M6 to write df(X; E).",
        kind="derivative", wrt="X",
        f=lambda X: np.linalg.det(X),
        make_inputs=_square_inputs,
        solution=lambda X, E: np.linalg.det(X) * np.trace(_inv(X) @ E),
        mistakes={
            "forgot the factor |X|": Mistake(
                lambda X, E: np.trace(_inv(X) @ E),
                N_("the factor |X| is missing: d|X| = |X| tr(X^{-1} dX) (M6)")),
            "tr(E) instead of tr(X^{-1} E)": Mistake(
                lambda X, E: np.linalg.det(X) * np.trace(E),
                N_("the X^{-1} inside the trace is missing: d|X| = |X| tr(X^{-1} dX), not |X| tr(dX)")),
        },
    ),
    DirectionalExercise(
        id="3.3",
        prompt="f(X) = Σ_ij (X ⊙ sin X)_ij. Use M7 and M8 to write df(X; E).",
        kind="derivative", wrt="X",
        f=lambda X: np.sum(X * np.sin(X)),
        make_inputs=_square_inputs,
        solution=lambda X, E: np.sum(E * np.sin(X) + X * np.cos(X) * E),
        mistakes={
            "only one term of M7": Mistake(
                lambda X, E: np.sum(X * np.cos(X) * E),
                N_("only one term of the Hadamard product rule: d(X ⊙ sin X) = dX ⊙ sin X + X ⊙ "
                "d(sin X) (M7)")),
            "matrix product for σ'(X) dX": Mistake(
                lambda X, E: np.sum(E * np.sin(X) + X * (np.cos(X) @ E)),
                N_("cos X was multiplied with dX as a matrix product: the elementwise rule M8 gives "
                "cos X ⊙ dX, entry by entry")),
        },
    ),
    DirectionalExercise(
        id="3.4",
        prompt="f(X) = tr(X A X) with a constant A. Use M2 and M4 to write df(X; E).",
        kind="derivative", wrt="X",
        f=lambda X, A: np.trace(X @ A @ X),
        make_inputs=_with_a,
        solution=lambda X, E, A: np.trace(E @ A @ X + X @ A @ E),
        mistakes={
            "2 tr(X A E): as if X and A commuted": Mistake(
                lambda X, E, A: 2 * np.trace(X @ A @ E),
                N_("XA = AX was assumed: the two terms tr(dX A X) = tr(A X dX) and tr(X A dX) differ"
                " unless A and X commute")),
            "only the (dX) A X term": Mistake(
                lambda X, E, A: np.trace(E @ A @ X),
                N_("only one term of the product rule: d(X A X) = dX A X + X A dX (M2)")),
        },
    ),
)

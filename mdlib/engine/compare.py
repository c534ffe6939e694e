"""Judge a *claimed* symbolic gradient (yours, or sympy's ``.diff``) by finite differences.

The course never prints a symbolic matrix derivative it has not checked. This module is how a
notebook shows what sympy 1.14 returns for, say, ``log|X|`` *together with* the verdict.

>>> import sympy
>>> X = sympy.MatrixSymbol("X", 3, 3)
>>> f = sympy.log(sympy.Determinant(X))
>>> bool(check_symbolic_gradient(f, X, X.T.inv())), bool(check_symbolic_gradient(f, X, X.inv()))
(True, False)
"""

from __future__ import annotations

import numpy as np
import sympy
from sympy import MatrixSymbol

from ..gradcheck import GradientCheck, compare_with_reference, numerical_gradient
from .numeric import evaluate, scalar_value
from .verify import RTOL, random_data


def check_symbolic_gradient(f: sympy.Basic, X: MatrixSymbol, claimed: object, seed: int = 0,
                            symmetric: tuple = ()) -> GradientCheck:
    """Evaluate ``claimed`` (a sympy expression for ∂f/∂X) at seeded random data and compare.

    Never raises for a bad claim: an answer that cannot be evaluated fails with the reason.
    """
    name = str(X.name)
    data = random_data(f, seed=seed, symmetric=symmetric, variable=name)
    X0 = np.asarray(data.values[name], dtype=float)
    reference = numerical_gradient(
        lambda Xv: scalar_value(f, {**data.values, name: Xv}, data.dims), X0)
    try:
        G = np.asarray(evaluate(sympy.sympify(claimed), data.values, data.dims), dtype=float)
    except Exception as err:  # noqa: BLE001 - any failure to evaluate is the verdict itself
        reason = str(err).split(";")[0][:160]
        return GradientCheck(False, float("inf"), f"the claimed gradient cannot be evaluated: {reason}")
    if G.size == 1 and X0.size > 1:
        G = np.full(X0.shape, float(G.reshape(-1)[0]))
    return compare_with_reference(G, reference, RTOL)

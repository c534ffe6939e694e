"""Random matrix functions F(X) built from the engine's operations: jacobian() must agree with
entry-by-entry finite differences every time (hypothesis, derandomized in conftest).

Each draw composes a few operations (constant factors on either side, transpose, Hadamard
product with a constant, elementwise exp/sin/σ, sums, a shifted inverse) on a 2×2 or 3×2 X.
"""

from __future__ import annotations

import numpy as np
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from mdlib import jacobian
from mdlib.engine.nodes import sigmoid
from mdlib.engine.numeric import evaluate
from mdlib.gradcheck import numerical_jacobian
from mdlib.vec import unvec, vec

M = sp.MatrixSymbol
OPS = ["left", "right", "transpose", "hadamard", "exp", "sin", "sigmoid", "plus_x", "inverse"]


def build(ops: list[str], X: sp.MatrixSymbol) -> sp.Basic:
    F: sp.Basic = X
    for k, op in enumerate(ops):
        r, c = F.shape
        if op == "left":
            F = M(f"L{k}", 2, r) * F
        elif op == "right":
            F = F * M(f"R{k}", c, 2)
        elif op == "transpose":
            F = F.T
        elif op == "hadamard":
            F = sp.HadamardProduct(M(f"C{k}", r, c), F)
        elif op in ("exp", "sin"):
            F = F.applyfunc(getattr(sp, op))
        elif op == "sigmoid":
            F = sigmoid(F)
        elif op == "plus_x" and F.shape == X.shape:
            F = F + X
        elif op == "inverse" and r == c:
            F = (F + M(f"S{k}", r, r)).I  # S is drawn as n I + noise: the sum stays invertible
    return F


@settings(max_examples=25)
@given(st.lists(st.sampled_from(OPS), min_size=1, max_size=4), st.sampled_from([(2, 2), (3, 2)]))
def test_random_compositions_match_finite_differences(ops, shape):
    X = M("X", *shape)
    F = build(ops, X)
    if F == X:
        return
    result = jacobian(F, X)
    values = dict(result.verification.details["values"])
    # keep the shifted inverses well away from singular at the point we test
    for name in list(values):
        if name.startswith("S"):
            values[name] = 6 * np.eye(values[name].shape[0])
    X0 = values["X"]

    def vecF(v):
        out = np.asarray(evaluate(F, {**values, "X": unvec(v, *shape)}), dtype=float)
        return vec(np.atleast_2d(out)).ravel()

    reference = numerical_jacobian(vecF, vec(X0).ravel()).T
    claimed = result.numeric(**values)
    assert claimed.shape == reference.shape
    scale = max(np.abs(reference).max(), 1.0)
    assert np.abs(claimed - reference).max() <= 1e-5 * scale, (ops, result.text)

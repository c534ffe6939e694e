"""Test and benchmark cases: the worked examples E1–E6 and identities of the Matrix Cookbook.

Each :class:`Case` has a scalar ``f``, the variable, matrices assumed symmetric, and the known
closed form of the gradient as a numpy function of the values (Petersen & Pedersen, *The
Matrix Cookbook*, §2, in denominator layout), so the engine can be compared with it.

>>> len(CASES) >= 36, CASES[0].name
(True, 'E1 a^T X b')
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import sympy
from sympy import Determinant as Det
from sympy import HadamardPower, HadamardProduct, MatrixSymbol, OneMatrix, Trace

from ..stable import sigmoid as np_sigmoid
from .nodes import sigmoid

inv, T = np.linalg.inv, np.transpose


@dataclass(frozen=True)
class Case:
    name: str
    f: sympy.Basic
    X: MatrixSymbol
    known: Callable[[dict], np.ndarray]
    symmetric: tuple = ()
    given: tuple | None = None


def _m(name: str, r: int = 3, c: int = 3) -> MatrixSymbol:
    return MatrixSymbol(name, r, c)


def _cases() -> list[Case]:
    X, A, B, C, D = (_m(n) for n in "XABCD")
    a, b, c, d = (_m(n, 3, 1) for n in "abcd")
    x = _m("x", 3, 1)
    one = OneMatrix(1, 3)
    cases = [
        Case("E1 a^T X b", a.T * X * b, X, lambda v: v["a"] @ v["b"].T),
        Case("E2 a^T exp(Xb)", a.T * (X * b).applyfunc(sympy.exp), X,
             lambda v: (v["a"] * np.exp(v["X"] @ v["b"])) @ v["b"].T),
    ]
    W, M, Xd = _m("W"), _m("M"), _m("X", 3, 4)
    Y = sigmoid(W * Xd)

    def e3(v):
        s = np_sigmoid(v["W"] @ v["X"])
        return (2 * v["M"] @ s * s * (1 - s)) @ v["X"].T

    def e3x(v):
        s = np_sigmoid(v["W"] @ v["X"])
        return v["W"].T @ (2 * v["M"] @ s * s * (1 - s))

    cases += [Case("E3 tr(Y^T M Y), Y = σ(WX), by W", Trace(Y.T * M * Y), W, e3, ("M",)),
              Case("E3 tr(Y^T M Y), Y = σ(WX), by X", Trace(Y.T * M * Y), Xd, e3x, ("M",))]
    Xl, w, y = _m("X", 5, 3), _m("w", 3, 1), _m("y", 5, 1)
    cases.append(Case("E4 ‖Xw − y‖²", (Xl * w - y).T * (Xl * w - y), w,
                      lambda v: 2 * v["X"].T @ (v["X"] @ v["w"] - v["y"])))
    Sig, S = _m("Sigma"), _m("S")
    cases.append(Case("E5 log|det Σ| + tr(S Σ^-1)", sympy.log(Det(Sig)) + Trace(S * Sig.I), Sig,
                      lambda v: inv(v["Sigma"]) - inv(v["Sigma"]) @ v["S"] @ inv(v["Sigma"]),
                      ("Sigma", "S")))
    Wc, xv, yv = _m("W", 4, 3), _m("x", 3, 1), _m("y", 4, 1)
    e = (Wc * xv).applyfunc(sympy.exp)

    def e6(v):
        z = np.exp(v["W"] @ v["x"])
        return (z / z.sum() - v["y"]) @ v["x"].T

    cases.append(Case("E6 −y^T log softmax(Wx)",
                      -Trace(yv.T * Wc * xv) + sympy.log(OneMatrix(1, 4) * e), Wc, e6,
                      given=(r"-y^T \log\mathrm{softmax}(W x)", "-y^T log softmax(W x)",
                             "log softmax(z) = z − log(1^T e^z)·1 and 1^T y = 1")))
    I3 = np.eye(3)
    cookbook = [
        ("tr(X)", Trace(X), X, lambda v: I3),
        ("tr(AX)", Trace(A * X), X, lambda v: v["A"].T),
        ("tr(XA)", Trace(X * A), X, lambda v: v["A"].T),
        ("tr(AXB)", Trace(A * X * B), X, lambda v: v["A"].T @ v["B"].T),
        ("tr(AX^TB)", Trace(A * X.T * B), X, lambda v: v["B"] @ v["A"]),
        ("tr(X^TA)", Trace(X.T * A), X, lambda v: v["A"]),
        ("tr(X^2)", Trace(X * X), X, lambda v: 2 * v["X"].T),
        ("tr(X^2 B)", Trace(X * X * B), X, lambda v: (v["X"] @ v["B"] + v["B"] @ v["X"]).T),
        ("tr(X^T B X)", Trace(X.T * B * X), X, lambda v: (v["B"] + v["B"].T) @ v["X"]),
        ("tr(X B X^T)", Trace(X * B * X.T), X, lambda v: v["X"] @ (v["B"] + v["B"].T)),
        ("tr(AXBX)", Trace(A * X * B * X), X,
         lambda v: (v["B"] @ v["X"] @ v["A"] + v["A"] @ v["X"] @ v["B"]).T),
        ("tr(X^T X)", Trace(X.T * X), X, lambda v: 2 * v["X"]),
        ("tr(B X X^T)", Trace(B * X * X.T), X, lambda v: (v["B"] + v["B"].T) @ v["X"]),
        ("tr(X^3)", Trace(X ** 3), X, lambda v: 3 * (v["X"] @ v["X"]).T),
        ("tr(A X^-1 B)", Trace(A * X.I * B), X,
         lambda v: -inv(v["X"]).T @ v["A"].T @ v["B"].T @ inv(v["X"]).T),
        ("tr(X^-1)", Trace(X.I), X, lambda v: -(inv(v["X"]) @ inv(v["X"])).T),
        ("det(X)", Det(X), X, lambda v: np.linalg.det(v["X"]) * inv(v["X"]).T),
        ("log det(X)", sympy.log(Det(X)), X, lambda v: inv(v["X"]).T),
        ("det(AXB)", Det(A * X * B), X,
         lambda v: np.linalg.det(v["A"] @ v["X"] @ v["B"]) * inv(v["X"]).T),
        ("det(X^2)", Det(X ** 2), X, lambda v: 2 * np.linalg.det(v["X"]) ** 2 * inv(v["X"]).T),
        ("1/det(X)", 1 / Det(X), X, lambda v: -inv(v["X"]).T / np.linalg.det(v["X"])),
        ("a^T X^T b", a.T * X.T * b, X, lambda v: v["b"] @ v["a"].T),
        ("a^T X a", a.T * X * a, X, lambda v: v["a"] @ v["a"].T),
        ("b^T X^T X c", b.T * X.T * X * c, X,
         lambda v: v["X"] @ (v["b"] @ v["c"].T + v["c"] @ v["b"].T)),
        ("x^T B x", x.T * B * x, x, lambda v: (v["B"] + v["B"].T) @ v["x"]),
        ("(Bx+b)^T C (Dx+d)", (B * x + b).T * C * (D * x + d), x,
         lambda v: v["B"].T @ v["C"] @ (v["D"] @ v["x"] + v["d"])
         + v["D"].T @ v["C"].T @ (v["B"] @ v["x"] + v["b"])),
        ("b^T X^T D X c", b.T * X.T * D * X * c, X,
         lambda v: v["D"].T @ v["X"] @ v["b"] @ v["c"].T + v["D"] @ v["X"] @ v["c"] @ v["b"].T),
        ("(Xb+c)^T D (Xb+c)", (X * b + c).T * D * (X * b + c), X,
         lambda v: (v["D"] + v["D"].T) @ (v["X"] @ v["b"] + v["c"]) @ v["b"].T),
        ("a^T X^-1 b", a.T * X.I * b, X,
         lambda v: -inv(v["X"]).T @ v["a"] @ v["b"].T @ inv(v["X"]).T),
        ("a^T X X^T b", a.T * X * X.T * b, X,
         lambda v: (v["a"] @ v["b"].T + v["b"] @ v["a"].T) @ v["X"]),
        ("tr(A ⊙ X)", Trace(HadamardProduct(A, X)), X, lambda v: I3 * v["A"]),
        ("a^T (X ⊙ B) b", a.T * HadamardProduct(X, B) * b, X,
         lambda v: (v["a"] @ v["b"].T) * v["B"]),
        ("1^T (X ⊙ X) 1", one * HadamardProduct(X, X) * one.T, X, lambda v: 2 * v["X"]),
        ("1^T X^∘3 1", one * HadamardPower(X, 3) * one.T, X, lambda v: 3 * v["X"] ** 2),
        ("1^T exp(X) 1", one * X.applyfunc(sympy.exp) * one.T, X, lambda v: np.exp(v["X"])),
        ("a^T sin(X) b", a.T * X.applyfunc(sympy.sin) * b, X,
         lambda v: (v["a"] @ v["b"].T) * np.cos(v["X"])),
        ("a^T tanh(Xb)", a.T * (X * b).applyfunc(sympy.tanh), X,
         lambda v: (v["a"] * (1 - np.tanh(v["X"] @ v["b"]) ** 2)) @ v["b"].T),
        ("tr(X)^2", Trace(X) ** 2, X, lambda v: 2 * np.trace(v["X"]) * I3),
        ("log tr(X^T X)", sympy.log(Trace(X.T * X)), X,
         lambda v: 2 * v["X"] / np.trace(v["X"].T @ v["X"])),
        ("sin(a^T X b)", sympy.sin(a.T * X * b), X,
         lambda v: np.cos(v["a"].T @ v["X"] @ v["b"]) * (v["a"] @ v["b"].T)),
        ("‖Ax − b‖²", (A * x - b).T * (A * x - b), x,
         lambda v: 2 * v["A"].T @ (v["A"] @ v["x"] - v["b"])),
    ]
    Xr = _m("X", 4, 3)
    cookbook += [
        ("log det(X^T X), X 4×3", sympy.log(Det(Xr.T * Xr)), Xr,
         lambda v: 2 * v["X"] @ inv(v["X"].T @ v["X"])),
        ("det(X^T A X), A symmetric", Det(X.T * A * X), X,
         lambda v: 2 * np.linalg.det(v["X"].T @ v["A"] @ v["X"]) * v["A"] @ v["X"]
         @ inv(v["X"].T @ v["A"] @ v["X"])),
        ("tr(A X^T) with X 4×3", Trace(_m("A", 3, 4) * Xr), Xr, lambda v: v["A"].T),
    ]
    for name, f, var, known in cookbook:
        sym = ("A",) if "A symmetric" in name else ()
        cases.append(Case(f"cookbook {name}", f, var, known, sym))
    return cases


CASES: list[Case] = _cases()

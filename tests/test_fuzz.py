"""Fuzz the whole pipeline: random typed expressions → parse → derive → independent check.

A seeded generator writes expressions as a reader would type them (products, transposes,
inverses, det/logdet, Hadamard ``had``, elementwise functions, scalar functions of traces, sums
and differences, X several times, rectangular, vector and 1×1 X; 1×1 products used as numbers,
``a.T*X*b + 1``, ``log(1 + (a.T*X*b)**2)``; numbers inside functions, ``cos(3)*tr(X)``,
``tr(X)/pi``; the constants ``pi``, ``e`` and the identity ``I``, ``inv(4*I + X)``; sums of
identical terms inside functions) and, alongside each string, a numpy function computing the
same value. That function is this file's own: the reference gradient is entrywise central
differences of it at a few random points, so neither the parser, the engine's numeric evaluator
nor its verifier judges itself.

Asserted over the sample: no wrong gradient, no exception other than ``MdlibError`` (printing
the derivation and its gradient included), every refusal names a cause, and at least 99 % of
the expressions involving X come back right and verified (an expression in which X cancels or f
is flat to round-off at this file's data involves X in name only: it may be refused with a
cause). ``LEFT_OUT`` lists what the generator does not write, and why. Run with ``-s`` to see
the tally and every refusal. A second test spoils the right answers of further generated
expressions (sign, factor 1.001, transpose, a dropped term, a scaled differential) and asserts
that the engine's verifier passes none of them. A third checks that each construct the
generator was widened to (``WIDENED``) occurs in at least 2 % of the sample.
"""

from __future__ import annotations

import collections
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pytest

import mdlib
import mdlib.engine.numeric
from mdlib import MdlibError
from mdlib.parse import parse_expression

N_EXPRESSIONS = 640
SEED = 20261126
POINTS = 2  # random points at which each verified gradient is checked here
MIN_SHARE = 0.99

#: Constructs the generator leaves out, and why: real limitations of the mathematics or of the
#: expression language, and faults found by this test (each with its minimal reproducer).
LEFT_OUT = {
    "elementwise log and sqrt of arbitrary matrices":
        "only of forms that are positive everywhere (exp(M)); otherwise f is undefined at "
        "random points, which is the reader's domain problem, not the engine's",
    "inverses and determinants of arbitrary square expressions":
        "only of leaves, C + M/4 and k*I + M/4 (C regular; k ≥ 2 in inv, k = 1 in det, whose "
        "kⁿ would saturate tanh and sigmoid): a rank-deficient argument (such as inv(a*b.T)) "
        "has no derivative and is rightly refused",
}

Fn = Callable[[dict], np.ndarray]

#: Numbers a reader types inside or next to functions: text and value (the value computed
#: here with numpy, not read from the text).
NUMBERS = {"2": 2.0, "0.5": 0.5, "3": 3.0, "-1.5": -1.5, "pi": np.pi, "e": np.e,
           "cos(3)": np.cos(3.0), "sigmoid(2)": 1 / (1 + np.exp(-2.0)), "exp(0.5)": np.exp(0.5),
           "log(2)": np.log(2.0), "sqrt(2)": np.sqrt(2.0), "tanh(1)": np.tanh(1.0),
           "sin(1)": np.sin(1.0), "pi/4": np.pi / 4, "e**2": np.e ** 2}
#: Those safely away from zero, to divide by.
DIVISORS = ["2", "3", "pi", "e", "sigmoid(2)", "exp(0.5)", "sqrt(2)", "log(2)"]
#: Multiples of the identity added to a matrix to keep it invertible: k*I with k ≥ 2.
IDENTITY_SHIFTS = {"2*I": 2.0, "3*I": 3.0, "4*I": 4.0, "pi*I": np.pi, "e*I": np.e}

#: sqrt and log of arguments that are positive everywhere (1 + s², eˢ, 2 + sin s, 2 + tanh s,
#: 2 + atan s > 2 - π/2): typed text and this file's own value.
ROOTS_AND_BOUNDED_LOGS = [
    ("sqrt(1 + ({})**2)", lambda t: np.sqrt(1 + t ** 2)),
    ("sqrt(exp({}))", lambda t: np.sqrt(np.exp(t))),
    ("log(2 + sin({}))", lambda t: np.log(2 + np.sin(t))),
    ("log(2 + tanh({}))", lambda t: np.log(2 + np.tanh(t))),
    ("sqrt(2 + atan({}))", lambda t: np.sqrt(2 + np.arctan(t))),
]

_SCALAR_FUNCTIONS = {"exp": np.exp, "sin": np.sin, "cos": np.cos, "tanh": np.tanh,
                     "sigmoid": lambda t: 1 / (1 + np.exp(-t)), "atan": np.arctan}


@dataclass
class Node:
    """A typed expression and its independent numpy evaluation."""

    text: str
    fn: Fn
    has_x: bool
    one_by_one: bool = False  # a 1×1 matrix typed where a number goes (T1), e.g. a.T*X*b


@dataclass
class Generator:
    """Random well-typed expressions over X (shape ``x_shape``) and declared constants."""

    rng: np.random.Generator
    x_shape: tuple
    constants: dict = field(default_factory=dict)  # name -> (rows, cols, kind)
    #: how often each widened construct was written (counted, not steered: no random draw)
    seen: collections.Counter = field(default_factory=collections.Counter)
    in_function: int = 0  # how many function arguments the expression being written is inside

    def argument(self, make: Callable[[], Node]) -> Node:
        """``make()`` written as the argument of a function (for the construct count)."""
        self.in_function += 1
        try:
            return make()
        finally:
            self.in_function -= 1

    def pick(self, options: dict) -> str:
        """A key of ``options`` drawn with the probabilities given as its values."""
        names = list(options)
        weights = np.array(list(options.values()), dtype=float)
        return str(self.rng.choice(names, p=weights / weights.sum()))

    # -- leaves -----------------------------------------------------------------------------
    def constant(self, r: int, c: int, kind: str = "general") -> Node:
        prefix = {"general": "A", "regular": "C", "spd": "S", "vector": "u"}[kind]
        name = f"{prefix}{r}x{c}" if kind != "vector" else f"u{r}"
        self.constants[name] = (r, c, kind)
        return Node(name, lambda v, name=name: v[name], False)

    def leaf(self, r: int, c: int) -> Node:
        m, n = self.x_shape
        if (r, c) == (m, n) and self.rng.random() < 0.7:
            return Node("X", lambda v: v["X"], True)
        if (r, c) == (n, m) and self.rng.random() < 0.6:
            return Node("X.T", lambda v: v["X"].T, True)
        return self.constant(r, c)

    def number(self, divisor: bool = False) -> Node:
        text = str(self.rng.choice(DIVISORS if divisor else list(NUMBERS)))
        if self.in_function:
            self.seen["number inside a function"] += 1
        return Node(text, lambda v, x=NUMBERS[text]: x, False)

    def dims(self) -> list:
        return sorted({*self.x_shape, 1, 2, 3})

    # -- matrices -------------------------------------------------------------------------------
    def matrix(self, r: int, c: int, depth: int) -> Node:
        if depth <= 0:
            return self.leaf(r, c)
        # a 1×1 matrix is a number too (T1): plus a number, as well as the matrix constructs
        one_by_one = (r, c) == (1, 1)
        choice = self.pick({"leaf": 0.14, "product": 0.2, "transpose": 0.07, "sum": 0.11,
                            "scaled": 0.06, "hadamard": 0.08, "identity": 0.06 if r == c else 0,
                            "elementwise": 0.2 if one_by_one else 0.11, "inverse": 0.1,
                            "scalar times": 0.04, "power": 0.1 if one_by_one else 0.04,
                            "twice": 0.05, "plus a number": 0.1 if one_by_one else 0})
        if one_by_one and choice in ("elementwise", "power", "plus a number"):
            self.seen["1×1 from an entrywise function, a power or a number added"] += 1
        if choice == "leaf":
            return self.leaf(r, c)
        if choice == "plus a number":  # x + 2, 0.5 - x: a number when read, a 1×1 matrix in tr(...)
            a, k = self.matrix(1, 1, depth - 1), self.number()
            if self.rng.random() < 0.5:
                return Node(f"{a.text} + {k.text}", lambda v, a=a, k=k: a.fn(v) + k.fn(v), a.has_x)
            return Node(f"{k.text} - ({a.text})", lambda v, a=a, k=k: k.fn(v) - a.fn(v), a.has_x)
        if choice == "product":
            k = int(self.rng.choice(self.dims()))
            a, b = self.matrix(r, k, depth - 1), self.matrix(k, c, depth - 1)
            return Node(f"({a.text})*({b.text})", lambda v, a=a, b=b: a.fn(v) @ b.fn(v),
                        a.has_x or b.has_x)
        if choice == "transpose":
            a = self.matrix(c, r, depth - 1)
            return Node(f"({a.text}).T", lambda v, a=a: a.fn(v).T, a.has_x)
        if choice in ("sum", "twice"):  # M + M too (a number 2 inside a function); never M - M
            a = self.matrix(r, c, depth - 1)
            b = a if choice == "twice" else self.matrix(r, c, depth - 1)
            sign = "+" if a.text == b.text else self.rng.choice(["+", "-"])
            if a.text == b.text and self.in_function:
                self.seen["a sum of identical terms inside a function"] += 1
            op = (lambda p, q: p + q) if sign == "+" else (lambda p, q: p - q)
            return Node(f"{a.text} {sign} ({b.text})", lambda v, a=a, b=b, op=op: op(a.fn(v), b.fn(v)),
                        a.has_x or b.has_x)
        if choice == "scaled":  # by a number: 2, pi, cos(3), ... in front, or divided by one
            a = self.matrix(r, c, depth - 1)
            if self.rng.random() < 0.7:
                k = self.number()
                return Node(f"{k.text}*({a.text})", lambda v, a=a, k=k: k.fn(v) * a.fn(v), a.has_x)
            k = self.number(divisor=True)
            return Node(f"({a.text})/{k.text}", lambda v, a=a, k=k: a.fn(v) / k.fn(v), a.has_x)
        if choice == "hadamard":
            a, b = self.matrix(r, c, depth - 1), self.matrix(r, c, depth - 1)
            return Node(f"had({a.text}, {b.text})", lambda v, a=a, b=b: a.fn(v) * b.fn(v),
                        a.has_x or b.has_x)
        if choice == "identity":  # I sized by the matrix it meets: M + k*I, k*I - M, had(I, M)
            a = self.matrix(r, r, depth - 1)
            form = self.rng.choice(["plus", "minus", "had"])
            self.seen["identity I"] += 1
            if form == "had":
                return Node(f"had(I, {a.text})", lambda v, a=a: np.eye(r) * a.fn(v), a.has_x)
            shift = str(self.rng.choice(list(IDENTITY_SHIFTS) + ["I"]))
            k = IDENTITY_SHIFTS.get(shift, 1.0)
            if form == "plus":
                return Node(f"{a.text} + {shift}", lambda v, a=a, k=k: a.fn(v) + k * np.eye(r),
                            a.has_x)
            return Node(f"{shift} - ({a.text})", lambda v, a=a, k=k: k * np.eye(r) - a.fn(v),
                        a.has_x)
        if choice == "elementwise":
            return self.elementwise(self.argument(lambda: self.matrix(r, c, depth - 1)))
        if choice == "inverse":  # a rectangular result: inv(square) times a matrix
            k = r if r > 1 or c == 1 else c
            a = self.invertible(k, depth - 1)
            inverse = Node(f"inv({a.text})", lambda v, a=a: np.linalg.inv(a.fn(v)), a.has_x)
            if (r, c) == (k, k):
                return inverse
            b = self.matrix(k, c, depth - 1) if k == r else self.matrix(r, k, depth - 1)
            if k == r:
                return Node(f"({inverse.text})*({b.text})",
                            lambda v, i=inverse, b=b: i.fn(v) @ b.fn(v), a.has_x or b.has_x)
            return Node(f"({b.text})*({inverse.text})",
                        lambda v, i=inverse, b=b: b.fn(v) @ i.fn(v), a.has_x or b.has_x)
        if choice == "power" and r == c:  # matrix powers, negative ones of invertible forms
            k = int(self.rng.choice([2, 3, -1, -2]))
            a = self.matrix(r, r, depth - 1) if k > 0 else self.invertible(r, depth - 1)
            return Node(f"({a.text})**{k}",
                        lambda v, a=a, k=k: np.linalg.matrix_power(a.fn(v), k), a.has_x)
        if choice == "scalar times":
            a = self.matrix(r, c, depth - 1)
            if self.rng.random() < 0.5:
                s = self.scalar(depth - 1)
                return Node(f"({s.text})*({a.text})", lambda v, s=s, a=a: s.fn(v) * a.fn(v),
                            s.has_x or a.has_x)
            s = self.argument(lambda: self.scalar(depth - 1))  # divided by exp(s) > 0
            return Node(f"({a.text})/exp({s.text})", lambda v, s=s, a=a: a.fn(v) / np.exp(s.fn(v)),
                        s.has_x or a.has_x)
        return self.leaf(r, c)

    def elementwise(self, a: Node) -> Node:
        name = str(self.rng.choice(["exp", "sin", "cos", "tanh", "sigmoid", "log exp", "sqrt exp",
                                    "atan"]))
        if name == "log exp":  # log of something positive everywhere
            return Node(f"log(exp({a.text}))", lambda v, a=a: np.log(np.exp(a.fn(v))), a.has_x)
        if name == "sqrt exp":
            return Node(f"sqrt(exp({a.text}))", lambda v, a=a: np.sqrt(np.exp(a.fn(v))), a.has_x)
        fn = _SCALAR_FUNCTIONS[name]
        return Node(f"{name}({a.text})", lambda v, a=a, fn=fn: fn(a.fn(v)), a.has_x)

    def invertible(self, n: int, depth: int, shifts: tuple = tuple(IDENTITY_SHIFTS)) -> Node:
        """An argument of inv/det: a leaf, C + M/4 (C regular) or k*I + M/4 (k from ``shifts``)."""
        if self.x_shape == (n, n) and self.rng.random() < 0.35:
            return Node("X", lambda v: v["X"], True)
        if self.rng.random() < 0.4:  # the identity, sized by M: inv(4*I + X)
            shift = str(self.rng.choice(shifts))
            k = IDENTITY_SHIFTS.get(shift, 1.0)
            self.seen["identity I"] += 1
            a = self.matrix(n, n, depth - 1) if depth > 0 else self.leaf(n, n)
            return Node(f"{shift} + 0.25*({a.text})",
                        lambda v, k=k, a=a: k * np.eye(n) + 0.25 * a.fn(v), a.has_x)
        C = self.constant(n, n, "regular")
        if depth <= 0 or self.rng.random() < 0.15:
            return C
        a = self.matrix(n, n, depth - 1)
        return Node(f"{C.text} + 0.25*({a.text})", lambda v, C=C, a=a: C.fn(v) + 0.25 * a.fn(v),
                    a.has_x)

    def positive_definite(self, n: int, depth: int) -> Node:
        """logdet's argument: S + Mᵀ M, S = I, k*I or a declared s.p.d. matrix (det > 0 everywhere)."""
        k = int(self.rng.choice(self.dims()))
        M = self.matrix(k, n, depth - 1) if depth > 0 else self.leaf(k, n)
        if self.rng.random() < 0.4:
            shift = str(self.rng.choice(list(IDENTITY_SHIFTS) + ["I"]))
            c = IDENTITY_SHIFTS.get(shift, 1.0)
            S = Node(shift, lambda v, c=c: c * np.eye(n), False)
            self.seen["identity I"] += 1
        else:
            S = self.constant(n, n, "spd")
        return Node(f"{S.text} + ({M.text}).T*({M.text})",
                    lambda v, S=S, M=M: S.fn(v) + M.fn(v).T @ M.fn(v), M.has_x)

    # -- scalars --------------------------------------------------------------------------------
    def scalar(self, depth: int) -> Node:
        if depth <= 0:
            return self.scalar_base(0)
        choice = self.pick({"base": 0.28, "sum": 0.13, "product": 0.11, "scaled": 0.1,
                            "power": 0.08, "function": 0.16, "log": 0.07, "quotient": 0.07,
                            "twice": 0.06, "root or bounded log": 0.06})
        if choice == "base":
            return self.scalar_base(depth)
        if choice in ("sum", "twice"):  # s + s and s - s too: X may cancel out
            a = self.scalar(depth - 1)
            b = a if choice == "twice" else self.scalar(depth - 1)
            if a.one_by_one != b.one_by_one:
                self.seen["1×1 added to a number"] += 1
            if a.text == b.text and self.in_function:
                self.seen["a sum of identical terms inside a function"] += 1
            if choice == "twice" or self.rng.random() < 0.5:
                return Node(f"{a.text} + {b.text}", lambda v, a=a, b=b: a.fn(v) + b.fn(v),
                            a.has_x or b.has_x)
            return Node(f"{a.text} - ({b.text})", lambda v, a=a, b=b: a.fn(v) - b.fn(v),
                        a.has_x or b.has_x)
        if choice == "product":
            a, b = self.scalar(depth - 1), self.scalar(depth - 1)
            return Node(f"({a.text})*({b.text})", lambda v, a=a, b=b: a.fn(v) * b.fn(v),
                        a.has_x or b.has_x)
        if choice == "scaled":  # numbers on either side, inside functions too: cos(3)*tr(X) + pi
            a = self.scalar(depth - 1)
            form = self.rng.choice(["k*s + c", "s*k", "s/k"])
            if form == "s/k":
                k = self.number(divisor=True)
                return Node(f"({a.text})/{k.text}", lambda v, a=a, k=k: a.fn(v) / k.fn(v), a.has_x)
            k = self.number()
            if form == "s*k":
                return Node(f"({a.text})*{k.text}", lambda v, a=a, k=k: a.fn(v) * k.fn(v), a.has_x)
            c = self.number()
            if a.one_by_one:
                self.seen["1×1 added to a number"] += 1
            return Node(f"{k.text}*({a.text}) + {c.text}",
                        lambda v, a=a, k=k, c=c: k.fn(v) * a.fn(v) + c.fn(v), a.has_x)
        if choice == "power":
            p = int(self.rng.choice([2, 3]))
            a = self.scalar(depth - 1)
            return Node(f"({a.text})**{p}", lambda v, a=a, p=p: a.fn(v) ** p, a.has_x)
        if choice == "function":
            name = str(self.rng.choice([*_SCALAR_FUNCTIONS, "e**"]))
            a = self.argument(lambda: self.scalar(depth - 1))
            self.seen["1×1 inside a scalar function"] += a.one_by_one
            if name == "e**":
                return Node(f"e**({a.text})", lambda v, a=a: np.exp(a.fn(v)), a.has_x)
            fn = _SCALAR_FUNCTIONS[name]
            return Node(f"{name}({a.text})", lambda v, a=a, fn=fn: fn(a.fn(v)), a.has_x)
        if choice == "root or bounded log":  # sqrt/log of arguments positive everywhere
            a = self.argument(lambda: self.scalar(depth - 1))
            template, fn = ROOTS_AND_BOUNDED_LOGS[int(self.rng.integers(len(ROOTS_AND_BOUNDED_LOGS)))]
            self.seen[f"{template.split('(')[0]} of a positive or bounded argument"] += 1
            return Node(template.format(a.text), lambda v, a=a, fn=fn: fn(a.fn(v)), a.has_x)
        if choice == "log":  # log of a positive scalar: 1 + s**2 or s*s + exp(s)
            a = self.argument(lambda: self.scalar(depth - 1))
            self.seen["1×1 inside a scalar function"] += a.one_by_one
            if self.rng.random() < 0.5:
                return Node(f"log(1 + ({a.text})**2)", lambda v, a=a: np.log(1 + a.fn(v) ** 2),
                            a.has_x)
            return Node(f"log(({a.text})*({a.text}) + exp({a.text}))",
                        lambda v, a=a: np.log(a.fn(v) ** 2 + np.exp(a.fn(v))), a.has_x)
        a = self.scalar(depth - 1)  # quotient by a positive scalar
        b = self.argument(lambda: self.scalar(depth - 1))
        if self.rng.random() < 0.5:
            return Node(f"({a.text})/exp({b.text})", lambda v, a=a, b=b: a.fn(v) / np.exp(b.fn(v)),
                        a.has_x or b.has_x)
        return Node(f"({a.text})/(2 + ({b.text})**2)",
                    lambda v, a=a, b=b: a.fn(v) / (2 + b.fn(v) ** 2), a.has_x or b.has_x)

    def scalar_base(self, depth: int) -> Node:
        choice = self.pick({"trace": 0.34, "quadratic form": 0.2, "one by one": 0.08,
                            "det": 0.12, "logdet": 0.12, "sum": 0.14})
        n = int(self.rng.choice(self.dims()))
        if choice == "trace":
            M = self.matrix(n, n, depth)
            return Node(f"tr({M.text})", lambda v, M=M: np.trace(M.fn(v)), M.has_x)
        if choice == "quadratic form":  # a 1×1 product, as a number (T1) or inside tr(...)
            r, c = int(self.rng.choice(self.dims())), int(self.rng.choice(self.dims()))
            u, w = self.constant(r, 1, "vector"), self.constant(c, 1, "vector")
            M = self.matrix(r, c, depth)
            text = f"{u.text}.T*({M.text})*{w.text}"
            bare = self.rng.random() >= 0.25
            return Node(text if bare else f"tr({text})",
                        lambda v, u=u, w=w, M=M: (u.fn(v).T @ M.fn(v) @ w.fn(v))[0, 0],
                        M.has_x, one_by_one=bare)
        if choice == "one by one":  # any 1×1 matrix used as a number: X with X: 1x1, u.T*M*v, ...
            M = self.matrix(1, 1, depth)
            return Node(f"({M.text})", lambda v, M=M: M.fn(v)[0, 0], M.has_x, one_by_one=True)
        if choice == "det":  # det(k*I + M) ≈ kⁿ would saturate tanh, sigmoid: k = 1 here
            M = self.invertible(n, depth, shifts=("I",))
            return Node(f"det({M.text})", lambda v, M=M: np.linalg.det(M.fn(v)), M.has_x)
        if choice == "logdet":
            M = self.positive_definite(n, depth)
            return Node(f"logdet({M.text})", lambda v, M=M: np.linalg.slogdet(M.fn(v))[1], M.has_x)
        r = int(self.rng.choice(self.dims()))
        M = self.matrix(r, n, depth)
        return Node(f"sum({M.text})", lambda v, M=M: np.sum(M.fn(v)), M.has_x)


def _shape_text(gen: Generator) -> str:
    m, n = gen.x_shape
    parts = [f"X: {m}x{n}"] + [f"{name}: {r}x{c}" for name, (r, c, _) in sorted(gen.constants.items())]
    return ", ".join(parts)


def _values(gen: Generator, rng: np.random.Generator) -> dict:
    """This file's own data: general entries N(0, 1)/√n, regular = I + E, spd = A Aᵀ/n + I."""
    values = {"X": rng.standard_normal(gen.x_shape) / np.sqrt(max(gen.x_shape))}
    for name, (r, c, kind) in gen.constants.items():
        if kind == "regular":
            E = rng.standard_normal((r, r))
            values[name] = np.eye(r) + 0.4 * E / np.linalg.norm(E)
        elif kind == "spd":
            A = rng.standard_normal((r, r))
            values[name] = A @ A.T / r + np.eye(r)
        else:
            values[name] = rng.standard_normal((r, c)) / np.sqrt(max(r, c))
    return values


def _fd_gradient(fn: Fn, values: dict, h: float) -> np.ndarray:
    X = values["X"]
    G = np.empty_like(X)
    for idx in np.ndindex(X.shape):
        E = np.zeros_like(X)
        E[idx] = h
        G[idx] = (float(fn({**values, "X": X + E})) - float(fn({**values, "X": X - E}))) / (2 * h)
    return G


def _defined_points(node: Node, gen: Generator, seed: int, steps: tuple[float, ...]):
    """The seeded points where f and its central differences (one per step) are finite:
    (k, values, f(values), differences)."""
    for k in range(POINTS):
        values = _values(gen, np.random.default_rng([seed, k]))
        with np.errstate(all="ignore"):
            try:
                f0 = float(node.fn(values))
                refs = tuple(_fd_gradient(node.fn, values, h) for h in steps)
            except np.linalg.LinAlgError:
                continue
        if np.isfinite(f0) and all(np.all(np.isfinite(r)) for r in refs):
            yield k, values, f0, refs


def _independent_verdict(node: Node, gen: Generator, derivation, seed: int) -> str:
    """'right', 'WRONG: …' or 'unjudged' (f undefined or ill-conditioned at every point)."""
    grad = derivation.gradient_function()
    judged = 0
    for k, values, f0, (ref1, ref2) in _defined_points(node, gen, seed, (1e-5, 1e-6)):
        noise = np.linalg.norm(ref1 - ref2)  # two step sizes disagreeing = ill-conditioned here
        scale = max(np.linalg.norm(ref2), 1e-5 * max(abs(f0), 1.0))
        if noise > 1e-4 * scale:
            continue
        G = np.asarray(grad(**values), dtype=float)
        judged += 1
        error = np.linalg.norm(G - ref2)
        if not error <= 1e-4 * scale + 10 * noise:
            return f"WRONG at point {k}: relative error {error / scale:.2e}"
    return "right" if judged else "unjudged"


def _flat_in_x(node: Node, gen: Generator, seed: int) -> bool:
    """True when f's central differences vanish to round-off at every point where f is defined.

    Then X cancels out (tr(I - (X - had(I, X))), X - X.T for a 1×1 X) or f saturates
    (tanh of a large number): the gradient is zero in double precision, so neither this test nor
    the engine can check it numerically, and a refusal naming that cause is all one can ask.
    """
    judged = 0
    for _, _, f0, (ref,) in _defined_points(node, gen, seed, (1e-5,)):
        judged += 1
        if np.linalg.norm(ref) > 1e-9 * max(abs(f0), 1.0):
            return False
    return judged > 0


def _outcome(text: str, shapes: str, node: Node, gen: Generator, seed: int) -> tuple[str, str]:
    try:
        expr, symbols = parse_expression(text, shapes)
    except MdlibError as err:
        return "refused by the parser", str(err)
    try:
        d = mdlib.derive(expr, symbols["X"], seed=seed % 1000)
    except MdlibError as err:
        return "refused by derive", str(err)
    # what the reader sees: the derivation and the gradient printed must not crash
    str(d), d._repr_latex_(), str(d.gradient)
    if d.verification is None and d.exact_reason:  # X does not occur: ∂f/∂X = 0, exactly
        return _independent_verdict(node, gen, d, seed), d.exact_reason
    if d.verification is None or not d.verification.passed:
        return "unverified", str(d.verification)
    return _independent_verdict(node, gen, d, seed), d.verification.message


#: Depths of the generated expressions (each level nests one more operation).
DEPTHS = {1: 0.1, 2: 0.15, 3: 0.2, 4: 0.25, 5: 0.18, 6: 0.12}
#: Longest text written (deep expressions are retried shorter; the parser allows 2000).
MAX_TEXT = 1200


def _generate(k: int) -> tuple[Node, Generator]:
    rng = np.random.default_rng([SEED, k])
    shape_kind = rng.choice(["square", "rectangular", "vector", "1×1"], p=[0.36, 0.36, 0.18, 0.1])
    if shape_kind == "1×1":  # X a number written as a matrix: sin(X) + X**3, tr(A*X*B)
        x_shape = (1, 1)
    elif shape_kind == "square":
        n = int(rng.choice([2, 3, 4]))
        x_shape = (n, n)
    elif shape_kind == "rectangular":  # 4×2 and 2×5 among them
        m, n = rng.choice([2, 3, 4, 5], size=2, replace=False)
        x_shape = (int(m), int(n))
    else:  # mostly columns, a few rows
        n = int(rng.choice([2, 3, 4, 5]))
        x_shape = (n, 1) if rng.random() < 0.8 else (1, n)
    gen = Generator(rng, x_shape)
    control = k % 50 == 0  # a few expressions may lack X: ∂f/∂X = 0 exactly, with that reason
    keys = list(DEPTHS)
    weights = np.array(list(DEPTHS.values()))
    for _ in range(50):
        gen.constants.clear()
        gen.seen.clear()
        depth = int(keys[int(rng.choice(len(keys), p=weights / weights.sum()))])
        node = gen.scalar(depth)
        gen.seen["depth 4 to 6"] = int(depth >= 4)
        if (node.has_x or control) and len(node.text) <= MAX_TEXT:
            break
    return node, gen


def test_fuzz_random_typed_expressions():
    start = time.perf_counter()
    tally: collections.Counter = collections.Counter()
    raw, wrong, unnamed, refusals = [], [], [], []
    with_x = right_with_x = flat = 0
    for k in range(N_EXPRESSIONS):
        node, gen = _generate(k)
        shapes = _shape_text(gen)
        try:
            verdict, message = _outcome(node.text, shapes, node, gen, SEED + k)
        except Exception as err:  # noqa: BLE001 - any raw exception is a finding
            raw.append(f"{node.text}  [{shapes}]  {type(err).__name__}: {err}")
            continue
        tally[verdict.split(":")[0]] += 1
        involves_x = node.has_x and not _flat_in_x(node, gen, SEED + k)
        flat += node.has_x and not involves_x
        with_x += involves_x
        if verdict == "right":
            right_with_x += involves_x
        elif verdict.startswith("WRONG") or verdict == "unverified":
            wrong.append(f"{node.text}  [{shapes}]  {verdict}  {message}")
        elif verdict.startswith("refused"):
            refusals.append(f"{node.text}  [{shapes}]  {message}")
            lowered = message.lower()  # a cause in the reader's words: not internal, no sympy
            if len(message) < 20 or "internal" in lowered or "sympy" in lowered:
                unnamed.append(f"{node.text}  [{shapes}]  {message!r}")
    elapsed = time.perf_counter() - start
    share = right_with_x / max(with_x, 1)
    print(f"\nfuzz: {N_EXPRESSIONS} expressions in {elapsed:.1f} s; {dict(tally)}; "
          f"right and verified {right_with_x}/{with_x} = {share:.1%} of those involving X "
          f"(and {flat} more in which X cancels or f is flat to round-off)")
    for line in refusals:
        print("  refused:", line)
    assert not raw, "raw exceptions:\n" + "\n".join(raw)
    assert not wrong, "wrong or unverified gradients:\n" + "\n".join(wrong)
    assert not unnamed, "refusals without a named cause:\n" + "\n".join(unnamed)
    assert share >= MIN_SHARE, f"only {share:.1%} right and verified:\n" + "\n".join(refusals)


@pytest.mark.parametrize("k", [0, 1, 2])
def test_generator_is_deterministic_and_its_reference_is_right(k):
    a, gen_a = _generate(k)
    b, gen_b = _generate(k)
    assert a.text == b.text and _shape_text(gen_a) == _shape_text(gen_b)
    # the reference itself can fail: a deliberately wrong gradient is caught
    class Wrong:
        @staticmethod
        def gradient_function():
            return lambda **values: np.zeros_like(values["X"])

    node = Node("tr(X.T*X)", lambda v: np.trace(v["X"].T @ v["X"]), True)
    gen = Generator(np.random.default_rng(0), (3, 2))
    assert _independent_verdict(node, gen, Wrong, 0).startswith("WRONG")
    # only an f whose differences vanish to round-off is set aside as flat
    assert not _flat_in_x(node, gen, k)
    cancels = Node("tr(X - X.T)", lambda v: np.trace(v["X"] - v["X"].T), True)
    saturated = Node("tanh(100 + tr(X))", lambda v: np.tanh(100 + np.trace(v["X"])), True)
    square = Generator(np.random.default_rng(0), (3, 3))
    assert _flat_in_x(cancels, square, k) and _flat_in_x(saturated, square, k)


#: Constructs the issue asks for and the generator now writes, and how to spot them.
WIDENED = {
    "X of shape 1×1": lambda node, gen: gen.x_shape == (1, 1),
    "X rectangular with a side 4 or 5": lambda node, gen: (gen.x_shape[0] != gen.x_shape[1]
                                                          and 1 not in gen.x_shape
                                                          and max(gen.x_shape) >= 4),
    "X a vector": lambda node, gen: 1 in gen.x_shape and gen.x_shape != (1, 1),
    "atan": lambda node, gen: "atan(" in node.text,
    "pi": lambda node, gen: re.search(r"\bpi\b", node.text),
    "e": lambda node, gen: re.search(r"\be\b", node.text),
    **{name: lambda node, gen, name=name: gen.seen[name]
       for name in ["identity I", "number inside a function", "1×1 added to a number",
                    "1×1 inside a scalar function",
                    "1×1 from an entrywise function, a power or a number added",
                    "a sum of identical terms inside a function", "depth 4 to 6",
                    "sqrt of a positive or bounded argument",
                    "log of a positive or bounded argument"]},
}


def test_the_sample_covers_the_widened_constructs():
    """Each construct the generator was widened to occurs in at least 2 % of the sample."""
    counts = collections.Counter()
    for k in range(N_EXPRESSIONS):
        node, gen = _generate(k)
        counts.update(name for name, found in WIDENED.items() if found(node, gen))
    print("\nexpressions with each widened construct:", dict(counts))
    rare = {name: counts[name] for name in WIDENED if counts[name] < 0.02 * N_EXPRESSIONS}
    assert not rare, f"too rare in the sample: {rare}"


MUTANTS = 150  # expressions whose right gradient is spoiled on purpose


def _mutations(gradient, differential):
    import sympy
    from sympy.matrices.expressions import MatAdd

    yield "sign", -gradient, differential
    yield "factor 1.001", sympy.Float(1.001) * gradient, differential
    if gradient.shape[0] == gradient.shape[1]:
        yield "transpose", gradient.T, differential
    if isinstance(gradient, MatAdd) and len(gradient.args) > 1:
        yield "a term dropped", MatAdd(*gradient.args[1:]), differential
    yield "differential × 1.001", gradient, sympy.Float(1.001) * differential


def test_the_verifier_rejects_spoiled_gradients():
    """Mutation test of the verifier itself: no wrong gradient or differential passes."""
    from mdlib.engine.verify import verify

    passed_wrong, judged = [], 0
    for k in range(MUTANTS):
        node, gen = _generate(10_000 + k)
        try:
            expr, symbols = parse_expression(node.text, _shape_text(gen))
            d = mdlib.derive(expr, symbols["X"])
        except MdlibError:
            continue
        grad = d.gradient_function()
        values = _values(gen, np.random.default_rng([k, 99]))
        right = np.asarray(grad(**values), dtype=float)
        for name, gradient, differential in _mutations(d.gradient, d.differential):
            if name.startswith("differential"):
                really_wrong = np.linalg.norm(right) > 0
            else:
                spoiled = np.broadcast_to(np.asarray(
                    mdlib.engine.numeric.evaluate(gradient, values), dtype=float), right.shape)
                really_wrong = np.linalg.norm(spoiled - right) > 1e-6 * np.linalg.norm(right)
            if not really_wrong:  # e.g. the transpose of a symmetric gradient is no mistake
                continue
            try:
                result = verify(d._f, d.X, d.dX, differential, gradient)
            except MdlibError:
                continue  # refused, not verified: allowed
            judged += 1
            if result.passed:
                passed_wrong.append(f"{node.text} [{_shape_text(gen)}] {name}: {result.message}")
    print(f"\nmutants judged: {judged}")
    assert judged >= 3 * MUTANTS
    assert not passed_wrong, "spoiled gradients verified:\n" + "\n".join(passed_wrong)

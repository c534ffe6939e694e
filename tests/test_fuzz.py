"""Fuzz the whole pipeline: random typed expressions → parse → derive → independent check.

A seeded generator writes expressions as a reader would type them (products, transposes,
inverses, det/logdet, Hadamard ``had``, elementwise functions, scalar functions of traces,
sums and differences, X several times, rectangular and vector X) and, alongside each string, a
numpy function computing the same value. That function is this file's own: the reference
gradient is entrywise central differences of it at a few random points, so neither the parser,
the engine's numeric evaluator nor its verifier judges itself.

Asserted over the sample: no wrong gradient, no exception other than ``MdlibError``, every
refusal names a cause, and at least 99 % of the expressions involving X come back right and
verified. Run with ``-s`` to see the tally and every refusal. A second test spoils the right
answers of further generated expressions (sign, factor 1.001, transpose, a dropped term, a
scaled differential) and asserts that the engine's verifier passes none of them.
"""

from __future__ import annotations

import collections
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pytest

import mdlib
import mdlib.engine.numeric
from mdlib import MdlibError
from mdlib.parse import parse_expression

N_EXPRESSIONS = 520
SEED = 20261126
POINTS = 3  # random points at which each verified gradient is checked here
MIN_SHARE = 0.99

#: Constructs the generator leaves out for now, and why (the lead widens it after merging).
LEFT_OUT = {
    "1×1 products added to numbers (a.T*X*b + 1)":
        "the current parser refuses them; 1×1 products are generated inside tr(...) instead",
    "numeric constants inside functions (cos(3)*tr(X), tr(X)*sigmoid(2), tr(X)/pi)":
        "the printer crashes on them (fix in progress elsewhere; e.g. exp(0.5*log(tr(X)) - 2) "
        "with X: 3x3 → RecursionError in printing); constants appear only as factors and "
        "addends outside function arguments",
    "the constants pi, e and I (identity)": "the current parser does not know them yet",
    "X of shape 1×1, and 1×1 matrices outside tr(u.T*M*v)":
        "the parser fails on some (sum(exp(X)) with X: 1x1 raises AttributeError); the "
        "generator's matrices are never 1×1 except inside tr(...)",
    "sums of identical terms inside functions (tanh(logdet(S + (X + X).T*(X + X))))":
        "they become numeric factors inside a function; the engine then raises TypeError "
        "'Mix of Matrix and Scalar symbols' in derivation._trace_lines (reproducer: "
        "tanh(logdet(S + (2*X).T*(2*X))) with X: 2x2, S: 2x2)",
    "elementwise log and sqrt of arbitrary matrices":
        "only of forms that are positive everywhere (exp(M)); otherwise f is undefined at "
        "random points, which is the reader's domain problem, not the engine's",
    "inverses and determinants of arbitrary square expressions":
        "only of C + M (C a constant) and of leaves: a rank-deficient argument (such as "
        "inv(a*b.T)) has no derivative and is rightly refused",
}

Fn = Callable[[dict], np.ndarray]


@dataclass
class Node:
    """A typed expression and its independent numpy evaluation."""

    text: str
    fn: Fn
    has_x: bool


@dataclass
class Generator:
    """Random well-typed expressions over X (shape ``x_shape``) and declared constants."""

    rng: np.random.Generator
    x_shape: tuple
    constants: dict = field(default_factory=dict)  # name -> (rows, cols, kind)
    plain: bool = False  # inside a function's argument: no numeric constants (see LEFT_OUT)

    def inside_function(self, make: Callable[[], Node]) -> Node:
        outer, self.plain = self.plain, True
        try:
            return make()
        finally:
            self.plain = outer

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

    def dims(self) -> list:
        return sorted({*self.x_shape, 2, 3})

    # -- matrices (never 1×1) -----------------------------------------------------------------
    def matrix(self, r: int, c: int, depth: int) -> Node:
        assert (r, c) != (1, 1)
        if depth <= 0:
            return self.leaf(r, c)
        choice = self.rng.choice(["leaf", "product", "transpose", "sum", "scaled", "hadamard",
                                  "elementwise", "inverse", "scalar times", "power"],
                                 p=[0.15, 0.21, 0.08, 0.12, 0.05, 0.08, 0.12, 0.11, 0.04, 0.04])
        if choice == "leaf":
            return self.leaf(r, c)
        if choice == "product":
            inner = [k for k in self.dims() + [1] if (r, k) != (1, 1) and (k, c) != (1, 1)]
            k = int(self.rng.choice(inner))
            a, b = self.matrix(r, k, depth - 1), self.matrix(k, c, depth - 1)
            return Node(f"({a.text})*({b.text})", lambda v, a=a, b=b: a.fn(v) @ b.fn(v),
                        a.has_x or b.has_x)
        if choice == "transpose":
            a = self.matrix(c, r, depth - 1)
            return Node(f"({a.text}).T", lambda v, a=a: a.fn(v).T, a.has_x)
        if choice == "sum":
            a, b = self.matrix(r, c, depth - 1), self.matrix(r, c, depth - 1)
            if a.text == b.text and self.plain:  # M + M = 2 M: a number inside a function
                return a
            sign = "+" if a.text == b.text else self.rng.choice(["+", "-"])  # no M - M = 0
            op = (lambda p, q: p + q) if sign == "+" else (lambda p, q: p - q)
            return Node(f"{a.text} {sign} ({b.text})", lambda v, a=a, b=b, op=op: op(a.fn(v), b.fn(v)),
                        a.has_x or b.has_x)
        if choice == "scaled" and not self.plain:
            k = float(self.rng.choice([2.0, 0.5, 3.0, -1.5]))
            a = self.matrix(r, c, depth - 1)
            return Node(f"{k:g}*({a.text})", lambda v, a=a, k=k: k * a.fn(v), a.has_x)
        if choice == "hadamard":
            a, b = self.matrix(r, c, depth - 1), self.matrix(r, c, depth - 1)
            return Node(f"had({a.text}, {b.text})", lambda v, a=a, b=b: a.fn(v) * b.fn(v),
                        a.has_x or b.has_x)
        if choice == "elementwise":
            return self.elementwise(self.inside_function(lambda: self.matrix(r, c, depth - 1)))
        if choice == "inverse":  # a rectangular result: inv(square) times a matrix
            k = r if r > 1 else c
            a = self.invertible(k, depth - 1)
            inverse = Node(f"inv({a.text})", lambda v, a=a: np.linalg.inv(a.fn(v)), a.has_x)
            if (r, c) == (k, k):
                return inverse
            b = self.matrix(k, c, depth - 1) if r > 1 else self.matrix(r, k, depth - 1)
            if r > 1:
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
            s = self.inside_function(lambda: self.scalar(depth - 1))  # divided by exp(s) > 0
            return Node(f"({a.text})/exp({s.text})", lambda v, s=s, a=a: a.fn(v) / np.exp(s.fn(v)),
                        s.has_x or a.has_x)
        return self.leaf(r, c)

    def elementwise(self, a: Node) -> Node:
        name = str(self.rng.choice(["exp", "sin", "cos", "tanh", "sigmoid", "log exp", "sqrt exp"]))
        if name == "log exp":  # log of something positive everywhere
            return Node(f"log(exp({a.text}))", lambda v, a=a: np.log(np.exp(a.fn(v))), a.has_x)
        if name == "sqrt exp":
            return Node(f"sqrt(exp({a.text}))", lambda v, a=a: np.sqrt(np.exp(a.fn(v))), a.has_x)
        fn = {"exp": np.exp, "sin": np.sin, "cos": np.cos, "tanh": np.tanh,
              "sigmoid": lambda t: 1 / (1 + np.exp(-t))}[name]
        return Node(f"{name}({a.text})", lambda v, a=a, fn=fn: fn(a.fn(v)), a.has_x)

    def invertible(self, n: int, depth: int) -> Node:
        """A square argument of inv/det: a leaf, or a regular constant plus a small product."""
        m, k = self.x_shape
        if (m, k) == (n, n) and self.rng.random() < 0.4:
            return Node("X", lambda v: v["X"], True)
        C = self.constant(n, n, "regular")
        if depth <= 0 or self.rng.random() < 0.15:
            return C
        a = self.matrix(n, n, depth - 1)
        if self.plain:
            return Node(f"{C.text} + ({a.text})", lambda v, C=C, a=a: C.fn(v) + a.fn(v), a.has_x)
        return Node(f"{C.text} + 0.25*({a.text})", lambda v, C=C, a=a: C.fn(v) + 0.25 * a.fn(v),
                    a.has_x)

    def positive_definite(self, n: int, depth: int) -> Node:
        """logdet's argument: S + Mᵀ M with S symmetric positive definite (det > 0 everywhere)."""
        S = self.constant(n, n, "spd")
        k = int(self.rng.choice(self.dims()))
        if (k, n) == (1, 1):
            k = 2
        M = self.matrix(k, n, depth - 1) if depth > 0 else self.leaf(k, n)
        return Node(f"{S.text} + ({M.text}).T*({M.text})",
                    lambda v, S=S, M=M: S.fn(v) + M.fn(v).T @ M.fn(v), M.has_x)

    # -- scalars --------------------------------------------------------------------------------
    def scalar(self, depth: int) -> Node:
        if depth <= 0:
            return self.scalar_base(0)
        choice = self.rng.choice(["base", "sum", "product", "scaled", "power", "function",
                                  "log", "quotient"],
                                 p=[0.3, 0.14, 0.12, 0.08, 0.08, 0.16, 0.06, 0.06])
        if choice == "base":
            return self.scalar_base(depth)
        if choice == "sum":
            a, b = self.scalar(depth - 1), self.scalar(depth - 1)
            if a.text == b.text and self.plain:  # s + s = 2 s: a number inside a function
                return a
            if self.rng.random() < 0.5 or a.text == b.text:
                return Node(f"{a.text} + {b.text}", lambda v, a=a, b=b: a.fn(v) + b.fn(v),
                            a.has_x or b.has_x)
            return Node(f"{a.text} - ({b.text})", lambda v, a=a, b=b: a.fn(v) - b.fn(v),
                        a.has_x or b.has_x)
        if choice == "product":
            a, b = self.scalar(depth - 1), self.scalar(depth - 1)
            return Node(f"({a.text})*({b.text})", lambda v, a=a, b=b: a.fn(v) * b.fn(v),
                        a.has_x or b.has_x)
        if choice == "scaled" and not self.plain:
            k = float(self.rng.choice([2.0, 0.5, -3.0]))
            shift = float(self.rng.choice([0.0, 1.0, -2.0]))
            a = self.scalar(depth - 1)
            return Node(f"{k:g}*({a.text}) + {shift:g}", lambda v, a=a, k=k, s=shift: k * a.fn(v) + s,
                        a.has_x)
        if choice == "power":
            p = int(self.rng.choice([2, 3]))
            a = self.scalar(depth - 1)
            return Node(f"({a.text})**{p}", lambda v, a=a, p=p: a.fn(v) ** p, a.has_x)
        if choice == "function":
            name = str(self.rng.choice(["exp", "sin", "cos", "tanh", "sigmoid"]))
            fn = {"exp": np.exp, "sin": np.sin, "cos": np.cos, "tanh": np.tanh,
                  "sigmoid": lambda t: 1 / (1 + np.exp(-t))}[name]
            a = self.inside_function(lambda: self.scalar(depth - 1))
            return Node(f"{name}({a.text})", lambda v, a=a, fn=fn: fn(a.fn(v)), a.has_x)
        if choice == "log":  # log of a positive scalar: s*s + exp(s)
            a = self.inside_function(lambda: self.scalar(depth - 1))
            return Node(f"log(({a.text})*({a.text}) + exp({a.text}))",
                        lambda v, a=a: np.log(a.fn(v) ** 2 + np.exp(a.fn(v))), a.has_x)
        a = self.scalar(depth - 1)  # quotient by a positive scalar
        b = self.inside_function(lambda: self.scalar(depth - 1))
        return Node(f"({a.text})/exp({b.text})", lambda v, a=a, b=b: a.fn(v) / np.exp(b.fn(v)),
                    a.has_x or b.has_x)

    def scalar_base(self, depth: int) -> Node:
        choice = self.rng.choice(["trace", "quadratic form", "det", "logdet", "sum"],
                                 p=[0.42, 0.2, 0.12, 0.12, 0.14])
        n = int(self.rng.choice(self.dims()))
        if choice == "trace":
            M = self.matrix(n, n, depth) if n > 1 else self.matrix(n, 2, depth)
            if n == 1:
                return Node(f"tr(({M.text})*({M.text}).T)",
                            lambda v, M=M: np.trace(M.fn(v) @ M.fn(v).T), M.has_x)
            return Node(f"tr({M.text})", lambda v, M=M: np.trace(M.fn(v)), M.has_x)
        if choice == "quadratic form":  # a 1×1 product, wrapped in tr(...) for the parser
            r, c = int(self.rng.choice(self.dims())), int(self.rng.choice(self.dims()))
            r, c = max(r, 2), max(c, 2)
            u, w = self.constant(r, 1, "vector"), self.constant(c, 1, "vector")
            M = self.matrix(r, c, depth)
            return Node(f"tr({u.text}.T*({M.text})*{w.text})",
                        lambda v, u=u, w=w, M=M: (u.fn(v).T @ M.fn(v) @ w.fn(v))[0, 0],
                        M.has_x)
        n = max(n, 2)
        if choice == "det":
            M = self.invertible(n, depth)
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


def _independent_verdict(node: Node, gen: Generator, derivation, seed: int) -> str:
    """'right', 'WRONG: …' or 'unjudged' (f undefined or ill-conditioned at every point)."""
    grad = derivation.gradient_function()
    judged = 0
    for k in range(POINTS):
        values = _values(gen, np.random.default_rng([seed, k]))
        with np.errstate(all="ignore"):
            try:
                f0 = float(node.fn(values))
                ref1 = _fd_gradient(node.fn, values, 1e-5)
                ref2 = _fd_gradient(node.fn, values, 1e-6)
            except np.linalg.LinAlgError:
                continue
        if not (np.isfinite(f0) and np.all(np.isfinite(ref1)) and np.all(np.isfinite(ref2))):
            continue
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


def _outcome(text: str, shapes: str, node: Node, gen: Generator, seed: int) -> tuple[str, str]:
    try:
        expr, symbols = parse_expression(text, shapes)
    except MdlibError as err:
        return "refused by the parser", str(err)
    try:
        d = mdlib.derive(expr, symbols["X"], seed=seed % 1000)
    except MdlibError as err:
        return "refused by derive", str(err)
    if d.verification is None and d.exact_reason:  # X does not occur: ∂f/∂X = 0, exactly
        return _independent_verdict(node, gen, d, seed), d.exact_reason
    if d.verification is None or not d.verification.passed:
        return "unverified", str(d.verification)
    return _independent_verdict(node, gen, d, seed), d.verification.message


def _generate(k: int) -> tuple[Node, Generator]:
    rng = np.random.default_rng([SEED, k])
    shape_kind = rng.choice(["square", "rectangular", "vector"], p=[0.5, 0.35, 0.15])
    if shape_kind == "square":
        n = int(rng.choice([2, 3, 4]))
        x_shape = (n, n)
    elif shape_kind == "rectangular":
        m, n = rng.choice([2, 3, 4], size=2, replace=False)
        x_shape = (int(m), int(n))
    else:
        x_shape = (int(rng.choice([2, 3, 4])), 1)
    gen = Generator(rng, x_shape)
    control = k % 50 == 0  # a few expressions may lack X: they must be refused, not verified
    for _ in range(50):
        gen.constants.clear()
        node = gen.scalar(int(rng.choice([1, 2, 3])))
        if node.has_x or control:
            break
    return node, gen


def test_fuzz_random_typed_expressions():
    start = time.perf_counter()
    tally: collections.Counter = collections.Counter()
    raw, wrong, unnamed, refusals = [], [], [], []
    with_x = right_with_x = 0
    for k in range(N_EXPRESSIONS):
        node, gen = _generate(k)
        shapes = _shape_text(gen)
        try:
            verdict, message = _outcome(node.text, shapes, node, gen, SEED + k)
        except Exception as err:  # noqa: BLE001 - any raw exception is a finding
            raw.append(f"{node.text}  [{shapes}]  {type(err).__name__}: {err}")
            continue
        tally[verdict.split(":")[0]] += 1
        with_x += node.has_x
        if verdict == "right":
            right_with_x += node.has_x
        elif verdict.startswith("WRONG") or verdict == "unverified":
            wrong.append(f"{node.text}  [{shapes}]  {verdict}  {message}")
        elif verdict.startswith("refused"):
            refusals.append(f"{node.text}  [{shapes}]  {message}")
            lowered = message.lower()  # a cause in the reader's words: not internal, no sympy
            if len(message) < 20 or lowered.startswith("internal") or "sympy" in lowered:
                unnamed.append(f"{node.text}  [{shapes}]  {message!r}")
    elapsed = time.perf_counter() - start
    share = right_with_x / max(with_x, 1)
    print(f"\nfuzz: {N_EXPRESSIONS} expressions in {elapsed:.1f} s; {dict(tally)}; "
          f"right and verified {right_with_x}/{with_x} = {share:.1%} of those involving X")
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

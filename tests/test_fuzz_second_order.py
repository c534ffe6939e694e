"""Fuzz second order: random typed expressions → ``mdlib.hessian`` / ``mdlib.jacobian`` →
this file's own finite differences.

The expressions are written by the generator of ``tests/test_fuzz.py`` (functions of traces
and of 1×1 products, products of scalars, nested inverses and log-dets of well-conditioned
constructions, Hadamard products, elementwise functions, numbers, ``pi``, ``e``, ``I``), with
its own numpy evaluation of each string: scalar ones for Hessians, matrix-valued ones (of
random shape, X square, rectangular or a vector) for Jacobians. The references are this
file's: second differences of f along pairs of random directions (Richardson-extrapolated,
``vᵀ ∇²f w``) for a Hessian, central differences of vec F along every coordinate of X for a
Jacobian. Neither the parser, nor the engine's evaluator, nor its verifier judges itself.

Asserted over each sample: no wrong answer, no exception other than ``MdlibError`` (printing
included), every refusal names a cause, every expression without X is answered 0 (the zero
matrix of the right size, verified), and at least 99 % of the expressions involving X come
back right and verified (an expression in which X cancels, or that is flat to round-off at
this file's data, involves X in name only: it may be answered 0 or refused with a cause).
Run with ``-s`` to see the tally, the refusals and the engine's times (median, p95, max; the
timings themselves are measured in ``benchmarks/bench_second_order.py``, not asserted here).
"""

from __future__ import annotations

import collections
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import sympy
from test_fuzz import Generator, Node, _shape_text, _values  # the first-order fuzz's generator

import mdlib
from mdlib import MdlibError
from mdlib.parse import parse_expression

N_HESSIANS = 320
N_JACOBIANS = 320
SEED = 20261204
POINTS = 2  # random points at which each verified answer is checked here
MIN_SHARE = 0.99
CONTROL_EVERY = 40  # every 40th expression may lack X: its derivative must be answered 0

X_SHAPES = {(3, 3): 0.5, (2, 3): 0.1, (3, 2): 0.1, (3, 1): 0.1, (4, 1): 0.05, (2, 2): 0.15}
DEPTHS = {1: 0.25, 2: 0.35, 3: 0.25, 4: 0.15}


def _pick(rng: np.random.Generator, options: dict):
    keys = list(options)
    weights = np.array(list(options.values()), dtype=float)
    return keys[int(rng.choice(len(keys), p=weights / weights.sum()))]


def generate(k: int, kind: str) -> tuple[Node, Generator]:
    """The k-th expression of the sample: a scalar f ("hessian") or a matrix F ("jacobian")."""
    rng = np.random.default_rng([SEED, k, kind == "jacobian"])
    gen = Generator(rng, _pick(rng, X_SHAPES))
    control = k % CONTROL_EVERY == 0
    for _ in range(50):
        gen.constants.clear()
        depth = _pick(rng, DEPTHS)
        if kind == "hessian":
            node = gen.scalar(depth)
        else:
            p, q = int(rng.choice(gen.dims())), int(rng.choice(gen.dims()))
            node = gen.matrix(p, q, depth)
        if node.has_x or control:
            break
    return node, gen


# -- this file's references -------------------------------------------------------------------
def _f_at(node: Node, values: dict, X: np.ndarray) -> np.ndarray:
    return np.atleast_2d(np.asarray(node.fn({**values, "X": X}), dtype=float))


def _second_difference(node: Node, values: dict, V: np.ndarray, W: np.ndarray, h: float) -> float:
    X = values["X"]
    f = [float(_f_at(node, values, X + s * h * V + t * h * W)[0, 0])
         for s, t in ((1, 1), (1, -1), (-1, 1), (-1, -1))]
    return (f[0] - f[1] - f[2] + f[3]) / (4 * h * h)


def _hessian_reference(node: Node, values: dict, rng: np.random.Generator):
    """[(V, W, vᵀ∇²f w, its error estimate)] for a few random pairs, V = W among them."""
    shape = values["X"].shape
    out = []
    for pair in range(4):
        V = rng.standard_normal(shape)
        W = V if pair == 0 else rng.standard_normal(shape)
        V, W = V / np.linalg.norm(V), W / np.linalg.norm(W)
        coarse, fine = (_second_difference(node, values, V, W, h) for h in (2e-3, 1e-3))
        out.append((V, W, (4 * fine - coarse) / 3, abs(fine - coarse)))
    return out


def _jacobian_reference(node: Node, values: dict, h: float) -> np.ndarray:
    """∂F/∂X (mn × pq) by central differences of vec F along every coordinate of X."""
    X = values["X"]
    rows = []
    for idx in [(i, j) for j in range(X.shape[1]) for i in range(X.shape[0])]:  # vec order
        E = np.zeros_like(X)
        E[idx] = h
        diff = (_f_at(node, values, X + E) - _f_at(node, values, X - E)) / (2 * h)
        rows.append(diff.ravel(order="F"))
    return np.array(rows)


def _points(node: Node, gen: Generator, seed: int):
    """This file's data (see test_fuzz._values) at the points where F is finite."""
    for k in range(POINTS):
        values = _values(gen, np.random.default_rng([seed, k]))
        with np.errstate(all="ignore"):
            try:
                if np.all(np.isfinite(_f_at(node, values, values["X"]))):
                    yield k, values
            except np.linalg.LinAlgError:
                continue


def _numeric(result, values: dict) -> np.ndarray:
    return np.asarray(result.numeric(**values), dtype=float)


def independent_verdict(node: Node, gen: Generator, result, kind: str, seed: int) -> str:
    """'right', 'WRONG: …' or 'unjudged' (F undefined or ill-conditioned at every point)."""
    judged = 0
    for k, values in _points(node, gen, seed):
        claimed = _numeric(result, values)
        with np.errstate(all="ignore"):
            if kind == "jacobian":
                ref1, ref2 = (_jacobian_reference(node, values, h) for h in (1e-5, 1e-6))
                noise = np.linalg.norm(ref1 - ref2)
                scale = max(np.linalg.norm(ref2), 1e-6 * max(np.linalg.norm(_f_at(
                    node, values, values["X"])), 1.0))
                if not np.all(np.isfinite(ref2)) or noise > 1e-4 * scale:
                    continue
                error = np.linalg.norm(claimed - ref2)
            else:
                pairs = _hessian_reference(node, values, np.random.default_rng([seed, k, 7]))
                refs = np.array([r for _, _, r, _ in pairs])
                noise = float(np.max([e for _, _, _, e in pairs]))
                f0 = abs(float(_f_at(node, values, values["X"])[0, 0]))
                scale = max(float(np.max(np.abs(refs))), 1e-6 * max(f0, 1.0))
                if not np.all(np.isfinite(refs)) or noise > 1e-3 * scale:
                    continue
                vHw = np.array([(V.ravel(order="F") @ claimed @ W.ravel(order="F"))
                                for V, W, _, _ in pairs])
                error = float(np.max(np.abs(vHw - refs)))
        judged += 1
        if not error <= 1e-4 * scale + 10 * noise:
            return f"WRONG at point {k}: relative error {error / scale:.2e}"
    return "right" if judged else "unjudged"


def flat_in_x(node: Node, gen: Generator, seed: int, kind: str) -> bool:
    """F's first differences vanish to round-off at every point where F is defined: X
    cancels out or F saturates, so the derivative is 0 in double precision."""
    judged = 0
    for _, values in _points(node, gen, seed):
        with np.errstate(all="ignore"):
            ref = _jacobian_reference(node, values, 1e-5)
        size = max(float(np.linalg.norm(_f_at(node, values, values["X"]))), 1.0)
        judged += 1
        if not np.all(np.isfinite(ref)) or np.linalg.norm(ref) > 1e-9 * size:
            return False
    return judged > 0


@dataclass
class Tally:
    """What happened to each expression of a sample."""

    kind: str
    counts: collections.Counter = field(default_factory=collections.Counter)
    raw: list = field(default_factory=list)
    wrong: list = field(default_factory=list)
    unnamed: list = field(default_factory=list)
    refusals: list = field(default_factory=list)
    not_zero: list = field(default_factory=list)
    times: list = field(default_factory=list)
    with_x: int = 0
    right_with_x: int = 0
    flat: int = 0

    def summary(self, n: int, elapsed: float) -> str:
        t = np.array(self.times) * 1e3
        share = self.right_with_x / max(self.with_x, 1)
        return (f"{self.kind}: {n} expressions in {elapsed:.1f} s; {dict(self.counts)}; right "
                f"and verified {self.right_with_x}/{self.with_x} = {share:.1%} of those involving "
                f"X (and {self.flat} more in which X cancels or F is flat); engine time median "
                f"{np.median(t):.0f} ms, p95 {np.percentile(t, 95):.0f} ms, max {t.max():.0f} ms")


def _is_zero_answer(result, kind: str) -> bool:
    matrix = result.hessian if kind == "hessian" else result.jacobian
    return isinstance(matrix, sympy.ZeroMatrix) and tuple(matrix.shape) == result.shape


def run_sample(kind: str, n: int, call: Callable | None = None) -> Tally:
    """Derive, verify and judge the first ``n`` expressions of a sample (also the benchmark's)."""
    tally = Tally(kind)
    function = call or (mdlib.hessian if kind == "hessian" else mdlib.jacobian)
    for k in range(n):
        node, gen = generate(k, kind)
        shapes = _shape_text(gen)
        where = f"{node.text}  [{shapes}]"
        try:
            expr, symbols = parse_expression(node.text, shapes)
        except MdlibError as err:
            tally.counts["refused by the parser"] += 1
            tally.refusals.append(f"{where}  {err}")
            continue
        start = time.perf_counter()
        try:
            result = function(expr, symbols["X"], seed=k % 1000)
            tally.times.append(time.perf_counter() - start)
            str(result), result._repr_latex_(), result.text  # what a reader sees must print
        except MdlibError as err:
            tally.times.append(time.perf_counter() - start)
            tally.counts["refused"] += 1
            tally.refusals.append(f"{where}  {err}")
            message = str(err).lower()
            if len(message) < 20 or "internal" in message or "sympy" in message:
                tally.unnamed.append(f"{where}  {err}")
            if not node.has_x:
                tally.not_zero.append(f"{where}  refused: {err}")
            elif flat_in_x(node, gen, SEED + k, kind):  # X in name only: a refusal may do
                tally.flat += 1
            else:
                tally.with_x += 1  # involves X and refused: counts against the share
            continue
        except Exception as err:  # noqa: BLE001 - any raw exception is a finding
            tally.raw.append(f"{where}  {type(err).__name__}: {err}")
            continue
        if not node.has_x:
            tally.counts["constant"] += 1
            if not (_is_zero_answer(result, kind) and result.verification.passed):
                tally.not_zero.append(f"{where}  {result.text}")
            continue
        involves_x = not flat_in_x(node, gen, SEED + k, kind)
        tally.flat += not involves_x
        tally.with_x += involves_x
        if not result.verification.passed:
            tally.wrong.append(f"{where}  unverified: {result.verification}")
            continue
        verdict = independent_verdict(node, gen, result, kind, SEED + k)
        tally.counts[verdict.split(":")[0]] += 1
        if verdict.startswith("WRONG"):
            tally.wrong.append(f"{where}  {verdict}  {result.text[:200]}")
        elif verdict == "right":
            tally.right_with_x += involves_x
        elif involves_x:  # unjudged by this file (ill-conditioned everywhere): not counted right
            tally.refusals.append(f"{where}  unjudged here")
    return tally


def _check(tally: Tally, n: int, elapsed: float) -> None:
    print("\n" + tally.summary(n, elapsed))
    for line in tally.refusals:
        print("  refused:", line)
    share = tally.right_with_x / max(tally.with_x, 1)
    assert not tally.raw, "raw exceptions:\n" + "\n".join(tally.raw)
    assert not tally.wrong, "wrong or unverified answers:\n" + "\n".join(tally.wrong)
    assert not tally.unnamed, "refusals without a named cause:\n" + "\n".join(tally.unnamed)
    assert not tally.not_zero, "constants not answered 0:\n" + "\n".join(tally.not_zero)
    assert tally.counts["constant"] >= n // CONTROL_EVERY // 2, "too few constants in the sample"
    assert share >= MIN_SHARE, f"only {share:.1%} right and verified:\n" + "\n".join(tally.refusals)


def test_fuzz_hessians_of_random_typed_expressions():
    start = time.perf_counter()
    _check(run_sample("hessian", N_HESSIANS), N_HESSIANS, time.perf_counter() - start)


def test_fuzz_jacobians_of_random_typed_expressions():
    start = time.perf_counter()
    _check(run_sample("jacobian", N_JACOBIANS), N_JACOBIANS, time.perf_counter() - start)


def test_the_references_can_fail():
    """This file's judges catch a wrong Hessian and a wrong Jacobian (e.g. one missing a K)."""
    node = Node("tr(X.T*X)**2", lambda v: np.trace(v["X"].T @ v["X"]) ** 2, True)
    gen = Generator(np.random.default_rng(0), (3, 2))

    class Claim:
        def __init__(self, H):
            self.H = H

        def numeric(self, **values):
            return self.H(values["X"])

    right = Claim(lambda X: 4 * np.trace(X.T @ X) * np.eye(6)
                  + 8 * np.outer(X.ravel(order="F"), X.ravel(order="F")))
    half = Claim(lambda X: 4 * np.trace(X.T @ X) * np.eye(6))
    assert independent_verdict(node, gen, right, "hessian", 0) == "right"
    assert independent_verdict(node, gen, half, "hessian", 0).startswith("WRONG")
    transpose = Node("X.T", lambda v: v["X"].T, True)
    K = np.zeros((6, 6))
    for i in range(3):
        for j in range(2):
            K[j + 2 * i, i + 3 * j] = 1  # vec(Xᵀ) = K vec(X), ∂Xᵀ/∂X = Kᵀ
    assert independent_verdict(transpose, gen, Claim(lambda X: K.T), "jacobian", 0) == "right"
    assert independent_verdict(transpose, gen, Claim(lambda X: np.eye(6)), "jacobian",
                               0).startswith("WRONG")
    assert flat_in_x(Node("tr(X - X)", lambda v: np.trace(v["X"] - v["X"]) * 1.0, True),
                     Generator(np.random.default_rng(0), (3, 3)), 0, "hessian")

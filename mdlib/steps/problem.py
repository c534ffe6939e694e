"""f parsed and derived by the engine (its gradient verified), the seeded sample points, and
the numbers every comparison rests on: lines are evaluated at the points, never trusted.

>>> problem = _problem("tr(X)", "X", "X: 2x2", 0)
>>> problem.dname, problem.line_shapes
('dX', 'X: 2x2, dX: 2x2')
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import sympy
from sympy.matrices.expressions import (
    Determinant,
)

from ..errors import MdlibError
from ..i18n import _
from ..parse import parse_expression
from ..rules import well_conditioned
from .terms import _terms

#: Random points at which every line is compared (each with its own X, constants and dX).
SAMPLES = 3
#: Relative tolerance of a comparison; the lines are linear in dX, so equal lines agree to round-off.
RTOL = 1e-7


# ------------------------------------------------------------------ the problem: f, X, samples

def read_problem(f: str, X: str, shapes: str) -> tuple[sympy.Basic, dict, sympy.MatrixSymbol, str]:
    """``f`` parsed with the declared shapes, the variable ``X`` and the name of its differential.

    >>> read_problem("tr(X.T*X)", "X", "X: 2x2")[2:]
    (X, 'dX')
    """
    expr, symbols = parse_expression(f, shapes)
    if X not in symbols:
        raise MdlibError(_("differentiate by a declared matrix; {X} is not among {names}").format(
            X=repr(X), names=sorted(symbols)))
    dname = f"d{X}"
    if dname in symbols:
        raise MdlibError(_("{dX} is the differential of {X}; do not declare it yourself").format(
            dX=dname, X=X))
    return expr, symbols, symbols[X], dname


class _Problem:
    """f parsed and derived by the engine (verified), and the seeded sample points."""

    def __init__(self, f: str, X: str, shapes: str, seed: int,
                 symmetric: tuple[str, ...] = ()) -> None:
        from ..engine import derive
        from ..engine.printing import to_latex

        expr, symbols, self.X, self.dname = read_problem(f, X, shapes)
        self.expr, self.symmetric, self.symbols = expr, tuple(symmetric), symbols
        self.has_logdet = any(type(node).__name__ == "LogDet" or (
            isinstance(node, sympy.log) and isinstance(node.args[0], Determinant))
            for node in sympy.preorder_traversal(expr))
        rows, cols = self.X.shape
        self.line_shapes = f"{shapes}, {self.dname}: {rows}x{cols}"
        self.constants = sorted(name for name in symbols if name != X)
        for name in symmetric:
            if name == X:
                raise MdlibError(_("{X} itself cannot be symmetric here: its differential d{X} would "
                                   "have to be symmetric too; declare only constants "
                                   "symmetric").format(X=X))
            if name not in symbols or symbols[name].shape[0] != symbols[name].shape[1]:
                raise MdlibError(_("only a declared square matrix can be symmetric; {name} is not "
                                   "one").format(name=repr(name)))
        # raises MdlibError if the gradient cannot be verified
        self.derivation = derive(expr, self.X, symmetric=symmetric)
        self.gradient = self.derivation.gradient
        # The engine's dX is a placeholder no reader can type; the reader's lines use dX itself.
        reader_dX = sympy.MatrixSymbol(self.dname, rows, cols)
        self.differential = self.derivation.differential.xreplace({self.derivation.dX: reader_dX})
        self.verified_latex = to_latex(self.gradient)
        # ids, not labels: the labels are in the language of the moment, and this problem is
        # cached across languages
        self.engine_rules = sorted(rule for rule in self.derivation.rule_ids
                                   if rule in {f"M{k}" for k in range(1, 9)})
        self.samples = _samples(expr, symbols, X, self.dname, seed, symmetric)
        self.memo: dict = {}  # values and rules of lines already seen
        self.key = (f, X, shapes, seed, symmetric)
        from ..engine.numeric import evaluate

        for values in self.samples:
            G = np.asarray(evaluate(self.gradient, values), dtype=float)
            dX = values[self.dname]
            values["__df__"] = float(np.sum(np.broadcast_to(G, dX.shape) * dX))
            # |tr(G^T dX)| <= |G| |dX|: the natural size of df, against which round-off is judged
            values["__scale__"] = float(np.linalg.norm(G) * np.linalg.norm(dX))


def _needs_positive(expr: sympy.Basic) -> bool:
    """Elementwise log or a fractional power needs positive entries."""
    for node in sympy.preorder_traversal(expr):
        if isinstance(node, sympy.log) and not isinstance(node.args[0], Determinant):
            return True
        if isinstance(node, sympy.Pow) and not node.exp.is_integer:
            return True
    return False


def _samples(expr, symbols: dict, X: str, dname: str, seed: int,
             symmetric: tuple[str, ...] = ()) -> list[dict]:
    positive = _needs_positive(expr)
    rng = np.random.default_rng((seed, 12))
    out = []
    for _sample in range(SAMPLES):
        values: dict = {}
        for name, M in symbols.items():
            r, c = (int(d) for d in M.shape)
            if name in symmetric:  # symmetric positive definite: fine under inv, det and log det
                R = rng.standard_normal((r, r))
                value = R @ R.T / r + np.eye(r)
            elif r == c and r > 1:
                value = well_conditioned(rng, r)
                if np.linalg.det(value) < 0:  # det > 0, so log|det| and logdet are both defined
                    value[0] *= -1
                if positive:
                    value = np.abs(value) + 0.5 * np.eye(r)
            else:
                value = rng.standard_normal((r, c))
                if positive:
                    value = np.abs(value) + 0.5
            values[name] = value
        values[dname] = rng.standard_normal(tuple(int(d) for d in symbols[X].shape))
        out.append(values)
    return out


@lru_cache(maxsize=64)
def _problem(f: str, X: str, shapes: str, seed: int, symmetric: tuple[str, ...] = ()) -> _Problem:
    # Cached: a widget re-checks on every pause in typing with the same f.
    return _Problem(f, X, shapes, seed, symmetric)



# ------------------------------------------------------------------ numbers

def _value(expr: sympy.Basic, problem: _Problem, scale: float = 1.0) -> np.ndarray:
    """The expression at every sample point (dX scaled by ``scale``), as a vector of numbers."""
    from ..engine.numeric import evaluate

    key = ("value", expr, scale)
    if len(problem.memo) > 20_000:  # a long session of typing: start afresh
        problem.memo.clear()
    if key in problem.memo:  # the same lines come back on every keystroke
        return problem.memo[key]
    out = []
    for values in problem.samples:
        if scale != 1.0:
            values = {**values, problem.dname: scale * values[problem.dname]}
        # dims={}: every shape is a number here, so nothing needs to be looked up
        out.append(np.asarray(evaluate(expr, values, {}), dtype=float).reshape(-1)[0]
                   if isinstance(expr, sympy.Basic) else float(expr))
    problem.memo[key] = result = np.asarray(out)
    return result


def _matrix_value(expr: sympy.Basic, problem: _Problem) -> np.ndarray:
    from ..engine.numeric import evaluate

    key = ("matrix", expr)
    if key not in problem.memo:
        problem.memo[key] = np.asarray(evaluate(expr, problem.samples[0], {}), dtype=float)
    return problem.memo[key]


def _df(problem: _Problem) -> np.ndarray:
    return np.asarray([values["__df__"] for values in problem.samples])


def _scale(expr: sympy.Basic, problem: _Problem) -> np.ndarray:
    """The size of a line's numbers: terms that cancel must not make round-off look like an error."""
    natural = np.asarray([values["__scale__"] for values in problem.samples])
    return natural + sum(np.abs(_value(t, problem)) for t in _terms(expr))


def _close(a: np.ndarray, b: np.ndarray, scale: np.ndarray | float = 0.0) -> bool:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape or not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        return False
    size = np.maximum(np.maximum(np.abs(a), np.abs(b)), np.maximum(np.abs(scale), 1e-12))
    return bool(np.all(np.abs(a - b) <= RTOL * size))


def _safe_value(expr: sympy.Basic, problem: _Problem) -> np.ndarray | None:
    try:
        with np.errstate(all="ignore"):
            return _value(expr, problem)
    except Exception:  # noqa: BLE001 - a mutation that does not evaluate is simply not the fix
        return None


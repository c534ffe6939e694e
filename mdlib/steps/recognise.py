"""What a right line did: the trace rules (T1–T5) from the line before, and the gradient a
last line of the form tr(M dX) gives (L: ∂f/∂X = Mᵀ)."""

from __future__ import annotations

import sympy
from sympy.matrices.expressions import (
    HadamardProduct,
    MatAdd,
    MatMul,
    MatrixExpr,
    MatrixSymbol,
    Trace,
    Transpose,
)

from ..curriculum import rule_label
from .problem import _close, _matrix_value, _Problem, _value
from .terms import _coefficient, _is, _terms, _text

# ------------------------------------------------------------------ rules of a right line

def _rule_between(before: sympy.Basic, after: sympy.Basic, problem: _Problem) -> str:
    """Which trace rules turn ``before`` into ``after`` (both right), where recognisable."""
    key = ("rule", before, after)
    if key not in problem.memo:
        problem.memo[key] = _find_rules(before, after, problem)
    return problem.memo[key]


def _find_rules(before: sympy.Basic, after: sympy.Basic, problem: _Problem) -> str:
    if _text(before) == _text(after):
        return "unchanged"
    rules: set[str] = set()
    tb, ta = _terms(before), _terms(after)
    if len(tb) != len(ta):
        rules.add("T3")
    pairs = []
    left = [(t, _value(t, problem)) for t in tb]
    for t in ta:
        vt = _value(t, problem)
        match = next((item for item in left if _text(item[0]) == _text(t)), None) or next(
            (item for item in left if _close(item[1], vt)), None)
        if match is None:
            rules.add("T3")
            continue
        left.remove(match)
        pairs.append((match[0], t))
    for b, a in pairs:
        rules |= _pair_rules(b, a, problem)
    if not rules:
        return "algebra inside the trace"
    return "; ".join(rule_label(r) for r in sorted(rules))


def _pair_rules(before: sympy.Basic, after: sympy.Basic, problem: _Problem) -> set[str]:
    if _text(before) == _text(after):
        return set()
    cb, b = _coefficient(before)
    ca, a = _coefficient(after)
    rules = set() if cb == ca else {"T3"}
    if not isinstance(b, Trace) and isinstance(a, Trace):
        return rules | {"T1"}
    if not (isinstance(b, Trace) and isinstance(a, Trace)):
        return rules | ({"T1"} if isinstance(b, Trace) else set())
    # T5 moves a factor into or out of a Hadamard product; a transpose of one is not T5.
    hadamards = [{frozenset({_text(n), _text(Transpose(n).doit())})
                  for n in sympy.preorder_traversal(e) if isinstance(n, HadamardProduct)}
                 for e in (b, a)]
    if hadamards[0] != hadamards[1]:
        rules.add("T5")
    mb, ma = _matrix_value(b.arg, problem), _matrix_value(a.arg, problem)
    if mb.shape == ma.shape and _close(mb, ma):
        return rules
    if mb.shape == ma.T.shape and _close(mb.T, ma):
        return rules | {"T2"}
    factors = [f for f in (b.arg.args if isinstance(b.arg, MatMul) else [b.arg])
               if isinstance(f, MatrixExpr)]
    for k in range(1, len(factors)):
        rotated = factors[k:] + factors[:k]
        try:
            value = _matrix_value(MatMul(*rotated), problem)
        except Exception:  # noqa: BLE001
            continue
        if value.shape == ma.shape and _close(value, ma):
            return rules | {"T4"}
        if value.shape == ma.T.shape and _close(value.T, ma):
            return rules | {"T2", "T4"}
    return rules | ({"T4"} if "T5" not in rules else set())


# ------------------------------------------------------------------ the gradient of the last line

def _read_off(expr: sympy.Basic, problem: _Problem) -> sympy.Basic | None:
    """Σ c_k M_kᵀ when the line is Σ c_k tr(M_k dX) (or c aᵀ dX): the reader's gradient."""
    dname = problem.dname
    parts = []
    for term in _terms(expr):
        coeff, body = _coefficient(term)
        inner = body.arg if isinstance(body, Trace) else body
        if not isinstance(body, Trace) and not (isinstance(body, MatrixExpr) and body.shape == (1, 1)):
            return None
        factors = list(inner.args) if isinstance(inner, MatMul) else [inner]
        if not factors or not _is(factors[-1], dname):
            return None
        left = factors[:-1]
        if any(str(m.name) == dname for f in left for m in
               (f.atoms(MatrixSymbol) if isinstance(f, sympy.Basic) else [])):
            return None
        scalars = [f for f in left if not isinstance(f, MatrixExpr)]
        matrices = [f for f in left if isinstance(f, MatrixExpr)]
        if matrices:
            parts.append(sympy.Mul(coeff, *scalars) * Transpose(MatMul(*matrices)).doit())
        elif problem.X.shape[0] == problem.X.shape[1]:  # tr(c dX): M = c I
            parts.append(sympy.Mul(coeff, *scalars) * sympy.Identity(problem.X.shape[0]))
        else:
            return None
    if not parts:
        return None
    return MatAdd(*parts).doit() if len(parts) > 1 else parts[0]



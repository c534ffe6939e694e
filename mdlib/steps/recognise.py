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
from ..engine.nodes import AsScalar
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

def _split_term(term: sympy.Basic, dname: str) -> tuple[sympy.Expr, list, sympy.Basic] | None:
    """(numeric coefficient, other scalar factors, the one factor holding dX) of a term."""
    coeff, body = _coefficient(term)
    scalar_product = isinstance(term, sympy.Mul) and not isinstance(term, MatrixExpr)
    if coeff == 1 and scalar_product:  # |X| tr(X^-1 dX): numbers, other scalars, one trace
        coeff = sympy.Mul(*[a for a in term.args if a.is_Number])
        body = [a for a in term.args if not a.is_Number]
    parts = body if isinstance(body, list) else (
        list(body.args) if isinstance(body, sympy.Mul) and not isinstance(body, MatrixExpr)
        else [body])
    holding = [a for a in parts if _has(a, dname)]
    if len(holding) != 1:
        return None
    return coeff, [a for a in parts if not _has(a, dname)], holding[0]


def _has(expr: object, dname: str) -> bool:
    return isinstance(expr, sympy.Basic) and any(
        str(m.name) == dname for m in expr.atoms(MatrixSymbol))


def _read_off(expr: sympy.Basic, problem: _Problem) -> tuple[sympy.Basic, str] | None:
    """(Σ c_k M_kᵀ, the non-numeric scalar factors as text) when the line is Σ c_k tr(M_k dX)
    (or c aᵀ dX b); c_k may be any number that does not hold dX, such as |X| (T3)."""
    dname = problem.dname
    parts, scalar_texts = [], []
    for term in _terms(expr):
        split = _split_term(term, dname)
        if split is None:
            return None
        coeff, others, body = split
        if isinstance(body, AsScalar):
            body = body.args[0]
        inner = body.arg if isinstance(body, Trace) else body
        if not isinstance(body, Trace) and not (isinstance(body, MatrixExpr) and body.shape == (1, 1)):
            return None
        factors = list(inner.args) if isinstance(inner, MatMul) else [inner]
        if not factors or not _is(factors[-1], dname):
            return None
        left = factors[:-1]
        if any(_has(f, dname) for f in left):
            return None
        scalars = [f for f in left if not isinstance(f, MatrixExpr)]
        matrices = [f for f in left if isinstance(f, MatrixExpr)]
        c = sympy.Mul(coeff, *others, *scalars)
        scalar_texts += [_text(o) for o in others]
        if matrices:
            parts.append(c * Transpose(MatMul(*matrices)).doit())
        elif problem.X.shape[0] == problem.X.shape[1]:  # tr(c dX): M = c I
            parts.append(c * sympy.Identity(problem.X.shape[0]))
        else:
            return None
    if not parts:
        return None
    gradient = MatAdd(*parts).doit() if len(parts) > 1 else parts[0]
    return gradient, " ".join(dict.fromkeys(scalar_texts))


def _how_to_read_off(expr: sympy.Basic, problem: _Problem) -> str:
    """What to do to a right last line so that the gradient can be read off it, by its first
    term that is not yet c·tr(M dX)."""
    dname = problem.dname
    for term in _terms(expr):
        split = _split_term(term, dname)
        if split is None:
            break
        body = split[2]
        if any(isinstance(n, HadamardProduct) and _has(n, dname)
               for n in sympy.preorder_traversal(body)):
            return f"take d{dname[1:]} out of the Hadamard product with T5".replace(
                f"d{dname[1:]}", dname)
        if any(isinstance(n, Transpose) and _is(n.arg, dname) for n in sympy.preorder_traversal(body)):
            return f"turn {dname}^T into {dname} with T2, tr(M) = tr(M^T)"
        if not isinstance(body, Trace) and not isinstance(body, AsScalar) and not (
                isinstance(body, MatrixExpr) and body.shape == (1, 1)):
            break
    else:
        return f"move {dname} to the end with T4"
    return f"with the trace rules T1–T5, until every term is a number times tr(M {dname})"

"""Terms of a line as sympy holds them: top-level terms, expanded atoms, coefficients,
factors, paths into the tree, and their printing in the course's notation.

>>> import sympy
>>> X = sympy.MatrixSymbol("X", 2, 2)
>>> sorted(_text(t) for t in _atoms(sympy.Trace(X * (X + X.T))))
['tr(X X^T)', 'tr(X^2)']
"""

from __future__ import annotations

from functools import lru_cache

import sympy
from sympy.matrices.expressions import (
    Inverse,
    MatAdd,
    MatMul,
    MatrixExpr,
    MatrixSymbol,
    Trace,
)

from ..tricks import WRONG as WRONG_TRACE_IDENTITIES

# ------------------------------------------------------------------ terms

def _terms(expr: sympy.Basic) -> list[sympy.Basic]:
    """Top-level terms of a sum, as the reader wrote them (sympy keeps its own order)."""
    if isinstance(expr, (sympy.Add, MatAdd)):
        return list(expr.args)
    return [expr]


def _atoms(expr: sympy.Basic) -> list[sympy.Basic]:
    """Terms after expanding products of sums and splitting traces of sums (T3)."""
    out: list[sympy.Basic] = []
    for term in _terms(sympy.expand(expr)):
        coeff, rest = _coefficient(term)
        if isinstance(rest, Trace):
            inner = rest.arg.expand() if hasattr(rest.arg, "expand") else rest.arg
            for part in (inner.args if isinstance(inner, MatAdd) else [inner]):
                c2, m2 = _matrix_coefficient(part)
                out.append(coeff * c2 * Trace(m2))
            continue
        if isinstance(rest, MatrixExpr):
            rest = rest.expand()
            if isinstance(rest, MatAdd):
                out.extend(coeff * part for part in rest.args)
                continue
        out.append(term)
    return out


def _unit_atoms(expr: sympy.Basic) -> list[sympy.Basic]:
    """Atoms with small integer factors spelled out (sympy writes t + t as 2 t, the reader did not)."""
    out = []
    for term in _atoms(expr):
        coeff, rest = _coefficient(term)
        if coeff.is_Integer and 2 <= abs(int(coeff)) <= 6:
            out.extend([sympy.sign(coeff) * rest] * abs(int(coeff)))
        else:
            out.append(term)
    return out


def _coefficient(term: sympy.Basic) -> tuple[sympy.Expr, sympy.Basic]:
    """``-2*tr(M)`` → ``(-2, tr(M))``; the numeric factor of a scalar term."""
    if isinstance(term, sympy.Mul):
        numbers = [a for a in term.args if a.is_Number]
        others = [a for a in term.args if not a.is_Number]
        if numbers and len(others) == 1:
            return sympy.Mul(*numbers), others[0]
    return sympy.Integer(1), term


def _matrix_coefficient(term: sympy.Basic) -> tuple[sympy.Expr, sympy.Basic]:
    if isinstance(term, MatMul):
        numbers = [a for a in term.args if getattr(a, "is_Number", False)]
        if numbers:
            return sympy.Mul(*numbers), MatMul(*[a for a in term.args if a not in numbers]).doit()
    return sympy.Integer(1), term



@lru_cache(maxsize=4096)
def _latex(expr: sympy.Basic) -> str:
    from ..engine.printing import to_latex

    try:
        return to_latex(expr)
    except Exception:  # noqa: BLE001 - an exotic node still gets a readable form
        return sympy.latex(expr)


@lru_cache(maxsize=4096)
def _text(expr: sympy.Basic) -> str:
    from ..engine.printing import to_text

    try:
        return to_text(expr)
    except Exception:  # noqa: BLE001
        return sympy.sstr(expr)


def _sum_text(terms: list[sympy.Basic]) -> str:
    return " + ".join(_text(t) for t in terms).replace("+ -", "- ")



def _nodes(expr: sympy.Basic, path: tuple = ()):
    yield path, expr
    for k, arg in enumerate(expr.args):
        if isinstance(arg, sympy.Basic):
            yield from _nodes(arg, (*path, k))


def _replace(expr: sympy.Basic, path: tuple, new: sympy.Basic) -> sympy.Basic:
    if not path:
        return new
    args = list(expr.args)
    args[path[0]] = _replace(args[path[0]], path[1:], new)
    return expr.func(*args)




def _is(expr: object, name: str) -> bool:
    """``expr`` is the matrix symbol ``name`` (without printing expr: that is slow for big ones)."""
    return isinstance(expr, MatrixSymbol) and str(expr.name) == name


def _factors(product: MatMul) -> list[sympy.Basic]:
    """The matrix factors of a product, powers spelled out (sympy writes X^-1 X^-1 as X^-2)."""
    out: list[sympy.Basic] = []
    for arg in product.args:
        if not isinstance(arg, MatrixExpr):
            continue
        if isinstance(arg, MatMul):
            out.extend(_factors(arg))
        elif isinstance(arg, sympy.MatPow) and arg.exp.is_Integer and abs(int(arg.exp)) > 1:
            base = arg.base if arg.exp > 0 else Inverse(arg.base)
            out.extend([base] * abs(int(arg.exp)))
        else:
            out.append(arg)
    return out


def _spell_powers(expr: sympy.Basic) -> sympy.Basic:
    """X^2 → X X and X^-2 → X^-1 X^-1, so a transpose or an order can be mended factor by factor."""
    powers = {}
    for node in sympy.preorder_traversal(expr):
        if isinstance(node, sympy.MatPow) and not isinstance(node, Inverse) and node.exp.is_Integer \
                and 2 <= abs(int(node.exp)) <= 4:
            base = node.base if node.exp > 0 else Inverse(node.base)
            powers[node] = MatMul(*[base] * abs(int(node.exp)))
    return expr.xreplace(powers) if powers else expr


def _false_t5() -> str:
    """The false identity that T5 is mistaken for: T5 without its transpose."""
    return next(k for k in WRONG_TRACE_IDENTITIES if "⊙" in k)


def _under_trace(term: sympy.Basic, path: tuple) -> bool:
    node = term
    for k in path:
        if isinstance(node, Trace):
            return True
        node = node.args[k]
    return False



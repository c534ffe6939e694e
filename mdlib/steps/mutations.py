"""Single slips inside one term, each undone: a transpose added or dropped, a product transposed
without reversing it, factors out of order, ⊙ written as a matrix product, tr(AB) split into
tr(A) tr(B). Each candidate comes with the sentence that names the slip by what is really in the
term (the function, the factor, the transpose) and the simplest right form.

>>> _one_move_orders(2)
[(1, 0)]
"""

from __future__ import annotations

import itertools

import sympy
from sympy.matrices.expressions import (
    HadamardProduct,
    Inverse,
    MatAdd,
    MatMul,
    MatrixExpr,
    Trace,
    Transpose,
)
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

from ..rules import RULES as RULE_VARIANTS
from ..tricks import WRONG as WRONG_TRACE_IDENTITIES
from .problem import _close, _matrix_value, _Problem
from .terms import _factors, _false_t5, _is, _nodes, _replace, _text, _under_trace


def _transposes(expr: sympy.Basic) -> int:
    return sum(isinstance(node, Transpose) for node in sympy.preorder_traversal(expr))


def _near_hadamard(term: sympy.Basic, path: tuple) -> bool:
    """The node at ``path`` is, holds or sits inside a Hadamard product (where T5 applies)."""
    node, inside = term, False
    for k in path:
        inside = inside or isinstance(node, HadamardProduct)
        node = node.args[k]
    return inside or any(isinstance(n, HadamardProduct) for n in sympy.preorder_traversal(node))


def _mutations(term: sympy.Basic, problem: _Problem, first: bool = True):
    """(mutated term, what the reader wrote wrongly) — each a single known slip, undone."""
    seen: set[str] = set()
    for fixed, what in _all_mutations(term, problem, first):
        key = _text(fixed)
        if key not in seen:  # the same repair reached two ways costs one evaluation
            seen.add(key)
            yield fixed, what


def _all_mutations(term: sympy.Basic, problem: _Problem, first: bool):
    dname = problem.dname
    # First the classic slip of reading off: tr(M dX) turned into tr(M^T dX).
    for path, node in _nodes(term):
        factors = _factors(node) if isinstance(node, MatMul) else []
        if _under_trace(term, path) and len(factors) > 2 and _is(factors[-1], dname):
            scalars = [a for a in node.args if not isinstance(a, MatrixExpr)]
            left = MatMul(*factors[:-1])
            try:
                fixed = _replace(term, path, MatMul(*scalars, Transpose(left).doit(), factors[-1]))
            except Exception:  # noqa: BLE001
                continue
            yield fixed, (f"a transpose is missing: {_text(left)} in front of {dname} should be "
                          f"({_text(left)})^T = {_text(Transpose(left).doit())}")
    toggles = []
    for path, node in _nodes(term):
        if not path or not isinstance(node, MatrixExpr) or isinstance(node, (MatAdd,)):
            continue
        try:
            new = node.arg if isinstance(node, Transpose) else Transpose(node).doit()
            fixed = _replace(term, path, new)
        except Exception:  # noqa: BLE001 - a transpose that does not fit the shapes
            continue
        # (A ⊙ exp(X))^T reads better than exp(X^T) ⊙ A^T: the transpose stays outside ⊙ and f
        shown = Transpose(node) if isinstance(node, (HadamardProduct, ElementwiseApplyFunction)) \
            else new
        toggles.append((_transposes(new) >= _transposes(node), fixed,
                        _transpose_message(node, shown, dname, _near_hadamard(term, path))))
    # a transpose removed before one added: the simpler line first, when both would do
    for _adds, fixed, what in sorted(toggles, key=lambda t: t[0]):
        yield fixed, what
    for path, node in _nodes(term):
        if isinstance(node, MatMul):
            yield from _product_mutations(term, path, node, problem, first)
    yield from _merged_traces(term)


def _transpose_message(node: sympy.Basic, new: sympy.Basic, dname: str, hadamard: bool) -> str:
    """Extra or missing, told by the result: X^-T made X^-1 has lost a transpose, not gained one."""
    if _transposes(new) < _transposes(node):
        what = f"an extra transpose: {_text(node)} should be {_text(new)}"
    else:
        what = f"a transpose is missing: {_text(node)} should be {_text(new)}"
        if _is(node, dname):
            what += f" ({RULE_VARIANTS['M3 (no transpose)'].mistake}, rule M3)"
    if hadamard:
        what += f"; T5 keeps the transpose: {_false_t5()}"
    return what


def _product_mutations(term, path, node, problem: _Problem, first: bool):
    factors = _factors(node)
    scalars = [a for a in node.args if not isinstance(a, MatrixExpr)]
    if len(factors) < 2 or len(factors) > 5:
        return
    for i, j in itertools.combinations(range(len(factors) + 1), 2):
        if j - i < 2 or j - i == len(factors):
            continue  # single factors were toggled above; the whole product is T2
        group = MatMul(*factors[i:j])
        try:
            fixed = _replace(term, path, MatMul(*scalars, *factors[:i], Transpose(group),
                                                *factors[j:]))
        except Exception:  # noqa: BLE001
            continue
        yield fixed, (f"a transpose is missing on the product {_text(group)}: it should "
                      f"be ({_text(group)})^T = {_text(Transpose(group).doit())}")
        try:
            kept = MatMul(*[Transpose(f).doit() for f in factors[i:j]])
            fixed = _replace(term, path, MatMul(*scalars, *factors[:i], kept, *factors[j:]))
        except Exception:  # noqa: BLE001 - factors whose transposes do not multiply
            continue
        yield fixed, (f"{_text(group)} should be {_text(kept)}: {_text(group)} is not "
                      f"({_text(kept)})^T, because transposing a product reverses its order, "
                      f"({_text(kept)})^T = {_text(Transpose(kept).doit())}")
    for order in _one_move_orders(len(factors)):
        try:
            fixed = _replace(term, path, MatMul(*scalars, *[factors[k] for k in order]))
        except Exception:  # noqa: BLE001
            continue
        yield fixed, _order_message(factors, order, problem, _under_trace(term, path), first)
    for i in range(len(factors) - 1):
        pair = factors[i:i + 2]
        if pair[0].shape != pair[1].shape:
            continue
        try:
            fixed = _replace(term, path, MatMul(*scalars, *factors[:i], HadamardProduct(*pair),
                                                *factors[i + 2:]))
        except Exception:  # noqa: BLE001
            continue
        yield fixed, _hadamard_message(pair, problem)


def _hadamard_message(pair: list, problem: _Problem) -> str:
    """A ⊙ written as a matrix product; for f′(Y) dY, name f and f′ as they are in f (M8)."""
    left, right = pair
    hadamard = " ⊙ ".join(f"({_text(f)})" if isinstance(f, (MatAdd, HadamardProduct)) else _text(f)
                          for f in pair)
    what = f"{_text(MatMul(*pair))} should be the Hadamard (elementwise) product {hadamard}"
    named = _function_with_derivative(left, problem)
    if named is None or not any(_is(m, problem.dname) for m in right.atoms(sympy.MatrixSymbol)):
        return what + ": ⊙ multiplies entry by entry, a matrix product does not"
    function, argument, derivative = named
    d_argument = f"d{argument}" if _is(right, problem.dname) else f"d({argument})"
    also = f", and {derivative}" if derivative else ""
    return (what + f": rule M8 gives d {function}({argument}) = {function}′({argument}) ⊙ "
            f"{d_argument}{also}; ⊙ multiplies entry by entry, a matrix product does not")


def _function_with_derivative(node: sympy.Basic, problem: _Problem):
    """(f, its argument, "f′ = g") when ``node`` is f′(Y) for an elementwise f(Y) in the problem."""
    key = ("derivative of", node)
    if key not in problem.memo:  # asked for every ⊙ candidate, wanted for at most one
        problem.memo[key] = _find_function_with_derivative(node, problem)
    return problem.memo[key]


def _find_function_with_derivative(node: sympy.Basic, problem: _Problem):
    for candidate in sympy.preorder_traversal(problem.expr):
        if not isinstance(candidate, ElementwiseApplyFunction):
            continue
        (var,), body = candidate.function.variables, candidate.function.expr
        derivative = ElementwiseApplyFunction(sympy.Lambda(var, sympy.diff(body, var)),
                                              candidate.expr)
        try:
            same = _close(_matrix_value(derivative, problem), _matrix_value(node, problem))
        except Exception:  # noqa: BLE001 - a candidate that does not evaluate is not this one
            continue
        if not same:
            continue
        argument = _text(candidate.expr)
        name = _function_name(candidate, argument)
        if name is None:
            return None
        prime = _function_name(derivative, argument)
        if prime == f"{name}'":  # σ′ is printed by its own name: nothing to add
            return name, argument, ""
        if prime is not None:
            return name, argument, f"{name}′ = {prime}"
        return name, argument, f"{name}′({argument}) = {_text(derivative)}"
    return None


def _function_name(node: ElementwiseApplyFunction, argument: str) -> str | None:
    """``exp`` for exp(X): the printed node without its argument, if it prints as f(argument)."""
    text = _text(node)
    suffix = f"({argument})"
    name = text[:-len(suffix)] if text.endswith(suffix) else ""
    return name if name and "(" not in name and " " not in name else None


def _merged_traces(term: sympy.Basic):
    """tr(A) tr(B) → tr(AB) or tr(BA): undoes the false identity tr(AB) = tr(A) tr(B)."""
    traces = [a for a in (term.args if isinstance(term, sympy.Mul) else []) if isinstance(a, Trace)]
    if len(traces) == 2:
        rest = [a for a in term.args if not isinstance(a, Trace)]
        A, B = traces[0].arg, traces[1].arg
        for product in ((A, B), (B, A)):
            try:
                merged = sympy.Mul(*rest, Trace(MatMul(*product)))
            except Exception:  # noqa: BLE001
                continue
            false = next(k for k in WRONG_TRACE_IDENTITIES if "tr(A) tr(B)" in k)
            yield merged, (f"tr({_text(A)}) tr({_text(B)}) and tr({_text(MatMul(*product))}) differ: "
                           f"{false} is false (the trace is not multiplicative)")


def _one_move_orders(n: int) -> list[tuple[int, ...]]:
    """Orders of n factors reached by one slip, the likeliest first: neighbours swapped (from the
    right, where dX usually stands), then any two swapped, then one factor moved.

    >>> _one_move_orders(3)
    [(0, 2, 1), (1, 0, 2), (2, 1, 0), (1, 2, 0), (2, 0, 1)]
    """
    swaps = sorted(itertools.combinations(range(n), 2), key=lambda ij: (ij[1] - ij[0], -ij[0]))
    out: list[tuple[int, ...]] = []
    for i, j in swaps:
        order = list(range(n))
        order[i], order[j] = order[j], order[i]
        out.append(tuple(order))
    for i in range(n):
        for j in range(n):
            rest = [k for k in range(n) if k != i]
            order = tuple(rest[:j] + [i] + rest[j:])
            if order != tuple(range(n)) and order not in out:
                out.append(order)
    return out


def _order_message(factors: list, order: tuple, problem: _Problem, under_trace: bool,
                   first: bool) -> str:
    wrote = " ".join(_text(f) for f in factors)
    needed = " ".join(_text(factors[k]) for k in order)
    message = f"the order of a product is wrong: {wrote} should be {needed}"
    dX_at = [k for k, f in enumerate(factors) if _is(f, problem.dname)]
    inverses = [k for k, f in enumerate(factors) if isinstance(f, Inverse)]
    if first and dX_at and len(inverses) >= 2:  # differentiating: the M5 slip
        message += f" ({RULE_VARIANTS['M5 (order swapped)'].mistake}, rule M5)"
    elif under_trace:
        message += (" (inside a trace only cyclic moves are allowed, T4: "
                    f"{next(k for k in WRONG_TRACE_IDENTITIES if 'BAC' in k)} is false)")
    else:
        message += " (matrices do not commute: XY is not YX)"
    return message

"""Why a line is wrong: a search for the single slip that explains it (a sign, a factor, a
transpose, an order, a lost or extra term, a known wrong variant of a rule from
:mod:`mdlib.rules` and :mod:`mdlib.tricks`), within a fixed budget of candidate repairs.

>>> _one_move_orders(2)
[(1, 0)]
"""

from __future__ import annotations

import itertools
import re
from fractions import Fraction

import numpy as np
import sympy
from sympy.matrices.expressions import (
    HadamardProduct,
    Inverse,
    MatAdd,
    MatMul,
    MatrixExpr,
    MatrixSymbol,
    Trace,
    Transpose,
)

from ..rules import RULES as RULE_VARIANTS
from ..tricks import WRONG as WRONG_TRACE_IDENTITIES
from .problem import _close, _Problem, _safe_value, _value
from .reading import _read
from .terms import (
    _atoms,
    _factors,
    _false_t5,
    _is,
    _nodes,
    _replace,
    _spell_powers,
    _sum_text,
    _terms,
    _text,
    _under_trace,
    _unit_atoms,
)


def _mutations(term: sympy.Basic, problem: _Problem, first: bool = True):
    """(mutated term, what the reader wrote wrongly) — each a single known slip, undone."""
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
    for path, node in _nodes(term):
        if not path or not isinstance(node, MatrixExpr) or isinstance(node, (MatAdd,)):
            continue
        try:
            if isinstance(node, Transpose):
                fixed = _replace(term, path, node.arg)
                what = f"an extra transpose: {_text(node)} should be {_text(node.arg)}"
            else:
                fixed = _replace(term, path, Transpose(node))
                what = f"a transpose is missing: {_text(node)} should be {_text(Transpose(node))}"
                if _is(node, dname):
                    what += f" ({RULE_VARIANTS['M3 (no transpose)'].mistake}, rule M3)"
            if any(isinstance(n, HadamardProduct) for _, n in _nodes(term)):
                what += f"; T5 keeps the transpose: {_false_t5()}"
        except Exception:  # noqa: BLE001 - a transpose that does not fit the shapes
            continue
        yield fixed, what
    for path, node in _nodes(term):
        if isinstance(node, MatMul):
            factors = _factors(node)
            scalars = [a for a in node.args if not isinstance(a, MatrixExpr)]
            if len(factors) < 2 or len(factors) > 5:
                continue
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
                kept = MatMul(*[Transpose(f).doit() for f in factors[i:j]])
                try:
                    fixed = _replace(term, path, MatMul(*scalars, *factors[:i], kept, *factors[j:]))
                except Exception:  # noqa: BLE001
                    continue
                yield fixed, (f"{_text(group)} should be {_text(kept)}: transposing a product "
                              "reverses its order, (YZ)^T = Z^T Y^T")
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
                yield fixed, (f"{_text(MatMul(*pair))} should be an elementwise product "
                              f"({RULE_VARIANTS['M8 (matrix product)'].mistake}, rule M8)")
    yield from _merged_traces(term)


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


def _ratio_message(got: np.ndarray, expected: np.ndarray, problem: _Problem, what: str) -> str | None:
    """A constant or a determinant between the two values: name the factor."""
    if np.any(np.abs(expected) < 1e-12):
        return None
    ratio = got / expected
    if _close(ratio, np.full_like(ratio, ratio[0])):
        c = float(ratio[0])
        if _close(np.array([c]), np.array([-1.0])):
            return f"the sign of {what} is flipped"
        return f"{what} is {_number(c)} times what it should be" + (
            f": a factor {_number(1 / c)} is lost" if abs(c) < 1 else f": an extra factor {_number(c)}")
    for name in [problem.X.name, *problem.constants]:
        values = [v[name] for v in problem.samples]
        if values[0].ndim != 2 or values[0].shape[0] != values[0].shape[1]:
            continue
        dets = np.asarray([np.linalg.det(v) for v in values])
        if _close(ratio, 1 / dets):
            extra = RULE_VARIANTS["M6 (no |X| factor)"].mistake.replace("|X|", f"|{name}|")
            return f"{extra} in {what} (rule M6: d|{name}| = |{name}| tr({name}^-1 d{name}))"
        if _close(ratio, dets):
            return f"{what} has an extra factor |{name}| (only d|{name}| carries it, not d log|{name}|)"
    return None


def _number(c: float) -> str:
    """A short exact-looking form: 2, 1/2, -3/4, else 6 digits."""
    exact = Fraction(c).limit_denominator(12)
    return str(exact) if abs(float(exact) - c) < 1e-9 * max(1.0, abs(c)) else f"{c:.6g}"


def _operand_before(text: str, end: int) -> tuple[int, str]:
    """(start, text) of the operand that ends at ``end``: a name, or a bracket with its function."""
    if end > 0 and text[end - 1] == ")":
        depth, k = 0, end - 1
        while k >= 0:
            depth += {")": 1, "(": -1}.get(text[k], 0)
            if depth == 0:
                break
            k -= 1
        name = re.search(r"\w*$", text[:k])
        start = k - len(name.group(0)) if name else k
        return start, text[start:end]
    name = re.search(r"\w+$", text[:end])
    return (end - len(name.group(0)), name.group(0)) if name else (end, "")


def _typed_transposes(text: str, problem: _Problem):
    """The line with one ``.T`` removed or added, and what that would mean, by column."""
    for match in re.finditer(r"\.T\b", text):
        start, operand = _operand_before(text, match.start())
        yield (text[:match.start()] + text[match.end():],
               f"an extra transpose: {operand}.T (column {start + 1}) should be {operand}")
    declared = set(problem.constants) | {problem.X.name, problem.dname}
    ends = [m.end() for m in re.finditer(r"(?<![\w.])[A-Za-z_]\w*(?!\w|\s*\()", text)
            if m.group(0) in declared] + [m.end() for m in re.finditer(r"\)", text)]
    for end in sorted(set(ends)):
        if text[end:end + 2] == ".T":
            continue
        start, operand = _operand_before(text, end)
        message = f"a transpose is missing: {operand} (column {start + 1}) should be {operand}.T"
        if operand == problem.dname:
            message += f" ({RULE_VARIANTS['M3 (no transpose)'].mistake}, rule M3)"
        yield text[:end] + ".T" + text[end:], message


def _cite_sign_rule(message: str, got: sympy.Basic, first: bool) -> str:
    """A lost sign in the differentiation step next to an inverse is rule M5's wrong variant."""
    if first and "sign" in message and any(isinstance(n, Inverse) for n in sympy.preorder_traversal(got)):
        return f"{message}: rule M5 says d(X^-1) = -X^-1 dX X^-1, with a minus sign"
    return message


class _OutOfBudget(Exception):
    """The search for a single slip took too long: the line is too far off for one cause."""


class _Budget:
    """How many candidate repairs may still be evaluated (a count, so verdicts are reproducible)."""

    def __init__(self, units: int) -> None:
        self.left = units

    def value(self, expr: sympy.Basic, problem: _Problem) -> np.ndarray | None:
        self.left -= 1
        if self.left < 0:
            raise _OutOfBudget
        return _safe_value(expr, problem)

    def typed_value(self, text: str, problem: _Problem) -> np.ndarray | None:
        # parsing costs 1 ms for a short line and 40 for a long one, evaluating 0.1–1 ms
        self.left -= 10 + len(text)
        if self.left < 0:
            raise _OutOfBudget
        try:
            return _value(_read(text, problem.key), problem)
        except Exception:  # noqa: BLE001 - a candidate the parser refuses is not the fix
            return None


#: Candidate repairs tried per wrong line (≈ 0.1 s when every one is tried).
SEARCH_BUDGET = 600


def _diagnose(expected: sympy.Basic, got: sympy.Basic, problem: _Problem, typed: str = "") -> str:
    """Why ``got`` is not equal to ``expected`` (both functions of X and dX), in words.

    ``typed`` is the line as the reader wrote it: sympy merges ``M + M`` into ``2 M``, so a
    transpose lost there can only be found in the text. Remembered per line, because a wrong
    line is checked again on every keystroke below it.
    """
    key = ("diagnosis", expected, got, typed)
    if key not in problem.memo:
        try:
            problem.memo[key] = _find_cause(expected, got, problem, typed, _Budget(SEARCH_BUDGET))
        except _OutOfBudget:
            problem.memo[key] = ("this line does not equal the line before, and no single slip "
                                 "(a sign, a factor, a transpose, an order, a term) explains the "
                                 "difference: redo this step from the line before")
    return problem.memo[key]


def _find_cause(expected: sympy.Basic, got: sympy.Basic, problem: _Problem, typed: str,
                budget: _Budget) -> str:
    dX = sympy.Symbol(problem.dname)
    constant = [t for t in _terms(got) if not (t.has(dX) or any(
        str(m.name) == problem.dname for m in t.atoms(MatrixSymbol)))]
    if constant:
        return (f"{_sum_text(constant)} contains no {problem.dname}: the differential of a "
                "constant is 0, and df has only terms with dX")
    # 1. a term that is not linear in dX
    nonlinear = [t for t in _atoms(got) if not _close(_value(t, problem, 2.0), 2 * _value(t, problem))]
    if nonlinear:
        return (f"{_sum_text(nonlinear)} is not linear in {problem.dname}: "
                f"{RULE_VARIANTS['M2 (dX dY)'].mistake}; drop it")
    v_expected, v_got = _value(expected, problem), _value(got, problem)
    first = expected is problem.differential
    # 2. the whole line: a sign, a factor or a determinant
    whole = _ratio_message(v_got, v_expected, problem, "the whole line")
    if whole:
        return _cite_sign_rule(whole, got, first)
    # 3. term by term: match equal terms, diagnose what is left
    left_e = [(t, _value(t, problem)) for t in _unit_atoms(expected)]
    left_g = [(t, _value(t, problem)) for t in _unit_atoms(got)]
    # Identical terms first, so a term the reader did not touch is never blamed.
    for same in (lambda g, e: _text(g[0]) == _text(e[0]),
                 lambda g, e: _close(g[1], e[1], v_expected)):
        for g in list(left_g):
            e = next((e for e in left_e if same(g, e)), None)
            if e is not None:
                left_e.remove(e)
                left_g.remove(g)
    if left_e and not left_g:
        lost = [t for t, _ in left_e]
        hint = " (the product rule M2 gives one term for each factor that depends on X)" \
            if first else ""
        return f"a term is lost: {_sum_text(lost)} is missing{hint}"
    if left_g and not left_e:
        return f"an extra term: {_sum_text([t for t, _ in left_g])} is not in the line before"
    if len(left_g) == 1 and len(left_e) == 1:  # one term for one: a sign or a factor says it all
        pair = _ratio_message(left_g[0][1], left_e[0][1], problem, f"the term {_text(left_g[0][0])}")
        if pair:
            return _cite_sign_rule(pair, left_g[0][0], first)
    # One slip in one of the reader's terms may account for everything left over.
    total_e, total_g = sum(ve for _, ve in left_e), sum(vg for _, vg in left_g)
    for g, vg in left_g:
        for fixed, what in _mutations(_spell_powers(g), problem, first):
            v = budget.value(fixed, problem)
            if v is not None and _close(v, total_e - (total_g - vg), v_expected):
                return f"in the term {_text(g)}: {what}"
    # ... or a transpose added or removed in the text as typed
    if typed:
        for candidate, what in _typed_transposes(typed, problem):
            v = budget.typed_value(candidate, problem)
            if v is not None and _close(v, v_expected, v_expected):
                return what
    for g, vg in left_g:
        g = _spell_powers(g)
        for e, ve in left_e:
            pair = _ratio_message(vg, ve, problem, f"the term {_text(g)}")
            if pair:
                return _cite_sign_rule(pair, g, first)
            for fixed, what in _mutations(g, problem, first):
                v = budget.value(fixed, problem)
                if v is None:
                    continue
                if _close(v, ve):
                    return f"in the term {_text(g)}: {what}"
                if _close(v, -ve):
                    return f"in the term {_text(g)}: {what}, and its sign is flipped"
            for merged, what in _merged_traces(e):
                v = budget.value(merged, problem)
                if v is not None and _close(v, vg):
                    return f"in the term {_text(g)}: {what}"
    got_text, expected_text = _sum_text([t for t, _ in left_g]), _sum_text([t for t, _ in left_e])
    if len(got_text) + len(expected_text) > 160:
        raise _OutOfBudget  # too long to quote usefully: the general advice is better
    return f"{got_text} does not equal {expected_text} of the line before"



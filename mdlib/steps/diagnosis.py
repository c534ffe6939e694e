"""Why a line is wrong: a search for the slip that explains it, within a fixed budget of
candidate repairs. In order: a term without dX or not linear in dX; a sign, a factor or a
determinant on the whole line; two terms merged as if a constant were symmetric
(:mod:`.accounting`); terms lost, added, with a flipped sign or a wrong factor (ditto); one
known slip in one term (:mod:`.mutations`: a transpose, an order, ⊙, tr(AB) = tr(A) tr(B), the
wrong variants of M3, M5, M6, M8 from :mod:`mdlib.rules` and :mod:`mdlib.tricks`); a transpose
added or dropped in the text as typed. Every cause carries the line it asks for, so a test can
follow the hint and see that it makes progress.
"""

from __future__ import annotations

import re

import numpy as np
import sympy
from sympy.matrices.expressions import (
    MatrixSymbol,
)

from ..rules import RULES as RULE_VARIANTS
from .accounting import _add, account, assumed_symmetric
from .cause import Cause, cite_sign_rule, factor_words
from .mutations import _merged_traces, _mutations
from .problem import _close, _Problem, _safe_value, _value
from .reading import _read
from .terms import (
    _atoms,
    _coefficient,
    _spell_powers,
    _sum_text,
    _terms,
    _text,
    _unit_atoms,
)


def _ratio_cause(got: np.ndarray, expected: np.ndarray, term: sympy.Basic, problem: _Problem,
                 what: str) -> tuple[str, sympy.Basic] | None:
    """A constant or a determinant between the two values: the words, and ``term`` repaired."""
    if np.any(np.abs(expected) < 1e-12) or np.all(np.abs(got) < 1e-12):
        return None  # no ratio to speak of (and a line that is 0 has its own verdict)
    ratio = got / expected
    if _close(ratio, np.full_like(ratio, ratio[0])):
        c = float(ratio[0])
        return factor_words(c, what), term / sympy.nsimplify(c, rational=True)
    for name in [problem.X.name, *problem.constants]:
        values = [v[name] for v in problem.samples]
        if values[0].ndim != 2 or values[0].shape[0] != values[0].shape[1]:
            continue
        dets = np.asarray([np.linalg.det(v) for v in values])
        det = sympy.Determinant(problem.symbols[name])
        if _close(ratio, 1 / dets):
            extra = RULE_VARIANTS["M6 (no |X| factor)"].mistake.replace("|X|", f"|{name}|")
            return (f"{extra} in {what} (rule M6: d|{name}| = |{name}| tr({name}^-1 d{name}))",
                    det * term)
        if _close(ratio, dets):
            why = (f" (only d|{name}| carries it, not d log|{name}|)" if problem.has_logdet
                   else "")
            return f"{what} has an extra factor |{name}|{why}", term / det
    return None


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

    def typed(self, text: str, problem: _Problem) -> tuple[sympy.Basic, np.ndarray] | None:
        # parsing costs 1 ms for a short line and 40 for a long one, evaluating 0.1–1 ms
        self.left -= 10 + len(text)
        if self.left < 0:
            raise _OutOfBudget
        try:
            expr = _read(text, problem.key)
            return expr, _value(expr, problem)
        except Exception:  # noqa: BLE001 - a candidate the parser refuses is not the fix
            return None


#: Candidate repairs tried per wrong line (≈ 0.1 s when every one is tried).
SEARCH_BUDGET = 600


def _diagnose(expected: sympy.Basic, got: sympy.Basic, problem: _Problem, typed: str = "") -> Cause:
    """Why ``got`` is not equal to ``expected`` (both functions of X and dX), in words, with the
    line the words ask for.

    ``typed`` is the line as the reader wrote it: sympy merges ``M + M`` into ``2 M``, so a
    transpose lost there can only be found in the text. Remembered per line, because a wrong
    line is checked again on every keystroke below it.
    """
    key = ("diagnosis", expected, got, typed)
    if key not in problem.memo:
        first = expected is problem.differential
        before = "df" if first else "the line before"
        try:
            cause = _find_cause(expected, got, problem, typed, _Budget(SEARCH_BUDGET))
        except _OutOfBudget:
            cause = Cause(f"this line does not equal {before}, and no single slip (a sign, a "
                          "factor, a transpose, an order, a term) explains the difference: redo "
                          f"this step from {before}")
        if _is_zero_line(got, problem):
            cause = _zero_cause(got, cause, problem, before)
        problem.memo[key] = cause
    return problem.memo[key]


def size_cause(text: str, expected: sympy.Basic, problem: _Problem) -> Cause | None:
    """For a line whose sizes do not match: a transpose added or dropped in the text that makes it
    read and equal ``expected`` (a dropped .T is the usual way sizes stop matching)."""
    key = ("size cause", text, expected)
    if key not in problem.memo:
        budget, v_expected, found = _Budget(SEARCH_BUDGET), _value(expected, problem), None
        try:
            for candidate, what in _typed_transposes(text, problem):
                read = budget.typed(candidate, problem)
                if read is not None and _close(read[1], v_expected, v_expected):
                    found = Cause(what, read[0])
                    break
        except _OutOfBudget:
            pass
        problem.memo[key] = found
    return problem.memo[key]


def _is_zero_line(got: sympy.Basic, problem: _Problem) -> bool:
    value = _value(got, problem)
    scale = np.asarray([values["__scale__"] for values in problem.samples])
    return _close(value, np.zeros_like(value), scale)


def _zero_cause(got: sympy.Basic, cause: Cause, problem: _Problem, before: str) -> Cause:
    """A line that is 0 for every dX: say so first, and which terms cancel."""
    dname = problem.dname
    terms = _atoms(got)
    said = f"this line is identically 0: its terms cancel for every {dname}"
    if len(terms) == 2:
        plus, minus = sorted(terms, key=lambda t: _coefficient(t)[0].is_negative)
        if _coefficient(minus)[0].is_negative and not _coefficient(plus)[0].is_negative:
            said = (f"this line is identically 0: {_text(plus)} and {_text(-minus)} are equal "
                    f"for every {dname}, so {_text(plus)} - {_text(-minus)} = 0")
    said += f", but {before} is not 0"
    if cause.repair is not None and cause.slip not in ("lost", "terms", "generic"):
        return Cause(f"{said}; {cause.message}", cause.repair, "zero")
    return Cause(said, None, "zero")


def _in_term(g: sympy.Basic, what: str) -> str:
    return f"in the term {_text(_spell_powers(g))}: {what}"


def _find_cause(expected: sympy.Basic, got: sympy.Basic, problem: _Problem, typed: str,
                budget: _Budget) -> Cause:
    dX = sympy.Symbol(problem.dname)
    first = expected is problem.differential
    before = "df" if first else "the line before"
    if got == 0:  # its terms cancelled as it was read: the verdict of a line that is 0 says it
        return Cause("this line is 0")
    constant = [t for t in _terms(got) if not (t.has(dX) or any(
        str(m.name) == problem.dname for m in t.atoms(MatrixSymbol)))]
    if constant:
        return Cause(f"{_sum_text(constant)} contains no {problem.dname}: the differential of a "
                     f"constant is 0, and df has only terms with {problem.dname}",
                     _add(got, [-t for t in constant]))
    # 1. a term that is not linear in dX
    nonlinear = [t for t in _atoms(got) if not _close(_value(t, problem, 2.0), 2 * _value(t, problem))]
    if nonlinear:
        products = all(sum(str(m.name) == problem.dname for m in _matrix_leaves(t)) > 1
                       for t in nonlinear)
        why = (RULE_VARIANTS['M2 (dX dY)'].mistake if products
               else f"every term of df is linear in {problem.dname}")
        return Cause(f"{_sum_text(nonlinear)} is not linear in {problem.dname}: {why}; drop it",
                     _add(got, [-t for t in nonlinear]))
    v_expected, v_got = _value(expected, problem), _value(got, problem)
    # 2. the whole line: a sign, a factor or a determinant
    whole = _ratio_cause(v_got, v_expected, got, problem, "the whole line")
    if whole:
        return Cause(cite_sign_rule(whole[0], got, first), whole[1])
    # 3. whole terms: merged as if a constant were symmetric; lost, added, one sign or factor
    found = assumed_symmetric(expected, got, problem, first) or account(expected, got, problem, first)
    if found:
        return found
    # 4. one slip in one term (a transpose, an order, ...), then several whole-term slips at once
    try:
        found = _one_slip(expected, got, problem, typed, budget, first)
    except _OutOfBudget:
        found = None
    found = found or account(expected, got, problem, first, several=True)
    if found:
        return found
    # 5. one of the reader's terms against one of the terms it should be
    found = _term_for_term(expected, got, problem, budget, first)
    if found:
        return found
    left_g, left_e = _unmatched(expected, got, problem)
    got_text, expected_text = _sum_text([t for t, _ in left_g]), _sum_text([t for t, _ in left_e])
    if not (left_g and left_e) or len(got_text) + len(expected_text) > 160:
        raise _OutOfBudget  # nothing to quote, or too long to quote usefully: the general advice
    return Cause(f"{got_text} does not equal {expected_text} of {before}",
                 _add(got, [-t for t, _ in left_g] + [t for t, _ in left_e]), "generic")


def _unmatched(expected: sympy.Basic, got: sympy.Basic, problem: _Problem):
    """The terms of each line left when equal terms are paired off, so that a term the reader did
    not touch is never blamed: (got's, expected's), each as (term, value)."""
    v_expected = _value(expected, problem)
    left_e = [(t, _value(t, problem)) for t in _unit_atoms(expected)]
    left_g = [(t, _value(t, problem)) for t in _unit_atoms(got)]
    for same in (lambda g, e: _text(g[0]) == _text(e[0]),
                 lambda g, e: _close(g[1], e[1], v_expected)):
        for g in list(left_g):
            e = next((e for e in left_e if same(g, e)), None)
            if e is not None:
                left_e.remove(e)
                left_g.remove(g)
    return left_g, left_e


def _one_slip(expected: sympy.Basic, got: sympy.Basic, problem: _Problem, typed: str,
              budget: _Budget, first: bool) -> Cause | None:
    """One slip in one of the reader's terms that accounts for everything left over."""
    v_expected = _value(expected, problem)
    left_g, left_e = _unmatched(expected, got, problem)
    total_e, total_g = sum(ve for _, ve in left_e), sum(vg for _, vg in left_g)
    for g, vg in left_g:
        for fixed, what in _mutations(_spell_powers(g), problem, first):
            v = budget.value(fixed, problem)
            if v is not None and _close(v, total_e - (total_g - vg), v_expected):
                return Cause(_in_term(g, what), _add(got, [-g, fixed]))
    # ... or a transpose added or removed in the text as typed
    if typed:
        for candidate, what in _typed_transposes(typed, problem):
            found = budget.typed(candidate, problem)
            if found is not None and _close(found[1], v_expected, v_expected):
                return Cause(what, found[0])
    return None


def _term_for_term(expected: sympy.Basic, got: sympy.Basic, problem: _Problem, budget: _Budget,
                   first: bool) -> Cause | None:
    """A term of the reader's that is a known slip away from one term it should be."""
    left_g, left_e = _unmatched(expected, got, problem)
    for g, vg in left_g:
        for e, ve in left_e:
            pair = _ratio_cause(vg, ve, g, problem, f"the term {_text(_spell_powers(g))}")
            if pair:
                return Cause(cite_sign_rule(pair[0], g, first), _add(got, [-g, pair[1]]))
            for fixed, what in _mutations(_spell_powers(g), problem, first):
                v = budget.value(fixed, problem)
                if v is None:
                    continue
                if _close(v, ve):
                    return Cause(_in_term(g, what), _add(got, [-g, fixed]))
                if _close(v, -ve):
                    return Cause(_in_term(g, f"{what}, and its sign is flipped"),
                                 _add(got, [-g, -fixed]))
            for merged, what in _merged_traces(e):
                v = budget.value(merged, problem)
                if v is not None and _close(v, vg):
                    return Cause(_in_term(g, what), _add(got, [-g, e]))
    return None


def _matrix_leaves(term: sympy.Basic) -> list:
    """Every matrix symbol in ``term``, once per occurrence."""
    return [n for n in sympy.preorder_traversal(term) if isinstance(n, MatrixSymbol)]

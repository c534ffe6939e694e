"""Slips that are about whole terms: terms lost, added, with a flipped sign or a wrong factor
(several at once, as when one term of a product is dropped and another's sign turned), and two
terms merged as if a constant were symmetric (2 tr(XᵀA dX) for tr(Xᵀ(A + Aᵀ) dX)).

Terms are grouped by value: two terms are "the same term" when their values at every sample
point are proportional, so tr(w yᵀ dX) and yᵀ dX w fall together however they are written. A
term is quoted in the form of the reader's line, c·tr(M dX), where that line is written so:

>>> X, dX, w = (sympy.MatrixSymbol(name, 3, k) for name, k in (("X", 3), ("dX", 3), ("w", 1)))
>>> _text(_trace_form(2 * w.T * X.T * dX * w, "dX"))
'2 tr(w w^T X^T dX)'
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import sympy
from sympy.matrices.expressions import MatAdd, MatMul, MatrixExpr, MatrixSymbol, Trace, Transpose

from ..engine.nodes import AsScalar
from .cause import Cause, cite_sign_rule, factor_words
from .problem import _close, _Problem, _value
from .terms import _atoms, _coefficient, _factors, _is, _matrix_coefficient, _sum_text, _text


@dataclass
class _Class:
    """Terms whose values are multiples of one value: how much of it each line holds."""

    value: np.ndarray
    expected: list = field(default_factory=list)  # (term, multiple of value)
    got: list = field(default_factory=list)

    def total(self, side: str) -> float:
        return sum(r for _, r in getattr(self, side))


def _multiple(v: np.ndarray, w: np.ndarray) -> float | None:
    """r with v = r·w at every sample point, if there is one."""
    if np.any(np.abs(w) < 1e-12 * max(1.0, float(np.max(np.abs(w))))):
        return None
    ratio = v / w
    return float(ratio[0]) if _close(ratio, np.full_like(ratio, ratio[0])) else None


def _classes(expected: sympy.Basic, got: sympy.Basic, problem: _Problem) -> list[_Class]:
    classes: list[_Class] = []
    for side, line in (("expected", expected), ("got", got)):
        for term in _atoms(line):
            v = _value(term, problem)
            if _close(v, np.zeros_like(v), _natural_scale(problem)):
                continue  # tr(X) - tr(X^T) and the like: nothing there
            for group in classes:
                r = _multiple(v, group.value)
                if r is not None:
                    getattr(group, side).append((term, r))
                    break
            else:
                classes.append(_Class(v, **{side: [(term, 1.0)]}))
    return classes


def _natural_scale(problem: _Problem) -> np.ndarray:
    return np.asarray([values["__scale__"] for values in problem.samples])


def _is_zero(r: float) -> bool:
    return abs(r) < 1e-9


def _add(line: sympy.Basic, terms: list) -> sympy.Basic:
    """line + Σ terms, with 1×1 matrices read as the numbers they are."""
    parts = [line, *terms]
    if all(isinstance(p, MatrixExpr) for p in parts):
        return MatAdd(*parts)
    return sympy.Add(*[AsScalar(p) if isinstance(p, MatrixExpr) else p for p in parts])


def account(expected: sympy.Basic, got: sympy.Basic, problem: _Problem, first: bool,
            several: bool = False) -> Cause | None:
    """Terms lost or added and terms with a wrong sign or factor, when nothing else is wrong:
    one such slip, or with ``several`` any number of them (asked only once no single slip in
    one term explains the line: a term turned into another equal term would look like a lost
    one and a doubled one).

    A term lost *and* a term added usually means one term was changed, which
    :mod:`.mutations` can name better: then this returns None.
    """
    classes = _classes(expected, got, problem)
    lost = [c for c in classes if not c.got and not _is_zero(c.total("expected"))]
    extra = [c for c in classes if not c.expected and not _is_zero(c.total("got"))]
    scaled = [c for c in classes if c.got and c.expected
              and not _close(np.array([c.total("got")]), np.array([c.total("expected")]))]
    if (lost and extra) or not (lost or extra or scaled):
        return None
    if not several and len(lost) + len(extra) + len(scaled) > 1 and not (lost and not scaled):
        return None
    if any(_is_zero(c.total("expected")) or _is_zero(c.total("got")) for c in scaled):
        return None  # a term cancelled on one side only: not a sign or a factor
    # df is in the form rule M2 gives; a later line's lost term is shown in the reader's form
    form = _reader_form(got, problem) if not first else (lambda term: term)
    before = "df" if first else "the line before"
    parts, repair = [], []
    if lost:
        terms = [form(t) for c in lost for t, _ in c.expected]
        hint = ""
        if first:
            hint = (" (the product rule M2 gives one term for each factor that depends on "
                    f"{problem.X.name})") if not isinstance(problem.expr, (sympy.Add, MatAdd)) else \
                " (rule M1: the differential of a sum is the sum of the differentials)"
        parts.append(f"a term is lost: {_sum_text(terms)} is missing{hint}")
        repair += [t for c in lost for t, _ in c.expected]
    if extra:
        terms = [t for c in extra for t, _ in c.got]
        parts.append(f"an extra term: {_sum_text(terms)} is not in {before}")
        repair += [-t for t in terms]
    for c in scaled:
        terms = [t for t, _ in c.got]
        ratio = c.total("got") / c.total("expected")
        parts.append(cite_sign_rule(factor_words(ratio, f"the term {_sum_text(terms)}"),
                                    _add(sympy.S.Zero, terms), first))
        repair += [(1 / sympy.nsimplify(ratio, rational=True) - 1) * t for t in terms]
    try:
        fixed = _add(got, repair)
    except Exception:  # noqa: BLE001 - the words stand without a repair
        fixed = None
    return Cause("; ".join(parts), fixed, "lost" if lost and not (extra or scaled) else "terms")


def _reader_form(got: sympy.Basic, problem: _Problem):
    """Print a term the way the reader's line is written: as c·tr(M dX) when every term of the
    line is such a trace, else as it is."""
    readable = all(_trace_form(t, problem.dname) is not None and _text(_trace_form(t, problem.dname))
                   == _text(t) for t in _atoms(got))
    if not readable:
        return lambda term: term
    return lambda term: _trace_form(term, problem.dname) or term


def _trace_form(term: sympy.Basic, dname: str) -> sympy.Basic | None:
    """c tr(M dX) for a term c tr(… dX …) or a 1×1 product c u dX v (by T1, T2, T4), else None."""
    coeff, body = _coefficient(term)
    if isinstance(body, AsScalar):
        body = body.args[0]
    if isinstance(body, Trace):
        body = body.arg
    elif not (isinstance(body, MatrixExpr) and body.shape == (1, 1)):
        return None
    c2, inner = _matrix_coefficient(body)
    factors = _factors(inner) if isinstance(inner, MatMul) else [inner]
    plain = [k for k, f in enumerate(factors) if _is(f, dname)]
    transposed = [k for k, f in enumerate(factors) if isinstance(f, Transpose) and _is(f.arg, dname)]
    if len(plain) + len(transposed) != 1:
        return None
    if transposed:  # T2: tr(M) = tr(M^T)
        factors = [Transpose(f).doit() for f in reversed(factors)]
        plain = [k for k, f in enumerate(factors) if _is(f, dname)]
    k = plain[0]
    try:
        return coeff * c2 * Trace(MatMul(*factors[k + 1:], *factors[:k], factors[k]))
    except Exception:  # noqa: BLE001
        return None


def assumed_symmetric(expected: sympy.Basic, got: sympy.Basic, problem: _Problem,
                      first: bool) -> Cause | None:
    """Two terms merged as if a square constant M were Mᵀ: say so, with the sum they really give.

    Found by the numbers: with M replaced by a symmetric matrix the two lines agree. Said only
    when one term of the line, with M read as (M + Mᵀ)/2, repairs the whole line.
    """
    for name in problem.constants:
        M = problem.symbols[name]
        if M.shape[0] != M.shape[1] or M.shape[0] < 2 or name in problem.symmetric:
            continue
        if not _close(_symmetric_value(got, problem, name), _symmetric_value(expected, problem, name),
                      _natural_scale(problem)):
            continue
        for term in _atoms(got):
            fixed = _symmetrised(term, M)
            if fixed is None:
                continue
            repair = _add(got, [-term, fixed])
            if _close(_value(repair, problem), _value(expected, problem), _natural_scale(problem)):
                before = "df" if first else "the line before"
                return Cause(f"you assumed {name} = {name}^T, but {name} is not symmetric: the terms "
                             f"of {before} add up to {_text(fixed)}, which is {_text(term)} only "
                             f"for a symmetric {name}", repair)
    return None


def _symmetrised(term: sympy.Basic, M: MatrixSymbol) -> sympy.Basic | None:
    """c tr(… M …) → (c/2) tr(… (M + Mᵀ) …): what the reader's merged term should have been."""
    coeff, body = _coefficient(term)
    if isinstance(body, Trace):
        c2, inner = _matrix_coefficient(body.arg)
        body, coeff = Trace(inner), coeff * c2
    if not (coeff.is_Integer and coeff % 2 == 0):
        return None  # no visible merge (2 t from t + t): another slip explains it better
    both = MatAdd(M, Transpose(M))
    swapped = body.xreplace({Transpose(M): both, M: both})
    if swapped == body:
        return None
    return coeff / 2 * swapped


def _symmetric_value(expr: sympy.Basic, problem: _Problem, name: str) -> np.ndarray:
    from ..engine.numeric import evaluate

    out = []
    for values in problem.samples:
        M = values[name]
        symmetric = {**values, name: (M + M.T) / 2}
        out.append(np.asarray(evaluate(expr, symmetric, {}), dtype=float).reshape(-1)[0])
    return np.asarray(out)

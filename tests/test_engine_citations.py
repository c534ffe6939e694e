"""Each trace line cites exactly the tricks T1–T5 it applies (issue 11, item 7).

The engine records the tricks while it moves dX; this test judges every trace line of the
catalog, the notebooks' derivations and a few extra cases by an independent reading of the
line's two sides (the expression before and after), so a trick cited but not used, or used
but not cited, fails:

* T1 — a 1×1 matrix holding dX outside any trace before, none after;
* T2 — a transpose holding dX before, none after;
* T3 — the number of traces holding dX changes (split, merge, a scalar holding dX taken out
  of a trace), or a scalar factor crosses into a trace (c tr(M) = tr(c M)); a number that
  stays inside the trace, or multiplies a 1×1 matrix wrapped by T1, needs no T3;
* T4 — the matrix under the trace is not the one before (nor its transpose), up to a scalar
  factor, at random data: the factors were rotated (lines without a Hadamard product);
* T5 — a Hadamard product holding dX before, none after.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
import sympy
from sympy.matrices.expressions import HadamardProduct, MatMul, MatrixExpr, Trace, Transpose

import mdlib
from mdlib.engine.catalog import CASES
from mdlib.engine.nodes import AsScalar, sigmoid
from mdlib.engine.numeric import evaluate
from mdlib.engine.pipeline import DF

EXTRA = [  # typed cases that exercise each trick alone and together
    ("tr(A*inv(X))", "X: 3x3, A: 3x3"), ("-tr(A*X)", "X: 3x3, A: 3x3"),
    ("tr(X.T*A)", "X: 3x3, A: 3x3"), ("tr(A*X.T)", "X: 3x3, A: 3x3"),
    ("tr(-A*X.T)", "X: 3x3, A: 3x3"), ("-a.T*X*b", "X: 3x3, a: 3, b: 3"),
    ("3*tr(A*X) + a.T*X*b", "X: 3x3, A: 3x3, a: 3, b: 3"), ("tr(X)*tr(A*X)", "X: 3x3, A: 3x3"),
    ("tr(tr(X)*A)", "X: 3x3, A: 3x3"), ("2*tr(X.T*X) - 3*logdet(X)", "X: 3x3"),
    ("det(A*X)", "X: 3x3, A: 3x3"), ("1/det(X)", "X: 3x3"),
    ("sum(X*X)", "X: 3x3"), ("tr(had(X, X)*A)", "X: 3x3, A: 3x3"),
    ("tr(X.T*X)*logdet(X)", "X: 3x3"), ("sum(exp(X*b)) + tr(X.T*X)", "X: 3x3, b: 3"),
    ("log(tr(X.T*X))", "X: 3x3"), ("tr(X.T*inv(A)*X) - 2*a.T*X*b", "X: 3x3, A: 3x3, a: 3, b: 3"),
]


def _derivations() -> list[tuple[str, object]]:
    out = [(c.name, mdlib.derive(c.f, c.X, symmetric=c.symmetric, given=c.given)) for c in CASES]
    out += [(f, mdlib.derive(f, "X", shapes)) for f, shapes in EXTRA]
    # the composition step of chapters 5 and 7 narrates its traces the same way
    out.append(("chain C2", mdlib.chain("2*Y", "Y", "A*X*B", "X", f="tr(Y.T*Y)",
                                         shapes="Y: 3x3, A: 3x3, X: 3x3, B: 3x3")))
    return out


def _units(e: sympy.Basic, dX: sympy.Basic, inside: bool = False) -> list[sympy.Basic]:
    """The traces holding dX, and the 1×1 matrices holding dX outside any trace."""
    if not e.has(dX):
        return []
    if isinstance(e, Trace):
        return [e] + _units(e.arg, dX, True)
    if not inside and isinstance(e, AsScalar) and isinstance(e.args[0], sympy.MatAdd):
        e = e.args[0]
    if not inside and isinstance(e, sympy.MatAdd) and tuple(e.shape) == (1, 1):
        return [u for a in e.args for u in _units(a, dX, inside)]  # each term is a scalar
    if not inside and (isinstance(e, AsScalar) or (isinstance(e, MatrixExpr)
                                                    and tuple(e.shape) == (1, 1))):
        return [e]
    return [u for a in e.args if isinstance(a, sympy.Basic) for u in _units(a, dX, inside)]


def _unit_count(e: sympy.Basic, dX: sympy.Basic) -> int:
    """Traces holding dX, plus the terms of the 1×1 matrices outside traces once distributed
    (p (A + B) q = p A q + p B q is matrix algebra; writing each as its trace is T1)."""
    count = 0
    for u in _units(e, dX):
        if isinstance(u, Trace):
            count += 1
        else:
            count += _terms(u.args[0] if isinstance(u, AsScalar) else u, dX)
    return count


def _terms(e: sympy.Basic, dX: sympy.Basic) -> int:
    """How many terms holding dX ``e`` has once products are distributed over sums."""
    if isinstance(e, sympy.Add):  # MatAdd too
        return sum(_terms(a, dX) for a in e.args if a.has(dX))
    if isinstance(e, (sympy.Mul, Transpose)):  # MatMul too; one factor holds dX
        return int(np.prod([_terms(a, dX) for a in e.args if a.has(dX)]))
    return 1


def _outside_factors(e: sympy.Basic, dX: sympy.Basic) -> Counter:
    """Scalar factors multiplying a trace that holds dX from outside (not a T1 1×1 matrix)."""
    found: Counter = Counter()
    if isinstance(e, sympy.Add):
        for a in e.args:
            found += _outside_factors(a, dX)
    elif isinstance(e, sympy.Mul) and not isinstance(e, MatrixExpr):
        hits = [a for a in e.args if a.has(dX)]
        if len(hits) == 1 and isinstance(hits[0], Trace):
            found.update(str(a) for a in e.args if not a.has(dX))
    return found


def _holds(e: sympy.Basic, dX: sympy.Basic, kind: type) -> bool:
    return any(isinstance(n, kind) and n.has(dX) for n in sympy.preorder_traversal(e))


def _one_by_one_outside(e: sympy.Basic, dX: sympy.Basic) -> bool:
    return any(not isinstance(u, Trace) for u in _units(e, dX))


def _values(e: sympy.Basic, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    values = {}
    for m in e.atoms(sympy.MatrixSymbol):
        r, c = (int(d) for d in m.shape)
        if r == c:  # det > 0 and not symmetric, so transposes are told apart
            R, K = rng.standard_normal((r, r)), rng.standard_normal((r, r))
            values[str(m.name)] = R @ R.T / r + np.eye(r) + 0.5 * (K - K.T)
        else:
            values[str(m.name)] = rng.standard_normal((r, c))
    return values


def _parallel(u: np.ndarray, v: np.ndarray) -> bool:
    u, v = u.ravel(), v.ravel()
    nu, nv = np.linalg.norm(u), np.linalg.norm(v)
    return bool(nu and nv and abs(abs(u @ v) - nu * nv) <= 1e-8 * nu * nv)


def _factors(body: sympy.Basic) -> list[sympy.Basic]:
    """The matrix factors of a product, nested products flattened."""
    if not isinstance(body, MatMul):
        return [body] if isinstance(body, MatrixExpr) else []
    return [f for a in body.args for f in _factors(a)]


def _products(e: sympy.Basic, dX: sympy.Basic) -> list[tuple]:
    """The matrix factors of each term holding dX, sums holding dX distributed."""
    if isinstance(e, (Trace, AsScalar)):
        return _products(e.args[0], dX)
    if isinstance(e, sympy.Add):
        return [p for a in e.args if a.has(dX) for p in _products(a, dX)]
    if isinstance(e, MatMul):
        mats = _factors(e)
        k = next((i for i, m in enumerate(mats) if m.has(dX)), None)
        if k is None:
            return []
        return [tuple(mats[:k]) + inner + tuple(mats[k + 1:]) for inner in _products(mats[k], dX)]
    if isinstance(e, sympy.Mul):
        return [p for a in e.args if a.has(dX) for p in _products(a, dX)]
    return [(e,)]


def _rotated(before: sympy.Basic, after: sympy.Basic, dX: sympy.Basic) -> bool | None:
    """Whether the factors under the one trace were rotated; None when undecidable here.

    When dX (or dXᵀ) is a factor of its own, by position: tr(L dX R) needs a rotation when R
    is not empty, tr(L dXᵀ R) when L is not empty (tr(dXᵀ R) = tr(Rᵀ dX) is T2 alone).
    Otherwise, at random data: the matrix under the trace is not the one before, nor its
    transpose, up to a scalar factor (not decidable for a 1×1 matrix).
    """
    units_b = _units(before, dX)
    ta = [u for u in _units(after, dX) if isinstance(u, Trace)]
    if len(ta) != 1 or len(units_b) != 1:  # a split or a merge: products kept as they are?
        pb, pa = _products(before, dX), _products(after, dX)
        if sorted(map(str, pb)) == sorted(map(str, pa)) or all(
                p[-1] == dX for p in pb + pa):
            return False
        return None
    u = units_b[0]
    body_b = u.arg if isinstance(u, Trace) else u.args[0] if isinstance(u, AsScalar) else u
    factors = _factors(body_b)
    if factors == _factors(ta[0].arg):  # the same product, only written as a trace
        return False
    if dX in factors:
        return factors.index(dX) < len(factors) - 1
    if dX.T in factors:
        return factors.index(dX.T) > 0
    if tuple(body_b.shape) == (1, 1):
        return None
    values = _values(sympy.Tuple(before, after), 5)
    with np.errstate(all="ignore"):
        B = np.atleast_2d(np.asarray(evaluate(body_b, values), dtype=float))
        A = np.atleast_2d(np.asarray(evaluate(ta[0].arg, values), dtype=float))
    if not (np.all(np.isfinite(A)) and np.all(np.isfinite(B))):
        return None
    same = (A.shape == B.shape and _parallel(A, B)) or (A.shape == B.T.shape and _parallel(A, B.T))
    return not same


def _expected_without_t4(before: sympy.Basic, after: sympy.Basic, dX: sympy.Basic) -> set[str]:
    used = set()
    if _one_by_one_outside(before, dX) and not _one_by_one_outside(after, dX):
        used.add("T1")
    if _holds(before, dX, Transpose) and not _holds(after, dX, Transpose):
        used.add("T2")
    if (_unit_count(before, dX) != _unit_count(after, dX)
            or _outside_factors(before, dX) != _outside_factors(after, dX)):
        used.add("T3")
    if _holds(before, dX, HadamardProduct) and not _holds(after, dX, HadamardProduct):
        used.add("T5")
    return used


def _expected(before: sympy.Basic, after: sympy.Basic, dX: sympy.Basic) -> set[str] | None:
    """The tricks the line applies, read from its two sides; None when T4 is undecidable
    (a Hadamard product moved by T5, or not one trace on each side)."""
    used = _expected_without_t4(before, after, dX)
    if "T5" in used:
        return None
    rotated = _rotated(before, after, dX)
    if rotated is None:
        return None
    return used | ({"T4"} if rotated else set())


def _trace_lines(d) -> list[tuple[sympy.Basic, sympy.Basic, set[str], str]]:
    """(before, after, cited T-rules, text) for every line that cites only T-rules."""
    out = []
    previous = None
    for line in d.lines:
        ids = {u.id for u in line.rule} if isinstance(line.rule, frozenset) else set()
        if ids and ids <= {"T1", "T2", "T3", "T4", "T5"}:
            if line.lhs is DF:  # df = tr((Σ A_k) dX): the traces of the terms merged
                before = d.trace_form
            elif isinstance(line.lhs, sympy.Basic):  # one term, written on the left
                before = line.lhs
            else:
                before = previous
            out.append((before, line.expr, ids, line.step().plain()[1]))
        if isinstance(line.expr, sympy.Basic):
            previous = line.expr
    return out


DERIVATIONS = _derivations()


@pytest.mark.parametrize("name,d", DERIVATIONS, ids=[n for n, _ in DERIVATIONS])
def test_each_trace_line_cites_exactly_the_tricks_it_applies(name, d):
    for before, after, cited, text in _trace_lines(d):
        expected = _expected(before, after, d.dX)
        if expected is None:  # T4 undecidable here: judge the other tricks
            assert cited - {"T4"} == _expected_without_t4(before, after, d.dX), (name, text)
        else:
            assert cited == expected, (name, text, sorted(cited), sorted(expected))


def test_most_trace_lines_are_judged_on_all_five_tricks():
    lines = [(b, a, d.dX) for _, d in DERIVATIONS for b, a, _, _ in _trace_lines(d)]
    decided = [x for x in lines if _expected(*x) is not None]
    assert len(lines) >= 60 and len(decided) >= 0.8 * len(lines)


def test_the_minus_sign_stays_inside_the_trace_without_T3():
    d = mdlib.derive("tr(A*inv(X))", "X", "X: 3x3, A: 3x3")
    line = next(s for s in d.steps if "T4" in s.rule)
    assert line.text == "tr(-X^-1 A X^-1 dX)" and line.rule == "T4: cyclic trace"


def test_a_transpose_alone_is_T2_alone():
    d = mdlib.derive("tr(X.T*A)", "X", "X: 3x3, A: 3x3")
    assert [s.rule for s in d.steps if s.rule.startswith("T")] == ["T2: trace of transpose"]


def test_oracle_catches_a_wrong_citation():
    """The reading of the two sides is not vacuous: it refuses T3 on a rotation alone."""
    X, A = sympy.MatrixSymbol("X", 3, 3), sympy.MatrixSymbol("A", 3, 3)
    dX = sympy.MatrixSymbol("dX", 3, 3)
    before, after = Trace(MatMul(-1, A, dX, X)), Trace(MatMul(-1, X, A, dX))
    assert _expected(before, after, dX) == {"T4"}
    assert _expected(MatMul(2, Trace(A * dX)), Trace(MatMul(2, A, dX)), dX) == {"T3"}
    assert _expected(Trace(dX.T * A), Trace(A.T * dX), dX) == {"T2"}


# -- composition (issue 15): C1 for substituting ∂f/∂Y, C2 only for Y = AXB -----------------------
def _chains():
    S = "Y: 3x3, X: 3x3, A: 3x3, B: 3x3, G: 3x3, W: 3x3, V: 3x3"
    return [  # (name, derivation, Y = AXB with constant A, B)
        ("Y = AXB", mdlib.chain("G", "Y", "A*X*B", "X", shapes=S), True),
        ("Y = AX, f given", mdlib.chain("2*Y", "Y", "A*X", "X", f="tr(Y.T*Y)", shapes=S), True),
        ("Y = σ(WV) by W", mdlib.chain("2*Y", "Y", "sigmoid(W*V)", "W", shapes=S), False),
        ("Y = X⁻¹", mdlib.chain("G", "Y", "inv(X)", "X", shapes=S), False),
        ("Y = XᵀX", mdlib.chain("G", "Y", "X.T*X", "X", shapes=S), False),
    ]


@pytest.mark.parametrize("name,d,sandwich", _chains(), ids=lambda v: v if isinstance(v, str) else "")
def test_chain_cites_C1_for_the_substitution_and_C2_only_for_AXB(name, d, sandwich):
    rules = [step.rule for step in d.steps]
    assert rules[-1] == "C1: composition"  # the given ∂f/∂Y substituted: always C1
    with_c2 = [r for r in rules if "C2" in r]
    if sandwich:  # read off as Aᵀ (∂f/∂Y) Bᵀ: the L line is C2's statement
        assert with_c2 == ["L: gradient link; C2: linear substitution"]
    else:
        assert not with_c2


# -- second order: the H2 rules cited on each read-off line are the ones used --------------------
def _second_order_cases():
    M = sympy.MatrixSymbol
    A, X, B, W = M("A", 2, 3), M("X", 3, 4), M("B", 4, 5), M("W", 2, 3)
    X3, Xr = M("X", 3, 3), M("X", 4, 3)
    return [
        ("AX", mdlib.jacobian(A * X, X)), ("AXB", mdlib.jacobian(A * X * B, X)),
        ("X⁻¹", mdlib.jacobian(X3.I, X3)), ("XᵀX", mdlib.jacobian(Xr.T * Xr, Xr)),
        ("Xᵀ", mdlib.jacobian(Xr.T, Xr)), ("σ(WX)", mdlib.jacobian(sigmoid(W * X), X)),
        ("A exp(XB)", mdlib.jacobian(A * (X * M("B", 4, 2)).applyfunc(sympy.exp), X)),
        ("∇² log|det X|", mdlib.hessian(sympy.log(sympy.Determinant(X3)), X3)),
        ("∇² tr(XᵀX)²", mdlib.hessian("tr(X.T*X)**2", "X", "X: 3x3")),
        ("∇² tr(X)tr(XᵀX)", mdlib.hessian("tr(X)*tr(X.T*X)", "X", "X: 3x3")),
        ("∇² tr(A σ(X))", mdlib.hessian("tr(A*sigmoid(X))", "X", "X: 3x3, A: 3x3")),
        ("∇² logdet(XᵀX)", mdlib.hessian("logdet(X.T*X)", "X", "X: 3x2")),
    ]


def _krons(e: sympy.Basic) -> set:
    return {tuple(n.args) for n in sympy.preorder_traversal(e)
            if isinstance(n, sympy.KroneckerProduct) and len(n.args) == 2}


@pytest.mark.parametrize("name,d", _second_order_cases(), ids=lambda v: v if isinstance(v, str) else "")
def test_each_read_off_line_cites_exactly_the_H2_rules_it_uses(name, d):
    from mdlib.engine import vectorize as v
    from mdlib.engine.nodes import CommutationMatrix

    J = d.vec_factor
    lines = v.read_off_lines(J)
    shown = [s.rule for s in d.steps]
    for _expr, rules in lines:  # the derivation prints these very lines and citations
        assert "; ".join(sorted(rules)) in shown
    before = J
    for k, (after, rules) in enumerate(lines):
        if k == 0:  # Jᵀ with the transpose pushed in: Kronecker and K transposes, nothing else
            expected = ({v.H2_TRANSPOSE} if J.has(sympy.KroneckerProduct) else set()) | (
                {v.H2_K_TRANSPOSE} if J.has(CommutationMatrix) else set())
            assert rules & {v.H2_TRANSPOSE, v.H2_K_TRANSPOSE} == expected, (name, rules)
            assert v.H2_SWAP not in rules
        else:  # a tidying pass: K_pm (A ⊗ B) K_nq = B ⊗ A only where factors were swapped
            swapped = any((q, p) in _krons(before) and (p, q) not in _krons(before)
                          for p, q in _krons(after))
            assert (v.H2_SWAP in rules) == swapped, (name, rules)
            assert v.H2_K_TRANSPOSE not in rules  # no transposing left to do
            assert v.H2_TRANSPOSE not in rules or v.H2_OUTER in rules  # vec(u vᵀ)ᵀ = vᵀ ⊗ uᵀ
        before = after


def test_the_read_off_citations_of_chapter_8_name_only_what_is_there():
    """The issue's cases: no K in AX or AXB (so no K_mnᵀ = K_nm), and XᵀX and log|det X| are
    read off by transposing alone (so no K_pm (A ⊗ B) K_nq = B ⊗ A)."""
    cases = dict(_second_order_cases())
    for name in ("AX", "AXB"):
        assert all("K_mnᵀ" not in s.rule for s in cases[name].steps)
    for name in ("XᵀX", "∇² log|det X|"):
        assert all("K_pm" not in s.rule for s in cases[name].steps)
        assert any("K_mnᵀ = K_nm" in s.rule for s in cases[name].steps)

"""Tests for mdlib.notebook_tools: every helper is checked against the numbers it stands for."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

import mdlib
from mdlib import check_gradient, remainder_study
from mdlib import notebook_tools as nt
from mdlib.rules import RULES, MatrixRule, _invertible


def _numeric(expr: sp.Basic, *pairs: tuple[sp.Matrix, np.ndarray]) -> np.ndarray:
    subs = {}
    for symbolic, values in pairs:
        subs.update({s: float(v) for s, v in zip(symbolic, np.ravel(values), strict=True)})
    return np.array(sp.Matrix(expr).subs(subs), dtype=float) if isinstance(expr, sp.MatrixBase) \
        else np.array(float(expr.subs(subs)))


# ----------------------------------------------------------------- sym_matrix, along, same

def test_sym_matrix_has_independent_named_entries():
    M = nt.sym_matrix("x", 2, 3)
    assert M.shape == (2, 3)
    assert len(M.free_symbols) == 6
    assert M[1, 2] == sp.Symbol("x_23")


@pytest.mark.parametrize("F, f", [
    (lambda X: X.inv(), np.linalg.inv),
    (lambda X: X.det(), np.linalg.det),
    (lambda X: X * X.T * X, lambda X: X @ X.T @ X),
])
def test_along_is_the_directional_derivative(F, f):
    # along() at numbers must match a central difference of the same function along E.
    X, E = nt.sym_matrix("x", 2, 2), nt.sym_matrix("e", 2, 2)
    rng = np.random.default_rng(0)
    X0, E0 = rng.standard_normal((2, 2)) + 2 * np.eye(2), rng.standard_normal((2, 2))
    exact = _numeric(nt.along(F, (X,), (E,)), (X, X0), (E, E0))
    h = 1e-6
    central = (f(X0 + h * E0) - f(X0 - h * E0)) / (2 * h)
    assert np.allclose(exact, central, atol=1e-6)


def test_along_two_inputs_gives_the_product_rule():
    X, Y = nt.sym_matrix("x", 2, 3), nt.sym_matrix("y", 3, 2)
    E, D = nt.sym_matrix("e", 2, 3), nt.sym_matrix("d", 3, 2)
    assert nt.same(nt.along(lambda X, Y: X * Y, (X, Y), (E, D)), E * Y + X * D)
    assert not nt.same(nt.along(lambda X, Y: X * Y, (X, Y), (E, D)), E * Y)


def test_along_wants_one_direction_per_input():
    X = nt.sym_matrix("x", 2, 2)
    with pytest.raises(mdlib.MdlibError, match="one direction per input"):
        nt.along(lambda X, Y: X + Y, (X, X), (X,))


def test_swapped_inverse_rule_agrees_only_where_E_commutes_with_X_inverse():
    # The claim of chapter 3: -X⁻¹X⁻¹E = -X⁻¹EX⁻¹ exactly when E commutes with X⁻¹.
    X = nt.sym_matrix("x", 2, 2)
    S = nt.sym_matrix("s", 2, 2)
    symmetric = (S + S.T) / 2
    inv = X.inv()
    for E, agrees in [(sp.eye(2), True), (X, True), (symmetric, False), (nt.sym_matrix("e", 2, 2), False)]:
        assert nt.same(-inv * inv * E, -inv * E * inv) is agrees


def test_same_scalars_and_matrices():
    x = sp.Symbol("x")
    assert nt.same(sp.cos(2 * x), sp.cos(x) ** 2 - sp.sin(x) ** 2)
    assert not nt.same(sp.cos(2 * x), 1)
    assert nt.same(sp.Matrix([[x, 0]]), sp.Matrix([[x, 0]]))


# ----------------------------------------------------------------- remainder tables

def test_order_rows_right_rule_second_order_wrong_rule_first_order():
    rows = {label: (order, ok) for label, _, order, ok in
            nt.order_rows(["M5", "M5 (order swapped)", "M3"])}
    assert rows["M3"] == ("exact (r = 0)", True)
    assert abs(float(rows["M5"][0]) - 2) < 0.25 and rows["M5"][1]
    assert abs(float(rows["M5 (order swapped)"][0]) - 1) < 0.2 and not rows["M5 (order swapped)"][1]


def test_order_rows_matches_a_remainder_study_done_by_hand():
    # The number in the table is the fitted order at the catalog's point and direction.
    from mdlib.rules import make_direction
    X = RULES["M5"].point()[0]
    E = make_direction("random", (X,))[0]
    inv = np.linalg.inv
    by_hand = remainder_study(inv, X, lambda X, dX: -inv(X) @ dX @ inv(X), direction=E)
    [(_, _, order, _)] = nt.order_rows(["M5"])
    assert order == f"{by_hand.order:.2f}"


def test_order_rows_refuses_a_mislabelled_catalog_entry(monkeypatch):
    # A "wrong" variant whose claim is in fact the true differential must not pass silently.
    fake = MatrixRule("M5", "M5 (fake)", "X^{-1}", "-X^{-1} dX X^{-1}", np.linalg.inv,
                      lambda p, d: -np.linalg.inv(p[0]) @ d[0] @ np.linalg.inv(p[0]),
                      _invertible, correct=False, mistake="none")
    monkeypatch.setitem(nt.CATALOG, "M5 (fake)", fake)
    with pytest.raises(mdlib.MdlibError, match="meant to be wrong"):
        nt.order_rows(["M5 (fake)"])


def test_order_rows_unknown_label():
    with pytest.raises(mdlib.MdlibError, match="no rule"):
        nt.order_rows(["M9"])


def test_order_markdown_keeps_bars_out_of_the_cells():
    table = nt.order_markdown(["M6", "M6 (no |X| factor)"])
    lines = table.splitlines()
    assert len(lines) == 4
    # Every row has exactly the five cell borders of a four-column table.
    assert all(line.count("|") == 5 for line in lines)


# ----------------------------------------------------------------- verdicts

def test_show_insists_on_the_expected_verdict():
    A = np.array([[1.0, 2.0], [3.0, 4.0]])
    right = check_gradient(lambda X: np.trace(A @ X), np.eye(2), A.T)
    wrong = check_gradient(lambda X: np.trace(A @ X), np.eye(2), A)
    nt.show("right", right)
    nt.show("wrong", wrong, expect=False)
    with pytest.raises(mdlib.MdlibError, match="expected to pass"):
        nt.show("wrong", wrong)
    with pytest.raises(mdlib.MdlibError, match="expected to fail"):
        nt.show("right", right, expect=False)


def test_engine_agrees_returns_the_engine_gradient_at_the_notebook_data():
    X, A = sp.MatrixSymbol("X", 3, 2), sp.MatrixSymbol("A", 3, 3)
    d = mdlib.derive(sp.Trace(X.T * A * X), X)
    rng = np.random.default_rng(1)
    X0, A0 = rng.standard_normal((3, 2)), rng.standard_normal((3, 3))
    G = nt.engine_agrees(d, lambda X: np.trace(X.T @ A0 @ X), X0, name="quad", X=X0, A=A0)
    assert np.allclose(G, (A0 + A0.T) @ X0)


def test_engine_agrees_refuses_when_the_data_disagree():
    # The notebook's f is not the function the engine derived: the check must say so.
    X, A = sp.MatrixSymbol("X", 3, 2), sp.MatrixSymbol("A", 3, 3)
    d = mdlib.derive(sp.Trace(X.T * A * X), X)
    rng = np.random.default_rng(2)
    X0, A0 = rng.standard_normal((3, 2)), rng.standard_normal((3, 3))
    with pytest.raises(mdlib.MdlibError, match="not confirmed"):
        nt.engine_agrees(d, lambda X: np.trace(X.T @ A0.T @ A0 @ X), X0, X=X0, A=A0)


# ----------------------------------------------------------------- the one-page summary

def test_rules_summary_has_every_id_with_a_wrong_version():
    lines = nt.rules_summary().splitlines()[2:]
    assert [line.split("|")[1].strip() for line in lines] == list(nt.SUMMARY_IDS)
    for line in lines:
        cells = [cell.strip() for cell in line.split("|")[1:-1]]
        assert len(cells) == 5 and all(cells), line


def test_rules_summary_takes_wrong_variants_from_the_catalogs():
    table = nt.rules_summary()
    first_wrong_m5 = next(r for r in RULES.values() if r.id == "M5" and not r.correct)
    assert first_wrong_m5.mistake in table
    assert r"\mathrm{tr}(ABC) = \mathrm{tr}(BAC)" in table


def test_rules_summary_unknown_id():
    with pytest.raises(mdlib.MdlibError, match="no rule or trick"):
        nt.rules_summary(["T9"])


def test_the_slips_that_are_not_in_the_catalogs_are_really_wrong():
    rng = np.random.default_rng(3)
    M, X, A, dX = (rng.standard_normal((3, 3)) for _ in range(4))
    # L: df = tr(M dX) means the gradient is M^T, not M.
    assert check_gradient(lambda X: np.trace(M @ X), X, M.T)
    assert not check_gradient(lambda X: np.trace(M @ X), X, M)
    # T1: tr(x x^T) is the scalar x^T x; x x^T itself is a 3×3 matrix.
    x = rng.standard_normal(3)
    assert np.isclose(np.trace(np.outer(x, x)), x @ x) and np.outer(x, x).shape == (3, 3)
    # T2: transposing one factor under the trace changes the value.
    assert not np.isclose(np.trace(dX.T @ A @ X), np.trace(dX @ A @ X))
    # P: d(X²) = 2X dX leaves a first-order remainder; dX X + X dX does not.
    wrong = remainder_study(lambda X: X @ X, X, lambda X, dX: 2 * X @ dX)
    right = remainder_study(lambda X: X @ X, X, lambda X, dX: dX @ X + X @ dX)
    assert abs(wrong.order - 1) < 0.2 and right.is_second_order()


@pytest.mark.parametrize("rule_id", ["T3", "T4", "T5"])
def test_false_identities_shown_for_the_tricks_are_false(rule_id):
    from mdlib.tricks import WRONG
    [(statement, _)] = [(s, w) for s, w in nt.tempting_slips(rule_id)]
    plain = next(k for k in WRONG if nt._latex_of(k) == statement)
    rng = np.random.default_rng(4)
    inputs = [rng.standard_normal((3, 3)) for _ in range(WRONG[plain].__code__.co_argcount)]
    assert not WRONG[plain](*inputs).holds

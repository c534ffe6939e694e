"""One generic test over the table of operations (``mdlib.engine.ops.OPS``).

For every operation with a rule: its example expression keeps the operation on top in the
canonical form, the engine's differential of it matches central differences along random
directions, every declared wrong differential is rejected, and it prints in both notations.
The second-order nodes (vec, K, diag(vec ·), ⊗; H1, H2), which the engine never differentiates,
are checked against their numpy definitions, printed, and refused by name in a reader's f.
For every operation with a vec form (H1): the vec lines of its example differential give the
finite-difference Jacobian of vec L; every row without one is listed with the reason.
The numeric rule rows of ``mdlib.rules`` are checked against the same table.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy
from sympy.matrices.expressions.kronecker import KroneckerProduct

import mdlib
from mdlib.engine.differential import differential_lines
from mdlib.engine.grammar import canonical
from mdlib.engine.nodes import (
    CommutationMatrix,
    DiagVec,
    DiffMatrix,
    DiffScalar,
    LogDet,
    placeholder,
)
from mdlib.engine.numeric import evaluate
from mdlib.engine.ops import OPS, SCALAR_FUNCTIONS, data_needs, op_for
from mdlib.engine.printing import to_latex, to_text
from mdlib.engine.vectorize import Vec, VecContext, jacobian_factor, vec_lines
from mdlib.errors import MdlibError
from mdlib.gradcheck import numerical_jacobian
from mdlib.rules import CORRECT, WRONG, get_rule, well_conditioned
from mdlib.vec import commutation_matrix, unvec, vec

X, A = sympy.MatrixSymbol("X", 3, 3), sympy.MatrixSymbol("A", 3, 3)
dX = placeholder("dX", 3, 3)
ROWS = [row for row in OPS.values() if row.rule is not None or row.example is not None]
ROWS = [row for row in ROWS if row.example is not None and row.differential is not None]
#: Rows with a rule but no differential, and why the engine never differentiates them.
_SECOND_ORDER = "a node of the vec lines and Kronecker forms (second order), never inside an f"
NO_DIFFERENTIAL = {Vec: _SECOND_ORDER, CommutationMatrix: _SECOND_ORDER, DiagVec: _SECOND_ORDER,
                   KroneckerProduct: _SECOND_ORDER}
IDS = [row.node.__name__ if row.node.__name__ != "log" or row.rule.id != "M6" else "LogDet"
       for row in ROWS]
H = 1e-5


def _point(row, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    if row.data == "spd":  # positive definite symmetric part: det > 0, yet X ≠ X^T
        R, K = rng.standard_normal((3, 3)), rng.standard_normal((3, 3))
        X0 = R @ R.T / 3 + np.eye(3) + 0.5 * (K - K.T)
    elif row.data == "invertible":
        X0 = well_conditioned(rng, 3)
    else:
        X0 = rng.standard_normal((3, 3))
    return {"X": X0, "A": rng.standard_normal((3, 3))}


def _df(D: sympy.Basic, values: dict, V: np.ndarray) -> np.ndarray:
    return np.asarray(evaluate(D, {**values, str(dX.name): V}), dtype=float)


def _central(F: sympy.Basic, values: dict, V: np.ndarray) -> np.ndarray:
    up = evaluate(F, {**values, "X": values["X"] + H * V})
    down = evaluate(F, {**values, "X": values["X"] - H * V})
    return (np.asarray(up, dtype=float) - np.asarray(down, dtype=float)) / (2 * H)


def test_every_operation_with_a_rule_has_an_example():
    missing = [row.node.__name__ for row in OPS.values() if row.rule is not None and row.example is None]
    assert not missing


def test_every_rule_row_without_a_differential_is_listed_with_its_reason():
    assert {row.node for row in OPS.values()
            if row.rule is not None and row.differential is None} == set(NO_DIFFERENTIAL)


# --------------------------------------------------------------- second-order rows (H1, H2)

_B = sympy.MatrixSymbol("B", 2, 3)
#: Each second-order row: an expression, its numpy definition, its text and its LaTeX.
_SECOND_ORDER_CASES = {
    Vec: (lambda: Vec(A * X), lambda v: (v["A"] @ v["X"]).T.reshape(-1, 1),
          "vec(A X)", r"\mathrm{vec}\left(A X\right)"),
    CommutationMatrix: (lambda: CommutationMatrix(2, 3), lambda v: commutation_matrix(2, 3),
                        "K_2,3", "K_{2,3}"),
    DiagVec: (lambda: DiagVec(_B), lambda v: np.diag(v["B"].T.ravel()),
              "diag(vec(B))", r"\mathrm{diag}\left(\mathrm{vec}\left(B\right)\right)"),
    KroneckerProduct: (lambda: KroneckerProduct(X + A, _B.T),
                       lambda v: np.kron(v["X"] + v["A"], v["B"].T),
                       "(A + X) ⊗ B^T", r"\left(A + X\right) \otimes B^{T}"),
}


@pytest.mark.parametrize("node", list(NO_DIFFERENTIAL), ids=lambda n: n.__name__)
def test_second_order_row_evaluates_to_its_numpy_definition(node):
    make, definition, _, _ = _SECOND_ORDER_CASES[node]
    e = make()
    assert op_for(e) is OPS[node]
    rng = np.random.default_rng(21)
    values = {"X": rng.standard_normal((3, 3)), "A": rng.standard_normal((3, 3)),
              "B": rng.standard_normal((2, 3))}
    got = np.asarray(evaluate(e, values), dtype=float)
    assert got.shape == tuple(int(d) for d in e.shape)
    assert np.allclose(got, definition(values), rtol=1e-12, atol=1e-12)
    # vec stacks columns: vec(M)[i + r j] = M[i, j], checked entry by entry on one matrix
    M = values["A"] @ values["X"]
    assert all(np.asarray(evaluate(Vec(A * X), values))[i + 3 * j, 0] == pytest.approx(M[i, j])
               for i in range(3) for j in range(3))


@pytest.mark.parametrize("node", list(NO_DIFFERENTIAL), ids=lambda n: n.__name__)
def test_second_order_row_prints_in_the_course_notation(node):
    make, _, text, latex = _SECOND_ORDER_CASES[node]
    assert (to_text(make()), to_latex(make())) == (text, latex)


def test_commutation_matrix_transposes_vec_numerically():
    M = np.arange(6.0).reshape(2, 3)
    K = np.asarray(evaluate(CommutationMatrix(2, 3), {}), dtype=float)
    assert np.array_equal(K @ vec(M), vec(M.T)) and not np.array_equal(K, np.eye(6))


def test_a_second_order_node_in_f_is_refused_by_its_course_name():
    with pytest.raises(MdlibError) as err:
        mdlib.derive(sympy.Trace(KroneckerProduct(X, A)), X)
    message = str(err.value)
    assert message.startswith("unsupported operation: X ⊗ A in tr(X ⊗ A)")
    assert "Kronecker" not in message and "sympy" not in message
    with pytest.raises(MdlibError, match=r"unsupported operation: vec\(X\) in "):
        mdlib.derive(sympy.Trace(Vec(X).T * Vec(X)), X)


@pytest.mark.parametrize("row", ROWS, ids=IDS)
def test_differential_matches_central_differences(row):
    F = canonical(row.example(X, A), X)
    assert op_for(F) is row, "the example must keep its operation on top"
    (D, rules), *_ = reversed(differential_lines(F, X, dX))
    assert not D.has(sympy.Function("DiffMatrix")) and D.has(dX)
    for seed in range(3):
        values = _point(row, seed)
        V = np.random.default_rng(100 + seed).standard_normal((3, 3))
        reference = _central(F, values, V)
        scale = max(np.linalg.norm(reference), 1.0)
        assert np.linalg.norm(_df(D, values, V) - reference) <= 1e-6 * scale, (row.node, seed)


@pytest.mark.parametrize("row", [r for r in ROWS if r.wrong], ids=[i for r, i in zip(ROWS, IDS, strict=True) if r.wrong])
def test_every_wrong_differential_is_rejected(row):
    F = canonical(row.example(X, A), X)
    for name, wrong in row.wrong:
        D = differential_lines(F, X, dX, override={row.node: wrong})[-1][0]
        values = _point(row, 0)
        V = np.random.default_rng(7).standard_normal((3, 3))
        reference = _central(F, values, V)
        gap = np.linalg.norm(_df(D, values, V) - reference)
        assert gap > 1e-3 * max(np.linalg.norm(reference), 1.0), (row.node, name)


@pytest.mark.parametrize("row", ROWS, ids=IDS)
def test_operation_prints_in_both_notations(row):
    F = canonical(row.example(X, A), X)
    text, latex = to_text(F), to_latex(F)
    assert text and latex and "Lambda" not in text and "MatMul" not in text
    assert to_text(row.example(X, A)) == text or row.node.__name__ in ("log", "MatPow")


def test_data_needs_come_from_the_table():
    spd, regular = data_needs(sympy.log(sympy.Determinant(X.T * A * X)) + sympy.Trace(A.I))
    assert spd == {"X", "A"} and regular == {"X", "A"}
    assert data_needs(sympy.Trace(A * X)) == (set(), set())


# --------------------------------------------------------------- rules.py against the table

Y = sympy.MatrixSymbol("Y", 3, 3)
_ENGINE_FORM = {  # each numeric rule row as the engine writes its function
    "M1": X + Y, "M1 (minus)": X - Y, "M1 (dY forgotten)": X + Y,
    "M1 (minus: sign lost)": X - Y, "M2": X * Y, "M2 ((dX)Y only)": X * Y,
    "M2 (X dY only)": X * Y, "M2 (dX dY)": X * Y, "M3": X.T, "M3 (no transpose)": X.T,
    "M4": sympy.Trace(X), "M4 (sum of all entries)": sympy.Trace(X), "M5": X.I,
    "M5 (wrong sign)": X.I, "M5 (order swapped)": X.I, "M6": sympy.Determinant(X),
    "M6 (adjugate form)": sympy.Determinant(X), "M6 (no |X| factor)": sympy.Determinant(X),
    "M6 (adj transposed)": sympy.Determinant(X),
    "M7": sympy.HadamardProduct(X, Y), "M7 (dX ⊙ dY)": sympy.HadamardProduct(X, Y),
    "M7 (dX ⊙ Y only)": sympy.HadamardProduct(X, Y), "M8": X.applyfunc(sympy.sin),
    "M8 (exp)": X.applyfunc(sympy.exp), "M8 (matrix product)": X.applyfunc(sympy.sin),
    "M8 (wrong sign)": X.applyfunc(sympy.sin),
}


def _engine_differential(expr: sympy.Basic, point: tuple, dpoint: tuple) -> np.ndarray:
    """The table's differential in every input: d wrt X plus d wrt Y (it is linear)."""
    names = ["X", "Y"][: len(point)]
    values = {n: np.asarray(p, dtype=float) for n, p in zip(names, point, strict=True)}
    total = 0.0
    for name, dp in zip(names, dpoint, strict=True):
        var = X if name == "X" else Y
        dvar = placeholder(f"d{name}", 3, 3)
        D = differential_lines(canonical(expr, var), var, dvar)[-1][0]
        total = total + np.asarray(evaluate(D, {**values, str(dvar.name): dp}), dtype=float)
    return total


def test_every_numeric_rule_row_has_an_engine_form():
    assert set(_ENGINE_FORM) == set(CORRECT) | set(WRONG)


@pytest.mark.parametrize("label", CORRECT)
def test_numeric_rule_agrees_with_the_table(label):
    rule = get_rule(label)
    point = rule.point(seed=3)
    if any(np.shape(p) != (3, 3) for p in point):
        point = tuple(np.random.default_rng(3).standard_normal((3, 3)) for _ in point)
    dpoint = tuple(np.random.default_rng(4 + k).standard_normal((3, 3)) for k in range(len(point)))
    claimed = np.asarray(rule.differential(point, dpoint), dtype=float)
    assert np.allclose(claimed, _engine_differential(_ENGINE_FORM[label], point, dpoint),
                       rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("label", WRONG)
def test_wrong_numeric_rule_disagrees_with_the_table(label):
    rule = get_rule(label)
    point = tuple(well_conditioned(np.random.default_rng(5 + k), 3) for k in range(len(rule.point())))
    dpoint = tuple(np.random.default_rng(9 + k).standard_normal((3, 3)) for k in range(len(point)))
    claimed = np.asarray(rule.differential(point, dpoint), dtype=float)
    assert not np.allclose(claimed, _engine_differential(_ENGINE_FORM[label], point, dpoint),
                           rtol=1e-6, atol=1e-6)


# --------------------------------------------------------------- vec forms (H1)

VEC_ROWS = [row for row in OPS.values() if row.vec is not None]
_CONSTANT = "a constant: vec of a term without dX is never expanded, it stays inside J"
_NONLINEAR = ("not linear in its argument, so never above dX in a differential: M1–M8 leave dX "
              "only under sums, products, transposes, traces and Hadamard products")
#: Every row without a vec form, and why it needs none.
NO_VEC = {
    sympy.MatrixSymbol: "vec dX is where the lines stop; any other symbol is a constant",
    sympy.Identity: _CONSTANT, sympy.ZeroMatrix: _CONSTANT, sympy.OneMatrix: _CONSTANT,
    sympy.Symbol: _CONSTANT, sympy.Rational: _CONSTANT, sympy.Float: _CONSTANT,
    sympy.NumberSymbol: _CONSTANT, sympy.Number: _CONSTANT,
    sympy.MatPow: _NONLINEAR, sympy.Inverse: _NONLINEAR, sympy.Determinant: _NONLINEAR,
    sympy.HadamardPower: _NONLINEAR, sympy.Pow: _NONLINEAR,
    sympy.matrices.expressions.applyfunc.ElementwiseApplyFunction: _NONLINEAR,
    sympy.Function: _NONLINEAR,
    **{fn: _NONLINEAR for fn in SCALAR_FUNCTIONS},
    LogDet: _NONLINEAR,
    DiffMatrix: "an unexpanded d(F): vec is taken only after M1–M8 have expanded it",
    DiffScalar: "an unexpanded d(F): vec is taken only after M1–M8 have expanded it",
    **{node: _SECOND_ORDER for node in NO_DIFFERENTIAL},
}


def test_every_row_without_a_vec_form_is_listed_with_its_reason():
    assert {row.node for row in OPS.values() if row.vec is None} == set(NO_VEC)


@pytest.mark.parametrize("row", VEC_ROWS, ids=[r.node.__name__ for r in VEC_ROWS])
def test_vec_form_matches_a_finite_difference_jacobian(row):
    L = row.vec.example(dX, A)
    assert op_for(L) is row, "the vec example must keep its operation on top"
    first = row.vec.expand(L, VecContext(dX))
    assert first.has(Vec) and first != Vec(L)
    lines = vec_lines(L, dX)
    assert lines[0][1].startswith(row.vec.rule.label)  # the first line cites this row's rule
    J = jacobian_factor(lines[-1][0], dX)
    rng = np.random.default_rng(11)
    values = {"A": rng.standard_normal((3, 3))}
    fd = numerical_jacobian(
        lambda v: vec(np.atleast_2d(np.asarray(
            evaluate(L, {**values, str(dX.name): unvec(v, 3, 3)}), dtype=float))).ravel(),
        np.zeros(9))
    assert np.allclose(np.asarray(evaluate(J, values), dtype=float), fd, atol=1e-6), row.node

"""The rule catalog M1–M8: every rule is a true differential, every wrong variant is caught."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mdlib import MdlibError
from mdlib.curriculum import RULES as CURRICULUM
from mdlib.rules import (
    CORRECT,
    DIRECTION_KINDS,
    RULES,
    WRONG,
    adjugate,
    directions_for,
    get_rule,
    make_direction,
    order_table,
    singular_like,
    variants,
)

sizes = st.integers(min_value=2, max_value=5)
seeds = st.integers(min_value=0, max_value=10_000)


def test_catalog_covers_m1_to_m8_with_wrong_variants() -> None:
    for k in range(1, 9):
        rule_id = f"M{k}"
        assert rule_id in CURRICULUM
        entries = variants(rule_id)
        assert any(r.correct for r in entries), rule_id
        assert any(not r.correct and r.mistake for r in entries), rule_id


@pytest.mark.parametrize("label", CORRECT)
@settings(max_examples=15, deadline=None)
@given(seed=seeds, m=sizes, n=sizes)
def test_rule_is_second_order(label: str, seed: int, m: int, n: int) -> None:
    rule = RULES[label]
    study = rule.study(point=rule.point(seed, m, n), seed=seed)
    # At least second order (a cubic such as det of 3×3 can fit slightly above 2 at large h).
    assert study.is_second_order(), (label, study.summary())


@pytest.mark.parametrize("label", WRONG)
@settings(max_examples=15, deadline=None)
@given(seed=seeds, m=sizes, n=sizes)
def test_wrong_variant_is_first_order(label: str, seed: int, m: int, n: int) -> None:
    rule = RULES[label]
    study = rule.study(point=rule.point(seed, m, n), seed=seed)
    # A wrong differential leaves an O(h) remainder: the fit lands near 1 (the h² part can
    # lift it a little at the largest steps), and never near 2.
    assert 0.8 < study.order < 1.5, (label, study.summary())
    assert not study.is_second_order()


@pytest.mark.parametrize("kind", DIRECTION_KINDS)
def test_m5_holds_along_every_direction(kind: str) -> None:
    rule = RULES["M2"] if kind == "only X moves" else RULES["M5"]
    point = rule.point(3)
    if kind == "symmetric" and rule.id == "M2":
        pytest.skip("M2's point is rectangular")
    direction = make_direction(kind, point, seed=3)
    assert np.isclose(np.linalg.norm(np.concatenate([d.ravel() for d in direction])), 1.0)
    assert rule.study(point=point, direction=direction).is_second_order()


def test_only_x_moves_hides_a_missing_term() -> None:
    """Along dY = 0 the variant '(dX) Y only' is exact: one direction is not enough evidence."""
    rule = RULES["M2 ((dX)Y only)"]
    point = rule.point(0)
    assert rule.study(point=point, direction=make_direction("only X moves", point)).is_second_order()
    assert not rule.study(point=point, direction=make_direction("random", point)).is_second_order()


def test_direction_values() -> None:
    point = (np.zeros((2, 3)), np.zeros((2, 3)))
    e11 = make_direction("e_11", point)
    assert all(d[0, 0] > 0 and np.count_nonzero(d) == 1 for d in e11)
    only_x = make_direction("only X moves", point)
    assert np.any(only_x[0]) and not np.any(only_x[1])
    with pytest.raises(MdlibError, match="square"):
        make_direction("symmetric", point)
    with pytest.raises(MdlibError, match="unknown direction"):
        make_direction("sideways", point)
    assert "symmetric" not in directions_for(point)
    S = make_direction("symmetric", (np.zeros((3, 3)),))[0]
    np.testing.assert_allclose(S, S.T)


@pytest.mark.parametrize("label", [r.label for r in RULES.values() if r.needs_invertible])
def test_singular_x_gives_a_clear_error(label: str) -> None:
    rule = RULES[label]
    point = singular_like(rule.point(0))
    assert np.linalg.matrix_rank(point[0]) < point[0].shape[0]
    with pytest.raises(MdlibError, match="singular"):
        rule.study(point=point)


def test_adjugate_form_holds_at_a_singular_matrix() -> None:
    rule = RULES["M6 (adjugate form)"]
    assert rule.study(point=singular_like(rule.point(2))).is_second_order()


@settings(max_examples=25, deadline=None)
@given(seed=seeds, n=st.integers(min_value=1, max_value=5))
def test_adjugate_times_x_is_det_identity(seed: int, n: int) -> None:
    X = np.random.default_rng(seed).standard_normal((n, n))
    np.testing.assert_allclose(adjugate(X) @ X, np.linalg.det(X) * np.eye(n), atol=1e-9)


def test_well_conditioned_points_for_inverse_rules() -> None:
    for seed in range(20):
        assert np.linalg.cond(RULES["M5"].point(seed, 4)[0]) < 30


def test_unknown_rule_and_table() -> None:
    with pytest.raises(MdlibError, match="no rule"):
        get_rule("M9")
    table = order_table(["M5", "M5 (wrong sign)"])
    assert "✅" in table.splitlines()[2] and "❌" in table.splitlines()[3]

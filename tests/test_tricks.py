"""Trace identities T1–T5 and the link L on random compatible shapes; wrong ones differ."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mdlib import MdlibError
from mdlib.tricks import IDENTITIES, WRONG, link, random_check, t1, t2, t3, t4, t5

sizes = st.integers(min_value=1, max_value=6)
seeds = st.integers(min_value=0, max_value=10_000)


@pytest.mark.parametrize("identity", sorted(IDENTITIES))
@settings(max_examples=30, deadline=None)
@given(seed=seeds, m=sizes, n=sizes)
def test_identity_holds_on_random_shapes(identity: str, seed: int, m: int, n: int) -> None:
    sides = random_check(identity, seed=seed, m=m, n=n)
    assert sides.holds, str(sides)
    assert sides.id == identity


@settings(max_examples=30, deadline=None)
@given(seed=seeds, m=sizes, n=sizes)
def test_both_sides_equal_the_entrywise_sums(seed: int, m: int, n: int) -> None:
    rng = np.random.default_rng(seed)
    A, B = rng.standard_normal((m, n)), rng.standard_normal((n, m))
    entrywise = sum(A[i, j] * B[j, i] for i in range(m) for j in range(n))
    assert np.isclose(t4(A, B).lhs, entrywise) and np.isclose(t4(A, B).rhs, entrywise)
    C, D = rng.standard_normal((m, n)), rng.standard_normal((m, n))
    assert np.isclose(t5(A, C, D).lhs, np.sum(A * C * D)) and np.isclose(t5(A, C, D).rhs, np.sum(A * C * D))
    assert np.isclose(link(C, D).lhs, sum(C[i, j] * D[i, j] for i in range(m) for j in range(n)))


@pytest.mark.parametrize("name", sorted(WRONG))
@settings(max_examples=20, deadline=None)
@given(seed=seeds)
def test_wrong_identities_differ(name: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    mats = [rng.standard_normal((3, 3)) for _ in range(3)]
    fn = WRONG[name]
    args = mats[:2] if name == "tr(AB) = tr(A) tr(B)" else mats
    assert not fn(*args).holds


def test_incompatible_shapes_are_explained() -> None:
    rng = np.random.default_rng(0)
    A = rng.standard_normal((2, 3))
    with pytest.raises(MdlibError, match="A and B\\^T of the same size"):
        t4(A, A)
    with pytest.raises(MdlibError, match="same size"):
        t5(A, A, rng.standard_normal((3, 2)))
    with pytest.raises(MdlibError, match="square"):
        t2(A)
    with pytest.raises(MdlibError, match="square"):
        t3(A, A)
    with pytest.raises(MdlibError, match="same size"):
        link(A, A.T)
    with pytest.raises(MdlibError, match="scalar"):
        t1([1.0, 2.0])
    with pytest.raises(MdlibError, match="no identity"):
        random_check("T9")


def test_t3_minus_and_values() -> None:
    A, B = np.eye(2), np.ones((2, 2))
    assert t3(A, B, sign=-1).holds and t3(A, B, sign=-1).lhs == 0.0
    with pytest.raises(MdlibError, match="sign"):
        t3(A, B, sign=2)
    assert t1(3.0).lhs == t1(3.0).rhs == 3.0

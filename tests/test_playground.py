"""The playground shows a verified derivation for good input and one clear line for bad input."""

import numpy as np

from mdlib.widgets.playground import DerivationPlayground


def shown(pg: DerivationPlayground) -> list[dict]:
    return [output["data"] for output in pg.output.outputs]


def test_clicking_derive_shows_the_verified_derivation():
    pg = DerivationPlayground("tr(X.T*A*X)", "X: 3x2, A: 3x3", "X")
    pg.button.click()
    (data,) = shown(pg)
    assert "M2: product" in data["text/latex"] and "L: gradient link" in data["text/latex"]
    assert pg.result.verification.passed
    # The gradient it shows is (A + A^T) X: evaluate it and compare.
    rng = np.random.default_rng(1)
    A, X = rng.standard_normal((3, 3)), rng.standard_normal((3, 2))
    G = pg.result.gradient_function()(A=A, X=X)
    assert np.allclose(G, (A + A.T) @ X)


def test_a_second_run_replaces_the_output():
    pg = DerivationPlayground("logdet(X)", "X: 3x3", "X")
    pg.run()
    pg.expression.value = "tr(inv(X))"
    pg.run()
    assert len(pg.output.outputs) == 1
    assert "X^{-1}" in shown(pg)[0]["text/latex"] or "X^{-T}" in shown(pg)[0]["text/latex"]


def test_bad_input_gives_one_message_and_no_result():
    pg = DerivationPlayground("tr(X*B)", "X: 3x3", "X")
    pg.run()
    (data,) = shown(pg)
    assert pg.result is None
    assert "unknown name" in data["text/markdown"] and "B" in data["text/markdown"]
    pg.expression.value, pg.wrt.value = "tr(X)", "Y"
    pg.run()
    assert "differentiate by a declared matrix" in shown(pg)[0]["text/markdown"]

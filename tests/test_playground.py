"""The playground shows a verified derivation for good input and one clear sentence otherwise."""

import numpy as np
import pytest

from mdlib.parse import FUNCTIONS
from mdlib.widgets.playground import DerivationPlayground


def shown(pg: DerivationPlayground) -> list[dict]:
    return list(pg.output.outputs)


def sentence(pg: DerivationPlayground) -> str:
    (output,) = shown(pg)
    assert output["output_type"] == "stream" and output["name"] == "stdout"
    assert "Traceback" not in output["text"] and output["text"].strip()
    return output["text"]


def test_clicking_derive_shows_the_verified_derivation():
    pg = DerivationPlayground("tr(X.T*A*X)", "X: 3x2, A: 3x3", "X")
    pg.button.click()
    (output,) = shown(pg)
    data = output["data"]
    assert "M2: product" in data["text/latex"] and "L: gradient link" in data["text/latex"]
    assert "L: gradient link" in data["text/plain"]
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
    latex = shown(pg)[0]["data"]["text/latex"]
    assert "X^{-1}" in latex or "X^{-T}" in latex


def test_a_one_by_one_product_meets_a_number_and_the_identity_is_sized():
    pg = DerivationPlayground("tr(X) + a.T*X*b", "X: 3x3, a: 3, b: 3", "X")
    pg.run()
    assert pg.result.verification.passed
    rng = np.random.default_rng(2)
    a, b, X = rng.standard_normal((3, 1)), rng.standard_normal((3, 1)), rng.standard_normal((3, 3))
    assert np.allclose(pg.result.gradient_function()(a=a, b=b, X=X), np.eye(3) + a @ b.T)
    pg.expression.value = "tr(inv(4*I + inv(X)))"
    pg.run()
    assert pg.result.verification.passed


def test_bad_input_gives_one_sentence_and_no_result():
    pg = DerivationPlayground("tr(X*B)", "X: 3x3", "X")
    pg.run()
    assert pg.result is None
    text = sentence(pg)
    assert text.startswith("mdlib: unknown name B") and "Declared: X" in text
    pg.expression.value, pg.wrt.value = "tr(X)", "Y"
    pg.run()
    assert "differentiate by a declared matrix; 'Y' is not among X" in sentence(pg)
    pg.expression.value, pg.wrt.value = "tr(X)^2", "X"
    pg.run()
    assert "write ** for powers" in sentence(pg)
    pg.shapes.value = "X: 3x3, X: 2x2"
    pg.run()
    assert "declared twice" in sentence(pg)


@pytest.mark.parametrize("text", ["tr(X)/pi", "cos(3)*tr(X)", "tr(X)*(1 + 2**tr(X))**tr(X)"])
def test_an_engine_failure_is_a_sentence_too(text, monkeypatch):
    """Whatever the engine does with valid input, the reader sees a sentence, never nothing."""
    import mdlib.engine

    def broken(*args, **kwargs):
        raise RecursionError("deep inside")

    pg = DerivationPlayground(text, "X: 3x3", "X")
    pg.run()  # the real engine: a derivation or a sentence
    assert len(shown(pg)) == 1
    monkeypatch.setattr(mdlib.engine, "derive", broken)
    pg.run()
    text_shown = sentence(pg)
    assert "limitation of the engine" in text_shown and text in text_shown
    assert pg.result is None


def test_the_help_text_names_every_function_and_constant():
    html = DerivationPlayground().help.value
    assert html.startswith("<details><summary>")
    for name in [*FUNCTIONS, "pi", "Euler", "identity"]:
        assert name in html

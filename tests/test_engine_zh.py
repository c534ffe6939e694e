"""The derivation engine speaks Chinese (issue 17 item 3): the same derivations, the same formulas.

Under ``mdlib.set_language("zh")`` the narration of ``derive``, ``chain``, ``jacobian``,
``hessian`` and ``jacobian_chain`` (line labels, "given", the H-rule labels of the vec lines,
the layout sentences, the reasons for a zero answer, the second-order expansion), the
verification messages and the engine's errors come from the Chinese catalog, while every
formula, rule id and number stays exactly as in English: each test compares the formulas of a
Chinese derivation with those of the same derivation in English. In LaTeX, Chinese stands only
inside ``\\text{…}`` (MathJax typesets text there, not in math mode). Structured data
(``zero_cause``, ``rule_ids``) is the same in both languages. Each test restores English (the
fixture), and English is shown unchanged after Chinese.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
import sympy

import mdlib
from mdlib import MdlibError
from mdlib.engine import check_symbolic_gradient
from mdlib.engine import derive as engine_derive
from mdlib.engine.grammar import canonical
from mdlib.engine.verify import verify

CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
S3 = "X: 3x3, A: 3x3"
#: English words of the engine's narration that must not be left in a Chinese output.
ENGLISH_WORDS = ("given", "verified", "layout", "random data", "seed", "relative error",
                 "does not occur", "cancel", "expansion", "symmetric", "remainder", "substitute",
                 "product", "trace", "transpose")


def _in(language: str, make):
    """``make()`` said in ``language`` (the language before it again afterwards)."""
    before = mdlib.get_language()
    mdlib.set_language(language)
    try:
        return make()
    finally:
        mdlib.set_language(before)


def _formulas(result) -> list[tuple[str, str]]:
    """The left and right sides of every line: what must not change with the language."""
    return [step.plain()[:2] for step in result.steps]


def _outside_text(latex: str) -> str:
    r"""The LaTeX with every ``\text{…}`` (braces balanced) taken out."""
    out, k = [], 0
    while True:
        start = latex.find(r"\text{", k)
        if start < 0:
            return "".join(out) + latex[k:]
        out.append(latex[k:start])
        depth, j = 1, start + len(r"\text{")
        while depth:
            depth += {"{": 1, "}": -1}.get(latex[j], 0) if latex[j - 1] != "\\" else 0
            j += 1
        k = j


def _assert_chinese(text: str) -> None:
    assert CJK.search(text), text
    left = [w for w in ENGLISH_WORDS if re.search(rf"\b{w}\b", text)]
    assert not left, f"English left in {text!r}: {left}"


def _assert_latex_typesets(latex: str) -> None:
    assert CJK.search(latex), latex
    assert not CJK.search(_outside_text(latex)), _outside_text(latex)


# ------------------------------------------------------------------ first order

@pytest.mark.usefixtures("zh")
def test_a_derivation_is_narrated_in_chinese_with_the_same_formulas():
    d = mdlib.derive("tr(X.T*A*X)", "X", S3)
    text = str(d)
    assert text.splitlines()[0].endswith("[已知]")
    assert "[M2：乘积]" in text and "[T3：迹是线性的]" in text
    assert text.splitlines()[-1].startswith("已验证：梯度与中心差分的相对误差为 ")
    assert "df 的余项的阶为 2.00（随机数据，种子 0，形状 A: 3×3, X: 3×3）" in text
    english = _in("en", lambda: mdlib.derive("tr(X.T*A*X)", "X", S3))
    assert _formulas(d) == _formulas(english)
    assert str(d.gradient) == str(english.gradient) == "A*X + A.T*X"
    assert d.rule_ids == english.rule_ids
    _assert_chinese(text)
    latex = d._repr_latex_()
    assert r"\text{已知}" in latex and r"\text{已数值验证：与中心差分的相对误差为 " in latex
    _assert_latex_typesets(latex)


def test_a_derivation_speaks_the_language_of_the_moment():
    """Its lines are said when shown (the rules' labels follow the language); English after
    Chinese is exactly what it was."""
    d = engine_derive(sympy.Trace(sympy.MatrixSymbol("A", 2, 2) * sympy.MatrixSymbol("X", 2, 2)),
                      sympy.MatrixSymbol("X", 2, 2))
    before = [step.justification for step in d.steps]
    chinese = _in("zh", lambda: [step.justification for step in d.steps])
    assert before[0] == "given" and chinese[0] == "已知" and "M4：迹" in chinese
    assert [step.justification for step in d.steps] == before


def test_the_loss_as_first_written_and_an_unchecked_reason():
    X, y = sympy.MatrixSymbol("X", 3, 3), sympy.MatrixSymbol("y", 3, 1)
    given = (r"\|X y\|^2", "‖X y‖²", "a norm squared is a quadratic form")
    d = engine_derive((X * y).T * (X * y), X, given=given)
    english = [step.justification for step in d.steps[:2]]
    assert english == ["given", "a norm squared is a quadratic form (not checked numerically)"]
    said = _in("zh", lambda: [step.justification for step in d.steps[:2]])
    # the reader's own words pass through; what the engine adds is said in Chinese
    assert said == ["已知", "a norm squared is a quadratic form（未经数值检验）"]


@pytest.mark.usefixtures("zh")
def test_a_constant_and_cancelling_terms_give_zero_with_the_reason_in_chinese():
    absent = mdlib.derive("tr(A)", "X", S3)
    assert absent.exact_reason == "精确，无需数值检验：f 中不含 X，所以 df = 0，∂f/∂X = 0"
    assert "f 中不含 X" in str(absent) and absent.verification is None
    cancel = mdlib.derive("cos(tr(X))**2 + sin(tr(X))**2", "X", "X: 3x3")
    assert "；各项相互抵消，所以 f 不随 X 变化]" in str(cancel)
    assert "已验证：梯度为 0，且 f 沿 3 个随机方向都不变化" in str(cancel)
    shown = mdlib.derive("sum(X)*(tr(A) - tr(A.T))", "X", S3)
    assert "tr(A) - tr(A^T) = 0：其中各项相互抵消，所以 f 不随 X 变化" in str(shown)
    # the cause of the zero is data, the same in every language
    english = _in("en", lambda: [mdlib.derive(f, "X", s).zero_cause for f, s in [
        ("tr(A)", S3), ("cos(tr(X))**2 + sin(tr(X))**2", "X: 3x3"),
        ("sum(X)*(tr(A) - tr(A.T))", S3), ("tr(X*A) - tr(A*X)", S3), ("tr(X.T*A*X)", S3)]])
    assert [absent.zero_cause, cancel.zero_cause, shown.zero_cause] == english[:3]
    assert english == ["absent", "cancel", "cancelled", "cancel", ""]
    _assert_latex_typesets(absent._repr_latex_())


@pytest.mark.usefixtures("zh")
def test_the_chain_rule_is_narrated_in_chinese():
    c = mdlib.chain("2*Y", "Y", "A*X", "X", f="tr(Y.T*Y)", shapes="Y: 2x2, A: 2x2, X: 2x2")
    rules = [step.justification for step in c.steps]
    assert rules[:2] == ["已知", "已知"] and "C1：复合" in rules
    english = _in("en", lambda: mdlib.chain("2*Y", "Y", "A*X", "X", f="tr(Y.T*Y)",
                                            shapes="Y: 2x2, A: 2x2, X: 2x2"))
    assert _formulas(c) == _formulas(english)
    assert c.verification.message.startswith("已验证：")


# ------------------------------------------------------------------ second order

@pytest.mark.usefixtures("zh")
def test_a_jacobian_is_narrated_in_chinese_with_the_same_formulas():
    J = mdlib.jacobian("A*X", "X", shapes="X: 3x4, A: 2x3")
    text = str(J)
    assert "[H1：vec(A dX B) = (Bᵀ ⊗ A) vec dX]" in text
    assert "[H3：vec dF = (∂F/∂X)ᵀ vec dX]" in text and "[H2：(A ⊗ B)ᵀ = Aᵀ ⊗ Bᵀ]" in text
    assert ("布局：∂F/∂X 是 12×8 (mn×pq) 矩阵，vec(dF) = (∂F/∂X)ᵀ vec(dX)：它是第 2 章的雅可比"
            "矩阵 ∂vec F/∂(vec X)ᵀ 的转置") in text
    assert J.verification.message.startswith("已验证：沿 3 个随机方向 V 比较 J vec(V) 与 vec F "
                                             "的中心差分，相对误差为 ")
    english = _in("en", lambda: mdlib.jacobian("A*X", "X", shapes="X: 3x4, A: 2x3"))
    assert _formulas(J) == _formulas(english) and J.text == english.text == "I_4 ⊗ A^T"
    _assert_chinese(text)
    latex = J._repr_latex_()
    assert r"\text{布局：}\frac{\partial F}{\partial X}\text{ 是 }12\times8" in latex
    _assert_latex_typesets(latex)


@pytest.mark.usefixtures("zh")
def test_a_hessian_is_narrated_in_chinese_with_the_expansion():
    H = mdlib.hessian("tr(X.T*A*X)", "X", shapes="X: 2x2, A: 2x2", gradient="(A + A.T)*X")
    text = str(H)
    assert "[同一个梯度，已化简（经数值检验相等）]" in text
    assert "[H5：二阶展开式]" in text
    assert "布局：∇²f = ∂(∇f)/∂X 是 4×4 (mn×mn) 矩阵" in text
    message = H.verification.message
    assert message.startswith("已验证：沿 3 个随机方向 V 比较 ∇²f vec(V) 与 ∇f 的中心差分")
    assert "；在舍入误差以内对称；二阶展开式" in message
    english = _in("en", lambda: mdlib.hessian("tr(X.T*A*X)", "X", shapes="X: 2x2, A: 2x2",
                                              gradient="(A + A.T)*X"))
    assert _formulas(H) == _formulas(english) and H.text == english.text
    _assert_chinese(text)
    _assert_latex_typesets(H._repr_latex_())


@pytest.mark.usefixtures("zh")
def test_tidying_passes_and_zero_answers_of_second_order_in_chinese():
    H = mdlib.hessian("tr(X)**2", "X", shapes="X: 2x2")
    assert H.text == "2 vec(I_2) vec(I_2)^T"
    constant = mdlib.jacobian("A*A", "X", S3)
    assert "F 中不含 X，所以 dF = 0" in str(constant)
    flat = mdlib.hessian("tr(A*X)", "X", S3)
    assert "∇f 不依赖于 X" in str(flat)
    unchecked = mdlib.jacobian("X.T", "X", shapes="X: 2x3", verify=False)
    assert str(unchecked).endswith("未验证（verify=False）：请先调用 .check() 再信任它")
    _assert_latex_typesets(unchecked._repr_latex_())
    chained = mdlib.jacobian_chain("exp(Y)", "Y", "A*X", "X", "Y: 2x2, A: 2x2, X: 2x2")
    rules = [step.justification for step in chained.steps]
    assert "代入 Y = A X" in rules and "H4：∂Z/∂X = (∂Y/∂X)(∂Z/∂Y)" in rules


# ------------------------------------------------------------------ messages and errors

@pytest.mark.usefixtures("zh")
def test_the_verdicts_of_a_wrong_claim_are_chinese():
    X, A = sympy.MatrixSymbol("X", 2, 2), sympy.MatrixSymbol("A", 2, 2)
    dX = sympy.MatrixSymbol("dX", 2, 2)
    wrong = verify(sympy.Trace(A * X), X, dX, sympy.Trace(A * dX), A)  # missing transpose
    assert not wrong and wrong.message.startswith("未通过验证：梯度与中心差分的相对误差为 ")
    assert wrong._repr_markdown_().startswith("❌ 未通过验证：")
    unknown = X.T.inv() * sympy.MatrixSymbol("Z", 2, 2)  # Z has no value at the data
    claimed = check_symbolic_gradient(sympy.log(sympy.Determinant(X)), X, unknown)
    assert not claimed and claimed.message == "所给的梯度无法求值：没有给出 Z 的数值"


@pytest.mark.parametrize(("call", "chinese", "formula"), [
    (lambda: mdlib.derive("tr(X)", "Y", "X: 3x3"), "X = 'Y' 没有在 shapes 'X: 3x3' 中声明",
     "'X: 3x3'"),
    (lambda: mdlib.derive("X", "X", "X: 3x3"),
     "f 必须是标量值函数，但 X 是 3×3 矩阵；请取它的迹、行列式或二次型", "3×3"),
    (lambda: canonical(sympy.MatrixSymbol("X", 3, 3).applyfunc(sympy.Abs),
                       sympy.MatrixSymbol("X", 3, 3)),
     "不支持的运算：Abs(X) 中的 Abs(X)；推导引擎能处理的有：和与差，乘积，", "Abs(X)"),
    (lambda: mdlib.derive(sympy.Trace(sympy.Inverse(sympy.MatrixSymbol("X", 3, 3)
                                                      - sympy.MatrixSymbol("X", 3, 3).T)),
                          sympy.MatrixSymbol("X", 3, 3)),
     "推导引擎无法在数值上验证结果：", "X - X^T"),
    (lambda: mdlib.hessian("X", "X", "X: 2x2"),
     "求海森矩阵时 f 必须是标量值函数；矩阵值的 F 请用 jacobian", "jacobian"),
    (lambda: mdlib.chain("2*Y", "Y", "A", "X", shapes="Y: 2x2, A: 2x2, X: 2x2"),
     "Y = A 中不含 X", "Y = A"),
    (lambda: mdlib.derive("tr(X)", "X", 3), "shapes 必须是像 \"X: 3x3, a: 3\" 这样的文本", "{'n': 3}"),
    (lambda: mdlib.engine.derive("tr(X)", sympy.MatrixSymbol("X", 2, 2)),
     "f 是文本：mdlib.derive、mdlib.chain", "mdlib.jacobian_chain"),
])
@pytest.mark.usefixtures("zh")
def test_engine_errors_are_chinese_and_quote_the_same_formulas(call, chinese, formula):
    with pytest.raises(MdlibError) as caught:
        call()
    message = str(caught.value)
    assert chinese in message and formula in message, message
    mdlib.set_language("en")
    with pytest.raises(MdlibError) as again:
        call()
    assert formula in str(again.value) and not CJK.search(str(again.value))


@pytest.mark.usefixtures("zh")
def test_the_list_of_supported_operations_is_chinese():
    from mdlib.engine.ops import supported_operations

    said = supported_operations()
    assert said.startswith("和与差，乘积，矩阵的整数次幂，转置，迹，逆矩阵，行列式")
    assert "以及函数 exp，log，sin" in said and said.endswith("（作用于数，或逐元素作用）")


@pytest.mark.usefixtures("zh")
def test_numeric_evaluation_explains_a_singular_matrix_in_chinese():
    from mdlib.engine.numeric import evaluate

    X, K = sympy.MatrixSymbol("X", 3, 2), sympy.MatrixSymbol("K", 2, 3)
    with pytest.raises(MdlibError) as caught:
        evaluate(sympy.Trace(sympy.Inverse(X * K)), {"X": np.eye(3, 2), "K": np.eye(2, 3)})
    assert str(caught.value) == (
        "无法在这些值处计算 tr((X K)^-1)：X K 奇异，所以 (X K)^-1 不存在（它是 3×3 矩阵，却是经过"
        "内部尺寸 2 的乘积，所以秩至多为 2：它对任何取值都奇异）")

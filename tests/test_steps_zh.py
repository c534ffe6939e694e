"""The step checker speaks Chinese (issue 17 item 3): the same diagnoses, the same formulas quoted.

Under ``mdlib.set_language("zh")`` every sentence of the checker comes from the Chinese catalog,
while the formulas, the lines as typed and the rule ids stay exactly as in English. The five
cases of issue 15, a line that is identically 0, a line whose sizes do not match and typing
slips are asserted word for word; every message template of ``test_steps_messages.py`` is
checked to quote the formulas of its English message and to leave none of the checker's
English words behind. The widget's header, placeholder, table and verdict are Chinese too.
Each test restores English (the fixture), and English is shown unchanged after Chinese.
"""

from __future__ import annotations

import re

import pytest
from test_steps_messages import DF_TEMPLATES, VEC_TEMPLATES

import mdlib
from mdlib import check_steps, check_vec_steps
from mdlib.rules import RULES
from mdlib.widgets import StepChecker

S3 = "X: 3x3, A: 3x3"
CJK = re.compile(r"[\u4e00-\u9fff]")


# ------------------------------------------------------------------ the five cases of issue 15

def test_the_assumed_symmetry_is_named_in_chinese(zh):
    first = "tr(dX.T*A*X) + tr(X.T*A*dX)"
    for merged in ("2*tr(X.T*A*dX)", "2*tr(X.T*A.T*dX)"):
        message = check_steps("tr(X.T*A*X)", "X", [first, merged], S3).lines[1].message
        assert message.startswith("你假定了 A = A^T，但 A 并不对称：上一行的各项相加得 "
                                  "tr(X^T (A + A^T) dX)，只有当 A 对称时它才等于 2 tr("), message
        assert "应为" not in message  # no transpose to add or drop ("should be"): no loop
    repaired = check_steps("tr(X.T*A*X)", "X", [first, "tr(X.T*(A + A.T)*dX)"], S3)
    assert repaired.ok and "与已验证的梯度 A X + A^T X 相等" in repaired.verdict


def test_an_added_transpose_is_called_extra_in_chinese(zh):
    report = check_steps("logdet(X)", "X", ["tr(inv(X).T*dX)"], "X: 3x3")
    assert report.lines[0].message == "在项 tr(X^-T dX) 中：多了一个转置：X^-T 应为 X^-1"
    assert report.verdict == "✘ 第一处错误在第 1 行。"


def test_a_hadamard_product_slip_names_the_function_in_chinese(zh):
    report = check_steps("tr(A*exp(X))", "X", ["tr(A*exp(X)*dX)"], S3)
    assert report.lines[0].message == (
        "在项 tr(A exp(X) dX) 中：exp(X) dX 应为哈达玛积（逐元素乘法）exp(X) ⊙ dX：由法则 M8，"
        "d exp(X) = exp′(X) ⊙ dX，其中 exp′ = exp；⊙ 是逐元素相乘，矩阵乘法不是")


def test_the_lost_term_of_least_squares_is_named_in_chinese(zh):
    report = check_steps("(X*w - y).T*(X*w - y)", "X",
                         ["(dX*w).T*(X*w - y) + (X*w - y).T*dX*w", "2*(X*w - y).T*dX*w",
                          "tr(2*w*y.T*dX)"], "X: 5x3, w: 3, y: 5")
    assert [line.message for line in report.lines[:2]] == ["正确", "正确"]
    # two causes, joined by the Chinese separator "；"
    assert report.lines[2].message == "漏了一项：2 tr(w w^T X^T dX)；项 2 tr(w y^T dX) 的符号反了"
    assert str(report).splitlines()[2] == (
        "✘ 第 3 行：tr(2*w*y.T*dX)  —— 错误：漏了一项：2 tr(w w^T X^T dX)；"
        "项 2 tr(w y^T dX) 的符号反了")


def test_a_number_times_a_trace_is_read_off_in_chinese(zh):
    report = check_steps("det(X)", "X", ["det(X)*tr(inv(X)*dX)"], "X: 3x3")
    assert report.ok and report.gradient_latex
    assert report.verdict == (
        "✔ 每一行都正确，由最后一行得 ∂f/∂X = |X| X^-T（T3：|X| tr(M dX) = tr(|X| M dX)，"
        "数可以移入迹内；再用 L），与已验证的梯度 |X| X^-T 相等。")


# ------------------------------------------------------------------ zero lines, sizes, typing

def test_a_line_that_is_zero_says_so_in_chinese(zh):
    report = check_steps("tr(X.T*X)", "X", ["tr(dX.T*X) - tr(X.T*dX)"], "X: 4x2")
    verdict = report.lines[0]
    assert verdict.kind == "zero" and verdict.ok is False
    assert verdict.message == (
        "这一行恒为 0：对任意 dX，tr((dX)^T X) 与 tr(X^T dX) 都相等，所以 "
        "tr((dX)^T X) - tr(X^T dX) = 0，但 df 不为 0；项 -tr(X^T dX) 的符号反了")
    after = check_steps("tr(X.T*X)", "X", ["2*tr(X.T*dX)", "tr(X.T*dX) - tr(X.T*dX)"], "X: 3x3")
    assert after.lines[1].message == "这一行恒为 0：对任意 dX，它的各项都相互抵消，但上一行不为 0"
    vec = check_vec_steps("A*X", "X", ["vec(A*dX) - vec(A*dX)"], "X: 3x2, A: 4x3").lines[0]
    assert vec.message == "这一行恒为 0：对任意 dX，它的各项都相互抵消，但 vec dF 不为 0"


def test_a_line_whose_sizes_do_not_match_says_so_in_chinese(zh):
    report = check_steps("tr(X.T*X)", "X", ["X.T*dX"], "X: 2x2")
    assert report.lines[0].kind == "size" and report.lines[0].message == (
        "尺寸不匹配：这一行是 2×2 矩阵，而 df 是一个数：请取它的迹，或写成 1×1 的乘积"
        "（T1：标量套上迹）")
    # a dropped .T, found in the text as typed; the parser's own words stay as they are
    report = check_steps("a.T*X*b", "X", ["a*dX*b"], "X: 3x4, a: 3, b: 4")
    message = report.lines[0].message
    assert message.startswith("尺寸不匹配：") and message.endswith("；漏了一个转置：a（第 1 列）应为 a.T")
    assert "(3×1)" in message and "(3×4)" in message
    vec = check_vec_steps("A*X", "X", ["A*dX"], "X: 3x2, A: 4x3").lines[0]
    assert vec.message == ("尺寸不匹配：这一行是 4×2 的，而 d vec(F) 是 8×1 的（F 是 4×2 的）："
                           "请写微分的 vec(...)，或写成 M*vec(dX)")


@pytest.mark.parametrize("line, message, column", [
    ("tr(A*dX) + tr(dA)", "A 在这里是常量，所以 dA = 0：去掉含 dA 的项（只有 X 在变）", 14),
    ("tr(A*dX) +", "这一行以运算符结尾：运算符后面缺了内容", 9),
    ("tr(A*X)", "这一行不含 dX：每一行都是用微分 dX 写出的 df", None),
])
def test_typing_slips_get_chinese_hints(zh, line, message, column):
    report = check_steps("tr(A*X)", "X", [line], S3)
    verdict = report.lines[0]
    assert verdict.ok is None and verdict.message == message and verdict.column == column
    assert report.verdict == "✘ 第 1 行无法读取。"
    if column is not None:
        assert verdict.explanation == f"{message}（第 {column + 1} 列）"
        # the caret stands under the column, a Chinese character counting two in a monospace font
        said, pointer = str(verdict).split("\n")
        assert said.startswith(f"? 第 1 行：{line}  —— 无法读取：{message}")
        # "? 第 1 行：" takes 11 columns on screen: 第, 行 and ： take two each
        assert pointer == " " * (11 + column) + "^"


def test_a_transpose_slip_found_as_typed_names_its_column_in_chinese(zh):
    name, f, X, shapes, lines, wrong, english = next(t for t in DF_TEMPLATES
                                                     if t[0] == "extra transpose, as typed")
    message = check_steps(f, X, lines, shapes).lines[wrong - 1].message
    assert english == "an extra transpose: M.T (column 9) should be M"
    assert message == "多了一个转置：M.T（第 9 列）应为 M"


# ------------------------------------------------------------------ every template

#: The checker's own English words, none of which may be left in a Chinese message.
ENGLISH = re.compile(r"(?<![A-Za-z])(should be|is missing|the term|the whole line|the line|line before|"
                     r"transpose|flipped|times what|factor|Kronecker|commutation|identically|"
                     r"linear|Hadamard|elementwise|rule M|drop it|you assumed|in the term|differ|"
                     r"is false|order|does not|sizes|right|wrong|column|symmetric|trace|"
                     r"carries|redo|count the)(?![A-Za-z])")
#: Where the checker quotes a formula: the token holds one of these.
FORMULA = re.compile(r"\^|⊙|⊗|ᵀ|\||tr\(|vec\(|kron\(|K\(|\.T|inv\(")


def formulas(message: str) -> list[str]:
    """The formula pieces an English message quotes (each must be quoted in Chinese too).

    >>> formulas("in the term tr(X^-T dX): X^-T should be X^-1 (rule M6: d|X| = |X|)")
    ['tr(X^-T', 'X^-T', 'X^-1', 'd|X|', '|X|']
    """
    out = []
    for token in message.split():
        token = token.rstrip(",;:.")
        while token.endswith(")") and token.count(")") > token.count("("):
            token = token[:-1]
        while token.startswith("(") and token.count("(") > token.count(")"):
            token = token[1:]
        if FORMULA.search(token):
            out.append(token)
    return out


def _untranslated_elsewhere(message: str) -> str:
    """The message without what other modules say in their own words (the rules' mistakes,
    the parser's messages, translated in their own catalogs)."""
    for rule in RULES.values():
        if rule.mistake:
            message = message.replace(rule.mistake, "")
    message = message.replace("the factor |X| is missing", "")
    return re.sub(r"(尺寸不匹配：|按输入的原样，)[^；]*", r"\1", message)


def _df_and_vec_templates():
    for name, f, X, shapes, lines, wrong, english in DF_TEMPLATES:
        yield pytest.param(check_steps, f, X, shapes, lines, wrong, english, id=f"df:{name}")
    for name, F, shapes, lines, wrong, english in VEC_TEMPLATES:
        yield pytest.param(check_vec_steps, F, "X", shapes, lines, wrong, english,
                           id=f"vec:{name}")


@pytest.mark.parametrize("check, f, X, shapes, lines, wrong, english", list(_df_and_vec_templates()))
def test_every_template_is_chinese_and_quotes_the_same_formulas(zh, check, f, X, shapes, lines,
                                                                 wrong, english):
    report = check(f, X, lines, shapes)
    line = report.lines[wrong - 1]
    assert line.ok is False
    chinese = line.message
    assert CJK.search(chinese) and chinese != english
    for formula in formulas(english):
        assert formula in chinese, f"{formula!r} of {english!r} is not quoted in {chinese!r}"
    left = ENGLISH.findall(_untranslated_elsewhere(chinese))
    assert not left, f"English words {left} left in {chinese!r}"
    mdlib.set_language("en")  # and the same check in English says what it always said
    assert check(f, X, lines, shapes).lines[wrong - 1].message == english


def test_a_right_line_and_a_derivation_not_yet_read_off_in_chinese(zh):
    report = check_steps("tr(A*X)", "X", ["tr(A*dX)", "tr(dX.T*A.T)", "tr(dX.T*A.T)"], S3)
    assert [line.message for line in report.lines] == ["正确", "正确", "正确（与上一行相同）"]
    assert report.lines[1].rule.startswith("T2")
    assert report.verdict == ("✔ 每一行都正确。要读出 ∂f/∂X，请把最后一行化成 tr(G^T dX) 的形式"
                              "（用 T2，即 tr(M) = tr(M^T)，把 dX^T 变成 dX）。")
    carried = check_steps("tr(X.T*X)", "X", ["tr(X.T*dX)", "tr(dX.T*X)", "2*tr(X.T*dX)"],
                          "X: 3x3")
    assert [line.message for line in carried.lines[1:]] == [
        "这一行由上一行正确推出，但沿袭了上一行的错误", "又正确了（上一行是错的）"]
    empty = check_vec_steps("A*X", "X", "", "X: 3x2, A: 4x3")
    assert empty.verdict == "写出 d vec(F) = … 的第一行（用 vec(dX) 表示）；每写一行就检查一行。"


def test_the_tables_are_chinese(zh):
    report = check_steps("a.T*X*b", "X", ["tr(a.T*dX*b)", "tr(a*b.T*dX)", "tr(dX"],
                         "X: 3x3, a: 3, b: 3")
    markdown, html = report._repr_markdown_(), report.html()
    assert markdown.startswith("| 行 | 判定 | $df =$ | 原因 |")
    assert "| 1 | ✔ 正确 |" in markdown and "| 2 | ✘ 错误 |" in markdown and "? 无法读取" in markdown
    assert "<th style='text-align:left; vertical-align:top'>判定</th>" in html
    assert "</span> 错误</td>" in html and "</span> 无法读取</td>" in html
    assert "**✘ 第一处错误在第 2 行。**" in markdown


# ------------------------------------------------------------------ the widget

def test_the_widget_speaks_chinese(zh):
    checker = StepChecker("tr(X.T*M*X)", "X", "X: 3x2, M: 3x3", symmetric=["M"])
    header = checker.widget.children[0].value
    assert header == ("写出你对 <code>f = tr(X.T*M*X)</code> 求 $df$ 的推导（尺寸 "
                      "<code>X: 3x2, M: 3x3</code>，M 对称），每步一行，每行都是 "
                      "<code>df = …</code> 的右边，用 <code>dX</code> 书写。输入时逐行检查。")
    assert checker.textarea.placeholder == "例如 tr(... dX ...)"
    assert checker.textarea.description == "df ="  # a formula, the same in both languages
    assert "写出 df = … 的第一行（用 dX 表示）" in checker.verdict.value
    checker.set_lines("tr(dX.T*M*X) + tr(X.T*M*dX)\n2*tr(X.T*M.T*dX)")
    assert "<th style='text-align:left; vertical-align:top'>原因</th>" in checker.table.value
    assert "</span> 正确</td>" in checker.table.value
    assert checker.report.ok and "✔ 每一行都正确，由最后一行得 ∂f/∂X = 2 M X" in checker.verdict.value
    assert "aria-live='polite'" in checker.verdict.value and "role='status'" in checker.verdict.value


def test_the_vec_widget_speaks_chinese(zh):
    checker = StepChecker("A*X", "X", "X: 3x2, A: 4x3", "vec(A*dX)\nkron(A, eye(2))*vec(dX)",
                          vec=True)
    header = checker.widget.children[0].value
    assert "<code>vec(dX)</code>（里面用 <code>dX</code>；可用 vec、kron、K(m, n)、eye(n)、diagvec）" \
        in header and header.startswith("写出你对 <code>F = A*X</code> 求 $d\\,\\mathrm{vec}(F)$")
    assert checker.textarea.placeholder == "例如 kron(..., ...)*vec(dX)"
    assert "克罗内克积的两个因子顺序颠倒了：A ⊗ I_2 应为 I_2 ⊗ A" in checker.table.value
    assert "✘ 第一处错误在第 2 行。" in checker.verdict.value


# ------------------------------------------------------------------ English stays English

def test_english_after_chinese_is_the_english_of_before():
    case = ("tr(X.T*A*X)", "X", ["tr(dX.T*A*X) + tr(X.T*A*dX)", "2*tr(X.T*A*dX)"], S3)
    english = str(check_steps(*case))
    try:
        mdlib.set_language("zh")
        chinese = str(check_steps(*case))  # the same problem, its words remembered per language
        checker = StepChecker(*case[:2], case[3], lines="\n".join(case[2]))
    finally:
        mdlib.set_language("en")
    assert "你假定了" in chinese and "第一处错误在第 2 行" in checker.verdict.value
    assert str(check_steps(*case)) == english
    assert english.endswith("✘ Line 2 is the first wrong line.")
    assert "you assumed A = A^T" in english and not CJK.search(english)

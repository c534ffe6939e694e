"""The parser and the numerical checks speak Chinese (issue 17 item 3), over the same data.

Under ``mdlib.set_language("zh")`` every refusal of the parser (the whole refusal table of
``test_parse.py`` and its bad shape declarations), the help text, the gradient check's verdicts
and named mistakes, the remainder study's verdicts and the input checks of validation, precise,
stable and vec come from the Chinese catalog. What a program reads stays the same in both
languages: the parser's ``column``, ``name`` and ``kind``, a gradient check's ``mistake``, an
error's ``kind``, the numbers and the formulas quoted; the step checker finds its caret from
that data, so it stands under the slip in Chinese too. Each test restores English (the fixture),
and English is shown to say exactly what it said before Chinese was spoken.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pytest
import sympy
from test_parse import BAD_SHAPES, REFUSALS, SHAPES

import mdlib
from mdlib import (
    MdlibError,
    check_differential,
    check_gradient,
    check_jacobian,
    check_steps,
    remainder_study,
)
from mdlib.gradcheck import diagnosis
from mdlib.parse import (
    FUNCTIONS,
    ParseError,
    SizeMismatch,
    help_text,
    parse_expression,
    parse_shapes,
)
from mdlib.precise import precise_remainder_study
from mdlib.stable import logsumexp
from mdlib.validation import as_array, check_invertible, check_step
from mdlib.vec import commutation_matrix, unvec

CJK = re.compile(r"[\u4e00-\u9fff]")
#: The parser's and the checks' own English words: none may be left in a Chinese message
#: (Python's own words, "invalid syntax", and code such as lambda or trace(M) are not theirs).
ENGLISH = re.compile(r"(?<![A-Za-z_.])(write|column|cannot|declare|unknown|needs?|square|matrix|"
                     r"matrices|number|shapes?|limit|divides|identity|transpose|brackets|"
                     r"operators?|function|constant|argument|exponent|expression|language|is not|"
                     r"the|gradient|Jacobian|remainder|fitted|order|differential|check|failed|"
                     r"matches|sign|factor|layout|wrong|entries|entry|must|got)(?![A-Za-z_(])")


def in_both(call: Callable[[], object]) -> tuple[object, object]:
    """What ``call`` returns or raises in English, then in Chinese (the language left as zh)."""
    said = []
    for language in ("en", "zh"):
        mdlib.set_language(language)
        try:
            said.append(call())
        except MdlibError as err:
            said.append(err)
    return said[0], said[1]


def columns(message: str, language: str) -> list[str]:
    pattern = r"\(column (\d+)\)" if language == "en" else r"（第 (\d+) 列）"
    return re.findall(pattern, message)


# ------------------------------------------------------------------ the parser

@pytest.mark.parametrize(("text", "shapes", "words"), REFUSALS, ids=[r[0][:40] for r in REFUSALS])
def test_every_refusal_of_the_parser_is_chinese_with_the_same_data(zh, text, shapes, words):
    english, chinese = in_both(lambda: parse_expression(text, shapes))
    assert isinstance(english, ParseError) and type(chinese) is type(english)
    assert words in str(english)  # the English of test_parse.py, unchanged
    message = str(chinese)
    assert CJK.search(message) and message != str(english)
    assert (chinese.kind, chinese.column, chinese.name) == (english.kind, english.column,
                                                           english.name)
    assert columns(message, "zh") == columns(str(english), "en")
    if chinese.column is not None:  # the column the data gives is the one the message names
        assert f"（第 {chinese.column} 列）" in message or f"第 {chinese.column} 列附近" in message
    left = ENGLISH.findall(message.split("Python 解析器的提示")[0])
    assert not left, f"English words {left} left in {message!r}"


@pytest.mark.parametrize(("shapes", "words"), BAD_SHAPES, ids=[s[0][:30] for s in BAD_SHAPES])
def test_bad_shape_declarations_are_explained_in_chinese(zh, shapes, words):
    english, chinese = in_both(lambda: parse_shapes(shapes))
    assert words in str(english)
    assert CJK.search(str(chinese)) and not ENGLISH.findall(str(chinese))
    assert (chinese.kind, chinese.name) == (english.kind, english.name)
    assert chinese.kind in ("shapes", "limit")


def test_parser_refusals_word_for_word_in_chinese(zh):
    cases = {
        "tr(X)^2": "^（第 6 列）在这里不表示幂：幂请写 **，例如 tr(X)**2",
        "2X": "2X 请写成 2*X：数写在名字前面时需要 *（第 1 列）",
        "tr(X*A": "这个 '('（第 3 列）没有闭合：请补上 ')'",
        "X + R": "X (3×3) 与 R (3×2) 无法相加：形状不同",
        "R*R": "R (3×2) 与 R (3×2) 无法相乘：内侧的尺寸 2 与 3 不同",
        "tr(inv(X - X))": "inv(X - X)（第 4 列）：X - X 是零矩阵，它没有逆矩阵",
        "X + 1": "数 1 与矩阵 X (3×3) 无法相加；单位矩阵的倍数请写 1*I",
    }
    for text, message in cases.items():
        with pytest.raises(ParseError) as err:
            parse_expression(text, SHAPES)
        assert str(err.value) == message
    with pytest.raises(ParseError) as err:
        parse_expression("tr(X*B)", SHAPES)
    assert str(err.value) == (
        "未知的名字 B（第 6 列）：请在形状中声明它，例如 'B: 3x3'。已声明：X, A, R, a, b, c, s；"
        f"常数：pi, e, I；函数：{', '.join(FUNCTIONS)}")
    assert (err.value.kind, err.value.name, err.value.column) == ("unknown name", "B", 6)


def test_sizes_that_do_not_match_are_a_size_mismatch_in_both_languages(zh):
    english, chinese = in_both(lambda: parse_expression("X*R*X", SHAPES))
    assert isinstance(chinese, SizeMismatch) and chinese.kind == english.kind == "size"
    assert str(english) == "cannot multiply X*R (3×2) times X (3×3): inner sizes 2 and 3 differ"
    assert str(chinese) == "X*R (3×2) 与 X (3×3) 无法相乘：内侧的尺寸 2 与 3 不同"


def test_the_help_text_is_chinese_and_lists_the_same_functions_and_limits(zh):
    english, chinese = in_both(help_text)
    assert chinese.count("\n") == english.count("\n")
    for name, function in FUNCTIONS.items():
        signature = function.signature(name)
        assert f"    {signature:16}{function.description}" in chinese.splitlines()
        assert CJK.search(function.description), name
    for words in ("方阵的迹", "指数函数，逐元素作用", "交换矩阵：vec(A.T) = K(m, n)*vec(A)",
                  "运算符：+ - *（矩阵乘法）", "标量套上迹", "限制：最多 2000 个字符",
                  "指数在 -64 到 64 之间", "每一维最多为 500。"):
        assert words in chinese, words
    assert not re.search(r"entry by entry|trace of|Limits|Write f", chinese)


# ------------------------------------------------------------------ the caret of the step checker

@pytest.mark.parametrize(("line", "column"), [
    ("tr(X'*dX)", 4),        # a typing slip: the quote
    ("tr(X.T*dX", 2),        # a bracket never closed
    ("tr(B*dX)", 3),         # an unknown name
    ("tr(X) + foo(dX)", 8),  # an unknown function, where its name is typed
    ("tr(X^2*dX)", 4),       # an operator
])
def test_the_caret_stands_under_the_slip_in_chinese(zh, line, column):
    def verdict():
        line_verdict = check_steps("tr(X.T*X)", "X", [line], "X: 3x3").lines[0]
        return line_verdict, str(line_verdict)  # shown in the language it was checked in

    (english, english_text), (chinese, chinese_text) = in_both(verdict)
    assert english.ok is None and chinese.ok is None
    assert english.column == chinese.column == column
    assert CJK.search(chinese.message) and f"（第 {column + 1} 列）" in chinese.message
    assert chinese.explanation == chinese.message  # the message names its column already
    said, caret = chinese_text.split("\n")
    assert said.startswith(f"? 第 1 行：{line}  —— 无法读取：")
    # "? 第 1 行：" takes 11 columns on screen: 第, 行 and ： take two each
    assert caret == " " * (11 + column) + "^"
    # in English the caret is where it always was
    said, caret = english_text.split("\n")
    assert said.startswith(f"? line 1: {line}  — cannot be read: ")
    assert caret == " " * (len("? line 1: ") + column) + "^"


# ------------------------------------------------------------------ gradient checks

A = np.array([[1.0, 2.0], [3.0, 4.0]])
S = np.array([[2.0, 1.0, 0.0], [0.5, 3.0, 1.0], [0.0, -1.0, 4.0]])  # not symmetric


def logabsdet(M):
    return np.linalg.slogdet(M)[1]


@pytest.mark.parametrize(("mistake", "claimed", "words"), [
    ("transpose", np.linalg.inv(S), "这是正确答案的转置：请检查布局（分母布局：∂f/∂X 与 X 形状相同），"
                                    "或是否漏了转置"),
    ("sign", -np.linalg.inv(S).T, "：符号反了"),
    ("factor", 0.5 * np.linalg.inv(S).T, "差一个常数因子：你的答案是正确答案的 0.5 倍"),
    ("zero", np.zeros((3, 3)), "你的答案是零，但梯度不是零"),
    ("values", np.linalg.inv(S).T + np.eye(3), "数值与有限差分算出的梯度不同（不是转置、符号或因子上的疏忽）"),
])
def test_a_wrong_gradient_is_named_in_chinese_with_the_same_mistake(zh, mistake, claimed, words):
    english, chinese = in_both(lambda: check_gradient(logabsdet, S, claimed))
    assert not chinese and chinese.mistake == english.mistake == mistake
    assert chinese.relative_error == english.relative_error
    error = re.search(r"relative error (\S+)\)", english.message).group(1)
    assert chinese.message.startswith(f"梯度检验未通过（相对误差 {error}）：")
    assert words in chinese.message
    assert chinese._repr_markdown_() == "❌ " + chinese.message


def test_right_and_rectangular_answers_in_chinese(zh):
    f = lambda X: np.trace(A.T @ X[:, :2])  # noqa: E731  a 2×3 X, gradient [A 0]
    X = np.ones((2, 3))
    right = np.hstack([A, np.zeros((2, 1))])
    passed = check_gradient(f, X, right)
    assert passed and passed.mistake == "" and passed.message.startswith("梯度与有限差分一致（相对误差 ")
    english, chinese = in_both(lambda: check_gradient(f, X, right.T))
    assert chinese.mistake == english.mistake == "transpose" and np.isinf(chinese.relative_error)
    assert chinese.message == ("梯度检验未通过：形状 (3, 2) 不对，应为 (2, 3)：你给出的可能是转置"
                               "（分母布局：∂f/∂X 与 X 形状相同）")


def test_a_transposed_jacobian_gets_the_numerator_layout_in_chinese(zh):
    f = lambda c: np.array([c[0] * c[1], c[0], c[1] ** 2])  # noqa: E731
    J = np.array([[2.0, 1.0], [1.0, 0.0], [0.0, 4.0]])
    english, chinese = in_both(lambda: check_jacobian(f, [1.0, 2.0], J.T))
    assert chinese.mistake == english.mistake == "transpose"
    assert chinese.message == (
        "雅可比矩阵检验未通过：形状 (2, 3) 不对，应为 (3, 2)：这是转置：雅可比矩阵的每一行对应 f 的一个"
        "分量（分子布局：雅可比矩阵 ∂f/∂xᵀ 是 m × n = 3 × 2 的，f 的每个分量对应一行，x 的每个分量对应"
        "一列）")
    # another kind of answer, already in the reader's words, is quoted as it is given
    assert diagnosis(np.zeros((2, 2)), np.eye(2), what="矩阵对矩阵的导数") == (
        "zero", "你的答案是零，但矩阵对矩阵的导数不是零")
    assert "海森矩阵的形状是 (2, 2)" in diagnosis(np.ones((3, 3)), np.eye(2), what="Hessian")[1]


def test_what_f_does_wrong_is_said_in_chinese(zh):
    with pytest.raises(MdlibError, match=r"^f 在 X 处不是有限值（NaN 或无穷大）：f 在那里没有定义"):
        check_gradient(lambda X: np.nan, np.eye(2), A)
    with pytest.raises(MdlibError, match=r"^所给的梯度 含有 NaN 或无穷大$"):
        check_gradient(lambda X: np.trace(X), np.eye(2), [[np.nan, 0.0], [0.0, 1.0]])
    with pytest.raises(MdlibError, match=r"^有限差分的步长 必须是非零的有限数，现在是 0$"):
        check_gradient(lambda X: np.trace(X), np.eye(2), A, step=0)
    with pytest.raises(MdlibError, match=r"^rtol 必须是 \(0, 0.01\] 中的数，现在是 1：更宽松的容差"):
        check_gradient(lambda X: np.trace(X), np.eye(2), A, rtol=1)


# ------------------------------------------------------------------ remainder studies

def test_remainder_verdicts_in_chinese_quote_the_same_order(zh):
    right_en, right_zh = in_both(lambda: remainder_study(np.sin, 0.3,
                                                         lambda x, dx: np.cos(x) * dx).summary())
    order = re.search(r"fitted order (\S+) > 1", right_en).group(1)
    assert right_zh == f"拟合阶数 {order} > 1：余项比 h 更快地趋于零——与微分相符"
    wrong = remainder_study(np.sin, 0.3, lambda x, dx: 1.1 * np.cos(x) * dx)
    assert wrong.summary().endswith("：余项只像 h 那样缩小——这不是微分")
    assert repr(wrong) == f"RemainderStudy({wrong.summary()})"
    exact = remainder_study(lambda X: X.T, np.eye(2), lambda X, dX: dX.T)
    assert exact.summary() == "对每个 h，余项都在舍入误差的水平：线性部分是精确的"
    # the order over the smallest steps, when it differs from the fitted order
    slight = remainder_study(np.exp, 1.0, lambda x, dx: (1 + 1e-4) * np.exp(x) * dx)
    assert re.fullmatch(r"拟合阶数 \d\.\d\d，在最小的几个步长上为 \d\.\d\d：余项只像 h 那样缩小——这不是微分",
                        slight.summary())


def test_a_wrong_differential_is_refused_in_chinese_with_its_kind(zh):
    english, chinese = in_both(lambda: check_differential(np.sin, 0.3,
                                                          lambda x, dx: 1.1 * np.cos(x) * dx))
    assert chinese.kind == english.kind == "not the differential"
    assert str(chinese) == ("df 不是微分：当 h → 0 时，余项只像 h^1.00 那样缩小，并不比 h 快，所以 "
                            "r(h)/‖h u‖ 不趋于 0。线性部分是错的。")
    with pytest.raises(MdlibError, match=r"^请至少给出三个不同的步长 h：阶是 log ‖r\(h\)‖ 对 log h"):
        remainder_study(np.sin, 0.3, lambda x, dx: dx, steps=[1e-3, 1e-4])
    with pytest.raises(MdlibError, match=r"^h = 1 时的 f\(x \+ h u\) 无法计算（ZeroDivisionError: "):
        remainder_study(lambda x: np.sin(x) if x <= 0.3 else 1 / 0, 0.3, lambda x, dx: dx,
                        direction=1.0)


# ------------------------------------------------------------------ input checks

def test_input_checks_speak_chinese_and_keep_their_kind(zh):
    english, chinese = in_both(lambda: check_invertible(np.zeros((2, 2)), "Σ"))
    assert chinese.kind == english.kind == "singular"
    assert str(chinese) == ("Σ 是奇异的（或在数值上奇异：条件数为 inf）；只有 Σ 可逆（det Σ ≠ 0）时，"
                            "Σ^{-1} 和 log|det Σ| 才有定义。请选一个可逆的 Σ。")
    messages = {
        "as_array": lambda: as_array([1 + 2j], "X"),
        "check_step": lambda: check_step(0.0),
        "precise": lambda: precise_remainder_study(sympy.sin(sympy.Symbol("x")), sympy.Symbol("x"),
                                                   0.3, digits=10),
        "logsumexp": lambda: logsumexp([]),
        "unvec": lambda: unvec(np.ones(5), 2, 3),
        "commutation": lambda: commutation_matrix(0, 2),
    }
    expected = {
        "as_array": "X 含有复数元素（例如 (1+2j)）；这里需要实数",
        "check_step": "步长 h 必须是非零的有限数，现在是 0.0",
        "precise": "digits 必须是 20 到 1000 之间的整数（位数更多只会让每一步更慢），现在是 10",
        "logsumexp": "空数组的 logsumexp 是负无穷；请至少给出一个数",
        "unvec": "无法把 5 个数排成 2×3 矩阵；2×3 矩阵的 vec 有 6 个元素",
        "commutation": "交换矩阵需要两个正整数尺寸，现在是 0, 2",
    }
    for name, call in messages.items():
        with pytest.raises(MdlibError) as err:
            call()
        assert str(err.value) == expected[name], name


def test_english_is_unchanged_after_chinese():
    calls = [lambda: parse_expression("tr(X*B)", SHAPES), help_text,
             lambda: check_gradient(logabsdet, S, np.linalg.inv(S)).message,
             lambda: remainder_study(np.sin, 0.3, lambda x, dx: 1.1 * np.cos(x) * dx).summary(),
             lambda: check_invertible(np.zeros((2, 2)))]

    def said(call):
        try:
            return call()
        except MdlibError as err:
            return str(err)

    before = [said(call) for call in calls]
    mdlib.set_language("zh")
    try:
        chinese = [said(call) for call in calls]
    finally:
        mdlib.set_language("en")
    assert all(CJK.search(text) for text in chinese)
    assert [said(call) for call in calls] == before
    assert before[0].startswith("unknown name B (column 6): declare it in the shapes")

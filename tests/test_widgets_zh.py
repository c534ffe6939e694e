"""The widgets speak the reader's language: made after ``set_language("zh")``, they are Chinese.

Slider names, menu labels, figure titles, legends, axis labels, readouts and captions come from
the catalog; a Chinese figure draws every glyph; a widget keeps the language it was made in;
English stays exactly as before. Every test speaks English again afterwards.
(The remainder verdict inside the readouts comes from ``RemainderStudy.summary()``, translated
with mdlib.remainder, and is not checked here.)
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

import mdlib
from mdlib.widgets import (
    ALL_WIDGETS,
    JacobianEllipse,
    RemainderExplorer,
    RuleExplorer,
    SecondOrderExplorer,
    SlopeExplorer,
)

CJK = re.compile(r"[\u4e00-\u9fff]")
# Words a formula may hold; any other run of three or more Latin letters is an English word.
FORMULA_WORDS = {"log", "det", "tr", "sin", "cos", "exp", "vec", "adj", "diag"}


def figure_texts(widget) -> list[str]:
    """Titles, axis labels and legend entries of a widget's figure."""
    texts = []
    for ax in widget.live.figure.axes:
        texts += [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()]
        if ax.get_legend() is not None:
            texts += [t.get_text() for t in ax.get_legend().get_texts()]
    texts += [t.get_text() for legend in widget.live.figure.legends for t in legend.get_texts()]
    return [text for text in texts if text]


def english_words(text: str) -> list[str]:
    """Runs of Latin letters in ``text`` that are words, not formulas."""
    return [w for w in re.findall(r"[A-Za-z]{3,}", re.sub(r"<[^>]+>|&nbsp;", " ", text))
            if w not in FORMULA_WORDS]


def test_each_widget_made_in_chinese_speaks_chinese_and_draws_every_glyph(zh) -> None:
    for cls in ALL_WIDGETS:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # matplotlib warns of a missing glyph: fail on it
            widget = cls.demo()
            widget.live.redraw_all()
        slider = widget.slider
        assert CJK.search(slider.accessible_name), (cls.__name__, slider.accessible_name)
        assert slider.description in slider.accessible_name  # the visible label is in the name
        assert re.fullmatch(r"[hρt] = -?\d\.\d+(e[+-]\d+)?", slider.value_text)
        for text in figure_texts(widget):
            # matplotlib's mathtext has no CJK glyphs: a label is maths or words, never both.
            assert not (CJK.search(text) and "$" in text), text
            assert not english_words(text), (cls.__name__, text)


def test_slider_names_in_chinese(zh) -> None:
    assert RemainderExplorer.demo().slider.accessible_name == "步长 h"
    assert SecondOrderExplorer.demo().slider.accessible_name == "步长 h"
    assert JacobianEllipse.demo().slider.accessible_name == "圆的半径 ρ"
    assert SlopeExplorer.demo().slider.accessible_name == "沿直线的位置 t"


def test_remainder_explorer_titles_legends_and_menus(zh) -> None:
    ex = RemainderExplorer(np.sin, 0.3, lambda x, dx: np.cos(x) * dx)
    assert ex.direction.description == "方向"
    assert ex.direction.options == (("随机（种子 0）", "random (seed 0)"),)
    ex.set_direction("random (seed 0)")  # the English key still picks it
    left = ex.live.axes[0]
    assert left.get_title() == "余项 ‖r(h)‖"
    assert [t.get_text() for t in left.get_legend().get_texts()] == ["‖r(h)‖", "斜率 1", "斜率 2"]


def test_jacobian_ellipse_readout_and_labels(zh) -> None:
    w = JacobianEllipse.demo()
    w.set_radius(1e-2)
    assert "<code>最大间距 = " in w.readout.value and "<code>间距/ρ = " in w.readout.value
    assert f"{w.current['max_gap']:.3e}" in w.readout.value
    assert "（间距是圆上余项 ‖f(c+ρu) − f(c) − A(c)ρu‖ 的最大值）" in w.readout.value
    assert "预测的 A(c)u" in figure_texts(w) and "斜率 1（参考线）" in figure_texts(w)
    assert not english_words(w.readout.value)


def test_slope_explorer_readout_summary_and_verdicts(zh) -> None:
    w = SlopeExplorer.demo()
    w.set_t(1.0)
    assert w.summary().startswith("t = 1.00：f = ") and "由梯度得到的斜率 = 0.0000" in w.summary()
    assert "✅ 两者一致" in w.readout.value and not english_words(w.readout.value)
    A = np.array([[2.0, 1.0], [0.0, 1.0]])
    wrong = SlopeExplorer(lambda x: float(x @ A @ x), lambda x: 2 * A @ x,
                          np.array([1.0, -1.0]), np.array([0.5, 2.0]))
    assert "❌ 两者不一致：梯度公式有误" in wrong.readout.value
    assert wrong.live.axes[0].get_xlabel() == "t（0 = 起点，1 = 终点）"
    with pytest.raises(mdlib.MdlibError, match="起点和终点是同一个点"):
        SlopeExplorer(lambda x: 1.0, lambda x: x, np.ones(2), np.ones(2))


def test_rule_explorer_menus_statement_and_singular_message(zh) -> None:
    ex = RuleExplorer(rule="M5")
    assert (ex.rule_picker.description, ex.point_picker.description) == ("法则", "点")
    labels = dict((value, label) for label, value in ex.rule_picker.options)
    assert labels["M5 (wrong sign)"] == "M5（符号错误）" and labels["M5"] == "M5"
    assert ex.point_picker.options == (("可逆的 X", "invertible X"), ("奇异的 X", "singular X"))
    assert ("对称", "symmetric") in ex.direction.options
    assert ex.statement.value == r"<b>M5</b>，正确的法则：所称的微分 $d(X^{-1}) = -X^{-1}\,dX\,X^{-1}$"
    ex.set_rule("M5 (wrong sign)")  # English keys drive it in every language
    assert ex.statement.value.startswith("<b>M5（符号错误）</b>，错误变体（")
    ex.set_singular(True)
    assert "<b>⚠ M5（符号错误） 在这个点上没有定义。</b>" in ex.readout.value
    assert "<i>可逆的 X</i>" in ex.readout.value and "<i>M6（伴随矩阵形式）</i>" in ex.readout.value


def test_second_order_explorer_title_caption_readout(zh) -> None:
    ex = SecondOrderExplorer.demo()
    assert ex.choice.description == "海森矩阵"
    assert [label for label, _key in ex.choice.options][0] == "正确：−K (X⁻ᵀ ⊗ X⁻¹)"
    assert ex.live.axes[0].get_title() == "f(X) = log|det X|：拟合阶数 3.00"
    assert "✅ 3 阶：这就是海森矩阵。" in ex.readout.value and "拟合阶数 3.00" in ex.readout.value
    ex.set_hessian("wrong: K forgotten, −(X⁻ᵀ ⊗ X⁻¹)")
    assert "停在 2 阶：这不是海森矩阵。" in ex.caption.value
    assert "海森矩阵“错误：漏了 K，−(X⁻ᵀ ⊗ X⁻¹)”下" in ex.caption.value
    assert not english_words(ex.caption.value) and not english_words(ex.readout.value)


def test_a_widget_keeps_the_language_it_was_made_in(zh) -> None:
    chinese_widget = JacobianEllipse.demo()
    mdlib.set_language("en")
    english_widget = JacobianEllipse.demo()
    chinese_widget.set_radius(1e-2)  # a move after the switch: still Chinese
    english_widget.set_radius(1e-2)
    assert "最大间距" in chinese_widget.readout.value
    assert "max gap" in english_widget.readout.value and not CJK.search(english_widget.readout.value)
    assert english_widget.slider.accessible_name == "radius ρ of the circle"


def test_english_is_exactly_as_before() -> None:
    """The English wording the stored notebooks and the book show, word for word."""
    mdlib.set_language("en")
    w = SlopeExplorer.demo()
    w.set_t(1.0)
    assert w.summary() == ("t = 1.00: f = 0.1284, slope from the gradient = 0.0000, "
                           "finite-difference slope = 0.0000")
    assert w.readout.value.endswith(
        "<code>slope from the gradient = 0.0000</code> &nbsp; "
        "<code>finite differences = 0.0000</code> &nbsp; ✅ they agree</div>")
    ex = RuleExplorer(rule="M5")
    assert ex.rule_picker.options[:2] == ("M1", "M1 (minus)")  # plain options, as before
    assert ex.statement.value == r"<b>M5</b>, the rule: claimed $d(X^{-1}) = -X^{-1}\,dX\,X^{-1}$"
    ex.set_singular(True)
    assert ex.readout.value.endswith(
        "(Switch the point back to <i>invertible X</i>, or pick <i>M6 (adjugate form)</i>, "
        "which holds at singular X too.)</div>")
    so = SecondOrderExplorer.demo()
    assert so.live.axes[0].get_title() == "f(X) = log|det X|: fitted order 3.00"
    assert so.caption.value.startswith("<small>Figure: |r(h)| against h on log–log axes for the "
                                       "Hessian “right: −K (X⁻ᵀ ⊗ X⁻¹)”.")

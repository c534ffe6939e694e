"""mdlib speaks English and Chinese: the catalog is complete, exact in its placeholders, and used.

Every message marked in mdlib's source (``_``, ``N_``, ``ngettext``) and in the code cells of
the English notebooks (figure titles, legends, printed sentences: ``from mdlib.i18n import _``)
is extracted here with Babel, as ``pybabel extract -F mdlib/locale/babel.cfg`` does, and must
have a Chinese translation that is not fuzzy and has the same placeholders (``{name}``,
``{order:.2f}``) as the English. The checks are shown to fail on a catalog spoiled in each of
those ways. In Chinese, an exercise's verdicts and a rule's citation come out in Chinese, and in
English exactly as before. A Chinese figure must draw without a missing glyph.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import matplotlib
import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

import mdlib
from mdlib import i18n
from mdlib.locale import extract_notebook

MDLIB = Path(mdlib.__file__).resolve().parent
REPO = MDLIB.parent
PO = i18n.catalog_path("zh", compiled=False)
#: The English edition: its code cells are the Chinese edition's code cells.
NOTEBOOKS = REPO / "notebooks"
# A format field as str.format reads it ({name}, {0}, {}, {x.y}, {name!r}, {order:.2f}), or a
# %-placeholder. Braces of LaTeX or of a formula ({-1}, {√x}, \text{ via }) are not fields: a
# message with them is never formatted, and a translation writes its words in its own language.
PLACEHOLDER = re.compile(r"\{(?:[A-Za-z_]\w*|\d*)(?:\.\w+|\[[^\]{}]*\])*(?:![rsa])?(?::[^{}]*)?\}"
                         r"|%\(\w+\)[sdrf]|%[sdrf]")


def extracted() -> dict[str, str]:
    """Every message id in mdlib's source and the English notebooks, with where it is."""
    found: dict[str, str] = {}
    sources = [(MDLIB, "mdlib", [("**.py", "python")]),
               (NOTEBOOKS, "notebooks", [("*.ipynb", extract_notebook)])]
    for root, name, methods in sources:
        for filename, line, message, _comments, _context in extract_from_dir(
                str(root), methods, keywords=DEFAULT_KEYWORDS):
            for text in (message if isinstance(message, tuple) else (message,)):
                if text:
                    found.setdefault(text, f"{name}/{filename}:{line}")
    return found


def placeholders(text: str) -> list[str]:
    """The placeholders of a message, sorted (a translation may move them, not change them).

    >>> placeholders("{name} is {n}×{n}, not {shape!r}; order {order:.2f}")
    ['{name}', '{n}', '{n}', '{order:.2f}', '{shape!r}']
    >>> placeholders(r"d(X^{-1}) = −X^{-1} dX X^{-1}, dY \\text{ via } dX, x_{{ij}}")
    []
    """
    return sorted(PLACEHOLDER.findall(text.replace("{{", "").replace("}}", "")))


def catalog_problems(messages: dict[str, str], catalog: Catalog) -> list[str]:
    """What keeps ``catalog`` from translating ``messages`` completely and exactly."""
    problems = []
    for msgid, where in sorted(messages.items(), key=lambda item: item[1]):
        entry = catalog.get(msgid)
        if entry is None or not entry.string or (isinstance(entry.string, tuple)
                                                 and not all(entry.string)):
            problems.append(f"untranslated: {msgid!r} ({where})")
        elif entry.fuzzy:
            problems.append(f"fuzzy: {msgid!r} ({where})")
        else:
            strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
            if any(placeholders(s) != placeholders(msgid) for s in strings):
                problems.append(f"placeholders differ: {msgid!r} has {placeholders(msgid)}, "
                                f"the translation {strings[0]!r} has {placeholders(strings[0])}")
    for entry in catalog:
        if entry.id and (entry.id[0] if isinstance(entry.id, tuple) else entry.id) not in messages:
            problems.append(f"no longer in the source: {entry.id!r} (run make catalog)")
    return problems


def _catalog() -> Catalog:
    with PO.open("rb") as handle:
        return read_po(handle)


def test_every_message_has_an_exact_chinese_translation() -> None:
    problems = catalog_problems(extracted(), _catalog())
    assert not problems, f"{len(problems)} problems in {PO.name}:\n" + "\n".join(problems[:40])


def test_the_notebooks_code_cells_are_extracted() -> None:
    """A figure title and a printed sentence of the English notebooks are messages, and a
    notebook's markdown is not code."""
    messages = extracted()
    assert messages["the same remainder in two arithmetics"].startswith(
        "notebooks/01_scalar_derivative.ipynb:")
    assert messages["training the two-layer network with the E7 gradients"].startswith(
        "notebooks/06_worked_examples.ipynb:")
    assert not any(where.startswith("notebooks/zh/") for where in messages.values())


def test_a_placeholder_changed_by_a_translation_is_caught() -> None:
    """A format spec is part of the placeholder; LaTeX braces are not placeholders."""
    catalog = Catalog(locale="zh_CN")
    catalog.add("fitted order {order:.2f}", "拟合阶数 {order}")
    catalog.add(r"dY \text{ via } dX", r"dY \text{ 用 } dX \text{ 表示}")
    problems = catalog_problems({"fitted order {order:.2f}": "a.py:1",
                                 r"dY \text{ via } dX": "a.py:2"}, catalog)
    assert problems == ["placeholders differ: 'fitted order {order:.2f}' has ['{order:.2f}'], "
                        "the translation '拟合阶数 {order}' has ['{order}']"]


def _readings() -> dict[str, str]:
    """What mdlib says, in the language it speaks now: an exercise not answered yet, a named
    mistake, a rule's label and a citation of rules."""
    from mdlib.curriculum import RuleUse, cite, rule_label
    from mdlib.exercises import check, get

    def stub(X, A, B):
        ...

    mistake = get("1.2").mistakes["forgot the 2 from x²"]
    return {
        "unanswered": check("4.1", stub)._repr_markdown_(),
        "mistake": check("1.2", mistake).message,
        "label": rule_label("T4"),
        "cite": cite({RuleUse("M2"), RuleUse("T4")}),
    }


ENGLISH = {
    "unanswered": "✏️ **exercise 4.1**: not answered yet: in your function, replace `...` by "
                  "`return` followed by the gradient ∂f/∂X, written with X, A, B; then run the "
                  "cell again",
    "mistake": "not yet: the inner derivative of 1 + x² is 2x, not x: the factor 2 is missing. "
               "Numerically: off by a constant factor: yours is 0.5 times the right answer",
    "label": "T4: cyclic trace",
    "cite": "M2: product; T4: cyclic trace",
}


def test_mdlib_speaks_english_exactly_as_before() -> None:
    mdlib.set_language("en")
    assert _readings() == ENGLISH


def test_mdlib_speaks_chinese_after_set_language(zh) -> None:
    said = _readings()
    assert said == {
        "unanswered": "✏️ **练习 4.1**：尚未作答：在你的函数里把 `...` 换成 `return`，后面写上梯度 "
                      "∂f/∂X（用 X, A, B 表示），然后重新运行这个单元格",
        "mistake": "还不对：1 + x² 的内层导数是 2x 而不是 x：漏了因子 2。从数值上看：差一个常数因子："
                   "你的答案是正确答案的 0.5 倍",
        "label": "T4：矩阵乘法交换（迹的循环性）",
        "cite": "M2：乘积；T4：矩阵乘法交换（迹的循环性）",
    }
    # and back: the language is a setting, not a one-way switch
    mdlib.set_language("en")
    assert _readings() == ENGLISH


def _spoiled() -> tuple[dict[str, str], Catalog]:
    messages = {"{name} is not invertible": "a.py:1", "verified": "a.py:2", "sizes": "a.py:3"}
    catalog = Catalog(locale="zh_CN")
    catalog.add("{name} is not invertible", "{matrix} 不可逆")
    catalog.add("verified", "已验证", flags=("fuzzy",))
    catalog.add("gone", "已删除")
    return messages, catalog


def test_the_catalog_check_fails_on_each_kind_of_fault() -> None:
    assert catalog_problems(*_spoiled()) == [
        "placeholders differ: '{name} is not invertible' has ['{name}'], the translation "
        "'{matrix} 不可逆' has ['{matrix}']",
        "fuzzy: 'verified' (a.py:2)",
        "untranslated: 'sizes' (a.py:3)",
        "no longer in the source: 'gone' (run make catalog)",
    ]


def test_english_is_the_source_text_and_chinese_comes_from_the_catalog() -> None:
    catalog = _catalog()
    sample = next((m for m in catalog if m.id and m.string and not m.fuzzy
                   and isinstance(m.id, str)), None)
    try:
        mdlib.set_language("en")
        if sample is not None:
            assert i18n._(sample.id) == sample.id
        mdlib.set_language("zh")
        assert i18n.get_language() == "zh"
        if sample is not None:
            assert i18n._(sample.id) == sample.string
    finally:
        mdlib.set_language("en")
    assert i18n._("a sentence no catalog has") == "a sentence no catalog has"


def test_the_po_file_compiles_to_the_same_translations() -> None:
    compiled = i18n.load("zh")
    for entry in _catalog():
        if entry.id and isinstance(entry.id, str) and entry.string and not entry.fuzzy:
            assert compiled.gettext(entry.id) == entry.string


def test_a_chinese_figure_draws_every_glyph(monkeypatch, tmp_path) -> None:
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    monkeypatch.setitem(matplotlib.rcParams, "font.family", list(matplotlib.rcParams["font.family"]))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a missing glyph is a warning: make it fail
            mdlib.set_language("zh")
            fig, ax = plt.subplots()
            ax.plot([0.1, 0.01], [1e-2, 1e-4], label="余项 ‖r(h)‖")
            ax.set(xlabel="步长 h", ylabel="余项", title="余项比 h 更快地趋于零 −1")
            ax.legend()
            fig.savefig(tmp_path / "zh.png")
            plt.close(fig)
    finally:
        mdlib.set_language("en")
    assert matplotlib.rcParams["font.family"] == ["sans-serif"]


def test_an_unknown_language_is_refused_clearly() -> None:
    with pytest.raises(mdlib.MdlibError, match="mdlib speaks en and zh"):
        mdlib.set_language("de")

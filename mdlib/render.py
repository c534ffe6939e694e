"""Derivations as lists of steps: aligned LaTeX in a notebook, plain text in a terminal.

Each :class:`Step` is one line ``lhs = expression`` with the justification that licenses it
(usually a rule id from :mod:`mdlib.curriculum`, e.g. ``"M2"``).

>>> d = Derivation([Step("f", "a^T X b", "given"), Step("df", "a^T dX b", "M2")])
>>> print(d)
f  = a^T X b     [given]
df = a^T dX b    [M2: product]
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import sympy

from .curriculum import rule_label


def _latex(value: object) -> str:
    return value if isinstance(value, str) else sympy.latex(value)


def _text(value: object) -> str:
    return latex_to_text(value) if isinstance(value, str) else sympy.sstr(value)


_GREEK = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "lambda": "λ",
    "mu": "μ", "phi": "φ", "varphi": "φ", "sigma": "σ", "Sigma": "Σ", "theta": "θ", "partial": "∂",
    "odot": "⊙", "otimes": "⊗", "cdot": "·", "times": "×", "pm": "±", "sum": "Σ", "top": "T",
    "to": "→", "Rightarrow": "⇒", "approx": "≈", "ne": "≠", "neq": "≠", "le": "≤", "ge": "≥",
    "infty": "∞", "in": "∈", "quad": " ", "qquad": " ",
}
_LATEX_RULES = [
    (re.compile(r"\\(?:mathrm|operatorname|mathbf|boldsymbol|text|textrm|mathit)\{([^{}]*)\}"), r"\1"),
    (re.compile(r"\\frac\{([^{}]*)\}\{([^{}]*)\}"), r"\1/\2"),
    (re.compile(r"\\(?:big|Big|bigg|Bigg)[lr]?|\\left|\\right"), ""),
    (re.compile(r"\\[,;:! ]"), " "),
    (re.compile(r"\^\{([^{}]*)\}"), r"^\1"),
    (re.compile(r"_\{([^{}]*)\}"), r"_\1"),
    (re.compile(r"\\([A-Za-z]+)"), lambda m: _GREEK.get(m.group(1), m.group(1))),
    (re.compile(r"[{}]"), ""),
    (re.compile(r"∂ "), "∂"),
    (re.compile(r" {2,}"), " "),
]


def latex_to_text(latex: str) -> str:
    r"""A readable plain-text form of simple LaTeX, for terminals and test logs.

    >>> latex_to_text(r"\mathrm{tr}\big(B\,G^T A\,dX\big)")
    'tr(B G^T A dX)'
    >>> latex_to_text(r"\frac{\partial f}{\partial X} = X^{-T} \odot A")
    '∂f/∂X = X^-T ⊙ A'
    """
    text = latex
    for pattern, replacement in _LATEX_RULES:
        text = pattern.sub(replacement, text)
    return text.strip()


@dataclass(frozen=True)
class Step:
    """One line of a derivation.

    ``lhs`` and ``expr`` are LaTeX strings or sympy objects; ``text`` overrides the plain-text
    form of ``expr`` (useful when ``expr`` is a LaTeX string), ``lhs_text`` that of ``lhs``.
    An empty ``lhs`` continues the previous line (``= …``).
    """

    lhs: object
    expr: object
    rule: str = ""
    text: str | None = None
    lhs_text: str | None = None

    @property
    def justification(self) -> str:
        return rule_label(self.rule) if self.rule else ""

    def latex(self) -> str:
        why = self.justification
        comment = rf" && \text{{{_escape(why)}}}" if why else ""
        return rf"{_latex(self.lhs)} &= {_latex(self.expr)}{comment}"

    def plain(self) -> tuple[str, str, str]:
        lhs = self.lhs_text if self.lhs_text is not None else _text(self.lhs)
        expr = self.text if self.text is not None else _text(self.expr)
        return lhs, expr, self.justification


_RAISABLE = "T-+0123456789ni()"
_SUPERSCRIPT = str.maketrans(_RAISABLE, "ᵀ⁻⁺⁰¹²³⁴⁵⁶⁷⁸⁹ⁿⁱ⁽⁾")
_POWER = re.compile(r"\^\{([^{}]*)\}|\^(-?\w)")


def _superscript(match: re.Match) -> str:
    power = match.group(1) if match.group(1) is not None else match.group(2)
    if power and all(ch in _RAISABLE for ch in power):
        return power.translate(_SUPERSCRIPT)
    return "ˆ" + power  # no Unicode superscript for it: a visible caret is the honest fallback


def _escape(text: str) -> str:
    """Make a justification safe inside ``\\text{}`` as JupyterLab's MathJax reads it.

    MathJax rejects a bare ``_``, ``^`` or ``\\textbackslash`` in text mode, so powers become
    Unicode superscripts (``F^-1`` → ``F⁻¹``, ``M^T`` → ``Mᵀ``) and ``_`` is escaped.

    >>> print(_escape("M = M^T, tr(F^-1 dF), x_1, d^{-1}, a^b"))
    M = Mᵀ, tr(F⁻¹ dF), x\\_1, d⁻¹, aˆb
    """
    text = _POWER.sub(_superscript, text.replace("\\", "∖")).replace("^", "ˆ")
    return text.replace("_", r"\_").replace("{", r"\{").replace("}", r"\}")


@dataclass
class Derivation:
    """An ordered list of steps, shown as one aligned block.

    >>> Derivation([Step("y", "x^2", "given")]).to_latex()
    '\\\\begin{aligned}y &= x^2 && \\\\text{given}\\\\end{aligned}'
    """

    steps: list[Step] = field(default_factory=list)
    title: str = ""

    def add(self, lhs: object, expr: object, rule: str = "", text: str | None = None) -> Derivation:
        """Append a step and return ``self`` so calls can chain."""
        self.steps.append(Step(lhs, expr, rule, text))
        return self

    def to_latex(self) -> str:
        body = r" \\ ".join(step.latex() for step in self.steps)
        return rf"\begin{{aligned}}{body}\end{{aligned}}"

    def _repr_latex_(self) -> str:
        return f"$${self.to_latex()}$$"

    def __str__(self) -> str:
        rows = [step.plain() for step in self.steps]
        if not rows:
            return self.title
        lhs_width = max(len(r[0]) for r in rows)
        expr_width = max(len(r[1]) for r in rows)
        lines = [self.title] if self.title else []
        for lhs, expr, why in rows:
            eq = "=" if lhs or expr else " "
            line = f"{lhs:<{lhs_width}} {eq} {expr:<{expr_width}}"
            lines.append(f"{line}    [{why}]" if why else line.rstrip())
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)

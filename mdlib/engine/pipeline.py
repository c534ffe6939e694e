"""The stages every derivation shares: expand dF, write df as traces, read off the gradient.

``derive`` and ``chain`` (and the second-order functions) are built from these public stages;
each stage returns its narrated lines instead of appending to a list it was given.

* :func:`expand_differential` — dF of a scalar- or matrix-valued F by M1–M8, one level per line.
* :func:`trace_stage` — df as a sum of ``tr(A_k dX)`` with T1–T5, and the lines that show it.
* :func:`read_off` — ∂f/∂X = (Σ A_k)^T (rule L), tidied.

>>> import sympy
>>> X, A = sympy.MatrixSymbol("X", 2, 2), sympy.MatrixSymbol("A", 2, 2)
>>> d = expand_differential(A * X.I, X)
>>> [line.step().plain()[1:] for line in d.lines]
[('A d(X^-1)', 'M2: product'), ('-A X^-1 dX X^-1', 'M5: inverse')]
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import sympy
from sympy.matrices.expressions import (
    Identity,
    MatAdd,
    MatMul,
    MatPow,
    MatrixExpr,
    MatrixSymbol,
    Trace,
    Transpose,
    ZeroMatrix,
)

from ..curriculum import RuleUse, cite
from ..i18n import _
from ..render import Step
from .algebra import collect, mat_mul
from .differential import differential_lines
from .grammar import canonical
from .nodes import depends_on, is_matrix, placeholder
from .printing import to_latex, to_text
from .readoff import gradient_from, tidy
from .trace_form import TraceTerm, splits_a_trace, trace_terms


@dataclass(frozen=True)
class Lhs:
    """A left-hand side given as ready LaTeX and text (``df``, ``∂f/∂X`` …)."""

    latex: str
    text: str


@dataclass(frozen=True)
class Raw:
    """A line body given as ready LaTeX and text (e.g. the loss as first written)."""

    latex: str
    text: str


DF = Lhs(r"\mathrm{d}f", "df")


class Said:
    """A sentence on a line, kept as its English message id and its values and said in the
    reader's language when the line is shown (a derivation shows the language of the moment).

    A value is shown as it is, except another :class:`Said` (said too) and a set of
    :class:`~mdlib.curriculum.RuleUse` (cited, as a line's rules are).

    >>> str(Said("{X} does not occur in f", X="X"))
    'X does not occur in f'
    """

    __slots__ = ("message", "values")

    def __init__(self, message: str, **values: object) -> None:
        self.message, self.values = message, values

    def __str__(self) -> str:
        text = _(self.message) if self.message else ""  # _("") would be the catalog's header
        if not self.values:
            return text
        return text.format(**{name: _said(value) for name, value in self.values.items()})

    def __repr__(self) -> str:
        return f"Said({self.message!r}, **{self.values!r})"

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Said) and self.message == other.message
                and self.values == other.values)

    def __hash__(self) -> int:
        return hash(self.message)


def _said(value: object) -> object:
    if isinstance(value, Said):
        return str(value)
    if isinstance(value, (set, frozenset)):
        return cite(value)
    return value


def gradient_lhs(X: MatrixSymbol, f: str = "f") -> Lhs:
    """``∂f/∂X`` as a left-hand side."""
    return Lhs(rf"\frac{{\partial {f}}}{{\partial {to_latex(X)}}}", f"∂{f}/∂{X.name}")


@dataclass(frozen=True)
class Line:
    """One line in the engine's own form: sympy objects (or Raw), rendered only when shown.

    ``rule`` is a set of :class:`~mdlib.curriculum.RuleUse` (cited in course order), a
    :class:`Said` sentence, or a plain justification such as ``"given"`` or ``"L"`` (a message
    id or a rule id, which the rendering translates).
    """

    lhs: object
    expr: object
    rule: object = ""

    def step(self) -> Step:
        if isinstance(self.lhs, Lhs):
            lhs_latex, lhs_text = self.lhs.latex, self.lhs.text
        elif isinstance(self.lhs, str):
            lhs_latex, lhs_text = self.lhs, None
        else:
            lhs_latex, lhs_text = to_latex(self.lhs), to_text(self.lhs)
        rule = self.rule if isinstance(self.rule, str) else _said(self.rule)
        if isinstance(self.expr, Raw):
            return Step(lhs_latex, self.expr.latex, rule, text=self.expr.text, lhs_text=lhs_text)
        return Step(lhs_latex, to_latex(self.expr), rule, text=to_text(self.expr),
                    lhs_text=lhs_text)


@dataclass(frozen=True)
class Differential:
    """dF of an expression: the symbol dX, the expanded differential and its lines."""

    dX: MatrixSymbol
    value: sympy.Basic
    lines: tuple[Line, ...]


def expand_differential(F: sympy.Basic, X: MatrixSymbol, dX: MatrixSymbol | None = None,
                        lhs: object = DF, is_canonical: bool = False) -> Differential:
    r"""dF for a scalar- or matrix-valued ``F`` by M1–M8, one level per line.

    ``F`` is brought to the engine's canonical form first (unless ``is_canonical``), so an
    unsupported operation raises a clear :class:`~mdlib.MdlibError`. ``dX`` defaults to a
    placeholder printed ``dX`` that cannot clash with a reader's names; the first line has
    ``lhs`` (``df``; pass e.g. ``Lhs("dF", "dF")`` for a matrix F).
    """
    if not is_canonical:
        F = canonical(F, X)
    dX = placeholder(f"d{X.name}", *X.shape, F) if dX is None else dX
    if not depends_on(F, X):
        return Differential(dX, ZeroMatrix(*F.shape) if is_matrix(F) else sympy.S.Zero, ())
    expanded = differential_lines(F, X, dX)
    lines = tuple(Line(lhs if k == 0 else "", expr, frozenset(rules))
                  for k, (expr, rules) in enumerate(expanded))
    value = expanded[-1][0] if expanded else (dX if F == X else sympy.S.Zero)
    return Differential(dX, value, lines)


def _changed(before: sympy.Basic, after: sympy.Basic) -> bool:
    """Whether a step changes the expression (structurally; printing is not consulted)."""
    return before != after and _key(before) != _key(after)


def _key(e: sympy.Basic) -> object:
    """One structure per meaning where sympy has two: A^{-1} as an inverse or as a power -1,
    X^{-T} either way round, a product with or without brackets, identity factors or its
    numbers multiplied out."""
    if isinstance(e, MatPow) and e.exp == -1:  # also Inverse, a MatPow subclass
        inner = e.args[0]
        return ("inv-T", _key(inner.arg)) if isinstance(inner, Transpose) else ("inv", _key(inner))
    if isinstance(e, Transpose) and isinstance(e.arg, MatPow) and e.arg.exp == -1:
        return ("inv-T", _key(e.arg.args[0]))
    if isinstance(e, MatMul):  # neither brackets nor multiplying out numbers are a step
        number, scalars, mats = sympy.S.One, [], []
        stack = list(reversed(e.args))
        while stack:
            a = stack.pop()
            if isinstance(a, sympy.Mul):  # MatMul is a Mul too
                stack.extend(reversed(a.args))
            elif isinstance(a, sympy.Number):
                number *= a
            elif not isinstance(a, MatrixExpr):
                scalars.append(_key(a))
            elif not isinstance(a, Identity):
                mats.append(_key(a))
        if number == 1 and not scalars and len(mats) == 1:
            return mats[0]
        return ("mul", number, tuple(sorted(scalars, key=str)), tuple(mats))
    if not getattr(e, "args", ()) or isinstance(e, MatrixSymbol):
        return e
    return (type(e), tuple(_key(a) for a in e.args))


@dataclass(frozen=True)
class TraceStage:
    """df as traces: the terms (with their tricks), the left factors A_k, and the lines."""

    terms: tuple[TraceTerm, ...]
    lefts: tuple[sympy.Basic, ...]
    lines: tuple[Line, ...]


def trace_stage(differential: sympy.Basic, dX: MatrixSymbol, previous: sympy.Basic,
                symmetric: Iterable[str] = ()) -> TraceStage:
    """T1–T5: the wrapped traces, then each term with dX last (``previous``: the last df)."""
    terms = trace_terms(differential, dX)
    lines: list[Line] = []
    wrapped = [t.wrapped for t in terms]
    wrap_rules = set().union(*[t.wrap_tricks for t in terms])
    split = splits_a_trace(differential, dX)
    if split:  # tr(A + B) = tr(A) + tr(B)
        wrap_rules.add(RuleUse("T3"))
    shown = wrapped[0] if len(wrapped) == 1 else sympy.Add(*wrapped, evaluate=False)
    # A line of its own for T1 or for several traces; a lone c tr(M) = tr(c M) (T3) is cited
    # on the line that moves dX, which then does both.
    own_line = RuleUse("T1") in wrap_rules or len(terms) > 1 or split
    if own_line and wrap_rules and _changed(shown, previous):
        lines.append(Line("", shown, frozenset(wrap_rules)))
    lefts = []
    for t in terms:
        left = tidy(t.left, symmetric)
        lefts.append(left)
        moved = Trace(mat_mul(left, dX))
        tricks = t.tricks if own_line else t.tricks | t.wrap_tricks
        if t.tricks and _changed(moved, t.wrapped):
            lines.append(Line("" if len(terms) == 1 else t.wrapped, moved, frozenset(tricks)))
    if len(terms) > 1:
        total = tidy(collect(lefts), symmetric)
        body = sympy.Trace(sympy.MatMul(total, dX)) if isinstance(total, MatAdd) else Trace(
            mat_mul(total, dX))
        lines.append(Line(DF, body, frozenset({RuleUse("T3")})))
    return TraceStage(tuple(terms), tuple(lefts), tuple(lines))


def read_off(lefts: Iterable[sympy.Basic], X: MatrixSymbol, symmetric: Iterable[str] = ()
             ) -> tuple[sympy.Basic, Line]:
    """∂f/∂X from df = Σ tr(A_k dX) (rule L) and its line."""
    gradient = gradient_from(list(lefts), symmetric)
    return gradient, Line(gradient_lhs(X), gradient, "L")

"""``derive(f, X)``: the differential-and-trace method, narrated line by line and verified.

>>> import sympy
>>> X, a, b = sympy.MatrixSymbol("X", 3, 3), sympy.MatrixSymbol("a", 3, 1), sympy.MatrixSymbol("b", 3, 1)
>>> d = derive(a.T * X * b, X)
>>> d.gradient
a*b.T
>>> print(d)  # doctest: +ELLIPSIS
f     = a^T X b         [given]
df    = a^T dX b        [M2: product]
      = tr(a^T dX b)    [T1: scalar is its trace]
      = tr(b a^T dX)    [T4: cyclic trace]
∂f/∂X = a b^T           [L: gradient link]
verified: gradient vs central differences relative error ...
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import sympy
from sympy.matrices.expressions import MatAdd, MatrixSymbol, Trace, ZeroMatrix

from ..curriculum import rule_label
from ..errors import MdlibError
from ..render import Derivation, Step
from .differential import differential_lines
from .grammar import prepare, read, read_symbol
from .nodes import depends_on, placeholder
from .numeric import dims_from, evaluate, scalar_value
from .printing import to_latex, to_text
from .readoff import collect, gradient_from, tidy
from .trace_form import TraceTerm, mat_mul, trace_terms
from .verify import Verification, verify

_ORDER = ["M1", "M2", "M3", "M4", "M5", "M6", "M7", "M8", "T1", "T2", "T3", "T4", "T5"]


def rules_text(rules: Iterable[str]) -> str:
    """``"M2: product; M3: transpose"`` for a set of ids (longer labels kept as they are)."""
    def key(r: str) -> tuple:
        head = r.split(":")[0]
        return (_ORDER.index(head) if head in _ORDER else 99, r)

    labels = []
    for r in sorted(set(rules), key=key):
        if ":" in r and r.split(":")[0] in {x.split(":")[0] for x in rules if x != r and ":" not in x}:
            continue
        labels.append(rule_label(r))
    # An extended label ("M6: determinant, as …") replaces the plain one of the same id.
    heads = {lab.split(":")[0] for lab in labels if "," in lab or "(" in lab}
    return "; ".join(lab for lab in labels if not (lab.split(":")[0] in heads and "," not in lab
                                                    and "(" not in lab))


class _Raw:
    """A line body given as ready LaTeX and text."""

    def __init__(self, latex: str, text: str) -> None:
        self.latex, self.text = latex, text


class _Line:
    """One line in the engine's own form: sympy objects, rendered only when shown."""

    def __init__(self, lhs: object, expr: object, rule: str, note: str = "") -> None:
        self.lhs, self.expr, self.rule, self.note = lhs, expr, rule, note

    def step(self) -> Step:
        lhs_latex = self.lhs if isinstance(self.lhs, str) else to_latex(self.lhs)
        lhs_text = _LHS_TEXT.get(self.lhs, None) if isinstance(self.lhs, str) else to_text(self.lhs)
        if isinstance(self.expr, _Raw):
            return Step(lhs_latex, self.expr.latex, self.rule, text=self.expr.text, lhs_text=lhs_text)
        return Step(lhs_latex, to_latex(self.expr), self.rule, text=to_text(self.expr),
                    lhs_text=lhs_text)


_LHS_TEXT: dict[str, str] = {}


def _lhs(latex: str, text: str) -> str:
    _LHS_TEXT[latex] = text
    return latex


class MatrixDerivation:
    """A verified derivation of ∂f/∂X (denominator layout: df = tr((∂f/∂X)^T dX))."""

    def __init__(self, f, X, dX, canonical_f, differential, terms: list[TraceTerm], gradient,
                 lines: list[_Line], shapes=None, symmetric=(), title: str = "") -> None:
        self.f, self.X, self.dX = f, X, dX
        self._f = canonical_f
        self.differential = differential
        self.terms = terms
        self.gradient = gradient
        self._lines = lines
        self._steps: list[Step] | None = None
        self.shapes = shapes
        self.symmetric = tuple(symmetric)
        self.verification: Verification | None = None
        self.title = title
        #: Why no numeric check is needed (∂f/∂X = 0 because X does not occur in f), or "".
        self.exact_reason = ""

    @property
    def trace_form(self) -> sympy.Basic:
        """df as a sum of ``tr(A_k dX)`` terms."""
        traces = [Trace(mat_mul(t.left, self.dX)) for t in self.terms]
        return traces[0] if len(traces) == 1 else sympy.Add(*traces, evaluate=False)

    @property
    def steps(self) -> list[Step]:
        if self._steps is None:
            self._steps = [line.step() for line in self._lines]
        return self._steps

    def derivation(self) -> Derivation:
        return Derivation(self.steps, self.title)

    def _repr_latex_(self) -> str:
        latex = self.derivation()._repr_latex_()
        if self.verification is not None:
            mark = r"\checkmark" if self.verification.passed else r"\times"
            err = self.verification.relative_error
            latex += (rf"$${mark}\ \text{{numerically verified: relative error {err:.1e} vs "
                      rf"central differences, remainder order "
                      rf"{'exact' if np.isinf(self.verification.order) else f'{self.verification.order:.2f}'}}}$$")
        elif self.exact_reason:
            latex += rf"$$\text{{{self.exact_reason}}}$$"
        return latex

    def __str__(self) -> str:
        text = str(self.derivation())
        if self.verification is not None:
            text += "\n" + self.verification.message
        elif self.exact_reason:
            text += "\n" + self.exact_reason
        return text

    __repr__ = __str__

    def gradient_function(self) -> Callable[..., np.ndarray]:
        """A numpy function of the symbols' values (keyword arguments by name) → ∂f/∂X."""
        gradient, shape_symbols = self.gradient, self.X.shape

        def grad(**values) -> np.ndarray:
            arrays = {k: (np.asarray(v, dtype=float) if np.ndim(v) else float(v))
                      for k, v in values.items()}
            out = np.asarray(evaluate(gradient, arrays, dims_from(gradient, arrays)), dtype=float)
            target = np.shape(arrays.get(str(self.X.name), out))
            return np.broadcast_to(out, target).copy() if out.shape != target else out

        grad.__doc__ = f"∂f/∂{self.X.name} = {to_text(gradient)} (numpy)"
        del shape_symbols
        return grad

    def check(self, seed: int = 0, shapes: dict | None = None) -> Verification:
        """Verify again (e.g. with another seed or other shapes); raise if it fails."""
        result = verify(self._f, self.X, self.dX, self.differential, self.gradient,
                        shapes if shapes is not None else self.shapes, seed, self.symmetric)
        self.verification = result
        if not result:
            raise MdlibError(f"the engine could not verify ∂f/∂{self.X.name}: {result.message}")
        return result


def _trace_lines(terms: list[TraceTerm], dX, X, lines: list[_Line], symmetric) -> list:
    """Lines for T1–T5: the wrapped traces, then each term with dX last."""
    wrapped = [t.wrapped for t in terms]
    wrap_rules = set().union(*[{r for r in t.tricks if r in ("T1",)} for t in terms])
    if len(terms) > 1:
        wrap_rules.add("T3")
    shown = wrapped[0] if len(wrapped) == 1 else sympy.Add(*wrapped, evaluate=False)
    if wrap_rules and to_text(shown) != to_text(lines[-1].expr):
        lines.append(_Line("", shown, rules_text(wrap_rules)))
    lefts = []
    for t in terms:
        left = tidy(t.left, symmetric)
        lefts.append(left)
        moved = Trace(mat_mul(left, dX))
        tricks = t.tricks - {"T1"}
        # Compare as printed: a move that changes nothing visible is not a step for the reader.
        if tricks and to_text(moved) != to_text(t.wrapped):
            if len(terms) == 1:
                lines.append(_Line("", moved, rules_text(tricks)))
            else:
                lines.append(_Line(t.wrapped, moved, rules_text(tricks)))
    if len(terms) > 1:
        total = tidy(collect(lefts), symmetric)
        lines.append(_Line(_lhs(r"\mathrm{d}f", "df"), Trace(mat_mul(total, dX)) if not isinstance(
            total, MatAdd) else sympy.Trace(sympy.MatMul(total, dX)), rules_text({"T3"})))
    return lefts


def _check_given(given_expr: sympy.Basic, f: sympy.Basic, X: MatrixSymbol, shapes, symmetric,
                 seed: int) -> None:
    """Refuse a ``given`` form that is not equal to ``f`` at random data."""
    from .verify import random_data

    g = prepare(given_expr, X)
    both = sympy.Tuple(f, g)
    for attempt in range(2):
        data = random_data(both, shapes, seed + 101 * attempt, symmetric, variable=str(X.name))
        try:
            fv = scalar_value(f, data.values, data.dims)
            gv = scalar_value(g, data.values, data.dims)
        except MdlibError as err:
            raise MdlibError(f"the given form cannot be checked at random data: {err}") from None
        if not np.isclose(fv, gv, rtol=1e-8, atol=1e-10 * max(1.0, abs(fv))):
            raise MdlibError(f"the given form {to_text(g)} is not equal to f = {to_text(f)}: at "
                             f"random data it is {gv:.6g}, f is {fv:.6g}")


def _given_lines(f, given, X, shapes, symmetric, seed) -> list[_Line]:
    """The loss as first written, then f with the reason; checked numerically when possible."""
    if given is None:
        return [_Line("f", f, "given")]
    if len(given) not in (3, 4):
        raise MdlibError("given must be (latex, text, reason) or (latex, text, reason, "
                         "expression equal to f)")
    latex, text, reason = given[:3]
    if len(given) == 4:
        _check_given(read(given[3], shapes, "the given expression"), f, X,
                     shapes if not isinstance(shapes, str) else None, symmetric, seed)
    else:  # only words: shown, but never as if the engine had checked them
        reason = f"{reason} (not checked numerically)"
    _LHS_TEXT[latex] = text
    return [_Line("f", _Raw(latex, text), "given"), _Line("", f, reason)]


def derive(f: object, X: MatrixSymbol | str, shapes: dict | str | None = None,
           verify: bool = True, seed: int = 0, symmetric: Iterable[str] = (),
           given: tuple | None = None) -> MatrixDerivation:
    """Differentiate the scalar ``f`` by the MatrixSymbol ``X`` with the method P.

    ``shapes`` gives sizes for symbolic shapes (``{"X": (3, 4)}`` or ``{"n": 4}``; default 3),
    or, when ``f`` is typed text, the declarations as text (``"X: 3x3, a: 3x1"``: the text
    is read by :func:`mdlib.parse.parse_expression`, never evaluated).
    ``symmetric`` names matrices known to be symmetric (used to simplify, and for the data).
    ``given = (latex, text, reason, expression)`` shows the loss as first written and why
    ``f`` equals it (e.g. softmax rewritten with a log-sum-exp); the expression is checked to
    equal ``f`` at random data. Without it the rewriting is marked as not checked.
    """
    f = read(f, shapes)
    X = read_symbol(X, shapes)
    canonical_f = prepare(f, X)
    verify_shapes = None if isinstance(shapes, str) else shapes
    dX = placeholder(f"d{X.name}", *X.shape, f)
    symmetric = tuple(symmetric)
    d_lhs = _lhs(r"\mathrm{d}f", "df")
    lines = _given_lines(f, given, X, shapes, symmetric, seed)
    g_lhs = _lhs(rf"\frac{{\partial f}}{{\partial {to_latex(X)}}}", f"∂f/∂{X.name}")
    expanded = differential_lines(canonical_f, X, dX) if depends_on(canonical_f, X) else []
    for k, (expr, rules) in enumerate(expanded):
        lines.append(_Line(d_lhs if k == 0 else "", expr, rules_text(rules)))
    differential = expanded[-1][0] if expanded else (dX if canonical_f == X else sympy.S.Zero)
    if not differential.has(dX):  # X absent, or the terms of df cancel
        zero = ZeroMatrix(*X.shape)
        if not expanded:
            lines.append(_Line(d_lhs, sympy.S.Zero, f"{X.name} does not occur in f"))
        lines.append(_Line(g_lhs, zero, "L"))
        result = MatrixDerivation(f, X, dX, canonical_f, sympy.S.Zero, [], zero, lines,
                                  verify_shapes, symmetric)
        if not depends_on(canonical_f, X):
            result.exact_reason = (f"exact, no numeric check needed: {X.name} does not occur in "
                                   f"f, so df = 0 and ∂f/∂{X.name} = 0")
        elif verify:
            result.check(seed=seed)
        return result
    terms = trace_terms(differential, dX)
    lefts = _trace_lines(terms, dX, X, lines, symmetric)
    gradient = gradient_from(lefts, symmetric)
    lines.append(_Line(g_lhs, gradient, "L"))
    result = MatrixDerivation(f, X, dX, canonical_f, differential, terms, gradient, lines,
                              verify_shapes, symmetric)
    if verify:
        result.check(seed=seed)
    return result

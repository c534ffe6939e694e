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
from dataclasses import dataclass, field

import numpy as np
import sympy
from sympy.matrices.expressions import MatrixSymbol, Trace, ZeroMatrix

from ..errors import MdlibError
from ..i18n import N_, _, get_language
from ..render import Derivation, Step
from .algebra import mat_mul
from .grammar import prepare, read, read_symbol, sizes
from .nodes import depends_on, placeholder
from .numeric import dims_from, evaluate, numeric_values, scalar_value
from .pipeline import DF, Line, Raw, Said, expand_differential, gradient_lhs, read_off, trace_stage
from .printing import to_text
from .trace_form import TraceTerm
from .verify import Verification, random_data, verify


@dataclass(kw_only=True, eq=False)
class MatrixDerivation:
    """A verified derivation of ∂f/∂X (denominator layout: df = tr((∂f/∂X)^T dX))."""

    f: object
    X: MatrixSymbol
    dX: MatrixSymbol
    canonical_f: sympy.Basic  # what was differentiated (and is verified)
    differential: sympy.Basic
    terms: list[TraceTerm]
    gradient: sympy.Basic
    lines: list[Line]
    shapes: dict | None = None
    symmetric: tuple = ()
    title: str = ""
    verification: Verification | None = None
    #: Why no numeric check is needed (∂f/∂X = 0 because X does not occur in f), or "" (in
    #: the reader's language when it was derived).
    exact_reason: str = ""
    #: Why ∂f/∂X = 0, as data (never read from the words): ``"absent"`` (X does not occur in
    #: f), ``"cancel"`` (the terms of df cancel as the rules are applied), ``"cancelled"`` (the
    #: verification found the gradient's terms cancelling), or "" (a gradient that is not 0).
    zero_cause: str = ""
    _steps: tuple[str, list[Step]] | None = field(default=None, repr=False)  # (language, steps)

    @property
    def _f(self) -> sympy.Basic:  # the name tests and benchmarks have used
        return self.canonical_f

    @property
    def trace_form(self) -> sympy.Basic:
        """df as a sum of ``tr(A_k dX)`` terms."""
        traces = [Trace(mat_mul(t.left, self.dX)) for t in self.terms]
        if not traces:
            return sympy.S.Zero
        return traces[0] if len(traces) == 1 else sympy.Add(*traces, evaluate=False)

    @property
    def steps(self) -> list[Step]:
        """The lines as :class:`~mdlib.render.Step`, in the reader's language of the moment."""
        language = get_language()
        if self._steps is None or self._steps[0] != language:
            self._steps = (language, [line.step() for line in self.lines])
        return self._steps[1]

    @property
    def rule_ids(self) -> tuple[str, ...]:
        """The ids of the rules its lines cite, each once, in the order first cited (data for
        code that asks which rules were used: never parse the labels, they are translated).

        >>> X, A = sympy.MatrixSymbol("X", 2, 2), sympy.MatrixSymbol("A", 2, 2)
        >>> derive(sympy.Trace(A * X.I), X).rule_ids
        ('M4', 'M2', 'M5', 'T4', 'L')
        """
        ids: dict[str, None] = {}
        for line in self.lines:
            uses = line.rule if isinstance(line.rule, (set, frozenset)) else ()
            for use in sorted(uses, key=lambda u: u.sort_key()):
                ids.setdefault(use.id, None)
            if line.rule == "L":
                ids.setdefault("L", None)
        return tuple(ids)

    def derivation(self) -> Derivation:
        return Derivation(self.steps, self.title)

    def _repr_latex_(self) -> str:
        latex = self.derivation()._repr_latex_()
        if self.verification is not None:
            mark = r"\checkmark" if self.verification.passed else r"\times"
            if np.isinf(self.verification.order):
                said = _("numerically verified: relative error {error:.1e} vs central "
                         "differences, remainder order exact")
            else:
                said = _("numerically verified: relative error {error:.1e} vs central "
                         "differences, remainder order {order:.2f}")
            said = said.format(error=self.verification.relative_error,
                               order=self.verification.order)
            latex += rf"$${mark}\ \text{{{said}}}$$"
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
        gradient = self.gradient

        def grad(**values) -> np.ndarray:
            arrays = numeric_values(values)
            out = np.asarray(evaluate(gradient, arrays, dims_from(gradient, arrays)), dtype=float)
            given = values.get(str(self.X.name))  # ∂f/∂X has X's shape, as X was given
            target = np.shape(given) if given is not None else out.shape
            if out.shape == target:
                return out
            return out.reshape(target) if out.size == np.prod(target) else np.broadcast_to(
                out, target).copy()

        grad.__doc__ = f"∂f/∂{self.X.name} = {to_text(gradient)} (numpy)"
        return grad

    def numeric(self, **values) -> np.ndarray:
        """∂f/∂X at the given values (keyword arguments by name; a list is a column vector).

        >>> X = sympy.MatrixSymbol("X", 2, 2)
        >>> derive(sympy.Trace(X.T * X), X).numeric(X=[[1, 2], [3, 4]])
        array([[2., 4.],
               [6., 8.]])
        """
        return self.gradient_function()(**values)

    def check(self, seed: int = 0, shapes: dict | None = None) -> Verification:
        """Verify again (e.g. with another seed or other shapes); raise if it fails."""
        result = verify(self.canonical_f, self.X, self.dX, self.differential, self.gradient,
                        shapes if shapes is not None else self.shapes, seed, self.symmetric)
        self.verification = result
        if not result:
            raise MdlibError(_("the engine could not verify {what}: {message}").format(
                what=f"∂f/∂{self.X.name}", message=result.message))
        return result


def _check_given(given_expr: sympy.Basic, f: sympy.Basic, X: MatrixSymbol, shapes, symmetric,
                 seed: int) -> None:
    """Refuse a ``given`` form that is not equal to ``f`` at random data."""
    g = prepare(given_expr, X)
    both = sympy.Tuple(f, g)
    for attempt in range(2):
        data = random_data(both, shapes, seed + 101 * attempt, symmetric, variable=str(X.name))
        try:
            fv = scalar_value(f, data.values, data.dims)
            gv = scalar_value(g, data.values, data.dims)
        except MdlibError as err:
            raise MdlibError(_("the given form cannot be checked at random data: {error}").format(
                error=err)) from None
        if not np.isclose(fv, gv, rtol=1e-8, atol=1e-10 * max(1.0, abs(fv))):
            raise MdlibError(_("the given form {given} is not equal to f = {f}: at random data it "
                               "is {given_value:.6g}, f is {f_value:.6g}").format(
                                   given=to_text(g), f=to_text(f), given_value=gv, f_value=fv))


#: The justification of the line that states f (a message id: shown translated).
GIVEN = N_("given")


def _given_lines(f, given, X, shapes, symmetric, seed) -> list[Line]:
    """The loss as first written, then f with the reason; checked numerically when possible."""
    if given is None:
        return [Line("f", f, GIVEN)]
    if len(given) not in (3, 4):
        raise MdlibError(_("given must be (latex, text, reason) or (latex, text, reason, "
                           "expression equal to f)"))
    latex, text, reason = given[:3]
    if len(given) == 4:
        _check_given(read(given[3], _("the given expression")), f, X, shapes, symmetric, seed)
    else:  # only words: shown, but never as if the engine had checked them
        reason = Said(N_("{reason} (not checked numerically)"), reason=Said(reason))
    return [Line("f", Raw(latex, text), GIVEN), Line("", f, reason)]


def derive(f: object, X: MatrixSymbol, shapes: dict | None = None,
           verify: bool = True, seed: int = 0, symmetric: Iterable[str] = (),
           given: tuple | None = None) -> MatrixDerivation:
    """Differentiate the scalar ``f`` by the MatrixSymbol ``X`` with the method P (sympy objects).

    ``shapes`` gives sizes for symbolic shapes (``{"X": (3, 4)}`` or ``{"n": 4}``; default 3).
    ``symmetric`` names matrices known to be symmetric (used to simplify, and for the data).
    ``given = (latex, text, reason, expression)`` shows the loss as first written and why
    ``f`` equals it (e.g. softmax rewritten with a log-sum-exp); the expression is checked to
    equal ``f`` at random data. Without it the rewriting is marked as not checked.
    (:func:`mdlib.derive` takes typed text as well and reads it with the course's parser.)
    """
    f = read(f)
    X = read_symbol(X)
    shapes = sizes(shapes)
    canonical_f = prepare(f, X)
    symmetric = tuple(symmetric)
    lines = _given_lines(f, given, X, shapes, symmetric, seed)
    d = expand_differential(canonical_f, X, placeholder(f"d{X.name}", *X.shape, f),
                            is_canonical=True)
    lines += d.lines
    common = dict(f=f, X=X, dX=d.dX, canonical_f=canonical_f, shapes=shapes, symmetric=symmetric)
    if not d.value.has(d.dX):  # X absent, or the terms of df cancel
        zero = ZeroMatrix(*X.shape)
        if not d.lines:
            lines.append(Line(DF, sympy.S.Zero, Said(N_("{X} does not occur in f"), X=X.name)))
        else:  # the rules gave terms that cancel: say so on the line where df became 0
            last = lines[-1]
            lines[-1] = Line(last.lhs, last.expr, Said(
                N_("{rules}; the terms cancel, so f does not change with {X}"),
                rules=last.rule, X=X.name))
        lines.append(Line(gradient_lhs(X), zero, "L"))
        result = MatrixDerivation(differential=sympy.S.Zero, terms=[], gradient=zero,
                                  lines=lines, zero_cause="cancel" if d.lines else "absent",
                                  **common)
        if not depends_on(canonical_f, X):
            result.exact_reason = _("exact, no numeric check needed: {X} does not occur in f, so "
                                    "df = 0 and ∂f/∂{X} = 0").format(X=X.name)
        elif verify:
            result.check(seed=seed)
        return result
    traces = trace_stage(d.value, d.dX, lines[-1].expr, symmetric)
    gradient, last = read_off(traces.lefts, X, symmetric)
    lines += [*traces.lines, last]
    result = MatrixDerivation(differential=d.value, terms=list(traces.terms), gradient=gradient,
                              lines=lines, zero_cause="cancel" if getattr(
                                  gradient, "is_ZeroMatrix", False) else "", **common)
    if verify:
        result.check(seed=seed)
        cancelled = result.verification.details.get("cancelled")
        if cancelled is not None:  # e.g. (tr(A) - tr(Aᵀ)) 1 1ᵀ: f does not change with X
            _answer_zero(result, cancelled)
    return result


#: Why an answer is 0 where the verification found terms that cancel (F: "f", "F" or "∇f").
TERMS_CANCEL = N_("{expression} = 0: its terms cancel, so {F} does not change with {X}")


def _answer_zero(result: MatrixDerivation, cancelled: sympy.Basic) -> None:
    """∂f/∂X = 0 where the verification found the gradient's terms cancelling (and f flat)."""
    zero = ZeroMatrix(*result.X.shape)
    reason = Said(TERMS_CANCEL, expression=to_text(cancelled), F="f", X=result.X.name)
    result.lines = [*result.lines, Line("", zero, reason)]
    result.gradient, result.terms, result._steps = zero, [], None
    result.zero_cause = "cancelled"

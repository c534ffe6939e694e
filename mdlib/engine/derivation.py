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

from ..curriculum import cite
from ..errors import MdlibError
from ..render import Derivation, Step
from .algebra import mat_mul
from .grammar import prepare, read, read_symbol, sizes
from .nodes import depends_on, placeholder
from .numeric import dims_from, evaluate, numeric_values, scalar_value
from .pipeline import DF, Line, Raw, expand_differential, gradient_lhs, read_off, trace_stage
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
    #: Why no numeric check is needed (∂f/∂X = 0 because X does not occur in f), or "".
    exact_reason: str = ""
    _steps: list[Step] | None = field(default=None, repr=False)

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
        if self._steps is None:
            self._steps = [line.step() for line in self.lines]
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
            raise MdlibError(f"the engine could not verify ∂f/∂{self.X.name}: {result.message}")
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
            raise MdlibError(f"the given form cannot be checked at random data: {err}") from None
        if not np.isclose(fv, gv, rtol=1e-8, atol=1e-10 * max(1.0, abs(fv))):
            raise MdlibError(f"the given form {to_text(g)} is not equal to f = {to_text(f)}: at "
                             f"random data it is {gv:.6g}, f is {fv:.6g}")


def _given_lines(f, given, X, shapes, symmetric, seed) -> list[Line]:
    """The loss as first written, then f with the reason; checked numerically when possible."""
    if given is None:
        return [Line("f", f, "given")]
    if len(given) not in (3, 4):
        raise MdlibError("given must be (latex, text, reason) or (latex, text, reason, "
                         "expression equal to f)")
    latex, text, reason = given[:3]
    if len(given) == 4:
        _check_given(read(given[3], "the given expression"), f, X, shapes, symmetric, seed)
    else:  # only words: shown, but never as if the engine had checked them
        reason = f"{reason} (not checked numerically)"
    return [Line("f", Raw(latex, text), "given"), Line("", f, reason)]


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
            lines.append(Line(DF, sympy.S.Zero, f"{X.name} does not occur in f"))
        else:  # the rules gave terms that cancel: say so on the line where df became 0
            last = lines[-1]
            rule = last.rule if isinstance(last.rule, str) else cite(last.rule)
            lines[-1] = Line(last.lhs, last.expr, f"{rule}; the terms cancel, so f does not "
                                                  f"change with {X.name}")
        lines.append(Line(gradient_lhs(X), zero, "L"))
        result = MatrixDerivation(differential=sympy.S.Zero, terms=[], gradient=zero,
                                  lines=lines, **common)
        if not depends_on(canonical_f, X):
            result.exact_reason = (f"exact, no numeric check needed: {X.name} does not occur in "
                                   f"f, so df = 0 and ∂f/∂{X.name} = 0")
        elif verify:
            result.check(seed=seed)
        return result
    traces = trace_stage(d.value, d.dX, lines[-1].expr, symmetric)
    gradient, last = read_off(traces.lefts, X, symmetric)
    lines += [*traces.lines, last]
    result = MatrixDerivation(differential=d.value, terms=list(traces.terms), gradient=gradient,
                              lines=lines, **common)
    if verify:
        result.check(seed=seed)
        cancelled = result.verification.details.get("cancelled")
        if cancelled is not None:  # e.g. (tr(A) - tr(Aᵀ)) 1 1ᵀ: f does not change with X
            _answer_zero(result, cancelled)
    return result


def _answer_zero(result: MatrixDerivation, cancelled: sympy.Basic) -> None:
    """∂f/∂X = 0 where the verification found the gradient's terms cancelling (and f flat)."""
    zero = ZeroMatrix(*result.X.shape)
    reason = (f"{to_text(cancelled)} = 0: its terms cancel, so f does not change with "
              f"{result.X.name}")
    result.lines = [*result.lines, Line("", zero, reason)]
    result.gradient, result.terms, result._steps = zero, [], None

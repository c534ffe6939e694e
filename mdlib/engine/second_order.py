"""Second order: Jacobians of matrix functions and Hessians, narrated and verified (H1–H5).

``jacobian(F, X)`` differentiates a matrix- or vector-valued ``F`` with the rules M1–M8, writes
``vec(dF)`` with the vec rules H1–H2 (one rule per line) and reads off the matrix-by-matrix
derivative with H3. Layout (the article's, consistent with the gradient link L): for F (p×q)
of X (m×n), ∂F/∂X is the **mn × pq** matrix with

    vec(dF) = (∂F/∂X)ᵀ vec(dX),      vec stacks columns,

so ∂F/∂X is the *transpose* of the Jacobian ∂vec F/∂(vec X)ᵀ of chapter 2. Every output says so.

``hessian(f, X)`` derives the gradient ∇f (the m×n gradient of chapters 3–7; chapter 8's
∂f/∂X is its vec) with :func:`mdlib.derive` (its lines shown, the read-off as ``∇f = …``),
differentiates it again and reads off ∇²f = ∂(∇f)/∂X (mn × mn, H5); it prints the
second-order expansion with the reader's f. The read-off is shown pass by pass: the transpose
pushed in, then each tidying with the H2 rules it uses. A constant F (or one whose X-terms
cancel) has the zero matrix as its derivative, said and checked. These functions take sympy
objects; :func:`mdlib.jacobian` and :func:`mdlib.hessian` (:mod:`mdlib.api`) take typed text
as well.

Nothing is returned unverified: ``J vec V`` is compared with central differences of ``vec F``
along a few random directions ``V`` (a handful of evaluations, whatever the size), the
linearization's remainder must vanish like h², and a Hessian must be symmetric and make the
second-order remainder of f vanish like h³.

>>> import sympy
>>> A, X = sympy.MatrixSymbol("A", 2, 3), sympy.MatrixSymbol("X", 3, 4)
>>> J = jacobian(A * X, X)
>>> J.text
'I_4 ⊗ A^T'
>>> print(J)  # doctest: +ELLIPSIS
F       = A X                  [given]
dF      = A dX                 [M2: product]
vec(dF) = (I_4 ⊗ A) vec(dX)    [H1: vec(A dX B) = (Bᵀ ⊗ A) vec dX]
∂F/∂X   = (I_4 ⊗ A)^T          [H3: vec dF = (∂F/∂X)ᵀ vec dX]
        = I_4 ⊗ A^T            [H2: (A ⊗ B)ᵀ = Aᵀ ⊗ Bᵀ]
layout: ∂F/∂X is 12×8 (mn×pq), vec(dF) = (∂F/∂X)ᵀ vec(dX): the transpose of the Jacobian ∂vec F/∂(vec X)ᵀ of chapter 2
verified: ...
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import sympy
from sympy.matrices.expressions import MatMul, MatrixExpr, MatrixSymbol, ZeroMatrix

from ..curriculum import RuleUse
from ..errors import MdlibError
from ..gradcheck import relative_error
from ..i18n import N_, _
from ..render import Derivation, Step
from . import numeric, printing, vectorize
from .algebra import mat_mul
from .derivation import GIVEN, TERMS_CANCEL, derive
from .grammar import (
    canonical,
    is_one_by_one,
    not_a_matrix_symbol,
    prepare,
    read,
    read_symbol,
    sizes,
)
from .nodes import depends_on
from .pipeline import Lhs, expand_differential
from .readoff import tidy
from .second_order_checks import SecondOrderCheck, tail_order, verify_hessian, verify_jacobian
from .verify import random_data

H4 = RuleUse("H4", "∂Z/∂X = (∂Y/∂X)(∂Z/∂Y)")
H5 = RuleUse("H5", N_("second-order expansion"))
_NOT_VERIFIED = N_("not verified (verify=False): call .check() before trusting it")
#: The justification of a gradient given by the reader and checked equal to the engine's.
_SAME_GRADIENT = N_("the same gradient, simplified (checked numerically equal)")


def _latex_name(name: str) -> str:
    return sympy.latex(sympy.Symbol(name))


def _line(lhs: tuple[str, str], expr: sympy.Basic | tuple[str, str], rule: str) -> Step:
    if isinstance(expr, tuple):
        latex, text = expr
    else:
        latex, text = vectorize.to_latex(expr), vectorize.to_text(expr)
    return Step(lhs[0], latex, rule, text=text, lhs_text=lhs[1])


def _shape_text(shape: tuple) -> str:
    return f"{shape[0]}×{shape[1]}"


def _validate(F: object, X: object) -> sympy.Basic:
    if not isinstance(X, MatrixSymbol):
        raise not_a_matrix_symbol(X)
    F = read(F, "F")  # a sympy object (mdlib.jacobian reads text with the parser first)
    if not all(sympy.sympify(d, strict=True).is_Integer for d in (*X.shape, *_shape(F))):
        raise MdlibError(_("give the matrices numeric sizes, e.g. MatrixSymbol('X', 3, 3): the "
                           "Kronecker forms and their checks need them"))
    if isinstance(F, MatrixExpr) and not is_one_by_one(F):
        return canonical(F, X, F)
    return prepare(F, X)


def _sized(F: object, X: object, shapes: dict | None) -> tuple:
    """F and X with symbolic sizes replaced by numbers from ``shapes``.

    ``shapes`` names dimensions (``{"n": 3}``) or matrices (``{"X": (3, 2)}``), as for
    :func:`mdlib.derive`; the Kronecker forms and their checks need numeric sizes.

    >>> n = sympy.Symbol("n")
    >>> F, X = _sized(sympy.MatrixSymbol("X", n, n).T, sympy.MatrixSymbol("X", n, n), {"n": 2})
    >>> X.shape, F.shape
    ((2, 2), (2, 2))
    """
    if not shapes or not isinstance(X, MatrixSymbol):
        return F, X
    sizes: dict = {}
    for key, value in shapes.items():
        if isinstance(value, int):
            sizes[sympy.Symbol(key)] = value
    for M in F.atoms(MatrixSymbol) | {X}:
        given = shapes.get(str(M.name))
        if isinstance(given, tuple):
            for d, size in zip(M.shape, given, strict=False):
                if isinstance(d, sympy.Symbol):
                    sizes[d] = int(size)
    if not sizes:
        return F, X
    return F.subs(sizes), X.subs(sizes)


def _shape(F: sympy.Basic) -> tuple:
    return tuple(F.shape) if isinstance(F, MatrixExpr) else (1, 1)


@dataclass
class _Pipeline:
    """dF by M1–M8, vec(dF) by H1, ∂F/∂X = Jᵀ by H3 and H2: lines and results."""

    steps: list[Step]
    differential: sympy.Basic
    J: sympy.Basic
    result: sympy.Basic


def _plainly_symmetric(J: sympy.Basic) -> bool:
    """J is c·I or c·diag(v): its transpose is itself at a glance (no rule to show)."""
    mats = [a for a in J.args if isinstance(a, MatrixExpr)] if isinstance(J, MatMul) else [J]
    return len(mats) == 1 and isinstance(mats[0], (sympy.Identity, vectorize.DiagVec))


def _pipeline(Fc: sympy.Basic, X: MatrixSymbol, dX: MatrixSymbol, names: dict) -> _Pipeline:
    """The shared second-order pipeline; ``names`` gives the LaTeX/text of F, dF, vec dF, ∂F/∂X."""
    dF = expand_differential(Fc, X, dX, lhs=Lhs(*names["dF"]), is_canonical=True)
    steps: list[Step] = [line.step() for line in dF.lines]
    D = dF.value
    lines = vectorize.vec_lines(D, dX)
    if not lines:  # F = X: vec dF = vec dX
        lines = [(vectorize.Vec(dX), vectorize.label(vectorize.H1_SUM))]
    for k, (expr, rule) in enumerate(lines):
        steps.append(_line(names["vec dF"] if k == 0 else ("", ""), expr, rule))
    J = vectorize.jacobian_factor(lines[-1][0], dX)
    tidied = vectorize.read_off_lines(J)
    symmetric = _plainly_symmetric(J)  # 2 I, diag(v): Jᵀ is J, nothing to show
    result = J if symmetric else sympy.Transpose(J)
    steps.append(_line(names["dF/dX"], result, vectorize.label(vectorize.H3)))
    for result, used in tidied[1:] if symmetric else tidied:  # each tidying pass its own line
        steps.append(_line(("", ""), result, vectorize.cite(sorted(used))))
    return _Pipeline(steps, D, J, result)


class JacobianDerivation:
    """A verified derivation of ∂F/∂X (mn×pq, vec(dF) = (∂F/∂X)ᵀ vec(dX))."""

    def __init__(self, F, X, dX, canonical_F, pipeline: _Pipeline, steps: list[Step],
                 shapes=None, symmetric=(), what: str = "F") -> None:
        self.F, self.X, self.dX = F, X, dX
        self.canonical_F = canonical_F
        self.differential = pipeline.differential
        self.vec_factor = pipeline.J  # vec(dF) = vec_factor · vec(dX)
        self.jacobian = pipeline.result  # ∂F/∂X = vec_factorᵀ
        self.steps = steps
        self.shapes = shapes
        self.symmetric = tuple(symmetric)
        self.what = what
        self.verification: SecondOrderCheck | None = None

    @property
    def shape(self) -> tuple[int, int]:
        """(mn, pq): rows follow vec X, columns follow vec F."""
        m, n = (int(d) for d in self.X.shape)
        p, q = (int(d) for d in _shape(self.canonical_F))
        return (m * n, p * q)

    @property
    def latex(self) -> str:
        return vectorize.to_latex(self.jacobian)

    @property
    def text(self) -> str:
        return vectorize.to_text(self.jacobian)

    def layout(self, latex: bool = False) -> str:
        """The layout sentence every output carries (in LaTeX the words stand in ``\\text``
        and the formulas are placeholders: a translation moves the words, never a formula)."""
        rows, cols = self.shape
        x = self.X.name
        if latex:
            xl, fl = _latex_name(str(x)), _latex_name(self.what)
            return _(r"\text{{layout: }}{derivative}\text{{ is }}{size}\ (mn\times pq),\ {link}"
                     r"\text{{: the transpose of the Jacobian }}{jacobian}\text{{ of chapter 2}}"
                     ).format(
                derivative=rf"\frac{{\partial {fl}}}{{\partial {xl}}}",
                size=rf"{rows}\times{cols}",
                link=(rf"\mathrm{{vec}}(\mathrm{{d}}{fl}) = \left(\frac{{\partial {fl}}}"
                      rf"{{\partial {xl}}}\right)^T\mathrm{{vec}}(\mathrm{{d}}{xl})"),
                jacobian=rf"\frac{{\partial\,\mathrm{{vec}}\,{fl}}}{{\partial(\mathrm{{vec}}\,{xl})^T}}")
        return _("layout: ∂{F}/∂{X} is {rows}×{cols} (mn×pq), vec(d{F}) = (∂{F}/∂{X})ᵀ vec(d{X}): "
                 "the transpose of the Jacobian ∂vec {F}/∂(vec {X})ᵀ of chapter 2").format(
                     F=self.what, X=x, rows=rows, cols=cols)

    def derivation(self) -> Derivation:
        return Derivation(self.steps)

    def _repr_latex_(self) -> str:
        latex = self.derivation()._repr_latex_() + f"$${self.layout(latex=True)}$$"
        if self.verification is not None:
            mark = r"\checkmark" if self.verification.passed else r"\times"
            latex += rf"$${mark}\ \text{{{_tex_safe(self.verification.message)}}}$$"
        else:
            latex += rf"$$\text{{{_(_NOT_VERIFIED)}}}$$"
        return latex

    def __str__(self) -> str:
        text = str(self.derivation()) + "\n" + self.layout()
        text += "\n" + (self.verification.message if self.verification is not None
                        else _(_NOT_VERIFIED))
        return text

    __repr__ = __str__

    def numeric(self, **values) -> np.ndarray:
        """∂F/∂X at the given values (keyword arguments by name; a list is a column vector),
        an mn×pq array."""
        return np.asarray(numeric.evaluate(self.jacobian, numeric.numeric_values(values)),
                          dtype=float)

    def check(self, seed: int = 0) -> SecondOrderCheck:
        """Directional checks of ``J vec V`` against central differences; raise if they fail."""
        result = verify_jacobian(self.canonical_F, self.X, self.vec_factor, self.shapes, seed,
                                 self.symmetric)
        return self._checked(result, f"∂{self.what}/∂{self.X.name}")

    def _checked(self, result: SecondOrderCheck, what: str) -> SecondOrderCheck:
        self.verification = result
        if not result:
            raise MdlibError(_("the engine could not verify {what}: {message}").format(
                what=what, message=result.message))
        cancelled = result.details.get("cancelled")
        if cancelled is not None:  # e.g. (tr(A) - tr(Aᵀ)) I: the answer is 0, and why
            zero = ZeroMatrix(*self.shape)
            reason = _(TERMS_CANCEL).format(expression=printing.to_text(cancelled), F=self.what,
                                            X=self.X.name)
            last = len(self.steps) - (1 if self._expansion else 0)  # before the expansion
            self.steps = [*self.steps[:last], Step("", "0", reason, text="0"),
                          *self.steps[last:]]
            self.vec_factor = self.jacobian = zero
        return result

    _expansion = False  # whether the last step is the second-order expansion (Hessians)


def _tex_safe(text: str) -> str:
    return (text.replace("\\", "").replace("_", r"\_").replace("^", "").replace("{", "")
            .replace("}", "").replace("#", ""))


def jacobian(F: object, X: MatrixSymbol, shapes: dict | None = None, verify: bool = True,
             seed: int = 0, symmetric: Iterable[str] = (), name: str = "F") -> JacobianDerivation:
    """∂F/∂X for a matrix-, vector- (or scalar-) valued ``F``, narrated and verified.

    ``name`` is how F is called in the lines (``"F"``; e.g. ``"Y"``). ``symmetric`` names
    constant matrices known to be symmetric (for the random data of the check).

    >>> X = sympy.MatrixSymbol("X", 2, 2)
    >>> jacobian(X.I, X).text
    '-(X^-1 ⊗ X^-T)'
    """
    F, X, shapes = read(F, "F"), read_symbol(X), sizes(shapes)
    F, X = _sized(F, X, shapes)
    Fc = _validate(F, X)
    dX = MatrixSymbol(f"d{X.name}", *X.shape)
    xl = _latex_name(str(X.name))
    nl = _latex_name(name)
    names = {
        "dF": (rf"\mathrm{{d}}{nl}", f"d{name}"),
        "vec dF": (rf"\mathrm{{vec}}(\mathrm{{d}}{nl})", f"vec(d{name})"),
        "dF/dX": (rf"\frac{{\partial {nl}}}{{\partial {xl}}}", f"∂{name}/∂{X.name}"),
    }
    if depends_on(Fc, X):
        pipeline = _run(_pipeline, Fc, X, dX, names)
    else:  # ∂F/∂X = 0, the mn×pq zero matrix (still checked: F must not change)
        pipeline = _zero_pipeline(names["dF/dX"], _("{X} does not occur in {F}, so d{F} = 0")
                                  .format(X=X.name, F=name), X, _shape(Fc))
    steps = [Step(nl, printing.to_latex(F), GIVEN, text=printing.to_text(F),
                  lhs_text=name)] + pipeline.steps
    result = JacobianDerivation(F, X, dX, Fc, pipeline, steps, shapes, symmetric, what=name)
    if verify:
        result.check(seed=seed)
    return result


def _zero_pipeline(lhs: tuple[str, str], reason: str, X: MatrixSymbol, shape: tuple) -> _Pipeline:
    """∂F/∂X = 0 (mn × pq) in one line with its reason."""
    m, n = (int(d) for d in X.shape)
    zero = ZeroMatrix(m * n, int(shape[0]) * int(shape[1]))
    step = Step(lhs[0], "0", reason, text="0", lhs_text=lhs[1])
    return _Pipeline([step], ZeroMatrix(*shape) if shape != (1, 1) else sympy.S.Zero, zero, zero)


def jacobian_chain(Z_of_Y: object, Y: MatrixSymbol, Y_of_X: object, X: MatrixSymbol,
                   shapes: dict | None = None, verify: bool = True, seed: int = 0,
                   name: str = "Z") -> JacobianDerivation:
    """∂Z/∂X = (∂Y/∂X)(∂Z/∂Y) for Z = Z(Y) and Y = Y(X) (H4), both factors narrated.

    The product is checked like any Jacobian: against central differences of vec Z(Y(X)).

    >>> A, X, Y = (sympy.MatrixSymbol(n, 2, 2) for n in "AXY")
    >>> jacobian_chain(Y.applyfunc(sympy.exp), Y, A * X, X).text
    '(I_2 ⊗ A^T) diag(vec(exp(A X)))'
    """
    Y, X, shapes = read_symbol(Y, "Y"), read_symbol(X), sizes(shapes)
    if not isinstance(Y, MatrixSymbol):
        raise MdlibError(_("Y must be a MatrixSymbol; write Y = Y(X) as the expression Y_of_X"))
    Z_of_Y, Y_of_X = read(Z_of_Y, "Z_of_Y"), read(Y_of_X, "Y_of_X")
    if _shape(Y_of_X) != tuple(Y.shape):
        raise MdlibError(_("Y(X) = {Y_of_X} must have the shape of {Y}, {shape}").format(
            Y_of_X=printing.to_text(Y_of_X), Y=Y.name, shape=_shape_text(tuple(Y.shape))))
    inner = jacobian(Y_of_X, X, shapes, verify, seed, name=str(Y.name))
    outer = jacobian(Z_of_Y, Y, shapes, verify, seed, name=name)
    substituted = outer.jacobian.xreplace({Y: Y_of_X})
    product = MatMul(inner.jacobian, substituted)
    used: set[str] = set()
    result = vectorize.simplify(product, used)
    Z = Z_of_Y.xreplace({Y: Y_of_X})
    Fc = _validate(Z, X)
    zl, yl, xl = _latex_name(name), _latex_name(str(Y.name)), _latex_name(str(X.name))
    lhs = (rf"\frac{{\partial {zl}}}{{\partial {xl}}}", f"∂{name}/∂{X.name}")
    named = (rf"\frac{{\partial {yl}}}{{\partial {xl}}}\,\frac{{\partial {zl}}}{{\partial {yl}}}",
             f"(∂{Y.name}/∂{X.name})(∂{name}/∂{Y.name})")
    substitute = _("substitute {Y} = {Y_of_X}").format(Y=Y.name, Y_of_X=printing.to_text(Y_of_X))
    steps = [*inner.steps, *outer.steps, _line(lhs, named, H4.label),
             _line(("", ""), product, substitute)]
    if result != product:
        steps.append(_line(("", ""), result, vectorize.cite(sorted(used))))
    pipeline = _Pipeline(steps, None, vectorize.transpose(result, set()), result)
    derivation = JacobianDerivation(Z, X, MatrixSymbol(f"d{X.name}", *X.shape), Fc, pipeline,
                                    steps, shapes, (), what=name)
    if verify:
        derivation.check(seed=seed)
    return derivation


def _run(fn, *args):
    """Call a pipeline stage; an unexpected failure inside sympy becomes a clear MdlibError."""
    try:
        return fn(*args)
    except MdlibError:
        raise
    except (TypeError, AttributeError, NotImplementedError, sympy.ShapeError) as err:
        raise MdlibError(_("the engine cannot take this expression to second order (an internal "
                           "error, {kind}); please write it another way and report it").format(
                               kind=type(err).__name__)) from err


class HessianDerivation(JacobianDerivation):
    """A verified Hessian ∇²f = ∂(∇f)/∂X (mn×mn, symmetric) with the gradient's derivation."""

    def __init__(self, f, X, dX, canonical_f, gradient_derivation, gradient, pipeline,
                 steps, shapes=None, symmetric=()) -> None:
        super().__init__(gradient, X, dX, canonical(gradient, X) if depends_on(gradient, X)
                         else gradient, pipeline, steps, shapes, symmetric, what="∇f")
        self.f = f
        self.canonical_f = canonical_f
        self.gradient_derivation = gradient_derivation
        self.gradient = gradient
        self.hessian = pipeline.result

    @property
    def shape(self) -> tuple[int, int]:
        m, n = (int(d) for d in self.X.shape)
        return (m * n, m * n)

    def layout(self, latex: bool = False) -> str:
        rows, cols = self.shape
        x = self.X.name
        if latex:
            xl = _latex_name(str(x))
            return _(r"\text{{layout: }}{hessian}\text{{ is }}{size}\ (mn\times mn),\ {link}"
                     r"\text{{; symmetric}}").format(
                hessian=rf"\nabla^2 f = \frac{{\partial(\nabla f)}}{{\partial {xl}}}",
                size=rf"{rows}\times{cols}",
                link=rf"\mathrm{{vec}}(\mathrm{{d}}\nabla f) = (\nabla^2 f)^T\mathrm{{vec}}(\mathrm{{d}}{xl})")
        return _("layout: ∇²f = ∂(∇f)/∂{X} is {rows}×{cols} (mn×mn), vec(d∇f) = (∇²f)ᵀ vec(d{X}); "
                 "symmetric, so it is also the Jacobian of vec ∇f of chapter 2").format(
                     X=x, rows=rows, cols=cols)

    _expansion = True

    def check(self, seed: int = 0) -> SecondOrderCheck:
        result = verify_hessian(self.canonical_f, self.canonical_F, self.X, self.vec_factor,
                                self.shapes, seed, self.symmetric)
        self._checked(result, "∇²f")
        if result.details.get("cancelled") is not None:
            self.hessian = self.jacobian
            self.steps[-1] = _expansion_step(self.f, self.gradient, self.hessian, self.X, self.dX)
        return result


def hessian(f: object, X: MatrixSymbol, shapes: dict | None = None, verify: bool = True,
            seed: int = 0, symmetric: Iterable[str] = (), gradient: object | None = None,
            given: tuple[str, str, str] | None = None) -> HessianDerivation:
    """∇²f = ∂(∇f)/∂X for a scalar ``f`` (H5), narrated and verified.

    The gradient comes from :func:`mdlib.derive` (its lines are shown first). ``gradient``
    may give an equivalent, simpler form of ∇f to differentiate instead (e.g. Xᵀ(σ(Xw) − y));
    it is used only after it is checked numerically equal to the engine's gradient.
    ``given`` is passed to ``derive`` (the loss as first written and why f equals it).

    >>> A, X = sympy.MatrixSymbol("A", 2, 2), sympy.MatrixSymbol("X", 2, 2)
    >>> hessian(sympy.Trace(X.T * A * X), X).text
    'I_2 ⊗ (A^T + A)'
    """
    f, X, shapes = read(f), read_symbol(X), sizes(shapes)
    if gradient is not None:
        gradient = read(gradient, "gradient")
    f, X = _sized(f, X, shapes)
    fc = _validate(f, X)
    if isinstance(fc, MatrixExpr) and not is_one_by_one(fc):
        raise MdlibError(_("f must be scalar-valued for a Hessian; use jacobian for matrix F"))
    first = derive(f, X, shapes=shapes, verify=verify, seed=seed, symmetric=symmetric,
                   given=given)
    G = first.gradient
    xl = _latex_name(str(X.name))
    # ∇f is the m×n gradient of chapters 3–7 (chapter 8's ∂f/∂X is its vec, an mn×1 column)
    grad_lhs = (r"\nabla f", "∇f")
    read_off = f"∂f/∂{X.name}"
    steps = [Step(grad_lhs[0], s.expr, s.rule, text=s.text, lhs_text=grad_lhs[1])
             if s.lhs_text == read_off else s for s in first.steps]
    if gradient is not None:
        G_user = gradient
        _same_gradient(G, G_user, fc, X, shapes, seed, symmetric)
        steps.append(Step(grad_lhs[0], printing.to_latex(G_user), _SAME_GRADIENT,
                          text=printing.to_text(G_user), lhs_text=grad_lhs[1]))
        G = G_user
    dX = MatrixSymbol(f"d{X.name}", *X.shape)
    m, n = (int(d) for d in X.shape)
    names = {
        "dF": (r"\mathrm{d}(\nabla f)", "d(∇f)"),
        "vec dF": (r"\mathrm{vec}(\mathrm{d}\nabla f)", "vec(d∇f)"),
        "dF/dX": (rf"\nabla^2 f = \frac{{\partial(\nabla f)}}{{\partial {xl}}}",
                  f"∇²f = ∂(∇f)/∂{X.name}"),
    }
    if not depends_on(G, X):
        pipeline = _zero_pipeline(names["dF/dX"], _("∇f does not depend on {X}").format(X=X.name),
                                  X, (m, n))
    else:
        pipeline = _run(_pipeline, canonical(G, X), X, dX, names)
    steps.extend(pipeline.steps)
    result = HessianDerivation(f, X, dX, fc, first, G, pipeline, steps, shapes, symmetric)
    result.steps.append(_expansion_step(f, G, result.hessian, X, dX))
    if verify:
        result.check(seed=seed)
    return result


def _same_gradient(G_engine, G_user, fc, X, shapes, seed, symmetric) -> None:
    if not isinstance(G_user, MatrixExpr) or tuple(G_user.shape) != tuple(X.shape):
        raise MdlibError(_("the gradient you give must have the shape of {X}, {shape} "
                           "(denominator layout)").format(X=X.name,
                                                          shape=_shape_text(tuple(X.shape))))
    for attempt in range(2):
        data = random_data(sympy.Tuple(fc, X), shapes, seed + attempt, symmetric,
                           variable=str(X.name))
        a = np.asarray(numeric.evaluate(G_engine, data.values, data.dims), dtype=float)
        b = np.asarray(numeric.evaluate(G_user, data.values, data.dims), dtype=float)
        if relative_error(np.broadcast_to(b, a.shape), a) > 1e-8:
            raise MdlibError(_("the gradient you give, {given}, differs from the engine's "
                               "{engine} at random data; check it (or leave it out)").format(
                                   given=printing.to_text(G_user),
                                   engine=printing.to_text(G_engine)))


def _expansion_step(f, G, H, X, dX) -> Step:
    fl, ft = printing.to_latex(f), printing.to_text(f)
    # tr(Gᵀ dX) printed as the df lines print it: (A + B) dX and (A ⊙ B) dX in parentheses
    linear = sympy.Trace(mat_mul(tidy(G, transposed=True), dX))
    hl, ht = vectorize.to_latex(H), vectorize.to_text(H)
    dl, dt = printing.to_latex(dX), printing.to_text(dX)
    xl = _latex_name(str(X.name))
    quadratic_latex = rf" + \tfrac12\,\mathrm{{vec}}({dl})^T\left({hl}\right)\mathrm{{vec}}({dl})"
    quadratic_text = f" + ½ vec({dt})^T ({ht}) vec({dt})"
    if isinstance(H, ZeroMatrix):  # f is affine: no quadratic term to show
        quadratic_latex = quadratic_text = ""
    linear_latex, linear_text = f" + {printing.to_latex(linear)}", f" + {printing.to_text(linear)}"
    if isinstance(G, ZeroMatrix):  # f does not change with X to first order
        linear_latex = linear_text = ""
    latex = rf"{fl}{linear_latex}{quadratic_latex} + o(\|{dl}\|^2)"
    text = f"{ft}{linear_text}{quadratic_text} + o(‖{dt}‖²)"
    return Step(rf"f({xl} + {dl})", latex, H5.label, text=text, lhs_text=f"f({X.name} + {dt})")


__all__ = ["HessianDerivation", "JacobianDerivation", "SecondOrderCheck", "hessian", "jacobian",
           "jacobian_chain",
           "tail_order", "verify_hessian", "verify_jacobian"]

"""Composition (curriculum C1, C2): from ∂f/∂Y and Y = Y(X) to ∂f/∂X, with the steps.

The scalar chain rule cannot be reused (∂Y/∂X is not defined yet), so the engine writes
``df = tr(G^T dY)`` with ``G = ∂f/∂Y``, expresses ``dY`` through ``dX`` with the rules M1–M8,
substitutes, moves ``dX`` last (T1–T5) and reads off ∂f/∂X.

Verification: with ``f`` (a scalar expression in ``Y``) the composite ``f(Y(X))`` is checked
against finite differences; without it, the map ``G ↦ ∂f/∂X`` is checked for a random ``G``
(it is linear in ``G``, so this checks the composition step itself).

>>> import sympy
>>> A, X, B = (sympy.MatrixSymbol(n, 3, 3) for n in "AXB")
>>> Y, GY = sympy.MatrixSymbol("Y", 3, 3), sympy.MatrixSymbol("G", 3, 3)
>>> chain(GY, Y, A * X * B, X).gradient
A.T*G*B.T
"""

from __future__ import annotations

from collections.abc import Iterable

import sympy
from sympy.matrices.expressions import MatMul, MatrixExpr, MatrixSymbol, Trace, Transpose

from ..curriculum import RuleUse
from ..errors import MdlibError
from ..i18n import _
from .derivation import GIVEN, MatrixDerivation
from .grammar import canonical, prepare, read, read_symbol, sizes
from .nodes import depends_on, display_name, placeholder
from .pipeline import DF, Lhs, Line, expand_differential, read_off, trace_stage
from .printing import to_latex, to_text
from .readoff import tidy
from .verify import verify as run_verify

C1 = frozenset({RuleUse("C1")})


def _is_linear_sandwich(expr: sympy.Basic, X: MatrixSymbol) -> bool:
    """Y = A X B with constant A, B (C2)."""
    if expr == X:
        return True
    if isinstance(expr, MatMul):
        hits = [a for a in expr.args if depends_on(a, X)]
        return hits == [X]
    return False


def chain(grad_Y: object, Y: MatrixSymbol, Y_of_X: object, X: MatrixSymbol,
          f: object | None = None, shapes: dict | None = None, verify: bool = True,
          seed: int = 0, symmetric: Iterable[str] = ()) -> MatrixDerivation:
    """∂f/∂X from ``grad_Y`` = ∂f/∂Y and ``Y = Y_of_X`` (denominator layout), sympy objects.

    (:func:`mdlib.chain` takes typed text as well and reads it with the course's parser.)
    """
    Y, X = read_symbol(Y, "Y"), read_symbol(X)
    if not isinstance(Y, MatrixSymbol) or not isinstance(X, MatrixSymbol):
        raise MdlibError(_("Y and X must be MatrixSymbols; write Y = g(X) as the expression "
                           "Y_of_X"))
    Y_of_X, grad_Y = read(Y_of_X, "Y_of_X"), read(grad_Y, "grad_Y")
    f = read(f) if f is not None else None
    shapes = sizes(shapes)
    if not isinstance(Y_of_X, MatrixExpr) or tuple(Y_of_X.shape) != tuple(Y.shape):
        raise MdlibError(_("Y = {Y_of_X} must have the shape of {Y}, {shape}").format(
            Y_of_X=to_text(Y_of_X), Y=Y.name, shape=tuple(Y.shape)))
    if not isinstance(grad_Y, MatrixExpr) or tuple(grad_Y.shape) != tuple(Y.shape):
        raise MdlibError(_("∂f/∂{Y} must have the shape of {Y} (denominator layout)").format(
            Y=Y.name))
    if not depends_on(Y_of_X, X):
        raise MdlibError(_("{X} does not occur in {Y} = {Y_of_X}").format(
            X=X.name, Y=Y.name, Y_of_X=to_text(Y_of_X)))
    symmetric = tuple(symmetric)
    Yc = canonical(Y_of_X, X)
    inputs = [grad_Y, Y_of_X] + ([f] if f is not None else [])
    dX = placeholder(f"d{X.name}", *X.shape, *inputs)
    dY = placeholder(f"d{Y.name}", *Y.shape, *inputs)
    G = placeholder(f"G_{Y.name}", *Y.shape, *inputs)

    lines = [
        Line(Lhs(rf"\frac{{\partial f}}{{\partial {to_latex(Y)}}} = {to_latex(G)}",
                 f"∂f/∂{Y.name} = {display_name(G)}"), grad_Y, GIVEN),
        Line(Y, Y_of_X, GIVEN),
        Line(DF, Trace(MatMul(Transpose(G), dY)), C1),
    ]
    dY_expanded = expand_differential(Yc, X, dX, lhs=dY, is_canonical=True)
    lines += dY_expanded.lines
    D = dY_expanded.value
    df = Trace(MatMul(Transpose(G), D))
    lines.append(Line(DF, df, C1))
    traces = trace_stage(df, dX, df, symmetric)
    grad_G, last = read_off(traces.lefts, X, symmetric)
    if _is_linear_sandwich(Y_of_X, X):  # ∂f/∂X = Aᵀ (∂f/∂Y) Bᵀ read off: that is C2
        last = Line(last.lhs, last.expr, frozenset({RuleUse("L"), RuleUse("C2")}))
    lines += [*traces.lines, last]
    terms = list(traces.terms)
    final = tidy(grad_G.xreplace({G: grad_Y}).xreplace({Y: Y_of_X}), symmetric)
    if final != grad_G:
        lines.append(Line("", final, C1))  # the given ∂f/∂Y substituted: part of C1

    if f is not None:
        f_expr = f.xreplace({Y: Y_of_X})
        f_check = prepare(f_expr, X)
        differential = Trace(MatMul(Transpose(grad_Y.xreplace({Y: Y_of_X})), D))
        gradient = final
    else:  # any G: f_G(X) = tr(G^T Y(X)) has gradient grad_G
        # G's printed name is free among the inputs, so the check may use it (and report it).
        shown = MatrixSymbol(display_name(G), *G.shape)
        G_free = {G: shown}
        f_check = Trace(MatMul(Transpose(shown), Yc))
        df, grad_G = df.xreplace(G_free), grad_G.xreplace(G_free)
        differential, gradient = df, grad_G
    result = MatrixDerivation(f=f, X=X, dX=dX, canonical_f=f_check, differential=differential,
                              terms=terms, gradient=final, lines=lines, shapes=shapes,
                              symmetric=symmetric)
    if verify:
        check = run_verify(f_check, X, dX, differential, gradient, shapes, seed, symmetric)
        result.verification = check
        if not check:
            raise MdlibError(_("the engine could not verify the chain rule result: {message}")
                             .format(message=check.message))
    return result

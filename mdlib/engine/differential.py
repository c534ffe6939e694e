"""Rules M1–M8 applied one level at a time, so each line of a derivation names its rules.

:func:`expand_once` replaces every unexpanded ``d(F)`` by one rule application (children that
are constant drop out, ``d(X)`` becomes ``dX``); :func:`differential_lines` repeats it until no
``d(·)`` is left and returns the intermediate expressions with the rule ids used.

>>> import sympy
>>> X, a, b = (sympy.MatrixSymbol(n, *s) for n, s in [("X", (3, 3)), ("a", (3, 1)), ("b", (3, 1))])
>>> dX = sympy.MatrixSymbol("dX", 3, 3)
>>> lines = differential_lines(sympy.Trace(X.T * X), X, dX)
>>> [(sorted(rules), str(e)) for e, rules in lines]
[(['M4'], 'Trace(DiffMatrix(X.T*X))'), (['M2'], 'Trace(DiffMatrix(X.T)*X + X.T*dX)'), (['M3'], 'Trace(X.T*dX + dX.T*X)')]
"""

from __future__ import annotations

import sympy
from sympy.matrices.expressions import (
    Determinant,
    HadamardPower,
    HadamardProduct,
    Inverse,
    MatAdd,
    MatMul,
    MatPow,
    Trace,
    Transpose,
)
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

from ..errors import MdlibError
from .grammar import SCALAR_FUNCTIONS
from .nodes import AsScalar, DiffMatrix, DiffScalar, depends_on, differential_of, is_matrix
from .printing import DERIVATIVE_NAMES

#: Extra words for rules used in a special form.
LOG_DET = "M6: determinant, as d log|F| = tr(F^-1 dF)"
SCALAR_CHAIN = "M8: function of a scalar (a 1×1 case of M8)"


def _sum(terms: list, matrix: bool) -> sympy.Basic:
    if len(terms) == 1:
        return terms[0]
    return MatAdd(*terms) if matrix else sympy.Add(*terms)


def _derivative_lambda(fn: sympy.Lambda) -> sympy.Lambda:
    (var,), body = fn.variables, fn.expr
    deriv = sympy.Lambda(var, sympy.diff(body, var))
    if (isinstance(body, sympy.Function) and body.args == (var,) and deriv.expr != body
            and deriv.expr.has(type(body))):
        # e.g. σ' = σ(1-σ), tanh' = 1 - tanh²: show them by name, σ'(WX), like a textbook.
        name = {"Sigmoid": ("\\sigma'", "σ'")}.get(type(body).__name__)
        fname = type(body).__name__
        DERIVATIVE_NAMES[deriv] = name or (f"\\{fname}'", f"{fname}'")
    return deriv


class _Expander:
    def __init__(self, X: sympy.MatrixSymbol, dX: sympy.MatrixSymbol) -> None:
        self.X, self.dX = X, dX
        self.rules: set[str] = set()

    def d(self, e: sympy.Basic) -> sympy.Basic:
        """The differential of a child: dX for X itself, else an unexpanded d(child)."""
        if e == self.X:
            return self.dX
        if isinstance(e, AsScalar):
            return AsScalar(self.d(e.args[0]))
        return differential_of(e)

    def dep(self, e: sympy.Basic) -> bool:
        return depends_on(e, self.X)

    def rule(self, F: sympy.Basic) -> sympy.Basic:
        """One rule application to d(F)."""
        X, d, dep = self.X, self.d, self.dep
        if F == X:
            return self.dX
        if isinstance(F, AsScalar):  # a scalar is its 1×1 matrix: pass through
            return AsScalar(self.rule(F.args[0]))
        if isinstance(F, (MatAdd, sympy.Add)):
            self.rules.add("M1")
            return _sum([d(t) for t in F.args if dep(t)], is_matrix(F))
        if isinstance(F, (MatMul, sympy.Mul)):
            self.rules.add("M2")
            args = list(F.args)
            terms = [F.func(*args[:k], d(a), *args[k + 1:]) for k, a in enumerate(args) if dep(a)]
            return _sum(terms, is_matrix(F))
        if isinstance(F, Transpose):
            self.rules.add("M3")
            return Transpose(d(F.arg))
        if isinstance(F, Inverse):
            self.rules.add("M5")
            return MatMul(-1, F, d(F.arg), F)
        if isinstance(F, MatPow):
            self.rules.add("M2")
            k, A = int(F.exp), F.base
            terms = [MatMul(*([A] * i), d(A), *([A] * (k - 1 - i))) for i in range(k)]
            return _sum(terms, True)
        if isinstance(F, Trace):
            self.rules.add("M4")
            return Trace(d(F.arg))
        if isinstance(F, sympy.log) and isinstance(F.args[0], Determinant):
            self.rules.add(LOG_DET)
            A = F.args[0].arg
            return Trace(MatMul(Inverse(A), d(A)))
        if isinstance(F, Determinant):
            self.rules.add("M6")
            return F * Trace(MatMul(Inverse(F.arg), d(F.arg)))
        if isinstance(F, HadamardProduct):
            self.rules.add("M7")
            args = list(F.args)
            terms = [HadamardProduct(*args[:k], d(a), *args[k + 1:])
                     for k, a in enumerate(args) if dep(a)]
            return _sum(terms, True)
        if isinstance(F, HadamardPower):
            self.rules.add("M8")
            p, A = F.exp, F.base
            inner = A if p == 2 else HadamardPower(A, p - 1)
            return MatMul(p, HadamardProduct(inner, d(A)))
        if isinstance(F, ElementwiseApplyFunction):
            self.rules.add("M8")
            deriv = _derivative_lambda(F.function)
            return HadamardProduct(ElementwiseApplyFunction(deriv, F.expr), d(F.expr))
        if isinstance(F, sympy.Pow):
            self.rules.add(SCALAR_CHAIN)
            base, exp = F.args
            if dep(base):
                return exp * base ** (exp - 1) * d(base)
            return sympy.log(base) * F * d(exp)
        if isinstance(F, sympy.Function) and type(F) in SCALAR_FUNCTIONS:
            self.rules.add(SCALAR_CHAIN)
            t = sympy.Dummy("t")
            deriv = sympy.diff(F.func(t), t).subs(t, F.args[0])
            return deriv * d(F.args[0])
        raise MdlibError(f"internal: no differential rule for {F!r}")

    def expand_once(self, e: sympy.Basic) -> sympy.Basic:
        if isinstance(e, (DiffMatrix, DiffScalar)):
            return self.rule(e.args[0])
        if not e.args or not e.has(DiffMatrix, DiffScalar):
            return e
        if isinstance(e, ElementwiseApplyFunction):
            return e
        return e.func(*[self.expand_once(a) for a in e.args])


def differential_lines(f: sympy.Basic, X: sympy.MatrixSymbol,
                       dX: sympy.MatrixSymbol) -> list[tuple[sympy.Basic, set[str]]]:
    """Expand d(f) pass by pass; each entry is (expression after the pass, rules used)."""
    expander = _Expander(X, dX)
    current = differential_of(f) if f != X else dX
    lines = []
    for _ in range(200):  # depth bound; real expressions need a handful of passes
        if not current.has(DiffMatrix, DiffScalar):
            break
        expander.rules = set()
        current = expander.expand_once(current)
        lines.append((current, set(expander.rules)))
    return lines

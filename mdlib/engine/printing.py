"""Readable LaTeX and plain text for the engine's expressions, in the course's notation.

Transposes as ``X^T``, inverse-transposes as ``X^{-T}``, ``⊙`` for the Hadamard product,
``tr``, ``|X|``, ``exp(X b)`` for elementwise functions, and no ``Lambda`` or ``MatMul`` noise.

>>> import sympy
>>> X, a, b = sympy.MatrixSymbol("X", 3, 3), sympy.MatrixSymbol("a", 3, 1), sympy.MatrixSymbol("b", 3, 1)
>>> to_text(sympy.HadamardProduct(a, (X * b).applyfunc(sympy.exp)) * b.T)
'(a ⊙ exp(X b)) b^T'
>>> to_latex(sympy.Transpose(sympy.Inverse(X)))
'X^{-T}'
"""

from __future__ import annotations

import functools

import sympy
from sympy.matrices.expressions import HadamardProduct, MatMul

from .nodes import Sigmoid
from .ops import ATOM, FUNCTION_NAMES, HADAMARD, POWER, PRODUCT, SUM, derivative_name, op_for

_SUM, _PRODUCT, _HADAMARD, _POWER, _ATOM = SUM, PRODUCT, HADAMARD, POWER, ATOM


class _Printer:
    def __init__(self, latex: bool, elementwise: bool = False) -> None:
        self.latex = latex
        self.elementwise_mode = elementwise  # scalar body of an elementwise function

    # -- helpers -------------------------------------------------------------------------
    def paren(self, body: str) -> str:
        return rf"\left({body}\right)" if self.latex else f"({body})"

    def wrap(self, expr: sympy.Basic, level: int) -> str:
        text, own = self.visit(expr)
        return self.paren(text) if own < level else text

    def sup(self, base: str, power: str) -> str:
        if self.latex:
            return f"{base}^{{{power}}}"
        return f"{base}^{power}" if len(power) == 1 or power.lstrip("-").isalnum() else f"{base}^({power})"

    def func(self, name: str, arg: str) -> str:
        return f"{name}{self.paren(arg)}"

    def name(self, pair: tuple[str, str]) -> str:
        return pair[0] if self.latex else pair[1]

    # -- dispatch: each operation prints itself (ops.py) ---------------------------------
    def visit(self, e: sympy.Basic) -> tuple[str, int]:
        """(text, precedence) of ``e``; remembered, because a printed expression shares its
        parts with the lines before and after it (and a part is visited more than once)."""
        return _visit(e, self.latex, self.elementwise_mode)

    def visit_now(self, e: sympy.Basic) -> tuple[str, int]:
        row = op_for(e)
        if row is None or row.show is None:
            return (sympy.latex(e) if self.latex else sympy.sstr(e)), _ATOM
        return row.show(e, self)

    def number(self, e: sympy.Rational) -> tuple[str, int]:
        if e.q == 1:
            return str(e.p), (_ATOM if e >= 0 else _SUM)
        if self.latex:
            sign = "-" if e < 0 else ""
            return rf"{sign}\frac{{{abs(e.p)}}}{{{e.q}}}", (_PRODUCT if e > 0 else _SUM)
        return f"{e.p}/{e.q}", _SUM

    def transpose(self, arg: sympy.Basic) -> str:
        """``arg^T``, or the operation's own transposed form (``X^{-T}``, ``(dX)^T``)."""
        row = op_for(arg)
        if row is not None and row.show_transposed is not None:
            shown = row.show_transposed(arg, self)
            if shown is not None:
                return shown
        return self.sup(self.wrap(arg, _ATOM), "T")

    def sum(self, e: sympy.Basic) -> str:
        parts: list[str] = []
        for term in _ordered_terms(e):
            coeff, rest = _split_sign(term)
            text = self.wrap(rest, _SUM + 1) if rest is not None else ""
            if coeff < 0:
                parts.append(("- " if parts else "-") + (text or "1"))
            else:
                parts.append(("+ " if parts else "") + (text or "1"))
        return " ".join(parts)

    def product(self, e: sympy.Basic) -> tuple[str, int]:
        coeff, factors = _coeff_factors(e)
        flat = []
        for f in factors:  # a scalar Mul inside a MatMul reads as plain factors
            flat.extend(_coeff_factors(f)[1] if isinstance(f, sympy.Mul) else [f])
            coeff *= _coeff_factors(f)[0] if isinstance(f, sympy.Mul) else 1
        factors = flat
        num, den = [], []
        for f in factors:
            if isinstance(f, sympy.Pow) and _negative_number(f.exp) and not _is_matrix(f):
                den.append(sympy.Pow(f.base, -f.exp) if f.exp != -1 else f.base)
            else:
                num.append(f)
        if den and not num and coeff not in (1, -1) and isinstance(coeff, sympy.Number):
            # 2 / |X|, not 2 1 / |X|: the number is the numerator (and 1/3 goes below)
            if isinstance(coeff, sympy.Rational) and coeff.q != 1:
                den.insert(0, sympy.Integer(coeff.q))
                num = [sympy.Integer(abs(coeff.p))]
            else:
                num = [abs(coeff)]
            coeff = sympy.sign(coeff)
        sep = (r" \odot " if self.latex else " ⊙ ") if self.elementwise_mode else " "
        body = sep.join(self.wrap(f, _PRODUCT + 1 if not isinstance(f, HadamardProduct) else _ATOM)
                        for f in num) or "1"
        if den:
            dtext = " ".join(self.wrap(f, _PRODUCT + 1) for f in den)
            if self.latex:
                body = rf"\frac{{{body}}}{{{dtext}}}"
            else:
                body = f"{body} / {self.wrap(den[0], _POWER) if len(den) == 1 else self.paren(dtext)}"
        if coeff == 1:
            return body, _PRODUCT
        if coeff == -1:
            return "-" + body, _SUM
        # coeff is a plain number (Rational or Float): other numeric factors such as sqrt(2),
        # pi or cos(3) stay factors, so printing them cannot recurse into this branch again.
        ctext = self.number(abs(coeff))[0] if isinstance(coeff, sympy.Rational) else sympy.sstr(
            abs(coeff), full_prec=False)
        sign = "-" if coeff < 0 else ""
        return f"{sign}{ctext} {body}", (_SUM if coeff < 0 else _PRODUCT)

    def power(self, e: sympy.Pow) -> tuple[str, int]:
        if e.exp == sympy.Rational(1, 2):
            inner = self.visit(e.base)[0]
            return (rf"\sqrt{{{inner}}}" if self.latex else f"sqrt({inner})"), _ATOM
        if _negative_number(e.exp):
            return self.product(sympy.Mul(1, e, evaluate=False))
        base = self.wrap(e.base, _ATOM)
        power = self.visit(e.exp)[0]
        if self.elementwise_mode:
            power = (r"\circ " if self.latex else "∘") + power
        return self.sup(base, power), _POWER

    def elementwise(self, function: sympy.Lambda, arg: sympy.Basic) -> str:
        inner = self.visit(arg)[0]
        prime = derivative_name(function)
        if prime is not None:
            return self.func(self.name(prime), inner)
        (var,), body = function.variables, function.expr
        if isinstance(body, sympy.Function) and body.args == (var,):
            known = FUNCTION_NAMES.get(type(body))
            fname = self.name(known) if known else type(body).__name__
            return self.func(fname, inner)
        # Any other body: print it with the matrix in place of the variable (elementwise).
        placeholder = sympy.Symbol("ZZPLACEHOLDERZZ")
        text = _Printer(self.latex, elementwise=True).visit(body.subs(var, placeholder))[0]
        ph = "ZZPLACEHOLDERZZ"
        filled = self.paren(inner) if self.visit(arg)[1] < _ATOM else inner
        text = text.replace(self.paren(ph), self.paren(inner)).replace(ph, filled)
        return self.paren(text)


@functools.lru_cache(maxsize=65536)
def _visit(e: sympy.Basic, latex: bool, elementwise: bool) -> tuple[str, int]:
    # sympy's equality is structural (2 and 2.0 differ), so equal keys print alike
    return _Printer(latex, elementwise).visit_now(e)


def _negative_number(e: sympy.Basic) -> bool:
    """A number below 0, told by its form (-2, -1/2, -sqrt(2)) without evaluating it."""
    if isinstance(e, sympy.Number):
        return bool(e < 0)
    return bool(e.is_number) and e.could_extract_minus_sign()


def _is_matrix(e: sympy.Basic) -> bool:
    return getattr(e, "is_Matrix", False) or isinstance(e, sympy.MatrixExpr)


def _ordered_terms(e: sympy.Basic) -> list:
    terms = list(e.args)
    # Positive terms first reads better ("A X + A^T X - B").
    return sorted(terms, key=lambda t: 1 if _split_sign(t)[0] < 0 else 0)


def _split_sign(term: sympy.Basic) -> tuple[int, sympy.Basic | None]:
    coeff, factors = _coeff_factors(term)
    if coeff < 0:
        rest = _rebuild(-coeff, factors)
        return -1, rest
    return 1, term


def _coeff_factors(e: sympy.Basic) -> tuple[sympy.Expr, list]:
    if isinstance(e, (MatMul, sympy.Mul)):
        coeff, factors = sympy.S.One, []
        for arg in e.args:
            if arg.is_Number:  # Rational or Float; sqrt(2), pi, cos(3) are factors
                coeff *= arg
            else:
                factors.append(arg)
        return coeff, factors
    if e.is_Number:
        return e, []
    return sympy.S.One, [e]


def _rebuild(coeff: sympy.Expr, factors: list) -> sympy.Basic | None:
    if not factors:
        return None if coeff == 1 else coeff
    args = ([coeff] if coeff != 1 else []) + factors
    if len(args) == 1:
        return args[0]
    if any(_is_matrix(f) for f in factors):
        return MatMul(*args)
    return sympy.Mul(*args, evaluate=False)


def level(expr: sympy.Basic) -> int:
    """How tightly ``expr`` binds as printed (ATOM needs no parentheses anywhere).

    >>> X = sympy.MatrixSymbol("X", 2, 2)
    >>> level(sympy.Trace(X)) == ATOM, level(X + X.T) == SUM
    (True, True)
    """
    return _visit(_as_sympy(expr), False, False)[1]


def to_latex(expr: object) -> str:
    """LaTeX in the course's notation (strings pass through unchanged, never parsed)."""
    return expr if isinstance(expr, str) else _Printer(True).visit(_as_sympy(expr))[0]


def to_text(expr: object) -> str:
    """Plain text in the course's notation (strings pass through unchanged, never parsed)."""
    return expr if isinstance(expr, str) else _Printer(False).visit(_as_sympy(expr))[0]


def _as_sympy(expr: object) -> sympy.Basic:
    """A number or sympy object as sympy; strict, so text is refused rather than parsed."""
    return sympy.sympify(expr, strict=True)


__all__ = ["Sigmoid", "to_latex", "to_text"]

"""What is wrong with a line, in words, with the line the words ask for (so that following a hint
can be checked to make progress), and the words for a wrong factor.

>>> factor_words(0.5, "the whole line")
'the whole line is 1/2 times what it should be: a factor 2 is lost'
>>> factor_words(-0.5, "the term tr(dX)")
'the term tr(dX) is -1/2 times what it should be: its sign is flipped and a factor 2 is lost'
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import sympy
from sympy.matrices.expressions import Inverse, MatAdd


@dataclass(frozen=True)
class Cause:
    """Why a line is wrong (``message``) and the line as the message says it should be
    (``repair``: None when the message names no single repair). ``slip`` tags the kind of
    cause where a caller needs it ("lost": only terms are missing)."""

    message: str
    repair: sympy.Basic | None = None
    slip: str = ""


def _number(c: float) -> str:
    """A short exact-looking form: 2, 1/2, -3/4, else 6 digits."""
    exact = Fraction(c).limit_denominator(12)
    return str(exact) if abs(float(exact) - c) < 1e-9 * max(1.0, abs(c)) else f"{c:.6g}"


def _simple(c: float) -> bool:
    exact = Fraction(c).limit_denominator(12)
    return abs(float(exact) - c) < 1e-9 * max(1.0, abs(c)) and abs(exact.numerator) <= 12


def factor_words(c: float, what: str) -> str:
    """``what`` is c times what it should be: the sign and the factor named, when they are simple.

    >>> factor_words(-1.0, "the whole line")
    'the sign of the whole line is flipped'
    >>> factor_words(-2.0, "the whole line")
    'the whole line is -2 times what it should be: its sign is flipped and there is an extra factor 2'
    >>> factor_words(0.37, "the whole line")
    'the whole line is 0.37 times what it should be'
    """
    if abs(c + 1) < 1e-9:
        return f"the sign of {what} is flipped"
    head = f"{what} is {_number(c)} times what it should be"
    size = abs(c)
    if not (_simple(c) and _simple(1 / c)):
        return head
    if c > 0:
        return head + (f": a factor {_number(1 / size)} is lost" if size < 1
                       else f": an extra factor {_number(size)}")
    return head + (f": its sign is flipped and a factor {_number(1 / size)} is lost" if size < 1
                   else f": its sign is flipped and there is an extra factor {_number(size)}")


def cite_sign_rule(message: str, terms: sympy.Basic, first: bool) -> str:
    """A sign lost in the differentiation step, in terms that each hold an inverse, is rule M5's
    wrong variant: say so."""
    parts = list(terms.args) if isinstance(terms, (sympy.Add, MatAdd)) else [terms]
    if first and "sign" in message and all(
            any(isinstance(n, Inverse) for n in sympy.preorder_traversal(t)) for t in parts):
        return f"{message}: rule M5 says d(X^-1) = -X^-1 dX X^-1, with a minus sign"
    return message

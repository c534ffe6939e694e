"""What is wrong with a line, in words, with the line the words ask for (so that following a hint
can be checked to make progress), and the words for a wrong factor.

>>> factor_words(0.5, "whole line")
'the whole line is 1/2 times what it should be: a factor 2 is lost'
>>> factor_words(-0.5, "term", "tr(dX)")
'the term tr(dX) is -1/2 times what it should be: its sign is flipped and a factor 2 is lost'
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import NamedTuple

import sympy
from sympy.matrices.expressions import Inverse, MatAdd

from ..i18n import N_, _
from ..rules import RULES as RULE_VARIANTS


@dataclass(frozen=True)
class Cause:
    """Why a line is wrong (``message``) and the line as the message says it should be
    (``repair``: None when the message names no single repair). ``slip`` tags the kind of
    cause where a caller needs it ("lost": only terms are missing)."""

    message: str
    repair: sympy.Basic | None = None
    slip: str = ""


def rule_mistake(variant: str) -> str:
    """What a wrong variant of a rule (:mod:`mdlib.rules`) gets wrong, in the reader's language.

    >>> rule_mistake("M3 (no transpose)")
    'the transpose of dX is missing'
    """
    return _(RULE_VARIANTS[variant].mistake)


def join(*causes: str) -> str:
    """Causes said one after the other, with the separator of the reader's language ("; ")."""
    return _("; ").join(causes)


def _number(c: float) -> str:
    """A short exact-looking form: 2, 1/2, -3/4, else 6 digits."""
    exact = Fraction(c).limit_denominator(12)
    return str(exact) if abs(float(exact) - c) < 1e-9 * max(1.0, abs(c)) else f"{c:.6g}"


def _simple(c: float) -> bool:
    exact = Fraction(c).limit_denominator(12)
    return abs(float(exact) - c) < 1e-9 * max(1.0, abs(c)) and abs(exact.numerator) <= 12


class _FactorWords(NamedTuple):
    """The sentences for a line or a term that is c times what it should be."""

    flipped: str
    times: str
    lost: str
    extra: str
    flipped_lost: str
    flipped_extra: str


#: One set of whole sentences per subject (so a translation never glues a subject to a verb).
FACTOR_WORDS = {
    "whole line": _FactorWords(
        N_("the sign of the whole line is flipped"),
        N_("the whole line is {c} times what it should be"),
        N_("the whole line is {c} times what it should be: a factor {k} is lost"),
        N_("the whole line is {c} times what it should be: an extra factor {k}"),
        N_("the whole line is {c} times what it should be: its sign is flipped and a factor {k} "
           "is lost"),
        N_("the whole line is {c} times what it should be: its sign is flipped and there is an "
           "extra factor {k}")),
    "line": _FactorWords(
        N_("the sign of the line is flipped"),
        N_("the line is {c} times what it should be"),
        N_("the line is {c} times what it should be: a factor {k} is lost"),
        N_("the line is {c} times what it should be: an extra factor {k}"),
        N_("the line is {c} times what it should be: its sign is flipped and a factor {k} is lost"),
        N_("the line is {c} times what it should be: its sign is flipped and there is an extra "
           "factor {k}")),
    "term": _FactorWords(
        N_("the sign of the term {term} is flipped"),
        N_("the term {term} is {c} times what it should be"),
        N_("the term {term} is {c} times what it should be: a factor {k} is lost"),
        N_("the term {term} is {c} times what it should be: an extra factor {k}"),
        N_("the term {term} is {c} times what it should be: its sign is flipped and a factor {k} "
           "is lost"),
        N_("the term {term} is {c} times what it should be: its sign is flipped and there is an "
           "extra factor {k}")),
}


def names_sign(c: float) -> bool:
    """Whether :func:`factor_words` says that the sign of something c times too big is flipped."""
    return abs(c + 1) < 1e-9 or (c < 0 and _simple(c) and _simple(1 / c))


def factor_words(c: float, subject: str, term: str = "") -> str:
    """The ``subject`` ("whole line", "line" or "term", then ``term`` in the course's notation) is
    c times what it should be: the sign and the factor named, when they are simple.

    >>> factor_words(-1.0, "whole line")
    'the sign of the whole line is flipped'
    >>> factor_words(-2.0, "whole line")
    'the whole line is -2 times what it should be: its sign is flipped and there is an extra factor 2'
    >>> factor_words(0.37, "whole line")
    'the whole line is 0.37 times what it should be'
    """
    words = FACTOR_WORDS[subject]
    if abs(c + 1) < 1e-9:
        return _(words.flipped).format(term=term)
    size = abs(c)
    if not (_simple(c) and _simple(1 / c)):
        template, k = words.times, ""
    elif c > 0:
        template, k = (words.lost, 1 / size) if size < 1 else (words.extra, size)
    else:
        template, k = (words.flipped_lost, 1 / size) if size < 1 else (words.flipped_extra, size)
    return _(template).format(term=term, c=_number(c), k=_number(k) if k else "")


def cite_sign_rule(message: str, terms: sympy.Basic, first: bool, sign: bool) -> str:
    """A sign lost in the differentiation step (``sign``: the message says a sign is flipped), in
    terms that each hold an inverse, is rule M5's wrong variant: say so."""
    parts = list(terms.args) if isinstance(terms, (sympy.Add, MatAdd)) else [terms]
    if first and sign and all(
            any(isinstance(n, Inverse) for n in sympy.preorder_traversal(t)) for t in parts):
        return _("{cause}: rule M5 says d(X^-1) = -X^-1 dX X^-1, with a minus sign").format(
            cause=message)
    return message

"""Judge a *claimed* symbolic gradient (yours, or sympy's ``.diff``) by finite differences.

The course never prints a symbolic matrix derivative it has not checked. This module is how a
notebook shows what sympy 1.14 returns for, say, ``log|X|`` *together with* the verdict.

>>> import sympy
>>> X = sympy.MatrixSymbol("X", 3, 3)
>>> f = sympy.log(sympy.Determinant(X))
>>> bool(check_symbolic_gradient(f, X, X.T.inv())), bool(check_symbolic_gradient(f, X, X.inv()))
(True, False)
"""

from __future__ import annotations

import re

import numpy as np
import sympy
from sympy import MatrixSymbol

from ..errors import MdlibError
from ..gradcheck import GradientCheck, compare_with_reference, numerical_gradient
from ..i18n import _
from .verify import RTOL, _DataProblem, _Numeric, random_data

# The first clause of a message: up to its first semicolon, in English or in Chinese ("；").
_FIRST_CLAUSE = re.compile("[;；]")


def check_symbolic_gradient(f: sympy.Basic, X: MatrixSymbol, claimed: object, seed: int = 0,
                            symmetric: tuple = ()) -> GradientCheck:
    """Evaluate ``claimed`` (a sympy expression for ∂f/∂X) at seeded random data and compare.

    Never raises for a bad claim: an answer that cannot be evaluated fails with the reason. The
    reference is entrywise central differences (this is for the small matrices of a notebook,
    and the full matrix lets the verdict name a transpose, sign or factor slip).
    """
    if not isinstance(claimed, sympy.Basic):
        raise MdlibError(_("the claimed gradient must be a matrix expression, not text: read "
                           "typed text with mdlib.parse.parse_expression first"))
    name = str(X.name)
    data = random_data(f, seed=seed, symmetric=symmetric, variable=name)
    X0 = np.asarray(data.values[name], dtype=float)
    f_num = _Numeric(f, "f")
    try:
        reference = numerical_gradient(
            lambda Xv: f_num({**data.values, name: Xv}, data.dims).reshape(-1)[0], X0)
    except _DataProblem as problem:
        raise MdlibError(_("f cannot be checked at the random data: {problem}").format(
            problem=problem)) from None
    try:
        G = _Numeric(claimed, _("the claimed gradient"))(data.values, data.dims)
    except (MdlibError, _DataProblem) as err:
        reason = _FIRST_CLAUSE.split(str(err))[0][:160]
        return GradientCheck(False, float("inf"), _("the claimed gradient cannot be evaluated: "
                                                    "{reason}").format(reason=reason))
    if G.size == 1 and X0.size > 1:
        G = np.full(X0.shape, float(G.reshape(-1)[0]))
    return compare_with_reference(G, reference, RTOL)

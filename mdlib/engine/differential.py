"""Rules M1–M8 applied one level at a time, so each line of a derivation names its rules.

:func:`expand_once` replaces every unexpanded ``d(F)`` by one rule application (children that
are constant drop out, ``d(X)`` becomes ``dX``); :func:`differential_lines` repeats it until no
``d(·)`` is left and returns the intermediate expressions with the rule ids used.

>>> import sympy
>>> X, a, b = (sympy.MatrixSymbol(n, *s) for n, s in [("X", (3, 3)), ("a", (3, 1)), ("b", (3, 1))])
>>> dX = sympy.MatrixSymbol("dX", 3, 3)
>>> lines = differential_lines(sympy.Trace(X.T * X), X, dX)
>>> [(sorted(r.id for r in rules), str(e)) for e, rules in lines]
[(['M4'], 'Trace(DiffMatrix(X.T*X))'), (['M2'], 'Trace(DiffMatrix(X.T)*X + X.T*dX)'), (['M3'], 'Trace(X.T*dX + dX.T*X)')]
"""

from __future__ import annotations

from collections.abc import Callable

import sympy
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

from ..curriculum import RuleUse
from ..errors import MdlibError
from ..i18n import _
from .nodes import AsScalar, DiffMatrix, DiffScalar, built, depends_on, differential_of
from .ops import op_for


class _Expander:
    """One rule application per unexpanded d(F), looked up in the table of operations."""

    def __init__(self, X: sympy.MatrixSymbol, dX: sympy.MatrixSymbol,
                 override: dict[type, Callable] | None = None) -> None:
        self.X, self.dX = X, dX
        self.override = override or {}
        self.rules: set[RuleUse] = set()

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
        if F == self.X:
            return self.dX
        row = op_for(F)
        if row is None or row.differential is None:
            raise MdlibError(_("internal: no differential rule for {F}").format(F=repr(F)))
        if row.rule is not None:
            self.rules.add(row.rule)
        return built(self.override.get(row.node, row.differential), F, self)

    def expand_once(self, e: sympy.Basic) -> sympy.Basic:
        if isinstance(e, (DiffMatrix, DiffScalar)):
            return self.rule(e.args[0])
        if not e.args or not e.has(DiffMatrix, DiffScalar):
            return e
        if isinstance(e, ElementwiseApplyFunction):  # its Lambda holds no d(·)
            return e
        return built(e.func, *[self.expand_once(a) for a in e.args])


#: Most terms a differential may have (each holding dX once): every term is written out, moved
#: under the trace and checked, so the work grows with their number; X^64 has 64 already.
MAX_TERMS = 320


def term_count(F: sympy.Basic, X: sympy.MatrixSymbol) -> int:
    """How many terms dF has when fully expanded: one per occurrence of X, k per power X^k.

    >>> X, A = sympy.MatrixSymbol("X", 2, 2), sympy.MatrixSymbol("A", 2, 2)
    >>> term_count(sympy.Trace(X**3 * A * X), X), term_count(sympy.Trace(A), X)
    (4, 0)
    """
    if F == X:
        return 1
    if not depends_on(F, X):
        return 0
    inner = sum(term_count(a, X) for a in F.args if isinstance(a, sympy.Basic))
    if isinstance(F, sympy.MatPow) and F.exp.is_Integer and F.exp > 0:
        return int(F.exp) * inner
    return inner


def check_size(F: sympy.Basic, X: sympy.MatrixSymbol) -> None:
    """Refuse, before any work, a differential with more terms than :data:`MAX_TERMS`."""
    n = term_count(F, X)
    if n > MAX_TERMS:
        raise MdlibError(_("the differential would have {n} terms (a power X^k alone gives k "
                           "terms X^i dX X^(k-1-i)); the engine writes out and checks every "
                           "term, so it stops at {limit}: write fewer or smaller powers of {X}")
                         .format(n=n, limit=MAX_TERMS, X=X.name))


def differential_lines(f: sympy.Basic, X: sympy.MatrixSymbol, dX: sympy.MatrixSymbol,
                       override: dict[type, Callable] | None = None
                       ) -> list[tuple[sympy.Basic, set[RuleUse]]]:
    """Expand d(f) pass by pass; each entry is (expression after the pass, rules used).

    ``f`` may be matrix-valued (then df is a matrix). ``override`` replaces the differential
    of some node types (the tests use it to show that a wrong rule is caught).
    """
    check_size(f, X)
    expander = _Expander(X, dX, override)
    current = differential_of(f) if f != X else dX
    lines = []
    for _pass in range(200):  # depth bound; real expressions need a handful of passes
        if not current.has(DiffMatrix, DiffScalar):
            break
        expander.rules = set()
        current = expander.expand_once(current)
        lines.append((current, set(expander.rules)))
    return lines

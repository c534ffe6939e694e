"""Reading one typed line: the whitelist parser (whose messages lead with the course's hint and
name the column), plus what only a derivation step can get wrong: a dA for a constant, a line
that is a matrix, sizes that do not match, a line without dX.

>>> from mdlib.steps.problem import _problem
>>> key = ("tr(X)", "X", "X: 2x2", 0)
>>> problem = _problem(*key)
>>> try:
...     _read("tr(dX", key)
... except _Unreadable as err:
...     print(err.message, err.column)
this '(' (column 3) is never closed: add a ')' 2
"""

from __future__ import annotations

import re
from functools import lru_cache

import sympy
from sympy.matrices.expressions import (
    MatrixExpr,
    MatrixSymbol,
)

from ..errors import MdlibError
from ..i18n import _
from ..parse import SizeMismatch, parse_expression, parse_shapes
from .problem import _problem

# ------------------------------------------------------------------ reading a line

class _Unreadable(Exception):
    """A line that cannot be compared with df; ``kind`` "size" when it reads but its sizes do not
    match (then it is wrong, not unreadable)."""

    def __init__(self, message: str, column: int | None = None, kind: str = "") -> None:
        super().__init__(message)
        self.message, self.column, self.kind = message, column, kind


def sizes_do_not_match(reason: str) -> str:
    """The verdict of a line whose sizes do not match (the issue's words, not "cannot be read"),
    with the parser's ``reason``.

    >>> sizes_do_not_match("cannot multiply A (2×3) times B (2×3)")
    'the sizes do not match: cannot multiply A (2×3) times B (2×3)'
    """
    return _("the sizes do not match: {reason}").format(reason=reason)


def _dimension(M: MatrixSymbol) -> str:
    return "×".join(str(d) for d in M.shape)


def _at(err: MdlibError, text: str) -> int | None:
    """The column (from 0) a refusal of the parser points at, from its data (not its words,
    which are in the reader's language): an unknown function where its name is typed first,
    else the column the message names, if any."""
    if getattr(err, "kind", "") == "unknown function":
        place = re.search(rf"(?<![\w.]){re.escape(err.name)}\b", text)
        if place:
            return place.start()
    column = getattr(err, "column", None)
    return None if column is None else column - 1


@lru_cache(maxsize=512)
def _read(text: str, problem_key: tuple) -> sympy.Basic:
    problem = _problem(*problem_key)
    if not text.strip():
        raise _Unreadable(_("the line is empty"))
    declared = parse_shapes(problem.line_shapes)
    for match in re.finditer(r"(?<![\w.])d([A-Za-z_]\w*)", text):
        name = match.group(1)
        if name in declared and f"d{name}" not in declared:
            raise _Unreadable(_("{name} is a constant here, so d{name} = 0: drop the terms with "
                                "d{name} (only {X} varies)").format(name=name, X=problem.X.name),
                              match.start())
    if re.search(r"[-+*/]\s*$", text):
        raise _Unreadable(_("the line ends with an operator: something is missing after it"),
                          len(text.rstrip()) - 1)
    try:
        expr, _symbols = parse_expression(text, problem.line_shapes)
    except (AttributeError, TypeError) as err:  # e.g. .T on a number, such as tr(M).T
        raise _Unreadable(_("cannot read this line: {error}; a trace or a determinant is a number, "
                            "which has no .T").format(error=err)) from None
    except SizeMismatch as err:  # the parser names no column for sizes: no caret
        raise _Unreadable(sizes_do_not_match(str(err)), _at(err, text), "size") from None
    except MdlibError as err:
        message = str(err)
        column = _at(err, text)
        if "not aligned" in message:  # sympy's bare ('Matrices are not aligned', m, n)
            used = [M for name, M in declared.items() if re.search(rf"(?<![\w.]){name}\b", text)]
            sizes = _(", ").join(_("{name} is {size}").format(name=M.name, size=_dimension(M))
                                 for M in used)
            raise _Unreadable(_("the sizes do not match: in a product A*B the columns of A must "
                                "equal the rows of B, and a sum needs equal sizes; here "
                                "{sizes}").format(sizes=sizes), column, "size") from None
        raise _Unreadable(message, column) from None
    if isinstance(expr, MatrixExpr) and tuple(expr.shape) != (1, 1):
        raise _Unreadable(_("the sizes do not match: this line is a {size} matrix, but df is a "
                            "number: take its trace, or write the 1×1 product (T1: a scalar is "
                            "its own trace)").format(size=_dimension(expr)), None, "size")
    mentions_dX = re.search(rf"(?<![\w.]){re.escape(problem.dname)}\b", text)
    if mentions_dX and (expr == 0 or isinstance(expr, sympy.ZeroMatrix)):
        return sympy.S.Zero  # its terms cancelled as it was read: a line that is 0, judged as such
    if not expr.has(sympy.Symbol(problem.dname)) and not any(
            str(m.name) == problem.dname for m in expr.atoms(MatrixSymbol)):
        raise _Unreadable(_("the line does not contain {dX}: every line is df written with the "
                            "differential {dX}").format(dX=problem.dname))
    return expr


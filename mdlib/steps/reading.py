"""Reading one typed line: the whitelist parser (whose messages lead with the course's hint and
name the column), plus what only a derivation step can get wrong: a dA for a constant, a line
that is a matrix, sizes that do not match, a line without dX.

>>> from mdlib.steps.problem import _problem
>>> key = ("tr(X)", "X", "X: 2x2", 0)
>>> _ = _problem(*key)
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
from ..parse import SizeMismatch, parse_expression, parse_shapes
from .problem import _problem

# ------------------------------------------------------------------ reading a line

class _Unreadable(Exception):
    """A line that cannot be compared with df; ``kind`` "size" when it reads but its sizes do not
    match (then it is wrong, not unreadable)."""

    def __init__(self, message: str, column: int | None = None, kind: str = "") -> None:
        super().__init__(message)
        self.message, self.column, self.kind = message, column, kind


#: How a line whose sizes do not match begins its verdict (the issue's words, not "cannot be read").
SIZES = "the sizes do not match: "


def _dimension(M: MatrixSymbol) -> str:
    return "×".join(str(d) for d in M.shape)


@lru_cache(maxsize=512)
def _read(text: str, problem_key: tuple) -> sympy.Basic:
    problem = _problem(*problem_key)
    if not text.strip():
        raise _Unreadable("the line is empty")
    declared = parse_shapes(problem.line_shapes)
    for match in re.finditer(r"(?<![\w.])d([A-Za-z_]\w*)", text):
        name = match.group(1)
        if name in declared and f"d{name}" not in declared:
            raise _Unreadable(f"{name} is a constant here, so d{name} = 0: drop the terms with "
                              f"d{name} (only {problem.X.name} varies)", match.start())
    if re.search(r"[-+*/]\s*$", text):
        raise _Unreadable("the line ends with an operator: something is missing after it",
                          len(text.rstrip()) - 1)
    try:
        expr, _symbols = parse_expression(text, problem.line_shapes)
    except (AttributeError, TypeError) as err:  # e.g. .T on a number, such as tr(M).T
        raise _Unreadable(f"cannot read this line: {err}; a trace or a determinant is a number, "
                          "which has no .T") from None
    except SizeMismatch as err:
        column = re.search(r"\(column (\d+)\)", str(err))
        raise _Unreadable(SIZES + str(err), int(column.group(1)) - 1 if column else None,
                          "size") from None
    except MdlibError as err:
        message = str(err)
        column = None
        unknown = re.search(r"unknown (?:name\(s\)|function) (\w+)", message)
        if unknown:
            place = re.search(rf"(?<![\w.]){re.escape(unknown.group(1))}\b", text)
            column = place.start() if place else None
        at = re.search(r"\(column (\d+)\)", message)
        if column is None and at:
            column = int(at.group(1)) - 1
        if "not aligned" in message:  # sympy's bare ('Matrices are not aligned', m, n)
            used = [M for name, M in declared.items() if re.search(rf"(?<![\w.]){name}\b", text)]
            raise _Unreadable(SIZES + "in a product A*B the columns of A must equal the rows of "
                              "B, and a sum needs equal sizes; here "
                              + ", ".join(f"{M.name} is {_dimension(M)}" for M in used),
                              column, "size") from None
        raise _Unreadable(message, column) from None
    if isinstance(expr, MatrixExpr) and tuple(expr.shape) != (1, 1):
        raise _Unreadable(SIZES + f"this line is a {_dimension(expr)} matrix, but df is a number: "
                          "take its trace, or write the 1×1 product (T1: a scalar is its own "
                          "trace)", None, "size")
    mentions_dX = re.search(rf"(?<![\w.]){re.escape(problem.dname)}\b", text)
    if mentions_dX and (expr == 0 or isinstance(expr, sympy.ZeroMatrix)):
        return sympy.S.Zero  # its terms cancelled as it was read: a line that is 0, judged as such
    if not expr.has(sympy.Symbol(problem.dname)) and not any(
            str(m.name) == problem.dname for m in expr.atoms(MatrixSymbol)):
        raise _Unreadable(f"the line does not contain {problem.dname}: every line is df written "
                          f"with the differential {problem.dname}")
    return expr


"""Reading one typed line: the whitelist parser, plus messages that point at the place
(an unclosed bracket, an unknown name, a dA for a constant, a line that is a matrix).

>>> from mdlib.steps.problem import _problem
>>> key = ("tr(X)", "X", "X: 2x2", 0)
>>> _ = _problem(*key)
>>> try:
...     _read("tr(dX", key)
... except _Unreadable as err:
...     print(err.message, err.column)
this '(' is never closed: add a ')' 2
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
from ..parse import parse_expression, parse_shapes
from .problem import _problem

# ------------------------------------------------------------------ reading a line

class _Unreadable(Exception):
    def __init__(self, message: str, column: int | None = None) -> None:
        super().__init__(message)
        self.message, self.column = message, column


def _bracket_problem(text: str) -> tuple[str, int] | None:
    stack: list[int] = []
    for i, ch in enumerate(text):
        if ch == "(":
            stack.append(i)
        elif ch == ")":
            if not stack:
                return "this ')' closes nothing: remove it or add its '('", i
            stack.pop()
    if stack:
        return "this '(' is never closed: add a ')'", stack[-1]
    return None


def _dimension(M: MatrixSymbol) -> str:
    return "×".join(str(d) for d in M.shape)


@lru_cache(maxsize=512)
def _read(text: str, problem_key: tuple) -> sympy.Basic:
    problem = _problem(*problem_key)
    if not text.strip():
        raise _Unreadable("the line is empty")
    found = _bracket_problem(text)
    if found:
        raise _Unreadable(*found)
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
            message = ("the shapes do not fit: in a product A*B the columns of A must equal the "
                       "rows of B, and a sum needs equal shapes; here "
                       + ", ".join(f"{M.name} is {_dimension(M)}" for M in used))
        raise _Unreadable(message, column) from None
    if isinstance(expr, MatrixExpr) and tuple(expr.shape) != (1, 1):
        raise _Unreadable(f"this line is a {_dimension(expr)} matrix, but df is a number: take "
                          "its trace, or write the 1×1 product (T1: a scalar is its own trace)")
    if not expr.has(sympy.Symbol(problem.dname)) and not any(
            str(m.name) == problem.dname for m in expr.atoms(MatrixSymbol)):
        raise _Unreadable(f"the line does not contain {problem.dname}: every line is df written "
                          f"with the differential {problem.dname}")
    return expr


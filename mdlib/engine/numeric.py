"""Evaluate the engine's sympy expressions with numpy (fast enough to verify every result).

>>> import numpy as np, sympy
>>> X, b = sympy.MatrixSymbol("X", 2, 2), sympy.MatrixSymbol("b", 2, 1)
>>> e = sympy.Trace(X.T * X) + sympy.Determinant(X)
>>> float(evaluate(e, {"X": np.eye(2)}))
3.0
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy
from sympy.matrices.expressions import MatrixSymbol

from ..errors import MdlibError
from .ops import log_det, op_for

__all__ = ["dims_from", "evaluate", "log_det", "scalar_value"]


@dataclass(frozen=True)
class _Values:
    values: dict
    dims: dict


def dims_from(expr: sympy.Basic, values: dict) -> dict:
    """Values of symbolic dimensions (like ``n``) read off the shapes of the given arrays."""
    dims: dict = {}
    for M in expr.atoms(MatrixSymbol):
        arr = values.get(str(M.name))
        if arr is None:
            continue
        for d, size in zip(M.shape, np.shape(arr), strict=False):
            if isinstance(d, sympy.Symbol):
                dims[d] = size
    return dims


def evaluate(expr: sympy.Basic, values: dict, dims: dict | None = None):
    """Numeric value of ``expr``; ``values`` maps symbol names to arrays/numbers."""
    dims = dims_from(expr, values) if dims is None else dims
    memo: dict = {}

    def ev(e: sympy.Basic):
        if e in memo:
            return memo[e]
        out = _ev(e)
        memo[e] = out
        return out

    context = _Values(values, dims)

    def _ev(e: sympy.Basic):
        row = op_for(e)
        if row is None or row.numpy is None:
            raise MdlibError(f"cannot evaluate {e} numerically")
        return row.numpy(e, ev, context)

    try:
        with np.errstate(all="ignore"):
            out = ev(expr)
    except np.linalg.LinAlgError as err:
        raise MdlibError(f"cannot evaluate {_show(expr)} at these values: a matrix under an "
                         f"inverse or determinant is singular or not square ({err})") from err
    except ZeroDivisionError as err:
        raise MdlibError(f"cannot evaluate {_show(expr)} at these values: it divides by "
                         "zero") from err
    except OverflowError as err:
        raise MdlibError(f"cannot evaluate {_show(expr)} at these values: a number is too "
                         "large for floating point") from err
    except MdlibError:
        raise
    except (ValueError, TypeError) as err:  # e.g. arrays whose shapes do not fit the formula
        raise MdlibError(f"cannot evaluate {_show(expr)} with the values given: {err}") from err
    if np.iscomplexobj(out):
        raise MdlibError(f"{_show(expr)} has a complex value at these values (a fractional "
                         "power or a log of a negative number); the course works with real "
                         "numbers")
    return out


def _show(expr: sympy.Basic) -> str:
    from .printing import to_text

    try:
        text = to_text(expr)
    except Exception:  # noqa: BLE001 - a message must be readable whatever the node
        text = sympy.sstr(expr)
    return text if len(text) <= 120 else text[:117] + "..."


def scalar_value(expr: sympy.Basic, values: dict, dims: dict | None = None) -> float:
    """Like :func:`evaluate` for a scalar or 1×1 expression, as a float."""
    return float(np.asarray(evaluate(expr, values, dims), dtype=float).reshape(-1)[0])

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
from sympy.matrices.expressions import (
    Determinant,
    Inverse,
    MatAdd,
    MatMul,
    MatrixExpr,
    MatrixSymbol,
)

from ..errors import MdlibError
from ..i18n import _
from .algebra import transpose
from .nodes import AsScalar
from .ops import log_det, op_for
from .printing import to_text

__all__ = ["dims_from", "evaluate", "log_det", "numeric_values", "scalar_value", "why_singular"]


@dataclass(frozen=True)
class _Values:
    values: dict
    dims: dict


def numeric_values(values: dict) -> dict:
    """A reader's values as floats and float arrays; a 1-D array or list is a column vector.

    >>> numeric_values({"a": [1, 2], "t": 3})
    {'a': array([[1.],
           [2.]]), 't': 3.0}
    """
    arrays = {k: (np.asarray(v, dtype=float) if np.ndim(v) else float(v)) for k, v in values.items()}
    return {k: (v.reshape(-1, 1) if np.ndim(v) == 1 else v) for k, v in arrays.items()}


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
            raise MdlibError(_("cannot evaluate {expr} numerically").format(expr=e))
        try:
            return row.numpy(e, ev, context)
        except np.linalg.LinAlgError as err:  # here the node is known: name its matrix
            if isinstance(e, Inverse):
                raise MdlibError(_singular_inverse(expr, e)) from err
            raise
        except ZeroDivisionError as err:
            if isinstance(e, sympy.Pow) and e.exp.is_negative:
                base = e.base.args[0] if isinstance(e.base, AsScalar) else e.base
                raise MdlibError(_division_by_zero(expr, base)) from err
            raise

    try:
        with np.errstate(all="ignore"):
            out = ev(expr)
    except np.linalg.LinAlgError as err:
        raise MdlibError(_("cannot evaluate {expr} at these values: a matrix under an inverse "
                           "or determinant is singular or not square ({error})").format(
                               expr=_show(expr), error=err)) from err
    except ZeroDivisionError as err:
        raise MdlibError(_("cannot evaluate {expr} at these values: it divides by zero").format(
            expr=_show(expr))) from err
    except OverflowError as err:
        raise MdlibError(_("cannot evaluate {expr} at these values: a number is too large for "
                           "floating point").format(expr=_show(expr))) from err
    except MdlibError:
        raise
    except (ValueError, TypeError) as err:  # e.g. arrays whose shapes do not fit the formula
        raise MdlibError(_("cannot evaluate {expr} with the values given: {error}").format(
            expr=_show(expr), error=err)) from err
    if np.iscomplexobj(out):
        raise MdlibError(_("{expr} has a complex value at these values (a fractional power or a "
                           "log of a negative number); the course works with real numbers")
                         .format(expr=_show(expr)))
    return out


def why_singular(M: sympy.Basic) -> str:
    """Why a square matrix is singular for every value, when its form shows it; else "".

    Used in the messages of a singular inverse or a zero determinant, so the reader learns
    that no other data would help (a low-rank product, an odd skew-symmetric matrix).

    >>> X, K = sympy.MatrixSymbol("X", 3, 2), sympy.MatrixSymbol("K", 2, 3)
    >>> why_singular(X * K)
    'it is 3×3 but a product through an inner size 2, so its rank is at most 2'
    """
    n = M.shape[0] if isinstance(M, MatrixExpr) and M.shape[0] == M.shape[1] else None
    if n is None or not getattr(n, "is_Integer", False):
        return ""
    if isinstance(M, MatMul):  # a product through a narrow inner size has low rank
        mats = [a for a in M.args if isinstance(a, MatrixExpr)]
        inner = [a.shape[1] for a in mats[:-1] if getattr(a.shape[1], "is_Integer", False)]
        if inner and min(inner) < n:
            return _("it is {n}×{n} but a product through an inner size {k}, so its rank is at "
                     "most {k}").format(n=n, k=min(inner))
    if isinstance(M, MatAdd) and len(M.args) == 2 and n % 2 == 1:  # S = A - A^T, n odd
        a, b = M.args
        if b == -transpose(a) or a == -transpose(b):
            return _("it is skew-symmetric (Sᵀ = -S) of odd size {n}, so det S = det Sᵀ = "
                     "(-1)^{n} det S = -det S").format(n=n)
    return ""


def _singular_inverse(expr: sympy.Basic, inverse: Inverse) -> str:
    """The message for an inverse of a singular matrix, saying why when its form shows it."""
    values = dict(expr=_show(expr), matrix=_show(inverse.arg), inverse=_show(inverse))
    reason = why_singular(inverse.arg)
    if reason:
        return _("cannot evaluate {expr} at these values: {matrix} is singular, so {inverse} does "
                 "not exist ({reason}: it is singular for every value)").format(
                     reason=reason, **values)
    return _("cannot evaluate {expr} at these values: {matrix} is singular, so {inverse} does not "
             "exist").format(**values)


def _division_by_zero(expr: sympy.Basic, base: sympy.Basic) -> str:
    """The message for a division by a number that is 0, saying why when its form shows it
    (the determinant of a matrix that is singular for every value)."""
    values = dict(expr=_show(expr), base=_show(base))
    if isinstance(base, Determinant) and why_singular(base.arg):
        return _("cannot evaluate {expr} at these values: it divides by {base}, which is 0 "
                 "there; {matrix} is singular for every value ({reason})").format(
                     matrix=_show(base.arg), reason=why_singular(base.arg), **values)
    return _("cannot evaluate {expr} at these values: it divides by {base}, which is 0 "
             "there").format(**values)


def _show(expr: sympy.Basic) -> str:
    try:
        text = to_text(expr)
    except Exception:  # noqa: BLE001 - a message must be readable whatever the node
        text = sympy.sstr(expr)
    return text if len(text) <= 120 else text[:117] + "..."


def scalar_value(expr: sympy.Basic, values: dict, dims: dict | None = None) -> float:
    """Like :func:`evaluate` for a scalar or 1×1 expression, as a float."""
    return float(np.asarray(evaluate(expr, values, dims), dtype=float).reshape(-1)[0])

"""Evaluate the engine's sympy expressions with numpy (fast enough to verify every result).

>>> import numpy as np, sympy
>>> X, b = sympy.MatrixSymbol("X", 2, 2), sympy.MatrixSymbol("b", 2, 1)
>>> e = sympy.Trace(X.T * X) + sympy.Determinant(X)
>>> float(evaluate(e, {"X": np.eye(2)}))
3.0
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import sympy
from sympy.matrices.expressions import (
    Determinant,
    HadamardPower,
    HadamardProduct,
    Identity,
    Inverse,
    MatAdd,
    MatMul,
    MatPow,
    MatrixSymbol,
    OneMatrix,
    Trace,
    Transpose,
    ZeroMatrix,
)
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

from ..errors import MdlibError
from ..stable import sigmoid as stable_sigmoid
from .nodes import AsScalar

_MODULES = [{"Sigmoid": stable_sigmoid}, "numpy"]


@lru_cache(maxsize=512)
def _scalar_function(fn: sympy.Lambda):
    return sympy.lambdify(fn.variables, fn.expr, modules=_MODULES)


@lru_cache(maxsize=128)
def _named_function(func: type):
    t = sympy.Dummy("t")
    return sympy.lambdify([t], func(t), modules=_MODULES)


def _dim(d: sympy.Basic, dims: dict) -> int:
    if isinstance(d, (int, np.integer)) or getattr(d, "is_Integer", False):
        return int(d)
    return int(sympy.sympify(d).subs(dims))


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

    def _ev(e: sympy.Basic):
        if isinstance(e, (MatrixSymbol, sympy.Symbol)):
            name = str(e.name)
            if name not in values:
                raise MdlibError(f"no numeric value given for {name}")
            return values[name]
        if isinstance(e, sympy.Number) or isinstance(e, sympy.NumberSymbol):
            return float(e)
        if isinstance(e, Identity):
            return np.eye(_dim(e.shape[0], dims))
        if isinstance(e, ZeroMatrix):
            return np.zeros((_dim(e.shape[0], dims), _dim(e.shape[1], dims)))
        if isinstance(e, OneMatrix):
            return np.ones((_dim(e.shape[0], dims), _dim(e.shape[1], dims)))
        if isinstance(e, (MatAdd, sympy.Add)):
            total = ev(e.args[0])
            for a in e.args[1:]:
                total = total + ev(a)
            return total
        if isinstance(e, MatMul):
            scalar, mats = 1.0, []
            for a in e.args:
                v = ev(a)
                if np.ndim(v) == 0:
                    scalar = scalar * v
                else:
                    mats.append(v)
            out = mats[0] if len(mats) == 1 else np.linalg.multi_dot(mats) if mats else 1.0
            return scalar * out
        if isinstance(e, sympy.Mul):
            out = 1.0
            for a in e.args:
                out = out * ev(a)
            return out
        if isinstance(e, Transpose):
            return ev(e.arg).T
        if isinstance(e, Inverse):
            return np.linalg.inv(ev(e.arg))
        if isinstance(e, MatPow):
            return np.linalg.matrix_power(ev(e.base), int(e.exp))
        if isinstance(e, Trace):
            return float(np.trace(ev(e.arg)))
        if isinstance(e, Determinant):
            return float(np.linalg.det(ev(e.arg)))
        if isinstance(e, HadamardProduct):
            out = ev(e.args[0])
            for a in e.args[1:]:
                out = out * ev(a)
            return out
        if isinstance(e, HadamardPower):
            return ev(e.base) ** ev(e.exp)
        if isinstance(e, ElementwiseApplyFunction):
            return np.asarray(_scalar_function(e.function)(ev(e.expr)), dtype=float) * np.ones(
                np.shape(ev(e.expr)))
        if isinstance(e, AsScalar):
            return float(np.asarray(ev(e.args[0])).reshape(-1)[0])
        if isinstance(e, sympy.Pow):
            return ev(e.base) ** ev(e.exp)
        if isinstance(e, sympy.log) and isinstance(e.args[0], Determinant):
            return log_det(ev(e.args[0].arg))
        if isinstance(e, sympy.Function) and len(e.args) == 1:
            arg = ev(e.args[0])
            if np.ndim(arg) == 2 and np.shape(arg) == (1, 1):
                arg = float(arg[0, 0])
            return _named_function(e.func)(arg)
        raise MdlibError(f"cannot evaluate {e} numerically")

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
    if np.iscomplexobj(out):
        raise MdlibError(f"{_show(expr)} has a complex value at these values (a fractional "
                         "power or a log of a negative number); the course works with real "
                         "numbers")
    return out


def log_det(M: np.ndarray) -> float:
    """log det M by ``slogdet`` (no overflow for large M); NaN when det M ≤ 0, like ``log``.

    >>> M = 10 * np.eye(400)  # det M = 1e400 overflows, its log does not
    >>> with np.errstate(over="ignore"):
    ...     bool(np.isclose(log_det(M), 400 * np.log(10))), bool(np.isinf(np.linalg.det(M)))
    (True, True)
    """
    sign, logabs = np.linalg.slogdet(np.asarray(M, dtype=float))
    return float(logabs) if sign > 0 else float("nan")


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

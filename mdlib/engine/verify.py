"""Numeric verification: random seeded data, finite differences and the remainder order.

The gradient is compared with central differences (:func:`mdlib.numerical_gradient`) and the
differential's remainder ``f(X + h U) − f(X) − df(X; h U)`` must vanish like ``h²``
(:func:`mdlib.remainder_study`). Matrices under an inverse or determinant get a
well-conditioned value (``n I`` plus a small random part); those under a log-det or declared
symmetric get a symmetric positive definite one.

>>> import sympy
>>> X = sympy.MatrixSymbol("X", 2, 2)
>>> data = random_data(sympy.Trace(X), seed=0)
>>> data.values["X"].shape
(2, 2)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import sympy
from sympy.matrices.expressions import Determinant, MatrixSymbol

from ..errors import MdlibError
from ..gradcheck import numerical_gradient, relative_error
from ..remainder import remainder_study
from .numeric import evaluate, scalar_value

DEFAULT_SIZE = 3
#: Relative error allowed between the gradient and central differences.
RTOL = 1e-5


@dataclass
class Data:
    """Random values by name, the sizes of symbolic dimensions, and the shapes used."""

    values: dict
    dims: dict
    shapes: dict


def _resolve_shapes(expr: sympy.Basic, shapes: dict | None) -> tuple[dict, dict]:
    shapes = dict(shapes or {})
    dims: dict = {}
    matrices = sorted(expr.atoms(MatrixSymbol), key=lambda m: str(m.name))
    for M in matrices:  # explicit shapes of matrices fix the sizes of their dimensions
        given = shapes.get(str(M.name))
        if given is not None:
            for d, size in zip(M.shape, given, strict=False):
                if isinstance(d, sympy.Symbol):
                    dims[d] = int(size)
    for key, value in shapes.items():  # a dimension given by name, e.g. {"n": 4}
        if isinstance(value, int):
            dims[sympy.Symbol(key)] = value
    resolved = {}
    for M in matrices:
        size = []
        for d in M.shape:
            if getattr(d, "is_Integer", False) or isinstance(d, int):
                size.append(int(d))
            else:
                free = {s: dims.get(s, DEFAULT_SIZE) for s in sympy.sympify(d).free_symbols}
                dims.update({s: v for s, v in free.items() if s not in dims})
                size.append(int(sympy.sympify(d).subs(free)))
        resolved[str(M.name)] = tuple(size)
    return resolved, dims


def _special_names(expr: sympy.Basic) -> tuple[set, set]:
    """Names inside a log-det (want SPD) and inside an inverse/determinant (want well-conditioned)."""
    spd, regular = set(), set()
    for node in sympy.preorder_traversal(expr):
        if isinstance(node, sympy.log) and isinstance(node.args[0], Determinant):
            spd |= {str(m.name) for m in node.atoms(MatrixSymbol)}
        if isinstance(node, (sympy.Inverse, Determinant)):
            regular |= {str(m.name) for m in node.atoms(MatrixSymbol)}
    return spd, regular


def random_data(expr: sympy.Basic, shapes: dict | None = None, seed: int = 0,
                symmetric: Iterable[str] = (), positive: bool = False,
                variable: str | None = None) -> Data:
    """Seeded random values for every matrix and scalar symbol of ``expr``.

    The ``variable`` is never made symmetric unless declared so: a symmetric point would hide
    a missing transpose in the gradient.
    """
    rng = np.random.default_rng(seed)
    resolved, dims = _resolve_shapes(expr, shapes)
    spd, _regular = _special_names(expr)
    spd.discard(variable)
    sym = set(symmetric)
    values: dict = {}
    for name, (r, c) in resolved.items():
        if r == c and (name in spd or name in sym):
            R = rng.standard_normal((r, r))
            value = R @ R.T / r + np.eye(r)
        elif r == c and r > 1:
            value = r * np.eye(r) + 0.5 * rng.standard_normal((r, r))
        else:
            value = rng.standard_normal((r, c))
        if positive and not (r == c and (name in spd or name in sym)):
            value = np.abs(value) + 0.2
        values[name] = value
    dim_symbols = set(dims)
    for s in sorted(expr.atoms(sympy.Symbol) - dim_symbols, key=str):
        if not isinstance(s, sympy.Dummy):
            values[s.name] = float(rng.uniform(0.5, 1.5))
    return Data(values, dims, resolved)


@dataclass
class Verification:
    """The outcome of a numeric check of one derivation."""

    passed: bool
    relative_error: float
    order: float
    shapes: dict
    seed: int
    message: str
    details: dict = field(default_factory=dict)

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        return self.message

    __repr__ = __str__

    def _repr_markdown_(self) -> str:
        return ("✅ " if self.passed else "❌ ") + self.message


def _shape_text(shapes: dict) -> str:
    return ", ".join(f"{n}: {r}×{c}" for n, (r, c) in shapes.items())


def verify(f: sympy.Basic, X: MatrixSymbol, dX: MatrixSymbol, differential: sympy.Basic,
           gradient: sympy.Basic, shapes: dict | None = None, seed: int = 0,
           symmetric: Iterable[str] = ()) -> Verification:
    """Check ``gradient`` against finite differences and ``differential`` by its remainder."""
    name, dname = str(X.name), str(dX.name)
    last = None
    for attempt, positive in enumerate([False, True, False, True]):
        data = random_data(f, shapes, seed + 7919 * (attempt // 2), symmetric, positive, name)
        X0 = np.asarray(data.values[name], dtype=float)

        def f_num(Xv, data=data):
            return scalar_value(f, {**data.values, name: Xv}, data.dims)

        try:
            f0 = f_num(X0)
            G = np.asarray(evaluate(gradient, data.values, data.dims), dtype=float)
        except (np.linalg.LinAlgError, ValueError) as err:
            last = f"could not evaluate at the random data ({err})"
            continue
        if not np.isfinite(f0) or not np.all(np.isfinite(G)):
            last = "f or the gradient is not finite at the random data"
            continue
        G = np.broadcast_to(G, X0.shape) if G.shape != X0.shape and G.size == 1 else G
        if G.shape != X0.shape:
            return Verification(False, float("inf"), float("nan"), data.shapes, seed,
                                f"the gradient has shape {G.shape} but {name} has {X0.shape}")
        reference = numerical_gradient(f_num, X0)
        if not np.all(np.isfinite(reference)):
            last = "f is not finite near the random data"
            continue
        err = relative_error(G, reference)

        def df_num(Xv, dXv, data=data):
            return scalar_value(differential, {**data.values, name: Xv, dname: dXv}, data.dims)

        study = remainder_study(f_num, X0, df_num)
        ok = err <= RTOL and study.is_second_order()
        order_text = "exact" if study.exact else f"{study.order:.2f}"
        message = (f"{'verified' if ok else 'NOT verified'}: gradient vs central differences "
                   f"relative error {err:.1e}, remainder order of df {order_text} "
                   f"(random data, seed {seed}, shapes {_shape_text(data.shapes)})")
        return Verification(ok, err, study.order, data.shapes, seed, message,
                            {"gradient": G, "reference": reference, "study": study})
    raise MdlibError(f"the engine could not verify the result numerically: {last}")

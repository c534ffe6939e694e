"""Numeric verification of a derivation: random seeded data, directional differences, remainder.

The claimed gradient ``G`` is checked along a few random directions ``V``: ``tr(G^T V)`` (and
the differential ``df(X; V)``) must equal the central difference of ``φ(t) = f(X + t V)`` at
``t = 0``, and the remainder ``f(X + t V) − f(X) − t tr(G^T V)`` must vanish like ``t²``
(:func:`mdlib.remainder_study`). That costs a few dozen evaluations of ``f`` whatever the size
of ``X`` (entrywise differences would cost ``2 n²``).

Why each choice:

* **Data.** General matrices get entries ``N(0, 1)/√n``, so products and traces stay of order
  one at every size (``n I`` plus noise made ``tr X ≈ n²`` and saturated ``tanh``/``σ``).
  Matrices under an inverse or a determinant get ``I + E`` with a random non-symmetric ``E``
  of spectral norm about 1/2 (``det > 0``, condition number about 3, ``log det`` of order one
  at any size); those under a log-det or declared symmetric get ``A A^T/n + I``. The variable
  is never made symmetric unless declared so: a symmetric point would hide a missing transpose.
* **Steps and tolerance.** ``V`` has the norm of ``X``, so the step ``t`` is relative. The
  difference quotient is Richardson-extrapolated on a halving ladder of steps, and the step
  whose estimated error (the spread of successive estimates plus round-off ``≈ σ / t``) is
  smallest wins. ``σ`` is f's round-off *measured* at a few points 1e-6 away (relative)
  (:func:`mdlib.remainder.roundoff_level`), at least ``ε |f|``: ``ε |f|`` alone is far too small
  when f is small but computed from quantities of order one (``log(1 + 1e-5 tr X)``). The
  gradient and the differential pass when, along *every* direction,
  ``|claim − D| ≤ RTOL · scale + 4 · error`` (``scale`` = the largest ``|D|``). The remainder
  study uses relative steps from 3e-3 down to 1e-5 and fits the order only where the remainder
  is far above ``σ`` (below it everywhere: "exact").
* **Honesty.** Log-dets are evaluated with ``slogdet``; complex or non-finite values, a
  (nearly) singular matrix under an inverse or determinant (1-norm condition number above
  ``MAX_CONDITION``), and a reference that is zero (f does not change, so a comparison would
  prove nothing — unless the claimed gradient is 0, as a formula or to round-off: terms that
  cancel, e.g. ``(X - X^T)^{-2} - (X^T - X)^{-2}``, never a value that merely underflowed; the
  message then says the differences are at round-off level) are never reported as
  verified: other data are tried, then an :class:`~mdlib.MdlibError` names the cause. Sizes
  above ``MAX_ENTRIES`` are refused before anything is allocated.

The one-line message keeps the form notebooks print: ``verified: gradient vs central
differences relative error …, remainder order of df … (random data, seed …, shapes …)``.

>>> import sympy
>>> X = sympy.MatrixSymbol("X", 2, 2)
>>> data = random_data(sympy.Trace(X), seed=0)
>>> data.values["X"].shape
(2, 2)
>>> A = sympy.MatrixSymbol("A", 2, 2)
>>> dX = sympy.MatrixSymbol("dX", 2, 2)
>>> bool(verify(sympy.Trace(A * X), X, dX, sympy.Trace(A * dX), A.T))
True
>>> bool(verify(sympy.Trace(A * X), X, dX, sympy.Trace(A * dX), A))  # missing transpose
False
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
import sympy
from sympy.matrices.expressions import (
    Determinant,
    HadamardProduct,
    Inverse,
    KroneckerProduct,
    MatMul,
    MatPow,
    MatrixSymbol,
)

from ..errors import MdlibError
from ..i18n import _
from ..remainder import remainder_study, roundoff_level
from .nodes import AsScalar, DiagVec, Vec, built, display_name
from .numeric import evaluate
from .ops import data_needs
from .printing import to_text

DEFAULT_SIZE = 3
#: Relative error allowed between ``tr(G^T V)`` and the difference quotient (plus its error).
RTOL = 1e-5
#: Random directions per verification.
DIRECTIONS = 3
#: Largest matrix (entries) the verifier builds: 1000 × 1000 doubles are 8 MB each, and every
#: evaluation of f costs O(n³); beyond that a numeric check is neither quick nor meaningful.
MAX_ENTRIES = 1_000_000
#: A matrix under an inverse or determinant with a larger condition number counts as singular
#: at the data: its inverse has lost more than half of float64's digits.
MAX_CONDITION = 1e8
#: Data sets tried (seed, then entries made positive, then the next seed ...).
ATTEMPTS = 6
_EPS = float(np.finfo(float).eps)
# Relative steps of the difference ladder (halving: each Richardson error falls ~16×).
_LADDER = 0.05 * 0.5 ** np.arange(16)
# Relative steps of the remainder study: small enough that the t² term dominates (at larger t a
# t³ term can cancel it on one side and bend the fitted slope), large enough to stay far above
# round-off; one sign only, for the same reason.
_REMAINDER_STEPS = np.array([3e-3, 1e-3, 3e-4, 1e-4, 3e-5, 1e-5])
# The remainder order a right gradient shows (2, less the fit's noise).
_SECOND_ORDER = 1.75


class _DataProblem(Exception):
    """The random data do not suit f (complex, singular, not finite ...): try other data."""


@dataclass
class Data:
    """Random values by name, the sizes of symbolic dimensions, and the shapes used.

    ``shown`` maps each name to the one a reader sees (:func:`~mdlib.engine.nodes.display_name`).
    """

    values: dict
    dims: dict
    shapes: dict
    shown: dict = field(default_factory=dict)


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
                d = sympy.sympify(d, strict=True)  # a symbolic size, never text
                free = {s: dims.get(s, DEFAULT_SIZE) for s in d.free_symbols}
                dims.update({s: v for s, v in free.items() if s not in dims})
                size.append(int(d.subs(free)))
        resolved[str(M.name)] = tuple(size)
    for M in matrices:  # refuse before allocating anything
        (r, c), name = resolved[str(M.name)], display_name(M)
        if r < 1 or c < 1:
            raise MdlibError(_("{name} would be {rows}×{cols}; every matrix needs at least one row "
                               "and column").format(name=name, rows=r, cols=c))
        if r * c > MAX_ENTRIES:
            raise MdlibError(
                _("{name} would be {rows}×{cols}; the numeric check builds matrices of at most "
                  "{limit:,} entries (e.g. 1000×1000), so pick smaller sizes to verify").format(
                      name=name, rows=r, cols=c, limit=MAX_ENTRIES))
    return resolved, dims


def _well_conditioned(rng: np.random.Generator, n: int) -> np.ndarray:
    """``I + E`` with a random non-symmetric ``E`` of spectral norm about 1/2.

    Every eigenvalue then lies within 1/2 of 1, so ``det > 0``, the condition number is about
    3 and ``|log det|`` stays of order one at any size; no factorisation is needed (O(n²)).
    """
    E = rng.standard_normal((n, n))
    v = np.ones(n) / np.sqrt(n)
    for _pass in range(12):  # power iteration for ‖E‖₂ (a few matrix-vector products)
        w = E.T @ (E @ v)
        v = w / np.linalg.norm(w)
    norm = np.sqrt(np.linalg.norm(E.T @ (E @ v)))
    return np.eye(n) + E * (0.5 / (1.15 * norm))


def random_data(expr: sympy.Basic, shapes: dict | None = None, seed: int = 0,
                symmetric: Iterable[str] = (), positive: bool = False,
                variable: str | None = None) -> Data:
    """Seeded random values for every matrix and scalar symbol of ``expr`` (see module doc).

    ``positive`` makes the general matrices entrywise positive (for elementwise logs and
    roots). The ``variable`` is never made symmetric unless declared so.
    """
    rng = np.random.default_rng(seed)
    resolved, dims = _resolve_shapes(expr, shapes)
    spd, invertible = data_needs(expr)  # declared once, by the operation table
    sym = set(symmetric)
    values: dict = {}
    for name, (r, c) in resolved.items():
        if r == c and (name in sym or (name in spd and name != variable)):
            R = rng.standard_normal((r, r))
            value = R @ R.T / r + np.eye(r)
        elif r == c and (name in spd or name in invertible):
            value = _well_conditioned(rng, r)
        else:
            value = rng.standard_normal((r, c)) / np.sqrt(max(r, c))
            if positive:
                value = np.abs(value) + 0.2
        values[name] = value
    dim_symbols = set(dims)
    for s in sorted(expr.atoms(sympy.Symbol) - dim_symbols, key=str):
        if not isinstance(s, sympy.Dummy):
            values[s.name] = float(rng.uniform(0.5, 1.5))
    shown = {str(M.name): display_name(M) for M in expr.atoms(MatrixSymbol)}
    return Data(values, dims, resolved, shown)


class CheckOutcome:
    """What every outcome of a numeric check does with its ``passed`` and ``message``: it is
    true when the check passed, prints as its message, and shows ✅/❌ in a notebook.

    Subclasses are dataclasses declared with ``repr=False``, so this ``__repr__`` is kept.

    >>> @dataclass(repr=False)
    ... class Outcome(CheckOutcome):
    ...     passed: bool
    ...     message: str
    >>> bool(Outcome(False, "J differs")), repr(Outcome(True, "ok")), Outcome(True, "ok")._repr_markdown_()
    (False, 'ok', '✅ ok')
    """

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        return self.message

    __repr__ = __str__

    def _repr_markdown_(self) -> str:
        return ("✅ " if self.passed else "❌ ") + self.message


@dataclass(repr=False)
class Verification(CheckOutcome):
    """The outcome of a numeric check of one derivation."""

    passed: bool
    relative_error: float
    order: float
    shapes: dict
    seed: int
    message: str
    details: dict = field(default_factory=dict)


def _shape_text(data: Data) -> str:
    return ", ".join(f"{data.shown.get(n, n)}: {r}×{c}" for n, (r, c) in data.shapes.items())


def _show(expr: sympy.Basic) -> str:
    try:
        return to_text(expr)
    except Exception:  # noqa: BLE001 - a message must not fail because a printer did
        return sympy.sstr(expr)


# ----------------------------------------------------------------------------------------------
# Evaluation: log-dets by slogdet, long products as powers, every failure named.

# Placeholder names contain characters no typed name can have, so they never meet a reader's.
_PLACEHOLDER = "⟨log det {}⟩"


def _rebuild(e: sympy.Basic, logdets: list) -> sympy.Basic:
    if not e.args or isinstance(e, (MatrixSymbol, sympy.Symbol)):
        return e
    args = tuple(_rebuild(a, logdets) for a in e.args)
    if isinstance(e, sympy.log) and isinstance(args[0], Determinant):
        placeholder = sympy.Symbol(_PLACEHOLDER.format(len(logdets) + 1), real=True)
        logdets.append((placeholder, args[0].arg, e.args[0].arg))  # rebuilt, and as typed
        return placeholder
    if isinstance(e, MatMul):  # X*X*...*X as X**k: numpy's chain ordering is cubic in length
        runs: list = []
        for a in args:
            if runs and isinstance(a, sympy.MatrixExpr) and runs[-1][0] == a:
                runs[-1][1] += 1
            else:
                runs.append([a, 1])
        if len(runs) < len(args):
            return MatMul(*[MatPow(a, k) if k > 1 else a for a, k in runs])
    return built(e.func, *args) if args != e.args else e


def _real(value: object, what: str) -> np.ndarray:
    arr = np.asarray(value)
    if arr.dtype == object:
        try:
            arr = arr.astype(complex)
        except (TypeError, ValueError) as err:
            raise MdlibError(_("{what} is not a number ({error})").format(
                what=what, error=err)) from None
    if np.iscomplexobj(arr):
        if np.any(arr.imag != 0):
            raise _DataProblem(_("{what} is complex at the random data (e.g. the log or root of a "
                                 "negative number)").format(what=what))
        arr = arr.real
    arr = arr.astype(float)
    if not np.all(np.isfinite(arr)):
        raise _DataProblem(_("{what} is not finite (NaN or infinity) at the random data (e.g. "
                             "the log or root of a negative number, or a division by zero)")
                           .format(what=what))
    return arr


# Numeric failures that mean "these data do not suit f" (singular, overflow, division by 0).
_NUMERIC_FAILURES = (np.linalg.LinAlgError, ZeroDivisionError, OverflowError, FloatingPointError)


class _Numeric:
    """An expression ready for repeated numeric evaluation; ``what`` names it in messages (in
    the reader's language: "f", or "the gradient" translated)."""

    def __init__(self, expr: sympy.Basic, what: str) -> None:
        self.logdets: list = []
        self.expr = _rebuild(expr, self.logdets)
        self.what = what

    def _data_problem(self, err: BaseException) -> _DataProblem:
        if isinstance(err, np.linalg.LinAlgError):
            return _DataProblem(_("{what} needs the inverse of a singular matrix at the random "
                                  "data ({error})").format(what=self.what, error=err))
        return _DataProblem(_("{what} cannot be computed at the random data ({kind}: {error})")
                            .format(what=self.what, kind=type(err).__name__, error=err))

    def __call__(self, values: dict, dims: dict) -> np.ndarray:
        values = dict(values)
        try:
            with np.errstate(all="ignore"):
                for placeholder, M, shown in self.logdets:
                    m = _real(evaluate(M, values, dims), _("the matrix under log det in {what}")
                              .format(what=self.what))
                    sign, logabs = np.linalg.slogdet(np.atleast_2d(m))
                    if sign <= 0:
                        raise _DataProblem(_("{what} takes the log-det of {matrix}, whose "
                                             "determinant is not positive at the random data")
                                           .format(what=self.what, matrix=_show(shown)))
                    values[placeholder.name] = float(logabs)
                return _real(evaluate(self.expr, values, dims), self.what)
        except _DataProblem:
            raise
        except MdlibError as err:
            # numeric.evaluate names a numeric failure and chains it: at random data it is the
            # data's fault (other data are tried), not a fault of the formula
            if isinstance(err.__cause__, _NUMERIC_FAILURES):
                raise self._data_problem(err.__cause__) from None
            raise
        except _NUMERIC_FAILURES as err:
            raise self._data_problem(err) from None
        except MemoryError:
            raise MdlibError(_("{what} needs more memory than this machine has; pick smaller "
                               "sizes").format(what=self.what)) from None
        except RecursionError:
            raise MdlibError(_("{what} is nested too deeply to evaluate").format(
                what=self.what)) from None
        except (TypeError, ValueError, AttributeError) as err:
            raise MdlibError(_("{what} cannot be evaluated numerically ({kind}: {error})").format(
                what=self.what, kind=type(err).__name__, error=err)) from None


def _check_names(parts: Iterable[sympy.Basic], X: MatrixSymbol, dX: MatrixSymbol,
                 f: sympy.Basic) -> None:
    """Values are looked up by name: two objects sharing a name would share a value."""
    seen: dict = {}
    for part in parts:
        for atom in part.atoms(MatrixSymbol, sympy.Symbol):
            if isinstance(atom, sympy.Dummy):
                continue
            name = str(atom.name)
            if name in seen and seen[name] != atom:
                raise MdlibError(_("two different objects are both named {name} (e.g. a scalar "
                                   "and a matrix, or two shapes); give them different names")
                                 .format(name=display_name(atom)))
            seen[name] = atom
    if dX.name in {str(a.name) for a in f.atoms(MatrixSymbol, sympy.Symbol)}:
        raise MdlibError(_("{dX} is the name of the differential of {X}; rename your matrix "
                           "{dX}").format(dX=display_name(dX), X=display_name(X)))


def _singular_parts(parts: Iterable[sympy.Basic], dX: MatrixSymbol) -> list:
    """Arguments of every inverse, negative power and determinant (not involving dX)."""
    found: dict = {}
    for part in parts:
        for node in sympy.preorder_traversal(part):
            if isinstance(node, (Inverse, Determinant)):
                arg = node.args[0]
            elif isinstance(node, MatPow) and node.exp.is_negative:
                arg = node.base
            else:
                continue
            while isinstance(arg, sympy.Transpose):  # as singular as its transpose
                arg = arg.arg
            if not arg.has(dX):
                found[arg] = None
    return list(found)


def _check_conditions(args: list, data: Data) -> None:
    for arg in args:
        m = _Numeric(arg, _("the matrix {matrix}").format(matrix=_show(arg)))(data.values,
                                                                              data.dims)
        m = np.atleast_2d(m)
        if m.shape[0] != m.shape[1]:
            continue
        try:  # the 1-norm condition number costs one LU, not an SVD
            cond = float(np.linalg.cond(m, 1))
        except np.linalg.LinAlgError:
            cond = float("inf")
        if not np.isfinite(cond) or cond > MAX_CONDITION:
            raise _DataProblem(
                _("{matrix} is singular at the random data (condition number {condition:.1e}); "
                  "the formula needs its inverse (or its determinant is 0), which does not exist "
                  "there").format(matrix=_show(arg), condition=cond))


# ----------------------------------------------------------------------------------------------
# Directional differences.

@dataclass
class _Directional:
    value: float  # the difference estimate of φ'(0)
    error: float  # its estimated error (spread of estimates + round-off)


def _directional(phi: Callable[[float], float], f0: float, noise: float = 0.0) -> _Directional:
    """Richardson-extrapolated central differences of ``φ`` at 0 on a halving ladder of steps.

    ``noise`` is the measured round-off of one value of ``φ``; the round-off part of each
    estimate's error is that or ``ε |φ|``, whichever is larger.
    """
    quotients: list = []  # (h, D(h), |φ| seen) of consecutive usable steps
    estimates: list = []
    best: _Directional | None = None
    worse = 0
    for h in _LADDER:
        try:
            plus, minus = phi(h), phi(-h)
        except _DataProblem:  # e.g. a singular matrix at a big step: start again smaller
            quotients, estimates = [], []
            continue
        quotient = (plus - minus) / (2 * h)
        if not np.isfinite(quotient):  # values near the float64 limit: start again smaller
            quotients, estimates = [], []
            continue
        quotients.append((h, quotient, max(abs(plus), abs(minus), abs(f0))))
        if len(quotients) >= 2:
            estimates.append((4 * quotients[-1][1] - quotients[-2][1]) / 3)
        if len(estimates) >= 2:
            size = max(q[2] for q in quotients[-3:])
            error = abs(estimates[-1] - estimates[-2]) + 10 * max(_EPS * size, noise) / h
            if best is None or error < best.error:
                best, worse = _Directional(estimates[-1], error), 0
            else:
                worse += 1
            if best.error <= 1e-2 * RTOL * abs(best.value) or worse >= 2:
                break
    if best is None:
        raise _DataProblem(_("f is not finite or not defined near the random data"))
    return best


def _zero_gradient_message(k: int, seed: int, data: Data, formula: bool) -> str:
    if formula:
        message = _("verified: the gradient is 0 and f does not change along {k} random "
                    "directions: its differences there are at round-off level (random data, "
                    "seed {seed}, shapes {shapes})")
    else:
        message = _("verified: the gradient is 0 to round-off and f does not change along {k} "
                    "random directions: its differences there are at round-off level (random "
                    "data, seed {seed}, shapes {shapes})")
    return message.format(k=k, seed=seed, shapes=_shape_text(data))


# A claimed value counts as 0 "to round-off" within this many times its measured round-off.
_ZERO_MARGIN = 30


def _zero_to_roundoff(value: Callable[[np.ndarray], float], X0: np.ndarray, V: np.ndarray) -> bool:
    """True when ``value(X0)`` is round-off: within a few times its own measured round-off.

    The round-off must be measurably nonzero: a value that is 0 at every nearby point because
    it underflowed (or for any other reason not visible here) proves nothing.
    """
    noise = roundoff_level(value, X0, V)
    return noise > 0 and abs(value(X0)) <= _ZERO_MARGIN * noise


def cancelled_part(expr: sympy.Basic, values: dict, dims: dict) -> sympy.Basic | None:
    """The part of ``expr`` whose terms cancel, so that its value is 0 to round-off, or None.

    A sum cancels when its value is round-off next to its second-largest term (two large
    terms are needed to cancel: a value that is small because everything underflowed, or a
    small factor times a sum, proves nothing), or when each of its terms is 0 that way (the
    first such part is named); a product (also Hadamard or Kronecker), a
    transpose, a trace or a vec is 0 when one of its factors cancels; a zero matrix is 0 as a
    formula. Used where f (or F) does not change at the data, to tell "the X-terms cancel"
    from "f saturates here".

    >>> A, X = sympy.MatrixSymbol("A", 2, 2), sympy.MatrixSymbol("X", 2, 2)
    >>> values = random_data(sympy.Tuple(A, X), seed=1).values
    >>> cancelled_part(MatMul(sympy.Trace(A) - sympy.Trace(A.T), X), values, {})
    Trace(A) - Trace(A.T)
    >>> cancelled_part(MatMul(sympy.Trace(A), X), values, {}) is None
    True
    """
    if expr == 0 or getattr(expr, "is_ZeroMatrix", False):
        return expr
    if isinstance(expr, (sympy.Add, sympy.MatAdd)) and len(expr.args) >= 2:
        norms = sorted(float(np.linalg.norm(np.ravel(_Numeric(term, _("a term"))(values, dims))))
                       for term in expr.args)
        total = float(np.linalg.norm(np.ravel(_Numeric(expr, _("the claim"))(values, dims))))
        if 0 < norms[-2] < float("inf") and total <= 1e3 * _EPS * norms[-2]:
            return expr
        parts = [cancelled_part(term, values, dims) for term in expr.args]
        return parts[0] if all(part is not None for part in parts) else None  # each term is 0
    if isinstance(expr, (sympy.Mul, MatMul, HadamardProduct, KroneckerProduct, sympy.Transpose,
                         sympy.Trace, Vec, DiagVec, AsScalar)):
        for factor in expr.args:
            if isinstance(factor, sympy.Basic) and not factor.is_number:
                part = cancelled_part(factor, values, dims)
                if part is not None:
                    return part
    return None


@dataclass
class _ZeroClaim:
    """A claim "gradient 0" found right; ``cancelled`` is the part whose terms cancel (None
    when the gradient is 0 as a formula or to its own round-off)."""

    cancelled: sympy.Basic | None


def _zero_claim(zero: bool, gradient: sympy.Basic, differential: sympy.Basic, data: Data,
                name: str, dname: str, X0: np.ndarray, directions: list, diffs: np.ndarray,
                errors: np.ndarray, noise: float, f0: float) -> _ZeroClaim | None:
    """Is the claim "gradient 0, differential 0" right where f's differences are round-off?

    The gradient must be 0 as a formula, or 0 to round-off: terms that cancel, or a value within
    a few times its own measured round-off. The differential must be within the resolution of
    the differences, or 0 to round-off in the same sense. None when the claim is not right.
    """
    gradient_num = _Numeric(gradient, _("the gradient"))
    differential_num = _Numeric(differential, _("the differential"))
    at_X0 = {**data.values, name: X0}

    def claimed(Xv: np.ndarray, V: np.ndarray) -> float:
        G = gradient_num({**data.values, name: Xv}, data.dims)
        return float(np.sum(np.broadcast_to(G, X0.shape) * V)) if G.size == 1 else float(np.sum(G * V))

    def differential_at(Xv: np.ndarray, V: np.ndarray) -> float:
        return float(differential_num({**data.values, name: Xv, dname: V}, data.dims).reshape(-1)[0])

    cancelled = None if zero else cancelled_part(gradient, at_X0, data.dims)
    resolution = 10 * errors + 1e3 * _EPS * abs(f0) + 1e3 * noise
    for V, dv, resolved in zip(directions, diffs, resolution, strict=True):
        if (not zero and cancelled is None
                and not _zero_to_roundoff(lambda Xv, V=V: claimed(Xv, V), X0, V)):
            return None
        if (abs(dv) > resolved and cancelled_part(differential, {**at_X0, dname: V}, data.dims) is None
                and not _zero_to_roundoff(lambda Xv, V=V: differential_at(Xv, V), X0, V)):
            return None
    return _ZeroClaim(cancelled)


def _verify_at(f: _Numeric, differential: _Numeric, gradient: _Numeric, data: Data, name: str,
               dname: str, singular: list, seed: int, positive: bool, zero: bool,
               gradient_expr: sympy.Basic, differential_expr: sympy.Basic) -> Verification:
    X0 = np.asarray(data.values[name], dtype=float)
    _check_conditions(singular, data)

    memo: dict = {}  # f(X) is needed by the differences and the remainder study alike

    def f_at(Xv: np.ndarray) -> float:
        key = Xv.tobytes()
        if key not in memo:
            memo[key] = float(f({**data.values, name: Xv}, data.dims).reshape(-1)[0])
        return memo[key]

    f0 = f_at(X0)
    rng = np.random.default_rng([seed, 1])
    scale_X = max(float(np.linalg.norm(X0)), 1e-3)
    directions = []
    for _pass in range(DIRECTIONS):
        V = rng.standard_normal(X0.shape)
        directions.append(V * (scale_X / float(np.linalg.norm(V))))
    # The honest round-off of f's values (ε |f| is too small when f is small but computed from
    # large intermediate values, e.g. log(1 + 1e-5 tr X) or the trace of an antisymmetric matrix).
    noise = roundoff_level(f_at, X0, directions[0])
    G = gradient(data.values, data.dims)
    if G.size == 1 and X0.size > 1:
        G = np.broadcast_to(G.reshape(()), X0.shape)
    if G.shape != X0.shape:
        return Verification(False, float("inf"), float("nan"), data.shapes, seed,
                            _("NOT verified: the gradient has shape {shape} but {X} has "
                              "{X_shape}").format(shape=G.shape, X=data.shown.get(name, name),
                                                  X_shape=X0.shape))
    reference, errors, claimed, diffs = [], [], [], []
    for V in directions:
        d = _directional(lambda t, V=V: f_at(X0 + t * V), f0, noise)
        reference.append(d.value)
        errors.append(d.error)
        claimed.append(float(np.sum(G * V)))
        dv = differential({**data.values, name: X0, dname: V}, data.dims)
        diffs.append(float(dv.reshape(-1)[0]))
    reference, errors = np.array(reference), np.array(errors)
    claimed, diffs = np.array(claimed), np.array(diffs)
    if not (np.all(np.isfinite(reference)) and np.all(np.isfinite(errors))):
        raise _DataProblem(_("f is too large near the random data for differences to be "
                             "computed"))
    scale = float(np.max(np.abs(reference)))
    details = {"gradient": G, "directions": directions, "reference": reference,
               "claimed": claimed, "differential": diffs, "errors": errors}
    if scale <= 10 * float(np.max(errors)):  # f does not change: a comparison proves nothing
        # ... unless the claim is 0: as a formula, or a value that is its own round-off (terms
        # that cancel, e.g. (X - X^T)^-2 - (X^T - X)^-2), never a value that underflowed here
        claim = _zero_claim(zero, gradient_expr, differential_expr, data, name, dname, X0,
                            directions, diffs, errors, noise, f0)
        if claim is not None:
            details["tolerance"] = errors
            details["cancelled"] = claim.cancelled  # the part whose terms cancel, if any
            return Verification(True, 0.0, float("inf"), data.shapes, seed,
                                _zero_gradient_message(DIRECTIONS, seed, data, zero), details)
        raise _DataProblem(_("f does not change at the random data (its central differences "
                             "are 0 to round-off, e.g. because its values under- or overflow "
                             "there), so comparing the gradient with them would prove nothing"))
    if float(np.max(errors)) > 1e-4 * scale:
        raise _DataProblem(_("central differences cannot resolve f's slope at the random data "
                             "(f varies too fast, or is too large next to its change)"))
    tolerance = RTOL * scale + 4 * errors
    details["tolerance"] = tolerance
    with np.errstate(invalid="ignore"):  # a claim that is not finite here: err is nan, not ok
        err = float(np.linalg.norm(claimed - reference) / np.linalg.norm(reference))
    gradient_ok = bool(np.all(np.abs(claimed - reference) <= tolerance))
    # every direction, and the same tolerance as the gradient: a direction where f hardly
    # changes must not hide a wrong differential behind the others' scale
    differential_ok = bool(np.all(np.abs(diffs - reference) <= tolerance))
    try:
        study = remainder_study(f_at, X0, lambda _X, dXv: float(np.sum(G * dXv)),
                                direction=directions[0], steps=_REMAINDER_STEPS, roundoff=noise)
    except MdlibError as problem:
        raise _DataProblem(_("the remainder cannot be computed at the random data ({problem})")
                           .format(problem=problem)) from None
    details["study"] = study
    # Stricter than differentiability (order > 1): every function the engine builds is smooth
    # where it is defined, so a right gradient shows order ≥ 2 at random data; demanding it also
    # catches a slightly wrong gradient whose O(h) part hides under the h² part at these steps.
    # The order over all steps, or where a t³ term cancels part of the t² term at the larger
    # steps (f'' small along V), the order over the smallest steps: differentiability is about
    # t → 0, and a wrong gradient's O(t) part shows most there.
    order = study.order
    if not study.exact and order < _SECOND_ORDER:
        order = max(order, study.asymptotic_order)
    ok = gradient_ok and differential_ok and (study.exact or order >= _SECOND_ORDER)
    if gradient_ok and differential_ok and not ok and _flat_noise(study):
        # e.g. log(1 + s²) with s ~ 1e-5: 1 + s² moves by less than an ulp, so no scatter shows
        # in the measured round-off, yet the remainder is rounding: these data cannot tell
        raise _DataProblem(_("the remainder of f is at its rounding level at the random data "
                             "(it does not shrink with the step), so its order cannot be read"))
    message = _verdict(ok, study.exact).format(error=err, order=order, data=_data_text(
        seed, positive, data))
    if gradient_ok and not differential_ok:
        message += _("; ") + _("the differential df disagrees with central differences")
    return Verification(ok, err, order, data.shapes, seed, message, details)


def _verdict(ok: bool, exact: bool) -> str:
    """The verdict of a first-order check, with ``{error}``, ``{order}`` and ``{data}``."""
    if ok and exact:
        return _("verified: gradient vs central differences relative error {error:.1e}, "
                 "remainder order of df exact ({data})")
    if ok:
        return _("verified: gradient vs central differences relative error {error:.1e}, "
                 "remainder order of df {order:.2f} ({data})")
    if exact:
        return _("NOT verified: gradient vs central differences relative error {error:.1e}, "
                 "remainder order of df exact ({data})")
    return _("NOT verified: gradient vs central differences relative error {error:.1e}, "
             "remainder order of df {order:.2f} ({data})")


def _data_text(seed: int, positive: bool, data: Data) -> str:
    """Which random data a verdict was reached at: the seed, positive entries, the shapes."""
    if positive:
        return _("random data, seed {seed}, positive entries, shapes {shapes}").format(
            seed=seed, shapes=_shape_text(data))
    return _("random data, seed {seed}, shapes {shapes}").format(seed=seed,
                                                                  shapes=_shape_text(data))


def _flat_noise(study) -> bool:
    """A remainder that hardly shrinks over the steps (2.5 decades of h): rounding, not a
    remainder (a slightly wrong gradient leaves one proportional to h, 300 times smaller at
    the small end)."""
    r = study.remainder[study.remainder > 0]
    return r.size >= 3 and float(r.max()) <= 30 * float(r.min())


def verify(f: sympy.Basic, X: MatrixSymbol, dX: MatrixSymbol, differential: sympy.Basic,
           gradient: sympy.Basic, shapes: dict | None = None, seed: int = 0,
           symmetric: Iterable[str] = ()) -> Verification:
    """Check ``gradient`` and ``differential`` of ``f`` by ``X`` numerically (see module doc).

    Returns a failed :class:`Verification` when the claim is wrong; raises
    :class:`~mdlib.MdlibError` naming the cause when no random data allow a meaningful check.
    """
    name, dname = str(X.name), str(dX.name)
    _check_names([f, gradient, differential], X, dX, f)
    f_num = _Numeric(f, "f")
    gradient_num = _Numeric(gradient, _("the gradient"))
    differential_num = _Numeric(differential, _("the differential"))
    singular = _singular_parts([f, gradient, differential], dX)
    zero = gradient == 0 or bool(getattr(gradient, "is_ZeroMatrix", False))
    problems: list[str] = []
    for attempt in range(ATTEMPTS):
        data_seed, positive = seed + 7919 * (attempt // 2), bool(attempt % 2)
        data = random_data(f, shapes, data_seed, symmetric, positive, name)
        try:
            return _verify_at(f_num, differential_num, gradient_num, data, name, dname, singular,
                              data_seed, positive, zero, gradient, differential)
        except _DataProblem as problem:
            problems.append(str(problem))
    # The most frequent cause is the one to fix; ties go to the first data set's.
    cause = max(problems, key=lambda p: (problems.count(p), -problems.index(p)))
    raise MdlibError(_("the engine could not verify the result numerically: {cause} (tried {n} "
                       "random data sets)").format(cause=cause, n=ATTEMPTS))

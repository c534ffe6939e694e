"""Every operation of the engine, declared once: one :class:`Op` row per node type.

A row holds what each pass needs to know about one operation: the rule it cites, its
differential (one rule application), how it prints (LaTeX and text), its numpy value, how a
transpose is pushed through it, its canonical form, how ``dX`` is moved out of it under a
trace, what data its verification needs, and deliberately wrong differentials for the tests.
The passes (``grammar.canonical``, ``differential``, ``printing``, ``numeric.evaluate``,
``readoff.tidy``, ``trace_form``) look the row up with :func:`op_for` by node type.

>>> import sympy
>>> X = sympy.MatrixSymbol("X", 3, 3)
>>> op_for(sympy.Inverse(X)).rule.label, op_for(sympy.Inverse(X)).data
('M5: inverse', 'invertible')
>>> sorted(data_needs(sympy.log(sympy.Determinant(X.T * sympy.MatrixSymbol("A", 3, 3) * X)))[0])
['A', 'X']
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
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
    MatrixExpr,
    MatrixSymbol,
    OneMatrix,
    Trace,
    Transpose,
    ZeroMatrix,
)
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
from sympy.matrices.expressions.kronecker import KroneckerProduct

from ..curriculum import RuleUse
from ..errors import MdlibError
from ..i18n import N_
from ..stable import sigmoid as stable_sigmoid
from ..vec import commutation_matrix
from ..vec import vec as vec_numeric
from .algebra import collect, hadamard, kron, mat_mul, product_or_none, scaled, transpose
from .nodes import (
    AsScalar,
    CommutationMatrix,
    DiagVec,
    DiffMatrix,
    DiffScalar,
    LogDet,
    Sigmoid,
    Vec,
    display_name,
    elementwise,
    is_matrix,
    shape_of,
)

# Precedence levels for printing: a child binds looser than its parent needs → parentheses.
SUM, PRODUCT, HADAMARD, POWER, ATOM = 1, 2, 2, 4, 5

#: How the rules are cited when used in a special form.
LOG_DET_FORM = RuleUse("M6", "determinant, as d log|det F| = tr(F^-1 dF)")
SCALAR_CHAIN = RuleUse("M8", "function of a scalar (a 1×1 case of M8)")
#: The vec rules (H1) the rows below cite, as the article states them.
H1_SUM = RuleUse("H1", "vec is linear, vec(A + B) = vec A + vec B")
H1_PRODUCT = RuleUse("H1", "vec(A dX B) = (Bᵀ ⊗ A) vec dX")
H1_TRANSPOSE = RuleUse("H1", "vec(dXᵀ) = K vec dX")
H1_HADAMARD = RuleUse("H1", "vec(A ⊙ dX) = diag(vec A) vec dX")
H1_TRACE = RuleUse("H1", "tr M = vec(I)ᵀ vec M")


@dataclass(frozen=True)
class VecRule:
    """The vec form of one operation (H1), used by ``vectorize.vec_lines``.

    * ``rule``: the citation printed on the line, e.g. ``H1: vec(A dX B) = (Bᵀ ⊗ A) vec dX``.
    * ``expand(L, ctx)``: ``vec L`` written with :class:`~mdlib.engine.nodes.Vec` of the
      children; ``ctx.dep(child)`` says whether a child holds ``dX``, ``ctx.not_linear(L)``
      is the error for a node that is not linear in ``dX``, ``ctx.transposed(M)`` is ``Mᵀ``
      tidied.
    * ``example(dX, A)``: a differential with this node on top, linear in ``dX`` (both 3×3),
      for the generic test against a finite-difference Jacobian.
    """

    rule: RuleUse
    expand: Callable
    example: Callable


@dataclass(frozen=True)
class Op:
    """One operation of the engine. Callables get the node and the calling pass's context.

    * ``differential(F, ctx)``: d(F) by one rule application; ``ctx.d(child)`` is the
      (unexpanded) differential of a child, ``ctx.dep(child)`` says whether it holds X.
    * ``show(F, p)``: ``(text, precedence)``; ``p`` is the printer (``p.latex`` says which).
      ``show_transposed(F, p)``: the text of ``F^T`` when it has its own form, else None.
    * ``numpy(F, ev, ctx)``: the value from the children's values ``ev(child)``.
    * ``transpose(F, go, t, ctx)``: ``F`` (or ``F^T`` when ``t``) with transposes pushed in.
    * ``canonical(F, go, ctx)``: the engine's form of ``F``, or an error naming the part
      (``ctx.transposed(M)`` is ``Mᵀ`` tidied).
    * ``move(F, acc, reducer)``: under a trace, the matrix A with tr(acc · F) = tr(A dX).
    * ``split``: how ``F`` distributes over the terms of a differential ("sum", "product",
      "wrap"), so df can be split into terms with one dX each.
    * ``data``: what verification must draw for the matrices inside (``"invertible"``,
      ``"spd"`` or ``"any"``).
    * ``wrong``: (name, differential) pairs that are tempting and false.
    * ``vec``: a :class:`VecRule`, how ``vec F`` is written through the vec of its child
      that holds ``dX`` when F is a node of a differential (rule H1); None for operations
      that never sit above ``dX`` in a differential (see ``tests/test_ops_table.py``).
    * ``name``: what a reader calls the operation (in the list of what the engine handles).
    * ``example(X, A)``: an expression with this node on top, for the generic tests
      (``X`` the variable, ``A`` a constant, both 3×3).
    """

    node: type
    rule: RuleUse | None = None
    name: str = ""  # what a reader calls it, in messages ("inverses", "exp")
    differential: Callable | None = None
    show: Callable | None = None
    show_transposed: Callable | None = None
    numpy: Callable | None = None
    transpose: Callable | None = None
    canonical: Callable | None = None
    move: Callable | None = None
    split: str = ""
    data: str = "any"
    wrong: tuple = ()
    vec: VecRule | None = None
    example: Callable | None = None


OPS: dict[type, Op] = {}


def op(node: type, **fields) -> Op:
    """Declare (or extend) the row of ``node``."""
    row = Op(node, **fields)
    OPS[node] = row
    return row


def op_for(e: sympy.Basic) -> Op | None:
    """The row of ``e``'s type (the nearest declared class in its type's MRO), or None.

    A ``log`` of a determinant written without :class:`LogDet` is found as a log-det.
    """
    kind = type(e)
    if kind is sympy.log and isinstance(e.args[0], Determinant):
        return OPS[LogDet]
    for cls in kind.__mro__:
        row = OPS.get(cls)
        if row is not None:
            return row
    return None


def data_needs(expr: sympy.Basic) -> tuple[set[str], set[str]]:
    """Names of matrices that need SPD data (inside a log-det) and invertible data.

    >>> X = sympy.MatrixSymbol("X", 2, 2)
    >>> data_needs(sympy.Trace(sympy.Inverse(X)))
    (set(), {'X'})
    """
    spd: set[str] = set()
    regular: set[str] = set()
    for node in sympy.preorder_traversal(expr):
        row = op_for(node)
        if row is None or row.data == "any":
            continue
        names = {str(m.name) for m in node.atoms(MatrixSymbol)}
        (spd if row.data == "spd" else regular).update(names)
        if row.data == "spd":
            regular.update(names)  # a log-det holds a determinant
    return spd, regular


# ---------------------------------------------------------------- shared pieces

def _sum(terms: list, matrix: bool) -> sympy.Basic:
    if len(terms) == 1:
        return terms[0]
    return MatAdd(*terms) if matrix else sympy.Add(*terms)


def _dim(d: sympy.Basic, dims: dict) -> int:
    if isinstance(d, (int, np.integer)) or getattr(d, "is_Integer", False):
        return int(d)
    return int(sympy.sympify(d, strict=True).subs(dims))  # a symbolic size, never text


def _shape(e: sympy.Basic, ctx) -> tuple[int, int]:
    return _dim(e.shape[0], ctx.dims), _dim(e.shape[1], ctx.dims)


_MODULES = [{"Sigmoid": stable_sigmoid}, "numpy"]


@lru_cache(maxsize=512)
def scalar_function(fn: sympy.Lambda) -> Callable:
    """numpy version of an elementwise function's body."""
    return sympy.lambdify(fn.variables, fn.expr, modules=_MODULES)


@lru_cache(maxsize=128)
def named_function(func: type) -> Callable:
    """numpy version of a scalar function class (exp, σ, …)."""
    t = sympy.Dummy("t")
    return sympy.lambdify([t], func(t), modules=_MODULES)


def log_det(M: np.ndarray) -> float:
    """log|det M| by ``slogdet`` (no overflow for large M); NaN for a singular M.

    It is defined for every invertible M, whatever the sign of det M, like its gradient M^-T.

    >>> M = 10 * np.eye(400)  # det M = 1e400 overflows, its log does not
    >>> with np.errstate(over="ignore"):
    ...     bool(np.isclose(log_det(M), 400 * np.log(10))), bool(np.isinf(np.linalg.det(M)))
    (True, True)
    >>> log_det(-np.eye(3)), log_det(np.zeros((2, 2)))  # det = -1: log|det| = 0
    (0.0, nan)
    """
    sign, logabs = np.linalg.slogdet(np.asarray(M, dtype=float))
    return float(logabs) if sign != 0 else float("nan")


def _leaf_differential(F, ctx):  # a constant: d(A) = 0
    return ZeroMatrix(*F.shape) if is_matrix(F) else sympy.S.Zero


def _same(F, go, ctx):
    return F


def _rebuild(F, go, ctx):
    return F.func(*[go(a) for a in F.args])


def _as_number(arg: sympy.Basic) -> sympy.Basic:
    """A 1×1 matrix used as a number is wrapped (T1); other matrices stay as they are."""
    return AsScalar(arg) if is_matrix(arg) and tuple(arg.shape) == (1, 1) else arg


# ---------------------------------------------------------------- leaves

def _show_symbol(e, p):
    name = display_name(e)
    if p.latex and name.startswith("d") and len(name) > 1:
        return r"\mathrm{d}" + sympy.latex(sympy.Symbol(name[1:])), ATOM
    return (sympy.latex(sympy.Symbol(name)) if p.latex else name), ATOM


def _value(e, ev, ctx):
    name = str(e.name)
    if name not in ctx.values:
        raise MdlibError(f"no numeric value given for {display_name(e)}")
    return ctx.values[name]


def _transpose_symbol(m, go, t, ctx):
    return Transpose(m) if t and not ctx.is_sym(m) else m


def _show_symbol_transposed(e, p):  # (dX)^T: the transpose of a differential, not d(X^T)
    name = display_name(e)
    return p.sup(p.paren(p.visit(e)[0]), "T") if name.startswith("d") and len(name) > 1 else None


op(MatrixSymbol, differential=_leaf_differential, show=_show_symbol,
   show_transposed=_show_symbol_transposed, numpy=_value,
   transpose=_transpose_symbol, canonical=_same)
op(Identity, differential=_leaf_differential, show=lambda e, p: ("I", ATOM),
   numpy=lambda e, ev, ctx: np.eye(_dim(e.shape[0], ctx.dims)),
   transpose=lambda m, go, t, ctx: m, canonical=_same)
op(ZeroMatrix, differential=_leaf_differential, show=lambda e, p: ("0", ATOM),
   numpy=lambda e, ev, ctx: np.zeros(_shape(e, ctx)),
   transpose=lambda m, go, t, ctx: m.func(*reversed(m.shape)) if t else m, canonical=_same)


def _show_ones(e, p):
    one = r"\mathbf{1}" if p.latex else "1"
    return (p.sup(one, "T") if e.shape[0] == 1 and e.shape[1] != 1 else one), ATOM


op(OneMatrix, differential=_leaf_differential, show=_show_ones,
   numpy=lambda e, ev, ctx: np.ones(_shape(e, ctx)),
   transpose=lambda m, go, t, ctx: m.func(*reversed(m.shape)) if t else m, canonical=_same)


def _show_plain(e, p):
    return (sympy.latex(e) if p.latex else sympy.sstr(e)), ATOM


op(sympy.Symbol, differential=_leaf_differential,
   show=lambda e, p: ((sympy.latex(e) if p.latex else e.name), ATOM),
   numpy=_value, canonical=_same)
op(sympy.Rational, differential=_leaf_differential, show=lambda e, p: p.number(e),
   numpy=lambda e, ev, ctx: float(e), canonical=_same)
op(sympy.Float, differential=_leaf_differential,
   show=lambda e, p: ((sympy.latex(e) if p.latex else sympy.sstr(e, full_prec=False)), ATOM),
   numpy=lambda e, ev, ctx: float(e), canonical=_same)
op(sympy.NumberSymbol, differential=_leaf_differential, show=_show_plain,
   numpy=lambda e, ev, ctx: float(e), canonical=_same)
op(sympy.Number, differential=_leaf_differential, show=_show_plain,
   numpy=lambda e, ev, ctx: float(e), canonical=_same)


# ---------------------------------------------------------------- M1: sums

def _d_sum(F, ctx):
    return _sum([ctx.d(t) for t in F.args if ctx.dep(t)], is_matrix(F))


def _d_sum_first_only(F, ctx):  # wrong: the change of the other terms is ignored
    return ctx.d(next(t for t in F.args if ctx.dep(t)))


def _numpy_sum(e, ev, ctx):
    total = ev(e.args[0])
    for a in e.args[1:]:
        total = total + ev(a)
    return total


def _canonical_scalar_op(e, go, ctx):
    args = [_as_number(go(a)) for a in e.args]
    if any(isinstance(a, MatrixExpr) for a in args):
        raise ctx.unsupported(e, "a matrix used where a number is needed")
    return e.func(*args)


def _transpose_matadd(m, go, t, ctx):
    return collect([go(a, t) for a in m.args])


def _vec_sum(L, ctx):
    parts = [Vec(t) for t in L.args if ctx.dep(t)]
    return parts[0] if len(parts) == 1 else MatAdd(*parts)


op(MatAdd, rule=RuleUse("M1"), name="sums and differences", differential=_d_sum, show=lambda e, p: (p.sum(e), SUM),
   numpy=_numpy_sum, transpose=_transpose_matadd, canonical=_rebuild, split="sum",
   wrong=(("other terms forgotten", _d_sum_first_only),),
   vec=VecRule(H1_SUM, _vec_sum, example=lambda dX, A: dX + A * dX),
   example=lambda X, A: X + A * X)
op(sympy.Add, rule=RuleUse("M1"), name="sums and differences", differential=_d_sum, show=lambda e, p: (p.sum(e), SUM),
   numpy=_numpy_sum, canonical=_canonical_scalar_op, split="sum",
   wrong=(("other terms forgotten", _d_sum_first_only),),
   vec=VecRule(H1_SUM, _vec_sum, example=lambda dX, A: Trace(A * dX) + Trace(dX)),
   example=lambda X, A: Trace(X) + Determinant(X))


# ---------------------------------------------------------------- M2: products

def _d_product(F, ctx):
    args = list(F.args)
    terms = [F.func(*args[:k], ctx.d(a), *args[k + 1:]) for k, a in enumerate(args) if ctx.dep(a)]
    return _sum(terms, is_matrix(F))


def _d_product_first_only(F, ctx):  # wrong: (dX) Y without X dY
    args = list(F.args)
    k = next(i for i, a in enumerate(args) if ctx.dep(a))
    return F.func(*args[:k], ctx.d(args[k]), *args[k + 1:])


def _numpy_matmul(e, ev, ctx):
    scalar, mats = 1.0, []
    for a in e.args:
        v = ev(a)
        if np.ndim(v) == 0:
            scalar = scalar * v
        else:
            mats.append(v)
    out = mats[0] if len(mats) == 1 else np.linalg.multi_dot(mats) if mats else 1.0
    return scalar * out


def _numpy_mul(e, ev, ctx):
    out = 1.0
    for a in e.args:
        out = out * ev(a)
    return out


def _transpose_matmul(m, go, t, ctx):
    coeff = [a for a in m.args if not isinstance(a, MatrixExpr)]
    mats = [go(a, t) for a in m.args if isinstance(a, MatrixExpr)]
    return mat_mul(*coeff, *(reversed(mats) if t else mats))


def _flat_factors(M: MatMul) -> list:
    """The factors of a product with nested products opened: (P Q) R is P Q R."""
    return [f for a in M.args for f in (_flat_factors(a) if isinstance(a, MatMul) else [a])]


def _move_matmul(M, C, r):
    """tr(C L K R) = tr(R C L K) (T4) for the factor K that holds dX; a scalar factor that
    holds dX comes out of the trace (T3)."""
    dX = r.dX
    args = _flat_factors(M)
    scalars = [a for a in args if not isinstance(a, MatrixExpr)]
    mats = [a for a in args if isinstance(a, MatrixExpr)]
    lin_scalars = [a for a in scalars if a.has(dX)]
    const = sympy.Mul(*[a for a in scalars if not a.has(dX)])
    if lin_scalars:  # tr(C s B) = s tr(C B), s a scalar holding dX
        r.use("T3")
        return r.scalar(lin_scalars[0], const * Trace(mat_mul(C, *mats)))
    k = next(i for i, a in enumerate(mats) if a.has(dX))
    left, right = mats[:k], mats[k + 1:]
    if right and not (not left and isinstance(mats[k], Transpose) and r.plain(C)):
        r.use("T4")  # (tr(N^T R) = tr(R^T N) is T2 alone: the transpose step covers it)
    # a number in the product stays with it inside the trace: no rule moves it
    if right and not left and isinstance(mats[k], Transpose) and r.plain(C):
        r.whole_transpose = True
    return r.matrix(mats[k], mat_mul(const, *right, C, *left))


def _move_mul(s, coeff, r):
    const = [a for a in s.args if not a.has(r.dX)]
    (lin,) = [a for a in s.args if a.has(r.dX)]
    if const and not isinstance(lin, AsScalar):  # c tr(M) = tr(c M); c·(1×1) is T1 alone
        r.use("T3")
    return r.scalar(lin, coeff * sympy.Mul(*const))


def _vec_matmul(L, ctx):
    """vec(c P M Q) = c (Qᵀ ⊗ P) vec M for the one factor M holding dX; a constant matrix
    times a scalar s holding dX gives vec(M) s."""
    coeff, mats, scalar_dep = sympy.S.One, [], []
    for a in L.args:
        if isinstance(a, MatrixExpr):
            mats.append(a)
        elif ctx.dep(a):
            scalar_dep.append(a)
        else:
            coeff *= a
    hits = [k for k, m in enumerate(mats) if ctx.dep(m)]
    if scalar_dep:
        if hits or len(scalar_dep) > 1:
            raise ctx.not_linear(L)
        if not mats:
            return scaled(coeff, Vec(scalar_dep[0]))
        # s·I is vec(I) s: an identity alone keeps its place (its vec is not empty)
        rest = product_or_none(mats) or mats[0]
        return scaled(coeff, MatMul(Vec(rest), Vec(scalar_dep[0])))
    if len(hits) != 1:
        raise ctx.not_linear(L)
    k = hits[0]
    M = mats[k]
    left, right = product_or_none(mats[:k]), product_or_none(mats[k + 1:])
    rows, cols = shape_of(M)
    P = left if left is not None else Identity(rows)
    Q = right if right is not None else Identity(cols)
    J = kron(ctx.transposed(Q), P)
    if isinstance(J, Identity):  # c dX: no factor around dX, vec is linear
        ctx.cite(H1_SUM)
        return scaled(coeff, Vec(M))
    return scaled(coeff, MatMul(J, Vec(M)))


def _vec_scalar_mul(L, ctx):  # c s = c vec(s) for the one factor s holding dX
    hits = [a for a in L.args if ctx.dep(a)]
    if len(hits) != 1:
        raise ctx.not_linear(L)
    return scaled(sympy.Mul(*[a for a in L.args if not ctx.dep(a)]), Vec(hits[0]))


op(MatMul, rule=RuleUse("M2"), name="products", differential=_d_product, show=lambda e, p: p.product(e),
   numpy=_numpy_matmul, transpose=_transpose_matmul, canonical=_rebuild, move=_move_matmul,
   split="product", wrong=(("second term missing", _d_product_first_only),),
   vec=VecRule(H1_PRODUCT, _vec_matmul, example=lambda dX, A: A * dX * A * A),
   example=lambda X, A: X * A * X)
op(sympy.Mul, rule=RuleUse("M2"), name="products", differential=_d_product, show=lambda e, p: p.product(e),
   numpy=_numpy_mul, canonical=_canonical_scalar_op, move=_move_mul, split="product",
   wrong=(("second term missing", _d_product_first_only),),
   vec=VecRule(H1_SUM, _vec_scalar_mul, example=lambda dX, A: 3 * Trace(A * dX)),
   example=lambda X, A: Trace(A * X) * Determinant(X))


def _power(A: sympy.Basic, i: int, k: int) -> list:
    """A^i as factors of a term of d(A^k): written out (A A) for small k, as it is read on the
    board, else kept as a power, so d(X^64) has 64 short terms X^i dX X^(63-i), not products
    of 63 factors (the work grows with k, not k²)."""
    return [A] * i if k <= 4 or i <= 1 else [MatPow(A, i)]


def _d_matpow(F, ctx):
    k, A = int(F.exp), F.base
    terms = [MatMul(*_power(A, i, k), ctx.d(A), *_power(A, k - 1 - i, k)) for i in range(k)]
    return _sum(terms, True)


def _d_matpow_commuting(F, ctx):  # wrong: k A^{k-1} dA, as if matrices commuted
    k, A = int(F.exp), F.base
    return MatMul(k, *([A] * (k - 1)), ctx.d(A))


def _show_matpow(e, p):
    if e.exp == -1:
        return p.visit(Inverse(e.base))
    return p.sup(p.wrap(e.base, ATOM), p.visit(e.exp)[0]), POWER


def _canonical_matpow(e, go, ctx):
    k = e.exp
    if not (k.is_Integer and not ctx.dep(k)):
        raise ctx.unsupported(e, "only integer matrix powers")
    base = go(e.base)
    if k == -1:
        return Inverse(base)
    if k < 0:
        return Inverse(MatPow(base, -k))
    return MatPow(base, k) if k != 1 else base


op(MatPow, rule=RuleUse("M2"), name="integer matrix powers", differential=_d_matpow, show=_show_matpow,
   numpy=lambda e, ev, ctx: np.linalg.matrix_power(ev(e.base), int(e.exp)),
   transpose=lambda m, go, t, ctx: MatPow(go(m.base, t), m.exp), canonical=_canonical_matpow,
   wrong=(("as if matrices commuted", _d_matpow_commuting),),
   example=lambda X, A: X ** 3)


# ---------------------------------------------------------------- M3: transpose

def _move_transpose(M, C, r):
    """tr(C N^T) = tr(N C^T) (T2) = tr(C^T N) (T4 unless C is a scalar multiple of I)."""
    r.use("T2")
    if not r.plain(C) and not r.whole_transpose:
        r.use("T4")
    r.whole_transpose = False
    return r.matrix(M.arg, transpose(C))


def _vec_transpose(L, ctx):
    rows, cols = shape_of(L.arg)
    if rows == 1 or cols == 1:  # a vector and its transpose have the same vec
        return Vec(L.arg)
    return MatMul(CommutationMatrix(rows, cols), Vec(L.arg))


op(Transpose, rule=RuleUse("M3"), name="transposes", differential=lambda F, ctx: Transpose(ctx.d(F.arg)),
   show=lambda e, p: (p.transpose(e.arg), POWER),
   numpy=lambda e, ev, ctx: ev(e.arg).T, transpose=lambda m, go, t, ctx: go(m.arg, not t),
   canonical=_rebuild, move=_move_transpose, split="wrap",
   wrong=(("no transpose", lambda F, ctx: ctx.d(F.arg)),),
   vec=VecRule(H1_TRANSPOSE, _vec_transpose, example=lambda dX, A: Transpose(A * dX)),
   example=lambda X, A: Transpose(A * X))


# ---------------------------------------------------------------- M4: trace

def _move_trace(s, coeff, r):
    inner = s.arg
    return r.matrix(inner, mat_mul(coeff, Identity(inner.shape[0])))


def _d_trace_all_entries(F, ctx):  # wrong: every entry instead of the diagonal
    n = F.arg.shape[0]
    return AsScalar(OneMatrix(1, n) * ctx.d(F.arg) * OneMatrix(n, 1))


def _vec_trace(L, ctx):
    return MatMul(Transpose(Vec(Identity(shape_of(L.arg)[0]))), Vec(L.arg))


op(Trace, rule=RuleUse("M4"), name="traces", differential=lambda F, ctx: Trace(ctx.d(F.arg)),
   show=lambda e, p: (p.func(r"\mathrm{tr}" if p.latex else "tr", p.visit(e.arg)[0]), ATOM),
   numpy=lambda e, ev, ctx: float(np.trace(ev(e.arg))),
   canonical=_rebuild, move=_move_trace,
   split="wrap", wrong=(("sum of all entries", _d_trace_all_entries),),
   vec=VecRule(H1_TRACE, _vec_trace, example=lambda dX, A: Trace(A * dX)),
   example=lambda X, A: Trace(A * X * X))


# ---------------------------------------------------------------- M5: inverse

def _show_inverse(e, p):
    if isinstance(e.arg, Transpose):
        return p.transpose(Inverse(e.arg.arg)), POWER
    return p.sup(p.wrap(e.arg, ATOM), "-1"), POWER


def _transpose_inverse(m, go, t, ctx):  # (A^-1)^T = (A^T)^-1, kept as a power as before
    return MatPow(go(m.arg, t), -1)


op(Inverse, rule=RuleUse("M5"), name="inverses", differential=lambda F, ctx: MatMul(-1, F, ctx.d(F.arg), F),
   show=_show_inverse, show_transposed=lambda e, p: p.sup(p.wrap(e.arg, ATOM), "-T"),
   numpy=lambda e, ev, ctx: np.linalg.inv(ev(e.arg)),
   transpose=_transpose_inverse, canonical=_rebuild, data="invertible",
   wrong=(("wrong sign", lambda F, ctx: MatMul(F, ctx.d(F.arg), F)),
          ("order swapped", lambda F, ctx: MatMul(-1, F, F, ctx.d(F.arg)))),
   example=lambda X, A: Inverse(X))


# ---------------------------------------------------------------- M6: determinant, log-det

def _show_det(e, p):
    inner = p.visit(e.arg)[0]
    return (rf"\left|{inner}\right|" if p.latex else f"|{inner}|"), ATOM


op(Determinant, rule=RuleUse("M6"), name="determinants",
   differential=lambda F, ctx: F * Trace(MatMul(Inverse(F.arg), ctx.d(F.arg))),
   show=_show_det, numpy=lambda e, ev, ctx: float(np.linalg.det(ev(e.arg))),
   canonical=_rebuild, data="invertible",
   wrong=(("no |X| factor", lambda F, ctx: Trace(MatMul(Inverse(F.arg), ctx.d(F.arg)))),
          ("inverse transposed",
           lambda F, ctx: F * Trace(MatMul(Transpose(Inverse(F.arg)), ctx.d(F.arg))))),
   example=lambda X, A: Determinant(X))


def _d_log_det(F, ctx):
    A = F.args[0].arg
    return Trace(MatMul(Inverse(A), ctx.d(A)))


def _show_log_det(e, p):
    """log|det F|: the engine evaluates it with slogdet, so it is defined for every invertible F
    (its gradient F^-T holds whatever the sign of det F); ``\\lvert`` keeps MathJax happy."""
    text, level = p.visit(e.args[0].arg)
    inner = f" {text}" if level >= ATOM else p.paren(text)  # det X, det(X^T A X)
    if p.latex:
        return rf"\log\lvert\det{inner}\rvert", ATOM
    return f"log|det{inner}|", ATOM


op(LogDet, rule=LOG_DET_FORM, name="log-det", differential=_d_log_det, show=_show_log_det,
   numpy=lambda e, ev, ctx: log_det(ev(e.args[0].arg)),
   canonical=lambda e, go, ctx: LogDet(go(e.args[0])), data="spd",
   wrong=(("inverse missing", lambda F, ctx: Trace(ctx.d(F.args[0].arg))),
          ("inverse transposed",
           lambda F, ctx: Trace(MatMul(Transpose(Inverse(F.args[0].arg)), ctx.d(F.args[0].arg))))),
   example=lambda X, A: sympy.log(Determinant(X)))


# ---------------------------------------------------------------- M7: Hadamard product

def _d_hadamard(F, ctx):
    args = list(F.args)
    terms = [HadamardProduct(*args[:k], ctx.d(a), *args[k + 1:])
             for k, a in enumerate(args) if ctx.dep(a)]
    return _sum(terms, True)


def _d_hadamard_first_only(F, ctx):
    args = list(F.args)
    k = next(i for i, a in enumerate(args) if ctx.dep(a))
    return HadamardProduct(*args[:k], ctx.d(args[k]), *args[k + 1:])


def _show_hadamard(e, p):
    sep = r" \odot " if p.latex else " ⊙ "
    # Plain symbols first, e.g. a ⊙ exp(Xb), as people write it.
    args = sorted(e.args, key=lambda a: 0 if isinstance(a, MatrixSymbol) else 1)
    return sep.join(p.wrap(a, ATOM if isinstance(a, (MatMul, MatAdd)) else HADAMARD)
                    for a in args), HADAMARD


def _numpy_hadamard(e, ev, ctx):
    out = ev(e.args[0])
    for a in e.args[1:]:
        out = out * ev(a)
    return out


def _move_hadamard(M, C, r):
    """tr(C (B ⊙ K)) = tr(((C^T ⊙ B)^T) K) (T5)."""
    r.use("T5")
    args = list(M.args)
    k = next(i for i, a in enumerate(args) if a.has(r.dX))
    others = args[:k] + args[k + 1:]
    return r.matrix(args[k], transpose(hadamard(transpose(C), *others)))


def _vec_hadamard(L, ctx):
    hits = [a for a in L.args if ctx.dep(a)]
    if len(hits) != 1:
        raise ctx.not_linear(L)
    consts = [a for a in L.args if not ctx.dep(a)]
    C = consts[0] if len(consts) == 1 else HadamardProduct(*consts)
    if isinstance(C, OneMatrix):
        return Vec(hits[0])
    return MatMul(DiagVec(C), Vec(hits[0]))


op(HadamardProduct, rule=RuleUse("M7"), name="Hadamard products", differential=_d_hadamard, show=_show_hadamard,
   numpy=_numpy_hadamard,
   transpose=lambda m, go, t, ctx: HadamardProduct(*[go(a, t) for a in m.args]),
   canonical=_rebuild, move=_move_hadamard, split="product",
   wrong=(("second term missing", _d_hadamard_first_only),),
   vec=VecRule(H1_HADAMARD, _vec_hadamard, example=lambda dX, A: HadamardProduct(A, dX)),
   example=lambda X, A: HadamardProduct(X, A * X))


# ---------------------------------------------------------------- M8: elementwise functions

def _d_hadamard_power(F, ctx):
    p, A = F.exp, F.base
    inner = A if p == 2 else HadamardPower(A, p - 1)
    return MatMul(p, HadamardProduct(inner, ctx.d(A)))


def _show_hadamard_power(e, p):
    power = (r"\circ " if p.latex else "∘") + p.visit(e.exp)[0]
    return p.sup(p.wrap(e.base, ATOM), power), POWER


def _canonical_hadamard_power(e, go, ctx):
    if ctx.dep(e.exp):
        raise ctx.unsupported(e, "the exponent may not depend on the variable")
    return HadamardPower(go(e.base), e.exp)


op(HadamardPower, rule=RuleUse("M8"), name="Hadamard powers", differential=_d_hadamard_power,
   show=_show_hadamard_power, numpy=lambda e, ev, ctx: ev(e.base) ** ev(e.exp),
   transpose=lambda m, go, t, ctx: HadamardPower(go(m.base, t), m.exp),
   canonical=_canonical_hadamard_power,
   wrong=(("exponent not brought down",
           lambda F, ctx: HadamardProduct(HadamardPower(F.base, F.exp - 1), ctx.d(F.base))),),
   example=lambda X, A: HadamardPower(X, 3))


def derivative_lambda(fn: sympy.Lambda) -> sympy.Lambda:
    """The elementwise derivative f' of an elementwise function f (same variable)."""
    (var,), body = fn.variables, fn.expr
    with sympy.evaluate(True):  # a scalar derivative, never left unsimplified
        return sympy.Lambda(var, sympy.diff(body, var))


def _d_elementwise(F, ctx):
    prime = derivative_lambda(F.function)
    (var,), body = prime.variables, prime.expr
    if not body.has(var):  # f' a number c (f(t) = log(exp(t)) has f' = 1): c ⊙ dA = c dA
        return ZeroMatrix(*F.shape) if body == 0 else mat_mul(body, ctx.d(F.expr))
    return HadamardProduct(elementwise(prime, F.expr), ctx.d(F.expr))


def _d_elementwise_matrix_product(F, ctx):  # wrong: f'(A) times dA as a matrix product
    return MatMul(elementwise(derivative_lambda(F.function), F.expr), ctx.d(F.expr))


def _numpy_elementwise(e, ev, ctx):
    return np.asarray(scalar_function(e.function)(ev(e.expr)), dtype=float) * np.ones(
        np.shape(ev(e.expr)))


def _transpose_elementwise(m, go, t, ctx):
    inner = elementwise(m.function, go(m.expr, False))
    return Transpose(inner) if t else inner


def _canonical_elementwise(e, go, ctx):
    fn = e.function
    if not isinstance(fn, sympy.Lambda):  # e.g. a Function class given directly
        v = sympy.Dummy("t")
        fn = sympy.Lambda(v, fn(v))
    (var,) = fn.variables
    ctx.check_elementwise_body(fn.expr, var, e)
    inner = go(e.expr)
    if _mostly_transposed(inner):  # σ(X^T W^T) reads better as σ(W X)^T
        return Transpose(elementwise(fn, ctx.transposed(inner)))
    return elementwise(fn, inner)


def _mostly_transposed(e: sympy.Basic) -> bool:
    if isinstance(e, Transpose):
        return True
    if isinstance(e, MatMul):
        mats = [a for a in e.args if isinstance(a, MatrixExpr)]
        return bool(mats) and all(isinstance(a, Transpose) for a in mats)
    return False


op(ElementwiseApplyFunction, rule=RuleUse("M8"), name="elementwise functions", differential=_d_elementwise,
   show=lambda e, p: (p.elementwise(e.function, e.expr), ATOM), numpy=_numpy_elementwise,
   transpose=_transpose_elementwise, canonical=_canonical_elementwise,
   wrong=(("matrix product instead of ⊙", _d_elementwise_matrix_product),
          ("wrong sign", lambda F, ctx: MatMul(-1, _d_elementwise(F, ctx)))),
   example=lambda X, A: (A * X).applyfunc(sympy.sin))


def _d_pow(F, ctx):
    base, exp = F.args
    if ctx.dep(base):
        return exp * base ** (exp - 1) * ctx.d(base)
    return sympy.log(base) * F * ctx.d(exp)


def _canonical_pow(e, go, ctx):
    base, exp = _as_number(go(e.base)), _as_number(go(e.exp))
    if isinstance(base, MatrixExpr) or isinstance(exp, MatrixExpr):
        raise ctx.unsupported(e, "a power of a matrix that is not 1×1")
    if ctx.dep(base) and ctx.dep(exp):
        raise ctx.unsupported(e, "the variable in both base and exponent")
    return sympy.Pow(base, exp)


op(sympy.Pow, rule=SCALAR_CHAIN, name="powers and roots of numbers", differential=_d_pow, show=lambda e, p: p.power(e),
   numpy=lambda e, ev, ctx: ev(e.base) ** ev(e.exp), canonical=_canonical_pow,
   wrong=(("wrong sign", lambda F, ctx: -_d_pow(F, ctx)),),
   example=lambda X, A: Trace(A * X) ** 3)


@lru_cache(maxsize=64)
def _derivative_of(func: type) -> sympy.Lambda:
    """f' of a scalar function class, as a Lambda (worked out with sympy's simplification on,
    whatever mode the caller builds in)."""
    t = sympy.Dummy("t")
    with sympy.evaluate(True):
        return sympy.Lambda(t, sympy.diff(func(t), t))


def _d_scalar_function(F, ctx):
    return _derivative_of(F.func)(F.args[0]) * ctx.d(F.args[0])


def _numpy_scalar_function(e, ev, ctx):
    arg = ev(e.args[0])
    if np.ndim(arg) == 2 and np.shape(arg) == (1, 1):
        arg = float(arg[0, 0])
    return named_function(e.func)(arg)


def _canonical_scalar_function(e, go, ctx):
    arg = go(e.args[0])
    if isinstance(e, sympy.log) and isinstance(arg, Determinant):
        return LogDet(arg)  # its own node: rule M6 in its log-det form
    if is_matrix(arg) and tuple(arg.shape) == (1, 1):
        arg = AsScalar(arg)
    elif isinstance(arg, MatrixExpr):
        raise ctx.unsupported(e, "apply functions to matrices elementwise with M.applyfunc(f)")
    return e.func(arg)


#: Scalar functions with a known derivative, with their names in LaTeX and text.
FUNCTION_NAMES: dict[type, tuple[str, str]] = {
    sympy.exp: ("\\exp", "exp"), sympy.log: ("\\log", "log"), sympy.sin: ("\\sin", "sin"),
    sympy.cos: ("\\cos", "cos"), sympy.tan: ("\\tan", "tan"), sympy.tanh: ("\\tanh", "tanh"),
    sympy.sinh: ("\\sinh", "sinh"), sympy.cosh: ("\\cosh", "cosh"),
    sympy.atan: ("\\arctan", "arctan"), Sigmoid: ("\\sigma", "σ"),
}
#: The scalar functions the engine differentiates (elementwise or applied to scalars).
SCALAR_FUNCTIONS = tuple(FUNCTION_NAMES)
#: What each is, in words (the parser's help text lists them, in the reader's language).
FUNCTION_WORDS: dict[type, str] = {
    sympy.exp: N_("exponential"), sympy.log: N_("natural logarithm"), sympy.sin: N_("sine"),
    sympy.cos: N_("cosine"), sympy.tan: N_("tangent"), sympy.tanh: N_("hyperbolic tangent"),
    sympy.sinh: N_("hyperbolic sine"), sympy.cosh: N_("hyperbolic cosine"),
    sympy.atan: N_("arctangent"), Sigmoid: N_("logistic function 1/(1 + e^-t)"),
}


def function_name(fn: type) -> str:
    """The name a reader types for a scalar function: ``exp``, ``atan``, ``sigmoid``."""
    return fn.__name__.lower()


def _show_function(e, p):
    return p.func(p.name(FUNCTION_NAMES[type(e)]), p.visit(e.args[0])[0]), ATOM


def _scalar_example(fn: type) -> Callable:
    # log needs a positive argument; the others a moderate one.
    if fn is sympy.log:
        return lambda X, A: fn(Trace(X.T * X))
    return lambda X, A: fn(Trace(A * X) / 10)


for _fn in SCALAR_FUNCTIONS:
    op(_fn, rule=SCALAR_CHAIN, name=function_name(_fn), differential=_d_scalar_function, show=_show_function,
       numpy=_numpy_scalar_function, canonical=_canonical_scalar_function,
       wrong=(("wrong sign", lambda F, ctx: -_d_scalar_function(F, ctx)),),
       example=_scalar_example(_fn))


@lru_cache(maxsize=1024)
def derivative_name(function: sympy.Lambda) -> tuple[str, str] | None:
    """σ', tanh' …: the name of an elementwise derivative f' = g(f) that contains f itself.

    Worked out from the function (no registry filled by earlier derivations).

    >>> t = sympy.Symbol("t")
    >>> derivative_name(derivative_lambda(sympy.Lambda(t, Sigmoid(t))))
    ("\\\\sigma'", "σ'")
    >>> derivative_name(derivative_lambda(derivative_lambda(sympy.Lambda(t, sympy.tanh(t)))))[1]
    "tanh''"
    """
    (var,), body = function.variables, function.expr
    for fn, (latex, text) in FUNCTION_NAMES.items():
        if not body.has(fn):  # f' = g(f) and f'' = h(f) hold f itself
            continue
        first, second = _known_derivatives(fn, var)
        if first is None:  # exp' = exp, sin' = cos: their own names
            continue
        if body == first:
            return (f"{latex}'", f"{text}'")
        if body == second or _same_function(body, second, var):  # σ'' = σ(1 - σ)(1 - 2σ)
            return (f"{latex}''", f"{text}''")
    return None


@lru_cache(maxsize=64)
def _known_derivatives(fn: type, var: sympy.Symbol) -> tuple:
    """(f', f'') of a scalar function when f' is written through f (σ, tanh), else (None, None)."""
    with sympy.evaluate(True):
        original = fn(var)
        first = sympy.diff(original, var)
        if first == original or not first.has(fn):
            return None, None
        return first, sympy.diff(first, var)


def _same_function(a: sympy.Expr, b: sympy.Expr, var: sympy.Symbol) -> bool:
    """Whether two bodies in ``var`` are the same function: equal at two points (cheap), then
    confirmed exactly by expanding their difference (only for the rare candidate)."""
    for t in (0.37, -1.3):
        value = (a - b).subs(var, t).rewrite(sympy.exp).evalf(15)  # σ has no numeric value
        if value.is_number and not abs(complex(value)) < 1e-12:
            return False
    return sympy.expand(a - b) == 0


def _show_other_function(e, p):
    if len(e.args) != 1:
        return _show_plain(e, p)
    key = type(e).__name__
    return p.func(rf"\operatorname{{{key}}}" if p.latex else key, p.visit(e.args[0])[0]), ATOM


def _numpy_other_function(e, ev, ctx):
    if len(e.args) != 1:
        raise MdlibError(f"cannot evaluate {e} numerically")
    return _numpy_scalar_function(e, ev, ctx)


op(sympy.Function, show=_show_other_function, numpy=_numpy_other_function)


# ---------------------------------------------------------------- the engine's own nodes

def _move_as_scalar(s, coeff, r):
    r.use("T1")
    return r.scalar(Trace(s.args[0]), coeff)


op(AsScalar, differential=lambda F, ctx: AsScalar(ctx.rule(F.args[0])),
   show=lambda e, p: p.visit(e.args[0]),
   numpy=lambda e, ev, ctx: float(np.asarray(ev(e.args[0])).reshape(-1)[0]),
   canonical=lambda e, go, ctx: AsScalar(go(e.args[0])), move=_move_as_scalar, split="wrap",
   vec=VecRule(H1_SUM, lambda L, ctx: Vec(L.args[0]),
               example=lambda dX, A: AsScalar(OneMatrix(1, 3) * A * dX * OneMatrix(3, 1))),
   example=lambda X, A: AsScalar(OneMatrix(1, 3) * A * X * OneMatrix(3, 1)))


def _show_differential(e, p):
    d = r"\mathrm{d}" if p.latex else "d"
    return d + p.paren(p.visit(e.args[0])[0]), ATOM


op(DiffMatrix, show=_show_differential)
op(DiffScalar, show=_show_differential)


# ---------------------------------------------------------------- H1, H2: vec, K, diag(vec ·), ⊗
# These nodes appear only in the vec lines and Kronecker forms of second order; the engine
# never differentiates them, so they have no differential (nor canonical form: a reader's f
# holding one is refused by name, e.g. "unsupported operation: X ⊗ A in tr(X ⊗ A)").

def _numpy_vec(e, ev, ctx):  # a scalar is its own vec (1×1)
    inner = ev(e.arg)
    if np.ndim(inner) == 0:
        return np.array([[float(inner)]])
    return vec_numeric(np.atleast_2d(np.asarray(inner, dtype=float)))


def _show_vec(e, p):
    return p.func(r"\mathrm{vec}" if p.latex else "vec", p.visit(e.arg)[0]), ATOM


def _show_commutation(e, p):
    m, n = e.args
    return (f"K_{{{m},{n}}}" if p.latex else f"K_{m},{n}"), ATOM


def _show_diag_vec(e, p):
    """diag(v) for a column v, else diag(vec(A))."""
    inner = p.visit(e.arg)[0]
    if e.arg.shape[1] != 1:
        inner = p.func(r"\mathrm{vec}" if p.latex else "vec", inner)
    return p.func(r"\mathrm{diag}" if p.latex else "diag", inner), ATOM


def _numpy_kron(e, ev, ctx):
    out = np.asarray(ev(e.args[0]), dtype=float)
    for a in e.args[1:]:
        out = np.kron(out, np.asarray(ev(a), dtype=float))
    return out


def _show_kron(e, p):
    sep = r" \otimes " if p.latex else " ⊗ "
    return sep.join(p.wrap(a, PRODUCT + 1) for a in e.args), PRODUCT


op(Vec, rule=RuleUse("H1"), show=_show_vec, numpy=_numpy_vec,
   example=lambda X, A: Vec(A * X))
op(CommutationMatrix, rule=RuleUse("H2"), show=_show_commutation,
   numpy=lambda e, ev, ctx: commutation_matrix(_dim(e.args[0], ctx.dims), _dim(e.args[1], ctx.dims)),
   example=lambda X, A: CommutationMatrix(*X.shape))
op(DiagVec, rule=H1_HADAMARD, show=_show_diag_vec,
   numpy=lambda e, ev, ctx: np.diag(vec_numeric(np.asarray(ev(e.arg), dtype=float)).ravel()),
   example=lambda X, A: DiagVec(A * X))
op(KroneckerProduct, rule=RuleUse("H2"), show=_show_kron, numpy=_numpy_kron,
   example=lambda X, A: KroneckerProduct(X, A.T))


def supported_operations() -> str:
    """What the engine differentiates, in words, generated from the rows above.

    >>> print(supported_operations())  # doctest: +ELLIPSIS
    sums and differences, products, integer matrix powers, ..., and the functions exp, log, ...
    """
    operations: list[str] = []
    functions: list[str] = []
    for row in OPS.values():
        if not row.name:
            continue
        group = functions if row.node in SCALAR_FUNCTIONS else operations
        if row.name not in group:
            group.append(row.name)
    return (f"{', '.join(operations)}, and the functions {', '.join(functions)} "
            "(of a number, or entry by entry)")

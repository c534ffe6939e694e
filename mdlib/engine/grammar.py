"""What the engine accepts: validation, clear errors for the rest, and a canonical form.

The canonical form wraps every 1×1 matrix that is used as a number (the argument of ``log``,
``sin``, a power …) in :class:`~mdlib.engine.nodes.AsScalar`, and writes ``F^{-k}`` as an
inverse, so the differential rules see one kind of node per operation.

>>> import sympy
>>> X, a = sympy.MatrixSymbol("X", 3, 3), sympy.MatrixSymbol("a", 3, 1)
>>> canonical(sympy.sin(a.T * X * a), X)
sin(AsScalar(a.T*X*a))
>>> try:
...     canonical(X.applyfunc(sympy.Abs), X)
... except Exception as err:
...     print(err)
unsupported operation: Abs(X) in Abs(X); the engine handles +, -, products, transpose, inverse, trace, determinant, log-det, Hadamard products and powers, and elementwise exp, log, sin, cos, tan, tanh, sinh, cosh, sqrt, sigmoid
"""

from __future__ import annotations

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

from ..errors import MdlibError
from .nodes import AsScalar, Sigmoid, depends_on
from .printing import to_text

#: Scalar functions with a known derivative that the engine applies (elementwise or to scalars).
SCALAR_FUNCTIONS = (sympy.exp, sympy.log, sympy.sin, sympy.cos, sympy.tan, sympy.tanh,
                    sympy.sinh, sympy.cosh, sympy.atan, Sigmoid)

_SUPPORTED = ("+, -, products, transpose, inverse, trace, determinant, log-det, Hadamard products "
              "and powers, and elementwise exp, log, sin, cos, tan, tanh, sinh, cosh, sqrt, sigmoid")


def unsupported(part: sympy.Basic, whole: sympy.Basic, why: str = "") -> MdlibError:
    """The error for an operation the engine cannot differentiate, naming the part."""
    reason = f" ({why})" if why else ""
    return MdlibError(f"unsupported operation: {_show(part)} in {_show(whole)}{reason}; "
                      f"the engine handles {_SUPPORTED}")


def _show(expr: sympy.Basic) -> str:
    try:
        return to_text(expr)
    except Exception:  # noqa: BLE001 - an exotic node must still give a readable message
        return sympy.sstr(expr)


def is_one_by_one(expr: sympy.Basic) -> bool:
    return isinstance(expr, MatrixExpr) and tuple(expr.shape) == (1, 1)


def _scalar_function_ok(expr: sympy.Basic) -> bool:
    return isinstance(expr, sympy.Function) and type(expr) in SCALAR_FUNCTIONS and len(expr.args) == 1


def _check_elementwise_body(body: sympy.Basic, var: sympy.Symbol, node, whole) -> None:
    """An elementwise function's body may use only supported scalar operations."""
    for sub in sympy.preorder_traversal(body):
        if isinstance(sub, (sympy.Symbol, sympy.Number, sympy.Add, sympy.Mul)):
            continue
        if isinstance(sub, sympy.Pow):
            if sub.exp.has(var) and sub.base.has(var):
                raise unsupported(node, whole, "a power with the variable in base and exponent")
            continue
        if isinstance(sub, sympy.NumberSymbol) or _scalar_function_ok(sub):
            continue
        raise unsupported(node, whole)


def _mostly_transposed(e: sympy.Basic) -> bool:
    if isinstance(e, Transpose):
        return True
    if isinstance(e, MatMul):
        mats = [a for a in e.args if isinstance(a, MatrixExpr)]
        return bool(mats) and all(isinstance(a, Transpose) for a in mats)
    return False


def canonical(expr: sympy.Basic, X: MatrixSymbol, whole: sympy.Basic | None = None) -> sympy.Basic:
    """Validate ``expr`` and return it in the engine's canonical form (see module doc)."""
    whole = expr if whole is None else whole

    def go(e: sympy.Basic) -> sympy.Basic:
        if isinstance(e, (MatrixSymbol, Identity, ZeroMatrix, OneMatrix)):
            return e
        if isinstance(e, (sympy.Symbol, sympy.Number, sympy.NumberSymbol)):
            return e
        if isinstance(e, AsScalar):
            return AsScalar(go(e.args[0]))
        if isinstance(e, (MatAdd, MatMul, HadamardProduct)):
            return e.func(*[go(a) for a in e.args])
        if isinstance(e, (Transpose, Inverse, Trace, Determinant)):
            return e.func(go(e.args[0]))
        if isinstance(e, MatPow):
            k = e.exp
            if not (k.is_Integer and not depends_on(k, X)):
                raise unsupported(e, whole, "only integer matrix powers")
            base = go(e.base)
            if k == -1:
                return Inverse(base)
            if k < 0:
                return Inverse(MatPow(base, -k))
            return MatPow(base, k) if k != 1 else base
        if isinstance(e, HadamardPower):
            if depends_on(e.exp, X):
                raise unsupported(e, whole, "the exponent may not depend on the variable")
            return HadamardPower(go(e.base), e.exp)
        if isinstance(e, ElementwiseApplyFunction):
            fn = e.function
            if not isinstance(fn, sympy.Lambda):  # e.g. a Function class given directly
                v = sympy.Dummy("t")
                fn = sympy.Lambda(v, fn(v))
            (var,) = fn.variables
            _check_elementwise_body(fn.expr, var, e, whole)
            inner = go(e.expr)
            if _mostly_transposed(inner):  # σ(X^T W^T) reads better as σ(W X)^T
                from .readoff import tidy

                return Transpose(ElementwiseApplyFunction(fn, tidy(inner, transposed=True)))
            return ElementwiseApplyFunction(fn, inner)
        if isinstance(e, (sympy.Add, sympy.Mul)):
            args = [go(a) for a in e.args]
            args = [AsScalar(a) if is_one_by_one(a) else a for a in args]
            if any(isinstance(a, MatrixExpr) for a in args):
                raise unsupported(e, whole, "a matrix used where a number is needed")
            return e.func(*args)
        if isinstance(e, sympy.Pow):
            base, exp = go(e.base), go(e.exp)
            base = AsScalar(base) if is_one_by_one(base) else base
            exp = AsScalar(exp) if is_one_by_one(exp) else exp
            if isinstance(base, MatrixExpr) or isinstance(exp, MatrixExpr):
                raise unsupported(e, whole, "a power of a matrix that is not 1×1")
            if depends_on(base, X) and depends_on(exp, X):
                raise unsupported(e, whole, "the variable in both base and exponent")
            return sympy.Pow(base, exp)
        if _scalar_function_ok(e):
            arg = go(e.args[0])
            if is_one_by_one(arg):
                arg = AsScalar(arg)
            elif isinstance(arg, MatrixExpr):
                raise unsupported(e, whole, "apply functions to matrices elementwise with "
                                  "M.applyfunc(f)")
            return e.func(arg)
        raise unsupported(e, whole)

    return go(expr)


def read(expr: object, shapes: object, what: str = "f") -> sympy.Basic:
    """``expr`` as a sympy expression: typed text goes through the safe parser, never ``eval``.

    Text needs its matrices declared in ``shapes`` (text such as ``"X: 3x3, a: 3x1"``).

    >>> read("tr(X.T*X)", "X: 2x2")
    Trace(X.T*X)
    >>> try:
    ...     read("tr(X)", None)
    ... except Exception as err:
    ...     print(err)
    f is text, so declare its matrices as text too, e.g. shapes="X: 3x3, a: 3x1"; the text is then read by the course's parser
    """
    if isinstance(expr, str):
        if not isinstance(shapes, str):
            raise MdlibError(f"{what} is text, so declare its matrices as text too, e.g. "
                             'shapes="X: 3x3, a: 3x1"; the text is then read by the course\'s parser')
        from ..parse import parse_expression  # here: parse imports the engine's nodes

        return parse_expression(expr, shapes)[0]
    try:
        return sympy.sympify(expr, strict=True)
    except (sympy.SympifyError, TypeError) as err:
        raise MdlibError(f"{what} must be an expression or typed text, got {expr!r}") from err


def read_symbol(X: object, shapes: object, what: str = "X") -> object:
    """The MatrixSymbol ``X``; a name such as ``"X"`` is looked up in text ``shapes``."""
    if isinstance(X, str) and isinstance(shapes, str):
        from ..parse import parse_shapes

        declared = parse_shapes(shapes)
        if X not in declared:
            raise MdlibError(f"{what} = {X!r} is not declared in the shapes {shapes!r}")
        return declared[X]
    return X


def prepare(f: object, X: object) -> sympy.Basic:
    """Check that ``f`` is a scalar-valued expression; its canonical form.

    ``f`` need not contain ``X``: the derivation then says ∂f/∂X = 0 and why.

    >>> import sympy
    >>> X = sympy.MatrixSymbol("X", 2, 2)
    >>> try:
    ...     prepare(2 * X, X)
    ... except Exception as err:
    ...     print(err)
    f must be scalar-valued, but 2 X is a 2×2 matrix; take a trace, a determinant or a quadratic form
    """
    if not isinstance(X, MatrixSymbol):
        raise MdlibError(f"differentiate by a MatrixSymbol (a matrix or an n×1 vector), not {X!r}; "
                         "e.g. X = sympy.MatrixSymbol('X', 3, 3)")
    f = read(f, None)
    if isinstance(f, MatrixExpr) and not is_one_by_one(f):
        rows, cols = f.shape
        raise MdlibError(f"f must be scalar-valued, but {_show(f)} is a {rows}×{cols} matrix; "
                         "take a trace, a determinant or a quadratic form")
    if is_one_by_one(f):
        return AsScalar(canonical(f, X, f))
    return canonical(f, X, f)

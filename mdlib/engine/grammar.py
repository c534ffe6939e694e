"""What the engine accepts: validation, clear errors for the rest, and a canonical form.

The canonical form wraps every 1×1 matrix that is used as a number (the argument of ``log``,
``sin``, a power …) in :class:`~mdlib.engine.nodes.AsScalar`, writes ``F^{-k}`` as an
inverse and ``log|det F|`` as a :class:`~mdlib.engine.nodes.LogDet`, so every pass finds one row of
the table of operations (:mod:`mdlib.engine.ops`) per node, by its type. Each row's
``canonical`` rule says what it accepts.

>>> import sympy
>>> X, a = sympy.MatrixSymbol("X", 3, 3), sympy.MatrixSymbol("a", 3, 1)
>>> canonical(sympy.sin(a.T * X * a), X)
sin(AsScalar(a.T*X*a))
>>> try:  # doctest: +ELLIPSIS
...     canonical(X.applyfunc(sympy.Abs), X)
... except Exception as err:
...     print(err)
unsupported operation: Abs(X) in Abs(X); the engine handles sums and differences, products, ... sigmoid (of a number, or entry by entry)
"""

from __future__ import annotations

import sympy
from sympy.matrices.expressions import MatrixExpr, MatrixSymbol

from ..errors import MdlibError
from .nodes import AsScalar, depends_on
from .ops import SCALAR_FUNCTIONS, op_for, supported_operations
from .printing import to_text

_SUPPORTED = supported_operations()  # generated from the operation table


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


class _Canonical:
    """What a row's canonical rule may ask: the variable, the whole input, errors."""

    def __init__(self, X: MatrixSymbol, whole: sympy.Basic) -> None:
        self.X, self.whole = X, whole

    def dep(self, e: sympy.Basic) -> bool:
        return depends_on(e, self.X)

    def unsupported(self, part: sympy.Basic, why: str = "") -> MdlibError:
        return unsupported(part, self.whole, why)

    def check_elementwise_body(self, body: sympy.Basic, var: sympy.Symbol, node) -> None:
        _check_elementwise_body(body, var, node, self.whole)


def canonical(expr: sympy.Basic, X: MatrixSymbol, whole: sympy.Basic | None = None) -> sympy.Basic:
    """Validate ``expr`` and return it in the engine's canonical form (see module doc)."""
    ctx = _Canonical(X, expr if whole is None else whole)

    def go(e: sympy.Basic) -> sympy.Basic:
        row = op_for(e)
        if row is None or row.canonical is None:
            raise ctx.unsupported(e)
        return row.canonical(e, go, ctx)

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

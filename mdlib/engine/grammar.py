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
from ..i18n import N_, _
from .nodes import AsScalar, built, depends_on
from .ops import SCALAR_FUNCTIONS, op_for, supported_operations
from .printing import to_text
from .readoff import tidy

#: The list as it was generated at import (in English); messages generate it when they are said.
_SUPPORTED = supported_operations()


def unsupported(part: sympy.Basic, whole: sympy.Basic, why: str = "") -> MdlibError:
    """The error for an operation the engine cannot differentiate, naming the part (``why``,
    in the reader's language, says what is wrong with it)."""
    # the list is generated from the operation table, in the reader's language
    if why:
        message = _("unsupported operation: {part} in {whole} ({why}); the engine handles "
                    "{supported}")
    else:
        message = _("unsupported operation: {part} in {whole}; the engine handles {supported}")
    return MdlibError(message.format(part=_show(part), whole=_show(whole), why=why,
                                     supported=supported_operations()))


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
                raise unsupported(node, whole,
                                  _("a power with the variable in base and exponent"))
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

    def transposed(self, M: sympy.Basic) -> sympy.Basic:
        return tidy(M, transposed=True)


def canonical(expr: sympy.Basic, X: MatrixSymbol, whole: sympy.Basic | None = None) -> sympy.Basic:
    """Validate ``expr`` and return it in the engine's canonical form (see module doc)."""
    ctx = _Canonical(X, expr if whole is None else whole)

    def go(e: sympy.Basic) -> sympy.Basic:
        row = op_for(e)
        if row is None or row.canonical is None:
            raise ctx.unsupported(e)
        return built(row.canonical, e, go, ctx)

    return go(expr)


#: Where typed text goes: the public functions read it with the course's parser first.
_TEXT_GOES_TO = N_("mdlib.derive, mdlib.chain, mdlib.jacobian, mdlib.hessian and "
                   "mdlib.jacobian_chain read typed text with the course's parser; the engine's "
                   "own functions take sympy expressions")


def read(expr: object, what: str = "f") -> sympy.Expr:
    """``expr`` as a sympy expression; text is never parsed or evaluated here.

    >>> read(2), read(sympy.MatrixSymbol("X", 2, 2).T)
    (2, X.T)
    >>> try:
    ...     read("tr(X)")
    ... except MdlibError as err:
    ...     print(err)  # doctest: +ELLIPSIS
    f is text: mdlib.derive, mdlib.chain, ... read typed text with the course's parser; ...
    """
    if isinstance(expr, str):
        raise MdlibError(_("{what} is text: {where}").format(what=what, where=_(_TEXT_GOES_TO)))
    try:
        value = sympy.sympify(expr, strict=True)  # numbers and sympy objects; text is refused
    except (sympy.SympifyError, TypeError, ValueError):
        value = None
    if isinstance(value, type) or not isinstance(value, sympy.Expr):
        raise MdlibError(_("{what} must be a sympy expression (or typed text, given to the "
                           "public functions such as mdlib.derive), not {type}").format(
                               what=what, type=type(expr).__name__))
    return value


def read_symbol(X: object, what: str = "X") -> object:
    """``X`` itself; a name (text) is refused here: the public functions look names up."""
    if isinstance(X, str):
        raise MdlibError(_("{what} = {name} is a name: {where}").format(
            what=what, name=repr(X), where=_(_TEXT_GOES_TO)))
    return X


def sizes(shapes: object) -> dict | None:
    """Sizes for symbolic shapes (``{"X": (3, 4)}`` or ``{"n": 4}``), or None.

    >>> sizes({"n": 3}), sizes(None)
    ({'n': 3}, None)
    """
    if shapes is None or isinstance(shapes, dict):
        return shapes
    if isinstance(shapes, str):
        raise MdlibError(_("shapes are text: {where}").format(where=_(_TEXT_GOES_TO)))
    raise MdlibError(_("shapes must be a dict of sizes, e.g. {{'n': 3}} or {{'X': (3, 4)}}, not "
                       "{type}").format(type=type(shapes).__name__))


def not_a_matrix_symbol(X: object) -> MdlibError:
    """The error for a variable that is not a MatrixSymbol."""
    return MdlibError(_("differentiate by a MatrixSymbol (a matrix or an n×1 vector), not {X}; "
                        "e.g. X = sympy.MatrixSymbol('X', 3, 3)").format(X=repr(X)))


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
        raise not_a_matrix_symbol(X)
    f = read(f)
    if isinstance(f, MatrixExpr) and not is_one_by_one(f):
        rows, cols = f.shape
        raise MdlibError(_("f must be scalar-valued, but {f} is a {rows}×{cols} matrix; take a "
                           "trace, a determinant or a quadratic form").format(
                               f=_show(f), rows=rows, cols=cols))
    if is_one_by_one(f):
        return AsScalar(canonical(f, X, f))
    return canonical(f, X, f)

"""Turn a reader's typed expression into the sympy objects the derivation engine expects.

Shapes are declared in a short text, ``"X: 3x3, a: 3, b: 3"`` (a single number is a column
vector). In the expression, ``tr``, ``det``, ``logdet``, ``inv``, ``had`` (Hadamard product)
the elementwise functions ``exp``, ``log``, ``sin``, ``cos``, ``tanh``, ``sigmoid``, ``sqrt``
and ``sum`` (of all entries, written ``1^T M 1``) are available; ``X.T`` is the transpose, ``*`` the matrix product, ``X**-1`` also the inverse.

>>> expr, symbols = parse_expression("a.T*exp(X*b)", "X: 3x3, a: 3, b: 3")
>>> sorted(symbols), symbols["X"].shape
(['X', 'a', 'b'], (3, 3))
"""

from __future__ import annotations

import keyword
import re
from tokenize import TokenError

import sympy
from sympy.matrices.expressions import MatrixExpr
from sympy.parsing.sympy_parser import parse_expr, standard_transformations

from .engine.nodes import AsScalar, sigmoid
from .errors import MdlibError

_NAME = re.compile(r"(?<![\w.])([A-Za-z_]\w*)")
_DECLARATION = re.compile(r"^\s*([A-Za-z_]\w*)\s*:\s*(\d+)\s*(?:[x×,]\s*(\d+))?\s*$")


def parse_shapes(text: str) -> dict[str, sympy.MatrixSymbol]:
    """``"X: 3x3, a: 3"`` → ``{"X": MatrixSymbol("X", 3, 3), "a": MatrixSymbol("a", 3, 1)}``.

    >>> parse_shapes("W: 2x4; x: 4")["x"].shape
    (4, 1)
    """
    symbols: dict[str, sympy.MatrixSymbol] = {}
    for part in filter(str.strip, re.split(r"[;\n]|,(?=\s*[A-Za-z_])", text)):
        match = _DECLARATION.match(part)
        if not match:
            raise MdlibError(
                f"cannot read the shape declaration {part.strip()!r}; write it like 'X: 3x3' "
                "for a matrix or 'a: 3' for a column vector"
            )
        name, rows, cols = match.group(1), int(match.group(2)), int(match.group(3) or 1)
        if keyword.iskeyword(name) or name in FUNCTIONS:
            raise MdlibError(f"{name!r} is a reserved name; pick another name for the matrix")
        if rows < 1 or cols < 1:
            raise MdlibError(f"{name} must have at least one row and one column")
        symbols[name] = sympy.MatrixSymbol(name, rows, cols)
    if not symbols:
        raise MdlibError("declare at least one matrix or vector, e.g. 'X: 3x3'")
    return symbols


def _elementwise(func: sympy.Function):
    def apply(arg: object) -> object:
        if isinstance(arg, MatrixExpr) and arg.shape != (1, 1):
            return arg.applyfunc(func)
        if isinstance(arg, MatrixExpr):  # 1×1: a scalar function of a scalar
            return func(AsScalar(arg))
        return func(arg)

    return apply


def _sum_of_entries(M: MatrixExpr) -> MatrixExpr:
    """``1^T M 1``: the sum of all entries, in a form the engine differentiates."""
    rows, cols = M.shape
    return AsScalar(sympy.OneMatrix(rows, 1).T * M * sympy.OneMatrix(cols, 1))


#: The functions a reader may type, by name.
FUNCTIONS: dict[str, object] = {
    "tr": sympy.Trace,
    "trace": sympy.Trace,
    "det": sympy.Determinant,
    "logdet": lambda M: sympy.log(sympy.Determinant(M)),
    "inv": sympy.Inverse,
    "had": lambda *ms: sympy.HadamardProduct(*ms),
    "exp": _elementwise(sympy.exp),
    "log": _elementwise(sympy.log),
    "sin": _elementwise(sympy.sin),
    "cos": _elementwise(sympy.cos),
    "tanh": _elementwise(sympy.tanh),
    "sigmoid": sigmoid,
    "sum": _sum_of_entries,
    "sqrt": _elementwise(sympy.sqrt),
}


def parse_expression(text: str, shapes: str) -> tuple[sympy.Basic, dict[str, sympy.MatrixSymbol]]:
    """Parse ``text`` with the matrices declared in ``shapes``; clear errors for typos."""
    symbols = parse_shapes(shapes)
    names = {**FUNCTIONS, **symbols}
    if not text.strip():
        raise MdlibError("type an expression, e.g. tr(X.T*A*X)")
    # Names after a dot are attributes (X.T, X.I); every other name must be known.
    called = set(re.findall(r"(?<![\w.])([A-Za-z_]\w*)\s*\(", text))
    unknown = sorted(set(_NAME.findall(text)) - set(names))
    if unknown:
        name = unknown[0]
        if name in called:
            raise MdlibError(
                f"unknown function {name}(); the engine knows {', '.join(sorted(FUNCTIONS))}"
            )
        raise MdlibError(f"unknown name(s) {', '.join(unknown)}: declare them in the shapes, e.g. '{name}: 3x3'")
    try:
        expr = parse_expr(text, local_dict=names, transformations=standard_transformations, evaluate=True)
    except (SyntaxError, TokenError) as err:
        raise MdlibError(f"cannot read {text!r}: check the brackets and operators ({err})") from None
    except (TypeError, ValueError, sympy.ShapeError) as err:
        if "Mix of Matrix and Scalar" in str(err):
            raise MdlibError(
                f"in {text!r} a 1×1 matrix (such as a.T*X*b) is added to a number; sympy keeps "
                "them apart, so wrap the 1×1 part in tr(...): a scalar is its own trace (T1)"
            ) from None
        raise MdlibError(f"the shapes do not fit in {text!r}: {err}") from None
    return expr, symbols

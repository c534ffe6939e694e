"""Read a reader's typed expression into the sympy objects the derivation engine expects.

The text is *read*, never run: Python's :mod:`ast` turns it into a syntax tree, and a walk
over a short whitelist builds the sympy objects directly. Anything outside the whitelist
(strings, indexing, attributes other than ``.T``, keywords, comprehensions …) is refused with
an :class:`~mdlib.errors.MdlibError` that names it and its column.

Shapes are declared in a short text, ``"X: 3x3, a: 3, b: 3"`` (a single number is a column
vector). The help text below is generated from the tables in this module (and shown by the
playground widget):

>>> print(help_text())
Write f with
  numbers: 2, 0.5, 1e-3
  the matrices declared in the shapes, e.g. X: 3x3, a: 3 (a column vector)
  constants:
    pi              the number π = 3.14159...
    e               Euler's number 2.71828...
    I               the identity matrix, as large as the matrix it is added to or multiplied with
  operators: + - * (matrix product) / (by a number) ** (power) -x, X.T (transpose), ( )
  functions:
    tr(M)           trace of a square matrix
    trace(M)        trace of a square matrix
    det(M)          determinant of a square matrix
    logdet(M)       log|det M|, for an invertible M
    inv(M)          inverse of a square matrix
    had(A, B, ...)  Hadamard (entrywise) product of same-shape matrices
    exp(M)          exponential, entry by entry
    log(M)          natural logarithm, entry by entry
    sin(M)          sine, entry by entry
    cos(M)          cosine, entry by entry
    tan(M)          tangent, entry by entry
    tanh(M)         hyperbolic tangent, entry by entry
    sinh(M)         hyperbolic sine, entry by entry
    cosh(M)         hyperbolic cosine, entry by entry
    atan(M)         arctangent, entry by entry
    sigmoid(M)      logistic function 1/(1 + e^-t), entry by entry
    sqrt(M)         square root, entry by entry
    sum(M)          sum of all entries, 1^T M 1
    vec(M)          the columns of M stacked into one column
    kron(A, B)      Kronecker product A ⊗ B
    K(m, n)         commutation matrix: vec(A.T) = K(m, n)*vec(A), A m×n
    eye(n)          the n×n identity I_n (e.g. in kron(eye(3), A))
    diagvec(M)      diag(vec M), the entries of vec M on a diagonal
A 1×1 product such as a.T*X*b is used as the number it is (a scalar is its own trace)
wherever it meets a number.
Limits: at most 2000 characters; brackets nested at most 30 deep;
integers of at most 15 digits; exponents between -64 and 64;
at most 20 declarations; each dimension at most 500.

>>> expr, symbols = parse_expression("a.T*exp(X*b)", "X: 3x3, a: 3, b: 3")
>>> sorted(symbols), symbols["X"].shape
(['X', 'a', 'b'], (3, 3))
>>> parse_expression("tr(X) + a.T*X*b", "X: 3x3, a: 3, b: 3")[0]
AsScalar(a.T*X*b) + Trace(X)
>>> parse_expression("inv(2*I + X)", "X: 3x3")[0]
(2*I + X)**(-1)

A 1×1 ``x`` put through an entrywise function, a power or a sum with a number is read as a
number, and is the 1×1 matrix again where a matrix is needed (tr, det, logdet, inv, had):

>>> parse_expression("inv(x + 2) + x**2", "x: 1x1")[0]
AsScalar((2*I + x)**(-1)) + AsScalar(x)**2

>>> try:
...     parse_expression("tr(X)^2", "X: 3x3")
... except MdlibError as err:
...     print(err)
^ (column 6) is not a power here: write ** for powers, e.g. tr(X)**2
"""

from __future__ import annotations

import ast
import functools
import keyword
import operator
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import sympy
from sympy.matrices.expressions import MatrixExpr

from .engine.nodes import AsScalar, CommutationMatrix, DiagVec, LogDet, Sigmoid, Vec, sigmoid
from .engine.ops import FUNCTION_WORDS, SCALAR_FUNCTIONS, function_name
from .errors import MdlibError

# Limits. Each says what it protects, so the refusal can say why.
MAX_LENGTH = 2000  # characters; far beyond any formula in the course, and it bounds parsing time
MAX_BRACKETS = 30  # nested brackets; no formula needs more, and it keeps within the stack
MAX_DEPTH = 200  # operations nested inside one another (a chain of 200 signs or sums)
MAX_DIGITS = 15  # digits of an integer; the numeric checks compute with about 16 digits
MAX_EXPONENT = 64  # |p| of any power with a numeric exponent; bigger ones overflow or hang
MAX_NUMBER = sympy.Integer(10) ** 300  # a double precision number overflows near 1.8e308
MAX_DECLARATIONS = 20
MAX_SIZE = 500  # each dimension; every result is checked numerically on random data of this size
MAX_NAME = 30  # characters in a declared name
MAX_DENSE = 1000  # rows of kron(A, B), K(m, n), eye(n), diagvec(M): each is evaluated as a dense matrix

_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*", re.ASCII)
_DECLARATION = re.compile(r"^\s*([^\s:]+)\s*:\s*(\d+)\s*(?:[x×,]\s*(\d+))?\s*$", re.ASCII)


# ---------------------------------------------------------------- the functions a reader may type

def _number_of(M: MatrixExpr) -> sympy.Expr:
    """The number a 1×1 matrix is (T1): 0 for a zero matrix such as x - x, 1 for I, else AsScalar.

    Plain 0 and 1, so that 1/(x - x) or log(x - x) is refused as a division by zero or an
    infinite number rather than differentiated.

    >>> x = sympy.MatrixSymbol("x", 1, 1)
    >>> _number_of(x), _number_of(x - x)
    (AsScalar(x), 0)
    """
    if isinstance(M, sympy.ZeroMatrix):
        return sympy.S.Zero
    if isinstance(M, sympy.Identity):
        return sympy.S.One
    return AsScalar(M)


def _elementwise(func: sympy.Function) -> Callable:
    """``func`` entry by entry on a matrix; on a number or a 1×1 matrix, the scalar function."""
    def apply(arg: object) -> object:
        if isinstance(arg, MatrixExpr) and arg.shape != (1, 1):
            return arg.applyfunc(func)
        if isinstance(arg, MatrixExpr):  # 1×1: a scalar function of a scalar (T1)
            return func(_number_of(arg))
        return func(arg)

    return apply


def _sigmoid(arg: object) -> object:
    """σ entry by entry; of a plain number, written out as 1/(1 + e^-t), a number like any other."""
    if isinstance(arg, sympy.Expr) and not isinstance(arg, MatrixExpr) and arg.is_number:
        return 1 / (1 + sympy.exp(-arg))
    return sigmoid(arg)


def _sum_of_entries(M: MatrixExpr) -> MatrixExpr:
    """``1^T M 1``: the sum of all entries, in a form the engine differentiates."""
    if not isinstance(M, MatrixExpr):  # f(x) for a 1×1 x is already its one entry
        return M
    rows, cols = M.shape
    return _number_of(sympy.OneMatrix(rows, 1).T * M * sympy.OneMatrix(cols, 1))


@dataclass(frozen=True)
class Function:
    """One typed function: how it is built, how many arguments, what it needs, what it means."""

    build: Callable
    arity: int | None  # None: two or more
    needs: str  # "square": a square matrix; "matrix": a matrix; "same shape": matrices alike;
    #             "any": a matrix (entry by entry) or a number
    description: str
    on_a_number: str = ""  # what to write instead when the argument is a number
    parameters: str = ""  # the arguments as shown in the help, when not (M) or (A, B, ...)
    reserved: bool = True  # False: a matrix may be declared with this name (then it is the matrix)

    def signature(self, name: str) -> str:
        if self.parameters:
            return f"{name}({self.parameters})"
        return f"{name}(A, B, ...)" if self.arity is None else f"{name}(M)"


#: The functions a reader may type, by name; help text and messages are generated from it.
FUNCTIONS: dict[str, Function] = {
    "tr": Function(sympy.Trace, 1, "square", "trace of a square matrix",
                   "a number is its own trace (T1), so drop the tr(...)"),
    "trace": Function(sympy.Trace, 1, "square", "trace of a square matrix",
                      "a number is its own trace (T1), so drop the trace(...)"),
    "det": Function(sympy.Determinant, 1, "square", "determinant of a square matrix",
                    "drop the det(...)"),
    "logdet": Function(lambda M: LogDet(sympy.Determinant(M)), 1, "square",
                       "log|det M|, for an invertible M", "write log(...) for a number"),
    "inv": Function(sympy.Inverse, 1, "square", "inverse of a square matrix",
                    "write 1/(...) for a number"),
    "had": Function(lambda *ms: sympy.HadamardProduct(*ms), None, "same shape",
                    "Hadamard (entrywise) product of same-shape matrices"),
    # every scalar function the engine differentiates, from its operation table
    **{function_name(fn): Function(_sigmoid if fn is Sigmoid else _elementwise(fn), 1, "any",
                                   f"{FUNCTION_WORDS[fn]}, entry by entry")
       for fn in SCALAR_FUNCTIONS},
    "sqrt": Function(_elementwise(sympy.sqrt), 1, "any", "square root, entry by entry"),
    "sum": Function(_sum_of_entries, 1, "matrix", "sum of all entries, 1^T M 1",
                    "sum(M) adds up the entries of a matrix, and a number needs no sum"),
    # second order: for lines written as d vec(F) = ... (the engine's own vec nodes)
    "vec": Function(Vec, 1, "matrix", "the columns of M stacked into one column",
                    "a number is its own vec, so drop the vec(...)"),
    "kron": Function(sympy.KroneckerProduct, 2, "matrices", "Kronecker product A ⊗ B",
                     parameters="A, B"),
    "K": Function(CommutationMatrix, 2, "sizes", "commutation matrix: vec(A.T) = K(m, n)*vec(A), A m×n",
                  parameters="m, n", reserved=False),
    "eye": Function(sympy.Identity, 1, "sizes", "the n×n identity I_n (e.g. in kron(eye(3), A))",
                    parameters="n"),
    "diagvec": Function(DiagVec, 1, "matrix", "diag(vec M), the entries of vec M on a diagonal",
                        "write the number itself"),
}


class _Identity:
    """``c·I`` whose size is not known yet: it takes the size of the matrix it meets."""

    def __init__(self, coefficient: sympy.Expr = sympy.S.One) -> None:
        self.coefficient = coefficient

    def sized(self, n: int) -> MatrixExpr:
        eye = sympy.Identity(n)
        return eye if self.coefficient == 1 else self.coefficient * eye


#: Named constants: numbers, and the identity I (sized by its context).
CONSTANTS: dict[str, tuple[object, str]] = {
    "pi": (sympy.pi, "the number π = 3.14159..."),
    "e": (sympy.E, "Euler's number 2.71828..."),
    "I": (_Identity(), "the identity matrix, as large as the matrix it is added to or "
                       "multiplied with"),
}

_OPERATORS = "+ - * (matrix product) / (by a number) ** (power) -x, X.T (transpose), ( )"
_LANGUAGE = (f"numbers, the declared matrices, the constants {', '.join(CONSTANTS)}, the functions "
             f"{', '.join(FUNCTIONS)} and + - * / ** .T")


def help_text() -> str:
    """What a reader may type, generated from :data:`FUNCTIONS`, :data:`CONSTANTS` and the limits."""
    functions = [f"    {f.signature(name):16}{f.description}" for name, f in FUNCTIONS.items()]
    return "\n".join([
        "Write f with",
        "  numbers: 2, 0.5, 1e-3",
        "  the matrices declared in the shapes, e.g. X: 3x3, a: 3 (a column vector)",
        "  constants:", *(f"    {name:16}{text}" for name, (_value, text) in CONSTANTS.items()),
        f"  operators: {_OPERATORS}",
        "  functions:", *functions,
        "A 1×1 product such as a.T*X*b is used as the number it is (a scalar is its own trace)",
        "wherever it meets a number.",
        f"Limits: at most {MAX_LENGTH} characters; brackets nested at most {MAX_BRACKETS} deep;",
        f"integers of at most {MAX_DIGITS} digits; exponents between -{MAX_EXPONENT} and "
        f"{MAX_EXPONENT};",
        f"at most {MAX_DECLARATIONS} declarations; each dimension at most {MAX_SIZE}.",
    ])


# ------------------------------------------------------------------------------- declarations

def _check_name(name: str, declared: dict) -> None:
    if not name.isascii() or not _NAME.fullmatch(name):
        raise MdlibError(f"{name!r} cannot be a name: names start with an ASCII letter and use "
                         "only letters, digits and _ (e.g. X, W1, dX)")
    if len(name) > MAX_NAME:
        raise MdlibError(f"the name {name[:MAX_NAME]}… is longer than {MAX_NAME} characters")
    if keyword.iskeyword(name):
        raise MdlibError(f"{name!r} is a reserved word of Python; pick another name for the matrix")
    if (name in FUNCTIONS and FUNCTIONS[name].reserved) or name in CONSTANTS:
        kind = "function" if name in FUNCTIONS else "constant"
        raise MdlibError(f"{name!r} is a reserved name (the {kind} {name}); pick another name "
                         "for the matrix")
    if name in declared:
        rows, cols = declared[name].shape
        raise MdlibError(f"{name} is declared twice (the first time as {rows}×{cols}); declare "
                         "each name once")


def _dimension(digits: str | None, name: str) -> int:
    if digits is None:
        return 1
    if len(digits) > len(str(MAX_SIZE)) or int(digits) > MAX_SIZE:
        raise MdlibError(f"{name} is too large: each dimension is at most {MAX_SIZE}, because "
                         "every result is checked numerically on random matrices of the declared "
                         "sizes and larger ones make that check slow without showing anything new")
    if int(digits) < 1:
        raise MdlibError(f"{name} must have at least one row and one column")
    return int(digits)


def parse_shapes(text: str) -> dict[str, sympy.MatrixSymbol]:
    """``"X: 3x3, a: 3"`` → ``{"X": MatrixSymbol("X", 3, 3), "a": MatrixSymbol("a", 3, 1)}``.

    Names are ASCII (a letter, then letters, digits, _), declared once, and not the name of a
    function or constant; ``dX``-style names are ordinary matrices.

    >>> parse_shapes("W: 2x4; x: 4")["x"].shape
    (4, 1)
    """
    if len(text) > MAX_LENGTH:
        raise MdlibError(f"the shape declarations are {len(text)} characters long; the limit is "
                         f"{MAX_LENGTH}")
    symbols: dict[str, sympy.MatrixSymbol] = {}
    for part in filter(str.strip, re.split(r"[;\n]|,(?=\s*[^\s\d])", text)):
        match = _DECLARATION.match(part)
        if not match:
            raise MdlibError(
                f"cannot read the shape declaration {part.strip()[:60]!r}; write it like 'X: 3x3' "
                "for a matrix or 'a: 3' for a column vector"
            )
        name = match.group(1)
        _check_name(name, symbols)
        if len(symbols) == MAX_DECLARATIONS:
            raise MdlibError(f"at most {MAX_DECLARATIONS} matrices can be declared")
        rows, cols = _dimension(match.group(2), name), _dimension(match.group(3), name)
        symbols[name] = sympy.MatrixSymbol(name, rows, cols)
    if not symbols:
        raise MdlibError("declare at least one matrix or vector, e.g. 'X: 3x3'")
    return symbols


# -------------------------------------------------------------------------------- expressions

#: Hints for characters readers copy from printed formulas.
_CHARACTER_HINTS = {"×": "write * for products", "·": "write * for products",
                    "−": "write - (the ASCII minus)", "ᵀ": "write .T for the transpose",
                    "²": "write **2 for a square", "⁻": "write inv(M) or M**-1 for an inverse",
                    "¹": "write inv(M) or M**-1 for an inverse", "√": "write sqrt(...)",
                    "π": "write pi", "∑": "write sum(M) for the sum of the entries"}

#: Python constructs that parse but are not part of the language, by the name a reader knows.
_CONSTRUCTS = {
    ast.Subscript: "indexing with [...]", ast.List: "a list [...]", ast.Tuple: "a tuple (a, b)",
    ast.Set: "a set {...}", ast.Dict: "a dictionary {...}", ast.ListComp: "a comprehension",
    ast.SetComp: "a comprehension", ast.DictComp: "a comprehension",
    ast.GeneratorExp: "a comprehension", ast.Lambda: "lambda", ast.IfExp: "if ... else",
    ast.Compare: "a comparison", ast.BoolOp: "and/or", ast.NamedExpr: "the := operator",
    ast.JoinedStr: "an f-string", ast.FormattedValue: "an f-string", ast.Starred: "*",
    ast.Slice: "a slice", ast.Await: "await", ast.Yield: "yield", ast.YieldFrom: "yield",
}
_OPERATOR_SIGNS = {ast.FloorDiv: "//", ast.Mod: "%", ast.LShift: "<<", ast.RShift: ">>",
                   ast.BitOr: "|", ast.BitAnd: "&", ast.MatMult: "@", ast.BitXor: "^",
                   ast.Not: "not", ast.Invert: "~"}
_OPERATOR_HINTS = {"^": "is not a power here: write ** for powers, e.g. tr(X)**2",
                   "@": "is not used here: write * for the matrix product"}


class SizeMismatch(MdlibError):
    """Matrices whose sizes do not fit together (a product, a sum): the text itself reads fine,
    so a caller can say "the sizes do not match" rather than "cannot be read"."""


def _shape(value: MatrixExpr) -> str:
    rows, cols = value.shape
    return f"{rows}×{cols}"


class _Reader:
    """Builds the sympy object for an ``ast`` tree, refusing everything off the whitelist."""

    def __init__(self, text: str, symbols: dict[str, sympy.MatrixSymbol], lead: int) -> None:
        self.text, self.symbols, self.lead = text, symbols, lead

    def column(self, node: ast.AST | int) -> str:
        """The column in the text as typed (``lead`` blanks were stripped before parsing)."""
        offset = node if isinstance(node, int) else node.col_offset
        return f"column {offset + self.lead + 1}"

    def source(self, node: ast.AST) -> str:
        """The text the reader typed for ``node`` (shortened: it may be hostile or huge)."""
        text = ast.get_source_segment(self.text, node) or "this part"
        return text if len(text) <= 60 else text[:57] + "..."

    def describe(self, node: ast.AST, value: object) -> str:
        if isinstance(value, MatrixExpr):
            return f"{self.source(node)} ({_shape(value)})"
        if isinstance(value, _Identity):
            return f"{self.source(node)} (the identity)"
        return f"{self.source(node)} (a number)"

    def refuse(self, node: ast.AST, what: str) -> MdlibError:
        return MdlibError(f"{what} ({self.column(node)}) is not part of the expression language; it "
                          f"knows {_LANGUAGE}")

    def operator_error(self, offset: int, sign: str) -> MdlibError:
        hint = _OPERATOR_HINTS.get(sign, "is not part of the expression language; the operators "
                                         f"are {_OPERATORS}")
        return MdlibError(f"{sign} ({self.column(offset)}) {hint}")

    def unsized(self, node: ast.AST) -> MdlibError:
        return MdlibError(f"cannot tell the size of the identity I in {self.source(node)}: put "
                          "I next to a matrix (X + I, 2*I - X) or declare a matrix for it")

    def read(self, node: ast.AST) -> object:
        readers = {ast.Constant: self.read_constant, ast.Name: self.read_name,
                   ast.UnaryOp: self.read_unary, ast.BinOp: self.read_binary,
                   ast.Attribute: self.read_attribute, ast.Call: self.read_call}
        if type(node) not in readers:
            raise self.refuse(node, _CONSTRUCTS.get(type(node), type(node).__name__))
        return readers[type(node)](node)

    # -- leaves
    def read_constant(self, node: ast.Constant) -> object:
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float, complex)):
            what = f"the text {value!r}" if isinstance(value, (str, bytes)) else repr(value)
            raise self.refuse(node, what)
        if isinstance(value, complex):
            raise MdlibError(f"{self.source(node)} ({self.column(node)}) is an imaginary number; the "
                             "course's expressions are real")
        if isinstance(value, int):
            if len(str(value)) > MAX_DIGITS:
                raise MdlibError(f"the integer {self.source(node)[:20]}… ({self.column(node)}) has "
                                 f"more than {MAX_DIGITS} digits; the numeric checks compute with "
                                 "about 16 digits, so use a shorter number")
            return sympy.Integer(value)
        if value != value or abs(value) == float("inf"):
            raise MdlibError(f"{self.source(node)} ({self.column(node)}) is too large for double "
                             "precision; use a smaller number")
        return sympy.Float(value)

    def read_name(self, node: ast.Name) -> object:
        name = node.id
        if name in self.symbols:
            return self.symbols[name]
        if name in CONSTANTS:
            return CONSTANTS[name][0]
        if name in FUNCTIONS:
            raise MdlibError(f"{name} ({self.column(node)}) is a function: call it, e.g. {name}(X)")
        hint = "; for Euler's number write e" if name == "E" else ""
        raise MdlibError(
            f"unknown name {name} ({self.column(node)}): declare it in the shapes, e.g. "
            f"'{name}: 3x3'{hint}. Declared: {', '.join(self.symbols)}; constants: "
            f"{', '.join(CONSTANTS)}; functions: {', '.join(FUNCTIONS)}"
        )

    # -- operators
    def read_unary(self, node: ast.UnaryOp) -> object:
        if isinstance(node.op, ast.UAdd):
            return self.read(node.operand)
        if not isinstance(node.op, ast.USub):
            raise self.operator_error(node.col_offset, _OPERATOR_SIGNS[type(node.op)])
        value = self.read(node.operand)
        if isinstance(value, _Identity):
            return _Identity(-value.coefficient)
        return -value

    def read_binary(self, node: ast.BinOp) -> object:
        ops = {ast.Add: self.add, ast.Sub: self.add, ast.Mult: self.multiply,
               ast.Div: self.divide, ast.Pow: self.power}
        if type(node.op) not in ops:
            # The operator's own column: the first character after the left operand and ')'.
            gap = self.text[node.left.end_col_offset:node.right.col_offset]
            at = node.left.end_col_offset + len(gap) - len(gap.lstrip(" )"))
            if isinstance(node.op, ast.BitXor) and re.match(r"\^\s*T\b", self.text[at:]):  # X^T
                raise MdlibError(f"^T ({self.column(at)}): write X.T for the transpose")
            raise self.operator_error(at, _OPERATOR_SIGNS[type(node.op)])
        left, right = self.read(node.left), self.read(node.right)
        return _checked_number(ops[type(node.op)](node, left, right), node, self)

    def add(self, node: ast.BinOp, left: object, right: object) -> object:
        sign = 1 if isinstance(node.op, ast.Add) else -1
        if isinstance(left, _Identity) and isinstance(right, _Identity):
            return _Identity(left.coefficient + sign * right.coefficient)
        # I meeting a number made from 1×1 matrices (exp(x) + 2*I) is the 1×1 identity: 1 (T1)
        if isinstance(left, _Identity) and _one_by_one(right) is not None:
            left = left.coefficient
        if isinstance(right, _Identity) and _one_by_one(left) is not None:
            right = right.coefficient
        left = self.size_identity(left, right, node.left, node, "added to")
        right = self.size_identity(right, left, node.right, node, "added to")
        lm, rm = isinstance(left, MatrixExpr), isinstance(right, MatrixExpr)
        if lm and rm and left.shape != right.shape:
            raise SizeMismatch(f"cannot add {self.describe(node.left, left)} and "
                               f"{self.describe(node.right, right)}: the shapes differ")
        if lm != rm:  # a matrix meets a number: only a 1×1 matrix is a number (T1)
            matrix, side = (left, node.left) if lm else (right, node.right)
            if matrix.shape != (1, 1):
                number_node = node.right if lm else node.left
                number = self.source(number_node)
                atom = isinstance(number_node, (ast.Name, ast.Constant, ast.Call, ast.Attribute))
                factor = number if atom else f"({number})"
                raise SizeMismatch(
                    f"cannot add the number {number} and the matrix {self.describe(side, matrix)}"
                    f"; for a multiple of the identity write {factor}*I")
            left, right = (_number_of(left), right) if lm else (left, _number_of(right))
        return left + right if sign == 1 else left - right

    def size_identity(self, value: object, other: object, at: ast.AST, node: ast.AST,
                      how: str) -> object:
        """Give a pending identity the size of the square matrix ``other`` it is ``how``."""
        if not isinstance(value, _Identity):
            return value
        if not isinstance(other, MatrixExpr):
            raise self.unsized(node)
        rows, cols = other.shape
        if rows != cols:
            raise MdlibError(f"the identity I in {self.source(node)} is {how} a {rows}×{cols} "
                             "matrix, but I is square: the shapes do not fit")
        return value.sized(rows)

    def multiply(self, node: ast.BinOp, left: object, right: object) -> object:
        le, re_ = isinstance(left, _Identity), isinstance(right, _Identity)
        if le or re_:
            eye, other = (left, right) if le else (right, left)
            if isinstance(other, _Identity):
                return _Identity(left.coefficient * right.coefficient)
            if not isinstance(other, MatrixExpr) or other.shape == (1, 1):  # a number times I
                factor = _number_of(other) if isinstance(other, MatrixExpr) else other
                return _Identity(eye.coefficient * factor)
            size = other.shape[0] if le else other.shape[1]
            eye = eye.sized(size)
            left, right = (eye, right) if le else (left, eye)
        if isinstance(left, MatrixExpr) and isinstance(right, MatrixExpr):
            if left.shape[1] != right.shape[0]:
                if left.shape == (1, 1):  # a 1×1 product used as a number (T1)
                    return _number_of(left) * right
                if right.shape == (1, 1):
                    return left * _number_of(right)
                raise SizeMismatch(
                    f"cannot multiply {self.describe(node.left, left)} times "
                    f"{self.describe(node.right, right)}: inner sizes {left.shape[1]} and "
                    f"{right.shape[0]} differ")
        return left * right

    def divide(self, node: ast.BinOp, left: object, right: object) -> object:
        if isinstance(right, _Identity) or (isinstance(right, MatrixExpr)
                                            and right.shape != (1, 1)):
            raise MdlibError(f"cannot divide by the matrix {self.describe(node.right, right)}; "
                             f"multiply by its inverse, inv({self.source(node.right)}), instead")
        if isinstance(right, MatrixExpr):
            right = _number_of(right)
        if _is_zero(right):
            raise MdlibError(f"{self.source(node)} ({self.column(node)}) divides by zero")
        if isinstance(left, _Identity):
            return _Identity(left.coefficient / right)
        return left / right

    def power(self, node: ast.BinOp, base: object, exponent: object) -> object:
        if isinstance(exponent, _Identity) or (isinstance(exponent, MatrixExpr)
                                               and exponent.shape != (1, 1)):
            raise MdlibError(f"{self.source(node)} ({self.column(node)}): the exponent "
                             f"{self.describe(node.right, exponent)} must be a number, not a "
                             "matrix; for e to the power of each entry write exp(M)")
        if isinstance(exponent, MatrixExpr):
            exponent = _number_of(exponent)
        p = _approximate(exponent)
        if p is not None:
            if p.has(sympy.I) or abs(p) > MAX_EXPONENT:
                raise MdlibError(
                    f"the exponent {self.source(node.right)} ({self.column(node.right)}) is outside "
                    f"-{MAX_EXPONENT}…{MAX_EXPONENT}; larger exponents overflow double precision "
                    "easily and exact powers such as 9**9**9 never finish computing, so "
                    "exponents are limited to that range")
        if isinstance(base, _Identity):
            return _Identity(base.coefficient ** exponent)
        if isinstance(base, MatrixExpr) and base.shape == (1, 1):
            base = _number_of(base)  # a 1×1 matrix to a power is a number (T1)
        if isinstance(base, MatrixExpr):
            if base.shape[0] != base.shape[1]:
                raise MdlibError(f"{self.source(node)}: only a square matrix has powers, but "
                                 f"{self.describe(node.left, base)} is not square")
            if not exponent.is_Integer:
                raise MdlibError(f"{self.source(node)}: a power of a matrix needs a whole-number "
                                 f"exponent, not {self.source(node.right)}")
        if (_is_zero(base) or isinstance(base, sympy.ZeroMatrix)) and p is not None and p < 0:
            raise MdlibError(f"{self.source(node)} ({self.column(node)}) divides by zero")
        return base ** exponent

    # -- attributes and calls
    def read_attribute(self, node: ast.Attribute) -> object:
        if node.attr != "T":
            hint = "; for an inverse write inv(M)" if node.attr == "I" else ""
            raise MdlibError(f"{self.source(node)} ({self.column(node)}): only .T (the transpose) "
                             f"may follow a dot{hint}")
        value = self.read(node.value)
        return value.T if isinstance(value, MatrixExpr) else value  # a number is its transpose

    def read_call(self, node: ast.Call) -> object:
        if isinstance(node.func, ast.Attribute):  # X.T(...), f.__globals__(...): never looked up
            self.read_attribute(node.func)
        name = node.func.id if isinstance(node.func, ast.Name) else None
        if name not in FUNCTIONS or name in self.symbols:
            raise self.not_a_function(node, name)
        function = FUNCTIONS[name]
        if node.keywords:
            raise self.refuse(node.keywords[0].value, "a keyword argument (name=...)")
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise self.refuse(arg, "*")
        count = len(node.args)
        if (function.arity is None and count < 2) or (function.arity not in (None, count)):
            wanted = ("2 or more arguments" if function.arity is None else
                      "1 argument" if function.arity == 1 else f"{function.arity} arguments")
            raise MdlibError(f"{name} takes {wanted}, but {self.source(node)} "
                             f"({self.column(node)}) has {count}; write {function.signature(name)}")
        if function.needs == "sizes":  # K(m, n), eye(n): sizes are typed as whole numbers
            return function.build(*self.sizes(node, name))
        args = [self.read(arg) for arg in node.args]
        args = self.check_arguments(node, name, function.needs, args)
        if name in ("inv", "logdet") and isinstance(args[0], sympy.ZeroMatrix):  # X - X, 0*X
            why = "has no inverse" if name == "inv" else "has determinant 0, and log 0 is not defined"
            raise MdlibError(f"{self.source(node)} ({self.column(node)}): "
                             f"{self.source(node.args[0])} is the zero matrix, which {why}")
        value = function.build(*args)
        if isinstance(value, DiagVec) and value.shape[0] > MAX_DENSE:
            raise MdlibError(f"{self.source(node)} ({self.column(node)}) would be "
                             f"{value.shape[0]}×{value.shape[0]}; the limit is {MAX_DENSE} rows, "
                             "as it is computed as a dense matrix")
        return _checked_number(value, node, self)

    def not_a_function(self, node: ast.Call, name: str | None) -> MdlibError:
        called = self.source(node.func)
        if name in self.symbols:
            shadowed = (f"; the function {FUNCTIONS[name].signature(name)} cannot be used while a "
                        f"matrix is called {name}, so rename the matrix") if name in FUNCTIONS else ""
            return MdlibError(f"{name} ({self.column(node)}) is a matrix, not a function: for a "
                              f"product write {name}*(...){shadowed}")
        if name in CONSTANTS:
            return MdlibError(f"{name} ({self.column(node)}) is a constant, not a function")
        if name is None:  # (X)(A): brackets side by side
            factor = called if isinstance(node.func, ast.Attribute) else f"({called})"
            return MdlibError(f"{self.source(node)} ({self.column(node)}): a product needs *, "
                              f"e.g. {factor}*(...)")
        return MdlibError(f"unknown function {called}() ({self.column(node)}); the functions are "
                          f"{', '.join(FUNCTIONS)}")

    def sizes(self, node: ast.Call, name: str) -> list[int]:
        """The whole-number arguments of K(m, n) or eye(n), within the size limits."""
        sizes = []
        for arg in node.args:
            value = arg.value if isinstance(arg, ast.Constant) else None
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_SIZE:
                raise MdlibError(f"{name} takes sizes written as whole numbers from 1 to {MAX_SIZE}, "
                                 f"but {self.source(arg)} ({self.column(arg)}) is not one; write "
                                 f"e.g. {name}({', '.join(['3'] * len(node.args))})")
            sizes.append(value)
        rows = 1
        for value in sizes:
            rows *= value
        if rows > MAX_DENSE:
            raise MdlibError(f"{self.source(node)} ({self.column(node)}) would have {rows} rows; the "
                             f"limit is {MAX_DENSE}, as it is computed as a dense matrix")
        return sizes

    def check_arguments(self, node: ast.Call, name: str, needs: str, args: list) -> list:
        """The kind of argument a function needs, or a message naming what it got."""
        if needs == "matrices":  # kron(A, B): any two matrices, the product not too large
            args = [a if (m := _one_by_one(a)) is None else m for a in args]
            for arg_node, arg in zip(node.args, args, strict=True):
                if isinstance(arg, _Identity):
                    raise MdlibError(f"cannot tell the size of the identity I in {self.source(node)} "
                                     f"({self.column(node)}): write eye(n) for the n×n identity")
                if not isinstance(arg, MatrixExpr):
                    raise MdlibError(f"{name} needs matrices, but {self.source(arg_node)} "
                                     f"({self.column(arg_node)}) is a number: for a number times "
                                     "a matrix write c*M")
            rows = args[0].shape[0] * args[1].shape[0]
            cols = args[0].shape[1] * args[1].shape[1]
            if max(rows, cols) > MAX_DENSE:
                raise MdlibError(f"{self.source(node)} ({self.column(node)}) would be {rows}×{cols}; "
                                 f"the limit is {MAX_DENSE} rows and columns, as it is computed "
                                 "as a dense matrix")
            return args
        if needs == "same shape":
            args = [a if (m := _one_by_one(a)) is None else m for a in args]  # had(exp(x), x), x: 1x1
            shaped = next((a for a in args if isinstance(a, MatrixExpr)), None)
            for arg_node, arg in zip(node.args, args, strict=True):
                if isinstance(arg, _Identity) and shaped is None:
                    raise self.unsized(node)
                if not isinstance(arg, (MatrixExpr, _Identity)):
                    raise MdlibError(f"{name} multiplies matrices entry by entry, but "
                                     f"{self.source(arg_node)} is a number: write "
                                     f"{self.source(arg_node)}*M instead")
            args = [self.size_identity(a, shaped, n, node, "multiplied entrywise with")
                    for a, n in zip(args, node.args, strict=True)]
            for arg_node, arg in zip(node.args[1:], args[1:], strict=True):
                if arg.shape != args[0].shape:
                    raise SizeMismatch(f"{name} needs matrices of the same shape, but "
                                       f"{self.describe(node.args[0], args[0])} and "
                                       f"{self.describe(arg_node, arg)} differ")
            return args
        (arg,), (arg_node,) = args, node.args
        if isinstance(arg, _Identity):
            raise self.unsized(node)
        if needs == "any":
            return args
        if not isinstance(arg, MatrixExpr):
            matrix = _one_by_one(arg)  # exp(x), x**2, x + 2 for a 1×1 x: a 1×1 matrix (T1)
            if matrix is not None:
                return [arg if name == "sum" else matrix]  # sum(exp(x)): its one entry
            raise MdlibError(f"{name} needs a {'' if needs == 'matrix' else 'square '}matrix, "
                             f"but {self.source(arg_node)} ({self.column(arg_node)}) is a number: "
                             f"{FUNCTIONS[name].on_a_number}")
        if needs == "square" and arg.shape[0] != arg.shape[1]:
            raise SizeMismatch(f"{name} needs a square matrix, but {self.describe(arg_node, arg)} "
                               "is not square")
        return args


def _is_zero(value: object) -> bool:
    # Structural only: sympy's assumption queries can take seconds on odd numeric expressions.
    return (isinstance(value, sympy.Expr) and not isinstance(value, MatrixExpr)
            and value.is_number and value == 0)


def _approximate(value: object) -> sympy.Expr | None:
    """A plain number's value with 15 digits and an unbounded exponent, else None.

    Evaluated numbers only (floats, possibly times I), so comparing them stays cheap.
    """
    if isinstance(value, MatrixExpr) or not (isinstance(value, sympy.Expr) and value.is_number):
        return None
    n = value.evalf(15)
    if n.atoms(sympy.Function) or n.free_symbols:
        return None
    return n


def _one_by_one(value: object) -> MatrixExpr | None:
    """The 1×1 matrix that a number built from 1×1 matrices is (T1 read backwards), else None.

    The reader's ``exp(x)``, ``x**2`` or ``x + 2`` for a 1×1 ``x`` are read as numbers, because
    a number is what they meet most often; where a matrix is needed (tr, det, logdet, inv, had)
    they are that 1×1 matrix again, built from the same parts so the derivation reads as typed:
    ``exp(AsScalar(x))`` → ``exp`` entry by entry of ``x``, ``AsScalar(x)**2`` → ``x**2``,
    ``AsScalar(x) + 2`` → ``x + 2 I``. A number without a 1×1 matrix in it (``2``, ``tr(X)``)
    gives None: it is a number only, and tr(2) or inv(tr(X)) is refused with a hint.

    >>> x = sympy.MatrixSymbol("x", 1, 1)
    >>> _one_by_one(AsScalar(x)**2 + 2)
    2*I + x**2
    >>> _one_by_one(sympy.exp(AsScalar(x))).shape, _one_by_one(sympy.Integer(2))
    ((1, 1), None)
    """
    if not (isinstance(value, sympy.Expr) and not isinstance(value, MatrixExpr)
            and value.has(AsScalar)):
        return None
    if isinstance(value, AsScalar):
        return value.args[0]
    one = sympy.Identity(1)
    if isinstance(value, (sympy.Add, sympy.Mul)):
        parts = [(_one_by_one(arg), arg) for arg in value.args]
        if all(matrix is None for matrix, _arg in parts):
            return None  # e.g. 2*tr(X*AsScalar(x)): a trace, a number only
        if isinstance(value, sympy.Add):  # numbers and other scalars are multiples of I
            return functools.reduce(operator.add, (arg * one if m is None else m for m, arg in parts))
        factor = sympy.Mul(*(arg for m, arg in parts if m is None))
        return factor * functools.reduce(operator.mul, (m for m, _arg in parts if m is not None))
    if isinstance(value, sympy.Pow):
        base, exponent = value.args
        matrix = _one_by_one(base)
        if matrix is not None and not exponent.free_symbols and not exponent.has(AsScalar):
            # a whole power is a matrix power (x**-1 the inverse); any other, entry by entry
            return matrix ** exponent if exponent.is_Integer else sympy.HadamardPower(matrix,
                                                                                     exponent)
        matrix = _one_by_one(exponent)
        if matrix is not None and not base.free_symbols and not base.has(AsScalar):  # 2**x
            t = sympy.Dummy("t")
            return matrix.applyfunc(sympy.Lambda(t, base ** t))
    elif value.func in SCALAR_FUNCTIONS and len(value.args) == 1:  # exp(x): entry by entry
        matrix = _one_by_one(value.args[0])
        if matrix is not None:
            return matrix.applyfunc(value.func)
    # any other number with a 1×1 matrix in its arguments (x**x): that number times the 1×1 I
    return value * one if any(_one_by_one(arg) is not None for arg in value.args) else None


_NOT_FINITE = (sympy.zoo, sympy.oo, -sympy.oo, sympy.nan)


def _checked_number(value: object, node: ast.AST, reader: _Reader) -> object:
    """A number built from the reader's numbers must be finite, real and within double range."""
    n = _approximate(value)  # arbitrary precision: a huge number does not overflow here
    if n is None:
        return value
    where = f"{reader.source(node)} ({reader.column(node)})"
    if value.has(*_NOT_FINITE) or n.has(*_NOT_FINITE):
        raise MdlibError(f"{where} is not a finite number")
    real, imaginary = n.as_real_imag()
    if imaginary != 0:
        raise MdlibError(f"{where} is an imaginary number; the course's expressions are real")
    if abs(real) > MAX_NUMBER:
        raise MdlibError(f"{where} is larger than 10^300; double precision overflows near "
                         "1.8e308, so numbers are limited to 10^300")
    return value


_BLANKS = str.maketrans("\t\n\r", "   ")


def _check_text(text: str) -> None:
    """Length, characters and bracket depth, before Python's parser sees the text."""
    if len(text) > MAX_LENGTH:
        raise MdlibError(f"the expression is {len(text)} characters long; the limit is "
                         f"{MAX_LENGTH}, far beyond any formula in the course")
    depth = 0
    for column, char in enumerate(text, start=1):
        if not (" " <= char <= "~" or char in "\t\n\r"):
            hint = _CHARACTER_HINTS.get(char, "expressions use plain ASCII letters, digits, "
                                              "+ - * / ( ) . and ,")
            raise MdlibError(f"the character {char!r} (column {column}) cannot be used: {hint}")
        depth += (char in "([{") - (char in ")]}")
        if depth > MAX_BRACKETS:
            raise MdlibError(f"brackets are nested more than {MAX_BRACKETS} deep (column "
                             f"{column}); no formula needs more, and the limit keeps reading "
                             "within Python's recursion limit")


def _syntax_message(text: str, err: SyntaxError, lead: int) -> str:
    """The course's hint for a slip Python's parser refuses, first; its own words only as a last
    resort. Columns count from 1 in the text as typed (``lead`` blanks were stripped)."""
    def at(index: int) -> int:
        return index + lead + 1

    quote = re.search(r"['\"]", text)
    if quote:  # X' for a transpose, as printed formulas write it
        return (f"write X.T for a transpose: the quote {quote.group()} (column "
                f"{at(quote.start())}) is not part of the expression language")
    stack: list[int] = []
    for i, char in enumerate(text):
        if char in "([{":
            stack.append(i)
        elif char in ")]}":
            if not stack:
                return f"this {char!r} (column {at(i)}) closes nothing: remove it or add its '('"
            opened = text[stack.pop()]
            if "([{".index(opened) != ")]}".index(char):
                return (f"this {char!r} (column {at(i)}) does not match the {opened!r} it closes: "
                        f"write {')]}'['([{'.index(opened)]!r}")
    if stack:
        opened = text[stack[-1]]
        return (f"this {opened!r} (column {at(stack[-1])}) is never closed: add a "
                f"{')]}'['([{'.index(opened)]!r}")
    bar = text.find("|")
    if bar >= 0:  # |X| for a determinant
        return (f"write det(X) for a determinant (or logdet(X) for log|det X|): the bar | (column "
                f"{at(bar)}) is not part of the expression language")
    glued = re.search(r"(?<![\w.])(\d+(?:\.\d*)?(?:[eE][+-]?\d+)?)([A-Za-z_]\w*)", text)
    if glued and not re.fullmatch(r"[eE][+-]?\d*", glued.group(2)):  # 2X, 2tr(X)
        number, name = glued.groups()
        return (f"write {number}*{name} for {number}{name}: a number before a name needs * "
                f"(column {at(glued.start())})")
    side = re.search(r"([\w.)]+)\s+([A-Za-z_(\d]\w*)", text)
    if side and not keyword.iskeyword(side.group(2)):  # X.T dX, tr X, 2 X
        left, right = side.groups()
        if left in FUNCTIONS:
            return (f"write {left}({right}): a function takes its argument in brackets (column "
                    f"{at(side.start())})")
        return (f"write {left}*{right} for '{left} {right}': a product needs * between its "
                f"factors (column {at(side.start(2))})")
    touching = re.search(r"\)\s*([A-Za-z_]\w*)", text)
    if touching:  # tr(X)tr(X)
        return (f"write * before {touching.group(1)} (column {at(touching.start(1))}): a product "
                "needs * between its factors")
    equals = re.search(r"(?<![=!<>])=(?!=)", text)
    if equals:  # df = ... = ... on one line
        return (f"write only the right-hand side, without = (column {at(equals.start())}): one "
                "expression per line")
    gap = re.search(r"(\*\*|(?<!\*)\*(?!\*)|[-+/(,])\s*(?=[)/,]|\*|$)", text)
    if gap:  # tr(X) +, tr(X*), f(,X)
        return (f"something is missing after {gap.group(1)} (column {at(gap.start())}): an "
                "operator, a bracket or a comma needs something to follow it")
    dot = re.search(r"(?<!\d)\.(?!T\b|\d)", text)
    if dot:  # X.T. or X..T
        return f"only .T (the transpose) may follow a dot (column {at(dot.start())})"
    return (f"check the brackets and operators near column {(err.offset or 1) + lead} (Python's "
            f"parser says: {err.msg})")


def _syntax_tree(text: str, lead: int) -> ast.Expression:
    try:
        with warnings.catch_warnings():  # e.g. "invalid decimal literal": the error says it
            warnings.simplefilter("ignore")
            tree = ast.parse(text, mode="eval")
    except SyntaxError as err:
        words = [w for w in re.findall(r"[A-Za-z_]\w*", text) if keyword.iskeyword(w)]
        if words:
            raise MdlibError(f"{words[0]!r} is a Python keyword and not part of the expression "
                             f"language; it knows {_LANGUAGE}") from None
        raise MdlibError(_syntax_message(text, err, lead)) from None
    except (MemoryError, RecursionError, ValueError):
        raise MdlibError("the expression is too complex to read; write it in a simpler "
                         "form") from None
    stack = [(tree, 0)]
    while stack:  # iterative, so a deep tree cannot exhaust the stack while it is measured
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise MdlibError(f"the expression nests more than {MAX_DEPTH} operations inside one "
                             "another; the limit keeps reading and differentiating within "
                             "Python's recursion limit, so split it into shorter parts")
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return tree


def parse_expression(text: str, shapes: str) -> tuple[sympy.Basic, dict[str, sympy.MatrixSymbol]]:
    """Read ``text`` with the matrices declared in ``shapes``; a clear error for anything else.

    >>> parse_expression("X.foo", "X: 2x2")
    Traceback (most recent call last):
    mdlib.errors.MdlibError: X.foo (column 1): only .T (the transpose) may follow a dot
    """
    symbols = parse_shapes(shapes)
    _check_text(text)
    text = text.translate(_BLANKS)  # one line, so a column is a position in the text
    lead = len(text) - len(text.lstrip())  # Python refuses leading blanks; columns keep them
    text = text.strip()
    if not text:
        raise MdlibError("type an expression, e.g. tr(X.T*A*X)")
    tree = _syntax_tree(text, lead)
    reader = _Reader(text, symbols, lead)
    expr = reader.read(tree.body)
    if isinstance(expr, _Identity):
        raise reader.unsized(tree.body)
    return expr, symbols

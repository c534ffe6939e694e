"""The sympy building blocks the engine adds: σ, scalar-of-1×1, and unevaluated differentials.

* :class:`Sigmoid` is the logistic function as a sympy function; :func:`sigmoid` applies it
  elementwise to a matrix (or to a scalar).
* :class:`AsScalar` marks a 1×1 matrix used as a number (curriculum T1: a scalar is its own
  trace); it prints as the matrix itself.
* :class:`DiffMatrix` / :class:`DiffScalar` are ``d(F)`` not yet expanded, so a derivation can
  show one rule application per line.

>>> import sympy
>>> W = sympy.MatrixSymbol("W", 2, 3)
>>> sigmoid(W).shape
(2, 3)
>>> sympy.diff(Sigmoid(sympy.Symbol("t")), sympy.Symbol("t"))
(1 - Sigmoid(t))*Sigmoid(t)
"""

from __future__ import annotations

import sympy
from sympy.matrices.expressions import MatMul, MatrixExpr
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

#: What sympy's automatic simplification raises when its rules for numbers open a matrix held
#: inside a scalar (a trace, a determinant, a 1×1 product) and rebuild it wrongly.
SYMPY_SLIPS = (TypeError, NotImplementedError, AttributeError, KeyError, IndexError)


def built(build, *args):
    """``build(*args)``; where sympy's automatic simplification fails on it, the same
    expression left unsimplified (the mathematics is the same, only not rewritten).

    >>> X = sympy.MatrixSymbol("X", 2, 2)
    >>> built(sympy.Add, sympy.Trace(X), 1)
    Trace(X) + 1
    """
    try:
        return build(*args)
    except SYMPY_SLIPS:
        with sympy.evaluate(False):
            return build(*args)


class Sigmoid(sympy.Function):
    """The logistic function σ(t) = 1 / (1 + e^{-t}); σ' = σ (1 − σ)."""

    nargs = 1

    def fdiff(self, argindex: int = 1) -> sympy.Expr:
        s = Sigmoid(self.args[0])
        return s * (1 - s)

    def _eval_rewrite_as_exp(self, arg: sympy.Expr, **kwargs) -> sympy.Expr:
        return 1 / (1 + sympy.exp(-arg))


class _EntrywiseOneByOne(ElementwiseApplyFunction):
    """f entry by entry of a 1×1 matrix, kept as an entrywise application (see
    :func:`elementwise`); every pass treats it as the ElementwiseApplyFunction it is."""

    def __new__(cls, function: sympy.Basic, expr: sympy.Basic) -> _EntrywiseOneByOne:
        if not isinstance(function, sympy.Lambda):
            d = sympy.Dummy("d")
            function = sympy.Lambda(d, function(d))
        return MatrixExpr.__new__(cls, function, expr)

    def doit(self, **hints) -> MatrixExpr:  # sympy's would rebuild it with its own class
        expr = self.expr.doit(**hints) if hints.get("deep", True) else self.expr
        return expr if self.function.is_identity else self.func(self.function, expr)


def elementwise(function: sympy.Basic, expr: MatrixExpr) -> MatrixExpr:
    """``function`` applied entry by entry to the matrix ``expr`` (sympy's ``applyfunc``).

    For a 1×1 ``expr`` sympy's own class applies the scalar function to the matrix itself,
    which fails inside sympy for some functions (the derivative of atan, a square root);
    here it stays an entrywise application whatever the size.

    >>> a, x = sympy.MatrixSymbol("a", 2, 1), sympy.MatrixSymbol("x", 2, 1)
    >>> t = sympy.Symbol("t")
    >>> e = elementwise(sympy.Lambda(t, 1 / (1 + t**2)), a.T * x)
    >>> isinstance(e, ElementwiseApplyFunction), e.shape
    (True, (1, 1))
    """
    if tuple(expr.shape) == (1, 1):
        return _EntrywiseOneByOne(function, expr)
    return ElementwiseApplyFunction(function, expr)


def sigmoid(arg: object) -> object:
    """σ applied elementwise to a matrix expression (a scalar for a scalar or 1×1 argument).

    >>> X = sympy.MatrixSymbol("X", 3, 1)
    >>> type(sigmoid(X)).__name__
    'ElementwiseApplyFunction'
    """
    if isinstance(arg, MatrixExpr):
        if arg.shape == (1, 1):
            return Sigmoid(AsScalar(arg))
        return ElementwiseApplyFunction(Sigmoid, arg)
    return Sigmoid(arg)


class AsScalar(sympy.Function):
    """A 1×1 matrix expression used as a scalar (T1); printed as the matrix itself."""

    nargs = 1
    is_commutative = True
    is_real = True

    # sympy's scalar simplifications (|s| while powering, signsimp, real and imaginary parts)
    # would open the matrix product inside and rebuild it with scalar rules, which fails
    # ("noncommutative scalars in MatMul"): the number is real and stays one unit.
    def as_real_imag(self, deep: bool = True, **hints) -> tuple[sympy.Expr, sympy.Expr]:
        """(s, 0): a real number, without looking inside the 1×1 matrix.

        >>> a, x = sympy.MatrixSymbol("a", 2, 1), sympy.MatrixSymbol("x", 2, 1)
        >>> sympy.sqrt(sympy.exp(AsScalar(a.T * (x - a)))).has(AsScalar)
        True
        """
        return self, sympy.S.Zero

    def _eval_Abs(self) -> sympy.Expr:
        return sympy.Abs(self, evaluate=False)

    @classmethod
    def eval(cls, arg: sympy.Basic) -> sympy.Basic | None:
        """Unwrap a product of one product, ``MatMul(MatMul(a.T, B, a))``.

        sympy's ``powsimp(deep=True)`` (run by ``simplify``, which ``sympy.latex`` calls on some
        exponents) leaves that wrapping inside a function; ``exptrigsimp`` then reads the outer
        product as one factor and raises *a.T is not square*. Unwrapped, both leave it alone.

        >>> a, B = sympy.MatrixSymbol("a", 2, 1), sympy.MatrixSymbol("B", 2, 2)
        >>> AsScalar(sympy.MatMul(a.T * B * a)).args[0] == a.T * B * a
        True
        >>> sympy.latex(sympy.exp(-2 * sympy.exp(AsScalar(a.T * B * a)))).startswith("e^{- 2 e")
        True
        """
        if isinstance(arg, MatMul) and len(arg.args) == 1 and isinstance(arg.args[0], MatMul):
            return cls(arg.args[0])
        return None


class LogDet(sympy.log):
    """``log|F|`` as one node (the canonical form of ``log(Det(F))``, rule M6's log-det form).

    It is a ``log`` of a ``Determinant``, so it prints, evaluates and compares as one; its own
    type lets every pass find its rule by type instead of by the order of checks.

    >>> X = sympy.MatrixSymbol("X", 2, 2)
    >>> e = LogDet(sympy.Determinant(X))
    >>> isinstance(e, sympy.log), e.args[0] == sympy.Determinant(X)
    (True, True)
    """

    @property
    def matrix(self) -> sympy.Basic:
        """F in log|F|."""
        return self.args[0].arg

    # log|det F| is real for every invertible F (the engine evaluates it with slogdet). Saying
    # so keeps sympy's assumption queries (tanh(log|F|).is_real, asked when a gradient is
    # printed, negated or transposed) from splitting log into real and imaginary parts: that
    # split factors the terms *inside* det, and a factor like the 2 of 2*I + XᵀX would then
    # build a sum of matrices and numbers ("Mix of Matrix and Scalar symbols").
    def _eval_is_extended_real(self) -> bool:
        return True

    def as_real_imag(self, deep: bool = True, **hints) -> tuple[sympy.Expr, sympy.Expr]:
        """(log|F|, 0): real and imaginary part without looking inside F.

        >>> X = sympy.MatrixSymbol("X", 2, 2)
        >>> F = 2 * sympy.Identity(2) + X.T * X
        >>> LogDet(sympy.Determinant(F)).as_real_imag()[1]
        0
        >>> sympy.tanh(LogDet(sympy.Determinant(F))).is_extended_real
        True
        """
        return self, sympy.S.Zero

    def doit(self, **hints) -> LogDet:
        """log|F| stays one node: sympy's ``det(A B) = det A det B`` would leave a log of a
        product, which no longer says |·| and which the log-det rule does not read.

        >>> A, B = sympy.MatrixSymbol("A", 2, 2), sympy.MatrixSymbol("B", 2, 2)
        >>> e = LogDet(sympy.Determinant(A * B)).doit()
        >>> isinstance(e, LogDet), e.matrix == A * B
        (True, True)
        """
        F = self.matrix.doit(**hints) if hints.get("deep", True) else self.matrix
        return LogDet(sympy.Determinant(F))


# sympy orders the terms of a sum by class name: under its own name, log|F| would move within
# the sums readers see (d(log|Σ|) + d(tr(…)) instead of the order they had), so it keeps
# log's name. Its type still tells the passes apart.
LogDet.__name__ = "log"


class DiffScalar(sympy.Function):
    """``d(s)`` for a scalar expression ``s`` that is not expanded yet."""

    nargs = 1
    is_commutative = True


class DiffMatrix(MatrixExpr):
    """``d(F)`` for a matrix expression ``F`` that is not expanded yet."""

    def __new__(cls, arg: MatrixExpr) -> DiffMatrix:
        return sympy.Basic.__new__(cls, arg)

    @property
    def shape(self) -> tuple:
        return self.args[0].shape

    def doit(self, **hints) -> DiffMatrix:  # sympy's canonicalisation must not look inside
        return self


#: A character the parser refuses in names: internal placeholders (dX, G_Y) carry it, so they
#: can never equal a matrix the reader declared, such as one named ``dX``.
PLACEHOLDER_MARK = "·"


def placeholder(display: str, rows: object, cols: object, *avoid: sympy.Basic) -> sympy.MatrixSymbol:
    """An internal matrix that prints as ``display`` but cannot clash with a reader's name.

    A prime is added to the printed name while it equals the name of a matrix in ``avoid``.

    >>> dX, X = placeholder("dX", 3, 3), sympy.MatrixSymbol("dX", 3, 3)
    >>> dX == X, display_name(dX), display_name(placeholder("dX", 3, 3, X.T))
    (False, 'dX', "dX'")
    """
    taken = {str(m.name) for e in avoid for m in e.atoms(sympy.MatrixSymbol)}
    while display in taken:
        display += "'"
    return sympy.MatrixSymbol(display + PLACEHOLDER_MARK, rows, cols)


def display_name(symbol: sympy.Basic) -> str:
    """The name a reader sees (placeholders without their mark)."""
    return str(symbol.name).replace(PLACEHOLDER_MARK, "")


def is_matrix(expr: object) -> bool:
    """True for sympy matrix expressions."""
    return isinstance(expr, MatrixExpr)


def differential_of(expr: sympy.Basic) -> sympy.Basic:
    """The unexpanded ``d(expr)`` node of the right kind (matrix or scalar)."""
    return DiffMatrix(expr) if is_matrix(expr) else DiffScalar(expr)


def depends_on(expr: sympy.Basic, X: sympy.MatrixSymbol) -> bool:
    """True when ``X`` occurs in ``expr`` (a dimension symbol named like ``X`` does not count).

    >>> X, A = sympy.MatrixSymbol("X", 2, 2), sympy.MatrixSymbol("A", 2, 2)
    >>> depends_on(sympy.Trace(A * X), X), depends_on(A.T, X)
    (True, False)
    """
    return expr == X or any(
        depends_on(arg, X) for arg in expr.args if isinstance(arg, sympy.Basic)
    )


# -- the nodes of second order (vec, K, diag(vec ·)); their rules are rows of ops.py ----------
# The course's printers (printing, vectorize) print these nodes through their rows in ops.py;
# sympy's own str() and latex() (error messages, a bare repr) get the short forms below, so
# this module needs no printer and nothing here imports upward.

def shape_of(expr: sympy.Basic) -> tuple:
    """The shape of a matrix expression; (1, 1) for a scalar."""
    return tuple(expr.shape) if isinstance(expr, MatrixExpr) else (1, 1)


class Vec(MatrixExpr):
    """``vec A``: the columns of A stacked (a scalar is its own vec, 1×1)."""

    def __new__(cls, arg: sympy.Basic) -> Vec:
        return sympy.Basic.__new__(cls, arg)

    @property
    def arg(self) -> sympy.Basic:
        return self.args[0]

    @property
    def shape(self) -> tuple:
        rows, cols = shape_of(self.arg)
        return (rows * cols, sympy.S.One)

    def doit(self, **hints) -> Vec:  # keep it unevaluated: it is a line of the derivation
        return self

    def _latex(self, printer) -> str:
        return rf"\mathrm{{vec}}\left({printer._print(self.arg)}\right)"

    def _sympystr(self, printer) -> str:
        return f"vec({printer._print(self.arg)})"


class CommutationMatrix(MatrixExpr):
    """K_mn, the mn×mn permutation with vec(Aᵀ) = K_mn vec A for A m×n (H1, H2)."""

    def __new__(cls, m: object, n: object) -> CommutationMatrix:
        return sympy.Basic.__new__(cls, sympy.sympify(m, strict=True), sympy.sympify(n, strict=True))

    @property
    def shape(self) -> tuple:
        m, n = self.args
        return (m * n, m * n)

    def _eval_transpose(self) -> CommutationMatrix:
        m, n = self.args
        return CommutationMatrix(n, m)

    def doit(self, **hints) -> CommutationMatrix:
        return self

    def _latex(self, printer) -> str:
        m, n = self.args
        return f"K_{{{m},{n}}}"

    def _sympystr(self, printer) -> str:
        m, n = self.args
        return f"K_{m},{n}"


class DiagVec(MatrixExpr):
    """diag(vec A): the square matrix with the entries of vec A on its diagonal."""

    def __new__(cls, arg: MatrixExpr) -> DiagVec:
        return sympy.Basic.__new__(cls, arg)

    @property
    def arg(self) -> MatrixExpr:
        return self.args[0]

    @property
    def shape(self) -> tuple:
        rows, cols = self.arg.shape
        return (rows * cols, rows * cols)

    def _eval_transpose(self) -> DiagVec:
        return self

    def doit(self, **hints) -> DiagVec:
        return self

    def _latex(self, printer) -> str:
        return rf"\mathrm{{diag}}\left(\mathrm{{vec}}\left({printer._print(self.arg)}\right)\right)"

    def _sympystr(self, printer) -> str:
        return f"diag(vec({printer._print(self.arg)}))"

"""The derivation functions a reader calls: typed text or sympy objects in, verified derivations out.

Every function takes its expressions either as **typed text**, read by the course's whitelist
parser (:mod:`mdlib.parse`, never evaluated), with the matrices declared in ``shapes`` as text,
or as **sympy objects**; the variable is a name declared in ``shapes`` or a ``MatrixSymbol``.
Any mix works: a sympy expression next to text shapes has its matrices sized by the
declarations, a ``MatrixSymbol`` next to text is the declared matrix of that name. What
cannot work (text without text shapes, a name that is not declared, sizes that disagree) is an
:class:`~mdlib.MdlibError` that says what to pass. The engine itself (:mod:`mdlib.engine`)
takes sympy objects only; this module is the one place where text becomes sympy.

>>> d = derive("tr(X.T*A*X)", "X", shapes="X: 3x3, A: 3x3")
>>> d.gradient
A*X + A.T*X
>>> H = hessian("tr(X.T*A*X)", "X", shapes="X: 3x3, A: 3x3")
>>> H.text
'I_3 ⊗ (A^T + A)'
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TypeVar

import sympy
from sympy.matrices.expressions import MatrixSymbol

from .engine import chain as engine_chain
from .engine import derive as engine_derive
from .engine.derivation import MatrixDerivation
from .engine.nodes import SYMPY_SLIPS, AsScalar
from .engine.second_order import HessianDerivation, JacobianDerivation
from .engine.second_order import hessian as engine_hessian
from .engine.second_order import jacobian as engine_jacobian
from .engine.second_order import jacobian_chain as engine_jacobian_chain
from .errors import MdlibError
from .i18n import N_, _
from .parse import parse_expression, parse_shapes

__all__ = ["chain", "derive", "hessian", "jacobian", "jacobian_chain"]

_Result = TypeVar("_Result")

# What sympy raises from inside its own algebra when a form defeats it (none is expected:
# each one found is a bug to fix, and tests/test_fuzz*.py count these refusals by their words)
_INTERNAL = (TypeError, AttributeError, NotImplementedError, KeyError, IndexError,
             RecursionError, ZeroDivisionError, ValueError)


def _in_a_sentence(function: Callable[..., _Result]) -> Callable[..., _Result]:
    """Never a raw traceback in a reader's notebook: an internal failure becomes a sentence."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs) -> _Result:
        try:
            result = function(*args, **kwargs)
            _printable(result)
            return result
        except MdlibError:
            raise
        except _INTERNAL as err:
            raise MdlibError(_("mdlib.{function} met an internal error of the engine ({kind}) on "
                               "this expression; please write it another way (e.g. with the "
                               "numbers multiplied out) and report it").format(
                                   function=function.__name__, kind=type(err).__name__)) from err

    return wrapper


def _printable(result: object) -> None:
    """A gradient must survive sympy's own printing (``str(d.gradient)``, which rebuilds its
    parts with sympy's algebra of numbers); for a trace or determinant of a sum with numbers,
    deep inside functions of functions, that algebra fails, so say so. (Jacobians and
    Hessians are read as ``.text``, printed by the engine; sympy's printing of those large
    Kronecker forms would cost more than the derivation.)"""
    formula = getattr(result, "gradient", None)
    if isinstance(result, MatrixDerivation) and formula is not None and _at_risk(formula):
        try:
            str(formula)
        except SYMPY_SLIPS:
            raise MdlibError(_(
                "the symbolic algebra cannot simplify the result: it holds the trace or "
                "determinant of a sum with numbers (such as tr(inv(2*I + X/4))) inside a function "
                "of a function; declare that sum as a matrix of its own (B: 3x3 for 2*I + X/4) "
                "or write the functions apart")) from None


def _at_risk(formula: sympy.Basic) -> bool:
    """A function (exp, log, tanh …) of something holding a trace, determinant or 1×1 product
    of a sum: the only forms sympy's printing has been seen to fail on (the check of them,
    a print, costs more than the derivation of a long gradient, so only these are checked)."""
    holders = (sympy.Trace, sympy.Determinant, AsScalar)
    stack = [(formula, False)]  # (node, inside a function)
    while stack:
        node, inside = stack.pop()
        if inside and isinstance(node, holders) and node.args[0].has(sympy.MatAdd):
            return True
        inside = inside or (isinstance(node, sympy.Function) and not isinstance(node, holders))
        stack.extend((arg, inside) for arg in node.args if isinstance(arg, sympy.Basic))
    return False


#: Where a matrix was declared, when it was declared in the text shapes (a message id).
_SHAPES = N_("the shapes")


@dataclass
class _Inputs:
    """What ``shapes`` declares, and how each argument is read with it."""

    text: str | None = None  # the declarations, when given as text
    declared: dict[str, MatrixSymbol] = field(default_factory=dict)
    sizes: dict | None = None  # sizes of sympy's symbolic shapes, when given as a dict

    @classmethod
    def of(cls, shapes: object) -> _Inputs:
        if shapes is None:
            return cls()
        if isinstance(shapes, str):
            return cls(shapes, parse_shapes(shapes))
        if isinstance(shapes, dict):
            return cls(sizes=shapes)
        raise MdlibError(_('shapes must be text such as "X: 3x3, a: 3" (declaring the matrices '
                           "of typed text) or a dict of sizes such as {{'n': 3}} for sympy's "
                           "symbolic shapes, not {type}").format(type=type(shapes).__name__))

    def expression(self, value: object, what: str) -> sympy.Expr:
        """Typed text through the parser; a sympy expression as it is (see :meth:`unify`)."""
        if isinstance(value, str):
            if self.text is None:
                raise MdlibError(_("{what} is text, so declare its matrices as text too, e.g. "
                                   'shapes="X: 3x3, a: 3x1"; the text is then read by the '
                                   "course's parser").format(what=what))
            return parse_expression(value, self.text)[0]
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return sympy.sympify(value, strict=True)
        if isinstance(value, type) or not isinstance(value, sympy.Expr):
            raise MdlibError(_('{what} must be typed text such as "tr(X.T*A*X)" (with '
                               'shapes="X: 3x3, A: 3x3") or a sympy expression, not {type}')
                             .format(what=what, type=type(value).__name__))
        return value

    def variable(self, X: object, what: str = "X") -> MatrixSymbol:
        """The matrix to differentiate by: a name declared in text shapes, or a MatrixSymbol."""
        if isinstance(X, str):
            if self.text is None:
                raise MdlibError(_('{what} = {name} is a name, so declare the matrices as text, '
                                   'e.g. shapes="{X}: 3x3", or pass the MatrixSymbol itself')
                                 .format(what=what, name=repr(X), X=X))
            if X not in self.declared:
                raise MdlibError(_("{what} = {name} is not declared in the shapes {shapes}").format(
                    what=what, name=repr(X), shapes=repr(self.text)))
            return self.declared[X]
        if isinstance(X, MatrixSymbol):
            return X
        raise MdlibError(_("differentiate by a matrix: {what} must be a MatrixSymbol (e.g. "
                           "sympy.MatrixSymbol('{what}', 3, 3)) or its name declared in the "
                           'shapes (e.g. "{what}", shapes="{what}: 3x3"), not {type}').format(
                               what=what, type=type(X).__name__))

    def unify(self, **inputs: sympy.Basic | None) -> list:
        """The inputs with one matrix per name: the one declared in text, else the one with
        numeric sizes (``X`` of size n×n next to a 3×3 ``X`` is that X); sizes that disagree
        are an error naming both."""
        chosen: dict[str, tuple[MatrixSymbol, str]] = {
            name: (M, _SHAPES) for name, M in self.declared.items()}
        for what, value in inputs.items():
            # in order of name: when two matrices clash, the same one is named every run
            # (a set of sympy symbols iterates in an order that changes with the process)
            atoms = () if value is None else sorted(value.atoms(MatrixSymbol),
                                                  key=lambda M: (str(M.name), str(M.shape)))
            for M in atoms:
                name = str(M.name)
                other, where = chosen.get(name, (M, what))
                clash = [(d, e) for d, e in zip(M.shape, other.shape, strict=True)
                         if d.is_Integer and e.is_Integer and d != e]
                if clash:
                    raise MdlibError(_("{name} is {rows}×{cols} in {what} but {other_rows}×"
                                       "{other_cols} in {where}; make the sizes agree (or leave "
                                       "out one of the two)").format(
                        name=name, rows=M.shape[0], cols=M.shape[1], what=what,
                        other_rows=other.shape[0], other_cols=other.shape[1],
                        where=_(where) if where == _SHAPES else where))
                numeric = sum(d.is_Integer for d in M.shape) > sum(d.is_Integer for d in other.shape)
                if name not in chosen or (numeric and where != _SHAPES):
                    chosen[name] = (M, what)
        out = []
        for value in inputs.values():
            swap = {} if value is None else {M: chosen[str(M.name)][0]
                                             for M in value.atoms(MatrixSymbol)
                                             if chosen[str(M.name)][0] != M}
            out.append(value.xreplace(swap) if swap else value)  # rebuilt only if changed
        return out

    def given(self, given: tuple | None) -> tuple | None:
        """``given = (latex, text, reason, expression)``: the expression may be typed too."""
        if given is None or len(given) != 4:
            return given
        return (*given[:3], self.expression(given[3], _("the given expression")))


@_in_a_sentence
def derive(f: object, X: MatrixSymbol | str, shapes: dict | str | None = None,
           verify: bool = True, seed: int = 0, symmetric: Iterable[str] = (),
           given: tuple | None = None) -> MatrixDerivation:
    """∂f/∂X of a scalar f by the differential-and-trace method, narrated and verified.

    ``f`` is typed text with ``shapes`` declaring its matrices as text (``"X: 3x3, a: 3"``, a
    single number is a column), and ``X`` a declared name; or sympy objects (``shapes`` then
    gives sizes for symbolic shapes, ``{"n": 4}``). ``symmetric`` names matrices known to be
    symmetric; ``given = (latex, text, reason, expression)`` shows f as first written and why
    it equals ``f`` (the expression, text or sympy, is checked at random data). The gradient
    is ``.gradient``; ``.numeric(X=…, a=…)`` evaluates it at numbers.

    >>> import numpy as np
    >>> d = derive("a.T*X*b", "X", "X: 2x2, a: 2, b: 2")
    >>> print(d.gradient)
    a*b.T
    >>> d.numeric(X=np.eye(2), a=[1, 2], b=[3, 4])
    array([[3., 4.],
           [6., 8.]])
    """
    read = _Inputs.of(shapes)
    given = read.given(given)
    f, X, expression = read.unify(f=read.expression(f, "f"), X=read.variable(X),
                                  given=given[3] if given and len(given) == 4 else None)
    if expression is not None:
        given = (*given[:3], expression)
    return engine_derive(f, X, read.sizes, verify, seed, symmetric, given)


@_in_a_sentence
def chain(grad_Y: object, Y: MatrixSymbol | str, Y_of_X: object, X: MatrixSymbol | str,
          f: object | None = None, shapes: dict | str | None = None, verify: bool = True,
          seed: int = 0, symmetric: Iterable[str] = ()) -> MatrixDerivation:
    """∂f/∂X from ∂f/∂Y = ``grad_Y`` and ``Y = Y_of_X`` (C1, C2), narrated and verified.

    Expressions are typed text (with text ``shapes``) or sympy objects, as for :func:`derive`;
    with ``f`` (in Y) the composite f(Y(X)) is checked, else the composition step itself.

    >>> chain("2*Y", "Y", "A*X", "X", f="tr(Y.T*Y)", shapes="Y: 2x2, A: 2x2, X: 2x2").gradient
    2*A.T*A*X
    """
    read = _Inputs.of(shapes)
    inputs = read.unify(grad_Y=read.expression(grad_Y, "grad_Y"), Y=read.variable(Y, "Y"),
                        Y_of_X=read.expression(Y_of_X, "Y_of_X"), X=read.variable(X),
                        f=None if f is None else read.expression(f, "f"))
    return engine_chain(*inputs, read.sizes, verify, seed, symmetric)


@_in_a_sentence
def jacobian(F: object, X: MatrixSymbol | str, shapes: dict | str | None = None,
             verify: bool = True, seed: int = 0, symmetric: Iterable[str] = (),
             name: str = "F") -> JacobianDerivation:
    """∂F/∂X (mn × pq, vec dF = (∂F/∂X)ᵀ vec dX) of a matrix- or vector-valued F, verified.

    Typed exactly like :func:`derive`: text with ``shapes`` as text, or sympy objects. The
    result prints its derivation; ``.jacobian`` is the matrix, ``.text`` its formula and
    ``.numeric(X=…, A=…)`` its value at numbers (an mn × pq array).

    >>> import numpy as np
    >>> J = jacobian("A*X", "X", shapes="X: 2x2, A: 2x2")
    >>> J.text
    'I_2 ⊗ A^T'
    >>> J.numeric(X=np.eye(2), A=[[1, 2], [3, 4]])
    array([[1., 3., 0., 0.],
           [2., 4., 0., 0.],
           [0., 0., 1., 3.],
           [0., 0., 2., 4.]])
    >>> X = sympy.MatrixSymbol("X", 2, 2)  # or sympy objects
    >>> jacobian(X.T * X, X).shape
    (4, 4)
    """
    read = _Inputs.of(shapes)
    F, X = read.unify(F=read.expression(F, "F"), X=read.variable(X))
    return engine_jacobian(F, X, read.sizes, verify, seed, symmetric, name)


@_in_a_sentence
def hessian(f: object, X: MatrixSymbol | str, shapes: dict | str | None = None,
            verify: bool = True, seed: int = 0, symmetric: Iterable[str] = (),
            gradient: object | None = None, given: tuple | None = None) -> HessianDerivation:
    """∇²f = ∂(∇f)/∂X (mn × mn, symmetric) of a scalar f, with ∇f derived first, verified.

    Typed exactly like :func:`derive`: text with ``shapes`` as text, or sympy objects.
    ``gradient`` may give a simpler form of ∇f to differentiate (checked equal to the
    engine's). ``.hessian`` is the matrix, ``.text`` its formula, ``.numeric(X=…)`` its value.

    >>> import numpy as np
    >>> H = hessian("tr(X)**2", "X", shapes="X: 2x2")
    >>> H.text
    '2 vec(I_2) vec(I_2)^T'
    >>> H.numeric(X=np.zeros((2, 2)))
    array([[2., 0., 0., 2.],
           [0., 0., 0., 0.],
           [0., 0., 0., 0.],
           [2., 0., 0., 2.]])
    """
    read = _Inputs.of(shapes)
    given = read.given(given)
    f, X, gradient, expression = read.unify(
        f=read.expression(f, "f"), X=read.variable(X),
        gradient=None if gradient is None else read.expression(gradient, "gradient"),
        given=given[3] if given and len(given) == 4 else None)
    if expression is not None:
        given = (*given[:3], expression)
    return engine_hessian(f, X, read.sizes, verify, seed, symmetric, gradient, given)


@_in_a_sentence
def jacobian_chain(Z_of_Y: object, Y: MatrixSymbol | str, Y_of_X: object,
                   X: MatrixSymbol | str, shapes: dict | str | None = None,
                   verify: bool = True, seed: int = 0, name: str = "Z") -> JacobianDerivation:
    """∂Z/∂X = (∂Y/∂X)(∂Z/∂Y) for Z = Z(Y), Y = Y(X) (H4), both factors narrated, verified.

    >>> jacobian_chain("exp(Y)", "Y", "A*X", "X", "Y: 2x2, A: 2x2, X: 2x2").text
    '(I_2 ⊗ A^T) diag(vec(exp(A X)))'
    """
    read = _Inputs.of(shapes)
    inputs = read.unify(Z_of_Y=read.expression(Z_of_Y, "Z_of_Y"), Y=read.variable(Y, "Y"),
                        Y_of_X=read.expression(Y_of_X, "Y_of_X"), X=read.variable(X))
    return engine_jacobian_chain(*inputs, read.sizes, verify, seed, name)

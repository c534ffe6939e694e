"""The trace identities T1–T5 and the link L, evaluated on both sides with numbers.

Each function takes the matrices of one identity, checks that their shapes fit (with a
sentence saying what must match when they do not) and returns :class:`Sides`: the value of
the left side, of the right side, and whether they agree. ``random_check`` draws compatible
random matrices for an identity; ``WRONG`` holds tempting identities that are false. The
sentences are in the reader's language (:mod:`mdlib.i18n`); ids and formulas are not translated.

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> A, B = rng.standard_normal((2, 3)), rng.standard_normal((3, 2))
>>> t4(A, B).holds
True
>>> t4(A, A)
Traceback (most recent call last):
...
mdlib.errors.MdlibError: T4 needs A and B^T of the same size: A is 2×3, so B must be 3×2, but B is 2×3
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .errors import MdlibError
from .i18n import N_, _
from .validation import as_array, as_matrix

#: The id of a tempting identity that is false in general (shown as a word: translated).
FALSE_ID = N_("wrong")


@dataclass(frozen=True)
class Sides:
    """Both sides of an identity at some inputs, and whether they agree to round-off."""

    id: str
    statement: str
    lhs: float
    rhs: float

    @property
    def holds(self) -> bool:
        scale = max(abs(self.lhs), abs(self.rhs), 1.0)
        return bool(abs(self.lhs - self.rhs) <= 1e-10 * scale)

    def __str__(self) -> str:
        mark = "=" if self.holds else "≠"
        shown = _(self.id) if self.id == FALSE_ID else self.id
        return f"{shown}: {self.statement}:  {self.lhs:.6g} {mark} {self.rhs:.6g}"

    def __repr__(self) -> str:
        return str(self)


def _size(M: np.ndarray) -> str:
    return "×".join(str(k) for k in M.shape)


def _same(id_: str, mats: dict[str, np.ndarray]) -> None:
    """Raise unless the two or three matrices have one size (``id_`` names the identity)."""
    if len({M.shape for M in mats.values()}) > 1:
        (a, A), (b, B), *third = mats.items()
        if not third:
            message = _("{rule} needs {a} and {b} of the same size, but {a} is {size_a}, {b} is "
                        "{size_b}")
            raise MdlibError(message.format(rule=_(id_), a=a, b=b, size_a=_size(A),
                                            size_b=_size(B)))
        (c, C), = third
        message = _("{rule} needs {a}, {b} and {c} of the same size, but {a} is {size_a}, {b} is "
                    "{size_b}, {c} is {size_c}")
        raise MdlibError(message.format(rule=_(id_), a=a, b=b, c=c, size_a=_size(A),
                                        size_b=_size(B), size_c=_size(C)))


def _square(id_: str, name: str, M: np.ndarray) -> None:
    if M.shape[0] != M.shape[1]:
        raise MdlibError(_("{rule}: the trace needs a square matrix, but {name} is {size}").format(
            rule=_(id_), name=name, size=_size(M)))


def t1(a: object) -> Sides:
    """T1: a scalar is its own trace, as a 1×1 matrix.

    >>> t1(2.5).holds
    True
    """
    value = as_array(a, "a")
    if value.size != 1:
        raise MdlibError(_("T1 is about a scalar (1×1), but a has shape {shape}").format(
            shape=value.shape))
    return Sides("T1", "a = tr(a)", float(value.reshape(())), float(np.trace(value.reshape(1, 1))))


def t2(A: object) -> Sides:
    """T2: ``tr(A^T) = tr(A)`` for square ``A``.

    >>> t2([[1.0, 2.0], [3.0, 4.0]]).rhs
    5.0
    """
    A = as_matrix(A, "A")
    _square("T2", "A", A)
    return Sides("T2", "tr(A^T) = tr(A)", float(np.trace(A.T)), float(np.trace(A)))


def t3(A: object, B: object, sign: int = 1) -> Sides:
    """T3: ``tr(A ± B) = tr(A) ± tr(B)``; ``sign`` is +1 or −1.

    >>> t3(np.eye(2), np.ones((2, 2)), sign=-1).lhs
    0.0
    """
    A, B = as_matrix(A, "A"), as_matrix(B, "B")
    _same("T3", {"A": A, "B": B})
    _square("T3", "A", A)
    if sign not in (1, -1):
        raise MdlibError(_("sign must be +1 or -1, got {sign!r}").format(sign=sign))
    op = "+" if sign == 1 else "-"
    return Sides("T3", f"tr(A {op} B) = tr(A) {op} tr(B)", float(np.trace(A + sign * B)),
                 float(np.trace(A) + sign * np.trace(B)))


def t4(A: object, B: object) -> Sides:
    """T4: ``tr(AB) = tr(BA)`` when ``A`` and ``B^T`` have the same size (both = Σ A_ij B_ji).

    >>> t4(np.ones((1, 3)), np.arange(3.0).reshape(3, 1)).lhs
    3.0
    """
    A, B = as_matrix(A, "A"), as_matrix(B, "B")
    if A.shape != B.T.shape:
        raise MdlibError(_(
            "T4 needs A and B^T of the same size: A is {size_a}, so B must be {rows}×{cols}, but B "
            "is {size_b}").format(size_a=_size(A), rows=A.shape[1], cols=A.shape[0],
                                  size_b=_size(B)))
    return Sides("T4", "tr(AB) = tr(BA)", float(np.trace(A @ B)), float(np.trace(B @ A)))


def t5(A: object, B: object, C: object) -> Sides:
    """T5: ``tr(A^T (B ⊙ C)) = tr((A ⊙ B)^T C)`` for ``A, B, C`` of one size (both = Σ A_ij B_ij C_ij).

    >>> t5(np.ones((2, 3)), np.ones((2, 3)), np.ones((2, 3))).rhs
    6.0
    """
    A, B, C = as_matrix(A, "A"), as_matrix(B, "B"), as_matrix(C, "C")
    _same("T5", {"A": A, "B": B, "C": C})
    return Sides("T5", "tr(A^T (B ⊙ C)) = tr((A ⊙ B)^T C)", float(np.trace(A.T @ (B * C))),
                 float(np.trace((A * B).T @ C)))


def link(G: object, dX: object) -> Sides:
    """L: ``tr(G^T dX) = Σ_ij G_ij dX_ij`` (the Frobenius inner product), for one size.

    >>> link(np.eye(2), np.ones((2, 2))).lhs
    2.0
    """
    G, dX = as_matrix(G, "G"), as_matrix(dX, "dX")
    _same("L", {"G": G, "dX": dX})
    return Sides("L", "tr(G^T dX) = Σ G_ij dX_ij", float(np.trace(G.T @ dX)), float(np.sum(G * dX)))


# ------------------------------------------------------------------ tempting but false

def not_any_order(A: object, B: object, C: object) -> Sides:
    """False in general: ``tr(ABC) = tr(BAC)`` (only *cyclic* moves are allowed).

    >>> rng = np.random.default_rng(0)
    >>> not_any_order(*(rng.standard_normal((3, 3)) for _ in range(3))).holds
    False
    """
    A, B, C = as_matrix(A, "A"), as_matrix(B, "B"), as_matrix(C, "C")
    _same("tr(ABC) vs tr(BAC)", {"A": A, "B": B, "C": C})
    _square("tr(ABC) vs tr(BAC)", "A", A)
    return Sides(FALSE_ID, "tr(ABC) = tr(BAC)", float(np.trace(A @ B @ C)), float(np.trace(B @ A @ C)))


def not_multiplicative(A: object, B: object) -> Sides:
    """False in general: ``tr(AB) = tr(A) tr(B)``.

    >>> not_multiplicative(np.eye(2), np.eye(2)).holds
    False
    """
    A, B = as_matrix(A, "A"), as_matrix(B, "B")
    _same("tr(AB) vs tr(A)tr(B)", {"A": A, "B": B})
    _square("tr(AB) vs tr(A)tr(B)", "A", A)
    return Sides(FALSE_ID, "tr(AB) = tr(A) tr(B)", float(np.trace(A @ B)),
                 float(np.trace(A) * np.trace(B)))


#: The name of T5 with its transposes dropped (a phrase: translated when shown).
_WITHOUT_TRANSPOSE = N_("T5 without transpose")


def not_without_transpose(A: object, B: object, C: object) -> Sides:
    """False in general: T5 with the transpose dropped, ``tr(A (B ⊙ C)) = tr((A ⊙ B) C)``.

    >>> rng = np.random.default_rng(1)
    >>> not_without_transpose(*(rng.standard_normal((3, 3)) for _ in range(3))).holds
    False
    """
    A, B, C = as_matrix(A, "A"), as_matrix(B, "B"), as_matrix(C, "C")
    _same(_WITHOUT_TRANSPOSE, {"A": A, "B": B, "C": C})
    _square(_WITHOUT_TRANSPOSE, "A", A)
    return Sides(FALSE_ID, "tr(A (B ⊙ C)) = tr((A ⊙ B) C)", float(np.trace(A @ (B * C))),
                 float(np.trace((A * B) @ C)))


def _random_inputs(rng: np.random.Generator, m: int, n: int) -> dict[str, Callable]:
    return {
        "T1": lambda: (rng.standard_normal(),),
        "T2": lambda: (rng.standard_normal((m, m)),),
        "T3": lambda: (rng.standard_normal((m, m)), rng.standard_normal((m, m))),
        "T4": lambda: (rng.standard_normal((m, n)), rng.standard_normal((n, m))),
        "T5": lambda: tuple(rng.standard_normal((m, n)) for _ in range(3)),
        "L": lambda: (rng.standard_normal((m, n)), rng.standard_normal((m, n))),
    }


#: Every identity by id.
IDENTITIES: dict[str, Callable[..., Sides]] = {"L": link, "T1": t1, "T2": t2, "T3": t3, "T4": t4,
                                               "T5": t5}

#: Tempting identities that are false in general (checked on square 3×3 matrices).
WRONG: dict[str, Callable[..., Sides]] = {
    "tr(ABC) = tr(BAC)": not_any_order,
    "tr(AB) = tr(A) tr(B)": not_multiplicative,
    "tr(A (B ⊙ C)) = tr((A ⊙ B) C)": not_without_transpose,
}


def random_check(identity: str, seed: int = 0, m: int = 3, n: int = 4) -> Sides:
    """Evaluate identity ``identity`` ("L", "T1"…"T5") on seeded random matrices that fit.

    ``m``, ``n`` set the sizes (T4 uses an m×n and an n×m matrix; T2, T3 use m×m).

    >>> random_check("T4", seed=3, m=2, n=5).holds
    True
    """
    if identity not in IDENTITIES:
        raise MdlibError(_("no identity {name!r}; choose one of {known}").format(
            name=identity, known=list(IDENTITIES)))
    inputs = _random_inputs(np.random.default_rng(seed), m, n)[identity]()
    return IDENTITIES[identity](*inputs)

"""The differential rules M1–M8 as numbers: each rule's function and its claimed differential.

A :class:`MatrixRule` holds a function of one or two matrices, the differential the rule
claims for it, and a seeded point generator. The catalog also holds deliberately *wrong*
variants (a lost sign, a swapped order, a missing transpose, ...), so the course can show the
remainder check rejecting them: a true differential leaves a remainder of order 2 (or 0 for a
linear map), a wrong one a remainder of order 1.

Inputs come as a tuple ``point = (X,)`` or ``(X, Y)``; ``differential(point, dpoint)`` returns
``df`` with the shape of ``f``.

Labels with words (``"M5 (wrong sign)"``), the wrong variants' mistakes and the direction kinds
are English message ids, marked with ``N_``: they stay the keys a notebook types, and are shown
in the reader's language with :func:`mdlib.i18n._` (as :func:`order_table` does).

>>> rule = RULES["M5"]
>>> rule.study(seed=0).is_second_order()
True
>>> round(RULES["M5 (wrong sign)"].study(seed=0).order)
1
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .errors import MdlibError
from .i18n import N_, _
from .remainder import RemainderStudy, remainder_study
from .validation import as_matrix, check_invertible, check_square

Point = tuple[np.ndarray, ...]

#: The perturbation directions a reader can pick, in display order.
DIRECTION_KINDS = (N_("random"), "e_11", N_("symmetric"), N_("rank one (u v^T)"),
                   N_("only X moves"))

# Independent random streams for points and directions (see MatrixRule.point).
_POINT_STREAM, _DIRECTION_STREAM = 1, 2


# --------------------------------------------------------------------- point generators

def well_conditioned(rng: np.random.Generator, n: int) -> np.ndarray:
    """A random ``n × n`` matrix with condition number below 30 (so M5/M6 are safe).

    >>> X = well_conditioned(np.random.default_rng(1), 4)
    >>> bool(np.linalg.cond(X) < 30)
    True
    """
    while True:
        X = rng.standard_normal((n, n))
        if np.linalg.cond(X) < 30:
            return X


def singular_like(point: Point) -> Point:
    """The same point with ``X`` replaced by a singular matrix (its last row := its first).

    >>> X = singular_like((np.eye(3),))[0]
    >>> float(np.linalg.det(X))
    0.0
    """
    X = np.array(point[0], dtype=float)
    if X.shape[0] < 2:
        X[...] = 0.0
    else:
        X[-1] = X[0]
    return (X, *point[1:])


def _square(rng: np.random.Generator, m: int, n: int) -> Point:
    return (rng.standard_normal((m, m)),)


def _invertible(rng: np.random.Generator, m: int, n: int) -> Point:
    return (well_conditioned(rng, m),)


def _rectangular(rng: np.random.Generator, m: int, n: int) -> Point:
    return (rng.standard_normal((m, n)),)


def _pair_same(rng: np.random.Generator, m: int, n: int) -> Point:
    return rng.standard_normal((m, n)), rng.standard_normal((m, n))


def _pair_product(rng: np.random.Generator, m: int, n: int) -> Point:
    # X is m×n and Y is n×(m+1): three different sizes, so an order slip cannot hide.
    return rng.standard_normal((m, n)), rng.standard_normal((n, m + 1))


# --------------------------------------------------------------------- linear algebra helpers

def _inv(X: np.ndarray) -> np.ndarray:
    check_invertible(X, "X")  # a clear sentence instead of numpy's LinAlgError
    return np.linalg.inv(X)


def adjugate(X: object) -> np.ndarray:
    """The adjugate (transposed cofactor matrix); defined for every square ``X``, even singular.

    ``adj(X)[j, i] = (-1)^{i+j} · det(X with row i and column j removed)``, so that
    ``adj(X) X = |X| I``.

    >>> np.round(adjugate([[1.0, 2.0], [3.0, 4.0]]), 12).tolist()
    [[4.0, -2.0], [-3.0, 1.0]]
    """
    X = as_matrix(X, "X")
    check_square(X, "X")
    n = X.shape[0]
    if n == 1:
        return np.ones((1, 1))
    adj = np.empty_like(X)
    for i in range(n):
        for j in range(n):
            minor = np.delete(np.delete(X, i, axis=0), j, axis=1)
            adj[j, i] = (-1) ** (i + j) * np.linalg.det(minor)
    return adj


# --------------------------------------------------------------------- the rule record

@dataclass(frozen=True)
class MatrixRule:
    """One differential rule (or a deliberately wrong variant of one).

    ``f(*point)`` is the function, ``differential(point, dpoint)`` the claimed ``df``,
    ``make_point(rng, m, n)`` a seeded point (invertible ``X`` where the rule needs it).
    ``correct`` is False for the wrong variants; ``mistake`` then says what went wrong.
    """

    id: str
    label: str
    function: str  # LaTeX of f
    claim: str  # LaTeX of the claimed df
    f: Callable[..., np.ndarray]
    differential: Callable[[Point, Point], np.ndarray]
    make_point: Callable[[np.random.Generator, int, int], Point]
    correct: bool = True
    mistake: str = ""
    needs_invertible: bool = False

    def shown_label(self) -> str:
        """The label in the reader's language (``"M5 (wrong sign)"`` in English)."""
        return _(self.label)

    def shown_mistake(self) -> str:
        """What went wrong, in the reader's language (empty for a right rule)."""
        return _(self.mistake) if self.mistake else ""

    def point(self, seed: int = 0, m: int = 3, n: int = 3) -> Point:
        """A seeded point of sizes ``m``, ``n`` (square rules use ``m``).

        Points and directions draw from separate streams, so a direction never equals the point
        (a direction equal to X would commute with X and hide a wrong order).
        """
        return self.make_point(np.random.default_rng((seed, _POINT_STREAM)), m, n)

    def check_point(self, point: Point) -> None:
        """Raise :class:`MdlibError` if the rule is not defined at ``point`` (singular X)."""
        if self.needs_invertible:
            check_invertible(as_matrix(point[0], "X"), "X")

    def flat(self, point: Point) -> tuple[Callable, np.ndarray, Callable]:
        """``(F, x, dF)`` on one flat vector holding every input, for remainder studies."""
        self.check_point(point)
        shapes = [np.shape(p) for p in point]

        def F(v: np.ndarray) -> np.ndarray:
            return np.asarray(self.f(*unpack(v, shapes)), dtype=float)

        def dF(v: np.ndarray, dv: np.ndarray) -> np.ndarray:
            return np.asarray(self.differential(unpack(v, shapes), unpack(dv, shapes)), dtype=float)

        return F, pack(point), dF

    def study(self, point: Point | None = None, direction: Point | None = None, seed: int = 0,
              steps: object | None = None) -> RemainderStudy:
        """Remainder study of the claimed differential at ``point`` along ``direction``."""
        point = self.point(seed) if point is None else point
        F, x, dF = self.flat(point)
        direction = make_direction("random", point, seed) if direction is None else direction
        return remainder_study(F, x, dF, direction=pack(direction), steps=steps)


def pack(arrays: Point) -> np.ndarray:
    """Concatenate matrices into one flat vector.

    >>> pack((np.ones((2, 2)), np.zeros((1, 2)))).tolist()
    [1.0, 1.0, 1.0, 1.0, 0.0, 0.0]
    """
    return np.concatenate([np.ravel(np.asarray(a, dtype=float)) for a in arrays])


def unpack(v: np.ndarray, shapes: list[tuple[int, ...]]) -> Point:
    """Split a flat vector back into matrices of ``shapes`` (the inverse of :func:`pack`).

    >>> [a.shape for a in unpack(np.arange(6.0), [(2, 2), (1, 2)])]
    [(2, 2), (1, 2)]
    """
    out, start = [], 0
    for shape in shapes:
        size = int(np.prod(shape))
        out.append(np.reshape(v[start:start + size], shape))
        start += size
    return tuple(out)


def make_direction(kind: str, point: Point, seed: int = 0) -> Point:
    """A direction ``E`` (one matrix per input) of unit total norm.

    ``"e_11"`` moves entry (1,1) of every input; ``"symmetric"`` needs square inputs;
    ``"only X moves"`` keeps the other inputs fixed (``dY = 0``).

    >>> E = make_direction("e_11", (np.eye(2),))[0]
    >>> E.tolist()
    [[1.0, 0.0], [0.0, 0.0]]
    """
    rng = np.random.default_rng((seed, _DIRECTION_STREAM))
    shapes = [np.shape(p) for p in point]
    if kind == "random":
        parts = [rng.standard_normal(s) for s in shapes]
    elif kind == "e_11":
        parts = [np.zeros(s) for s in shapes]
        for p in parts:
            p[0, 0] = 1.0
    elif kind == "symmetric":
        if any(len(s) != 2 or s[0] != s[1] for s in shapes):
            raise MdlibError(_("a symmetric direction needs square inputs, got shapes {shapes}").format(
                shapes=shapes))
        parts = [(a + a.T) / 2 for a in (rng.standard_normal(s) for s in shapes)]
    elif kind == "rank one (u v^T)":
        parts = [np.outer(rng.standard_normal(s[0]), rng.standard_normal(s[1])) for s in shapes]
    elif kind == "only X moves":
        parts = [rng.standard_normal(shapes[0])] + [np.zeros(s) for s in shapes[1:]]
    else:
        raise MdlibError(_("unknown direction {kind!r}; choose one of {known}").format(
            kind=kind, known=list(DIRECTION_KINDS)))
    norm = float(np.linalg.norm(pack(parts)))
    return tuple(p / norm for p in parts)


def directions_for(point: Point, seed: int = 0) -> dict[str, Point]:
    """Every direction kind that makes sense at ``point`` (e.g. no "symmetric" for rectangles)."""
    kinds = [k for k in DIRECTION_KINDS if not (k == "only X moves" and len(point) == 1)]
    out = {}
    for kind in kinds:
        try:
            out[kind] = make_direction(kind, point, seed)
        except MdlibError:
            continue
    return out


# --------------------------------------------------------------------- the catalog

def _det_form(point: Point, dpoint: Point) -> np.ndarray:
    X, dX = point[0], dpoint[0]
    return np.linalg.det(X) * np.trace(_inv(X) @ dX)


def _sum(X, Y):
    return X + Y


def _sin(X):
    return np.sin(X)


_CATALOG: list[MatrixRule] = [
    # M1: sums
    MatrixRule("M1", "M1", "X + Y", r"dX + dY", _sum,
               lambda p, d: d[0] + d[1], _pair_same),
    MatrixRule("M1", N_("M1 (minus)"), "X - Y", r"dX - dY", lambda X, Y: X - Y,
               lambda p, d: d[0] - d[1], _pair_same),
    MatrixRule("M1", N_("M1 (dY forgotten)"), "X + Y", r"dX", _sum,
               lambda p, d: d[0], _pair_same, False, N_("the change of Y is ignored")),
    MatrixRule("M1", N_("M1 (minus: sign lost)"), "X - Y", r"dX + dY", lambda X, Y: X - Y,
               lambda p, d: d[0] + d[1], _pair_same, False, N_("the minus sign is dropped")),
    # M2: products
    MatrixRule("M2", "M2", "XY", r"(dX)\,Y + X\,dY", lambda X, Y: X @ Y,
               lambda p, d: d[0] @ p[1] + p[0] @ d[1], _pair_product),
    MatrixRule("M2", N_("M2 ((dX)Y only)"), "XY", r"(dX)\,Y", lambda X, Y: X @ Y,
               lambda p, d: d[0] @ p[1], _pair_product, False, N_("the term X dY is missing")),
    MatrixRule("M2", N_("M2 (X dY only)"), "XY", r"X\,dY", lambda X, Y: X @ Y,
               lambda p, d: p[0] @ d[1], _pair_product, False, N_("the term (dX) Y is missing")),
    MatrixRule("M2", "M2 (dX dY)", "XY", r"dX\,dY", lambda X, Y: X @ Y,
               lambda p, d: d[0] @ d[1], _pair_product, False,
               N_("the product of the differentials is second order, not the linear part")),
    # M3: transpose
    MatrixRule("M3", "M3", "X^T", r"(dX)^T", lambda X: X.T,
               lambda p, d: d[0].T, _rectangular),
    MatrixRule("M3", N_("M3 (no transpose)"), "X^T", r"dX", lambda X: X.T,
               lambda p, d: d[0], _square, False, N_("the transpose of dX is missing")),
    # M4: trace
    MatrixRule("M4", "M4", r"\mathrm{tr}(X)", r"\mathrm{tr}(dX)", lambda X: np.trace(X),
               lambda p, d: np.trace(d[0]), _square),
    MatrixRule("M4", N_("M4 (sum of all entries)"), r"\mathrm{tr}(X)", r"\textstyle\sum_{ij} dX_{ij}",
               lambda X: np.trace(X), lambda p, d: np.sum(d[0]), _square, False,
               N_("the trace adds the diagonal only, not every entry")),
    # M5: inverse
    MatrixRule("M5", "M5", "X^{-1}", r"-X^{-1}\,dX\,X^{-1}", lambda X: _inv(X),
               lambda p, d: -_inv(p[0]) @ d[0] @ _inv(p[0]), _invertible, needs_invertible=True),
    MatrixRule("M5", N_("M5 (wrong sign)"), "X^{-1}", r"+X^{-1}\,dX\,X^{-1}", lambda X: _inv(X),
               lambda p, d: _inv(p[0]) @ d[0] @ _inv(p[0]), _invertible, False,
               N_("the sign is flipped"), needs_invertible=True),
    MatrixRule("M5", N_("M5 (order swapped)"), "X^{-1}", r"-X^{-1}X^{-1}\,dX", lambda X: _inv(X),
               lambda p, d: -_inv(p[0]) @ _inv(p[0]) @ d[0], _invertible, False,
               N_("matrices do not commute: dX must sit between the two inverses"),
               needs_invertible=True),
    # M6: determinant
    MatrixRule("M6", "M6", "|X|", r"|X|\,\mathrm{tr}(X^{-1}dX)", lambda X: np.linalg.det(X),
               _det_form, _invertible, needs_invertible=True),
    MatrixRule("M6", N_("M6 (adjugate form)"), "|X|", r"\mathrm{tr}(\mathrm{adj}(X)\,dX)",
               lambda X: np.linalg.det(X), lambda p, d: np.trace(adjugate(p[0]) @ d[0]), _square),
    MatrixRule("M6", N_("M6 (no |X| factor)"), "|X|", r"\mathrm{tr}(X^{-1}dX)",
               lambda X: np.linalg.det(X), lambda p, d: np.trace(_inv(p[0]) @ d[0]), _invertible,
               False, N_("the factor |X| is missing"), needs_invertible=True),
    MatrixRule("M6", N_("M6 (adj transposed)"), "|X|", r"\mathrm{tr}(\mathrm{adj}(X)^T dX)",
               lambda X: np.linalg.det(X), lambda p, d: np.trace(adjugate(p[0]).T @ d[0]), _square,
               False, N_("adj(X) must not be transposed inside tr(· dX)")),
    # M7: Hadamard product
    MatrixRule("M7", "M7", r"X \odot Y", r"dX \odot Y + X \odot dY", lambda X, Y: X * Y,
               lambda p, d: d[0] * p[1] + p[0] * d[1], _pair_same),
    MatrixRule("M7", "M7 (dX ⊙ dY)", r"X \odot Y", r"dX \odot dY", lambda X, Y: X * Y,
               lambda p, d: d[0] * d[1], _pair_same, False,
               N_("the product of the differentials is second order, not the linear part")),
    MatrixRule("M7", N_("M7 (dX ⊙ Y only)"), r"X \odot Y", r"dX \odot Y", lambda X, Y: X * Y,
               lambda p, d: d[0] * p[1], _pair_same, False, N_("the term X ⊙ dY is missing")),
    # M8: elementwise functions
    MatrixRule("M8", "M8", r"\sin X", r"\cos X \odot dX", _sin,
               lambda p, d: np.cos(p[0]) * d[0], _rectangular),
    MatrixRule("M8", "M8 (exp)", r"\exp X", r"\exp X \odot dX", np.exp,
               lambda p, d: np.exp(p[0]) * d[0], _rectangular),
    MatrixRule("M8", N_("M8 (matrix product)"), r"\sin X", r"(\cos X)\,dX", _sin,
               lambda p, d: np.cos(p[0]) @ d[0], _square, False,
               N_("σ'(X) multiplies dX entry by entry (⊙), not as a matrix product")),
    MatrixRule("M8", N_("M8 (wrong sign)"), r"\sin X", r"-\cos X \odot dX", _sin,
               lambda p, d: -np.cos(p[0]) * d[0], _rectangular, False, N_("the sign is flipped")),
]

#: Every rule and wrong variant by label, in course order ("M1", "M1 (minus)", ...).
RULES: dict[str, MatrixRule] = {rule.label: rule for rule in _CATALOG}

#: The labels of the correct rules and of the wrong variants.
CORRECT = [label for label, rule in RULES.items() if rule.correct]
WRONG = [label for label, rule in RULES.items() if not rule.correct]


def get_rule(label: str) -> MatrixRule:
    """Look a rule up by label, with a clear message for a typo.

    >>> get_rule("M3").claim
    '(dX)^T'
    """
    try:
        return RULES[label]
    except KeyError:
        raise MdlibError(_("no rule {label!r}; choose one of {known}").format(
            label=label, known=list(RULES))) from None


def variants(rule_id: str) -> list[MatrixRule]:
    """The catalog entries of one curriculum id, right and wrong.

    >>> [r.label for r in variants("M3")]
    ['M3', 'M3 (no transpose)']
    """
    return [rule for rule in _CATALOG if rule.id == rule_id]


def order_table(labels: list[str], seed: int = 0) -> str:
    """A markdown table: claimed df, fitted remainder order and the verdict, one row per label.

    >>> print(order_table(["M3"]).splitlines()[2])
    | M3 | $d(X^T) = (dX)^T$ | exact (r = 0) | ✅ a differential |
    """
    rows = [_("| rule | claim | fitted order | verdict |"), "|---|---|---|---|"]
    for label in labels:
        rule = get_rule(label)
        study = rule.study(seed=seed)
        order = _("exact (r = 0)") if study.exact else f"{study.order:.2f}"
        verdict = _("✅ a differential") if study.is_second_order() else _("❌ not the differential")
        # A bare "|" (as in |X|) would split a markdown table cell.
        claim = f"$d({rule.function}) = {rule.claim}$".replace("|", r"\vert ")
        rows.append(f"| {rule.shown_label().replace('|', '&#124;')} | {claim} | {order} | {verdict} |")
    return "\n".join(rows)

"""vec and Kronecker forms (H1–H3): vec lines of a differential, the read-off, printing, numbers.

The engine's differential ``L = dF`` is linear in ``dX``. How ``vec`` goes through each kind
of node is declared once, in that operation's row of :mod:`~mdlib.engine.ops` (its ``vec``
field, a :class:`~mdlib.engine.ops.VecRule` with the rule it cites):

===================  ====================================  ==================================
node of L            vec L                                 rule
===================  ====================================  ==================================
``P · M · Q``        (Qᵀ ⊗ P) vec M                        H1: vec(A dX B) = (Bᵀ ⊗ A) vec dX
``Mᵀ`` (M r×c)       K_rc vec M                            H1: vec(dXᵀ) = K vec dX
``C ⊙ M``            diag(vec C) vec M                     H1: vec(A ⊙ dX) = diag(vec A) vec dX
``tr M`` (M r×r)     vec(I_r)ᵀ vec M                       H1: tr M = vec(I)ᵀ vec M
``M + N``, ``c M``   vec M + vec N, c vec M                H1: vec is linear
===================  ====================================  ==================================

:func:`vec_lines` applies those rows one level per pass (so each printed line names its rule);
:func:`read_off` turns ``J`` into ``∂F/∂X = Jᵀ`` (H3) and tidies it with the Kronecker rules
H2: (A ⊗ B)ᵀ = Aᵀ ⊗ Bᵀ, K_mnᵀ = K_nm, (A ⊗ B)(C ⊗ D) = AC ⊗ BD (also with a vector factor,
(a ⊗ B) P = a ⊗ BP), (A ⊗ B) K_nq = K_mp (B ⊗ A), vec(a bᵀ) = b ⊗ a, A ⊗ B + A ⊗ C = A ⊗ (B + C),
and (Bᵀ ⊗ A) vec M = vec(A M B) read backwards. Inside a product, a ⊗ b of two vectors is
written back as vec(b aᵀ) unless a mixed product merges it (vec(a bᵀ) vec(I)ᵀ, not
b ⊗ (a vec(I)ᵀ)), the matrix of ones as 1 1ᵀ, diag(vec A) diag(vec B) = diag(vec(A ⊙ B)), and
a sum of like coefficients is brought to its shortest form (one fraction, as a teacher writes
it). Every rewrite is checked to keep the value (``tests/test_vec.py``), and every result is
verified numerically before it is shown.
Their numpy values and their printing are rows of :mod:`~mdlib.engine.ops` too, so
:func:`mdlib.engine.numeric.evaluate` gives any of these expressions as a numpy array.

>>> import sympy
>>> A, X, B = sympy.MatrixSymbol("A", 2, 3), sympy.MatrixSymbol("X", 3, 4), sympy.MatrixSymbol("B", 4, 5)
>>> dX = sympy.MatrixSymbol("dX", 3, 4)
>>> lines = vec_lines(A * dX * B, dX)
>>> [(to_text(e), rule) for e, rule in lines]
[('(B^T ⊗ A) vec(dX)', 'H1: vec(A dX B) = (Bᵀ ⊗ A) vec dX')]
>>> to_text(read_off(jacobian_factor(lines[-1][0], dX)))
'B ⊗ A^T'
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field

import sympy
from sympy.matrices.expressions import (
    HadamardProduct,
    Identity,
    MatAdd,
    MatMul,
    MatrixExpr,
    MatrixSymbol,
    OneMatrix,
    Transpose,
)
from sympy.matrices.expressions.kronecker import KroneckerProduct

from ..curriculum import RuleUse
from ..errors import MdlibError
from ..i18n import N_, _
from . import ops, printing
from .algebra import hadamard, kron, mat_mul, product_or_none, scaled, tidy_coefficient
from .nodes import CommutationMatrix, DiagVec, Vec, built, depends_on, shape_of
from .readoff import tidy

# -- the rules as the reader sees them -----------------------------------------------------------
# A pass collects the rules it uses by their English labels (so lines cite them in the same
# order in every language); :func:`cite` says them in the reader's language: a rule with an id
# as "H2: (A ⊗ B)ᵀ = Aᵀ ⊗ Bᵀ" is cited as :class:`~mdlib.curriculum.RuleUse` labels are, a
# tidying without one ("like terms collected") is a message.
_USES: dict[str, RuleUse] = {}


def _english(use: RuleUse) -> str:
    """The English label of a rule with an id (``"H2: K_mnᵀ = K_nm"``), known to :func:`cite`."""
    label = f"{use.id}: {use.form}"
    _USES.setdefault(label, use)
    return label


# (the H1 rules are cited by the rows of ops.py)
H1_SUM, H1_PRODUCT, H1_TRANSPOSE = (_english(use) for use in (ops.H1_SUM, ops.H1_PRODUCT,
                                                                ops.H1_TRANSPOSE))
H2_TRANSPOSE = _english(RuleUse("H2", "(A ⊗ B)ᵀ = Aᵀ ⊗ Bᵀ"))
H2_K_TRANSPOSE = _english(RuleUse("H2", "K_mnᵀ = K_nm"))
H2_MIXED = _english(RuleUse("H2", "(A ⊗ B)(C ⊗ D) = AC ⊗ BD"))
H2_SWAP = _english(RuleUse("H2", "K_pm (A ⊗ B) K_nq = B ⊗ A"))
H2_BILINEAR = _english(RuleUse("H2", "A ⊗ B + A ⊗ C = A ⊗ (B + C)"))
H2_OUTER = _english(RuleUse("H2", "vec(a bᵀ) = b ⊗ a"))
DIAG_ONES = "diag(v) 1 = v, 1ᵀ diag(v) = vᵀ"
ONES_OUTER = N_("the matrix of ones is 1 1ᵀ")
DIAG_PRODUCT = N_("diag(vec A) diag(vec B) = diag(vec(A ⊙ B)): diagonal matrices multiply "
                  "entry by entry")
DIAG_T = N_("a diagonal matrix is its own transpose")
LIKE_TERMS = N_("like terms collected")
TRANSPOSE_PRODUCT = "(AB)ᵀ = BᵀAᵀ"
VEC_OF_NUMBER = N_("vec a = a for a 1×1 a")
H3 = _english(RuleUse("H3", "vec dF = (∂F/∂X)ᵀ vec dX"))


def cite(labels: Iterable[str]) -> str:
    """The rules of a line (English labels, in the order given) in the reader's language.

    >>> cite([H2_TRANSPOSE, LIKE_TERMS])
    'H2: (A ⊗ B)ᵀ = Aᵀ ⊗ Bᵀ; like terms collected'
    """
    return _("; ").join(label(english) for english in labels)


def label(english: str) -> str:
    """One rule of a line, given by its English label, in the reader's language."""
    use = _USES.get(english)
    if use is not None:
        return use.label
    return _(english) if english else english  # _("") would be the catalog's header


_OWN = (Vec, CommutationMatrix, DiagVec, KroneckerProduct)


def _has_own(e: sympy.Basic) -> bool:
    return isinstance(e, _OWN) or any(_has_own(a) for a in e.args if isinstance(a, sympy.Basic))


# -- the rules, as rows of the operation table ------------------------------------------------
@dataclass(frozen=True)
class VecContext:
    """What a row's ``vec.expand`` needs: the differential ``dX`` (the only thing ``vec`` is
    taken of), and the engine's printer and tidying, which sit above the table."""

    dX: MatrixSymbol
    cited: list = field(default_factory=list)  # a rule other than the row's, when one applies

    def dep(self, e: sympy.Basic) -> bool:
        return depends_on(e, self.dX)

    def cite(self, rule) -> None:
        """Cite ``rule`` for this expansion instead of the row's (c dX: vec is linear)."""
        self.cited.append(_english(rule))

    def not_linear(self, L: sympy.Basic) -> MdlibError:
        return MdlibError(_("the differential {L} is not linear in {dX}").format(
            L=to_text(L), dX=self.dX.name))

    def transposed(self, M: sympy.Basic) -> sympy.Basic:
        return tidy(M, transposed=True)


def _expand_vec_nodes(e: sympy.Basic, ctx: VecContext, rules: list[str]) -> sympy.Basic:
    """Replace every ``vec(L)`` with ``L ≠ dX`` by one application of its table entry."""
    if isinstance(e, Vec):
        L = e.arg
        if L == ctx.dX or not ctx.dep(L):  # vec dX, or the vec of a constant inside J
            return e
        row = ops.op_for(L)
        form = row.vec if row is not None else None
        if form is None:
            raise MdlibError(_("cannot vectorize {L}: the vec rules cover products, transposes, "
                               "Hadamard products, traces, sums and scalar multiples").format(
                                   L=to_text(L)))
        ctx.cited.clear()
        expanded = form.expand(L, ctx)
        for label in ctx.cited or [_english(form.rule)]:
            if label not in rules:
                rules.append(label)
        return expanded
    if not e.args or not e.has(Vec):
        return e
    return built(e.func, *[_expand_vec_nodes(a, ctx, rules) for a in e.args])


def _flatten(e: sympy.Basic) -> sympy.Basic:
    """Flatten nested products, so a line reads J₁ J₂ vec(·), not J₁ (J₂ vec(·))."""
    if isinstance(e, MatMul):
        args = []
        for a in e.args:
            a = _flatten(a)
            args.extend(a.args if isinstance(a, MatMul) else [a])
        return MatMul(*args)
    if isinstance(e, MatAdd):
        return MatAdd(*[_flatten(a) for a in e.args])
    return e


def vec_lines(L: sympy.Basic, dX: MatrixSymbol) -> list[tuple[sympy.Basic, str]]:
    """``vec L`` rewritten pass by pass until only ``vec(dX)`` is left: (expression, the rules
    cited, in the reader's language)."""
    ctx = VecContext(dX)
    current: sympy.Basic = Vec(L)
    lines = []
    for _pass in range(100):  # depth bound; real differentials need a handful of passes
        pending = [v for v in current.atoms(Vec) if v.arg != dX and ctx.dep(v.arg)]
        if not pending:
            break
        rules: list[str] = []
        current = _flatten(_expand_vec_nodes(current, ctx, rules))
        lines.append((current, cite(rules)))
    return lines


def jacobian_factor(expr: sympy.Basic, dX: MatrixSymbol) -> sympy.Basic:
    """J from ``J vec(dX)`` (a sum of such terms allowed)."""
    target = Vec(dX)
    size = shape_of(dX)[0] * shape_of(dX)[1]
    if expr == target:
        return Identity(size)

    def strip(term: sympy.Basic) -> sympy.Basic:
        if term == target:
            return Identity(size)
        if isinstance(term, MatAdd):
            return MatAdd(*[strip(t) for t in term.args])
        if isinstance(term, MatMul) and (term.args[-1] == target or isinstance(term.args[-1], MatAdd)):
            rest = list(term.args[:-1])
            last = term.args[-1]
            if last != target:  # J₁ (J₂ vec dX + J₃ vec dX) = J₁ (J₂ + J₃) vec dX
                rest.append(strip(last))
            mats = [a for a in rest if isinstance(a, MatrixExpr)]
            if len(mats) == len(rest) == 1:
                return rest[0]
            return MatMul(*rest) if mats else MatMul(*rest, Identity(size))
        raise MdlibError(_("internal: {term} is not of the form J vec({dX})").format(
            term=to_text(term), dX=dX.name))

    return strip(expr)


# -- read-off and tidying with H2 ------------------------------------------------------------------
def transpose(e: sympy.Basic, used: set[str]) -> sympy.Basic:
    """``eᵀ`` with the transpose pushed inside products, sums and Kronecker products (H2)."""
    if not isinstance(e, MatrixExpr):
        return e
    if isinstance(e, MatMul):
        coeff = [a for a in e.args if not isinstance(a, MatrixExpr)]
        mats = [transpose(a, used) for a in reversed([a for a in e.args if isinstance(a, MatrixExpr)])]
        if len(mats) > 1:
            used.add(TRANSPOSE_PRODUCT)
        return MatMul(*coeff, *mats)
    if isinstance(e, MatAdd):
        return MatAdd(*[transpose(a, used) for a in e.args])
    if isinstance(e, KroneckerProduct):
        used.add(H2_TRANSPOSE)
        return KroneckerProduct(*[transpose(a, used) for a in e.args])
    if isinstance(e, CommutationMatrix):
        used.add(H2_K_TRANSPOSE)
        return e._eval_transpose()
    if isinstance(e, DiagVec):
        used.add(DIAG_T)
        return e
    if isinstance(e, Identity):
        return e
    if isinstance(e, Transpose) and isinstance(e.arg, Vec):
        return e.arg
    if isinstance(e, Vec):
        return Transpose(e)
    return tidy(e, transposed=True)


def _is_plain(m: sympy.Basic) -> bool:
    """A matrix that is neither a Kronecker product nor a commutation matrix."""
    return isinstance(m, MatrixExpr) and not isinstance(m, (KroneckerProduct, CommutationMatrix))


def _ones_with_diag(factors: list, used: set[str]) -> list:
    """1ᵀ diag(v) = vᵀ and diag(v) 1 = v for a column v."""
    out: list = []
    for f in factors:
        prev = out[-1] if out else None
        if (isinstance(f, DiagVec) and isinstance(prev, OneMatrix) and prev.shape[0] == 1
                and f.arg.shape[1] == 1):
            used.add(DIAG_ONES)
            out[-1] = tidy(f.arg, transposed=True)
        elif (isinstance(f, OneMatrix) and isinstance(prev, DiagVec) and f.shape[1] == 1
              and prev.arg.shape[1] == 1):
            used.add(DIAG_ONES)
            out[-1] = prev.arg
        else:
            out.append(f)
    return out


def _merge_pair(a: sympy.Basic, b: sympy.Basic, used: set[str]) -> list | None:
    """One H2 step on two neighbouring factors, or None."""
    if isinstance(a, DiagVec) and isinstance(b, DiagVec) and a.arg.shape == b.arg.shape:
        used.add(DIAG_PRODUCT)  # diagonal matrices commute: the constant (read off last) first
        return [DiagVec(hadamard(b.arg, a.arg))]
    if (isinstance(a, CommutationMatrix) and isinstance(b, Vec) and isinstance(b.arg, MatrixExpr)
            and tuple(a.args) == tuple(b.arg.shape)):  # K_pq vec M = vec(Mᵀ), M p×q (H1)
        used.add(H1_TRANSPOSE)
        outer = _outer_vectors(b.arg) if isinstance(b.arg, MatMul) else None
        if outer is not None:  # K vec(u vᵀ) = vec(v uᵀ): still an outer product (vec(1 1ᵀ))
            return [Vec(_outer(outer[1], outer[0]))]
        return [Vec(tidy(b.arg, transposed=True))]
    if (isinstance(a, KroneckerProduct) and isinstance(b, KroneckerProduct)
            and len(a.args) == 2 and len(b.args) == 2
            and a.args[0].shape[1] == b.args[0].shape[0]
            and a.args[1].shape[1] == b.args[1].shape[0]):
        used.add(H2_MIXED)
        return [kron(product_or_none([a.args[0], b.args[0]]) or Identity(a.args[0].shape[0]),
                      product_or_none([a.args[1], b.args[1]]) or Identity(a.args[1].shape[0]))]
    if (isinstance(a, KroneckerProduct) and isinstance(b, CommutationMatrix) and len(a.args) == 2
            and tuple(b.args) == (a.args[0].shape[1], a.args[1].shape[1])):
        used.add(H2_SWAP)
        A, B = a.args
        return [CommutationMatrix(A.shape[0], B.shape[0]), KroneckerProduct(B, A)]
    if (isinstance(a, KroneckerProduct) and len(a.args) == 2 and isinstance(b, Vec)
            and isinstance(b.arg, MatrixExpr) and a.args[1].shape[1] == b.arg.shape[0]
            and a.args[0].shape[1] == b.arg.shape[1]):  # (Bᵀ ⊗ A) vec M = vec(A M B), H1 backwards
        used.add(H1_PRODUCT)
        inner = product_or_none([a.args[1], b.arg, tidy(a.args[0], transposed=True)])
        return [Vec(inner if inner is not None else b.arg)]
    # (a ⊗ B) P = (a ⊗ B)(1 ⊗ P) = a ⊗ BP when a has one column; likewise P (a ⊗ B) for a row
    # a. Not for a ⊗ b of two columns (or rows): that is vec(b aᵀ), which reads better.
    if (isinstance(a, KroneckerProduct) and len(a.args) == 2 and _is_plain(b)
            and a.args[0].shape[1] == 1 and a.args[1].shape[1] == b.shape[0]
            and _vector_kron(a) is None):
        used.add(H2_MIXED)
        return [kron(a.args[0], product_or_none([a.args[1], b]) or Identity(b.shape[1]))]
    if (isinstance(b, KroneckerProduct) and len(b.args) == 2 and _is_plain(a)
            and b.args[0].shape[0] == 1 and b.args[1].shape[0] == a.shape[1]
            and _vector_kron(b) is None):
        used.add(H2_MIXED)
        return [kron(b.args[0], product_or_none([a, b.args[1]]) or Identity(a.shape[0]))]
    return None


def _merge_products(factors: list, used: set[str]) -> list:
    """(A ⊗ B)(C ⊗ D) = AC ⊗ BD where the sizes allow, and (A ⊗ B) K_nq = K_mp (B ⊗ A)."""
    out: list = []
    for f in _ones_with_diag(factors, used):
        out.append(f)
        while len(out) >= 2:
            merged = _merge_pair(out[-2], out[-1], used)
            if merged is None:
                break
            out[-2:] = merged
            if isinstance(merged[0], CommutationMatrix):
                break  # the K moved left; a further merge would need its left side
    return out


def _split_coeff(t: sympy.Basic) -> tuple:
    if isinstance(t, MatMul):
        coeff = sympy.Mul(*[a for a in t.args if not isinstance(a, MatrixExpr)])
        mats = [a for a in t.args if isinstance(a, MatrixExpr)]
        return coeff, (mats[0] if len(mats) == 1 else MatMul(*mats))
    return sympy.S.One, t


def _collect_like(terms: list) -> list:
    """A + A = 2A: equal matrix parts add their coefficients (a sum of them brought to its
    shortest form, one fraction where that is shorter)."""
    order: list = []
    coeffs: dict = {}
    for t in terms:
        c, m = _split_coeff(t)
        if m not in coeffs:
            order.append(m)
            coeffs[m] = []
        coeffs[m].append(c)
    summed = {m: sympy.Add(*cs) for m, cs in coeffs.items()}
    summed = {m: tidy_coefficient(c) if len(coeffs[m]) > 1 else c for m, c in summed.items()}
    return [scaled(summed[m], m) for m in order if summed[m] != 0]


def _as_scaled_kron(t: sympy.Basic) -> tuple | None:
    if isinstance(t, KroneckerProduct) and len(t.args) == 2:
        return sympy.S.One, t
    if isinstance(t, MatMul):
        mats = [a for a in t.args if isinstance(a, MatrixExpr)]
        if len(mats) == 1 and isinstance(mats[0], KroneckerProduct) and len(mats[0].args) == 2:
            return sympy.Mul(*[a for a in t.args if not isinstance(a, MatrixExpr)]), mats[0]
    return None


def _collect_kron(terms: list, used: set[str]) -> list:
    """A ⊗ B + A ⊗ C = A ⊗ (B + C), and likewise for a common right factor (⊗ is bilinear)."""
    out = list(terms)
    merged = True
    while merged:
        merged = False
        for i in range(len(out)):
            for j in range(i + 1, len(out)):
                a, b = _as_scaled_kron(out[i]), _as_scaled_kron(out[j])
                if a is None or b is None:
                    continue
                (ca, (A1, A2)), (cb, (B1, B2)) = (a[0], a[1].args), (b[0], b[1].args)
                if A1 == B1 and A2.shape == B2.shape:
                    new = kron(A1, MatAdd(scaled(ca, A2), scaled(cb, B2)))
                elif A2 == B2 and A1.shape == B1.shape:
                    new = kron(MatAdd(scaled(ca, A1), scaled(cb, B1)), A2)
                else:
                    continue
                used.add(H2_BILINEAR)
                out = [t for k, t in enumerate(out) if k not in (i, j)] + [new]
                merged = True
                break
            if merged:
                break
    return out


def simplify(e: sympy.Basic, used: set[str]) -> sympy.Basic:
    """Tidy a Kronecker-form matrix with the H2 rules; ``used`` collects the rules applied."""
    if isinstance(e, MatAdd):
        terms = [simplify(a, used) for a in e.args]
        collected = _collect_like(terms)
        if len(collected) < len(terms):
            used.add(LIKE_TERMS)
        terms = _collect_kron(collected, used)
        if not terms:
            return sympy.ZeroMatrix(*e.shape)
        return terms[0] if len(terms) == 1 else MatAdd(*terms)
    if isinstance(e, MatMul):
        # P (Q R) = P Q R; vec(u vᵀ) and vec(u vᵀ)ᵀ are kept for _outer_forms to decide
        args = [a if _outer_view(a) is not None else simplify(a, used) for a in e.args]
        factors = _flatten(MatMul(*args)).args
        coeff = [a for a in factors if not isinstance(a, MatrixExpr)]
        mats = [_ones_as_outer(a, used) for a in factors if isinstance(a, MatrixExpr)]
        if len(mats) > 1:  # vector ⊗ vector as vec(u vᵀ) to merge, then paired where they meet
            mats = [m for m in mats if not isinstance(m, Identity)] or mats[:1]
            mats = _merge_products(_outer_forms(mats, used, paired=False), used)
            paired = _outer_forms(mats, used, paired=True)
            mats = _merge_products(paired, used) if paired != mats else mats
        else:
            mats = _merge_products(mats, used)
        mats = [m for m in mats if not isinstance(m, Identity)] or mats[:1]
        distributed = _distribute_over_vec(coeff, mats, used)
        if distributed is not None:
            return distributed
        if not coeff and len(mats) == 1:
            return mats[0]
        return MatMul(*coeff, *mats)
    if isinstance(e, KroneckerProduct):
        return kron(*[simplify(a, used) for a in e.args]) if len(e.args) == 2 else e
    if isinstance(e, DiagVec) and isinstance(e.arg, OneMatrix):
        return Identity(e.shape[0])
    if isinstance(e, Vec) and shape_of(e.arg) == (1, 1) and isinstance(e.arg, MatrixExpr):
        used.add(VEC_OF_NUMBER)  # vec(aᵀ b) = aᵀ b, vec(I_1) = I_1
        return e.arg
    if isinstance(e, Vec) and isinstance(e.arg, MatMul):
        outer = _outer_vectors(e.arg)
        if outer is not None:  # vec(u vᵀ) = v ⊗ u
            used.add(H2_OUTER)
            u, v = outer
            return KroneckerProduct(v, u)
    if isinstance(e, Transpose) and isinstance(e.arg, Vec) and isinstance(e.arg.arg, MatMul):
        outer = _outer_vectors(e.arg.arg)
        if outer is not None:  # vec(u vᵀ)ᵀ = (v ⊗ u)ᵀ = vᵀ ⊗ uᵀ
            used.update((H2_OUTER, H2_TRANSPOSE))
            u, v = outer
            return KroneckerProduct(tidy(v, transposed=True), tidy(u, transposed=True))
    return e


def _size(e: sympy.Basic) -> int:
    return 1 + sum(_size(a) for a in e.args if isinstance(a, sympy.Basic))


def _distribute_over_vec(coeff: list, mats: list, used: set[str]) -> sympy.Basic | None:
    """(A + B) vec M = A vec M + B vec M, kept only when the terms then merge into something
    shorter, e.g. (K (X ⊗ I) + I ⊗ X) vec I = vec X + vec X = 2 vec X."""
    k = next((i for i in range(len(mats) - 1)
              if isinstance(mats[i], MatAdd) and isinstance(mats[i + 1], Vec)), None)
    if k is None:
        return None
    trial: set[str] = set()
    terms = [simplify(MatMul(*mats[:k], term, *mats[k + 1:]), trial) for term in mats[k].args]
    total = simplify(MatAdd(*terms), trial) if len(terms) > 1 else terms[0]
    if _size(total) >= _size(MatMul(*mats)):
        return None
    used.update(trial)
    return mat_mul(*coeff, total)  # 4 · 2 vec X vec Xᵀ = 8 vec X vec Xᵀ


def _outer(u: sympy.Basic, v: sympy.Basic) -> MatMul:
    """u vᵀ for columns u, v, as written (1 1ᵀ is not merged into the matrix of ones)."""
    return MatMul(u, tidy(v, transposed=True))


def _ones_as_outer(m: sympy.Basic, used: set[str]) -> sympy.Basic:
    """vec(1) of an m×n matrix of ones inside a product as vec(1 1ᵀ), so "1" is always the
    ones vector (vec(1)ᵀ likewise)."""
    transposed = isinstance(m, Transpose)
    v = m.arg if transposed else m
    if not (isinstance(v, Vec) and isinstance(v.arg, OneMatrix) and min(v.arg.shape) > 1):
        return m
    used.add(ONES_OUTER)
    rows, cols = v.arg.shape
    outer = Vec(_outer(OneMatrix(rows, 1), OneMatrix(cols, 1)))
    return Transpose(outer) if transposed else outer


def _outer_view(m: sympy.Basic) -> tuple | None:
    """(u, v, transposed) when m is vec(u vᵀ) or vec(u vᵀ)ᵀ for columns u, v."""
    transposed = isinstance(m, Transpose)
    v = m.arg if transposed else m
    if not (isinstance(v, Vec) and isinstance(v.arg, MatMul)):
        return None
    outer = _outer_vectors(v.arg)
    if outer is None or any(tuple(w.shape) == (1, 1) for w in outer):
        return None
    return (*outer, transposed)


def _vector_kron(m: sympy.Basic) -> str | None:
    """"column" for a ⊗ b of two columns, "row" for two rows, else None."""
    if not (isinstance(m, KroneckerProduct) and len(m.args) == 2) or any(
            tuple(a.shape) == (1, 1) for a in m.args):  # a number times a vector: not an outer
        return None
    if all(a.shape[1] == 1 for a in m.args):
        return "column"
    if all(a.shape[0] == 1 for a in m.args):
        return "row"
    return None


def _as_kron(m: sympy.Basic, used: set[str]) -> sympy.Basic:
    """vec(u vᵀ) = v ⊗ u and vec(u vᵀ)ᵀ = vᵀ ⊗ uᵀ (H2); anything else unchanged."""
    view = _outer_view(m)
    if view is None:
        return m
    u, v, transposed = view
    used.add(H2_OUTER)
    if not transposed:
        return KroneckerProduct(v, u)
    used.add(H2_TRANSPOSE)
    return KroneckerProduct(tidy(v, transposed=True), tidy(u, transposed=True))


def _as_vec(m: sympy.Basic, used: set[str]) -> sympy.Basic:
    """a ⊗ b = vec(b aᵀ) for columns a, b, and r ⊗ s = vec(sᵀ r)ᵀ for rows r, s (H2)."""
    kind = _vector_kron(m)
    if kind is None:
        return m
    used.add(H2_OUTER)
    a, b = m.args
    if kind == "column":
        return Vec(_outer(b, a))
    used.add(H2_TRANSPOSE)
    return Transpose(Vec(_outer(tidy(b, transposed=True), tidy(a, transposed=True))))


def _columns_then_rows(left: sympy.Basic, right: sympy.Basic) -> bool:
    """A column ⊗ column (or vec(u vᵀ)) times a row ⊗ row (or vec(p qᵀ)ᵀ): the mixed product
    gives (v qᵀ) ⊗ (u pᵀ), a Kronecker product of two outer products."""
    views = []
    for m in (left, right):
        view = _outer_view(m)
        views.append(("row" if view[2] else "column") if view is not None else _vector_kron(m))
    return views == ["column", "row"]


def _outer_forms(mats: list, used: set[str], paired: bool) -> list:
    """Each vector ⊗ vector and vec(u vᵀ) factor of a product in the form that reads best:
    as ⊗ where a column form meets a row form (``paired``: the mixed product then merges
    them), else as vec(u vᵀ) (or its transpose)."""
    out = list(mats)
    k = 0
    while k < len(out):
        if paired and k + 1 < len(out) and _columns_then_rows(out[k], out[k + 1]):
            out[k], out[k + 1] = _as_kron(out[k], used), _as_kron(out[k + 1], used)
            k += 2
            continue
        out[k] = _as_vec(out[k], used)
        k += 1
    return out


def _outer_vectors(M: MatMul) -> tuple | None:
    """(u, v) when M = u vᵀ with u, v columns (scalar factors go with u)."""
    mats = [a for a in M.args if isinstance(a, MatrixExpr)]
    coeff = [a for a in M.args if not isinstance(a, MatrixExpr)]
    if len(mats) != 2 or mats[0].shape[1] != 1 or mats[1].shape[0] != 1:
        return None
    u = MatMul(*coeff, mats[0]) if coeff else mats[0]
    return u, tidy(mats[1], transposed=True)


def read_off(J: sympy.Basic, used: set[str] | None = None) -> sympy.Basic:
    """∂F/∂X = Jᵀ (H3), tidied with H2: the last of :func:`read_off_lines`.

    >>> X = sympy.MatrixSymbol("X", 3, 3)
    >>> to_text(read_off(MatMul(-1, KroneckerProduct(X.I.T, X.I), CommutationMatrix(3, 3))))
    '-K_3,3 (X^-1 ⊗ X^-T)'
    """
    lines = read_off_lines(J)
    for _expr, rules in lines:
        used = set() if used is None else used
        used.update(rules)
    return lines[-1][0] if lines else transpose(J, set())


def read_off_lines(J: sympy.Basic) -> list[tuple[sympy.Basic, set[str]]]:
    """Jᵀ with the transpose pushed in, then each tidying pass: (expression, rules used).

    One line per pass, so each rule shows where it is used (never silently): first the
    transpose (H2: (A ⊗ B)ᵀ = Aᵀ ⊗ Bᵀ, K_mnᵀ = K_nm, …), then products merged, K moved,
    like terms collected, until nothing changes.

    >>> X = sympy.MatrixSymbol("X", 3, 3)
    >>> J = MatMul(KroneckerProduct(X.T, Identity(3)), CommutationMatrix(3, 3))
    >>> [(to_text(e), sorted(r)) for e, r in read_off_lines(J)]
    [('K_3,3 (X ⊗ I_3)', ['(AB)ᵀ = BᵀAᵀ', 'H2: (A ⊗ B)ᵀ = Aᵀ ⊗ Bᵀ', 'H2: K_mnᵀ = K_nm'])]
    """
    used: set[str] = set()
    current = transpose(J, used)
    lines = [(current, used)] if current != Transpose(J) and not isinstance(J, Identity) else []
    for _pass in range(8):  # each pass shortens the expression; a handful are ever needed
        used = set()
        tidier = simplify(current, used)
        if tidier == current or not used:
            break
        lines.append((tidier, used))
        current = tidier
    return lines


# -- printing ------------------------------------------------------------------------------------
class _Show:
    """Print Kronecker-form expressions; ordinary sub-expressions go to the engine's printer."""

    def __init__(self, latex: bool) -> None:
        self.latex = latex

    def base(self, e: sympy.Basic) -> str:
        return printing.to_latex(e) if self.latex else printing.to_text(e)

    def paren(self, s: str) -> str:
        return rf"\left({s}\right)" if self.latex else f"({s})"

    def func(self, name: str, arg: str) -> str:
        return f"{name}{self.paren(arg)}"

    def visit(self, e: sympy.Basic) -> tuple[str, int]:
        """(text, precedence), the interface the rows' ``show`` of :mod:`ops` print through."""
        text = self.show(e)
        if text.startswith("-") or isinstance(e, MatAdd):
            return text, ops.SUM
        if isinstance(e, (MatMul, HadamardProduct, KroneckerProduct)):
            return text, ops.PRODUCT
        return text, ops.ATOM

    def wrap(self, e: sympy.Basic, level: int) -> str:
        text, own = self.visit(e)
        return self.paren(text) if own < level else text

    def show(self, e: sympy.Basic) -> str:
        return _show(e, self.latex)

    def show_now(self, e: sympy.Basic) -> str:
        L = self.latex
        if isinstance(e, _OWN):  # vec, K, diag(vec ·), ⊗ print by their rows in ops.py
            return ops.op_for(e).show(e, self)[0]
        if isinstance(e, Identity):
            return f"I_{{{e.shape[0]}}}" if L else f"I_{e.shape[0]}"
        if isinstance(e, Transpose) and _has_own(e.arg):
            inner = self.show(e.arg) if isinstance(e.arg, Vec) else self.paren(self.show(e.arg))
            return f"{inner}^{{T}}" if L else f"{inner}^T"
        if isinstance(e, MatMul) and (_has_own(e) or e.has(Identity)):
            coeff = sympy.Mul(*[a for a in e.args if not isinstance(a, MatrixExpr)])
            mats = [a for a in e.args if isinstance(a, MatrixExpr)]
            body = " ".join(self.factor(m) for m in mats)
            sign, num, den = _signed_fraction(coeff)
            if num != 1:
                ntext = self.base(num)
                body = f"{self.paren(ntext) if isinstance(num, sympy.Add) else ntext} {body}"
            if den != 1:  # a scalar denominator: M / s reads better than (1/s) M
                dtext = self.base(den)
                if L:
                    return rf"{sign}\frac{{{body}}}{{{dtext}}}"
                simple = printing.level(den) >= ops.POWER  # a name, a number, tr(M), s^2
                return f"{sign}{body} / {dtext if simple else self.paren(dtext)}"
            return sign + body
        if isinstance(e, MatAdd) and (_has_own(e) or e.has(Identity)):
            parts = []
            # positive terms first, as the engine's printer does ("A - B", not "-B + A")
            shown = sorted(e.args, key=lambda t: self.show(t).startswith("-"))
            for t in shown:
                s = self.show(t)
                if parts:
                    parts.append(f"- {s[1:]}" if s.startswith("-") else f"+ {s}")
                else:
                    parts.append(s)
            return " ".join(parts)
        return self.base(e)

    def factor(self, e: sympy.Basic) -> str:
        """A factor of a product: sums, ⊙, ⊗ and negatives in parentheses."""
        s = self.show(e)
        needs = isinstance(e, (MatAdd, HadamardProduct, KroneckerProduct)) or s.startswith("-")
        return self.paren(s) if needs else s


def _signed_fraction(coeff: sympy.Basic) -> tuple[str, sympy.Basic, sympy.Basic]:
    """(sign, numerator, denominator) of a scalar coefficient, the numerator's factors kept as
    they are: 2 (1 - t²) / (1 + t²)² stays so (sympy's ``fraction`` would give 2 - 2t²)."""
    numer, denom = [], []
    for f in sympy.Mul.make_args(coeff):
        n, d = sympy.fraction(f)
        numer += [] if n == 1 else [n]
        denom += [] if d == 1 else [d]
    den = sympy.Mul(*denom)
    if len(numer) <= 1:
        num = numer[0] if numer else sympy.S.One
        sign = "-" if num.could_extract_minus_sign() else ""
        return sign, (-num if sign else num), den
    number = sympy.Mul(*[f for f in numer if f.is_Number])
    negative = bool(number < 0)
    rest = []
    for f in numer:  # a sum that reads better negated: -(a + b) c, not (-a - b) c
        if not f.is_Number:
            flip = isinstance(f, sympy.Add) and all(t.could_extract_minus_sign() for t in f.args)
            negative ^= flip
            rest.append(-f if flip else f)
    sign = "-" if negative else ""
    factors = ([abs(number)] if abs(number) != 1 else []) + rest
    return sign, (factors[0] if len(factors) == 1 else sympy.Mul(*factors, evaluate=False)), den


@functools.lru_cache(maxsize=16384)
def _show(e: sympy.Basic, latex: bool) -> str:
    # remembered: each line of a derivation repeats most of the line before
    return _Show(latex).show_now(e)


def to_latex(e: sympy.Basic) -> str:
    """LaTeX of an expression that may hold vec, ⊗, K and diag(vec ·)."""
    return _Show(True).show(e)


def to_text(e: sympy.Basic) -> str:
    """Plain text of an expression that may hold vec, ⊗, K and diag(vec ·).

    >>> A = sympy.MatrixSymbol("A", 2, 2)
    >>> to_text(MatMul(KroneckerProduct(Identity(2), A), DiagVec(A), CommutationMatrix(2, 2)))
    '(I_2 ⊗ A) diag(vec(A)) K_2,2'
    """
    return _Show(False).show(e)


__all__ = ["CommutationMatrix", "DiagVec", "Vec", "VecContext", "jacobian_factor", "read_off",
           "simplify", "to_latex", "to_text", "transpose", "vec_lines"]

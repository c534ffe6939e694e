"""The ids of the course's rules and tricks (``../shared/curriculum.md``) with short names.

Derivations cite these ids at every step, so a reader can look each rule up. The names (and
the statements that hold words) are messages: a label or a citation is shown in the reader's
language (:mod:`mdlib.i18n`), the ids and the formulas stay as they are.

>>> RULES["M5"].name
'inverse'
>>> rule_label("T4")
'T4: cyclic trace'
>>> cite({RuleUse("T4"), RuleUse("M2"), RuleUse("M6", "determinant, as d log|det F| = tr(F^-1 dF)")})
'M2: product; M6: determinant, as d log|det F| = tr(F^-1 dF); T4: cyclic trace'
"""

from __future__ import annotations

from dataclasses import dataclass

from .i18n import N_, _


@dataclass(frozen=True)
class Rule:
    """One rule: its id, a short name and the statement in LaTeX and plain text.

    The fields hold the English message ids; :meth:`title`, :meth:`statement_latex` and
    :meth:`statement_text` give them in the reader's language.
    """

    id: str
    name: str
    latex: str
    text: str

    def title(self) -> str:
        """The short name in the reader's language (``"cyclic trace"`` in English)."""
        return _(self.name)

    def statement_latex(self) -> str:
        """The statement in LaTeX, its words (if any) in the reader's language."""
        return _(self.latex)

    def statement_text(self) -> str:
        """The statement in plain text, its words (if any) in the reader's language."""
        return _(self.text)


# Names and the statements that contain words are marked N_ (translated when shown);
# statements that are pure formulas are the same in every language.
_TABLE = [
    ("M1", N_("sum"), r"d(X \pm Y) = dX \pm dY", "d(X ± Y) = dX ± dY"),
    ("M2", N_("product"), r"d(XY) = (dX)\,Y + X\,dY", "d(XY) = (dX) Y + X dY"),
    ("M3", N_("transpose"), r"d(X^T) = (dX)^T", "d(X^T) = (dX)^T"),
    ("M4", N_("trace"), r"d\,\mathrm{tr}(X) = \mathrm{tr}(dX)", "d tr(X) = tr(dX)"),
    ("M5", N_("inverse"), r"d(X^{-1}) = -X^{-1}\,dX\,X^{-1}", "d(X^-1) = -X^-1 dX X^-1"),
    ("M6", N_("determinant"), r"d|X| = \mathrm{tr}(\mathrm{adj}(X)\,dX) = |X|\,\mathrm{tr}(X^{-1} dX)",
     "d|X| = tr(adj(X) dX) = |X| tr(X^-1 dX)"),
    ("M7", N_("Hadamard product"), r"d(X \odot Y) = dX \odot Y + X \odot dY", "d(X ⊙ Y) = dX ⊙ Y + X ⊙ dY"),
    ("M8", N_("elementwise function"), r"d\,\sigma(X) = \sigma'(X) \odot dX", "d σ(X) = σ'(X) ⊙ dX"),
    ("L", N_("gradient link"), r"df = \mathrm{tr}\big((\partial f/\partial X)^T dX\big)",
     "df = tr((∂f/∂X)^T dX)"),
    ("T1", N_("scalar is its trace"), r"a = \mathrm{tr}(a)", "a = tr(a)"),
    ("T2", N_("trace of transpose"), r"\mathrm{tr}(A^T) = \mathrm{tr}(A)", "tr(A^T) = tr(A)"),
    ("T3", N_("trace is linear"), r"\mathrm{tr}(\alpha A \pm \beta B) = \alpha\,\mathrm{tr}(A) \pm "
     r"\beta\,\mathrm{tr}(B)", "tr(αA ± βB) = α tr(A) ± β tr(B)"),
    ("T4", N_("cyclic trace"), r"\mathrm{tr}(AB) = \mathrm{tr}(BA)", "tr(AB) = tr(BA)"),
    ("T5", N_("Hadamard under trace"), r"\mathrm{tr}(A^T (B \odot C)) = \mathrm{tr}((A \odot B)^T C)",
     "tr(A^T (B ⊙ C)) = tr((A ⊙ B)^T C)"),
    ("P", N_("the method"), N_(r"\text{differentiate, wrap in tr, move } dX \text{ last, read off}"),
     N_("differentiate, wrap in tr, move dX last, read off")),
    ("C1", N_("composition"), N_(r"df = \mathrm{tr}\big((\partial f/\partial Y)^T dY\big),\ dY \text{ via } dX"),
     N_("df = tr((∂f/∂Y)^T dY), dY via dX")),
    ("C2", N_("linear substitution"), r"Y = AXB \Rightarrow \partial f/\partial X = A^T (\partial f/\partial Y) B^T",
     "Y = AXB ⇒ ∂f/∂X = A^T (∂f/∂Y) B^T"),
]

#: Every rule by id.
RULES: dict[str, Rule] = {row[0]: Rule(*row) for row in _TABLE}


def _label(rule_id: str, name: str) -> str:
    """``"T4: cyclic trace"``: an id and a name already in the reader's language."""
    return _("{id}: {name}").format(id=rule_id, name=name)


def _shown(text: str) -> str:
    """``text`` in the reader's language; the empty text stays empty (gettext would give the
    catalog's header for it)."""
    return _(text) if text else text


def rule_label(rule_id: str) -> str:
    """``"T4: cyclic trace"`` for a known id; any other text (``"given"``) in the reader's language."""
    rule = RULES.get(rule_id)
    return _label(rule.id, rule.title()) if rule else _shown(rule_id)


#: The course order of the ids (derivations cite rules in this order).
ORDER: tuple[str, ...] = tuple(row[0] for row in _TABLE)


@dataclass(frozen=True)
class RuleUse:
    """One use of a rule in a derivation: its id and, for a special form, the words to show.

    >>> RuleUse("M8", "function of a scalar (a 1×1 case of M8)").label
    'M8: function of a scalar (a 1×1 case of M8)'
    """

    id: str
    form: str = ""  # replaces the rule's short name, e.g. "determinant, as d log|det F| = …"

    @property
    def label(self) -> str:
        """The label in the reader's language (a form marked with N_ is translated too)."""
        return _label(self.id, _(self.form)) if self.form else rule_label(self.id)

    def sort_key(self) -> tuple:
        return (ORDER.index(self.id) if self.id in ORDER else len(ORDER), self.id, self.form)


def cite(uses: object) -> str:
    """The labels of a set of rule uses in course order; a plain use hides a special form.

    Labels and the separator between them are in the reader's language.
    """
    uses = set(uses)
    plain = {u.id for u in uses if not u.form}
    shown = sorted((u for u in uses if not u.form or u.id not in plain), key=RuleUse.sort_key)
    # TRANSLATORS: the separator between two rule labels in a citation ("M2: product; T4: …").
    return _("; ").join(u.label for u in shown)

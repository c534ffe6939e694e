"""Small helpers the chapters 3–6 share, so that each chapter opens with its idea, not its code.

Three jobs, each checked before anything is shown:

- **exact checks on small matrices** (chapter 3): :func:`sym_matrix` builds a matrix of symbols,
  :func:`along` takes the derivative of ``F(X + tE)`` at ``t = 0`` entry by entry (the
  differential in direction ``E``), :func:`same` decides exact equality;
- **remainder tables** (chapter 3): :func:`show_orders` fits the remainder order of rules and of
  their wrong variants from :mod:`mdlib.rules`, insists that the right ones vanish faster than
  first order and the wrong ones do not, and displays the table;
- **verdicts** (chapters 4–6): :func:`show` displays a gradient check and insists on the expected
  verdict; :func:`engine_agrees` compares the derivation engine's gradient with the notebook's
  own data and shows the result briefly, the engine's lines folded away.

:func:`rules_summary` renders the one-page table of every rule and trick with a tempting wrong
version, from the course's tables (:mod:`mdlib.curriculum`, :mod:`mdlib.rules`,
:mod:`mdlib.tricks`). Every sentence shown is in the reader's language (:mod:`mdlib.i18n`).

>>> X, E = sym_matrix("x", 2, 2), sym_matrix("e", 2, 2)
>>> same(along(lambda X: X.inv(), (X,), (E,)), -X.inv() * E * X.inv())
True
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import sympy as sp
from IPython.display import Markdown, display

from .curriculum import RULES as IDS
from .errors import MdlibError
from .gradcheck import GradientCheck, check_gradient
from .i18n import N_, _
from .render import Derivation
from .rules import RULES as CATALOG
from .rules import variants
from .tricks import WRONG as FALSE_IDENTITIES

# The line parameter of along(); a private symbol, so it cannot clash with a reader's "t".
_T = sp.Dummy("t")

# A wrong variant must leave a first-order remainder: fitted order within this of 1.
_FIRST_ORDER_TOLERANCE = 0.2


# ----------------------------------------------------------------- exact checks (chapter 3)

def sym_matrix(name: str, rows: int, cols: int) -> sp.Matrix:
    """A matrix whose entries are independent symbols ``name_11, name_12, …``.

    >>> sym_matrix("x", 1, 2)
    Matrix([[x_11, x_12]])
    """
    return sp.Matrix(rows, cols, lambda i, j: sp.Symbol(f"{name}_{i + 1}{j + 1}"))


def along(F: Callable, point: Sequence[sp.Matrix], direction: Sequence[sp.Matrix]) -> sp.Basic:
    """``d/dt F(X + tE, Y + tD, …)`` at ``t = 0``: the differential of ``F`` along the direction.

    A one-variable derivative of every entry, which SymPy does exactly.

    >>> X, E = sym_matrix("x", 2, 2), sym_matrix("e", 2, 2)
    >>> along(lambda X: X.trace(), (X,), (E,))
    e_11 + e_22
    """
    if len(point) != len(direction):
        raise MdlibError(_("give one direction per input: {inputs} inputs, {directions} "
                           "directions").format(inputs=len(point), directions=len(direction)))
    value = F(*(P + _T * E for P, E in zip(point, direction, strict=True)))
    derivative = value.diff(_T) if isinstance(value, sp.MatrixBase) else sp.diff(value, _T)
    return derivative.subs(_T, 0)


def same(a: sp.Basic, b: sp.Basic) -> bool:
    """Exact equality of two symbolic scalars or matrices (their difference simplifies to 0).

    >>> x = sp.Symbol("x")
    >>> same(sp.sin(x) ** 2 + sp.cos(x) ** 2, 1), same(x, 2 * x)
    (True, False)
    """
    difference = sp.simplify(a - b)
    if isinstance(difference, sp.MatrixBase):
        return bool(difference.is_zero_matrix)
    return bool(difference == 0)


# ----------------------------------------------------------------- remainder tables (chapter 3)

def order_rows(labels: Sequence[str], seed: int = 0) -> list[tuple[str, str, str, bool]]:
    """``(label, claim, fitted order, is a differential)`` per catalog label, each one checked.

    Raises :class:`MdlibError` if a right rule fails to vanish faster than first order, or a
    wrong variant does not leave a first-order remainder: then the catalog itself is broken.

    >>> [(label, order, ok) for label, _, order, ok in order_rows(["M3", "M5 (wrong sign)"])]
    [('M3', 'exact (r = 0)', True), ('M5 (wrong sign)', '1.00', False)]
    """
    rows = []
    for label in labels:
        if label not in CATALOG:
            raise MdlibError(_("no rule {label!r}; choose one of {known}").format(
                label=label, known=list(CATALOG)))
        rule = CATALOG[label]
        study = rule.study(seed=seed)
        if rule.correct and not study.is_second_order():
            raise MdlibError(_("{label} is meant to be right, but its remainder has order "
                               "{order}").format(label=label, order=f"{study.order:.2f}"))
        if not rule.correct and abs(study.order - 1) >= _FIRST_ORDER_TOLERANCE:
            raise MdlibError(_("{label} is meant to be wrong, but its remainder has order "
                               "{order} instead of 1").format(label=label,
                                                             order=f"{study.order:.2f}"))
        order = _("exact (r = 0)") if study.exact else f"{study.order:.2f}"
        claim = f"$d({rule.function}) = {rule.claim}$"
        rows.append((label, claim, order, rule.correct))
    return rows


def order_markdown(labels: Sequence[str], seed: int = 0) -> str:
    """The rows of :func:`order_rows` as a Markdown table.

    >>> print(order_markdown(["M3"]).splitlines()[2])
    | M3 | $d(X^T) = (dX)^T$ | exact (r = 0) | ✅ a differential |
    """
    lines = [_("| rule | claim | fitted order | verdict |"), "|---|---|---|---|"]
    for label, claim, order, correct in order_rows(labels, seed):
        verdict = _("✅ a differential") if correct else _("❌ not the differential")
        # A bare "|" (as in |X|) would split a Markdown table cell.
        lines.append(f"| {_cell(_(label))} | {_math_cell(claim)} | {order} | {verdict} |")
    return "\n".join(lines)


def show_orders(labels: Sequence[str] | str, seed: int = 0) -> None:
    """Display the remainder table of the catalog labels (or of one rule id such as ``"M5"``).

    >>> show_orders("M3")
    <IPython.core.display.Markdown object>
    """
    if isinstance(labels, str):
        labels = [rule.label for rule in variants(labels)]
    display(Markdown(order_markdown(labels, seed)))


# ----------------------------------------------------------------- verdicts (chapters 4–6)

def show(name: str, result: GradientCheck, expect: bool = True) -> None:
    """Display a check under a name, then insist that it came out as ``expect``.

    >>> import numpy as np
    >>> from mdlib import check_gradient
    >>> wrong = check_gradient(lambda X: np.trace(X), np.eye(2), np.zeros((2, 2)))
    >>> show("zero is wrong", wrong, expect=False)
    <IPython.core.display.Markdown object>
    """
    display(Markdown(f"**{name}:** {result._repr_markdown_()}"))
    if bool(result) is not expect:
        wanted = _("{name}: the check was expected to pass: {message}") if expect else _(
            "{name}: the check was expected to fail: {message}")
        raise MdlibError(wanted.format(name=name, message=result.message))


def _final_lines(derivation: object) -> str:
    """LaTeX of the engine's last statement about the gradient (from its last ∂f/∂X line on)."""
    steps = list(derivation.steps)
    start = max((k for k, s in enumerate(steps) if s.lhs not in ("", None)), default=0)
    return Derivation(steps[start:]).to_latex()


def engine_agrees(derivation: object, f: Callable, point: object, /, name: str = "",
                  narrate: bool = True, **values: object) -> np.ndarray:
    """The engine's gradient, checked on the notebook's own data and shown briefly.

    ``derivation`` is the result of :func:`mdlib.derive` or :func:`mdlib.chain` (it verified
    itself on seeded random data before returning). Its gradient is evaluated at ``values``
    (the notebook's matrices, by name), reshaped like ``point`` and compared with finite
    differences of ``f`` at ``point``. Shown: the result, both verdicts and (unless ``narrate``
    is False) the engine's narrated lines folded in a ``<details>`` block. Raises
    :class:`MdlibError` if a check fails.

    >>> import numpy as np, sympy
    >>> from mdlib import derive
    >>> X = sympy.MatrixSymbol("X", 2, 2)
    >>> d = derive(sympy.Trace(X * X), X)
    >>> X0 = np.array([[1.0, 2.0], [0.0, 1.0]])
    >>> G = engine_agrees(d, lambda X: np.trace(X @ X), X0, X=X0)
    <IPython.core.display.Markdown object>
    >>> G.tolist()
    [[2.0, 0.0], [4.0, 2.0]]
    """
    G = np.reshape(derivation.gradient_function()(**values), np.shape(point))
    here = check_gradient(f, point, G)
    engine = derivation.verification
    if not engine or not here:
        reason = here.message if engine else _("the engine did not verify its result")
        raise MdlibError(_("the engine's gradient is not confirmed: {reason}").format(reason=reason))
    title = _("**{name}, the engine agrees:**").format(name=name) if name else _(
        "**The engine agrees:**")
    text = (f"{title} $${_final_lines(derivation)}$$\n\n"
            + _("engine: {verdict}").format(verdict=engine._repr_markdown_()) + "  \n"
            + _("this notebook's data: {verdict}").format(verdict=here._repr_markdown_()))
    if narrate:
        lines = Derivation(list(derivation.steps)).to_latex()
        summary = _("The engine's lines")
        text += f"\n\n<details><summary>{summary}</summary>\n\n$${lines}$$\n\n</details>"
    display(Markdown(text))
    return G


# ----------------------------------------------------------------- the one-page summary (chapter 4)

#: The ids of the one-page summary, in course order.
SUMMARY_IDS = ("M1", "M2", "M3", "M4", "M5", "M6", "M7", "M8", "L", "T1", "T2", "T3", "T4",
               "T5", "P")

# Which trick each tempting false identity of mdlib.tricks imitates, and why it fails.
_FALSE_IDENTITY_OF = {
    "tr(AB) = tr(A) tr(B)": ("T3", N_("the trace adds up (T3) but does not multiply")),
    "tr(ABC) = tr(BAC)": ("T4", N_("only cyclic moves keep the trace; swapping two factors does not")),
    "tr(A (B ⊙ C)) = tr((A ⊙ B) C)": ("T5", N_("without the transposes the two sides differ")),
}

# Slips for the ids that have no wrong variant in the tables; each is shown false by a test.
_OTHER_SLIPS = {
    "L": (r"$df = \mathrm{tr}(M\,dX) \Rightarrow \partial f/\partial X = M$",
          N_("the transpose is missing: the gradient is $M^T$")),
    "T1": (r"$xx^T = \mathrm{tr}(xx^T)$",
           N_("only a scalar ($1\\times 1$) equals its trace; $\\mathrm{tr}(xx^T) = x^Tx$")),
    "T2": (r"$\mathrm{tr}(dX^T A X) = \mathrm{tr}(dX\,A X)$",
           N_("T2 transposes the whole product, never one factor")),
    "P": (r"$d(X^2) = 2X\,dX$",
          N_("scalar habits: $d(X^2) = dX\\,X + X\\,dX$ keeps the order (M2)")),
}


def _cell(text: str) -> str:
    """Plain text in a Markdown table cell: a bare "|" would split the cell."""
    return text.replace("|", "&#124;")


def _math_cell(latex: str) -> str:
    """LaTeX in a Markdown table cell: |X| is written with \\vert, which renders the same."""
    return latex.replace("|", r"\vert ")


def _latex_of(plain: str) -> str:
    return "$" + plain.replace("⊙", r"\odot ").replace("tr(", r"\mathrm{tr}(") + "$"


def tempting_slips(rule_id: str) -> list[tuple[str, str]]:
    """``(wrong statement, what is wrong)`` for one id, from the course's tables, the reason in
    the reader's language.

    >>> tempting_slips("M5")[0]
    ('$d(X^{-1}) = +X^{-1}\\\\,dX\\\\,X^{-1}$', 'the sign is flipped')
    >>> tempting_slips("T4")[0][0]
    '$\\\\mathrm{tr}(ABC) = \\\\mathrm{tr}(BAC)$'
    """
    slips = [(f"$d({r.function}) = {r.claim}$", r.shown_mistake())
             for r in variants(rule_id) if not r.correct]
    slips += [(_latex_of(statement), _(_FALSE_IDENTITY_OF[statement][1]))
              for statement in FALSE_IDENTITIES
              if _FALSE_IDENTITY_OF.get(statement, ("",))[0] == rule_id]
    if rule_id in _OTHER_SLIPS:
        wrong, why = _OTHER_SLIPS[rule_id]
        slips.append((wrong, _(why)))
    return slips


def rules_summary(ids: Sequence[str] = SUMMARY_IDS) -> str:
    """A Markdown table: every rule and trick, its statement, and one tempting wrong version.

    >>> table = rules_summary()
    >>> len(table.splitlines()) == 2 + len(SUMMARY_IDS)
    True
    >>> table.splitlines()[2].startswith("| M1 | sum |")
    True
    """
    lines = [_("| id | name | statement | tempting but wrong | why it is wrong |"),
             "|---|---|---|---|---|"]
    for rule_id in ids:
        if rule_id not in IDS:
            raise MdlibError(_("no rule or trick {id!r}; choose one of {known}").format(
                id=rule_id, known=list(IDS)))
        rule = IDS[rule_id]
        slips = tempting_slips(rule_id)
        wrong, why = slips[0] if slips else ("", "")
        statement = f"${rule.statement_latex()}$"
        lines.append(f"| {rule_id} | {rule.title()} | {_math_cell(statement)} | {_math_cell(wrong)} "
                     f"| {_cell(why)} |")
    return "\n".join(lines)


__all__ = [
    "SUMMARY_IDS",
    "along",
    "engine_agrees",
    "order_markdown",
    "order_rows",
    "rules_summary",
    "same",
    "show",
    "show_orders",
    "sym_matrix",
    "tempting_slips",
]

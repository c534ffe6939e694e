"""``check_vec_steps``: a hand derivation in vec form, ``d vec(F) = …``, checked line by line.

Each line is a right-hand side of ``d vec(F) = …`` written with ``vec(dX)`` (and ``dX`` inside),
e.g. for F = A X B first ``vec(A*dX*B)``, then ``kron(B.T, A)*vec(dX)``. The reference is the
engine's *verified* ∂F/∂X (the article's layout: vec dF = (∂F/∂X)ᵀ vec dX). Every line is
compared with numbers at seeded random points, at dX and at 2·dX (a line must be linear in dX),
with vec dF for the first line and with the line before for the others. For the first wrong line
the checker looks for the cause by repairing the line: Kronecker factors swapped, a transpose
missing (or extra) in a Kronecker factor, the commutation matrix missing, extra or with its sizes
swapped, a sign, a factor. A last line M*vec(dX) gives the reader's (∂F/∂X)ᵀ, which is chapter
2's Jacobian ∂vec F/∂(vec X)ᵀ.

>>> report = check_vec_steps("A*X*B", "X", ["vec(A*dX*B)", "kron(A, B.T)*vec(dX)"],
...                          "X: 3x2, A: 4x3, B: 2x3")
>>> report.first_wrong, "factors are swapped" in report.lines[1].message
(2, True)
>>> print(check_vec_steps("X.T", "X", "vec(dX.T)\\nK(3, 2)*vec(dX)", "X: 3x2"))
✔ line 1: vec(dX.T)  — right
✔ line 2: K(3, 2)*vec(dX)  — right (H1: vec(Aᵀ) = K vec A)
✔ Every line is right, and the last one is M vec(dX) with M = K_3,2 = (∂F/∂X)ᵀ, chapter 2's Jacobian ∂vec F/∂(vec X)ᵀ; so ∂F/∂X = Mᵀ (6×6, the layout vec dF = (∂F/∂X)ᵀ vec dX), which equals the verified ∂F/∂X = K_2,3.
"""

from __future__ import annotations

import ast
import re
from functools import lru_cache

import numpy as np
import sympy
from sympy.matrices.expressions import KroneckerProduct, MatAdd, MatMul, MatrixExpr, Transpose

from ..errors import MdlibError
from ..i18n import N_, _
from ..parse import SizeMismatch, parse_expression
from .cause import Cause, factor_words
from .check import carries_the_mistake, split_lines
from .problem import _close, _samples, read_problem
from .reading import sizes_do_not_match
from .report import LineVerdict, StepReport, set_unfinished_verdict

# ------------------------------------------------------------------ the problem

class _VecProblem:
    """F parsed, its Jacobian derived and verified by the engine, and the seeded points."""

    def __init__(self, F: str, X: str, shapes: str, seed: int, symmetric: tuple[str, ...]) -> None:
        from ..engine.nodes import CommutationMatrix, Vec
        from ..engine.numeric import evaluate
        from ..engine.second_order import jacobian

        expr, symbols, self.X, self.dname = read_problem(F, X, shapes)
        if not isinstance(expr, MatrixExpr):
            raise MdlibError(_("F = {F} is a number: check a scalar f with check_steps (df = …)")
                             .format(F=F))
        self.m, self.n = (int(d) for d in self.X.shape)
        self.line_shapes = f"{shapes}, {self.dname}: {self.m}x{self.n}"
        self.p, self.q = (int(d) for d in expr.shape)
        self.jacobian = jacobian(expr, self.X, symmetric=symmetric)  # raises if not verified
        self.dX = sympy.MatrixSymbol(self.dname, self.m, self.n)
        self.vec_dX = Vec(self.dX)
        self.K = CommutationMatrix
        self.samples = _samples(expr, symbols, X, self.dname, seed, tuple(symmetric))
        self.memo: dict = {}
        self.reference = np.concatenate([
            np.asarray(evaluate(self.jacobian.vec_factor, values, {}), dtype=float)
            @ values[self.dname].reshape(-1, order="F") for values in self.samples])
        J = [np.asarray(evaluate(self.jacobian.vec_factor, v, {}), dtype=float) for v in self.samples]
        # |J vec dX| <= |J| |dX|: the natural size of vec dF, against which round-off is judged
        self.scale = np.concatenate([np.full(self.p * self.q, np.linalg.norm(j) * np.linalg.norm(
            v[self.dname])) for j, v in zip(J, self.samples, strict=True)])

    def value(self, expr: sympy.Basic, factor: float = 1.0) -> np.ndarray:
        """The line at every sample point (dX times ``factor``), all entries in one vector."""
        from ..engine.numeric import evaluate

        key = (expr, factor)
        if key not in self.memo:
            out = []
            for values in self.samples:
                if factor != 1.0:
                    values = {**values, self.dname: factor * values[self.dname]}
                out.append(np.asarray(evaluate(expr, values, {}), dtype=float).reshape(-1))
            self.memo[key] = np.concatenate(out)
        return self.memo[key]

    def safe_value(self, expr: sympy.Basic) -> np.ndarray | None:
        try:
            return self.value(expr)
        except Exception:  # noqa: BLE001 - a repair that does not evaluate is not the fix
            return None


@lru_cache(maxsize=32)
def _vec_problem(F: str, X: str, shapes: str, seed: int, symmetric: tuple[str, ...]) -> _VecProblem:
    return _VecProblem(F, X, shapes, seed, symmetric)


# ------------------------------------------------------------------ reading a line

def _read(text: str, problem: _VecProblem) -> sympy.Basic:
    """The line as an expression; raises MdlibError with a message for the reader
    (:class:`~mdlib.parse.SizeMismatch` when its sizes do not match)."""
    expr, _symbols = parse_expression(text, problem.line_shapes)
    shape = tuple(int(d) for d in expr.shape) if isinstance(expr, MatrixExpr) else (1, 1)
    want = (problem.p * problem.q, 1)
    if shape != want:
        raise SizeMismatch(_("this line is {rows}×{cols}, but d vec(F) is {size}×1 (F is "
                             "{p}×{q}): write vec(...) of the differential, or M*vec({dX})").format(
            rows=shape[0], cols=shape[1], size=want[0], p=problem.p, q=problem.q, dX=problem.dname))
    mentions_dX = re.search(rf"(?<![\w.]){re.escape(problem.dname)}\b", text)
    if mentions_dX and (expr == 0 or isinstance(expr, sympy.ZeroMatrix)):
        return sympy.ZeroMatrix(*want)  # its terms cancelled as it was read: a line that is 0
    if not any(str(s.name) == problem.dname for s in expr.atoms(sympy.MatrixSymbol)):
        raise MdlibError(_("the line does not contain {dX}: every line is d vec(F) written with "
                           "vec({dX})").format(dX=problem.dname))
    return expr


# ------------------------------------------------------------------ why a line is wrong

def _nodes(expr: sympy.Basic, kind: type) -> list[sympy.Basic]:
    return [e for e in sympy.preorder_traversal(expr) if isinstance(e, kind)]


def _show(e: sympy.Basic) -> str:
    from ..engine.vectorize import to_text

    return to_text(e)


#: The slips of a Kronecker product, each a whole sentence with the product as written and as it
#: should be (and H1, the rule that says which factor goes where).
KRON_WORDS = {
    "swapped": N_("the Kronecker factors are swapped: {wrong} should be {right} (H1: vec(A dX B) "
                  "= (Bᵀ ⊗ A) vec dX)"),
    "swapped, left": N_("the Kronecker factors are swapped: {wrong} should be {right} (H1: "
                        "vec(A dX B) = (Bᵀ ⊗ A) vec dX, the transposed factor on the left)"),
    "extra transpose": N_("an extra transpose in a Kronecker factor: {wrong} should be {right} "
                          "(H1: vec(A dX B) = (Bᵀ ⊗ A) vec dX)"),
    "missing transpose": N_("a transpose is missing in a Kronecker factor: {wrong} should be "
                            "{right} (H1: vec(A dX B) = (Bᵀ ⊗ A) vec dX)"),
    "swapped and transpose": N_("the Kronecker factors are swapped and a transpose is wrong: "
                                "{wrong} should be {right} (H1: vec(A dX B) = (Bᵀ ⊗ A) vec dX)"),
}


def _kron_words(slip: str, wrong: str, right: str) -> str:
    return _(KRON_WORDS[slip]).format(wrong=wrong, right=right)


def _repairs(expr: sympy.Basic, problem: _VecProblem):
    """(repaired line, the cause in words), the most specific first."""
    for kron in _nodes(expr, KroneckerProduct):
        if len(kron.args) != 2:
            continue
        a, b = kron.args
        right = KroneckerProduct(b, a)
        yield (expr.xreplace({kron: right}), _kron_words("swapped, left", _show(kron), _show(right)))
        for i, factor in enumerate((a, b)):
            flipped = _flip(factor)
            args = [a, b]
            args[i] = flipped
            right = KroneckerProduct(*args)
            slip = ("extra transpose" if _transposes(flipped) < _transposes(factor)
                    else "missing transpose")
            yield expr.xreplace({kron: right}), _kron_words(slip, _show(kron), _show(right))
        for i, factor in enumerate((a, b)):
            flipped = _flip(factor)
            args = [b, a]
            args[1 - i] = flipped
            right = KroneckerProduct(*args)
            yield (expr.xreplace({kron: right}),
                   _kron_words("swapped and transpose", _show(kron), _show(right)))
    m, n, x = problem.m, problem.n, problem.X.name
    for K in _nodes(expr, problem.K):
        r, c = K.args
        if r != c:
            right = problem.K(c, r)
            yield (expr.xreplace({K: right}),
                   _("the commutation matrix has its sizes swapped: for {X} {m}×{n}, vec(d{X}ᵀ) = "
                     "K({m}, {n}) vec(d{X}), so write K({c}, {r}) here").format(
                       X=x, m=m, n=n, c=c, r=r))
        yield (expr.xreplace({K: sympy.Identity(int(r * c))}),
               _("an extra commutation matrix {K}: vec(d{X}) needs none; K appears only where a "
                 "transpose of the differential is vectorised").format(K=_show(K), X=x))
    for sizes in ((m, n), (n, m)) if m != n else ((m, n),):
        right = MatMul(problem.K(*sizes), problem.vec_dX)
        yield (expr.xreplace({problem.vec_dX: right}),
               _("the commutation matrix is missing: write K({a}, {b}) vec(d{X}) for vec(d{X}) "
                 "here, as vec(d{X}ᵀ) = K({m}, {n}) vec(d{X}) for {X} {m}×{n}").format(
                   a=sizes[0], b=sizes[1], X=x, m=m, n=n))
    p, q = problem.p, problem.q
    for sizes in ((q, p), (p, q)):
        if p != q or sizes == (q, p):
            yield (MatMul(problem.K(*sizes), expr),
                   _("this is vec of the transpose of dF: vec(Mᵀ) = K vec(M), so a commutation "
                     "matrix K({a}, {b}) is missing in front").format(a=sizes[0], b=sizes[1]))


def _flip(factor: sympy.Basic) -> sympy.Basic:
    """The factor transposed, in its simplest form ((X^-T)^T is X^-1)."""
    return factor.arg if isinstance(factor, Transpose) else Transpose(factor).doit()


def _transposes(expr: sympy.Basic) -> int:
    return len(_nodes(expr, Transpose))


def _diagnose(expr: sympy.Basic, target: np.ndarray, problem: _VecProblem) -> Cause:
    value = problem.value(expr)
    scale = problem.scale
    if _close(value, np.zeros_like(value), scale):
        return Cause(_("this line is identically 0: its terms cancel for every {dX}, but vec dF is "
                       "not 0").format(dX=problem.dname), slip="zero")
    if _close(-value, target, scale):
        return Cause(factor_words(-1.0, "whole line"), -expr)
    terms = list(expr.args) if isinstance(expr, MatAdd) else [expr]
    if len(terms) > 1:
        for term in terms:
            flipped = problem.safe_value(term)
            if flipped is not None and _close(value - 2 * flipped, target, scale):
                return Cause(factor_words(-1.0, "term", _show(term)), MatAdd(expr, -2 * term))
    nonzero = np.abs(target) > 1e-6 * np.max(np.abs(target), initial=1e-300)
    if np.any(nonzero):
        ratio = value[nonzero] / target[nonzero]
        c = float(np.median(ratio))
        if abs(c) > 1e-12 and not np.isclose(c, 1) and _close(value / c, target, scale):
            return Cause(_("{cause} (count the terms, and the factors 2 and 1/2)").format(
                cause=factor_words(c, "line")), expr / sympy.nsimplify(c, rational=True))
    for repaired, cause in _repairs(expr, problem):
        fixed = problem.safe_value(repaired)
        if fixed is not None and _close(fixed, target, scale):
            return Cause(cause, repaired)
    return Cause(_("it does not equal the line before (or vec dF), and no single slip explains "
                   "it: redo this step with H1, vec(A dX B) = (Bᵀ ⊗ A) vec dX, vec(dXᵀ) = K vec dX "
                   "and vec(A ⊙ dX) = diag(vec A) vec dX"))


def _typed_repairs(text: str):
    """(repaired text, cause) for a line whose shapes do not fit: kron's factors swapped or a
    factor's transpose dropped (B ⊗ A for Bᵀ ⊗ A with B not square does not even multiply).

    The text is only parsed into a syntax tree to find the arguments of kron; every repaired
    text is read again by the whitelist parser, never run.
    """
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError:
        return
    source = text.strip()
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id == "kron" and len(node.args) == 2):
            continue
        call = ast.get_source_segment(source, node)
        a, b = (ast.get_source_segment(source, arg) for arg in node.args)
        def flip(t: str) -> str:
            return t[:-2] if t.endswith(".T") else f"({t}).T" if not t.isidentifier() else f"{t}.T"
        for new, slip in ((f"kron({b}, {a})", "swapped"),
                          (f"kron({flip(a)}, {b})", "missing transpose"),
                          (f"kron({a}, {flip(b)})", "missing transpose"),
                          (f"kron({flip(b)}, {a})", "swapped and transpose"),
                          (f"kron({b}, {flip(a)})", "swapped and transpose")):
            yield source.replace(call, new, 1), _kron_words(slip, call, new)


def _rule(expr: sympy.Basic, previous: sympy.Basic | None) -> str:
    """The vec rule a right line used, where it can be told from the nodes it introduced."""
    from ..engine.nodes import CommutationMatrix, DiagVec

    if previous is None:
        return ""
    def new(kind):
        return bool(_nodes(expr, kind)) and not _nodes(previous, kind)
    if new(KroneckerProduct):
        return "H1: vec(A dX B) = (Bᵀ ⊗ A) vec dX"
    if new(CommutationMatrix):
        return "H1: vec(Aᵀ) = K vec A"
    if new(DiagVec):
        return "H1: vec(A ⊙ dX) = diag(vec A) vec dX"
    return ""


# ------------------------------------------------------------------ the public function

def check_vec_steps(F: str, X: str, lines: str | list[str], shapes: str, seed: int = 0,
                    symmetric: tuple[str, ...] | list[str] = ()) -> StepReport:
    """Check a hand derivation of d vec(F), one ``d vec(F) = …`` right-hand side per line.

    ``F`` and each line are typed text (read by the whitelist parser, never evaluated as
    Python), written with ``vec``, ``kron``, ``K(m, n)``, ``eye(n)``, ``diagvec`` and ``dX``.
    Raises :class:`MdlibError` if F cannot be read or its Jacobian cannot be verified; a line
    that cannot be read gets its own verdict.

    >>> check_vec_steps("A*X", "X", "vec(A*dX)\\nkron(eye(2), A)*vec(dX)", "X: 3x2, A: 4x3").ok
    True
    """
    problem = _vec_problem(F, X, shapes, seed, tuple(symmetric))
    report = StepReport(F, X, verified_latex=problem.jacobian.latex, lhs="d vec(F)")
    previous: sympy.Basic | None = None
    previous_ok, have_previous = True, False
    last = None
    texts = split_lines(lines)
    for number, text in enumerate(texts, start=1):
        try:
            expr = _read(text, problem)
        except MdlibError as err:
            cause = _typed_cause(text, problem)
            if cause:  # the shapes do not fit, and a known slip explains why
                report.lines.append(LineVerdict(
                    number, text, "", False,
                    _("{cause}; as typed, {error}").format(cause=cause[0], error=err),
                    kind="size", repair=cause[1]))
            elif isinstance(err, SizeMismatch):  # wrong, not unreadable: it reads fine
                report.lines.append(LineVerdict(number, text, "", False,
                                                sizes_do_not_match(str(err)), kind="size"))
            else:
                report.lines.append(LineVerdict(number, text, "", None, str(err)))
            report.first_wrong = report.first_wrong or number
            previous, have_previous, last = None, True, None
            previous_ok = previous_ok and not (cause or isinstance(err, SizeMismatch))
            continue
        from ..engine.vectorize import to_latex

        latex = to_latex(expr)
        try:
            value = problem.value(expr)
            ok = (_close(value, problem.reference, problem.scale)
                  and _close(problem.value(expr, 2.0), 2 * problem.reference, 2 * problem.scale))
        except MdlibError as err:
            report.lines.append(LineVerdict(number, text, latex, None, str(err)))
            report.first_wrong = report.first_wrong or number
            previous, have_previous, last = None, True, None
            continue
        if ok:
            message = _("right") if previous_ok else _("right again (the line before was wrong)")
            report.lines.append(LineVerdict(number, text, latex, True, message,
                                            _rule(expr, previous)))
        else:
            repair, kind = None, ""
            if have_previous and previous is None:
                cause = _diagnose(expr, problem.reference, problem)
                message = _("it does not equal vec dF (the line before could not be read): "
                            "{cause}").format(cause=cause.message)
                repair, kind = cause.repair, cause.slip
            elif previous is not None and not previous_ok and _close(
                    value, problem.value(previous), problem.scale):
                message = carries_the_mistake()
            elif not np.all(np.isfinite(value)):
                message = _("its value is not a finite number at the sample points (it overflows "
                            "or divides by zero)")
            elif not _close(problem.value(expr, 2.0), 2 * value, 2 * problem.scale):
                message = _("it is not linear in {dX}: every line of d vec(F) is some matrix times "
                            "vec({dX})").format(dX=problem.dname)
            else:
                cause = _diagnose(expr, problem.reference, problem)
                message, repair, kind = cause.message, cause.repair, cause.slip
            report.lines.append(LineVerdict(number, text, latex, False, message,
                                            kind="zero" if kind == "zero" else "", repair=repair))
            report.first_wrong = report.first_wrong or number
        previous, previous_ok, have_previous, last = expr, ok, True, expr
    _conclude(report, problem, last)
    return report


def _typed_cause(text: str, problem: _VecProblem) -> tuple[str, sympy.Basic] | None:
    for repaired, cause in _typed_repairs(text):
        try:
            expr = _read(repaired, problem)
        except MdlibError:
            continue
        value = problem.safe_value(expr)
        if value is not None and _close(value, problem.reference, problem.scale):
            return cause, expr
    return None


def _factor(last: sympy.Basic, problem: _VecProblem) -> sympy.Basic | None:
    """M when the last line is M*vec(dX) (or a sum of such terms), else None."""
    from ..engine.nodes import depends_on

    terms = list(last.args) if isinstance(last, MatAdd) else [last]
    factors = []
    for term in terms:
        if term == problem.vec_dX:
            factors.append(sympy.Identity(problem.m * problem.n))
            continue
        if not isinstance(term, MatMul) or term.args[-1] != problem.vec_dX:
            return None
        M = MatMul(*term.args[:-1])
        if depends_on(M, problem.dX):
            return None
        factors.append(M)
    return factors[0] if len(factors) == 1 else MatAdd(*factors)


def _conclude(report: StepReport, problem: _VecProblem, last: sympy.Basic | None) -> None:
    x = problem.X.name
    if set_unfinished_verdict(report, _("Write the first line of d vec(F) = … (with vec(d{X})); "
                                        "each line is checked as you go.").format(X=x)):
        return
    M = _factor(last, problem) if last is not None else None
    if M is None:
        report.verdict = _("✔ Every line is right. To read off ∂F/∂{X}, bring the last line to the "
                           "form M*vec(d{X}) (H1: vec(A d{X} B) = (Bᵀ ⊗ A) vec d{X}).").format(X=x)
        return
    from ..engine.numeric import evaluate
    from ..engine.vectorize import to_latex

    values = problem.samples[0]
    reader = np.asarray(evaluate(M, values, {}), dtype=float)
    verified = np.asarray(evaluate(problem.jacobian.jacobian, values, {}), dtype=float)
    rows, cols = problem.jacobian.shape
    report.gradient_latex = to_latex(Transpose(M))
    if reader.shape == verified.T.shape and _close(reader.T.ravel(), verified.ravel(),
                                                   np.full(verified.size, np.linalg.norm(verified))):
        report.verdict = _("✔ Every line is right, and the last one is M vec(d{X}) with M = {M} = "
                           "(∂F/∂{X})ᵀ, chapter 2's Jacobian ∂vec F/∂(vec {X})ᵀ; so ∂F/∂{X} = Mᵀ "
                           "({rows}×{cols}, the layout vec dF = (∂F/∂{X})ᵀ vec d{X}), which equals "
                           "the verified ∂F/∂{X} = {verified}.").format(
            X=x, M=_show(M), rows=rows, cols=cols, verified=problem.jacobian.text)
    else:  # cannot happen when every line equals vec dF; kept so nothing unverified is claimed
        report.verdict = _("✘ The matrix in front of vec(d{X}), {M}, is not the verified "
                           "(∂F/∂{X})ᵀ.").format(X=x, M=_show(M))

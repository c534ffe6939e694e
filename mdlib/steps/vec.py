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
from ..parse import SizeMismatch, parse_expression
from .cause import Cause, factor_words
from .check import split_lines
from .problem import _close, _samples, read_problem
from .reading import SIZES
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
            raise MdlibError(f"F = {F} is a number: check a scalar f with check_steps (df = …)")
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
    expr, _ = parse_expression(text, problem.line_shapes)
    shape = tuple(int(d) for d in expr.shape) if isinstance(expr, MatrixExpr) else (1, 1)
    want = (problem.p * problem.q, 1)
    if shape != want:
        raise SizeMismatch(f"this line is {shape[0]}×{shape[1]}, but d vec(F) is {want[0]}×1 "
                           f"(F is {problem.p}×{problem.q}): write vec(...) of the differential, "
                           f"or M*vec({problem.dname})")
    mentions_dX = re.search(rf"(?<![\w.]){re.escape(problem.dname)}\b", text)
    if mentions_dX and (expr == 0 or isinstance(expr, sympy.ZeroMatrix)):
        return sympy.ZeroMatrix(*want)  # its terms cancelled as it was read: a line that is 0
    if not any(str(s.name) == problem.dname for s in expr.atoms(sympy.MatrixSymbol)):
        raise MdlibError(f"the line does not contain {problem.dname}: every line is d vec(F) "
                         f"written with vec({problem.dname})")
    return expr


# ------------------------------------------------------------------ why a line is wrong

def _nodes(expr: sympy.Basic, kind: type) -> list[sympy.Basic]:
    return [e for e in sympy.preorder_traversal(expr) if isinstance(e, kind)]


def _show(e: sympy.Basic) -> str:
    from ..engine.vectorize import to_text

    return to_text(e)


def _repairs(expr: sympy.Basic, problem: _VecProblem):
    """(repaired line, the cause in words), the most specific first."""
    for kron in _nodes(expr, KroneckerProduct):
        if len(kron.args) != 2:
            continue
        a, b = kron.args
        right = KroneckerProduct(b, a)
        yield (expr.xreplace({kron: right}),
               f"the Kronecker factors are swapped: {_show(kron)} should be {_show(right)} "
               "(H1: vec(A dX B) = (Bᵀ ⊗ A) vec dX, the transposed factor on the left)")
        for i, factor in enumerate((a, b)):
            flipped = _flip(factor)
            args = [a, b]
            args[i] = flipped
            right = KroneckerProduct(*args)
            what = ("an extra transpose in a Kronecker factor" if _transposes(flipped) <
                    _transposes(factor) else "a transpose is missing in a Kronecker factor")
            yield (expr.xreplace({kron: right}),
                   f"{what}: {_show(kron)} should be {_show(right)} "
                   "(H1: vec(A dX B) = (Bᵀ ⊗ A) vec dX)")
        for i, factor in enumerate((a, b)):
            flipped = _flip(factor)
            args = [b, a]
            args[1 - i] = flipped
            right = KroneckerProduct(*args)
            yield (expr.xreplace({kron: right}),
                   f"the Kronecker factors are swapped and a transpose is wrong: {_show(kron)} "
                   f"should be {_show(right)} (H1: vec(A dX B) = (Bᵀ ⊗ A) vec dX)")
    m, n = problem.m, problem.n
    for K in _nodes(expr, problem.K):
        r, c = K.args
        if r != c:
            right = problem.K(c, r)
            yield (expr.xreplace({K: right}),
                   f"the commutation matrix has its sizes swapped: for {problem.X.name} {m}×{n}, "
                   f"vec(d{problem.X.name}ᵀ) = K({m}, {n}) vec(d{problem.X.name}), "
                   f"so write K({c}, {r}) here")
        yield (expr.xreplace({K: sympy.Identity(int(r * c))}),
               f"an extra commutation matrix {_show(K)}: vec(d{problem.X.name}) needs none; "
               "K appears only where a transpose of the differential is vectorised")
    for sizes in ((m, n), (n, m)) if m != n else ((m, n),):
        right = MatMul(problem.K(*sizes), problem.vec_dX)
        yield (expr.xreplace({problem.vec_dX: right}),
               f"the commutation matrix is missing: write K({sizes[0]}, {sizes[1]}) "
               f"vec(d{problem.X.name}) for vec(d{problem.X.name}) here, as vec(d{problem.X.name}ᵀ) "
               f"= K({m}, {n}) vec(d{problem.X.name}) for {problem.X.name} {m}×{n}")
    p, q = problem.p, problem.q
    for sizes in ((q, p), (p, q)):
        if p != q or sizes == (q, p):
            yield (MatMul(problem.K(*sizes), expr),
                   f"this is vec of the transpose of dF: vec(Mᵀ) = K vec(M), so a commutation "
                   f"matrix K({sizes[0]}, {sizes[1]}) is missing in front")


def _flip(factor: sympy.Basic) -> sympy.Basic:
    """The factor transposed, in its simplest form ((X^-T)^T is X^-1)."""
    return factor.arg if isinstance(factor, Transpose) else Transpose(factor).doit()


def _transposes(expr: sympy.Basic) -> int:
    return len(_nodes(expr, Transpose))


def _diagnose(expr: sympy.Basic, target: np.ndarray, problem: _VecProblem) -> Cause:
    value = problem.value(expr)
    scale = problem.scale
    if _close(value, np.zeros_like(value), scale):
        return Cause(f"this line is identically 0: its terms cancel for every {problem.dname}, "
                     "but vec dF is not 0", slip="zero")
    if _close(-value, target, scale):
        return Cause("the sign of the whole line is flipped", -expr)
    terms = list(expr.args) if isinstance(expr, MatAdd) else [expr]
    if len(terms) > 1:
        for term in terms:
            flipped = problem.safe_value(term)
            if flipped is not None and _close(value - 2 * flipped, target, scale):
                return Cause(f"the sign of the term {_show(term)} is flipped",
                             MatAdd(expr, -2 * term))
    nonzero = np.abs(target) > 1e-6 * np.max(np.abs(target), initial=1e-300)
    if np.any(nonzero):
        ratio = value[nonzero] / target[nonzero]
        c = float(np.median(ratio))
        if abs(c) > 1e-12 and not np.isclose(c, 1) and _close(value / c, target, scale):
            return Cause(factor_words(c, "the line") + " (count the terms, and the factors 2 "
                         "and 1/2)", expr / sympy.nsimplify(c, rational=True))
    for repaired, cause in _repairs(expr, problem):
        fixed = problem.safe_value(repaired)
        if fixed is not None and _close(fixed, target, scale):
            return Cause(cause, repaired)
    return Cause("it does not equal the line before (or vec dF), and no single slip explains "
                 "it: redo this step with H1, vec(A dX B) = (Bᵀ ⊗ A) vec dX, vec(dXᵀ) = K vec dX "
                 "and vec(A ⊙ dX) = diag(vec A) vec dX")


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
        for new, cause in ((f"kron({b}, {a})", "the Kronecker factors are swapped"),
                           (f"kron({flip(a)}, {b})", "a transpose is missing in a Kronecker factor"),
                           (f"kron({a}, {flip(b)})", "a transpose is missing in a Kronecker factor"),
                           (f"kron({flip(b)}, {a})", "the Kronecker factors are swapped and a "
                                                     "transpose is wrong"),
                           (f"kron({b}, {flip(a)})", "the Kronecker factors are swapped and a "
                                                     "transpose is wrong")):
            yield (source.replace(call, new, 1),
                   f"{cause}: {call} should be {new} (H1: vec(A dX B) = (Bᵀ ⊗ A) vec dX)")


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
                report.lines.append(LineVerdict(number, text, "", False, f"{cause[0]}; as typed, {err}",
                                                kind="size", repair=cause[1]))
            elif isinstance(err, SizeMismatch):  # wrong, not unreadable: it reads fine
                report.lines.append(LineVerdict(number, text, "", False, SIZES + str(err),
                                                kind="size"))
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
            message = "right" if previous_ok else "right again (the line before was wrong)"
            report.lines.append(LineVerdict(number, text, latex, True, message,
                                            _rule(expr, previous)))
        else:
            repair, kind = None, ""
            if have_previous and previous is None:
                cause = _diagnose(expr, problem.reference, problem)
                message = (f"it does not equal vec dF (the line before could not be read): "
                           f"{cause.message}")
                repair, kind = cause.repair, cause.slip
            elif previous is not None and not previous_ok and _close(
                    value, problem.value(previous), problem.scale):
                message = "it follows from the line before, but carries that line's mistake"
            elif not np.all(np.isfinite(value)):
                message = ("its value is not a finite number at the sample points (it overflows "
                           "or divides by zero)")
            elif not _close(problem.value(expr, 2.0), 2 * value, 2 * problem.scale):
                message = (f"it is not linear in {problem.dname}: every line of d vec(F) is "
                           f"some matrix times vec({problem.dname})")
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
    if set_unfinished_verdict(report, f"Write the first line of d vec(F) = … (with vec(d{x})); "
                                      "each line is checked as you go."):
        return
    M = _factor(last, problem) if last is not None else None
    if M is None:
        report.verdict = (f"✔ Every line is right. To read off ∂F/∂{x}, bring the last line to "
                          f"the form M*vec(d{x}) (H1: vec(A d{x} B) = (Bᵀ ⊗ A) vec d{x}).")
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
        report.verdict = (f"✔ Every line is right, and the last one is M vec(d{x}) with M = "
                          f"{_show(M)} = (∂F/∂{x})ᵀ, chapter 2's Jacobian ∂vec F/∂(vec {x})ᵀ; so "
                          f"∂F/∂{x} = Mᵀ ({rows}×{cols}, the layout vec dF = (∂F/∂{x})ᵀ vec d{x}), "
                          f"which equals the verified ∂F/∂{x} = {problem.jacobian.text}.")
    else:  # cannot happen when every line equals vec dF; kept so nothing unverified is claimed
        report.verdict = (f"✘ The matrix in front of vec(d{x}), {_show(M)}, is not the verified "
                          f"(∂F/∂{x})ᵀ.")

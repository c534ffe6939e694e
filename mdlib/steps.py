"""Check a reader's own derivation of ``df``, line by line, and name the first wrong line.

Each line is a right-hand side of ``df = …``, written with the differential ``dX``. The first
line must equal df and every line the one before, as functions of (X, dX). Both are checked with
numbers at a few seeded random points: df comes from the engine's *verified* gradient G
(df = tr(Gᵀ dX)), and because every line must be linear in dX, a mismatch is a real error and not
round-off. For the first wrong line the checker searches for the cause (a sign, a factor, a
transpose, an order, a lost or extra term, a known wrong variant of a rule, a leftover dX·dX);
for a right line it names the rule used where it can tell.

>>> report = check_steps("tr(X.T*A*X)", "X", '''
... tr(dX.T*A*X) + tr(X.T*A*dX)
... tr(X.T*A.T*dX) + tr(X.T*A*dX)
... tr(X.T*(A.T + A)*dX)''', "X: 3x3, A: 3x3")
>>> bool(report), report.lines[1].rule
(True, 'T2: trace of transpose')
>>> print(check_steps("a.T*X*b", "X", "tr(a.T*dX*b)\\ntr(a*b.T*dX)", "X: 3x3, a: 3, b: 3"))
✔ line 1: tr(a.T*dX*b)  — right (M2: product; T1: scalar is its trace)
✘ line 2: tr(a*b.T*dX)  — wrong: in the term tr(a b^T dX): a transpose is missing: a b^T in front of dX should be (a b^T)^T = b a^T
✘ Line 2 is the first wrong line.
"""

from __future__ import annotations

import ast
import html
import itertools
import re
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache

import numpy as np
import sympy
from sympy.matrices.expressions import (
    Determinant,
    HadamardProduct,
    Inverse,
    MatAdd,
    MatMul,
    MatrixExpr,
    MatrixSymbol,
    Trace,
    Transpose,
)

from .curriculum import rule_label
from .errors import MdlibError
from .parse import parse_expression, parse_shapes
from .rules import RULES as RULE_VARIANTS
from .rules import well_conditioned
from .tricks import WRONG as WRONG_TRACE_IDENTITIES

#: Random points at which every line is compared (each with its own X, constants and dX).
SAMPLES = 3
#: Relative tolerance of a comparison; the lines are linear in dX, so equal lines agree to round-off.
RTOL = 1e-7

_MARK = {True: "✔", False: "✘", None: "?"}
_PREFIX = re.compile(r"^\s*(?:d\s*\w+\s*)?=\s*")


# ------------------------------------------------------------------ the report

@dataclass(frozen=True)
class LineVerdict:
    """The verdict on one line: ``ok`` is None when the line could not be read."""

    number: int
    text: str
    latex: str
    ok: bool | None
    message: str
    rule: str = ""
    column: int | None = None  # where an unreadable line goes wrong (0-based), if known

    @property
    def mark(self) -> str:
        return _MARK[self.ok]

    def __str__(self) -> str:
        head = f"{self.mark} line {self.number}: {self.text}  — "
        if self.ok is None:
            pointer = "" if self.column is None else (
                "\n" + " " * (len(f"  line {self.number}: ") + self.column) + "^")
            return head + f"cannot be read: {self.message}{pointer}"
        if self.ok:
            return head + self.message + (f" ({self.rule})" if self.rule else "")
        return head + "wrong: " + self.message


@dataclass
class StepReport:
    """Per-line verdicts, the first wrong line (if any), and the gradient read off the last line."""

    f: str
    X: str
    lines: list[LineVerdict] = field(default_factory=list)
    first_wrong: int | None = None
    gradient_latex: str = ""  # the reader's ∂f/∂X from the last line ("" if not of that form)
    verified_latex: str = ""  # the engine's verified ∂f/∂X
    verdict: str = ""

    @property
    def ok(self) -> bool:
        return bool(self.lines) and all(line.ok for line in self.lines)

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        return "\n".join([str(line) for line in self.lines] + [self.verdict])

    __repr__ = __str__

    def _repr_markdown_(self) -> str:
        rows = ["| line | verdict | $df =$ | why |", "|---|---|---|---|"]
        for line in self.lines:
            word = {True: "right", False: "wrong", None: "unreadable"}[line.ok]
            why = line.message + (f" ({line.rule})" if line.ok and line.rule else "")
            body = f"${line.latex}$" if line.latex else f"`{line.text}`"
            rows.append(f"| {line.number} | {line.mark} {word} | {body} | {_md_cell(why)} |")
        return "\n".join(rows) + f"\n\n**{_md_cell(self.verdict)}**"

    def _repr_html_(self) -> str:
        return self.html()

    def html(self) -> str:
        """An HTML table (LaTeX between ``$`` for MathJax) and the verdict in an aria-live region."""
        left = "text-align:left; vertical-align:top"  # inline: output sanitizers drop <style>
        rows = []
        for line in self.lines:
            word = {True: "right", False: "wrong", None: "cannot be read"}[line.ok]
            colour = {True: "#1a7f37", False: "#b42318", None: "#9a6700"}[line.ok]
            body = f"${line.latex}$" if line.latex else f"<code>{html.escape(line.text)}</code>"
            why = html.escape(line.message + (f" ({line.rule})" if line.ok and line.rule else ""))
            rows.append(
                f"<tr><td style='{left}'>{line.number}</td>"
                f"<td style='{left}; color:{colour}; white-space:nowrap'>"
                f"<span aria-hidden='true'>{line.mark}</span> {word}</td>"
                f"<td style='{left}'>{body}</td><td style='{left}'>{why}</td></tr>")
        head = "".join(f"<th style='{left}'>{h}</th>" for h in ("line", "verdict", "df =", "why"))
        table = (f"<table class='mdlib-steps'><thead><tr>{head}</tr></thead><tbody>"
                 + "".join(rows) + "</tbody></table>")
        return (table + "<div role='status' aria-live='polite' class='mdlib-steps-verdict'><b>"
                + html.escape(self.verdict) + "</b></div>")


def _md_cell(text: str) -> str:
    return text.replace("|", r"\|").replace("\n", " ")


# ------------------------------------------------------------------ the problem: f, X, samples

class _Problem:
    """f parsed and derived by the engine (verified), and the seeded sample points."""

    def __init__(self, f: str, X: str, shapes: str, seed: int) -> None:
        from .engine import derive
        from .engine.printing import to_latex

        expr, symbols = parse_expression(f, shapes)
        if X not in symbols:
            raise MdlibError(f"differentiate by a declared matrix; {X!r} is not among {sorted(symbols)}")
        self.X = symbols[X]
        self.dname = f"d{X}"
        if self.dname in symbols:
            raise MdlibError(f"{self.dname} is the differential of {X}; do not declare it yourself")
        rows, cols = self.X.shape
        self.line_shapes = f"{shapes}, {self.dname}: {rows}x{cols}"
        self.constants = sorted(name for name in symbols if name != X)
        self.derivation = derive(expr, self.X)  # raises MdlibError if it cannot be verified
        self.gradient = self.derivation.gradient
        self.verified_latex = to_latex(self.gradient)
        self.engine_rules = sorted({part.split(":")[0].strip() for step in self.derivation.steps
                                    for part in step.rule.split(";")
                                    if part.strip()[:2] in {f"M{k}" for k in range(1, 9)}})
        self.samples = _samples(expr, symbols, X, self.dname, seed)
        self.memo: dict = {}  # values and rules of lines already seen
        self.key = (f, X, shapes, seed)
        from .engine.numeric import evaluate

        for values in self.samples:
            G = np.asarray(evaluate(self.gradient, values), dtype=float)
            dX = values[self.dname]
            values["__df__"] = float(np.sum(np.broadcast_to(G, dX.shape) * dX))
            # |tr(G^T dX)| <= |G| |dX|: the natural size of df, against which round-off is judged
            values["__scale__"] = float(np.linalg.norm(G) * np.linalg.norm(dX))


def _needs_positive(expr: sympy.Basic) -> bool:
    """Elementwise log or a fractional power needs positive entries."""
    for node in sympy.preorder_traversal(expr):
        if isinstance(node, sympy.log) and not isinstance(node.args[0], Determinant):
            return True
        if isinstance(node, sympy.Pow) and not node.exp.is_integer:
            return True
    return False


def _samples(expr, symbols: dict, X: str, dname: str, seed: int) -> list[dict]:
    positive = _needs_positive(expr)
    rng = np.random.default_rng((seed, 12))
    out = []
    for _ in range(SAMPLES):
        values: dict = {}
        for name, M in symbols.items():
            r, c = (int(d) for d in M.shape)
            if r == c and r > 1:
                value = well_conditioned(rng, r)
                if np.linalg.det(value) < 0:  # det > 0, so log|det| and logdet are both defined
                    value[0] *= -1
                if positive:
                    value = np.abs(value) + 0.5 * np.eye(r)
            else:
                value = rng.standard_normal((r, c))
                if positive:
                    value = np.abs(value) + 0.5
            values[name] = value
        values[dname] = rng.standard_normal(tuple(int(d) for d in symbols[X].shape))
        out.append(values)
    return out


@lru_cache(maxsize=64)
def _problem(f: str, X: str, shapes: str, seed: int) -> _Problem:
    # Cached: a widget re-checks on every pause in typing with the same f.
    return _Problem(f, X, shapes, seed)


# ------------------------------------------------------------------ reading a line

class _Unreadable(Exception):
    def __init__(self, message: str, column: int | None = None) -> None:
        super().__init__(message)
        self.message, self.column = message, column


def _bracket_problem(text: str) -> tuple[str, int] | None:
    stack: list[int] = []
    for i, ch in enumerate(text):
        if ch == "(":
            stack.append(i)
        elif ch == ")":
            if not stack:
                return "this ')' closes nothing: remove it or add its '('", i
            stack.pop()
    if stack:
        return "this '(' is never closed: add a ')'", stack[-1]
    return None


def _dimension(M: MatrixSymbol) -> str:
    return "×".join(str(d) for d in M.shape)


@lru_cache(maxsize=512)
def _read(text: str, problem_key: tuple) -> sympy.Basic:
    problem = _problem(*problem_key)
    if not text.strip():
        raise _Unreadable("the line is empty")
    found = _bracket_problem(text)
    if found:
        raise _Unreadable(*found)
    declared = parse_shapes(problem.line_shapes)
    for match in re.finditer(r"(?<![\w.])d([A-Za-z_]\w*)", text):
        name = match.group(1)
        if name in declared and f"d{name}" not in declared:
            raise _Unreadable(f"{name} is a constant here, so d{name} = 0: drop the terms with "
                              f"d{name} (only {problem.X.name} varies)", match.start())
    if re.search(r"[-+*/]\s*$", text):
        raise _Unreadable("the line ends with an operator: something is missing after it",
                          len(text.rstrip()) - 1)
    try:
        expr, _symbols = parse_expression(text, problem.line_shapes)
    except (AttributeError, TypeError) as err:  # e.g. .T on a number, such as tr(M).T
        raise _Unreadable(f"cannot read this line: {err}; a trace or a determinant is a number, "
                          "which has no .T") from None
    except MdlibError as err:
        message = str(err)
        column = None
        unknown = re.search(r"unknown (?:name\(s\)|function) (\w+)", message)
        if unknown:
            place = re.search(rf"(?<![\w.]){re.escape(unknown.group(1))}\b", text)
            column = place.start() if place else None
        at = re.search(r"\(column (\d+)\)", message)
        if column is None and at:
            column = int(at.group(1)) - 1
        if "not aligned" in message:  # sympy's bare ('Matrices are not aligned', m, n)
            used = [M for name, M in declared.items() if re.search(rf"(?<![\w.]){name}\b", text)]
            message = ("the shapes do not fit: in a product A*B the columns of A must equal the "
                       "rows of B, and a sum needs equal shapes; here "
                       + ", ".join(f"{M.name} is {_dimension(M)}" for M in used))
        raise _Unreadable(message, column) from None
    if isinstance(expr, MatrixExpr) and tuple(expr.shape) != (1, 1):
        raise _Unreadable(f"this line is a {_dimension(expr)} matrix, but df is a number: take "
                          "its trace, or write the 1×1 product (T1: a scalar is its own trace)")
    if not expr.has(sympy.Symbol(problem.dname)) and not any(
            str(m.name) == problem.dname for m in expr.atoms(MatrixSymbol)):
        raise _Unreadable(f"the line does not contain {problem.dname}: every line is df written "
                          f"with the differential {problem.dname}")
    return expr


# ------------------------------------------------------------------ numbers

def _value(expr: sympy.Basic, problem: _Problem, scale: float = 1.0) -> np.ndarray:
    """The expression at every sample point (dX scaled by ``scale``), as a vector of numbers."""
    from .engine.numeric import evaluate

    key = ("value", expr, scale)
    if len(problem.memo) > 20_000:  # a long session of typing: start afresh
        problem.memo.clear()
    if key in problem.memo:  # the same lines come back on every keystroke
        return problem.memo[key]
    out = []
    for values in problem.samples:
        if scale != 1.0:
            values = {**values, problem.dname: scale * values[problem.dname]}
        # dims={}: every shape is a number here, so nothing needs to be looked up
        out.append(np.asarray(evaluate(expr, values, {}), dtype=float).reshape(-1)[0]
                   if isinstance(expr, sympy.Basic) else float(expr))
    problem.memo[key] = result = np.asarray(out)
    return result


def _matrix_value(expr: sympy.Basic, problem: _Problem) -> np.ndarray:
    from .engine.numeric import evaluate

    key = ("matrix", expr)
    if key not in problem.memo:
        problem.memo[key] = np.asarray(evaluate(expr, problem.samples[0], {}), dtype=float)
    return problem.memo[key]


def _df(problem: _Problem) -> np.ndarray:
    return np.asarray([values["__df__"] for values in problem.samples])


def _scale(expr: sympy.Basic, problem: _Problem) -> np.ndarray:
    """The size of a line's numbers: terms that cancel must not make round-off look like an error."""
    natural = np.asarray([values["__scale__"] for values in problem.samples])
    return natural + sum(np.abs(_value(t, problem)) for t in _terms(expr))


def _close(a: np.ndarray, b: np.ndarray, scale: np.ndarray | float = 0.0) -> bool:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape or not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        return False
    size = np.maximum(np.maximum(np.abs(a), np.abs(b)), np.maximum(np.abs(scale), 1e-12))
    return bool(np.all(np.abs(a - b) <= RTOL * size))


def _safe_value(expr: sympy.Basic, problem: _Problem) -> np.ndarray | None:
    try:
        with np.errstate(all="ignore"):
            return _value(expr, problem)
    except Exception:  # noqa: BLE001 - a mutation that does not evaluate is simply not the fix
        return None


# ------------------------------------------------------------------ terms

def _terms(expr: sympy.Basic) -> list[sympy.Basic]:
    """Top-level terms of a sum, as the reader wrote them (sympy keeps its own order)."""
    if isinstance(expr, (sympy.Add, MatAdd)):
        return list(expr.args)
    return [expr]


def _atoms(expr: sympy.Basic) -> list[sympy.Basic]:
    """Terms after expanding products of sums and splitting traces of sums (T3)."""
    out: list[sympy.Basic] = []
    for term in _terms(sympy.expand(expr)):
        coeff, rest = _coefficient(term)
        if isinstance(rest, Trace):
            inner = rest.arg.expand() if hasattr(rest.arg, "expand") else rest.arg
            for part in (inner.args if isinstance(inner, MatAdd) else [inner]):
                c2, m2 = _matrix_coefficient(part)
                out.append(coeff * c2 * Trace(m2))
            continue
        if isinstance(rest, MatrixExpr):
            rest = rest.expand()
            if isinstance(rest, MatAdd):
                out.extend(coeff * part for part in rest.args)
                continue
        out.append(term)
    return out


def _unit_atoms(expr: sympy.Basic) -> list[sympy.Basic]:
    """Atoms with small integer factors spelled out (sympy writes t + t as 2 t, the reader did not)."""
    out = []
    for term in _atoms(expr):
        coeff, rest = _coefficient(term)
        if coeff.is_Integer and 2 <= abs(int(coeff)) <= 6:
            out.extend([sympy.sign(coeff) * rest] * abs(int(coeff)))
        else:
            out.append(term)
    return out


def _coefficient(term: sympy.Basic) -> tuple[sympy.Expr, sympy.Basic]:
    """``-2*tr(M)`` → ``(-2, tr(M))``; the numeric factor of a scalar term."""
    if isinstance(term, sympy.Mul):
        numbers = [a for a in term.args if a.is_Number]
        others = [a for a in term.args if not a.is_Number]
        if numbers and len(others) == 1:
            return sympy.Mul(*numbers), others[0]
    return sympy.Integer(1), term


def _matrix_coefficient(term: sympy.Basic) -> tuple[sympy.Expr, sympy.Basic]:
    if isinstance(term, MatMul):
        numbers = [a for a in term.args if getattr(a, "is_Number", False)]
        if numbers:
            return sympy.Mul(*numbers), MatMul(*[a for a in term.args if a not in numbers]).doit()
    return sympy.Integer(1), term


_FUNCTION_LATEX = {"tr": r"\mathrm{tr}", "trace": r"\mathrm{tr}", "det": r"\det",
                   "logdet": r"\log\det", "exp": r"\exp", "log": r"\log", "sin": r"\sin",
                   "cos": r"\cos", "tanh": r"\tanh", "sqrt": r"\sqrt", "sigmoid": r"\sigma"}
_SUM, _PRODUCT, _UNARY, _POWER, _ATOM = 1, 2, 3, 4, 5


def typed_latex(text: str) -> str:
    """LaTeX of a line *as the reader typed it* (sympy would reorder and merge terms).

    The text is only read into a syntax tree (``ast.parse``, nothing is run); it has already
    passed the whitelist parser when this is called.

    >>> print(typed_latex("tr(dX.T*A*X) - 2*tr(inv(X).T*dX)"))
    \\mathrm{tr}\\left(\\left(\\mathrm{d}X\\right)^{T}\\,A\\,X\\right) - 2\\,\\mathrm{tr}\\left(X^{-T}\\,\\mathrm{d}X\\right)
    """
    return _node_latex(ast.parse(text.strip(), mode="eval").body)[0]


def _name_latex(name: str) -> str:
    if len(name) > 1 and name[0] == "d" and name[1:].isidentifier():
        return r"\mathrm{d}" + _name_latex(name[1:])
    head, tail = re.match(r"([A-Za-z_]+)(\w*)", name).groups()
    head = head if len(head) == 1 else rf"\mathrm{{{head}}}"
    return f"{head}_{{{tail}}}" if tail else head


def _wrapped(node: ast.AST, level: int) -> str:
    text, own = _node_latex(node)
    return rf"\left({text}\right)" if own < level else text


def _node_latex(node: ast.AST) -> tuple[str, int]:
    if isinstance(node, ast.Name):
        return _name_latex(node.id), _ATOM
    if isinstance(node, ast.Constant):
        return str(node.value), _ATOM
    if isinstance(node, ast.Attribute) and node.attr == "T":
        base, own = _node_latex(node.value)
        if own == _POWER and base.endswith("^{-1}"):
            return base[:-5] + "^{-T}", _POWER
        atom = own == _ATOM and not base.startswith(r"\mathrm{d}")  # (dX)^T, as the course writes it
        return (base if atom else rf"\left({base}\right)") + "^{T}", _POWER
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        sign = "-" if isinstance(node.op, ast.USub) else "+"
        return sign + _wrapped(node.operand, _PRODUCT), _UNARY
    if isinstance(node, ast.BinOp):
        if isinstance(node.op, (ast.Add, ast.Sub)):
            sign = " + " if isinstance(node.op, ast.Add) else " - "
            right = _wrapped(node.right, _PRODUCT if isinstance(node.op, ast.Sub) else _SUM)
            return _node_latex(node.left)[0] + sign + right, _SUM
        if isinstance(node.op, ast.Mult):
            return _wrapped(node.left, _PRODUCT) + r"\," + _wrapped(node.right, _UNARY), _PRODUCT
        if isinstance(node.op, ast.Div):
            return rf"\frac{{{_node_latex(node.left)[0]}}}{{{_node_latex(node.right)[0]}}}", _ATOM
        if isinstance(node.op, ast.Pow):
            return rf"{_wrapped(node.left, _ATOM)}^{{{_node_latex(node.right)[0]}}}", _POWER
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        name, args = node.func.id, node.args
        if name == "inv" and len(args) == 1:
            return _wrapped(args[0], _ATOM) + "^{-1}", _POWER
        if name == "had":
            return r" \odot ".join(_wrapped(a, _POWER) for a in args), _PRODUCT
        if name == "sum" and len(args) == 1:
            return rf"\mathbf{{1}}^{{T}}{_wrapped(args[0], _ATOM)}\,\mathbf{{1}}", _PRODUCT
        inner = ", ".join(_node_latex(a)[0] for a in args)
        return rf"{_FUNCTION_LATEX.get(name, _name_latex(name))}\left({inner}\right)", _ATOM
    raise ValueError("not a typed expression")


@lru_cache(maxsize=4096)
def _latex(expr: sympy.Basic) -> str:
    from .engine.printing import to_latex

    try:
        return to_latex(expr)
    except Exception:  # noqa: BLE001 - an exotic node still gets a readable form
        return sympy.latex(expr)


@lru_cache(maxsize=4096)
def _text(expr: sympy.Basic) -> str:
    from .engine.printing import to_text

    try:
        return to_text(expr)
    except Exception:  # noqa: BLE001
        return sympy.sstr(expr)


def _sum_text(terms: list[sympy.Basic]) -> str:
    return " + ".join(_text(t) for t in terms).replace("+ -", "- ")


# ------------------------------------------------------------------ diagnosis of a wrong line

def _nodes(expr: sympy.Basic, path: tuple = ()):
    yield path, expr
    for k, arg in enumerate(expr.args):
        if isinstance(arg, sympy.Basic):
            yield from _nodes(arg, (*path, k))


def _replace(expr: sympy.Basic, path: tuple, new: sympy.Basic) -> sympy.Basic:
    if not path:
        return new
    args = list(expr.args)
    args[path[0]] = _replace(args[path[0]], path[1:], new)
    return expr.func(*args)


def _mutations(term: sympy.Basic, problem: _Problem, first: bool = True):
    """(mutated term, what the reader wrote wrongly) — each a single known slip, undone."""
    dname = problem.dname
    # First the classic slip of reading off: tr(M dX) turned into tr(M^T dX).
    for path, node in _nodes(term):
        factors = _factors(node) if isinstance(node, MatMul) else []
        if _under_trace(term, path) and len(factors) > 2 and _is(factors[-1], dname):
            scalars = [a for a in node.args if not isinstance(a, MatrixExpr)]
            left = MatMul(*factors[:-1])
            try:
                fixed = _replace(term, path, MatMul(*scalars, Transpose(left).doit(), factors[-1]))
            except Exception:  # noqa: BLE001
                continue
            yield fixed, (f"a transpose is missing: {_text(left)} in front of {dname} should be "
                          f"({_text(left)})^T = {_text(Transpose(left).doit())}")
    for path, node in _nodes(term):
        if not path or not isinstance(node, MatrixExpr) or isinstance(node, (MatAdd,)):
            continue
        try:
            if isinstance(node, Transpose):
                fixed = _replace(term, path, node.arg)
                what = f"an extra transpose: {_text(node)} should be {_text(node.arg)}"
            else:
                fixed = _replace(term, path, Transpose(node))
                what = f"a transpose is missing: {_text(node)} should be {_text(Transpose(node))}"
                if _is(node, dname):
                    what += f" ({RULE_VARIANTS['M3 (no transpose)'].mistake}, rule M3)"
            if any(isinstance(n, HadamardProduct) for _, n in _nodes(term)):
                what += f"; T5 keeps the transpose: {_false_t5()}"
        except Exception:  # noqa: BLE001 - a transpose that does not fit the shapes
            continue
        yield fixed, what
    for path, node in _nodes(term):
        if isinstance(node, MatMul):
            factors = _factors(node)
            scalars = [a for a in node.args if not isinstance(a, MatrixExpr)]
            if len(factors) < 2 or len(factors) > 5:
                continue
            for i, j in itertools.combinations(range(len(factors) + 1), 2):
                if j - i < 2 or j - i == len(factors):
                    continue  # single factors were toggled above; the whole product is T2
                group = MatMul(*factors[i:j])
                try:
                    fixed = _replace(term, path, MatMul(*scalars, *factors[:i], Transpose(group),
                                                        *factors[j:]))
                except Exception:  # noqa: BLE001
                    continue
                yield fixed, (f"a transpose is missing on the product {_text(group)}: it should "
                              f"be ({_text(group)})^T = {_text(Transpose(group).doit())}")
                kept = MatMul(*[Transpose(f).doit() for f in factors[i:j]])
                try:
                    fixed = _replace(term, path, MatMul(*scalars, *factors[:i], kept, *factors[j:]))
                except Exception:  # noqa: BLE001
                    continue
                yield fixed, (f"{_text(group)} should be {_text(kept)}: transposing a product "
                              "reverses its order, (YZ)^T = Z^T Y^T")
            for order in _one_move_orders(len(factors)):
                try:
                    fixed = _replace(term, path, MatMul(*scalars, *[factors[k] for k in order]))
                except Exception:  # noqa: BLE001
                    continue
                yield fixed, _order_message(factors, order, problem, _under_trace(term, path), first)
            for i in range(len(factors) - 1):
                pair = factors[i:i + 2]
                if pair[0].shape != pair[1].shape:
                    continue
                try:
                    fixed = _replace(term, path, MatMul(*scalars, *factors[:i], HadamardProduct(*pair),
                                                        *factors[i + 2:]))
                except Exception:  # noqa: BLE001
                    continue
                yield fixed, (f"{_text(MatMul(*pair))} should be an elementwise product "
                              f"({RULE_VARIANTS['M8 (matrix product)'].mistake}, rule M8)")
    yield from _merged_traces(term)


def _merged_traces(term: sympy.Basic):
    """tr(A) tr(B) → tr(AB) or tr(BA): undoes the false identity tr(AB) = tr(A) tr(B)."""
    traces = [a for a in (term.args if isinstance(term, sympy.Mul) else []) if isinstance(a, Trace)]
    if len(traces) == 2:
        rest = [a for a in term.args if not isinstance(a, Trace)]
        A, B = traces[0].arg, traces[1].arg
        for product in ((A, B), (B, A)):
            try:
                merged = sympy.Mul(*rest, Trace(MatMul(*product)))
            except Exception:  # noqa: BLE001
                continue
            false = next(k for k in WRONG_TRACE_IDENTITIES if "tr(A) tr(B)" in k)
            yield merged, (f"tr({_text(A)}) tr({_text(B)}) and tr({_text(MatMul(*product))}) differ: "
                           f"{false} is false (the trace is not multiplicative)")


def _one_move_orders(n: int) -> list[tuple[int, ...]]:
    """Orders of n factors reached by one slip, the likeliest first: neighbours swapped (from the
    right, where dX usually stands), then any two swapped, then one factor moved.

    >>> _one_move_orders(3)
    [(0, 2, 1), (1, 0, 2), (2, 1, 0), (1, 2, 0), (2, 0, 1)]
    """
    swaps = sorted(itertools.combinations(range(n), 2), key=lambda ij: (ij[1] - ij[0], -ij[0]))
    out: list[tuple[int, ...]] = []
    for i, j in swaps:
        order = list(range(n))
        order[i], order[j] = order[j], order[i]
        out.append(tuple(order))
    for i in range(n):
        for j in range(n):
            rest = [k for k in range(n) if k != i]
            order = tuple(rest[:j] + [i] + rest[j:])
            if order != tuple(range(n)) and order not in out:
                out.append(order)
    return out


def _is(expr: object, name: str) -> bool:
    """``expr`` is the matrix symbol ``name`` (without printing expr: that is slow for big ones)."""
    return isinstance(expr, MatrixSymbol) and str(expr.name) == name


def _factors(product: MatMul) -> list[sympy.Basic]:
    """The matrix factors of a product, powers spelled out (sympy writes X^-1 X^-1 as X^-2)."""
    out: list[sympy.Basic] = []
    for arg in product.args:
        if not isinstance(arg, MatrixExpr):
            continue
        if isinstance(arg, MatMul):
            out.extend(_factors(arg))
        elif isinstance(arg, sympy.MatPow) and arg.exp.is_Integer and abs(int(arg.exp)) > 1:
            base = arg.base if arg.exp > 0 else Inverse(arg.base)
            out.extend([base] * abs(int(arg.exp)))
        else:
            out.append(arg)
    return out


def _spell_powers(expr: sympy.Basic) -> sympy.Basic:
    """X^2 → X X and X^-2 → X^-1 X^-1, so a transpose or an order can be mended factor by factor."""
    powers = {}
    for node in sympy.preorder_traversal(expr):
        if isinstance(node, sympy.MatPow) and not isinstance(node, Inverse) and node.exp.is_Integer \
                and 2 <= abs(int(node.exp)) <= 4:
            base = node.base if node.exp > 0 else Inverse(node.base)
            powers[node] = MatMul(*[base] * abs(int(node.exp)))
    return expr.xreplace(powers) if powers else expr


def _false_t5() -> str:
    return next(k for k in WRONG_TRACE_IDENTITIES if "⊙" in k) + " is false"


def _under_trace(term: sympy.Basic, path: tuple) -> bool:
    node = term
    for k in path:
        if isinstance(node, Trace):
            return True
        node = node.args[k]
    return False


def _order_message(factors: list, order: tuple, problem: _Problem, under_trace: bool,
                   first: bool) -> str:
    wrote = " ".join(_text(f) for f in factors)
    needed = " ".join(_text(factors[k]) for k in order)
    message = f"the order of a product is wrong: {wrote} should be {needed}"
    dX_at = [k for k, f in enumerate(factors) if _is(f, problem.dname)]
    inverses = [k for k, f in enumerate(factors) if isinstance(f, Inverse)]
    if first and dX_at and len(inverses) >= 2:  # differentiating: the M5 slip
        message += f" ({RULE_VARIANTS['M5 (order swapped)'].mistake}, rule M5)"
    elif under_trace:
        message += (" (inside a trace only cyclic moves are allowed, T4: "
                    f"{next(k for k in WRONG_TRACE_IDENTITIES if 'BAC' in k)} is false)")
    else:
        message += " (matrices do not commute: XY is not YX)"
    return message


def _ratio_message(got: np.ndarray, expected: np.ndarray, problem: _Problem, what: str) -> str | None:
    """A constant or a determinant between the two values: name the factor."""
    if np.any(np.abs(expected) < 1e-12):
        return None
    ratio = got / expected
    if _close(ratio, np.full_like(ratio, ratio[0])):
        c = float(ratio[0])
        if _close(np.array([c]), np.array([-1.0])):
            return f"the sign of {what} is flipped"
        return f"{what} is {_number(c)} times what it should be" + (
            f": a factor {_number(1 / c)} is lost" if abs(c) < 1 else f": an extra factor {_number(c)}")
    for name in [problem.X.name, *problem.constants]:
        values = [v[name] for v in problem.samples]
        if values[0].ndim != 2 or values[0].shape[0] != values[0].shape[1]:
            continue
        dets = np.asarray([np.linalg.det(v) for v in values])
        if _close(ratio, 1 / dets):
            extra = RULE_VARIANTS["M6 (no |X| factor)"].mistake.replace("|X|", f"|{name}|")
            return f"{extra} in {what} (rule M6: d|{name}| = |{name}| tr({name}^-1 d{name}))"
        if _close(ratio, dets):
            return f"{what} has an extra factor |{name}| (only d|{name}| carries it, not d log|{name}|)"
    return None


def _number(c: float) -> str:
    """A short exact-looking form: 2, 1/2, -3/4, else 6 digits."""
    exact = Fraction(c).limit_denominator(12)
    return str(exact) if abs(float(exact) - c) < 1e-9 * max(1.0, abs(c)) else f"{c:.6g}"


def _operand_before(text: str, end: int) -> tuple[int, str]:
    """(start, text) of the operand that ends at ``end``: a name, or a bracket with its function."""
    if end > 0 and text[end - 1] == ")":
        depth, k = 0, end - 1
        while k >= 0:
            depth += {")": 1, "(": -1}.get(text[k], 0)
            if depth == 0:
                break
            k -= 1
        name = re.search(r"\w*$", text[:k])
        start = k - len(name.group(0)) if name else k
        return start, text[start:end]
    name = re.search(r"\w+$", text[:end])
    return (end - len(name.group(0)), name.group(0)) if name else (end, "")


def _typed_transposes(text: str, problem: _Problem):
    """The line with one ``.T`` removed or added, and what that would mean, by column."""
    for match in re.finditer(r"\.T\b", text):
        start, operand = _operand_before(text, match.start())
        yield (text[:match.start()] + text[match.end():],
               f"an extra transpose: {operand}.T (column {start + 1}) should be {operand}")
    declared = set(problem.constants) | {problem.X.name, problem.dname}
    ends = [m.end() for m in re.finditer(r"(?<![\w.])[A-Za-z_]\w*(?!\w|\s*\()", text)
            if m.group(0) in declared] + [m.end() for m in re.finditer(r"\)", text)]
    for end in sorted(set(ends)):
        if text[end:end + 2] == ".T":
            continue
        start, operand = _operand_before(text, end)
        message = f"a transpose is missing: {operand} (column {start + 1}) should be {operand}.T"
        if operand == problem.dname:
            message += f" ({RULE_VARIANTS['M3 (no transpose)'].mistake}, rule M3)"
        yield text[:end] + ".T" + text[end:], message


def _cite_sign_rule(message: str, got: sympy.Basic, first: bool) -> str:
    """A lost sign in the differentiation step next to an inverse is rule M5's wrong variant."""
    if first and "sign" in message and any(isinstance(n, Inverse) for n in sympy.preorder_traversal(got)):
        return f"{message}: rule M5 says d(X^-1) = -X^-1 dX X^-1, with a minus sign"
    return message


class _OutOfBudget(Exception):
    """The search for a single slip took too long: the line is too far off for one cause."""


class _Budget:
    """How many candidate repairs may still be evaluated (a count, so verdicts are reproducible)."""

    def __init__(self, units: int) -> None:
        self.left = units

    def value(self, expr: sympy.Basic, problem: _Problem) -> np.ndarray | None:
        self.left -= 1
        if self.left < 0:
            raise _OutOfBudget
        return _safe_value(expr, problem)

    def typed_value(self, text: str, problem: _Problem) -> np.ndarray | None:
        # parsing costs 1 ms for a short line and 40 for a long one, evaluating 0.1–1 ms
        self.left -= 10 + len(text)
        if self.left < 0:
            raise _OutOfBudget
        try:
            return _value(_read(text, problem.key), problem)
        except Exception:  # noqa: BLE001 - a candidate the parser refuses is not the fix
            return None


#: Candidate repairs tried per wrong line (≈ 0.1 s when every one is tried).
SEARCH_BUDGET = 600


def _diagnose(expected: sympy.Basic, got: sympy.Basic, problem: _Problem, typed: str = "") -> str:
    """Why ``got`` is not equal to ``expected`` (both functions of X and dX), in words.

    ``typed`` is the line as the reader wrote it: sympy merges ``M + M`` into ``2 M``, so a
    transpose lost there can only be found in the text. Remembered per line, because a wrong
    line is checked again on every keystroke below it.
    """
    key = ("diagnosis", expected, got, typed)
    if key not in problem.memo:
        try:
            problem.memo[key] = _find_cause(expected, got, problem, typed, _Budget(SEARCH_BUDGET))
        except _OutOfBudget:
            problem.memo[key] = ("this line does not equal the line before, and no single slip "
                                 "(a sign, a factor, a transpose, an order, a term) explains the "
                                 "difference: redo this step from the line before")
    return problem.memo[key]


def _find_cause(expected: sympy.Basic, got: sympy.Basic, problem: _Problem, typed: str,
                budget: _Budget) -> str:
    dX = sympy.Symbol(problem.dname)
    constant = [t for t in _terms(got) if not (t.has(dX) or any(
        str(m.name) == problem.dname for m in t.atoms(MatrixSymbol)))]
    if constant:
        return (f"{_sum_text(constant)} contains no {problem.dname}: the differential of a "
                "constant is 0, and df has only terms with dX")
    # 1. a term that is not linear in dX
    nonlinear = [t for t in _atoms(got) if not _close(_value(t, problem, 2.0), 2 * _value(t, problem))]
    if nonlinear:
        return (f"{_sum_text(nonlinear)} is not linear in {problem.dname}: "
                f"{RULE_VARIANTS['M2 (dX dY)'].mistake}; drop it")
    v_expected, v_got = _value(expected, problem), _value(got, problem)
    first = expected is problem.derivation.differential
    # 2. the whole line: a sign, a factor or a determinant
    whole = _ratio_message(v_got, v_expected, problem, "the whole line")
    if whole:
        return _cite_sign_rule(whole, got, first)
    # 3. term by term: match equal terms, diagnose what is left
    left_e = [(t, _value(t, problem)) for t in _unit_atoms(expected)]
    left_g = [(t, _value(t, problem)) for t in _unit_atoms(got)]
    # Identical terms first, so a term the reader did not touch is never blamed.
    for same in (lambda g, e: _text(g[0]) == _text(e[0]),
                 lambda g, e: _close(g[1], e[1], v_expected)):
        for g in list(left_g):
            e = next((e for e in left_e if same(g, e)), None)
            if e is not None:
                left_e.remove(e)
                left_g.remove(g)
    if left_e and not left_g:
        lost = [t for t, _ in left_e]
        hint = " (the product rule M2 gives one term for each factor that depends on X)" \
            if first else ""
        return f"a term is lost: {_sum_text(lost)} is missing{hint}"
    if left_g and not left_e:
        return f"an extra term: {_sum_text([t for t, _ in left_g])} is not in the line before"
    if len(left_g) == 1 and len(left_e) == 1:  # one term for one: a sign or a factor says it all
        pair = _ratio_message(left_g[0][1], left_e[0][1], problem, f"the term {_text(left_g[0][0])}")
        if pair:
            return _cite_sign_rule(pair, left_g[0][0], first)
    # One slip in one of the reader's terms may account for everything left over.
    total_e, total_g = sum(ve for _, ve in left_e), sum(vg for _, vg in left_g)
    for g, vg in left_g:
        for fixed, what in _mutations(_spell_powers(g), problem, first):
            v = budget.value(fixed, problem)
            if v is not None and _close(v, total_e - (total_g - vg), v_expected):
                return f"in the term {_text(g)}: {what}"
    # ... or a transpose added or removed in the text as typed
    if typed:
        for candidate, what in _typed_transposes(typed, problem):
            v = budget.typed_value(candidate, problem)
            if v is not None and _close(v, v_expected, v_expected):
                return what
    for g, vg in left_g:
        g = _spell_powers(g)
        for e, ve in left_e:
            pair = _ratio_message(vg, ve, problem, f"the term {_text(g)}")
            if pair:
                return _cite_sign_rule(pair, g, first)
            for fixed, what in _mutations(g, problem, first):
                v = budget.value(fixed, problem)
                if v is None:
                    continue
                if _close(v, ve):
                    return f"in the term {_text(g)}: {what}"
                if _close(v, -ve):
                    return f"in the term {_text(g)}: {what}, and its sign is flipped"
            for merged, what in _merged_traces(e):
                v = budget.value(merged, problem)
                if v is not None and _close(v, vg):
                    return f"in the term {_text(g)}: {what}"
    got_text, expected_text = _sum_text([t for t, _ in left_g]), _sum_text([t for t, _ in left_e])
    if len(got_text) + len(expected_text) > 160:
        raise _OutOfBudget  # too long to quote usefully: the general advice is better
    return f"{got_text} does not equal {expected_text} of the line before"


# ------------------------------------------------------------------ rules of a right line

def _rule_between(before: sympy.Basic, after: sympy.Basic, problem: _Problem) -> str:
    """Which trace rules turn ``before`` into ``after`` (both right), where recognisable."""
    key = ("rule", before, after)
    if key not in problem.memo:
        problem.memo[key] = _find_rules(before, after, problem)
    return problem.memo[key]


def _find_rules(before: sympy.Basic, after: sympy.Basic, problem: _Problem) -> str:
    if _text(before) == _text(after):
        return "unchanged"
    rules: set[str] = set()
    tb, ta = _terms(before), _terms(after)
    if len(tb) != len(ta):
        rules.add("T3")
    pairs = []
    left = [(t, _value(t, problem)) for t in tb]
    for t in ta:
        vt = _value(t, problem)
        match = next((item for item in left if _text(item[0]) == _text(t)), None) or next(
            (item for item in left if _close(item[1], vt)), None)
        if match is None:
            rules.add("T3")
            continue
        left.remove(match)
        pairs.append((match[0], t))
    for b, a in pairs:
        rules |= _pair_rules(b, a, problem)
    if not rules:
        return "algebra inside the trace"
    return "; ".join(rule_label(r) for r in sorted(rules))


def _pair_rules(before: sympy.Basic, after: sympy.Basic, problem: _Problem) -> set[str]:
    if _text(before) == _text(after):
        return set()
    cb, b = _coefficient(before)
    ca, a = _coefficient(after)
    rules = set() if cb == ca else {"T3"}
    if not isinstance(b, Trace) and isinstance(a, Trace):
        return rules | {"T1"}
    if not (isinstance(b, Trace) and isinstance(a, Trace)):
        return rules | ({"T1"} if isinstance(b, Trace) else set())
    # T5 moves a factor into or out of a Hadamard product; a transpose of one is not T5.
    hadamards = [{frozenset({_text(n), _text(Transpose(n).doit())})
                  for n in sympy.preorder_traversal(e) if isinstance(n, HadamardProduct)}
                 for e in (b, a)]
    if hadamards[0] != hadamards[1]:
        rules.add("T5")
    mb, ma = _matrix_value(b.arg, problem), _matrix_value(a.arg, problem)
    if mb.shape == ma.shape and _close(mb, ma):
        return rules
    if mb.shape == ma.T.shape and _close(mb.T, ma):
        return rules | {"T2"}
    factors = [f for f in (b.arg.args if isinstance(b.arg, MatMul) else [b.arg])
               if isinstance(f, MatrixExpr)]
    for k in range(1, len(factors)):
        rotated = factors[k:] + factors[:k]
        try:
            value = _matrix_value(MatMul(*rotated), problem)
        except Exception:  # noqa: BLE001
            continue
        if value.shape == ma.shape and _close(value, ma):
            return rules | {"T4"}
        if value.shape == ma.T.shape and _close(value.T, ma):
            return rules | {"T2", "T4"}
    return rules | ({"T4"} if "T5" not in rules else set())


# ------------------------------------------------------------------ the gradient of the last line

def _read_off(expr: sympy.Basic, problem: _Problem) -> sympy.Basic | None:
    """Σ c_k M_kᵀ when the line is Σ c_k tr(M_k dX) (or c aᵀ dX): the reader's gradient."""
    dname = problem.dname
    parts = []
    for term in _terms(expr):
        coeff, body = _coefficient(term)
        inner = body.arg if isinstance(body, Trace) else body
        if not isinstance(body, Trace) and not (isinstance(body, MatrixExpr) and body.shape == (1, 1)):
            return None
        factors = list(inner.args) if isinstance(inner, MatMul) else [inner]
        if not factors or not _is(factors[-1], dname):
            return None
        left = factors[:-1]
        if any(str(m.name) == dname for f in left for m in
               (f.atoms(MatrixSymbol) if isinstance(f, sympy.Basic) else [])):
            return None
        scalars = [f for f in left if not isinstance(f, MatrixExpr)]
        matrices = [f for f in left if isinstance(f, MatrixExpr)]
        if matrices:
            parts.append(sympy.Mul(coeff, *scalars) * Transpose(MatMul(*matrices)).doit())
        elif problem.X.shape[0] == problem.X.shape[1]:  # tr(c dX): M = c I
            parts.append(sympy.Mul(coeff, *scalars) * sympy.Identity(problem.X.shape[0]))
        else:
            return None
    if not parts:
        return None
    return MatAdd(*parts).doit() if len(parts) > 1 else parts[0]


# ------------------------------------------------------------------ the public function

def split_lines(lines: str | list[str]) -> list[str]:
    """The non-empty lines, each without a leading ``df =`` or ``=``.

    >>> split_lines("df = tr(dX)\\n\\n  = tr(dX.T)")
    ['tr(dX)', 'tr(dX.T)']
    """
    raw = lines.splitlines() if isinstance(lines, str) else list(lines)
    return [_PREFIX.sub("", line).strip() for line in raw if line.strip()]


def check_steps(f: str, X: str, lines: str | list[str], shapes: str, seed: int = 0) -> StepReport:
    """Check a hand derivation of df, one ``df = …`` right-hand side per line.

    ``f`` and each line are typed text (read by the whitelist parser, never evaluated as
    Python); ``dX`` is the differential of ``X``, with X's shape. Raises :class:`MdlibError` if
    ``f`` itself cannot be read or its gradient cannot be verified; a line that cannot be read
    gets its own verdict instead.
    """
    problem = _problem(f, X, shapes, seed)
    key = (f, X, shapes, seed)
    report = StepReport(f, X, verified_latex=problem.verified_latex)
    df = _df(problem)
    previous: sympy.Basic | None = problem.derivation.differential
    previous_ok, previous_text = True, ""
    texts = split_lines(lines)
    for number, text in enumerate(texts, start=1):
        try:
            expr = _read(text, key)
        except _Unreadable as err:
            report.lines.append(LineVerdict(number, text, "", None, err.message, column=err.column))
            report.first_wrong = report.first_wrong or number
            previous = None
            continue
        try:
            latex = typed_latex(text)
        except (SyntaxError, ValueError):  # an accepted spelling this printer does not know
            latex = _latex(expr)
        value = _value(expr, problem)
        scale = _scale(expr, problem)
        ok = _close(value, df, scale) and _close(_value(expr, problem, 2.0), 2 * df, 2 * scale)
        if ok:
            if number == 1:
                rule = "; ".join(rule_label(r) for r in problem.engine_rules)
                if isinstance(expr, Trace) or any(isinstance(t, Trace) for t in _terms(expr)):
                    rule = "; ".join(filter(None, [rule, rule_label("T1")]))
            elif previous is None:
                rule = ""
            else:
                rule = _rule_between(previous, expr, problem)
            message = "right" if previous_ok else "right again (the line before was wrong)"
            if rule == "unchanged":  # the same once sympy multiplies out transposes and merges terms
                same = "".join(text.split()) == "".join(previous_text.split())
                rule, message = "", "right (the same as the line before)" if same else message
            report.lines.append(LineVerdict(number, text, latex, True, message, rule))
        else:
            if previous is not None and not previous_ok and _close(value, _value(previous, problem), scale):
                message = "it follows from the line before, but carries that line's mistake"
            elif previous is None:
                message = "it does not equal df (the line before could not be read)"
            else:
                message = _diagnose(previous, expr, problem, text)
            report.lines.append(LineVerdict(number, text, latex, False, message))
            report.first_wrong = report.first_wrong or number
        previous, previous_ok, previous_text = expr, ok, text
    _conclude(report, problem, previous if texts else None)
    return report


def _conclude(report: StepReport, problem: _Problem, last: sympy.Basic | None) -> None:
    name = problem.X.name
    if not report.lines:
        report.verdict = f"Write the first line of df = … (with d{name}); each line is checked as you go."
        return
    if report.first_wrong is not None:
        bad = report.lines[report.first_wrong - 1]
        kind = "cannot be read" if bad.ok is None else "is the first wrong line"
        report.verdict = f"✘ Line {bad.number} {kind}."
        return
    key = ("conclusion", last)
    if key not in problem.memo:
        problem.memo[key] = _conclusion(problem, last)
    report.gradient_latex, report.verdict = problem.memo[key]


def _conclusion(problem: _Problem, last: sympy.Basic | None) -> tuple[str, str]:
    """(the reader's gradient in LaTeX, the verdict) for a derivation whose lines are all right."""
    name = problem.X.name
    gradient = _read_off(last, problem) if last is not None else None
    if gradient is None:
        return "", (f"✔ Every line is right. To read off ∂f/∂{name}, bring the last line to "
                    f"the form tr(G^T d{name}) (move d{name} to the end with T4).")
    from .engine.numeric import evaluate

    values = problem.samples[0]
    G_reader = np.asarray(evaluate(gradient, values), dtype=float)
    G_true = np.asarray(evaluate(problem.gradient, values), dtype=float)
    if G_reader.shape == G_true.shape and _close(G_reader, G_true):
        return _latex(gradient), (f"✔ Every line is right, and the last one gives ∂f/∂{name} = "
                                  f"{_text(gradient)} (L), which equals the verified gradient "
                                  f"{_text(problem.gradient)}.")
    # cannot happen when every line equals df; kept so nothing unverified is claimed
    return _latex(gradient), (f"✘ The gradient read off the last line, {_text(gradient)}, is not "
                              "the verified one.")

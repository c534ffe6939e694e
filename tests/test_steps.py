"""check_steps: the worked derivations of chapters 4–7 pass, slips are named at the right line.

Every verdict rests on numbers: df comes from the engine's verified gradient, lines are compared
at seeded random points, so these tests would fail if a right line were rejected or a wrong one
accepted.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from mdlib import MdlibError, check_steps
from mdlib.steps import split_lines

# (name, f, X, shapes, derivation) — the hand derivations of the notebooks, written as lines.
WORKED = [
    ("E1 a^T X b (04)", "a.T*X*b", "X", "X: 3x4, a: 3, b: 4",
     ["a.T*dX*b", "tr(a.T*dX*b)", "tr(b*a.T*dX)"]),
    ("E2 a^T exp(Xb) (04)", "a.T*exp(X*b)", "X", "X: 3x4, a: 3, b: 4",
     ["a.T*had(exp(X*b), dX*b)", "tr(a.T*had(exp(X*b), dX*b))", "tr(had(a, exp(X*b)).T*dX*b)",
      "tr(b*had(a, exp(X*b)).T*dX)"]),
    ("tr(X^T A X) (04)", "tr(X.T*A*X)", "X", "X: 4x3, A: 4x4",
     ["tr(dX.T*A*X) + tr(X.T*A*dX)", "tr(X.T*A.T*dX) + tr(X.T*A*dX)", "tr(X.T*(A.T + A)*dX)"]),
    ("log|det X| (04)", "logdet(X)", "X", "X: 3x3", ["tr(inv(X)*dX)"]),
    ("tr(A X^-1) (04)", "tr(A*inv(X))", "X", "X: 3x3, A: 3x3",
     ["tr(A*(-inv(X)*dX*inv(X)))", "-tr(A*inv(X)*dX*inv(X))", "-tr(inv(X)*A*inv(X)*dX)"]),
    ("C2 Y = AXB (05)", "tr(G.T*A*X*B)", "X", "X: 3x4, A: 2x3, B: 4x2, G: 2x2",
     ["tr(G.T*A*dX*B)", "tr(B*G.T*A*dX)"]),
    ("5.3 tr(C X^T X) (05)", "tr(C*X.T*X)", "X", "X: 3x3, C: 3x3",
     ["tr(C*dX.T*X) + tr(C*X.T*dX)", "tr(X.T*dX*C.T) + tr(C*X.T*dX)",
      "tr(C.T*X.T*dX) + tr(C*X.T*dX)", "tr((C.T + C)*X.T*dX)"]),
    ("E4 least squares (06)", "(X*w - y).T*(X*w - y)", "w", "w: 3, X: 5x3, y: 5",
     ["(X*dw).T*(X*w - y) + (X*w - y).T*X*dw", "2*(X*w - y).T*X*dw"]),
    ("E6 softmax regression (06)", "log(sum(exp(W*x))) - tr(y.T*W*x)", "W", "W: 4x3, x: 3, y: 4",
     ["tr(exp(W*x).T*dW*x)/sum(exp(W*x)) - tr(y.T*dW*x)",
      "tr(x*exp(W*x).T*dW)/sum(exp(W*x)) - tr(x*y.T*dW)",
      "tr(x*(exp(W*x)/sum(exp(W*x)) - y).T*dW)"]),
    ("E3 tr(Y^T M Y), Y = σ(WX) (06)", "tr(sigmoid(W*X).T*M*sigmoid(W*X))", "X", "X: 3x4, W: 2x3, M: 2x2",
     ["tr(had(had(sigmoid(W*X), sigmoid(-W*X)), W*dX).T*M*sigmoid(W*X))"
      " + tr(sigmoid(W*X).T*M*had(had(sigmoid(W*X), sigmoid(-W*X)), W*dX))",
      "tr(sigmoid(W*X).T*M.T*had(had(sigmoid(W*X), sigmoid(-W*X)), W*dX))"
      " + tr(sigmoid(W*X).T*M*had(had(sigmoid(W*X), sigmoid(-W*X)), W*dX))",
      "tr(sigmoid(W*X).T*(M.T + M)*had(had(sigmoid(W*X), sigmoid(-W*X)), W*dX))",
      "tr(had((M + M.T)*sigmoid(W*X), had(sigmoid(W*X), sigmoid(-W*X))).T*W*dX)"]),
    ("E5 Gaussian covariance (06)", "logdet(S) + tr(inv(S)*C)", "S", "S: 3x3, C: 3x3",
     ["tr(inv(S)*dS) - tr(inv(S)*dS*inv(S)*C)", "tr(inv(S)*dS) - tr(inv(S)*C*inv(S)*dS)",
      "tr((inv(S) - inv(S)*C*inv(S))*dS)"]),
    ("7.2 tr(X^T X) log|det X| (07)", "tr(X.T*X)*logdet(X)", "X", "X: 3x3",
     ["2*tr(X.T*dX)*logdet(X) + tr(X.T*X)*tr(inv(X)*dX)",
      "tr(2*logdet(X)*X.T*dX) + tr(tr(X.T*X)*inv(X)*dX)"]),
    ("7.3 sum sin(XA) (07)", "sum(sin(X*A))", "X", "X: 2x3, A: 3x4",
     ["sum(had(cos(X*A), dX*A))", "tr(cos(X*A).T*dX*A)", "tr(A*cos(X*A).T*dX)"]),
]


@pytest.mark.parametrize("name, f, X, shapes, lines", WORKED, ids=[w[0] for w in WORKED])
def test_worked_derivations_pass_and_give_the_verified_gradient(name, f, X, shapes, lines):
    report = check_steps(f, X, lines, shapes)
    assert report.ok, str(report)
    assert report.first_wrong is None
    assert report.gradient_latex, f"{name}: the last line should give the gradient"
    assert "equals the verified gradient" in report.verdict


# ------------------------------------------------------------------ mutations, named by hand

# (f, X, shapes, lines, first wrong line, words the diagnosis must contain)
MUTANTS = [
    # E1
    ("a.T*X*b", "X", "X: 3x3, a: 3, b: 3", ["a.T*dX*b", "tr(a.T*dX*b)", "tr(a*b.T*dX)"], 3,
     ["transpose"]),
    ("a.T*X*b", "X", "X: 3x3, a: 3, b: 3", ["-a.T*dX*b"], 1, ["sign"]),
    ("a.T*X*b", "X", "X: 3x3, a: 3, b: 3", ["tr(a.T*dX*b)", "tr(b*a.T*dX.T)"], 2,
     ["extra transpose"]),
    # tr(X^T A X)
    ("tr(X.T*A*X)", "X", "X: 3x3, A: 3x3", ["tr(X.T*A*dX)"], 1, ["lost", "M2"]),
    ("tr(X.T*A*X)", "X", "X: 3x3, A: 3x3",
     ["tr(dX.T*A*X) + tr(X.T*A*dX)", "tr(X.T*A*dX) + tr(X.T*A*dX)"], 2,
     ["you assumed A = A^T", "tr(X^T (A + A^T) dX)"]),
    ("tr(X.T*A*X)", "X", "X: 3x3, A: 3x3",
     ["tr(dX.T*A*X) + tr(X.T*A*dX)", "tr(X.T*A.T*dX) - tr(X.T*A*dX)"], 2, ["sign"]),
    ("tr(X.T*A*X)", "X", "X: 3x3, A: 3x3",
     ["tr(dX.T*A*X) + tr(X.T*A*dX) + tr(dX.T*A*dX)"], 1, ["not linear", "second order"]),
    ("tr(X.T*A*X)", "X", "X: 3x3, A: 3x3",
     ["tr(dX.T*A*X) + tr(X.T*A*dX)", "tr(X.T*A.T*dX) + tr(X.T*A*dX) + tr(A)"], 2, ["no dX"]),
    # factors reversed inside a trace (a non-cyclic move)
    ("tr(X*A*X)", "X", "X: 3x3, A: 3x3",
     ["tr(dX*A*X) + tr(X*A*dX)", "tr(A*dX*X) + tr(X*A*dX)"], 2, ["order", "cyclic"]),
    # tr(A X^-1): M5 with the order swapped, M5 with the sign lost
    ("tr(A*inv(X))", "X", "X: 3x3, A: 3x3", ["-tr(A*inv(X)*inv(X)*dX)"], 1,
     ["order", "between the two inverses", "M5"]),
    ("tr(A*inv(X))", "X", "X: 3x3, A: 3x3", ["tr(A*inv(X)*dX*inv(X))"], 1, ["sign", "M5"]),
    ("tr(A*inv(X)) + tr(X)", "X", "X: 3x3, A: 3x3", ["tr(A*inv(X)*dX*inv(X)) + tr(dX)"], 1,
     ["sign", "M5"]),
    # M6 without the determinant, and with it where it cancels
    ("det(X)", "X", "X: 3x3", ["tr(inv(X)*dX)"], 1, ["|X| is missing", "M6"]),
    ("logdet(X)", "X", "X: 3x3", ["det(X)*tr(inv(X)*dX)"], 1, ["extra factor |X|"]),
    # T4 used as tr(AB) = tr(A) tr(B), both ways round
    ("tr(X*A)*tr(X)", "X", "X: 3x3, A: 3x3",
     ["tr(dX*A)*tr(X) + tr(X*A)*tr(dX)", "tr(dX*A*X) + tr(X*A)*tr(dX)"], 2, ["not multiplicative"]),
    ("tr(X*A*B)", "X", "X: 3x3, A: 3x3, B: 3x3", ["tr(dX*A*B)", "tr(dX*A)*tr(B)"], 2,
     ["not multiplicative"]),
    # M8 written as a matrix product instead of ⊙
    ("sum(sin(X))", "X", "X: 3x3", ["sum(cos(X)*dX)"], 1, ["elementwise", "M8"]),
    # a lost factor
    ("tr(X.T*X)", "X", "X: 3x3", ["tr(dX.T*X + X.T*dX)", "2*tr(X.T*dX)", "tr(X.T*dX)"], 3,
     ["factor 2 is lost"]),
    # C2: transposing each factor without reversing the order
    ("tr(G.T*A*X*B)", "X", "X: 3x3, A: 3x3, B: 3x3, G: 3x3",
     ["tr(G.T*A*dX*B)", "tr(B*G.T*A*dX)", "tr(B.T*G*A.T*dX)"], 3, ["reverses its order"]),
    # E4: the factor 2 lost when merging the two equal terms
    ("(X*w - y).T*(X*w - y)", "w", "w: 3, X: 5x3, y: 5",
     ["(X*dw).T*(X*w - y) + (X*w - y).T*X*dw", "(X*w - y).T*X*dw"], 2, ["factor 2 is lost"]),
    # E3: a transpose lost where sympy merges M + M into 2 M: found in the text as typed
    ("tr(sigmoid(W*X).T*M*sigmoid(W*X))", "X", "X: 3x4, W: 2x3, M: 2x2",
     ["tr(sigmoid(W*X).T*(M.T + M)*had(had(sigmoid(W*X), sigmoid(-W*X)), W*dX))",
      "tr(had((M + M)*sigmoid(W*X), had(sigmoid(W*X), sigmoid(-W*X))).T*W*dX)"], 2,
     ["transpose is missing", "column"]),
    # E2: T5 without its transpose
    ("tr(A.T*exp(X))", "X", "X: 3x3, A: 3x3",
     ["tr(A.T*had(exp(X), dX))", "tr(had(A, exp(X))*dX)"], 2, ["transpose", "T5"]),
]


@pytest.mark.parametrize("f, X, shapes, lines, wrong, words", MUTANTS,
                         ids=[f"{m[0]}:{m[4]}:{m[5][0]}" for m in MUTANTS])
def test_mutants_are_named_at_the_right_line(f, X, shapes, lines, wrong, words):
    report = check_steps(f, X, lines, shapes)
    assert not report.ok
    assert report.first_wrong == wrong, str(report)
    line = report.lines[wrong - 1]
    assert line.ok is False, str(report)
    for word in words:
        assert word in line.message, f"{word!r} not in {line.message!r}"
    assert all(v.ok for v in report.lines[:wrong - 1])
    assert f"Line {wrong} is the first wrong line" in report.verdict


# ------------------------------------------------------------------ mutations, generated

def _top_level_terms(line: str) -> list[str]:
    """Split a line at + and - outside brackets, keeping each term's sign."""
    terms, depth, start = [], 0, 0
    for i, ch in enumerate(line):
        depth += ch == "("
        depth -= ch == ")"
        if depth == 0 and ch in "+-" and i > 0 and line[i - 1] not in "*/(e":
            terms.append(line[start:i])
            start = i
    terms.append(line[start:])
    return [t.strip() for t in terms if t.strip()]


def _generated_mutants():
    for name, f, X, shapes, lines in WORKED:
        for k, line in enumerate(lines):
            yield name, f, X, shapes, lines[:k] + [f"-({line})"] + lines[k + 1:], k + 1, "sign"
            terms = _top_level_terms(line)
            if len(terms) > 1:
                kept = " + ".join(terms[1:]).replace("+ -", "- ").lstrip("+ ")
                yield name, f, X, shapes, lines[:k] + [kept] + lines[k + 1:], k + 1, "lost"
            for match in re.finditer(r"\.T", line):
                dropped = line[:match.start()] + line[match.end():]
                yield name, f, X, shapes, lines[:k] + [dropped] + lines[k + 1:], k + 1, "transpose"


GENERATED = list(_generated_mutants())


@pytest.mark.parametrize("name, f, X, shapes, lines, wrong, kind", GENERATED,
                         ids=[f"{g[0]}:line{g[5]}:{g[6]}:{i}" for i, g in enumerate(GENERATED)])
def test_generated_mutants(name, f, X, shapes, lines, wrong, kind):
    report = check_steps(f, X, lines, shapes)
    assert report.first_wrong == wrong, str(report)
    line = report.lines[wrong - 1]
    assert line.ok is False, str(report)
    if kind == "transpose" and line.kind == "size":
        # a dropped transpose that breaks the shapes: the sizes are named
        assert line.message.startswith("the sizes do not match: ") and "×" in line.message
        return
    expected = {"sign": ["sign"], "lost": ["lost", "missing"],
                # two terms made equal by the dropped transpose: the merge assumed symmetry
                "transpose": ["transpose", "order", "is not symmetric"]}[kind]
    assert any(word in line.message for word in expected), line.message


def test_generated_mutants_are_many():
    assert len(GENERATED) > 40


# ------------------------------------------------------------------ fuzz: random correct chains

_FACTORS = ["A", "B", "C", "A.T", "B.T", "C.T"]


def _transpose_factor(factor: str) -> str:
    return factor[:-2] if factor.endswith(".T") else f"{factor}.T"


def _render(terms: list[tuple[int, list[str]]]) -> str:
    parts = []
    for coeff, factors in terms:
        body = f"tr({'*'.join(factors)})"
        parts.append(body if coeff == 1 else f"{coeff}*{body}")
    return " + ".join(parts).replace("+ -1*", "- ").replace("+ -", "- ")


def _random_chain(rng: np.random.Generator, steps: int = 8):
    """f = Σ c tr(L X R) (constant L, R), its df, and a chain of trace-rule rewrites of it."""
    terms, f_terms = [], []
    for _ in range(int(rng.integers(1, 4))):
        left = list(rng.choice(_FACTORS, size=int(rng.integers(0, 3))))
        right = list(rng.choice(_FACTORS, size=int(rng.integers(0, 3))))
        x = "X.T" if rng.random() < 0.4 else "X"
        coeff = int(rng.choice([1, 2, -1, 3]))
        f_terms.append((coeff, [*left, x, *right]))
        terms.append((coeff, [*left, "dX.T" if x == "X.T" else "dX", *right]))
    chain = [_render(terms)]
    for _ in range(steps):
        k = int(rng.integers(len(terms)))
        coeff, factors = terms[k]
        move = rng.choice(["cyclic", "transpose", "split", "merge"])
        if move == "cyclic" and len(factors) > 1:  # T4
            shift = int(rng.integers(1, len(factors)))
            terms[k] = (coeff, factors[shift:] + factors[:shift])
        elif move == "transpose":  # T2: tr(M) = tr(M^T)
            terms[k] = (coeff, [_transpose_factor(fa) for fa in reversed(factors)])
        elif move == "split" and abs(coeff) > 1:  # T3: c tr(M) = tr(M) + (c-1) tr(M)
            sign = 1 if coeff > 0 else -1
            terms[k:k + 1] = [(sign, factors), (coeff - sign, factors)]
        elif move == "merge" and len(terms) > 1:
            j = (k + 1) % len(terms)
            if terms[j][1] == factors:
                terms[k] = (coeff + terms[j][0], factors)
                del terms[j]
        else:
            continue
        terms = [t for t in terms if t[0] != 0]
        if terms:
            chain.append(_render(terms))
    return _render(f_terms), chain


@pytest.mark.parametrize("seed", range(12))
def test_fuzz_random_correct_chains_pass(seed):
    rng = np.random.default_rng(seed)
    f, chain = _random_chain(rng)
    report = check_steps(f, "X", chain, "X: 3x3, A: 3x3, B: 3x3, C: 3x3")
    assert report.ok, f"{f}\n{report}"
    recognised = {r.rule for r in report.lines[1:] if r.rule}
    assert all(re.fullmatch(r"(T\d: [^;]+)(; T\d: [^;]+)*|algebra inside the trace", r)
               for r in recognised), recognised


@pytest.mark.parametrize("seed", range(12))
def test_fuzz_a_non_cyclic_swap_is_caught_where_it_happens(seed):
    rng = np.random.default_rng(100 + seed)
    f, chain = _random_chain(rng)
    k = int(rng.integers(len(chain)))
    # swap the first two factors of the first trace whose factors are not all equal
    line = chain[k]
    match = re.search(r"tr\(([^()]*)\)", line)
    factors = match.group(1).split("*")
    if len(factors) < 3 or len(set(factors)) < 3:
        pytest.skip("no product with three distinct factors to disorder")
    factors[0], factors[1] = factors[1], factors[0]
    chain[k] = line[:match.start(1)] + "*".join(factors) + line[match.end(1):]
    report = check_steps(f, "X", chain, "X: 3x3, A: 3x3, B: 3x3, C: 3x3")
    assert report.first_wrong == k + 1, f"{f}\n{report}"


# ------------------------------------------------------------------ reading, errors, display

@pytest.mark.parametrize("line, words, column", [
    ("tr(dX*A*X", ["never closed"], 2),
    ("tr(dX*A))", ["closes nothing"], 8),
    ("tr(X*C*dX)", ["unknown", "C"], 5),
    ("tr(dA*X)", ["constant", "dA = 0"], 3),
    ("tr(X*A)", ["does not contain dX"], None),
    ("tr(X*dX) +", ["ends with an operator"], 9),
])
def test_unreadable_lines_point_at_the_place(line, words, column):
    report = check_steps("tr(X*A*X)", "X", [line], "X: 3x3, A: 3x3, a: 3")
    verdict = report.lines[0]
    assert verdict.ok is None and report.first_wrong == 1
    for word in words:
        assert word in verdict.message
    assert verdict.column == column
    assert "cannot be read" in report.verdict


def test_a_wrong_f_is_refused_in_words():
    with pytest.raises(MdlibError):
        check_steps("X*A", "X", "tr(dX*A)", "X: 3x3, A: 3x3")
    with pytest.raises(MdlibError, match="not among"):
        check_steps("tr(X)", "Y", "tr(dX)", "X: 3x3")


def test_later_lines_are_judged_against_their_predecessor():
    report = check_steps("tr(X.T*X)", "X", ["tr(X.T*dX)", "tr(dX.T*X)", "2*tr(X.T*dX)"], "X: 3x3")
    first, carried, fixed = report.lines
    assert not first.ok and "factor 2" in first.message
    assert not carried.ok and "carries" in carried.message
    assert fixed.ok and "again" in fixed.message
    assert report.first_wrong == 1


def test_prefixes_and_blank_lines_are_ignored():
    assert split_lines("df = tr(dX)\n\n = tr(dX.T)\n") == ["tr(dX)", "tr(dX.T)"]
    assert check_steps("tr(X)", "X", "df = tr(dX)\n\n= tr(dX.T)", "X: 3x3").ok


def test_a_right_chain_not_yet_read_off_says_how_to_finish():
    report = check_steps("a.T*X*b", "X", ["tr(a.T*dX*b)"], "X: 3x3, a: 3, b: 3")
    assert report.ok and not report.gradient_latex and "move dX to the end" in report.verdict


def test_text_markdown_and_html_say_the_verdict_in_words():
    report = check_steps("a.T*X*b", "X", ["tr(a.T*dX*b)", "tr(a*b.T*dX)"], "X: 3x3, a: 3, b: 3")
    text = str(report)
    assert "✔ line 1" in text and "✘ line 2" in text and "wrong:" in text
    markdown = report._repr_markdown_()
    assert "✔ right" in markdown and "✘ wrong" in markdown
    html = report._repr_html_()
    assert "aria-live='polite'" in html and "wrong" in html and "right" in html
    assert "$" in html  # the lines as LaTeX


def test_empty_derivation_asks_for_a_first_line():
    report = check_steps("tr(X)", "X", "", "X: 3x3")
    assert not report.ok and "first line" in report.verdict


def test_lines_are_shown_as_typed_not_as_sympy_rewrites_them():
    report = check_steps("tr(A*inv(X))", "X", ["-tr(A*inv(X)*inv(X)*dX)"], "X: 3x3, A: 3x3")
    assert r"X^{-1}\,X^{-1}" in report.lines[0].latex  # sympy alone would print X^{-2}
    report = check_steps("tr(X.T*A*X)", "X", ["tr(X.T*A*dX) + tr(X.T*A*dX)"], "X: 3x3, A: 3x3")
    assert report.lines[0].latex.count(r"\mathrm{tr}") == 2  # not merged into 2 tr(...)


def test_a_transpose_of_a_number_is_unreadable_not_a_crash():
    report = check_steps("tr(X)", "X", ["tr(dX).T"], "X: 3x3")
    # refused in words by one parser, read as the number it is (its own transpose) by another
    assert report.lines[0].ok in (None, True)
    assert report.lines[0].ok or "cannot read" in report.lines[0].message


def test_symmetric_constants_may_be_used_as_such_and_only_then():
    lines = ["tr(dX.T*M*X) + tr(X.T*M*dX)", "tr(X.T*M.T*dX) + tr(X.T*M*dX)", "2*tr(X.T*M*dX)"]
    assert check_steps("tr(X.T*M*X)", "X", lines, "X: 3x2, M: 3x3", symmetric=["M"]).ok
    general = check_steps("tr(X.T*M*X)", "X", lines, "X: 3x2, M: 3x3")
    assert general.first_wrong == 3  # 2 M X is the gradient only for a symmetric M
    with pytest.raises(MdlibError, match="dX would have to be symmetric"):
        check_steps("tr(X)", "X", "tr(dX)", "X: 3x3", symmetric=["X"])


def test_the_table_names_the_column_of_an_unreadable_line():
    report = check_steps("tr(X)", "X", ["tr(dX"], "X: 3x3")
    assert "(column 3)" in report.html() and "(column 3)" in report._repr_markdown_()

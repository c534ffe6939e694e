"""What the step checker *says* (issue 15 §1): every message template, each with a slip built for
it and the message asserted word for word, and the five cases the review found misleading.

A student believes the checker more than their own work, so each message must name the
function, factor, transpose or term that is really in the line and give the simplest right form.
That the slip is real (the line is wrong) rests on the checker's numbers, which
``test_steps.py`` checks; that following each message makes progress is ``test_steps_progress.py``.
"""

from __future__ import annotations

import pytest

from mdlib import check_steps, check_vec_steps

S3 = "X: 3x3, A: 3x3"
SIGMOID = ("tr(sigmoid(W*X).T*M*sigmoid(W*X))", "X", "X: 3x4, W: 2x3, M: 2x2")
E3_FIRST = "tr(sigmoid(W*X).T*(M.T + M)*had(had(sigmoid(W*X), sigmoid(-W*X)), W*dX))"

# ------------------------------------------------------------------ the five cases of issue 15


def test_the_assumed_symmetry_is_named_and_following_the_hint_ends_the_loop():
    # "A should be A^T", then "A^T should be A": following either hint led to the other
    first = "tr(dX.T*A*X) + tr(X.T*A*dX)"
    for merged in ("2*tr(X.T*A*dX)", "2*tr(X.T*A.T*dX)"):
        report = check_steps("tr(X.T*A*X)", "X", [first, merged], S3)
        message = report.lines[1].message
        assert message.startswith("you assumed A = A^T, but A is not symmetric: the terms of the "
                                  "line before add up to tr(X^T (A + A^T) dX)"), message
        assert "should be" not in message  # no transpose to add or drop: that was the loop
    repaired = check_steps("tr(X.T*A*X)", "X", [first, "tr(X.T*(A + A.T)*dX)"], S3)
    assert repaired.ok and "equals the verified gradient" in repaired.verdict


def test_an_added_transpose_is_called_extra():
    report = check_steps("logdet(X)", "X", ["tr(inv(X).T*dX)"], "X: 3x3")
    assert report.lines[0].message == ("in the term tr(X^-T dX): an extra transpose: X^-T should "
                                       "be X^-1")


def test_a_matrix_product_for_a_hadamard_product_names_the_function_there():
    report = check_steps("tr(A*exp(X))", "X", ["tr(A*exp(X)*dX)"], S3)
    message = report.lines[0].message
    assert message == ("in the term tr(A exp(X) dX): exp(X) dX should be the Hadamard "
                       "(elementwise) product exp(X) ⊙ dX: rule M8 gives d exp(X) = exp′(X) ⊙ dX, "
                       "and exp′ = exp; ⊙ multiplies entry by entry, a matrix product does not")
    assert "σ" not in message


def test_the_lost_term_of_least_squares_is_named():
    report = check_steps("(X*w - y).T*(X*w - y)", "X",
                         ["(dX*w).T*(X*w - y) + (X*w - y).T*dX*w", "2*(X*w - y).T*dX*w",
                          "tr(2*w*y.T*dX)"], "X: 5x3, w: 3, y: 5")
    assert report.first_wrong == 3
    # 2 (Xw - y)^T dX w = 2 tr(w w^T X^T dX) - 2 tr(w y^T dX): the first term is gone, and the
    # second came back with a + (no factor -2 was lost)
    assert report.lines[2].message == ("a term is lost: 2 tr(w w^T X^T dX) is missing; the sign "
                                       "of the term 2 tr(w y^T dX) is flipped")


def test_a_number_times_a_trace_is_read_off_directly():
    report = check_steps("det(X)", "X", ["det(X)*tr(inv(X)*dX)"], "X: 3x3")
    assert report.ok and report.gradient_latex
    assert report.verdict == (
        "✔ Every line is right, and the last one gives ∂f/∂X = |X| X^-T (T3: |X| tr(M dX) = "
        "tr(|X| M dX), a number moves into the trace; then L), which equals the verified gradient "
        "|X| X^-T.")
    assert "move dX" not in report.verdict


# ------------------------------------------------------------------ one slip per template (df)

# (template, f, X, shapes, lines, the wrong line, its message word for word)
DF_TEMPLATES = [
    ('read-off transpose', 'a.T*X*b', 'X', 'X: 3x3, a: 3, b: 3',
     ['tr(a.T*dX*b)', 'tr(a*b.T*dX)'], 2,
     'in the term tr(a b^T dX): a transpose is missing: a b^T in front of dX should be (a b^T)^T = b a^T'),
    ('extra transpose', 'logdet(X)', 'X', 'X: 3x3',
     ['tr(inv(X).T*dX)'], 1,
     'in the term tr(X^-T dX): an extra transpose: X^-T should be X^-1'),
    ('missing transpose of dX (M3)', 'tr(X.T*A)', 'X', 'X: 3x3, A: 3x3',
     ['tr(dX*A)'], 1,
     'in the term tr(dX A): a transpose is missing: dX should be (dX)^T (the transpose of dX is missing, rule M3)'),
    ('extra transpose of dX', 'tr(A*X)', 'X', 'X: 3x3, A: 3x3',
     ['tr(A*dX)', 'tr(A*dX.T)'], 2,
     'in the term tr(A (dX)^T): an extra transpose: (dX)^T should be dX'),
    ('T5 keeps the transpose', 'tr(A.T*exp(X))', 'X', 'X: 3x3, A: 3x3',
     ['tr(A.T*had(exp(X), dX))', 'tr(had(A, exp(X))*dX)'], 2,
     'in the term tr((A ⊙ exp(X)) dX): a transpose is missing: A ⊙ exp(X) should be (A ⊙ exp(X))^T; T5 keeps the transpose: tr(A (B ⊙ C)) = tr((A ⊙ B) C) is false'),
    ('product not transposed', 'tr(C*B.T*A.T*X)', 'X', 'X: 3x3, A: 3x3, B: 3x3, C: 3x3',
     ['tr(C*A*B*dX)'], 1,
     'in the term tr(C A B dX): a transpose is missing on the product A B: it should be (A B)^T = B^T A^T'),
    ('transposed product not reversed', 'tr(G.T*A*X*B)', 'X', 'X: 3x3, A: 3x3, B: 3x3, G: 3x3',
     ['tr(G.T*A*dX*B)', 'tr(B*G.T*A*dX)', 'tr(B.T*G*A.T*dX)'], 3,
     'in the term tr(B^T G A^T dX): B^T G A^T should be B G^T A: B^T G A^T is not (B G^T A)^T, because transposing a product reverses its order, (B G^T A)^T = A^T G B^T'),
    ('order, inside a trace (T4)', 'tr(X*A*X)', 'X', 'X: 3x3, A: 3x3',
     ['tr(dX*A*X) + tr(X*A*dX)', 'tr(A*dX*X) + tr(X*A*dX)'], 2,
     'in the term tr(A dX X): the order of a product is wrong: A dX X should be A X dX (inside a trace only cyclic moves are allowed, T4: tr(ABC) = tr(BAC) is false)'),
    ('order, between the inverses (M5)', 'tr(A*inv(X))', 'X', 'X: 3x3, A: 3x3',
     ['-tr(A*inv(X)*inv(X)*dX)'], 1,
     'in the term -tr(A X^-1 X^-1 dX): the order of a product is wrong: A X^-1 X^-1 dX should be A X^-1 dX X^-1 (matrices do not commute: dX must sit between the two inverses, rule M5)'),
    ('order, outside a trace', 'a.T*A*X*b', 'X', 'X: 3x3, A: 3x3, a: 3, b: 3',
     ['a.T*dX*A*b'], 1,
     'in the term a^T dX A b: the order of a product is wrong: a^T dX A b should be a^T A dX b (matrices do not commute: XY is not YX)'),
    ('⊙ as a product: exp (M8)', 'tr(A*exp(X))', 'X', 'X: 3x3, A: 3x3',
     ['tr(A*exp(X)*dX)'], 1,
     'in the term tr(A exp(X) dX): exp(X) dX should be the Hadamard (elementwise) product exp(X) ⊙ dX: rule M8 gives d exp(X) = exp′(X) ⊙ dX, and exp′ = exp; ⊙ multiplies entry by entry, a matrix product does not'),
    ('⊙ as a product: sin (M8)', 'sum(sin(X))', 'X', 'X: 3x3',
     ['sum(cos(X)*dX)'], 1,
     'in the term 1^T cos(X) dX 1: cos(X) dX should be the Hadamard (elementwise) product cos(X) ⊙ dX: rule M8 gives d sin(X) = sin′(X) ⊙ dX, and sin′ = cos; ⊙ multiplies entry by entry, a matrix product does not'),
    ('⊙ as a product: σ (M8)', 'sum(sigmoid(X))', 'X', 'X: 3x3',
     ['sum(had(sigmoid(X), sigmoid(-X))*dX)'], 1,
     'in the term 1^T (σ(X) ⊙ σ(-X)) dX 1: (σ(X) ⊙ σ(-X)) dX should be the Hadamard (elementwise) product (σ(X) ⊙ σ(-X)) ⊙ dX: rule M8 gives d σ(X) = σ′(X) ⊙ dX; ⊙ multiplies entry by entry, a matrix product does not'),
    ('⊙ as a product: a constant', 'sum(had(A, X))', 'X', 'X: 3x3, A: 3x3',
     ['sum(A*dX)'], 1,
     'in the term 1^T A dX 1: A dX should be the Hadamard (elementwise) product A ⊙ dX: ⊙ multiplies entry by entry, a matrix product does not'),
    ('tr(AB) written tr(A) tr(B)', 'tr(X*A*B)', 'X', 'X: 3x3, A: 3x3, B: 3x3',
     ['tr(dX*A*B)', 'tr(dX*A)*tr(B)'], 2,
     'in the term tr(dX A) tr(B): tr(dX A) tr(B) and tr(dX A B) differ: tr(AB) = tr(A) tr(B) is false (the trace is not multiplicative)'),
    ('tr(A) tr(B) written tr(AB)', 'tr(X*A)*tr(X)', 'X', 'X: 3x3, A: 3x3',
     ['tr(dX*A)*tr(X) + tr(X*A)*tr(dX)', 'tr(dX*A*X) + tr(X*A)*tr(dX)'], 2,
     'in the term tr(dX A X): tr(dX A) tr(X) and tr(dX A X) differ: tr(AB) = tr(A) tr(B) is false (the trace is not multiplicative)'),
    ('sign of the whole line', 'a.T*X*b', 'X', 'X: 3x3, a: 3, b: 3',
     ['-a.T*dX*b'], 1,
     'the sign of the whole line is flipped'),
    ('a factor lost', 'tr(X.T*X)', 'X', 'X: 3x3',
     ['tr(X.T*dX)'], 1,
     'the whole line is 1/2 times what it should be: a factor 2 is lost'),
    ('an extra factor', 'tr(X.T*X)', 'X', 'X: 3x3',
     ['4*tr(X.T*dX)'], 1,
     'the whole line is 2 times what it should be: an extra factor 2'),
    ('sign and a factor', 'tr(X.T*X)', 'X', 'X: 3x3',
     ['-tr(X.T*dX)'], 1,
     'the whole line is -1/2 times what it should be: its sign is flipped and a factor 2 is lost'),
    ('a factor that is no simple number', 'tr(X.T*X)', 'X', 'X: 3x3',
     ['2.7*tr(X.T*dX)'], 1,
     'the whole line is 1.35 times what it should be'),
    ('|X| missing (M6)', 'det(X)', 'X', 'X: 3x3',
     ['tr(inv(X)*dX)'], 1,
     'the factor |X| is missing in the whole line (rule M6: d|X| = |X| tr(X^-1 dX))'),
    ('|X| extra in d log|X|', 'logdet(X)', 'X', 'X: 3x3',
     ['det(X)*tr(inv(X)*dX)'], 1,
     'the whole line has an extra factor |X| (only d|X| carries it, not d log|X|)'),
    ('|X| extra', 'tr(A*X)', 'X', 'X: 3x3, A: 3x3',
     ['det(X)*tr(A*dX)'], 1,
     'the whole line has an extra factor |X|'),
    ('sign lost at an inverse (M5)', 'tr(A*inv(X))', 'X', 'X: 3x3, A: 3x3',
     ['tr(A*inv(X)*dX*inv(X))'], 1,
     'the sign of the whole line is flipped: rule M5 says d(X^-1) = -X^-1 dX X^-1, with a minus sign'),
    ('sign of one term at an inverse (M5)', 'tr(A*inv(X)) + tr(X)', 'X', 'X: 3x3, A: 3x3',
     ['tr(A*inv(X)*dX*inv(X)) + tr(dX)'], 1,
     'the sign of the term tr(A X^-1 dX X^-1) is flipped: rule M5 says d(X^-1) = -X^-1 dX X^-1, with a minus sign'),
    ('A = A^T assumed', 'tr(X.T*A*X)', 'X', 'X: 3x3, A: 3x3',
     ['tr(dX.T*A*X) + tr(X.T*A*dX)', '2*tr(X.T*A*dX)'], 2,
     'you assumed A = A^T, but A is not symmetric: the terms of the line before add up to tr(X^T (A + A^T) dX), which is 2 tr(X^T A dX) only for a symmetric A'),
    ('term lost (M2)', 'tr(X.T*A*X)', 'X', 'X: 3x3, A: 3x3',
     ['tr(X.T*A*dX)'], 1,
     'a term is lost: tr((dX)^T A X) is missing (the product rule M2 gives one term for each factor that depends on X)'),
    ('term lost (M1)', 'tr(A*X) + tr(X*X)', 'X', 'X: 3x3, A: 3x3',
     ['tr(A*dX)'], 1,
     'a term is lost: tr(X dX) + tr(dX X) is missing (rule M1: the differential of a sum is the sum of the differentials)'),
    ('extra term', 'tr(A*X)', 'X', 'X: 3x3, A: 3x3',
     ['tr(A*dX) + tr(dX)'], 1,
     'an extra term: tr(dX) is not in df'),
    ('term lost and a sign', '(X*w - y).T*(X*w - y)', 'X', 'X: 5x3, w: 3, y: 5',
     ['(dX*w).T*(X*w - y) + (X*w - y).T*dX*w', '2*(X*w - y).T*dX*w', 'tr(2*w*y.T*dX)'], 3,
     'a term is lost: 2 tr(w w^T X^T dX) is missing; the sign of the term 2 tr(w y^T dX) is flipped'),
    ('sign of one term', 'tr(X.T*A*X)', 'X', 'X: 3x3, A: 3x3',
     ['tr(dX.T*A*X) - tr(X.T*A*dX)'], 1,
     'the sign of the term -tr(X^T A dX) is flipped'),
    ('factor of one term', 'tr(X.T*A*X)', 'X', 'X: 3x3, A: 3x3',
     ['tr(dX.T*A*X) + 3*tr(X.T*A*dX)'], 1,
     'the term 3 tr(X^T A dX) is 3 times what it should be: an extra factor 3'),
    ('a slip in a term and its sign', 'tr(A*X*B*X)', 'X', 'X: 3x3, A: 3x3, B: 3x3',
     ['tr(A*dX*B*X) - tr(A*X*B.T*dX)'], 1,
     'in the term -tr(A X B^T dX): an extra transpose: B^T should be B, and its sign is flipped'),
    ('extra transpose, as typed', 'tr(sigmoid(W*X).T*M*sigmoid(W*X))', 'X', 'X: 3x4, W: 2x3, M: 2x2',
     ['tr(sigmoid(W*X).T*(M.T + M)*had(had(sigmoid(W*X), sigmoid(-W*X)), W*dX))', 'tr(had((M.T + M.T)*sigmoid(W*X), had(sigmoid(W*X), sigmoid(-W*X))).T*W*dX)'], 2,
     'an extra transpose: M.T (column 9) should be M'),
    ('missing transpose, as typed', 'tr(sigmoid(W*X).T*M*sigmoid(W*X))', 'X', 'X: 3x4, W: 2x3, M: 2x2',
     ['tr(sigmoid(W*X).T*(M.T + M)*had(had(sigmoid(W*X), sigmoid(-W*X)), W*dX))', 'tr(had((M + M)*sigmoid(W*X), had(sigmoid(W*X), sigmoid(-W*X))).T*W*dX)'], 2,
     'a transpose is missing: M (column 9) should be M.T'),
    ('a term without dX', 'tr(X.T*A*X)', 'X', 'X: 3x3, A: 3x3',
     ['tr(dX.T*A*X) + tr(X.T*A*dX)', 'tr(X.T*A.T*dX) + tr(X.T*A*dX) + tr(A)'], 2,
     'tr(A) contains no dX: the differential of a constant is 0, and df has only terms with dX'),
    ('second order (M2)', 'tr(X.T*A*X)', 'X', 'X: 3x3, A: 3x3',
     ['tr(dX.T*A*X) + tr(X.T*A*dX) + tr(dX.T*A*dX)'], 1,
     'tr((dX)^T A dX) is not linear in dX: the product of the differentials is second order, not the linear part; drop it'),
    ('not linear', 'tr(A*X)', 'X', 'X: 3x3, A: 3x3',
     ['tr(A*dX) + tr(dX)**3'], 1,
     'tr(dX)^3 is not linear in dX: every term of df is linear in dX; drop it'),
    ('terms that differ', 'tr(X.T*X)', 'X', 'X: 4x2, B: 2x2',
     ['tr(B*X.T*dX*B)'], 1,
     'tr(B X^T dX B) does not equal tr(X^T dX) + tr((dX)^T X) of df'),
    ('no single slip', 'tr(X.T*A*X)', 'X', 'X: 3x3, A: 3x3',
     ['tr(dX.T*A*X) + tr(X.T*A*dX)', 'tr(A*X*A*dX*X*A) + tr(X*X*A*dX*A)'], 2,
     'this line does not equal the line before, and no single slip (a sign, a factor, a transpose, an order, a term) explains the difference: redo this step from the line before'),
    ('carries the mistake', 'tr(X.T*X)', 'X', 'X: 3x3',
     ['tr(X.T*dX)', 'tr(dX.T*X)', '2*tr(X.T*dX)'], 1,
     'the whole line is 1/2 times what it should be: a factor 2 is lost'),
]


@pytest.mark.parametrize("name, f, X, shapes, lines, wrong, message", DF_TEMPLATES,
                         ids=[t[0] for t in DF_TEMPLATES])
def test_each_df_template_says_what_is_there(name, f, X, shapes, lines, wrong, message):
    report = check_steps(f, X, lines, shapes)
    assert report.first_wrong == wrong or name == "carries the mistake", str(report)
    line = report.lines[wrong - 1]
    assert line.ok is False and all(v.ok for v in report.lines[:wrong - 1]), str(report)
    assert line.message == message


def test_carrying_a_mistake_and_being_right_again_are_said():
    report = check_steps("tr(X.T*X)", "X", ["tr(X.T*dX)", "tr(dX.T*X)", "2*tr(X.T*dX)"], "X: 3x3")
    assert report.lines[1].message == "it follows from the line before, but carries that line's mistake"
    assert report.lines[2].message == "right again (the line before was wrong)"


def test_a_line_after_one_that_cannot_be_used_is_judged_against_df():
    report = check_steps("tr(X.T*X)", "X", ["tr(X.T*dX", "tr(dX.T*X)"], "X: 3x3")
    assert report.lines[1].message == ("it does not equal df (the line before could not be read): "
                                       "the whole line is 1/2 times what it should be: a factor 2 "
                                       "is lost")
    report = check_steps("tr(X.T*X)", "X", ["dX", "tr(dX.T*X)"], "X: 3x3")
    assert report.lines[1].message.startswith("it does not equal df (the sizes in the line before "
                                              "do not match): the whole line is 1/2 times")


# ------------------------------------------------------------------ reading off the last line

@pytest.mark.parametrize("f, shapes, lines, how", [
    ("a.T*X*b", "X: 3x3, a: 3, b: 3", ["tr(a.T*dX*b)"], "move dX to the end with T4"),
    ("tr(A*X)", S3, ["tr(A*dX)", "tr(dX.T*A.T)"], "turn dX^T into dX with T2, tr(M) = tr(M^T)"),
    ("sum(had(A, X))", S3, ["sum(had(A, dX))"], "take dX out of the Hadamard product with T5"),
])
def test_a_right_derivation_not_yet_read_off_says_the_rule_that_finishes_it(f, shapes, lines, how):
    report = check_steps(f, "X", lines, shapes)
    assert report.ok and not report.gradient_latex
    assert report.verdict == ("✔ Every line is right. To read off ∂f/∂X, bring the last line to "
                              f"the form tr(G^T dX) ({how}).")


def test_a_sum_of_scaled_traces_is_read_off_term_by_term():
    report = check_steps("tr(X.T*X)*logdet(X)", "X",
                         ["2*logdet(X)*tr(X.T*dX) + tr(X.T*X)*tr(inv(X)*dX)"], "X: 3x3")
    assert report.ok and report.gradient_latex, str(report)
    assert "T3:" in report.verdict and "equals the verified gradient" in report.verdict


# ------------------------------------------------------------------ one slip per template (vec)

# (template, F, shapes, lines, the line, its message word for word)
VEC_TEMPLATES = [
    ('sign of the whole line', 'A*X*B', 'X: 3x2, A: 4x3, B: 2x3',
     ['vec(A*dX*B)', '-kron(B.T, A)*vec(dX)'], 2,
     'the sign of the whole line is flipped'),
    ('sign of one term', 'A*X + X*B', 'X: 3x3, A: 3x3, B: 3x3',
     ['vec(A*dX) + vec(dX*B)', 'kron(eye(3), A)*vec(dX) - kron(B.T, eye(3))*vec(dX)'], 2,
     'the sign of the term -(B^T ⊗ I_3) vec(dX) is flipped'),
    ('a factor', 'A*X*B', 'X: 3x2, A: 4x3, B: 2x3',
     ['vec(A*dX*B)', '2*kron(B.T, A)*vec(dX)'], 2,
     'the line is 2 times what it should be: an extra factor 2 (count the terms, and the factors 2 and 1/2)'),
    ('Kronecker factors swapped', 'A*X*B', 'X: 3x2, A: 4x3, B: 2x3',
     ['vec(A*dX*B)', 'kron(A, B.T)*vec(dX)'], 2,
     'the Kronecker factors are swapped: A ⊗ B^T should be B^T ⊗ A (H1: vec(A dX B) = (Bᵀ ⊗ A) vec dX, the transposed factor on the left)'),
    ('transpose missing in a Kronecker factor', 'A*X*B', 'X: 3x3, A: 3x3, B: 3x3',
     ['vec(A*dX*B)', 'kron(B, A)*vec(dX)'], 2,
     'a transpose is missing in a Kronecker factor: B ⊗ A should be B^T ⊗ A (H1: vec(A dX B) = (Bᵀ ⊗ A) vec dX)'),
    ('extra transpose in a Kronecker factor', 'A*X*B', 'X: 3x3, A: 3x3, B: 3x3',
     ['vec(A*dX*B)', 'kron(B.T, A.T)*vec(dX)'], 2,
     'an extra transpose in a Kronecker factor: B^T ⊗ A^T should be B^T ⊗ A (H1: vec(A dX B) = (Bᵀ ⊗ A) vec dX)'),
    ('extra transpose of an inverse', 'inv(X)', 'X: 3x3',
     ['vec(-inv(X)*dX*inv(X))', '-kron(inv(X).T, inv(X).T)*vec(dX)'], 2,
     'an extra transpose in a Kronecker factor: X^-T ⊗ X^-T should be X^-T ⊗ X^-1 (H1: vec(A dX B) = (Bᵀ ⊗ A) vec dX)'),
    ('swapped and a transpose wrong', 'A*X*B', 'X: 3x3, A: 3x3, B: 3x3',
     ['vec(A*dX*B)', 'kron(A, B)*vec(dX)'], 2,
     'the Kronecker factors are swapped and a transpose is wrong: A ⊗ B should be B^T ⊗ A (H1: vec(A dX B) = (Bᵀ ⊗ A) vec dX)'),
    ('K with its sizes swapped', 'X.T', 'X: 3x2',
     ['vec(dX.T)', 'K(2, 3)*vec(dX)'], 2,
     'the commutation matrix has its sizes swapped: for X 3×2, vec(dXᵀ) = K(3, 2) vec(dX), so write K(3, 2) here'),
    ('an extra K', 'had(A, X)', 'X: 3x2, A: 3x2',
     ['vec(had(A, dX))', 'diagvec(A)*K(3, 2)*vec(dX)'], 2,
     'an extra commutation matrix K_3,2: vec(dX) needs none; K appears only where a transpose of the differential is vectorised'),
    ('K missing', 'X.T', 'X: 3x2',
     ['vec(dX.T)', 'vec(dX)'], 2,
     'the commutation matrix is missing: write K(3, 2) vec(dX) for vec(dX) here, as vec(dXᵀ) = K(3, 2) vec(dX) for X 3×2'),
    ('K missing in front', 'A*X', 'X: 3x2, A: 4x3',
     ['vec(dX.T*A.T)'], 1,
     'this is vec of the transpose of dF: vec(Mᵀ) = K vec(M), so a commutation matrix K(2, 4) is missing in front'),
    ('no single slip', 'had(A, X)', 'X: 3x2, A: 3x2',
     ['vec(had(X, dX))'], 1,
     'it does not equal the line before (or vec dF), and no single slip explains it: redo this step with H1, vec(A dX B) = (Bᵀ ⊗ A) vec dX, vec(dXᵀ) = K vec dX and vec(A ⊙ dX) = diag(vec A) vec dX'),
    ('a slip found as typed', 'A*X*B', 'X: 3x2, A: 4x3, B: 2x3',
     ['vec(A*dX*B)', 'kron(B, A)*vec(dX)'], 2,
     'a transpose is missing in a Kronecker factor: kron(B, A) should be kron(B.T, A) (H1: vec(A dX B) = (Bᵀ ⊗ A) vec dX); as typed, cannot multiply kron(B, A) (8×9) times vec(dX) (6×1): inner sizes 9 and 6 differ'),
    ('not a finite number', 'A*X', 'X: 3x2, A: 4x3',
     ['vec(A*dX)', '1e300*vec(A*dX)*1e300'], 2,
     'its value is not a finite number at the sample points (it overflows or divides by zero)'),
    ('not linear', 'A*X', 'X: 3x2, A: 4x3',
     ['vec(A*dX) + vec(A*X)'], 1,
     'it is not linear in dX: every line of d vec(F) is some matrix times vec(dX)'),
    ('carries the mistake', 'A*X*B', 'X: 3x2, A: 4x3, B: 2x3',
     ['vec(A*dX*B)', 'kron(A, B.T)*vec(dX)', 'kron(A, eye(3))*kron(eye(3), B.T)*vec(dX)'], 3,
     "it follows from the line before, but carries that line's mistake"),
    ('the line before could not be read', 'A*X', 'X: 3x2, A: 4x3',
     ['vec(A*dX', '2*vec(A*dX)'], 2,
     'it does not equal vec dF (the line before could not be read): the line is 2 times what it should be: an extra factor 2 (count the terms, and the factors 2 and 1/2)'),
    ('sizes: the shape of the line', 'A*X', 'X: 3x2, A: 4x3',
     ['A*dX'], 1,
     'the sizes do not match: this line is 4×2, but d vec(F) is 8×1 (F is 4×2): write vec(...) of the differential, or M*vec(dX)'),
    ('sizes: a product', 'A*X', 'X: 3x2, A: 4x3',
     ['vec(dX*A)'], 1,
     'the sizes do not match: cannot multiply dX (3×2) times A (4×3): inner sizes 2 and 4 differ'),
    ('identically 0', 'A*X', 'X: 3x2, A: 4x3',
     ['vec(A*dX) - kron(eye(2), A)*vec(dX)'], 1,
     'this line is identically 0: its terms cancel for every dX, but vec dF is not 0'),
    ('identically 0, as read', 'A*X', 'X: 3x2, A: 4x3',
     ['vec(A*dX) - vec(A*dX)'], 1,
     'this line is identically 0: its terms cancel for every dX, but vec dF is not 0'),
]


@pytest.mark.parametrize("name, F, shapes, lines, wrong, message", VEC_TEMPLATES,
                         ids=[t[0] for t in VEC_TEMPLATES])
def test_each_vec_template_says_what_is_there(name, F, shapes, lines, wrong, message):
    report = check_vec_steps(F, "X", lines, shapes)
    line = report.lines[wrong - 1]
    assert line.ok is False, str(report)
    assert line.message == message

"""Check a reader's own derivation of ``df``, line by line, and name the first wrong line.

Each line is a right-hand side of ``df = …``, written with the differential ``dX``. The first
line must equal df and every line the one before, as functions of (X, dX). Both are checked with
numbers at a few seeded random points: df comes from the engine's *verified* gradient G
(df = tr(Gᵀ dX)), and because every line must be linear in dX, a mismatch is a real error and not
round-off. For the first wrong line the checker searches for the cause (a sign, a factor, a
transpose, an order, a lost or extra term, a known wrong variant of a rule, a leftover dX·dX);
for a right line it names the rule used where it can tell.

A line whose sizes do not match, or that is identically 0, gets its own verdict. Every cause comes
with the line it asks for, so the tests check that following a hint makes progress.

The package: :mod:`.check` (the public function), :mod:`.report` (the verdicts),
:mod:`.problem` (f, the verified gradient, the sample points, the numbers), :mod:`.reading`
(a typed line), :mod:`.terms` (terms and printing), :mod:`.typed_latex` (a line as typed),
:mod:`.diagnosis` (why a line is wrong: the search), :mod:`.accounting` (slips of whole terms),
:mod:`.mutations` (slips inside one term), :mod:`.cause` (a cause in words, with its repair) and
:mod:`.recognise` (what a right line did, and reading off the gradient); :mod:`.vec` checks
lines written in vec form, ``d vec(F) = …`` (second order).

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

from .check import check_steps, split_lines
from .report import LineVerdict, StepReport
from .typed_latex import typed_latex
from .vec import check_vec_steps

__all__ = ["LineVerdict", "StepReport", "check_steps", "check_vec_steps", "split_lines",
           "typed_latex"]

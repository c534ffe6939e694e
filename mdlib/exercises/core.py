"""Exercises a reader answers with a formula in code, checked numerically with a hint.

An answer is a Python function of the exercise's inputs (keyword arguments, e.g. ``X``, ``a``)
returning the reader's derivative, gradient or Jacobian. It is evaluated on seeded random
inputs and compared with central finite differences of the exercise's function, so *any*
numerically equivalent formula passes. A wrong one gets a hint (shape, transpose, sign, factor),
and when it equals one of the exercise's listed :class:`Mistake` s at every draw, the message says
which mistake it is. Every verdict is in the reader's language (:mod:`mdlib.i18n`); a
:class:`Mistake`'s feedback is declared in English, marked with ``N_``, and translated when shown.

>>> import numpy as np
>>> ex = Exercise(
...     id="demo", prompt="Gradient of tr(A X).", kind="gradient", wrt="X",
...     f=lambda X, A: np.trace(A @ X),
...     make_inputs=lambda rng: {"X": rng.standard_normal((2, 3)), "A": rng.standard_normal((3, 2))},
...     solution=lambda X, A: A.T)
>>> bool(check(ex, lambda X, A: A.T)), bool(check(ex, lambda X, A: A))
(True, False)
>>> ex = Exercise(
...     id="demo", prompt="Gradient of c^T M c.", kind="gradient", wrt="c",
...     f=lambda c, M: c @ M @ c,
...     make_inputs=lambda rng: {"c": rng.standard_normal(3), "M": rng.standard_normal((3, 3))},
...     solution=lambda c, M: (M + M.T) @ c,
...     mistakes={"2Mc": Mistake(lambda c, M: 2 * M @ c, "you assumed M is symmetric")})
>>> check(ex, lambda c, M: M @ c * 2).message
'not yet: you assumed M is symmetric'

An answer that is still the stub of an exercise cell, ``def answer(c, M): ...``, is *not answered
yet*: a third verdict, neither right nor wrong, that says what to do next.

>>> def answer(c, M):
...     ...
>>> result = check(ex, answer)
>>> bool(result), result.answered, repr(result).startswith("✏️ exercise demo: not answered yet")
(False, False, True)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ..errors import MdlibError
from ..gradcheck import diagnose, numerical_gradient, numerical_jacobian, relative_error
from ..i18n import N_, _

KINDS = ("derivative", "gradient", "jacobian")


def _catch_all_hints(what: str) -> tuple[str, str]:
    """The catch-all hints, which add nothing to a named mistake: :func:`_scalar_hint`'s, and
    :func:`mdlib.gradcheck.diagnose`'s for ``what`` (what it says for two answers that differ in
    no recognisable way: orthogonal, so no transpose, sign or factor), in whatever language
    each speaks.

    >>> [hint[:17] for hint in _catch_all_hints("gradient")]
    ['the values differ', 'the values differ']
    """
    return (_scalar_catch_all(), diagnose(np.array([1.0, 0.0]), np.array([0.0, 1.0]), what=what))


def _scalar_catch_all() -> str:
    return _("the values differ from the finite-difference derivative (not a sign or "
             "constant-factor slip)")


@dataclass(frozen=True)
class Mistake:
    """A typical wrong answer and the feedback that names it, addressed to the reader.

    Calling it evaluates the wrong answer, so it can be passed to :func:`check` like any answer.
    ``feedback`` is the English message (declare it with ``N_``); :func:`feedback_of` shows it in
    the reader's language.

    >>> m = Mistake(lambda x: x, "the factor 2 of x² is missing")
    >>> m(3.0), m.feedback
    (3.0, 'the factor 2 of x² is missing')
    """

    answer: Callable
    feedback: str

    def __call__(self, *args: object, **inputs: object) -> object:
        return self.answer(*args, **inputs)


def feedback_of(name: str, mistake: Callable) -> str:
    """The sentence shown for a recognised mistake: its own feedback, else its name.

    >>> feedback_of("sign slip", lambda x: -x), feedback_of("x", Mistake(abs, "no sign"))
    ('a known slip: sign slip', 'no sign')
    """
    if isinstance(mistake, Mistake):
        return _(mistake.feedback)
    return _("a known slip: {name}").format(name=name)

#: Random draws per check: several, so a formula that is right at one point only fails.
DRAWS = 3


@dataclass(frozen=True)
class Exercise:
    """One exercise: the function, which input to differentiate by, and how to draw inputs.

    ``kind`` is ``"derivative"`` (scalar of a scalar), ``"gradient"`` (scalar of an array,
    answer has the shape of ``wrt``) or ``"jacobian"`` (vector of a vector, answer m × n).
    ``solution`` is the reference answer (tests check it passes); ``mistakes`` maps the name
    of a typical wrong answer to a :class:`Mistake` (the wrong answer and the feedback that names
    it) or, without feedback, to the bare function (the name is then shown). Tests check that
    each mistake is rejected and recognised. ``asks_for`` names what the answer is, for the
    message of an unanswered exercise (default: from ``kind``).
    """

    id: str
    prompt: str
    kind: str
    wrt: str
    f: Callable
    make_inputs: Callable[[np.random.Generator], dict[str, np.ndarray]]
    solution: Callable
    mistakes: dict[str, Mistake | Callable] = field(default_factory=dict)
    rtol: float = 1e-5
    asks_for: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise MdlibError(_("kind must be one of {kinds}, got {kind!r}").format(
                kinds=KINDS, kind=self.kind))

    #: How a transposed answer is explained: the layout the reference uses (a message, shown
    #: translated).
    layout = N_("a Jacobian ∂f/∂c^T is m × n, one row per output f_i")

    def answer_name(self) -> str:
        """What the answer is called in a hint (its layout rule differs by kind).

        ``"Jacobian"`` and ``"gradient"`` are also the keys that choose
        :func:`mdlib.gradcheck.diagnose`'s layout rule, so they stay as they are.
        """
        return "Jacobian" if self.kind == "jacobian" else "gradient"

    def wanted(self) -> str:
        """What the reader is asked for, in words: ``asks_for`` or the kind's name.

        >>> Exercise(id="d", prompt="", kind="derivative", wrt="x", f=abs,
        ...          make_inputs=lambda rng: {"x": 1.0}, solution=abs).wanted()
        'the derivative φ′(x)'
        """
        if self.asks_for:
            return _(self.asks_for)
        return {"derivative": _("the derivative φ′(x)"),
                "gradient": _("the gradient ∂f/∂{wrt}").format(wrt=self.wrt),
                "jacobian": _("the Jacobian ∂f/∂{wrt}^T").format(wrt=self.wrt)}[self.kind]

    def reference(self, inputs: dict[str, np.ndarray]) -> np.ndarray:
        """Finite-difference answer at ``inputs`` (independent of ``solution``)."""
        others = {k: v for k, v in inputs.items() if k != self.wrt}

        def along(value: np.ndarray) -> object:
            return self.f(**others, **{self.wrt: value})

        if self.kind == "jacobian":
            return numerical_jacobian(along, inputs[self.wrt])
        return numerical_gradient(along, inputs[self.wrt])


@dataclass(frozen=True)
class ExerciseResult:
    """Verdict on one answer: truthy when right, with a message for the reader.

    Three outcomes, each with its own mark: right (✅), wrong (❌), and not answered yet (✏️,
    ``answered`` false: the exercise cell's stub still returns nothing).
    """

    exercise_id: str
    passed: bool
    message: str
    answered: bool = True

    def __bool__(self) -> bool:
        return self.passed

    @property
    def mark(self) -> str:
        """✅ right, ❌ wrong, ✏️ not answered yet."""
        if not self.answered:
            return "✏️"
        return "✅" if self.passed else "❌"

    def __repr__(self) -> str:
        return _("{mark} exercise {id}: {message}").format(
            mark=self.mark, id=self.exercise_id, message=self.message)

    def _repr_markdown_(self) -> str:
        return _("{mark} **exercise {id}**: {message}").format(
            mark=self.mark, id=self.exercise_id, message=self.message)


_REGISTRY: dict[str, Exercise] = {}


def register(*exercises: Exercise) -> None:
    """Add exercises to the registry so :func:`check` finds them by id."""
    for exercise in exercises:
        _REGISTRY[exercise.id] = exercise


def get(exercise_id: str) -> Exercise:
    """Look an exercise up by id, with a clear message for a typo."""
    from . import bank  # noqa: F401  (registers the chapters' exercises on first use)

    try:
        return _REGISTRY[exercise_id]
    except KeyError:
        known = ", ".join(sorted(_REGISTRY)) or _("none")
        raise MdlibError(_("no exercise {id!r}; known exercises: {known}").format(
            id=exercise_id, known=known)) from None


def all_exercises() -> list[Exercise]:
    """Every registered exercise, sorted by id."""
    from . import bank  # noqa: F401

    return [_REGISTRY[key] for key in sorted(_REGISTRY)]


def _stub(value: object) -> bool:
    """A value that means "nothing written yet": ``None`` (a body of ``...``) or ``...`` itself."""
    return value is None or value is Ellipsis


def unanswered(ex: Exercise, inputs: dict[str, object]) -> ExerciseResult:
    """The verdict for a stub: not an error, but what to write and where.

    >>> ex = Exercise(id="9.9", prompt="", kind="gradient", wrt="X", f=np.trace,
    ...               make_inputs=lambda rng: {"X": np.eye(2)}, solution=lambda X: np.eye(2))
    >>> unanswered(ex, {"X": np.eye(2)}).message
    'not answered yet: in your function, replace `...` by `return` followed by the gradient ∂f/∂X, written with X; then run the cell again'
    """
    message = _("not answered yet: in your function, replace `...` by `return` followed by "
                "{wanted}, written with {names}; then run the cell again")
    return ExerciseResult(ex.id, False, message.format(wanted=ex.wanted(), names=", ".join(inputs)),
                          answered=False)


def check(exercise: Exercise | str, answer: Callable, seed: int = 0) -> ExerciseResult:
    """Check ``answer`` on :data:`DRAWS` seeded random inputs; never raises for a wrong answer.

    A stub that returns nothing (``def answer(x): ...``), or ``...`` in place of a function,
    gives the verdict *not answered yet* (:func:`unanswered`), not an error.
    """
    ex = get(exercise) if isinstance(exercise, str) else exercise
    rng = np.random.default_rng(seed)
    if _stub(answer):
        return unanswered(ex, ex.make_inputs(rng))
    if not callable(answer):
        return ExerciseResult(
            ex.id, False,
            _("give your answer as a function of the inputs, e.g. `lambda X, A: A.T`, "
              "so it can be tried at several points"),
        )
    for draw in range(DRAWS):
        inputs = ex.make_inputs(rng)
        try:
            value = answer(**inputs)
            if _stub(value):
                return unanswered(ex, inputs)
            claimed = np.asarray(value, dtype=float)
        except TypeError as err:
            return ExerciseResult(ex.id, False, _(
                "your function should take the inputs ({names}): {error}").format(
                    names=", ".join(inputs), error=err))
        except (ValueError, ArithmeticError, np.linalg.LinAlgError) as err:
            return ExerciseResult(ex.id, False, _(
                "evaluating your answer failed ({kind}: {error}); check the shapes").format(
                    kind=type(err).__name__, error=err))
        reference = ex.reference(inputs)
        if ex.kind == "derivative" and claimed.size == 1:
            claimed = claimed.reshape(reference.shape)  # accept 2.0, np.float64(2.0) or [2.0]
        if claimed.shape != reference.shape or relative_error(claimed, reference) > ex.rtol:
            hint = _layout_hint(ex, claimed, reference) or diagnose(
                claimed, reference, tol=1e-4, what=ex.answer_name())
            if reference.size == 1 and claimed.shape == reference.shape:
                # One number is always a multiple of another: judge sign/factor over all draws.
                hint = _scalar_hint(ex, answer, seed)
            named = recognise(ex, answer, seed)
            if named is not None:
                hint = named if hint in _catch_all_hints(ex.answer_name()) else _(
                    "{mistake}. Numerically: {hint}").format(mistake=named, hint=hint)
            if draw == 0:
                return ExerciseResult(ex.id, False, _("not yet: {hint}").format(hint=hint))
            return ExerciseResult(ex.id, False, _(
                "not yet (it was right at {count} point(s) but not at all): {hint}").format(
                    count=draw, hint=hint))
    return ExerciseResult(ex.id, True, _(
        "correct: matches finite differences at {count} random points").format(count=DRAWS))


def recognise(ex: Exercise, answer: Callable, seed: int = 0) -> str | None:
    """The feedback of the listed mistake that ``answer`` equals at every draw, else ``None``.

    Only called for an answer that already failed, so a right answer never gets a mistake's
    message (and a listed mistake that coincides with the solution is caught by the tests).
    """
    for name, mistake in ex.mistakes.items():
        rng = np.random.default_rng(seed)
        for _draw in range(DRAWS):
            inputs = ex.make_inputs(rng)
            try:
                claimed = np.asarray(answer(**inputs), dtype=float)
                expected = np.asarray(mistake(**inputs), dtype=float)
            except (TypeError, ValueError, ArithmeticError, np.linalg.LinAlgError):
                break
            if claimed.size == 1 and expected.size == 1:
                claimed, expected = claimed.reshape(1), expected.reshape(1)
            if claimed.shape != expected.shape or relative_error(claimed, expected) > ex.rtol:
                break
        else:
            return feedback_of(name, mistake)
    return None


def _layout_hint(ex: Exercise, claimed: np.ndarray, reference: np.ndarray) -> str | None:
    """For a Jacobian, a transposed answer gets the Jacobian's layout, not the gradient's.

    (The gradient hint "∂f/∂X has the shape of X" would be wrong here: ∂f/∂c^T is m × n.)

    >>> ex = Exercise(id="d", prompt="", kind="jacobian", wrt="c", f=lambda c: c,
    ...               make_inputs=lambda rng: {"c": np.zeros(2)}, solution=lambda c: np.eye(2))
    >>> _layout_hint(ex, np.ones((3, 2)), np.ones((2, 3)))[:30]
    'wrong shape (3, 2), expected ('
    """
    if ex.kind != "jacobian" or claimed.ndim != 2 or claimed.T.shape != reference.shape:
        return None
    layout = _(ex.layout)
    if claimed.shape != reference.shape:
        return _("wrong shape {shape}, expected {expected}: you may have the transpose; "
                 "{layout}").format(shape=claimed.shape, expected=reference.shape, layout=layout)
    if relative_error(claimed.T, reference) <= 1e-4:
        return _("it is the transpose of the right answer: {layout}").format(layout=layout)
    return None


def _scalar_hint(ex: Exercise, answer: Callable, seed: int) -> str:
    """Hint for a wrong scalar answer: a sign or factor slip only if it holds at every draw.

    >>> ex = Exercise(id="demo", prompt="d/dx x²", kind="derivative", wrt="x",
    ...               f=lambda x: x**2, make_inputs=lambda rng: {"x": rng.uniform(1, 2)},
    ...               solution=lambda x: 2 * x)
    >>> _scalar_hint(ex, lambda x: x, 0)
    'off by a constant factor: yours is 0.5 times the right answer'
    >>> _scalar_hint(ex, lambda x: 2 * x + 1, 0)
    'the values differ from the finite-difference derivative (not a sign or constant-factor slip)'
    """
    rng = np.random.default_rng(seed)
    ratios = []
    for _draw in range(DRAWS):
        inputs = ex.make_inputs(rng)
        reference = float(np.ravel(ex.reference(inputs))[0])
        claimed = float(np.ravel(np.asarray(answer(**inputs), dtype=float))[0])
        ratios.append(claimed / reference if reference != 0 else np.nan)
    ratios = np.array(ratios)
    if np.all(np.isfinite(ratios)) and np.allclose(ratios, ratios[0], rtol=1e-4):
        if np.isclose(ratios[0], -1.0, rtol=1e-4):
            return _("the sign is flipped")
        if ratios[0] == 0:
            return _("your answer is zero, but the derivative is not")
        return _("off by a constant factor: yours is {factor} times the right answer").format(
            factor=f"{ratios[0]:.4g}")
    return _scalar_catch_all()

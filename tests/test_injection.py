"""Typed text is data: hostile input is refused quickly, with a sentence and no side effect.

Each string below would run code, exhaust memory or hang if the text were evaluated. The
parser must refuse it with an ``MdlibError``, within a time bound, without creating the
sentinel file the payload tries to write and without touching ``builtins``. The same attack
texts go through every public entry point that takes an expression (``ENTRY_POINTS``: each
argument that may hold text, typed or next to sympy objects, and the widgets a reader types
into), and no module of ``mdlib`` may hand a string to anything that evaluates text
(``test_nothing_in_mdlib_evaluates_text``).
"""

import ast
import builtins
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sympy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mdlib
from mdlib import MdlibError
from mdlib.parse import parse_expression, parse_shapes
from mdlib.widgets import StepChecker
from mdlib.widgets.playground import DerivationPlayground, SecondOrderPlayground

SHAPES = "X: 3x3, A: 3x3, a: 3, b: 3"
SECONDS = 2.0  # per case, generous on a shared machine; a real evaluation would hang or write

PAYLOADS = [
    # the reproducer from the issue: a name after a dot, then escapes inside a string literal
    "logdet.__globals__['\\137\\137builtins\\137\\137']['__import__']('os').system('touch {sentinel}')",
    "__import__('os').system('touch {sentinel}')",
    "open('{sentinel}', 'w').write('x')",
    "exec(\"open('{sentinel}', 'w')\")", "eval('1')", "compile('1', 'f', 'eval')",
    "getattr(X, '__class__')", "globals()", "breakpoint()", "__builtins__", "vars()",
    "X.__class__", "X.__class__.__mro__[-1].__subclasses__()", "().__class__.__bases__[0]",
    "tr.__code__", "sum.__self__", "X.T.__dict__", "tr(X).__class__", "(X).T.__init__",
    "(lambda: 1)()", "(lambda: __import__('os').system('touch {sentinel}'))()",
    "[x for x in ()]", "[__import__('os').system('touch {sentinel}') for x in (1,)]",
    "X if __import__('os').system('touch {sentinel}') else X",
    "(y := __import__('os'))", "f\"{{__import__('os').system('touch {sentinel}')}}\"",
    "'\\x5f\\x5fimport\\x5f\\x5f'", '"a"', "b'x'", "tr(X)\nimport os", "tr(X); import os",
    "ｅｘｅｃ('1')", "tr(X=__import__('os'))", "tr(*[X])", "X[0]", "{}", "...",
    "sympy.sympify('X')", "mdlib.parse", "__import__", "import os", "lambda: 1",
    # resource exhaustion: huge numbers, long text, deep nesting
    "9**9**9*tr(X)", "tr(X)**10**6", "10**10**10", "2**2**2**2**2**2*tr(X)", "X**100000",
    "(10**15)**64**64", "9" * 1000 + "*tr(X)", "1e999999*tr(X)",
    "X+" * 50_000 + "X",  # 100k characters
    "(" * 10_000 + "X" + ")" * 10_000, "tr(" * 500 + "X" + ")" * 500, "-" * 1999 + "X",
    "(" * 900 + "X" + ")" * 900, "tr(" * 300 + "X" + ")" * 300, "X" + "*X" * 900,  # within length
    "-(" * 300 + "X" + ")" * 300, "2**" * 600 + "2",
    "[" * 1000, "exp(" * 40 + "X" + ")" * 40,
]


@pytest.fixture
def sentinel(tmp_path):
    path = tmp_path / "pwned"
    yield path
    assert not path.exists(), "a payload ran code"


@pytest.mark.parametrize("payload", PAYLOADS, ids=[p[:40] for p in PAYLOADS])
def test_hostile_text_is_refused_quickly_without_side_effects(payload, sentinel):
    text = payload.replace("{sentinel}", str(sentinel))
    before = dict(vars(builtins))
    start = time.perf_counter()
    with pytest.raises(MdlibError) as err:
        parse_expression(text, SHAPES)
    assert time.perf_counter() - start < SECONDS
    assert str(err.value)
    assert "sympy" in text or "sympy" not in str(err.value).lower()  # only an echo of the text
    assert dict(vars(builtins)) == before and not sentinel.exists()


@pytest.mark.parametrize("shapes", [
    "X: 3x3; __import__('os'): 3", "X: 3x3, lambda: 3", "X: 100000x100000", "X: " + "9" * 5000,
    "X: 3x3, " * 20_000, "X: 3x3; ｅｘｅｃ: 3",
])
def test_hostile_shape_declarations_are_refused(shapes):
    start = time.perf_counter()
    with pytest.raises(MdlibError):
        parse_shapes(shapes)
    assert time.perf_counter() - start < SECONDS


@pytest.mark.parametrize("mode", ["first order", *SecondOrderPlayground.OFFERED])
@pytest.mark.parametrize("payload", PAYLOADS[:3] + ["9**9**9*tr(X)", "X+" * 50_000 + "X"],
                         ids=["globals", "import", "open", "power", "long"])
def test_the_playground_shows_the_refusal_and_runs_nothing(payload, mode, sentinel):
    text = payload.replace("{sentinel}", str(sentinel))
    pg = (DerivationPlayground(text, SHAPES, "X") if mode == "first order" else
          SecondOrderPlayground(text, SHAPES, "X", mode=mode))
    pg.run()
    (output,) = pg.output.outputs
    assert output["output_type"] == "stream" and output["text"].startswith("mdlib: ")
    assert pg.result is None


# Random text built from the language's own tokens and a few foreign ones: parse_expression
# returns a value or raises MdlibError, never anything else, and quickly.
TOKENS = ["X", "A", "a", "b", "I", "pi", "e", "tr(", "det(", "logdet(", "inv(", "had(", "exp(",
          "sum(", "sigmoid(", "(", ")", ",", "+", "-", "*", "/", "**", ".T", "2", "0", "0.5",
          "1e3", "^", "[", "]", ".x", "'", "lambda", " ", "B", "@", "9**9", "=", ":"]


@settings(max_examples=400, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(TOKENS), max_size=30).map("".join))
def test_any_text_gives_a_value_or_a_sentence(text):
    start = time.perf_counter()
    try:
        parse_expression(text, SHAPES)
    except MdlibError as err:
        assert str(err) and "sympy" not in str(err).lower()
    assert time.perf_counter() - start < SECONDS


# ------------------------------------------------------------------ every public entry point
# Each payload would create the marker file if any part of it ran; the hang cases would not
# finish if they were computed (9**9**9 has 369 million digits).
MARKER_PAYLOADS = [
    "__import__('pathlib').Path('{marker}').touch()",
    "__import__('os').system('touch {marker}')",
    "open('{marker}', 'w').write('x')",
    "exec(\"open('{marker}', 'w')\")",
    "logdet.__globals__['\\137\\137builtins\\137\\137']['__import__']('os').system('touch {marker}')",
    "(lambda: __import__('os').system('touch {marker}'))()",
    "f\"{{__import__('os').system('touch {marker}')}}\"",
    "[__import__('os').system('touch {marker}') for x in (1,)]",
    "(y := __import__('os').system('touch {marker}'))",
    "tr(X) # __import__('os').system('touch {marker}')",
]
#: Texts that never finish if they are computed: run in a child process that is killed if it
#: does not come back in time (a hung power cannot be interrupted from inside the process).
HANGS = ["9**9**9", "tr(X)*9**9**9", "X**9**9**9", "tr(X)**(10**10)"]
ENTRY_SHAPES = "X: 3x3, Y: 3x3, A: 3x3, a: 3, b: 3"
_X, _Y, _A = (sympy.MatrixSymbol(name, 3, 3) for name in "XYA")


def _derive_given(text):  # given = (latex, text, reason, an expression equal to f)
    return mdlib.derive("tr(X.T*X)", "X", ENTRY_SHAPES, given=("f", "f", "the same", text))


ENTRY_POINTS = {
    "derive": lambda t: mdlib.derive(t, "X", ENTRY_SHAPES),
    "derive shapes=": lambda t: mdlib.derive("tr(X)", "X", t),
    "derive given=": _derive_given,
    "chain grad_Y": lambda t: mdlib.chain(t, "Y", "A*X", "X", shapes=ENTRY_SHAPES),
    "chain Y_of_X": lambda t: mdlib.chain("2*Y", "Y", t, "X", shapes=ENTRY_SHAPES),
    "chain f=": lambda t: mdlib.chain("2*Y", "Y", "A*X", "X", f=t, shapes=ENTRY_SHAPES),
    "jacobian": lambda t: mdlib.jacobian(t, "X", ENTRY_SHAPES),
    "jacobian, X a MatrixSymbol": lambda t: mdlib.jacobian(t, _X),
    "jacobian shapes=": lambda t: mdlib.jacobian("A*X", "X", t),
    "hessian": lambda t: mdlib.hessian(t, "X", ENTRY_SHAPES),
    "hessian, X a MatrixSymbol": lambda t: mdlib.hessian(t, _X),
    "hessian gradient=": lambda t: mdlib.hessian("tr(X.T*X)", "X", ENTRY_SHAPES, gradient=t),
    "hessian gradient=, f sympy": lambda t: mdlib.hessian(sympy.Trace(_X.T * _X), _X, gradient=t),
    "hessian given=": lambda t: mdlib.hessian("tr(X.T*X)", "X", ENTRY_SHAPES,
                                              given=("f", "f", "the same", t)),
    "jacobian_chain Z_of_Y": lambda t: mdlib.jacobian_chain(t, "Y", "A*X", "X", ENTRY_SHAPES),
    "jacobian_chain Y_of_X": lambda t: mdlib.jacobian_chain("exp(Y)", "Y", t, "X", ENTRY_SHAPES),
    "jacobian_chain, sympy symbols": lambda t: mdlib.jacobian_chain(t, _Y, _A * _X, _X),
    "jacobian_chain Y_of_X, sympy symbols": lambda t: mdlib.jacobian_chain(
        _Y.applyfunc(sympy.exp), _Y, t, _X),
    "check_steps f": lambda t: mdlib.check_steps(t, "X", "tr(dX)", ENTRY_SHAPES),
    "check_steps line": lambda t: mdlib.check_steps("tr(X)", "X", ["tr(dX)", t], ENTRY_SHAPES),
    "check_steps shapes": lambda t: mdlib.check_steps("tr(X)", "X", "tr(dX)", t),
    "check_vec_steps F": lambda t: mdlib.check_vec_steps(t, "X", "vec(A*dX)", ENTRY_SHAPES),
    "check_vec_steps line": lambda t: mdlib.check_vec_steps("A*X", "X", t, ENTRY_SHAPES),
    "DerivationPlayground": lambda t: DerivationPlayground(t, ENTRY_SHAPES, "X").run(),
    "DerivationPlayground shapes": lambda t: DerivationPlayground("tr(X)", t, "X").run(),
    **{f"SecondOrderPlayground {mode}": (
        lambda t, mode=mode: SecondOrderPlayground(t, ENTRY_SHAPES, "X", mode=mode).run())
       for mode in SecondOrderPlayground.OFFERED},
    "SecondOrderPlayground shapes": lambda t: SecondOrderPlayground("tr(X)**2", t, "X").run(),
    "StepChecker f": lambda t: StepChecker(t, "X", ENTRY_SHAPES),
    "StepChecker lines": lambda t: StepChecker("tr(X.T*X)", "X", ENTRY_SHAPES).set_lines(t),
    "StepChecker vec lines": lambda t: StepChecker("A*X", "X", ENTRY_SHAPES, vec=True).set_lines(t),
}


@pytest.mark.parametrize("entry", ENTRY_POINTS)
@pytest.mark.parametrize("payload", MARKER_PAYLOADS, ids=[p[:30] for p in MARKER_PAYLOADS])
def test_every_entry_point_reads_text_and_runs_nothing(entry, payload, tmp_path):
    marker = tmp_path / "marker"
    text = payload.replace("{marker}", str(marker))
    start = time.perf_counter()
    try:
        ENTRY_POINTS[entry](text)
    except MdlibError as err:  # refused with a sentence (the checkers and widgets show it)
        assert str(err)
    assert time.perf_counter() - start < 5 * SECONDS
    assert not marker.exists(), f"{entry} ran code from the text"


def test_no_entry_point_computes_a_huge_power(tmp_path):
    script = ("import time, test_injection as t\n"
              "for entry, call in t.ENTRY_POINTS.items():\n"
              "    for text in t.HANGS:\n"
              "        start = time.perf_counter()\n"
              "        try:\n"
              "            call(text)\n"
              "        except t.MdlibError:\n"
              "            pass\n"
              "        assert time.perf_counter() - start < 5 * t.SECONDS, (entry, text)\n"
              "print('done')\n")
    try:
        run = subprocess.run([sys.executable, "-c", script], cwd=Path(__file__).parent,
                             capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired:
        pytest.fail("an entry point hung on a huge power such as 9**9**9")
    assert run.returncode == 0 and run.stdout.strip() == "done", run.stderr[-2000:]


def test_a_text_expression_without_text_shapes_is_refused_with_what_to_pass():
    """jacobian("A*X", X) without shapes: read as text or refused, never 'X does not occur'."""
    for call in (lambda: mdlib.jacobian("A*X", _X), lambda: mdlib.hessian("tr(X)**2", _X)):
        with pytest.raises(MdlibError, match="shapes="):
            call()


# ------------------------------------------------------------------ nothing evaluates text
_EVALUATORS = {"eval", "exec", "compile", "__import__", "parse_expr", "parse_latex"}
_SYMPIFY = {"sympify", "S"}  # sympy.S(...) is sympify


def evaluating_calls(source: str) -> list[str]:
    """Calls in ``source`` that could evaluate a string: eval/exec/compile/__import__,
    parse_expr, and sympify (or sympy.S) without ``strict=True``; imports of those names."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sympy"):
            found += [f"line {node.lineno}: import {a.name}" for a in node.names
                      if a.name in _EVALUATORS | _SYMPIFY]
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name):
            name = func.id
        elif isinstance(func, ast.Attribute) and not (isinstance(func.value, ast.Name)
                                                      and func.value.id == "re"):
            name = func.attr  # re.compile compiles a pattern, not code
        else:
            continue
        strict = any(k.arg == "strict" and isinstance(k.value, ast.Constant) and k.value.value is True
                     for k in node.keywords)
        if name in _EVALUATORS or (name in _SYMPIFY and not strict):
            found.append(f"line {node.lineno}: {name}(...)")
    return found


def test_the_scan_for_evaluating_calls_can_fail():
    bad = ("import sympy\nfrom sympy import parse_expr\nsympy.sympify(t)\nsympy.S(t)\n"
           "eval(t)\nexec(t)\nbuiltins.eval(t)\nsympy.sympify(t, strict=False)\n")
    good = "import re, sympy\nre.compile('x')\nsympy.sympify(3, strict=True)\ndef eval(cls): pass\n"
    assert len(evaluating_calls(bad)) == 7 and evaluating_calls(good) == []


def test_nothing_in_mdlib_evaluates_text():
    root = Path(mdlib.__file__).parent
    found = {str(path.relative_to(root)): hits for path in sorted(root.rglob("*.py"))
             if (hits := evaluating_calls(path.read_text(encoding="utf-8")))}
    assert not found, f"calls that could evaluate text: {found}"

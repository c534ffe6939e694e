"""The step-by-step derivation engine: the differential-and-trace method, narrated and verified.

``derive(f, X)`` applies the rules M1–M8 one level per line, wraps df in a trace (T1), moves
``dX`` last with T2–T5, reads off ∂f/∂X (rule L, denominator layout) and checks the result
numerically before returning it. ``chain`` does the composition step C1/C2. Both are built
from the public stages of :mod:`~mdlib.engine.pipeline` (``expand_differential`` gives dF of a
scalar- or matrix-valued expression with its lines); every operation the passes know is one
row of :mod:`~mdlib.engine.ops`.

Everything the engine says to a reader is a message of mdlib's catalog (:mod:`mdlib.i18n`), in
whole sentences with named placeholders; formulas, rule ids and numbers are the same in every
language. A verdict, an error and the lines of ``jacobian`` and ``hessian`` are said in the
language set when they are made; the lines of ``derive`` and ``chain`` when they are shown
(their rules' labels follow a later ``set_language``). Code that needs to know
what happened reads data (``zero_cause``, ``rule_ids``, ``verification.passed``), never words.

>>> import sympy
>>> X = sympy.MatrixSymbol("X", 3, 3)
>>> derive(sympy.log(sympy.Determinant(X)), X).gradient
X.T**(-1)
"""

from .chain import chain
from .compare import check_symbolic_gradient
from .derivation import MatrixDerivation, derive
from .nodes import Sigmoid, sigmoid
from .pipeline import expand_differential

__all__ = ["MatrixDerivation", "Sigmoid", "chain", "check_symbolic_gradient", "derive",
           "expand_differential", "sigmoid"]


"""mdlib: the helper library of the course on matrix differential calculus.

>>> import numpy as np, mdlib
>>> mdlib.remainder_study(np.exp, 0.0, lambda x, dx: np.exp(x) * dx).is_second_order()
True
"""

from .engine import chain, derive
from .engine.second_order import hessian, jacobian
from .errors import MdlibError
from .gradcheck import (
    GradientCheck,
    assert_gradient,
    check_gradient,
    check_jacobian,
    diagnose,
    numerical_gradient,
    numerical_jacobian,
)
from .i18n import get_language, set_language
from .remainder import RemainderStudy, check_differential, remainder_study
from .render import Derivation, Step
from .steps import StepReport, check_steps, check_vec_steps

__all__ = [
    "Derivation",
    "GradientCheck",
    "MdlibError",
    "RemainderStudy",
    "Step",
    "StepReport",
    "assert_gradient",
    "check_differential",
    "check_gradient",
    "chain",
    "check_jacobian",
    "check_steps",
    "check_vec_steps",
    "derive",
    "diagnose",
    "get_language",
    "hessian",
    "jacobian",
    "numerical_gradient",
    "numerical_jacobian",
    "remainder_study",
    "set_language",
]

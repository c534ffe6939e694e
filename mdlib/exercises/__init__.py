"""Chapter exercises, checked numerically: ``mdlib.exercises.check("2.1", my_answer)``.

>>> from mdlib.exercises import check, get
>>> isinstance(get, object)
True
"""

from .core import (
    DRAWS,
    Exercise,
    ExerciseResult,
    Mistake,
    all_exercises,
    check,
    get,
    recognise,
    register,
)

__all__ = ["DRAWS", "Exercise", "ExerciseResult", "Mistake", "all_exercises", "check", "get", "recognise",
           "register"]

"""The one exception type readers meet, with messages written for them.

Every check in ``mdlib`` raises :class:`MdlibError` (a ``ValueError``) with a sentence that says
what is wrong and what to do, so a notebook shows one clear line instead of a numpy traceback.

>>> try:
...     raise MdlibError("the step h must be non-zero")
... except MdlibError as err:
...     print(err)
the step h must be non-zero
"""

from __future__ import annotations


class MdlibError(ValueError):
    """Bad input or an unsupported case, explained in plain words."""

    def _repr_markdown_(self) -> str:  # shown when a notebook displays the error object
        return f"**mdlib:** {self}"

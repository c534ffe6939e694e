"""The one exception type readers meet, with messages written for them.

Every check in ``mdlib`` raises :class:`MdlibError` (a ``ValueError``) with a sentence that says
what is wrong and what to do, so a notebook shows one clear line instead of a numpy traceback.
The sentence is in the reader's language (:mod:`mdlib.i18n`); where a caller must tell causes
apart, ``kind`` names the cause as data, the same in every language.

>>> try:
...     raise MdlibError("the step h must be non-zero", kind="step")
... except MdlibError as err:
...     print(err, "|", err.kind)
the step h must be non-zero | step
"""

from __future__ import annotations


class MdlibError(ValueError):
    """Bad input or an unsupported case, explained in plain words; ``kind`` names the cause
    (e.g. ``"singular"``, ``"not the differential"``) or is ``""``."""

    def __init__(self, *args: object, kind: str = "") -> None:
        super().__init__(*args)
        self.kind = kind

    def _repr_markdown_(self) -> str:  # shown when a notebook displays the error object
        return f"**mdlib:** {self}"

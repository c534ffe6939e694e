"""mdlib's message catalogs, and the Babel extractor that finds the notebooks' messages.

The catalogs live beside this file (``zh_CN/LC_MESSAGES/mdlib.po``, compiled to ``mdlib.mo``).
The course's notebooks also speak to readers from their own code cells (figure titles, legends,
printed sentences: ``from mdlib.i18n import _``), so their messages belong to the same catalog.
``babel.cfg`` names :func:`extract_notebook` for ``notebooks/*.ipynb``, the English edition (the
Chinese edition has the same code cells), so one command extracts everything::

    pybabel extract -F mdlib/locale/babel.cfg -o /tmp/mdlib.pot .

>>> import io, json
>>> cells = [{"cell_type": "markdown", "source": "# _('not code')"},
...          {"cell_type": "code", "source": ["x = 1\\n", "print(_('a title'))"]}]
>>> notebook = io.BytesIO(json.dumps({"cells": cells}).encode())
>>> [(line, message) for line, _f, message, _c in extract_notebook(notebook, ["_"], [], {})]
[(3, 'a title')]
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import IO

from babel.messages.extract import extract_python


def extract_notebook(fileobj: IO[bytes], keywords: object, comment_tags: object,
                     options: dict) -> Iterator[tuple]:
    """Babel's Python extractor over each code cell of a notebook (markdown is not code).

    Line numbers count the notebook's cells from the top, one line per source line, so a
    catalog's ``notebooks/01_x.ipynb:120`` points near the message.
    """
    notebook = json.load(fileobj)
    first_line = 0
    for cell in notebook.get("cells", []):
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        if cell.get("cell_type") == "code":
            code = io.BytesIO(source.encode("utf-8"))
            for line, funcname, messages, comments in extract_python(
                    code, keywords, comment_tags, {**options, "encoding": "utf-8"}):
                yield first_line + line, funcname, messages, comments
        first_line += source.count("\n") + 1

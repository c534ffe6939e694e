"""Imports every chapter's exercises so that they register themselves.

Each chapter owns one module ``chNN.py`` that calls :func:`mdlib.exercises.core.register`.
"""

from importlib import import_module
from pathlib import Path

for _path in sorted(Path(__file__).parent.glob("ch[0-9][0-9].py")):
    import_module(f"{__package__}.{_path.stem}")

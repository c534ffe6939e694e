"""The language a widget speaks: the reader's language when it was made, for its whole life.

A widget translates its labels, titles and readouts with the translator it took at creation
(:func:`translator`), so a widget made after ``mdlib.set_language("zh")`` is Chinese, and its
readout never switches language half-way when a later cell changes the setting.

Menus keep their English keys as values (``set_rule("M5 (wrong sign)")`` works in every
language) and show translated labels (:func:`choices`).

>>> say = translator("en")
>>> say("step size h")
'step size h'
>>> choices(["M5", "M5 (wrong sign)"], say)   # English: plain options, exactly as before
['M5', 'M5 (wrong sign)']
>>> choices(["M5 (wrong sign)"], translator("zh"))
[('M5（符号错误）', 'M5 (wrong sign)')]
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cache

from ..i18n import get_language, load

Translator = Callable[[str], str]


def translator(language: str | None = None) -> Translator:
    """``_`` of ``language`` (default: the language mdlib speaks now), to keep."""
    return _catalog(language or get_language()).gettext


@cache
def _catalog(language: str):
    return load(language)


def choices(keys: Iterable[str], say: Translator) -> list:
    """Options for a Dropdown or ToggleButtons: ``(shown label, key)`` pairs when a label is
    translated, else the bare keys (so English widgets keep their plain options, and their
    stored outputs do not change). ipywidgets takes all pairs or no pairs, never a mix.

    >>> choices(["e_11", "random"], translator("zh"))
    [('e_11', 'e_11'), ('随机', 'random')]
    """
    keys = list(keys)
    shown = [say(key) for key in keys]
    return keys if shown == keys else list(zip(shown, keys, strict=True))

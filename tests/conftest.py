"""Fixtures shared by the tests of mdlib: ``zh``, mdlib speaking Chinese for one test."""

from __future__ import annotations

import matplotlib
import pytest

import mdlib


@pytest.fixture
def zh(monkeypatch):
    """Speak Chinese for one test; English again afterwards, whatever happens (the CJK font
    that Chinese adds to matplotlib's font list is taken out again too)."""
    monkeypatch.setitem(matplotlib.rcParams, "font.family", list(matplotlib.rcParams["font.family"]))
    mdlib.set_language("zh")
    try:
        yield
    finally:
        mdlib.set_language("en")

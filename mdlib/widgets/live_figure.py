"""A matplotlib figure shown as an ``ipywidgets.Image`` that redraws in a few milliseconds.

Sliders must feel instant, so a redraw never rebuilds the figure: the static part (axes,
curves) is rendered once and cached; moving artists are marked *animated* and blitted on top
of the cached background, then the pixels are PNG-encoded at the fastest compression level.

>>> import numpy as np
>>> live = LiveFigure(ncols=1)
>>> (curve,) = live.axes[0].plot([1, 2], [1, 4])
>>> marker = live.animate(live.axes[0].plot([1], [1], "o")[0])
>>> live.redraw_all()
>>> marker.set_data([2], [4]); live.refresh()
>>> live.image.value[:4] == b"\\x89PNG"
True
"""

from __future__ import annotations

import io

import ipywidgets as widgets
import numpy as np
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image


class LiveFigure:
    """Owns a figure, its cached background and the Image widget that shows it."""

    def __init__(self, nrows: int = 1, ncols: int = 2, figsize: tuple[float, float] = (8.0, 3.2),
                 dpi: int = 80) -> None:
        self.figure = Figure(figsize=figsize, dpi=dpi, layout="constrained")
        self.canvas = FigureCanvasAgg(self.figure)
        self.axes = list(np.atleast_1d(self.figure.subplots(nrows, ncols)).ravel())
        self.image = widgets.Image(format="png")
        self._animated: list[Artist] = []
        self._background = None

    def animate(self, artist: Artist) -> Artist:
        """Mark ``artist`` as moving: it is redrawn on every :meth:`refresh`."""
        artist.set_animated(True)
        self._animated.append(artist)
        return artist

    def redraw_all(self) -> None:
        """Render everything (after static content changed) and cache the background."""
        self.canvas.draw()
        self._background = self.canvas.copy_from_bbox(self.figure.bbox)
        self._blit()

    def refresh(self) -> None:
        """Redraw only the animated artists over the cached background."""
        if self._background is None:
            self.redraw_all()
            return
        self.canvas.restore_region(self._background)
        self._blit()

    def _blit(self) -> None:
        for artist in self._animated:
            if artist.get_visible() and artist.axes is not None:
                artist.axes.draw_artist(artist)
            elif artist.get_visible():
                self.figure.draw_artist(artist)
        self.image.value = self.png()

    def png(self) -> bytes:
        """The current pixels as PNG bytes."""
        width, height = self.canvas.get_width_height()
        rgba = Image.frombuffer("RGBA", (width, height), self.canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
        buffer = io.BytesIO()
        rgba.convert("RGB").save(buffer, format="png", compress_level=1)
        return buffer.getvalue()

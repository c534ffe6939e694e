"""A widget's stored state as static HTML: the picture and readout a reader saw at the start.

``make execute`` stores each notebook's widget state (``store_widget_state``). A static page has
no kernel, so instead of the live controls it shows what they held: the images, the HTML
readouts, the text of Output widgets, and each control's setting as plain text ("h: 1.0e-02").

>>> state = {"a": {"model_name": "VBoxModel", "state": {"children": ["IPY_MODEL_b"]}},
...          "b": {"model_name": "FloatSliderModel",
...                "state": {"description": "t", "value": 0.5, "readout_format": ".2f"}}}
>>> StaticWidget(state).render("a")
'<div class="book-widget-box book-vbox"><p class="book-control">t: <span>0.50</span></p></div>'
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

WIDGET_STATE_MIME = "application/vnd.jupyter.widget-state+json"
WIDGET_VIEW_MIME = "application/vnd.jupyter.widget-view+json"
_IMAGE_MIMES = ("image/png", "image/jpeg")


def _formatted(value: object, readout_format: str | None) -> str:
    """A slider value as its readout shows it (ipywidgets' formats are Python-compatible here)."""
    if isinstance(value, int | float) and readout_format:
        try:
            return format(value, readout_format)
        except ValueError:
            pass
    return str(value)


class StaticWidget:
    """Render widget views of one notebook from its stored widget state.

    ``image(data, fmt, readout)`` gives the HTML of a picture (an Image widget, or an image
    inside an Output widget) from its base64 ``data``, its format ("png", "jpeg") and the
    readout text of the view it belongs to; by default an ``<img>`` with the data inline.
    """

    def __init__(self, state: dict,
                 image: Callable[[str, str, str], str] | None = None) -> None:
        self.state = state
        self.image = image or _inline_image

    def _model(self, ref: str) -> dict:
        return self.state.get(ref.removeprefix("IPY_MODEL_"), {})

    def readout(self, model_id: str) -> str:
        """The settings and text readouts of a view, as one line (for alt text).

        >>> StaticWidget({"a": {"model_name": "DropdownModel", "state": {
        ...     "description": "direction", "_options_labels": ["up", "down"], "index": 1}}}
        ...     ).readout("a")
        'direction: down'
        """
        parts: list[str] = []

        def walk(ref: str) -> None:
            model = self._model(ref)
            name, values = model.get("model_name", ""), model.get("state", {})
            setting = self._setting(name, values)
            if setting is not None:
                parts.append("".join(setting).strip())
            elif name in ("HTMLModel", "HTMLMathModel", "LabelModel"):
                text = " ".join(_strip_tags(values.get("value", "")).split())
                if text:
                    parts.append(text)
            for child in values.get("children", []):
                walk(child)

        walk(model_id)
        return "; ".join(parts)

    @staticmethod
    def _setting(name: str, values: dict) -> tuple[str, str] | None:
        """(label, value) for a control, e.g. ("h: ", "1.0e-02"); None for anything else.

        >>> StaticWidget._setting("TextModel", {"description": "f =", "value": "tr(X)"})
        ('f = ', 'tr(X)')
        """
        label = values.get("description", "")
        # "f =" or "by:" already read as a label; anything else gets a colon.
        prefix = (f"{label} " if label.endswith(("=", ":")) else f"{label}: ") if label else ""
        if (name.endswith("SliderModel") or _is_reader_slider(name, values)) and "value" in values:
            value = values["value"]
            fmt = values.get("readout_format")
            if isinstance(value, list):
                return prefix, " to ".join(_formatted(v, fmt) for v in value)
            return prefix, _formatted(value, fmt)
        if name in ("DropdownModel", "ToggleButtonsModel", "RadioButtonsModel",
                    "SelectModel") and values.get("index") is not None:
            labels = values.get("_options_labels", [])
            index = values["index"]
            return prefix, (labels[index] if 0 <= index < len(labels) else "")
        if name in ("TextModel", "TextareaModel", "CheckboxModel", "ToggleButtonModel",
                    "IntTextModel", "FloatTextModel", "BoundedFloatTextModel",
                    "BoundedIntTextModel"):
            return prefix, str(values.get("value", ""))
        return None

    def render(self, model_id: str, readout: str | None = None) -> str:
        """Static HTML for the view of ``model_id`` (a box is rendered with its children)."""
        model = self._model(model_id)
        name, values = model.get("model_name", ""), model.get("state", {})
        if readout is None:
            readout = self.readout(model_id)
        if "children" in values:
            kind = "book-hbox" if name == "HBoxModel" else "book-vbox"
            inner = "".join(self.render(child, readout) for child in values["children"])
            return f'<div class="book-widget-box {kind}">{inner}</div>'
        if name == "ImageModel":
            return self._image(model, readout)
        if name in ("HTMLModel", "HTMLMathModel"):
            return f'<div class="book-widget-html">{values.get("value", "")}</div>'
        if name == "LabelModel":
            return f'<p class="book-widget-label">{html.escape(values.get("value", ""))}</p>'
        if name == "ButtonModel":
            # Not a <button>: on a static page it could do nothing.
            return (f'<p class="book-control">button “{html.escape(values.get("description", ""))}”'
                    "</p>")
        if name == "OutputModel":
            # Wide derivations scroll sideways (the book's script makes a box that overflows a
            # keyboard stop, and only such a box).
            return ('<div class="book-widget-output">'
                    + "".join(_render_output(out, self.image, readout)
                              for out in values.get("outputs", []))
                    + "</div>")
        if name == "TextareaModel":
            label = values.get("description", "")
            return (f'<div class="book-control book-textarea"><span>{html.escape(label)}</span>'
                    f'<pre>{html.escape(values.get("value", ""))}</pre></div>')
        setting = self._setting(name, values)
        if setting is not None:
            label, value = setting
            return (f'<p class="book-control">{html.escape(label)}<span>{html.escape(value)}</span>'
                    "</p>")
        return ""

    def _image(self, model: dict, readout: str) -> str:
        buffers = {tuple(b["path"]): b["data"] for b in model.get("buffers", [])
                   if b.get("encoding") == "base64"}
        data = buffers.get(("value",))
        if not data:
            return ""
        return self.image(data, model.get("state", {}).get("format", "png"), readout)


def _is_reader_slider(name: str, values: dict) -> bool:
    """Whether a model is mdlib's accessible slider (an anywidget, ``AnyModel``): its stored
    state has ``description``, ``value`` and ``readout_format`` as an ipywidgets slider's has.

    >>> StaticWidget._setting("AnyModel", {"_anywidget_id": "mdlib.widgets.reader_slider."
    ...     "ReaderSlider", "description": "h", "value": 0.01, "readout_format": ".1e"})
    ('h: ', '1.0e-02')
    """
    return name == "AnyModel" and str(values.get("_anywidget_id", "")).endswith(".ReaderSlider")


def _inline_image(data: str, fmt: str, readout: str) -> str:
    alt = html.escape(f"widget picture ({readout})" if readout else "widget picture", quote=True)
    return f'<img class="book-widget-image" src="data:image/{fmt};base64,{data}" alt="{alt}">'


def _strip_tags(text: str) -> str:
    """Text of an HTML fragment (for alt text).

    >>> _strip_tags("<code>h = 1</code> &amp; more")
    'h = 1 & more'
    """
    return html.unescape(re.sub(r"<[^>]+>", "", text)).strip()


def _render_output(output: dict, image: Callable[[str, str, str], str], readout: str) -> str:
    """One stored output of an Output widget as HTML."""
    if output.get("output_type") == "stream":
        return f'<pre class="book-widget-stream">{html.escape(output.get("text", ""))}</pre>'
    data = output.get("data", {})
    for mime in _IMAGE_MIMES:
        if mime in data:
            return image(data[mime], mime.split("/")[1], readout)
    if "text/html" in data:
        return f'<div class="book-widget-html">{_joined(data["text/html"])}</div>'
    if "text/latex" in data:
        return f'<div class="book-widget-html">{html.escape(_joined(data["text/latex"]))}</div>'
    if "text/plain" in data:
        return f"<pre>{html.escape(_joined(data['text/plain']))}</pre>"
    return ""


def _joined(text: str | list[str]) -> str:
    return "".join(text) if isinstance(text, list) else text

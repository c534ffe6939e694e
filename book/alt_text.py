"""Alt text for the figures of the static book: what each picture shows, in words.

A notebook can say it itself: a code cell's metadata ``"alt"`` holds one string, or a list of
strings in the order of the cell's figures, and that text is used as it is. Without it, the
text is built from the code that draws the figure (read, never run): the plot kind, the panel
titles, the axis labels and the curve labels that the cell passes to matplotlib, or, for a
widget, its kind, title and readout.

>>> source = 'ax.loglog(h, r, label="float64")\\nax.set_xlabel("h")\\nax.set_ylabel("|r(h)|")'
>>> generated_figure_alt(source)
'Log-log plot. Horizontal axis: h; vertical axis: |r(h)|. Curves: float64.'
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable

# What a reader hears for the TeX that matplotlib titles carry ($\hat w$ …).
_MATHTEXT = {r"\hat w": "ŵ", r"\partial": "∂", r"\Sigma": "Σ", r"\rho": "ρ", r"\varphi": "φ",
             r"\hat": "", r"\mathbf": "", r"\,": " "}
_TITLE_CALLS = {"set_title", "title", "suptitle"}
_XLABEL_CALLS = {"set_xlabel", "xlabel"}
_YLABEL_CALLS = {"set_ylabel", "ylabel"}
_PLOT_KINDS = {"loglog": "Log-log plot", "semilogy": "Plot with a logarithmic vertical axis",
               "semilogx": "Plot with a logarithmic horizontal axis", "scatter": "Scatter plot",
               "plot": "Line plot", "imshow": "Image", "contour": "Contour plot",
               "bar": "Bar chart", "hist": "Histogram"}
_NUMBER_WORDS = {2: "two", 3: "three", 4: "four", 5: "five", 6: "six"}


def metadata_alt(metadata: dict, index: int) -> str | None:
    """The alt text a cell's metadata gives for its ``index``-th figure, if any.

    >>> metadata_alt({"alt": ["first", "second"]}, 1)
    'second'
    >>> metadata_alt({"alt": "the only one"}, 0), metadata_alt({}, 0)
    ('the only one', None)
    """
    alt = metadata.get("alt")
    if isinstance(alt, str) and alt.strip():
        return alt.strip()
    if isinstance(alt, list) and index < len(alt) and str(alt[index]).strip():
        return str(alt[index]).strip()
    return None


def readable_label(text: str) -> str:
    """A matplotlib label as a reader would say it: TeX markers dropped, symbols spelled.

    >>> readable_label(r"slices through $\\hat w$: flat at $t=0$")
    'slices through ŵ: flat at t=0'
    """
    for tex, spoken in _MATHTEXT.items():
        text = text.replace(tex, spoken)
    text = re.sub(r"\\([A-Za-z]+)", r"\1", text)
    return re.sub(r"\s+", " ", text.replace("$", "").replace("{", "").replace("}", "")).strip()


def _string_value(node: ast.AST) -> str | None:
    """A string literal's text; an f-string's text with '…' for what is computed."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(part.value if isinstance(part, ast.Constant) else "…"
                       for part in node.values)
    return None


def _call_name(node: ast.Call) -> str | None:
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    if isinstance(node.func, ast.Name):
        return node.func.id
    return None


def _unique(items: Iterable[str]) -> list[str]:
    seen: list[str] = []
    for item in items:
        if item and item not in seen:
            seen.append(item)
    return seen


def _calls(source: str) -> list[ast.Call]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    return sorted((node for node in ast.walk(tree) if isinstance(node, ast.Call)),
                  key=lambda node: (node.lineno, node.col_offset))


def _panels(calls: list[ast.Call]) -> int:
    """How many panels ``plt.subplots(rows, cols, …)`` asks for (1 if it cannot tell)."""
    for call in calls:
        if _call_name(call) == "subplots":
            sizes = [arg.value for arg in call.args[:2]
                     if isinstance(arg, ast.Constant) and isinstance(arg.value, int)]
            if sizes:
                product = 1
                for size in sizes:
                    product *= size
                return product
    return 1


def generated_figure_alt(source: str) -> str:
    """Describe the matplotlib figure drawn by ``source`` from the calls it makes.

    >>> generated_figure_alt('fig, axes = plt.subplots(1, 2)\\naxes[0].set_title(f"window {w}")')
    'Two panels (line plot), titled: window ….'
    """
    calls = _calls(source)
    names = [_call_name(call) for call in calls]
    kind = next((_PLOT_KINDS[name] for name in names if name in _PLOT_KINDS), "Line plot")

    def strings(call_names: set[str]) -> list[str]:
        found = []
        for call in calls:
            if _call_name(call) in call_names and call.args:
                text = _string_value(call.args[0])
                if text:
                    found.append(readable_label(text))
        return _unique(found)

    titles = strings(_TITLE_CALLS)
    xlabels, ylabels = strings(_XLABEL_CALLS), strings(_YLABEL_CALLS)
    curves = _unique(readable_label(_string_value(kw.value) or "")
                     for call in calls for kw in call.keywords if kw.arg == "label")

    panels = _panels(calls)
    words = (f"{_NUMBER_WORDS.get(panels, str(panels)).capitalize()} panels "
             f"({kind[0].lower() + kind[1:]})" if panels > 1 else kind)
    parts = [words + (f", titled: {'; '.join(titles)}" if titles else "") + "."]
    axes = []
    if xlabels:
        axes.append(f"horizontal axis: {', '.join(xlabels)}")
    if ylabels:
        axes.append(f"vertical axis: {', '.join(ylabels)}")
    if axes:
        parts.append(axes[0][0].upper() + "; ".join(axes)[1:] + ".")
    if curves:
        parts.append(f"Curves: {'; '.join(curves)}.")
    return " ".join(parts)


_PROPER_NAMES = {"Jacobian", "Hessian", "Gaussian"}


def _split_camel(name: str) -> str:
    """``RemainderExplorer`` → ``remainder explorer`` (names of people keep their capital).

    >>> _split_camel("JacobianEllipse")
    'Jacobian ellipse'
    """
    words = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name).split()
    return " ".join(w if w in _PROPER_NAMES else w.lower() for w in words)


def generated_widget_alt(source: str, readout: str) -> str:
    """Describe the stored picture of the widget built in ``source``, with its settings.

    >>> generated_widget_alt('w = SlopeExplorer(f, g, title="least squares")', "t = 0.0")
    'Static picture of the slope explorer “least squares” as the notebook stores it (t = 0.0).'
    """
    widget = "interactive figure"
    title = ""
    for call in _calls(source):
        name = _call_name(call) or ""
        if name[:1].isupper() and name[1:2].islower():
            widget = _split_camel(name)
            title = next((_string_value(kw.value) or "" for kw in call.keywords
                          if kw.arg == "title"), "")
            break
    titled = f" “{readable_label(title)}”" if title else ""
    setting = f" ({readable_label(readout)})" if readout else ""
    return f"Static picture of the {widget}{titled} as the notebook stores it{setting}."

"""LaTeX of a line as the reader typed it, from its syntax tree (sympy would reorder and
merge terms, so the reader would not recognise their own line)."""

from __future__ import annotations

import ast
import re

_FUNCTION_LATEX = {"tr": r"\mathrm{tr}", "trace": r"\mathrm{tr}", "det": r"\det",
                   "logdet": r"\log\det", "exp": r"\exp", "log": r"\log", "sin": r"\sin",
                   "cos": r"\cos", "tanh": r"\tanh", "sqrt": r"\sqrt", "sigmoid": r"\sigma"}
_SUM, _PRODUCT, _UNARY, _POWER, _ATOM = 1, 2, 3, 4, 5


def typed_latex(text: str) -> str:
    """LaTeX of a line *as the reader typed it* (sympy would reorder and merge terms).

    The text is only read into a syntax tree (``ast.parse``, nothing is run); it has already
    passed the whitelist parser when this is called.

    >>> print(typed_latex("tr(dX.T*A*X) - 2*tr(inv(X).T*dX)"))
    \\mathrm{tr}\\left(\\left(\\mathrm{d}X\\right)^{T}\\,A\\,X\\right) - 2\\,\\mathrm{tr}\\left(X^{-T}\\,\\mathrm{d}X\\right)
    """
    return _node_latex(ast.parse(text.strip(), mode="eval").body)[0]


def _name_latex(name: str) -> str:
    if len(name) > 1 and name[0] == "d" and name[1:].isidentifier():
        return r"\mathrm{d}" + _name_latex(name[1:])
    head, tail = re.match(r"([A-Za-z_]+)(\w*)", name).groups()
    head = head if len(head) == 1 else rf"\mathrm{{{head}}}"
    return f"{head}_{{{tail}}}" if tail else head


def _wrapped(node: ast.AST, level: int) -> str:
    text, own = _node_latex(node)
    return rf"\left({text}\right)" if own < level else text


def _node_latex(node: ast.AST) -> tuple[str, int]:
    if isinstance(node, ast.Name):
        return _name_latex(node.id), _ATOM
    if isinstance(node, ast.Constant):
        return str(node.value), _ATOM
    if isinstance(node, ast.Attribute) and node.attr == "T":
        base, own = _node_latex(node.value)
        if own == _POWER and base.endswith("^{-1}"):
            return base[:-5] + "^{-T}", _POWER
        atom = own == _ATOM and not base.startswith(r"\mathrm{d}")  # (dX)^T, as the course writes it
        return (base if atom else rf"\left({base}\right)") + "^{T}", _POWER
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        sign = "-" if isinstance(node.op, ast.USub) else "+"
        return sign + _wrapped(node.operand, _PRODUCT), _UNARY
    if isinstance(node, ast.BinOp):
        if isinstance(node.op, (ast.Add, ast.Sub)):
            sign = " + " if isinstance(node.op, ast.Add) else " - "
            right = _wrapped(node.right, _PRODUCT if isinstance(node.op, ast.Sub) else _SUM)
            return _node_latex(node.left)[0] + sign + right, _SUM
        if isinstance(node.op, ast.Mult):
            return _wrapped(node.left, _PRODUCT) + r"\," + _wrapped(node.right, _UNARY), _PRODUCT
        if isinstance(node.op, ast.Div):
            return rf"\frac{{{_node_latex(node.left)[0]}}}{{{_node_latex(node.right)[0]}}}", _ATOM
        if isinstance(node.op, ast.Pow):
            return rf"{_wrapped(node.left, _ATOM)}^{{{_node_latex(node.right)[0]}}}", _POWER
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        name, args = node.func.id, node.args
        if name == "inv" and len(args) == 1:
            return _wrapped(args[0], _ATOM) + "^{-1}", _POWER
        if name == "had":
            return r" \odot ".join(_wrapped(a, _POWER) for a in args), _PRODUCT
        if name == "sum" and len(args) == 1:
            return rf"\mathbf{{1}}^{{T}}{_wrapped(args[0], _ATOM)}\,\mathbf{{1}}", _PRODUCT
        inner = ", ".join(_node_latex(a)[0] for a in args)
        return rf"{_FUNCTION_LATEX.get(name, _name_latex(name))}\left({inner}\right)", _ATOM
    raise ValueError("not a typed expression")

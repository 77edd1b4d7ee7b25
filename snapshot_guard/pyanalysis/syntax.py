"""Small readings of Python syntax trees every part of the analysis shares."""
from __future__ import annotations

import ast
import bisect
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from snapshot_guard.pyanalysis.scopes import Function


def touches(lines: Sequence[int], node: ast.AST) -> bool:
    """One of ``lines`` (sorted) is within the lines ``node`` spans."""
    start = getattr(node, "lineno", 0)
    index = bisect.bisect_left(lines, start)
    return index < len(lines) and lines[index] <= (getattr(node, "end_lineno", None) or start)


def dotted(expr: ast.expr) -> str | None:
    """``a.b.c`` for a chain of names and attributes; None for anything else."""
    if isinstance(expr, ast.Name):
        return expr.id
    if isinstance(expr, ast.Attribute):
        base = dotted(expr.value)
        return None if base is None else f"{base}.{expr.attr}"
    return None


def callee_name(expr: ast.expr) -> str | None:
    """The last name of what a call (or a function expression) calls."""
    func = expr.func if isinstance(expr, ast.Call) else expr
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def first_parameter(function: Function) -> str | None:
    params = [*function.node.args.posonlyargs, *function.node.args.args]
    return params[0].arg if params else None


def argument(call: ast.expr, keyword: str, position: int | None) -> ast.expr | None:
    """The argument a call passes as ``keyword`` or at ``position`` (not after a ``*args``)."""
    if not isinstance(call, ast.Call):
        return None
    for item in call.keywords:
        if item.arg == keyword:
            return item.value
    if position is not None and position < len(call.args):
        passed = call.args[position]
        if not any(isinstance(a, ast.Starred) for a in call.args[: position + 1]):
            return passed
    return None


def short(expr: ast.AST) -> str:
    text = ast.unparse(expr)
    return text if len(text) <= 60 else text[:57] + "..."

"""What a job's command line gives its code: argparse options (``add_argument``), the parameters
click, typer and ``fire.Fire`` fill from the command line, and the config ``hydra.main`` composes
from the root's files and the command line's overrides."""
from __future__ import annotations

import ast
import dataclasses
import posixpath
from typing import TYPE_CHECKING

from snapshot_guard.pyanalysis.configs import composed, data_binding, overridden, parse
from snapshot_guard.pyanalysis.scopes import Binding, Scope
from snapshot_guard.pyanalysis.syntax import argument, callee_name, dotted
from snapshot_guard.pyanalysis.values import Unknown

if TYPE_CHECKING:
    from snapshot_guard.pyanalysis.evaluate import Analysis


@dataclasses.dataclass(frozen=True)
class Option:
    """A command-line option a module's parser defines (``parser.add_argument``)."""

    dest: str
    strings: tuple[str, ...]
    """``--model-dir``, ``-m``: empty for a positional argument."""
    default: Binding
    takes_value: bool = True
    fixed: bool = False
    """Set by no command line: a parser default no option has (``set_defaults(func=train)``)."""


def add_argument(analysis: Analysis, call: ast.Call, scope: Scope) -> None:
    """Remember ``add_argument("--source-dir", default="src")`` under ``source_dir``."""
    strings = tuple(a.value for a in call.args
                    if isinstance(a, ast.Constant) and isinstance(a.value, str))
    dest = argument(call, "dest", None)
    if isinstance(dest, ast.Constant) and isinstance(dest.value, str):
        name = dest.value
    else:
        long = [o for o in strings if o.startswith("--")]
        name = (long or list(strings) or [""])[0].lstrip("-").replace("-", "_")
    if not name:
        return
    default = argument(call, "default", None)
    action = argument(call, "action", None)
    flag = isinstance(action, ast.Constant) and action.value in (
        "store_true", "store_false", "store_const", "count", "append_const", "version", "help")
    if default is None:
        binding = Binding(none=True)
    else:
        binding = analysis.binding_of(default, scope)
        if binding.expr is not None or binding.parameter is not None:
            binding = Binding(reason=Unknown(default))
    options = tuple(o for o in strings if o.startswith("-"))
    binding = analysis.parser_defaults.get(name, binding)
    analysis.options[name] = Option(name, options, binding, not flag)


def set_defaults(analysis: Analysis, call: ast.Call, scope: Scope) -> None:
    """``parser.set_defaults(out="exp")``: a parser's default wins over its option's; a name no
    option has is set by no command line."""
    for keyword in call.keywords:
        if keyword.arg is None:
            analysis.options.clear()  # set_defaults(**defaults): any option's default
            return
        binding = analysis.binding_of(keyword.value, scope)
        if binding.expr is not None or binding.parameter is not None:
            binding = Binding(reason=Unknown(keyword.value))
        analysis.parser_defaults[keyword.arg] = binding
        known = analysis.options.get(keyword.arg)
        analysis.options[keyword.arg] = dataclasses.replace(known, default=binding) \
            if known is not None else Option(keyword.arg, (), binding, False, fixed=True)


def command_options(analysis: Analysis, node: ast.FunctionDef | ast.AsyncFunctionDef,
                    scope: Scope) -> dict[str, Option]:
    """The parameters of a command a CLI library fills from the command line: click's
    ``@click.option("--out", default="x")`` and typer's ``out: str = typer.Option("x")``."""
    found: dict[str, Option] = {}
    for decorator in node.decorator_list:
        if not isinstance(decorator, ast.Call) or callee_name(decorator) not in ("option",
                                                                                 "argument"):
            continue
        if not (dotted(decorator.func) or "").startswith("click."):
            continue
        strings = [a.value for a in decorator.args
                   if isinstance(a, ast.Constant) and isinstance(a.value, str)]
        plain = [text for text in strings if not text.startswith("-")]
        long = [text for text in strings if text.startswith("--")]
        name = (plain or long or strings or [""])[0].lstrip("-").replace("-", "_").lower()
        if name:
            found[name] = option(analysis, decorator, name, tuple(t for t in strings
                                                           if t.startswith("-")), scope)
    args = node.args
    positional = [*args.posonlyargs, *args.args]
    defaults = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
    for param, default in [*zip(positional, defaults), *zip(args.kwonlyargs, args.kw_defaults)]:
        if isinstance(default, ast.Call) and callee_name(default) in ("Option", "Argument") \
                and (dotted(default.func) or "").startswith("typer."):
            named: tuple[str, ...] = tuple(
                a.value for a in default.args[1:]
                if isinstance(a, ast.Constant) and isinstance(a.value, str))
            given = default.args[0] if default.args else argument(default, "default", None)
            flag = "--" + param.arg.replace("_", "-")
            found[param.arg] = option_from(analysis, given, param.arg, named or (flag,), scope)
        elif default is not None and fired(analysis, node):
            flags = (f"--{param.arg}", f"--{param.arg.replace('_', '-')}")
            found[param.arg] = option_from(analysis, default, param.arg, flags, scope)
    return found

def fired(analysis: Analysis, node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """``fire.Fire(main)``: the function's parameters are command-line options."""
    return any(isinstance(statement.value, ast.Call)
               and analysis.qualified(statement.value.func) == "fire.Fire"
               and statement.value.args and isinstance(statement.value.args[0], ast.Name)
               and statement.value.args[0].id == node.name
               for statement in analysis.facts.expressions)

def option(analysis: Analysis, call: ast.Call, name: str, strings: tuple[str, ...], scope: Scope) -> Option:
    return option_from(analysis, argument(call, "default", None), name, strings, scope)

def option_from(analysis: Analysis, default: ast.expr | None, name: str, strings: tuple[str, ...],
                scope: Scope) -> Option:
    binding = Binding(none=True) if default is None else analysis.binding_of(default, scope)
    if binding.expr is not None or binding.parameter is not None:
        binding = Binding(reason=Unknown(default or name))
    return Option(name, strings, binding)


def hydra_config(analysis: Analysis, node: ast.FunctionDef | ast.AsyncFunctionDef) -> Binding | None:
    """``@hydra.main(config_path="conf", config_name="config")``: the config the function
    gets, composed from the root's files with the command line's overrides (unknown unless
    the command line is)."""
    decorator = next((d for d in node.decorator_list if isinstance(d, ast.Call)
                      and analysis.qualified(d.func) == "hydra.main"), None)
    if not isinstance(decorator, ast.Call):
        return None
    words = analysis.command_words()
    names = [argument(decorator, "config_path", 0), argument(decorator, "config_name", 1)]
    if words is None or any(not isinstance(name, ast.Constant) or not isinstance(name.value, str)
                            for name in names):
        return Binding(reason="a hydra config the command line may change")
    folder = posixpath.normpath(posixpath.join(posixpath.dirname(analysis.path),
                                               names[0].value))  # type: ignore[union-attr]
    name = str(names[1].value)  # type: ignore[union-attr]

    def read(relpath: str) -> object:
        text = analysis.read_config(posixpath.normpath(relpath))
        return parse(text, "yaml") if text is not None else None

    primary = read(posixpath.join(folder, name if name.endswith(".yaml") else name + ".yaml"))
    config = overridden(composed(primary, read, folder), words)
    return data_binding(config) if isinstance(config, dict) else None

"""Configuration files a module loads (``yaml.safe_load(open("config.yaml"))``, ``json.load``,
``toml.load``, ``OmegaConf.load``, a hydra config): their values, read from the file when it is one
of the repository's, as what analysis follows of a dict (strings by key, nested); and the file
object ``open()`` makes (its ``name`` is its path)."""
from __future__ import annotations

import ast
import copy
import json
import posixpath
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

import yaml

from snapshot_guard.pyanalysis.scopes import Binding, Instance, Scope
from snapshot_guard.pyanalysis.syntax import argument
from snapshot_guard.pyanalysis.values import Text, Unknown

if TYPE_CHECKING:
    from snapshot_guard.pyanalysis.evaluate import Analysis

LOADERS = {
    "yaml.safe_load": "yaml", "yaml.load": "yaml", "yaml.full_load": "yaml", "yaml.unsafe_load": "yaml",
    "json.load": "json", "toml.load": "toml", "tomllib.load": "toml", "tomli.load": "toml",
    "omegaconf.OmegaConf.load": "yaml",
}
"""Loaders by qualified name, and the format they read."""
STREAM_LOADERS = frozenset(("json.load", "tomllib.load", "tomli.load"))
"""Loaders that take an open file, never a path (yaml's take a file or text)."""
WRAPPERS = frozenset(("omegaconf.OmegaConf.create", "easydict.EasyDict", "box.Box", "munch.munchify",
                      "munch.Munch", "dotmap.DotMap", "addict.Dict", "ml_collections.ConfigDict"))
"""Calls that wrap a dict in an object whose attributes are its keys: the dict, followed alike."""
_INTERPOLATION = re.compile(r"\$\{([\w.]+)\}")


def parse(text: str, kind: str) -> object:
    """The data of a configuration file; None when it does not parse."""
    try:
        if kind == "json":
            return json.loads(text)
        if kind == "toml":
            if sys.version_info >= (3, 11):
                import tomllib
            else:  # pragma: no cover - exercised on Python < 3.11 only
                import tomli as tomllib
            return tomllib.loads(text)
        return yaml.safe_load(text)
    except (ValueError, yaml.YAMLError, RecursionError):
        return None


def data_binding(data: object, top: object = None) -> Binding:
    """What analysis follows of parsed data: strings, lists of strings, dicts of those; OmegaConf's
    ``${a.b}`` interpolations of other strings of the file resolved."""
    top = data if top is None else top
    if isinstance(data, str):
        value = _interpolated(data, top)
        return Binding(values=(Text(value),)) if value is not None else Binding(
            reason=f"{data} refers to a value analysis cannot see")
    if isinstance(data, Mapping):
        return Binding(mapping={key: data_binding(value, top) for key, value in data.items()
                                if isinstance(key, str)},
                       reason="a mapping of a configuration file")
    if isinstance(data, list) and data and all(isinstance(item, str) for item in data):
        return Binding(items=tuple(Text(item) for item in data))
    if data is None:
        return Binding(none=True)
    return Binding(reason="a value of a configuration file that is not a string")


def _interpolated(value: str, top: object, depth: int = 0) -> str | None:
    if "${" not in value:
        return value
    if depth > 8:
        return None
    failed = False

    def replace(match: re.Match[str]) -> str:
        nonlocal failed
        found: object = top
        for key in match.group(1).split("."):
            found = found.get(key) if isinstance(found, Mapping) else None
        nested = _interpolated(found, top, depth + 1) if isinstance(found, str) else None
        if nested is None:
            failed = True
            return ""
        return nested

    result = _INTERPOLATION.sub(replace, value)
    return None if failed or "${" in result else result


# --- files a module loads ----------------------------------------------------------------

def opened_file(analysis: Analysis, expr: ast.expr, scope: Scope) -> Binding | None:
    """``open(path)``: a file object, whose ``name`` is the path."""
    if not isinstance(expr, ast.Call) or analysis.qualified(expr.func) not in ("open", "io.open",
                                                                          "codecs.open"):
        return None
    path = argument(expr, "file", 0)
    try:
        values = analysis.evaluate(path, scope) if path is not None else None
    except Unknown:
        values = None
    return Binding(reason="a file", instance=Instance(attributes={
        "name": Binding(values=values) if values else Binding(reason="a file name")}))


def loaded_config(analysis: Analysis, call: ast.Call, loader: str, scope: Scope) -> Binding | None:
    """What a configuration file of the repository that ``call`` loads holds."""
    source = call.args[0] if call.args else next(
        (k.value for k in call.keywords if k.arg in ("stream", "fp", "f", "file")), None)
    path: ast.expr | None = None
    if isinstance(source, ast.Call) and analysis.qualified(source.func) in ("open", "io.open"):
        path = argument(source, "file", 0)
    elif isinstance(source, ast.Call) and isinstance(source.func, ast.Attribute) \
            and source.func.attr == "read_text":
        path = source.func.value
    elif isinstance(source, (ast.Name, ast.Attribute)):
        made, _ = analysis.object_of(source, scope)
        name = made.instance.attributes.get("name") if made is not None and made.instance \
            and made.instance.attributes is not None else None
        if name is not None and len(name.values) == 1:
            path = ast.Constant(value=name.values[0].known) if name.values[0].complete else None
        elif made is None and loader not in STREAM_LOADERS:
            path = source
    elif source is not None and loader not in STREAM_LOADERS:
        path = source
    try:
        values = analysis.evaluate(path, scope) if path is not None else ()
    except Unknown:
        return None
    if len(values) != 1 or not values[0].complete:
        return None
    text = analysis.read_config(posixpath.normpath(values[0].known))
    data = parse(text, LOADERS[loader]) if text is not None else None
    return data_binding(data) if isinstance(data, dict) else None


# --- hydra -------------------------------------------------------------------------------------

UNSET = object()
"""A value a command-line override sets to something analysis cannot see."""


def composed(config: object, read: Callable[[str], object], folder: str) -> object:
    """A hydra primary config with its ``defaults`` list composed: ``- model: resnet`` puts
    ``folder/model/resnet.yaml`` under ``model`` (``read(relpath)`` gives a file's data, None
    when it has none); entries analysis cannot compose leave the config as it is."""
    if not isinstance(config, dict):
        return config
    merged = {key: value for key, value in config.items() if key != "defaults"}
    for entry in config.get("defaults") or ():
        if isinstance(entry, dict) and len(entry) == 1:
            (group, option), = entry.items()
            if isinstance(group, str) and isinstance(option, str) and not group.startswith(
                    ("override ", "/", "hydra")):
                loaded = read(posixpath.join(folder, group, f"{option}.yaml"))
                if isinstance(loaded, dict):
                    merged.setdefault(group, loaded)
    return merged


def overridden(config: object, words: Sequence[str]) -> object:
    """``config`` with the command line's overrides (``paths.out=x``, ``+a=b``, ``~a``) applied;
    a value analysis cannot see (``${{outputs.x}}``, ``$VAR``) is UNSET."""
    if not isinstance(config, dict):
        return config
    config = copy.deepcopy(config)
    for word in words:
        if word.startswith("-") or ("=" not in word and not word.startswith("~")):
            continue
        key, _, value = word.lstrip("+~").partition("=")
        *parents, last = key.split(".")
        node: object = config
        for part in parents:
            node = node.setdefault(part, {}) if isinstance(node, dict) else None
        if not isinstance(node, dict):
            continue
        if word.startswith("~"):
            node.pop(last, None)
        else:
            node[last] = UNSET if "$" in value else value
    return config

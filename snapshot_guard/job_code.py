"""The files a job cannot run without: its entry script, and the root's own modules that it imports.

A fix may exclude data, never these. The entry script comes from the call or YAML that declares the
root (``script=``, ``script_name=``, ``entry_script=``, ``command=``, a YAML ``command:``); a root
with no declaration keeps every script at its top, the files a job can be started with. Imports are
followed with a plain ``ast`` read: ``import a.b`` and ``from a import b`` name ``a/b.py`` or
``a/b/__init__.py`` next to the importing script or at the root (the two folders Python searches
first when a job runs ``python script.py`` from the root).
"""
from __future__ import annotations

import ast
import os
import posixpath
import shlex
from collections.abc import Collection, Iterable, Sequence
from typing import TYPE_CHECKING

import yaml

if TYPE_CHECKING:
    from snapshot_guard.discover import DeclaredRoot

SCRIPT_SUFFIXES = (".py", ".ipynb", ".r", ".sh")
_SCRIPT_KEYWORDS = ("script", "script_name", "entry_script", "command")
_SCRIPT_POSITION = {"ScriptRunConfig": 1, "PythonScriptStep": 0}
"""Where the script is passed by position: azureml-core's ``ScriptRunConfig(source_directory,
script)`` and ``PythonScriptStep(script_name, ...)``."""
_MAX_FILES_READ = 2000


def scripts_in_command(command: str, files: Collection[str]) -> list[str]:
    """The scripts a job's command runs: ``python src/train.py --x 1`` -> ``src/train.py``;
    ``python -m pkg.train`` -> ``pkg/train.py``; only paths that are files of the root."""
    try:
        words = shlex.split(command)
    except ValueError:
        words = command.split()
    found = []
    for index, word in enumerate(words):
        path = posixpath.normpath(word.removeprefix("./")) if word else word
        if word == "-m" and index + 1 < len(words):
            module = words[index + 1].replace(".", "/")
            path = next((candidate for candidate in (module + ".py", module + "/__main__.py")
                         if candidate in files), "")
        if path in files:
            found.append(path)
    return found


def _call_name(node: ast.Call) -> str:
    function = node.func
    if isinstance(function, ast.Attribute):
        return function.attr
    return function.id if isinstance(function, ast.Name) else ""


def _constant(node: ast.expr | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _python_declaration(text: str, line: int) -> list[str]:
    """The script arguments of the calls that start at ``line`` (string constants only)."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError):
        return []
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.lineno <= line <= (node.end_lineno or line):
            continue
        for keyword in node.keywords:
            value = _constant(keyword.value)
            if keyword.arg in _SCRIPT_KEYWORDS and value:
                found.append(value)
        position = _SCRIPT_POSITION.get(_call_name(node))
        if position is not None and len(node.args) > position:
            value = _constant(node.args[position])
            if value:
                found.append(value)
    return found


def _yaml_declaration(text: str, kind: str) -> list[str]:
    """The ``command:`` beside the ``code:`` key that declares the root (``jobs.train.code``)."""
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError:
        return []
    node: object = document
    for key in kind.split(".")[:-1]:
        node = node.get(key) if isinstance(node, dict) else None
    command = node.get("command") if isinstance(node, dict) else None
    return [command] if isinstance(command, str) else []


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read()
    except OSError:
        return None


def entry_scripts(top: str, root_display: str, declared: Iterable[DeclaredRoot],
                  files: Collection[str]) -> list[str]:
    """The scripts (relative to the root) the declarations of ``root_display`` run; without a
    declaration that names one, every script at the top of the root."""
    prefix = "" if root_display == "." else root_display + "/"
    found: list[str] = []
    for item in declared:
        if item.root != root_display:
            continue
        text = _read(os.path.join(top, item.file))
        if text is None:
            continue
        if item.file.endswith(".ipynb"):
            if item.file.startswith(prefix) and item.file[len(prefix):] in files:
                found.append(item.file[len(prefix):])
            continue
        values = _yaml_declaration(text, item.kind) if item.file.endswith((".yml", ".yaml")) \
            else _python_declaration(text, item.line)
        for value in values:
            script = posixpath.normpath(value.removeprefix("./"))
            found.extend([script] if script in files else scripts_in_command(value, files))
    if found:
        return list(dict.fromkeys(found))
    return sorted(path for path in files if "/" not in path and path.lower().endswith(SCRIPT_SUFFIXES))


def _imported(tree: ast.Module, package: str) -> list[tuple[str, ...]]:
    """Module names (as tuples of parts) that ``tree`` imports; relative imports resolved against
    ``package`` (the importing file's folder, relative to the search folder)."""
    names: list[tuple[str, ...]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(tuple(alias.name.split(".")) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base: tuple[str, ...] = tuple(node.module.split(".")) if node.module else ()
            if node.level:
                parts = [part for part in package.split("/") if part]
                parent = parts[: len(parts) - node.level + 1] if node.level <= len(parts) + 1 else []
                base = (*parent, *base)
            names.append(base)
            names.extend((*base, alias.name) for alias in node.names if alias.name != "*")
    return names


def _module_files(parts: Sequence[str], folder: str, files: Collection[str]) -> list[str]:
    """The files of the root that ``import a.b`` loads from ``folder``: every package's
    ``__init__.py`` on the way and the module itself."""
    found = []
    for depth in range(1, len(parts) + 1):
        stem = posixpath.join(folder, *parts[:depth]) if folder else "/".join(parts[:depth])
        for candidate in (stem + "/__init__.py", stem + ".py"):
            if candidate in files:
                found.append(candidate)
    return found


def needed_files(root: str, scripts: Sequence[str], files: Collection[str]) -> set[str]:
    """``scripts`` and, transitively, the root's own Python files they import (paths relative to
    the root ``root``). Reads at most a few thousand files."""
    needed = set(scripts)
    pending = [script for script in scripts if script.endswith(".py")]
    read = 0
    while pending and read < _MAX_FILES_READ:
        path = pending.pop()
        read += 1
        text = _read(os.path.join(root, path))
        if text is None:
            continue
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError, RecursionError):
            continue
        folder = posixpath.dirname(path)
        for parts in _imported(tree, folder):
            for base in dict.fromkeys((folder, "")):
                for module in _module_files(parts, base, files):
                    if module not in needed:
                        needed.add(module)
                        pending.append(module)
    return needed

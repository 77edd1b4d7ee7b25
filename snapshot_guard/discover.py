"""Find the directories Azure ML jobs upload by reading the repository, never running or importing it.

Sources: ``.py`` files and the code cells of ``.ipynb`` notebooks (SDK v1 ``source_directory=`` and
its defaults, ``start_logging``, ``take_snapshot``; SDK v2 ``code=``, ``load_component``), and job or
component YAML files (``code:`` at the top, under ``trial``/``task``, in ``jobs:`` steps and their
inline components; ``additional_includes``). A value static analysis cannot pin down is reported as
unresolved, never guessed.
"""
from __future__ import annotations

import argparse
import ast
import dataclasses
import itertools
import json
import os
import posixpath
import re
import subprocess
import sys
from collections.abc import Iterator, Sequence

import yaml

from snapshot_guard.errors import Sdk
from snapshot_guard.git import find_repo
from snapshot_guard.pyanalysis.notebook import (
    CHANGE_DIRECTORY,
    Cell,
    python_source,
    read_notebook,
    written_file,
)

SKIPPED_DIRS = frozenset({
    ".git", "node_modules", "site-packages", "__pycache__", ".ipynb_checkpoints", ".tox", ".nox",
    ".venv", "venv", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".eggs",
})
_AML_IMPORTS = ("azureml", "azure.ai.ml", "mldesigner", "azure.ml.component")
_AML_MARKERS = ("azureml", "azure.ai", "mldesigner", "azure.ml")
_MAX_SOURCE_BYTES = 4 * 1024 * 1024
_MAX_NOTEBOOK_BYTES = 64 * 1024 * 1024
"""Notebooks carry their outputs (plots, tables): far larger than the code in them."""
_MAX_ALTERNATIVES = 32
_MAX_CALL_DEPTH = 3
_NO_CALL = " and no call in this file passes it"
_COMMAND_SCRIPT = re.compile(r"\bpython[\d.]*\s+(?:-u\s+)?(?:([\w./-]+\.py)\b|-m\s+([\w.]+))")
_PIPELINE_ADVICE = "Use a different subdirectory for each step"
_NOTEBOOK_ADVICE = (
    "Create a .amlignore file or move your notebook into a new, empty, subdirectory and run your "
    "code again"
)


@dataclasses.dataclass(frozen=True)
class DeclaredRoot:
    root: str | None
    """The uploaded directory (or single file), POSIX relative to the repository top; None when
    the value cannot be resolved statically."""
    file: str
    """Where it is declared, POSIX relative to the repository top."""
    line: int
    kind: str
    """The call (``PythonScriptStep``) or YAML key (``jobs.train.code``) that declares it."""
    sdk: Sdk
    pipeline: str | None
    """The pipeline the declaring step belongs to (its file), None for a lone job."""
    how: str
    """How the value was read and resolved, or why it could not be."""


@dataclasses.dataclass(frozen=True)
class _Parameter:
    """Where a root's value comes in: a keyword, or a position, and what a missing one means."""

    keyword: str
    position: int | None
    default: str | None
    """The directory uploaded when the argument is missing; None: nothing is uploaded."""
    step: bool = False
    none_is_default: bool = True
    """An explicit None means the default; False: it means "take no snapshot"."""
    script: tuple[str, int | None] | None = None
    """The argument naming the script the job runs, relative to the root: where it exists tells
    whether a relative root is meant from the script's folder or the repository top."""


_ENTRY_SCRIPT = ("entry_script", None)
_V1_CALLS = {
    "ScriptRunConfig": _Parameter("source_directory", 0, None, script=("script", 1)),
    "PythonScriptStep": _Parameter("source_directory", 9, ".", step=True,
                                   script=("script_name", 0)),
    "ParallelRunConfig": _Parameter("source_directory", 8, ".", step=True,
                                    script=("entry_script", 1)),
    "CommandStep": _Parameter("source_directory", 8, None, step=True, script=("command", 0)),
    "DatabricksStep": _Parameter("source_directory", None, None, step=True,
                                 script=("python_script_name", None)),
    "AdlaStep": _Parameter("source_directory", 9, None, step=True, script=("script_name", 0)),
    "AzureBatchStep": _Parameter("source_directory", None, None, step=True),
    "MpiStep": _Parameter("source_directory", 1, None, step=True, script=("script_name", None)),
    "SynapseSparkStep": _Parameter("source_directory", 1, None, step=True, script=("file", 0)),
    "RScriptStep": _Parameter("source_directory", 9, ".", step=True, script=("script_name", 0)),
    "NotebookRunConfig": _Parameter("source_directory", 0, None, script=("notebook", 1)),
    "publish_python_script": _Parameter("source_directory", None, None, step=True,
                                        script=("script_name", 0)),
    "Estimator": _Parameter("source_directory", 0, None, script=_ENTRY_SCRIPT),
    "PyTorch": _Parameter("source_directory", 0, None, script=_ENTRY_SCRIPT),
    "TensorFlow": _Parameter("source_directory", 0, None, script=_ENTRY_SCRIPT),
    "SKLearn": _Parameter("source_directory", 0, None, script=_ENTRY_SCRIPT),
    "Chainer": _Parameter("source_directory", 0, None, script=_ENTRY_SCRIPT),
    "ReinforcementLearningEstimator": _Parameter("source_directory", 0, None, script=_ENTRY_SCRIPT),
}
_V1_METHODS = {
    "start_logging": _Parameter("snapshot_directory", 3, ".", none_is_default=False),
    "take_snapshot": _Parameter("file_or_folder_path", 0, None),
}
_V2_CALLS = {
    name: _Parameter("code", None, None, script=("command", None))
    for name in ("command", "CommandComponent", "CommandJob", "Command", "spark", "Spark",
                 "SparkComponent", "SparkJob", "RunFunction", "ParallelTask", "ParallelComponent")
}
_V2_LOADERS = {"load_component": ("source", "path"), "load_job": ("source", "path")}
# Wrappers upload what they wrap: (keyword, position) of the wrapped object, and whether a step.
_WRAPPERS = {
    "EstimatorStep": ((("estimator", 1),), True),
    "HyperDriveStep": ((("hyperdrive_config", 1),), True),
    "NotebookRunnerStep": ((("notebook_run_config", 1),), True),
    "ParallelRunStep": ((("parallel_run_config", 1),), True),
    "CommandStep": ((("runconfig", 3),), True),
    "HyperDriveConfig": ((("run_config", None), ("estimator", None)), False),
}
_PIPELINE_MARKERS = {"pipeline", "Pipeline", "PipelineJob", "PipelineComponent"}


class _Unknown(Exception):
    """A value static analysis cannot resolve; the message says why."""


class _NoneValue(_Unknown):
    """A value that is None: ``a or b`` moves on to ``b``."""


class _ParameterValue(_Unknown):
    """A value that is a parameter of the enclosing function: resolvable at its call sites."""

    def __init__(self, name: str) -> None:
        super().__init__(f"{name} is a parameter of the enclosing function")
        self.name = name


@dataclasses.dataclass
class _Binding:
    values: tuple[str, ...] = ()
    items: tuple[str, ...] | None = None
    """The strings of a list or tuple literal, for ``for`` loops over it."""
    refs: tuple[int, ...] = ()
    """Entries declared by the call whose result the name holds (for wrappers)."""
    reason: str | None = None
    parameter: bool = False
    """A parameter of the enclosing function: its value is known only at a call site."""
    expr: ast.expr | None = None
    """An expression over parameters, evaluated again where their values are known."""
    none: bool = False
    mapping: dict[str, tuple[str, ...]] | None = None
    """The string values of a dict literal, by key."""
    namespace: bool = False
    """What ``parse_args()`` returns: its attributes default to ``add_argument``'s defaults."""
    module: tuple[str, str] | None = None
    """A name imported from a module of the repository: (its file, the name there)."""


class _Scope:
    def __init__(self, parent: _Scope | None = None, function: _Function | None = None) -> None:
        self.names: dict[str, _Binding] = {}
        self.parent = parent
        self.function: _Function | None = function if parent is None or function else parent.function

    def lookup(self, name: str) -> _Binding | None:
        scope: _Scope | None = self
        while scope is not None:
            if name in scope.names:
                return scope.names[name]
            scope = scope.parent
        return None

    def snapshot(self) -> _Scope:
        copy = _Scope(self.parent.snapshot() if self.parent else None, self.function)
        copy.names = dict(self.names)
        return copy


@dataclasses.dataclass
class _Function:
    node: ast.FunctionDef | ast.AsyncFunctionDef
    skip_first: bool
    """A method: its first parameter (self) is not passed at a call site."""

    def parameters(self) -> list[tuple[ast.arg, int | None]]:
        """The parameters a call site passes, with their position (None: keyword only)."""
        args = self.node.args
        params = [*args.posonlyargs, *args.args][1 if self.skip_first else 0:]
        return [*((p, i) for i, p in enumerate(params)), *((p, None) for p in args.kwonlyargs)]

    def default(self, name: str) -> ast.expr | None:
        args = self.node.args
        positional = [*args.posonlyargs, *args.args]
        offset = len(positional) - len(args.defaults)
        for index, param in enumerate(positional):
            if param.arg == name and index >= offset:
                return args.defaults[index - offset]
        for param, default in zip(args.kwonlyargs, args.kw_defaults):
            if param.arg == name:
                return default
        return None


@dataclasses.dataclass
class _Entry:
    value: str | None
    line: int
    kind: str
    sdk: Sdk
    cwd: str
    how: str
    step: bool
    absolute_how: str = ""
    dropped: bool = False
    """Replaced by the values found at call sites in other files."""
    caller: str | None = None
    """The file whose call gave the value, when another: the pipeline is built there."""
    script: str | None = None
    """The script the job runs, relative to the root (see ``_Parameter.script``)."""


@dataclasses.dataclass
class _Deferred:
    """A root whose value depends on parameters of the function it sits in."""

    expr: ast.expr
    scope: _Scope
    line: int
    kind: str
    sdk: Sdk
    cwd: str
    keyword: str
    step: bool
    refs: list[int]
    script: str | None = None


class _PythonFile:
    """The scan of one Python module or notebook: its entries and the YAML files it loads."""

    def __init__(
        self, path: str, top: str, tree: ast.Module, notebook: bool, modules: _Modules
    ) -> None:
        self.path = path
        self.top = top
        self.notebook = notebook
        self.modules = modules
        self.imported: dict[str, tuple[str, str]] = {}
        """Names imported from the repository's own modules: alias -> (module file, name)."""
        self.module_aliases: dict[str, str] = {}
        """Modules of the repository imported whole: alias -> module file."""
        self.orphans: list[tuple[_Deferred, _Function, int]] = []
        """Roots that depend on parameters of a function no call in this file passes."""
        self.cwd = os.path.dirname(path)
        self.aml, self.path_names, self.functions_defined = _tree_facts(tree)
        """``aml``: the file imports an Azure ML SDK; only then are its calls considered.
        ``functions_defined``: functions and classes (whose ``__init__`` a call runs) defined."""
        self.entries: list[_Entry] = []
        self.yaml_refs: list[tuple[str, str, int]] = []
        """YAML files loaded: (absolute path, the loader called, line of the call)."""
        self.call_refs: dict[int, tuple[int, ...]] = {}
        self.attributes: dict[str, _Binding] = {}
        self.deferred: list[_Deferred] = []
        self.functions: dict[str, list[_Function]] = {}
        self.call_sites: dict[str, list[tuple[ast.Call, _Scope]]] = {}
        self.classes: list[tuple[str, list[str]]] = []
        """Enclosing classes, innermost last, with their base names; ("", []) marks a function."""
        self.has_pipeline = False
        self.line_map: list[int] | None = None
        self.evaluating: set[str] = set()
        self.script: str | None = None
        """The script of the call whose roots are being recorded."""
        self.argument_defaults: dict[str, str] = {}
        """Command-line options' string defaults, by destination name."""

    # statements -------------------------------------------------------------------------------
    def statements(self, body: Sequence[ast.stmt], scope: _Scope) -> None:
        for stmt in body:
            self.statement(stmt, scope)

    def statement(self, stmt: ast.stmt, scope: _Scope) -> None:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            self.function(stmt, scope)
        elif isinstance(stmt, ast.ClassDef):
            for expr in [*stmt.decorator_list, *stmt.bases]:
                self.calls(expr, scope)
            self.classes.append((stmt.name, [_callee_name(base) or "" for base in stmt.bases]))
            self.statements(stmt.body, _Scope(scope))
            self.classes.pop()
        elif isinstance(stmt, (ast.Assign, ast.AnnAssign)):
            if stmt.value is not None:
                self.calls(stmt.value, scope)
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                for target in targets:
                    self.bind(target, stmt.value, scope)
        elif isinstance(stmt, ast.AugAssign):
            self.calls(stmt.value, scope)
            if isinstance(stmt.target, ast.Name):
                scope.names[stmt.target.id] = _Binding(reason=f"{stmt.target.id} is reassigned")
        elif isinstance(stmt, (ast.For, ast.AsyncFor)):
            self.calls(stmt.iter, scope)
            self.bind_loop(stmt.target, stmt.iter, scope)
            self.statements(stmt.body, scope)
            self.statements(stmt.orelse, scope)
        elif isinstance(stmt, (ast.If, ast.While)):
            self.calls(stmt.test, scope)
            self.statements(stmt.body, scope)
            self.statements(stmt.orelse, scope)
        elif isinstance(stmt, (ast.With, ast.AsyncWith)):
            for item in stmt.items:
                self.calls(item.context_expr, scope)
            self.statements(stmt.body, scope)
        elif isinstance(stmt, (ast.Import, ast.ImportFrom)):
            self.import_names(stmt, scope)
        elif isinstance(stmt, ast.Try):
            self.statements(stmt.body, scope)
            for handler in stmt.handlers:
                self.statements(handler.body, scope)
            self.statements(stmt.orelse, scope)
            self.statements(stmt.finalbody, scope)
        else:
            for child in ast.iter_child_nodes(stmt):
                if isinstance(child, ast.expr):
                    self.calls(child, scope)
                elif isinstance(child, ast.stmt):
                    self.statement(child, scope)
                else:  # the cases of a match, the handlers of a try*
                    self.statements(getattr(child, "body", []), scope)

    def import_names(self, stmt: ast.Import | ast.ImportFrom, scope: _Scope) -> None:
        """Bind what an import of one of the repository's own modules brings: its constants (read
        when first used), and its functions for call-site resolution."""
        if isinstance(stmt, ast.Import):
            for alias in stmt.names:
                file = self.modules.locate(alias.name, 0, self.path)
                if file is not None:
                    self.module_aliases[alias.asname or alias.name] = file
            return
        module = stmt.module or ""
        file = self.modules.locate(module, stmt.level, self.path)
        for alias in stmt.names:
            name = alias.asname or alias.name
            submodule = self.modules.locate(f"{module}.{alias.name}" if module else alias.name,
                                            stmt.level, self.path)
            if submodule is not None:
                self.module_aliases[name] = submodule
            elif file is not None:
                self.imported[name] = (file, alias.name)
                scope.names[name] = _Binding(module=(file, alias.name))

    def function(self, node: ast.FunctionDef | ast.AsyncFunctionDef, scope: _Scope) -> None:
        for decorator in node.decorator_list:
            self.calls(decorator, scope)
            name = _callee_name(decorator)
            if name in _PIPELINE_MARKERS:
                self.has_pipeline = True
            if name == "command_component" and self.aml:
                self.command_component(decorator, scope)
        class_name = self.classes[-1][0] if self.classes else ""
        params = [*node.args.posonlyargs, *node.args.args]
        method = bool(class_name) and bool(params) and params[0].arg in ("self", "cls")
        function = _Function(node, method)
        registered = class_name if class_name and node.name == "__init__" else node.name
        self.functions.setdefault(registered, []).append(function)
        inner = _Scope(scope, function)
        for extra in (node.args.vararg, node.args.kwarg):
            if extra is not None:
                inner.names[extra.arg] = _Binding(reason=f"{extra.arg} collects call arguments")
        for param in [*params, *node.args.kwonlyargs]:
            inner.names[param.arg] = _Binding(parameter=True)
        self.classes.append(("", []))
        self.statements(node.body, inner)
        self.classes.pop()

    # bindings ---------------------------------------------------------------------------------
    def bind(self, target: ast.expr, value: ast.expr, scope: _Scope) -> None:
        if isinstance(target, (ast.Tuple, ast.List)):
            values = value.elts if isinstance(value, (ast.Tuple, ast.List)) else None
            for index, element in enumerate(target.elts):
                if values is not None and len(values) == len(target.elts):
                    self.bind(element, values[index], scope)
                elif isinstance(element, ast.Name):
                    scope.names[element.id] = _Binding(reason=f"{element.id} is unpacked")
            return
        binding = self.binding_of(value, scope)
        if isinstance(target, ast.Name):
            scope.names[target.id] = binding
        elif isinstance(target, ast.Attribute):
            dotted = _dotted(target)
            if dotted is not None:
                self.attributes[dotted] = binding

    def binding_of(self, value: ast.expr, scope: _Scope) -> _Binding:
        refs = self.call_refs.get(id(value), ())
        if refs:
            return _Binding(refs=refs)
        if isinstance(value, ast.Call) and (_callee_name(value.func) or "").endswith("_args"):
            return _Binding(reason="command-line arguments", namespace=True)
        if isinstance(value, ast.Name):
            known = scope.lookup(value.id)
            if known is not None and (known.refs or known.items is not None):
                return known
        if isinstance(value, ast.Dict):
            mapping: dict[str, tuple[str, ...]] = {}
            for key, item in zip(value.keys, value.values):
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    try:
                        mapping[key.value] = self.evaluate(item, scope)
                    except _Unknown:
                        continue
            return _Binding(mapping=mapping, reason="a dict")
        if isinstance(value, (ast.List, ast.Tuple)):
            items: list[str] = []
            for element in value.elts:
                try:
                    items.extend(self.evaluate(element, scope))
                except _Unknown:
                    return _Binding(reason="a list with values that are not constants")
            return _Binding(items=tuple(items))
        try:
            return _Binding(values=self.evaluate(value, scope))
        except _ParameterValue:
            return _Binding(expr=value)
        except _NoneValue:
            return _Binding(none=True)
        except _Unknown as error:
            return _Binding(reason=str(error))

    def bind_loop(self, target: ast.expr, iterable: ast.expr, scope: _Scope) -> None:
        items: tuple[str, ...] | None = None
        if isinstance(iterable, (ast.List, ast.Tuple, ast.Set)):
            items = self.binding_of(ast.List(elts=list(iterable.elts), ctx=ast.Load()), scope).items
        elif isinstance(iterable, ast.Name):
            known = scope.lookup(iterable.id)
            items = known.items if known is not None else None
        if isinstance(target, ast.Name):
            if items:
                scope.names[target.id] = _Binding(values=items[:_MAX_ALTERNATIVES])
            else:
                scope.names[target.id] = _Binding(reason=f"{target.id} is a loop variable")
        else:
            for name in ast.walk(target):
                if isinstance(name, ast.Name):
                    scope.names[name.id] = _Binding(reason=f"{name.id} is a loop variable")

    # values -----------------------------------------------------------------------------------
    def evaluate(self, expr: ast.expr, scope: _Scope) -> tuple[str, ...]:
        """Every string ``expr`` may hold, or _Unknown."""
        if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
            return (expr.value,)
        if isinstance(expr, ast.Name):
            return self.name(expr.id, scope)
        if isinstance(expr, ast.JoinedStr):
            parts: list[tuple[str, ...]] = []
            for part in expr.values:
                if isinstance(part, ast.FormattedValue):
                    if part.format_spec is not None:
                        raise _Unknown(f"{ast.unparse(expr)} formats a value")
                    parts.append(self.evaluate(part.value, scope))
                else:
                    parts.append(self.evaluate(part, scope))
            return _product(parts, "".join)
        if isinstance(expr, ast.BinOp):
            left, right = self.evaluate(expr.left, scope), self.evaluate(expr.right, scope)
            if isinstance(expr.op, ast.Add):
                return _product([left, right], "".join)
            if isinstance(expr.op, ast.Div):
                return _product([left, right], lambda pair: os.path.join(*pair))
            raise _Unknown(f"{ast.unparse(expr)} is not a path expression")
        if isinstance(expr, ast.Constant) and expr.value is None:
            raise _NoneValue("None")
        if isinstance(expr, ast.BoolOp) and isinstance(expr.op, ast.Or):
            return self.first_set(expr.values, scope)
        if isinstance(expr, ast.IfExp):
            return _unique(self.evaluate(expr.body, scope) + self.evaluate(expr.orelse, scope))
        if isinstance(expr, ast.Attribute):
            return self.attribute(expr, scope)
        if isinstance(expr, ast.Subscript) and isinstance(expr.value, ast.Name):
            return self.lookup_key(expr.value.id, expr.slice, scope)
        if isinstance(expr, ast.Subscript) and _is_parents(expr.value):
            assert isinstance(expr.value, ast.Attribute)
            index = expr.slice
            if isinstance(index, ast.Constant) and isinstance(index.value, int):
                levels = index.value + 1
                return tuple(_dirname(v, levels) for v in self.evaluate(expr.value.value, scope))
        if isinstance(expr, ast.Call):
            return self.call_value(expr, scope)
        raise _Unknown(f"{_short(expr)} is not a constant")

    def lookup_key(self, name: str, key: ast.expr, scope: _Scope) -> tuple[str, ...]:
        """``name[key]`` for a dict literal bound to ``name`` and a constant key."""
        binding = scope.lookup(name)
        if binding is None or binding.mapping is None:
            raise _Unknown(f"{name}[...] is not a constant")
        text = key.value if isinstance(key, ast.Constant) else None
        if not isinstance(text, str) or text not in binding.mapping:
            raise _Unknown(f"{name}[{_short(key)}] is not a constant")
        return binding.mapping[text]

    def first_set(self, operands: list[ast.expr], scope: _Scope) -> tuple[str, ...]:
        """``a or b``: the first operand that is not None (nor an empty string)."""
        for operand in operands:
            try:
                values = self.evaluate(operand, scope)
            except _NoneValue:
                continue
            if all(values):
                return values
            if any(values):
                raise _Unknown(f"{_short(operand)} may be empty")
        raise _Unknown("every operand of 'or' is None")

    def name(self, name: str, scope: _Scope) -> tuple[str, ...]:
        if name == "__file__":
            if self.notebook:
                raise _Unknown("__file__ is not defined in a notebook")
            return (self.path,)
        binding = scope.lookup(name)
        if binding is None:
            raise _Unknown(f"{name} is not bound to a constant in this file")
        if binding.parameter:
            raise _ParameterValue(name)
        if binding.expr is not None:
            if name in self.evaluating:
                raise _Unknown(f"{name} is defined in terms of itself")
            self.evaluating.add(name)
            try:
                return self.evaluate(binding.expr, scope)
            finally:
                self.evaluating.discard(name)
        if binding.values:
            return binding.values
        if binding.module is not None:
            return self.imported_constant(*binding.module, name)
        if binding.none:
            raise _NoneValue(name)
        raise _Unknown(binding.reason or f"{name} does not hold a path")

    def attribute(self, expr: ast.Attribute, scope: _Scope) -> tuple[str, ...]:
        if expr.attr == "parent":
            return tuple(_dirname(v, 1) for v in self.evaluate(expr.value, scope))
        if expr.attr == "curdir" and _dotted(expr.value) in ("os", "os.path"):
            return (".",)
        dotted = _dotted(expr)
        if dotted is not None and dotted in self.attributes:
            binding = self.attributes[dotted]
            if binding.values:
                return binding.values
        if isinstance(expr.value, ast.Name) and expr.value.id in self.module_aliases and (
            scope.lookup(expr.value.id) is None
        ):
            return self.imported_constant(self.module_aliases[expr.value.id], expr.attr, dotted or "")
        if isinstance(expr.value, ast.Name) and expr.attr in self.argument_defaults:
            namespace = scope.lookup(expr.value.id)
            if namespace is not None and namespace.namespace:
                return (self.argument_defaults[expr.attr],)
        raise _Unknown(f"{_short(expr)} is not a constant")

    def imported_constant(self, file: str, name: str, shown: str) -> tuple[str, ...]:
        values = self.modules.constants_of(file).get(name)
        if not values:
            raise _Unknown(f"{shown} is not a constant in {_relative(file, self.top)}")
        return values

    def call_value(self, call: ast.Call, scope: _Scope) -> tuple[str, ...]:
        func = call.func
        name = _callee_name(func)
        dotted = _dotted(func) or ""
        args = [a for a in call.args if not isinstance(a, ast.Starred)]
        if len(args) != len(call.args):
            raise _Unknown(f"{_short(call)} unpacks its arguments")
        if dotted in ("os.getcwd", "Path.cwd", "pathlib.Path.cwd") or (
            dotted == "getcwd" and "getcwd" in self.path_names
        ):
            return (".",)
        if dotted in ("Path", "PurePath", "PosixPath", "PurePosixPath", "WindowsPath",
                      "pathlib.Path", "pathlib.PurePath"):
            if not args:
                return (".",)
            return _product([self.evaluate(a, scope) for a in args], lambda p: os.path.join(*p))
        if dotted.endswith("path.join") or (dotted == "join" and "join" in self.path_names):
            return _product([self.evaluate(a, scope) for a in args], lambda p: os.path.join(*p))
        path_functions = {"dirname": lambda v: _dirname(v, 1), "abspath": _normalize,
                          "realpath": _normalize, "normpath": _normalize}
        imported = dotted in self.path_names or dotted.endswith(f"path.{name}")
        if name in path_functions and imported and len(args) == 1:
            return tuple(path_functions[name](v) for v in self.evaluate(args[0], scope))
        if name in ("str", "fspath") and len(args) == 1:
            return self.evaluate(args[0], scope)
        if name == "Code":
            value = _argument(call, "path", 0)
            if value is not None:
                return self.evaluate(value, scope)
        if isinstance(func, ast.Attribute):
            return self.method_value(call, func, args, scope)
        raise _Unknown(f"{_short(call)} is not a constant")

    def method_value(
        self, call: ast.Call, func: ast.Attribute, args: list[ast.expr], scope: _Scope
    ) -> tuple[str, ...]:
        if func.attr in ("resolve", "absolute", "as_posix", "expanduser") and not args:
            return self.evaluate(func.value, scope)
        if func.attr == "get" and isinstance(func.value, ast.Name) and args:
            try:
                return self.lookup_key(func.value.id, args[0], scope)
            except _Unknown:
                if len(args) < 2:
                    raise
                return self.evaluate(args[1], scope)
        if func.attr == "joinpath":
            base = self.evaluate(func.value, scope)
            rest = [self.evaluate(a, scope) for a in args]
            return _product([base, *rest], lambda p: os.path.join(*p))
        if func.attr == "format" and isinstance(func.value, ast.Constant):
            template = func.value.value
            if isinstance(template, str):
                positional = [self.format_argument(a, scope) for a in args]
                keywords = {k.arg: self.format_argument(k.value, scope)
                            for k in call.keywords if k.arg}
                if len(keywords) != len(call.keywords):
                    raise _Unknown(f"{_short(call)} unpacks its arguments")
                names = list(keywords)
                combos = _product([*positional, *keywords.values()], tuple)
                try:
                    return _unique(tuple(
                        template.format(*combo[: len(positional)],
                                        **dict(zip(names, combo[len(positional):])))
                        for combo in combos
                    ))
                except (IndexError, KeyError, ValueError):
                    raise _Unknown(f"{_short(call)} does not format") from None
        raise _Unknown(f"{_short(call)} is not a constant")

    def format_argument(self, expr: ast.expr, scope: _Scope) -> tuple[str, ...]:
        if isinstance(expr, ast.Constant) and isinstance(expr.value, (int, float)):
            return (str(expr.value),)
        return self.evaluate(expr, scope)

    # calls ------------------------------------------------------------------------------------
    def calls(self, node: ast.AST, scope: _Scope) -> None:
        """Every call in ``node``, inner calls first; comprehension variables bound to what they
        iterate over."""
        if isinstance(node, ast.Lambda):
            return
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            inner = _Scope(scope)
            for generator in node.generators:
                self.calls(generator.iter, inner)
                self.bind_loop(generator.target, generator.iter, inner)
            parts = [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]
            for part in parts:
                self.calls(part, inner)
            return
        for child in ast.iter_child_nodes(node):
            self.calls(child, scope)
        if isinstance(node, ast.Call):
            self.call(node, scope)

    def call(self, call: ast.Call, scope: _Scope) -> None:
        name = _callee_name(call.func)
        if name is None:
            return
        site = self.site_key(call.func, name)
        if site is not None:
            self.call_sites.setdefault(site, []).append((call, scope.snapshot()))
        if name in _PIPELINE_MARKERS:
            self.has_pipeline = True
        if name == "add_argument":
            self.argument_default(call, scope)
        if name == CHANGE_DIRECTORY and call.args:
            self.change_directory(call.args[0], scope)
            return
        if isinstance(call.func, ast.Attribute) and _dotted(call.func) == "os.chdir" and call.args:
            self.change_directory(call.args[0], scope)
            return
        if not self.aml:
            return
        if name == "__init__" and _is_super_call(call.func):
            base = next((b for b in self.enclosing_bases() if b in _V1_CALLS), None)
            if base is None:
                return
            name = base
        elif name == "__init__":
            return
        if name in _V1_CALLS:
            self.root_call(call, name, _V1_CALLS[name], "v1", scope)
        elif name in _V1_METHODS and isinstance(call.func, ast.Attribute):
            self.root_call(call, name, _V1_METHODS[name], "v1", scope)
        elif name in _V2_CALLS:
            self.root_call(call, name, _V2_CALLS[name], "v2", scope)
        elif name in _V2_LOADERS:
            self.loader(call, name, scope)
        if name in _WRAPPERS:
            self.wrapper(call, name, scope)

    def argument_default(self, call: ast.Call, scope: _Scope) -> None:
        """Remember ``add_argument("--source-dir", default="src")`` as ``source_dir``'s default."""
        default = _argument(call, "default", None)
        dest = _argument(call, "dest", None)
        options = [a.value for a in call.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
        if isinstance(dest, ast.Constant) and isinstance(dest.value, str):
            name = dest.value
        else:
            long = [o for o in options if o.startswith("--")]
            name = (long or options or [""])[0].lstrip("-").replace("-", "_")
        if not name or default is None:
            return
        try:
            values = self.evaluate(default, scope)
        except _Unknown:
            return
        if len(values) == 1:
            self.argument_defaults[name] = values[0]

    def site_key(self, func: ast.expr, name: str) -> str | None:
        """The key a call to a function of the repository is recorded under, None for others."""
        if name in self.functions_defined or (isinstance(func, ast.Name) and name in self.imported):
            return name
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and (
            func.value.id in self.module_aliases
        ):
            return f"{func.value.id}.{name}"
        return None

    def enclosing_bases(self) -> list[str]:
        return [base for _, bases in self.classes for base in bases]

    def change_directory(self, expr: ast.expr, scope: _Scope) -> None:
        try:
            values = self.evaluate(expr, scope)
        except _Unknown:
            return
        target = self.expand(values[0], scope) if len(values) == 1 else None
        if target is not None:
            self.cwd = os.path.normpath(os.path.join(self.cwd, os.path.expanduser(target)))

    def expand(self, text: str, scope: _Scope) -> str | None:
        """IPython's ``$name`` and ``{name}`` in a magic's argument, or None if not constant."""
        def value(match: re.Match[str]) -> str:
            binding = scope.lookup(match.group(1) or match.group(2))
            if binding is None or len(binding.values) != 1:
                raise _Unknown(match.group(0))
            return binding.values[0]

        try:
            return re.sub(r"\$(\w+)|\{(\w+)\}", value, text.strip("'\""))
        except _Unknown:
            return None

    def root_call(
        self, call: ast.Call, name: str, param: _Parameter, sdk: Sdk, scope: _Scope
    ) -> None:
        value = _argument(call, param.keyword, param.position)
        line = call.lineno
        refs: list[int] = []
        if value is not None and _is_none(value) and not param.none_is_default:
            return
        self.script = self.script_hint(call, param, scope)
        if value is None or _is_none(value):
            missing = value is None
            if missing and any(k.arg is None for k in call.keywords):
                refs.append(self.add(None, line, name, sdk, f"{param.keyword}= may come from **kwargs",
                                     param.step))
            elif param.default is not None:
                how = (f"no {param.keyword}=" if missing else f"{param.keyword}=None") + (
                    f": uploads the working directory ({param.default!r})"
                )
                refs.append(self.add(param.default, line, name, sdk, how, param.step))
        else:
            refs.extend(self.value_entries(value, scope, line, name, sdk, param.keyword, param.step))
        self.call_refs[id(call)] = tuple(refs)
        self.script = None

    def script_hint(self, call: ast.Call, param: _Parameter, scope: _Scope) -> str | None:
        """The script the call runs, relative to its root, when it is a constant."""
        if param.script is None:
            return None
        argument = _argument(call, *param.script)
        try:
            values = self.evaluate(argument, scope) if argument is not None else ()
        except _Unknown:
            return None
        if len(values) != 1:
            return None
        if param.script[0] != "command":
            return values[0]
        command = _COMMAND_SCRIPT.search(values[0])
        if command is None:
            return None
        return command.group(1) or command.group(2).replace(".", "/") + ".py"

    def value_entries(
        self, value: ast.expr, scope: _Scope, line: int, kind: str, sdk: Sdk, keyword: str,
        step: bool,
    ) -> list[int]:
        try:
            values = self.evaluate(value, scope)
        except _ParameterValue:
            refs: list[int] = []
            self.deferred.append(_Deferred(value, scope.snapshot(), line, kind, sdk, self.cwd,
                                           keyword, step, refs, self.script))
            return refs
        except _Unknown as error:
            return [self.add(None, line, kind, sdk, f"{keyword}=: {error}", step)]
        source = _short(value)
        computed = not isinstance(value, ast.Constant)
        return [
            self.add(v, line, kind, sdk, f"{keyword}={source}", step, computed and os.path.isabs(v))
            for v in values
        ]

    def add(
        self, value: str | None, line: int, kind: str, sdk: Sdk, how: str, step: bool,
        anchored: bool = False, cwd: str | None = None, script: str | None = None,
    ) -> int:
        """Record a root; ``anchored``: an absolute path the file computes from its own location."""
        self.entries.append(_Entry(value, line, kind, sdk, cwd or self.cwd, how, step,
                                   "anchored at the file's own location" if anchored else "",
                                   script=script or self.script))
        return len(self.entries) - 1

    def command_component(self, decorator: ast.expr, scope: _Scope) -> None:
        line = decorator.lineno
        value = _argument(decorator, "code", None) if isinstance(decorator, ast.Call) else None
        if value is None:
            self.add(os.path.dirname(self.path), line, "command_component", "v2",
                     "no code=: mldesigner uploads the component file's folder", False, True)
        else:
            self.value_entries(value, scope, line, "command_component", "v2", "code", False)

    def loader(self, call: ast.Call, name: str, scope: _Scope) -> None:
        keywords = _V2_LOADERS[name]
        value = _argument(call, keywords[0], 0) or _argument(call, keywords[1], None)
        if value is None:
            return
        try:
            values = self.evaluate(value, scope)
        except _Unknown:
            return
        for text in values:
            if text.endswith((".yml", ".yaml")):
                self.yaml_refs.append((self.locate(text, self.cwd)[0], name, call.lineno))

    def wrapper(self, call: ast.Call, name: str, scope: _Scope) -> None:
        wrapped, step = _WRAPPERS[name]
        refs: list[int] = list(self.call_refs.get(id(call), ()))
        for keyword, position in wrapped:
            value = _argument(call, keyword, position)
            if value is None:
                continue
            inner = self.call_refs.get(id(value), ())
            if not inner and isinstance(value, ast.Name):
                binding = scope.lookup(value.id)
                inner = binding.refs if binding is not None else ()
            refs.extend(inner)
        if step:
            for ref in refs:
                self.entries[ref].step = True
            for deferred in self.deferred:
                if set(deferred.refs) & set(refs):
                    deferred.step = True
        self.call_refs[id(call)] = tuple(refs)

    # call-site resolution ---------------------------------------------------------------------
    def resolve_deferred(self) -> None:
        for deferred in self.deferred:
            function = deferred.scope.function
            for values, via in self.through_calls(deferred.expr, deferred.scope, function, 0):
                if isinstance(values, str):
                    index = self.entry_at(deferred, None, f"{deferred.keyword}=: {values}")
                    if function is not None and values.endswith(_NO_CALL):
                        self.orphans.append((deferred, function, index))
                    continue
                for value in values:
                    how = f"{deferred.keyword}={_short(deferred.expr)}{via}"
                    self.entry_at(deferred, value, how)

    def entry_at(self, deferred: _Deferred, value: str | None, how: str, cwd: str | None = None) -> int:
        anchored = value is not None and os.path.isabs(value)
        index = self.add(value, deferred.line, deferred.kind, deferred.sdk, how, deferred.step,
                         anchored, cwd or deferred.cwd, deferred.script)
        deferred.refs.append(index)
        return index

    def through_calls(
        self, expr: ast.expr, scope: _Scope, function: _Function | None, depth: int
    ) -> list[tuple[tuple[str, ...] | str, str]]:
        """The values ``expr`` takes at each call of ``function`` (with where), or why not."""
        try:
            return [(self.evaluate(expr, scope), "")]
        except _ParameterValue as error:
            if function is None or depth >= _MAX_CALL_DEPTH:
                return [(str(error), "")]
            sites = [
                site for name, group in self.functions.items() for f in group if f is function
                for site in self.call_sites.get(name, [])
            ]
            if not sites:
                return [(f"{error.name} is a parameter of {function.node.name}(){_NO_CALL}", "")]
            results: list[tuple[tuple[str, ...] | str, str]] = []
            for call, site_scope in sites:
                bound = self.bind_call(function, call, site_scope, self, scope, depth)
                via = f" via the call at line {self.display_line(call.lineno)}"
                for value, inner in self.through_calls(expr, bound, None, depth + 1):
                    results.append((value, via + inner))
            return results
        except _Unknown as error:
            return [(str(error), "")]

    def bind_call(
        self, function: _Function, call: ast.Call, site_scope: _Scope, site: _PythonFile,
        scope: _Scope, depth: int,
    ) -> _Scope:
        """``scope`` with ``function``'s parameters bound to what ``call`` (in ``site``) passes."""
        bound = _Scope(scope)
        for param, index in function.parameters():
            argument = _argument(call, param.arg, index)
            evaluator, where = (site, site_scope) if argument is not None else (self, scope)
            argument = argument if argument is not None else function.default(param.arg)
            if argument is None:
                bound.names[param.arg] = _Binding(reason=f"{param.arg} is not passed")
                continue
            if _is_none(argument):
                bound.names[param.arg] = _Binding(none=True)
                continue
            found = evaluator.through_calls(argument, where, where.function, depth + 1)
            values = tuple(v for r, _ in found if not isinstance(r, str) for v in r)
            bound.names[param.arg] = (
                _Binding(values=_unique(values)) if values
                else _Binding(reason=str(found[0][0]) if found else "unknown")
            )
        return bound

    def link_calls(self, others: Sequence[_PythonFile]) -> None:
        """Resolve orphaned roots with the calls other files make to their function."""
        for deferred, function, index in self.orphans:
            names = [name for name, group in self.functions.items() if any(f is function for f in group)]
            found = False
            for other in others:
                if other is self:
                    continue
                for call, site_scope in other.sites_calling(self.path, names):
                    bound = self.bind_call(function, call, site_scope, other, deferred.scope, 1)
                    where = f"{_relative(other.path, self.top)}:{other.display_line(call.lineno)}"
                    for values, _ in self.through_calls(deferred.expr, bound, None, 2):
                        if isinstance(values, str):
                            continue
                        for value in values:
                            how = f"{deferred.keyword}={_short(deferred.expr)} via the call at {where}"
                            added = self.entry_at(deferred, value, how, other.cwd)
                            self.entries[added].caller = other.path
                            found = True
            self.entries[index].dropped = found

    def sites_calling(self, path: str, names: list[str]) -> list[tuple[ast.Call, _Scope]]:
        """Calls in this file of the functions ``names`` of the module at ``path``."""
        keys = [alias for alias, (file, name) in self.imported.items()
                if file == path and name in names]
        keys += [f"{alias}.{name}" for alias, file in self.module_aliases.items() if file == path
                 for name in names]
        return [site for key in keys for site in self.call_sites.get(key, [])]

    def display_line(self, line: int) -> int:
        if self.line_map is None or not 0 < line <= len(self.line_map):
            return line
        return self.line_map[line - 1]

    # locating ---------------------------------------------------------------------------------
    def locate(self, value: str, cwd: str, script: str | None = None) -> tuple[str, str]:
        """The absolute path ``value`` names and how: relative to ``cwd`` (the script's folder) or,
        when the job's ``script`` is only there or more of the path exists there, to the repository
        top."""
        value = os.path.expanduser(value)
        if os.path.isabs(value):
            return os.path.normpath(value), "an absolute path"
        if "\\" in value and not os.path.exists(os.path.join(cwd, value)):
            value = value.replace("\\", "/")
        if cwd == os.path.dirname(self.path):
            base = "the notebook's folder" if self.notebook else "the script's folder"
        else:
            base = "the notebook's working directory" if self.notebook else "the running script's folder"
        beside = os.path.normpath(os.path.join(cwd, value))
        at_top = os.path.normpath(os.path.join(self.top, value))
        if script and not os.path.isabs(script) and beside != at_top:
            script_beside = os.path.isfile(os.path.join(beside, script))
            if not script_beside and os.path.isfile(os.path.join(at_top, script)):
                return at_top, f"relative to the repository top, where {script} is"
        if os.path.exists(beside):
            return beside, f"relative to {base}"
        if os.path.exists(at_top):
            return at_top, f"relative to the repository top (not found in {base})"
        if _existing_depth(at_top, self.top) > _existing_depth(beside, cwd):
            return at_top, "relative to the repository top (does not exist yet; its parent does)"
        return beside, f"relative to {base} (does not exist)"


def _existing_depth(path: str, base: str) -> int:
    """How many components of ``path`` below ``base`` exist."""
    relative = os.path.relpath(path, base)
    if relative == "." or relative.startswith(".."):
        return 0
    parts = relative.split(os.sep)
    depth = 0
    while depth < len(parts) and os.path.exists(os.path.join(base, *parts[: depth + 1])):
        depth += 1
    return depth


class _Modules:
    """The repository's own modules, found from import statements, and their constants."""

    def __init__(self, top: str) -> None:
        self.top = top
        self.cache: dict[str, dict[str, tuple[str, ...]] | None] = {}
        self.located: dict[tuple[str, int, str], str | None] = {}
        self.trees: dict[str, ast.Module | None] = {}

    def parse(self, path: str, text: str | None = None) -> ast.Module | None:
        """The syntax tree of the module at ``path`` (parsed once), None when it does not parse."""
        if path not in self.trees:
            source = text if text is not None else _read(path)
            try:
                self.trees[path] = ast.parse(source or "")
            except (SyntaxError, ValueError, RecursionError):
                self.trees[path] = None
        return self.trees[path]

    def locate(self, module: str, level: int, importer: str) -> str | None:
        """The file of ``module`` imported from ``importer``: relative to it for a relative import,
        else below the importer's folder, one of its parents up to the top, or the top."""
        if not module and not level:
            return None
        key = (module, level, os.path.dirname(importer))
        if key not in self.located:
            self.located[key] = self._locate(module, level, importer)
        return self.located[key]

    def _locate(self, module: str, level: int, importer: str) -> str | None:
        parts = module.split(".") if module else []
        if level:
            base = os.path.dirname(importer)
            for _ in range(level - 1):
                base = os.path.dirname(base)
            bases = [base]
        else:
            bases = []
            folder = os.path.dirname(importer)
            while folder.startswith(self.top):
                bases.append(folder)
                if folder == self.top:
                    break
                folder = os.path.dirname(folder)
        for base in bases:
            stem = os.path.join(base, *parts)
            for candidate in (stem + ".py", os.path.join(stem, "__init__.py")):
                if os.path.isfile(candidate):
                    return candidate
        return None

    def constants_of(self, path: str) -> dict[str, tuple[str, ...]]:
        """The module-level names of ``path`` that hold path strings."""
        if path in self.cache:
            return self.cache[path] or {}
        self.cache[path] = None
        scope = _Scope()
        parsed = self.parse(path)
        if parsed is None:
            return {}
        module_level = [stmt for stmt in parsed.body if not isinstance(
            stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]
        scan = _PythonFile(path, self.top, ast.Module(body=module_level, type_ignores=[]),
                           notebook=False, modules=self)
        scan.aml = False
        try:
            scan.statements(module_level, scope)
        except RecursionError:
            return {}
        constants = {}
        for name, binding in scope.names.items():
            try:
                values = scan.name(name, scope)
            except _Unknown:
                continue
            if binding.values or binding.module:
                constants[name] = values
        self.cache[path] = constants
        return constants


# helpers --------------------------------------------------------------------------------------
def _product(parts: Sequence[tuple[str, ...]], join: object) -> tuple[str, ...]:
    combos = list(itertools.islice(itertools.product(*parts), _MAX_ALTERNATIVES))
    return _unique(tuple(join(combo) for combo in combos))  # type: ignore[operator]


def _unique(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))[:_MAX_ALTERNATIVES]


def _dirname(path: str, levels: int) -> str:
    """``levels`` parents up, the way ``Path.parent`` and ``os.path.dirname`` go (``.`` for none)."""
    for _ in range(levels):
        path = os.path.dirname(os.path.normpath(path)) or "."
    return path


def _normalize(path: str) -> str:
    return os.path.normpath(path)


def _is_parents(expr: ast.expr) -> bool:
    return isinstance(expr, ast.Attribute) and expr.attr == "parents"


def _short(expr: ast.AST) -> str:
    text = ast.unparse(expr)
    return text if len(text) <= 60 else text[:57] + "..."


def _dotted(expr: ast.expr) -> str | None:
    if isinstance(expr, ast.Name):
        return expr.id
    if isinstance(expr, ast.Attribute):
        base = _dotted(expr.value)
        return None if base is None else f"{base}.{expr.attr}"
    return None


def _callee_name(expr: ast.expr) -> str | None:
    func = expr.func if isinstance(expr, ast.Call) else expr
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _is_super_call(func: ast.expr) -> bool:
    return (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Call)
            and _callee_name(func.value) == "super")


def _is_none(expr: ast.expr) -> bool:
    return isinstance(expr, ast.Constant) and expr.value is None


def _argument(call: ast.expr, keyword: str, position: int | None) -> ast.expr | None:
    if not isinstance(call, ast.Call):
        return None
    for item in call.keywords:
        if item.arg == keyword:
            return item.value
    if position is not None and position < len(call.args):
        argument = call.args[position]
        if not any(isinstance(a, ast.Starred) for a in call.args[: position + 1]):
            return argument
    return None


def _tree_facts(tree: ast.Module) -> tuple[bool, frozenset[str], frozenset[str]]:
    """In one walk: whether ``tree`` imports an Azure ML SDK, the names it imports from
    ``os``/``os.path``, and the functions and classes it defines."""
    aml = False
    names: set[str] = set()
    defined: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if node.name != "__init__":
                defined.add(node.name)
        elif isinstance(node, ast.Import):
            aml = aml or any(alias.name.startswith(_AML_IMPORTS) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            aml = aml or node.module.startswith(_AML_IMPORTS)
            if node.module in ("os", "os.path", "posixpath", "ntpath"):
                names.update(alias.asname or alias.name for alias in node.names)
            if node.module == "azure.ai" and any(a.name == "ml" for a in node.names):
                aml = True
    return aml, frozenset(names), frozenset(defined)


# YAML -----------------------------------------------------------------------------------------
_JOB_TYPES = ("command", "pipeline", "sweep", "parallel", "spark")
_JOB_KEYS = ("command", "jobs", "code", "trial", "task", "component")
_SCHEMA_MARKERS = ("azureml", "componentsdk")
"""In the ``$schema`` of Azure ML job and component YAML (``componentsdk``: the old component SDK)."""


@dataclasses.dataclass(frozen=True)
class _YamlRoot:
    path: str | None
    """Absolute path, None when unresolved."""
    line: int
    kind: str
    step: bool
    how: str


def _compose(text: str) -> list[yaml.Node]:
    try:
        return [node for node in yaml.compose_all(text, Loader=yaml.SafeLoader) if node is not None]
    except (yaml.YAMLError, RecursionError):
        return []


def _items(node: yaml.Node) -> list[tuple[str, yaml.Node, yaml.Node]]:
    if not isinstance(node, yaml.MappingNode):
        return []
    return [(key.value, key, value) for key, value in node.value
            if isinstance(key, yaml.ScalarNode)]


def _scalar(node: yaml.Node) -> str | None:
    if isinstance(node, yaml.ScalarNode) and not node.tag.endswith(":null"):
        return str(node.value)
    return None


def _is_azure_ml(node: yaml.Node) -> bool:
    items = {key: value for key, _, value in _items(node)}
    schema = _scalar(items["$schema"]) if "$schema" in items else None
    if schema is not None:
        return any(marker in schema.lower() for marker in _SCHEMA_MARKERS)
    if "type" not in items:
        # a command job needs no type: command, code and environment together are Azure ML's
        return all(key in items for key in ("command", "code", "environment"))
    return _scalar(items["type"]) in _JOB_TYPES and any(key in items for key in _JOB_KEYS)


def _local_path(value: str) -> str | None:
    """The local path a ``code:`` value names; None for a registered asset or a remote URL."""
    value = value.strip()
    if value.startswith(("azureml:", "git+")) or "://" in value:
        return None
    return value[len("file:"):] if value.startswith("file:") else value


class _YamlScan:
    def __init__(self, folder: str, line_offset: int = 0) -> None:
        self.folder = folder
        self.line_offset = line_offset
        self.roots: list[_YamlRoot] = []
        self.refs: list[tuple[str, bool]] = []

    def job(self, node: yaml.Node, prefix: str, step: bool) -> None:
        for key, key_node, value in _items(node):
            line = key_node.start_mark.line + 1 + self.line_offset
            if key == "code":
                self.code(value, line, f"{prefix}code", step)
            elif key == "additional_includes" and isinstance(value, yaml.SequenceNode):
                for item in value.value:
                    self.code(item, item.start_mark.line + 1 + self.line_offset,
                              f"{prefix}additional_includes", step)
            elif key in ("trial", "task", "component"):
                if isinstance(value, yaml.MappingNode):
                    self.job(value, f"{prefix}{key}.", step)
                else:
                    self.reference(value, step)
            elif key == "jobs":
                for name, _, child in _items(value):
                    self.job(child, f"{prefix}jobs.{name}.", True)

    def code(self, node: yaml.Node, line: int, kind: str, step: bool) -> None:
        text = _scalar(node)
        if text is None:
            return
        if "${{" in text:
            self.roots.append(_YamlRoot(None, line, kind, step, f"{kind}: {text} is an expression"))
            return
        local = _local_path(text)
        if local is not None:
            path = os.path.normpath(os.path.join(self.folder, local))
            how = f"{kind}: {text} relative to the YAML file's folder"
            self.roots.append(_YamlRoot(path, line, kind, step, how))

    def reference(self, node: yaml.Node, step: bool) -> None:
        text = _scalar(node)
        local = _local_path(text) if text is not None else None
        if local is not None and local.endswith((".yml", ".yaml")):
            self.refs.append((os.path.normpath(os.path.join(self.folder, local)), step))


# the repository walk --------------------------------------------------------------------------
def _walk(top: str) -> Iterator[str]:
    """The files that can declare a root: Python and notebooks that mention an Azure ML package, and
    YAML files that mention ``code``. In a repository, ``git grep`` finds them among the files git
    tracks or would track (reading every file from Python is what a large repository cannot afford)."""
    found = _grep(top)
    if found is not None:
        yield from found
        return
    for folder, dirs, files in os.walk(top):
        dirs[:] = sorted(
            name for name in dirs
            if name not in SKIPPED_DIRS
            and not os.path.exists(os.path.join(folder, name, "pyvenv.cfg"))
            and not os.path.isdir(os.path.join(folder, name, "conda-meta"))
        )
        for name in sorted(files):
            if name.endswith((".py", ".ipynb", ".yml", ".yaml")):
                yield os.path.join(folder, name)


def _grep(top: str) -> list[str] | None:
    """``git grep`` for the candidate files below ``top``; None outside a repository."""
    repo = find_repo(top)
    if repo is None:
        return None
    found: set[str] = set()
    searches = []
    for words, globs in ((_AML_MARKERS, ("*.py", "*.ipynb")), (("code", "additional_includes"),
                                                              ("*.yml", "*.yaml"))):
        patterns = [argument for word in words for argument in ("-e", word)]
        try:  # both at once: each reads its own files
            searches.append(subprocess.Popen(
                ["git", "grep", "-l", "-z", "-I", "-F", "--untracked", *patterns, "--", *globs],
                cwd=top, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            ))
        except OSError:
            return None
    outputs = [search.communicate()[0] for search in searches]
    if any(search.returncode not in (0, 1) for search in searches):
        return None
    for output in outputs:
        found.update(os.path.join(top, os.fsdecode(name)) for name in output.split(b"\0") if name)
    return sorted(path for path in found
                  if not SKIPPED_DIRS.intersection(_relative(path, top).split("/")[:-1]))


def _read(path: str) -> str | None:
    try:
        limit = _MAX_NOTEBOOK_BYTES if path.endswith(".ipynb") else _MAX_SOURCE_BYTES
        if os.path.getsize(path) > limit:
            return None
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read()
    except OSError:
        return None


def _relative(path: str, top: str) -> str:
    relative = os.path.relpath(path, top).replace(os.sep, "/")
    return posixpath.normpath(relative)


def discover_roots(top: str) -> list[DeclaredRoot]:
    """Every place in the repository at ``top`` that declares a directory an Azure ML job uploads."""
    top = os.path.abspath(top)
    declared: list[DeclaredRoot] = []
    yaml_files: list[str] = []
    referenced: dict[str, str | None] = {}
    """Component and job YAML files code loads or pipelines use, with that pipeline's file."""
    modules = _Modules(top)
    loads: list[tuple[str, str, int, bool]] = []
    """``load_component`` calls: (YAML file, calling file, line, whether in a pipeline file)."""
    scans: list[tuple[_PythonFile, list[_YamlScan]]] = []
    for path in _walk(top):
        if path.endswith((".yml", ".yaml")):
            yaml_files.append(path)
            continue
        text = _read(path)
        if text is None or not any(marker in text for marker in _AML_MARKERS):
            continue
        scanner = _scan_notebook if path.endswith(".ipynb") else _scan_module
        try:
            scan = scanner(path, top, text, modules)
        except RecursionError:  # a pathologically deep expression: not a file to read by hand
            continue
        if scan is not None:
            scans.append(scan)
    pythons = [python for python, _ in scans]
    for python, written in scans:
        python.link_calls(pythons)
        file = _relative(python.path, top)
        declared.extend(_python_roots(python, file, top))
        for ref, loader, line in python.yaml_refs:
            if referenced.get(ref) is None:
                referenced[ref] = file if python.has_pipeline else None
            if loader == "load_component":
                loads.append((ref, file, python.display_line(line), python.has_pipeline))
        for yaml_scan in written:
            declared.extend(_yaml_roots(yaml_scan, file, None, top))
    documents = {}
    for path in sorted(set(yaml_files) | {ref for ref in referenced if os.path.isfile(ref)}):
        text = _read(path)
        forced = path in referenced
        if text is None or (not forced and "code" not in text):
            continue
        nodes = [node for node in _compose(text) if forced or _is_azure_ml(node)]
        if not nodes:
            continue
        found = _YamlScan(os.path.dirname(path))
        for node in nodes:
            found.job(node, "", False)
        documents[path] = found
        for ref, step in found.refs:
            if step and referenced.get(ref) is None:
                referenced[ref] = _relative(path, top)
    for path, found in documents.items():
        declared.extend(_yaml_roots(found, _relative(path, top), referenced.get(path), top))
    for path, file, line, in_pipeline in loads:
        loaded = documents.get(path)
        for item in loaded.roots if loaded is not None else []:
            if item.kind == "code":
                declared.append(DeclaredRoot(
                    None if item.path is None else _relative(item.path, top), file, line,
                    "load_component", "v2", file if in_pipeline else None,
                    f"load_component({_relative(path, top)}): its {item.how}"))
    declared.sort(key=lambda item: (item.file, item.line, item.root or ""))
    return declared


def _yaml_roots(scan: _YamlScan, file: str, pipeline: str | None, top: str) -> list[DeclaredRoot]:
    return [
        DeclaredRoot(
            root=None if item.path is None else _relative(item.path, top),
            file=file, line=item.line, kind=item.kind, sdk="v2",
            pipeline=file if item.step else pipeline,
            how=item.how,
        )
        for item in scan.roots
    ]


def _python_roots(scan: _PythonFile, file: str, top: str) -> list[DeclaredRoot]:
    result = []
    for entry in scan.entries:
        if entry.dropped:
            continue
        root = None
        how = entry.how
        if entry.value is not None:
            path, where = scan.locate(entry.value, entry.cwd, entry.script)
            root = _relative(path, top)
            how = f"{how}, {entry.absolute_how or where}"
        step = entry.step or (entry.sdk == "v2" and scan.has_pipeline)
        pipeline = _relative(entry.caller, top) if entry.caller else file
        result.append(DeclaredRoot(root, file, scan.display_line(entry.line), entry.kind, entry.sdk,
                                   pipeline if step else None, how))
    return result


def _scan_module(
    path: str, top: str, text: str, modules: _Modules
) -> tuple[_PythonFile, list[_YamlScan]] | None:
    tree = modules.parse(path, text)
    if tree is None:
        return None
    scan = _PythonFile(path, top, tree, notebook=False, modules=modules)
    if not scan.aml:
        return None
    scan.statements(tree.body, _Scope())
    scan.resolve_deferred()
    return scan, []


def _scan_notebook(
    path: str, top: str, text: str, modules: _Modules
) -> tuple[_PythonFile, list[_YamlScan]] | None:
    trees: list[tuple[ast.Module | None, Cell, str | None]] = []
    line_map: list[int] = []
    try:
        cells = [cell for cell in read_notebook(text) if cell.kind == "code"]
    except ValueError:
        return None
    for cell in cells:
        written = written_file(cell)
        tree = None
        if written is None:
            try:
                tree = ast.parse(python_source(cell))
            except (SyntaxError, ValueError):
                tree = None
        if tree is not None:
            ast.increment_lineno(tree, len(line_map))
            line_map.extend(cell.source_lines)
        trees.append((tree, cell, written))
    module = ast.Module(body=[stmt for tree, _, _ in trees if tree for stmt in tree.body],
                        type_ignores=[])
    scan = _PythonFile(path, top, module, notebook=True, modules=modules)
    if not scan.aml:
        return None
    scan.line_map = line_map
    scope = _Scope()
    written_yaml = []
    for tree, cell, target in trees:
        lines = cell.source.splitlines()
        if tree is not None:
            scan.statements(tree.body, scope)
        elif target is not None and target.endswith((".yml", ".yaml")) and len(lines) > 1:
            expanded = scan.expand(target, scope)
            if expanded is None:
                continue
            target_path = os.path.normpath(os.path.join(scan.cwd, expanded))
            yaml_scan = _YamlScan(os.path.dirname(target_path), cell.source_lines[1] - 1)
            for node in _compose("\n".join(lines[1:])):
                if _is_azure_ml(node):
                    yaml_scan.job(node, "", False)
            written_yaml.append(yaml_scan)
    scan.resolve_deferred()
    return scan, written_yaml


# advice for the size report -------------------------------------------------------------------
def pipeline_advice(declared: list[DeclaredRoot], root_display: str) -> list[str]:
    """Lines for a root over or near a limit that two or more steps of one pipeline upload."""
    steps: dict[str, list[DeclaredRoot]] = {}
    for item in declared:
        # a load_component call repeats the step its component YAML declares
        if item.root == root_display and item.pipeline is not None and item.kind != "load_component":
            steps.setdefault(item.pipeline, []).append(item)
    lines = []
    for pipeline, items in sorted(steps.items()):
        places = sorted({_place(item) for item in items})
        if len(places) < 2:
            continue
        lines.append(
            f"{len(places)} steps of the pipeline in {pipeline} upload {root_display} "
            f"({', '.join(places)}), each its own copy: the Azure ML article advises "
            f"\"{_PIPELINE_ADVICE}\"; give each step a source folder with only its script and "
            f"what it imports"
        )
    return lines


def _place(item: DeclaredRoot) -> str:
    """``file:line``, and the call that gave the value when the declaration is a shared helper."""
    _, via, rest = item.how.partition(" via the call at ")
    return f"{item.file}:{item.line}" + (f" (called at {rest.split(',')[0]})" if via else "")


def notebook_advice(declared: list[DeclaredRoot], root_display: str) -> list[str]:
    """Lines for a root over or near a limit that is a notebook's own folder."""
    notebooks = sorted({
        item.file for item in declared
        if item.file.endswith(".ipynb") and item.root == root_display
        and (posixpath.dirname(item.file) or ".") == root_display
    })
    return [
        f"{notebook} snapshots its own folder {root_display}: the Azure ML article advises "
        f"\"{_NOTEBOOK_ADVICE}\""
        for notebook in notebooks
    ]


# snapshot-guard roots -------------------------------------------------------------------------
def roots_main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="snapshot-guard roots",
        description="List the directories Azure ML jobs upload, found by reading the repository.",
    )
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("path", nargs="?", default=".",
                        help="a folder inside the repository (default: the current directory)")
    args = parser.parse_args(argv)
    if not os.path.isdir(args.path):
        print(f"snapshot-guard roots: {args.path}: not a folder", file=sys.stderr)
        return 2
    repo = find_repo(args.path)
    top = repo.top if repo is not None else os.path.abspath(args.path)
    declared = discover_roots(top)
    if args.format == "json":
        keys = ("root", "file", "line", "kind", "sdk")
        roots = [{key: getattr(item, key) for key in keys} for item in declared]
        print(json.dumps({"roots": roots}, indent=2))
        return 0
    print(_roots_table(declared))
    return 0


def _roots_table(declared: list[DeclaredRoot]) -> str:
    if not declared:
        return "no snapshot roots found in the code: the root is the repository top (.)"
    rows = [("ROOT", "DECLARED AT", "KIND", "SDK", "HOW")] + [
        (item.root if item.root is not None else "(unresolved)", f"{item.file}:{item.line}",
         item.kind, item.sdk, item.how)
        for item in declared
    ]
    widths = [max(len(row[column]) for row in rows) for column in range(4)]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[4]
             for row in rows]
    distinct = {item.root for item in declared if item.root is not None}
    unresolved = sum(item.root is None for item in declared)
    lines.append(f"{len(distinct)} roots declared in {len(declared)} places"
                 + (f", {unresolved} unresolved: the hooks cannot check those; list them under "
                    f"roots: in .snapshot-guard.yaml" if unresolved else ""))
    return "\n".join(lines)

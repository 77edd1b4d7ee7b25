"""Roots declared in Python: SDK v1 ``source_directory=`` (and its defaults), ``start_logging``,
``take_snapshot``; SDK v2 ``code=``, ``load_component``; read through :mod:`snapshot_guard.pyanalysis`
in whole-value mode, so a root is a constant path or unresolved, never a guess."""
from __future__ import annotations

import ast
import dataclasses
import os
import re
import shlex
from collections.abc import Callable, Sequence

from snapshot_guard.discover.files import Inputs
from snapshot_guard.errors import Sdk
from snapshot_guard.pyanalysis.evaluate import (
    NO_CALL,
    Analysis,
    Resolution,
    argument,
    callee_name,
    dotted,
)
from snapshot_guard.pyanalysis.modules import Modules
from snapshot_guard.pyanalysis.notebook import CHANGE_DIRECTORY
from snapshot_guard.pyanalysis.scopes import Binding, Function, Scope
from snapshot_guard.pyanalysis.values import ParameterValue, Text, Unknown, short

AML_IMPORTS = ("azureml", "azure.ai.ml", "mldesigner", "azure.ml.component")
_COMMAND_SCRIPT = re.compile(r"\bpython[\d.]*\s+(?:-u\s+)?(?:([\w./-]+\.py)\b|-m\s+([\w.]+))")


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
_ARGUMENTS = {"ScriptRunConfig": 2, "PythonScriptStep": 2}
"""Where the calls that take ``arguments=`` take it positionally."""
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


@dataclasses.dataclass
class Entry:
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
    command: str | None = None
    """The job's command line, when static analysis knows it whole."""


@dataclasses.dataclass
class _Deferred:
    """A root whose value depends on parameters of the function it sits in."""

    expr: ast.expr
    scope: Scope
    line: int
    kind: str
    sdk: Sdk
    cwd: str
    keyword: str
    step: bool
    refs: list[int]
    script: str | None = None
    command: str | None = None


class PythonFile(Analysis):
    """The scan of one Python module or notebook: its roots and the YAML files it loads."""

    def __init__(
        self, path: str, top: str, tree: ast.Module, notebook: bool, modules: Modules,
        inputs: Inputs, aml: bool | None = None,
    ) -> None:
        super().__init__(path, tree, modules, partial=False, notebook=notebook)
        self.top = top
        self.inputs = inputs
        """Where the files are read and the paths probed."""
        self.orphans: list[tuple[_Deferred, Function, int]] = []
        """Roots that depend on parameters of a function no call in this file passes."""
        self.cwd = os.path.dirname(path)
        self.aml = _imports_azure_ml(self.facts.imported) if aml is None else aml
        """The file imports an Azure ML SDK: only then are its calls considered."""
        self.entries: list[Entry] = []
        self.yaml_refs: list[tuple[str, str, int]] = []
        """YAML files loaded: (absolute path, the loader called, line of the call)."""
        self.call_refs: dict[int, tuple[int, ...]] = {}
        self.deferred: list[_Deferred] = []
        self.has_pipeline = False
        self.script: str | None = None
        """The script of the call whose roots are being recorded."""
        self.command: str | None = None
        """... and its command line."""

    # the walk ---------------------------------------------------------------------------------
    def function(self, node: ast.FunctionDef | ast.AsyncFunctionDef, scope: Scope) -> None:
        for decorator in node.decorator_list:
            name = callee_name(decorator)
            if name in _PIPELINE_MARKERS:
                self.has_pipeline = True
            if name == "command_component" and self.aml:
                self.command_component(decorator, scope)
        super().function(node, scope)

    def value_binding(self, value: ast.expr, scope: Scope) -> Binding | None:
        refs = self.call_refs.get(id(value), ())
        return Binding(refs=refs) if refs else None

    def on_call(self, call: ast.Call, scope: Scope) -> None:
        name = callee_name(call.func)
        if name is None:
            return
        if name in _PIPELINE_MARKERS:
            self.has_pipeline = True
        if name == CHANGE_DIRECTORY and call.args:
            self.change_directory(call.args[0], scope)
            return
        if isinstance(call.func, ast.Attribute) and dotted(call.func) == "os.chdir" and call.args:
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

    def enclosing_bases(self) -> list[str]:
        return [callee_name(base) or "" for klass in self.classes if klass is not None
                for base in klass.node.bases]

    def strings(self, expr: ast.expr, scope: Scope) -> tuple[str, ...]:
        """Every string ``expr`` may hold (whole values), or Unknown."""
        return tuple(value.known for value in self.evaluate(expr, scope))

    def change_directory(self, expr: ast.expr, scope: Scope) -> None:
        try:
            values = self.strings(expr, scope)
        except Unknown:
            return
        target = self.expand(values[0], scope) if len(values) == 1 else None
        if target is not None:
            self.cwd = os.path.normpath(os.path.join(self.cwd, self.inputs.expanduser(target)))

    def expand(self, text: str, scope: Scope) -> str | None:
        """IPython's ``$name`` and ``{name}`` in a magic's argument, or None if not constant."""
        def value(match: re.Match[str]) -> str:
            binding = scope.lookup(match.group(1) or match.group(2))
            if binding is None or len(binding.values) != 1 or binding.values[0].rest is not None:
                raise Unknown(match.group(0))
            return binding.values[0].known

        try:
            return re.sub(r"\$(\w+)|\{(\w+)\}", value, text.strip("'\""))
        except Unknown:
            return None

    # roots ------------------------------------------------------------------------------------
    def root_call(
        self, call: ast.Call, name: str, param: _Parameter, sdk: Sdk, scope: Scope
    ) -> None:
        value = argument(call, param.keyword, param.position)
        line = call.lineno
        refs: list[int] = []
        if value is not None and _is_none(value) and not param.none_is_default:
            return
        self.script = self.script_hint(call, param, scope)
        self.command = self.command_line(call, param, scope)
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
        self.script = self.command = None

    def script_argument(self, call: ast.Call, param: _Parameter, scope: Scope) -> str | None:
        """The one constant value of the argument naming the script (or SDK v2's command)."""
        if param.script is None:
            return None
        passed = argument(call, *param.script)
        try:
            values = self.strings(passed, scope) if passed is not None else ()
        except Unknown:
            return None
        return values[0] if len(values) == 1 else None

    def script_hint(self, call: ast.Call, param: _Parameter, scope: Scope) -> str | None:
        """The script the call runs, relative to its root, when it is a constant."""
        value = self.script_argument(call, param, scope)
        if value is None or param.script is None or param.script[0] != "command":
            return value
        command = _COMMAND_SCRIPT.search(value)
        if command is None:
            return None
        return command.group(1) or command.group(2).replace(".", "/") + ".py"

    def command_line(self, call: ast.Call, param: _Parameter, scope: Scope) -> str | None:
        """The command line the job runs, when it is known whole: SDK v2's ``command=``, or SDK v1's
        script with its ``arguments`` (``$ARG`` for an argument not known)."""
        script = self.script_argument(call, param, scope)
        if script is None or param.script is None or param.script[0] == "command":
            return script
        if not script.endswith(".py"):
            return None
        words = ["python", shlex.quote(script)]
        listed = argument(call, "arguments", _ARGUMENTS.get(callee_name(call.func) or ""))
        if listed is not None:
            items = self.words(listed, scope)
            if items is None:
                return None
            words += items
        params = argument(call, "script_params", None)
        if isinstance(params, ast.Dict):
            for key, value in zip(params.keys, params.values):
                if key is None:
                    return None
                words += [*(self.words(ast.List(elts=[key, value], ctx=ast.Load()), scope) or
                            ["$ARG", "$ARG"])]
        return " ".join(words)

    def words(self, listed: ast.expr, scope: Scope) -> list[str] | None:
        """A list of arguments as command-line words, ``$ARG`` for one not known; None when the
        list itself is not known."""
        if isinstance(listed, ast.Name):
            binding = scope.lookup(listed.id)
            if binding is None or binding.items is None:
                return None
            return [shlex.quote(item.known) for item in binding.items]
        if not isinstance(listed, (ast.List, ast.Tuple)):
            return None
        words = []
        for element in listed.elts:
            if isinstance(element, ast.Starred):
                return None
            if isinstance(element, ast.Constant) and isinstance(element.value, (int, float)):
                words.append(str(element.value))
                continue
            try:
                values = self.strings(element, scope)
            except Unknown:
                values = ()
            words.append(shlex.quote(values[0]) if len(values) == 1 else "$ARG")
        return words

    def value_entries(
        self, value: ast.expr, scope: Scope, line: int, kind: str, sdk: Sdk, keyword: str,
        step: bool,
    ) -> list[int]:
        try:
            values = self.strings(value, scope)
        except ParameterValue:
            refs: list[int] = []
            self.deferred.append(_Deferred(value, scope.snapshot(), line, kind, sdk, self.cwd,
                                           keyword, step, refs, self.script, self.command))
            return refs
        except Unknown as error:
            return [self.add(None, line, kind, sdk, f"{keyword}=: {error}", step)]
        source = short(value)
        computed = not isinstance(value, ast.Constant)
        return [
            self.add(v, line, kind, sdk, f"{keyword}={source}", step, computed and os.path.isabs(v))
            for v in values
        ]

    def add(
        self, value: str | None, line: int, kind: str, sdk: Sdk, how: str, step: bool,
        anchored: bool = False, cwd: str | None = None, script: str | None = None,
        command: str | None = None,
    ) -> int:
        """Record a root; ``anchored``: an absolute path the file computes from its own location."""
        self.entries.append(Entry(value, line, kind, sdk, cwd or self.cwd, how, step,
                                  "anchored at the file's own location" if anchored else "",
                                  script=script or self.script, command=command or self.command))
        return len(self.entries) - 1

    def command_component(self, decorator: ast.expr, scope: Scope) -> None:
        line = decorator.lineno
        value = argument(decorator, "code", None) if isinstance(decorator, ast.Call) else None
        if value is None:
            self.add(os.path.dirname(self.path), line, "command_component", "v2",
                     "no code=: mldesigner uploads the component file's folder", False, True)
        else:
            self.value_entries(value, scope, line, "command_component", "v2", "code", False)

    def loader(self, call: ast.Call, name: str, scope: Scope) -> None:
        keywords = _V2_LOADERS[name]
        value = argument(call, keywords[0], 0) or argument(call, keywords[1], None)
        if value is None:
            return
        try:
            values = self.strings(value, scope)
        except Unknown:
            return
        for text in values:
            if text.endswith((".yml", ".yaml")):
                self.yaml_refs.append((self.locate(text, self.cwd)[0], name, call.lineno))

    def wrapper(self, call: ast.Call, name: str, scope: Scope) -> None:
        wrapped, step = _WRAPPERS[name]
        refs: list[int] = list(self.call_refs.get(id(call), ()))
        for keyword, position in wrapped:
            value = argument(call, keyword, position)
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
            for found in self.through_calls(deferred.expr, deferred.scope, function, 0):
                if found.values is None:
                    index = self.entry_at(deferred, None, f"{deferred.keyword}=: {found.reason}")
                    if function is not None and found.reason.endswith(NO_CALL):
                        self.orphans.append((deferred, function, index))
                    continue
                for value in found.values:
                    how = f"{deferred.keyword}={short(deferred.expr)}{self.via(found)}"
                    self.entry_at(deferred, value.known, how)

    def via(self, found: Resolution) -> str:
        return "".join(f" via the call at line {site.analysis.display_line(site.call.lineno)}"
                       for site in found.sites)

    def entry_at(self, deferred: _Deferred, value: str | None, how: str, cwd: str | None = None) -> int:
        anchored = value is not None and os.path.isabs(value)
        index = self.add(value, deferred.line, deferred.kind, deferred.sdk, how, deferred.step,
                         anchored, cwd or deferred.cwd, deferred.script, deferred.command)
        deferred.refs.append(index)
        return index

    def link_calls(self, others: Sequence[PythonFile]) -> None:
        """Resolve orphaned roots with the calls other files make to their function."""
        for deferred, function, index in self.orphans:
            names = [name for name, group in self.functions.items() if any(f is function for f in group)]
            found = False
            for other in others:
                if other is self:
                    continue
                for call, site_scope in other.sites_calling(self.path, names):
                    bound = self.bind_call(function, call, site_scope, other, deferred.scope, 1)
                    where = f"{self.relative(other.path)}:{other.display_line(call.lineno)}"
                    for resolved in self.through_calls(deferred.expr, bound, None, 2):
                        if resolved.values is None:
                            continue
                        for value in resolved.values:
                            how = f"{deferred.keyword}={short(deferred.expr)} via the call at {where}"
                            added = self.entry_at(deferred, value.known, how, other.cwd)
                            self.entries[added].caller = other.path
                            found = True
            self.entries[index].dropped = found

    # locating ---------------------------------------------------------------------------------
    def locate(self, value: str, cwd: str, script: str | None = None) -> tuple[str, str]:
        """The absolute path ``value`` names and how: relative to ``cwd`` (the script's folder) or,
        when the job's ``script`` is only there or more of the path exists there, to the repository
        top."""
        exists = self.inputs.exists
        value = self.inputs.expanduser(value)
        if os.path.isabs(value):
            return os.path.normpath(value), "an absolute path"
        if "\\" in value and not exists(os.path.join(cwd, value)):
            value = value.replace("\\", "/")
        if cwd == os.path.dirname(self.path):
            base = "the notebook's folder" if self.notebook else "the script's folder"
        else:
            base = "the notebook's working directory" if self.notebook else "the running script's folder"
        beside = os.path.normpath(os.path.join(cwd, value))
        at_top = os.path.normpath(os.path.join(self.top, value))
        if script and not os.path.isabs(script) and beside != at_top:
            script_beside = self.inputs.isfile(os.path.join(beside, script))
            if not script_beside and self.inputs.isfile(os.path.join(at_top, script)):
                return at_top, f"relative to the repository top, where {script} is"
        if exists(beside):
            return beside, f"relative to {base}"
        if exists(at_top):
            return at_top, f"relative to the repository top (not found in {base})"
        if _existing_depth(at_top, self.top, exists) > _existing_depth(beside, cwd, exists):
            return at_top, "relative to the repository top (does not exist yet; its parent does)"
        return beside, f"relative to {base} (does not exist)"

    def file_value(self) -> Text:
        return Text(self.path)


def _existing_depth(path: str, base: str, exists: Callable[[str], bool]) -> int:
    """How many components of ``path`` below ``base`` exist."""
    relative = os.path.relpath(path, base)
    if relative == "." or relative.startswith(".."):
        return 0
    parts = relative.split(os.sep)
    depth = 0
    while depth < len(parts) and exists(os.path.join(base, *parts[: depth + 1])):
        depth += 1
    return depth


def _is_super_call(func: ast.expr) -> bool:
    return (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Call)
            and callee_name(func.value) == "super")


def _is_none(expr: ast.expr) -> bool:
    return isinstance(expr, ast.Constant) and expr.value is None


def _imports_azure_ml(imported: frozenset[str]) -> bool:
    return any(name.startswith(AML_IMPORTS) for name in imported)


def module_analyses(top: str, inputs: Inputs) -> Modules:
    """The repository's modules, analysed (when code imports them) without recording roots."""
    modules = Modules(top, inputs.isfile, inputs.read_text, os.path)
    modules.factory = lambda path, tree: PythonFile(path, top, tree, False, modules, inputs, aml=False)
    return modules


def scan_module(
    path: str, top: str, text: str, modules: Modules, inputs: Inputs
) -> PythonFile | None:
    tree = modules.parse(path, text)
    if tree is None:
        return None
    scan = PythonFile(path, top, tree, notebook=False, modules=modules, inputs=inputs)
    if not scan.aml:
        return None
    scan.run()
    scan.resolve_deferred()
    return scan

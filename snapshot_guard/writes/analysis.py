"""The write analysis of one module: its calls that write a file where a run loses it, with the path
each writes, through :mod:`snapshot_guard.pyanalysis` in partial mode (a known beginning is enough).

A write whose path depends on a parameter is resolved at the calls that pass it, in the module or
in another module of the root that imports the function; it is then reported at that call, where
the path is written."""
from __future__ import annotations

import ast
import dataclasses
import fnmatch
import posixpath
import re
from collections.abc import Collection, Iterable, Iterator, Sequence

from snapshot_guard.pyanalysis.evaluate import Analysis, Option
from snapshot_guard.pyanalysis.modules import Modules
from snapshot_guard.pyanalysis.scopes import Binding, Function, ModuleFacts, Scope
from snapshot_guard.pyanalysis.syntax import touches
from snapshot_guard.pyanalysis.values import (
    UNKNOWN,
    ParameterValue,
    Text,
    Unknown,
    Values,
    concat,
    strip_dot,
    unique,
)
from snapshot_guard.writes.calls import (
    ARCHIVE_SUFFIXES,
    CLASS_OUTPUT_KEYWORD,
    DATABASES,
    IN_MEMORY,
    INERT_METHODS,
    LOGGED_OBJECTS,
    METHODS,
    MLFLOW_FLAVOUR_SAVE,
    MLFLOW_SAVE,
    MOVED_AWAY,
    MOVES,
    NOT_OUTPUT_CALLEES,
    OPENERS,
    OUTPUT_CLASS,
    OUTPUT_KEYWORD,
    PATH_BUILDERS,
    PATH_KEYWORD,
    PREFIX_WRITERS,
    SQLITE_FILE,
    UPLOADS,
    WRITE_MODE,
    Arg,
    arg,
    argument,
    call_label,
    function_writer,
    looks_like_a_path,
    qualified,
    writer_family,
    writes_logs,
)
from snapshot_guard.writes.jobs import KEPT_FOLDERS, CommandLines, JobCommand, bare

_OWN_METHODS = frozenset(("save", "save_model", "save_checkpoint"))
"""Methods whose meaning a class of the user's own defines: ``self.save("best")`` may build any path."""
_STORAGE = re.compile(r"stor(?:e|age)|client|blob|bucket|container|s3|gcs|adls|datalake|remote|hdfs"
                      r"|ftp|filesystem|\bfs\b|url|uri\b|dbutils|session", re.IGNORECASE)
"""Objects whose writers take a key of a store or a remote path (``store_url.write_file``)."""
_NOT_LOCAL = re.compile(r"[~$/\\]|[A-Za-z][\w+.-]*:")
"""Absolute, home, variable-expanded, Windows drive or URL (``s3://``, ``azureml://``) paths."""


@dataclasses.dataclass(frozen=True)
class Target:
    """Where a call takes the path it writes, and how to read it."""

    expr: ast.expr
    to_logs: bool = False
    suffix: str = ""
    """Appended to the value (``make_archive`` adds its format's extension)."""
    line: int | None = None
    """Where the path is written when that is not the call's first line (a ``dictConfig``
    handler's ``filename``)."""
    by_family: bool = False
    """Found by the writer's name or an output keyword, not a table: the value must look like a
    path..."""
    directory: bool = False
    """... where a bare name will do (a keyword says it is a path)."""
    database: bool = False
    """A SQLAlchemy URL: its file, when it is a SQLite file relative to the working directory."""
    store: bool = False
    """An embedded database's file or folder (``duckdb.connect("f.duckdb")``): lost unless in
    memory or one the root holds (the job reads it)."""

    def shaped(self, values: Values) -> Values:
        """The paths written, from the values the argument holds."""
        if self.database:
            values = tuple(Text(SQLITE_FILE.sub("", value.known, count=1), value.rest)
                           for value in values if SQLITE_FILE.match(value.known))
        return _suffixed(values, self.suffix)

    def lost(self, value: Text, working_dirs: Collection[str] = (".",)) -> bool:
        return bool(working_dirs) and all(is_lost(value, folder) for folder in working_dirs) and (
            not self.by_family or looks_like_a_path(value.display, self.directory))


Origin = tuple[int, str]
"""A path expression where it is written: the function it is in (``id`` of its node, 0 for the
module) and the expression's dump."""


@dataclasses.dataclass(frozen=True)
class Write:
    call: ast.Call
    """The call a finding points at: the write itself, or the call that passes its path."""
    target: ast.expr
    label: str
    value: Text
    to_logs: bool
    through: str | None = None
    """For a write reported where its path is passed: the writing call and where it is."""
    names: frozenset[str] | None = None
    """The names in ``target`` that hold (part of) the path; None: every name in it."""
    line: int | None = None
    """Where to point when not at the call's first line."""
    origin: Origin | None = None
    source: tuple[str, int] | None = None
    """For a write reported where its path is passed: the module and line of the writing call."""
    fallback: bool = False
    """Reported at a function's write with what its parameters leave known, as no call in its
    module passes them (a call elsewhere may say it better)."""
    holder: Function | None = None
    """The function the write is in, when reported there."""


@dataclasses.dataclass(frozen=True)
class _Deferred:
    """A write whose path depends on a parameter of ``needs``."""

    call: ast.Call
    target: Target
    label: str
    scope: Scope
    needs: Function
    function: Function | None
    """The function the write is in."""
    fallback: Values | None
    """What the path is with the parameters' values unknown (``*``)."""
    origin: Origin


def is_lost(value: Text, working_dir: str = ".") -> bool:
    """The path is relative and outside ``outputs/`` and ``logs/`` (of the root, when the job
    runs in ``working_dir``) for certain."""
    known = value.known.replace("\\", "/")
    if _NOT_LOCAL.match(known):
        return False
    if working_dir != "." and known:
        known = posixpath.join(working_dir, strip_dot(known))
        if value.rest is None or "/" in known:
            known = posixpath.normpath(known) + ("/" if known.endswith("/") else "")
    known = strip_dot(known)
    if value.rest is None:
        path = posixpath.normpath(known) if known else "."
        first = path.split("/", 1)[0]
        return path != "." and first not in KEPT_FOLDERS
    if "/" in known:
        return known.split("/", 1)[0] not in KEPT_FOLDERS + ("", ".")
    return bool(known) and not any(name.startswith(known) for name in KEPT_FOLDERS + ("..",))


def normalized(value: Text) -> str:
    display = strip_dot(value.display.replace("\\", "/"))
    return posixpath.normpath(display) if value.rest is None and display else display


_DEFINITION = re.compile(r"(?:def|class)\s+\Z")


def lines_containing(text: str, words: Iterable[str],
                     unless_after: re.Pattern[str] | None = None) -> list[int]:
    """The sorted numbers of the lines where one of ``words`` occurs (substring search in C), but
    where the text before it on its line ends with ``unless_after``."""
    positions = []
    for word in words:
        found = text.find(word)
        while found != -1:
            if unless_after is None or not unless_after.search(
                    text, text.rfind("\n", 0, found) + 1, found):
                positions.append(found)
            found = text.find(word, found + len(word))
    positions.sort()
    lines: list[int] = []
    position, line = 0, 1
    for found in positions:
        line += text.count("\n", position, found)
        position = found
        if not lines or lines[-1] != line:
            lines.append(line)
    return lines


class ModuleWrites(Analysis):
    """The writes of one module (or a notebook's code cells), found in one walk."""

    def __init__(
        self, relpath: str, tree: ast.Module, text: str, modules: Modules,
        commands: CommandLines | None, trigger_lines: list[int], notebook: bool = False,
    ) -> None:
        super().__init__(relpath, tree, modules, partial=True, notebook=notebook)
        self.text = text
        self.commands = commands
        self.triggers = trigger_lines
        self.writes: list[Write] = []
        self.deferred: list[_Deferred] = []
        self.kept: list[Text] = []
        """Paths this module uploads, copies or moves to a kept place."""
        self.examined: set[int] = set()
        self.written: dict[int, Values] = {}
        """What each write call writes, by ``id`` of the call: a name assigned its result names the
        file (``path = explainer.save("explainer")``)."""
        self.logged_models: set[str] = set()
        """Names of the objects ``mlflow.<flavour>.log_model`` logs to the run."""
        self.call_lines = sorted({*trigger_lines, *self.lines_calling()})
        self.empty = _opened_for_nothing(self.facts)
        """Openers whose file object nothing writes to: they leave an empty file, not a result."""
        self.moved: set[Origin] = set()
        """Paths moved away (renamed, replaced, ``shutil.move``d): what was written there is gone
        from there."""
        self.defer_parameters = True
        self.late_bodies = True
        self.module_scope.shared = True
        self.working_dirs = commands.working_dirs() if commands is not None else {"."}
        """Where the jobs run (``cd src && ...``): a path is lost from each of them, or not
        reported."""
        if self.hydra_changes_directory():
            self.working_dirs = {"outputs/hydra"}

    def lines_calling(self) -> list[int]:
        """The lines of calls the walk must see besides the writes: of the module's own functions
        and classes, of names from the root's modules (their functions may write), and of
        ``add_argument``."""
        words = {f"{name}(" for name in self.facts.defined} | {"add_argument(", "set_defaults("}
        for module, level, name in self.facts.imports:
            if self.modules.locate(module, level, self.path) is not None or (
                "." in module and self.modules.locate(module.rsplit(".", 1)[0], level, self.path)
            ):
                words.update((f"{name}(", f"{name}."))
        lines = lines_containing(self.text, words, _DEFINITION)
        if not lines:
            return lines
        # What those calls make (an instance, a closure, a namespace), and its later calls.
        source = self.text.split("\n")
        made = {match.group(1) for line in lines for match in [_ASSIGNED.match(source[line - 1])]
                if match}
        if not made:
            return lines
        return sorted({*lines, *lines_containing(
            self.text, [word for name in made for word in (f"{name}(", f"{name}.")])})

    def file_value(self) -> Text:
        return Text(self.path)

    def read_config(self, path: str) -> str | None:
        return self.modules.read(path) if self.modules.exists(path) else None

    def command_words(self) -> list[str] | None:
        runs = self.commands.of(self.path) if self.commands is not None else None
        if not runs or len({run.words for run in runs}) > 1:
            return None
        words = [bare(word) for word in runs[0].words]
        if any("$" in word and "=" not in word.split("$", 1)[0] for word in words):
            return None  # a word that may expand to several (``$@``, ``${{inputs.args}}``)
        return words

    def hydra_changes_directory(self) -> bool:
        """A ``@hydra.main`` of hydra 1.1's defaults (no ``version_base``, or an old one) runs in
        ``outputs/<date>/<time>``: relative paths land under ``outputs``."""
        if "hydra" not in self.text:
            return False
        words = self.command_words() or []
        for node in self.tree.body:
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for decorator in node.decorator_list:
                if isinstance(decorator, ast.Call) and self.qualified(decorator.func) == "hydra.main":
                    version = argument(decorator, arg(2, "version_base"))
                    legacy = version is None or (isinstance(version, ast.Constant)
                                                 and version.value in ("1.0", "1.1"))
                    if "hydra.job.chdir=True" in words:
                        return True
                    return legacy and "hydra.job.chdir=False" not in words
        return False
    def value_binding(self, value: ast.expr, scope: Scope) -> Binding | None:
        written = self.written.get(id(value))
        return Binding(values=written) if written else None

    def option_value(self, option: Option) -> Binding:
        if option.fixed:
            return option.default
        runs = self.commands.of(self.path) if self.commands is not None else None
        if not runs or not option.strings:
            return Binding(reason=Unknown(option.strings[0] if option.strings else option.dest,
                                          "is set by a command line analysis cannot see"))
        return _option_binding(option, runs)

    def keep_all(self, call: ast.Call, scope: Scope) -> None:
        """Every path an upload takes, in lists and dict values too."""
        for node in _passed(call):
            self.kept.extend(self.kept_values(node, scope))

    def kept_values(self, node: ast.expr, scope: Scope) -> Values:
        """The paths an upload, copy or move takes away, known by their end if need be."""
        self.unknown_starts = True
        try:
            return self.evaluate(node, scope)
        except Unknown:
            return ()
        finally:
            self.unknown_starts = False

    def values(self, node: ast.expr, scope: Scope) -> Values | None:
        try:
            return self.evaluate(node, scope)
        except Unknown:
            return None

    def on_call(self, call: ast.Call, scope: Scope) -> None:
        if touches(self.triggers, call):
            self.examine(call, scope)

    def examine(self, call: ast.Call, scope: Scope) -> None:
        name = qualified(call.func, self.facts.aliases)
        method = call.func.attr if isinstance(call.func, ast.Attribute) else None
        if name in LOGGED_OBJECTS:
            return
        if method in UPLOADS or name == "wandb.save":
            self.keep_all(call, scope)
            return
        if name in MOVES:
            source = argument(call, MOVES[name])
            destination = argument(call, arg(1, "dst"))
            if source is not None and name in MOVED_AWAY:
                self.moved.add(_origin(source, scope))
            if source is not None and (name in MOVED_AWAY or destination is None
                                       or not self.lost_at(destination, scope)):
                self.kept.extend(self.kept_values(source, scope))
        if name is not None and name.startswith("mlflow.") and name.endswith(".log_model"):
            self.keep_all(call, scope)  # artifacts={"model": "model.pkl"}, code_paths=[...]
            logged = argument(call, arg(0))
            logged = logged if logged is not None else next(
                (k.value for k in call.keywords if k.arg and k.arg.endswith("model")), None)
            if isinstance(logged, ast.Name):
                self.logged_models.add(logged.id)
            return
        if id(call) in self.empty:
            return
        targets = self.targets(call, name, method, scope)
        if not targets:
            return
        self.examined.add(id(call))
        label = call_label(call.func)
        callee = (name or method or label).rsplit(".", 1)[-1]
        for target in targets:
            self.examine_target(call, target, label, callee, scope)

    def examine_target(self, call: ast.Call, target: Target, label: str, callee: str,
                       scope: Scope) -> None:
        try:
            values = target.shaped(self.evaluate(target.expr, scope))
        except ParameterValue as error:
            if isinstance(error.function, Function):
                self.deferred.append(_Deferred(
                    call, target, label, scope.snapshot(), error.function, scope.function,
                    self.without_parameters(target, scope), _origin(target.expr, scope)))
            return
        except Unknown:
            return
        if target.store:
            values = tuple(value for value in values if value.display not in IN_MEMORY
                           and not (value.complete and self.holds(value.known)))
        if callee[:1].islower() and not target.database and not target.directory \
                and not target.store:
            self.written[id(call)] = values  # a function may return the path it writes (not a
            # class, nor a call that writes where a keyword says: they make an object)
        names = frozenset(node.id for node in ast.walk(target.expr) if isinstance(node, ast.Name)
                          and _holds_text(scope.lookup(node.id)))
        for value in values:
            if target.lost(value, self.working_dirs):
                self.writes.append(Write(
                    call, target.expr, label, value, target.to_logs or value.display.endswith(".log"),
                    names=names, line=target.line, origin=_origin(target.expr, scope),
                    holder=scope.function))

    def holds(self, path: str) -> bool:
        """The root holds ``path`` (from a folder the jobs run in)."""
        return any(self.modules.exists(posixpath.normpath(posixpath.join(folder, strip_dot(path))))
                   for folder in self.working_dirs)

    def without_parameters(self, target: Target, scope: Scope) -> Values | None:
        """The path with the parameters it holds after its beginning unknown (``*``)."""
        self.defer_parameters = False
        try:
            return target.shaped(self.evaluate(target.expr, scope))
        except Unknown:
            return None
        finally:
            self.defer_parameters = True

    def targets(self, call: ast.Call, name: str | None, method: str | None,
                scope: Scope) -> list[Target]:
        """Where ``call`` takes each path it writes; empty when it writes none."""
        if name is not None:
            if name == "logging.config.dictConfig":
                return self.dict_config(call, scope)
            if name == "shutil.make_archive":
                return _archive(call)
            if name in DATABASES:
                return _database(call, *DATABASES[name])
            if name in PREFIX_WRITERS:
                prefix, suffix = PREFIX_WRITERS[name]
                found = argument(call, prefix)
                return [Target(found, suffix=suffix)] if found is not None else []
            writer = function_writer(name)
            if writer is not None:
                return _targets(argument(call, writer), to_logs=writes_logs(name))
            if name in OPENERS:
                path, mode, default = OPENERS[name]
                return _targets(argument(call, path) if _writes_in_mode(call, mode, default)
                                else None)
            if name.rsplit(".", 1)[-1] in ("open", "open_file") and "." in name:
                # another library's opener (aiofiles, jsonlines, fsspec): in a write mode given
                path_arg = argument(call, arg(0, "file", "filename", "path", "uri", "name"))
                return [Target(path_arg, by_family=True)] if path_arg is not None \
                    and argument(call, arg(1, "mode")) is not None \
                    and _writes_in_mode(call, arg(1, "mode"), "r") else []
            if name in MLFLOW_SAVE:
                return _targets(argument(call, MLFLOW_SAVE[name]))
            if name.startswith("mlflow."):
                return _targets(argument(call, MLFLOW_FLAVOUR_SAVE)
                                if name.endswith(".save_model") else None)
            return self.by_family(call, name, scope)
        if method is None:
            return self.by_family(call, call_label(call.func), scope)
        assert isinstance(call.func, ast.Attribute)
        receiver = call.func.value
        if method in ("write_text", "write_bytes") or (
            method == "open" and _writes_in_mode(call, arg(0, "mode"), "r")
        ):
            return [Target(receiver)]
        if method in ("rename", "replace") and len(call.args) == 1 and not call.keywords:
            self.moved.add(_origin(receiver, scope))
            self.kept.extend(self.kept_values(receiver, scope))
            return [Target(call.args[0])]
        if self.own_method(call, receiver, method, scope):
            return []
        if method in METHODS:
            found = argument(call, METHODS[method])
            if found is not None and len(call.args) > 1 and found is call.args[0] \
                    and self.values(found, scope) is None and not self.is_parameter(found, scope):
                return [Target(call.args[1], by_family=True,  # save(obj, path)
                               directory=method != "save")]
            return _targets(found)
        if _STORAGE.search(call_label(receiver)):
            return []  # a key in a store, a bucket, a remote file system: no local file
        return self.by_family(call, method, scope, on_object=True)

    def by_family(self, call: ast.Call, name: str, scope: Scope,
                  on_object: bool = False) -> list[Target]:
        """The paths a call of no table writes, known by the callee's name (``write_ipc``,
        ``export``, ``save_results``) or by an output keyword (``output_dir=``, ``save_dir=``):
        never for a function or class of the root (its body says what it writes). A method
        (``on_object``) takes its path first."""
        last = name.rsplit(".", 1)[-1]
        family = writer_family(last, function=not on_object)
        writer_class = bool(OUTPUT_CLASS.match(last))
        if not (family or writer_class or any(
            keyword.arg and (OUTPUT_KEYWORD.match(keyword.arg) or keyword.arg == "storage")
            for keyword in call.keywords
        )):
            return []  # (the cheap test first: most calls are no writer)
        if name in PATH_BUILDERS or last in INERT_METHODS or self.callee_class(call.func, scope) \
                or (self.may_be_ours(call.func, scope)
                    and self.callee_function(call.func, scope) is not None):
            return []
        found: list[Target] = []
        if family:
            keyword = next((k.value for k in call.keywords if k.arg and PATH_KEYWORD.search(k.arg)),
                           None)
            if keyword is not None:
                found.append(Target(keyword, by_family=True, directory=True))
            else:
                positional = self.positional_path(call, scope, 1 if on_object else 2)
                if positional is not None:
                    found.append(Target(positional, by_family=True))
        elif writer_class and last.endswith("Writer") and call.args:
            found.append(Target(call.args[0], by_family=True))  # TFRecordWriter(path)
        if not NOT_OUTPUT_CALLEES.search(name):
            found.extend(
                Target(keyword.value, to_logs=keyword.arg.startswith(("log", "tensorboard")),
                       by_family=True, directory=True)
                for keyword in call.keywords
                if keyword.arg and (OUTPUT_KEYWORD.match(keyword.arg) or (
                    writer_class and CLASS_OUTPUT_KEYWORD.match(keyword.arg)))
                and not any(target.expr is keyword.value for target in found))
        found.extend(Target(keyword.value, by_family=True, database=True)
                     for keyword in call.keywords if keyword.arg == "storage")
        return found

    def positional_path(self, call: ast.Call, scope: Scope, first: int) -> ast.expr | None:
        """The first of the ``first`` arguments that is a string (``write_json(path, data)``,
        ``dump(obj, path)``)."""
        for candidate in call.args[:first]:
            if isinstance(candidate, ast.Starred):
                return None
            if self.values(candidate, scope) is not None or self.is_parameter(candidate, scope):
                return candidate
        return None

    def is_parameter(self, node: ast.expr, scope: Scope) -> bool:
        try:
            self.evaluate(node, scope)
        except ParameterValue:
            return True
        except Unknown:
            return False
        return False

    def dict_config(self, call: ast.Call, scope: Scope) -> list[Target]:
        """``logging.config.dictConfig``: the ``filename`` of each handler of a dict literal."""
        config = argument(call, arg(0, "config"))
        literal = config if isinstance(config, ast.Dict) else None
        if isinstance(config, ast.Name):
            binding = scope.lookup(config.id)
            literal = binding.literal if binding is not None else None
        handlers = _value_at(literal, "handlers")
        if not isinstance(handlers, ast.Dict):
            return []
        return [Target(filename, to_logs=True, line=filename.lineno) for handler in handlers.values
                for filename in [_value_at(handler, "filename")] if filename is not None]

    def own_method(self, call: ast.Call, receiver: ast.expr, method: str, scope: Scope) -> bool:
        """``receiver.method`` is a method the user's own class defines (its writes, if any, are
        found in its body)."""
        if isinstance(receiver, ast.Name) and receiver.id in ("self", "cls"):
            klass = scope.function.klass if scope.function is not None else None
            return method in _OWN_METHODS or (klass is not None and method in klass.body)
        return self.may_be_ours(call.func, scope) and self.callee_function(call.func, scope) is not None

    def lost_at(self, node: ast.expr, scope: Scope) -> bool:
        values = self.values(node, scope)
        return values is not None and bool(self.working_dirs) and all(
            is_lost(value, folder) for value in values for folder in self.working_dirs)

    # writes whose path a caller gives ---------------------------------------------------------
    def resolve_deferred(self) -> None:
        """Report each write whose path depends on a parameter at the calls in this module that
        make it lost; a write no call of the module reaches, at the write, with what is known of
        its path."""
        for deferred in self.deferred:
            if deferred.origin in self.moved:
                continue
            reached = False
            for found in self.through_calls(deferred.target.expr, deferred.scope,
                                            deferred.function, 0):
                reached = reached or bool(found.sites)
                if found.values is None or not found.sites:
                    continue
                site = found.sites[-1]
                through = f"{deferred.label} at line {self.display_line(deferred.call.lineno)}"
                self.report_at(site.call, found.values, deferred, through, self)
            if not reached:
                for value in deferred.fallback or ():
                    if deferred.target.lost(value, self.working_dirs):
                        self.writes.append(Write(
                            deferred.call, deferred.target.expr, deferred.label, value,
                            deferred.target.to_logs or value.display.endswith(".log"),
                            line=deferred.target.line, origin=deferred.origin, fallback=True,
                            holder=deferred.function))

    def pull(self) -> None:
        """Report the writes of other modules' functions that this module's calls make lost (the
        path passed, or passed on through other functions of that module)."""
        calls = [(call, site_scope, callee) for callee, sites in self.function_sites.items()
                 for call, site_scope in sites]
        called = {callee for _, _, callee in calls}
        for call, site_scope, callee in calls:
            other = callee.analysis
            if other is self or not isinstance(other, ModuleWrites):
                continue
            other.external_sites = {callee: [(call, site_scope, self)]}
            try:
                for deferred in other.deferred:
                    if deferred.origin in other.moved or (
                        deferred.function in called and deferred.function is not callee
                        and callee.name == "__init__"
                    ):
                        continue  # the calls of the method say it, with the instance they use
                    through = f"{deferred.label} in {other.path}:{deferred.call.lineno}"
                    for found in other.through_calls(deferred.target.expr, deferred.scope,
                                                     deferred.function, 0):
                        here = [site for site in found.sites if site.analysis is self]
                        if found.values is not None and here:
                            self.report_at(here[-1].call, found.values, deferred, through, other)
            finally:
                other.external_sites = {}

    def report_at(self, call: ast.Call, values: Values, deferred: _Deferred, through: str,
                  writer: ModuleWrites) -> None:
        passed = ast.Tuple(elts=[*call.args, *(keyword.value for keyword in call.keywords)],
                           ctx=ast.Load())
        for value in deferred.target.shaped(values):
            if deferred.target.lost(value, self.working_dirs):
                self.examined.add(id(call))
                self.writes.append(Write(
                    call, passed, call_label(call.func), value,
                    deferred.target.to_logs or value.display.endswith(".log"), through,
                    source=(writer.path, deferred.call.lineno)))


class _Uses(Analysis):
    """The second walk, over the lines that mention a written file: the paths other calls use
    (read back, passed to a tool, deleted), which makes the written file a scratch file."""

    def __init__(self, writes: ModuleWrites, lines: list[int]) -> None:
        super().__init__(writes.path, writes.tree, writes.modules, partial=True,
                         notebook=writes.notebook, facts=writes.facts)
        self.writes = writes
        self.lines = lines
        self.call_lines = lines
        self.skip_inits = True
        self.late_bodies = True
        self.module_scope.shared = True
        self.used: set[str] = set()

    def file_value(self) -> Text:
        return Text(self.path)

    def read_config(self, path: str) -> str | None:
        return self.writes.read_config(path)

    def value_binding(self, value: ast.expr, scope: Scope) -> Binding | None:
        return self.writes.value_binding(value, scope)

    def option_value(self, option: Option) -> Binding:
        return self.writes.option_value(option)

    def bind(self, target: ast.expr, value: ast.expr, scope: Scope) -> None:
        """A path handed on without a call: an item of a list or tuple (a command line to run,
        files to process), a value stored into a dict (``opt["model"] = path``)."""
        unpacked = isinstance(target, (ast.Tuple, ast.List)) and isinstance(
            value, (ast.Tuple, ast.List)) and len(target.elts) == len(value.elts)
        if touches(self.lines, value) and not unpacked and (  # (a, b = "m.pkl", "r.txt" names)
            isinstance(value, (ast.List, ast.Tuple)) or isinstance(target, ast.Subscript)
        ):
            for element in value.elts if isinstance(value, (ast.List, ast.Tuple)) else [value]:
                try:
                    self.used.update(normalized(found) for found in self.evaluate(element, scope))
                except Unknown:
                    continue
        super().bind(target, value, scope)

    def on_call(self, call: ast.Call, scope: Scope) -> None:
        if id(call) in self.writes.examined or not touches(self.lines, call):
            return
        name = qualified(call.func, self.writes.facts.aliases)
        if name is not None and (name.startswith("os.path.") or name in PATH_BUILDERS
                                 or name in LOGGED_OBJECTS):
            return
        made = self.callee_class(call.func, scope)
        if made is not None and made.dataclass:
            return  # a settings object made, not a file used
        if isinstance(call.func, ast.Attribute) and call.func.attr in INERT_METHODS:
            return
        for passed in _passed(call):
            try:
                values = self.evaluate(passed, scope)
            except Unknown:
                continue
            for value in values:
                self.used.add(normalized(value))
                # A command line: ``os.system("python eval.py --model model.pt")``.
                self.used.update(_strip_quotes(word) for word in value.display.split()[1:])


def lost_writes(analysis: ModuleWrites) -> Iterator[Write]:
    """The module's writes that nothing in it uploads, moves, copies or uses again."""
    if not analysis.writes:
        return
    mentions = _mention_lines(analysis.text, _mentions(analysis.writes))
    uses = _Uses(analysis, mentions)
    written = {line for write in analysis.writes
               for line in range(write.call.lineno, (write.call.end_lineno or write.call.lineno) + 1)}
    if not set(mentions) <= written:  # another line names a written file
        uses.run()
    kept = [normalized(value) for value in analysis.kept]
    seen: set[tuple[int, str]] = set()
    for write in analysis.writes:
        if _saves_a_logged_model(write.call, analysis) or _said_better(write, analysis.writes) \
                or write.origin in analysis.moved:
            continue
        path = normalized(write.value)
        if (id(write.call), path) in seen:
            continue
        seen.add((id(write.call), path))
        if path not in uses.used and not any(_kept_by(path, place) for place in kept):
            yield write


def unreferenced(write: Write, text: str, named: dict[str, bool]) -> str | None:
    """The name of the module-level function a write is in, when nothing in the module names it
    but its ``def`` (a function no code of the module runs, unless another module does);
    ``named`` remembers the answers by name."""
    holder = write.holder
    if holder is None or holder.outer is not None or holder.klass is not None \
            or holder.node.decorator_list:
        return None
    name = holder.name
    if name not in named:
        named[name] = text.count(name) > 1 and len(re.findall(rf"\b{re.escape(name)}\b", text)) > 1
    return None if named[name] else name


def _kept_by(path: str, place: str) -> bool:
    """``path`` is uploaded, copied or moved away when ``place`` is: the same path or a folder of
    it; a place whose folder is not known (``*/model.pkl``: a learner's own folder) by its file
    name."""
    if path == place or place in (".", "") or path.startswith(place + "/"):
        return True
    return place.startswith(UNKNOWN) and "/" in place and posixpath.basename(place) == \
        posixpath.basename(path)


def _said_better(write: Write, writes: Sequence[Write]) -> bool:
    """A write of a function reported with a partial path where another call reports the same
    write with a path that fits it (``Saver()`` gives ``artifacts/*``, ``saver.save(m, "m.pkl")``
    ``artifacts/m.pkl``): the second says it."""
    if write.through is None or write.value.rest is None:
        return False
    pattern = write.value.display
    return any(other.through == write.through and other.value.rest is None
               and fnmatch.fnmatchcase(other.value.known, pattern) for other in writes)


def _saves_a_logged_model(call: ast.Call, analysis: ModuleWrites) -> bool:
    """``mlflow.<flavour>.save_model(model, path)`` of a model the module also logs to the run
    (``log_model``): the local copy is lost, not the model."""
    name = qualified(call.func, analysis.facts.aliases) or ""
    if not (name.startswith("mlflow.") and name.endswith(".save_model")):
        return False
    saved = argument(call, arg(1 if name in MLFLOW_SAVE else 0))
    saved = saved if saved is not None else next(
        (k.value for k in call.keywords if k.arg and k.arg.endswith("model")), None)
    return isinstance(saved, ast.Name) and saved.id in analysis.logged_models


def fix(write: Write) -> str:
    path = normalized(write.value)
    if path.startswith("../"):
        path = path.rsplit("/", 1)[-1]
    return f"{'logs' if write.to_logs else 'outputs'}/{path}"


def _mentions(writes: Iterable[Write]) -> set[str]:
    """What a line that uses one of ``writes``' files must contain: its name or a name in its path."""
    words = set()
    for write in writes:
        words.add(posixpath.basename(write.value.known.rstrip("/")) or write.value.known)
        words.update(write.names if write.names is not None else (
            node.id for node in ast.walk(write.target) if isinstance(node, ast.Name)))
    words.discard("")
    return words


_ASSIGNED = re.compile(r"[ \t]*([A-Za-z_]\w*)[ \t]*(?::[^=\n]*)?=[^=]")


def _mention_lines(text: str, words: set[str]) -> list[int]:
    """The lines that name a written file: by one of ``words``, or by a name a line that does
    assigns (``source = "model"`` then ``copy_tree(source, target)``)."""
    lines = lines_containing(text, words)
    source = text.split("\n") if lines else []
    assigned = set()
    for line in lines:
        match = _ASSIGNED.match(source[line - 1])
        if match and match.group(1) not in words:
            assigned.add(match.group(1))
    return sorted({*lines, *lines_containing(text, assigned)}) if assigned else lines


def _holds_text(binding: Binding | None) -> bool:
    """A name bound to something that may be a path (not a number, an unknown value, a model)."""
    return binding is not None and bool(binding.values or binding.expr or binding.module
                                        or binding.parameter or binding.items)


def _strip_quotes(word: str) -> str:
    return normalized(Text(word.strip("\"'")))


def _passed(call: ast.Call) -> Iterator[ast.expr]:
    """The arguments of a call, and the items of the lists, tuples and dict values among them."""
    arguments = [*call.args, *(keyword.value for keyword in call.keywords)]
    while arguments:
        passed = arguments.pop()
        if isinstance(passed, (ast.List, ast.Tuple, ast.Set)):
            arguments.extend(passed.elts)
        elif isinstance(passed, ast.Dict):
            arguments.extend(value for value in passed.values if value is not None)
        else:
            yield passed


def _origin(expr: ast.expr, scope: Scope) -> Origin:
    return (id(scope.function.node) if scope.function is not None else 0, ast.dump(expr))


def _suffixed(values: Values, suffix: str) -> Values:
    return tuple(concat(value, Text(suffix)) for value in values) if suffix else values


def _targets(expr: ast.expr | None, to_logs: bool = False) -> list[Target]:
    return [Target(expr, to_logs)] if expr is not None else []


def _archive(call: ast.Call) -> list[Target]:
    """``shutil.make_archive(base, "zip", ...)`` writes ``base.zip``."""
    base, kind = argument(call, arg(0, "base_name")), argument(call, arg(1, "format"))
    suffix = ARCHIVE_SUFFIXES.get(kind.value) if isinstance(kind, ast.Constant) \
        and isinstance(kind.value, str) else None
    return [Target(base, suffix=suffix)] if base is not None and suffix else []


def _database(call: ast.Call, path: Arg, flag: Arg | None, read_only: object,
              default: object) -> list[Target]:
    """An embedded database opened where it may be written (not read-only)."""
    given = argument(call, flag) if flag is not None else None
    if given is not None and not isinstance(given, ast.Constant):
        return []  # a mode only the run knows
    value = given.value if isinstance(given, ast.Constant) else default
    if flag is not None and value == read_only:
        return []
    found = argument(call, path)
    return [Target(found, store=True)] if found is not None else []


def _value_at(literal: ast.expr | None, key: str) -> ast.expr | None:
    if not isinstance(literal, ast.Dict):
        return None
    return next((value for name, value in zip(literal.keys, literal.values)
                 if isinstance(name, ast.Constant) and name.value == key), None)


def _writes_in_mode(call: ast.Call, where: Arg, default: str) -> bool:
    mode = argument(call, where)
    if mode is None:
        return bool(WRITE_MODE.search(default))
    return isinstance(mode, ast.Constant) and isinstance(mode.value, str) and bool(
        WRITE_MODE.search(mode.value)
    )


def _opened_for_nothing(facts: ModuleFacts) -> set[int]:
    """``with open(path, "wb") as f:`` where the body never uses ``f``, and ``open(path, "w")``
    closed at once: an empty file is all such a call leaves."""
    found: set[int] = set()
    for node in facts.withs:
        for item in node.items:
            opener = item.context_expr
            if not isinstance(opener, ast.Call) or not _is_opener(opener, facts.aliases):
                continue
            handle = item.optional_vars
            if handle is None or (isinstance(handle, ast.Name) and not any(
                isinstance(use, ast.Name) and use.id == handle.id
                for statement in node.body for use in ast.walk(statement)
            )):
                found.add(id(opener))
    for statement in facts.expressions:
        call = statement.value
        if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) \
                and call.func.attr == "close" and isinstance(call.func.value, ast.Call) \
                and _is_opener(call.func.value, facts.aliases):
            found.add(id(call.func.value))
    return found


def _is_opener(call: ast.Call, aliases: dict[str, str]) -> bool:
    return qualified(call.func, aliases) in OPENERS or (
        isinstance(call.func, ast.Attribute) and call.func.attr == "open")


def _option_binding(option: Option, runs: Sequence[JobCommand]) -> Binding:
    """What ``args.DEST`` holds in the runs of the script: the value each command line gives the
    option, or its default where a command line does not set it."""
    values: list[Text] = []
    none = False
    shown = option.strings[0] if option.strings else option.dest
    for run in runs:
        given, value = _given(option, run.words)
        if not given:
            if run.opaque:
                return Binding(reason=Unknown(shown, "may be set by the command line"))
            if option.default.values:
                values.extend(option.default.values)
            elif option.default.none:
                none = True
            else:
                return option.default
        elif value is None or "$" in value or "{{" in value:
            return Binding(reason=Unknown(shown, "is set by the job's command line"))
        else:
            values.append(Text(value))
    if none:
        return Binding(none=True) if not values else Binding(
            reason=Unknown(shown, "is set by some command lines only"))
    return Binding(values=unique(values))


def _given(option: Option, words: Sequence[str]) -> tuple[bool, str | None]:
    """Whether ``words`` set ``option``, and the value they give it (None: not known)."""
    for index, written in enumerate(words):
        word = bare(written)
        if word in option.strings:
            if not option.takes_value or written.startswith("$[["):
                return True, None  # an optional part: the option may be set
            return True, bare(words[index + 1]) if index + 1 < len(words) else None
        for string in option.strings:
            if string.startswith("--") and word.startswith(string + "="):
                return True, word[len(string) + 1:]
            if word.startswith("--") and len(word) > 2 and string.startswith(word.split("=")[0]):
                return True, None  # an abbreviation argparse accepts
    return False, None


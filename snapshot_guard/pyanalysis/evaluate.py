"""The walk of one module and the evaluation of the strings and paths in it, without running it.

:class:`Analysis` walks a module's statements in order, binding names as Python would (branches
merged, loops and ``try`` accounted for), and calls :meth:`Analysis.on_call` for every call with the
scope it is made in, so a client (root discovery, the write analysis) looks at the calls it cares
about and evaluates their arguments. Evaluation follows names through scopes, imports of the
repository's own modules, attributes of classes, instances, ``SimpleNamespace`` and argparse
namespaces, and parameters to the calls that pass them (:meth:`Analysis.through_calls`).

Two modes: ``partial=False`` (discovery) wants whole values and raises :class:`Unknown` otherwise;
``partial=True`` (the write analysis) keeps a known beginning and shows the rest as ``*``.
"""
from __future__ import annotations

import ast
import dataclasses
import itertools
import posixpath
from collections.abc import Callable, Iterator, Sequence

from snapshot_guard.pyanalysis.commandline import Option as Option
from snapshot_guard.pyanalysis.commandline import (
    add_argument,
    command_options,
    hydra_config,
    set_defaults,
)
from snapshot_guard.pyanalysis.configs import (
    LOADERS,
    WRAPPERS,
    loaded_config,
    opened_file,
)
from snapshot_guard.pyanalysis.modules import Modules
from snapshot_guard.pyanalysis.scopes import (
    Binding,
    ClassInfo,
    Closure,
    Function,
    Instance,
    ModuleFacts,
    Scope,
    merge,
    module_facts,
)
from snapshot_guard.pyanalysis.syntax import argument as argument
from snapshot_guard.pyanalysis.syntax import callee_name as callee_name
from snapshot_guard.pyanalysis.syntax import dotted as dotted
from snapshot_guard.pyanalysis.syntax import first_parameter, touches
from snapshot_guard.pyanalysis.syntax import short as short_text
from snapshot_guard.pyanalysis.values import (
    CWD,
    MAX_ALTERNATIVES,
    STAR,
    NoneValue,
    ParameterValue,
    Text,
    Unknown,
    Values,
    concatenated,
    dirname,
    formatted,
    joined,
    product,
    unique,
)

MAX_CALL_DEPTH = 3
_PATH_PARTS = frozenset(("name", "stem", "suffix"))
_STRING_METHODS = frozenset(("replace", "lower", "upper", "title", "capitalize", "removeprefix",
                             "removesuffix", "lstrip", "rstrip", "zfill"))
"""String methods :meth:`Analysis.method_value` applies to whole values."""
_CHANGERS = frozenset(("update", "setdefault", "pop", "popitem", "clear", "merge_with"))
PATH_CLASSES = frozenset(("Path", "PurePath", "PosixPath", "PurePosixPath", "WindowsPath",
                          "PureWindowsPath"))
_DATACLASS_MARKERS = ("dataclass", "define", "frozen", "attrs", "s")
_DATACLASS_BASES = ("BaseModel", "BaseSettings", "NamedTuple")
_ENVIRONMENT_BASES = ("BaseSettings",)
_ENUM_BASES = ("Enum", "StrEnum")
"""Settings classes whose fields environment variables set."""
_PATH_FUNCTIONS = ("abspath", "realpath", "normpath", "expanduser", "dirname", "basename")
_IDENTITY_METHODS = ("resolve", "absolute", "as_posix", "expanduser", "strip")
_STRING_CALLS = frozenset((
    *PATH_CLASSES, *_PATH_FUNCTIONS, *_IDENTITY_METHODS, "join", "getcwd", "cwd", "home", "str",
    "fspath", "Code", "field", "get", "joinpath", "format", "with_suffix", "with_name", "replace",
    "lower", "upper", "title", "capitalize", "removeprefix", "removesuffix", "lstrip", "rstrip",
    "zfill",
))
"""The calls :meth:`Analysis.call_value` evaluates: any other call's value is not known."""


@dataclasses.dataclass(frozen=True)
class Site:
    """A call that passes a value on: in which module, the call, and the scope it is made in."""

    analysis: Analysis
    call: ast.Call


@dataclasses.dataclass(frozen=True)
class Resolution:
    """The values an expression takes through a chain of call sites (innermost first), or why not."""

    values: Values | None
    reason: str
    sites: tuple[Site, ...] = ()


class Analysis:
    """The walk of one module (a file, or a notebook's code cells as one module)."""

    def __init__(
        self, path: str, tree: ast.Module, modules: Modules, *, partial: bool, notebook: bool = False,
        facts: ModuleFacts | None = None,
    ) -> None:
        self.path = path
        self.tree = tree
        self.modules = modules
        self.partial = partial
        self.notebook = notebook
        self.functions: dict[str, list[Function]] = {}
        """Functions by the name a call uses: a class's ``__init__`` under the class name."""
        self.call_sites: dict[str, list[tuple[ast.Call, Scope]]] = {}
        self.imported: dict[str, tuple[str, str]] = {}
        """Names imported from the repository's own modules: alias -> (module file, name)."""
        self.module_aliases: dict[str, str] = {}
        """Modules of the repository imported whole: alias -> module file."""
        self.options: dict[str, Option] = {}
        self.parser_defaults: dict[str, Binding] = {}
        """``parser.set_defaults(out="exp")``: defaults that override the options' own."""
        self.classes: list[ClassInfo | None] = []
        """The classes around the statement being walked; None marks a function."""
        self.class_infos: dict[str, ClassInfo] = {}
        self.os_names: set[str] = set()
        """Names imported from ``os``, ``os.path`` or ``posixpath`` (``from os.path import join``)."""
        self.line_map: list[int] | None = None
        self.returns: dict[Function, list[tuple[ast.expr, Scope]]] = {}
        """What each function returns, with the scope at each ``return``."""
        self.unwalked: dict[Function, Scope] = {}
        """Functions whose bodies the walk left (see ``call_lines``), with the scope they are defined
        in: walked quietly when what they return is needed."""
        self.quiet = False
        self._returning: set[int] = set()
        self.external_sites: dict[Function, list[tuple[ast.Call, Scope, Analysis]]] = {}
        """Calls another module makes to this module's functions, counted as their call sites
        while a client resolves values through them."""
        self.module_scope = Scope()
        self._evaluating: set[int] = set()
        self.facts = module_facts(tree) if facts is None else facts
        self.call_lines: list[int] | None = None
        """When set (sorted), only the calls on these lines are walked, and a function whose lines
        hold none of them is not entered (but ``__init__``, whose ``self`` attributes count, unless
        ``skip_inits``)."""
        self.skip_inits = False
        self.defer_parameters = False
        """Partial mode: a parameter anywhere in a value (not only at its beginning) raises
        ParameterValue, so the value is taken at the calls that pass it."""
        self.function_sites: dict[Function, list[tuple[ast.Call, Scope]]] = {}
        """The calls of each function of the repository this module makes, however it is named
        there (a closure bound to a name, a method of an object a call returned)."""
        self.pending: dict[int, list[Function]] = {}
        """Functions whose bodies are walked when the module or class body they are defined in is
        done (by ``id`` of its scope)."""
        self.unknown_starts = False
        """Partial mode: a path whose beginning is not known is still known by its end
        (``*/model.pkl``), to recognise the file an upload or copy takes."""
        self.object_returns: dict[int, bool] = {}
        """Whether a function (by ``id`` of its node) may return an object analysis follows."""
        self.made: dict[int, Function] = {}
        """The function of each ``def`` (by ``id`` of its node)."""
        self.late_bodies = False
        """Walk function bodies when their module or class body is done, with the globals of the
        finished module (as they are when ``main()`` runs at the end), not where they are
        defined."""

    def run(self) -> None:
        self.statements(self.tree.body, self.module_scope)
        if self.facts.assigned_globals:
            self.rebind_globals()
        self.walk_pending(self.module_scope)

    def rebind_globals(self) -> None:
        """Globals a function assigns (``global args`` in ``main()``), as the functions the module
        body defines see them when they run: a placeholder (None, or nothing) the only assignment
        fills takes its value; any other is not known."""
        names = self.facts.assigned_globals
        assigned: dict[str, list[ast.expr]] = {}
        for node in ast.walk(self.tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                local = self.facts.local_names.get(id(node), frozenset())
                for inner in ast.walk(node):
                    if isinstance(inner, (ast.Assign, ast.AnnAssign)) and inner.value is not None:
                        for target in inner.targets if isinstance(inner, ast.Assign) \
                                else [inner.target]:
                            if isinstance(target, ast.Name) and target.id in names \
                                    and target.id not in local:
                                assigned.setdefault(target.id, []).append(inner.value)
        for name in names:
            values = list({id(value): value for value in assigned.get(name, [])}.values())
            current = self.module_scope.names.get(name)
            if (current is None or current.none) and len(values) == 1:
                self.module_scope.names[name] = self.binding_of(values[0], self.module_scope)
            else:
                self.module_scope.names[name] = Binding(
                    reason=Unknown(name, "is assigned by a function"))

    def walk_pending(self, scope: Scope) -> None:
        """Walk the bodies of the functions defined in ``scope`` (the module, or a class body)
        now that it is complete: they run after it, when every name of it is bound."""
        pending = self.pending.pop(id(scope), [])
        if self.facts.global_assigners:  # main() first: it sets the globals the others read
            pending.sort(key=lambda function: id(function.node) not in self.facts.global_assigners)
        for function in pending:
            self.walk_body(function, scope)

    def walk_body(self, function: Function, scope: Scope) -> Scope:
        self.unwalked.pop(function, None)
        self.returns.pop(function, None)
        inner = self.function_scope(function, scope)
        self.classes.append(None)
        self.statements(function.node.body, inner)
        self.classes.pop()
        return inner

    # hooks for clients ------------------------------------------------------------------------
    def on_call(self, call: ast.Call, scope: Scope) -> None:
        """Every call, inner calls first, with the scope it is made in."""

    def file_value(self) -> Text:
        """What ``__file__`` holds."""
        return Text(self.path)

    def option_value(self, option: Option) -> Binding:
        """What ``args.DEST`` holds after ``parse_args()``: by default, the option's default."""
        return option.default

    def value_binding(self, value: ast.expr, scope: Scope) -> Binding | None:
        """A client's binding for an assigned value (discovery: the roots a call declared)."""
        return None

    def read_config(self, path: str) -> str | None:
        """The text of a configuration file a module loads (``path`` normalised, relative to the
        working directory); None when it is not known (by default: never)."""
        return None

    def command_words(self) -> list[str] | None:
        """The words after this module's script on the command line that runs it, when there is
        one such command line and it is known (by default: never)."""
        return None

    # statements -------------------------------------------------------------------------------
    def statements(self, body: Sequence[ast.stmt], scope: Scope) -> bool:
        """Walk ``body``; True when it always ends in ``return``, ``raise``, ``break`` or
        ``continue`` (what follows is not reached from it)."""
        return any(self.statement(stmt, scope) for stmt in body)

    def statement(self, stmt: ast.stmt, scope: Scope) -> bool:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            self.function(stmt, scope)
        elif isinstance(stmt, ast.ClassDef):
            self.class_def(stmt, scope)
        elif isinstance(stmt, (ast.Assign, ast.AnnAssign)):
            if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) \
                    and scope.is_class and self.classes and self.classes[-1] is not None:
                self.classes[-1].fields.append(stmt.target.id)  # a field, its default given or not
            if stmt.value is not None:
                self.calls_in(stmt.value, scope)
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                for target in targets:
                    self.bind(target, stmt.value, scope)
        elif isinstance(stmt, ast.AugAssign):
            self.calls_in(stmt.value, scope)
            self.rebind(stmt.target, scope, "is reassigned")
        elif isinstance(stmt, (ast.For, ast.AsyncFor)):
            self.calls_in(stmt.iter, scope)
            self.loop(stmt, scope)
        elif isinstance(stmt, ast.While):
            self.calls_in(stmt.test, scope)
            self.loop(stmt, scope)
        elif isinstance(stmt, ast.If):
            self.calls_in(stmt.test, scope)
            return self.branches(scope, [stmt.body, stmt.orelse])
        elif isinstance(stmt, (ast.With, ast.AsyncWith)):
            for item in stmt.items:
                self.calls_in(item.context_expr, scope)
                opened = opened_file(self, item.context_expr, scope)
                if isinstance(item.optional_vars, ast.Name) and opened is not None:
                    scope.names[item.optional_vars.id] = opened
                elif item.optional_vars is not None:
                    self.rebind(item.optional_vars, scope, "is bound by with")
            return self.statements(stmt.body, scope)
        elif isinstance(stmt, (ast.Import, ast.ImportFrom)):
            self.import_names(stmt, scope)
        elif isinstance(stmt, ast.Try) or type(stmt).__name__ == "TryStar":
            self.try_statement(stmt, scope)
        elif type(stmt).__name__ == "Match":
            self.calls_in(stmt.subject, scope)  # type: ignore[attr-defined]
            cases = stmt.cases  # type: ignore[attr-defined]
            for case in cases:
                for node in ast.walk(case.pattern):
                    for name in (getattr(node, "name", None), getattr(node, "rest", None)):
                        if isinstance(name, str):
                            scope.names[name] = Binding(reason=f"{name} is bound by a match")
            self.branches(scope, [case.body for case in cases] + [[]])
        elif isinstance(stmt, (ast.Return, ast.Raise)):
            for child in ast.iter_child_nodes(stmt):
                self.calls_in(child, scope)
            if isinstance(stmt, ast.Return) and stmt.value is not None and scope.function is not None:
                self.returns.setdefault(scope.function, []).append((stmt.value, scope.snapshot()))
            return True
        elif isinstance(stmt, (ast.Break, ast.Continue)):
            return True
        elif isinstance(stmt, (ast.Global, ast.Nonlocal)):
            for name in stmt.names:
                scope.names.pop(name, None)
        elif isinstance(stmt, ast.Delete):
            for target in stmt.targets:
                self.rebind(target, scope, "is deleted")
        else:
            for child in ast.iter_child_nodes(stmt):
                if isinstance(child, ast.expr):
                    self.calls_in(child, scope)
            if isinstance(stmt, ast.Expr):
                self.changed_in_place(stmt.value, scope)
        return False

    def changed_in_place(self, expr: ast.expr, scope: Scope) -> None:
        """``config.update(...)``: a dict changed in place no longer holds what it was bound to."""
        if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) \
                and expr.func.attr in _CHANGERS and isinstance(expr.func.value, ast.Name):
            changed = expr.func.value.id
            known = scope.lookup(changed)
            if known is not None and known.mapping is not None:
                scope.names[changed] = Binding(reason=f"{changed} is changed by {expr.func.attr}()")

    def calls_in(self, node: ast.AST, scope: Scope) -> None:
        if self.call_lines is None or touches(self.call_lines, node):
            self.calls(node, scope)

    def branches(self, scope: Scope, bodies: Sequence[Sequence[ast.stmt]]) -> bool:
        """Walk alternative bodies from the same names; after them, a name holds what any of the
        bodies that fall through left. True when none falls through."""
        before = scope.names
        ends = []
        for body in bodies:
            scope.names = dict(before)
            if not self.statements(body, scope):
                ends.append(scope.names)
        scope.names = merge(ends) if ends else before
        return not ends

    def loop(self, stmt: ast.For | ast.AsyncFor | ast.While, scope: Scope) -> None:
        """A name the body rebinds holds, at the top of the body, what it held before or what an
        earlier pass left: not known there. After the loop: what it held before, or after a pass."""
        changed = self.facts.loop_names.get(id(stmt), frozenset())
        before = scope.names
        scope.names = dict(before)
        for name in changed:
            if name in before:
                scope.names[name] = Binding(reason=f"{name} is reassigned in a loop")
        if not isinstance(stmt, ast.While):
            self.bind_loop(stmt.target, stmt.iter, scope)
        self.statements(stmt.body, scope)
        after_body = scope.names
        scope.names = merge([before, after_body])
        if stmt.orelse:
            self.statements(stmt.orelse, scope)

    def try_statement(self, stmt: ast.stmt, scope: Scope) -> None:
        before = scope.names
        scope.names = dict(before)
        body_ends = not self.statements(stmt.body, scope)  # type: ignore[attr-defined]
        after_body = scope.names
        entry = merge([before, after_body])
        ends = []
        if body_ends:
            scope.names = dict(after_body)
            if not self.statements(stmt.orelse, scope):  # type: ignore[attr-defined]
                ends.append(scope.names)
        for handler in stmt.handlers:  # type: ignore[attr-defined]
            scope.names = dict(entry)
            if handler.name:
                scope.names[handler.name] = Binding(reason=f"{handler.name} is an exception")
            if not self.statements(handler.body, scope):
                ends.append(scope.names)
        scope.names = merge(ends) if ends else entry
        self.statements(stmt.finalbody, scope)  # type: ignore[attr-defined]

    def rebind(self, target: ast.AST, scope: Scope, why: str) -> None:
        """Make the names ``target`` binds unknown (``a, *b = ...``, ``x.y += 1``)."""
        for node in ast.walk(target):
            if isinstance(node, ast.Name):
                scope.names[node.id] = Binding(reason=f"{node.id} {why}")
            elif isinstance(node, ast.Attribute):
                self.attribute_assigned(node, scope, Binding(reason=f"{short_text(node)} {why}"))

    def import_star(self, file: str, scope: Scope) -> None:
        """``from settings import *`` of a module of the repository: the public names its body
        binds (those of ``__all__`` only, when it has one: not followed)."""
        tree = self.modules.parse(file)
        if tree is None:
            return
        names: list[str] = []
        for stmt in tree.body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.append(stmt.name)
            elif isinstance(stmt, (ast.Assign, ast.AnnAssign)):
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                names.extend(target.id for target in targets if isinstance(target, ast.Name))
        if "__all__" in names:
            return
        for name in names:
            if not name.startswith("_"):
                self.imported[name] = (file, name)
                scope.names[name] = Binding(module=(file, name))

    def import_names(self, stmt: ast.Import | ast.ImportFrom, scope: Scope) -> None:
        """Bind what an import brings: a module of the repository (its constants and functions read
        when first used), or an outside name (unknown)."""
        if isinstance(stmt, ast.Import):
            for alias in stmt.names:
                name = alias.asname or alias.name.split(".", 1)[0]
                file = self.modules.locate(alias.name, 0, self.path)
                if file is not None and (alias.asname or "." not in alias.name):
                    self.module_aliases[name] = file
                    scope.names[name] = Binding(module_file=file)
                else:
                    scope.names[name] = Binding(reason=f"{name} is a module")
            return
        module = stmt.module or ""
        if module in ("os", "os.path", "posixpath", "ntpath"):
            self.os_names.update(alias.asname or alias.name for alias in stmt.names)
        file = self.modules.locate(module, stmt.level, self.path) if module or stmt.level else None
        for alias in stmt.names:
            if alias.name == "*":
                if file is not None:
                    self.import_star(file, scope)
                continue
            name = alias.asname or alias.name
            submodule = self.modules.locate(f"{module}.{alias.name}" if module else alias.name,
                                            stmt.level, self.path)
            if submodule is not None:
                self.module_aliases[name] = submodule
                scope.names[name] = Binding(module_file=submodule)
            elif file is not None:
                self.imported[name] = (file, alias.name)
                scope.names[name] = Binding(module=(file, alias.name))
            else:
                scope.names[name] = Binding(reason=f"{name} is imported from {module or '.'}")

    def function(self, node: ast.FunctionDef | ast.AsyncFunctionDef, scope: Scope) -> None:
        for decorator in node.decorator_list:
            self.calls_in(decorator, scope)
        for default in [*node.args.defaults, *(d for d in node.args.kw_defaults if d)]:
            self.calls_in(default, scope)
        klass = self.classes[-1] if self.classes else None
        params = [*node.args.posonlyargs, *node.args.args]
        static = any(callee_name(d) == "staticmethod" for d in node.decorator_list)
        method = klass is not None and bool(params) and not static
        function = self.made.get(id(node))
        if function is None:  # a body walked again (quietly first, for what it returns) keeps it
            function = self.made[id(node)] = Function(node, method, klass, self, outer=scope.function)
            registered = klass.name if klass is not None and node.name == "__init__" else node.name
            self.functions.setdefault(registered, []).append(function)
        scope.names[node.name] = Binding(function=function)
        if self.call_lines is not None and (node.name != "__init__" or self.skip_inits) \
                and not touches(self.call_lines, node):
            self.unwalked[function] = scope.snapshot() if scope.parent is not None else scope
            return
        if self.late_bodies and node.name != "__init__" and (scope.parent is None or scope.is_class):
            self.pending.setdefault(id(scope), []).append(function)
            self.unwalked[function] = scope
            return
        inner = self.walk_body(function, scope)
        if klass is not None and node.name == "__init__":
            klass.init = function
            klass.init_scope = inner

    def class_def(self, node: ast.ClassDef, scope: Scope) -> None:
        for expr in [*node.decorator_list, *node.bases, *(k.value for k in node.keywords)]:
            self.calls_in(expr, scope)
        klass = ClassInfo(node, self, reassigned=self.facts.self_attributes.get(id(node), frozenset()))
        klass.dataclass = any(callee_name(d) in _DATACLASS_MARKERS for d in node.decorator_list) \
            or any(callee_name(base) in _DATACLASS_BASES for base in node.bases)
        self.class_infos.setdefault(node.name, klass)
        inner = Scope(scope, is_class=True)
        self.classes.append(klass)
        self.statements(node.body, inner)
        klass.body = inner.names
        if any(callee_name(base) in _ENVIRONMENT_BASES for base in node.bases):
            klass.reassigned = klass.reassigned.union(klass.body, klass.fields)  # the environment
            # sets any field
        self.inherit(klass, node, scope)
        scope.names[node.name] = Binding(klass=klass)
        self.walk_pending(inner)
        self.classes.pop()

    def inherit(self, klass: ClassInfo, node: ast.ClassDef, scope: Scope) -> None:
        """What a class takes from its bases that are classes of the repository: their methods
        and class attributes, their ``__init__`` when it has none, their dataclass fields."""
        bases = [base for base in (self.callee_class(expr, scope) for expr in node.bases)
                 if base is not None and base is not klass]
        if not bases:
            return
        body: dict[str, Binding] = {}
        for base in reversed(bases):
            body.update(base.body)
        klass.body = {**body, **klass.body}
        if klass.init is None:
            found = next((base for base in bases if base.init is not None), None)
            if found is not None:
                klass.init, klass.init_scope = found.init, found.init_scope
            klass.dataclass = klass.dataclass or any(base.dataclass for base in bases)
        klass.reassigned = klass.reassigned.union(*(base.reassigned for base in bases))
        inherited = [field for base in reversed(bases) for field in base.fields]
        klass.fields = [*(field for field in inherited if field not in klass.fields), *klass.fields]

    # bindings ---------------------------------------------------------------------------------
    def bind(self, target: ast.expr, value: ast.expr, scope: Scope) -> None:
        if isinstance(target, (ast.Tuple, ast.List)):
            values = value.elts if isinstance(value, (ast.Tuple, ast.List)) else None
            namespace = callee_name(value) == "parse_known_args"
            for index, element in enumerate(target.elts):
                if values is not None and len(values) == len(target.elts):
                    self.bind(element, values[index], scope)
                elif namespace and index == 0:
                    self.bind(element, value, scope)
                else:
                    self.rebind(element, scope, "is unpacked")
            return
        if isinstance(target, ast.Starred):
            self.rebind(target, scope, "is unpacked")
            return
        binding = self.binding_of(value, scope)
        if isinstance(target, ast.Name):
            scope.names[target.id] = binding
        elif isinstance(target, ast.Attribute):
            self.attribute_assigned(target, scope, binding)
        else:
            self.rebind(target, scope, "is assigned")

    def attribute_assigned(self, target: ast.Attribute, scope: Scope, binding: Binding) -> None:
        chain = dotted(target)
        if chain is not None:
            scope.names[chain] = binding

    def binding_of(self, value: ast.expr, scope: Scope) -> Binding:
        client = self.value_binding(value, scope)
        if client is not None:
            return client
        if isinstance(value, ast.Call):
            if (self.qualified(value.func) in WRAPPERS or self.qualified(value.func) == "vars") \
                    and len(value.args) == 1 and not value.keywords:
                return self.binding_of(value.args[0], scope)  # the same object, seen as a dict
            made = self.object_binding(value, scope)
            if made is not None:
                return made
        if isinstance(value, ast.Subscript):
            try:
                item, _ = self.object_of(value, scope)
            except Unknown:
                item = None
            if item is not None and (item.instance is not None or item.mapping is not None):
                return item
        if isinstance(value, ast.Name):
            known = scope.lookup(value.id)
            if known is not None and not known.values and (
                known.refs or known.items is not None or known.mapping is not None or known.instance
                or known.klass or known.function or known.module_file
            ):
                return known
        if isinstance(value, ast.Dict):
            mapping = {key.value: self.binding_of(item, scope)
                       for key, item in zip(value.keys, value.values)
                       if isinstance(key, ast.Constant) and isinstance(key.value, str)}
            return Binding(mapping=mapping, literal=value, reason="a dict")
        if isinstance(value, (ast.List, ast.Tuple)):
            items: list[Text] = []
            for element in value.elts:
                try:
                    items.extend(self.evaluate(element, scope))
                except Unknown:
                    return Binding(reason="a list with values that are not constants")
            return Binding(items=tuple(items))
        if isinstance(value, ast.Call) and not self.may_give_a_string(value, scope):
            return Binding(reason=Unknown(value))
        try:
            return Binding(values=self.evaluate(value, scope))
        except ParameterValue:
            return Binding(expr=value, scope=scope.snapshot())
        except NoneValue:
            return Binding(none=True)
        except Unknown as error:
            return Binding(reason=error)

    def qualified(self, func: ast.expr) -> str | None:
        """The dotted name a call's function has through the module's imports (``np.save`` ->
        ``numpy.save``); builtins as they are."""
        chain = dotted(func)
        if chain is None:
            return None
        first, _, rest = chain.partition(".")
        meaning = self.facts.aliases.get(first, first)
        return f"{meaning}.{rest}" if rest and meaning else meaning or None

    def object_binding(self, call: ast.Call, scope: Scope) -> Binding | None:
        """What a call makes that analysis follows: an instance of a class of the repository, a
        ``SimpleNamespace``, an argparse namespace, the data of a configuration file."""
        name = callee_name(call.func)
        if name in ("parse_args", "parse_known_args") and isinstance(call.func, ast.Attribute):
            return Binding(reason="command-line arguments",
                           instance=Instance(parser=True, analysis=self))
        qualified = self.qualified(call.func)
        if qualified in LOADERS:
            return loaded_config(self, call, qualified, scope)
        if qualified == "functools.partial" and call.args:
            wrapped = self.callee_function(call.args[0], scope)
            if wrapped is not None:
                return Binding(function=wrapped, partial=call)
        if (qualified in WRAPPERS or qualified == "vars") and len(call.args) == 1:
            made, _ = self.object_of(call.args[0], scope)
            if made is not None and (made.mapping is not None or (
                    made.instance is not None and made.instance.parser)):
                return made
        if name == "SimpleNamespace":
            attributes = {k.arg: self.binding_of(k.value, scope) for k in call.keywords if k.arg}
            if len(attributes) == len(call.keywords):
                return Binding(instance=Instance(attributes=attributes))
            return None
        found = self.callee_class(call.func, scope)
        if found is not None:
            klass = found
            return Binding(instance=Instance(klass, call, scope.snapshot(), self),
                           reason=f"an instance of {klass.name}")
        if name == "field":
            factory = argument(call, "default_factory", None)
            if isinstance(factory, ast.Lambda) and isinstance(factory.body, ast.Call):
                return self.object_binding(factory.body, scope)
            factory_class = self.callee_class(factory, scope) if factory is not None else None
            if factory_class is not None:
                return Binding(instance=Instance(factory_class),
                               reason=f"an instance of {factory_class.name}")
        if self.may_be_ours(call.func, scope):
            function = self.callee_function(call.func, scope)
            if function is not None and function.name != "__init__":
                return self.returned_object(function, call, scope)
        return None

    def returned_object(self, function: Function, call: ast.Call, scope: Scope) -> Binding | None:
        """What a call of a function of the repository returns, when every ``return`` of it gives
        the same object analysis follows: an instance (``Config.default()``), an argparse
        namespace (``args = parse_args()``), a dict, or a function defined inside it (a closure,
        bound to the parameters this call passes)."""
        owner = function.analysis
        if id(function.node) not in owner.object_returns:
            owner.object_returns[id(function.node)] = _may_return_an_object(function.node)
        if not owner.object_returns[id(function.node)]:
            return None
        key = id(function.node)
        if key in owner._returning:
            return None
        owner._returning.add(key)
        try:
            returns = owner.returns_of(function)
            try:
                given = self.passed_to(function, call, scope)
            except Unknown:
                given = {}
            found: list[Binding] = []
            for expr, where in returns:
                inner = Scope(where)
                inner.parameters = {**scope.passed(), function: given}
                made = owner.returned_binding(expr, inner)
                if made is None:
                    return None
                found.append(made)
        finally:
            owner._returning.discard(key)
        if not found or any(not _same_object(found[0], other) for other in found[1:]):
            return None
        made = found[0]
        if made.function is not None and function.encloses(made.function):
            return Binding(function=made.function,
                           closure=Closure(function, call, scope.snapshot(), self))
        return made

    def returned_binding(self, expr: ast.expr, scope: Scope) -> Binding | None:
        """The object ``return expr`` gives in ``scope`` (with the call's parameters), if any."""
        if isinstance(expr, ast.Call):
            return self.object_binding(expr, scope)
        if isinstance(expr, ast.Dict):
            return self.binding_of(expr, scope)
        if not isinstance(expr, ast.Name):
            return None
        binding = scope.lookup(expr.id)
        if binding is None:
            return None
        instance = binding.instance
        if instance is not None and instance.scope is not None and scope.parameters:
            bound = Scope(instance.scope)
            bound.parameters = scope.parameters
            return dataclasses.replace(binding, instance=dataclasses.replace(instance, scope=bound))
        if instance is not None or binding.function is not None or binding.mapping is not None \
                or binding.klass is not None:
            return binding
        return None

    def callee_class(self, func: ast.expr, scope: Scope) -> ClassInfo | None:
        binding, _ = self.object_of(func, scope)
        return binding.klass if binding is not None else None

    def callee_function(self, func: ast.expr, scope: Scope) -> Function | None:
        """The function of the repository a call runs, when it is one (a class: its ``__init__``)."""
        binding, _ = self.object_of(func, scope)
        if binding is None:
            return None
        if binding.function is not None:
            return binding.function
        if binding.klass is not None:
            return binding.klass.init
        return None

    def object_of(self, expr: ast.expr, scope: Scope,
                  strict: bool = False) -> tuple[Binding | None, Analysis]:
        """The binding ``expr`` names, following imports into the repository's modules; ``strict``:
        raise ParameterValue when it depends on a parameter (else None)."""
        if isinstance(expr, ast.Name):
            binding = scope.lookup(expr.id)
            if binding is not None and binding.parameter is not None:
                passed = scope.parameter(binding.parameter, expr.id)
                if passed is None and strict and not _is_self(binding.parameter, expr.id):
                    raise ParameterValue(expr.id, binding.parameter)
                binding = passed or binding
            if binding is not None and binding.expr is not None and not binding.values \
                    and id(binding.expr) not in self._evaluating:
                where = Scope(binding.scope) if binding.scope is not None else Scope(scope)
                where.parameters = scope.passed()
                self._evaluating.add(id(binding.expr))
                try:  # a name bound to an object a parameter gives (``options = vars(args)``)
                    return self.object_of(binding.expr, where, strict)
                finally:
                    self._evaluating.discard(id(binding.expr))
            return self.followed(binding)
        if isinstance(expr, ast.Call):
            return self.object_binding(expr, scope), self
        if isinstance(expr, ast.Subscript):
            container, analysis = self.object_of(expr.value, scope, strict)
            key = expr.slice
            if container is not None and container.mapping is not None \
                    and isinstance(key, ast.Constant) and isinstance(key.value, str):
                return container.mapping.get(key.value), analysis
            if container is not None and container.instance is not None \
                    and container.instance.parser and isinstance(key, ast.Constant) \
                    and key.value == 0:
                return container, analysis  # parse_known_args()[0]
            return None, self
        if isinstance(expr, ast.Attribute):
            chain = dotted(expr)
            bound = scope.lookup(chain) if chain is not None else None
            if bound is not None and bound.expr is not None and not bound.values \
                    and id(bound.expr) not in self._evaluating:
                where = Scope(bound.scope) if bound.scope is not None else Scope(scope)
                where.parameters = scope.passed()
                self._evaluating.add(id(bound.expr))
                try:  # self.cfg = cfg in __init__: the object the call passes
                    found = self.object_of(bound.expr, where, strict)
                finally:
                    self._evaluating.discard(id(bound.expr))
                if found[0] is not None:
                    return found
            owner, _ = self.object_of(expr.value, scope, strict)
            if owner is not None and owner.module_file is not None:
                other = self.modules.analysis(owner.module_file)
                if other is not None:
                    return other.followed(other.module_scope.names.get(expr.attr))
            if owner is not None and owner.klass is not None:
                return owner.klass.body.get(expr.attr), owner.klass.analysis
            if owner is not None and owner.mapping is not None:
                return owner.mapping.get(expr.attr), self
            instance = self.instance_of(owner, expr.value)
            if instance is not None:
                try:
                    return self.member_object(instance, expr.attr, scope), self
                except ParameterValue:
                    if strict:
                        raise
        return None, self

    @staticmethod
    def instance_of(owner: Binding | None, expr: ast.expr) -> Instance | None:
        """The object ``owner`` (the binding of ``expr``) is: an instance, or a method's ``self``."""
        if owner is None:
            return None
        if owner.instance is not None:
            return owner.instance
        function = owner.parameter
        if function is not None and function.method and function.klass is not None \
                and isinstance(expr, ast.Name) and expr.id == first_parameter(function):
            return Instance(function.klass)
        return None

    def member_object(self, instance: Instance, attr: str, scope: Scope) -> Binding | None:
        """The object an instance's attribute holds (``self.config``, ``settings.paths``); raises
        ParameterValue when ``__init__`` sets it from a parameter and no constructor call is known."""
        if instance.attributes is not None:
            return instance.attributes.get(attr)
        klass = instance.klass
        if klass is None or attr in klass.reassigned or attr in klass.analysis.facts.object_attributes:
            return None
        owner = klass.analysis
        call = instance.call
        known_call = call is not None and instance.analysis is not None and instance.scope is not None
        if known_call:
            assert call is not None and instance.analysis is not None and instance.scope is not None
            passed = self.constructor_argument(klass, call, attr)
            if passed is not None:
                return instance.analysis.object_of(passed, instance.scope)[0]
            unpacked = instance.analysis.unpacked_field(klass, call, attr, instance.scope)
            if unpacked is not None:
                return unpacked
        init, init_scope = klass.init, klass.init_scope
        binding = init_scope.names.get(f"self.{attr}") if init_scope is not None else None
        if binding is None or init is None or init_scope is None:
            return klass.body.get(attr)
        if not isinstance(binding.expr, ast.Name):
            return binding
        if not known_call:
            raise ParameterValue(binding.expr.id, init)
        assert call is not None and instance.analysis is not None and instance.scope is not None
        bound = owner.bind_call(init, call, instance.scope, instance.analysis, init_scope, 1)
        return owner.object_of(binding.expr, bound)[0]

    def followed(self, binding: Binding | None, depth: int = 0) -> tuple[Binding | None, Analysis]:
        if binding is not None and binding.module is not None and depth < 8:
            other = self.modules.analysis(binding.module[0])
            if other is not None:
                return other.followed(other.module_scope.names.get(binding.module[1]), depth + 1)
        return binding, self

    def bind_loop(self, target: ast.expr, iterable: ast.expr, scope: Scope) -> None:
        """Bind a loop's target to the strings it takes: the items of a list or tuple literal (or
        a name bound to one), the first part of ``enumerate`` over one, the parts of ``zip``, the
        keys of a dict and, in ``.items()``, the string values too."""
        if isinstance(target, ast.Name):
            items = self.loop_items(iterable, scope)
            if items:
                scope.names[target.id] = Binding(values=unique(items))
                return
        elif isinstance(target, ast.Tuple) and isinstance(iterable, ast.Call):
            parts = self.loop_parts(iterable, len(target.elts), scope)
            if parts is not None:
                for element, items in zip(target.elts, parts):
                    if isinstance(element, ast.Name) and items:
                        scope.names[element.id] = Binding(values=unique(items))
                    else:
                        self.rebind(element, scope, "is a loop variable")
                return
        self.rebind(target, scope, "is a loop variable")

    def loop_items(self, iterable: ast.expr, scope: Scope) -> Values | None:
        if isinstance(iterable, (ast.List, ast.Tuple, ast.Set)):
            return self.binding_of(ast.List(elts=list(iterable.elts), ctx=ast.Load()), scope).items
        if isinstance(iterable, ast.Call) and isinstance(iterable.func, ast.Attribute) \
                and iterable.func.attr == "keys" and not iterable.args:
            iterable = iterable.func.value
        try:
            known, _ = self.object_of(iterable, scope) if isinstance(
                iterable, (ast.Name, ast.Attribute, ast.Subscript)) else (None, self)
        except Unknown:
            return None
        if known is not None and known.items is not None:
            return known.items
        if known is not None and known.mapping is not None and known.mapping:
            return tuple(Text(key) for key in known.mapping)
        if isinstance(iterable, (ast.Dict)):
            keys = [key.value for key in iterable.keys
                    if isinstance(key, ast.Constant) and isinstance(key.value, str)]
            return tuple(Text(key) for key in keys) if len(keys) == len(iterable.keys) else None
        return None

    def loop_parts(self, call: ast.Call, count: int, scope: Scope) -> list[Values | None] | None:
        """What each name of ``for a, b in zip(...)``/``enumerate(...)``/``d.items()`` takes."""
        name = callee_name(call.func)
        if name == "enumerate" and isinstance(call.func, ast.Name) and count == 2 and call.args:
            return [None, self.loop_items(call.args[0], scope)]
        if name == "zip" and isinstance(call.func, ast.Name) and len(call.args) == count:
            return [self.loop_items(part, scope) for part in call.args]
        if name == "items" and isinstance(call.func, ast.Attribute) and count == 2 \
                and not call.args:
            keys = self.loop_items(call.func.value, scope)
            return [keys, None] if keys else None
        return None

    # values -----------------------------------------------------------------------------------
    def evaluate(self, expr: ast.expr, scope: Scope) -> Values:
        """Every string ``expr`` may hold, or Unknown."""
        if isinstance(expr, ast.Constant):
            if isinstance(expr.value, str):
                return (Text(expr.value),)
            if expr.value is None:
                raise NoneValue()
            raise Unknown(expr, "is not a string")
        if isinstance(expr, ast.Name):
            return self.name(expr.id, scope)
        if isinstance(expr, ast.JoinedStr):
            return self.fstring(expr, scope)
        if isinstance(expr, ast.BinOp):
            return self.binary(expr, scope)
        if isinstance(expr, ast.BoolOp) and isinstance(expr.op, ast.Or):
            return self.first_set(expr.values, scope)
        if isinstance(expr, ast.IfExp):
            fallback = _fallback(expr)
            if fallback is not None:
                return self.first_set(fallback, scope)
            return unique(self.evaluate(expr.body, scope) + self.evaluate(expr.orelse, scope))
        if isinstance(expr, ast.Attribute):
            return self.attribute(expr, scope)
        if isinstance(expr, ast.Subscript):
            return self.subscript(expr, scope)
        if isinstance(expr, ast.Call):
            return self.call_value(expr, scope)
        if isinstance(expr, ast.NamedExpr):
            return self.evaluate(expr.value, scope)
        raise Unknown(expr)

    def tail(self, expr: ast.expr, scope: Scope) -> Values:
        """A part after the beginning of a value: in partial mode, ``*`` when it is not known."""
        if not self.partial:
            return self.evaluate(expr, scope)
        try:
            return self.evaluate(expr, scope)
        except ParameterValue:
            if self.defer_parameters:
                raise
            return self.inner_tail(expr, scope)
        except Unknown:
            return self.inner_tail(expr, scope)

    def inner_tail(self, expr: ast.expr, scope: Scope) -> Values:
        """A part after a path's beginning whose own beginning is not known: what it ends with
        still known (``join(OUT, f"{x.id}.jpg")``, ``join(OUT, name + ".jpg")``: ``OUT/*.jpg``)."""
        if isinstance(expr, ast.JoinedStr):
            return self.fstring(expr, scope, inner=True)
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
            return product([self.tail(expr.left, scope), self.tail(expr.right, scope)],
                           concatenated)
        return (STAR,)

    def head(self, expr: ast.expr, scope: Scope) -> Values:
        """The beginning of an f-string: in partial mode ``*`` when it is not known, unless it is a
        parameter (then known at the calls)."""
        if not self.partial:
            return self.evaluate(expr, scope)
        try:
            return self.evaluate(expr, scope)
        except ParameterValue:
            raise
        except Unknown:
            return (STAR,)

    def fstring(self, expr: ast.JoinedStr, scope: Scope, inner: bool = False) -> Values:
        """An f-string; ``inner``: one after the beginning of a path (``join(OUT, f"{x.id}.jpg")``),
        whose first field, unknown, is a ``*`` like the others."""
        parts: list[Values] = []
        for part in expr.values:
            if isinstance(part, ast.FormattedValue):
                if part.format_spec is not None or part.conversion not in (-1, ord("s")):
                    if not self.partial:
                        raise Unknown(expr, "formats a value")
                    parts.append((STAR,))
                    continue
                parts.append(self.tail(part.value, scope) if parts or inner
                             else self.head(part.value, scope))
            else:
                parts.append(self.evaluate(part, scope))
        return product(parts, concatenated) if parts else (Text(""),)

    def binary(self, expr: ast.BinOp, scope: Scope) -> Values:
        left = self.start(expr.left, scope) if isinstance(expr.op, ast.Div) \
            else self.evaluate(expr.left, scope)
        if isinstance(expr.op, ast.Mod):
            return self.percent(expr, left, scope)
        if not isinstance(expr.op, (ast.Add, ast.Div)):
            raise Unknown(expr, "is not a path expression")
        right = self.tail(expr.right, scope)
        if isinstance(expr.op, ast.Add):
            return product([left, right], concatenated)
        return product([left, right], joined)

    def percent(self, expr: ast.BinOp, left: Values, scope: Scope) -> Values:
        operands = expr.right.elts if isinstance(expr.right, ast.Tuple) else [expr.right]
        choices = [self.constants(operand, scope) for operand in operands]
        results: list[Text] = []
        for template in left:
            if template.rest is not None:
                raise Unknown(expr, "formats a template not fully known")
            if all(choice is not None for choice in choices):
                for combo in _combinations(choices):
                    try:
                        value = template.known % tuple(combo)
                    except (TypeError, ValueError, KeyError):
                        raise Unknown(expr, "does not format") from None
                    results.append(Text(value))
                continue
            if not self.partial:
                raise Unknown(expr, "formats values that are not constants")
            parts = [self.single(operand, scope) for operand in operands]
            results.append(formatted(template.known, "%", parts))
        return unique(results)

    def constants(self, expr: ast.expr, scope: Scope) -> list[object] | None:
        """The constants ``expr`` may hold (strings or numbers), None when not all known."""
        if isinstance(expr, ast.Constant) and isinstance(expr.value, (int, float)) \
                and not isinstance(expr.value, bool):
            return [expr.value]
        try:
            values = self.evaluate(expr, scope)
        except Unknown:
            return None
        if any(value.rest is not None for value in values):
            return None
        return [value.known for value in values]

    def single(self, expr: ast.expr, scope: Scope) -> Text | None:
        """The one value ``expr`` holds, partial or whole; None when not known or not one."""
        try:
            values = self.evaluate(expr, scope)
        except Unknown:
            return None
        return values[0] if len(values) == 1 else None

    def first_set(self, operands: list[ast.expr], scope: Scope) -> Values:
        """``a or b``: the first operand that is not None (nor an empty string)."""
        for operand in operands:
            try:
                values = self.evaluate(operand, scope)
            except NoneValue:
                continue
            if all(value.display for value in values):
                return values
            if any(value.display for value in values):
                raise Unknown(operand, "may be empty")
        raise Unknown("every operand of 'or'", "is None")

    def name(self, name: str, scope: Scope) -> Values:
        binding = scope.lookup(name)
        if binding is None:
            if name == "__file__":
                if self.notebook:
                    raise Unknown("__file__", "is not defined in a notebook")
                return (self.file_value(),)
            raise Unknown(name, "is not bound to a constant in this file")
        return self.binding_values(name, binding, scope)

    def binding_values(self, name: str, binding: Binding, scope: Scope) -> Values:
        if binding.values:
            return binding.values
        if binding.parameter is not None:
            passed = scope.parameter(binding.parameter, name)
            if passed is None:
                raise ParameterValue(name, binding.parameter)
            return self.binding_values(name, passed, scope)
        if binding.expr is not None:
            key = id(binding.expr)
            if key in self._evaluating:
                raise Unknown(name, "is defined in terms of itself")
            where = scope
            if binding.scope is not None:
                where = Scope(binding.scope)
                where.parameters = scope.passed()
            self._evaluating.add(key)
            try:
                return self.evaluate(binding.expr, where)
            finally:
                self._evaluating.discard(key)
        if binding.module is not None:
            return self.imported_constant(*binding.module, name)
        if binding.none:
            raise NoneValue(name)
        if binding.instance is not None and binding.instance.klass is None \
                and binding.instance.attributes is None and not binding.instance.parser:
            raise Unknown(name, "is an object")
        raise Unknown(binding.why(name), "")

    def imported_constant(self, file: str, name: str, shown: str) -> Values:
        other = self.modules.analysis(file)
        binding = other.module_scope.names.get(name) if other is not None else None
        if other is None or binding is None or binding.parameter or binding.expr:
            raise Unknown(shown, f"is not a constant in {self.relative(file)}")
        try:
            return other.binding_values(shown, binding, other.module_scope)
        except NoneValue:
            raise
        except Unknown:
            raise Unknown(shown, f"is not a constant in {self.relative(file)}") from None

    def relative(self, file: str) -> str:
        top = self.modules.top
        if not top:
            return file
        return posixpath.normpath(str(self.modules.paths.relpath(file, top)).replace("\\", "/"))

    def attribute(self, expr: ast.Attribute, scope: Scope) -> Values:
        if expr.attr == "parent":
            return tuple(Text(dirname(whole)) for whole in self.whole(expr.value, scope))
        if expr.attr == "curdir" and dotted(expr.value) in ("os", "os.path"):
            return (Text("."),)
        if expr.attr == "sep" and dotted(expr.value) in ("os", "os.path", "posixpath"):
            return (Text("/"),)
        if expr.attr == "value" and isinstance(expr.value, ast.Attribute):
            owner, _ = self.object_of(expr.value.value, scope)
            if owner is not None and owner.klass is not None and any(
                    callee_name(base) in _ENUM_BASES for base in owner.klass.node.bases):
                return self.evaluate(expr.value, scope)  # Paths.MODEL.value of an Enum
        if expr.attr in _PATH_PARTS and isinstance(expr.value, (ast.Call, ast.BinOp)):
            return self.path_part(expr.attr, self.whole(expr.value, scope))
        if expr.attr in _PATH_PARTS and isinstance(expr.value, (ast.Name, ast.Attribute)):
            try:  # a name holding a path (not an object with such an attribute)
                wholes = self.whole(expr.value, scope)
            except Unknown:
                pass
            else:
                return self.path_part(expr.attr, wholes)
        chain = dotted(expr)
        if chain is not None:
            binding = scope.lookup(chain)
            if binding is not None:
                return self.binding_values(chain, binding, scope)
        owner, analysis = self.object_of(expr.value, scope, strict=True)
        if owner is not None:
            found = self.member(owner, analysis, expr, scope)
            if found is not None:
                return found
        raise Unknown(expr)

    @staticmethod
    def path_part(part: str, paths: list[str]) -> Values:
        """``Path(...).name``, ``.stem``, ``.suffix``."""
        names = [posixpath.basename(path.rstrip("/")) for path in paths]
        if part == "stem":
            return unique(Text(posixpath.splitext(name)[0]) for name in names)
        if part == "suffix":
            return unique(Text(posixpath.splitext(name)[1]) for name in names)
        return unique(Text(name) for name in names)

    def member(self, owner: Binding, analysis: Analysis, expr: ast.Attribute,
               scope: Scope) -> Values | None:
        """``owner.NAME``: a module's constant, a class attribute, an instance's attribute."""
        attr = expr.attr
        if owner.module_file is not None:
            return self.imported_constant(owner.module_file, attr, dotted(expr) or attr)
        if owner.klass is not None:
            binding = owner.klass.body.get(attr)
            if binding is not None:
                return owner.klass.analysis.binding_values(attr, binding, owner.klass.analysis.module_scope)
            return None
        if owner.instance is not None:
            return self.instance_attribute(owner.instance, attr, expr, scope)
        if owner.mapping is not None and attr in owner.mapping:  # cfg.paths: OmegaConf, EasyDict
            return self.binding_values(attr, owner.mapping[attr], scope)
        function = owner.parameter
        if function is not None and function.method and function.klass is not None \
                and isinstance(expr.value, ast.Name) and expr.value.id == first_parameter(function):
            return self.instance_attribute(Instance(function.klass), attr, expr, scope)
        return None

    def instance_attribute(self, instance: Instance, attr: str, expr: ast.Attribute,
                           scope: Scope) -> Values:
        if instance.attributes is not None:
            binding = instance.attributes.get(attr)
            if binding is None:
                raise Unknown(expr)
            return self.binding_values(attr, binding, scope)
        if instance.parser:
            parsed = instance.analysis or self
            option = parsed.options.get(attr)
            if option is None:
                raise Unknown(expr, "is not an option of this file's parser")
            binding = parsed.option_value(option)
            return parsed.binding_values(short_text(expr), binding, parsed.module_scope)
        klass = instance.klass
        if klass is None:
            raise Unknown(expr)
        owner = klass.analysis
        if attr in klass.reassigned or attr in owner.facts.object_attributes:
            raise Unknown(expr, "is assigned in several places")
        call = instance.call
        if call is not None and instance.analysis is not None and instance.scope is not None:
            passed = self.constructor_argument(klass, call, attr)
            if passed is not None:
                return instance.analysis.evaluate(passed, instance.scope)
            unpacked = instance.analysis.unpacked_field(klass, call, attr, instance.scope)
            if unpacked is not None:  # Config(**json.load(...)): any field
                return instance.analysis.binding_values(attr, unpacked, instance.scope)
        init_binding = klass.init_scope.names.get(f"self.{attr}") if klass.init_scope else None
        if init_binding is None and klass.init_scope is not None and klass.init is not None:
            first = first_parameter(klass.init)
            init_binding = klass.init_scope.names.get(f"{first}.{attr}")
        if init_binding is not None and klass.init is not None and klass.init_scope is not None:
            if call is not None and instance.analysis is not None and instance.scope is not None:
                bound = owner.bind_call(klass.init, call, instance.scope, instance.analysis,
                                        klass.init_scope, 1)
                return owner.binding_values(attr, init_binding, bound)
            return owner.binding_values(attr, init_binding, klass.init_scope)
        binding = klass.body.get(attr)
        if binding is not None and binding.function is not None \
                and binding.function.decorated("property", "cached_property"):
            return self.property_value(binding.function, instance, scope)
        if binding is not None:
            return owner.binding_values(attr, binding, owner.module_scope)
        raise Unknown(expr)

    def property_value(self, function: Function, instance: Instance, scope: Scope) -> Values:
        """What a ``@property`` of the instance's class returns for that instance."""
        return _returns(function, lambda: {first_parameter(function) or "self": Binding(instance=instance)},
                        scope, function.name, "is defined in terms of itself")

    @staticmethod
    def constructor_argument(klass: ClassInfo, call: ast.Call, attr: str) -> ast.expr | None:
        """What a dataclass's constructor call passes for field ``attr``."""
        if not klass.dataclass:
            return None
        for keyword in call.keywords:
            if keyword.arg == attr:
                return keyword.value
        if attr in klass.fields:
            index = klass.fields.index(attr)
            if index < len(call.args) and not any(isinstance(a, ast.Starred) for a in call.args):
                return call.args[index]
        return None

    def unpacked_field(self, klass: ClassInfo, call: ast.Call, attr: str,
                       scope: Scope) -> Binding | None:
        """What ``*args`` or ``**kwargs`` of a dataclass's constructor call may pass to field
        ``attr`` (:meth:`unpacked`); None when they cannot pass it."""
        if not klass.dataclass or (not any(keyword.arg is None for keyword in call.keywords)
                                   and not any(isinstance(a, ast.Starred) for a in call.args)):
            return None
        index = klass.fields.index(attr) if attr in klass.fields else None
        return self.unpacked(call, attr, index, scope)

    def subscript(self, expr: ast.Subscript, scope: Scope) -> Values:
        index = expr.slice
        if isinstance(expr.value, ast.Call) and callee_name(expr.value.func) == "splitext" \
                and len(expr.value.args) == 1 and isinstance(index, ast.Constant) \
                and index.value in (0, 1):
            return unique(Text(posixpath.splitext(whole)[int(index.value)])  # type: ignore[arg-type]
                          for whole in self.whole(expr.value.args[0], scope))
        if isinstance(expr.value, ast.Attribute) and expr.value.attr == "parents":
            index = expr.slice
            if isinstance(index, ast.Constant) and isinstance(index.value, int):
                levels = index.value + 1
                return tuple(Text(dirname(whole, levels)) for whole in self.whole(expr.value.value, scope))
        return self.lookup_key(expr.value, expr.slice, scope)

    def whole(self, expr: ast.expr, scope: Scope) -> list[str]:
        values = self.evaluate(expr, scope)
        if any(value.rest is not None for value in values):
            raise Unknown(expr, "is not fully known")
        return [value.known for value in values]

    def lookup_key(self, container: ast.expr, key: ast.expr, scope: Scope,
                   default: ast.expr | None = None, get: bool = False) -> Values:
        """``container[key]`` (or ``container.get(key, default)``) for a dict literal and a
        constant key: the dict bound to a name, passed to a parameter, an attribute, a value of
        another dict. ``get`` without a default of a key the dict has not: None."""
        binding, _ = self.object_of(container, scope, strict=True)
        if binding is not None and binding.instance is not None and binding.instance.parser \
                and isinstance(key, ast.Constant) and isinstance(key.value, str):
            return self.instance_attribute(binding.instance, key.value, ast.Attribute(
                value=container, attr=key.value, ctx=ast.Load()), scope)  # vars(args)["out"]
        if binding is None or binding.mapping is None:
            raise Unknown(f"{short_text(container)}[...]")
        text = key.value if isinstance(key, ast.Constant) and isinstance(key.value, str) else None
        found = binding.mapping.get(text) if text is not None else None
        if text is None or found is None:
            if default is not None and text is not None:
                return self.evaluate(default, scope)
            if get and text is not None:
                raise NoneValue(f"{short_text(container)}.get({text!r})")
            raise Unknown(f"{short_text(container)}[{short_text(key)}]")
        return self.binding_values(text, found, scope)

    def call_value(self, call: ast.Call, scope: Scope) -> Values:
        func = call.func
        name = callee_name(func)
        chain = dotted(func) or ""
        args = [a for a in call.args if not isinstance(a, ast.Starred)]
        if len(args) != len(call.args):
            raise Unknown(call, "unpacks its arguments")
        if chain in ("os.getcwd", "Path.cwd", "pathlib.Path.cwd") or (
            chain == "getcwd" and self.imported_from_os("getcwd", scope)
        ):
            return (CWD,)
        if chain in ("Path.home", "pathlib.Path.home"):
            return (Text("~"),)
        if name in PATH_CLASSES and (isinstance(func, ast.Name) or chain.startswith("pathlib.")):
            if not args:
                return (CWD,)
            return self.path_join(args, scope)
        if chain.endswith("path.join") or (chain == "join" and self.imported_from_os("join", scope)):
            return self.path_join(args, scope)
        os_function = chain in (f"os.path.{name}", f"path.{name}", f"posixpath.{name}") or (
            isinstance(func, ast.Name) and self.imported_from_os(chain, scope))
        if name in _PATH_FUNCTIONS and os_function and len(args) == 1:
            return self.path_function(str(name), args[0], scope)
        if name in ("str", "fspath") and len(args) == 1 and isinstance(func, (ast.Name, ast.Attribute)):
            return self.evaluate(args[0], scope)
        if name == "Code":
            value = argument(call, "path", 0)
            if value is not None:
                return self.evaluate(value, scope)
        if name == "field" and isinstance(func, (ast.Name, ast.Attribute)):
            default = argument(call, "default", None)
            if default is not None:
                return self.evaluate(default, scope)
        function = self.callee_function(func, scope) if self.may_be_ours(func, scope) else None
        if function is not None and function.name != "__init__":
            return self.returned(function, call, scope)
        if isinstance(func, ast.Attribute):
            return self.method_value(call, func, args, scope)
        raise Unknown(call)

    def may_give_a_string(self, call: ast.Call, scope: Scope | None = None) -> bool:
        """A call whose value :meth:`call_value` may know: a path function, or a function of the
        root's code (what it returns)."""
        return callee_name(call.func) in _STRING_CALLS or self.may_be_ours(call.func, scope)

    def may_be_ours(self, func: ast.expr, scope: Scope | None = None) -> bool:
        """``func`` may be a function of the repository: a name defined or imported from its
        modules, or bound to one; a method of a class of it, an instance, a module of it."""
        name = callee_name(func)
        if isinstance(func, ast.Name):
            if name in self.facts.defined or name in self.imported:
                return True
            bound = scope.lookup(func.id) if scope is not None else None
            return bound is not None and (bound.function is not None or bound.klass is not None)
        if not isinstance(func, ast.Attribute):
            return False
        if name in self.facts.defined:
            return True
        base = func.value
        while isinstance(base, ast.Attribute):
            base = base.value
        if isinstance(base, ast.Call):
            return self.may_be_ours(base.func, scope)
        if not isinstance(base, ast.Name):
            return False
        if base.id in self.module_aliases or base.id in self.imported or base.id in self.facts.defined:
            return True
        bound = scope.lookup(base.id) if scope is not None else None
        return bound is not None and (bound.klass is not None or bound.module_file is not None or (
            bound.instance is not None and bound.instance.klass is not None))

    def function_scope(self, function: Function, scope: Scope) -> Scope:
        """The scope a function's body starts with: its parameters, in the scope it is defined in."""
        node = function.node
        inner = Scope(scope, function, local_names=self.facts.local_names.get(id(node), frozenset()))
        if function.method and function.klass is not None and function.decorated("classmethod"):
            first = first_parameter(function) or "cls"
            inner.names[first] = Binding(klass=function.klass)
        hydra = hydra_config(self, node) if node.decorator_list else None
        if hydra is not None and first_parameter(function):
            inner.names[first_parameter(function) or ""] = hydra
        for extra in (node.args.vararg, node.args.kwarg):
            if extra is not None:
                inner.names[extra.arg] = Binding(reason=f"{extra.arg} collects call arguments")
        options = command_options(self, node, scope) if node.decorator_list or node.args.defaults \
            or node.args.kw_defaults else {}
        for param in [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]:
            if param.arg in inner.names:
                continue
            option = options.get(param.arg)
            inner.names[param.arg] = Binding(parameter=function) if option is None \
                else self.option_value(option)
        return inner

    def returns_of(self, function: Function) -> list[tuple[ast.expr, Scope]]:
        outer = self.unwalked.pop(function, None)
        if outer is not None:
            quiet, self.quiet = self.quiet, True
            try:
                self.statements(function.node.body, self.function_scope(function, outer))
            finally:
                self.quiet = quiet
        return self.returns.get(function, [])

    def returned(self, function: Function, call: ast.Call, scope: Scope) -> Values:
        """What a call of a function of the root's code returns: each ``return`` of it evaluated
        with the parameters the call passes."""
        return _returns(function, lambda: self.passed_to(function, call, scope), scope, call, "calls itself")

    def unpacked(self, call: ast.Call, name: str, index: int | None,
                 scope: Scope) -> Binding | None:
        """What ``*args`` or ``**kwargs`` of ``call`` may pass to parameter ``name``: the value a
        known dict gives it, or unknown; None when they cannot pass it."""
        starred = next((position for position, passed in enumerate(call.args)
                        if isinstance(passed, ast.Starred)), None)
        if starred is not None and index is not None and index >= starred:
            return Binding(reason=f"{name} may be passed by *{short_text(call.args[starred])}")
        for keyword in call.keywords:
            if keyword.arg is not None:
                continue
            try:
                mapping, _ = self.object_of(keyword.value, scope)
            except Unknown:
                mapping = None
            if mapping is None or mapping.mapping is None:
                return Binding(reason=f"{name} may be passed by **{short_text(keyword.value)}")
            if name in mapping.mapping:
                return mapping.mapping[name]
        return None

    def unpartial(self, call: ast.Call, scope: Scope) -> ast.Call:
        """A call of a ``functools.partial``: the call of its function, the partial's arguments
        first."""
        made = scope.lookup(call.func.id) if isinstance(call.func, ast.Name) else None
        if made is None or made.partial is None:
            return call
        partial = made.partial
        merged = ast.Call(func=call.func, args=[*partial.args[1:], *call.args],
                          keywords=[*partial.keywords, *call.keywords])
        return ast.copy_location(merged, call)

    def passed_to(self, function: Function, call: ast.Call, scope: Scope) -> dict[str, Binding]:
        """What ``call`` (in this module, in ``scope``) passes to ``function``'s parameters, as
        evaluated here (a value that is a parameter here stays one)."""
        call = self.unpartial(call, scope)
        given: dict[str, Binding] = {}
        if function.method and isinstance(call.func, ast.Attribute):
            receiver, _ = self.object_of(call.func.value, scope)
            if receiver is not None:
                given[first_parameter(function) or "self"] = receiver
        owner = function.analysis
        for param, index in function.parameters():
            passed = argument(call, param.arg, index)
            unpacked = self.unpacked(call, param.arg, index, scope) if passed is None else None
            if unpacked is not None:
                given[param.arg] = unpacked
                continue
            if passed is None:
                default = function.default(param.arg)
                given[param.arg] = Binding(reason=f"{param.arg} is not passed") if default is None \
                    else owner.binding_of(default, owner.module_scope)
                continue
            made = self.passed_object(passed, scope)
            if made is not None:
                given[param.arg] = made
                continue
            if isinstance(passed, ast.Constant) and isinstance(passed.value, (int, float)) \
                    and not isinstance(passed.value, bool):
                given[param.arg] = Binding(values=(Text(str(passed.value)),))  # in a file name
                continue
            try:
                given[param.arg] = Binding(values=self.evaluate(passed, scope))
            except ParameterValue:
                raise
            except NoneValue:
                given[param.arg] = Binding(none=True)
            except Unknown as error:
                given[param.arg] = Binding(reason=error)
        return given

    def imported_from_os(self, name: str, scope: Scope) -> bool:
        return name in self.os_names

    def path_join(self, args: Sequence[ast.expr], scope: Scope) -> Values:
        if not args:
            raise Unknown("a join of nothing", "")
        parts = [self.start(args[0], scope), *(self.tail(a, scope) for a in args[1:])]
        return product(parts, joined)

    def start(self, expr: ast.expr, scope: Scope) -> Values:
        """The first part of a join or a ``/``: ``*`` when not known, with ``unknown_starts``."""
        if not self.unknown_starts:
            return self.evaluate(expr, scope)
        try:
            return self.evaluate(expr, scope)
        except Unknown:
            return (STAR,)

    def path_function(self, name: str, arg: ast.expr, scope: Scope) -> Values:
        values = self.evaluate(arg, scope)
        if name in ("dirname", "basename"):
            if any(value.rest is not None for value in values):
                raise Unknown(arg, "is not fully known")
            if name == "dirname":
                return unique(Text(posixpath.dirname(value.known)) for value in values)
            return unique(Text(posixpath.basename(value.known)) for value in values)
        if name == "expanduser":
            return values
        return unique(Text(posixpath.normpath(value.known)) if value.rest is None and value.known
                      else value for value in values)

    def method_value(
        self, call: ast.Call, func: ast.Attribute, args: list[ast.expr], scope: Scope
    ) -> Values:
        method = func.attr
        if method in _IDENTITY_METHODS and not args:
            return self.evaluate(func.value, scope)
        if method == "get" and args:
            return self.lookup_key(func.value, args[0], scope, args[1] if len(args) > 1 else None,
                                   get=True)
        if method == "join" and len(args) == 1 and isinstance(args[0], (ast.List, ast.Tuple)) \
                and args[0].elts and not call.keywords:
            elements = args[0].elts
            parts = [self.evaluate(elements[0], scope), *(self.tail(e, scope) for e in elements[1:])]
            joins: list[Text] = []
            for separator in self.whole(func.value, scope):
                spaced = [parts[0], *(part for later in parts[1:] for part in ((Text(separator),),
                                                                                later))]
                joins.extend(product(spaced, concatenated))
            return unique(joins)
        if method in _STRING_METHODS and not call.keywords:
            texts = self.whole(func.value, scope)
            given = [self.whole(a, scope) for a in args]
            applied: list[Text] = []
            for text in texts:
                for combo in itertools.islice(itertools.product(*given), MAX_ALTERNATIVES):
                    try:
                        applied.append(Text(getattr(text, method)(*combo)))
                    except (TypeError, ValueError):
                        raise Unknown(call, "does not apply") from None
            return unique(applied)
        if method == "joinpath":
            start = self.evaluate(func.value, scope)
            return product([start, *(self.tail(a, scope) for a in args)], joined)
        if method == "format":
            return self.format_call(call, func, args, scope)
        if method in ("with_suffix", "with_name") and len(args) == 1:
            bases = self.whole(func.value, scope)
            endings = self.whole(args[0], scope)
            results: list[Text] = []
            for base in bases:
                head, last = posixpath.split(base)
                stem = posixpath.splitext(last)[0] if method == "with_suffix" else ""
                results.extend(Text(posixpath.join(head, stem + ending)) for ending in endings)
            return unique(results)
        raise Unknown(call)

    def format_call(
        self, call: ast.Call, func: ast.Attribute, args: list[ast.expr], scope: Scope
    ) -> Values:
        templates = self.evaluate(func.value, scope)
        keywords = {k.arg: k.value for k in call.keywords if k.arg}
        if len(keywords) != len(call.keywords):
            raise Unknown(call, "unpacks its arguments")
        choices = [self.constants(a, scope) for a in [*args, *keywords.values()]]
        results: list[Text] = []
        for template in templates:
            if template.rest is not None:
                raise Unknown(call, "formats a template not fully known")
            if all(choice is not None for choice in choices):
                for combo in _combinations(choices):
                    named = dict(zip(keywords, combo[len(args):]))
                    try:
                        results.append(Text(template.known.format(*combo[: len(args)], **named)))
                    except (IndexError, KeyError, ValueError):
                        raise Unknown(call, "does not format") from None
                continue
            if not self.partial:
                raise Unknown(call, "formats values that are not constants")
            results.append(formatted(
                template.known, "{", [self.single(a, scope) for a in args],
                {key: self.single(value, scope) for key, value in keywords.items()},
            ))
        return unique(results)

    # calls ------------------------------------------------------------------------------------
    def calls(self, node: ast.AST, scope: Scope) -> None:
        """Every call in ``node``, inner calls first; comprehension variables bound to what they
        iterate over."""
        if isinstance(node, ast.Lambda):
            return
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            inner = Scope(scope)
            for generator in node.generators:
                self.calls(generator.iter, inner)
                self.bind_loop(generator.target, generator.iter, inner)
                for condition in generator.ifs:
                    self.calls(condition, inner)
            parts = [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]
            for part in parts:
                self.calls(part, inner)
            return
        if isinstance(node, ast.NamedExpr):
            self.calls(node.value, scope)
            scope.names[node.target.id] = self.binding_of(node.value, scope)
            return
        for child in ast.iter_child_nodes(node):
            self.calls(child, scope)
        if isinstance(node, ast.Call):
            self.call(node, scope)

    def call(self, call: ast.Call, scope: Scope) -> None:
        name = callee_name(call.func)
        if name == "add_argument":
            add_argument(self, call, scope)  # the parser's options, however the body is walked
        elif name == "set_defaults":
            set_defaults(self, call, scope)

        if self.quiet:
            return
        if name is not None:
            site = self.site_key(call.func, name, scope)
            snapshot = None
            if site is not None:
                snapshot = scope.snapshot()
                self.call_sites.setdefault(site, []).append((call, snapshot))
            if site is not None or self.called_object(call.func, scope):
                function = self.callee_function(call.func, scope)
                if function is not None:
                    self.function_sites.setdefault(function, []).append(
                        (call, snapshot or scope.snapshot()))
        self.on_call(call, scope)

    def called_object(self, func: ast.expr, scope: Scope) -> bool:
        """A call's function that no site key names but that may be the repository's: a name bound
        to a function (a closure, a partial), a method of an object a call returns."""
        if isinstance(func, ast.Name):
            bound = scope.lookup(func.id)
            return bound is not None and bound.function is not None
        return isinstance(func, ast.Attribute) and isinstance(func.value, ast.Call) \
            and self.may_be_ours(func, scope)

    def site_key(self, func: ast.expr, name: str, scope: Scope) -> str | None:
        """The key a call to a function of the repository is recorded under, None for others: a
        function of the module or imported from the root's modules, a method called on ``self``,
        on an instance of a class of the root or on a constructor call."""
        if isinstance(func, ast.Name):
            return name if name in self.facts.defined or name in self.imported else None
        if not isinstance(func, ast.Attribute):
            return None
        receiver = func.value
        if isinstance(receiver, ast.Name):
            if receiver.id in self.module_aliases:
                return f"{receiver.id}.{name}"
            bound = scope.lookup(receiver.id)
            if bound is not None and bound.instance is not None and bound.instance.klass is not None:
                return f"{receiver.id}.{name}"
            klass = bound.klass if bound is not None else None
            if bound is not None and klass is None and bound.module is not None:
                klass = self.callee_class(receiver, scope)  # a class imported from the root
            member = klass.body.get(name) if klass is not None else None
            if member is not None and member.function is not None \
                    and member.function.decorated("classmethod", "staticmethod"):
                return f"{receiver.id}.{name}"  # Store.put(model, "final")
            if bound is not None and bound.parameter is not None and bound.parameter.method \
                    and receiver.id == first_parameter(bound.parameter):
                return name if name in self.facts.defined else None
            return None
        if isinstance(receiver, ast.Call) and name in self.facts.defined:
            return name
        return None

    def sites_of(self, function: Function) -> list[tuple[ast.Call, Scope]]:
        names = [name for name, group in self.functions.items() for f in group if f is function]
        found = [site for name in names for site in self.call_sites.get(name, [])]
        seen = {id(call) for call, _ in found}
        return found + [site for site in self.function_sites.get(function, [])
                        if id(site[0]) not in seen]

    def sites_calling(self, path: str, names: list[str]) -> list[tuple[ast.Call, Scope]]:
        """Calls in this module of the functions ``names`` of the module at ``path``."""
        keys = [alias for alias, (file, name) in self.imported.items()
                if file == path and name in names]
        keys += [f"{alias}.{name}" for alias, file in self.module_aliases.items() if file == path
                 for name in names]
        return [site for key in keys for site in self.call_sites.get(key, [])]

    def through_calls(
        self, expr: ast.expr, scope: Scope, function: Function | None, depth: int
    ) -> list[Resolution]:
        """The values ``expr`` takes at each call of the function it depends on, with the call
        sites that give them, or why not."""
        try:
            return [Resolution(self.evaluate(expr, scope), "")]
        except ParameterValue as error:
            target = error.function if isinstance(error.function, Function) else function
            if target is None or depth >= MAX_CALL_DEPTH:
                return [Resolution(None, str(error))]
            if target.analysis is not self:
                return [Resolution(None, str(error))]
            routes = [target]
            if function is not None and function is not target and (
                (function.method and target.name == "__init__" and function.klass is target.klass)
                or target.encloses(function)
            ):
                routes.insert(0, function)  # a call of the method knows the instance, a call of
                # the closure the call that made it
            results: list[Resolution] = []
            for route in routes:
                sites = [(call, site_scope, self) for call, site_scope in self.sites_of(route)]
                for call, site_scope, site in sites + self.external_sites.get(route, []):
                    for bound, outer in self.bind_for(route, function, call, site_scope, site,
                                                      scope, depth):
                        for found in self.through_calls(expr, bound, None, depth + 1):
                            results.append(dataclasses.replace(
                                found, sites=(*found.sites, Site(site, call), *outer)))
                if any(found.values is not None for found in results):
                    break
            if not results:
                return [Resolution(None, f"{error.name} is a parameter of {target.name}(){NO_CALL}")]
            return results
        except Unknown as error:
            return [Resolution(None, str(error))]

    def bind_for(
        self, target: Function, function: Function | None, call: ast.Call, site_scope: Scope,
        site: Analysis, scope: Scope, depth: int,
    ) -> list[tuple[Scope, tuple[Site, ...]]]:
        """``scope`` with ``target``'s parameters bound to what ``call`` passes (see
        :meth:`bind_calls`); when ``target`` is the ``__init__`` of the class a method ``function``
        belongs to, ``self`` is bound to the instance the call makes."""
        if function is not None and function is not target and target.klass is not None \
                and function.klass is target.klass and target.name == "__init__":
            bound = Scope(scope)
            instance = Instance(target.klass, call, site_scope, site)
            bound.parameters = {function: {first_parameter(function) or "self":
                                           Binding(instance=instance)}}
            return [(bound, ())]
        return self.bind_calls(target, call, site_scope, site, scope, depth)

    def bind_call(
        self, function: Function, call: ast.Call, site_scope: Scope, site: Analysis,
        scope: Scope, depth: int,
    ) -> Scope:
        """``scope`` with ``function``'s parameters bound to every value ``call`` (in ``site``) may
        pass them."""
        options = self.bind_calls(function, call, site_scope, site, scope, depth)
        if len(options) == 1:
            return options[0][0]
        bound = Scope(scope)
        bound.parameters = {function: merge([(option.parameters or {})[function]
                                             for option, _ in options])}
        return bound

    def bind_calls(
        self, function: Function, call: ast.Call, site_scope: Scope, site: Analysis,
        scope: Scope, depth: int,
    ) -> list[tuple[Scope, tuple[Site, ...]]]:
        """``scope`` with ``function``'s parameters bound to what ``call`` (in ``site``) passes.
        When an argument is itself a parameter of the calling function, one scope per call of that
        function that gives it a value, with those calls (innermost first)."""
        call = site.unpartial(call, site_scope)
        fixed: dict[str, Binding] = {}
        chained: tuple[str, list[Resolution]] | None = None
        if function.method and isinstance(call.func, ast.Attribute):
            receiver, _ = site.object_of(call.func.value, site_scope)
            if receiver is not None and receiver.instance is not None:
                fixed[first_parameter(function) or "self"] = receiver
        for param, index in function.parameters():
            passed = argument(call, param.arg, index)
            unpacked = site.unpacked(call, param.arg, index, site_scope) if passed is None else None
            if unpacked is not None:
                fixed[param.arg] = unpacked
                continue
            evaluator, where = (site, site_scope) if passed is not None else (self, scope)
            passed = passed if passed is not None else function.default(param.arg)
            if passed is None:
                fixed[param.arg] = Binding(reason=f"{param.arg} is not passed")
                continue
            if isinstance(passed, ast.Constant) and passed.value is None:
                fixed[param.arg] = Binding(none=True)
                continue
            object_binding = evaluator.passed_object(passed, where)
            if object_binding is not None:
                fixed[param.arg] = object_binding
                continue
            found = evaluator.through_calls(passed, where, where.function, depth + 1)
            known = [resolution for resolution in found if resolution.values is not None]
            if chained is None and any(resolution.sites for resolution in known):
                chained = (param.arg, known)
                continue
            values = tuple(v for resolution in known for v in resolution.values or ())
            if values:
                fixed[param.arg] = Binding(values=unique(values))
            else:
                reasons = [resolution.reason for resolution in found]
                fixed[param.arg] = Binding(reason=reasons[0] if reasons else "unknown")
        enclosing = self.enclosing_parameters(function, call, site_scope, site, scope, depth)
        options = []
        for values, outer in ([(r.values or (), r.sites) for r in chained[1]] if chained
                              else [((), ())]):
            bound = Scope(scope)
            given = dict(fixed)
            if chained is not None:
                given[chained[0]] = Binding(values=values)
            bound.parameters = {**scope.passed(), **enclosing, function: given}
            options.append((bound, outer))
        return options

    def enclosing_parameters(
        self, function: Function, call: ast.Call, site_scope: Scope, site: Analysis, scope: Scope,
        depth: int,
    ) -> dict[Function, dict[str, Binding]]:
        """For a closure (``function`` as a call returned it): the parameters of the functions it
        is defined in, as the call that made it passed them."""
        if function.outer is None or depth >= MAX_CALL_DEPTH:
            return {}
        made, _ = site.object_of(call.func, site_scope)
        closure = made.closure if made is not None else None
        if closure is None or not closure.outer.encloses(function):
            return {}
        outer = closure.outer.analysis
        options = outer.bind_calls(closure.outer, closure.call, closure.scope, closure.analysis,
                                   scope, depth + 1)
        return dict(options[0][0].parameters or {}) if len(options) == 1 else {}

    def passed_object(self, expr: ast.expr, scope: Scope) -> Binding | None:
        """An object passed as an argument (an instance, a namespace) that analysis follows."""
        if isinstance(expr, (ast.Name, ast.Attribute, ast.Subscript, ast.Call)):
            try:
                binding, _ = self.object_of(expr, scope)
            except Unknown:
                return None
            if binding is not None and (binding.instance is not None or binding.module_file
                                        or binding.klass is not None or binding.mapping is not None):
                return binding
        return None

    def display_line(self, line: int) -> int:
        if self.line_map is None or not 0 < line <= len(self.line_map):
            return line
        return self.line_map[line - 1]


NO_CALL = " and no call in this file passes it"


# helpers --------------------------------------------------------------------------------------
def _returns(function: Function, given: Callable[[], dict[str, Binding]], scope: Scope,
             subject: str | ast.AST, recursion: str) -> Values:
    """Each ``return`` of ``function`` evaluated with the parameters ``given`` builds (asked only
    once it returns something); a function already being evaluated is ``recursion``."""
    owner = function.analysis
    key = id(function.node)
    if key in owner._returning:
        raise Unknown(subject, recursion)
    owner._returning.add(key)
    try:
        returns = owner.returns_of(function)
        if not returns:
            raise Unknown(subject, "returns nothing known")
        parameters = given()
        found: list[Text] = []
        for expr, where in returns:
            inner = Scope(where)
            inner.parameters = {**scope.passed(), function: parameters}
            found.extend(owner.evaluate(expr, inner))
        return unique(found)
    finally:
        owner._returning.discard(key)


def _may_return_an_object(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """A ``return`` of the function may give an object analysis follows: a call (a constructor,
    ``parse_args()``, a loader), a dict, or a name that a call, a dict or a nested ``def`` binds
    in it; not only tuples, strings, numbers, or names of parameters and other values."""
    made: set[str] = set()
    returned: list[ast.expr] = []
    stack: list[ast.AST] = list(node.body)
    while stack:
        child = stack.pop()
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            made.add(child.name)
            continue
        if isinstance(child, ast.Lambda):
            continue
        if isinstance(child, ast.Return) and child.value is not None:
            returned.append(child.value)
        elif isinstance(child, (ast.Assign, ast.AnnAssign)) and isinstance(
                child.value, (ast.Call, ast.Dict, ast.Name, ast.Subscript)):
            targets = child.targets if isinstance(child, ast.Assign) else [child.target]
            made.update(target.id for target in targets if isinstance(target, ast.Name))
        stack.extend(ast.iter_child_nodes(child))
    return any(isinstance(value, (ast.Call, ast.Dict))
               or (isinstance(value, ast.Name) and value.id in made) for value in returned)


def _same_object(one: Binding, other: Binding) -> bool:
    if one is other:
        return True
    if one.instance is not None and other.instance is not None:
        return one.instance.klass is other.instance.klass and one.instance.call is other.instance.call \
            and one.instance.parser == other.instance.parser
    return one.function is not None and one.function is other.function


def _is_self(function: Function, name: str) -> bool:
    """``name`` is a method's ``self``."""
    return function.method and name == first_parameter(function)


def _combinations(choices: Sequence[list[object] | None]) -> list[list[object]]:
    combos = itertools.islice(itertools.product(*(choice or [] for choice in choices)),
                              MAX_ALTERNATIVES)
    return [list(combo) for combo in combos]


def walk_calls(node: ast.AST) -> Iterator[ast.Call]:
    for child in ast.walk(node):
        if isinstance(child, ast.Call):
            yield child


def _fallback(expr: ast.IfExp) -> list[ast.expr] | None:
    """``a if a else b``, ``a if a is not None else b``, ``b if a is None else a`` and ``b if not
    a else a``: ``a or b`` (the value, then its fallback), None for any other test."""
    test, body, orelse = expr.test, ast.dump(expr.body), ast.dump(expr.orelse)
    negated = isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not)
    if isinstance(test, ast.UnaryOp) and negated:
        test = test.operand
    elif isinstance(test, ast.Compare) and len(test.ops) == 1 \
            and isinstance(test.comparators[0], ast.Constant) and test.comparators[0].value is None \
            and isinstance(test.ops[0], (ast.Is, ast.IsNot)):
        negated = isinstance(test.ops[0], ast.Is)
        test = test.left
    tested = ast.dump(test)
    if not negated and tested == body:
        return [expr.body, expr.orelse]
    if negated and tested == orelse:
        return [expr.orelse, expr.body]
    return None

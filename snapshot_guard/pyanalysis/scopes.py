"""Scopes as Python has them, walked in order: what each name holds at a point of a module, with
branches merged (after ``if``/``else`` a name holds what either branch left)."""
from __future__ import annotations

import ast
import dataclasses
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from snapshot_guard.pyanalysis.values import MAX_ALTERNATIVES, Unknown, Values, unique

if TYPE_CHECKING:
    from snapshot_guard.pyanalysis.evaluate import Analysis


@dataclasses.dataclass(frozen=True, eq=False)
class Function:
    """A function or method defined in the module."""

    node: ast.FunctionDef | ast.AsyncFunctionDef
    method: bool
    """A method: its first parameter (self or cls) is not passed at a call site."""
    klass: ClassInfo | None
    analysis: Analysis
    """The module it is defined in."""

    def parameters(self) -> list[tuple[ast.arg, int | None]]:
        """The parameters a call site passes, with their position (None: keyword only)."""
        args = self.node.args
        params = [*args.posonlyargs, *args.args][1 if self.method else 0:]
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

    @property
    def name(self) -> str:
        return self.node.name


@dataclasses.dataclass(eq=False)
class ClassInfo:
    """A class defined in the module: its body's names, its fields and what ``__init__`` sets."""

    node: ast.ClassDef
    analysis: Analysis
    body: dict[str, Binding] = dataclasses.field(default_factory=dict)
    fields: list[str] = dataclasses.field(default_factory=list)
    """Annotated names of the body, in order: a dataclass's positional parameters."""
    dataclass: bool = False
    init: Function | None = None
    init_scope: Scope | None = None
    """``__init__``'s scope at its end: ``self.NAME`` bindings it made."""
    reassigned: set[str] = dataclasses.field(default_factory=set)
    """Attributes a method other than ``__init__`` assigns on ``self``: their value is not known."""

    @property
    def name(self) -> str:
        return self.node.name


@dataclasses.dataclass(frozen=True, eq=False)
class Instance:
    """An object whose attributes are known: a class of the module called (its constructor call),
    a ``SimpleNamespace(...)``, or what ``parse_args()`` returns."""

    klass: ClassInfo | None = None
    call: ast.Call | None = None
    scope: Scope | None = None
    """Where ``call`` was made, and in which module."""
    analysis: Analysis | None = None
    attributes: dict[str, Binding] | None = None
    """The attributes given as keywords (``SimpleNamespace(out="x")``)."""
    parser: object | None = None
    """For ``parse_args()``: the parser whose options give the attributes."""


@dataclasses.dataclass(frozen=True, eq=False)
class Binding:
    """What a name holds at a point: string values, or one of the other things analysis follows;
    nothing of these means unknown, and ``reason`` says why."""

    values: Values = ()
    reason: Unknown | str | None = None
    parameter: Function | None = None
    """A parameter of this function: its value is known only at a call site."""
    expr: ast.expr | None = None
    """An expression over parameters, evaluated again where they are known."""
    none: bool = False
    items: Values | None = None
    """The strings of a list or tuple literal, for ``for`` loops over it."""
    mapping: dict[str, Values] | None = None
    """The string values of a dict literal, by key."""
    module: tuple[str, str] | None = None
    """A name imported from a module of the repository: (its file, the name there)."""
    module_file: str | None = None
    """A module of the repository imported whole (``import config``)."""
    function: Function | None = None
    klass: ClassInfo | None = None
    instance: Instance | None = None
    refs: tuple[int, ...] = ()
    """What the client recorded for the call whose result the name holds (discovery's roots)."""

    def why(self, name: str) -> str:
        if self.reason is not None:
            return str(self.reason)
        return f"{name} does not hold a path"


UNBOUND = Binding(reason="is not bound yet")


class Scope:
    """The names of one scope at the current point of the walk."""

    __slots__ = ("function", "is_class", "local_names", "names", "parent")

    def __init__(
        self, parent: Scope | None = None, function: Function | None = None,
        is_class: bool = False, local_names: frozenset[str] = frozenset(),
    ) -> None:
        self.names: dict[str, Binding] = {}
        self.parent = parent
        self.function: Function | None = (
            function if function is not None or parent is None else parent.function
        )
        self.is_class = is_class
        self.local_names = local_names
        """Names assigned anywhere in the function: not looked up outside it even before their
        assignment."""

    def lookup(self, name: str) -> Binding | None:
        scope: Scope | None = self
        first = True
        while scope is not None:
            if first or not scope.is_class:
                found = scope.names.get(name)
                if found is not None:
                    return found
                if name in scope.local_names:
                    return UNBOUND
            first = False
            scope = scope.parent
        return None

    def module(self) -> Scope:
        scope = self
        while scope.parent is not None:
            scope = scope.parent
        return scope

    def snapshot(self) -> Scope:
        """A copy of the chain as it is now: later assignments do not change it."""
        copy = Scope(self.parent.snapshot() if self.parent else None, self.function, self.is_class,
                     self.local_names)
        copy.names = dict(self.names)
        return copy


def merge(branches: Sequence[dict[str, Binding]]) -> dict[str, Binding]:
    """The names after branches that each left ``branches[i]``: a name bound alike keeps its binding;
    string values join as alternatives; anything else differing is unknown. A branch that leaves a
    name unbound does not count (using it there would fail)."""
    if len(branches) == 1:
        return branches[0]
    merged: dict[str, Binding] = {}
    for name in dict.fromkeys(name for branch in branches for name in branch):
        bindings = [branch[name] for branch in branches if name in branch]
        first = bindings[0]
        if all(binding is first for binding in bindings):
            merged[name] = first
        else:
            merged[name] = _merged(name, bindings)
    return merged


def _merged(name: str, bindings: Iterable[Binding]) -> Binding:
    values: list[Values] = []
    for binding in bindings:
        if not binding.values or _carries_more(binding):
            return Binding(reason=Unknown(name, "is bound differently on different paths"))
        values.append(binding.values)
    joined = unique(value for alternatives in values for value in alternatives)
    if sum(len(alternatives) for alternatives in values) > MAX_ALTERNATIVES:
        return Binding(reason=Unknown(name, "has too many possible values"))
    return Binding(values=joined)


def _carries_more(binding: Binding) -> bool:
    return bool(binding.parameter or binding.expr or binding.none or binding.items is not None
                or binding.mapping is not None or binding.module or binding.module_file
                or binding.function or binding.klass or binding.instance or binding.refs)


@dataclasses.dataclass(frozen=True)
class ModuleFacts:
    """What one pass over a module's tree finds."""

    defined: frozenset[str]
    """Functions and classes defined anywhere (but ``__init__``)."""
    imported: frozenset[str]
    """Modules imported anywhere (``from a.b import c``: ``a.b``; ``from azure.ai import ml``:
    ``azure.ai.ml``)."""
    local_names: dict[int, frozenset[str]]
    """For each function (by ``id`` of its node): the names its body binds, minus those it declares
    global or nonlocal; nested functions and classes bind only their own name."""


def module_facts(tree: ast.Module) -> ModuleFacts:
    defined: set[str] = set()
    imported: set[str] = set()
    local_names: dict[int, frozenset[str]] = {}

    def visit(nodes: Iterable[ast.AST], bound: set[str] | None, declared: set[str]) -> None:
        for node in nodes:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                if node.name != "__init__":
                    defined.add(node.name)
                if bound is not None:
                    bound.add(node.name)
                visit(node.decorator_list, bound, declared)
                if isinstance(node, ast.ClassDef):
                    visit([*node.bases, *node.keywords], bound, declared)
                    visit(node.body, None, set())
                    continue
                visit([*node.args.defaults, *(d for d in node.args.kw_defaults if d)], bound,
                      declared)
                inner: set[str] = set()
                inner_declared: set[str] = set()
                visit(node.body, inner, inner_declared)
                local_names[id(node)] = frozenset(inner - inner_declared)
                continue
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                if isinstance(node, ast.Import):
                    imported.update(alias.name for alias in node.names)
                elif node.module:
                    imported.add(node.module)
                    imported.update(f"{node.module}.{alias.name}" for alias in node.names)
                if bound is not None:
                    bound.update((alias.asname or alias.name).split(".", 1)[0]
                                 for alias in node.names)
                continue
            if bound is not None:
                if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
                    bound.add(node.id)
                elif isinstance(node, (ast.Global, ast.Nonlocal)):
                    declared.update(node.names)
                elif isinstance(node, ast.ExceptHandler) and node.name:
                    bound.add(node.name)
                elif isinstance(node, ast.NamedExpr):
                    bound.add(node.target.id)
            visit(ast.iter_child_nodes(node), bound, declared)

    visit(tree.body, None, set())
    return ModuleFacts(frozenset(defined), frozenset(imported), local_names)


def assigned_in(body: Iterable[ast.stmt]) -> set[str]:
    """The names a loop body assigns (a name its statements store)."""
    return {node.id for statement in body for node in ast.walk(statement)
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)}

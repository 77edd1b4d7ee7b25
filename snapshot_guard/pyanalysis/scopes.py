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
    outer: Function | None = None
    """The function it is defined in (a closure sees that function's parameters)."""

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

    def decorated(self, *names: str) -> bool:
        """One of the decorators is one of ``names`` (``property``, ``functools.cached_property``)."""
        for decorator in self.node.decorator_list:
            node = decorator.func if isinstance(decorator, ast.Call) else decorator
            last = node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", None)
            if last in names:
                return True
        return False

    def encloses(self, other: Function) -> bool:
        """``other`` is defined inside this function, at any depth."""
        outer = other.outer
        while outer is not None:
            if outer is self:
                return True
            outer = outer.outer
        return False


@dataclasses.dataclass(frozen=True, eq=False)
class Closure:
    """A function a call of another returned: the call that made it gives the parameters of the
    function it is defined in (``saver = make_saver("cache")``)."""

    outer: Function
    call: ast.Call
    scope: Scope
    analysis: Analysis


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
    reassigned: frozenset[str] = frozenset()
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
    """An expression over parameters, evaluated again where they are known..."""
    scope: Scope | None = None
    """... in the scope it was assigned in (what its names held then)."""
    none: bool = False
    items: Values | None = None
    """The strings of a list or tuple literal, for ``for`` loops over it."""
    mapping: dict[str, Binding] | None = None
    """What the values of a dict literal hold, by key."""
    literal: ast.Dict | None = None
    """The dict literal itself (where each value is written)."""
    module: tuple[str, str] | None = None
    """A name imported from a module of the repository: (its file, the name there)."""
    module_file: str | None = None
    """A module of the repository imported whole (``import config``)."""
    function: Function | None = None
    closure: Closure | None = None
    """For a function a call returned: that call."""
    partial: ast.Call | None = None
    """For ``functools.partial(function, ...)``: that call, whose arguments come first."""
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

    __slots__ = ("function", "is_class", "local_names", "names", "parameters", "parent", "shared")

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
        self.parameters: dict[Function, dict[str, Binding]] | None = None
        """What a call passes to the parameters of functions: set on the scope that evaluates an
        expression at that call (see ``Analysis.bind_calls``)."""
        self.shared = False
        """A module scope that snapshots below it share rather than copy (see ``snapshot``)."""

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

    def parameter(self, function: Function, name: str) -> Binding | None:
        """What a call passes to parameter ``name`` of ``function``, where known."""
        scope: Scope | None = self
        while scope is not None:
            if scope.parameters is not None and function in scope.parameters:
                return scope.parameters[function].get(name)
            scope = scope.parent
        return None

    def passed(self) -> dict[Function, dict[str, Binding]]:
        """Every parameter value known along the chain (the innermost wins)."""
        found: dict[Function, dict[str, Binding]] = {}
        scope: Scope | None = self
        while scope is not None:
            for function, values in (scope.parameters or {}).items():
                found.setdefault(function, values)
            scope = scope.parent
        return found

    def module(self) -> Scope:
        scope = self
        while scope.parent is not None:
            scope = scope.parent
        return scope

    def snapshot(self) -> Scope:
        """A copy of the chain as it is now: later assignments do not change it. Below a
        ``shared`` module scope, that scope is not copied: a function looks its globals up when
        it runs, after the module is done."""
        parent = self.parent
        if parent is not None and (parent.parent is not None or not parent.shared):
            parent = parent.snapshot()
        copy = Scope(parent, self.function, self.is_class, self.local_names)
        copy.names = dict(self.names)
        copy.parameters = self.parameters
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
                or binding.function or binding.klass or binding.instance or binding.refs
                or binding.closure or binding.partial)


@dataclasses.dataclass(frozen=True)
class ModuleFacts:
    """What one pass over a module's statements finds (expressions are not entered: a name an
    assignment expression ``:=`` binds is not seen)."""

    defined: frozenset[str]
    """Functions and classes defined anywhere (but ``__init__``)."""
    imported: frozenset[str]
    """Modules imported anywhere (``from a.b import c``: ``a.b`` and ``a.b.c``)."""
    aliases: dict[str, str]
    """What each imported name means, dotted (``np`` -> ``numpy``, ``save`` -> ``torch.save``);
    empty when two imports bind it differently."""
    local_names: dict[int, frozenset[str]]
    """For each function (by ``id`` of its node): the names its body binds, minus those it declares
    global or nonlocal; nested functions and classes bind only their own name."""
    loop_names: dict[int, frozenset[str]]
    """For each ``for`` and ``while`` (by ``id``): the names its body binds."""
    self_attributes: dict[int, frozenset[str]]
    """For each class (by ``id``): the attributes its methods other than ``__init__`` set on their
    first parameter (``self.out = ...``)."""
    object_attributes: frozenset[str]
    """Attributes assigned anywhere on an object that is not a method's ``self``."""
    imports: tuple[tuple[str, int, str], ...]
    """Each name an import binds: (the module it is looked up in, the import's level, the name)
    (``import a.b as c``: ``("a.b", 0, "c")``; ``from .x import y``: ``("x.y", 1, "y")``)."""
    withs: tuple[ast.With | ast.AsyncWith, ...]
    expressions: tuple[ast.Expr, ...]
    """The expression statements (``open(path, "w").close()``)."""
    assigned_globals: frozenset[str] = frozenset()
    """Names a function declares ``global`` and assigns (``global args; args = parse_args()``)."""
    global_assigners: frozenset[int] = frozenset()
    """Those functions (by ``id`` of their node)."""


def module_facts(tree: ast.Module) -> ModuleFacts:
    defined: set[str] = set()
    imported: set[str] = set()
    aliases: dict[str, str] = {}
    local_names: dict[int, frozenset[str]] = {}
    loop_names: dict[int, frozenset[str]] = {}
    self_attributes: dict[int, frozenset[str]] = {}
    object_attributes: set[str] = set()
    withs: list[ast.With | ast.AsyncWith] = []
    expressions: list[ast.Expr] = []
    imports: list[tuple[str, int, str]] = []

    def alias(name: str, meaning: str) -> None:
        known = aliases.get(name)
        aliases[name] = meaning if known in (None, meaning) else ""

    def targets(node: ast.AST, bound: set[str], owner: str | None, attributes: set[str]) -> None:
        if isinstance(node, ast.Name):
            bound.add(node.id)
        elif isinstance(node, (ast.Tuple, ast.List)):
            for element in node.elts:
                targets(element, bound, owner, attributes)
        elif isinstance(node, ast.Starred):
            targets(node.value, bound, owner, attributes)
        elif isinstance(node, ast.Attribute):
            if owner is not None and isinstance(node.value, ast.Name) and node.value.id == owner:
                attributes.add(node.attr)
            else:
                object_attributes.add(node.attr)

    global_names: set[str] = set()
    assigned_globals: set[str] = set()
    global_assigners: set[int] = set()

    def body_of(statements: Sequence[ast.stmt], bound: set[str], declared: set[str],
                owner: str | None, attributes: set[str]) -> None:
        """Record what ``statements`` bind into ``bound``; ``owner``: the name of the method's
        first parameter, whose attribute assignments go to ``attributes``."""
        for node in statements:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if node.name != "__init__":
                    defined.add(node.name)
                bound.add(node.name)
                inner: set[str] = set()
                inner_declared: set[str] = set()
                first = _first_argument(node) if owner == "" else None
                sink = attributes if first is not None and node.name != "__init__" else set()
                body_of(node.body, inner, inner_declared, first, sink)
                local_names[id(node)] = frozenset(inner - inner_declared)
                if inner & inner_declared & global_names:
                    assigned_globals.update(inner & inner_declared & global_names)
                    global_assigners.add(id(node))
            elif isinstance(node, ast.ClassDef):
                defined.add(node.name)
                bound.add(node.name)
                set_on_self: set[str] = set()
                body_of(node.body, set(), set(), "", set_on_self)
                self_attributes[id(node)] = frozenset(set_on_self)
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                if isinstance(node, ast.Import):
                    for item in node.names:
                        imported.add(item.name)
                        imports.append((item.name, 0, item.asname or item.name.split(".", 1)[0]))
                        first_part = item.name.split(".", 1)[0]
                        alias(item.asname or first_part, item.name if item.asname else first_part)
                else:
                    prefix = f"{node.module}." if node.module else ""
                    imports.extend((prefix + item.name, node.level, item.asname or item.name)
                                   for item in node.names)
                if isinstance(node, ast.ImportFrom) and node.module:
                    imported.add(node.module)
                    for item in node.names:
                        imported.add(f"{node.module}.{item.name}")
                        if node.level == 0:
                            alias(item.asname or item.name, f"{node.module}.{item.name}")
                bound.update((item.asname or item.name).split(".", 1)[0] for item in node.names)
            elif isinstance(node, (ast.Global, ast.Nonlocal)):
                declared.update(node.names)
                if isinstance(node, ast.Global):
                    global_names.update(node.names)
            else:
                method_owner = owner or None
                if isinstance(node, ast.Assign):
                    for target in node.targets:
                        targets(target, bound, method_owner, attributes)
                elif isinstance(node, (ast.AugAssign, ast.AnnAssign, ast.Delete)):
                    for target in node.targets if isinstance(node, ast.Delete) else [node.target]:
                        targets(target, bound, method_owner, attributes)
                elif isinstance(node, (ast.For, ast.AsyncFor, ast.While)):
                    loop: set[str] = set()
                    if not isinstance(node, ast.While):
                        targets(node.target, loop, method_owner, attributes)
                    body_of(node.body, loop, declared, owner, attributes)
                    loop_names[id(node)] = frozenset(loop)
                    bound.update(loop)
                    body_of(node.orelse, bound, declared, owner, attributes)
                    continue
                elif isinstance(node, (ast.With, ast.AsyncWith)):
                    withs.append(node)
                    for with_item in node.items:
                        if with_item.optional_vars is not None:
                            targets(with_item.optional_vars, bound, method_owner, attributes)
                elif isinstance(node, ast.Expr):
                    expressions.append(node)
                elif isinstance(node, ast.ExceptHandler) and node.name:
                    bound.add(node.name)
                for field in ("body", "orelse", "finalbody", "handlers", "cases"):
                    children = getattr(node, field, None)
                    if isinstance(children, list):
                        body_of(children, bound, declared, owner, attributes)

    body_of(tree.body, set(), set(), None, set())
    return ModuleFacts(frozenset(defined), frozenset(imported), aliases, local_names, loop_names,
                       self_attributes, frozenset(object_attributes), tuple(imports), tuple(withs),
                       tuple(expressions), frozenset(assigned_globals), frozenset(global_assigners))


def _first_argument(node: ast.FunctionDef | ast.AsyncFunctionDef) -> str | None:
    params = [*node.args.posonlyargs, *node.args.args]
    return params[0].arg if params else None

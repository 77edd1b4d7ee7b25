"""Static analysis of job code: calls that write a file where an Azure ML run loses it.

A run's working directory is its snapshot root. Files written under ``./outputs`` and ``./logs`` go to
the run history; a file written to any other relative path is gone when the job ends. This module
parses (never imports, never runs) the Python files and the notebooks of a snapshot root and reports
the writes whose path it can resolve to such a place. Precision comes before recall: a path built from
anything static analysis cannot know (an argparse value, an environment variable, a parameter) is not
reported, nor is a path the same file later uploads, copies or moves somewhere kept.
"""
from __future__ import annotations

import ast
import bisect
import dataclasses
import io
import posixpath
import re
import tokenize
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from typing import Callable

from snapshot_guard.pyanalysis.allow import allows
from snapshot_guard.pyanalysis.notebook import CHANGE_DIRECTORY, Cell, python_source, read_notebook

KEPT_FOLDERS = ("outputs", "logs")
UNKNOWN = "*"
"""How a resolved path shows the parts static analysis cannot know: ``model_*.pt``."""

Reader = Callable[[str], bytes]
"""Returns the bytes of a file named by its path relative to the root; raises OSError."""


@dataclasses.dataclass(frozen=True)
class LostWrite:
    file: str
    """The code file, POSIX, relative to the snapshot root."""
    line: int
    """1-based; in a notebook, the line within the cell."""
    cell: int | None
    """1-based position of the notebook cell among all cells; None in a Python file."""
    call: str
    """The writing call as written, e.g. ``torch.save`` or ``df.to_csv``."""
    target: str
    """The path it writes, resolved as far as static analysis can (``*`` for the unknown parts)."""
    fix: str
    """Where to write instead, e.g. ``outputs/model.pt``."""
    notebook_line: int | None = None
    """In a notebook, the 1-based line of the ``.ipynb`` file (0 when unknown); None in a Python
    file."""


@dataclasses.dataclass(frozen=True)
class Skipped:
    file: str
    reason: str


@dataclasses.dataclass(frozen=True)
class WriteAnalysis:
    writes: list[LostWrite]
    skipped: list[Skipped]


# --- which files are job code ------------------------------------------------------------------

_NOT_JOB_FOLDERS = frozenset(
    ("test", "tests", "testing", "site-packages", "dist-packages", "node_modules", "__pycache__",
     "venv", "virtualenv") + KEPT_FOLDERS
)
_NOT_JOB_FILE = re.compile(r"(?:test_.*|.*_test|conftest|setup)\.py\Z")
_SUBMIT_CALLS = ("ScriptRunConfig", "PythonScriptStep", "CommandStep", "ParallelRunStep",
                 "HyperDriveConfig", "AutoMLConfig", "Estimator", "Workspace.from_config",
                 "Workspace.get", "load_job")
_V1_SUBMITTERS = frozenset((
    "azureml.core.Experiment", "azureml.core.experiment.Experiment", "azureml.core.Workspace",
    "azureml.core.workspace.Workspace", "azureml.pipeline.core.Pipeline",
))
_V1_SUBMIT_CALLS = ("submit", "Experiment", "Pipeline")
_V2_SUBMIT_CALLS = ("create_or_update", "begin_create_or_update")
_RUNS_NOTEBOOK = re.compile(r"papermill|nbconvert")
_NOTEBOOK_NAME = re.compile(r"[\w./\\-]*\.ipynb\b")
REFERENCE_SUFFIXES = (".py", ".yml", ".yaml", ".sh", ".cmd", ".bat", ".ps1")
REFERENCE_NAMES = ("Makefile", "Dockerfile", "MLproject")
"""Files where a job's command can run a notebook (with papermill or nbconvert)."""


def may_be_job_code(relpath: str) -> bool:
    """False for tests, setup scripts, hidden, vendored and virtual-environment folders."""
    *folders, name = relpath.split("/")
    if any(part.startswith(".") or part in _NOT_JOB_FOLDERS for part in folders):
        return False
    return not _NOT_JOB_FILE.match(name)


def notebooks_run_by_job(relpaths: Sequence[str], read: Reader) -> set[str]:
    """The notebooks of ``relpaths`` that a script, YAML file or shell command beside them runs
    through papermill or nbconvert: only those notebooks are job code."""
    notebooks = [path for path in relpaths if path.endswith(".ipynb")]
    if not notebooks:
        return set()
    referenced: set[str] = set()
    for path in relpaths:
        if not path.endswith(REFERENCE_SUFFIXES) and posixpath.basename(path) not in REFERENCE_NAMES:
            continue
        try:
            text = read(path).decode("utf-8", "replace")
        except OSError:
            continue
        if _RUNS_NOTEBOOK.search(text):
            referenced.update(
                strip_dot(name.replace("\\", "/")) for name in _NOTEBOOK_NAME.findall(text)
            )
    return {
        path for path in notebooks
        if any(path == name or path.endswith("/" + name) or name.endswith("/" + path)
               for name in referenced)
    }


_SERVICES = ("streamlit", "flask", "fastapi", "gradio", "dash")


def _runs_elsewhere(text: str, tree: ast.Module, aliases: Mapping[str, str]) -> bool:
    """The file is not a job's code: it submits jobs (so it runs on the user's machine), it is a
    deployment's scoring script (``init()`` and ``run()``), or it is a web app."""
    functions = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
    if {"init", "run"} <= functions:
        return True
    modules = set(aliases.values())
    if any(name.split(".", 1)[0] in _SERVICES for name in modules):
        return True
    if any(_has_call(text, name) for name in _SUBMIT_CALLS):
        return True
    if modules & _V1_SUBMITTERS and any(_has_call(text, name) for name in _V1_SUBMIT_CALLS):
        return True
    if not any(name.startswith("azure.ai.ml") for name in modules):
        return False
    commands = [name for name, qualified in aliases.items() if qualified == "azure.ai.ml.command"]
    return any(_has_call(text, name) for name in [*_V2_SUBMIT_CALLS, *commands]) or bool(
        re.search(r"@\s*(?:dsl\.)?pipeline\b", text)
    )


def _has_call(text: str, name: str) -> bool:
    """``name(`` occurs in ``text`` as a whole name (``.name(`` included): a substring search in C
    first, as the regex alternative costs more than parsing on large files."""
    start = text.find(name)
    while start != -1:
        before = text[start - 1] if start else " "
        after = text[start + len(name) : start + len(name) + 8].lstrip()
        if not (before.isalnum() or before == "_") and after.startswith("("):
            return True
        start = text.find(name, start + len(name))
    return False


# --- what a call writes ------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class _Arg:
    position: int | None
    keywords: tuple[str, ...]


def _arg(position: int | None, *keywords: str) -> _Arg:
    return _Arg(position, keywords)


# Module functions by qualified name (after import aliases): where their destination path is.
_FUNCTIONS: dict[str, _Arg] = {
    **dict.fromkeys(("numpy.save", "numpy.savez", "numpy.savez_compressed"), _arg(0, "file")),
    "numpy.savetxt": _arg(0, "fname"),
    **dict.fromkeys(("torch.save", "torch.jit.save", "onnx.save", "onnx.save_model"), _arg(1, "f")),
    "torch.onnx.export": _arg(2, "f"),
    **dict.fromkeys(
        ("safetensors.torch.save_file", "safetensors.numpy.save_file"), _arg(1, "filename")
    ),
    "joblib.dump": _arg(1, "filename"),
    **dict.fromkeys(("matplotlib.pyplot.savefig", "pylab.savefig"), _arg(0, "fname")),
    "tensorflow.saved_model.save": _arg(1, "export_dir"),
    **dict.fromkeys(
        ("tensorflow.keras.models.save_model", "keras.models.save_model",
         "keras.saving.save_model", "tensorflow.keras.saving.save_model"),
        _arg(1, "filepath"),
    ),
    **dict.fromkeys(
        ("shutil.copy", "shutil.copy2", "shutil.copyfile", "shutil.copytree", "shutil.move"),
        _arg(1, "dst"),
    ),
    "cv2.imwrite": _arg(0, "filename"),
    **dict.fromkeys(("imageio.imwrite", "imageio.v2.imwrite", "imageio.v3.imwrite"), _arg(0, "uri")),
    "skimage.io.imsave": _arg(0, "fname"),
    "scipy.io.savemat": _arg(0, "file_name"),
    "soundfile.write": _arg(0, "file"),
    "pandas.ExcelWriter": _arg(0, "path"),
    **dict.fromkeys(
        ("logging.FileHandler", "logging.handlers.RotatingFileHandler",
         "logging.handlers.TimedRotatingFileHandler"),
        _arg(0, "filename"),
    ),
    "logging.basicConfig": _arg(None, "filename"),
    "torch.utils.tensorboard.SummaryWriter": _arg(0, "log_dir"),
    "tensorboardX.SummaryWriter": _arg(0, "logdir", "log_dir"),
    "tensorflow.summary.create_file_writer": _arg(0, "logdir"),
}
_LOG_WRITERS = frozenset(
    name for name in _FUNCTIONS if name.startswith(("logging.", "torch.utils.", "tensorboardX.",
                                                    "tensorflow.summary."))
)

# Openers write only in some modes: (path, mode, default mode).
_OPENERS: dict[str, tuple[_Arg, _Arg, str]] = {
    **dict.fromkeys(("open", "io.open", "codecs.open"), (_arg(0, "file"), _arg(1, "mode"), "r")),
    **dict.fromkeys(
        ("gzip.open", "bz2.open", "lzma.open"), (_arg(0, "filename"), _arg(1, "mode"), "rb")
    ),
    "h5py.File": (_arg(0, "name"), _arg(1, "mode"), "r"),
    "zipfile.ZipFile": (_arg(0, "file"), _arg(1, "mode"), "r"),
    "tarfile.open": (_arg(0, "name"), _arg(1, "mode"), "r"),
}
_WRITE_MODE = re.compile(r"[wax+]")

# Methods of objects (a data frame, a model, a figure): where their destination path is.
_METHODS: dict[str, _Arg] = {
    **dict.fromkeys(("to_csv", "to_json", "to_hdf"), _arg(0, "path_or_buf")),
    **dict.fromkeys(
        ("to_parquet", "to_pickle", "to_feather", "to_stata", "to_orc", "to_netcdf", "to_disk"),
        _arg(0, "path"),
    ),
    "to_excel": _arg(0, "excel_writer"),
    "to_xml": _arg(0, "path_or_buffer"),
    **dict.fromkeys(("to_html", "to_latex", "to_markdown"), _arg(0, "buf")),
    **dict.fromkeys(("write_csv", "write_parquet", "write_image", "write_html"), _arg(0, "file")),
    "savefig": _arg(0, "fname"),
    "save": _arg(0, "filepath", "filename", "fp", "path", "file", "fname"),
    "save_weights": _arg(0, "filepath"),
    "save_model": _arg(0, "fname", "filename", "filepath", "path", "output_dir"),
    "save_pretrained": _arg(0, "save_directory"),
    "save_checkpoint": _arg(0, "filepath"),
    "tofile": _arg(0, "fid", "file"),
}
# Methods whose meaning a class of the user's own defines: ``self.save("best")`` may build any path.
_OWN_METHODS = frozenset(("save", "save_model", "save_checkpoint"))
_MLFLOW_SAVE = _arg(1, "path")
# A path passed to one of these is uploaded (or, for copy and move, kept elsewhere): not lost.
_UPLOADS = frozenset(
    ("log_artifact", "log_artifacts", "upload_file", "upload_files", "upload_folder", "log_image",
     "add_file", "add_dir")
)
_MOVES: dict[str, _Arg] = {
    **dict.fromkeys(
        ("shutil.copy", "shutil.copy2", "shutil.copyfile", "shutil.copytree", "shutil.move"),
        _arg(0, "src"),
    ),
    **dict.fromkeys(("os.rename", "os.replace"), _arg(0, "src")),
}
_TRIGGERS = (
    "open", "File", "save", "to_", "dump", "copy", "move", "rename", "replace", "imwrite", "imsave",
    "write", "Writer", "tofile", "export", "basicConfig", "log_artifact", "upload_", "log_image",
    "add_file", "add_dir",
)
"""Words on every line that can hold a write, upload or move: a cheap filter before the AST."""


# --- resolving paths ---------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class _Value:
    """A path or string as far as it is known: a constant beginning, then what follows."""

    known: str
    rest: str | None = None
    """The display of what follows the known beginning (``*`` marks unknown parts); None when the
    whole value is known."""

    @property
    def display(self) -> str:
        return self.known + (self.rest or "")


_STAR = _Value("", UNKNOWN)
_CWD = _Value(".")


def _concat(left: _Value, right: _Value) -> _Value:
    if left.rest is None:
        return _Value(left.known + right.known, right.rest)
    return _Value(left.known, left.rest + right.display)


def _join(left: _Value, right: _Value) -> _Value:
    if right.known.startswith("/"):
        return right
    if left.rest is None and left.known in ("", "."):
        return right
    separator = "" if left.display.endswith("/") else "/"
    return _concat(_concat(left, _Value(separator)), right)


def strip_dot(path: str) -> str:
    while path.startswith("./"):
        path = path[2:]
    return path


_NOT_LOCAL = re.compile(r"[~$/\\]|[A-Za-z][\w+.-]*:")
"""Absolute, home, variable-expanded, Windows drive or URL (``s3://``, ``azureml://``) paths."""


def _is_lost(value: _Value) -> bool:
    """The path is relative and outside ``outputs/`` and ``logs/`` for certain."""
    known = value.known.replace("\\", "/")
    if _NOT_LOCAL.match(known):
        return False
    known = strip_dot(known)
    if value.rest is None:
        path = posixpath.normpath(known) if known else "."
        first = path.split("/", 1)[0]
        return path != "." and first not in KEPT_FOLDERS
    if "/" in known:
        return known.split("/", 1)[0] not in KEPT_FOLDERS + ("", ".")
    return bool(known) and not any(name.startswith(known) for name in KEPT_FOLDERS + ("..",))


def _normalized(value: _Value) -> str:
    display = strip_dot(value.display.replace("\\", "/"))
    return posixpath.normpath(display) if value.rest is None and display else display


class _Scope:
    __slots__ = ("bindings", "is_class", "parent")

    def __init__(self, parent: _Scope | None, is_class: bool = False) -> None:
        self.parent = parent
        self.bindings: dict[str, list[tuple[ast.expr, _Scope] | None]] = {}
        """Each binding of a name in this scope: the assigned value, or None for any other kind
        of binding (a parameter, a loop variable, an import...), which makes the name unknown."""
        self.is_class = is_class

    def bind(self, name: str, value: ast.expr | None) -> None:
        self.bindings.setdefault(name, []).append(None if value is None else (value, self))


def _poison_targets(target: ast.AST, scope: _Scope) -> None:
    """Make the names an assignment target binds unknown (``a, *b = ...``; not ``x.y`` or ``x[0]``)."""
    if isinstance(target, ast.Name):
        scope.bind(target.id, None)
    elif isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            _poison_targets(element, scope)
    elif isinstance(target, ast.Starred):
        _poison_targets(target.value, scope)


@dataclasses.dataclass
class _Module:
    """One parsed file: its scopes, import aliases and statements."""

    aliases: dict[str, str] = dataclasses.field(default_factory=dict)
    pieces: list[tuple[ast.AST, _Scope]] = dataclasses.field(default_factory=list)
    """Every simple statement and compound-statement header, in order, with its scope."""

    def touching(self, lines: Sequence[int]) -> Iterator[tuple[ast.AST, _Scope]]:
        """The pieces that span one of ``lines`` (sorted line numbers)."""
        for node, scope in self.pieces:
            start = getattr(node, "lineno", 0)
            index = bisect.bisect_left(lines, start)
            if index < len(lines) and lines[index] <= getattr(node, "end_lineno", start):
                yield node, scope

    def import_alias(self, name: str, qualified: str) -> None:
        known = self.aliases.get(name)
        self.aliases[name] = qualified if known in (None, qualified) else ""

    def visit(self, body: Iterable[ast.stmt], scope: _Scope) -> None:
        """Record bindings, aliases and candidate statements of ``body``; scopes as Python has them,
        with every binding other than a plain assignment making a name unknown."""
        for statement in body:
            if isinstance(statement, ast.Assign):
                for target in statement.targets:
                    if isinstance(target, ast.Name):
                        scope.bind(target.id, statement.value)
                    else:
                        _poison_targets(target, scope)
            elif isinstance(statement, (ast.AnnAssign, ast.AugAssign)):
                if isinstance(statement.target, ast.Name):
                    value = statement.value if isinstance(statement, ast.AnnAssign) else None
                    scope.bind(statement.target.id, value)
            elif isinstance(statement, (ast.Import, ast.ImportFrom)):
                self._visit_import(statement, scope)
                continue
            elif isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
                scope.bind(statement.name, None)
                inner = _Scope(scope)
                arguments = statement.args
                for argument in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs,
                                 arguments.vararg, arguments.kwarg):
                    if argument is not None:
                        inner.bind(argument.arg, None)
                self.visit(statement.body, inner)
                continue
            elif isinstance(statement, ast.ClassDef):
                scope.bind(statement.name, None)
                self.visit(statement.body, _Scope(scope, is_class=True))
                continue
            elif isinstance(statement, (ast.Global, ast.Nonlocal)):
                module = scope
                while module.parent is not None:
                    module = module.parent
                for name in statement.names:
                    scope.bind(name, None)
                    module.bind(name, None)
            elif isinstance(statement, ast.Delete):
                for target in statement.targets:
                    _poison_targets(target, scope)
            if not self._visit_compound(statement, scope):
                self.pieces.append((statement, scope))

    def _visit_compound(self, statement: ast.stmt, scope: _Scope) -> bool:
        """Visit the bodies of a compound statement; its header is a candidate of its own."""
        headers: list[ast.AST] = []
        bodies: list[list[ast.stmt]] = []
        if isinstance(statement, (ast.For, ast.AsyncFor)):
            _poison_targets(statement.target, scope)
            headers.append(statement.iter)
            bodies += [statement.body, statement.orelse]
        elif isinstance(statement, (ast.While, ast.If)):
            headers.append(statement.test)
            bodies += [statement.body, statement.orelse]
        elif isinstance(statement, (ast.With, ast.AsyncWith)):
            for item in statement.items:
                headers.append(item.context_expr)
                if item.optional_vars is not None:
                    _poison_targets(item.optional_vars, scope)
            bodies.append(statement.body)
        elif isinstance(statement, ast.Try) or type(statement).__name__ == "TryStar":
            for handler in statement.handlers:  # type: ignore[attr-defined]
                if handler.name:
                    scope.bind(handler.name, None)
                bodies.append(handler.body)
            bodies += [statement.body, statement.orelse, statement.finalbody]  # type: ignore[attr-defined]
        elif type(statement).__name__ == "Match":
            headers.append(statement.subject)  # type: ignore[attr-defined]
            for case in statement.cases:  # type: ignore[attr-defined]
                for node in ast.walk(case.pattern):
                    for name in (getattr(node, "name", None), getattr(node, "rest", None)):
                        if isinstance(name, str):
                            scope.bind(name, None)
                bodies.append(case.body)
        else:
            return False
        self.pieces.extend((header, scope) for header in headers)
        for body in bodies:
            self.visit(body, scope)
        return True

    def _visit_import(self, statement: ast.Import | ast.ImportFrom, scope: _Scope) -> None:
        for alias in statement.names:
            if isinstance(statement, ast.Import):
                name = alias.asname or alias.name.split(".", 1)[0]
                self.import_alias(name, alias.name if alias.asname else name)
            else:
                name = alias.asname or alias.name
                if statement.level == 0 and statement.module:
                    self.import_alias(name, f"{statement.module}.{alias.name}")
            scope.bind(name, None)


def _call_nodes(
    node: ast.AST, shadowed: frozenset[str]
) -> Iterator[tuple[ast.Call, frozenset[str]]]:
    """The calls below ``node``, with the names that comprehensions and lambdas around them bind."""
    if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp, ast.Lambda)):
        names = {inner.id for inner in ast.walk(node) if isinstance(inner, ast.Name)
                 and isinstance(inner.ctx, ast.Store)}
        if isinstance(node, ast.Lambda):
            names.update(argument.arg for argument in ast.walk(node.args)
                         if isinstance(argument, ast.arg))
        shadowed = shadowed | names
    elif isinstance(node, ast.NamedExpr):
        shadowed = shadowed | {node.target.id}
    if isinstance(node, ast.Call):
        yield node, shadowed
    for child in ast.iter_child_nodes(node):
        if not isinstance(child, (ast.stmt, ast.expr_context)):
            yield from _call_nodes(child, shadowed)


# Names that mean these modules even where the file does not import them (a snippet, a notebook
# whose import cell did not parse, a star import).
_CONVENTIONAL_NAMES = {
    "open": "open", "str": "str", "os": "os", "shutil": "shutil", "torch": "torch", "np": "numpy",
    "numpy": "numpy", "pd": "pandas", "plt": "matplotlib.pyplot", "joblib": "joblib",
    "tf": "tensorflow", "keras": "keras", "mlflow": "mlflow", "cv2": "cv2", "wandb": "wandb",
}


class _Resolver:
    def __init__(self, aliases: Mapping[str, str]) -> None:
        self.aliases = aliases

    def qualified(self, node: ast.expr) -> str | None:
        """``plt.savefig`` -> ``matplotlib.pyplot.savefig``: the dotted name, through imports;
        None unless the root name is imported, a builtin or a module's conventional name."""
        parts: list[str] = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return None
        root = self.aliases.get(node.id)
        if root is None:
            root = _CONVENTIONAL_NAMES.get(node.id)
        if not root:
            return None
        return ".".join([root, *reversed(parts)])

    def lookup(self, name: str, scope: _Scope) -> tuple[ast.expr, _Scope] | None:
        current: _Scope | None = scope
        first = True
        while current is not None:
            if first or not current.is_class:
                bindings = current.bindings.get(name)
                if bindings is not None:
                    return bindings[0] if len(bindings) == 1 else None
            first = False
            current = current.parent
        return None

    def resolve(
        self, node: ast.expr, scope: _Scope, shadowed: frozenset[str], depth: int = 0
    ) -> _Value | None:
        """The value of ``node`` as far as it is known for certain; None when its beginning is not."""
        if depth > 16:
            return None
        depth += 1
        if isinstance(node, ast.Constant):
            return _Value(node.value) if isinstance(node.value, str) else None
        if isinstance(node, ast.Name):
            if node.id in shadowed:
                return None
            binding = self.lookup(node.id, scope)
            return None if binding is None else self.resolve(binding[0], binding[1], frozenset(), depth)
        if isinstance(node, ast.JoinedStr):
            value = _Value("")
            for part in node.values:
                if isinstance(part, ast.FormattedValue):
                    inner = None
                    if part.conversion == -1 and part.format_spec is None:
                        inner = self.resolve(part.value, scope, shadowed, depth)
                    value = _concat(value, inner if inner and inner.rest is None else _STAR)
                else:
                    value = _concat(value, self.resolve(part, scope, shadowed, depth) or _STAR)
            return value
        if isinstance(node, ast.BinOp):
            left = self.resolve(node.left, scope, shadowed, depth)
            if left is None:
                return None
            if isinstance(node.op, ast.Mod):
                values = node.right.elts if isinstance(node.right, ast.Tuple) else [node.right]
                return _formatted(left, "%", [self.resolve(v, scope, shadowed, depth) for v in values])
            right = self.resolve(node.right, scope, shadowed, depth) or _STAR
            if isinstance(node.op, ast.Add):
                return _concat(left, right)
            if isinstance(node.op, ast.Div):
                return _join(left, right)
            return None
        if isinstance(node, ast.Call):
            return self._resolve_call(node, scope, shadowed, depth)
        if isinstance(node, ast.Attribute) and node.attr == "parent":
            base = self.resolve(node.value, scope, shadowed, depth)
            if base is None or base.rest is not None:
                return None
            return _Value(posixpath.dirname(posixpath.normpath(base.known)) or ".")
        return None

    def _joined(
        self, args: Sequence[ast.expr], scope: _Scope, shadowed: frozenset[str], depth: int,
        start: _Value | None = None,
    ) -> _Value | None:
        value = start
        for argument in args:
            if isinstance(argument, ast.Starred):
                return None if value is None else _join(value, _STAR)
            part = self.resolve(argument, scope, shadowed, depth)
            if value is None:
                if part is None:
                    return None
                value = part
            else:
                value = _join(value, part or _STAR)
        return value

    def _resolve_call(
        self, node: ast.Call, scope: _Scope, shadowed: frozenset[str], depth: int
    ) -> _Value | None:
        name = self.qualified(node.func)
        if name in ("os.path.join", "posixpath.join"):
            return self._joined(node.args, scope, shadowed, depth)
        if name in ("pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath", "pathlib.PurePosixPath"):
            return self._joined(node.args, scope, shadowed, depth) or (None if node.args else _CWD)
        if name in ("os.getcwd", "pathlib.Path.cwd"):
            return _CWD
        if name in ("str", "os.fspath", "os.path.abspath", "os.path.normpath", "os.path.realpath",
                    "os.path.expanduser") and len(node.args) == 1:
            return self.resolve(node.args[0], scope, shadowed, depth)
        if not isinstance(node.func, ast.Attribute) or name is not None:
            return None
        method = node.func.attr
        if method not in ("joinpath", "resolve", "absolute", "expanduser", "with_suffix",
                          "with_name", "format"):
            return None
        base = self.resolve(node.func.value, scope, shadowed, depth)
        if base is None:
            return None
        if method == "joinpath":
            return self._joined(node.args, scope, shadowed, depth, start=base)
        if method == "format":
            values = [self.resolve(v, scope, shadowed, depth) for v in node.args]
            named = {keyword.arg: self.resolve(keyword.value, scope, shadowed, depth)
                     for keyword in node.keywords if keyword.arg}
            return _formatted(base, "{", values, named)
        if method in ("with_suffix", "with_name"):
            if base.rest is not None or len(node.args) != 1:
                return None
            part = self.resolve(node.args[0], scope, shadowed, depth)
            if part is None or part.rest is not None:
                return None
            head, tail = posixpath.split(base.known)
            stem = posixpath.splitext(tail)[0] if method == "with_suffix" else ""
            return _Value(posixpath.join(head, stem + part.known))
        return base


_FIELDS = {"{": re.compile(r"\{([^{}]*)\}"), "%": re.compile(r"%(?:\([^)]*\))?[-#0 +\d.*]*[a-zA-Z%]")}


def _formatted(
    template: _Value, marker: str, values: Sequence[_Value | None],
    named: Mapping[str, _Value | None] | None = None,
) -> _Value | None:
    """``"{}/model_{}.pt".format(OUT, epoch)`` and ``"%s/model_%d.pt" % (OUT, epoch)``: the
    template with each plain ``{}``/``{0}``/``{name}``/``%s`` field replaced by its known value,
    ``*`` for the others."""
    if template.rest is not None:
        return None
    value = _Value("")
    position = index = 0
    for field in _FIELDS[marker].finditer(template.known):
        value = _concat(value, _Value(template.known[position : field.start()]))
        position = field.end()
        if field.group() == "%%":
            value = _concat(value, _Value("%"))
            continue
        if marker == "{":
            key = field.group(1)
            part = values[index] if key == "" and index < len(values) else (
                values[int(key)] if key.isdigit() and int(key) < len(values)
                else (named or {}).get(key)
            )
        else:
            part = values[index] if field.group() == "%s" and index < len(values) else None
        index += 1
        value = _concat(value, part if part is not None and part.rest is None else _STAR)
    return _concat(value, _Value(template.known[position:]))


def _strip_quotes(word: str) -> str:
    return _normalized(_Value(word.strip("\"'")))


def _argument(call: ast.Call, where: _Arg) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg in where.keywords:
            return keyword.value
    if where.position is not None and where.position < len(call.args):
        candidate = call.args[where.position]
        if not any(isinstance(arg, ast.Starred) for arg in call.args[: where.position + 1]):
            return candidate
    return None


def _call_label(func: ast.expr) -> str:
    parts: list[str] = []
    node = func
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    elif isinstance(node, ast.Call):
        parts.append(_call_label(node.func) + "(...)")
    elif parts:
        parts.append("(...)")
    return ".".join(reversed(parts))


@dataclasses.dataclass(frozen=True)
class _Write:
    call: ast.Call
    target: ast.expr
    label: str
    value: _Value
    to_logs: bool


_PATH_BUILDERS = frozenset((
    "os.path.join", "posixpath.join", "pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath",
    "pathlib.PurePosixPath", "os.getcwd", "pathlib.Path.cwd", "str", "os.fspath",
))
_INERT_METHODS = frozenset((
    "debug", "info", "warning", "warn", "error", "exception", "critical", "format", "joinpath",
    "with_suffix", "with_name", "resolve", "absolute", "expanduser", "mkdir", "exists",
))
"""Calls that take a path without consuming the file: logging it, building or testing it."""


class _FileAnalysis:
    def __init__(self, module: _Module) -> None:
        self.resolver = _Resolver(module.aliases)
        self.writes: list[_Write] = []
        self.kept: list[_Value] = []
        """Paths this file uploads, copies or moves to a kept place."""
        self.used: set[str] = set()
        """Paths this file passes to other calls (reads, registers, deletes): scratch files."""

    def consume(self, call: ast.Call, scope: _Scope, shadowed: frozenset[str]) -> None:
        """Record the paths ``call`` uses, unless it writes them or only builds, tests or logs them."""
        if any(write.call is call for write in self.writes):
            return
        name = self.resolver.qualified(call.func)
        if name is not None and (name.startswith("os.path.") or name in _PATH_BUILDERS
                                 or name in ("os.makedirs", "os.mkdir")):
            return
        if isinstance(call.func, ast.Name) and call.func.id == "print":
            return
        if isinstance(call.func, ast.Attribute) and call.func.attr in _INERT_METHODS:
            return
        arguments = [*call.args, *(keyword.value for keyword in call.keywords)]
        while arguments:
            argument = arguments.pop()
            if isinstance(argument, (ast.List, ast.Tuple, ast.Set)):
                arguments.extend(argument.elts)
                continue
            if isinstance(argument, ast.Dict):
                arguments.extend(argument.values)
                continue
            value = self.resolver.resolve(argument, scope, shadowed)
            if value is not None:
                self.used.add(_normalized(value))
                # A command line: ``os.system("python eval.py --model model.pt")``.
                self.used.update(_strip_quotes(word) for word in value.display.split()[1:])

    def examine(self, call: ast.Call, scope: _Scope, shadowed: frozenset[str]) -> None:
        resolver = self.resolver
        name = resolver.qualified(call.func)
        method = call.func.attr if isinstance(call.func, ast.Attribute) else None
        if method in _UPLOADS or name == "wandb.save":
            self.kept.extend(
                value for argument in [*call.args, *(k.value for k in call.keywords)]
                if (value := resolver.resolve(argument, scope, shadowed)) is not None
            )
            return
        if name in _MOVES:
            source = _argument(call, _MOVES[name])
            destination = _argument(call, _arg(1, "dst"))
            kept = destination is None or not self._lost(destination, scope, shadowed)
            value = None if source is None else resolver.resolve(source, scope, shadowed)
            if kept and value is not None:
                self.kept.append(value)
        target: ast.expr | None = None
        if name is not None:
            if name in _FUNCTIONS:
                target = _argument(call, _FUNCTIONS[name])
            elif name in _OPENERS:
                path, mode, default = _OPENERS[name]
                if self._writes_in_mode(call, mode, default):
                    target = _argument(call, path)
            elif name.startswith("mlflow.") and name.endswith(".save_model"):
                target = _argument(call, _MLFLOW_SAVE)
        elif method is not None:
            assert isinstance(call.func, ast.Attribute)
            receiver = call.func.value
            if method in ("write_text", "write_bytes") or (
                method == "open" and self._writes_in_mode(call, _arg(0, "mode"), "r")
            ):
                target = receiver
            elif method in ("rename", "replace") and len(call.args) == 1:
                destination = call.args[0]
                if not self._lost(destination, scope, shadowed):
                    value = resolver.resolve(receiver, scope, shadowed)
                    if value is not None:
                        self.kept.append(value)
            elif method in _METHODS and not (
                method in _OWN_METHODS and isinstance(receiver, ast.Name)
                and receiver.id in ("self", "cls")
            ):
                target = _argument(call, _METHODS[method])
        if target is None:
            return
        value = resolver.resolve(target, scope, shadowed)
        if value is not None and _is_lost(value):
            to_logs = name in _LOG_WRITERS or value.display.endswith(".log")
            self.writes.append(_Write(call, target, _call_label(call.func), value, to_logs))

    def _lost(self, node: ast.expr, scope: _Scope, shadowed: frozenset[str]) -> bool:
        value = self.resolver.resolve(node, scope, shadowed)
        return value is not None and _is_lost(value)

    @staticmethod
    def _writes_in_mode(call: ast.Call, where: _Arg, default: str) -> bool:
        mode = _argument(call, where)
        if mode is None:
            return bool(_WRITE_MODE.search(default))
        return isinstance(mode, ast.Constant) and isinstance(mode.value, str) and bool(
            _WRITE_MODE.search(mode.value)
        )

    def lost(self) -> Iterator[_Write]:
        kept = [_normalized(value) for value in self.kept]
        for write in self.writes:
            path = _normalized(write.value)
            if path not in self.used and not any(
                path == place or place in (".", "") or path.startswith(place + "/") for place in kept
            ):
                yield write


def _fix(write: _Write) -> str:
    path = _normalized(write.value)
    if path.startswith("../"):
        path = path.rsplit("/", 1)[-1]
    return f"{'logs' if write.to_logs else 'outputs'}/{path}"


def _lines_containing(text: str, words: Iterable[str]) -> list[int]:
    """The sorted numbers of the lines where one of ``words`` occurs (substring search in C)."""
    positions = []
    for word in words:
        found = text.find(word)
        while found != -1:
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


def _mentions(writes: Iterable[_Write]) -> set[str]:
    """What a line that uses one of ``writes``' files must contain: its name or a name in its path."""
    words = set()
    for write in writes:
        words.add(posixpath.basename(write.value.known.rstrip("/")) or write.value.known)
        words.update(node.id for node in ast.walk(write.target) if isinstance(node, ast.Name))
    return words


_CHANGES_DIRECTORY = re.compile(rf"\b(?:chdir|{CHANGE_DIRECTORY})\s*\(")


def analyse_source(text: str, filename: str) -> list[LostWrite]:
    """The lost writes of one module's source, in line order (``filename`` only labels them).

    Raises SyntaxError (ValueError for a null byte) when ``text`` does not parse.
    """
    tree = ast.parse(text, filename)
    trigger_lines = _lines_containing(text, _TRIGGERS)
    if not trigger_lines or (("chdir" in text or CHANGE_DIRECTORY in text)
                             and _CHANGES_DIRECTORY.search(text)):
        return []
    module = _Module()
    module.visit(tree.body, _Scope(None))
    if _runs_elsewhere(text, tree, module.aliases):
        return []
    analysis = _FileAnalysis(module)
    for node, scope in module.touching(trigger_lines):
        for call, shadowed in _call_nodes(node, frozenset()):
            analysis.examine(call, scope, shadowed)
    if not analysis.writes:
        return []
    for node, scope in module.touching(_lines_containing(text, _mentions(analysis.writes))):
        for call, shadowed in _call_nodes(node, frozenset()):
            analysis.consume(call, scope, shadowed)
    lines = text.split("\n")
    found = []
    for write in analysis.lost():
        span = lines[write.call.lineno - 1 : write.call.end_lineno or write.call.lineno]
        if not any(allows(line) for line in span):
            found.append(LostWrite(filename, write.call.lineno, None, write.label,
                                   write.value.display, _fix(write)))
    return sorted(found, key=lambda write: write.line)


# --- files and notebooks -----------------------------------------------------------------------

def _parses(code: str) -> bool:
    try:
        ast.parse(code)
    except (SyntaxError, ValueError):
        return False
    return True


def _analyse_notebook(relpath: str, data: bytes) -> tuple[list[LostWrite], list[Skipped]]:
    """All code cells as one module (they share one namespace); cells that do not parse alone are
    left out, and said so."""
    cells = [(cell, python_source(cell)) for cell in read_notebook(data) if cell.kind == "code"]
    skipped: list[Skipped] = []
    try:
        writes = _analyse_cells(relpath, cells)
    except (SyntaxError, ValueError):
        bad = [cell.number for cell, code in cells if not _parses(code)]
        cells = [(cell, code) for cell, code in cells if cell.number not in bad]
        writes = _analyse_cells(relpath, cells)
        listed = ", ".join(str(number) for number in bad)
        skipped.append(Skipped(relpath, f"cell {listed}: syntax error, the other cells analysed"))
    return writes, skipped


def _analyse_cells(relpath: str, cells: list[tuple[Cell, str]]) -> list[LostWrite]:
    starts: list[int] = []
    line = 1
    for _, code in cells:
        starts.append(line)
        line += code.count("\n") + 1
    writes = []
    for write in analyse_source("\n".join(code for _, code in cells), relpath):
        index = bisect.bisect_right(starts, write.line) - 1
        cell = cells[index][0]
        in_cell = write.line - starts[index] + 1
        writes.append(dataclasses.replace(
            write, line=in_cell, cell=cell.number, notebook_line=cell.source_lines[in_cell - 1]
        ))
    return writes


def _python_text(data: bytes) -> str:
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    return data.decode(encoding)


def find_lost_writes(
    relpaths: Sequence[str], read: Reader, only: Collection[str] | None = None
) -> WriteAnalysis:
    """Analyse the job code among ``relpaths`` (the files of a snapshot root, POSIX, relative to it):
    its Python files and the notebooks the job runs, minus tests and files that submit jobs.
    ``only`` limits the analysis to these files (the rest still tell which notebooks the job runs)."""
    notebooks = notebooks_run_by_job(relpaths, read)
    writes: list[LostWrite] = []
    skipped: list[Skipped] = []
    for relpath in relpaths:
        if not (relpath.endswith(".py") or relpath in notebooks) or not may_be_job_code(relpath):
            continue
        if only is not None and relpath not in only:
            continue
        try:
            if relpath in notebooks:
                found, not_analysed = _analyse_notebook(relpath, read(relpath))
                writes += found
                skipped += not_analysed
            else:
                writes += analyse_source(_python_text(read(relpath)), relpath)
        except SyntaxError as error:
            where = f" at line {error.lineno}" if error.lineno else ""
            skipped.append(Skipped(relpath, f"syntax error{where} ({error.msg})"))
        except (ValueError, UnicodeDecodeError) as error:
            skipped.append(Skipped(relpath, _one_line(error)))
        except OSError as error:
            skipped.append(Skipped(relpath, f"cannot be read ({error.strerror or error})"))
        except RecursionError:
            skipped.append(Skipped(relpath, "nested too deeply to parse"))
    return WriteAnalysis(writes, skipped)


def _one_line(error: Exception) -> str:
    return " ".join(str(error).split()) or type(error).__name__

"""Static analysis of job code: calls that write a file where an Azure ML run loses it.

A run's working directory is its snapshot root. Files written under ``./outputs`` and ``./logs`` go to
the run history; a file written to any other relative path is gone when the job ends. This package
parses (never imports, never runs) the Python files and the notebooks of a snapshot root and reports
the writes whose path it can resolve to such a place: through names, functions and the calls that
pass their parameters, the root's other modules, attributes of classes and configuration objects,
the file's own folder (``__file__``), and argparse defaults where the job's command line is known.
Precision comes before recall: a path built from anything only the run knows (an environment
variable, an option the command line sets, a data-dependent string) is not reported, nor is a path
the same file later uploads, copies, moves or uses again, nor a file opened and left empty.
"""
from __future__ import annotations

import ast
import bisect
import codecs
import dataclasses
import io
import posixpath
import re
import tokenize
from collections.abc import Callable, Collection, Iterator, Sequence

from snapshot_guard.pyanalysis.allow import allows
from snapshot_guard.pyanalysis.modules import Modules
from snapshot_guard.pyanalysis.notebook import CHANGE_DIRECTORY, Cell, python_source, read_notebook
from snapshot_guard.pyanalysis.values import UNKNOWN, Text, strip_dot
from snapshot_guard.writes.analysis import (
    ModuleWrites,
    fix,
    lines_containing,
    lost_writes,
    unreferenced,
)
from snapshot_guard.writes.calls import TRIGGERS
from snapshot_guard.writes.jobs import (
    KEPT_FOLDERS,
    REFERENCE_NAMES,
    REFERENCE_SUFFIXES,
    CommandLines,
    Reader,
    commands_in_yaml,
    is_reference,
    may_be_job_code,
    notebooks_mentioned,
    parse_commands,
    runs_elsewhere,
)

__all__ = ["KEPT_FOLDERS", "REFERENCE_NAMES", "REFERENCE_SUFFIXES", "UNKNOWN", "LostWrite", "Reader",
           "Skipped", "WriteAnalysis", "analyse_source", "find_lost_writes", "may_be_job_code",
           "strip_dot"]


@dataclasses.dataclass(frozen=True)
class LostWrite:
    file: str
    """The code file, POSIX, relative to the snapshot root."""
    line: int
    """1-based; in a notebook, the line within the cell."""
    cell: int | None
    """1-based position of the notebook cell among all cells; None in a Python file."""
    call: str
    """The call as written, e.g. ``torch.save`` or ``df.to_csv``; for a path passed to a function
    that writes it, that function's call (``save_plot``)."""
    target: str
    """The path it writes, resolved as far as static analysis can (``*`` for the unknown parts)."""
    fix: str
    """Where to write instead, e.g. ``outputs/model.pt``."""
    notebook_line: int | None = None
    """In a notebook, the 1-based line of the ``.ipynb`` file (0 when unknown); None in a Python
    file."""
    through: str | None = None
    """When ``call`` passes the path to a function that writes it: the writing call and where it is
    (``fig.savefig at line 3``, ``torch.save in utils.py:12``)."""


@dataclasses.dataclass(frozen=True)
class Skipped:
    file: str
    reason: str


@dataclasses.dataclass(frozen=True)
class WriteAnalysis:
    writes: list[LostWrite]
    skipped: list[Skipped]


_CHANGES_DIRECTORY = re.compile(rf"\b(?:chdir|{CHANGE_DIRECTORY})\s*\(")
_IMPORTS = re.compile(rb"^[ \t]*(?:from[ \t]+(\.*[\w.]*)[ \t]+import|import[ \t]+([\w.]+))", re.MULTILINE)


class _Root:
    """The files of one snapshot root and its modules. A file is read once; what is kept of it is
    the bytes of job code to analyse, and the text of modules code imports."""

    def __init__(self, relpaths: Sequence[str], read: Reader,
                 commands: CommandLines | None) -> None:
        self.relpaths = set(relpaths)
        self.read = read
        self.pending: dict[str, bytes] = {}
        """Job code read by the first pass, waiting for its analysis."""
        self.texts: dict[str, str | None] = {}
        self.errors: dict[str, Exception] = {}
        self.writers: dict[str, bool] = {}
        self.commands = commands
        self.modules = Modules("", self.relpaths.__contains__, self.text)
        self.modules.factory = self.module_writes

    def data(self, relpath: str) -> bytes:
        pending = self.pending.pop(relpath, None)
        return pending if pending is not None else self.read(relpath)

    def text(self, relpath: str) -> str | None:
        """The text of a module (a Python file in its declared encoding), kept; None when it
        cannot be read or decoded."""
        if relpath not in self.texts:
            try:
                self.texts[relpath] = python_text(self.data(relpath))
            except (OSError, SyntaxError, ValueError) as error:
                self.errors[relpath] = error
                self.texts[relpath] = None
        return self.texts[relpath]

    def module_writes(self, relpath: str, tree: ast.Module) -> ModuleWrites:
        text = self.text(relpath) or ""
        return ModuleWrites(relpath, tree, text, self.modules, self.commands,
                            lines_containing(text, TRIGGERS))

    def scripts_run(self, lines: Sequence[str]) -> set[str] | None:
        """The scripts of the root the command lines run; None when a line runs no Python script
        of the root (a shell script, a notebook: what they run is not known)."""
        scripts: set[str] = set()
        for line in lines:
            parsed = parse_commands([line])
            if parsed is None or not parsed.by_script \
                    or any(script not in self.relpaths for script in parsed.by_script):
                return None
            scripts.update(parsed.by_script)
        return scripts

    def imported_by(self, scripts: set[str]) -> set[str]:
        """``scripts`` and the modules of the root they import, at any depth."""
        found, queue = set(scripts), list(scripts)
        while queue:
            relpath = queue.pop()
            try:
                data = self.pending.get(relpath) or self.read(relpath)
            except OSError:
                continue
            for module in self.imported(relpath, data):
                if module not in found:
                    found.add(module)
                    queue.append(module)
        return found

    def imported(self, relpath: str, data: bytes) -> Iterator[str]:
        """The modules of the root an import line of ``data`` names."""
        for match in _IMPORTS.finditer(data):
            module = (match.group(1) or match.group(2)).decode("ascii", "replace")
            level = len(module) - len(module.lstrip("."))
            found = self.modules.locate(module.lstrip("."), level, relpath)
            if found is not None and found != relpath:
                yield found
            names = data[match.end():data.find(b"\n", match.end())].decode("ascii", "replace")
            if match.group(1) is not None:  # from package import module
                for name in re.findall(r"\w+", names.split("#", 1)[0]):
                    sub = self.modules.locate(f"{module.lstrip('.')}.{name}".lstrip("."), level,
                                              relpath)
                    if sub is not None:
                        yield sub

    def named(self, name: str, file: str, python: Sequence[str]) -> bool:
        """A Python file of the root other than ``file`` names ``name`` (it may call it)."""
        word = re.compile(rb"\b" + re.escape(name.encode()) + rb"\b")
        for relpath in python:
            if relpath == file:
                continue
            try:
                if word.search(self.pending.get(relpath) or self.read(relpath)):
                    return True
            except OSError:
                continue
        return False

    def imports_a_writer(self, relpath: str, data: bytes) -> bool:
        """``data`` imports a module of the root that can write: its calls may make that write
        lost."""
        return any(self.can_write(found) for found in self.imported(relpath, data))

    def can_write(self, relpath: str) -> bool:
        """The module holds a word of a write (so one of its functions may write)."""
        if relpath not in self.writers:
            try:
                self.writers[relpath] = has_trigger(self.read(relpath))
            except OSError:
                self.writers[relpath] = False
        return self.writers[relpath]


_TRIGGER_BYTES = tuple(word.encode() for word in TRIGGERS)


def has_trigger(data: bytes) -> bool:
    """``data`` may hold a write: a call, and one of the words of a write."""
    return b"(" in data and any(word in data for word in _TRIGGER_BYTES)


def python_text(data: bytes) -> str:
    """A Python file's text: UTF-8, unless a coding declaration in its first two lines says other."""
    head = data[: data.find(b"\n", data.find(b"\n") + 1) + 1 or len(data)]
    if b"coding" not in head:
        try:
            return data.decode("utf-8-sig" if data.startswith(codecs.BOM_UTF8) else "utf-8")
        except UnicodeDecodeError:
            raise SyntaxError("invalid or missing encoding declaration") from None
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    return data.decode(encoding)


def analyse_source(text: str, filename: str, commands: Sequence[str] | None = None) -> list[LostWrite]:
    """The lost writes of one module's source, in line order (``filename`` only labels them).

    Raises SyntaxError (ValueError for a null byte) when ``text`` does not parse.
    """
    root = _Root([filename], lambda _: text.encode(), _command_lines(commands, {}))
    root.texts[filename] = text
    if not has_trigger(text.encode()):
        return []
    return _said_elsewhere(_analyse_module(root, filename))


def _analyse_module(root: _Root, relpath: str) -> list[_Found]:
    text = root.text(relpath)
    if text is None:
        raise root.errors.get(relpath) or OSError(f"{relpath} cannot be read")
    if ("chdir" in text or CHANGE_DIRECTORY in text) and _CHANGES_DIRECTORY.search(text):
        return []
    tree = ast.parse(text, relpath)
    root.modules.trees[relpath] = tree
    analysis = root.modules.analysis(relpath, imported=False)
    try:
        if not isinstance(analysis, ModuleWrites) or runs_elsewhere(text, tree,
                                                                    analysis.facts.aliases):
            return []
        return _findings(analysis, relpath, text.split("\n"))
    finally:
        if relpath not in root.modules.imported:
            root.modules.forget(relpath)
            root.texts.pop(relpath, None)


@dataclasses.dataclass(frozen=True)
class _Found:
    write: LostWrite
    source: tuple[str, int] | None = None
    """Where the writing call is, when the finding is at a call that passes it its path."""
    fallback: bool = False
    """At the write, with what its parameters leave known: dropped when a call of another module
    says it (a finding whose ``source`` it is)."""
    unreferenced: str | None = None
    """In a module-level function its module never names: the function's name, which another
    module must name for the write to run."""


def _findings(analysis: ModuleWrites, relpath: str, lines: list[str]) -> list[_Found]:
    analysis.resolve_deferred()
    analysis.pull()
    found = []
    named: dict[str, bool] = {}
    for write in lost_writes(analysis):
        line = write.line or write.call.lineno
        span = lines[write.call.lineno - 1 : write.call.end_lineno or write.call.lineno]
        if not any(allows(text) for text in [*span, lines[line - 1]]):
            found.append(_Found(LostWrite(relpath, line, None, write.label, _shown(write.value),
                                          fix(write), through=write.through),
                                write.source, write.fallback,
                                unreferenced(write, analysis.text, named)))
    return sorted(found, key=lambda item: (item.write.line, item.write.target))


def _shown(value: Text) -> str:
    """The path as reported: as written, but ``src/../models/m.pkl`` is ``models/m.pkl``."""
    shown = value.display
    if value.complete and "/../" in shown and not shown.startswith("/"):
        shown = posixpath.normpath(shown)
    return shown


def _said_elsewhere(found: list[_Found], runs: Callable[[str, str], bool] | None = None,
                    ) -> list[LostWrite]:
    """The findings, but those at a function's write that a call of another module reports, and
    those in a function that never runs (``runs(name, file)``: it may)."""
    sources = {item.source for item in found if item.source is not None}
    return [item.write for item in found
            if not (item.fallback and (item.write.file, item.write.line) in sources)
            and (item.unreferenced is None or runs is None
                 or runs(item.unreferenced, item.write.file))]


# --- notebooks ---------------------------------------------------------------------------------

def _parses(code: str) -> bool:
    try:
        ast.parse(code)
    except (SyntaxError, ValueError):
        return False
    return True


def _analyse_notebook(root: _Root, relpath: str) -> tuple[list[_Found], list[Skipped]]:
    """All code cells as one module (they share one namespace); cells that do not parse alone are
    left out, and said so."""
    cells = [(cell, python_source(cell)) for cell in read_notebook(root.data(relpath))
             if cell.kind == "code"]
    skipped: list[Skipped] = []
    try:
        writes = _analyse_cells(root, relpath, cells)
    except (SyntaxError, ValueError):
        bad = [cell.number for cell, code in cells if not _parses(code)]
        cells = [(cell, code) for cell, code in cells if cell.number not in bad]
        writes = _analyse_cells(root, relpath, cells)
        listed = ", ".join(str(number) for number in bad)
        skipped.append(Skipped(relpath, f"cell {listed}: syntax error, the other cells analysed"))
    return writes, skipped


def _analyse_cells(root: _Root, relpath: str, cells: list[tuple[Cell, str]]) -> list[_Found]:
    starts: list[int] = []
    line = 1
    for _, code in cells:
        starts.append(line)
        line += code.count("\n") + 1
    text = "\n".join(code for _, code in cells)
    triggers = lines_containing(text, TRIGGERS)
    if not triggers or _CHANGES_DIRECTORY.search(text):
        return []
    tree = ast.parse(text, relpath)
    analysis = ModuleWrites(relpath, tree, text, root.modules, None, triggers, notebook=True)
    analysis.run()
    if runs_elsewhere(text, tree, analysis.facts.aliases):
        return []
    writes = []
    for found in _findings(analysis, relpath, text.split("\n")):
        write = found.write
        index = bisect.bisect_right(starts, write.line) - 1
        cell = cells[index][0]
        in_cell = write.line - starts[index] + 1
        writes.append(dataclasses.replace(found, write=dataclasses.replace(
            write, line=in_cell, cell=cell.number, notebook_line=cell.source_lines[in_cell - 1]
        )))
    return writes


# --- the root ----------------------------------------------------------------------------------

def _command_lines(commands: Sequence[str] | None, in_root: dict[str, list[str]]) -> CommandLines | None:
    """The command lines known to run code of the root: those given, and those of the root's own
    job YAML; None when none is known."""
    lines = [*(commands or ()), *(line for found in in_root.values() for line in found)]
    if commands is None and not in_root:
        return None
    return parse_commands(lines)


def find_lost_writes(
    relpaths: Sequence[str], read: Reader, only: Collection[str] | None = None,
    commands: Sequence[str] | None = None,
) -> WriteAnalysis:
    """Analyse the job code among ``relpaths`` (the files of a snapshot root, POSIX, relative to it):
    its Python files and the notebooks the job runs, minus tests and files that submit jobs.
    ``only`` limits the findings to these files (the rest still tell which notebooks the job runs
    and what imported modules hold). ``commands``: the command lines of the jobs that run from this
    root, when every one is known (``python train.py --epochs 3``); with them, an argparse default
    counts where no command line sets the option."""
    root = _Root(relpaths, read, None)
    skipped: list[Skipped] = []
    job_files = _job_files(relpaths, only)
    candidates, notebooks, in_root = _first_pass(root, relpaths, job_files, skipped)
    root.commands = _command_lines(commands, in_root)
    scripts = None
    if commands is not None:
        scripts = root.scripts_run([*commands, *(line for found in in_root.values()
                                                 for line in found)])
        if scripts is not None:
            candidates &= root.imported_by(scripts)
    writes: list[_Found] = []
    for relpath in sorted(candidates | (notebooks & job_files)):
        try:
            if relpath in notebooks:
                found_writes, not_analysed = _analyse_notebook(root, relpath)
                writes += found_writes
                skipped += not_analysed
            else:
                writes += _analyse_module(root, relpath)
        except SyntaxError as error:
            where = f" at line {error.lineno}" if error.lineno else ""
            skipped.append(Skipped(relpath, f"syntax error{where} ({error.msg})"))
        except (ValueError, UnicodeDecodeError) as error:
            skipped.append(Skipped(relpath, _one_line(error)))
        except OSError as error:
            skipped.append(Skipped(relpath, f"cannot be read ({error.strerror or error})"))
        except RecursionError:
            skipped.append(Skipped(relpath, "nested too deeply to parse"))
    python = sorted(path for path in relpaths if path.endswith(".py") and may_be_job_code(path))

    def runs(name: str, file: str) -> bool:
        """A module-level function only a module of the root can call: when the job runs
        ``file`` itself, or runs not known, it may be called from there."""
        return scripts is None or file in scripts or root.named(name, file, python)

    return WriteAnalysis([write for write in _said_elsewhere(writes, runs)
                          if not _rewrites_the_project(write, root.relpaths)], skipped)


_PROJECT_FILES = (".md", ".rst", ".txt", ".json", ".toml", ".cfg", ".ini", ".yaml", ".yml", ".py",
                  ".ipynb", ".html")


def _rewrites_the_project(write: LostWrite, relpaths: Collection[str]) -> bool:
    """A write over a document, configuration or code file of the root itself: a tool that keeps
    the project (a README, a generated config), not a result of a run."""
    if UNKNOWN in write.target:
        return False
    path = posixpath.normpath(strip_dot(write.target))
    return path.endswith(_PROJECT_FILES) and path in relpaths


def _job_files(relpaths: Sequence[str], only: Collection[str] | None) -> set[str]:
    """The Python files and notebooks that may be job code (among ``only``, when given)."""
    return {path for path in relpaths if path.endswith((".py", ".ipynb")) and may_be_job_code(path)
            and (only is None or path in only)}


def _first_pass(
    root: _Root, relpaths: Sequence[str], job_files: set[str], skipped: list[Skipped],
) -> tuple[set[str], set[str], dict[str, list[str]]]:
    """One read of the files that matter: the job's Python files that can hold a write (kept for
    the analysis), the files that may run a notebook (when there are notebooks), the job YAML of
    the root (its command lines). Returns the Python files to analyse, the notebooks the job runs,
    and the command lines by YAML file."""
    has_notebooks = any(path.endswith(".ipynb") for path in relpaths)
    candidates: set[str] = set()
    mentioned: list[str] = []
    in_root: dict[str, list[str]] = {}
    for path in relpaths:
        job_code = path.endswith(".py") and path in job_files
        reference = has_notebooks and is_reference(path)
        job_yaml = path.endswith((".yml", ".yaml"))
        if not (job_code or reference or job_yaml):
            continue
        try:
            data = root.read(path)
        except OSError as error:
            if job_code:
                skipped.append(Skipped(path, f"cannot be read ({error.strerror or error})"))
            continue
        if reference and (b"papermill" in data or b"nbconvert" in data):
            mentioned.append(data.decode("utf-8", "replace"))
        if job_yaml and b"command" in data:
            found = commands_in_yaml(path, data.decode("utf-8", "replace"))
            if found:
                in_root[path] = found
        if job_code:
            root.writers[path] = has_trigger(data)
            if root.writers[path] or (b"import" in data and root.imports_a_writer(path, data)):
                candidates.add(path)
                root.pending[path] = data
    return candidates, notebooks_mentioned(relpaths, mentioned), in_root


def _one_line(error: Exception) -> str:
    return " ".join(str(error).split()) or type(error).__name__


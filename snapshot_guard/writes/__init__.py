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
import dataclasses
import io
import re
import tokenize
from collections.abc import Collection, Sequence

from snapshot_guard.pyanalysis.allow import allows
from snapshot_guard.pyanalysis.modules import Modules
from snapshot_guard.pyanalysis.notebook import CHANGE_DIRECTORY, Cell, python_source, read_notebook
from snapshot_guard.pyanalysis.values import UNKNOWN, strip_dot
from snapshot_guard.writes.analysis import ModuleWrites, fix, lines_containing, lost_writes
from snapshot_guard.writes.calls import TRIGGERS
from snapshot_guard.writes.jobs import (
    KEPT_FOLDERS,
    REFERENCE_NAMES,
    REFERENCE_SUFFIXES,
    CommandLines,
    Reader,
    commands_in_yaml,
    may_be_job_code,
    notebooks_run_by_job,
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
_IMPORTS = re.compile(r"^[ \t]*(?:from[ \t]+(\.*[\w.]*)[ \t]+import|import[ \t]+([\w.]+))", re.MULTILINE)


class _Root:
    """The files of one snapshot root, each read and decoded once, and its modules."""

    def __init__(self, relpaths: Sequence[str], read: Reader,
                 commands: CommandLines | None) -> None:
        self.relpaths = set(relpaths)
        self.read = read
        self.texts: dict[str, str | None] = {}
        self.errors: dict[str, Exception] = {}
        self.commands = commands
        self.modules = Modules("", self.relpaths.__contains__, self.text)
        self.modules.factory = self.module_writes

    def data(self, relpath: str) -> bytes:
        return self.read(relpath)

    def text(self, relpath: str) -> str | None:
        """The file's text (a Python file in its declared encoding); None when it cannot be read."""
        if relpath not in self.texts:
            try:
                data = self.read(relpath)
                self.texts[relpath] = python_text(data) if relpath.endswith(".py") else data.decode(
                    "utf-8", "replace")
            except (OSError, SyntaxError, ValueError) as error:
                self.errors[relpath] = error
                self.texts[relpath] = None
        return self.texts[relpath]

    def module_writes(self, relpath: str, tree: ast.Module) -> ModuleWrites:
        text = self.text(relpath) or ""
        return ModuleWrites(relpath, tree, text, self.modules, self.commands,
                            lines_containing(text, TRIGGERS))

    def imports_a_writer(self, relpath: str, text: str) -> bool:
        """``text`` imports a module of the root that can write: its calls may make that write lost."""
        for match in _IMPORTS.finditer(text):
            module = match.group(1) or match.group(2)
            level = len(module) - len(module.lstrip("."))
            found = self.modules.locate(module.lstrip("."), level, relpath)
            if found is not None and found != relpath and lines_containing(self.text(found) or "",
                                                                           TRIGGERS):
                return True
        return False


def python_text(data: bytes) -> str:
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    return data.decode(encoding)


def analyse_source(text: str, filename: str, commands: Sequence[str] | None = None) -> list[LostWrite]:
    """The lost writes of one module's source, in line order (``filename`` only labels them).

    Raises SyntaxError (ValueError for a null byte) when ``text`` does not parse.
    """
    root = _Root([filename], lambda _: text.encode(), _command_lines(commands, {}))
    root.texts[filename] = text
    return _analyse_module(root, filename)


def _analyse_module(root: _Root, relpath: str) -> list[LostWrite]:
    text = root.text(relpath)
    if text is None:
        raise root.errors.get(relpath) or OSError(f"{relpath} cannot be read")
    triggers = lines_containing(text, TRIGGERS)
    if not triggers and not root.imports_a_writer(relpath, text):
        return []
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


def _findings(analysis: ModuleWrites, relpath: str, lines: list[str]) -> list[LostWrite]:
    analysis.resolve_deferred()
    analysis.pull()
    found = []
    for write in lost_writes(analysis):
        span = lines[write.call.lineno - 1 : write.call.end_lineno or write.call.lineno]
        if not any(allows(line) for line in span):
            found.append(LostWrite(relpath, write.call.lineno, None, write.label,
                                   write.value.display, fix(write), through=write.through))
    return sorted(found, key=lambda write: (write.line, write.target))


# --- notebooks ---------------------------------------------------------------------------------

def _parses(code: str) -> bool:
    try:
        ast.parse(code)
    except (SyntaxError, ValueError):
        return False
    return True


def _analyse_notebook(root: _Root, relpath: str) -> tuple[list[LostWrite], list[Skipped]]:
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


def _analyse_cells(root: _Root, relpath: str, cells: list[tuple[Cell, str]]) -> list[LostWrite]:
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
    for write in _findings(analysis, relpath, text.split("\n")):
        index = bisect.bisect_right(starts, write.line) - 1
        cell = cells[index][0]
        in_cell = write.line - starts[index] + 1
        writes.append(dataclasses.replace(
            write, line=in_cell, cell=cell.number, notebook_line=cell.source_lines[in_cell - 1]
        ))
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
    notebooks = notebooks_run_by_job(relpaths, root.text)
    in_root = {}
    for path in relpaths:
        if path.endswith((".yml", ".yaml")):
            text = root.text(path)
            found = commands_in_yaml(path, text) if text is not None else None
            if found:
                in_root[path] = found
    root.commands = _command_lines(commands, in_root)
    writes: list[LostWrite] = []
    skipped: list[Skipped] = []
    for relpath in sorted(relpaths):
        if not (relpath.endswith(".py") or relpath in notebooks) or not may_be_job_code(relpath):
            continue
        if only is not None and relpath not in only:
            continue
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
    return WriteAnalysis(writes, skipped)


def _one_line(error: Exception) -> str:
    return " ".join(str(error).split()) or type(error).__name__


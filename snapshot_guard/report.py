"""Everything a person or a program reads: the text of the hooks and commands, ``--format json`` and
``--format sarif``.

The checks hand over plain data (:class:`~snapshot_guard.limits.Measured`,
:class:`~snapshot_guard.limits.Fix`, :class:`~snapshot_guard.findings.Finding`); this module is the
only one that decides how it looks. Text is wrapped to the terminal (80 columns when the output is
not one), coloured only on a terminal and never with ``NO_COLOR``.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import pathlib
import sys
import threading
import time
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TextIO

from snapshot_guard import limits
from snapshot_guard.errors import View
from snapshot_guard.findings import Finding, display_path, plural, printable
from snapshot_guard.ignore import AMLIGNORE, GITIGNORE, IgnoreSpec
from snapshot_guard.limits import Fix, Limit, Measured, Node, RootReport, Status
from snapshot_guard.plan import SNAPSHOT_MAX_FILES, SNAPSHOT_MAX_SIZE_BYTES, Plan, RootSettings
from snapshot_guard.sizes import format_size
from snapshot_guard.snapshot import Snapshot, SnapshotFile, files_with, staged_files

if TYPE_CHECKING:
    from snapshot_guard.discover import DeclaredRoot

ARTICLE = "https://learn.microsoft.com/azure/machine-learning/how-to-save-write-experiment-files"
"""Azure ML's article on snapshots and their limits."""
FORMATS = ("text", "json", "sarif")
SHOWN = 10
"""Findings of one check shown in text before "and N more"."""
DEFAULT_DEPTH = 2
DEFAULT_TOP = 5
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

_LABELS: dict[Status, str] = {"fail": "FAILED", "warn": "warning", "ok": "ok", "unknown": "CANNOT JUDGE"}
_VIEWS: dict[View, str] = {"index": "staged files", "worktree": "folder on disk"}
_ORIGINS = {
    "committed": "committed",
    "submodule": "submodule",
    "untracked": "only in this checkout",
    "ignored": "only in this checkout",
    "outside-git": "not in git",
    "git": "the .git folder",
}
_SHORT_ORIGINS = {"only in this checkout": ("only here",), "the .git folder": (".git",)}
_COLORS = {"fail": "1;31", "warn": "33", "ok": "32", "unknown": "1;33", "dim": "2", "bold": "1"}


def version() -> str:
    """snapshot-guard's version, from the installed package's metadata."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed("snapshot-guard")
    except PackageNotFoundError:
        return "unknown (not installed)"


def add_output_options(parser: argparse.ArgumentParser, fix: str | None = None) -> None:
    """``--format`` and ``--version`` for every hook and command; ``--fix`` (with what it does)
    where a fix exists."""
    group = parser.add_argument_group("output")
    group.add_argument("--format", choices=FORMATS, default="text",
                       help="text for people; json (one schema for every command) or sarif "
                            "(SARIF 2.1.0, for code scanning) for programs")
    if fix is not None:
        group.add_argument("--fix", action="store_true", help=fix)
    parser.add_argument("--version", action=_VersionAction)


class _VersionAction(argparse.Action):
    """argparse's ``version`` action, the metadata read only when asked (reading it costs a hook
    that passes a sixth of its time)."""

    def __init__(self, option_strings: Sequence[str], dest: str) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS,
                         help="show the version and exit")

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: object, option_string: str | None = None) -> None:
        print(f"snapshot-guard {version()}")
        parser.exit()


# ---------------------------------------------------------------------------------------------
# Text that fits: wrapping, colour.


@dataclasses.dataclass(frozen=True)
class Style:
    width: int = 80
    color: bool = False
    unicode: bool = True
    """Box-drawing and block characters can be written (else ASCII)."""


def style_for(stream: TextIO) -> Style:
    """The terminal's width (``COLUMNS`` wins; 80 when not a terminal), colour only on a terminal
    without ``NO_COLOR``, and whether the stream's encoding has the drawing characters."""
    try:
        terminal = stream.isatty()
    except (AttributeError, ValueError):
        terminal = False
    width = 80
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        width = int(columns)
    elif terminal:
        try:
            width = os.get_terminal_size(stream.fileno()).columns or 80
        except (OSError, ValueError, AttributeError):
            width = 80
    color = terminal and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"
    try:
        "█▏│├└─…".encode(getattr(stream, "encoding", None) or "ascii")
        unicode = True
    except (UnicodeEncodeError, LookupError):
        unicode = False
    return Style(max(width, 20), color, unicode)


def columns(text: str) -> int:
    """How many terminal columns ``text`` takes (wide characters two, combining ones none)."""
    if text.isascii():
        return len(text) - _escape_length(text)
    width = 0
    for char in _strip_escapes(text):
        if unicodedata.combining(char):
            continue
        width += 2 if unicodedata.east_asian_width(char) in "WF" else 1
    return width


def _escape_length(text: str) -> int:
    return len(text) - len(_strip_escapes(text)) if "\x1b[" in text else 0


def _strip_escapes(text: str) -> str:
    if "\x1b[" not in text:
        return text
    out = []
    index = 0
    while index < len(text):
        if text.startswith("\x1b[", index):
            end = text.find("m", index)
            index = len(text) if end < 0 else end + 1
        else:
            out.append(text[index])
            index += 1
    return "".join(out)


def paint(text: str, color: str, style: Style) -> str:
    return f"\x1b[{_COLORS[color]}m{text}\x1b[0m" if style.color and text else text


def _split_to(word: str, width: int) -> tuple[str, str]:
    """The longest start of ``word`` that fits ``width`` columns, and the rest."""
    taken = 0
    for index, char in enumerate(word):
        taken += columns(char)
        if taken > width:
            return word[:max(index, 1)], word[max(index, 1):]
    return word, ""


def wrap(line: str, width: int, hang: int = 2) -> list[str]:
    """``line`` in lines of at most ``width`` columns; a continuation is indented ``hang`` more
    than the line's own indentation. A word longer than a line is cut."""
    if columns(line) <= width:
        return [line.rstrip()]
    text = _strip_escapes(line)
    indent = len(text) - len(text.lstrip(" "))
    hang_text = " " * min(indent + hang, width // 2)
    lines: list[str] = []
    current = " " * min(indent, width // 2)
    empty = True
    for word in text.split():
        while word:
            room = width - columns(current) - (0 if empty else 1)
            if columns(word) <= room:
                current += word if empty else " " + word
                empty, word = False, ""
            elif empty:
                piece, word = _split_to(word, room)
                current += piece
                lines.append(current)
                current, empty = hang_text, True
            else:
                lines.append(current)
                current, empty = hang_text, True
    if not empty:
        lines.append(current)
    return lines


def fit(lines: Iterable[str], style: Style) -> list[str]:
    return [piece for line in lines for piece in wrap(line, style.width)]


def emit(lines: Iterable[str], style: Style | None = None, stream: TextIO | None = None) -> None:
    """Print ``lines``, each fit to the width."""
    stream = stream or sys.stdout
    style = style or style_for(stream)
    text = fit(lines, style)
    if text:
        print("\n".join(text), file=stream)


def cut(items: Sequence[str], shown: int, command: str | None) -> list[str]:
    """``items`` up to ``shown``, then "and N more" with the command that lists them all."""
    if len(items) <= shown:
        return list(items)
    rest = f"and {len(items) - shown:,} more"
    return [*items[:shown], rest + (f": {command}" if command else "")]


# ---------------------------------------------------------------------------------------------
# Findings.


def _where(finding: Finding) -> str:
    where = printable(finding.path)
    if finding.cell is not None:
        return f"{where} (cell {finding.cell}" + (f", line {finding.line})" if finding.line else ")")
    return where if finding.line is None else f"{where}:{finding.line}"


def _details(finding: Finding) -> list[str]:
    """The message as a person reads it: what, why, fix."""
    message, fix = printable(finding.message), finding.fix
    parts = []
    if fix is None and "; fix: " in message:
        message, fix = message.split("; fix: ", 1)
    what, _, why = message.partition("; why: ")
    parts.append(what)
    if why:
        parts.append("why: " + why)
    if fix:
        parts.append("fix: " + printable(fix))
    return parts


def finding_lines(finding: Finding, style: Style, indent: str = "") -> list[str]:
    """A finding as a headline and indented detail."""
    color = "fail" if finding.severity == "error" else "warn"
    head = f"{indent}{_where(finding)}: {paint(finding.severity, color, style)}: {finding.kind}"
    return [head, *(f"{indent}    {part}" for part in _details(finding))]


def findings_text(findings: Sequence[Finding], style: Style, command: str | None = None,
                  shown: int | None = SHOWN, indent: str = "") -> list[str]:
    """Findings, errors first, at most ``shown`` (None: all) with "and N more"."""
    unique = sorted(dict.fromkeys(findings), key=lambda item: item.severity != "error")
    visible = unique if shown is None else unique[:shown]
    lines = [line for finding in visible for line in finding_lines(finding, style, indent)]
    if len(visible) < len(unique):
        rest = unique[len(visible):]
        errors = sum(item.severity == "error" for item in rest)
        lines.append(f"{indent}and {len(rest):,} more ({plural(errors, 'error')}, "
                     f"{plural(len(rest) - errors, 'warning')})" + (f": {command}" if command else ""))
    return lines


def summary(check: str, findings: Sequence[Finding], extra: str = "") -> str:
    unique = set(findings)
    errors = sum(item.severity == "error" for item in unique)
    return (f"{check}: {plural(errors, 'error')}, {plural(len(unique) - errors, 'warning')}"
            + (f"; {extra}" if extra else ""))


def scan_command(check: str, roots: Sequence[str]) -> str:
    """The command that shows every finding of ``check`` in ``roots``."""
    listed = " ".join(roots) if 0 < len(roots) <= 3 else ""
    return f"snapshot-guard scan --checks {check} --all {listed}".rstrip()


# ---------------------------------------------------------------------------------------------
# Limits: what a root uploads, the size map, the fix.


def intro(sdk: str, width: int) -> list[str]:
    """The one sentence a run's first failure opens with, as a paragraph, the article's address on
    a line of its own."""
    if sdk == "v2":
        why = (f"azure-ai-ml enforces no limit, so snapshot-guard applies azureml-core's "
               f"({format_size(SNAPSHOT_MAX_SIZE_BYTES)}, {SNAPSHOT_MAX_FILES:,} files) as a policy: "
               f"a large upload is slow and stays readable to the whole workspace")
    else:
        why = (f"azureml-core refuses one over {format_size(SNAPSHOT_MAX_SIZE_BYTES)} or "
               f"{SNAPSHOT_MAX_FILES:,} files, and the job never starts")
    sentence = (f"  A snapshot is the copy of a job's source folder that Azure ML uploads when the "
                f"job is submitted and keeps in the run history; {why}:")
    return [*wrap(sentence, width, hang=0), "  " + ARTICLE.removeprefix("https://")]


def _amount(limit: Limit, value: int) -> str:
    return format_size(value) if limit == "size" else plural(value, "file")


_LIMIT_NAMES: dict[Limit, str] = {"size": "size", "count": "file count"}


def _verdict_line(measured: Measured, limit: Limit) -> str:
    verdict = measured.verdict(limit)
    name = _LIMIT_NAMES[limit]
    exact = f" ({verdict.value:,} bytes)" if limit == "size" else ""
    bound = "at least " if verdict.lower_bound else ""
    line = f"  {name}: {bound}{_amount(limit, verdict.value)}{exact}"
    if verdict.maximum is None:
        return line + " (no limit: AML_SNAPSHOT_NO_FILE_LIMIT is set)"
    share = f"{verdict.value * 100 // max(verdict.maximum, 1)}%"
    whose = "snapshot-guard's policy limit" if verdict.policy else "the limit"
    if verdict.value > verdict.maximum:
        line += f", over {whose} of {_amount(limit, verdict.maximum)} ({share})"
    else:
        line += f", {share} of {whose} of {_amount(limit, verdict.maximum)}"
    return line


def _ignore_line(snapshot: Snapshot, top: str) -> str:
    spec = snapshot.ignore
    if spec.path is None:
        return "  ignore file: none (no .amlignore or .gitignore at the root: everything is uploaded)"
    line = f"  ignore file: {printable(display_path(spec.path, top))}"
    if spec.unused_gitignore:
        line += f" ({printable(display_path(spec.unused_gitignore, top))} is not read: an " \
                f"{AMLIGNORE} exists)"
    return line


def header(check: str, status: Status, measured: Measured, style: Style, views: str | None = None
           ) -> str:
    snapshot = measured.snapshot
    label = _LABELS[status]
    if status == "fail" and snapshot.sdk == "v2" and not limits.fails_anyway(snapshot):
        label += " (policy)"
    view = views or _VIEWS[snapshot.source]
    return (f"{check}: {paint(label, status, style)}: {printable(snapshot.display)} "
            f"(SDK {snapshot.sdk}, {view})")


def _problem_lines(measured: Measured) -> list[str]:
    snapshot = measured.snapshot
    lines = [f"  error: {printable(problem)}" for problem in snapshot.problems]
    if snapshot.sdk == "v2" and not snapshot.files:
        lines.append("  error: nothing is left to upload; azure-ai-ml fails on an empty code folder")
    lines.extend(f"  cannot judge: {printable(text)}" for text in snapshot.unjudged)
    if measured.size.lower_bound and snapshot.unknown:
        one = len(snapshot.unknown) == 1
        lines.append(f"  cannot judge: {plural(len(snapshot.unknown), 'staged file')} of this root "
                     f"{'is' if one else 'are'} not in this partial clone, so "
                     f"{'its' if one else 'their'} size is unknown (e.g. "
                     f"{printable(snapshot.unknown[0])}); fetch them (git sparse-checkout add, or "
                     f"git fetch with the blobs) and commit again")
    if measured.v2_warns:
        lines.append("  warning: azure-ai-ml warns on uploads above 100 MB")
    return lines


# The size map ---------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class MapOptions:
    depth: int = DEFAULT_DEPTH
    top: int = DEFAULT_TOP


_REMOVED: dict[int, tuple[Snapshot, Node]] = {}


def removed_tree(snapshot: Snapshot) -> Node:
    """The files a pattern keeps out of ``snapshot`` (walked again without the ignore file), as a
    tree; built once per snapshot."""
    cached = _REMOVED.get(id(snapshot))
    if cached is None or cached[0] is not snapshot:
        removed: list[SnapshotFile] = []
        if snapshot.ignore.rules:
            kept = {item.path for item in snapshot.files}
            # The staged files are listed already; the folder on disk is walked again.
            removed = staged_files(snapshot.repo, snapshot.root, leaving_out=kept) \
                if snapshot.source == "index" and snapshot.repo is not None \
                else [item for item in files_with(snapshot, IgnoreSpec(None, (), snapshot.sdk))
                      if item.path not in kept]
        cached = _REMOVED[id(snapshot)] = (snapshot, limits.tree(removed))
    return cached[1]


def _origin_note(origins: dict[str, int]) -> tuple[str, ...]:
    """Where the files of a row come from, longest first (the map shows what fits)."""
    words: dict[str, int] = {}
    for origin, count in origins.items():
        word = _ORIGINS.get(origin, origin)
        words[word] = words.get(word, 0) + count
    if len(words) == 1:
        word = next(iter(words))
        return (word, *_SHORT_ORIGINS.get(word, ()))
    ordered = sorted(words.items(), key=lambda item: (-item[1], item[0]))
    return (", ".join(f"{count:,} {word}" for word, count in ordered[:2]),
            f"{ordered[0][1]:,} {ordered[0][0]}, ...", "mixed")


def _bar(value: int, scale: int, width: int, style: Style) -> str:
    if scale <= 0 or value <= 0:
        return " " * width
    eighths = value * width * 8 // scale
    if style.unicode:
        bar = "█" * (eighths // 8) + ("", "▏", "▎", "▍", "▌", "▋", "▊", "▉")[eighths % 8]
        bar = bar or "▏"
    else:
        bar = "#" * (eighths // 8) or "|"
    return bar[:width].ljust(width)


def _shorten(text: str, width: int, style: Style) -> str:
    """``text`` in at most ``width`` columns, its middle left out."""
    if columns(text) <= width:
        return text
    mark = "…" if style.unicode else "~"
    if width <= 1:
        return mark[:width]
    head, _ = _split_to(text, (width - 1) // 2 + (width - 1) % 2)
    tail_width = width - 1 - columns(head)
    tail = ""
    for char in reversed(text):
        if columns(char + tail) > tail_width:
            break
        tail = char + tail
    return head + mark + tail


@dataclasses.dataclass(frozen=True)
class _Row:
    bytes: int
    files: int
    label: str
    notes: tuple[str, ...]
    """What to say after the label, longest first: the first that fits is shown."""
    prefix: str
    removed: bool = False
    over: bool = False


def _rule_of(spec: IgnoreSpec, item: Node | SnapshotFile) -> tuple[str, ...]:
    """The ignore-file line that keeps a removed folder (or its largest file) out."""
    rule = spec.decide(item.path)
    if isinstance(item, Node) and (rule is None or not rule.excludes):
        rule = spec.decide(item.path + "/")  # a folder pattern (data/) matches what is below
    if isinstance(item, Node) and (rule is None or not rule.excludes):
        largest = max(item.entries, key=lambda entry: entry.size, default=None)
        rule = spec.decide(largest.path) if largest is not None else None
    if rule is None:
        return ("removed by a pattern", "removed")
    if rule.line == 0:
        return (f"removed by azure-ai-ml's own {rule.pattern!r}", "removed by azure-ai-ml", "removed")
    where = f"{spec.name}:{rule.line}"
    return (f"removed by {where} {printable(rule.pattern)}", f"removed by {where}",
            f"removed by line {rule.line}", "removed")


def _map_rows(node: Node, gone: Node | None, spec: IgnoreSpec, limit: Limit, maximum: int | None,
              options: MapOptions, style: Style, prefix: str, depth: int, above: str
              ) -> list[_Row]:
    """The rows below ``node``; ``above``: the origin its own row says (a row says its origin only
    when it differs)."""
    children: list[tuple[int, str, Node | SnapshotFile]] = [
        (child.bytes if limit == "size" else child.files, name + "/", child)
        for name, child in node.children.items()]
    children += [(item.size if limit == "size" else 1, item.path.rpartition("/")[2], item)
                 for item in node.entries]
    children.sort(key=lambda item: (-item[0], item[1]))
    shown, rest = children[:options.top], children[options.top:]
    removed = []
    if gone is not None:
        removed = sorted(((child.bytes, name + "/", child) for name, child in gone.children.items()
                          if name not in node.children),
                         key=lambda item: -item[0])[:2]
    rows: list[_Row] = []
    last_index = len(shown) + len(removed) - (0 if rest else 1)
    branch = ("├─ ", "└─ ", "│  ", "   ") if style.unicode else ("|- ", "`- ", "|  ", "   ")
    entries: list[tuple[str, Any, bool]] = [(name, item, False) for _, name, item in shown]
    entries += [(name, item, True) for _, name, item in removed]
    for index, (name, item, is_removed) in enumerate(entries):
        last = index == last_index
        mark = branch[1] if last else branch[0]
        if isinstance(item, Node):
            size, files, origins = item.bytes, item.files, item.origins
        else:
            size, files, origins = item.size, 1, {item.origin: 1}
        if is_removed:
            rows.append(_Row(size, files, printable(name), _rule_of(spec, item), prefix + mark,
                             removed=True))
            continue
        value = size if limit == "size" else files
        origin = _origin_note(origins)
        rows.append(_Row(size, files, printable(name), origin if origin[0] != above else (),
                         prefix + mark, over=maximum is not None and value > maximum))
        if isinstance(item, Node) and depth + 1 < options.depth:
            below = gone.children.get(name.rstrip("/")) if gone is not None else None
            rows += _map_rows(item, below, spec, limit, maximum, options, style,
                              prefix + (branch[3] if last else branch[2]), depth + 1, origin[0])
    if rest:
        size = sum(item.bytes if isinstance(item, Node) else item.size for _, _, item in rest)
        files = sum(item.files if isinstance(item, Node) else 1 for _, _, item in rest)
        rows.append(_Row(size, files, f"{len(rest):,} more", (), prefix + branch[1]))
    return rows


def size_map(snapshot: Snapshot, limit: Limit, maximum: int | None, style: Style, top: str,
             options: MapOptions = MapOptions(), title: str | None = None) -> list[str]:
    """The largest folders and files of ``snapshot`` with proportional bars, in the manner of
    ``ncdu`` and ``dust``: size, files, share of the limit, where they come from, and the folders a
    pattern already removes. The first row is the root: its totals are the snapshot's."""
    node = limits.snapshot_tree(snapshot)
    gone = removed_tree(snapshot) if snapshot.ignore.rules else None
    value = snapshot.total_bytes if limit == "size" else snapshot.file_count
    scale = max(value, maximum or 0, 1)
    bar_width = max(6, min(30, (style.width - 56) // 2))
    root_origin = _origin_note(node.origins) if node.files else ("",)
    # The root names its origin only when it has one (its rows say where a mix comes from).
    said = root_origin if ", " not in root_origin[0] and root_origin[0] not in (
        "committed", "not in git") else ()
    rows = [_Row(snapshot.total_bytes, snapshot.file_count, printable(snapshot.display).rstrip("/")
                 + "/", said, "", over=maximum is not None and value > maximum)]
    rows += _map_rows(node, gone, snapshot.ignore, limit, maximum, options, style, "", 0,
                      root_origin[0])
    uploaded = node.bytes
    if limit == "size" and uploaded != snapshot.total_bytes:
        rows.append(_Row(snapshot.total_bytes - uploaded, 0, "counted, not uploaded",
                         ("azureml-core's size check sums files its upload skips",), ""))
    whose = "policy limit" if snapshot.sdk == "v2" else "limit"
    limit_text = "no limit" if maximum is None else f"the {_amount(limit, maximum)} {whose}"
    # Narrow terminals drop the bar first, then the share and the file count.
    wide = style.width >= 64
    with_files, with_share = style.width >= 44, style.width >= 52
    head = f"    {'size':>9}" + (f"  {'files':>7}" if with_files else "") + \
        (f"  {'share':>5}" if with_share else "")
    lines = [f"  {title or 'size map'} ({_VIEWS[snapshot.source]})"
             + (f", bars: share of {limit_text}" if wide else ""), head]
    for row in rows:
        share = "" if row.removed or maximum is None or not row.files else \
            f"{(row.bytes if limit == 'size' else row.files) * 100 // max(maximum, 1)}%"
        bar = ""
        if wide:
            bar = " " * bar_width if row.removed or not row.files else \
                _bar(row.bytes if limit == "size" else row.files, scale, bar_width, style)
            color = "fail" if row.over else "ok" if row.files else "dim"
            bar = paint(bar, color, style) + "  "
        start = f"    {format_size(row.bytes):>9}  " + (f"{row.files:>7,}  " if with_files else "") \
            + (f"{share:>5}  " if with_share else "")
        room = style.width - columns(start) - columns(bar) - columns(row.prefix)
        label = _shorten(row.label, max(room, 1), style)
        room -= columns(label) + 2
        note = next((note for note in row.notes if columns(note) <= room), "")
        if note:
            label += "  " + paint(note, "dim", style)
        if row.removed:
            label = paint(label, "dim", style)
        lines.append(f"{start}{bar}{row.prefix}{label}".rstrip())
    return lines


# Fixes ----------------------------------------------------------------------------------------


def fix_lines(fix: Fix, top: str, applied: tuple[str, ...] | None, command: str | None) -> list[str]:
    """The fix of one root: the lines, where they go, and the totals after; ``command``: the one
    that writes them."""
    target = printable(display_path(fix.target, top))
    if not fix.lines:
        return [f"  fix: no {AMLIGNORE} line brings it under the limits without excluding the job's "
                f"code ({', '.join(fix.kept) or 'its scripts'}): move the data out of the root"]
    lines: list[str] = []
    copied = f" with the {len(fix.copied)} lines of {GITIGNORE} first" if fix.copied else ""
    count = plural(len(fix.lines), "line")
    copied = f"the {plural(len(fix.copied), 'line')} of {GITIGNORE}, then" if fix.copied else "with"
    if applied is not None:
        if applied and fix.create:
            lines.append(f"  fixed: created {target}: {copied} {plural(len(applied), 'line')}:"
                         .replace(": with", " with"))
        elif applied:
            lines.append(f"  fixed: added {plural(len(applied), 'line')} to {target}:")
        else:
            lines.append(f"  fixed: {target} already holds the fix:")
    else:
        how = f" (or run {command})" if command else ""
        verb = f"create {target}: {copied} {count}".replace(": with", " with") if fix.create else \
            f"add {count} to {target}"
        lines.append(f"  fix: {verb}{how}:")
    lines.extend(f"      {printable(line)}" for line in fix.lines)
    verdict = "within the limits" if fix.passes else "still over a limit"
    totals = set(fix.after.values())
    for view, (size, files) in sorted(fix.after.items()):
        where = _VIEWS[view] if len(totals) > 1 else "staged files, the same on disk" \
            if len(fix.after) > 1 else _VIEWS[view]
        lines.append(f"    then: {format_size(size)} in {plural(files, 'file')} ({where}), "
                     f"{verdict}")
        if len(totals) == 1:
            break
    if fix.kept:
        one = len(fix.kept) == 1
        lines.append(f"    kept: the job's {'script' if one else 'scripts'} "
                     f"{', '.join(printable(item) for item in fix.kept[:3])}"
                     + (f" and {len(fix.kept) - 3} more" if len(fix.kept) > 3 else "")
                     + (" and what it imports" if one else " and what they import"))
    if applied is not None:
        staged = "review it, then git add " + target if applied or fix.create else \
            "stage it: git add " + target
        lines.append(f"    {staged}, and commit again")
    return lines


# Limit reports --------------------------------------------------------------------------------


def group_views(views: Sequence[Measured]) -> list[tuple[Measured, str | None]]:
    """The views of a root, two that agree shown once (and said so)."""
    shown: list[tuple[Measured, str | None]] = []
    for item in views:
        earlier = next((index for index, (other, _) in enumerate(shown)
                        if limits.agree(other, item)), None)
        if earlier is not None:
            shown[earlier] = (shown[earlier][0], "staged files, the same on disk")
        else:
            shown.append((item, None))
    return shown


def _declared_advice(declared: Sequence[DeclaredRoot], display: str) -> list[str]:
    if not declared:
        return []
    from snapshot_guard.discover import notebook_advice, pipeline_advice

    return [*pipeline_advice(list(declared), display), *notebook_advice(list(declared), display)]


def root_lines(report: RootReport, limits_shown: Sequence[Limit], check: str, style: Style,
               plan: Plan, intro_needed: list[bool], map_options: MapOptions | None = None,
               always: bool = False, fix_command: str | None = None, others: Status = "ok"
               ) -> list[str]:
    """One root: each view that does not pass (every view with ``always``), then the root's fix,
    lint and advice once; ``others``: the status the root's other findings give it."""
    lines: list[str] = []
    failing = False
    for item, views in group_views(report.views):
        statuses = [item.verdict(limit).status for limit in limits_shown]
        status = limits.worst(statuses)
        shown_status = limits.worst([status, others])
        if status == "ok" and not always and not item.v2_warns:
            continue
        lines.append(header(check, shown_status, item, style, views))
        if status == "fail" and intro_needed[0] and report.deferred_to is None:
            intro_needed[0] = False
            lines.extend(intro(item.snapshot.sdk, style.width))
        lines.extend(_verdict_line(item, limit) for limit in limits_shown)
        lines.append(_ignore_line(item.snapshot, plan.top))
        lines.extend(_problem_lines(item))
        if status == "fail":
            failing = True
            for other, _ in group_views(report.views):
                if other is item:
                    continue
                if all(other.verdict(limit).status in ("ok", "warn") for limit in limits_shown):
                    where = "only in this checkout" if other.snapshot.source == "index" else "staged"
                    verb = "pass" if other.snapshot.source == "index" else "passes"
                    lines.append(f"  the {_VIEWS[other.snapshot.source]} {verb} "
                                 f"({format_size(other.snapshot.total_bytes)} in "
                                 f"{plural(other.snapshot.file_count, 'file')}): what fails is "
                                 f"{where}")
        if (status == "fail" or map_options is not None) and item.snapshot.files:
            limit = _map_limit(item, limits_shown)
            options = map_options or MapOptions()
            lines.extend(size_map(item.snapshot, limit, item.verdict(limit).maximum, style,
                                  plan.top, options))
    if failing and report.deferred_to is not None:
        root = printable(report.settings.display)
        lines.append(f"  fix: over the {_LIMIT_NAMES[report.deferred_to]} limit too: that hook's report "
                     f"above shows the fix of both (so does snapshot-guard scan {root}); "
                     f"{fix_command or f'snapshot-guard fix {root}'} writes it")
        return lines
    if report.fix is not None and (failing or report.applied is not None):
        lines.extend(fix_lines(report.fix, plan.top, report.applied, fix_command))
    if failing:
        lines.extend(findings_text(report.lint, style, f"snapshot-guard lint "
                                   f"{printable(report.settings.display)}", shown=3, indent="  "))
        lines.extend(f"  advice: {printable(line)}"
                     for line in _declared_advice(plan.declared, report.settings.display))
    return lines


def _map_limit(item: Measured, limits_shown: Sequence[Limit]) -> Limit:
    """The limit a map's bars measure: the one shown, or of two the one nearer its maximum."""
    def share(limit: Limit) -> float:
        verdict = item.verdict(limit)
        return verdict.value / verdict.maximum if verdict.maximum else 0.0

    return max(limits_shown, key=share)


def limit_text(check: str, limit: Limit, reports: Sequence[RootReport], plan: Plan, style: Style,
               notes: Sequence[str] = ()) -> list[str]:
    """A limit hook's report: every root that does not pass, once per view that says something
    different, then its fix; and the notes of the roots judged."""
    lines: list[str] = []
    intro_needed = [True]
    for report in reports:
        lines.extend(root_lines(report, (limit,), check, style, plan, intro_needed,
                                fix_command=f"{check} --fix"))
        for item in report.views[:1]:
            lines.extend(f"{check}: note: {printable(item.snapshot.display)}: {printable(note)}"
                         for note in cut(item.snapshot.notes, 5, None))
    lines.extend(f"{check}: note: {printable(note)}" for note in notes)
    return lines


def scan_text(reports: Sequence[RootReport], findings: dict[str, list[Finding]], plan: Plan,
              style: Style, map_options: MapOptions | None, show_all: bool) -> list[str]:
    """``snapshot-guard scan``: every root and view, whatever its status, with its findings."""
    lines: list[str] = []
    intro_needed = [True]
    check = "snapshot-guard scan"
    for report in reports:
        found = findings.get(report.settings.path, [])
        others: Status = "fail" if any(finding.severity == "error" for finding in found) else "ok"
        lines.extend(root_lines(report, limits.LIMITS, check, style, plan, intro_needed,
                                map_options, always=True,
                                fix_command=f"snapshot-guard fix {report.settings.display}",
                                others=others))
        for item in report.views[:1]:
            notes = item.snapshot.notes
            lines.extend(f"  note: {printable(note)}" for note in (notes if show_all else cut(
                notes, 5, f"snapshot-guard scan --all {printable(report.settings.display)}")))
        command = f"snapshot-guard scan --all {printable(report.settings.display)}"
        lines.extend(findings_text(found, style, command, None if show_all else SHOWN, "  "))
    lines.extend(f"note: {printable(note)}" for note in plan.notes)
    missing = missing_roots(plan.declared, plan.top)
    if missing:
        shown = cut([printable(root) for root in missing], len(missing) if show_all else 3, None)
        lines.append(f"note: {plural(len(missing), 'root')} declared in the code "
                     f"{'does' if len(missing) == 1 else 'do'} not exist, so "
                     f"{'it is' if len(missing) == 1 else 'they are'} not checked: "
                     f"{', '.join(shown)} (snapshot-guard roots says where)")
    return lines


def missing_roots(declared: Sequence[DeclaredRoot], top: str) -> list[str]:
    """The roots the code declares inside the repository that are not folders."""
    return sorted({item.root for item in declared if item.root is not None
                   and item.root != ".." and not item.root.startswith("../")
                   and not os.path.isdir(os.path.join(top, item.root))})


def finding_hook(check: str, plan: Plan, found: Sequence[Finding], fixes: Sequence[RootReport],
                 format: str, extra: str = "") -> int:
    """How a hook that reports findings ends: its report in ``format``, and its exit status (1 for
    an error, or when ``--fix`` changed a file)."""
    unique = list(dict.fromkeys(found))
    if format == "json":
        by_root = {item.settings: item for item in fixes}
        roots = [root_json(root, plan.top, None, by_root.get(root)) for root in plan.touched]
        print(document(check, plan, roots, unique))
    elif format == "sarif":
        print(sarif(unique, plan.top))
    else:
        style = style_for(sys.stdout)
        command = scan_command(check.removeprefix("snapshot-").split("-")[0],
                               [root.display for root in plan.touched])
        lines = findings_text(unique, style, command)
        for item in fixes:
            if item.fix is None:
                continue
            if item.applied is not None:
                lines.append(f"{check}: {printable(item.settings.display)}:")
                lines.extend(fix_lines(item.fix, plan.top, item.applied, None))
            elif item.fix.lines:
                target = printable(display_path(item.fix.target, plan.top))
                lines.append(f"{check} --fix would add to {target}: "
                             + ", ".join(printable(line) for line in item.fix.lines))
        if unique:
            lines.append(summary(check, unique, extra))
        emit(lines, style)
    fixed = any(item.applied for item in fixes)
    return 1 if fixed or any(finding.severity == "error" for finding in unique) else 0


def fix_text(reports: Sequence[RootReport], fixed: Sequence[RootReport], plan: Plan, dry_run: bool
             ) -> list[str]:
    """``snapshot-guard fix``: per root, the lines added (or, with ``--dry-run``, to add)."""
    lines: list[str] = []
    by_root: dict[RootSettings, list[RootReport]] = {}
    for item in [*reports, *fixed]:
        if item.fix is not None:
            by_root.setdefault(item.settings, []).append(item)
    for settings, items in by_root.items():
        lines.append(f"snapshot-guard fix: {printable(settings.display)} (SDK {settings.sdk})")
        for item in items:
            for measured, views in group_views(item.views):
                if limits.over(measured):
                    lines.append(_verdict_line(measured, "size").replace("  size:", "  size now:")
                                 + f" ({views or _VIEWS[measured.snapshot.source]})")
            assert item.fix is not None
            lines.extend(fix_lines(item.fix, plan.top, None if dry_run else item.applied, None))
    if not lines:
        lines.append(f"snapshot-guard fix: nothing to fix in {_roots_named(plan.roots)}")
    return lines


def _roots_named(roots: Sequence[RootSettings]) -> str:
    if 0 < len(roots) <= 3:
        return ", ".join(printable(root.display) for root in roots)
    return plural(len(roots), "root")


def lint_text(findings: Sequence[Finding], plan: Plan, style: Style) -> list[str]:
    """``snapshot-guard lint``: every finding, then one line of totals."""
    lines = findings_text(findings, style, shown=None)
    errors = sum(finding.severity == "error" for finding in set(findings))
    lines.append(f"snapshot-guard lint: {plural(errors, 'error')}, "
                 f"{plural(len(set(findings)) - errors, 'warning')} in {_roots_named(plan.roots)}")
    return lines


def roots_text(declared: Sequence[DeclaredRoot], top: str, in_repo: bool) -> list[str]:
    """``snapshot-guard roots``: each root found in the code, where it is declared and how."""
    where = "the repository top (.)" if in_repo else "the current folder (.)"
    if not declared:
        return [f"no snapshot roots found in the code: the hooks check {where}"]
    lines: list[str] = []
    groups: dict[tuple[str | None, str], list[DeclaredRoot]] = {}
    for item in declared:
        groups.setdefault((item.root, item.sdk), []).append(item)
    missing = 0
    for (root, sdk), items in groups.items():
        state = ""
        if root is None:
            state = ", unresolved: not checked"
        elif not os.path.isdir(os.path.join(top, root)):
            state, missing = ", does not exist: not checked", missing + 1
        lines.append(f"{printable(root or '(unresolved)')} (SDK {sdk}{state})")
        lines.extend(f"    {printable(item.file)}:{item.line}: {printable(item.kind)}: "
                     f"{printable(item.how)}" for item in items)
    distinct = {root for root, _ in groups if root is not None}
    unresolved = sum(item.root is None for item in declared)
    total = f"{plural(len(distinct), 'root')} declared in {plural(len(declared), 'place')}"
    if missing:
        total += f"; {missing:,} {'does' if missing == 1 else 'do'} not exist"
    if unresolved:
        total += (f"; {unresolved:,} unresolved: the hooks cannot check "
                  f"{'it' if unresolved == 1 else 'them'}: list the folders under roots: in "
                  f".snapshot-guard.yaml")
    return [*lines, total]


def declared_json(declared: Sequence[DeclaredRoot], top: str) -> list[dict[str, object]]:
    """``snapshot-guard roots --format json``: a root entry per declared folder and SDK."""
    groups: dict[tuple[str | None, str], list[DeclaredRoot]] = {}
    for item in declared:
        groups.setdefault((item.root, item.sdk), []).append(item)
    entries: list[dict[str, object]] = []
    for (root, sdk), items in groups.items():
        entries.append({
            "root": root, "sdk": sdk, "source": None, "ignore_file": None, "total_bytes": None,
            "file_count": None, "max_bytes": None, "max_files": None, "ok": None, "problems": [],
            "unknown_sizes": [], "verdicts": [], "fix": None,
            "exists": root is not None and os.path.isdir(os.path.join(top, root)),
            "declared": [{"file": item.file, "line": item.line, "kind": item.kind, "how": item.how,
                          "pipeline": item.pipeline} for item in items],
        })
    return entries


# ---------------------------------------------------------------------------------------------
# JSON: one schema for every hook and command.


def _verdict_json(measured: Measured, limit: Limit) -> dict[str, object]:
    verdict = measured.verdict(limit)
    return {"limit": limit, "value": verdict.value, "maximum": verdict.maximum,
            "status": verdict.status, "policy": verdict.policy, "lower_bound": verdict.lower_bound}


def _fix_json(fix: Fix | None, applied: tuple[str, ...] | None, top: str) -> dict[str, object] | None:
    if fix is None:
        return None
    return {"file": display_path(fix.target, top), "create": fix.create,
            "copied_from_gitignore": list(fix.copied), "lines": list(fix.lines),
            "applied": applied is not None, "lines_added": list(applied or ()),
            "after": {view: {"total_bytes": size, "file_count": count}
                      for view, (size, count) in sorted(fix.after.items())},
            "passes": fix.passes, "kept": list(fix.kept)}


def root_json(settings: RootSettings, top: str, measured: Measured | None = None,
              report: RootReport | None = None, list_files: bool = False) -> dict[str, object]:
    """One root (in one view, when measured): the same keys for every command, null where a
    command does not measure."""
    snapshot = measured.snapshot if measured else None
    ignore_path = snapshot.ignore.path if snapshot else None
    entry: dict[str, object] = {
        "root": settings.display,
        "sdk": settings.sdk,
        "source": snapshot.source if snapshot else None,
        "ignore_file": None if ignore_path is None else display_path(ignore_path, top),
        "total_bytes": snapshot.total_bytes if snapshot else None,
        "file_count": snapshot.file_count if snapshot else None,
        "max_bytes": settings.max_bytes,
        "max_files": measured.count.maximum if measured else settings.max_files,
        "ok": None if measured is None else
        measured.size.status != "fail" and measured.count.status != "fail",
        "problems": snapshot.problems if snapshot else [],
        "unknown_sizes": snapshot.unknown if snapshot else [],
        "verdicts": [_verdict_json(measured, limit) for limit in limits.LIMITS] if measured else [],
        "fix": _fix_json(report.fix, report.applied, top) if report else None,
    }
    if list_files and snapshot is not None:
        entry["files"] = [{"path": item.path, "size": item.size, "origin": item.origin}
                          for item in snapshot.sourced_files]
    return entry


def finding_json(finding: Finding) -> dict[str, object]:
    return {"check": finding.check, "path": finding.path, "line": finding.line, "cell": finding.cell,
            "kind": finding.kind, "severity": finding.severity, "message": finding.message,
            "fix": finding.fix}


def document(command: str, plan: Plan | None, roots: Sequence[dict[str, object]],
             findings: Sequence[Finding], notes: Sequence[str] = (), **extra: object) -> str:
    """The JSON every hook and command prints with ``--format json``."""
    source = None if plan is None else "both" if len(plan.views) == 2 else plan.views[0]
    body: dict[str, object] = {
        "tool": "snapshot-guard",
        "version": version(),
        "command": command,
        "sdk": plan.roots[0].sdk if plan and plan.roots else None,
        "source": source,
        "roots": list(roots),
        "findings": [finding_json(finding) for finding in dict.fromkeys(findings)],
        "notes": [*(plan.notes if plan else ()), *notes,
                  *([plan.unchecked] if plan and plan.unchecked else [])],
        **extra,
    }
    return json.dumps(body, indent=2)


def reports_json(reports: Sequence[RootReport], plan: Plan, list_files: bool = False
                 ) -> list[dict[str, object]]:
    return [root_json(report.settings, plan.top, item, report, list_files)
            for report in reports for item in report.views]


# ---------------------------------------------------------------------------------------------
# SARIF 2.1.0: rules and results, for GitHub code scanning and Azure DevOps.

_CHECKS = {
    "snapshot-size-limit": (
        "Snapshot over the size limit",
        "A job's snapshot (its source folder, uploaded when it is submitted) is larger than "
        "azureml-core's 300 MiB limit (or the configured one): the submission fails."),
    "snapshot-file-count": (
        "Snapshot over the file count limit",
        "A job's snapshot holds more files than azureml-core's 2000-file limit (or the configured "
        "one): the submission fails."),
    "snapshot-sensitive-files": (
        "Secret, key or dataset in a snapshot or commit",
        "A file that a job uploads with its snapshot, or that git publishes, holds a secret, a key, "
        "personal data or a dataset: snapshots stay readable to everyone in the workspace."),
    "snapshot-outputs-misuse": (
        "Outputs and logs misused",
        "Files committed into outputs/ or logs/ travel in every snapshot; results written outside "
        "./outputs and ./logs are lost when the job ends."),
    "snapshot-guard-lint": (
        "Ignore file problem",
        "An ignore file that does not do what its author thinks for Azure ML: shadowed, unread, "
        "rejected or matching nothing."),
}
_HELP = {
    "snapshot-size-limit": "Exclude data, models and local run output in the root's .amlignore "
                           "(snapshot-guard fix ROOT writes the lines), or read the data from a "
                           "datastore.",
    "snapshot-file-count": "Exclude folders of many small files in the root's .amlignore "
                           "(snapshot-guard fix ROOT), or give each job a source folder of its own.",
    "snapshot-sensitive-files": "Keep secrets in environment variables, a key vault or a "
                                "workspace connection; exclude the file in .amlignore; remove a "
                                "committed one with git rm --cached and rotate the secret.",
    "snapshot-outputs-misuse": "Write results under ./outputs or ./logs; exclude committed "
                               "outputs/ and logs/ in .amlignore.",
    "snapshot-guard-lint": "Run snapshot-guard lint ROOT and edit the ignore file as it says.",
}


def _rule_id(finding: Finding) -> str:
    return finding.check if finding.check in ("snapshot-size-limit", "snapshot-file-count") \
        else f"{finding.check}/{finding.kind}"


def _rule(rule_id: str, level: str) -> dict[str, object]:
    check, _, kind = rule_id.partition("/")
    title, full = _CHECKS.get(check, (check, check))
    short = f"{title}: {kind.replace('-', ' ')}" if kind else title
    help_text = _HELP.get(check, f"See {ARTICLE}.")
    return {
        "id": rule_id,
        "name": "".join(part.capitalize() for part in rule_id.replace("/", "-").split("-")),
        "shortDescription": {"text": short},
        "fullDescription": {"text": full},
        "help": {"text": f"{help_text} See {ARTICLE}",
                 "markdown": f"{help_text} See [Azure ML snapshots]({ARTICLE})."},
        "helpUri": ARTICLE,
        "defaultConfiguration": {"level": level},
    }


def limit_findings(reports: Sequence[RootReport], limits_judged: Sequence[Limit], top: str
                   ) -> list[Finding]:
    """The limits' failures as findings (for SARIF): one per root, view and limit, placed on the
    root's ignore file, or the root folder when it has none."""
    found = []
    for report in reports:
        for item, views in group_views(report.views):
            for limit in limits_judged:
                verdict = item.verdict(limit)
                if verdict.status != "fail":
                    continue
                snapshot = item.snapshot
                path = display_path(snapshot.ignore.path, top) if snapshot.ignore.path else \
                    (snapshot.display.rstrip("/") + "/" if snapshot.display != "." else "./")
                check = "snapshot-size-limit" if limit == "size" else "snapshot-file-count"
                whose = "snapshot-guard's policy limit" if verdict.policy else "the limit"
                message = (f"snapshot root {snapshot.display} ({views or _VIEWS[snapshot.source]}, "
                           f"SDK {snapshot.sdk}) uploads {_amount(limit, verdict.value)}, over "
                           f"{whose} of {_amount(limit, verdict.maximum or 0)}")
                fix = None
                if report.fix is not None and report.fix.lines:
                    fix = (f"add to {display_path(report.fix.target, top)}: "
                           + ", ".join(report.fix.lines))
                found.append(Finding(check, path, "over-limit", None, "error", message, fix=fix))
    return found


def sarif(findings: Sequence[Finding], top: str) -> str:
    """A SARIF 2.1.0 log of ``findings``: a rule per check and kind, a result per finding, a
    notebook's cell as its region."""
    unique = list(dict.fromkeys(findings))
    rule_ids = list(dict.fromkeys(_rule_id(finding) for finding in unique))
    levels = {rule_id: max((finding.severity for finding in unique if _rule_id(finding) == rule_id),
                           key=lambda severity: severity == "error") for rule_id in rule_ids}
    results = []
    for finding in unique:
        rule_id = _rule_id(finding)
        location: dict[str, object] = {"artifactLocation": {"uri": _uri(finding.path),
                                                            "uriBaseId": "%SRCROOT%"}}
        if finding.line is not None:
            # In a notebook the line is the .ipynb file's, and the region names its cell.
            region: dict[str, object] = {"startLine": finding.line}
            if finding.cell is not None:
                region["message"] = {"text": f"cell {finding.cell}"}
                region["properties"] = {"cell": finding.cell}
            location["region"] = region
        placed: dict[str, object] = {"physicalLocation": location}
        if finding.cell is not None:
            placed["logicalLocations"] = [{"name": f"cell {finding.cell}", "kind": "element",
                                           "fullyQualifiedName": f"{finding.path}#cell{finding.cell}"}]
        message = finding.message + (f"; fix: {finding.fix}" if finding.fix else "")
        result: dict[str, object] = {
            "ruleId": rule_id,
            "ruleIndex": rule_ids.index(rule_id),
            "level": finding.severity,
            "message": {"text": message},
            "locations": [placed],
        }
        if finding.cell is not None:
            result["properties"] = {"cell": finding.cell}
        results.append(result)
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "snapshot-guard",
                "version": version(),
                "informationUri": ARTICLE,
                "rules": [_rule(rule_id, levels[rule_id]) for rule_id in rule_ids],
            }},
            "originalUriBaseIds": {"%SRCROOT%": {"uri": pathlib.Path(top).resolve().as_uri() + "/"}},
            "results": results,
        }],
    }
    return json.dumps(log, indent=2)


def _uri(path: str) -> str:
    """A relative URI reference for a POSIX path (spaces, ``#``, ``%`` and the like escaped)."""
    from urllib.parse import quote

    return quote(path, safe="/")


# ---------------------------------------------------------------------------------------------
# Progress, for a long scan on a terminal.


@contextmanager
def progress(stream: TextIO | None = None, delay: float = 1.0) -> Iterator[Progress]:
    """A status line on standard error, shown once the work has taken ``delay`` seconds, and only
    when standard error is a terminal; erased at the end."""
    shown = Progress(stream or sys.stderr, delay)
    try:
        yield shown
    finally:
        shown.close()


class Progress:
    def __init__(self, stream: TextIO, delay: float) -> None:
        self.stream = stream
        self.text = ""
        self.started = time.monotonic()
        self.done = threading.Event()
        self.written = False
        try:
            terminal = stream.isatty()
        except (AttributeError, ValueError):
            terminal = False
        self.thread: threading.Thread | None = None
        if terminal:
            self.width = style_for(stream).width
            self.thread = threading.Thread(target=self._run, args=(delay,), daemon=True)
            self.thread.start()

    def step(self, text: str) -> None:
        self.text = text

    def _run(self, delay: float) -> None:
        if self.done.wait(delay):
            return
        while not self.done.is_set():
            elapsed = time.monotonic() - self.started
            line = _shorten(f"{self.text} ({elapsed:.0f} s)", self.width - 1, Style())
            self.stream.write("\r\x1b[K" + line)
            self.stream.flush()
            self.written = True
            self.done.wait(0.5)

    def close(self) -> None:
        self.done.set()
        if self.thread is not None:
            self.thread.join()
            if self.written:
                self.stream.write("\r\x1b[K")
                self.stream.flush()

"""The size and file-count limits: verdicts, the report a person can act on, and the fix.

Shared by ``snapshot-size-limit``, ``snapshot-file-count`` and ``snapshot-guard scan``.
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import posixpath
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

from snapshot_guard import git, once, options
from snapshot_guard.errors import SnapshotInputError
from snapshot_guard.findings import display_path
from snapshot_guard.ignore import AMLIGNORE, GITIGNORE, read_lines, spec_from_lines
from snapshot_guard.sizes import format_size
from snapshot_guard.snapshot import Snapshot, SnapshotFile, fill_origins, measure, take_snapshot

if TYPE_CHECKING:
    from snapshot_guard.discover import DeclaredRoot

Limit = Literal["size", "count"]
Status = Literal["ok", "warn", "fail"]
V2_WARN_BYTES = 100 * 10**6
"""azure-ai-ml warns when a code upload is larger than 100 MB (decimal)."""
CODE_SUFFIXES = (".py", ".ipynb", ".r", ".sh", ".yml", ".yaml", ".toml", ".cfg", ".ini", ".json",
                 ".md", ".txt", ".sql", ".scala", ".java", ".js", ".ts", ".ps1", ".bat", ".cmd")
_LARGEST = 5
_ORIGIN_WORDS = {
    "committed": "committed",
    "submodule": "in a submodule",
    "untracked": "only in this checkout, untracked",
    "ignored": "only in this checkout, git-ignored",
    "outside-git": "on disk",
    "git": "the repository's .git folder",
}


@dataclasses.dataclass(frozen=True)
class Verdict:
    snapshot: Snapshot
    limit: Limit
    value: int
    maximum: int | None
    status: Status


def judge(snapshot: Snapshot, settings: options.RootSettings, limit: Limit, warn_at: float) -> Verdict:
    value = snapshot.total_bytes if limit == "size" else snapshot.file_count
    maximum = settings.max_bytes if limit == "size" else settings.max_files
    return Verdict(snapshot, limit, value, maximum, _status(value, maximum, _failing(snapshot), warn_at))


def _failing(snapshot: Snapshot) -> bool:
    """What fails a root whatever its size: a v2 link loop, or nothing left to upload under v2."""
    return bool(snapshot.problems) or (snapshot.sdk == "v2" and not snapshot.files)


def _status(value: int, maximum: int | None, failing: bool, warn_at: float) -> Status:
    if maximum is None:
        return "ok"
    if value > maximum or failing:
        return "fail"
    return "warn" if value > warn_at * maximum else "ok"


def _nothing_to_say(measured: dict[str, int], settings: options.RootSettings, limit: Limit,
                    warn_at: float) -> bool:
    """Whether a root measured by another limit hook of this pre-commit run passes ``limit`` with
    nothing to report (``measured``: its total, file count and whether it fails anyway)."""
    value = measured["total_bytes"] if limit == "size" else measured["file_count"]
    maximum = settings.max_bytes if limit == "size" else settings.max_files
    if _status(value, maximum, bool(measured["failing"]), warn_at) != "ok":
        return False
    return not (limit == "size" and settings.sdk == "v2" and measured["total_bytes"] > V2_WARN_BYTES)


# ---------------------------------------------------------------------------------------------
# The fix: the fewest lines, excluding data before code.


def _is_code(path: str) -> bool:
    name = posixpath.basename(path).lower()
    return name.endswith(CODE_SUFFIXES) or name in (AMLIGNORE, GITIGNORE, "dockerfile", "makefile")


@dataclasses.dataclass
class _Node:
    bytes: int = 0
    files: int = 0
    code: bool = False
    children: dict[str, _Node] = dataclasses.field(default_factory=dict)


def _tree(files: list[SnapshotFile]) -> _Node:
    top = _Node()
    for item in files:
        node = top
        parts = item.path.split("/")
        for index, part in enumerate(parts):
            node.bytes += item.size
            node.files += 1
            node.code = node.code or _is_code(item.path)
            node = node.children.setdefault(part, _Node())
            if index == len(parts) - 1:
                node.bytes, node.files, node.code = item.size, 1, _is_code(item.path)
    return top


def _candidates(node: _Node, prefix: str, allow_code: bool) -> list[tuple[str, _Node]]:
    """The largest code-free folders and files: what an ``.amlignore`` line can drop safely."""
    found = []
    for name, child in node.children.items():
        path = prefix + name
        if path in (AMLIGNORE, GITIGNORE):
            continue
        if child.children and (child.code and not allow_code):
            found.extend(_candidates(child, path + "/", allow_code))
        elif not child.code or allow_code:
            found.append((path + "/" if child.children else path, child))
    return found


def _line_for(path: str) -> str:
    folder = path.endswith("/")
    # "?" stands for what a line cannot hold: a line end, a byte that is not text.
    escaped = "".join("\\" + char if char in "[]!*#?\\" else char if char.isprintable() else "?"
                      for char in path.rstrip("/"))
    if escaped.endswith(" "):
        # Every SDK strips a line's trailing space; "?" still matches it.
        escaped = escaped[:-1] + "?"
    return "/" + escaped + ("/" if folder else "")


def suggest_fix(snapshot: Snapshot, limit: Limit, maximum: int) -> tuple[str, ...]:
    """The fewest ``.amlignore`` lines (greedy, largest first) that bring ``snapshot`` under ``maximum``."""
    top = _tree(snapshot.files)
    excess = (snapshot.total_bytes if limit == "size" else snapshot.file_count) - maximum

    def weight(node: _Node) -> int:
        return node.bytes if limit == "size" else node.files

    for allow_code in (False, True):
        chosen: list[str] = []
        removed = 0
        for path, node in sorted(_candidates(top, "", allow_code), key=lambda item: -weight(item[1])):
            if removed >= excess:
                break
            chosen.append(_line_for(path))
            removed += weight(node)
        if removed >= excess:
            return tuple(chosen)
    return tuple(chosen)


def _fixed_spec_lines(snapshot: Snapshot) -> list[str]:
    """The ``.amlignore`` the fix builds on: the existing one, or a new one that repeats ``.gitignore``
    (an ``.amlignore`` stops Azure ML from reading ``.gitignore``)."""
    path = snapshot.ignore.path
    if path is None or snapshot.source == "index":
        return [rule.pattern + "\n" for rule in snapshot.ignore.rules if rule.line > 0]
    return read_lines(path, snapshot.sdk)


def _after(snapshot: Snapshot, fix: tuple[str, ...]) -> tuple[int, int] | None:
    if not fix:
        return None
    base = _fixed_spec_lines(snapshot)
    if base and not base[-1].endswith("\n"):
        base[-1] += "\n"
    lines = base + [line + "\n" for line in fix]
    spec = spec_from_lines(lines, snapshot.sdk, os.path.join(snapshot.root, AMLIGNORE))
    try:
        return measure(snapshot, spec)
    except SnapshotInputError:
        return None


# ---------------------------------------------------------------------------------------------
# The report.


def printable(text: str) -> str:
    """``text`` fit for one line of a terminal or log: control characters and bytes that are not
    UTF-8 (kept by Python as surrogates) escaped."""
    if text.isprintable():
        return text
    raw = text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return "".join(char if char.isprintable() else char.encode("unicode_escape").decode("ascii")
                   for char in raw)


def _amount(limit: Limit, value: int) -> str:
    if limit == "size":
        return f"{format_size(value)} ({value:,} bytes)"
    return _files(value)


def _largest(snapshot: Snapshot, limit: Limit) -> list[str]:
    top = _tree(snapshot.files)
    items: list[tuple[str, _Node]] = []
    for name, node in top.children.items():
        items.append((name + ("/" if node.children else ""), node))
        if len(node.children) > 1:
            for child_name, child in node.children.items():
                if child.bytes * 2 >= node.bytes and limit == "size":
                    items.append((f"{name}/{child_name}" + ("/" if child.children else ""), child))
    key = (lambda item: -item[1].bytes) if limit == "size" else (lambda item: -item[1].files)
    origins = _origins_by_folder(snapshot)
    lines = []
    for path, node in sorted(items, key=key)[:_LARGEST]:
        amount = format_size(node.bytes) if limit == "size" else _files(node.files)
        what = f"{_files(node.files)}, " if node.children and limit == "size" else ""
        where = origins.get(path.rstrip("/"), "")
        lines.append(f"    {amount:>12}  {printable(path)}  ({what}{where})".replace(", )", ")"))
    return lines


def _files(count: int) -> str:
    return "1 file" if count == 1 else f"{count:,} files"


def _origins_by_folder(snapshot: Snapshot) -> dict[str, str]:
    counts: dict[str, dict[str, int]] = {}
    for item in snapshot.files:
        parts = item.path.split("/")
        for depth in range(1, min(len(parts), 2) + 1):
            key = "/".join(parts[:depth])
            bucket = counts.setdefault(key, {})
            bucket[item.origin] = bucket.get(item.origin, 0) + 1
    words = {}
    for key, bucket in counts.items():
        if len(bucket) == 1:
            words[key] = _ORIGIN_WORDS[next(iter(bucket))]
        else:
            words[key] = ", ".join(f"{count:,} {_ORIGIN_WORDS[origin]}"
                                   for origin, count in sorted(bucket.items(), key=lambda i: -i[1]))
    return words


def _ignore_line(snapshot: Snapshot, top: str) -> str:
    spec = snapshot.ignore
    if spec.path is None:
        return "  ignore file: none (no .amlignore or .gitignore at the root: everything is uploaded)"
    line = f"  ignore file: {display_path(spec.path, top)}"
    if spec.unused_gitignore:
        line += f" ({display_path(spec.unused_gitignore, top)} is not read: an .amlignore exists)"
    return line


def header(check: str, status: Status, snapshot: Snapshot, top: str) -> list[str]:
    """The first lines of a root's report: which root, which view, which ignore file."""
    view = "staged files" if snapshot.source == "index" else "folder on disk"
    label = {"fail": "FAILED", "warn": "warning", "ok": "ok"}[status]
    lines = [f"{check}: {label}: {printable(snapshot.display)} (SDK {snapshot.sdk}, {view})"]
    lines.append(_ignore_line(snapshot, top))
    lines.extend(f"  error: {printable(problem)}" for problem in snapshot.problems)
    return lines


def report(verdict: Verdict, top: str, check: str | None,
           declared: Sequence[DeclaredRoot] = ()) -> list[str]:
    """The report of one limit; with ``check`` None, without the header (``scan`` prints one).
    ``declared``: the discovered roots, for the article's advice on shared and notebook folders."""
    snapshot = verdict.snapshot
    lines = header(check, verdict.status, snapshot, top) if check else []
    if snapshot.sdk == "v2" and not snapshot.files:
        lines.append("  error: nothing is left to upload; azure-ai-ml fails on an empty code folder")
    if verdict.maximum is not None:
        over = ">" if verdict.value > verdict.maximum else "<="
        name = "size" if verdict.limit == "size" else "file count"
        lines.append(f"  {name}: {_amount(verdict.limit, verdict.value)} {over} limit "
                     f"{_amount(verdict.limit, verdict.maximum)}")
    if verdict.status == "ok":
        return lines
    fill_origins(snapshot)
    if snapshot.files:
        lines.append("  largest:")
        lines.extend(_largest(snapshot, verdict.limit))
    maximum = verdict.maximum
    fix = suggest_fix(snapshot, verdict.limit, maximum) if maximum and verdict.value > maximum else ()
    if fix:
        target = display_path(os.path.join(snapshot.root, AMLIGNORE), top)
        if snapshot.ignore.path and snapshot.ignore.path.endswith(AMLIGNORE):
            lines.append(f"  fix: add to {target}:")
        elif snapshot.ignore.path:
            lines.append(f"  fix: create {target} with the lines of {GITIGNORE} and:")
        else:
            lines.append(f"  fix: create {target} with:")
        lines.extend(f"    {line}" for line in fix)
        after = _after(snapshot, fix)
        if after:
            lines.append(f"  with the fix: {format_size(after[0])}, {_files(after[1])}")
    from snapshot_guard.discover import notebook_advice, pipeline_advice

    advice = [*pipeline_advice(list(declared), snapshot.display),
              *notebook_advice(list(declared), snapshot.display)]
    lines.extend(f"  advice: {printable(line)}" for line in advice)
    lines.extend(f"  note: {printable(note)}" for note in snapshot.notes[:5])
    return lines


# ---------------------------------------------------------------------------------------------
# The hooks.


def take(settings: options.RootSettings, source: str, run: options.Run) -> Snapshot:
    snapshot = take_snapshot(settings.path, settings.sdk, "index" if source == "index" else "worktree",
                             run.repo, origins=False)
    snapshot.display = settings.display
    return snapshot


def main_for(check: str, limit: Limit, argv: Sequence[str] | None) -> int:
    description = {"size": "Fail when a snapshot root would upload more than the size limit.",
                   "count": "Fail when a snapshot root would upload more files than the limit."}[limit]
    parser = argparse.ArgumentParser(prog=check, description=description)
    options.add_common_options(parser)
    parser.add_argument("filenames", nargs="*", help="staged files (pre-commit passes them)")
    args = parser.parse_args(argv)
    try:
        run = options.resolve_run(args)
        settings = options.settings_key(args)
        touched = options.roots_touched(run, args.filenames)
        # Outside pre-commit, which stashes them, say when unstaged changes make the views differ.
        diff = git.start_unstaged(run.repo, [] if any(root.display == "." for root in touched) else
                                  [root.display for root in touched]) \
            if run.repo and touched and not os.environ.get("PRE_COMMIT") and \
            "worktree" in options.sources(run) else None
        verdicts = []
        for root, source in [(root, source) for root in touched for source in options.sources(run)
                             if once.first_time(check, f"{root.path}\0{source}\0{settings}")]:
            # The other limit hook of this pre-commit run may have walked the same root already.
            key = f"{root.path}\0{root.sdk}\0{source}"
            measured = once.shared(key)
            if measured is not None and _nothing_to_say(measured, root, limit, run.warn_at):
                continue
            snapshot = take(root, source, run)
            once.share(key, {"total_bytes": snapshot.total_bytes, "file_count": snapshot.file_count,
                             "failing": int(_failing(snapshot))})
            verdicts.append(judge(snapshot, root, limit, run.warn_at))
    except SnapshotInputError as error:
        print(f"{check}: {error}", file=sys.stderr)
        return 2
    arguments = list(sys.argv[1:] if argv is None else argv)
    given = len(arguments) - len(args.filenames)
    if args.filenames and arguments[given:] == args.filenames:
        once.remember(check, arguments[:given], [root.path for root in run.roots],
                      [root.path for root in touched])
    failed = False
    linted: set[str] = set()
    for verdict in verdicts:
        if verdict.status != "ok" or (limit == "size" and _v2_warns(verdict)):
            print("\n".join(report(verdict, run.top, check, run.declared)))
            if _v2_warns(verdict) and limit == "size":
                print("  warning: azure-ai-ml warns on uploads above 100 MB")
        if verdict.status == "fail" and verdict.snapshot.root not in linted:
            linted.add(verdict.snapshot.root)
            print("\n".join(_lint_lines(verdict.snapshot, run.top)))
        failed = failed or verdict.status == "fail"
    changed = git.unstaged(diff) if diff else []
    roots = [root.display for root in touched if any(
        root.display == "." or path == root.display or path.startswith(root.display + "/")
        for path in changed)]
    if roots:
        print(f"{check}: note: unstaged changes in {', '.join(roots)}: the folder on disk "
              f"differs from what the commit holds")
    return 1 if failed else 0


def _lint_lines(snapshot: Snapshot, top: str) -> list[str]:
    """What ``snapshot-guard lint`` says of a failing root: often the reason it fails."""
    from snapshot_guard.lint import lint_root

    try:
        findings = lint_root(snapshot.root, snapshot.display, snapshot.sdk, top, snapshot)
    except SnapshotInputError:
        return []
    shown = [f"  lint: {printable(finding.as_text())}" for finding in findings[:_LARGEST]]
    if len(findings) > _LARGEST:
        shown.append(f"  lint: ... {len(findings) - _LARGEST} more: run snapshot-guard lint "
                     f"{printable(snapshot.display)}")
    return shown


def _v2_warns(verdict: Verdict) -> bool:
    return verdict.snapshot.sdk == "v2" and verdict.snapshot.total_bytes > V2_WARN_BYTES

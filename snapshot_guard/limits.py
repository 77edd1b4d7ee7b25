"""The size and file-count limits: the verdict on a measured root, and the fix that brings it under.

Shared by ``snapshot-size-limit``, ``snapshot-file-count`` and ``snapshot-guard scan``: each measures
a root (:func:`measure`) and reports it (:mod:`snapshot_guard.report`).
"""
from __future__ import annotations

import dataclasses
import os
import posixpath
from typing import Literal

from snapshot_guard import ignore
from snapshot_guard.errors import SnapshotInputError, View
from snapshot_guard.ignore import AMLIGNORE, GITIGNORE, read_lines, spec_from_lines
from snapshot_guard.plan import Plan, RootSettings
from snapshot_guard.snapshot import Snapshot, SnapshotFile, measure_with, take_snapshot

Limit = Literal["size", "count"]
LIMITS: tuple[Limit, ...] = ("size", "count")
Status = Literal["ok", "warn", "unknown", "fail"]
SEVERITY: dict[Status, int] = {"ok": 0, "warn": 1, "unknown": 2, "fail": 3}
"""How bad a status is: a run's status is its worst root's."""
V2_WARN_BYTES = 100 * 10**6
"""azure-ai-ml warns when a code upload is larger than 100 MB (decimal)."""
CODE_SUFFIXES = (".py", ".ipynb", ".r", ".sh", ".yml", ".yaml", ".toml", ".cfg", ".ini", ".json",
                 ".md", ".txt", ".sql", ".scala", ".java", ".js", ".ts", ".ps1", ".bat", ".cmd")


@dataclasses.dataclass(frozen=True)
class LimitVerdict:
    limit: Limit
    value: int
    maximum: int | None
    """None when the check is off (``AML_SNAPSHOT_NO_FILE_LIMIT`` under v1, on disk)."""
    status: Status
    policy: bool
    """The limit is snapshot-guard's policy, not the SDK's (azure-ai-ml enforces none)."""
    lower_bound: bool = False
    """``value`` counts only the files whose size is known (a partial clone)."""


@dataclasses.dataclass
class Measured:
    """One root in one view, measured and judged against both limits."""

    settings: RootSettings
    snapshot: Snapshot
    size: LimitVerdict
    count: LimitVerdict

    def verdict(self, limit: Limit) -> LimitVerdict:
        return self.size if limit == "size" else self.count

    @property
    def v2_warns(self) -> bool:
        """azure-ai-ml's own warning: a code upload over 100 MB."""
        return self.snapshot.sdk == "v2" and self.snapshot.total_bytes > V2_WARN_BYTES


def worst(statuses: list[Status]) -> Status:
    return max(statuses, key=SEVERITY.__getitem__, default="ok")


def fails_anyway(snapshot: Snapshot) -> bool:
    """What fails a root whatever its size: a v2 link loop, or nothing left to upload under v2."""
    return bool(snapshot.problems) or (snapshot.sdk == "v2" and not snapshot.files)


def judge(snapshot: Snapshot, settings: RootSettings, limit: Limit, warn_at: float) -> LimitVerdict:
    value = snapshot.total_bytes if limit == "size" else snapshot.file_count
    maximum: int | None = settings.max_bytes if limit == "size" else settings.max_files
    if limit == "count" and settings.no_file_limit_here and snapshot.source == "worktree":
        maximum = None
    lower_bound = limit == "size" and bool(snapshot.unknown)
    status: Status
    if maximum is None:
        status = "ok"
    elif value > maximum or fails_anyway(snapshot):
        status = "fail"
    elif lower_bound:
        status = "unknown"
    else:
        status = "warn" if value > warn_at * maximum else "ok"
    return LimitVerdict(limit, value, maximum, status, snapshot.sdk == "v2", lower_bound)


def measure(settings: RootSettings, view: View, plan: Plan) -> Measured:
    """What a job with this root uploads, seen in ``view``, judged against both limits."""
    snapshot = take_snapshot(settings.path, settings.sdk, view, plan.repo, settings.display)
    return Measured(settings, snapshot, judge(snapshot, settings, "size", plan.warn_at),
                    judge(snapshot, settings, "count", plan.warn_at))


# ---------------------------------------------------------------------------------------------
# The fix: the fewest lines, excluding data before code.


def is_code(path: str) -> bool:
    name = posixpath.basename(path).lower()
    return name.endswith(CODE_SUFFIXES) or name in (AMLIGNORE, GITIGNORE, "dockerfile", "makefile")


@dataclasses.dataclass
class Node:
    """A folder (or file) of a snapshot, with what it adds up to."""

    bytes: int = 0
    files: int = 0
    code: bool = False
    children: dict[str, Node] = dataclasses.field(default_factory=dict)


def tree(files: list[SnapshotFile]) -> Node:
    top = Node()
    for item in files:
        node = top
        parts = item.path.split("/")
        for index, part in enumerate(parts):
            node.bytes += item.size
            node.files += 1
            node.code = node.code or is_code(item.path)
            node = node.children.setdefault(part, Node())
            if index == len(parts) - 1:
                node.bytes, node.files, node.code = item.size, 1, is_code(item.path)
    return top


def _candidates(node: Node, prefix: str, allow_code: bool) -> list[tuple[str, Node]]:
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


def suggest_fix(snapshot: Snapshot, limit: Limit, maximum: int) -> tuple[str, ...]:
    """The fewest ``.amlignore`` lines (greedy, largest first) that bring ``snapshot`` under ``maximum``."""
    top = tree(snapshot.files)
    excess = (snapshot.total_bytes if limit == "size" else snapshot.file_count) - maximum

    def weight(node: Node) -> int:
        return node.bytes if limit == "size" else node.files

    chosen: list[str] = []
    for allow_code in (False, True):
        chosen = []
        removed = 0
        for path, node in sorted(_candidates(top, "", allow_code), key=lambda item: -weight(item[1])):
            if removed >= excess:
                break
            line = ignore.ignore_line(path.rstrip("/"), folder=path.endswith("/"))
            if line is None:
                continue
            chosen.append(line)
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


def totals_with(snapshot: Snapshot, fix: tuple[str, ...]) -> tuple[int, int] | None:
    """``(total_bytes, file_count)`` of ``snapshot`` with ``fix`` added to its ignore file."""
    if not fix:
        return None
    base = _fixed_spec_lines(snapshot)
    if base and not base[-1].endswith("\n"):
        base[-1] += "\n"
    lines = base + [line + "\n" for line in fix]
    spec = spec_from_lines(lines, snapshot.sdk, os.path.join(snapshot.root, AMLIGNORE))
    try:
        return measure_with(snapshot, spec)
    except SnapshotInputError:
        return None

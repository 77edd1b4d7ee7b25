"""The size and file-count limits: the verdict on a measured root, and the fix that brings it under.

Shared by ``snapshot-size-limit``, ``snapshot-file-count`` and ``snapshot-guard scan``: each measures
a root (:func:`measure`) and reports it (:mod:`snapshot_guard.report`).
"""
from __future__ import annotations

import dataclasses
import os
from collections.abc import Collection, Iterable, Sequence
from typing import TYPE_CHECKING, Literal

from snapshot_guard import ignore, job_code
from snapshot_guard.errors import Sdk, SnapshotInputError, View
from snapshot_guard.findings import Finding
from snapshot_guard.ignore import AMLIGNORE, GITIGNORE, read_lines, spec_from_lines
from snapshot_guard.plan import Plan, RootSettings
from snapshot_guard.snapshot import Snapshot, SnapshotFile, measure_with, take_snapshot

if TYPE_CHECKING:
    from snapshot_guard.discover import DeclaredRoot

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
    # Sizes a partial clone does not hold leave the size a lower bound; files that cannot be listed
    # (a submodule's staged commit missing), both.
    lower_bound = (limit == "size" and bool(snapshot.unknown)) or bool(snapshot.unjudged)
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
# The tree of what a snapshot uploads: the size map and the fix are both read from it.


def is_code(name: str) -> bool:
    name = name.lower()
    return name.endswith(CODE_SUFFIXES) or name in (AMLIGNORE, GITIGNORE, "dockerfile", "makefile")


@dataclasses.dataclass(eq=False)
class Node:
    """A folder of a snapshot, with what the files below it add up to."""

    path: str
    """Relative to the root, POSIX; ``""`` for the root itself."""
    bytes: int = 0
    files: int = 0
    code: bool = False
    """Holds a code file somewhere below."""
    entries: list[SnapshotFile] = dataclasses.field(default_factory=list)
    """The files directly in this folder."""
    children: dict[str, Node] = dataclasses.field(default_factory=dict)
    origins: dict[str, int] = dataclasses.field(default_factory=dict)
    """How many files below come from where (``committed``, ``untracked``...)."""


def tree(files: Iterable[SnapshotFile]) -> Node:
    """The folders of ``files`` (a snapshot's), each with its totals."""
    top = Node("")
    folders: dict[str, Node] = {"": top}

    def folder(path: str) -> Node:
        node = folders.get(path)
        if node is None:
            parent, _, name = path.rpartition("/")
            node = folders[path] = Node(path)
            folder(parent).children[name] = node
        return node

    for item in files:
        where = item.path.rpartition("/")[0]
        (folders.get(where) or folder(where)).entries.append(item)
    for node in folders.values():
        node.bytes = sum(item.size for item in node.entries)
        node.files = len(node.entries)
        node.code = any(is_code(item.path.rpartition("/")[2]) for item in node.entries)
        for item in node.entries:
            node.origins[item.origin] = node.origins.get(item.origin, 0) + 1
    for path in sorted(folders, key=lambda path: path.count("/"), reverse=True):
        if not path:
            continue
        below, above = folders[path], folders[path.rpartition("/")[0]]
        above.bytes += below.bytes
        above.files += below.files
        above.code = above.code or below.code
        for origin, count in below.origins.items():
            above.origins[origin] = above.origins.get(origin, 0) + count
    return top


_TREES: dict[int, tuple[Snapshot, Node]] = {}


def snapshot_tree(snapshot: Snapshot) -> Node:
    """The tree of ``snapshot``'s uploaded files, with their origins; built once per snapshot."""
    cached = _TREES.get(id(snapshot))
    if cached is None or cached[0] is not snapshot:
        cached = _TREES[id(snapshot)] = (snapshot, tree(snapshot.sourced_files))
    return cached[1]


def agree(first: Measured, second: Measured) -> bool:
    """Whether two views of a root say the same: then a report shows them once, and a fix that
    works for one works for the other."""
    one, two = first.snapshot, second.snapshot
    return (one.total_bytes, one.file_count, one.problems, one.unknown, one.unjudged, one.ignore.path) == \
        (two.total_bytes, two.file_count, two.problems, two.unknown, two.unjudged, two.ignore.path) and \
        (first.size.status, first.count.status) == (second.size.status, second.count.status)


# ---------------------------------------------------------------------------------------------
# The fix: the fewest ``.amlignore`` lines, largest first, data before code, never the job's code.


@dataclasses.dataclass(frozen=True)
class Candidate:
    """A folder or file an ``.amlignore`` line can drop."""

    path: str
    folder: bool
    bytes: int
    files: int


@dataclasses.dataclass(frozen=True)
class Fix:
    """The lines that bring a root under its limits, in every view that is over one."""

    root: str
    """Absolute path of the snapshot root."""
    target: str
    """Absolute path of the ``.amlignore`` the lines go to."""
    create: bool
    """The ``.amlignore`` does not exist yet."""
    copied: tuple[str, ...]
    """When creating it: the ``.gitignore`` lines it starts with, so that nothing git hides (and
    Azure ML skipped so far) starts being uploaded."""
    lines: tuple[str, ...]
    """The lines to add (each from :func:`snapshot_guard.ignore.ignore_line`)."""
    after: dict[View, tuple[int, int]]
    """``(total_bytes, file_count)`` of each view with the fix, as the SDK measures it."""
    passes: bool
    """Every view is within both limits with the fix."""
    kept: tuple[str, ...] = ()
    """The job's entry scripts (relative to the root), which no line excludes."""


def _within(excess: tuple[int, int]) -> bool:
    return excess[0] <= 0 and excess[1] <= 0


def _excess(measured: Measured, totals: tuple[int, int] | None = None) -> tuple[int, int]:
    """How far a view is over each limit (negative: under)."""
    size, count = totals or (measured.snapshot.total_bytes, measured.snapshot.file_count)
    settings = measured.settings
    return (size - settings.max_bytes,
            count - settings.max_files if settings.max_files is not None else -1)


def over(measured: Measured) -> bool:
    """Whether a view is over a limit: what a fix can change (a link loop it cannot)."""
    return not _within(_excess(measured))


def _needed_folders(needed: Collection[str]) -> set[str]:
    return {path[:index] for path in needed for index, char in enumerate(path) if char == "/"}


def _candidates(node: Node, allow_code: bool, needed: Collection[str],
                needed_folders: Collection[str]) -> list[Candidate]:
    """The largest folders and files a line can drop: never the job's code; with ``allow_code``
    False, nothing that holds code."""
    found = []
    for child in node.children.values():
        if child.path in needed_folders or (child.code and not allow_code):
            found.extend(_candidates(child, allow_code, needed, needed_folders))
        else:
            found.append(Candidate(child.path, True, child.bytes, child.files))
    for item in node.entries:
        if item.path in needed or item.path in (AMLIGNORE, GITIGNORE) or \
                (is_code(item.path.rpartition("/")[2]) and not allow_code):
            continue
        found.append(Candidate(item.path, False, item.size, 1))
    return found


def _choose(candidates: list[Candidate], excess: tuple[int, int], keep: int) -> list[Candidate]:
    """Greedy: the largest candidates first (by bytes while the size is over, then by files),
    then those the others make unnecessary left out again. ``keep``: the files no candidate
    holds, but for the ignore files; when none, the last candidate stays (a fix never leaves
    nothing to upload)."""
    chosen: list[Candidate] = []
    size_over, count_over = excess
    left = sum(item.files for item in candidates)
    for by_size in (True, False):
        for candidate in sorted(candidates, key=lambda item: -(item.bytes if by_size else item.files)):
            if (size_over if by_size else count_over) <= 0:
                break
            if candidate in chosen or (keep <= 0 and left - candidate.files <= 0):
                continue
            chosen.append(candidate)
            size_over, count_over = size_over - candidate.bytes, count_over - candidate.files
            left -= candidate.files
    for candidate in sorted(chosen, key=lambda item: (item.bytes, item.files)):
        if size_over + candidate.bytes <= 0 and count_over + candidate.files <= 0:
            chosen.remove(candidate)
            size_over, count_over = size_over + candidate.bytes, count_over + candidate.files
    return chosen


def fix_base(root: str, sdk: Sdk) -> tuple[list[str], bool, tuple[str, ...]]:
    """The ``.amlignore`` a fix builds on: ``(its lines, whether it is to be created, the lines
    copied from .gitignore into a new one)``."""
    amlignore, gitignore = os.path.join(root, AMLIGNORE), os.path.join(root, GITIGNORE)
    if os.path.lexists(amlignore):
        return read_lines(amlignore, sdk), False, ()
    copied = read_lines(gitignore, sdk) if os.path.isfile(gitignore) else []
    return copied, True, tuple(line.rstrip("\r\n") for line in copied)


def totals_with(snapshot: Snapshot, base: Sequence[str], lines: Sequence[str]
                ) -> tuple[int, int] | None:
    """``(total_bytes, file_count)`` of ``snapshot`` had its root's ``.amlignore`` been ``base``
    and ``lines``; None when the SDK would refuse them."""
    text = [*base]
    if text and not text[-1].endswith("\n"):
        text[-1] += "\n"
    spec = spec_from_lines(text + [line + "\n" for line in lines], snapshot.sdk,
                           os.path.join(snapshot.root, AMLIGNORE))
    try:
        return measure_with(snapshot, spec)
    except SnapshotInputError:
        return None


def _view_groups(views: Sequence[Measured]) -> list[list[Measured]]:
    """The views over a limit, those that agree together."""
    groups: list[list[Measured]] = []
    for item in views:
        if not over(item):
            continue
        group = next((group for group in groups if agree(group[0], item)), None)
        if group is None:
            groups.append([item])
        else:
            group.append(item)
    return groups


def suggest_fix(views: Sequence[Measured], declared: Sequence[DeclaredRoot] = (),
                top: str = "") -> Fix | None:
    """The fewest lines that bring every view of one root under both limits, checked by measuring
    the views again with them. None when no view is over a limit.

    Candidates come from the tree the size map shows (the first view of views that agree: the
    staged files, whose origins cost nothing); the check walks the last (the folder on disk, whose
    tree the walk already holds)."""
    groups = _view_groups(views)
    if not groups:
        return None
    first = groups[0][0]
    root, sdk = first.snapshot.root, first.snapshot.sdk
    base, create, copied = fix_base(root, sdk)
    lines: list[str] = []
    after: dict[View, tuple[int, int]] = {}
    kept: list[str] = []
    passes = True
    for group in sorted(groups, key=lambda group: _excess(group[0]), reverse=True):
        shown, checked = group[0], group[-1]
        totals = totals_with(checked.snapshot, base, lines) if lines else None
        if totals is None or not _within(_excess(checked, totals)):
            files = {item.path for item in shown.snapshot.files}
            scripts = job_code.entry_scripts(top, shown.settings.display, declared, files)
            needed = job_code.needed_files(root, scripts, files)
            kept.extend(script for script in scripts if script not in kept)
            node = snapshot_tree(shown.snapshot)
            excess = _excess(checked, totals)
            for allow_code in (False, True):
                candidates = _candidates(node, allow_code, needed, _needed_folders(needed))
                ignore_files = sum(item.path in (AMLIGNORE, GITIGNORE) for item in node.entries)
                # Without code among them, dropping every candidate drops nothing the job runs.
                keep = node.files - ignore_files - sum(item.files for item in candidates) \
                    if allow_code else 1
                chosen = _choose(candidates, excess, keep)
                estimate = (excess[0] - sum(item.bytes for item in chosen),
                            excess[1] - sum(item.files for item in chosen))
                if not allow_code and not _within(estimate):
                    continue  # data alone is not enough: no need to measure it
                added = [line for line in (ignore.ignore_line(item.path, folder=item.folder)
                                           for item in chosen) if line and line not in lines]
                totals = totals_with(checked.snapshot, base, [*lines, *added])
                if totals is not None and (_within(_excess(checked, totals)) or allow_code):
                    lines.extend(added)
                    break
        passes = passes and totals is not None and _within(_excess(checked, totals))
        if totals is not None:
            for item in group:
                after[item.snapshot.source] = totals
    return Fix(root, os.path.join(root, AMLIGNORE), create, copied, tuple(lines), after, passes,
               tuple(kept))


def apply_fix(fix: Fix) -> tuple[str, ...]:
    """Write ``fix`` to its ``.amlignore``: a new one starts with the ``.gitignore`` lines; lines
    the file already holds are not added again. Returns the lines added."""
    if fix.create and not os.path.lexists(fix.target):
        header = [f"# Azure ML reads this file, not {GITIGNORE}: its lines first, copied by "
                  f"snapshot-guard"] if fix.copied else []
        text = "\n".join([*header, *fix.copied, "# added by snapshot-guard fix", *fix.lines])
        with open(fix.target, "x", encoding="utf-8") as handle:
            handle.write(text + "\n")
        return fix.lines
    with open(fix.target, "rb") as handle:
        data = handle.read()
    present = {line.strip() for line in data.decode("utf-8", "replace").splitlines()}
    added = tuple(line for line in fix.lines if line not in present)
    if added:
        with open(fix.target, "a", encoding="utf-8") as handle:
            handle.write(("\n" if data and not data.endswith((b"\n", b"\r")) else "")
                         + "".join(line + "\n" for line in added))
    return added


# ---------------------------------------------------------------------------------------------
# A run's roots: measured views, the fix, and lint's word on the ignore files of a failing root.


@dataclasses.dataclass
class RootReport:
    """What a run says of one root: its measured views, and what was done about them."""

    settings: RootSettings
    views: list[Measured]
    fix: Fix | None = None
    applied: tuple[str, ...] | None = None
    """The lines ``--fix`` wrote (None: not asked)."""
    lint: list[Finding] = dataclasses.field(default_factory=list)
    """What ``snapshot-guard lint`` says of a failing root's ignore files (often why it fails)."""
    deferred_to: Limit | None = None
    """The other limit, which this root is over too: that limit's hook shows the fix and the lint."""


def root_reports(plan: Plan, measured: Sequence[Measured], judged: Sequence[Limit] = LIMITS,
                 fix: bool = False, lint: bool = True, defer_to: Limit | None = None
                 ) -> list[RootReport]:
    """``measured`` by root; a root over one of the ``judged`` limits gets its fix (written with
    ``fix``) and, with ``lint``, the lint findings of its ignore files, from the work-tree snapshot
    already taken (the walk for patterns that match nothing is left to ``snapshot-guard lint``).
    A root over the limit ``defer_to`` too gets neither: that limit's report shows them."""
    reports: dict[RootSettings, RootReport] = {}
    for item in measured:
        reports.setdefault(item.settings, RootReport(item.settings, [])).views.append(item)
    for report in reports.values():
        if not any(item.verdict(limit).status == "fail" for item in report.views for limit in judged):
            continue
        if defer_to is not None and any(item.verdict(defer_to).status == "fail" for item in report.views):
            report.deferred_to = defer_to
            continue
        report.fix = suggest_fix(report.views, plan.declared, plan.top)
        if fix and report.fix is not None and report.fix.lines:
            report.applied = apply_fix(report.fix)
        on_disk = next((item.snapshot for item in report.views if item.snapshot.source == "worktree"),
                       None)
        if lint and on_disk is not None:
            from snapshot_guard.lint import lint_root

            settings = report.settings
            report.lint = lint_root(settings.path, settings.display, settings.sdk, plan.top, on_disk,
                                    dead_patterns=False)
    return list(reports.values())


def ignore_fix(root: str, sdk: Sdk, lines: Sequence[str]) -> Fix:
    """A fix of other checks' findings: these lines (from :func:`ignore.ignore_line`) in the root's
    ``.amlignore``, created with the ``.gitignore`` lines when missing."""
    _, create, copied = fix_base(root, sdk)
    return Fix(root, os.path.join(root, AMLIGNORE), create, copied,
               tuple(dict.fromkeys(line for line in lines if line)), {}, True)


def fix_findings(found: dict[RootSettings, list[str]], apply: bool) -> list[RootReport]:
    """The roots whose findings an ignore line fixes: ``found`` maps a root to its lines; with
    ``apply`` they are written."""
    reports = []
    for settings, lines in found.items():
        if lines:
            fix = ignore_fix(settings.path, settings.sdk, lines)
            reports.append(RootReport(settings, [], fix, apply_fix(fix) if apply else None))
    return reports

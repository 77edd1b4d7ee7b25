"""Everything a person or a program reads: the text of the hooks and commands, and ``--format json``.

The checks hand over plain data (:class:`~snapshot_guard.limits.Measured`,
:class:`~snapshot_guard.findings.Finding`); this module is the only one that decides how it looks.
"""
from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

from snapshot_guard import limits
from snapshot_guard.errors import SnapshotInputError
from snapshot_guard.findings import Finding, display_path, plural, printable
from snapshot_guard.ignore import AMLIGNORE, GITIGNORE
from snapshot_guard.limits import Limit, Measured, Status
from snapshot_guard.plan import Plan
from snapshot_guard.sizes import format_size
from snapshot_guard.snapshot import Snapshot

if TYPE_CHECKING:
    from snapshot_guard.discover import DeclaredRoot

LARGEST = 5
ORIGIN_WORDS = {
    "committed": "committed",
    "submodule": "in a submodule",
    "untracked": "only in this checkout, untracked",
    "ignored": "only in this checkout, git-ignored",
    "outside-git": "on disk",
    "git": "the repository's .git folder",
}
_LABELS: dict[Status, str] = {"fail": "FAILED", "warn": "warning", "ok": "ok", "unknown": "CANNOT JUDGE"}
_VIEWS = {"index": "staged files", "worktree": "folder on disk"}


def _amount(limit: Limit, value: int) -> str:
    if limit == "size":
        return f"{format_size(value)} ({value:,} bytes)"
    return plural(value, "file")


def _ignore_file_line(snapshot: Snapshot, top: str) -> str:
    spec = snapshot.ignore
    if spec.path is None:
        return "  ignore file: none (no .amlignore or .gitignore at the root: everything is uploaded)"
    line = f"  ignore file: {display_path(spec.path, top)}"
    if spec.unused_gitignore:
        line += f" ({display_path(spec.unused_gitignore, top)} is not read: an .amlignore exists)"
    return line


def header(check: str, status: Status, snapshot: Snapshot, top: str, views: str | None = None) -> list[str]:
    """The first lines of a root's report: which root, which view, which ignore file."""
    view = views or _VIEWS[snapshot.source]
    lines = [f"{check}: {_LABELS[status]}: {printable(snapshot.display)} (SDK {snapshot.sdk}, {view})",
             _ignore_file_line(snapshot, top)]
    lines.extend(f"  error: {printable(problem)}" for problem in snapshot.problems)
    return lines


def _origins_by_folder(snapshot: Snapshot) -> dict[str, str]:
    counts: dict[str, dict[str, int]] = {}
    for item in snapshot.sourced_files:
        parts = item.path.split("/")
        for depth in range(1, min(len(parts), 2) + 1):
            bucket = counts.setdefault("/".join(parts[:depth]), {})
            bucket[item.origin] = bucket.get(item.origin, 0) + 1
    words = {}
    for key, bucket in counts.items():
        if len(bucket) == 1:
            words[key] = ORIGIN_WORDS[next(iter(bucket))]
        else:
            words[key] = ", ".join(f"{count:,} {ORIGIN_WORDS[origin]}"
                                   for origin, count in sorted(bucket.items(), key=lambda i: -i[1]))
    return words


def _largest(snapshot: Snapshot, limit: Limit) -> list[str]:
    top = limits.tree(snapshot.files)
    items: list[tuple[str, limits.Node]] = []
    for name, node in top.children.items():
        items.append((name + ("/" if node.children else ""), node))
        if len(node.children) > 1:
            for child_name, child in node.children.items():
                if child.bytes * 2 >= node.bytes and limit == "size":
                    items.append((f"{name}/{child_name}" + ("/" if child.children else ""), child))
    key = (lambda item: -item[1].bytes) if limit == "size" else (lambda item: -item[1].files)
    origins = _origins_by_folder(snapshot)
    lines = []
    for path, node in sorted(items, key=key)[:LARGEST]:
        amount = format_size(node.bytes) if limit == "size" else plural(node.files, "file")
        what = f"{plural(node.files, 'file')}, " if node.children and limit == "size" else ""
        where = origins.get(path.rstrip("/"), "")
        lines.append(f"    {amount:>12}  {printable(path)}  ({what}{where})".replace(", )", ")"))
    return lines


def _fix_lines(snapshot: Snapshot, limit: Limit, maximum: int, top: str) -> list[str]:
    fix = limits.suggest_fix(snapshot, limit, maximum)
    if not fix:
        return []
    target = display_path(os.path.join(snapshot.root, AMLIGNORE), top)
    if snapshot.ignore.path and snapshot.ignore.path.endswith(AMLIGNORE):
        lines = [f"  fix: add to {target}:"]
    elif snapshot.ignore.path:
        lines = [f"  fix: create {target} with the lines of {GITIGNORE} and:"]
    else:
        lines = [f"  fix: create {target} with:"]
    lines.extend(f"    {printable(line)}" for line in fix)
    after = limits.totals_with(snapshot, fix)
    if after:
        lines.append(f"  with the fix: {format_size(after[0])}, {plural(after[1], 'file')}")
    return lines


def limit_lines(measured: Measured, limit: Limit, top: str, declared: Sequence[DeclaredRoot] = ()
                ) -> list[str]:
    """What one limit says of a measured root: the numbers, and when it does not pass, the largest
    folders, the fix, the article's advice and the notes."""
    snapshot, verdict = measured.snapshot, measured.verdict(limit)
    lines = []
    if snapshot.sdk == "v2" and not snapshot.files:
        lines.append("  error: nothing is left to upload; azure-ai-ml fails on an empty code folder")
    if verdict.maximum is not None:
        over = ">" if verdict.value > verdict.maximum else "<="
        name = "size" if limit == "size" else "file count"
        bound = "at least " if verdict.lower_bound else ""
        policy = " (snapshot-guard's policy: azure-ai-ml enforces no limit)" if verdict.policy else ""
        lines.append(f"  {name}: {bound}{_amount(limit, verdict.value)} {over} limit "
                     f"{_amount(limit, verdict.maximum)}{policy}")
    if verdict.lower_bound:
        lines.append(f"  cannot judge: {plural(len(snapshot.unknown), 'staged file')} of this root "
                     f"are not in this partial clone, so their size is unknown (e.g. "
                     f"{printable(snapshot.unknown[0])}); fetch them (git sparse-checkout add, or "
                     f"git fetch with the blobs) and commit again")
    if verdict.status in ("ok", "unknown"):
        return lines
    if snapshot.files:
        lines.append("  largest:")
        lines.extend(_largest(snapshot, limit))
    if verdict.maximum and verdict.value > verdict.maximum:
        lines.extend(_fix_lines(snapshot, limit, verdict.maximum, top))
    from snapshot_guard.discover import notebook_advice, pipeline_advice

    advice = [*pipeline_advice(list(declared), snapshot.display),
              *notebook_advice(list(declared), snapshot.display)]
    lines.extend(f"  advice: {printable(line)}" for line in advice)
    return lines


def _agree(first: Measured, second: Measured) -> bool:
    """Whether two views of a root say the same (then the report shows them once)."""
    return all(getattr(first.snapshot, name) == getattr(second.snapshot, name)
               for name in ("total_bytes", "file_count", "problems", "unknown")) and \
        first.snapshot.ignore.path == second.snapshot.ignore.path and \
        first.size.status == second.size.status and first.count.status == second.count.status


def _by_root(measured: Sequence[Measured]) -> list[tuple[Measured, str | None]]:
    """The measured views, with two views that agree shown once (and said so)."""
    shown: list[tuple[Measured, str | None]] = []
    for item in measured:
        earlier = next((index for index, (other, _) in enumerate(shown)
                        if other.settings == item.settings), None)
        if earlier is not None and _agree(shown[earlier][0], item):
            shown[earlier] = (shown[earlier][0], "staged files, the same on disk")
        else:
            shown.append((item, None))
    return shown


def limit_report(check: str, limit: Limit, measured: Sequence[Measured], plan: Plan) -> list[str]:
    """A limit hook's report: every root that does not pass, once per view that says something
    different; the notes of every root judged."""
    lines: list[str] = []
    linted: set[str] = set()
    for item, views in _by_root(measured):
        verdict = item.verdict(limit)
        v2_warns = limit == "size" and item.v2_warns
        if verdict.status != "ok" or v2_warns:
            lines.extend(header(check, verdict.status, item.snapshot, plan.top, views))
            lines.extend(limit_lines(item, limit, plan.top, plan.declared))
            if v2_warns:
                lines.append("  warning: azure-ai-ml warns on uploads above 100 MB")
            if verdict.status == "fail" and item.snapshot.root not in linted:
                linted.add(item.snapshot.root)
                lines.extend(_lint_lines(item.snapshot, plan.top))
        lines.extend(f"{check}: note: {printable(item.snapshot.display)}: {printable(note)}"
                     for note in item.snapshot.notes[:LARGEST])
    return lines


def _lint_lines(snapshot: Snapshot, top: str) -> list[str]:
    """What ``snapshot-guard lint`` says of a failing root: often the reason it fails."""
    from snapshot_guard.lint import lint_root

    try:
        findings = lint_root(snapshot.root, snapshot.display, snapshot.sdk, top, snapshot)
    except SnapshotInputError:
        return []
    shown = [f"  lint: {printable(finding.as_text())}" for finding in findings[:LARGEST]]
    if len(findings) > LARGEST:
        shown.append(f"  lint: ... {len(findings) - LARGEST} more: run snapshot-guard lint "
                     f"{printable(snapshot.display)}")
    return shown


def finding_lines(findings: Sequence[Finding]) -> list[str]:
    return [printable(finding.as_text()) for finding in dict.fromkeys(findings)]


def scan_text(measured: Sequence[Measured], findings: dict[int, list[Finding]], plan: Plan) -> list[str]:
    """``snapshot-guard scan``: every root and view, whatever its status, with its findings."""
    lines: list[str] = []
    for index, item in enumerate(measured):
        found = findings.get(index, [])
        finding_status: Status = "fail" if any(f.severity == "error" for f in found) else "ok"
        status = limits.worst([item.size.status, item.count.status, finding_status])
        lines.extend(header("snapshot-guard scan", status, item.snapshot, plan.top))
        for limit in limits.LIMITS:
            lines.extend(limit_lines(item, limit, plan.top, plan.declared))
        lines.extend(f"  note: {printable(note)}" for note in item.snapshot.notes[:LARGEST])
        lines.extend(f"  {line}" for line in finding_lines(found))
    lines.extend(f"note: {printable(note)}" for note in plan.notes)
    return [printable(line) for line in lines]


def scan_json(measured: Sequence[Measured], findings: list[Finding], plan: Plan, sdk: str | None,
              list_files: bool) -> str:
    roots = []
    for item in measured:
        snapshot, root = item.snapshot, item.settings
        ignore_path = snapshot.ignore.path
        entry: dict[str, object] = {
            "root": root.display,
            "sdk": snapshot.sdk,
            "source": snapshot.source,
            "ignore_file": None if ignore_path is None else display_path(ignore_path, plan.top),
            "total_bytes": snapshot.total_bytes,
            "file_count": snapshot.file_count,
            "max_bytes": root.max_bytes,
            "max_files": item.count.maximum,
            "ok": item.size.status != "fail" and item.count.status != "fail",
            "problems": snapshot.problems,
            "unknown_sizes": snapshot.unknown,
        }
        if list_files:
            entry["files"] = [{"path": file.path, "size": file.size, "origin": file.origin}
                              for file in snapshot.sourced_files]
        roots.append(entry)
    document = {
        "sdk": sdk or (plan.roots[0].sdk if plan.roots else "v1"),
        "source": "both" if len(plan.views) == 2 else plan.views[0],
        "roots": roots,
        "findings": [dataclasses.asdict(finding) for finding in findings],
    }
    return json.dumps(document, indent=2)

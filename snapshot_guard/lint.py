"""``snapshot-guard lint``: ignore files that do not do what their author thinks, for Azure ML.

- an ``.amlignore`` shadows the root's ``.gitignore``: the patterns it does not repeat, and the
  files uploaded because of that;
- a ``.git`` folder inside a root that the ignore file does not exclude;
- ignore files in subfolders and git's own exclude files, which Azure ML never reads;
- a UTF-8 byte-order mark under SDK v1, lines the matcher rejects (the submission fails), and
  patterns that match nothing in the root.

Every matching decision is :mod:`snapshot_guard.ignore`'s, as the SDK makes it.
"""
from __future__ import annotations

import argparse
import bisect
import os
import posixpath
import subprocess
import sys
from collections.abc import Sequence

from snapshot_guard import entry, plan, report
from snapshot_guard.errors import Sdk, SnapshotInputError
from snapshot_guard.findings import Finding, Severity, display_path, plural
from snapshot_guard.git import find_repo
from snapshot_guard.ignore import (
    AMLIGNORE,
    GITIGNORE,
    IgnoreRule,
    IgnoreSpec,
    compile_rules,
    governing_file,
    read_lines,
    spec_from_lines,
    unread_gitignore,
)
from snapshot_guard.sizes import format_size
from snapshot_guard.snapshot import Snapshot, SnapshotFile, take_snapshot

CHECK = "snapshot-guard-lint"
_BOM = b"\xef\xbb\xbf"
_SHOWN = 5
_MAX_PATHS = 200_000
"""Paths of a root tested for dead patterns; a larger tree is cut short (and said so)."""


def _finding(path: str, kind: str, line: int | None, severity: Severity, message: str) -> Finding:
    return Finding(CHECK, path, kind, line, severity, message)


def _shown(items: Sequence[str]) -> str:
    listed = ", ".join(items[:_SHOWN])
    return listed + (f" and {len(items) - _SHOWN} more" if len(items) > _SHOWN else "")


def lint_root(root: str, display: str, sdk: Sdk, top: str,
              taken: Snapshot | None = None, dead_patterns: bool = True) -> list[Finding]:
    """Everything wrong with the ignore files of the snapshot root ``root`` (shown as ``display``);
    ``taken``: a work-tree snapshot of it the caller already has, so the tree is not walked again;
    ``dead_patterns`` False leaves out the patterns that match nothing (a walk of every folder,
    which a failing hook leaves to ``snapshot-guard lint``)."""
    root = os.path.abspath(root)
    governing = governing_file(root)
    findings: list[Finding] = []
    spec = _checked_spec(root, governing, sdk, top, findings)
    if spec is None:
        return findings
    snapshot = _snapshot(root, sdk, findings, top, taken)
    if snapshot is not None:
        findings.extend(_shadowed_gitignore(sdk, spec, snapshot, top))
        findings.extend(_uploaded_git_folder(root, display, spec, snapshot, top))
        findings.extend(_unread_ignore_files(root, sdk, snapshot, top))
    if dead_patterns:
        findings.extend(_dead_patterns(root, spec, top))
    return findings


def _checked_spec(
    root: str, governing: str | None, sdk: Sdk, top: str, findings: list[Finding]
) -> IgnoreSpec | None:
    """The governing ignore file's spec, with the lines the SDK rejects reported and left out."""
    if governing is None:
        return spec_from_lines([], sdk, None)
    shown = display_path(governing, top)
    if os.path.isdir(governing):
        findings.append(_finding(shown, "ignore-file-is-folder", None, "error",
                                 "is a folder; Azure ML still chooses it as the ignore file and the "
                                 "job submission fails"))
        return None
    try:
        lines = read_lines(governing, sdk)
    except SnapshotInputError as error:
        findings.append(_finding(shown, "unreadable-ignore-file", None, "error", str(error)))
        return None
    if sdk == "v1" and _starts_with_bom(governing):
        first = next((line.strip() for line in lines if line.strip()), "")
        findings.append(_finding(
            shown, "byte-order-mark", 1, "warning",
            f"starts with a UTF-8 byte-order mark: SDK v1 keeps it on the first pattern "
            f"({first.lstrip(chr(0xFEFF))!r}), which then matches nothing; save the file as UTF-8 "
            f"without BOM"))
    kept = []
    for number, line in enumerate(lines, start=1):
        try:
            compile_rules([line], sdk, shown, first_line=number)
        except SnapshotInputError as error:
            findings.append(_finding(shown, "rejected-pattern", number, "error",
                                     str(error).split(": ", 1)[-1]))
            kept.append("\n")
            continue
        kept.append(line)
    unread = unread_gitignore(lambda name: os.path.exists(os.path.join(root, name)))
    return spec_from_lines(kept, sdk, governing, unread and os.path.join(root, unread))


def _starts_with_bom(path: str) -> bool:
    with open(path, "rb") as handle:
        return handle.read(3) == _BOM


def _snapshot(root: str, sdk: Sdk, findings: list[Finding], top: str,
              taken: Snapshot | None) -> Snapshot | None:
    """What the job uploads; None when an ignore-file error already fails the submission."""
    if any(finding.severity == "error" for finding in findings):
        return None
    if taken is not None and taken.source == "worktree" and taken.sdk == sdk:
        return taken
    try:
        return take_snapshot(root, sdk, "worktree", find_repo(root))
    except SnapshotInputError as error:
        findings.append(_finding(display_path(root, top), "snapshot-failed", None, "error", str(error)))
        return None


def _shadowed_gitignore(sdk: Sdk, spec: IgnoreSpec, snapshot: Snapshot, top: str) -> list[Finding]:
    if spec.unused_gitignore is None or spec.path is None:
        return []
    try:
        git_spec = spec_from_lines(read_lines(spec.unused_gitignore, sdk), sdk,
                                   spec.unused_gitignore)
    except SnapshotInputError:
        return []
    repeated = {rule.pattern.strip() for rule in spec.rules}
    missing = [rule.pattern.strip() for rule in git_spec.rules
               if rule.line > 0 and rule.pattern.strip() not in repeated]
    hidden = [item for item, excluded in zip(snapshot.files, git_spec.exclusions(
        item.path for item in snapshot.files)) if excluded]
    uploaded = [item.path for item in hidden]
    if not missing and not uploaded:
        return []
    size = sum(item.size for item in hidden)
    message = (f"{AMLIGNORE} exists, so Azure ML does not read {display_path(spec.unused_gitignore, top)}")
    if missing:
        message += f"; patterns it does not repeat: {_shown(missing)}"
    if uploaded:
        message += (f"; uploaded because of it: {plural(len(uploaded), 'file')} ({format_size(size)}), "
                    f"e.g. {_shown(uploaded)}")
    message += f"; copy the patterns that should hold for the job into {AMLIGNORE}"
    return [_finding(display_path(spec.path, top), "amlignore-shadows-gitignore", None, "warning",
                     message)]


def _git_location(path: str) -> str | None:
    """The ``.git`` folder (or file) ``path`` lies in, relative to the root; None outside any."""
    parts = path.split("/")
    if ".git" not in parts:
        return None
    return "/".join(parts[: parts.index(".git") + 1])


def _uploaded_git_folder(
    root: str, display: str, spec: IgnoreSpec, snapshot: Snapshot, top: str
) -> list[Finding]:
    """Every ``.git`` in the root (its own, nested repositories, submodules) the job uploads."""
    by_location: dict[str, list[SnapshotFile]] = {}
    for item in snapshot.files:
        location = _git_location(item.path)
        if location is not None:
            by_location.setdefault(location, []).append(item)
    if not by_location:
        return []
    every = [item for files in by_location.values() for item in files]
    line = next((candidate for candidate in (".git", "/.git", ".git/")
                 if all(_appended(spec, candidate).excludes(item.path) for item in every)),
                ".git")
    where = display_path(os.path.join(root, spec.name or GITIGNORE), top)
    findings = []
    for location, files in sorted(by_location.items()):
        size = sum(item.size for item in files)
        whose = "the root's own repository" if location == ".git" else "a nested repository"
        findings.append(_finding(
            display_path(os.path.join(root, location), top), "git-folder-uploaded", None, "error",
            f"the job uploads {location} of the root {display} ({whose}): "
            f"{plural(len(files), 'file')}, {format_size(size)} ({size} bytes) of repository "
            f"data; add the line {line!r} to {where}"))
    return findings


def _appended(spec: IgnoreSpec, line: str) -> IgnoreSpec:
    """``spec`` with ``line`` added at the end of its ignore file."""
    after = max((rule.line for rule in spec.rules), default=0) + 1
    added = compile_rules([line], spec.sdk, spec.path or GITIGNORE, first_line=after)
    return IgnoreSpec(spec.path, spec.rules + added, spec.sdk)


def _unread_ignore_files(root: str, sdk: Sdk, snapshot: Snapshot, top: str) -> list[Finding]:
    """Ignore files Azure ML never reads whose patterns would keep uploaded files out."""
    findings = []
    paths = [item.path for item in snapshot.files]  # sorted: a folder's files are one run of them
    nested = [path for path in paths if posixpath.basename(path) in (GITIGNORE, AMLIGNORE) and "/" in path]
    for relpath in nested:
        folder = posixpath.dirname(relpath)
        # Every path that starts with "folder/" sorts from "folder/" to "folder0" ("0" follows "/").
        start, end = bisect.bisect_left(paths, folder + "/"), bisect.bisect_left(paths, folder + "0")
        below = [path[len(folder) + 1:] for path in paths[start:end]]
        finding = _no_effect(os.path.join(root, relpath), below, sdk, top,
                             f"Azure ML reads only the ignore file at the root of the uploaded "
                             f"folder ({display_path(root, top)})")
        if finding is not None:
            findings.append(finding)
    repo = find_repo(root)
    if repo is not None:
        prefix = display_path(root, repo.top)
        from_top = [item.path if prefix == "." else f"{prefix}/{item.path}"
                    for item in snapshot.files]
        for exclude in _git_exclude_files(repo.top):
            finding = _no_effect(exclude, from_top, sdk, top,
                                 "git's exclude files have no effect on an Azure ML snapshot")
            if finding is not None:
                findings.append(finding)
    return findings


def _no_effect(path: str, relpaths: list[str], sdk: Sdk, top: str, why: str) -> Finding | None:
    try:
        spec = spec_from_lines(read_lines(path, sdk), sdk, path)
    except SnapshotInputError:
        return None
    deciding: dict[IgnoreRule, list[str]] = {}
    if not spec.rules:
        return None
    # The batched verdict first: only the paths a pattern excludes are asked which one.
    for relpath, excluded in zip(relpaths, spec.exclusions(relpaths)):
        if not excluded:
            continue
        rule = spec.decide(relpath)
        if rule is not None and rule.excludes and rule.line > 0:
            deciding.setdefault(rule, []).append(relpath)
    if not deciding:
        return None
    patterns = [f"{rule.pattern.strip()!r} (line {rule.line})" for rule in sorted(
        deciding, key=lambda rule: rule.line)]
    count = sum(len(paths) for paths in deciding.values())
    inside = not os.path.relpath(path, top).startswith("..")
    shown = display_path(path, top) if inside else path
    return _finding(
        shown, "ignore-file-not-read", None, "warning",
        f"{why}: these patterns have no effect on the snapshot: {_shown(patterns)}; "
        f"{plural(count, 'file')} they match uploaded; move the patterns into the root's ignore file")


def _git_exclude_files(repo_top: str) -> list[str]:
    """``.git/info/exclude`` and the global excludes file, where they exist and hold patterns."""
    candidates = [os.path.join(repo_top, ".git", "info", "exclude")]
    try:
        result = subprocess.run(["git", "config", "--path", "--get", "core.excludesFile"],
                                cwd=repo_top, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        result = None
    if result is not None and result.returncode == 0 and result.stdout.strip():
        candidates.append(os.path.expanduser(result.stdout.strip()))
    else:
        config_home = os.environ.get("XDG_CONFIG_HOME") or os.path.expanduser("~/.config")
        candidates.append(os.path.join(config_home, "git", "ignore"))
    return [path for path in candidates if os.path.isfile(path)]


def _root_paths(root: str) -> tuple[list[str], bool]:
    """Every file and folder below ``root`` (POSIX, relative), folders also with a trailing slash,
    ``.git`` itself but nothing inside it; and whether the walk stopped at ``_MAX_PATHS``."""
    paths: list[str] = []
    for folder, dirs, files in os.walk(root):
        relative = display_path(folder, root)
        prefix = "" if relative == "." else relative + "/"
        if ".git" in dirs:
            dirs.remove(".git")
            paths.extend((prefix + ".git", prefix + ".git/"))
        for name in dirs:
            paths.extend((prefix + name, prefix + name + "/"))
        paths.extend(prefix + name for name in files)
        if len(paths) > _MAX_PATHS:
            return paths, True
    return paths, False


def _dead_patterns(root: str, spec: IgnoreSpec, top: str) -> list[Finding]:
    rules = [rule for rule in spec.rules if rule.line > 0]
    if spec.path is None or not rules:
        return []
    paths, truncated = _root_paths(root)
    alive = spec.matching_rules(paths)
    shown = display_path(spec.path, top)
    findings = []
    quiet = []
    for rule in rules:
        if rule in alive or rule.pattern.startswith("\ufeff"):
            continue
        hint = _typo_hint(rule.pattern, spec, paths)
        if hint is None:
            quiet.append(rule)
            continue
        findings.append(_finding(shown, "dead-pattern", rule.line, "warning",
                                 f"pattern {rule.pattern!r} matches nothing in the root: {hint}"))
    # a .gitignore is git's file too, full of patterns for files a build creates: only an
    # .amlignore, written for the job, gets its quiet dead lines listed
    if quiet and not truncated and spec.name == AMLIGNORE:
        listed = _shown([f"{rule.pattern.strip()!r} (line {rule.line})" for rule in quiet])
        findings.append(_finding(
            shown, "patterns-match-nothing", None, "warning",
            f"{plural(len(quiet), 'pattern')} {'matches' if len(quiet) == 1 else 'match'} "
            f"nothing in the root now: {listed}; fine for "
            f"files a run creates later, a typo otherwise"))
    return findings


def _typo_hint(pattern: str, spec: IgnoreSpec, paths: list[str]) -> str | None:
    """Why a dead pattern is likely a typo, and the fix, or None when it looks deliberate."""
    text = pattern.lstrip("\ufeff")
    candidates = []
    if " " in text.strip() or text != text.strip():
        candidates.append(("a space is part of the pattern", text.replace(" ", "")))
    if "\\ " in text:
        candidates.append(("an escaped space is part of the pattern", text.replace("\\ ", "")))
    if "[[:" in text:
        return "POSIX classes such as [[:digit:]] are not supported by Azure ML's matcher"
    if text.strip() == "/**/":
        return "'/**/' matches nothing in Azure ML's matcher"
    for why, fixed in candidates:
        if not fixed:
            continue
        try:
            rules = compile_rules([fixed], spec.sdk, spec.path or AMLIGNORE)
        except SnapshotInputError:
            continue
        if rules and any(IgnoreSpec(spec.path, rules, spec.sdk).decide(path) for path in paths):
            return f"{why}; did you mean {fixed!r}?"
        return why
    return None


def lint_main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="snapshot-guard lint", allow_abbrev=False,
        description="Find ignore-file mistakes that change what an Azure ML job uploads.",
    )
    parser.add_argument("roots", nargs="*", metavar="ROOT",
                        help="snapshot roots (default: configured or discovered, else the top)")
    plan.add_common_options(parser, default_source="worktree", limits=False, source=False)
    report.add_output_options(parser)
    args = parser.parse_args(argv)
    args.root = [*args.root, *args.roots]

    def work() -> int:
        the_plan = plan.make_plan(args)
        findings = []
        with report.progress() as shown:
            for root in the_plan.roots:
                shown.step(f"linting {root.display}")
                findings += lint_root(root.path, root.display, root.sdk, the_plan.top)
        if args.format == "json":
            print(report.document("lint", the_plan, [report.root_json(root, the_plan.top)
                                                     for root in the_plan.roots], findings))
        elif args.format == "sarif":
            print(report.sarif(findings, the_plan.top))
        else:
            style = report.style_for(sys.stdout)
            report.emit(report.lint_text(findings, the_plan, style), style)
        return 1 if any(finding.severity == "error" for finding in findings) else 0

    return entry.guarded("snapshot-guard lint", work)


if __name__ == "__main__":
    raise SystemExit(lint_main())

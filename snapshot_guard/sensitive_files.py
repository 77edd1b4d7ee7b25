"""``snapshot-sensitive-files``: no secret, key or dataset rides along in a snapshot.

A snapshot stays in the run history, readable by everyone with access to the workspace, for as long
as the run exists. Two parts:

1. the staged files a root uploads (the index snapshot), as pre-commit passes them;
2. the files a job submitted from this checkout uploads although git never sees them (the work-tree
   snapshot, minus what is committed): untracked files, and files ``.gitignore`` hides while an
   ``.amlignore`` that does not exclude them governs the root. Credentials fail, data warns.
"""
from __future__ import annotations

import argparse
import io
import os
import posixpath
import sys
from collections.abc import Collection, Sequence

import pathspec

from snapshot_guard import git, limits, once, options, sensitive
from snapshot_guard.errors import SnapshotInputError
from snapshot_guard.findings import Finding
from snapshot_guard.ignore import AMLIGNORE, GITIGNORE
from snapshot_guard.snapshot import Snapshot, SnapshotFile, fill_origins, staged_contents

CHECK = "snapshot-sensitive-files"
NOT_COMMITTED = ("untracked", "ignored", "git", "submodule")


def _repo_path(snapshot: Snapshot, relpath: str) -> str:
    return relpath if snapshot.display == "." else posixpath.join(snapshot.display, relpath)


def _ignore_line(relpath: str) -> str:
    """The ``.amlignore`` line that excludes ``relpath`` and nothing else it should not."""
    parts = relpath.split("/")
    if ".ipynb_checkpoints" in parts[:-1]:
        return ".ipynb_checkpoints/"
    for folder in (".azure", ".aws", ".docker", ".kube", ".git"):
        if folder in parts[:-1]:
            return "/" + "/".join(parts[: parts.index(folder) + 1]) + "/"
    return "/" + relpath


def _ignore_fix(snapshot: Snapshot, relpath: str) -> str:
    line = _ignore_line(relpath)
    governing = snapshot.ignore.path
    if governing is None:
        return f"create {_repo_path(snapshot, AMLIGNORE)} with the line `{line}`"
    name = _repo_path(snapshot, os.path.basename(governing))
    if os.path.basename(governing) == AMLIGNORE:
        return f"add `{line}` to {name}"
    return f"add `{line}` to {name} (Azure ML reads it because the root has no {AMLIGNORE})"


def _why(snapshot: Snapshot, item: SnapshotFile) -> str:
    """Why the job uploads the file."""
    spec = snapshot.ignore
    rule = spec.decide(item.path)
    if rule is not None and not rule.excludes:
        because = f"re-included by {os.path.basename(spec.path or AMLIGNORE)}:{rule.line} `{rule.pattern}`"
    elif spec.path is None:
        because = f"the root has no {AMLIGNORE} or {GITIGNORE}"
    else:
        because = f"no pattern in {_repo_path(snapshot, os.path.basename(spec.path))} excludes it"
    where = "." if snapshot.display == "." else snapshot.display
    if item.origin == "ignored":
        reads = os.path.basename(spec.path) if spec.path else "no ignore file"
        hidden = (f"git ignores it, but Azure ML reads {reads}, not {GITIGNORE}"
                  if spec.path is None or os.path.basename(spec.path) == AMLIGNORE
                  else "git ignores it through a rule Azure ML does not read")
        return f"not committed, but uploaded by a job submitted from this checkout ({hidden}; {because})"
    if item.origin in NOT_COMMITTED:
        what = {"untracked": "untracked", "git": "inside a .git folder",
                "submodule": "in a submodule"}[item.origin]
        return f"not committed, but uploaded by a job submitted from this checkout ({what}; {because})"
    return f"uploaded with snapshot root {where} ({because})"


def _fix(snapshot: Snapshot, item: SnapshotFile, detection: sensitive.Detection) -> str:
    ignore = _ignore_fix(snapshot, item.path)
    if detection.category == "data":
        return f"move it to a datastore and read it as a data asset or job input; {ignore}"
    if detection.category == "config":
        return f"{ignore} (on compute the run already knows its workspace)"
    if detection.line is None:
        return f"{ignore}, or move the file out of the root"
    return (f"read the secret at run time (Key Vault, a workspace connection, or an environment "
            f"variable set at submission) instead of writing it in the file, or {ignore}; "
            f"rotate it if it was ever committed or uploaded")


def _staged_openers(snapshot: Snapshot, repo: git.Repo | None, wanted: Collection[str]
                    ) -> dict[str, sensitive.Opener]:
    """Staged contents of the ``wanted`` files whose work-tree copy differs from the index.

    Under pre-commit the work tree equals the index for staged files (unstaged changes are stashed),
    so this is usually empty; ``--source index`` outside pre-commit needs it.
    """
    if snapshot.source != "index" or repo is None or not wanted:
        return {}
    prefix = "" if snapshot.display == "." else snapshot.display + "/"
    pathspecs = [f":(top,literal){snapshot.display}"] if prefix else []
    changed = {path[len(prefix):] for path in git.run_git(
        repo, ["diff", "--name-only", "-z", "--no-ext-diff", "--no-renames", "--", *pathspecs]
    ).decode(errors="surrogateescape").split("\0") if path.startswith(prefix) and path}
    changed &= set(wanted)
    if not changed:
        return {}
    return {path: _bytes_opener(data)
            for path, data in staged_contents(repo, snapshot.root, changed).items()}


def _bytes_opener(data: bytes) -> sensitive.Opener:
    return lambda: io.BytesIO(data)


def _file_opener(path: str) -> sensitive.Opener:
    return lambda: open(path, "rb")


def findings_for(
    snapshot: Snapshot, run: options.Run, *, allow: Sequence[str] = (),
    data_threshold: int | None = None, max_read: int | None = None,
    only: Collection[str] | None = None, uncommitted_only: bool | None = None,
) -> list[Finding]:
    """Every finding of this check for one snapshot (``snapshot-guard scan`` calls it as is).

    ``allow`` adds to the configuration's ``sensitive.allow`` (gitwildmatch patterns, matched against
    a file's path relative to the root and to the repository top); ``data_threshold`` and
    ``max_read`` override the configuration's; ``only`` limits the scan to these files (relative to the
    root); ``uncommitted_only`` keeps the files git does not commit (by default: for the work-tree
    snapshot of a run that judges the index too, which covers the committed files).
    """
    if uncommitted_only is None:
        uncommitted_only = snapshot.source == "worktree" and "index" in options.sources(run)
    if snapshot.source == "worktree":
        fill_origins(snapshot)
    configured = run.config.sensitive
    patterns = [*configured.allow, *allow]
    allowed = pathspec.PathSpec.from_lines("gitwildmatch", patterns) if patterns else None
    settings = sensitive.ScanSettings(
        data_threshold=data_threshold or configured.data_threshold or sensitive.DEFAULT_DATA_THRESHOLD,
        max_read=max_read or configured.max_read or sensitive.DEFAULT_MAX_READ,
    )
    items = [item for item in snapshot.files
             if (only is None or item.path in only)
             and not (uncommitted_only and item.origin not in NOT_COMMITTED)
             and not (allowed and (allowed.match_file(item.path)
                                   or allowed.match_file(_repo_path(snapshot, item.path))))]
    staged = _staged_openers(snapshot, run.repo, [item.path for item in items])
    found = []
    for item in items:
        opener = staged.get(item.path) or _file_opener(os.path.join(snapshot.root, item.path))
        for detection in sensitive.scan_content(opener, item.path, item.size, settings):
            message = (f"{detection.detail} (rule {detection.why}); why: {_why(snapshot, item)}; "
                       f"fix: {_fix(snapshot, item, detection)}")
            found.append(Finding(CHECK, _repo_path(snapshot, item.path), detection.kind, detection.line,
                                 detection.severity, limits.printable(message), cell=detection.cell))
    return found


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog=CHECK, description="Fail when an Azure ML snapshot would upload a secret, a key or a "
                                "dataset, staged or not.")
    options.add_common_options(parser)
    parser.add_argument("filenames", nargs="*", help="staged files (pre-commit passes them)")
    parser.add_argument("--no-worktree", action="store_true",
                        help="judge only the staged files, not the uncommitted files a job uploads too")
    parser.add_argument("--allow", action="append", default=[], metavar="PATTERN",
                        help="gitwildmatch pattern of files not to report (repeatable; adds to the "
                             "configuration's sensitive.allow)")
    parser.add_argument("--data-threshold", type=options.size_argument, metavar="SIZE",
                        help="report data files from this size up (default: 16KiB)")
    parser.add_argument("--max-read", type=options.size_argument, metavar="SIZE",
                        help="read at most this much of each file as text (default: 2MiB)")
    args = parser.parse_args(argv)
    try:
        run = options.resolve_run(args)
        sources = options.sources(run)
        settings = options.settings_key(args)
        found: list[Finding] = []
        for root in options.roots_touched(run, args.filenames):
            if "index" in sources:
                found += findings_for(limits.take(root, "index", run), run, allow=args.allow,
                                      data_threshold=args.data_threshold, max_read=args.max_read,
                                      only=options.files_below(root, args.filenames))
            # The uncommitted files belong to the root, not to the file names: once per pre-commit run.
            if "worktree" in sources and not args.no_worktree and \
                    once.first_time(CHECK, f"{root.path}\0worktree\0{settings}"):
                found += findings_for(limits.take(root, "worktree", run), run, allow=args.allow,
                                      data_threshold=args.data_threshold, max_read=args.max_read,
                                      uncommitted_only="index" in sources)
    except SnapshotInputError as error:
        print(f"{CHECK}: {error}", file=sys.stderr)
        return 2
    unique = list(dict.fromkeys(found))
    for finding in unique:
        print(finding.as_text())
    if unique:
        errors = sum(finding.severity == "error" for finding in unique)
        print(f"{CHECK}: {errors} error(s), {len(unique) - errors} warning(s); secrets are masked")
    return 1 if any(finding.severity == "error" for finding in unique) else 0


if __name__ == "__main__":
    raise SystemExit(main())

"""``snapshot-sensitive-files``: no secret, key or dataset rides along in a snapshot, or in git.

A snapshot stays in the run history, readable by everyone with access to the workspace, for as long
as the run exists; a commit stays in git history for everyone who can clone. Two parts:

1. the staged files of the roots the commit touches (``index``): every staged file, whether the
   snapshot uploads it or not, because git publishes it either way;
2. the files a job submitted from this checkout uploads although git never sees them (``worktree``):
   untracked files, and files ``.gitignore`` hides while an ``.amlignore`` that does not exclude them
   governs the root.
"""
from __future__ import annotations

import dataclasses
import os
import posixpath
import shlex
import sys
from collections.abc import Callable, Sequence

from snapshot_guard import entry, git, ignore, limits, plan, report, sensitive
from snapshot_guard.findings import Finding, printable
from snapshot_guard.ignore import AMLIGNORE, GITIGNORE
from snapshot_guard.snapshot import (
    Snapshot,
    SnapshotFile,
    openers,
    staged_files,
    take_snapshot,
)

CHECK = "snapshot-sensitive-files"
NOT_COMMITTED = ("untracked", "ignored", "git", "submodule")


def _repo_path(snapshot: Snapshot, relpath: str) -> str:
    return relpath if snapshot.display == "." else posixpath.join(snapshot.display, relpath)


def _tracked_path(snapshot: Snapshot, relpath: str) -> str:
    """The path git tracks a committed file of ``snapshot`` under, relative to the top: where it
    is, when a link (the root's own, or one in the root) leads to it."""
    repo = snapshot.repo
    if repo is not None:
        real = os.path.realpath(os.path.join(snapshot.root, relpath))
        tracked = os.path.relpath(real, os.path.realpath(repo.top)).replace(os.sep, "/")
        if os.path.isfile(real) and not tracked.startswith("../"):
            return tracked
    return _repo_path(snapshot, relpath)


def excluding_line(relpath: str) -> str:
    """The ``.amlignore`` line for ``relpath``: its folder where the folder holds nothing else a
    job needs (checkpoints, credential folders, ``.git``), else the file itself."""
    parts = relpath.split("/")
    if ".ipynb_checkpoints" in parts[:-1]:
        return ".ipynb_checkpoints/"
    for folder in (".azure", ".aws", ".docker", ".kube", ".git"):
        if folder in parts[:-1]:
            return ignore.ignore_line("/".join(parts[: parts.index(folder) + 1]), folder=True) or relpath
    return ignore.ignore_line(relpath) or relpath


def _amlignore_fix(snapshot: Snapshot, relpath: str) -> str:
    line = excluding_line(relpath)
    governing = snapshot.ignore.path
    if governing is None:
        return f"create {_repo_path(snapshot, AMLIGNORE)} with the line `{line}`"
    name = _repo_path(snapshot, os.path.basename(governing))
    if os.path.basename(governing) == AMLIGNORE:
        return f"add `{line}` to {name}"
    return f"add `{line}` to {name} (Azure ML reads it because the root has no {AMLIGNORE})"


def _uploaded_because(snapshot: Snapshot, relpath: str) -> str:
    spec = snapshot.ignore
    rule = spec.decide(relpath)
    if rule is not None and not rule.excludes:
        return f"re-included by {os.path.basename(spec.path or AMLIGNORE)}:{rule.line} `{rule.pattern}`"
    if spec.path is None:
        return f"the root has no {AMLIGNORE} or {GITIGNORE}"
    return f"no pattern in {_repo_path(snapshot, os.path.basename(spec.path))} excludes it"


def _why(snapshot: Snapshot, item: SnapshotFile, uploaded: bool) -> str:
    """Why the file matters: git publishes it, a job uploads it, or both."""
    where = "." if snapshot.display == "." else snapshot.display
    if item.origin == "committed":
        if uploaded:
            return (f"staged: git publishes it, and a job uploads it with snapshot root {where} "
                    f"({_uploaded_because(snapshot, item.path)})")
        return "staged: git publishes it with every push, although the snapshot leaves it out"
    because = _uploaded_because(snapshot, item.path)
    if item.origin == "ignored":
        spec = snapshot.ignore
        reads = os.path.basename(spec.path) if spec.path else "no ignore file"
        hidden = (f"git ignores it, but Azure ML reads {reads}, not {GITIGNORE}"
                  if spec.path is None or os.path.basename(spec.path) == AMLIGNORE
                  else "git ignores it through a rule Azure ML does not read")
        return f"not committed, but uploaded by a job submitted from this checkout ({hidden}; {because})"
    what = {"untracked": "untracked", "git": "inside a .git folder", "submodule": "in a submodule",
            "outside-git": "on disk"}.get(item.origin, item.origin)
    return f"not committed, but uploaded by a job submitted from this checkout ({what}; {because})"


def _fix(snapshot: Snapshot, item: SnapshotFile, detection: sensitive.Detection, uploaded: bool) -> str:
    """What to do, in order. A committed file must leave git, not only the snapshot: excluding it
    from the snapshot does not stop git from publishing it."""
    steps = []
    if detection.category == "data" and detection.severity == "error":  # personal data
        steps.append("take the personal data out (or pseudonymise it), and keep what a job must read "
                     "in a datastore whose access is controlled")
    elif detection.category == "data":
        steps.append("move it to a datastore and read it as a data asset or job input")
    if item.origin == "committed":
        path = _tracked_path(snapshot, item.path)
        steps.append(f"git rm --cached {shlex.quote(path)}")
        steps.append(f"add `{ignore.ignore_line(path) or path}` to {GITIGNORE} at the repository top")
    if uploaded:
        steps.append(_amlignore_fix(snapshot, item.path) + (
            f" (an {AMLIGNORE} makes Azure ML ignore {GITIGNORE})" if item.origin == "committed" else ""))
    if detection.category == "config":
        steps.append("on compute the run already knows its workspace")
    elif detection.category != "data":
        if item.origin == "committed":
            steps.append("rotate the secret if this commit was ever pushed")
        steps.append("keep the secret in an environment variable set at submission, a key vault or a "
                     "workspace connection, and read it at run time")
    return "; ".join(steps)


@dataclasses.dataclass(frozen=True)
class Options:
    """This hook's own options, the command line's over the configuration's."""

    settings: sensitive.ScanSettings
    allowed: Callable[[str], bool]
    """Whether a path (relative to the root, or to the top) is on the allow-list."""


def options_for(the_plan: plan.Plan, allow: Sequence[str] = (), data_threshold: int | None = None,
                max_read: int | None = None) -> Options:
    configured = the_plan.config.sensitive
    threshold = plan.first(data_threshold, configured.data_threshold, sensitive.DEFAULT_DATA_THRESHOLD)
    read = plan.first(max_read, configured.max_read, sensitive.DEFAULT_MAX_READ)
    assert threshold is not None and read is not None
    return Options(sensitive.ScanSettings(data_threshold=threshold, max_read=read),
                   ignore.pattern_matcher([*configured.allow, *allow], "sensitive.allow / --allow"))


def scan_files(snapshot: Snapshot, items: Sequence[SnapshotFile], the_plan: plan.Plan,
               options: Options, uploaded: Callable[[str], bool]) -> list[Finding]:
    """The findings in ``items`` (files of ``snapshot``'s root); ``uploaded`` says which the job
    uploads."""
    allowed = options.allowed
    items = [item for item in items
             if not (allowed(item.path) or allowed(_repo_path(snapshot, item.path)))]
    readers = openers(snapshot, [item.path for item in items])
    found = []
    for item in items:
        if item.size < 0:  # a blob this partial clone does not hold, and no copy on disk
            found.append(Finding(CHECK, _repo_path(snapshot, item.path), "not-read", None, "warning",
                                 "not read: this partial clone does not hold its content; fetch it "
                                 "(git sparse-checkout add) to have it checked"))
            continue
        for detection in sensitive.scan_content(readers[item.path], item.path, max(item.size, 0),
                                                options.settings):
            is_uploaded = uploaded(item.path)
            why, fix = _why(snapshot, item, is_uploaded), _fix(snapshot, item, detection, is_uploaded)
            message = f"{detection.detail} (rule {detection.why}); why: {why}; fix: {fix}"
            found.append(Finding(CHECK, _repo_path(snapshot, item.path), detection.kind, detection.line,
                                 detection.severity, printable(message), cell=detection.cell))
    return found


def findings_for(snapshot: Snapshot, the_plan: plan.Plan, options: Options | None = None,
                 changed: frozenset[str] | None = None) -> list[Finding]:
    """Every finding of this check for one snapshot (``snapshot-guard scan`` calls it as is): the
    staged files of an index snapshot (only those of ``changed``, when given), or the files a
    work-tree snapshot uploads that the index view does not cover."""
    options = options or options_for(the_plan)
    if snapshot.source == "index" and the_plan.repo is not None:
        staged = staged_files(the_plan.repo, snapshot.root, plan.top_names(changed))
        if changed is not None:
            staged = [item for item in staged if item.path in changed]
        uploaded = {item.path for item in snapshot.files}
        return scan_files(snapshot, staged, the_plan, options, uploaded.__contains__)
    # A committed file is the index view's to judge, when that view reads it.
    elsewhere = snapshot.committed_elsewhere
    items = [item for item in snapshot.sourced_files
             if item.origin != "committed" or "index" not in the_plan.views or item.path in elsewhere]
    if the_plan.repo is not None and "index" in the_plan.views:
        # Files git does not compare with the index: what the disk holds was never judged.
        folder = os.path.relpath(snapshot.root, the_plan.repo.top).replace(os.sep, "/")
        prefix = "" if folder == "." else folder + "/"
        hidden = {path[len(prefix):] for path in git.hidden_from_diff(the_plan.repo, prefix.rstrip("/"))}
        items += [item for item in snapshot.sourced_files
                  if item.origin == "committed" and item.path in hidden and item.path not in elsewhere]
    return scan_files(snapshot, items, the_plan, options, lambda _: True)


def _staged_outside_every_root(the_plan: plan.Plan) -> frozenset[str]:
    """What the run changes (every staged file, for ``--all-files``) below no snapshot root: no job
    uploads it, but git publishes it all the same."""
    if the_plan.repo is None or "index" not in the_plan.views:
        return frozenset()
    top = os.path.realpath(the_plan.repo.top)
    roots = [root.display for root in the_plan.roots] + [  # a root that is a link: its target too
        os.path.relpath(os.path.realpath(root.path), top).replace(os.sep, "/") for root in the_plan.roots]
    if "." in roots:
        return frozenset()
    changed = [item.path for item in staged_files(the_plan.repo, the_plan.repo.top)] \
        if the_plan.change.everything else the_plan.change.paths
    return frozenset(path for path in changed if not any(path.startswith(root + "/") for root in roots))


def _staged_findings(the_plan: plan.Plan, options: Options, paths: frozenset[str]) -> list[Finding]:
    """The errors in the staged files ``paths`` (relative to the top), read as staged: a secret or
    personal data, which git publishes (a dataset no job uploads is not this check's to report)."""
    assert the_plan.repo is not None
    top, within = the_plan.repo.top, plan.top_names(paths)
    snapshot = take_snapshot(top, "v1", "index", the_plan.repo, ".", within)
    staged = [item for item in staged_files(the_plan.repo, top, within) if item.path in paths]
    return [finding for finding in scan_files(snapshot, staged, the_plan, options, lambda _: False)
            if finding.severity == "error"]


def main(argv: Sequence[str] | None = None) -> int:
    parser = plan.hook_parser(CHECK, "Fail when a commit or an Azure ML snapshot would carry a "
                                     "secret, a key or a dataset.")
    parser.add_argument("--no-worktree", action="store_true",
                        help="judge only the staged files, not the uncommitted files a job uploads too")
    parser.add_argument("--allow", action="append", default=[], metavar="PATTERN",
                        help="gitwildmatch pattern of files not to report (repeatable; adds to the "
                             "configuration's sensitive.allow)")
    parser.add_argument("--data-threshold", type=plan.size_argument, metavar="SIZE",
                        help=f"report data files from this size up (default: "
                             f"{sensitive.DEFAULT_DATA_THRESHOLD // 1024}KiB)")
    parser.add_argument("--max-read", type=plan.size_argument, metavar="SIZE",
                        help="read at most this much of each file as text (default: 2MiB)")
    report.add_output_options(parser, fix=f"exclude every uploaded file it reports in the root's "
                                          f"{AMLIGNORE} (a committed file still needs git rm "
                                          f"--cached); the hook still fails, so that you review "
                                          f"and stage the change")
    args, filenames = plan.parse_hook_args(parser, sys.argv[1:] if argv is None else argv)

    def work() -> int:
        the_plan = plan.make_plan(args, filenames)
        plan.start_unstaged(the_plan)
        options = options_for(the_plan, args.allow, args.data_threshold, args.max_read)
        views = [view for view in the_plan.views if view == "index" or not args.no_worktree]
        found: list[Finding] = []
        lines: dict[plan.RootSettings, list[str]] = {}
        for root in the_plan.touched:
            changed = the_plan.changed_in(root)
            for view in views:
                # The staged part reads only what the run changes; the uncommitted files are
                # anywhere in the root.
                within = plan.top_names(changed) if view == "index" else ()
                snapshot = take_snapshot(root.path, root.sdk, view, the_plan.repo, root.display, within)
                new = findings_for(snapshot, the_plan, options, changed)
                found += new
                uploaded = {item.path for item in snapshot.files}
                prefix = "" if root.display == "." else root.display + "/"
                lines.setdefault(root, []).extend(
                    excluding_line(finding.path[len(prefix):]) for finding in new
                    if finding.path.startswith(prefix) and finding.path[len(prefix):] in uploaded)
        outside = _staged_outside_every_root(the_plan)
        if outside and the_plan.repo is not None:
            found += _staged_findings(the_plan, options, outside)
        return report.finding_hook(CHECK, the_plan, found, limits.fix_findings(lines, args.fix),
                                   args.format, "secrets are masked")

    return entry.guarded(CHECK, work)


if __name__ == "__main__":
    raise SystemExit(main())

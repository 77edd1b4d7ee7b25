"""``snapshot-outputs-misuse``: results go to ``./outputs`` and ``./logs``, and nowhere else.

In a run, the working directory is the snapshot root: what the job writes under ``./outputs`` and
``./logs`` reaches the run history, everything else is lost when the job ends. Three findings:

1. files committed into ``outputs/`` or ``logs/`` at the top of a root (error): they travel in
   every snapshot and mix with the run's own artifacts; into a local run's ``azureml-logs/`` or
   ``azureml-setup/``, or Azure ML's local ``.azureml/`` configuration (warning);
2. such folders left on disk by a local run that the ignore file does not exclude (warning);
3. job code that writes a file to a relative path outside ``outputs/`` and ``logs/`` (warning;
   ``--strict`` or ``outputs: {strict: true}`` makes it an error).
"""
from __future__ import annotations

import os
import posixpath
import shlex
import sys
from collections.abc import Callable, Collection, Sequence

from snapshot_guard import entry, ignore, limits, plan, report, writes
from snapshot_guard.findings import Finding, printable
from snapshot_guard.ignore import AMLIGNORE
from snapshot_guard.sizes import format_size
from snapshot_guard.snapshot import Snapshot, SnapshotFile, openers, take_snapshot

CHECK = "snapshot-outputs-misuse"
RUN_FOLDERS = ("outputs", "logs")
LOCAL_RUN_FOLDERS = ("azureml-logs", "azureml-setup", ".azureml")
PLACEHOLDERS = (".gitkeep", ".keep", ".gitignore")
"""Files that only keep a folder in git; tiny, and not results."""
_EXAMPLES = 3
FOLDER_KINDS = ("committed-run-folder", "committed-local-run-files", "uploaded-run-folder")
"""The findings a ``/folder/`` line in the root's ``.amlignore`` fixes (for the snapshot)."""


def _repo_path(snapshot: Snapshot, relpath: str) -> str:
    return relpath if snapshot.display == "." else posixpath.join(snapshot.display, relpath)


def _allowed(spec: Callable[[str], bool], *paths: str) -> bool:
    return any(spec(path) for path in paths)


def folder_line(folder: str) -> str:
    """The ``.amlignore`` line that keeps ``folder`` (relative to the root) out of the snapshot."""
    return ignore.ignore_line(folder, folder=True) or f"/{folder}/"


def _fix_line(snapshot: Snapshot, folder: str) -> str:
    """Where the ``/folder/`` line goes: the governing ignore file, or a new ``.amlignore``."""
    line = folder_line(folder)
    governing = snapshot.ignore.path
    if governing is None:
        target = _repo_path(snapshot, AMLIGNORE)
        return f"create {target} with the line `{line}`"
    name = _repo_path(snapshot, os.path.basename(governing))
    if os.path.basename(governing) == AMLIGNORE:
        return f"add `{line}` to {name}"
    return f"add `{line}` to {name} (Azure ML reads it because the root has no {AMLIGNORE})"


def _folder_findings(
    snapshot: Snapshot, allow: Callable[[str], bool], committed: bool
) -> list[Finding]:
    """Rules 1 (unless not ``committed``) and 2: committed files, and local leftovers, in the run's
    special folders."""
    special = RUN_FOLDERS + LOCAL_RUN_FOLDERS
    files = snapshot.sourced_files if any(item.path.split("/", 1)[0] in special
                                          for item in snapshot.files) else []
    groups: dict[tuple[str, bool], list[SnapshotFile]] = {}
    for item in files:
        folder, _, rest = item.path.partition("/")
        if not rest or folder not in RUN_FOLDERS + LOCAL_RUN_FOLDERS:
            continue
        if rest in PLACEHOLDERS or _allowed(allow, item.path, _repo_path(snapshot, item.path)):
            continue
        tracked = item.origin in ("committed", "submodule")
        if committed or not tracked:
            groups.setdefault((folder, tracked), []).append(item)
    found = []
    for (folder, tracked), items in sorted(groups.items()):
        size = sum(item.size for item in items)
        count = "1 file" if len(items) == 1 else f"{len(items)} files"
        examples = ", ".join(printable(item.path) for item in items[:_EXAMPLES])
        examples += ", ..." if len(items) > _EXAMPLES else ""
        if folder in RUN_FOLDERS:
            why = (f"the run writes its own {folder} there; these travel in every snapshot, count "
                   f"against its limits and end up mixed with the run's artifacts")
        elif folder == ".azureml":
            why = ("Azure ML's local configuration (run configurations, environment files), read when "
                   "a job is submitted from this checkout, not by the job; it travels in every "
                   "snapshot (the .amlignore Project.attach writes excludes it)")
        else:
            why = ("files a local run left (its logs, its setup), not the job's code; they travel in "
                   "every snapshot and count against its limits")
        path = _repo_path(snapshot, folder)
        fix = _fix_line(snapshot, folder)
        if tracked and folder in RUN_FOLDERS:
            message = (f"{count} ({format_size(size)}) committed into {folder}/ ({examples}): {why}; "
                       f"fix: git rm -r --cached {shlex.quote(path)} and {fix}")
            found.append(Finding(CHECK, path, "committed-run-folder", None, "error", message))
        elif tracked:
            undo = "" if folder == ".azureml" else f"git rm -r --cached {shlex.quote(path)} and "
            message = (f"{count} ({format_size(size)}) committed in {folder}/ ({examples}): {why}; "
                       f"fix: {undo}{fix}")
            found.append(Finding(CHECK, path, "committed-local-run-files", None, "warning", message))
        else:
            message = (f"{count} ({format_size(size)}) on disk in {folder}/ ({examples}) will be "
                       f"uploaded with the snapshot: {why}; fix: {fix}")
            found.append(Finding(CHECK, path, "uploaded-run-folder", None, "warning", message))
    return found


def _reader(snapshot: Snapshot, wanted: Sequence[str]) -> writes.Reader:
    """Reads a file of the snapshot as the snapshot holds it."""
    readers = openers(snapshot, wanted)

    def read(relpath: str) -> bytes:
        with readers[relpath]() as handle:
            return handle.read()

    return read


def _is_code(relpath: str) -> bool:
    """Whether the write analysis reads the file: code, notebooks, and what names the job's files."""
    return relpath.endswith((".py", ".ipynb", *writes.REFERENCE_SUFFIXES)) or \
        posixpath.basename(relpath) in writes.REFERENCE_NAMES


def _code_files(snapshot: Snapshot) -> list[str]:
    return [item.path for item in snapshot.files if _is_code(item.path)]


def _commands(the_plan: plan.Plan, root: plan.RootSettings) -> list[str] | None:
    """The command lines of the jobs declared with this root, when every one is known."""
    commands = [declared.command for declared in the_plan.declared if declared.root == root.display]
    if not commands or any(command is None for command in commands):
        return None
    return [command for command in commands if command is not None]


def _write_findings(
    snapshot: Snapshot, allow: Callable[[str], bool], strict: bool,
    only: Collection[str] | None, commands: Sequence[str] | None,
) -> list[Finding]:
    """Rule 3, and the files it could not read."""
    files = _code_files(snapshot)
    analysis = writes.find_lost_writes(files, _reader(snapshot, files), only, commands)
    found = []
    for write in analysis.writes:
        path = _repo_path(snapshot, write.file)
        if _allowed(allow, write.file, path, writes.strip_dot(write.target)):
            continue
        where = f"cell {write.cell}, line {write.line}: " if write.cell is not None else ""
        through = f" (through {write.through})" if write.through else ""
        message = (f"{where}{write.call}{through} writes {printable(write.target)}, outside ./outputs "
                   f"and ./logs: the run loses it when the job ends; write under ./{write.fix}")
        line = write.line if write.cell is None else write.notebook_line or None
        found.append(Finding(CHECK, path, "lost-write", line, "error" if strict else "warning",
                             message, cell=write.cell))
    found.extend(Finding(CHECK, _repo_path(snapshot, skipped.file), "skipped", None, "warning",
                         skipped.reason) for skipped in analysis.skipped)
    return found


def findings_for(
    snapshot: Snapshot, run: plan.Plan, *, allow: Sequence[str] = (), strict: bool | None = None,
    committed: bool = True, analyse_code: bool = True, only: Collection[str] | None = None,
    folders: bool = True, commands: Sequence[str] | None = None,
) -> list[Finding]:
    """Every finding of this check for one snapshot (``snapshot-guard scan`` calls it as is).

    ``allow`` adds to the configuration's ``outputs.allow`` patterns (gitwildmatch, matched against a
    file's path relative to the root and to the repository top, and against a write's target);
    ``strict`` overrides ``outputs.strict``. The hook, which judges both the index and the work
    tree, judges committed files (``committed``) and code (``analyse_code``) once; ``only`` limits
    the write analysis to these files (relative to the root); ``folders`` False leaves out rules 1
    and 2, which judge the root rather than the files.
    """
    configured = run.config.outputs
    spec = ignore.pattern_matcher([*configured.allow, *allow], "outputs.allow / --allow")
    found = _folder_findings(snapshot, spec, committed) if folders else []
    if analyse_code:
        strict = bool(configured.strict) if strict is None else strict
        found += _write_findings(snapshot, spec, strict, only, commands)
    return found


def main(argv: Sequence[str] | None = None) -> int:
    parser = plan.hook_parser(CHECK, "Flag files committed into outputs/ or logs/ of a snapshot root, "
                                     "and results written where an Azure ML run loses them.")
    parser.add_argument("--strict", action="store_true", default=None,
                        help="fail (exit 1) on writes outside ./outputs and ./logs, not just warn")
    parser.add_argument("--allow", action="append", default=[], metavar="PATTERN",
                        help="gitwildmatch pattern of files or write targets not to report "
                             "(repeatable; adds to the configuration's outputs.allow)")
    report.add_output_options(parser, fix=f"exclude the outputs/, logs/ and local run folders it "
                                          f"reports in the root's {AMLIGNORE} (committed files still "
                                          f"need git rm --cached); the hook still fails, so that "
                                          f"you review and stage the change")
    args, filenames = plan.parse_hook_args(parser, sys.argv[1:] if argv is None else argv)

    def work() -> int:
        the_plan = plan.make_plan(args, filenames)
        plan.start_unstaged(the_plan)
        found: list[Finding] = []
        lines: dict[plan.RootSettings, list[str]] = {}
        for root in the_plan.touched:
            prefix = "" if root.display == "." else root.display + "/"
            changed = the_plan.changed_in(root)
            # A change to code is judged with every module of the root (what it imports, the
            # notebooks it runs); otherwise only the run's folders can hold a finding.
            code = changed is None or any(_is_code(path) for path in changed)
            within = () if code else RUN_FOLDERS + LOCAL_RUN_FOLDERS
            commands = _commands(the_plan, root)
            for number, view in enumerate(the_plan.views):
                snapshot = take_snapshot(root.path, root.sdk, view, the_plan.repo, root.display,
                                         within if number == 0 else RUN_FOLDERS + LOCAL_RUN_FOLDERS)
                # The first view judges what is committed and the code; the second adds what only
                # the folder on disk holds.
                new = findings_for(snapshot, the_plan, allow=args.allow, strict=args.strict,
                                   committed=number == 0, analyse_code=number == 0 and code,
                                   only=changed, commands=commands)
                found += new
                lines.setdefault(root, []).extend(
                    folder_line(finding.path[len(prefix):]) for finding in new
                    if finding.kind in FOLDER_KINDS and finding.path.startswith(prefix))
        return report.finding_hook(CHECK, the_plan, found, limits.fix_findings(lines, args.fix),
                                   args.format)

    return entry.guarded(CHECK, work)


if __name__ == "__main__":
    raise SystemExit(main())

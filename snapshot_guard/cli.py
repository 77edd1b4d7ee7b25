"""``snapshot-guard``: scan snapshot roots, fix them, explain a path's verdict, list roots, lint
ignore files."""
from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from collections.abc import Callable, Sequence

from snapshot_guard import entry, limits, plan, report
from snapshot_guard.findings import Finding, display_path, printable
from snapshot_guard.ignore import IgnoreRule, load_ignore, v1_pruned_folder

CHECKS = ("limits", "sensitive", "outputs", "lint")
FIXABLE = ("limits", "sensitive", "outputs")


def _checks(choices: Sequence[str]) -> Callable[[str], tuple[str, ...]]:
    def parse(text: str) -> tuple[str, ...]:
        chosen = tuple(word.strip() for word in text.split(",") if word.strip())
        unknown = [word for word in chosen if word not in choices]
        if unknown or not chosen:
            raise argparse.ArgumentTypeError(f"{text!r}: choose among {', '.join(choices)}")
        return chosen

    return parse


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number from 1 up")
    return int(text)


def _findings(measured: limits.Measured, the_plan: plan.Plan, checks: Sequence[str]) -> list[Finding]:
    """The findings of the checks other than the limits (each imported only when it runs)."""
    snapshot = measured.snapshot
    found: list[Finding] = []
    if "sensitive" in checks:
        from snapshot_guard import sensitive_files

        found += sensitive_files.findings_for(snapshot, the_plan)
    if "outputs" in checks:
        from snapshot_guard import outputs_misuse

        found += outputs_misuse.findings_for(snapshot, the_plan)
    if "lint" in checks and snapshot.source == "worktree":
        from snapshot_guard.lint import lint_root

        found += lint_root(snapshot.root, snapshot.display, snapshot.sdk, the_plan.top, snapshot)
    return found


def _parser(command: str, description: str) -> argparse.ArgumentParser:
    return argparse.ArgumentParser(prog=f"snapshot-guard {command}", description=description,
                                   allow_abbrev=False)


def scan(argv: Sequence[str]) -> int:
    parser = _parser("scan", "Report what a job would upload from each root, and what should not go.")
    parser.add_argument("roots", nargs="*", metavar="ROOT", help="snapshot roots (same as --root)")
    plan.add_common_options(parser, default_source="worktree")
    parser.add_argument("--checks", type=_checks(CHECKS), default=CHECKS, metavar="LIST",
                        help=f"comma-separated checks to run (default: {','.join(CHECKS)}); the "
                             f"limits are always reported")
    report.add_output_options(parser)
    group = parser.add_argument_group("text output")
    group.add_argument("--map", action="store_true",
                       help="the size map of every root (a failing root always has one)")
    group.add_argument("--depth", type=_positive, default=report.DEFAULT_DEPTH, metavar="N",
                       help=f"levels of folders in the size map (default {report.DEFAULT_DEPTH})")
    group.add_argument("--top", type=_positive, default=report.DEFAULT_TOP, metavar="N",
                       help=f"largest entries shown per folder (default {report.DEFAULT_TOP})")
    group.add_argument("--all", action="store_true", help="every finding and note, none cut")
    parser.add_argument("--list-files", action="store_true", help="list every uploaded file (json)")
    args = parser.parse_args(argv)
    args.root = [*args.root, *args.roots]

    def work() -> int:
        with report.progress() as shown:
            the_plan = plan.make_plan(args)
            measured = []
            for root in the_plan.roots:
                for view in the_plan.views:
                    shown.step(f"measuring {root.display} ({view})")
                    measured.append(limits.measure(root, view, the_plan))
            reports = limits.root_reports(the_plan, measured, lint=False)
            findings: dict[str, list[Finding]] = {}
            for item in measured:
                shown.step(f"checking {item.settings.display} ({item.snapshot.source})")
                found = findings.setdefault(item.settings.path, [])
                found.extend(finding for finding in _findings(item, the_plan, args.checks)
                             if finding not in found)
        every = [finding for found in findings.values() for finding in found]
        failed = any(item.size.status == "fail" or item.count.status == "fail" for item in measured) \
            or any(finding.severity == "error" for finding in every)
        unknown = any(item.size.status == "unknown" for item in measured)
        if args.format == "json":
            print(report.document("scan", the_plan, report.reports_json(reports, the_plan,
                                                                         args.list_files), every))
        elif args.format == "sarif":
            print(report.sarif([*report.limit_findings(reports, limits.LIMITS, the_plan.top), *every],
                               the_plan.top))
        else:
            style = report.style_for(sys.stdout)
            options = report.MapOptions(args.depth, args.top) if args.map else None
            report.emit(report.scan_text(reports, findings, the_plan, style, options, args.all),
                        style)
        return 1 if failed else 2 if unknown else 0

    return entry.guarded("snapshot-guard scan", work)


def fix(argv: Sequence[str]) -> int:
    parser = _parser("fix", "Append to each root's .amlignore the lines that bring it under the "
                            "limits and keep secrets, data and run folders out of its snapshot.")
    parser.add_argument("roots", nargs="*", metavar="ROOT", help="snapshot roots (same as --root)")
    plan.add_common_options(parser, default_source="both")
    parser.add_argument("--checks", type=_checks(FIXABLE), default=FIXABLE, metavar="LIST",
                        help=f"what to fix, comma-separated (default: {','.join(FIXABLE)})")
    parser.add_argument("--dry-run", action="store_true", help="say what would be added, change nothing")
    report.add_output_options(parser)
    args = parser.parse_args(argv)
    args.root = [*args.root, *args.roots]

    def work() -> int:
        the_plan = plan.make_plan(args)
        measured = [limits.measure(root, view, the_plan) for root in the_plan.roots
                    for view in the_plan.views]
        reports = limits.root_reports(the_plan, measured, fix=not args.dry_run, lint=False) \
            if "limits" in args.checks else []
        lines: dict[plan.RootSettings, list[str]] = {}
        for item in measured:
            lines.setdefault(item.settings, []).extend(_finding_lines(item, the_plan, args.checks))
        fixed = limits.fix_findings(lines, not args.dry_run)
        failing = [item for item in reports if item.fix is not None and not item.fix.passes]
        if args.format == "json":
            roots = [*report.reports_json(reports, the_plan),
                     *(report.root_json(item.settings, the_plan.top, None, item) for item in fixed)]
            print(report.document("fix", the_plan, roots, []))
        elif args.format == "sarif":
            print(report.sarif(report.limit_findings(failing, limits.LIMITS, the_plan.top),
                               the_plan.top))
        else:
            style = report.style_for(sys.stdout)
            report.emit(report.fix_text(reports, fixed, the_plan, args.dry_run), style)
        return 1 if failing else 0

    return entry.guarded("snapshot-guard fix", work)


def _finding_lines(measured: limits.Measured, the_plan: plan.Plan, checks: Sequence[str]) -> list[str]:
    """The ``.amlignore`` lines that keep the files other checks report out of the snapshot."""
    snapshot = measured.snapshot
    prefix = "" if snapshot.display == "." else snapshot.display + "/"
    uploaded = {item.path for item in snapshot.files}
    found: list[str] = []
    if "sensitive" in checks:
        from snapshot_guard import sensitive_files

        found += [sensitive_files.excluding_line(finding.path[len(prefix):])
                  for finding in sensitive_files.findings_for(snapshot, the_plan)
                  if finding.path.startswith(prefix) and finding.path[len(prefix):] in uploaded]
    if "outputs" in checks:
        from snapshot_guard import outputs_misuse

        found += [outputs_misuse.folder_line(finding.path[len(prefix):])
                  for finding in outputs_misuse.findings_for(snapshot, the_plan, analyse_code=False)
                  if finding.kind in outputs_misuse.FOLDER_KINDS and finding.path.startswith(prefix)]
    return found


# ---------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Explanation:
    path: str
    uploaded: bool
    counted: bool
    """Counted by azureml-core's size check (v1 counts a file its upload skips in a pruned folder)."""
    root: str | None
    sdk: str | None
    ignore_file: str | None
    line: int | None
    pattern: str | None
    text: str


def _rule_text(spec_path: str | None, rule: IgnoreRule, top: str) -> str:
    if rule.line == 0:
        return f"azure-ai-ml's own pattern {rule.pattern!r}"
    where = display_path(spec_path, top) if spec_path else "?"
    return f"{where}:{rule.line}: {rule.pattern}"


def explain_path(path: str, run: plan.Plan) -> Explanation:
    absolute = os.path.abspath(path)
    roots = [root for root in run.roots
             if absolute.startswith(root.path.rstrip(os.sep) + os.sep)]
    if not roots:
        return Explanation(path, False, False, None, None, None, None, None,
                           f"{path}: outside every snapshot root: not uploaded")
    root = max(roots, key=lambda item: len(item.path))
    spec = load_ignore(root.path, root.sdk)
    ignore_file = display_path(spec.path, run.top) if spec.path else None
    relative = os.path.relpath(absolute, root.path).replace(os.sep, "/")
    where = f"(SDK {root.sdk}, root {root.display})"

    def explained(uploaded: bool, counted: bool, rule: IgnoreRule | None, text: str) -> Explanation:
        return Explanation(path, uploaded, counted, root.display, root.sdk, ignore_file,
                           rule.line if rule else None, rule.pattern if rule else None, text)

    pruned = v1_pruned_folder(spec, relative) if root.sdk == "v1" else None
    if pruned is not None:
        folder, pruning = pruned
        decided = spec.decide(relative)
        counted = decided is None or not decided.excludes
        size_note = "; azureml-core's size check still counts it" if counted else ""
        return explained(False, counted, pruning, f"{path}: not uploaded {where}: its folder {folder} "
                         f"is excluded by {_rule_text(spec.path, pruning, run.top)}{size_note}")
    rule = spec.decide(relative)
    if rule is None:
        return explained(True, True, None, f"{path}: uploaded {where}: no pattern matches it")
    verdict = "not uploaded" if rule.excludes else "uploaded (re-included)"
    return explained(not rule.excludes, not rule.excludes, rule,
                     f"{path}: {verdict} {where}: {_rule_text(spec.path, rule, run.top)}")


def explain(argv: Sequence[str]) -> int:
    parser = _parser("explain", "Say whether each path is uploaded, and the ignore line that decides.")
    parser.add_argument("paths", nargs="+", metavar="PATH")
    plan.add_common_options(parser, default_source="worktree", limits=False, source=False)
    report.add_output_options(parser)
    args = parser.parse_args(argv)

    def work() -> int:
        the_plan = plan.make_plan(args)
        explained = [explain_path(path, the_plan) for path in args.paths]
        if args.format == "json":
            print(report.document("explain", the_plan, [], [], paths=[
                {key: value for key, value in dataclasses.asdict(item).items() if key != "text"}
                for item in explained]))
        elif args.format == "sarif":
            print(report.sarif([], the_plan.top))
        else:
            report.emit([printable(item.text) for item in explained])
        return 0

    return entry.guarded("snapshot-guard explain", work)


def roots(argv: Sequence[str]) -> int:
    parser = _parser("roots", "List the directories Azure ML jobs upload, found by reading the code "
                              "and the configuration.")
    parser.add_argument("path", nargs="?", default=".",
                        help="a folder inside the repository (default: the current folder)")
    report.add_output_options(parser)
    args = parser.parse_args(argv)

    def work() -> int:
        from snapshot_guard.discover import discover_roots
        from snapshot_guard.git import find_repo

        if not os.path.isdir(args.path):
            from snapshot_guard.errors import SnapshotInputError

            raise SnapshotInputError(f"{args.path}: not a folder")
        repo = find_repo(args.path)
        top = repo.top if repo is not None else os.path.abspath(args.path)
        declared = discover_roots(top)
        if args.format == "json":
            print(report.document("roots", None, report.declared_json(declared, top), []))
        elif args.format == "sarif":
            print(report.sarif([], top))
        else:
            report.emit(report.roots_text(declared, top, repo is not None))
        return 0

    return entry.guarded("snapshot-guard roots", work)


def lint(argv: Sequence[str]) -> int:
    from snapshot_guard.lint import lint_main

    return lint_main(argv)


COMMANDS: dict[str, tuple[Callable[[Sequence[str]], int], str]] = {
    "scan": (scan, "[ROOT...]    what each root uploads, against the limits, and what should not go"),
    "fix": (fix, "[ROOT...]     add the .amlignore lines that bring each root under the limits"),
    "explain": (explain, "PATH...   whether each path is uploaded, and the ignore line that decides"),
    "roots": (roots, "            the snapshot roots found in the code and the configuration"),
    "lint": (lint, "[ROOT...]    problems in the ignore files"),
}


def usage() -> str:
    lines = [f"usage: snapshot-guard {{{','.join(COMMANDS)}}} ... (each takes --help)"]
    lines += [f"  {name} {text}" for name, (_, text) in COMMANDS.items()]
    lines += ["  --version         snapshot-guard's version", "",
              "Every command takes --format text|json|sarif."]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] in (["-h"], ["--help"]):
        print(usage())
        return 0
    if arguments[:1] == ["--version"]:
        print(f"snapshot-guard {report.version()}")
        return 0
    if not arguments or arguments[0] not in COMMANDS:
        print(usage(), file=sys.stderr)
        if arguments:
            print(f"snapshot-guard: {printable(arguments[0])!r} is not a command", file=sys.stderr)
        return 2
    return COMMANDS[arguments[0]][0](arguments[1:])


if __name__ == "__main__":
    raise SystemExit(main())

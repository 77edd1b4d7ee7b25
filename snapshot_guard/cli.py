"""``snapshot-guard``: scan snapshot roots, explain a path's verdict, list roots, lint ignore files."""
from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from snapshot_guard import entry, limits, plan, report
from snapshot_guard.findings import Finding, display_path, printable
from snapshot_guard.ignore import IgnoreRule

CHECKS = ("limits", "sensitive", "outputs", "lint")


def _checks(text: str) -> tuple[str, ...]:
    chosen = tuple(word.strip() for word in text.split(",") if word.strip())
    unknown = [word for word in chosen if word not in CHECKS]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(f"{text!r}: choose among {', '.join(CHECKS)}")
    return chosen


def _findings(measured: limits.Measured, the_plan: plan.Plan, checks: tuple[str, ...]) -> list[Finding]:
    """The findings of the checks other than the limits (each imported only when it runs)."""
    snapshot = measured.snapshot
    found: list[Finding] = []
    if "sensitive" in checks:
        from snapshot_guard import sensitive_files

        found += sensitive_files.findings_for(snapshot, the_plan)
    if "outputs" in checks:
        from snapshot_guard import outputs_misuse

        found += outputs_misuse.findings_for(snapshot, the_plan)
    if "lint" in checks:
        from snapshot_guard.lint import lint_root

        found += lint_root(snapshot.root, snapshot.display, snapshot.sdk, the_plan.top, snapshot)
    return found


def scan(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="snapshot-guard scan",
                                     description="Report what a job would upload from each root.")
    parser.add_argument("roots", nargs="*", metavar="ROOT", help="snapshot roots (same as --root)")
    plan.add_common_options(parser, default_source="worktree")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--list-files", action="store_true", help="list every uploaded file (json)")
    parser.add_argument("--checks", type=_checks, default=CHECKS, metavar="LIST",
                        help=f"comma-separated checks to run (default: {','.join(CHECKS)}); the "
                             f"limits are always reported")
    args = parser.parse_args(argv)
    args.root = [*args.root, *args.roots]

    def work() -> int:
        the_plan = plan.make_plan(args)
        measured = [limits.measure(root, view, the_plan) for root in the_plan.roots
                    for view in the_plan.views]
        findings = {index: _findings(item, the_plan, args.checks) for index, item in enumerate(measured)}
        every = [finding for found in findings.values() for finding in found]
        failed = any(item.size.status == "fail" or item.count.status == "fail" for item in measured) \
            or any(finding.severity == "error" for finding in every)
        unknown = any(item.size.status == "unknown" for item in measured)
        if args.format == "json":
            print(report.scan_json(measured, every, the_plan, args.sdk, args.list_files))
        else:
            print("\n".join(report.scan_text(measured, findings, the_plan)))
        return 1 if failed else 2 if unknown else 0

    return entry.guarded("snapshot-guard scan", work)


def _rule_text(spec_path: str | None, rule: IgnoreRule, top: str) -> str:
    if rule.line == 0:
        return f"azure-ai-ml's own pattern {rule.pattern!r}"
    where = display_path(spec_path, top) if spec_path else "?"
    return f"{where}:{rule.line}: {rule.pattern}"


def explain_path(path: str, run: plan.Plan) -> str:
    absolute = os.path.abspath(path)
    roots = [root for root in run.roots
             if absolute.startswith(root.path.rstrip(os.sep) + os.sep)]
    if not roots:
        return f"{path}: outside every snapshot root: not uploaded"
    root = max(roots, key=lambda item: len(item.path))
    from snapshot_guard.ignore import load_ignore

    spec = load_ignore(root.path, root.sdk)
    relative = os.path.relpath(absolute, root.path).replace(os.sep, "/")
    where = f"(SDK {root.sdk}, root {root.display})"
    if root.sdk == "v1":
        parts = relative.split("/")
        for depth in range(1, len(parts)):
            folder = "/".join(parts[:depth])
            rule = spec.decide(folder)
            if rule is not None and rule.excludes:
                counted = spec.decide(relative)
                size_note = "" if counted is not None and counted.excludes else \
                    "; azureml-core's size check still counts it"
                return (f"{path}: not uploaded {where}: its folder {folder} is excluded by "
                        f"{_rule_text(spec.path, rule, run.top)}{size_note}")
    rule = spec.decide(relative)
    if rule is None:
        return f"{path}: uploaded {where}: no pattern matches it"
    verdict = "not uploaded" if rule.excludes else "uploaded (re-included)"
    return f"{path}: {verdict} {where}: {_rule_text(spec.path, rule, run.top)}"


def explain(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="snapshot-guard explain",
                                     description="Say whether each path is uploaded, and why.")
    parser.add_argument("paths", nargs="+", metavar="PATH")
    plan.add_common_options(parser, default_source="worktree", limits=False)
    args = parser.parse_args(argv)

    def work() -> int:
        the_plan = plan.make_plan(args)
        print("\n".join(printable(explain_path(path, the_plan)) for path in args.paths))
        return 0

    return entry.guarded("snapshot-guard explain", work)


USAGE = """\
usage: snapshot-guard {scan,explain,roots,lint} ...
  scan [ROOT...]    what each root uploads, against the limits, and what should not go
  explain PATH...   whether each path is uploaded, and the ignore line that decides
  roots             the snapshot roots found in the code and the configuration
  lint [ROOT...]    problems in the ignore files
  --version         snapshot-guard's version"""


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    commands = {"scan": scan, "explain": explain, "roots": _roots, "lint": _lint}
    if arguments[:1] in (["-h"], ["--help"]):
        print(USAGE)
        return 0
    if arguments[:1] == ["--version"]:
        print(f"snapshot-guard {version()}")
        return 0
    if not arguments or arguments[0] not in commands:
        print(USAGE, file=sys.stderr)
        return 2
    return commands[arguments[0]](arguments[1:])


def version() -> str:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed("snapshot-guard")
    except PackageNotFoundError:
        return "unknown (not installed)"


def _roots(argv: Sequence[str]) -> int:
    from snapshot_guard.discover import roots_main

    return roots_main(argv)


def _lint(argv: Sequence[str]) -> int:
    from snapshot_guard.lint import lint_main

    return lint_main(argv)


if __name__ == "__main__":
    raise SystemExit(main())

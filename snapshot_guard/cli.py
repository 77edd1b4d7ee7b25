"""``snapshot-guard``: scan snapshot roots, explain a path's verdict, list roots, lint ignore files."""
from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence

from snapshot_guard import limits, options
from snapshot_guard.errors import SnapshotInputError
from snapshot_guard.findings import Finding, display_path
from snapshot_guard.ignore import IgnoreRule
from snapshot_guard.snapshot import Snapshot, fill_origins

CHECKS = ("limits", "sensitive", "outputs", "lint")


def _checks(text: str) -> tuple[str, ...]:
    chosen = tuple(word.strip() for word in text.split(",") if word.strip())
    unknown = [word for word in chosen if word not in CHECKS]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(f"{text!r}: choose among {', '.join(CHECKS)}")
    return chosen


def _findings(snapshot: Snapshot, run: options.Run, checks: tuple[str, ...]) -> list[Finding]:
    """The findings of the checks other than the limits (each imported only when it runs)."""
    found: list[Finding] = []
    if "sensitive" in checks:
        from snapshot_guard import sensitive_files

        found += sensitive_files.findings_for(snapshot, run)
    if "outputs" in checks:
        from snapshot_guard import outputs_misuse

        found += outputs_misuse.findings_for(snapshot, run)
    if "lint" in checks:
        from snapshot_guard.lint import lint_root

        found += lint_root(snapshot.root, snapshot.display, snapshot.sdk, run.top, snapshot)
    return found


def _root_json(snapshot: Snapshot, root: options.RootSettings, verdicts: list[limits.Verdict],
               top: str, list_files: bool) -> dict[str, object]:
    ignore = snapshot.ignore.path
    entry: dict[str, object] = {
        "root": root.display,
        "sdk": snapshot.sdk,
        "source": snapshot.source,
        "ignore_file": None if ignore is None else display_path(ignore, top),
        "total_bytes": snapshot.total_bytes,
        "file_count": snapshot.file_count,
        "max_bytes": root.max_bytes,
        "max_files": root.max_files,
        "ok": all(verdict.status != "fail" for verdict in verdicts),
        "problems": snapshot.problems,
    }
    if list_files:
        fill_origins(snapshot)
        entry["files"] = [{"path": item.path, "size": item.size, "origin": item.origin}
                          for item in snapshot.files]
    return entry


def scan(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="snapshot-guard scan",
                                     description="Report what a job would upload from each root.")
    parser.add_argument("roots", nargs="*", metavar="ROOT", help="snapshot roots (same as --root)")
    options.add_common_options(parser, default_source="worktree")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--list-files", action="store_true", help="list every uploaded file (json)")
    parser.add_argument("--checks", type=_checks, default=CHECKS, metavar="LIST",
                        help=f"comma-separated checks to run (default: {','.join(CHECKS)}); the "
                             f"limits are always reported")
    args = parser.parse_args(argv)
    args.root = [*args.root, *args.roots]
    try:
        run = options.resolve_run(args)
        results = []
        for root in run.roots:
            for source in options.sources(run):
                snapshot = limits.take(root, source, run)
                verdicts = [limits.judge(snapshot, root, "size", run.warn_at),
                            limits.judge(snapshot, root, "count", run.warn_at)]
                results.append((root, snapshot, verdicts, _findings(snapshot, run, args.checks)))
    except SnapshotInputError as error:
        print(f"snapshot-guard: {error}", file=sys.stderr)
        return 2
    findings = [finding for *_, found in results for finding in found]
    failed = any(verdict.status == "fail" for _, _, verdicts, _ in results for verdict in verdicts)
    failed = failed or any(finding.severity == "error" for finding in findings)
    if args.format == "json":
        document = {
            "sdk": args.sdk or (run.roots[0].sdk if run.roots else "v1"),
            "source": run.source,
            "roots": [_root_json(snapshot, root, verdicts, run.top, args.list_files)
                      for root, snapshot, verdicts, _ in results],
            "findings": [finding.as_json() for finding in findings],
        }
        print(json.dumps(document, indent=2))
        return 1 if failed else 0
    for _, snapshot, verdicts, found in results:
        worst = "fail" if any(v.status == "fail" for v in verdicts) or any(
            f.severity == "error" for f in found) else max(v.status for v in verdicts)
        lines = limits.header("snapshot-guard scan", worst, snapshot, run.top)
        for verdict in verdicts:
            lines.extend(limits.report(verdict, run.top, None, run.declared))
        lines.extend(f"  {finding.as_text()}" for finding in found)
        print("\n".join(limits.printable(line) for line in lines))
    for note in run.notes:
        print(f"note: {limits.printable(note)}")
    return 1 if failed else 0


def _rule_text(spec_path: str | None, rule: IgnoreRule, top: str) -> str:
    if rule.line == 0:
        return f"azure-ai-ml's own pattern {rule.pattern!r}"
    where = display_path(spec_path, top) if spec_path else "?"
    return f"{where}:{rule.line}: {rule.pattern}"


def explain_path(path: str, run: options.Run) -> str:
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
    options.add_common_options(parser, default_source="worktree")
    args = parser.parse_args(argv)
    try:
        run = options.resolve_run(args)
        lines = [explain_path(path, run) for path in args.paths]
    except SnapshotInputError as error:
        print(f"snapshot-guard: {error}", file=sys.stderr)
        return 2
    print("\n".join(limits.printable(line) for line in lines))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    commands = {"scan": scan, "explain": explain, "roots": _roots, "lint": _lint}
    if not arguments or arguments[0] not in commands:
        print("usage: snapshot-guard {scan,explain,roots,lint} ...\n"
              "  scan [ROOT...]    what each root uploads, against the limits, and what should not go\n"
              "  explain PATH...   whether each path is uploaded, and the ignore line that decides\n"
              "  roots             the snapshot roots found in the code and the configuration\n"
              "  lint [ROOT...]    problems in the ignore files", file=sys.stderr)
        return 0 if arguments[:1] in (["-h"], ["--help"]) else 2
    return commands[arguments[0]](arguments[1:])


def _roots(argv: Sequence[str]) -> int:
    from snapshot_guard.discover import roots_main

    return roots_main(argv)


def _lint(argv: Sequence[str]) -> int:
    from snapshot_guard.lint import lint_main

    return lint_main(argv)


if __name__ == "__main__":
    raise SystemExit(main())

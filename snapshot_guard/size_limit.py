"""``snapshot-size-limit``: fail a commit that makes a snapshot root exceed Azure ML's 300 MiB size limit."""
from __future__ import annotations

import sys
from collections.abc import Sequence

from snapshot_guard import change, entry, git, plan, report
from snapshot_guard.limits import Limit, measure, root_reports

CHECK = "snapshot-size-limit"
FIX_HELP = ("append to each failing root's .amlignore the fewest lines that bring it under both "
            "limits (created with the .gitignore lines when missing); the hook still fails, so "
            "that you review and stage the change")


def main(argv: Sequence[str] | None = None) -> int:
    return check_limit(CHECK, "size", "Fail when a snapshot root would upload more than the size limit.",
                       argv)


def check_limit(check: str, limit: Limit, description: str, argv: Sequence[str] | None) -> int:
    """A limit hook: plan the roots the run touches, measure each view, report what does not pass
    (and with ``--fix``, fix it)."""
    parser = plan.hook_parser(check, description)
    report.add_output_options(parser, fix=FIX_HELP)
    args, filenames = plan.parse_hook_args(parser, sys.argv[1:] if argv is None else argv)

    def work() -> int:
        the_plan = plan.make_plan(args, filenames)
        on_disk = [root.display for root in the_plan.touched] if "worktree" in the_plan.views else []
        # Outside pre-commit, which stashes them, unstaged changes make the two views differ.
        unstaged = git.start_unstaged(the_plan.repo, [] if "." in on_disk else on_disk) \
            if the_plan.repo and on_disk else None
        measured = [measure(root, view, the_plan) for root in the_plan.touched
                    for view in the_plan.views]
        # A root over both limits gets its fix (and lint) from the size hook's report, printed and
        # computed once, when this commit's git hook has just run it with the same arguments.
        # Asked to --fix, or for JSON or SARIF, each hook gives its own.
        defer: Limit | None = "size" if limit == "count" and not args.fix and args.format == "text" \
            and change.runs_before(CHECK, check) else None
        reports = root_reports(the_plan, measured, (limit,), fix=args.fix, defer_to=defer)
        changed = git.unstaged(unstaged) if unstaged else []
        differ = [root for root in on_disk if any(
            root == "." or path == root or path.startswith(root + "/") for path in changed)]
        notes = [f"unstaged changes in {', '.join(differ)}: the folder on disk differs from what "
                 f"the commit holds"] if differ else []
        if check == CHECK and the_plan.unchecked:  # said once a run, by the size hook
            notes.append(the_plan.unchecked)
        lint = [finding for item in reports for finding in item.lint]
        if args.format == "json":
            print(report.document(check, the_plan, report.reports_json(reports, the_plan), lint,
                                  notes))
        elif args.format == "sarif":
            print(report.sarif([*report.limit_findings(reports, (limit,), the_plan.top), *lint],
                               the_plan.top))
        else:
            style = report.style_for(sys.stdout)
            report.emit(report.limit_text(check, limit, reports, the_plan, style, notes), style)
        statuses = [item.verdict(limit).status for item in measured]
        fixed = any(item.applied for item in reports)
        return 1 if "fail" in statuses or fixed else 2 if "unknown" in statuses else 0

    return entry.guarded(check, work)


if __name__ == "__main__":
    raise SystemExit(main())

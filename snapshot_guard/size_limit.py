"""``snapshot-size-limit``: fail a commit that makes a snapshot root exceed Azure ML's 300 MiB size limit."""
from __future__ import annotations

import sys
from collections.abc import Sequence

from snapshot_guard import entry, git, plan, report
from snapshot_guard.limits import Limit, measure

CHECK = "snapshot-size-limit"


def main(argv: Sequence[str] | None = None) -> int:
    return check_limit(CHECK, "size", "Fail when a snapshot root would upload more than the size limit.",
                       argv)


def check_limit(check: str, limit: Limit, description: str, argv: Sequence[str] | None) -> int:
    """A limit hook: plan the roots the run touches, measure each view, report what does not pass."""
    parser = plan.hook_parser(check, description)
    args, filenames = plan.parse_hook_args(parser, sys.argv[1:] if argv is None else argv)

    def work() -> int:
        the_plan = plan.make_plan(args, filenames)
        on_disk = [root.display for root in the_plan.touched] if "worktree" in the_plan.views else []
        # Outside pre-commit, which stashes them, unstaged changes make the two views differ.
        unstaged = git.start_unstaged(the_plan.repo, [] if "." in on_disk else on_disk) \
            if the_plan.repo and on_disk else None
        measured = [measure(root, view, the_plan) for root in the_plan.touched
                    for view in the_plan.views]
        lines = report.limit_report(check, limit, measured, the_plan)
        changed = git.unstaged(unstaged) if unstaged else []
        differ = [root for root in on_disk if any(
            root == "." or path == root or path.startswith(root + "/") for path in changed)]
        if differ:
            lines.append(f"{check}: note: unstaged changes in {', '.join(differ)}: the folder on "
                         f"disk differs from what the commit holds")
        if lines:
            print("\n".join(lines))
        statuses = [item.verdict(limit).status for item in measured]
        return 1 if "fail" in statuses else 2 if "unknown" in statuses else 0

    return entry.guarded(check, work)


if __name__ == "__main__":
    raise SystemExit(main())

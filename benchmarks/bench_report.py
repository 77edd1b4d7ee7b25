"""What a failing limit hook spends on its report, next to what it spends on the check.

Usage: ``python benchmarks/bench_report.py [REPO] [--repeat N]``

REPO defaults to a 100,000-file monorepo built by ``make_monorepo.py`` (built on first use, beside
this script's temporary folder), with a sparse 320 MB ``assets/weights/encoder.bin`` committed and
``roots: ["."]`` configured, so that the repository top is over both limits in both views (as in the
commit benchmark). For the size and the count hook, in this process, the best of ``--repeat`` runs
of each step of the hook's pipeline:

- ``plan``: options, configuration, roots;
- ``check``: both views measured (``limits.measure``), what the hook needs to decide pass or fail;
- ``fix + lint``: ``limits.root_reports``: the fix (chosen from the size map's tree, checked by
  measuring once more) and lint's findings on the ignore files (without the dead-pattern walk);
- ``render``: the text, size map included (what patterns remove, where files come from).

The report (``fix + lint`` and ``render``) should cost no more than the check.
"""
from __future__ import annotations

import argparse
import gc
import io
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import make_monorepo

from snapshot_guard import limits, plan, report, snapshot
from snapshot_guard.limits import Limit

WEIGHTS = "assets/weights/encoder.bin"


def prepare(top: str) -> None:
    """The monorepo, with its top over both limits (built once)."""
    if os.path.isdir(top):
        return
    make_monorepo.build(top, 100_000, 2024)
    os.makedirs(os.path.join(top, os.path.dirname(WEIGHTS)), exist_ok=True)
    with open(os.path.join(top, WEIGHTS), "wb") as handle:
        handle.truncate(320_000_000)
    with open(os.path.join(top, ".snapshot-guard.yaml"), "w") as handle:
        handle.write('roots: ["."]\n')
    for args in (["add", WEIGHTS, ".snapshot-guard.yaml"], ["commit", "-q", "-m", "over the limits"]):
        subprocess.run(["git", *args], cwd=top, check=True)


def run_once(limit: Limit) -> dict[str, float]:
    # A new process reads the index afresh; so does each run here.
    snapshot._LISTINGS.clear()
    snapshot._TREES.clear()
    check = "snapshot-size-limit" if limit == "size" else "snapshot-file-count"
    times = {}
    start = time.perf_counter()
    parser = plan.hook_parser(check, "")
    report.add_output_options(parser, fix="")
    args, names = plan.parse_hook_args(parser, [])
    the_plan = plan.make_plan(args, names)
    times["plan"] = time.perf_counter() - start
    start = time.perf_counter()
    measured = [limits.measure(root, view, the_plan) for root in the_plan.touched
                for view in the_plan.views]
    times["check"] = time.perf_counter() - start
    start = time.perf_counter()
    reports = limits.root_reports(the_plan, measured, (limit,))
    times["fix + lint"] = time.perf_counter() - start
    start = time.perf_counter()
    style = report.Style()
    report.emit(report.limit_text(check, limit, reports, the_plan, style), style, io.StringIO())
    times["render"] = time.perf_counter() - start
    return times


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repo", nargs="?", help="the monorepo (default: built in a temporary folder)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    top = os.path.abspath(args.repo or os.path.join(tempfile.gettempdir(), "snapshot-guard-report-bench"))
    prepare(top)
    os.chdir(top)
    gc.disable()  # as entry.guarded runs every command
    print(f"{top}: failing limit hooks, best of {args.repeat} (seconds)")
    print(f"{'hook':<22}{'plan':>8}{'check':>8}{'fix + lint':>12}{'render':>8}{'report':>8}")
    for limit in ("size", "count"):
        runs = [run_once(limit) for _ in range(args.repeat)]
        best = {key: min(run[key] for run in runs) for key in runs[0]}
        name = "snapshot-size-limit" if limit == "size" else "snapshot-file-count"
        print(f"{name:<22}{best['plan']:>8.2f}{best['check']:>8.2f}{best['fix + lint']:>12.2f}"
              f"{best['render']:>8.2f}{best['fix + lint'] + best['render']:>8.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

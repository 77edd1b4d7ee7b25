"""Each hook's own time, two versions side by side, on the 100,000-file monorepo.

Usage: ``python benchmarks/bench_hooks_ab.py BEFORE AFTER [--work DIR] [--repeat N] [--state pass,fail]``

BEFORE and AFTER are snapshot-guard checkouts (a ``git worktree add`` of a commit will do); each is
installed with pip into a clean virtual environment under ``--work``, as pre-commit installs a hook
repository (bytecode compiled, no editable install). The monorepo is ``bench_commit.py``'s, in the
state of a commit of one changed file (``EDITED`` staged): ``pass``, three small step folders
configured as roots, which pass; ``fail``, the top configured, over both limits.

The four hooks run one after another, as pre-commit runs them, and each hook of BEFORE is followed by
the same hook of AFTER, ``--repeat`` times: a machine that slows down or speeds up does so for both
alike, which a run of one version after the other does not give (``bench_commit.py --checkout``).
A hook learns what a run asks of it from the command line of the process that started it; here that
is a shell whose arguments read ``pre-commit hook-impl --config=.pre-commit-config.yaml
--hook-type=pre-commit``, and the monorepo has that configuration (the four hooks, in the README's
order), so each hook judges the staged change as it does under ``git commit``. The shell is part of
the time measured, for both.

Printed: per version, each hook's least and median wall time, and their sums.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bench_commit import BASE_TAG, EDITED, MAIN_SIZE, PASSING_ROOTS, SNAPSHOT_GUARD_HOOKS, git, monorepo

STATES = {"pass": PASSING_ROOTS, "fail": (".",)}
AS_PRE_COMMIT = ("pre-commit", "hook-impl", "--config=.pre-commit-config.yaml", "--hook-type=pre-commit")
PRE_COMMIT_CONFIG = "repos:\n- repo: https://example.invalid/snapshot-guard\n  rev: bench\n  hooks:\n" + \
    "".join(f"  - id: {hook}\n" for hook in SNAPSHOT_GUARD_HOOKS)
"""What the hooks read of the configuration of the git hook that starts them (the order of the
hooks, their arguments): the four hooks as the README installs them."""


def install(checkout: str, venv: str) -> str:
    """A clean virtual environment at ``venv`` with ``checkout`` installed; its ``bin`` folder."""
    subprocess.run([sys.executable, "-m", "venv", "--clear", venv], check=True)
    subprocess.run([os.path.join(venv, "bin", "pip"), "install", "--quiet", checkout], check=True)
    return os.path.join(venv, "bin")


def enter(top: str, roots: Sequence[str], attempt: str) -> None:
    """The monorepo as built, with ``roots`` configured and one more line in ``EDITED`` staged."""
    git(top, "checkout", "-q", "-f", "-B", "bench-ab", BASE_TAG)
    with open(os.path.join(top, ".snapshot-guard.yaml"), "w") as handle:
        handle.write("roots: [" + ", ".join(f'"{root}"' for root in roots) + "]\n")
    with open(os.path.join(top, ".pre-commit-config.yaml"), "w") as handle:
        handle.write(PRE_COMMIT_CONFIG)
    git(top, "add", ".snapshot-guard.yaml", ".pre-commit-config.yaml")
    git(top, "-c", "user.name=bench", "-c", "user.email=bench@example.invalid", "commit", "-q",
        "--no-verify", "-m", "bench configuration")
    with open(os.path.join(top, EDITED), "a") as handle:
        handle.write(f"# bench edit {attempt}\n")
    git(top, "add", EDITED)


def run_hook(bin_folder: str, hook: str, top: str, env: dict[str, str]) -> float:
    command = ['"$0"; true', os.path.join(bin_folder, hook), *AS_PRE_COMMIT]
    started = time.perf_counter()
    subprocess.run(["sh", "-c", *command], cwd=top, env=env, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - started


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", help="the snapshot-guard checkout measured first")
    parser.add_argument("after", help="the snapshot-guard checkout measured second")
    parser.add_argument("--work", default="/work/bench-work", help="where the monorepo and the venvs go")
    parser.add_argument("--repeat", type=int, default=15, help="runs of each hook of each version")
    parser.add_argument("--state", default="pass,fail", help="pass, fail or both (comma-separated)")
    args = parser.parse_args(argv)
    work = os.path.abspath(args.work)
    versions = {name: install(os.path.abspath(checkout), os.path.join(work, "ab-venvs", name))
                for name, checkout in (("before", args.before), ("after", args.after))}
    top = monorepo(work, MAIN_SIZE)
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    env["PRE_COMMIT"] = "1"
    for state in filter(None, args.state.split(",")):
        enter(top, STATES[state], state)
        times: dict[tuple[str, str], list[float]] = {(name, hook): [] for name in versions
                                                     for hook in SNAPSHOT_GUARD_HOOKS}
        for _ in range(args.repeat):
            for hook in SNAPSHOT_GUARD_HOOKS:
                for name, bin_folder in versions.items():
                    times[(name, hook)].append(run_hook(bin_folder, hook, top, env))
        print(f"{state}: {', '.join(SNAPSHOT_GUARD_HOOKS)} (seconds, {args.repeat} runs each)")
        for name in versions:
            least = [min(times[(name, hook)]) for hook in SNAPSHOT_GUARD_HOOKS]
            median = [statistics.median(times[(name, hook)]) for hook in SNAPSHOT_GUARD_HOOKS]
            print(f"  {name:6}  least {' '.join(f'{value:.3f}' for value in least)} = {sum(least):.3f}"
                  f"   median {' '.join(f'{value:.3f}' for value in median)} = {sum(median):.3f}")
    git(top, "checkout", "-q", "-f", BASE_TAG)
    git(top, "branch", "-q", "-D", "bench-ab")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

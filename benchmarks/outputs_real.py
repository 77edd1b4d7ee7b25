"""The write analysis of ``snapshot-outputs-misuse`` on real job code: every root discovery finds in
the given repositories, analysed as the hook analyses it, and with the command lines discovery
found for the root's jobs (as ``find_lost_writes(commands=...)`` takes them).

Prints each lost write found (file:line, the call, the path) and, with ``--base FILE``, which ones are
new against a previous run's JSON (``--json FILE`` writes one). A person reviews each finding: the
precision at warning level is the share of findings that are real lost writes. ``--top`` analyses,
instead, each repository's tracked files as one root with no command line known (what the hook does
when discovery finds no root): a stress test of what is judged when nothing says what a job runs.

    python benchmarks/outputs_real.py REPO... [--top] [--json FILE] [--base FILE]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import time
from collections.abc import Sequence

from snapshot_guard.discover import DeclaredRoot, discover_roots
from snapshot_guard.git import find_repo
from snapshot_guard.snapshot import take_snapshot
from snapshot_guard.writes import find_lost_writes


def _commands(declared: Sequence[DeclaredRoot], root: str) -> list[str] | None:
    """The command lines of the jobs that upload ``root``; None when one is not known."""
    found = [item.command for item in declared if item.root == root]
    return None if any(command is None for command in found) else [c for c in found if c]


def analyse_top(top: str) -> list[dict[str, object]]:
    """The tracked files of the repository as one root, no command line known."""
    top = os.path.abspath(top)
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=top, capture_output=True, check=True)
    files = [name for name in os.fsdecode(listed.stdout).split("\0")
             if name and os.path.isfile(os.path.join(top, name))]

    def read(relpath: str) -> bytes:
        with open(os.path.join(top, relpath), "rb") as handle:
            return handle.read()

    return [{"file": write.file, "line": write.line, "cell": write.cell, "call": write.call,
             "target": write.target, "through": write.through, "commands": False}
            for write in find_lost_writes(files, read).writes]


def analyse(top: str) -> list[dict[str, object]]:
    top = os.path.abspath(top)
    repo = find_repo(top)
    declared = discover_roots(top)
    findings: list[dict[str, object]] = []
    for root in sorted({item.root for item in declared if item.root is not None}):
        folder = os.path.join(top, root)
        if root.startswith("..") or not os.path.isdir(folder):
            continue
        snapshot = take_snapshot(folder, "v1", "worktree", repo)
        files = [item.path for item in snapshot.files]

        def read(relpath: str, folder: str = folder) -> bytes:
            with open(os.path.join(folder, relpath), "rb") as handle:
                return handle.read()

        commands = _commands(declared, root)
        for write in find_lost_writes(files, read, commands=commands).writes:
            where = write.file if root == "." else f"{root}/{write.file}"
            findings.append({"file": where, "line": write.line, "cell": write.cell,
                             "call": write.call, "target": write.target, "through": write.through,
                             "commands": commands is not None})
    unique = {json.dumps(item, sort_keys=True): item for item in findings}
    return sorted(unique.values(), key=lambda item: (str(item["file"]), int(str(item["line"]))))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repos", nargs="+")
    parser.add_argument("--json", help="write the findings here")
    parser.add_argument("--base", help="mark the findings not in this earlier --json output")
    parser.add_argument("--top", action="store_true",
                        help="each repository's tracked files as one root, no command line known")
    args = parser.parse_args()
    base: set[tuple[str, int, str]] = set()
    if args.base:
        with open(args.base, encoding="utf-8") as handle:
            base = {(f["file"], f["line"], f["target"]) for repo in json.load(handle).values()
                    for f in repo}
    results = {}
    for repo in args.repos:
        start = time.perf_counter()
        found = analyse_top(repo) if args.top else analyse(repo)
        results[os.path.basename(os.path.abspath(repo))] = found
        print(f"{repo}: {len(found)} lost writes ({time.perf_counter() - start:.1f} s)")
        for item in found:
            new = " NEW" if args.base and (item["file"], item["line"], item["target"]) not in base else ""
            cell = f" cell {item['cell']}" if item["cell"] else ""
            through = f" (through {item['through']})" if item["through"] else ""
            print(f"  {item['file']}:{item['line']}{cell}: {item['call']} writes {item['target']}"
                  f"{through}{new}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(results, handle, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

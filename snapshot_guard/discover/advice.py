"""What discovery tells a person: advice for a root over a limit that several pipeline steps or a
notebook upload, and the ``snapshot-guard roots`` command."""
from __future__ import annotations

import argparse
import json
import os
import posixpath
import sys
from collections.abc import Sequence

from snapshot_guard.discover.declared import DeclaredRoot
from snapshot_guard.discover.reuse import discover_roots
from snapshot_guard.git import find_repo

_PIPELINE_ADVICE = "Use a different subdirectory for each step"
_NOTEBOOK_ADVICE = (
    "Create a .amlignore file or move your notebook into a new, empty, subdirectory and run your "
    "code again"
)


def pipeline_advice(declared: list[DeclaredRoot], root_display: str) -> list[str]:
    """Lines for a root over or near a limit that two or more steps of one pipeline upload."""
    steps: dict[str, list[DeclaredRoot]] = {}
    for item in declared:
        # a load_component call repeats the step its component YAML declares
        if item.root == root_display and item.pipeline is not None and item.kind != "load_component":
            steps.setdefault(item.pipeline, []).append(item)
    lines = []
    for pipeline, items in sorted(steps.items()):
        places = sorted({_place(item) for item in items})
        if len(places) < 2:
            continue
        lines.append(
            f"{len(places)} steps of the pipeline in {pipeline} upload {root_display} "
            f"({', '.join(places)}), each its own copy: the Azure ML article advises "
            f"\"{_PIPELINE_ADVICE}\"; give each step a source folder with only its script and "
            f"what it imports"
        )
    return lines


def _place(item: DeclaredRoot) -> str:
    """``file:line``, and the call that gave the value when the declaration is a shared helper."""
    _, via, rest = item.how.partition(" via the call at ")
    return f"{item.file}:{item.line}" + (f" (called at {rest.split(',')[0]})" if via else "")


def notebook_advice(declared: list[DeclaredRoot], root_display: str) -> list[str]:
    """Lines for a root over or near a limit that is a notebook's own folder."""
    notebooks = sorted({
        item.file for item in declared
        if item.file.endswith(".ipynb") and item.root == root_display
        and (posixpath.dirname(item.file) or ".") == root_display
    })
    return [
        f"{notebook} snapshots its own folder {root_display}: the Azure ML article advises "
        f"\"{_NOTEBOOK_ADVICE}\""
        for notebook in notebooks
    ]


def roots_main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="snapshot-guard roots",
        description="List the directories Azure ML jobs upload, found by reading the repository.",
    )
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("path", nargs="?", default=".",
                        help="a folder inside the repository (default: the current directory)")
    args = parser.parse_args(argv)
    if not os.path.isdir(args.path):
        print(f"snapshot-guard roots: {args.path}: not a folder", file=sys.stderr)
        return 2
    repo = find_repo(args.path)
    top = repo.top if repo is not None else os.path.abspath(args.path)
    declared = discover_roots(top)
    if args.format == "json":
        keys = ("root", "file", "line", "kind", "sdk")
        roots = [{key: getattr(item, key) for key in keys} for item in declared]
        print(json.dumps({"roots": roots}, indent=2))
        return 0
    print(_roots_table(declared))
    return 0


def _roots_table(declared: list[DeclaredRoot]) -> str:
    if not declared:
        return "no snapshot roots found in the code: the root is the repository top (.)"
    rows = [("ROOT", "DECLARED AT", "KIND", "SDK", "HOW")] + [
        (item.root if item.root is not None else "(unresolved)", f"{item.file}:{item.line}",
         item.kind, item.sdk, item.how)
        for item in declared
    ]
    widths = [max(len(row[column]) for row in rows) for column in range(4)]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[4]
             for row in rows]
    distinct = {item.root for item in declared if item.root is not None}
    unresolved = sum(item.root is None for item in declared)
    lines.append(f"{len(distinct)} roots declared in {len(declared)} places"
                 + (f", {unresolved} unresolved: the hooks cannot check those; list them under "
                    f"roots: in .snapshot-guard.yaml" if unresolved else ""))
    return "\n".join(lines)

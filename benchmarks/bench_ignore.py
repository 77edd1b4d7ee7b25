"""How fast the ignore module builds a big ignore file and judges paths, and that it ends on any.

Generates (seeded) ignore files of 1,000, 10,000 and 50,000 lines shaped like the big ones people
keep: mostly literal paths (``/data/part_00001.csv``, ``raw/2021/x.bin``), ``*.ext`` lines, folder
names, some negations and a few real wildcards. Prints, for each SDK, the time of the first build
(and of a second build of the same lines), and of judging a sorted listing of 100,000 paths of a
monorepo-like tree; the same for 10,000 distinct wildcard lines. Then the pathological case of
issue 10 (the line ``a*a*a*a*a*a*a*a*b`` and a file named with 120 ``a``), in a child process
given ``--timeout`` seconds.

With ``--trees``, each real tree (a monorepo from ``make_monorepo.py``, a checkout) is judged cold,
as a hook's first walk judges it: every (folder, names) pair of the tree, links not followed, once
through ``exclusions_in`` of a newly built spec (the build included), under the tree's governing
ignore file and each ``--ignore-files`` file; then a work-tree ``take_snapshot`` of the tree under
each SDK, the first of its process (no spec built before). CPU time, the best of ``--repeat``.

    python benchmarks/bench_ignore.py [--seed N] [--timeout S] [--paths N] [--sizes N...]
        [--trees DIR...] [--ignore-files FILE...] [--repeat N] [--trees-only]

Run with another checkout's package first on ``PYTHONPATH`` to measure it the same way.
"""
from __future__ import annotations

import argparse
import functools
import os
import random
import subprocess
import sys
import time
from collections.abc import Callable
from typing import cast

import snapshot_guard.ignore as ignore
from snapshot_guard.errors import SDKS, Sdk
from snapshot_guard.snapshot import take_snapshot

_EXTENSIONS = ["csv", "parquet", "bin", "pt", "ckpt", "onnx", "npy", "npz", "h5", "pkl", "log",
               "tmp", "bak", "zip", "tar.gz", "jpg", "png", "mp4", "wav", "tfrecord", "arrow",
               "feather", "db", "sqlite", "pyc", "so", "o", "class", "jar", "whl", "egg", "swp"]
_FOLDERS = ["data", "raw", "processed", "models", "checkpoints", "logs", "outputs", "images",
            "cache", "tmp", "build", "dist", "node_modules", ".venv", "wandb", "mlruns"]
_WILDCARDS = ["data/part_*.tmp", "[Tt]emp*", "**/cache/*.pyc", "logs/**/*.log", "*~", ".#*",
              "checkpoints/epoch_[0-9]*.ckpt", "raw/*/unused_*", "*.py[cod]", "**/.ipynb_checkpoints"]


def ignore_lines(count: int, rng: random.Random) -> list[str]:
    """An ignore file of ``count`` lines, of the shapes of real big ones."""
    lines = []
    for number in range(count):
        draw = rng.random()
        folder = rng.choice(_FOLDERS)
        if draw < 0.45:
            lines.append(f"/{folder}/part_{number:05d}.{rng.choice(_EXTENSIONS)}")
        elif draw < 0.65:
            lines.append(f"{folder}/{rng.randrange(2000, 2025)}/file_{number}.bin")
        elif draw < 0.75:
            lines.append(f"*.{rng.choice(_EXTENSIONS)}")
        elif draw < 0.87:
            lines.append(f"{folder}_{number}/" if rng.random() < 0.5 else f"{folder}_{number}")
        elif draw < 0.95:
            lines.append(f"!/{folder}/part_{rng.randrange(count):05d}.csv")
        elif draw < 0.97:
            lines.append(f"# generated {number}")
        else:
            lines.append(rng.choice(_WILDCARDS))
    return [line + "\n" for line in lines]


def listing(count: int, rng: random.Random) -> list[str]:
    """A sorted listing of ``count`` paths of a monorepo-like tree."""
    paths: set[str] = set()
    while len(paths) < count:
        depth = rng.randrange(1, 6)
        parts = [rng.choice(_FOLDERS + [f"pkg{rng.randrange(300)}", "src", "tests"])
                 for _ in range(depth - 1)]
        name = f"part_{rng.randrange(60_000):05d}.{rng.choice(_EXTENSIONS + ['py'] * 10)}"
        paths.add("/".join([*parts, name]))
    return sorted(paths)


def seconds(action: Callable[[], object]) -> tuple[float, float]:
    """The wall-clock and CPU time of ``action()`` (CPU time: less noise on a busy machine)."""
    start, cpu = time.perf_counter(), time.process_time()
    action()
    return time.perf_counter() - start, time.process_time() - cpu


def tree_listing(top: str) -> list[tuple[str, list[str]]]:
    """Every folder below ``top`` (``""`` for ``top``, else ``a/b``; links not followed, ``.git``
    included) with the names in it: what a v1 size walk asks the ignore file."""
    listing = []
    for folder, folders, files in os.walk(top):
        relative = os.path.relpath(folder, top)
        listing.append(("" if relative == "." else relative.replace(os.sep, "/"), folders + files))
    return listing


def judge_tree(top: str, path: str, sdk_name: str) -> str:
    """Judging every pair of the tree with a spec built anew from the file at ``path`` (its rules
    compiled beforehand): CPU time and the number of names excluded."""
    sdk = cast(Sdk, sdk_name)
    listing = tree_listing(top)
    lines = ignore.read_lines(path, sdk)
    rules = ignore.compile_rules(lines, sdk, path)
    if sdk == "v2":
        rules += ignore.compile_rules(ignore.V2_EXTRA_PATTERNS, sdk, "azure-ai-ml", first_line=0)
    cpu = time.process_time()
    spec = ignore.IgnoreSpec(path, rules, sdk)
    excluded = sum(sum(spec.exclusions_in(folder, names)) for folder, names in listing)
    return f"{time.process_time() - cpu} {excluded:,} excluded"


def first_snapshot(top: str, sdk_name: str) -> str:
    """A work-tree ``take_snapshot`` of ``top``: CPU time, files and bytes."""
    cpu = time.process_time()
    taken = take_snapshot(top, cast(Sdk, sdk_name), "worktree", None)
    return f"{time.process_time() - cpu} {len(taken.files):,} files, {taken.total_bytes:,} bytes"


_CHILDREN: dict[str, Callable[..., str]] = {"judge": judge_tree, "snapshot": first_snapshot}


def in_child(repeat: int, *args: str) -> str:
    """The least CPU time of ``repeat`` child processes, each measuring once, cold (nothing of the
    ignore module built or remembered before), and what the measurement found."""
    env = {**os.environ, "PYTHONPATH": os.path.dirname(os.path.dirname(ignore.__file__))}
    runs = [subprocess.run([sys.executable, __file__, "--child", *args], env=env, check=True,
                           capture_output=True, text=True).stdout.split(" ", 1)
            for _ in range(repeat)]
    return f"{min(float(cpu) for cpu, _ in runs):.3f} s CPU ({runs[0][1].strip()})"


def trees(tops: list[str], ignore_files: list[str], repeat: int) -> None:
    for top in tops:
        listing = tree_listing(top)
        governing = ignore.governing_file(top)
        print(f"{top}: {len(listing):,} folders, {sum(len(names) for _, names in listing):,} names")
        for path in ([governing] if governing else []) + ignore_files:
            for sdk in SDKS:
                print(f"  cold judge, {os.path.basename(path)} ({sdk}): "
                      f"{in_child(repeat, 'judge', top, path, sdk)}")
        for sdk in SDKS:
            print(f"  first take_snapshot, work tree, {sdk}: {in_child(repeat, 'snapshot', top, sdk)}")


def pathological(timeout: float) -> str:
    """The issue-10 hang, in a child process: its time, or that it did not end in ``timeout``."""
    code = ("import sys, time; from snapshot_guard.ignore import spec_from_lines\n"
            "spec = spec_from_lines(['a*a*a*a*a*a*a*a*b\\n'], sys.argv[1], '/r/.amlignore')\n"
            "start = time.perf_counter(); spec.exclusions(['x/' + 'a' * 120, 'a' * 120 + 'b'])\n"
            "print(time.perf_counter() - start)")
    package = os.path.dirname(os.path.dirname(os.path.abspath(ignore.__file__)))
    env = {**os.environ, "PYTHONPATH": package}
    results = []
    for sdk in SDKS:
        try:
            done = subprocess.run([sys.executable, "-c", code, sdk], capture_output=True, text=True,
                                  timeout=timeout, env=env, check=True)
            results.append(f"{sdk} {float(done.stdout):.4f} s")
        except subprocess.TimeoutExpired:
            results.append(f"{sdk} not finished after {timeout:.0f} s")
    return ", ".join(results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--paths", type=int, default=100_000, help="paths judged per ignore file")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 50_000],
                        help="ignore-file lengths")
    parser.add_argument("--trees", nargs="*", default=[], help="real trees judged cold")
    parser.add_argument("--ignore-files", nargs="*", default=[],
                        help="ignore files also judged on each tree")
    parser.add_argument("--repeat", type=int, default=3, help="runs per tree measurement (best kept)")
    parser.add_argument("--trees-only", action="store_true", help="only the --trees measurements")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(_CHILDREN[args.child[0]](*args.child[1:]))
        return
    print(f"snapshot_guard from {os.path.dirname(ignore.__file__)}")
    trees(args.trees, args.ignore_files, args.repeat)
    if args.trees_only:
        return
    paths = listing(args.paths, random.Random(args.seed))
    for count in args.sizes:
        lines = ignore_lines(count, random.Random(args.seed + count))
        for sdk in SDKS:
            build = functools.partial(ignore.spec_from_lines, lines, sdk, "/r/.amlignore")
            built, again = seconds(build), seconds(build)
            spec = build()
            judged = seconds(functools.partial(spec.exclusions, paths))
            print(f"{count:>6} lines {sdk}: build {built[0]:.3f} s ({built[1]:.3f} s CPU), "
                  f"again {again[0]:.3f} s; judge {len(paths):,} paths {judged[0]:.3f} s "
                  f"({judged[1]:.3f} s CPU, {sum(spec.exclusions(paths))} excluded)")
    wildcards = [f"run_{number}_*.tmp\n" for number in range(5_000)] + \
        [f"logs/{number}/**/*.log\n" for number in range(5_000)]
    for sdk in SDKS:
        build = functools.partial(ignore.spec_from_lines, wildcards, sdk, "/r/.amlignore")
        built = seconds(build)
        judged = seconds(functools.partial(build().exclusions, paths))
        print(f"10,000 distinct wildcard lines {sdk}: build {built[0]:.3f} s ({built[1]:.3f} s CPU); "
              f"judge {len(paths):,} paths {judged[0]:.3f} s ({judged[1]:.3f} s CPU)")
    print(f"pathological a*a*a*a*a*a*a*a*b on 120 'a': {pathological(args.timeout)}")


if __name__ == "__main__":
    main()

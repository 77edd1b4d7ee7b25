"""How fast the ignore module builds a big ignore file and judges paths, and that it ends on any.

Generates (seeded) ignore files of 1,000, 10,000 and 50,000 lines shaped like the big ones people
keep: mostly literal paths (``/data/part_00001.csv``, ``raw/2021/x.bin``), ``*.ext`` lines, folder
names, some negations and a few real wildcards. Prints, for each SDK, the time of the first build
(and of a second build of the same lines), and of judging a sorted listing of 100,000 paths of a
monorepo-like tree; the same for 10,000 distinct wildcard lines. Then the pathological case of
issue 10 (the line ``a*a*a*a*a*a*a*a*b`` and a file named with 120 ``a``), in a child process
given ``--timeout`` seconds.

    python benchmarks/bench_ignore.py [--seed N] [--timeout S] [--paths N] [--sizes N...]

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

import snapshot_guard.ignore as ignore
from snapshot_guard.errors import SDKS

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
    args = parser.parse_args()
    print(f"snapshot_guard from {os.path.dirname(ignore.__file__)}")
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

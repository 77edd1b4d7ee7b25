"""Build a seeded synthetic ML monorepo: 100,000 committed files and a 53-line ``.amlignore``.

Usage: ``python benchmarks/make_monorepo.py DIR [--files N] [--seed S]``

Layout: ``src/`` packages, ``pipelines/steps/`` (each step a source directory of its own),
``notebooks/`` with committed ``.ipynb_checkpoints``, ``tests/``, ``docs/``, ``configs/``, vendored
``third_party/`` and ``frontend/node_modules/`` trees, small sample data, and a few committed model
files. Beside the committed files sit what a working checkout accumulates and git ignores: downloaded
``data/``, ``outputs/`` and ``checkpoints/`` of local runs, ``mlruns/``, a ``.venv``. Large files are
sparse (their sizes are real, their disk use is not). Committed with one ``git add -A`` and repacked,
as a clone would be (``--loose`` keeps the ~224,000 loose objects a fresh commit leaves, which
every SDK walk of the top then visits: .git is an ordinary folder to them).
"""
from __future__ import annotations

import argparse
import os
import random
import subprocess
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

AMLIGNORE = """\
# Azure ML uploads this folder as the job's snapshot: keep it small.
.git
.github/
.vscode/
.idea/
.ipynb_checkpoints
__pycache__/
*.py[cod]
*.egg-info/
.pytest_cache/
.mypy_cache/
.ruff_cache/
.tox/
.venv/
venv/
build/
dist/
node_modules/
frontend/
third_party/js/
third_party/**/tests/
docs/
*.md
!README.md
data/
!data/schema/
datasets/
*.csv
*.parquet
*.tfrecord
*.h5
*.ckpt
*.pt
*.pth
*.onnx
*.safetensors
checkpoints/
outputs/
logs/
mlruns/
wandb/
azureml-logs/
.azureml/
azureml-setup/
notebooks/**/*.ipynb
!notebooks/templates/*.ipynb
**/fixtures/*.json
*.log
*.tmp
[Tt]humbs.db
.DS_Store
/scratch
!configs/**/*.yaml
"""

GITIGNORE = """\
__pycache__/
*.py[cod]
.venv/
data/
outputs/
checkpoints/
mlruns/
wandb/
logs/
*.log
.DS_Store
"""


@dataclass(frozen=True)
class Entry:
    path: str
    size: int
    sparse: bool = False


def committed(rng: random.Random, count: int) -> Iterator[Entry]:
    """``count`` committed files, in proportions of a real ML monorepo."""
    made = 0

    def take(entries: Iterator[Entry]) -> Iterator[Entry]:
        nonlocal made
        for entry in entries:
            if made == count:
                return
            made += 1
            yield entry

    def text(low: int = 200, high: int = 20_000) -> int:
        return int(rng.lognormvariate(7.5, 1.0)) % (high - low) + low

    def source() -> Iterator[Entry]:
        for pkg in range(30):
            yield Entry(f"src/pkg_{pkg:02d}/__init__.py", 64)
            for mod in range(99):
                yield Entry(f"src/pkg_{pkg:02d}/module_{mod:03d}.py", text())
        for step in range(250):
            base = f"pipelines/steps/step_{step:03d}"
            for name in ("step.py", "component.yaml", "requirements.txt", "README.md",
                         "conda.yaml", "tests/test_step.py", "tests/fixtures/input.json",
                         ".amlignore"):
                yield Entry(f"{base}/{name}", text(50, 4000))
        for area in range(25):
            for nb in range(20):
                name = f"notebooks/area_{area:02d}/analysis_{nb:02d}.ipynb"
                yield Entry(name, text(2000, 400_000))
                yield Entry(name.replace("analysis_", ".ipynb_checkpoints/analysis_")
                            .replace(".ipynb", "-checkpoint.ipynb"), text(2000, 400_000))
        for index in range(4000):
            yield Entry(f"tests/unit/group_{index // 100:02d}/test_{index:04d}.py", text())
        for index in range(5000):
            suffix = ".png" if index % 5 == 0 else ".md"
            yield Entry(f"docs/section_{index // 250:02d}/page_{index:04d}{suffix}", text(500, 90_000))
        for index in range(1000):
            yield Entry(f"configs/env_{index // 100}/config_{index:03d}.yaml", text(100, 3000))
        for index in range(3000):
            suffix = (".csv", ".json", ".parquet")[index % 3]
            yield Entry(f"assets/samples/batch_{index // 300:02d}/sample_{index:04d}{suffix}",
                        text(1000, 200_000))
        for index in range(3):
            yield Entry(f"models/baseline_{index}.onnx", 120_000_000 + index * 7_000_001, True)
        yield Entry("README.md", 4000)
        yield Entry("setup.cfg", 900)
        yield Entry(".github/workflows/ci.yml", 1500)

    def vendored() -> Iterator[Entry]:
        for pkg in range(1000):
            base = f"third_party/{'js' if pkg % 3 == 0 else 'py'}/lib_{pkg:04d}"
            for index in range(60):
                kind = "tests/test_" if index % 10 == 9 else "src/mod_"
                yield Entry(f"{base}/{kind}{index:02d}.{'js' if pkg % 3 == 0 else 'py'}", text())
        for pkg in range(2000):
            base = f"frontend/node_modules/pkg_{pkg:04d}"
            for name in ("package.json", "index.js", "README.md", "LICENSE", "lib/a.js",
                         "lib/b.js", "lib/c.js", "dist/bundle.js", "dist/bundle.min.js",
                         "types/index.d.ts"):
                yield Entry(f"{base}/{name}", text(100, 50_000))
        for index in range(count):
            yield Entry(f"third_party/misc/chunk_{index // 500:03d}/file_{index:05d}.txt", text())

    yield from take(source())
    yield from take(vendored())


def uncommitted(rng: random.Random) -> Iterator[Entry]:
    """What a working checkout accumulates next to the committed files, all of it git-ignored."""
    for index in range(40):
        yield Entry(f"data/raw/part_{index:03d}.parquet", rng.randrange(20, 90) * 1_000_000, True)
    for index in range(200):
        yield Entry(f"data/interim/shard_{index:03d}.csv", rng.randrange(10_000, 900_000))
    for run in range(30):
        yield Entry(f"outputs/run_{run:02d}/model.pt", rng.randrange(50, 400) * 1_000_000, True)
        for index in range(20):
            yield Entry(f"outputs/run_{run:02d}/metrics_{index:02d}.json", rng.randrange(100, 5000))
    for index in range(10):
        yield Entry(f"checkpoints/epoch_{index:02d}.ckpt", 250_000_000, True)
    for index in range(2000):
        yield Entry(f"mlruns/0/run_{index // 20:03d}/metrics/m_{index:04d}", rng.randrange(50, 900))
    for index in range(5000):
        yield Entry(f".venv/lib/python3.11/site-packages/pkg_{index // 50:03d}/m_{index:04d}.py",
                    rng.randrange(200, 30_000))
    for index in range(300):
        yield Entry(f"src/pkg_{index % 30:02d}/__pycache__/module_{index:03d}.cpython-311.pyc",
                    rng.randrange(500, 40_000))


def write(top: str, entry: Entry, rng: random.Random) -> None:
    path = os.path.join(top, entry.path)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as handle:
        if entry.sparse:
            handle.write(rng.randbytes(64))
            handle.truncate(entry.size)
        else:
            line = f"# {entry.path} {rng.random()}\n".encode()
            handle.write((line * (entry.size // len(line) + 1))[: entry.size])


def git(top: str, *args: str) -> None:
    subprocess.run(["git", *args], cwd=top, check=True, stdout=subprocess.DEVNULL)


def build(top: str, files: int, seed: int, repack: bool = True) -> None:
    rng = random.Random(seed)
    os.makedirs(top, exist_ok=False)
    git(top, "init", "-q", "-b", "main")
    for key, value in (("user.name", "Bench"), ("user.email", "bench@example.invalid"),
                       ("commit.gpgsign", "false"), ("core.bigFileThreshold", "1m")):
        git(top, "config", key, value)
    with open(os.path.join(top, ".amlignore"), "w") as handle:
        handle.write(AMLIGNORE)
    with open(os.path.join(top, ".gitignore"), "w") as handle:
        handle.write(GITIGNORE)
    for entry in committed(rng, files - 2):
        write(top, entry, rng)
    git(top, "add", "-A")
    git(top, "commit", "-q", "-m", "Synthetic ML monorepo")
    if repack:
        git(top, "repack", "-a", "-d", "-q")
        git(top, "prune-packed")
    for entry in uncommitted(rng):
        write(top, entry, rng)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", help="where to build it (must not exist)")
    parser.add_argument("--files", type=int, default=100_000, help="committed files (default 100000)")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--loose", action="store_true",
                        help="leave git's objects loose, as right after a big commit (default: packed, "
                             "as in a clone)")
    args = parser.parse_args(argv)
    build(os.path.abspath(args.directory), args.files, args.seed, repack=not args.loose)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

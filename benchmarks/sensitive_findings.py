"""Every finding of the sensitive-files detector on a set of files, one JSON line a file: to show that a
change to the detector changes no finding (run it before and after, and diff the outputs).

    python benchmarks/sensitive_findings.py OUT.jsonl [--checkout DIR] [--seeds 1,2,3]
                                            [--folder DIR ...] [--max-read SIZE] [--data-threshold SIZE]

The files: every case of every part of :mod:`sensitive_corpus` (positives and negatives, whole, not
sampled) for each of ``--seeds``, and every file under each ``--folder`` (``.git`` left out). Each is
scanned with :func:`snapshot_guard.sensitive.scan_file` as the hook scans it (its path relative to
the folder or the corpus case). ``--checkout`` imports ``snapshot_guard`` from another checkout (the
code before a change); the corpus always comes from this one.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import random
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent


def files_under(folder: Path) -> Iterator[tuple[Path, str]]:
    for dirpath, dirnames, names in os.walk(folder):
        dirnames[:] = sorted(name for name in dirnames if name != ".git")
        for name in sorted(names):
            path = Path(dirpath) / name
            if path.is_file() and not path.is_symlink():
                yield path, path.relative_to(folder).as_posix()


def folder_files(folder: Path) -> Iterator[tuple[str, Path, str]]:
    for path, relpath in files_under(folder):
        yield str(folder), path, relpath


def corpus_files(scratch: Path, seeds: list[int]) -> Iterator[tuple[str, Path, str]]:
    import sensitive_corpus as corpus

    for part in corpus.PARTS:
        for seed in seeds:
            found, clean = corpus.cases(corpus.Values(random.Random(seed)), part)
            for label, items in (("found", found), ("clean", clean)):
                base = scratch / f"{part}-{seed}" / label
                for relpath, _, content in items:
                    corpus._write(base / relpath, content)
                for path, relpath in files_under(base):
                    yield f"corpus {part} seed {seed} {label}", path, relpath


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--checkout", type=Path, default=HERE.parent)
    parser.add_argument("--seeds", default="1,2,3")
    parser.add_argument("--folder", type=Path, action="append", default=[])
    parser.add_argument("--no-corpus", action="store_true")
    parser.add_argument("--max-read", type=int)
    parser.add_argument("--data-threshold", type=int)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(HERE))
    sys.path.insert(0, str(args.checkout.resolve()))
    from snapshot_guard import sensitive

    defaults = sensitive.ScanSettings()
    settings = sensitive.ScanSettings(
        data_threshold=defaults.data_threshold if args.data_threshold is None else args.data_threshold,
        max_read=defaults.max_read if args.max_read is None else args.max_read,
    )
    print(f"snapshot_guard from {sensitive.__file__}, {settings}", file=sys.stderr)
    files = found = 0
    with tempfile.TemporaryDirectory() as scratch, args.out.open("w") as out:
        sources = [folder_files(folder) for folder in args.folder]
        if not args.no_corpus:
            sources.insert(0, corpus_files(Path(scratch), [int(seed) for seed in args.seeds.split(",")]))
        for source in sources:
            for origin, path, relpath in source:
                detections = sensitive.scan_file(str(path), relpath, path.stat().st_size, settings)
                files += 1
                found += len(detections)
                if detections:
                    out.write(
                        json.dumps(
                            {
                                "set": origin,
                                "path": relpath,
                                "detections": [dataclasses.asdict(item) for item in detections],
                            }
                        )
                        + "\n"
                    )
    print(f"{files} files, {found} detections", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

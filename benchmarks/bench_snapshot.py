"""How fast snapshot-guard judges a 100,000-file monorepo, next to the floor and the tools it replaces.

Usage: ``python benchmarks/bench_snapshot.py [REPO] [--repeat N]``

REPO defaults to a monorepo built by ``make_monorepo.py`` (built on first use). Prints, side by side:

- the floor: ``git ls-files --stage`` plus ``git cat-file --batch-check`` of every staged blob (the
  processes alone, their output read), and the fastest floor, where cat-file buffers its output
  (``--buffer``, as snapshot-guard runs it);
- ``snapshot-size-limit --source index`` (a fresh process, as pre-commit starts it);
- pre-commit-hooks' ``check-added-large-files --enforce-all`` over every tracked file, split into
  command lines and run concurrently exactly as pre-commit does (``pre_commit.xargs``);
- both hooks under ``pre-commit run HOOK --all-files`` (``language: system``, the manifest's
  ``require_serial``), where pre-commit starts a hook once per command line of file names;
- pathspec 0.12.1 ``match_file`` over the tracked paths (the per-path matching cost);
- the worktree view under v1 and v2, as the hook runs it (``snapshot-size-limit --source worktree``)
  and as ``snapshot-guard scan --source worktree --checks limits`` reports it, against azureml-core's
  size walk
  (``get_directory_size``) and azure-ai-ml's upload walk (``get_upload_files_from_folder``) of the
  same root; scan's totals must be identical to the SDKs' (exit 1 when they are not).

Every measurement is the best of ``--repeat`` runs. The SDK walks are timed in this process after
their imports. The hooks run as pre-commit runs them: from a virtual environment of their own
(``hooks-venv`` beside REPO) where pip installed this checkout and pre-commit-hooks, so their
times include starting Python and importing from bytecode.
"""
from __future__ import annotations

import argparse
import functools
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from typing import TypeVar

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import make_monorepo

T = TypeVar("T")
DEFAULT_REPO = "/tmp/snapshot-guard-bench/monorepo"


def timed(action: Callable[[], T], repeat: int) -> tuple[float, T]:
    """Best wall time of ``repeat`` runs, and the last result."""
    best = float("inf")
    result: T
    for _ in range(repeat):
        start = time.perf_counter()
        result = action()
        best = min(best, time.perf_counter() - start)
    return best, result


def run(
    args: Sequence[str], cwd: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(list(args), cwd=cwd, capture_output=True, check=False,
                          env={**os.environ, **(env or {})})


def staged(top: str) -> list[tuple[str, str]]:
    """(object id, path) of every staged entry."""
    records = run(["git", "ls-files", "--stage", "-z"], top).stdout.split(b"\0")
    entries = []
    for record in filter(None, records):
        info, _, path = record.partition(b"\t")
        entries.append((info.split(b" ")[1].decode(), os.fsdecode(path)))
    return entries


def list_stage(top: str) -> int:
    """``git ls-files --stage``, its output read: the first half of the floor."""
    return len(run(["git", "ls-files", "--stage", "-z"], top).stdout)


def blob_sizes(top: str, object_ids: list[str], *options: str) -> int:
    result = subprocess.run(
        ["git", "cat-file", "--batch-check=%(objectsize)", *options], cwd=top, capture_output=True,
        input="\n".join(object_ids).encode() + b"\n", check=True,
    )
    return sum(int(line) for line in result.stdout.split())


def install_hooks(folder: str) -> str:
    """A virtual environment with snapshot-guard (this checkout) and pre-commit-hooks installed as
    pre-commit installs a hook repository: ``pip install``, so from bytecode pip compiled and
    beside nothing else (a development environment's many packages slow every start). Its
    ``bin`` folder."""
    checkout = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    python = os.path.join(folder, "bin", "python")
    if not os.path.exists(python):
        subprocess.run([sys.executable, "-m", "venv", folder], check=True)
        subprocess.run([python, "-m", "pip", "install", "--quiet", "pre-commit-hooks", checkout],
                       check=True)
    subprocess.run([python, "-m", "pip", "install", "--quiet", "--force-reinstall", "--no-deps",
                    checkout], check=True)
    return os.path.dirname(python)


def script(bin_dir: str, name: str) -> str:
    return os.path.join(bin_dir, name)


def check_added_large_files(bin_dir: str, top: str, paths: list[str]) -> int:
    from pre_commit.xargs import cpu_count, xargs  # type: ignore[import-untyped]

    command = (script(bin_dir, "check-added-large-files"), "--enforce-all")
    cwd = os.getcwd()
    os.chdir(top)
    try:
        code, _ = xargs(command, paths, target_concurrency=cpu_count())
    finally:
        os.chdir(cwd)
    return int(code)


PRE_COMMIT_CONFIG = """\
repos:
- repo: local
  hooks:
  - id: check-added-large-files
    name: check-added-large-files
    entry: {large} --enforce-all
    language: system
  - id: snapshot-size-limit
    name: snapshot-size-limit
    entry: {python} -m snapshot_guard.size_limit --source index --root {top}
    language: system
    require_serial: true
"""


def pre_commit_all_files(bin_dir: str, top: str, hook: str) -> int:
    """``pre-commit run HOOK --all-files``: pre-commit splits the 100,000 names into command lines
    (``pre_commit.xargs``) and starts the hook once per line, as it does for the hook manifest."""
    with tempfile.TemporaryDirectory() as scratch:
        config = os.path.join(scratch, "pre-commit-config.yaml")
        with open(config, "w") as handle:
            handle.write(PRE_COMMIT_CONFIG.format(
                large=script(bin_dir, "check-added-large-files"), python=script(bin_dir, "python"),
                top=top))
        result = run([sys.executable, "-m", "pre_commit", "run", "-c", config, "--all-files", hook],
                     top, {"PRE_COMMIT_HOME": os.path.join(scratch, "home")})
    return result.returncode


def scan_command(executable: str, top: str, sdk: str, source: str = "worktree") -> list[str]:
    """``snapshot-guard scan --checks limits`` of the root ``top``, as JSON."""
    return [executable, "scan", "--source", source, "--sdk", sdk, "--format", "json", "--checks",
            "limits", "--root", top]


def scan(bin_dir: str, top: str, sdk: str) -> dict[str, object]:
    result = run(scan_command(script(bin_dir, "snapshot-guard"), top, sdk), top)
    if result.returncode not in (0, 1):
        raise SystemExit(f"snapshot-guard scan failed: {result.stderr.decode().strip()}")
    root: dict[str, object] = json.loads(result.stdout)["roots"][0]
    return root


def v1_size_walk(top: str) -> int:
    from azureml._file_utils.file_utils import get_directory_size
    from azureml._project.ignore_file import get_project_ignore_file

    exclude = get_project_ignore_file(top).is_file_excluded
    total: int = get_directory_size(top, size_limit=None, exclude_function=exclude)
    return total


def v2_upload_walk(top: str) -> list[tuple[str, str]]:
    from azure.ai.ml._utils._asset_utils import get_upload_files_from_folder
    from azure.ai.ml.entities._component.code import ComponentIgnoreFile

    pairs: list[tuple[str, str]] = get_upload_files_from_folder(
        top, ignore_file=ComponentIgnoreFile(top)
    )
    return pairs


def list_every_folder(top: str) -> int:
    """``os.scandir`` of every folder, nothing else: what any walk of the tree costs at least."""
    entries, folders = 0, [top]
    while folders:
        with os.scandir(folders.pop()) as listing:
            for entry in listing:
                entries += 1
                if entry.is_dir(follow_symlinks=False):
                    folders.append(entry.path)
    return entries


def pathspec_match(top: str, paths: list[str]) -> int:
    import pathspec

    with open(os.path.join(top, ".amlignore")) as handle:
        spec = pathspec.PathSpec.from_lines("gitwildmatch", handle)
    return sum(1 for path in paths if spec.match_file(path))


Row = tuple[str, float, str]


def worktree_rows(bin_dir: str, top: str, sdk: str, repeat: int) -> tuple[list[Row], bool]:
    """The worktree view under ``sdk``: the hook, scan, and the SDK's own walk; totals identical?"""
    hook = [script(bin_dir, "snapshot-size-limit"), "--source", "worktree", "--sdk", sdk,
            "--root", top]
    hook_time, hooked = timed(lambda: run(hook, top), repeat)
    scan_time, scanned = timed(lambda: scan(bin_dir, top, sdk), repeat)
    if sdk == "v1":
        target, name = 5, "azureml-core get_directory_size"
        sdk_time, sdk_total = timed(lambda: v1_size_walk(top), repeat)
        same = scanned["total_bytes"] == sdk_total
        sdk_note = f"total {sdk_total}"
    else:
        target, name = 10, "azure-ai-ml get_upload_files_from_folder"
        sdk_time, pairs = timed(lambda: v2_upload_walk(top), repeat)
        sdk_total = sum(os.path.getsize(local) for local, _ in pairs)
        same = scanned["total_bytes"] == sdk_total and scanned["file_count"] == len(pairs)
        sdk_note = f"total {sdk_total}, {len(pairs)} files"
    rows = [
        (f"snapshot-guard scan --source worktree --sdk {sdk}", scan_time,
         f"total {scanned['total_bytes']}, {scanned['file_count']} files; "
         f"SDK walk is {sdk_time / scan_time:.1f}x slower (target >= {target}x)"),
        (f"snapshot-size-limit --source worktree --sdk {sdk}", hook_time,
         f"SDK walk is {sdk_time / hook_time:.1f}x slower; outside pre-commit it also asks "
         f"git diff for unstaged changes, exit {hooked.returncode}"),
        (name, sdk_time, f"{sdk_note} ({'identical' if same else 'DIFFERENT'})"),
    ]
    return rows, same


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repo", nargs="?", default=DEFAULT_REPO)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each fast measurement (best)")
    args = parser.parse_args(argv)
    top = os.path.abspath(args.repo)
    if not os.path.exists(top):
        print(f"building {top} ...", file=sys.stderr)
        make_monorepo.build(top, 100_000, 2024)
    bin_dir = install_hooks(os.path.join(os.path.dirname(top), "hooks-venv"))
    for _ in os.walk(top):  # warm the file system caches for every walk alike
        pass
    import azure.ai.ml.entities._component.code  # noqa: F401  (imports are not timed)
    import azureml._file_utils.file_utils  # noqa: F401

    rows: list[Row] = []
    entries = staged(top)
    ids = [object_id for object_id, _ in entries]
    paths = [path for _, path in entries]
    ls_time, _ = timed(lambda: list_stage(top), args.repeat)
    cat_time, staged_bytes = timed(lambda: blob_sizes(top, ids), args.repeat)
    buffered_time, _ = timed(lambda: blob_sizes(top, ids, "--buffer"), args.repeat)
    floor, fastest = ls_time + cat_time, ls_time + buffered_time
    rows += [("git ls-files --stage", ls_time, f"{len(entries)} entries"),
             ("git cat-file --batch-check (every blob)", cat_time, f"{staged_bytes} bytes staged"),
             ("  the same with --buffer", buffered_time, ""),
             ("floor (ls-files + cat-file)", floor, "1.0x floor"),
             ("fastest floor (ls-files + cat-file --buffer)", fastest, "")]

    hook = [script(bin_dir, "snapshot-size-limit"), "--source", "index", "--root", top]
    index_time, index_run = timed(lambda: run(hook, top), args.repeat)
    rows.append(("snapshot-size-limit --source index", index_time,
                 f"{index_time / floor:.1f}x floor (target <= 2x), {index_time / fastest:.1f}x the "
                 f"fastest floor, exit {index_run.returncode}"))
    large_time, large_code = timed(lambda: check_added_large_files(bin_dir, top, paths), 1)
    rows.append(("check-added-large-files --enforce-all", large_time,
                 f"{large_time / index_time:.1f}x snapshot-size-limit, exit {large_code}"))
    for hook_id in ("check-added-large-files", "snapshot-size-limit"):
        pre_commit_time, code = timed(functools.partial(pre_commit_all_files, bin_dir, top, hook_id),
                                      1)
        rows.append((f"pre-commit run {hook_id} --all-files", pre_commit_time, f"exit {code}"))
    match_time, matched = timed(lambda: pathspec_match(top, paths), 1)
    rows.append(("pathspec 0.12.1 match_file, tracked paths", match_time, f"{matched} excluded"))

    listing_time, listed = timed(lambda: list_every_folder(top), args.repeat)
    rows.append(("os.scandir of every folder (no stat, no matching)", listing_time,
                 f"{listed} entries"))
    identical = True
    for sdk in ("v1", "v2"):
        sdk_rows, same = worktree_rows(bin_dir, top, sdk, args.repeat)
        rows += sdk_rows
        identical = identical and same

    print(f"{top}: {len(entries)} tracked files, {os.cpu_count()} cores")
    width = max(len(name) for name, _, _ in rows)
    for name, seconds, note in rows:
        print(f"  {name:<{width}}  {seconds:7.2f} s  {note}")
    print(f"totals identical to the SDKs': {'yes' if identical else 'NO'}")
    return 0 if identical else 1


if __name__ == "__main__":
    raise SystemExit(main())

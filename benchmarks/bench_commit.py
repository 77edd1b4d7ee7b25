"""What a commit costs with snapshot-guard's hooks installed by pre-commit, on a 100,000-file monorepo.

Usage: ``python benchmarks/bench_commit.py [--checkout DIR] [--work DIR] [--repeat N] [--quick]
[--sizes 10000,100000,300000] [--only commit,all-files,scan,scaling] [--json FILE]``

The hooks are installed as users install them: the real ``pre-commit``, a ``.pre-commit-config.yaml``
naming a git repository and a revision, ``pre-commit install``. snapshot-guard's repository is made
from ``--checkout`` (default: the checkout this script lives in; its tracked and untracked, not
ignored, files as they are on disk, committed with a fixed date so the same files give the same
revision and pre-commit reuses its environment). pre-commit-hooks' repository is made from its sdist
(``pip download pre-commit-hooks==6.0.0``), which ships no ``.pre-commit-hooks.yaml``: the entries of
that release's manifest for the two hooks used are added, verbatim. Hook ids are read from each
repository's manifest; everything else about a hook (``pass_filenames``, ``always_run``, ...) is
whatever the manifest says. The configuration adds only ``verbose: true``, so that pre-commit prints
each hook's ``duration``.

The monorepo is ``make_monorepo.py``'s, plus one committed commit of a sparse 320 MB
``assets/weights/encoder.bin`` (not in its ``.amlignore``), so that its top is over both limits at
every size (without it, the 100,000-file top uploads 147 MB and only its file count fails).

Measured, best of ``--repeat``: the wall time of the whole command, and of that same run
pre-commit's per-hook ``duration`` (the hook's process; not pre-commit's own ``git diff`` after each
hook); the least processor time (user + system) of the command's whole process tree; the highest
peak resident memory of the largest single process in the tree (GNU time, ``/usr/bin/time``). The
processor time is the number to trust when the machine is busy with other work: wall times stretch.

- ``git commit`` of one changed file (``pipelines/steps/step_000/step.py``) with the four hooks,
  when the configured roots pass (three small step folders in ``.snapshot-guard.yaml``) and when
  the root is the repository top (``roots: ["."]``, and no configuration at all, where discovery
  finds no root in the code and falls back to the top); the same commits with
  ``check-added-large-files`` + ``detect-private-key``; four hooks that do nothing (pre-commit's own
  cost); ``git commit --no-verify`` (git's own cost);
- ``pre-commit run --all-files`` with the four hooks (both configurations) and with the two;
- ``snapshot-guard scan --checks limits --source index`` against the floor (``git ls-files --stage``
  plus ``git cat-file --batch-check`` of every staged blob, and the same with ``--buffer``), and
  ``--source worktree`` against azureml-core's size walk (v1) and azure-ai-ml's upload walk (v2),
  whose totals must be identical;
- the failing commit, the floor commit and both scans at each of ``--sizes`` files, to show how the
  cost grows (one run each, ``--scale-repeat``, except at ``--files``, where the rows above are
  reused).

Each row shows the command's exit status and the one expected, so that a configuration mistake is not
mistaken for speed; the script exits 1 when any differs or a total is not identical to the SDK's.
Everything generated goes under ``--work`` (monorepos, hook repositories, pre-commit's cache, the
last output of every command in ``logs/``), outside the repository; the monorepos are built once
and reused. Run times on 2 cores are in ``benchmarks/RESULTS.md``.
"""
from __future__ import annotations

import argparse
import dataclasses
import datetime
import functools
import glob
import json
import os
import platform
import random
import re
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterator, Sequence

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import bench_snapshot
import make_monorepo

SNAPSHOT_GUARD_HOOKS = ("snapshot-size-limit", "snapshot-file-count", "snapshot-sensitive-files",
                        "snapshot-outputs-misuse")
PRE_COMMIT_HOOKS = ("check-added-large-files", "detect-private-key")
PRE_COMMIT_HOOKS_VERSION = "6.0.0"
PRE_COMMIT_HOOKS_MANIFEST = """\
-   id: check-added-large-files
    name: check for added large files
    description: prevents giant files from being committed.
    entry: check-added-large-files
    language: python
    stages: [pre-commit, pre-push, manual]
    minimum_pre_commit_version: 3.2.0
-   id: detect-private-key
    name: detect private key
    description: detects the presence of private keys.
    entry: detect-private-key
    language: python
    types: [text]
"""
"""The two hooks' entries in pre-commit-hooks v6.0.0's ``.pre-commit-hooks.yaml``, verbatim."""
EDITED = "pipelines/steps/step_000/step.py"
PASSING_ROOTS = ("pipelines/steps/step_000", "pipelines/steps/step_001", "pipelines/steps/step_002")
REPOSITORY_TOP = (".",)
BASE_TAG = "bench-base"
STATE_BRANCH = "bench-state"
FIXED_DATE = "2024-01-01T00:00:00+0000"
DEFAULT_SIZES = (10_000, 100_000, 300_000)
SECTIONS = ("commit", "all-files", "scan", "scaling")
MAIN_SIZE = 100_000
WEIGHTS = make_monorepo.Entry("assets/weights/encoder.bin", 320_000_000, sparse=True)
"""Committed on top of the monorepo (sparse), so that its top is over the size limit at any size:
the 100,000-file monorepo's top uploads 147 MB, under 300 MiB, and only its file count fails."""
HOOK_LINE = re.compile(r"^- hook id: (\S+)$")
DURATION_LINE = re.compile(r"^- duration: ([0-9.]+)s$")
STATUS_WORDS = ("Passed", "Failed", "Skipped")
GNU_TIME = "/usr/bin/time"


@dataclasses.dataclass(frozen=True)
class HookRepo:
    path: str
    rev: str
    ids: tuple[str, ...]


NO_OP = HookRepo("local", "", ("no-op-1", "no-op-2", "no-op-3", "no-op-4"))
"""Four hooks that do nothing (``true``): what pre-commit itself costs a commit with four hooks."""


@dataclasses.dataclass(frozen=True)
class HookTime:
    id: str
    status: str
    duration: float | None


@dataclasses.dataclass(frozen=True)
class Outcome:
    seconds: float
    cpu_seconds: float
    code: int
    peak_mib: float
    hooks: tuple[HookTime, ...]
    output: bytes


@dataclasses.dataclass(frozen=True)
class Row:
    section: str
    name: str
    seconds: float
    slowest: float
    cpu_seconds: float | None
    code: int | None
    expected: int | None
    peak_mib: float | None
    hook_seconds: float | None
    note: str

    @property
    def as_expected(self) -> bool:
        return self.expected is None or self.code == self.expected


@dataclasses.dataclass(frozen=True)
class Bench:
    """What every measurement needs: where things are, and how often to repeat."""
    work: str
    env: dict[str, str]
    pre_commit: tuple[str, ...]
    snapshot_guard: HookRepo
    pre_commit_hooks: HookRepo
    repeat: int
    files: int


def git(cwd: str, *args: str, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False, env=env)
    if result.returncode:
        raise SystemExit(f"git {' '.join(args)} in {cwd}: {result.stderr.decode().strip()}")
    return result.stdout.decode().strip()


def commit_folder(folder: str) -> str:
    """Commit every file of ``folder`` as a new repository with a fixed author and date (the same
    files give the same revision); the revision."""
    env = {**os.environ, "GIT_AUTHOR_DATE": FIXED_DATE, "GIT_COMMITTER_DATE": FIXED_DATE,
           "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.invalid",
           "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@example.invalid"}
    git(folder, "init", "-q", "-b", "main")
    git(folder, "add", "-A")
    git(folder, "-c", "commit.gpgsign=false", "commit", "-q", "-m", "bench", env=env)
    return git(folder, "rev-parse", "HEAD")


def manifest_ids(repo: str, wanted: Sequence[str]) -> tuple[str, ...]:
    """``wanted``, checked against the hook ids of ``repo``'s ``.pre-commit-hooks.yaml``."""
    with open(os.path.join(repo, ".pre-commit-hooks.yaml")) as handle:
        ids = {hook["id"] for hook in yaml.safe_load(handle)}
    missing = [hook_id for hook_id in wanted if hook_id not in ids]
    if missing:
        raise SystemExit(f"{repo}/.pre-commit-hooks.yaml: no hook {', '.join(missing)}")
    return tuple(wanted)


def snapshot_guard_repo(checkout: str, work: str) -> HookRepo:
    """A git repository of ``checkout``'s files as they are on disk (tracked, and untracked but not
    ignored), for ``repo:`` in the pre-commit configuration."""
    listing = git(checkout, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    destination = os.path.join(work, "hook-repos", "snapshot-guard")
    shutil.rmtree(destination, ignore_errors=True)
    for path in sorted(set(filter(None, listing.split("\0")))):
        source = os.path.join(checkout, path)
        if os.path.lexists(source) and not os.path.isdir(source):
            target = os.path.join(destination, path)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            shutil.copy2(source, target, follow_symlinks=False)
    rev = commit_folder(destination)
    return HookRepo(destination, rev, manifest_ids(destination, SNAPSHOT_GUARD_HOOKS))


def pre_commit_hooks_repo(work: str) -> HookRepo:
    """A git repository of pre-commit-hooks' sdist (GitHub is out of reach), with the manifest
    entries of the two hooks it lacks."""
    destination = os.path.join(work, "hook-repos", f"pre-commit-hooks-{PRE_COMMIT_HOOKS_VERSION}")
    if not os.path.isdir(os.path.join(destination, ".git")):
        downloads = os.path.join(work, "downloads")
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                        "--no-binary", ":all:", f"pre-commit-hooks=={PRE_COMMIT_HOOKS_VERSION}",
                        "--dest", downloads], check=True)
        archive = os.path.join(downloads, f"pre_commit_hooks-{PRE_COMMIT_HOOKS_VERSION}.tar.gz")
        shutil.rmtree(destination, ignore_errors=True)
        with tarfile.open(archive) as tar:
            tar.extractall(os.path.dirname(destination), filter="data")
        os.rename(os.path.join(os.path.dirname(destination),
                               f"pre_commit_hooks-{PRE_COMMIT_HOOKS_VERSION}"), destination)
        manifest = os.path.join(destination, ".pre-commit-hooks.yaml")
        if not os.path.exists(manifest):
            with open(manifest, "w") as handle:
                handle.write(PRE_COMMIT_HOOKS_MANIFEST)
        commit_folder(destination)
    rev = git(destination, "rev-parse", "HEAD")
    return HookRepo(destination, rev, manifest_ids(destination, PRE_COMMIT_HOOKS))


def pre_commit_config(hooks: HookRepo) -> str:
    """The configuration of ``hooks``, each verbose (pre-commit then prints its duration)."""
    if hooks is NO_OP:
        lines = ["repos:", "- repo: local", "  hooks:"]
        for hook_id in hooks.ids:
            lines += [f"  - id: {hook_id}", f"    name: {hook_id}", "    entry: 'true'",
                      "    language: system", "    verbose: true"]
    else:
        lines = ["repos:", f"- repo: {json.dumps(hooks.path)}", f"  rev: {hooks.rev}", "  hooks:"]
        for hook_id in hooks.ids:
            lines += [f"  - id: {hook_id}", "    verbose: true"]
    return "\n".join(lines) + "\n"


def execute(command: Sequence[str], cwd: str, env: dict[str, str]) -> Outcome:
    """Run ``command``; its wall time, the processor time of its whole tree, its exit status, the
    peak resident memory of the largest process in its tree, and the hooks pre-commit reported.
    GNU time measures the memory: a child of this process would inherit this process's own peak
    (Linux keeps it across ``exec``)."""
    with tempfile.NamedTemporaryFile("r") as usage:
        start = time.perf_counter()
        result = subprocess.run([GNU_TIME, "--format", "%M %U %S", "--output", usage.name, *command],
                                cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                check=False)
        seconds = time.perf_counter() - start
        kib, user, system = usage.read().splitlines()[-1].split()
    return Outcome(seconds, float(user) + float(system), result.returncode, int(kib) / 1024,
                   tuple(hook_times(result.stdout)), result.stdout)


def hook_times(output: bytes) -> Iterator[HookTime]:
    """The hooks in pre-commit's verbose output: id, status and ``duration``."""
    lines = output.decode(errors="replace").splitlines()
    for index, line in enumerate(lines):
        match = HOOK_LINE.match(line)
        if not match or index == 0:
            continue
        before = lines[index - 1].rstrip()
        status = next((word for word in STATUS_WORDS if before.endswith(word)), "?")
        duration = None
        if index + 1 < len(lines):
            timed = DURATION_LINE.match(lines[index + 1])
            duration = float(timed.group(1)) if timed else None
        yield HookTime(match.group(1), status, duration)


def best(outcomes: Sequence[Outcome]) -> tuple[Outcome, float, float, float]:
    """The fastest run, the slowest run's time, the least processor time and the highest peak
    memory of all runs."""
    return (min(outcomes, key=lambda outcome: outcome.seconds),
            max(outcome.seconds for outcome in outcomes),
            min(outcome.cpu_seconds for outcome in outcomes),
            max(outcome.peak_mib for outcome in outcomes))


def row(section: str, name: str, outcomes: Sequence[Outcome], expected: int | None,
        note: str = "") -> Row:
    fastest, slowest, cpu_seconds, peak = best(outcomes)
    durations = [hook.duration for hook in fastest.hooks if hook.duration is not None]
    described = ", ".join(
        f"{hook.id.removeprefix('snapshot-')} "
        f"{'-' if hook.duration is None else format(hook.duration, '.2f')} {hook.status}"
        for hook in fastest.hooks)
    hook_seconds = sum(durations) if fastest.hooks else None
    return Row(section, name, fastest.seconds, slowest, cpu_seconds, fastest.code, expected,
               peak, hook_seconds, "; ".join(filter(None, [described, note])))


def plain(section: str, name: str, seconds: float, note: str) -> Row:
    """A row timed in this process: no exit status, no hooks, no memory of its own."""
    return Row(section, name, seconds, seconds, None, None, None, None, None, note)


def log(bench: Bench, name: str, outcome: Outcome) -> None:
    folder = os.path.join(bench.work, "logs")
    os.makedirs(folder, exist_ok=True)
    slug = re.sub(r"[^A-Za-z0-9.]+", "-", name).strip("-")
    with open(os.path.join(folder, f"{slug}.txt"), "wb") as handle:
        handle.write(outcome.output)


def progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def monorepo(work: str, files: int) -> str:
    top = os.path.join(work, "repos", f"monorepo-{files}")
    if not os.path.isdir(os.path.join(top, ".git")):
        shutil.rmtree(top, ignore_errors=True)
        progress(f"building {top} (about a second per 1,000 files) ...")
        make_monorepo.build(top, files, 2024)
    if not git(top, "tag", "--list", BASE_TAG):
        make_monorepo.write(top, WEIGHTS, random.Random(2024))
        git(top, "add", WEIGHTS.path)
        git(top, "commit", "-q", "--no-verify", "-m", "Pretrained weights")
        git(top, "tag", BASE_TAG, "HEAD")
    return top


def enter_state(bench: Bench, top: str, hooks: HookRepo, roots: tuple[str, ...] | None) -> None:
    """Check out the monorepo as it was built plus a commit of the pre-commit configuration for
    ``hooks`` and, unless ``roots`` is None, a ``.snapshot-guard.yaml`` listing them; install."""
    git(top, "checkout", "-q", "-f", "-B", STATE_BRANCH, BASE_TAG)
    with open(os.path.join(top, ".pre-commit-config.yaml"), "w") as handle:
        handle.write(pre_commit_config(hooks))
    if roots is not None:
        with open(os.path.join(top, ".snapshot-guard.yaml"), "w") as handle:
            handle.write(f"roots: {json.dumps(list(roots))}\n")
    git(top, "add", ".pre-commit-config.yaml", *([".snapshot-guard.yaml"] if roots is not None else []))
    git(top, "commit", "-q", "--no-verify", "-m", "bench configuration", env=bench.env)
    for action in ("install", "install-hooks"):
        subprocess.run([*bench.pre_commit, action], cwd=top, env=bench.env, check=True,
                       stdout=subprocess.DEVNULL)


def leave_states(top: str) -> None:
    git(top, "checkout", "-q", "-f", BASE_TAG)
    git(top, "branch", "-q", "-D", STATE_BRANCH)


def commit_one_file(bench: Bench, top: str, attempt: int, *options: str) -> Outcome:
    """``git commit`` of one more line in ``EDITED``; a commit that went through is undone (its
    change stays staged), so that every attempt commits the same kind of change."""
    with open(os.path.join(top, EDITED), "a") as handle:
        handle.write(f"# bench edit {attempt}\n")
    git(top, "add", EDITED)
    outcome = execute(["git", "commit", "-q", "-m", f"bench edit {attempt}", *options], top,
                      bench.env)
    if outcome.code == 0:
        git(top, "reset", "-q", "--soft", "HEAD~1")
    return outcome


def commits(bench: Bench, top: str, name: str, repeat: int, *options: str) -> list[Outcome]:
    progress(f"{name} x{repeat}")
    outcomes = [commit_one_file(bench, top, attempt, *options) for attempt in range(repeat)]
    log(bench, name, outcomes[-1])
    return outcomes


def commit_rows(bench: Bench, top: str, cache: dict[str, list[Outcome]]) -> list[Row]:
    section = "commit of one file"
    rows: list[Row] = []
    cases = (
        ("four hooks, 3 roots configured, passing", bench.snapshot_guard, PASSING_ROOTS, 0,
         "pass"),
        ("four hooks, root . configured, failing", bench.snapshot_guard, REPOSITORY_TOP, 1, "fail"),
        ("four hooks, no configuration (discovery, top), failing", bench.snapshot_guard, None, 1,
         "fail-discovery"),
        ("check-added-large-files + detect-private-key, 3 roots configured", bench.pre_commit_hooks,
         PASSING_ROOTS, 0, "pch-pass"),
        ("check-added-large-files + detect-private-key, root . configured", bench.pre_commit_hooks,
         REPOSITORY_TOP, 0, "pch-fail"),
        ("four hooks that do nothing (repo: local, entry: true): pre-commit's own cost", NO_OP,
         REPOSITORY_TOP, 0, "no-op"),
    )
    for name, hooks, roots, expected, key in cases:
        enter_state(bench, top, hooks, roots)
        outcomes = commits(bench, top, f"commit {key} {bench.files}", bench.repeat)
        cache[key] = outcomes
        rows.append(row(section, name, outcomes, expected))
    floor = commits(bench, top, f"commit no-verify {bench.files}", bench.repeat, "--no-verify")
    cache["no-verify"] = floor
    rows.append(row(section, "git commit --no-verify (the floor: no hooks)", floor, 0))
    return rows


def all_files_rows(bench: Bench, top: str) -> list[Row]:
    section = "pre-commit run --all-files"
    rows: list[Row] = []
    cases = (
        ("four hooks, 3 roots configured", bench.snapshot_guard, PASSING_ROOTS, 0),
        ("four hooks, root . configured", bench.snapshot_guard, REPOSITORY_TOP, 1),
        ("check-added-large-files + detect-private-key", bench.pre_commit_hooks, PASSING_ROOTS, 0),
    )
    for name, hooks, roots, expected in cases:
        enter_state(bench, top, hooks, roots)
        progress(f"--all-files: {name} x{bench.repeat}")
        outcomes = [execute([*bench.pre_commit, "run", "--all-files"], top, bench.env)
                    for _ in range(bench.repeat)]
        log(bench, f"all-files {name}", outcomes[-1])
        rows.append(row(section, name, outcomes, expected))
    return rows


def installed_snapshot_guard(bench: Bench) -> str:
    """The ``snapshot-guard`` command of the environment pre-commit built for the hooks."""
    with sqlite3.connect(os.path.join(bench.env["PRE_COMMIT_HOME"], "db.db")) as database:
        found = database.execute("SELECT path FROM repos WHERE repo = ? AND ref = ?",
                                 (bench.snapshot_guard.path, bench.snapshot_guard.rev)).fetchone()
    commands = glob.glob(os.path.join(found[0], "py_env-*", "bin", "snapshot-guard")) if found else []
    if not commands:
        raise SystemExit("pre-commit has not installed snapshot-guard's hooks")
    return commands[0]


def scans(bench: Bench, top: str, sdk: str, source: str, repeat: int) -> tuple[list[Outcome], dict[str, int]]:
    """``snapshot-guard scan --checks limits`` of the top; its runs and the root's totals."""
    command = bench_snapshot.scan_command(installed_snapshot_guard(bench), top, sdk, source)
    outcomes = [execute(command, top, bench.env) for _ in range(repeat)]
    if outcomes[-1].code not in (0, 1):
        raise SystemExit(f"snapshot-guard scan failed: {outcomes[-1].output.decode().strip()}")
    root = json.loads(outcomes[-1].output)["roots"][0]
    return outcomes, {"total_bytes": root["total_bytes"], "file_count": root["file_count"]}


def scan_rows(bench: Bench, top: str, cache: dict[str, list[Outcome]]) -> tuple[list[Row], bool]:
    section = "scan --checks limits"
    enter_state(bench, top, bench.snapshot_guard, REPOSITORY_TOP)  # pre-commit installs the hooks
    leave_states(top)  # and the scans judge the monorepo alone
    for _ in os.walk(top):  # warm the file system caches for every walk alike
        pass
    import azure.ai.ml.entities._component.code  # noqa: F401  (imports are not timed)
    import azureml._file_utils.file_utils  # noqa: F401

    progress("floor: git ls-files --stage + git cat-file --batch-check")
    ids = [object_id for object_id, _ in bench_snapshot.staged(top)]
    listing, _ = bench_snapshot.timed(lambda: bench_snapshot.list_stage(top), bench.repeat)
    sizes, staged_bytes = bench_snapshot.timed(lambda: bench_snapshot.blob_sizes(top, ids),
                                               bench.repeat)
    buffered, _ = bench_snapshot.timed(lambda: bench_snapshot.blob_sizes(top, ids, "--buffer"),
                                       bench.repeat)
    floor, fastest_floor = listing + sizes, listing + buffered
    rows = [plain(section, "floor: git ls-files --stage + git cat-file --batch-check", floor,
                  f"{len(ids)} entries, {staged_bytes} bytes staged"),
            plain(section, "the same with cat-file --buffer (as snapshot-guard runs it)",
                  fastest_floor, "")]
    progress("scan --source index")
    indexed, totals = scans(bench, top, "v1", "index", bench.repeat)
    cache["scan-index"] = indexed
    fastest = min(outcome.seconds for outcome in indexed)
    rows.append(row(section, "scan --source index", indexed, 1,
                    f"{fastest / floor:.1f}x floor (target <= 2.5x), {fastest / fastest_floor:.1f}x "
                    f"with --buffer; {totals['file_count']} files, {totals['total_bytes']} bytes"))
    identical = True
    for sdk, target, name, walk in (
        ("v1", 4, "azureml-core get_directory_size", v1_total),
        ("v2", 6, "azure-ai-ml get_upload_files_from_folder", v2_total),
    ):
        progress(f"scan --source worktree --sdk {sdk}, and {name}")
        walked, totals = scans(bench, top, sdk, "worktree", bench.repeat)
        cache[f"scan-worktree-{sdk}"] = walked
        sdk_seconds, sdk_totals = bench_snapshot.timed(functools.partial(walk, top), bench.repeat)
        same = all(totals[key] == value for key, value in sdk_totals.items())
        identical = identical and same
        fastest = min(outcome.seconds for outcome in walked)
        rows += [
            row(section, f"scan --source worktree --sdk {sdk}", walked, 1,
                f"{sdk_seconds / fastest:.1f}x faster than the SDK walk (target >= {target}x); "
                f"{totals['file_count']} files, {totals['total_bytes']} bytes"),
            plain(section, f"{name} (in this process)", sdk_seconds,
                  f"{', '.join(f'{key} {value}' for key, value in sdk_totals.items())} "
                  f"({'identical' if same else 'DIFFERENT'})"),
        ]
    return rows, identical


def v1_total(top: str) -> dict[str, int]:
    return {"total_bytes": bench_snapshot.v1_size_walk(top)}


def v2_total(top: str) -> dict[str, int]:
    pairs = bench_snapshot.v2_upload_walk(top)
    return {"total_bytes": sum(os.path.getsize(local) for local, _ in pairs),
            "file_count": len(pairs)}


def scaling_rows(bench: Bench, sizes: Sequence[int], cache: dict[str, list[Outcome]],
                 repeat: int) -> list[Row]:
    """The failing commit, the floor commit and both scans at each size: is the cost linear?"""
    section = "scaling (root . failing)"
    rows: list[Row] = []
    for files in sizes:
        reuse = cache if files == bench.files else {}
        top = monorepo(bench.work, files)
        enter_state(bench, top, bench.snapshot_guard, REPOSITORY_TOP)
        measured = {
            "fail": reuse.get("fail") or commits(bench, top, f"commit fail {files}", repeat),
            "no-verify": reuse.get("no-verify")
            or commits(bench, top, f"commit no-verify {files}", repeat, "--no-verify"),
        }
        git(top, "checkout", "-q", "-f", BASE_TAG)
        for source in ("index", "worktree"):
            key = f"scan-{source}" if source == "index" else "scan-worktree-v1"
            if key not in reuse:
                progress(f"scan --source {source} at {files} files")
            measured[key] = reuse.get(key) or scans(bench, top, "v1", source, repeat)[0]
        names = {"fail": ("git commit, four hooks", 1), "no-verify": ("git commit --no-verify", 0),
                 "scan-index": ("scan --source index", 1),
                 "scan-worktree-v1": ("scan --source worktree --sdk v1", 1)}
        for key, (name, expected) in names.items():
            cpu_seconds = min(outcome.cpu_seconds for outcome in measured[key])
            rows.append(row(section, f"{files:,} files: {name}", measured[key], expected,
                            f"{cpu_seconds / files * 1e6:.0f} us of processor time per file"))
        leave_states(top)
    return rows


def machine(checkout: str, pre_commit: Sequence[str]) -> dict[str, str]:
    def first(command: Sequence[str]) -> str:
        result = subprocess.run(list(command), capture_output=True, text=True, check=False)
        return (result.stdout or result.stderr).strip().splitlines()[0]

    with open("/proc/cpuinfo") as handle:
        cpu = next((line.split(":", 1)[1].strip() for line in handle if line.startswith("model name")),
                   platform.processor())
    with open("/proc/meminfo") as handle:
        memory = next(line.split(":", 1)[1].strip() for line in handle if line.startswith("MemTotal"))
    release = platform.platform()
    if os.path.exists("/etc/os-release"):
        with open("/etc/os-release") as handle:
            fields = dict(line.rstrip("\n").split("=", 1) for line in handle if "=" in line)
        release = f"{fields.get('PRETTY_NAME', '').strip(chr(34))} ({platform.release()})"
    dirty = bool(git(checkout, "status", "--porcelain", "--untracked-files=no"))
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "checkout": f"{checkout} at {git(checkout, 'rev-parse', '--short', 'HEAD')}"
                    f"{' with uncommitted changes' if dirty else ''}",
        "nproc": str(os.cpu_count()),
        "cpu": cpu,
        "memory": memory,
        "os": release,
        "python": platform.python_version(),
        "git": first(["git", "--version"]),
        "pre-commit": first([*pre_commit, "--version"]),
        "load average at start": " ".join(f"{load:.2f}" for load in os.getloadavg()),
    }


def render(rows: Sequence[Row], facts: dict[str, str]) -> str:
    lines = [f"- {key}: {value}" for key, value in facts.items()]
    lines += ["", "| section | measurement | exit (expected) | wall s (slowest) | cpu s | hook s "
                  "| peak MiB | per hook s, status; note |",
              "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for item in rows:
        code = "" if item.code is None else f"{item.code}" + (
            "" if item.expected is None else f" ({item.expected})")
        if not item.as_expected:
            code += " UNEXPECTED"
        wall = f"{item.seconds:.2f}" + (f" ({item.slowest:.2f})" if item.slowest > item.seconds
                                        else "")
        cpu = "" if item.cpu_seconds is None else f"{item.cpu_seconds:.2f}"
        hooks = "" if item.hook_seconds is None else f"{item.hook_seconds:.2f}"
        peak = "" if item.peak_mib is None else f"{item.peak_mib:.0f}"
        lines.append(f"| {item.section} | {item.name} | {code} | {wall} | {cpu} | {hooks} | {peak} | "
                     f"{item.note} |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser.add_argument("--checkout", default=here,
                        help="the snapshot-guard checkout to measure (default: this one)")
    parser.add_argument("--work", default="/work/bench-work",
                        help="where monorepos, hook repositories and pre-commit's cache go")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measurement (best)")
    parser.add_argument("--files", type=int, default=MAIN_SIZE,
                        help="files of the monorepo of the main rows (default 100000)")
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)),
                        help="monorepo sizes for the scaling rows (comma-separated file counts)")
    parser.add_argument("--scale-repeat", type=int, default=1,
                        help="runs of each scaling measurement at sizes other than --files")
    parser.add_argument("--quick", action="store_true",
                        help="one run of everything; sizes 10000,100000")
    parser.add_argument("--only", default=",".join(SECTIONS),
                        help=f"comma-separated sections to measure (default: {','.join(SECTIONS)})")
    parser.add_argument("--json", help="also write the rows and the machine to this file")
    args = parser.parse_args(argv)
    if not os.access(GNU_TIME, os.X_OK):
        parser.error(f"{GNU_TIME} (GNU time, the Debian package 'time') measures peak memory: install it")
    if args.quick:
        args.repeat, args.sizes = 1, "10000,100000"
    sizes = [int(size) for size in args.sizes.split(",") if size]
    sections = set(filter(None, args.only.split(",")))
    if not sections <= set(SECTIONS):
        parser.error(f"--only: unknown section {', '.join(sorted(sections - set(SECTIONS)))}")
    work = os.path.abspath(args.work)
    shutil.rmtree(os.path.join(work, "logs"), ignore_errors=True)
    checkout = os.path.abspath(args.checkout)
    started = time.perf_counter()
    env = {key: value for key, value in os.environ.items()
           if key != "PYTHONDONTWRITEBYTECODE"}  # a user's hooks start from bytecode
    env.update(PRE_COMMIT_HOME=os.path.join(work, "pre-commit-home"), PRE_COMMIT_COLOR="never")
    pre_commit = (sys.executable, "-m", "pre_commit")
    facts = machine(checkout, pre_commit)
    bench = Bench(work, env, pre_commit, snapshot_guard_repo(checkout, work),
                  pre_commit_hooks_repo(work), args.repeat, args.files)
    facts["hook revisions"] = (f"snapshot-guard {bench.snapshot_guard.rev[:12]}, pre-commit-hooks "
                               f"{PRE_COMMIT_HOOKS_VERSION} {bench.pre_commit_hooks.rev[:12]}")
    top = monorepo(work, args.files)
    cache: dict[str, list[Outcome]] = {}
    rows: list[Row] = []
    identical = True
    if "commit" in sections:
        rows += commit_rows(bench, top, cache)
    if "all-files" in sections:
        rows += all_files_rows(bench, top)
    if "scan" in sections:
        scanned, identical = scan_rows(bench, top, cache)
        rows += scanned
    if "scaling" in sections:
        rows += scaling_rows(bench, sizes, cache, args.scale_repeat)
    facts["load average at end"] = " ".join(f"{load:.2f}" for load in os.getloadavg())
    facts["run took"] = f"{(time.perf_counter() - started) / 60:.0f} min (--repeat {args.repeat})"
    print(render(rows, facts))
    if args.json:
        with open(args.json, "w") as handle:
            json.dump({"machine": facts, "rows": [dataclasses.asdict(item) for item in rows]},
                      handle, indent=1)
    unexpected = [item.name for item in rows if not item.as_expected]
    if unexpected or not identical:
        print(f"UNEXPECTED exit status: {', '.join(unexpected) or 'none'}; totals identical to "
              f"the SDKs': {'yes' if identical else 'NO'}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

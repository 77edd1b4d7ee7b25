"""The few git plumbing calls snapshot-guard needs, batched: one process per question, never per file.

No call touches the network: in a partial clone git fetches a missing object the moment a command
reads it, so there objects are only read once they are known to be present (``present_sizes``), and
``GIT_NO_LAZY_FETCH`` forbids the fetch where git knows that variable (2.44 and later).
"""
from __future__ import annotations

import dataclasses
import functools
import os
import subprocess
from collections.abc import Iterable, Sequence
from typing import IO, NoReturn

from snapshot_guard.errors import SnapshotInputError

# Variables that tie a git process to one repository; a submodule must not inherit them.
_REPO_ENV = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_PREFIX")
_NO_FETCH = {"GIT_NO_LAZY_FETCH": "1", "GIT_TERMINAL_PROMPT": "0"}


@dataclasses.dataclass(frozen=True)
class Repo:
    top: str
    """Absolute path of the work tree's top folder."""
    own_env: bool = False
    """Run git with the repository variables removed (for submodules)."""
    index: str = ""
    """Absolute path of the index file git commits from (``GIT_INDEX_FILE`` when set)."""

    def index_state(self) -> tuple[str, int, int, int]:
        """What tells one state of the index from another: its path, size, change time, inode."""
        path = os.environ.get("GIT_INDEX_FILE") if not self.own_env else None
        path = os.path.abspath(path) if path else self.index
        try:
            info = os.stat(path)
        except OSError:
            return path, -1, -1, -1
        return path, info.st_size, info.st_mtime_ns, info.st_ino


def _env(repo: Repo) -> dict[str, str]:
    return {**{key: value for key, value in os.environ.items()
               if not (repo.own_env and key in _REPO_ENV)}, **_NO_FETCH}


def run_git(repo: Repo, args: Sequence[str], stdin: bytes | None = None) -> bytes:
    try:
        result = subprocess.run(
            ["git", *args], cwd=repo.top, input=stdin, capture_output=True, env=_env(repo),
            check=False,
        )
    except FileNotFoundError:
        raise SnapshotInputError("git: not found on PATH") from None
    if result.returncode != 0:
        _failed(repo, args, result.stderr, result.returncode)
    return result.stdout


def _failed(repo: Repo, args: Sequence[str], error: bytes, returncode: int) -> NoReturn:
    message = error.decode(errors="replace").strip().splitlines()
    raise SnapshotInputError(f"{repo.top}: git {args[0]} failed: {message[-1] if message else returncode}")


def find_repo(path: str) -> Repo | None:
    """The repository whose work tree holds ``path``; None outside any (or where git is missing)."""
    folder = path if os.path.isdir(path) else os.path.dirname(os.path.abspath(path))
    try:
        result = subprocess.run(
            ["git", "rev-parse", "--show-toplevel", "--git-path", "index"],
            cwd=folder or ".", capture_output=True, check=False,
        )
    except (FileNotFoundError, NotADirectoryError):
        return None
    if result.returncode != 0:
        return None
    answer = os.fsdecode(result.stdout).rstrip("\n").split("\n")
    if len(answer) < 2:
        raise SnapshotInputError(f"{os.path.abspath(folder or '.')}: git rev-parse named no work tree")
    top, index = answer[:2]
    return Repo(top, index=os.path.join(os.path.abspath(folder or "."), index))


def submodule_repo(repo: Repo, path: str) -> Repo | None:
    """The checked-out submodule at ``path`` (relative to ``repo.top``), None if not checked out."""
    top = os.path.join(repo.top, path)
    if not os.path.exists(os.path.join(top, ".git")):
        return None
    return Repo(top, own_env=True)


_ALL_SUBMODULES = "--ignore-submodules=none"
"""A submodule's new pointer is a change, whatever ``.gitmodules`` or ``diff.ignoreSubmodules`` say."""
_UNSTAGED_DIFF = ["diff", "--name-only", "-z", "--no-ext-diff", "--no-renames", _ALL_SUBMODULES]


def _split_z(output: bytes) -> list[str]:
    return [os.fsdecode(item) for item in output.split(b"\0") if item]


def _below(paths: Sequence[str]) -> list[str]:
    """The pathspecs for ``paths`` and everything below them (relative to the top; none, or
    ``""``: everything)."""
    if not paths or "" in paths:
        return []
    return ["--", *(f":(top,literal){path}" for path in paths)]


def _inside(path: str, folders: Sequence[str]) -> bool:
    return any(not folder or path == folder or path.startswith(folder + "/") for folder in folders)


@dataclasses.dataclass(frozen=True)
class _Listing:
    """One ``git ls-files -v --stage -z`` answer, of ``folders`` and what is below them."""

    folders: list[str]
    records: list[str]
    plain: bool


_LISTINGS: dict[tuple[object, ...], list[_Listing]] = {}
_FILTER_AT_MOST = 20_000
"""A kept listing this long is filtered for a question about folders inside it; a longer one costs
more to filter in Python than git costs to list the folders again."""


def _is_plain(record: str) -> bool:
    return record.startswith("H 100") and record.count("\t") == 1 and " 0\t" in record


def _wanted(paths: Sequence[str]) -> list[str]:
    return sorted(set(paths)) if paths and "" not in paths else [""]


_STARTED: dict[tuple[object, ...], list[tuple[list[str], Started]]] = {}


def start_listing(repo: Repo, paths: Sequence[str]) -> None:
    """Start listing the index entries of ``paths`` and what is below them, for a later question
    about them to collect (it runs while the caller asks git other things)."""
    output = _scratch_file()
    if output is None:
        return
    state = (repo, *repo.index_state())  # before git reads it: a later state is read again
    process = subprocess.Popen(
        ["git", "ls-files", "-v", "--stage", "-z", "--full-name", *_below(_wanted(paths))],
        cwd=repo.top, env=_env(repo), stdout=output, stderr=subprocess.PIPE)
    _STARTED.setdefault(state, []).append((_wanted(paths), Started([process], output)))


def _listing(repo: Repo, paths: Sequence[str]) -> _Listing:
    """The index entries of ``paths`` and what is below them (none, or ``""``: everything), in index
    order. Each answer is kept for the index state it was read in (a hook reads a large index once,
    not once per question); a process that stages files reads again."""
    wanted = _wanted(paths)
    state = (repo, *repo.index_state())
    kept = _LISTINGS.setdefault(state, [])
    for folders, started in _STARTED.pop(state, []):
        process = started.processes[0]
        _, error = process.communicate()
        with started.output:
            started.output.seek(0)
            output = started.output.read()
        if process.returncode == 0:
            kept.append(_parsed(folders, output))
        else:
            _failed(repo, ["ls-files"], error, process.returncode)
    for listing in kept:
        if listing.folders == wanted:
            return listing
        if len(listing.records) <= _FILTER_AT_MOST and all(_inside(path, listing.folders) for path in wanted):
            records = [record for record in listing.records
                       if _inside(record[record.index("\t") + 1:], wanted)]
            return _Listing(wanted, records, all(map(_is_plain, records)))
    kept.append(_parsed(wanted, run_git(repo, ["ls-files", "-v", "--stage", "-z", "--full-name",
                                                *_below(wanted)])))
    return kept[-1]


def _parsed(folders: list[str], output: bytes) -> _Listing:
    text = os.fsdecode(output)
    records = text.split("\0")
    records.pop()
    count = len(records)
    # Every record opens with its tag and mode, and when no path holds a tab, every tab follows a stage.
    plain = not records or (text.startswith("H 100") and text.count("\0H 100") == count - 1
                            and text.count("\t") == count and text.count(" 0\t") == count)
    return _Listing(folders, records, plain)


def stage_records(repo: Repo, paths: Sequence[str] = ()) -> tuple[list[str], bool]:
    """``git ls-files -v --stage`` of the index git is about to commit (GIT_INDEX_FILE is honoured),
    of ``paths`` and what is below them, one ``"T mode object stage\tpath"`` string per entry in
    index order (``T``: ``H``; ``S`` for --skip-worktree, lower case for --assume-unchanged), and
    whether every entry is a plain staged file (a regular file at stage 0, ``H``, no tab in its path:
    then only the paths need splitting out). Split no further here: a large index has a hundred
    thousand entries, and most runs need only their paths."""
    listing = _listing(repo, paths)
    return listing.records, listing.plain


def head_commit(repo: Repo) -> str | None:
    """The commit checked out in ``repo`` (None when it has none)."""
    result = subprocess.run(["git", "rev-parse", "-q", "--verify", "HEAD^{commit}"], cwd=repo.top,
                            capture_output=True, env=_env(repo), check=False)
    return os.fsdecode(result.stdout).strip() or None if result.returncode == 0 else None


def committed_object(repo: Repo, path: str) -> str | None:
    """The object ``path`` (relative to the top) names in the commit checked out; None if none."""
    result = subprocess.run(["git", "rev-parse", "-q", "--verify", f"HEAD:{path}"], cwd=repo.top,
                            capture_output=True, env=_env(repo), check=False)
    return os.fsdecode(result.stdout).strip() or None if result.returncode == 0 else None


def commit_listing(repo: Repo, commit: str) -> list[str] | None:
    """Every entry of ``commit``'s tree as ``stage_records`` gives them (``"H mode object 0\tpath"``),
    read from ``repo``'s objects without fetching; None when ``repo`` does not hold the commit or a
    tree of it."""
    present = subprocess.run(["git", "cat-file", "-e", f"{commit}^{{tree}}"], cwd=repo.top,
                             capture_output=True, env=_env(repo), check=False)
    if present.returncode != 0:
        return None
    result = subprocess.run(["git", "ls-tree", "-r", "-z", "--full-tree", commit], cwd=repo.top,
                            capture_output=True, env=_env(repo), check=False)
    if result.returncode != 0:  # a tree below it is missing
        return None
    records = []
    for item in _split_z(result.stdout):
        info, _, path = item.partition("\t")
        mode, _, object_id = info.split(" ")
        records.append(f"H {mode} {object_id} 0\t{path}")
    return records


def parse_record(record: str) -> tuple[str, str, str, str]:
    """``(mode, object id, stage, path)`` of one ``stage_records`` record."""
    info, _, path = record.partition("\t")
    _, mode, object_id, stage = info.split(" ")
    return mode, object_id, stage, path


@functools.cache
def present_sizes(repo: Repo) -> dict[str, int] | None:
    """In a partial clone (``--filter``), the size of every object the repository holds locally,
    read without fetching anything; None in a full clone, where every object is present."""
    result = subprocess.run(
        ["git", "config", "--get-regexp", r"^(extensions\.partialclone|remote\..*\.promisor)$"],
        cwd=repo.top, capture_output=True, env=_env(repo), check=False)
    if not any(not line.lower().endswith(b" false") for line in result.stdout.splitlines()):
        return None
    output = run_git(repo, ["cat-file", "--batch-all-objects", "--batch-check=%(objectname) %(objectsize)"])
    sizes = {}
    for line in output.splitlines():
        object_id, _, size = line.decode().partition(" ")
        sizes[object_id] = int(size)
    return sizes


def object_sizes(repo: Repo, object_ids: Sequence[str]) -> list[int]:
    """The size of each object, in order (-1 where it is missing)."""
    if not object_ids:
        return []
    present = present_sizes(repo)
    if present is not None:
        return [present.get(object_id, -1) for object_id in object_ids]
    output = run_git(repo, ["cat-file", "--batch-check=%(objectsize)", "--buffer"],
                     stdin="\n".join(object_ids).encode() + b"\n")
    return _sizes(output)


def _sizes(output: bytes) -> list[int]:
    """The sizes ``cat-file --batch-check=%(objectsize)`` printed, -1 for each object it says is
    missing (a submodule's commit is not in the superproject's objects)."""
    try:
        return list(map(int, output.split()))
    except ValueError:  # "<id> missing" lines
        return [int(word) if word.isdigit() else -1 for word in output.decode().split("\n")[:-1]]


@dataclasses.dataclass
class Started:
    """Git processes at work, and the file that receives their answer."""

    processes: list[subprocess.Popen[bytes]]
    output: IO[bytes]


def _scratch_file() -> IO[bytes] | None:
    """An unnamed file to receive a git process's answer: in memory where the system has such files,
    else in the temporary folder; None when neither can be had (a read-only temporary folder)."""
    if hasattr(os, "memfd_create"):
        try:
            return os.fdopen(os.memfd_create("snapshot-guard"), "w+b")
        except OSError:
            pass
    import tempfile  # here: the import costs a hook more than this rare fallback saves

    try:
        return tempfile.TemporaryFile()
    except OSError:
        return None


def start_staged_sizes(repo: Repo, records: Sequence[str]) -> Started | None:
    """Start sizing the objects of ``stage_records``' ``records``, in order, in a git process that
    runs while Python works through them. ``staged_sizes`` collects the answer. None when there is
    nowhere to put it (ask ``object_sizes`` then)."""
    # Files, not pipes: git reads and writes at its own pace while Python is busy, never waiting for
    # a thread that needs Python's lock.
    if present_sizes(repo) is not None or not records:
        return None
    question, answer = _scratch_file(), _scratch_file()
    if question is None or answer is None:
        return None
    end = records[0].index(" ", 9)  # "T 100644 <id> 0\t": every mode has six digits, every id one length
    for start in range(0, len(records), 50_000):
        question.write("\n".join([record[9:end] for record in records[start:start + 50_000]]).encode())
        question.write(b"\n")
    question.seek(0)
    with question:
        sizer = subprocess.Popen(
            ["git", "cat-file", "--batch-check=%(objectsize)", "--buffer"], cwd=repo.top,
            env=_env(repo), stdin=question, stdout=answer, stderr=subprocess.DEVNULL,
        )
    return Started([sizer], answer)


def staged_sizes(started: Started, count: int) -> list[int] | None:
    """The ``count`` sizes ``start_staged_sizes`` computed (-1 for an object missing here: a
    submodule's commit); None if git did not answer each: ask ``object_sizes`` then."""
    for process in started.processes:
        process.wait()
    with started.output:
        started.output.seek(0)
        output = started.output.read()
    sizes = _sizes(output)
    return sizes if len(sizes) == count else None


def object_contents(repo: Repo, object_ids: Iterable[str]) -> dict[str, bytes]:
    """Contents of small blobs (symlink targets, LFS pointer candidates), in one ``cat-file``."""
    present = present_sizes(repo)
    wanted = sorted({object_id for object_id in object_ids if present is None or object_id in present})
    if not wanted:
        return {}
    output = run_git(repo, ["cat-file", "--batch", "--buffer"], stdin="\n".join(wanted).encode() + b"\n")
    contents = {}
    position = 0
    while position < len(output):
        header_end = output.index(b"\n", position)
        object_id, _, rest = output[position:header_end].decode().partition(" ")
        kind, _, size_text = rest.partition(" ")
        if kind == "missing" or not size_text.isdigit():
            position = header_end + 1
            continue
        size = int(size_text)
        contents[object_id] = output[header_end + 1 : header_end + 1 + size]
        position = header_end + 1 + size + 1
    return contents


def staged_links(repo: Repo, folders: Sequence[str]) -> dict[str, str]:
    """The links staged below ``folders`` (relative to the top; ``""`` for all), with the target
    each stores."""
    records, plain = stage_records(repo, folders)
    links = {}
    for record in () if plain else records:
        if record.startswith("120000 ", 2):
            _, object_id, stage, path = parse_record(record)
            if stage == "0":
                links[path] = object_id
    contents = object_contents(repo, links.values())
    return {path: os.fsdecode(contents[object_id]) for path, object_id in links.items()
            if object_id in contents}


def ignored_paths(repo: Repo, pathspecs: Sequence[str] = ()) -> set[str]:
    """Paths git ignores in the work tree; an ignored folder is listed once, with a trailing slash."""
    args = ["ls-files", "-z", "--others", "--ignored", "--exclude-standard", "--directory",
            "--", *[f":(top,literal){p}" for p in pathspecs]]
    return set(_split_z(run_git(repo, args)))


def start_unstaged(repo: Repo, pathspecs: Sequence[str]) -> subprocess.Popen[bytes]:
    """Start listing tracked files changed in the work tree but not staged (``unstaged`` collects);
    it runs while the caller walks the tree."""
    args = [*_UNSTAGED_DIFF, "--", *[f":(top,literal){p}" for p in pathspecs]]
    return subprocess.Popen(["git", *args], cwd=repo.top, env=_env(repo), stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL)


@dataclasses.dataclass
class _Diff:
    """``git diff --name-only`` of ``folders`` (``[""]``: everything), started ahead."""

    folders: list[str]
    process: subprocess.Popen[bytes]
    paths: list[str] | None = None


_DIFFS: dict[Repo, _Diff] = {}


def start_unstaged_paths(repo: Repo, folders: Sequence[str]) -> None:
    """Start what ``unstaged_paths`` asks git about ``folders`` and the folders below them, to answer
    those questions until ``forget_unstaged_paths``: it runs while the caller does other work."""
    wanted = _wanted(folders)
    process = subprocess.Popen(["git", *_UNSTAGED_DIFF, *_below(wanted)], cwd=repo.top, env=_env(repo),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _DIFFS[repo] = _Diff(wanted, process)


def forget_unstaged_paths(repo: Repo) -> None:
    """From now on, ``unstaged_paths`` asks git again: the work tree may have changed."""
    diff = _DIFFS.pop(repo, None)
    if diff is not None and diff.paths is None:
        diff.process.communicate()


def finish_started() -> None:
    """Wait for every git process started ahead whose answer was not asked for: a command leaves
    none running behind it (``git diff`` may still write the index, holding its lock)."""
    for started in [item for listings in _STARTED.values() for _, item in listings]:
        started.processes[0].communicate()
        started.output.close()
    _STARTED.clear()
    for repo in list(_DIFFS):
        forget_unstaged_paths(repo)


def unstaged_paths(repo: Repo, folder: str = "") -> list[str]:
    """The tracked files below ``folder`` whose work-tree copy differs from the index, or may differ
    without git saying so (``hidden_from_diff``)."""
    diff = _DIFFS.get(repo)
    if diff is not None and _inside(folder, diff.folders):
        if diff.paths is None:
            output, error = diff.process.communicate()
            if diff.process.returncode != 0:
                _failed(repo, ["diff"], error, diff.process.returncode)
            diff.paths = _split_z(output)
        changed = [path for path in diff.paths if _inside(path, [folder])]
    else:
        changed = _split_z(run_git(repo, [*_UNSTAGED_DIFF, *_below([folder])]))
    return changed + hidden_from_diff(repo, folder)


def hidden_from_diff(repo: Repo, folder: str = "") -> list[str]:
    """The tracked files below ``folder`` marked ``--skip-worktree`` or ``--assume-unchanged``: git
    compares neither with the index, so their copy on disk may hold anything."""
    listing = _listing(repo, [folder])
    return [] if listing.plain else [record[record.index("\t") + 1:] for record in listing.records
                                     if record[0] == "S" or record[0].islower()]


def staged_changes(repo: Repo) -> frozenset[str]:
    """Every path the commit changes: added, modified, deleted, both sides of a rename, unmerged
    (``GIT_INDEX_FILE`` is honoured: ``git commit -a`` and ``git commit PATH`` stage elsewhere)."""
    output = run_git(repo, ["diff", "--cached", "--name-only", "--no-renames", "--no-ext-diff", "-z",
                            _ALL_SUBMODULES])
    return frozenset(_split_z(output))


def changed_between(repo: Repo, start: str, end: str) -> frozenset[str]:
    """Every path that the commits from ``start`` to ``end`` change (as pre-commit lists them)."""
    output = run_git(repo, ["diff", "--name-only", "--no-renames", "--no-ext-diff", "-z",
                            _ALL_SUBMODULES, f"{start}...{end}"])
    return frozenset(_split_z(output))


def staged_tree_is(repo: Repo, commit: str) -> bool:
    """Whether the index holds exactly the tree of ``commit`` (submodule pointers included)."""
    result = subprocess.run(["git", "diff-index", "--cached", "--quiet", _ALL_SUBMODULES, commit, "--"],
                            cwd=repo.top, capture_output=True, env=_env(repo), check=False)
    if result.returncode not in (0, 1):
        message = result.stderr.decode(errors="replace").strip().splitlines()
        raise SnapshotInputError(f"{repo.top}: git diff-index failed: "
                                 f"{message[-1] if message else result.returncode}")
    return result.returncode == 0


def unstaged(started: subprocess.Popen[bytes]) -> list[str]:
    output, _ = started.communicate()
    return _split_z(output) if started.returncode == 0 else []

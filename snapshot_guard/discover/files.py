"""Which files of a repository can declare a root, and reading them.

In a repository, git lists the files; what a committed file holds is known from its blob id once it
has been read (``Facts``, kept in the cache by content), so a run reads only the files that changed.
Everything discovery then reads or asks of the disk goes through ``Inputs``, which records it: a later
run reuses the roots only when every answer is still the same.
"""
from __future__ import annotations

import dataclasses
import hashlib
import os
import posixpath
import re
import stat
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import IO, Union

from snapshot_guard.git import Repo, present_sizes

SKIPPED_DIRS = frozenset({
    ".git", "node_modules", "site-packages", "__pycache__", ".ipynb_checkpoints", ".tox", ".nox",
    ".venv", "venv", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".eggs",
})
AML_MARKERS = ("azureml", "azure.ai", "mldesigner", "azure.ml")
YAML_MARKERS = ("code", "additional_includes")
PYTHON_SUFFIXES = (".py", ".ipynb")
YAML_SUFFIXES = (".yml", ".yaml")
_MAX_SOURCE_BYTES = 4 * 1024 * 1024
_MAX_NOTEBOOK_BYTES = 64 * 1024 * 1024
"""Notebooks carry their outputs (plots, tables): far larger than the code in them."""
_PYTHON_GLOBS = tuple(f"*{suffix}" for suffix in PYTHON_SUFFIXES)
_YAML_GLOBS = tuple(f"*{suffix}" for suffix in YAML_SUFFIXES)
_GLOBS = _PYTHON_GLOBS + _YAML_GLOBS
_SKIPPED_SPECS = tuple(f":(exclude,glob)**/{name}/**" for name in sorted(SKIPPED_DIRS))
_REGULAR_MODES = frozenset((b"100644", b"100755", b"100664"))
"""Index modes of regular files: ``git grep`` reads no other (links, submodules)."""
_PYTHON_BYTES = tuple(suffix.encode() for suffix in PYTHON_SUFFIXES)
_GIT_ENV = {"GIT_NO_LAZY_FETCH": "1", "GIT_TERMINAL_PROMPT": "0"}

AML_FACT = 1
"""A blob holds one of ``AML_MARKERS``: as a Python file or notebook, it may declare a root."""
YAML_FACT = 2
"""A blob holds one of ``YAML_MARKERS``: as a YAML file, it may declare a root."""
Facts = Mapping[bytes, int]
"""What blobs hold, by blob id (hexadecimal, ASCII): ``AML_FACT | YAML_FACT`` bits."""
_SKIPPED_PATH = re.compile(
    rb"(?:^|/)(?:" + b"|".join(re.escape(name.encode()) for name in sorted(SKIPPED_DIRS)) + rb")/")


def walk_candidates(top: str) -> Iterator[str]:
    """Outside a repository: every Python, notebook and YAML file, but in virtualenvs and vendored
    folders."""
    for folder, dirs, files in os.walk(top):
        dirs[:] = sorted(
            name for name in dirs
            if name not in SKIPPED_DIRS
            and not os.path.exists(os.path.join(folder, name, "pyvenv.cfg"))
            and not os.path.isdir(os.path.join(folder, name, "conda-meta"))
        )
        for name in sorted(files):
            if name.endswith(PYTHON_SUFFIXES + YAML_SUFFIXES):
                yield os.path.join(folder, name)


@dataclasses.dataclass(frozen=True)
class Listing:
    candidates: list[str]
    """The files that can declare a root, absolute, sorted: committed files whose content holds a
    marker, and every changed or untracked file (the caller looks for the markers in those)."""
    facts: Facts
    """What the blobs of the committed files hold: the facts worth keeping for the next run
    (``known`` itself when it holds exactly those)."""


def repository_candidates(top: str, known: Facts | None) -> Listing | None:
    """The candidate files below ``top``, in a repository (None when git fails).

    What ``git grep -l`` over the work tree lists, and the untracked files git does not ignore (one
    walk of the folders). With ``known`` facts (the cache's; None: there is no cache to keep them
    in), the files that are as committed are not read: their content is the staged blob's, and what
    a blob holds is in ``known`` or read once from the object store. The listings run at once: the
    staged entries, the tracked files changed in the work tree (``git diff-files``, which checks
    every file's stat as ``git status`` does), the untracked files, and the smudge filters
    configured (where there are, ``git check-attr`` says which files one may write: those are read
    as changed ones).
    """
    untracked_files = ["ls-files", "-z", "--others", "--exclude-standard", "--", *_GLOBS,
                       *_SKIPPED_SPECS]
    if known is None:
        found = _git_outputs(top, [
            ["grep", "-l", "-z", "-F", *_patterns(AML_MARKERS), "--", *_PYTHON_GLOBS],
            ["grep", "-l", "-z", "-F", *_patterns(YAML_MARKERS), "--", *_YAML_GLOBS],
            untracked_files,
        ], searches=2)
        return None if found is None else Listing(_paths(top, b"\0".join(found).split(b"\0")), {})
    outputs = _git_outputs(top, [
        ["config", "-z", "--get-regexp", r"^filter\..*\.(smudge|process)$"],
        ["ls-files", "-z", "--stage", "--", *_GLOBS],
        ["diff-files", "-z", "--name-only", "--relative", "--", *_GLOBS],  # paths as ls-files gives
        untracked_files,
    ], searches=1)
    if outputs is None:
        return None
    drivers, staged, changed, untracked = outputs
    on_disk, committed = _staged_files(staged, set(changed.split(b"\0")))
    if drivers:  # a smudge filter may write what the blob does not hold: read the file
        filtered = _filtered(top, [path for path, _ in committed])
        on_disk += [path for path, _ in committed if path in filtered]
        committed = [(path, blob) for path, blob in committed if path not in filtered]
    facts, holding, unread = _holding(top, committed, known)
    chosen = [path for path in on_disk + unread if _is_file(os.path.join(top, os.fsdecode(path)))]
    return Listing(_paths(top, chosen + holding + untracked.split(b"\0")), facts)


def _staged_files(staged: bytes, changed: set[bytes]) -> tuple[list[bytes], list[tuple[bytes, bytes]]]:
    """The regular files of ``git ls-files --stage`` (git grep reads no link, no submodule): those to
    read from the disk (changed, or unmerged), and those as committed, with their blob id."""
    on_disk: list[bytes] = []
    committed: list[tuple[bytes, bytes]] = []
    for record in staged.split(b"\0"):
        if record[:6] not in _REGULAR_MODES:
            continue
        info, _, path = record.partition(b"\t")
        if info[-1:] != b"0" or path in changed:
            on_disk.append(path)
        else:
            committed.append((path, info[7:-2]))
    return on_disk, committed


def _holding(top: str, committed: list[tuple[bytes, bytes]], known: Facts
             ) -> tuple[Facts, list[bytes], list[bytes]]:
    """The facts of the ``committed`` files' blobs (``known``, and what the blobs it does not know
    hold), the files whose blob holds a marker of their kind, and those whose blob is missing."""
    holding: list[bytes] = []
    unknown: dict[bytes, list[bytes]] = {}
    for path, blob in committed:
        bits = known.get(blob)
        if bits is None:
            unknown.setdefault(blob, []).append(path)
        elif bits & _wanted(path):
            holding.append(path)
    if not unknown and len({blob for _, blob in committed}) == len(known):
        return known, holding, []
    read, missing = _blob_facts(top, list(unknown))
    facts = {**{blob: known[blob] for _, blob in committed if blob in known}, **read}
    holding += [path for blob, paths in unknown.items() if blob in read for path in paths
                if read[blob] & _wanted(path)]
    return facts, holding, [path for blob in missing for path in unknown[blob]]


def _filtered(top: str, paths: list[bytes]) -> set[bytes]:
    """Which of ``paths`` a smudge filter (git-lfs...) may write otherwise than their blob."""
    try:
        answer = subprocess.run(["git", "check-attr", "-z", "--stdin", "filter"], cwd=top,
                                input=b"".join(path + b"\0" for path in paths), capture_output=True,
                                env={**os.environ, **_GIT_ENV}, check=False)
    except OSError:
        answer = None
    if answer is None or answer.returncode != 0:
        return set(paths)  # cannot tell: read every file
    fields = answer.stdout.split(b"\0")
    return {path for path, value in zip(fields[0::3], fields[2::3])
            if value not in (b"unspecified", b"unset")}


def _paths(top: str, names: list[bytes]) -> list[str]:
    """Absolute paths, sorted, of the ``names`` git gave (relative to ``top``), but in skipped
    folders."""
    return sorted({os.path.join(top, os.fsdecode(name)) for name in names
                   if name and not _SKIPPED_PATH.search(name)})


def _patterns(words: tuple[str, ...]) -> list[str]:
    return [argument for word in words for argument in ("-e", word)]


def _wanted(path: bytes) -> int:
    return AML_FACT if path.endswith(_PYTHON_BYTES) else YAML_FACT


def _is_file(path: str) -> bool:
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def _git_outputs(top: str, commands: Sequence[Sequence[str]], searches: int = 0) -> list[bytes] | None:
    """The outputs of git ``commands``, run at once; None if one fails (the first ``searches`` are
    ``git grep``, for which 1 means "nothing found")."""
    try:
        processes = [subprocess.Popen(["git", *command], cwd=top, stdout=subprocess.PIPE,
                                      stderr=subprocess.DEVNULL, env={**os.environ, **_GIT_ENV})
                     for command in commands]
    except OSError:
        return None
    outputs = [process.communicate()[0] for process in processes]
    if any(process.returncode not in ((0, 1) if index < searches else (0,))
           for index, process in enumerate(processes)):
        return None
    return outputs


def _blob_facts(top: str, blobs: Sequence[bytes]) -> tuple[dict[bytes, int], list[bytes]]:
    """What each blob holds, read with one ``git cat-file --batch``; and the blobs that are not in
    the object store (a partial clone's, which are never fetched)."""
    if not blobs:
        return {}, []
    present = present_sizes(Repo(top))
    missing = [blob for blob in blobs if present is not None and blob.decode() not in present]
    wanted = [blob for blob in blobs if present is None or blob.decode() in present]
    facts: dict[bytes, int] = {}
    if not wanted:
        return facts, missing
    process = subprocess.Popen(["git", "cat-file", "--batch"], cwd=top, stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, bufsize=1 << 20,
                               env={**os.environ, **_GIT_ENV})
    assert process.stdin is not None and process.stdout is not None
    feeder = threading.Thread(target=_feed, args=(process.stdin, wanted), daemon=True)
    feeder.start()
    try:
        for index, blob in enumerate(wanted):
            header = process.stdout.readline().split()
            if len(header) == 3 and header[0] == blob:
                facts[blob] = _content_facts(process.stdout.read(int(header[2]) + 1)[:-1])
            elif header == [blob, b"missing"]:
                missing.append(blob)
            else:  # the answers cannot be followed: read all that is left from the work tree
                missing.extend(wanted[index:])
                break
    finally:
        process.stdout.close()
        feeder.join()
        process.wait()
    return facts, missing


def _feed(stream: IO[bytes], blobs: Sequence[bytes]) -> None:
    try:
        stream.write(b"".join(blob + b"\n" for blob in blobs))
        stream.close()
    except OSError:  # git ended early
        pass


_AML_BYTES = tuple(marker.encode() for marker in AML_MARKERS)
_YAML_BYTES = tuple(marker.encode() for marker in YAML_MARKERS)


def _content_facts(content: bytes) -> int:
    return (AML_FACT if any(marker in content for marker in _AML_BYTES) else 0) | \
        (YAML_FACT if any(marker in content for marker in _YAML_BYTES) else 0)


# ---------------------------------------------------------------------------------------------
# Reading, recorded.

Identity = tuple[int, int, int, int, int, int]
"""A file's device, inode, size, modification and change times (ns), and mode: another content
means another identity, but for a change in the same clock tick as the last (see ``_RACY_NS``)."""
Answer = Union[bool, str]
_RACY_NS = 2_000_000_000
"""A file changed this recently may change again within the same timestamp: its content is recorded
by digest, not by identity alone."""


@dataclasses.dataclass(frozen=True)
class Read:
    identity: Identity | None
    """None: the file could not be opened."""
    digest: str | None = None
    """SHA-256 of what was read, when the identity was too recent to vouch for it."""


class Inputs:
    """Everything one discovery read or asked of the disk, and the answers, so that a later run can
    tell whether it would read the same."""

    def __init__(self, top: str) -> None:
        self.top = top
        self.reads: dict[str, Read] = {}
        self.probes: dict[str, dict[str, Answer]] = {kind: {} for kind in PROBES}
        """The answers, by question (``isfile``, ``exists``, ``expanduser``) and path."""

    def read_text(self, path: str) -> str | None:
        data, identity = _read(path)
        racy = identity is not None and data is not None and \
            max(identity[3], identity[4]) >= time.time_ns() - _RACY_NS
        self.reads.setdefault(path, Read(identity, hashlib.sha256(data).hexdigest()
                                         if racy and data is not None else None))
        return None if data is None else data.decode("utf-8", errors="replace")

    def isfile(self, path: str) -> bool:
        return bool(self._probe("isfile", path))

    def exists(self, path: str) -> bool:
        return bool(self._probe("exists", path))

    def expanduser(self, path: str) -> str:
        return str(self._probe("expanduser", path))

    def _probe(self, kind: str, path: str) -> Answer:
        answers = self.probes[kind]
        if path not in answers:
            answers[path] = PROBES[kind](path)
        return answers[path]

    def unchanged(self) -> bool:
        """Whether every read and every question would still get the same answer."""
        for path, read in self.reads.items():
            if _identity(path) != read.identity:
                return False
            if read.digest is not None:
                data, _ = _read(path)
                if data is None or hashlib.sha256(data).hexdigest() != read.digest:
                    return False
        return all(PROBES[kind](path) == answer for kind, answers in self.probes.items()
                   for path, answer in answers.items())


PROBES: dict[str, Callable[[str], Answer]] = {
    "isfile": os.path.isfile, "exists": os.path.exists, "expanduser": os.path.expanduser}


def _read(path: str) -> tuple[bytes | None, Identity | None]:
    """The bytes of a regular file no larger than discovery reads (None otherwise), and its identity
    taken before reading: a change while it is read changes the identity a later run sees."""
    try:
        handle = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None, None
    try:
        info = os.fstat(handle)
        identity = _identity_of(info)
        limit = _MAX_NOTEBOOK_BYTES if path.endswith(".ipynb") else _MAX_SOURCE_BYTES
        if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
            return None, identity
        with os.fdopen(handle, "rb", closefd=False) as stream:
            data = stream.read(limit + 1)
        return (data if len(data) <= limit else None), identity
    except OSError:
        return None, None
    finally:
        os.close(handle)


def _identity(path: str) -> Identity | None:
    try:
        return _identity_of(os.stat(path))
    except OSError:
        return None


def _identity_of(info: os.stat_result) -> Identity:
    return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_mode)


def relative(path: str, top: str) -> str:
    return posixpath.normpath(os.path.relpath(path, top).replace(os.sep, "/"))

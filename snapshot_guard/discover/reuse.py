"""Discovery, done once for what it reads: the roots an earlier run found are reused only when this run
would read exactly the same.

Each hook of a commit is its own process and needs the roots. The candidate files are listed afresh
by every run, from git's listings and what each committed blob holds (kept by blob id: content, not
time, decides it). The roots found in them are kept in the private cache (:mod:`snapshot_guard.cache`)
with everything the analysis read or asked of the disk: the candidate list, the identity of every
file read (device, inode, size, modification and change times, mode; for a file changed within the
last two seconds, the digest of what was read), the answer to every path probed (``isfile``,
``exists``, ``~``), and the code of snapshot-guard, Python and PyYAML that judged them. Anything
different, or a cache that cannot be trusted, and the analysis runs again. Nothing in a key comes from
the environment a run is started in (``PRE_COMMIT``, process ids, the time), so no such thing can
bring back a stale result.
"""
from __future__ import annotations

import dataclasses
import functools
import hashlib
import importlib.util
import json
import os
import sys
from typing import Any

import snapshot_guard
from snapshot_guard import cache
from snapshot_guard.discover.declared import DeclaredRoot
from snapshot_guard.discover.files import (
    AML_MARKERS,
    PROBES,
    YAML_MARKERS,
    Facts,
    Inputs,
    Read,
    repository_candidates,
    walk_candidates,
)
from snapshot_guard.git import find_repo

_FORMAT = "discover 1"


def discover_roots(top: str) -> list[DeclaredRoot]:
    """Every place in the repository at ``top`` that declares a directory an Azure ML job uploads."""
    top = os.path.abspath(top)
    if find_repo(top) is None:  # outside a repository: nothing to key a reuse by
        return _analyse(top, list(walk_candidates(top)), Inputs(top))
    known = _load_facts(top)
    listing = repository_candidates(top, known)
    if listing is None:
        return _analyse(top, list(walk_candidates(top)), Inputs(top))
    if known is not None and listing.facts is not known:
        _store_facts(top, listing.facts)
    saved = _load(top) if known is not None else None
    if saved is not None and saved.candidates == listing.candidates and saved.inputs.unchanged():
        return saved.roots
    inputs = Inputs(top)
    roots = _analyse(top, listing.candidates, inputs)
    if known is not None:
        _store(top, Saved(listing.candidates, inputs, roots))
    return roots


@dataclasses.dataclass(frozen=True)
class Saved:
    """What a run keeps: the roots, and everything the analysis read to find them."""

    candidates: list[str]
    inputs: Inputs
    roots: list[DeclaredRoot]


def _analyse(top: str, candidates: list[str], inputs: Inputs) -> list[DeclaredRoot]:
    # the analysis (Python's and YAML's parsers, the evaluator) is imported only when it runs
    from snapshot_guard.discover.roots import declared_roots

    return declared_roots(top, candidates, inputs)


def _entry_name(kind: str, *key: str) -> str:
    return f"{kind}-" + hashlib.sha256(os.fsencode("\0".join((_FORMAT, *key)))).hexdigest()[:40]


def _load_facts(top: str) -> Facts | None:
    """What the repository's blobs hold, as an earlier run kept it (kept apart from the roots: a
    new version of snapshot-guard still knows it); None when there is no cache to keep it in."""
    payload = cache.read(_entry_name("facts", *AML_MARKERS, "", *YAML_MARKERS, top))
    if payload is None:
        return {} if cache.usable() else None
    try:
        length, text = json.loads(payload)
        data = text.encode()
        return {data[start:start + length]: data[start + length] - 48
                for start in range(0, len(data), length + 1)}
    except (ValueError, TypeError, IndexError):  # not what this code writes
        return {}


def _store_facts(top: str, facts: Facts) -> None:
    # one string: each blob id followed by its one-digit bits
    kept = [len(next(iter(facts), b"")), "".join(f"{blob.decode()}{bits}" for blob, bits in facts.items())]
    cache.write(_entry_name("facts", *AML_MARKERS, "", *YAML_MARKERS, top), json.dumps(kept).encode())


@functools.cache
def _code_digest() -> str:
    """What judged: snapshot-guard's own code (its content: a change to it may find other roots),
    Python's version (its parser), and PyYAML's files (their sizes and times, without importing
    it)."""
    digest = hashlib.sha256(sys.version.encode())
    package = os.path.dirname(os.path.abspath(snapshot_guard.__file__))
    for path in _files(package):
        if path.endswith(".py"):
            with open(path, "rb") as handle:
                digest.update(os.fsencode(os.path.relpath(path, package)) + b"\0" +
                              hashlib.sha256(handle.read()).digest())
    spec = importlib.util.find_spec("yaml")
    for folder in (spec.submodule_search_locations or []) if spec is not None else []:
        for path in _files(folder):
            info = os.stat(path)
            digest.update(f"{path}\0{info.st_size}\0{info.st_mtime_ns}\0".encode())
    return digest.hexdigest()


def _files(folder: str) -> list[str]:
    return sorted(os.path.join(parent, name) for parent, _, names in os.walk(folder)
                  for name in names)


def _load(top: str) -> Saved | None:
    payload = cache.read(_entry_name("discover", _code_digest(), top))
    if payload is None:
        return None
    prefix = _prefix(top)
    try:
        kept = json.loads(payload)
        if kept["top"] != top:
            return None
        inputs = Inputs(top)
        inputs.reads.update((_long(path, prefix), Read(None if identity is None else tuple(identity),
                                                        digest))
                            for path, identity, digest in kept["reads"])
        for kind, (yes, no, answers) in kept["probes"].items():
            if kind not in PROBES:
                return None
            if kind != "expanduser":
                yes, no = [_long(path, prefix) for path in yes], [_long(path, prefix) for path in no]
            inputs.probes[kind] = {**dict.fromkeys(yes, True), **dict.fromkeys(no, False),
                                   **dict(answers)}
        return Saved([_long(path, prefix) for path in kept["candidates"]], inputs,
                     [DeclaredRoot(*row) for row in kept["roots"]])
    except (ValueError, KeyError, TypeError, IndexError):  # not what this code writes
        return None


def _store(top: str, saved: Saved) -> None:
    inputs = saved.inputs
    if not all(os.path.isabs(path) for path in inputs.reads) or \
            not all(os.path.isabs(path) for kind, answers in inputs.probes.items()
                    if kind != "expanduser" for path in answers):
        return  # a relative path would be read against another folder: keep nothing
    prefix = _prefix(top)
    probes: dict[str, list[list[Any]]] = {}
    for kind, answers in inputs.probes.items():
        if kind == "expanduser":  # the answer is a path, the question is not
            probes[kind] = [[], [], [[text, answer] for text, answer in answers.items()]]
        else:  # a yes or no about a path
            probes[kind] = [[_short(path, prefix) for path, answer in answers.items() if answer],
                            [_short(path, prefix) for path, answer in answers.items() if not answer],
                            []]
    kept = {
        "top": top,
        "candidates": [_short(path, prefix) for path in saved.candidates],
        "reads": [[_short(path, prefix), read.identity, read.digest]
                  for path, read in inputs.reads.items()],
        "probes": probes,
        "roots": [dataclasses.astuple(item) for item in saved.roots],
    }
    cache.write(_entry_name("discover", _code_digest(), top),
                json.dumps(kept, separators=(",", ":")).encode())


def _prefix(top: str) -> str:
    return top.rstrip(os.sep) + os.sep


def _short(path: str, prefix: str) -> str:
    """``path`` relative to the top (``prefix``: the top and a separator) when below it (smaller to
    keep), else NUL and the path (absolute: NUL is in no path)."""
    return path[len(prefix):] if path.startswith(prefix) else "\0" + path


def _long(path: str, prefix: str) -> str:
    return path[1:] if path[:1] == "\0" else prefix + path

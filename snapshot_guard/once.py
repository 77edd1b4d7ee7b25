"""Do a root's work once per ``pre-commit`` run, however many times pre-commit starts the hook.

pre-commit splits a long list of file names (``--all-files`` in a large repository) over many runs
of the same hook. A check of a whole root must run in the first of them only: otherwise the root is
read, and reported, once per run. The runs share their parent, the pre-commit process; a marker file
named after it, the check and the root says "done".

The limit hooks also leave a record of their options, their roots and the roots done
(``remember``): a later run whose file names touch only roots done ends before it imports the
rest of the package (``nothing_left``), which matters when pre-commit starts the hook thirty times.
And hooks share what they found (``share``): the roots the code declares, and what the size and
count hooks measured of a root (the second walks it only when the first one's numbers do not
settle its own check).
"""
from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from typing import Any

_STALE_SECONDS = 24 * 3600


def _run_id() -> str | None:
    """The parent process and its start time (so a reused process id is a new run); None when the
    system does not say (no ``/proc``), and then every run does the work."""
    parent = os.getppid()
    try:
        with open(f"/proc/{parent}/stat", "rb") as handle:
            fields = handle.read().rsplit(b")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return f"{parent}:{fields[19].decode()}" if len(fields) > 19 else None


def _marker(check: str, key: str) -> str | None:
    """The marker file for ``key`` of ``check`` in this pre-commit run (its folder created); None
    outside pre-commit, or when the run cannot be told apart."""
    if not os.environ.get("PRE_COMMIT"):
        return None
    run = _run_id()
    if run is None:
        return None
    folder = os.path.join(tempfile.gettempdir(), f"snapshot-guard-{getattr(os, 'getuid', int)()}")
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        _forget_old(folder)
    except OSError:
        return None
    return os.path.join(folder, hashlib.sha256(f"{run}\0{check}\0{key}".encode()).hexdigest())


def first_time(check: str, key: str) -> bool:
    """True unless an earlier run of ``check`` under the same pre-commit process did ``key``."""
    marker = _marker(check, key)
    if marker is None:
        return True
    try:
        os.close(os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        return False
    except OSError:
        return True
    return True


def _records(marker: str) -> list[dict[str, list[str]]]:
    try:
        with open(marker, encoding="utf-8") as handle:
            records: list[dict[str, list[str]]] = json.load(handle)
    except (OSError, ValueError):
        return []
    return records


def remember(check: str, options: Sequence[str], roots: Sequence[str], done: Sequence[str]) -> None:
    """Record that a run of ``check`` with these option arguments (its file names left out) knows
    these roots (absolute paths) and has checked ``done``."""
    marker = _marker(check, "runs")
    if marker is None:
        return
    records = _records(marker)
    earlier = [root for record in records if record["options"] == list(options)
               for root in record["done"]]
    records = [record for record in records if record["options"] != list(options)]
    records.append({"options": list(options), "roots": list(roots), "done": sorted({*earlier, *done})})
    try:
        with open(marker, "w", encoding="utf-8") as handle:
            json.dump(records, handle)
    except OSError:
        pass


def nothing_left(check: str, argv: Sequence[str] | None) -> bool:
    """Under pre-commit: True when an earlier run of ``check`` with the same options has checked
    every root that the file names in ``argv`` touch."""
    marker = _marker(check, "runs")
    if marker is None:
        return False
    arguments = list(sys.argv[1:] if argv is None else argv)
    for record in _records(marker):
        options = record["options"]
        names = arguments[len(options):]
        if arguments[: len(options)] != options or not names or any(n.startswith("-") for n in names):
            continue
        paths = [os.path.abspath(name) for name in names]
        touched = {root for root in record["roots"] for path in paths
                   if path == root or path.startswith(root.rstrip(os.sep) + os.sep)}
        return touched <= set(record["done"])
    return False


def share(key: str, found: dict[str, Any]) -> None:
    """Leave ``found`` (plain JSON data about ``key``) for the other hooks of this pre-commit run."""
    marker = _marker("shared", key)
    if marker is None:
        return
    try:
        with open(marker, "w", encoding="utf-8") as handle:
            json.dump(found, handle)
    except OSError:
        pass


def shared(key: str) -> dict[str, Any] | None:
    """What a hook of this pre-commit run left about ``key``; None outside pre-commit or if none."""
    marker = _marker("shared", key)
    try:
        with open(marker or "", encoding="utf-8") as handle:
            found: dict[str, Any] = json.load(handle)
    except (OSError, ValueError):
        return None
    return found


def _forget_old(folder: str) -> None:
    now = time.time()
    with os.scandir(folder) as entries:
        for entry in entries:
            try:
                if now - entry.stat().st_mtime > _STALE_SECONDS:
                    os.unlink(entry.path)
            except OSError:
                pass

"""Do a root's work once per ``pre-commit`` run, however many times pre-commit starts the hook.

pre-commit splits a long list of file names (``--all-files`` in a large repository) over many runs
of the same hook. A check of a whole root must run in the first of them only: otherwise the root is
read, and reported, once per run. The runs share their parent, the pre-commit process; a marker file
named after it, the check and the root says "done".
"""
from __future__ import annotations

import hashlib
import os
import tempfile
import time

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


def first_time(check: str, key: str) -> bool:
    """True unless an earlier run of ``check`` under the same pre-commit process did ``key``."""
    if not os.environ.get("PRE_COMMIT"):
        return True
    run = _run_id()
    if run is None:
        return True
    folder = os.path.join(tempfile.gettempdir(), f"snapshot-guard-{getattr(os, 'getuid', int)()}")
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        _forget_old(folder)
        name = hashlib.sha256(f"{run}\0{check}\0{key}".encode()).hexdigest()
        os.close(os.open(os.path.join(folder, name), os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        return False
    except OSError:
        return True
    return True


def _forget_old(folder: str) -> None:
    now = time.time()
    with os.scandir(folder) as entries:
        for entry in entries:
            try:
                if now - entry.stat().st_mtime > _STALE_SECONDS:
                    os.unlink(entry.path)
            except OSError:
                pass

"""A private per-user folder that keeps work for later runs: ``$XDG_CACHE_HOME/snapshot-guard``, else
``~/.cache/snapshot-guard``.

What is kept here can only save time, never decide a verdict: a client keys an entry by exactly what
it judged and checks that key before it reuses anything. This module makes sure an entry is the one
this user wrote, whole: the folder is created mode 0700 and, every time it is used, opened without
following a link and checked (a folder of this user's, no access for anyone else); an entry is opened
without following a link, checked the same way, and carries a checksum; it is written to a temporary
file in the same folder and renamed over the old one, so a run killed halfway leaves the old entry or
none. Any doubt (no home, a read-only or foreign folder, a wrong mode, a bad checksum, a system
without ``O_NOFOLLOW``) means nothing is read or kept, never an error.
"""
from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import stat
import time
from collections.abc import Callable

FOLDER_NAME = "snapshot-guard"
_MAGIC = b"snapshot-guard cache 1\n"
_DIGEST_LENGTH = 64
_MAX_ENTRY_BYTES = 1 << 30
_STALE_SECONDS = 3600
"""A temporary file this old was left by a killed run."""
_UNUSED_SECONDS = 90 * 24 * 3600
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


def folder_path() -> str | None:
    """Where the folder is (whether or not it exists); None when this user has no home to put it in."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):  # the XDG specification: a relative path is to be ignored
        home = os.path.expanduser("~")
        if not os.path.isabs(home):
            return None
        base = os.path.join(home, ".cache")
    return os.path.join(base, FOLDER_NAME)


def usable() -> bool:
    """Whether there is a folder to keep entries in (it is created if need be)."""
    folder = _open_folder(create=True)
    if folder is None:
        return False
    os.close(folder)
    return True


def read(name: str) -> bytes | None:
    """The entry ``name`` as it was written, or None (none, or not to be trusted)."""
    folder = _open_folder(create=False)
    if folder is None:
        return None
    try:
        handle = os.open(name, os.O_RDONLY | _NOFOLLOW | _NONBLOCK | _CLOEXEC, dir_fd=folder)
    except OSError:
        return None
    finally:
        os.close(folder)
    try:
        info = os.fstat(handle)
        if not (_private(info, stat.S_ISREG) and info.st_nlink == 1) or \
                info.st_size > _MAX_ENTRY_BYTES:
            return None
        with os.fdopen(handle, "rb", closefd=False) as stream:
            data = stream.read()
    except OSError:
        return None
    finally:
        os.close(handle)
    header = len(_MAGIC) + _DIGEST_LENGTH + 1
    payload = data[header:]
    if data[:len(_MAGIC)] != _MAGIC or \
            data[len(_MAGIC):header] != hashlib.sha256(payload).hexdigest().encode() + b"\n":
        return None
    return payload


def write(name: str, payload: bytes) -> None:
    """Keep ``payload`` as the entry ``name`` (atomically); nothing happens when it cannot be kept."""
    folder = _open_folder(create=True)
    if folder is None:
        return
    temporary = f".{name}.{secrets.token_hex(8)}.tmp"
    try:
        _remove_stale(folder)
        handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC,
                         0o600, dir_fd=folder)
        try:
            with os.fdopen(handle, "wb", closefd=False) as stream:
                stream.write(_MAGIC + hashlib.sha256(payload).hexdigest().encode() + b"\n")
                stream.write(payload)
        finally:
            os.close(handle)
        os.replace(temporary, name, src_dir_fd=folder, dst_dir_fd=folder)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(temporary, dir_fd=folder)
    finally:
        os.close(folder)


def _private(info: os.stat_result, is_kind: Callable[[int], bool]) -> bool:
    """Of this user, of the kind wanted (``stat.S_ISDIR``...), and nobody else may use it."""
    return is_kind(info.st_mode) and info.st_uid == os.geteuid() and not info.st_mode & 0o077


def _open_folder(create: bool) -> int | None:
    """A descriptor of the folder, checked; None when there is none to trust."""
    path = folder_path()
    if path is None or not _NOFOLLOW or not _DIRECTORY or not hasattr(os, "geteuid"):
        return None
    try:
        if create:
            parent = os.path.dirname(path)
            if not os.path.isdir(parent):
                os.makedirs(parent, mode=0o700, exist_ok=True)
            with contextlib.suppress(FileExistsError):
                os.mkdir(path, 0o700)
        seen = os.lstat(path)
        if not _private(seen, stat.S_ISDIR):
            return None
        folder = os.open(path, os.O_RDONLY | _DIRECTORY | _NOFOLLOW | _CLOEXEC)
    except OSError:
        return None
    try:
        opened = os.fstat(folder)
    except OSError:
        opened = None
    if opened is None or (opened.st_dev, opened.st_ino) != (seen.st_dev, seen.st_ino) or \
            not _private(opened, stat.S_ISDIR):
        os.close(folder)
        return None
    return folder


def _remove_stale(folder: int) -> None:
    """Remove the temporary files of runs killed over an hour ago, and entries nothing has written for
    three months (of repositories gone, most likely; one still in use computes its entry again)."""
    now = time.time()
    with os.scandir(folder) as entries:
        for entry in entries:
            temporary = entry.name.startswith(".") and entry.name.endswith(".tmp")
            try:
                if entry.stat(follow_symlinks=False).st_mtime < \
                        now - (_STALE_SECONDS if temporary else _UNUSED_SECONDS):
                    os.unlink(entry.name, dir_fd=folder)
            except OSError:
                pass

"""The private cache folder: only this user's own, whole entries are ever read back."""
from __future__ import annotations

import os
import pwd
import shutil
import stat
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from snapshot_guard import cache

OTHER_USER = "sg-other"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty cache home; the folder is ``home / "snapshot-guard"``."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_entries_round_trip_in_a_folder_only_this_user_can_use(home: Path) -> None:
    assert cache.read("entry") is None
    cache.write("entry", b"payload\n")
    assert cache.read("entry") == b"payload\n"
    cache.write("entry", b"newer")
    assert cache.read("entry") == b"newer"
    assert stat.S_IMODE((home / "snapshot-guard").stat().st_mode) == 0o700
    assert stat.S_IMODE((home / "snapshot-guard" / "entry").stat().st_mode) == 0o600
    assert sorted(os.listdir(home / "snapshot-guard")) == ["entry"]


@pytest.mark.parametrize("mode", [0o750, 0o705, 0o770, 0o777])
def test_a_folder_others_may_use_is_not_used(home: Path, mode: int) -> None:
    cache.write("entry", b"payload")
    os.chmod(home / "snapshot-guard", mode)
    assert cache.read("entry") is None
    assert not cache.usable()
    cache.write("second", b"payload")
    assert not (home / "snapshot-guard" / "second").exists()


def test_a_link_in_place_of_the_folder_is_not_followed(home: Path, tmp_path: Path) -> None:
    cache.write("entry", b"payload")
    elsewhere = tmp_path / "elsewhere"  # a private folder of ours, holding a valid entry
    os.rename(home / "snapshot-guard", elsewhere)
    (home / "snapshot-guard").symlink_to(elsewhere)
    assert cache.read("entry") is None
    assert not cache.usable()
    cache.write("new", b"payload")
    assert os.listdir(elsewhere) == ["entry"]


def test_a_link_in_place_of_an_entry_is_not_followed(home: Path, tmp_path: Path) -> None:
    cache.write("entry", b"payload")
    folder = home / "snapshot-guard"
    target = tmp_path / "precious"
    shutil.copy(folder / "entry", target)  # a valid entry, but not in the folder
    os.chmod(target, 0o600)
    (folder / "entry").unlink()
    (folder / "entry").symlink_to(target)
    assert cache.read("entry") is None
    cache.write("entry", b"other")
    assert not (folder / "entry").is_symlink() and cache.read("entry") == b"other"
    assert target.read_bytes().endswith(b"payload"), "the link's target was written through"


def test_an_entry_that_is_not_whole_is_not_read(home: Path) -> None:
    cache.write("entry", b"payload of some length")
    path = home / "snapshot-guard" / "entry"
    whole = path.read_bytes()
    path.write_bytes(whole[:-4])  # what a writer killed without the rename would leave
    assert cache.read("entry") is None
    path.write_bytes(whole[:-1] + b"X")
    assert cache.read("entry") is None
    path.write_bytes(b"")
    assert cache.read("entry") is None
    path.write_bytes(whole)
    os.chmod(path, 0o644)  # readable by others: not one this code wrote
    assert cache.read("entry") is None


def test_what_killed_writers_left_and_long_unused_entries_are_removed(home: Path) -> None:
    cache.write("entry", b"payload")
    folder = home / "snapshot-guard"
    old, fresh = folder / ".entry.1.tmp", folder / ".entry.2.tmp"
    old.write_bytes(b"half")
    fresh.write_bytes(b"half")
    two_hours_ago = time.time() - 7200
    os.utime(old, (two_hours_ago, two_hours_ago))
    cache.write("forgotten", b"payload")
    cache.write("recent", b"payload")
    a_year_ago = time.time() - 365 * 24 * 3600
    os.utime(folder / "forgotten", (a_year_ago, a_year_ago))
    cache.write("entry", b"payload")
    assert not old.exists() and fresh.exists()
    assert cache.read("entry") == b"payload" and cache.read("recent") == b"payload"
    assert not (folder / "forgotten").exists()


def test_no_home_or_no_writable_place_means_no_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", os.devnull)  # a file: no folder can be made in it
    assert not cache.usable()
    cache.write("entry", b"payload")
    assert cache.read("entry") is None
    monkeypatch.setenv("XDG_CACHE_HOME", "relative")  # to be ignored: the home's .cache then
    monkeypatch.setenv("HOME", "also-relative")
    assert cache.folder_path() is None and not cache.usable() and cache.read("entry") is None


def test_a_folder_another_user_made_is_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    if os.geteuid() != 0 or shutil.which("useradd") is None or shutil.which("runuser") is None:
        pytest.skip("creating a second user needs root, useradd and runuser")
    subprocess.run(["useradd", "--no-create-home", OTHER_USER], capture_output=True, check=False)
    other = pwd.getpwnam(OTHER_USER)
    shared = Path(tempfile.mkdtemp(prefix="sg-shared-", dir="/tmp"))  # as /tmp is: for everyone
    try:
        os.chmod(shared, 0o1777)
        monkeypatch.setenv("XDG_CACHE_HOME", str(shared))
        cache.write("entry", b"mine")
        planted = shared / "snapshot-guard"
        (shared / "valid").write_bytes((planted / "entry").read_bytes())  # an entry as ours are
        os.chmod(shared / "valid", 0o644)
        shutil.rmtree(planted)
        subprocess.run(["runuser", "-u", OTHER_USER, "--", "sh", "-c",
                        f"umask 077 && mkdir {planted} && cp {shared / 'valid'} {planted / 'entry'}"],
                       check=True)
        assert planted.stat().st_uid == other.pw_uid
        assert cache.read("entry") is None
        subprocess.run(["runuser", "-u", OTHER_USER, "--", "chmod", "777", str(planted)], check=True)
        cache.write("mine", b"payload")
        assert not (planted / "mine").exists()
        assert cache.read("entry") is None
    finally:
        shutil.rmtree(shared)

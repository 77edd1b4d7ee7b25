"""What a run is asked to judge: the staged change of a commit, every file, some files, or a range of
commits; read from git and from the pre-commit process that started the hook, never from a record.

The hooks take no file names from pre-commit (``pass_filenames: false``): a staged file named
``--max-size=1TB`` or ``-h`` must not become an option, and a deleted ``.amlignore`` or a change behind
a link must touch its root although no file of that root is passed. So the hook asks git what the
commit changes (``git diff --cached``: additions, modifications, deletions, both sides of a rename),
and asks the process that started it, when that is pre-commit, whether it runs ``--all-files``,
``--files`` or a ref range. Whatever cannot be known makes the run judge every root: a doubt costs
time, never a check.
"""
from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from collections.abc import Sequence
from typing import Literal

from snapshot_guard import git
from snapshot_guard.errors import SnapshotInputError

Scope = Literal["staged", "all", "files", "refs"]
_PRE_COMMIT_NAMES = frozenset(("pre-commit", "pre-commit.exe", "pre-commit.pyz", "pre_commit", "prek",
                               "prek.exe"))
_FILE_STAGES = frozenset(("pre-commit", "pre-merge-commit", "commit", "merge-commit"))


@dataclasses.dataclass(frozen=True)
class Change:
    scope: Scope
    """``staged``: what the commit changes; ``all``: every root; ``files``: the roots of ``paths``;
    ``refs``: what a range of commits changes (pre-push)."""
    paths: frozenset[str]
    """Changed or given paths, POSIX, relative to the repository top (both sides of a rename)."""
    how: str
    """In words, for reports: ``the staged change``, ``pre-commit run --all-files``..."""

    @property
    def everything(self) -> bool:
        return self.scope == "all"


def parent_command() -> list[str] | None:
    """The command line of the process that started this one; None where the system does not say
    it reliably (a PID namespace that sees another namespace's ``/proc``, no ``/proc`` and no ``ps``)."""
    parent = os.getppid()
    if sys.platform.startswith("linux"):
        try:
            with open("/proc/self/stat", "rb") as handle:
                seen = int(handle.read().rsplit(b")", 1)[1].split()[1])
            if seen != parent:  # /proc belongs to another PID namespace: its numbers are not ours
                return None
            with open(f"/proc/{parent}/cmdline", "rb") as handle:
                return [os.fsdecode(part) for part in handle.read().split(b"\0")[:-1]]
        except (OSError, ValueError, IndexError):
            return None
    if os.name == "posix":
        try:
            result = subprocess.run(["ps", "-o", "args=", "-p", str(parent)], capture_output=True,
                                    check=False, timeout=5)
        except (OSError, subprocess.SubprocessError):
            return None
        return os.fsdecode(result.stdout).split() if result.returncode == 0 else None
    return None


def _pre_commit_arguments(command: Sequence[str]) -> list[str] | None:
    """The arguments after pre-commit's own name (``run --all-files``), None when ``command`` is
    not pre-commit (nor prek, its reimplementation)."""
    for index, word in enumerate(command):
        name = os.path.basename(word)
        if name in _PRE_COMMIT_NAMES or word == "-mpre_commit" or word.endswith(
                os.path.join("pre_commit", "__main__.py")):
            return list(command[index + 1:])
        if word == "-m" and index + 1 < len(command) and command[index + 1] == "pre_commit":
            return list(command[index + 2:])
    return None


def _option(arguments: Sequence[str], *names: str) -> str | None:
    """The value of the first of ``names`` in ``arguments`` (``--x=v`` or ``--x v``)."""
    for index, word in enumerate(arguments):
        for name in names:
            if word == name and index + 1 < len(arguments):
                return arguments[index + 1]
            if word.startswith(name + "=") and name.startswith("--"):
                return word[len(name) + 1:]
    return None


def _asked_of_pre_commit(arguments: Sequence[str]) -> tuple[Scope, list[str]] | None:
    """What a pre-commit command asks its hooks to judge; None when it cannot be told."""
    if not arguments:
        return None
    command, rest = arguments[0], arguments[1:]
    if command == "hook-impl":
        stage = _option(rest, "--hook-type")
        if stage in _FILE_STAGES:
            return "staged", []
        return ("refs", []) if stage == "pre-push" else None
    if command not in ("run", "try-repo"):
        return None
    if "--all-files" in rest or "-a" in rest:
        return "all", []
    if "--files" in rest:
        given = rest[rest.index("--files") + 1:]
        files = []
        for word in given:
            if word.startswith("-"):
                break
            files.append(word)
        return "files", files
    if _option(rest, "--from-ref", "--source", "-s") and _option(rest, "--to-ref", "--origin", "-o"):
        return "refs", []
    stage = _option(rest, "--hook-stage")
    if stage is not None and stage not in _FILE_STAGES and stage != "manual":
        return ("refs", []) if stage == "pre-push" else None
    return "staged", []


def detect(repo: git.Repo | None, filenames: Sequence[str]) -> Change:
    """What this run judges. File names given on the command line (a person running the hook by hand,
    or a configuration that passes them) are judged together with the staged change."""
    if repo is None:
        return Change("all", frozenset(), "the folder (no git repository)")
    given = frozenset(_relative(repo, name) for name in filenames)
    command = parent_command()
    arguments = _pre_commit_arguments(command) if command is not None else None
    asked = _asked_of_pre_commit(arguments) if arguments is not None else None
    if asked is None:
        if given:
            return Change("staged", git.staged_changes(repo) | given, "the staged change and the given files")
        return Change("all", frozenset(), "every root (not started by pre-commit, or by a pre-commit "
                                          "command whose files cannot be told)")
    scope, files = asked
    if scope == "all":
        return Change("all", frozenset(), "pre-commit run --all-files")
    if scope == "files":
        return Change("files", given | {_relative(repo, name) for name in files}, "the given files")
    if scope == "refs":
        start, end = os.environ.get("PRE_COMMIT_FROM_REF"), os.environ.get("PRE_COMMIT_TO_REF")
        # A push (not a range given to pre-commit run, as CI gives the checkout's): a new branch's
        # first push gives no range, only the branch.
        branch = os.environ.get("PRE_COMMIT_LOCAL_BRANCH")
        pushed = (end or branch) if arguments and arguments[0] == "hook-impl" else None
        if pushed and not git.staged_tree_is(repo, pushed):
            name = branch.removeprefix("refs/heads/") if branch else pushed[:12]
            raise SnapshotInputError(
                f"cannot judge the push of {name}: snapshot-guard judges the staged files and the "
                f"folder on disk, and the staged files are not {name} (another branch is checked "
                f"out, or files are staged): push it with it checked out and nothing staged")
        if not start or not end:
            return Change("all", frozenset(), "every root (the pushed range is unknown)")
        return Change("refs", git.changed_between(repo, start, end) | git.staged_changes(repo) | given,
                      f"the commits {start[:12]}...{end[:12]}")
    return Change("staged", git.staged_changes(repo) | given, "the staged change")


def _relative(repo: git.Repo, name: str) -> str:
    return os.path.relpath(os.path.abspath(name), repo.top).replace(os.sep, "/")


def runs_before(first: str, then: str) -> bool:
    """Whether the pre-commit run that started this process is a git hook's (``hook-impl``) that
    runs the hook ``first`` before the hook ``then``, configured alike (the same arguments, stages,
    file filters...), and does not skip it (``SKIP``). False whenever that cannot be told: only a
    report leans on it."""
    command = parent_command()
    arguments = _pre_commit_arguments(command) if command is not None else None
    if not arguments or arguments[0] != "hook-impl":
        return False
    try:
        with open(_option(arguments, "--config", "-c") or ".pre-commit-config.yaml", "rb") as handle:
            configuration = handle.read()
    except OSError:
        return False
    return hook_order(configuration, first, then, os.environ.get("SKIP", ""))


def hook_order(configuration: bytes, first: str, then: str, skip: str) -> bool:
    """:func:`runs_before` for one ``.pre-commit-config.yaml`` (its bytes) and ``SKIP`` value."""
    import yaml  # here: only a failing hook's report asks

    if first in {name.strip() for name in skip.split(",")}:
        return False
    try:
        loaded = yaml.safe_load(configuration)
        hooks = [hook for repo in loaded["repos"] for hook in repo["hooks"]]
        ids = [hook["id"] for hook in hooks]
    except (yaml.YAMLError, KeyError, TypeError, AttributeError):
        return False
    if first not in ids or then not in ids or ids.index(first) > ids.index(then):
        return False
    one, two = hooks[ids.index(first)], hooks[ids.index(then)]
    return isinstance(one, dict) and isinstance(two, dict) and \
        all(one.get(key) == two.get(key) for key in {*one, *two} - {"id", "name", "alias"})

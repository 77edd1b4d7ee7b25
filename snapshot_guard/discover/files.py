"""Which files of a repository can declare a root, and reading them."""
from __future__ import annotations

import os
import posixpath
import subprocess
from collections.abc import Iterator

from snapshot_guard.git import find_repo

SKIPPED_DIRS = frozenset({
    ".git", "node_modules", "site-packages", "__pycache__", ".ipynb_checkpoints", ".tox", ".nox",
    ".venv", "venv", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".eggs",
})
AML_MARKERS = ("azureml", "azure.ai", "mldesigner", "azure.ml")
YAML_MARKERS = ("code", "additional_includes")
_MAX_SOURCE_BYTES = 4 * 1024 * 1024
_MAX_NOTEBOOK_BYTES = 64 * 1024 * 1024
"""Notebooks carry their outputs (plots, tables): far larger than the code in them."""


def candidates(top: str) -> Iterator[str]:
    """The files that can declare a root: Python and notebooks that mention an Azure ML package, and
    YAML files that mention ``code``. In a repository, ``git grep`` finds them among the files git
    tracks or would track (reading every file from Python is what a large repository cannot afford)."""
    found = _grep(top)
    if found is not None:
        yield from found
        return
    for folder, dirs, files in os.walk(top):
        dirs[:] = sorted(
            name for name in dirs
            if name not in SKIPPED_DIRS
            and not os.path.exists(os.path.join(folder, name, "pyvenv.cfg"))
            and not os.path.isdir(os.path.join(folder, name, "conda-meta"))
        )
        for name in sorted(files):
            if name.endswith((".py", ".ipynb", ".yml", ".yaml")):
                yield os.path.join(folder, name)


_PYTHON_GLOBS = ("*.py", "*.ipynb")
_YAML_GLOBS = ("*.yml", "*.yaml")


def _grep(top: str) -> list[str] | None:
    """The candidate files below ``top`` in a repository (None outside one): ``git grep`` finds them
    among the tracked files, and every untracked file git does not ignore is one (the caller reads
    each anyway). Three processes at once: the two searches, and the listing of untracked files
    (one walk of the folders, which is what ``git grep --untracked`` costs on a large tree)."""
    if find_repo(top) is None:
        return None
    skipped = [f":(exclude,glob)**/{name}/**" for name in sorted(SKIPPED_DIRS)]
    commands = [
        ["git", "grep", "-l", "-z", "-I", "-F", *_patterns(AML_MARKERS), "--", *_PYTHON_GLOBS,
         *skipped],
        ["git", "grep", "-l", "-z", "-I", "-F", *_patterns(YAML_MARKERS), "--", *_YAML_GLOBS,
         *skipped],
        ["git", "ls-files", "-z", "--others", "--exclude-standard", "--", *_PYTHON_GLOBS,
         *_YAML_GLOBS, *skipped],
    ]
    try:
        processes = [subprocess.Popen(command, cwd=top, stdout=subprocess.PIPE,
                                      stderr=subprocess.DEVNULL) for command in commands]
    except OSError:
        return None
    outputs = [process.communicate()[0] for process in processes]
    if any(process.returncode not in (0, 1) for process in processes[:2]) \
            or processes[2].returncode != 0:
        return None
    found = {os.path.join(top, os.fsdecode(name)) for output in outputs
             for name in output.split(b"\0") if name}
    return sorted(path for path in found
                  if not SKIPPED_DIRS.intersection(relative(path, top).split("/")[:-1]))


def _patterns(words: tuple[str, ...]) -> list[str]:
    return [argument for word in words for argument in ("-e", word)]


def read_text(path: str) -> str | None:
    try:
        limit = _MAX_NOTEBOOK_BYTES if path.endswith(".ipynb") else _MAX_SOURCE_BYTES
        if os.path.getsize(path) > limit:
            return None
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read()
    except OSError:
        return None


def relative(path: str, top: str) -> str:
    return posixpath.normpath(os.path.relpath(path, top).replace(os.sep, "/"))

"""The options every hook and ``snapshot-guard scan`` share, and the roots they resolve to."""
from __future__ import annotations

import argparse
import dataclasses
import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from snapshot_guard import git, once
from snapshot_guard.config import Config, load_config
from snapshot_guard.errors import SDKS, Sdk, SnapshotInputError
from snapshot_guard.findings import display_path
from snapshot_guard.sizes import parse_size

if TYPE_CHECKING:  # discovery parses code: imported only when a run needs it
    from snapshot_guard.discover import DeclaredRoot

SNAPSHOT_MAX_SIZE_BYTES = 300 * 1024 * 1024
SNAPSHOT_MAX_FILES = 2000
DEFAULT_WARN_AT = 0.9
SOURCES = ("index", "worktree", "both")


@dataclasses.dataclass(frozen=True)
class RootSettings:
    path: str
    """Absolute path of the snapshot root."""
    display: str
    """The root relative to the repository top (outside one: the current folder), POSIX."""
    sdk: Sdk
    max_bytes: int
    max_files: int | None
    """None when ``AML_SNAPSHOT_NO_FILE_LIMIT`` turns the count check off (SDK v1)."""
    how: str = "the repository top"
    """Where the root comes from: ``--root``, the configuration file, or a discovered call."""


@dataclasses.dataclass(frozen=True)
class Run:
    repo: git.Repo | None
    top: str
    source: str
    roots: list[RootSettings]
    config: Config
    warn_at: float
    notes: list[str] = dataclasses.field(default_factory=list)
    declared: list[DeclaredRoot] = dataclasses.field(default_factory=list)
    """The roots discovery found in the code (empty when roots are given or configured)."""


def size_argument(text: str) -> int:
    """argparse type for a size (``300MB``)."""
    try:
        return parse_size(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _fraction(text: str) -> float:
    try:
        value = float(text.rstrip("%")) / (100 if text.endswith("%") else 1)
    except ValueError:
        value = -1.0
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a fraction between 0 and 1 (or a percentage)")
    return value


def _count(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of files")
    return int(text)


def add_common_options(parser: argparse.ArgumentParser, default_source: str = "both") -> None:
    group = parser.add_argument_group("snapshot roots and limits")
    group.add_argument("--root", action="append", default=[], metavar="DIR",
                       help="a job's source directory (repeatable; default: the configured or "
                            "discovered roots, else the repository top)")
    group.add_argument("--sdk", choices=SDKS, help="whose walk to reproduce (default: v1)")
    group.add_argument("--source", choices=SOURCES, default=default_source,
                       help=f"what to judge: the staged files, the folder on disk, or both "
                            f"(default: {default_source})")
    group.add_argument("--config", metavar="FILE",
                       help="configuration file (default: .snapshot-guard.yaml or pyproject.toml)")
    group.add_argument("--max-size", type=size_argument, metavar="SIZE",
                       help="size limit, e.g. 300MB (binary units, Azure ML's default)")
    group.add_argument("--max-files", type=_count, metavar="N", help="file count limit (default 2000)")
    group.add_argument("--warn-at", type=_fraction, metavar="FRACTION",
                       help="warn above this share of a limit (default 0.9)")


def resolve_run(args: argparse.Namespace) -> Run:
    """The repository, configuration and roots that ``args`` ask for."""
    cwd = os.getcwd()
    repo = git.find_repo(cwd)
    if args.source == "index" and repo is None:
        raise SnapshotInputError(f"{cwd}: --source index needs a git repository")
    top = repo.top if repo else cwd
    config = load_config(top, args.config)
    source = args.source if repo else "worktree"
    defaults = config.defaults
    warn_at = args.warn_at or defaults.warn_at or DEFAULT_WARN_AT
    no_file_limit = bool(os.environ.get("AML_SNAPSHOT_NO_FILE_LIMIT"))
    notes: list[str] = []
    declared: list[DeclaredRoot] = []

    def settings(path: str, how: str, sdk: Sdk | None = None, max_bytes: int | None = None,
                 max_files: int | None = None) -> RootSettings:
        path = os.path.abspath(path)
        chosen_sdk: Sdk = args.sdk or sdk or defaults.sdk or "v1"
        files = args.max_files or max_files or defaults.max_files or SNAPSHOT_MAX_FILES
        return RootSettings(
            path, display_path(path, top), chosen_sdk,
            args.max_size or max_bytes or defaults.max_bytes or SNAPSHOT_MAX_SIZE_BYTES,
            None if no_file_limit and chosen_sdk == "v1" else files, how,
        )

    roots: list[RootSettings] = []
    if args.root:
        roots = [settings(path, "--root") for path in args.root]
    elif config.roots:
        roots = [settings(os.path.join(top, item.path), f"{config.path}", item.sdk, item.max_bytes,
                          item.max_files) for item in config.roots]
    elif config.discover is not False:
        declared = _declared_roots(top)
        roots = _discovered(top, declared, settings, notes)
    if not roots:
        roots = [settings(top, "the repository top" if repo else "the current folder")]
    for root in roots:
        if not os.path.isdir(root.path):
            what = "does not exist" if not os.path.exists(root.path) else "is not a folder"
            raise SnapshotInputError(f"{root.display}: snapshot root {what} (from {root.how})")
    return Run(repo, top, source, _unique(roots), config, warn_at, notes, declared)


def _declared_roots(top: str) -> list[DeclaredRoot]:
    """The roots the code at ``top`` declares, found once per pre-commit run: every hook asks."""
    from snapshot_guard.discover import DeclaredRoot, discover_roots

    key = f"discovered\0{top}"
    known = once.shared(key)
    if known is not None:
        return [DeclaredRoot(**item) for item in known["roots"]]
    declared = discover_roots(top)
    once.share(key, {"roots": [dataclasses.asdict(item) for item in declared]})
    return declared


def _discovered(top: str, found: list[DeclaredRoot], make: Callable[..., RootSettings],
                notes: list[str]) -> list[RootSettings]:
    roots = []
    for declared in found:
        where = f"{declared.file}:{declared.line}"
        if declared.root is None:
            notes.append(f"{where}: {declared.kind}: a snapshot root that cannot be resolved statically")
            continue
        if declared.root == ".." or declared.root.startswith("../"):
            notes.append(f"{where}: {declared.kind}: {declared.root} is outside the repository: "
                         f"not checked")
            continue
        path = os.path.join(top, declared.root)
        if os.path.isdir(path):
            roots.append(make(path, f"{where} ({declared.kind})", declared.sdk))
    return roots


def _unique(roots: list[RootSettings]) -> list[RootSettings]:
    seen: dict[tuple[str, str], RootSettings] = {}
    for root in roots:
        seen.setdefault((root.path, root.sdk), root)
    return list(seen.values())


def roots_touched(run: Run, filenames: Sequence[str]) -> list[RootSettings]:
    """The roots a commit of ``filenames`` changes; every root when no filenames are given."""
    if not filenames:
        return run.roots
    paths = [os.path.abspath(name) for name in filenames]
    return [root for root in run.roots
            if any(path == root.path or path.startswith(root.path.rstrip(os.sep) + os.sep)
                   for path in paths)]


def files_below(root: RootSettings, filenames: Sequence[str]) -> set[str] | None:
    """The passed files below ``root``, relative to it; None (every file) when none are passed."""
    if not filenames:
        return None
    prefix = root.path.rstrip(os.sep) + os.sep
    return {os.path.relpath(path, root.path).replace(os.sep, "/")
            for path in map(os.path.abspath, filenames) if path.startswith(prefix)}


def settings_key(args: argparse.Namespace) -> str:
    """The options of a hook run but its file names: runs that differ only there check the same."""
    return repr(sorted((key, repr(value)) for key, value in vars(args).items() if key != "filenames"))


def sources(run: Run) -> list[str]:
    return ["index", "worktree"] if run.source == "both" else [run.source]

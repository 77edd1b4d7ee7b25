"""Plan a run: which snapshot roots, judged in which views, against which limits.

From the command line, the configuration file, the code (discovery: roots declared in calls and
YAML) and what the run changes (:mod:`snapshot_guard.change`). A hook judges the roots its run
touches; ``snapshot-guard scan`` and a hook run by hand judge every root.
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import posixpath
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, TypeVar

from snapshot_guard import change, git, snapshot
from snapshot_guard.config import PYPROJECT, YAML_NAME, Config, load_config
from snapshot_guard.errors import SDKS, VIEWS, Sdk, SnapshotInputError, View
from snapshot_guard.findings import display_path
from snapshot_guard.sizes import parse_size

if TYPE_CHECKING:  # discovery parses code: imported only when a run needs it
    from snapshot_guard.discover import DeclaredRoot

SNAPSHOT_MAX_SIZE_BYTES = 300 * 1024 * 1024
"""azureml-core's ``SNAPSHOT_MAX_SIZE_BYTES``: the docs' "300 MB"."""
SNAPSHOT_MAX_FILES = 2000
"""azureml-core's ``SNAPSHOT_MAX_FILES``."""
NO_FILE_LIMIT_VARIABLE = "AML_SNAPSHOT_NO_FILE_LIMIT"
"""azureml-core skips its file count check when this environment variable is set."""
DEFAULT_WARN_AT = 0.9
SOURCES = ("index", "worktree", "both")
PRE_COMMIT_CONFIG = ".pre-commit-config.yaml"
_MAX_LINK_HOPS = 40

T = TypeVar("T")


@dataclasses.dataclass(frozen=True)
class RootSettings:
    path: str
    """Absolute path of the snapshot root."""
    display: str
    """The root relative to the repository top (outside one: the current folder), POSIX."""
    sdk: Sdk
    max_bytes: int
    max_files: int
    no_file_limit_here: bool = False
    """``AML_SNAPSHOT_NO_FILE_LIMIT`` is set and the root is SDK v1: azureml-core skips its count
    check for a job submitted from this environment (the folder on disk), and only there: a clone
    submitted elsewhere (the staged files) is still held to the limit."""
    how: str = "the repository top"
    """Where the root comes from: ``--root``, the configuration file, or a discovered call."""
    declared_in: tuple[str, ...] = ()
    """The files that declare it (discovered roots), relative to the repository top."""


@dataclasses.dataclass(frozen=True)
class Plan:
    repo: git.Repo | None
    top: str
    views: tuple[View, ...]
    roots: list[RootSettings]
    """Every root the run knows."""
    touched: list[RootSettings]
    """The roots the run judges: those its change touches (all of them for a scan)."""
    config: Config
    warn_at: float
    change: change.Change
    notes: list[str] = dataclasses.field(default_factory=list)
    declared: list[DeclaredRoot] = dataclasses.field(default_factory=list)
    """The roots discovery found in the code (empty when roots are given or configured)."""
    unchecked: str | None = None
    """For a hook: what its run changes that no root checks although an unresolved root may."""

    def changed_in(self, root: RootSettings) -> frozenset[str] | None:
        """The paths the run changes below ``root``, relative to it; None: every file counts."""
        if self.change.everything:
            return None
        prefixes = {"" if root.display == "." else root.display + "/"}
        if self.repo is not None:  # a root that is a committed link: the changes where it leads
            real = snapshot.index_root(self.repo, root.path)
            if real is not None:
                prefixes.add(real + "/" if real else "")
        return frozenset(path[len(prefix):] for prefix in prefixes for path in self.change.paths
                         if path.startswith(prefix))


def top_names(paths: frozenset[str] | None) -> tuple[str, ...]:
    """The names at the top of a root that hold ``paths`` (what ``take_snapshot(within=)`` takes);
    all of them when ``paths`` is None."""
    return () if paths is None else tuple(sorted({path.partition("/")[0] for path in paths}))


def first(*values: T | None) -> T | None:
    """The first value that is set: an explicit 0 is a value, only None is "not given"."""
    return next((value for value in values if value is not None), None)


# ---------------------------------------------------------------------------------------------
# The command line.


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


def add_common_options(parser: argparse.ArgumentParser, default_source: str = "both",
                       limits: bool = True, source: bool = True) -> None:
    group = parser.add_argument_group("snapshot roots and limits")
    group.add_argument("--root", action="append", default=[], metavar="DIR",
                       help="a job's source directory (repeatable; default: the configured or "
                            "discovered roots, else the repository top)")
    group.add_argument("--sdk", choices=SDKS, help="whose walk to reproduce (default: v1)")
    if source:
        group.add_argument("--source", choices=SOURCES, default=default_source,
                           help=f"what to judge: the staged files, the folder on disk, or both "
                                f"(default: {default_source})")
    else:
        parser.set_defaults(source=default_source)
    group.add_argument("--config", metavar="FILE",
                       help="configuration file (default: .snapshot-guard.yaml or pyproject.toml)")
    if limits:
        group.add_argument("--max-size", type=size_argument, metavar="SIZE",
                           help="size limit, e.g. 300MB (binary units, Azure ML's default)")
        group.add_argument("--max-files", type=_count, metavar="N",
                           help="file count limit (default 2000)")
        group.add_argument("--warn-at", type=_fraction, metavar="FRACTION",
                           help="warn above this share of a limit (default 0.9)")


def hook_parser(prog: str, description: str) -> argparse.ArgumentParser:
    """The parser of a hook: the common options; file names are split off by ``parse_hook_args``."""
    parser = argparse.ArgumentParser(
        prog=prog, description=description, allow_abbrev=False,
        epilog="File names (optional, after the options or after --) add to what the staged change "
               "touches; pre-commit passes none.")
    add_common_options(parser)
    return parser


def parse_hook_args(parser: argparse.ArgumentParser, argv: Sequence[str]) -> tuple[argparse.Namespace,
                                                                                    list[str]]:
    """The options and the file names of a hook's command line.

    A token that names a file or folder that exists is a file name, wherever it stands, unless it is
    the value of the option before it: a staged file named ``--max-size=1TB`` is never an option. A
    token that names an existing path and is spelled exactly as an option of the hook (a file named
    ``-h``) is refused (exit 2): which one was meant cannot be told. Everything after ``--`` is a
    file name.
    """
    values = {string for action in parser._actions if action.option_strings and action.nargs != 0
              for string in action.option_strings}
    known = {string for action in parser._actions for string in action.option_strings}
    options: list[str] = []
    names: list[str] = []
    tokens = list(argv)
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token == "--":
            names.extend(tokens[index + 1:])
            break
        if os.path.lexists(token):
            if token in known:
                parser.error(f"{token!r} is both an option and a file here: pass file names after --")
            names.append(token)
        elif token in values and index + 1 < len(tokens):
            options.extend(tokens[index:index + 2])
            index += 1
        else:
            options.append(token)
        index += 1
    return parser.parse_args(options), names


# ---------------------------------------------------------------------------------------------
# Roots.


def make_plan(args: argparse.Namespace, filenames: Sequence[str] | None = None) -> Plan:
    """The repository, configuration, roots and views that ``args`` ask for. ``filenames`` None: a
    command that judges every root (``scan``); a list: a hook, which judges the roots its run
    touches."""
    cwd = os.getcwd()
    repo = git.find_repo(cwd)
    if repo is not None:
        git.forget_unstaged_paths(repo)  # what an earlier run in this process started
    if args.source == "index" and repo is None:
        raise SnapshotInputError(f"{cwd}: --source index needs a git repository")
    top = repo.top if repo else cwd
    config = load_config(top, args.config)
    views: tuple[View, ...] = ("worktree",) if repo is None else \
        VIEWS if args.source == "both" else (args.source,)
    warn_at = first(getattr(args, "warn_at", None), config.defaults.warn_at, DEFAULT_WARN_AT)
    assert warn_at is not None
    notes: list[str] = []
    roots, declared = _roots(args, top, config, notes)
    roots = _unique(roots or [
        _root_maker(args, top, config)(top, "the repository top" if repo else "the current folder")])
    for root in list(roots):
        if not os.path.isdir(root.path):
            if not os.path.exists(root.path) and repo is not None and _outside_sparse_checkout(repo, root):
                notes.append(f"{root.display}: not in this sparse checkout: not checked here")
                roots.remove(root)
                continue
            what = "does not exist" if not os.path.exists(root.path) else "is not a folder"
            raise SnapshotInputError(f"{root.display}: snapshot root {what} (from {root.how})")
    if repo is not None and filenames is not None:  # read while git says what the run changes
        folders = {folder for root in roots for folder in _folders_of(repo, root)}
        if folders:
            git.start_listing(repo, sorted(folders))
    run_change = change.Change("all", frozenset(), "every root") if filenames is None else \
        change.detect(repo, filenames)
    touched = roots if run_change.everything or repo is None else \
        touched_roots(repo, roots, run_change.paths, _configuration_files(top, config))
    unchecked = None if filenames is None else _unchecked(roots, declared, run_change)
    return Plan(repo, top, views, roots, touched, config, warn_at, run_change, notes, declared,
                unchecked)


def start_unstaged(the_plan: Plan) -> None:
    """Start asking git which files of the touched roots differ on disk from what is staged (the
    staged view reads those from git): it runs while the hook takes its snapshots."""
    if the_plan.repo is not None and "index" in the_plan.views:
        folders = {folder for root in the_plan.touched for folder in _folders_of(the_plan.repo, root)}
        if folders:
            git.start_unstaged_paths(the_plan.repo, sorted(folders))


def _outside_sparse_checkout(repo: git.Repo, root: RootSettings) -> bool:
    """Whether ``root`` is committed but not checked out (a sparse checkout leaves it out)."""
    relpath = os.path.relpath(root.path, repo.top).replace(os.sep, "/")
    return not relpath.startswith("../") and bool(git.hidden_from_diff(repo, relpath))


def _unchecked(roots: Sequence[RootSettings], declared: Sequence[DeclaredRoot],
               run_change: change.Change) -> str | None:
    """The note for a change below no root when some declared roots cannot be resolved: those jobs
    may upload what it changes, and nothing checks it."""
    unresolved = [item for item in declared if item.root is None]
    displays = [root.display for root in roots]
    if not unresolved or run_change.everything or "." in displays:
        return None
    outside = sorted(path for path in run_change.paths
                     if not any(path.startswith(display + "/") for display in displays))
    if not outside:
        return None
    where = ", ".join(f"{item.file}:{item.line}" for item in unresolved[:3]) + \
        (", ..." if len(unresolved) > 3 else "")
    more = f" and {len(outside) - 1:,} more changed files" if len(outside) > 1 else ""
    roots_cannot = "root cannot" if len(unresolved) == 1 else "roots cannot"
    return (f"{outside[0]}{more} below no checked root; {len(unresolved):,} declared {roots_cannot} "
            f"be resolved ({where}) and may upload {'it' if len(outside) == 1 else 'them'}: list "
            f"the folders jobs upload under roots: in {YAML_NAME} to have them checked")


def _roots(args: argparse.Namespace, top: str, config: Config, notes: list[str]
           ) -> tuple[list[RootSettings], list[DeclaredRoot]]:
    """The roots the command line gives, else those the configuration lists, else those the code
    declares (with the declarations discovery found)."""
    make = _root_maker(args, top, config)
    if args.root:
        return [make(path, "the command line") for path in args.root], []
    if config.roots:
        assert config.path is not None
        where = display_path(config.path, top)
        return [make(os.path.join(top, item.path), where, item.sdk, item.max_bytes, item.max_files)
                for item in config.roots], []
    if config.discover is False:
        return [], []
    from snapshot_guard.discover import discover_roots

    declared = discover_roots(top)
    return _discovered(top, declared, make, notes), declared


def _root_maker(args: argparse.Namespace, top: str, config: Config) -> Callable[..., RootSettings]:
    """How a root's settings are made: the command line first, then the root's own configuration,
    then the configuration's defaults, then Azure ML's."""
    defaults = config.defaults
    no_file_limit = NO_FILE_LIMIT_VARIABLE in os.environ

    def make(path: str, how: str, sdk: Sdk | None = None, max_bytes: int | None = None,
             max_files: int | None = None, declared_in: tuple[str, ...] = ()) -> RootSettings:
        path = os.path.abspath(path)
        chosen: Sdk = first(args.sdk, sdk, defaults.sdk) or "v1"
        files = first(getattr(args, "max_files", None), max_files, defaults.max_files, SNAPSHOT_MAX_FILES)
        size = first(getattr(args, "max_size", None), max_bytes, defaults.max_bytes,
                     SNAPSHOT_MAX_SIZE_BYTES)
        assert size is not None and files is not None
        return RootSettings(path, display_path(path, top), chosen, size, files,
                            no_file_limit and chosen == "v1", how, declared_in)

    return make


def _configuration_files(top: str, config: Config) -> set[str]:
    """Files whose change can change any root's verdict."""
    names = {YAML_NAME, PYPROJECT, PRE_COMMIT_CONFIG}
    if config.path is not None:
        names.add(display_path(config.path, top))
    return names


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
            roots.append(make(path, f"{where} ({declared.kind})", declared.sdk,
                              declared_in=(declared.file,)))
    return roots


def _unique(roots: list[RootSettings]) -> list[RootSettings]:
    seen: dict[tuple[str, str], RootSettings] = {}
    for root in roots:
        key = (root.path, root.sdk)
        if key in seen:
            earlier = seen[key]
            seen[key] = dataclasses.replace(earlier, declared_in=earlier.declared_in + root.declared_in)
        else:
            seen[key] = root
    return list(seen.values())


# ---------------------------------------------------------------------------------------------
# What a change touches.


def _below(path: str, folder: str) -> bool:
    return folder == "" or path == folder or path.startswith(folder + "/")


def touched_roots(repo: git.Repo, roots: Sequence[RootSettings], changed: frozenset[str],
                  configuration: set[str]) -> list[RootSettings]:
    """The roots whose snapshot ``changed`` (paths relative to the top) can change: a path inside the
    root (its ignore file included), inside what a link in the root leads to, the file that declares
    it, or the configuration."""
    if not changed:
        return []
    if changed & configuration:
        return list(roots)
    inside = {root: _folders_of(repo, root) for root in roots}
    direct = {root for root in roots if changed.intersection(root.declared_in)
              or any(_below(path, prefix) for path in changed for prefix in inside[root])}
    links = _StagedLinks(repo)
    # Every root's folders in one listing, the touched ones too: their measurement reads it again.
    links.read({folder for root in roots for folder in inside[root]})
    return [root for root in roots if root in direct
            or (inside[root] and _changed_behind_links(links, inside[root], changed))]


def _folders_of(repo: git.Repo, root: RootSettings) -> set[str]:
    """The folders of the repository (relative to its top; ``""``: the top) that ``root`` is, as
    named and as resolved."""
    names = [display_path(root.path, repo.top), display_path(os.path.realpath(root.path), repo.top)]
    return {"" if folder == "." else folder for folder in names
            if not folder.startswith("../") and folder != ".."}


class _StagedLinks:
    """The staged links below some folders, asked of git for many folders at once."""

    def __init__(self, repo: git.Repo) -> None:
        self.repo = repo
        self.known: dict[str, str] = {}
        """Link path -> the target it stores (relative to the top)."""
        self.read_below: set[str] = set()

    def read(self, folders: set[str]) -> None:
        new = folders - self.read_below
        if new:
            self.known.update(git.staged_links(self.repo, sorted(new)))
            self.read_below |= new

    def below(self, folder: str) -> dict[str, str]:
        self.read({folder})
        return {link: stored for link, stored in self.known.items() if _below(link, folder)}


def _changed_behind_links(links: _StagedLinks, folders: set[str], changed: frozenset[str]) -> bool:
    """Whether a staged link below ``folders`` leads, directly or through further links, to a
    changed path."""
    seen: set[str] = set()
    pending = set(folders)
    for _ in range(_MAX_LINK_HOPS):
        pending -= seen
        if not pending:
            return False
        seen |= pending
        targets = set()
        for link, stored in {link: stored for folder in pending
                             for link, stored in links.below(folder).items()}.items():
            target = posixpath.normpath(posixpath.join(posixpath.dirname(link), stored)) \
                if not posixpath.isabs(stored) else display_path(stored, links.repo.top)
            if target == ".." or target.startswith("../"):
                continue
            target = "" if target == "." else target
            if any(_below(path, target) for path in changed):
                return True
            targets.add(target)
        pending = targets
    return True  # links deeper than any checkout follows: judge the root rather than guess

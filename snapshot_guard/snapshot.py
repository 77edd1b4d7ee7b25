"""What a job uploads from a snapshot root: the walks of azureml-core and azure-ai-ml, reproduced.

Two sources feed the same walks:

- ``worktree``: the folder on disk, as a job submitted from this checkout sees it;
- ``index``: the files git is about to commit, as a fresh clone (and CI) sees them.

Either is read once into a tree of :class:`Folder`; the SDK walks then run over that tree. SDK v1
walks twice: its size check (``os.walk``, directory links not followed, nothing pruned) gives
``total_bytes``; its upload (``create_merkletree``: folders tested and pruned, links followed,
unreadable files dropped) gives ``files``. SDK v2 walks with ``os.walk(followlinks=True)``,
testing only files: by their resolved path for the upload, by their link path for the size.
"""
from __future__ import annotations

import dataclasses
import functools
import io
import os
import posixpath
import re
import stat
from collections.abc import Collection, Iterable, Sequence
from typing import Any, BinaryIO, Callable, Literal, NamedTuple

from snapshot_guard import git
from snapshot_guard.errors import Sdk, SnapshotInputError
from snapshot_guard.findings import display_path
from snapshot_guard.ignore import (
    AMLIGNORE,
    GITIGNORE,
    IgnoreSpec,
    decode_lines,
    governing_name,
    load_ignore,
    read_lines,
    spec_from_lines,
    unread_gitignore,
    v1_pruned_folder,
)

Source = Literal["index", "worktree"]
Kind = Literal["file", "missing", "dir", "dirlink", "filelink", "dangling", "other"]
_LFS_POINTER = re.compile(rb"version https://git-lfs\.github\.com/spec/v1\n(?:.*\n)*?size (\d+)\n")
_LFS_MAX_POINTER = 200
_MAX_LINK_DEPTH = 40


class SnapshotFile(NamedTuple):
    """One uploaded file (a named tuple: a large snapshot has tens of thousands)."""

    path: str
    """POSIX path relative to the snapshot root."""
    size: int
    origin: str
    """``committed``, ``untracked``, ``ignored`` (by git), ``git`` (in a ``.git`` folder), ``submodule``
    or ``outside-git``."""


Uploaded = list[tuple[str, int, str]]


@dataclasses.dataclass
class _Log:
    """What a walk says besides its files and bytes."""

    notes: list[str] = dataclasses.field(default_factory=list)
    problems: list[str] = dataclasses.field(default_factory=list)
    unknown: list[str] = dataclasses.field(default_factory=list)
    unjudged: list[str] = dataclasses.field(default_factory=list)


Walker = Callable[[IgnoreSpec, _Log], tuple[Uploaded, int]]
"""Judges a root's files under an ignore file: ``(uploaded, total_bytes)``."""


@dataclasses.dataclass(frozen=True)
class Snapshot:
    root: str
    display: str
    sdk: Sdk
    source: Source
    ignore: IgnoreSpec
    files: list[SnapshotFile]
    """What the upload sends, sorted by path. In the work tree, without their origin (see
    ``sourced_files``)."""
    total_bytes: int
    """What the SDK's size check sums (v1: its own walk; v2: ``get_directory_size``)."""
    problems: list[str] = dataclasses.field(default_factory=list)
    """Things that fail the check although no limit is crossed (a v2 directory link loop)."""
    unknown: list[str] = dataclasses.field(default_factory=list)
    """Files counted or uploaded whose size is unknown (blobs a partial clone does not hold):
    ``total_bytes`` is then only a lower bound."""
    notes: list[str] = dataclasses.field(default_factory=list)
    """Things worth a warning line (dropped unreadable files, submodules not checked out)."""
    unjudged: list[str] = dataclasses.field(default_factory=list)
    """Why files of the root cannot be listed (a submodule whose staged commit this clone does
    not hold): ``total_bytes`` and ``file_count`` are then only lower bounds."""
    walker: Walker | None = dataclasses.field(default=None, repr=False)
    """Judges the root's files again under another ignore file (``measure_with``, ``files_with``)."""
    repo: git.Repo | None = dataclasses.field(default=None, repr=False)
    """The repository that holds a work-tree root, asked for the files' origins."""

    @property
    def file_count(self) -> int:
        return len(self.files)

    @functools.cached_property
    def _sourced(self) -> tuple[list[SnapshotFile], frozenset[str]]:
        if self.source == "index" or self.repo is None:
            return self.files, frozenset()
        origins, elsewhere = _origins(self.repo, self.root, [item.path for item in self.files])
        return [item._replace(origin=origin) for item, origin in zip(self.files, origins)], elsewhere

    @property
    def sourced_files(self) -> list[SnapshotFile]:
        """``files``, each with where it comes from as git sees it: in the work tree, asked of git
        on first use (two git calls that a passing check does not need)."""
        return self._sourced[0]

    @property
    def committed_elsewhere(self) -> frozenset[str]:
        """The work tree's ``committed`` files (relative to the root) that a link in the root leads
        to from outside it: the index view of the root does not read them."""
        return self._sourced[1]


Entry = tuple[str, Kind, int, Any]
"""A folder's entry: ``(name, kind, size, payload)``; plain tuples, because a walk of a large tree
creates one per file. ``size`` is what the SDK reads (a link's target size, an LFS file's real size),
or -1 when it is still to be read from disk. ``payload`` by kind: ``file``: None in the index; on
disk True when its owner may read it, False when it could not be stat'ed, else its path for
``os.access``; ``other``: the ``os.DirEntry`` to stat; ``filelink``: whether it is readable; ``dir``: its
:class:`Folder`; ``dirlink``: its :class:`_Link`; ``dangling``, ``missing`` (a staged file whose
content this partial clone does not hold, so its size is unknown): None."""


@dataclasses.dataclass
class Folder:
    path: str
    """Absolute path, through links as the walk names it."""
    real: str
    """Absolute path with every link resolved: what v2's upload tests patterns against."""
    load: Callable[[Folder], list[Entry]] | None = None
    entries_cache: list[Entry] | None = None
    error: str | None = None
    """Why the folder cannot be listed; ``os.walk`` skips it, azureml-core's upload fails on it."""
    origin: str = "outside-git"
    """Where its files come from, in the index: ``committed`` or ``submodule``."""

    def entries(self) -> list[Entry]:
        if self.entries_cache is None:
            self.entries_cache = self.load(self) if self.load else []
        return self.entries_cache


@dataclasses.dataclass
class _Link:
    """A link to a folder: the folder is built when a walk first follows it."""

    follow: Callable[[], Folder]
    folder: Folder | None = None

    def target(self) -> Folder:
        if self.folder is None:
            self.folder = self.follow()
        return self.folder


def _size(size: int, payload: Any) -> int:
    if size >= 0:
        return size
    try:
        return int(payload.stat(follow_symlinks=False).st_size)
    except OSError:
        return 0


def _readable(kind: Kind, payload: Any) -> bool:
    if kind == "filelink":
        return bool(payload)
    return payload is None or os.access(payload.path, os.R_OK)


_USER = getattr(os, "getuid", lambda: None)()


def _file(size: int, payload: Any, readable: bool) -> tuple[int, bool]:
    """A plain file's size, and whether the SDK can open it (only asked when ``readable``)."""
    if payload is None or payload is True:  # in the index (readable in every checkout), or known
        return size, True
    if payload is False:  # it could not be stat'ed
        return 0, False
    return size, not readable or os.access(payload, os.R_OK)


# ---------------------------------------------------------------------------------------------
# The work tree, read from disk.


def _scan(folder: Folder) -> list[Entry]:
    try:
        iterator = os.scandir(folder.path)
    except OSError as error:
        folder.error = error.strerror or str(error)
        return []
    with iterator:
        return [_disk_file(item) if item.is_file(follow_symlinks=False) else _disk_entry(folder, item)
                for item in iterator]


def _disk_file(item: os.DirEntry[str]) -> Entry:
    """A plain file, stat'ed now: its entry keeps the size, not the ``os.DirEntry`` (which holds
    its stat result; a kilobyte a file in a tree of 300,000)."""
    try:
        info = item.stat(follow_symlinks=False)
    except OSError:
        return (item.name, "file", 0, False)
    # os.access costs a system call per file; for the owner, the owner's read bit says the same.
    # (Not for root: without its capabilities it is held to the bits like anyone.)
    readable = info.st_uid == _USER and bool(info.st_mode & stat.S_IRUSR)
    return (item.name, "file", info.st_size, True if readable else item.path)


def _disk_entry(parent: Folder, item: os.DirEntry[str]) -> Entry:
    path = item.path
    try:
        if not item.is_symlink():
            if item.is_dir(follow_symlinks=False):
                return (item.name, "dir", 0, Folder(path, os.path.join(parent.real, item.name), _scan))
            return (item.name, "other", -1, item)
        try:
            info = os.stat(path)
        except OSError:
            return (item.name, "dangling", 0, None)
        if stat.S_ISDIR(info.st_mode):
            return (item.name, "dirlink", 0, _Link(lambda: _follow_disk(path)))
        if stat.S_ISREG(info.st_mode):
            return (item.name, "filelink", info.st_size, os.access(path, os.R_OK))
        return (item.name, "other", info.st_size, None)
    except OSError:
        return (item.name, "other", 0, None)


def _follow_disk(path: str) -> Folder:
    return Folder(path, os.path.realpath(path), _scan)


# ---------------------------------------------------------------------------------------------
# The index, read with git: a tree built from ``git ls-files --stage``.


@dataclasses.dataclass
class _IndexTree:
    repo: git.Repo
    folders: dict[str, Folder]
    """Folder path relative to the repository top ("" for the top) -> Folder."""
    staged: dict[str, tuple[str, str]]
    """Ignore file path relative to the top -> its stage-0 mode and object id."""
    links: dict[str, tuple[Folder, int, str]]
    """Link path relative to the top -> (its folder, its place there, its target as stored)."""
    notes: list[tuple[str, str]]
    """(path relative to the top, what to say about it)."""
    unjudged: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    """(path relative to the top, why what is staged there cannot be listed)."""


@dataclasses.dataclass
class _IndexListing:
    """``git ls-files --stage``, and the size a checkout has of each entry (LFS pointers read)."""

    repo: git.Repo
    records: list[str]
    """``git.stage_records``: ``git.parse_record`` splits one."""
    paths: list[str]
    special: list[tuple[str, str, str, str]]
    """The entries that are not plain staged files (links, submodules, conflicts), split."""
    sizing: git.Started | None
    """The git processes sizing every entry, still running: ``_sized`` collects them."""
    sized: bool = False
    sizes: list[int] = dataclasses.field(default_factory=list)
    """The size of each entry; -1 where this partial clone does not hold the blob."""
    contents: dict[str, bytes] = dataclasses.field(default_factory=dict)
    """Small blobs by object id: link targets and LFS pointer candidates."""


def _read_listing(repo: git.Repo, wanted: tuple[str, ...] = ()) -> _IndexListing:
    """The index's entries of ``wanted`` and below them (relative to the top; none: all); their
    sizes are asked of git meanwhile, for ``_sized`` to collect."""
    # The listing first, alone: sizing (slower) is done while Python works through the listing.
    records, plain = git.stage_records(repo, wanted)
    sizing = git.start_staged_sizes(repo, records)
    width = records[0].index("\t") + 1 if records else 0
    paths = [record[width:] for record in records]
    special: list[tuple[str, str, str, str]] = []
    if not plain:
        special = [parsed for parsed in map(git.parse_record, records)
                   if parsed[2] != "0" or parsed[0] in ("120000", "160000")]
    return _IndexListing(repo, records, paths, special, sizing)


def _sized(listing: _IndexListing) -> _IndexListing:
    """``listing`` with the sizes of its entries (collected once)."""
    if listing.sized:
        return listing
    records = listing.records
    width = records[0].index("\t") + 1 if records else 0

    def id_of(index: int) -> str:
        return records[index][9 : width - 3]  # "T 100644 <id> 0\t": the mode has 6 digits

    sizes = (git.staged_sizes(listing.sizing, len(records)) if listing.sizing else None) or \
        git.object_sizes(listing.repo, list(map(id_of, range(len(records)))))
    small = [index for index, size in enumerate(sizes) if 0 <= size <= _LFS_MAX_POINTER]
    contents = git.object_contents(listing.repo, [*map(id_of, small), *(
        link_id for mode, link_id, _, _ in listing.special if mode == "120000")])
    for index in small:
        pointer = _LFS_POINTER.match(contents.get(id_of(index), b""))
        if pointer and not records[index].startswith("120000 ", 2):
            sizes[index] = int(pointer.group(1))
    listing.sizing, listing.sized, listing.sizes, listing.contents = None, True, sizes, contents
    return listing


_LISTINGS: dict[tuple[object, ...], _IndexListing] = {}
_TREES: dict[tuple[object, ...], _IndexTree] = {}


def _index_key(repo: git.Repo) -> tuple[object, ...]:
    """Listings are read once per state of the index (a process that stages again reads again)."""
    return (repo.top, *repo.index_state())


def _index_listing(repo: git.Repo, paths: tuple[str, ...] = ()) -> _IndexListing:
    """The index of ``repo``, of ``paths`` and below them (none: all), read once per process."""
    key = (*_index_key(repo), paths)
    if key not in _LISTINGS:
        _LISTINGS[key] = _read_listing(repo, paths)
    return _LISTINGS[key]


def _index_tree(repo: git.Repo) -> _IndexTree:
    """The whole index of ``repo`` as folders (what links and submodules need), built once."""
    key = _index_key(repo)
    if key not in _TREES:
        tree = _build_index_tree(repo, _sized(_index_listing(repo)), "committed")
        for link in list(tree.links):
            _resolve_index_link(tree, link)
        _TREES[key] = tree
    return _TREES[key]


def _build_index_tree(repo: git.Repo, index: _IndexListing, origin: str) -> _IndexTree:
    top = _index_folder(repo.top, "", origin)
    tree = _IndexTree(repo, {"": top}, {}, {}, [])
    conflicted = set()
    folder_path, folder = "", top
    for (mode, object_id, stage, path), size in zip(map(git.parse_record, index.records), index.sizes):
        parent_path, _, name = path.rpartition("/")
        if parent_path != folder_path:
            folder_path, folder = parent_path, _ensure_folder(tree, parent_path, origin)
        listing = folder.entries()
        if stage != "0":
            if path not in conflicted:
                conflicted.add(path)
                _add_disk_file(repo, listing, path)
            continue
        if name in (AMLIGNORE, GITIGNORE):
            tree.staged[path] = (mode, object_id)
        if mode == "160000":
            _add_submodule(tree, listing, path, object_id)
        elif mode == "120000":
            tree.links[path] = (folder, len(listing), os.fsdecode(index.contents.get(object_id, b"")))
            listing.append((name, "dangling", 0, None))
        else:
            listing.append((name, "file", size, None) if size >= 0 else (name, "missing", 0, None))
    return tree


def _index_folder(top: str, relpath: str, origin: str) -> Folder:
    path = posixpath.join(top, relpath) if relpath else top
    return Folder(path, path, entries_cache=[], origin=origin)


def _ensure_folder(tree: _IndexTree, relpath: str, origin: str) -> Folder:
    """The folder at ``relpath``, created with the folders above it that are still missing."""
    missing = []
    while relpath not in tree.folders:
        missing.append(relpath)
        relpath = relpath.rpartition("/")[0]
    folder = tree.folders[relpath]
    for path in reversed(missing):
        child = tree.folders[path] = _index_folder(tree.repo.top, path, origin)
        folder.entries().append((path.rpartition("/")[2], "dir", 0, child))
        folder = child
    return folder


def _add_disk_file(repo: git.Repo, listing: list[Entry], relpath: str) -> None:
    """A conflicted path is judged by the file in the work tree."""
    try:
        size = os.stat(os.path.join(repo.top, relpath)).st_size
    except OSError:
        return
    listing.append((relpath.rpartition("/")[2], "file", size, None))


def _add_submodule(tree: _IndexTree, listing: list[Entry], relpath: str, commit: str) -> None:
    """The files of the commit the staged gitlink records: what a recursive clone checks out. When
    the submodule's checkout is at that commit, its own index (staged changes there included);
    else that commit's tree, read from the submodule's objects."""
    sub = git.submodule_repo(tree.repo, relpath)
    if sub is None:
        tree.notes.append((relpath, f"submodule {relpath} is not checked out: its files are not "
                                    f"counted, and a recursive clone uploads them too"))
        return
    if git.head_commit(sub) == commit:
        sub_listing = _read_listing(sub)
    else:
        committed = git.commit_listing(sub, commit)
        if committed is None and git.committed_object(tree.repo, relpath) == commit:
            # Not this commit's change: a pointer committed before, to a commit never fetched here.
            tree.notes.append((relpath, f"submodule {relpath}: its commit {commit[:12]} is not in "
                                        f"the submodule's objects, so its files are not counted"))
            return
        if committed is None:
            tree.unjudged.append((relpath, (
                f"submodule {relpath}: its staged commit {commit[:12]} is not in the submodule's "
                f"objects, so its files are unknown; run git submodule update and commit again (a "
                f"commit nobody pushed cannot be fetched: ask for it, or commit with --no-verify)")))
            return
        sub_listing = _IndexListing(sub, committed, [record.partition("\t")[2] for record in committed],
                                    [parsed for parsed in map(git.parse_record, committed)
                                     if parsed[0] in ("120000", "160000")], None)
    subtree = _build_index_tree(sub, _sized(sub_listing), "submodule")
    tree.notes.extend((posixpath.join(relpath, path), text) for path, text in subtree.notes)
    tree.unjudged.extend((posixpath.join(relpath, path), text) for path, text in subtree.unjudged)
    for path, child in subtree.folders.items():
        child.path = child.real = posixpath.join(tree.repo.top, relpath, path) if path else \
            posixpath.join(tree.repo.top, relpath)
        tree.folders[posixpath.join(relpath, path) if path else relpath] = child
    listing.append((relpath.rpartition("/")[2], "dir", 0, subtree.folders[""]))
    for path, link in subtree.links.items():
        tree.links[posixpath.join(relpath, path)] = link


def _resolve_index_link(tree: _IndexTree, link: str) -> None:
    """Put what a checkout's link points to in place of its placeholder entry."""
    folder, position, _ = tree.links[link]
    name = link.rpartition("/")[2]
    target = _link_target(tree, link, 0)
    if isinstance(target, Folder):
        full = posixpath.join(tree.repo.top, link)
        folder.entries()[position] = (name, "dirlink", 0, _Link(lambda: _relabel(target, full)))
    elif target is not None:
        folder.entries()[position] = (name, "filelink", target, True) if target >= 0 else \
            (name, "missing", 0, None)


def _relabel(target: Folder, path: str) -> Folder:
    """``target`` seen through a link at ``path``: its sub-folders get link paths too."""
    def load(_: Folder) -> list[Entry]:
        return [(name, kind, size, _relabel(payload, posixpath.join(path, name)))
                if kind == "dir" else (name, kind, size, payload)
                for name, kind, size, payload in target.entries()]

    return dataclasses.replace(target, path=path, entries_cache=None, load=load)


def _link_target(tree: _IndexTree, link: str, depth: int) -> Folder | int | None:
    """The folder, or the file size, that ``link`` leads to in a checkout; None when dangling."""
    if depth > _MAX_LINK_DEPTH:
        return None
    stored = tree.links[link][2]
    if posixpath.isabs(stored):
        absolute = posixpath.normpath(stored)
        top = tree.repo.top.rstrip("/") + "/"
        if not absolute.startswith(top):
            return _disk_target(absolute)
        relative = absolute[len(top):]
    else:
        relative = posixpath.normpath(posixpath.join(posixpath.dirname(link), stored))
    if relative.startswith("../") or relative == "..":
        return _disk_target(posixpath.normpath(posixpath.join(tree.repo.top, relative)))
    relative = "" if relative == "." else relative
    if relative in tree.links:
        return _link_target(tree, relative, depth + 1)
    if relative in tree.folders:
        return tree.folders[relative]
    parent_path, _, name = relative.rpartition("/")
    parent = tree.folders.get(parent_path)
    for entry_name, kind, size, _ in parent.entries() if parent else []:
        if entry_name == name and kind in ("file", "missing"):
            return size if kind == "file" else -1
    return None


def _disk_target(path: str) -> Folder | int | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return _follow_disk(path) if stat.S_ISDIR(info.st_mode) else info.st_size


def _index_ignore(repo: git.Repo, root_rel: str, staged: dict[str, tuple[str, str]], sdk: Sdk
                  ) -> IgnoreSpec:
    """The root's ignore file as staged; ``staged``: its ``.amlignore`` and ``.gitignore`` entries
    (name -> mode, object id)."""
    chosen = governing_name(staged.__contains__)
    if chosen is None:
        return spec_from_lines([], sdk, None)
    path = os.path.join(repo.top, root_rel, chosen)
    mode, object_id = staged[chosen]
    if mode == "120000":
        lines = read_lines(path, sdk)
    else:
        data = git.object_contents(repo, [object_id]).get(object_id, b"")
        lines = decode_lines(data, path, sdk)
    unread = unread_gitignore(staged.__contains__)
    return spec_from_lines(lines, sdk, path, unread and os.path.join(repo.top, root_rel, unread))


def staged_files(repo: git.Repo, root: str, within: tuple[str, ...] = (),
                 leaving_out: Collection[str] = ()) -> list[SnapshotFile]:
    """Every plain file staged below ``root`` (only below the names ``within`` at its top, if
    given; none of ``leaving_out``), uploaded or not: what git publishes. Paths relative to the
    root; sizes as staged (-1 where a partial clone does not hold the blob)."""
    real = index_root(repo, root)
    if real is None:
        return []
    prefix = real + "/" if real else ""
    listing = _sized(_index_listing(repo, tuple(prefix + name for name in within) or (prefix.rstrip("/"),)))
    special = {path for _, _, _, path in listing.special}  # links, submodules, conflicts
    found = []
    for path, size in zip(listing.paths, listing.sizes):
        if path.startswith(prefix) and path not in special:
            relpath = path[len(prefix):]
            if relpath not in leaving_out:
                found.append(SnapshotFile(relpath, size, "committed"))
    return found


Opener = Callable[[], BinaryIO]
"""Opens a file's content for reading."""


def openers(snapshot: Snapshot, relpaths: Iterable[str]) -> dict[str, Opener]:
    """How to read each of these files of ``snapshot`` (relative to its root) as the snapshot holds
    it: from disk, except a staged file whose work-tree copy differs from the index (``git commit
    -a``, ``--source index`` by hand; never under pre-commit, which stashes such changes) or is not
    there (a sparse checkout), whose staged content is read from git."""
    wanted = list(relpaths)
    found: dict[str, Opener] = {path: _disk_opener(os.path.join(snapshot.root, path)) for path in wanted}
    if snapshot.source != "index" or snapshot.repo is None or not wanted:
        return found
    repo, prefix = snapshot.repo, _prefix(snapshot.root, snapshot.repo.top)
    differ = {path[len(prefix):] for path in git.unstaged_paths(repo, prefix.rstrip("/"))
              if path.startswith(prefix)}.intersection(wanted)
    # A file missing on disk is among them: git diff lists it as deleted, or as --skip-worktree.
    if differ:
        listing = _index_listing(repo, (prefix.rstrip("/"),))
        ids = {path[len(prefix):]: object_id
               for mode, object_id, stage, path in map(git.parse_record, listing.records)
               if path[len(prefix):] in differ and stage == "0" and mode.startswith("100")}
        contents = git.object_contents(repo, ids.values())
        found.update((relpath, _bytes_opener(contents.get(object_id, b"")))
                     for relpath, object_id in ids.items())
    return found


def _disk_opener(path: str) -> Opener:
    return lambda: open(path, "rb")


def _bytes_opener(data: bytes) -> Opener:
    return lambda: io.BytesIO(data)


def _no_ignore_folder(repo: git.Repo, root_rel: str, staged_below: bool) -> None:
    """A clone that holds a folder named ``.amlignore`` fails the submission: both SDKs choose it."""
    if staged_below:
        path = os.path.join(repo.top, root_rel, AMLIGNORE)
        raise SnapshotInputError(f"{path}: is a folder in the staged files; Azure ML chooses it as "
                                 f"the ignore file and the submission from a clone fails")


def _tree_ignore(tree: _IndexTree, root_rel: str, sdk: Sdk) -> IgnoreSpec:
    prefix = root_rel + "/" if root_rel else ""
    _no_ignore_folder(tree.repo, root_rel, prefix + AMLIGNORE in tree.folders)
    staged = {name: tree.staged[prefix + name] for name in (AMLIGNORE, GITIGNORE)
              if prefix + name in tree.staged}
    return _index_ignore(tree.repo, root_rel, staged, sdk)


def _flat_index(repo: git.Repo, root_rel: str, sdk: Sdk, within: tuple[str, ...]
                ) -> tuple[Walker, IgnoreSpec] | None:
    """The index view of a root whose staged entries are all plain files, judged from the listing
    alone, without building folders: the common case, and the one a large repository needs fast.
    None when the root holds a link, a submodule or a conflict (the folder walk handles those)."""
    prefix = root_rel + "/" if root_rel else ""
    listing = _index_listing(repo, tuple(prefix + name for name in (AMLIGNORE, GITIGNORE, *within))
                             if within else (root_rel,))
    if any(path.startswith(prefix) or path == root_rel for _, _, _, path in listing.special):
        return None  # (a root that is a staged link: the folder walk follows it)
    indices, relpaths = _root_entries(listing, prefix, within)

    def judge(spec: IgnoreSpec, log: _Log) -> tuple[Uploaded, int]:
        return _judge_listed(listing, indices, relpaths, spec, log)

    return judge, _listed_ignore(repo, listing, root_rel, sdk)


def _judge_listed(listing: _IndexListing, indices: Sequence[int], relpaths: list[str],
                  spec: IgnoreSpec, log: _Log) -> tuple[Uploaded, int]:
    """The SDK's verdict on the listed files: v1's size check and upload, or v2's."""
    # Judged while git is still sizing the entries.
    kept = [(relpath, index) for index, relpath, excluded
            in zip(indices, relpaths, spec.exclusions(relpaths)) if not excluded]
    sizes = _sized(listing).sizes
    counted = [(relpath, sizes[index]) for relpath, index in kept]
    unknown = [relpath for relpath, size in counted if size < 0]
    if unknown:  # blobs this partial clone does not hold
        log.unknown.extend(unknown)
        counted = [(relpath, max(size, 0)) for relpath, size in counted]
    total = sum(size for _, size in counted)
    uploaded = counted if spec.sdk == "v2" else _v1_upload(counted, spec)
    return [(relpath, size, "committed") for relpath, size in uploaded], total


def _root_entries(listing: _IndexListing, prefix: str, within: tuple[str, ...]
                  ) -> tuple[Sequence[int], list[str]]:
    """The listing's entries below the root (``prefix``), only those under the names ``within`` if
    given: their places in the listing, and their paths relative to the root."""
    if not prefix and not within:
        return range(len(listing.paths)), listing.paths
    indices = [index for index, path in enumerate(listing.paths) if path.startswith(prefix)
               and (not within or path[len(prefix):].partition("/")[0] in within)]
    return indices, [listing.paths[index][len(prefix):] for index in indices]


def _listed_ignore(repo: git.Repo, listing: _IndexListing, root_rel: str, sdk: Sdk) -> IgnoreSpec:
    """The root's ignore file as the listing stages it."""
    prefix = root_rel + "/" if root_rel else ""
    _no_ignore_folder(repo, root_rel, any(path.startswith(prefix + AMLIGNORE + "/")
                                          for path in listing.paths))
    staged: dict[str, tuple[str, str]] = {}
    for name in (AMLIGNORE, GITIGNORE):
        if prefix + name in listing.paths:
            mode, object_id, _, _ = git.parse_record(listing.records[listing.paths.index(prefix + name)])
            staged[name] = (mode, object_id)
    return _index_ignore(repo, root_rel, staged, sdk)


def _v1_upload(counted: list[tuple[str, int]], spec: IgnoreSpec) -> list[tuple[str, int]]:
    """What azureml-core's upload sends of the files its size check counts: it never enters an
    excluded folder."""
    return [(relpath, size) for relpath, size in counted if v1_pruned_folder(spec, relpath) is None]


# ---------------------------------------------------------------------------------------------
# The SDK walks. Each returns ``(uploaded, total_bytes)``: uploaded as (path, size, origin).


def _v1_walk(top: Folder, spec: IgnoreSpec, log: _Log) -> tuple[Uploaded, int]:
    """azureml-core's two walks in one pass over the tree.

    The size check (``get_directory_size``: ``os.walk``, directory links not followed, nothing
    pruned) sums every file the ignore file does not exclude. The upload (``create_merkletree``)
    tests folders too and never enters an excluded one, follows directory links, and drops
    unreadable files.
    """
    files: Uploaded = []
    total = 0
    exclusions_in = spec.exclusions_in
    stack: list[tuple[Folder, str, bool, bool, tuple[str, ...]]] = [(top, "", True, True, (top.real,))]
    while stack:
        folder, prefix, uploading, sizing, chain = stack.pop()
        entries = folder.entries()
        if uploading and folder.error is not None:
            raise SnapshotInputError(
                f"{folder.path}: cannot be listed ({folder.error}); azureml-core's upload fails on it"
            )
        for (name, kind, size, payload), excluded in zip(
                entries, exclusions_in(prefix[:-1], [entry[0] for entry in entries])):
            relpath = prefix + name
            if kind == "dir":
                stack.append((payload, relpath + "/", uploading and not excluded, sizing,
                              chain + (payload.real,)))
                continue
            if excluded:
                continue
            if kind in ("file", "missing"):
                size, readable = _file(size, payload, uploading)
                if kind == "missing" and (sizing or uploading):
                    log.unknown.append(relpath)
                if sizing:
                    total += size
                if uploading:
                    if readable:
                        files.append((relpath, size, folder.origin))
                    else:
                        log.notes.append(f"{relpath}: unreadable, azureml-core leaves it out of the upload")
                continue
            full = os.path.join(folder.path, name)
            if kind == "dirlink":
                if uploading:
                    target = payload.target()
                    if target.real in chain:
                        raise SnapshotInputError(
                            f"{full}: directory link loop; azureml-core's upload follows links and "
                            f"fails (too many levels of symbolic links)"
                        )
                    stack.append((target, relpath + "/", True, False, chain + (target.real,)))
                continue
            if sizing:
                if kind == "dangling":
                    raise SnapshotInputError(
                        f"{full}: {_dangling(folder)}; azureml-core's size check fails on it "
                        f"(exclude it in {AMLIGNORE} or remove it)"
                    )
                total += _size(size, payload)
            if not uploading:
                continue
            if kind == "filelink":
                if payload:
                    files.append((relpath, size, folder.origin))
                else:
                    log.notes.append(f"{relpath}: unreadable, azureml-core leaves it out of the upload")
            else:
                what = _dangling(folder) if kind == "dangling" else "not a file or folder"
                raise SnapshotInputError(f"{full}: {what}; azureml-core's upload fails on it")
    return files, total


def _v2_walk(top: Folder, spec: IgnoreSpec, log: _Log, base: str) -> tuple[Uploaded, int]:
    """azure-ai-ml's ``get_upload_files_from_folder`` and ``get_directory_size``, in one walk.

    The walk starts at the root; patterns are anchored at ``base``, the code folder as the job
    names it. The upload tests a file by its folder's resolved path, the size walk by the path it
    walked; both relative to ``base``, so ``../`` appears when a link leads elsewhere.
    """
    files: Uploaded = []
    total = 0
    exclusions_in = spec.exclusions_in
    stack: list[tuple[Folder, str, tuple[str, ...]]] = [(top, "", (top.real,))]
    while stack:
        folder, prefix, chain = stack.pop()
        real_prefix, walked_prefix = _prefix(folder.real, base), _prefix(folder.path, base)
        same = real_prefix == walked_prefix
        entries = folder.entries()
        names = [entry[0] for entry in entries]
        walked = exclusions_in(walked_prefix[:-1], names)
        real = walked if same else exclusions_in(real_prefix[:-1], names)
        for (name, kind, size, payload), excluded, left_out in zip(entries, walked, real):
            if kind == "dir":
                stack.append((payload, prefix + name + "/", chain + (payload.real,)))
                continue
            full = os.path.join(folder.path, name) if kind != "file" else ""
            if kind == "dirlink":
                target = payload.target()
                if target.real in chain:
                    log.problems.append(
                        f"{full}: directory link loop; azure-ai-ml follows it and uploads the files "
                        f"below once per level, until the system's limit on links"
                    )
                    continue
                stack.append((target, prefix + name + "/", chain + (target.real,)))
                continue
            uploaded = not left_out
            if excluded and not uploaded:
                continue
            if kind in ("file", "missing"):
                size, readable = _file(size, payload, not excluded)
                if kind == "missing":
                    log.unknown.append(prefix + name)
            else:
                size, readable = _size(size, payload), excluded or _readable(kind, payload)
            if uploaded:
                files.append((prefix + name, size, folder.origin))
            if excluded:
                continue
            if kind == "dangling":
                raise SnapshotInputError(
                    f"{full}: {_dangling(folder)}; azure-ai-ml's size walk fails on it "
                    f"(exclude it in {AMLIGNORE} or remove it)"
                )
            if "\\" in full and kind == "filelink":
                raise SnapshotInputError(
                    f"{full}: a link whose path has a backslash; azure-ai-ml's size walk fails on it"
                )
            if not readable:
                raise SnapshotInputError(f"{full or os.path.join(folder.path, name)}: unreadable; "
                                         f"azure-ai-ml fails when it reads it")
            total += size
    return files, total


def _dangling(folder: Folder) -> str:
    if folder.origin == "outside-git":
        return "dangling link"
    return "dangling link in the staged files (its target is not committed: a clone has no target)"


def _prefix(folder: str, base: str) -> str:
    """``folder`` relative to ``base``, ready to prepend to a name ("" for ``base`` itself)."""
    relative = _relative_to(folder, base)
    return "" if relative == "." else relative + "/"


def _relative_to(path: str, base: str) -> str:
    if path.startswith(base + "/"):
        return path[len(base) + 1:]
    return os.path.relpath(path, base)


# ---------------------------------------------------------------------------------------------


def _origins(repo: git.Repo, root: str, relpaths: list[str]) -> tuple[list[str], frozenset[str]]:
    """Where each work-tree file comes from, as git sees it; and the files among them that are
    committed but not below the root as the index view sees it (a link in the root leads to them),
    which that view does not read.

    A file reached through a link (a committed link to a folder or a file, or a root that is one)
    is ``committed`` only when the path it resolves to is a file git tracks: a committed link does
    not commit what it leads to."""
    prefix = _relative_to(root, repo.top)
    prefix = "" if prefix == "." else prefix + "/"
    modes = _tracked_modes(repo, [prefix.rstrip("/")] if prefix else [])
    paths = [prefix + relpath for relpath in relpaths]
    ignored = _ignored(repo, prefix) if any(not modes.get(p, "").startswith("100")
                                            for p in paths) else set()
    origins: list[str] = []
    linked: dict[int, str] = {}  # place in ``origins`` -> the file's real path, relative to the top
    top_real = os.path.realpath(repo.top)
    for path in paths:
        if modes.get(path, "").startswith("100"):
            origins.append("committed")
            continue
        ancestors = _ancestors(path)
        through = [folder for folder in ancestors if folder in modes]
        if ".git" in path.split("/")[:-1]:
            origins.append("git")
        elif through and modes[through[0]] == "160000":
            origins.append("submodule")
        elif through or path in modes:  # below a committed link, or a committed file link itself
            real = _relative_to(os.path.realpath(os.path.join(repo.top, path)), top_real)
            if real == "." or real == ".." or real.startswith("../"):
                origins.append("outside-git")
            else:
                linked[len(origins)] = real
                origins.append("")
        elif path in ignored or any(folder + "/" in ignored for folder in ancestors):
            origins.append("ignored")
        else:
            origins.append("untracked")
    elsewhere: set[str] = set()
    if linked:
        real_root = _relative_to(os.path.realpath(root), top_real)
        real_prefix = "" if real_root == "." else real_root + "/"
        folders = _covering_folders(posixpath.dirname(real) for real in linked.values())
        real_modes = _tracked_modes(repo, folders)
        real_ignored = _ignored_in(repo, folders) if any(
            not real_modes.get(real, "").startswith("100") for real in linked.values()) else set()
        for place, real in linked.items():
            if real_modes.get(real, "").startswith("100"):
                origins[place] = "committed"
                if real_root.startswith("../") or not real.startswith(real_prefix):
                    elsewhere.add(relpaths[place])
            elif real in real_ignored or any(folder + "/" in real_ignored for folder in _ancestors(real)):
                origins[place] = "ignored"
            else:
                origins[place] = "untracked"
    return origins, frozenset(elsewhere)


def _tracked_modes(repo: git.Repo, folders: Sequence[str]) -> dict[str, str]:
    """Every path the index holds below ``folders`` (relative to the top; none: all), with its mode."""
    records, _ = git.stage_records(repo, folders)
    return {path: mode for mode, _, _, path in map(git.parse_record, records)}


def _covering_folders(folders: Iterable[str]) -> list[str]:
    """The fewest of ``folders`` that hold all of them ("" for the top)."""
    chosen: list[str] = []
    for folder in sorted(set(folders)):
        if not chosen or not _inside(folder, chosen[-1]):
            chosen.append(folder)
    return chosen


def _ignored_in(repo: git.Repo, folders: list[str]) -> set[str]:
    found: set[str] = set()
    for folder in folders:
        found |= _ignored(repo, folder + "/" if folder else "")
    return found


def _ignored(repo: git.Repo, prefix: str) -> set[str]:
    """What git ignores below ``prefix`` (``a/b/``, or ``""`` for the top)."""
    try:
        return git.ignored_paths(repo, [prefix.rstrip("/")] if prefix else [])
    except SnapshotInputError:
        # git refuses to list below a folder it ignores as a whole; then all that is not tracked
        # there is ignored
        return {prefix}


def _only(folder: Folder, names: tuple[str, ...]) -> Folder:
    """``folder`` with only the entries ``names`` in it (all of it when ``names`` is empty)."""
    if not names:
        return folder

    def load(_: Folder) -> list[Entry]:
        return [entry for entry in folder.entries() if entry[0] in names]

    return dataclasses.replace(folder, entries_cache=None, load=load)


def _inside(path: str, folder: str) -> bool:
    """Whether ``path`` is ``folder`` or below it (both relative to the top; ``""`` is the top)."""
    return not folder or path == folder or path.startswith(folder + "/")


def _ancestors(path: str) -> list[str]:
    parts = path.split("/")[:-1]
    return ["/".join(parts[: index + 1]) for index in range(len(parts))]


def take_snapshot(root: str, sdk: Sdk, source: Source, repo: git.Repo | None,
                  display: str | None = None, within: tuple[str, ...] = ()) -> Snapshot:
    """What a job with this ``root`` as its source directory uploads under ``sdk``, seen in
    ``source``; ``display``: the root as reports name it (default: relative to the top).

    ``within``: only these names at the top of the root are walked (a check that looks only
    there); ``files`` and ``total_bytes`` then hold only what they contribute."""
    root = os.path.abspath(root)
    if not os.path.isdir(root):
        what = "does not exist" if not os.path.exists(root) else "is not a folder"
        raise SnapshotInputError(f"{root}: snapshot root {what}")
    top = repo.top if repo else os.getcwd()
    log = _Log()
    if source == "index":
        if repo is None:
            raise SnapshotInputError(f"{root}: --source index needs a git repository")
        root_rel = _relative_to(root, repo.top)
        root_rel = "" if root_rel == "." else root_rel
        if root_rel.startswith("../"):
            raise SnapshotInputError(f"{root}: outside the repository {repo.top}")
        flat = None if _through_link(repo, root, root_rel) else _flat_index(repo, root_rel, sdk, within)
        if flat is not None:
            walker, spec = flat
        else:
            tree = _index_tree(repo)
            folder = _tree_root(tree, root_rel)
            # A root that is (or lies below) a staged link: what a checkout's link leads to.
            real = _tree_real(tree, folder) if folder is not None else root_rel
            if real is not None:
                log.notes.extend(text for path, text in tree.notes if _inside(path, real))
                log.unjudged.extend(text for path, text in tree.unjudged if _inside(path, real))
            if real is None:  # a staged link to a folder outside the repository: read from disk
                assert folder is not None
                spec = load_ignore(folder.real, sdk)
            else:
                spec = _tree_ignore(tree, real, sdk)
            walker = _walker(_only(folder or _index_folder(repo.top, root_rel, "committed"), within), root)
    else:
        walker = _walker(_only(Folder(root, os.path.realpath(root), _scan), within), root)
        spec = load_ignore(root, sdk)
    uploaded, total = walker(spec, log)
    uploaded.sort()
    files = list(map(SnapshotFile._make, uploaded))
    return Snapshot(root, display or display_path(root, top), sdk, source, spec, files, total,
                    log.problems, sorted(set(log.unknown)), log.notes, log.unjudged, walker, repo)


def _through_link(repo: git.Repo, root: str, root_rel: str) -> bool:
    """Whether the root on disk is a link or lies below one: the index view then follows the
    staged links the way a checkout does."""
    return os.path.realpath(root) != os.path.normpath(os.path.join(os.path.realpath(repo.top), root_rel))


def _tree_root(tree: _IndexTree, root_rel: str) -> Folder | None:
    """The folder at ``root_rel`` in the index tree, through the staged links on the way, as a
    checkout has it; None when the index holds no folder there."""
    if root_rel in tree.folders:
        return tree.folders[root_rel]
    folder = tree.folders[""]
    for part in root_rel.split("/"):
        found = [entry for entry in folder.entries() if entry[0] == part]
        if not found or found[0][1] not in ("dir", "dirlink"):
            return None
        _, kind, _, payload = found[0]
        folder = payload if kind == "dir" else payload.target()
    return folder


def _tree_real(tree: _IndexTree, folder: Folder) -> str | None:
    """Where ``folder`` of the index tree is, relative to the top; None outside the repository."""
    real = _relative_to(folder.real, tree.repo.top)
    if real == ".." or real.startswith("../"):
        return None
    return "" if real == "." else real


def index_root(repo: git.Repo, root: str) -> str | None:
    """The root as the index view reads it, relative to the top: through the staged links a
    checkout follows (a root that is a committed link ``job -> src`` is ``src``); None when they
    lead outside the repository, where no file is staged."""
    root_rel = _relative_to(os.path.abspath(root), repo.top)
    root_rel = "" if root_rel == "." else root_rel
    if not _through_link(repo, root, root_rel):
        return root_rel
    tree = _index_tree(repo)
    folder = _tree_root(tree, root_rel)
    return root_rel if folder is None else _tree_real(tree, folder)


def _walker(folder: Folder, base: str) -> Walker:
    def walk(spec: IgnoreSpec, log: _Log) -> tuple[Uploaded, int]:
        return _walk(folder, spec, log, base)

    return walk


def _walk(folder: Folder, spec: IgnoreSpec, log: _Log, base: str) -> tuple[Uploaded, int]:
    if spec.sdk == "v1":
        return _v1_walk(folder, spec, log)
    return _v2_walk(folder, spec, log, base)


def measure_with(snapshot: Snapshot, spec: IgnoreSpec) -> tuple[int, int]:
    """``(total_bytes, file_count)`` of ``snapshot`` had its root been governed by ``spec``."""
    assert snapshot.walker is not None
    uploaded, total = snapshot.walker(spec, _Log())
    return total, len(uploaded)


def files_with(snapshot: Snapshot, spec: IgnoreSpec) -> list[SnapshotFile]:
    """What the upload of ``snapshot`` sends had its root been governed by ``spec``, sorted (the
    size map's view of what patterns remove)."""
    assert snapshot.walker is not None
    uploaded, _ = snapshot.walker(spec, _Log())
    uploaded.sort()
    return list(map(SnapshotFile._make, uploaded))

"""What a job uploads from a snapshot root: the walks of azureml-core and azure-ai-ml, reproduced.

Two sources feed the same walks:

- ``worktree``: the folder on disk, as a job submitted from this checkout sees it;
- ``index``: the files git is about to commit, as a fresh clone (and CI) sees them.

Either is read once into a tree of :class:`Folder` and :class:`Entry`; the SDK walks then run over
that tree. SDK v1 walks twice: its size check (``os.walk``, directory links not followed, nothing
pruned) gives ``total_bytes``; its upload (``create_merkletree``: folders tested and pruned, links
followed, unreadable files dropped) gives ``files``. SDK v2 walks with ``os.walk(followlinks=True)``,
testing only files: by their resolved path for the upload, by their link path for the size.
"""
from __future__ import annotations

import dataclasses
import os
import posixpath
import re
import stat
from typing import Callable, Literal

from snapshot_guard import git
from snapshot_guard.ignore import (
    AMLIGNORE,
    GITIGNORE,
    IgnoreSpec,
    Sdk,
    SnapshotInputError,
    decode_lines,
    load_ignore,
    read_lines,
    spec_from_lines,
)

Source = Literal["index", "worktree"]
Kind = Literal["file", "dir", "dirlink", "filelink", "dangling", "other"]
_LFS_POINTER = re.compile(rb"version https://git-lfs\.github\.com/spec/v1\n(?:.*\n)*?size (\d+)\n")
_LFS_MAX_POINTER = 200
_MAX_LINK_DEPTH = 40


@dataclasses.dataclass(frozen=True)
class SnapshotFile:
    path: str
    """POSIX path relative to the snapshot root."""
    size: int
    origin: str
    """``committed``, ``untracked``, ``ignored`` (by git), ``git`` (in a ``.git`` folder), ``submodule``
    or ``outside-git``."""


@dataclasses.dataclass
class Snapshot:
    root: str
    display: str
    sdk: Sdk
    source: Source
    ignore: IgnoreSpec
    files: list[SnapshotFile]
    """What the upload sends, sorted by path."""
    total_bytes: int
    """What the SDK's size check sums (v1: its own walk; v2: ``get_directory_size``)."""
    problems: list[str] = dataclasses.field(default_factory=list)
    """Things that fail the check although no limit is crossed (a v2 directory link loop)."""
    notes: list[str] = dataclasses.field(default_factory=list)
    """Things worth a warning line (dropped unreadable files, submodules not checked out)."""
    tree: Folder | None = dataclasses.field(default=None, repr=False)
    repo: git.Repo | None = dataclasses.field(default=None, repr=False)
    """Set while the work-tree files' origins are still to be asked (see ``fill_origins``)."""

    @property
    def file_count(self) -> int:
        return len(self.files)


@dataclasses.dataclass
class Entry:
    name: str
    kind: Kind
    known_size: int = 0
    """The size the SDK reads: a link's target size, an LFS file's real size (see ``size``)."""
    known_readable: bool | None = True
    origin: str = "outside-git"
    folder: Folder | None = None
    """For ``dir``; for ``dirlink`` once followed."""
    follow: Callable[[], Folder] | None = None
    """For ``dirlink``: the folder it points to, built on first use."""
    link_has_backslash: bool = False
    disk: os.DirEntry[str] | None = None
    """For a file on disk: read its size and access only when a walk needs them."""

    @property
    def size(self) -> int:
        if self.known_size < 0:
            assert self.disk is not None
            try:
                self.known_size = self.disk.stat(follow_symlinks=False).st_size
            except OSError:
                self.known_size = 0
        return self.known_size

    @property
    def readable(self) -> bool:
        if self.known_readable is None:
            assert self.disk is not None
            self.known_readable = os.access(self.disk.path, os.R_OK)
        return self.known_readable


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

    def entries(self) -> list[Entry]:
        if self.entries_cache is None:
            self.entries_cache = self.load(self) if self.load else []
        return self.entries_cache


# ---------------------------------------------------------------------------------------------
# The work tree, read from disk.


def _scan(folder: Folder) -> list[Entry]:
    try:
        iterator = os.scandir(folder.path)
    except OSError as error:
        folder.error = error.strerror or str(error)
        return []
    entries = []
    with iterator:
        for item in iterator:
            # The common case first, from the folder listing alone: no stat until a walk needs it.
            if item.is_file(follow_symlinks=False):
                entries.append(Entry(item.name, "file", -1, None, disk=item))
            else:
                entries.append(_disk_entry(folder, item))
    return entries


def _disk_entry(parent: Folder, item: os.DirEntry[str]) -> Entry:
    path = item.path
    try:
        if not item.is_symlink():
            if item.is_dir(follow_symlinks=False):
                child = Folder(path, os.path.join(parent.real, item.name), _scan)
                return Entry(item.name, "dir", folder=child)
            kind: Kind = "file" if item.is_file(follow_symlinks=False) else "other"
            return Entry(item.name, kind, -1, None, disk=item)
        try:
            info = os.stat(path)
        except OSError:
            return Entry(item.name, "dangling", link_has_backslash="\\" in path)
        if stat.S_ISDIR(info.st_mode):
            return Entry(item.name, "dirlink", follow=lambda: _follow_disk(path),
                         link_has_backslash="\\" in path)
        kind = "filelink" if stat.S_ISREG(info.st_mode) else "other"
        return Entry(item.name, kind, info.st_size, os.access(path, os.R_OK),
                     link_has_backslash="\\" in path)
    except OSError:
        return Entry(item.name, "other")


def _follow_disk(path: str) -> Folder:
    return Folder(path, os.path.realpath(path), _scan)


def _worktree_tree(root: str) -> Folder:
    return Folder(root, os.path.realpath(root), _scan)


# ---------------------------------------------------------------------------------------------
# The index, read with git: a tree built from ``git ls-files --stage``.


@dataclasses.dataclass
class _IndexTree:
    repo: git.Repo
    folders: dict[str, Folder]
    """Folder path relative to the repository top ("" for the top) -> Folder."""
    staged: dict[str, git.IndexEntry]
    """Ignore file path relative to the top -> its stage-0 entry."""
    links: dict[str, str]
    """Link path relative to the top -> its target as stored."""
    notes: list[str]


_INDEX_TREES: dict[tuple[str, str], _IndexTree] = {}


def _index_tree(repo: git.Repo) -> _IndexTree:
    """The whole index of ``repo``, read once per process (every root shares it)."""
    key = (repo.top, os.environ.get("GIT_INDEX_FILE", ""))
    if key not in _INDEX_TREES:
        _INDEX_TREES[key] = _read_index_tree(repo, "committed")
    return _INDEX_TREES[key]


def _read_index_tree(repo: git.Repo, origin: str) -> _IndexTree:
    entries = git.index_entries(repo)
    tree = _IndexTree(repo, {"": _index_folder(repo.top, "")}, {}, {}, [])
    sizes = git.object_sizes(repo, [entry.object_id for entry in entries])
    small = [entry.object_id for entry, size in zip(entries, sizes)
             if entry.mode == "120000" or 0 <= size <= _LFS_MAX_POINTER]
    contents = git.object_contents(repo, small)
    conflicted = set()
    folder_path, folder = "", tree.folders[""]
    for entry, size in zip(entries, sizes):
        parent_path, _, name = entry.path.rpartition("/")
        if parent_path != folder_path:
            folder_path, folder = parent_path, _ensure_folder(tree, parent_path)
        if entry.stage != 0:
            if entry.path not in conflicted:
                conflicted.add(entry.path)
                _add_disk_file(repo, folder, entry.path, origin)
            continue
        if name in (AMLIGNORE, GITIGNORE):
            tree.staged[entry.path] = entry
        if entry.mode == "160000":
            _add_submodule(tree, folder, entry.path)
        elif entry.mode == "120000":
            tree.links[entry.path] = os.fsdecode(contents.get(entry.object_id, b""))
            folder.entries().append(Entry(name, "dangling", origin=origin))
        else:
            if size <= _LFS_MAX_POINTER:
                pointer = _LFS_POINTER.match(contents.get(entry.object_id, b""))
                size = int(pointer.group(1)) if pointer else size
            folder.entries().append(Entry(name, "file", size, origin=origin))
    for link in list(tree.links):
        _resolve_index_link(tree, link)
    return tree


def _index_folder(top: str, relpath: str) -> Folder:
    path = posixpath.join(top, relpath) if relpath else top
    return Folder(path, path, entries_cache=[])


def _ensure_folder(tree: _IndexTree, relpath: str) -> Folder:
    folder = tree.folders.get(relpath)
    if folder is None:
        parent_path, _, name = relpath.rpartition("/")
        parent = _ensure_folder(tree, parent_path)
        folder = _index_folder(tree.repo.top, relpath)
        tree.folders[relpath] = folder
        parent.entries().append(Entry(name, "dir", folder=folder, origin="committed"))
    return folder


def _add_disk_file(repo: git.Repo, parent: Folder, relpath: str, origin: str) -> None:
    """A conflicted path is judged by the file in the work tree."""
    path = os.path.join(repo.top, relpath)
    try:
        info = os.stat(path)
    except OSError:
        return
    parent.entries().append(Entry(posixpath.basename(relpath), "file", info.st_size, origin=origin))


def _add_submodule(tree: _IndexTree, parent: Folder, relpath: str) -> None:
    sub = git.submodule_repo(tree.repo, relpath)
    if sub is None:
        tree.notes.append(f"submodule {relpath} is not checked out: its files are not counted")
        return
    subtree = _read_index_tree(sub, "submodule")
    tree.notes.extend(subtree.notes)
    folder = subtree.folders[""]
    folder.path = folder.real = posixpath.join(tree.repo.top, relpath)
    _rebase(subtree, folder.path)
    tree.folders[relpath] = folder
    parent.entries().append(Entry(posixpath.basename(relpath), "dir", folder=folder,
                                  origin="submodule"))
    for path, child in subtree.folders.items():
        if path:
            tree.folders[posixpath.join(relpath, path)] = child
    for path, target in subtree.links.items():
        tree.links[posixpath.join(relpath, path)] = target


def _rebase(subtree: _IndexTree, top: str) -> None:
    for path, folder in subtree.folders.items():
        folder.path = folder.real = posixpath.join(top, path) if path else top


def _resolve_index_link(tree: _IndexTree, link: str) -> None:
    """Turn the placeholder entry of ``link`` into what a checkout's link points to."""
    parent = tree.folders[posixpath.dirname(link)]
    name = posixpath.basename(link)
    entry = next(item for item in parent.entries() if item.name == name)
    full = posixpath.join(tree.repo.top, link)
    entry.link_has_backslash = "\\" in full
    target = _link_target(tree, link, 0)
    if target is None:
        return
    if isinstance(target, Folder):
        entry.kind = "dirlink"
        entry.follow = lambda: dataclasses.replace(target, path=full, entries_cache=None,
                                                   load=_relabel(target, full))
    else:
        entry.kind, entry.known_size = "filelink", target


def _relabel(target: Folder, path: str) -> Callable[[Folder], list[Entry]]:
    """Entries of ``target`` seen through a link at ``path``: sub-folders get link paths too."""
    def load(_: Folder) -> list[Entry]:
        entries = []
        for entry in target.entries():
            if entry.kind == "dir" and entry.folder is not None:
                inner = entry.folder
                child = dataclasses.replace(
                    inner, path=posixpath.join(path, entry.name), entries_cache=None,
                    load=_relabel(inner, posixpath.join(path, entry.name)),
                )
                entry = dataclasses.replace(entry, folder=child)
            entries.append(entry)
        return entries
    return load


def _link_target(tree: _IndexTree, link: str, depth: int) -> Folder | int | None:
    """The folder, or the file size, that ``link`` leads to in a checkout; None when dangling."""
    if depth > _MAX_LINK_DEPTH:
        return None
    stored = tree.links[link]
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
    parent = tree.folders.get(posixpath.dirname(relative))
    for entry in parent.entries() if parent else []:
        if entry.name == posixpath.basename(relative) and entry.kind == "file":
            return entry.size
    return None


def _disk_target(path: str) -> Folder | int | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return _follow_disk(path) if stat.S_ISDIR(info.st_mode) else info.st_size


def _index_ignore(tree: _IndexTree, root_rel: str, sdk: Sdk) -> IgnoreSpec:
    """The root's ignore file as staged."""
    folder = tree.folders.get(root_rel)
    names = {entry.name for entry in folder.entries()} if folder else set()
    chosen = next((name for name in (AMLIGNORE, GITIGNORE) if name in names), None)
    if chosen is None:
        return spec_from_lines([], sdk, None)
    relpath = posixpath.join(root_rel, chosen) if root_rel else chosen
    path = os.path.join(tree.repo.top, relpath)
    entry = tree.staged.get(relpath)
    if entry is None or entry.mode == "120000":
        lines = read_lines(path, sdk)
    else:
        data = git.object_contents(tree.repo, [entry.object_id]).get(entry.object_id, b"")
        lines = decode_lines(data, path, sdk)
    unused = os.path.join(tree.repo.top, root_rel, GITIGNORE) \
        if chosen == AMLIGNORE and GITIGNORE in names else None
    return spec_from_lines(lines, sdk, path, unused)


# ---------------------------------------------------------------------------------------------
# The SDK walks.


Excludes = Callable[[str], bool]


def _v1_size(top: Folder, excludes: Excludes) -> int:
    """azureml-core's ``get_directory_size``: every file ``os.walk`` finds that is not excluded."""
    total = 0
    stack = [(top, "")]
    while stack:
        folder, prefix = stack.pop()
        for entry in folder.entries():
            relpath = prefix + entry.name
            if entry.kind == "dir":
                assert entry.folder is not None
                stack.append((entry.folder, relpath + "/"))
            elif entry.kind != "dirlink" and not excludes(relpath):
                if entry.kind == "dangling":
                    raise SnapshotInputError(
                        f"{os.path.join(folder.path, entry.name)}: dangling link; azureml-core's "
                        f"size check fails on it (exclude it in {AMLIGNORE} or remove it)"
                    )
                total += entry.size
    return total


def _v1_upload(top: Folder, excludes: Excludes, notes: list[str]) -> list[tuple[str, Entry]]:
    """azureml-core's ``create_merkletree``: folders are tested (as ``a/b``) and pruned."""
    files: list[tuple[str, Entry]] = []
    stack: list[tuple[Folder, str, tuple[str, ...]]] = [(top, "", (top.real,))]
    while stack:
        folder, prefix, chain = stack.pop()
        entries = folder.entries()
        if folder.error is not None:
            raise SnapshotInputError(
                f"{folder.path}: cannot be listed ({folder.error}); azureml-core's upload fails on it"
            )
        for entry in entries:
            relpath = prefix + entry.name
            if excludes(relpath):
                continue
            if entry.kind in ("file", "filelink"):
                if entry.readable:
                    files.append((relpath, entry))
                else:
                    notes.append(f"{relpath}: unreadable, azureml-core leaves it out of the upload")
            elif entry.kind == "dir":
                assert entry.folder is not None
                stack.append((entry.folder, relpath + "/", chain + (entry.folder.real,)))
            elif entry.kind == "dirlink":
                target = _followed(entry)
                if target.real in chain:
                    raise SnapshotInputError(
                        f"{os.path.join(folder.path, entry.name)}: directory link loop; azureml-core's "
                        f"upload follows links and fails (too many levels of symbolic links)"
                    )
                stack.append((target, relpath + "/", chain + (target.real,)))
            else:
                what = "dangling link" if entry.kind == "dangling" else "not a file or folder"
                raise SnapshotInputError(
                    f"{os.path.join(folder.path, entry.name)}: {what}; azureml-core's upload fails on it"
                )
    return files


def _followed(entry: Entry) -> Folder:
    if entry.folder is None:
        assert entry.follow is not None
        entry.folder = entry.follow()
    return entry.folder


def _prefix(folder: str, base: str) -> str:
    """``folder`` relative to ``base``, ready to prepend to a name ("" for ``base`` itself)."""
    relative = _relative_to(folder, base)
    return "" if relative == "." else relative + "/"


def _relative_to(path: str, base: str) -> str:
    if path.startswith(base + "/"):
        return path[len(base) + 1:]
    return os.path.relpath(path, base)


def _v2_walk(
    top: Folder, spec: IgnoreSpec, problems: list[str], base: str
) -> tuple[list[tuple[str, Entry]], int]:
    """azure-ai-ml's ``get_upload_files_from_folder`` and ``get_directory_size``, in one walk.

    The walk starts at the resolved root; patterns are anchored at ``base``, the code folder as
    the job names it. The upload tests a file by its folder's resolved path, the size walk by the
    path it walked; both relative to ``base``, so ``../`` appears when a link leads elsewhere.
    """
    files: list[tuple[str, Entry]] = []
    total = 0
    stack: list[tuple[Folder, str, tuple[str, ...]]] = [(top, "", (top.real,))]
    while stack:
        folder, prefix, chain = stack.pop()
        real_prefix, walked_prefix = (_prefix(path, base) for path in (folder.real, folder.path))
        for entry in folder.entries():
            relpath = prefix + entry.name
            full = os.path.join(folder.path, entry.name)
            if entry.kind == "dir":
                assert entry.folder is not None
                stack.append((entry.folder, relpath + "/", chain + (entry.folder.real,)))
                continue
            if entry.kind == "dirlink":
                target = _followed(entry)
                if target.real in chain:
                    problems.append(
                        f"{full}: directory link loop; azure-ai-ml follows it and uploads the files "
                        f"below once per level, until the system's limit on links"
                    )
                    continue
                stack.append((target, relpath + "/", chain + (target.real,)))
                continue
            excluded = spec.excludes(walked_prefix + entry.name)
            if real_prefix == walked_prefix:
                if not excluded:
                    files.append((relpath, entry))
            elif not spec.excludes(real_prefix + entry.name):
                files.append((relpath, entry))
            if excluded:
                continue
            if entry.kind == "dangling":
                raise SnapshotInputError(
                    f"{full}: dangling link; azure-ai-ml's size walk fails on it "
                    f"(exclude it in {AMLIGNORE} or remove it)"
                )
            if entry.link_has_backslash:
                raise SnapshotInputError(
                    f"{full}: a link whose path has a backslash; azure-ai-ml's size walk fails on it"
                )
            if not entry.readable:
                raise SnapshotInputError(f"{full}: unreadable; azure-ai-ml fails when it reads it")
            total += entry.size
    return files, total


# ---------------------------------------------------------------------------------------------


def _origins(repo: git.Repo, root: str, relpaths: list[str]) -> list[str]:
    """Where each work-tree file comes from, as git sees it."""
    prefix = _relative_to(root, repo.top)
    prefix = "" if prefix == "." else prefix + "/"
    spec = [prefix.rstrip("/")] if prefix else []
    tracked = git.tracked_paths(repo, spec)
    paths = [prefix + relpath for relpath in relpaths]
    ignored = git.ignored_paths(repo, spec) if any(p not in tracked for p in paths) else set()
    origins = []
    for path in paths:
        if path in tracked:
            origins.append("committed")
            continue
        ancestors = _ancestors(path)
        linked = [folder for folder in ancestors if folder in tracked]
        if ".git" in path.split("/")[:-1]:
            origins.append("git")
        elif linked:
            # A tracked path with files below it: a committed link to a folder, or a submodule.
            link = os.path.islink(os.path.join(repo.top, linked[0]))
            origins.append("committed" if link else "submodule")
        elif path in ignored or any(folder + "/" in ignored for folder in ancestors):
            origins.append("ignored")
        else:
            origins.append("untracked")
    return origins


def _ancestors(path: str) -> list[str]:
    parts = path.split("/")[:-1]
    return ["/".join(parts[: index + 1]) for index in range(len(parts))]


def display_path(path: str, top: str) -> str:
    relative = _relative_to(os.path.abspath(path), top)
    return relative.replace(os.sep, "/")


def take_snapshot(
    root: str, sdk: Sdk, source: Source, repo: git.Repo | None, origins: bool = True
) -> Snapshot:
    """What a job with this ``root`` as its source directory uploads under ``sdk``."""
    root = os.path.abspath(root)
    if not os.path.isdir(root):
        what = "does not exist" if not os.path.exists(root) else "is not a folder"
        raise SnapshotInputError(f"{root}: snapshot root {what}")
    top = repo.top if repo else os.getcwd()
    notes: list[str] = []
    problems: list[str] = []
    if source == "index":
        if repo is None:
            raise SnapshotInputError(f"{root}: --source index needs a git repository")
        root_rel = _relative_to(root, repo.top)
        root_rel = "" if root_rel == "." else root_rel
        if root_rel.startswith("../"):
            raise SnapshotInputError(f"{root}: outside the repository {repo.top}")
        tree = _index_tree(repo)
        notes.extend(tree.notes)
        folder = tree.folders.get(root_rel) or _index_folder(repo.top, root_rel)
        spec = _index_ignore(tree, root_rel, sdk)
    else:
        folder = _worktree_tree(root)
        spec = load_ignore(root, sdk)
    uploaded, total = _walk(folder, spec, notes, problems, root)
    uploaded.sort(key=lambda item: item[0])
    files = [SnapshotFile(relpath, entry.size, entry.origin) for relpath, entry in uploaded]
    snapshot = Snapshot(root, display_path(root, top), sdk, source, spec, files, total, problems,
                        notes, folder)
    if source == "worktree" and repo is not None:
        snapshot.repo = repo
        if origins:
            fill_origins(snapshot)
    return snapshot


def fill_origins(snapshot: Snapshot) -> None:
    """Ask git where each work-tree file of ``snapshot`` comes from (``take_snapshot(origins=False)``
    leaves that out: it costs two git calls that a passing check does not need)."""
    if snapshot.repo is None:
        return
    relpaths = [item.path for item in snapshot.files]
    snapshot.files = [dataclasses.replace(item, origin=origin) for item, origin
                      in zip(snapshot.files, _origins(snapshot.repo, snapshot.root, relpaths))]
    snapshot.repo = None


def _walk(
    folder: Folder, spec: IgnoreSpec, notes: list[str], problems: list[str], base: str
) -> tuple[list[tuple[str, Entry]], int]:
    if spec.sdk == "v1":
        decided: dict[str, bool] = {}

        def excludes(relpath: str) -> bool:
            verdict = decided.get(relpath)
            if verdict is None:
                verdict = decided[relpath] = spec.excludes(relpath)
            return verdict

        return _v1_upload(folder, excludes, notes), _v1_size(folder, excludes)
    return _v2_walk(folder, spec, problems, base)


def measure(snapshot: Snapshot, spec: IgnoreSpec) -> tuple[int, int]:
    """``(total_bytes, file_count)`` of ``snapshot`` had its root been governed by ``spec``."""
    assert snapshot.tree is not None
    uploaded, total = _walk(snapshot.tree, spec, [], [], snapshot.root)
    return total, len(uploaded)

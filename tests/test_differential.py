"""snapshot-guard's snapshot against the real azureml-core and azure-ai-ml code, file by file.

Hypothesis builds trees (odd names, ``.git``-like folders, outputs/, links) and ignore files from a
grammar of realistic and edge-case lines; each tree is judged by snapshot-guard and by the SDK
functions in ``sdk_oracles``. Where the SDK raises, the submission would fail, and snapshot-guard must
raise SnapshotInputError. The ``index`` view is compared with the SDKs run on a checkout of the index.
The unit tests below pin every edge case of the facts file the same way.
"""
from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Union

import pytest
import sdk_oracles
from conftest import git, make_repo
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from snapshot_guard.errors import Sdk, SnapshotInputError
from snapshot_guard.git import find_repo
from snapshot_guard.ignore import ignore_line, load_ignore, v1_pruned_folder
from snapshot_guard.snapshot import Snapshot, take_snapshot

SDKS: tuple[Sdk, ...] = ("v1", "v2")
TEXT_ENDS = ("\n", "\r\n", "\r")
BOM = "\ufeff"


# --- the SDKs' answer and the comparison ------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class SdkAnswer:
    files: frozenset[str]
    """What the upload sends."""
    total: int
    """What the size is measured as: v1's size check, v2's ``get_directory_size``."""


def sdk_answer(root: str, sdk: Sdk) -> SdkAnswer | Exception:
    """The real SDK's snapshot of ``root``, or the exception that makes the submission fail."""
    try:
        if sdk == "v1":
            total = sum(sdk_oracles.v1_size_files(root).values())
            return SdkAnswer(frozenset(sdk_oracles.v1_upload_files(root)), total)
        return SdkAnswer(frozenset(sdk_oracles.v2_upload_files(root)), sdk_oracles.v2_size(root))
    except Exception as error:  # any SDK exception means the submission fails
        return error


def assert_same(snapshot: Snapshot, expected: SdkAnswer, sized_from: str) -> None:
    paths = [file.path for file in snapshot.files]
    assert paths == sorted(paths), "Snapshot.files must be sorted by path"
    assert set(paths) == expected.files, (
        f"{snapshot.sdk} {snapshot.source}: only snapshot-guard: {sorted(set(paths) - expected.files)}; "
        f"only the SDK: {sorted(expected.files - set(paths))}"
    )
    assert len(paths) == len(expected.files)
    assert snapshot.total_bytes == expected.total, f"{snapshot.sdk} {snapshot.source}: total"
    for file in snapshot.files:
        assert file.size == os.path.getsize(os.path.join(sized_from, file.path)), file.path


def check_worktree(root: str, sdk: Sdk) -> SdkAnswer | Exception:
    """snapshot-guard's worktree snapshot of ``root`` equals the SDK's (or both fail)."""
    expected = sdk_answer(root, sdk)
    if isinstance(expected, Exception):
        with pytest.raises(SnapshotInputError):
            take_snapshot(root, sdk, "worktree", find_repo(root))
    else:
        snapshot = take_snapshot(root, sdk, "worktree", find_repo(root))
        assert snapshot.root == root and snapshot.sdk == sdk and snapshot.source == "worktree"
        assert_same(snapshot, expected, root)
        assert_within(snapshot)
    return expected


def assert_within(snapshot: Snapshot) -> None:
    """A snapshot of a few names at the top of the root holds exactly the full snapshot's files
    below those names."""
    tops = sorted({file.path.partition("/")[0] for file in snapshot.files})
    within = tuple(tops[::2])
    if not within:
        return
    part = take_snapshot(snapshot.root, snapshot.sdk, snapshot.source, find_repo(snapshot.root),
                         within=within)
    assert part.files == [file for file in snapshot.files if file.path.partition("/")[0] in within]


def check_index(root: str, sdk: Sdk, checkout: str) -> None:
    """snapshot-guard's index snapshot of ``root`` equals the SDK's on ``checkout`` of that index."""
    expected = sdk_answer(checkout, sdk)
    repo = find_repo(root)
    assert repo is not None
    if isinstance(expected, Exception):
        with pytest.raises(SnapshotInputError):
            take_snapshot(root, sdk, "index", repo)
    else:
        snapshot = take_snapshot(root, sdk, "index", repo)
        assert snapshot.source == "index"
        assert_same(snapshot, expected, checkout)
        assert_within(snapshot)


# --- trees --------------------------------------------------------------------------------------

NAMES = (
    "src", "data", "outputs", "logs", ".git", "node_modules", "notebooks", "sub", "a", "b",
    "train.py", "model.pt", "x.csv", "notes.md", "e.tar.gz", "c.py", "d.txt", ".hidden", "a b",
    "a.b.c", "[ab]", "[!x]", "!keep", "#tag", "ü", "日本.txt", "foo ", " lead", "q?", "st*r",
    "x^y", "1.log", "__pycache__", "config", "HEAD", "back\\slash",
)
NAME = st.one_of(
    st.sampled_from(NAMES),
    st.text(alphabet="abxyz019 ._-[]!#^*?é", min_size=1, max_size=6).filter(
        lambda name: name not in (".", "..", ".amlignore", ".gitignore")
    ),
)


IGNORE_FILE_CHOICES = ((), (".amlignore",), (".gitignore",), (".amlignore", ".gitignore"))


@dataclasses.dataclass
class Tree:
    """A tree relative to the snapshot root. Link targets are relative to the link's folder."""

    files: dict[str, int]
    links: dict[str, str]
    ignore_files: dict[str, bytes]


def _parents(path: str) -> list[str]:
    parts = path.split("/")
    return ["/".join(parts[:end]) for end in range(1, len(parts))]


def _within(path: str, folder: str) -> bool:
    return folder == "" or path == folder or path.startswith(folder + "/")


def _add_file(tree: Tree, path: str, size: int) -> None:
    taken = set(tree.files) | set(tree.links) | set(tree.ignore_files)
    folders = {parent for name in taken for parent in _parents(name)}
    if path in taken or path in folders or any(parent in taken for parent in _parents(path)):
        return
    tree.files[path] = size


def folders_of(tree: Tree) -> list[str]:
    return sorted({"", *(parent for name in tree.files for parent in _parents(name))})


@st.composite
def trees(draw: st.DrawFn, links: bool = True) -> Tree:
    tree = Tree({"train.py": 100}, {}, {})
    for parts in draw(st.lists(st.lists(NAME, min_size=1, max_size=4), max_size=14)):
        _add_file(tree, "/".join(parts), draw(st.integers(0, 5000)))
    if draw(st.booleans()):
        _add_file(tree, draw(st.sampled_from(["", "sub/", "src/pkg/"])) + ".git/config", 92)
    if draw(st.booleans()):
        _add_file(tree, "outputs/model.pkl", 4096)
    if links:
        add_links(draw, tree)
    names = sorted({part for path in tree.files for part in path.split("/")})
    for name in draw(st.sampled_from(IGNORE_FILE_CHOICES)):
        tree.ignore_files[name] = draw(ignore_file_bytes(names))
    folder = draw(st.sampled_from(folders_of(tree)))
    if folder and draw(st.booleans()):
        nested = f"{folder}/{draw(st.sampled_from(['.amlignore', '.gitignore']))}"
        if nested not in tree.files:
            tree.ignore_files[nested] = b"*\n"
    return tree


def add_links(draw: st.DrawFn, tree: Tree) -> None:
    """Up to two folder links and two file links, one of them possibly dangling, never a loop: no
    link sits inside a linked folder, so following links always ends."""
    folders = folders_of(tree)
    targets: list[str] = []
    for _ in range(draw(st.integers(0, 2))):
        target = draw(st.sampled_from(folders))
        parent = draw(st.sampled_from(folders))
        name = draw(NAME)
        path = f"{parent}/{name}" if parent else name
        if target == "" or any(_within(parent, folder) for folder in [*targets, target]):
            continue
        if any(_within(os.path.dirname(link), target) for link in tree.links):
            continue
        if path in tree.files or path in folders or path in tree.links:
            continue
        tree.links[path] = os.path.relpath(target, parent or ".")
        targets.append(target)
    files = sorted(tree.files)
    for _ in range(draw(st.integers(0, 2))):
        parent = draw(st.sampled_from(folders))
        if any(_within(parent, folder) for folder in targets):
            continue
        path = f"{parent}/{draw(NAME)}" if parent else draw(NAME)
        if path in tree.files or path in folders or path in tree.links:
            continue
        target = draw(st.sampled_from([*files, "missing.bin"]))
        tree.links[path] = os.path.relpath(target, parent or ".")


def without_git(tree: Tree) -> Tree:
    """The tree without ``.git`` entries: git never stages them, and a fake one confuses git."""

    def keep(path: str) -> bool:
        return ".git" not in path.split("/")

    return Tree(
        {path: size for path, size in tree.files.items() if keep(path)},
        {path: target for path, target in tree.links.items() if keep(path)},
        {path: content for path, content in tree.ignore_files.items() if keep(path)},
    )


def write_tree(root: Path, tree: Tree) -> None:
    root.mkdir(parents=True, exist_ok=True)
    for path, size in tree.files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_bytes(b"x" * size)
    for path, content in tree.ignore_files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_bytes(content)
    for path, target in tree.links.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target, root / path)


# --- ignore files ---------------------------------------------------------------------------------

SEGMENTS = (
    "*", "**", "?", "*.py", "*.txt", "*.csv", "[abc]*", "[^a]*", "[!a]*", "a*", "*a", "d?ta",
    "[a-c]", "*.[ct]sv", "[[:digit:]]*", "\\#tag", "\\!keep", "\\*", "st\\*r", "\\[ab]", "[]]",
    "*.log", "output*", "**.py",
)
MALFORMED = ("!", "[z-a]", "foo\\", "a[z-a]b")


@st.composite
def pattern_lines(draw: st.DrawFn, names: list[str]) -> str:
    segment = st.one_of(st.sampled_from(SEGMENTS), st.sampled_from(names or ["a"]))
    parts = [draw(segment) for _ in range(draw(st.sampled_from([1, 1, 1, 2, 3])))]
    line = "/".join(parts)
    if draw(st.booleans()):
        line = "/" + line
    if draw(st.integers(0, 3)) == 0:
        line += "/"
    if draw(st.integers(0, 3)) == 0:
        line = "!" + line
    if draw(st.integers(0, 6)) == 0:
        line = draw(st.sampled_from([" ", "  ", "\t"])) + line
    if draw(st.integers(0, 6)) == 0:
        line += draw(st.sampled_from([" ", "\t", "\\ "]))
    return line


@st.composite
def ignore_file_bytes(draw: st.DrawFn, names: list[str]) -> bytes:
    other = st.sampled_from(["", "   ", "# comment", "#", "foo\\ ", "outputs", "outputs/", ".git"])
    line = st.one_of(pattern_lines(names), pattern_lines(names), other)
    lines = draw(st.lists(line, max_size=8))
    if draw(st.integers(0, 9)) == 0:
        lines.insert(draw(st.integers(0, len(lines))), draw(st.sampled_from(MALFORMED)))
    end = draw(st.sampled_from(TEXT_ENDS))
    final_end = draw(st.booleans()) and bool(lines)
    text = end.join(lines) + (end if final_end else "")
    content = ((BOM if draw(st.integers(0, 4)) == 0 else "") + text).encode()
    if draw(st.integers(0, 19)) == 0:
        content += b"\xe9t\xe9\n"
    return content


# --- the differential tests ---------------------------------------------------------------------


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tree=trees(), in_subfolder=st.booleans())
def test_worktree_matches_the_sdks(tree: Tree, in_subfolder: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp, "proj") if in_subfolder else Path(tmp)
        write_tree(root, tree)
        for sdk in SDKS:
            check_worktree(str(root), sdk)


@pytest.mark.slow
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tree=trees(), in_subfolder=st.booleans())
def test_index_matches_the_sdks_on_a_checkout(tree: Tree, in_subfolder: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        top = make_repo(Path(tmp, "repo"))
        tree = without_git(tree)
        root = top / "proj" if in_subfolder else top
        write_tree(root, tree)
        git(top, "add", "-A")
        git(top, "add", "-f", "--", str(root / "train.py"))
        checkout = Path(tmp, "checkout")
        git(top, "checkout-index", "-a", f"--prefix={checkout}/")
        checkout_root = checkout / "proj" if in_subfolder else checkout
        # What the work tree holds beyond (or instead of) the index must not leak into the index view.
        (root / "untracked-only-in-worktree.bin").write_bytes(b"u" * 777)
        (root / ".amlignore").write_bytes(b"*\n")
        (root / "train.py").unlink()
        for sdk in SDKS:
            check_index(str(root), sdk, str(checkout_root))


# --- the facts file's edge cases, one by one ----------------------------------------------------

Entry = Union[bytes, str, None]
"""A file's content; str: a symlink to that target; None: a folder."""


def build(root: Path, entries: Mapping[str, Entry]) -> str:
    for path, entry in entries.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if entry is None:
            target.mkdir(exist_ok=True)
        elif isinstance(entry, str):
            os.symlink(entry, target)
        else:
            target.write_bytes(entry)
    return str(root)


def both(root: str) -> dict[Sdk, SdkAnswer | Exception]:
    return {sdk: check_worktree(root, sdk) for sdk in SDKS}


def files_of(answer: SdkAnswer | Exception) -> frozenset[str]:
    assert isinstance(answer, SdkAnswer), f"the SDK raised {answer!r}"
    return answer.files


BASIC = {"train.py": b"print(1)\n", "secret.txt": b"s" * 10, "sub/keep.txt": b"k", "sub/x.txt": b"x"}


def test_byte_order_mark_breaks_the_first_pattern_in_v1_only(tmp_path: Path) -> None:
    root = build(tmp_path, {**BASIC, ".amlignore": (BOM + "secret.txt\nsub\n").encode()})
    answers = both(root)
    assert "secret.txt" in files_of(answers["v1"])
    assert "secret.txt" not in files_of(answers["v2"])


def test_caret_class_is_a_negation_in_v1_and_a_literal_in_v2(tmp_path: Path) -> None:
    files: dict[str, Entry] = {"a.log": b"1", "x.log": b"22", "^.log": b"333", "train.py": b""}
    answers = both(build(tmp_path, {**files, ".amlignore": b"[^x].log\n"}))
    assert files_of(answers["v1"]) != files_of(answers["v2"])


@pytest.mark.parametrize("line", [b"  secret.txt", b"secret.txt   ", b"\t secret.txt \t"])
def test_whitespace_around_a_pattern(tmp_path: Path, line: bytes) -> None:
    answers = both(build(tmp_path, {**BASIC, ".amlignore": line + b"\n"}))
    assert "secret.txt" not in files_of(answers["v1"])


@pytest.mark.parametrize("end", [b"", b"\n"])
def test_escaped_trailing_space(tmp_path: Path, end: bytes) -> None:
    root = build(tmp_path, {**BASIC, "foo ": b"f", "foo": b"g", ".amlignore": b"foo\\ " + end})
    answers = both(root)
    assert isinstance(answers["v2"], Exception)
    assert isinstance(answers["v1"], Exception) == (end == b"\n")


@pytest.mark.parametrize("end", [b"\r", b"\r\n", b"\n"])
def test_every_line_end_ends_a_line(tmp_path: Path, end: bytes) -> None:
    root = build(tmp_path, {**BASIC, ".amlignore": end.join([b"secret.txt", b"sub", b""])})
    for answer in both(root).values():
        assert files_of(answer) == {"train.py", ".amlignore"}


@pytest.mark.parametrize(
    "lines",
    [b"sub\n!sub/keep.txt\n", b"sub/\n!sub/keep.txt\n", b"sub/*\n!sub/keep.txt\n",
     b"sub\n!sub\n", b"*.txt\n!sub\n", b"sub/x.txt\n!sub/\n"],
)
def test_folder_pattern_against_a_negation(tmp_path: Path, lines: bytes) -> None:
    both(build(tmp_path, {**BASIC, "sub/deep/y.txt": b"yy", ".amlignore": lines}))


@pytest.mark.parametrize(
    "lines",
    [b"sub\n!sub/keep.txt\n", b"sub/\n!sub/keep.txt\n", b"sub\n!sub\n", b"sub/x.txt\n!sub/\n",
     b"*\n!*/\n!*.py\n", b"sub/deep\n!sub/deep/y.txt\n"],
)
def test_folder_pattern_against_a_negation_in_the_index(tmp_path: Path, lines: bytes) -> None:
    top = make_repo(tmp_path / "repo")
    build(top, {**BASIC, "sub/deep/y.txt": b"yy", ".amlignore": lines})
    git(top, "add", "-A")
    checkout = tmp_path / "checkout"
    git(top, "checkout-index", "-a", f"--prefix={checkout}/")
    for sdk in SDKS:
        check_index(str(top), sdk, str(checkout))


def test_star_then_negated_folders_then_negated_python(tmp_path: Path) -> None:
    tree: dict[str, Entry] = {
        "top.py": b"1", "top.txt": b"2", "pkg/mod.py": b"3", "pkg/deep/inner.py": b"4",
        "pkg/data.bin": b"5", ".amlignore": b"*\n!*/\n!*.py\n",
    }
    answers = both(build(tmp_path, tree))
    assert files_of(answers["v1"]) == {"top.py"}
    assert "pkg/data.bin" in files_of(answers["v2"])


@pytest.mark.parametrize("lines", [b"/**/\n", b"**/\n", b"/**\n", b"**\n", b"sub/**\n", b"**/x.txt\n",
                                   b"a/**/b\n"])
def test_double_star_forms(tmp_path: Path, lines: bytes) -> None:
    both(build(tmp_path, {**BASIC, "a/b": b"ab", "a/m/n/b": b"amnb", ".amlignore": lines}))


def test_posix_character_classes_are_not_supported(tmp_path: Path) -> None:
    tree: dict[str, Entry] = {"file1.txt": b"1", "file:.txt": b"2", "filed.txt": b"3",
                              "file].txt": b"4", "train.py": b"", ".amlignore": b"file[[:digit:]].txt\n"}
    answers = both(build(tmp_path, tree))
    assert "file1.txt" in files_of(answers["v1"])


@pytest.mark.parametrize("line", [b"!", b"[z-a]", b"foo\\", b"ok\n!\n"])
def test_patterns_git_tolerates_but_the_sdks_reject(tmp_path: Path, line: bytes) -> None:
    for answer in both(build(tmp_path, {**BASIC, ".amlignore": line + b"\n"})).values():
        assert isinstance(answer, Exception)


def test_undecodable_ignore_file(tmp_path: Path) -> None:
    for answer in both(build(tmp_path, {**BASIC, ".amlignore": b"caf\xe9\n"})).values():
        assert isinstance(answer, Exception)


def test_amlignore_that_is_a_folder(tmp_path: Path) -> None:
    root = build(tmp_path, {**BASIC, ".amlignore/inner": b"z", ".gitignore": b"secret.txt\n"})
    for answer in both(root).values():
        assert isinstance(answer, Exception)


def test_amlignore_that_links_into_a_subfolder(tmp_path: Path) -> None:
    tree: dict[str, Entry] = {**BASIC, "conf/ignore": b"/keep.txt\n/secret.txt\nx.txt\n",
                              "conf/keep.txt": b"c", ".amlignore": "conf/ignore"}
    both(build(tmp_path, tree))


def test_amlignore_that_links_outside_the_root(tmp_path: Path) -> None:
    build(tmp_path, {"shared/amlignore": b"secret.txt\n/sub\n"})
    both(build(tmp_path / "proj", {**BASIC, ".amlignore": "../shared/amlignore"}))


def test_amlignore_wins_and_gitignore_is_not_read(tmp_path: Path) -> None:
    tree: dict[str, Entry] = {**BASIC, ".amlignore": b"sub\n", ".gitignore": b"secret.txt\n"}
    for answer in both(build(tmp_path, tree)).values():
        assert "secret.txt" in files_of(answer)


def test_nested_ignore_files_have_no_effect(tmp_path: Path) -> None:
    tree: dict[str, Entry] = {**BASIC, "sub/.amlignore": b"*\n", "sub/.gitignore": b"*\n"}
    for answer in both(build(tmp_path, tree)).values():
        assert "sub/keep.txt" in files_of(answer)


def test_dangling_link(tmp_path: Path) -> None:
    answers = both(build(tmp_path, {**BASIC, "gone.bin": "nowhere.bin"}))
    assert all(isinstance(answer, Exception) for answer in answers.values())


def test_dangling_link_that_the_ignore_file_excludes(tmp_path: Path) -> None:
    tree: dict[str, Entry] = {**BASIC, "gone.bin": "nowhere.bin", ".amlignore": b"*.bin\n"}
    for answer in both(build(tmp_path, tree)).values():
        assert isinstance(answer, SdkAnswer)


def test_file_link_counts_its_target(tmp_path: Path) -> None:
    tree: dict[str, Entry] = {**BASIC, "big.bin": b"b" * 3000, "sub/alias.bin": "../big.bin"}
    both(build(tmp_path, tree))


def test_folder_link_is_followed_by_the_uploads_only(tmp_path: Path) -> None:
    tree: dict[str, Entry] = {**BASIC, "data/big.csv": b"d" * 5000, "view": "data",
                              ".amlignore": b"data/\n"}
    answers = both(build(tmp_path, tree))
    assert "view/big.csv" in files_of(answers["v1"])
    assert "view/big.csv" not in files_of(answers["v2"])


def test_folder_link_outside_the_root(tmp_path: Path) -> None:
    build(tmp_path, {"shared/lib.py": b"l" * 50, "shared/deep/x.txt": b"x"})
    both(build(tmp_path / "proj", {**BASIC, "lib": "../shared", ".amlignore": b"*.txt\n"}))


def test_backslash_in_a_link_path(tmp_path: Path) -> None:
    answers = both(build(tmp_path, {**BASIC, "a\\b.txt": "secret.txt"}))
    assert isinstance(answers["v1"], SdkAnswer)
    assert isinstance(answers["v2"], Exception)


def test_folder_link_loop_fails_v1_and_ends_under_v2(tmp_path: Path) -> None:
    root = build(tmp_path, {**BASIC, "sub/again": ".."})
    assert isinstance(sdk_answer(root, "v1"), Exception)
    with pytest.raises(SnapshotInputError):
        take_snapshot(root, "v1", "worktree", None)
    looping = sdk_answer(root, "v2")
    assert isinstance(looping, SdkAnswer) and "sub/again/sub/again/train.py" in looping.files
    try:
        snapshot = take_snapshot(root, "v2", "worktree", None)
    except SnapshotInputError as error:
        assert "again" in str(error)
    else:
        assert {"train.py", "sub/keep.txt"} <= {file.path for file in snapshot.files}
        assert {file.path for file in snapshot.files} <= looping.files


def test_folder_link_loop_that_the_ignore_file_prunes_in_v1(tmp_path: Path) -> None:
    root = build(tmp_path, {**BASIC, "sub/again": "..", ".amlignore": b"again\n"})
    check_worktree(root, "v1")


@pytest.mark.parametrize("ignore", [None, b"secret.txt\n", b".git/objects\n"])
def test_git_folder_below_the_root_is_uploaded(tmp_path: Path, ignore: bytes | None) -> None:
    tree: dict[str, Entry] = {**BASIC, "vendor/lib/.git/config": b"[core]\n",
                              "vendor/lib/.git/objects/ab/cdef": b"o" * 200, ".git/HEAD": b"ref\n"}
    if ignore is not None:
        tree[".gitignore"] = ignore
    for answer in both(build(tmp_path, tree)).values():
        assert "vendor/lib/.git/config" in files_of(answer)


def test_pycache_is_left_out_of_v2_code(tmp_path: Path) -> None:
    answers = both(build(tmp_path, {**BASIC, "pkg/__pycache__/m.cpython-311.pyc": b"c" * 99}))
    assert "pkg/__pycache__/m.cpython-311.pyc" in files_of(answers["v1"])


def test_outputs_and_logs_travel_in_the_snapshot(tmp_path: Path) -> None:
    tree: dict[str, Entry] = {**BASIC, "outputs/model.pkl": b"m" * 1000, "logs/run.log": b"l"}
    for answer in both(build(tmp_path, tree)).values():
        assert {"outputs/model.pkl", "logs/run.log"} <= files_of(answer)


def test_index_view_of_a_subfolder_with_links(tmp_path: Path) -> None:
    top = make_repo(tmp_path / "repo")
    build(top, {"shared/lib.py": b"l" * 70, "proj/train.py": b"t", "proj/lib": "../shared",
                "proj/alias.py": "train.py", "proj/.gitignore": b"*.log\n", "proj/run.log": b"r"})
    git(top, "add", "-A")
    checkout = tmp_path / "checkout"
    git(top, "checkout-index", "-a", f"--prefix={checkout}/")
    for sdk in SDKS:
        check_index(str(top / "proj"), sdk, str(checkout / "proj"))


def test_index_view_follows_git_index_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``git commit -a`` and ``git commit <paths>`` run hooks against the index GIT_INDEX_FILE names."""
    top = make_repo(tmp_path / "repo")
    build(top, {"train.py": b"t", "big.bin": b"b" * 900})
    git(top, "add", "-A")
    monkeypatch.setenv("GIT_INDEX_FILE", str(tmp_path / "other-index"))
    git(top, "add", "train.py")
    checkout = tmp_path / "checkout"
    git(top, "checkout-index", "-a", f"--prefix={checkout}/")
    assert not (checkout / "big.bin").exists()
    for sdk in SDKS:
        check_index(str(top), sdk, str(checkout))


@pytest.mark.parametrize("lines", [b"*.txt\n", b"shared\n", b"lib\n", b"/shared\n", b"/lib\n", b"deep/\n"])
def test_patterns_against_a_folder_link_outside_the_root(tmp_path: Path, lines: bytes) -> None:
    build(tmp_path, {"shared/lib.py": b"l" * 50, "shared/deep/x.txt": b"x"})
    both(build(tmp_path / "proj", {**BASIC, "lib": "../shared", ".amlignore": lines}))


@pytest.mark.parametrize("lines", [b"/secret.txt\n", b"secret.txt\n", b"/sub\n", b""])
def test_root_reached_through_a_link(tmp_path: Path, lines: bytes) -> None:
    build(tmp_path / "real", {**BASIC, ".amlignore": lines})
    os.symlink("real", tmp_path / "code")
    both(str(tmp_path / "code"))


def test_amlignore_that_is_a_dangling_link_falls_back_to_gitignore(tmp_path: Path) -> None:
    tree: dict[str, Entry] = {**BASIC, ".amlignore": "missing", ".gitignore": b"secret.txt\n.aml*\n"}
    for answer in both(build(tmp_path, tree)).values():
        assert "secret.txt" not in files_of(answer)


def test_named_pipe(tmp_path: Path) -> None:
    root = build(tmp_path, BASIC)
    os.mkfifo(tmp_path / "pipe")
    both(root)


def test_odd_file_names(tmp_path: Path) -> None:
    names = ["new\nline.txt", os.fsdecode(b"caf\xe9.txt"), "tab\there", "-dash", "\\x", "*", "[x]"]
    root = build(tmp_path, {**BASIC, **{name: b"n" for name in names},
                            ".amlignore": b"*.txt\n!new*\n\\*\n"})
    both(root)


def test_worktree_of_a_real_repository(tmp_path: Path) -> None:
    """The work tree of a clone: the .git folder, untracked files, files git ignores through
    ``.git/info/exclude``: all travel."""
    top = make_repo(tmp_path / "repo")
    build(top, {**BASIC, ".gitignore": b"*.log\n"})
    git(top, "add", "-A")
    git(top, "commit", "-q", "-m", "c")
    (top / ".git" / "info").mkdir(exist_ok=True)
    (top / ".git" / "info" / "exclude").write_text("outputs/\n")
    build(top, {"outputs/model.pkl": b"m" * 300, "run.log": b"r", "notes.md": b"n"})
    answers = both(str(top))
    assert {".git/HEAD", "outputs/model.pkl", "notes.md"} <= files_of(answers["v1"])
    origins = {file.path: file.origin for file in take_snapshot(str(top), "v1", "worktree",
                                                                find_repo(str(top))).sourced_files}
    assert origins["train.py"] == "committed"
    assert origins["notes.md"] == "untracked"
    assert origins["outputs/model.pkl"] == "ignored"


# --- unreadable files and folders ------------------------------------------------------------

# Root reads everything; without the capabilities that let it, file permissions hold for it too.
UNPRIVILEGED = (["setpriv", "--inh-caps=-all", "--bounding-set=-dac_override,-dac_read_search", "--"]
                if getattr(os, "geteuid", lambda: -1)() == 0 else [])
UNREADABLE_PROBE = """
import json, sys
import sdk_oracles
from test_differential import check_worktree
from snapshot_guard.errors import SnapshotInputError
from snapshot_guard.snapshot import take_snapshot

root, sdk, unreadable = sys.argv[1:]
try:
    open(unreadable, "rb").close()
    opens = True
except OSError:
    opens = False
if sdk == "v1":
    answer = check_worktree(root, sdk)
    result = {"error": repr(answer)} if isinstance(answer, Exception) else \\
        {"files": sorted(answer.files), "total": answer.total}
else:  # azure-ai-ml lists the file, and fails when it reads it to upload
    listed = sdk_oracles.v2_upload_files(root)
    try:
        take_snapshot(root, sdk, "worktree", None)
        result = {"files": sorted(listed)}
    except SnapshotInputError as error:
        result = {"files": sorted(listed), "ours": str(error)}
print(json.dumps({**result, "opens": opens}))
"""


def unprivileged_probe(root: str, sdk: Sdk, unreadable: str) -> dict[str, object]:
    """UNREADABLE_PROBE in a process that ``unreadable`` cannot be read by: the SDK's answer there,
    compared with snapshot-guard's (check_worktree), or for v2 snapshot-guard's error."""
    tests = str(Path(__file__).parent)
    result = subprocess.run(
        [*UNPRIVILEGED, sys.executable, "-c", UNREADABLE_PROBE, root, sdk, unreadable],
        capture_output=True, text=True, check=False,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([tests, os.environ.get("PYTHONPATH", "")])},
    )
    assert result.returncode == 0, result.stderr
    answer: dict[str, object] = json.loads(result.stdout.splitlines()[-1])  # after azureml-core's own
    assert answer["opens"] is False, "the probe could read the file: nothing was tested"
    return answer


@pytest.mark.slow  # starts the SDKs four times as another user
def test_an_unreadable_file(tmp_path: Path) -> None:
    root = build(tmp_path, BASIC)
    secret = os.path.join(root, "secret.txt")
    os.chmod(secret, 0)
    v1 = unprivileged_probe(root, "v1", secret)  # the size check counts it, the upload leaves it out
    assert v1["total"] == sum(map(len, BASIC.values())) and "secret.txt" not in v1["files"]  # type: ignore[operator]
    v2 = unprivileged_probe(root, "v2", secret)
    assert "secret.txt" in v2["files"]  # type: ignore[operator]
    assert "secret.txt: unreadable; azure-ai-ml fails when it reads it" in str(v2["ours"])


@pytest.mark.slow  # starts the SDKs four times as another user
def test_an_unreadable_folder(tmp_path: Path) -> None:
    root = build(tmp_path, {**BASIC, "locked/in.txt": b"i"})
    locked = os.path.join(root, "locked")
    os.chmod(locked, 0)
    try:
        v1 = unprivileged_probe(root, "v1", os.path.join(locked, "in.txt"))
        assert "PermissionError" in str(v1["error"])  # azureml-core's upload fails on it
        v2 = unprivileged_probe(root, "v2", os.path.join(locked, "in.txt"))
        assert "ours" not in v2 and "locked/in.txt" not in v2["files"]  # type: ignore[operator]
    finally:
        os.chmod(locked, 0o755)


# --- the ignore module's answers, against the SDKs walking a tree ---------------------------------

FILE_NAME = st.text(alphabet="ab []*?!#\\\t.é\x0b-^", min_size=1, max_size=5).filter(
    lambda name: name not in (".", "..", ".amlignore", ".gitignore"))


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(FILE_NAME, min_size=1, max_size=3), st.booleans(), st.lists(FILE_NAME, max_size=4))
def test_ignore_line_leaves_out_exactly_that_path(parts: list[str], folder: bool,
                                                  others: list[str]) -> None:
    """The line ``ignore_line`` writes, appended to an ``.amlignore``, leaves out the path (a
    folder: everything below it) in azureml-core's size check and upload and in azure-ai-ml's
    upload, and nothing else: siblings with similar names stay."""
    relpath = "/".join(parts)
    line = ignore_line(relpath, folder=folder)
    assert line is not None
    target = relpath + "/inside.txt" if folder else relpath
    parent = relpath.rpartition("/")[0]
    siblings = {f"{parent}/{name}" if parent else name for name in [*others, parts[-1] + "x"]}
    siblings = {path for path in siblings if path != relpath} | {"train.py"}
    with tempfile.TemporaryDirectory() as tmp:
        root = build(Path(tmp), {target: b"t", **{path: b"s" for path in siblings},
                                 ".amlignore": f"*.nothing\n{line}\n".encode()})
        sent = [sdk_oracles.v1_size_files(root), sdk_oracles.v1_upload_files(root),
                sdk_oracles.v2_upload_files(root)]
        for files in sent:
            assert target not in files, (line, target)
            assert siblings <= set(files), (line, siblings - set(files))


@pytest.mark.slow
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tree=trees(links=False))
def test_v1_pruned_folder_is_what_create_merkletree_never_enters(tree: Tree) -> None:
    """A file is uploaded by azureml-core exactly when the spec keeps it and no folder above it is
    pruned."""
    tree = dataclasses.replace(tree, ignore_files={
        name: content for name, content in tree.ignore_files.items() if "/" not in name})
    with tempfile.TemporaryDirectory() as tmp:
        write_tree(Path(tmp), tree)
        try:
            uploaded = sdk_oracles.v1_upload_files(tmp)
            spec = load_ignore(tmp, "v1")
        except Exception:  # the ignore file fails the submission: compared elsewhere
            return
        for path in [*tree.files, *tree.ignore_files]:
            kept = not spec.excludes(path) and v1_pruned_folder(spec, path) is None
            assert kept == (path in uploaded), path

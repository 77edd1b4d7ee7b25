"""snapshot_guard.git: what a hook asks of the index is what git answers, however it is asked."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import git, make_repo

from snapshot_guard import git as sg_git

FILES = ["a/one.txt", "a/b/two.txt", "a/b/c/three.txt", "a-b/four.txt", "a.txt", "c/five.txt",
         "tab\there/six.txt", "c/skipped.txt", "c/assumed.txt"]


@pytest.fixture
def repo(tmp_path: Path) -> sg_git.Repo:
    top = make_repo(tmp_path / "repo")
    for index, name in enumerate(FILES):
        (top / name).parent.mkdir(parents=True, exist_ok=True)
        (top / name).write_text("x" * index)
    os.symlink("../c", top / "a" / "link")
    git(top, "add", "-A")
    git(top, "update-index", "--skip-worktree", "c/skipped.txt")
    git(top, "update-index", "--assume-unchanged", "c/assumed.txt")
    found = sg_git.find_repo(str(top))
    assert found is not None
    return found


def asked_alone(repo: sg_git.Repo, folders: list[str]) -> list[str]:
    """git's own answer, one process for this one question."""
    specs = [f":(top,literal){folder}" for folder in folders if folder]
    output = git(Path(repo.top), "ls-files", "-v", "--stage", "-z", "--", *specs)
    return output.split("\0")[:-1]


@pytest.mark.parametrize("first", [[""], ["a", "c"], ["a"], ["a/b"], ["c", "tab\there"]])
@pytest.mark.parametrize("then", [[""], ["a"], ["a/b"], ["a/b/c"], ["c"], ["a", "a/b"], ["a.txt"],
                                  ["a/link"], ["c/skipped.txt"], ["tab\there"], ["nothing"]])
def test_a_question_answered_from_an_earlier_listing_is_what_git_answers(
    repo: sg_git.Repo, first: list[str], then: list[str]
) -> None:
    sg_git.stage_records(repo, first)
    records, plain = sg_git.stage_records(repo, then)
    assert records == asked_alone(repo, then)
    assert plain == all(record.startswith("H 100") and record.count("\t") == 1
                        and sg_git.parse_record(record)[2] == "0" for record in records)
    hidden = [record[2:].partition("\t")[2] for record in records if record[0] in "Sh"]
    assert sg_git.hidden_from_diff(repo, then[0]) == \
        [record.partition("\t")[2] for record in asked_alone(repo, then[:1]) if record[0] in "Sh"]
    if then == ["c"]:
        assert sorted(hidden) == ["c/assumed.txt", "c/skipped.txt"]


def test_links_and_sizes_come_from_the_listing(repo: sg_git.Repo) -> None:
    assert sg_git.staged_links(repo, [""]) == {"a/link": "../c"}
    records, _ = sg_git.stage_records(repo, ["a"])
    started = sg_git.start_staged_sizes(repo, records)
    assert started is not None
    sizes = sg_git.staged_sizes(started, len(records))
    assert sizes == [int(git(Path(repo.top), "cat-file", "-s", sg_git.parse_record(record)[1]))
                     for record in records]


def test_the_index_is_read_again_once_it_changed(repo: sg_git.Repo) -> None:
    before, _ = sg_git.stage_records(repo, ["c"])
    (Path(repo.top) / "c" / "new.txt").write_text("new")
    git(Path(repo.top), "add", "c/new.txt")
    after, _ = sg_git.stage_records(repo, ["c"])
    assert len(after) == len(before) + 1
    assert after == asked_alone(repo, ["c"])


def test_what_differs_on_disk_is_answered_from_a_diff_started_ahead_until_forgotten(
    repo: sg_git.Repo,
) -> None:
    top = Path(repo.top)
    for name in ("a/b/two.txt", "a-b/four.txt", "c/five.txt"):
        (top / name).write_text("changed")
    sg_git.start_unstaged_paths(repo, ["a", "c"])
    assert sg_git.unstaged_paths(repo, "a/b") == ["a/b/two.txt"]
    assert sorted(sg_git.unstaged_paths(repo, "c")) == ["c/assumed.txt", "c/five.txt", "c/skipped.txt"]
    assert sg_git.unstaged_paths(repo, "a-b") == ["a-b/four.txt"]  # not started: asked of git
    (top / "a" / "one.txt").write_text("changed too")
    assert sg_git.unstaged_paths(repo, "a") == ["a/b/two.txt"]  # the answer of the started diff
    sg_git.forget_unstaged_paths(repo)
    assert sg_git.unstaged_paths(repo, "a") == ["a/b/two.txt", "a/one.txt"]


def test_a_submodule_commit_is_sized_missing_in_the_same_answer(repo: sg_git.Repo, tmp_path: Path) -> None:
    """A gitlink's commit is not in the superproject's objects: -1, without asking git again."""
    sub = make_repo(tmp_path / "sub")
    (sub / "x.txt").write_text("x")
    git(sub, "add", "x.txt")
    git(sub, "commit", "-qm", "x")
    commit = git(sub, "rev-parse", "HEAD").strip()
    git(Path(repo.top), "update-index", "--add", "--cacheinfo", f"160000,{commit},c/sub")
    records, plain = sg_git.stage_records(repo, ["c"])
    assert not plain
    started = sg_git.start_staged_sizes(repo, records)
    assert started is not None
    sizes = sg_git.staged_sizes(started, len(records))
    assert sizes is not None
    assert [size for record, size in zip(records, sizes) if record.startswith("H 160000")] == [-1]
    assert -1 not in [size for record, size in zip(records, sizes) if not record.startswith("H 160000")]

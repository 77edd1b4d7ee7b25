"""snapshot-file-count: the count is what azureml-core's upload sends, pruned folders and all."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from conftest import HookRepo, git, map_row, unwrapped

from snapshot_guard.change import hook_order
from snapshot_guard.file_count import main


def files(folder: Path, count: int, suffix: str = ".png") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for index in range(count):
        (folder / f"{index:05}{suffix}").write_bytes(b"")


@pytest.fixture
def project(repo: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(repo)
    monkeypatch.delenv("AML_SNAPSHOT_NO_FILE_LIMIT", raising=False)
    (repo / "src").mkdir()
    (repo / "src" / "train.py").write_text("")
    return repo / "src"


def check(*args: str) -> int:
    return main(["--root", "src", "--source", "worktree", *args])


def test_2000_files_pass_2001_fail(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files(project / "images", 1999)
    assert check("--warn-at", "1") == 0
    (project / "images" / "one-more.png").write_bytes(b"")
    assert check() == 1
    out = capsys.readouterr().out
    assert "  file count: 2,001 files, over the limit of 2,000 files (100%)\n" in out
    assert "      /images/\n" in out
    assert "    then: 0 B in 1 file (folder on disk), within the limits\n" in out


def test_a_root_over_both_limits_gets_its_own_fix_when_run_by_hand(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Outside a git hook nothing says the size hook ran: each limit hook shows the whole fix."""
    files(project / "images", 2001)
    with open(project / "big.bin", "wb") as handle:
        handle.truncate(301 * 1024 * 1024)
    assert check() == 1
    out = capsys.readouterr().out
    assert "  fix: create src/.amlignore with 2 lines" in out and "A snapshot is the copy" in out


@pytest.mark.parametrize(("configuration", "skip", "expected"), [
    ("repos: [{repo: r, hooks: [{id: size}, {id: count}]}]", "", True),
    ("repos: [{repo: r, hooks: [{id: size}]}, {repo: s, hooks: [{id: count}]}]", "", True),
    ("repos: [{repo: r, hooks: [{id: size}, {id: count}]}]", "other,size", False),  # SKIP=size
    ("repos: [{repo: r, hooks: [{id: count}, {id: size}]}]", "", False),  # after it
    ("repos: [{repo: r, hooks: [{id: count}]}]", "", False),  # not installed
    ("repos: [{repo: r, hooks: [{id: size, args: [--max-size, 1GB]}, {id: count}]}]", "", False),
    ("repos: [{repo: r, hooks: [{id: size, args: [-v]}, {id: count, args: [-v]}]}]", "", True),
    ("repos: [{repo: r, hooks: [{id: size, stages: [pre-push]}, {id: count}]}]", "", False),
    ("repos: [{repo: r, hooks: [{id: size, always_run: false, files: ^x/}, {id: count}]}]", "", False),
    ("repos: [{repo: r, hooks: [{id: size, name: Size}, {id: count, name: Count}]}]", "", True),
    ("repos: [{repo: r, hooks: [size, count]}]", "", False),
    ("repos: {", "", False),
])
def test_whether_the_size_hook_runs_first_with_the_same_limits(
    configuration: str, skip: str, expected: bool
) -> None:
    assert hook_order(configuration.encode(), "size", "count", skip) is expected


def test_in_one_commit_a_root_over_both_limits_gets_its_fix_from_the_size_hook_once(
    hook_repo: HookRepo, repo: Path
) -> None:
    hook_repo.install(repo, "snapshot-size-limit", "snapshot-file-count")
    files(repo / "images", 2001)
    with open(repo / "big.bin", "wb") as handle:
        handle.truncate(301 * 1024 * 1024)
    git(repo, "add", "-A")
    both = hook_repo.commit(repo, "-m", "both")
    assert both.returncode == 1, both.stdout
    size, count = both.stdout.split("snapshot-file-count: FAILED", 1)
    assert "  fix: create .amlignore with 2 lines" in size and "A snapshot is the copy" in size
    assert "/big.bin" not in count and "A snapshot is the copy" not in count
    assert "fix: over the size limit too: that hook's report above shows the fix of both" in \
        unwrapped(count)
    skipped = subprocess.run(["git", "commit", "-m", "both"], cwd=repo, text=True, check=False,
                             env=hook_repo.env({"SKIP": "snapshot-size-limit"}),
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert skipped.returncode == 1, skipped.stdout
    assert "  fix: create .amlignore with 2 lines (or run snapshot-file-count --fix)" in skipped.stdout


def test_warning_above_warn_at_passes(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files(project / "images", 1850)
    assert check() == 0
    assert "snapshot-file-count: warning: src" in capsys.readouterr().out


def test_negation_below_an_excluded_folder_reincludes_nothing_in_v1(project: Path) -> None:
    files(project / "data", 2100, ".csv")
    (project / ".amlignore").write_text("data\n!data/00001.csv\n")
    assert check() == 0
    (project / ".amlignore").write_text("data/*\n!data/*.csv\n")
    assert check() == 1


def test_the_environment_variable_turns_the_v1_count_off_on_this_machine_only(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files(project / "images", 2001)
    monkeypatch.setenv("AML_SNAPSHOT_NO_FILE_LIMIT", "1")
    assert check() == 0
    assert check("--sdk", "v2") == 1
    git(project.parent, "add", "-A")
    # A clone submitted from another environment (CI, a colleague) is still held to the limit.
    assert main(["--root", "src", "--source", "index"]) == 1


def test_v2_fails_when_nothing_is_left_to_upload(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / ".amlignore").write_text("*\n")
    assert check("--sdk", "v2") == 1
    assert "nothing is left to upload" in capsys.readouterr().out


def test_directory_link_loop(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "pkg").mkdir()
    os.symlink("..", project / "pkg" / "up")
    assert check() == 2
    assert "directory link loop; azureml-core's upload follows links and fails" in capsys.readouterr().err
    assert check("--sdk", "v2") == 1
    assert "directory link loop; azure-ai-ml follows it" in capsys.readouterr().out


def test_the_git_folder_is_uploaded_from_the_top(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(repo)
    assert main(["--source", "worktree", "--max-files", "5"]) == 1
    out = capsys.readouterr().out
    assert "  ./  the .git folder\n" in out and map_row(out, ".git/")
    assert "      /.git/\n" in out


def test_pre_commit_counts_the_staged_files(hook_repo: HookRepo, repo: Path) -> None:
    files(repo / "images", 2001)
    git(repo, "add", "-A")
    result = hook_repo.run(repo, "snapshot-file-count", "--all-files")
    assert result.returncode == 1, result.stdout
    assert "snapshot-file-count: FAILED: . (SDK v1, staged files)" in result.stdout
    assert "2,001" in map_row(result.stdout, "images/")


def test_a_root_is_reported_once_when_pre_commit_splits_the_file_names(
    hook_repo: HookRepo, repo: Path
) -> None:
    # pre-commit passes at most 128 KiB of file names per run: these need two runs or more.
    folder = repo / ("images-" + "x" * 60)
    files(folder, 2100)
    git(repo, "add", "-A")
    result = hook_repo.run(repo, "snapshot-file-count", "--all-files")
    assert result.returncode == 1, result.stdout
    assert result.stdout.count("snapshot-file-count: FAILED: . (SDK v1, staged files") == 1


def test_the_two_limit_hooks_of_one_commit_each_judge_their_own_limit(
    hook_repo: HookRepo, repo: Path
) -> None:
    hook_repo.install(repo, "snapshot-size-limit", "snapshot-file-count")
    files(repo / "images", 2001)
    git(repo, "add", "-A")
    many = hook_repo.commit(repo, "-m", "images")
    assert many.returncode == 1, many.stdout
    assert "snapshot-file-count: FAILED: . (SDK v1, staged files)" in many.stdout
    assert "snapshot-size-limit: FAILED" not in many.stdout
    git(repo, "rm", "-rq", "--cached", "images")
    (repo / ".amlignore").write_text("images/\n")
    with open(repo / "big.bin", "wb") as handle:
        handle.truncate(301 * 1024 * 1024)
    git(repo, "add", ".amlignore", "big.bin")
    big = hook_repo.commit(repo, "-m", "big")
    assert big.returncode == 1, big.stdout
    assert "snapshot-size-limit: FAILED: . (SDK v1, staged files)" in big.stdout
    assert "snapshot-file-count: FAILED" not in big.stdout


def test_each_root_is_reported_once_when_its_file_names_come_in_a_later_run(
    hook_repo: HookRepo, repo: Path
) -> None:
    for name in ("a", "b"):  # a's files fill the first runs, b's the last ones
        files(repo / name / ("images-" + "x" * 60), 2100)
    (repo / ".snapshot-guard.yaml").write_text("roots: [a, b]\n")
    git(repo, "add", "-A")
    result = hook_repo.run(repo, "snapshot-file-count", "--all-files")
    assert result.returncode == 1, result.stdout
    for name in ("a", "b"):
        assert result.stdout.count(f"snapshot-file-count: FAILED: {name} (SDK v1, staged files") == 1

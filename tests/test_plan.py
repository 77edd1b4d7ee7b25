"""plan and change: options, their precedence, what a run touches, what pre-commit asked for."""
from __future__ import annotations

import argparse
import os
from pathlib import Path

import pytest
from conftest import git

from snapshot_guard import change, plan
from snapshot_guard.git import Repo as git_repo


def hook_args(*argv: str) -> tuple[argparse.Namespace, list[str]]:
    return plan.parse_hook_args(plan.hook_parser("test-hook", "test"), list(argv))


def test_existing_paths_are_file_names_and_option_values_stay_values(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("--max-size=900GB", "--allow=*", "src", "cfg.yaml"):
        (tmp_path / name).write_text("")
    args, names = hook_args("--max-size", "1MB", "--config", "cfg.yaml", "--root", "src",
                            "--max-size=900GB", "--allow=*")
    assert args.max_size == 1024 * 1024 and args.config == "cfg.yaml" and args.root == ["src"]
    assert names == ["--max-size=900GB", "--allow=*"]
    args, names = hook_args("--", "--max-files", "3")
    assert args.max_files is None and names == ["--max-files", "3"]


def test_a_file_named_like_an_option_of_the_hook_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("--sdk", "-h"):
        (tmp_path / name).write_text("")
        with pytest.raises(SystemExit) as stopped:
            hook_args(name, "v2")
        assert stopped.value.code == 2
        assert f"{name!r} is both an option and a file here" in capsys.readouterr().err


def test_options_are_not_abbreviated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit):
        hook_args("--max-s", "1MB")


def test_first_keeps_an_explicit_zero() -> None:
    assert plan.first(None, 0, 5) == 0
    assert plan.first(None, None, 5) == 5
    assert plan.first(None, None) is None


def test_precedence_command_line_root_configuration_defaults(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (repo / "a").mkdir()
    (repo / "b").mkdir()
    (repo / ".snapshot-guard.yaml").write_text(
        "defaults: {max_files: 0, max_size: 10MB, sdk: v2}\n"
        "roots: [a, {path: b, max_files: 7, sdk: v1}]\n")
    monkeypatch.chdir(repo)
    parser = argparse.ArgumentParser()
    plan.add_common_options(parser)
    roots = plan.make_plan(parser.parse_args([])).roots
    assert [(r.display, r.sdk, r.max_files, r.max_bytes) for r in roots] == [
        ("a", "v2", 0, 10 * 1024 * 1024), ("b", "v1", 7, 10 * 1024 * 1024)]
    roots = plan.make_plan(parser.parse_args(["--max-files", "0", "--max-size", "0"])).roots
    assert [(r.max_files, r.max_bytes) for r in roots] == [(0, 0), (0, 0)]


@pytest.mark.parametrize(("command", "asked"), [
    (["/usr/bin/python3", "/usr/local/bin/pre-commit", "run", "--all-files"], ("all", [])),
    (["pre-commit", "run", "-a"], ("all", [])),
    (["python", "-m", "pre_commit", "run", "--files", "a.py", "b/c.py", "--verbose"],
     ("files", ["a.py", "b/c.py"])),
    (["python", "-mpre_commit", "hook-impl", "--config=.pre-commit-config.yaml",
      "--hook-type=pre-commit", "--hook-dir", "/r/.git/hooks", "--"], ("staged", [])),
    (["pre-commit", "hook-impl", "--hook-type", "pre-push", "--", "origin", "url"], ("refs", [])),
    (["pre-commit", "hook-impl", "--hook-type=post-checkout"], None),
    (["pre-commit", "run"], ("staged", [])),
    (["pre-commit", "run", "snapshot-size-limit", "--from-ref", "a", "--to-ref", "b"], ("refs", [])),
    (["pre-commit", "try-repo", "/r", "snapshot-size-limit", "--all-files"], ("all", [])),
    (["pre-commit", "autoupdate"], None),
    (["prek", "run", "--all-files"], ("all", [])),
])
def test_what_pre_commit_asks_its_hooks_to_judge(
    command: list[str], asked: tuple[str, list[str]] | None
) -> None:
    arguments = change._pre_commit_arguments(command)
    assert arguments is not None
    assert change._asked_of_pre_commit(arguments) == asked


def test_a_process_that_is_not_pre_commit() -> None:
    assert change._pre_commit_arguments(["make", "check"]) is None
    assert change._pre_commit_arguments(["/bin/bash", "-c", "git commit"]) is None


def test_outside_pre_commit_a_hook_judges_every_root(repo: Path) -> None:
    found = change.detect(git_repo(str(repo)), [])
    assert found.everything


def settings(repo: Path, name: str) -> plan.RootSettings:
    path = str(repo / name) if name != "." else str(repo)
    return plan.RootSettings(path, name, "v1", 1, 1)


def test_touched_roots_inside_links_and_configuration(repo: Path) -> None:
    for folder in ("src", "other", "shared/deep"):
        (repo / folder).mkdir(parents=True)
    os.symlink("../shared", repo / "src" / "lib")
    os.symlink("deep", repo / "shared" / "d")
    git(repo, "add", "-A")
    roots = [settings(repo, "src"), settings(repo, "other")]
    top = git_repo(str(repo))

    def touched(*paths: str) -> list[str]:
        return [root.display for root in plan.touched_roots(top, roots, frozenset(paths), {"cfg.yaml"})]

    assert touched() == []
    assert touched("src/a.py") == ["src"]
    assert touched("other") == ["other"]
    assert touched("shared/x.py") == ["src"]
    assert touched("shared/deep/x.py") == ["src"]
    assert touched("elsewhere/x.py") == []
    assert touched("srcx/a.py") == []
    assert touched("cfg.yaml") == ["src", "other"]
    declared = [plan.RootSettings(str(repo / "other"), "other", "v1", 1, 1, declared_in=("jobs/x.py",))]
    again = plan.touched_roots(top, declared, frozenset({"jobs/x.py"}), set())
    assert [root.display for root in again] == ["other"]

"""snapshot-size-limit: unit runs of main() in real repositories, and the real pre-commit end to end."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from conftest import HookRepo, git, map_row, unwrapped

from snapshot_guard.size_limit import main

MIB = 1024 * 1024
LIMIT = 300 * MIB


def sparse(path: Path, size: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as handle:
        handle.truncate(size)


def lfs_pointer(path: Path, size: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "version https://git-lfs.github.com/spec/v1\n"
        f"oid sha256:{'a' * 64}\nsize {size}\n"
    )


@pytest.fixture
def project(repo: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (repo / "src").mkdir()
    (repo / "src" / "train.py").write_text("print('train')\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "code")
    monkeypatch.chdir(repo)
    monkeypatch.delenv("PRE_COMMIT", raising=False)
    return repo


def test_exactly_at_the_limit_passes_one_byte_over_fails(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    used = (project / "src" / "train.py").stat().st_size
    sparse(project / "src" / "data" / "blob.bin", LIMIT - used)
    assert main(["--root", "src", "--source", "worktree", "--warn-at", "1"]) == 0
    sparse(project / "src" / "data" / "blob.bin", LIMIT - used + 1)
    assert main(["--root", "src", "--source", "worktree"]) == 1
    out = capsys.readouterr().out
    assert "  size: 300.0 MiB (314,572,801 bytes), over the limit of 300.0 MiB (100%)\n" in out
    assert "only in this checkout" in map_row(out, "data/")
    assert "      /data/\n" in out


def test_fix_is_verified_and_respects_an_existing_amlignore(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sparse(project / "src" / "data" / "a.parquet", 200 * MIB)
    sparse(project / "src" / "checkpoints" / "b.ckpt", 150 * MIB)
    (project / "src" / ".amlignore").write_text("*.log\n")
    assert main(["--root", "src", "--source", "worktree"]) == 1
    out = capsys.readouterr().out
    assert ("  fix: add 1 line to src/.amlignore (or run snapshot-size-limit --fix):\n"
            "      /data/\n    then: 150.0 MiB in 3 files (folder on disk), within the limits\n") in out
    (project / "src" / ".amlignore").write_text("*.log\n/data/\n")
    assert main(["--root", "src", "--source", "worktree", "--warn-at", "1"]) == 0


def test_amlignore_shadows_gitignore(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "src" / ".gitignore").write_text("data/\n")
    sparse(project / "src" / "data" / "big.csv", 400 * MIB)
    assert main(["--root", "src"]) == 0
    (project / "src" / ".amlignore").write_text("outputs/\n")
    assert main(["--root", "src", "--source", "worktree"]) == 1
    out = capsys.readouterr().out
    assert "src/.gitignore is not read: an .amlignore exists" in unwrapped(out)
    assert "only in this checkout" in map_row(out, "data/")


def test_index_counts_lfs_pointers_at_their_real_size(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lfs_pointer(project / "src" / "weights.bin", 5 * 1024 * MIB)
    git(project, "add", "src/weights.bin")
    assert main(["--root", "src", "--source", "index"]) == 1
    out = capsys.readouterr().out
    assert "5.0 GiB (5,368,709,135 bytes)" in out and "(SDK v1, staged files)" in out


def test_index_is_what_git_is_about_to_commit(project: Path) -> None:
    lfs_pointer(project / "src" / "weights.bin", 400 * MIB)
    assert main(["--root", "src", "--source", "index"]) == 0  # not staged yet
    index = project / ".git" / "other-index"
    env = {**os.environ, "GIT_INDEX_FILE": str(index)}
    subprocess.run(["git", "read-tree", "HEAD"], cwd=project, env=env, check=True)
    subprocess.run(["git", "add", "src/weights.bin"], cwd=project, env=env, check=True)
    os.environ["GIT_INDEX_FILE"] = str(index)
    try:
        assert main(["--root", "src", "--source", "index"]) == 1
    finally:
        del os.environ["GIT_INDEX_FILE"]


def test_only_touched_roots_are_checked(project: Path) -> None:
    (project / "other").mkdir()
    (project / "other" / "x.py").write_text("")
    sparse(project / "src" / "big.bin", 400 * MIB)
    args = ["--root", "src", "--root", "other", "--source", "worktree"]
    assert main([*args, "other/x.py"]) == 0
    assert main([*args, "src/train.py"]) == 1
    assert main(args) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--root", "missing"], "missing: snapshot root does not exist"),
        (["--max-size", "12 parsecs"], "is not a size"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    project: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    with pytest.raises(SystemExit) if "parsecs" in args[1] else _no_raise() as caught:
        status = main(args)
    if caught is None:
        assert status == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


class _no_raise:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *_: object) -> None:
        return None


def test_rejected_pattern_is_bad_input(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "src" / ".amlignore").write_text("data/\n[z-a]\n")
    assert main(["--root", "src", "--source", "worktree"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "src/.amlignore:2: pattern '[z-a]' is rejected" in err


def test_dangling_link_is_bad_input(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    os.symlink("nowhere.csv", project / "src" / "data.csv")
    assert main(["--root", "src", "--source", "worktree"]) == 2
    assert "data.csv: dangling link" in capsys.readouterr().err


def test_an_index_git_cannot_read_is_bad_input(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "broken-index").write_bytes(b"DIRC not an index")
    monkeypatch.setenv("GIT_INDEX_FILE", str(project / "broken-index"))
    assert main(["--root", "src", "--source", "index"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "git ls-files failed: fatal: " in err and "broken-index: index file smaller than" in err


def test_index_outside_a_repository_is_bad_input(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["--source", "index"]) == 2
    assert "--source index needs a git repository" in capsys.readouterr().err


def test_pre_commit_blocks_a_commit_that_adds_too_much(hook_repo: HookRepo, repo: Path) -> None:
    hook_repo.install(repo, "snapshot-size-limit")
    (repo / "train.py").write_text("print('train')\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "fits")
    lfs_pointer(repo / "model.bin", 310 * MIB)
    git(repo, "add", "model.bin")
    blocked = hook_repo.commit(repo, "-m", "model")
    assert blocked.returncode == 1, blocked.stdout + blocked.stderr
    assert "snapshot-size-limit: FAILED: . (SDK v1, staged files)" in blocked.stdout
    assert "      /model.bin\n" in blocked.stdout
    git(repo, "rm", "-q", "--cached", "model.bin")
    (repo / ".amlignore").write_text("model.bin\n")
    git(repo, "add", ".amlignore")
    passed = hook_repo.commit(repo, "-m", "amlignore")
    assert passed.returncode == 0, passed.stdout + passed.stderr


def test_commit_a_is_judged_on_what_it_commits(hook_repo: HookRepo, repo: Path) -> None:
    hook_repo.install(repo, "snapshot-size-limit")
    lfs_pointer(repo / "model.bin", 10 * MIB)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "small model")
    lfs_pointer(repo / "model.bin", 400 * MIB)
    (repo / "notes.md").write_text("notes\n")
    git(repo, "add", "notes.md")
    partial = hook_repo.commit(repo, "-m", "notes", "notes.md")
    assert partial.returncode == 0, partial.stdout + partial.stderr
    everything = hook_repo.commit(repo, "-a", "-m", "big model")
    assert everything.returncode == 1, everything.stdout + everything.stderr
    assert "(SDK v1, staged files)" in everything.stdout
    assert "400.0 MiB" in map_row(everything.stdout, "model.bin")


def test_try_repo_all_files(hook_repo: HookRepo, repo: Path) -> None:
    sparse(repo / "src" / "data.bin", 301 * MIB)
    (repo / "src" / "train.py").write_text("")
    git(repo, "add", "src/train.py")
    result = hook_repo.run(repo, "snapshot-size-limit", "--all-files")
    assert result.returncode == 1, result.stdout
    assert "(SDK v1, folder on disk)" in result.stdout
    assert "only here" in map_row(result.stdout, "data.bin")


def test_discovered_pipeline_roots_get_the_articles_advice(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "steps").mkdir()
    (project / "steps" / "prep.py").write_text("")
    (project / "pipeline.py").write_text(
        "from azureml.core import Workspace\n"
        "from azureml.pipeline.core import Pipeline\n"
        "from azureml.pipeline.steps import PythonScriptStep\n"
        "prep = PythonScriptStep(script_name='prep.py', source_directory='steps')\n"
        "train = PythonScriptStep(script_name='train.py', source_directory='steps')\n"
        "Pipeline(Workspace.from_config(), steps=[prep, train])\n"
    )
    sparse(project / "steps" / "data" / "big.parquet", 301 * MIB)
    assert main(["--source", "worktree"]) == 1
    out = capsys.readouterr().out
    assert "snapshot-size-limit: FAILED: steps (SDK v1, folder on disk)" in out
    assert "  advice: 2 steps of the pipeline in pipeline.py upload steps" in out


def test_outside_pre_commit_unstaged_changes_are_named(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--root", "src"]) == 0
    assert "unstaged changes" not in capsys.readouterr().out
    (project / "src" / "train.py").write_text("print('changed')\n")
    assert main(["--root", "src"]) == 0
    assert "snapshot-size-limit: note: unstaged changes in src:" in capsys.readouterr().out


def test_a_discovered_root_outside_the_repository_is_a_note_not_an_error(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "job.py").write_text(
        "from azure.ai.ml import command\n"
        "job = command(code='../elsewhere', command='python train.py')\n"
    )
    (project.parent / "elsewhere").mkdir(exist_ok=True)
    assert main([]) == 0
    assert "Traceback" not in capsys.readouterr().err


def test_no_writable_temporary_folder(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Locked-down CI containers: no temporary folder, and no in-memory files either."""
    import tempfile

    def refuse(*_: object, **__: object) -> None:
        raise OSError(30, "Read-only file system")

    monkeypatch.delattr(os, "memfd_create", raising=False)
    monkeypatch.setattr(tempfile, "TemporaryFile", refuse)
    monkeypatch.setenv("TMPDIR", "/nonexistent")
    lfs_pointer(project / "src" / "model.bin", 310 * MIB)
    git(project, "add", "-A")
    assert main(["--root", "src", "--source", "index"]) == 1
    assert "310.0 MiB" in map_row(capsys.readouterr().out, "model.bin")


def test_a_change_below_no_root_while_a_root_is_unresolved_is_a_note(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(repo)
    (repo / "src").mkdir()
    (repo / "src" / "train.py").write_text("print('train')\n")
    (repo / "other").mkdir()
    (repo / "other" / "score.py").write_text("print('score')\n")
    (repo / "submit.py").write_text(
        "import sys\nfrom azureml.core import ScriptRunConfig\n"
        "ScriptRunConfig(source_directory='src', script='train.py')\n"
        "ScriptRunConfig(source_directory=sys.argv[1], script='score.py')\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "jobs")
    (repo / "src" / "train.py").write_text("print('train', 2)\n")
    git(repo, "add", "-A")
    assert main(["src/train.py"]) == 0
    assert capsys.readouterr().out == ""
    git(repo, "commit", "-qm", "train")
    (repo / "other" / "score.py").write_text("print('score', 2)\n")
    git(repo, "add", "-A")
    assert main(["other/score.py"]) == 0
    out = unwrapped(capsys.readouterr().out)
    assert "note: other/score.py below no checked root; 1 declared root cannot be resolved " \
           "(submit.py:4) and may upload it" in out, out

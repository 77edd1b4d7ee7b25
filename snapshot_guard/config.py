"""The configuration file: ``.snapshot-guard.yaml`` at the repository top, or ``[tool.snapshot-guard]``
in ``pyproject.toml``. One schema, either file; both at once is an error.

    discover: true                  # find roots in the code (on when no roots are listed)
    defaults: {sdk: v1, max_size: 300MB, max_files: 2000, warn_at: 80%}
    roots:
      - src/train                   # a plain string is a path
      - {path: src/score, sdk: v2, max_size: 100MB, max_files: 500}
    sensitive: {allow: ["tests/fixtures/*.pem"], data_threshold: 10MB, max_read: 1MB}
    outputs: {allow: ["outputs/README.md"], strict: false}
"""
from __future__ import annotations

import dataclasses
import os
import posixpath
import reprlib
import sys
from collections.abc import Callable, Mapping
from typing import TypeVar, cast

from snapshot_guard.errors import SDKS, Sdk, SnapshotInputError
from snapshot_guard.sizes import parse_size

YAML_NAME = ".snapshot-guard.yaml"
PYPROJECT = "pyproject.toml"
TOOL_TABLE = "snapshot-guard"

T = TypeVar("T")


@dataclasses.dataclass(frozen=True)
class RootDefaults:
    sdk: Sdk | None = None
    max_bytes: int | None = None
    max_files: int | None = None
    warn_at: float | None = None
    """A fraction of a limit, in (0, 1]: at or above it a root is "near" the limit."""


@dataclasses.dataclass(frozen=True)
class RootConfig:
    path: str
    """As written in the file: POSIX, relative to the repository top."""
    sdk: Sdk | None = None
    max_bytes: int | None = None
    max_files: int | None = None


@dataclasses.dataclass(frozen=True)
class SensitiveConfig:
    allow: tuple[str, ...] = ()
    data_threshold: int | None = None
    max_read: int | None = None


@dataclasses.dataclass(frozen=True)
class OutputsConfig:
    allow: tuple[str, ...] = ()
    strict: bool | None = None


@dataclasses.dataclass(frozen=True)
class Config:
    path: str | None = None
    """Absolute path of the file read; None when the repository has none."""
    discover: bool | None = None
    defaults: RootDefaults = RootDefaults()
    roots: tuple[RootConfig, ...] = ()
    sensitive: SensitiveConfig = SensitiveConfig()
    outputs: OutputsConfig = OutputsConfig()


def load_config(top: str, explicit: str | None = None) -> Config:
    """The configuration for the repository at ``top``; ``explicit`` is ``--config``'s file.

    Raises SnapshotInputError with a one-line message naming the file (and the key) at fault.
    """
    if explicit is not None:
        path = os.path.abspath(explicit)
        if not os.path.isfile(path):
            raise SnapshotInputError(f"{explicit}: configuration file does not exist")
        table = _read_toml(path) if path.endswith(".toml") else _read_yaml(path)
        if table is None and path.endswith(".toml"):
            raise SnapshotInputError(f"{explicit}: has no [tool.{TOOL_TABLE}] table")
        return _parse(table, path)
    yaml_path = os.path.join(top, YAML_NAME)
    toml_path = os.path.join(top, PYPROJECT)
    yaml_exists = os.path.isfile(yaml_path)
    toml_table = _read_toml(toml_path) if os.path.isfile(toml_path) else None
    if yaml_exists and toml_table is not None:
        raise SnapshotInputError(
            f"{YAML_NAME} and {PYPROJECT} [tool.{TOOL_TABLE}] both configure snapshot-guard: "
            f"keep one of them"
        )
    if yaml_exists:
        return _parse(_read_yaml(yaml_path), yaml_path)
    if toml_table is not None:
        return _parse(toml_table, toml_path)
    return Config()


def _read_yaml(path: str) -> object:
    import yaml  # only a repository with this file pays for it

    try:
        with open(path, encoding="utf-8") as handle:
            return yaml.safe_load(handle)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        where = f"{_display(path)}:{mark.line + 1}" if mark is not None else _display(path)
        raise SnapshotInputError(f"{where}: not valid YAML ({error.problem})") from None
    except (yaml.YAMLError, UnicodeDecodeError, OSError) as error:
        raise SnapshotInputError(f"{_display(path)}: cannot be read ({error})") from None


def _read_toml(path: str) -> object:
    """The ``[tool.snapshot-guard]`` table of ``path``, None when there is none."""
    if sys.version_info >= (3, 11):  # imported here: only a repository with the file pays for it
        import tomllib
    else:  # pragma: no cover - exercised on Python < 3.11 only
        import tomli as tomllib
    try:
        with open(path, "rb") as handle:
            document = tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise SnapshotInputError(f"{_display(path)}: not valid TOML ({error})") from None
    except OSError as error:
        raise SnapshotInputError(f"{_display(path)}: cannot be read ({error.strerror})") from None
    tool = document.get("tool")
    return tool.get(TOOL_TABLE) if isinstance(tool, dict) else None


class _Reader:
    """Checks one configuration file's values; every error names the file and the key."""

    def __init__(self, path: str) -> None:
        self.path = _display(path)

    def fail(self, key: str, problem: str) -> SnapshotInputError:
        return SnapshotInputError(f"{self.path}: {key}: {problem}")

    def table(self, value: object, key: str, allowed: tuple[str, ...]) -> Mapping[str, object]:
        if not isinstance(value, dict):
            raise self.fail(key, f"must be a mapping, not {_type_name(value)}")
        for name in value:
            if name not in allowed:
                where = f"{key}.{name}" if key else str(name)
                raise self.fail(where, f"unknown key (known: {', '.join(allowed)})")
        return cast("Mapping[str, object]", value)

    def optional(
        self, table: Mapping[str, object], key: str, prefix: str, read: Callable[[object, str], T]
    ) -> T | None:
        value = table.get(key)
        return None if value is None else read(value, f"{prefix}{key}")

    def boolean(self, value: object, key: str) -> bool:
        if not isinstance(value, bool):
            raise self.fail(key, f"must be true or false, not {_brief(value)}")
        return value

    def sdk(self, value: object, key: str) -> Sdk:
        if value not in SDKS:
            raise self.fail(key, f"must be v1 or v2, not {_brief(value)}")
        return cast(Sdk, value)

    def size(self, value: object, key: str) -> int:
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise self.fail(key, f"must be a size such as 300MB, not {_brief(value)}")
        if isinstance(value, int):
            if value < 0:
                raise self.fail(key, f"must not be negative, not {value}")
            return value
        try:
            return parse_size(value)
        except ValueError as error:
            raise self.fail(key, str(error)) from None

    def count(self, value: object, key: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise self.fail(key, f"must be a whole number of files, not {_brief(value)}")
        return value

    def fraction(self, value: object, key: str) -> float:
        number: float | None = None
        if isinstance(value, str) and value.strip().endswith("%"):
            try:
                number = float(value.strip()[:-1]) / 100
            except ValueError:
                number = None
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            number = float(value)
        if number is None or not 0 < number <= 1:
            raise self.fail(key, f"must be a fraction of the limit such as 0.8 or 80%, not {_brief(value)}")
        return number

    def text(self, value: object, key: str) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, f"must be a non-empty string, not {_brief(value)}")
        return value

    def patterns(self, value: object, key: str) -> tuple[str, ...]:
        if not isinstance(value, list):
            raise self.fail(key, f"must be a list of patterns, not {_type_name(value)}")
        return tuple(self.text(item, f"{key}[{index}]") for index, item in enumerate(value))


def _parse(document: object, path: str) -> Config:
    reader = _Reader(path)
    if document is None:
        return Config(path=path)
    top = reader.table(document, "", ("discover", "defaults", "roots", "sensitive", "outputs"))
    return Config(
        path=path,
        discover=reader.optional(top, "discover", "", reader.boolean),
        defaults=_defaults(reader, top.get("defaults")),
        roots=_roots(reader, top.get("roots")),
        sensitive=_sensitive(reader, top.get("sensitive")),
        outputs=_outputs(reader, top.get("outputs")),
    )


def _defaults(reader: _Reader, value: object) -> RootDefaults:
    if value is None:
        return RootDefaults()
    table = reader.table(value, "defaults", ("sdk", "max_size", "max_files", "warn_at"))
    return RootDefaults(
        sdk=reader.optional(table, "sdk", "defaults.", reader.sdk),
        max_bytes=reader.optional(table, "max_size", "defaults.", reader.size),
        max_files=reader.optional(table, "max_files", "defaults.", reader.count),
        warn_at=reader.optional(table, "warn_at", "defaults.", reader.fraction),
    )


def _roots(reader: _Reader, value: object) -> tuple[RootConfig, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise reader.fail("roots", f"must be a list, not {_type_name(value)}")
    roots: list[RootConfig] = []
    seen: set[str] = set()
    for index, item in enumerate(value):
        key = f"roots[{index}]"
        if isinstance(item, str):
            root = RootConfig(_root_path(reader, item, key))
        else:
            table = reader.table(item, key, ("path", "sdk", "max_size", "max_files"))
            if "path" not in table:
                raise reader.fail(f"{key}.path", "is missing")
            prefix = f"{key}."
            root = RootConfig(
                path=_root_path(reader, table["path"], f"{key}.path"),
                sdk=reader.optional(table, "sdk", prefix, reader.sdk),
                max_bytes=reader.optional(table, "max_size", prefix, reader.size),
                max_files=reader.optional(table, "max_files", prefix, reader.count),
            )
        if root.path in seen:
            raise reader.fail(key, f"{root.path!r} is listed twice")
        seen.add(root.path)
        roots.append(root)
    return tuple(roots)


def _root_path(reader: _Reader, value: object, key: str) -> str:
    text = reader.text(value, key).replace("\\", "/")
    return posixpath.normpath(text)


def _sensitive(reader: _Reader, value: object) -> SensitiveConfig:
    if value is None:
        return SensitiveConfig()
    table = reader.table(value, "sensitive", ("allow", "data_threshold", "max_read"))
    return SensitiveConfig(
        allow=reader.optional(table, "allow", "sensitive.", reader.patterns) or (),
        data_threshold=reader.optional(table, "data_threshold", "sensitive.", reader.size),
        max_read=reader.optional(table, "max_read", "sensitive.", reader.size),
    )


def _outputs(reader: _Reader, value: object) -> OutputsConfig:
    if value is None:
        return OutputsConfig()
    table = reader.table(value, "outputs", ("allow", "strict"))
    return OutputsConfig(
        allow=reader.optional(table, "allow", "outputs.", reader.patterns) or (),
        strict=reader.optional(table, "strict", "outputs.", reader.boolean),
    )


def _type_name(value: object) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return _brief(value)


_BRIEF = reprlib.Repr()
_BRIEF.maxlevel, _BRIEF.maxlist, _BRIEF.maxdict, _BRIEF.maxstring, _BRIEF.maxother = 2, 3, 3, 60, 60


def _brief(value: object) -> str:
    """``repr(value)`` cut short: a configuration value is quoted in a one-line error, and YAML
    aliases can make a small file hold a structure of billions of items."""
    return _BRIEF.repr(value)


def _display(path: str) -> str:
    """``path`` as the user would type it: relative to the current directory when below it."""
    relative = os.path.relpath(path)
    return path if relative.startswith("..") else relative

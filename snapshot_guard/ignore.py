"""Which ignore file governs a snapshot root, and what it excludes, exactly as Azure ML decides.

SDK v1 (azureml-core, ``azureml/_project/ignore_file.py``): the root's ``.amlignore`` if it exists,
else its ``.gitignore``; read with Python's default encoding (a UTF-8 byte-order mark stays on the
first pattern); compiled by ``pathspec.PathSpec.from_lines("gitwildmatch", ...)``.

SDK v2 (azure-ai-ml): a ``code=`` directory is read through ``ComponentIgnoreFile``
(``azure/ai/ml/entities/_component/code.py``): the same choice of file, read as ``utf-8-sig`` with
every line ``rstrip()``-ped, compiled by the SDK's vendored pathspec copy, patterns anchored at the
code directory, and ``__pycache__`` appended as the last pattern.

In both the last matching pattern decides, and a match means "not uploaded".
"""
from __future__ import annotations

import dataclasses
import io
import locale
import os
import re
import warnings
from collections.abc import Iterable, Sequence
from typing import Literal

from pathspec.patterns.gitwildmatch import GitWildMatchPattern

Sdk = Literal["v1", "v2"]
SDKS: tuple[Sdk, ...] = ("v1", "v2")
AMLIGNORE = ".amlignore"
GITIGNORE = ".gitignore"
V2_EXTRA_PATTERNS = ("__pycache__",)
_V1_MATCH_ALL = "^[^/]+(?:/.*)?$"


class SnapshotInputError(Exception):
    """Input that Azure ML or snapshot-guard cannot work with; the message is one line naming the file."""


@dataclasses.dataclass(frozen=True)
class IgnoreRule:
    line: int
    """1-based line in the ignore file; 0 for a pattern the SDK adds itself."""
    pattern: str
    """The line as written, without its line end."""
    excludes: bool
    """False for a negation (``!pattern``), which puts files back into the snapshot."""
    regex: str = dataclasses.field(repr=False)


@dataclasses.dataclass(frozen=True)
class IgnoreSpec:
    path: str | None
    """Absolute path of the governing ignore file; None when the root has none."""
    rules: tuple[IgnoreRule, ...]
    """Only the lines that match something: comments and blank lines are left out."""
    sdk: Sdk
    unused_gitignore: str | None = None
    """Absolute path of a ``.gitignore`` that is not read because an ``.amlignore`` exists."""
    bom: bool = False
    """The file starts with a UTF-8 byte-order mark (under v1 it breaks the first pattern)."""
    _regex: re.Pattern[str] | None = dataclasses.field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_regex", _combine(self.rules))

    def decide(self, relpath: str) -> IgnoreRule | None:
        """The rule that decides ``relpath`` (POSIX, relative to the root): the last that matches."""
        if self._regex is None:
            for rule in reversed(self.rules):
                if re.match(rule.regex, relpath):
                    return rule
            return None
        match = self._regex.match(relpath)
        if match is None:
            return None
        return self.rules[len(self.rules) - match.lastindex]  # type: ignore[operator]

    def excludes(self, relpath: str) -> bool:
        rule = self.decide(relpath)
        return rule is not None and rule.excludes

    def with_lines(self, lines: Sequence[str]) -> IgnoreSpec:
        """This spec with ``lines`` appended, as if they were added at the end of the ignore file."""
        first = max((rule.line for rule in self.rules), default=0) + 1
        added = compile_rules(lines, self.sdk, self.path or AMLIGNORE, first_line=first)
        return dataclasses.replace(self, rules=self.rules + added)

    @property
    def name(self) -> str | None:
        return None if self.path is None else os.path.basename(self.path)


def _combine(rules: tuple[IgnoreRule, ...]) -> re.Pattern[str] | None:
    """One regex for all rules, last rule first, so that the first alternative that matches is the
    rule pathspec's last-match-wins loop would pick; ``lastindex`` names it. The per-rule loop costs a
    Python call per rule and path, which dominates a walk of a large tree."""
    if not rules or any("ps_d" in rule.pattern for rule in rules):
        return None
    parts = [
        "(" + rule.regex.replace("(?P<ps_d>", "(?:") + ")" for rule in reversed(rules)
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return re.compile("|".join(parts))


class _V2Pattern(GitWildMatchPattern):
    """azure-ai-ml's vendored copy of pathspec differs from pathspec 0.12.1 in one translation step:
    ``[^...]`` is a literal caret, not a negation."""

    @staticmethod
    def _translate_segment_glob(pattern: str) -> str:
        escape = False
        regex = ""
        i, end = 0, len(pattern)
        while i < end:
            char = pattern[i]
            i += 1
            if escape:
                escape = False
                regex += re.escape(char)
            elif char == "\\":
                escape = True
            elif char == "*":
                regex += "[^/]*"
            elif char == "?":
                regex += "[^/]"
            elif char == "[":
                j = i
                if j < end and pattern[j] == "!":
                    j += 1
                if j < end and pattern[j] == "]":
                    j += 1
                while j < end and pattern[j] != "]":
                    j += 1
                if j < end:
                    j += 1
                    expr = "["
                    if pattern[i] == "!":
                        expr += "^"
                        i += 1
                    elif pattern[i] == "^":
                        expr += "\\^"
                        i += 1
                    expr += pattern[i:j].replace("\\", "\\\\")
                    regex += expr
                    i = j
                else:
                    regex += "\\["
            else:
                regex += re.escape(char)
        if escape:
            raise ValueError(f"Escape character found with no next character to escape: {pattern!r}")
        return regex


def _translate(line: str, sdk: Sdk) -> tuple[str | None, bool | None]:
    if sdk == "v1":
        return GitWildMatchPattern.pattern_to_regex(line)
    regex, include = _V2Pattern.pattern_to_regex(line.rstrip())
    if regex == _V1_MATCH_ALL:
        # The vendored copy writes a lone "**" as ".+"; pathspec 0.12.1 as "[^/]+(?:/.*)?".
        regex = "^.+$"
    return regex, include


def compile_rules(
    lines: Iterable[str], sdk: Sdk, path: str, first_line: int = 1
) -> tuple[IgnoreRule, ...]:
    """Compile ignore-file lines the way ``sdk`` does; raise SnapshotInputError where it raises."""
    rules = []
    for number, line in enumerate(lines, start=first_line):
        text = line.rstrip("\n")
        try:
            regex, include = _translate(line, sdk)
            if regex is None or include is None:
                continue
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                re.compile(regex)
        except (ValueError, re.error) as error:
            raise SnapshotInputError(
                f"{path}:{number}: pattern {text!r} is rejected by Azure ML's matcher ({error}); "
                f"the job submission would fail"
            ) from None
        rules.append(IgnoreRule(number, text, include, regex))
    return tuple(rules)


def governing_file(root: str) -> str | None:
    """The ignore file both SDKs read for ``root``: ``.amlignore`` if it exists, else ``.gitignore``."""
    for name in (AMLIGNORE, GITIGNORE):
        candidate = os.path.join(root, name)
        if os.path.exists(candidate):
            return candidate
    return None


def read_lines(path: str, sdk: Sdk) -> list[str]:
    """The ignore file's lines as the SDK reads them."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except IsADirectoryError:
        raise SnapshotInputError(
            f"{path}: is a folder; Azure ML chooses it as the ignore file and the submission fails"
        ) from None
    except OSError as error:
        raise SnapshotInputError(f"{path}: cannot be read ({error.strerror})") from None
    return decode_lines(data, path, sdk)


def decode_lines(data: bytes, path: str, sdk: Sdk) -> list[str]:
    """Decode like the SDK's ``open()`` in text mode: v1 with Python's default encoding, v2 as
    ``utf-8-sig``; universal newlines, so CR, LF and CRLF all end a line."""
    encoding = locale.getpreferredencoding(False) if sdk == "v1" else "utf-8-sig"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as error:
        raise SnapshotInputError(
            f"{path}: byte {error.start} does not decode as {encoding} "
            f"({error.reason}); the job submission would fail"
        ) from None
    return list(io.StringIO(text, newline=None))


def spec_from_lines(
    lines: list[str], sdk: Sdk, path: str | None, unused_gitignore: str | None = None
) -> IgnoreSpec:
    """The IgnoreSpec for ignore-file ``lines`` (None for ``path``: the root has no ignore file)."""
    rules = compile_rules(lines, sdk, path or AMLIGNORE) if path else ()
    if sdk == "v2":
        rules += compile_rules(V2_EXTRA_PATTERNS, sdk, "azure-ai-ml", first_line=0)
    bom = bool(lines) and lines[0].startswith("\ufeff")
    return IgnoreSpec(path, rules, sdk, unused_gitignore, bom)


def load_ignore(root: str, sdk: Sdk) -> IgnoreSpec:
    """The IgnoreSpec that governs the snapshot of ``root`` (a directory) under ``sdk``."""
    root = os.path.abspath(root)
    path = governing_file(root)
    if path is None:
        return spec_from_lines([], sdk, None)
    gitignore = os.path.join(root, GITIGNORE)
    unused = gitignore if path.endswith(AMLIGNORE) and os.path.exists(gitignore) else None
    return spec_from_lines(read_lines(path, sdk), sdk, path, unused)

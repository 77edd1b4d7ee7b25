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
from collections.abc import Callable, Iterable
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
    _matcher: _Matcher | None = dataclasses.field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_matcher", _Matcher(self.rules))

    def decide(self, relpath: str) -> IgnoreRule | None:
        """The rule that decides ``relpath`` (POSIX, relative to the root): the last that matches."""
        assert self._matcher is not None
        index = self._matcher.decide(relpath)
        return None if index < 0 else self.rules[index]

    def excludes(self, relpath: str) -> bool:
        assert self._matcher is not None
        return self._matcher.excludes(relpath)

    def exclusion_test(self) -> Callable[[str], bool]:
        """``excludes`` without the rule lookup: what a walk calls once per path."""
        assert self._matcher is not None
        return self._matcher.excludes

    @property
    def name(self) -> str | None:
        return None if self.path is None else os.path.basename(self.path)


_FLOATING = "^(?:.+/)?"
_ANY_DEPTH_END = "(?:(?P<ps_d>/).*)?$"
_FOLDER_END = "(?P<ps_d>/).*$"
_SAFE_BRACKET = re.compile(r"\[[A-Za-z0-9_]+\]")


def _segment(regex: str) -> tuple[str, bool] | None:
    """``(segment regex, folders only)`` when ``regex`` matches a path exactly when one of its
    components matches the segment (only a component before the last, for ``folders only``); None
    for every other rule. pathspec writes ``name``, ``*.py`` and ``data/`` this way."""
    if not regex.startswith(_FLOATING):
        return None
    if regex.endswith(_ANY_DEPTH_END):
        segment, folders_only = regex[len(_FLOATING) : -len(_ANY_DEPTH_END)], False
    elif regex.endswith(_FOLDER_END):
        segment, folders_only = regex[len(_FLOATING) : -len(_FOLDER_END)], True
    else:
        return None
    rest = _SAFE_BRACKET.sub("", segment.replace("\\\\", "").replace("\\[", "").replace("[^/]", ""))
    if "/" in rest or "[" in rest or "(" in rest:
        return None
    return segment, folders_only


def _alternation(indexed: list[tuple[int, str]]) -> tuple[re.Pattern[str] | None, list[int]]:
    """One regex for many rules, the last rule first: the first alternative that matches is the rule
    pathspec's last-match-wins loop would pick, and ``lastindex`` names it."""
    if not indexed:
        return None, []
    ordered = sorted(indexed, reverse=True)
    parts = ["(" + regex.replace("(?P<ps_d>", "(?:") + ")" for _, regex in ordered]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return re.compile("|".join(parts)), [index for index, _ in ordered]


class _Matcher:
    """pathspec's verdict, computed faster than its loop of one regex per rule and path.

    Rules that match by one path component are tested on the components alone, each folder once
    (its verdict is cached); the other rules run as one combined regex. A path with a line feed
    takes the plain loop: there ``.`` and ``$`` behave in ways the split cannot follow; so do all
    paths when a pattern spells out a regex group name, which the combined regex could not keep apart.
    """

    def __init__(self, rules: tuple[IgnoreRule, ...]) -> None:
        self.rules = rules
        last: list[tuple[int, str]] = []
        inner: list[tuple[int, str]] = []
        general: list[tuple[int, str]] = []
        for index, rule in enumerate(rules):
            segment = _segment(rule.regex)
            if segment is None or "ps_d" in rule.pattern:
                general.append((index, rule.regex))
                continue
            inner.append((index, segment[0]))
            if not segment[1]:
                last.append((index, segment[0]))
        self.last, self.last_index = _alternation(last)
        self.inner, self.inner_index = _alternation(inner)
        self.general, self.general_index = _alternation(general)
        self.folders: dict[str, int] = {}
        self.plain = any("(?P<" in rule.pattern for rule in rules)
        self.excluding = [rule.excludes for rule in rules]

    def _folder(self, folder: str) -> int:
        """The last component rule that matches a component of ``folder`` (as a path's folder)."""
        cached = self.folders.get(folder)
        if cached is None:
            parent, _, name = folder.rpartition("/")
            cached = self._folder(parent) if parent else -1
            match = self.inner.fullmatch(name) if self.inner else None
            if match is not None:
                cached = max(cached, self.inner_index[match.lastindex - 1])  # type: ignore[operator]
            self.folders[folder] = cached
        return cached

    def decide(self, path: str) -> int:
        if self.plain or "\n" in path:
            for index in range(len(self.rules) - 1, -1, -1):
                if re.match(self.rules[index].regex, path):
                    return index
            return -1
        folder, _, name = path.rpartition("/")
        best = self._folder(folder) if folder else -1
        match = self.last.fullmatch(name) if self.last else None
        if match is not None:
            best = max(best, self.last_index[match.lastindex - 1])  # type: ignore[operator]
        match = self.general.match(path) if self.general else None
        if match is not None:
            best = max(best, self.general_index[match.lastindex - 1])  # type: ignore[operator]
        return best

    def excludes(self, path: str) -> bool:
        """``decide`` inlined, and skipping a regex whose rules all come before the best match so
        far: a walk calls this once per path."""
        if self.plain or "\n" in path:
            index = self.decide(path)
            return index >= 0 and self.excluding[index]
        folder, _, name = path.rpartition("/")
        best = -1
        if folder:
            best = self.folders.get(folder, -2)
            if best == -2:
                best = self._folder(folder)
        if self.last is not None and self.last_index[0] > best:
            match = self.last.fullmatch(name)
            if match is not None:
                best = max(best, self.last_index[match.lastindex - 1])  # type: ignore[operator]
        if self.general is not None and self.general_index[0] > best:
            match = self.general.match(path)
            if match is not None:
                best = max(best, self.general_index[match.lastindex - 1])  # type: ignore[operator]
        return best >= 0 and self.excluding[best]


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

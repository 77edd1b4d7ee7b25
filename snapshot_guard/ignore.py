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
from collections.abc import Callable, Iterable, Sequence
from typing import Optional, TypeVar

from pathspec.patterns.gitwildmatch import GitWildMatchPattern

from snapshot_guard.errors import Sdk, SnapshotInputError

AMLIGNORE = ".amlignore"
GITIGNORE = ".gitignore"
V2_EXTRA_PATTERNS = ("__pycache__",)
_V1_MATCH_ALL = "^[^/]+(?:/.*)?$"


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
        folder, _, name = relpath.rpartition("/")
        index = self._matcher.decide(folder, (name,))[0]
        return None if index < 0 else self.rules[index]

    def excludes(self, relpath: str) -> bool:
        assert self._matcher is not None
        folder, _, name = relpath.rpartition("/")
        return self._matcher.exclusions_in(folder, (name,))[0]

    def exclusions_in(self, folder: str, names: Sequence[str]) -> list[bool]:
        """Which of ``names`` in ``folder`` (``""`` for the root, else ``a/b``) are excluded: what
        a walk asks once per folder."""
        assert self._matcher is not None
        return self._matcher.exclusions_in(folder, names)

    def exclusions(self, relpaths: Iterable[str]) -> list[bool]:
        """Which of ``relpaths`` are excluded; a sorted listing is judged fastest."""
        assert self._matcher is not None
        return self._matcher.judge_paths([*(rule.excludes for rule in self.rules), False])(relpaths)

    @property
    def name(self) -> str | None:
        return None if self.path is None else os.path.basename(self.path)


_FLOATING = "^(?:.+/)?"
_ANY_DEPTH_END = "(?:(?P<ps_d>/).*)?$"
_FOLDER_END = "(?P<ps_d>/).*$"
_BELOW_END = "/.*$"
_SAFE_BRACKET = re.compile(r"\[[A-Za-z0-9_]+\]")
_REGEX_SPECIAL = frozenset(".^$*+?{}[]|()")


def _is_segment(regex: str) -> bool:
    """Whether ``regex`` is made of parts that never match a slash (literals, ``[^/]``, simple
    bracket sets, their repetitions): it matches one path component, nothing across two."""
    position = 0
    while position < len(regex):
        bracket = _SAFE_BRACKET.match(regex, position)
        if regex.startswith("[^/]", position) or bracket:
            position = bracket.end() if bracket else position + 4
        elif regex[position] == "\\":
            escaped = regex[position + 1 : position + 2]
            if not escaped or escaped.isalnum() or escaped == "/":
                return False
            position += 2
        elif regex[position] in "/.^$[](){}|":
            return False
        else:
            position += 1
    return True


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
    return (segment, folders_only) if _is_segment(segment) else None


def _split_name(body: str) -> tuple[str | None, str] | None:
    """``(folder regex, name regex)`` such that ``body`` fully matches ``folder/name`` exactly when
    the two parts match (folder None: ``body`` matches a name at the root only); None when ``body``
    does not end in a single-component part, or its folder part has groups of its own."""
    if _is_segment(body):
        return None, body
    for position in range(len(body) - 1, 0, -1):
        if body[position] == "/" and _is_segment(body[position + 1 :]):
            try:
                folder = _compile(body[:position])
            except re.error:
                return None
            return (body[:position], body[position + 1 :]) if folder.groups == 0 else None
    return None


def _literal_start(regex: str) -> str:
    """The text every match of ``regex`` starts with: its leading literal characters."""
    literal: list[str] = []
    position = 0
    while position < len(regex):
        char = regex[position]
        if char == "\\" and position + 1 < len(regex) and not regex[position + 1].isalnum():
            literal.append(regex[position + 1])
            position += 2
        elif char in _REGEX_SPECIAL or char == "\\":
            if char in "*+?{" and literal:
                literal.pop()  # the quantifier makes the last character optional
            break
        else:
            literal.append(char)
            position += 1
    return "".join(literal)


def _applies(regex: str) -> Callable[[str], bool]:
    """Whether a path rule can match a file directly in a folder (``""`` for the root, else
    ``a/b``): a rule anchored at a literal start, or floating with a literal first folder, applies
    to few folders, and a walk skips it everywhere else."""
    if regex.startswith(_FLOATING):
        start = _literal_start(regex[len(_FLOATING):])
        component = start.partition("/")[0]
        if "/" not in start or not component:
            return lambda _: True
        return lambda folder: component in folder.split("/")
    start = _literal_start(regex[1:]) if regex.startswith("^") else ""

    def applies(folder: str) -> bool:
        prefix = folder + "/" if folder else ""
        return prefix.startswith(start) or (start.startswith(prefix)
                                             and "/" not in start[len(prefix):])

    return applies if start else lambda _: True


def _compile(regex: str) -> re.Pattern[str]:
    """``re.compile`` without its warnings (a pattern like ``[[]`` is a "possible nested set")."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return re.compile(regex)


def _alternation(indexed: list[tuple[int, str]]) -> tuple[re.Pattern[str] | None, list[int]]:
    """One regex for many rules, the last rule first: the first alternative that matches is the rule
    pathspec's last-match-wins loop would pick, and ``lastindex`` names it."""
    if not indexed:
        return None, []
    ordered = sorted(indexed, reverse=True)
    parts = ["(" + regex.replace("(?P<ps_d>", "(?:") + ")" for _, regex in ordered]
    return _compile("|".join(parts)), [index for index, _ in ordered]


T = TypeVar("T")

_Alternation = Optional["re.Pattern[str]"]
_Shared = tuple[dict[str, int], _Alternation, list[int], _Alternation, list[int]]
_FolderRules = tuple[int, dict[str, int], _Alternation, list[int], _Alternation, list[int]]
"""What the files of one folder share: the last rule that matches the folder or one above it; the
file names' verdicts so far, and the rules that test the name there (one alternation); the path
rules that can match there (another)."""


class _Matcher:
    """pathspec's verdict, computed faster than its loop of one regex per rule and path.

    pathspec's rules mostly say "a component is X" (``*.csv``, ``data/``), "a folder is X, so
    everything below it" (``src/data/``) or "a folder is X and the name is Y" (``notebooks/**/*.ipynb``).
    So a path is split into its folder and its name: every folder is judged once (its verdict is
    cached, built on its parent's), and every file name once per set of name rules that apply in
    its folder. Only the rules that fit none of these shapes test whole paths, and in each folder
    only those whose literal start allows a match there. A path with a line feed takes the plain
    loop: there ``.`` and ``$`` behave in ways the split cannot follow; so do all paths when a
    pattern spells out a regex group name, which the combined regexes could not keep apart.
    """

    def __init__(self, rules: tuple[IgnoreRule, ...]) -> None:
        self.rules = rules
        names: list[tuple[int, str]] = []
        components: list[tuple[int, str]] = []
        folders: list[tuple[int, str]] = []
        self.name_rules: list[tuple[int, str | None, str]] = []
        self.path_rules: list[tuple[int, Callable[[str], bool]]] = []
        for index, rule in enumerate(rules):
            segment = _segment(rule.regex)
            if "ps_d" in rule.pattern or "|" in rule.regex:
                self.path_rules.append((index, _applies(rule.regex)))
            elif segment is not None:
                components.append((index, segment[0]))
                if not segment[1]:
                    names.append((index, segment[0]))
            else:
                self._add_path_rule(index, rule.regex, folders)
        self.names = names
        # One regex for every name rule's folder part: its groups say which match a folder.
        self.name_folders = _compile("".join(
            "(?:(?=" + ("\\Z" if folder is None else f"(?=.)(?:{folder})\\Z") + ")())?"
            for _, folder, _ in self.name_rules))
        self.components, self.component_index = _alternation(components)
        self.folder_rules, self.folder_index = _alternation(folders)
        self.folders: dict[str, _FolderRules] = {}
        self.shared: dict[tuple[tuple[str | None, ...], tuple[int, ...]], _Shared] = {}
        self.plain = any("(?P<" in rule.pattern for rule in rules)
        self.exclusions_in = self.judge([*(rule.excludes for rule in rules), False])
        self.decide = self.judge([*range(len(rules)), -1])

    def _add_path_rule(self, index: int, regex: str, folders: list[tuple[int, str]]) -> None:
        """Split a rule that tests more than one component into a folder part and a name part."""
        for tail, names_too in ((_ANY_DEPTH_END, True), (_FOLDER_END, False), (_BELOW_END, False)):
            if regex.startswith("^") and regex.endswith(tail) and len(regex) > len(tail) + 1:
                body = regex[1 : -len(tail)]
                folders.append((index, body))
                split = _split_name(body) if names_too else None
                if split is not None:
                    self.name_rules.append((index, *split))
                elif names_too:
                    self.path_rules.append((index, _applies(regex)))
                return
        self.path_rules.append((index, _applies(regex)))

    def _folder(self, folder: str) -> _FolderRules:
        """The cached verdicts of ``folder`` (relative to the root, ``""`` for the root itself)."""
        cached = self.folders.get(folder)
        if cached is not None:
            return cached
        best = -1
        if folder:
            parent, _, name = folder.rpartition("/")
            best = (self.folders.get(parent) or self._folder(parent))[0]
            match = self.components.fullmatch(name) if self.components else None
            if match is not None:
                best = max(best, self.component_index[match.lastindex - 1])  # type: ignore[operator]
            match = self.folder_rules.fullmatch(folder) if self.folder_rules else None
            if match is not None:
                best = max(best, self.folder_index[match.lastindex - 1])  # type: ignore[operator]
        named = self.name_folders.match(folder).groups()  # type: ignore[union-attr]
        tested = tuple(index for index, applies in self.path_rules if applies(folder)) \
            if self.path_rules else ()
        shared = self.shared.get((named, tested))
        if shared is None:
            shared = self.shared[(named, tested)] = (
                {}, *_alternation([*self.names, *((index, name) for (index, _, name), flag
                                                  in zip(self.name_rules, named) if flag is not None)]),
                *_alternation([(index, self.rules[index].regex) for index in tested]))
        cached = self.folders[folder] = (best, *shared)
        return cached

    def _slow(self, path: str) -> int:
        for index in range(len(self.rules) - 1, -1, -1):
            if re.match(self.rules[index].regex, path):
                return index
        return -1

    def judge(self, verdicts: list[T]) -> Callable[[str, Sequence[str]], list[T]]:
        """A function of a folder (POSIX, relative to the root: ``""`` for the root itself) and
        names in it that gives each name ``verdicts[i]`` for the deciding rule ``i``,
        ``verdicts[-1]`` when none decides. What a walk calls once per folder."""
        folders, folder_rules, plain, slow = self.folders, self._folder, self.plain, self._slow

        def judge(folder: str, names: Sequence[str]) -> list[T]:
            prefix = folder + "/" if folder else ""
            if plain or "\n" in folder:
                return [verdicts[slow(prefix + name)] for name in names]
            above, cache, name_rules, name_index, path_rules, path_index = \
                folders.get(folder) or folder_rules(folder)
            judged = []
            for name in names:
                best = cache.get(name)
                if best is None:
                    if "\n" in name:
                        judged.append(verdicts[slow(prefix + name)])
                        continue
                    match = name_rules.fullmatch(name) if name_rules else None
                    best = cache[name] = -1 if match is None else name_index[match.lastindex - 1]  # type: ignore[operator]
                if best < above:
                    best = above
                if path_rules is not None and path_index[0] > best:
                    match = path_rules.match(prefix + name)
                    if match is not None:
                        best = max(best, path_index[match.lastindex - 1])  # type: ignore[operator]
                judged.append(verdicts[best])
            return judged

        return judge

    def judge_paths(self, verdicts: list[T]) -> Callable[[Iterable[str]], list[T]]:
        """``judge`` for paths relative to the root: the paths of one folder, one after another
        (as in a sorted listing), share one call."""
        judge = self.judge(verdicts)

        def judge_paths(paths: Iterable[str]) -> list[T]:
            judged: list[T] = []
            folder = ""
            names: list[str] = []
            for path in paths:
                parent, _, name = path.rpartition("/")
                if parent != folder:
                    if names:
                        judged += judge(folder, names)
                    folder, names = parent, []
                names.append(name)
            if names:
                judged += judge(folder, names)
            return judged

        return judge_paths


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


def ignore_line(relpath: str, *, folder: bool = False) -> str | None:
    """The anchored ``.amlignore`` line that excludes ``relpath`` (a folder: with all below it)."""
    # "?" stands for what a line cannot hold: a line end, a byte that is not text.
    escaped = "".join("\\" + char if char in "[]!*#?\\" else char if char.isprintable() else "?"
                      for char in relpath)
    if escaped.endswith(" "):
        # Every SDK strips a line's trailing space; "?" still matches it.
        escaped = escaped[:-1] + "?"
    return "/" + escaped + ("/" if folder else "")


def pattern_matcher(patterns: Sequence[str], source: str) -> Callable[[str], bool]:
    """Whether a path matches one of ``patterns`` (gitwildmatch, as SDK v1 reads them): for
    allow-lists; a pattern the matcher rejects is an error naming ``source``."""
    if not patterns:
        return lambda _: False
    spec = IgnoreSpec(None, compile_rules(patterns, "v1", source), "v1")
    return spec.excludes


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

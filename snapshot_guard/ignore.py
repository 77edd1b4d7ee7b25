"""Which ignore file governs a snapshot root, and what it excludes, exactly as Azure ML decides.

Which file: at the root of the uploaded folder, ``.amlignore`` if it exists, else ``.gitignore``
(SDK v1 ``azureml/_project/ignore_file.py``, SDK v2 ``get_ignore_file``). When ``.amlignore``
exists, ``.gitignore`` is not read at all; ignore files in subfolders never count.

How each SDK reads it:

- v1 (azureml-core): Python's default encoding (a UTF-8 byte-order mark stays on the first
  pattern), universal newlines, ``pathspec.PathSpec.from_lines("gitwildmatch", lines)`` with
  pathspec 0.12.1.
- v2 (azure-ai-ml, ``ComponentIgnoreFile`` in ``azure/ai/ml/entities/_component/code.py``):
  ``utf-8-sig``, every line ``rstrip()``-ped, the SDK's vendored pathspec copy (where ``[^...]`` is
  a literal caret), patterns anchored at the code folder, and ``__pycache__`` appended as the last
  pattern.

Each line becomes one regex. A path (POSIX, relative to the root; a folder without a trailing
slash) is tested with ``re.match`` against every regex: the last that matches decides, and a line
without ``!`` means "not uploaded". v1's upload (``create_merkletree``) also tests every folder
and never enters an excluded one (``v1_pruned_folder``).

``IgnoreSpec`` gives that verdict. Below the public functions, ``_Matcher`` computes it faster
than one regex per rule and path, in time bounded by the path's length (``linear_regex``).
"""
from __future__ import annotations

import dataclasses
import functools
import io
import locale
import os
import re
import warnings
from collections.abc import Callable, Iterable, Sequence
from typing import NamedTuple, TypeVar, Union

from pathspec.patterns.gitwildmatch import GitWildMatchPattern
from pathspec.util import normalize_file

from snapshot_guard.errors import SDKS, Sdk, SnapshotInputError
from snapshot_guard.linear_regex import (
    LinearRegex,
    backtracks_badly,
    char_tests,
    literal_prefix,
    literal_text,
)

AMLIGNORE = ".amlignore"
GITIGNORE = ".gitignore"
V2_EXTRA_PATTERNS = ("__pycache__",)
_V1_MATCH_ALL = "^[^/]+(?:/.*)?$"


# --- which file --------------------------------------------------------------------------------


def governing_name(exists: Callable[[str], bool]) -> str | None:
    """The name of the ignore file both SDKs read for a root, given whether a name exists at the
    root (on disk, in the git index, ...): ``.amlignore`` if it exists, else ``.gitignore``."""
    return next((name for name in (AMLIGNORE, GITIGNORE) if exists(name)), None)


def unread_gitignore(exists: Callable[[str], bool]) -> str | None:
    """``.gitignore`` when it exists at a root but is not read because an ``.amlignore`` governs."""
    return GITIGNORE if governing_name(exists) == AMLIGNORE and exists(GITIGNORE) else None


def governing_file(root: str) -> str | None:
    """The ignore file both SDKs read for ``root``: ``.amlignore`` if it exists, else ``.gitignore``."""
    name = governing_name(lambda name: os.path.exists(os.path.join(root, name)))
    return None if name is None else os.path.join(root, name)


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


# --- how each line is read ---------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class IgnoreRule:
    line: int
    """1-based line in the ignore file; 0 for a pattern the SDK adds itself."""
    pattern: str
    """The line as written, without its line end."""
    excludes: bool
    """False for a negation (``!pattern``), which puts files back into the snapshot."""
    regex: str = dataclasses.field(repr=False)


_GLOB_SYNTAX = re.compile(r"[*?\[\\]")


class _V1Pattern(GitWildMatchPattern):
    """pathspec 0.12.1's translation, with a segment free of ``* ? [ \\`` escaped in one call
    rather than character by character (the same regex, for the thousands of literal lines of a
    big ignore file)."""

    @staticmethod
    def _translate_segment_glob(pattern: str) -> str:
        if _GLOB_SYNTAX.search(pattern):
            return GitWildMatchPattern._translate_segment_glob(pattern)
        return re.escape(pattern)


class _V2Pattern(GitWildMatchPattern):
    """azure-ai-ml's vendored copy of pathspec differs from pathspec 0.12.1 in one translation step:
    ``[^...]`` is a literal caret, not a negation."""

    @staticmethod
    def _translate_segment_glob(pattern: str) -> str:
        if not _GLOB_SYNTAX.search(pattern):
            return re.escape(pattern)
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


def _compile(regex: str) -> re.Pattern[str]:
    """``re.compile`` without its warnings (a pattern like ``[[]`` is a "possible nested set")."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return re.compile(regex)


def _rule(line: str, sdk: Sdk, number: int) -> IgnoreRule | None:
    """The rule ``sdk`` makes of one line; None for a comment or a blank line. Raises ValueError or
    ``re.error`` where the SDK raises."""
    if sdk == "v1":
        regex, include = _V1Pattern.pattern_to_regex(line)
    else:
        regex, include = _V2Pattern.pattern_to_regex(line.rstrip())
        if regex == _V1_MATCH_ALL:
            # The vendored copy writes a lone "**" as ".+"; pathspec 0.12.1 as "[^/]+(?:/.*)?".
            regex = "^.+$"
    if regex is None or include is None:
        return None
    if "[" in line:
        # Only a bracket set carries the line's own text into the regex unescaped; without one,
        # the translation writes fixed pieces and re.escape()d characters, which always compile.
        _compile(regex)
    return IgnoreRule(number, line.rstrip("\n"), include, regex)


def compile_rules(
    lines: Iterable[str], sdk: Sdk, path: str, first_line: int = 1
) -> tuple[IgnoreRule, ...]:
    """Compile ignore-file lines the way ``sdk`` does; raise SnapshotInputError where it raises."""
    rules = []
    for number, line in enumerate(lines, start=first_line):
        try:
            rule = _rule(line, sdk, number)
        except (ValueError, re.error) as error:
            raise SnapshotInputError(
                f"{path}:{number}: pattern {line.rstrip(chr(10))!r} is rejected by Azure ML's "
                f"matcher ({error}); the job submission would fail"
            ) from None
        if rule is not None:
            rules.append(rule)
    return tuple(rules)


# --- the verdict -------------------------------------------------------------------------------


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
        if self._matcher is None:
            object.__setattr__(self, "_matcher", _Matcher(self.rules))

    def decide(self, relpath: str) -> IgnoreRule | None:
        """The rule that decides ``relpath`` (POSIX, relative to the root): the last that matches."""
        assert self._matcher is not None
        folder, _, name = relpath.rpartition("/")
        index = self._matcher.judge(folder, (name,), self._matcher.indices)[0]
        return None if index < 0 else self.rules[index]

    def excludes(self, relpath: str) -> bool:
        """Whether the SDK leaves ``relpath`` out (v1's upload also leaves out what
        ``v1_pruned_folder`` names)."""
        return self.exclusions((relpath,))[0]

    def exclusions_in(self, folder: str, names: Sequence[str]) -> list[bool]:
        """Which of ``names`` in ``folder`` (``""`` for the root, else ``a/b``) are excluded: what
        a walk asks once per folder."""
        if not self.rules:
            return [False] * len(names)
        assert self._matcher is not None
        return self._matcher.judge(folder, names, self._matcher.excluding)

    def exclusions(self, relpaths: Iterable[str]) -> list[bool]:
        """Which of ``relpaths`` are excluded; a sorted listing is judged fastest (the paths of
        one folder, one after another, share one call)."""
        judged: list[bool] = []
        folder = ""
        names: list[str] = []
        for path in relpaths:
            parent, _, name = path.rpartition("/")
            if parent != folder:
                if names:
                    judged += self.exclusions_in(folder, names)
                folder, names = parent, []
            names.append(name)
        if names:
            judged += self.exclusions_in(folder, names)
        return judged

    def matching_rules(self, relpaths: Iterable[str]) -> set[IgnoreRule]:
        """The rules that match at least one of ``relpaths``, whether they decide it or a later
        rule does: a rule in none of these sets is a dead line."""
        assert self._matcher is not None
        return {self.rules[index] for index in self._matcher.matching(relpaths)}

    @property
    def name(self) -> str | None:
        return None if self.path is None else os.path.basename(self.path)


_BUILT: dict[tuple[tuple[str, ...], Sdk], tuple[tuple[IgnoreRule, ...], _Matcher]] = {}
_BUILT_KEPT = 16
"""Specs kept built per process: a hook builds the same file for several checks."""


def spec_from_lines(
    lines: list[str], sdk: Sdk, path: str | None, unused_gitignore: str | None = None
) -> IgnoreSpec:
    """The IgnoreSpec for ignore-file ``lines`` (None for ``path``: the root has no ignore file).
    The same lines are built once per process and SDK."""
    key = (tuple(lines) if path else (), sdk)
    built = _BUILT.get(key)
    if built is None:
        rules = compile_rules(lines, sdk, path or AMLIGNORE) if path else ()
        if sdk == "v2":
            rules += compile_rules(V2_EXTRA_PATTERNS, sdk, "azure-ai-ml", first_line=0)
        if len(_BUILT) >= _BUILT_KEPT:
            del _BUILT[next(iter(_BUILT))]
        built = _BUILT[key] = (rules, _Matcher(rules))
    bom = bool(lines) and lines[0].startswith("\ufeff")
    return IgnoreSpec(path, built[0], sdk, unused_gitignore, bom, built[1])


def load_ignore(root: str, sdk: Sdk) -> IgnoreSpec:
    """The IgnoreSpec that governs the snapshot of ``root`` (a directory) under ``sdk``."""
    root = os.path.abspath(root)

    def exists(name: str) -> bool:
        return os.path.exists(os.path.join(root, name))

    name = governing_name(exists)
    if name is None:
        return spec_from_lines([], sdk, None)
    unread = unread_gitignore(exists)
    path = os.path.join(root, name)
    return spec_from_lines(read_lines(path, sdk), sdk, path, unread and os.path.join(root, unread))


def v1_pruned_folder(spec: IgnoreSpec, relpath: str) -> tuple[str, IgnoreRule] | None:
    """The first folder above ``relpath`` that azureml-core's upload (``create_merkletree``) never
    enters, with the rule that excludes it: the walk tests each folder as ``a/b`` (no trailing
    slash), so ``data`` prunes ``data/`` where ``data/`` does not. None when no folder is pruned
    (the v1 size check and SDK v2 never prune)."""
    assert spec._matcher is not None
    pruned = spec._matcher.pruned(relpath.rpartition("/")[0])
    return None if pruned is None else (pruned[0], spec.rules[pruned[1]])


# --- writing and reading other patterns --------------------------------------------------------

_GLOB_CHARACTERS = frozenset("[]*?!#\\")


def ignore_line(relpath: str, *, folder: bool = False) -> str | None:
    """The line that, appended to a root's ignore file, excludes exactly ``relpath`` (POSIX,
    relative to the root), or with ``folder`` that folder and everything below it, under both SDKs
    (v1's size check and upload, v2). None when no line can say it: a line end in a name, a name
    that is not text.

    The line is anchored (``/a/b``, ``/a/b/``) with ``[ ] * ? ! # \\`` escaped; a trailing white
    space, which every SDK strips from a line, is written as a one-character set. Before it is
    returned, the matcher checks how each SDK reads it. (Like every pattern, it also matches the
    same path with a final line feed: ``$`` matches before one.)
    """
    if not relpath or "" in relpath.split("/") or "\n" in relpath or "\r" in relpath:
        return None
    try:
        relpath.encode("utf-8")
    except UnicodeEncodeError:  # a name that was not valid text on disk
        return None
    line = "/" + "".join("\\" + char if char in _GLOB_CHARACTERS else char for char in relpath)
    if folder:
        line += "/"
    elif line[-1].isspace():
        line = f"{line[:-1]}[{line[-1]}]"
    return line if all(_excludes_exactly(line, relpath, folder, sdk) for sdk in SDKS) else None


def _excludes_exactly(line: str, relpath: str, folder: bool, sdk: Sdk) -> bool:
    """Whether ``sdk`` reads ``line``, in an ignore file, as one rule that excludes ``relpath``
    (``folder``: what is below it) and nothing else: its regex is ``relpath`` as literal text,
    then the end of a file pattern (a folder pattern)."""
    try:
        read = decode_lines((line + "\n").encode(), "ignore_line", sdk)
        rule = _rule(read[0], sdk, 1) if read == [line + "\n"] else None
    except (SnapshotInputError, ValueError, re.error):
        return False
    if rule is None or not rule.excludes:
        return False
    shape = _shape(rule.regex)
    return (shape is not None and shape.below_only == folder and literal_text(shape.body) == relpath
            and IgnoreSpec(None, (rule,), sdk).excludes(relpath + "/x" if folder else relpath))


def pattern_matcher(patterns: Sequence[str], source: str) -> Callable[[str], bool]:
    """Whether a path matches gitwildmatch ``patterns`` as pathspec 0.12.1 reads them (SDK v1's
    flavour; the last matching pattern decides and ``!`` negates): user allow-lists. Raises
    SnapshotInputError naming ``source`` for a pattern the matcher rejects."""
    rules = []
    for number, pattern in enumerate(patterns, start=1):
        try:
            rule = _rule(pattern, "v1", number)
        except (ValueError, re.error) as error:
            raise SnapshotInputError(
                f"{source}: pattern {pattern!r} is not a valid gitwildmatch pattern ({error})"
            ) from None
        if rule is not None:
            rules.append(rule)
    spec = IgnoreSpec(None, tuple(rules), "v1")
    return lambda path: spec.excludes(normalize_file(path))


# --- the matcher -------------------------------------------------------------------------------
#
# Every regex pathspec writes is "^" + B + an end that takes either the path itself or anything
# below it ("name"), or only what is below it ("name/", "name/**"). So for a plain path (no line
# feed, no empty component) a rule matches exactly when B matches, as a whole, the path or a
# folder above it (only a folder above, for the second kind). A path's verdict is the highest
# rule that matches a folder above it (computed once per folder) or the path itself.
#
# B is mostly "a folder, a slash, a name" where the name part never matches a slash: then B
# matches a path exactly when the name part matches its last component and the folder part its
# folder. The folder part is tested once per folder: a literal one ("/data/part_1.csv") by
# dictionary, "(?:.+/)?" (any folder: "*.py", "build/") not at all, others by regex
# ("src/**/*.pyc"). The name parts that apply in a folder are tested once per name: a few of them
# (``_FEW``) as one regex; more, literal ones, "*" + literal and literal + "*" by dictionary, the
# others by regex. What has no such shape is tested on the whole path, only by the regexes that
# start like the folder (``_Regexes.within``). A regex is run by ``re`` where it cannot backtrack
# badly, else by ``LinearRegex``. Paths that are not plain take pathspec's own loop, rule by rule.

_FLOATING = "(?:.+/)?"
_ENDS = {  # each end a translation writes, and whether it takes only what is below B
    "(?:(?P<ps_d>/).*)?$": False,
    "(?:/.*)?$": False,  # v1's lone "**"
    "(?P<ps_d>/).*$": True,
    "/.*$": True,
}
_SLASHLESS_SET = "[^/]"
"""The only bracket set a translation writes with a slash in it (a segment never holds one)."""
_ANY_NAME = "[^/]*"
_LITERAL = re.compile(r"(?:[^\\.^$*+?{}\[\]|()]|\\[^0-9A-Za-z])*")
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)
_SIMPLE_NAME = re.compile(r"(?:[^\\.^$*+?{}\[\]|()/]|\\[^0-9A-Za-z/]|\[\^/\][*+]?)*")
"""A name regex of plain and escaped characters other than a slash, ``[^/]``, ``[^/]*``, ``[^/]+``."""


def _literal(regex: str) -> str | None:
    """The text ``regex`` matches when it is made of plain and escaped characters only."""
    if not _LITERAL.fullmatch(regex):
        return None
    if "\\" not in regex:
        return regex
    # every backslash escapes the next character; only an escaped backslash needs the regex
    return _ESCAPE.sub(r"\1", regex) if "\\\\" in regex else regex.replace("\\", "")


def _is_plain(path: str) -> bool:
    """A path whose components are all names: no line feed (where ``.`` and ``$`` read a path
    differently), no empty component."""
    return "\n" not in path and "" not in path.split("/")


@functools.lru_cache(maxsize=4096)
def _is_name(regex: str) -> bool:
    """Whether ``regex`` matches only texts without a slash, one character at a time."""
    if _SIMPLE_NAME.fullmatch(regex):
        return True
    try:
        tests = char_tests(regex)
    except (re.error, ValueError):
        return False
    return tests is not None and not any(test("/") for test in tests)


@functools.lru_cache(maxsize=4096)
def _is_regex(regex: str) -> bool:
    """Whether a part of a rule's regex is a regex of its own (a part cut in a group is not)."""
    try:
        literal_prefix(regex), backtracks_badly(regex)  # what ``_Regexes`` will ask, parsed once
    except (re.error, ValueError):
        return False
    return True


class _Shape(NamedTuple):
    """What a rule's regex asks of a plain path: that ``body`` match the path or a folder above
    it, as a whole."""

    body: str
    below_only: bool
    """Only a folder above counts, not the path itself (``data/``)."""
    name: str | None = None
    """When ``body`` is ``folder + "/" + name``: the name part, which never matches a slash."""
    name_text: str | None = None
    """The name when ``name`` is literal."""
    folder: str = ""
    """The folder part's regex: ``""`` for the root, ``_FLOATING`` for any folder."""
    folder_text: str | None = ""
    """The folder when ``folder`` is literal."""


@functools.lru_cache(maxsize=1 << 16)
def _shape(regex: str) -> _Shape | None:
    """The shape of a rule's regex; None when it has none of the ends a translation writes.
    Remembered: a spec with one more line (a fix, a lint check) shapes the others again."""
    if regex == "^.+$":  # v2's lone "**" matches every path: as if it matched the folders too
        return _Shape(".+", False)
    end = next((end for end in _ENDS if regex.endswith(end)), None)
    if end is None or not regex.startswith("^"):
        return None
    body, below_only = regex[1:-len(end)], _ENDS[end]
    whole = _Shape(body, below_only)
    text = _literal(body)
    if text is not None:  # a literal path: the most common line of a big ignore file
        if not _is_plain(text):
            return whole  # it matches no plain path
        folder, _, name = body.rpartition("/")
        parent, _, base = text.rpartition("/")
        return _Shape(body, below_only, name, base, folder, parent)
    masked = body.replace(_SLASHLESS_SET, "[^_]")
    folder_text: str | None
    if body.startswith(_FLOATING) and "/" not in masked[len(_FLOATING):]:
        folder, folder_text, name = _FLOATING, None, body[len(_FLOATING):]
    elif "/" not in masked:
        folder, folder_text, name = "", "", body
    else:
        slash = masked.rindex("/")
        folder, name = body[:slash], body[slash + 1:]
        folder_text = _literal(folder)
        if not (_is_regex(folder) if folder_text is None else folder_text and _is_plain(folder_text)):
            return whole
    name_text = _literal(name)
    if not (_is_name(name) if name_text is None else "/" not in name_text):
        return whole
    return _Shape(body, below_only, name, name_text, folder, folder_text)


class _RegexGroup:
    """Regexes, each with a rule index, tested on a text as a whole. Those that cannot backtrack
    badly are one ``re`` regex, the others one ``LinearRegex``. For the highest matching index
    (``best``), the ``re`` regex is an alternation, the highest index first: the first alternative
    that matches names the rule. For all of them (``every``), it is empty groups after lookaheads:
    the groups that take part name the matches."""

    def __init__(self, indexed: Iterable[tuple[int, str, bool]]) -> None:
        """``indexed``: each regex with its rule index and whether it backtracks badly."""
        self.safe: list[tuple[int, str]] = []
        risky: list[tuple[int, str]] = []
        for index, regex, backtracks in indexed:
            (risky if backtracks else self.safe).append((index, regex))
        self.safe.sort(reverse=True)
        self.safe_indices = [index for index, _ in self.safe]
        self.top = max([*self.safe_indices[:1], *(index for index, _ in risky)], default=-1)
        self.alternation: Callable[[str], re.Match[str] | None] | None = None
        self.lookaheads: Callable[[str], re.Match[str] | None] | None = None
        self.risky_indices = [index for index, _ in risky]
        self.risky = LinearRegex([f"(?:{regex})\\Z" for _, regex in risky]) if risky else None

    def _risky(self, text: str) -> list[int]:
        return [self.risky_indices[tag] for tag in self.risky.matched(text)] if self.risky else []

    def best(self, text: str) -> int:
        if self.alternation is None:
            if not self.safe:
                return max(self._risky(text), default=-1)
            self.alternation = _compile("|".join(f"({regex})" for _, regex in self.safe)).fullmatch
        match = self.alternation(text)
        best = -1 if match is None else self.safe_indices[match.lastindex - 1]  # type: ignore[operator]
        return max([best, *self._risky(text)]) if self.risky else best

    def every(self, text: str) -> list[int]:
        if self.lookaheads is None and self.safe:  # empty groups at the start: match, not fullmatch
            self.lookaheads = _compile("".join(f"(?:(?=(?:{regex})\\Z)())?" for _, regex in self.safe)).match
        match = self.lookaheads(text) if self.lookaheads is not None else None
        found = [] if match is None or match.lastindex is None else \
            [index for index, group in zip(self.safe_indices, match.groups()) if group is not None]
        return found + self._risky(text) if self.risky else found


class _Regexes:
    """Regexes, each with a rule index, tested on a text as a whole: the highest index of those
    that match (``best``), or all of them (``every``). They are grouped by the text their matches
    start with (``part_*.csv``: ``part_``), so a text meets only the groups it starts like."""

    def __init__(self, groups: dict[str, _RegexGroup]) -> None:
        self.groups = groups
        self.lengths = sorted({len(start) for start in groups})
        self.top = max((group.top for group in groups.values()), default=-1)
        """The highest index: a text needs no test when a higher rule already decides it."""
        self.by_folder: dict[str, list[str]] = {}
        """The starts that end inside a name, by the folder before it (``within``)."""
        for start in groups:
            self.by_folder.setdefault(start.rpartition("/")[0], []).append(start)
        self.subsets: dict[tuple[str, ...], _Regexes] = {}
        self.only = groups.get("") if len(groups) == 1 else None
        """The one group, when every text meets it."""

    def _groups(self, text: str) -> list[_RegexGroup]:
        if self.only is not None:
            return [self.only]
        found = (self.groups.get(text[:length]) for length in self.lengths if length <= len(text))
        return [group for group in found if group is not None]

    def best(self, text: str) -> int:
        """The highest index of a regex that matches ``text``; -1 for none."""
        return max([-1, *(group.best(text) for group in self._groups(text))])

    def every(self, text: str) -> list[int]:
        """The indices of all the regexes that match ``text``."""
        if self.only is not None:
            return self.only.every(text)
        return [index for group in self._groups(text) for index in group.every(text)]

    def within(self, prefix: str) -> _Regexes:
        """Those that can match ``prefix`` (a folder and a slash, ``""`` for the root) and then a
        name: their start is the start of ``prefix``, or ``prefix`` and then no slash."""
        if not self.groups:
            return self
        starts = tuple([*(prefix[:length] for length in self.lengths
                          if length <= len(prefix) and prefix[:length] in self.groups),
                        *(start for start in self.by_folder.get(prefix[:-1], ())
                          if len(start) > len(prefix) and start.startswith(prefix)
                          and "/" not in start[len(prefix):])])
        subset = self.subsets.get(starts)
        if subset is None:
            subset = self.subsets[starts] = _Regexes({start: self.groups[start] for start in starts})
        return subset


def _regexes(indexed: Iterable[tuple[int, str]], grouped: bool = True) -> _Regexes:
    """``_Regexes`` of regexes with their rule indices; not ``grouped``: one group for all (for a
    few regexes, one test of a text rather than one per start it has)."""
    by_start: dict[str, list[tuple[int, str, bool]]] = {}
    for index, regex in indexed:
        start = literal_prefix(regex) if grouped else ""
        by_start.setdefault(start, []).append((index, regex, backtracks_badly(regex)))
    return _Regexes({start: _RegexGroup(regexes) for start, regexes in by_start.items()})


_Hits = list[tuple[int, bool]]
"""Rules that match, each as ``(index, below_only)``."""


class _Names:
    """Name parts, each with a rule index, for names (one path component each): the highest rule
    that matches a name as a path (``file``) or as a folder (``folder``: the rules for what is
    below it count too), which the caller remembers in ``known`` and ``known_folders``, and all
    that match (``every``). Few of them (``_FEW``) are one regex."""

    def __init__(self, shapes: Sequence[tuple[int, _Shape]]) -> None:
        self.known: dict[str, int] = {}
        self.known_folders: dict[str, int] = {}
        self.below = frozenset(index for index, shape in shapes if shape.below_only)
        self.file_top = max((index for index, shape in shapes if not shape.below_only), default=-1)
        """The highest rule of those for paths: a name needs no test when a higher rule decides."""
        indexed = [(index, shape.name or "", shape.name_text is None and backtracks_badly(shape.name or ""))
                   for index, shape in shapes]
        self.file = _RegexGroup(entry for entry in indexed if entry[0] not in self.below).best
        self.all = _RegexGroup(indexed)
        self.folder = self.all.best

    def every(self, name: str) -> _Hits:
        return [(index, index in self.below) for index in self.all.every(name)]


class _ManyNames:
    """``_Names`` for many name parts: a literal name, ``*`` + literal and literal + ``*`` are
    dictionary look-ups, the others ``_Regexes``."""

    def __init__(self, shapes: Sequence[tuple[int, _Shape]]) -> None:
        self.known: dict[str, int] = {}
        self.known_folders: dict[str, int] = {}
        self.file_top = max((index for index, shape in shapes if not shape.below_only), default=-1)
        self.exact: dict[str, _Hits] = {}
        self.suffixes: dict[str, _Hits] = {}
        self.prefixes: dict[str, _Hits] = {}
        patterns: tuple[list[tuple[int, str]], list[tuple[int, str]]] = ([], [])
        for index, shape in shapes:
            name = shape.name or ""
            suffix = prefix = None
            if shape.name_text is None and name.startswith(_ANY_NAME):
                suffix = _literal(name[len(_ANY_NAME):])
            if shape.name_text is None and name.endswith(_ANY_NAME):
                prefix = _literal(name[:-len(_ANY_NAME)])
            if shape.name_text is not None:
                table, key = self.exact, shape.name_text
            elif suffix is not None:
                table, key = self.suffixes, suffix
            elif prefix is not None:
                table, key = self.prefixes, prefix
            else:
                patterns[shape.below_only].append((index, name))
                continue
            table.setdefault(key, []).append((index, shape.below_only))
        self.suffix_lengths = sorted({len(suffix) for suffix in self.suffixes})
        self.prefix_lengths = sorted({len(prefix) for prefix in self.prefixes})
        self.suffix_tuple, self.prefix_tuple = tuple(self.suffixes), tuple(self.prefixes)
        self.patterns = (_regexes(patterns[0]), _regexes(patterns[1]))

    def _looked_up(self, name: str) -> _Hits:
        hits = list(self.exact.get(name, ()))
        if name.endswith(self.suffix_tuple):
            for length in self.suffix_lengths:
                if length <= len(name):
                    hits += self.suffixes.get(name[len(name) - length:], ())
        if name.startswith(self.prefix_tuple):
            for length in self.prefix_lengths:
                hits += self.prefixes.get(name[:length], ())
        return hits

    def file(self, name: str) -> int:
        best = -1
        for index, below_only in self._looked_up(name):
            if index > best and not below_only:
                best = index
        if self.patterns[0].top > best:
            best = max(best, self.patterns[0].best(name))
        return best

    def folder(self, name: str) -> int:
        best = -1
        for index, _ in self._looked_up(name):
            if index > best:
                best = index
        for regexes in self.patterns:
            if regexes.top > best:
                best = max(best, regexes.best(name))
        return best

    def every(self, name: str) -> _Hits:
        return [*self._looked_up(name), *((index, False) for index in self.patterns[0].every(name)),
                *((index, True) for index in self.patterns[1].every(name))]


class _JoinedNames:
    """Two sets of name parts as one (the rules for any folder and those for some folders)."""

    def __init__(self, first: _Names | _ManyNames, second: _Names | _ManyNames) -> None:
        self.known: dict[str, int] = {}
        self.known_folders: dict[str, int] = {}
        self.first, self.second = first, second
        self.file_top = max(first.file_top, second.file_top)

    def file(self, name: str) -> int:
        best = self.first.known.get(name)
        if best is None:
            best = self.first.known[name] = self.first.file(name)
        if self.second.file_top > best:
            best = max(best, self.second.file(name))
        return best

    def folder(self, name: str) -> int:
        best = self.first.known_folders.get(name)
        if best is None:
            best = self.first.known_folders[name] = self.first.folder(name)
        return max(best, self.second.folder(name))

    def every(self, name: str) -> _Hits:
        return self.first.every(name) + self.second.every(name)


_FEW = 100
"""Name parts (or folder parts) up to which one regex judges a name faster than dictionaries (or
groups by start) do."""


def _names(shapes: Sequence[tuple[int, _Shape]], few: int) -> _Names | _ManyNames:
    return _Names(shapes) if len(shapes) <= few else _ManyNames(shapes)


_AnyNames = Union[_Names, _ManyNames, _JoinedNames]


_Folder = tuple[int, _AnyNames, _AnyNames, _Regexes, str]
"""What the entries of one (plain) folder share: the highest rule that matches the folder or one
above it; the name parts for its paths (those of the rules for any folder and of those whose folder
part matches this one) and for its folders (the rules for what is below a folder count too); the
rules tested on whole paths that can match a path in it; its path and a slash (``""`` for the
root)."""


_Verdict = TypeVar("_Verdict")


class _Matcher:
    """pathspec's verdict (the index of the deciding rule, -1 for none) for the names in a
    folder, computed as the comment above says."""

    def __init__(self, rules: tuple[IgnoreRule, ...], few: int = _FEW) -> None:
        """``few``: up to how many name parts (folder parts) are one regex (``_Names``)."""
        self.rules = rules
        self.few = few
        self.excluding = [*(rule.excludes for rule in rules), False]
        self.indices = [*range(len(rules)), -1]
        self.needles: list[str] = []
        """Text every path a rule matches contains: pathspec's loop skips the rule elsewhere."""
        self.unshaped: list[int] = []
        anywhere: list[tuple[int, _Shape]] = []
        self.in_folder: dict[str, list[tuple[int, _Shape]]] = {}
        in_matching: list[tuple[int, _Shape]] = []
        paths: tuple[list[tuple[int, str]], list[tuple[int, str]]] = ([], [])
        last = {rule.regex: index for index, rule in enumerate(rules)}
        self.shadowed = len(last) < len(rules)
        """Some rule has the regex of a later one."""
        for index, rule in enumerate(rules):
            shape = _shape(rule.regex)
            self.needles.append("" if shape is None or shape.name_text is None else shape.name_text)
            if last[rule.regex] != index:
                continue  # a later rule with the same regex matches wherever this one does
            if shape is None:
                self.unshaped.append(index)
            elif shape.name is None:
                paths[shape.below_only].append((index, shape.body))
            elif shape.folder == _FLOATING:
                anywhere.append((index, shape))
            elif shape.folder_text is None:
                in_matching.append((index, shape))
            else:
                self.in_folder.setdefault(shape.folder_text, []).append((index, shape))
        self.anywhere = _names(anywhere, few)
        self.in_matching = dict(in_matching)
        folder_parts = _regexes(((index, shape.folder) for index, shape in in_matching),
                                grouped=len(in_matching) > few)
        self.folder_parts = folder_parts.every if folder_parts.only is None else folder_parts.only.every
        self.paths = (_regexes(paths[0]), _regexes(paths[1]))
        self.paths_top = max(self.paths[0].top, self.paths[1].top)
        self.names: dict[tuple[str | None, tuple[int, ...]], _JoinedNames] = {}
        self.folders: dict[str, _Folder] = {"": (-1, *self._names_in(""), self.paths[0].within(""), "")}
        self.full: dict[int, Callable[[str], object]] = {}
        self.pruned_folders: dict[str, tuple[str, int] | None] = {"": None}

    def _names_in(self, folder: str) -> tuple[_AnyNames, _AnyNames]:
        """The name parts that apply in ``folder``, for its paths and for its folders: those for
        any folder, and those of the rules whose folder part is ``folder`` or matches it (one
        object per such set of rules)."""
        literal = folder if folder in self.in_folder else None
        matching = tuple(sorted(self.folder_parts(folder))) if folder and self.in_matching else ()
        if literal is None and not matching:
            return self.anywhere, self.anywhere
        key = (literal, matching)
        names = self.names.get(key)
        if names is None:
            names = self.names[key] = _JoinedNames(self.anywhere, _names(
                [*self.in_folder.get(folder, ()), *((index, self.in_matching[index]) for index in matching)],
                self.few))
        return names if names.second.file_top >= 0 else self.anywhere, names

    def _folder(self, path: str) -> _Folder:
        """The ``_Folder`` of a plain folder path (and of the folders above it), remembered."""
        parent, _, name = path.rpartition("/")
        above, _, names, _, prefix = self.folders.get(parent) or self._folders_to(parent)
        best = names.known_folders.get(name)
        if best is None:
            best = names.known_folders[name] = names.folder(name)
        if best > above:
            above = best
        if self.paths_top > above:
            for regexes in self.paths:  # the rules for a path and for what is below it
                if regexes.top > above:
                    above = max(above, regexes.best(prefix + name))
        files, folders = self._names_in(path)
        paths = self.paths[0].within(path + "/") if self.paths[0].groups else self.paths[0]
        known = self.folders[path] = (above, files, folders, paths, path + "/")
        return known

    def _folders_to(self, path: str) -> _Folder:
        """``_folder`` of ``path`` and of the unknown folders above it, from the top down."""
        missing = []
        while path not in self.folders:
            missing.append(path)
            path = path.rpartition("/")[0]
        for path in reversed(missing):
            self._folder(path)
        return self.folders[path]

    def pruned(self, folder: str) -> tuple[str, int] | None:
        """The first folder on the way to ``folder`` (itself included) that v1's upload never
        enters, and the rule that excludes it; remembered per folder."""
        known = self.pruned_folders
        if folder in known:
            return known[folder]
        parts = folder.split("/")
        known_depth = len(parts)  # of the deepest folder on the way that is known ("" is)
        while "/".join(parts[:known_depth - 1]) not in known:
            known_depth -= 1
        for depth in range(known_depth, len(parts) + 1):
            parent, here = "/".join(parts[:depth - 1]), "/".join(parts[:depth])
            pruned = known[parent]
            if pruned is None:
                index = self.judge(parent, parts[depth - 1:depth], self.indices)[0]
                pruned = (here, index) if self.excluding[index] else None
            known[here] = pruned
        return known[folder]

    def _pathspec(self, path: str) -> int:
        """pathspec's own loop: the last rule whose regex matches ``path``."""
        for index in range(len(self.rules) - 1, -1, -1):
            if self.needles[index] in path and self._full(index)(path):
                return index
        return -1

    def _full(self, index: int) -> Callable[[str], object]:
        matches = self.full.get(index)
        if matches is None:
            regex = self.rules[index].regex
            matches = self.full[index] = LinearRegex([regex]).matched if backtracks_badly(regex) \
                else _compile(regex).match
        return matches

    def judge(self, folder: str, names: Sequence[str], verdicts: Sequence[_Verdict]) -> list[_Verdict]:
        """``verdicts[i]`` for the deciding rule ``i`` of each of ``names`` in ``folder`` (``""``
        for the root, else ``a/b``), ``verdicts[-1]`` where none decides: what a walk asks once
        per folder."""
        prefix = folder + "/" if folder else ""
        here = self.folders.get(folder)
        if here is None:
            if not _is_plain(folder):
                return [verdicts[self._pathspec(prefix + name)] for name in names]
            here = self._folders_to(folder)
        above, in_folder, _, paths, _ = here
        known, file, top, unshaped = in_folder.known, in_folder.file, paths.top, self.unshaped
        judged = []
        for name in names:
            best = known.get(name)
            if best is None:
                if not name or "\n" in name or "/" in name:
                    judged.append(verdicts[self._pathspec(prefix + name)])
                    continue
                best = known[name] = file(name)
            if best < above:
                best = above
            if top > best:
                best = max(best, paths.best(prefix + name))
            if unshaped:
                best = max([best, *(index for index in unshaped if self._full(index)(prefix + name))])
            judged.append(verdicts[best])
        return judged

    def matching(self, paths: Iterable[str]) -> set[int]:
        """The rules that match at least one of ``paths``, deciding or not: for each plain path,
        those whose ``body`` matches it or (as a folder) a folder above it."""
        nodes: dict[str, bool] = {}
        """The plain paths and the folders above them (True)."""
        found: set[int] = set()
        for path in paths:
            if not _is_plain(path):
                found.update(self._every_rule(path))
                continue
            nodes.setdefault(path, False)
            parent = path.rpartition("/")[0]
            while parent and not nodes.get(parent):
                nodes[parent] = True
                parent = parent.rpartition("/")[0]
        for path, is_folder in nodes.items():
            parent, _, name = path.rpartition("/")
            _, _, names, _, prefix = self.folders.get(parent) or self._folders_to(parent)
            found.update(index for index, below_only in names.every(name) if is_folder or not below_only)
            for regexes in self.paths[: 1 + is_folder]:
                found.update(regexes.every(prefix + name))
            found.update(index for index in self.unshaped if self._full(index)(path))
        if not self.shadowed:
            return found
        matched = {self.rules[index].regex for index in found}
        return {index for index, rule in enumerate(self.rules) if rule.regex in matched}

    def _every_rule(self, path: str) -> list[int]:
        """pathspec's loop to the end: every rule whose regex matches ``path``."""
        return [index for index in range(len(self.rules))
                if self.needles[index] in path and self._full(index)(path)]

"""Python regular expressions matched in time linear in the text.

``re`` backtracks. With several unbounded repeats that can take the same characters (the ignore
line ``a*a*a*b`` becomes ``[^/]*a[^/]*a[^/]*b``), a text that almost matches costs time that grows
with the text's length to the power of their number: the SDKs never finish such a match, and a
hook must. Here the same pattern is read by Python's own parser, so a set, ``.`` or ``$`` means
exactly what it means to ``re``, and becomes a Thompson automaton whose states all advance at once:
time linear in the text, whatever the pattern. The steps taken are remembered, so a text mostly
costs one dictionary look-up per character (a DFA built as it is used).

Only what ``re.match`` answers is computed (does a match start at position 0?), not where it ends
or what its groups hold. Lookarounds, back-references and flags are not supported (ValueError):
the gitwildmatch translation never writes them.
"""
from __future__ import annotations

import functools
import math
import re
import sys
import warnings
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import sre_parse as parser
elif sys.version_info >= (3, 11):
    from re import _parser as parser
else:  # pragma: no cover - Python before 3.11
    import sre_parse as parser

CharTest = Callable[[str], bool]
_Items = Iterable[tuple[Any, Any]]
"""A parsed pattern: ``(opcode, argument)`` pairs, as ``parser.parse`` gives them."""

_CHAR, _EMPTY, _AT, _FINAL = range(4)
_START, _BEFORE_FINAL_LINE_FEED, _END = 1, 2, 4
"""Where in the text a position is, for the anchors: bits of a context."""
_ANCHORS = {
    parser.AT_BEGINNING: _START,
    parser.AT_BEGINNING_STRING: _START,
    parser.AT_END: _END | _BEFORE_FINAL_LINE_FEED,  # "$" also matches before a final line feed
    parser.AT_END_STRING: _END,
}
_CATEGORIES = {
    parser.CATEGORY_DIGIT: r"\d", parser.CATEGORY_NOT_DIGIT: r"\D",
    parser.CATEGORY_SPACE: r"\s", parser.CATEGORY_NOT_SPACE: r"\S",
    parser.CATEGORY_WORD: r"\w", parser.CATEGORY_NOT_WORD: r"\W",
}
_MAX_COUNT = 1000
"""The largest ``{m,n}`` count unrolled; the gitwildmatch translation writes none."""
_CACHE_LIMIT = 100_000
"""Remembered steps per automaton; past it they are forgotten (the time stays linear)."""


@functools.lru_cache(maxsize=64)
def _parse(regex: str) -> _Items:
    """``regex`` as Python's parser reads it (remembered a little: one regex is asked several
    questions in a row)."""
    with warnings.catch_warnings():  # a set like "[[]" is a "possible nested set"
        warnings.simplefilter("ignore")
        parsed = parser.parse(regex)
    if parsed.state.flags & ~re.UNICODE:
        raise ValueError(f"flags are not supported: {regex!r}")
    return parsed.data


def _set_test(items: _Items) -> CharTest:
    negate, chars = False, set()
    ranges: list[tuple[int, int]] = []
    categories: list[Callable[[str], object]] = []
    for op, arg in items:
        if op is parser.NEGATE:
            negate = True
        elif op is parser.LITERAL:
            chars.add(chr(arg))
        elif op is parser.RANGE:
            ranges.append(arg)
        elif op is parser.CATEGORY and arg in _CATEGORIES:
            categories.append(re.compile(_CATEGORIES[arg]).fullmatch)
        else:
            raise ValueError(f"unsupported in a set: {op}")

    def test(char: str) -> bool:
        code = ord(char)
        inside = (char in chars or any(low <= code <= high for low, high in ranges)
                  or any(category(char) for category in categories))
        return inside != negate

    return test


def _char_test(op: Any, arg: Any) -> CharTest | None:
    """The test of a node that takes one character; None for any other node."""
    if op is parser.LITERAL:
        return chr(arg).__eq__
    if op is parser.NOT_LITERAL:
        return chr(arg).__ne__
    if op is parser.ANY:
        return "\n".__ne__  # no DOTALL flag: "." is any character but a line feed
    if op is parser.IN:
        return _set_test(arg)
    return None


def char_tests(regex: str) -> list[CharTest] | None:
    """The character tests of ``regex`` when it is made only of characters and repeats of one
    character (``a[^/]*\\.py``); None for anything else (groups, alternatives, anchors)."""
    tests = []
    for op, arg in _parse(regex):
        if op in (parser.MAX_REPEAT, parser.MIN_REPEAT) and len(arg[2]) == 1:
            op, arg = arg[2][0]
        test = _char_test(op, arg)
        if test is None:
            return None
        tests.append(test)
    return tests


def literal_text(regex: str) -> str | None:
    """The one text ``regex`` matches when it is a plain sequence of characters, else None."""
    try:
        items = list(_parse(regex))
    except (re.error, ValueError):
        return None
    if all(op is parser.LITERAL for op, _ in items):
        return "".join(chr(arg) for _, arg in items)
    return None


@functools.lru_cache(maxsize=1 << 16)
def literal_prefix(regex: str) -> str:
    """The text every match of ``regex`` starts with: its leading plain characters."""
    prefix = []
    for op, arg in _parse(regex):
        if op is not parser.LITERAL:
            break
        prefix.append(chr(arg))
    return "".join(prefix)


def _choices(items: _Items) -> tuple[float, int]:
    """``(repeats, optionals)``: how many repeats with a free count and how many two-way choices
    ``re`` may have to try in every combination. A repeat inside a repeat counts as infinite."""
    repeats, optionals = 0.0, 0
    for op, arg in items:
        if op in (parser.MAX_REPEAT, parser.MIN_REPEAT):
            low, high, body = arg
            inner, inner_optionals = _choices(body)
            if high == low:
                repeats, optionals = repeats + low * inner, optionals + low * inner_optionals
            elif high == 1:
                repeats, optionals = repeats + inner, optionals + inner_optionals + 1
            elif inner or inner_optionals:
                return math.inf, optionals
            else:
                repeats += 1
        elif op is parser.SUBPATTERN:
            inner, inner_optionals = _choices(arg[-1])
            repeats, optionals = repeats + inner, optionals + inner_optionals
        elif op is parser.BRANCH:
            branches = [_choices(branch) for branch in arg[1]]
            repeats += max(inner for inner, _ in branches)
            optionals += max(inner for _, inner in branches) + len(branches) - 1
        elif op not in (parser.LITERAL, parser.NOT_LITERAL, parser.ANY, parser.IN, parser.AT):
            return math.inf, optionals
    return repeats, optionals


@functools.lru_cache(maxsize=1 << 16)
def backtracks_badly(regex: str) -> bool:
    """Whether ``re`` could take more than quadratic time on ``regex``.

    Backtracking tries at most every combination of its choices: ``n + 1`` counts for each repeat
    with a free count, two ways for each optional part, so ``re`` takes at most about
    ``2**optionals * n**repeats`` steps per character of the pattern on a text of length ``n``.
    Up to two such repeats (``^(?:.+/)?name(?:/.*)?$``, the regex of a plain name) that stays
    quadratic in the worst case and linear in practice; more is left to ``LinearRegex``.
    """
    repeats, optionals = _choices(_parse(regex))
    return repeats > 2 or optionals > 8


class LinearRegex:
    """Which of several regexes ``re.match`` finds a match of, in time linear in the text."""

    def __init__(self, regexes: Sequence[str]) -> None:
        """Raises ``re.error`` where ``re`` does, ValueError for what this module does not support."""
        self._states: list[tuple[int, Any, tuple[int, ...]]] = []
        starts = [self._sequence(_parse(regex), self._add(_FINAL, tag, ()))
                  for tag, regex in enumerate(regexes)]
        self._start = frozenset(starts)
        self._closures: dict[tuple[frozenset[int], int], tuple[frozenset[int], frozenset[int]]] = {}
        self._steps: dict[tuple[frozenset[int], str], frozenset[int]] = {}

    def _add(self, kind: int, data: Any, following: tuple[int, ...]) -> int:
        self._states.append((kind, data, following))
        return len(self._states) - 1

    def _sequence(self, items: _Items, then: int) -> int:
        """The first state of ``items`` followed by state ``then`` (built back to front)."""
        for op, arg in reversed(list(items)):
            then = self._node(op, arg, then)
        return then

    def _node(self, op: Any, arg: Any, then: int) -> int:
        test = _char_test(op, arg)
        if test is not None:
            return self._add(_CHAR, test, (then,))
        if op is parser.SUBPATTERN:
            _, add_flags, del_flags, body = arg
            if add_flags or del_flags:
                raise ValueError("flags are not supported")
            return self._sequence(body, then)
        if op is parser.BRANCH:
            return self._add(_EMPTY, None, tuple(self._sequence(branch, then) for branch in arg[1]))
        if op in (parser.MAX_REPEAT, parser.MIN_REPEAT):  # greedy or not: the same matches exist
            low, high, body = arg
            if low > _MAX_COUNT or (high != parser.MAXREPEAT and high - low > _MAX_COUNT):
                raise ValueError("repeat count too large")
            start = then
            if high == parser.MAXREPEAT:
                start = self._add(_EMPTY, None, ())
                self._states[start] = (_EMPTY, None, (self._sequence(body, start), then))
            else:
                for _ in range(high - low):
                    start = self._add(_EMPTY, None, (self._sequence(body, start), then))
            for _ in range(low):
                start = self._sequence(body, start)
            return start
        if op is parser.AT and arg in _ANCHORS:
            return self._add(_AT, _ANCHORS[arg], (then,))
        raise ValueError(f"unsupported: {op}")

    def _closure(self, kernel: frozenset[int], context: int) -> tuple[frozenset[int], frozenset[int]]:
        """The states that take a character next, and the regexes matched, from ``kernel`` at a
        position of ``context`` (empty moves and anchors followed)."""
        key = (kernel, context)
        known = self._closures.get(key)
        if known is not None:
            return known
        chars, tags, seen, pending = [], [], set(), list(kernel)
        while pending:
            state = pending.pop()
            if state in seen:
                continue
            seen.add(state)
            kind, data, following = self._states[state]
            if kind == _CHAR:
                chars.append(state)
            elif kind == _FINAL:
                tags.append(data)
            elif kind == _EMPTY or data & context:
                pending.extend(following)
        if len(self._closures) > _CACHE_LIMIT:
            self._closures.clear()
        known = self._closures[key] = (frozenset(chars), frozenset(tags))
        return known

    def _step(self, chars: frozenset[int], char: str) -> frozenset[int]:
        key = (chars, char)
        known = self._steps.get(key)
        if known is None:
            if len(self._steps) > _CACHE_LIMIT:
                self._steps.clear()
            states = self._states
            known = self._steps[key] = frozenset(
                states[state][2][0] for state in chars if states[state][1](char))
        return known

    def matched(self, text: str) -> set[int]:
        """The indices of the regexes that ``re.match`` finds a match of at the start of ``text``."""
        found: set[int] = set()
        kernel, end = self._start, len(text)
        final_line_feed = end - 1 if text.endswith("\n") else -1
        for position in range(end + 1):
            context = (_START if position == 0 else 0) | (
                _END if position == end else _BEFORE_FINAL_LINE_FEED if position == final_line_feed else 0)
            chars, tags = self._closure(kernel, context)
            found.update(tags)
            if position == end or not chars:
                break
            kernel = self._step(chars, text[position])
        return found

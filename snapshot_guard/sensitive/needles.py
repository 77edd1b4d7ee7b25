"""Which of a fixed set of lower-case literals (needles) a text holds: what tells, before any rule
runs, which rules can fire on a file, and that most files need none.

A needle is searched from one of its characters, its anchor; needles that share an anchor are one
regular expression that starts with it (a literal, which the regex engine skips to fast) and checks
the characters before it behind. The anchors are a few characters that every needle holds one of,
chosen once for the least work: each costs a pass over the text, and an attempt wherever it occurs.
An anchor the text lacks costs one ``in``. Once a needle is found the search goes on from the same
place without it: the text is read once an anchor however often a needle recurs, and a needle
inside another (``pass`` in ``password``) is reported too.

The text is lower-cased first. Rules that fold case lower their text with :func:`formats.lower`,
ASCII only where ``str.lower`` changes the length; the two characters whose lower case is ASCII
(``K``, the Kelvin sign, and ``İ``) are where the two differ: a text holding either holds every
needle.
"""
from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Iterable

FREQUENCY = {
    " ": 10.1, "e": 4.9, "t": 4.6, "r": 3.9, "s": 3.8, "0": 3.8, "i": 3.5, "o": 3.5, "/": 3.4, "a": 3.3,
    "n": 3.2, "p": 3.0, "_": 2.8, "d": 2.7, ".": 2.4, "l": 2.4, "1": 2.3, "\n": 2.2, "2": 2.1, "c": 2.1,
    "4": 2.0, "5": 1.9, "3": 1.9, "6": 1.9, "m": 1.9, "7": 1.8, "9": 1.8, "8": 1.8, "y": 1.7, "u": 1.4,
    "h": 1.3, '"': 1.1, "b": 1.1, "#": 1.0, "g": 0.95, ",": 0.94, "f": 0.76, "-": 0.67, ":": 0.53,
    "k": 0.51, "j": 0.50, "w": 0.34, "v": 0.25, "\\": 0.24, "=": 0.20, "(": 0.19, ")": 0.19, "{": 0.19,
    "}": 0.18, "z": 0.17, "x": 0.15, "[": 0.11, "]": 0.10, "$": 0.08, "'": 0.08, "*": 0.07, "`": 0.06,
    "q": 0.06,
}
"""Percent of the characters of source code and configuration, lower-cased (the Azure ML sample
repositories and the benchmark monorepo); a character not listed is rarer than any listed."""
_PASS = 0.5
_ATTEMPT = 60.0
"""The cost of an anchor: a pass over the text, and an attempt (~60 times a character's pass) at each
of its occurrences."""
_UNUSUAL = ("\u212a", "\u0130")


@dataclasses.dataclass(frozen=True, eq=False)
class _Anchor:
    char: str
    needles: tuple[str, ...]
    rests: tuple[str, ...]
    """Each needle as a pattern from the anchor on: what follows it, and a look behind at the whole."""
    pattern: re.Pattern[str]
    """The search for all of them (:func:`_pattern`)."""


@dataclasses.dataclass(frozen=True, eq=False)
class Needles:
    """A compiled set of needles, for :func:`find`."""

    all: frozenset[str]
    anchors: tuple[_Anchor, ...]


def _anchor_chars(needles: frozenset[str]) -> list[str]:
    """Characters that every needle holds one of, cheapest first (a greedy weighted set cover)."""
    chosen: list[str] = []
    left = set(needles)
    while left:
        best = min(sorted({char for needle in left for char in needle}), key=lambda char: _cost(char, left))
        chosen.append(best)
        left = {needle for needle in left if best not in needle}
    return chosen


def _cost(char: str, needles: set[str]) -> float:
    """What an anchor costs for each needle it would serve."""
    return (_PASS + FREQUENCY.get(char, 0.0) / 100 * _ATTEMPT) / sum(char in needle for needle in needles)


def compile_needles(vocabulary: Iterable[str]) -> Needles:
    needles = frozenset(vocabulary)
    if any(not needle or needle != needle.lower() or not needle.isascii() or needle != needle.strip()
           for needle in needles):
        raise ValueError("needles are non-empty lower-case ASCII without surrounding blanks")
    chars = _anchor_chars(needles)
    grouped: dict[str, list[tuple[str, str]]] = {}
    for needle in sorted(needles):
        at = min(range(len(needle)), key=lambda index: (chars.index(needle[index])
                                                         if needle[index] in chars else len(chars), index))
        rest = re.escape(needle[at + 1:]) + (f"(?<={re.escape(needle)})" if at else "")
        grouped.setdefault(needle[at], []).append((needle, rest))
    anchors = []
    for char in chars:
        members, rests = zip(*grouped[char])
        anchors.append(_Anchor(char, members, rests, _pattern(char, rests)))
    return Needles(needles, tuple(anchors))


def _pattern(char: str, rests: Iterable[str]) -> re.Pattern[str]:
    """The search from ``char`` for needles as :attr:`_Anchor.rests` gives them: an empty group at
    the end of each (an alternative that starts with a literal fails fast)."""
    return re.compile(re.escape(char) + "(?:" + "|".join(f"{rest}()" for rest in rests) + ")")


@functools.lru_cache(maxsize=4096)
def _remaining(anchor: _Anchor, left: frozenset[str]) -> tuple[tuple[str, ...], re.Pattern[str]]:
    """The needles ``left`` of ``anchor``, in its order, and the search for them."""
    kept = [(needle, rest) for needle, rest in zip(anchor.needles, anchor.rests) if needle in left]
    return tuple(needle for needle, _ in kept), _pattern(anchor.char, (rest for _, rest in kept))


def find(needles: Needles, text: str) -> frozenset[str]:
    """The needles in ``text``."""
    if _UNUSUAL[0] in text or _UNUSUAL[1] in text:
        return needles.all
    lowered = text.lower()
    found: list[str] = []
    for anchor in needles.anchors:
        if anchor.char not in lowered:
            continue
        match = anchor.pattern.search(lowered)
        if match is None:
            continue
        members = anchor.needles
        left = frozenset(members)
        while match is not None:
            assert match.lastindex is not None  # every alternative ends with a group
            needle = members[match.lastindex - 1]
            found.append(needle)
            left -= {needle}
            if not left:
                break
            members, pattern = _remaining(anchor, left)
            match = pattern.search(lowered, match.start())
    return frozenset(found)

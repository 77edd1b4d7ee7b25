"""The linear-time matcher against ``re`` itself, on the regexes the gitwildmatch translations write
and on the odd corners of Python's syntax they can contain."""
from __future__ import annotations

import re
import warnings

import pytest
from azure.ai.ml._utils._pathspec import GitWildMatchPattern as V2Pattern
from hypothesis import given, settings
from hypothesis import strategies as st
from pathspec.patterns.gitwildmatch import GitWildMatchPattern

from snapshot_guard.linear_regex import (
    LinearRegex,
    backtracks_badly,
    char_tests,
    literal_prefix,
    literal_text,
)

SEGMENTS = st.sampled_from(
    ["a", "*", "**", "a*", "*a*", "a*a*b", "?", "[ab]", "[!a]", "[^a]", "[]a]", "[!]]", "[a-c]",
    "[+-0]", "[z", "\\*", "\\[x]", "b.py", "*.py", "[[:digit:]]", "x\\ ", "", "\\\\", "$", "é"]
)
GLOBS = st.builds(
    lambda negate, lead, parts, trail: ("!" if negate else "") + ("/" if lead else "")
    + "/".join(parts) + ("/" if trail else ""),
    st.booleans(), st.booleans(), st.lists(SEGMENTS, min_size=1, max_size=4), st.booleans(),
)
TEXTS = st.lists(st.sampled_from(["a", "b", "aa", "ab", "x.py", "\n", "a\n", "]", "^", "/", "",
                                  "é", "*", "[", "\\", "0", "+", "$"]), max_size=8).map("".join)


def translated(glob: str) -> list[str]:
    """The regexes pathspec 0.12.1 and azure-ai-ml's copy write for ``glob`` (none if rejected)."""
    regexes = []
    for translate in (GitWildMatchPattern.pattern_to_regex, V2Pattern.pattern_to_regex):
        try:
            regex, _ = translate(glob)
        except ValueError:
            continue
        if regex is not None and compiles(regex):
            regexes.append(regex)
    return regexes


def compiles(regex: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            re.compile(regex)
    except re.error:
        return False
    return True


def assert_as_re(regexes: list[str], texts: list[str]) -> None:
    automaton = LinearRegex(regexes)
    for text in texts:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            expected = {index for index, regex in enumerate(regexes) if re.match(regex, text)}
        assert automaton.matched(text) == expected, (regexes, text)


@settings(max_examples=400, deadline=None)
@given(st.lists(GLOBS, min_size=1, max_size=4), st.lists(TEXTS, min_size=1, max_size=8))
def test_same_matches_as_re_on_translated_patterns(globs: list[str], texts: list[str]) -> None:
    regexes = [regex for glob in globs for regex in translated(glob)]
    assert_as_re(regexes, texts)
    assert_as_re([f"(?:{regex})\\Z" for regex in regexes], texts)


@pytest.mark.parametrize("regex", [
    "a$", "a\\Z", "^$", "$", "(?:a|b)*c", "a{2,3}b", "a{2}", "(a|)+b", "[]a-c^]x[^]]", "[\\d_]+",
    "[^\\s]", "\\w\\W", ".\\n", "(?:)*", "a??b", "a*?$", "(?:a$)?\\n", "[\\-]", "\\D\\S",
])
def test_same_matches_as_re_on_odd_syntax(regex: str) -> None:
    texts = ["", "a", "a\n", "a\n\n", "ab", "aab", "aaab", "b", "c", "abc", "]x\n", "dx]", "^x]",
             "_1", "\n", "x\n", " ", "-", "a1"]
    assert_as_re([regex], texts)


@pytest.mark.parametrize("regex", ["(?=a)", "(?<=a)b", "(a)\\1", "(?i)a", "(?>a)", "a*+", "\\b"])
def test_what_is_not_supported_is_refused(regex: str) -> None:
    with pytest.raises(ValueError):
        LinearRegex([regex])


def test_time_linear_where_re_backtracks() -> None:
    regex = "^(?:.+/)?" + "[^/]*a" * 8 + "[^/]*b(?:(?P<ps_d>/).*)?$"
    assert backtracks_badly(regex)
    assert not LinearRegex([regex]).matched("x/" + "a" * 5000)
    assert LinearRegex([regex]).matched("x/" + "a" * 5000 + "b/y") == {0}


@pytest.mark.parametrize(("regex", "risky"), [
    ("^(?:.+/)?data(?:(?P<ps_d>/).*)?$", False),   # a name: two repeats
    ("[^/]*\\.py", False),
    ("^(?:.+/)?[^/]*\\.py(?:(?P<ps_d>/).*)?$", True),  # three
    ("[^/]*a[^/]*b", False),
    ("[^/]*a[^/]*a[^/]*b", True),
    ("(?:a*)*", True),                                # a repeat in a repeat
    ("(?:x)?" * 9, True),                              # 2**9 ways
])
def test_which_regexes_backtrack_badly(regex: str, risky: bool) -> None:
    assert backtracks_badly(regex) == risky


def test_character_tests_and_literals() -> None:
    tests = char_tests("a[^/]*\\.[pq]")
    assert tests is not None and [test("/") for test in tests] == [False, False, False, False]
    assert [test("q") for test in tests] == [False, True, False, True]
    assert char_tests("ab|cd") is None and char_tests("a$") is None and char_tests("(a)") is None
    assert literal_text("a\\.b[ ]") == "a.b " and literal_text("a*") is None
    assert literal_prefix("run_[^/]*\\.tmp") == "run_" and literal_prefix("ab*") == "a"
    assert literal_prefix("ab|ac") == "a" and literal_prefix("(?:.+/)?x") == ""

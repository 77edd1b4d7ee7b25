"""The ignore module against pathspec itself and azure-ai-ml's copy of it, pattern by pattern."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pathspec
import pytest
from azure.ai.ml._utils._pathspec import GitWildMatchPattern as V2Pattern
from azure.ai.ml._utils._pathspec import normalize_file
from hypothesis import given, settings
from hypothesis import strategies as st

from snapshot_guard.errors import SDKS, SnapshotInputError
from snapshot_guard.ignore import (
    V2_EXTRA_PATTERNS,
    IgnoreSpec,
    _Matcher,
    compile_rules,
    decode_lines,
    governing_name,
    ignore_line,
    load_ignore,
    pattern_matcher,
    spec_from_lines,
    unread_gitignore,
    v1_pruned_folder,
)

NAMES = st.sampled_from(
    ["data", "src", "a", "b.py", "x.csv", "README.md", ".git", "__pycache__", "out put", "[x]",
     "a!b", "#c", "ab", "bb", "^y", "xy", "..", "Thumbs.db", "model.pt", "d-e", "q\\r", "n\nl",
     "x\n", "\n", "aab", "a*a", " ", "ab "]
)
PATHS = st.lists(NAMES, min_size=1, max_size=4).map("/".join)
GLOB_PARTS = st.sampled_from(
    ["data", "*", "**", "*.py", "?", "[ab]", "[^x]y", "[!a]b", "a*", "src", ".git", "x.csv",
     "[Tt]humbs.db", "\\#c", "out put", "[z", "b.py", "__pycache__", "*.[cp]*", "[[:digit:]]",
     "a*a*b", "[+-0]", "*[!x]*", "", "\\[x]", "*b", "x*", "a?"]
)
LINES = st.builds(
    lambda neg, lead, parts, trail, space: (
        ("!" if neg else "") + ("/" if lead else "") + "/".join(parts) + ("/" if trail else "") + space
    ),
    st.booleans(), st.booleans(), st.lists(GLOB_PARTS, min_size=1, max_size=3), st.booleans(),
    st.sampled_from(["", " ", "  "]),
) | st.sampled_from(["# comment", "", "   ", "!", "/", "*", "**", "/**/", "!*/", "!README.md",
                   "**/data/*.py", "src/**/*.csv", "!src/**/x.csv", "data/**", "/a/*", "**/a/b/",
                   "//a", "a//b", "**/a/**/b", "a/**/*.py", "[!x]/b", "*/", "**/*", "/*"])


def v1_verdict(lines: list[str], path: str) -> bool:
    return bool(pathspec.PathSpec.from_lines("gitwildmatch", [line + "\n" for line in lines])
                .match_file(path))


def v2_verdict(lines: list[str], path: str) -> bool:
    """azure-ai-ml's ComponentIgnoreFile: the file's lines, then its own ``__pycache__``."""
    matched = False
    for pattern in [V2Pattern(line.rstrip()) for line in [*lines, "__pycache__"]]:
        if pattern.include is not None and pattern.match_file(normalize_file(path)) is not None:
            matched = pattern.include
    return matched


def ours(lines: list[str], sdk: str, path: str) -> bool:
    return judged(lines, sdk, [path])[0]


def judged(lines: list[str], sdk: str, paths: list[str]) -> list[bool]:
    """Every path by one spec, whose caches then serve the later paths, and each by a fresh one."""
    data = "".join(line + "\n" for line in lines).encode()
    lines_read = decode_lines(data, "/r/.amlignore", sdk)  # type: ignore[arg-type]
    spec = spec_from_lines(lines_read, sdk, "/r/.amlignore")  # type: ignore[arg-type]
    verdicts = [spec.excludes(path) for path in paths]
    for path, verdict in zip(paths, verdicts):
        rule = spec.decide(path)
        assert verdict == (rule is not None and rule.excludes), "explain and verdict differ"
        fresh = spec_from_lines(lines_read, sdk, "/r/.amlignore")  # type: ignore[arg-type]
        assert fresh.excludes(path) == verdict, "the caches changed a verdict"
    return verdicts


def oracle_or_error(verdict: object, lines: list[str], path: str) -> bool | None:
    try:
        return verdict(lines, path)  # type: ignore[operator, no-any-return]
    except (ValueError, Exception):
        return None


def assert_same_verdicts(lines: list[str], paths: list[str]) -> None:
    for sdk, verdict in (("v1", v1_verdict), ("v2", v2_verdict)):
        expected = [oracle_or_error(verdict, lines, path) for path in paths]
        if None in expected:
            with pytest.raises(SnapshotInputError):
                ours(lines, sdk, paths[0])
            continue
        assert judged(lines, sdk, paths) == expected, (sdk, lines, paths)


@settings(max_examples=600, deadline=None)
@given(st.lists(LINES, max_size=6), st.lists(PATHS, min_size=1, max_size=12))
def test_same_verdict_as_pathspec_and_azure_ai_ml(lines: list[str], paths: list[str]) -> None:
    assert_same_verdicts(lines, paths)


@settings(max_examples=100, deadline=None)
@given(st.lists(LINES, min_size=8, max_size=50), st.lists(PATHS, min_size=1, max_size=25))
def test_same_verdict_with_many_rules(lines: list[str], paths: list[str]) -> None:
    """Many rules: shared names, folders and regexes, duplicates, negations in between."""
    assert_same_verdicts(lines, paths)


# --- a folder's names at once, under few and many rules -------------------------------------------

STARTED_PARTS = st.sampled_from(["da[!x]a", "a[!x]", "s[!x]c", "b.p[!x]", "x[!b]*", "x[!y]csv", "ab[!x]",
                                 "__p[!x]cache__", "*[!x]", "a[!x]a", "a*a*[!x]", "*a*a*b"])
"""Segments whose regex can match a slash ([!x]) and so is tested on the whole path, most of them
after text of a name: such rules are grouped by the start of their folder or name. The last two
may backtrack badly (they are run by ``LinearRegex``)."""
FOLDER_LINES = LINES | st.builds(
    lambda neg, folders, part, trail: ("!" if neg else "") + "/" + "/".join([*folders, part])
    + ("/" if trail else ""),
    st.booleans(), st.lists(st.sampled_from(["data", "src", "a", "*", "**", "a?"]), max_size=2),
    STARTED_PARTS, st.booleans(),
)


def cut_line(path: str, cut: int, end: int) -> str:
    """An anchored line of ``path[:end]`` with ``[!x]`` (a set that can match a slash) for its
    character at ``cut``: it matches the path's folders and names where the walk meets them."""
    chars = ["\\" + char if char in "[]*?!#\\" else char for char in path[:end]]
    chars[cut] = "[!x]"
    return "/" + "".join(chars)


def walk(paths: list[str]) -> dict[str, list[str]]:
    """Each folder of ``paths`` (the folders above them too) with the names in it, as a walk lists
    them."""
    listing: dict[str, set[str]] = {"": set()}
    for path in paths:
        parts = path.split("/")
        for depth in range(1, len(parts) + 1):
            listing.setdefault("/".join(parts[:depth - 1]), set()).add(parts[depth - 1])
    return {folder: sorted(names) for folder, names in listing.items()}


@settings(max_examples=400, deadline=None)
@given(st.lists(FOLDER_LINES, max_size=30), st.lists(PATHS, min_size=1, max_size=30),
       st.sampled_from([0, 1, 3, 100]), st.data())
def test_a_folder_judged_at_once_as_the_sdks_judge_its_paths(lines: list[str], paths: list[str],
                                                            few: int, data: st.DataObject) -> None:
    """``exclusions_in`` of every folder of a tree, then again in the other order (the caches of the
    first walk serving the second), with name and folder parts as one regex up to ``few`` of them
    and as dictionaries and groups above: each verdict is pathspec's (v1) or azure-ai-ml's (v2), and
    the rules that match are those whose regex matches. Some lines are cut from the paths."""
    for path in data.draw(st.lists(st.sampled_from([path for path in paths if "\n" not in path]
                                                   or ["a"]), max_size=4)):
        cut = data.draw(st.integers(0, len(path) - 1))
        lines.insert(data.draw(st.integers(0, len(lines))),
                     cut_line(path, cut, data.draw(st.integers(cut + 1, len(path)))))
    assert_folders_judged(lines, paths, few)


@pytest.mark.parametrize("few", [0, 100])
@pytest.mark.parametrize("lines", [["*a*a*b"], ["/data/*a*a*b"], ["*a*a*b/"], ["/a*a*a*[!x]"],
                                   ["data/a*a*a*[!x]"], ["!*a*a*b", "*", "!data/*a*a*b/"]])
def test_rules_that_backtrack_badly_alone_in_their_group(lines: list[str], few: int) -> None:
    """Only rules ``LinearRegex`` runs, with no ``re`` regex beside them."""
    assert_folders_judged(lines, ["aab", "aaab/x", "data/aab", "data/aaab/aab", "data/x/aaab"], few)


def assert_folders_judged(lines: list[str], paths: list[str], few: int) -> None:
    listing = walk(paths)
    data = "".join(line + "\n" for line in lines).encode()
    for sdk in SDKS:
        verdict = v1_verdict if sdk == "v1" else v2_verdict
        expected = {folder: [oracle_or_error(verdict, lines, f"{folder}/{name}".lstrip("/"))
                             for name in names] for folder, names in listing.items()}
        try:
            rules = compile_rules(decode_lines(data, "/r/.amlignore", sdk), sdk, "/r/.amlignore")
        except SnapshotInputError:
            assert any(None in verdicts for verdicts in expected.values()), (sdk, lines)
            continue
        if sdk == "v2":
            rules += compile_rules(V2_EXTRA_PATTERNS, sdk, "azure-ai-ml", first_line=0)
        spec = IgnoreSpec("/r/.amlignore", rules, sdk, _matcher=_Matcher(rules, few))
        for folders in (list(listing), list(reversed(listing))):
            assert {folder: spec.exclusions_in(folder, listing[folder]) for folder in folders} \
                == expected, (sdk, lines, few)
        every = [f"{folder}/{name}".lstrip("/") for folder, names in listing.items() for name in names]
        assert spec.matching_rules(every) == {rule for rule in rules for path in every
                                              if re.match(rule.regex, path)}, (sdk, lines, few)


@pytest.mark.parametrize(
    ("lines", "path", "v1", "v2"),
    [
        (["\ufeffdata"], "data/x", False, True),     # v1 keeps the byte-order mark on the first line
        (["[^x]y"], "ay", True, False),              # v2's copy reads ^ literally
        (["[^x]y"], "^y", True, True),
        (["  data"], "data", True, True),            # both strip leading spaces (git does not)
        (["data/", "!data/keep.csv"], "data/keep.csv", False, False),
        (["*", "!*/"], "sub/x.py", False, False),    # !*/ re-includes every file in a folder
        (["/**/"], "a/b", False, False),
        (["**"], "x", True, True),
        (["**/fixtures/*.json"], "a/fixtures/x.json", True, True),
        (["**/fixtures/*.json"], "a/fixtures/b/x.json", False, False),
        (["notebooks/**/*.ipynb", "!notebooks/t/*.ipynb"], "notebooks/t/a.ipynb", False, False),
        (["notebooks/**/*.ipynb", "!notebooks/t/*.ipynb"], "notebooks/t/u/a.ipynb", True, True),
        (["/scratch"], "scratch", True, True),
        (["/scratch"], "a/scratch", False, False),
        (["third_party/**/tests/"], "third_party/x/tests/t.py", True, True),
        (["data/", "!data/schema/"], "data/schema/s.json", False, False),
    ],
)
def test_documented_edge_cases(lines: list[str], path: str, v1: bool, v2: bool) -> None:
    if not lines[0].startswith("\ufeff"):  # the oracles take lines already decoded
        assert (v1_verdict(lines, path), v2_verdict(lines, path)) == (v1, v2), "the SDKs disagree"
    assert ours(lines, "v1", path) == v1
    assert ours(lines, "v2", path) == v2


@pytest.mark.parametrize("line", ["!", "[z-a]", "foo\\"])
def test_lines_the_sdks_reject(line: str) -> None:
    for sdk in ("v1", "v2"):
        with pytest.raises(SnapshotInputError, match=r"/r/\.amlignore:1: pattern .* is rejected"):
            spec_from_lines([line + "\n"], sdk, "/r/.amlignore")


def test_escaped_trailing_space_works_only_on_a_v1_last_line() -> None:
    assert spec_from_lines(["foo\\ "], "v1", "/r/.amlignore").excludes("foo ")
    with pytest.raises(SnapshotInputError):
        spec_from_lines(["foo\\ \n"], "v1", "/r/.amlignore")
    with pytest.raises(SnapshotInputError):
        spec_from_lines(["foo\\ "], "v2", "/r/.amlignore")


def test_which_file_governs(tmp_path: Path) -> None:
    assert load_ignore(str(tmp_path), "v1").path is None
    (tmp_path / ".gitignore").write_text("*.csv\n")
    assert load_ignore(str(tmp_path), "v1").excludes("a.csv")
    (tmp_path / ".amlignore").write_text("*.parquet\n")
    spec = load_ignore(str(tmp_path), "v1")
    assert not spec.excludes("a.csv") and spec.excludes("a.parquet")
    assert spec.unused_gitignore == str(tmp_path / ".gitignore")


def test_line_ends_and_encodings(tmp_path: Path) -> None:
    (tmp_path / ".amlignore").write_bytes(b"a\rb\r\nc\n")
    spec = load_ignore(str(tmp_path), "v1")
    assert [rule.pattern for rule in spec.rules] == ["a", "b", "c"]
    (tmp_path / ".amlignore").write_bytes(b"caf\xe9\n")
    for sdk in ("v1", "v2"):
        with pytest.raises(SnapshotInputError, match="does not decode"):
            load_ignore(str(tmp_path), sdk)
    (tmp_path / ".amlignore").unlink()
    (tmp_path / ".amlignore").mkdir()
    with pytest.raises(SnapshotInputError, match="is a folder"):
        load_ignore(str(tmp_path), "v1")


def test_explain_names_line_and_pattern() -> None:
    spec = spec_from_lines(["# data\n", "data/\n", "!data/keep.csv\n"], "v1", "/r/.amlignore")
    rule = spec.decide("data/keep.csv")
    assert rule is not None and (rule.line, rule.pattern, rule.excludes) == (3, "!data/keep.csv", False)


# --- bounded time ---------------------------------------------------------------------------------

PATHOLOGICAL = r"""
from snapshot_guard.ignore import spec_from_lines
star = "a*" * 8 + "b"
many = "a" * 120
for sdk in ("v1", "v2"):
    for line in (star, "/" + star, "**/" + star + "/*.py", star + "/**/x", "x/" + star + "[!/]"):
        spec = spec_from_lines([line + "\n"], sdk, "/r/.amlignore")
        print(sdk, line, spec.exclusions([many, "x/" + many, many + "\n", many + "/y.py", "x/" + many + "b"]))
"""


def test_a_pattern_that_backtracks_for_ages_is_judged() -> None:
    """Issue 10: ``a*a*a*a*a*a*a*a*b`` against 120 ``a``. ``re`` (and so each SDK) would try some
    10**11 splits; the matcher must end, and quickly (the timeout is only a guard)."""
    done = subprocess.run([sys.executable, "-c", PATHOLOGICAL], capture_output=True, text=True,
                          timeout=60, check=True)
    verdicts = [line.split(" ", 2)[2] for line in done.stdout.splitlines()]
    assert verdicts == [
        "[False, False, False, False, True]",   # the name: only "...b" ends in b
        "[False, False, False, False, False]",  # at the root only
        "[False, False, False, False, False]",  # a folder that ends in b
        "[False, False, False, False, False]",
        "[False, False, False, False, False]",
    ] * 2


# --- which file, what is pruned, the lines we write, the allow-lists -----------------------------


@pytest.mark.parametrize(("names", "governing", "unread"), [
    ((), None, None),
    ((".gitignore",), ".gitignore", None),
    ((".amlignore",), ".amlignore", None),
    ((".amlignore", ".gitignore"), ".amlignore", ".gitignore"),
])
def test_governing_name(names: tuple[str, ...], governing: str | None, unread: str | None) -> None:
    assert governing_name(names.__contains__) == governing
    assert unread_gitignore(names.__contains__) == unread


@pytest.mark.parametrize(("lines", "path", "pruned"), [
    (["data"], "data/x.csv", ("data", "data")),
    (["data/"], "data/x.csv", None),                  # tested as "data": not matched
    (["*", "!*/", "!*.py"], "pkg/a.py", ("pkg", "*")),
    (["a/b", "!a/b/c"], "a/b/c/d", ("a/b", "a/b")),   # the walk never meets a/b/c
    (["a", "!a/b"], "a/b/c", ("a", "a")),             # a negation below cannot re-include
    (["*.py"], "x.py", None),                         # a file itself is not a folder above
])
def test_v1_pruned_folder(lines: list[str], path: str, pruned: tuple[str, str] | None) -> None:
    spec = spec_from_lines([line + "\n" for line in lines], "v1", "/r/.amlignore")
    found = v1_pruned_folder(spec, path)
    assert (found and (found[0], found[1].pattern)) == pruned


ODD_NAMES = st.text(alphabet="ab []*?!#\\\t.é\x0b\xa0-^", min_size=1, max_size=5).filter(
    lambda name: name not in (".", ".."))
ODD_PATHS = st.lists(ODD_NAMES, min_size=1, max_size=3).map("/".join)


def near_misses(relpath: str) -> list[str]:
    """Paths a careless line would also match."""
    parent, _, name = relpath.rpartition("/")
    join = (parent + "/") if parent else ""
    return [relpath + "x", relpath + " ", join + "x" + name, join + name.strip() or "x", parent or "y",
            join + name.replace("[", "x").replace("*", "x").replace("?", "x").replace(" ", "x"),
            relpath + "/below", "top/" + relpath]


@settings(max_examples=300, deadline=None)
@given(ODD_PATHS, st.booleans(), st.lists(ODD_PATHS, max_size=5))
def test_ignore_line_excludes_exactly_that_path(relpath: str, folder: bool, others: list[str]) -> None:
    line = ignore_line(relpath, folder=folder)
    assert line is not None and line.startswith("/")
    for other in [relpath, *near_misses(relpath), *others]:
        expected = other.startswith(relpath + "/") or (other == relpath and not folder)
        assert v1_verdict([line], other) == expected, (line, other)
        assert v2_verdict([line], other) == expected, (line, other)
        for sdk in ("v1", "v2"):
            assert ours([line], sdk, other) == expected, (sdk, line, other)


@pytest.mark.parametrize(("relpath", "folder", "line"), [
    ("conf/a[1].env", False, "/conf/a\\[1\\].env"),
    ("data", True, "/data/"),
    ("!x/#y/*?\\", False, "/\\!x/\\#y/\\*\\?\\\\"),
    ("notes ", False, "/notes[ ]"),
    ("tab\t", False, "/tab[\t]"),
    ("odd /folder ", True, "/odd /folder /"),
])
def test_ignore_line_examples(relpath: str, folder: bool, line: str) -> None:
    assert ignore_line(relpath, folder=folder) == line


@pytest.mark.parametrize("relpath", ["a\nb", "a\rb", "caf\udce9", "", "a//b", "/a", "a/"])
def test_no_ignore_line_for_what_a_line_cannot_say(relpath: str) -> None:
    assert ignore_line(relpath) is None


@settings(max_examples=200, deadline=None)
@given(st.lists(LINES, max_size=5), st.lists(PATHS, min_size=1, max_size=8))
def test_pattern_matcher_is_pathspec(patterns: list[str], paths: list[str]) -> None:
    try:
        expected = [pathspec.PathSpec.from_lines("gitwildmatch", patterns).match_file(path)
                    for path in paths]
    except Exception:
        with pytest.raises(SnapshotInputError, match=r"^--allow: pattern .* is not a valid"):
            pattern_matcher(patterns, "--allow")
        return
    matches = pattern_matcher(patterns, "--allow")
    assert [matches(path) for path in paths] == expected


@settings(max_examples=300, deadline=None)
@given(st.lists(LINES, max_size=10), st.lists(PATHS, min_size=1, max_size=10))
def test_matching_rules_are_those_whose_regex_matches(lines: list[str], paths: list[str]) -> None:
    for sdk in SDKS:
        try:
            spec = spec_from_lines([line + "\n" for line in lines], sdk, "/r/.amlignore")
        except SnapshotInputError:
            continue
        expected = {rule for rule in spec.rules for path in paths if re.match(rule.regex, path)}
        assert spec.matching_rules(paths) == expected, (sdk, lines, paths)


def test_the_same_lines_are_built_once_per_sdk() -> None:
    lines = ["*.csv\n", "!keep.csv\n", "/data/part_1.bin\n"]
    first, again = (spec_from_lines(lines, "v1", path) for path in ("/r/.amlignore", "/s/.amlignore"))
    assert first.rules is again.rules and first.path != again.path
    assert spec_from_lines(lines, "v2", "/r/.amlignore").rules is not first.rules
    with pytest.raises(SnapshotInputError, match=r"^/t/\.amlignore:2:"):  # errors name each file
        spec_from_lines(["a\n", "[z-a]\n"], "v1", "/t/.amlignore")

"""The needle prefilter of the sensitive-files detector: it skips only what no rule could fire on.

Every rule and every reader names literals (needles) that any text it can find something in holds;
the detector runs a rule or a reader only where the text holds one of its needles, and reads a file
no further when it holds none. These tests check each such promise against the patterns themselves,
the needle search against a plain ``in``, and the whole detector with and without the prefilter, on
the labelled corpus and on texts made of the pieces rules look for.
"""

from __future__ import annotations

import base64
import io
import random
import re
import string
import sys
from collections.abc import Callable, Iterator

import pytest
from conftest import CHECKOUT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from snapshot_guard import sensitive
from snapshot_guard.sensitive import config, formats, named, needles

sys.path.insert(0, str(CHECKOUT / "benchmarks"))
import sensitive_corpus as corpus

ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
"""Lower case that never makes a letter out of another character: what a needle in a match must
survive (the search lower-cases with ``str.lower``, which also does this)."""


def holds_one(text: str, wanted: tuple[str, ...] | frozenset[str]) -> bool:
    return any(needle in text for needle in wanted)


# --- each promise, from the patterns ----------------------------------------------------------------


@pytest.mark.parametrize("rule", formats.RULES, ids=lambda rule: rule.id)
@given(data=st.data())
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_every_match_of_a_format_holds_one_of_its_needles(rule: formats.Rule, data: st.DataObject) -> None:
    """A folded rule matches the lower-cased text; the others match the text, whose lower case the
    needles are searched in."""
    matched = data.draw(st.from_regex(rule.pattern, fullmatch=True))
    assert holds_one(matched if rule.folded else matched.translate(ASCII_LOWER), rule.needles)


@pytest.mark.parametrize(
    ("pattern", "wanted"),
    [
        (named._NAMED_LITERAL, named.NAMED_LITERAL_NEEDLES),  # over the lower-cased text
        (named._CANDIDATE, named.CANDIDATE_NEEDLES),
        *((pattern, named.NAME_NEEDLES) for pattern, _ in named._KIND_OF_NAME),  # over a name's snake case
    ],
    ids=lambda value: value.pattern[:24] if isinstance(value, re.Pattern) else "",
)
@given(data=st.data())
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_every_match_of_a_named_rule_holds_one_of_its_needles(
    pattern: re.Pattern[str], wanted: tuple[str, ...], data: st.DataObject
) -> None:
    assert holds_one(data.draw(st.from_regex(pattern, fullmatch=True)), wanted)


def test_the_call_needles_are_the_calls_lower_cased() -> None:
    calls = set(named._CREDENTIAL_ARGUMENTS)
    assert set(named.CALL_NEEDLES) == {call.lower() for call in calls}
    assert {marker[:-1] for marker in named._CALL_MARKERS} <= set(named.CANDIDATE_NEEDLES)


NAME_PIECES = st.sampled_from(
    [
        "pass",
        "Pass",
        "PASS",
        "word",
        "wd",
        "pw",
        "Pw",
        "secret",
        "Secret",
        "token",
        "Token",
        "key",
        "Key",
        "KEY",
        "api",
        "Api",
        "access",
        "account",
        "sas",
        "SAS",
        "pat",
        "PAT",
        "personal",
        "conn",
        "Conn",
        "str",
        "string",
        "credential",
        "Credentials",
        "bearer",
        "client",
        "aws",
        "github",
        "gh",
        "hf",
        "azure",
        "storage",
        "_",
        "-",
        ".",
        "x",
        "name",
        "id",
        "1",
        "Ocp",
        "Apim",
        "Subscription",
        "system",
        "AccessToken",
        "ado",
    ]
)


@given(st.lists(NAME_PIECES, min_size=1, max_size=6).map("".join))
@settings(max_examples=400)
def test_a_credential_name_holds_a_name_needle(name: str) -> None:
    if named.credential_kind(name) is not None:
        assert holds_one(name.lower(), named.NAME_NEEDLES), name


def test_each_reader_needs_no_more_than_the_detector_looks_for() -> None:
    wanted = {
        *formats.NEEDLES.all,
        *named.CANDIDATE_NEEDLES,
        *named.CALL_NEEDLES,
        *named.NAME_NEEDLES,
        *named.NAMED_LITERAL_NEEDLES,
        *config.YAML_NEEDLES,
        *config.JSON_NEEDLES,
        *config.SETTINGS_NEEDLES,
        '"auths"',
    }
    assert sensitive.NEEDLES.all == wanted


# --- the search, against a plain ``in`` --------------------------------------------------------------

VOCABULARY = sorted(sensitive.NEEDLES.all)
PIECES = st.one_of(
    st.sampled_from(VOCABULARY),
    st.sampled_from(VOCABULARY).map(str.upper),
    st.sampled_from(VOCABULARY).map(lambda needle: needle[: len(needle) // 2 + 1]),
    st.sampled_from(VOCABULARY).map(lambda needle: needle[len(needle) // 2 :]),
    st.text(alphabet=string.ascii_letters + string.digits + "-_=:/.\"'\\ ~+>\n", max_size=6),
    st.text(max_size=3),
)


@given(st.lists(PIECES, max_size=30).map("".join))
@settings(max_examples=500, deadline=None)
def test_the_search_finds_exactly_the_needles_a_plain_in_finds(text: str) -> None:
    found = needles.find(sensitive.NEEDLES, text)
    if "\u212a" in text or "\u0130" in text:
        assert found == sensitive.NEEDLES.all
    else:
        assert found == {needle for needle in VOCABULARY if needle in text.lower()}


def test_a_needle_is_found_inside_another_and_wherever_it_recurs() -> None:
    vocabulary = needles.compile_needles(["pass", "password", "passwd", "key", "apikey", "==", "sig="])
    text = "x = a == b\n" * 50 + "PASSWORD: sig==1 ApiKey"
    assert needles.find(vocabulary, text) == {"pass", "password", "key", "apikey", "==", "sig="}


@pytest.mark.parametrize("unusual", ["\u212a", "\u0130"])
def test_a_character_whose_lower_case_is_ascii_holds_every_needle(unusual: str) -> None:
    """``str.lower`` makes the Kelvin sign a ``k``: ``\u212aEY`` is a ``key`` to ``credential_kind``."""
    assert needles.find(sensitive.NEEDLES, f"{unusual}EY = 1") == sensitive.NEEDLES.all
    secret = "Zq8" + corpus.Values(random.Random(4)).password()
    text = f'\u212aEY = "{secret}"\n'
    assert scan_both("settings.py", text.encode())[0] == scan_both("settings.py", text.encode())[1]


def test_needles_are_lower_case_ascii() -> None:
    for bad in (["Key"], ["k\u00e9y"], [" key"], [""]):
        with pytest.raises(ValueError):
            needles.compile_needles(bad)


# --- the whole detector, with and without the prefilter -------------------------------------------------


def unfiltered(scan: Callable[[], list[sensitive.Detection]]) -> list[sensitive.Detection]:
    """``scan`` with every needle reported present: every rule and reader runs."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(needles, "find", lambda vocabulary, text: vocabulary.all)
        return scan()


def scan_both(relpath: str, data: bytes) -> tuple[list[sensitive.Detection], list[sensitive.Detection]]:
    def scan() -> list[sensitive.Detection]:
        return sensitive.scan_content(lambda: io.BytesIO(data), relpath, len(data))

    return scan(), unfiltered(scan)


def corpus_files() -> Iterator[tuple[str, bytes]]:
    for seed in (3, 11):
        for part in corpus.PARTS:
            found, clean = corpus.cases(corpus.Values(random.Random(seed)), part)
            for relpath, _, content in found + clean:
                if isinstance(content, (str, bytes)):  # not the large sparse data files
                    yield relpath, content.encode() if isinstance(content, str) else content


CORPUS = list(corpus_files())


def test_the_prefilter_changes_nothing_on_the_corpus() -> None:
    kinds_found = set()
    for relpath, data in CORPUS:
        filtered, everything = scan_both(relpath, data)
        assert filtered == everything, relpath
        kinds_found |= {detection.kind for detection in filtered}
    assert len(kinds_found) >= 25  # the comparison saw the rules fire, notebooks and YAML included
    assert {
        "datastore-credentials",
        "azure-client-secret",
        "personal-data",
        "registry-password",
    } <= kinds_found


TEXTS = [(relpath, data.decode("utf-8", "replace")) for relpath, data in CORPUS if b"\0" not in data[:4096]]


@given(
    picks=st.lists(st.sampled_from(TEXTS), min_size=1, max_size=5),
    cut=st.integers(min_value=0, max_value=400),
)
@settings(max_examples=80, deadline=None)
def test_the_prefilter_changes_nothing_on_mixed_texts(picks: list[tuple[str, str]], cut: int) -> None:
    mixed = "".join(
        text[cut % (len(text) or 1) :] if index else text for index, (_, text) in enumerate(picks)
    )
    assert sensitive.scan_text(mixed) == unfiltered(lambda: sensitive.scan_text(mixed))
    filtered, everything = scan_both(picks[0][0], mixed.encode())
    assert filtered == everything


def kubernetes_secret_data() -> str:
    """A base64 connection string with a storage key, none of whose needles its base64 shows."""
    for seed in range(100):
        key = corpus.Values(random.Random(seed)).storage_key()
        encoded = base64.b64encode(
            f"AccountName=abc;AccountKey={key};EndpointSuffix=core.windows.net".encode()
        )
        if not needles.find(sensitive.NEEDLES, encoded.decode()):
            return encoded.decode()
    raise AssertionError("no seed gives base64 without needles")


@pytest.mark.parametrize(
    ("relpath", "text", "reader"),
    [
        (
            "settings.json",
            '[{"name": "DB_\\u0050ASSWORD", "value": "Xk9#mP2vL8qR4wZ7"}]\n',
            config.JSON_NEEDLES,
        ),
        (
            "settings.json",
            '{"auth\\u0073": {"registry.io": {"auth": "dXNlcjpYazkjbVAydkw4cVI0d1o3"}}}\n',
            config.JSON_NEEDLES,
        ),
        ("conf.yaml", 'db:\n  "\\x70assword": "Xk9#mP2vL8qR4wZ7"\n', config.YAML_NEEDLES),
        (
            "conf.yaml",
            f'kind: "S\\x65cret"\ndata:\n  blob: {kubernetes_secret_data()}\n',
            config.YAML_NEEDLES,
        ),
        (".pgpass", "db.example.org:5432:app:app:Xk9#mP2vL8qR4wZ7\n", config.SETTINGS_NEEDLES),
        (".npmrc", "_auth = dXNlcjpYazkjbVAydkw4cVI0d1o3\n", named.NAME_NEEDLES),
        (
            "docker-login",
            '{"auths": {"r.io": {"auth": "dXNlcjpYazkjbVAydkw4cVI0d1o3"}}}\n',
            named.NAME_NEEDLES,
        ),
    ],
)
def test_what_escapes_and_layouts_hide_from_the_needles_is_still_read(
    relpath: str, text: str, reader: tuple[str, ...]
) -> None:
    """A JSON or YAML escape can spell a name with none of its reader's needles; a ``.pgpass`` line
        names no password at all, an ``.npmrc`` line only ``_auth``, a docker configuration (under any
    name) only ``auths``."""
    assert needles.find(sensitive.NEEDLES, text).isdisjoint(set(reader) - {"\\"})
    filtered, everything = scan_both(relpath, text.encode())
    assert filtered and filtered == everything


RELPATHS = st.sampled_from(
    [
        "app.py",
        "app.js",
        "run.sh",
        "Dockerfile",
        "conf.yaml",
        "kube/config",
        "values",
        "settings.json",
        "config.json",
        ".env",
        "app.ini",
        ".pgpass",
        ".npmrc",
        ".netrc",
        "notes.md",
        "people.csv",
        "run.log",
        "main.tf",
        "App.cs",
        "job.ipynb",
    ]
)
NAMES = st.sampled_from(
    [
        "password",
        "DB_PASSWORD",
        "apiKey",
        "client_secret",
        "AccountKey",
        "token",
        "auth",
        "ADO_PAT",
        "conn_str",
        "x",
        "name",
        "STORAGE_KEY",
        "db.pwd",
        "\\u0070assword",
        "p\\x61ss",
    ]
)
SEPARATORS = st.sampled_from([" = ", "=", ": ", ":", " <- ", "\t", " ", ", ", "=>"])
QUOTES = st.sampled_from(['"', "'", "", "`"])
VALUES = st.sampled_from(
    [
        "Xk9#mP2vL8qR4wZ7",
        "Summer2024!",
        "abc123",
        "hunter22",
        "${{ secrets.X }}",
        "os.environ['K']",
        "c2VjcmV0OlBhc3N3b3JkMTIzIQ==",
        "QWxhZGRpbjpvcGVuIHNlc2FtZQ==",
        "Zm9vOlhrOSNtUDJ2TDhxUjR3Wjc=",
        "Q7x8Q~aB3dE5fG7hJ9kL1mN3pQ5rS7tV9wX1yZ3",
    ]
)
LINES = st.tuples(
    st.sampled_from(["", "  ", "- ", "export ", "%env ", "ENV ", "--"]), NAMES, SEPARATORS, QUOTES, VALUES
).map(lambda parts: f"{parts[0]}{parts[1]}{parts[2]}{parts[3]}{parts[4]}{parts[3]}\n")
TEXT_PIECES = st.one_of(
    LINES,
    LINES,
    LINES,
    st.sampled_from(VOCABULARY),
    st.sampled_from(
        [
            "auths",
            "kind: Secret\n",
            "data:\n",
            "stringData:\n",
            "- name: ",
            "  value: ",
            "\n",
            '"',
            "'",
            ",",
            "(",
            ")",
            "{",
            "}",
            "[",
            "]",
            "\\",
            "AzureKeyCredential(",
            "SpeechConfig(subscription=",
            "ServicePrincipalAuthentication(",
            "https://user:",
            "@host/db",
            "Password=",
            ";",
            "--password ",
            "-p ",
            "<password>",
            "</password>",
            "sig=",
            "sv=2021-08-06&",
            '{"auths": {"r": ',
            '{"auth": "',
            '"}}}',
        ]
    ),
    VALUES,
    st.text(alphabet=string.ascii_letters + string.digits + "+/=_-", min_size=1, max_size=40),
)


@given(relpath=RELPATHS, pieces=st.lists(TEXT_PIECES, min_size=1, max_size=40))
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_the_prefilter_changes_nothing_on_texts_made_of_what_rules_look_for(
    relpath: str, pieces: list[str]
) -> None:
    text = "".join(pieces)
    filtered, everything = scan_both(relpath, text.encode())
    assert filtered == everything

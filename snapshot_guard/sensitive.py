"""What makes a file unfit for a snapshot: credentials (by content or by name), workspace
configuration, and data that belongs on a datastore. Pure functions over one file; no git.

A file is judged by its name and size first, then by its first bytes (data and binary formats are
recognised by their magic numbers and never read as text), and only then read as text, in chunks and
up to a byte cap, decoded as UTF-8 or UTF-16 (with or without a byte-order mark). Notebooks are
decoded from JSON first so that secrets in cell sources and saved outputs are matched as the user
sees them, even when Jupyter split them over several JSON strings; YAML scalars are matched as
parsed too, so folded and quoted multi-line values count.
"""
from __future__ import annotations

import codecs
import dataclasses
import hashlib
import json
import math
import posixpath
import re
import string
import struct
from collections.abc import Callable, Iterable, Iterator
from typing import BinaryIO, Literal

import yaml

from snapshot_guard.sizes import format_size

Category = Literal["credential", "data", "config"]

DEFAULT_DATA_THRESHOLD = 1024 * 1024
"""Data files from this size up are reported: a sample small enough to review may travel with the code."""
DEFAULT_MAX_READ = 2 * 1024 * 1024
ALLOW_MARKER = "snapshot-guard: allow"
_CHUNK = 1024 * 1024
_OVERLAP = 8 * 1024
_HEADER = 8 * 1024


@dataclasses.dataclass(frozen=True)
class Detection:
    kind: str
    category: Category
    line: int | None
    """1-based line in the file; None for what the name or the format alone decides."""
    detail: str
    """What was found, with any secret masked."""


@dataclasses.dataclass(frozen=True)
class ScanSettings:
    data_threshold: int = DEFAULT_DATA_THRESHOLD
    max_read: int = DEFAULT_MAX_READ


def mask(secret: str) -> str:
    """A short prefix and the length: enough to find the value, never enough to use it."""
    shown = 4 if len(secret) >= 16 else 2 if len(secret) >= 10 else 0
    return f"{secret[:shown]}*** ({len(secret)} chars)"


# ---------------------------------------------------------------------------------------------
# Placeholders, public example keys, and what a real value looks like.

# SHA-256 of published example keys, the Azure Storage emulator's (Azurite) account key and the
# Cosmos DB emulator's key, kept as digests so that this file holds none; AWS's documentation keys
# all contain "EXAMPLE".
_PUBLIC_KEY_DIGESTS = frozenset({
    "0011cc25eb4320717494d2703e8cba85743e71b500283c21c8b88147992f9059",
    "aa6547439583c3a275d4542a0df6c1ad6a863971be9f2a2220f027cc02aef615",
})
_PUBLIC_KEY_MARKERS = ("EXAMPLE", "devstoreaccount1", "UseDevelopmentStorage")
_PLACEHOLDER_MARKS = ("xxxx", "XXXX", "****", "....", "<", ">", "${", "{{", "$(", "%(")
_PLACEHOLDER_WORDS = re.compile(
    r"(?i)your|example|placeholder|change_?-?me|replace|redacted|dummy|insert|todo|fixme|here|"
    r"secret_value|not[-_]?real|fake|sample|lorem"
)
_CODE_REFERENCE = re.compile(
    r"(?i)^(?:os\.|environ|getenv|env\(|process\.env|secrets\.|vault|keyvault|config\[|settings\."
    r"|args\.|self\.|cfg\.|conf\.|params\.|dbutils\.|\$|%[a-z_]+%|@microsoft\.keyvault|none$|null$"
    r"|true$|false$|nil$)"
)
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_WORDY = re.compile(r"^[a-z]+(?:[-_. /][a-z]+)*$|^[A-Z]+(?:[-_. ][A-Z]+)*$|^[A-Z]?[a-z]+(?:[A-Z][a-z]+)*$")
_DEFAULT_PASSWORDS = frozenset({
    "password", "passw0rd", "pass", "secret", "admin", "root", "postgres", "mysql", "sa", "test",
    "guest", "changeme", "example", "default", "user", "username", "pwd", "letmein", "123456",
    "12345678", "password1", "mysecretpassword", "secret123", "qwerty",
})


def is_public_example(value: str) -> bool:
    if hashlib.sha256(value.encode()).hexdigest() in _PUBLIC_KEY_DIGESTS:
        return True
    return any(marker in value for marker in _PUBLIC_KEY_MARKERS)


def is_placeholder(value: str) -> bool:
    """``<your-key>``, ``${VAR}``, ``os.environ[...]``, ``xxxx``, ``abc123...``: not a secret."""
    text = value.strip().strip("\"'`")
    lowered = text.lower()
    if not text or _CODE_REFERENCE.match(text) or is_public_example(text):
        return True
    if any(mark in text for mark in _PLACEHOLDER_MARKS):
        return True
    for word in _PLACEHOLDER_WORDS.finditer(text):
        # In a long random value a short word turns up by chance; there, only a delimited one counts.
        start, end = word.span()
        if len(text) < 48 or not (text[start - 1: start].isalnum() and text[end: end + 1].isalnum()):
            return True
    if len(set(lowered)) < min(6, 2 + len(text) // 8):
        return True
    return "0123456789" in text or "abcdefgh" in lowered or "12345678" in text


def entropy(value: str) -> float:
    counts: dict[str, int] = {}
    for char in value:
        counts[char] = counts.get(char, 0) + 1
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())


def looks_random(value: str, min_length: int = 16) -> bool:
    """A value with the length, alphabet mix and entropy of a generated key, not a word or a name."""
    if len(value) < min_length or is_placeholder(value) or _UUID.match(value):
        return False
    if " " in value or _WORDY.match(value):
        return False
    classes = sum(bool(re.search(pattern, value)) for pattern in ("[a-z]", "[A-Z]", "[0-9]"))
    if classes < 2:
        return False
    if re.fullmatch(r"[0-9a-fA-F]+", value):
        return entropy(value) >= 3.0
    return entropy(value) >= min(3.5, math.log2(len(value)) - 0.7)


def _plausible_password(value: str) -> bool:
    text = value.strip("\"'")
    if len(text) < 6 or is_placeholder(text) or text.lower() in _DEFAULT_PASSWORDS:
        return False
    if _WORDY.match(text):
        return False
    if re.fullmatch(r"[{%]?\w*[}%]?", text) and not any(c.isdigit() for c in text):
        # an identifier, unless long and mixed case like a generated one
        return len(text) >= 10 and entropy(text) >= 3.2 and not text.islower() and not text.isupper()
    return True


# ---------------------------------------------------------------------------------------------
# Content rules. Each finds a candidate and returns the secret it found (or None to reject it).

Check = Callable[["re.Match[str]", str], "str | None"]


@dataclasses.dataclass(frozen=True)
class _Rule:
    kind: str
    what: str
    pattern: re.Pattern[str]
    """Starts with a literal wherever it can: Python's regex engine then skips ahead fast."""
    check: Check
    """Given the match and the original text, the secret, or None to reject the candidate."""
    triggers: tuple[str, ...]
    """Literals of which every match of ``pattern`` holds one: a text with none is not searched. A rare
    character the pattern requires where it has one (a ``memchr``); none where the pattern's own
    leading literal is the fastest filter. Tested on the original text, so a folded rule's triggers
    are characters without case."""
    folded: bool = False
    """The pattern is lower case and runs over the lower-cased text (ten times faster than ``(?i)``)."""


def _value(match: re.Match[str], text: str, group: str = "value") -> str:
    """The group's text in the original (not lower-cased) text."""
    return text[match.start(group): match.end(group)]


def _preceded_by(text: str, offset: int, alphabet: re.Pattern[str]) -> bool:
    return offset > 0 and alphabet.match(text, offset - 1) is not None


_WORD = re.compile(r"[\w-]")
_B64_CHAR = re.compile(r"[A-Za-z0-9+/-]")
_ALNUM_CHAR = re.compile(r"[A-Za-z0-9]")
_AAD_CHAR = re.compile(r"[\w~.-]")


def _bounded(test: Callable[[str], bool], before: re.Pattern[str] = _WORD) -> Check:
    """The whole match, when no ``before`` character touches its start."""
    def check(match: re.Match[str], text: str) -> str | None:
        value = match.group(0)
        return value if not _preceded_by(text, match.start(), before) and test(value) else None
    return check


def _prefixed(prefix: re.Pattern[str], length: int, before: re.Pattern[str],
              test: Callable[[str], bool]) -> Check:
    """The match with the ``length`` characters before it, which must match ``prefix``: for formats
    whose fixed marker sits in the middle (``8Q~`` of Entra ID secrets, ``JQQJ9`` of Azure keys)."""
    def check(match: re.Match[str], text: str) -> str | None:
        start = match.start() - length
        if start < 0 or not prefix.fullmatch(text, start, match.start()) or _preceded_by(text, start, before):
            return None
        value = text[start: match.end()]
        return value if test(value) else None
    return check


def _group(name: str, test: Callable[[str], bool]) -> Check:
    def check(match: re.Match[str], text: str) -> str | None:
        value = _value(match, text, name)
        return value if value and test(value) else None
    return check


def _pem_body(match: re.Match[str], text: str) -> str | None:
    """The base64 body after a PEM header, across real or escaped (``\\n``) line ends and quotes."""
    tail = text[match.end(): match.end() + 8000]
    tail = tail.split("-----END", 1)[0]
    tail = re.sub(r"(?m)^[A-Za-z-]+: .*$", "", tail)  # Proc-Type:, DEK-Info:, Version:
    body = re.sub(r"\\[nr]|[\s\"',+]", "", tail)
    run = re.match(r"[A-Za-z0-9+/=]*", body)
    length = len(run.group(0)) if run else 0
    if length < 120 or "..." in tail[:200] or entropy(body[:400]) < 4.5:
        return None
    return match.group(0) + run.group(0) if run else None


def _putty_body(match: re.Match[str], text: str) -> str | None:
    tail = text[match.end(): match.end() + 6000]
    lines = re.search(r"Private-Lines: *\d+\s+([A-Za-z0-9+/=]{40,})", tail)
    return match.group(0) + lines.group(1) if lines and not is_placeholder(lines.group(1)) else None


def _sas(match: re.Match[str], text: str) -> str | None:
    if match.start() > 0 and text[match.start() - 1] not in "?&; \t\n\"'=":
        return None
    value = match.group("value")
    context = text[max(0, match.start() - 600): match.end() + 300]
    if not re.search(r"(?i)\b(?:sv=\d{4}-\d\d-\d\d|se=\d{4}-|skn=|sr=[a-z%]|sp=[a-z]+&)", context):
        return None
    raw = value.replace("%2B", "+").replace("%2b", "+").replace("%2F", "/").replace("%2f", "/")
    raw = raw.replace("%3D", "=").replace("%3d", "=")
    if not 40 <= len(raw) <= 48 or not looks_random(raw.rstrip("="), 30):
        return None
    return value


_DATABASE_SCHEME = re.compile(
    r"(?:postgres(?:ql)?|mysql|mariadb|mssql|sqlserver|mongodb(?:\+srv)?|rediss?|amqps?|oracle|snowflake|"
    r"jdbc:[a-z]+|cockroachdb|clickhouse)(?:\+\w+)?$")
_WEB_SCHEME = re.compile(r"(?:https?|ftps?|sftp|git\+https|git\+http|svn\+https)$")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.:-]{0,30}$")
_DEVOPS_HOST = re.compile(r"(?:[\w.-]*\.)?(?:dev\.azure\.com|visualstudio\.com)\b")


def _scheme(match: re.Match[str], text: str) -> str:
    found = _SCHEME.search(text, max(0, match.start() - 31), match.start())
    return found.group(0).lower() if found else ""


def _url_user_password(kind: str) -> Check:
    """``scheme://user:password@host``, for database URLs, Azure DevOps feeds, or any other URL."""
    def check(match: re.Match[str], text: str) -> str | None:
        value, user, host = match.group("value"), match.group("user"), match.group("host")
        scheme = _scheme(match, text)
        devops = _DEVOPS_HOST.match(host) is not None
        if kind == "azure-devops-pat":
            if not devops or not _WEB_SCHEME.search(scheme) or is_placeholder(value):
                return None
            return value if looks_random(value, 20) else None
        if kind == "database-password":
            if not _DATABASE_SCHEME.search(scheme):
                return None
        elif devops or not _WEB_SCHEME.search(scheme) or "/" in value:
            return None
        if value.lower() == user.lower() or not _plausible_password(value):
            return None
        return value
    return check


def _url_token(match: re.Match[str], text: str) -> str | None:
    """A personal access token as the user name of an Azure DevOps URL."""
    value = match.group("value")
    if not _WEB_SCHEME.search(_scheme(match, text)) or not _DEVOPS_HOST.match(match.group("host")):
        return None
    return value if looks_random(value, 40) else None


def _conn_password(match: re.Match[str], text: str) -> str | None:
    if match.start() > 0 and text[match.start() - 1] not in ";, \t\n\"'":
        return None
    line = _line_text(text, match.start())
    column = match.start() - (text.rfind("\n", 0, match.start()) + 1)
    near = line[max(0, column - 300): column + 300]
    if not re.search(r"(?i)(?:server|data source|host|hostname|user id|uid|user|username|initial catalog|"
                     r"database|dbname|port|ssl)\s*=|\.redis\.cache\.|jdbc:", near):
        return None
    value = _value(match, text)
    value = value[1:-1] if value.startswith("{") and value.endswith("}") else value
    if re.search(r"[()\[\]{}]", value):
        return None
    return value if _plausible_password(value) else None


def _xml_secret(match: re.Match[str], text: str) -> str | None:
    value = _value(match, text)
    if _NOT_SECRET_NAMES.search(match.group("name")) or "://" in value:
        return None
    return value if _plausible_password(value) else None


def _cli_secret(match: re.Match[str], text: str) -> str | None:
    if match.start() > 0 and not text[match.start() - 1].isspace():
        return None
    value = _value(match, text)
    if match.group("flag") == "-p":
        line = _line_text(text, match.start())
        if not re.search(r"(?i)\b(?:az|docker|podman|helm|oras|az\.cmd)\b[^\n]*\blogin\b", line):
            return None
    return value if _plausible_password(value) and not value.startswith(("-", "$")) else None


def _storage_key_near_key(match: re.Match[str], text: str) -> str | None:
    """An 88-character base64 value (64 bytes: a storage or Cosmos DB key) with "key" shortly before."""
    start = match.start() - 86
    if start < 0 or not _B64_RUN.fullmatch(text, start, match.start()) \
            or _preceded_by(text, start, _B64_CHAR):
        return None
    if "key" not in text[max(0, start - 160): start].lower():
        return None
    value = text[start: match.end()]
    return value if looks_random(value, 40) else None


def _new_format(kind_marker: str) -> Callable[[str], bool]:
    return lambda value: kind_marker in value and entropy(value) >= 4.0


def _random(min_length: int) -> Callable[[str], bool]:
    return lambda value: looks_random(value, min_length)


def _aws_id(value: str) -> bool:
    return "EXAMPLE" not in value and entropy(value[4:]) >= 3.0


_B64 = "A-Za-z0-9+/"
_B64_RUN = re.compile(rf"[{_B64}]+")
_URL_USER_PASSWORD = re.compile(r"://(?P<user>[^:@/\s\"'<>{}]*):(?P<value>[^@\s\"'<>?]+)@"
                                r"(?P<host>[^/\s\"'<>:?#]+)")
_RULES: tuple[_Rule, ...] = (
    _Rule("private-key", "private key",
          re.compile(r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----"),
          _pem_body, triggers=("-",)),
    _Rule("private-key", "PuTTY private key", re.compile(r"PuTTY-User-Key-File-[23]: *\S+"), _putty_body,
          triggers=("-",)),
    _Rule("azure-storage-key", "Azure storage account key",
          re.compile(r"accountkey\s*=\s*(?P<value>[a-z0-9+/]{86}==)"), _group("value", _random(40)),
          triggers=("=",), folded=True),
    _Rule("sas-token", "Azure shared access signature (SAS) token",
          re.compile(r"sig=(?P<value>[A-Za-z0-9%+/]{30,70}(?:=|%3[dD]){0,2})"), _sas, triggers=("=",)),
    _Rule("shared-access-key", "Service Bus / Event Hubs / IoT Hub shared access key",
          re.compile(r"sharedaccesskey\s*=\s*(?P<value>[a-z0-9+/]{42,43}=)"), _group("value", _random(30)),
          triggers=("=",), folded=True),
    _Rule("azure-client-secret", "Azure AD (Entra ID) client secret",
          re.compile(r"Q~[\w~.-]{31,34}(?![\w~.-])"),
          _prefixed(re.compile(r"[\w~.-]{3}\d"), 4, _AAD_CHAR, lambda value: entropy(value) >= 4.0),
          triggers=("~",)),
    _Rule("azure-devops-pat", "Azure DevOps personal access token in a URL", _URL_USER_PASSWORD,
          _url_user_password("azure-devops-pat"), triggers=("@",)),
    _Rule("azure-devops-pat", "Azure DevOps personal access token",
          re.compile(r"JQQJ9[9DH][A-Za-z0-9]{14}AZDO[A-Za-z0-9]{4}(?![A-Za-z0-9])"),
          _prefixed(re.compile(r"[A-Za-z0-9]{52}"), 52, _ALNUM_CHAR, _new_format("AZDO")), triggers=("Q",)),
    _Rule("azure-ai-key", "Azure AI services / Azure OpenAI key",
          re.compile(r"JQQJ9[9DH][A-Za-z0-9]{26}(?![A-Za-z0-9])"),
          _prefixed(re.compile(r"[A-Za-z0-9]{52}"), 52, _ALNUM_CHAR, _new_format("JQQJ9")), triggers=("Q",)),
    _Rule("registry-password", "Azure container registry password",
          re.compile(rf"\+ACR[A-Za-z0-9]{{6}}(?![{_B64}])"),
          _prefixed(re.compile(rf"[{_B64}]{{42}}"), 42, _B64_CHAR, _new_format("+ACR")), triggers=("+",)),
    _Rule("databricks-token", "Databricks personal access token",
          re.compile(r"dapi[0-9a-f]{32}(?:-\d+)?(?!\w)"),
          _bounded(lambda value: entropy(value[4:36]) >= 3.0), triggers=()),
    _Rule("aws-access-key", "AWS access key id",
          re.compile(r"A(?:KIA|SIA|BIA|CCA)[A-Z2-7]{16}(?![A-Z0-9])"), _bounded(_aws_id, _ALNUM_CHAR),
          triggers=("A",)),
    _Rule("github-token", "GitHub token",
          re.compile(r"g(?:h[pousr]_[A-Za-z0-9]{36}|ithub_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59})(?!\w)"),
          _bounded(lambda value: looks_random(value[4:], 30)), triggers=()),
    _Rule("gitlab-token", "GitLab token",
          re.compile(r"gl(?:pat|dt|rt|ptt)-[A-Za-z0-9_-]{20,}(?![\w-])"),
          _bounded(lambda value: looks_random(value.split("-", 1)[1], 20)), triggers=("-",)),
    _Rule("huggingface-token", "Hugging Face token",
          re.compile(r"(?:hf|api_org)_[A-Za-z0-9]{34}(?!\w)"),
          _bounded(lambda value: looks_random(value.split("_")[-1], 30)), triggers=("hf_", "api_org_")),
    _Rule("openai-key", "OpenAI API key",
          re.compile(r"sk-(?:(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}T3BlbkFJ[A-Za-z0-9_-]{20,}"
                     r"|(?:proj-|svcacct-|admin-)[A-Za-z0-9_-]{40,}|[A-Za-z0-9]{48})(?![\w-])"),
          _bounded(lambda value: looks_random(value[3:].split("-")[-1][-30:], 20)), triggers=("-",)),
    _Rule("database-password", "password in a database connection string",
          re.compile(r"(?:password|pwd)\s*=\s*(?P<value>\{[^}\n]*\}|[^;,\"'\s]+)"), _conn_password,
          triggers=("=",), folded=True),
    _Rule("database-password", "password in a database URL", _URL_USER_PASSWORD,
          _url_user_password("database-password"), triggers=("@",)),
    _Rule("url-credential", "password in a URL", _URL_USER_PASSWORD, _url_user_password("url-credential"),
          triggers=("@",)),
    _Rule("azure-devops-pat", "Azure DevOps personal access token in a URL",
          re.compile(r"://(?P<value>[a-z2-7]{52}|[A-Za-z0-9]{84})@(?P<host>[^/\s\"'<>:?#]+)"), _url_token,
          triggers=("@",)),
    _Rule("secret", "secret passed on a command line",
          re.compile(r"(?P<flag>--(?:account-key|sas-token|password|client-secret|secret|token|api-key|"
                     r"access-token|pat)|-p)(?:=|\s+)(?P<q>[\"']?)(?P<value>[^\s\"'|;&]{8,})(?P=q)"),
          _cli_secret, triggers=("-",), folded=True),
    _Rule("secret", "secret in an XML setting",
          re.compile(r"key=\"(?P<name>[^\"]*(?:password|secret|token|apikey|api_key|accountkey)[^\"]*)\""
                     r"\s+value=\"(?P<value>[^\"]{8,})\""), _xml_secret, triggers=('"',), folded=True),
)
_FALLBACK_RULES: tuple[_Rule, ...] = (
    # After the named assignments: "COSMOS_KEY = ..." says more than "a key of this shape".
    _Rule("azure-storage-key", "Azure storage or Cosmos DB key",
          re.compile(rf"==(?![{_B64}=])"), _storage_key_near_key, triggers=("=",)),
)

_KIND_WHAT = {
    "azure-client-secret": "Azure AD (Entra ID) client secret",
    "aws-secret-key": "AWS secret access key",
    "cosmos-key": "Cosmos DB / Azure resource key",
    "azure-storage-key": "Azure storage account key",
    "sas-token": "Azure shared access signature (SAS) token",
    "azure-ai-key": "Azure AI services / Azure OpenAI key",
    "azure-devops-pat": "Azure DevOps personal access token",
    "registry-password": "container registry password",
    "databricks-token": "Databricks token",
    "huggingface-token": "Hugging Face token",
    "github-token": "GitHub token",
    "gitlab-token": "GitLab token",
    "password": "password",
    "secret": "secret",
}
# Names that say "this value is a credential", mapped to the kind they imply, most specific first.
_NAME_KINDS: tuple[tuple[re.Pattern[str], str, int], ...] = (
    (re.compile(r"client[_-]?secret|sp[_-]?(?:password|secret)|service[_-]?principal[_-]?(?:password|secret)"
                r"|app[_-]?secret|aad[_-]?secret|tenant[_-]?secret|principal[_-]?secret"),
     "azure-client-secret", 16),
    (re.compile(r"aws[_-]?secret|secret[_-]?access[_-]?key"), "aws-secret-key", 30),
    (re.compile(r"cosmos|master[_-]?key|primary[_-]?key|secondary[_-]?key"), "cosmos-key", 30),
    (re.compile(r"account[_-]?key|storage[_-]?(?:account[_-]?)?key|blob[_-]?key|datalake[_-]?key|adls[_-]?key"),
     "azure-storage-key", 30),
    (re.compile(r"sas"), "sas-token", 20),
    (re.compile(r"openai|aoai|cognitive|speech|translator|vision|language|search|ocp[_-]?apim|subscription[_-]?key"
                r"|ai[_-]?services|content[_-]?safety|form[_-]?recognizer|document[_-]?intelligence|anthropic"),
     "azure-ai-key", 24),
    (re.compile(r"(?:^|[_-])(?:ado|azdo|devops|vsts)|personal[_-]?access|(?:^|[_-])pat(?:$|[_-])|system[_-]?accesstoken"),
     "azure-devops-pat", 30),
    (re.compile(r"acr|registry|docker"), "registry-password", 16),
    (re.compile(r"databricks|dbx"), "databricks-token", 20),
    (re.compile(r"hugging[_-]?face|(?:^|[_-])hf(?:$|[_-])"), "huggingface-token", 20),
    (re.compile(r"github|(?:^|[_-])gh(?:$|[_-])"), "github-token", 20),
    (re.compile(r"gitlab"), "gitlab-token", 20),
    (re.compile(r"passw(?:or)?d|passphrase|pwd|(?:^|[_-])pass(?:$|[_-])"), "password", 0),
    (re.compile(r"secret|token|api[_-]?key|apikey|access[_-]?key|auth[_-]?key|private[_-]?key|signing[_-]?key"
                r"|encryption[_-]?key|conn(?:ection)?[_-]?str(?:ing)?|credential|bearer"),
     "secret", 20),
)
_NOT_SECRET_NAMES = re.compile(
    r"(?i)public|publishable|_id$|^id$|_ids?_|name$|_names?_|file|path|dir|url$|uri$|endpoint|_type|"
    r"tokeni[sz]|(?:^|_)max_|(?:^|_)min_|_len|length|size|count|num_|_num|limit|keyword|hash|checksum|md5|sha\d|"
    r"digest|version|vault|keyvault|foreign|expir|_at$|_time|timeout|_ttl|prefix|format|field|column|"
    r"header|_env$|scope|policy|mode|enabled|required|audience|issuer|algorithm|salt_rounds|"
    r"regex|pattern|label|description|_ref$|reference|template|example|sample|provider"
)
_ASSIGNMENT = re.compile(
    r"""(?x)  # over the lower-cased text
    (?P<keyword>key|secret|passw(?:or)?d|pwd|pass|token|sas|credential|conn(?:ection)?[_-]?str(?:ing)?|bearer)
    (?P<rest>[a-z0-9_\-]{0,30})
    (?P<sep>["'\]]{0,2}\s{0,3}(?::=|=>|==|[:=,]|\s(?=["']))\s{0,3})
    (?:(?P<quote>[rbfu]?["'`])(?P<quoted>[^"'`\n]{6,4096})["'`]|(?P<value>[^\s"'`,;)}\]\\<>]{6,400}))
    """
)
_ASSIGNMENT_TRIGGERS = (":", "=", ",", '"', "'")
"""``sep`` holds one of these, or a space before a quote."""


_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*|[A-Z_][A-Z0-9_]*|[A-Za-z_][\w]*\.[\w.]+|(?:[A-Z][a-z]+)+\d*")
"""A variable's name (``db_password``, ``DB_PASSWORD``, ``cfg.password``, ``DbPassword``), not a value."""
_KEY_VALUE_PAIR = re.compile(r"[A-Za-z ]+=")


def _assignment(text: str, match: re.Match[str]) -> tuple[str, str, str] | None:
    """(name, kind, value) for a ``NAME = value`` pair that hands a credential, else None."""
    begin = match.start()
    while begin > max(0, match.start() - 60) and (text[begin - 1].isalnum() or text[begin - 1] in "_.-"):
        begin -= 1
    name = text[begin: match.end("rest")]
    lowered = name.lower().replace(".", "_").replace("-", "_")
    sep = match.group("sep").strip()
    if sep == "==" or sep == "," or _NOT_SECRET_NAMES.search(lowered):  # ``"NAME", value`` only quoted
        return None
    quote = match.group("quote") or ""
    value = _value(match, text, "quoted" if quote else "value")
    if _CODE_REFERENCE.match(value) or (quote.startswith("f") and "{" in value) or "://" in value \
            or _KEY_VALUE_PAIR.match(value):
        return None
    if not quote and ("(" in value or value.endswith(".") or value.startswith(("[", "{"))):
        return None
    for pattern, kind, min_length in _NAME_KINDS:
        if pattern.search(lowered):
            if kind == "password":
                plain_word = _IDENTIFIER.fullmatch(value) is not None and not quote
                return (name, kind, value) if _plausible_password(value) and not plain_word else None
            if re.fullmatch(r"[0-9a-f]{32}", value) and kind in ("azure-ai-key", "secret") \
                    and entropy(value) >= 3.0:
                return name, "azure-ai-key", value  # the key format of Azure AI services
            return (name, kind, value) if looks_random(value, max(min_length, 16)) else None
    return None


# Azure ML's own carriers: a literal credential passed to the SDK.
_AML_CALL = re.compile(
    r"\b(?P<call>register_azure_(?:blob_container|file_share|data_lake_gen2|data_lake_gen1|data_lake|"
    r"sql_database|postgre_sql|my_sql)|AccountKeyConfiguration|SasTokenConfiguration|"
    r"ServicePrincipalConfiguration|ServicePrincipalAuthentication|ClientSecretCredential|"
    r"AzureKeyCredential|StorageSharedKeyCredential)\s*\("
)
_AML_CALL_MARKERS = ("register_azure_", "Configuration(", "Authentication(", "Credential(")
_AML_CALL_TRIGGERS = ("(",)
_AML_CALL_KINDS: dict[str, tuple[str, str, int]] = {
    "ServicePrincipalAuthentication": ("service-principal-password",
                                       "ServicePrincipalAuthentication with a literal password", 2),
    "ClientSecretCredential": ("azure-client-secret", "ClientSecretCredential with a literal secret", 2),
    "AzureKeyCredential": ("azure-ai-key", "AzureKeyCredential with a literal key", 0),
    "StorageSharedKeyCredential": ("azure-storage-key", "StorageSharedKeyCredential with a literal key", 1),
}
_SECRET_KEYWORDS = ("account_key", "sas_token", "client_secret", "password", "service_principal_password",
                    "certificate", "key", "credential")
_LITERAL = re.compile(r"""^\s*(?:(?P<kw>\w+)\s*=\s*)?[rbu]?(?P<q>["'])(?P<value>[^"'\n]*)(?P=q)\s*$""")


def _call_arguments(text: str, start: int) -> list[tuple[int, str]]:
    """The top-level arguments of the call whose ``(`` is at ``start``, with their offsets."""
    depth, quote, begin = 0, "", start + 1
    current: list[str] = []
    arguments: list[tuple[int, str]] = []
    for index in range(start + 1, min(len(text), start + 4000)):
        char = text[index]
        if quote:
            quote = "" if char == quote and text[index - 1] != "\\" else quote
        elif char in "\"'":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            if depth == 0:
                arguments.append((begin, "".join(current)))
                return arguments
            depth -= 1
        elif char == "," and depth == 0:
            arguments.append((begin, "".join(current)))
            current, begin = [], index + 1
            continue
        current.append(char)
    return arguments


def _aml_carriers(text: str) -> Iterator[tuple[int, str, str, str]]:
    """(offset, kind, what, secret) for literal credentials handed to Azure ML / Azure SDK calls."""
    if not any(marker in text for marker in _AML_CALL_MARKERS):
        return
    for match in _AML_CALL.finditer(text):
        call = match.group("call")
        kind, what, position = _AML_CALL_KINDS.get(
            call, ("azureml-datastore-credential", f"{call}(...) with a literal credential", -1))
        for index, (offset, argument) in enumerate(_call_arguments(text, match.end() - 1)):
            literal = _LITERAL.match(argument)
            if literal is None:
                continue
            keyword = literal.group("kw")
            value = literal.group("value")
            wanted = keyword in _SECRET_KEYWORDS if keyword else index == position
            if wanted and len(value) >= 8 and not is_placeholder(value) and " " not in value.strip():
                yield offset + argument.index(value), kind, what, value


# ---------------------------------------------------------------------------------------------
# Text scanning.


_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
_TRIGGERS = frozenset(
    trigger for rule in _RULES + _FALLBACK_RULES for trigger in rule.triggers
).union(_ASSIGNMENT_TRIGGERS, _AML_CALL_TRIGGERS)


def _triggers_in(text: str) -> frozenset[str]:
    return frozenset(trigger for trigger in _TRIGGERS if trigger in text)


def _lower(text: str) -> str:
    """Lower case at the same offsets: ASCII only where full lower-casing changes the length (``İ``)."""
    lowered = text.lower()
    return lowered if len(lowered) == len(text) else text.translate(_ASCII_LOWER)


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _line_text(text: str, offset: int) -> str:
    start = text.rfind("\n", 0, offset) + 1
    end = text.find("\n", offset)
    return text[start: end if end >= 0 else len(text)]


def scan_text(text: str) -> list[Detection]:
    """Credential findings in ``text``, one per line at most (the most specific), masked."""
    found: dict[int, tuple[int, Detection]] = {}

    def add(offset: int, rank: int, kind: str, what: str, secret: str) -> None:
        line_text = _line_text(text, offset)
        if ALLOW_MARKER in line_text:
            return
        line = _line_of(text, offset)
        if line not in found or found[line][0] > rank:
            found[line] = (rank, Detection(kind, "credential", line, f"{what}: {mask(secret)}"))

    present = _triggers_in(text)
    lowered: str | None = None  # lower-cased on first need: most texts need no folded rule
    passes: dict[tuple[re.Pattern[str], bool], list[re.Match[str]]] = {}  # rules sharing a pattern
    for rank, rule in enumerate(_RULES):
        if rule.triggers and present.isdisjoint(rule.triggers):
            continue
        if rule.folded:
            lowered = target = _lower(text) if lowered is None else lowered
        else:
            target = text
        matches = passes.get((rule.pattern, rule.folded))
        if matches is None:
            matches = passes[rule.pattern, rule.folded] = list(rule.pattern.finditer(target))
        for match in matches:
            secret = rule.check(match, text)
            if secret is not None:
                add(match.start(), rank, rule.kind, rule.what, secret)
    if not present.isdisjoint(_AML_CALL_TRIGGERS):
        for offset, kind, what, secret in _aml_carriers(text):
            add(offset, len(_RULES), kind, what, secret)
    if not present.isdisjoint(_ASSIGNMENT_TRIGGERS):
        lowered = _lower(text) if lowered is None else lowered
        for match in _ASSIGNMENT.finditer(lowered):
            implied = _assignment(text, match)
            if implied is not None:
                name, kind, value = implied
                rank = len(_RULES) + (2 if kind in ("secret", "password") else 1)
                add(match.start("keyword"), rank, kind, f"{_KIND_WHAT[kind]} assigned to {name}", value)
    for rule in _FALLBACK_RULES:
        if rule.triggers and present.isdisjoint(rule.triggers):
            continue
        for match in rule.pattern.finditer(text):
            secret = rule.check(match, text)
            if secret is not None:
                add(match.start(), len(_RULES) + 3, rule.kind, rule.what, secret)
    detections = [detection for _, detection in _sorted(found)]
    if any(d.kind == "private-key" for d in detections) and '"service_account"' in text:
        return [dataclasses.replace(d, kind="gcp-service-account",
                                    detail="GCP service-account key: " + d.detail.split(": ", 1)[1])
                if d.kind == "private-key" else d for d in detections]
    return detections


def _sorted(found: dict[int, tuple[int, Detection]]) -> list[tuple[int, Detection]]:
    return [found[line] for line in sorted(found)]


def _shift(detections: Iterable[Detection], by: int) -> list[Detection]:
    return [dataclasses.replace(d, line=None if d.line is None else d.line + by) for d in detections]


# ---------------------------------------------------------------------------------------------
# YAML: datastore credentials and job environment variables, with the structure the SDK reads.

_ENV_SECRET_NAME = re.compile(r"(?i)key|secret|token|passw|pwd|(?:^|_)pass(?:$|_)|sas|credential|conn")
_CREDENTIAL_FIELDS = frozenset({"account_key", "sas_token", "client_secret", "password", "secret",
                                "key", "certificate", "token"})


def _yaml_nodes(text: str) -> list[yaml.Node]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return [node for node in yaml.compose_all(text, Loader=loader) if node is not None]
    except (yaml.YAMLError, RecursionError):
        return []


_YAML_SECTIONS = ("credentials", "environment_variables")


def _yaml_field(section: str, field: str, secret: str, line: int) -> Detection | None:
    """A ``field: secret`` pair under ``credentials:`` or ``environment_variables:``."""
    if is_placeholder(secret) or len(secret) < 8:
        return None
    if section == "credentials" and field.lower() in _CREDENTIAL_FIELDS:
        return Detection("datastore-credentials", "credential", line,
                         f"datastore credentials: {field}: {mask(secret)}")
    if section != "environment_variables" or not _ENV_SECRET_NAME.search(field) \
            or _NOT_SECRET_NAMES.search(field.lower()):
        return None
    password = re.search(r"(?i)passw|pwd", field) is not None and _plausible_password(secret)
    if not (looks_random(secret, 12) or password):
        return None
    return Detection("job-secret-env", "credential", line,
                     f"job environment variable {field} holds a secret: {mask(secret)}")


def scan_yaml(text: str) -> list[Detection]:
    """``credentials:`` of a datastore, secret-looking ``environment_variables`` of a job, and
    multi-line scalars (folded, literal or quoted over several lines) matched as one value."""
    detections: list[Detection] = []
    lines = text.splitlines()
    stack = _yaml_nodes(text)
    seen: set[int] = set()  # aliases share nodes: visit each once
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.ScalarNode):
            if node.start_mark.line != node.end_mark.line:
                detections.extend(_shift(scan_text(str(node.value)), node.start_mark.line))
            continue
        if isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
            continue
        for key, value in node.value if isinstance(node, yaml.MappingNode) else ():
            stack.append(value)
            section = str(key.value).lower() if isinstance(key, yaml.ScalarNode) else ""
            if not isinstance(value, yaml.MappingNode) or section not in _YAML_SECTIONS:
                continue
            for field, item in value.value:
                line = item.start_mark.line
                if isinstance(field, yaml.ScalarNode) and isinstance(item, yaml.ScalarNode) \
                        and not (line < len(lines) and ALLOW_MARKER in lines[line]):
                    found = _yaml_field(section, str(field.value), str(item.value), line + 1)
                    detections.extend([found] if found else [])
    return detections


# ---------------------------------------------------------------------------------------------
# Notebooks: the JSON decoded, cell sources and saved outputs matched as the user sees them.


def _joined(value: object) -> str:
    if isinstance(value, list):
        return "".join(item for item in value if isinstance(item, str))
    return value if isinstance(value, str) else ""


def _notebook_texts(document: object) -> Iterator[tuple[str, str]]:
    """(where, text) for every cell source and every text-like saved output."""
    cells = document.get("cells") if isinstance(document, dict) else None
    if not isinstance(cells, list):
        return
    for number, cell in enumerate(cells, 1):
        if not isinstance(cell, dict):
            continue
        yield f"cell {number}", _joined(cell.get("source"))
        outputs = cell.get("outputs")
        for output in outputs if isinstance(outputs, list) else []:
            if not isinstance(output, dict):
                continue
            texts = [_joined(output.get("text")), "\n".join(_joined(output.get("traceback")).split("\n"))]
            data = output.get("data")
            if isinstance(data, dict):
                texts += [_joined(body) if not isinstance(body, dict) else json.dumps(body)
                          for mime, body in data.items() if not str(mime).startswith(("image/", "video/"))]
            yield f"cell {number} output", "\n".join(text for text in texts if text)


def scan_notebook(text: str) -> list[Detection] | None:
    """Findings in a notebook; None when ``text`` is not notebook JSON (scan it as text then)."""
    try:
        document = json.loads(text)
    except ValueError:
        return None
    if not isinstance(document, dict) or "cells" not in document:
        return None
    raw_lines = text.splitlines()
    detections: list[Detection] = []
    for where, cell_text in _notebook_texts(document):
        for found in scan_text(cell_text):
            line = _raw_line(raw_lines, cell_text, found.line)
            detections.append(dataclasses.replace(found, line=line, detail=f"{found.detail} ({where})"))
    return detections


def _raw_line(raw_lines: list[str], cell_text: str, line: int | None) -> int | None:
    """The notebook file's line that holds the start of cell line ``line``."""
    if line is None:
        return None
    wanted = cell_text.splitlines()[line - 1].strip() if cell_text else ""
    probe = json.dumps(wanted)[1:-1][:40]
    if len(probe) < 4:
        return None
    for number, raw in enumerate(raw_lines, 1):
        if probe in raw:
            return number
    return None


# ---------------------------------------------------------------------------------------------
# Names: files whose name alone says "credentials".

_KUBECONFIG = re.compile(r"(?m)^kind:\s*Config\s*$")
_KEY_NAMES = re.compile(r"^id_(?:rsa|dsa|ecdsa|ed25519|ecdsa_sk|ed25519_sk)$")
_ENV_SAFE_SUFFIXES = (".example", ".sample", ".template", ".dist", ".defaults", ".tmpl", ".tpl", ".md",
                      ".schema", ".default")


def name_detection(relpath: str, read: Callable[[], str]) -> Detection | None:
    """What the name says (``read`` gives the text, for names that need their content to decide)."""
    name = posixpath.basename(relpath)
    lowered = name.lower()
    parts = relpath.lower().split("/")
    ext = posixpath.splitext(lowered)[1]

    def found(what: str) -> Detection:
        return Detection("credentials-file", "credential", None, what)

    if (lowered == ".env" or lowered.startswith(".env.") or lowered.endswith(".env")) \
            and not lowered.endswith(_ENV_SAFE_SUFFIXES) \
            and not re.match(r"(?:example|sample|template|default)s?[._-]", lowered):
        return found("environment file (.env): holds the secrets the code reads from the environment")
    if _KEY_NAMES.match(lowered):
        return found("SSH private key file")
    if ext in (".pfx", ".p12", ".ppk", ".jks", ".keystore", ".pkcs12"):
        return found(f"key store or private key file ({ext})")
    if ext == ".key" and not re.search(r"BEGIN (?:CERTIFICATE|PUBLIC KEY)", read()[:4096]):
        return found("key file (.key)")
    if lowered in (".netrc", "_netrc", ".git-credentials", ".pgpass"):
        return found(f"{name}: stores passwords in clear text")
    if lowered == ".pypirc" and re.search(r"(?im)^\s*password\s*[=:]\s*(?!\s*$)(?!\$\{|<|%\()", read()):
        return found(".pypirc with a password")
    if lowered == ".npmrc" and re.search(r"(?i)_(?:authToken|auth|password)\s*=\s*(?!\$\{)\S", read()):
        return found(".npmrc with a registry token")
    if lowered == "config.json" and len(parts) >= 2 and parts[-2] == ".docker" \
            and re.search(r'"auth"\s*:\s*"[A-Za-z0-9+/=]{8,}"', read()):
        return found("Docker config.json with registry credentials (auths)")
    if lowered in ("kubeconfig", ".kubeconfig") or lowered.endswith(".kubeconfig") \
            or (lowered == "config" and len(parts) >= 2 and parts[-2] == ".kube") \
            or (ext in (".yaml", ".yml", "") and _KUBECONFIG.search(read()[:65536]) \
            and re.search(r"(?m)^\s*(?:client-key-data|token|password):\s*\S{16,}", read()[:65536])):
        return found("kubeconfig: cluster credentials")
    if ".azure" in parts[:-1]:
        return found("Azure CLI profile folder (.azure/): tokens and account details")
    if lowered == "credentials" and len(parts) >= 2 and parts[-2] == ".aws":
        return found("AWS credentials file")
    if lowered.endswith((".tfstate", ".tfstate.backup")):
        return found("Terraform state: holds every secret of the resources it created")
    if ext == ".tfvars" or lowered.endswith(".auto.tfvars.json") or lowered.endswith(".tfvars.json"):
        return found("Terraform variables file (.tfvars)")
    return None


# ---------------------------------------------------------------------------------------------
# Data: recognised by name and by magic, before anything is read as text.

_DATASET_EXTS = frozenset({
    ".csv", ".tsv", ".psv", ".parquet", ".pq", ".feather", ".arrow", ".ipc", ".xlsx", ".xls", ".xlsm",
    ".jsonl", ".ndjson", ".sqlite", ".sqlite3", ".db", ".duckdb", ".h5", ".hdf5", ".hdf", ".he5", ".nc",
    ".npy", ".npz", ".avro", ".orc", ".tfrecord", ".tfrecords", ".mat", ".sav", ".dta", ".sas7bdat",
    ".xpt", ".rds", ".rdata", ".dat", ".libsvm", ".arff", ".mdb", ".accdb", ".lmdb", ".zarr",
})
_MODEL_EXTS = frozenset({
    ".pkl", ".pickle", ".joblib", ".pt", ".pth", ".ckpt", ".onnx", ".safetensors", ".pb", ".tflite",
    ".keras", ".gguf", ".ggml", ".mlmodel", ".caffemodel", ".params", ".bin", ".model", ".weights",
    ".msgpack", ".mar", ".engine", ".plan", ".pdparams", ".cbm", ".ubj",
})
_ARCHIVE_EXTS = frozenset({".zip", ".tar", ".gz", ".tgz", ".bz2", ".xz", ".7z", ".rar", ".zst", ".lz4"})
_DATA_MAGIC: tuple[tuple[bytes, str, str], ...] = (
    (b"PAR1", "dataset", "Parquet"),
    (b"ARROW1", "dataset", "Arrow/Feather"),
    (b"\x89HDF\r\n\x1a\n", "dataset", "HDF5"),
    (b"\x93NUMPY", "dataset", "NumPy array"),
    (b"SQLite format 3\x00", "dataset", "SQLite database"),
    (b"Obj\x01", "dataset", "Avro"),
    (b"ORC", "dataset", "ORC"),
    (b"CDF\x01", "dataset", "netCDF"),
    (b"GGUF", "model-weights", "GGUF model"),
    (b"PK\x03\x04", "data-archive", "zip archive"),
    (b"\x1f\x8b", "data-archive", "gzip archive"),
    (b"BZh", "data-archive", "bzip2 archive"),
    (b"\xfd7zXZ\x00", "data-archive", "xz archive"),
    (b"7z\xbc\xaf\x27\x1c", "data-archive", "7-Zip archive"),
    (b"Rar!", "data-archive", "RAR archive"),
    (b"\x28\xb5\x2f\xfd", "data-archive", "zstd archive"),
)
_DATA_MAGIC_PREFIXES = tuple(magic for magic, _, _ in _DATA_MAGIC)
_BINARY_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"%PDF", b"\x7fELF", b"MZ", b"RIFF", b"OggS",
                 b"fLaC", b"ID3", b"\x00\x00\x01\x00", b"wOFF", b"wOF2", b"\xca\xfe\xba\xbe")


def data_format(relpath: str, header: bytes) -> tuple[str, str] | None:
    """(kind, format) when name or header say "data": dataset, model-weights or data-archive."""
    lowered = relpath.lower()
    ext = posixpath.splitext(lowered)[1]
    if header.startswith(_DATA_MAGIC_PREFIXES):  # one call for the usual case: no magic at all
        _, kind, label = next(entry for entry in _DATA_MAGIC if header.startswith(entry[0]))
        if kind == "data-archive" and ext in _MODEL_EXTS:
            return "model-weights", f"{label} ({ext} model)"
        if kind == "data-archive" and ext in _DATASET_EXTS:
            return "dataset", f"{label} ({ext})"
        return kind, label
    if len(header) >= 262 and header[257:262] == b"ustar":
        return "data-archive", "tar archive"
    if len(header) >= 2 and header[0] == 0x80 and 2 <= header[1] <= 5:
        return "model-weights" if ext not in _DATASET_EXTS else "dataset", "Python pickle"
    if len(header) >= 10 and header[8:10] == b'{"' and struct.unpack("<Q", header[:8])[0] < 100_000_000:
        return "model-weights", "safetensors"
    if ext in _DATASET_EXTS or lowered.endswith((".csv.gz", ".jsonl.gz", ".parquet.gz")):
        return "dataset", ext
    if ext in _MODEL_EXTS:
        return "model-weights", ext
    if ext in _ARCHIVE_EXTS:
        return "data-archive", ext
    return None


_DATA_ADVICE = {
    "dataset": "dataset",
    "model-weights": "model weights",
    "data-archive": "archive",
}


# ---------------------------------------------------------------------------------------------
# Personal data: tabular text whose columns and values are about people.

_PII_COLUMNS = re.compile(
    r"(?i)(?:^|[,;\t|\"'])\s*(?:e[-_ ]?mail(?:_address)?|phone(?:_number)?|mobile|ssn|social_security\w*|"
    r"national_id|passport\w*|date_of_birth|birth_?date|dob|street\w*|address|first_?name|last_?name|"
    r"full_?name|surname|patient\w*|credit_card\w*|card_number|iban|tax_id|driver\w*licen[cs]e)\s*(?:[,;\t|\"']|$)"
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_SSN = re.compile(r"\b\d{3}-\d{2}-\d{4}\b")
_PHONE = re.compile(r"(?<![\w.])\+?\(?\d{1,4}\)?[\s.-]\d{2,4}[\s.-]\d{3,4}(?:[\s.-]\d{2,4})?(?![\w.])")


def personal_data(relpath: str, text: str) -> Detection | None:
    ext = posixpath.splitext(relpath.lower())[1]
    if ext not in (".csv", ".tsv", ".psv", ".jsonl", ".ndjson", ".json", ".txt", ".dat"):
        return None
    if ext == ".json":
        keys = sorted({m.group(1).lower() for m in re.finditer(
            r"(?i)\"(e[-_]?mail|phone|ssn|first_?name|last_?name|date_of_birth|dob)\w*\"\s*:", text)})
        if len(keys) >= 2 and len(_EMAIL.findall(text)) >= 10:
            return Detection("personal-data", "data", None,
                             f"personal data ({', '.join(keys)}) in JSON records")
        return None
    lines = text.splitlines()
    if len(lines) < 4:
        return None
    columns = [match.group(0).strip(",;\t|\"' ").lower() for match in _PII_COLUMNS.finditer(lines[0])]
    if ext in (".jsonl", ".ndjson"):
        columns = [m.group(0) for m in re.finditer(r"(?i)\"(?:e[-_]?mail|phone|ssn|first_?name|last_?name|"
                                                    r"address|date_of_birth|dob)\w*\"\s*:", lines[0])]
    rows = lines[1:201]
    emails = sum(1 for row in rows if "@" in row and _EMAIL.search(row))
    ssns = sum(1 for row in rows if "-" in row and _SSN.search(row))
    enough = max(3, len(rows) // 3)
    if emails >= enough or ssns >= enough or len(columns) >= 3 \
            or (columns and sum(1 for row in rows if _PHONE.search(row)) >= enough):
        shown = ", ".join(columns[:4]) or "emails, phone numbers or identity numbers"
        return Detection("personal-data", "data", None, f"personal data ({shown}) in {len(lines) - 1}+ rows")
    return None


# ---------------------------------------------------------------------------------------------
# Workspace configuration.


def workspace_config(relpath: str, text: str) -> Detection | None:
    if not relpath.lower().endswith(".json"):
        return None
    keys = ("subscription_id", "resource_group", "workspace_name")
    if all(re.search(rf'"{key}"\s*:', text) for key in keys):
        return Detection("workspace-config", "config", None,
                         "Azure ML workspace config.json (subscription, resource group, workspace)")
    return None


# ---------------------------------------------------------------------------------------------
# Reading: encoding, binary test, chunks.


def text_encoding(header: bytes) -> str | None:
    """The codec for a file that starts with ``header``; None for binary."""
    if header.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if header.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if header.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    sample = header[:4096]
    if len(sample) >= 8 and b"\x00" in sample:  # UTF-16 text has zero bytes
        even, odd = sample[0::2], sample[1::2]
        if odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.05 * len(even):
            return "utf-16-le"
        if even.count(0) > 0.4 * len(even) and odd.count(0) < 0.05 * len(odd):
            return "utf-16-be"
    if b"\x00" in sample or header.startswith(_BINARY_MAGIC):
        return None
    return "utf-8"


Opener = Callable[[], BinaryIO]
"""Opens the file's content for reading: the file on disk, or a staged blob."""


def read_chunks(opener: Opener, encoding: str, max_read: int) -> Iterator[tuple[int, str]]:
    """(lines before the chunk, chunk) over the first ``max_read`` bytes; chunks end at a line end and
    repeat the previous chunk's last lines, so a match across the boundary is still seen whole."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    overlap = ""  # already scanned; repeated before the next chunk
    pending = ""  # not scanned yet
    line_offset = 0  # lines before ``overlap``
    remaining = max_read
    with opener() as handle:
        while True:
            wanted = min(_CHUNK, remaining) if remaining > 0 else 0
            data = handle.read(wanted) if wanted else b""
            remaining -= len(data)
            final = len(data) < wanted or not data  # a short read is the end of a file
            pending += decoder.decode(data, final=final)
            if final:
                if pending:
                    yield line_offset, overlap + pending
                return
            cut = pending.rfind("\n")
            if cut < 0:
                continue
            text = overlap + pending[: cut + 1]
            yield line_offset, text
            pending = pending[cut + 1:]
            keep_from = text.rfind("\n", 0, max(0, len(text) - _OVERLAP)) + 1
            line_offset += text.count("\n", 0, keep_from)
            overlap = text[keep_from:]


def _read_all(opener: Opener, encoding: str, max_read: int) -> str:
    with opener() as handle:
        return handle.read(max_read).decode(encoding, errors="replace")


# ---------------------------------------------------------------------------------------------


def scan_file(path: str, relpath: str, size: int, settings: ScanSettings = ScanSettings()) -> list[Detection]:
    """Everything wrong with uploading the file at ``path`` (``relpath``: POSIX, relative to the
    snapshot root; it decides the name rules; ``size``: what the snapshot counts)."""
    return scan_content(lambda: open(path, "rb"), relpath, size, settings)


def scan_content(opener: Opener, relpath: str, size: int, settings: ScanSettings = ScanSettings()
                 ) -> list[Detection]:
    """:func:`scan_file` over any content. An unreadable file yields nothing: the snapshot engine
    reports unreadable files itself."""
    try:
        with opener() as handle:
            header = handle.read(_HEADER)
        return _scan(opener, relpath, size, header, settings)
    except OSError:
        return []


def _scan(opener: Opener, relpath: str, size: int, header: bytes, settings: ScanSettings) -> list[Detection]:
    encoding = text_encoding(header)
    cache: list[str] = []

    def head_text() -> str:
        if not cache:
            cache.append(_read_all(opener, encoding or "latin-1", min(settings.max_read, 256 * 1024)))
        return cache[0]

    by_name = name_detection(relpath, head_text)
    fmt = data_format(relpath, header)
    if fmt is not None and size >= settings.data_threshold:
        kind, label = fmt
        return ([by_name] if by_name else []) + [Detection(
            kind, "data", None, f"{_DATA_ADVICE[kind]} ({label}, {format_size(size)})")]
    if encoding is None:
        return [by_name] if by_name else []
    notebook = scan_notebook(_read_all(opener, encoding, settings.max_read)) \
        if relpath.lower().endswith(".ipynb") else None
    detections: list[Detection] = []
    if notebook is not None:
        detections = notebook
    else:
        for offset, chunk in read_chunks(opener, encoding, settings.max_read):
            detections.extend(_shift(scan_text(chunk), offset))
            if offset == 0:
                detections.extend(_first_chunk_rules(relpath, chunk))
    detections = _unique(detections)
    return ([by_name] if by_name else []) + detections


def _first_chunk_rules(relpath: str, chunk: str) -> list[Detection]:
    found: list[Detection] = []
    lowered = relpath.lower()
    if lowered.endswith((".yaml", ".yml")):
        found.extend(scan_yaml(chunk))
    for rule in (personal_data, workspace_config):
        detection = rule(relpath, chunk)
        if detection is not None:
            found.append(detection)
    return found


def _unique(detections: list[Detection]) -> list[Detection]:
    seen: set[tuple[int | None, str]] = set()
    unique: list[Detection] = []
    generic = ("secret", "password", "job-secret-env")
    lines_with_specific = {d.line for d in detections if d.kind not in generic}
    for detection in detections:
        key = (detection.line, detection.kind)
        if key in seen:
            continue
        if detection.kind in generic and detection.line is not None \
                and detection.line in lines_with_specific:
            continue
        seen.add(key)
        unique.append(detection)
    return unique


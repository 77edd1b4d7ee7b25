"""Credentials recognised by their form wherever they appear: a known format checked for structure,
length, alphabet and checksum where one exists, or a credential in the position a format reserves
for it (the password of a URL or a connection string, the value of ``--account-key``).

Each rule finds candidates with a regular expression that starts with a literal wherever it can (the
regex engine then skips ahead fast), and a check that decodes and verifies the candidate; it runs
only on a text that holds one of its needles (literals every match holds).
"""
from __future__ import annotations

import base64
import binascii
import dataclasses
import json
import re
import string
from collections.abc import Callable
from typing import Optional

from snapshot_guard.findings import Severity
from snapshot_guard.sensitive import needles
from snapshot_guard.sensitive.values import (
    entropy,
    is_placeholder,
    is_public_sample,
    is_reference,
    looks_random,
    strength,
)


@dataclasses.dataclass(frozen=True)
class Hit:
    """One credential found in a text, before it becomes a finding."""

    line: int
    """1-based, in the text that was scanned."""
    rule: str
    kind: str
    what: str
    secret: str
    severity: Severity
    why: str
    rank: int = 0
    """Lower is more specific: of two hits on one line, the finding keeps the more specific."""


Verdict = tuple[str, Severity, str]
"""(secret, severity, why)."""
Check = Callable[["re.Match[str]", str], Optional[Verdict]]


@dataclasses.dataclass(frozen=True)
class Rule:
    id: str
    kind: str
    what: str
    pattern: re.Pattern[str]
    check: Check
    """Given the match and the original text: the verdict, or None to reject the candidate."""
    needles: tuple[str, ...]
    """Lower-case literals (:mod:`needles`) of which every match, lower-cased, holds one: a text
    holding none is not searched."""
    folded: bool = False
    """The pattern is lower case and runs over the lower-cased text (ten times faster than ``(?i)``)."""
    rank: int | None = None
    """Of two hits on one line the lower rank is kept; by default the rule's place in :data:`RULES`."""


def _preceded_by(text: str, offset: int, alphabet: re.Pattern[str]) -> bool:
    return offset > 0 and alphabet.match(text, offset - 1) is not None


_WORD = re.compile(r"[\w-]")
_B64_CHAR = re.compile(r"[A-Za-z0-9+/-]")
_ALNUM_CHAR = re.compile(r"[A-Za-z0-9]")
_AAD_CHAR = re.compile(r"[\w~.-]")
_B64 = "A-Za-z0-9+/"
_B64_RUN = re.compile(rf"[{_B64}]+")
_B64_BODY = re.compile(rf"[{_B64}=]*")


def _b64_bytes(value: str) -> bytes | None:
    """The bytes of a base64 (or base64url) value, None when it does not decode."""
    text = value.replace("-", "+").replace("_", "/")
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None


def _by_strength(value: str, *, password: bool, why: str) -> Verdict | None:
    judged = strength(value, password=password)
    if judged is None:
        return None
    return value, ("error" if judged == "secret" else "warning"), why if judged == "secret" \
        else why + ", but the value is short or simple (a weak or made-up secret)"


# --- format checks --------------------------------------------------------------------------------


def _pem_body(match: re.Match[str], text: str) -> Verdict | None:
    """The base64 body after a PEM header, across real or escaped (``\\n``) line ends and quotes. A
    body under 120 characters (an Ed25519, X25519, Ed448 or X448 key: 64 to 100) counts only when it
    decodes to a whole DER private key, which a placeholder or a truncated example does not."""
    tail = text[match.end(): match.end() + 8000].split("-----END", 1)[0]
    tail = re.sub(r"(?m)^[A-Za-z-]+: .*$", "", tail)  # Proc-Type:, DEK-Info:, Version:
    body = re.sub(r"\\[nr]|[\s\"',+]", "", tail)
    run = re.match(r"[A-Za-z0-9+/=]*", body)
    length = len(run.group(0)) if run else 0
    if run is None or length < 40 or "..." in tail[:200]:
        return None
    if length < 120:  # decoded whole: "+" is a base64 character here, not a concatenation
        joined = re.sub(r"\\[nr]|[\s\"',]", "", re.sub(r"[\"']\s*\+\s*[\"']", "", tail))
        exact = _B64_BODY.match(joined).group(0)  # type: ignore[union-attr]  # matches every string
        key = _der_private_key(exact)
        if key is None or entropy(exact) < 4.3:
            return None
        return (match.group(0) + exact, "error",
                f"a PEM private key block with a base64 body of {len(exact)} characters that decodes to a "
                f"whole DER {key}")
    if entropy(body[:400]) < 4.5:
        return None
    if _b64_bytes(run.group(0).rstrip("=")[: length // 4 * 4]) is None:
        return None
    return (match.group(0) + run.group(0), "error",
            f"a PEM private key block with a base64 body of {length} characters")


_SHORT_KEY_OIDS = {bytes.fromhex("06032b65" + last): name for last, name in
                   (("6e", "X25519"), ("6f", "X448"), ("70", "Ed25519"), ("71", "Ed448"))}
"""The algorithm identifiers (1.3.101.110-113) of the keys whose PKCS#8 PEM body is short."""


def _der_private_key(body: str) -> str | None:
    """What the base64 ``body`` is when it decodes to exactly one DER SEQUENCE that starts with a
    version INTEGER of 0 or 1, as PKCS#8, PKCS#1 (RSA), SEC1 (EC) and DSA private keys do; else None."""
    try:
        der = base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        return None
    if len(der) < 2 or der[0] != 0x30:
        return None
    size, start = der[1], 2
    if size & 0x80:  # long form: the next (size & 0x7f) bytes hold the length
        count = size & 0x7F
        if not 0 < count <= 2 or len(der) < 2 + count:
            return None
        size, start = int.from_bytes(der[2: 2 + count], "big"), 2 + count
    if start + size != len(der) or der[start: start + 3] not in (b"\x02\x01\x00", b"\x02\x01\x01"):
        return None
    head = der[start + 3: start + 16]
    algorithm = next((name for oid, name in _SHORT_KEY_OIDS.items() if oid in head), None)
    return f"{algorithm} private key (PKCS#8)" if algorithm else "private key"


def _putty_body(match: re.Match[str], text: str) -> Verdict | None:
    tail = text[match.end(): match.end() + 6000]
    lines = re.search(r"Private-Lines: *\d+\s+([A-Za-z0-9+/=]{40,})", tail)
    if lines is None or is_placeholder(lines.group(1)):
        return None
    return match.group(0) + lines.group(1), "error", "a PuTTY key file with a private part"


def _storage_key(match: re.Match[str], text: str) -> Verdict | None:
    value = text[match.start("value"): match.end("value")]
    decoded = _b64_bytes(value)
    if decoded is None or len(decoded) != 64 or is_public_sample(value) or not looks_random(value, 40):
        return None
    return value, "error", "AccountKey= holds 88 base64 characters (64 bytes): a storage account key"


def _shared_access_key(match: re.Match[str], text: str) -> Verdict | None:
    value = text[match.start("value"): match.end("value")]
    decoded = _b64_bytes(value)
    if decoded is None or len(decoded) != 32 or not looks_random(value, 30):
        return None
    return value, "error", "SharedAccessKey= holds a 32-byte base64 key"


def _url_decoded(value: str) -> str:
    for code, char in (("%2B", "+"), ("%2F", "/"), ("%3D", "=")):
        value = value.replace(code, char).replace(code.lower(), char)
    return value


def _sas(match: re.Match[str], text: str) -> Verdict | None:
    if match.start() > 0 and text[match.start() - 1] not in "?&; \t\n\"'=":
        return None
    value = match.group("value")
    context = text[max(0, match.start() - 600): match.end() + 300]
    if not re.search(r"(?i)\b(?:sv=\d{4}-\d\d-\d\d|se=\d{4}-|skn=|sr=[a-z%]|sp=[a-z]+&)", context):
        return None
    raw = _url_decoded(value)
    decoded = _b64_bytes(raw)
    if decoded is None or len(decoded) != 32 or not looks_random(raw.rstrip("="), 30):
        return None
    return value, "error", "sig= holds a 32-byte HMAC signature beside sv=/se=/sp= fields: a signed SAS token"


def _marked(width: int, before: str, marker: str, why: str, alphabet: re.Pattern[str] = _B64_CHAR) -> Check:
    """Formats whose fixed marker sits inside the value (``Q~`` of Entra ID secrets at character 4,
    ``JQQJ9`` of Azure's identifiable keys at 52, ``+ACR`` at 42): the match is the marker and what
    follows; the ``width`` characters before it must match ``before``."""
    prefix = re.compile(before)

    def check(match: re.Match[str], text: str) -> Verdict | None:
        start = match.start() - width
        if start < 0 or not prefix.fullmatch(text, start, match.start()) \
                or _preceded_by(text, start, alphabet):
            return None
        value = text[start: match.end()]
        if marker not in value or entropy(value) < 4.0 or is_placeholder(value):
            return None
        return value, "error", why
    return check


def _bounded(test: Callable[[str], bool], why: str, before: re.Pattern[str] = _WORD) -> Check:
    def check(match: re.Match[str], text: str) -> Verdict | None:
        value = match.group(0)
        if _preceded_by(text, match.start(), before) or is_placeholder(value) or not test(value):
            return None
        return value, "error", why
    return check


def _random_tail(skip: int, min_length: int, why: str) -> Check:
    """A fixed prefix of ``skip`` characters and a random rest."""
    return _bounded(lambda value: looks_random(value[skip:], min_length), why)


_BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase


def _crc_token(match: re.Match[str], text: str) -> Verdict | None:
    """GitHub (``ghp_`` and friends) and npm tokens: 30 random characters and their CRC32 in base62."""
    value = match.group(0)
    if _preceded_by(text, match.start(), _WORD) or is_placeholder(value):
        return None
    body, checksum = value[4:-6], value[-6:]
    if not looks_random(body, 20):
        return None
    number = 0
    for char in checksum:
        number = number * 62 + _BASE62.index(char)
    if number == binascii.crc32(body.encode()):
        return value, "error", "prefix, 30 random characters and a matching CRC32 checksum"
    return value, "warning", "the token's shape, but its CRC32 checksum does not match (made up or mistyped)"


def _aws_id(value: str) -> bool:
    return entropy(value[4:]) >= 3.0


_TOKEN_CLAIMS = frozenset({"exp", "nbf", "iss", "aud", "oid", "tid", "appid", "azp", "upn", "scp", "roles"})
"""Claims an issued token carries and a documentation sample does not."""


def _jwt(match: re.Match[str], text: str) -> Verdict | None:
    if _preceded_by(text, match.start(), _WORD):
        return None
    value = match.group(0)
    header_part, payload_part, signature = value.split(".", 2)
    header = _b64_bytes(header_part)
    try:
        fields = json.loads(header or b"")
    except ValueError:
        return None
    if not isinstance(fields, dict) or "alg" not in fields:
        return None
    try:
        claims = json.loads(_b64_bytes(payload_part) or b"")
    except ValueError:
        claims = None  # a payload that does not decode: judged by its header
    if is_placeholder(signature) or (isinstance(claims, dict) and _TOKEN_CLAIMS.isdisjoint(claims)):
        return None  # documentation: jwt.io's {"sub", "name", "iat"}, PyJWT's {"some": "payload"}
    if str(fields.get("alg")).lower() == "none" or len(signature) < 16:
        return value, "warning", "an unsigned JSON web token"
    return value, "error", "a signed JSON web token (a bearer credential until it expires)"


# --- credentials in the position a format reserves for them ----------------------------------------

_DATABASE_SCHEME = re.compile(
    r"(?:postgres(?:ql)?|mysql|mariadb|mssql|sqlserver|mongodb(?:\+srv)?|rediss?|amqps?|oracle|snowflake|"
    r"jdbc:[a-z]+|cockroachdb|clickhouse)(?:\+\w+)?$")
_WEB_SCHEME = re.compile(r"(?:https?|ftps?|sftp|git\+https|git\+http|svn\+https|wss?)$")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.:-]{0,30}$")
_DEVOPS_HOST = re.compile(r"(?:[\w.-]*\.)?(?:dev\.azure\.com|visualstudio\.com)\b")
_URL_USER_PASSWORD = re.compile(r"://(?P<user>[^:@/\s\"'<>{}]*):(?P<value>[^@\s\"'<>?]+)@"
                                r"(?P<host>[^/\s\"'<>:?#]+)")


def _scheme(match: re.Match[str], text: str) -> str:
    found = _SCHEME.search(text, max(0, match.start() - 31), match.start())
    return found.group(0).lower() if found else ""


def _url_password(match: re.Match[str], text: str) -> Verdict | None:
    value, user, host = match.group("value"), match.group("user"), match.group("host")
    scheme = _scheme(match, text)
    if value.lower() == user.lower() or host.lower() in ("host", "hostname", "server", "example.com"):
        return None
    if re.match(r"\d+/", value) or ("/" in value and not _DATABASE_SCHEME.search(scheme)):
        return None  # a port and a path (host:8080/path@v1), not a password
    if _DEVOPS_HOST.match(host) and _WEB_SCHEME.search(scheme):
        judged = strength(value, password=False)
        return (value, "error", "the password of an Azure DevOps URL: a personal access token") \
            if judged == "secret" else None
    if _DATABASE_SCHEME.search(scheme):
        return _by_strength(value, password=True, why="the password field of a database URL")
    if _WEB_SCHEME.search(scheme):
        return _by_strength(value, password=True, why="the password field of a URL (user:password@host)")
    return None


def _url_token(match: re.Match[str], text: str) -> Verdict | None:
    """A personal access token as the user name of an Azure DevOps or GitHub URL."""
    value = match.group("value")
    if not _WEB_SCHEME.search(_scheme(match, text)) or not _DEVOPS_HOST.match(match.group("host")):
        return None
    if not looks_random(value, 40):
        return None
    return value, "error", "the user name of an Azure DevOps URL holds a personal access token"


def _line_text(text: str, offset: int) -> str:
    start = text.rfind("\n", 0, offset) + 1
    end = text.find("\n", offset)
    return text[start: end if end >= 0 else len(text)]


_CONNECTION_CONTEXT = re.compile(
    r"(?i)(?:server|data source|host|hostname|user id|uid|user|username|initial catalog|database|dbname|"
    r"port|ssl)\s*=|\.redis\.cache\.|jdbc:")


def _connection_password(match: re.Match[str], text: str) -> Verdict | None:
    if match.start() > 0 and text[match.start() - 1] not in ";, \t\n\"'":
        return None
    line = _line_text(text, match.start())
    column = match.start() - (text.rfind("\n", 0, match.start()) + 1)
    if not _CONNECTION_CONTEXT.search(line[max(0, column - 300): column + 300]):
        return None
    value = text[match.start("value"): match.end("value")]
    value = value[1:-1] if value.startswith("{") and value.endswith("}") else value
    if re.search(r"[()\[\]{}]", value):
        return None
    return _by_strength(value, password=True, why="Password= of a database connection string")


_PASSWORD_P_COMMAND = re.compile(
    r"(?i)\b(?:az|docker|podman|helm|oras)\b[^\n]*\blogin\b|\b(?:sqlcmd|bcp|osql|mysql|mysqldump|mongo|mongosh)\b")
"""Commands whose ``-p`` (``-P``) takes a password."""


def _cli_secret(match: re.Match[str], text: str) -> Verdict | None:
    if match.start() > 0 and not text[match.start() - 1].isspace():
        return None
    value = text[match.start("value"): match.end("value")]
    flag = match.group("flag")
    if flag == "-p" and not _PASSWORD_P_COMMAND.search(_line_text(text, match.start())):
        return None
    if value.startswith(("-", "$", "%")):
        return None
    password = flag in ("-p", "--password")
    return _by_strength(value, password=password, why=f"the value of {flag} on a command line")


_NOT_SECRET_SETTING = re.compile(r"(?i)name|endpoint|url|uri|file|path|type|_id$|id$|user")


def _xml_secret(match: re.Match[str], text: str) -> Verdict | None:
    value = text[match.start("value"): match.end("value")]
    if _NOT_SECRET_SETTING.search(match.group("name")) or "://" in value:
        return None
    return _by_strength(value, password=True, why=f"the value of the {match.group('name')} setting")


def _access_key(match: re.Match[str], text: str) -> Verdict | None:
    if match.start() > 0 and text[match.start() - 1] not in ";\"' \t\n":
        return None
    value = text[match.start("value"): match.end("value")]
    decoded = _b64_bytes(value)
    if decoded is None or len(decoded) not in (32, 64) or is_public_sample(value) \
            or not looks_random(value, 30):
        return None
    return value, "error", f"AccessKey= holds a {len(decoded)}-byte base64 key (SignalR, Communication)"


def _function_key(match: re.Match[str], text: str) -> Verdict | None:
    value = match.group("value")
    if not looks_random(value, 30):
        return None
    return value, "error", "code= of an azurewebsites.net URL: an Azure Functions key"


def _authorization(match: re.Match[str], text: str) -> Verdict | None:
    scheme = match.group("scheme").lower()
    value = text[match.start("value"): match.end("value")]
    if scheme == "basic":
        decoded = _b64_bytes(value)
        password = decoded.decode("utf-8", "replace").split(":", 1) if decoded else []
        if len(password) != 2:
            return None
        verdict = _by_strength(password[1], password=True, why="an Authorization: Basic header")
        return (value, verdict[1], verdict[2]) if verdict else None
    if strength(value, password=False) != "secret":
        return None
    return value, "error", "a bearer token in an Authorization header"


def _securestring(match: re.Match[str], text: str) -> Verdict | None:
    value = text[match.start("value"): match.end("value")]
    return _by_strength(value, password=True, why="a literal made a SecureString with -AsPlainText")


def _curl_user(match: re.Match[str], text: str) -> Verdict | None:
    if not re.search(r"\b(?:curl|wget|http)", _line_text(text, match.start())):
        return None
    return _by_strength(match.group("value"), password=True, why="the password of curl --user USER:PASSWORD")


def _xml_element(match: re.Match[str], text: str) -> Verdict | None:
    name = text[match.start("name"): match.end("name")]
    value = text[match.start("value"): match.end("value")]
    if _NOT_SECRET_SETTING.search(name):
        return None
    return _by_strength(value, password=True, why=f"the text of a <{name}> element")


def _storage_key_near_key(match: re.Match[str], text: str) -> Verdict | None:
    """An 88-character base64 value (64 bytes: a storage or Cosmos DB key) with "key" shortly before."""
    start = match.start() - 86
    if start < 0 or not _B64_RUN.fullmatch(text, start, match.start()) \
            or _preceded_by(text, start, _B64_CHAR):
        return None
    before = text[max(0, start - 160): start].lower()
    if _DIGEST_BEFORE.search(before[-24:]):
        return None
    value = text[start: match.end()]
    if is_public_sample(value) or not looks_random(value, 40) or len(_b64_bytes(value) or b"") != 64:
        return None
    if "key" not in before:
        return value, "warning", "88 base64 characters (64 bytes), the size of a storage or Cosmos DB key, " \
                                 "but nothing names it a key"
    return value, "error", "88 base64 characters (64 bytes: a storage or Cosmos DB key) after 'key'"


_DIGEST_BEFORE = re.compile(r"sha-?512|digest|integrity|hash|checksum|signature")


def _base64_pem(match: re.Match[str], text: str) -> Verdict | None:
    """A PEM private key encoded in base64 (kubeconfig ``client-key-data``, Kubernetes secrets)."""
    decoded = _b64_bytes(match.group(0).rstrip("="))
    header = _PEM_HEADER.search(decoded.decode("ascii", "replace")) if decoded else None
    if header is None:
        return None
    found = _pem_body(header, header.string)
    if found is None:
        return None
    return match.group(0), "error", "base64 of a PEM private key block (" + found[2] + ")"


def _hex_ai_key(match: re.Match[str], text: str) -> Verdict | None:
    value = match.group("value")
    if not looks_random(value, 32):
        return None
    return value, "error", "32 hexadecimal characters where Azure AI services take their key"


_PEM_HEADER = re.compile(r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----")
RULES: tuple[Rule, ...] = (
    Rule("pem-private-key", "private-key", "private key", _PEM_HEADER, _pem_body, needles=("-----begin",)),
    Rule("base64-pem-private-key", "private-key", "private key (base64-encoded PEM)",
         re.compile(r"LS0tLS1CRUdJTi[A-Za-z0-9+/]{120,}={0,2}"), _base64_pem, needles=("ls0tls1crudjti",)),
    Rule("putty-private-key", "private-key", "PuTTY private key",
         re.compile(r"PuTTY-User-Key-File-[23]: *\S+"), _putty_body, needles=("putty-user-key-file-",)),
    Rule("azure-storage-account-key", "azure-storage-key", "Azure storage account key",
         re.compile(r"accountkey\s*=\s*(?P<value>[a-z0-9+/]{86}==)"), _storage_key, needles=("accountkey",),
         folded=True),
    Rule("azure-sas-signature", "sas-token", "Azure shared access signature (SAS) token",
         re.compile(r"sig=(?P<value>[A-Za-z0-9%+/]{30,70}(?:=|%3[dD]){0,2})"), _sas, needles=("sig=",)),
    Rule("azure-shared-access-key", "shared-access-key",
         "Service Bus / Event Hubs / IoT Hub shared access key",
         re.compile(r"sharedaccesskey\s*=\s*(?P<value>[a-z0-9+/]{42,43}=)"), _shared_access_key,
         needles=("sharedaccesskey",), folded=True),
    Rule("entra-client-secret", "azure-client-secret", "Microsoft Entra ID (Azure AD) client secret",
         re.compile(r"Q~[\w~.-]{31,34}(?![\w~.-])"),
         _marked(4, r"[\w~.-]{3}\d", "Q~", "40 characters with the Q~ marker of an Entra ID client secret",
                 _AAD_CHAR), needles=("q~",)),
    Rule("azure-devops-pat-identifiable", "azure-devops-pat", "Azure DevOps personal access token",
         re.compile(r"JQQJ9[9DH][A-Za-z0-9]{14}AZDO[A-Za-z0-9]{4}(?![A-Za-z0-9])"),
         _marked(52, r"[A-Za-z0-9]{52}", "AZDO", "84 characters with the AZDO signature of a DevOps PAT",
                 _ALNUM_CHAR), needles=("jqqj9",)),
    Rule("azure-ai-key-identifiable", "azure-ai-key", "Azure AI services / Azure OpenAI key",
         re.compile(r"JQQJ9[9DH][A-Za-z0-9]{26}(?![A-Za-z0-9])"),
         _marked(52, r"[A-Za-z0-9]{52}", "JQQJ9", "84 characters with the JQQJ9 signature of an Azure AI key",
                 _ALNUM_CHAR), needles=("jqqj9",)),
    Rule("azure-registry-password", "registry-password", "Azure container registry password",
         re.compile(rf"\+ACR[A-Za-z0-9]{{6}}(?![{_B64}])"),
         _marked(42, rf"[{_B64}]{{42}}", "+ACR", "52 characters with the +ACR signature of an ACR password"),
         needles=("+acr",)),
    Rule("databricks-token", "databricks-token", "Databricks personal access token",
         re.compile(r"dapi[0-9a-f]{32}(?:-\d+)?(?!\w)"),
         _bounded(lambda value: entropy(value[4:36]) >= 3.0, "dapi and 32 hexadecimal characters"),
         needles=("dapi",)),
    Rule("aws-access-key-id", "aws-access-key", "AWS access key id",
         re.compile(r"A(?:KIA|SIA|BIA|CCA)[A-Z2-7]{16}(?![A-Z0-9])"),
         _bounded(_aws_id, "AKIA and 16 base32 characters", _ALNUM_CHAR),
         needles=("akia", "asia", "abia", "acca")),
    Rule("github-token", "github-token", "GitHub token",
         re.compile(r"gh[pousr]_[A-Za-z0-9]{36}(?!\w)"), _crc_token,
         needles=("ghp_", "gho_", "ghu_", "ghs_", "ghr_")),
    Rule("github-fine-grained-token", "github-token", "GitHub fine-grained token",
         re.compile(r"github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}(?!\w)"),
         _random_tail(11, 30, "github_pat_ and 82 characters"),
         needles=("github_pat_",)),
    Rule("npm-token", "npm-token", "npm access token", re.compile(r"npm_[A-Za-z0-9]{36}(?!\w)"), _crc_token,
         needles=("npm_",)),
    Rule("gitlab-token", "gitlab-token", "GitLab token",
         re.compile(r"gl(?:pat|dt|rt|ptt)-[A-Za-z0-9_-]{20,}(?![\w-])"),
         _bounded(lambda value: looks_random(value.split("-", 1)[1], 20), "glpat- and 20 random characters"),
         needles=("glpat-", "gldt-", "glrt-", "glptt-")),
    Rule("huggingface-token", "huggingface-token", "Hugging Face token",
         re.compile(r"(?:hf|api_org)_[A-Za-z0-9]{34}(?!\w)"),
         _bounded(lambda value: looks_random(value.split("_")[-1], 30), "hf_ and 34 random letters"),
         needles=("hf_", "api_org_")),
    Rule("openai-key", "openai-key", "OpenAI API key",
         re.compile(r"sk-(?:(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}T3BlbkFJ[A-Za-z0-9_-]{20,}"
                    r"|(?:proj-|svcacct-|admin-)[A-Za-z0-9_-]{40,}|[A-Za-z0-9]{48})(?![\w-])"),
         _bounded(lambda value: looks_random(re.sub(r"^sk-(?:proj|svcacct|admin)?-?|[-_]", "", value), 20),
                  "sk- with OpenAI's T3BlbkFJ marker or project prefix"), needles=("sk-",)),
    Rule("anthropic-key", "anthropic-key", "Anthropic API key",
         re.compile(r"sk-ant-(?:api|admin)\d\d-[A-Za-z0-9_-]{80,}(?![\w-])"),
         _random_tail(14, 40, "sk-ant- and 80 random characters"),
         needles=("sk-ant-",)),
    Rule("slack-token", "slack-token", "Slack token",
         re.compile(r"xox[baprse]-(?:\d+-)+[A-Za-z0-9]{16,}(?![\w-])"),
         _bounded(lambda value: looks_random(value.rsplit("-", 1)[1], 16), "xox?- and numbered parts"),
         needles=("xox",)),
    Rule("stripe-key", "stripe-key", "Stripe live key", re.compile(r"(?:sk|rk)_live_[A-Za-z0-9]{24,}(?!\w)"),
         _random_tail(8, 20, "sk_live_ and 24 random characters"),
         needles=("_live_",)),
    Rule("google-api-key", "google-api-key", "Google API key", re.compile(r"AIza[0-9A-Za-z_-]{35}(?![\w-])"),
         _random_tail(4, 20, "AIza and 35 random characters"),
         needles=("aiza",)),
    Rule("google-oauth-client-secret", "secret", "Google OAuth client secret",
         re.compile(r"GOCSPX-[A-Za-z0-9_-]{28}(?![\w-])"),
         _random_tail(7, 20, "GOCSPX- and 28 random characters"),
         needles=("gocspx-",)),
    Rule("pypi-token", "pypi-token", "PyPI upload token",
         re.compile(r"pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}"),
         _bounded(lambda value: looks_random(value[-40:], 20), "a pypi.org macaroon"),
         needles=("pypi-ageichlwas5vcmc",)),
    Rule("sendgrid-key", "sendgrid-key", "SendGrid API key",
         re.compile(r"SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}(?![\w-])"),
         _bounded(lambda value: looks_random(value[-43:], 30), "SG. and two random parts"),
         needles=("sg.",)),
    Rule("json-web-token", "jwt", "JSON web token",
         re.compile(r"eyJ[A-Za-z0-9_-]{10,}={0,2}\.[A-Za-z0-9_+/-]{16,}={0,2}\.[A-Za-z0-9_+/=-]{0,600}"),
         _jwt, needles=("eyj",)),
    Rule("azure-ai-key-header", "azure-ai-key",
         "Azure AI services key in an Ocp-Apim-Subscription-Key header",
         re.compile(r"ocp-apim-subscription-key[\"']?\s*[:=,]\s*[\"']?(?P<value>[0-9a-f]{32})(?![0-9a-z])"),
         _hex_ai_key, needles=("ocp-apim-subscription-key",), folded=True),
    Rule("azure-ai-key-subscription", "azure-ai-key", "Azure AI services key passed as the subscription",
         re.compile(r"subscription(?:(?<=fromsubscription)\(\s*|(?:_?key)?\s*[=:]\s*)"
                    r"[\"'](?P<value>[0-9a-f]{32})[\"']"),
         _hex_ai_key, needles=("subscription",), folded=True),
    Rule("url-user-password", "url-credential", "password in a URL", _URL_USER_PASSWORD, _url_password,
         needles=("://",)),
    Rule("url-token-user", "azure-devops-pat", "Azure DevOps personal access token in a URL",
         re.compile(r"://(?P<value>[a-z2-7]{52}|[A-Za-z0-9]{84})@(?P<host>[^/\s\"'<>:?#]+)"), _url_token,
         needles=("://",)),
    Rule("connection-string-password", "database-password", "password in a database connection string",
         re.compile(r"(?:password|pwd)\s*=\s*(?P<value>\{[^}\n]*\}|[^;,\"'\s\\]+)"), _connection_password,
         needles=("password", "pwd"), folded=True),
    Rule("command-line-secret", "secret", "secret passed on a command line",
         re.compile(r"(?P<flag>--(?:account-key|sas-token|password|client-secret|secret|token|api-key|"
                    r"access-token|pat)|-p)(?:=|\s+)(?P<q>[\"']?)(?P<value>[^\s\"'|;&]{6,})(?P=q)"),
         _cli_secret, folded=True,
         needles=("-p", "--account-key", "--sas-token", "--client-secret", "--secret", "--token", "--api-key",
                  "--access-token")),
    Rule("xml-setting-secret", "secret", "secret in an XML setting",
         re.compile(r"key=\"(?P<name>[^\"]*(?:password|secret|token|apikey|api_key|accountkey)[^\"]*)\""
                    r"\s+value=\"(?P<value>[^\"]{6,})\""), _xml_secret, needles=('key="',), folded=True),
    Rule("azure-access-key", "secret", "Azure service access key in a connection string",
         re.compile(r"accesskey\s*=\s*(?P<value>[a-z0-9+/]{42,43}=|[a-z0-9+/]{86}==)"), _access_key,
         needles=("accesskey",), folded=True),
    Rule("azure-search-key-identifiable", "azure-ai-key", "Azure AI Search key",
         re.compile(r"AzSe[A-Za-z0-9]{6}(?![A-Za-z0-9])"),
         _marked(42, r"[A-Za-z0-9]{42}", "AzSe", "52 characters with the AzSe signature of an AI Search key",
                 _ALNUM_CHAR), needles=("azse",)),
    Rule("azure-function-key", "secret", "Azure Functions key in a URL",
         re.compile(r"\.azurewebsites\.net/[^\s\"'<>]*?[?&]code=(?P<value>[A-Za-z0-9_\-]{30,}={0,2})"),
         _function_key, needles=(".azurewebsites.net/",)),
    Rule("authorization-header", "secret", "credential in an Authorization header",
         re.compile(r"authorization[\"']?\s*[:=]\s*[\"']?(?P<scheme>bearer|basic)\s+(?P<value>[a-z0-9._~+/=-]{16,})"),
         _authorization, needles=("authorization",), folded=True),
    Rule("powershell-securestring", "password", "password made a SecureString",
         re.compile(r"convertto-securestring\s+(?:-string\s+)?[\"'](?P<value>[^\"'\n]{6,})[\"']\s+-asplaintext"),
         _securestring, needles=("convertto-securestring",), folded=True),
    Rule("curl-user-password", "password", "password in curl --user",
         re.compile(r"-(?:u|-user)[ =][\"']?(?P<user>[^:\s\"'$]+):(?P<value>[^\s\"'@$]{6,})"), _curl_user,
         needles=("-u",)),
    Rule("xml-element-secret", "secret", "secret in an XML element",
         re.compile(r"<(?P<name>[\w.:-]*(?:password|secret|token|apikey|api_key|accesskey|accountkey))>"
                    r"(?P<value>[^<\n]{6,})</"), _xml_element, folded=True,
         needles=("password>", "secret>", "token>", "apikey>", "api_key>", "accesskey>", "accountkey>")),
    # After the named literals (rank 100): "COSMOS_KEY = ..." says more than "a key of this shape".
    Rule("storage-key-after-key", "azure-storage-key", "Azure storage or Cosmos DB key",
         re.compile(rf"==(?![{_B64}=])"), _storage_key_near_key, needles=("==",), rank=105),
)
PROSE_RULES = frozenset(rule.id for rule in RULES if rule.id not in (
    "command-line-secret", "xml-setting-secret", "azure-ai-key-subscription", "powershell-securestring",
    "curl-user-password", "xml-element-secret"))
"""What markdown and prose are read for: formats, not settings (``--password`` in a how-to is a
placeholder more often than not)."""


_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
NEEDLES = needles.compile_needles(needle for rule in RULES for needle in rule.needles)


def needles_in(text: str) -> frozenset[str]:
    return needles.find(NEEDLES, text)


def lower(text: str) -> str:
    """Lower case at the same offsets: ASCII only where full lower-casing changes the length (``İ``)."""
    lowered = text.lower()
    return lowered if len(lowered) == len(text) else text.translate(_ASCII_LOWER)


def _kind(rule: Rule, match: re.Match[str], text: str) -> str:
    if rule.id != "url-user-password":
        return rule.kind
    scheme, host = _scheme(match, text), match.group("host")
    if _DEVOPS_HOST.match(host) and _WEB_SCHEME.search(scheme):
        return "azure-devops-pat"
    return "database-password" if _DATABASE_SCHEME.search(scheme) else "url-credential"


def scan_formats(text: str, *, prose: bool = False, present: frozenset[str] | None = None) -> list[Hit]:
    """Every credential recognised by its form in ``text`` (with offsets); ``prose``: markdown and
    prose, read only for formats and only for what they confirm (no warnings); ``present``: the
    needles ``text`` holds, when known (at least those of :data:`NEEDLES`)."""
    hits: list[Hit] = []
    present = needles_in(text) if present is None else present
    if present.isdisjoint(NEEDLES.all):
        return hits
    lowered: str | None = None  # lower-cased on first need
    passes: dict[tuple[re.Pattern[str], bool], list[re.Match[str]]] = {}  # rules sharing a pattern
    for rank, rule in enumerate(RULES):
        if present.isdisjoint(rule.needles) or (prose and rule.id not in PROSE_RULES):
            continue
        if rule.folded:
            lowered = target = lower(text) if lowered is None else lowered
        else:
            target = text
        matches = passes.get((rule.pattern, rule.folded))
        if matches is None:
            matches = passes[rule.pattern, rule.folded] = list(rule.pattern.finditer(target))
        for match in matches:
            verdict = rule.check(match, text)
            if verdict is None or is_reference(verdict[0]):
                continue
            secret, severity, why = verdict
            if prose and severity != "error":
                continue
            line = text.count("\n", 0, match.start()) + 1
            hits.append(Hit(line, rule.id, _kind(rule, match, text), rule.what, secret, severity,
                            f"{rule.id}: {why}", rank if rule.rank is None else rule.rank))
    return hits

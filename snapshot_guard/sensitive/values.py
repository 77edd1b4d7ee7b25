"""What a literal is: a reference to a secret kept elsewhere, a placeholder, the name of a setting, or a
value with the strength of a real secret. Pure functions of one string."""
from __future__ import annotations

import math
import re
from typing import Literal

Strength = Literal["secret", "weak"]
"""``secret``: the length, alphabet and entropy of a generated key or a real password (an error);
``weak``: a literal that is neither a placeholder nor strong (a warning)."""


def mask(secret: str) -> str:
    """At most four characters and the length: enough to find the value, never enough to use it."""
    shown = 4 if len(secret) >= 16 else 2 if len(secret) >= 10 else 0
    return f"{secret[:shown]}*** ({len(secret)} chars)"


def entropy(value: str) -> float:
    """Shannon entropy in bits per character."""
    counts: dict[str, int] = {}
    for char in value:
        counts[char] = counts.get(char, 0) + 1
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values()) if value else 0.0


# SHA-256 of published sample keys, kept as digests so that this file holds none: the Azure Storage
# emulator's (Azurite) account key and the Cosmos DB emulator's key.
_PUBLIC_KEY_DIGESTS = frozenset({
    "0011cc25eb4320717494d2703e8cba85743e71b500283c21c8b88147992f9059",
    "aa6547439583c3a275d4542a0df6c1ad6a863971be9f2a2220f027cc02aef615",
})
# AWS's documented keys all contain EXAMPLE; the emulator's account and its shortcut.
_PUBLIC_MARKERS = ("EXAMPLE", "devstoreaccount1", "UseDevelopmentStorage")


def is_public_sample(value: str) -> bool:
    """A documented sample value: the storage or Cosmos DB emulator key, AWS's example keys."""
    if any(marker in value for marker in _PUBLIC_MARKERS):
        return True
    import hashlib  # here: most runs meet no candidate, and the import costs a hook 3 ms

    return hashlib.sha256(value.encode()).hexdigest() in _PUBLIC_KEY_DIGESTS


_REFERENCE_ANYWHERE = re.compile(
    r"\$\{|\$\(|\{\{|\{%|%\(\w+\)[sdr]|\$env:|#\{|@\{|\$\[\[|\benv\(|\bsecret\(|\bgetenv\b|\bos\.environ"
    r"|process\.env\.|Environment\.GetEnvironmentVariable|Sys\.getenv|dbutils\.secrets"
    r"|\{[A-Za-z_]\w*\}|\{\d*\}"
)
_REFERENCE_WHOLE = re.compile(
    r"""(?x)
    \$[A-Za-z_]\w*                      # $VAR
    |%[A-Za-z_][\w.]*%                  # %VAR%
    |\[\s*[a-zA-Z]+\(.*\)\s*\]          # ARM: [parameters('x')], [listKeys(...)]
    |@[A-Za-z][\w.]*\(.*                # @Microsoft.KeyVault(...), @pipeline().parameters.x
    |__[A-Za-z]\w*__                    # __TOKEN__ replaced at release time
    |\$[A-Za-z][\w.-]*\$                # $bot-password$ (Teams Toolkit)
    |@(?:Model|ViewData|ViewBag|TempData|Configuration)\b.*  # Razor
    |\{[^{}\s]+\}                       # {azureOpenAIKey.GetClearTextPassword()}
    |!(?:ENV|Ref|Sub|GetAtt|ImportValue)\b.*
    |(?:vars|secrets|env|inputs|parameters|variables)\.[\w.]+
    """
)


def is_reference(value: str) -> bool:
    """An environment, template or key-vault reference, not the secret: ``$VAR``, ``${VAR}``,
    ``$(VAR)``, ``%VAR%``, ``{{ ... }}``, ``${{ secrets.X }}``, ``[parameters('x')]``, ``{0}``."""
    text = value.strip()
    return _REFERENCE_WHOLE.fullmatch(text) is not None or _REFERENCE_ANYWHERE.search(text) is not None


_PLACEHOLDER_WORDS = re.compile(
    r"(?i)your|example|placeholder|change_?-?me|replace|redacted|dummy|fake|sample|lorem|insert|todo|fixme"
    r"|tbd|here|not[-_]?real|test|xxx|secret_?value|mock|demo"
)
_PLACEHOLDER_MARKS = ("***", "...", "\u2026", "<", ">", "\u25cf", "\u2022")
_MY_WORDS = re.compile(r"(?i)my[-_ ]?[a-z][a-z_ -]*\d{0,4}")
_SEQUENCES = ("0123456", "1234567", "abcdefg", "qwerty", "asdfgh")
_DEFAULT_WORDS = re.compile(r"password|passwd|passw|secret|changeme|admin|welcome|letmein|qwerty|default|"
                            r"root|guest|login|master|azure|pass|user|key|token|postgres|mysql|mssql|redis|"
                            r"mongo|oracle|rabbitmq|minio|airflow|mlflow|jupyter|docker|sa")
_LEET = str.maketrans("@4310$5!7", "aaeiossit")


def _separator(char: str) -> bool:
    return bool(char) and not char.isalnum() and char not in "+/="


def is_placeholder(value: str) -> bool:
    """``<your-key>``, ``xxxx``, ``mypassword``, ``changeme``, ``test-secret``, ``P@ssw0rd1``, a run of
    one character, a documented sample: not a secret."""
    text = value.strip().strip("\"'`")
    if not text or is_public_sample(text) or any(mark in text for mark in _PLACEHOLDER_MARKS):
        return True
    lowered = text.lower()
    for word in _PLACEHOLDER_WORDS.finditer(text):
        # In a long random value a short word turns up by chance; there, only one set off by a
        # separator counts (not by an end of the value, nor by base64's + and /).
        start, end = word.span()
        if len(text) < 24 or _separator(text[start - 1: start]) or _separator(text[end: end + 1]):
            return True
    if _MY_WORDS.fullmatch(text) or len(set(lowered)) < min(6, 2 + len(text) // 8):
        return True
    if any(sequence in lowered for sequence in _SEQUENCES):
        return True
    # A default password in any spelling: "Passw0rd!", "admin123", "P@ssword2024".
    letters = re.sub(r"[^a-z]", "", lowered.translate(_LEET))
    rest = _DEFAULT_WORDS.sub("", letters)
    return rest != letters and len(rest) <= 2 and len(text) <= 20


_SETTING_NAME = re.compile(
    r"""(?x)
    [A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+       # AZURE_SEARCH_ADMIN_KEY
    |[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+      # JIRA-SERVER-PASSWORD
    |[a-z][a-z0-9]*(?:[-_.][a-z0-9]+)+  # storage-account-key, db_password, kv.secret
    |[a-z]+(?:[A-Z][a-z0-9]+)+          # adminPasswordOrKey
    |[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+    # an attribute chain: sc._jvm.com.microsoft.TokenLibrary
    |(?:[A-Z][a-z]+){2,}                # StorageAccountKey
    |[A-Za-z][a-z]+(?:[-_. ][A-Za-z][a-z]+)+  # Crime-Dataset, Secret_Name
    |--?[A-Za-z][\w-]*                  # --model-store: an option
    """
)
_FILE_NAME = re.compile(r"[\w.-]+\.(?:json|ya?ml|txt|csv|pem|key|crt|cer|pfx|p12|env|ini|cfg|conf|py|sh|pub)")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_HEX = re.compile(r"[0-9a-fA-F]+")


def is_name_like(value: str) -> bool:
    """The name of a setting, a variable or an attribute chain, a path or a URL: what code passes
    where a secret goes when it means "look it up" (``AzureKeyCredential("AZURE_SEARCH_ADMIN_KEY")``)."""
    text = value.strip()
    if _SETTING_NAME.fullmatch(text) and not _mixed_digits(text):
        return True
    if "://" in text or text.startswith(("./", "../", "~/", "\\\\")):
        return True
    if text.startswith("/") and not looks_random(text.replace("/", ""), 16):
        return True  # a path; base64 may start with a slash too
    return _FILE_NAME.fullmatch(text) is not None


def _mixed_digits(text: str) -> bool:
    """Digits inside letters (``aB3dE9``), as in a generated value; not ``model_v2`` or ``KEY_1``."""
    return len(re.findall(r"[A-Za-z]\d+[A-Za-z]", text)) >= 2


def character_classes(value: str) -> int:
    return sum((any(c.islower() for c in value), any(c.isupper() for c in value),
                any(c.isdigit() for c in value), any(not c.isalnum() for c in value)))


_WORD_PARTS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|[^A-Za-z]+")


def is_wordy(value: str) -> bool:
    """Words run together (``webpages:Enabled``, ``CrimeDataset``): no digit, and every part between
    case changes and punctuation a pronounceable word."""
    if any(char.isdigit() for char in value):
        return False
    parts = [part for part in _WORD_PARTS.findall(value) if part[0].isalpha()]
    return bool(parts) and all(len(part) >= 3 and re.search(r"[aeiouyAEIOUY]", part) for part in parts)


def looks_random(value: str, min_length: int = 16) -> bool:
    """The length, alphabet mix and entropy of a generated key, not a word, a name or a pattern."""
    if len(value) < min_length or is_placeholder(value) or _UUID.fullmatch(value) or " " in value:
        return False
    if is_wordy(value):
        return False
    if _SETTING_NAME.fullmatch(value) and not _mixed_digits(value):
        return False
    if _HEX.fullmatch(value):
        return len(value) >= 16 and entropy(value) >= 3.0 and any(c.isdigit() for c in value) \
            and any(c.isalpha() for c in value)
    if sum((any(c.islower() for c in value), any(c.isupper() for c in value),
            any(c.isdigit() for c in value))) < 2:
        return False
    return entropy(value) >= min(3.5, math.log2(len(value)) - 0.7)


def strength(value: str, *, password: bool) -> Strength | None:
    """How much ``value``, found where a credential goes, looks like a real one.

    None for what is not a secret at all: a reference, a placeholder, a setting's name, a path, prose,
    one word. A password is a secret from 8 characters in three classes (``Summer2024!``) or 12 in
    two, and weak below; a key or token needs the entropy of a generated value (a GUID is weak)."""
    text = value.strip()
    if len(text) < (6 if password else 8) or len(text) > 2048 or "\n" in text:
        return None
    if is_reference(text) or is_placeholder(text) or is_name_like(text):
        return None
    if re.search(r"\s", text):
        return None
    if _UUID.fullmatch(text):
        return "weak"  # some services issue GUID keys; most GUIDs are identifiers
    classes = character_classes(text)
    if re.fullmatch(r"[A-Za-z][a-z]*|[A-Z]+", text):
        return None  # one word: a default or a name, not a secret
    if password:
        if (len(text) >= 8 and classes >= 3) or (len(text) >= 12 and classes >= 2 and entropy(text) >= 3.0) \
                or looks_random(text, 16):
            return "secret"
        return "weak"
    return "secret" if looks_random(text, 16) else None

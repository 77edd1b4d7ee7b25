"""Literals handed to a credential: assigned to a credential-named target, passed as a credential
argument, or written as a credential-named setting. The value must be a literal (Python read with
``ast``; other languages need quotes; configuration formats are parsed), and it must have the
strength of a secret (:func:`values.strength`): an expression, a variable, an environment or template
reference, a setting's name or a placeholder is not one."""
from __future__ import annotations

import ast
import re
from typing import Protocol

from snapshot_guard.sensitive.formats import Hit
from snapshot_guard.sensitive.values import strength

# --- names ------------------------------------------------------------------------------------------

_NOT_SECRET_LAST = frozenset("""
name names id ids file files path paths dir directory folder url urls uri uris endpoint endpoints type types
length len size count limit timeout ttl version format field fields column columns scope scopes mode enabled
required label labels description template prefix suffix hash checksum digest env var variable variables
param params parameter parameters arg args hint prompt location region header headers kind policy store
manager client provider source expiry expires expiration exp at time date duration lifetime index idx
position offset flag option options setting settings question help message msg text title placeholder
example sample regex pattern attr attribute property ref reference bits algorithm alg strength rotation
validity days user username login account owner holder reader loader getter setter callback handler
provider service library lib module class fn func function method policy rule rules config configuration
""".split())  # noqa: SIM905 (a list literal would take 200 lines)
_NOT_SECRET_ANY = frozenset("""
public publishable tokenizer tokenizers tokens max min num vault keyvault kv cache idempotency partition sort
foreign instrumentation insights appinsights hashed salt issuer audience algorithm counter eos bos pad unk
sep cls mask special vocab bpe masked fake dummy mock example sample test placeholder natural composite
row lookup map dict hotkey shortcut keyboard keystroke keypress keyword keywords monkey turkey whiskey
""".split())  # noqa: SIM905
_KIND_OF_NAME: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), kind) for pattern, kind in (
    (r"client_?secret|_sp_(?:password|secret)|service_?principal_(?:password|secret|key)|_app_?secret|"
     r"_aad_?secret|tenant_secret|principal_secret", "azure-client-secret"),
    (r"aws_secret|secret_access_key", "aws-secret-key"),
    (r"cosmos\w*_(?:key|password|secret|token)|master_?key|primary_?key|secondary_?key", "cosmos-key"),
    (r"account_?key|storage\w*_key|_blob\w*_key|datalake\w*_key|_adls\w*_key", "azure-storage-key"),
    (r"_sas_|sas_?token|sas_?key", "sas-token"),
    (r"(?:openai|aoai|cognitive|speech|translator|vision|language|search|ocp_apim|subscription|ai_?services|"
     r"content_?safety|form_?recognizer|document_?intelligence|anthropic|_llm|_gpt)\w*_(?:key|secret|token)",
     "azure-ai-key"),
    (r"_(?:ado|azdo|devops|vsts)_\w*(?:token|pat|key|password|secret)|personal_access|_pat_|"
     r"system_?accesstoken", "azure-devops-pat"),
    (r"_(?:acr|registry|docker)\w*_(?:password|secret|token|key|pass|pwd)", "registry-password"),
    (r"_(?:databricks|dbx)\w*_(?:token|key|secret)", "databricks-token"),
    (r"hugging_?face\w*_(?:token|key)|_hf_\w*(?:token|key)", "huggingface-token"),
    (r"_(?:github|gh)_\w*(?:token|pat|key)", "github-token"),
    (r"gitlab\w*_(?:token|key)", "gitlab-token"),
    (r"passw(?:or)?d|passwd|_pwd_|passphrase|_pass_|_pw_", "password"),
    (r"secret|token|api_?key|apikey|access_?key|auth_?key|private_?key|signing_?key|encryption_?key|"
     r"_conn(?:ection)?_?str(?:ing)?_|connection_?string|credentials?_|_bearer_|_\w+_key_|^_key_$", "secret"),
))
PASSWORD_KINDS = frozenset({"password", "database-password", "service-principal-password",
                            "registry-password", "url-credential"})
_HEX32 = re.compile(r"[0-9a-f]{32}")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_NAME_SPLIT = re.compile(r"[^a-z0-9]+")


def credential_kind(name: str) -> str | None:
    """The kind of credential a target named ``name`` holds (``AZURE_CLIENT_SECRET``, ``clientSecret``,
    ``Ocp-Apim-Subscription-Key``, ``db.password``), None for any other name (``secret_name``,
    ``max_tokens``, ``token_url``, ``cache_key``)."""
    tokens = [token for token in _NAME_SPLIT.split(_CAMEL.sub("_", name).lower()) if token]
    if not tokens or tokens[-1] in _NOT_SECRET_LAST or not _NOT_SECRET_ANY.isdisjoint(tokens):
        return None
    snake = "_" + "_".join(tokens) + "_"
    for pattern, kind in _KIND_OF_NAME:
        if pattern.search(snake):
            return kind
    return None


_KIND_WHAT = {
    "azure-client-secret": "Microsoft Entra ID client secret",
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
    "service-principal-password": "service principal password",
    "azureml-datastore-credential": "datastore credential",
    "datastore-credentials": "datastore credential",
    "job-secret-env": "secret in a job's environment variables",
}


NAMED_RANK = 100
"""The rank of a named literal: after every format that recognises a value by its form."""


def named_hit(name: str, value: str, line: int, *, kind: str | None = None, how: str = "assigned to",
              rank: int = NAMED_RANK, rule: str = "credential-named-literal") -> Hit | None:
    """The hit for ``value`` given to the target ``name``, when the name says "credential" (or
    ``kind`` is given) and the value has the strength of one."""
    kind = kind or credential_kind(name)
    if kind is None:
        return None
    if kind == "secret" and _HEX32.fullmatch(value):
        kind = "azure-ai-key"  # the key format of Azure AI services and Azure OpenAI
    judged = strength(value, password=kind in PASSWORD_KINDS or credential_kind(name) == "password")
    if judged is None:
        return None
    what = f"{_KIND_WHAT.get(kind, kind)} {how} {name}"
    if judged == "secret":
        why = f"{rule}: a literal {how} {name}, not a reference nor a placeholder, as strong as a secret"
        return Hit(line, rule, kind, what, value, "error", why, rank)
    why = f"{rule}: a literal {how} {name}, but short or simple: a weak or made-up secret"
    return Hit(line, rule, kind, what, value, "warning", why, rank + 10)


# --- Python, read with ast -------------------------------------------------------------------------

# Calls that take a credential by position or by a keyword whose name does not say so.
_CREDENTIAL_ARGUMENTS: dict[str, tuple[str, int, tuple[str, ...]]] = {
    "ServicePrincipalAuthentication": ("service-principal-password", 2, ("service_principal_password",)),
    "ClientSecretCredential": ("azure-client-secret", 2, ("client_secret",)),
    "AzureKeyCredential": ("azure-ai-key", 0, ("key",)),
    "AzureNamedKeyCredential": ("azure-storage-key", 1, ("key",)),
    "StorageSharedKeyCredential": ("azure-storage-key", 1, ("account_key",)),
    "AzureSasCredential": ("sas-token", 0, ("signature",)),
    "SpeechConfig": ("azure-ai-key", -1, ("subscription",)),
    "SpeechTranslationConfig": ("azure-ai-key", -1, ("subscription",)),
    "TranslationConfig": ("azure-ai-key", -1, ("subscription",)),
    "CognitiveServicesCredentials": ("azure-ai-key", 0, ("subscription_key",)),
    "ApiKeyCredentials": ("azure-ai-key", -1, ("in_headers",)),
    "UsernamePasswordCredential": ("password", 3, ("password",)),
    "HTTPBasicAuth": ("password", 1, ("password",)),
    "HTTPDigestAuth": ("password", 1, ("password",)),
    "BasicAuth": ("password", 1, ("password",)),
    "set_secret": ("secret", 1, ("value",)),
    "FromSubscription": ("azure-ai-key", 0, ()),
    "FTP": ("password", 2, ("passwd",)),
    "FTP_TLS": ("password", 2, ("passwd",)),
    "login": ("password", 1, ("password",)),
    "fromSubscription": ("azure-ai-key", 0, ()),
    **{call: ("azureml-datastore-credential", -1, ("account_key", "sas_token", "client_secret", "password"))
       for call in ("register_azure_blob_container", "register_azure_file_share", "register_azure_data_lake",
                    "register_azure_data_lake_gen2", "register_azure_sql_database",
                    "register_azure_postgre_sql", "register_azure_my_sql", "AccountKeyConfiguration",
                    "SasTokenConfiguration", "ServicePrincipalConfiguration", "CertificateConfiguration")},
}
_ENVIRONMENT_SETTERS = frozenset({"setdefault", "putenv", "setenv", "set_key"})
_MAGIC = re.compile(r"^\s*(?:[%!?]|%%)|\?\s*$")
_CANDIDATE = re.compile(
    r"(?:passw|pwd|pass\b|passphrase|secret|token|key|credential|bearer|sas|conn|auth|subscription|"
    r"signature)[^\n]{0,80}?[=:(,]\s*[rbfu]{0,2}[\"']"
)
_CALL_MARKERS = tuple(sorted({call.lower() + "(" for call in _CREDENTIAL_ARGUMENTS}))


def _candidate(lowered: str) -> bool:
    """What any hit of :func:`python_hits` needs somewhere: a credential's name before a string, or a
    call that takes a credential. A file without it is not parsed."""
    return any(marker in lowered for marker in _CALL_MARKERS) or _CANDIDATE.search(lowered) is not None


def _target_name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Subscript):
        return _string(node.slice)
    return None


def _string(node: ast.expr | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _call_name(node: ast.Call) -> str:
    function = node.func
    if isinstance(function, ast.Attribute):
        return function.attr
    return function.id if isinstance(function, ast.Name) else ""


def parse_python(source: str) -> ast.Module | None:
    """The module, or None; notebook magics (``%pip``, ``!az``, ``%%bash``) are blanked out first."""
    try:
        return ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        pass
    lines = source.split("\n")
    if lines and lines[0].lstrip().startswith("%%"):
        return None
    blanked = "\n".join("" if _MAGIC.search(line) else line for line in lines)
    try:
        return ast.parse(blanked)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def python_hits(source: str) -> list[Hit] | None:
    """Credential literals in Python code; None when it does not parse (read it as text then)."""
    if not _candidate(source.lower()):
        return []
    tree = parse_python(source)
    if tree is None:
        return None
    hits: list[Hit] = []

    def add(name: str | None, value: ast.expr | None, kind: str | None = None, how: str = "assigned to"
            ) -> None:
        text = _string(value)
        if name is not None and text is not None and value is not None:
            rule = "credential-argument" if kind is not None else "credential-named-literal"
            hit = named_hit(name, text, value.lineno, kind=kind, how=how, rule=rule)
            if hit is not None:
                hits.append(hit)

    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                add(_target_name(target), node.value)
        elif isinstance(node, (ast.AnnAssign, ast.NamedExpr)):
            add(_target_name(node.target), node.value)
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values):
                add(_string(key), value, how="given as")
        elif isinstance(node, ast.Call):
            _call_hits(node, add)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            arguments = node.args
            positional = arguments.posonlyargs + arguments.args
            for argument, default in zip(positional[len(positional) - len(arguments.defaults):],
                                         arguments.defaults):
                add(argument.arg, default, how="as the default of")
            for argument, kw_default in zip(arguments.kwonlyargs, arguments.kw_defaults):
                add(argument.arg, kw_default, how="as the default of")
    return hits


def _call_hits(node: ast.Call, add: _Add) -> None:
    name = _call_name(node)
    known = _CREDENTIAL_ARGUMENTS.get(name)
    for keyword in node.keywords:
        if keyword.arg is None:
            continue
        if known is not None and keyword.arg in known[2]:
            add(keyword.arg, keyword.value, kind=known[0], how=f"passed to {name}() as")
        elif keyword.arg == "auth" and isinstance(keyword.value, ast.Tuple) and len(keyword.value.elts) == 2:
            add("password", keyword.value.elts[1], kind="password", how="passed as auth=(user, password):")
        else:
            add(keyword.arg, keyword.value, how="passed as")
    if known is not None and 0 <= known[1] < len(node.args):
        add(f"argument {known[1] + 1}", node.args[known[1]], kind=known[0], how=f"passed to {name}() as")
    if name in _ENVIRONMENT_SETTERS and len(node.args) >= 2:
        add(_string(node.args[-2]), node.args[-1], how="set as")


class _Add(Protocol):
    def __call__(self, name: str | None, value: ast.expr | None, kind: str | None = None,
                 how: str = "assigned to") -> None: ...


# --- other languages: quoted literals ---------------------------------------------------------------

_NAMED_LITERAL = re.compile(
    r"""(?x)  # over the lower-cased text
    (?P<keyword>passw(?:or)?d|passwd|pwd|pass|passphrase|secret|token|key|credential|bearer|sas|conn)
    (?P<rest>[a-z0-9_\-]{0,40})
    (?P<close>["'\]]{0,2})
    (?:\s{0,3}:\s{0,3}[a-z][\w.]{0,20}(?=\s{0,3}=)|\s{1,3}(?:string|securestring|str)(?=\s{0,3}=))?  # a type
    \s{0,3}(?P<sep>:=|<-|=>|==|[:=,])\s{0,3}
    (?P<prefix>[rbfu@$]{0,2})
    (?:"(?P<double>[^"\n\\]{6,2048})"|'(?P<single>[^'\n\\]{6,2048})'|`(?P<back>[^`\n\\]{6,2048})`)
    """
)
_NAME_CHAR = re.compile(r"[A-Za-z0-9_.$@-]")


def text_hits(text: str, lowered: str) -> list[Hit]:
    """``NAME = "value"``, ``"name": "value"``, ``name <- "value"``, ``setenv("NAME", "value")``:
    credential literals in any language, quoted."""
    hits: list[Hit] = []
    for match in _NAMED_LITERAL.finditer(lowered):
        sep = match.group("sep")
        if sep == "==" or (sep == "," and not match.group("close")):
            continue
        begin = match.start()
        while begin > max(0, match.start() - 60) and _NAME_CHAR.match(text, begin - 1):
            begin -= 1
        name = text[begin: match.end("rest")].lstrip("$@.-")
        if sep == "," and not re.search(r"\(\s*[\"']$", text[max(0, begin - 30): begin]):
            continue  # only ``setenv("NAME", "value")``, not a list of strings
        if name.startswith(("env:", "env.")):
            name = name[4:]
        group = next(group for group in ("double", "single", "back") if match.group(group) is not None)
        value = text[match.start(group): match.end(group)]
        if "{" in value and match.group("prefix") in ("f", "$", "@$", "$@"):
            continue
        hit = named_hit(name, value, text.count("\n", 0, match.start()) + 1)
        if hit is not None:
            hits.append(hit)
    return hits


_CALL_TEXT = re.compile(
    r"\b(?P<call>" + "|".join(sorted(_CREDENTIAL_ARGUMENTS, key=len, reverse=True)) + r")\s*\(")
_ARGUMENT = re.compile(
    r"""\s*(?:(?P<keyword>\w+)\s*[=:]\s*)?[@$]?(?:"(?P<double>[^"\n\\]*)"|'(?P<single>[^'\n\\]*)')\s*$""")


def _arguments(text: str, start: int) -> list[tuple[int, str]]:
    """The top-level arguments of the call whose ``(`` is at ``start``, with their offsets."""
    depth, quote, begin = 0, "", start + 1
    arguments: list[tuple[int, str]] = []
    for index in range(start + 1, min(len(text), start + 2000)):
        char = text[index]
        if quote:
            quote = "" if char == quote and text[index - 1] != "\\" else quote
        elif char in "\"'":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}" and depth:
            depth -= 1
        elif char == ")" or (char == "," and depth == 0):
            arguments.append((begin, text[begin:index]))
            if char == ")":
                break
            begin = index + 1
    return arguments


def call_text_hits(text: str) -> list[Hit]:
    """Literal credentials passed to the calls that take them, in any language:
    ``new AzureKeyCredential("...")``, ``SpeechConfig.FromSubscription("...", region)``."""
    if not any(call in text for call in _CREDENTIAL_ARGUMENTS):
        return []
    hits: list[Hit] = []
    for match in _CALL_TEXT.finditer(text):
        call = match.group("call")
        kind, position, keywords = _CREDENTIAL_ARGUMENTS[call]
        for index, (offset, argument) in enumerate(_arguments(text, match.end() - 1)):
            literal = _ARGUMENT.match(argument)
            if literal is None:
                continue
            keyword = literal.group("keyword")
            if (keyword is None and index != position) or (keyword is not None and keyword not in keywords):
                continue
            value = literal.group("double") if literal.group("single") is None else literal.group("single")
            line = text.count("\n", 0, offset) + 1
            hit = named_hit(keyword or f"argument {index + 1}", value or "", line, kind=kind,
                            how=f"passed to {call}() as", rule="credential-argument")
            hits.extend([hit] if hit is not None else [])
    return hits


_SHELL_ASSIGNMENT = re.compile(
    r"(?m)^[ \t]*(?:export[ \t]+|set[ \t]+|setx[ \t]+|ENV[ \t]+|ARG[ \t]+|%env[ \t]+|\$env:)?"
    r"(?P<name>[A-Za-z_][A-Za-z0-9_]*)[ \t]*=[ \t]*"
    r"(?P<value>[^\s\"'`$;|&]{8,})[ \t]*$")
_DOCKER_ENV = re.compile(
    r"(?m)^[ \t]*ENV[ \t]+(?P<name>[A-Za-z_][A-Za-z0-9_]*)[ \t]+(?P<value>[^\s\"'`$=]{8,})[ \t]*$")


def shell_hits(text: str) -> list[Hit]:
    """``NAME=value`` lines of shell scripts, ``%env`` magics and printed environments: a literal
    without quotes, so only a value with the strength of a secret counts."""
    hits: list[Hit] = []
    for match in [*_SHELL_ASSIGNMENT.finditer(text), *_DOCKER_ENV.finditer(text)]:
        hit = named_hit(match.group("name"), match.group("value"), text.count("\n", 0, match.start()) + 1)
        if hit is not None and hit.severity == "error":
            hits.append(hit)
    return hits

"""Configuration files parsed for their settings: YAML (with Kubernetes secrets and Azure ML datastore
credentials), JSON (with docker ``auths``, ARM parameter values and name/value pairs), and the
line formats (INI, ``.env``, properties, TOML, ``.netrc``, ``.pgpass``, ``.npmrc``)."""
from __future__ import annotations

import base64
import binascii
import dataclasses
import json
import re
from collections.abc import Iterator

import yaml

from snapshot_guard.sensitive.formats import Hit, scan_formats
from snapshot_guard.sensitive.named import credential_kind, named_hit

_SECTION_KINDS = {"credentials": "datastore-credentials", "environment_variables": "job-secret-env"}
_VALUE_KEYS = ("value", "defaultValue", "default")
_PLAIN_TAGS = ("tag:yaml.org,2002:str",)


def _b64_text(value: str) -> str | None:
    text = value.strip()
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), validate=True).decode("utf-8")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None


def _relabel(hits: list[Hit], line: int, rule: str, why: str) -> list[Hit]:
    return [dataclasses.replace(hit, line=line, rule=rule, why=f"{rule}: {why}; {hit.why}") for hit in hits]


def _decoded_hits(name: str, decoded: str, line: int, rule: str, why: str) -> list[Hit]:
    """A decoded value (a Kubernetes secret's data, a docker ``auth``): its formats, its docker
    auths, or itself as the value of ``name``."""
    found = _relabel(scan_formats(decoded), line, rule, why)
    if found:
        return found
    if decoded.lstrip().startswith("{") and '"auths"' in decoded:
        return _relabel(docker_auth_hits(decoded), line, rule, why)
    hit = named_hit(name, decoded, line, rule=rule, how="stored as")
    return [hit] if hit is not None else []


# --- YAML -------------------------------------------------------------------------------------------


def yaml_documents(text: str) -> list[yaml.Node]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return [node for node in yaml.compose_all(text, Loader=loader) if node is not None]
    except (yaml.YAMLError, RecursionError, ValueError):
        return []


def _scalar(node: yaml.Node) -> str | None:
    if isinstance(node, yaml.ScalarNode) and (node.tag in _PLAIN_TAGS or node.style in ("'", '"', "|", ">")):
        return str(node.value)
    return None


def _mapping(node: yaml.Node) -> dict[str, yaml.Node]:
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {str(key.value): value for key, value in node.value if isinstance(key, yaml.ScalarNode)}


def yaml_hits(text: str) -> list[Hit]:
    """Credential-named settings with literal values, Kubernetes ``kind: Secret`` data (base64) and
    ``stringData``, name/value pairs (``- name: DB_PASSWORD`` / ``value: ...``), and multi-line
    scalars read whole for formats."""
    hits: list[Hit] = []
    for document in yaml_documents(text):
        top = _mapping(document)
        kind_node = top.get("kind")
        if kind_node is not None and _scalar(kind_node) == "Secret":
            hits.extend(_kubernetes_secret(top))
        hits.extend(_yaml_walk(document))
    return hits


def _kubernetes_secret(top: dict[str, yaml.Node]) -> Iterator[Hit]:
    why = "a Kubernetes Secret's data, base64-decoded"
    for field, item in _mapping(top.get("data", yaml.ScalarNode("", ""))).items():
        value = _scalar(item)
        decoded = _b64_text(value) if value else None
        if decoded is not None:
            yield from _decoded_hits(field, decoded, item.start_mark.line + 1, "kubernetes-secret-data", why)
    for field, item in _mapping(top.get("stringData", yaml.ScalarNode("", ""))).items():
        value = _scalar(item)
        if value is not None:
            yield from _decoded_hits(field, value, item.start_mark.line + 1, "kubernetes-secret-data",
                                     "a Kubernetes Secret's stringData")


def _yaml_walk(root: yaml.Node) -> Iterator[Hit]:
    stack: list[tuple[yaml.Node, str | None]] = [(root, None)]
    seen: set[int] = set()  # aliases share nodes: visit each once
    while stack:
        node, section = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            stack.extend((item, section) for item in node.value)
            yield from _assignment_items(node)
            continue
        if isinstance(node, yaml.ScalarNode):
            if node.start_mark.line != node.end_mark.line:
                for hit in scan_formats(str(node.value)):
                    yield Hit(node.start_mark.line + hit.line, hit.rule, hit.kind, hit.what, hit.secret,
                              hit.severity, hit.why, hit.rank)
            continue
        fields = _mapping(node)
        name_node, value_node = fields.get("name"), fields.get("value")
        if name_node is not None and value_node is not None:
            name, value = _scalar(name_node), _scalar(value_node)
            if name is not None and value is not None:
                pair = named_hit(name, value, value_node.start_mark.line + 1)
                yield from [pair] if pair is not None else []
        for field, item in fields.items():
            stack.append((item, _SECTION_KINDS.get(field.lower(), section)))
            value = _scalar(item)
            if value is None:
                inner = _mapping(item)
                value_node = next((inner[key] for key in _VALUE_KEYS if key in inner), None)
                value = _scalar(value_node) if value_node is not None else None
                item = value_node if value_node is not None else item
            if value is None or field in ("name", "value"):
                continue
            kind = section if section is not None and credential_kind(field) is not None else None
            setting = named_hit(field, value, item.start_mark.line + 1, kind=kind)
            yield from [setting] if setting is not None else []


def _assignment_items(node: yaml.SequenceNode) -> Iterator[Hit]:
    """``- NAME=value`` items: a compose file's ``environment`` as a list."""
    for item in node.value:
        value = _scalar(item)
        if value is not None and "=" in value and not value.startswith("-"):
            name, _, setting = value.partition("=")
            if re.fullmatch(r"[A-Za-z_][\w.-]*", name):
                hit = named_hit(name, setting, item.start_mark.line + 1)
                yield from [hit] if hit is not None else []


# --- JSON -------------------------------------------------------------------------------------------


def _line_of(text: str, value: str) -> int:
    for encoded in (json.dumps(value, ensure_ascii=False)[1:-1], json.dumps(value)[1:-1]):
        offset = text.find(encoded)
        if offset >= 0:
            return text.count("\n", 0, offset) + 1
    return 1


def json_document(text: str) -> object:
    if not text.lstrip().startswith(("{", "[")):
        return None
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def docker_auth_hits(text: str, document: object = None) -> list[Hit]:
    """A docker ``config.json`` (under any name): ``auths`` whose ``auth`` is base64 ``user:password``,
    or that hold an identity token."""
    document = json_document(text) if document is None else document
    auths = document.get("auths") if isinstance(document, dict) else None
    hits: list[Hit] = []
    for registry, entry in auths.items() if isinstance(auths, dict) else ():
        if not isinstance(entry, dict):
            continue
        auth = entry.get("auth")
        decoded = _b64_text(auth) if isinstance(auth, str) else None
        if decoded is not None and ":" in decoded:
            password = decoded.split(":", 1)[1]
            hit = named_hit("password", password, _line_of(text, str(auth)), kind="registry-password",
                            how=f"for {registry} in", rule="docker-config-auth")
            hits.extend([hit] if hit is not None else [])
        for field in ("identitytoken", "registrytoken", "password"):
            value = entry.get(field)
            if isinstance(value, str):
                hit = named_hit(field, value, _line_of(text, value), kind="registry-password",
                                how=f"for {registry} in", rule="docker-config-auth")
                hits.extend([hit] if hit is not None else [])
    return hits


def json_hits(text: str, document: object) -> list[Hit]:
    """What the ``"name": "value"`` pairs do not show: name/value objects, ARM parameter values
    (``"adminPassword": {"value": ...}``) and docker auths."""
    hits = docker_auth_hits(text, document)
    stack: list[object] = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        if not isinstance(node, dict):
            continue
        name, value = node.get("name"), node.get("value")
        if isinstance(name, str) and isinstance(value, str):
            hit = named_hit(name, value, _line_of(text, value))
            hits.extend([hit] if hit is not None else [])
        for field, item in node.items():
            stack.append(item)
            inner = next((item[key] for key in _VALUE_KEYS if isinstance(item, dict) and key in item), None)
            if isinstance(inner, str):
                hit = named_hit(str(field), inner, _line_of(text, inner))
                hits.extend([hit] if hit is not None else [])
    return hits


# --- line formats -------------------------------------------------------------------------------------

_SETTING_LINE = re.compile(
    r"(?m)^[ \t]*(?:export[ \t]+)?(?P<name>[A-Za-z_][\w.\-]*)[ \t]*[=:][ \t]*(?P<value>[^\n]*?)[ \t]*\r?$")
_NETRC_PASSWORD = re.compile(r"(?m)(?:^|\s)password\s+(?P<value>\S+)")
_NPMRC_AUTH = re.compile(r"(?m):?_(?P<name>authToken|password|auth)\s*=\s*(?P<value>\S+)")


def _unquoted(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return re.split(r"\s[#;]", value, maxsplit=1)[0].strip()


def setting_lines_hits(text: str, name: str) -> list[Hit]:
    """``name = value`` and ``NAME=value`` lines (INI, ``.env``, properties, TOML), and the layouts of
    ``.netrc``, ``.pgpass`` and ``.npmrc``."""
    hits: list[Hit] = []

    def add(hit: Hit | None) -> None:
        hits.extend([hit] if hit is not None else [])

    def line(offset: int) -> int:
        return text.count("\n", 0, offset) + 1

    if name in (".netrc", "_netrc"):
        for match in _NETRC_PASSWORD.finditer(text):
            add(named_hit("password", match.group("value"), line(match.start()), rule="netrc-password"))
        return hits
    if name == ".pgpass":
        for number, row in enumerate(text.splitlines(), 1):
            fields = row.split(":")
            if len(fields) >= 5 and not row.startswith("#"):
                add(named_hit("password", ":".join(fields[4:]), number, rule="pgpass-password"))
        return hits
    if name == ".npmrc":
        for match in _NPMRC_AUTH.finditer(text):
            value = match.group("value")
            decoded = _b64_text(value) if match.group("name") != "authToken" else value
            if decoded is not None:
                secret = decoded.split(":", 1)[-1]
                add(named_hit("password" if match.group("name") != "authToken" else "auth_token", secret,
                              line(match.start()), rule="npmrc-auth"))
    for match in _SETTING_LINE.finditer(text):
        add(named_hit(match.group("name"), _unquoted(match.group("value")), line(match.start())))
    return hits

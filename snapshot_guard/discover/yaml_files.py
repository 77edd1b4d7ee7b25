"""Roots declared in job and component YAML: ``code:`` at the top, under ``trial``/``task``, in
``jobs:`` steps and their inline components, and ``additional_includes``."""
from __future__ import annotations

import dataclasses
import os

import yaml

_JOB_TYPES = ("command", "pipeline", "sweep", "parallel", "spark")
_JOB_KEYS = ("command", "jobs", "code", "trial", "task", "component")
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_SCHEMA_MARKERS = ("azureml", "componentsdk")
"""In the ``$schema`` of Azure ML job and component YAML (``componentsdk``: the old component SDK)."""


@dataclasses.dataclass(frozen=True)
class YamlRoot:
    path: str | None
    """Absolute path, None when unresolved."""
    line: int
    kind: str
    step: bool
    how: str
    command: str | None = None
    """The ``command:`` beside the ``code:``."""


def compose(text: str) -> list[yaml.Node]:
    try:
        return [node for node in yaml.compose_all(text, Loader=_LOADER) if node is not None]
    except (yaml.YAMLError, RecursionError):
        return []


def _items(node: yaml.Node) -> list[tuple[str, yaml.Node, yaml.Node]]:
    if not isinstance(node, yaml.MappingNode):
        return []
    return [(key.value, key, value) for key, value in node.value
            if isinstance(key, yaml.ScalarNode)]


def _scalar(node: yaml.Node) -> str | None:
    if isinstance(node, yaml.ScalarNode) and not node.tag.endswith(":null"):
        return str(node.value)
    return None


def is_azure_ml(node: yaml.Node) -> bool:
    items = {key: value for key, _, value in _items(node)}
    schema = _scalar(items["$schema"]) if "$schema" in items else None
    if schema is not None:
        return any(marker in schema.lower() for marker in _SCHEMA_MARKERS)
    if "type" not in items:
        # a command job needs no type: command, code and environment together are Azure ML's
        return all(key in items for key in ("command", "code", "environment"))
    return _scalar(items["type"]) in _JOB_TYPES and any(key in items for key in _JOB_KEYS)


def _local_path(value: str) -> str | None:
    """The local path a ``code:`` value names; None for a registered asset or a remote URL."""
    value = value.strip()
    if value.startswith(("azureml:", "git+")) or "://" in value:
        return None
    return value[len("file:"):] if value.startswith("file:") else value


class YamlScan:
    """The roots of one YAML document and the YAML files it references."""

    def __init__(self, folder: str, line_offset: int = 0) -> None:
        self.folder = folder
        self.line_offset = line_offset
        self.roots: list[YamlRoot] = []
        self.refs: list[tuple[str, bool]] = []

    def job(self, node: yaml.Node, prefix: str, step: bool) -> None:
        items = _items(node)
        command = next((_scalar(value) for key, _, value in items if key == "command"), None)
        for key, key_node, value in items:
            line = key_node.start_mark.line + 1 + self.line_offset
            if key == "code":
                self.code(value, line, f"{prefix}code", step, command)
            elif key == "additional_includes" and isinstance(value, yaml.SequenceNode):
                for item in value.value:
                    self.code(item, item.start_mark.line + 1 + self.line_offset,
                              f"{prefix}additional_includes", step)
            elif key in ("trial", "task", "component"):
                if isinstance(value, yaml.MappingNode):
                    self.job(value, f"{prefix}{key}.", step)
                else:
                    self.reference(value, step)
            elif key == "jobs":
                for name, _, child in _items(value):
                    self.job(child, f"{prefix}jobs.{name}.", True)

    def code(self, node: yaml.Node, line: int, kind: str, step: bool,
             command: str | None = None) -> None:
        text = _scalar(node)
        if text is None:
            return
        if "${{" in text:
            self.roots.append(YamlRoot(None, line, kind, step, f"{kind}: {text} is an expression"))
            return
        local = _local_path(text)
        if local is not None:
            path = os.path.normpath(os.path.join(self.folder, local))
            how = f"{kind}: {text} relative to the YAML file's folder"
            self.roots.append(YamlRoot(path, line, kind, step, how, command))

    def reference(self, node: yaml.Node, step: bool) -> None:
        text = _scalar(node)
        local = _local_path(text) if text is not None else None
        if local is not None and local.endswith((".yml", ".yaml")):
            self.refs.append((os.path.normpath(os.path.join(self.folder, local)), step))

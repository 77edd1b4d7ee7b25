"""Every place in a repository that declares a directory an Azure ML job uploads."""
from __future__ import annotations

import os

from snapshot_guard.discover.declared import DeclaredRoot
from snapshot_guard.discover.files import AML_MARKERS, YAML_SUFFIXES, Inputs, relative
from snapshot_guard.discover.notebooks import scan_notebook
from snapshot_guard.discover.python import PythonFile, module_analyses, scan_module
from snapshot_guard.discover.yaml_files import YamlScan, compose, is_azure_ml


def declared_roots(top: str, candidates: list[str], inputs: Inputs) -> list[DeclaredRoot]:
    """Every place in ``candidates`` (absolute paths of the files that can declare one, sorted) that
    declares a directory an Azure ML job uploads; ``top`` is the repository top. Every file is read,
    and every path probed, through ``inputs``."""
    declared: list[DeclaredRoot] = []
    yaml_files: list[str] = []
    referenced: dict[str, str | None] = {}
    """Component and job YAML files code loads or pipelines use, with that pipeline's file."""
    modules = module_analyses(top, inputs)
    loads: list[tuple[str, str, int, bool]] = []
    """``load_component`` calls: (YAML file, calling file, line, whether in a pipeline file)."""
    scans: list[tuple[PythonFile, list[YamlScan]]] = []
    for path in candidates:
        if path.endswith(YAML_SUFFIXES):
            yaml_files.append(path)
            continue
        text = inputs.read_text(path)
        if text is None or not any(marker in text for marker in AML_MARKERS):
            continue
        try:
            if path.endswith(".ipynb"):
                scan = scan_notebook(path, top, text, modules, inputs)
            else:
                module = scan_module(path, top, text, modules, inputs)
                scan = None if module is None else (module, [])
        except RecursionError:  # a pathologically deep expression: not a file to read by hand
            continue
        if scan is not None:
            scans.append(scan)
    pythons = [python for python, _ in scans]
    for python, written in scans:
        python.link_calls(pythons)
        file = relative(python.path, top)
        declared.extend(_python_roots(python, file, top))
        for ref, loader, line in python.yaml_refs:
            if referenced.get(ref) is None:
                referenced[ref] = file if python.has_pipeline else None
            if loader == "load_component":
                loads.append((ref, file, python.display_line(line), python.has_pipeline))
        for yaml_scan in written:
            declared.extend(_yaml_roots(yaml_scan, file, None, top))
    documents = {}
    for path in sorted(set(yaml_files) | {ref for ref in referenced if inputs.isfile(ref)}):
        text = inputs.read_text(path)
        forced = path in referenced
        if text is None or (not forced and "code" not in text):
            continue
        nodes = [node for node in compose(text) if forced or is_azure_ml(node)]
        if not nodes:
            continue
        found = YamlScan(os.path.dirname(path))
        for node in nodes:
            found.job(node, "", False)
        documents[path] = found
        for ref, step in found.refs:
            if step and referenced.get(ref) is None:
                referenced[ref] = relative(path, top)
    for path, found in documents.items():
        declared.extend(_yaml_roots(found, relative(path, top), referenced.get(path), top))
    for path, file, line, in_pipeline in loads:
        loaded = documents.get(path)
        for item in loaded.roots if loaded is not None else []:
            if item.kind == "code":
                declared.append(DeclaredRoot(
                    None if item.path is None else relative(item.path, top), file, line,
                    "load_component", "v2", file if in_pipeline else None,
                    f"load_component({relative(path, top)}): its {item.how}", item.command))
    declared.sort(key=lambda item: (item.file, item.line, item.root or ""))
    return declared


def _yaml_roots(scan: YamlScan, file: str, pipeline: str | None, top: str) -> list[DeclaredRoot]:
    return [
        DeclaredRoot(
            root=None if item.path is None else relative(item.path, top),
            file=file, line=item.line, kind=item.kind, sdk="v2",
            pipeline=file if item.step else pipeline,
            how=item.how, command=item.command,
        )
        for item in scan.roots
    ]


def _python_roots(scan: PythonFile, file: str, top: str) -> list[DeclaredRoot]:
    result = []
    for entry in scan.entries:
        if entry.dropped:
            continue
        root = None
        how = entry.how
        if entry.value is not None:
            path, where = scan.locate(entry.value, entry.cwd, entry.script)
            root = relative(path, top)
            how = f"{how}, {entry.absolute_how or where}"
        step = entry.step or (entry.sdk == "v2" and scan.has_pipeline)
        pipeline = relative(entry.caller, top) if entry.caller else file
        result.append(DeclaredRoot(root, file, scan.display_line(entry.line), entry.kind, entry.sdk,
                                   pipeline if step else None, how, entry.command))
    return result

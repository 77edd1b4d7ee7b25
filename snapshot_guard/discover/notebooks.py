"""Roots declared in notebooks: the code cells read as one module (IPython's ``%cd`` moves the working
directory), and the job YAML that ``%%writefile`` cells write."""
from __future__ import annotations

import ast
import os

from snapshot_guard.discover.files import Inputs
from snapshot_guard.discover.python import PythonFile
from snapshot_guard.discover.yaml_files import YamlScan, compose, is_azure_ml
from snapshot_guard.pyanalysis.modules import Modules
from snapshot_guard.pyanalysis.notebook import Cell, python_source, read_notebook, written_file


def scan_notebook(
    path: str, top: str, text: str, modules: Modules, inputs: Inputs
) -> tuple[PythonFile, list[YamlScan]] | None:
    trees: list[tuple[ast.Module | None, Cell, str | None]] = []
    line_map: list[int] = []
    try:
        cells = [cell for cell in read_notebook(text) if cell.kind == "code"]
    except ValueError:
        return None
    for cell in cells:
        written = written_file(cell)
        tree = None
        if written is None:
            try:
                tree = ast.parse(python_source(cell))
            except (SyntaxError, ValueError):
                tree = None
        if tree is not None:
            ast.increment_lineno(tree, len(line_map))
            line_map.extend(cell.source_lines)
        trees.append((tree, cell, written))
    module = ast.Module(body=[stmt for tree, _, _ in trees if tree for stmt in tree.body],
                        type_ignores=[])
    scan = PythonFile(path, top, module, notebook=True, modules=modules, inputs=inputs)
    if not scan.aml:
        return None
    scan.line_map = line_map
    written_yaml = []
    for tree, cell, target in trees:
        lines = cell.source.splitlines()
        if tree is not None:
            scan.statements(tree.body, scan.module_scope)
        elif target is not None and target.endswith((".yml", ".yaml")) and len(lines) > 1:
            expanded = scan.expand(target, scan.module_scope)
            if expanded is None:
                continue
            target_path = os.path.normpath(os.path.join(scan.cwd, expanded))
            yaml_scan = YamlScan(os.path.dirname(target_path), cell.source_lines[1] - 1)
            for node in compose("\n".join(lines[1:])):
                if is_azure_ml(node):
                    yaml_scan.job(node, "", False)
            written_yaml.append(yaml_scan)
    scan.resolve_deferred()
    return scan, written_yaml

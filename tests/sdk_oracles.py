"""The real SDK code, called as a job submission calls it: the ground truth the differential tests use.

Nothing here re-implements a walk or a match: each function runs azureml-core's or azure-ai-ml's own
functions on ``root`` and only reshapes what they return (or, for the v1 size check, what they count).
SDK exceptions propagate, so a test can assert "the SDK raises here".
"""
from __future__ import annotations

import os
from typing import Any, Callable

from azure.ai.ml._utils import _asset_utils
from azure.ai.ml.entities._component.code import ComponentIgnoreFile
from azureml._base_sdk_common.merkle_tree import create_merkletree
from azureml._file_utils import file_utils
from azureml._project.ignore_file import get_project_ignore_file


def _relpath(root: str, path: str) -> str:
    return os.path.relpath(path, root).replace(os.sep, "/")


def v1_size_files(root: str) -> dict[str, int]:
    """What azureml-core's size check (``_validate_snapshot_size``) sums: relpath -> size.

    ``get_directory_size`` adds ``os.path.getsize`` of every walked file its exclude function lets
    through; the wrapper records those paths, and the returned total proves the record complete.
    """
    exclude = get_project_ignore_file(root).is_file_excluded
    counted: list[str] = []

    def record(full_path: str) -> bool:
        excluded: bool = exclude(full_path)
        if not excluded:
            counted.append(full_path)
        return excluded

    total: int = file_utils.get_directory_size(root, size_limit=None, exclude_function=record)
    sizes = {_relpath(root, path): os.path.getsize(path) for path in counted}
    assert sum(sizes.values()) == total and len(sizes) == len(counted)
    return sizes


def v1_upload_files(root: str) -> set[str]:
    """The files azureml-core's snapshot upload sends (the File nodes of ``create_merkletree``)."""
    exclude: Callable[[str], bool] = get_project_ignore_file(root).is_file_excluded
    tree = create_merkletree(root, exclude)
    files: set[str] = set()

    def collect(node: Any, prefix: str) -> None:
        for child in node.children:
            path = f"{prefix}{child.name}"
            if child.is_file():
                files.add(path)
            else:
                collect(child, f"{path}/")

    collect(tree, "")
    return files


def v2_ignore_file(root: str) -> Any:
    """The ignore file a job's or component's ``code=`` folder is uploaded with.

    ``Component._try_build_local_code`` wraps ``get_ignore_file(root)`` in a ``ComponentIgnoreFile``:
    patterns anchored at ``root`` (not at the ignore file's folder) and ``__pycache__`` appended.
    """
    return ComponentIgnoreFile(root)


def v2_upload_files(root: str) -> set[str]:
    """The remote paths, relative to the code folder, that azure-ai-ml's ``upload_directory`` sends."""
    ignore_file = v2_ignore_file(root)
    pairs: list[tuple[str, str]] = _asset_utils.get_upload_files_from_folder(
        root, ignore_file=ignore_file
    )
    return {remote for _, remote in pairs}


def v2_size_files(root: str) -> dict[str, int]:
    """azure-ai-ml's ``get_directory_size`` itemised: relpath (link path, not target) -> size."""
    total: int
    sizes: dict[str, int]
    total, sizes = _asset_utils.get_directory_size(
        root, ignore_file=v2_ignore_file(root)
    )
    by_relpath = {_relpath(root, path): size for path, size in sizes.items()}
    assert sum(by_relpath.values()) == total
    return by_relpath


def v2_size(root: str) -> int:
    """azure-ai-ml's ``get_directory_size`` of the code folder, with its ignore file."""
    return sum(v2_size_files(root).values())

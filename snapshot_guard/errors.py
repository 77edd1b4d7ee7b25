"""The error every command turns into one line and exit status 2, and the small types every layer
shares. A leaf: it imports nothing of snapshot-guard."""
from __future__ import annotations

from typing import Literal

Sdk = Literal["v1", "v2"]
"""Whose code is reproduced: azureml-core (v1) or azure-ai-ml (v2)."""
SDKS: tuple[Sdk, ...] = ("v1", "v2")
View = Literal["index", "worktree"]
"""What is judged: the files git is about to commit, or the folder on disk."""
VIEWS: tuple[View, ...] = ("index", "worktree")


class SnapshotInputError(Exception):
    """Input that Azure ML or snapshot-guard cannot work with; the message is one line naming the file."""

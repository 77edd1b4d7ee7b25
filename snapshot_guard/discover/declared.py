"""A root as discovery reports it: what is uploaded, and where and how the code declares it."""
from __future__ import annotations

import dataclasses

from snapshot_guard.errors import Sdk


@dataclasses.dataclass(frozen=True)
class DeclaredRoot:
    root: str | None
    """The uploaded directory (or single file), POSIX relative to the repository top; None when
    the value cannot be resolved statically."""
    file: str
    """Where it is declared, POSIX relative to the repository top."""
    line: int
    kind: str
    """The call (``PythonScriptStep``) or YAML key (``jobs.train.code``) that declares it."""
    sdk: Sdk
    pipeline: str | None
    """The pipeline the declaring step belongs to (its file), None for a lone job."""
    how: str
    """How the value was read and resolved, or why it could not be."""
    command: str | None = None
    """The command line of the job, when it is known whole (``python train.py --epochs 3``; SDK
    v1: the script and its ``arguments``, ``$ARG`` for one not known)."""

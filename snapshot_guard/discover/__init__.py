"""Find the directories Azure ML jobs upload by reading the repository, never running or importing it.

Sources: ``.py`` files and the code cells of ``.ipynb`` notebooks (SDK v1 ``source_directory=`` and
its defaults, ``start_logging``, ``take_snapshot``; SDK v2 ``code=``, ``load_component``), and job or
component YAML files (``code:`` at the top, under ``trial``/``task``, in ``jobs:`` steps and their
inline components; ``additional_includes``). A value static analysis cannot pin down is reported as
unresolved, never guessed.
"""
from __future__ import annotations

from snapshot_guard.discover.advice import notebook_advice, pipeline_advice, roots_main
from snapshot_guard.discover.declared import DeclaredRoot
from snapshot_guard.discover.files import SKIPPED_DIRS
from snapshot_guard.discover.reuse import discover_roots

__all__ = ["SKIPPED_DIRS", "DeclaredRoot", "discover_roots", "notebook_advice", "pipeline_advice",
           "roots_main"]

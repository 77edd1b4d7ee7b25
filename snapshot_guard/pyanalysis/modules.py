"""The modules of one repository or snapshot root, found from import statements as Python finds
them when a job runs a script: beside the script, then in the folders above it up to the top."""
from __future__ import annotations

import ast
import posixpath
from collections.abc import Callable
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from snapshot_guard.pyanalysis.evaluate import Analysis


class Modules:
    """Locates, parses (once) and analyses (once, on first need) the modules code imports.

    Paths are ``top``-based: absolute with ``os.path`` for a folder on disk, or relative POSIX
    (``top`` empty) for the files of a snapshot view; ``exists`` and ``read`` answer for them."""

    def __init__(
        self, top: str, exists: Callable[[str], bool], read: Callable[[str], str | None],
        path_module: ModuleType = posixpath,
    ) -> None:
        self.top = top
        self.exists = exists
        self.read = read
        self.paths = path_module
        self.factory: Callable[[str, ast.Module], Analysis] | None = None
        """Makes the analysis of an imported module (set by the client)."""
        self.trees: dict[str, ast.Module | None] = {}
        self.analyses: dict[str, Analysis | None] = {}
        self.located: dict[tuple[str, int, str], str | None] = {}
        self.imported: set[str] = set()
        """Modules some code imported: kept once analysed."""

    def parse(self, path: str, text: str | None = None) -> ast.Module | None:
        """The syntax tree of the module at ``path`` (parsed once), None when it does not parse."""
        if path not in self.trees:
            source = text if text is not None else self.read(path)
            try:
                self.trees[path] = None if source is None else ast.parse(source)
            except (SyntaxError, ValueError, RecursionError):
                self.trees[path] = None
        return self.trees[path]

    def analysis(self, path: str, imported: bool = True) -> Analysis | None:
        """The walked analysis of the module at ``path``; None when it does not parse, or while it is
        being walked (an import cycle). ``imported``: asked for by code that imports it."""
        if imported:
            self.imported.add(path)
        if path in self.analyses:
            return self.analyses[path]
        self.analyses[path] = None
        tree = self.parse(path)
        if tree is None or self.factory is None:
            return None
        made = self.factory(path, tree)
        try:
            made.run()
        except RecursionError:
            return None
        self.analyses[path] = made
        return made

    def forget(self, path: str) -> None:
        """Drop what is kept of the module at ``path`` (its tree, its analysis): a client done with
        a module that no other imported keeps memory, and the garbage collector's work, small."""
        self.trees.pop(path, None)
        self.analyses.pop(path, None)

    def locate(self, module: str, level: int, importer: str) -> str | None:
        """The file of ``module`` imported from ``importer``: relative to it for a relative import,
        else below the importer's folder, one of its parents up to the top, or the top."""
        if not module and not level:
            return None
        key = (module, level, self.paths.dirname(importer))
        if key not in self.located:
            self.located[key] = self._locate(module, level, importer)
        return self.located[key]

    def _locate(self, module: str, level: int, importer: str) -> str | None:
        paths = self.paths
        parts = module.split(".") if module else []
        folder = paths.dirname(importer)
        if level:
            for _ in range(level - 1):
                folder = paths.dirname(folder)
            bases = [folder]
        else:
            bases = []
            while True:
                bases.append(folder)
                if folder == self.top or not folder or not folder.startswith(self.top):
                    break
                parent = paths.dirname(folder)
                if parent == folder:
                    break
                folder = parent
            if self.top == "" and bases[-1] != "":
                bases.append("")
        for base in bases:
            stem = str(paths.join(base, *parts) if base else paths.join(*parts) if parts else base)
            for candidate in (stem + ".py", str(paths.join(stem, "__init__.py"))):
                if self.exists(candidate):
                    return candidate
        return None

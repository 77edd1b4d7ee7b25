"""The finding: what every check reports, in text and in ``scan --format json``."""
from __future__ import annotations

import dataclasses
import os
from typing import Literal

Severity = Literal["error", "warning"]


@dataclasses.dataclass(frozen=True)
class Finding:
    check: str
    """The hook id that found it, e.g. ``snapshot-sensitive-files``."""
    path: str
    """POSIX path relative to the repository top (outside a repository: the current directory)."""
    kind: str
    line: int | None
    severity: Severity
    message: str
    cell: int | None = None
    """For a notebook: the 1-based cell; ``line`` is then the line in the ``.ipynb`` file."""
    fix: str | None = None
    """What a person does about it, when the message does not already say."""

    def as_json(self) -> dict[str, object]:
        return dataclasses.asdict(self)

    def as_text(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: {self.severity}: {self.kind}: {self.message}"


def display_path(path: str, top: str) -> str:
    """``path`` as reports and JSON show it: relative to ``top`` (the repository top, or the current
    folder outside a repository), with POSIX separators."""
    return os.path.relpath(os.path.abspath(path), top).replace(os.sep, "/")


def printable(text: str) -> str:
    """``text`` fit for one line of a terminal or log: control characters and bytes that are not
    UTF-8 (kept by Python as surrogates) escaped."""
    if text.isprintable():
        return text
    raw = text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return "".join(char if char.isprintable() else char.encode("unicode_escape").decode("ascii")
                   for char in raw)


def plural(count: int, word: str) -> str:
    """``1 file``, ``2,001 files``."""
    return f"1 {word}" if count == 1 else f"{count:,} {word}s"

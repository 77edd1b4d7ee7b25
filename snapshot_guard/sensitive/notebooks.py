"""Notebooks read cell by cell: code cells as Python (shell and ``%env`` magics as shell), markdown and
raw cells as prose (formats only), and saved outputs as what a program printed (formats, printed
settings and environments, personal data in tables and records).

:func:`read_notebook` stands in for ``snapshot_guard.pyanalysis.notebook.read_notebook`` (the shared
reader, same signature and types) until that lands; swapping it is one import.
"""
from __future__ import annotations

import dataclasses
import json
import re


@dataclasses.dataclass(frozen=True)
class Output:
    kind: str
    """``stream``, ``execute_result``, ``display_data`` or ``error``."""
    text: str
    line: int
    """1-based line in the ``.ipynb`` file where the output's text starts, 0 if unknown."""


@dataclasses.dataclass(frozen=True)
class Cell:
    number: int
    """1-based."""
    kind: str
    """``code``, ``markdown`` or ``raw``."""
    source: str
    source_lines: tuple[int, ...]
    """For each line of ``source``, its 1-based line in the ``.ipynb`` file (0 if unknown)."""
    outputs: tuple[Output, ...]


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_TEXT_MIMES = ("text/plain", "text/html", "text/markdown", "application/json", "text/latex")


def _strings(value: object) -> list[str]:
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str)]
    return [value] if isinstance(value, str) else []


class _Locator:
    """Finds each string of the notebook in the file's text, in document order."""

    def __init__(self, raw: str) -> None:
        self.raw = raw
        self.cursor = 0

    def line_of(self, value: str) -> int:
        for encoded in (json.dumps(value, ensure_ascii=False), json.dumps(value)):
            offset = self.raw.find(encoded, self.cursor)
            if offset >= 0:
                self.cursor = offset + len(encoded)
                return self.raw.count("\n", 0, offset) + 1
        return 0


def _source_lines(locator: _Locator, pieces: list[str]) -> tuple[str, tuple[int, ...]]:
    lines = [0]  # the file's line of each source line; a line may start in one piece and end in the next
    for piece in pieces:
        line = locator.line_of(piece)
        lines[-1] = lines[-1] or line
        breaks = piece.count("\n")
        if piece.endswith("\n"):
            lines.extend([line] * (breaks - 1) + [0])
        else:
            lines.extend([line] * breaks)
    return "".join(pieces), tuple(lines)


def _output(locator: _Locator, output: dict[str, object]) -> Output | None:
    kind = str(output.get("output_type", ""))
    pieces: list[str] = []
    if kind == "stream":
        pieces = _strings(output.get("text"))
    elif kind == "error":
        pieces = [_ANSI.sub("", line) + "\n" for line in _strings(output.get("traceback"))]
        pieces += [f"{output.get('ename', '')}: {output.get('evalue', '')}\n"]
    else:
        data = output.get("data")
        for mime in _TEXT_MIMES:
            body = data.get(mime) if isinstance(data, dict) else None
            if isinstance(body, (dict, list)) and mime == "application/json":
                pieces.append(json.dumps(body, indent=1) + "\n")
            else:
                texts = _strings(body)
                pieces.extend(texts + (["\n"] if texts and not texts[-1].endswith("\n") else []))
    if not pieces:
        return None
    line = 0
    for piece in pieces:
        line = line or locator.line_of(piece)
    return Output(kind, "".join(pieces), line)


def read_notebook(data: bytes | str) -> list[Cell]:
    """The cells of a notebook (nbformat 4; 3's worksheets too), their sources and saved outputs as
    text, with lines in the file. Raises ValueError when ``data`` is not a notebook."""
    raw = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    document = json.loads(raw)
    if not isinstance(document, dict):
        raise ValueError("not a notebook")
    cells = document.get("cells")
    if cells is None and isinstance(document.get("worksheets"), list):
        cells = [cell for sheet in document["worksheets"] if isinstance(sheet, dict)
                 for cell in sheet.get("cells", []) if isinstance(sheet.get("cells"), list)]
    if not isinstance(cells, list):
        raise ValueError("not a notebook: no cells")
    locator = _Locator(raw)
    result: list[Cell] = []
    for number, cell in enumerate(cells, 1):
        if not isinstance(cell, dict):
            continue
        kind = str(cell.get("cell_type", "code"))
        source, lines = _source_lines(locator, _strings(cell.get("source", cell.get("input"))))
        outputs = cell.get("outputs")
        found = [_output(locator, item) for item in outputs if isinstance(item, dict)] \
            if isinstance(outputs, list) else []
        result.append(Cell(number, kind, source, lines, tuple(item for item in found if item is not None)))
    return result

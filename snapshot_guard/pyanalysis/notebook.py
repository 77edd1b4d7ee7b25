"""The one reader of Jupyter notebooks: cells, their saved outputs, and where each line sits in the
``.ipynb`` file.

A notebook is JSON. The standard decoder gives the values but not their positions, so this module
walks the structure that matters (the cells, their sources and their outputs' text) itself and
leaves every other value to the decoder (``raw_decode``), which also reads the long image bodies
at C speed. Each source line keeps the line of the ``.ipynb`` file it comes from, so a finding in a
cell can name the line an editor shows.
"""
from __future__ import annotations

import bisect
import dataclasses
import json
import re
from collections.abc import Iterator

CELL_KINDS = ("code", "markdown", "raw")
CHANGE_DIRECTORY = "__ipython_cd__"
"""``%cd DIR`` in :func:`python_source` becomes a call of this name with ``DIR`` as a string, so an
analysis sees where the working directory changes."""
PYTHON_CELL_MAGICS = ("%%time", "%%timeit", "%%capture", "%%prun")
"""Cell magics whose body is Python; the body of any other cell magic (``%%bash``) is not."""
_NOT_TEXT_MIME = ("image/", "video/", "audio/", "application/pdf")


@dataclasses.dataclass(frozen=True)
class Output:
    kind: str
    """``output_type``: ``stream``, ``execute_result``, ``display_data`` or ``error``."""
    text: str
    """Stream text, the text-like bodies of ``data`` (``text/plain``, HTML, JSON...) joined by
    newlines, or the traceback."""
    line: int
    """1-based line in the ``.ipynb`` file where the output starts; 0 when unknown."""
    text_lines: tuple[int, ...] = ()
    """For each line of ``text``, its 1-based line in the ``.ipynb`` file (0 when unknown)."""


@dataclasses.dataclass(frozen=True)
class Cell:
    number: int
    """1-based position among all cells, as Jupyter numbers them on screen."""
    kind: str
    """``code``, ``markdown`` or ``raw``."""
    source: str
    source_lines: tuple[int, ...]
    """For each line of ``source``, its 1-based line in the ``.ipynb`` file (0 when unknown)."""
    outputs: tuple[Output, ...] = ()


def read_notebook(data: bytes | str) -> list[Cell]:
    """The cells of an nbformat 4 notebook. Raises ValueError when ``data`` is not notebook JSON."""
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise ValueError(f"not valid notebook JSON ({error})") from None
    else:
        text = data
    text = text[1:] if text.startswith("\ufeff") else text
    walker = _Walker(text)
    try:
        cells = walker.document()
    except (ValueError, IndexError) as error:
        try:
            json.loads(text)
        except ValueError as invalid:
            raise ValueError(f"not valid notebook JSON ({invalid})") from None
        raise ValueError(str(error) if isinstance(error, _NotANotebook)
                         else f"not valid notebook JSON ({error})") from None
    return cells


class _NotANotebook(ValueError):
    """JSON, but not the shape of a notebook."""


# --- the JSON walk -----------------------------------------------------------------------------

_SPACE = re.compile(r"[ \t\n\r]*")
_NEWLINE = re.compile(r"\r\n|\r|\n")
_DECODER = json.JSONDecoder()
_Pieces = list[tuple[str, int]]
"""Strings and the ``.ipynb`` line where each starts."""


class _Walker:
    """A cursor over the notebook text: objects and arrays on the notebook's path are walked here,
    every other value is decoded whole."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.position = 0
        self._line = 1
        self._counted = 0

    def line(self) -> int:
        """The 1-based line of the cursor (the cursor only moves forward)."""
        self._line += self.text.count("\n", self._counted, self.position)
        self._counted = self.position
        return self._line

    def next_char(self) -> str:
        self.position = _SPACE.match(self.text, self.position).end()  # type: ignore[union-attr]
        return self.text[self.position]

    def value(self) -> object:
        self.next_char()
        value, self.position = _DECODER.raw_decode(self.text, self.position)
        return value

    def members(self) -> Iterator[str]:
        """The keys of the object at the cursor; the caller reads each member's value."""
        self._open("{")
        if self.next_char() == "}":
            self.position += 1
            return
        while True:
            if self.next_char() != '"':
                raise ValueError("Expecting property name")
            key: str
            key, self.position = _DECODER.raw_decode(self.text, self.position)
            if self.next_char() != ":":
                raise ValueError("Expecting ':' delimiter")
            self.position += 1
            yield key
            if self._close("}"):
                return

    def elements(self) -> Iterator[None]:
        """One step per element of the array at the cursor; the caller reads each element."""
        self._open("[")
        if self.next_char() == "]":
            self.position += 1
            return
        while True:
            yield None
            if self._close("]"):
                return

    def _open(self, char: str) -> None:
        if self.next_char() != char:
            raise ValueError(f"Expecting {char!r}")
        self.position += 1

    def _close(self, char: str) -> bool:
        found = self.next_char()
        self.position += 1
        if found == char:
            return True
        if found != ",":
            raise ValueError("Expecting ',' delimiter")
        return False

    def pieces(self) -> _Pieces | None:
        """A string or a list of strings, each with its line; None (the value read) for anything
        else."""
        char = self.next_char()
        if char == '"':
            return [self._string()]
        if char != "[":
            self.value()
            return None
        found: _Pieces | None = []
        for _ in self.elements():
            if self.next_char() == '"':
                piece = self._string()
                if found is not None:
                    found.append(piece)
            else:
                self.value()
                found = None
        return found

    def _string(self) -> tuple[str, int]:
        line = self.line()
        value: str
        value, self.position = _DECODER.raw_decode(self.text, self.position)
        return value, line

    # the notebook's shape ---------------------------------------------------------------------
    def document(self) -> list[Cell]:
        if self.next_char() != "{":
            raise _NotANotebook("not a notebook: no list of cells (nbformat 4 expected)")
        cells: list[Cell] | None = None
        for key in self.members():
            if key == "cells" and self.next_char() == "[":
                cells = self.cells()
            else:
                self.value()
                cells = None if key == "cells" else cells
        if _SPACE.match(self.text, self.position).end() != len(self.text):  # type: ignore[union-attr]
            raise ValueError("Extra data")
        if cells is None:
            raise _NotANotebook("not a notebook: no list of cells (nbformat 4 expected)")
        return cells

    def cells(self) -> list[Cell]:
        cells = []
        for number, _ in enumerate(self.elements(), start=1):
            if self.next_char() != "{":
                self.value()
                continue
            cell = self.cell(number)
            if cell is not None:
                cells.append(cell)
        return cells

    def cell(self, number: int) -> Cell | None:
        kind: object = None
        source: _Pieces | None = []
        source_line = 0
        outputs: list[Output] = []
        for key in self.members():
            if key == "cell_type":
                kind = self.value()
            elif key == "source":
                self.next_char()
                source_line = self.line()
                source = self.pieces()
            elif key == "outputs" and self.next_char() == "[":
                outputs = self.outputs()
            else:
                self.value()
        if kind not in CELL_KINDS:
            return None
        if source is None:
            raise _NotANotebook(f"cell {number}: source is neither text nor a list of lines")
        text, lines = _joined(source, source_line)
        return Cell(number, str(kind), text, lines, tuple(outputs))

    def outputs(self) -> list[Output]:
        outputs = []
        for _ in self.elements():
            if self.next_char() != "{":
                self.value()
                continue
            line = self.line()
            kind: object = ""
            bodies: list[_Pieces] = []
            for key in self.members():
                if key == "output_type":
                    kind = self.value()
                elif key in ("text", "traceback"):
                    bodies.append(self.traceback() if key == "traceback" else self.pieces() or [])
                elif key == "data" and self.next_char() == "{":
                    bodies.extend(self.mime_bodies())
                else:
                    self.value()
            pieces: _Pieces = []
            for body in bodies:
                if body and pieces:
                    pieces.append(("\n", body[0][1]))
                pieces.extend(body)
            text, text_lines = _joined(pieces, line)
            outputs.append(Output(kind if isinstance(kind, str) else "", text, line, text_lines))
        return outputs

    def traceback(self) -> _Pieces:
        """A traceback's frames, one per element (each may hold several lines), newline-joined."""
        frames = self.pieces() or []
        joined: _Pieces = []
        for frame in frames:
            if joined:
                joined.append(("\n", frame[1]))
            joined.append(frame)
        return joined

    def mime_bodies(self) -> Iterator[_Pieces]:
        for mime in self.members():
            if mime.startswith(_NOT_TEXT_MIME):
                self.value()
                continue
            if self.next_char() in "\"[":
                body = self.pieces()
                if body:
                    yield body
                continue
            line = self.line()
            value = self.value()
            if isinstance(value, (dict, list)):
                yield [(json.dumps(value), line)]


def _joined(pieces: _Pieces, line: int) -> tuple[str, tuple[int, ...]]:
    """The pieces as one text, and for each of its lines the ``.ipynb`` line of the piece it starts
    in (``line`` when there is no piece)."""
    pieces = [piece for piece in pieces if piece[0]]
    if not pieces:
        return "", (line,)
    text = "".join(piece for piece, _ in pieces)
    starts = []
    offset = 0
    for piece, _ in pieces:
        starts.append(offset)
        offset += len(piece)
    lines = [pieces[0][1]]
    for newline in _NEWLINE.finditer(text):
        index = bisect.bisect_right(starts, newline.end()) - 1
        lines.append(pieces[index][1])
    return text, tuple(lines)


# --- cells as Python ---------------------------------------------------------------------------

_MAGIC_ASSIGNMENT = re.compile(r"[\w.,\s]+=\s*[!%]")
"""``files = !ls``, ``t = %timeit -o f()``."""
_HELP = re.compile(r"\?{0,2}[\w.]+\?{0,2}\Z")
_CODE_TOKEN = re.compile(r"""
    (?P<triple>[rRbBuUfF]{0,2}(?:\"\"\"|'''))
    |[rRbBuUfF]{0,2}(?:"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*')
    |\#[^\n]*
    |(?P<open>[(\[{])|(?P<close>[)\]}])
    |(?P<backslash>\\\Z)
""", re.VERBOSE)


def python_source(cell: Cell) -> str:
    """The cell's source as Python, with as many lines: IPython's magics, shell escapes and help
    lines (``%matplotlib``, ``!pip install``, ``files = !ls``, ``np.save?``) become ``pass``,
    ``%cd DIR`` a call of :data:`CHANGE_DIRECTORY`, and the whole body of a cell magic that is not
    Python (``%%bash``, ``%%writefile``) empty lines. ast line numbers map back through
    ``cell.source_lines``."""
    lines = _NEWLINE.split(cell.source)
    first = lines[0].lstrip()
    if first.startswith("%%"):
        if not first.startswith(PYTHON_CELL_MAGICS):
            return "\n" * (len(lines) - 1)
        lines[0] = ""
    if not any(_may_be_magic(line) for line in lines):
        return "\n".join(lines)
    return "\n".join(_neutralised(lines))


def written_file(cell: Cell) -> str | None:
    """The file a ``%%writefile FILE`` (or ``%%file``) cell writes, as written; None for others."""
    first = _NEWLINE.split(cell.source, 1)[0].strip()
    match = re.match(r"%%(?:writefile|file)\s+(?:(?:-a|--append)\s+)?(\S+)\s*\Z", first)
    return match.group(1) if match else None


def _may_be_magic(line: str) -> bool:
    stripped = line.strip()
    if stripped.startswith(("%", "!")):
        return True
    if "?" in stripped and _HELP.match(stripped):
        return True
    return "=" in stripped and _MAGIC_ASSIGNMENT.match(stripped) is not None


def _neutralised(lines: list[str]) -> Iterator[str]:
    """Rewrite the magic lines that begin a statement; a line inside a string, brackets or after a
    backslash continues Python and stays."""
    depth = 0
    quote: str | None = None
    """The closing quotes of a triple-quoted string left open."""
    continued = False
    for line in lines:
        if quote is None and depth == 0 and not continued and _may_be_magic(line):
            yield _rewritten(line)
            continue
        position = 0
        continued = False
        while True:
            if quote is not None:
                end = line.find(quote, position)
                if end == -1:
                    break
                quote, position = None, end + 3
                continue
            token = _CODE_TOKEN.search(line, position)
            if token is None:
                break
            position = token.end()
            if token.group("triple"):
                quote = token.group("triple")[-3:]
            elif token.group("open"):
                depth += 1
            elif token.group("close"):
                depth = max(depth - 1, 0)
            elif token.group("backslash"):
                continued = True
        yield line


_RUN_SCRIPT = re.compile(r"%run\s+(?:-i\s+)?(?:\./)?((?:\w+/)*\w+)\.py\s*")
"""``%run helpers.py``: the script's names in the notebook's namespace (no arguments given)."""


def _rewritten(line: str) -> str:
    stripped = line.lstrip()
    indent = line[: len(line) - len(stripped)]
    if stripped.startswith("%cd ") or stripped == "%cd":
        return f"{indent}{CHANGE_DIRECTORY}({stripped[3:].strip()!r})"
    run = _RUN_SCRIPT.fullmatch(stripped.rstrip("\n"))
    if run and all(part.isidentifier() for part in run.group(1).split("/")):
        return f"{indent}from {run.group(1).replace('/', '.')} import *"
    return f"{indent}pass"

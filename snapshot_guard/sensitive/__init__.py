"""What makes a file unfit for a snapshot: credentials, personal data, workspace configuration, and
data or model files that belong on a datastore. Pure functions over one file's bytes; no git.

Confidence decides severity. An error is a value that is a credential by its form (a known format
checked for structure, length, alphabet and checksum), a literal handed to a credential-named target
that is neither a reference nor a placeholder and has the entropy of a secret, or personal data.
Everything weaker is a warning: a weak literal password, a token whose checksum fails, a data file.

A file is opened once and judged by its name and first bytes (data formats and key containers by
their magic numbers), then read as text up to a byte cap and parsed as what it is: Python with
``ast``, notebooks cell by cell, YAML, JSON and the line formats (INI, ``.env``, properties) setting
by setting; other languages need a quoted literal; markdown and prose are read only for formats.

Most files hold nothing of interest, and one search says so: every rule and reader names the
literals (:mod:`needles`) that any text it can find something in holds, and runs only on a text that
holds one of them.
"""
from __future__ import annotations

import codecs
import dataclasses
import posixpath
import re
from collections.abc import Callable
from typing import BinaryIO, Literal

from snapshot_guard.findings import Severity
from snapshot_guard.pyanalysis import allow, notebook
from snapshot_guard.sensitive import config, data, formats, named, needles
from snapshot_guard.sensitive.formats import Hit, lower, scan_formats
from snapshot_guard.sensitive.values import mask
from snapshot_guard.sizes import format_size

__all__ = ["ALLOW_MARKER", "DEFAULT_DATA_THRESHOLD", "DEFAULT_MAX_READ", "Detection", "Opener",
           "ScanSettings", "mask", "scan_content", "scan_file", "scan_text"]

Category = Literal["credential", "data", "config"]

DEFAULT_DATA_THRESHOLD = 16 * 1024
"""Data and model files from this size up are reported: a fixture small enough to review may travel
with the code."""
DEFAULT_MAX_READ = 2 * 1024 * 1024
ALLOW_MARKER = allow.ALLOW_COMMENT
_HEADER = 8 * 1024
_TABLE_READ = 256 * 1024
"""How much of a large table is read for personal data."""


@dataclasses.dataclass(frozen=True)
class Detection:
    kind: str
    """What was found: ``azure-storage-key``, ``password``, ``personal-data``, ``dataset``..."""
    category: Category
    severity: Severity
    """Decided here, from confidence: ``error`` for a credential by its form or a strong literal in a
    credential's place, and for personal data; ``warning`` for everything weaker."""
    rule: str
    """A stable rule id: ``azure-storage-account-key``, ``credential-named-literal``, ``data-file``..."""
    why: str
    """Which rule fired and why, in a few words."""
    line: int | None
    """1-based line in the file (in a notebook: in the ``.ipynb`` file); None for what the format or
    the file as a whole decides."""
    cell: int | None = None
    """1-based notebook cell, None outside notebooks."""
    preview: str | None = None
    """The secret masked (at most four characters and the length), None for data."""
    detail: str = ""
    """What was found, for a person: the preview included, never the secret."""


@dataclasses.dataclass(frozen=True)
class ScanSettings:
    data_threshold: int = DEFAULT_DATA_THRESHOLD
    max_read: int = DEFAULT_MAX_READ


Opener = Callable[[], BinaryIO]
"""Opens the file's content for reading: the file on disk, or a staged blob."""

FileType = Literal["python", "notebook", "yaml", "json", "settings", "shell", "prose", "table", "output",
                   "code"]
_EXTENSION_TYPES: dict[str, FileType] = {
    **dict.fromkeys((".py", ".pyw", ".pyi"), "python"),
    ".ipynb": "notebook",
    **dict.fromkeys((".yml", ".yaml"), "yaml"),
    **dict.fromkeys((".json", ".jsonc", ".json5", ".tfstate", ".backup", ".webmanifest"), "json"),
    **dict.fromkeys((".ini", ".cfg", ".conf", ".cnf", ".properties", ".toml", ".env", ".tfvars"), "settings"),
    **dict.fromkeys((".sh", ".bash", ".zsh", ".ksh", ".ps1", ".psm1", ".bat", ".cmd", ".dockerfile", ".mk"),
                    "shell"),
    **dict.fromkeys((".md", ".markdown", ".rst", ".txt", ".html", ".htm", ".adoc", ".tex", ".rtf", ".org",
                     ".svg"), "prose"),
    **dict.fromkeys((".csv", ".tsv", ".psv", ".jsonl", ".ndjson"), "table"),
    **dict.fromkeys((".log", ".out", ".err"), "output"),
}
_NAME_TYPES: dict[str, FileType] = {
    **dict.fromkeys(("dockerfile", "makefile", "containerfile", "gnumakefile"), "shell"),
    **dict.fromkeys((".netrc", "_netrc", ".pgpass", ".npmrc", ".pypirc", ".databrickscfg", "credentials",
                     ".git-credentials", "config", ".flaskenv", ".gitconfig", ".s3cfg", ".boto", ".htpasswd",
                     ".editorconfig"), "settings"),
    **dict.fromkeys(("license", "readme", "authors", "notice", "changelog", "copying"), "prose"),
    **dict.fromkeys(("kubeconfig", ".kubeconfig"), "yaml"),
}


def file_type(relpath: str) -> FileType:
    """How a file is read, from its name."""
    name = posixpath.basename(relpath).lower()
    if name.startswith(".env"):
        return "settings"
    if name.startswith(("dockerfile.", "containerfile.")):
        return "shell"
    if (name == "config" and relpath.lower().endswith(".kube/config")) or name.endswith(".kubeconfig"):
        return "yaml"
    return _NAME_TYPES.get(name) or _EXTENSION_TYPES.get(posixpath.splitext(name)[1], "code")


def text_encoding(header: bytes) -> str | None:
    """The codec for a file that starts with ``header``; None for binary. Binary is what the first
    4 KiB say: a magic number, unless it is printable (``MZ``, ``ID3``, ``PAR1``, ``RIFF``: a ``.env``
    may start with them) and plain text follows it; or zero bytes in a sample that is neither UTF-16
    nor UTF-8 text with a stray zero or two."""
    if header.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if header.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if header.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    sample = header[:4096]
    magic = header.startswith(_BINARY_MAGIC)
    if magic and not (header.startswith(_PRINTABLE_MAGIC) and _plain_text(sample)):
        return None
    if header.find(b"\x00", 0, 4096) < 0:  # most files: no zero byte
        return "utf-8"
    if len(sample) >= 8:  # UTF-16 text has zero bytes
        even, odd = sample[0::2], sample[1::2]
        if odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.05 * len(even):
            return "utf-16-le"
        if even.count(0) > 0.4 * len(even) and odd.count(0) < 0.05 * len(odd):
            return "utf-16-be"
    return "utf-8" if magic or _plain_text(sample) else None


_BINARY_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"%PDF", b"\x7fELF", b"MZ", b"RIFF", b"OggS",
                 b"fLaC", b"ID3", b"\x00\x00\x01\x00", b"wOFF", b"wOF2", b"\xca\xfe\xba\xbe", b"PK\x03\x04",
                 b"\x1f\x8b", b"\x80\x02", b"\x80\x03", b"\x80\x04", b"\x80\x05", b"PAR1", b"SQLite format")
_PRINTABLE_MAGIC = tuple(prefix for prefix in _BINARY_MAGIC
                         if prefix.isascii() and prefix.decode().isprintable())
"""The magic numbers that plain text may start with: ``GIF8``, ``%PDF``, ``MZ``, ``RIFF``, ``ID3``..."""
_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f]")
"""Control characters other than whitespace (the zero byte among them)."""


def _plain_text(sample: bytes) -> bool:
    """``sample`` decodes as UTF-8 (a character cut at its end aside) into characters of which at
    most 5% are control characters other than whitespace: text, whatever its first bytes."""
    if sample.count(0) > len(sample) // 20:  # most binary files: many zero bytes, decided at once
        return False
    try:
        text = sample.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start < len(sample) - 3 or error.reason != "unexpected end of data":
            return False
        text = sample[: error.start].decode("utf-8")
    return len(_CONTROL.findall(text)) <= len(text) // 20


# --- hits to detections --------------------------------------------------------------------------------


def _detection(hit: Hit, line: int | None, cell: int | None = None, where: str = "") -> Detection:
    preview = mask(hit.secret)
    return Detection(hit.kind, "credential", hit.severity, hit.rule, hit.why, line, cell, preview,
                     f"{hit.what}: {preview}{where}")


def _best_per_line(hits: list[Hit]) -> list[Hit]:
    """One hit a line: an error before a warning, then the most specific rule. A value a format has
    judged keeps that judgement (a token whose checksum fails stays a warning, whatever its name)."""
    judged: dict[int, list[str]] = {}
    for hit in hits:
        if hit.rank < named.NAMED_RANK:
            judged.setdefault(hit.line, []).append(hit.secret)
    best: dict[int, Hit] = {}
    for hit in hits:
        said = judged.get(hit.line, [])
        if hit.rank >= named.NAMED_RANK and any(hit.secret in value or value in hit.secret for value in said):
            continue
        current = best.get(hit.line)
        if current is None or _order(hit) < _order(current):
            best[hit.line] = hit
    return [best[line] for line in sorted(best)]


def _order(hit: Hit) -> tuple[bool, int]:
    return hit.severity != "error", hit.rank


def _allowed(lines: list[str], line: int) -> bool:
    return 0 < line <= len(lines) and allow.allows(lines[line - 1])


def _service_account(hits: list[Hit], text: str) -> list[Hit]:
    if not hits or '"service_account"' not in text:
        return hits
    return [dataclasses.replace(hit, kind="gcp-service-account", what="GCP service-account key")
            if hit.kind == "private-key" else hit for hit in hits]


# --- text by file type ------------------------------------------------------------------------------------


NEEDLES = needles.compile_needles({
    *formats.NEEDLES.all, *named.CANDIDATE_NEEDLES, *named.CALL_NEEDLES, *named.NAME_NEEDLES,
    *config.YAML_NEEDLES, *config.JSON_NEEDLES, *config.SETTINGS_NEEDLES, '"auths"'})
"""Everything a reader of :func:`text_hits` needs to find anything: a text holding none of these
yields nothing, and a reader is skipped when the text holds none of its own."""


def _holds(present: frozenset[str], wanted: tuple[str, ...]) -> bool:
    return not present.isdisjoint(wanted)


def text_hits(text: str, kind: FileType, name: str = "", present: frozenset[str] | None = None) -> list[Hit]:
    """Every credential in ``text`` read as a file of type ``kind`` (``name``: its base name, which
    decides the line formats of ``.netrc``, ``.pgpass`` and ``.npmrc``; ``present``: the
    :data:`NEEDLES` it holds, when known)."""
    if kind == "json" and "\\/" in text:  # JSON's escaped slash is a slash: the same key
        text, present = text.replace("\\/", "/"), None
    present = needles.find(NEEDLES, text) if present is None else present
    hits = scan_formats(text, prose=kind in ("prose", "table"), present=present)
    if kind in ("prose", "table"):
        return _service_account(hits, text)
    if kind == "python":
        found = named.python_hits(text) if _holds(present, named.CANDIDATE_NEEDLES) else []
        if found is None:  # not Python after all
            found = _named_text_hits(text, present) + _call_text_hits(text, present)
        hits += found
    elif kind == "yaml":
        hits += config.yaml_hits(text) if _holds(present, config.YAML_NEEDLES) else []
        hits += _named_text_hits(text, present)
    elif kind == "settings":
        if name == ".pgpass" or _holds(present, config.SETTINGS_NEEDLES):
            hits += config.setting_lines_hits(text, name)
    else:
        hits += _named_text_hits(text, present) + _call_text_hits(text, present)
    if kind == "json":
        if _holds(present, config.JSON_NEEDLES):
            hits += config.json_hits(text, config.json_document(text))
    elif kind != "yaml" and '"auths"' in present and '"auths"' in text:
        hits += config.docker_auth_hits(text, config.json_document(text))
    if kind in ("shell", "output") and _holds(present, named.NAME_NEEDLES):
        hits += named.shell_hits(text)
    return _service_account(hits, text)


def _named_text_hits(text: str, present: frozenset[str]) -> list[Hit]:
    return named.text_hits(text, lower(text)) if _holds(present, named.NAMED_LITERAL_NEEDLES) else []


def _call_text_hits(text: str, present: frozenset[str]) -> list[Hit]:
    return named.call_text_hits(text) if _holds(present, named.CALL_NEEDLES) else []


_YAML_START = re.compile(r"(?:\s*#[^\n]*\n)*\s*(?:---|apiVersion:|kind:)")


def scan_text(text: str, relpath: str = "") -> list[Detection]:
    """The credentials in ``text`` read as the file ``relpath`` would be (notebooks included)."""
    return _text_detections(text, relpath, file_type(relpath))


def _text_detections(text: str, relpath: str, kind: FileType) -> list[Detection]:
    name = posixpath.basename(relpath)
    if kind == "code" and "." not in name and _YAML_START.match(text):
        kind = "yaml"
    if kind == "notebook":
        try:
            return _notebook_detections(notebook.read_notebook(text))
        except ValueError:
            kind = "code"
    found = _workspace_config(relpath, text)
    hits = text_hits(text, kind, name)
    if not hits:
        return found
    lines = text.splitlines()
    kept = [_detection(hit, hit.line) for hit in _best_per_line(hits) if not _allowed(lines, hit.line)]
    return kept + found


def _workspace_config(relpath: str, text: str) -> list[Detection]:
    if not relpath.lower().endswith(".json") or '"workspace_name"' not in text:
        return []
    if all(f'"{key}"' in text for key in ("subscription_id", "resource_group")):
        return [Detection("workspace-config", "config", "warning", "workspace-config",
                          "workspace-config: subscription, resource group and workspace name of an Azure ML "
                          "workspace", None, detail="Azure ML workspace config.json (subscription, resource "
                          "group, workspace)")]
    return []


# --- notebooks --------------------------------------------------------------------------------------------

_SHELL_MAGICS = ("%%bash", "%%sh", "%%script", "%%cmd", "%%powershell", "%%system")


def _cell_source_hits(cell: notebook.Cell) -> list[Hit]:
    """A markdown or raw cell as prose; a code cell as Python (its magics neutralised), shell cell
    magics and ``!``/``%env`` lines as shell, a ``%%writefile`` cell as the file it writes."""
    source = cell.source
    if cell.kind != "code":
        return scan_formats(source, prose=True)
    if source.lstrip().startswith(_SHELL_MAGICS):
        return text_hits(source, "shell")
    target = notebook.written_file(cell)
    if target is not None:
        body = source.split("\n", 1)[1] if "\n" in source else ""
        return [dataclasses.replace(hit, line=hit.line + 1)
                for hit in text_hits(body, file_type(target), posixpath.basename(target))]
    hits = scan_formats(source)
    found = named.python_hits(notebook.python_source(cell))
    hits += found if found is not None else named.text_hits(source, lower(source))
    magics = "\n".join(line.lstrip()[1:] if line.lstrip().startswith("!") else
                       line.lstrip()[4:] if line.lstrip().startswith("%env") else ""
                       for line in source.split("\n"))
    if magics.strip():
        hits += named.shell_hits(magics) + named.text_hits(magics, lower(magics)) + _env_magic_hits(source)
    return _service_account(hits, source)


def _env_magic_hits(source: str) -> list[Hit]:
    """``%env NAME value`` (a space instead of ``=``)."""
    hits = []
    for number, line in enumerate(source.split("\n"), 1):
        parts = line.split()
        if len(parts) == 3 and parts[0] == "%env" and "=" not in parts[1]:
            hit = named.named_hit(parts[1], parts[2], number, how="set by %env as")
            hits.extend([hit] if hit is not None and hit.severity == "error" else [])
    return hits


def _output_hits(text: str) -> list[Hit]:
    """What a program printed: formats, printed settings (dicts, JSON, ``NAME=value``, a Series's
    ``name   value``)."""
    hits = text_hits(text, "output")
    for number, line in enumerate(text.split("\n"), 1):
        parts = line.split()
        if len(parts) == 2 and "  " in line.strip():
            hit = named.named_hit(parts[0], parts[1], number, how="printed as")
            hits.extend([hit] if hit is not None and hit.severity == "error" else [])
    return hits


def _named_by_source(hit: Hit, source: str) -> Hit:
    """A 64-byte key printed alone is a storage key when the cell that printed it reads keys."""
    if hit.rule != "storage-key-after-key" or hit.severity == "error" or "key" not in source.lower():
        return hit
    return dataclasses.replace(hit, severity="error", why=f"{hit.rule}: 88 base64 characters (64 bytes: a "
                               "storage or Cosmos DB key) printed by a cell that reads keys")


def _file_line(lines: tuple[int, ...], line: int, fallback: int) -> int | None:
    """The ``.ipynb`` line of line ``line`` (1-based) of a cell's source or an output's text."""
    found = lines[line - 1] if 0 < line <= len(lines) else 0
    return found or fallback or next((known for known in lines if known), 0) or None


def _notebook_detections(cells: list[notebook.Cell]) -> list[Detection]:
    found: list[Detection] = []
    for cell in cells:
        source_lines = cell.source.split("\n")
        for hit in _best_per_line(_cell_source_hits(cell)):
            if not _allowed(source_lines, hit.line):
                found.append(_detection(hit, _file_line(cell.source_lines, hit.line, 0), cell.number,
                                        f" (cell {cell.number})"))
        for output in cell.outputs:
            for hit in _best_per_line(_output_hits(output.text)):
                hit = _named_by_source(hit, cell.source)
                line = _file_line(output.text_lines, hit.line, output.line)
                found.append(_detection(hit, line, cell.number, f" (cell {cell.number} output)"))
            people = data.text_personal_data(output.text)
            if people is not None:
                found.append(_personal_detection(people, output.line or None, cell.number,
                                                 f"printed by cell {cell.number}"))
    return found


# --- files ------------------------------------------------------------------------------------------------


def _personal_detection(people: data.PersonalData, line: int | None, cell: int | None, where: str
                        ) -> Detection:
    shown = ", ".join(people.kinds)
    return Detection("personal-data", "data", "error", "personal-data",
                     f"personal-data: {people.rows} records with {shown} that identify people", line, cell,
                     None, f"personal data ({shown}) in {people.rows} records {where}")


def scan_file(path: str, relpath: str, size: int, settings: ScanSettings = ScanSettings()) -> list[Detection]:
    """Everything wrong with uploading the file at ``path`` (``relpath``: POSIX, relative to the
    snapshot root; it decides how the file is read; ``size``: what the snapshot counts)."""
    return scan_content(lambda: open(path, "rb"), relpath, size, settings)


def scan_content(opener: Opener, relpath: str, size: int, settings: ScanSettings = ScanSettings()
                 ) -> list[Detection]:
    """:func:`scan_file` over any content. An unreadable file yields nothing: the snapshot engine
    reports unreadable files itself."""
    try:
        with opener() as handle:
            return _scan(_Reader(handle), relpath, size, settings)
    except OSError:
        return []


class _Reader:
    """A file read once, from its start, as far as it is needed."""

    def __init__(self, handle: BinaryIO) -> None:
        self.handle = handle
        self.data = handle.read(_HEADER)
        self.complete = len(self.data) < _HEADER

    def first(self, limit: int) -> bytes:
        if not self.complete and len(self.data) < limit:
            wanted = limit - len(self.data)
            more = self.handle.read(wanted)
            self.complete = len(more) < wanted
            self.data += more
        return self.data[:limit]


def _scan(reader: _Reader, relpath: str, size: int, settings: ScanSettings) -> list[Detection]:
    found: list[Detection] = []
    header = reader.first(_HEADER)
    container = data.key_container(relpath, header)
    if container is not None:
        label, why = container
        found.append(Detection("private-key", "credential", "error", "key-container", f"key-container: {why}",
                               None, detail=f"{label}: holds private keys"))
    kind = file_type(relpath)
    ext = posixpath.splitext(relpath.lower())[1]
    fmt = data.data_format(relpath, header, ext)
    encoding = text_encoding(header)
    if ext in (".xlsx", ".xlsm") and header.startswith(b"PK"):
        people = data.xlsx_personal_data(reader.first(settings.max_read), settings.max_read)
        if people is not None:
            found.append(_personal_detection(people, None, None, "in the first sheet"))
    if fmt is not None and size >= settings.data_threshold:
        found.append(_data_detection(fmt, size))
        if encoding is None or kind != "table":
            return found
        # A large table: read the head for personal data, not the whole for secrets.
        text = reader.first(min(settings.max_read, _TABLE_READ)).decode(encoding, "replace")
        return found + _table_detections(relpath, text)
    if encoding is None:
        return found
    text = reader.first(settings.max_read).decode(encoding, "replace")
    found += _text_detections(text, relpath, kind)
    if kind == "table":
        found += _table_detections(relpath, text)
    return found


def _table_detections(relpath: str, text: str) -> list[Detection]:
    ext = posixpath.splitext(relpath.lower())[1]
    people = data.json_lines_personal_data(text) if ext in (".jsonl", ".ndjson") \
        else data.delimited_personal_data(text, "\t" if ext == ".tsv" else "|" if ext == ".psv" else None)
    if people is None:
        return []
    header_lines = 0 if ext in (".jsonl", ".ndjson") else 1
    return [_personal_detection(people, people.row + header_lines + 1, None, "in the table")]


def _data_detection(fmt: data.DataFormat, size: int) -> Detection:
    advice = {"dataset": "dataset", "model-weights": "model weights", "data-archive": "archive"}[fmt.kind]
    runs = "; loading it runs code (pickle): load only files you trust" if fmt.runs_code else ""
    why = f"data-file: {fmt.label} by name and magic bytes, {format_size(size)} (from the data threshold up)"
    return Detection(fmt.kind, "data", "warning", "data-file", why + runs, None,
                     detail=f"{advice} ({fmt.label}, {format_size(size)}){runs}")

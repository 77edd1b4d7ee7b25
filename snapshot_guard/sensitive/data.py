"""Data that belongs on a datastore: data and model files by format (name and magic bytes), binary key
containers, and personal data in tables (CSV, TSV, JSON lines, XLSX, and tables printed by notebooks).
"""
from __future__ import annotations

import dataclasses
import io
import json
import posixpath
import re
import struct
import zipfile
from collections.abc import Iterable, Sequence

_DATASET_EXTS = frozenset({
    ".csv", ".tsv", ".psv", ".parquet", ".pq", ".feather", ".arrow", ".ipc", ".xlsx", ".xls", ".xlsm",
    ".jsonl", ".ndjson", ".sqlite", ".sqlite3", ".db", ".duckdb", ".h5", ".hdf5", ".hdf", ".he5", ".nc",
    ".npy", ".npz", ".avro", ".orc", ".tfrecord", ".tfrecords", ".mat", ".sav", ".dta", ".sas7bdat",
    ".xpt", ".rds", ".rdata", ".dat", ".libsvm", ".arff", ".mdb", ".accdb", ".lmdb", ".zarr",
})
_MODEL_EXTS = frozenset({
    ".pkl", ".pickle", ".joblib", ".pt", ".pth", ".ckpt", ".onnx", ".safetensors", ".pb", ".tflite",
    ".keras", ".gguf", ".ggml", ".mlmodel", ".caffemodel", ".params", ".bin", ".model", ".weights",
    ".msgpack", ".mar", ".engine", ".plan", ".pdparams", ".cbm", ".ubj", ".sav",
})
_PICKLE_EXTS = frozenset({".pkl", ".pickle", ".joblib", ".pt", ".pth", ".ckpt", ".mar", ".sav", ".bin"})
_ARCHIVE_EXTS = frozenset({".zip", ".tar", ".gz", ".tgz", ".bz2", ".xz", ".7z", ".rar", ".zst", ".lz4"})
_ZIP_DOCUMENTS = frozenset({".docx", ".pptx", ".vsdx", ".odt", ".odp", ".epub", ".jar", ".whl", ".nupkg",
                            ".dbc", ".vsix", ".xpi", ".apk", ".egg", ".pbit"})
"""Zip files that are documents or code packages, not data."""
_DATA_MAGIC: tuple[tuple[bytes, str, str], ...] = (
    (b"PAR1", "dataset", "Parquet"),
    (b"ARROW1", "dataset", "Arrow/Feather"),
    (b"\x89HDF\r\n\x1a\n", "dataset", "HDF5"),
    (b"\x93NUMPY", "dataset", "NumPy array"),
    (b"SQLite format 3\x00", "dataset", "SQLite database"),
    (b"Obj\x01", "dataset", "Avro"),
    (b"ORC", "dataset", "ORC"),
    (b"CDF\x01", "dataset", "netCDF"),
    (b"GGUF", "model-weights", "GGUF model"),
    (b"PK\x03\x04", "data-archive", "zip archive"),
    (b"\x1f\x8b", "data-archive", "gzip archive"),
    (b"BZh", "data-archive", "bzip2 archive"),
    (b"\xfd7zXZ\x00", "data-archive", "xz archive"),
    (b"7z\xbc\xaf\x27\x1c", "data-archive", "7-Zip archive"),
    (b"Rar!", "data-archive", "RAR archive"),
    (b"\x28\xb5\x2f\xfd", "data-archive", "zstd archive"),
)
_DATA_MAGIC_PREFIXES = tuple(magic for magic, _, _ in _DATA_MAGIC)


@dataclasses.dataclass(frozen=True)
class DataFormat:
    kind: str
    """``dataset``, ``model-weights`` or ``data-archive``."""
    label: str
    runs_code: bool = False
    """Loading it runs code: a pickle (``pickle``, ``joblib``, ``torch.load``)."""


def _is_pickle(header: bytes) -> bool:
    return len(header) >= 2 and header[0] == 0x80 and 2 <= header[1] <= 5


def data_format(relpath: str, header: bytes) -> DataFormat | None:
    """The format when the name or the first bytes say "data": a dataset, model weights, an archive."""
    lowered = relpath.lower()
    ext = posixpath.splitext(lowered)[1]
    if header.startswith(_DATA_MAGIC_PREFIXES):  # one call for the usual case: no magic at all
        _, kind, label = next(entry for entry in _DATA_MAGIC if header.startswith(entry[0]))
        if kind == "data-archive" and ext in _ZIP_DOCUMENTS:
            return None
        if kind == "data-archive" and header.startswith(b"PK") and b"data.pkl" in header:
            return DataFormat("model-weights", "PyTorch checkpoint (a zip of pickles)", True)
        if kind == "data-archive" and ext in _MODEL_EXTS:
            return DataFormat("model-weights", f"{label} ({ext} model)", ext in _PICKLE_EXTS)
        if kind == "data-archive" and ext in _DATASET_EXTS:
            return DataFormat("dataset", f"{label} ({ext})")
        return DataFormat(kind, label)
    if len(header) >= 262 and header[257:262] == b"ustar":
        return DataFormat("data-archive", "tar archive")
    if _is_pickle(header):
        return DataFormat("model-weights" if ext not in _DATASET_EXTS else "dataset", "Python pickle", True)
    if len(header) >= 10 and header[8:10] == b'{"' and struct.unpack("<Q", header[:8])[0] < 100_000_000:
        return DataFormat("model-weights", "safetensors")
    if ext == ".joblib" or (ext in (".pkl", ".pickle") and header[:1] in (b"x", b"Z")):
        return DataFormat("model-weights", f"{ext} (compressed pickle)", True)
    if ext in _DATASET_EXTS or lowered.endswith((".csv.gz", ".jsonl.gz", ".parquet.gz")):
        return DataFormat("dataset", ext)
    if ext in _MODEL_EXTS:
        return DataFormat("model-weights", ext, ext in _PICKLE_EXTS)
    if ext in _ARCHIVE_EXTS:
        return DataFormat("data-archive", ext)
    return None


# --- binary key containers --------------------------------------------------------------------------


def _der_sequence_body(header: bytes) -> bytes | None:
    """What follows the length of an outer DER SEQUENCE, None when ``header`` does not start with one."""
    if len(header) < 8 or header[0] != 0x30:
        return None
    if header[1] < 0x80:
        return header[2:]
    width = header[1] & 0x7F
    return header[2 + width:] if 1 <= width <= 4 else None


def key_container(relpath: str, header: bytes) -> tuple[str, str] | None:
    """(label, why) for a binary file that holds private keys: a PKCS#12 store (``.pfx``/``.p12``), a
    Java key store, a DER private key."""
    ext = posixpath.splitext(relpath.lower())[1]
    if header.startswith((b"\xfe\xed\xfe\xed", b"\xce\xce\xce\xce")):
        return "Java key store", "the JKS/JCEKS magic number"
    body = _der_sequence_body(header)
    if body is None:
        return None
    if ext in (".pfx", ".p12", ".pkcs12"):
        why = "a DER structure with PKCS#12 version 3" if body.startswith(b"\x02\x01\x03") \
            else f"a binary DER structure named {ext}"
        return "PKCS#12 key store", why
    if ext in (".key", ".der", ".pk8") and body.startswith(b"\x02\x01\x00"):
        return "DER private key", "a DER structure that opens with a private key's version 0"
    return None


# --- personal data -------------------------------------------------------------------------------------

_EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_PHONE = re.compile(r"\+?\(?\d{1,4}\)?(?:[\s.-]?\(?\d{2,5}\)?){2,4}")
_DATE = re.compile(r"(?:19|20)\d\d[-/.](?:0?[1-9]|1[0-2])[-/.](?:0?[1-9]|[12]\d|3[01])"
                   r"|(?:0?[1-9]|[12]\d|3[01])[-/.](?:0?[1-9]|1[0-2])[-/.](?:19|20)\d\d"
                   r"|(?:0?[1-9]|1[0-2])[-/.](?:0?[1-9]|[12]\d|3[01])[-/.](?:19|20)\d\d")
_SSN = re.compile(r"(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}")
_NATIONAL_ID = re.compile(r"[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]"  # UK NI
                          r"|\d{3}-\d{2}-\d{4}|\d{9,13}|[A-Z]{1,2}\d{6,9}")
_IBAN = re.compile(r"[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?")
_CARD = re.compile(r"\d{4}(?:[ -]?\d{4}){3}|\d{4}[ -]?\d{6}[ -]?\d{5}")
_PERSON_NAME = re.compile(r"[A-Z][a-z'\u00C0-\u017F-]+(?:,? [A-Z][a-z'\u00C0-\u017F.-]*){0,3}")

# Column headers that say what a column holds, by the kind of personal data.
_COLUMN_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern)) for kind, pattern in (
    # Over the header in snake case between underscores: ``_date_of_birth_``.
    ("email", r"e_?mail|mail_?address"),
    ("phone", r"phone|mobile|_cell_|telephone|_tel_|_fax_"),
    ("birth", r"birth|_dob_|bday|geburt"),
    ("national-id", r"_ssn_|social_?security|national_?id|_nino_|passport|tax_?id|_tin_|_nif_|personal_?id|"
                    r"driver_?licen[cs]e|id_?card|citizen_?id"),
    ("iban", r"iban|bank_?account|account_?number"),
    ("card", r"credit_?card|card_?number|_pan_|_ccn_"),
    ("name", r"^_(?:first|last|full|given|family|middle|customer|patient|employee|person|contact|client)?"
             r"_?name_$|^_surname_$|^_forename_$"),
    ("address", r"(?<!_ip)(?<!_mac)_(?:home_|street_|postal_|mailing_)?address_|_street_|postcode|"
                r"_zip_?code_"),
))
_VALUE_TESTS = {
    "email": lambda value: _EMAIL.fullmatch(value) is not None,
    "phone": lambda value: _PHONE.fullmatch(value) is not None and sum(c.isdigit() for c in value) >= 7,
    "birth": lambda value: _DATE.search(value) is not None,
    "national-id": lambda value: _NATIONAL_ID.fullmatch(value.replace(" ", "")) is not None
    or _NATIONAL_ID.fullmatch(value) is not None,
    "iban": lambda value: _iban_valid(value),
    "card": lambda value: _CARD.fullmatch(value) is not None and _luhn(value),
    "name": lambda value: _PERSON_NAME.fullmatch(value) is not None,
    "address": lambda value: bool(re.search(r"\d", value) and re.search(r"[A-Za-z]{3}", value)),
}
_IDENTIFYING = frozenset({"national-id", "iban", "card"})
"""A column of these identifies a person alone."""
_CONTACT = frozenset({"email", "phone", "birth"})
"""These identify a person together with a name, an address, or one another."""


def _iban_valid(value: str) -> bool:
    text = value.replace(" ", "").upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}", text):
        return False
    digits = "".join(str(int(char, 36)) for char in text[4:] + text[:4])
    return int(digits) % 97 == 1


def _luhn(value: str) -> bool:
    digits = [int(char) for char in value if char.isdigit()]
    total = sum(d if i % 2 == 0 else (d * 2 - 9 if d > 4 else d * 2) for i, d in enumerate(reversed(digits)))
    return total % 10 == 0 and len(set(digits)) > 2


def _column_kind(header: str) -> str | None:
    words = re.sub(r"(?<=[a-z])(?=[A-Z])", "_", header.strip().strip("\"'")).lower()
    name = "_" + "_".join(re.findall(r"[a-z0-9]+", words)) + "_"
    for kind, pattern in _COLUMN_KINDS:
        if pattern.search(name):
            return kind
    return None


@dataclasses.dataclass(frozen=True)
class PersonalData:
    kinds: tuple[str, ...]
    """What the records hold: ``name``, ``email``, ``phone``, ``birth``, ``national-id``, ``iban``..."""
    rows: int
    """Records that hold them."""
    row: int
    """The first such record's index among the rows (0-based)."""


_MIN_ROWS = 3
_SAMPLE = 200
"""Rows whose values decide what a column holds."""


def personal_records(header: Sequence[str], rows: Sequence[Sequence[str]]) -> PersonalData | None:
    """Personal data in a table: columns whose header and values agree (an e-mail column of e-mail
    addresses), that identify people: a national id, IBAN or card number alone, or a name or contact
    detail together with another."""
    columns: dict[int, str] = {}
    for index, title in enumerate(header):
        kind = _column_kind(title)
        values = [row[index].strip().strip("\"'") for row in rows[:_SAMPLE]
                  if index < len(row) and row[index].strip()]
        if not values:
            continue
        test = _VALUE_TESTS.get(kind or "")
        if kind is not None and test is not None and sum(map(test, values)) >= max(1, len(values) // 2):
            columns[index] = kind
        elif kind is None and "@" in values[0] \
                and sum(bool(_EMAIL.fullmatch(value)) for value in values) > len(values) * 0.8:
            columns[index] = "email"
        elif kind is None and values[0][:2].isalpha() and sum(map(_iban_valid, values)) > len(values) * 0.8:
            columns[index] = "iban"
        elif kind is None and sum(bool(_FULL_NAME.fullmatch(value)) for value in values) > len(values) * 0.6:
            columns[index] = "full-name"
    found = set(columns.values())
    if "full-name" in found:  # names recognised by their values count beside a contact detail only
        found.discard("full-name")
        if found & {"email", "phone"}:
            found.add("name")
    identifying = bool(found & _IDENTIFYING)
    if not identifying and not (found & _CONTACT and len(found) >= 2):
        return None
    wanted = list(columns)
    needed = 1 if identifying else 2
    hits = [number for number, row in enumerate(rows)
            if sum(1 for index in wanted if index < len(row) and row[index].strip()) >= needed]
    if len(hits) < min(_MIN_ROWS, len(rows)) or len(rows) < 2:
        return None
    return PersonalData(tuple(sorted(found)), len(hits), hits[0])


def _split_rows(lines: Iterable[str], delimiter: str) -> list[list[str]]:
    import csv

    return [row for row in csv.reader(lines, delimiter=delimiter) if row]


def delimited_personal_data(text: str, delimiter: str | None = None) -> PersonalData | None:
    """Personal data in CSV or TSV text (the first 500 records)."""
    lines = text.splitlines()[:501]
    if len(lines) < 2:
        return None
    if delimiter is None:
        first = lines[0]
        delimiter = max((",", "\t", ";", "|"), key=first.count)
        if first.count(delimiter) == 0:
            return None
    rows = _split_rows(lines, delimiter)
    return personal_records(rows[0], rows[1:]) if len(rows) >= 2 else None


def json_lines_personal_data(text: str) -> PersonalData | None:
    """Personal data in JSON lines: one object a line, its keys the columns."""
    records: list[dict[str, object]] = []
    for line in text.splitlines()[:500]:
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict):
            records.append(record)
    return records_personal_data(records)


def records_personal_data(records: Sequence[dict[str, object]]) -> PersonalData | None:
    keys: list[str] = []
    for record in records:
        keys.extend(key for key in record if key not in keys and isinstance(record[key], (str, int)))
    rows = [[str(record.get(key, "")) for key in keys] for record in records]
    return personal_records(keys, rows) if records else None


_XLSX_CELL = re.compile(r'<c r="(?P<ref>[A-Z]+)\d+"(?P<attrs>[^>]*?)(?:/>|>(?P<body>.*?)</c>)', re.S)
_XLSX_ROW = re.compile(r"<row\b[^>]*>(?P<cells>.*?)</row>", re.S)
_XML_TEXT = re.compile(r"<t(?:\s[^>]*)?>(?P<text>[^<]*)</t>")


def xlsx_personal_data(data: bytes, max_read: int) -> PersonalData | None:
    """Personal data in the first sheet of an XLSX workbook (read with the standard library, at most
    ``max_read`` bytes of XML)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as book:
            names = book.namelist()
            shared: list[str] = []
            if "xl/sharedStrings.xml" in names:
                xml = book.open("xl/sharedStrings.xml").read(max_read).decode("utf-8", "replace")
                items = re.findall(r"<si>(.*?)</si>", xml, re.S)
                shared = ["".join(_XML_TEXT.findall(item)) for item in items]
            sheets = sorted(name for name in names if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", name))
            if not sheets:
                return None
            xml = book.open(sheets[0]).read(max_read).decode("utf-8", "replace")
    except (zipfile.BadZipFile, OSError, KeyError, RuntimeError, EOFError, NotImplementedError):
        return None
    table: list[list[str]] = []
    for row in list(_XLSX_ROW.finditer(xml))[:501]:
        cells: dict[int, str] = {}
        for cell in _XLSX_CELL.finditer(row.group("cells")):
            column = 0
            for char in cell.group("ref"):
                column = column * 26 + ord(char) - 64
            body = cell.group("body") or ""
            value = re.search(r"<v>([^<]*)</v>", body)
            text = "".join(_XML_TEXT.findall(body)) if value is None else value.group(1)
            if 't="s"' in cell.group("attrs") and value is not None and value.group(1).isdigit():
                index = int(value.group(1))
                text = shared[index] if index < len(shared) else ""
            cells[column - 1] = text
        if cells:
            table.append([cells.get(index, "") for index in range(max(cells) + 1)])
    return personal_records(table[0], table[1:]) if len(table) >= 2 else None


_HTML_ROW = re.compile(r"<tr\b[^>]*>(.*?)</tr>", re.S | re.I)
_HTML_CELL = re.compile(r"<t[hd]\b[^>]*>(.*?)</t[hd]>", re.S | re.I)
_TAG = re.compile(r"<[^>]+>")


def html_table(text: str) -> list[list[str]]:
    """The rows of the first HTML table in ``text`` (a DataFrame's ``text/html``), cells as text."""
    rows = []
    for row in _HTML_ROW.findall(text):
        rows.append([_TAG.sub("", cell).strip() for cell in _HTML_CELL.findall(row)])
    return [row for row in rows if row]


def printed_table(text: str) -> list[list[str]]:
    """The rows of a table printed as text (``print(df)``): columns split on two or more spaces."""
    rows = [re.split(r"\s{2,}|\t|\|", line.strip()) for line in text.splitlines() if line.strip()]
    return [[cell.strip() for cell in row if cell.strip()] for row in rows]


def text_personal_data(text: str) -> PersonalData | None:
    """Personal data printed by a notebook: an HTML or printed table, printed records (dicts, JSON), or
    lines that each pair an e-mail address with a phone number, a date or an id."""
    for table in (html_table(text), printed_table(text)):
        if len(table) >= 2:
            header = table[0]
            # A DataFrame prints its index as an unnamed first column: align the header to the right.
            body = [row[len(row) - len(header):] if len(row) > len(header) else row for row in table[1:]]
            found = personal_records(header, body)
            if found is not None:
                return found
    records = []
    for match in re.finditer(r"\{[^{}\n]{10,2000}\}", text):
        pairs = re.findall(r"[\"'](\w[\w ]*)[\"']\s*:\s*[\"']([^\"'\n]*)[\"']", match.group(0))
        if pairs:
            records.append(dict(pairs))
    if len(records) >= _MIN_ROWS:
        found = records_personal_data(records)
        if found is not None:
            return found
    lines = [line for line in text.splitlines() if _EMAIL.search(line)]
    paired = [line for line in lines if _PHONE.search(_EMAIL.sub("", line)) or _DATE.search(line)
              or _SSN.search(line) or any(_iban_valid(candidate) for candidate in _IBAN.findall(line))]
    if len(paired) >= _MIN_ROWS:
        return PersonalData(("email", "phone or date or id"), len(paired), 0)
    named = [line for line in lines if _FULL_NAME.search(_EMAIL.sub("", line))]
    if len(named) >= _MIN_ROWS:
        return PersonalData(("email", "name"), len(named), 0)
    return None


_NAME_WORD = r"[A-Z](?:[a-z\u00DF-\u017F]+|['\u2019][A-Z])[a-z\u00DF-\u017F]*(?:-[A-Z][a-z\u00DF-\u017F]+)*"
"""Smith, O'Brien, Anne-Marie, Müller."""
_FULL_NAME = re.compile(rf"\b{_NAME_WORD}[ \t]+{_NAME_WORD}\b")
"""A first and a last name side by side, as a printed row shows them."""

"""Reading the audit's inputs (internal): streaming table readers (CSV/TSV, JSON Lines, Parquet, documents,
DataFrame) that never drop a row - a row that cannot be read comes back as a :class:`RawRow` with an ``error``
that names the problem, not the text -, billed-entry parsing (``97110x2;97530-59;97140``), the charges index
(SQLite, joined on note id), the duplicate-id ledger, column checks, dates and the per-row task preparation.

Nothing here logs or stores note text: the charges index holds codes, units, modifiers and ids only.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import hashlib
import json
import math
import os
import re
import sqlite3
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from ..episodes import episode_rules
from ..errors import InputError


CODE_RE = re.compile(r"^(?:\d{5}|[A-Z]\d{4})$")
_ENTRY_RE = re.compile(r"^(?P<code>[0-9A-Z]{5})(?P<rest>(?:\s*(?:-\s*[0-9A-Z]{2}|[X*]\s*\d{1,3}))*)$")
_PART_RE = re.compile(r"-\s*([0-9A-Z]{2})|[X*]\s*(\d{1,3})")
_MODIFIER_RE = re.compile(r"^[0-9A-Z]{2}$")
_SAFE_ECHO = re.compile(r"^[A-Za-z0-9*. \-]{1,16}$")
_FORMATS = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".txt": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl",
            ".json": "jsonl", ".parquet": "parquet", ".pq": "parquet"}
# ---------------------------------------------------------------------------------------------- reading
@dataclass
class RawRow:
    """One input record. ``row`` counts records from 1 (header excluded); ``line`` is where it starts."""

    row: int
    line: int | None
    values: dict | None
    error: str | None = None
    decoded: str | None = None  # the encoding used when the record was not valid UTF-8
def decode_bytes(raw: bytes) -> tuple[str, str | None]:
    """Decode UTF-8, else Windows-1252, else Latin-1 (always succeeds); return (text, fallback used)."""
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError:
        return raw.decode("latin-1"), "Latin-1"
def table_format(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    fmt = _FORMATS.get(suffixes[-1] if suffixes else "")
    if fmt is None:
        raise InputError(f"{path.name}: unknown table format; use .csv, .tsv, .jsonl (JSON Lines) or .parquet "
                         "(.gz compression is fine for the text formats).")
    return fmt
class TableReader:
    """Base class: iterate :class:`RawRow` records; ``position()`` and ``total`` drive the progress bar."""

    name: str = "table"
    columns: list[str] = []
    total: int | None = None
    unit: str = "rows"

    def position(self) -> int:
        return 0

    def __iter__(self) -> Iterator[RawRow]:  # pragma: no cover - abstract
        raise NotImplementedError

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()
def open_table(source: Any, *, label: str, id_hint: str | None = None) -> TableReader:
    """Open a DataFrame or a file path as a streaming :class:`TableReader`.

    Raises
    ------
    InputError
        The file does not exist, has an unknown format, no header, or is not readable at all.
    """
    import pandas as pd

    if isinstance(source, pd.DataFrame):
        return _FrameReader(source, label)
    if not isinstance(source, (str, os.PathLike)):
        raise InputError(f"The {label} must be a pandas DataFrame or a file path, got {type(source).__name__}.")
    path = Path(source)
    if label == "notes" and _is_document_source(path):
        return _DocumentsReader(path)
    if not path.is_file():
        raise InputError(f"No such {label} file: {path}. Check the path.")
    fmt = table_format(path)
    if fmt == "csv":
        return _CsvReader(path, ",")
    if fmt == "tsv":
        return _CsvReader(path, "\t")
    if fmt == "jsonl":
        return _JsonlReader(path, id_hint)
    return _ParquetReader(path)
def _open_binary(path: Path):
    raw = open(path, "rb")
    if path.suffix.lower() == ".gz":
        return raw, gzip.GzipFile(fileobj=raw)
    return raw, raw
def _check_utf16(first: bytes, name: str) -> None:
    if first.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(f"{name} is UTF-16 encoded; save it as UTF-8 (CSV UTF-8 in Excel) and run again.")
class _CsvReader(TableReader):
    unit = "bytes"

    def __init__(self, path: Path, delimiter: str) -> None:
        self.name, self.delimiter = path.name, delimiter
        self.total = path.stat().st_size
        self._raw, self._stream = _open_binary(path)
        try:
            self._read_header(path)
        except BaseException:
            self.close()
            raise
        self._pending: list[tuple[int, str | None]] = []
        self._eof = False
        csv.field_size_limit(max(csv.field_size_limit(), 1 << 26))  # notes longer than 128 KB are allowed

    def _read_header(self, path: Path) -> None:
        try:
            first = self._stream.readline()
        except (OSError, EOFError) as exc:
            raise InputError(f"Cannot read {path.name}: {type(exc).__name__}. Is it a valid file?") from None
        _check_utf16(first, path.name)
        text, _ = decode_bytes(first[3:] if first.startswith(b"\xef\xbb\xbf") else first)
        header = next(csv.reader([text], delimiter=self.delimiter), [])
        self.columns = [h.strip().lstrip("\ufeff") for h in header]
        if not any(self.columns):
            raise InputError(f"{path.name} has no header row; the first line must name the columns.")
        dupes = sorted({c for c in self.columns if self.columns.count(c) > 1 and c})
        if dupes:
            raise InputError(f"{path.name}: column(s) {', '.join(map(repr, dupes))} appear more than once in the "
                             "header; rename them.")

    def position(self) -> int:
        try:
            return self._raw.tell()
        except (ValueError, OSError):
            return self.total or 0

    def _lines(self) -> Iterator[str]:
        lineno = 1
        for raw in self._stream:
            lineno += 1
            text, enc = decode_bytes(raw)
            self._pending.append((lineno, enc))
            yield text
        self._eof = True

    def __iter__(self) -> Iterator[RawRow]:
        reader = csv.reader(self._lines(), delimiter=self.delimiter)
        row = 0
        ncol = len(self.columns)
        while True:
            try:
                fields = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                pending, self._pending = self._pending, []
                row += 1
                yield RawRow(row, pending[0][0] if pending else None, None,
                             f"not readable as CSV ({str(exc).split(':')[0]})")
                continue
            except (OSError, EOFError) as exc:  # e.g. a truncated .gz file
                row += 1
                yield RawRow(row, None, None, f"the file ends unexpectedly ({type(exc).__name__}); rows after this "
                                              "point could not be read")
                break
            pending, self._pending = self._pending, []
            if not fields or (len(fields) == 1 and not fields[0].strip() and ncol > 1):
                continue  # a blank line is not a row
            row += 1
            line = pending[0][0] if pending else None
            enc = next((e for _, e in pending if e), None)
            if self._eof:
                yield RawRow(row, line, _partial(self.columns, fields),
                             "the file ends inside a quoted field: truncated or malformed row", enc)
            elif len(fields) != ncol:
                yield RawRow(row, line, _partial(self.columns, fields),
                             f"has {len(fields)} fields but the header has {ncol}: truncated or malformed row", enc)
            else:
                yield RawRow(row, line, dict(zip(self.columns, fields)), None, enc)

    def close(self) -> None:
        for f in (getattr(self, "_stream", None), getattr(self, "_raw", None)):
            if f is not None:
                f.close()  # closing twice (the same object when not gzip) is harmless
def _partial(columns: list[str], fields: list[str]) -> dict:
    """The fields of a broken row that can still name it (the id), never trusted for auditing."""
    return dict(zip(columns, fields))
class _JsonlReader(TableReader):
    unit = "bytes"

    def __init__(self, path: Path, id_hint: str | None) -> None:
        self.name, self._path, self._id_hint = path.name, path, id_hint
        self.total = path.stat().st_size
        self._id_re = re.compile(r'"' + re.escape(id_hint) + r'"\s*:\s*("(?:[^"\\]|\\.){0,200}"|-?\d{1,30})') \
            if id_hint else None
        raw, stream = _open_binary(path)
        keys: list[str] = []
        try:
            first = stream.read(4)
            _check_utf16(first, path.name)
            stream.seek(0)
            for i, line in enumerate(stream):
                if i > 1000:
                    break
                try:
                    obj = json.loads(decode_bytes(line)[0].lstrip("\ufeff"))
                except ValueError:
                    continue
                if isinstance(obj, dict):
                    keys = [str(k) for k in obj]
                    break
                if isinstance(obj, list):
                    raise InputError(f"{path.name} holds a JSON array; write one JSON object per line (JSON Lines).")
        except (OSError, EOFError) as exc:
            raise InputError(f"Cannot read {path.name}: {type(exc).__name__}.") from None
        finally:
            stream.close()
            raw.close()
        self.columns = keys
        self._raw = self._stream = None

    def position(self) -> int:
        try:
            return self._raw.tell() if self._raw is not None else 0
        except (ValueError, OSError):
            return self.total or 0

    def __iter__(self) -> Iterator[RawRow]:
        self._raw, self._stream = _open_binary(self._path)
        row = lineno = 0
        try:
            for raw in self._stream:
                lineno += 1
                if not raw.strip():
                    continue
                row += 1
                text, enc = decode_bytes(raw)
                text = text.lstrip("\ufeff")
                try:
                    obj = json.loads(text)
                except ValueError:
                    values = None
                    m = self._id_re.search(text) if self._id_re else None
                    if m:
                        try:
                            values = {self._id_hint: json.loads(m.group(1))}
                        except ValueError:
                            values = None
                    yield RawRow(row, lineno, values, "not valid JSON: truncated or malformed line", enc)
                    continue
                if not isinstance(obj, dict):
                    yield RawRow(row, lineno, None, f"is a JSON {type(obj).__name__}, not an object", enc)
                    continue
                yield RawRow(row, lineno, obj, None, enc)
        except (OSError, EOFError) as exc:
            yield RawRow(row + 1, lineno + 1, None,
                         f"the file ends unexpectedly ({type(exc).__name__}); rows after this point could not be read")

    def close(self) -> None:
        for f in (self._stream, self._raw):
            if f is not None:
                f.close()
class _ParquetReader(TableReader):
    unit = "rows"

    def __init__(self, path: Path) -> None:
        try:
            import pyarrow.parquet as pq
        except ImportError:
            raise InputError("Reading Parquet needs pyarrow: `pip install pyarrow`.") from None
        self.name = path.name
        try:
            self._file = pq.ParquetFile(path)
        except Exception as exc:  # pyarrow raises ArrowInvalid / OSError for damaged files
            raise InputError(f"{path.name} is not a readable Parquet file ({type(exc).__name__}); re-export it.") from None
        self.columns = [str(n) for n in self._file.schema_arrow.names]
        self.total = self._file.metadata.num_rows
        self._done = 0

    def position(self) -> int:
        return self._done

    def __iter__(self) -> Iterator[RawRow]:
        row = 0
        try:
            for batch in self._file.iter_batches(batch_size=1000):
                for rec in batch.to_pylist():
                    row += 1
                    self._done = row
                    yield RawRow(row, None, rec)
        except Exception as exc:  # damaged row group
            yield RawRow(row + 1, None, None, f"a damaged Parquet row group ({type(exc).__name__}); rows after this "
                                              "point could not be read")

    def close(self) -> None:
        self._file = None
def _is_document_source(path: Path) -> bool:
    """A folder of note documents, a .zip of them, or a FHIR file (a Bundle, or NDJSON of DocumentReferences)."""
    if path.is_dir():
        return True
    if not path.is_file():
        return False
    with open(path, "rb") as fh:
        head = fh.read(2048)
    if head.startswith(b"PK\x03\x04"):
        return True
    if path.suffix.lower() in (".json", ".ndjson", ".jsonl"):
        first = head.lstrip(b"\xef\xbb\xbf \t\r\n").split(b"\n", 1)[0]
        return first.startswith(b"{") and b'"resourceType"' in head and (
            b'"Bundle"' in head or b'"DocumentReference"' in head)
    return False
class _DocumentsReader(TableReader):
    """Notes read from documents (``suggester.documents.iter_documents``): one row per note with the default
    column names ``note_id`` (file name without extension, FHIR id, or NAME/DATE for one visit of a multi-visit
    file), ``date_of_service``, ``patient_id`` (FHIR subject, when given), ``text``; an unreadable file is a row
    with its error, so it is reported and the other files are still audited."""

    unit = "notes"
    columns = ["note_id", "date_of_service", "patient_id", "document", "text"]

    def __init__(self, path: Path) -> None:
        self.name = path.name
        self._path = path
        self._done = 0

    def position(self) -> int:
        return self._done

    def __iter__(self) -> Iterator[RawRow]:
        from ..documents import DocumentError, iter_documents

        try:
            items = iter_documents(self._path)
            for name, doc in items:
                self._done += 1
                if isinstance(doc, DocumentError):
                    stem = Path(name).stem or name
                    yield RawRow(self._done, None, {"note_id": stem, "document": name}, error=str(doc))
                else:
                    yield RawRow(self._done, None, {
                        "note_id": doc.note_id, "document": doc.source, "text": doc.text, "patient_id": doc.patient_id,
                        "date_of_service": doc.date_of_service.isoformat() if doc.date_of_service else None})
        except DocumentError as exc:
            raise InputError(str(exc)) from None
class _FrameReader(TableReader):
    unit = "rows"

    def __init__(self, frame, label: str) -> None:
        self.name = f"{label} DataFrame"
        self._frame = frame
        self.columns = [str(c) for c in frame.columns]
        self.total = len(frame)
        self._done = 0

    def position(self) -> int:
        return self._done

    def __iter__(self) -> Iterator[RawRow]:
        frame, names = self._frame, self.columns
        row = 0
        for start in range(0, len(frame), 1000):
            block = frame.iloc[start:start + 1000]
            columns = [block.iloc[:, j].tolist() for j in range(block.shape[1])]
            for i in range(len(block)):
                row += 1
                self._done = row
                yield RawRow(row, None, {name: col[i] for name, col in zip(names, columns)})
def cell(value: Any) -> str | None:
    """A non-text cell as a stripped string, None when missing (NaN, None, empty)."""
    if value is None:
        return None
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return str(int(value)) if value.is_integer() else str(value)
    if isinstance(value, bytes):
        value = decode_bytes(value)[0]
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if not isinstance(value, str):
        try:
            import pandas as pd

            if pd.isna(value):
                return None
        except (TypeError, ValueError):
            pass
        value = str(value)
    value = value.strip()
    return value or None
# ------------------------------------------------------------------------------------------ billed entries
@dataclass(frozen=True)
class BilledLine:
    """One billed claim line: code, units and modifiers; ``charge_row`` when it came from the charges table."""

    code: str
    units: int = 1
    modifiers: tuple[str, ...] = ()
    charge_row: int | None = None
def _echo(raw: str) -> str:
    raw = raw.strip()
    return f" ({raw!r})" if _SAFE_ECHO.match(raw) else ""
def parse_entry(raw: str) -> BilledLine | None:
    """Parse ``CODE``, ``CODExUNITS``, ``CODE-MODIFIER`` (combinable: ``97530-59x2``); None if malformed."""
    text = raw.strip().upper()
    m = _ENTRY_RE.match(text)
    if not m or not CODE_RE.match(m.group("code")):
        return None
    units, mods = None, []
    for mod, n in _PART_RE.findall(m.group("rest")):
        if mod:
            mods.append(mod)
        elif units is not None or int(n) < 1:
            return None
        else:
            units = int(n)
    return BilledLine(m.group("code"), units or 1, tuple(dict.fromkeys(mods)))
def parse_billed(value: Any) -> tuple[list[BilledLine], list[str]]:
    """Split a ``billed`` cell on ``;`` or ``,`` into lines; return (lines, problems).

    Problems name the entry's position (and the entry itself when it is short and code-like), never more.
    """
    if hasattr(value, "tolist") and not isinstance(value, str):  # a Parquet list column
        value = value.tolist()
    if isinstance(value, (list, tuple)):  # e.g. JSON ["97110x2", "97140"]
        value = ";".join(str(v) for v in value if v is not None)
    text = cell(value)
    if text is None:
        return [], []
    lines, problems = [], []
    entries = re.split(r"[;,]", text)
    for i, raw in enumerate(entries, 1):
        if not raw.strip():
            continue
        line = parse_entry(raw)
        if line is None:
            problems.append(f"billed entry {i}{_echo(raw)} is malformed: expected CODE, CODExUNITS or CODE-MODIFIER, "
                            "e.g. 97110x2;97530-59;97140")
        else:
            lines.append(line)
    return lines, problems
def parse_modifiers(value: Any) -> tuple[tuple[str, ...], bool]:
    text = cell(value)
    if text is None:
        return (), True
    toks = [t for t in re.split(r"[\s,;/|\-]+", text.upper()) if t]
    ok = all(_MODIFIER_RE.match(t) for t in toks)
    return tuple(dict.fromkeys(t for t in toks if _MODIFIER_RE.match(t))), ok
# ---------------------------------------------------------------------------------------- charges index
class ChargeIndex:
    """Claim lines from a charges table, indexed by note id in SQLite (on disk for files: constant memory).

    ``take(ids)`` returns and marks the lines of those notes; ``orphans()`` yields lines that matched no note.
    """

    def __init__(self, reader: TableReader, cols: dict, db_path: Path | None = None) -> None:
        self.name = reader.name
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(db_path) if db_path else ":memory:", check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=OFF")
        self._db.execute("PRAGMA synchronous=OFF")
        self._db.execute("DROP TABLE IF EXISTS charges")
        self._db.execute("CREATE TABLE charges (row INTEGER PRIMARY KEY, note_id TEXT, code TEXT, units INTEGER, "
                         "mods TEXT, error TEXT, matched INTEGER DEFAULT 0)")
        batch = []
        self.rows = 0
        for rec in reader:
            self.rows += 1
            batch.append(self._parse(rec, cols))
            if len(batch) >= 5000:
                self._db.executemany("INSERT INTO charges VALUES (?,?,?,?,?,?,0)", batch)
                batch = []
        if batch:
            self._db.executemany("INSERT INTO charges VALUES (?,?,?,?,?,?,0)", batch)
        self._db.execute("CREATE INDEX charges_note ON charges(note_id)")
        self._db.commit()

    @staticmethod
    def _parse(rec: RawRow, cols: dict) -> tuple:
        values = rec.values or {}
        note_id = cell(values.get(cols["id"]))
        if rec.error:
            return rec.row, note_id, None, None, None, f"charges row {rec.row}: {rec.error}"
        if note_id is None:
            return rec.row, None, None, None, None, f"charges row {rec.row}: {cols['id']!r} is empty"
        raw_code = cell(values.get(cols["code"]))
        line = parse_entry(raw_code) if raw_code else None
        if line is None:
            return (rec.row, note_id, None, None, None,
                    f"charges row {rec.row}: {cols['code']!r}{_echo(raw_code or '')} is not a code "
                    "(5 digits or a letter and 4 digits)")
        units_raw = cell(values.get(cols["units"]))
        units = line.units
        if units_raw is not None:
            try:
                f = float(units_raw)
                if not f.is_integer() or f < 1:
                    raise ValueError
                units = int(f)
            except ValueError:
                return (rec.row, note_id, line.code, None, None,
                        f"charges row {rec.row}: {cols['units']!r}{_echo(units_raw)} must be a whole number >= 1")
        mods, ok = parse_modifiers(values.get(cols["modifiers"]))
        if not ok:
            return (rec.row, note_id, line.code, None, None,
                    f"charges row {rec.row}: {cols['modifiers']!r} must be two-character modifiers such as GP 59")
        mods = tuple(dict.fromkeys(line.modifiers + mods))
        return rec.row, note_id, line.code, units, " ".join(mods), None

    def take(self, note_ids: list[str]) -> dict[str, list]:
        """Lines for these note ids: {id: [BilledLine or (charge_row, error)]}; marks them matched."""
        out: dict[str, list] = {}
        ids = list(dict.fromkeys(note_ids))
        with self._lock:
            for start in range(0, len(ids), 900):
                part = ids[start:start + 900]
                marks = ",".join("?" * len(part))
                cur = self._db.execute(f"SELECT row, note_id, code, units, mods, error FROM charges "
                                       f"WHERE note_id IN ({marks}) ORDER BY row", part)
                for row, nid, code, units, mods, error in cur:
                    out.setdefault(nid, []).append(
                        (row, error) if error else BilledLine(code, units, tuple(mods.split()) if mods else (), row))
                self._db.execute(f"UPDATE charges SET matched = 1 WHERE note_id IN ({marks})", part)
        return out

    def orphans(self) -> Iterator[tuple]:
        """(row, note_id, code, units, modifiers, error) for lines whose note id matched no note."""
        with self._lock:
            rows = self._db.execute("SELECT row, note_id, code, units, mods, error FROM charges WHERE matched = 0 "
                                    "ORDER BY row")
            while True:
                batch = rows.fetchmany(1000)
                if not batch:
                    break
                yield from batch

    def close(self) -> None:
        self._db.close()
# ------------------------------------------------------------------------------------ duplicate note ids
class SeenIds:
    """Which note ids were seen, and at which row, in ~16 bytes per note (sorted numpy runs of 64-bit hashes).

    A 64-bit hash collision could mark two different ids as duplicates; with a million notes the chance
    is about 3 in 10^8.
    """

    def __init__(self) -> None:
        self._runs: list[tuple[np.ndarray, np.ndarray]] = []

    @staticmethod
    def key(note_id: str) -> int:
        return int.from_bytes(hashlib.blake2b(note_id.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "little")

    def first_row(self, key: int) -> int | None:
        k = np.uint64(key)
        for keys, rows in self._runs:
            i = int(np.searchsorted(keys, k))
            if i < len(keys) and keys[i] == k:
                return int(rows[i])
        return None

    def add_many(self, items: list[tuple[int, int]]) -> None:
        if not items:
            return
        keys = np.fromiter((k for k, _ in items), dtype=np.uint64, count=len(items))
        rows = np.fromiter((r for _, r in items), dtype=np.int64, count=len(items))
        order = np.argsort(keys, kind="stable")
        self._runs.append((keys[order], rows[order]))
        while len(self._runs) >= 2 and len(self._runs[-1][0]) >= len(self._runs[-2][0]):
            (k2, r2), (k1, r1) = self._runs.pop(), self._runs.pop()
            keys, rows = np.concatenate([k1, k2]), np.concatenate([r1, r2])
            order = np.argsort(keys, kind="stable")
            self._runs.append((keys[order], rows[order]))
_US_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ].*)?$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
@dataclass(frozen=True)
class AuditColumns:
    """Column names in the notes table and the charges table (all configurable from the CLI)."""

    id: str = "note_id"
    text: str = "text"
    payer: str = "payer"
    billed: str = "billed"
    patient: str = "patient_id"
    date: str = "date_of_service"
    provider: str = "provider"
    code: str = "code"
    units: str = "units"
    modifiers: str = "modifiers"
@dataclass
class _Task:
    row: int
    line: int | None
    note_id: str | None
    text: str | None = None
    payer: str | None = None
    patient_id: str | None = None
    dos: str | None = None
    provider: str | None = None
    billed: list = field(default_factory=list)
    problems: list = field(default_factory=list)  # (source, row, reason): error rows that do not stop the audit
    fatal: str | None = None
    info: list = field(default_factory=list)
    cert: str | None = None        # plan-of-care certification date (episode checks)
# ---------------------------------------------------------------------------------------------- checks
def _payer_key(value: str | None) -> str:
    return re.sub(r"[\s\-]+", "_", (value or "").strip().lower())
def _check_columns(reader, charges_reader, cols: AuditColumns) -> list[str]:
    problems = []
    missing = [c for c in (cols.id, cols.text) if c not in reader.columns]
    if missing:
        problems.append(f"the notes ({reader.name}) lack {', '.join(map(repr, missing))} "
                        f"(found: {', '.join(map(repr, reader.columns)) or 'no columns'})")
    if charges_reader is not None:
        cmiss = [c for c in (cols.id, cols.code) if c not in charges_reader.columns]
        if cmiss:
            problems.append(f"the charges ({charges_reader.name}) lack {', '.join(map(repr, cmiss))} "
                            f"(found: {', '.join(map(repr, charges_reader.columns)) or 'no columns'})")
    if problems:
        raise InputError("Missing required column(s): " + "; ".join(problems) + ". Rename the columns or name them "
                         "with --id-col/--text-col/--code-col (id_col=/text_col= in Python).")
    return []
def _name(src) -> str:
    return Path(src).name if isinstance(src, (str, os.PathLike)) else "DataFrame"
def _parse_date(value) -> tuple[str | None, str | None]:
    """(ISO date, problem) from a cell: ISO, MM/DD/YYYY, YYYYMMDD, date or datetime."""
    if value is None or value != value:  # None, NaN, NaT
        return None, None
    if isinstance(value, dt.datetime):
        return value.date().isoformat(), None
    if isinstance(value, dt.date):
        return value.isoformat(), None
    if hasattr(value, "to_pydatetime"):  # pandas Timestamp
        try:
            return value.to_pydatetime().date().isoformat(), None
        except (ValueError, AttributeError):
            return None, "date_of_service is not a date"
    text = cell(value)
    if text is None:
        return None, None
    for rx, order in ((_ISO_DATE, (0, 1, 2)), (_US_DATE, (2, 0, 1)), (_COMPACT_DATE, (0, 1, 2))):
        m = rx.match(text)
        if m:
            g = m.groups()
            try:
                return dt.date(int(g[order[0]]), int(g[order[1]]), int(g[order[2]])).isoformat(), None
            except ValueError:
                break
    return None, "date_of_service is not a date (use YYYY-MM-DD or MM/DD/YYYY): code validity uses today and KX is not checked"
class _Preparer:
    """Turns raw rows into tasks in input order (main process): ids, duplicates, payer, dates, billed lines."""

    def __init__(self, cols: AuditColumns, default_payer: str, payers: dict, charges: ChargeIndex | None,
                 has_billed: bool) -> None:
        self.cols, self.default_payer, self.payers = cols, default_payer, payers
        self.charges, self.has_billed = charges, has_billed
        self.seen = SeenIds()
        self.rows = 0
        self.cert_columns = tuple(episode_rules()["certification_columns"])

    def prepare(self, raws: list[RawRow]) -> list[_Task]:
        c = self.cols
        tasks: list[_Task] = []
        new: list[tuple[int, int]] = []
        local: dict[int, int] = {}
        for raw in raws:
            self.rows += 1
            v = raw.values or {}
            t = _Task(row=raw.row, line=raw.line, note_id=cell(v.get(c.id)))
            where = f"row {raw.row}" + (f" (line {raw.line})" if raw.line else "")
            if raw.decoded:
                t.info.append(f"the row was not valid UTF-8 and was read as {raw.decoded}")
            t.payer = _payer_key(cell(v.get(c.payer))) or self.default_payer
            t.patient_id, t.provider = cell(v.get(c.patient)), cell(v.get(c.provider))
            t.dos, problem = _parse_date(v.get(c.date))
            if problem:
                t.info.append(problem)
            cert_col = next((k for k in self.cert_columns if k in v), None)
            if cert_col is not None:
                t.cert, problem = _parse_date(v.get(cert_col))
                if problem:
                    t.info.append(problem)
            if raw.error:
                t.fatal = f"{where}: {raw.error}"
            elif t.note_id is None:
                t.fatal = f"{where}: {c.id!r} is empty"
            else:
                key = SeenIds.key(t.note_id)
                first = local.get(key) or self.seen.first_row(key)
                if first is not None:
                    t.fatal = f"{where}: duplicate {c.id} (first seen at row {first}); only the first is audited"
                else:
                    local[key] = raw.row
                    new.append((key, raw.row))
            if t.fatal is None:
                text = v.get(c.text)
                if isinstance(text, bytes):
                    text = decode_bytes(text)[0]
                if text is None or (isinstance(text, float) and math.isnan(text)):
                    t.fatal = f"{where}: {c.text!r} is empty"
                elif not isinstance(text, str):
                    t.fatal = f"{where}: {c.text!r} is a {type(text).__name__}, not text"
                elif not text.strip():
                    t.fatal = f"{where}: {c.text!r} is empty"
                elif t.payer not in self.payers:
                    shown = t.payer if len(t.payer) <= 40 else t.payer[:40] + "..."
                    t.fatal = (f"{where}: unknown payer {shown!r}; allowed: {', '.join(sorted(self.payers))} "
                               "(add it to payers.json or fix the payer column)")
                else:
                    t.text = text
            if self.has_billed and self.charges is None:
                lines, problems = parse_billed(v.get(c.billed)) if raw.error is None else ([], [])
                t.billed = lines
                t.problems.extend(("notes", raw.row, f"{where}: {p}") for p in problems)
            tasks.append(t)
        self.seen.add_many(new)
        if self.charges is not None:
            wanted = [t.note_id for t in tasks if t.note_id and not (t.fatal or "").endswith("only the first is audited")]
            found = self.charges.take(wanted)
            for t in tasks:
                if not t.note_id or (t.fatal or "").endswith("only the first is audited"):
                    continue
                for item in found.get(t.note_id, []):
                    if isinstance(item, BilledLine):
                        t.billed.append(item)
                    else:
                        t.problems.append(("charges", item[0], item[1]))
        return tasks
class _TextSource:
    """Re-reads the notes in order to quote evidence spans (text is never stored in part files)."""

    def __init__(self, notes, cols: AuditColumns, chunk_size: int) -> None:
        self.reader = open_table(notes, label="notes", id_hint=cols.id)
        self.it = iter(self.reader)
        self.cols, self.chunk_size, self.next = cols, chunk_size, 0

    def __call__(self, idx: int) -> dict[int, str]:
        out: dict[int, str] = {}
        while self.next <= idx:
            chunk = {}
            for _ in range(self.chunk_size):
                raw = next(self.it, None)
                if raw is None:
                    break
                value = (raw.values or {}).get(self.cols.text) if raw.error is None else None
                if isinstance(value, bytes):
                    value = decode_bytes(value)[0]
                if isinstance(value, str):
                    chunk[raw.row] = value
            if self.next == idx:
                out = chunk
            self.next += 1
        return out

    def close(self) -> None:
        self.reader.close()

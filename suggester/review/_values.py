"""Parsing and formatting of the values the review store keeps (ids, units, modifiers, dates, table cells)."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
from pathlib import Path
from typing import Iterator

from ..errors import InputError
from .errors import InvalidDecision

_MODIFIER = re.compile("[A-Z0-9]{2}")


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def clean_id(note_id) -> str:
    """A note id as stored and looked up: trimmed, 1 to 200 characters, no control characters, and not made of
    dots only ("." and ".." cannot be reached in a URL path)."""
    if not isinstance(note_id, str) or not note_id.strip() or len(note_id) > 200:
        raise InvalidDecision("Field 'note_id': a note id of 1 to 200 characters is required.")
    note_id = note_id.strip()
    if _CONTROL.search(note_id) or not note_id.strip("."):
        raise InvalidDecision("Field 'note_id': use letters, digits and punctuation, without control characters "
                              "and not only dots.")
    return note_id


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


DB_INT_MAX = 2**31 - 1   # the largest id, version or offset both databases store in an INTEGER column


def db_int(value, field: str, hint: str = "") -> int:
    """An id, version or offset as the database can hold it (0..2**31-1); InvalidDecision otherwise."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= DB_INT_MAX:
        raise InvalidDecision(f"Field {field!r}: {hint or f'a whole number 0..{DB_INT_MAX}'}, got {value!r}.")
    return value


def opt(value, limit: int) -> str | None:
    if value is None:
        return None
    value = str(value).strip()
    if not value:
        return None
    if len(value) > limit:
        raise InvalidDecision(f"A value of {len(value)} characters is longer than the {limit} allowed.")
    return value


def units_of(value) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 99:
        raise InvalidDecision(f"Field 'units': a whole number 0..99, got {value!r}.")
    return value


def modifiers_of(value) -> str | None:
    if value is None:
        return None
    parts = value.replace(";", ",").split(",") if isinstance(value, str) else list(value)
    mods = [str(p).strip().upper() for p in parts if str(p).strip()]
    bad = [m for m in mods if not _MODIFIER.fullmatch(m)]
    if bad:
        raise InvalidDecision(f"Field 'modifiers': {bad[0]!r} is not a two-character modifier (e.g. 59, GP, KX).")
    return ",".join(mods)


def parse_date(value, field: str) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        raise InvalidDecision(f"Field {field!r}: {value!r} is not a date (YYYY-MM-DD).") from None


def date_or_none(value) -> dt.date | None:
    try:
        return parse_date(cell(value), "date_of_service")
    except InvalidDecision:
        return None


def cell(value):
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if value.__class__.__name__ in ("NAType", "NaTType"):
        return None
    return value


def _number(value, kind):
    value = cell(value)
    try:
        return None if value is None else kind(value)
    except (TypeError, ValueError):
        return None


def to_int(value) -> int | None:
    return _number(value, int)


def to_float(value) -> float | None:
    return _number(value, float)


def iso(value) -> str | None:
    if isinstance(value, dt.datetime) and value.tzinfo is None:   # SQLite keeps no zone; every time stored is UTC
        value = value.replace(tzinfo=dt.timezone.utc)
    return None if value is None else value.isoformat()


def iter_records(frame) -> Iterator[dict]:
    """Rows of a pandas DataFrame as dicts (helper for :meth:`ReviewStore.record_audit`)."""
    cols = list(frame.columns)
    for values in frame.itertuples(index=False, name=None):
        yield dict(zip(cols, values))


def read_findings(path: str | Path, chunk: int = 5000) -> Iterator[dict]:
    """Stream the rows of an audit findings file (.csv, .tsv, .jsonl or .parquet) as dicts."""
    import pandas as pd

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        for batch in pq.ParquetFile(path).iter_batches(batch_size=chunk):
            yield from batch.to_pylist()
        return
    if suffix in (".csv", ".tsv"):
        frames = pd.read_csv(path, sep="\t" if suffix == ".tsv" else ",", chunksize=chunk, dtype=str,
                             keep_default_na=False, na_values=[""])
    elif suffix in (".jsonl", ".ndjson", ".json"):
        frames = pd.read_json(path, lines=True, chunksize=chunk, dtype=False)
    else:
        raise InputError(f"Cannot read findings from {path.name}: use .csv, .tsv, .jsonl or .parquet.")
    for frame in frames:
        yield from iter_records(frame)

"""Import the CMS quarterly practitioner NCCI procedure-to-procedure (PTP) file.

The CMS file is tab-separated text (or CSV) with a few lines of notices before the header row, then
the columns ``Column 1``, ``Column 2``, ``*=in existence prior to 1996``, ``Effective Date``,
``Deletion Date *=no data``, ``Modifier 0=not allowed 1=allowed 9=not applicable`` (and, in recent
files, ``PTP Edit Rationale``). Dates are ``YYYYMMDD``. :func:`import_ptp` keeps the pairs whose two
codes are both in the catalogue and writes them in suggester's ``ncci_pairs.json`` format, so
``Suggester(ncci=PATH)`` (CLI: ``--ncci PATH``) uses the current quarter.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import tempfile
from pathlib import Path

from .errors import InputError

__all__ = ["import_ptp"]

_REQUIRED = ("column 1", "column 2", "effective date", "deletion date", "modifier")


def _date(value: str, row: int, field: str) -> str | None:
    value = value.strip()
    if not value or value == "*":
        return None
    for fmt in ("%Y%m%d", "%m/%d/%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(value, fmt).date().isoformat()
        except ValueError:
            continue
    raise InputError(f"NCCI file row {row}: {field} {value!r} is not a date (expected YYYYMMDD).")


def import_ptp(source: str | Path, out: str | Path, *, codes=None, keep_all: bool = False) -> dict:
    """Read a CMS PTP file and write suggester's NCCI pair file; return a summary.

    Parameters
    ----------
    source : path of the CMS file (tab-separated text or CSV)
    out : where to write the JSON pair file (written atomically)
    codes : iterable of codes to keep (the packaged catalogue's codes when None)
    keep_all : keep every pair, not only pairs of catalogue codes

    Raises
    ------
    InputError
        The file has no header row with the required columns, or a row is malformed.
    """
    path = Path(source)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"Cannot read NCCI file {path}: {exc.strerror}.") from None
    text = raw.decode("utf-8-sig", errors="replace")
    lines = text.splitlines()
    header_at = None
    for i, line in enumerate(lines):
        low = line.lower()
        if "column 1" in low and "column 2" in low:
            header_at = i
            break
    if header_at is None:
        raise InputError(f"NCCI file {path.name}: no header row with 'Column 1' and 'Column 2' found. "
                         "Use the CMS practitioner PTP edits file (tab-separated text).")
    delimiter = "\t" if "\t" in lines[header_at] else ","
    reader = csv.reader(io.StringIO("\n".join(lines[header_at:])), delimiter=delimiter)
    header = [h.strip().lower() for h in next(reader)]
    idx = {}
    for name in _REQUIRED:
        hit = next((k for k, h in enumerate(header) if h.startswith(name)), None)
        if hit is None:
            raise InputError(f"NCCI file {path.name}: header lacks a column starting with {name!r}; found {header}.")
        idx[name] = hit
    if codes is None and not keep_all:
        from .catalogue import load_catalogue

        codes = set(load_catalogue())
    keep = None if keep_all else set(codes)
    pairs, seen, skipped = [], 0, 0
    for rowno, row in enumerate(reader, start=header_at + 2):
        if not row or not any(cell.strip() for cell in row):
            continue
        if len(row) <= max(idx.values()):
            raise InputError(f"NCCI file {path.name} row {rowno}: expected at least {max(idx.values()) + 1} columns, got {len(row)}.")
        seen += 1
        c1, c2 = row[idx["column 1"]].strip(), row[idx["column 2"]].strip()
        if keep is not None and (c1 not in keep or c2 not in keep):
            skipped += 1
            continue
        mi_raw = row[idx["modifier"]].strip()
        if mi_raw not in {"0", "1", "9"}:
            raise InputError(f"NCCI file {path.name} row {rowno}: modifier indicator must be 0, 1 or 9, got {mi_raw!r}.")
        pairs.append({"column1": c1, "column2": c2, "modifier_indicator": int(mi_raw),
                      "effective_from": _date(row[idx["effective date"]], rowno, "effective date"),
                      "effective_to": _date(row[idx["deletion date"]], rowno, "deletion date"),
                      "confidence": "cms", "source": f"CMS NCCI practitioner PTP file {path.name}", "note": None})
    data = {"version": path.stem, "source_note": f"Imported from {path.name} by `suggester ncci import`.", "pairs": pairs}
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=1)
    os.replace(tmp, out)
    return {"rows": seen, "kept": len(pairs), "skipped_other_codes": skipped, "out": str(out)}

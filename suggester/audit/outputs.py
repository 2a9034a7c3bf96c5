"""Writing the audit's outputs (internal): per-chunk part files with a manifest (resume), the atomic output
writers (temp file + ``os.replace``) for CSV, JSON Lines and Parquet, and the findings frame. Part files hold
codes, units, offsets, dollars and ids only, never note text.
"""

from __future__ import annotations

import gzip
import json
import math
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import InputError
from .inputs import table_format


MANIFEST = "manifest.json"
# ---------------------------------------------------------------------------------------- part storage
def _json_default(value):
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return None if math.isnan(value) else float(value)
    raise TypeError(type(value).__name__)
def _clean(row: dict) -> dict:
    return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}
class MemoryParts:
    """Per-chunk findings kept in memory (the DataFrame API)."""

    resumed = 0

    def __init__(self) -> None:
        self._parts: dict[int, list[dict]] = {}

    def done(self, idx: int) -> bool:
        return idx in self._parts

    def put(self, idx: int, rows: list[dict]) -> None:
        self._parts[idx] = rows

    def get(self, idx: int) -> list[dict]:
        return self._parts[idx]

    def indices(self) -> list[int]:
        return sorted(self._parts)

    def db_path(self, name: str) -> Path | None:
        return None

    def finish(self) -> None:
        self._parts.clear()
class DirParts:
    """Per-chunk part files plus a manifest in ``workdir``; a part file exists only once its chunk is done.

    Part files hold findings only (codes, units, offsets, dollars, ids), never note text.
    """

    def __init__(self, workdir: Path, fingerprint: dict, *, resume: bool) -> None:
        self.workdir = workdir
        self.resumed = 0
        manifest = workdir / MANIFEST
        if workdir.exists():
            old = None
            try:
                old = json.loads(manifest.read_text("utf-8"))
            except (OSError, ValueError):
                pass
            if not isinstance(old, dict) or old.get("suggester_audit") != 1:
                raise InputError(f"{workdir} exists but is not a suggester audit work folder; move it away or "
                                 "choose another --out.")
            if resume:
                if old.get("fingerprint") != fingerprint:
                    changed = sorted(k for k in set(fingerprint) | set(old.get("fingerprint") or {})
                                     if fingerprint.get(k) != (old.get("fingerprint") or {}).get(k))
                    raise InputError(f"Cannot resume: {', '.join(changed)} changed since the interrupted run. "
                                     "Run again without --resume to start over.")
                self.resumed = len(self.indices())
            else:
                shutil.rmtree(workdir)
        workdir.mkdir(parents=True, exist_ok=True)
        if not manifest.exists():
            atomic_write_text(manifest, json.dumps({"suggester_audit": 1, "complete": False,
                                                    "note": "Work folder of an unfinished `suggester audit` run. "
                                                            "Rerun with --resume to continue; the findings file is "
                                                            "written only when every chunk is done.",
                                                    "fingerprint": fingerprint}, indent=1))

    def _path(self, idx: int) -> Path:
        return self.workdir / f"part-{idx:08d}.jsonl"

    def done(self, idx: int) -> bool:
        return self._path(idx).exists()

    def put(self, idx: int, rows: list[dict]) -> None:
        text = "".join(json.dumps(_clean(r), default=_json_default, separators=(",", ":")) + "\n" for r in rows)
        atomic_write_text(self._path(idx), text)

    def get(self, idx: int) -> list[dict]:
        with open(self._path(idx), encoding="utf-8") as fh:
            return [json.loads(line) for line in fh if line.strip()]

    def indices(self) -> list[int]:
        return sorted(int(p.stem.split("-")[1]) for p in self.workdir.glob("part-*.jsonl"))

    def db_path(self, name: str) -> Path:
        return self.workdir / name

    def finish(self) -> None:
        shutil.rmtree(self.workdir, ignore_errors=True)
def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to a temp file beside ``path``, fsync, then ``os.replace`` (never a half-written file)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
def atomic_write_text(path: Path, text: str) -> None:
    """:func:`atomic_write_bytes` of UTF-8 text."""
    atomic_write_bytes(path, text.encode("utf-8"))
# ------------------------------------------------------------------------------------------------ output
@dataclass
class OutputWriter:
    """Write findings chunk by chunk to a temp file, then ``commit()`` renames it onto ``path`` atomically."""

    path: Path
    columns: list[str]
    dtypes: dict
    fmt: str = field(init=False)

    def __post_init__(self) -> None:
        self.fmt = table_format(self.path)
        if self.fmt == "parquet":
            try:
                import pyarrow  # noqa: F401
            except ImportError:
                raise InputError("Writing Parquet needs pyarrow: `pip install pyarrow`, or use --out FILE.csv.") from None
        if not self.path.parent.is_dir():
            raise InputError(f"Output folder {self.path.parent} does not exist; create it first.")
        self.tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.partial")
        self._fh = None
        self._pq = None
        self._first = True

    def write(self, frame) -> None:
        if self.fmt == "parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            table = pa.Table.from_pandas(frame, schema=self._schema(), preserve_index=False)
            if self._pq is None:
                self._pq = pq.ParquetWriter(self.tmp, table.schema)
            self._pq.write_table(table)
            return
        if self._fh is None:
            opener = gzip.open if self.path.suffix.lower() == ".gz" else open
            self._fh = opener(self.tmp, "wt", encoding="utf-8", newline="")
        if self.fmt in ("csv", "tsv"):
            frame.to_csv(self._fh, sep="," if self.fmt == "csv" else "\t", header=self._first, index=False)
        else:
            for rec in frame.to_dict("records"):
                self._fh.write(json.dumps(_clean_na(rec), default=_json_default) + "\n")
        self._first = False

    def _schema(self):
        import pyarrow as pa

        kinds = {"Int64": pa.int64(), "float64": pa.float64()}
        return pa.schema([(c, kinds.get(self.dtypes.get(c), pa.string())) for c in self.columns])

    def commit(self, empty_frame) -> None:
        if self._first and self._pq is None:
            self.write(empty_frame)  # header only
        if self._pq is not None:
            self._pq.close()
        if self._fh is not None:
            self._fh.flush()
            try:
                os.fsync(self._fh.fileno())
            except (AttributeError, OSError, ValueError):  # gzip file objects
                pass
            self._fh.close()
        os.replace(self.tmp, self.path)

    def abort(self) -> None:
        try:
            if self._pq is not None:
                self._pq.close()
            if self._fh is not None:
                self._fh.close()
        finally:
            if self.tmp.exists():
                self.tmp.unlink()
def _clean_na(rec: dict) -> dict:
    import pandas as pd

    return {k: (None if v is None or (not isinstance(v, (list, dict, str)) and pd.isna(v)) else v)
            for k, v in rec.items()}
COLUMNS = ["source", "row", "note_id", "payer", "patient_id", "date_of_service", "provider", "code", "status",
           "confidence", "documented_units", "billed_units", "minutes", "billed_modifiers", "suggested_modifiers",
           "finding_ids", "evidence", "fee_usd", "fee_source", "impact_usd", "reason"]
TEXT_COLUMN = "evidence_text"
DTYPES = {"row": "Int64", "confidence": "float64", "documented_units": "Int64", "billed_units": "Int64",
          "minutes": "Int64", "fee_usd": "float64", "impact_usd": "float64"}
def _frame(rows: list[dict], include_text: bool):
    import pandas as pd

    cols = COLUMNS + ([TEXT_COLUMN] if include_text else [])
    frame = pd.DataFrame.from_records(rows, columns=cols) if rows else pd.DataFrame({c: [] for c in cols})
    for c in cols:
        kind = DTYPES.get(c)
        if kind is not None:
            frame[c] = pd.array(frame[c].tolist(), dtype=kind) if kind == "Int64" else \
                pd.to_numeric(frame[c], errors="coerce").astype("float64")
        else:
            frame[c] = frame[c].astype("object").where(frame[c].notna(), None)
    return frame

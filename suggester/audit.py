"""Batch audit of past notes: compare what each note documents with what was billed.

For every note the engine's recommended codes and units (:class:`~suggester.Suggester`) are compared
with the billed claim lines, from a ``billed`` column (``97110x2;97530-59;97140``) or a separate charges
table joined on the note id. The result is a tidy findings table, one row per note and code (plus a row
per modifier problem), with a status:

==============  ====================================================================================
supported       billed and documented (or documented and correctly not billed, e.g. Medicare 97010)
missed          documented as performed (the engine recommends it) but not billed
unsupported     billed but not documented as performed
units_over      billed more units than the documented minutes support
units_under     billed fewer units than the documented minutes support
modifier        a modifier is missing (59/X for an NCCI pair, CQ, KX past the threshold) or unjustified
invalid_code    billed code unknown, deleted, not yet valid, or not recognised by the payer
error           the input row could not be read or audited; ``reason`` says why
==============  ====================================================================================

Every input row appears in the output. Dollar impact uses the packaged approximate Medicare schedule or
a clinic's own rates (:func:`suggester.fees.load_fees`): positive = money documented but not claimed,
negative = billed without support or at risk of denial.

The same per-chunk function (:func:`process_chunk`) runs in-process, in joblib worker processes or on a
Dask cluster; findings stream to per-chunk part files, the output file appears atomically when all are
done, and an interrupted run resumes from its part files. Note text is never logged, never stored in part
files, and appears in the output only with ``include_text``.
"""

from __future__ import annotations

import datetime as dt
import heapq
import json
import math
import os
import re
import sqlite3
import sys
import threading
import time
import types
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from ._audit_io import (BilledLine, ChargeIndex, DirParts, MemoryParts, OutputWriter, RawRow, SeenIds, cell,
                        decode_bytes, open_table, parse_billed)
from ._resources import packaged_json
from ._version import __version__
from .documentation import check_note
from .episodes import EpisodeLedger, NoteFact, episode_rules, note_kind
from .errors import InputError
from .fees import FeeSchedule, load_fees

__all__ = ["AuditColumns", "AuditRun", "COLUMNS", "STATUSES", "audit", "process_chunk", "run_audit", "summarize"]

STATUSES = ("supported", "missed", "unsupported", "units_over", "units_under", "modifier", "invalid_code", "error",
            "episode")
_META = "note_meta"   # one internal row per audited note for the episode checks; never written out
COLUMNS = ["source", "row", "note_id", "payer", "patient_id", "date_of_service", "provider", "code", "status",
           "confidence", "documented_units", "billed_units", "minutes", "billed_modifiers", "suggested_modifiers",
           "finding_ids", "evidence", "fee_usd", "fee_source", "impact_usd", "reason"]
TEXT_COLUMN = "evidence_text"
DTYPES = {"row": "Int64", "confidence": "float64", "documented_units": "Int64", "billed_units": "Int64",
          "minutes": "Int64", "fee_usd": "float64", "impact_usd": "float64"}
_PRIMARY = {"supported", "unsupported", "units_over", "units_under", "invalid_code"}
_DISTINCT = ("59", "XE", "XS", "XP", "XU")
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
class AuditRun:
    """What :func:`run_audit` did: the findings (in memory or in ``out``) and the summary."""

    summary: dict
    frame: Any = None
    out: Path | None = None
    failed_rows: int = 0
    notes: int = 0
    seconds: float = 0.0
    warnings: list = field(default_factory=list)


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


# ---------------------------------------------------------------------------------------------- public API
def audit(notes, charges=None, *, engine=None, text_col: str = "text", id_col: str = "note_id",
          payer_col: str = "payer", billed_col: str = "billed", fees=None, include_text: bool = False,
          workers: int = 1, chunk_size: int = 500, default_payer: str = "medicare"):
    """Audit past notes against what was billed.

    Parameters
    ----------
    notes : DataFrame, str or Path
        The notes table, or a CSV/TSV, JSON Lines or Parquet file. Columns: ``note_id``, ``text`` and
        optionally ``payer``, ``patient_id``, ``date_of_service``, ``provider``, ``billed``
        (``97110x2;97530-59;97140``: entries separated by ``;`` or ``,``, each ``CODE``, ``CODExUNITS``
        or ``CODE-MODIFIER``).
    charges : DataFrame, str or Path, optional
        Claim lines (``note_id``, ``code``, optional ``units``, ``modifiers``) joined on the note id.
        When given, they are the billed lines (the ``billed`` column is not used).
    engine : Suggester, optional
        An engine already built (only with ``workers=1``); one is built when omitted.
    text_col, id_col, payer_col, billed_col : str
        Column names in the notes table (``id_col`` is also the charges table's note id column).
    fees : None, str, Path, DataFrame or FeeSchedule
        A clinic's rates per payer (see :func:`suggester.fees.load_fees`); the packaged approximate
        Medicare schedule when omitted.
    include_text : bool
        Add an ``evidence_text`` column quoting the evidence spans. Off by default: notes are patient data.
    workers : int
        Worker processes (joblib); each builds its own engine once. 1 runs in this process.
    chunk_size : int
        Notes per chunk sent to a worker.
    default_payer : str
        Payer for rows whose payer cell is empty or absent.

    Returns
    -------
    pandas.DataFrame
        One row per note and code (plus modifier rows), columns :data:`COLUMNS`; every input row appears.

    Raises
    ------
    InputError
        Required columns are missing (the message names all of them), a file cannot be read, or an
        argument is invalid.

    Examples
    --------
    >>> import pandas as pd                                                     # doctest: +SKIP
    >>> audit(pd.DataFrame({"note_id": ["n1"], "text": ["TherEx 23 min: SLR, bridges."],
    ...                     "billed": ["97110;97140"]}))[["code", "status"]]     # doctest: +SKIP
        code       status
    0  97110    supported
    1  97140  unsupported
    """
    cols = AuditColumns(id=id_col, text=text_col, payer=payer_col, billed=billed_col)
    run = run_audit(notes, charges, engine=engine, columns=cols, fees=fees, include_text=include_text,
                    workers=workers, chunk_size=chunk_size, default_payer=default_payer)
    return run.frame


def run_audit(notes, charges=None, *, out: str | Path | None = None, engine=None,
              columns: AuditColumns | None = None, fees=None, include_text: bool = False, workers: int = 1,
              chunk_size: int = 500, default_payer: str = "medicare", backend: str = "local",
              scheduler: str | None = None, resume: bool = False, model_dir: str | Path | None = None,
              progress: Callable[[int, int, int | None], None] | None = None) -> AuditRun:
    """Run an audit, streaming chunk by chunk; the engine of :func:`audit` and ``suggester audit``.

    Parameters
    ----------
    notes, charges, engine, fees, include_text, workers, chunk_size, default_payer
        As for :func:`audit`.
    out : str or Path, optional
        Write the findings here (``.csv``, ``.tsv``, ``.jsonl`` or ``.parquet``) instead of returning
        them. Part files go to ``OUT.parts/`` and the output appears atomically when every chunk is done.
    columns : AuditColumns, optional
        Column names; the defaults when omitted.
    backend : {"local", "dask"}
        ``"dask"`` sends chunks to the Dask distributed scheduler at ``scheduler``.
    resume : bool
        Continue an interrupted run with the same ``out``, inputs and options, skipping finished chunks.
    model_dir : str or Path, optional
        Model directory for engines built by workers.
    progress : callable, optional
        ``progress(notes_done, position, total)`` after each chunk (position/total in bytes or rows).

    Returns
    -------
    AuditRun
    """
    started = time.perf_counter()
    cols = columns or AuditColumns()
    if not isinstance(chunk_size, int) or chunk_size < 1:
        raise InputError(f"chunk_size must be a whole number >= 1, got {chunk_size!r}.")
    if not isinstance(workers, int) or (workers < 1 and workers != -1):
        raise InputError(f"workers must be a whole number >= 1 (or -1 for every core), got {workers!r}.")
    if backend not in ("local", "dask"):
        raise InputError(f"Unknown engine {backend!r}; allowed: 'local', 'dask'.")
    if backend == "dask" and not scheduler:
        raise InputError("The dask engine needs the scheduler address: --scheduler tcp://HOST:8786.")
    if engine is not None and (workers != 1 or backend != "local"):
        raise InputError("engine= can only be used with workers=1 and the local engine; worker processes build "
                         "their own (pass model_dir to choose the model).")
    payers = packaged_json("payers.json")["payers"]
    dp = _payer_key(default_payer)
    if dp not in payers:
        raise InputError(f"Unknown default payer {default_payer!r}; allowed: {sorted(payers)}.")
    fee_schedule = load_fees(fees)
    out_path = Path(out) if out is not None else None
    if resume and out_path is None:
        raise InputError("resume needs an output file (--out).")

    reader = open_table(notes, label="notes", id_hint=cols.id)
    writer = parts = charge_index = charges_reader = texts = None
    try:
        charges_reader = open_table(charges, label="charges") if charges is not None else None
        warnings = _check_columns(reader, charges_reader, cols)
        if out_path is not None:
            writer = OutputWriter(out_path, COLUMNS + ([TEXT_COLUMN] if include_text else []), DTYPES)
            if resume and not all(isinstance(s, (str, os.PathLike)) for s in (notes, charges) if s is not None):
                raise InputError("resume works with input files, not DataFrames.")
            parts = DirParts(out_path.with_name(out_path.name + ".parts"),
                             _fingerprint(notes, charges, cols, chunk_size, dp, fee_schedule, model_dir),
                             resume=resume)
        else:
            parts = MemoryParts()
        if charges_reader is not None:
            charge_index = ChargeIndex(charges_reader, {"id": cols.id, "code": cols.code, "units": cols.units,
                                                        "modifiers": cols.modifiers},
                                       parts.db_path("charges.sqlite"))
        prep = _Preparer(cols, dp, payers, charge_index, has_billed=cols.billed in reader.columns)
        if charge_index is None and cols.billed not in reader.columns:
            warnings.append(f"The notes have no {cols.billed!r} column and no charges table was given: nothing "
                            "counts as billed, so every documented code is reported as missed.")
        counter = _Counter(reader, progress)
        payloads = _payloads(reader, prep, parts, chunk_size, fee_schedule, model_dir, counter)
        handle = _make_handler(parts, counter)
        if backend == "dask":
            _run_dask(payloads, handle, scheduler)
        elif workers == 1:
            eng = engine if engine is not None else _worker_engine(model_dir)
            for payload in payloads:
                handle(process_chunk(payload, engine=eng))
        else:
            _run_joblib(payloads, handle, workers)
        texts = _TextSource(notes, cols, chunk_size) if include_text else None
        acc = _Summary()
        frames = []
        n_notes = prep.rows
        doc_stats = _DocStats()
        for frame in _assemble(parts, fee_schedule, charge_index, include_text, texts, warnings, doc_stats):
            acc.add(frame)
            if writer is not None:
                writer.write(frame)
            else:
                frames.append(frame)
        if writer is not None:
            writer.commit(_frame([], include_text))
            if charge_index is not None:
                charge_index.close()
            parts.finish()
        result = None
        if writer is None:
            import pandas as pd

            result = pd.concat(frames, ignore_index=True) if frames else _frame([], include_text)
            result = result.reset_index(drop=True)
    except BaseException:
        if writer is not None:
            writer.abort()
        raise
    finally:
        reader.close()
        if texts is not None:
            texts.close()
        if charges_reader is not None:
            charges_reader.close()
        if charge_index is not None:
            charge_index.close()
    seconds = time.perf_counter() - started
    summary = acc.result()
    summary.update({
        "complete": True, "suggester_version": __version__, "notes_rows": n_notes,
        "charges_rows": charge_index.rows if charge_index is not None else 0,
        "resumed_chunks": getattr(parts, "resumed", 0), "seconds": round(seconds, 2),
        "notes_per_second": round(n_notes / seconds, 1) if seconds > 0 else None,
        "fees": fee_schedule.describe(), "warnings": warnings, "documentation": doc_stats.result(),
        "input": {"notes": _name(notes), "charges": _name(charges) if charges is not None else None},
        "output": str(out_path) if out_path is not None else None,
    })
    return AuditRun(summary=summary, frame=result, out=out_path, failed_rows=summary["failed_rows"],
                    notes=n_notes, seconds=seconds, warnings=warnings)


def summarize(findings) -> dict:
    """Summarise a findings table for the report.

    Parameters
    ----------
    findings : pandas.DataFrame
        The output of :func:`audit` (or a findings file read back).

    Returns
    -------
    dict
        ``by_status`` counts, ``dollars`` (``recoverable``: missed and under-billed; ``at_risk``: billed
        without support, over-billed, modifier and invalid-code lines), ``missed_by_code``,
        ``by_provider``, ``by_month``, ``top_notes`` (the notes to review first), ``failed_rows``.
    """
    acc = _Summary()
    acc.add(findings)
    return acc.result()


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


def _fingerprint(notes, charges, cols, chunk_size, payer, fees: FeeSchedule, model_dir) -> dict:
    def ident(src):
        if src is None:
            return None
        if not isinstance(src, (str, os.PathLike)):
            return "DataFrame"
        st = Path(src).stat()
        return f"{Path(src).resolve()}|{st.st_size}|{st.st_mtime_ns}"

    return {"notes": ident(notes), "charges": ident(charges), "columns": asdict(cols), "chunk_size": chunk_size,
            "default_payer": payer, "fees": fees.fingerprint(), "model_dir": str(model_dir) if model_dir else None,
            "suggester": __version__}


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


# ------------------------------------------------------------------------------------ the per-chunk function
_ENGINES: dict = {}
_ENGINE_LOCK = threading.Lock()


def _worker_engine(model_dir=None):
    """This process's engine for ``model_dir``, built once (each joblib or Dask worker builds its own)."""
    key = str(model_dir) if model_dir else None
    with _ENGINE_LOCK:
        if key not in _ENGINES:
            from .engine import Suggester

            _ENGINES[key] = Suggester(model_dir)
        return _ENGINES[key]


def process_chunk(payload: dict, engine=None) -> tuple[int, int, list[dict]]:
    """Audit one chunk of prepared notes; the unit of work for every execution engine.

    Parameters
    ----------
    payload : dict
        ``index`` (chunk number), ``tasks`` (prepared notes), ``fees`` (FeeSchedule), ``model_dir``.
    engine : Suggester, optional
        Use this engine instead of the process's cached one.

    Returns
    -------
    (index, rows_in_chunk, findings) : tuple
        Findings are plain dicts with the :data:`COLUMNS` keys; they never contain note text.
    """
    eng = engine if engine is not None else _worker_engine(payload.get("model_dir"))
    fees: FeeSchedule = payload["fees"]
    rows: list[dict] = []
    for task in payload["tasks"]:
        rows.extend(_audit_note(eng, fees, task))
    return payload["index"], len(payload["tasks"]), rows


def _row(t: _Task, **kw) -> dict:
    r = {"source": "notes", "row": t.row, "note_id": t.note_id, "payer": t.payer, "patient_id": t.patient_id,
         "date_of_service": t.dos, "provider": t.provider, "code": None, "status": None, "confidence": None,
         "documented_units": None, "billed_units": None, "minutes": None, "billed_modifiers": None,
         "suggested_modifiers": None, "finding_ids": None, "evidence": None, "fee_usd": None, "fee_source": None,
         "impact_usd": None, "reason": None}
    r.update(kw)
    if t.info and r["reason"] is not None:
        r["reason"] = r["reason"] + " (" + "; ".join(t.info) + ")"
    return r


def _money(x: float | None) -> float | None:
    return None if x is None else round(x + 0.0, 2)


def _offsets(items) -> str | None:
    spans = [f"{e.start}-{e.end}" for e in items]
    return ";".join(spans) if spans else None


def _audit_note(eng, fees: FeeSchedule, t: _Task) -> list[dict]:
    out = [dict(_row(t, code=None, status="error", reason=reason), source=src, row=row)
           for src, row, reason in t.problems]
    if t.fatal is not None:
        n = len(t.billed)
        out.append(_row(t, status="error", reason=t.fatal + (f"; its {n} billed line(s) were not audited" if n else "")))
        return out
    try:
        result = eng.suggest(t.text, t.payer, date_of_service=t.dos)
    except InputError as exc:
        out.append(_row(t, status="error", reason=f"row {t.row}: {exc}"))
        return out
    except Exception as exc:  # noqa: BLE001 - one bad note must not stop the run; never echo the message
        out.append(_row(t, status="error", reason=f"row {t.row}: the engine failed on this note "
                                                  f"({type(exc).__name__}); report it with the row number"))
        return out
    meta = _row(t, source=_META, status=_META)
    doc = check_note(t.text, result)
    meta["reason"] = json.dumps({"kind": note_kind(result), "treated": bool(result.recommended) and not result.non_visit,
                                 "cert": t.cert, "doc_failed": [c.id for c in doc.failed],
                                 "doc_applicable": len(doc.applicable)})
    out.append(meta)
    cfg = eng.payer_config(t.payer)
    medicare = cfg.get("code_set") == "medicare"
    cat = eng.catalogue
    day = dt.date.fromisoformat(t.dos) if t.dos else dt.date.today()
    rec = {s.code: s for s in result.recommended}
    cands = {s.code: s for s in result.suggestions}
    not_counted: dict[str, Any] = {}
    for n in result.not_counted:
        not_counted.setdefault(n.code, n)
    billed: dict[str, dict] = {}
    for line in t.billed:
        b = billed.setdefault(line.code, {"units": 0, "mods": []})
        b["units"] += line.units
        b["mods"].extend(m for m in line.modifiers if m not in b["mods"])
    findings_by_code: dict[str, list] = {}
    for f in result.findings:
        for c in f.codes:
            findings_by_code.setdefault(c, []).append(f)

    def fee(code: str, cq: bool) -> tuple[float | None, str]:
        return fees.unit_fee(code, t.payer, cq=cq and medicare)

    codes = list(billed) + [c for c in rec if c not in billed]
    if not codes:
        why = (f"not a treatment visit ({result.non_visit.replace('_', ' ')})" if result.non_visit
               else "no billable service documented")
        out.append(_row(t, status="supported", reason=f"Nothing billed and {why}.", impact_usd=0.0))
        return out
    for code in codes:
        s = rec.get(code)
        common = dict(code=code)
        if s is not None:
            common.update(confidence=round(s.confidence, 3), documented_units=s.units, minutes=s.minutes,
                          suggested_modifiers=" ".join(s.modifiers) or None,
                          finding_ids=" ".join(s.finding_ids) or None, evidence=_offsets(s.evidence))
        if code not in billed:  # documented, not billed
            unit_fee, src = fee(code, "CQ" in (s.modifiers or ()))
            entry = cat.get(code)
            coverage = entry.medicare_coverage if entry is not None else None
            if medicare and coverage in ("bundled", "non_covered"):
                out.append(_row(t, **common, status="supported", fee_usd=unit_fee, fee_source=src, impact_usd=0.0,
                                reason=f"Documented, not billed: correct for Medicare ({coverage.replace('_', '-')}, "
                                       "not paid separately); informational, no dollars lost."))
            elif s.units == 0:
                out.append(_row(t, **common, status="supported", fee_usd=unit_fee, fee_source=src, impact_usd=0.0,
                                reason=f"Documented, not billed: {s.minutes} min give 0 billable units."))
            elif s.units is None:
                out.append(_row(t, **common, status="missed", fee_usd=unit_fee, fee_source=src,
                                reason="Documented as performed but not billed; no minutes documented for this timed "
                                       "code, so units and dollars are unknown (PT160): document the time."))
            else:
                impact = None if unit_fee is None else s.units * unit_fee
                out.append(_row(t, **common, status="missed", fee_usd=unit_fee, fee_source=src,
                                impact_usd=_money(impact),
                                reason=f"Documented as performed but not billed: {s.units} unit(s)"
                                       + (f" from {s.minutes} min" if s.minutes is not None else "")
                                       + ("" if unit_fee is not None else "; no fee known for this code") + "."))
            continue
        b = billed[code]
        mods = b["mods"]
        unit_fee, src = fee(code, "CQ" in mods)
        common.update(billed_units=b["units"], billed_modifiers=" ".join(mods) or None, fee_usd=unit_fee,
                      fee_source=src)
        line_amount = None if unit_fee is None else b["units"] * unit_fee
        invalid = _invalid(code, cat, day, medicare, t.dos is not None)
        if invalid:
            out.append(_row(t, **common, status="invalid_code", impact_usd=_money(-line_amount if line_amount else None),
                            reason=invalid))
            continue
        if s is None:
            cand, nc = cands.get(code), not_counted.get(code)
            if nc is not None:
                why = f"mentioned but not performed this session ({nc.reason.replace('_', ' ')})"
                common.update(evidence=f"{nc.start}-{nc.end}", confidence=round(nc.confidence, 3))
            elif result.non_visit:
                why = f"the note is not a treatment visit ({result.non_visit.replace('_', ' ')})"
            elif cand is not None:
                why = f"weak evidence only (confidence {cand.confidence:.2f}, below the recommendation threshold)"
                common.update(confidence=round(cand.confidence, 3), evidence=_offsets(cand.evidence))
            else:
                why = "no evidence of it in the note"
                common.update(confidence=0.0)
            out.append(_row(t, **common, status="unsupported", impact_usd=_money(-line_amount if line_amount is not None else None),
                            reason=f"Billed but not documented as performed: {why}."))
            continue
        doc = s.units
        if doc is None:
            status, impact = "supported", 0.0
            reason = "Billed and documented; units not verifiable: no minutes documented for this timed code (PT160)."
        elif b["units"] > doc:
            status = "units_over"
            impact = None if unit_fee is None else -(b["units"] - doc) * unit_fee
            reason = (f"Billed {b['units']} unit(s); the documented {s.minutes if s.minutes is not None else '-'} min "
                      f"support {doc} ({cfg['unit_method']} method).")
        elif b["units"] < doc:
            status = "units_under"
            impact = None if unit_fee is None else (doc - b["units"]) * unit_fee
            reason = (f"Billed {b['units']} unit(s); the documented {s.minutes if s.minutes is not None else '-'} min "
                      f"support {doc} ({cfg['unit_method']} method): {doc - b['units']} unit(s) not billed.")
        else:
            status, impact = "supported", 0.0
            reason = f"Billed and documented; {doc} unit(s) match."
        out.append(_row(t, **common, status=status, impact_usd=_money(impact), reason=reason))
        out.extend(_modifier_rows(t, common, s, mods, findings_by_code.get(code, []), line_amount, unit_fee, fees,
                                  medicare, b["units"]))
    return out


def _invalid(code: str, cat, day: dt.date, medicare: bool, dated: bool) -> str | None:
    entry = cat.get(code)
    when = f"on {day.isoformat()}" if dated else "today (no date of service)"
    if entry is None:
        return f"{code} is not a code in the PT catalogue (run `suggester codes` to list them)."
    if entry.status == "deleted" and entry.effective_to and day > entry.effective_to:
        repl = ", ".join(entry.replaced_by) or "no direct replacement"
        return f"{code} was deleted after {entry.effective_to.isoformat()}; replaced by {repl}."
    if not entry.is_active_on(day):
        return f"{code} is not valid {when} (valid from {entry.effective_from})."
    if medicare and entry.medicare_coverage == "not_recognized":
        alt = f"; bill {entry.medicare_use_instead} instead" if entry.medicare_use_instead else ""
        return f"Medicare does not recognise {code}{alt}."
    return None


def _modifier_rows(t, common, s, billed_mods, findings, line_amount, unit_fee, fees, medicare, units) -> list[dict]:
    rows = []
    want = [m for m in s.modifiers if m in _DISTINCT]
    have = [m for m in billed_mods if m in _DISTINCT]
    base = dict(common, status="modifier")
    if want and not have:
        partner = next((c for f in findings if f.id == "PT101" for c in f.codes if c != s.code), None)
        rows.append(_row(t, **dict(base, finding_ids="PT101"), impact_usd=_money(-line_amount if line_amount else None),
                         reason=f"Modifier {want[0]} missing: the note documents {s.code} as distinct"
                                + (f" from {partner}" if partner else "") + " (NCCI pair); without it the line is "
                                "denied."))
    elif have and not want:
        pt102 = [f for f in findings if f.id == "PT102" and f.codes and f.codes[-1] == s.code]
        if pt102:
            partner = pt102[0].codes[0]
            rows.append(_row(t, **dict(base, finding_ids="PT102"),
                             impact_usd=_money(-line_amount if line_amount else None),
                             reason=f"Modifier {have[0]} not justified: the note does not show {s.code} separate from "
                                    f"{partner} (separate time blocks, regions or sessions); not separately billable "
                                    "as documented."))
        else:
            rows.append(_row(t, **base, impact_usd=0.0,
                             reason=f"Modifier {have[0]} not justified: no NCCI pair with another documented code needs "
                                    "it on this line (compliance risk)."))
    if medicare and "CQ" in s.modifiers and "CQ" not in billed_mods and unit_fee is not None:
        rows.append(_row(t, **dict(base, finding_ids="PT110"),
                         impact_usd=_money(-(1 - fees.cq_factor) * unit_fee * units),
                         reason="Modifier CQ missing: the note shows an assistant (PTA) furnished this service "
                                f"(PT110); Medicare pays {fees.cq_factor:.0%} of the fee."))
    return rows


# ------------------------------------------------------------------------------------------- orchestration
class _Counter:
    def __init__(self, reader, callback) -> None:
        self.reader, self.callback = reader, callback
        self.read = 0
        self.done = 0

    def finished(self, n: int) -> None:
        self.done += n
        if self.callback is not None:
            total = self.reader.total
            pos = self.reader.position()
            if self.reader.unit == "bytes" and self.read:
                pos = int(pos * min(1.0, self.done / self.read))
            self.callback(self.done, pos, total)


def _payloads(reader, prep: _Preparer, parts, chunk_size: int, fees, model_dir, counter: _Counter) -> Iterator[dict]:
    idx = 0
    batch: list[RawRow] = []

    def emit(batch, idx):
        tasks = prep.prepare(batch)
        counter.read += len(batch)
        if parts.done(idx):
            counter.finished(len(batch))
            return None
        return {"index": idx, "tasks": tasks, "fees": fees, "model_dir": str(model_dir) if model_dir else None}

    for raw in reader:
        batch.append(raw)
        if len(batch) >= chunk_size:
            p = emit(batch, idx)
            batch, idx = [], idx + 1
            if p is not None:
                yield p
    if batch:
        p = emit(batch, idx)
        if p is not None:
            yield p


def _make_handler(parts, counter: _Counter):
    def handle(result) -> None:
        idx, n, rows = result
        parts.put(idx, rows)
        counter.finished(n)
    return handle


def _run_joblib(payloads, handle, workers: int) -> None:
    from joblib import Parallel, delayed

    par = Parallel(n_jobs=workers, backend="loky", return_as="generator_unordered", batch_size=1,
                   pre_dispatch="2*n_jobs")
    for result in par(delayed(process_chunk)(p) for p in payloads):
        handle(result)


def _run_dask(payloads, handle, scheduler: str) -> None:
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise InputError("The dask engine needs dask.distributed: `pip install \"dask[distributed]\"`.") from None
    try:
        client = Client(scheduler, set_as_default=False, timeout="30s")
    except (OSError, TimeoutError) as exc:
        raise InputError(f"Cannot connect to the Dask scheduler at {scheduler} ({type(exc).__name__}); check "
                         "the address and that `dask scheduler` is running.") from None
    try:
        limit = max(2, 2 * sum(client.nthreads().values()))
        pending = as_completed(loop=client.loop)
        inflight = 0

        def result(fut):
            try:
                return fut.result()
            except Exception as exc:  # noqa: BLE001 - infrastructure failure on a worker (per-note errors are rows)
                raise InputError(f"A Dask worker failed ({type(exc).__name__}); check that suggester {__version__} "
                                 "and its model are installed on every worker.") from None

        for p in payloads:
            pending.add(client.submit(process_chunk, p, pure=False))
            inflight += 1
            while inflight >= limit:
                handle(result(next(pending)))
                inflight -= 1
        for fut in pending:
            handle(result(fut))
    finally:
        client.close()


class _KxLedger:
    """Calendar-year running PT totals per patient (SQLite, constant memory) -> lines past the KX threshold."""

    def __init__(self, fees: FeeSchedule, db_path: Path | None) -> None:
        self.fees = fees
        if db_path is not None and db_path.exists():
            db_path.unlink()
        self.db = sqlite3.connect(str(db_path) if db_path else ":memory:")
        self.db.execute("PRAGMA journal_mode=OFF")
        self.db.execute("CREATE TABLE lines (patient TEXT, year INTEGER, dos TEXT, row INTEGER, code TEXT, "
                        "chunk INTEGER, amount REAL, kx INTEGER)")
        self.db.execute("CREATE TABLE flags (chunk INTEGER, row INTEGER, code TEXT, year INTEGER, total REAL, "
                        "threshold REAL)")

    def add(self, chunk: int, rows: list[dict]) -> None:
        batch = []
        for r in rows:
            if (r["source"] == "notes" and r["status"] in _PRIMARY and r.get("billed_units") and r.get("fee_usd")
                    and r.get("patient_id") and r.get("date_of_service") and self.fees.kx_applies(r.get("payer"))):
                mods = (r.get("billed_modifiers") or "").split()
                batch.append((r["patient_id"], int(r["date_of_service"][:4]), r["date_of_service"], r["row"], r["code"],
                              chunk, r["billed_units"] * r["fee_usd"], int("KX" in mods)))
        self.db.executemany("INSERT INTO lines VALUES (?,?,?,?,?,?,?,?)", batch)

    def compute(self) -> None:
        self.db.execute("CREATE INDEX lines_order ON lines(patient, year, dos, row, code)")
        cur = self.db.execute("SELECT patient, year, row, code, chunk, amount, kx FROM lines "
                              "ORDER BY patient, year, dos, row, code")
        key, total, threshold, flags = None, 0.0, None, []
        for patient, year, row, code, chunk, amount, kx in cur:
            if (patient, year) != key:
                key, total, threshold = (patient, year), 0.0, self.fees.kx_threshold(year)
            total += amount
            if threshold is not None and total > threshold + 1e-9 and not kx:
                flags.append((chunk, row, code, year, round(total, 2), threshold))
                if len(flags) >= 5000:
                    self._flush(flags)
        self._flush(flags)
        self.db.execute("CREATE INDEX flags_chunk ON flags(chunk)")

    def _flush(self, flags: list) -> None:
        self.db.executemany("INSERT INTO flags VALUES (?,?,?,?,?,?)", flags)
        flags.clear()

    def flags(self, chunk: int) -> dict[tuple[int, str], tuple]:
        return {(row, code): (year, total, thr) for row, code, year, total, thr in
                self.db.execute("SELECT row, code, year, total, threshold FROM flags WHERE chunk = ?", (chunk,))}

    def close(self) -> None:
        self.db.close()


def _kx_row(primary: dict, year: int, total: float, threshold: float, finding: str) -> dict:
    amount = (primary["billed_units"] or 0) * (primary["fee_usd"] or 0.0)
    r = {k: primary.get(k) for k in COLUMNS}
    r.update(status="modifier", finding_ids=finding, impact_usd=_money(-amount), documented_units=None,
             confidence=None, minutes=None, evidence=None, suggested_modifiers="KX",
             reason=f"Modifier KX missing: this patient's {year} Medicare PT total reaches ${total:,.2f} with this line, "
                    f"past the ${threshold:,.0f} KX threshold ({finding}); without KX the line is denied.")
    return r


def _assemble(parts, fees: FeeSchedule, charges: ChargeIndex | None, include_text: bool, texts,
              warnings: list | None = None, documentation: "_DocStats | None" = None) -> Iterator:
    ledger = _KxLedger(fees, parts.db_path("kx.sqlite"))
    episodes = EpisodeLedger(parts.db_path("episodes.sqlite"))
    try:
        indices = parts.indices()
        for idx in indices:
            rows = parts.get(idx)
            ledger.add(idx, [r for r in rows if r["source"] != _META])
            metas = [(r, json.loads(r["reason"])) for r in rows if r["source"] == _META]
            episodes.add([_fact(r, meta) for r, meta in metas])
            if documentation is not None:
                documentation.add(rows, metas)
        ledger.compute()
        for idx in indices:
            rows = [r for r in parts.get(idx) if r["source"] != _META]
            flags = ledger.flags(idx)
            if flags:
                merged = []
                for r in rows:
                    merged.append(r)
                    hit = flags.get((r["row"], r["code"])) if r["source"] == "notes" and r["status"] in _PRIMARY else None
                    if hit:
                        merged.append(_kx_row(r, *hit, fees.kx_finding))
                rows = merged
            if include_text:
                chunk_texts = texts(idx)
                for r in rows:
                    spans = r.get("evidence")
                    text = chunk_texts.get(r["row"]) if r["source"] == "notes" else None
                    r[TEXT_COLUMN] = (" | ".join(text[int(a):int(b)] for a, b in
                                                 (sp.split("-") for sp in spans.split(";")))
                                      if spans and text is not None else None)
            yield _frame(rows, include_text)
        batch = []
        for finding in episodes.findings():   # across each patient's notes in date order
            batch.append(finding)
            if len(batch) >= 5000:
                yield _frame(batch, include_text)
                batch = []
        if batch:
            yield _frame(batch, include_text)
        if warnings is not None:
            warnings.extend(episodes.warnings)
        if charges is not None:
            batch = []
            for row, note_id, code, units, mods, error in charges.orphans():
                batch.append({**{k: None for k in COLUMNS}, "source": "charges", "row": row, "note_id": note_id,
                              "code": code, "status": "error", "billed_units": units, "billed_modifiers": mods or None,
                              "reason": error or f"charges row {row}: no note with this note id in the notes table; "
                                                 "the line was not audited."})
                if len(batch) >= 5000:
                    yield _frame(batch, include_text)
                    batch = []
            if batch:
                yield _frame(batch, include_text)
    finally:
        ledger.close()
        episodes.close()


class _DocStats:
    """Documentation checks per provider and per check (from the per-note rows), with the billed dollars on
    notes where a check failed (what a reviewer could deny)."""

    def __init__(self) -> None:
        self.by_provider: dict[str, dict] = {}
        self.by_check: dict[str, int] = {}

    def add(self, rows: list[dict], metas: list[tuple[dict, dict]]) -> None:
        """``rows``: a chunk's rows; ``metas``: its per-note rows with their decoded facts."""
        billed_usd: dict[int, float] = {}
        for r in rows:
            if r["source"] == "notes" and r["billed_units"] and r["fee_usd"] is not None:
                billed_usd[r["row"]] = billed_usd.get(r["row"], 0.0) + float(r["fee_usd"]) * int(r["billed_units"])
        for r, meta in metas:
            failed = meta.get("doc_failed", [])
            e = self.by_provider.setdefault(r["provider"] or "unknown", {
                "notes": 0, "applicable": 0, "failed": 0, "notes_failing": 0, "exposed_usd": 0.0, "checks": {}})
            e["notes"] += 1
            e["applicable"] += int(meta.get("doc_applicable", 0))
            e["failed"] += len(failed)
            if failed:
                e["notes_failing"] += 1
                e["exposed_usd"] += billed_usd.get(r["row"], 0.0)
            for cid in failed:
                e["checks"][cid] = e["checks"].get(cid, 0) + 1
                self.by_check[cid] = self.by_check.get(cid, 0) + 1

    def result(self) -> dict:
        providers = []
        for name, e in sorted(self.by_provider.items()):
            score = None if not e["applicable"] else round(1 - e["failed"] / e["applicable"], 3)
            providers.append({"provider": name, "notes": e["notes"], "score": score,
                              "notes_failing": e["notes_failing"], "exposed_usd": round(e["exposed_usd"], 2),
                              "missing": dict(sorted(e["checks"].items(), key=lambda kv: -kv[1]))})
        providers.sort(key=lambda p: (p["score"] if p["score"] is not None else 2, p["provider"]))
        return {"by_provider": providers, "by_check": dict(sorted(self.by_check.items()))}


def _fact(r: dict, meta: dict) -> NoteFact:
    return NoteFact(r["row"], r["note_id"], r["patient_id"], r["date_of_service"], meta["kind"], meta["treated"],
                    meta.get("cert"), r["payer"], r["provider"])


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


# ----------------------------------------------------------------------------------------------- summary
class _Summary:
    """Streaming summary over findings chunks (bounded memory: per code/provider/month and a top-N heap)."""

    TOP = 25

    def __init__(self) -> None:
        self.by_status = {s: 0 for s in STATUSES}
        self.rows = 0
        self.notes = 0
        self.failed_notes = 0
        self.failed_charges = 0
        self.dollars = {k: 0.0 for k in ("missed", "under_billed", "over_billed", "unsupported", "modifier",
                                         "invalid_code")}
        self.unknown_impact = 0
        self.by_code: dict[str, list] = {}
        self.by_provider: dict[str, dict] = {}
        self.by_month: dict[str, dict] = {}
        self.heap: list = []
        self._seq = 0

    def add(self, frame) -> None:
        if frame is None or len(frame) == 0:
            return
        import pandas as pd

        self.rows += len(frame)
        for s, n in frame["status"].value_counts().items():
            self.by_status[s] = self.by_status.get(s, 0) + int(n)
        impact = pd.to_numeric(frame["impact_usd"], errors="coerce")
        status = frame["status"]
        self.unknown_impact += int((impact.isna() & status.isin(["missed", "unsupported", "units_over",
                                                                 "units_under", "modifier"])).sum())
        for key, st in (("missed", "missed"), ("under_billed", "units_under"), ("over_billed", "units_over"),
                        ("unsupported", "unsupported"), ("modifier", "modifier"), ("invalid_code", "invalid_code")):
            self.dollars[key] += float(impact[status == st].abs().sum())
        gain = impact.where(impact > 0, 0.0).fillna(0.0)
        loss = (-impact).where(impact < 0, 0.0).fillna(0.0)
        mask = status.isin(["missed", "units_under"])
        for code, grp in frame[mask].assign(_g=gain[mask]).groupby("code", dropna=True):
            entry = self.by_code.setdefault(str(code), [0, 0.0])
            entry[0] += len(grp)
            entry[1] += float(grp["_g"].sum())
        notes_mask = frame["source"] == "notes"
        self.failed_charges += int(frame.loc[(~notes_mask) & (status == "error"), "row"].nunique())
        nf = frame[notes_mask].assign(_g=gain[notes_mask], _l=loss[notes_mask],
                                      _issue=~status[notes_mask].isin(["supported"]))
        if len(nf) == 0:
            return
        month = nf["date_of_service"].map(lambda d: d[:7] if isinstance(d, str) and len(d) >= 7 else "unknown")
        provider = nf["provider"].map(lambda p: p if isinstance(p, str) and p else "unknown")
        nf = nf.assign(_month=month, _provider=provider)
        for note_row, grp in nf.groupby("row", sort=False):
            self.notes += 1
            statuses = grp["status"].tolist()
            if "error" in statuses:
                self.failed_notes += 1
            g, lo = float(grp["_g"].sum()), float(grp["_l"].sum())
            first = grp.iloc[0]
            for table, key in ((self.by_provider, first["_provider"]), (self.by_month, first["_month"])):
                e = table.setdefault(key, {"notes": 0, "notes_with_findings": 0, "missed_usd": 0.0, "at_risk_usd": 0.0,
                                           "missed": 0, "unsupported": 0, "errors": 0})
                e["notes"] += 1
                e["notes_with_findings"] += int(bool(grp["_issue"].any()))
                e["missed_usd"] += g
                e["at_risk_usd"] += lo
                e["missed"] += statuses.count("missed")
                e["unsupported"] += statuses.count("unsupported")
                e["errors"] += statuses.count("error")
            issues = int(grp["_issue"].sum())
            if issues:
                self._seq += 1
                item = (round(g + lo, 2), issues, -self._seq, {
                    "note_id": first["note_id"], "row": int(note_row), "provider": first["provider"],
                    "date_of_service": first["date_of_service"], "payer": first["payer"],
                    "missed_usd": round(g, 2), "at_risk_usd": round(lo, 2), "issues": issues,
                    "statuses": sorted({s for s in statuses if s != "supported"}),
                    "codes": sorted({str(c) for c, s in zip(grp["code"], statuses) if s != "supported" and c})})
                if len(self.heap) < self.TOP:
                    heapq.heappush(self.heap, item)
                else:
                    heapq.heappushpop(self.heap, item)

    def result(self) -> dict:
        d = {k: round(v, 2) for k, v in self.dollars.items()}
        d["recoverable"] = round(d["missed"] + d["under_billed"], 2)
        d["at_risk"] = round(d["over_billed"] + d["unsupported"] + d["modifier"] + d["invalid_code"], 2)
        d["rows_with_unknown_impact"] = self.unknown_impact

        def table(src: dict, name: str) -> list[dict]:
            return [{name: k, **{kk: (round(vv, 2) if isinstance(vv, float) else vv) for kk, vv in v.items()}}
                    for k, v in src.items()]

        return {
            "notes": self.notes, "findings": self.rows,
            "failed_rows": self.failed_notes + self.failed_charges,
            "failed_notes_rows": self.failed_notes, "failed_charges_rows": self.failed_charges,
            "by_status": self.by_status, "dollars": d,
            "missed_by_code": sorted(({"code": c, "findings": n, "missed_usd": round(u, 2)}
                                      for c, (n, u) in self.by_code.items()), key=lambda e: (-e["missed_usd"], e["code"])),
            "by_provider": sorted(table(self.by_provider, "provider"), key=lambda e: (-e["missed_usd"], e["provider"])),
            "by_month": sorted(table(self.by_month, "month"), key=lambda e: e["month"]),
            "top_notes": [item[3] for item in sorted(self.heap, reverse=True)],
        }


# `suggester.audit` is both this module and, through the package's lazy exports, the audit() function.
# Importing the submodule rebinds the package attribute to the module, so the module itself is callable.
class _CallableModule(types.ModuleType):
    def __call__(self, *args, **kwargs):
        return audit(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule

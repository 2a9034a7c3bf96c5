"""Running the audit (internal): the public entry points :func:`audit` and :func:`run_audit`, the per-chunk
function that runs in-process, in joblib workers or on a Dask cluster, resume fingerprints, and the final pass
that assembles part files, KX flags and episode checks into the output.
"""

from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from .._resources import packaged_json
from .._version import __version__
from ..episodes import EpisodeLedger
from ..errors import InputError
from ..fees import FeeSchedule, load_fees
from .inputs import (_check_columns, _name, _payer_key, _Preparer, _TextSource, AuditColumns, ChargeIndex,
                     open_table, RawRow)
from .matching import _audit_note, _META, _suggest_all
from .money import _kx_row, _KxLedger, _PRIMARY
from .outputs import _frame, COLUMNS, DirParts, DTYPES, MemoryParts, OutputWriter, TEXT_COLUMN
from .report import _DocStats, _fact, _Summary


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
# ------------------------------------------------------------------------------------ the per-chunk function
_ENGINES: dict = {}
_ENGINE_LOCK = threading.Lock()
def _worker_engine(model_dir=None):
    """This process's engine for ``model_dir``, built once (each joblib or Dask worker builds its own)."""
    key = str(model_dir) if model_dir else None
    with _ENGINE_LOCK:
        if key not in _ENGINES:
            from ..engine import Suggester

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
    tasks = payload["tasks"]
    for task, result in zip(tasks, _suggest_all(eng, tasks)):   # the chunk's clauses scored together
        rows.extend(_audit_note(eng, fees, task, result))
    return payload["index"], len(payload["tasks"]), rows
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

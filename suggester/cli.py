"""The ``suggester`` command line. Each command wraps one library function.

Exit codes: 0 = success; 1 = the command ran but found problems (failed rows, errors, findings
with --fail-on); 2 = usage or input error (bad file, bad option, unknown code).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer

from .errors import SuggesterError

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_show_locals=False,
                  help="Suggest US physical-therapy billing codes from treatment notes, and audit past claims. "
                       "Decision support, not a certified coder.")
ncci_app = typer.Typer(no_args_is_help=True, help="Manage NCCI procedure-to-procedure pairs.")
app.add_typer(ncci_app, name="ncci")


def _add_review_commands() -> None:
    from .review.cli import corrections_app, models_app, review_app, users_app

    app.add_typer(users_app, name="users")
    app.add_typer(review_app, name="review")
    app.add_typer(corrections_app, name="corrections")
    app.add_typer(models_app, name="models")


def _fail(message: str, code: int = 2) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def _read_documents(source: str, ocr: Optional[bool]):
    """The notes in a file (any supported type, decided by content) or in standard input."""
    from .documents import DocumentError, read_document

    try:
        if source == "-":
            return read_document(sys.stdin.buffer.read(), name="stdin", ocr=ocr)
        path = Path(source)
        if not path.is_file():
            _fail(f"No such file: {source}. Pass a note file (.txt, .pdf, .docx, .html, FHIR JSON) or '-' for "
                  "standard input.")
        return read_document(path, ocr=ocr)
    except DocumentError as exc:
        _fail(str(exc))


@app.command()
def suggest(
    source: str = typer.Argument(..., help="A note: .txt, .pdf (scanned pages by OCR), .docx, .html or FHIR "
                                 "DocumentReference JSON (type read from the content), or '-' for standard input."),
    payer: str = typer.Option("medicare", help="medicare, commercial, or a payer from payers.json."),
    as_json: bool = typer.Option(False, "--json", help="Print exactly Result.to_dict() as JSON; for a file holding "
                                 "several visits, a list of {document, result}."),
    all_candidates: bool = typer.Option(False, "--all", help="Also list candidates that are not recommended."),
    model_dir: Optional[Path] = typer.Option(None, help="A model directory from `suggester train`."),
    ncci: Optional[Path] = typer.Option(None, help="An NCCI pair file from `suggester ncci import`."),
    date_of_service: Optional[str] = typer.Option(None, "--date", help="Date of service YYYY-MM-DD (the document's "
                                                  "own date when it gives one, else today)."),
    ocr: Optional[bool] = typer.Option(None, "--ocr/--no-ocr", help="Read scanned PDF pages by OCR (default: when "
                                       "Tesseract is installed)."),
) -> None:
    """Suggest billing codes for one note (or each visit of an exported file)."""
    from .engine import Suggester

    docs = _read_documents(source, ocr)
    try:
        engine = Suggester(model_dir, ncci=ncci)
        results = [engine.suggest(d.text, payer, date_of_service=date_of_service or d.date_of_service) for d in docs]
    except SuggesterError as exc:
        _fail(str(exc))
    if as_json:
        if len(docs) == 1:
            typer.echo(json.dumps(results[0].to_dict(), indent=2))
        else:
            typer.echo(json.dumps([{"document": d.to_dict(), "result": r.to_dict()} for d, r in zip(docs, results)],
                                  indent=2))
        return
    from .report import print_result

    plain = len(docs) == 1 and docs[0].kind == "text" and not docs[0].warnings
    for d, r in zip(docs, results):
        print_result(r, show_all=all_candidates, document=None if plain else d)


@app.command()
def check(
    source: str = typer.Argument(..., help="A note file (any type `suggest` reads) or '-' for standard input."),
    payer: str = typer.Option("medicare", help="medicare, commercial, or a payer from payers.json."),
    as_json: bool = typer.Option(False, "--json", help="Print the checklist as JSON."),
    model_dir: Optional[Path] = typer.Option(None, help="A model directory from `suggester train`."),
) -> None:
    """The documentation checklist for a note, before it is signed: exit code 1 when a check fails."""
    from .engine import Suggester

    docs = _read_documents(source, None)
    try:
        engine = Suggester(model_dir)
        reports = [engine.check(d.text, payer, date_of_service=d.date_of_service)[0] for d in docs]
    except SuggesterError as exc:
        _fail(str(exc))
    if as_json:
        data = [r.to_dict() for r in reports]
        typer.echo(json.dumps(data[0] if len(data) == 1 else data, indent=2))
    else:
        from .report import print_checklist

        for d, r in zip(docs, reports):
            print_checklist(r, title=d.note_id if len(docs) > 1 else None)
    raise typer.Exit(1 if any(r.failed for r in reports) else 0)


@app.command()
def codes(code: Optional[str] = typer.Argument(None, help="Show one code in full."),
          as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List the code catalogue, or show one code in full."""
    from .catalogue import load_catalogue
    from .report import print_code, print_codes

    cat = load_catalogue()
    if code:
        try:
            entry = cat.get_code(code)
        except KeyError as exc:
            _fail(exc.args[0])
        if as_json:
            typer.echo(json.dumps(entry.to_dict(), indent=2))
        else:
            print_code(entry, cat)
        return
    if as_json:
        typer.echo(json.dumps([c.to_dict() for c in cat.values()], indent=2))
    else:
        print_codes(cat)


def _closing_stores(fn):
    """Close the review stores a command opened (``--db``, ``--corrections``) when it ends, however it ends."""
    from .review.cli import closing_stores

    return closing_stores(fn)


@app.command()
@_closing_stores
def train(data: Path = typer.Option(Path("training_data"), help="Training data folder (sentences/*.jsonl)."),
          out: Optional[Path] = typer.Option(None, help="Output model directory; the shipped models/ when omitted "
                                                        "(required with --corrections)."),
          no_char: bool = typer.Option(False, "--no-char", help="Word n-grams only (no character n-grams)."),
          twins: bool = typer.Option(False, "--twins", help="Also train on the real-style twins "
                                     "(training_data/real_style/train_*.jsonl); not used for the shipped model."),
          prune_below: float = typer.Option(0.05, min=0.0, help="Drop weights smaller in magnitude than this and keep "
                                            "the rest as float16 (the compact artifact); 0 keeps every weight."),
          corrections: Optional[str] = typer.Option(None, "--corrections", help="A review store URL: train a "
                                                    "candidate on the project corpus plus the clinic's corrections, "
                                                    "gate it and register it (see `suggester models`)."),
          token: Optional[str] = typer.Option(None, "--token", envvar="SUGGESTER_TOKEN", show_envvar=False,
                                              help="Your user token for --corrections.")) -> None:
    """Rebuild the model from training_data/ (reproducible: fixed random_state), or, with --corrections, train a
    clinic's candidate model and gate it. Exit 1 when the gate refuses the candidate."""
    if corrections is not None:
        from .review.cli import train_on_corrections

        if out is None:
            _fail("--corrections needs --out DIR: a candidate never replaces the shipped model.")
        train_on_corrections(corrections, token, out, data)
        return
    from .model.train import train as train_model

    try:
        card = train_model(data, out, twins=twins, prune_below=prune_below,
                           **({"char_ngram_range": None} if no_char else {}))
    except SuggesterError as exc:
        _fail(str(exc))
    typer.echo(f"trained on {card['n_segments']} segments, {len(card['labels'])} codes in {card['train_seconds']} s; "
               f"CV segment micro-F1 {card['cv_metrics']['segment_micro_f1']}; {card['nonzero_weights']} weights kept; "
               f"sha256 {card['sha256'][:16]}...")


@app.command()
def evaluate(data: Path = typer.Argument(..., help="JSONL notes with 'text', 'payer' and 'gold' codes."),
             errors: bool = typer.Option(False, "--errors", help="List every false positive and false negative."),
             as_json: bool = typer.Option(False, "--json", help="Print the metrics as JSON."),
             model_dir: Optional[Path] = typer.Option(None, help="A model directory from `suggester train`.")) -> None:
    """Score the engine on labelled notes: micro/macro P/R/F1, per-code table, exact-set accuracy, units."""
    from .engine import Suggester
    from .evaluate import evaluate as run_eval, load_gold
    from .report import print_evaluation

    try:
        notes = load_gold(data)
        report = run_eval(Suggester(model_dir), notes)
    except SuggesterError as exc:
        _fail(str(exc))
    if as_json:
        typer.echo(json.dumps(report, indent=2))
    else:
        print_evaluation(report, show_errors=errors)


@ncci_app.command("import")
def ncci_import(source: Path = typer.Argument(..., help="CMS practitioner PTP file (tab-separated text or CSV)."),
                out: Path = typer.Option(Path("ncci_pairs.json"), help="Where to write the pair file."),
                keep_all: bool = typer.Option(False, "--all", help="Keep pairs of codes outside the catalogue too.")) -> None:
    """Import the CMS quarterly NCCI PTP file; use it with `suggester suggest --ncci FILE`."""
    from .ncci import import_ptp

    try:
        summary = import_ptp(source, out, keep_all=keep_all)
    except SuggesterError as exc:
        _fail(str(exc))
    typer.echo(f"read {summary['rows']} pairs, kept {summary['kept']} ({summary['skipped_other_codes']} with codes "
               f"outside the catalogue skipped); wrote {summary['out']}")


@app.command()
def serve(host: str = typer.Option("127.0.0.1", help="Interface to bind. Loopback by default; anything else exposes "
                                                      "the service to the network."),
          port: int = typer.Option(8000, min=1, max=65535, help="TCP port."),
          max_body_bytes: int = typer.Option(262_144, min=1, help="Largest request body accepted (413 beyond)."),
          max_batch_notes: int = typer.Option(100, min=1, help="Most notes in one POST /v1/audit."),
          max_upload_bytes: int = typer.Option(10_000_000, min=1, help="Largest document accepted by POST "
                                               "/v1/suggest/file (413 beyond)."),
          api_key_env: str = typer.Option("SUGGESTER_API_KEY", help="Environment variable holding an API key; when "
                                                                     "it is set, /v1/* needs it in X-API-Key."),
          cors_origin: Optional[list[str]] = typer.Option(None, "--cors-origin", help="Allow browser calls from this "
                                                                                      "origin (repeatable). Off by default."),
          model_dir: Optional[Path] = typer.Option(None, help="A model directory from `suggester train`."),
          db: Optional[str] = typer.Option(None, "--db", help="Review store URL (sqlite:///path.db or postgresql+psycopg://"
                                                              "...): turns on the review worklist; '-' = the default "
                                                              "store ($SUGGESTER_DB or the user data directory)."),
          log_level: str = typer.Option("info", help="debug, info, warning or error. Logs never contain note text.")) -> None:
    """Serve the HTTP API and the web page (http://127.0.0.1:8000/ by default). The model is loaded once."""
    import ipaddress

    try:
        import uvicorn

        from .api import create_app, log_config
    except ImportError as exc:
        _fail(f"The HTTP service needs {exc.name!r}: run `make install` (or pip install -e .) in the checkout.")
    from .engine import Suggester

    if log_level.lower() not in ("debug", "info", "warning", "error"):
        _fail(f"--log-level must be debug, info, warning or error, got {log_level!r}.")
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        typer.echo(f"warning: binding to {host} exposes the service beyond this computer; set ${api_key_env} and put "
                   "it behind TLS.", err=True)
    try:
        store = None
        if db is not None:
            from .review import open_store

            store = open_store(None if db == "-" else db, pool_size=10)
            if model_dir is None:   # the clinic's promoted model, when there is one
                from .review.registry import active_model

                active = active_model(store)
                if active is not None:
                    model_dir = Path(active["path"])
                    typer.echo(f"using the clinic's active model {active['version']}", err=True)
        engine = Suggester(model_dir)
        web = create_app(engine, max_body_bytes=max_body_bytes, api_key_env=api_key_env,
                         max_batch_notes=max_batch_notes, cors_origins=tuple(cors_origin or ()),
                         max_upload_bytes=max_upload_bytes, store=store)
    except SuggesterError as exc:
        _fail(str(exc))
    uvicorn.run(web, host=host, port=port, log_config=log_config(log_level), log_level=log_level.lower(),
                access_log=False, server_header=False, workers=1)


@app.command("audit")
@_closing_stores
def audit_cmd(
    notes: Path = typer.Argument(..., help="Notes table: .csv, .tsv, .jsonl or .parquet (columns note_id, text, "
                                           "optional payer, patient_id, date_of_service, provider, billed)."),
    out: Path = typer.Option(..., "--out", help="Findings file to write (.csv, .tsv, .jsonl or .parquet); appears "
                                                "only when the run is complete."),
    charges: Optional[Path] = typer.Option(None, help="Claim lines (note_id, code, units, modifiers), joined on the "
                                                      "note id; replaces the billed column."),
    summary: Optional[Path] = typer.Option(None, help="Also write the summary as JSON here."),
    html: Optional[Path] = typer.Option(None, help="Also write a self-contained HTML report here (opens offline)."),
    fees: Optional[Path] = typer.Option(None, help="A clinic's rates: CSV with code, amount and optional payer. "
                                                   "Default: packaged approximate Medicare amounts."),
    include_text: bool = typer.Option(False, "--include-text", help="Quote the evidence text in the findings "
                                                                    "(patient data: off by default)."),
    workers: int = typer.Option(1, help="Worker processes on this machine (-1 = every core)."),
    chunk_size: int = typer.Option(500, help="Notes per chunk (the unit of work, progress and resume)."),
    engine: str = typer.Option("local", help="local (this machine) or dask (a Dask distributed cluster)."),
    scheduler: Optional[str] = typer.Option(None, help="Dask scheduler address for --engine dask, e.g. "
                                                       "tcp://10.0.0.5:8786."),
    resume: bool = typer.Option(False, "--resume", help="Continue an interrupted run (same inputs and options)."),
    payer: str = typer.Option("medicare", "--payer", help="Payer for rows with no payer."),
    text_col: str = typer.Option("text", help="Note text column."),
    id_col: str = typer.Option("note_id", help="Note id column (in the notes and the charges)."),
    payer_col: str = typer.Option("payer", help="Payer column."),
    billed_col: str = typer.Option("billed", help="Billed codes column (97110x2;97530-59;97140)."),
    patient_col: str = typer.Option("patient_id", help="Patient id column (for KX running totals)."),
    date_col: str = typer.Option("date_of_service", help="Date of service column (YYYY-MM-DD or MM/DD/YYYY)."),
    provider_col: str = typer.Option("provider", help="Provider column."),
    code_col: str = typer.Option("code", help="Code column in the charges."),
    units_col: str = typer.Option("units", help="Units column in the charges."),
    modifiers_col: str = typer.Option("modifiers", help="Modifiers column in the charges."),
    fail_on: Optional[str] = typer.Option(None, help="Also exit 1 when findings have these statuses, e.g. "
                                                     "missed,unsupported."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON instead of the plain summary."),
    progress: Optional[bool] = typer.Option(None, "--progress/--no-progress", help="Progress bar (default: on when "
                                                                                   "standard error is a terminal)."),
    model_dir: Optional[Path] = typer.Option(None, help="A model directory from `suggester train`."),
    db: Optional[str] = typer.Option(None, "--db", help="Also store the run and its findings in this review store "
                                                        "(sqlite:///path.db or postgresql+psycopg://...; '-' = the "
                                                        "default store); needs --token or $SUGGESTER_TOKEN."),
    token: Optional[str] = typer.Option(None, "--token", envvar="SUGGESTER_TOKEN", show_envvar=False,
                                        help="Your user token for --db."),
) -> None:
    """Audit past notes against what was billed: missed charges, unsupported lines, units, modifiers, KX.

    Exit 0 when every row was audited; 1 when rows failed (status 'error') or --fail-on matched; 2 on usage
    or input errors. An interrupted run keeps OUT.parts/ and continues with --resume.
    """
    from rich.console import Console

    from .audit.outputs import atomic_write_text
    from .audit import STATUSES, AuditColumns, run_audit
    from .audit.report import render_html, render_text

    fail_statuses = [s.strip() for s in (fail_on or "").split(",") if s.strip()]
    unknown = [s for s in fail_statuses if s not in STATUSES]
    if unknown:
        _fail(f"--fail-on: unknown status(es) {', '.join(unknown)}; allowed: {', '.join(STATUSES)}.")
    store = None
    if db is not None:   # check the store and the token before a long run, not after it
        from .review.cli import _store

        store = _store(None if db == "-" else db)
        try:
            store.authenticate(token)
        except SuggesterError as exc:
            _fail(str(exc))
    cols = AuditColumns(id=id_col, text=text_col, payer=payer_col, billed=billed_col, patient=patient_col,
                        date=date_col, provider=provider_col, code=code_col, units=units_col, modifiers=modifiers_col)
    console = Console(stderr=True)
    show = console.is_terminal if progress is None else progress
    bar = None
    if show:
        from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn, \
            TimeRemainingColumn

        bar = Progress(TextColumn("audit"), BarColumn(), TaskProgressColumn(),
                       TextColumn("{task.fields[notes]:,} notes, {task.fields[rate]:.1f} notes/s"),
                       TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(), console=console, transient=False)
    state: dict = {}

    def on_progress(done: int, position: int, total: Optional[int]) -> None:
        import time as _time

        if bar is None:
            return
        if "task" not in state:
            state["start"] = _time.perf_counter()
            state["task"] = bar.add_task("audit", total=total, notes=0, rate=0.0)
        elapsed = max(1e-6, _time.perf_counter() - state["start"])
        bar.update(state["task"], completed=position, total=total, notes=done, rate=done / elapsed)

    try:
        if bar is not None:
            bar.start()
        try:
            run = run_audit(notes, charges, out=out, columns=cols, fees=fees, include_text=include_text,
                            workers=workers, chunk_size=chunk_size, default_payer=payer, backend=engine,
                            scheduler=scheduler, resume=resume, model_dir=model_dir, progress=on_progress)
        finally:
            if bar is not None:
                bar.stop()
    except SuggesterError as exc:
        _fail(str(exc))
    except OSError as exc:
        _fail(f"Cannot read or write {exc.filename or 'a file'}: {exc.strerror}. Check the paths and free disk space.")
    except KeyboardInterrupt:
        _fail(f"interrupted; finished chunks are kept in {out.name}.parts/. Run the same command with --resume to "
              "continue.", code=1)
    report = run.summary
    try:
        if summary is not None:
            atomic_write_text(summary, json.dumps(report, indent=2))
        if html is not None:
            atomic_write_text(html, render_html(report, title=f"Billing audit: {notes.name}"))
    except OSError as exc:
        _fail(f"Cannot write the report: {exc.strerror}. Check the folder exists and is writable.")
    if store is not None:
        from .review.store import model_version_of, read_findings

        try:
            stored = store.record_audit(token, read_findings(out), report, source=notes.name, versions={
                "suggester": report.get("suggester_version"), "model_version": model_version_of(model_dir),
                "catalogue_version": report.get("catalogue_version", "")})
        except SuggesterError as exc:
            _fail(f"The audit finished ({out}) but storing it failed: {exc}", code=1)
        typer.echo(f"Stored as audit run {stored['run_id']}: {stored['findings']:,} findings to review "
                   f"(suggester review worklist --kind finding --run-id {stored['run_id']}).", err=True)
    for warning in run.warnings:
        typer.echo(f"warning: {warning}", err=True)
    if as_json:
        typer.echo(json.dumps(report, indent=2))
    else:
        typer.echo(render_text(report))
        typer.echo(f"Findings: {out}" + (f"; summary: {summary}" if summary else "") + (f"; report: {html}" if html else ""))
    problems = []
    if run.failed_rows:
        problems.append(f"{run.failed_rows:,} input row(s) failed ({report['failed_notes_rows']:,} notes, "
                        f"{report['failed_charges_rows']:,} charges); see status 'error' in {out}")
    hits = {s: report["by_status"].get(s, 0) for s in fail_statuses if report["by_status"].get(s, 0)}
    if hits:
        problems.append("--fail-on matched " + ", ".join(f"{k} {v:,}" for k, v in hits.items()))
    if problems:
        _fail("; ".join(problems) + ".", code=1)


_add_review_commands()


# Commands that read one note (or one file of visits) and print: no worker processes, nothing left to close.
_ONE_SHOT = frozenset({"suggest", "check"})


def main() -> None:
    """The ``suggester`` command. A one-shot command (``suggest``, ``check``) runs without the cycle collector
    (it lives for one note; a quarter of the start-up time went to collecting while the engine's tables were
    built) and leaves without tearing down those tables one object at a time: the output is flushed and the
    process ends (another 0.15 s of a cold start, measured in ``make bench``)."""
    one_shot = len(sys.argv) > 1 and sys.argv[1] in _ONE_SHOT
    if not one_shot:
        app()
        return
    import gc
    import logging
    import os

    from ._regex_cache import cached_compiles

    gc.disable()
    code = 0
    try:
        with cached_compiles():
            app()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        if exc.code is not None and not isinstance(exc.code, int):
            print(exc.code, file=sys.stderr)
    finally:
        logging.shutdown()
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):   # a closed pipe ("| head"): nothing more can be written there
                pass
    os._exit(code)

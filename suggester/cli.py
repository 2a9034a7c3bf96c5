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

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Suggest US physical-therapy billing codes from treatment notes, and audit past claims. "
                       "Decision support, not a certified coder.")
ncci_app = typer.Typer(no_args_is_help=True, help="Manage NCCI procedure-to-procedure pairs.")
app.add_typer(ncci_app, name="ncci")


def _fail(message: str, code: int = 2) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def _read_text(source: str) -> str:
    if source == "-":
        return sys.stdin.read()
    path = Path(source)
    if not path.is_file():
        _fail(f"No such file: {source}. Pass a note file or '-' for standard input.")
    raw = path.read_bytes()
    for enc in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    return raw.decode("utf-8", errors="replace")  # pragma: no cover - latin-1 always decodes


@app.command()
def suggest(
    source: str = typer.Argument(..., help="A note file, or '-' to read standard input."),
    payer: str = typer.Option("medicare", help="medicare, commercial, or a payer from payers.json."),
    as_json: bool = typer.Option(False, "--json", help="Print exactly Result.to_dict() as JSON."),
    all_candidates: bool = typer.Option(False, "--all", help="Also list candidates that are not recommended."),
    model_dir: Optional[Path] = typer.Option(None, help="A model directory from `suggester train`."),
    ncci: Optional[Path] = typer.Option(None, help="An NCCI pair file from `suggester ncci import`."),
    date_of_service: Optional[str] = typer.Option(None, "--date", help="Date of service YYYY-MM-DD (today when omitted)."),
) -> None:
    """Suggest billing codes for one note."""
    from .engine import Suggester

    text = _read_text(source)
    try:
        result = Suggester(model_dir, ncci=ncci).suggest(text, payer, date_of_service=date_of_service)
    except SuggesterError as exc:
        _fail(str(exc))
    if as_json:
        typer.echo(json.dumps(result.to_dict(), indent=2))
        return
    from .report import print_result

    print_result(result, show_all=all_candidates)


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


@app.command()
def train(data: Path = typer.Option(Path("training_data"), help="Training data folder (sentences/*.jsonl)."),
          out: Optional[Path] = typer.Option(None, help="Output model directory; the shipped models/ when omitted."),
          no_char: bool = typer.Option(False, "--no-char", help="Word n-grams only (no character n-grams).")) -> None:
    """Rebuild the model from training_data/ (reproducible: fixed random_state)."""
    from .model import train as train_model

    try:
        card = train_model(data, out, **({"char_ngram_range": None} if no_char else {}))
    except SuggesterError as exc:
        _fail(str(exc))
    typer.echo(f"trained on {card['n_segments']} segments, {len(card['labels'])} codes in {card['train_seconds']} s; "
               f"CV segment micro-F1 {card['cv_metrics']['segment_micro_f1']}; sha256 {card['sha256'][:16]}...")


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
          api_key_env: str = typer.Option("SUGGESTER_API_KEY", help="Environment variable holding an API key; when "
                                                                     "it is set, /v1/* needs it in X-API-Key."),
          cors_origin: Optional[list[str]] = typer.Option(None, "--cors-origin", help="Allow browser calls from this "
                                                                                      "origin (repeatable). Off by default."),
          model_dir: Optional[Path] = typer.Option(None, help="A model directory from `suggester train`."),
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
        engine = Suggester(model_dir)
        web = create_app(engine, max_body_bytes=max_body_bytes, api_key_env=api_key_env,
                         max_batch_notes=max_batch_notes, cors_origins=tuple(cors_origin or ()))
    except SuggesterError as exc:
        _fail(str(exc))
    uvicorn.run(web, host=host, port=port, log_config=log_config(log_level), log_level=log_level.lower(),
                access_log=False, server_header=False, workers=1)


def main() -> None:
    app()

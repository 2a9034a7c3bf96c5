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
) -> None:
    """Suggest billing codes for one note."""
    from .engine import Suggester

    text = _read_text(source)
    try:
        result = Suggester(model_dir).suggest(text, payer)
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
          out: Optional[Path] = typer.Option(None, help="Output model directory; the shipped models/ when omitted.")) -> None:
    """Rebuild the model from training_data/ (reproducible: fixed random_state)."""
    from .model import train as train_model

    try:
        card = train_model(data, out)
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


def main() -> None:
    app()

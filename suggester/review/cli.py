"""``suggester users ...`` and ``suggester review ...``: the review store from the command line.

Every command takes ``--db URL`` (default ``$SUGGESTER_DB``, else SQLite in the user data directory) and, for
anything but ``users add`` of the very first admin and ``review migrate``, a user token from ``--token`` or
``$SUGGESTER_TOKEN``. Exit codes as elsewhere: 0 done, 1 a conflict (someone else changed the item), 2 a usage,
input, token or database error.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from ..errors import SuggesterError

DB_HELP = "Review store: sqlite:///path.db or postgresql+psycopg://user@host/db (default $SUGGESTER_DB, else SQLite in " \
          "the user data directory)."
TOKEN_HELP = "Your user token (default $SUGGESTER_TOKEN)."

users_app = typer.Typer(no_args_is_help=True, help="Users of the review store and their tokens.")
review_app = typer.Typer(no_args_is_help=True, help="The review worklist: decisions on suggested codes and audit "
                                                    "findings, kept on a database.")


def _fail(message: str, code: int = 2) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def _store(db: Optional[str], **kwargs):
    from .store import open_store

    try:
        store = open_store(db, **kwargs)
    except SuggesterError as exc:
        _fail(str(exc))
    _OPEN.append(store)
    return store


_OPEN: list = []


def closing_stores(fn):
    """Wrap a command so the stores it opened are closed when it ends, however it ends."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        finally:
            while _OPEN:
                _OPEN.pop().close()
    return wrapper


def _run(fn):
    """Call ``fn`` and turn review errors into exit codes with their message."""
    from .store import ConflictError

    try:
        return fn()
    except ConflictError as exc:
        _fail(str(exc), code=1)
    except SuggesterError as exc:
        _fail(str(exc))


def _echo(data, as_json: bool, plain) -> None:
    if as_json:
        typer.echo(json.dumps(data, indent=2, default=str))
    else:
        plain(data)


def _table(rows: list[dict], cols: list[str]) -> None:
    if not rows:
        typer.echo("(nothing)")
        return
    def show(v) -> str:
        return "" if v is None else ",".join(map(str, v)) if isinstance(v, list) else str(v)
    shown = [[show(r.get(c)) for c in cols] for r in rows]
    widths = [max(len(c), *(len(s[i]) for s in shown)) for i, c in enumerate(cols)]
    typer.echo("  ".join(c.ljust(w) for c, w in zip(cols, widths)))
    for s in shown:
        typer.echo("  ".join(v.ljust(w) for v, w in zip(s, widths)))


Db = typer.Option(None, "--db", help=DB_HELP)
Token = typer.Option(None, "--token", envvar="SUGGESTER_TOKEN", help=TOKEN_HELP, show_envvar=False)


# ---------------------------------------------------------------------------------------------- users
@users_app.command("add")
def users_add(name: str = typer.Argument(..., help="The user's name (shown with every decision they make)."),
              role: str = typer.Option("reviewer", help="reviewer or admin. The first user of a store must be an admin."),
              db: Optional[str] = Db, token: Optional[str] = Token) -> None:
    """Add a user and print their token once (only its hash is stored). Needs an admin's token, except for the
    first admin of an empty store."""
    store = _store(db)
    user, new = _run(lambda: store.add_user(name, role, token=token))
    typer.echo(f"added {user.role} {user.name!r}. Their token (shown once, keep it secret):")
    typer.echo(new)


@users_app.command("list")
def users_list(db: Optional[str] = Db, token: Optional[str] = Token,
               as_json: bool = typer.Option(False, "--json")) -> None:
    """The users, their roles and whether they are active (admin)."""
    store = _store(db)
    rows = _run(lambda: store.list_users(token))
    _echo(rows, as_json, lambda r: _table(r, ["name", "role", "active", "created_at"]))


@users_app.command("disable")
def users_disable(name: str, db: Optional[str] = Db, token: Optional[str] = Token) -> None:
    """Disable a user: their token stops working; their decisions stay (admin)."""
    store = _store(db)
    _run(lambda: store.set_user_active(name, False, token=token))
    typer.echo(f"disabled {name!r}")


@users_app.command("enable")
def users_enable(name: str, db: Optional[str] = Db, token: Optional[str] = Token) -> None:
    """Enable a disabled user again (admin)."""
    store = _store(db)
    _run(lambda: store.set_user_active(name, True, token=token))
    typer.echo(f"enabled {name!r}")


# ---------------------------------------------------------------------------------------------- review
@review_app.command("migrate")
def migrate(db: Optional[str] = Db) -> None:
    """Create the review store, or upgrade it to this version's schema (back it up first)."""
    from .store import ReviewStore

    revision = _run(lambda: ReviewStore.migrate(db))
    typer.echo(f"review store at schema {revision}")


@review_app.command("settings")
def settings(store_text: Optional[str] = typer.Option(None, help="on: keep note text (needed to learn from "
                                                                 "corrections); off: keep only a hash (default)."),
             db: Optional[str] = Db, token: Optional[str] = Token) -> None:
    """Show or change the store's settings (changing needs an admin)."""
    store = _store(db)
    if store_text is None:
        _run(lambda: store.authenticate(token))
        values = store.settings()
    else:
        values = _run(lambda: store.set_setting("store_text", store_text, token=token))
    for k, v in values.items():
        typer.echo(f"{k} = {v}")


@review_app.command("submit")
def submit(source: str = typer.Argument(..., help="A note file (any type `suggest` reads) or '-' for stdin."),
           note_id: Optional[str] = typer.Option(None, help="The clinic's id for the note (default: the file name, "
                                                            "or NAME/DATE for a visit of a multi-visit document)."),
           payer: str = typer.Option("medicare"), provider: Optional[str] = typer.Option(None),
           date_of_service: Optional[str] = typer.Option(None, "--date", help="YYYY-MM-DD (default: the document's)."),
           model_dir: Optional[Path] = typer.Option(None, help="A model directory from `suggester train`."),
           db: Optional[str] = Db, token: Optional[str] = Token, as_json: bool = typer.Option(False, "--json")) -> None:
    """Suggest codes for a note and put them on the worklist (pending)."""
    from ..cli import _read_documents
    from ..engine import Suggester

    docs = _read_documents(source, None)
    store = _store(db)
    _run(lambda: store.authenticate(token))
    engine = _run(lambda: Suggester(model_dir))
    views = []
    for doc in docs:
        nid = note_id if note_id and len(docs) == 1 else (f"{note_id}/{doc.note_id}" if note_id else doc.note_id)
        views.append(_run(lambda: store.submit_note(token, engine, note_id=nid, text=doc.text, payer=payer,
                                                    date_of_service=date_of_service or doc.date_of_service,
                                                    provider=provider)))
    _echo(views, as_json, lambda vs: [_show_note(v) for v in vs])


def _show_note(view: dict) -> None:
    typer.echo(f"note {view['note_id']}  payer {view['payer']}  provider {view['provider'] or '-'}  "
               f"date {view['date_of_service'] or '-'}  model {view['model_version']}")
    _table(view["items"], ["code", "status", "units", "modifiers", "impact_usd", "version", "updated_by", "reason"])


@review_app.command("note")
def show_note(note_id: str, db: Optional[str] = Db, token: Optional[str] = Token,
              as_json: bool = typer.Option(False, "--json")) -> None:
    """A note's codes and their review state."""
    store = _store(db)
    _echo(_run(lambda: store.get_note(token, note_id)), as_json, _show_note)


@review_app.command("decide")
def decide(note_id: str = typer.Argument(..., help="The note's id in the store."),
           code: str = typer.Argument(..., help="The code, e.g. 97110."),
           action: str = typer.Argument(..., help="accept, reject, change or add."),
           units: Optional[int] = typer.Option(None, help="New units (change) or the units of an added code."),
           modifiers: Optional[str] = typer.Option(None, help="Modifiers, comma-separated (change or add), e.g. 59,GP."),
           reason: Optional[str] = typer.Option(None, help="Why (required to reject)."),
           version: Optional[int] = typer.Option(None, help="The version you reviewed (default: the current one, "
                                                            "read just before)."),
           db: Optional[str] = Db, token: Optional[str] = Token) -> None:
    """Record a decision on one code of a note; exit 1 when someone else changed it since you looked."""
    from ..catalogue import load_catalogue

    store = _store(db)
    if version is None and action != "add":
        view = _run(lambda: store.get_note(token, note_id))
        found = [i for i in view["items"] if i["code"] == code.strip().upper()]
        version = found[0]["version"] if found else 0
    item = _run(lambda: store.decide(token, note_id, code, action, version=version, units=units,
                                     modifiers=modifiers, reason=reason, catalogue=load_catalogue()))
    typer.echo(f"{item['code']} on {item['note_id']}: {item['status']}, units {item['units']}, version "
               f"{item['version']} (by {item['updated_by']})")


@review_app.command("worklist")
def worklist(kind: str = typer.Option("suggestion", help="suggestion or finding."),
             status: Optional[str] = typer.Option(None, help="suggestion: pending accepted rejected changed added; "
                                                             "finding: open confirmed dismissed corrected."),
             code: Optional[str] = None, provider: Optional[str] = None,
             date_from: Optional[str] = typer.Option(None, help="YYYY-MM-DD"),
             date_to: Optional[str] = typer.Option(None, help="YYYY-MM-DD"),
             min_impact: Optional[float] = typer.Option(None, help="Smallest dollar impact (absolute)."),
             run_id: Optional[int] = typer.Option(None, help="Findings of one audit run."),
             sort: str = typer.Option("impact", help="impact, date, code, provider, note, status or id."),
             ascending: bool = typer.Option(False, "--asc", help="Ascending (default descending)."),
             limit: int = typer.Option(100), offset: int = typer.Option(0),
             db: Optional[str] = Db, token: Optional[str] = Token, as_json: bool = typer.Option(False, "--json")) -> None:
    """Suggestions or audit findings to review, filtered and sorted."""
    store = _store(db)
    data = _run(lambda: store.worklist(token, kind=kind, status=status, code=code, provider=provider,
                                       date_from=date_from, date_to=date_to, min_impact=min_impact, run_id=run_id,
                                       sort=sort, descending=not ascending, limit=limit, offset=offset))

    def plain(d):
        cols = (["id", "note_id", "code", "status", "units", "impact_usd", "provider", "date_of_service", "version"]
                if kind == "suggestion" else
                ["id", "run_id", "note_id", "code", "status", "resolution", "documented_units", "billed_units",
                 "impact_usd", "provider", "date_of_service", "version"])
        _table(d["items"], cols)
        typer.echo(f"{len(d['items'])} of {d['total']} shown")
    _echo(data, as_json, plain)


@review_app.command("resolve")
def resolve(finding_id: int = typer.Argument(..., help="The finding's id (from the worklist)."),
            resolution: str = typer.Argument(..., help="confirmed, dismissed, corrected or open."),
            note: Optional[str] = typer.Option(None, help="Why (required to dismiss)."),
            version: Optional[int] = typer.Option(None, help="The version you reviewed (default: the current one)."),
            db: Optional[str] = Db, token: Optional[str] = Token) -> None:
    """Resolve an audit finding; exit 1 when someone else changed it since you looked."""
    store = _store(db)
    if version is None:
        version = _run(lambda: store.get_finding(token, finding_id))["version"]
    f = _run(lambda: store.resolve(token, finding_id, resolution, version=version, note=note))
    typer.echo(f"finding {f['id']} ({f['status']} {f['code'] or ''} on {f['note_id']}): {f['resolution']} by "
               f"{f['resolved_by'] or '-'}, version {f['version']}")


@review_app.command("runs")
def runs(db: Optional[str] = Db, token: Optional[str] = Token, as_json: bool = typer.Option(False, "--json")) -> None:
    """Audit runs stored with `suggester audit --db`."""
    store = _store(db)
    _echo(_run(lambda: store.runs(token)), as_json,
          lambda r: _table(r, ["run_id", "created_at", "created_by", "source", "notes", "findings", "model_version"]))


@review_app.command("export")
def export(out: Path = typer.Argument(..., help="decisions.csv or decisions.parquet (type from the suffix)."),
           db: Optional[str] = Db, token: Optional[str] = Token) -> None:
    """Write every decision (who, when, note, code, action, units, modifiers, reason, model version)."""
    store = _store(db)
    n = _run(lambda: store.export(token, out))
    typer.echo(f"wrote {n} decisions to {out}")


@review_app.command("report")
def report(db: Optional[str] = Db, token: Optional[str] = Token, as_json: bool = typer.Option(False, "--json")) -> None:
    """Acceptance per code, provider and model version; the most corrected codes; missed dollars over time."""
    store = _store(db)
    data = _run(lambda: store.report(token))

    def plain(d):
        rate = "n/a" if d["acceptance_rate"] is None else f"{d['acceptance_rate']:.0%}"
        typer.echo(f"{d['decisions']} decisions; {d['suggested']} codes suggested; acceptance {rate}")
        for dim in ("by_code", "by_provider", "by_model_version"):
            typer.echo(f"\n{dim.replace('_', ' ')}:")
            key = dim[3:]
            _table(d[dim], [key, "suggested", "accepted", "changed", "rejected", "added", "pending", "acceptance_rate"])
        typer.echo("\nmost corrected codes:")
        _table(d["most_corrected"], ["code", "corrections", "rejected", "changed", "added"])
        typer.echo("\nmissed charges (dollars):")
        _table(d["missed_charges"], ["month", "findings", "missed_found_usd", "missed_recovered_usd",
                                     "missed_open_usd", "missed_dismissed_usd"])
        if d.get("model_versions"):
            typer.echo("\nmodel versions (gate: project hold-out and clinic held-back micro-F1, current -> candidate):")
            _table([{"version": m["version"], "status": m["status"], "gate": "passed" if m["gate_passed"] else "refused",
                     "holdout": f"{m['holdout_micro_f1']['current']} -> {m['holdout_micro_f1']['candidate']}",
                     "clinic": f"{m['clinic_micro_f1']['current']} -> {m['clinic_micro_f1']['candidate']}"}
                    for m in d["model_versions"]], ["version", "status", "gate", "holdout", "clinic"])
    _echo(data, as_json, plain)


for _info in (*users_app.registered_commands, *review_app.registered_commands):
    _info.callback = closing_stores(_info.callback)


# ---------------------------------------------------------------------------------------------- learning
corrections_app = typer.Typer(no_args_is_help=True, help="A clinic's corrections (final codings) for learning.")
models_app = typer.Typer(no_args_is_help=True, help="The clinic's model versions: list, promote, roll back.")


@corrections_app.command("import")
def corrections_import(source: Path = typer.Argument(..., help="JSONL, one note per line: note_id, text, payer, "
                                                               "codes [{code, units}], optional rejected [codes]."),
                       db: Optional[str] = Db, token: Optional[str] = Token) -> None:
    """Import final codings; every bad line is reported by number and not imported (exit 1 when any)."""
    from ..catalogue import load_catalogue
    from ..learning import read_corrections
    from .registry import import_corrections

    if not source.is_file():
        _fail(f"No such file: {source}.")
    from .._resources import packaged_json

    try:
        lines = source.read_text("utf-8").splitlines()
    except UnicodeDecodeError:
        _fail(f"{source.name} is not UTF-8 text; save it as UTF-8 JSON Lines.")
    parsed, errors = read_corrections(lines, load_catalogue(), payers=packaged_json("payers.json")["payers"])
    store = _store(db)
    done = _run(lambda: import_corrections(store, token, parsed))
    for e in errors:
        typer.echo(f"line {e['line']}" + (f" ({e['note_id']})" if e["note_id"] else "") + f": {e['message']}; not "
                   "imported", err=True)
    typer.echo(f"imported {done['added']} new and {done['replaced']} replaced corrections; {len(errors)} line(s) "
               "refused")
    if errors:
        raise typer.Exit(1)


def train_on_corrections(db: str, token: Optional[str], out: Path, data: Path) -> None:
    """`suggester train --corrections URL --out DIR`: train, gate against the current model, register."""
    from ..learning import gate, split_held_back, train_candidate
    from .registry import active_model, load_corrections, register_model
    from .store import model_version_of

    store = _store(db)   # closed with the command (the train command is wrapped by closing_stores)
    corrections = _run(lambda: load_corrections(store, token))
    train_set, held = split_held_back(corrections)
    typer.echo(f"{len(corrections)} corrections: {len(train_set)} to train on, {len(held)} held back for the gate",
               err=True)
    card = _run(lambda: train_candidate(train_set, out, data_dir=data, held_back=held))
    current = active_model(store)
    result = _run(lambda: gate(out, current["path"] if current else None, held,
                               holdout=data / "holdout" / "holdout_notes.jsonl"))
    version = model_version_of(out)
    _run(lambda: register_model(store, token, version=version, path=out, card=card, gate=result))
    f = result["figures"]
    typer.echo(f"candidate {version} in {out}")
    for name in ("current", "candidate"):
        clinic = f[name]["clinic"]
        typer.echo(f"  {name:9s} project hold-out micro-F1 {f[name]['holdout_micro_f1']:.3f}; clinic held-back "
                   + (f"micro-F1 {clinic['micro_f1']:.3f} on {clinic['n_notes']} notes" if clinic else "n/a"))
    if result["passed"]:
        typer.echo(f"gate passed: an admin can promote it with `suggester models promote {version}`")
    else:
        typer.echo("gate REFUSED the candidate: " + "; ".join(result["reasons"]))
        raise typer.Exit(1)


@models_app.command("list")
def models_list(db: Optional[str] = Db, token: Optional[str] = Token,
                as_json: bool = typer.Option(False, "--json")) -> None:
    """Model versions with their status, corrections and gate figures."""
    from .registry import list_models

    store = _store(db)
    rows = _run(lambda: list_models(store, token))

    def plain(rs):
        shown = []
        for r in rs:
            f = r["gate"].get("figures", {}).get("candidate", {})
            clinic = f.get("clinic") or {}
            shown.append({"version": r["version"], "status": r["status"],
                          "corrections": (r["corrections"] or {}).get("count"),
                          "holdout_f1": f.get("holdout_micro_f1"), "clinic_f1": clinic.get("micro_f1"),
                          "created_at": r["created_at"], "promoted_by": r["promoted_by"]})
        _table(shown, ["version", "status", "corrections", "holdout_f1", "clinic_f1", "created_at", "promoted_by"])
        if not rs:
            typer.echo("(the shipped model is in use)")
    _echo(rows, as_json, plain)


@models_app.command("promote")
def models_promote(version: str, db: Optional[str] = Db, token: Optional[str] = Token) -> None:
    """Make a candidate that passed the gate the active model (admin)."""
    from .registry import promote

    store = _store(db)
    m = _run(lambda: promote(store, token, version))
    typer.echo(f"{m['version']} is now the active model (promoted by {m['promoted_by']}); restart `suggester serve` "
               "to use it")


@models_app.command("rollback")
def models_rollback(db: Optional[str] = Db, token: Optional[str] = Token) -> None:
    """Take the active model out of use and return to the one before it (admin)."""
    from .registry import rollback

    store = _store(db)
    m = _run(lambda: rollback(store, token))
    typer.echo(f"{m['version']} is the active model again" if m else "the shipped model is in use again")


for _info in (*corrections_app.registered_commands, *models_app.registered_commands):
    _info.callback = closing_stores(_info.callback)

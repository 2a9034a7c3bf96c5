"""A clinic's corrections and its model versions, kept in the review store (see :mod:`suggester.learning`).

Corrections come from ``suggester corrections import`` (a JSONL file of final codings) and from the worklist
(notes whose text is stored and whose every code has been decided). Model versions are the candidates
``suggester train --corrections`` built, each with its model card and gate figures; one at most is ``active``
(the service and the command line use it when given ``--db`` and no ``--model-dir``); promotion and rollback
are admin actions, and a candidate the gate refused cannot be promoted.
"""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import and_, insert, select, update

from . import schema as t
from ._values import date_or_none, iso, now
from .errors import ConflictError, InvalidDecision, NotFoundError
from .store import ReviewStore

__all__ = ["active_model", "import_corrections", "list_models", "load_corrections", "promote", "register_model",
           "rollback"]


def import_corrections(store: ReviewStore, token: str | None, corrections: list) -> dict:
    """Store parsed corrections (one transaction); a note id imported before is replaced by the new coding."""
    with store._tx() as conn:
        user = store._user(conn, token)
        if not store._store_text(conn):
            raise InvalidDecision("Corrections carry note text, and this store keeps none: an admin turns it on with "
                                  "`suggester review settings --store-text on` (learning needs the text).")
        added = replaced = 0
        for c in corrections:
            values = {"text": c.text, "payer": c.payer, "codes_json": json.dumps(c.codes),
                      "rejected_json": json.dumps(list(c.rejected)), "date_of_service": date_or_none(c.date),
                      "imported_by": user.id, "created_at": now()}
            res = conn.execute(update(t.corrections).where(t.corrections.c.note_id == c.note_id).values(**values))
            if res.rowcount:
                replaced += 1
            else:
                conn.execute(insert(t.corrections).values(note_id=c.note_id, **values))
                added += 1
    return {"added": added, "replaced": replaced}


def load_corrections(store: ReviewStore, token: str | None) -> list:
    """Every correction: imported ones, and reviewed notes with stored text and no pending code (an import
    wins over a review of the same note id)."""
    from ..learning import Correction

    out: dict[str, Correction] = {}
    with store._tx() as conn:
        store._user(conn, token)
        notes = conn.execute(select(t.notes.c.id, t.notes.c.note_id, t.notes.c.text, t.notes.c.payer,
                                    t.notes.c.date_of_service).where(t.notes.c.text.is_not(None))).all()
        items: dict[int, list] = {}
        for row in conn.execute(select(t.items.c.note_pk, t.items.c.code, t.items.c.status, t.items.c.final_units)):
            items.setdefault(row.note_pk, []).append(row)
        for n in notes:
            its = items.get(n.id, [])
            if not its or any(i.status == "pending" for i in its):
                continue
            codes = {i.code: i.final_units for i in its if i.status in ("accepted", "changed", "added")}
            rejected = tuple(i.code for i in its if i.status == "rejected")
            out[n.note_id] = Correction(n.note_id, n.text, n.payer, codes, rejected, "review", iso(n.date_of_service))
        for r in conn.execute(select(t.corrections)).mappings():
            out[r["note_id"]] = Correction(r["note_id"], r["text"], r["payer"], json.loads(r["codes_json"]),
                                           tuple(json.loads(r["rejected_json"])), "import", iso(r["date_of_service"]))
    return [out[k] for k in sorted(out)]


def register_model(store: ReviewStore, token: str | None, *, version: str, path: str | Path, card: dict,
                   gate: dict) -> dict:
    with store._tx() as conn:
        user = store._user(conn, token)
        if conn.execute(select(t.model_versions.c.id).where(t.model_versions.c.version == version)).first():
            raise ConflictError(f"Model version {version} is registered already (the same training data and "
                                "corrections give the same model).")
        conn.execute(insert(t.model_versions).values(
            version=version, path=str(Path(path).resolve()), card_json=json.dumps(card), gate_json=json.dumps(gate),
            status="candidate" if gate.get("passed") else "refused", created_by=user.id, created_at=now()))
    return next(m for m in list_models(store, token) if m["version"] == version)


def list_models(store: ReviewStore, token: str | None) -> list[dict]:
    with store._tx() as conn:
        store._user(conn, token)
        rows = conn.execute(select(t.model_versions).order_by(t.model_versions.c.id)).mappings().all()
        names = dict(conn.execute(select(t.users.c.id, t.users.c.name)).all())
    out = []
    for r in rows:
        card = json.loads(r["card_json"])
        out.append({"version": r["version"], "status": r["status"], "path": r["path"],
                    "created_by": names.get(r["created_by"]), "created_at": iso(r["created_at"]),
                    "promoted_by": names.get(r["promoted_by"]), "promoted_at": iso(r["promoted_at"]),
                    "corrections": card.get("corrections"), "gate": json.loads(r["gate_json"])})
    return out


def promote(store: ReviewStore, token: str | None, version: str) -> dict:
    """Make a candidate the active model (admin). A refused candidate, or one whose files are gone, is not."""
    with store._tx() as conn:
        admin = store._admin(conn, token)
        row = conn.execute(select(t.model_versions).where(t.model_versions.c.version == version)).mappings().first()
        if row is None:
            raise NotFoundError(f"No model version {version!r}; `suggester models list` shows them.")
        if row["status"] == "refused":
            reasons = "; ".join(json.loads(row["gate_json"]).get("reasons", []))
            raise InvalidDecision(f"Model {version} was refused by the gate ({reasons}); it cannot be promoted.")
        if row["status"] == "active":
            raise ConflictError(f"Model {version} is the active model already.")
        if not (Path(row["path"]) / "meta.json").is_file():
            raise InvalidDecision(f"Model {version}'s files are missing from {row['path']}; train it again.")
        conn.execute(update(t.model_versions).where(t.model_versions.c.status == "active").values(status="retired"))
        conn.execute(update(t.model_versions).where(t.model_versions.c.id == row["id"]).values(
            status="active", promoted_by=admin.id, promoted_at=now()))
    return next(m for m in list_models(store, token) if m["version"] == version)


def rollback(store: ReviewStore, token: str | None) -> dict | None:
    """Take the active model out of use (status ``rolled_back``, never chosen again by a rollback) and make the
    model promoted before it active again (admin). Returns the model now active, or None when the shipped model
    is used again."""
    with store._tx() as conn:
        admin = store._admin(conn, token)
        active = conn.execute(select(t.model_versions).where(t.model_versions.c.status == "active")).mappings().first()
        if active is None:
            raise InvalidDecision("No model is active (the shipped model is in use); nothing to roll back.")
        previous = conn.execute(select(t.model_versions).where(and_(
            t.model_versions.c.status == "retired", t.model_versions.c.promoted_at.is_not(None),
            t.model_versions.c.promoted_at < active["promoted_at"])).order_by(t.model_versions.c.promoted_at.desc())
        ).mappings().first()
        conn.execute(update(t.model_versions).where(t.model_versions.c.id == active["id"]).values(status="rolled_back"))
        if previous is None:
            return None
        conn.execute(update(t.model_versions).where(t.model_versions.c.id == previous["id"]).values(status="active"))
        version = previous["version"]
        del admin
    return next(m for m in list_models(store, token) if m["version"] == version)


def active_model(store: ReviewStore) -> dict | None:
    """The active model's version and path (no token: the service reads it at start-up), or None."""
    with store._tx() as conn:
        row = conn.execute(select(t.model_versions.c.version, t.model_versions.c.path)
                           .where(t.model_versions.c.status == "active")).first()
    return None if row is None else {"version": row.version, "path": row.path}

"""How worklist rows are selected and shown (one dict shape for the store, the service, the CLI and the page)."""

from __future__ import annotations

from sqlalchemy import select

from . import schema as t
from ._values import iso


def item_select():
    return (select(t.items.c.id, t.items.c.code, t.items.c.source, t.items.c.status, t.items.c.suggested_units,
                   t.items.c.suggested_minutes, t.items.c.confidence, t.items.c.final_units, t.items.c.final_modifiers,
                   t.items.c.reason, t.items.c.value_usd, t.items.c.model_version, t.items.c.version,
                   t.items.c.updated_at, t.users.c.name.label("updated_by"), t.notes.c.note_id, t.notes.c.payer,
                   t.notes.c.provider, t.notes.c.date_of_service)
            .join(t.notes, t.notes.c.id == t.items.c.note_pk)
            .outerjoin(t.users, t.users.c.id == t.items.c.updated_by))


def item_dict(r) -> dict:
    return {"kind": "suggestion", "id": r["id"], "note_id": r["note_id"], "code": r["code"], "source": r["source"],
            "status": r["status"], "suggested_units": r["suggested_units"], "minutes": r["suggested_minutes"],
            "confidence": r["confidence"], "units": r["final_units"],
            "modifiers": [m for m in (r["final_modifiers"] or "").split(",") if m], "reason": r["reason"],
            "impact_usd": None if r["value_usd"] is None else round(r["value_usd"], 2),
            "model_version": r["model_version"], "version": r["version"], "payer": r["payer"],
            "provider": r["provider"], "date_of_service": iso(r["date_of_service"]), "updated_by": r["updated_by"],
            "updated_at": iso(r["updated_at"])}


def finding_select():
    return (select(t.findings, t.users.c.name.label("resolved_by_name"))
            .outerjoin(t.users, t.users.c.id == t.findings.c.resolved_by))


def finding_dict(r) -> dict:
    return {"kind": "finding", "id": r["id"], "run_id": r["run_id"], "note_id": r["note_id"], "row": r["row"],
            "code": r["code"], "status": r["status"], "resolution": r["resolution"],
            "resolution_note": r["resolution_note"], "documented_units": r["documented_units"],
            "billed_units": r["billed_units"],
            "impact_usd": None if r["impact_usd"] is None else round(r["impact_usd"], 2),
            "finding_ids": [f for f in (r["finding_ids"] or "").split(";") if f], "reason": r["reason"],
            "payer": r["payer"], "provider": r["provider"], "date_of_service": iso(r["date_of_service"]),
            "version": r["version"], "resolved_by": r["resolved_by_name"], "resolved_at": iso(r["resolved_at"])}

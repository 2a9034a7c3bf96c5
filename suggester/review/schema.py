"""The review store's tables (SQLAlchemy Core). Alembic migrations in ``migrations/`` create them.

Every table change needs a new migration; ``tests/test_review_store.py`` checks that the migrations and this
metadata agree.
"""

from __future__ import annotations

from sqlalchemy import (Boolean, Column, Date, DateTime, Float, ForeignKey, Index, Integer, MetaData, String, Table,
                        Text, UniqueConstraint)

__all__ = ["METADATA", "audit_runs", "corrections", "decisions", "findings", "items", "model_versions", "notes",
           "resolutions", "results", "settings", "users"]

METADATA = MetaData(naming_convention={
    "ix": "ix_%(column_0_label)s", "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s", "pk": "pk_%(table_name)s"})

users = Table(
    "users", METADATA,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("role", String(20), nullable=False),                   # reviewer | admin
    Column("token_sha256", String(64), nullable=False, unique=True),  # the token itself is shown once, never stored
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

settings = Table(
    "settings", METADATA,
    Column("key", String(50), primary_key=True),
    Column("value", String(200), nullable=False),
    Column("updated_by", Integer, ForeignKey("users.id"), nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

notes = Table(
    "notes", METADATA,
    Column("id", Integer, primary_key=True),
    Column("note_id", String(200), nullable=False, unique=True),   # the clinic's own id
    Column("payer", String(50), nullable=False),
    Column("date_of_service", Date, nullable=True),
    Column("provider", String(200), nullable=True),
    Column("text_sha256", String(64), nullable=False),
    Column("text", Text, nullable=True),                            # only when the clinic turns text storage on
    Column("created_by", Integer, ForeignKey("users.id"), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

results = Table(
    "results", METADATA,
    Column("id", Integer, primary_key=True),
    Column("note_pk", Integer, ForeignKey("notes.id"), nullable=False, index=True),
    Column("engine_version", String(40), nullable=False),
    Column("model_version", String(80), nullable=False),
    Column("catalogue_version", String(40), nullable=False),
    Column("result_json", Text, nullable=False),                   # Result.to_dict(); quoted text removed unless stored
    Column("created_at", DateTime(timezone=True), nullable=False),
)

items = Table(
    "items", METADATA,
    Column("id", Integer, primary_key=True),
    Column("note_pk", Integer, ForeignKey("notes.id"), nullable=False),
    Column("code", String(10), nullable=False),
    Column("source", String(10), nullable=False),                  # engine | reviewer
    Column("status", String(12), nullable=False),                  # pending accepted rejected changed added
    Column("suggested_units", Integer, nullable=True),
    Column("suggested_minutes", Integer, nullable=True),
    Column("confidence", Float, nullable=True),
    Column("final_units", Integer, nullable=True),
    Column("final_modifiers", String(40), nullable=False, default=""),
    Column("reason", String(500), nullable=True),
    Column("value_usd", Float, nullable=True),                     # fee x units at the current state
    Column("model_version", String(80), nullable=True),
    Column("version", Integer, nullable=False),                    # optimistic locking
    Column("updated_by", Integer, ForeignKey("users.id"), nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("note_pk", "code", name="uq_items_note_code"),
)
Index("ix_items_status", items.c.status)

decisions = Table(
    "decisions", METADATA,
    Column("id", Integer, primary_key=True),
    Column("item_id", Integer, ForeignKey("items.id"), nullable=False, index=True),
    Column("action", String(10), nullable=False),                  # accept reject change add
    Column("units", Integer, nullable=True),
    Column("modifiers", String(40), nullable=False, default=""),
    Column("reason", String(500), nullable=True),
    Column("item_version", Integer, nullable=False),               # the item's version this decision produced
    Column("model_version", String(80), nullable=True),
    Column("idempotency_key", String(100), nullable=True, unique=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

audit_runs = Table(
    "audit_runs", METADATA,
    Column("id", Integer, primary_key=True),
    Column("source", String(300), nullable=False),
    Column("notes", Integer, nullable=False),
    Column("findings", Integer, nullable=False),
    Column("engine_version", String(40), nullable=False),
    Column("model_version", String(80), nullable=False),
    Column("catalogue_version", String(40), nullable=False),
    Column("summary_json", Text, nullable=False),
    Column("created_by", Integer, ForeignKey("users.id"), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

findings = Table(
    "findings", METADATA,
    Column("id", Integer, primary_key=True),
    Column("run_id", Integer, ForeignKey("audit_runs.id"), nullable=False, index=True),
    Column("note_id", String(200), nullable=True),
    Column("row", Integer, nullable=True),
    Column("payer", String(50), nullable=True),
    Column("provider", String(200), nullable=True),
    Column("date_of_service", Date, nullable=True),
    Column("code", String(10), nullable=True),
    Column("status", String(20), nullable=False),                  # missed unsupported units_over ... error
    Column("documented_units", Integer, nullable=True),
    Column("billed_units", Integer, nullable=True),
    Column("impact_usd", Float, nullable=True),
    Column("finding_ids", String(200), nullable=False, default=""),
    Column("reason", Text, nullable=True),
    Column("resolution", String(12), nullable=False),              # open confirmed dismissed corrected
    Column("resolution_note", String(500), nullable=True),
    Column("version", Integer, nullable=False),
    Column("resolved_by", Integer, ForeignKey("users.id"), nullable=True),
    Column("resolved_at", DateTime(timezone=True), nullable=True),
)
Index("ix_findings_resolution", findings.c.resolution)

resolutions = Table(
    "resolutions", METADATA,
    Column("id", Integer, primary_key=True),
    Column("finding_id", Integer, ForeignKey("findings.id"), nullable=False, index=True),
    Column("resolution", String(12), nullable=False),
    Column("note", String(500), nullable=True),
    Column("finding_version", Integer, nullable=False),
    Column("idempotency_key", String(100), nullable=True, unique=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

corrections = Table(
    "corrections", METADATA,
    Column("id", Integer, primary_key=True),
    Column("note_id", String(200), nullable=False, unique=True),
    Column("text", Text, nullable=False),                          # learning needs the text; import needs store_text on
    Column("payer", String(50), nullable=False),
    Column("codes_json", Text, nullable=False),                    # {"97110": 2, ...}: the final, correct coding
    Column("rejected_json", Text, nullable=False),                 # ["97140", ...]
    Column("date_of_service", Date, nullable=True),
    Column("imported_by", Integer, ForeignKey("users.id"), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

model_versions = Table(
    "model_versions", METADATA,
    Column("id", Integer, primary_key=True),
    Column("version", String(80), nullable=False, unique=True),    # name@sha256[:12], as results record it
    Column("path", String(500), nullable=False),
    Column("card_json", Text, nullable=False),
    Column("gate_json", Text, nullable=False),
    Column("status", String(12), nullable=False),                  # candidate refused active retired rolled_back
    Column("created_by", Integer, ForeignKey("users.id"), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("promoted_by", Integer, ForeignKey("users.id"), nullable=True),
    Column("promoted_at", DateTime(timezone=True), nullable=True),
)

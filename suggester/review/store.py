"""The review store: notes, engine results, review decisions, audit runs and findings on a real database.

SQLite is the embedded default (a file in the user's data directory); PostgreSQL serves a clinic with several
reviewers (``postgresql+psycopg://user@host/db``). The schema is created and versioned by Alembic migrations.

Concurrency: every worklist item (a suggested code, an audit finding) carries a ``version``. A decision names the
version its reviewer saw; the write is ``UPDATE ... WHERE id = ? AND version = ?`` in the same transaction as the
decision row, so of two reviewers deciding the same item at once exactly one wins and the other gets a
:class:`ConflictError` with the current state. A decision may carry an idempotency key: sent twice (a retry after
a timeout), it is recorded once. Nothing is written without a valid user token.

Notes are patient data: the text is stored only when an admin turns ``store_text`` on (learning from corrections
needs it); otherwise only its SHA-256, and the stored engine result has its quoted text removed. Nothing here
logs note text.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Iterable

from sqlalchemy import and_, create_engine, event, func, insert, inspect, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import ArgumentError, IntegrityError, NoSuchModuleError, SQLAlchemyError

from ..errors import InputError
from . import schema as t
from ._rows import finding_dict, finding_select, item_dict, item_select
from ._values import (cell, clean_id, date_or_none, db_int, iso, iter_records, modifiers_of, opt, parse_date,
                      read_findings, sha, to_float, to_int, units_of)
from ._values import now as utc_now
from .errors import (AuthError, ConflictError, InvalidDecision, NotFoundError, PermissionError_, ReviewError,
                     StoreError, safe_url, translate)
from .report import build_report, model_gate

__all__ = ["ACTIONS", "AuthError", "ConflictError", "DEFAULT_DB_ENV", "InvalidDecision", "NotFoundError",
           "PermissionError_", "RESOLUTIONS", "ReviewError", "ReviewStore", "StoreError", "User", "default_db_url",
           "iter_records", "model_version_of", "open_store", "read_findings"]

DEFAULT_DB_ENV = "SUGGESTER_DB"
ROLES = ("reviewer", "admin")
ACTIONS = ("accept", "reject", "change", "add")
ITEM_STATUSES = ("pending", "accepted", "rejected", "changed", "added")
RESOLUTIONS = ("open", "confirmed", "dismissed", "corrected")
FINDING_STATUSES = ("missed", "unsupported", "units_over", "units_under", "modifier", "invalid_code", "error", "episode")
SETTINGS = {"store_text": ("off", ("on", "off"))}
_STATUS_OF = {"accept": "accepted", "reject": "rejected", "change": "changed", "add": "added"}


@dataclass(frozen=True)
class User:
    id: int
    name: str
    role: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def to_dict(self) -> dict:
        return {"id": self.id, "name": self.name, "role": self.role}


def default_db_url() -> str:
    """``$SUGGESTER_DB``, else SQLite in the user's data directory (``$XDG_DATA_HOME/suggester/review.db``)."""
    if os.environ.get(DEFAULT_DB_ENV):
        return os.environ[DEFAULT_DB_ENV]
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "suggester"
    return f"sqlite:///{base / 'review.db'}"


def alembic_config(connection: Connection):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("suggester.review") / "migrations"))
    cfg.attributes["connection"] = connection
    return cfg


def open_store(url: str | None = None, **kwargs) -> "ReviewStore":
    """Open (and on first use create) the review store at ``url``; see :class:`ReviewStore`."""
    return ReviewStore(url, **kwargs)


class ReviewStore:
    """Notes, results, decisions and audit findings in one database.

    Parameters
    ----------
    url : str, optional
        SQLAlchemy URL: ``sqlite:///path.db`` or ``postgresql+psycopg://user:pass@host:5432/db``. Default:
        :func:`default_db_url`.
    create : bool
        Create the schema when the database is empty (default). An existing database of an older schema needs
        ``suggester review migrate``; one of a newer schema is refused.
    timeout : float
        Seconds to wait for a lock (SQLite) or a connection (PostgreSQL) before a :class:`StoreError`.

    Raises
    ------
    InputError
        The URL is malformed or names an unsupported database.
    StoreError
        The database is unreachable, locked, full, or of another schema version.
    """

    def __init__(self, url: str | None = None, *, create: bool = True, timeout: float = 10.0,
                 pool_size: int = 5) -> None:
        self.url = url or default_db_url()
        self.engine: Engine = _make_engine(self.url, timeout, pool_size)
        self._check_schema(create)

    # ------------------------------------------------------------------ schema
    def _check_schema(self, create: bool) -> None:
        from alembic.runtime.migration import MigrationContext
        from alembic.script import ScriptDirectory

        try:
            with self.engine.begin() as conn:
                cfg = alembic_config(conn)
                scripts = ScriptDirectory.from_config(cfg)
                head = scripts.get_current_head()
                current = MigrationContext.configure(conn).get_current_revision()
                if current is None:
                    if inspect(conn).get_table_names():
                        raise StoreError(f"{safe_url(self.url)} holds tables that are not a suggester review store; "
                                         "use an empty database or another --db.")
                    if not create:
                        raise StoreError(f"{safe_url(self.url)} has no review store yet: run `suggester review "
                                         "migrate --db URL`.")
                    from alembic import command

                    command.upgrade(cfg, "head")
                    return
                known = {s.revision for s in scripts.walk_revisions()}
                if current not in known:
                    raise StoreError(f"The review store {safe_url(self.url)} has schema version {current!r}, newer "
                                     f"than this suggester knows (latest {head!r}). Upgrade suggester; nothing was "
                                     "changed.")
                if current != head:
                    raise StoreError(f"The review store {safe_url(self.url)} has an older schema ({current!r}; "
                                     f"latest {head!r}): back it up and run `suggester review migrate --db URL`.")
        except ReviewError:
            self.engine.dispose()
            raise
        except SQLAlchemyError as exc:
            self.engine.dispose()
            raise translate(exc, self.url) from None

    @classmethod
    def migrate(cls, url: str | None = None) -> str:
        """Upgrade the database to the latest schema; returns the revision it is at."""
        from alembic import command
        from alembic.runtime.migration import MigrationContext

        store = cls.__new__(cls)
        store.url = url or default_db_url()
        store.engine = _make_engine(store.url, 30.0, 1)
        try:
            with store.engine.begin() as conn:
                command.upgrade(alembic_config(conn), "head")
                return MigrationContext.configure(conn).get_current_revision()
        except SQLAlchemyError as exc:
            raise translate(exc, store.url) from None
        finally:
            store.engine.dispose()

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> "ReviewStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _tx(self):
        return _Tx(self)

    # ------------------------------------------------------------------ users
    def add_user(self, name: str, role: str = "reviewer", *, token: str | None = None) -> tuple[User, str]:
        """Create a user and return it with its token (shown once; only its hash is stored).

        The first user of an empty store must be an admin and needs no token; after that an admin's token.
        """
        name = (name or "").strip()
        if not name or len(name) > 100:
            raise InvalidDecision("A user name must be 1 to 100 characters.")
        if role not in ROLES:
            raise InvalidDecision(f"Unknown role {role!r}; allowed: {', '.join(ROLES)}.")
        new_token = "sgr_" + secrets.token_urlsafe(32)
        with self._tx() as conn:
            count = conn.execute(select(func.count()).select_from(t.users)).scalar_one()
            if count:
                self._admin(conn, token)
            elif role != "admin":
                raise InvalidDecision("The first user must be an admin: suggester users add NAME --role admin.")
            if conn.execute(select(t.users.c.id).where(t.users.c.name == name)).first():
                raise ConflictError(f"A user named {name!r} exists already.")
            uid = conn.execute(insert(t.users).values(name=name, role=role, token_sha256=sha(new_token), active=True,
                                                      created_at=utc_now()).returning(t.users.c.id)).scalar_one()
        return User(uid, name, role), new_token

    def list_users(self, token: str | None) -> list[dict]:
        with self._tx() as conn:
            self._admin(conn, token)
            rows = conn.execute(select(t.users.c.name, t.users.c.role, t.users.c.active, t.users.c.created_at)
                                .order_by(t.users.c.name)).mappings().all()
        return [dict(r, created_at=iso(r["created_at"])) for r in rows]

    def set_user_active(self, name: str, active: bool, *, token: str | None) -> None:
        with self._tx() as conn:
            admin = self._admin(conn, token)
            if admin.name == name and not active:
                raise InvalidDecision("An admin cannot disable their own account.")
            res = conn.execute(update(t.users).where(t.users.c.name == name).values(active=active))
            if res.rowcount != 1:
                raise NotFoundError(f"No user named {name!r}; `suggester users list` shows them.")

    def authenticate(self, token: str | None) -> User:
        """The user a token belongs to; :class:`AuthError` when it is missing, unknown or disabled."""
        with self._tx() as conn:
            return self._user(conn, token)

    def _user(self, conn: Connection, token: str | None) -> User:
        if not token:
            raise AuthError("A user token is required: send it as 'Authorization: Bearer TOKEN' (the service) or set "
                            "$SUGGESTER_TOKEN / --token (the command line). An admin creates one with `suggester "
                            "users add NAME`.")
        row = conn.execute(select(t.users).where(t.users.c.token_sha256 == sha(token))).mappings().first()
        if row is None or not row["active"]:
            raise AuthError("The token is not valid (unknown or disabled user). Ask an admin for a new one "
                            "(`suggester users add NAME`).")
        return User(row["id"], row["name"], row["role"])

    def _admin(self, conn: Connection, token: str | None) -> User:
        user = self._user(conn, token)
        if not user.is_admin:
            raise PermissionError_(f"User {user.name!r} is a reviewer; this action needs an admin.")
        return user

    # ------------------------------------------------------------------ settings
    def settings(self) -> dict:
        with self._tx() as conn:
            stored = dict(conn.execute(select(t.settings.c.key, t.settings.c.value)).all())
        return {k: stored.get(k, default) for k, (default, _) in SETTINGS.items()}

    def set_setting(self, key: str, value: str, *, token: str | None) -> dict:
        if key not in SETTINGS:
            raise InvalidDecision(f"Unknown setting {key!r}; known: {', '.join(SETTINGS)}.")
        if value not in SETTINGS[key][1]:
            raise InvalidDecision(f"Setting {key!r} takes {' or '.join(SETTINGS[key][1])}, got {value!r}.")
        with self._tx() as conn:
            admin = self._admin(conn, token)
            res = conn.execute(update(t.settings).where(t.settings.c.key == key)
                               .values(value=value, updated_by=admin.id, updated_at=utc_now()))
            if res.rowcount == 0:
                conn.execute(insert(t.settings).values(key=key, value=value, updated_by=admin.id, updated_at=utc_now()))
        return self.settings()

    def _store_text(self, conn: Connection) -> bool:
        return conn.execute(select(t.settings.c.value).where(t.settings.c.key == "store_text")).scalar() == "on"

    # ------------------------------------------------------------------ notes and suggestions
    def submit_note(self, token: str | None, engine, *, note_id: str, text: str, payer: str = "medicare",
                    date_of_service: str | dt.date | None = None, provider: str | None = None,
                    fees=None) -> dict:
        """Run the engine on a note and put its recommended codes on the worklist (status ``pending``).

        Submitting the same note id with the same text again returns what is stored; with other text it is a
        :class:`ConflictError` (a note's review is about one text).
        """
        with self._tx() as conn:
            self._user(conn, token)   # without a valid token a request learns nothing, not even what else is wrong
            note_id = clean_id(note_id)
            dos = parse_date(date_of_service, "date_of_service")
            if not isinstance(text, str) or not text.strip():
                raise InvalidDecision("Field 'text': the note is empty.")
            try:
                engine.payer_config(payer)
            except InputError as exc:
                raise InvalidDecision(f"Field 'payer': {exc}") from None
            digest = sha(text)
            existing = conn.execute(select(t.notes).where(t.notes.c.note_id == note_id)).mappings().first()
            if existing is not None:
                if existing["text_sha256"] != digest:
                    raise ConflictError(f"Note {note_id!r} is stored already with another text; give the new "
                                        "version its own note id.")
                differ = [name for name, old, new in (("payer", existing["payer"], payer.lower()),
                                                      ("date_of_service", existing["date_of_service"], dos),
                                                      ("provider", existing["provider"], opt(provider, 200)))
                          if new is not None and old != new]
                if differ:
                    raise ConflictError(f"Note {note_id!r} is stored already with another {', '.join(differ)}; its "
                                        "review is about the stored values.")
                return self._note_view(conn, existing, include_text=False)
        result = engine.suggest(text, payer, date_of_service=dos)   # outside the transaction: no lock held meanwhile
        versions = result.versions
        model_version = _model_version(engine)
        fees = fees or _fees()
        with self._tx() as conn:
            user = self._user(conn, token)
            keep_text = self._store_text(conn)
            try:
                pk = conn.execute(insert(t.notes).values(
                    note_id=note_id, payer=payer.lower(), date_of_service=dos, provider=opt(provider, 200),
                    text_sha256=digest, text=text if keep_text else None, created_by=user.id,
                    created_at=utc_now()).returning(t.notes.c.id)).scalar_one()
            except IntegrityError:
                raise ConflictError(f"Note {note_id!r} was just stored by someone else; reload it.") from None
            data = result.to_dict()
            if not keep_text:
                _strip_text(data)
            conn.execute(insert(t.results).values(
                note_pk=pk, engine_version=str(versions.get("suggester")), model_version=model_version,
                catalogue_version=str(versions.get("catalogue_version")), result_json=json.dumps(data),
                created_at=utc_now()))
            now = utc_now()
            rows = [{"note_pk": pk, "code": s.code, "source": "engine", "status": "pending",
                     "suggested_units": s.units, "suggested_minutes": s.minutes, "confidence": round(s.confidence, 4),
                     "final_units": s.units, "final_modifiers": ",".join(s.modifiers), "reason": None,
                     "value_usd": _value(fees, s.code, payer, s.units), "model_version": model_version, "version": 1,
                     "updated_by": None, "updated_at": now}
                    for s in result.recommended]
            if rows:
                conn.execute(insert(t.items), rows)
            note = conn.execute(select(t.notes).where(t.notes.c.id == pk)).mappings().one()
            return self._note_view(conn, note, include_text=False)

    def get_note(self, token: str | None, note_id: str, *, include_text: bool = False) -> dict:
        note_id = note_id.strip() if isinstance(note_id, str) else note_id
        with self._tx() as conn:
            self._user(conn, token)
            note = conn.execute(select(t.notes).where(t.notes.c.note_id == note_id)).mappings().first()
            if note is None:
                raise NotFoundError(f"No note {note_id!r} in the review store.")
            return self._note_view(conn, note, include_text=include_text)

    def _note_view(self, conn: Connection, note, *, include_text: bool) -> dict:
        res = conn.execute(select(t.results).where(t.results.c.note_pk == note["id"])
                           .order_by(t.results.c.id.desc())).mappings().first()
        its = conn.execute(item_select().where(t.items.c.note_pk == note["id"]).order_by(t.items.c.id)).mappings().all()
        return {"note_id": note["note_id"], "payer": note["payer"], "provider": note["provider"],
                "date_of_service": iso(note["date_of_service"]), "text_sha256": note["text_sha256"],
                "text": note["text"] if include_text else None, "text_stored": note["text"] is not None,
                "model_version": res["model_version"] if res else None,
                "result": json.loads(res["result_json"]) if res else None,
                "items": [item_dict(r) for r in its]}

    def decide(self, token: str | None, note_id: str, code: str, action: str, *, version: int | None = None,
               units: int | None = None, modifiers: Iterable[str] | str | None = None, reason: str | None = None,
               idempotency_key: str | None = None, catalogue=None, fees=None) -> dict:
        """Record one review decision on a note's code and return the item as it is now.

        ``accept`` / ``reject`` (a reason is required) / ``change`` (new units and/or modifiers) act on a code on
        the worklist and need the ``version`` the reviewer saw; ``add`` puts a code the engine did not recommend
        on it. A stale version raises :class:`ConflictError` carrying the current item; nothing is written.
        """
        if action not in ACTIONS:
            raise InvalidDecision(f"Field 'action': unknown action {action!r}; allowed: {', '.join(ACTIONS)}.")
        code = (code or "").strip().upper()
        if catalogue is not None and code not in catalogue:
            raise InvalidDecision(f"Field 'code': unknown code {code!r}; `suggester codes` lists the known codes.")
        units = units_of(units)
        mods = modifiers_of(modifiers)
        reason = opt(reason, 500)
        if action == "reject" and not reason:
            raise InvalidDecision("Field 'reason': say why the code is rejected (e.g. 'not performed', 'time not "
                                  "documented').")
        if action == "change" and units is None and modifiers is None:
            raise InvalidDecision("A change needs new 'units' and/or 'modifiers'.")
        if action == "add" and units is None:
            raise InvalidDecision("Field 'units': an added code needs its units (1 for an untimed code).")
        if action != "add":
            version = db_int(version, "version", "send the item's version you reviewed (from the note or worklist)")
        key = opt(idempotency_key, 100)
        fees = fees or _fees()
        note_id = note_id.strip() if isinstance(note_id, str) else note_id
        try:
            with self._tx() as conn:
                user = self._user(conn, token)
                if key:
                    replay = self._replay(conn, key, user)
                    if replay is not None:
                        return replay
                note = conn.execute(select(t.notes.c.id, t.notes.c.payer).where(t.notes.c.note_id == note_id)).first()
                if note is None:
                    raise NotFoundError(f"No note {note_id!r} in the review store; submit it first.")
                item = conn.execute(item_select().where(and_(t.items.c.note_pk == note.id,
                                                              t.items.c.code == code))).mappings().first()
                now = utc_now()
                missed_by = None
                if action == "add":
                    missed_by = conn.execute(select(t.results.c.model_version).where(t.results.c.note_pk == note.id)
                                             .order_by(t.results.c.id.desc()).limit(1)).scalar()
                    if item is not None:
                        raise ConflictError(f"{code} is on note {note_id!r}'s worklist already; accept or change it "
                                            "with its version instead.", item_dict(item))
                    item_id = conn.execute(insert(t.items).values(
                        note_pk=note.id, code=code, source="reviewer", status="added", suggested_units=None,
                        suggested_minutes=None, confidence=None, final_units=units, final_modifiers=mods or "",
                        reason=reason, value_usd=_value(fees, code, note.payer, units), model_version=missed_by,
                        version=1,
                        updated_by=user.id, updated_at=now).returning(t.items.c.id)).scalar_one()
                    new_version = 1
                else:
                    if item is None:
                        raise NotFoundError(f"{code} is not on note {note_id!r}'s worklist; use action 'add' to add it.")
                    values: dict[str, Any] = {"status": _STATUS_OF[action], "version": item["version"] + 1,
                                              "updated_by": user.id, "updated_at": now, "reason": reason}
                    final_units = item["final_units"]
                    if action == "change":
                        if units is not None:
                            values["final_units"] = final_units = units
                        if modifiers is not None:
                            values["final_modifiers"] = mods
                        if item["source"] == "reviewer":
                            values["status"] = "added"
                    values["value_usd"] = (0.0 if action == "reject"
                                           else _value(fees, code, note.payer, final_units))
                    res = conn.execute(update(t.items).where(and_(t.items.c.id == item["id"],
                                                                  t.items.c.version == version)).values(**values))
                    if res.rowcount != 1:
                        raise ConflictError(f"{code} on note {note_id!r} was changed by someone else (you saw version "
                                            f"{version}, it is now {item['version']}); reload and decide again.",
                                            item_dict(item))
                    item_id, new_version = item["id"], item["version"] + 1
                conn.execute(insert(t.decisions).values(
                    item_id=item_id, action=action, units=units, modifiers=mods or "", reason=reason,
                    item_version=new_version, model_version=item["model_version"] if item is not None else missed_by,
                    idempotency_key=key, user_id=user.id, created_at=now))
                row = conn.execute(item_select().where(t.items.c.id == item_id)).mappings().one()
                return item_dict(row)
        except IntegrityError:
            # A concurrent twin: the same idempotency key, or the same code added at the same moment.
            with self._tx() as conn:
                user = self._user(conn, token)
                if key and (replay := self._replay(conn, key, user)) is not None:
                    return replay
            raise ConflictError(f"{code} on note {note_id!r} was changed by someone else at the same moment; reload "
                                "and decide again.") from None

    def _replay(self, conn: Connection, key: str, user: User) -> dict | None:
        prior = conn.execute(select(t.decisions.c.item_id, t.decisions.c.user_id)
                             .where(t.decisions.c.idempotency_key == key)).first()
        if prior is None:
            return None
        if prior.user_id != user.id:
            raise ConflictError("This idempotency key was used by another user; send a new key for a new decision.")
        row = conn.execute(item_select().where(t.items.c.id == prior.item_id)).mappings().one()
        return dict(item_dict(row), replayed=True)

    # ------------------------------------------------------------------ audit runs and findings
    def record_audit(self, token: str | None, rows: Iterable[dict], summary: dict, *, source: str,
                     versions: dict | None = None, batch: int = 1000) -> dict:
        """Store an audit run and its findings (every row whose status is not ``supported``) in one transaction."""
        versions = versions or {}
        n_notes, n_findings = 0, 0
        seen: set = set()
        with self._tx() as conn:
            user = self._user(conn, token)
            run_id = conn.execute(insert(t.audit_runs).values(
                source=str(source)[:300], notes=0, findings=0, engine_version=str(versions.get("suggester", "")),
                model_version=str(versions.get("model_version", "")),
                catalogue_version=str(versions.get("catalogue_version", "")),
                summary_json=json.dumps(summary, default=str), created_by=user.id, created_at=utc_now()
            ).returning(t.audit_runs.c.id)).scalar_one()
            pending: list[dict] = []
            for row in rows:
                nid = cell(row.get("note_id"))
                if nid is not None:
                    seen.add(nid)
                if row.get("status") not in FINDING_STATUSES:
                    continue
                pending.append({
                    "run_id": run_id, "note_id": opt(nid, 200), "row": to_int(row.get("row")),
                    "payer": opt(cell(row.get("payer")), 50), "provider": opt(cell(row.get("provider")), 200),
                    "date_of_service": date_or_none(row.get("date_of_service")),
                    "code": opt(cell(row.get("code")), 10), "status": row["status"],
                    "documented_units": to_int(row.get("documented_units")), "billed_units": to_int(row.get("billed_units")),
                    "impact_usd": to_float(row.get("impact_usd")), "finding_ids": opt(cell(row.get("finding_ids")), 200) or "",
                    "reason": cell(row.get("reason")), "resolution": "open", "resolution_note": None, "version": 1,
                    "resolved_by": None, "resolved_at": None})
                if len(pending) >= batch:
                    conn.execute(insert(t.findings), pending)
                    n_findings += len(pending)
                    pending = []
            if pending:
                conn.execute(insert(t.findings), pending)
                n_findings += len(pending)
            n_notes = len(seen)
            conn.execute(update(t.audit_runs).where(t.audit_runs.c.id == run_id)
                         .values(notes=n_notes, findings=n_findings))
        return {"run_id": run_id, "notes": n_notes, "findings": n_findings}

    def runs(self, token: str | None) -> list[dict]:
        with self._tx() as conn:
            self._user(conn, token)
            rows = conn.execute(select(t.audit_runs, t.users.c.name.label("created_by_name"))
                                .join(t.users, t.users.c.id == t.audit_runs.c.created_by)
                                .order_by(t.audit_runs.c.id.desc())).mappings().all()
        return [{"run_id": r["id"], "source": r["source"], "notes": r["notes"], "findings": r["findings"],
                 "model_version": r["model_version"], "created_by": r["created_by_name"],
                 "created_at": iso(r["created_at"])} for r in rows]

    def resolve(self, token: str | None, finding_id: int, resolution: str, *, version: int, note: str | None = None,
                idempotency_key: str | None = None) -> dict:
        """Set an audit finding's resolution (``confirmed``, ``dismissed``, ``corrected`` on the claim, or back to
        ``open``); a stale ``version`` raises :class:`ConflictError` and writes nothing."""
        if resolution not in RESOLUTIONS:
            raise InvalidDecision(f"Field 'resolution': unknown {resolution!r}; allowed: {', '.join(RESOLUTIONS)}.")
        version = db_int(version, "version", "send the finding's version you reviewed")
        finding_id = db_int(finding_id, "finding_id")
        note = opt(note, 500)
        if resolution == "dismissed" and not note:
            raise InvalidDecision("Field 'note': say why the finding is dismissed.")
        key = opt(idempotency_key, 100)
        try:
            with self._tx() as conn:
                user = self._user(conn, token)
                if key:
                    prior = conn.execute(select(t.resolutions.c.finding_id, t.resolutions.c.user_id)
                                         .where(t.resolutions.c.idempotency_key == key)).first()
                    if prior is not None:
                        if prior.user_id != user.id:
                            raise ConflictError("This idempotency key was used by another user.")
                        return dict(self._finding(conn, prior.finding_id), replayed=True)
                current = self._finding(conn, finding_id)
                now = utc_now()
                res = conn.execute(update(t.findings).where(and_(t.findings.c.id == finding_id,
                                                                 t.findings.c.version == version)).values(
                    resolution=resolution, resolution_note=note, version=current["version"] + 1,
                    resolved_by=None if resolution == "open" else user.id,
                    resolved_at=None if resolution == "open" else now))
                if res.rowcount != 1:
                    raise ConflictError(f"Finding {finding_id} was changed by someone else (you saw version {version}, "
                                        f"it is now {current['version']}); reload and decide again.", current)
                conn.execute(insert(t.resolutions).values(
                    finding_id=finding_id, resolution=resolution, note=note, finding_version=current["version"] + 1,
                    idempotency_key=key, user_id=user.id, created_at=now))
                return self._finding(conn, finding_id)
        except IntegrityError:
            if key:
                with self._tx() as conn:
                    user = self._user(conn, token)
                    prior = conn.execute(select(t.resolutions.c.finding_id).where(
                        and_(t.resolutions.c.idempotency_key == key, t.resolutions.c.user_id == user.id))).first()
                    if prior is not None:
                        return dict(self._finding(conn, prior.finding_id), replayed=True)
            raise ConflictError(f"Finding {finding_id} was changed by someone else at the same moment; reload.") from None

    def get_finding(self, token: str | None, finding_id: int) -> dict:
        finding_id = db_int(finding_id, "finding_id")
        with self._tx() as conn:
            self._user(conn, token)
            return self._finding(conn, finding_id)

    def _finding(self, conn: Connection, finding_id: int) -> dict:
        row = conn.execute(finding_select().where(t.findings.c.id == finding_id)).mappings().first()
        if row is None:
            raise NotFoundError(f"No audit finding {finding_id}; list them with the worklist (kind 'finding').")
        return finding_dict(row)

    # ------------------------------------------------------------------ worklist
    def worklist(self, token: str | None, *, kind: str = "suggestion", status: str | None = None,
                 code: str | None = None, provider: str | None = None, date_from=None, date_to=None,
                 min_impact: float | None = None, run_id: int | None = None, sort: str = "impact",
                 descending: bool = True, limit: int = 100, offset: int = 0) -> dict:
        """Items to review, filtered and sorted: ``kind`` ``suggestion`` (codes on submitted notes; ``status``
        pending, accepted, rejected, changed, added) or ``finding`` (audit findings; ``status`` open, confirmed,
        dismissed, corrected; ``sort="status"`` sorts by it too, ``sort="finding"`` by the audit status). Dollar
        impact is the code's value (suggestions) or the finding's impact; its absolute value is compared with
        ``min_impact``."""
        if kind not in ("suggestion", "finding"):
            raise InvalidDecision(f"Field 'kind': {kind!r}; allowed: suggestion, finding.")
        if not (isinstance(limit, int) and 1 <= limit <= 1000):
            raise InvalidDecision("Field 'limit' must be 1..1000.")
        offset = db_int(offset, "offset")
        run_id = None if run_id is None else db_int(run_id, "run_id")
        d_from, d_to = parse_date(date_from, "date_from"), parse_date(date_to, "date_to")
        if kind == "suggestion":
            if status is not None and status not in ITEM_STATUSES:
                raise InvalidDecision(f"Field 'status': {status!r}; allowed: {', '.join(ITEM_STATUSES)}.")
            q, cols = item_select(), {"impact": t.items.c.value_usd, "date": t.notes.c.date_of_service,
                                       "code": t.items.c.code, "provider": t.notes.c.provider,
                                       "note": t.notes.c.note_id, "status": t.items.c.status, "id": t.items.c.id}
            conds = [t.items.c.status == status] if status else []
            date_col, prov_col, code_col, impact_col = (t.notes.c.date_of_service, t.notes.c.provider, t.items.c.code,
                                                        t.items.c.value_usd)
            to_dict = item_dict
        else:
            if status is not None and status not in RESOLUTIONS:
                raise InvalidDecision(f"Field 'status': {status!r}; allowed: {', '.join(RESOLUTIONS)}.")
            q, cols = finding_select(), {"impact": func.abs(t.findings.c.impact_usd),
                                          "date": t.findings.c.date_of_service, "code": t.findings.c.code,
                                          "provider": t.findings.c.provider, "note": t.findings.c.note_id,
                                          "status": t.findings.c.resolution, "finding": t.findings.c.status,
                                          "id": t.findings.c.id}
            conds = [t.findings.c.resolution == status] if status else []
            if run_id is not None:
                conds.append(t.findings.c.run_id == run_id)
            date_col, prov_col, code_col, impact_col = (t.findings.c.date_of_service, t.findings.c.provider,
                                                        t.findings.c.code, t.findings.c.impact_usd)
            to_dict = finding_dict
        if sort not in cols:
            raise InvalidDecision(f"Field 'sort': {sort!r}; allowed: {', '.join(cols)}.")
        if code:
            conds.append(code_col == code.strip().upper())
        if provider:
            conds.append(prov_col == provider)
        if d_from:
            conds.append(date_col >= d_from)
        if d_to:
            conds.append(date_col <= d_to)
        if min_impact is not None:
            conds.append(func.abs(func.coalesce(impact_col, 0.0)) >= float(min_impact))
        if conds:
            q = q.where(and_(*conds))
        order = cols[sort].desc() if descending else cols[sort].asc()
        id_col = cols["id"]
        with self._tx() as conn:
            self._user(conn, token)
            total = conn.execute(select(func.count()).select_from(q.subquery())).scalar_one()
            rows = conn.execute(q.order_by(order.nulls_last(), id_col).limit(limit).offset(offset)).mappings().all()
        return {"kind": kind, "total": total, "limit": limit, "offset": offset, "items": [to_dict(r) for r in rows]}

    # ------------------------------------------------------------------ export and reports
    def decisions_frame(self, token: str | None):
        """Every decision with its user, note, code and outcome (a pandas DataFrame), oldest first."""
        import pandas as pd

        q = (select(t.decisions.c.id.label("decision_id"), t.decisions.c.created_at, t.users.c.name.label("user"),
                    t.notes.c.note_id, t.notes.c.payer, t.notes.c.provider, t.notes.c.date_of_service, t.items.c.code,
                    t.items.c.source, t.decisions.c.action, t.decisions.c.units, t.decisions.c.modifiers,
                    t.decisions.c.reason, t.items.c.suggested_units, t.decisions.c.model_version,
                    t.decisions.c.item_version)
             .join(t.items, t.items.c.id == t.decisions.c.item_id).join(t.notes, t.notes.c.id == t.items.c.note_pk)
             .join(t.users, t.users.c.id == t.decisions.c.user_id).order_by(t.decisions.c.id))
        with self._tx() as conn:
            self._user(conn, token)
            frame = pd.DataFrame(conn.execute(q).mappings().all(), columns=[c.name for c in q.selected_columns])
        frame["created_at"] = frame["created_at"].map(iso)
        frame["date_of_service"] = frame["date_of_service"].map(iso)
        for col in ("units", "suggested_units", "item_version", "decision_id"):
            frame[col] = frame[col].astype("Int64")
        return frame

    def export(self, token: str | None, path: str | Path | None = None, *, fmt: str | None = None) -> bytes | int:
        """Write the decisions as CSV or Parquet to ``path`` (returns the row count), or return the bytes."""
        fmt = (fmt or (Path(path).suffix.lstrip(".") if path else "csv")).lower()
        if fmt not in ("csv", "parquet"):
            raise InvalidDecision(f"Export format {fmt!r}; allowed: csv, parquet.")
        frame = self.decisions_frame(token)
        if fmt == "csv":
            data = frame.to_csv(index=False).encode("utf-8")
        else:
            import io

            buf = io.BytesIO()
            frame.to_parquet(buf, index=False)
            data = buf.getvalue()
        if path is None:
            return data
        from ..audit.outputs import atomic_write_bytes

        atomic_write_bytes(Path(path), data)
        return len(frame)

    def report(self, token: str | None) -> dict:
        """Acceptance per code, provider and model version; the most corrected codes; missed-charge dollars found
        and recovered per month."""
        with self._tx() as conn:
            self._user(conn, token)
            its = conn.execute(select(t.items.c.code, t.items.c.source, t.items.c.status, t.items.c.model_version,
                                      t.notes.c.provider).join(t.notes, t.notes.c.id == t.items.c.note_pk)).all()
            fnd = conn.execute(select(t.findings.c.status, t.findings.c.resolution, t.findings.c.impact_usd,
                                      t.findings.c.date_of_service, t.findings.c.resolved_at, t.audit_runs.c.created_at)
                               .join(t.audit_runs, t.audit_runs.c.id == t.findings.c.run_id)).all()
            n_decisions = conn.execute(select(func.count()).select_from(t.decisions)).scalar_one()
            models = conn.execute(select(t.model_versions.c.version, t.model_versions.c.status,
                                         t.model_versions.c.gate_json).order_by(t.model_versions.c.id)).all()
        out = build_report(its, fnd, n_decisions)
        out["model_versions"] = [model_gate(v, s, g) for v, s, g in models]
        return out


# ---------------------------------------------------------------------- helpers
def _make_engine(url: str, timeout: float, pool_size: int) -> Engine:
    """A SQLAlchemy engine for a SQLite file (its folder created; foreign keys on, WAL, write lock taken at BEGIN)
    or a PostgreSQL server (pooled, checked before use); InputError for anything else or a malformed URL."""
    try:
        if url.startswith("sqlite"):
            path = url.split("///", 1)[1] if "///" in url else ""
            if path and path != ":memory:" and not path.startswith("file:"):
                Path(path).expanduser().parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(url, connect_args={"timeout": timeout})
            event.listen(engine, "connect", _sqlite_pragmas)
            event.listen(engine, "begin", _sqlite_begin)
            return engine
        if url.startswith("postgresql"):
            return create_engine(url, pool_size=pool_size, max_overflow=pool_size * 2, pool_pre_ping=True,
                                 connect_args={"connect_timeout": int(max(1, timeout))})
    except NoSuchModuleError as exc:
        raise InputError(f"No driver for {safe_url(url)!r} ({exc}). For PostgreSQL install the driver: "
                         "pip install 'suggester[postgres]' and use postgresql+psycopg://...") from None
    except ModuleNotFoundError as exc:
        raise InputError(f"The database driver {exc.name!r} is not installed: pip install "
                         "'suggester[postgres]' for PostgreSQL.") from None
    except ArgumentError:
        raise InputError(f"Malformed database URL {safe_url(url)!r}: use sqlite:///path.db or "
                         "postgresql+psycopg://user:password@host:5432/dbname.") from None
    raise InputError(f"Unsupported database URL {safe_url(url)!r}: use sqlite:///path.db or "
                     "postgresql+psycopg://user:password@host:5432/dbname.")


class _Tx:
    """One transaction; database errors become :class:`StoreError` with a fix, after a rollback."""

    def __init__(self, store: ReviewStore) -> None:
        self.store = store

    def __enter__(self) -> Connection:
        try:
            self.cm = self.store.engine.begin()
            return self.cm.__enter__()
        except SQLAlchemyError as exc:
            raise translate(exc, self.store.url) from None

    def __exit__(self, et, ev, tb) -> bool:
        try:
            self.cm.__exit__(et, ev, tb)   # commits, or rolls back when the block raised
        except IntegrityError:
            raise
        except SQLAlchemyError as exc:
            raise translate(exc, self.store.url) from None
        if isinstance(ev, SQLAlchemyError) and not isinstance(ev, IntegrityError):
            raise translate(ev, self.store.url) from None
        return False


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    dbapi_conn.isolation_level = None  # SQLAlchemy's "begin" event issues BEGIN IMMEDIATE itself
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.close()


def _sqlite_begin(conn) -> None:
    # Take the write lock at the start: a reader-turned-writer in WAL mode would fail instead of waiting.
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def _strip_text(data: dict) -> None:
    for s in data.get("suggestions", ()):
        for e in s.get("evidence", ()):
            e["text"] = None
    for n in data.get("not_counted", ()):
        n["text"] = None


def _model_version(engine) -> str:
    card = getattr(engine, "model_card", {}) or {}
    sha = str(card.get("sha256") or "")[:12]
    return f"{card.get('name', 'model')}@{sha}" if sha else str(card.get("name", "model"))


_FEES = None


def _fees():
    global _FEES
    if _FEES is None:
        from ..fees import load_fees

        _FEES = load_fees()
    return _FEES


def _value(fees, code: str, payer: str, units: int | None) -> float | None:
    if units is None:
        return None
    try:
        fee, _ = fees.unit_fee(code, payer)
    except Exception:  # noqa: BLE001 - an unknown payer or code has no fee; the value is unknown, not an error
        return None
    return None if fee is None else round(fee * units, 2)


def model_version_of(model_dir: str | Path | None = None) -> str:
    """``name@sha`` of a model directory's card, without loading the model."""
    from ..model.persistence import CARD, default_model_dir

    try:
        card = json.loads((Path(model_dir or default_model_dir()) / CARD).read_text("utf-8"))
    except (OSError, ValueError):
        return "unknown"
    return _model_version(type("_Card", (), {"model_card": card})())

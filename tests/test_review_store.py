"""The review store on SQLite and on a real PostgreSQL server: users and tokens, decisions with optimistic
locking, audit findings and their resolution, export, reports, and every bad-database case with nothing written."""

import sqlite3
import threading

import pandas as pd
import pytest
from sqlalchemy import create_engine, func, select, text

from suggester.catalogue import load_catalogue
from suggester.errors import InputError
from suggester.review import AuthError, ConflictError, NotFoundError, PermissionError_, StoreError, open_store
from suggester.review import schema as t

NOTE = ("S: Pt reports less knee pain.\nTherEx 23 min: SLR 3x10, bridges 2x15, clamshells.\n"
        "Manual therapy 10 min: STM to quads, patellar mobs.\nPt declined e-stim today.\nJ. Doe, PT")
OTHER = "Gait training 25 min with rolling walker, 150 ft x3, cues for step length.\nJ. Doe, PT"


@pytest.fixture
def store(review_url):
    s = open_store(review_url)
    yield s
    s.close()


@pytest.fixture
def people(store):
    admin, admin_token = store.add_user("ana", "admin")
    _, rev = store.add_user("bo", "reviewer", token=admin_token)
    _, rev2 = store.add_user("cy", "reviewer", token=admin_token)
    return {"admin": admin_token, "bo": rev, "cy": rev2}


def _count(store, table) -> int:
    with store.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def _items(view):
    return {i["code"]: i for i in view["items"]}


def test_users_tokens_and_roles(store):
    with pytest.raises(InputError, match="first user must be an admin"):
        store.add_user("bo", "reviewer")
    admin, token = store.add_user("ana", "admin")
    assert admin.is_admin and token.startswith("sgr_")
    with pytest.raises(AuthError, match="token is required"):
        store.add_user("bo", "reviewer")
    _, rev = store.add_user("bo", "reviewer", token=token)
    with pytest.raises(PermissionError_, match="needs an admin"):
        store.add_user("cy", "reviewer", token=rev)
    with pytest.raises(ConflictError, match="exists already"):
        store.add_user("bo", "reviewer", token=token)
    assert store.authenticate(rev).name == "bo"
    with pytest.raises(AuthError, match="not valid"):
        store.authenticate(rev + "x")
    with store.engine.connect() as conn:   # only the hash is kept
        stored = conn.execute(select(t.users.c.token_sha256)).scalars().all()
    assert rev not in stored and token not in stored and all(len(h) == 64 for h in stored)
    store.set_user_active("bo", False, token=token)
    with pytest.raises(AuthError):
        store.authenticate(rev)
    assert [u["name"] for u in store.list_users(token)] == ["ana", "bo"]


def test_submit_keeps_a_hash_not_the_text_unless_turned_on(store, people, engine):
    view = store.submit_note(people["bo"], engine, note_id="N1", text=NOTE, provider="PT Lee",
                             date_of_service="2026-11-02")
    items = _items(view)
    assert {"97110", "97140"} <= set(items) and "97014" not in items and "G0283" not in items
    assert items["97110"]["status"] == "pending" and items["97110"]["units"] == 1 and items["97140"]["units"] == 1 and items["97110"]["version"] == 1
    assert items["97110"]["impact_usd"] > 0
    assert view["text"] is None and not view["text_stored"]
    assert all(e["text"] is None for s in view["result"]["suggestions"] for e in s["evidence"])
    with store.engine.connect() as conn:
        assert conn.execute(select(t.notes.c.text)).scalar() is None
        stored = conn.execute(select(t.results.c.result_json)).scalar()
        # no sentence of the note; the evidence keeps only the catalogue or lexicon names it matched ("bridges")
        assert "less knee pain" not in stored and "bridges 2x15" not in stored and "e-stim today" not in stored
    again = store.submit_note(people["cy"], engine, note_id="N1", text=NOTE)
    assert again["items"] == view["items"]
    with pytest.raises(ConflictError, match="another text"):
        store.submit_note(people["bo"], engine, note_id="N1", text=OTHER)
    with pytest.raises(PermissionError_):
        store.set_setting("store_text", "on", token=people["bo"])
    store.set_setting("store_text", "on", token=people["admin"])
    store.submit_note(people["bo"], engine, note_id="N2", text=OTHER)
    assert store.get_note(people["bo"], "N2", include_text=True)["text"] == OTHER


def test_decisions_record_their_user_and_a_stale_version_writes_nothing(store, people, engine):
    cat = load_catalogue()
    items = _items(store.submit_note(people["bo"], engine, note_id="N1", text=NOTE, provider="PT Lee"))
    ok = store.decide(people["bo"], "N1", "97110", "accept", version=items["97110"]["version"], catalogue=cat)
    assert ok["status"] == "accepted" and ok["version"] == 2 and ok["updated_by"] == "bo"
    before = _count(store, t.decisions)
    with pytest.raises(ConflictError, match="changed by someone else") as err:
        store.decide(people["cy"], "N1", "97110", "reject", version=1, reason="not skilled")
    assert err.value.current["status"] == "accepted" and err.value.current["version"] == 2
    assert _count(store, t.decisions) == before
    with pytest.raises(InputError, match="say why"):
        store.decide(people["cy"], "N1", "97140", "reject", version=1)
    changed = store.decide(people["cy"], "N1", "97140", "change", version=1, units=2, modifiers="59, gp")
    assert changed["status"] == "changed" and changed["units"] == 2 and changed["modifiers"] == ["59", "GP"]
    added = store.decide(people["cy"], "N1", "97530", "add", units=1, reason="transfers documented", catalogue=cat)
    assert added["source"] == "reviewer" and added["status"] == "added"
    with pytest.raises(ConflictError, match="already"):
        store.decide(people["bo"], "N1", "97530", "add", units=1)
    with pytest.raises(NotFoundError, match="No note"):
        store.decide(people["bo"], "NOPE", "97110", "accept", version=1)
    with pytest.raises(NotFoundError, match="not on note"):
        store.decide(people["bo"], "N1", "97112", "accept", version=1)
    with pytest.raises(InputError, match="unknown code"):
        store.decide(people["bo"], "N1", "99999", "add", units=1, catalogue=cat)
    with pytest.raises(InputError, match="modifier"):
        store.decide(people["bo"], "N1", "97140", "change", version=2, modifiers="LONGMOD")
    with pytest.raises(AuthError):
        store.decide(None, "N1", "97140", "accept", version=2)
    assert _count(store, t.decisions) == 3


def test_a_retried_decision_is_recorded_once(store, people, engine):
    store.submit_note(people["bo"], engine, note_id="N1", text=NOTE)
    first = store.decide(people["bo"], "N1", "97110", "accept", version=1, idempotency_key="k-1")
    again = store.decide(people["bo"], "N1", "97110", "accept", version=1, idempotency_key="k-1")
    assert again["replayed"] and again["version"] == first["version"] == 2
    assert _count(store, t.decisions) == 1
    with pytest.raises(ConflictError, match="another user"):
        store.decide(people["cy"], "N1", "97110", "accept", version=2, idempotency_key="k-1")


def test_two_reviewers_deciding_the_same_code_at_once(store, people, engine):
    store.submit_note(people["bo"], engine, note_id="N1", text=NOTE)
    for round_ in range(5):
        version = _items(store.get_note(people["bo"], "N1"))["97110"]["version"]
        gate, outcomes = threading.Barrier(2), []

        def decide(who, action):
            gate.wait()
            try:
                outcomes.append(("ok", store.decide(people[who], "N1", "97110", action, version=version,
                                                    reason="r" if action == "reject" else None)))
            except ConflictError as exc:
                outcomes.append(("conflict", exc))
        threads = [threading.Thread(target=decide, args=a) for a in (("bo", "accept"), ("cy", "reject"))]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        assert sorted(o[0] for o in outcomes) == ["conflict", "ok"], round_
        winner = next(o[1] for o in outcomes if o[0] == "ok")
        assert _items(store.get_note(people["bo"], "N1"))["97110"]["status"] == winner["status"]
    assert _count(store, t.decisions) == 5


def _audit_rows():
    return [
        {"note_id": "A1", "payer": "medicare", "provider": "PT Lee", "date_of_service": "2026-10-02", "code": "97140",
         "status": "missed", "documented_units": 1, "billed_units": None, "impact_usd": 27.72, "row": 1},
        {"note_id": "A1", "payer": "medicare", "provider": "PT Lee", "date_of_service": "2026-10-02", "code": "97110",
         "status": "supported", "documented_units": 1, "billed_units": 1, "impact_usd": 0.0, "row": 1},
        {"note_id": "A2", "payer": "medicare", "provider": "PT Kim", "date_of_service": "2026-11-03", "code": "97110",
         "status": "unsupported", "documented_units": None, "billed_units": 2, "impact_usd": -58.12, "row": 2},
        {"note_id": "A2", "payer": "medicare", "provider": "PT Kim", "date_of_service": "2026-11-03", "code": "97116",
         "status": "missed", "documented_units": 2, "billed_units": None, "impact_usd": 57.58, "row": 2},
        {"note_id": None, "status": "error", "reason": "row 3: the text is empty", "row": 3},
    ]


def test_audit_findings_worklist_and_resolution(store, people):
    run = store.record_audit(people["admin"], iter(_audit_rows()), {"notes": 3}, source="notes.csv",
                             versions={"suggester": "1", "model_version": "m@1", "catalogue_version": "c"})
    assert run["findings"] == 4 and run["notes"] == 2          # 'supported' is not a finding
    wl = store.worklist(people["bo"], kind="finding")
    assert [i["impact_usd"] for i in wl["items"][:3]] == [-58.12, 57.58, 27.72]   # by |impact|, largest first
    assert wl["total"] == 4
    assert [i["code"] for i in store.worklist(people["bo"], kind="finding", provider="PT Kim",
                                              sort="code", descending=False)["items"]] == ["97110", "97116"]
    assert store.worklist(people["bo"], kind="finding", min_impact=50)["total"] == 2
    assert store.worklist(people["bo"], kind="finding", date_from="2026-11-01")["total"] == 2
    missed = next(i for i in wl["items"] if i["code"] == "97116")
    done = store.resolve(people["bo"], missed["id"], "corrected", version=1, note="rebilled")
    assert done["resolution"] == "corrected" and done["resolved_by"] == "bo" and done["version"] == 2
    with pytest.raises(ConflictError) as err:
        store.resolve(people["cy"], missed["id"], "dismissed", version=1, note="no")
    assert err.value.current["resolution"] == "corrected"
    with pytest.raises(InputError, match="why"):
        store.resolve(people["cy"], missed["id"], "dismissed", version=2)
    with pytest.raises(NotFoundError):
        store.resolve(people["cy"], 99999, "confirmed", version=1)
    assert store.worklist(people["bo"], kind="finding", status="open")["total"] == 3
    report = store.report(people["bo"])
    assert report["missed_found_usd"] == pytest.approx(85.30) and report["missed_recovered_usd"] == pytest.approx(57.58)
    assert [m["month"] for m in report["missed_charges"]] == ["2026-10", "2026-11"]
    assert store.runs(people["bo"])[0]["created_by"] == "ana"


def test_export_and_report(store, people, engine, tmp_path):
    store.submit_note(people["bo"], engine, note_id="N1", text=NOTE, provider="PT Lee", date_of_service="2026-11-02")
    store.submit_note(people["bo"], engine, note_id="N2", text=OTHER, provider="PT Kim")
    store.decide(people["bo"], "N1", "97110", "accept", version=1)
    store.decide(people["cy"], "N1", "97140", "reject", version=1, reason="not documented")
    store.decide(people["cy"], "N2", "97116", "change", version=1, units=1)
    store.decide(people["cy"], "N2", "97530", "add", units=1)
    n = store.export(people["bo"], tmp_path / "d.csv")
    csv = pd.read_csv(tmp_path / "d.csv")
    assert n == 4 and list(csv["action"]) == ["accept", "reject", "change", "add"]
    assert list(csv["user"]) == ["bo", "cy", "cy", "cy"] and csv.loc[1, "reason"] == "not documented"
    store.export(people["bo"], tmp_path / "d.parquet")
    pq = pd.read_parquet(tmp_path / "d.parquet")
    assert pq.shape[0] == 4 and str(pq["units"].dtype) == "Int64"
    report = store.report(people["bo"])
    by_code = {r["code"]: r for r in report["by_code"]}
    assert by_code["97110"]["acceptance_rate"] == 1.0 and by_code["97140"]["acceptance_rate"] == 0.0
    assert by_code["97530"]["added"] == 1
    assert {r["provider"] for r in report["by_provider"]} == {"PT Lee", "PT Kim"}
    assert report["by_model_version"][0]["model_version"].startswith("suggester-")
    assert {c["code"] for c in report["most_corrected"]} == {"97140", "97116", "97530"}
    assert report["acceptance_rate"] == pytest.approx(2 / 3, abs=0.001)


def test_migrations_match_the_tables(review_url):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    open_store(review_url).close()
    eng = create_engine(review_url)
    with eng.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), t.METADATA) == []
    eng.dispose()


def test_a_newer_schema_is_refused(review_url):
    open_store(review_url).close()
    eng = create_engine(review_url)
    with eng.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    eng.dispose()
    with pytest.raises(StoreError, match="newer than this suggester"):
        open_store(review_url)


def test_a_database_of_something_else_is_refused(tmp_path):
    path = tmp_path / "other.db"
    sqlite3.connect(path).execute("CREATE TABLE patients (id INTEGER)").connection.commit()
    with pytest.raises(StoreError, match="not a suggester review store"):
        open_store(f"sqlite:///{path}")


def test_a_locked_sqlite_file_writes_nothing(tmp_path, engine):
    url = f"sqlite:///{tmp_path / 'r.db'}"
    store = open_store(url, timeout=0.3)
    _, token = store.add_user("ana", "admin")
    holder = sqlite3.connect(tmp_path / "r.db", isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(StoreError, match="locked"):
            store.submit_note(token, engine, note_id="N1", text=NOTE)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert _count(store, t.notes) == 0
    store.submit_note(token, engine, note_id="N1", text=NOTE)   # works once the lock is gone
    assert _count(store, t.notes) == 1


def test_a_full_database_writes_nothing(tmp_path, engine):
    from sqlalchemy import event

    url = f"sqlite:///{tmp_path / 'r.db'}"
    store = open_store(url)
    _, token = store.add_user("ana", "admin")
    with store.engine.connect() as conn:
        pages = conn.exec_driver_sql("PRAGMA page_count").scalar()
    store.engine.dispose()
    event.listen(store.engine, "connect", lambda c, _: c.execute(f"PRAGMA max_page_count = {pages}"))
    rows = [{"note_id": f"N{i}", "status": "missed", "code": "97110", "reason": "x" * 400} for i in range(2000)]
    with pytest.raises(StoreError, match="full"):
        store.record_audit(token, iter(rows), {}, source="big.csv")
    assert _count(store, t.audit_runs) == 0 and _count(store, t.findings) == 0


def test_unreachable_server_and_bad_urls():
    with pytest.raises(StoreError, match="Cannot reach the database server"):
        open_store("postgresql+psycopg://nobody@127.0.0.1:1/none", timeout=2)
    with pytest.raises(InputError, match="Unsupported database URL"):
        open_store("mysql://x@y/z")
    with pytest.raises(InputError, match="Malformed|Unsupported"):
        open_store("sqlite:://::")


def test_note_ids_are_trimmed_and_must_be_reachable(store, people, engine):
    store.submit_note(people["bo"], engine, note_id="  N-7 ", text=NOTE)
    assert store.get_note(people["bo"], " N-7")["note_id"] == "N-7"
    assert store.decide(people["bo"], "N-7 ", "97110", "accept", version=1)["status"] == "accepted"
    for bad in (".", "..", "a\x00b", "x" * 201, "   "):
        with pytest.raises(InputError, match="note_id"):
            store.submit_note(people["bo"], engine, note_id=bad, text=NOTE)


def test_migrate_creates_a_store_in_a_new_folder_and_refuses_bad_urls(tmp_path):
    from suggester.review import ReviewStore

    url = f"sqlite:///{tmp_path / 'new' / 'folder' / 'review.db'}"
    assert ReviewStore.migrate(url) == "0002"
    open_store(url).close()
    with pytest.raises(InputError, match="Unsupported database URL"):
        ReviewStore.migrate("mysql://x@y/z")

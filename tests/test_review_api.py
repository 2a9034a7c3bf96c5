"""The review worklist through the HTTP API (SQLite and PostgreSQL) and the command line."""

import io
import json
import logging

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from suggester.api import create_app
from suggester.cli import app as cli_app
from suggester.review import open_store

SECRET = "Zebracorn-7731"
NOTE = (f"S: Pt reports less knee pain ({SECRET}).\nTherEx 23 min: SLR 3x10, bridges 2x15, clamshells.\n"
        "Manual therapy 10 min: STM to quads, patellar mobs.\nGait training 8 min with cane.\nJ. Doe, PT")


@pytest.fixture
def service(review_url, engine):
    store = open_store(review_url)
    _, admin = store.add_user("ana", "admin")
    _, bo = store.add_user("bo", "reviewer", token=admin)
    client = TestClient(create_app(engine, store=store))
    yield client, {"admin": admin, "bo": bo}, store
    store.close()


def _auth(token):
    return {"Authorization": f"Bearer {token}"}


def test_review_round_trip_over_http(service, caplog):
    client, tok, store = service
    caplog.set_level(logging.DEBUG)
    r = client.post("/v1/review/notes", json={"note_id": "N-1", "text": NOTE, "provider": "PT Lee",
                                              "date_of_service": "2026-11-02"}, headers=_auth(tok["bo"]))
    assert r.status_code == 200, r.text
    items = {i["code"]: i for i in r.json()["items"]}
    assert {"97110", "97140"} <= set(items)
    r = client.post("/v1/review/decisions/N-1", json={"code": "97110", "action": "accept", "version": 1,
                                                      "idempotency_key": "x1"}, headers=_auth(tok["bo"]))
    assert r.status_code == 200 and r.json()["status"] == "accepted" and r.json()["updated_by"] == "bo"
    stale = client.post("/v1/review/decisions/N-1", json={"code": "97110", "action": "reject", "version": 1,
                                                          "reason": "no"}, headers=_auth(tok["admin"]))
    assert stale.status_code == 409 and stale.json()["error"] == "conflict"
    assert stale.json()["current"]["status"] == "accepted" and stale.json()["current"]["version"] == 2
    r = client.post("/v1/review/decisions/N-1", json={"code": "97530", "action": "add", "units": 1},
                    headers=_auth(tok["bo"]))
    assert r.status_code == 200 and r.json()["source"] == "reviewer"
    bad = client.post("/v1/review/decisions/N-1", json={"code": "97999", "action": "add", "units": 1},
                      headers=_auth(tok["bo"]))
    assert bad.status_code == 422 and "unknown code" in bad.json()["message"]
    missing = client.post("/v1/review/decisions/NOPE", json={"code": "97110", "action": "accept", "version": 1},
                          headers=_auth(tok["bo"]))
    assert missing.status_code == 404
    wl = client.get("/v1/review/worklist", params={"status": "pending", "sort": "code", "order": "asc"},
                    headers=_auth(tok["bo"])).json()
    assert [i["code"] for i in wl["items"]] == sorted(i["code"] for i in wl["items"]) and wl["total"] >= 1
    assert all(i["status"] == "pending" for i in wl["items"])
    csv = client.get("/v1/review/export", headers=_auth(tok["bo"]))
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert list(pd.read_csv(io.StringIO(csv.text))["action"]) == ["accept", "add"]
    pq = client.get("/v1/review/export", params={"format": "parquet"}, headers=_auth(tok["bo"]))
    assert pd.read_parquet(io.BytesIO(pq.content)).shape[0] == 2
    report = client.get("/v1/review/report", headers=_auth(tok["bo"])).json()
    assert {r["code"] for r in report["by_code"]} >= {"97110", "97530"}
    assert client.get("/healthz").json()["review"] is True
    assert SECRET not in caplog.text and "TherEx" not in caplog.text


def test_nothing_is_written_or_read_without_a_valid_token(service):
    client, tok, store = service
    client.post("/v1/review/notes", json={"note_id": "N-1", "text": NOTE}, headers=_auth(tok["bo"]))
    before = store.export(tok["admin"], fmt="csv")
    for headers in ({}, _auth("sgr_wrong"), {"Authorization": "Basic abc"}):
        r = client.post("/v1/review/decisions/N-1", json={"code": "97110", "action": "accept", "version": 1},
                        headers=headers)
        assert r.status_code == 401 and r.headers["WWW-Authenticate"] == "Bearer", r.text
        assert client.post("/v1/review/notes", json={"note_id": "N-2", "text": NOTE}, headers=headers).status_code == 401
        assert client.get("/v1/review/notes/N-1", headers=headers).status_code == 401
        assert client.get("/v1/review/worklist", headers=headers).status_code == 401
    assert store.export(tok["admin"], fmt="csv") == before
    with pytest.raises(Exception, match="No note"):
        store.get_note(tok["admin"], "N-2")
    # Reviewers are refused admin actions.
    assert client.post("/v1/users", json={"name": "cy"}, headers=_auth(tok["bo"])).status_code == 403
    assert client.post("/v1/review/settings", json={"store_text": "on"}, headers=_auth(tok["bo"])).status_code == 403
    made = client.post("/v1/users", json={"name": "cy"}, headers=_auth(tok["admin"]))
    assert made.status_code == 201 and made.json()["token"].startswith("sgr_")
    assert client.get("/v1/review/me", headers=_auth(made.json()["token"])).json()["user"]["name"] == "cy"
    assert "token" not in json.dumps(client.get("/v1/users", headers=_auth(tok["admin"])).json())


def test_findings_from_an_audit_run_over_http(service):
    client, tok, store = service
    rows = [{"note_id": "A1", "code": "97140", "status": "missed", "impact_usd": 27.72, "provider": "PT Lee",
             "date_of_service": "2026-11-02"},
            {"note_id": "A2", "code": "97110", "status": "unsupported", "impact_usd": -58.12, "provider": "PT Kim",
             "date_of_service": "2026-11-03"}]
    run = store.record_audit(tok["admin"], iter(rows), {}, source="x.csv")
    wl = client.get("/v1/review/worklist", params={"kind": "finding", "run_id": run["run_id"]},
                    headers=_auth(tok["bo"])).json()
    assert [i["note_id"] for i in wl["items"]] == ["A2", "A1"]
    fid = wl["items"][1]["id"]
    r = client.post(f"/v1/review/findings/{fid}/resolve", json={"resolution": "corrected", "version": 1},
                    headers=_auth(tok["bo"]))
    assert r.status_code == 200 and r.json()["resolved_by"] == "bo"
    again = client.post(f"/v1/review/findings/{fid}/resolve", json={"resolution": "dismissed", "version": 1,
                                                                    "note": "dup"}, headers=_auth(tok["bo"]))
    assert again.status_code == 409 and again.json()["current"]["resolution"] == "corrected"
    bad = client.post(f"/v1/review/findings/{fid}/resolve", json={"resolution": "maybe", "version": 2},
                      headers=_auth(tok["bo"]))
    assert bad.status_code == 422
    assert client.get("/v1/review/runs", headers=_auth(tok["bo"])).json()["runs"][0]["findings"] == 2
    assert client.get("/v1/review/report", headers=_auth(tok["bo"])).json()["missed_recovered_usd"] == 27.72


def test_the_service_without_a_store_has_no_review_endpoints(engine):
    client = TestClient(create_app(engine))
    assert client.get("/v1/review/worklist").status_code == 404
    assert client.get("/healthz").json()["review"] is False


def test_cli_end_to_end(review_url, tmp_path, monkeypatch):
    runner = CliRunner()
    monkeypatch.setenv("SUGGESTER_DB", review_url)
    monkeypatch.delenv("SUGGESTER_TOKEN", raising=False)

    def run(*args, token=None, code=0):
        env = {"SUGGESTER_TOKEN": token} if token else {}
        res = runner.invoke(cli_app, list(args), env=env)
        assert res.exit_code == code, (args, res.output)
        return res.output

    admin = run("users", "add", "ana", "--role", "admin").strip().splitlines()[-1]
    bo = run("users", "add", "bo", token=admin).strip().splitlines()[-1]
    run("users", "add", "cy", token=bo, code=2)                       # a reviewer cannot add users
    notes = tmp_path / "notes.csv"
    pd.DataFrame([{"note_id": "A1", "text": NOTE, "provider": "PT Lee", "date_of_service": "2026-11-02",
                   "billed": "97110x1"}]).to_csv(notes, index=False)
    run("audit", str(notes), "--out", str(tmp_path / "f.csv"), "--db", review_url, code=2)   # no token: refused first
    assert not (tmp_path / "f.csv").exists()
    run("audit", str(notes), "--out", str(tmp_path / "f.csv"), "--db", review_url, token=admin)
    out = run("review", "worklist", "--kind", "finding", "--json", token=bo)
    findings = json.loads(out)["items"]
    assert {f["code"] for f in findings if f["status"] == "missed"} >= {"97140"}
    fid = next(f["id"] for f in findings if f["code"] == "97140")
    assert "corrected by bo" in run("review", "resolve", str(fid), "corrected", token=bo)
    note = tmp_path / "n.txt"
    note.write_text(NOTE)
    run("review", "submit", str(note), "--note-id", "N1", "--provider", "PT Lee", token=bo)
    assert "accepted" in run("review", "decide", "N1", "97110", "accept", token=bo)
    assert "rejected" in run("review", "decide", "N1", "97140", "reject", "--reason", "not skilled", token=bo)
    run("review", "decide", "N1", "97140", "accept", "--version", "1", token=bo, code=1)   # stale: exit 1
    assert "added" in run("review", "decide", "N1", "97530", "add", "--units", "1", token=bo)
    assert "wrote 3 decisions" in run("review", "export", str(tmp_path / "d.parquet"), token=bo)
    report = json.loads(run("review", "report", "--json", token=bo))
    assert report["decisions"] == 3 and report["missed_recovered_usd"] > 0
    assert "97140" in run("review", "report", token=bo)
    assert "bo" in run("users", "list", token=admin)
    run("review", "worklist", token="sgr_bad", code=2)


def test_review_paths_are_logged_without_the_note_id(service, caplog):
    client, tok, _ = service
    caplog.set_level(logging.INFO, logger="suggester.api")
    client.post("/v1/review/notes", json={"note_id": "MRN-998877", "text": NOTE, "payer": "medicare"},
                headers=_auth(tok["bo"]))
    client.get("/v1/review/notes/MRN-998877", headers=_auth(tok["bo"]))
    client.post("/v1/review/decisions/MRN-998877", json={"code": "97110", "action": "accept", "version": 1},
                headers=_auth(tok["bo"]))
    assert "path=/v1/review/notes/{note_id} status=200" in caplog.text
    assert "path=/v1/review/decisions/{note_id} status=200" in caplog.text
    assert "MRN-998877" not in caplog.text and SECRET not in caplog.text


def test_resubmitting_a_note_with_other_values_is_a_conflict(service):
    client, tok, _ = service
    first = client.post("/v1/review/notes", json={"note_id": "N-9", "text": NOTE, "payer": "medicare"},
                        headers=_auth(tok["bo"]))
    assert first.status_code == 200
    same = client.post("/v1/review/notes", json={"note_id": "N-9", "text": NOTE, "payer": "medicare"},
                       headers=_auth(tok["bo"]))
    assert same.json()["items"] == first.json()["items"]
    other = client.post("/v1/review/notes", json={"note_id": "N-9", "text": NOTE, "payer": "commercial"},
                        headers=_auth(tok["bo"]))
    assert other.status_code == 409 and "payer" in other.json()["message"]


def test_ids_and_versions_beyond_what_the_database_holds_are_refused(service):
    client, tok, store = service
    big = 2**63
    r = client.post(f"/v1/review/findings/{big}/resolve", json={"resolution": "confirmed", "version": 1},
                    headers=_auth(tok["bo"]))
    assert r.status_code == 422 and "finding_id" in r.json()["message"]
    r = client.post("/v1/review/findings/1/resolve", json={"resolution": "confirmed", "version": big},
                    headers=_auth(tok["bo"]))
    assert r.status_code == 422 and "version" in r.json()["message"]
    for params in ({"offset": big}, {"kind": "finding", "run_id": big}):
        r = client.get("/v1/review/worklist", params=params, headers=_auth(tok["bo"]))
        assert r.status_code == 422, (params, r.text)

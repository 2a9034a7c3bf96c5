"""HTTP API, in process (fastapi.testclient, never a socket): every endpoint and every error answer."""

import json
import logging
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings, strategies as st
from typer.testing import CliRunner

import suggester
from suggester.api import CodeOut, ErrorBody, Health, SuggestResponse, create_app
from suggester.cli import app as cli_app

EXAMPLE = (Path(__file__).resolve().parent.parent / "examples" / "daily_note.txt").read_text()
SECRET = "Zebracorn-7731 lives at 12 Secret Lane"  # stands in for patient data: must never reach a log
NOTE = f"TherEx 23 min: SLR 3x10, bridges 2x15. {SECRET}.\nManual therapy 10 min: STM, jt mobs gr III.\nPt declined e-stim today."


@pytest.fixture(scope="module")
def client(engine):
    return TestClient(create_app(engine))


def _error(response, status, field=None):
    assert response.status_code == status, response.text
    body = response.json()
    ErrorBody.model_validate(body)
    assert body["request_id"] == response.headers["x-request-id"]
    if field is not None:
        assert body["field"] == field
    return body


# --------------------------------------------------------------------------- POST /v1/suggest
def test_api_suggest_is_exactly_to_dict(client, engine):
    for payer in ("medicare", "commercial"):
        r = client.post("/v1/suggest", json={"text": EXAMPLE, "payer": payer})
        assert r.status_code == 200
        assert r.json() == engine.suggest(EXAMPLE, payer).to_dict()
        SuggestResponse.model_validate(r.json())  # the documented schema has every field, and no others


def test_api_suggest_defaults_to_medicare_and_accepts_empty_text(client):
    r = client.post("/v1/suggest", json={"text": "IFC to lumbar x15 min, unattended. TherEx 20 min: bridges."})
    assert r.json()["payer"] == "medicare" and "G0283" in [s["code"] for s in r.json()["suggestions"]]
    r = client.post("/v1/suggest", json={"text": "  "})
    assert r.status_code == 200 and r.json()["suggestions"] == []


def test_api_suggest_evidence_offsets_index_the_note(client):
    note = "Pt feels 👍 today.\nTherEx 23 min: SLR 3x10, bridges 2x15.\nGait training 12 min with RW 150 ft."
    d = client.post("/v1/suggest", json={"text": note}).json()
    spans = [e for s in d["suggestions"] for e in s["evidence"]]
    assert spans and all(note[e["start"]:e["end"]] == e["text"] for e in spans)


@pytest.mark.parametrize("body, field, words", [
    (b'{"text": ', "body", "not valid JSON"),
    (b"\x00" * 9, "body", "JSON"),
    (b'["TherEx 10 min"]', "body", "JSON object"),
    (b'{"text": 5}', "text", "valid string"),
    (b'{"text": "TherEx 10 min", "payer": 3}', "payer", "valid string"),
    (b'{}', "text", "required"),
    (b'{"note": "TherEx 10 min"}', "text", "required"),
    (b'{"text": "TherEx 10 min", "payer": "acme"}', "payer", "Unknown payer 'acme'"),
])
def test_api_suggest_bad_requests_are_422_naming_the_field(client, body, field, words):
    r = client.post("/v1/suggest", content=body, headers={"Content-Type": "application/json"})
    err = _error(r, 422, field)
    assert err["error"] == "invalid_request" and words in err["message"]
    assert all("input" not in e for e in err["errors"])  # the request is never echoed back


def test_api_suggest_unknown_field_and_missing_content_type(client):
    r = client.post("/v1/suggest", json={"text": "TherEx 10 min", "notes": "x"})
    assert "notes" in [e["field"] for e in _error(r, 422, "notes")["errors"]]
    r = client.post("/v1/suggest", content=b'{"text": "TherEx 10 min"}')  # no Content-Type: not parsed (CSRF guard)
    assert "application/json" in _error(r, 422, "body")["message"]


def test_api_suggest_note_over_engine_limit_is_422_on_text(client):
    r = client.post("/v1/suggest", json={"text": "x" * 200_001})  # under the body limit, over max_chars
    assert "limit" in _error(r, 422, "text")["message"]


_JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
                     lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
                     max_leaves=6)


@settings(max_examples=60, deadline=None)
@given(body=st.dictionaries(st.sampled_from(["text", "payer", "notes", "x"]), _JSON, max_size=3) | _JSON,
       raw=st.one_of(st.none(), st.binary(max_size=40)))
def test_api_any_body_is_answered_200_or_422_never_500(client, body, raw):
    content = raw if raw is not None else json.dumps(body).encode()
    r = client.post("/v1/suggest", content=content, headers={"Content-Type": "application/json"})
    assert r.status_code in (200, 422), r.text
    if r.status_code == 422:
        assert r.json()["field"]


# --------------------------------------------------------------------------- body limit
def test_api_body_limit_is_413(engine):
    c = TestClient(create_app(engine, max_body_bytes=1_000))
    big = {"text": "TherEx 10 min. " * 100}
    err = _error(c.post("/v1/suggest", json=big), 413)
    assert err["error"] == "payload_too_large" and "limit is 1000 bytes" in err["message"]

    def chunks():  # no Content-Length: the limit is counted while reading
        for _ in range(10):
            yield b" " * 200
    r = c.post("/v1/suggest", content=chunks(), headers={"Content-Type": "application/json"})
    _error(r, 413)
    assert c.post("/v1/suggest", json={"text": "TherEx 10 min"}).status_code == 200


def test_api_default_body_limit_is_256_kb(client):
    body = json.dumps({"text": "a" * 262_144}).encode()
    _error(client.post("/v1/suggest", content=body, headers={"Content-Type": "application/json"}), 413)


# --------------------------------------------------------------------------- POST /v1/audit
AUDIT_NOTES = [
    {"note_id": "n1", "text": NOTE, "billed": "97110x2;97530-59"},
    {"note_id": "n2", "text": "Gait training 15 min with RW 150 ft x2.", "billed": "97116", "payer": "commercial"},
    {"note_id": "n3", "text": "Pt no-show.", "billed": ""},
]


def test_api_audit_matches_the_library(client, engine):
    import pandas as pd

    from suggester.api import AuditResponse, _jsonable
    from suggester.audit import audit, summarize

    r = client.post("/v1/audit", json={"notes": AUDIT_NOTES})
    assert r.status_code == 200, r.text
    d = r.json()
    AuditResponse.model_validate(d)
    records = [{"payer": "medicare", **n} for n in AUDIT_NOTES]
    df = audit(pd.DataFrame(records), engine=engine)
    assert d["rows"] == _jsonable(df.to_dict(orient="records"))
    assert d["summary"] == _jsonable(summarize(df))
    status = {(row["note_id"], row["code"]): row["status"] for row in d["rows"]}
    assert status[("n1", "97530")] == "unsupported" and status[("n1", "97140")] == "missed"
    assert status[("n2", "97116")] == "supported"
    assert SECRET not in r.text  # the note text is not echoed (evidence is given as offsets)


def test_api_audit_payer_default_and_bad_rows(client):
    r = client.post("/v1/audit", json={"payer": "commercial", "notes": AUDIT_NOTES[:1]})
    assert {row["payer"] for row in r.json()["rows"]} == {"commercial"}
    r = client.post("/v1/audit", json={"notes": [{"note_id": "x", "text": "TherEx 10 min", "billed": "97110;??"}]})
    assert r.status_code == 200 and "error" in [row["status"] for row in r.json()["rows"]]  # audited, row reported


@pytest.mark.parametrize("body, field", [
    ({"notes": []}, "notes"),
    ({"notes": "n1"}, "notes"),
    ({"notes": [{"text": "TherEx 10 min"}]}, "notes[0].note_id"),
    ({"notes": [{"note_id": "a", "text": 5}]}, "notes[0].text"),
    ({"notes": [{"note_id": "a", "text": "x", "billed": ["97110"]}]}, "notes[0].billed"),
    ({"notes": [AUDIT_NOTES[0], {**AUDIT_NOTES[1], "payer": "acme"}]}, "notes[1].payer"),
    ({"payer": "acme", "notes": AUDIT_NOTES}, "payer"),
])
def test_api_audit_bad_requests_are_422_naming_the_field(client, body, field):
    _error(client.post("/v1/audit", json=body), 422, field)


def test_api_audit_batch_is_bounded(engine):
    c = TestClient(create_app(engine, max_batch_notes=2))
    err = _error(c.post("/v1/audit", json={"notes": AUDIT_NOTES}), 422, "notes")
    assert "at most 2" in err["message"]
    assert c.post("/v1/audit", json={"notes": AUDIT_NOTES[:2]}).status_code == 200
    assert c.get("/healthz").json()["max_batch_notes"] == 2


# --------------------------------------------------------------------------- catalogue, payers, health
def test_api_codes(client, engine):
    d = client.get("/v1/codes").json()
    assert d["version"] == engine.catalogue.version and d["count"] == len(engine.catalogue) == len(d["codes"])
    for c in d["codes"]:
        CodeOut.model_validate(c)
    r = client.get("/v1/codes/97530")
    assert r.status_code == 200 and r.json() == engine.catalogue["97530"].to_dict()
    assert client.get("/v1/codes/g0283").json()["code"] == "G0283"


def test_api_unknown_code_is_404(client):
    err = _error(client.get("/v1/codes/12345"), 404, "code")
    assert "Unknown code '12345'" in err["message"] and "/v1/codes" in err["message"]
    _error(client.get("/v1/codes/%3Cscript%3E"), 404, "code")
    _error(client.get("/v1/nothing-here"), 404)
    assert _error(client.get("/v1/suggest"), 405)["error"] == "method_not_allowed"


def test_api_payers(client, engine):
    payers = client.get("/v1/payers").json()["payers"]
    assert {p["id"] for p in payers} == set(engine.payers)
    assert {p["unit_method"] for p in payers} <= {"cms", "ama"}


def test_api_healthz(client, engine):
    d = client.get("/healthz").json()
    Health.model_validate(d)
    assert d["status"] == "ok" and d["versions"] == engine.versions
    assert d["model"]["sha256"] == engine.model_card["sha256"]
    assert d["catalogue"] == {"version": engine.catalogue.version, "sha256": engine.catalogue.sha256,
                              "codes": len(engine.catalogue)}
    assert d["auth_required"] is False and d["max_body_bytes"] == 262_144


def test_api_openapi_schema_and_no_cdn_docs(client):
    schema = client.get("/openapi.json").json()
    assert {"/v1/suggest", "/v1/audit", "/v1/codes", "/v1/codes/{code}", "/v1/payers", "/healthz"} <= set(schema["paths"])
    assert "SuggestResponse" in schema["components"]["schemas"]
    assert "X-API-Key" in json.dumps(schema["components"]["securitySchemes"])
    assert client.get("/docs").status_code == 404  # Swagger UI would load scripts from a CDN


# --------------------------------------------------------------------------- API key, CORS, headers
def test_api_key_from_environment(engine, monkeypatch):
    monkeypatch.setenv("SUGGESTER_TEST_KEY", "s3cret-key")
    c = TestClient(create_app(engine, api_key_env="SUGGESTER_TEST_KEY"))
    for method, path, body in (("post", "/v1/suggest", {"text": "TherEx 10 min"}), ("get", "/v1/codes", None),
                               ("get", "/v1/codes/97110", None), ("get", "/v1/payers", None),
                               ("post", "/v1/audit", {"notes": [{"note_id": "1", "text": "x"}]})):
        kwargs = {"json": body} if body else {}
        err = _error(getattr(c, method)(path, **kwargs), 401, "X-API-Key")
        assert err["error"] == "unauthorized" and "SUGGESTER_TEST_KEY" in err["message"]
        _error(getattr(c, method)(path, headers={"X-API-Key": "wrong"}, **kwargs), 401)
    ok = c.post("/v1/suggest", json={"text": "TherEx 10 min"}, headers={"X-API-Key": "s3cret-key"})
    assert ok.status_code == 200
    assert c.get("/healthz").json()["auth_required"] is True  # health and the page stay open
    assert c.get("/").status_code == 200


def test_api_empty_key_variable_means_no_key(engine, monkeypatch):
    monkeypatch.setenv("SUGGESTER_API_KEY", "")
    c = TestClient(create_app(engine))
    assert c.post("/v1/suggest", json={"text": "TherEx 10 min"}).status_code == 200


def test_api_cors_off_by_default_and_on_when_configured(client, engine):
    preflight = {"Origin": "http://evil.example", "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "content-type"}
    r = client.options("/v1/suggest", headers=preflight)
    assert "access-control-allow-origin" not in r.headers
    r = client.post("/v1/suggest", json={"text": "TherEx 10 min"}, headers={"Origin": "http://evil.example"})
    assert "access-control-allow-origin" not in r.headers
    c = TestClient(create_app(engine, cors_origins=["http://localhost:3000"]))
    r = c.options("/v1/suggest", headers={**preflight, "Origin": "http://localhost:3000"})
    assert r.headers["access-control-allow-origin"] == "http://localhost:3000"
    r = c.options("/v1/suggest", headers=preflight)
    assert r.headers.get("access-control-allow-origin") != "http://evil.example"


def test_api_request_id_and_security_headers(client):
    r = client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert r.headers["x-request-id"] == "abc-123"
    r = client.get("/healthz", headers={"X-Request-ID": "bad id\twith spaces"})
    assert re.fullmatch(r"[0-9a-f]{32}", r.headers["x-request-id"])
    r = client.post("/v1/suggest", json={"text": "TherEx 10 min"})
    assert r.headers["cache-control"] == "no-store" and r.headers["x-content-type-options"] == "nosniff"
    assert "server" not in r.headers or "uvicorn" not in r.headers["server"]


# --------------------------------------------------------------------------- logging: never note text
def test_api_logs_sizes_and_timings_never_note_text(engine, caplog):
    c = TestClient(create_app(engine, max_body_bytes=2_000))
    caplog.set_level(logging.DEBUG)
    ids = []
    for kwargs in ({"json": {"text": NOTE}}, {"json": {"text": NOTE, "payer": "commercial"}},
                   {"json": {"text": NOTE, "payer": f"acme {SECRET}"}}, {"json": {"text": [NOTE]}},
                   {"json": {"text": NOTE, SECRET: 1}}, {"json": {"text": NOTE * 20}},
                   {"content": f'{{"text": "{SECRET}'.encode(), "headers": {"Content-Type": "application/json"}}):
        r = c.post("/v1/suggest", **kwargs)
        ids.append(r.headers["x-request-id"])
    for notes in ([{"note_id": "n1", "text": NOTE, "billed": "97110"}], [{"note_id": SECRET, "text": NOTE, "payer": 1}]):
        ids.append(c.post("/v1/audit", json={"notes": notes}).headers["x-request-id"])
    assert SECRET not in caplog.text and "Zebracorn" not in caplog.text
    lines = [rec.getMessage() for rec in caplog.records if rec.name == "suggester.api"]
    for rid in ids:
        line = next(m for m in lines if f"request_id={rid}" in m)
        assert re.search(r"status=\d{3} bytes_in=\d+ bytes_out=\d+ ms=[\d.]+$", line)


class _Broken:
    """An engine whose suggest fails with a message that quotes the note (as a bug might)."""

    def __init__(self, engine):
        self._engine = engine

    def __getattr__(self, name):
        return getattr(self._engine, name)

    def suggest(self, text, payer="medicare"):
        raise RuntimeError(f"bug while reading {text!r}")


def test_api_unexpected_error_is_json_500_without_note_text_in_logs(engine, caplog):
    caplog.set_level(logging.DEBUG)
    c = TestClient(create_app(_Broken(engine)))
    err = _error(c.post("/v1/suggest", json={"text": NOTE}), 500)
    assert err["error"] == "internal_error" and err["request_id"] in err["message"]
    assert SECRET not in caplog.text and "RuntimeError" in caplog.text


# --------------------------------------------------------------------------- engine sharing and start-up
def test_api_concurrent_requests_share_one_engine(client, engine):
    notes = [EXAMPLE, NOTE, "Gait training 15 min with RW 150 ft x2.", "IFC x15 min unattended. NMR 24 min: SLS on foam."]
    expected = {(n, p): engine.suggest(n, p).to_dict() for n in notes for p in ("medicare", "commercial")}
    jobs = list(expected) * 4

    def call(job):
        return job, client.post("/v1/suggest", json={"text": job[0], "payer": job[1]}).json()

    with ThreadPoolExecutor(max_workers=8) as pool:
        for job, got in pool.map(call, jobs):
            assert got == expected[job]


def test_api_builds_the_engine_once_at_startup(monkeypatch):
    import suggester.engine

    built = []
    real = suggester.engine.Suggester

    class Counting(real):
        def __init__(self, *args, **kwargs):
            built.append(1)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(suggester.engine, "Suggester", Counting)
    app = create_app()
    assert built == []  # nothing loaded until start-up
    with TestClient(app) as c:
        assert built == [1]
        for _ in range(3):
            assert c.post("/v1/suggest", json={"text": "TherEx 10 min"}).status_code == 200
        assert c.get("/healthz").status_code == 200
    assert built == [1]


def test_api_create_app_rejects_bad_limits(engine):
    for kwargs in ({"max_body_bytes": 0}, {"max_body_bytes": "1"}, {"max_batch_notes": -1}):
        with pytest.raises(suggester.InputError, match="positive integer"):
            create_app(engine, **kwargs)


# --------------------------------------------------------------------------- the page
def test_api_serves_the_offline_page(client):
    r = client.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "connect-src 'self'" in csp
    html = r.text
    for needle in ('id="note"', 'id="payer"', 'id="submit"', 'static/app.js', 'static/app.css'):
        assert needle in html
    for asset, kind in (("app.js", "javascript"), ("app.css", "css")):
        a = client.get(f"/static/{asset}")
        assert a.status_code == 200 and kind in a.headers["content-type"]
        assert not re.search(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}/", a.text)  # nothing fetched from elsewhere
    assert not re.search(r"(?:src|href)=\"(?:https?:)?//", html)
    _error(client.get("/static/../api.py"), 404)
    _error(client.get("/static/missing.js"), 404)


# --------------------------------------------------------------------------- CLI
def test_cli_serve_help_binds_loopback_by_default():
    res = CliRunner().invoke(cli_app, ["serve", "--help"])
    assert res.exit_code == 0 and "127.0.0.1" in res.output and "8000" in res.output

"""Batch audit (issue 5): statuses, money, KX, inputs that break, atomic output and resume, CLI, engines."""

import importlib
import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import suggester
from suggester.cli import app
from suggester.evaluate import evaluate_audit, load_gold

audit_mod = importlib.import_module("suggester.audit")
runner = CliRunner()
DATA = Path(__file__).resolve().parent / "data"
NOTES = DATA / "audit_notes.csv"
CHARGES = DATA / "audit_charges.csv"
DEV = Path(__file__).resolve().parent.parent / "training_data" / "dev" / "dev_notes.jsonl"
MARKER = "Zyxwvut"  # a word that only appears in note text: must never reach an output without --include-text


def _dev(note_id):
    for line in DEV.read_text("utf-8").splitlines():
        rec = json.loads(line)
        if rec["id"] == note_id:
            return rec
    raise KeyError(note_id)


def _status(frame, note_id, code=None):
    sel = frame[(frame.note_id == note_id) & ((frame.code == code) if code else frame.code.isna())]
    return sorted(sel.status)


def _broken_csv(path: Path) -> Path:
    rows = [
        b"\xef\xbb\xbfnote_id,patient_id,date_of_service,provider,payer,billed,text\n",  # UTF-8 with BOM
        b'b1,p1,2026-01-05,Lee,medicare,97110;97140,"TherEx 23 min: SLR, bridges.\nManual 10 min: STM to knee."\n',
        b'b2,p1,2026-01-06,Lee,medicare,97110,""\n',                                        # empty text
        b'b3,p2,01/07/2026,Diaz,commercial,97116,"Gait training 15 min with RW, caf\xe9 hallway."\n',  # latin-1
        b'b4,p2,2026-01-08,Diaz,medicare,97110x;97110xtwo,"TherEx 10 min: bridges."\n',        # malformed billed
        b'b1,p3,2026-01-09,Diaz,medicare,97110,"TherEx 10 min: bridges."\n',                  # duplicate id
        b'b5,p3,2026-01-10,Diaz,medicare,99213;97762,"TherEx 12 min: bridges."\n',            # unknown / deleted code
        b'b6,p3,2026-01-12,Diaz,medicare,97110,"TherEx 12 min: bri',                          # truncated last line
    ]
    path.write_bytes(b"".join(rows))
    return path


# ------------------------------------------------------------------------------------------ statuses
def test_audit_statuses_and_money(engine):
    frame = suggester.audit(NOTES, engine=engine)
    assert list(frame.columns) == audit_mod.COLUMNS
    assert _status(frame, "a1", "97110") == ["units_over"]
    assert _status(frame, "a1", "97140") == ["supported"]
    assert _status(frame, "a2", "97116") == ["missed"]
    assert _status(frame, "a4", "97110") == ["units_under"]
    assert _status(frame, "a5", "97110") == ["unsupported"]
    assert _status(frame, "a6", "97762") == _status(frame, "a6", "99213") == _status(frame, "a6", "97014") \
        == ["invalid_code"]
    assert _status(frame, "a7", "G0283") == ["unsupported"]
    row = frame[(frame.note_id == "a7") & (frame.code == "G0283")].iloc[0]
    assert "declined" in row.reason
    missed = frame[(frame.note_id == "a2") & (frame.code == "97116")].iloc[0]
    assert missed.impact_usd == pytest.approx(28.79) and missed.fee_source == "medicare-2025"
    over = frame[(frame.note_id == "a1") & (frame.code == "97110")].iloc[0]
    assert (over.billed_units, over.documented_units, over.impact_usd) == (2, 1, pytest.approx(-29.06))
    under = frame[(frame.note_id == "a4") & (frame.code == "97110")].iloc[0]
    assert under.impact_usd == pytest.approx(29.06)
    # every input row appears; evidence offsets are "start-end"
    assert set(frame.row) == set(range(1, 8))
    assert all(a < b for ev in frame.evidence.dropna() for a, b in (map(int, s.split("-")) for s in ev.split(";")))


def test_audit_medicare_hot_pack_is_not_a_missed_charge(engine):
    frame = suggester.audit(NOTES, engine=engine)
    medicare = frame[(frame.note_id == "a2") & (frame.code == "97010")].iloc[0]
    assert medicare.status == "supported" and medicare.impact_usd == 0 and "bundled" in medicare.reason
    commercial = frame[(frame.note_id == "a3") & (frame.code == "97010")].iloc[0]
    assert commercial.status == "missed" and commercial.impact_usd == 0


def test_audit_does_not_mutate_input_and_accepts_shared_engine(engine):
    df = pd.read_csv(NOTES, dtype=str, keep_default_na=False)
    before = df.copy()
    out = audit_mod.audit(df, engine=engine)  # the HTTP service's call
    pd.testing.assert_frame_equal(df, before)
    assert len(out) and set(out.status) <= set(audit_mod.STATUSES)
    with pytest.raises(suggester.InputError, match="workers=1"):
        suggester.audit(df, engine=engine, workers=2)


def test_audit_modifiers_59_and_cq(engine):
    d2, d30, d59 = _dev("dev-002"), _dev("dev-030"), _dev("dev-059")
    df = pd.DataFrame([
        {"note_id": "m1", "text": d2["text"], "payer": "medicare", "billed": "97110;97535;97530"},
        {"note_id": "m2", "text": d2["text"], "payer": "medicare", "billed": "97110;97535-59;97530"},
        {"note_id": "m3", "text": d2["text"], "payer": "medicare", "billed": "97110-59;97535-XS;97530"},
        {"note_id": "m4", "text": d30["text"], "payer": "commercial", "billed": "97140-59;97162;97110"},
        {"note_id": "m5", "text": d59["text"], "payer": "medicare", "billed": "97110x2;97116"},
        {"note_id": "m6", "text": d59["text"], "payer": "medicare", "billed": "97110x2-CQ;97116-CQ"},
    ])
    f = suggester.audit(df, engine=engine)
    missing = f[(f.note_id == "m1") & (f.status == "modifier")]
    assert list(missing.code) == ["97535"] and "59 missing" in missing.iloc[0].reason
    assert missing.iloc[0].impact_usd == pytest.approx(-32.02)
    assert "modifier" not in set(f[f.note_id == "m2"].status)
    nopair = f[(f.note_id == "m3") & (f.status == "modifier")]
    assert list(nopair.code) == ["97110"] and "not justified" in nopair.iloc[0].reason and nopair.iloc[0].impact_usd == 0
    pt102 = f[(f.note_id == "m4") & (f.status == "modifier")].iloc[0]
    assert pt102.code == "97140" and pt102.finding_ids == "PT102" and pt102.impact_usd == pytest.approx(-27.72)
    cq = f[(f.note_id == "m5") & (f.status == "modifier")]
    assert sorted(cq.code) == ["97110", "97116"] and set(cq.finding_ids) == {"PT110"}
    assert cq.set_index("code").impact_usd["97110"] == pytest.approx(-0.15 * 29.06 * 2, abs=0.01)
    with_cq = f[(f.note_id == "m6") & (f.code == "97110")].iloc[0]
    assert with_cq.status == "supported" and with_cq.fee_usd == pytest.approx(29.06 * 0.85, abs=0.01)
    assert "modifier" not in set(f[f.note_id == "m6"].status)


# ------------------------------------------------------------------------------------------ fees and KX
def test_audit_packaged_fees_have_year_and_source():
    from suggester.fees import load_fees

    fees = load_fees()
    assert fees.unit_fee("97110", "medicare") == (29.06, "medicare-2026")
    assert fees.unit_fee("97010", "medicare")[0] == 0.0 and fees.unit_fee("20560", "medicare")[0] == 0.0
    assert fees.unit_fee("97110", "medicare", cq=True)[0] == pytest.approx(24.70, abs=0.01)
    assert fees.kx_threshold(2025) == 2410 and fees.kx_threshold(2026) == 2480
    assert fees.unit_fee("G0283", "medicare") == (None, "none")
    assert fees.describe()["source"]


def test_audit_clinic_fees_per_payer(engine, tmp_path):
    fee_file = tmp_path / "fees.csv"
    fee_file.write_text("payer,code,amount\ncommercial,97116,55.50\n,97110,40\n")
    f = suggester.audit(NOTES, engine=engine, fees=fee_file)
    a3 = f[(f.note_id == "a3") & (f.code == "97116")].iloc[0]
    assert a3.fee_usd == 55.5 and a3.fee_source == "clinic"
    a2 = f[(f.note_id == "a2") & (f.code == "97116")].iloc[0]  # medicare: not in the clinic file for this payer
    assert a2.fee_usd == pytest.approx(28.79) and a2.fee_source == "medicare-2025"
    a1 = f[(f.note_id == "a1") & (f.code == "97110")].iloc[0]  # any-payer rate
    assert a1.fee_usd == 40 and a1.impact_usd == -40
    bad = tmp_path / "bad.csv"
    bad.write_text("code,amount\n97110,forty\n")
    with pytest.raises(suggester.InputError, match="row 1: 'amount'"):
        suggester.audit(NOTES, engine=engine, fees=bad)
    with pytest.raises(suggester.InputError, match="missing required column"):
        suggester.audit(NOTES, engine=engine, fees=pd.DataFrame({"cpt": ["97110"]}))


def test_audit_kx_running_totals_by_calendar_year(engine):
    # $97 per visit: 2025 threshold $2,410 is passed by visit 25 (25 x 97 = 2425); 2026's $2,480 by visit 26.
    rows = []
    for year in (2025, 2026):
        for i in range(1, 28):
            kx = year == 2026 and i == 27
            rows.append({"note_id": f"k{year}-{i}", "patient_id": "P9", "date_of_service": f"{year}-{1 + i // 3:02d}-{1 + i % 3:02d}",
                         "payer": "medicare", "text": "TherEx 12 min: bridges 2x15, clamshells.",
                         "billed": "97110-KX" if kx else "97110"})
    rows.append({"note_id": "other", "patient_id": "P9", "date_of_service": "2026-12-30", "payer": "commercial",
                 "text": "TherEx 12 min: bridges 2x15.", "billed": "97110"})
    df = pd.DataFrame(rows).sample(frac=1, random_state=3)  # order of rows must not matter, dates do
    fees = pd.DataFrame({"payer": ["medicare"], "code": ["97110"], "amount": [97]})
    f = suggester.audit(df, engine=engine, fees=fees)
    kx = f[f.finding_ids == "PT190"]
    assert set(kx.status) == {"modifier"}
    assert sorted(kx.note_id) == sorted(["k2025-25", "k2025-26", "k2025-27", "k2026-26"])
    assert (kx.impact_usd == -97).all() and "KX" in kx.iloc[0].reason
    assert audit_mod.summarize(f)["by_status"]["modifier"] == 4


# ------------------------------------------------------------------------------------------ inputs
def test_audit_charges_table_joined_on_note_id(engine):
    f = suggester.audit(NOTES, CHARGES, engine=engine)
    assert _status(f, "a1", "97110") == ["units_over"] and _status(f, "a1", "97140") == ["supported"]
    assert _status(f, "a3", "97116") == ["missed"]  # charges replace the billed column
    orphan = f[f.source == "charges"].set_index("row")
    assert orphan.loc[3, "status"] == "error" and "no note with this note id" in orphan.loc[3, "reason"]
    assert orphan.loc[4, "note_id"] == "a4" and "whole number" in orphan.loc[4, "reason"]
    assert audit_mod.summarize(f)["failed_charges_rows"] == 2


def test_audit_missing_columns_error_names_all(engine, tmp_path):
    df = pd.DataFrame({"id": ["1"], "body": ["TherEx 10 min."]})
    with pytest.raises(suggester.InputError) as exc:
        suggester.audit(df, pd.DataFrame({"note": ["1"], "cpt": ["97110"]}), engine=engine)
    msg = str(exc.value)
    assert "'note_id'" in msg and "'text'" in msg and "'code'" in msg and "--text-col" in msg
    res = runner.invoke(app, ["audit", str(NOTES), "--out", str(tmp_path / "o.csv"), "--text-col", "body",
                              "--id-col", "nid"])
    assert res.exit_code == 2 and "'nid'" in res.output and "'body'" in res.output


def test_audit_column_name_options(engine, tmp_path):
    df = pd.read_csv(NOTES, dtype=str, keep_default_na=False).rename(
        columns={"note_id": "NoteID", "text": "Body", "payer": "Plan", "billed": "Codes"})
    f = suggester.audit(df, engine=engine, id_col="NoteID", text_col="Body", payer_col="Plan", billed_col="Codes")
    assert _status(f, "a4", "97110") == ["units_under"] and _status(f, "a3", "97010") == ["missed"]
    path = tmp_path / "renamed.tsv"
    df.rename(columns={"provider": "Therapist"}).to_csv(path, sep="\t", index=False)
    out = tmp_path / "f.csv"
    res = runner.invoke(app, ["audit", str(path), "--out", str(out), "--id-col", "NoteID", "--text-col", "Body",
                              "--payer-col", "Plan", "--billed-col", "Codes", "--provider-col", "Therapist"])
    assert res.exit_code == 0, res.output
    g = pd.read_csv(out, dtype={"code": str})
    assert set(g.provider.dropna()) == {"Lee", "Diaz"} and _status(g, "a4", "97110") == ["units_under"]


@pytest.mark.parametrize("fmt", ["csv", "tsv", "jsonl", "parquet", "csv.gz"])
def test_audit_input_formats_agree(engine, tmp_path, fmt):
    if fmt == "parquet":
        pytest.importorskip("pyarrow")
    df = pd.read_csv(NOTES, dtype=str, keep_default_na=False)
    path = tmp_path / f"notes.{fmt}"
    if fmt.startswith("csv"):
        df.to_csv(path, index=False)
    elif fmt == "tsv":
        df.to_csv(path, sep="\t", index=False)
    elif fmt == "jsonl":
        df.to_json(path, orient="records", lines=True)
    else:
        df.to_parquet(path, index=False)
    expected = suggester.audit(df, engine=engine)
    got = suggester.audit(path, engine=engine)
    pd.testing.assert_frame_equal(got, expected)


def test_audit_broken_csv_every_row_reported(tmp_path):
    path = _broken_csv(tmp_path / "broken.csv")
    out = tmp_path / "findings.csv"
    res = runner.invoke(app, ["audit", str(path), "--out", str(out)])
    assert res.exit_code == 1
    assert "4 input row(s) failed" in res.output and "status 'error'" in res.output
    f = pd.read_csv(out, dtype={"code": str, "note_id": str})
    assert sorted(set(f.row)) == list(range(1, 8))  # 7 data rows, each one in the output
    reasons = " ".join(f.reason.dropna())
    for expected in ("'text' is empty", "duplicate note_id (first seen at row 1)", "billed entry 1 ('97110x')",
                     "billed entry 2 ('97110xtwo')", "ends inside a quoted field", "read as Windows-1252"):
        assert expected in reasons
    assert _status(f, "b5", "99213") == _status(f, "b5", "97762") == ["invalid_code"]
    assert _status(f, "b3", "97116") == ["supported"]  # the latin-1 row is still audited
    assert f[f.note_id == "b3"].date_of_service.iloc[0] == "2026-01-07"  # MM/DD/YYYY understood
    assert "caf" not in out.read_text()  # no note text in the output


def test_audit_windows_line_endings_and_no_final_newline(engine, tmp_path):
    path = tmp_path / "crlf.csv"
    path.write_bytes(b'note_id,text,billed\r\nw1,"TherEx 23 min: SLR,\r\nbridges.",97110x2\r\nw2,TherEx 12 min: bridges.,97110')
    f = suggester.audit(path, engine=engine)
    assert list(f.status) == ["supported", "supported"] and list(f.row) == [1, 2]


def test_audit_broken_jsonl_every_row_reported(engine, tmp_path):
    lines = [
        "\ufeff" + json.dumps({"note_id": "j1", "text": "TherEx 23 min: SLR, bridges.", "billed": "97110x2"}),
        json.dumps({"note_id": "j2", "text": "", "billed": "97110"}),
        "",
        json.dumps({"note_id": "j3", "text": 42}),
        "[1, 2]",
        json.dumps({"note_id": "j4", "text": "Gait training 15 min, caf\u00e9", "billed": "97116"}),
        '{"note_id": "j5", "text": "TherEx 12 min: bri',
    ]
    raw = "\n".join(lines).encode("utf-8").replace("caf\u00e9".encode(), b"caf\xe9")
    path = tmp_path / "notes.jsonl"
    path.write_bytes(raw)
    f = suggester.audit(path, engine=engine)
    assert sorted(set(f.row)) == [1, 2, 3, 4, 5, 6]
    assert _status(f, "j1", "97110") == ["supported"]
    assert _status(f, "j5") == ["error"] and "not valid JSON" in f[f.note_id == "j5"].reason.iloc[0]
    assert _status(f, "j3") == ["error"] and _status(f, "j4", "97116") == ["supported"]
    assert audit_mod.summarize(f)["failed_rows"] == 4


def test_audit_unreadable_inputs_are_input_errors(engine, tmp_path):
    with pytest.raises(suggester.InputError, match="No such notes file"):
        suggester.audit(tmp_path / "none.csv", engine=engine)
    (tmp_path / "notes.xlsx").write_text("x")
    with pytest.raises(suggester.InputError, match="unknown table format"):
        suggester.audit(tmp_path / "notes.xlsx", engine=engine)
    (tmp_path / "u16.csv").write_bytes("note_id,text\n".encode("utf-16"))
    with pytest.raises(suggester.InputError, match="UTF-16"):
        suggester.audit(tmp_path / "u16.csv", engine=engine)
    with pytest.raises(suggester.InputError, match="Unknown default payer"):
        suggester.audit(NOTES, engine=engine, default_payer="acme")


# ------------------------------------------------------------------------------------------ output, resume
def _interrupt_after(monkeypatch, n):
    from suggester.audit import outputs as _audit_io

    calls = {"n": 0}
    real = _audit_io.DirParts.put

    def put(self, idx, rows):
        if calls["n"] >= n:
            raise KeyboardInterrupt
        calls["n"] += 1
        real(self, idx, rows)

    monkeypatch.setattr(_audit_io.DirParts, "put", put)


def test_audit_interrupted_run_leaves_no_output_and_resumes(engine, tmp_path, monkeypatch):
    notes = tmp_path / "notes.csv"
    df = pd.read_csv(NOTES, dtype=str, keep_default_na=False)
    df.loc[0, "text"] += f" {MARKER}"
    df.to_csv(notes, index=False)
    out = tmp_path / "findings.csv"
    out.write_text("old complete output\n")
    fresh = audit_mod.run_audit(notes, engine=engine, chunk_size=2).frame

    _interrupt_after(monkeypatch, 2)
    with pytest.raises(KeyboardInterrupt):
        audit_mod.run_audit(notes, out=out, engine=engine, chunk_size=2)
    monkeypatch.undo()
    assert out.read_text() == "old complete output\n"  # never replaced by a partial file
    parts = tmp_path / "findings.csv.parts"
    assert len(list(parts.glob("part-*.jsonl"))) == 2 and (parts / "manifest.json").exists()
    assert json.loads((parts / "manifest.json").read_text())["complete"] is False
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".partial")]
    assert MARKER not in "".join(p.read_text() for p in parts.iterdir() if p.suffix == ".jsonl")

    with pytest.raises(suggester.InputError, match="Cannot resume: chunk_size"):
        audit_mod.run_audit(notes, out=out, engine=engine, chunk_size=3, resume=True)

    seen = []
    from suggester.audit import run as audit_run  # where run_audit looks process_chunk up

    real = audit_run.process_chunk
    monkeypatch.setattr(audit_run, "process_chunk", lambda p, engine=None: seen.append(p["index"]) or real(p, engine))
    run = audit_mod.run_audit(notes, out=out, engine=engine, chunk_size=2, resume=True)
    assert sorted(seen) == [2, 3] and run.summary["resumed_chunks"] == 2 and run.summary["complete"]
    got = pd.read_csv(out, dtype={"code": str})
    expected = pd.read_csv(_write(fresh, tmp_path / "fresh.csv"), dtype={"code": str})
    pd.testing.assert_frame_equal(got, expected)
    assert not parts.exists() and MARKER not in out.read_text()


def _write(frame, path):
    frame.to_csv(path, index=False)
    return path


def test_audit_cli_resume_and_fail_on(tmp_path, monkeypatch):
    out = tmp_path / "f.jsonl"
    _interrupt_after(monkeypatch, 1)
    res = runner.invoke(app, ["audit", str(NOTES), "--out", str(out), "--chunk-size", "3"])
    assert res.exit_code == 1 and "--resume" in res.output and not out.exists()
    monkeypatch.undo()
    res = runner.invoke(app, ["audit", str(NOTES), "--out", str(out), "--chunk-size", "3", "--resume", "--json"])
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout)
    assert summary["resumed_chunks"] == 1 and summary["notes"] == 7
    assert len([json.loads(line) for line in out.read_text().splitlines()]) == summary["findings"]
    res = runner.invoke(app, ["audit", str(NOTES), "--out", str(out), "--fail-on", "missed"])
    assert res.exit_code == 1 and "--fail-on matched missed" in res.output
    res = runner.invoke(app, ["audit", str(NOTES), "--out", str(out), "--fail-on", "lost"])
    assert res.exit_code == 2 and "unknown status" in res.output


def test_audit_cli_reports_and_include_text(tmp_path):
    try:
        import pyarrow  # noqa: F401
        out = tmp_path / "f.parquet"
    except ImportError:
        out = tmp_path / "f.jsonl"
    js, page = tmp_path / "s.json", tmp_path / "r.html"
    res = runner.invoke(app, ["audit", str(NOTES), "--charges", str(CHARGES), "--out", str(out), "--summary", str(js),
                              "--html", str(page), "--include-text", "--progress"])
    assert res.exit_code == 1 and "2 input row(s) failed (0 notes, 2 charges)" in res.output
    assert "Audited 7 notes" in res.output and "Recoverable" in res.output
    f = pd.read_parquet(out) if out.suffix == ".parquet" else pd.read_json(out, lines=True, dtype=False)
    row = f[(f.note_id == "a2") & (f.code == "97116")].iloc[0]
    start, end = map(int, row.evidence.split(";")[0].split("-"))
    text = pd.read_csv(NOTES).set_index("note_id").text["a2"]
    assert row.evidence_text.split(" | ")[0] == text[start:end]
    summary = json.loads(js.read_text())
    assert summary["complete"] and summary["by_status"]["missed"] >= 4 and summary["fees"]["kx_thresholds"]["2026"] == 2480
    assert {e["provider"] for e in summary["by_provider"]} == {"Lee", "Diaz"}
    assert summary["by_month"][0]["month"] == "2026-02" and summary["top_notes"]
    html = page.read_text()
    assert html.startswith("<!DOCTYPE html>") and "<svg" in html and "Missed dollars by code" in html
    for forbidden in ("<script", "src=", "<link", "@import"):
        assert forbidden not in html


def test_audit_summarize_totals(engine):
    f = suggester.audit(NOTES, engine=engine)
    s = audit_mod.summarize(f)
    assert s["notes"] == 7 and s["findings"] == len(f) and sum(s["by_status"].values()) == len(f)
    assert s["dollars"]["recoverable"] == pytest.approx(f.impact_usd[f.impact_usd > 0].sum())
    assert s["dollars"]["at_risk"] == pytest.approx(-f.impact_usd[f.impact_usd < 0].sum())
    assert s["missed_by_code"][0]["code"] in {"97110", "97116"}
    assert s["top_notes"][0]["missed_usd"] + s["top_notes"][0]["at_risk_usd"] >= \
        s["top_notes"][-1]["missed_usd"] + s["top_notes"][-1]["at_risk_usd"]


def test_audit_package_export_is_callable_both_ways(engine):
    assert "audit" in suggester.__all__
    frame = pd.DataFrame({"note_id": ["x"], "text": ["TherEx 23 min: SLR, bridges."], "billed": ["97110x2"]})
    assert callable(suggester.audit) and callable(audit_mod)
    assert list(audit_mod(frame, engine=engine).status) == ["supported"]


def test_audit_without_billing_warns(engine):
    run = audit_mod.run_audit(pd.DataFrame({"note_id": ["x"], "text": ["TherEx 23 min: SLR, bridges."]}),
                              engine=engine)
    assert list(run.frame.status) == ["missed"] and "every documented code is reported as missed" in run.warnings[0]


# ------------------------------------------------------------------------------------------ the dev set
@pytest.mark.slow
def test_audit_dev_set_finds_removed_and_added_codes(engine):
    notes = load_gold(DEV)
    for seed in (0, 1):
        r = evaluate_audit(notes, engine=engine, seed=seed)
        assert r["removed"] >= 20 and r["added"] >= 20 and r["errors"] == 0
        assert r["missed"]["recall"] >= 0.95 and r["missed"]["precision"] >= 0.8
        assert r["unsupported"]["recall"] >= 0.95 and r["unsupported"]["precision"] >= 0.85


# ------------------------------------------------------------------------------------------ engines
@pytest.mark.slow
def test_audit_joblib_workers_match_in_process(engine, tmp_path):
    one = suggester.audit(NOTES, engine=engine, chunk_size=2)
    two = suggester.audit(NOTES, workers=2, chunk_size=2)
    pd.testing.assert_frame_equal(one, two)


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore")
def test_audit_dask_local_cluster_matches_local(engine, tmp_path):
    distributed = pytest.importorskip("distributed")
    expected = tmp_path / "local.csv"
    audit_mod.run_audit(NOTES, CHARGES, out=expected, engine=engine, chunk_size=3)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        out = tmp_path / "dask.csv"
        res = runner.invoke(app, ["audit", str(NOTES), "--charges", str(CHARGES), "--out", str(out), "--chunk-size",
                                  "3", "--engine", "dask", "--scheduler", cluster.scheduler_address])
    assert res.exit_code == 1, res.output  # the two bad charges rows
    assert out.read_text() == expected.read_text()
    res = runner.invoke(app, ["audit", str(NOTES), "--out", str(out), "--engine", "dask"])
    assert res.exit_code == 2 and "--scheduler" in res.output


def test_audit_scores_a_chunk_together_and_one_failing_note_stays_one_error_row(engine, monkeypatch):
    # the chunk's notes go through the engine as one batch; a note that breaks the engine is redone alone and
    # becomes an error row, its neighbours keep their findings
    df = pd.read_csv(NOTES, dtype=str, keep_default_na=False)
    expected = suggester.audit(df, engine=engine)
    poison = "TherEx 12 min: bridges. \u2603 this note breaks the engine"
    df.loc[len(df)] = {**{c: "" for c in df.columns}, "note_id": "boom", "text": poison, "billed": "97110x1"}
    real = type(engine)._from_docs

    def fragile(self, docs, jobs):
        if any("\u2603" in d.text for d in docs):
            raise RuntimeError("engine bug")
        return real(self, docs, jobs)

    monkeypatch.setattr(type(engine), "_from_docs", fragile)
    got = suggester.audit(df, engine=engine)
    boom = got[got.note_id == "boom"]
    assert list(boom.status) == ["error"] and "RuntimeError" in boom.iloc[0].reason
    assert poison not in boom.iloc[0].reason       # never echo note text
    rest = got[got.note_id != "boom"].reset_index(drop=True)
    pd.testing.assert_frame_equal(rest, expected.reset_index(drop=True))

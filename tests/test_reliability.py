"""Hostile input, tampered or mismatched artifacts, and patient-data hygiene (issue 8)."""

import json
import logging
import shutil
import warnings

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from suggester import InconsistentVersionWarning, ModelLoadError, ResourceError, Suggester, load_catalogue
from suggester.model import default_model_dir, load_model

CANARY = "ZZCANARY-7f3a9-PATIENT-SECRET"

_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=400)
_CLINICAL = st.lists(st.sampled_from([
    "TherEx 15 min: SLR 3x10", "Pt declined MT;", "\n", "HEP: bridges", "P: gait training next visit", " | 12 | ",
    "NMR 10'", "\u202eRTL\u202c", "\x00", "\U0001F600", "Tx:", "no-show", "x 10-12 min", "97110", ";;;", "S:", "O:",
]), max_size=30).map("".join)


def _check_result(text, d):
    json.dumps(d)
    for s in d["suggestions"]:
        assert 0.0 <= s["confidence"] <= 1.0
        for ev in s["evidence"]:
            assert 0 <= ev["start"] <= ev["end"] <= len(text) and text[ev["start"]:ev["end"]] == ev["text"]
    for n in d["not_counted"]:
        assert 0 <= n["start"] <= n["end"] <= len(text) and text[n["start"]:n["end"]] == n["text"]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=_TEXT)
def test_reliability_any_unicode_never_crashes(engine, text):
    _check_result(text, engine.suggest(text).to_dict())


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=_CLINICAL)
def test_reliability_clinical_fragments_never_crash(engine, text):
    _check_result(text, engine.suggest(text, payer="commercial").to_dict())


def test_reliability_long_line_and_size_limit(engine):
    line = "TherEx 15 min SLR bridges clamshells " * 2000  # one 74 kB line
    _check_result(line, engine.suggest(line).to_dict())
    with pytest.raises(Exception, match="limit"):
        engine.suggest("a" * 1_000_001)


def test_reliability_canary_never_logged_or_in_errors(engine, caplog, tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    note = f"Pt name {CANARY}. TherEx 20 min: SLR, bridges. Pt declined MT."
    with caplog.at_level(logging.DEBUG):
        engine.suggest(note)
        engine.suggest_many([note, ""])
        try:
            engine.suggest(note, payer="no-such-payer")
        except Exception as exc:  # noqa: BLE001
            assert CANARY not in str(exc)
        try:
            engine.suggest(note + "x" * 300_000)
        except Exception as exc:  # noqa: BLE001
            assert CANARY not in str(exc)
    assert CANARY not in caplog.text
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert CANARY not in path.read_text(errors="ignore")


def test_reliability_canary_cli(tmp_path):
    from typer.testing import CliRunner

    from suggester.cli import app

    note = tmp_path / "note.txt"
    note.write_text(f"{CANARY} TherEx 20 min: SLR.")
    res = CliRunner().invoke(app, ["suggest", str(note), "--payer", "nope"])
    assert res.exit_code == 2 and CANARY not in res.output


def _copy_model(tmp_path):
    dst = tmp_path / "model"
    shutil.copytree(default_model_dir(), dst, ignore=shutil.ignore_patterns("__init__.py", "__pycache__", "*.md"))
    return dst


def test_reliability_other_sklearn_version_warns(tmp_path):
    dst = _copy_model(tmp_path)
    card = json.loads((dst / "meta.json").read_text())
    card["versions"]["scikit-learn"] = "0.0.1"
    (dst / "meta.json").write_text(json.dumps(card))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        load_model(dst)
    hits = [w for w in caught if issubclass(w.category, InconsistentVersionWarning)]
    assert hits and "suggester train" in str(hits[0].message)


def test_reliability_truncated_artifact_refused(tmp_path):
    dst = _copy_model(tmp_path)
    data = (dst / "model.npz").read_bytes()[:1000]
    (dst / "model.npz").write_bytes(data)
    import hashlib

    digest = hashlib.sha256(data).hexdigest()
    (dst / "model.sha256").write_text(f"{digest}  model.npz\n")
    card = json.loads((dst / "meta.json").read_text())
    card["sha256"] = digest
    (dst / "meta.json").write_text(json.dumps(card))
    with pytest.raises(ModelLoadError, match="could not be loaded"):
        load_model(dst)


def test_reliability_engine_refuses_tampered_model(tmp_path):
    dst = _copy_model(tmp_path)
    (dst / "model.sha256").write_text("0" * 64 + "  model.npz\n")
    with pytest.raises(ModelLoadError, match="SHA-256"):
        Suggester(dst)


def test_reliability_corrupted_catalogue(tmp_path):
    bad = tmp_path / "catalogue.json"
    bad.write_text('{"version": "x", "codes": [')
    with pytest.raises(ResourceError, match="not valid UTF-8 JSON"):
        load_catalogue(bad)


@pytest.mark.slow
@pytest.mark.parametrize("sig", ["SIGTERM", "SIGINT"])
def test_reliability_audit_killed_mid_run_is_resumable(tmp_path, sig):
    """A real signal mid-run: no final output appears, the parts say incomplete, --resume finishes."""
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    import pandas as pd

    dev = Path(__file__).resolve().parent.parent / "training_data" / "dev" / "dev_notes.jsonl"
    recs = [json.loads(line) for line in dev.read_text().splitlines() if line.strip()]
    rows = [{"note_id": f"n{i}", "text": r["text"], "payer": r["payer"], "billed": ""} for i, r in
            enumerate(recs * 12)]
    notes = tmp_path / "notes.csv"
    pd.DataFrame(rows).to_csv(notes, index=False)
    out = tmp_path / "findings.csv"
    cmd = [sys.executable, "-m", "suggester", "audit", str(notes), "--out", str(out), "--chunk-size", "20"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    parts = tmp_path / "findings.csv.parts"
    deadline = time.time() + 120
    while time.time() < deadline and not list(parts.glob("part-*.jsonl")):
        time.sleep(0.2)
    assert list(parts.glob("part-*.jsonl")), "the audit never wrote a part file"
    proc.send_signal(getattr(signal, sig))
    proc.wait(timeout=60)
    assert proc.returncode != 0
    assert not out.exists()
    assert json.loads((parts / "manifest.json").read_text())["complete"] is False
    done = subprocess.run(cmd + ["--resume"], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-500:]
    assert pd.read_csv(out, dtype=str)["note_id"].nunique() == len(rows)
    assert not parts.exists()
    del os


def test_reliability_parquet_with_wrong_types(engine, tmp_path):
    """Numeric ids, a numeric 'text', None text and an integer 'billed' column: every row is accounted for."""
    import pandas as pd

    import suggester

    path = tmp_path / "notes.parquet"
    pd.DataFrame({"note_id": [1, 2, 3, 4],
                  "text": ["TherEx 20 min: SLR, bridges.", None, "Gait training 12 min with RW.", "12345"],
                  "payer": ["medicare", "medicare", None, "commercial"],
                  "billed": [97110, None, 97116, 97110]}).to_parquet(path, index=False)
    out = suggester.audit(path, engine=engine)
    assert set(out["note_id"].astype(str)) == {"1", "2", "3", "4"}
    assert (out[out["note_id"].astype(str) == "2"]["status"] == "error").all()
    assert CANARY not in out.to_csv()


def test_reliability_same_result_in_every_process(tmp_path):
    """Python salts string hashes per process: the result must not depend on set or dict order (which of two
    equal phrases is shown, the order of findings)."""
    import os
    import subprocess
    import sys

    note = tmp_path / "note.txt"
    note.write_text("Neuromuscular Re-education: tandem stance on foam, weight shifting, 16-18 min.\n"
                    "Neuromuscular reeducation continued with SLS.\n"
                    "Sit to stand from low mat x10 with cues, 7-9 min.\nRe-eval next week.\n")
    outs = set()
    for seed in ("1", "2", "3"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        run = subprocess.run([sys.executable, "-m", "suggester", "suggest", str(note), "--json"], env=env,
                             capture_output=True, text=True, check=True)
        outs.add(run.stdout)
    assert len(outs) == 1
    assert "97112" in next(iter(outs))

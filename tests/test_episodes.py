"""Episode checks in the audit: each patient's notes in date order (suggester.episodes), on a generated year
of visits with planted gaps (bench/episodes.py, small) and on bad episode data."""

import sys
from pathlib import Path

import pandas as pd
import pytest

from suggester.audit import run_audit

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

TX = "Daily note: TherEx 25 min with cues for form; manual therapy 10 min. Total timed 35 min. J. Rivera, PT"
EVAL = ("PHYSICAL THERAPY INITIAL EVALUATION\nDx: R knee OA. History: 8 weeks of pain; PMH: HTN.\n"
        "Objective: knee flexion 95 deg, quad 4-/5, TUG 12 s.\nAssessment: moderate complexity.\n"
        "Goals: STG 3 wks, LTG 6 wks.\nPlan of care: 2x/wk for 6 wks.\nEvaluation 97162 completed.\nJ. Rivera, PT")


@pytest.mark.slow
def test_generated_year_every_planted_gap_found(tmp_path):
    from episodes import generate, score

    notes, truth = generate(30, seed=11)
    path = tmp_path / "notes.csv"
    notes.to_csv(path, index=False)
    run_audit(path, out=tmp_path / "f.csv", workers=1, chunk_size=200)
    s = score(pd.read_csv(tmp_path / "f.csv", dtype=str), truth)
    assert all(found == n for n, found in s["planted"].values()), s["planted"]
    assert {"EP301", "EP304", "PT190"} <= set(s["planted"])
    assert s["false_share"] <= 0.02, s["false_examples"]


def _audit(engine, rows, tmp_path):
    path = tmp_path / "n.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    run = run_audit(path, out=tmp_path / "f.csv", engine=engine)
    frame = pd.read_csv(tmp_path / "f.csv", dtype=str)
    return frame[frame["status"] == "episode"], run


def test_progress_report_overdue_names_the_notes_and_dates(engine, tmp_path):
    rows = [{"note_id": "e0", "patient_id": "P1", "date_of_service": "2026-03-02", "text": EVAL,
             "certification_date": "2026-03-05"}]
    for k in range(1, 12):   # eleven treatment visits after the evaluation, no progress report
        rows.append({"note_id": f"t{k}", "patient_id": "P1", "date_of_service": f"2026-03-{2 + 2 * k:02d}",
                     "text": TX, "certification_date": "2026-03-05"})
    ep, _ = _audit(engine, rows, tmp_path)
    assert list(ep["finding_ids"]) == ["EP301"]
    reason = ep["reason"].iloc[0]
    assert "2026-03-02 to 2026-03-20" in reason and ep["note_id"].iloc[0] == "e0;t9;t10"   # day 11 is t10
    assert ep["date_of_service"].iloc[0] == "2026-03-22"


def test_bad_episode_rows_are_judged_with_what_they_have(engine, tmp_path):
    rows = [
        {"note_id": "x1", "patient_id": "P9", "date_of_service": "2026-04-10", "text": TX},
        {"note_id": "x0", "patient_id": "P9", "date_of_service": "2026-04-01", "text": EVAL},   # out of order
        {"note_id": "x2", "patient_id": "P9", "date_of_service": "2026-04-10", "text": TX},    # same day twice
        {"note_id": "x3", "patient_id": "", "date_of_service": "2026-04-12", "text": TX},      # no patient
        {"note_id": "x4", "patient_id": "P9", "date_of_service": "not a date", "text": TX},    # bad date
        {"note_id": "x5", "patient_id": "P9", "date_of_service": "04/20/2026", "text": TX},    # another format
    ]
    rows = [dict(r, certification_date="2026-04-02") for r in rows]
    ep, run = _audit(engine, rows, tmp_path)
    assert list(ep["finding_ids"]) == ["EP307"]
    assert "x3" in ep["note_id"].iloc[0] and "x4" in ep["note_id"].iloc[0]
    assert run.notes == 6


def test_table_without_certification_or_patients_is_a_warning_not_noise(engine, tmp_path):
    rows = [{"note_id": "a", "patient_id": "P1", "date_of_service": "2026-01-05", "text": EVAL},
            {"note_id": "b", "patient_id": "P1", "date_of_service": "2026-01-07", "text": TX}]
    ep, run = _audit(engine, rows, tmp_path)
    assert ep.empty and any(w.startswith("EP304") for w in run.warnings)
    ep, run = _audit(engine, [{"note_id": "a", "text": TX}], tmp_path)
    assert ep.empty and any("need patient_id and date_of_service" in w for w in run.warnings)


def test_treatment_after_discharge(engine, tmp_path):
    dc = ("DISCHARGE SUMMARY\nDx: R knee OA.\nObjective: knee flexion 125 deg, quad 5/5.\nGoals: STG - met; "
          "LTG - met.\nAssessment: goals met.\nPlan: discharge from physical therapy.\nJ. Rivera, PT")
    rows = [{"note_id": "a", "patient_id": "P1", "date_of_service": "2026-01-05", "text": EVAL},
            {"note_id": "b", "patient_id": "P1", "date_of_service": "2026-01-07", "text": TX},
            {"note_id": "c", "patient_id": "P1", "date_of_service": "2026-01-09", "text": dc},
            {"note_id": "d", "patient_id": "P1", "date_of_service": "2026-01-20", "text": TX}]
    rows = [dict(r, certification_date="2026-01-06") for r in rows]
    ep, _ = _audit(engine, rows, tmp_path)
    assert list(ep["finding_ids"]) == ["EP306"] and ep["note_id"].iloc[0] == "c;d"

"""Documentation checks (suggester.documentation): the checklist a therapist sees before signing, through the
public API, the CLI and the service. The large case set by an independent author is scored in
test_documentation_case_set (figures in bench/documentation_results.md)."""

import json
from pathlib import Path

from typer.testing import CliRunner

from suggester.cli import app

runner = CliRunner()
CASES = Path(__file__).parent / "data" / "documentation_cases.jsonl"

GOOD = ("Date of service: 04/14/2026\n"
        "S: L shoulder 3/10 today, reaching overhead easier.\n"
        "TherEx 20 min: scaption 2# 3x10 progressed from 1# as scapular control improved; rows with tactile cues to "
        "avoid shrugging.\n"
        "Manual therapy 10 min: GH posterior glides gr III to improve IR, ROM rechecked after: IR 45 -> 55 deg.\n"
        "Total timed minutes: 30. Total treatment time: 30 min.\n"
        "J. Rivera, PT, DPT")

BARE = ("S: doing ok.\n"
        "Ther ex: bike 10 min, SLR 3x10, bridges 3x10, clams 3x10.\n"
        "Pt tolerated treatment well. Continue POC.")


def _status(engine, text):
    report, _ = engine.check(text)
    return {c.id: c.status for c in report.checks}


def test_a_complete_note_passes_every_check_that_applies(engine):
    got = _status(engine, GOOD)
    assert got == {"DOC201": "pass", "DOC202": "pass", "DOC203": "pass", "DOC204": "pass", "DOC205": "n/a",
                   "DOC206": "pass", "DOC207": "pass", "DOC208": "n/a"}


def test_a_bare_exercise_list_fails_what_a_reviewer_asks_for(engine):
    report, _ = engine.check(BARE)
    got = {c.id: c.status for c in report.checks}
    assert got["DOC201"] == "fail" and got["DOC202"] == "fail" and got["DOC204"] == "fail"
    assert got["DOC206"] == "fail" and got["DOC207"] == "fail" and got["DOC203"] == "n/a"
    failed = {c.id: c for c in report.failed}
    assert "Add the total timed code treatment minutes" in failed["DOC201"].message
    assert failed["DOC201"].start == failed["DOC201"].end == len(BARE)   # where the missing line belongs
    assert report.score == 0.0


def test_minutes_that_do_not_add_up(engine):
    text = GOOD.replace("Total timed minutes: 30. Total treatment time: 30 min.",
                        "Total timed minutes: 38. Total treatment time: 35 min.")
    report, _ = engine.check(text)
    doc203 = next(c for c in report.checks if c.id == "DOC203")
    assert doc203.status == "fail" and "add up to 30 min" in doc203.message and "less than the 38" in doc203.message


def test_pta_note_needs_the_supervising_pt(engine):
    pta = GOOD.replace("J. Rivera, PT, DPT", "Electronically signed: K. Osei, PTA")
    assert _status(engine, pta)["DOC205"] == "fail"
    assert _status(engine, pta + "\nSupervising PT: J. Rivera, PT")["DOC205"] == "pass"
    unsigned = GOOD.replace("J. Rivera, PT, DPT", "Signed: K. Osei")
    assert _status(engine, unsigned)["DOC204"] == "fail"


def test_progress_report_states_goals_with_measures(engine):
    text = ("PROGRESS REPORT  visit 10  date 2026-05-02\n"
            "Goals: 1) walk 500 ft with SPC - met (620 ft today). 2) stairs reciprocal with rail - partially met.\n"
            "Objective: knee flexion 5-118 deg, quad 4+/5, TUG 9.8 sec.\n"
            "Gait training 15 min with SPC, cues for heel strike; TherEx 10 min progressed to 4 inch step-ups.\n"
            "Total timed 25 min; total treatment time 25 min.\nA. Chen, DPT")
    assert _status(engine, text)["DOC208"] == "pass"
    vague = text.replace("Goals: 1) walk 500 ft with SPC - met (620 ft today). 2) stairs reciprocal with rail - "
                         "partially met.\n", "").replace("Objective: knee flexion 5-118 deg, quad 4+/5, TUG 9.8 sec.\n",
                                                         "Doing better overall.\n")
    assert _status(engine, vague)["DOC208"] == "fail"


def test_cli_and_service_give_the_same_checklist(engine, tmp_path):
    from fastapi.testclient import TestClient

    from suggester.api import create_app

    note = tmp_path / "note.txt"
    note.write_text(BARE)
    res = runner.invoke(app, ["check", str(note), "--json"])
    assert res.exit_code == 1          # a check fails: the pre-sign hook can stop here
    cli = json.loads(res.output)
    with TestClient(create_app(engine)) as client:
        api = client.post("/v1/check", json={"text": BARE}).json()
    assert api["missing"] == cli["missing"] and api["checks"] == cli["checks"]
    assert "97110" in api["codes"]
    res = runner.invoke(app, ["check", str(note)])
    assert "FAIL DOC201" in res.output and "Add the total timed code treatment minutes" in res.output
    good = tmp_path / "good.txt"
    good.write_text(GOOD)
    assert runner.invoke(app, ["check", str(good)]).exit_code == 0


def test_documentation_case_set(engine):
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
    from documentation_checks import score

    cases = [json.loads(line) for line in CASES.read_text().splitlines() if line.strip()]
    assert len(cases) >= 150
    figures, _ = score(engine, cases)
    for cid, v in figures.items():
        assert v["precision"] >= FLOORS[cid][0] and v["recall"] >= FLOORS[cid][1], (cid, v)


# The target for every check, met on the whole case set (bench/documentation_results.md): precision and recall
# of the failures found at least 0.9.
FLOORS = {cid: (0.9, 0.9) for cid in ("DOC201", "DOC202", "DOC203", "DOC204", "DOC205", "DOC206", "DOC207",
                                      "DOC208")}

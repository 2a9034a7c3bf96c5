"""Minute attribution: each code's minutes, where they came from and the rule that linked them.
Synthetic notes written for these tests, one per rule of suggester/minutes_attribution.py."""

import pytest

CASES = [
    # id, text, code, minutes, rule
    ("block-header", "TherEx 23 min: bike 6 min, SLR 2x10, bridges 2x15.", "97110", 23, "block_header"),
    ("header-with-sub-items", "Pool session 40 min: marching 8 min, side stepping 10 min, deep water cycling 12 min, "
     "squats 10 min.", "97113", 40, "block_header"),
    ("time-names-following-service", "Spent 12 minutes of gait training with SPC on level surfaces and ramps.", "97116", 12,
     "of_service"),
    ("own-sentence", "Sit to stand transfers from low mat x10 with min A, then car transfer practice with cues for "
     "hand placement.\nRoughly 20 minutes were spent on these tasks with contact guard.", "97530", 20, "following_sentence"),
    ("single-timed-total", "Therapeutic exercise: treadmill 8 min, leg press 3x12, hamstring curls 3x12, step ups 3x10. "
     "22 minutes in all.", "97110", 22, "single_timed_total"),
    ("time-in-out", "Time in: 9:00 Time out: 9:40\nTherapeutic exercise: bridges 3x10, clamshells 3x15, SLR 3x10, "
     "wall sits 5x30s.", "97110", 40, "session_total"),
    ("flowsheet", "Intervention | Minutes | Details\nGait training | 18 | FWW 150 ft x2 CGA", "97116", 18, "table_column"),
]


@pytest.mark.parametrize("cid,text,code,minutes,rule", CASES, ids=[c[0] for c in CASES])
def test_minutes_and_their_source(engine, cid, text, code, minutes, rule):
    s = next(s for s in engine.suggest(text).recommended if s.code == code)
    assert s.minutes == minutes
    assert [m.rule for m in s.minutes_evidence] == [rule]
    for m in s.minutes_evidence:  # the span holds the time it names
        assert text[m.start:m.end].strip()
        assert str(m.minutes) in text[m.start:m.end] or m.rule in ("session_total", "single_timed_total")
    d = s.to_dict()["minutes_evidence"][0]
    assert set(d) == {"start", "end", "minutes", "rule", "confidence"}


def test_rest_break_sentence_is_not_a_service_time(engine):
    text = "Sit to stand from mat x10 with min A for hand placement.\nSeated rest break 5 min."
    s = next(s for s in engine.suggest(text).recommended if s.code == "97530")
    assert s.minutes is None


def test_cli_prints_where_minutes_came_from(tmp_path):
    from typer.testing import CliRunner

    from suggester.cli import app
    note = tmp_path / "n.txt"
    note.write_text("TherEx 23 min: bike 6 min, SLR 2x10.\nManual 10 min: STM to quads.\n")
    out = CliRunner().invoke(app, ["suggest", str(note)]).output
    assert "minutes from chars 7-13: 23 min" in out and "block_header" in out

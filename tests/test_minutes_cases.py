"""The minutes test set (tests/data/minutes_cases.jsonl): 234 notes written by an author who read only the
failure families and the unit rules, never the attribution code. Each case lists the minutes a careful coder
gives each code and its units under the Medicare pooled method and the AMA per-code rule.

The floors below are the measured figures (bench/minutes_results.md, `python bench/minutes_cases.py`);
they only go up. The target, 0.97 on all three, is the floor since 2026-12-06 (measured 0.972 on all three)."""

import json
from pathlib import Path

import pytest

from suggester.evaluate import evaluate_minutes

CASES = [json.loads(line) for line in (Path(__file__).parent / "data" / "minutes_cases.jsonl").read_text().splitlines()
         if line.strip()]
FLOORS = {"minutes_exact": 0.97, "units_exact_cms": 0.97, "units_exact_ama": 0.97}


def test_the_set_is_what_the_issue_asks_for():
    assert len(CASES) >= 200
    styles = {c["style"] for c in CASES}
    assert {"terse", "narrative", "dictated", "flowsheet", "time_in_out", "emr_template"} <= styles
    assert len({c["id"] for c in CASES}) == len(CASES)


@pytest.mark.slow
def test_minutes_and_units_on_the_independent_set(engine):
    report = evaluate_minutes(engine, CASES)
    for key, floor in FLOORS.items():
        assert report[key] >= floor, (key, report[key], report["by_family"])

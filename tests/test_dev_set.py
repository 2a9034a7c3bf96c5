"""The README's dev-set figures, recomputed (slow: runs all dev notes)."""

from pathlib import Path

import pytest

from suggester.evaluate import evaluate, load_gold

DEV = Path(__file__).resolve().parent.parent / "training_data" / "dev" / "dev_notes.jsonl"


@pytest.mark.slow
def test_dev_set_quality(engine):
    notes = load_gold(DEV)
    assert len(notes) >= 60
    report = evaluate(engine, notes)
    assert report["micro_f1"] >= 0.95
    assert report["no_code_notes_clean"] == report["no_code_notes"]

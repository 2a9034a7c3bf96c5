"""suggester.analysis: the tables behind the notebooks."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from suggester import load_catalogue
from suggester.analysis import (NOT_IN_GOLD, NOT_PREDICTED, code_confusion, code_sets, corpus_frame, corpus_summary,
                                expected_calibration_error, label_counts, match_injected, predict_notes,
                                reliability_table, suggestion_frame, synthetic_billing, top_terms,
                                unexpected_findings)
from suggester.errors import InputError
from suggester.evaluate import evaluate, load_gold, score_sets
from suggester.model import load_corpus

ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT / "training_data" / "dev" / "dev_notes.jsonl"
FIVE = ["97110", "97112", "97530", "97116", "97140"]


def _write(path: Path, records: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n\n", "utf-8")


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


@pytest.fixture()
def small_corpus(tmp_path, catalogue):
    _write(tmp_path / "sentences" / "b_procs.jsonl", [
        {"text": "TherEx 10 min: SLR, bridges", "codes": ["97110"], "style": "shorthand"},
        {"text": "Gait 12 min with SPC", "codes": ["97116", "97530"], "style": "narrative"},
    ])
    _write(tmp_path / "sentences" / "a_none.jsonl", [{"text": "Pt reports pain 4/10", "codes": [], "kind": "subjective"}])
    return corpus_frame(tmp_path, catalogue)


# ------------------------------------------------------------------------------------------ corpus
def test_corpus_frame_follows_load_corpus(small_corpus, tmp_path, catalogue):
    texts, ys, _ = load_corpus(tmp_path, catalogue)
    assert list(small_corpus["text"]) == texts
    assert list(small_corpus["codes"]) == [tuple(y) for y in ys]
    head = small_corpus.iloc[:3]
    assert list(head["source"]) == ["a_none", "b_procs", "b_procs"]
    assert head["kind"].iloc[0] == "subjective" and head["kind"].iloc[1:].isna().all()
    assert head["style"].iloc[0:1].isna().all() and list(head["style"].iloc[1:]) == ["shorthand", "narrative"]
    assert list(head["codes"]) == [(), ("97110",), ("97116", "97530")]
    assert list(head["n_codes"]) == [0, 1, 2]
    assert head["n_words"].tolist() == [4, 5, 5]
    rest = small_corpus.iloc[3:]
    assert len(rest) > 0 and set(rest["source"]) == {"catalogue_examples"}


def test_corpus_frame_on_shipped_data_matches_model_card(engine):
    corpus = corpus_frame(ROOT / "training_data", engine.catalogue)
    assert len(corpus) == engine.model_card["n_segments"]
    assert int((corpus["n_codes"] == 0).sum()) == engine.model_card["n_without_code"]
    counts = label_counts(corpus)
    assert counts["total"].to_dict() == engine.model_card["label_counts"]


def test_corpus_frame_missing_dir_is_input_error(tmp_path):
    with pytest.raises(InputError):
        corpus_frame(tmp_path / "nope")


def test_label_counts(small_corpus, catalogue):
    counts = label_counts(small_corpus.iloc[:3], catalogue)
    assert list(counts.index) == ["97110", "97116", "97530"]
    assert counts.loc["97116", "total"] == 1 and counts.loc["97116", "b_procs"] == 1
    assert counts.loc["97110", "label"] == catalogue["97110"].label
    assert counts.loc["97110", "category"] == catalogue["97110"].category
    assert label_counts(small_corpus.iloc[:1]).empty


def test_corpus_summary(small_corpus):
    s = corpus_summary(small_corpus)
    assert s["segments"] == len(small_corpus)
    assert s["from_sentence_files"] == 3
    assert s["catalogue_examples"] == len(small_corpus) - 3
    assert s["files"] == ["a_none", "b_procs"]
    assert s["without_code"] == 1 and s["with_two_or_more_codes"] == 1
    assert s["styles"] == {"shorthand": 1, "narrative": 1} and s["kinds"] == {"subjective": 1}
    json.dumps(s)  # plain types only


def test_top_terms_prefers_distinctive_words():
    corpus = pd.DataFrame({
        "text": ["glides to knee 10 min", "glides and STM 8 min", "bike 10 min", "bike 6 min the", "pain 10 min"],
        "codes": [("97140",), ("97140",), ("97110",), ("97110",), ()],
    })
    t = top_terms(corpus, ["97140", "97110", "99999"], n=3)
    first = t.groupby("code").first()["term"].to_dict()
    assert first == {"97140": "glides", "97110": "bike"}
    assert "min" not in set(t["term"]) or t.set_index(["code", "term"]).loc[("97140", "min"), "rank"] > 1
    assert "the" not in set(t["term"])                       # English stop word
    assert set(t[t.code == "97140"]["term"]) <= {"glides", "min"}  # stm, knee are in only one segment
    row = t[(t.code == "97140") & (t.term == "glides")].iloc[0]
    assert row["share_in_code"] == 1.0 and row["share_elsewhere"] == 0.0
    assert list(t.columns) == ["code", "rank", "term", "share_in_code", "share_elsewhere", "score"]


# ---------------------------------------------------------------------------------------- confusion
def test_code_confusion_rows_sum_to_support():
    gold = [{"97110", "97140"}, {"97112"}, {"97530"}, {"97116"}, set(), {"97110", "97010"}]
    pred = [{"97110", "97140"}, {"97530"}, {"97112", "97110"}, set(), {"97116"}, {"97110"}]
    m = code_confusion(gold, pred, FIVE)
    assert list(m.index) == FIVE + [NOT_IN_GOLD] and list(m.columns) == FIVE + [NOT_PREDICTED]
    assert m.loc["97110", "97110"] == 2 and m.loc["97140", "97140"] == 1
    assert m.loc["97112", "97530"] == 1                     # 97112 billed as 97530
    assert m.loc["97530", "97112"] == 0.5 and m.loc["97530", "97110"] == 0.5  # split over two wrong codes
    assert m.loc["97116", NOT_PREDICTED] == 1
    assert m.loc[NOT_IN_GOLD, "97116"] == 1                 # predicted in a note with no listed gold missed
    support = {c: sum(c in g for g in gold) for c in FIVE}
    assert m.loc[FIVE].sum(axis=1).to_dict() == support
    assert "97010" not in m.index and "97010" not in m.columns


def test_code_confusion_length_mismatch():
    with pytest.raises(InputError):
        code_confusion([set()], [], FIVE)


# -------------------------------------------------------------------------------------- calibration
def test_reliability_table_and_ece_known_values():
    conf = [0.05, 0.15, 0.95, 1.0, 0.0, 0.95]
    out = [0, 1, 1, 1, 0, 0]
    t = reliability_table(conf, out, bins=10)
    assert len(t) == 10 and t["n"].sum() == 6
    assert t.loc[0, "n"] == 2 and t.loc[1, "n"] == 1 and t.loc[9, "n"] == 3   # 1.0 is in the last bin
    assert np.isnan(t.loc[5, "mean_confidence"])
    assert t.loc[9, "fraction_correct"] == pytest.approx(2 / 3)
    # |0.025-0| * 2 + |0.15-1| * 1 + |0.9667-0.6667| * 3, over 6
    assert expected_calibration_error(conf, out, bins=10) == pytest.approx((0.05 + 0.85 + 0.9) / 6, abs=1e-6)
    assert expected_calibration_error([0.9, 0.9, 0.1, 0.1], [1, 1, 0, 0]) == pytest.approx(0.1)
    assert expected_calibration_error([], []) == 0.0


def test_ece_matches_the_benchmark_definition():
    rng = np.random.default_rng(0)
    conf = rng.random(500)
    out = rng.random(500) < conf ** 2
    edges = np.linspace(0, 1, 11)
    total = 0.0
    for lo, hi in zip(edges[:-1], edges[1:]):
        m = (conf >= lo) & (conf < hi if hi < 1 else conf <= hi)
        if m.any():
            total += m.sum() / len(conf) * abs(conf[m].mean() - out[m].mean())
    assert expected_calibration_error(conf, out) == pytest.approx(total, abs=1e-6)


@pytest.mark.parametrize("conf,out,bins", [([0.5], [1, 0], 10), ([1.5], [1], 10), ([float("nan")], [1], 10),
                                           ([0.5], [1], 0)])
def test_reliability_rejects_bad_input(conf, out, bins):
    with pytest.raises(InputError):
        reliability_table(conf, out, bins=bins)


# ------------------------------------------------------------------------------------- predictions
def test_predictions_agree_with_evaluate(engine):
    notes = load_gold(DEV)[:12]
    results = predict_notes(engine, notes)
    gold, pred = code_sets(notes, results)
    report = evaluate(engine, notes)
    scored = score_sets(gold, pred)
    assert scored["per_code"] == report["per_code"] and scored["micro_f1"] == report["micro_f1"]
    frame = suggestion_frame(notes, results)
    assert len(frame) == sum(len(r.suggestions) for r in results)
    assert frame["recommended"].sum() == sum(len(p) for p in pred)
    first = frame[frame.note_id == notes[0]["id"]]
    assert set(first[first.recommended].code) == pred[0]
    assert all(row.in_gold == (row.code in gold[0]) for row in first.itertuples())
    assert frame["confidence"].between(0, 1).all()
    with pytest.raises(InputError):
        code_sets(notes, results[:-1])
    with pytest.raises(InputError):
        suggestion_frame(notes[:-1], results)


# --------------------------------------------------------------------------------- synthetic batch
def test_synthetic_billing_without_errors_bills_gold():
    notes = load_gold(DEV)[:10]
    batch, changes = synthetic_billing(notes, drop_rate=0, add_rate=0, modifiers=("GP",))
    assert changes.empty and list(batch.columns) == ["note_id", "text", "payer", "billed"]
    assert list(batch["note_id"]) == [n["id"] for n in notes]
    for i, note in enumerate(notes):
        expected = ";".join(f"{g['code']}{'x' + str(g['units']) if g['units'] and g['units'] > 1 else ''}-GP"
                            for g in note["gold"] if g["units"] != 0)
        assert batch.loc[i, "billed"] == expected and batch.loc[i, "payer"] == note["payer"]


def test_synthetic_billing_only_injects_real_errors(catalogue):
    notes = [
        {"id": "m", "payer": "medicare", "text": "x", "gold": [
            {"code": "97010", "minutes": 10, "units": 1},     # bundled for Medicare: not billing it is no error
            {"code": "97110", "minutes": 23, "units": 2},
            {"code": "97140", "minutes": 6, "units": 0}]},    # 0 units: never billed
        {"id": "c", "payer": "commercial", "text": "y", "gold": [{"code": "97010", "minutes": 10, "units": 1}]},
    ]
    batch, changes = synthetic_billing(notes, drop_rate=1, add_rate=1, add_codes=("G0283", "97110", "97112"),
                                       catalogue=catalogue)
    removed = set(zip(*changes[changes.change == "removed"][["note_id", "code"]].to_numpy().T))
    assert removed == {("m", "97110"), ("c", "97010")}            # 97010 stays billed for Medicare
    assert changes.set_index(["note_id", "code"]).loc[("m", "97110"), "units"] == 2
    added = dict(changes[changes.change == "added"][["note_id", "code"]].to_numpy())
    assert added["m"] in {"G0283", "97112"} and added["c"] in {"97110", "97112"}  # no G-code off Medicare
    assert list(batch["billed"]) == [f"97010;{added['m']}", added["c"]]     # 0-unit 97140 never billed


def test_synthetic_billing_injects_known_errors_reproducibly():
    notes = load_gold(DEV)
    batch, changes = synthetic_billing(notes, drop_rate=0.3, add_rate=0.5, seed=3)
    again, changes2 = synthetic_billing(notes, drop_rate=0.3, add_rate=0.5, seed=3)
    pd.testing.assert_frame_equal(batch, again)
    pd.testing.assert_frame_equal(changes, changes2)
    assert set(changes["change"]) == {"removed", "added"}
    gold = {n["id"]: {g["code"] for g in n["gold"]} for n in notes}
    billed = {r.note_id: {e.split("x")[0].split("-")[0] for e in r.billed.split(";") if e} for r in batch.itertuples()}
    for row in changes.itertuples():
        if row.change == "removed":
            assert row.code in gold[row.note_id] and row.code not in billed[row.note_id]
            assert row.expected_status == "missed"
        else:
            assert row.code not in gold[row.note_id] and row.code in billed[row.note_id]
            assert row.expected_status == "unsupported"
    everything, dropped = synthetic_billing(notes, drop_rate=1, add_rate=0)
    commercial = [n["id"] for n in notes if n["payer"] == "commercial"]
    assert (everything.set_index("note_id").loc[commercial, "billed"] == "").all()
    assert len(dropped) == len(set(zip(dropped.note_id, dropped.code)))
    with pytest.raises(InputError):
        synthetic_billing(notes, drop_rate=1.5)


def test_match_injected():
    changes = pd.DataFrame({"note_id": ["a", "a", "b"], "code": ["97110", "97530", "97140"],
                            "change": ["removed", "added", "removed"],
                            "expected_status": ["missed", "unsupported", "missed"], "units": [1, 1, 2]})
    rows = pd.DataFrame({"note_id": ["a", "a", "b", "b"], "code": ["97110", "97530", "97112", "97140"],
                         "status": ["missed", "supported", "supported", "missed"]})
    out = match_injected(rows, changes)
    assert list(out["found_status"]) == ["missed", "supported", "missed"]
    assert list(out["detected"]) == [True, False, True]
    out = match_injected(rows.iloc[:1], changes)
    assert out.loc[2, "found_status"] is None and not out.loc[2, "detected"]


def test_unexpected_findings():
    changes = pd.DataFrame({"note_id": ["a"], "code": ["97110"], "change": ["removed"],
                            "expected_status": ["missed"], "units": [1]})
    rows = pd.DataFrame({"note_id": ["a", "a", "b", "b"], "code": ["97110", "97530", "97110", "97140"],
                         "status": ["missed", "unsupported", "supported", "missed"]})
    assert unexpected_findings(rows, changes)[["note_id", "code"]].values.tolist() == [["a", "97530"], ["b", "97140"]]
    assert unexpected_findings(rows, changes, statuses=("missed",))["code"].tolist() == ["97140"]

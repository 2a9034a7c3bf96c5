"""Learning from a clinic's corrections: reading them, labelling segments by evidence alignment, the store's
corrections and model registry (SQLite and PostgreSQL), and the gate's refusal."""

import json

import pytest

from suggester.catalogue import load_catalogue
from suggester.errors import InputError
from suggester.learning import Correction, align, read_corrections, split_held_back
from suggester.review import ConflictError, PermissionError_, open_store
from suggester.review.registry import (active_model, import_corrections, list_models, load_corrections, promote,
                                       register_model, rollback)

NOTE = ("S: knee stiff after stairs.\nTherEx 20 min: quad sets, SLR 3x10, mini squats.\n"
        "Worked on sit to stand from low chair and car transfer practice x 12 min.\n"
        "Plan: add gait training next visit.\nJ. Doe, PT")


def test_read_corrections_reports_every_bad_line_and_takes_records_whole():
    lines = [
        json.dumps({"note_id": "a", "text": NOTE, "payer": "medicare", "codes": [{"code": "97110", "units": 1},
                                                                               {"code": "97530", "units": 1}]}),
        "{not json",
        json.dumps({"note_id": "b", "text": "", "codes": []}),
        json.dumps({"note_id": "c", "text": NOTE, "codes": [{"code": "97110"}, {"code": "99999"}]}),
        json.dumps({"note_id": "d", "text": NOTE, "codes": [{"code": "97110", "units": -1}]}),
        json.dumps({"note_id": "a", "text": NOTE, "codes": []}),
        json.dumps({"note_id": "e", "text": NOTE, "codes": ["97110"], "rejected": ["97140"], "payer": "Acme"}),
        "",
        json.dumps({"note_id": "f", "text": NOTE, "codes": ["97110"], "rejected": ["97140"]}),
    ]
    ok, errors = read_corrections(lines, load_catalogue())
    assert [c.note_id for c in ok] == ["a", "f"]
    assert ok[0].codes == {"97110": 1, "97530": 1} and ok[1].rejected == ("97140",)
    by_line = {e["line"]: e["message"] for e in errors}
    assert by_line[2] == "not valid JSON" and "no 'text'" in by_line[3] and "unknown code '99999'" in by_line[4]
    assert "0..99" in by_line[5] and "twice" in by_line[6] and "unknown payer" in by_line[7]
    assert 8 not in by_line and len(errors) == 6


def test_align_labels_performed_clauses_with_the_final_codes(engine):
    corr = Correction("n1", NOTE, codes={"97110": 1, "97530": 1})
    segs = align(engine, corr)
    labelled = {text: labels for text, labels in segs}
    assert any("quad sets" in s and labels == ("97110",) for s, labels in labelled.items())
    assert any("sit to stand" in s and "97530" in labels for s, labels in labelled.items())
    assert not any("gait training next visit" in s for s in labelled)         # a plan: left out
    # A rejected suggestion's evidence becomes a negative; a code the engine never saw labels its best clause.
    corr2 = Correction("n2", NOTE, codes={"97110": 1, "97535": 1}, rejected=("97530",))
    segs2 = dict(align(engine, corr2))
    assert all("97530" not in labels for labels in segs2.values())
    assert sum("97535" in labels for labels in segs2.values()) == 1


def test_held_back_split_is_stable():
    corr = [Correction(f"note-{i}", NOTE) for i in range(200)]
    train, held = split_held_back(corr, 0.25)
    assert 30 <= len(held) <= 70 and len(train) + len(held) == 200
    train2, held2 = split_held_back(corr[:100] + [Correction("new", NOTE)] + corr[100:], 0.25)
    assert {c.note_id for c in held} <= {c.note_id for c in held2}


def test_corrections_and_model_registry_in_the_store(review_url, engine, tmp_path):
    store = open_store(review_url)
    _, admin = store.add_user("ana", "admin")
    _, bo = store.add_user("bo", "reviewer", token=admin)
    corr = [Correction("imp-1", NOTE, codes={"97110": 1})]
    with pytest.raises(InputError, match="store-text on"):
        import_corrections(store, bo, corr)
    store.set_setting("store_text", "on", token=admin)
    assert import_corrections(store, bo, corr) == {"added": 1, "replaced": 0}
    assert import_corrections(store, bo, [Correction("imp-1", NOTE, codes={"97110": 2})]) == {"added": 0, "replaced": 1}
    # A reviewed note counts once every code is decided.
    view = store.submit_note(bo, engine, note_id="rev-1", text=NOTE)
    codes = [i["code"] for i in view["items"]]
    assert [c.note_id for c in load_corrections(store, bo)] == ["imp-1"]
    for i, code in enumerate(codes):
        store.decide(bo, "rev-1", code, "reject" if i else "accept", version=1, reason="not skilled")
    store.decide(bo, "rev-1", "97535", "add", units=1)
    got = {c.note_id: c for c in load_corrections(store, bo)}
    assert got["imp-1"].codes == {"97110": 2}
    assert got["rev-1"].codes == {codes[0]: view["items"][0]["units"], "97535": 1}
    assert set(got["rev-1"].rejected) == set(codes[1:])

    # Registry: a refused candidate cannot be promoted; promotion is admin-only; rollback walks back.
    for name in ("m1", "m2", "bad"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "meta.json").write_text("{}")
    passed = {"passed": True, "reasons": [], "figures": {}}
    register_model(store, bo, version="m@1", path=tmp_path / "m1", card={"corrections": {"count": 2}}, gate=passed)
    register_model(store, bo, version="m@2", path=tmp_path / "m2", card={}, gate=passed)
    register_model(store, bo, version="bad@3", path=tmp_path / "bad", card={},
                   gate={"passed": False, "reasons": ["hold-out falls"], "figures": {}})
    with pytest.raises(ConflictError):
        register_model(store, bo, version="m@1", path=tmp_path / "m1", card={}, gate=passed)
    assert [m["status"] for m in list_models(store, bo)] == ["candidate", "candidate", "refused"]
    with pytest.raises(InputError, match="refused by the gate .hold-out falls"):
        promote(store, admin, "bad@3")
    with pytest.raises(PermissionError_):
        promote(store, bo, "m@1")
    promote(store, admin, "m@1")
    promote(store, admin, "m@2")
    assert active_model(store)["version"] == "m@2"
    assert rollback(store, admin)["version"] == "m@1"
    assert rollback(store, admin) is None and active_model(store) is None
    with pytest.raises(InputError, match="nothing to roll back"):
        rollback(store, admin)
    statuses = {m["version"]: m["status"] for m in list_models(store, bo)}
    assert statuses == {"m@1": "rolled_back", "m@2": "rolled_back", "bad@3": "refused"}
    report = store.report(bo)
    assert [m["version"] for m in report["model_versions"]] == ["m@1", "m@2", "bad@3"]
    store.close()


def test_an_older_store_must_be_migrated(tmp_path):
    from alembic import command
    from sqlalchemy import create_engine

    from suggester.review import StoreError
    from suggester.review.store import ReviewStore, alembic_config

    url = f"sqlite:///{tmp_path / 'old.db'}"
    open_store(url).close()
    eng = create_engine(url)
    with eng.begin() as conn:
        command.downgrade(alembic_config(conn), "0001")
    eng.dispose()
    with pytest.raises(StoreError, match="older schema .'0001'"):
        open_store(url)
    assert ReviewStore.migrate(url) == "0002"
    open_store(url).close()


def test_learn_phrases_finds_the_clinics_own_names(engine):
    from suggester.learning import learn_phrases

    segs = []
    for i in range(4):
        segs.append((f"FxTr block [{10 + i}] sit<>stand from mat, car xfer sim", ("97530",), f"n{i}"))
        segs.append((f"Core-6 series [{8 + i}] dead bugs, bird dogs", ("97110",), f"n{i}"))
        segs.append(("Therapeutic exercise 10 min", ("97110",), f"n{i}"))      # a catalogue phrase: known already
        segs.append(("TODAY'S TX reviewed with pt", (), f"n{i}"))
    segs.append(("bird dogs in HEP only", (), "n9"))                             # 'bird dogs' also outside 97110
    segs.append(("clamshells 2x10", ("97110",), "n1"))
    segs.append(("clamshells 2x15", ("97110",), "n2"))                           # only two notes: not learned
    learned = learn_phrases(segs, engine.phrases, min_notes=3, min_precision=0.9, max_per_code=10)
    assert learned.get("fxtr block") == "97530" or learned.get("fxtr") == "97530"
    assert any(k.startswith("core") and v == "97110" for k, v in learned.items())
    assert "bird dogs" not in learned and "clamshells" not in learned
    assert not any("therapeutic exercise" in k for k in learned)
    assert not any(k.startswith("today") for k in learned)
    assert not any(" " + k + " " in " " + j + " " for k in learned for j in learned if k != j and learned[k] == learned[j])


def test_learn_sections_finds_the_clinics_plan_line(engine):
    from suggester.learning import _aligned, learn_sections

    notes = []
    for i in range(4):
        text = (f"TODAY'S TX:\n▪ TE-blk [{12 + i}] — mini squats 3x10, step-ups\n"
                f"▪ Gait training [{8 + i}] with cane, 150 ft x2\nON DECK: gait training on stairs, add manual therapy\n"
                "PT RESPONSE: tolerated well\ne-sig ▸ J. Doe, PT")
        notes.append(Correction(f"n{i}", text, codes={"97110": 1, "97116": 1}))
    spans = {c.note_id: _aligned(engine, c) for c in notes}
    known = set(engine.nlp.get_pipe("suggester_sections")._by_literal)
    learned = learn_sections(notes, spans, known, lambda t: bool(engine.phrases.find(t)), min_notes=3)
    assert learned == {"on deck": "clinic_non_service"}
    assert learn_sections(notes[:2], spans, known, lambda t: bool(engine.phrases.find(t)), min_notes=3) == {}


def test_a_model_card_brings_the_clinics_phrases_and_sections(tmp_path):
    import shutil

    from suggester import Suggester
    from suggester.model import default_model_dir

    note = "TODAY'S TX:\n▪ FxTr [12] — floor-to-waist crate lifts, pivot turns\nON DECK: FxTr bus step drills\n"
    shipped = Suggester()
    assert "97530" not in shipped.suggest(note).codes
    clinic = tmp_path / "clinic"
    shutil.copytree(default_model_dir(), clinic)
    card = json.loads((clinic / "meta.json").read_text())
    card.update(clinic_phrases={"fxtr": "97530"}, clinic_sections={"on deck": "clinic_non_service"})
    (clinic / "meta.json").write_text(json.dumps(card))
    clinic_engine = Suggester(clinic)
    assert clinic_engine.phrases.find("FxTr [12]")[0][2:] == ("fxtr", {"97530"})   # the clinic's name is a phrase
    assert not shipped.phrases.find("FxTr [12]")
    result = clinic_engine.suggest(note)
    assert "97530" in {s.code for s in result.suggestions}           # a candidate now (a retrained model decides)
    # and the ON DECK line is that clinic's plan: mentioned, not counted
    assert any(n.code == "97530" and n.reason == "clinic_non_service" and "bus step" in n.text for n in result.not_counted)
    assert not any(n.reason == "clinic_non_service" for n in shipped.suggest(note).not_counted)

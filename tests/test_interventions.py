"""The intervention lexicon: validated packaged data, hyphen/plural-insensitive matching, used as evidence."""

import pytest

from expect import minutes_of
from suggester.errors import ResourceError
from suggester.interventions import _validate_part, load_interventions


def test_packaged_lexicon_is_valid_and_broad():
    lex = load_interventions()
    assert len(lex) >= 1300
    kinds = {e.kind for e in lex.entries}
    assert {"exercise", "activity", "technique", "test", "device", "modality"} <= kinds or len(kinds) >= 5
    # tests and bare devices support no code
    assert all(e.code is None for e in lex.entries if e.kind == "device")


@pytest.mark.parametrize("text,code", [
    ("sit-to-stand from low mat x10", "97530"),
    ("sit to stand from low mat x10", "97530"),
    ("stair training with 1 rail", "97116"),
    ("grade III PA glides L4", "97140"),
])
def test_names_match_whatever_the_hyphens_and_plurals(text, code):
    hits = load_interventions().find(text)
    assert any(e.code == code for _, _, e in hits), [(text[a:b], e.code) for a, b, e in hits]


def test_lexicon_name_is_evidence_phrase(engine):
    result = engine.suggest("Pt performed stair training with 1 rail, reciprocal pattern, CGA x 12 min.")
    s = next(s for s in result.recommended if s.code == "97116")
    assert any(e.phrases for e in s.evidence)


@pytest.mark.parametrize("part,message", [
    ({"families": {}, "entries": [{"name": "x", "family": "nope"}]}, "not defined"),
    ({"families": {"f": {"kind": "exercise", "rule": "r", "code": "99999"}}, "entries": []}, "not in the catalogue"),
    ({"families": {"f": {"kind": "dance", "rule": "r", "code": None}}, "entries": []}, "kind"),
    ({"families": {"f": {"kind": "exercise", "rule": "r", "code": None}}, "entries": [{"name": "a", "family": "f",
                                                                                         "variants": "b"}]}, "list"),
    ([], "expected an object"),
])
def test_malformed_parts_are_refused_with_the_reason(part, message):
    with pytest.raises(ResourceError, match=message):
        _validate_part(part, "test part", {"97110"})


@pytest.mark.parametrize("note", [
    "Practised getting in and out of the car in the parking lot with his walker, cues for hand placement and leading "
    "with his hips, 3 trials, CGA -> SBA. About 15 minutes on this.",
    "We worked on getting up from the low couch in the ADL room, scooting forward first and pushing from the arm, "
    "5 reps with SBA, 12 min.",
])
def test_plain_words_for_car_and_couch_transfers_document_therapeutic_activities(engine, note):
    assert "97530" in engine.suggest(note, payer="commercial").codes


def test_body_weight_supported_treadmill_documents_gait_training(engine):
    note = "Body weight supported treadmill, 30% offload, 1.4 mph, manual assist at R knee for stance; 20 minutes."
    assert "97116" in engine.suggest(note, payer="commercial").codes


@pytest.mark.parametrize("note,code,minutes", [
    ("Pt with L CVA.\nAt the counter: shifting weight onto the R leg and holding, then standing on one leg with "
     "fingertip support, 12 min.", "97112", 12),
    ("Practised getting up from the chair with arms crossed, then getting out of the recliner, 10 min.", "97530", 10),
])
def test_plain_words_for_balance_and_transfers_back_the_code_the_line_reads_as(engine, note, code, minutes):
    """'shifting weight', 'standing on one leg', 'getting up from the chair' are the plain forms of lexicon names
    (weight shifting, single leg stance, chair transfer): supporting names, they back the code the line already reads
    as, so a plainly worded line with its own time is documented."""
    assert minutes_of(engine, note) == {code: minutes}


def test_a_plain_balance_name_does_not_make_an_exam_finding_a_service(engine):
    """The same plain names in a balance finding ('unable to stand on one leg') document nothing."""
    note = "Balance: unable to stand on one leg more than 2 s on the R, 6 s on the L. Pt reports fear of falling."
    assert engine.suggest(note).codes == []


def test_a_run_of_exercise_names_before_another_service_in_one_sentence_documents_the_exercise(engine):
    """'Performed clamshells, side planks, hip abd SL, plus STM to R ITB/TFL': the sentence reads as manual therapy,
    but the run of exercise names before it reads as exercise on its own, so both are documented (the one total is
    shared, so neither gets it)."""
    note = ("Pt w/ R lateral hip pain. Performed clamshells, side planks, hip abd SL, plus STM to R ITB/TFL & glute med. "
            "Total tx time 38 min.")
    assert minutes_of(engine, note, payer="commercial") == {"97110": None, "97140": None}


@pytest.mark.parametrize("note,code", [
    ("Aquatic therapy 30 min: clamshells at the wall, side steps, marching, squats in chest-deep water.", "97113"),
    ("Group: clamshells, bridges, marching with 3 other pts, 30 min.", "97150"),
])
def test_exercise_names_inside_a_session_that_covers_them_stay_its_items(engine, note, code):
    assert engine.suggest(note, payer="commercial").codes == [code]


@pytest.mark.parametrize("note,code,minutes", [
    ("Cardio: upright bike at a steady pace, RPE 12/20 - 14 min.", "97110", 14),
    ("In the pool: noodle under the arms, cycling legs and trunk twists, 20 min.", "97113", 20),
])
def test_ambiguous_names_back_their_code_where_the_line_reads_as_it(engine, note, code, minutes):
    """'upright bike', 'noodle': names kept out of the evidence phrases because they may belong to another
    service (or to none), yet on a line that already reads as their code they name it, so the line's time is its."""
    assert minutes_of(engine, note, payer="commercial") == {code: minutes}


@pytest.mark.parametrize("note,minutes", [
    ("Bad Ragaz ring method for trunk side-bending and rotation patterns, therapist stabilising at the pelvis, 25 min.",
     {"97113": 25}),
    ("Halliwick work on rotation control and breath control, then DWR intervals with the float belt - 30 min total.",
     {"97113": 30}),
])
def test_names_that_only_happen_in_a_pool_document_aquatic_therapy(engine, note, minutes):
    """Aquatic techniques ('Bad Ragaz', 'Halliwick', 'DWR') name the pool wherever they stand, even in a sentence
    the model reads as land exercise (engine.json intervention_phrases.full_families)."""
    assert minutes_of(engine, note, payer="commercial") == minutes


@pytest.mark.parametrize("note,minutes", [
    ("Pool 10:00-10:28: heel and toe walking, knee bends at the wall with a cuff weight, marching, side steps.",
     {"97113": 28}),
    ("1015-1040 pool: forward and backward walking, step ups on the submerged bench, mini squats.", {"97113": 25}),
])
def test_a_block_headed_pool_with_its_time_is_aquatic_therapy(engine, note, minutes):
    """'Pool' heads the block with its own time: the exercises listed under it were done in the water (engine.json
    block_heading_names), though 'pool' alone is no evidence phrase."""
    assert minutes_of(engine, note, payer="commercial") == minutes


def test_a_pool_word_that_heads_nothing_names_no_service(engine):
    note = "Pool closed for maintenance. Treated on land: bridges, clamshells, side planks, 18 min."
    assert minutes_of(engine, note, payer="commercial") == {"97110": 18}


def test_a_biofeedback_name_does_not_back_neuromuscular_reeducation(engine):
    """Biofeedback is billed under a code of its own outside the catalogue: its time is not re-education time."""
    note = ("sEMG biofeedback - 15 min: quick contractions and 8-second holds with the screen.\n"
            "Neuromuscular re-ed - 10 min: bracing before a cough in standing, then with a squat.")
    assert minutes_of(engine, note, payer="commercial").get("97112") == 10


@pytest.mark.parametrize("warm_up", [
    "Recumbent bike 6 min on arrival, same as last visit (not billed).",
    "Upright bike 6 min, unsupervised warm-up per his usual routine (not billed).",
    "Upright bike 6 min to warm up, done on his own before I came in; as always (not billed).",
])
def test_a_line_closing_with_not_billed_leaves_out_its_time(engine, warm_up):
    """'... (not billed)' closing the line, words or a clause break after the time, still leaves that time out."""
    note = warm_up + "\nTherapeutic exercise 18 min: step-ups 3x10, wall squats 3x12, band rows 3x15."
    assert minutes_of(engine, note, payer="commercial") == {"97110": 18}


@pytest.mark.parametrize("note, minutes", [
    ("Vestibular f/u #3, L UVH.\nGaze stabilization VORx1 in 1 min bouts on foam, standing balance EC with head turns "
     "(18 minutes)\nGait in the hallway with head turns and speed changes, pivot turns; SBA. (12 minutes)",
     {"97112": 18, "97116": 12}),
    ("Subsequent orthotic encounter: checked fit of the L KAFO, skin check, reinforced donning, observed gait with the "
     "knee lock engaged, adjusted strap tension. 14 min.", {"97763": 14}),
])
def test_a_walking_activity_with_its_own_time_documents_gait_training(engine, note, minutes):
    """A plainly worded walk with its own time is gait training when the line reads as it; gait watched during an
    orthotic check is part of that check."""
    assert minutes_of(engine, note) == minutes


@pytest.mark.parametrize("note, found", [
    ("Myofascial cupping with silicone cups to L lats and thoracolumbar fascia during active reaching - 9 min.",
     {"97140": 9}),
    ("Vacuum cupping R ITB, pt actively flexing/extending the knee, 8 minutes.", {"97140": 8}),
    # cupping as a percussion stroke of chest physiotherapy is no myofascial technique
    ("Airway clearance: percussion and cupping over RLL in postural drainage positions.", {}),
])
def test_myofascial_cupping_is_manual_therapy_where_the_word_alone_is_not(engine, note, found):
    assert minutes_of(engine, note, payer="commercial") == found


def test_a_pool_session_covers_its_exercises_though_the_history_above_it_mentions_land_exercise(engine):
    """An end cue ('land-based') in the history before the pool block does not end the session's part: each part runs
    from a piece of the session's evidence to the next end cue."""
    note = ("AQUATIC PT - Daily Note\nHistory: land-based exercise limited by knee pain >6/10; MD requested pool.\n"
            "S: pain 5/10, stood 15 min to cook.\n"
            "Aquatic tx x32min (10:05-10:37), chest-deep water:\n - walking fwd/back/lateral 4 laps each\n"
            " - squats at pool wall 3x10, heel raises 3x15\n - step-ups onto submerged step 2x10 each\n"
            " - single-leg stance at wall 3x20 s each\n"
            "Plan: continue aquatic PT 2x/wk.")
    assert minutes_of(engine, note, payer="commercial") == {"97113": 32}


@pytest.mark.parametrize("note,found", [
    # rolling a body part over a ball or a bottle is exercise, not bed mobility
    ("Calf stretch at the wall, marble pick-ups, rolling the sole over a tennis ball, eccentric heel drops - 14 min.",
     {"97110": 14}),
    # the bed-mobility task is still therapeutic activities where the line reads as it
    ("Rolling to both sides with the bed rail, then supine to sit at the edge of bed with min A, 10 min.",
     {"97530": 10}),
])
def test_rolling_names_bed_mobility_only_where_the_line_reads_as_it(engine, note, found):
    """'rolling' alone is an ambiguous name (a supporting name): it backs therapeutic activities in a line that reads as
    bed mobility, not in a list of foot exercises where a ball is rolled."""
    assert minutes_of(engine, note, payer="commercial") == found


def test_a_traction_machine_in_plain_words_is_mechanical_traction(engine):
    found = engine.suggest("Neck on the traction machine, 10 lb, 60 s on / 20 s off, 15 min.", payer="commercial")
    assert found.codes == ["97012"]

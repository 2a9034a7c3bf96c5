"""Each stage of a note's path on its own (suggester.stages), with the packaged settings and model."""

import numpy as np
import pytest

from expect import minutes_of
from suggester.evaluation_report import ReportAssessment
from suggester.minutes_attribution import Attribution, TimeLink
from suggester.results import Evidence
from suggester.stages import (Billing, Candidate, Gathered, add_supporting, attribute, build_result, count_units,
                              decide, gather, non_visit_check, read_note, score_clauses, split_supporting)


def _read(engine, text):
    return read_note(engine.nlp(text), engine.settings, engine.reports)


def _hits(engine, note):
    return [(engine.table_phrases if row else engine.phrases).find(t) for t, row in zip(note.ctexts, note.rows)]


def _decided(engine, text, payer="medicare"):
    """read -> score -> gather -> decide for ``text``: the settings, payer settings, note, gathered and decision."""
    s, cfg = engine.settings, engine.payer_config(payer)
    note = _read(engine, text)
    hits = _hits(engine, note)
    got = gather(s, note, hits, score_clauses(engine.model, s, note.ctexts, hits), cfg)
    recommended, notes = decide(s, note, got.cands)
    return s, cfg, note, got, recommended, notes


def _ev(start, end, text="x", score=0.9, phrases=("p",)):
    return Evidence(start, end, text, "none", score, phrases)


def test_settings_map_labels_to_the_payers_code_and_calibrate(engine):
    s = engine.settings
    assert s.code_for("97014", {"code_set": "medicare"}) == "G0283"
    assert s.code_for("97014", {"code_set": "cpt"}) == "97014"
    scores = [s.calibrated(x) for x in (0.1, 0.5, 0.9)]
    assert scores == sorted(scores) and all(0.0 <= x <= 1.0 for x in scores)
    with pytest.raises(Exception):
        s.t_rec = 0.1   # frozen: one instance serves every thread


def test_read_gives_clauses_statuses_rows_and_totals(engine):
    note = _read(engine, "TherEx 20 min: bridges, clams.\nPlan: gait training next visit.\n"
                         "Bike   |  8\nTotal timed 28 min")
    assert note.full.startswith("TherEx") and len(note.clauses) == len(note.ctexts) == len(note.statuses)
    planned = [st for t, st in zip(note.ctexts, note.statuses) if "gait" in t]
    assert planned == ["planned"]
    assert [t for t, row in zip(note.ctexts, note.rows) if row] == ["Bike   |  8"]
    assert note.totals["timed"][0] == 28 and note.report.kind == "treatment"
    assert _read(engine, "   ") is None


def test_score_reads_each_service_of_a_two_service_clause(engine):
    text = "Pt completed 15 minutes of gait training with the cane and 12 minutes of balance training on foam"
    note = _read(engine, text)
    hits = _hits(engine, note)
    proba = score_clauses(engine.model, engine.settings, note.ctexts, hits)
    col = engine.settings.col
    assert proba.shape == (len(note.ctexts), len(col))
    row = proba[note.ctexts.index(text)]
    assert row[col["97116"]] > 0.5 and row[col["97112"]] > 0.5


def test_supporting_names_join_only_a_clause_that_reads_like_their_code(engine):
    s = engine.settings
    texts = ["She performed resisted eversion, inversion and heel raises", "Aquatic therapy: heel raises at the rail"]
    rows = [False, False]
    hits = [engine.phrases.find(t) for t in texts]
    strong, weak = split_supporting(engine.phrases.supporting, hits, rows)
    assert any(h[2] == "heel raises" for h in weak[0]) and not any(h[2] == "heel raises" for h in strong[0])
    proba = score_clauses(engine.model, s, texts, strong)
    add_supporting(s, strong, weak, proba)
    assert any(h[2] == "heel raises" and h[3] == {"97110"} for h in strong[0])     # reads as exercise
    assert not any(h[2] == "heel raises" for h in strong[1])                        # reads as aquatic therapy
    # in a flowsheet row every name counts in full
    assert split_supporting(engine.phrases.supporting, hits[:1], [True]) == (hits[:1], [[]])


def test_gather_turns_scores_into_candidates_and_not_counted(engine):
    s = engine.settings
    note = _read(engine, "Manual therapy 12 min: STM to the upper trap.\nPt declined e-stim today.")
    hits = _hits(engine, note)
    proba = score_clauses(engine.model, s, note.ctexts, hits)
    got = gather(s, note, hits, proba, engine.payer_config("commercial"))
    assert isinstance(got, Gathered) and set(got.cands) >= {"97140"}
    cand = got.cands["97140"]
    assert cand.score >= s.t_rec and cand.evidence[0].phrases and cand.segments
    assert [m.minutes for ms in got.seg_mentions.values() for m in ms] == [12]
    assert [(n.code, n.reason) for n in got.not_counted] == [("97014", "declined")]


def test_decide_keeps_one_code_of_an_exclusive_group_and_applies_count_rules(engine):
    s = engine.settings
    note = _read(engine, "Daily note.")
    group = next(g for g in s.groups if "97161" not in g)
    a, b = group[0], group[1]
    cands = {a: Candidate(a, 0.9, [_ev(0, 5, score=0.9)]), b: Candidate(b, 0.95, [_ev(10, 15, score=0.6)])}
    recommended, _ = decide(s, note, cands)
    assert recommended == {a}     # the most total evidence wins the group
    cands = {"20560": Candidate("20560", 0.9, [_ev(0, 20, "dry needling to 4 muscles")])}
    recommended, _ = decide(s, note, cands)
    assert recommended == {"20561"} and cands["20561"].evidence


def test_decide_lets_the_report_choose_the_evaluation_code(engine):
    s = engine.settings
    note = _read(engine, "Daily note.")
    note.report = ReportAssessment("initial_evaluation", "97162", 0.8, (("history", 0, 5),))
    cands = {"97161": Candidate("97161", 0.9, [_ev(0, 5)]), "97110": Candidate("97110", 0.9, [_ev(6, 10)])}
    recommended, notes = decide(s, note, cands)
    assert recommended == {"97162", "97110"} and "initial evaluation" in notes["97162"]
    note.report = ReportAssessment("discharge")
    recommended, _ = decide(s, note, {"97161": Candidate("97161", 0.9, [_ev(0, 5)])})
    assert recommended == set()


def test_minutes_then_non_visit(engine):
    s, cfg, note, got, recommended, _ = _decided(engine, "Gait training 14 min with the walker, 150 ft x2.")
    att = attribute(s, note, got, recommended)
    assert att.minutes == {"97116": 14} and att.links["97116"][0].rule in ("block_header", "after_service")
    # a no-show note with documented treatment time was a visit after all; without time it bills nothing
    assert non_visit_check(s, "no_show", recommended, att.minutes, got, cfg) == (recommended, True)
    assert non_visit_check(s, "no_show", recommended, {}, got, cfg) == (set(), False)
    assert got.not_counted[-1].reason == "non_visit"


def test_units_by_payer_method_and_from_a_timed_total(engine):
    s = engine.settings
    att = Attribution(minutes={"97110": 10, "97140": 10}, links={})
    cms = count_units(s, {"97110", "97140"}, att, {}, engine.payer_config("medicare"))
    ama = count_units(s, {"97110", "97140"}, Attribution(minutes={"97110": 10, "97140": 10}), {},
                      engine.payer_config("commercial"))
    assert sum(cms.units.values()) == 1 and cms.totals["timed_minutes"] == 20   # 20 pooled minutes: one unit
    assert ama.units == {"97110": 1, "97140": 1}                               # 10 min each: one unit each
    # the only timed service with a sub-item time takes the documented timed total
    att = Attribution(minutes={"97110": 8}, links={"97110": [TimeLink(0, 5, 8, "after_service", 0.9)]})
    out = count_units(s, {"97110"}, att, {"timed": (22, 40, 60)}, engine.payer_config("medicare"))
    assert att.minutes["97110"] == 22 and out.units == {"97110": 1} and ("from_total", "97110") in out.notes


def test_result_assembles_suggestions_and_findings(engine):
    s, cfg, note, got, recommended, notes = _decided(engine, "TherEx 23 min: SLR, bridges, clamshells.")
    att = attribute(s, note, got, recommended)
    counted = count_units(s, recommended, att, note.totals, cfg)
    result = build_result(s, engine.compliance, engine.versions, note, got, recommended, notes, att, counted,
                          (None, False), Billing("medicare", cfg))
    top = result.recommended[0]
    assert (top.code, top.minutes, top.units) == ("97110", 23, 2)
    assert top.explanation.startswith("Recommended.") and top.minutes_evidence
    assert "PT100" in {f.id for f in result.findings}   # GP modifier reminder
    assert np.isclose(top.confidence, s.calibrated(got.cands["97110"].score))


@pytest.mark.parametrize("text,code", [("Gait with head turns and pivots: 12 min, 50 ft x4.", "97116"),
                                       ("Fluidotherapy R hand 12 min.", "97022"),
                                       ("Graston to R Achilles 6 min.", "97140")])
def test_gather_a_named_technique_with_its_own_time_is_documented_whatever_the_model_says(engine, text, code):
    # the timed floor (engine.json timed_modality_categories / timed_named_codes): with every model score at zero
    s = engine.settings
    note = _read(engine, text)
    hits = _hits(engine, note)
    got = gather(s, note, hits, np.zeros((len(note.ctexts), len(s.col))), engine.payer_config("commercial"))
    assert got.cands[code].score >= s.t_rec
    # without its time it is not
    untimed = _read(engine, text.split(" 12 min")[0].split(" 6 min")[0] + ".")
    got = gather(s, untimed, _hits(engine, untimed), np.zeros((len(untimed.ctexts), len(s.col))),
                 engine.payer_config("commercial"))
    assert code not in got.cands or got.cands[code].score < s.t_rec


def test_gather_a_time_alone_is_no_service_whatever_the_model_reads(engine):
    # "12 min." after a service: the model may read exercise into a bare time; it still names no service, and the
    # time stays free for the service before it
    s = engine.settings
    note = _read(engine, "Ultrasound to R patellar tendon, 1 MHz, 1.0 W/cm2.\n12 min.")
    hits = _hits(engine, note)
    proba = np.zeros((len(note.ctexts), len(s.col)))
    bare = next(i for i, t in enumerate(note.ctexts) if t.strip(" .") == "12 min")
    proba[bare, s.col["97110"]] = 0.6
    got = gather(s, note, hits, proba, engine.payer_config("commercial"))
    assert "97110" not in got.cands and "97035" in got.cands
    seg = note.clauses[bare]._.pt_segment
    assert seg in got.time_only_segs and [m.minutes for m in got.seg_mentions[seg]] == [12]


def test_gather_a_weak_reading_does_not_take_a_total_sentence(engine):
    # "40 minutes total." after the only timed service: a weak model reading of the sentence (under the evidence
    # threshold, no phrase) does not make it a service of its own that keeps the total
    s = engine.settings
    note = _read(engine, "Lymph drainage to R arm: 12 min of proximal clearing at neck and axilla, then strokes "
                         "along the forearm. 40 minutes total.")
    assert note.generic is not None
    hits = _hits(engine, note)
    proba = np.zeros((len(note.ctexts), len(s.col)))
    total = next(i for i, t in enumerate(note.ctexts) if "40 minutes total" in t)
    assert not hits[total]
    proba[total, s.col["97110"]] = 0.3
    got = gather(s, note, hits, proba, engine.payer_config("commercial"))
    assert got.generic is not None   # still the total of the service before it


def test_gather_items_indented_under_a_ticked_timed_heading_are_that_service(engine):
    # an EMR checkbox template: "[X] 97110 Therapeutic exercise — 20 min" with its items on the indented line below;
    # the model's reading of one item as therapeutic activities does not make it a service of its own
    s = engine.settings
    text = ("Interventions:\n[X] 97110 Therapeutic exercise \u2014 20 min\n"
            "     Recumbent bike 6 min; sit-to-stand from 18\" seat 3x8; hip bridges 2x12\n"
            "[X] 97116 Gait training \u2014 10 min\n"
            "     Sit-to-stand from 18\" seat 3x8 before each walk")
    note = _read(engine, text)
    hits = _hits(engine, note)
    proba = np.zeros((len(note.ctexts), len(s.col)))
    items = [i for i, t in enumerate(note.ctexts) if t.lower().startswith("sit-to-stand")]
    assert len(items) == 2
    proba[items, s.col["97530"]] = 0.9
    got = gather(s, note, hits, proba, engine.payer_config("commercial"))
    assert "97530" in got.cands and not got.cands["97530"].evidence   # a candidate to review, not evidenced


@pytest.mark.parametrize("lead", ["Vestibular/NMR", "Then NMR"])
def test_gather_a_heading_whose_time_ends_its_line_owns_the_items_on_it(engine, lead):
    # "Vestibular/NMR: ..., head turns during tandem gait ... -- 22 min": the gait named among the items is how the
    # re-education was done, whatever the model reads there
    s = engine.settings
    note = _read(engine, lead + ": VOR x1 against a busy background 4x60 s, head turns during tandem gait in the "
                         "hallway 4 laps, ball catch with head turns -- 22 min")
    hits = _hits(engine, note)
    proba = np.zeros((len(note.ctexts), len(s.col)))
    proba[:, s.col["97116"]] = 0.9
    got = gather(s, note, hits, proba, engine.payer_config("commercial"))
    assert "97112" in got.cands and not ("97116" in got.cands and got.cands["97116"].evidence)


@pytest.mark.parametrize("text", ["Strength/conditioning: treadmill 10 min at 4% incline, cable rows, farmer carries -- 25 min",
                                  "Aerobic trng: bike at 140-145 bpm with HR monitor -- 15 min"])
def test_gather_a_service_name_heading_its_line_with_the_lines_time_documents_it(engine, text):
    # with every model score at zero: the heading's name and the time ending its line are the documentation
    s = engine.settings
    note = _read(engine, text)
    got = gather(s, note, _hits(engine, note), np.zeros((len(note.ctexts), len(s.col))), engine.payer_config("commercial"))
    assert "97110" in got.cands and got.cands["97110"].score >= s.t_rec


def test_decide_a_group_covers_its_part_after_a_one_on_one_block_under_a_title(engine):
    # "Group session with an individual component" (title) / "Individual (1:1), 10 min: manual ..." / "Group ..., 40
    # min: ..." / "Stations included ... sit-to-stand circuit": the stations are the group's, though the title naming
    # the group comes before the 1:1 cue
    from suggester.stages.decide import apply_group

    s = engine.settings
    full = ("Group session with an individual component\nIndividual (1:1), 10 min: manual therapy, PA mobs L4-5.\n"
            "Group therapeutic procedures, 40 min: stabilization class with 3 other patients.\n"
            "Stations included dead bugs, carries and a sit-to-stand circuit.")
    line = [full.index(x) for x in ("Group session", "Individual", "Group thera", "Stations")]
    cands = {"97150": Candidate("97150", 0.99, [_ev(line[0], line[0] + 10), _ev(line[2], line[2] + 20)]),
             "97140": Candidate("97140", 0.99, [_ev(line[1], line[1] + 30)]),
             "97530": Candidate("97530", 0.9, [_ev(line[3], len(full))])}
    assert apply_group(s, {"97150", "97140", "97530"}, full, cands) == {"97150", "97140"}


def test_decide_individual_cueing_within_a_group_is_not_a_one_on_one_block(engine):
    # engine.json group_session.individual_cue_blockers: "PT provided individual cueing" to the group's members
    from suggester.stages.decide import apply_group

    s = engine.settings
    full = ("Knee OA class, 4 participants, 40 min, PT provided individual cueing on form.\n"
            "Sit-to-stand from 18 in chair 3x10, lateral step-ups 2x10.")
    items = full.index("Sit-to-stand")
    cands = {"97150": Candidate("97150", 0.99, [_ev(0, 40)]), "97530": Candidate("97530", 0.9, [_ev(items, len(full))])}
    assert apply_group(s, {"97150", "97530"}, full, cands) == {"97150"}


def _flat_alternation(literals):
    """The plain alternation the literal matchers mean: every literal, longest first, whole words."""
    import re
    words = sorted(set(literals), key=lambda s: (-len(s), s))
    body = "|".join(re.escape(w).replace(r"\ ", r"\s+") + (r"(?![\w/])" if re.search(r"\w$", w) else "") for w in words)
    return r"(?<![\w/])(?:%s)" % body


@pytest.mark.parametrize("seed", range(5))
def test_literal_matchers_written_as_a_prefix_tree_match_what_the_flat_list_would(seed):
    """The literal matchers are compiled as one prefix tree (fast to scan); they must find exactly the spans the
    plain longest-first alternation finds, shared prefixes, spaces and word ends included."""
    import random
    import re

    from suggester.nlp.rules import compile_literals, literals_pattern

    rng = random.Random(seed)
    stems = ["hot pack", "hot", "pack", "ther ex", "therex", "gait", "gait training", "te", "t.e.", "mob", "mobs",
             "s/p", "pt", "pt ed", "x10", "sit to stand", "sit", "sit-to-stand", "re-eval", "re-ed", "nmr"]
    literals = rng.sample(stems, 12) + [" ".join("".join(rng.choice("abt e") for _ in range(rng.randint(1, 6))).split())
                                        for _ in range(30)]
    literals = [lit for lit in literals if lit and lit[0].isalnum()]
    text = " ".join(rng.choice(stems + ["and", "/", "10", "HOT  PACK", "Gait\ttraining", "packs", "a", "ab", "bt"])
                    for _ in range(400))
    tree = compile_literals(literals)
    flat = re.compile(_flat_alternation(literals), re.IGNORECASE)
    assert "gait(?:" in literals_pattern(["gait", "gait training", "gait belt"])   # one branch for the shared prefix
    assert [m.span() for m in tree.finditer(text)] == [m.span() for m in flat.finditer(text)]


@pytest.mark.parametrize("note,code", [
    ("Consent for DN on file.\nDry needling (0.30 x 50 mm): L gastroc medial head (2 insertions), L soleus, L peroneus "
     "longus. Twitch responses in gastroc.", "20561"),
    ("Dry needling (consent on file): L gluteus medius and L quadratus lumborum, 2 muscles, local twitch responses "
     "elicited, hemostasis achieved, no adverse response.", "20560"),
])
def test_the_muscles_needled_are_counted_from_the_list_after_the_procedure_or_the_stated_count(engine, note, code):
    """The list after 'dry needling (...):' counts the muscles; a stated '2 muscles' beats a list that runs on."""
    assert engine.suggest(note, payer="commercial").codes == [code]


@pytest.mark.parametrize("note,code", [
    ("L transtibial amputee, visit 5. Initial prosthetic training done 2/26 (visit 1).\nProsthetic training today "
     "(25 min): donning with pin-lock liner, sock ply management, weight shifting in parallel bars.", "97763"),
    ("R AFO recheck (issued 3 wks ago for foot drop): skin check, red area at the lateral malleolus, loosened the "
     "strap and added padding inside the shell; walked 200 ft in the AFO to check fit; reviewed wear schedule. "
     "Orthotic management 20 min.", "97763"),
    ("R TTA, ~8 mo w/ prosthesis.\nSubsequent prosthetic check: socket fit, residual limb skin check, added 1-ply sock, "
     "pylon alignment ok - 12'.\nGait training 15' no AD in clinic, ramps, curb.", "97763"),
    ("L TFA, ischial containment socket, microprocessor knee (in use x 7 months).\n10:00-10:12  Prosthetic mgmt: sock ply "
     "check, suction valve reseated, re-taught donning with the sleeve; limb inspected, no irritation.\n10:12-10:30  "
     "Balance training with the prosthesis: single-limb stance, foam, perturbations.", "97763"),
    ("L transtibial amputation, first prosthesis (delivered by the prosthetist 2 days ago).\nProsthetic training - "
     "30 min: donning the liner and socket, sock ply, weight shifting and step-to gait in the bars.", "97761"),
])
def test_the_orthotic_encounter_follows_training_done_before_or_a_recheck(engine, note, code):
    """A first training said to be done already or a device's recheck is a later encounter (97763); a device the
    prosthetist delivered days ago is still the therapist's first training."""
    assert code in engine.suggest(note, payer="commercial").codes


@pytest.mark.parametrize("note, codes", [
    ("While the kettle boiled in her kitchen: heel raises, mini squats, marching in place, 2 rounds. 10 min.",
     {"97110": 10}),
    ("Kitchen counter, while her husband made lunch: toe raises, mini squats, standing marches x20. 8 min",
     {"97110": 8}),
])
def test_a_clause_listing_named_exercises_is_exercise_wherever_it_was_done(engine, note, codes):
    """No service named and the words around read as home management ('kitchen', 'lunch'), but the clause lists two
    or more exercise names of one code: that code is named."""
    assert minutes_of(engine, note, payer="commercial") == codes

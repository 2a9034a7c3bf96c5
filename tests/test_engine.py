"""Behaviour a biller would notice: payer code sets, units, modifiers, findings."""

from pathlib import Path

import pytest

from expect import minutes_in, minutes_of

ROOT = Path(__file__).resolve().parent.parent


def _by_code(result):
    return {s.code: s for s in result.recommended}


def test_engine_unattended_estim_code_depends_on_payer(engine):
    text = "IFC to lumbar x15 min with pt resting, unattended. TherEx 20 min: bridges, TrA bracing."
    assert "G0283" in engine.suggest(text, payer="medicare").codes
    assert "97014" in engine.suggest(text, payer="commercial").codes


def test_engine_units_medicare_vs_commercial(engine):
    text = "NMR 24 min: SLS on foam, tandem stance, perturbations.\nTherEx 23 min: SLR 3x10, bridges, clamshells."
    med = _by_code(engine.suggest(text, payer="medicare"))
    com = _by_code(engine.suggest(text, payer="commercial"))
    assert (med["97112"].units, med["97110"].units) == (2, 1)
    assert (com["97112"].units, com["97110"].units) == (2, 2)


def test_engine_split_episodes_and_range(engine):
    text = "TherEx 10 min: SLR, bridges; 5 min later additional TherEx: clamshells.\nGait training 10-12 min with RW."
    r = engine.suggest(text)
    by = _by_code(r)
    assert by["97110"].minutes == 15
    assert by["97116"].minutes == 10
    assert any(f.id == "PT162" for f in r.findings)


def test_engine_separate_time_blocks_get_59(engine):
    text = ("Manual therapy 12 min: lumbar PA mobs gr III, STM paraspinals.\n"
            "Therapeutic activities 15 min: lifting mechanics floor to waist, carrying 10# box, car transfer practice.")
    r = engine.suggest(text, payer="medicare")
    by = _by_code(r)
    assert "59" in by["97530"].modifiers
    f = next(f for f in r.findings if f.id == "PT101")
    assert "separate documented time blocks" in f.message


def test_engine_same_block_gets_finding_not_59(engine):
    text = "Manual therapy and therapeutic activities x 25 min: STM to lumbar paraspinals during lifting practice and car transfers."
    r = engine.suggest(text, payer="medicare")
    by = _by_code(r)
    if "97140" in by and "97530" in by:
        assert "59" not in by["97530"].modifiers
        assert any(f.id == "PT102" for f in r.findings)


def test_engine_bundled_hot_pack_and_gp(engine):
    r = engine.suggest("Moist heat to low back x 10 min. TherEx 20 min: bridges, bird dogs.", payer="medicare")
    assert any(f.id == "PT130" for f in r.findings)
    assert all("GP" in s.modifiers for s in r.recommended)


def test_engine_pta_gets_cq(engine):
    r = engine.suggest("TherEx 25 min: step ups, lunges, SLR.\nJ. Smith, PTA")
    assert "CQ" in _by_code(r)["97110"].modifiers
    assert any(f.id == "PT110" for f in r.findings)


def test_engine_deleted_code_in_note(engine):
    r = engine.suggest("97762 checkout of AFO: fit and wear schedule reviewed, gait with AFO 15 min.")
    assert any(f.id == "PT120" and "97763" in f.message for f in r.findings)


def test_engine_timed_code_without_minutes(engine):
    r = engine.suggest("TherEx: SLR 3x10, bridges 2x15, clamshells with band.")
    by = _by_code(r)
    assert by["97110"].units is None
    assert any(f.id == "PT160" for f in r.findings)


def test_engine_non_visit(engine):
    r = engine.suggest("Pt no-showed for 2pm appt. Left VM to reschedule. Plan: TherEx and gait training next visit.")
    assert r.codes == [] and r.non_visit == "no_show"
    assert any(f.id == "PT171" for f in r.findings)


@pytest.mark.parametrize("batch_size", [1, 2, 64])
def test_engine_suggest_many_matches_suggest(engine, batch_size):
    # the clauses of a batch are scored together; each note's result is still its own, in input order
    notes = ["Gait training 15 min with SPC.", "", "TherEx 20 min: SLR, bridges.", "   ",
             "Pt declined e-stim. Manual therapy 8 min: STM to the upper trap.", "Cancelled: pt ill.",
             "Exercise      | Sets | Min\nLeg press     | 3x10 | 8\nStep-ups      | 3x10 | 6"]
    expected = [engine.suggest(n).to_dict() for n in notes]
    assert [r.to_dict() for r in engine.suggest_many(notes, batch_size=batch_size)] == expected


def test_engine_explanation_cites_phrase_and_summary(engine):
    s = engine.suggest("Gait training 15 min with RW 150 ft x2.").recommended[0]
    assert "gait training" in s.explanation.lower() and engine.catalogue["97116"].summary in s.explanation


def test_engine_count_rules_pick_the_code_by_documented_count(engine):
    r = engine.suggest("Dry needling R upper trap, levator scapulae and infraspinatus - 3 muscles, LTRs elicited.", payer="commercial")
    assert "20561" in r.codes and "20560" not in r.codes
    r = engine.suggest("Dry needling to R upper trapezius x2 sites, 1 muscle, LTR elicited.", payer="commercial")
    assert "20560" in r.codes and "20561" not in r.codes
    r = engine.suggest("Dry needling (20560), consent on file.\n- Muscles needled: L gluteus medius, L piriformis, L TFL\n"
                       "- LTRs in all", payer="commercial")
    assert "20561" in r.codes and "20560" not in r.codes
    r = engine.suggest("Trigger point dry needling to three muscles of the R shoulder girdle, LTRs elicited.", payer="commercial")
    assert "20561" in r.codes and "20560" not in r.codes


def test_engine_each_dosed_item_of_a_one_line_list_is_scored_on_its_own(engine):
    # one line, four services, each with its own dose: the cold pack is not drowned out by the exercises around it
    note = ("Wall sits: 3x30 sec, tandem stance on foam with head turns: 3x20 seconds, hamstring curls with green "
            "band 3x12, ice pack x10 to L knee in sitting")
    assert {s.code for s in engine.suggest(note).recommended} == {"97010", "97110", "97112"}


def test_engine_a_frequency_is_not_a_dose(engine):
    note = "TherEx 20 min: SLR, bridges, clamshells 3x10.\nPOC 2x/wk x 6 wks: TherEx, GT, NMR, e-stim PRN."
    assert [s.code for s in engine.suggest(note).recommended] == ["97110"]


def test_engine_heat_applied_is_a_hot_pack(engine):
    note = "Superficial heat to the L wrist for 8 minutes in sitting before the session.\nTherEx 15 min: putty grip, wrist curls 2x15."
    assert {s.code for s in engine.suggest(note).recommended} == {"97010", "97110"}
    home = "Pt states heat to the neck at home helps at night.\nTherEx 15 min: chin tucks, rows 2x15, wall angels."
    assert {s.code for s in engine.suggest(home).recommended} == {"97110"}


def test_engine_monitoring_details_after_a_service_do_not_hide_it(engine):
    note = "Pt ambulated 220 ft with a rollator, SpO2 94% on 2 L, HR 102, RPE 13/20, two standing rests."
    assert [s.code for s in engine.suggest(note).recommended] == ["97116"]


def test_engine_home_schedule_time_is_not_treatment_time(engine):
    # "every 2 hrs" is how often to ice at home: no treatment time, so the phone contact stays a non-visit
    note = ("Phone call with pt re: ankle swelling after a long shift. Advised: elevate, ice 15 min every 2 hrs, "
            "compression sleeve during the day. No treatment given.")
    result = engine.suggest(note)
    assert not result.recommended and result.non_visit == "phone"
    from suggester.nlp.minutes import find_minutes

    assert find_minutes("ice 15-20 min every 2 hrs, heat 10 min q4h") == []


def test_engine_a_distance_walked_in_sets_is_not_minutes(engine):
    # "4 x 20'" after a walking drill is four passes of 20 feet; "2 x 10'" on the bike is two bouts of minutes
    from suggester.nlp.minutes import find_minutes

    assert find_minutes("Retro walking in the bars 4 x 20' with UE support") == []
    assert [m.minutes for m in find_minutes("Farmer carry 3x40', then bike 2 x 10'")] == [10]
    note = "NMR 12 min\n  Tandem walk 4 x 20'\n  SLS on foam 3 x 30 sec"
    assert minutes_of(engine, note) == {"97112": 12}


def test_engine_a_distance_range_and_a_vital_sign_recovery_are_not_minutes(engine):
    from suggester.nlp.minutes import find_minutes

    assert find_minutes("Walking distance improved from 50' to 120' between sitting rests") == []
    assert find_minutes("SpO2 dropped to 90% after the stairs, back to 94% in 2'") == []
    assert find_minutes("Pt ambulated ~60' with the walker, then walked 45' back") == []
    assert [m.minutes for m in find_minutes("Gait 12' with SPC")] == [12]
    note = ("O: SpO2 95% RA at rest, 91% after ambulation, recovered to 94% in 1'.\nGait training (13 min): RW 120' x2, SBA.\n"
            "A: Gait endurance improved from 70' to 120' between rests.")
    assert minutes_of(engine, note) == {"97116": 13}


@pytest.mark.parametrize("note,code", [
    ("Pt worked on hip abductor and core exercises to strengthen the L side, 15 minutes.", "97110"),
    ("Calf and hamstring stretches in long sitting, 3 x 30 s each side.", "97110"),
    ("Ambulating in the hallway with FWW, cues to stay inside the walker, 180 ft x 2.", "97116"),
    ("Transfers: bed to chair and toilet transfers with grab bar, min A, practiced x5.", "97530"),
])
def test_engine_common_verb_forms_name_their_service(engine, note, code):
    s = next(s for s in engine.suggest(note).recommended if s.code == code)
    assert any(e.phrases for e in s.evidence)


@pytest.mark.parametrize("note", [
    "Prone on the wedge reaching for pegs to facilitate trunk extension and head righting, 3 x 8 reaches.",
    "Worked on trunk control in short sitting on the ball with lateral perturbations, 10 reps each side.",
    "Proprioceptive work for the L ankle: eyes-closed stance on the rocker, 4 x 30 s.",
])
def test_engine_the_words_that_define_neuromuscular_re_education_name_it(engine, note):
    s = next(s for s in engine.suggest(note).recommended if s.code == "97112")
    assert any(e.phrases for e in s.evidence)


def test_engine_a_functional_capacity_evaluation_lists_its_tasks_as_test_items(engine):
    # the tasks an FCE tested are the test, not therapeutic activities; "US Department of Labor" is not ultrasound
    fce = ("Functional Capacity Evaluation - return to work, warehouse associate\n"
           "Testing time 3 hours. Demand levels per the US Department of Labor definitions.\n"
           "Floor to waist lift: 45 lb occasional, good body mechanics\n"
           "Overhead reach, both arms: frequent, no pain behaviours\n"
           "Two-hand carry 50 ft: 40 lb occasional\n"
           "Result: meets the medium physical demand level of the job.")
    codes = set(engine.suggest(fce).codes)
    assert codes == {"97750"}
    # lifting practice documented before the FCE is planned stays its own service
    daily = ("FxTr 25 min: crate lifts floor to shoulder 30 lb 4x6, overhead shelf stocking 3x8, 2-hand carry 60 ft.\n"
             "Assessment: ready for a functional capacity evaluation next month.")
    assert "97530" in engine.suggest(daily).codes


@pytest.mark.parametrize("note,codes,history", [
    # "was treated with" narrates today's session in many daily notes ...
    ("Pt was treated with IFC and moist heat x 15 min to the low back, unattended.", {"G0283", "97010"}, set()),
    # ... while a past year or another clinic makes it history
    ("Per the referral, she was treated with ultrasound in 2019.", set(), {"97035"}),
    ("In 2021 he had manual therapy and traction for the neck at another clinic.", set(), {"97140"}),
    # "prior to" another service orders the session ...
    ("Hot pack 10 min prior to ther ex 15 min.", {"97010", "97110"}, set()),
    ("Moist heat x10 min prior to manual therapy 8 min (STM to paraspinals).", {"97010", "97140"}, set()),
    # ... "prior to surgery" dates an earlier episode
    ("Prior to surgery she had PT with e-stim and ther ex.", set(), {"97110"}),
    # a comparison with an earlier visit describes today's service ...
    ("Ther ex 15 min (same as last visit): bridges, clams, step-ups.", {"97110"}, set()),
    ("Continued ther ex from last week, 15 min.", {"97110"}, set()),
    # ... the earlier visit's service itself is history
    ("Pt had manual therapy last visit with good relief.", set(), {"97140"}),
])
def test_engine_a_service_is_history_only_when_the_note_dates_it_earlier(engine, note, codes, history):
    result = engine.suggest(note)
    assert set(result.codes) == codes
    assert history <= {n.code for n in result.not_counted if n.reason == "historical"}


@pytest.mark.parametrize("note", [
    "Discharge summary. Interventions used over the stay included gait training, strengthening and transfer practice.",
    "Progress report: therapy to date has included manual therapy, ultrasound and lumbar stabilization exercises.",
    "Over the course of 14 visits she received ther ex, balance training and e-stim; goals met, discharged to HEP.",
])
def test_engine_a_summary_of_the_episode_is_not_todays_treatment(engine, note):
    result = engine.suggest(note)
    assert not result.recommended
    assert {n.reason for n in result.not_counted} == {"historical"}


def test_engine_a_balance_test_is_an_exam_not_balance_training(engine):
    assert "97112" not in engine.suggest("Balance Test\nSingle-leg stance 8 s R, 12 s L; tandem 20 s.").codes
    assert "97112" in engine.suggest("Balance training: single-leg stance on foam 3 x 30 s, tandem walking 4 laps.").codes


def test_engine_a_daily_notes_heading_ends_the_goals_above_it(engine):
    note = ("Goals\nPt will don socks with a sock aid independently.\nPt will tolerate 20 min of standing tasks.\n"
            "Daily Notes\nPt instructed in B UE progressive resistive exercises with a weighted bar and yellow band, 3x10.")
    assert "97110" in engine.suggest(note).codes


def test_engine_a_list_of_soap_letters_is_not_a_plan_heading(engine):
    # "S, O, A, or P:" lists the letters; the lines below are not a plan
    note = ("Sort each line into S, O, A, or P:\n__ Ambulated 120 ft x2 with a quad cane, CGA, cues for step length.\n"
            "__ Wants to walk to the mailbox by herself.")
    assert "97116" in engine.suggest(note).codes
    # a run-in plan heading still opens the plan
    assert "97116" not in engine.suggest("S: tired today. O: TherEx 15 min, bridges 3x10. P: gait training next visit.").codes


def test_engine_a_line_of_a_service_name_and_its_clock_times_is_that_service(engine):
    note = "Gait trng 9:05-9:17\nBalance 9:17-9:31\nBreak 9:31-9:34\nNuStep 9:34-9:42"
    found = minutes_of(engine, note)
    assert found.get("97112") == 14 and found.get("97116") == 12


def test_engine_a_range_in_a_minutes_column_is_that_rows_time(engine):
    note = "Activity        Min\nLeg press       7-9\nStep-ups        5-6\nTandem on foam  8-10"
    found = {s.code: (s.minutes, s.units) for s in engine.suggest(note, "commercial").recommended}
    assert found.get("97110") == (12, 1) and found.get("97112") == (8, 1)


def test_engine_a_spelled_number_left_without_its_minute_word_is_minutes(engine):
    from suggester.nlp.minutes import find_minutes

    note = "Too sore for exercise today, so moist heat to the neck for twelve minutes and then unattended IFC for twenty."
    found = minutes_of(engine, note)
    assert found == {"97010": 12, "G0283": 20}
    # the word before the number says what it counts: a visit number, sets, no minute word anywhere
    assert [m.minutes for m in find_minutes("Visit eleven, gait for nineteen minutes.")] == [19]
    assert find_minutes("Bridges, three sets of fifteen.") == []


def test_engine_a_duration_in_minutes_is_the_sessions_time_not_a_plan(engine):
    group = "Class: hip OA group, 5 patients, 1 PT\nIncluded: sit-to-stand, step-ups, marching\nDuration: 50 min"
    found = minutes_of(engine, group)
    assert found.get("97150") == 50
    # the plan's duration in weeks stays a plan
    plan = "TherEx 20 min: bridges, clams.\nFrequency: 2x/wk\nDuration: 6 weeks of gait training"
    assert "97116" not in engine.suggest(plan).codes


def test_engine_a_table_headed_by_a_service_gives_it_the_rows_that_name_none(engine):
    note = ("Exercise      | Sets | Weight | Min\nAirdyne       | -    | L3     | 8\nStep-ups      | 3x10 | 10#    | 6\n"
            "Rest break    | -    | -      | 4\nSplit squat   | 2x8  | BW     | 6")
    found = minutes_of(engine, note, "commercial")
    assert found == {"97110": 20}   # the bike row counts; the rest break does not


def test_engine_a_column_of_numbers_ending_aligned_rows_is_their_minutes(engine):
    note = ("Balance: SLS eyes closed     5\nBalance: foam tandem         6\nBalance: rocker board        5\n"
            "Gait: hallway with SPC       12")
    found = minutes_of(engine, note, "commercial")
    assert found == {"97112": 16, "97116": 12}
    # a column of strength grades is not minutes
    grades = "Hip abduction exercises     4\nHip extension exercises     3\nKnee extension exercises    5"
    assert all(s.minutes is None for s in engine.suggest(grades).recommended)


def test_engine_an_aligned_list_of_exercises_and_repetitions_gives_no_minutes(engine):
    note = "TherEx\nBridges         15\nClamshells      20\nHeel raises     12"
    assert all(s.minutes is None for s in engine.suggest(note).recommended)


def test_engine_a_hold_left_without_its_unit_is_not_minutes(engine):
    note = "Ther ex 15 minutes: hamstring stretch held for thirty, calf stretch held for twenty."
    assert minutes_of(engine, note) == {"97110": 15}


@pytest.mark.parametrize("note,codes", [
    # a stretch held for a time is exercise given ...
    ("Ther ex 14 min: hamstring stretch held 30 sec x3.", {"97110"}),
    ("TherEx 10 min: calf stretch held for thirty seconds x3.", {"97110"}),
    ("Pt held onto the rail during stair training 10 min, reciprocal pattern.", {"97116"}),
    # ... a service held (not given) is not
    ("Gait training held today, BP 186/104 at rest; MD notified.", set()),
])
def test_engine_a_stretch_held_for_a_time_is_not_a_service_held(engine, note, codes):
    result = engine.suggest(note)
    assert set(result.codes) == codes
    assert ("held" in {n.reason for n in result.not_counted}) == (not codes)


@pytest.mark.parametrize("note,reason", [
    ("Pt requires skilled PT for ther ex, NMR and gait training to meet goals.", "planned"),
    ("Skilled care needed for progression of strengthening and gait.", "planned"),
    ("Pt scheduled for 2x/wk ther ex and gait training.", "planned"),
    ("Manual therapy contraindicated due to osteoporosis.", "contraindicated"),
])
def test_engine_justifications_schedules_and_contraindications_are_not_services(engine, note, reason):
    result = engine.suggest(note)
    assert not result.recommended and {n.reason for n in result.not_counted} == {reason}


def test_engine_a_purpose_after_a_service_does_not_make_it_a_plan(engine):
    assert engine.suggest("Ther ex 15 min to meet goals of independent stairs.").codes == ["97110"]


def test_a_spelled_time_left_without_its_unit_in_a_list_of_services_counts(engine):
    # "manual fourteen" shares the minute word of its neighbours: the manual piece has its own time
    result = engine.suggest("Ther ex twenty minutes, manual thirteen, and then gait training nine minutes with the walker.")
    assert {"97110": 20, "97140": 13, "97116": 9} == minutes_in(result)


def test_remembered_readings_can_be_switched_off_and_change_nothing():
    # engine.json remembered_texts: 0 keeps no note text in memory beyond the request, with the same results
    from suggester import Suggester
    note = "TherEx 15 min: bridges, clamshells.\nPt tolerated treatment well.\nManual 10 min: STM to the calf."
    keeping, forgetting = Suggester(), Suggester()
    forgetting._remember(0)
    assert keeping.suggest(note).to_dict() == forgetting.suggest(note).to_dict()
    assert keeping.phrases._found and keeping.model._rows
    assert not forgetting.phrases._found and not forgetting.model._rows
    assert not forgetting.nlp.get_pipe("suggester_context")._asserted
    assert keeping._minutes_read._kept and not forgetting._minutes_read._kept   # what the minutes reader read
    assert forgetting.reports._screened is None   # the report reader's screen of the note is not kept either


def test_the_minutes_reader_remembers_only_inside_an_engine_call(engine):
    from suggester.nlp.minutes import find_minutes

    engine._clear_caches()
    first = engine.suggest("Gait training 12 min with RW.\nTherEx 15 min: bridges.")
    assert engine._minutes_read._kept   # the clause texts' readings, kept by this engine
    again = find_minutes("Gait training 12 min with RW.")
    again.clear()   # a caller may change the list it gets: the next reading is whole
    assert [m.minutes for m in find_minutes("Gait training 12 min with RW.")] == [12]
    assert engine.suggest("Gait training 12 min with RW.\nTherEx 15 min: bridges.").to_dict() == first.to_dict()


@pytest.mark.parametrize("text, codes", [
    ("S: sore after last visit\nO: Hot packs, TENS, US, Massage, Stretching\nA: Tolerated well.\nP: Continue",
     {"97010", "G0283", "97035", "97124", "97110"}),
    ("Tx: ther ex, gait training, HP\nPt tolerated tx well.", {"97110", "97116", "97010"}),
    ("S= less stiff today\nO= TherEx / NMR / manual & ice\nA= good response", {"97110", "97112", "97140", "97010"}),
])
def test_a_treatment_line_listing_services_documents_each(engine, text, codes):
    assert set(engine.suggest(text).codes) == codes


@pytest.mark.parametrize("text", ["Plan: TherEx, NMR, manual, ice 2x/wk x 4 wks",
                                  "Pt declined: TherEx, NMR, manual, ice",
                                  "Goals: independent with TherEx, NMR and gait training"])
def test_a_listed_plan_or_declined_list_documents_nothing(engine, text):
    assert engine.suggest(text).codes == []


def test_a_hot_compress_with_its_time_is_a_hot_pack(engine):
    r = engine.suggest("Treatment today:\n- Hot compress to R shoulder 15 mins\n- Ultrasound 8 mins")
    assert {"97010", "97035"} <= set(r.codes)


@pytest.mark.parametrize("text, phrase, code", [
    ("Soft-tissue mobilization to the calf 10 min.", "soft tissue mobilization", "97140"),
    ("Sit-to-stand training from a low chair x10, 8 min.", "sit-to-stand", "97530"),
    ("Soft tissue-mobilization of the calf 10 min.", "soft tissue mobilization", "97140"),
    ("Neuromuscular re education 10 min: SLS 3x30 s.", "neuromuscular re-education", "97112"),
])
def test_catalogue_phrases_are_found_hyphenated_or_not(engine, text, phrase, code):
    found = {(lit, frozenset(labels)) for _, _, lit, labels in engine.phrases.find(text)}
    assert (phrase, frozenset({code})) in found
    assert code in engine.suggest(text).codes


def test_each_service_of_a_two_service_sentence_is_read_by_its_own_statement(engine):
    # the gait piece's details after its first comma ("emphasis on ...") do not drown the service it names
    note = ("Patient completed 13 minutes of gait training without the splint, emphasis on terminal knee extension, "
            "and 10 minutes of stretching.")
    assert minutes_of(engine, note) == {"97116": 13, "97110": 10}


@pytest.mark.parametrize("note, codes", [
    # the items on a timed heading's line are done as that service ...
    ("TE 14 min: quad sets 2x10, SAQ 2x10, heel slides 2x10, sit<>stand from mat x5.\nMHP 10 min to the knee.",
     {"97110", "97010"}),
    ("Therapeutic exercise (15 min): seated marching 2x15; sit<>stand from chair w/ arms 2x5; heel raises at "
     "counter 2x10.", {"97110"}),
    ("Treatment today: TE 9 min - prone press-ups x10, TA bracing 2x10, hip hinge w/ dowel 2x8.", {"97110"}),
    # ... unless one of them gives its own time, or is on a line of its own
    ("TE 14 min: quad sets 2x10, SAQ 2x10; sit<>stand and car transfer practice 9 min.", {"97110", "97530"}),
    ("TE 14 min: quad sets 2x10, SAQ 2x10.\nTransfer training: sit<>stand and car transfers x5 with CGA, 9 min.",
     {"97110", "97530"}),
])
def test_items_on_a_timed_heading_line_belong_to_its_service(engine, note, codes):
    assert set(engine.suggest(note, payer="commercial").codes) == codes


def test_supervised_modalities_given_together_are_each_documented(engine):
    note = ("IFC to the cervical paraspinals, 4 electrodes, 80-150 Hz, w/ MHP, supine w/ towel roll x 15', unattended.\n"
            "TherEx 15 min: chin tucks, rows.")
    assert set(engine.suggest(note, payer="commercial").codes) == {"97014", "97010", "97110"}
    home = "Pt uses TENS and heat at home, 20 min at a time.\nTherEx 15 min: bridges, bird dog."
    assert set(engine.suggest(home, payer="commercial").codes) == {"97110"}


def test_a_service_named_with_its_time_is_that_service(engine):
    # the clinician names where the time went; "therapeutic" alone does not make therapeutic exercise
    note = ("Total session was 40 minutes: approximately 22 minutes of therapeutic activities and 18 minutes of "
            "neuromuscular re-education.\nTherapeutic activities included an obstacle course with step-overs and "
            "squatting to pick up beanbags, 5 rounds. Neuromuscular re-education included beam walking with hand-hold "
            "and the rocker board with heels down.")
    assert minutes_of(engine, note, payer="commercial") == {"97530": 22, "97112": 18}


@pytest.mark.parametrize("note, code", [
    ("Prosthetic training, subsequent encounter (16 min): liner and pin-lock donning, sock ply management, gait with "
     "the new socket in the bars.", "97763"),
    ("R AFO delivered and fitted today (initial encounter): donning/doffing with spouse, skin check, wear schedule "
     "reviewed, 18 min.", "97760"),
    ("Orthotic follow-up; unloader brace fitted 3 wks ago at the initial orthotic visit.\nOrthotic management and "
     "training 15 min: strap tension adjusted, donning sequence reviewed, skin check.", "97763"),
    ("Prosthetic training, subsequent (20 min): donning liner and pin lock, sock ply management, skin checks with "
     "mirror.", "97763"),
    ("Prosthetic training - f/u (20 min): donning liner and pin lock, sock ply management, skin checks with mirror.",
     "97763"),
])
def test_the_orthotic_or_prosthetic_code_follows_the_encounter(engine, note, code):
    codes = set(engine.suggest(note, payer="commercial").codes)
    assert code in codes and not ({"97760", "97761", "97763"} - {code}) & codes


def test_template_fields_left_blank_document_nothing(engine):
    note = ("Modalities:\n  Ultrasound (97035): ___ min\n  Hot/cold pack (97010): ___\n"
            "Therapeutic exercise (97110): 16 min - calf stretch 3x30 s, towel curls, heel drops 3x15\n"
            "Neuro re-ed (97112): ___\nGait training (97116): N/A\nMechanical traction (97012): --")
    assert engine.suggest(note, payer="commercial").codes == ["97110"]


def test_unchecked_boxes_document_nothing(engine):
    note = ("PROGRESS NOTE (Visit 8)\n[x] Mechanical traction (97012) - cervical, 15 min\n"
            "[x] Ther ex (97110) - 15 min: chin tucks, rows 3x12\n[ ] Moist heat (97010) - declined\n"
            "[ ] Gait training 97116 ....... ___ min\n[ ] Re-evaluation (97164)")
    result = engine.suggest(note, payer="commercial")
    assert set(result.codes) == {"97012", "97110"} and result.report["kind"] != "re_evaluation"


@pytest.mark.parametrize("note, codes", [
    # what the patient did in the water is the aquatic therapy ...
    ("Aquatic therapy 35 min, chest-deep water:\n- walking fwd/bwd/lateral 4 laps each\n- mini squats at the wall 2x15\n"
     "- single-leg stance on noodle 3x30 s\n- marching 2x20", {"97113"}),
    # ... while land work after a land cue, or with its own time, is billed on its own
    ("Aquatic therapy 30 min: water walking, squats at wall 2x15, SLS 3x30 s.\nOn land: bridges 2x12, clamshells 2x15.",
     {"97113", "97110"}),
    ("Aquatic therapy 30 min: water walking, squats at wall 2x15.\nTherEx 12 min: bridges 2x12, clamshells 2x15.",
     {"97113", "97110"}),
    # gait and balance work with the new prosthesis is the prosthetic training ...
    ("Prosthetic training, initial encounter - 25 min: donning liner and pin-lock socket x3; in the parallel bars "
     "weight shifts onto the prosthesis 3x10; gait in bars 4 x 10 ft with the prosthesis, min A.", {"97761"}),
    ("R TFA, socket delivered 2 wks ago.\nPt walked in the parallel bars, then with a walker, shifting weight onto the "
     "prosthesis.\nProsthetic training, subsequent encounter, lasted 30 min.", {"97763"}),
    # ... while gait training timed on its own after it is billed on its own
    ("Prosthetic training, initial encounter - 20 min: donning liner and socket, weight shifts onto the prosthesis.\n"
     "Gait training 12 min: RW 50 ft x3 with the prosthesis, CGA, cues for step length.", {"97761", "97116"}),
])
def test_a_session_covers_the_work_done_within_it(engine, note, codes):
    assert set(engine.suggest(note, payer="commercial").codes) == codes


def test_a_table_row_with_an_unchecked_box_is_not_a_service(engine):
    note = ("Intervention          Done   Time\n"
            "Ther Ex               [x]    18 min\n"
            "   bridges, clamshells, lateral band walks 2x15\n"
            "Ultrasound            [ ]    -\n"
            "Mechanical traction   [ ]    -\n")
    assert engine.suggest(note, payer="commercial").codes == ["97110"]


def test_a_bppv_diagnosis_line_is_not_canalith_repositioning(engine):
    note = ("Visit 4 - L posterior canal BPPV, residual imbalance.\nDix-Hallpike L/R negative today.\n"
            "Balance: tandem and SLS on foam EO/EC, walking with head turns - 15 min")
    assert set(engine.suggest(note, payer="commercial").codes) == {"97112"}
    done = note + "\nL Epley maneuver x2, nystagmus resolved on second cycle."
    assert "95992" in engine.suggest(done, payer="commercial").codes


@pytest.mark.parametrize("note, codes", [
    # an item of the exercise list: strengthening, not a functional activity of its own
    ("Ther ex 18 min: LAQ 3#, SLR 2x10, standing hip abd, heel raises, sit-to-stand 3x10.", {"97110"}),
    ("TE (12m) NuStep, marching, bridges, STS x10", {"97110"}),
    # the task trained for function: therapeutic activities
    ("Sit to stand from w/c x6 with min A, cues for hand placement and nose over toes, then stand pivot to mat. "
     "14 min.", {"97530"}),
])
def test_a_sit_to_stand_in_an_exercise_list_is_an_exercise_item(engine, note, codes):
    assert set(engine.suggest(note, payer="commercial").codes) == codes


@pytest.mark.parametrize("note, codes", [
    ("INITIAL EVAL - R shoulder. Moderate complexity.\nAfter the exam I took him through three exercises - pendulums, "
     "table slides, scap squeezes - a set of each while I corrected his form, about 10 min.", {"97110"}),
    # the same list as the home program is not a service given
    ("HEP reminder given to his wife to pass on (pendulums, table slides, scap squeezes, 10 min daily).", set()),
])
def test_a_timed_list_of_exercises_documents_exercise(engine, note, codes):
    assert set(engine.suggest(note, payer="commercial").codes) - {"97161", "97162", "97163"} == codes


@pytest.mark.parametrize("note, codes", [
    # a named exercise with its dose in a list of treatments given documents the exercise without a time
    ("Treatments provided:\n1) Hot pack on lumbar area x 20 min. in prone.\n2) Prone press-ups x 20 reps.",
     {"97010", "97110"}),
    ("Tx given: moist heat 10 min to L shoulder.\nPendulums 2x15, wall walks x10.", {"97010", "97110"}),
    # the same dose in the home program is not a service given
    ("Tx given: moist heat 10 min to L shoulder.\nHEP: prone press-ups x 10 reps every 2 hrs.", {"97010"}),
    # in a paragraph that names other services in other sentences, the dosed sentence is still the exercise's own
    ("Pt did sit to stand from w/c x5 with CGA, then worked on balance reaching outside BOS. Also participated in "
     "step-ups x10 each leg on a 4 inch step.", {"97530", "97112", "97110"}),
])
def test_a_named_exercise_with_its_dose_documents_exercise(engine, note, codes):
    assert set(engine.suggest(note, payer="commercial").codes) == codes


@pytest.mark.parametrize("note, code, minutes", [
    # one named exercise with the time spent on it is the exercise, beside another service
    ("Soft tissue to the forearm extensors, 8 min. Theraband wrist extension with slow lowering, 11 min.", "97110", 11),
    # "stabilization exercises" names exercise, not only the bare word "exercises"
    ("Grade III PA mobs L4-5, 10 min.\nThen he did his stabilization exercises on the mat, another fourteen minutes.",
     "97110", 14),
    # or with the time in a sentence of its own right after it
    ("Moist heat to the cervical spine, 10 min, unattended.\nThen deep neck flexor training with chin tucks on the "
     "plinth. It took about twelve minutes.", "97110", 12),
    # an item listed under another service's timed heading is that service's
    ("Neuromuscular re-education (20'):\n- tandem stance 5'\n- SLS on foam 5'\n- head turns on foam 6'\n"
     "- step-ups with 2-sec pause 4'", "97110", None),
])
def test_one_named_exercise_with_its_time_documents_exercise(engine, note, code, minutes):
    assert minutes_of(engine, note, "commercial").get(code) == minutes


def test_a_group_named_by_its_patients_surgery_is_group_therapy(engine):
    note = "She came to the Thursday total joint group and did the routine with the others.\n"
    assert set(engine.suggest(note).codes) == {"97150"}


@pytest.mark.parametrize("note, codes", [
    ("We worked on bed mobility and gait practice for twenty-two minutes.\nTolerated well.\n", {"97530", "97116"}),
    ("We did balance and gait work for 25 minutes.\n", {"97112", "97116"}),
    # names in parentheses after the second are its items, not a third service
    ("Pt s/p R THA.\nPt performed hip strengthening exercises and functional activities (sit-to-stand, carrying a "
     "laundry basket to the bed), 21 min.\n", {"97110", "97530"}),
])
def test_two_services_joined_by_and_before_one_time_are_both_documented(engine, note, codes):
    # each is documented; the one time is theirs together, so neither gets minutes (a finding says so)
    assert minutes_of(engine, note) == dict.fromkeys(codes)


def test_walked_me_through_is_explaining_not_walking(engine):
    note = ("Showed her how to pace bathing and dressing: shower chair, exhale with effort, clothes laid out at waist "
            "height. She walked me through her evening routine. (12 min)\n")
    assert minutes_of(engine, note) == {"97535": 12}


@pytest.mark.parametrize("note", [
    "TELEPHONE ENCOUNTER\nPt called with knee pain after a long walk. Advice: ice 15-20 min after exercises, hold "
    "step-ups until seen Thursday. Pt verbalized understanding. Approx 6 min.",
    "Discussed evidence for ultrasound in knee OA; pt not interested. TherEx 18 min: bike, step-ups, TKE, wall sits.",
])
def test_advice_and_discussion_are_not_services(engine, note):
    assert set(engine.suggest(note, payer="commercial").codes) <= {"97110"}


def test_a_charge_capture_block_ends_where_its_rows_end(engine):
    note = ("SPORTS PT - VISIT RECORD\nCharge capture:\n 97110 Ther ex ........ 15 min\n 97140 Manual therapy ... 8 min\n"
            "Activity log: bike 5'; 4-way band 2x15; lateral band walks; SL RDL 3x8 | talocrural AP glides gr III; "
            "STM peroneals\n")
    # the activity log is the visit's documentation: it documents both charged services
    assert set(engine.suggest(note, payer="commercial").codes) == {"97110", "97140"}
    # a billing block alone is still no documentation of the services it lists
    assert engine.suggest("Billing:\n97110 x2 units\n97140 x1", payer="commercial").codes == []


def test_a_flowsheet_row_that_states_its_code_and_names_the_service_documents_it(engine):
    note = ("CPT    Intervention                     Min   Detail\n"
            "97110  Therapeutic exercise             12    SCM stretch 3x30s each way\n"
            "97535  Caregiver/home mgmt training     10    carrying (football hold), car seat/crib positioning, "
            "feeding from L side; return demo x2 caregivers\n")
    found = minutes_of(engine, note, payer="commercial")
    assert found == {"97110": 12, "97535": 10}


@pytest.mark.parametrize("area, units", [(6, None), (20, None), (32, 1), (65, 3)])
def test_selective_debridement_adds_its_area_add_on(engine, area, units):
    note = (f"Sacral pressure injury, total area {area} sq cm. Selective debridement of adherent slough with scalpel "
            "and forceps across the wound bed to bleeding tissue.")
    found = {s.code: s.units for s in engine.suggest(note, payer="medicare").recommended}
    assert found.get("97597") == 1 and found.get("97598") == units


@pytest.mark.parametrize("line", [
    "Pared the callus rim and removed slough w/ #10 blade, about 2 sq cm.",
    "Trimmed callus at the wound edge and removed slough with a #15 blade, 4 sq cm.",
])
def test_the_debridement_told_as_what_was_removed_is_selective_debridement(engine, line):
    """'removal of slough' is a catalogue name of selective debridement; so are its verb forms ('removed slough',
    'removed necrotic tissue')."""
    assert engine.suggest(line, payer="medicare").codes == ["97597"]


@pytest.mark.parametrize("note, caregiver_code", [
    # the caregiver trained beside the patient: part of the patient's own services
    ("Daughter present for training. Transfers bed<>w/c and toilet with daughter guarding, cues for hand placement "
     "and her body mechanics, pt min A -> CGA, 15 min.", False),
    ("Caregiver training without the patient present: taught husband safe guarding for stairs and car transfers, "
     "practised with him on the stair model and the car simulator, 30 min.", True),
])
def test_caregiver_training_codes_need_the_patient_absent(engine, note, caregiver_code):
    codes = set(engine.suggest(note, payer="commercial").codes)
    assert bool(codes & {"97550", "97551", "97552"}) == caregiver_code


@pytest.mark.parametrize("note, code", [
    ("Dry needling, 0.30x50 mm needles, to R medial gastroc, lateral gastroc, soleus and tibialis posterior - "
     "fast-in/fast-out until LTRs extinguished.", "20561"),
    ("DN to R UT and LS x2 each with LTR, tolerated well.", "20560"),
    ("Dry needling (trigger point, solid filament 0.30x50mm and 0.30x75mm): R gluteus medius, R piriformis, "
     "R quadratus lumborum. Local twitch responses obtained.", "20561"),
    ("Dry needling (consent on file, clean technique, 0.30x50mm): R obturator internus (via ischiorectal approach, "
     "external), R piriformis. LTRs elicited both.", "20560"),
    ("Dry needled R upper trap, R levator scapulae, R suboccipitals; local twitch in all.", "20561"),
    ("DN L masseter + L temporalis, 30mm needles, LTR x3 masseter. Pt tolerated.", "20560"),
    ("Dry needling (consent reviewed, clean technique, gloves):\n Total muscles needled: 3. No bleeding.", "20561"),
    ("Dry needling w/ 0.25 x 40 mm needles: R upper trap, R levator scapulae, R infraspinatus - pistoning, LTRs in "
     "UT.", "20561"),
    ("DN using 0.30x50 mm needles: L glute med, L piriformis. LTR x2.", "20560"),
])
def test_the_needled_muscles_are_counted_as_written(engine, note, code):
    """The muscles needled are listed after 'to', right after the procedure's name with a side, or after a long
    parenthesis; a note in parentheses inside an item, the needles' size and the twitch count are not muscles; a
    count written as the list ('Total muscles needled: 3') is the count."""
    assert engine.suggest(note, payer="commercial").codes == [code]


def test_a_catalogue_name_written_in_the_plural_still_names_its_service(engine):
    """'wax dips' is the catalogue's 'wax dip' (its last word in the plural): it names the paraffin, and the evidence
    shows the catalogue's phrase."""
    note = "Dx: hand OA.\nWarm wax dips to both hands x3 before the exercises.\nPt tolerated well."
    assert "97018" in {s.code for s in engine.suggest(note, payer="commercial").recommended}
    assert [(h[2], h[3]) for h in engine.phrases.find("wax dips to both hands")] == [("wax dip", {"97018"})]


@pytest.mark.parametrize("note, code", [
    ("Myofascial jaw pain. DN performed (consent signed, 0.16 x 30 mm): B masseter, B temporalis. LTRs x3.", "20561"),
    ("Dry needling: b/l upper trapezius, R levator scapulae.", "20561"),
    ("Dry needling: B upper trapezius. LTR elicited both sides.", "20560"),
    ("Dry needling: R upper trapezius, R levator scapulae.", "20560"),
])
def test_a_needled_muscle_named_on_both_sides_counts_twice(engine, note, code):
    """'B masseter, B temporalis' is four muscles (3 or more is the higher code); 'DN performed (...):' opens the list."""
    assert engine.suggest(note, payer="commercial").codes == [code]


@pytest.mark.parametrize("note, code", [
    ("Multilayer compression bandaging L UE: stockinette, finger wraps, foam, short-stretch bandages hand to axilla.",
     "29584"),
    ("Multilayer compression bandaging R LE from the toes to below the knee, short-stretch bandages.", "29581"),
    ("Multi-layer compression wrap re-applied, 4 layers, skin intact.", "29581"),
])
def test_the_compression_wrap_code_follows_the_limb_wrapped(engine, note, code):
    assert engine.suggest(note, payer="commercial").codes == [code]


@pytest.mark.parametrize("note, payer, codes", [
    ("- E-stim, unattended: NMES to L supraspinatus/post delt, pt seated in recliner w/ arm trough while PT treated "
     "another pt. 15 min.\n- Ther ex 10 min: wand flexion, pulleys, scap retraction", "medicare", {"G0283", "97110"}),
    ("FES cycle: set up on RT300 with stim to L quad/ham/glute; pt cycled 20 min while PTA worked with another pt.\n"
     "Gait training 15 min: quad cane, cues for L stance time.", "commercial", {"97014", "97116"}),
    ("IFC to lumbar paraspinals 12 min, PT in constant attendance adjusting intensity.\nTE 10 min: bridges, bird dog.",
     "commercial", {"97032", "97110"}),
    ("Car transfer practice x3 - 10 min.\nFES cycling 30 min: rehab tech set up and watched from across the gym, PT not "
     "present.", "medicare", {"97530", "G0283"}),
    ("Car transfer practice x3 - 10 min.\nNMES to R quad during the FES bike 20 min, therapist not present.", "commercial",
     {"97530", "97014"}),
])
def test_attended_or_unattended_stimulation_follows_what_the_note_says(engine, note, payer, codes):
    """NMES names the attended code and IFC the unattended one, but the note's own words decide: 'unattended',
    'while PT treated another pt' is the unattended code (G0283 for Medicare); 'PT in constant attendance' is 97032."""
    assert set(engine.suggest(note, payer=payer).codes) == codes


@pytest.mark.parametrize("note, payer, codes", [
    ("Sacral stage 3 pressure injury 3.1 x 2.4 cm, granular base.\nHVPC to the wound bed (cathode in the dressing over the "
     "ulcer), 60 min unattended.", "medicare", {"G0281"}),
    ("Venous ulcer L medial malleolus. E-stim pads placed around the wound edges, 45 min; checked on pt twice.",
     "commercial", {"G0281"}),
    # stimulation for pain stays the unattended code
    ("IFC to the low back 15 min unattended.\nTE 12 min: bridges, dead bugs, bird dogs.", "medicare", {"G0283", "97110"}),
])
def test_unattended_stimulation_of_a_wound_is_the_wound_code(engine, note, payer, codes):
    """G0281 is the unattended stimulation given for wound care: an unattended stimulation whose lines name the wound
    it treats is that code, whatever stimulation name the line uses (HVPC, e-stim)."""
    assert set(engine.suggest(note, payer=payer).codes) == codes


def test_a_named_repositioning_maneuver_is_documented_without_a_time(engine):
    """Canalith repositioning is untimed: 'Tx today: Epley L with modification (...), x1' documents it."""
    note = ("Positional testing: L DH (+) upbeat/torsional, latency 2 s, fatigable.\nTx today: Epley L with modification "
            "(tilt table and support under the thoracic spine for head-hang), x1. Retest L DH neg.")
    assert engine.suggest(note, payer="commercial").codes == ["95992"]


def test_a_named_repositioning_maneuver_with_its_time_is_documented(engine):
    note = "R horizontal canal BPPV, geotropic.\n2:05-2:14 Lempert roll toward the L, tolerated with mild nausea."
    assert engine.suggest(note, payer="commercial").codes == ["95992"]


@pytest.mark.parametrize("line, code", [
    ("Rigid strapping applied to L shoulder (Cover-Roll base + rigid tape) to support the humeral head.", "29240"),
    ("Athletic taping R ankle (closed basket weave) before the agility drills.", "29540"),
])
def test_strapping_named_generically_is_the_code_of_the_site_strapped(engine, line, code):
    """'strapping', 'athletic taping': every body site's strapping code shares these names; the site decides."""
    note = f"{line}\nNMR 22 min: scapular setting in supported sitting, weight bearing through L UE on mat."
    assert set(engine.suggest(note, payer="medicare").codes) == {code, "97112"}


@pytest.mark.parametrize("line", ["Sub-threshold aerobic: treadmill brisk walk, HR 120-130 (80% of threshold), 15 min.",
                                  "Interval aerobic on upright bike 15 min: 30 s hard / 60 s easy x10, HR to 170."])
def test_aerobic_work_in_concussion_care_is_therapeutic_exercise(engine, line):
    note = f"{line}\nVOR x1 horizontal, standing, busy background, 4 x 30 s, 10 min."
    assert minutes_of(engine, note, payer="commercial") == {"97110": 15, "97112": 10}

def test_a_buffalo_concussion_treadmill_test_is_a_performance_test(engine):
    """A Buffalo Concussion Treadmill Test with its report is 97750; a bike session dosed from an earlier BCTT is
    exercise (the abbreviation names the test's result there, so it is not a phrase)."""
    report = ("BUFFALO CONCUSSION TREADMILL TEST - REPORT\nProtocol: 3.2 mph, grade +1%/min. Stopped at min 14, HR 168, "
              "headache 2 -> 5/10. Sub-symptom threshold HR target 134. Written report sent to the referring MD.")
    assert engine.suggest(report, payer="commercial").codes == ["97750"]
    dosed = "Aerobic: upright bike sub-sx threshold, HR kept 125-130 (BCTT threshold 158) - 20 min. No sx increase."
    assert engine.suggest(dosed, payer="commercial").codes == ["97110"]


def test_lsvt_big_maximal_daily_exercises_are_neuromuscular_reeducation(engine):
    """LSVT BIG's maximal daily exercises (MDEs) are large-amplitude movement retraining, not exercise for strength."""
    note = ("Maximal Daily Exercises (seated + standing: floor-to-ceiling, side-to-side, stepping fwd/side/back, rock & "
            "reach) ......... 20 min\nFunctional component tasks: sit to stand from low chair, rolling in bed ... 15 min")
    assert minutes_of(engine, note, payer="commercial") == {"97112": 20, "97530": 15}


def test_functional_task_practice_is_therapeutic_activities(engine):
    note = ("Shaping/functional task practice (10:00-10:30): retrieving cups from a shelf and placing them in the sink, "
            "wiping the table, opening and closing a drawer.\nMotor control (10:30-10:45): isolated wrist and finger "
            "extension with tapping facilitation.")
    assert minutes_of(engine, note, payer="commercial") == {"97530": 30, "97112": 15}


def test_man_therapy_is_manual_therapy(engine):
    note = "Pt seen f/u R shoulder pain. Ther ex 2 units, man therapy 1 unit, tolerated well. Cont POC."
    assert set(engine.suggest(note, payer="commercial").codes) == {"97110", "97140"}


@pytest.mark.parametrize("note", [
    "Video visit with pt and wife. Spent twenty minutes on caregiver/home management training: wife taught bed "
    "positioning with pillows and a wedge, set-up of the bedside commode, clear path at night; she demonstrated the turn.",
    "Spent 20 min on caregiver/home mgmt training: wife taught bed positioning with pillows and a wedge, commode set-up.",
])
def test_time_spent_on_a_named_service_documents_it(engine, note):
    """'Spent twenty minutes on caregiver/home management training: ...' names the service its time was spent on."""
    assert minutes_of(engine, note) == {"97535": 20}


def test_a_phone_call_with_someone_else_beside_the_visit_is_no_non_visit(engine):
    # calling the adjuster or the physician about the patient is coordination, not a phone contact instead of the visit
    note = ("Functional capacity evaluation completed face to face: lifting floor to waist, carrying, push/pull, "
            "ladder climbing, grip. Written report sent to the physician.\nCalled adjuster afterward to summarize "
            "findings (10 min phone call).")
    result = engine.suggest(note, "commercial")
    assert result.non_visit is None and "97750" in result.codes
    # a phone contact with the patient is still one
    call = "Phone call with pt: knee better, doing her exercises daily. Questions about the walker answered."
    assert engine.suggest(call).non_visit == "phone" and not engine.suggest(call).recommended


@pytest.mark.parametrize("line", ["TherEx/NMR (combined)   25 min    - DNF holds, scap retraction w/ TB, prone Y/T, "
                                  "seated postural correction w/ mirror + tactile cues, quadruped head control",
                                  "Ther ex + NMR: 25 min - chin tucks, rows w/ TB, postural correction at mirror"])
def test_service_names_joined_before_one_time_are_each_documented(engine, line):
    """'TherEx/NMR (combined) 25 min': two named services share one time: each is documented, the time is split
    between neither."""
    note = f"Interventions:\n  {line}\n  Manual                  10 min    - upper thoracic PA mobs gr III, STM levator"
    assert minutes_of(engine, note, payer="commercial") == {"97110": None, "97112": None, "97140": 10}


def test_a_self_care_block_lists_its_lifting_and_carrying_as_its_items(engine):
    """'Self-care/home mgmt training x 15 min: body mechanics for laundry basket lift from floor, ...': the line opens
    with the self-care service's name and time; the lifting and carrying on it are that training's items, not
    therapeutic activities of their own."""
    note = ("Self-care/home mgmt training x 15 min: body mechanics for laundry basket lift from floor, unloading car "
            "with grocery bags (split load, close to body), kneeling to reach low cupboards.\n"
            "Ther ex 18 min: bridges, clamshells, rows with band.")
    assert minutes_of(engine, note, payer="commercial") == {"97535": 15, "97110": 18}


def test_a_manual_cue_inside_a_timed_gait_line_is_an_item_of_the_gait(engine):
    """'Gait: 35 ft x2 hemi-walker modA, ... R DF assist w/ manual cue - 8'': the manual cue is how the gait was
    trained, not manual therapy of its own (manual therapy is one of the block-owning services whose names inside
    another service's timed line are that line's items)."""
    note = ("* Transfers bed<>chair stand-pivot, minA, cues for R hand placement - 10'\n"
            "* Gait: 35 ft x2 hemi-walker modA, R knee buckling x2 caught by PT, R DF assist w/ manual cue - 8'")
    assert minutes_of(engine, note, payer="commercial") == {"97530": 10, "97116": 8}


def test_a_named_class_with_its_participants_is_group_therapy(engine):
    note = ("Falls prevention class today, 6 participants, PT leading: heel-toe walking at the rail, sit to stand, "
            "side stepping, calf raises. Pt needed 1 hand support for heel-toe.")
    assert engine.suggest(note, payer="commercial").codes == ["97150"]


@pytest.mark.parametrize("note, codes", [
    ("Manual: MLD L arm and trunk, 30 min.\nTaught self-MLD sequence for home management with a mirror: neck, axilla "
     "clearing, arm strokes proximal to distal - 12 min.", {"97140": 30, "97535": 12}),
    ("TherEx 15 min: pendulums, table slides, isometrics.\nInstructed pt in use of sock aid and long-handled shoe horn, "
     "return demo x2 - 10 min.", {"97110": 15, "97535": 10}),
])
def test_self_care_taught_with_its_own_time_is_self_care_training(engine, note, codes):
    """A line naming a self-care task or aid that says it was taught, with its own time, documents 97535 even where
    the model reads the plain wording weakly."""
    assert minutes_of(engine, note, payer="commercial") == codes


def test_someone_elses_self_care_in_the_room_is_not_taught(engine):
    note = ("Home health aide was finishing her sponge bath on arrival, 10 min.\n"
            "Gait training 20 min with RW in hallway, cues for step length.")
    assert minutes_of(engine, note, payer="commercial") == {"97116": 20}


@pytest.mark.parametrize("note, minutes", [
    ("Gait training with SPC on level surfaces, 150 ft x2 - 12 min, cues for heel strike.", 12),
    ("Gait training with SPC on level surfaces x10-12 min, cues for heel strike.", 10),
])
def test_a_count_before_a_spaced_dash_is_not_the_start_of_a_range(engine, minutes, note):
    """'x2 - 12 min' is two laps, then twelve minutes; 'x10-12 min' is a range of ten to twelve minutes."""
    assert minutes_of(engine, note) == {"97116": minutes}


def test_fluido_is_fluidotherapy(engine):
    note = "Fluido 15' @ 110F w/ AROM in the cabinet.\nTendon glides, PIP/DIP blocking, soft putty 20'."
    assert set(minutes_of(engine, note, payer="commercial")) == {"97022", "97110"}


def test_wheelchair_loading_written_wc_is_wheelchair_management(engine):
    note = ("WC loading - 12 min - rigid-frame chair: pop the wheels off with quick-release, fold the backrest, pull the "
            "frame across into the passenger seat, then the wheels.")
    assert minutes_of(engine, note, payer="commercial") == {"97542": 12}


@pytest.mark.parametrize("note, codes", [
    ("Went up and down the stairs with one rail, 10 min.", {"97116": 10}),
    ("Practiced pushing her wheelchair up the ramp and through doorways, 15 min.", {"97542": 15}),
])
def test_plain_words_for_stairs_and_wheelchair_propulsion(engine, note, codes):
    assert minutes_of(engine, note, payer="commercial") == codes


@pytest.mark.parametrize("note, codes", [
    ("Tx: TE 15', NMR 10', MT 8' (33 min total timed)", {"97110": 15, "97112": 10, "97140": 8}),
    ("Pt seen 45 min: 20 min ther ex, 15 min gait, 10 min manual.", {"97110": 20, "97116": 15, "97140": 10}),
])
def test_a_session_total_beside_the_services_is_no_services_time(engine, note, codes):
    """A timed total in parentheses after the last item, and 'Pt seen 45 min:' before the items, are the session's."""
    assert minutes_of(engine, note, payer="commercial") == codes


@pytest.mark.parametrize("note, found", [
    ("7yo toe walker. Treadmill gait w/ 10% incline + cues for heel contact (12m). Heel walks/calf stretch/squats (8m). "
     "DF R 4, L 2.", {"97116": 12, "97110": 8}),
    ("Teen, ankle sprain wk 4. Lateral hops and single-leg stance on foam (10m). Calf raises/band eversion/step-downs "
     "(9m). No pain.", {"97112": 10, "97110": 9}),
])
def test_exercises_named_with_their_own_time_beside_another_timed_service_on_the_line(engine, note, found):
    # each service of the line is named with its own time: the exercise list is documented like one on a line of its own
    assert minutes_in(engine.suggest(note, payer="commercial")) == found


@pytest.mark.parametrize("note, found", [
    # the warm-up's time is its own item, not the next activity's
    ("NuStep 8 min for warm up, then balance on foam and tandem walking 12 min.", {"97110": 8, "97112": 12}),
    ("Bike 6 min warm-up, then gait on the treadmill w/ cues 10 min.", {"97116": 10}),
])
def test_a_timed_warm_up_then_another_timed_activity_are_two_items(engine, note, found):
    assert minutes_in(engine.suggest(note, payer="commercial")) == found


def test_misspelled_and_misheard_service_names_are_read_as_meant(engine):
    """lexicon.json spelling_variants: 'theraputic excercise', 'manuel therapy', 'gate training' and 'ultra sound'
    name their services; the evidence still points at the words as written."""
    note = ("pt s/p r tka 4 wks\ntheraputic excercise 15min bike warm up then quad sets slr tke 2x10 ea\n"
            "manuel therapy 10 min patellar mobs all directions\ngate training 8 mins w/ sc focus heel strike\n"
            "ultra sound 1mhz to r knee 8 mn")
    result = engine.suggest(note, payer="commercial")
    assert {s.code: s.minutes for s in result.recommended} == {"97110": 15, "97140": 10, "97116": 8, "97035": 8}
    gait = next(s for s in result.recommended if s.code == "97116")
    assert any(note[e.start:e.end].startswith("gate training") for e in gait.evidence)
    # a gate is still a gate: only the phrase is read as gait training
    assert "97116" not in engine.suggest("Pt walked out to the gate with her daughter after the session.").codes


def test_a_spelling_table_that_is_not_words_and_phrases_is_refused(tmp_path):
    import json

    from suggester.errors import ResourceError
    from suggester.nlp.rules import load_lexicon

    good = json.loads(Path(ROOT, "suggester", "resources", "lexicon.json").read_text("utf-8"))
    for bad in ({"words": {"gate training": "gait training"}, "phrases": {}},   # a phrase among the words
                {"words": {"Theraputic": "therapeutic"}, "phrases": {}},        # not lowercase
                {"words": {}}):                                                  # no phrases
        path = tmp_path / "lexicon.json"
        path.write_text(json.dumps(dict(good, spelling_variants=bad)), "utf-8")
        with pytest.raises(ResourceError, match="spelling_variants"):
            load_lexicon(path)


def test_abbreviations_typed_in_lowercase_name_their_service_when_the_lowercase_is_no_word(engine):
    """'ifc' is IFC and 'nmr' is NMR; 'us' stays the pronoun (ultrasound is 'US' only in capitals)."""
    note = "lbp - ifc unattended w/ hot pack to lumbar 15mins pt in prone\nmanual 12 stm l paraspinals, pa mobs L3-5"
    assert {"G0283", "97010", "97140"} == set(engine.suggest(note, payer="medicare").codes)
    assert "97035" not in engine.suggest("Pt told us her back felt better after ther ex 20 min.", payer="medicare").codes


def test_in_a_note_written_in_capitals_us_and_met_are_words_unless_a_dose_follows(engine):
    note = "PT TOLD US SHE WALKED TO CHURCH. STG #1 MET. THER EX 15 MIN: BIKE, SLR, TKE. PLAN: ADD US NEXT VISIT."
    assert engine.suggest(note, payer="commercial").codes == ["97110"]
    dosed = "US @ 1 MHZ, 1.0 W/CM2 TO R SUPRASPINATUS X 8 MIN. THER EX 12 MIN ROWS."
    assert minutes_of(engine, dosed, "commercial") == {"97035": 8, "97110": 12}


@pytest.mark.parametrize("note, found", [
    ("Walked from the den through the kitchen to the back door and back with quad cane, 4 laps. Caught R foot on the "
     "threshold twice; cued heel strike on R and to slow down. CGA. 15 min.", {"97116": 15}),
    ("Pt walking bedroom to kitchen w/ SPC, cued heel strike and longer steps, 3 laps, ~12 min.", {"97116": 12}),
    # the same cue inside another service's line trains that service's movement, not walking
    ("Step ups on 6 inch step 3x10 with cues for heel strike. 10 min.", {"97110": 10}),
])
def test_walking_with_cues_for_what_the_gait_gets_wrong_is_gait_training(engine, note, found):
    """A clinician cueing heel strike, step length or cadence while the patient walks is training the gait, however
    plainly the walk is written ('Walked from the den ... 4 laps'), where the model alone reads little."""
    assert minutes_of(engine, note, payer="commercial") == found



@pytest.mark.parametrize("note, found", [
    ("Knee stiff going into the bend. I worked the knee by hand, moving the kneecap up and down and gliding the shin "
     "back, 10 min. Then bike 6 min, heel slides, SLR 2x10, 12 min.", {"97140": 10, "97110": 18}),
    ("Loosened the tight muscles along his low back with my hands, side-lying, about 8 min. Then prone press-ups x10.",
     {"97140": 8}),
    # hands on a surface say how a task was done, not that the therapist's hands treated the patient
    ("Sit to stand from the recliner x8 with hands on the armrests, min A, cues to scoot forward. 10 min.", {"97530": 10}),
])
def test_the_therapists_hands_on_the_tissue_are_manual_therapy(engine, note, found):
    """A clinician writing that they worked a joint or the soft tissue by hand ('by hand', 'with my hands', 'hands-on
    soft tissue work') and what they worked on (a glide, the kneecap, the muscles, a scar) documents manual therapy,
    however plainly it is written (engine.json training_cue_rules)."""
    got = minutes_of(engine, note, payer="commercial")
    assert {c: got.get(c) for c in found} == found



_SUMMARY = ("DISCHARGE SUMMARY - PT\nDx: R TKA. Dates 3/3 - 4/21, total visits: 16.\nPt progressed through quad and hip "
            "strengthening, patellar mobilizations, gait training from rolling walker to cane, and stair training.\n"
            "Status at discharge: knee flexion 118, ext 0; gait 1000 ft no device.\nGoals 4/4 met. D/C to HEP.\n")


@pytest.mark.parametrize("note, billed", [
    # a summary written after the last visit: the services it lists were given at earlier visits
    (_SUMMARY, set()),
    ("Dear Dr. Alvarez,\nMr. K has attended 9 of 10 visits since 5/2 for his L shoulder. We worked on posterior capsule "
     "stretching, rotator cuff strengthening with bands, scapular stabilization and joint mobilizations. Flexion is now "
     "160 and ER 75. I am requesting 6 more visits.\nSincerely, R. Osei, PT", set()),
    # the same summary with the day's visit documented (a dose, or a time): that visit's exercise is billed
    (_SUMMARY.replace("Status at", "Final visit: leg press 3x10, step ups x15 each leg.\nStatus at"), {"97110"}),
    (_SUMMARY.replace("Status at", "Today: bike 8 min, leg press, step ups.\nStatus at"), {"97110"}),
])
def test_a_summary_of_earlier_visits_bills_none_of_their_services(engine, note, billed):
    """A discharge summary, progress report or letter that looks back over the episode ('total visits: 16', 'has
    attended 9 of 10 visits') and documents no session of its own on its date bills none of the services it lists
    (engine.json episode_summary): they are listed to review, and the explanation says why. A session on the day (a time
    or a dose of something done) is billed as usual."""
    result = engine.suggest(note, payer="medicare")
    assert billed <= set(result.codes) and (billed or not result.codes)
    if not billed:
        listed = [s for s in result.suggestions if not s.recommended]
        assert {"97110"} <= {s.code for s in listed}
        assert all("looks back over earlier visits" in s.explanation for s in listed if s.code == "97110")


@pytest.mark.parametrize("note, code", [
    ("Dex patch with battery applied to L lateral epicondyle, pt to remove in 4 hrs.", "97033"),
    ("Set up prone with 4 pads on the low back and the stim machine on under a hot pack, 15 min, I was with another "
     "patient.", "G0283"),
])
def test_modalities_named_by_their_parts_are_named(engine, note, code):
    """A clinician names a modality by what they put on the patient ('dex patch', 'stim machine', 'stim pads'): the
    catalogue's synonyms hold those names."""
    assert code in engine.suggest(note, payer="medicare").codes

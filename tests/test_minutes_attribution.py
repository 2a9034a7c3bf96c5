"""Minute attribution: each code's minutes, where they came from and the rule that linked them.
Synthetic notes written for these tests, one per rule of suggester/minutes_attribution.py."""

import pytest

from expect import minutes_in, minutes_of
from suggester.nlp.minutes import find_minutes, find_totals


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
    ("flowsheet-subtotal-row", "Exercise | Sets | Time\nUBE | - | 6 min\nRows | 3x12 |\nWall push-ups | 2x15 |\n"
     "TE subtotal | | 19 min", "97110", 19, "service_total"),
    ("time-sentence-then-how-it-went", "I had him do quad sets, straight leg raises and terminal knee extension "
     "with a band.\nThat took roughly 14 minutes, and he needed tactile cues at the quad to keep the knee fully locked "
     "through the final reps of each set.", "97110", 14, "following_sentence"),
    ("aquatic-heading-with-depth", "Aquatic ther ex 25 min in waist-deep water: marching 4 laps, squats at rail 2x15, "
     "deep-water cycling 4 min.", "97113", 25, "block_header"),
    ("line-end-time-after-dash", "- TE: recumbent bike 7 min, heel slides, SLR 2x10, step-ups 4\" 2x10 -- 24 min",
     "97110", 24, "service_total"),
    ("line-end-time-after-a-rest", "Gait: amb 120' x2 RW CGA, then 80' with SPC min A; cues for step length; 1 seated "
     "rest -- 20 min", "97116", 20, "service_total"),
    ("line-end-time-longer-heading", "Orthotic mgmt & trng: resting hand orthosis fabricated from thermoplastic and "
     "molded, straps added; don/doff and wear schedule taught -- 25 min", "97760", 25, "service_total"),
    ("line-end-time-composite-heading", "Vestibular/NMR: VOR x1 against a busy background 4x60 s, head turns during "
     "tandem gait, ball toss with head turns -- 22 min", "97112", 22, "service_total"),
    ("bordered-table-subtotal-row", "| Exercise | Sets | Time |\n| Heel raises | 3x15 | 4 min |\n| Eccentric drops | 3x15 | "
     "6 min |\n| Subtotal Ther Ex (97110) | | 10 min |\n| Total timed | | 10 min |", "97110", 10, "service_total"),
    # the session's only service: a session total replaces the time of one of its items
    ("session-total-over-an-item", "Time in 2:10  Time out 2:48\nTherapeutic exercise: upright bike 7 min, step-ups "
     "2x12, lateral band walks, wall squats 3x10.", "97110", 38, "session_total"),
    ("own-line-total-over-an-item", "TherEx: UBE (5 min), rows 3x10, ER/IR with band\n   Total: 16 min", "97110", 16,
     "session_total"),
    ("flowsheet", "Intervention | Minutes | Details\nGait training | 18 | FWW 150 ft x2 CGA", "97116", 18, "table_column"),
    ("service-total", "Neuro re-ed today: 5 min of weight shifting in stride stance, then reaching on foam and "
     "stepping over cones; 22 min total for the re-ed.", "97112", 22, "service_total"),
    ("whole-piece-sentence", "We did the gait training, about six minutes in the bars, then the walker in the hall "
     "and the ramp.\nThat whole piece was twenty-eight minutes.", "97116", 28, "service_total"),
    ("session-remainder", "Seen 1:10 to 1:50. Began with 15 minutes of soft tissue mobilization to the "
     "paraspinals, rest of the visit spent on gait training with the quad cane in the hallway.", "97116", 25,
     "session_remainder"),
    ("clock-range", "Ther ex 0915-0937: step-ups, leg press, hamstring curls.", "97110", 22, "block_header"),
    ("time-log-after-the-plan", "Interventions:\nUBE 5 min\nRows 3x15 green band\nWall slides 2x10\n"
     "Plan: progress overhead strengthening next visit.\nTime: ther ex 22 min, manual 9 min.", "97110", 22, "time_log"),
    ("time-field-under-a-block", "Gait training\n  Device: SPC\n  Distance: 150 ft x3\n  Time: 14'\n"
     "Manual therapy\n  Time: 9'", "97116", 14, "following_sentence"),
]

# (id, text, code, minutes): no single rule name to check, the figure is what matters
FIGURES = [
    ("rest-break-left-out-of-session", "In 10:00 / Out 10:40\nTherapeutic exercise: bike, squats, step-ups, "
     "bridges.\nSeated rest break 5 min with vitals.", "97110", 35),
    ("rows-of-one-code-add-up", "Exercise | Sets | Min\nRecumbent bike | - | 8\nLeg press | 3x12 | 6\n"
     "Hamstring curls | 3x12 | 5", "97110", 19),
    ("breakdown-inside-a-row", "Intervention | Minutes | Details\nTherEx | 20 | bike 8 min, leg press 2x12, wall sits",
     "97110", 20),
    ("range-between", "Somewhere between ten and twelve minutes of manual therapy to the thoracic spine, "
     "PA glides and STM.", "97140", 10),
    ("words-with-digits", "Therapeutic activities: nine (9) minutes - lifting a laundry basket to counter height.",
     "97530", 9),
    ("rest-inside-the-sentence", "Pt performed endurance and LE strengthening exercise for 24 minutes, with rest "
     "breaks totaling 6 minutes (not included).", "97110", 24),
    ("unnamed-row-of-a-flowsheet", "Exercise | Reps | Min\nStationary bike | - | 7\nGoblet squat | 3x8 | 6\n"
     "Pallof press | 3x10 | 5", "97110", 18),
    ("total-row-is-not-a-service", "Task | Min\nSit to stand from low chair x8 | 6\nBed to chair stand pivot | 5\n"
     "Floor to waist lift of a 10 lb box | 7\nTotal | 18", "97530", 18),
    ("rows-indented-under-a-row", "Therapeutic exercise ........... 20 min\n    bike ............. 8 min\n"
     "    step-ups ......... 6 min\n    bridges .......... 6 min\nManual therapy ......... 10 min", "97110", 20),
    ("dot-rows-under-a-header-line", "Strengthening block - 30 min\n  UBE ........ 8 min\n  rows ........ 6 min\n"
     "  wall slides ........ 6 min", "97110", 30),
    ("time-of-the-items-above", "Exercise | Sets | Notes\nUBE | 5 min | warm-up\nRows | 3x12 | GTB\nWall slides | 2x10 |\n"
     "Therapeutic exercise: 21 min (exercises above)", "97110", 21),
    ("row-name-with-its-detail-in-parentheses", "Activity | Assist | Min\nTandem stance on foam | CGA | 10\n"
     "Sit to stand, no UE | SBA | 6\nFloor recovery (half-kneel to chair to stand) | CGA | 9", "97530", 15),
    ("narrative-block-header", "Therapeutic exercise was performed for 18 minutes, consisting of bridges 2x12, "
     "clamshells 2x15 and the recumbent bike for 5 minutes at level 3.", "97110", 18),
    ("total-beside-the-header-only", "Gait training (25 min total): treadmill 12 min at 2.0 mph, then hallway with SPC "
     "8 min and stairs.", "97116", 25),
    ("more-minutes-later", "Started with eight minutes of exercise on the bike and step-ups.\nThen STM to the "
     "calf, ten minutes.\nFinished with six more minutes of exercise, calf stretching.", "97110", 14),
    ("schedule-is-not-session-time", "Orthotic training 25 min: donning/doffing the AFO with pt and spouse; wear "
     "schedule 1 hr x 2/day, increasing by 1 hr per day.", "97760", 25),
    ("part-of-the-planned-time", "Came in late, so she finished only twelve out of the planned 25 minutes of "
     "therapeutic exercise (bike, wall squats, step-downs).", "97110", 12),
    ("dose-column-is-not-the-time-column", "Knee flowsheet        Dose              Min\nWall squats           3x10              "
     "9\nRocker board (balance)  3 min each way    7\nTandem walking        4 laps            6", "97112", 13),
    # two visits in one note: a time in its own sentence after the first visit's service is that visit's, even though
    # the same service has a time of its own in the second visit's paragraph
    ("two-visits-in-one-note", "Seen twice today.\n\nMorning: heel slides, quad sets and long-arc quads with a 2 lb "
     "cuff. Knee flexion 0-85 deg. 12 min. Hallway walking with the walker 100 ft x2, cues for heel strike. 14 min.\n\n"
     "Afternoon: heel slides and long-arc quads again, 9 min. Walked 160 ft with the walker, 10 min.", "97110", 21),
    ("two-visits-in-one-note-gait", "Seen twice today.\n\nMorning: heel slides, quad sets and long-arc quads with a 2 lb "
     "cuff. Knee flexion 0-85 deg. 12 min. Hallway walking with the walker 100 ft x2, cues for heel strike. 14 min.\n\n"
     "Afternoon: heel slides and long-arc quads again, 9 min. Walked 160 ft with the walker, 10 min.", "97116", 24),
    # a later session's in/out times opening its line head the one service documented after them
    ("second-session-in-out", "AM: In 0900 / Out 0930. Walked 200 ft with the walker, cues for step length, 18 min; "
     "stairs 6 steps with one rail, 12 min.\nPM: In 1500 / Out 1525. Standing balance on foam, feet together, then "
     "tandem stance with head turns.", "97112", 25),
]


@pytest.mark.parametrize("cid,text,code,minutes,rule", CASES, ids=[c[0] for c in CASES])
def test_minutes_and_their_source(engine, cid, text, code, minutes, rule):
    s = next(s for s in engine.suggest(text).recommended if s.code == code)
    assert s.minutes == minutes
    assert [m.rule for m in s.minutes_evidence] == [rule]
    for m in s.minutes_evidence:  # the span holds the time it names
        assert text[m.start:m.end].strip()
        if m.rule not in ("session_total", "session_remainder", "single_timed_total", "table_column"):
            assert [x.minutes for x in find_minutes(text[m.start:m.end])] == [m.minutes]
    d = s.to_dict()["minutes_evidence"][0]
    assert set(d) == {"start", "end", "minutes", "rule", "confidence"}


@pytest.mark.parametrize("cid,text,code,minutes", FIGURES, ids=[c[0] for c in FIGURES])
def test_minutes_figures(engine, cid, text, code, minutes):
    s = next(s for s in engine.suggest(text).recommended if s.code == code)
    assert s.minutes == minutes, [(m.rule, text[m.start:m.end]) for m in s.minutes_evidence]


def test_group_session_covers_what_the_group_did(engine):
    text = ("Pt attended the hip OA group class with 4 other patients, PT supervising.\n"
            "Class 45 min: bike warm-up, sit-to-stand, step-ups, bridges and stretching.")
    codes = set(engine.suggest(text).codes)
    assert "97150" in codes and "97110" not in codes
    both = text + "\nAfter group, seen individually for gait training with SPC 12 min, cues for step length."
    assert {"97150", "97116"} <= set(engine.suggest(both).codes)


def test_group_covers_its_own_part_when_the_patient_was_also_seen_alone(engine):
    # what the group did stays under the group code; what was done one-on-one afterwards is its own service
    text = ("Balance class: 5 patients, 1 PT, 40 min.\n"
            "Circuit: heel raises 2x15, mini squats 2x12, step-ups 2x10 at each station.\n"
            "Individually after class: STM and joint mobs to the L ankle, 10 min.")
    codes = set(engine.suggest(text).codes)
    assert {"97150", "97140"} <= codes and "97110" not in codes
    # a one-on-one cue written before the group does not free the group's exercises either
    before = ("Seen one-on-one first for manual therapy to the neck, 12 min.\n"
              "Then joined the spine group (6 patients) for 30 min: bird dogs, bridges, wall slides.")
    codes = set(engine.suggest(before).codes)
    assert {"97150", "97140"} <= codes and "97110" not in codes


def test_a_one_on_one_cue_said_not_to_have_happened_frees_nothing_from_the_group(engine):
    text = ("Fall prevention class (group), 1 PT for 5 pts, 45 min; no 1:1 time today.\n"
            "- sit<>stand from chair 3x10\n- tandem stance at counter 3x30 s\n- step-ups 2x10")
    codes = set(engine.suggest(text).codes)
    assert "97150" in codes and not {"97530", "97112", "97110"} & codes


def test_exercise_names_back_the_code_a_sentence_reads_like(engine):
    # a list of named exercises with no generic word is therapeutic exercise, and its time is found
    text = ("Joint mobs to the talocrural joint, 9 minutes.\n"
            "Then she did banded eversion, seated calf raises and toe yoga. Twelve minutes were spent on those.")
    found = minutes_of(engine, text)
    assert found == {"97140": 9, "97110": 12}
    # the same names inside a pool session describe the aquatic exercise, not a second service
    pool = "Aquatic therapy 1:1 in chest-deep water 30 min: calf raises, mini squats, forward and lateral walking."
    assert set(engine.suggest(pool).codes) == {"97113"}


def test_a_time_said_to_be_combined_is_not_given_to_one_service(engine):
    text = "Hot pack to the low back 10 min.\nSoft tissue mobilization and stabilization exercises, 20 minutes together."
    result = engine.suggest(text)
    found = minutes_in(result)
    assert found.get("97010") == 10 and "97140" in found and found["97140"] is None, found
    assert "PT168" in {f.id for f in result.findings}


def _attribute(text, services, recommended):
    from types import SimpleNamespace

    from suggester.minutes_attribution import attribute_minutes

    spans = {lab: {0: [(text.index(name), text.index(name) + len(name))]} for lab, name in services.items()}
    return attribute_minutes(set(recommended), spans, {0: find_minutes(text)}, set(),
                             [SimpleNamespace(start_char=0, end_char=len(text))], set(), text,
                             {lab: 0.5 for lab in services})


def test_attribution_a_service_joined_nearer_the_time_shares_it():
    # the stage on its own: gait is named (not recommended) between the transfers and the time
    text = "We worked on transfers and gait practice for 28 minutes."
    out = _attribute(text, {"97530": "transfers", "97116": "gait"}, {"97530"})
    assert "97530" not in out.minutes and out.ambiguous
    alone = _attribute("We worked on transfers for 28 minutes, then gait.", {"97530": "transfers", "97116": "gait"},
                       {"97530"})
    assert alone.minutes == {"97530": 28} and not alone.ambiguous


def test_one_time_for_two_joined_services_is_not_guessed(engine):
    text = "Tx:\n  Ther ex (bridges, clams) + manual therapy (PA glides, STM): 28 min"
    result = engine.suggest(text)
    found = {s.code: s for s in result.recommended}
    assert {"97110", "97140"} <= set(found)
    assert found["97110"].minutes is None and found["97140"].minutes is None
    assert "PT168" in {f.id for f in result.findings}


def test_exercise_named_inside_a_modality_sentence_does_not_take_its_time(engine):
    text = ("Russian stim to R quad during quad sets and SLR, pt cued to contract with each cycle.\n11 min.\n"
            "TherEx: heel slides, SAQ x15.\n8 min.")
    found = minutes_of(engine, text)
    assert found == {"97032": 11, "97110": 8}


def test_names_joined_by_a_slash_are_each_found(engine):
    # a heading naming two services done together: both documented, the one time not split by guesswork
    result = engine.suggest("Ther ex/NMR 26 min.\nPt tolerated well, HEP unchanged.")
    found = minutes_in(result)
    assert found == {"97110": None, "97112": None}
    assert "PT168" in {f.id for f in result.findings}


def test_time_after_two_joined_services_is_not_given_to_the_one_recommended(engine):
    # the exercises are named but not recommended here; the one time still covers both, so it is not guessed
    text = ("Pt did hip strengthening exercises and functional tasks (floor transfers, lifting a basket to the "
            "counter), 24 min.")
    result = engine.suggest(text)
    s = next(s for s in result.recommended if s.code == "97530")
    assert s.minutes is None and "PT168" in {f.id for f in result.findings}


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


@pytest.mark.parametrize("name", ["Pallof press", "Dead bugs", "Copenhagen plank", "Wall angels"])
def test_flowsheet_row_named_by_an_exercise_is_that_service(engine, name):
    # the row's name is the service, even where the classifier alone reads a terse row weakly
    note = f"Intervention      Min    Notes\n{name}      8      2 x 10\nSTM upper traps   10     \n"
    got = minutes_of(engine, note)
    assert got == {"97140": 10, "97110": 8}


def test_a_phrase_describing_a_test_row_is_not_the_rows_service(engine):
    # "balance" describes how the test went; the row's name is the test
    note = ("Functional capacity evaluation\nTask | Result\nFloor-to-waist lift | 25 lb occasional, good mechanics\n"
            "Step test | 3 min completed with adequate strength and balance\nFCE total 2 hours.")
    codes = {s.code for s in engine.suggest(note).recommended}
    assert "97112" not in codes



def test_a_time_before_an_activity_name_is_that_item_s_time_and_the_timed_total_fills_the_block(engine):
    # "6 min bike" is the bike's time, not the whole block's; the stated timed total is the only timed service's
    note = ("Moist heat to low back 10 min.\nCore stabilization: 8 min bike, dead bug, bird dog, side plank progression.\n"
            "Timed minutes 25; total treatment time 35.")
    result = engine.suggest(note)
    assert minutes_in(result) == {"97010": 10, "97110": 25}
    # a block time followed by a connector stays the block's
    kept = engine.suggest("Gait training 12 min with RW 150 ft x2.\nTotal timed minutes 20.")
    assert minutes_in(kept).get("97116") == 12


@pytest.mark.parametrize("text", ["Gaze stabilization exercises VOR x1 2 x 60 sec; dizziness 4/10, settled within 2 min.",
                                  "Gaze stabilization exercises VOR x1 2 x 60 sec; HR 118 after the last set, recovered "
                                  "within 2 min."])
def test_a_symptom_settling_within_minutes_is_not_session_time(engine, text):
    result = engine.suggest(text)
    assert minutes_in(result).get("97112", "missing") is None
    assert find_minutes(text.split("; ")[1]) == []


def test_a_totals_breakdown_gives_each_service_its_minutes(engine):
    """ "Total timed 40 min (TE 20, manual 8, gait 12)": the only times in the note are the total's breakdown."""
    r = engine.suggest("Tx: TherEx (SLR, bridges, clams), manual patellar mobs, gait with SPC.\n"
                       "Total timed 40 min (TE 20, manual 8, gait 12).")
    got = {s.code: (s.minutes, [m["rule"] for m in s.to_dict()["minutes_evidence"]]) for s in r.recommended}
    assert got == {"97110": (20, ["total_breakdown"]), "97140": (8, ["total_breakdown"]),
                   "97116": (12, ["total_breakdown"])}
    assert r.totals["timed_units"] == 3


def test_a_totals_breakdown_does_not_repeat_times_given_elsewhere(engine):
    r = engine.suggest("Bed mobility and transfer training 12 min: rolling, supine to sit. Stair training 14 min, "
                       "4 steps with rail. Car transfer practice another 10 min.\n"
                       "Timed minutes: 36 (transfers/bed mobility 22, stairs 14).")
    got = minutes_in(r)
    assert got["97530"] == 22 and got["97116"] == 14


def test_sibling_items_of_one_code_each_keep_their_time(engine):
    """ "Sit to stand 8', car transfer 5'": two items of one code, each with its time, add up; a header's time
    and its sub-item ("TherEx 20 min: bike 6 min, bridges") do not."""
    r = engine.suggest("Sit to stand training 8', car transfer 5' (functional training).\nGait 12'.")
    assert minutes_in(r)["97530"] == 13
    r = engine.suggest("TherEx 20 min: bike 6 min, bridges, clamshells, SLR.")
    assert minutes_in(r)["97110"] == 20


def test_after_a_sequencing_word_a_time_before_a_name_is_that_services(engine):
    r = engine.suggest("US 1 MHz 1.2 W/cm2 8 min to R lateral elbow followed by 10 min STM to wrist extensors.")
    assert minutes_in(r) == {"97035": 8, "97140": 10}
    r = engine.suggest("Gait 12 min then TherEx 15 min.")   # the time after its name stays that service's
    assert minutes_in(r) == {"97116": 12, "97110": 15}


def test_a_totals_breakdown_written_as_a_list_after_it(engine):
    r = engine.suggest("Tx: TherEx (bridges, SLR), manual patellar mobs.\nTotal timed 38: TherEx 25, manual 13")
    assert minutes_in(r) == {"97110": 25, "97140": 13}
    r = engine.suggest("TherEx 20 min: bridges. Total time 40 min: 3 sets of 10, 2 sets of 15.")
    assert minutes_in(r) == {"97110": 20}


def test_a_time_written_after_a_supported_code_is_that_codes_time(engine):
    # the flowsheet documents both services; the totals line gives their minutes by code
    note = ("Exercise | Sets/Reps | Time | Code\nRecumbent bike | - | 5' | 97110\nBridges | 2x12 | - | 97110\n"
            "Box lift floor to waist | 2x8 | - | 97530\nSuitcase carry | 3x50' | - | 97530\n"
            "Totals: 97110 - 22 min; 97530 - 12 min")
    result = engine.suggest(note, payer="commercial")
    assert minutes_in(result) == {"97110": 22, "97530": 12}
    assert {e.rule for s in result.recommended for e in s.minutes_evidence} == {"stated_code"}
    # a code with its time but nothing in the note showing the service is still not a suggestion
    assert "97140" not in engine.suggest(note + "\n97140 - 8 min", payer="commercial").codes


def test_a_pool_log_counts_its_time_summary_not_its_depths(engine):
    # "4'" in a Depth column (and "working depth 4'") is feet of water; "Time Summary:" is one header, a time log
    note = ("AQUATIC SESSION\nPool 90 F, working depth 4'.\nExercise | Depth | Sets/Reps | Time\n"
            "Forward/backward walking | 4' | 4 laps | -\nMini squats at wall | 4' | 2x15 | -\n"
            "Deep water cycling w/ belt | 6' | - | 6'\n\nTime Summary:\nAquatic therapy (97113): 35 min\n")
    result = engine.suggest(note, payer="commercial")
    s = next(x for x in result.recommended if x.code == "97113")
    assert s.minutes == 35 and [e.rule for e in s.minutes_evidence] == ["time_log"]


@pytest.mark.parametrize("note, minutes", [
    # "09:10-09:32 Therapeutic exercise (22 min)": the same 22 minutes written twice, not 44
    pytest.param("Time In: 09:05   Time Out: 09:50\n09:10-09:32  Therapeutic exercise (22 min): bike 5', bridges 3x12, "
                 "step-ups 2x10\n09:32-09:45  Manual therapy (13 min): patellar glides, STM distal ITB",
                 {"97110": 22, "97140": 13}, id="clock-range-restated-in-minutes"),
    # a semicolon inside a flowsheet cell keeps the row whole
    pytest.param("Intervention | Detail | Min\nTher ex 97110 | bike 8 min; quad sets, SLR 2x10; prone hang 3 min | 21\n"
                 "Manual 97140 | patellar mobs; scar mobilization | 9", {"97110": 21, "97140": 9},
                 id="semicolon-inside-a-cell"),
    # the row's items read as exercise (step-ups), but the row says 97112; the bike's 8 min are inside the row's 20
    pytest.param("Intervention | Code | Time\nTher ex: bike 8 min; quad sets; SLR 3x10; heel slides | 97110 | 20 min\n"
                 "Neuromuscular: SLS firm 5 x 30 s; weight shifts on foam; 4\" step-up w/ mirror cueing | 97112 | 10 min",
                 {"97110": 20, "97112": 10}, id="row-that-states-its-code"),
])
def test_minutes_per_code_in_flowsheets_and_time_logs(engine, note, minutes):
    assert minutes_of(engine, note, "commercial") == minutes


@pytest.mark.parametrize("text,minutes", [
    ("amb <50' w/ RW, needs assist of 1 for stairs", []),             # a distance after a walking word and "<"
    ("amb 150' x2 RW CGA, then 75' w/ SPC min A", []),                # a second distance written the same way
    ("Gait trng 150' x2 w/ RW 12'", [12]),                            # a small number after it stays minutes
    ("SpO2 86% -> 93% with pursed-lip breathing in 2 min. 11 min", [11]),  # a vital sign's recovery time
    ("Analgesic taken 45 min prior per pt", []),                      # before the session
    ("MH 10 min prior to TE", [10]),                                  # the pack's own time
    ("knee aches 6/10 after walking more than 20 minutes", []),        # a tolerance, not session time
    ("sitting tolerance <30 min", []),
    ("fell last week and lay on the floor ~30 min until her son found her", []),   # how long an event lasted
    ("was down about 2 hrs before EMS arrived", []),
    ("HP x10 min before starting ex", [10]),                          # before a service: still the pack's time
    ("Mobilised 30 m x3 with a walking frame", []),                   # metres walked, with laps
    ("walked 45 m with 4WW", []),
    ("job demands: lift 40 lb, 10-hr shifts on a packing line", []),   # a job demand
    ("instructed to leave the patch on for 3 hours, then remove", []),  # a wear instruction
    ("cold pack left on for 12 min", [12]),
    ("dad says she rides her scooter about 20 minutes each evening", []),   # a habit at home
    ("TE 15 min this morning before work", [15]),
    ("reports he can stand about 20 min before his back aches", []),  # a tolerance
    ("sits 30 min before pain starts", []),
    ("TE 20 min before he got tired", [20]),
    ("step training, weight shifts -> 25 minutes NMR", [25]),          # an arrow is not "greater than"
])
def test_feet_and_recovery_times_are_not_session_minutes(text, minutes):
    assert [m.minutes for m in find_minutes(text)] == minutes


@pytest.mark.parametrize("summary", [
    "Timed Code Treatment Minutes:\n97110 Therapeutic Exercise: 21 min\n97140 Manual Therapy: 12 min\nTotal Timed Code Minutes: 33",
    "Timed Code Treatment Minutes: 97110 21 min | 97140 12 min | Total timed 33 min",
])
def test_an_emr_timed_code_summary_gives_each_code_its_whole_time(engine, summary):
    # the flowsheet's own row times (a warm-up, pulleys) are items of the exercise the summary times as a whole
    text = ("Exercise | Sets | Reps | Time\nUBE warm-up | - | - | 6 min\nWand flexion | 2 | 15 | -\nPulleys | - | - | 4 min\n"
            "Rows, green band | 2 | 12 | -\nManual: GH inferior glides grade III, STM posterior cuff.\n" + summary)
    found = minutes_of(engine, text, "commercial")
    assert found == {"97110": 21, "97140": 12}
    assert find_totals(summary)["timed"][0] == 33


@pytest.mark.parametrize("note, minutes", [
    # the patient rests under an unattended modality: its time is the modality's, not a rest break; the bare time in
    # its own sentence after the exercise list is then the exercise's alone
    pytest.param("Hot pack + IFC to lumbar spine, pt left resting in prone, 12 min.\n"
                 "Then ther ex: pelvic tilts, bridges, clamshells 2x15. 18 min.", {"97110": 18},
                 id="resting-under-a-modality"),
    # a real rest break is still left out of the session
    pytest.param("Gait training w/ RW 150 ft x3, 15 min.\nSeated rest with vitals, 4 min.\nBridges, SLR, heel raises. "
                 "10 min.", {"97116": 15, "97110": 10}, id="rest-break-still-unbilled"),
])
def test_a_time_alone_after_a_modality_line(engine, note, minutes):
    found = {s.code: s.minutes for s in engine.suggest(note, payer="commercial").recommended
             if engine.catalogue[s.code].timed}
    assert found == minutes


@pytest.mark.parametrize("last_line, minutes", [
    ("Total balance time 16 min.", 16),          # a service's total on its own line is the visit's time log
    ("- total NMR: 16 min", 16),
    ("Total time: 16 min.", None),               # a session total stays the note's total, not the balance work's
])
def test_a_service_total_written_under_the_plan_is_the_visits_time(engine, last_line, minutes):
    note = ("Calf raises 3x15, ankle 4-way band, seated heel/toe taps\n"
            "Single leg stance on foam 4x30 sec, tandem walk with head turns, rocker board A/P and M/L\n"
            "Plan: progress to hopping and cutting next visit if SLS > 30 sec on foam.\n" + last_line)
    found = minutes_of(engine, note, "commercial")
    assert found.get("97112", "missing") == minutes


@pytest.mark.parametrize("note, minutes", [
    # the exercise is named only as the point in time the soft tissue work came before: the 12 minutes are the STM's
    pytest.param("STM to bilat upper traps and levator to calm things down prior to ther ex, 12 min.\n"
                 "Ther ex: rows, W's, chin tucks 2x12, 16 min.", {"97140": 12, "97110": 16}, id="prior-to"),
    pytest.param("Soft tissue mobilization to the quads in prep for gait, 9 min. Gait training w/ SPC 200 ft x3, "
                 "curbs, 13 min.", {"97140": 9, "97116": 13}, id="in-prep-for"),
])
def test_a_service_named_as_a_point_in_time_does_not_take_the_time(engine, note, minutes):
    assert minutes_of(engine, note, "commercial") == minutes


@pytest.mark.parametrize("text, minutes", [
    ("check for red marks that don't go away within 20-30 min of taking it off", []),   # a skin check's wait
    ("redness should fade within 15 min after removal", []),
])
def test_a_mark_that_goes_away_within_minutes_is_not_session_time(text, minutes):
    assert [m.minutes for m in find_minutes(text)] == minutes


def test_a_plain_worded_brace_session_is_an_orthotic_candidate(engine):
    # "putting the splint on and off" names orthotic training in plain words; the skin check's 30 minutes are not
    # session time
    note = ("Pt brought in the new night splint from the orthotist.\n"
            "We practised putting the splint on and off with one hand, strap order, and how to check the skin for "
            "pressure spots that don't go away within 30 min of taking it off.")
    found = {s.code: s for s in engine.suggest(note, payer="commercial").suggestions}
    assert "97760" in found
    assert any("putting the splint on" in e.phrases for e in found["97760"].evidence)
    assert found["97760"].minutes is None


def test_all_that_took_is_the_whole_time_of_the_service_above(engine):
    # the bike's 8 minutes are part of the 24 the sentence after the list gives the whole exercise block
    note = "Ther ex: bike 8 min, bridges, clamshells, side planks.\nAll that took 24 min."
    assert minutes_of(engine, note, "commercial") == {"97110": 24}


def test_exercises_done_under_attended_stim_do_not_take_its_time(engine):
    # the quad sets and SAQ are what the patient did with each stim cycle: the 11 minutes are the stim's
    note = ("- Attended NMES (Russian, 10 s on / 50 s off) to L quad; PT at bedside throughout adjusting amplitude and "
            "cueing a contraction with each cycle through quad sets and SAQ, 11 min.\n"
            "- Ther ex 18 min: bike 6', step ups, TKE w/ band, mini squats.")
    assert minutes_of(engine, note, "commercial") == {"97032": 11, "97110": 18}


@pytest.mark.parametrize("line, minutes", [
    ("Rocker board A/P 2 x 1 min each, foam SLS with eyes closed, tandem walk w/ head turns - 14 min", 14),
    ("Gaze stabilization 3 x 2 min seated then standing, habituation rolls, standing on foam EC, 15 min.", 15),
])
def test_a_bouts_length_is_inside_the_time_that_follows(engine, line, minutes):
    found = minutes_of(engine, line, "commercial")
    assert found == {"97112": minutes}


def test_an_items_time_in_a_list_is_not_the_blocks_time(engine):
    # "Tasks: weight shifting (4 min), ..." is one item's time; the block's total below is the service's whole time
    note = "Neuromuscular re-ed\n  Tasks: weight shifting (4 min), reactive stepping, tandem stance\n  Total minutes: 16"
    found = minutes_of(engine, note, "commercial")
    assert found == {"97112": 16}


@pytest.mark.parametrize("note, minutes", [
    # a labelled minutes field under a block is the block's whole time, its items' times inside it
    pytest.param("Interventions Performed:\n  Ther Ex (97110): UBE x 4 min, wand flexion 2x15, rows RTB 2x12.\n"
                 "    Minutes: 21\n  Manual (97140): GH glides gr III, STM infraspinatus.\n    Minutes: 12\n"
                 "Total Treatment Time: 33", {"97110": 21, "97140": 12}, id="minutes-field"),
    # a service's subtotal written as a label after a table of rows with their own minutes
    pytest.param("THER EX\n| Exercise | Sets | Min |\n| Bike | - | 6 |\n| Bridges | 2 | 4 |\n| LAQ | 3 | 4 |\n"
                 "TE subtotal: 16 min", {"97110": 16}, id="subtotal-label"),
    # an EMR template's time field under a block's title is the block's whole time, its items' times inside it
    pytest.param("Therapeutic Exercise\n  Time: 14 minutes\n  Activities: recumbent bike 6 min, step-ups 2x10, "
                 "lateral band walks\nTherapeutic Activities\n  Time: 9 minutes\n  Activities: floor transfers, "
                 "lifting a laundry basket from the floor", {"97110": 14, "97530": 9}, id="template-time-field"),
    # "incl." does not end the row's sentence: the total row still reads as the service's total
    pytest.param("Exercise                | Sets x Reps | Min\nUBE                     | -           | 6\n"
                 "Leg press               | 3x10        |\nStep-ups 6 in           | 2x10        |\n"
                 "TE total (incl. UBE)    |             | 18\nManual: patellar mobs   |             | 8",
                 {"97110": 18, "97140": 8}, id="total-row-incl"),
    # a flowsheet's minutes field for the service above it, with the day it counts ("minutes today")
    pytest.param("Activity                  | Today         | Status\nNuStep L3                 | 8 min         | performed\n"
                 "Seated LAQ 2# 2x15        | done          | performed\n   >> TherEx minutes today: 14\n"
                 "Sit<>stand from w/c       | 5 reps min A  | performed\nStand pivot w/c<>bed      | CGA           | performed\n"
                 "   >> Ther Act minutes today: 13\nTx minutes: 27", {"97110": 14, "97530": 13}, id="minutes-today-field"),
    # a line holding only the service's name and a time closes the block of its items above: their whole time
    pytest.param("EXERCISE LOG\nBike warm-up   8 min   L4\nLeg press   3x10   90#\nRDL   3x8   15# DB\nTherEx: 20 min\n\n"
                 "Balance/Proprio\nSL stance on foam R   3x30s\nStar excursion R   3 rounds\nNMR: 10 min",
                 {"97110": 20, "97112": 10}, id="closing-label"),
    # ... but not when it is less than its items' times, or past a blank line: then it is more time of the service
    pytest.param("Bike warm-up 8 min\nLeg press 3x10, RDL 3x8\nTherEx: 6 min", {"97110": 14}, id="closing-label-smaller"),
    pytest.param("Bike warm-up 8 min\n\nTherEx: 20 min", {"97110": 28}, id="label-after-blank-line"),
    # rest right after a time is a rest, not more gait time
    pytest.param("Gait training with RW 150 ft x2, cues for heel strike, 14 min.\nPt response: fatigued after 2nd gait bout, "
                 "needed 2 min rest.", {"97116": 14}, id="rest-after-time"),
])
def test_labelled_fields_subtotals_and_rests(engine, note, minutes):
    assert minutes_of(engine, note, "commercial") == minutes


def test_in_total_at_the_end_of_a_long_sentence_is_the_services_whole_time(engine):
    note = ("She rode the stationary bike for 6 minutes as a warm-up, followed by bridges 3x10 and clamshells 3x15. "
            "We spent about 20 minutes on therapeutic exercise in total, with cues for pelvic control.")
    assert minutes_of(engine, note, "commercial") == {"97110": 20}


def test_a_row_continued_on_an_indented_line_keeps_the_table_going(engine):
    note = ("Intervention            Details                              Min\n"
            "Ther ex                 theraputty, wrist flexion/ext 1 lb,    18\n"
            "                        tendon glides\n"
            "Joint mobilization      radiocarpal glides gr III,             9\n"
            "                        midcarpal distraction\n")
    assert minutes_of(engine, note, "commercial") == {"97110": 18, "97140": 9}


def test_a_timed_line_over_a_list_is_the_time_of_the_one_service_listed(engine):
    # the clock range heads the list of what was done in the pool; the cycling's 4 minutes are inside it
    note = ("Aquatic PT - visit 4\nPool 91 F, chest depth.\nIn-pool session, 10:05-10:35:\n"
            "1. Walking forward/backward/sideways x 4 laps each\n2. Deep water cycling with noodle x 4 min\n"
            "3. Standing hip abduction w/ buoyancy cuff 2x12\n\nP: continue aquatic 2x/wk.")
    found = minutes_of(engine, note, "commercial")
    assert found == {"97113": 30}


def test_a_time_in_its_own_sentence_ending_a_headed_line_is_the_headings(engine):
    # the line's heading names the service; sit-to-stand is one of its items, and the closing time is the block's
    note = ("- Therapeutic exercise - straight leg raise with quad set, terminal knee extension with band, "
            "sit-to-stand from a raised mat 3 x 8, step-ups onto a 4-inch step. 14 minutes.\n"
            "- Manual therapy - patellar glides and tibiofemoral mobilization grade III. 9 minutes.")
    found = minutes_of(engine, note, "commercial")
    assert found.get("97110") == 14 and found.get("97140") == 9


def test_a_billing_line_gives_the_time_of_codes_the_body_documents(engine):
    # the charges' minutes fill a documented service with no time of its own and replace an item's time (bike 5 min);
    # items after a semicolon stay in the billing line, so the code written there is not a performed line of its own
    note = ("Work simulation: crate lift floor-to-waist 25 lb x 10, carry 30 lb x 40 ft x 5, overhead shelf stocking.\n"
            "Strengthening: UBE 5 min, rows, band ER/IR 2x12, wall slides.\n"
            "Billing: 97530 - 30 min; 97110 - 18 min.")
    found = minutes_of(engine, note, "commercial")
    assert found == {"97530": 30, "97110": 18}


def test_a_bare_total_after_several_timed_services_is_the_sessions(engine):
    note = ("Manual - STM to R upper trap and levator, first rib mobs - 11'.\n"
            "Ther ex - 14': chin tucks, rows w/ band, wall angels.\nPosture 2/10 better.\nTotal 25'.")
    found = minutes_of(engine, note, "commercial")
    assert found == {"97140": 11, "97110": 14}


@pytest.mark.parametrize("text, minutes", [
    ("Manual therapy (11): MET for L anterior innominate, STM glute med", [11]),
    ("- NMR (9) - SL hop-and-stick, BOSU stance w/ ball catch", [9]),
    ("Visit (4): pt reports less pain", []),          # not a service heading
    ("Bridges (10) x3, clamshells", []),               # repetitions, no colon or dash after
])
def test_a_bare_number_in_parentheses_after_a_heading_is_its_minutes(text, minutes):
    assert [m.minutes for m in find_minutes(text)] == minutes


@pytest.mark.parametrize("text, minutes", [
    ("NMR x20 - posterior LOB work: anterior weight shifts, step strategy", [20]),
    ("- TherEx x 14: bridges 2x15, clamshells, side planks", [14]),
    ("Gait x2 - 150 ft with RW, CGA", []),             # two trials: too few to be a block's minutes
    ("SLR x10 - cues for quad set first", []),         # an exercise's repetitions, not a service's heading
])
def test_a_count_after_a_service_heading_before_a_colon_or_dash_is_its_minutes(text, minutes):
    assert [m.minutes for m in find_minutes(text)] == minutes


def test_service_headings_with_x_minutes_time_each_block(engine):
    note = ("NMR x18 - tandem on foam, SLS with head turns, reactive stepping\n"
            "Gait x12 - SPC 150 ft x3, heel strike cues, 4 stairs reciprocal w/ rail\n"
            "TA x10: floor to chair transfer via half kneel x3")
    assert minutes_of(engine, note, "commercial") == {"97112": 18, "97116": 12, "97530": 10}


@pytest.mark.parametrize("text, minutes", [
    ("TE 15 / NMR 10 / Gait 8. R heel strike 50% w/ cues.", [15, 10, 8]),
    ("TE 2 / NMR 1 / Gait 1", []),                     # small numbers in a list count units, not minutes
    ("Bridges 10 / clams 15", []),                     # exercises' repetitions, not services' short names
])
def test_a_slash_list_of_service_names_with_bare_numbers_gives_their_minutes(text, minutes):
    assert [m.minutes for m in find_minutes(text)] == minutes


def test_a_slash_list_of_service_times_is_the_sessions_time_log(engine):
    mid_line = "Home visit, 3 y/o. TE 14 / NMR 12 / Gait 9. Better heel strike with cues."
    assert minutes_of(engine, mid_line, "commercial") == {"97110": 14, "97112": 12, "97116": 9}
    # a tally after a per-exercise log gives each service's whole time, the last item's name included
    log = ("Recumbent bike warm-up (7m)\nStep-ups 8 in box 3x10 (5m)\nTandem stance on foam, eyes closed (6m)\n"
           "Reactive stepping to PT perturbations (5m)\nFloor to stand via half kneel x4 (7m)\nTE 12 / NMR 11 / TA 7")
    assert minutes_of(engine, log, "commercial") == {"97110": 12, "97112": 11, "97530": 7}


@pytest.mark.parametrize("line, found", [
    ("Today's tx: clamshells with band, bridges, mini squats, recumbent bike 6 min - total 18 min.", {"97110": 18}),
    ("SKTC, DKTC, seated flexion, NuStep L3 for 8 min \u2014 total ex 21 minutes.", {"97110": 21}),
])
def test_a_total_cue_before_another_time_is_that_times_not_the_item_before_it(engine, line, found):
    """'bike 6 min - total 18 min': the total cue goes on to a time of its own, so the bike's 6 minutes are an item
    of the 18, not a second whole time added to it."""
    assert minutes_of(engine, line, "commercial") == found


def test_a_time_set_apart_by_a_column_gap_is_the_rows_though_vitals_come_before_it(engine):
    """'vitals' before a time makes it the vitals' time, unbilled - unless a dash or, in a row typed in columns, a
    run of spaces sets the time apart as the whole row's."""
    note = ("Treatment following evaluation:\n"
            "  Ther activities - rolling and supine<>sit via log roll, scooting to EOB x4, vitals monitored "
            "throughout      12 min\n")
    assert minutes_of(engine, note, "medicare") == {"97530": 12}


def test_dictations_spoken_paragraph_breaks_separate_services(engine):
    # the transcript has no punctuation: "new paragraph" is the only break between the two services and their times
    note = ("daily note low back pain visit seven patient states tingling lasts about ten minutes at a time new paragraph "
            "treatment today therapeutic exercise twenty minutes including press ups three by ten bridging and cat camel "
            "she required verbal cues for breathing new paragraph manual therapy eleven minutes grade three mobilizations "
            "lumbar four and five and soft tissue to the right quadratus new paragraph plan continue twice weekly")
    found = minutes_of(engine, note, "commercial")
    assert found == {"97110": 20, "97140": 11}


@pytest.mark.parametrize("opening", [
    "Total time in the gym was 50 minutes, which includes a 6-minute break when she felt dizzy.",
    "The session ran 50 minutes; a 6-minute seated rest is excluded.",
])
def test_the_remainder_of_a_session_less_its_break_goes_to_the_service_without_a_time(engine, opening):
    note = (opening + " We opened with 9 minutes of manual therapy to the thoracic spine. Twelve minutes then went to "
            "functional lifting practice with a 20 lb crate from floor to waist. Everything else was therapeutic "
            "exercise: bird dogs, side planks and cable rows.")
    found = minutes_of(engine, note, "commercial")
    assert found == {"97140": 9, "97530": 12, "97110": 23}


def test_a_charge_table_gives_minutes_to_codes_the_body_documents(engine):
    note = ("Treatment:\n - Manual: talocrural A-P mobs gr III, STM peroneals.\n"
            " - Ther ex: bike warm-up 5 min, towel scrunches, calf raises 3x15, band 4-way 2x15.\n"
            " - Ultrasound planned but not performed today (open abrasion).\n\n"
            "CHARGE CAPTURE\nCPT     Description             Units   Min\n"
            "97140   Manual therapy            1      11\n97110   Therapeutic exercise      2      24\n"
            "97035   Ultrasound                1       8\n")
    found = minutes_of(engine, note, "commercial")
    assert found == {"97140": 11, "97110": 24}     # ultrasound is charged but not documented as done


def test_a_time_in_parentheses_after_a_lines_last_sentence_is_the_headings(engine):
    # the rest is inside the gait time, which the line's heading owns
    note = ("Gait trng: FWW, 2 x 60 ft CGA, cues for step length and walker sequencing. Seated rest between trials. "
            "(14 min)\nTher act: sit<>stand from w/c x8, stand-pivot w/c<>mat CGA (12 min)")
    found = minutes_of(engine, note, "medicare")
    assert found == {"97116": 14, "97530": 12}


def test_a_service_only_named_in_passing_does_not_share_a_following_time(engine):
    # 'walked' names gait in the first sentence, but that sentence does not read as gait training: the
    # block's time is the self-care training's, and the gait paragraph has its own
    note = ("Walked through the house with pt and her son, rugs picked up, night lights plugged in. Trained pt to use "
            "a long-handled sponge and reacher within her hip precautions, return demo correct x2. About 18 min.\n\n"
            "Gait w/ RW to the mailbox and back, 2 curb steps with SBA. 12 min.")
    assert minutes_of(engine, note, "medicare") == {"97535": 18, "97116": 12}


def test_a_session_total_does_not_replace_the_only_services_own_time(engine):
    # the visit's time in/out holds unbilled work too; "18 minutes." on its own is the gait training's whole time
    note = ("Time in 1:00 pm, time out 1:50 pm.\nMed reconciliation with pt and daughter, called the MD office about "
            "the new orders.\nGait with RW around the apartment and out to the car, 3 laps, cues for step length and "
            "turning wide. 18 minutes.\nRest of visit spent on documentation.")
    assert minutes_of(engine, note, "medicare") == {"97116": 18}


@pytest.mark.parametrize("line, minutes", [
    ("Floor transfers through half-kneel using a sturdy chair, 12 min.", {"97530": 12}),
    ("Bed-level ther ex: ankle pumps, quad sets, heel slides, bridges x10 - approx twelve minutes.", {"97110": 12}),
    # an item's time, more items after it: the session's one service took the session
    ("Therapeutic exercise: upright bike 7 min, step-ups 2x12, lateral band walks, wall squats 3x10.", {"97110": 50}),
])
def test_a_session_total_does_not_replace_the_one_time_closing_the_services_sentence(engine, line, minutes):
    note = "HH PT visit. Time in 9:00, time out 9:50.\nVitals stable.\n" + line
    assert minutes_of(engine, note, "medicare") == minutes


def test_a_later_encounters_device_time_follows_words_of_the_first_encounter(engine):
    # sock-ply teaching reads as first prosthetic training, but the note is a later encounter: the time is 97763's
    note = ("Amputee clinic f/u, prosthetic check - subsequent encounter. L transtibial, 5 months.\n\n"
            "Socket: loose in swing after weight loss, pistoning about 1 cm. Reviewed sock-ply adjustment rules for "
            "daily volume changes, pt demonstrated adding a ply. 13 min.\n\n"
            "Gait: community ambulation outdoors on grass and the ramp, cues for equal step length. 18 min.")
    assert minutes_of(engine, note, "commercial") == {"97763": 13, "97116": 18}


@pytest.mark.parametrize("note", [
    "R TFA, 3rd visit with her microprocessor knee. Prosthetic training 15 min: socket fit check, added 1-ply sock, "
    "donning practice.",
    "B hinged AFOs delivered last month, this is the 4th session with them. Orthotic training 15 min: skin check, "
    "strap routing adjusted, wearing schedule reviewed with mom.",
])
def test_a_visit_counted_with_the_device_is_a_later_encounter(engine, note):
    assert minutes_of(engine, note, "commercial") == {"97763": 15}


@pytest.mark.parametrize("note, minutes", [
    ("Amputee clinic visit 9, first visit with the definitive prosthesis. Prosthetic check and training 25 min: socket "
     "fit, sock ply, donning, skin check after 20 min of wear.", {"97761": 25}),
    ("R TFA. First session since delivery of the new socket. Prosthetic management 20 min: fit check, sock ply "
     "adjustments, donning/doffing practice.", {"97761": 20}),
])
def test_the_first_visit_with_a_new_device_is_its_first_encounter(engine, note, minutes):
    """A later visit of the episode can be the device's first encounter: the first visit with the new prosthesis is
    the initial prosthetic training (97761), not a subsequent encounter (97763)."""
    assert minutes_of(engine, note, "commercial") == minutes


def test_a_bare_time_after_a_bout_length_is_the_services_time(engine):
    note = ("Tx: taught and performed gaze stabilization VOR x1, horizontal then vertical, seated and standing, "
            "3 x 1 min each with symptom ratings between bouts. 12'")
    assert minutes_of(engine, note, "commercial") == {"97112": 12}


def test_a_service_named_after_prior_to_is_when_the_modality_was_given(engine):
    note = ("TherEx 20': chin tucks w/ lift-off, rows, wall angels 2x10\n"
            "MHP c-spine 12' w/ pt seated prior to ex\nA: less guarding")
    assert minutes_of(engine, note, "commercial") == {"97110": 20, "97010": 12}


@pytest.mark.parametrize("line, minutes", [
    ("2:05-2:35pm TherEx: bridges, SAQ, clams, standing hip abd/ext", 30),
    ("11:40-12:05pm TherEx: bridges, SAQ, clams, standing hip abd/ext", 25),
])
def test_am_pm_written_once_belongs_to_both_clock_times(engine, line, minutes):
    assert minutes_of(engine, line, "commercial") == {"97110": minutes}


def test_ta_before_its_time_in_a_summary_line_is_therapeutic_activities(engine):
    note = ("Lifting practice from floor to waist with a 15 lb crate, half-kneel to stand x5, carrying across the room. "
            "Then bridges, bird dogs and clamshells 2x15.\nSummary: TA 12 min | TE 18 min | total 30 min")
    assert minutes_of(engine, note, "commercial") == {"97530": 12, "97110": 18}


def test_ta_without_a_time_is_not_a_service_name():
    from suggester import Suggester

    engine = Suggester()
    assert "97530" not in engine.phrases.labels_in("TA bracing in hooklying, 10 reps")


def test_a_total_closing_a_line_of_service_times_is_the_sessions(engine):
    note = ("Bridges, clamshells, side planks 2x15; gait with SPC on stairs and ramp, cues for heel strike.\n"
            "Ther ex 18 min | Gait training 12 min | total 30 min")
    assert minutes_of(engine, note, "commercial") == {"97110": 18, "97116": 12}


def test_a_flowsheet_row_with_an_empty_time_cell_does_not_end_the_table(engine):
    note = ("Activity                   Sets/Reps      Min   Code\n"
            "Nustep                     L4             7     TE\n"
            "Clamshells w/ band         2x15           ...   TE\n"
            "Gait w/ SPC, stairs x12    2 laps         11    GT\n"
            "Lumbar PA mobs             gr III         9     MT\n")
    assert minutes_of(engine, note, "commercial") == {"97110": 7, "97116": 11, "97140": 9}


def test_a_headed_list_closed_by_a_time_after_a_semicolon_is_the_headings_block(engine):
    # the sit-to-stand is an item of the exercise block, not a service of its own sharing its time
    note = ("Gait: RW on the driveway and gravel 60 ft x2, cues for step length; 14 min.\n"
            "Ther ex: seated hip flexion, LAQ 2#, heel raises, mini squats at counter, sit-stand x10; 16 min.")
    assert minutes_of(engine, note, "medicare") == {"97116": 14, "97110": 16}


@pytest.mark.parametrize("text, minutes", [
    ("2 hr 30 min", 150), ("1 hour 15 minutes", 75), ("1h 20m", 80), ("1 hr and 10 min", 70),
    ("two hours fifteen minutes", 135), ("one hour and ten minutes", 70),
])
def test_hours_and_minutes_written_together_are_one_time(text, minutes):
    from suggester.nlp.minutes import find_minutes

    assert [m.minutes for m in find_minutes(f"FCE testing {text}.")] == [minutes]


@pytest.mark.parametrize("text, minutes", [("1300-1312 VOR x1 H & V, standing, checkerboard background.", [12]),
                                           ("Frequent: 2.5<5.5 h, Constant: 5.5-8 h", []), ("Walked 1h.", [60])])
def test_a_one_letter_hour_is_written_against_its_number(text, minutes):
    """'VOR x1 H & V' is horizontal and vertical, not an hour; '1h' is an hour."""
    assert [m.minutes for m in find_minutes(text)] == minutes


@pytest.mark.parametrize("note, minutes", [
    ("10:05-10:20 stair training: 4 steps B rails then R rail only. SBA.\n10:20-10:31 curb practice w/ RW, 6\" curb in "
     "parking lot x6.\n10:31-10:44 Otago strengthening: STS, side hip raises.", {"97116": 26, "97110": 13}),
    ("Aquatic PT. In pool 3:15.\n3:15-3:30 water walking fwd/back/sideways, high knees, arm swings with noodle\n"
     "3:30-3:40 standing balance in water: SLS, tandem walking across lane with turbulence\n3:40-3:45 cool-down "
     "stretching\nOut of pool 3:45.", {"97113": 30}),
])
def test_clock_ranges_opening_their_lines_add_up_for_one_service(engine, note, minutes):
    """Each line of a time log that opens with its own clock range is more time of its service, not a part of the
    service's first block ('10:05-10:20 stair training' then '10:20-10:31 curb practice' is 26 minutes of gait)."""
    assert minutes_of(engine, note, "commercial") == minutes


def test_a_clock_range_restated_in_hours_and_minutes_counts_once(engine):
    note = ("FUNCTIONAL CAPACITY EVALUATION. Testing time 0815-1045 (2 hr 30 min): floor-waist and overhead lifts, "
            "carry, push/pull sled, positional tolerances, grip dynamometry. Written report to the case manager.")
    assert minutes_of(engine, note, "commercial") == {"97750": 150}


@pytest.mark.parametrize("note, expected", [
    ("Cervical radiculopathy\nMANUAL (14 min)\n  Suboccipital release, supine\n  Thoracic mobs - 5'\n"
     "THER EX (10 min)\n  Chin tucks 2x10, scap retraction w/ band 2x15\n", {"97140": 14, "97110": 10}),
    ("Manual therapy 12 min:\n - STM to R upper trap\n - rib mobs - 4 min\nGait training 10 min in hallway with SPC\n",
     {"97140": 12, "97116": 10}),
])
def test_an_item_line_with_its_own_time_after_a_dash_is_not_its_services_whole_time(engine, note, expected):
    """'Thoracic mobs - 5'' under a timed heading is one item of the heading's time, not the service's whole time:
    the heading's minutes stand (a dash-ended time over a list, 'Manual: STM, mobs -- 15 min', still is one)."""
    assert minutes_of(engine, note) == expected


@pytest.mark.parametrize("cover", ["All of that ran about 18 minutes.", "We spent roughly 18 minutes on all of these."])
def test_a_time_sentence_that_covers_what_was_just_described_is_that_services_whole_time(engine, cover):
    """After a hot pack with its own minutes, an exercise list with one item timed ('bike 5 min') and a sentence
    saying how long all of it took: the exercise's time is that sentence's, not the item's."""
    note = ("Moist heat to the low back first, 10 min.\n"
            "Pt then rode the bike 5 min, then bird dogs 2x10, dead bugs 2x10 and side planks 3 x 20 sec. " + cover + "\n"
            "Pain 2/10 after.")
    assert minutes_of(engine, note)["97110"] == 18


def test_a_service_timed_again_on_a_later_line_adds_to_a_lines_whole_time(engine):
    """'Balance: ... tandem walking, SLS at counter -- 10 min' and later 'Balance again on foam, eyes closed - 6 min;
    ...': the first line's time is its own line's whole time, the later line's time is more of the same service."""
    note = ("Pt with MS, walks with trekking poles.\n"
            "Bike 8 min to warm up.\n"
            "Balance: tandem walking in the hall, SLS at the counter with light touch -- 10 min\n"
            "Seated rest, HR 92.\n"
            "Balance again on foam, eyes closed, head turns - 6 min; one LOB caught with CGA.\n")
    assert minutes_of(engine, note)["97112"] == 16


@pytest.mark.parametrize("line", ["Timed tx 14 min. Total session 40 min.", "Timed treatment: 14 min; session 40 min total."])
def test_a_timed_treatment_line_is_the_only_timed_services_time_not_the_session(engine, line):
    """Needling and a cold pack (untimed) with soft tissue work (the one timed service), then 'Timed tx 14 min' and
    the session total: the manual therapy has the timed 14 minutes, not the 40 of the whole visit."""
    note = ("Dry needling R upper trap and levator (2 muscles), twitch responses obtained.\n"
            "Followed with STM and trigger point release to the same area.\n"
            "Cold pack to the neck at the end.\n" + line)
    assert minutes_of(engine, note)["97140"] == 14


def test_a_time_in_parentheses_after_a_lines_last_sentence_is_that_lines_service(engine):
    """'Amb 80 ft x3 with SPC, SBA; cues for heel strike. Standing rest between laps. (14 min)': the time set apart at
    the end of the line is the walking's, though the sentence just before it is about rest."""
    note = ("O: Amb 80 ft x3 with SPC, SBA; cues for heel strike. Standing rest between laps. (14 min)\n"
            "Sit to stand from low chair x10 with cues for hand placement and weight shift, CGA. (9 min)\n"
            "A: Gait more symmetrical.\n")
    assert minutes_of(engine, note).get("97116") == 14


@pytest.mark.parametrize("total", ["Total for the above 16 min.", "Total for these: 16 min."])
def test_a_total_for_the_items_above_is_their_services_time(engine, total):
    """A list of exercises closed by 'Total for the above 16 min.', then transfers with their own time: the 16 minutes
    are the exercises' (the word 'total' does not make it a sentence about something else)."""
    note = ("Bridges 2x10, clamshells w/ green band 2x15, side planks 3 x 20 sec, hip flexor stretch. " + total + "\n"
            "Tub transfer practice with the bench and grab bar, 9 min, SBA.\n")
    assert minutes_of(engine, note).get("97110") == 16


@pytest.mark.parametrize("log, gait", [
    ("Timed minutes: TE 12, Gait 9 = 21. Total visit 30.", 9),
    ("Minutes: Gait 9 / TE 12", 9),
    ("Timed minutes: TE 12 min, Gait 9 min = 21 min.", 9),
])
def test_a_minutes_summary_line_gives_each_service_its_number_and_not_the_sum(engine, log, gait):
    """'Timed minutes: TE 12, Gait 9 = 21': a bare number after a service's name in a time log is its minutes, and the
    number after '=' is their sum, not more gait."""
    note = ("S: R hip OA, pain 3/10.\n"
            "TE: recumbent bike, clamshells, bridges, 12 min.\n"
            "Gait: amb w/ cane 150 ft x2 with cues for equal step length.\n" + log)
    assert minutes_of(engine, note) == {"97110": 12, "97116": gait}


def test_a_minutes_summary_lines_sum_is_the_timed_total(engine):
    """'Timed minutes: TE 12, Gait 9 = 21' documents a timed total of 21 that the codes' minutes match: no finding
    that they do not add up (its first item, 12, is not the total)."""
    note = ("TE: recumbent bike, clamshells, bridges, 12 min.\n"
            "Gait: amb w/ cane 150 ft x2 with cues for equal step length, 9 min.\n"
            "Timed minutes: TE 12, Gait 9 = 21.\n")
    result = engine.suggest(note)
    assert not [f for f in result.to_dict()["findings"] if "add up" in f["message"]]


def test_all_told_beside_one_service_is_its_whole_time_not_the_notes_timed_total(engine):
    """'Wheelchair skills: ... ramp, curb, pressure reliefs -- about 18 min all told' then transfers with their own
    time: the 18 minutes are the wheelchair training's, not a total of the note's timed minutes."""
    note = ("C6 SCI, manual w/c.\n"
            "W/c propulsion training on carpet and ramp, curb pop-ups with spotting, pressure reliefs q15 -- about 18m all told.\n"
            "Slide board transfers w/c <> mat both ways, min A, 8 min.\n")
    assert minutes_of(engine, note) == {"97542": 18, "97530": 8}


@pytest.mark.parametrize("line, minutes", [
    ("Ther ex 9:00-9:28 (marching, LAQ, hip abd w/ band, heel raises) -- incl ~5 min seated rest for SOB.", 23),
    ("Ther ex 9:00-9:28 (marching, LAQ, hip abd w/ band, heel raises) - including two 4 min seated rests.", 20),
])
def test_rest_said_to_be_included_in_a_services_time_comes_off_it(engine, line, minutes):
    """A service's clock time that says it includes stated rest ('incl ~5 min seated rest'): the rest is not skilled
    time, so it comes off the service's minutes."""
    note = "HH visit, CHF, SpO2 95% RA at start.\n" + line + "\nSpO2 93% after, recovered with pursed-lip breathing.\n"
    assert minutes_of(engine, note).get("97110") == minutes


def test_each_services_own_in_and_out_times_are_its_minutes_not_the_sessions(engine):
    """Two lines each with their own 'In 1005 / Out 1019': each pair is its own service's time (14 and 11), not one
    session total that the only timed service would take."""
    note = ("SNF. Sacral wound 2.5 x 1.5 cm.\n"
            "Sharp selective debridement of slough with forceps and scissors. In 1005 / Out 1019.\n"
            "Gait with RW in hallway 80 ft x2, cues for posture and RW distance: In 1021 / Out 1032.\n")
    assert minutes_of(engine, note).get("97116") == 11


def test_a_time_ending_a_line_belongs_to_that_lines_service_not_the_lines_above(engine):
    """"Manual: ...; 9'." after a dry-needling line with no time: the 9 minutes are the manual therapy's (the needling
    above is untimed and has its own line), not a time shared by both."""
    note = ("Dry needling R upper trap and levator, 2 muscles, 30 mm needles, LTRs obtained.\n"
            "Manual: STM upper trap post-needling, first rib mobs; 9'.\nTE: chin tucks, prone Y/T 2x10, band rows 3x12; 11'.\n")
    assert minutes_of(engine, note) == {"20560": None, "97140": 9, "97110": 11}


@pytest.mark.parametrize("note, minutes", [
    # "CP" before its time is the cold pack: its 10 minutes are not more manual therapy
    ("R knee OA f/u.\nTE 21', MT 9', CP 10'.\nTolerated well.", {"97110": 21, "97140": 9, "97010": 10}),
    # and cerebral palsy elsewhere
    ("7 y/o with CP, spastic diplegia. Gait training 16 min with posterior walker, cues for heel strike.",
     {"97116": 16}),
])
def test_cp_is_a_cold_pack_only_before_its_time(engine, note, minutes):
    assert minutes_of(engine, note, "commercial") == minutes


def test_a_time_line_naming_no_service_times_the_block_above_it(engine):
    """'Time: 18 minutes for all of the above.' opens a time-log line but names no service: the balance work above it."""
    note = ("Gaze stabilization x1 viewing, horizontal then vertical, standing on foam; rests between sets for symptoms.\n"
            "Also tandem stance with head turns and eyes closed at the counter.\nTime: 18 minutes for all of the above.\n"
            "Pt walks her dog daily.\n")
    assert minutes_of(engine, note) == {"97112": 18}


def test_exercise_done_with_each_stim_contraction_is_part_of_the_stimulation(engine):
    """Quad sets 'with every contraction' of attended NMES are how the stimulation was given: one service, its 14
    minutes, not exercise billed beside it for the same time."""
    note = ("NMES to R quad, 10 s on / 50 s off; I stayed at the table while he did quad sets and SLR with every "
            "contraction, adjusting intensity. 14 minutes.\nThen gait training 10 min with SPC, cues for heel strike.\n")
    assert minutes_of(engine, note) == {"97032": 14, "97116": 10}


def test_a_parenthesised_time_after_the_last_sentence_is_outside_its_cue(engine):
    """'Stool use discussed. (10:40-10:52)': the clock range times the whole kitchen-safety paragraph; 'discussed' does
    not make it a plan."""
    note = ("Kitchen safety: I showed her how to slide pots along the counter instead of carrying them and how to use the "
            "reacher for the top shelf; she practiced each twice. Stool use discussed. (10:40-10:52)\n"
            "Gait with rollator in the hallway, 150 ft x2, cues for upright posture (10:52-11:04)\n")
    assert minutes_of(engine, note) == {"97535": 12, "97116": 12}


def test_gaze_stab_names_balance_work_and_its_time_adds_up(engine):
    note = "Foam EC, tandem stance with head turns, SLS firm and foam - 14 min. Gaze stab x1 at 2 Hz standing - 9 min.\n"
    assert minutes_of(engine, note) == {"97112": 23}


def test_a_total_that_says_it_includes_one_service_gives_that_service_its_time(engine):
    note = "Ther ex ........ 16\nManual ......... 9\nTotal timed .... 25\nTotal tx ....... 37 (incl. HP 12)\n"
    assert minutes_of(engine, note) == {"97110": 16, "97140": 9, "97010": 12}


def test_a_pool_sessions_in_and_out_of_the_water_is_its_time(engine):
    """'In pool 1402, out 1431.' under an aquatic heading: the session's 29 minutes."""
    note = ("Aquatic therapy, 3.5 ft pool, 91F.\nIn pool 1402, out 1431.\nWalking laps forward and sideways, wall squats "
            "2x12, marching, noodle cycling.\n")
    assert minutes_of(engine, note).get("97113") == 29


def test_a_started_and_done_sentence_after_a_service_is_its_time(engine):
    """'Started 2:05, done ~2:20.' in a sentence of its own after the gait training: 15 minutes of gait."""
    note = ("Gait training in the home with a rolling walker, kitchen to bedroom and the two entry steps with rail, "
            "cues for step-through pattern. Started 2:05, done ~2:20.\n"
            "Ther ex: heel slides, SAQ, SLR 2x10 each, about 12 min.\n")
    assert minutes_of(engine, note) == {"97116": 15, "97110": 12}


@pytest.mark.parametrize("note, minutes", [
    ("L shoulder adhesive capsulitis\n- UBE 10'\n- pulleys flex/scaption 5'\n- rows w/ red band 2x15 4 min\n"
     "- GH mobs gr III 10m\n", {"97110": 19, "97140": 10}),
    ("R TKA\nBike 8 min\nQuad sets, SAQ, heel slides 2x10 - 6 min\nStep ups 4\" 2x10 5 min\nGait w/ SPC in hallway 10 min\n",
     {"97110": 19, "97116": 10}),
])
def test_a_list_of_items_each_with_its_own_time_adds_up(engine, note, minutes):
    """One line per exercise with its own time ('UBE 10'', 'Bike 8 min', 'pulleys 5''): the first item's time is not a
    heading that the next items fit inside, and a one-word item ('Bike') is not a bare time; the items add up."""
    assert minutes_of(engine, note) == minutes


def test_a_flowsheet_row_that_states_its_code_gives_the_codes_whole_time(engine):
    """'| 97110 | Therapeutic exercise | 09:02 | 09:20 | 18 |' and an exercise log below ('Bike 6 min; SLR 3x10'):
    the coded row's 18 minutes are the exercise's whole time, the log lists what filled them."""
    note = ("INTERVENTIONS:\n"
            "| CPT   | Description          | Start | Stop  | Min |\n"
            "| 97110 | Therapeutic exercise | 09:02 | 09:20 | 18  |\n"
            "| 97140 | Manual therapy       | 09:20 | 09:30 | 10  |\n"
            "Exercise log: Bike 6 min; SLR 3x10; heel slides 2x15; TKE GTB 2x15\n"
            "Manual: patellar mobs all planes; STM quad\n")
    assert minutes_of(engine, note) == {"97110": 18, "97140": 10}


@pytest.mark.parametrize("note", [
    "Functional lifting: floor->waist box lift 25#, carry 40' and place on 5' shelf - 12 min.",
    "Pt carried laundry basket 40' and placed it on a 3' table, then reached overhead. 12 min.",
])
def test_feet_carried_and_heights_written_with_an_apostrophe_are_not_minutes(engine, note):
    """'carry 40'' and 'a 5' shelf' are a distance and a height in feet; only the 12 minutes are the activity's."""
    assert minutes_of(engine, note) == {"97530": 12}


def test_ta_in_a_list_of_minutes_names_therapeutic_activities(engine):
    """'Minutes: NMR 18 / TA 12 / Gait 10': 'TA' with its number in a list of minutes is therapeutic activities (alone,
    'TA bracing' is the transversus abdominis)."""
    note = ("Balance: tandem on foam, SLS at counter.\n"
            "Transfers: sit<>stand from low couch and car transfer simulation, min A.\n"
            "Gait: SPC 150 ft x3 with cues for step length.\n"
            "Minutes: NMR 18 / TA 12 / Gait 10\n")
    assert minutes_of(engine, note).get("97530") == 12


def test_a_pool_logs_covered_items_give_their_time_to_the_aquatic_session(engine):
    """A pool log by clock rows ('2:00-2:15 water walking ...', '2:15-2:25 standing balance in the water ...'): the
    balance work done in the pool is part of aquatic therapy, and so is its time (25 minutes, not 15)."""
    note = ("Aquatic PT - lumbar stenosis. Pool 92 F, 4 ft.\n"
            "2:00-2:15 water walking fwd/back/sideways, high knees, noodle arm swings\n"
            "2:15-2:25 standing balance in the water: SLS, tandem stance with turbulence\n"
            "Out of pool 2:25, dressed, left 2:40.\n")
    assert minutes_of(engine, note) == {"97113": 25}


def test_a_session_header_with_a_parenthetical_before_its_colon_holds_its_items(engine):
    """'Pool session 1400-1440 (water 92 F, chest depth):' heads the items below it: the 12 minutes walked in the pool
    are part of its 40, not more."""
    note = ("Aquatic PT - knee OA\n"
            "Pool session 1400-1440 (water 92 F, chest depth):\n"
            "walking fwd/back 4 laps each, marching, mini squats 2x15.\n"
            "In pool walked continuously 12 min without pain.\n")
    assert minutes_of(engine, note) == {"97113": 40}


def test_minutes_of_a_service_before_a_dash_and_its_list_hold_the_lists_item_times(engine):
    """'About 18 min of ther ex - leg press 2x12, step-ups, bike 6 min, HS curls': the 18 minutes head the list, the
    bike's 6 are inside them."""
    note = ("Started with NMES to the quad with quad sets, therapist present throughout, 10 minutes. Then about 18 min of "
            "ther ex - leg press 0-60 2x12, step-ups 4\" fwd, bike 6 min, prone HS curls.\n")
    assert minutes_of(engine, note).get("97110") == 18


def test_a_services_time_after_only_is_its_whole_time_not_replaced_by_the_visit(engine):
    """'Performed seated therex only x12 min' in a home visit with Time in/Time out of 30 minutes: the exercise took
    12 minutes (the rest of the visit was vitals and a call), not the visit's 30."""
    note = ("Time in 1015 / Time out 1045\n"
            "Vitals: BP 150/88, HR 102, SpO2 89% RA. Gait held. Called RN case manager.\n"
            "Performed seated therex only x12 min w/ vitals checked q5': ankle pumps, LAQ, seated marching 2x10 ea.\n")
    assert minutes_of(engine, note).get("97110") == 12


def test_times_that_open_the_items_of_a_breakdown_belong_to_the_service_after_them(engine):
    """'Treated 45 min: 25 min gait training, 20 min functional mobility tasks': each time opens its item and is the
    time of the service named right after it; 'Treated 45 min' is the session's time, not the first service's."""
    note = ("Walked with the RW in the hallway and on the ramp, cues for step length and posture.\n"
            "Practised floor to stand through half-kneel x5 and car transfer simulation x3.\n"
            "Treated 45 min: 25 min gait training, 20 min functional mobility tasks.\n")
    assert minutes_of(engine, note) == {"97116": 25, "97530": 20}


def test_a_charge_table_whose_minutes_column_is_not_last_gives_each_code_its_minutes(engine):
    """A flowsheet of exercises (one row with 'UBE  6 min') and a charge table 'CPT  Desc  Min  Units': the charge
    rows' minutes (22 and 12) are read from the Min column, not the last (units) column, and the billed exercise time
    replaces the one item's 6 minutes."""
    note = ("FLOWSHEET\n"
            "Exercise                  Sets/Reps    Load\n"
            "UBE                       6 min        L1\n"
            "Prone row                 3x10         2#\n"
            "Wall walks                2x10         -\n"
            "Manual: GH post glides gr III, STM infraspinatus\n"
            "CHARGES\n"
            "CPT     Desc                  Min    Units\n"
            "97110   Therapeutic exercise   22     1\n"
            "97140   Manual therapy         12     1\n"
            "Total timed: 34 min   Total treatment: 40 min\n")
    assert minutes_of(engine, note, payer="commercial") == {"97110": 22, "97140": 12}


def test_minutes_spent_on_a_service_are_that_services(engine):
    """'I spent 20 minutes on therapeutic exercise and 12 minutes on neuromuscular re-education': each time is the
    service named after 'on'."""
    note = ("She did leg press 3x12, step-ups and TKE with band; then SLS on foam with ball toss and lateral step-downs "
            "with mirror cues.\nI spent 20 minutes on therapeutic exercise and 12 minutes on neuromuscular "
            "re-education with her.\n")
    assert minutes_of(engine, note, payer="commercial") == {"97110": 20, "97112": 12}


def test_a_line_of_service_times_after_the_plan_is_the_visits_time_log(engine):
    """'TE 14' / NMR 9' / GT 12'' on its own line after 'P: cont per POC': the visit's times, not part of the plan."""
    note = ("TE: NuStep L4 x6 min warm up, LAQ 2# 2x10, hip abd at counter 2x10.\n"
            "NMR: tandem stance 3x30s, foam stance EO/EC, step taps to target.\n"
            "GT: 150' x3 w/ SBQC, cues for heel strike; 4 stairs w/ rail.\n"
            "P: cont per POC.\n"
            "TE 14' / NMR 9' / GT 12'\n")
    assert minutes_of(engine, note) == {"97110": 14, "97112": 9, "97116": 12}


def test_a_charge_rows_minutes_before_its_units_are_read(engine):
    """A charge summary 'CPT  Desc  N min  Units' ('97110  Ther ex   19 min   1'): each row gives its code's minutes."""
    note = ("Tx after re-eval: RC strengthening exercises - ER/IR with band, prone Y/T, serratus punch 3#. Functional reaching, 10# box shelf to "
            "shelf, overhead placement of 5# items.\n"
            "CHARGE SUMMARY\n"
            "97110  Ther ex   19 min   1\n"
            "97530  Ther act  11 min   1\n")
    assert minutes_of(engine, note, payer="commercial") == {"97110": 19, "97530": 11}


def test_a_total_followed_by_its_breakdown_after_a_dash_gives_each_service_its_share(engine):
    """'Total 40 min — TherEx 18, Gait 12, balance 10': the total is the session's and each item its service's; an
    oxygen saturation that recovers 'w/in 2 min' after walking is not gait time."""
    note = ("HH PTA visit. COPD on 2L. SpO2 93% at rest, 88% after gait -> 92% w/in 2 min w/ pursed lip breathing.\n"
            "Seated and standing ther ex: marching, LAQ 2x15, heel raises at counter 2x10, mini squats 2x8.\n"
            "Gait w/ 4WW kitchen to bedroom loop approx 60' x3, SBA, cues for pacing.\n"
            "Standing balance at counter: feet together EO/EC, semi-tandem, reaching outside BOS.\n"
            "Total 40 min \u2014 TherEx 18, Gait 12, balance 10.\n")
    assert minutes_of(engine, note) == {"97110": 18, "97116": 12, "97112": 10}


def test_a_line_of_service_times_after_the_body_gives_each_service_its_whole_time(engine):
    """Bulleted work with one item timed ('warm-up bike 8'') and, at the end, 'TE 20' / MT 8' / TA 12'': the summary's
    20 minutes are the exercise's whole time, not 20 more after the bike's 8."""
    note = ("\u2022 warm-up bike 8', hip abd machine, bridges w/ band, lateral band walks, step ups 6\"\n"
            "\u2022 STM R TFL, hip long-axis distraction gr II\n"
            "\u2022 car transfer practice, floor transfer via half-kneel, lifting laundry basket floor -> counter\n"
            "Improved hip hinge on lifting.\n"
            "TE 20' / MT 8' / TA 12'\n")
    assert minutes_of(engine, note, payer="commercial") == {"97110": 20, "97140": 8, "97530": 12}


def test_the_minute_marks_of_a_check_are_not_more_time(engine):
    """'Ionto ... 14 min (I stayed with him and checked skin at 5 and 10 min)': the check's time points are not minutes
    of the iontophoresis."""
    note = ("Ionto to R lat epicondyle 14 min (I stayed with him and checked skin at 5 and 10 min).\n"
            "Eccentric wrist ext 3x15, 10 min.\n")
    assert minutes_of(engine, note, payer="commercial") == {"97033": 14, "97110": 10}


def test_a_sentence_listing_activities_each_with_its_own_time_gives_each_its_own(engine):
    """'Car transfers 14 min, dressing practice with the sock aid 11 min, ...': each comma item is its own clause, so
    each service is read from its own words and keeps its own minutes (the whole sentence read as one clause gave
    every minute to the strongest service)."""
    note = ("Home visit, pt seen 40 min.\n"
            "Practised car transfers 14 min, lower body dressing practice with the sock aid and reacher 11 min, "
            "bridges and clamshells 9 min.\n")
    assert minutes_of(engine, note) == {"97530": 14, "97535": 11, "97110": 9}


def test_two_timed_items_of_one_service_in_a_sentence_add_up(engine):
    """'Sit to stand transfers 7', bed mobility 6'': two items of the same service, each with its own time, are 13
    minutes of it, not a heading of 7 minutes with a 6-minute item inside it."""
    note = "Sit to stand transfers 7', bed mobility 6' (functional training).\nGait 11'.\n"
    assert minutes_of(engine, note) == {"97530": 13, "97116": 11}


def test_a_heading_with_units_and_minutes_and_a_slashed_second_word_documents_its_service(engine):
    """'Balance/coord - 2 units (26 min): stood on one foot while ...': an EMR heading that gives units and minutes
    before its colon, its name joined by a slash to a word that names no service, heads a block of that service
    (the items in plain words read weakly on their own)."""
    note = ("Balance/coord - 2 units (26 min): stood on one foot while tossing beanbags into a bin, stepped over "
            "hurdles when I called left or right, walked while naming animals.\n"
            "Gait 10 min.\n")
    assert minutes_of(engine, note, payer="commercial") == {"97112": 26, "97116": 10}


def test_a_line_of_service_abbreviations_with_bare_numbers_between_pipes_is_the_time_log(engine):
    """'TE 20 | NMR 15 | MT 8' under the visit's clock times: each service's whole time, written without a minute word,
    with the blocks below naming what was done."""
    note = ("Time in 1330  Time out 1413 (43 min)\n"
            "TE 20 | NMR 15 | MT 8\n"
            "TE: sit-stand w/ 4#, step-ups, side-stepping w/ band, seated rows\n"
            "NMR: tandem/SLS on foam, reactive stepping, obstacle course w/ head turns\n"
            "MT: thoracic PA mobs gr III\n")
    assert minutes_of(engine, note) == {"97110": 20, "97112": 15, "97140": 8}


def test_an_exam_row_of_measures_between_pipes_documents_nothing(engine):
    """'Flex 95 | Abd 80 | ER 40' has the same shape with measures: it adds no code and no minutes to the note."""
    body = "Daily note.\nTherapeutic exercise 15 min: pulleys, wand flexion, scap squeezes.\n"
    row = "Shoulder AROM today: Flex 95 | Abd 80 | ER 40\n"
    assert minutes_of(engine, body + row) == minutes_of(engine, body) == {"97110": 15}


def test_a_timed_item_with_an_aside_after_its_time_is_still_an_item_of_its_own(engine):
    """'Tx: TE 23', MT 8' (L shoulder post caps mobs), CP x10' end of session': the manual therapy's aside in
    parentheses follows its time; the cold pack's 10 minutes (shown, though it is untimed) are not more manual therapy."""
    note = "Tx: TE 23', MT 8' (L shoulder post caps mobs), CP x10' end of session. Tol well."
    assert minutes_of(engine, note, payer="commercial") == {"97110": 23, "97140": 8, "97010": 10}


def test_the_length_of_one_bout_is_not_the_services_time(engine):
    """'Optokinetic video while standing firm then foam, 3 min bouts; ... Remaining 18 min.': three minutes is one
    bout's length; the service's time is the 18 minutes."""
    note = ("Optokinetic video while standing firm then foam, 3 min bouts; peak 4/10, settled. Saccades between 2 "
            "targets, then gaze holding w/ head turns at 1.5 Hz. Remaining 18 min.\n")
    assert minutes_of(engine, note, payer="commercial") == {"97112": 18}


def test_a_bout_as_the_only_time_gives_no_minutes_and_a_level_is_not_a_bout_count(engine):
    """'deep-water cycling 3 x 2 min' is a bout's length, not the aquatic session's time (no minutes, a finding asks
    for them); 'NuStep L2 x10 min' is ten minutes at level 2, not bouts."""
    pool = ("Aquatic therapy: chest-deep walking 4 lengths each way, step-ups on the submerged bench 2x15, "
            "deep-water cycling 3 x 2 min.")
    assert minutes_of(engine, pool, payer="commercial") == {"97113": None}
    assert minutes_of(engine, "NuStep L2 x10 min for LE endurance, RPE 12.", payer="commercial") == {"97110": 10}


def test_a_heading_whose_time_ends_its_sentence_before_a_remark_heads_its_block(engine):
    """'Balance work: stood heel-to-toe at the counter, ..., turned in a small circle both ways - 23'. No LOB.': the
    dash-set time ends the heading's sentence and the remark after it gives no time, so the line is the balance
    block with its 23 minutes, as it is when the remark stands on the next line."""
    note = ("Balance work: stood heel-to-toe at the counter, stepped over shoes on the floor, turned in a small circle "
            "both ways - 23'. No LOB.\nPt tolerated well. Cont POC.\n")
    assert minutes_of(engine, note) == {"97112": 23}


def test_a_clock_range_leading_a_service_heading_makes_the_line_its_block(engine):
    """'1:15-1:33  ther ex: ..., farmer carry': the clock time opens the heading, so a carry listed in the exercise
    block is one of its items, not a functional activity of its own."""
    note = ("1:15-1:33  ther ex: goblet squats to a box 3x10, kettlebell deadlift 3x8, pallof press, farmer carry 3 laps\n"
            "1:33-1:44  neuromuscular re-ed: single-leg reach, lateral hops with stick landings\n")
    assert minutes_of(engine, note, payer="commercial") == {"97110": 18, "97112": 11}


def test_a_dash_set_total_closing_a_headed_line_is_the_blocks_time(engine):
    """'Ther ex: ..., UBE 5 min, nerve glides - 17 min total.': the dash-set time closing the line is the block's whole
    time (the word 'total' after it does not make it the session's), of which the bike's 5 minutes are a part."""
    note = "Ther ex: chin tucks, band rows, UBE 5 min, nerve glides - 17 min total."
    assert minutes_of(engine, note, payer="commercial") == {"97110": 17}


def test_a_time_in_words_closing_a_sentence_after_a_negation_is_the_services(engine):
    """'..., toe clearance better, no catching, fifteen minutes.': the spelled-out time set off by a comma at the
    sentence's end is outside the negation's scope, as '15 minutes' is."""
    note = ("Then gait training with the new AFO, no device, hallway and outdoors on grass, toe clearance much better "
            "no catching, fifteen minutes.")
    assert minutes_of(engine, note, payer="commercial") == {"97116": 15}


@pytest.mark.parametrize("total, minutes", [
    ("Total treatment time 1 hour 10 minutes.", 70), ("Total treatment time: 1 hr.", 60),
    ("Total tx time 1.5 hours.", 90), ("Total treatment time 55 min.", 55),
])
def test_a_session_total_in_hours_is_read_whole(engine, total, minutes):
    """'Total treatment time 1 hour 10 minutes' is a 70-minute session, not one of 1 minute."""
    note = "TherEx 20 min: bridges, clamshells, step-ups.\nGait training 15 min with SPC, 300 ft.\n" + total
    assert engine.suggest(note).to_dict()["totals"]["documented_total_treatment_minutes"] == minutes


@pytest.mark.parametrize("total", ["Total testing time 2 hours 15 minutes.", "Total testing time two hours fifteen minutes."])
def test_a_performance_tests_total_testing_time_is_its_time(engine, total):
    note = ("Functional capacity evaluation: floor-to-waist and overhead lifts, carry 50 ft, push/pull, positional "
            "tolerances. " + total + " Written report to the case manager.")
    assert minutes_of(engine, note, "commercial") == {"97750": 135}


@pytest.mark.parametrize("note, expected", [
    ("Prosthetic training (initial) x30 min: donning/doffing liner and socket, sock ply management, skin check; standing "
     "in the parallel bars with weight shifts onto the prosthesis; gait in bars 2 lengths w/ mod A for knee control.\n"
     "Ther ex x12 min: prone hip extension 3x10, sidelying hip abduction 3x10.", {"97761": 30, "97110": 12}),
    ("Orthotic management & training - twenty minutes: checked fit, donning/doffing with shoe, wear schedule, skin check; "
     "gait with the AFO 2 x 100 ft for toe clearance.\nNeuromuscular re-ed - ten minutes: weight shifts and step-ups with "
     "the AFO on.", {"97760": 20, "97112": 10}),
])
def test_an_orthotic_or_prosthetic_training_heading_makes_its_line_the_block(engine, note, expected):
    """The gait done within a timed prosthetic or orthotic training heading's line is one of its items, not gait
    training of its own (the heading may carry '(initial)' or a time in words)."""
    assert minutes_of(engine, note, "commercial") == expected


@pytest.mark.parametrize("note, minutes", [
    ("Gait w/ 2WW 25 min, 3 trials 40', 55', 70', min A for turns, cues for walker proximity.", {"97116": 25}),
    ("Gait tr'g w/ AFO + hemi-walker - 15 min: 30', 45', 45', min A, better toe clearance.", {"97116": 15}),
])
def test_a_series_of_distances_with_apostrophes_is_feet_walked(engine, note, minutes):
    """'40', 55', 70'' listed one after another are the trials' distances in feet, not more minutes."""
    assert minutes_of(engine, note) == minutes


def test_minutes_in_square_brackets_are_read(engine):
    """An SNF template's minute boxes: 'Ther Ex [15] min: ...', 'Gait Training [20] min: ...'."""
    note = ("Mode of tx: Individual [35]  Concurrent [0]  Group [0]\n"
            "Ther Ex [15] min: heel slides 2x10, quad sets, SAQ 2x10 with 1# weight.\n"
            "Gait Training [20] min: RW, 2 bouts of 60 ft, CGA, cues for step-to pattern.")
    assert minutes_of(engine, note) == {"97110": 15, "97116": 20}


@pytest.mark.parametrize("sentence, expected", [
    ("Spent 15 minutes on ladder climbing practice with our 8-rung ladder, 3 point contact cues.", {"97530": 15}),
    ("Then twenty minutes of functional play: climbing the slide ladder, squatting to pick up rings.", {"97530": 20}),
])
def test_a_time_said_to_have_gone_to_the_one_service_named_documents_it(engine, sentence, expected):
    """'N minutes on/of <service>': the time names what it went to, even when the model reads the plain words weakly."""
    assert minutes_of(engine, "Pt reports his back is better today.\n" + sentence) == expected


@pytest.mark.parametrize("wear", ["skin check after 10 min wear", "pressure points checked after 10 minutes of wear"])
def test_how_long_a_brace_was_worn_before_a_check_is_not_the_services_time(engine, wear):
    note = (f"New custom AFO L. Initial orthotic fitting and training: trimlines and straps checked, {wear} - mild "
            "redness that resolved, pt and daughter taught donning/doffing with shoe and a wear schedule. 20 min.")
    assert minutes_of(engine, note) == {"97760": 20}


def test_a_service_named_in_passing_does_not_share_the_time_of_the_sentence_it_is_in(engine):
    """'hip precautions' names self-care training, but the sentence reads as the car transfer: the time is its."""
    note = ("O:\nHome management training: kitchen tasks w/ walker tray - carrying items counter to table, retrieving "
            "items from a low cabinet keeping hip precautions, safe turning at sink. 12 min.\n"
            "Car transfer practice (sedan simulator), hip precautions, 10 min.\nA: Improving.")
    assert minutes_of(engine, note) == {"97535": 12, "97530": 10}


@pytest.mark.parametrize("line", ["Today: manual 15, ther ex 15, NMR 8 (min)", "Today: manual 15, ther ex 15, NMR 8 mins."])
def test_a_list_of_services_with_bare_numbers_and_the_unit_once_at_the_end_gives_each_its_minutes(engine, line):
    note = (line + "\nManual - STM piriformis and glute med, lumbar rotation mobs gr III\nTE - bridges, clams, bird dog\n"
            "NMR - TrA/multifidus activation with palpation cues during limb movements")
    assert minutes_of(engine, note, "commercial") == {"97140": 15, "97110": 15, "97112": 8}


@pytest.mark.parametrize("note, found", [
    ("Treatment (NMR):\n 1:15-1:27  gaze stabilization - VOR x1 in standing, 1 min bouts x4\n"
     " 1:27-1:35  dynamic balance - foam stance EC 4x20 s, tandem walking 4 laps\n Total NMR: 20 min.", {"97112": 20}),
    ("Bike 8 min, leg press 3x10, step-ups 2x10.\nTotal ther ex time - 22 min.\nGait training 10 min with SPC, curbs.",
     {"97110": 22, "97116": 10}),
])
def test_a_total_written_before_the_services_name_after_its_items_is_its_whole_time(engine, note, found):
    """'Total NMR: 20 min' below the items' own times (12 + 8) is those items' total, not 20 more minutes."""
    assert minutes_of(engine, note, payer="commercial") == found


def test_a_vital_signs_recovery_time_is_not_the_services_time(engine):
    """'HR 184 with the task, resolved to 136 after 10 min' is how long the heart rate took to settle, not 10 minutes
    of gait training."""
    note = ("Pt ambulated with RW 150 ft x2, mod A for balance and walker placement, cues for step length; "
            "tachycardia of 184 with task, resolved to 136 after 10 min.")
    assert minutes_of(engine, note, "commercial") == {"97116": None}


def test_a_symptoms_duration_is_not_session_time_and_a_plural_visit_count_is_a_later_visit(engine):
    """'morning stiffness 30 min per mom' is how long the stiffness lasts, not 30 minutes of the pool session; and a
    header block with 'Aquatic visits: 6 of 12', a diagnosis, precautions and goals is a later visit, not an initial
    evaluation."""
    note = ("PEDIATRIC THERAPY CENTER - Aquatic Program (community therapy pool)\nAQUATIC PT SESSION NOTE   DOS: 06/11/2025\n"
            "Child: S. D.   DOB 09/03/2014 (10 y)\nInsurance: Cigna PPO   Aquatic visits: 6 of 12\n"
            "Dx: juvenile idiopathic arthritis, multiple sites\nPrecautions: avoid impact during flare\n"
            "Goals: walk 1000 ft on school campus w/o knee pain\n\n"
            "Water temp 92 F. Pain 2/10 B knees at start; morning stiffness 30 min per mom.\n"
            "In-water session 4:00-4:40 (40 min):\n - warm-up walking fwd/back/sideways in chest-deep water, 5 laps\n"
            " - step-ups on submerged step 3x10 each\n - SLS on submerged foam disk 3x20 s each\n"
            " - flutter kick w/ kickboard, 4 widths\n"
            "Plan: continue 1x/wk aquatic + land HEP.\n------\nTimed: 40 min     Code: 97113 x3")
    result = engine.suggest(note, payer="commercial")
    assert {s.code: s.minutes for s in result.recommended} == {"97113": 40}
    assert (result.report or {}).get("kind") == "treatment"


@pytest.mark.parametrize("times", ["Spent twenty five minutes on the exercise and ten on the balance.",
                                   "Spent 25 min on exercise and 10 on balance work."])
def test_the_second_time_of_a_parallel_pair_without_its_minute_word_is_minutes_too(engine, times):
    """'25 minutes on the exercise and ten on the balance': the second number's minute word is left off, as in speech;
    it is the balance work's 10 minutes, not a count."""
    note = ("Ther ex: recumbent bike, SLR 2x10, bridges 2x10, step ups. Balance: tandem stance on foam, single leg "
            "stance in the bars. " + times)
    assert minutes_of(engine, note, payer="commercial") == {"97110": 25, "97112": 10}


def test_a_count_after_a_parallel_time_is_not_minutes(engine):
    """'... and 10 of the reps on foam' counts repetitions (the reps word beside it), not ten minutes."""
    note = ("Balance work 15 minutes on the foam pad and 10 of the reps on the rocker board, tandem stance and "
            "single leg stance.")
    assert minutes_of(engine, note, payer="commercial") == {"97112": 15}


def test_a_line_opened_by_a_service_name_and_a_bare_number_gives_the_block_its_minutes(engine):
    """'TE 15 - recumbent bike 6', quad sets, ...': the number after the service's short name is the block's whole time
    (the bike's 6 minutes are one of its items); a clock time after the name ('Ther ex 10:25-10:37') is not one."""
    note = ("Tx:\nHP R knee 10 min prior to tx, seated\n"
            "TE 15 - recumbent bike 6', quad sets, SAQ 2x15, LAQ 2x15 2#, heel slides w/ strap 2x10\n"
            "MT 10 - patellar mobs gr II-III all directions, tib-fem post glides in 90 flex, STM distal quad\n"
            "GT 8 - SPC level surfaces 150' x2, cues heel strike and knee flexion in swing\n")
    assert minutes_of(engine, note, payer="commercial") == {"97010": 10, "97110": 15, "97140": 10, "97116": 8}
    clock = ("Ther ex 10:25-10:37 (12') - seated knee ext, marches, hip abd w/ band, heel raises, 2x10.\n"
             "Ther activities 10:37-10:52 (15') - sit<->stand training from bed/w/c/toilet height.")
    assert minutes_of(engine, clock, payer="commercial") == {"97110": 12, "97530": 15}


@pytest.mark.parametrize("note", [
    "Gait training with rolling walker 75 ft x 2 with CGA, cues for sequencing. Then ther ex in sitting and supine, heel "
    "slides, SAQ with 2 lb, LAQ 2 lb 2x10. Forty minutes total split evenly between the gait and the ther ex.",
    "Session 40 min. Half the session on gait training in the hallway w/ RW (2x120 ft, CGA, cues for sequencing), the "
    "other half on transfers - supine<>sit w/ leg lifter, bed<>chair, CGA->SBA.",
])
def test_a_session_split_evenly_between_two_services_gives_each_half(engine, note):
    """'... split evenly between the gait and the ther ex', 'half the session on gait ..., the other half on transfers':
    each named service gets half the session's 40 minutes."""
    found = minutes_of(engine, note, payer="commercial")
    assert found.get("97116") == 20 and sorted(found.values()) == [20, 20]


def test_a_planned_split_is_no_time_spent(engine):
    note = ("Gait training w/ RW 150 ft x2, CGA, 12 min. Plan: next visit split evenly between gait training and stair "
            "training, 40 min.")
    assert minutes_of(engine, note, payer="commercial") == {"97116": 12}


@pytest.mark.parametrize("note, found", [
    ("Gait: overground w/ L AFO + Lofstrand crutch, 3x200 ft.\nNMR: standing on foam eyes open/closed, stepping "
     "strategies.\nTot timed 30 min, gait 18, remainder NMR.", {"97116": 18, "97112": 12}),
    ("Mechanical cervical traction supine, 18 lb intermittent.\nTE: chin tucks, prone Y/T/W, scap rows green band "
     "3x15.\nMT: C5-C6 R lateral glides gr III, STM R scalenes.\nTotal 45 min: traction 15, TE 15, the rest manual.",
     {"97012": None, "97110": 15, "97140": 15}),
])
def test_the_rest_of_a_total_after_its_listed_items_is_the_last_services_time(engine, note, found):
    """'Tot timed 30 min, gait 18, remainder NMR': gait 18 and NMR the other 12; an untimed item (traction's 15) still
    comes off the total."""
    assert minutes_of(engine, note, payer="commercial") == found


def test_the_months_of_a_childs_age_are_not_minutes(engine):
    """'5 y 8 m' is how old the child is; the balance block's own 12 minutes are its time."""
    note = ("Child: Mateo R., 5 y 8 m   Dx: developmental coordination disorder\n"
            "Balance: balance beam walking fwd/sideways, SLS on foam, stepping stones w/ varied heights (12 min)")
    assert minutes_of(engine, note, payer="commercial") == {"97112": 12}


def test_a_clock_range_opening_its_line_holds_the_times_written_later_on_that_line(engine):
    """'1538-1555 Gait trng on treadmill ... x10 min continuous ...; then overground 100 ft x3': the line's 17 minutes
    include the treadmill's 10, not 17 + 10."""
    note = ("1538-1555 Gait trng on treadmill 1.2 mph w/ handrails x10 min continuous, cues for heel strike; then "
            "overground 100 ft x3 w/o device, CGA\n")
    assert minutes_of(engine, note, payer="commercial") == {"97116": 17}


@pytest.mark.parametrize("text", ["Wearing schedule taped to the closet door (1 hr on/off today, increase 1 hr daily).",
                                  "Splint 2 hrs on, 1 hr off while awake."])
def test_a_wearing_schedule_on_off_cycle_is_not_session_time(text):
    """'1 hr on/off today' is how long the new AFO is worn, not an hour of orthotic training."""
    assert [m.minutes for m in find_minutes(text) if m.minutes] == []


def test_one_sets_length_is_not_the_time_and_a_total_written_x20_is(engine):
    """'head turns ..., 1 min sets x4' gives the length of one set; 'Total x20'' is the session's 20 minutes."""
    note = ("Standing on foam: head turns side-side and up-down keeping the letter on the card in focus, 1 min sets x4. "
            "Stood on foam eyes closed feet apart 30s x3, tandem stance 30s x3. Total x20'.")
    assert minutes_of(engine, note, payer="commercial") == {"97112": 20}


def test_a_visit_clock_range_after_a_date_and_pt_seen_is_the_session_not_the_day_or_hour(engine):
    """'10/17 Pt seen 10:02-10:40 ... Entire session ther ex: ...' is 38 minutes of exercise, not 17 (the date's day)
    or 10 (the clock's hour)."""
    note = ("10/17 Pt seen 10:02-10:40 for B knee OA. Entire session ther ex: nustep L4 x 8 min, standing hip abd/ext at "
            "rail 2x12 ea, mini squats 2x10, step ups 6\" 2x10 ea, LAQ 3# 2x12. Pt reports 3/10 pain after. Cont POC.")
    assert minutes_of(engine, note, payer="commercial") == {"97110": 38}
    assert find_totals(note)["treatment"][0] == 38


def test_a_bracketed_number_opening_a_line_before_its_block_name_is_the_blocks_minutes(engine):
    """'[18] Orthotic mgmt/training: ...', '[15] Gait trng ...:', '[10] NMR: ...': each line's bracketed number is its
    block's minutes."""
    note = ("New custom L AFO delivered by orthotist yesterday.\n"
            "[18] Orthotic mgmt/training: checked fit + trim lines, skin inspection; instructed pt and husband in "
            "donning/doffing in sitting, shoe selection; return demo x2\n"
            "[15] Gait trng w/ AFO + SBQC: 3x150 ft, level + ramp, cues for L hip flexion\n"
            "[10] NMR: standing L LE wt bearing w/ reaching, step taps to 4\" step w/ R to load L, Romberg progression\n")
    assert minutes_of(engine, note, payer="commercial") == {"97760": 18, "97116": 15, "97112": 10}


def test_a_block_given_as_rounds_of_a_few_minutes_is_their_product(engine):
    """'NMR: 3 rounds x 5 min - ...' is 15 minutes of balance work and 'Gait: 2 rounds of 6 min - ...' 12 of gait."""
    note = ("NMR: 3 rounds x 5 min - VOR x1 horizontal/vertical at 1 Hz on plain and busy background, standing on foam "
            "eyes closed\nGait: 2 rounds of 6 min - gait w/ horizontal/vertical head turns, quick pivot turns, hallway "
            "w/ lights dimmed, CGA\n")
    assert minutes_of(engine, note, payer="commercial") == {"97112": 15, "97116": 12}


@pytest.mark.parametrize("note, found", [
    ("Pt tolerated 30 min of PT: gait ~15 (RW 40 ft x2, mod A -> min A, cues for step through), the rest split between "
     "transfer training (supine<>sit, sit<>stand from bed/commode) and bed-level ther ex (AP, heel slides, glute sets).",
     {"97116": 15, "97530": None, "97110": None}),
    ("Tx: TE 8, NMR 9, TA 10 = 27 min total. Seated marching, LAQ 2x10, standing weight shifts at the rail, reaching "
     "for cones, sit<>stand from the wheelchair x5 with cues for hand placement.", {"97110": 8, "97112": 9, "97530": 10}),
])
def test_a_service_names_bare_number_beside_a_time_is_its_minutes(engine, note, found):
    """'30 min of PT: gait ~15 (...)': the session's 30 minutes, 15 of them gait; 'TE 8, NMR 9, TA 10 = 27 min
    total': each name's number is its minutes."""
    assert minutes_of(engine, note, payer="commercial") == found


@pytest.mark.parametrize("note, found", [
    ("40 min: 25 ther ex / rest manual.\nTE: pelvic tilts, SKTC, bridges 2x10, LTR, nustep L3 6 min\n"
     "Manual: PA mobs L3-5 gr II-III, STM L paraspinals/QL, sidelying lumbar rot", {"97110": 25, "97140": 15}),
    ("Session 50 min incl 2 water breaks (~5 min total, not billed).\n"
     "~20 balance/NMR: balance beam fwd & sideways, SLS on foam w/ ring toss, trampoline stop-and-freeze\n"
     "~15 ther act: obstacle course (crawl through tunnel, climb over wedge), catching 8\" ball from 6 ft\n"
     "~10 strengthening: wheelbarrow walk 3x15 ft, prone superman holds 3x10s, squat-to-stand picking up beanbags\n",
     {"97112": 20, "97530": 15, "97110": 10}),
    ("Pt seen bedside and hallway. 30 min ther ex + gait trng, split about evenly. TE: supine SLR, ankle pumps, bridging "
     "2x10 ea, seated LAQ 2#. Gait 75' x2 w/ RW CGA, cues for upright posture, step length L.", {"97110": 15, "97116": 15}),
])
def test_shares_of_a_total_written_number_first_approximate_or_split_about_evenly(engine, note, found):
    """'40 min: 25 ther ex / rest manual', '~20 balance/NMR: ...' opening a line, '30 min ther ex + gait trng, split
    about evenly': each service's share of the session."""
    assert minutes_of(engine, note, payer="commercial") == found


@pytest.mark.parametrize("note, found", [
    ("Tx 38' (TA 20/ TE 10/ NMR 8). TA: bed mob, sup<>sit, SPT bed<>w/c w/ slide board. TE: B UE/LE AROM and 2# wts. "
     "NMR: sitting bal reaching outside BOS, perturbations.", {"97530": 20, "97110": 10, "97112": 8}),
    ("Gait: 3 bouts w/ RW in hallway, ~4 min each (150', 120', 200'), CGA, cues for step length. Seated rest ~2 min "
     "btwn bouts (not counted).\nStanding balance at counter: 2 rounds x 5 min - feet together EO/EC, semi-tandem, "
     "weight shifts.\nSeated TE 12 min: marches, LAQ, heel/toe raises 2x15.", {"97116": 12, "97112": 10, "97110": 12}),
])
def test_a_total_with_its_breakdown_after_it_and_rounds_of_a_few_minutes(engine, note, found):
    """'Tx 38' (TA 20/ TE 10/ NMR 8)': the 38 is the session, its items the services' times; '3 bouts ..., ~4 min
    each' is 12 minutes of gait and '2 rounds x 5 min' 10 of balance."""
    assert minutes_of(engine, note, payer="commercial") == found

"""Stage decide: candidates -> the recommended codes (thresholds, exclusive groups, count rules, group and
covering sessions and the report kind), with the evaluation report's explanation per code."""

from __future__ import annotations

import math
import re

from ..nlp.minutes import find_minutes, number_value
from ..nlp.rules import line_bounds
from ..results import Evidence
from .score import DOSE
from .settings import Settings
from .values import Candidate, NoteRead

__all__ = ["apply_area_add_ons", "apply_count_rules", "apply_covering", "apply_encounter", "apply_episode_summary",
           "apply_group", "apply_report", "apply_site_rules", "apply_test_report", "decide"]


def decide(s: Settings, note: NoteRead, cands: dict) -> tuple[set, dict]:
    """Stage decide: which candidates are recommended (confidence with or without a phrase, exclusive groups,
    count rules, group sessions, the report kind). Returns the set and, per label, the report's explanation."""
    recommended = set()
    for lab, c in cands.items():
        has_phrase = any(e.phrases for e in c.evidence)
        if c.evidence and (has_phrase and c.score >= s.t_rec
                           or not has_phrase and lab not in s.needs_phrase and c.score >= s.t_rec_nophrase):
            recommended.add(lab)
    for group in s.groups:
        present = [lab for lab in group if lab in recommended]
        if len(present) > 1:
            best = max(present, key=lambda lab: (sum(e.score for e in cands[lab].evidence), cands[lab].score))
            recommended -= set(present) - {best}
    recommended = apply_count_rules(s, recommended, cands, note.full)
    recommended = apply_area_add_ons(s, recommended, cands, note.full)
    recommended = apply_site_rules(s, recommended, cands, note.full)
    if s.patient_absent is not None and recommended & s.patient_absent[0] and not s.patient_absent[1].search(note.full):
        # caregiver training is billed without the patient present: a caregiver trained beside the patient is not it
        recommended = recommended - s.patient_absent[0]
    recommended = apply_encounter(s, recommended, note.full, cands)
    recommended = apply_group(s, recommended, note.full, cands, _negated_spans(note))
    recommended = apply_test_report(s, recommended, note.full, cands)
    recommended = apply_covering(s, recommended, note.full, cands)
    refused = [t for t, st in zip(note.ctexts, note.statuses) if st in _NOT_GIVEN]
    recommended, notes = apply_report(s, note.report, recommended, cands, note.full, refused)
    return apply_episode_summary(s, note, recommended, notes)


_EPISODE_NOTE = (" Not recommended: the document looks back over earlier visits of the episode (a summary, report or letter)"
                 " and documents no session of its own on its date.")


def apply_episode_summary(s: Settings, note: NoteRead, recommended: set, notes: dict) -> tuple[set, dict]:
    """A document that looks back over an episode or period of care ("DISCHARGE SUMMARY ... total visits: 16. Pt
    progressed through quad strengthening, patellar mobilizations, gait training ...", a letter asking the physician to
    recertify the plan) and says nothing of a session on its own date (no "today", no time in or out or clock range, no
    time given to anything performed, no dose such as "x2" or "2x10" of something performed, no session total) bills
    none of the services it lists. An evaluation or re-evaluation the report decides is a session of its own: its
    document is left as it is."""
    if s.episode is None or not recommended or recommended & s.eval_labels:
        return recommended, notes   # (an evaluation or re-evaluation is itself a session on the document's date)
    summary, session, statuses = s.episode
    if note.totals or note.generic or not summary.search(note.full):
        return recommended, notes
    for ctext, status in zip(note.ctexts, note.statuses):
        if status in statuses and (session.search(ctext) or DOSE.search(ctext)
                                   or any(m.minutes or m.units for m in find_minutes(ctext))):
            return recommended, notes
    return set(), dict(notes, **{lab: notes.get(lab, "") + _EPISODE_NOTE for lab in recommended})


# statuses of a mention that was not given this visit (a plan is not one: "re-eval next visit" beside an evaluation)
_NOT_GIVEN = frozenset({"negated", "declined", "deferred", "held"})
_EVALUATION_WORD = re.compile(r"\b(?:re-?)?eval(?:uation)?s?\b|\bI\.?E\.?\b", re.IGNORECASE)


def apply_report(s: Settings, report, recommended: set, cands: dict, full: str,
                 refused: list | None = None) -> tuple[set, dict]:
    """Evaluation reports decide the evaluation code; discharge summaries and progress reports bill none.

    Returns the new recommended set and, per label, a sentence explaining the level component by component.
    """
    evals = s.eval_labels
    notes: dict[str, str] = {}
    if report.code and report.code in s.col:
        recommended = (recommended - evals) | {report.code}
        cand = cands.setdefault(report.code, Candidate(report.code))
        cand.score = max(cand.score, report.confidence)
        if not cand.evidence:
            for _name, a, b in report.signals[:3]:
                cand.evidence.append(Evidence(a, b, full[a:b], "none", report.confidence, ()))
        kind = report.kind.replace("_", " ")
        note = f" Recognised as {'an' if kind[0] in 'aeiou' else 'a'} {kind} from its " + \
               ", ".join(sorted({s[0].replace("_", " ") for s in report.signals})) + "."
        if report.components:
            parts = "; ".join(f"{c.name.replace('_', ' ')} {c.level} ({c.reason})" for c in report.components)
            note += f" Level: {parts}."
            note += (f" The note states the level ({s.catalogue[report.stated_level].label})." if report.stated_level
                     else " The level is the lowest that all four components reach.")
            higher = [c.to_reach_higher for c in report.limiting if c.to_reach_higher]
            if higher and not report.stated_level:
                note += " To support a higher level: " + " ".join(higher)
        notes[report.code] = note
    elif report.kind in ("discharge", "progress") or any(sig[0] == "other_discipline" for sig in report.signals):
        recommended = recommended - evals   # an OT or SLP evaluation bills that discipline's code, not a PT one
    elif refused and any(_EVALUATION_WORD.search(t) for t in refused):
        # a treatment note that says its evaluation was not done ("Eval not initiated", "re-eval deferred"): the
        # visit's other mentions of it ("scheduled initial evaluation") bill none
        recommended = recommended - evals
    else:  # a treatment note: an evaluation needs a sentence that names it ("re-eval performed"), not a heading
        floor = int(s.config.get("evaluation_evidence_min_words", 0))
        recommended = {lab for lab in recommended if lab not in evals
                       or any((len(e.text.split()) >= floor or find_minutes(e.text)) and e.phrases
                              for e in cands[lab].evidence)}
    return recommended, notes


def _negated_spans(note: NoteRead) -> list[tuple[int, int]]:
    """Where the note says something was not done ("no 1:1 time today"): its negated clauses."""
    return [(c.start_char, c.end_char) for c, st in zip(note.clauses, note.statuses) if st == "negated"]


def apply_group(s: Settings, recommended: set, full: str, cands: dict, negated=()) -> set:
    """A group session covers the exercises and activities the group did. When the patient was also seen
    one-on-one (an individual cue in the note), it covers those documented within the group's parts only: from
    each piece of the group code's evidence to the next individual cue ("Group: 4 athletes, concurrent stations
    ... stations: pogo hops, SL calf raises ... 1:1 after group: IASTM ..." keeps the manual therapy alone)."""
    if s.group is None or s.group[0] not in recommended:
        return recommended
    code, demote, cues, blockers = s.group
    # an individual cue said not to have happened ("no 1:1 time today") is none, and so is the individual cueing the
    # group's members get ("PT provided individual cueing"): the blockers match first, being longer
    said = [m for m in cues.finditer(full) if not any(a <= m.start() < b for a, b in negated)
            and " ".join(m.group().lower().split()) not in blockers]
    if not said:
        return recommended - demote
    # the group's parts: from each piece of its evidence to the next individual cue ("1:1 manual 8 min" before the
    # group, "1:1 after group: IASTM" after it, or a title naming the group above both)
    parts = []
    for g in sorted(e.start for e in cands[code].evidence):
        cue = next((m for m in said if m.start() >= g), None)
        parts.append((g, cue.start() if cue is not None else len(full)))
    inside = {lab for lab in recommended & demote
              if all(any(a <= e.start and e.end <= b for a, b in parts) for e in cands[lab].evidence)}
    return recommended - inside


_BOTH_SIDES = re.compile(r"\bb/l\b", re.IGNORECASE)   # "b/l UT": one item for both sides, not two split at the slash
_PARENS = re.compile(r"\([^()\n]*\)")   # "R obturator internus (via ischiorectal approach, external)": one item
_COUNT_ONLY = re.compile(r"\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten", re.IGNORECASE)
_LIST_SPLIT = re.compile(r"\s*(?:,|;|/|\band\b|&|\+)\s*(?:and\s+)?", re.IGNORECASE)


def _carry_over(cands: dict, source: str, target: str) -> None:
    """``target`` takes ``source``'s reading: its score (if higher), its evidence (if it has none) and the segments
    where its time may sit - the code the note's facts call for instead ("3 muscles" -> 20561, "subsequent
    encounter" -> 97763)."""
    tc = cands.setdefault(target, Candidate(target))
    tc.score = max(tc.score, cands[source].score)
    tc.evidence = tc.evidence or list(cands[source].evidence)
    for seg_i, spans in cands[source].segments.items():
        tc.segments.setdefault(seg_i, []).extend(spans)


def apply_encounter(s: Settings, recommended: set, full: str, cands: dict) -> set:
    """The orthotic/prosthetic code follows the encounter the note names: a later encounter ("subsequent
    encounter", "initial prosthetic training completed at prior visits") is 97763, a first one ("initial encounter",
    "AFO fitted today") 97760 or 97761 by whether the evidence is about a prosthesis."""
    if s.encounter is None:
        return recommended
    later, first, later_cues, first_cues, prosthetic = s.encounter
    present = [lab for lab in recommended if lab == later or lab in first.values()]
    if len(present) != 1:
        return recommended
    lab = present[0]
    says_later, says_first = later_cues.search(full) is not None, first_cues.search(full) is not None
    if says_later == says_first:
        return recommended
    evidence = " ".join(e.text for e in cands[lab].evidence)
    target = later if says_later else first["prosthetic" if prosthetic.search(evidence) else "orthotic"]
    if target == lab or target not in s.col:
        return recommended
    _carry_over(cands, lab, target)
    return (recommended - {lab}) | {target}


_OWN_MINUTES = re.compile(r"\d\s*(?:min(?:ute)?s?|mins)\b", re.IGNORECASE)   # "TherEx 15 min", not a 4' depth


def apply_covering(s: Settings, recommended: set, full: str, cands: dict) -> set:
    """A session code covers what was done within it (engine.json ``covering_sessions``): aquatic therapy the
    exercise, balance and gait done in the water ("Mini squats at wall | 4' | 2x15" in a pool log), prosthetic
    training the gait and balance work done with the prosthesis. The covered codes whose evidence all lies in the
    session's parts - from a piece of the session code's evidence to the next end cue ("on land", "gait training"), or
    for a session whose covered work names its device from the start of the note to the first end cue after its first
    evidence - none of it timed on its own outside a line with the session's words, are candidates to review rather than recommended, and the places they are documented become the session
    code's, so their times are its time. Work before the session part, after an end cue, or with its own time stays
    billed on its own."""
    for codes, covers, end_cues, own_time_ok, evidence_words in s.covering:
        present = [lab for lab in codes if lab in recommended]
        if not present:
            continue
        starts = sorted({e.start for lab in present for e in cands[lab].evidence})
        parts = []   # the session's parts: from each piece of its evidence to the next end cue
        for start in starts:
            cue = end_cues.search(full, start + 1)
            parts.append((start, cue.start() if cue is not None else len(full)))
        if evidence_words is not None:   # the covered work names the device: it may come before the session's name
            parts = [(0, parts[0][1])]
        covered = {
            lab for lab in recommended & covers
            if all(any(a <= e.start and e.end <= b for a, b in parts)
                   and (not _OWN_MINUTES.search(e.text) or own_time_ok is not None and own_time_ok.search(e.text))
                   and (evidence_words is None or evidence_words.search(e.text))
                   for e in cands[lab].evidence)}
        for lab in sorted(covered):
            # the covered work's time is the session's ("3:30-3:40 standing balance in water" in a pool log)
            for seg_i, spans in cands[lab].segments.items():
                cands[present[0]].segments.setdefault(seg_i, []).extend(spans)
        recommended = recommended - covered
    return recommended


def _listed_count(items: str, both_sides) -> float:
    """How many things a written list counts: its items, an item naming both sides twice ("B masseter, B temporalis"
    is 4 muscles), a note in parentheses inside an item part of it; a list that is one number is the count itself
    ("Total muscles needled: 3")."""
    items = items.strip()
    if _COUNT_ONLY.fullmatch(items):
        return number_value(items)
    parts = _LIST_SPLIT.split(_BOTH_SIDES.sub("bilateral", _PARENS.sub("", items)).strip(" ,"))
    return float(sum(2 if both_sides is not None and both_sides.match(item) else 1 for item in parts))


def apply_count_rules(s: Settings, recommended: set, cands: dict, full: str = "") -> set:
    """Pick the code whose count range holds the documented count ("3 muscles", "three muscles", a list after
    "Muscles needled:" -> 20561)."""
    for regex, ranges, listed, both_sides in s.count_rules:
        present = [lab for lab in ranges if lab in recommended]
        if not present:
            continue
        # the count may follow the evidence on its line ("Dry needling R side: UT x2 sites, LS x1 ... 3 muscles total.")
        texts = {e.text for lab in present for e in cands[lab].evidence}
        if full:
            texts |= {full[e.start:line_bounds(full, e.start)[1]] for lab in present for e in cands[lab].evidence}
        counts = [number_value(m.group(1)) for t in texts for m in regex.finditer(t)]
        if listed is not None and not counts:
            # "Muscles needled: R upper trapezius, R levator scapulae, R infraspinatus" is 3 (a stated count, "2 muscles",
            # is read before any list: a list runs on into what was found, "..., local twitch responses elicited")
            counts += [_listed_count(m.group("list"), both_sides) for m in listed.finditer(full)]
        if not counts:
            continue
        n = max(counts)
        target = next((lab for lab, (lo, hi) in ranges.items()
                       if lab in s.col and n >= lo and (hi is None or n <= hi)), None)
        if target is None or target in present and len(present) == 1:
            continue
        _carry_over(cands, max(present, key=lambda lab: cands[lab].score), target)
        recommended = (recommended - set(present)) | {target}
    return recommended


def apply_site_rules(s: Settings, recommended: set, cands: dict, full: str) -> set:
    """Codes told apart by what their evidence lines say (engine.json ``site_rules``): a recommended code whose
    evidence lines name another code's site or setting and not its own is that code ("Multilayer compression
    bandaging L UE" is the arm's wrap; "E-stim, unattended: NMES ..." is the unattended stimulation)."""
    for sites in s.site_rules:
        present = [lab for lab in sites if lab in recommended]
        if len(present) != 1:
            continue
        lab = present[0]
        lines = {full[slice(*line_bounds(full, e.start))] for e in cands[lab].evidence}
        named = [other for other, rx in sites.items() if any(rx.search(x) for x in lines)]
        if len(named) == 1 and named[0] != lab:
            _carry_over(cands, lab, named[0])
            recommended = (recommended - {lab}) | {named[0]}
    return recommended


def apply_area_add_ons(s: Settings, recommended: set, cands: dict, full: str) -> set:
    """An add-on billed per further area (engine.json ``area_add_ons``): with the base code recommended and a total
    area above its first block stated in its evidence or the rest of its lines ("Sacral PI 8.0 x 4.0 cm = 32 sq cm.
    Selective debridement ..."), the add-on is recommended with one unit per further block or part of one."""
    for base, add_on, first, each, regex in s.area_add_ons:
        if base not in recommended:
            continue
        texts = {e.text for e in cands[base].evidence}
        texts |= {full[line_bounds(full, e.start)[0]:line_bounds(full, e.start)[1]] for e in cands[base].evidence}
        areas = [float(m.group(1)) for t in texts for m in regex.finditer(t)]
        if not areas or max(areas) <= first:
            continue
        _carry_over(cands, base, add_on)
        cands[add_on].units = int(math.ceil((max(areas) - first) / each))
        recommended = recommended | {add_on}
    return recommended


def apply_test_report(s: Settings, recommended: set, full: str, cands: dict) -> set:
    """A functional capacity evaluation lists the functional tasks it tested ("Reaching overhead, other side",
    "Floor to waist lift 25 lb"): with the performance-test code recommended, the codes of engine.json
    ``test_report.covers`` whose evidence all comes after the note first names an FCE are the test's items,
    candidates to review rather than recommended (a task documented before it is its own service)."""
    if s.test_report is None:
        return recommended
    code, cues, covers = s.test_report
    first = cues.search(full) if code in recommended else None
    if first is None:
        return recommended
    return recommended - {lab for lab in recommended & covers
                          if all(e.start >= first.start() for e in cands[lab].evidence)}

"""Stage gather: scored clauses -> code candidates with evidence, not-counted mentions and time mentions.

A performed clause's codes above the candidate threshold become :class:`Candidate` entries (with the catalogue
phrases that name them and the segments where their time may sit); a clause with an assertion (negated,
planned, history, ...) gives :class:`~suggester.results.NotCounted` entries instead.
"""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np

from ..minutes_attribution import covers_block, indented_row, last_on_line_after_dash, referenced, total_words
from ..nlp.minutes import (MINUTE_NUMBER_WORDS, MinuteMention, find_minutes, number_value, service_clock_pairs,
                           services_timed)
from ..nlp.rules import UNCHECKED_BOX, line_bounds
from ..results import Evidence, NotCounted
from .score import DOSE, joined_head, joined_pair
from .settings import Settings
from .values import Candidate, Gathered, NoteRead

__all__ = ["gather", "measurement_row", "row_name", "time_only", "too_short", "unbilled_beside"]

_WORD = re.compile(r"[A-Za-z]{2,}")
# what may stand before a heading on its line: bullets, or a section header ("Treatment today: TE 8 min - ...")
_LIST_ITEM = re.compile(r"[ \t]*(?:[-*\u2022>]|\d{1,2}[.)])[ \t]")
_LINE_LEAD = re.compile(r"[ \t\-*\u2022]*(?:[A-Za-z][A-Za-z' /]{0,30}:[ \t]*)?")
# what may stand before a service's name in its heading: bullets, a ticked box, the code ("[X] 97110 Ther Ex - 23 min")
_NAME_LEAD = re.compile(r"[ \t\-*\u2022]*(?:(?:\[[ \t]?[xX\u2713\u2714][ \t]?\]|[\u2611\u2612])[ \t]*)?(?:[A-Z]?\d{4,5}[ \t:\-\u2013\u2014]*)?"
                        r"(?P<clock>\d{1,2}:?\d{2}[ \t]*(?:-|\u2013|to)[ \t]*\d{1,2}:?\d{2}[ \t]+)?"   # "10:02-10:20  ther ex: ..."
                        r"(?:[Tt]hen[ \t]+)?(?:[A-Za-z][A-Za-z.\-]{0,15}[ \t]*/[ \t]*)?")   # "Then NMR:", "Vestibular/NMR:", "Self-care/home"
# after a service's name at the start of a line: its own time, then a colon or dash ("TE 12 min:", "(97110): 24 min -")
# (also "Prosthetic training (initial) x30 min:", "Orthotic management & training - twenty minutes:")
_BLOCK_TIME = re.compile(r"\s*(?:\(\s*(?:[A-Z]?\d{4,5}|[A-Za-z][A-Za-z ,.\-]{0,20})\s*\)\s*)?[:\-\u2013\u2014]?\s*"
                         r"(?:\d\s*units?\s*)?\(?\s*(?:x\s*)?(?:\d{1,3}|" + MINUTE_NUMBER_WORDS + r"\s)\s*"
                         r"(?:min(?:ute)?s?|mins|')\.?\s*\)?\s*(?:[:\-\u2013\u2014]|$)", re.IGNORECASE)
# a second word joined to a heading's name by a slash, '&' or 'and' that names no service of its own ("Balance/coord - 26
# min:", "Orthotic management & training - twenty minutes:")
_NAME_SUFFIX = re.compile(r"(?:/|[ \t]*(?:&|\band\b)[ \t]*)[A-Za-z.]{1,12}(?![A-Za-z/])")   # "/coord", " & training"
_HEAD_COLON = re.compile(r"[ \t]*(?:\([^()\n]{0,12}\))?[ \t]*:")
_SEMI_TIME_END = re.compile(r";[ \t]*(?:~|about|approx\.?)?[ \t]*\d{1,3}[ \t]*(?:min(?:ute)?s?|mins|')\.?[ \t]*$", re.IGNORECASE)
_DASH_TIME_END = re.compile(r"\s(?:-{1,2}|\u2013|\u2014)\s*(?P<t>\d{1,3}\s*(?:min(?:ute)?s?|mins|')\.?)(?:[ \t.;]*$|[ \t]*\.[ \t]+[A-Z])",
                            re.IGNORECASE)
_NOT_BILLED = re.compile(r"\s*\(?\s*(?:not (?:included|billed|counted|billable|timed)|unbilled)\b", re.IGNORECASE)
_CELL_SEP = re.compile(r"\s*\|\s*|\s{3,}|\t+|\s*\.{3,}\s*")
# a bulleted or check-box line holding only a name ("\u25cf Therex", "- Gait", "[ ] Manual therapy"): a template's menu
_BARE_ITEM = re.compile(r"\s*(?:[\u2022\u25cf\u25cb\u25aa\u25a1\u2610\u2611\u2612*\-]|\[\s?x?\s?\])\s*[A-Za-z][A-Za-z/&' -]{0,30}\s*$")
# a template field left blank: "Ultrasound (97035): ___ min", "Neuro re-ed (97112): ___", "Gait: N/A", "Traction: --",
# or given no time at all: "TherAct: 0 min"
_BLANK_FIELD = re.compile(r"(?:[:=\-\u2013]\s*(?:_{2,}|n/?a|none|--+|\u2014|\[\s*\]|0(?!\s*[-/.:\d]))|\s\[\s*0\s*\])"
                          r"\s*(?:min(?:ute)?s?\.?|'|units?)?\s*$", re.IGNORECASE)   # also a minute box left at zero: "Group [0]"


# a table cell holding only an unchecked box, and a checked box anywhere
_UNCHECKED_CELL = re.compile(r"(?:\s{2,}|\t|\|)[ \t]*(?:\[[ \t]?\]|\u2610|\u25a1)[ \t]*(?=\s{2,}|\t|\||$)")
_CHECKED = re.compile(r"\[[ \t]*[xX\u2713\u2714][ \t]*\]|[\u2611\u2612]")


# in a time log, a bare number after a service's name is its minutes ("Timed minutes: TE 13, GT 10 = 23"), not a
# count, a measure or a clock time
_LOG_NUMBER = re.compile(r"[ \t]*[:\-]?[ \t]*(?P<n>\d{1,3})(?![\d:.]\d|/\d|[ \t]*(?:[%#\-\u2013\u00b0\"'x]|\w))", re.IGNORECASE)
_UNIT_ENDS_LIST = re.compile(r"\d[ \t]*\(?[ \t]*(?:min(?:ute)?s?|mins)[ \t]*\)?[ \t.]*$", re.IGNORECASE)
_SUM_BEFORE = re.compile(r"=[ \t]*(?:~|about|approx\.?)?[ \t]*$", re.IGNORECASE)


def _log_numbers(ctext: str, mentions: list, found: list, hits) -> list:
    """A time log's minutes with the bare number right after each service's name read too ("Timed minutes: TE 13,
    GT 10 = 23"); ``found`` are all the clause's time mentions (a total's breakdown included), never read twice."""
    taken = [(m.start, m.end) for m in found]
    extra = []
    for _, b, _, _ in hits:
        m = _LOG_NUMBER.match(ctext, b)
        if m is not None and 0 < int(m.group("n")) <= 180 and not any(a <= m.start("n") < e for a, e in taken):
            extra.append(MinuteMention(m.start("n"), m.end("n"), int(m.group("n"))))
            taken.append((m.start("n"), m.end("n")))
    return sorted(mentions + extra, key=lambda m: m.start) if extra else mentions


# what a note-level total says it counts ("Total timed minutes", "Treatment time", "session")
_TOTAL_OF_WHAT = re.compile(r"\b(?:timed|treatment|tx|session|visit|codes?|billable|therapy|untimed)\b", re.IGNORECASE)


def _own_service_totals(s: Settings, note: NoteRead, hits_of: list, proba: np.ndarray) -> None:
    """A timed total that says only "all told", "in all" or "altogether", in a performed clause that names a service
    and reads as it ("W/c propulsion training ..., pressure relief reminders -- ~15m all told"), is that service's
    whole time, not the note's total of timed minutes: it leaves ``note.totals`` (the clause's service keeps the
    time). A clause that only mentions a name ("These vestibular exercises were carried out for 17 minutes in
    total") keeps the note's total."""
    found = note.totals.get("timed")
    if found is None or _TOTAL_OF_WHAT.search(note.full, found[1], found[2]):
        return
    line_start = note.full.rfind("\n", 0, found[1]) + 1
    if _TOTAL_OF_WHAT.search(note.full, line_start, found[1]):
        return   # "Timed: ... in all 38 min": the line's label says what it counts
    for c, hits, status, row in zip(note.clauses, hits_of, note.statuses, proba):
        if c.start_char <= found[1] < c.end_char:
            if status is None and any(row[s.col[lab]] >= s.t_ev for h in hits for lab in h[3]):
                note.totals = {k: v for k, v in note.totals.items() if k != "timed"}
            return


def _clause_times(clause, ctext: str, status, hits, mentions: list, holds_total: bool) -> list:
    """A clause's time mentions as its services' times: in a time log, the bare number after each service's name
    ("Timed minutes: TE 13, GT 10 = 23"); in a performed clause, a service's own start and end clock times ("... cues
    for heel-off on R: In 0935 / Out 0947", "Started 10:05, done ~10:20."), unless the clause holds a note-level
    total; and without a time after "=" that follows two others, their sum ("TE 13 min, GT 10 min = 23 min")."""
    if clause._.pt_section == "time_log" or _UNIT_ENDS_LIST.search(ctext) is not None \
            and sum(_LOG_NUMBER.match(ctext, h[1]) is not None for h in hits) >= 2:
        # "today: manual 15, ther ex 15, nmr 8 (min)": services each with a bare number, the unit said once at the end
        mentions = _log_numbers(ctext, mentions, find_minutes(ctext), hits)
    if status is None and not holds_total:
        pairs = [m for m in service_clock_pairs(ctext) if not any(o.start < m.end and m.start < o.end for o in mentions)]
        if pairs:
            mentions = sorted(mentions + pairs, key=lambda m: m.start)
    if len(mentions) >= 3:
        mentions = [m for k, m in enumerate(mentions)
                    if k < 2 or not _SUM_BEFORE.search(ctext, max(0, m.start - 16), m.start)]
    return mentions


def _less_included_rest(s: Settings, ctext: str, kept: list, rests: list) -> list:
    """The clause's service times with the rest said to be included in them taken off ("Ther ex 1:10-1:40 (...) --
    incl ~6 min seated rest when SOB" is 24 minutes; "incl two ~3 min sitting rests" takes off 6)."""
    if s.included_rest is None or not rests:
        return kept
    kept = list(kept)
    for r in rests:
        cue = s.included_rest.search(ctext, max(0, r.start - 40), r.start)
        own = [k for k, m in enumerate(kept) if m.end <= r.start and m.minutes]
        if cue is None or not r.minutes or not own:
            continue
        count = cue.group("count")
        off = r.minutes * (int(number_value(count)) if count else 1)
        m = kept[own[-1]]
        if m.minutes > off:
            kept[own[-1]] = replace(m, minutes=m.minutes - off,
                                    range_upper=m.range_upper - off if m.range_upper is not None else None)
    return kept


def _blank_field(full: str, pos: int) -> bool:
    """The line holding ``pos`` is a template field left blank ("Gait training (97116): N/A"), an unchecked box
    ("[ ] Re-evaluation (97164)", "\u2610 Moist heat - declined") or a table row whose only check box is unchecked
    ("Iontophoresis      [ ]      \u2014" under "Interventions   Performed   Time")."""
    start, end = line_bounds(full, pos)
    line = full[start:end]
    return UNCHECKED_BOX.match(line) is not None or len(line) <= 80 and _BLANK_FIELD.search(line) is not None \
        or _UNCHECKED_CELL.search(line) is not None and _CHECKED.search(line) is None


def _at_least(row: np.ndarray, cols, floor: float) -> None:
    """Raise ``row``'s scores at ``cols`` to ``floor`` (the clause documents those services)."""
    row[cols] = np.maximum(row[cols], floor)


def _below_evidence(s: Settings, row: np.ndarray, cols) -> None:
    """Keep ``row``'s scores at ``cols`` under the evidence threshold (the clause does not evidence them)."""
    row[cols] = np.minimum(row[cols], np.nextafter(s.t_ev, 0))


# a bare number (or range: "6-8") in a cell
_ROW_NUMBER = re.compile(r"(?:\||\s{2,}|\t|\.{3,})\s*\d{1,3}(?:\s*[-\u2013]\s*\d{1,3})?\s*(?:\||\s{2,}|\t|$)")


def _without(text: str, mentions) -> str:
    """``text`` without the spans of its time mentions."""
    out, pos = [], 0
    for m in mentions:
        out.append(text[pos:m.start])
        pos = m.end
    return "".join(out) + text[pos:]


def row_name(row: str) -> tuple[int, int] | None:
    """Span of a table row's name: its first cell holding a letter (a leading code or number cell is skipped)."""
    pos = 0
    for sep in list(_CELL_SEP.finditer(row)) + [None]:
        end = sep.start() if sep else len(row)
        if any(ch.isalpha() for ch in row[pos:end]):
            return pos, end
        if sep is None:
            return None
        pos = sep.end()
    return None


def unbilled_beside(s: Settings, text: str, m, modality: bool = False) -> bool:
    """A time named as rest, vitals or paperwork in the three words before it or right after it ("after 3 min rest"),
    or marked "(not included)". With ``modality`` (the clause names an unattended modality) resting is the patient's
    state under it, not a rest break."""
    # the words before it, up to a dash that sets the time apart ("1 standing rest -- 30 min" is not rest time)
    # (or after the sentence before it: "Seated rest between trials. (15 min)" is the line's time, set apart)
    # (or a column gap: "scooting to EOB x3, vitals monitored throughout      10 min" is the row's time)
    before = " ".join(re.split(r"\s(?:-{1,2}|\u2013|\u2014)\s|\.\s*$| {3,}|\t", text[max(0, m.start - 40):m.start])[-1].split()[-3:])
    cues = [c.group(0).lower() for c in s.unbilled_time.finditer(before)]
    if modality:
        cues = [c for c in cues if c not in s.modality_rest]
    return bool(cues) or _NOT_BILLED.match(text, m.end) is not None \
        or not modality and s.unbilled_after.match(text, m.end) is not None


_UNBILLED_END = re.compile(r"[(,;\-\u2013\u2014]\s*(?:not\s+(?:billed|billable|counted|included)|unbilled)\s*\)?[\s.;]*$",
                           re.IGNORECASE)


def _unbilled_line_end(full: str, end: int) -> bool:
    """The rest of the line after ``end`` holds no time and ends with a remark such as "(not billed)" or "- not
    billed"."""
    rest = full[end:line_bounds(full, end)[1]]
    return _UNBILLED_END.search(rest) is not None and not find_minutes(rest)


def measurement_row(s: Settings, clause_text: str) -> bool:
    """A table row (the caller has checked it is one) whose cells after its name all read as measurements
    ('Hip abd MMT | 4-/5 | 4/5'), with no minutes in it (engine.json ``measurement_row``)."""
    if s.measure_cell is None:
        return False
    name = row_name(clause_text)
    if name is None:
        return False
    cells = [c.strip() for c in _CELL_SEP.split(clause_text[name[1]:]) if c.strip()]
    return len(cells) >= s.measure_min_cells and not find_minutes(clause_text) \
        and all(s.measure_cell.match(c) for c in cells)


_TIME_WORDS = (r"(?:\d{1,3}\s*(?:-\s*\d{1,3}\s*)?|" + MINUTE_NUMBER_WORDS
               + r"\s+)(?:min(?:ute)?s?|mins)\b")   # digits or words: "25 min", "twenty-five minutes"
# "25 minutes of <name>", "Spent twenty-five minutes on <name>"
_TIME_BEFORE_NAME = re.compile(_TIME_WORDS + r"\s+(?:(?:of|on)\s+)?$", re.IGNORECASE)
_TIME_OF_NAME = re.compile(_TIME_WORDS + r"\s+(?:of|on)\s+$", re.IGNORECASE)   # the same, "of" or "on" written
_TIME_AFTER_NAME = re.compile(r"\s*(?:\(\s*[A-Z]?\d{4,5}\s*\))?\s*[:\-\u2013=(]?\s*(?:x\s*|for\s+)?(?:~|about|approx\.?)?\s*"
                              + _TIME_WORDS, re.IGNORECASE)   # "<name> (97110): 15 min"


def _explicit_with_time(rx: re.Pattern, ctext: str) -> bool:
    """``ctext`` names a service with its own time: "25 minutes of therapeutic activities", "NMR: 20 min",
    "Therapeutic exercise (97110) - 15 minutes"."""
    return any(_TIME_BEFORE_NAME.search(ctext[max(0, m.start() - 30):m.start()])
               or _TIME_AFTER_NAME.match(ctext[m.end():m.end() + 30]) for m in rx.finditer(ctext))


def _block_owner(s: Settings, full: str, line_start: int, clause_start: int, ctext: str, hits) -> tuple | None:
    """(label, end of its heading) when the line opens with one service's name and its own time before a colon or
    dash ("TE 12 min:", "Therapeutic exercise (16 min):"), a service of ``block_owners``; else None."""
    if not s.block_owners or not _LINE_LEAD.fullmatch(full, line_start, clause_start):
        return None
    named = sorted((a, b, labels) for a, b, _, labels in hits)
    lead = _NAME_LEAD.fullmatch(ctext, 0, named[0][0]) if named else None
    if lead is None or len(named[0][2]) != 1:
        return None
    lab = next(iter(named[0][2]))
    if lab not in s.block_owners:
        return None
    end = named[0][1]
    sfx = _NAME_SUFFIX.match(ctext, end)
    if sfx is not None and not any(end <= a < sfx.end() for a, _, _ in named):
        end = sfx.end()
    m = _BLOCK_TIME.match(ctext, end)
    if m is not None:
        return lab, clause_start + m.end()
    # "NMR: VOR x1 ..., head turns during tandem gait -- 25 min": a heading whose time ends its line after a dash
    head = _HEAD_COLON.match(ctext, named[0][1])
    line = full[line_start:line_bounds(full, clause_start)[1]]
    if head is None:
        return None
    if lead.group("clock"):   # "10:02-10:20  therapeutic exercise: goblet squat, ...": its clock time leads the heading
        return lab, clause_start + head.end()
    # "Ther ex: hip flex, knee ext 2#, mini squats, sit-stand x10; 15 min.": the time closes the list after a semicolon
    if _SEMI_TIME_END.search(line):
        return lab, clause_start + head.end()
    tail = _DASH_TIME_END.search(line)
    if tail is None or not last_on_line_after_dash(full, line_start + tail.start("t"), line_start + tail.end("t")):
        return None
    return lab, clause_start + head.end()


def bare_time(clause_text: str, mentions) -> bool:
    """A clause that is a time and at most one other word ("11 min.", "45 minutes total.", "~15'")."""
    return bool(mentions) and len(_WORD.findall(_without(clause_text, mentions))) <= 1


def _indent(full: str, line_start: int) -> int:
    """How far the line starting at ``line_start`` is indented (spaces and tabs)."""
    end = line_start
    while end < len(full) and full[end] in " \t":
        end += 1
    return end - line_start


def too_short(s: Settings, clause_text: str) -> bool:
    """Fewer words than a service statement needs (and no number): a heading or a label."""
    return not any(ch.isdigit() for ch in clause_text) and \
        len(_WORD.findall(clause_text)) < s.min_evidence_words


def time_only(s: Settings, clause_text: str, mentions=()) -> bool:
    """A short performed sentence that gives a time but names no service ("About 20 min were spent on these"); its
    words are counted up to the first comma after the time ("This took about 15 minutes, and she needed cues to
    keep ...": what follows describes how it went)."""
    head = clause_text
    if mentions:
        cut = clause_text.find(",", mentions[0].end)
        head = clause_text[:cut] if cut > 0 else clause_text
    words = head.split()
    if not 0 < len(words) <= s.orphan_max_words:
        return False
    cues = {c.group(0).lower() for c in s.non_service_time.finditer(clause_text)}
    # "Total for the above 18 min.": a total of what was just described, not a sentence about something else
    return not cues or cues <= total_words() and covers_block(clause_text)


_LIST_GLUE = re.compile(r"^(?:[\s,;/&+.]|\band\b)*$", re.IGNORECASE)


def service_list(text: str, hits) -> bool:
    """``text`` is nothing but the phrases of ``hits`` joined by commas, slashes, "&", "+" or "and"."""
    pos, spans = 0, sorted((a, b) for a, b, _, _ in hits)
    for a, b in spans:
        if a < pos:
            continue
        if not _LIST_GLUE.match(text[pos:a]):
            return False
        pos = b
    return bool(_LIST_GLUE.match(text[pos:]))


def _named_with_its_time(s: Settings, ctext: str, lab: str, spans: list, is_row: bool, status, mins, time_table: bool,
                         scores: np.ndarray, line_labels=frozenset(), owner=None, time_after=False) -> bool:
    """The clause documents ``lab``, the one code a phrase names in it, with its own time (it gets the timed floor):

    * a flowsheet row with its own time whose name (its first cell with words) is the service ("McKenzie ext   7
      10 reps x 2", "97110  41  LE strengthening circuit"; not "Climb Stairs | 3 min step test ... balance", where
      the phrase describes the test);
    * a line that is only the service's name and its time ("Balance 2:14-2:30", "Gait 14 min"), when the model
      reads the line as that service too;
    * a performed clause naming a modality or technique with its own time ("Fluidotherapy R hand 12 min", "Graston
      to R Achilles 6 min"; engine.json ``timed_modality_categories`` and ``timed_named_codes``), or naming an untimed
      procedure, with or without a time ("Tx today: Epley L with modification ..., x1"; ``named_procedure_codes``);
    * a performed clause naming exercises of its code (``min_names`` of them, the bare word "exercises" not counted),
      and no other service on its line, with its own time (or ``time_after``: a sentence of its own right after it that
      only gives a time, "Then chin tucks and scapular setting. That was another fourteen minutes."), no word of the
      home program and not under another service's timed heading ``owner`` ("pendulums, table slides, scap squeezes -
      ... about 10 min"; engine.json ``exercise_list``); for a taught service (``taught_codes``: self-care training)
      the line also says it was taught and reads as no other service ("Taught self-MLD sequence ... 12 min")."""
    if is_row:
        name = row_name(ctext)
        if name and all(name[0] <= a < name[1] for a, _, _ in spans) \
                and (mins or (time_table and _ROW_NUMBER.search(ctext))):
            return True
    elif status is None and s.timed_line_max_words and mins \
            and len(_WORD.findall(_without(ctext, mins))) <= s.timed_line_max_words \
            and s.classes[int(np.argmax(scores))] == lab:
        return True
    if status is None and s.exercise_list is not None and lab in s.exercise_list.codes \
            and ((mins or time_after) and line_labels == {lab}
                 or not mins and lab in s.exercise_list.dose_codes and DOSE.search(ctext) is not None) \
            and len({sp[2].lower() for sp in spans} - s.exercise_list.generic_names) >= s.exercise_list.min_names \
            and not s.exercise_list.home_words.search(ctext) and (owner is None or owner[0] == lab) \
            and (lab not in s.exercise_list.read_as or s.classes[int(np.argmax(scores))] == lab) \
            and (lab not in s.exercise_list.taught or s.exercise_list.teach_words.search(ctext) is not None
                 and (s.classes[int(np.argmax(scores))] == lab or scores.max() < s.t_ev)):
        return True
    return status is None and (bool(mins) and lab in s.timed_named or lab in s.named_procedures)


def _time_after(s: Settings, note: NoteRead, i: int) -> bool:
    """The clause after clause ``i`` is a performed sentence of its own that only gives a time ("That was another
    fourteen minutes.")."""
    if i + 1 >= len(note.clauses) or note.statuses[i + 1] is not None:
        return False
    nxt = note.ctexts[i + 1]
    mins = find_minutes(nxt)
    return bool(mins) and note.clauses[i + 1]._.pt_segment != note.clauses[i]._.pt_segment and time_only(s, nxt, mins)


_CLOCK_RANGE = r"\d{1,2}:?\d{2}[ \t]*(?:-|\u2013|\u2014|to)[ \t]*\d{1,2}:?\d{2}"   # "10:00-10:28", "1015-1045"
# a heading name's own time after it, then the colon or dash before the block's items: "Pool x 30:", "Pool - 20 min:",
# "Pool 10:00-10:28:" (not a closing line such as "Group 45'", which restates a time)
_HEADING_TIME = re.compile(r"[ \t]*(?:[:\-\u2013\u2014][ \t]*)?(?:x[ \t]*)?(?:\d{1,3}[ \t]*(?:min(?:ute)?s?|mins|'|m)?\.?"
                           r"|" + _CLOCK_RANGE + r")[ \t]*[:\-\u2013\u2014]", re.IGNORECASE)


# bullets and the block's clock time before a heading name ("- 1015-1045 pool: ..."), and the name: words up to its
# time, colon, dash or parenthesis
_HEADING_NAME_LEAD = re.compile(r"[ \t\-*\u2022]*(?P<clock>" + _CLOCK_RANGE + r"[ \t]+)?")
_HEADING_WORDS = re.compile(r"[A-Za-z][A-Za-z/&.' -]{0,30}?(?=[ \t]*(?:[:\-\u2013\u2014(]|x[ \t]*\d|\d|$))")


def _heading_names(s: Settings, note: NoteRead, hits_of: list) -> dict[int, str]:
    """A performed clause that opens its line with a name that heads a service's block and that block's own time
    ("Pool x 30: underwater bar walking ...", "Pool - 20 min: DWR 8', then ...", "1015-1045 pool: walking, step ups")
    names that service, though the name alone is no evidence phrase ('pool' is also a pool noodle, the pool deck,
    'after pool'; engine.json block_heading_names). Returns clause index -> the code its heading names."""
    named: dict[int, str] = {}
    if not s.heading_code:
        return named
    full = note.full
    for i, clause in enumerate(note.clauses):
        if note.statuses[i] is not None or full[line_bounds(full, clause.start_char)[0]:clause.start_char].strip():
            continue
        ctext = note.ctexts[i]
        lead = _HEADING_NAME_LEAD.match(ctext)
        a = lead.end()
        word = _HEADING_WORDS.match(ctext, a)
        if word is None:
            continue
        lab = s.heading_code.get(" ".join(word.group(0).lower().split()))
        b = word.end()
        if lab is None or any(x < b and a < y for x, y, _, _ in hits_of[i]):
            continue
        if _HEADING_TIME.match(ctext, b) or lead.group("clock") and _HEAD_COLON.match(ctext, b):
            hits_of[i] = hits_of[i] + [(a, b, ctext[a:b], {lab})]
            named[i] = lab
    return named


def gather(s: Settings, note: NoteRead, hits_of: list, proba: np.ndarray, cfg: dict) -> Gathered:
    """Stage gather: each clause's scores (phrases, stated codes, flowsheet row names, joined headings) become
    code candidates with evidence when performed, or not-counted mentions with their reason; the time
    mentions of performed clauses are kept per segment for the minutes stage."""
    full, segments, stated, time_table = note.full, note.segments, note.stated, note.time_table
    generic = note.generic
    headed = _heading_names(s, note, hits_of)   # clauses opened by a block's heading name and its own time
    _own_service_totals(s, note, hits_of, proba)
    tot_spans_abs = [(a, b) for _, a, b in note.totals.values()]
    titles = [a for name, a, _ in note.report.signals if name == "title"]   # where the note's title stands
    w = s.phrase_w
    got = Gathered()
    cands, not_counted, seg_mentions = got.cands, got.not_counted, got.seg_mentions
    line, owner = -1, None   # the current line and the service whose timed heading opens it
    owner_indent = 0         # how far that heading's line is indented
    listed = None            # the service whose timed heading ends its line with a colon, over its list's items
    line_named: dict[int, set] = {}   # line start -> the services named on the line
    for j, c in enumerate(note.clauses):
        labs = {lab for h in hits_of[j] for lab in h[3]}
        if len(labs) == 1 and note.statuses[j] is None and find_minutes(note.ctexts[j]):
            continue   # a service named alone with its own time is no line-mate: "Treadmill gait ... (14m). Calf
            #            stretch/heel walks/squats (9m)." are two timed items of one line
        line_named.setdefault(full.rfind("\n", 0, c.start_char) + 1, set()).update(labs)
    for i, clause in enumerate(note.clauses):
        status = note.statuses[i]
        ctext = note.ctexts[i]
        session_total = None   # a session total written inside this clause after its services' times
        line_start = full.rfind("\n", 0, clause.start_char) + 1
        heading = None
        if line_start != line:
            heading = _block_owner(s, full, line_start, clause.start_char, ctext, hits_of[i])
            indent = _indent(full, line_start)
            if heading is not None or owner is None or indent <= owner_indent or "\n" in full[line:line_start - 1].strip(" \t\r"):
                owner, owner_indent = heading, indent
            # "Neuromuscular re-education (20'):" over "- tandem stance 5'", "- step-ups 4'": the lines listed under a
            # heading that ends its line are its items, until a blank line or a line that is not a list item
            if heading is not None:
                listed = heading if not full[heading[1]:line_bounds(full, clause.start_char)[1]].strip(" \t\r:") else None
            elif listed is not None and (not _LIST_ITEM.match(full, line_start)
                                         or "\n" in full[line:line_start - 1].strip(" \t\r")):
                listed = None
            # else: a line indented under the heading, right after its block, holds more of its items
            line = line_start
        is_row = note.rows[i]
        clause_mins = find_minutes(ctext)
        if any(m.breakdown for m in clause_mins):
            if note.services_timed is None:
                totals = dict(note.totals, **({"generic": note.generic} if note.generic else {}))
                note.services_timed = services_timed(full, totals)
            if note.services_timed:   # a total's breakdown repeats times the note gives its services elsewhere
                clause_mins = [m for m in clause_mins if not m.breakdown]
        clause_mins = _clause_times(clause, ctext, status, hits_of[i], clause_mins,
                                    any(clause.start_char <= a < clause.end_char for a, _ in tot_spans_abs))
        # "...; 1 standing rest -- 30 min": a time set apart by a dash at the end of its line is its line's
        dash_end = [m for m in clause_mins
                    if last_on_line_after_dash(full, clause.start_char + m.start, clause.start_char + m.end)]
        if status is None and not time_table and is_row and measurement_row(s, ctext):
            status = "exam_finding"  # "Knee flexion AROM   128   96": a measurement, not a service
        seg_i = clause._.pt_segment
        seg_start = segments[seg_i].start_char if seg_i is not None and seg_i < len(segments) else clause.start_char
        offset = clause.start_char - seg_start
        phrase_hits = hits_of[i]
        by_label: dict[str, list] = {}
        for a, b, lit, labels in phrase_hits:
            if a and len(phrase_hits) > 1 and referenced(ctext, a) and not any(m.start >= b for m in clause_mins):
                # "MHP lumbar 10' prior to ex": 'ex' says when the hot pack was given, not a service here (but "Hot
                # pack 10 min prior to ther ex 15 min" gives the exercise its own time)
                continue
            for lab in labels:
                by_label.setdefault(lab, []).append((a, b, lit))
        row = proba[i].copy()
        for lab in set(by_label) | stated.get(i, set()):
            j = s.col[lab]
            row[j] = 1.0 - (1.0 - row[j]) * (1.0 - w)
        only = next(iter(by_label)) if len(by_label) == 1 else None
        named_cols = [s.col[lab] for lab in by_label]
        # (the sentence after is read only for an exercise named without a time of its own)
        time_after = not clause_mins and s.exercise_list is not None and only in s.exercise_list.codes \
            and _time_after(s, note, i)
        on_line = line_named.get(line_start, set())
        if clause_mins and only is not None and not on_line:
            on_line = {only}   # every service of the line is named alone with its own time, this one too
        if only is not None and _named_with_its_time(s, ctext, only, by_label[only], is_row, status, clause_mins,
                                                     time_table, proba[i], on_line, owner or listed, time_after):
            _at_least(row, named_cols, s.timed_row_floor)
        if only is not None and status is None and clause_mins and any(
                _TIME_OF_NAME.search(ctext[max(0, a - 40):a]) for a, _, _ in by_label[only]):
            # "We spent a good twenty minutes on balance today", "15 minutes on ladder climbing practice": the time
            # said to have gone to the one service the clause names documents it
            _at_least(row, named_cols, s.timed_row_floor)
        for lab, cue, words in s.cue_rules if status is None and not is_row else ():
            # "Walked the hallway 6 times, cued heel strike and longer steps": the clinician training an element of the
            # service (a cue, then what it corrects) documents it where the clause says the activity or reads as it,
            # and names no other service
            if set(by_label) <= {lab} and cue.search(ctext) \
                    and (words.search(ctext) or s.classes[int(np.argmax(proba[i]))] == lab):
                _at_least(row, [s.col[lab]], s.timed_row_floor)
        if i in headed and status is None:   # the block's heading: its service is documented with its own time
            _at_least(row, [s.col[headed[i]]], s.timed_row_floor)
        if status is None and is_row and stated.get(i):
            # "97535  Caregiver/home mgmt training  10  carrying, car seat/crib positioning ...": a flowsheet row that
            # states its code and names that service by a catalogue phrase documents it
            _at_least(row, [s.col[lab] for lab in stated[i] if lab in by_label], s.timed_row_floor)
        if status is None and s.explicit and clause_mins:
            named_timed = [s.col[lab] for lab, rx in s.explicit.items() if _explicit_with_time(rx, ctext)]
            if named_timed:   # "25 minutes of therapeutic activities", "Neuromuscular re-education: 20 min"
                _at_least(row, named_timed, s.timed_row_floor)
                # the services the clause names this way are the ones it documents
                _below_evidence(s, row, [s.col[lab] for lab in s.explicit if lab not in by_label])
        if status is None and len(by_label) >= 2 and clause_mins and set(by_label) <= s.supervised:
            # "IFC to lumbar paraspinals w/ MHP x15'", "e-stim + ice 15 min": supervised modalities given together
            # share their time, and each is documented by its name (none is timed)
            _at_least(row, named_cols, s.timed_row_floor)
        if status is None and s.service_list_floor and len(by_label) >= 2 and clause._.pt_section not in (None, "none") \
                and service_list(ctext, phrase_hits):
            # "O: Hot packs, TENS, US, Massage, Stretching", "Tx: ther ex, gait training, HP": a treatment section's
            # line that only lists services names each as given
            _at_least(row, named_cols, s.service_list_floor)
        pair = joined_pair(ctext, phrase_hits, clause_mins) if status is None else []
        if pair:
            cols = [s.col[lab] for lab in pair]
            row[cols] = row[cols].max()
        head = joined_head(ctext, phrase_hits)
        if head:  # "TE/NMR 30'", "Ther ex/balance 20 min": a heading naming services done together
            cols = [s.col[lab] for lab in head]
            row[cols] = row[cols].max()
        if heading is not None and status is None:
            # "TE 12 min: ...", "Strength/conditioning (97110): treadmill 10 min, cable rows, ... -- 25 min": a
            # service's name heading its line with the line's own time documents that service, as a row's name does
            _at_least(row, [s.col[heading[0]]], s.timed_row_floor)
        if owner is not None:
            # "TE 12 min: quad sets, SAQ, sit<>stand x5": the items on the heading's line are done as its service
            # (a time ending the line after a dash is the heading's own: "NMR: ..., tandem gait -- 25 min")
            if not any(m.minutes for m in clause_mins if clause.start_char + m.start >= owner[1] and m not in dash_end):
                _below_evidence(s, row, [s.col[lab] for lab in s.block_owners if lab != owner[0]])
        if not by_label and not is_row and i not in stated and bare_time(ctext, clause_mins) \
                and not (s.item_words & {w.lower() for w in _WORD.findall(_without(ctext, clause_mins))}):
            # "11 min.", "45 minutes total.": a time alone names no service, whatever the model reads into it
            row[:] = np.minimum(row, np.nextafter(s.t_cand, 0))
        hits = np.nonzero(row >= s.t_cand)[0]
        if len(hits) and (not by_label and too_short(s, ctext) or by_label and _BARE_ITEM.match(full, line_start, clause.end_char)
                          or _blank_field(full, clause.start_char)
                          or not by_label and any(clause.start_char <= a < clause.end_char for a in titles)):
            # "III", "Range of Motion (ROM)", "● Therex", "Ultrasound (97035): ___ min": a heading or a template item
            # left blank, not a service; nor is the note's title read by the model alone ("Ortho PT - Follow-up Visit")
            hits = hits[:0]
        if status is not None:
            keep = [j for j in hits if status in s.counted_status[s.classes[j]]]
            if keep:
                hits, status = np.asarray(keep), None
        if status is None:
            alone = time_only(s, ctext, clause_mins)
            if not len(hits) and s.unbilled_time.search(ctext):
                # "6-min seated rest break with vitals (not billed)": left out of a session total; of several times,
                # only those named as rest ("Total time in the gym was 55 minutes, which includes a 7-minute break"),
                # never a total's own
                timed = [m for m in clause_mins if m not in dash_end and not any(
                    a <= clause.start_char + m.start < b for a, b in tot_spans_abs)]
                if len(timed) > 1:
                    timed = [m for m in timed if unbilled_beside(s, ctext, m)]
                got.unbilled += sum(m.minutes or 0 for m in timed)
            if generic and clause.start_char <= generic[1] < clause.end_char:
                # "Gait training ..., 20 minutes total": that service's time; "...; total 16'." or "20 min
                # total." alone: the time of the service just before it, else (the units stage) a session total.
                # A clause names a service only by a phrase or an evidence-level reading: a weak reading of
                # "45 minutes total." is no service of its own
                names = bool(by_label) or bool(len(hits)) and row[hits].max() >= s.t_ev
                alone = not names
                if names and len(by_label) >= 2 and (sum(
                        1 for m in clause_mins if clause.start_char + m.end <= generic[1]) >= 2
                        and not any(clause.start_char + m.start >= generic[2] for m in clause_mins)
                        or sum(1 for m in clause_mins if m.breakdown and clause.start_char + m.start >= generic[2]) >= 2):
                    # "TA 12 min | TE 18 min | total 30 min": last, after two services' own times, the session's total;
                    # "Total 45 min - TherEx 20, Gait 15, balance 10": first, before its breakdown, the same
                    session_total = (generic[1], generic[2])
                else:
                    generic = None if names else generic
            if len(hits) or alone or dash_end:
                tot_spans = [(a - clause.start_char, b - clause.start_char) for a, b in tot_spans_abs + (
                    [session_total] if session_total else [])]
                mentions = [m for m in clause_mins if not any(a0 <= m.start < b0 for a0, b0 in tot_spans)]
                if not len(hits) and not alone:
                    mentions = [m for m in mentions if m in dash_end]
                if len(hits):  # "with rest breaks totaling 8 minutes (not included)": not the service's time
                    modality = any(s.classes[j] in s.supervised for j in hits)
                    kept = [m for m in mentions if not unbilled_beside(s, ctext, m, modality)]
                    if kept and _unbilled_line_end(full, clause.start_char + kept[-1].end):
                        # "Recumbent bike 6 min on arrival, same as last visit (not billed)", "Warm-up: 5 min upright
                        # bike independently while therapist finished with prior pt (not billed)": the line's closing
                        # remark leaves out the last time before it, in its clause or one before it
                        kept = kept[:-1]
                    got.unbilled += sum(m.minutes or 0 for m in mentions if m not in kept)
                    mentions = _less_included_rest(s, ctext, kept, [m for m in mentions if m not in kept])
                seg_mentions.setdefault(seg_i, []).extend(
                    replace(m, start=m.start + offset, end=m.end + offset) for m in mentions)
                if alone and mentions:
                    got.time_only_segs.add(seg_i)
            if is_row and not by_label and not s.unbilled_time.search(ctext) \
                    and not any(clause.start_char <= a < clause.end_char for a, _ in tot_spans_abs) \
                    and not (generic and clause.start_char <= generic[1] < clause.end_char) \
                    and not (len(hits) and row[hits].max() >= s.t_ev) and not indented_row(full, clause.start_char):
                # a flowsheet row naming no service: its time belongs to the recommended code it reads most
                # like ("Stationary bike | - | 7" in an exercise table) when that code is a candidate for the
                # row or its best code; a row indented under another is that row's breakdown
                got.unnamed_rows.append((seg_i, offset, row))
            for j in hits:
                lab = s.classes[j]
                score = float(row[j])
                cand = cands.setdefault(lab, Candidate(lab))
                cand.score = max(cand.score, score)
                phr = by_label.get(lab, [])
                if score >= s.t_ev:
                    names = tuple(dict.fromkeys(p[2] for p in phr)) or (
                        ("stated code",) if lab in stated.get(i, ()) else ())
                    cand.evidence.append(Evidence(clause.start_char, clause.end_char, ctext, clause._.pt_section or "none",
                                                  score, names))
                if score >= s.t_ev or phr:
                    # a catalogue phrase names the code here ("Manual 15 min"), so its time can belong to it
                    spans = [(p[0] + offset, p[1] + offset) for p in phr] or [(offset, offset)]
                    cand.segments.setdefault(seg_i, []).extend(spans)
                    if score < s.t_ev:
                        cand.named_only.add(seg_i)
        else:
            # A mention that is not counted: the model recognises it, or a catalogue phrase names it.
            named = {s.col[lab] for lab in by_label}
            for j in sorted(set(int(k) for k in hits) | named):
                if row[j] >= s.t_nc or j in named:
                    not_counted.append(NotCounted(s.code_for(s.classes[j], cfg), status, clause.start_char,
                                                  clause.end_char, ctext, clause._.pt_section or "none", float(row[j])))
    got.generic = generic
    return got


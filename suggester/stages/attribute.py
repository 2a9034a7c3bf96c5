"""Stage minutes: which documented time belongs to which recommended code (the rules are in
:mod:`suggester.minutes_attribution`), then the non-visit check that needs those minutes."""

from __future__ import annotations

import bisect
import re
from functools import lru_cache

import numpy as np

from ..minutes_attribution import (Attribution, TimeLink, attribute_minutes, has_time_column, is_service_total,
                                   table_minutes)
from ..nlp.minutes import MinuteMention, find_minutes
from ..nlp.rules import line_bounds
from .._resources import packaged_json
from ..results import NotCounted
from .settings import Settings
from .values import Gathered, NoteRead

__all__ = ["attribute", "non_visit_check"]

_TOTAL_ROW = re.compile(r"\s*(?:grand\s+|sub)?totals?\b", re.IGNORECASE)   # "Total  | 36": not a service row


def attribute(s: Settings, note: NoteRead, got: Gathered, recommended: set, labels_in=None) -> Attribution:
    """Stage minutes: flowsheet rows naming no service go to the recommended code they read most like (or, in a
    table whose header names one recommended service - "Exercise | Sets/Reps | Load | Min" - to that service),
    table columns give their cells, then every time is linked to its code (:func:`attribute_minutes`).
    ``labels_in(text)``: the labels a catalogue phrase names in ``text``."""
    full, segments = note.full, note.segments
    services = {lab: dict(c.segments) for lab, c in got.cands.items()}
    named_only = {lab: set(c.named_only) for lab, c in got.cands.items()}
    _one_device_code(s, recommended, services, named_only)
    if recommended:
        rec = sorted(recommended)
        for seg_i, offset, row in got.unnamed_rows:
            if _TOTAL_ROW.match(full, segments[seg_i].start_char):
                continue
            best = max(rec, key=lambda lab: row[s.col[lab]])
            top = s.classes[int(np.argmax(row))]
            if row[s.col[best]] < s.t_cand and top != best:
                named = _table_header_labels(full, segments[seg_i].start_char, labels_in) & recommended
                if len(named) != 1:
                    continue
                best = next(iter(named))
            services[best].setdefault(seg_i, [(offset, offset)])
    _rows_with_their_code(s, note, recommended, services)
    # Flowsheet tables: a "Minutes"/"Time" column gives bare numbers in the rows below it.
    table_cells = table_minutes(segments, got.seg_mentions, services, full)
    att = attribute_minutes(recommended, services, got.seg_mentions, got.time_only_segs, segments, table_cells, full,
                            {lab: c.score for lab, c in got.cands.items()},
                            named_only,
                            time_log={i for i, seg in enumerate(segments) if seg._.pt_section == "time_log"},
                            modalities=s.modalities, headings=s.headings)
    _stated_code_times(s, note, got, recommended, att)
    _even_split(note, recommended, att, labels_in)
    _remainder(note, recommended, att, labels_in)
    return att



def _sentence_bounds(full: str, pos: int) -> tuple[int, int]:
    """The sentence holding ``pos``: from after the last line break, '. ' or '; ' before it to the next one after it."""
    start = max([full.rfind("\n", 0, pos) + 1, *(i + 2 for i in (full.rfind(". ", 0, pos), full.rfind("; ", 0, pos)) if i >= 0)])
    end = min([len(full), *(i for i in (full.find(". ", pos), full.find(";", pos), full.find("\n", pos)) if i >= 0)])
    return start, end


def _performed_at(note: NoteRead, pos: int) -> bool:
    """Whether the clause holding ``pos`` is performed (a planned or declined split or share is no time spent)."""
    return any(c.start_char <= pos < c.end_char and st is None for c, st in zip(note.clauses, note.statuses))


def _set_time(att: Attribution, lab: str, minutes: int, start: int, end: int, rule: str) -> None:
    """``lab``'s time is ``minutes``, read at ``full[start:end]`` by ``rule`` (it replaces what was read before)."""
    att.minutes[lab] = minutes
    att.ranges.pop(lab, None)
    att.links[lab] = [TimeLink(start, end, minutes, rule, 0.8)]


def _own_time_elsewhere(att: Attribution, labs, start: int, end: int) -> bool:
    """Whether one of ``labs`` has a time of its own outside ``start:end`` (it keeps it)."""
    return any(link.start < start or link.start >= end for lab in labs for link in att.links.get(lab, ()))


@lru_cache(maxsize=1)
def _split_patterns() -> tuple:
    data = packaged_json("minutes.json")   # the split patterns, then the session's length, then the split's cue
    return tuple(re.compile(p, re.IGNORECASE) for p in [*data.get("even_split_patterns", ()), data["even_split_session_pattern"],
                                                        data["even_split_cue"]])


def _even_split(note: NoteRead, recommended: set, att: Attribution, labels_in) -> None:
    """'Forty minutes total split evenly between the gait and the ther ex', 'Half the session on gait ..., the other
    half on transfers': each of the two services gets half of the time (minutes.json ``even_split_patterns``, read in
    the sentences that hold ``even_split_cue``)."""
    full = note.full
    low = full.lower()
    if labels_in is None or "half" not in low and "split" not in low and "divided" not in low:
        return
    *patterns, session_rx, cue_rx = _split_patterns()
    sentences = sorted({_sentence_bounds(full, c.start()) for c in cue_rx.finditer(full)})
    for rx, (lo, hi) in ((rx, span) for rx in patterns for span in sentences):
        for m in rx.finditer(full, lo, hi + 1):
            if not _performed_at(note, m.start() + len(m.group(0)) - len(m.group(0).lstrip())):
                continue
            # the service each half names (where its words name more than one, the one its first words name:
            # "gait training in hallway w/ RW (..., hip precautions maintained on turns)" is the gait)
            a, b = ({*labels_in(m.group(g))} & recommended or set() for g in "ab")
            a, b = (x if len(x) < 2 else {*labels_in(m.group(g)[:40])} & recommended for x, g in ((a, "a"), (b, "b")))
            if len(a) != 1 or len(b) != 1 or a == b:
                continue
            start, end = _sentence_bounds(full, m.start())[0], m.end()
            labs = (a.pop(), b.pop())
            if _own_time_elsewhere(att, labs, start, end):
                continue
            own = [mm for mm in find_minutes(full[start:end]) if mm.minutes and mm.range_upper is None]
            session = session_rx.search(full)   # "Session 40 min."
            total = (own[0].minutes, start + own[0].start, start + own[0].end) if own else next(
                (note.totals[k] for k in ("timed", "treatment") if k in note.totals), note.generic) or (
                (int(session.group("n")), session.start("n"), session.end()) if session else None)
            if not total or total[0] < 2:
                continue
            for lab, share in zip(labs, (total[0] - total[0] // 2, total[0] // 2)):
                _set_time(att, lab, share, total[1], total[2], "even_split")


@lru_cache(maxsize=1)
def _remainder_patterns() -> tuple:
    spec = packaged_json("minutes.json").get("remainder_breakdown")
    # (the sentence and item patterns with each name before its number, then with each number before its name)
    return tuple((re.compile(spec[a], re.IGNORECASE), re.compile(spec[b], re.IGNORECASE))
                 for a, b in (("sentence", "item"), ("sentence_number_first", "item_number_first")) if a in spec) if spec else ()


def _remainder(note: NoteRead, recommended: set, att: Attribution, labels_in) -> None:
    """'Tot timed 30 min, gait 18, remainder NMR.': each named service its number, the last one the rest of the total
    (minutes.json ``remainder_breakdown``); an item that names no recommended service ('traction 15', 'warm-up 5')
    still takes its share of the total."""
    full = note.full
    low = full.lower()
    if labels_in is None or "rest" not in low and "remain" not in low:
        return
    for sentence, item in _remainder_patterns():
        for m in sentence.finditer(full):
            if not _performed_at(note, m.start()):
                continue
            base = m.start("items")
            shares = [({*labels_in(it.group("name"))} & recommended, int(it.group("n")), base + it.start("n"), base + it.end("n"))
                      for it in item.finditer(m.group("items"))]
            rest = {*labels_in(m.group("rest"))} & recommended
            left = int(m.group("total")) - sum(n for _, n, _, _ in shares)
            if any(len(labs) > 1 for labs, *_ in shares) or len(rest) != 1 or left <= 0:
                continue
            shares = [(labs.pop(), n, a, b) for labs, n, a, b in shares if labs]
            labs = [lab for lab, *_ in shares] + list(rest)
            if not shares or len(set(labs)) != len(labs) or _own_time_elsewhere(att, labs, _sentence_bounds(full, m.start())[0], m.end()):
                continue
            for lab, n, a, b in shares + [(rest.pop(), left, m.start("total"), m.end("total"))]:
                _set_time(att, lab, n, a, b, "remainder")


def _one_device_code(s: Settings, recommended: set, services: dict, named_only: dict) -> None:
    """The orthotic and prosthetic codes name one service at different encounters (engine.json
    ``orthotic_encounter``): where the note names another of them ("Reviewed sock-ply adjustment rules" reads as
    first prosthetic training in a subsequent-encounter note), that is where the recommended one is documented, so its
    time can belong to it."""
    if s.encounter is None:
        return
    later, first = s.encounter[0], s.encounter[1]
    family = {later, *first.values()}
    present = family & recommended
    if len(present) != 1:
        return
    lab = next(iter(present))
    for other in sorted(family - present):
        for seg_i, spans in services.get(other, {}).items():
            if seg_i not in services.setdefault(lab, {}):
                services[lab][seg_i] = list(spans)
                if seg_i in named_only.get(other, ()):
                    named_only.setdefault(lab, set()).add(seg_i)


def _supported_claims(s: Settings, note: NoteRead, recommended: set):
    """Each code written in the note whose code the documentation supports, with its label and the segment
    holding it: ``(claim, label, segment index)``."""
    starts = [g.start_char for g in note.segments]
    for claim in note.claims:
        lab = s.label_of.get(claim.code, claim.code)
        k = bisect.bisect_right(starts, claim.start) - 1
        if lab in recommended and k >= 0 and claim.start < note.segments[k].end_char:
            yield claim, lab, k


def _rows_with_their_code(s: Settings, note: NoteRead, recommended: set, services: dict) -> None:
    """A flowsheet row that states its code in a cell ("Neuromuscular: SLS, step-ups ... | 97112 | 10 min") is that
    code's row, whatever the names of its items read as: its time goes to that code, when the documentation
    supports it."""
    segments, full = note.segments, note.full
    for claim, lab, seg_i in _supported_claims(s, note, recommended):
        if "|" not in full[segments[seg_i].start_char:segments[seg_i].end_char]:
            continue
        base = segments[seg_i].start_char
        for other, segs in services.items():
            if other != lab:
                segs.pop(seg_i, None)
        services.setdefault(lab, {})[seg_i] = [(claim.start - base, claim.end - base)]


_TOTALS_LINE = re.compile(r"[ \t]*(?:(?:time|minute|service|code)s?\s+)?totals?\b", re.IGNORECASE)   # "Totals: 97110 - 25 min; ..."
# a time written right after a code: "97530 - 13 min", "97110: 25'", "97112 (10 min)"
_CODE_TIME = re.compile(r"\s*(?:[:\-\u2013=(]\s*)?$")
# in a charge row, the code's description may stand between it and its minutes: "97110  Ther ex   21 min   1"
_BILLED_MINUTES = re.compile(r"(\d{1,3})[ \t]*(?:min(?:ute)?s?|mins|')(?=[ \t|]|$)", re.IGNORECASE)   # a charge row's minutes
_CODE_DESC = re.compile(r"[ \t|]+[A-Za-z][A-Za-z /&.\-]{0,40}?[ \t|]+")


_ITEM_RULES = frozenset({"after_service", "before_service", "of_service", "following_sentence"})   # an item's own time


def _stated_code_times(s: Settings, note: NoteRead, got: Gathered, recommended: set, att: Attribution) -> None:
    """A time written right after a code in a performed line ("Totals: 97110 - 25 min; 97530 - 13 min") is that
    code's time when the documentation supports the code: it fills a code with no time of its own, and replaces
    the code's times when the line calls it a total or stands in a time log. A billing line's or charge table's time
    ("Billing: 97530 - 32 min", "97140   Manual therapy   1   12" under "... Units   Min") fills a code the body
    gives no time or replaces the body's item times. A code written alone still proves nothing (the code must be
    recommended from what the note documents)."""
    full, segments = note.full, note.segments
    for claim, lab, seg_i in _supported_claims(s, note, recommended):
        billing = segments[seg_i]._.pt_assertion == "billing_summary"
        if claim.units is not None and not billing:
            continue   # (a charge row gives its minutes beside its units: "97110  Ther ex   21 min   1")
        base = segments[seg_i].start_char
        # a billing line's times are not read as services' times elsewhere: read them here, beside their codes
        mentions = find_minutes(full[base:segments[seg_i].end_char]) if billing else got.seg_mentions.get(seg_i, ())
        m = next((mm for mm in mentions if mm.minutes and base + mm.start >= claim.end
                  and (_CODE_TIME.match(full[claim.end:base + mm.start])
                       or billing and _CODE_DESC.fullmatch(full[claim.end:base + mm.start]))), None)
        if m is None and billing:   # a charge table's row: its minutes cell ("97110  Ther ex   21 min   1", "... 1  12")
            row = full[base:line_bounds(full, base)[1]]
            cell = _BILLED_MINUTES.search(row, claim.end - base)
            m = MinuteMention(cell.start(1), cell.end(1), int(cell.group(1))) if cell is not None \
                and _CODE_DESC.fullmatch(row[claim.end - base:cell.start()]) else _billing_row_minutes(full, base)
        if m is None:
            continue
        line_start = full.rfind("\n", 0, claim.start) + 1
        # a totals line, or a time log ("Timed Code Treatment Minutes: 97110 22 min | 97140 12 min") gives the whole time
        total = is_service_total(full, base + m.start, base + m.end) or _TOTALS_LINE.match(full, line_start) is not None \
            or segments[seg_i]._.pt_section == "time_log"
        if billing:
            # "Billing: 97530 - 32 min; 97110 - 20 min" under a body that documents both: the billed time of each
            # code fills a code the body gives no time, or replaces item times the body gives ("UBE 6 min")
            own = att.links.get(lab, ())
            total = not own or all(link.rule in _ITEM_RULES for link in own) and m.minutes > att.minutes.get(lab, 0)
        if lab in att.minutes and not total:
            continue
        att.minutes[lab] = m.minutes
        att.ranges.pop(lab, None)
        att.links[lab] = [TimeLink(base + m.start, base + m.end, m.minutes, "stated_code", 0.9)]


_LAST_CELL = re.compile(r"(?:\s{2,}|\t|\s*\|\s*)(\d{1,3})\s*\|?\s*$")


def _billing_row_minutes(full: str, start: int) -> MinuteMention | None:
    """A charge table's row starting at ``start`` ("97140   Manual therapy    1    12") under a header whose last column
    is its minutes ("CPT   Description   Units   Min"): the row's last number, in the row's coordinates."""
    last = _LAST_CELL.search(full[start:line_bounds(full, start)[1]])
    if last is None:
        return None
    for line in _lines_above(full, start):
        head = line.strip("|").strip()
        if not head:
            return None
        if has_time_column(head):
            cells = [c for c in re.split(r"\s*\|\s*|\s{2,}|\t", head) if c]
            if cells and re.search(r"\b(?:min(?:ute)?s?|time)\b", cells[-1], re.IGNORECASE):
                return MinuteMention(last.start(1), last.end(1), int(last.group(1)))
            # "CPT  Desc  Min  Units": the minutes column is not the last; read the row's cell in that column
            col = next((k for k, c in enumerate(cells) if re.fullmatch(r"(?:min(?:ute)?s?|time)\.?", c, re.IGNORECASE)), None)
            row = full[start:line_bounds(full, start)[1]]
            found = [m for m in _ROW_CELL.finditer(row)]
            if col is not None and len(found) == len(cells) and re.fullmatch(r"\d{1,3}", found[col].group(0)):
                return MinuteMention(found[col].start(), found[col].end(), int(found[col].group(0)))
            return None
    return None


_ROW_CELL = re.compile(r"[^|\t ](?:[^|\t]*?[^|\t ])??(?=\s*\||\t|\s{2,}|\s*$)")   # one cell of an aligned row


def _lines_above(full: str, pos: int):
    """The lines above the one holding ``pos``, nearest first, stripped (a table's rows up to its header)."""
    end = full.rfind("\n", 0, pos)
    while end > 0:
        start = full.rfind("\n", 0, end) + 1
        yield full[start:end].strip()
        end = start - 1


def _table_header_labels(full: str, pos: int, labels_in) -> set:
    """The labels named by the header row of the table holding ``pos``: the nearest line above it, in the same
    block (no blank line between), that heads a Minutes/Time column."""
    if labels_in is None:
        return set()
    for line in _lines_above(full, pos):
        if not line:
            return set()
        if has_time_column(line):
            return set(labels_in(line))
    return set()


def non_visit_check(s: Settings, non_visit, recommended: set, minutes: dict, got: Gathered, cfg: dict) -> tuple[set, bool]:
    """Stage non-visit: a cancelled, no-show or phone note bills nothing unless documented treatment time of a timed
    service shows the patient was seen (minutes beside an untimed code, "ice 15-20 min after exercises" in a phone
    call's advice, do not); a voided note bills nothing whatever it lists (``final_statuses`` of nonvisit_rules.json),
    and "no treatment today" does not cancel an evaluation documented in the note (``spared_categories``).
    Returns the recommended set and whether the non-visit cue was overridden."""
    if not non_visit:
        return recommended, False
    if non_visit not in s.final_non_visits and any(minutes.get(lab) and s.catalogue[lab].timed for lab in recommended):
        return recommended, True
    spared = s.non_visit_spares.get(non_visit, frozenset())
    if any(s.catalogue[lab].category in spared for lab in recommended):
        return recommended, True   # "No treatment performed today." under an evaluation: the evaluation was the visit
    for lab in sorted(recommended):
        ev = got.cands[lab].evidence[0]
        got.not_counted.append(NotCounted(s.code_for(lab, cfg), "non_visit", ev.start, ev.end, ev.text,
                                          ev.section, s.calibrated(got.cands[lab].score)))
    return set(), False

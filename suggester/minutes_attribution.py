"""Minute attribution: which documented time belongs to which service.

Data model
----------
* a **time mention** (:class:`~suggester.nlp.minutes.MinuteMention`): a value at a span of the note
  (minutes, or units when only units were written, or a range);
* a **service span**: where a recommended code is documented, per segment, with the catalogue phrase
  that names it when there is one (``services[label][segment] = [(start, end), ...]``, segment coords);
* a **link** (:class:`TimeLink`): a mention attributed to a code, with the rule that linked it and a
  confidence.

Algorithm (each step names the rule it records)
-----------------------------------------------
0. Reading a clause's times (the gather stage): besides minute words, clock ranges and worded durations, a
   service's own start and end clock times are its time ("... cues for heel-off: In 0935 / Out 0947", "Started
   10:05, done ~10:20."; two lines each with their own pair are not the session's Time in/Time out); in a time log the
   bare number right after a service's name is its minutes ("Timed minutes: TE 13, GT 10 = 23") and a time after "="
   that follows two others is their sum; rest said to be included ("... -- incl ~6 min seated rest") comes off the
   service's time; a timed total that says only "all told" / "in all" inside a clause that reads as one service is
   that service's whole time, not the note's total.
1. ``table_column`` - a flowsheet row's number in a column headed Minutes/Time (a row that states its code,
   "| 97110 | Therapeutic exercise | 09:02 | 09:20 | 18 |", gives the code's whole time over an exercise log).
2. Inside a segment, each mention goes to the service it belongs to:
   ``of_service`` ("15 minutes of gait training": the service named right after it),
   ``block_header`` (time right after a code's phrase: "TherEx 23 min:", "Manual (10 min)"; later times
   of the same code before another code's header are its breakdown and are dropped when they fit inside it; an
   item's name with its time alone on its line, "UBE 10'", "NuStep 8 min", is an item that adds to the others,
   unless the name is one that heads a block, engine.json ``block_heading_names``),
   ``extra_episode`` ("another 8 min", "5 min later": added to the block),
   ``after_service`` (nearest service phrase before the time), ``before_service`` (nearest after it),
   ``service_total`` (a time with "total", "whole", "in all" in its sentence, or a total label after the
   service's name, "TE subtotal: 19 min": replaces its sub-item times; so does a labelled field, "Minutes: 23"
   under a block, "Gait min: 10", a line of only the service's heading name, a colon and a time that closes the run
   of lines above it holding that service's item times (no more than it: "Bike warm-up 8 min / Leg press 3x10 /
   TherEx: 20 min"), and a time written last on its line after a dash or in parentheses after the
   line's last sentence, for the service whose name heads the line (its own line's and earlier times; a later
   line timing the same service again adds to it): "TE: bike 6 min, heel slides, ... -- 26 min",
   "Gait trng: FWW 2 x 75 ft, cues ... Seated rest between trials. (15 min)"; a name and its time with nothing
   listed between them, "Thoracic mobs - 5'", is an item's own time, not a whole time; a time in parentheses after
   the last sentence of a line that documents one service is that service's whole time on the line, headed or not:
   "Walked 50 ft x2 with RW ... Seated rest between bouts. (12 min)"),
   ``total_breakdown`` (an item of a total's breakdown, "Total timed 38 (TherEx 23, NMR 15)": read only when
   no service has its own time elsewhere in the note, which the breakdown would repeat),
   ``time_log`` (a time in a time log, "Time: TherEx 25 min, Manual 10 min" after the plan: the whole time of
   its service, replacing its sub-item times like a service total).
   Two services joined by "and"/"&"/"," before one time ("ther ex and manual 20 min", "transfers and gait
   practice for 28 minutes"), named since the previous time with the time attached to neither, or sharing a
   time said to be shared ("24 minutes combined", minutes.json ``shared_time_after_pattern``), are
   **ambiguous**: no guess, a finding instead - unless the one time's sentence reads as only one of them (the other
   named in passing: "Car transfer practice (sedan simulator), hip precautions, 10 min"). A service
   named but not recommended still counts here, and a time written "N minutes of" it is its own, not another's.
   A service named right after "before", "prior to", "in prep for" is a point in time, not the time's service
   ("massage ... before ex, 10 minutes"); an item's time in a list ("Activities: weight shifting (3 min), ...") is
   not its block's header; in a sentence that reads as a modality, exercises named only as what was done under it
   do not compete for its one time; one bout's length ("3 x 1 min each", "1 min bouts") is never a service's time:
   the time given elsewhere (a larger later time, a bare time in the next sentence: "... 2 x 1 min each, with symptom
   monitoring. 10'") is, or none.
3. ``following_sentence`` - a sentence or ";"-item holding only a time ("About 20 minutes were spent on
   these tasks.", "...; 15'.") belongs to the service(s) documented just before it in the same block
   (back to the previous time, section change or blank line); with one such service without minutes it
   is linked, with several it is ambiguous (services whose time is shared or unclear already have one; a service only
   named in passing in the block, by a phrase in a sentence that does not read as it, does not compete with one the
   block's sentences read as; a time that ends a line after its services, "Manual: STM, first rib mobs; 10'.", is
   the services of that line's, not of the lines above it). A time sentence that says it covers what was just described ("All of that ran
   close to 16 minutes.", "Total for the above 18 min."; minutes.json ``block_cover_cues``) is the whole time of
   the one service before it even when other services already have times. A time-log line that names no service
   ("Time: x20 minutes for all of the above.") looks back into the block above it as such a sentence does. A time in
   its own sentence ending a line headed by a service's name is that heading's (``service_total``); a line that
   gives a time, names no service and ends in a colon ("In-pool session, 9:02-9:32:") is the ``block_header`` of
   the one service documented in the lines below it; a bare total after two or more timed services is the
   session's, not the last service's.
4. Totals (in the engine's unit step): ``single_timed_total`` - a documented timed total belongs to the
   only timed service when its own minutes are missing, or fewer and not from its own block header;
   ``session_total`` - a session total (or Time in/Time out), less the other services' minutes and
   documented rest/vitals/paperwork time, fills the only timed service when it has no time of its own, and
   replaces the item times of the session's only service ("Time in 2:10 Time out 2:48 / TherEx: bike 7 min, ...")
   but not a time that is its whole time (a service total, a time log's, a bare "18 minutes." after it, or its
   one time closing the sentence that documents it: "Bed-level ther ex: ankle pumps, ... bridges x10 - approx twelve
   minutes.");
   ``session_remainder`` - with several services, the one service left without a time gets the session less
   every other service's time ("Treatment 8:00 to 8:30. First 12 minutes manual ..., remainder gait training"),
   when every other service has its time and no evaluation shares the session.
Stated codes (in the engine's minutes stage): a time written right after a code the documentation supports
(``stated_code``: "Totals: 97110 - 25 min; 97530 - 13 min") fills that code when it has no time of its own, and
replaces its times when the line is a totals line; a billing line's or charge table's time ("Billing: 97530 - 32
min", a row under "CPT  Description  Units  Min") fills a code the body documents without a time or replaces the
body's item times for it (a code only charged still gets nothing).
Flowsheets: a row that names no service gives its time to the code it reads most like (the engine picks it);
a row indented under another row, or under a header line's time of the same code, is that row's breakdown.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from functools import lru_cache

from ._resources import packaged_json
from .nlp.minutes import MinuteMention, find_minutes
from .nlp.rules import DASH_BEFORE, compile_literals, line_bounds, literals_pattern

__all__ = ["Attribution", "OF_NEXT", "TimeLink", "attribute_minutes", "covers_block", "has_time_column", "indented_row",
           "is_service_total", "last_on_line_after_dash", "referenced", "table_minutes", "total_words"]

_TIME_HEADER = re.compile(r"\b(?:min(?:ute)?s?|time|duration)\b", re.IGNORECASE)
_BARE_NUMBER = re.compile(r"^(\d{1,3})(?:\s*(?:min\w*|'))?$", re.IGNORECASE)
# Between a code's phrase and its block time: "TherEx 23 min", "Gait trng x 12'", "Manual (10 min)", "NMR - 15 min".
_CLOCK_NAME_GAP = re.compile(r"[ \t]*[:\-\u2013\u2014]?[ \t]*")   # between a line's opening clock range and its service's name
_CONNECTOR = re.compile(r"^[\s:\-\u2013\u2014(\[\]|=,.)]*(?:(?:\(?\s*[A-Z]?\d{4,5}\s*\)?|for|total|time|x|approx\.?|about|~|&|and|training|trng|tx|block|session|program|circuit|routine|only)[\s:\-\u2013\u2014(\[\]|=,.)]*)*$", re.IGNORECASE)
# The bare number ending a row of an aligned table: "Ther ex ........ 18", "Gait training      10 min".
_ROW_END = re.compile(r"(?:\.{2,}|\s{2,}|\t)\s*(?P<n>\d{1,3})(?:\s*[-\u2013]\s*\d{1,3})?\s*(?:min\w*|')?\s*$", re.IGNORECASE)
_ROW_END_LOOSE = re.compile(r"(?<=[A-Za-z]) (?P<n>\d{1,3})\s*(?:min\w*|')?\s*$", re.IGNORECASE)
_DOT_ROW = re.compile(r"\.{4,}\s*(?P<n>\d{1,3})\s*(?:min\w*|')?\s*$", re.IGNORECASE)
_COLUMNS = re.compile(r"\s{2,}|\t")
_RULE_LINE = re.compile(r"^[-=_+|:\s\u2500\u2014]{3,}$")   # a ruled line between a table's header and rows
_CELL = re.compile(r"\S+(?: \S+)*")
# A time naming the service after it: "15 minutes of gait training" (also cuts the engine's pieces).
OF_NEXT = re.compile(r"\s+(?:of|for|on)\s", re.IGNORECASE)   # also "I spent 25 minutes on therapeutic exercise"
_SEQUENCE_BEFORE = re.compile(r"\b(?:followed by|then|next|after that|afterwards)\s+(?:(?:with|by|an?|another)\s+)?"
                             r"(?:~|about|approx\.?)?\s*$", re.IGNORECASE)
# A further episode of the same service: "another 8 min", "additional 10 min" before it; "5 min later" after it.
_EXTRA_BEFORE = re.compile(r"(?:\b(?:another|additional|further|extra|second|plus)|\+)\s*(?:~|about|approx\.?)?\s*$", re.IGNORECASE)
_EXTRA_AFTER = re.compile(r"\s*(?:later|again|more)\b", re.IGNORECASE)
# Two services joined before one time: "ther ex and manual 20 min".
_JOINED = re.compile(r"^\s*(?:,|&|\+|/|and|plus|with|as well as)\s*$", re.IGNORECASE)
_PARENS = re.compile(r"\([^()]*\)")   # "manual therapy (STM, mobs) + ther ex": the joiner outside the parentheses
# A time that opens a block: "Pool session 40 min: marching 8 min, ..."
# a time followed by a comma and the next item: "Transfers 7', bed mobility 6'" (siblings, each its own time)
_SIBLING_AFTER = re.compile(r"\s*,\s*(?!(?:consisting|including|incl|comprising|which|that|made up|to include)\b)[A-Za-z]",
                            re.IGNORECASE)   # ", consisting of ..." lists the block's items, not a sibling


def _sibling_after(text: str, m: MinuteMention, mentions, spans) -> bool:
    """The time is followed by a comma and another name of the same code with its own time ("Transfers 7', bed
    mobility 6'"): the two are siblings, each its own time, not a block header and its sub-item."""
    if _SIBLING_AFTER.match(text, m.end) is None:
        return False
    nxt = min((mm.start for mm in mentions if mm.start >= m.end), default=None)
    return nxt is not None and any(m.end <= a < nxt for a, b in spans if b > a)


_PAREN_ITEM_AFTER = re.compile(r"\s*\)\s*,\s*[A-Za-z]")   # "(3 min), perturbations": more items follow
_NEXT_CELL = re.compile(r"[ \t]{2,}\S|\t|[ \t]*\|")   # more cells of an aligned row follow
_TIMED_ITEM_END = re.compile(r"[ \t)]*,[ \t]*")   # one item of a list of timed items ("Transfers 7', bed mobility 6'")
_LIST_ITEM_START = re.compile(r"(?:^|[:,;])[ \t]*(?:~|about|approx\.?)?[ \t]*$")   # a time that opens a list item
_LIST_OPENS = re.compile(r":|\s[-\u2013\u2014]\s")   # a colon or a spaced dash opens a list of items
_HEADER_COLON = re.compile(r"\s*\)?\s*(?:\([^()\n]{0,40}\)\s*)?[:\u2013\u2014=]")   # "Pool session 1400-1440 (92 F):"
# a narrative block header: "Therapeutic exercise was performed for 20 minutes, consisting of ..."
_NARRATIVE_HEAD = re.compile(r"^\s*(?:was|were)\s+(?:then\s+)?(?:performed|provided|completed|done|carried out)\s+"
                             r"(?:for\s+)?(?:about|approx\.?|approximately|~)?\s*$", re.IGNORECASE)
# A time right before an activity's name is that item's time, not its block's: "Lumbar stabilization: 6 min bike,
# dead bug, bird dog" (the bike took 6 minutes); a connector word after it keeps it the block's ("12 min with RW").
_ITEM_AFTER = re.compile(r"[ \t]+(?!(?:with|w|including|incl|of|on|to|for|in|at|using|focusing|focused|and|total|"
                         r"each|per|pt|patient|today|performed|completed|consisting|that|which|as|this|then|while|"
                         r"during|plus|bilateral|bilat|bil|left|right|seated|standing|supine|prone|sets?|reps?)\b)"
                         r"[A-Za-z]{3,}\b(?!\s*[:(])")


@lru_cache(maxsize=1)
def _shared_time() -> re.Pattern:
    return re.compile(packaged_json("minutes.json")["shared_time_after_pattern"], re.IGNORECASE)


@lru_cache(maxsize=1)
def _reference_before() -> re.Pattern:
    return re.compile(packaged_json("minutes.json")["reference_before_pattern"], re.IGNORECASE)


def referenced(text: str, pos: int) -> bool:
    """The service named at ``pos`` is a point in time ("... for relaxation before ex, 10 minutes"), not the subject."""
    return _reference_before().search(text, max(0, pos - 30), pos) is not None


@lru_cache(maxsize=1)
def _service_total_cues() -> re.Pattern:
    return compile_literals(packaged_json("minutes.json")["service_total_cues"])


@lru_cache(maxsize=1)
def _block_cover_cues() -> re.Pattern:
    return compile_literals(packaged_json("minutes.json").get("block_cover_cues", []))


def covers_block(text: str) -> bool:
    """``text`` says its time covers what was just described ("All of that ran ...", "Total for the above ...")."""
    return _block_cover_cues().search(text) is not None


@lru_cache(maxsize=1)
def total_words() -> frozenset:
    """The words that make a time a whole time or a total (minutes.json ``service_total_cues``), lower-case."""
    return frozenset(c.lower() for c in packaged_json("minutes.json")["service_total_cues"])


def is_service_total(text: str, start: int, end: int) -> bool:
    """A time with "total", "whole", "in all" beside it, in the same sentence: the whole time of its service."""
    # the cue must sit beside this time, not beside another one of the same line ("Gait (22 min total): treadmill
    # 10 min"): the windows stop at sentence ends, colons, commas and parentheses
    before = re.split(r"[.;:!?,]\s|[()]", text[max(0, start - 25):start])[-1]
    after = re.split(r"[.;:!?,](?:\s|$)|[()]", text[end:end + 45])[0]
    cues = _service_total_cues()
    # a cue right after this time that goes on to a time of its own is that time's ("bike 6 min - total 18 min")
    after_cue = any(not (_CUE_OWN_TIME.match(after, c.end()) and not _DIGIT.search(after, 0, c.start()))
                    for c in cues.finditer(after))
    return cues.search(before) is not None or after_cue or _COVERS_ABOVE.match(text, end) is not None \
        or _total_label().search(text, max(0, start - 30), start) is not None


_DIGIT = re.compile(r"\d")
_CUE_OWN_TIME = re.compile(r"(?:[ \t]+[A-Za-z.]{1,8}){0,2}[ \t]*[:=\-\u2013]?[ \t]*(?:~|about|approx\.?)?[ \t]*\d")


@lru_cache(maxsize=1)
def _total_label() -> re.Pattern:
    """A total cue written as the time's label after a service's name ("TE subtotal: 19 min", "Gait total - 12 min")
    or before it ("Total NMR: 20 min", "Total ther ex time - 22 min"), not a session's "Total: 45 min"."""
    cues = literals_pattern(packaged_json("minutes.json")["service_total_cues"])
    return re.compile(r"(?:[A-Za-z][^\n:;.]{0,25}?[ \t](?:%s)|\b(?:%s)[ \t]+[A-Za-z][^\n:;.]{0,25}?)"
                      r"[ \t]*[:=\-\u2013][ \t]*(?:~|about|approx\.?)?[ \t]*$" % (cues, cues), re.IGNORECASE)


def _total_row(row: str) -> bool:
    """A flowsheet row whose first cell is a service's total ("TE subtotal | | | 22 min", "Total NMR   12")."""
    first = re.split(r"\||\t| {2,}", row.strip().lstrip("| \t"), maxsplit=1)[0]   # "| Subtotal Ther Ex (97110) | | 14 |"
    return _service_total_cues().search(first) is not None


# "24 min (exercises above)", "20 min - see above": the time of the items listed above, not more of them
_COVERS_ABOVE = re.compile(r"[ \t]*(?:\((?:[^()\n]{0,30}\s)?above\)|[-\u2013:,]?[ \t]*(?:see|as|listed|all)[ \t]+above\b)",
                           re.IGNORECASE)


@dataclass(frozen=True)
class TimeLink:
    """A time mention linked to a code, and the rule that linked it."""

    start: int
    end: int
    minutes: int | None
    rule: str
    confidence: float = 1.0
    units: int | None = None

    def to_dict(self) -> dict:
        return {"start": self.start, "end": self.end, "minutes": self.minutes, "rule": self.rule,
                "confidence": round(self.confidence, 2)}


@dataclass
class Attribution:
    """Minutes per code with where they came from; ambiguous times are listed, not guessed."""

    minutes: dict[str, int] = field(default_factory=dict)
    ranges: dict[str, tuple[int, int]] = field(default_factory=dict)
    documented_units: dict[str, int] = field(default_factory=dict)
    links: dict[str, list[TimeLink]] = field(default_factory=dict)
    ambiguous: list[tuple[int, int, tuple[str, ...]]] = field(default_factory=list)   # (start, end, labels)
    bare: set = field(default_factory=set)   # starts of linked times written as a sentence of their own ("15 minutes.")
    closing: set = field(default_factory=set)   # starts of times after their service that end its sentence


def _time_header(line: str) -> bool:
    """A header line naming a time column: a Minutes/Time word, no digits, at most 8 words."""
    return _TIME_HEADER.search(line) is not None and not re.search(r"\d", line) and len(line.split()) <= 8


def has_time_column(text: str) -> bool:
    """True when a line of ``text`` is a table header with a Minutes/Time column ("Intervention | Min | Notes",
    "Exercise      Sets   Time"): a time header line (:func:`_time_header`) with two or more columns."""
    for line in text.split("\n"):
        stripped = line.strip().strip("|")
        if stripped and _time_header(stripped) and ("|" in stripped or len(_COLUMNS.split(stripped)) >= 2):
            return True
    return False


def table_minutes(segments, seg_mentions, services, doc_text: str) -> set:
    """A table whose header row has a Minutes/Time column gives minutes as bare numbers in its rows.

    Adds those cells to ``seg_mentions`` and returns the (segment, offset) of every cell used.
    """
    col = None
    cells_used: set = set()
    for i, seg in enumerate(segments):
        text = doc_text[seg.start_char:seg.end_char]
        if "|" not in text:
            continue
        cells = [c.strip() for c in text.strip().strip("|").split("|")]
        header_col = next((k for k, c in enumerate(cells) if _TIME_HEADER.search(c) and not re.search(r"\d", c)), None)
        if header_col is not None and not any(_BARE_NUMBER.match(c) for c in cells):
            col = header_col
            continue
        if col is None or col >= len(cells) or not any(i in s for s in services.values()):
            continue
        if not _BARE_NUMBER.match(cells[col]):
            # the table's time column holds this row's time: a time-like cell of another column is not it
            # ("Walking fwd/bwd | 4' | 4 laps | -": a pool depth in feet)
            bounds = _cell_bounds(text, col)
            seg_mentions[i] = [mm for mm in seg_mentions.get(i, []) if bounds[0] <= mm.start < bounds[1]
                               or "\n" in text[min(mm.start, bounds[0]):max(mm.start, bounds[0])]]
        m = _BARE_NUMBER.match(cells[col])
        if m:
            pos = 0  # the cell's offset: skip the preceding cells and their separators
            for _ in range(col):
                pos = text.index("|", pos) + 1
            pos = text.index(cells[col], pos)
            table = MinuteMention(pos, pos + len(cells[col]), int(m.group(1)))
            # the row's time column is its time; another time in the row is a dose ("| BAPS | 2 min each way | 4 |")
            seg_mentions[i] = [mm for mm in seg_mentions.get(i, []) if not (mm.start <= pos < mm.end)
                               and "\n" in text[min(mm.start, pos):max(mm.start, pos)]] + [table]
            cells_used.add((i, pos))
    _aligned_table_minutes(segments, seg_mentions, services, doc_text, cells_used)
    return cells_used


def _cell_bounds(text: str, col: int) -> tuple[int, int]:
    """Start and end offsets of the ``col``-th cell of a pipe-separated row (leading pipe optional)."""
    body = text.lstrip()
    start = len(text) - len(body)
    if body.startswith("|"):
        start += 1
    for _ in range(col):
        nxt = text.find("|", start)
        if nxt < 0:
            return len(text), len(text)
        start = nxt + 1
    end = text.find("|", start)
    return start, len(text) if end < 0 else end


def _aligned_table_minutes(segments, seg_mentions, services, doc_text: str, cells_used: set) -> None:
    """Tables laid out with spaces or dot leaders under a header naming a time column:
    ``Intervention    Min`` / ``Ther ex ....... 30``. The number ending each row is that row's minutes.
    Without a header, a run of rows whose last numbers stand in one column is such a table (see
    :func:`_headerless_column`)."""
    starts = [seg.start_char for seg in segments]
    active, heads, col = False, [], None
    pos = 0
    column_rows = _headerless_column(doc_text)
    for line in doc_text.split("\n"):
        line_start, pos = pos, pos + len(line) + 1
        stripped = line.strip()
        if "|" in line or not stripped:
            active = False
            continue
        if _time_header(stripped):
            active = True
            heads = _COLUMNS.split(stripped)
            col = next((i for i, h in enumerate(heads) if _TIME_HEADER.search(h)), None) if len(heads) > 2 else None
            continue
        if active and _RULE_LINE.match(stripped):
            continue   # "--------" under the header row
        if not active:
            # without a header, a dot-leader row ("Ther ex ........ 17") still reads as a row with its minutes
            m = _DOT_ROW.search(line) or (_ROW_END.search(line) if line_start in column_rows else None)
            if not m or not re.search(r"[A-Za-z]", line[:m.start()]):
                continue
            _link_row(line_start, m.start("n"), m.group("n"), starts, seg_mentions, services, cells_used)
            continue
        cells = [(c.start(), c.group(0)) for c in _CELL.finditer(line)]
        in_column = col is not None and len(cells) == len(heads)
        if in_column and _NO_TIME_CELL.fullmatch(cells[col][1]):
            continue   # "Supine SKTC / DKTC   3x30s   ...   TE": a row without a time of its own; the table goes on
        cell = re.fullmatch(r"(\d{1,3})(?:\s*[-\u2013]\s*\d{1,3})?", cells[col][1]) if in_column else None
        if cell:
            n_start, n_text = cells[col][0], cell.group(1)   # a time column anywhere: "97110  41    LE strengthening"
        else:
            # the number ending the row; in a table whose last column is the time, one space is enough
            m = _ROW_END.search(line) or (_ROW_END_LOOSE.search(line) if col in (None, len(heads) - 1) else None)
            if not m or not re.search(r"[A-Za-z]", line[:m.start()]):
                # an indented line without a time continues the row above ("Ther ex   putty grip, ...   20" /
                # "      tendon glides, supination ROM"); anything else ends the table
                active = m is None and line[:2].isspace()
                continue
            n_start, n_text = m.start("n"), m.group("n")
        _link_row(line_start, n_start, n_text, starts, seg_mentions, services, cells_used)


# a time cell left empty on purpose: "...", "-", "--", "n/a"
_NO_TIME_CELL = re.compile(r"\.{2,}|\u2026|-{1,3}|\u2013|\u2014|n/?a", re.IGNORECASE)
# a row labelled with its service before a colon: "NMR: tandem", "Gait: TM walk" (not "Bridges", whose number is reps)
_LABELLED_ROW = re.compile(r"\s*[A-Za-z][\w /&.-]{0,24}:\s*\S")


def _headerless_column(doc_text: str) -> set:
    """Starts of the lines in runs of at least three consecutive rows, each labelled with its service before a
    colon and ending with a bare number after a run of spaces, the numbers standing in one column, none above 90
    and at least one above 5 ("NMR: tandem          4" ... "Gait: TM walk          10"): the column is the rows'
    minutes. Strength grades (0-5), measurements (degrees above 90) and exercise lists with their repetitions
    ("Bridges      15") do not make such a column."""
    rows, run, pos = set(), [], 0
    for line in doc_text.split("\n") + [""]:
        m = _ROW_END.search(line) if "|" not in line and "min" not in line.lower() else None
        row = (pos, m.start("n"), int(m.group("n"))) if m and m.group(0).startswith(("  ", "\t")) \
            and _LABELLED_ROW.match(line[:m.start()]) else None
        if row and run and abs(run[-1][1] - row[1]) <= 1:
            run.append(row)
        else:   # the run ends here (this row, if any, may start the next one)
            if len(run) >= 3 and max(n for _, _, n in run) > 5 and all(n <= 90 for _, _, n in run):
                rows.update(p for p, _, _ in run)
            run = [row] if row else []
        pos += len(line) + 1
    return rows


def _link_row(line_start, n_start, n_text, starts, seg_mentions, services, cells_used) -> None:
    """Give a table row's minutes to the segment where the row starts (when a service was found there)."""
    end = line_start + n_start
    k = next((i for i, st in enumerate(starts) if line_start <= st <= end), None)
    if k is None or not any(k in s for s in services.values()):
        return
    a = end - starts[k]
    b = a + len(n_text)
    row = line_start - starts[k]
    # the row's time column is its time: another time earlier in the row is a dose ("BAPS 2 min each way   4")
    seg_mentions[k] = [mm for mm in seg_mentions.get(k, []) if not (mm.start <= a < mm.end or row <= mm.start < a)] + \
        [MinuteMention(a, b, int(n_text))]
    cells_used.add((k, a))


def _nearest(m, present, text, scores, since: int = 0, others=()):
    """The service a mention belongs to inside its segment: (label, phrase span, key, rule) or None if ambiguous.

    ``since`` is where the previous time mention of the segment ends: services named between it and this time
    compete for it. ``others`` are services named here but not recommended: a time written "N minutes of" one
    of them, or beside two names joined by "and", is not given to a recommended service."""
    of_next = OF_NEXT.match(text, m.end) is not None
    # "... 8 min to R elbow followed by 10 min STM": after a sequencing word, a time written right before a service's
    # name is that service's
    leads = _SEQUENCE_BEFORE.search(text, max(0, m.start - 24), m.start) is not None \
        or _LIST_ITEM_START.search(text, max(0, m.start - 4), m.start) is not None   # ": 20 min balance, 20 min ..."
    ranked = []
    for lab, spans in list(present) + list(others):
        named = [sp for sp in spans if sp[1] > sp[0]]  # real phrase spans, not a clause-start fallback
        pool = named or spans
        before = [sp for sp in pool if sp[0] <= m.start]
        after = [sp for sp in pool if sp[0] >= m.end]
        if (of_next or leads and after and not text[m.end:min(after)[0]].strip()) and after and named:
            sp = min(after)
            key, rule = (0, 0, sp[0] - m.end, -scores[lab]), "of_service"
        elif before:
            # a name in parentheses is a detail of the service before it ("Floor recovery (half-kneel to stand) | 10")
            # and one named after "before"/"prior to" is when it was done ("massage ... before ex, 10 minutes")
            outside = [x for x in before if not _inside_parens(text, x[0]) and not referenced(text, x[0])]
            sp = max(outside or before)
            key, rule = (1, 0 if outside else 1, 0 if named else 1, m.start - sp[0], -scores[lab]), "after_service"
        else:
            sp = min(pool)
            key, rule = (2, 0 if named else 1, sp[0] - m.start, -scores[lab]), "before_service"
        ranked.append((key, lab, sp, rule, bool(named)))
    recommended = {lab for lab, _ in present}
    if _shared_time().match(text, m.end) and sum(
            1 for _, _, sp, rule, named in ranked if rule == "after_service" and named and sp[0] >= since) > 1:
        return None  # "Manual therapy and lumbar exercises ..., 24 minutes combined": one time for both
    ranked = [r for r in ranked if r[1] in recommended or r[3] == "of_service"]
    ranked.sort()
    key, lab, sp, rule, named = ranked[0]
    if rule == "after_service" and named:
        # "ther ex and manual 20 min": another named service joined to this one, no time between them (the
        # other one before it, or after it and nearer the time: "transfers and gait practice for 28 minutes")
        spans_of = dict(list(present) + list(others))
        head = _head_span(text, spans_of[lab], m.start) or sp
        for lab2, spans2 in spans_of.items():
            before2 = [x for x in spans2 if x[1] > x[0] and x[0] <= m.start]
            if lab2 == lab or not before2:
                continue
            sp2 = _head_span(text, spans2, m.start) or max(before2)
            if sp2[1] <= head[0] and _JOINED.match(_PARENS.sub("", text[sp2[1]:head[0]])):
                return None
            if head[1] <= sp2[0] and sp2[1] <= m.start and _JOINED.match(_PARENS.sub("", text[head[1]:sp2[0]])):
                return None
        # "strengthening exercises and functional activities (sit-to-stand, stairs), 22 min": two services named
        # since the last time and the time not attached to either one
        if _CONNECTOR.match(text[sp[1]:m.start]) is None and any(
                rule2 == "after_service" and named2 and lab2 != lab and sp2[0] >= since and key2[1] <= key[1]
                for key2, lab2, sp2, rule2, named2 in ranked[1:]):
            return None
    return lab, sp, key, rule


def _head_span(text: str, spans, before: int):
    """The last phrase span before ``before`` that is not inside parentheses (the service's name, not its detail:
    "Manual therapy (STM, mobs)")."""
    outside = [sp for sp in spans if sp[1] > sp[0] and sp[0] <= before and not _inside_parens(text, sp[0])]
    return max(outside, default=None)


def _inside_parens(text: str, pos: int) -> bool:
    opens, closes = _parens(text)
    return bisect.bisect_left(opens, pos) > bisect.bisect_left(closes, pos)


@lru_cache(maxsize=16)
def _parens(text: str) -> tuple[list[int], list[int]]:
    """Where the segment's opening and closing parentheses are (counted by bisection, not by rescanning the
    text for every span: a 70 kB one-line note has thousands of spans)."""
    return [m.start() for m in _OPEN_PAREN.finditer(text)], [m.start() for m in _CLOSE_PAREN.finditer(text)]


_OPEN_PAREN, _CLOSE_PAREN = re.compile(r"\("), re.compile(r"\)")


def attribute_minutes(recommended, services, seg_mentions, time_only_segs, segments, table_cells, doc_text: str,
                      scores: dict, named_only: dict | None = None, time_log=frozenset(),
                      modalities=frozenset(), headings=None) -> Attribution:
    """Link every documented time to the code it belongs to (see the module docstring for the rules).

    ``services[label][segment]`` holds the label's phrase spans in that segment; ``seg_mentions`` the
    time mentions of performed segments; ``time_only_segs`` the segments whose time stands in a sentence of
    its own, naming no service (rule 3); ``scores`` each label's confidence (tie-breaks); ``named_only[label]``
    the segments where a phrase names the code but the sentence does not read as that service (NMES "during
    SLR/quad sets"): rule 3 does not give them a following sentence's time when another service is there;
    ``time_log`` the segments of a time log ("Time: TherEx 25 min, Manual 10 min"), whose times are their services'
    whole times (rule ``time_log``, replacing the sub-item times found elsewhere); ``modalities`` the modality codes:
    a sentence that reads as one of them gives it its one time, not the exercises done under it.
    """
    out = Attribution()
    attributed = []  # (absolute position, lab, mention, is_header, is_extra, rule)
    linked_segments: set = set()
    orphans: dict[int, list[MinuteMention]] = {}
    line_totals: set = set()   # positions of times that are the whole time of their line's heading only
    coded_rows: set = set()    # positions of flowsheet times in rows that state their code (the code's whole time)
    for seg_i, mentions in seg_mentions.items():
        if any(m.bout for m in mentions):
            # "gaze stabilization 3 x 1 min each, habituation, foam EC - 18 min", "deep-water cycling 3 x 2 min": a
            # bout's length is part of the service's time, never its time (that is given elsewhere, or not at all)
            mentions = [m for m in mentions if not m.bout]
        if seg_i is not None and seg_i < len(segments):
            # "TE: bike 6 min, heel slides, ... -- 26 min": a time written last on its line after a dash is the
            # whole time of the service whose name heads the line
            kept = []
            for m in mentions:
                lab = _line_heading(segments[seg_i].start_char, m, doc_text, segments, services, recommended)
                if lab is None:
                    kept.append(m)
                    continue
                attributed.append((segments[seg_i].start_char + m.start, lab, m, False, False, "service_total"))
                line_totals.add(segments[seg_i].start_char + m.start)
                linked_segments.add(seg_i)
            mentions = kept
        present = [(lab, services[lab][seg_i]) for lab in recommended if seg_i in services.get(lab, {})]
        strong = [(lab, sp) for lab, sp in present if seg_i not in (named_only or {}).get(lab, ())]
        if len(mentions) == 1 and strong and len(strong) < len(present) and (all(lab in modalities for lab, _ in strong)
                                                                            or len(strong) == 1):
            # "NMES to quad w/ her doing quad sets and SLR ... - 10 min": the exercises named only as what was done
            # under the modality (the sentence reads as the modality) do not compete for its one time; nor does a
            # service named in passing in a sentence that reads as one other service ("Car transfer practice (sedan
            # simulator), hip precautions, 10 min": 'hip precautions' names self-care training)
            present = strong
        others = [(lab, [sp for sp in segs[seg_i] if sp[1] > sp[0]]) for lab, segs in sorted(services.items())
                  if lab not in recommended and any(sp[1] > sp[0] for sp in segs.get(seg_i, ()))]
        if not present:
            if seg_i in time_only_segs:
                orphans[seg_i] = mentions
            continue
        seg = segments[seg_i] if seg_i is not None and seg_i < len(segments) else None
        text = doc_text[seg.start_char:seg.end_char] if seg is not None else ""
        base = seg.start_char if seg is not None else 0
        first = min((mm.start for mm in mentions), default=None)
        previous_end = 0
        for m in sorted(mentions, key=lambda mm: mm.start):
            hit = _nearest(m, present, text, scores, previous_end, others)
            # the services already claimed by this time ("twenty minutes of exercise") do not compete for the next
            previous_end = max(m.end, hit[1][1] if hit and hit[3] == "of_service" else 0)
            if hit is None:
                out.ambiguous.append((base + m.start, base + m.end, tuple(sorted(lab for lab, _ in present))))
                linked_segments.add(seg_i)   # its services have a time of their own, shared or unclear
                continue
            lab, sp, _, rule = hit
            if lab not in recommended:
                continue  # "twelve minutes of balance training": the time of a service not recommended
            in_table = (seg_i, m.start) in table_cells
            first_named = min((x for x in dict(present)[lab] if x[1] > x[0]), default=None)
            is_header = in_table or (sp[1] <= m.start and (_CONNECTOR.match(text[sp[1]:m.start]) is not None
                                                           or _NARRATIVE_HEAD.match(text[sp[1]:m.start]) is not None)
                                     and (first_named is None or sp == first_named)
                                     and (_ITEM_AFTER.match(text, m.end) is None or text[m.end - 1] == ".")
                                     and not _sibling_after(text, m, mentions, dict(present)[lab])) or (
                m.start == first and _HEADER_COLON.match(doc_text, base + m.end) is not None and len(text[:m.start].split()) <= 6)
            if not is_header and not in_table and m.clock and m.end <= sp[0] and _CLOCK_NAME_GAP.fullmatch(text, m.end, sp[0]) \
                    and not doc_text[line_bounds(doc_text, base + m.start)[0]:base + m.start].strip(" \t-*\u2022>") \
                    and any(mm.start > sp[1] and "\n" not in text[m.end:mm.start] for mm in mentions):
                # "1538-1555 Gait trng on treadmill ... x10 min continuous ...; then overground 100 ft x3": a clock range
                # opening its line before the service's name, with more times on the line, is the line's whole time
                is_header = True
            if is_header and not in_table and headings is not None \
                    and not _heading_name(text[sp[0]:sp[1]], headings) \
                    and (_ends_line(doc_text, base + m.end) or _NEXT_CELL.match(doc_text, base + m.end)
                         or _TIMED_ITEM_END.fullmatch(text, m.end)):
                # "NuStep 8 min" / "Quad sets, SAQ - 6 min" / "UBE    6 min    L1    fwd/bwd" (a flowsheet row): an item's
                # name and its time alone on its line or in its row is one item of the service, not a heading whose
                # time holds the items after it
                is_header = False
            if is_header and not in_table and _PAREN_ITEM_AFTER.match(text, m.end) and \
                    re.search(r"\w", doc_text[doc_text.rfind("\n", 0, base + sp[0]) + 1:base + sp[0]]):
                # "Activities: weight shifting (3 min), perturbations, SLS": an item's time in a list, not the block's
                is_header = False
            extra = _EXTRA_BEFORE.search(text[max(0, m.start - 20):m.start]) is not None \
                or _EXTRA_AFTER.match(text, m.end) is not None
            if not is_header and rule in ("of_service", "before_service") and _LIST_OPENS.search(
                    text, m.end, min((mm.start for mm in mentions if mm.start > m.end), default=len(text))):
                # "a 30-minute aquatic session in 4 ft water: 10 minutes of walking, ...", "about 20 min of ther ex -
                # leg press 2x12, mini squats, ..., bike 8 min": the time heads the list after its service's name
                is_header = True
            if not is_header and not in_table and m.clock \
                    and not doc_text[line_bounds(doc_text, base + m.start)[0]:base + m.start].strip(" \t-*\u2022>"):
                # "10:20-10:31 curb practice w/ RW ...": a clock range opening its line is that line's own time, after
                # "10:05-10:20 stair training ..." of the same service, not a part of the earlier block
                extra = True
            rule = "table_column" if in_table else "block_header" if is_header else "extra_episode" if extra else rule
            if in_table and re.search(r"(?<!\d)%s(?!\d)" % re.escape(lab), text):
                # "| 97110 | Therapeutic exercise | 09:02 | 09:20 | 18 |": a row that states the code gives its whole
                # time (an exercise log below it lists the items of those minutes)
                coded_rows.add(base + m.start)
            if m.breakdown:
                rule = "total_breakdown"   # "Total timed 38 (TherEx 23, NMR 15)": the service's share of the total
            if m.field or (_total_row(text) if in_table else is_service_total(text, m.start, m.end)) \
                    or not in_table and _closing_label(doc_text, base + m.start, m, lab, attributed, headings):
                rule = "service_total"   # "24 min total for the re-ed": replaces its sub-item times
            elif seg_i in time_log:
                rule = "time_log"   # "Time: TherEx 25 min, Manual 10 min" at the end: the service's whole time
            attributed.append((base + m.start, lab, m, is_header, extra, rule))
            linked_segments.add(seg_i)
    _following_sentences(out, attributed, recommended, services, orphans, segments, doc_text, linked_segments,
                         named_only or {})
    attributed.sort(key=lambda a: a[0])
    # Blocks: a header time opens a block for its code; later times for the same code before another
    # code's header are its breakdown (dropped when they fit inside the header's time).
    blocks: dict[str, list[dict]] = {}
    open_block: dict[str, dict] = {}
    for pos, lab, m, is_header, extra, rule in attributed:
        item = (pos, m, rule)
        blk = open_block.get(lab)
        # each flowsheet row opens its own block: rows of one code add up, times inside a row are its breakdown;
        # rows under a header line's time for the same code ("Exercise block - 45 min" / "Nustep ..... 10 min")
        # are that block's breakdown, and so are rows indented under a row of the same code
        under_header = blk is not None and not blk["closed"] and blk["header"] is not None \
            and (blk["header"][2] != "table_column" or _indent(doc_text, pos) > _indent(doc_text, blk["header"][0]))
        if is_header and (blk is None or blk["closed"] or rule == "table_column" and not under_header):
            blk = {"header": item, "parts": [], "extras": [], "closed": False}
            blocks.setdefault(lab, []).append(blk)
            open_block[lab] = blk
            for other_lab, other in open_block.items():
                if other_lab != lab:
                    other["closed"] = True
        elif blk is not None and not blk["closed"]:
            (blk["extras"] if extra else blk["parts"]).append(item)
        else:
            blocks.setdefault(lab, []).append({"header": None, "parts": [item], "extras": [], "closed": True})
    for lab in recommended:
        use = []
        for blk in blocks.get(lab, []):
            for _, m, _ in _items(blk):
                if m.units is not None:
                    out.documented_units[lab] = out.documented_units.get(lab, 0) + m.units
            head = blk["header"] if blk["header"] is not None and blk["header"][1].minutes is not None else None
            parts = [it for it in blk["parts"] if it[1].minutes is not None]
            extras = [it for it in blk["extras"] if it[1].minutes is not None]
            if head is None:
                use += parts + extras
            elif sum(it[1].minutes for it in parts) <= head[1].minutes:
                use += [head] + extras
            else:
                use += [head] + parts + extras
        totals_of = [it for blk in blocks.get(lab, []) for it in _items(blk)
                     if (it[2] in ("service_total", "time_log") or it[0] in coded_rows) and it[1].minutes is not None]
        if totals_of and all(pos in line_totals for pos, _, _ in totals_of):
            # "Gait: ... turning with a wide arc - 12 min" and, lines later, "Gait again w/ dual task - 8 min; ...": a
            # line's whole time covers its own line and what came before it; the service's times on later lines are
            # more of it
            last_line_end = max(line_bounds(doc_text, pos)[1] for pos, _, _ in totals_of)
            use = totals_of + [it for it in use if it not in totals_of and it[0] > last_line_end]
        elif totals_of:
            use = totals_of
        if use:
            out.minutes[lab] = sum(it[1].minutes for it in use)
            rng = [it[1] for it in use if it[1].range_upper is not None]
            if rng:
                out.ranges[lab] = (out.minutes[lab],
                                   out.minutes[lab] - sum(m.minutes for m in rng) + sum(m.range_upper for m in rng))
            out.links[lab] = [TimeLink(pos, pos + (m.end - m.start), m.minutes, rule, 0.9 if rule in ("after_service", "before_service") else 1.0)
                              for pos, m, rule in sorted(use, key=lambda it: it[0])]
            for pos, m, rule in use:
                if rule == "after_service" and _CLOSES_SENTENCE.match(doc_text, pos + (m.end - m.start)):
                    out.closing.add(pos)
        elif lab in out.documented_units:
            out.links[lab] = [TimeLink(pos, pos + (m.end - m.start), None, rule, 1.0, m.units)
                              for blk in blocks.get(lab, []) for pos, m, rule in _items(blk) if m.units is not None]
    return out


_SENTENCE_END_BEFORE = re.compile(r"\.\s*$")
_CLOSES_SENTENCE = re.compile(r"[ \t)\]]*(?:[.;!]|\r?\n|$)")
_NAME_TRIM = re.compile(r"[^\w/&+\- ]+")


# a line that is only a service's heading name, a colon and a time: "TherEx: 20 min", ">> NMR: 10"
_LABEL_LINE = re.compile(r"[ \t>*\-\u2022]*(?P<name>[A-Za-z][A-Za-z /&.\-]{0,30}?)[ \t]*[:=][ \t]*(?:~|about|approx\.?)?[ \t]*"
                         r"\d{1,3}[ \t]*(?:min(?:ute)?s?|')?\.?[ \t\r]*")


_BLANK_LINE = re.compile(r"\n[ \t\r]*\n")   # a blank line (or one of spaces) between two lines


def _closing_label(doc_text: str, pos: int, m: MinuteMention, lab: str, attributed, headings) -> bool:
    """The time of a line that closes its service's block ("Bike warm-up 8 min / Leg press 3x10 / ... / TherEx:
    20 min"): a line holding only the service's heading name, a colon and the time, below item times of that service
    in the same run of lines (no blank line between) that it holds whole, is the block's whole time."""
    if headings is None or m.minutes is None:
        return False
    start, end = line_bounds(doc_text, pos)
    label = _LABEL_LINE.fullmatch(doc_text, start, end)
    if label is None or not _heading_name(label.group("name"), headings):
        return False
    top = max((b.end() for b in _BLANK_LINE.finditer(doc_text, 0, start)), default=0)   # the run of lines it closes
    above = [a[2].minutes for a in attributed if a[1] == lab and top <= a[0] < start and a[2].minutes is not None]
    return bool(above) and sum(above) <= m.minutes


def _heading_name(name: str, headings) -> bool:
    """``name`` (a phrase as written) is one of the names that head a service's block ("TherEx", "Manual", "Gait")."""
    return " ".join(_NAME_TRIM.sub(" ", name.lower()).split()) in headings


def _ends_line(doc_text: str, pos: int) -> bool:
    """Nothing but punctuation follows ``pos`` on its line."""
    return not doc_text[pos:line_bounds(doc_text, pos)[1]].strip(" \t.;,)")
_WORDS = re.compile(r"[A-Za-z]+")
# before a line's heading name: bullets, a number, "Then", "Vestibular/"; after it (and up to two short words: "Orthotic mgmt &
# trng:"), a colon or dash ("TE:", "Gait -", "NMR (97112):")
_HEADING_LEAD = re.compile(r"[ \t\-*\u2022>\d.)]*(?:then[ \t]+)?(?:[A-Za-z][A-Za-z.]{0,15}[ \t]*[/&+][ \t]*)?",
                           re.IGNORECASE)   # also a composite heading's first part: "Vestibular/NMR:"
_HEADING_END = re.compile(r"[ \t]*(?:\([^()\n]{0,12}\))?(?:[ \t&/+]+[A-Za-z.]{1,12}){0,2}[ \t]*[:\-\u2013\u2014]")


def last_on_line_after_dash(doc_text: str, start: int, end: int) -> bool:
    """The time at ``start:end`` is written last on its line after a dash ("... TKE w/ blue band -- 26 min") or in
    parentheses after the line's last sentence ("... cues for step length. Seated rest between trials. (15 min)")."""
    if not DASH_BEFORE.search(doc_text, max(0, start - 6), start) \
            and not (doc_text.startswith("(", start) and _SENTENCE_END_BEFORE.search(doc_text, max(0, start - 4), start)):
        return False
    total = _TOTAL_AFTER.match(doc_text, end)   # "... nerve glides - 17 min total."
    if _ends_line(doc_text, end if total is None else total.end()):
        return True
    # "Balance work: stood heel-to-toe ..., turned in a small circle - 23'. No LOB.": the time ends its sentence and
    # the rest of its line (remarks) gives no time
    after = _SENTENCE_AFTER.match(doc_text, end)
    return after is not None and not find_minutes(doc_text[after.end():line_bounds(doc_text, end)[1]])


_SENTENCE_AFTER = re.compile(r"[ \t]*\.[ \t]+(?=[A-Z])")
_TOTAL_AFTER = re.compile(r"[ \t]+(?:in[ \t]+)?total\b", re.IGNORECASE)


def _line_heading(base: int, m: MinuteMention, doc_text: str, segments, services, recommended,
                  own_sentence: bool = False) -> str | None:
    """The recommended service whose name heads the line of ``m`` when ``m`` is written last on that line after a
    dash ("Gait: amb 150' x2 ...; 1 standing rest -- 30 min") or, with ``own_sentence``, in a sentence of its own
    that ends the line ("Therapeutic exercise - SLR, TKE, sit-to-stand 3 x 8. 15 minutes."), else None."""
    start = base + m.start
    if own_sentence:
        if doc_text[base + m.end:line_bounds(doc_text, base + m.end)[1]].strip(" \t.") \
                or not doc_text[max(0, start - 3):start].rstrip(" \t").endswith("."):
            return None
    elif not last_on_line_after_dash(doc_text, start, base + m.end):
        return None
    line_start = doc_text.rfind("\n", 0, start) + 1
    first = None
    on_line = set()
    for lab in recommended:
        for k, spans in services.get(lab, {}).items():
            if k is None or k >= len(segments):
                continue
            s0 = segments[k].start_char
            for a, b in spans:
                if line_start <= s0 + a < start:
                    on_line.add(lab)
                if b > a and line_start <= s0 + a < start and (first is None or s0 + a < first[0]):
                    first = (s0 + a, s0 + b, lab)
    if not own_sentence and len(on_line) == 1 and doc_text.startswith("(", start):
        # "Walked 50 ft x2 with RW, CGA; cues ... Seated rest between bouts. (12 min)": a time set apart in
        # parentheses after the line's last sentence is the time of the line's one service, headed or not
        return next(iter(on_line))
    if first is None or not _HEADING_LEAD.fullmatch(doc_text, line_start, first[0]):
        return None
    head_end = _HEADING_END.match(doc_text, first[1])
    if head_end is None or not own_sentence and not _WORDS.search(doc_text, head_end.end(), start):
        # "Scapular mobs - 3'": the name and its time with nothing listed between them is an item's own time (added
        # to the service's other times), not a heading's whole time over a list
        return None
    return first[2]


def _indent(text: str, pos: int) -> int:
    """How far the line holding ``pos`` is indented."""
    start = text.rfind("\n", 0, pos) + 1
    line = text[start:pos]
    return len(line) - len(line.lstrip(" \t"))


def indented_row(text: str, pos: int) -> bool:
    """The line holding ``pos`` is indented under an earlier line of its block (a sub-item of that line)."""
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", start)
    indent = _indent(text, len(text) if end < 0 else end)
    end = start - 1
    while indent and end >= 0:   # earlier lines of the block, nearest first
        prev_start = text.rfind("\n", 0, end) + 1
        if not text[prev_start:end].strip():
            return False
        if _indent(text, end) < indent:
            return True
        end = prev_start - 1
    return False


def _items(blk: dict) -> list:
    """A block's (position, mention, rule) items: its header time, its breakdown and its extra episodes."""
    return ([blk["header"]] if blk["header"] else []) + blk["parts"] + blk["extras"]


def _services_below(seg_i, recommended, services, segments, doc_text, named_only, timed) -> list:
    """The recommended services documented in the lines after segment ``seg_i`` up to a blank line, a new section or
    a line with a time of its own (``timed``: "TE - 10 min post-test:"), the ones a sentence reads as where it also
    names others."""
    below: set = set()
    for k in range(seg_i + 1, len(segments)):
        if _blank_line(doc_text[segments[k - 1].end_char:segments[k].start_char]) \
                or segments[k]._.pt_section != segments[seg_i]._.pt_section \
                or k in timed and doc_text[segments[k].start_char:segments[k].end_char].rstrip().endswith(":"):
            break
        here = {lab for lab in recommended if k in services.get(lab, {})}
        below |= {lab for lab in here if k not in named_only.get(lab, ())} or here
    return sorted(below)


_CLOCK_PAIR = re.compile(r"\d{1,2}:?[0-5]\d\D{1,12}?\d{1,2}:?[0-5]\d")


def _time_line(seg_text: str, mentions, base: int, doc_text: str) -> bool:
    """The segment opens its line and holds one time, written as two clock times, and at most a few label words
    ("PM: In 1400 / Out 1430.", "Session 2 - 14:00-14:30"; not "Minutes: 21", a block's closing field)."""
    timed = [m for m in mentions if m.minutes is not None]
    if len(timed) != 1 or timed[0].field or not _CLOCK_PAIR.search(seg_text, timed[0].start, timed[0].end):
        return False
    if doc_text[line_bounds(doc_text, base)[0]:base].strip():
        return False
    rest = seg_text
    for m in sorted(mentions, key=lambda mm: -mm.start):
        rest = rest[:m.start] + " " + rest[m.end:]
    return len(_WORDS.findall(rest)) <= 4


def _block_span(seg_i: int, segments, doc_text: str, section) -> tuple[int, int]:
    """Where the block holding segment ``seg_i`` starts and ends: its neighbours in the same section up to a blank line."""
    first = last = seg_i
    while first > 0 and segments[first - 1]._.pt_section == section \
            and not _blank_line(doc_text[segments[first - 1].end_char:segments[first].start_char]):
        first -= 1
    while last + 1 < len(segments) and segments[last + 1]._.pt_section == section \
            and not _blank_line(doc_text[segments[last].end_char:segments[last + 1].start_char]):
        last += 1
    return segments[first].start_char, segments[last].end_char


def _blank_line(gap: str) -> bool:
    """The text between two segments holds a blank line (a block ends there; a line of spaces is blank too)."""
    return _BLANK_LINE.search(gap) is not None


def _following_sentences(out, attributed, recommended, services, orphans, segments, doc_text, linked_segments,
                         named_only) -> None:
    """Rule 3: a time in a sentence of its own belongs to the service(s) just before it in the same block."""
    timed_before = set(linked_segments)
    for seg_i, mentions in sorted(orphans.items()):
        if not mentions or seg_i is None or seg_i >= len(segments):
            continue
        labs: set = set()
        strong_labs: set = set()
        line_labs: set = set()   # the services on the time's own line ("Manual: STM, first rib mobs; 10'.")
        same_line = True
        k = seg_i - 1
        section = segments[seg_i]._.pt_section
        if section == "time_log" and seg_i > 0:
            # a time log's line that names no service ("Time: x20 minutes for all of the above.") times the block above
            section = segments[seg_i - 1]._.pt_section
        while k >= 0:
            gap = doc_text[segments[k].end_char:segments[k + 1].start_char]
            if _blank_line(gap) or segments[k]._.pt_section != section:
                break
            same_line = same_line and "\n" not in gap
            here = {lab for lab in recommended if k in services.get(lab, {})}
            labs |= here
            strong_labs |= {lab for lab in here if k not in named_only.get(lab, ())}
            if same_line:
                line_labs |= {lab for lab in here if k not in named_only.get(lab, ())}
            if k in timed_before:
                break  # the services before a time of their own are already timed
            k -= 1
        # a service only named in passing ("Home safety: walked through the home ...": 'walked' names gait, the sentence
        # does not read as it) does not compete with one the block's sentences read as; a time that ends a line after
        # its services belongs to that line's, not to the lines above it (dry needling above "Manual: ...; 10'.")
        labs = line_labs or strong_labs or labs
        # the services that already have a time: their own, or one shared and left unclear ("IFC and hot pack, 15 min")
        # (one bout's length, "2 x 1 min each", is not a time of the service's own: a bare time after it is)
        # (a time ending the line of the services it follows counts what is timed in its own block only: a service
        # timed in another visit's paragraph - "Visit 1: Ther ex ... 10 min. / Visit 2: Ther ex repeated, 10 min" - is
        # not timed here)
        block = _block_span(seg_i, segments, doc_text, section)
        lo, hi = block if line_labs else (0, len(doc_text))
        already = {a[1] for a in attributed if not a[2].bout and lo <= a[0] < hi} \
            | {lab for a, _, labs_of in out.ambiguous if lo <= a < hi for lab in labs_of}
        free = sorted(lab for lab in labs if lab not in already)
        base = segments[seg_i].start_char
        seg_text = doc_text[segments[seg_i].start_char:segments[seg_i].end_char]
        heads = {_line_heading(base, m, doc_text, segments, services, recommended, own_sentence=True)
                 for m in mentions if m.minutes is not None}
        if len(heads) == 1 and None not in heads:
            # "Therapeutic exercise - SLR, TKE, sit-to-stand 3 x 8. 15 minutes.": the heading's whole time, as after a dash
            lab = heads.pop()
            attributed.extend((base + m.start, lab, m, False, False, "service_total") for m in mentions
                              if m.minutes is not None)
            timed_before.add(seg_i)
            continue
        if seg_text.rstrip().endswith(":"):
            # "In-pool session, 9:02-9:32:" over the list of what was done: the time of the one service listed below
            below = _services_below(seg_i, recommended, services, segments, doc_text, named_only, linked_segments)
            if len(below) == 1:
                attributed.extend((base + m.start, below[0], m, True, False, "block_header") for m in mentions
                                  if m.minutes is not None)
                timed_before.add(seg_i)
                continue
        if labs and not free and _time_line(seg_text, mentions, base, doc_text):
            # "PM: In 1400 / Out 1430." opening a line after a block whose services all have their times: a later
            # session's time, heading the one service documented after it without a time of its own
            below = _services_below(seg_i, recommended, services, segments, doc_text, named_only, linked_segments)
            if len(below) == 1 and not any(a[1] == below[0] and base < a[0] < block[1] for a in attributed):
                attributed.extend((base + m.start, below[0], m, True, False, "block_header") for m in mentions
                                  if m.minutes is not None)
                timed_before.add(seg_i)
                continue
        for m in mentions:
            if m.minutes is None:
                continue
            if len(free) == 1:
                attributed[:] = [a for a in attributed if not (a[1] == free[0] and a[2].bout and a[0] < base
                                                               and (a[2].minutes or 0) <= m.minutes)]
                attributed.append((base + m.start, free[0], m, False, False,
                                   "service_total" if m.field else "following_sentence"))
                if len(_WORDS.findall(seg_text[:m.start] + " " + seg_text[m.end:])) <= 1:
                    out.bare.add(base + m.start)
            elif len(free) > 1:
                out.ambiguous.append((base + m.start, base + m.end, tuple(free)))
            elif len(labs) == 1 and (m.field or is_service_total(seg_text, m.start, m.end) and len(already) < 2
                                     or covers_block(seg_text)):
                # (with two or more services timed already, a "Total 36'" naming none is the session's, not the last one's)
                # "Minutes: 23" under a block whose items have times of their own: the block's whole time
                # "That whole piece was twenty-six minutes.", "All of that ran close to 16 minutes." (even after other
                # services' times: it says it covers what was just described): the whole time of the one service before it
                attributed.append((base + m.start, next(iter(labs)), m, False, False, "service_total"))
        timed_before.add(seg_i)

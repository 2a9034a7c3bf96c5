"""Statuses one clause passes to its neighbour on the same line or the line below, after ConText has read each
clause on its own (run by the context component, so ``span._.pt_assertion`` shows them):

* a heading line with no time of its own takes the status of the line below it when that line says the service
  was not given ("Hot Pack (97010):" / "- Offered pre-tx; pt declined");
* a flowsheet row's name joined by a dot leader to a value saying the service was not given takes that status
  ("GAIT ................ n/a today (pt declined, fatigue)");
* an offer refused on the same line is not given ("Selective debridement ... was offered; pt declined today");
* a clause followed on its line by "; not billed", "- not a clinic service" is not counted;
* a negated clause ending in "or" negates the clause it runs into ("no hands-on assessment or manual tx today");
* a flowsheet row whose cells after its name are all empty markers ("Gait Trng | -- |") was not given.

Each function takes the note's text, the clauses' ``(start, end)`` offsets, their texts and their statuses (a list
it updates in place).
"""

from __future__ import annotations

import re

from .minutes import find_minutes
from .rules import line_bounds

__all__ = ["apply_line_statuses"]

# what a heading's first line can say that the heading's service was not given this session
_NOT_GIVEN = frozenset({"negated", "declined", "planned", "deferred", "held", "unable", "contraindicated", "not_tolerated"})
_HEADING_END = re.compile(r":\s*(?:0\s*min(?:ute)?s?\.?)?\s*$", re.IGNORECASE)
_OFFERED = re.compile(r"\b(?:was|were|is|are)?\s*(?:offered|recommended|suggested|discussed)\s*[.;,]?\s*$", re.IGNORECASE)
# a short item after a ";" or dash that says the item before it is not billed: "; not a clinic service", "- not counted
# toward treatment time", "; not billed", "- no tx" ("1530-1538 waiting for interpreter and mom donning AFOs - no tx")
_NOT_BILLED_ITEM = re.compile(r"^\W*(?:not\s+(?:billed|billable|charged|counted|included|a\s+(?:clinic|billable|skilled|pt)\s+service|"
                              r"part\s+of\s+(?:the\s+|this\s+)?(?:treatment|session|tx|visit))|"
                              r"no\s+(?:tx|treatment|charge|skilled\s+(?:tx|treatment|service)))\b[^.;\n]{0,40}$", re.IGNORECASE)


def apply_line_statuses(full: str, bounds: list[tuple[int, int]], ctexts: list[str], statuses: list) -> None:
    """Run the passes in order (see the module docstring)."""
    _heading_takes_its_body(full, bounds, ctexts, statuses)
    _leader_row_takes_its_value(full, bounds, ctexts, statuses)
    _offered_then_declined(full, bounds, ctexts, statuses)
    _not_billed_after(full, bounds, ctexts, statuses)
    _negation_past_or(full, bounds, ctexts, statuses)
    _empty_row(full, bounds, ctexts, statuses)


# a table cell that says nothing was done: "--", "0", "n/a", "none", blank
_EMPTY_CELL = re.compile(r"\s*(?:-{1,3}|\u2013|\u2014|0|0\s*min|n/?a|none|not\s+done)?\s*", re.IGNORECASE)


def _empty_row(full: str, bounds, ctexts, statuses) -> None:
    """A flowsheet row whose cells after its name are all empty markers ("Gait Trng   | --  |", "Neuro Re-ed | 0 |")
    lists a service the template offers, not one given this session."""
    for i, (start, end) in enumerate(bounds):
        if statuses[i] is not None:
            continue
        line_start, line_end = line_bounds(full, start)
        row = full[start:line_end]
        if full[line_start:start].strip(" \t|") or "|" not in row and "\t" not in row:
            continue
        name, *cells = re.split(r"[|\t]", row)
        if cells and cells[-1].strip() == "":
            cells = cells[:-1]   # the row's closing "|"
        if name.strip() and cells and all(_EMPTY_CELL.fullmatch(c) for c in cells):
            statuses[i] = "negated"


def _negation_past_or(full: str, bounds, ctexts, statuses) -> None:
    """A negated clause ending in "or"/"nor" negates the clause it runs into on the same line ("no hands-on assessment
    or | manual tx possible today"): both halves are what was not done."""
    for i in range(len(bounds) - 1):
        if statuses[i] == "negated" and statuses[i + 1] is None and _ENDS_WITH_OR.search(ctexts[i]) \
                and "\n" not in full[bounds[i][1]:bounds[i + 1][0]]:
            statuses[i + 1] = "negated"


_ENDS_WITH_OR = re.compile(r"\b(?:or|nor)\s*$", re.IGNORECASE)


def _heading_takes_its_body(full: str, bounds, ctexts, statuses) -> None:
    """A heading line with no time of its own ("Hot Pack (97010):", "E-stim (G0283): 0 min", or an EMR template's
    bare block title "Manual Therapy") whose first line below says the service was not given ("- Offered pre-tx; pt
    declined", "- Not performed today") is not given either: it takes that line's status. Blank template fields
    between them ("Time: --") do not part them. A heading with minutes documents time spent and keeps its own."""
    for i in range(len(bounds) - 1):
        start, end = bounds[i]
        line_start, line_end = line_bounds(full, start)
        colon = _HEADING_END.search(ctexts[i]) is not None
        if statuses[i] is not None or full[line_start:start].strip(" \t-*\u2022") \
                or not (colon or _TITLE_LINE.fullmatch(full, line_start, line_end)) \
                or any(m.minutes for m in find_minutes(ctexts[i])):
            continue
        j = i + 1
        while j < len(bounds) and statuses[j] is None and _BLANK_FIELD.fullmatch(ctexts[j]):
            j += 1
        # under a bare title the line must say the service itself was not given ("Not performed this date",
        # "Deferred (pt c/o knee pain)"), not report a finding ("Gait Training" / "No LOB")
        if j >= len(bounds) or statuses[j] not in _NOT_GIVEN or not colon and not _SERVICE_NOT_GIVEN.match(ctexts[j]):
            continue
        lines = full[end:bounds[j][0]].split("\n")
        if len(lines) >= 2 and not lines[0].strip(" \t\r:") and not lines[-1].strip(" \t:-*\u2022") \
                and all(_BLANK_FIELD.fullmatch(x) for x in lines[1:-1]):
            statuses[i] = statuses[j]


# an EMR template's block title on a line of its own: one to four words, no digits ("Manual Therapy", "Gait Training")
_TITLE_LINE = re.compile(r"[ \t]*[A-Za-z][A-Za-z/&'\-]*(?:[ \t]+[A-Za-z/&'\-]+){0,3}[ \t\r]*")
_SERVICE_NOT_GIVEN = re.compile(r"\W*(?:not\s+(?:performed|done|completed|provided|given|attempted|addressed|"
                                r"indicated)|deferred|held|declined|refused|omitted|skipped|n/?a\b)", re.IGNORECASE)
# a template's time field left blank: "Time: --", "Minutes: ___", "Time: 0 min", "Duration: n/a"
_BLANK_FIELD = re.compile(r"[ \t]*(?:time|minutes|mins?|duration)[ \t]*:?[ \t]*(?:-+|_+|0|none|n/?a)?[ \t]*"
                          r"(?:min(?:ute)?s?)?[ \t\r]*", re.IGNORECASE)


# the dots (or underscores) joining a flowsheet row's name to its value: "GAIT ........ n/a", "WC MGMT ____ 15 min"
_LEADER = re.compile(r"[ \t]*(?:[.\u2026_][ \t]*){3,}:?[ \t]*")


def _leader_row_takes_its_value(full: str, bounds, ctexts, statuses) -> None:
    """A flowsheet row whose name (one to four words, no digits) is joined by a dot leader to a value that says the
    service was not given ("GAIT ................ n/a today (pt declined, fatigue after dialysis)") is not given: the
    name takes the value's status, as a name and its status joined by a colon share one clause."""
    for i in range(len(bounds) - 1):
        j = i + 1
        if statuses[i] is None and statuses[j] in _NOT_GIVEN and _TITLE_LINE.fullmatch(ctexts[i]) \
                and _LEADER.fullmatch(full, bounds[i][1], bounds[j][0]) and _SERVICE_NOT_GIVEN.match(ctexts[j]):
            statuses[i] = statuses[j]


_SENTENCE_GAP = re.compile(r"[.!?;]")   # between two clauses: they are parts of different sentences or items


def _offered_then_declined(full: str, bounds, ctexts, statuses) -> None:
    """A service offered and then declined on the same line ("Selective debridement of the callus rim was offered;
    pt declined today") was not given: the offer takes the refusal's status."""
    refused = ("declined", "negated", "not_tolerated")
    for i in range(len(bounds) - 1):
        if statuses[i] is not None:
            continue
        # the offer in the same clause, or in the next one ("Selective debridement | of the callus rim was offered")
        # (a clause of the sentence before it is no part of the offer: "TE 20 min: SLR, quad sets. Ice offered, pt declined.")
        j = i if _OFFERED.search(ctexts[i]) else i + 1 if _OFFERED.search(ctexts[i + 1]) \
            and not _SENTENCE_GAP.search(full, bounds[i][1], bounds[i + 1][0]) else None
        if j is None or j + 1 >= len(bounds) or statuses[j + 1] not in refused \
                or "\n" in full[bounds[i][1]:bounds[j + 1][0]]:
            continue
        statuses[i] = statuses[j] = statuses[j + 1]


def _not_billed_after(full: str, bounds, ctexts, statuses) -> None:
    """A clause followed on its line by a short item saying it is not billed ("pt sat with her own ice pack from home
    for 10 minutes; not a clinic service", "NuStep 8 min, watched by the aide; not counted toward treatment time") is
    not counted: it takes status negated."""
    for i in range(len(bounds) - 1):
        # set apart by ";" or a dash: "(not included)" after a rest break's time marks only that time (gather)
        if statuses[i] is None and _NOT_BILLED_ITEM.match(ctexts[i + 1]) \
                and full[bounds[i][1]:bounds[i + 1][0]].strip(" \t") in (";", "-", "--", "\u2013", "\u2014"):
            statuses[i] = "negated"

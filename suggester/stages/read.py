"""Stage read: a parsed note (spaCy Doc with segments, clauses and their assertions) -> :class:`NoteRead`."""

from __future__ import annotations

import re

from ..claims import find_code_claims
from ..evaluation_report import ReportReader
from ..minutes_attribution import has_time_column
from ..nlp import CLAUSES, SEGMENTS
from ..nlp.components import doc_text
from ..nlp.minutes import find_minutes, find_totals
from .settings import Settings
from .values import NoteRead

__all__ = ["TABLE_ROW", "read_note", "stated_codes"]

# A flowsheet row: cells between pipes, or columns aligned with runs of spaces or dot leaders.
TABLE_ROW = re.compile(r"\||\S {3,}\S|\.{3,}")
# words of a description beside a written code ("97110 x2 (bike, leg press)"), not its units or minutes
_DESCRIBING = re.compile(r"\b(?!(?:units?|min(?:ute)?s?|mins|x|total|code|cpt)\b)[A-Za-z][A-Za-z-]{2,}")


def read_note(doc, s: Settings, reports: ReportReader, use_context: bool = True) -> NoteRead | None:
    """Stage read: the parsed note - its segments, clauses and their assertion status (an evaluation report's
    exam lines are findings unless they read as treatment given), the report kind, code claims and totals.
    None when the note has no clause."""
    segments = list(doc.spans[SEGMENTS]) if SEGMENTS in doc.spans else []
    if use_context:
        clauses = list(doc.spans[CLAUSES]) if CLAUSES in doc.spans else []
    else:  # ablation: every segment counts as performed (benchmark baseline)
        clauses = segments
        for i, seg in enumerate(segments):
            seg._.pt_segment, seg._.pt_assertion = i, None
    if not clauses:
        return None
    full = doc_text(doc)
    ctexts = [full[c.start_char:c.end_char] for c in clauses]
    report = reports.read(full, [(g.start_char, g.end_char, g._.pt_section or "none", g._.pt_assertion) for g in segments],
                               [(c.start_char, c.end_char, c._.pt_section or "none", c._.pt_assertion) for c in clauses])
    statuses = [c._.pt_assertion for c in clauses]
    if report.exam_findings:  # in an evaluation report, exam lines are findings unless they read as treatment given
        secs = reports.exam_finding_sections(report.kind)
        for i, c in enumerate(clauses):
            if statuses[i] is None and (c._.pt_section or "none") in secs \
                    and not reports.treatment_given(ctexts[i]):
                statuses[i] = "exam_finding"
    _heading_takes_its_body(full, clauses, ctexts, statuses)
    _offered_then_declined(full, clauses, ctexts, statuses)
    _not_billed_after(full, clauses, ctexts, statuses)
    totals: dict[str, tuple[int, int, int]] = find_totals(full)
    generic = totals.pop("generic", None)   # "20 min total": a session total alone, a service's time beside one
    claims = find_code_claims(full, s.catalogue)
    return NoteRead(full, segments, clauses, ctexts, [TABLE_ROW.search(t) is not None for t in ctexts], statuses,
                    report, claims, stated_codes(s, claims, clauses, ctexts), totals, generic, has_time_column(full))


# what a heading's first line can say that the heading's service was not given this session
_NOT_GIVEN = frozenset({"negated", "declined", "planned", "deferred", "held", "unable", "contraindicated", "not_tolerated"})
_HEADING_END = re.compile(r":\s*(?:0\s*min(?:ute)?s?\.?)?\s*$", re.IGNORECASE)


def _heading_takes_its_body(full: str, clauses, ctexts, statuses) -> None:
    """A heading line with no time of its own ("Hot Pack (97010):", "E-stim (G0283): 0 min") whose first line
    below says the service was not given ("- Offered pre-tx; pt declined", "- Not performed today") is not given
    either: it takes that line's status. A heading with minutes documents time spent and keeps its own."""
    for i in range(len(clauses) - 1):
        c, nxt = clauses[i], clauses[i + 1]
        if statuses[i] is not None or statuses[i + 1] not in _NOT_GIVEN or not _HEADING_END.search(ctexts[i]):
            continue
        between = full[c.end_char:nxt.start_char]
        line_start = full.rfind("\n", 0, c.start_char) + 1
        if between.count("\n") == 1 and not between.strip(" \t\n:-*\u2022") and not full[line_start:c.start_char].strip(" \t-*\u2022") \
                and not any(m.minutes for m in find_minutes(ctexts[i])):
            statuses[i] = statuses[i + 1]


_OFFERED = re.compile(r"\b(?:was|were|is|are)?\s*(?:offered|recommended|suggested|discussed)\s*[.;,]?\s*$", re.IGNORECASE)


def _offered_then_declined(full: str, clauses, ctexts, statuses) -> None:
    """A service offered and then declined on the same line ("Selective debridement of the callus rim was offered;
    pt declined today") was not given: the offer takes the refusal's status."""
    refused = ("declined", "negated", "not_tolerated")
    for i in range(len(clauses) - 1):
        if statuses[i] is not None:
            continue
        # the offer in the same clause, or in the next one ("Selective debridement | of the callus rim was offered")
        j = i if _OFFERED.search(ctexts[i]) else i + 1 if _OFFERED.search(ctexts[i + 1]) else None
        if j is None or j + 1 >= len(clauses) or statuses[j + 1] not in refused \
                or "\n" in full[clauses[i].end_char:clauses[j + 1].start_char]:
            continue
        statuses[i] = statuses[j] = statuses[j + 1]


# a short item after a ";" or dash that says the item before it is not billed: "; not a clinic service", "- not counted
# toward treatment time", "; not billed"
_NOT_BILLED_ITEM = re.compile(r"^\W*not\s+(?:billed|billable|charged|counted|included|a\s+(?:clinic|billable|skilled|pt)\s+service|"
                              r"part\s+of\s+(?:the\s+|this\s+)?(?:treatment|session|tx|visit))\b[^.;\n]{0,40}$", re.IGNORECASE)


def _not_billed_after(full: str, clauses, ctexts, statuses) -> None:
    """A clause followed on its line by a short item saying it is not billed ("pt sat with her own ice pack from home
    for 10 minutes; not a clinic service", "NuStep 8 min, watched by the aide; not counted toward treatment time") is
    not counted: it takes status negated."""
    for i in range(len(clauses) - 1):
        # set apart by ";" or a dash: "(not included)" after a rest break's time marks only that time (gather)
        if statuses[i] is None and _NOT_BILLED_ITEM.match(ctexts[i + 1]) \
                and full[clauses[i].end_char:clauses[i + 1].start_char].strip(" \t") in (";", "-", "--", "\u2013", "\u2014"):
            statuses[i] = "negated"


def stated_codes(s: Settings, claims, clauses, ctexts) -> dict[int, set]:
    """Clause -> labels whose code is written in it beside a description of what was done ("97110 x2 units
    (bike, leg press, step-ups)"): that names the service like a catalogue phrase would (for the decision only,
    not for minutes); a code alone ("97112 | 2") still proves nothing, and an evaluation's level is reasoned,
    not read off a code."""
    stated: dict[int, set] = {}
    for cl in claims:
        lab = s.label_of.get(cl.code, cl.code)
        if lab not in s.col or lab in s.eval_labels:
            continue
        for i, c in enumerate(clauses):
            if c.start_char <= cl.start and cl.end <= c.end_char and len(_DESCRIBING.findall(
                    ctexts[i][:cl.start - c.start_char] + " " + ctexts[i][cl.end - c.start_char:])) >= 2:
                stated.setdefault(i, set()).add(lab)
    return stated


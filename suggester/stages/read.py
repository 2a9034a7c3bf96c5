"""Stage read: a parsed note (spaCy Doc with segments, clauses and their assertions) -> :class:`NoteRead`."""

from __future__ import annotations

import re

from ..claims import find_code_claims
from ..evaluation_report import ReportReader
from ..minutes_attribution import has_time_column
from ..nlp import CLAUSES, SEGMENTS
from ..nlp.components import doc_text
from ..nlp.minutes import find_totals
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
    totals: dict[str, tuple[int, int, int]] = find_totals(full)
    generic = totals.pop("generic", None)   # "20 min total": a session total alone, a service's time beside one
    claims = find_code_claims(full, s.catalogue)
    return NoteRead(full, segments, clauses, ctexts, [TABLE_ROW.search(t) is not None for t in ctexts], statuses,
                    report, claims, stated_codes(s, claims, clauses, ctexts), totals, generic, has_time_column(full))


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


"""Stage result: the decided codes, minutes and units -> :class:`~suggester.results.Result` (suggestions with
evidence and explanations, then the compliance findings)."""

from __future__ import annotations

from ..minutes_attribution import Attribution
from ..results import Evidence, Result, Suggestion
from .settings import Settings
from .values import Billing, Gathered, NoteRead, UnitsOut

__all__ = ["build_result", "explain"]


def build_result(s: Settings, compliance, versions: dict, note: NoteRead, got: Gathered, recommended: set,
                 report_notes: dict, att: Attribution, counted: UnitsOut, visit: tuple, billing: Billing) -> Result:
    """Stage result: suggestions with evidence, units and explanations, the compliance findings, the Result.

    ``visit`` is the non-visit kind (or None) and whether documented time overrode it; ``compliance`` a
    :class:`~suggester.compliance.ComplianceChecker`."""
    full, cands = note.full, got.cands
    units, totals_out, unit_notes = counted.units, counted.totals, counted.notes
    non_visit, nv_overridden = visit
    payer, cfg, dos = billing.payer, billing.cfg, billing.date_of_service
    minutes, ranges, documented_units = att.minutes, att.ranges, att.documented_units
    for claim in note.claims:  # a code written in the note is shown beside a code the note supports, never as proof
        lab = s.label_of.get(claim.code, claim.code)
        if lab in recommended:
            cands[lab].evidence.append(Evidence(claim.start, claim.end, full[claim.start:claim.end], "billing",
                                                cands[lab].score, ("stated code",)))
    suggestions = []
    for lab, cand in cands.items():
        code = s.code_for(lab, cfg)
        entry = s.catalogue[code]
        rec = lab in recommended
        ev = tuple(sorted(cand.evidence, key=lambda e: -e.score)[: int(s.config["max_evidence"])])
        suggestions.append(dict(
            code=code, label=entry.label, confidence=s.calibrated(cand.score), recommended=rec,
            units=units.get(lab) if rec else None, minutes=minutes.get(lab) if rec else None,
            evidence=tuple(sorted(ev, key=lambda e: e.start)), category=entry.category, timed=entry.timed,
            minutes_evidence=tuple(att.links.get(lab, ())) if rec else (),
            explanation=explain(entry, ev, rec, cand.score, minutes.get(lab), ranges.get(lab))
            + report_notes.get(lab, ""),
            _raw=cand.score))
    suggestions.sort(key=lambda x: (not x["recommended"], -x.pop("_raw"), x["code"]))
    context = dict(payer=payer, cfg=cfg, date_of_service=dos, totals=totals_out, non_visit=non_visit,
                   non_visit_overridden=nv_overridden, ranges={s.code_for(k, cfg): v for k, v in ranges.items()},
                   unit_notes=unit_notes, text=full, segments=note.segments, claims=note.claims,
                   ambiguous_times=[(a, b, tuple(s.code_for(x, cfg) for x in labs)) for a, b, labs in att.ambiguous
                                    if any(x in recommended and x not in minutes for x in labs)],
                   label_of=s.label_of,
                   documented_units={s.code_for(k, cfg): v for k, v in documented_units.items()})
    final, findings = compliance.check(suggestions, context)
    return Result(suggestions=tuple(Suggestion(**x) for x in final), findings=tuple(findings),
                  not_counted=tuple(sorted(got.not_counted, key=lambda n: n.start)), totals=totals_out,
                  payer=payer, non_visit=None if nv_overridden else non_visit, versions=versions,
                  report=note.report.to_dict(full))


def explain(entry, evidence, recommended, score, minutes, rng) -> str:
    """The plain-language explanation of one suggestion: what matched where, its minutes, the catalogue's summary."""
    phrases = list(dict.fromkeys(p for e in evidence for p in e.phrases))[:4]
    sections = sorted({e.section for e in evidence} - {"none"})
    if evidence:
        where = f" in the {', '.join(sections)} section{'s' if len(sections) > 1 else ''}" if sections else ""
        lead = (f"Documented as performed this session{where}"
                f"{' (matched: ' + ', '.join(repr(p) for p in phrases) + ')' if phrases else ''}")
    else:
        lead = "Weak evidence only"
    if minutes is not None:
        lead += f"; {minutes} min documented"
        if rng:
            lead += f" (range {rng[0]}-{rng[1]} min, lower bound used)"
    verdict = "Recommended." if recommended else "Candidate to review, not recommended."
    return f"{verdict} {lead}. {entry.label}: {entry.summary}"

"""Matching billed to documented (internal): one note's engine result against its billed lines - supported,
missed, unsupported, units over/under, invalid codes and modifier problems (NCCI pairs, CQ, 59/X) - as finding
rows.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from ..documentation import check_note
from ..episodes import note_kind
from ..errors import InputError
from ..fees import FeeSchedule
from .inputs import _Task
from .money import _money


STATUSES = ("supported", "missed", "unsupported", "units_over", "units_under", "modifier", "invalid_code", "error",
            "episode")
_META = "note_meta"   # one internal row per audited note for the episode checks; never written out
_DISTINCT = ("59", "XE", "XS", "XP", "XU")
def _row(t: _Task, **kw) -> dict:
    r = {"source": "notes", "row": t.row, "note_id": t.note_id, "payer": t.payer, "patient_id": t.patient_id,
         "date_of_service": t.dos, "provider": t.provider, "code": None, "status": None, "confidence": None,
         "documented_units": None, "billed_units": None, "minutes": None, "billed_modifiers": None,
         "suggested_modifiers": None, "finding_ids": None, "evidence": None, "fee_usd": None, "fee_source": None,
         "impact_usd": None, "reason": None}
    r.update(kw)
    if t.info and r["reason"] is not None:
        r["reason"] = r["reason"] + " (" + "; ".join(t.info) + ")"
    return r
def _offsets(items) -> str | None:
    spans = [f"{e.start}-{e.end}" for e in items]
    return ";".join(spans) if spans else None
def _suggest_all(eng, tasks: list[_Task]) -> list:
    """Each task's engine result (or the exception the engine raised for it), the clauses of many notes scored
    together (:meth:`Suggester._suggest_jobs`); tasks with a fatal input problem get None."""
    todo = [k for k, t in enumerate(tasks) if t.fatal is None]
    jobs = [(tasks[k].text, tasks[k].payer, tasks[k].dos) for k in todo]
    if hasattr(eng, "_suggest_jobs"):
        got = eng._suggest_jobs(jobs)
    else:  # any object with the Suggester.suggest signature
        got = []
        for text, payer, dos in jobs:
            try:
                got.append(eng.suggest(text, payer, date_of_service=dos))
            except Exception as exc:  # noqa: BLE001 - reported per note by _audit_note
                got.append(exc)
    out: list = [None] * len(tasks)
    for k, result in zip(todo, got):
        out[k] = result
    return out


def _audit_note(eng, fees: FeeSchedule, t: _Task, result=None) -> list[dict]:
    """Finding rows for one note; ``result`` is its engine result or the exception the engine raised for it
    (:func:`_suggest_all`), computed here when not given."""
    out = [dict(_row(t, code=None, status="error", reason=reason), source=src, row=row)
           for src, row, reason in t.problems]
    if t.fatal is not None:
        n = len(t.billed)
        out.append(_row(t, status="error", reason=t.fatal + (f"; its {n} billed line(s) were not audited" if n else "")))
        return out
    if result is None:
        result = _suggest_all(eng, [t])[0]
    if isinstance(result, InputError):
        out.append(_row(t, status="error", reason=f"row {t.row}: {result}"))
        return out
    if isinstance(result, Exception):  # one bad note must not stop the run; never echo the message
        out.append(_row(t, status="error", reason=f"row {t.row}: the engine failed on this note "
                                                  f"({type(result).__name__}); report it with the row number"))
        return out
    meta = _row(t, source=_META, status=_META)
    doc = check_note(t.text, result)
    meta["reason"] = json.dumps({"kind": note_kind(result), "treated": bool(result.recommended) and not result.non_visit,
                                 "cert": t.cert, "doc_failed": [c.id for c in doc.failed],
                                 "doc_applicable": len(doc.applicable)})
    out.append(meta)
    cfg = eng.payer_config(t.payer)
    medicare = cfg.get("code_set") == "medicare"
    cat = eng.catalogue
    day = dt.date.fromisoformat(t.dos) if t.dos else dt.date.today()
    rec = {s.code: s for s in result.recommended}
    cands = {s.code: s for s in result.suggestions}
    not_counted: dict[str, Any] = {}
    for n in result.not_counted:
        not_counted.setdefault(n.code, n)
    billed: dict[str, dict] = {}
    for line in t.billed:
        b = billed.setdefault(line.code, {"units": 0, "mods": []})
        b["units"] += line.units
        b["mods"].extend(m for m in line.modifiers if m not in b["mods"])
    findings_by_code: dict[str, list] = {}
    for f in result.findings:
        for c in f.codes:
            findings_by_code.setdefault(c, []).append(f)

    def fee(code: str, cq: bool) -> tuple[float | None, str]:
        return fees.unit_fee(code, t.payer, cq=cq and medicare)

    codes = list(billed) + [c for c in rec if c not in billed]
    if not codes:
        why = (f"not a treatment visit ({result.non_visit.replace('_', ' ')})" if result.non_visit
               else "no billable service documented")
        out.append(_row(t, status="supported", reason=f"Nothing billed and {why}.", impact_usd=0.0))
        return out
    for code in codes:
        s = rec.get(code)
        common = dict(code=code)
        if s is not None:
            common.update(confidence=round(s.confidence, 3), documented_units=s.units, minutes=s.minutes,
                          suggested_modifiers=" ".join(s.modifiers) or None,
                          finding_ids=" ".join(s.finding_ids) or None, evidence=_offsets(s.evidence))
        if code not in billed:  # documented, not billed
            unit_fee, src = fee(code, "CQ" in (s.modifiers or ()))
            entry = cat.get(code)
            coverage = entry.medicare_coverage if entry is not None else None
            if medicare and coverage in ("bundled", "non_covered"):
                out.append(_row(t, **common, status="supported", fee_usd=unit_fee, fee_source=src, impact_usd=0.0,
                                reason=f"Documented, not billed: correct for Medicare ({coverage.replace('_', '-')}, "
                                       "not paid separately); informational, no dollars lost."))
            elif s.units == 0:
                out.append(_row(t, **common, status="supported", fee_usd=unit_fee, fee_source=src, impact_usd=0.0,
                                reason=f"Documented, not billed: {s.minutes} min give 0 billable units."))
            elif s.units is None:
                out.append(_row(t, **common, status="missed", fee_usd=unit_fee, fee_source=src,
                                reason="Documented as performed but not billed; no minutes documented for this timed "
                                       "code, so units and dollars are unknown (PT160): document the time."))
            else:
                impact = None if unit_fee is None else s.units * unit_fee
                out.append(_row(t, **common, status="missed", fee_usd=unit_fee, fee_source=src,
                                impact_usd=_money(impact),
                                reason=f"Documented as performed but not billed: {s.units} unit(s)"
                                       + (f" from {s.minutes} min" if s.minutes is not None else "")
                                       + ("" if unit_fee is not None else "; no fee known for this code") + "."))
            continue
        b = billed[code]
        mods = b["mods"]
        unit_fee, src = fee(code, "CQ" in mods)
        common.update(billed_units=b["units"], billed_modifiers=" ".join(mods) or None, fee_usd=unit_fee,
                      fee_source=src)
        line_amount = None if unit_fee is None else b["units"] * unit_fee
        invalid = _invalid(code, cat, day, medicare, t.dos is not None)
        if invalid:
            out.append(_row(t, **common, status="invalid_code", impact_usd=_money(-line_amount if line_amount else None),
                            reason=invalid))
            continue
        if s is None:
            cand, nc = cands.get(code), not_counted.get(code)
            if nc is not None:
                why = f"mentioned but not performed this session ({nc.reason.replace('_', ' ')})"
                common.update(evidence=f"{nc.start}-{nc.end}", confidence=round(nc.confidence, 3))
            elif result.non_visit:
                why = f"the note is not a treatment visit ({result.non_visit.replace('_', ' ')})"
            elif cand is not None:
                why = f"weak evidence only (confidence {cand.confidence:.2f}, below the recommendation threshold)"
                common.update(confidence=round(cand.confidence, 3), evidence=_offsets(cand.evidence))
            else:
                why = "no evidence of it in the note"
                common.update(confidence=0.0)
            out.append(_row(t, **common, status="unsupported", impact_usd=_money(-line_amount if line_amount is not None else None),
                            reason=f"Billed but not documented as performed: {why}."))
            continue
        doc = s.units
        if doc is None:
            status, impact = "supported", 0.0
            reason = "Billed and documented; units not verifiable: no minutes documented for this timed code (PT160)."
        elif b["units"] > doc:
            status = "units_over"
            impact = None if unit_fee is None else -(b["units"] - doc) * unit_fee
            reason = (f"Billed {b['units']} unit(s); the documented {s.minutes if s.minutes is not None else '-'} min "
                      f"support {doc} ({cfg['unit_method']} method).")
        elif b["units"] < doc:
            status = "units_under"
            impact = None if unit_fee is None else (doc - b["units"]) * unit_fee
            reason = (f"Billed {b['units']} unit(s); the documented {s.minutes if s.minutes is not None else '-'} min "
                      f"support {doc} ({cfg['unit_method']} method): {doc - b['units']} unit(s) not billed.")
        else:
            status, impact = "supported", 0.0
            reason = f"Billed and documented; {doc} unit(s) match."
        out.append(_row(t, **common, status=status, impact_usd=_money(impact), reason=reason))
        out.extend(_modifier_rows(t, common, s, mods, findings_by_code.get(code, []), line_amount, unit_fee, fees,
                                  medicare, b["units"]))
    return out
def _invalid(code: str, cat, day: dt.date, medicare: bool, dated: bool) -> str | None:
    entry = cat.get(code)
    when = f"on {day.isoformat()}" if dated else "today (no date of service)"
    if entry is None:
        return f"{code} is not a code in the PT catalogue (run `suggester codes` to list them)."
    if entry.status == "deleted" and entry.effective_to and day > entry.effective_to:
        repl = ", ".join(entry.replaced_by) or "no direct replacement"
        return f"{code} was deleted after {entry.effective_to.isoformat()}; replaced by {repl}."
    if not entry.is_active_on(day):
        return f"{code} is not valid {when} (valid from {entry.effective_from})."
    if medicare and entry.medicare_coverage == "not_recognized":
        alt = f"; bill {entry.medicare_use_instead} instead" if entry.medicare_use_instead else ""
        return f"Medicare does not recognise {code}{alt}."
    return None
def _modifier_rows(t, common, s, billed_mods, findings, line_amount, unit_fee, fees, medicare, units) -> list[dict]:
    rows = []
    want = [m for m in s.modifiers if m in _DISTINCT]
    have = [m for m in billed_mods if m in _DISTINCT]
    base = dict(common, status="modifier")
    if want and not have:
        partner = next((c for f in findings if f.id == "PT101" for c in f.codes if c != s.code), None)
        rows.append(_row(t, **dict(base, finding_ids="PT101"), impact_usd=_money(-line_amount if line_amount else None),
                         reason=f"Modifier {want[0]} missing: the note documents {s.code} as distinct"
                                + (f" from {partner}" if partner else "") + " (NCCI pair); without it the line is "
                                "denied."))
    elif have and not want:
        pt102 = [f for f in findings if f.id == "PT102" and f.codes and f.codes[-1] == s.code]
        if pt102:
            partner = pt102[0].codes[0]
            rows.append(_row(t, **dict(base, finding_ids="PT102"),
                             impact_usd=_money(-line_amount if line_amount else None),
                             reason=f"Modifier {have[0]} not justified: the note does not show {s.code} separate from "
                                    f"{partner} (separate time blocks, regions or sessions); not separately billable "
                                    "as documented."))
        else:
            rows.append(_row(t, **base, impact_usd=0.0,
                             reason=f"Modifier {have[0]} not justified: no NCCI pair with another documented code needs "
                                    "it on this line (compliance risk)."))
    if medicare and "CQ" in s.modifiers and "CQ" not in billed_mods and unit_fee is not None:
        rows.append(_row(t, **dict(base, finding_ids="PT110"),
                         impact_usd=_money(-(1 - fees.cq_factor) * unit_fee * units),
                         reason="Modifier CQ missing: the note shows an assistant (PTA) furnished this service "
                                f"(PT110); Medicare pays {fees.cq_factor:.0%} of the fee."))
    return rows

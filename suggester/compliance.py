"""Compliance findings over a note's suggestions. One small check per finding id; rules are data.

Finding ids, severities, sources and effective dates live in ``resources/compliance_rules.json``;
NCCI pairs in ``resources/ncci_pairs.json`` (or a file written by ``suggester ncci import``);
MUE limits in ``resources/mue.json``.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from ._resources import packaged_json, read_json
from .catalogue import Catalogue
from .errors import ResourceError
from .nlp.rules import LiteralMatcher
from .results import Finding

__all__ = ["ComplianceChecker", "load_ncci_pairs", "rule_ids"]

_CODE_IN_TEXT = re.compile(r"(?<![\d.$])(?:9\d{4}|2\d{4}|G\d{4})(?![\d.])")
_NCCI_KEYS = {"column1": str, "column2": str, "modifier_indicator": int}


def rule_ids() -> list[str]:
    return [r["id"] for r in packaged_json("compliance_rules.json")["rules"]]


def load_ncci_pairs(path: str | Path | None = None) -> list[dict]:
    """Load NCCI pairs (packaged curated file when ``path`` is None) and validate each record."""
    data = packaged_json("ncci_pairs.json") if path is None else read_json(path, packaged=False)
    pairs = data.get("pairs") if isinstance(data, dict) else None
    if not isinstance(pairs, list):
        raise ResourceError(f"NCCI file {path or 'ncci_pairs.json'}: expected an object with a 'pairs' list.")
    for i, p in enumerate(pairs):
        for key, typ in _NCCI_KEYS.items():
            if not isinstance(p.get(key), typ):
                raise ResourceError(f"NCCI pair #{i}: field {key!r} must be {typ.__name__}.")
        if p["modifier_indicator"] not in (0, 1, 9):
            raise ResourceError(f"NCCI pair #{i}: modifier_indicator must be 0, 1 or 9, got {p['modifier_indicator']}.")
    return pairs


def _in_force(rec: dict, day: dt.date) -> bool:
    start, end = rec.get("effective_from"), rec.get("effective_to")
    return (not start or dt.date.fromisoformat(start) <= day) and (not end or day <= dt.date.fromisoformat(end))


class ComplianceChecker:
    """Apply compliance checks to the engine's suggestions; returns (suggestions, findings)."""

    def __init__(self, catalogue: Catalogue, *, ncci: str | Path | None = None) -> None:
        self.catalogue = catalogue
        self.rules = {r["id"]: r for r in packaged_json("compliance_rules.json")["rules"]}
        self.pairs = load_ncci_pairs(ncci)
        self.mue = {m["code"]: m["max_units"] for m in packaged_json("mue.json")["limits"]}
        cues = packaged_json("compliance_cues.json")
        self._pta = LiteralMatcher(cues["pta_cues"])
        self._session = LiteralMatcher(cues["separate_session_cues"])
        self._region_of = {w: region for region, words in cues["regions"].items() for w in words}
        self._regions = LiteralMatcher(self._region_of)

    def finding(self, rule_id: str, detail: str, codes=()) -> Finding:
        r = self.rules[rule_id]
        return Finding(id=rule_id, severity=r["severity"], message=f"{r['message']} {detail}".strip(),
                       codes=tuple(codes), source=r.get("source"), effective_from=r.get("effective_from"),
                       effective_to=r.get("effective_to"))

    def check(self, suggestions: list[dict], ctx: dict) -> tuple[list[dict], list[Finding]]:
        day = ctx.get("date_of_service") or dt.date.today()
        medicare = ctx["cfg"].get("code_set") == "medicare"
        rec = {s["code"]: s for s in suggestions if s["recommended"]}
        findings: list[Finding] = []
        mods: dict[str, list[str]] = {c: [] for c in rec}
        text = ctx.get("text", "")

        def add(rule_id, detail, codes=()):
            f = self.finding(rule_id, detail, codes)
            findings.append(f)
            return f

        # PT171 / PT170 non-visits
        if ctx.get("non_visit") and not ctx.get("non_visit_overridden"):
            add("PT171", f"Reason: {ctx['non_visit'].replace('_', ' ')}.")
        elif ctx.get("non_visit_overridden"):
            add("PT170", f"Cue: {ctx['non_visit'].replace('_', ' ')}.")
        # PT100 GP on every recommended line
        for c in rec:
            mods[c].append("GP")
        if rec:
            add("PT100", "Added to: " + ", ".join(sorted(rec)) + ".", sorted(rec))
        # PT110 / PT111 assistant
        if rec and next(self._pta.finditer(text), None) is not None:
            evals = [c for c in rec if self.catalogue[c].category == "evaluation"]
            treat = [c for c in rec if c not in evals]
            for c in treat:
                mods[c].append("CQ")
            if treat:
                add("PT110", "CQ added to: " + ", ".join(sorted(treat)) + ".", sorted(treat))
            if evals:
                add("PT111", "Check who performed: " + ", ".join(sorted(evals)) + ".", sorted(evals))
        # PT120 deleted codes written in the note
        for m in sorted(set(_CODE_IN_TEXT.findall(text))):
            entry = self.catalogue.get(m)
            if entry is not None and entry.status == "deleted" and entry.effective_to and day > entry.effective_to:
                repl = ", ".join(entry.replaced_by) or "no direct replacement"
                add("PT120", f"{m} ended {entry.effective_to.isoformat()}; replaced by {repl}.", [m])
        # PT121 effective dates
        for c in rec:
            if not self.catalogue[c].is_active_on(day):
                add("PT121", f"{c} is not valid on {day.isoformat()}.", [c])
        # Medicare coverage
        if medicare:
            for c in rec:
                cov = self.catalogue[c].medicare_coverage
                if cov == "bundled":
                    add("PT130", f"Code: {c}.", [c])
                elif cov == "non_covered":
                    add("PT132", f"Code: {c}.", [c])
            if any(c == self.catalogue["97014"].medicare_use_instead for c in rec if "97014" in self.catalogue):
                add("PT131", "G0283 used.", ["G0283"])
        if "95992" in rec:
            add("PT133", "")
        # NCCI pairs
        self._ncci(rec, mods, add, day, ctx)
        # 97150 with other one-on-one timed codes (beyond the NCCI pairs)
        one_on_one = sorted(c for c in rec if self.catalogue[c].timed and c != "97150")
        if "97150" in rec and one_on_one:
            add("PT104", "One-on-one codes: " + ", ".join(one_on_one) + ".", ["97150", *one_on_one])
        evals = [c for c in rec if self.catalogue[c].category == "evaluation"]
        tests = [c for c in rec if c in ("97750", "97755")]
        if evals and tests:
            add("PT140", f"{', '.join(tests)} with {', '.join(evals)}.", [*tests, *evals])
        modalities = sorted(c for c in rec if self.catalogue[c].category in ("supervised_modality", "attended_modality"))
        if len(modalities) > 2:
            add("PT141", "Modalities: " + ", ".join(modalities) + ".", modalities)
        # Units and minutes
        for c, s in rec.items():
            if s["units"] is not None and c in self.mue and s["units"] > self.mue[c]:
                add("PT150", f"{c}: {s['units']} units, limit {self.mue[c]}.", [c])
            if s["timed"] and s["units"] == 0:
                add("PT161", f"{c}: {s['minutes']} min -> 0 units.", [c])
        for c, (lo, hi) in sorted(ctx.get("ranges", {}).items()):
            add("PT162", f"{c}: {lo}-{hi} min documented, {lo} used.", [c])
        notes = ctx.get("unit_notes", [])
        for kind, lab in notes:
            code = self._display(lab, ctx)
            if kind == "no_minutes":
                add("PT160", f"Code: {code}.", [code])
            elif kind == "units_without_minutes":
                add("PT164", f"Code: {code}.", [code])
            elif kind == "tie":
                add("PT165", "Tied: " + ", ".join(self._display(x, ctx) for x in lab.split(",")) + ".")
            elif kind == "from_total":
                add("PT166", f"Code: {code}.", [code])
        totals = ctx.get("totals", {})
        doc_total = totals.get("documented_total_timed_minutes")
        timed_with_minutes = [s for s in rec.values() if s["timed"] and s["minutes"] is not None]
        if doc_total is not None and timed_with_minutes and not any(k == "from_total" for k, _ in notes) \
                and abs(sum(s["minutes"] for s in timed_with_minutes) - doc_total) > 0:
            add("PT163", f"Per-code sum {sum(s['minutes'] for s in timed_with_minutes)} min vs documented total {doc_total} min.")
        if any(k == "no_minutes" for k, _ in notes) and doc_total is not None and totals.get("unit_method") == "cms":
            add("PT167", f"Documented total {doc_total} timed min allows {totals.get('timed_units')} timed units in all.")
        for a, b, codes in ctx.get("ambiguous_times", ()):
            add("PT168", f"Time at chars {a}-{b} could belong to: {', '.join(codes)}.", list(codes))
        # PT180 / PT181 codes written in the note
        label_of = ctx.get("label_of", {})
        rec_labels = {label_of.get(c, c) for c in rec}
        for claim in ctx.get("claims", ()):
            shown = self._display(label_of.get(claim.code, claim.code), ctx)
            if self.catalogue[claim.code].status != "active":
                continue  # deleted codes have their own finding (PT120)
            if label_of.get(claim.code, claim.code) not in rec_labels:
                add("PT180", f"Stated: {claim.code} (chars {claim.start}-{claim.end}).", [claim.code])
            elif claim.units is not None and shown in rec and rec[shown]["units"] is not None \
                    and rec[shown]["units"] != claim.units:
                add("PT181", f"{shown}: {claim.units} stated, {rec[shown]['units']} supported.", [shown])
        # attach modifiers and finding ids to suggestions
        out = []
        for s in suggestions:
            s = dict(s)
            if s["recommended"]:
                s["modifiers"] = tuple(dict.fromkeys(mods.get(s["code"], [])))
                s["finding_ids"] = tuple(dict.fromkeys(f.id for f in findings if s["code"] in f.codes))
            out.append(s)
        return out, findings

    def _display(self, label: str, ctx) -> str:
        if ctx["cfg"].get("code_set") == "medicare":
            alt = self.catalogue[label].medicare_use_instead if label in self.catalogue else None
            if alt and alt in self.catalogue and self.catalogue[alt].status == "active":
                return alt
        return label

    def _ncci(self, rec, mods, add, day, ctx) -> None:
        for p in self.pairs:
            c1, c2, mi = p["column1"], p["column2"], p["modifier_indicator"]
            if c1 not in rec or c2 not in rec or mi == 9 or not _in_force(p, day):
                continue
            conf = p.get("confidence", "unknown")
            if mi == 0:
                add("PT103", f"{c1} + {c2} ({conf} confidence pair).", [c1, c2])
                continue
            reason, modifier = self._distinct(rec[c1], rec[c2], ctx)
            if reason:
                mods[c2].append(modifier)
                add("PT101", f"{modifier} on {c2} (with {c1}): {reason} ({conf} confidence pair).", [c1, c2])
            else:
                add("PT102", f"{c1} + {c2}: no separate time blocks, regions or sessions documented; "
                             f"bill {c1} only, or document the separate blocks ({conf} confidence pair).", [c1, c2])

    def _distinct(self, s1: dict, s2: dict, ctx) -> tuple[str | None, str | None]:
        text = ctx.get("text", "")
        if next(self._session.finditer(text), None) is not None:
            return "the note documents separate sessions", "XE"
        spans1 = {(e.start, e.end) for e in s1["evidence"]}
        spans2 = {(e.start, e.end) for e in s2["evidence"]}
        if s1["minutes"] and s2["minutes"] and spans1 and spans2 and not spans1 & spans2:
            return (f"separate documented time blocks ({s1['code']} {s1['minutes']} min, "
                    f"{s2['code']} {s2['minutes']} min)"), "59"
        r1 = {self._region_of[lit] for e in s1["evidence"] for _, _, lit in self._regions.finditer(e.text)}
        r2 = {self._region_of[lit] for e in s2["evidence"] for _, _, lit in self._regions.finditer(e.text)}
        if r1 and r2 and not r1 & r2:
            return f"different body regions ({', '.join(sorted(r1))} vs {', '.join(sorted(r2))})", "XS"
        return None, None

"""Audit reports and summaries: a self-contained HTML page (inline CSS and SVG charts, no scripts, no network) and a
plain-text summary. Both are built from :func:`suggester.audit.summarize` output only, so they name
note ids, codes, providers and dollars, never note text.
"""

from __future__ import annotations

import datetime as dt
import heapq
from html import escape

from ..episodes import NoteFact
from .matching import STATUSES


def summarize(findings) -> dict:
    """Summarise a findings table for the report.

    Parameters
    ----------
    findings : pandas.DataFrame
        The output of :func:`audit` (or a findings file read back).

    Returns
    -------
    dict
        ``by_status`` counts, ``dollars`` (``recoverable``: missed and under-billed; ``at_risk``: billed
        without support, over-billed, modifier and invalid-code lines), ``missed_by_code``,
        ``by_provider``, ``by_month``, ``top_notes`` (the notes to review first), ``failed_rows``.
    """
    acc = _Summary()
    acc.add(findings)
    return acc.result()
class _DocStats:
    """Documentation checks per provider and per check (from the per-note rows), with the billed dollars on
    notes where a check failed (what a reviewer could deny)."""

    def __init__(self) -> None:
        self.by_provider: dict[str, dict] = {}
        self.by_check: dict[str, int] = {}

    def add(self, rows: list[dict], metas: list[tuple[dict, dict]]) -> None:
        """``rows``: a chunk's rows; ``metas``: its per-note rows with their decoded facts."""
        billed_usd: dict[int, float] = {}
        for r in rows:
            if r["source"] == "notes" and r["billed_units"] and r["fee_usd"] is not None:
                billed_usd[r["row"]] = billed_usd.get(r["row"], 0.0) + float(r["fee_usd"]) * int(r["billed_units"])
        for r, meta in metas:
            failed = meta.get("doc_failed", [])
            e = self.by_provider.setdefault(r["provider"] or "unknown", {
                "notes": 0, "applicable": 0, "failed": 0, "notes_failing": 0, "exposed_usd": 0.0, "checks": {}})
            e["notes"] += 1
            e["applicable"] += int(meta.get("doc_applicable", 0))
            e["failed"] += len(failed)
            if failed:
                e["notes_failing"] += 1
                e["exposed_usd"] += billed_usd.get(r["row"], 0.0)
            for cid in failed:
                e["checks"][cid] = e["checks"].get(cid, 0) + 1
                self.by_check[cid] = self.by_check.get(cid, 0) + 1

    def result(self) -> dict:
        providers = []
        for name, e in sorted(self.by_provider.items()):
            score = None if not e["applicable"] else round(1 - e["failed"] / e["applicable"], 3)
            providers.append({"provider": name, "notes": e["notes"], "score": score,
                              "notes_failing": e["notes_failing"], "exposed_usd": round(e["exposed_usd"], 2),
                              "missing": dict(sorted(e["checks"].items(), key=lambda kv: -kv[1]))})
        providers.sort(key=lambda p: (p["score"] if p["score"] is not None else 2, p["provider"]))
        return {"by_provider": providers, "by_check": dict(sorted(self.by_check.items()))}
def _fact(r: dict, meta: dict) -> NoteFact:
    return NoteFact(r["row"], r["note_id"], r["patient_id"], r["date_of_service"], meta["kind"], meta["treated"],
                    meta.get("cert"), r["payer"], r["provider"])
# ----------------------------------------------------------------------------------------------- summary
class _Summary:
    """Streaming summary over findings chunks (bounded memory: per code/provider/month and a top-N heap)."""

    TOP = 25

    def __init__(self) -> None:
        self.by_status = {s: 0 for s in STATUSES}
        self.rows = 0
        self.notes = 0
        self.failed_notes = 0
        self.failed_charges = 0
        self.dollars = {k: 0.0 for k in ("missed", "under_billed", "over_billed", "unsupported", "modifier",
                                         "invalid_code")}
        self.unknown_impact = 0
        self.by_code: dict[str, list] = {}
        self.by_provider: dict[str, dict] = {}
        self.by_month: dict[str, dict] = {}
        self.heap: list = []
        self._seq = 0

    def add(self, frame) -> None:
        if frame is None or len(frame) == 0:
            return
        import pandas as pd

        self.rows += len(frame)
        for s, n in frame["status"].value_counts().items():
            self.by_status[s] = self.by_status.get(s, 0) + int(n)
        impact = pd.to_numeric(frame["impact_usd"], errors="coerce")
        status = frame["status"]
        self.unknown_impact += int((impact.isna() & status.isin(["missed", "unsupported", "units_over",
                                                                 "units_under", "modifier"])).sum())
        for key, st in (("missed", "missed"), ("under_billed", "units_under"), ("over_billed", "units_over"),
                        ("unsupported", "unsupported"), ("modifier", "modifier"), ("invalid_code", "invalid_code")):
            self.dollars[key] += float(impact[status == st].abs().sum())
        gain = impact.where(impact > 0, 0.0).fillna(0.0)
        loss = (-impact).where(impact < 0, 0.0).fillna(0.0)
        mask = status.isin(["missed", "units_under"])
        for code, grp in frame[mask].assign(_g=gain[mask]).groupby("code", dropna=True):
            entry = self.by_code.setdefault(str(code), [0, 0.0])
            entry[0] += len(grp)
            entry[1] += float(grp["_g"].sum())
        notes_mask = frame["source"] == "notes"
        self.failed_charges += int(frame.loc[(~notes_mask) & (status == "error"), "row"].nunique())
        nf = frame[notes_mask].assign(_g=gain[notes_mask], _l=loss[notes_mask],
                                      _issue=~status[notes_mask].isin(["supported"]))
        if len(nf) == 0:
            return
        month = nf["date_of_service"].map(lambda d: d[:7] if isinstance(d, str) and len(d) >= 7 else "unknown")
        provider = nf["provider"].map(lambda p: p if isinstance(p, str) and p else "unknown")
        nf = nf.assign(_month=month, _provider=provider)
        for note_row, grp in nf.groupby("row", sort=False):
            self.notes += 1
            statuses = grp["status"].tolist()
            if "error" in statuses:
                self.failed_notes += 1
            g, lo = float(grp["_g"].sum()), float(grp["_l"].sum())
            first = grp.iloc[0]
            for table, key in ((self.by_provider, first["_provider"]), (self.by_month, first["_month"])):
                e = table.setdefault(key, {"notes": 0, "notes_with_findings": 0, "missed_usd": 0.0, "at_risk_usd": 0.0,
                                           "missed": 0, "unsupported": 0, "errors": 0})
                e["notes"] += 1
                e["notes_with_findings"] += int(bool(grp["_issue"].any()))
                e["missed_usd"] += g
                e["at_risk_usd"] += lo
                e["missed"] += statuses.count("missed")
                e["unsupported"] += statuses.count("unsupported")
                e["errors"] += statuses.count("error")
            issues = int(grp["_issue"].sum())
            if issues:
                self._seq += 1
                item = (round(g + lo, 2), issues, -self._seq, {
                    "note_id": first["note_id"], "row": int(note_row), "provider": first["provider"],
                    "date_of_service": first["date_of_service"], "payer": first["payer"],
                    "missed_usd": round(g, 2), "at_risk_usd": round(lo, 2), "issues": issues,
                    "statuses": sorted({s for s in statuses if s != "supported"}),
                    "codes": sorted({str(c) for c, s in zip(grp["code"], statuses) if s != "supported" and c})})
                if len(self.heap) < self.TOP:
                    heapq.heappush(self.heap, item)
                else:
                    heapq.heappushpop(self.heap, item)

    def result(self) -> dict:
        d = {k: round(v, 2) for k, v in self.dollars.items()}
        d["recoverable"] = round(d["missed"] + d["under_billed"], 2)
        d["at_risk"] = round(d["over_billed"] + d["unsupported"] + d["modifier"] + d["invalid_code"], 2)
        d["rows_with_unknown_impact"] = self.unknown_impact

        def table(src: dict, name: str) -> list[dict]:
            return [{name: k, **{kk: (round(vv, 2) if isinstance(vv, float) else vv) for kk, vv in v.items()}}
                    for k, v in src.items()]

        return {
            "notes": self.notes, "findings": self.rows,
            "failed_rows": self.failed_notes + self.failed_charges,
            "failed_notes_rows": self.failed_notes, "failed_charges_rows": self.failed_charges,
            "by_status": self.by_status, "dollars": d,
            "missed_by_code": sorted(({"code": c, "findings": n, "missed_usd": round(u, 2)}
                                      for c, (n, u) in self.by_code.items()), key=lambda e: (-e["missed_usd"], e["code"])),
            "by_provider": sorted(table(self.by_provider, "provider"), key=lambda e: (-e["missed_usd"], e["provider"])),
            "by_month": sorted(table(self.by_month, "month"), key=lambda e: e["month"]),
            "top_notes": [item[3] for item in sorted(self.heap, reverse=True)],
        }
_STATUS_COLOURS = {"supported": "#4c9a6a", "missed": "#d08c1f", "unsupported": "#c0392b", "units_over": "#e35d4f",
                   "units_under": "#e0b33a", "modifier": "#8e6cc0", "invalid_code": "#7f8c8d", "error": "#34495e"}
def _usd(x) -> str:
    return f"${x:,.2f}" if x is not None else "-"
def _bars(items: list[tuple[str, float]], *, money: bool, colour: str = "#2f6db5", colours: dict | None = None,
          width: int = 640) -> str:
    """Horizontal bar chart as inline SVG."""
    if not items:
        return '<p class="muted">Nothing to show.</p>'
    label_w, row_h, value_w = 150, 24, 110
    top = max((v for _, v in items), default=0) or 1.0
    bar_w = width - label_w - value_w
    height = row_h * len(items) + 6
    parts = [f'<svg role="img" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
             'xmlns="http://www.w3.org/2000/svg">']
    for i, (label, value) in enumerate(items):
        y = i * row_h + 3
        w = max(1.0, bar_w * (value / top)) if value > 0 else 0
        fill = (colours or {}).get(label, colour)
        text = _usd(value) if money else f"{int(value):,}"
        parts.append(f'<text x="{label_w - 8}" y="{y + 16}" text-anchor="end" class="lbl">{escape(str(label))}</text>'
                     f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row_h - 8}" fill="{fill}" rx="2">'
                     f'<title>{escape(str(label))}: {escape(text)}</title></rect>'
                     f'<text x="{label_w + w + 6:.1f}" y="{y + 16}" class="val">{escape(text)}</text>')
    parts.append("</svg>")
    return "".join(parts)
def _columns(items: list[tuple[str, float, float]], width: int = 640) -> str:
    """Monthly column chart (recoverable and at-risk dollars side by side) as inline SVG."""
    if not items:
        return '<p class="muted">No dates of service.</p>'
    height, base, left = 220, 180, 60
    top = max(max(a, b) for _, a, b in items) or 1.0
    slot = (width - left - 10) / len(items)
    bw = max(2.0, min(18.0, slot / 2 - 2))
    parts = [f'<svg role="img" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
             'xmlns="http://www.w3.org/2000/svg">',
             f'<line x1="{left}" y1="{base}" x2="{width - 5}" y2="{base}" stroke="#999"/>',
             f'<text x="{left - 6}" y="14" text-anchor="end" class="val">{escape(_usd(top))}</text>']
    for i, (month, gain, loss) in enumerate(items):
        x = left + i * slot + slot / 2
        for j, (value, fill, what) in enumerate(((gain, "#d08c1f", "recoverable"), (loss, "#c0392b", "at risk"))):
            h = (base - 20) * value / top
            parts.append(f'<rect x="{x - bw + j * bw:.1f}" y="{base - h:.1f}" width="{bw - 1:.1f}" height="{h:.1f}" '
                         f'fill="{fill}"><title>{escape(month)} {what}: {escape(_usd(value))}</title></rect>')
        if len(items) <= 16 or i % max(1, len(items) // 12) == 0:
            parts.append(f'<text x="{x:.1f}" y="{base + 16}" text-anchor="middle" class="lbl">{escape(month)}</text>')
    parts.append("</svg>")
    return "".join(parts)
def _table(headers: list[str], rows: list[list]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{escape('' if c is None else str(c))}</td>" for c in r) + "</tr>"
                   for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
def render_html(summary: dict, *, title: str = "Billing audit") -> str:
    """A self-contained HTML report (open offline; no JavaScript, fonts or images from elsewhere)."""
    d = summary.get("dollars", {})
    by_status = summary.get("by_status", {})
    fees = summary.get("fees", {})
    cards = [("Notes audited", f"{summary.get('notes', 0):,}"),
             ("Recoverable (missed + under-billed)", _usd(d.get("recoverable", 0.0))),
             ("At risk (unsupported, over-billed, modifiers, invalid)", _usd(d.get("at_risk", 0.0))),
             ("Rows that failed", f"{summary.get('failed_rows', 0):,}")]
    card_html = "".join(f'<div class="card"><div class="big">{escape(v)}</div><div>{escape(k)}</div></div>'
                        for k, v in cards)
    status_chart = _bars([(s, float(n)) for s, n in by_status.items()], money=False, colours=_STATUS_COLOURS)
    code_chart = _bars([(e["code"], e["missed_usd"]) for e in summary.get("missed_by_code", [])[:15]], money=True,
                       colour="#d08c1f")
    prov = summary.get("by_provider", [])[:15]
    prov_chart = _bars([(e["provider"], e["missed_usd"]) for e in prov], money=True, colour="#d08c1f")
    month_chart = _columns([(e["month"], e["missed_usd"], e["at_risk_usd"]) for e in summary.get("by_month", [])
                            if e["month"] != "unknown"])
    top = _table(["note id", "row", "provider", "date of service", "payer", "recoverable", "at risk", "findings", "codes"],
                 [[n["note_id"], n["row"], n["provider"], n["date_of_service"], n["payer"], _usd(n["missed_usd"]),
                   _usd(n["at_risk_usd"]), ", ".join(n["statuses"]), ", ".join(n["codes"])]
                  for n in summary.get("top_notes", [])])
    prov_table = _table(["provider", "notes", "with findings", "missed", "unsupported", "errors", "recoverable",
                         "at risk"],
                        [[e["provider"], e["notes"], e["notes_with_findings"], e["missed"], e["unsupported"],
                          e["errors"], _usd(e["missed_usd"]), _usd(e["at_risk_usd"])] for e in prov])
    money_rows = [["missed charges", _usd(d.get("missed"))], ["under-billed units", _usd(d.get("under_billed"))],
                  ["over-billed units", _usd(d.get("over_billed"))], ["billed, not documented", _usd(d.get("unsupported"))],
                  ["modifier problems (denial risk)", _usd(d.get("modifier"))],
                  ["invalid codes", _usd(d.get("invalid_code"))],
                  ["findings with unknown dollar impact (no fee known)", f"{d.get('rows_with_unknown_impact', 0):,}"]]
    doc = summary.get("documentation") or {}
    doc_rows = [[e["provider"], e["notes"], "-" if e["score"] is None else f"{e['score']:.0%}", e["notes_failing"],
                 ", ".join(f"{k} x{v}" for k, v in list(e["missing"].items())[:4]) or "-", _usd(e["exposed_usd"])]
                for e in doc.get("by_provider", [])]
    doc_table = _table(["provider", "notes", "documentation score", "notes with a failed check",
                        "most often missing", "billed on those notes"], doc_rows) if doc_rows else \
        '<p class="muted">No documentation checks in this run.</p>'
    doc_chart = _bars([(k, float(v)) for k, v in sorted((doc.get("by_check") or {}).items())], money=False,
                      colour="#c0392b")
    warnings = "".join(f"<li>{escape(w)}</li>" for w in summary.get("warnings", []))
    thresholds = ", ".join(f"{y} ${v:,.0f}" for y, v in (fees.get("kx_thresholds") or {}).items())
    generated = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<style>
body{{font-family:-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;margin:24px auto;max-width:1000px;color:#222;padding:0 16px}}
h1{{font-size:1.6em;margin-bottom:4px}} h2{{font-size:1.2em;margin-top:32px;border-bottom:1px solid #ddd;padding-bottom:4px}}
.muted{{color:#777}} .cards{{display:flex;gap:12px;flex-wrap:wrap}}
.card{{flex:1 1 200px;border:1px solid #ddd;border-radius:6px;padding:12px;background:#fafafa}}
.big{{font-size:1.5em;font-weight:600}}
table{{border-collapse:collapse;width:100%;font-size:.9em}} th,td{{border-bottom:1px solid #eee;padding:4px 6px;text-align:left}}
th{{background:#f3f3f3}} svg .lbl{{font-size:12px;fill:#333}} svg .val{{font-size:11px;fill:#555}}
.warn{{background:#fff6e0;border:1px solid #f0d48a;padding:8px 12px;border-radius:6px}}
.legend span{{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px;vertical-align:middle}}
</style></head><body>
<h1>{escape(title)}</h1>
<p class="muted">Generated {escape(generated)} by suggester {escape(str(summary.get("suggester_version", "")))}.
Input: {escape(str((summary.get("input") or {}).get("notes", "")))}. Decision support, not a certified coder: review each
finding before changing a claim. Dollar figures are estimates ({escape(str(fees.get("label", "packaged")))}:
{escape(str(fees.get("schedule") or ""))} {escape(str(fees.get("year") or ""))}).</p>
{"<div class='warn'><ul>" + warnings + "</ul></div>" if warnings else ""}
<div class="cards">{card_html}</div>
<h2>Findings by status</h2>{status_chart}
<h2>Dollars</h2>{_table(["", "amount"], money_rows)}
<h2>Missed dollars by code</h2><p class="muted">Missed charges and under-billed units.</p>{code_chart}
<h2>By month</h2><p class="legend"><span style="background:#d08c1f"></span>recoverable<span style="background:#c0392b"></span>at risk</p>{month_chart}
<h2>By provider</h2>{prov_chart}{prov_table}
<h2>Documentation by provider</h2><p class="muted">Documentation checks (DOC201-DOC208: totals of minutes, signature,
supervision, skilled care, date, progress toward goals): the share of applicable checks passed, and the dollars billed on
notes where a check failed (what a reviewer could deny).</p><div id="documentation">{doc_table}</div>
<h3>Failed checks</h3>{doc_chart}
<h2>Notes to review first</h2><p class="muted">Largest dollar impact first (recoverable plus at risk).</p>{top}
<h2>About these numbers</h2>
<p class="muted">Fees: {escape(str(fees.get("source") or ""))}. CQ lines at {escape(str(fees.get("cq_factor", "")))} of the fee.
KX thresholds (calendar-year PT+SLP per Medicare patient): {escape(thresholds)}.
Statuses: supported, missed (documented, not billed), unsupported (billed, not documented), units_over, units_under,
modifier (missing or unjustified 59/X, CQ or KX), invalid_code, error (row not readable; see the findings file).</p>
</body></html>
"""
def render_text(summary: dict) -> str:
    """The plain summary printed at the end of ``suggester audit``."""
    d = summary.get("dollars", {})
    st = summary.get("by_status", {})
    counts = ", ".join(f"{k} {v:,}" for k, v in st.items() if v)
    rate = summary.get("notes_per_second")
    lines = [f"Audited {summary.get('notes', 0):,} notes ({summary.get('findings', 0):,} findings) in "
             f"{summary.get('seconds', 0):.1f} s" + (f" ({rate:,.1f} notes/s)" if rate else "") + ".",
             f"Statuses: {counts or 'none'}.",
             f"Recoverable (missed + under-billed): {_usd(d.get('recoverable', 0.0))}; at risk: {_usd(d.get('at_risk', 0.0))}"
             + (f"; {d['rows_with_unknown_impact']:,} findings with no known fee" if d.get("rows_with_unknown_impact")
                else "") + "."]
    top_codes = summary.get("missed_by_code", [])[:5]
    if top_codes:
        lines.append("Top missed codes: " + ", ".join(f"{e['code']} {_usd(e['missed_usd'])}" for e in top_codes) + ".")
    if summary.get("resumed_chunks"):
        lines.append(f"Resumed: {summary['resumed_chunks']} chunk(s) from the interrupted run were reused.")
    return "\n".join(lines)

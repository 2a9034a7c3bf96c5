"""The review report: acceptance per code, provider and model version; the most corrected codes; missed-charge
dollars found and recovered per month; each model version's gate."""

from __future__ import annotations

import json

__all__ = ["build_report", "model_gate"]


def build_report(its, fnd, n_decisions: int) -> dict:
    def rate(group: dict) -> dict:
        decided = group["accepted"] + group["changed"] + group["rejected"]
        return dict(group, decided=decided,
                    acceptance_rate=None if not decided else round((group["accepted"] + group["changed"]) / decided, 3))

    def blank() -> dict:
        return {"suggested": 0, "pending": 0, "accepted": 0, "changed": 0, "rejected": 0, "added": 0}

    by = {"code": {}, "provider": {}, "model_version": {}}
    for code, source, status, model, provider in its:
        for dim, key in (("code", code), ("provider", provider or "(none)"), ("model_version", model or "(reviewer)")):
            g = by[dim].setdefault(key, blank())
            if source == "engine":
                g["suggested"] += 1
                g[status] += 1
            else:
                g["added"] += 1
    out = {dim: [dict(rate(g), **{dim: k}) for k, g in sorted(groups.items())] for dim, groups in by.items()}
    corrected = sorted(({"code": r["code"], "corrections": r["rejected"] + r["changed"] + r["added"],
                         "rejected": r["rejected"], "changed": r["changed"], "added": r["added"]}
                        for r in out["code"]), key=lambda r: (-r["corrections"], r["code"]))
    months: dict[str, dict] = {}
    for status, resolution, impact, dos, resolved_at, run_at in fnd:
        if status != "missed" or impact is None:
            continue
        month = (dos or run_at.date()).strftime("%Y-%m")
        m = months.setdefault(month, {"month": month, "missed_found_usd": 0.0, "missed_recovered_usd": 0.0,
                                      "missed_open_usd": 0.0, "missed_dismissed_usd": 0.0, "findings": 0})
        m["findings"] += 1
        m["missed_found_usd"] += impact
        key = {"corrected": "missed_recovered_usd", "open": "missed_open_usd", "confirmed": "missed_open_usd",
               "dismissed": "missed_dismissed_usd"}[resolution]
        m[key] += impact
    timeline = [{k: round(v, 2) if isinstance(v, float) else v for k, v in m.items()} for _, m in sorted(months.items())]
    decided = sum(r["decided"] for r in out["code"])
    accepted = sum(r["accepted"] + r["changed"] for r in out["code"])
    return {"decisions": n_decisions, "suggested": sum(r["suggested"] for r in out["code"]),
            "acceptance_rate": None if not decided else round(accepted / decided, 3),
            "by_code": out["code"], "by_provider": out["provider"], "by_model_version": out["model_version"],
            "most_corrected": [c for c in corrected if c["corrections"]][:10], "missed_charges": timeline,
            "missed_found_usd": round(sum(m["missed_found_usd"] for m in timeline), 2),
            "missed_recovered_usd": round(sum(m["missed_recovered_usd"] for m in timeline), 2)}


def model_gate(version: str, status: str, gate_json: str) -> dict:
    gate = json.loads(gate_json)
    fig = gate.get("figures", {})
    return {"version": version, "status": status, "gate_passed": gate.get("passed"), "reasons": gate.get("reasons", []),
            "holdout_micro_f1": {k: (fig.get(k) or {}).get("holdout_micro_f1") for k in ("current", "candidate")},
            "clinic_micro_f1": {k: ((fig.get(k) or {}).get("clinic") or {}).get("micro_f1")
                                for k in ("current", "candidate")}}

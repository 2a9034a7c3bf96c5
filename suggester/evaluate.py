"""Score the engine on labelled notes (JSONL: id, text, payer, gold [{code, minutes, units}])."""

from __future__ import annotations

import json
from pathlib import Path

from .errors import InputError

__all__ = ["evaluate", "evaluate_audit", "load_gold", "score_sets"]


def load_gold(path: str | Path) -> list[dict]:
    """Read an evaluation JSONL file; a malformed line is an InputError naming the line."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"No such evaluation file: {path}.")
    notes = []
    for lineno, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
            if not isinstance(rec["text"], str) or not isinstance(rec["gold"], list):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            raise InputError(f"{path.name} line {lineno}: expected JSON with 'text' (str) and 'gold' (list).") from None
        rec.setdefault("id", f"line-{lineno}")
        rec.setdefault("payer", "medicare")
        notes.append(rec)
    return notes


def score_sets(gold: list[set], pred: list[set]) -> dict:
    """Micro/macro precision, recall, F1, exact-set accuracy and a per-code table for code sets."""
    codes = sorted(set().union(*gold, *pred)) if gold or pred else []
    per = {}
    tp_all = fp_all = fn_all = 0
    for c in codes:
        tp = sum(1 for g, p in zip(gold, pred) if c in g and c in p)
        fp = sum(1 for g, p in zip(gold, pred) if c not in g and c in p)
        fn = sum(1 for g, p in zip(gold, pred) if c in g and c not in p)
        tp_all, fp_all, fn_all = tp_all + tp, fp_all + fp, fn_all + fn
        pr = tp / (tp + fp) if tp + fp else 0.0
        rc = tp / (tp + fn) if tp + fn else 0.0
        per[c] = {"tp": tp, "fp": fp, "fn": fn, "precision": round(pr, 4), "recall": round(rc, 4),
                  "f1": round(2 * pr * rc / (pr + rc), 4) if pr + rc else 0.0, "support": tp + fn}
    p = tp_all / (tp_all + fp_all) if tp_all + fp_all else 0.0
    r = tp_all / (tp_all + fn_all) if tp_all + fn_all else 0.0
    supported = [v for v in per.values() if v["support"]]
    return {
        "n_notes": len(gold), "micro_precision": round(p, 4), "micro_recall": round(r, 4),
        "micro_f1": round(2 * p * r / (p + r), 4) if p + r else 0.0,
        "macro_precision": round(sum(v["precision"] for v in supported) / len(supported), 4) if supported else 0.0,
        "macro_recall": round(sum(v["recall"] for v in supported) / len(supported), 4) if supported else 0.0,
        "macro_f1": round(sum(v["f1"] for v in supported) / len(supported), 4) if supported else 0.0,
        "exact_set_accuracy": round(sum(1 for g, p in zip(gold, pred) if g == p) / len(gold), 4) if gold else 0.0,
        "per_code": per,
    }


def evaluate(engine, notes: list[dict], *, top_k: int = 3) -> dict:
    """Run ``engine.suggest`` on every note and score recommended codes against gold."""
    gold_sets, pred_sets, errors, unit_checks, topk_hits, topk_total = [], [], [], [], 0, 0
    no_code_ok = no_code_total = 0
    for note in notes:
        result = engine.suggest(note["text"], note.get("payer", "medicare"))
        gold = {g["code"] for g in note["gold"]}
        pred = set(result.codes)
        gold_sets.append(gold)
        pred_sets.append(pred)
        if not gold:
            no_code_total += 1
            no_code_ok += not pred
        ranked = [s.code for s in result.suggestions]
        for g in gold:
            topk_total += 1
            topk_hits += g in ranked[: max(top_k, len(gold))]
        by_code = {s.code: s for s in result.suggestions if s.recommended}
        for g in note["gold"]:
            if g.get("units") is not None and g.get("minutes") is not None and g["code"] in by_code:
                unit_checks.append({"id": note["id"], "code": g["code"], "gold_units": g["units"],
                                    "pred_units": by_code[g["code"]].units, "gold_minutes": g["minutes"],
                                    "pred_minutes": by_code[g["code"]].minutes})
        for code in sorted(pred - gold):
            s = by_code[code]
            errors.append({"id": note["id"], "type": "false_positive", "code": code, "confidence": round(s.confidence, 3),
                           "evidence": [e.to_dict() for e in s.evidence]})
        for code in sorted(gold - pred):
            cand = next((s for s in result.suggestions if s.code == code), None)
            nc = [n.to_dict() for n in result.not_counted if n.code == code]
            errors.append({"id": note["id"], "type": "false_negative", "code": code,
                           "confidence": round(cand.confidence, 3) if cand else 0.0,
                           "evidence": [e.to_dict() for e in cand.evidence] if cand else [], "not_counted": nc})
    report = score_sets(gold_sets, pred_sets)
    report["top_k"] = top_k
    report["top_k_recall"] = round(topk_hits / topk_total, 4) if topk_total else 0.0
    report["no_code_notes"] = no_code_total
    report["no_code_notes_clean"] = no_code_ok
    report["units_checked"] = len(unit_checks)
    report["units_exact"] = sum(1 for u in unit_checks if u["gold_units"] == u["pred_units"])
    report["units_exact_rate"] = round(report["units_exact"] / len(unit_checks), 4) if unit_checks else 0.0
    report["unit_mismatches"] = [u for u in unit_checks if u["gold_units"] != u["pred_units"]]
    report["errors"] = errors
    return report


def evaluate_audit(notes: list[dict], *, engine=None, seed: int = 0, remove_rate: float = 0.5,
                   add_rate: float = 0.5) -> dict:
    """Score the batch audit on labelled notes with deliberately wrong billing.

    Each note is billed its gold codes (and units); then, at random (fixed ``seed``), one billable gold
    code is removed from some notes and one code not in gold is added to others. The audit should report
    the removed codes as ``missed`` and the added ones as ``unsupported``.

    Parameters
    ----------
    notes : list of dict
        From :func:`load_gold`.
    engine : Suggester, optional
    seed : int
    remove_rate, add_rate : float
        Share of notes that lose a billed code / get an extra one.

    Returns
    -------
    dict
        ``missed`` and ``unsupported``: precision, recall, tp, fp, fn; ``removed``/``added`` counts;
        ``false_missed``/``false_unsupported`` lists of (note id, code) for error analysis.
    """
    import random

    import pandas as pd

    from .audit import audit
    from .catalogue import load_catalogue

    cat = engine.catalogue if engine is not None else load_catalogue()
    rng = random.Random(seed)
    pool = sorted({g["code"] for n in notes for g in n["gold"]})
    rows, removed, added = [], set(), set()
    for n in notes:
        medicare = n.get("payer", "medicare") in ("medicare", "medicare_advantage")
        billed = {g["code"]: g.get("units") for g in n["gold"] if g.get("units") != 0}
        removable = sorted(c for c in billed
                           if not (medicare and cat[c].medicare_coverage in ("bundled", "non_covered")))
        if removable and rng.random() < remove_rate:
            code = rng.choice(removable)
            del billed[code]
            removed.add((n["id"], code))
        if rng.random() < add_rate:
            gold = {g["code"] for g in n["gold"]}
            choices = [c for c in pool if c not in gold and not (medicare and cat[c].medicare_coverage != "covered")
                       and not (not medicare and c.startswith("G"))]
            code = rng.choice(choices)
            billed[code] = None
            added.add((n["id"], code))
        entries = [c if not u or u == 1 else f"{c}x{u}" for c, u in billed.items()]
        rows.append({"note_id": n["id"], "text": n["text"], "payer": n.get("payer", "medicare"),
                     "billed": ";".join(entries)})
    findings = audit(pd.DataFrame(rows), engine=engine)
    got = {s: {(r.note_id, r.code) for r in findings.itertuples() if r.status == s} for s in ("missed", "unsupported")}

    def score(pred: set, truth: set) -> dict:
        tp = len(pred & truth)
        p = tp / len(pred) if pred else 0.0
        r = tp / len(truth) if truth else 0.0
        return {"precision": round(p, 4), "recall": round(r, 4), "tp": tp, "fp": len(pred - truth),
                "fn": len(truth - pred)}

    return {"notes": len(notes), "removed": len(removed), "added": len(added),
            "missed": score(got["missed"], removed), "unsupported": score(got["unsupported"], added),
            "false_missed": sorted(got["missed"] - removed), "false_unsupported": sorted(got["unsupported"] - added),
            "not_found_missed": sorted(removed - got["missed"]),
            "not_found_unsupported": sorted(added - got["unsupported"]),
            "errors": int((findings["status"] == "error").sum())}


def evaluate_minutes(engine, cases: list[dict]) -> dict:
    """Score minute attribution and units on cases of the form
    ``{"id", "payer", "text", "expected": [{"code", "minutes", "units_cms", "units_ama"}]}``.

    Every case runs under a Medicare payer (pooled method) and a commercial payer (per-code AMA rule);
    unattended e-stim is G0283 for the one and 97014 for the other. A pair is right when the code is
    recommended with exactly the expected minutes (None = no minutes) and, separately, units.
    """
    twin = {"G0283": "97014", "97014": "G0283"}
    rows = []
    for case in cases:
        by_method = {}
        for method, payer in (("cms", "medicare"), ("ama", "commercial")):
            result = engine.suggest(case["text"], payer)
            by_method[method] = {s.code: s for s in result.recommended}
        for exp in case["expected"]:
            row = {"id": case["id"], "family": case.get("family", ""), "style": case.get("style", ""), "code": exp["code"]}
            for method in ("cms", "ama"):
                found = by_method[method]
                s = found.get(exp["code"]) or found.get(twin.get(exp["code"], ""))
                row[f"found_{method}"] = s is not None
                row[f"minutes_{method}"] = s.minutes if s else None
                row[f"units_{method}"] = s.units if s else None
                row[f"units_{method}_ok"] = s is not None and s.units == exp[f"units_{method}"]
            case_payer = "cms" if case.get("payer", "medicare") == "medicare" else "ama"
            row["expected_minutes"] = exp["minutes"]
            row["minutes_ok"] = row[f"found_{case_payer}"] and row[f"minutes_{case_payer}"] == exp["minutes"]
            rows.append(row)
    n = len(rows)
    rate = lambda key: round(sum(r[key] for r in rows) / n, 4) if n else 0.0  # noqa: E731
    families: dict[str, list[dict]] = {}
    for r in rows:
        families.setdefault(r["family"], []).append(r)
    return {"pairs": n, "minutes_exact": rate("minutes_ok"), "units_exact_cms": rate("units_cms_ok"),
            "units_exact_ama": rate("units_ama_ok"),
            "codes_found": round(sum(r["found_cms"] for r in rows) / n, 4) if n else 0.0,
            "by_family": {f: {"pairs": len(rs), "minutes_exact": round(sum(r["minutes_ok"] for r in rs) / len(rs), 4)}
                          for f, rs in sorted(families.items())},
            "errors": [r for r in rows if not (r["minutes_ok"] and r["units_cms_ok"] and r["units_ama_ok"])]}

"""Score the engine on labelled notes (JSONL: id, text, payer, gold [{code, minutes, units}])."""

from __future__ import annotations

import json
from pathlib import Path

from .errors import InputError

__all__ = ["evaluate", "load_gold", "score_sets"]


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

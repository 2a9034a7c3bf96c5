"""Report kinds: does the engine tell an initial evaluation, a re-evaluation, a progress report, a discharge
summary and a daily note apart from their content, and bill the right evaluation code?

Two synthetic sets written by helper authors who never saw the rules (training_data/report_kinds/): the
dev set guided rule changes; the hold-out is measured, never tuned on. Writes bench/report_kinds_results.md.

    python bench/report_kinds.py
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from suggester import Suggester  # noqa: E402

KINDS = ("initial_evaluation", "re_evaluation", "progress", "discharge", "treatment")
SETS = (("dev (rules were tuned on it)", "dev_notes.jsonl"), ("hold-out (never tuned on)", "holdout_notes.jsonl"))
EVAL_CODES = {"97161", "97162", "97163", "97164"}


def measure(engine: Suggester, notes: list[dict]) -> dict:
    """Kind accuracy, the confusion counts, and the evaluation code billed against the author's."""
    confusion: Counter = Counter()
    code_exact = evals = eval_coded = wrong_code_elsewhere = 0
    for n in notes:
        result = engine.suggest(n["text"])
        kind = (result.report or {}).get("kind", "treatment")
        confusion[(n["kind"], kind)] += 1
        billed = sorted(c for c in result.codes if c in EVAL_CODES)
        if n.get("eval_code"):
            evals += 1
            eval_coded += bool(billed)
            code_exact += billed == [n["eval_code"]]
        elif billed:
            wrong_code_elsewhere += 1
    total = sum(confusion.values())
    return {"notes": total, "kind_accuracy": sum(v for (g, k), v in confusion.items() if g == k) / total if total else 0.0,
            "confusion": confusion, "evals": evals, "eval_coded": eval_coded, "code_exact": code_exact,
            "eval_code_on_other": wrong_code_elsewhere, "others": total - evals}


def summarise(name: str, r: dict) -> list[str]:
    out = [f"\n## {name}: {r['notes']} notes\n",
           f"Kind accuracy **{r['kind_accuracy']:.3f}**; evaluation reports billed an evaluation code "
           f"{r['eval_coded']}/{r['evals']}, exact code {r['code_exact']}/{r['evals']}; "
           f"other notes billed an evaluation code {r['eval_code_on_other']}/{r['others']}.\n",
           "| author's kind | " + " | ".join(k.replace("_", " ") for k in KINDS) + " |",
           "|---|" + "---|" * len(KINDS)]
    for g in KINDS:
        out.append(f"| {g.replace('_', ' ')} | " + " | ".join(str(r["confusion"].get((g, k), 0)) for k in KINDS) + " |")
    return out


def main() -> None:
    engine = Suggester()
    out = ["# Report kinds\n",
           "Synthetic documents by helper authors who never saw the rules (initial evaluations with varied or "
           "misleading titles, letters to physicians, progress reports, re-evaluations, discharge summaries, daily "
           "notes with evaluation-like templates). Rows: the author's kind; columns: the engine's. "
           "Command: `python bench/report_kinds.py`."]
    for name, file in SETS:
        path = ROOT / "training_data" / "report_kinds" / file
        if path.is_file():
            notes = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
            out += summarise(name, measure(engine, notes))
    (ROOT / "bench" / "report_kinds_results.md").write_text("\n".join(out) + "\n", "utf-8")
    print("\n".join(out))


if __name__ == "__main__":
    main()

"""Minute attribution on the independent minutes test set (tests/data/minutes_cases.jsonl) and unit
accuracy on dev, dev2, the real-style twins and the hold-out. Writes bench/minutes_results.md.

    python bench/minutes_cases.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from suggester import Suggester  # noqa: E402
from suggester.evaluate import evaluate, evaluate_minutes, load_gold  # noqa: E402


def main() -> None:
    engine = Suggester()
    cases = [json.loads(line) for line in (ROOT / "tests" / "data" / "minutes_cases.jsonl").read_text().splitlines()
             if line.strip()]
    r = evaluate_minutes(engine, cases)
    out = ["# Minutes and units\n",
           f"Minutes test set: {len(cases)} notes, {r['pairs']} (code, minutes) pairs, written by an author who read only "
           "the failure families and the unit rules. Command: `python bench/minutes_cases.py`.\n",
           "| measure | value | target |", "|---|---|---|",
           f"| minutes per code exactly right | {r['minutes_exact']:.3f} | 0.97 |",
           f"| units exact, Medicare pooled method | {r['units_exact_cms']:.3f} | 0.97 |",
           f"| units exact, AMA per-code rule | {r['units_exact_ama']:.3f} | 0.97 |",
           f"| code found at all | {r['codes_found']:.3f} | - |",
           "\n| family | pairs | minutes exact |", "|---|---|---|"]
    for fam, v in r["by_family"].items():
        out.append(f"| {fam} | {v['pairs']} | {v['minutes_exact']:.3f} |")
    out += ["\n## Units on the note sets (codes found with gold minutes)\n", "| set | units exact |", "|---|---|"]
    for name, path in (("dev", "dev/dev_notes.jsonl"), ("dev2", "dev2/dev2_notes.jsonl"),
                       ("real-style dev", "real_style/dev_notes.jsonl"), ("hold-out", "holdout/holdout_notes.jsonl")):
        e = evaluate(engine, load_gold(ROOT / "training_data" / path))
        rate = e["units_exact"] / e["units_checked"] if e["units_checked"] else 0.0
        out.append(f"| {name} | {e['units_exact']}/{e['units_checked']} ({rate:.1%}) |")
    (ROOT / "bench" / "minutes_results.md").write_text("\n".join(out) + "\n")
    print("\n".join(out))


if __name__ == "__main__":
    main()

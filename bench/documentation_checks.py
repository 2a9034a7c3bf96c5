"""Documentation checks (DOC201-DOC208) against test cases written by an author who never saw the rules.

    python bench/documentation_checks.py      # -> bench/documentation_results.md

A check's finding is a "fail": precision = failures found that the author also marked failed / all failures
found; recall = the author's failures that were found. "n/a" counts as not failed. Agreement = the share of
cases where pass/fail/n-a is exactly the author's.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from suggester import Suggester  # noqa: E402

CASES = ROOT / "tests" / "data" / "documentation_cases.jsonl"


def score(engine, cases: list[dict]) -> tuple[dict, list]:
    counts: dict[str, Counter] = {}
    errors = []
    for case in cases:
        report, _ = engine.check(case["text"], case.get("payer", "medicare"))
        got = {c.id: c.status for c in report.checks}
        for cid, want in case["expected"].items():
            c = counts.setdefault(cid, Counter())
            have = got.get(cid, "n/a")
            c["cases"] += 1
            c["agree"] += have == want
            c["tp"] += have == "fail" and want == "fail"
            c["fp"] += have == "fail" and want != "fail"
            c["fn"] += have != "fail" and want == "fail"
            c["gold_fail"] += want == "fail"
            if have != want:
                errors.append((case["id"], cid, want, have, case.get("style", "")))
    out = {}
    for cid, c in sorted(counts.items()):
        p = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 1.0
        r = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 1.0
        out[cid] = {"precision": p, "recall": r, "agreement": c["agree"] / c["cases"], "failures": c["gold_fail"],
                    "cases": c["cases"]}
    return out, errors


def is_analysis_half(case: dict) -> bool:
    """Odd-numbered cases were read for error analysis; even-numbered ones never were (the honest figure)."""
    return int("".join(ch for ch in case["id"] if ch.isdigit()) or 0) % 2 == 1


def main() -> None:
    cases = [json.loads(line) for line in CASES.read_text(encoding="utf-8").splitlines() if line.strip()]
    engine = Suggester()
    figures, errors = score(engine, cases)
    halves = {"read (odd ids)": score(engine, [c for c in cases if is_analysis_half(c)])[0],
              "never read (even ids)": score(engine, [c for c in cases if not is_analysis_half(c)])[0]}
    lines = ["# Documentation checks", "",
             f"Run {dt.date.today().isoformat()}. {len(cases)} notes in `tests/data/documentation_cases.jsonl`, written by "
             "an author who read only the check definitions and the CMS facts, never the rules. Command: "
             "`python bench/documentation_checks.py`. The odd-numbered cases were read for error analysis while the "
             "rules were improved; the even-numbered ones never were, so their figures are the honest ones.", "",
             "| check | failures (gold) | precision | recall | agreement | P / R on cases never read |",
             "|---|---|---|---|---|---|"]
    for cid, v in figures.items():
        h = halves["never read (even ids)"][cid]
        lines.append(f"| {cid} | {v['failures']} | {v['precision']:.3f} | {v['recall']:.3f} | {v['agreement']:.3f} | "
                     f"{h['precision']:.3f} / {h['recall']:.3f} |")
    by = Counter((cid, want, have) for _, cid, want, have, _ in errors)
    lines += ["", "Disagreements (check, author, engine: count): " +
              (", ".join(f"{c} {w}->{h}: {n}" for (c, w, h), n in sorted(by.items())) or "none"), ""]
    (ROOT / "bench" / "documentation_results.md").write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))
    if "--errors" in sys.argv:
        for e in errors:
            print(*e)


if __name__ == "__main__":
    main()

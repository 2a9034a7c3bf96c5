"""Adaptation curve: how much correcting 10, 20 and 40 notes of one style helps on the rest of that style.

The style is the real-style twins (``training_data/real_style``: notes written in the shape of published real
PT notes, where the shipped model does worst). Their note-level gold codes stand for a clinic's corrections;
only the note text and its final codes are used (the same path as ``suggester train --corrections``: segments
labelled through the engine's evidence alignment). The notes are shuffled once (seed 0); the first 40 are the
correction pool (10 and 20 are its prefixes), every other note is the fixed evaluation set. Each candidate is
also measured on the project hold-out.

    .venv/bin/python bench/adaptation.py            # -> bench/adaptation_results.md (about 6 minutes)
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "adaptation_results.md"


def _twins() -> list[dict]:
    notes = []
    for path in sorted((ROOT / "training_data" / "real_style").glob("*.jsonl")):
        for line in path.read_text("utf-8").splitlines():
            if line.strip():
                rec = json.loads(line)
                notes.append({"id": rec["id"], "text": rec["text"], "payer": rec.get("payer", "medicare"),
                              "gold": rec["gold"]})
    return notes


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10,20,40")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from suggester.engine import Suggester
    from suggester.evaluate import evaluate, load_gold
    from suggester.learning import Correction, config, train_candidate

    sizes = [int(s) for s in args.sizes.split(",")]
    notes = _twins()
    random.Random(args.seed).shuffle(notes)
    pool, rest = notes[:max(sizes)], notes[max(sizes):]
    holdout = load_gold(ROOT / "training_data" / "holdout" / "holdout_notes.jsonl")
    shipped = Suggester()
    rows = []

    def measure(name, eng, k, seconds=None):
        style = evaluate(eng, rest)
        ho = evaluate(eng, holdout)
        rows.append({"model": name, "corrected": k, "style_f1": style["micro_f1"], "style_p": style["micro_precision"],
                     "style_r": style["micro_recall"], "holdout_f1": ho["micro_f1"], "train_s": seconds})
        print(rows[-1], flush=True)

    measure("shipped", shipped, 0)
    with tempfile.TemporaryDirectory() as tmp:
        for k in sizes:
            corr = [Correction(n["id"], n["text"], n["payer"], {g["code"]: g.get("units") for g in n["gold"]})
                    for n in pool[:k]]
            t0 = time.perf_counter()
            train_candidate(corr, Path(tmp) / f"k{k}", engine=shipped, data_dir=ROOT / "training_data")
            measure(f"adapted on {k}", Suggester(Path(tmp) / f"k{k}"), k, round(time.perf_counter() - t0))
    base = rows[0]
    lines = ["# Adaptation to a clinic's corrections", "",
             f"`.venv/bin/python bench/adaptation.py` (seed {args.seed}). Style: the real-style twins "
             f"({len(notes)} notes); corrections are the first k of one shuffled order, evaluation is the other "
             f"{len(rest)} notes (the same for every k). Segment weight {config()['segment_weight']} "
             "(resources/learning.json, set before this run). Micro-F1 of recommended codes against gold.", "",
             "| model | corrected notes | style micro-F1 (P / R) | change | project hold-out micro-F1 | change | train s |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['model']} | {r['corrected']} | {r['style_f1']:.3f} ({r['style_p']:.3f} / {r['style_r']:.3f}) "
                     f"| {100 * (r['style_f1'] - base['style_f1']):+.1f} pts | {r['holdout_f1']:.3f} | "
                     f"{100 * (r['holdout_f1'] - base['holdout_f1']):+.1f} pts | {r['train_s'] or ''} |")
    report = "\n".join(lines) + "\n"
    print(report)
    if not args.no_write:
        OUT.write_text(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Adaptation curve: how much correcting 10, 20 and 40 notes of one style helps on the rest of that style.

Two styles, each a set the shipped model does worse on than on its own notes:
- ``clinic``: 110 notes of one fictional clinic in one house style (its own template, shorthand and program
  names), written by an author who never saw the engine (``training_data/clinic_style/notes.jsonl``): the
  situation the feature is for, one clinic correcting its own notes;
- ``twins``: the real-style twins (``training_data/real_style``), shaped after 47 different published real
  notes: many styles at once, so correcting some says little about the others.
Note-level gold codes stand for a clinic's corrections; only each note's text and final codes are used (the same
path as ``suggester train --corrections``: segments labelled through the engine's evidence alignment, the
clinic's own phrases learned from them). The notes are shuffled once (seed 0); the first 40 are the correction
pool (10 and 20 are its prefixes), every other note is the fixed evaluation set. Each candidate is also measured
on the project hold-out. Nothing here was tuned on these evaluation notes: the learning settings in
resources/learning.json were fixed before the clinic set existed.

    .venv/bin/python bench/adaptation.py                  # both styles -> bench/adaptation_results.md (~15 min)
    .venv/bin/python bench/adaptation.py --styles clinic --no-write
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


def _load(style: str) -> list[dict]:
    paths = (sorted((ROOT / "training_data" / "real_style").glob("*.jsonl")) if style == "twins"
             else [ROOT / "training_data" / "clinic_style" / "notes.jsonl"])
    notes = []
    for path in paths:
        for line in path.read_text("utf-8").splitlines():
            if line.strip():
                rec = json.loads(line)
                notes.append({"id": rec["id"], "text": rec["text"], "payer": rec.get("payer", "medicare"),
                              "gold": rec["gold"]})
    return notes


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10,20,40")
    ap.add_argument("--styles", default="clinic,twins")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from suggester.engine import Suggester
    from suggester.evaluate import evaluate, load_gold
    from suggester.learning import Correction, config, train_candidate

    sizes = [int(s) for s in args.sizes.split(",")]
    holdout = load_gold(ROOT / "training_data" / "holdout" / "holdout_notes.jsonl")
    shipped = Suggester()
    lines = ["# Adaptation to a clinic's corrections", "",
             f"`.venv/bin/python bench/adaptation.py` (seed {args.seed}): how much correcting 10, 20 and 40 notes of "
             "one style helps on the rest of that style. For each "
             "style, the corrections are the first k notes of one shuffled order and the evaluation set is every "
             f"other note (the same for every k). Segment weight {config()['segment_weight']}, phrases from at least "
             f"{config()['phrase_min_notes']} notes (resources/learning.json). Micro-F1 of recommended codes "
             "against gold; the project hold-out is the gate's set.", ""]
    for style in args.styles.split(","):
        notes = _load(style)
        random.Random(args.seed).shuffle(notes)
        pool, rest = notes[:max(sizes)], notes[max(sizes):]
        rows = []

        def measure(name, eng, k, seconds=None, phrases=None, sections=None):
            st = evaluate(eng, rest)
            ho = evaluate(eng, holdout)
            rows.append({"model": name, "corrected": k, "style_f1": st["micro_f1"], "style_p": st["micro_precision"],
                         "style_r": st["micro_recall"], "holdout_f1": ho["micro_f1"], "train_s": seconds,
                         "phrases": phrases, "sections": sections})
            print(style, rows[-1], flush=True)

        measure("shipped", shipped, 0)
        with tempfile.TemporaryDirectory() as tmp:
            for k in sizes:
                corr = [Correction(n["id"], n["text"], n["payer"], {g["code"]: g.get("units") for g in n["gold"]})
                        for n in pool[:k]]
                t0 = time.perf_counter()
                card = train_candidate(corr, Path(tmp) / f"k{k}", engine=shipped, data_dir=ROOT / "training_data")
                measure(f"adapted on {k}", Suggester(Path(tmp) / f"k{k}"), k, round(time.perf_counter() - t0),
                        card.get("clinic_phrases"), card.get("clinic_sections"))
        base = rows[0]
        lines += [f"## {style}: {len(notes)} notes, {len(rest)} evaluated", "",
                  "| model | corrected notes | style micro-F1 (P / R) | change | project hold-out micro-F1 | change | "
                  "phrases / headers learned | train s |", "|---|---|---|---|---|---|---|---|"]
        for r in rows:
            learned = "" if r["phrases"] is None else f"{len(r['phrases'])} / {len(r['sections'] or {})}"
            lines.append(f"| {r['model']} | {r['corrected']} | {r['style_f1']:.3f} ({r['style_p']:.3f} / "
                         f"{r['style_r']:.3f}) | {100 * (r['style_f1'] - base['style_f1']):+.1f} pts | "
                         f"{r['holdout_f1']:.3f} | {100 * (r['holdout_f1'] - base['holdout_f1']):+.1f} pts | "
                         f"{learned} | {r['train_s'] or ''} |")
        last = rows[-1]
        if last["phrases"]:
            lines += ["", f"Phrases learned from {last['corrected']} notes: " +
                      ", ".join(f"`{p}` -> {c}" for p, c in sorted(last["phrases"].items())) + "."]
        if last["sections"]:
            lines += ["", f"Line headers learned from {last['corrected']} notes (read as not performed): " +
                      ", ".join(f"`{h}`" for h in sorted(last["sections"])) + "."]
        lines.append("")
    report = "\n".join(lines) + "\n"
    print(report)
    if not args.no_write:
        OUT.write_text(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

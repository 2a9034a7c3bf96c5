"""Real-world dev table: published PT/PTA/OT notes, scored against our gold labels.

The notes' text is never in the repository (the project holds only its own writing). Their URLs, our gold
labels and what the engine got are in ``training_data/real/SOURCES.tsv``. With the texts available locally
(``--texts DIR`` holding ``<id>.txt``, or ``SUGGESTER_REAL_TEXTS``), this script runs the engine, records
its codes in the table and writes ``bench/real_results.md``; without them it reports the recorded results.

    python bench/real_notes.py --texts ../real_notes/texts          # run and record
    python bench/real_notes.py                                      # report what is recorded

Scoring: *lenient* counts the three initial-evaluation levels (97161-97163) as one code; *strict* does not.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from suggester.evaluate import score_sets  # noqa: E402

TABLE = ROOT / "training_data" / "real" / "SOURCES.tsv"
LEVELS = {"97161", "97162", "97163"}
RECORDED = ["engine_codes", "engine_eval", "engine_kind"]


def _codes(cell: str) -> set[str]:
    return {c.strip() for c in (cell or "").replace(",", ";").split(";") if c.strip()}


def lenient(codes: set[str]) -> set[str]:
    return {"9716x" if c in LEVELS else c for c in codes}


def read_table(path: Path = TABLE) -> tuple[list[str], list[dict]]:
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh, delimiter="\t")
        return list(reader.fieldnames or []), list(reader)


def write_table(fields: list[str], rows: list[dict], path: Path = TABLE) -> None:
    for f in RECORDED:
        if f not in fields:
            fields.append(f)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=fields, delimiter="\t", lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def run_engine(rows: list[dict], texts: Path) -> int:
    from suggester import Suggester

    engine = Suggester()
    done = 0
    for row in rows:
        f = texts / f"{row['id']}.txt"
        if not f.exists():
            continue
        result = engine.suggest(f.read_text(encoding="utf-8", errors="replace"), payer="medicare")
        codes = set(result.codes)
        row["engine_codes"] = ";".join(sorted(codes))
        row["engine_eval"] = next((c for c in sorted(codes) if c.startswith("9716")), "none")
        row["engine_kind"] = (result.report or {}).get("kind", "")
        done += 1
    return done


def _norm(codes: set[str]) -> set[str]:
    """Unattended e-stim is one service whichever code the payer takes."""
    return {"97014" if c == "G0283" else c for c in codes}


def summarise(rows: list[dict]) -> list[str]:
    scored = [r for r in rows if r.get("engine_codes") is not None and r.get("engine_kind", "") != ""]
    out = []
    if not scored:
        return ["No engine results recorded yet: run with --texts."]
    gold = [_norm(_codes(r["gold_codes"])) for r in scored]
    pred = [_norm(_codes(r["engine_codes"])) for r in scored]
    s_strict = score_sets(gold, pred)
    s_len = score_sets([lenient(g) for g in gold], [lenient(p) for p in pred])
    out.append(f"Notes scored: {len(scored)}.\n")
    out.append("| scoring | micro P | micro R | micro F1 | exact set |")
    out.append("|---|---|---|---|---|")
    for name, s in (("lenient (97161-97163 as one code)", s_len), ("strict", s_strict)):
        out.append(f"| {name} | {s['micro_precision']:.3f} | {s['micro_recall']:.3f} | {s['micro_f1']:.3f} | "
                   f"{s['exact_set_accuracy']:.3f} |")
    evals = [r for r in scored if (r.get("gold_eval_level") or "none") not in ("", "none")]
    if evals:
        got_code = sum(1 for r in evals if r.get("engine_eval", "none") != "none")
        exact = sum(1 for r in evals if r.get("engine_eval") == r["gold_eval_level"])
        initial = [r for r in evals if r["gold_eval_level"] in LEVELS]
        level_ok = sum(1 for r in initial if r.get("engine_eval") == r["gold_eval_level"])
        out.append(f"\nEvaluation reports (gold has an evaluation code): {len(evals)}; got an evaluation code: "
                   f"**{got_code}/{len(evals)}**; exact code: {exact}/{len(evals)}; initial-evaluation level exact: "
                   f"**{level_ok}/{len(initial)}**" + (f" ({level_ok / len(initial):.0%})" if initial else "") + ".")
    by_type: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(scored):
        by_type[r.get("note_type") or "other"].append(i)
    out.append("\n| note type | notes | lenient micro F1 | strict micro F1 |")
    out.append("|---|---|---|---|")
    for t, idx in sorted(by_type.items()):
        sl = score_sets([lenient(gold[i]) for i in idx], [lenient(pred[i]) for i in idx])
        ss = score_sets([gold[i] for i in idx], [pred[i] for i in idx])
        out.append(f"| {t} | {len(idx)} | {sl['micro_f1']:.3f} | {ss['micro_f1']:.3f} |")
    out.append("\n| id | type | gold | engine | kind |")
    out.append("|---|---|---|---|---|")
    for r, g, p in zip(scored, gold, pred):
        mark = "" if lenient(g) == lenient(p) else " **x**"
        out.append(f"| {r['id']} | {r.get('note_type', '')} | {';'.join(sorted(g)) or '-'} | "
                   f"{';'.join(sorted(p)) or '-'}{mark} | {r.get('engine_kind', '')} |")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--texts", default=os.environ.get("SUGGESTER_REAL_TEXTS"),
                    help="folder with <id>.txt for each row (kept outside the repository)")
    ap.add_argument("--out", default=str(ROOT / "bench" / "real_results.md"))
    ap.add_argument("--table", default=str(TABLE),
                    help="the table to score: SOURCES.tsv (the dev table), BATCH3.tsv / BATCH4.tsv / BATCH5.tsv (later batches) or FRESH.tsv "
                         "(the fresh real hold-out)")
    args = ap.parse_args()
    table = Path(args.table)
    fields, rows = read_table(table)
    name = (table.relative_to(ROOT) if table.is_absolute() and ROOT in table.parents else table).as_posix()
    titles = {"FRESH.tsv": "Fresh real hold-out: published notes collected after the rules were written, never tuned on",
              "BATCH3.tsv": "Third batch of published notes (dev: collected and labelled by two helpers before the "
                            "engine ran on them; used for error analysis from 2026-12-06)",
              "BATCH4.tsv": "Fourth batch of published notes (dev: collected and labelled by two helpers before the "
                            "engine ran on them, 2026-12-06; many are patients' accounts and case abstracts)",
              "BATCH5.tsv": "Fifth batch of published notes (collected and labelled by a helper before the engine ran "
                            "on them, 2026-12-07; mostly patients' and families' blog accounts; never read)"}
    lines = ["# " + titles.get(table.name, "Real-world dev table") + " (texts not in the repository)\n"]
    if args.texts and Path(args.texts).is_dir():
        n = run_engine(rows, Path(args.texts))
        write_table(fields, rows, table)
        lines.append(f"Run on {dt.date.today().isoformat()} over {n} local texts; engine results recorded in "
                     f"`{name}`. Command: `python bench/real_notes.py --table {name} --texts DIR`.\n")
    else:
        lines.append(f"Reported from the engine results recorded in `{name}` (no local texts given).\n")
    lines += summarise(rows)
    Path(args.out).write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()

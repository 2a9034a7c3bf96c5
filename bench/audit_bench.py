"""Benchmark the batch audit: dev-set detection quality, notes/s with 1 and 2 workers, peak memory by size.

Writes bench/audit_results.md. Run with `.venv/bin/python bench/audit_bench.py` (the 100,000-note case
takes about half an hour on 2 cores). Options: --sizes 10000,100000  --rate-notes 4000  --only dev,rate,memory
(re-run some sections and keep the others from the existing bench/audit_results.md).

* Dev set: every note is billed its gold codes; one billable code is removed from some notes and a wrong
  one added to others (suggester.evaluate.evaluate_audit, 3 seeds); the audit should report the removed
  codes as `missed` and the added ones as `unsupported`.
* Speed: `suggester audit` on generated notes (~200 words, from training_data/sentences like
  bench/run_bench.py) in a fresh process, end to end (engine load included).
* Memory: the same command at each size, sampling the resident memory of the main process and its
  worker processes every 0.2 s with psutil; the peak must not grow with the number of notes.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from run_bench import generate_notes  # noqa: E402

WORK = ROOT / "bench" / "_work"
CLI = [str(ROOT / ".venv" / "bin" / "suggester")] if (ROOT / ".venv" / "bin" / "suggester").exists() \
    else [sys.executable, "-m", "suggester"]
_BILLED = ["97110x2", "97110", "97140", "97530-59", "97116", "97112", "97010", "G0283", "97035", "97535"]


def write_notes(path: Path, n: int, seed: int = 7) -> None:
    """Write n generated notes as CSV, 5,000 at a time (the generator never holds all of them)."""
    if path.exists():
        return
    rng = random.Random(seed)
    patients = max(1, n // 50)  # ~50 visits per patient: KX running totals are exercised at every size
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["note_id", "patient_id", "date_of_service", "provider", "payer", "billed", "text"])
        i = 0
        for batch in range(0, n, 5000):
            for text in generate_notes(min(5000, n - batch), seed=seed * 1000 + batch // 5000):
                w.writerow([f"n{i:07d}", f"p{rng.randrange(patients):05d}",
                            f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}", f"PT {rng.randrange(8)}",
                            "medicare" if rng.random() < 0.6 else "commercial",
                            ";".join(rng.sample(_BILLED, rng.randint(2, 4))), text])
                i += 1
    tmp.replace(path)


def run_cli(notes: Path, out: Path, workers: int, chunk_size: int = 500) -> dict:
    """Run `suggester audit` and sample the memory of its process tree."""
    import psutil

    cmd = CLI + ["audit", str(notes), "--out", str(out), "--workers", str(workers), "--chunk-size", str(chunk_size),
                 "--no-progress", "--summary", str(out.with_suffix(".json"))]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    ps = psutil.Process(proc.pid)
    peak_main = peak_total = peak_worker = 0
    while proc.poll() is None:
        try:
            main = ps.memory_info().rss
            kids = [c.memory_info().rss for c in ps.children(recursive=True)]
        except psutil.Error:
            kids, main = [], peak_main
        peak_main = max(peak_main, main)
        peak_worker = max([peak_worker, *kids])
        peak_total = max(peak_total, main + sum(kids))
        time.sleep(0.2)
    wall = time.perf_counter() - start
    stdout, stderr = proc.communicate()
    if proc.returncode not in (0, 1):
        raise SystemExit(f"suggester audit failed ({proc.returncode}): {stderr.decode()[-2000:]}")
    import json

    summary = json.loads(out.with_suffix(".json").read_text())
    return {"wall": wall, "notes": summary["notes"], "rate": summary["notes"] / wall,
            "peak_main_mb": peak_main / 2**20, "peak_worker_mb": peak_worker / 2**20,
            "peak_total_mb": peak_total / 2**20, "findings": summary["findings"], "summary": summary}


def dev_section() -> list[str]:
    from suggester import Suggester
    from suggester.evaluate import evaluate_audit, load_gold

    engine = Suggester()
    notes = load_gold(ROOT / "training_data" / "dev" / "dev_notes.jsonl")
    out = ["## Dev set: removed codes found as `missed`, added codes found as `unsupported`\n",
           f"`training_data/dev/dev_notes.jsonl` ({len(notes)} notes). Each note is billed its gold codes and units; "
           "for about half the notes one billable gold code is removed, for about half a code not in gold is added "
           "(`suggester.evaluate.evaluate_audit`).\n",
           "| seed | removed | added | missed P | missed R | unsupported P | unsupported R | error rows |",
           "|---|---|---|---|---|---|---|---|"]
    tot = {"m": [0, 0, 0], "u": [0, 0, 0]}
    for seed in (0, 1, 2):
        r = evaluate_audit(notes, engine=engine, seed=seed)
        m, u = r["missed"], r["unsupported"]
        for k, s in (("m", m), ("u", u)):
            tot[k][0] += s["tp"]
            tot[k][1] += s["fp"]
            tot[k][2] += s["fn"]
        out.append(f"| {seed} | {r['removed']} | {r['added']} | {m['precision']:.3f} | {m['recall']:.3f} | "
                   f"{u['precision']:.3f} | {u['recall']:.3f} | {r['errors']} |")
        if seed == 0:
            fm, fu = r["false_missed"], r["false_unsupported"]
    pr = {k: (tp / (tp + fp), tp / (tp + fn)) for k, (tp, fp, fn) in tot.items()}
    out.append(f"| **all 3** | | | **{pr['m'][0]:.3f}** | **{pr['m'][1]:.3f}** | **{pr['u'][0]:.3f}** | "
               f"**{pr['u'][1]:.3f}** | |")
    out.append("\nFalse `missed` (seed 0) are codes the engine recommends that are not in gold: "
               + ", ".join(f"{i} {c}" for i, c in fm) + ". False `unsupported` are billed gold codes the engine "
               "does not recommend: " + ", ".join(f"{i} {c}" for i, c in fu) + ". Both are the engine's own dev-set "
               "errors (see bench/results.md), not audit logic.\n")
    return out


def _sections(text: str) -> dict[str, list[str]]:
    """Split an existing results file into its '## ' sections, keyed dev / rate / memory."""
    out, key = {}, None
    for line in text.splitlines():
        if line.startswith("## "):
            key = "dev" if "Dev set" in line else "rate" if "Speed" in line else "memory" if "memory" in line else None
            out[key] = []
        if key:
            out[key].append(line)
    return out


def rate_section(n: int) -> list[str]:
    rate_file = WORK / f"audit_notes_{n}.csv"
    write_notes(rate_file, n)
    out = [f"## Speed (`suggester audit`, {n:,} generated notes of ~200 words, chunk 500)\n",
           "End to end in a fresh process: start-up, engine load in each worker, reading, auditing, "
           "KX pass and writing the CSV.\n",
           "| workers | wall time | notes/s | peak memory, all processes |", "|---|---|---|---|"]
    rates = {}
    for w in (1, 2):
        r = run_cli(rate_file, WORK / f"rate_w{w}.csv", w)
        rates[w] = r["rate"]
        out.append(f"| {w} | {r['wall']:.1f} s | {r['rate']:.1f} | {r['peak_total_mb']:.0f} MB |")
        print(out[-1], flush=True)
    out.append(f"\n2 workers = {rates[2] / rates[1]:.2f}x 1 worker (2 cores; the main process reads, prepares "
               "and writes while the workers audit).\n")
    return out


def memory_section(sizes: list[int], workers: int) -> list[str]:
    out = [f"## Peak memory by number of notes (`--workers {workers}`, chunk 500)\n",
           "Resident memory sampled every 0.2 s. Notes stream through in chunks; findings go to part files "
           "and the output file chunk by chunk; charges, duplicate ids and KX running totals live in SQLite "
           "or ~16 bytes per note.\n",
           "| notes | input size | wall time | notes/s | findings | peak main process | peak per worker | "
           "peak all processes |", "|---|---|---|---|---|---|---|---|"]
    peaks = []
    for n in sizes:
        f = WORK / f"audit_notes_{n}.csv"
        write_notes(f, n)
        r = run_cli(f, WORK / f"mem_{n}.csv", workers)
        peaks.append((n, r["peak_main_mb"], r["peak_total_mb"]))
        out.append(f"| {n:,} | {f.stat().st_size / 1e6:.0f} MB | {r['wall'] / 60:.1f} min | {r['rate']:.1f} | "
                   f"{r['findings']:,} | {r['peak_main_mb']:.0f} MB | {r['peak_worker_mb']:.0f} MB | "
                   f"{r['peak_total_mb']:.0f} MB |")
        print(out[-1], flush=True)
    if len(peaks) >= 2:
        (n0, m0, t0), (n1, m1, t1) = peaks[0], peaks[-1]
        out.append(f"\nFrom {n0:,} to {n1:,} notes ({n1 / n0:.0f}x) the main process peak changed by "
                   f"{m1 - m0:+.0f} MB and the total by {t1 - t0:+.0f} MB: memory does not grow with the number "
                   "of notes.\n")
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="10000,100000")
    ap.add_argument("--rate-notes", type=int, default=4000)
    ap.add_argument("--memory-workers", type=int, default=2)
    ap.add_argument("--only", default="dev,rate,memory", help="sections to run; the others are kept from the "
                                                               "existing bench/audit_results.md")
    args = ap.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    results = ROOT / "bench" / "audit_results.md"
    sections = _sections(results.read_text()) if results.exists() else {}
    only = set(args.only.split(","))
    if "dev" in only:
        sections["dev"] = dev_section()
        print("\n".join(sections["dev"]), flush=True)
    if "rate" in only:
        sections["rate"] = rate_section(args.rate_notes)
    if "memory" in only:
        sections["memory"] = memory_section([int(s) for s in args.sizes.split(",")], args.memory_workers)
    out = ["# Batch audit benchmark\n",
           f"Machine: {os.cpu_count()} cores; Python {sys.version.split()[0]}. Command: "
           "`.venv/bin/python bench/audit_bench.py`.\n"]
    for key in ("dev", "rate", "memory"):
        out += sections.get(key, [])
    results.write_text("\n".join(out).rstrip() + "\n")
    print("\n".join(out))


if __name__ == "__main__":
    main()

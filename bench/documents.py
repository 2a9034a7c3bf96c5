"""Document inputs: do notes read from PDF, Word, HTML and scanned pages give the codes the plain text gives,
and how fast does the audit read a folder of PDFs?

    python bench/documents.py                 # all of it -> bench/documents_results.md
    python bench/documents.py --ocr-notes 10  # fewer notes through OCR (about 5 s per note on 2 cores)

1. The dev notes rendered as PDF (text layer), DOCX and HTML (tests/render_docs.py): exact (code, units) sets
   equal to the plain text's, per note.
2. The same notes rendered as scanned page images (no text layer) and read by Tesseract: the share of
   (note, code) pairs that agree with the plain text.
3. ``run_audit`` over a folder of generated PDFs (dev, dev2 and hold-out notes, repeated): notes/s and the
   process's peak RSS.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from render_docs import to_docx, to_html, to_pdf, to_scanned_pdf  # noqa: E402
from suggester import Suggester  # noqa: E402
from suggester.audit import run_audit  # noqa: E402
from suggester.documents import read_document  # noqa: E402


def _notes(*names: str) -> list[dict]:
    out = []
    for name in names:
        with open(ROOT / "training_data" / name, encoding="utf-8") as fh:
            out += [json.loads(line) for line in fh if line.strip()]
    return out


def _pairs(engine, text: str, payer: str, units: bool = True) -> set:
    return {(s.code, s.units) if units else s.code for s in engine.suggest(text, payer).recommended}


def rendered(engine, notes) -> dict:
    out = {}
    for kind, render in (("pdf", to_pdf), ("docx", to_docx), ("html", to_html)):
        same, differ = 0, []
        for n in notes:
            got = set()
            for d in read_document(render(n["text"]), name=f"{n['id']}.{kind}"):
                got |= _pairs(engine, d.text, n["payer"])
            if got == _pairs(engine, n["text"], n["payer"]):
                same += 1
            else:
                differ.append(n["id"])
        out[kind] = {"same": same, "notes": len(notes), "differ": differ}
    return out


def scanned(engine, notes) -> dict:
    agree = total = 0
    confidences = []
    started = time.perf_counter()
    for n in notes:
        base = _pairs(engine, n["text"], n["payer"], units=False)
        got = set()
        for d in read_document(to_scanned_pdf(n["text"]), name=f"{n['id']}.pdf", ocr=True):
            got |= _pairs(engine, d.text, n["payer"], units=False)
            confidences += [p.ocr_confidence for p in d.ocr_pages]
        agree += len(base & got)
        total += len(base | got)
    return {"notes": len(notes), "agree": agree, "pairs": total, "share": agree / max(1, total),
            "seconds": time.perf_counter() - started, "pages": len(confidences),
            "mean_confidence": sum(confidences) / max(1, len(confidences)), "min_confidence": min(confidences or [0])}


def folder_audit(notes, n_files: int) -> dict:
    work = Path(tempfile.mkdtemp(prefix="suggester-docs-"))
    try:
        folder = work / "pdfs"
        folder.mkdir()
        for i in range(n_files):
            n = notes[i % len(notes)]
            (folder / f"{i:05d}-{n['id']}.pdf").write_bytes(to_pdf(n["text"]))
        size = sum(p.stat().st_size for p in folder.iterdir())
        rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        run = run_audit(folder, out=work / "findings.csv", chunk_size=200)
        seconds = time.perf_counter() - started
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return {"files": n_files, "bytes": size, "notes": run.notes, "failed": run.failed_rows, "seconds": seconds,
                "notes_per_s": run.notes / seconds, "peak_rss_mb": rss / 1024, "rss_before_mb": rss0 / 1024}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ocr-notes", type=int, default=70, help="dev notes read through OCR (default: all 70)")
    ap.add_argument("--files", type=int, default=1000, help="PDFs in the audited folder")
    ap.add_argument("--out", default=str(ROOT / "bench" / "documents_results.md"))
    args = ap.parse_args()
    engine = Suggester()
    dev = _notes("dev/dev_notes.jsonl")
    r = rendered(engine, dev)
    s = scanned(engine, dev[:args.ocr_notes])
    a = folder_audit(_notes("dev/dev_notes.jsonl", "dev2/dev2_notes.jsonl", "holdout/holdout_notes.jsonl"), args.files)
    lines = [
        "# Document inputs", "",
        f"Run {dt.date.today().isoformat()} on this machine (2 cores). Command: `python bench/documents.py`. Fixtures "
        "are generated from the dev notes by `tests/render_docs.py` (PDF with a text layer via fpdf2, DOCX via "
        "python-docx, HTML, scanned pages as images via Pillow).", "",
        "## Same codes and units as the plain text (dev notes)", "",
        "| format | notes with identical (code, units) | differ |", "|---|---|---|",
    ]
    for kind, v in r.items():
        lines.append(f"| {kind} | {v['same']}/{v['notes']} | {', '.join(v['differ']) or '-'} |")
    lines += ["", "## Scanned pages read by OCR (Tesseract)", "",
              f"{s['notes']} dev notes, {s['pages']} pages: **{s['agree']}/{s['pairs']} (note, code) pairs agree "
              f"({s['share']:.1%})** with the plain text; OCR confidence mean {s['mean_confidence']:.1f}, lowest page "
              f"{s['min_confidence']:.1f}; {s['seconds']:.0f} s ({s['seconds'] / max(1, s['notes']):.1f} s per note, "
              "render at 300 dpi + OCR).", "",
              "## Auditing a folder of PDFs", "",
              f"{a['files']} PDFs ({a['bytes'] / 1e6:.1f} MB, dev + dev2 + hold-out notes repeated), `run_audit(folder)` "
              f"in one process: {a['notes']} notes in {a['seconds']:.1f} s = **{a['notes_per_s']:.1f} notes/s**; "
              f"peak RSS {a['peak_rss_mb']:.0f} MB (before the audit {a['rss_before_mb']:.0f} MB; files are read one "
              f"at a time, chunks of 200 notes); failed rows {a['failed']}.", ""]
    Path(args.out).write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()

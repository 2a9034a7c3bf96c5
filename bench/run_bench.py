"""Benchmark: accuracy against baselines and speed, measured in one run. Writes bench/results.md.

Run with `make bench` (or `.venv/bin/python bench/run_bench.py [--notes 2000]`).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from suggester import Suggester  # noqa: E402
from suggester.analysis import (expected_calibration_error, predict_notes, reliability_table,  # noqa: E402
                                suggestion_frame)
from suggester.evaluate import evaluate, load_gold, score_sets  # noqa: E402
from suggester.nlp.rules import LiteralMatcher  # noqa: E402


class RegexBaseline:
    """Catalogue keyword matcher with no context handling: a code is recommended when any of its phrases appears."""

    def __init__(self, catalogue):
        syn, abbr = {}, {}
        for c in catalogue.values():
            if c.status != "active" or not c.suggestible:
                continue
            for s in c.synonyms:
                syn.setdefault(s, set()).add(c.code)
            for a in c.abbreviations:
                abbr.setdefault(a, set()).add(c.code)
        self.syn, self.abbr = syn, abbr
        self.m_syn, self.m_abbr = LiteralMatcher(syn), LiteralMatcher(abbr, case_sensitive=True)

    def codes(self, text, payer="medicare"):
        out = set()
        for _, _, lit in self.m_syn.finditer(text):
            out |= self.syn[lit]
        for _, _, lit in self.m_abbr.finditer(text):
            out |= self.abbr[lit]
        if payer == "medicare":
            out = {"G0283" if c == "97014" else c for c in out}
        else:
            out.discard("G0283")
        return out


def generate_notes(n: int, seed: int = 0) -> list[str]:
    """~200-word synthetic notes assembled from the training sentences under SOAP headers."""
    rng = random.Random(seed)
    lines = {}
    for path in sorted((ROOT / "training_data" / "sentences").glob("*.jsonl")):
        for raw in path.read_text("utf-8").splitlines():
            rec = json.loads(raw)
            lines.setdefault("neg" if not rec["codes"] else "pos", []).append(rec["text"])
    notes = []
    for _ in range(n):
        parts, words = [], 0
        parts.append("S: " + rng.choice(lines["neg"]))
        parts.append("O:")
        while words < 150:
            line = rng.choice(lines["pos"] if rng.random() < 0.7 else lines["neg"])
            parts.append(line)
            words += len(line.split())
        parts.append("A: " + rng.choice(lines["neg"]))
        parts.append("P: " + rng.choice(lines["neg"]))
        notes.append("\n".join(parts))
    return notes


WARM_NOTES = 400


def _worker(chunk, warm=()):
    engine = Suggester()
    for t in warm:   # untimed: the remembered readings fill as they do early in a long audit
        engine.suggest(t)
    start = time.perf_counter()
    for t in chunk:
        engine.suggest(t)
    return time.perf_counter() - start, len(chunk)


def throughput(notes, workers: int, warm=()) -> float:
    """Notes per second of ``workers`` processes, each timed over its share of ``notes`` after reading ``warm``
    (other notes, untimed). Without a warm-up each worker pays for the first reading of every template line on its
    own, which a long run pays once per worker and a short benchmark pays on every note."""
    from joblib import Parallel, delayed

    chunks = [notes[i::workers] for i in range(workers)]
    res = Parallel(n_jobs=workers, backend="loky")(delayed(_worker)(c, warm) for c in chunks)
    return len(notes) / max(t for t, _ in res)


def ece(engine, notes, bins=10):
    """Expected calibration error of suggestion confidences against gold (all listed suggestions), with the
    non-empty bins of the reliability table; computed by suggester.analysis, as notebook 02 does."""
    frame = suggestion_frame(notes, predict_notes(engine, notes))
    table = reliability_table(frame["confidence"], frame["in_gold"], bins)
    rows = [(r.bin_lo, r.bin_hi, r.n, r.mean_confidence, r.fraction_correct) for r in table.itertuples() if r.n]
    return expected_calibration_error(frame["confidence"], frame["in_gold"], bins), rows


def profile_shares(engine, notes):
    """Cumulative time of the engine's main parts, as shares of the whole suggest() call."""
    import cProfile
    import pstats

    prof = cProfile.Profile()
    prof.enable()
    for t in notes:
        engine.suggest(t)
    prof.disable()
    stats = pstats.Stats(prof).stats
    def cum(fragment, name):
        return sum(v[3] for (f, _, n), v in stats.items() if fragment in f and n == name)
    total = cum("suggester/engine.py", "suggest")
    parts = [
        ("spaCy tokenizer", cum("spacy/tokenizer", "__call__")),
        ("segmenter + sections + context components", cum("suggester/nlp/components.py", "__call__")),
        ("classifier: n-gram features and scoring", cum("suggester/model/compiled.py", "predict_proba")),
        ("catalogue phrase matching", cum("suggester/phrases.py", "find")),
        ("minutes extraction and attribution", cum("suggester/nlp/minutes.py", "find_minutes") + cum("suggester/nlp/minutes.py", "find_totals")
         + cum("suggester/engine.py", "_attribute_minutes")),
        ("compliance findings", cum("suggester/compliance.py", "check")),
    ]
    parts.append(("other (aggregation, results)", total - sum(v for _, v in parts)))
    return [(name, v / total if total else 0.0) for name, v in parts]


# the accuracy table's sets, in its order: (name, file under training_data/)
ACCURACY_SETS = (
    ("dev", "dev/dev_notes.jsonl"),
    ("dev2", "dev2/dev2_notes.jsonl"),
    ("real-style dev", "real_style/dev_notes.jsonl"),
    ("template-style dev", "templates/dev_notes.jsonl"),
    ("specialty dev", "specialty/dev_notes.jsonl"),
    ("time-styles dev", "time_styles/dev_notes.jsonl"),
    ("messy dev", "messy/dev_notes.jsonl"),
    ("textbook dev", "textbook/dev_notes.jsonl"),
    ("modalities dev", "modalities/dev_notes.jsonl"),
    ("minutes-styles dev", "minutes_styles/dev_notes.jsonl"),
    ("plain-words dev", "plain_words/dev_notes.jsonl"),
    ("settings-mix dev", "settings_mix/dev_notes.jsonl"),
    ("EMR/international dev", "emr_international/dev_notes.jsonl"),
    ("dictated/student/blog dev", "dictated_student_blog/dev_notes.jsonl"),
    ("audit-style dev", "audit_style/dev_notes.jsonl"),
    ("busy-outpatient dev", "busy_outpatient/dev_notes.jsonl"),
    ("hospital/post-acute dev", "hospital_postacute/dev_notes.jsonl"),
    ("EMR/shared-visit dev", "emr_shared_visits/dev_notes.jsonl"),
    ("ortho/spine daily dev", "ortho_spine_daily/dev_notes.jsonl"),
    ("performed-or-not dev", "performed_or_not/dev_notes.jsonl"),
    ("company-week dev", "company_week/dev_notes.jsonl"),
    ("same-visit/three-writers dev", "same_visit_three_writers/dev_notes.jsonl"),
    ("minutes-where dev", "minutes_where/dev_notes.jsonl"),
    ("plain-clinical dev", "plain_clinical/dev_notes.jsonl"),
    ("clinic-Tuesday dev", "clinic_tuesday/dev_notes.jsonl"),
    ("loose-minutes dev", "loose_minutes/dev_notes.jsonl"),
    ("three-practices dev", "three_practices/dev_notes.jsonl"),
    ("what-the-patient-did dev", "what_patient_did/dev_notes.jsonl"),
    ("two-teams-month dev", "two_teams_month/dev_notes.jsonl"),
    ("plain-talk dev", "plain_talk/dev_notes.jsonl"),
    ("whose-minutes dev", "whose_minutes/dev_notes.jsonl"),
    ("rehab-week dev", "rehab_week/dev_notes.jsonl"),
    ("short-notes dev", "short_notes/dev_notes.jsonl"),
    ("covering-therapists dev", "covering_therapists/dev_notes.jsonl"),
    ("everyday-neuro dev", "everyday_neuro/dev_notes.jsonl"),
    ("home-visits-plain dev", "home_visits_plain/dev_notes.jsonl"),
    ("ortho-chain dev", "ortho_chain/dev_notes.jsonl"),
    ("pediatric/school dev", "pediatric_school/dev_notes.jsonl"),
    ("specialty-clinics dev", "specialty_clinics/dev_notes.jsonl"),
    ("dictated/voice dev", "dictated_voice/dev_notes.jsonl"),
    ("acute-care dev", "acute_care/dev_notes.jsonl"),
    ("cardiopulmonary/oncology dev", "cardiopulmonary_oncology/dev_notes.jsonl"),
    ("telehealth/hybrid dev", "telehealth_hybrid/dev_notes.jsonl"),
    ("student/new-grad dev", "student_newgrad/dev_notes.jsonl"),
    ("rural/cash-based dev", "rural_cash/dev_notes.jsonl"),
    ("evaluations-same-day dev", "evals_same_day/dev_notes.jsonl"),
    ("SNF/long-term-care dev", "snf_ltc/dev_notes.jsonl"),
    ("wound/modalities dev", "wound_modalities/dev_notes.jsonl"),
    ("orthotics/prosthetics/wheelchair dev", "orthotics_prosthetics/dev_notes.jsonl"),
    ("sports/return-to-sport dev", "sports_return/dev_notes.jsonl"),
    ("inpatient-rehab days dev", "inpatient_rehab_days/dev_notes.jsonl"),
    ("injured-workers dev", "injured_workers/dev_notes.jsonl"),
    ("aquatic pool/land dev", "aquatic_pool_land/dev_notes.jsonl"),
    ("chronic-pain dev", "chronic_pain/dev_notes.jsonl"),
    ("federal-health-system dev", "federal_health/dev_notes.jsonl"),
    ("Parkinson's/movement dev", "parkinsons_movement/dev_notes.jsonl"),
    ("early-intervention dev", "early_intervention/dev_notes.jsonl"),
    ("neuro-rehab outpatient dev", "neuro_rehab_outpatient/dev_notes.jsonl"),
    ("EMR grids dev", "emr_grids/dev_notes.jsonl"),
    ("older adults/falls dev", "older_adults_falls/dev_notes.jsonl"),
    ("vestibular/concussion dev", "vestibular_concussion/dev_notes.jsonl"),
    ("post-op protocols dev", "postop_protocols/dev_notes.jsonl"),
    ("pelvic health dev", "pelvic_health/dev_notes.jsonl"),
    ("internationally trained clinicians dev", "international_clinicians/dev_notes.jsonl"),
    ("progress reports dev", "progress_reports/dev_notes.jsonl"),
    ("hand/upper-extremity dev", "hand_upper_extremity/dev_notes.jsonl"),
    ("lymphedema/oncology dev", "lymphedema_oncology/dev_notes.jsonl"),
    ("headache/TMD/neck dev", "headache_tmd_neck/dev_notes.jsonl"),
    ("copy-forward/addenda dev", "copy_forward_addenda/dev_notes.jsonl"),
    ("foot/ankle/running dev", "foot_ankle_running/dev_notes.jsonl"),
    ("burn/trauma/ICU dev", "burn_trauma_icu/dev_notes.jsonl"),
    ("group/concurrent dev", "group_concurrent/dev_notes.jsonl"),
    ("long COVID/POTS dev", "long_covid_pots/dev_notes.jsonl"),
    ("rheumatology dev", "rheumatology/dev_notes.jsonl"),
    ("spinal cord injury dev", "spinal_cord_injury/dev_notes.jsonl"),
    ("everyday outpatient week dev", "everyday_outpatient_week/dev_notes.jsonl"),
    ("home health visits dev", "home_health_visits/dev_notes.jsonl"),
    ("SNF PTA daily dev", "snf_pta_daily/dev_notes.jsonl"),
    ("progressive neuro and seating dev", "neuro_seating/dev_notes.jsonl"),
    ("hospice and dementia care dev", "hospice_dementia/dev_notes.jsonl"),
    ("interdisciplinary documents dev", "interdisciplinary_documents/dev_notes.jsonl"),
    ("deconditioning and chronic disease dev", "deconditioning_chronic/dev_notes.jsonl"),
    ("post-op orthopedics in everyday words dev", "postop_everyday_words/dev_notes.jsonl"),
    ("services told by what the patient did dev", "patient_did_plain/dev_notes.jsonl"),
    ("children and teenagers outpatient dev", "kids_teens_outpatient/dev_notes.jsonl"),
    ("clinical shorthand and symbols dev", "shorthand_symbols/dev_notes.jsonl"),
    ("technology-assisted rehab dev", "technology_rehab/dev_notes.jsonl"),
    ("charge blocks in the note dev", "charge_blocks/dev_notes.jsonl"),
    ("narrative prose dev", "narrative_prose/dev_notes.jsonl"),
    ("an ordinary week of notes dev", "ordinary_week/dev_notes.jsonl"),
    ("hurried typing and dictation errors dev", "hurried_typing/dev_notes.jsonl"),
    ("typed on a tablet, never proofread dev", "tablet_typing/dev_notes.jsonl"),
    ("text damaged by copy and paste dev", "pasted_text/dev_notes.jsonl"),
    ("long notes, short treatment dev", "long_notes/dev_notes.jsonl"),
    ("named exercises and gym jargon dev", "named_exercises/dev_notes.jsonl"),
    ("named techniques and branded methods dev", "named_techniques/dev_notes.jsonl"),
    ("unusual note formats and headers dev", "note_formats/dev_notes.jsonl"),
    ("today compared with earlier visits dev", "earlier_visits/dev_notes.jsonl"),
    ("full visit notes restating the episode dev", "full_visit_notes/dev_notes.jsonl"),
    ("home health and SNF long-form notes dev", "home_snf_long/dev_notes.jsonl"),
    ("printed visit notes from several clinics dev", "printed_notes/dev_notes.jsonl"),
    ("an ordinary mixed week dev", "mixed_week/dev_notes.jsonl"),
    ("published example notes on the web dev", "published_examples/dev_notes.jsonl"),
    ("transcription samples and student work dev", "transcripts_students/dev_notes.jsonl"),
    ("notes as they end up on the web dev", "real_life_notes/dev_notes.jsonl"),
    ("header blocks and footers dev", "header_footer/dev_notes.jsonl"),
    ("sessions told in clinicians' own words dev", "own_words/dev_notes.jsonl"),
    ("sessions told plainly dev", "plain_told/dev_notes.jsonl"),
    ("four organisations' printed notes dev", "network_check/dev_notes.jsonl"),
    ("an ordinary day in eight small practices dev", "eight_practices/dev_notes.jsonl"),
    ("sessions told to a colleague dev", "colleague_words/dev_notes.jsonl"),
    ("evaluations, progress and discharge visits dev", "not_daily_visits/dev_notes.jsonl"),
    ("one week at a multi-site practice dev", "week_multisite/dev_notes.jsonl"),
    ("services named by equipment and movement dev", "equipment_words/dev_notes.jsonl"),
    ("end-of-day dictation dev", "dictated_day_end/dev_notes.jsonl"),
    ("minutes written many ways dev", "minutes_ways/dev_notes.jsonl"),
    ("minutes as busy clinicians write them dev", "minutes_as_written/dev_notes.jsonl"),
    ("a week at a three-setting network dev", "network_week/dev_notes.jsonl"),
    ("minutes in every clinician's own way dev", "minutes_log/dev_notes.jsonl"),
    ("summaries of earlier visits dev", "episode_summaries/dev_notes.jsonl"),
    ("sessions told as a story dev", "narrative_told/dev_notes.jsonl"),
    ("summaries check dev", "summaries_check/dev_notes.jsonl"),
    ("narrative check dev", "narrative_check/dev_notes.jsonl"),
    ("hold-out", "holdout/holdout_notes.jsonl"),
)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--notes", type=int, default=2000)
    args = ap.parse_args()
    out = []
    sets = {name: load_gold(ROOT / "training_data" / path) for name, path in ACCURACY_SETS}
    dev, hold = sets["dev"], sets["hold-out"]

    engine = Suggester()
    no_ctx = Suggester(use_context=False)
    regex = RegexBaseline(engine.catalogue)
    out.append("# Benchmark results\n")
    out.append(f"Machine: {os.cpu_count()} cores; Python {sys.version.split()[0]}. Command: `make bench`.\n")
    out.append("## Accuracy (recommended codes vs gold)\n")
    out.append("| system | set | micro P | micro R | micro F1 | macro F1 | exact set | top-3 recall | no-code notes clean | units exact |")
    out.append("|---|---|---|---|---|---|---|---|---|---|")
    for name, data in sets.items():
        for label, eng in (("engine", engine), ("TF-IDF without context layer", no_ctx)):
            r = evaluate(eng, data)
            out.append(f"| {label} | {name} | {r['micro_precision']:.3f} | {r['micro_recall']:.3f} | {r['micro_f1']:.3f} | "
                       f"{r['macro_f1']:.3f} | {r['exact_set_accuracy']:.3f} | {r['top_k_recall']:.3f} | "
                       f"{r['no_code_notes_clean']}/{r['no_code_notes']} | {r['units_exact']}/{r['units_checked']} |")
        gold = [{g["code"] for g in n["gold"]} for n in data]
        pred = [regex.codes(n["text"], n["payer"]) for n in data]
        r = score_sets(gold, pred)
        clean = sum(1 for g, p in zip(gold, pred) if not g and not p)
        out.append(f"| regex keyword baseline | {name} | {r['micro_precision']:.3f} | {r['micro_recall']:.3f} | "
                   f"{r['micro_f1']:.3f} | {r['macro_f1']:.3f} | {r['exact_set_accuracy']:.3f} | - | "
                   f"{clean}/{sum(1 for g in gold if not g)} | - |")
    e, rows = ece(engine, dev)
    e_hold, _ = ece(engine, hold)
    out.append(f"\nExpected calibration error of suggestion confidences (all listed suggestions, 10 bins): "
               f"dev **{e:.3f}**, hold-out **{e_hold:.3f}**.\n")
    out.append("| confidence bin | n | mean confidence | fraction correct |")
    out.append("|---|---|---|---|")
    for lo, hi, n, c, a in rows:
        out.append(f"| {lo:.1f}-{hi:.1f} | {n} | {c:.2f} | {a:.2f} |")

    # Real-world table: published notes (texts kept outside the repository). With SUGGESTER_REAL_TEXTS set the
    # engine is re-run on them; otherwise the results recorded in training_data/real/SOURCES.tsv are reported.
    import real_notes  # bench/real_notes.py, beside this script
    _, real_rows = real_notes.read_table()
    texts = os.environ.get("SUGGESTER_REAL_TEXTS")
    if texts and Path(texts).is_dir():
        real_notes.run_engine(real_rows, Path(texts))
    out.append("\n## Real-world dev table (published notes, per note type)\n")
    out.append("Texts not in the repository; " + ("re-run now on local texts." if texts else
               "results as recorded in `training_data/real/SOURCES.tsv` by `python bench/real_notes.py --texts DIR`."))
    summary = real_notes.summarise(real_rows)
    out.extend(summary[:next((i for i, line in enumerate(summary) if line.lstrip().startswith("| id")), len(summary))])
    _, fresh_rows = real_notes.read_table(ROOT / "training_data" / "real" / "FRESH.tsv")
    out.append("\n## Fresh real hold-out (published notes never tuned on; `training_data/real/FRESH.tsv`)\n")
    fresh = real_notes.summarise(fresh_rows)
    head = next((i for i, line in enumerate(fresh) if line.startswith("| scoring")), len(fresh))
    out.extend(fresh[:head + 4])   # notes scored and the lenient/strict table (recorded results)
    import report_kinds  # bench/report_kinds.py, beside this script
    out.append("\n## Report kinds (`python bench/report_kinds.py` -> bench/report_kinds_results.md)\n")
    for name, file in report_kinds.SETS:
        path = ROOT / "training_data" / "report_kinds" / file
        if path.is_file():
            kinds = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
            k = report_kinds.measure(engine, kinds)
            out.append(f"- {name}, {k['notes']} notes: kind accuracy {k['kind_accuracy']:.3f}; evaluation code exact "
                       f"{k['code_exact']}/{k['evals']}; other notes billed an evaluation code {k['eval_code_on_other']}/{k['others']}")
    from suggester.evaluate import evaluate_minutes
    cases = [json.loads(line) for line in (ROOT / "tests" / "data" / "minutes_cases.jsonl").read_text().splitlines()
             if line.strip()]
    m = evaluate_minutes(engine, cases)
    out.append(f"\n## Minutes test set ({len(cases)} notes by an independent author, {m['pairs']} code/minutes pairs)\n")
    out.append(f"Minutes exact {m['minutes_exact']:.3f}; units exact {m['units_exact_cms']:.3f} (Medicare pooled), "
               f"{m['units_exact_ama']:.3f} (AMA per code); code found {m['codes_found']:.3f}. "
               "Per family: `python bench/minutes_cases.py` -> bench/minutes_results.md.\n")

    adaptation = ROOT / "bench" / "adaptation_results.md"
    if adaptation.is_file():   # ~17 minutes of training: recorded by its own script, not re-run here
        out.append("\n## Learning from a clinic's corrections (as recorded by `python bench/adaptation.py`)\n")
        body = adaptation.read_text("utf-8").split("\n", 2)[2].strip()
        out.append(body.replace("\n## ", "\n### ").replace("## ", "### ", 1 if body.startswith("## ") else 0))

    notes = generate_notes(args.notes)
    words = statistics.mean(len(t.split()) for t in notes)
    out.append(f"\n## Speed ({len(notes)} generated notes, mean {words:.0f} words)\n")
    for eng in (engine, no_ctx):
        for t in notes[:50]:
            eng.suggest(t)
    def fresh(eng):   # each timed pass starts with nothing remembered (segment scores, phrase hits, context)
        eng._clear_caches()

    fresh(engine)
    fresh(no_ctx)
    t0 = time.perf_counter()
    for t in notes:
        engine.nlp.make_doc(t)
    tok_rate = len(notes) / (time.perf_counter() - t0)
    # The engine and its no-context ablation are timed alternately on the same notes, so machine drift
    # affects both equally.
    lat, lat_noctx = [], []
    for t in notes:
        s = time.perf_counter()
        engine.suggest(t)
        lat.append((time.perf_counter() - s) * 1000)
        s = time.perf_counter()
        no_ctx.suggest(t)
        lat_noctx.append((time.perf_counter() - s) * 1000)
    eng_rate = len(notes) / (sum(lat) / 1000)
    noctx_rate = len(notes) / (sum(lat_noctx) / 1000)
    fresh(engine)
    t0 = time.perf_counter()
    engine.suggest_many(notes)   # batch scoring: each batch's clauses in one classifier call
    many_rate = len(notes) / (time.perf_counter() - t0)
    t0 = time.perf_counter()
    for t in notes:
        regex.codes(t)
    regex_rate = len(notes) / (time.perf_counter() - t0)
    # The generated notes reuse lines (as templated notes do), which the remembered readings serve; the project's
    # hand-written notes hardly repeat: their first-pass rate is the cost of new text.
    written = [json.loads(line)["text"] for f in ("dev/dev_notes.jsonl", "dev2/dev2_notes.jsonl", "holdout/holdout_notes.jsonl",
                                                  "real_style/dev_notes.jsonl", "clinic_style/notes.jsonl")
               for line in (ROOT / "training_data" / f).read_text("utf-8").splitlines() if line.strip()]
    fresh(engine)
    t0 = time.perf_counter()
    for t in written:
        engine.suggest(t)
    written_rate = len(written) / (time.perf_counter() - t0)
    w1 = throughput(notes, 1)
    w2 = throughput(notes, 2)
    warm = generate_notes(WARM_NOTES, seed=7)   # different notes from the timed ones
    w1s = throughput(notes, 1, warm)
    w2s = throughput(notes, 2, warm)
    tmp = ROOT / "bench" / "_work"
    tmp.mkdir(exist_ok=True)
    (tmp / "note.txt").write_text(notes[0])
    cli = ROOT / ".venv" / "bin" / "suggester"
    cli_cmd = [str(cli)] if cli.exists() else [sys.executable, "-m", "suggester"]
    # a new process each time; the first after installing (or after a data change) builds the phrase index and
    # writes it to an empty cache directory, later ones read it (suggester/_index_cache.py)
    env = dict(os.environ)
    first, cold = [], []
    for _ in range(3):
        env["SUGGESTER_CACHE_DIR"] = str(tmp / f"cache-{_}")
        shutil.rmtree(env["SUGGESTER_CACHE_DIR"], ignore_errors=True)
        s = time.perf_counter()
        subprocess.run(cli_cmd + ["suggest", str(tmp / "note.txt"), "--json"], capture_output=True, check=True, env=env)
        first.append(time.perf_counter() - s)
    for _ in range(3):
        s = time.perf_counter()
        subprocess.run(cli_cmd + ["suggest", str(tmp / "note.txt"), "--json"], capture_output=True, check=True, env=env)
        cold.append(time.perf_counter() - s)
    size = sum(p.stat().st_size for p in (ROOT / "models").glob("model.*"))
    t0 = time.perf_counter()
    subprocess.run(cli_cmd + ["train", "--data", str(ROOT / "training_data"), "--out", str(tmp / "model")],
                   capture_output=True, check=True)
    train_s = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    p50, p95 = np.percentile(lat, 50), np.percentile(lat, 95)
    out.append("| measure | value | target | met |")
    out.append("|---|---|---|---|")
    out.append(f"| spaCy bare tokenizer (`nlp.make_doc`) | {tok_rate:.0f} notes/s | - | - |")
    out.append(f"| engine, 1 process (in-process loop) | {eng_rate:.0f} notes/s ({eng_rate / tok_rate:.2f}x tokenizer) | >= 5x 97 notes/s (issue 13) | {'yes' if eng_rate >= 5 * 97 else 'no'} |")
    out.append(f"| engine, 1 process, the project's {len(written)} hand-written notes (few repeated lines, mean "
               f"{statistics.mean(len(t.split()) for t in written):.0f} words) | {written_rate:.0f} notes/s | - | - |")
    out.append(f"| engine, 1 process, `suggest_many` (batch scoring, 64 notes a batch) | {many_rate:.0f} notes/s ({many_rate / tok_rate:.2f}x tokenizer) | - | - |")
    out.append(f"| engine without context layer | {noctx_rate:.0f} notes/s (context adds {100 * (noctx_rate / eng_rate - 1):.0f}% time per note) | <= 40% | {'yes' if noctx_rate / eng_rate - 1 <= 0.40 else 'no'} |")
    out.append(f"| engine, 1 worker (joblib) | {w1:.0f} notes/s | - | - |")
    out.append(f"| engine, 2 workers (joblib) | {w2:.0f} notes/s ({w2 / w1:.2f}x 1 worker) | - | - |")
    out.append(f"| engine, 1 worker, steady state (each worker first reads {WARM_NOTES} other generated notes, untimed) | {w1s:.0f} notes/s | - | - |")
    out.append(f"| engine, 2 workers, steady state (same warm-up in each worker) | {w2s:.0f} notes/s ({w2s / w1s:.2f}x 1 worker) | >= 1.8x | {'yes' if w2s >= 1.8 * w1s else 'no'} |")
    out.append(f"| single-note latency p50 / p95 | {p50:.1f} / {p95:.1f} ms | p95 < 5 ms | {'yes' if p95 < 5 else 'no'} |")
    out.append(f"| CLI cold start (`suggester suggest`, new process, phrase index and compiled patterns cached; best of 3) | {min(cold):.2f} s | < 1 s | {'yes' if min(cold) < 1 else 'no'} |")
    out.append(f"| CLI first start (empty cache directory: builds and writes the phrase index and compiled patterns; best of 3) | {min(first):.2f} s | - | - |")
    out.append(f"| regex keyword baseline | {regex_rate:.0f} notes/s (engine is {eng_rate / regex_rate:.3f}x) | - | - |")
    out.append(f"| training time (`suggester train` into a temp dir, this run) | {train_s:.1f} s | - | - |")
    out.append(f"| model size on disk | {size / 1e6:.1f} MB | - | - |")
    out.append(f"| peak memory (this benchmark process) | {peak:.0f} MB | - | - |")
    out.append("\n## Where the time goes (cProfile, 300 notes, share of `Suggester.suggest`)\n")
    out.append("| part | share |")
    out.append("|---|---|")
    fresh(engine)
    for part, share in profile_shares(engine, notes[:300]):
        out.append(f"| {part} | {share:.0%} |")
    (ROOT / "bench" / "results.md").write_text("\n".join(out) + "\n")
    print("\n".join(out))


if __name__ == "__main__":
    main()

"""Episode benchmark: a generated year of visits for 200 patients with planted gaps, audited end to end.

    python bench/episodes.py                    # -> bench/episodes_results.md
    python bench/episodes.py --patients 40      # smaller (the test suite uses a small run)

Each patient has one or two episodes (initial evaluation, treatment visits twice a week, progress reports,
sometimes a re-evaluation, a discharge), written from varied templates, with a plan-of-care certification date
per note and the billed codes. Planted gaps, recorded as ground truth: a skipped progress report (EP301), a late
first certification (EP302), a long episode with no recertification (EP303), no certification date (EP304), a
re-evaluation in place of a progress report (EP305), a visit after the discharge (EP306), and patients whose
year passes the KX threshold with lines billed without KX (PT190). A gap is found when a finding row of that id
names the patient on the planted date; a finding that matches no planted gap is false.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402

from suggester.audit import run_audit  # noqa: E402

REGIONS = [("R knee OA", "knee flexion", "quad"), ("L shoulder impingement", "shoulder flexion", "rotator cuff"),
           ("low back pain", "lumbar flexion", "hip extensor"), ("R ankle sprain", "ankle DF", "peroneal"),
           ("L THA", "hip flexion", "hip abductor"), ("neck pain", "cervical rotation", "deep neck flexor")]
SIGN = ["J. Rivera, PT, DPT", "Electronically signed: A. Chen, PT", "M. Okafor, MPT", "Signed: K. Osei, DPT"]


def _eval(rng, dx, rom, muscle, day) -> str:
    return rng.choice([
        f"PHYSICAL THERAPY INITIAL EVALUATION  {day:%m/%d/%Y}\nDx: {dx}. History: symptoms for {rng.randint(2, 20)} weeks; "
        f"PMH: HTN.\nObjective: {rom} {rng.randint(60, 110)} deg, {muscle} 4-/5, TUG {rng.randint(9, 15)} s.\n"
        f"Assessment: moderate complexity; limits stairs and community walking.\nGoals: STG in 3 wks, LTG in 6 wks.\n"
        f"Plan of care: 2x/wk for 6 wks: ther ex, neuromuscular re-ed, manual therapy.\nEvaluation 97162 completed.\n"
        f"{rng.choice(SIGN)}",
        f"Initial Evaluation - {dx}\nDate: {day:%Y-%m-%d}\nHPI: onset {rng.randint(1, 6)} months ago, worse with "
        f"activity. Medications: none.\nExam: {rom} limited to {rng.randint(50, 100)} deg; {muscle} strength 3+/5; "
        f"special tests positive.\nAssessment: impairments in ROM and strength limit function; good potential.\n"
        f"Goals: 1) independent HEP 2 wks 2) pain < 3/10 6 wks.\nPOC: 2x/week x 8 weeks. 97162.\n{rng.choice(SIGN)}",
    ])


def _treatment(rng, dx, rom, muscle, day) -> str:
    a, b = rng.randint(15, 30), rng.randint(8, 15)
    return rng.choice([
        f"Daily note {day:%m/%d/%Y} - {dx}\nTherEx {a} min: bike, step-ups 3x10, {muscle} strengthening with cues "
        f"for form.\nManual therapy {b} min: joint mobs gr III for {rom}.\nTotal timed {a + b} min.\n{rng.choice(SIGN)}",
        f"DOS {day:%Y-%m-%d}\nS: pain {rng.randint(1, 5)}/10.\nO: Ther ex {a} min ({muscle} program progressed); "
        f"neuromuscular re-ed {b} min, SLS on foam with min A for balance.\nTotal timed minutes {a + b}.\n"
        f"{rng.choice(SIGN)}",
        f"Treatment {day:%m/%d/%Y}: gait training {b} min with SPC, cues for step length; therapeutic exercise "
        f"{a} min for {muscle} strength.\nTotal timed {a + b} min.\n{rng.choice(SIGN)}",
    ])


def _progress(rng, dx, rom, muscle, day) -> str:
    a = rng.randint(20, 30)
    return (f"PROGRESS REPORT  {day:%m/%d/%Y}  ({dx})\nGoals: STG - met; LTG - partially met.\n"
            f"Objective: {rom} {rng.randint(90, 120)} deg, {muscle} 4/5.\nTherEx {a} min, progressed resistance.\n"
            f"Total timed {a} min.\nPlan: continue POC.\n{rng.choice(SIGN)}")


def _reeval(rng, dx, rom, muscle, day) -> str:
    return (f"RE-EVALUATION {day:%m/%d/%Y}\nDx: {dx}.\nObjective: {rom} {rng.randint(70, 110)} deg, {muscle} 4-/5.\n"
            f"Assessment: reassessed; plan updated.\nRe-evaluation 97164 performed.\n{rng.choice(SIGN)}")


def _discharge(rng, dx, rom, muscle, day) -> str:
    return (f"DISCHARGE SUMMARY {day:%m/%d/%Y}\nDx: {dx}.\nObjective: {rom} {rng.randint(110, 130)} deg, {muscle} 5/5.\n"
            f"Goals: STG - met; LTG - met.\nAssessment: goals met, independent with HEP.\n"
            f"Plan: discharge from physical therapy.\n{rng.choice(SIGN)}")


def _visit_days(rng, start: dt.date, n: int) -> list[dt.date]:
    days, d = [], start
    while len(days) < n:
        days.append(d)
        d += dt.timedelta(days=rng.choice([2, 3, 4, 5]))
    return days


def generate(n_patients: int, seed: int = 7) -> tuple[pd.DataFrame, list[tuple]]:
    rng = random.Random(seed)
    rows, truth = [], []
    year0 = dt.date(2026, 1, 5)
    for p in range(n_patients):
        pid = f"P{p:04d}"
        dx, rom, muscle = rng.choice(REGIONS)
        start = year0 + dt.timedelta(days=rng.randint(0, 150))
        n_episodes = 2 if rng.random() < 0.3 else 1
        kx_planted = rng.random() < 0.15
        for e in range(n_episodes):
            length = rng.randint(12, 34) if not kx_planted else rng.randint(34, 40)
            days = _visit_days(rng, start, length)
            plant = rng.random()
            skip_pr = plant < 0.25
            reeval_at_pr = 0.25 <= plant < 0.35
            cert_late = 0.35 <= plant < 0.45
            no_cert = 0.45 <= plant < 0.52
            no_recert = 0.52 <= plant < 0.62 and (days[-1] - days[0]).days > 95
            after_dc = 0.62 <= plant < 0.67
            cert = days[0] + dt.timedelta(days=rng.randint(35, 50) if cert_late else rng.randint(0, 20))
            if cert_late:
                truth.append(("EP302", pid, cert.isoformat()))
            certs = [cert]
            if not no_recert:
                while certs[-1] + dt.timedelta(days=80) < days[-1]:
                    certs.append(certs[-1] + dt.timedelta(days=rng.randint(75, 88)))
            elif no_recert:
                lapse = next(d for d in days if (d - cert).days > 90)
                truth.append(("EP303", pid, lapse.isoformat()))
            if no_cert:
                truth.append(("EP304", pid, days[0].isoformat()))
            count, skipped, replaced = 0, False, False
            for i, day in enumerate(days):
                last = i == len(days) - 1
                count += 1
                if i == 0:
                    kind, text = "eval", _eval(rng, dx, rom, muscle, day)
                elif last:
                    kind, text = "dc", _discharge(rng, dx, rom, muscle, day)
                elif count == 10 and skip_pr and not skipped:
                    skipped = True
                    kind, text = "tx", _treatment(rng, dx, rom, muscle, day)
                    truth.append(("EP301", pid, days[i + 1].isoformat()))
                    count = 0     # the next report comes at the 10th day of the new period after the finding
                elif count == 10 and reeval_at_pr and not replaced:
                    replaced = True
                    kind, text = "reeval", _reeval(rng, dx, rom, muscle, day)
                    truth.append(("EP305", pid, day.isoformat()))
                    count = 0
                elif count == rng.randint(8, 10) or count == 10:
                    kind, text = "pr", _progress(rng, dx, rom, muscle, day)
                    count = 0
                else:
                    kind, text = "tx", _treatment(rng, dx, rom, muscle, day)
                cert_now = None if no_cert else max(c for c in certs if c <= max(day, certs[0])).isoformat()
                billed = {"eval": "97162-GP", "tx": "97110x2-GP;97140-GP", "pr": "97110x2-GP", "reeval": "97164-GP",
                          "dc": ""}[kind]
                rows.append({"note_id": f"{pid}-{e}-{i:02d}", "patient_id": pid, "date_of_service": day.isoformat(),
                             "provider": "Rivera", "payer": "medicare", "certification_date": cert_now, "billed": billed,
                             "text": text})
            if after_dc and e == n_episodes - 1:
                day = days[-1] + dt.timedelta(days=rng.randint(5, 14))
                rows.append({"note_id": f"{pid}-{e}-after", "patient_id": pid, "date_of_service": day.isoformat(),
                             "provider": "Rivera", "payer": "medicare", "certification_date": None if no_cert else
                             certs[-1].isoformat(), "billed": "97110x2-GP",
                             "text": _treatment(rng, dx, rom, muscle, day)})
                truth.append(("EP306", pid, day.isoformat()))
            start = days[-1] + dt.timedelta(days=rng.randint(30, 60))
        if kx_planted:
            truth.append(("PT190", pid, None))
        else:   # lines past the threshold carry KX: no finding expected
            for r in rows:
                if r["patient_id"] == pid and r["billed"]:
                    r["billed"] = ";".join(part + "-KX" for part in r["billed"].split(";"))
    return pd.DataFrame(rows), truth


def score(findings: pd.DataFrame, truth: list[tuple]) -> dict:
    ep = findings[findings["status"] == "episode"]
    kx = findings[findings["finding_ids"].fillna("").str.contains("PT190")]
    found_keys = {(r.finding_ids, r.patient_id, str(r.date_of_service)[:10]) for r in ep.itertuples()}
    kx_patients = set(kx["patient_id"].dropna())
    planted = {}
    for fid, pid, day in truth:
        hit = pid in kx_patients if fid == "PT190" else (fid, pid, day) in found_keys
        planted.setdefault(fid, [0, 0])
        planted[fid][0] += 1
        planted[fid][1] += int(hit)
    truth_keys = {(f, p, d) for f, p, d in truth if f != "PT190"}
    kx_truth = {p for f, p, _ in truth if f == "PT190"}
    false_ep = [k for k in found_keys if k not in truth_keys]
    false_kx = kx_patients - kx_truth
    total = len(found_keys) + len(kx_patients)
    return {"planted": planted, "false": len(false_ep) + len(false_kx), "findings": total,
            "false_share": (len(false_ep) + len(false_kx)) / max(1, total), "false_examples": false_ep[:10]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--patients", type=int, default=200)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", default=str(ROOT / "bench" / "episodes_results.md"))
    args = ap.parse_args()
    notes, truth = generate(args.patients)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "notes.csv"
        notes.to_csv(path, index=False)
        started = time.perf_counter()
        run = run_audit(path, out=Path(tmp) / "findings.csv", workers=args.workers, chunk_size=250)
        seconds = time.perf_counter() - started
        findings = pd.read_csv(Path(tmp) / "findings.csv", dtype=str)
    s = score(findings, truth)
    lines = ["# Episode checks", "",
             f"Run {dt.date.today().isoformat()}: {args.patients} patients, {len(notes)} generated notes over 2026 with "
             f"planted gaps, audited with {args.workers} workers in {seconds:.0f} s ({run.notes / seconds:.0f} notes/s). "
             "Command: `python bench/episodes.py`.", "",
             "| finding | planted | found |", "|---|---|---|"]
    for fid, (n, hit) in sorted(s["planted"].items()):
        lines.append(f"| {fid} | {n} | {hit} |")
    lines += ["", f"False findings: {s['false']} of {s['findings']} episode and KX findings ({s['false_share']:.1%}); "
              f"target: every planted gap found, at most 2% false.", ""]
    if s["false_examples"]:
        lines.append("False examples: " + ", ".join(map(str, s["false_examples"])))
    Path(args.out).write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()

"""Episode checks: across each patient's notes in date order, what a Medicare reviewer checks for a whole
episode of care (``resources/episode_rules.json``).

* EP301 a progress report (or a re-evaluation) by the 10th treatment day of each reporting period;
* EP302 / EP303 the plan of care certified within 30 days of the first day, recertified at least every 90;
  EP304 when no certification date is available to verify it;
* EP305 a re-evaluation where a routine progress report was due;
* EP306 treatment visits after a discharge without a new evaluation;
* EP307 notes that could not be placed (no patient or no date of service).

The audit feeds one :class:`NoteFact` per note (from the engine's result: the note kind and whether a
service was documented) to an :class:`EpisodeLedger`, which keeps them in SQLite (constant memory) and yields
finding rows naming the notes and dates involved. Each patient is judged with what the table gives; bad rows
(no date, duplicates, dates out of order) become findings or are sorted, never a crash.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass
from functools import lru_cache
from itertools import groupby
from pathlib import Path
from typing import Iterator

from ._resources import packaged_json

__all__ = ["EpisodeLedger", "NoteFact", "episode_rules"]

EVALUATIONS = {"97161", "97162", "97163"}
REEVALUATIONS = {"97164"}


@lru_cache(maxsize=1)
def episode_rules() -> dict:
    return packaged_json("episode_rules.json")


@dataclass(frozen=True)
class NoteFact:
    """What the episode checks need of one note."""

    row: int
    note_id: str | None
    patient_id: str | None
    date_of_service: str | None      # ISO date
    kind: str                        # initial_evaluation, re_evaluation, progress, discharge, treatment, non_visit
    treated: bool                    # at least one service documented this day
    certification_date: str | None = None
    payer: str | None = None
    provider: str | None = None


def note_kind(result) -> str:
    """The note's role in the episode, from the engine's result."""
    if result.non_visit:
        return "non_visit"
    codes = {s.code for s in result.recommended}
    kind = (result.report or {}).get("kind") or "treatment"
    if codes & EVALUATIONS:
        return "initial_evaluation"
    if codes & REEVALUATIONS:
        return "re_evaluation"
    return kind


class EpisodeLedger:
    """Note facts in SQLite; :meth:`findings` walks each patient's notes in date order. ``warnings`` collects
    what concerns the whole table (no certification column at all) once :meth:`findings` has run."""

    def __init__(self, db_path: Path | None = None) -> None:
        if db_path is not None and Path(db_path).exists():
            Path(db_path).unlink()
        self.db = sqlite3.connect(str(db_path) if db_path else ":memory:")
        self.db.execute("PRAGMA journal_mode=OFF")
        self.warnings: list[str] = []
        self.db.execute("CREATE TABLE notes (patient TEXT, dos TEXT, row INTEGER, note_id TEXT, kind TEXT, "
                        "treated INTEGER, cert TEXT, payer TEXT, provider TEXT)")

    def add(self, facts: list[NoteFact]) -> None:
        self.db.executemany("INSERT INTO notes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            [(f.patient_id, f.date_of_service, f.row, f.note_id, f.kind, int(f.treated),
                              f.certification_date, f.payer, f.provider) for f in facts])

    def close(self) -> None:
        self.db.close()

    def findings(self) -> Iterator[dict]:
        """Finding rows (dicts with the audit's columns; ``source`` = "episode")."""
        unplaced = self.db.execute("SELECT row, note_id, patient, dos FROM notes WHERE patient IS NULL OR "
                                   "patient = '' OR dos IS NULL ORDER BY row").fetchall()
        placed = self.db.execute("SELECT 1 FROM notes WHERE patient IS NOT NULL AND patient != '' AND dos IS NOT "
                                 "NULL LIMIT 1").fetchone() is not None
        if unplaced and not placed:   # the table has no patients or dates at all: nothing to check, say so once
            self.warnings.append("Episode checks (progress reports, certification, visits after discharge) need "
                                 "patient_id and date_of_service for each note; this table gives none.")
        elif unplaced:
            listed = ", ".join(f"row {r} ({n or '?'})" for r, n, _, _ in unplaced[:20])
            more = f" and {len(unplaced) - 20} more" if len(unplaced) > 20 else ""
            yield _row("EP307", None, None, None, [n for _, n, _, _ in unplaced[:20]],
                       f"{len(unplaced)} note(s) without a patient id or a date of service could not be placed in an "
                       f"episode: {listed}{more}.")
        any_cert = self.db.execute("SELECT 1 FROM notes WHERE cert IS NOT NULL LIMIT 1").fetchone() is not None
        episodes_without = 0
        cur = self.db.execute("SELECT patient, dos, row, note_id, kind, treated, cert, payer, provider FROM notes "
                              "WHERE patient IS NOT NULL AND patient != '' AND dos IS NOT NULL "
                              "ORDER BY patient, dos, row")
        for patient, notes in groupby(cur, key=lambda rec: rec[0]):   # one patient's notes in memory at a time
            for f in _patient_findings(patient, list(notes)):
                if f["finding_ids"] == "EP304" and not any_cert:
                    episodes_without += 1   # no certification column at all: one finding for the table
                else:
                    yield f
        if episodes_without:   # about the input table, not one episode: a run warning, not a finding row
            self.warnings.append(
                f"EP304: the notes table has no certification date column "
                f"({', '.join(episode_rules()['certification_columns'])}), so the 30-day certification and 90-day "
                f"recertification of {episodes_without} episode(s) cannot be verified.")


def _date(s: str) -> dt.date:
    return dt.date.fromisoformat(s[:10])


def _row(fid: str, patient, dos, provider, note_ids, reason: str) -> dict:
    rule = episode_rules()["findings"][fid]
    return {"source": "episode", "row": None, "note_id": ";".join(n for n in note_ids if n) or None, "payer": None,
            "patient_id": patient, "date_of_service": dos, "provider": provider, "code": None, "status": "episode",
            "confidence": None, "documented_units": None, "billed_units": None, "minutes": None,
            "billed_modifiers": None, "suggested_modifiers": None, "finding_ids": fid, "evidence": None,
            "fee_usd": None, "fee_source": None, "impact_usd": None,
            "reason": f"{fid} {rule['severity']}: {rule['title']}. {reason} ({episode_rules()['source']})"}


def _patient_findings(patient: str, notes: list[tuple]) -> Iterator[dict]:
    """One patient's notes (sorted by date): split into episodes and check each."""
    episodes: list[list[tuple]] = []
    current: list[tuple] = []
    discharged_at = None
    for rec in notes:
        kind = rec[4]
        if kind == "initial_evaluation" and current:
            episodes.append(current)
            current, discharged_at = [], None
        if discharged_at is not None and rec[5] and kind != "initial_evaluation":
            d = discharged_at
            yield _row("EP306", patient, rec[1], rec[8], [d[3], rec[3]],
                       f"Treatment on {rec[1]} (note {rec[3]}) after the discharge of {d[1]} (note {d[3]}) with no new "
                       "evaluation: a new episode needs an evaluation and plan of care.")
        current.append(rec)
        if kind == "discharge":
            discharged_at = rec
    if current:
        episodes.append(current)
    for ep in episodes:
        yield from _episode_findings(patient, ep)


def _episode_findings(patient: str, ep: list[tuple]) -> Iterator[dict]:
    rules = episode_rules()
    due = int(rules["progress_report_treatment_days"])
    window = int(rules["reevaluation_window"])
    days: list[tuple] = []           # treatment days: first note of each date with a service
    seen_dates = set()
    for rec in ep:
        if rec[5] and rec[1][:10] not in seen_dates:
            seen_dates.add(rec[1][:10])
            days.append(rec)
    # EP301 / EP305: progress reports by the 10th treatment day of each period
    period_start, count = 0, 0
    for i, rec in enumerate(days):
        count += 1
        reports = [r for r in ep if r[1][:10] == rec[1][:10] and r[4] in ("progress", "re_evaluation", "discharge")]
        if count > due:
            first, tenth = days[period_start], days[period_start + due - 1]
            yield _row("EP301", patient, rec[1], rec[8], [first[3], tenth[3], rec[3]],
                       f"Treatment days {first[1][:10]} to {tenth[1][:10]} ({due} days, notes {first[3]} ... "
                       f"{tenth[3]}) have no progress report; {rec[1][:10]} (note {rec[3]}) is treatment day "
                       f"{count} of the period.")
            period_start, count = i, 1     # one finding per period; count again from here
        if any(r[4] == "re_evaluation" for r in reports) and due - window <= count <= due + window \
                and not any(r[4] == "progress" for r in reports):
            yield _row("EP305", patient, rec[1], rec[8], [r[3] for r in reports if r[4] == "re_evaluation"],
                       f"A re-evaluation on {rec[1][:10]} falls where a routine progress report was due (treatment day "
                       f"{count} of the period): bill 97164 only for a new clinical finding, a significant change or "
                       "failure to respond.")
        if reports:
            period_start, count = i + 1, 0
    # EP302 / EP303 / EP304: certification of the plan of care
    start = _date(ep[0][1])
    certs = sorted({_date(r[6]) for r in ep if r[6]})
    if not certs:
        yield _row("EP304", patient, ep[0][1][:10], ep[0][8], [ep[0][3]],
                   f"Episode from {start} ({len(ep)} notes): no certification date in the notes table (columns "
                   f"{', '.join(rules['certification_columns'])}), so the 30-day certification and 90-day "
                   "recertification cannot be verified.")
        return
    first_cert = certs[0]
    if (first_cert - start).days > int(rules["certification_days"]):
        yield _row("EP302", patient, str(first_cert), ep[0][8], [ep[0][3]],
                   f"Episode from {start} (note {ep[0][3]}): plan of care first certified {first_cert}, "
                   f"{(first_cert - start).days} days later (limit {rules['certification_days']}).")
    recert = int(rules["recertification_days"])
    for rec in ep:
        if not rec[5]:
            continue
        day = _date(rec[1])
        valid = [c for c in certs if c <= day]
        latest = valid[-1] if valid else first_cert
        if (day - latest).days > recert:
            yield _row("EP303", patient, rec[1][:10], rec[8], [rec[3]],
                       f"Treatment on {day} (note {rec[3]}) is {(day - latest).days} days after the last certification "
                       f"({latest}); recertification is due every {recert} days.")
            certs = sorted(set(certs) | {day})   # one finding per lapse

"""The typed values passed between the stages of a note's path (see :mod:`suggester.stages`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

__all__ = ["Billing", "Candidate", "Gathered", "NoteRead", "UnitsOut"]


@dataclass
class Candidate:
    """A code the note may support: its best clause score, its evidence and where it is named."""
    label: str
    score: float = 0.0
    evidence: list = field(default_factory=list)
    segments: dict = field(default_factory=dict)     # segment index -> phrase spans (segment coords); clause start if none
    named_only: set = field(default_factory=set)     # segments where only a phrase names the code (weak score)
    units: int | None = None                         # units the note's facts give an untimed code (an add-on by area)


@dataclass
class NoteRead:
    """What the read stage gives the others: the note's text, segments and clauses (with their assertion status and
    which of them are flowsheet rows), the report assessment, code claims, the clauses that state a code beside a
    description, and the totals."""
    full: str
    segments: list
    clauses: list
    ctexts: list
    rows: list          # per clause: a flowsheet row (cells between pipes, aligned columns, dot leaders)
    statuses: list
    report: object
    claims: list
    stated: dict
    totals: dict
    generic: tuple | None
    time_table: bool
    services_timed: bool | None = None   # some service has its own minutes (else a total's breakdown gives them);
    #                                      worked out by gather when a breakdown is found


@dataclass
class Gathered:
    """What the gather stage gives the others: candidates per label, not-counted mentions, time mentions per
    segment, segments whose time stands alone, unbilled minutes, flowsheet rows naming no service, and the
    "N min total" not yet claimed by a service."""
    cands: dict = field(default_factory=dict)
    not_counted: list = field(default_factory=list)
    seg_mentions: dict = field(default_factory=dict)
    time_only_segs: set = field(default_factory=set)
    unbilled: int = 0
    unnamed_rows: list = field(default_factory=list)
    generic: tuple | None = None


@dataclass(frozen=True)
class UnitsOut:
    """What the units stage gives the result: units per label, the note's totals and notes on how units were found."""
    units: dict
    totals: dict
    notes: list


@dataclass(frozen=True)
class Billing:
    """Who is billed and when: the payer's key and settings (unit method, code set) and the date of service."""
    payer: str
    cfg: dict
    date_of_service: dt.date | None = None

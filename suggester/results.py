"""Typed, frozen results. ``Result.to_dict()`` is the one serialisation used by every surface."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Evidence", "Finding", "NotCounted", "Result", "Suggestion"]


@dataclass(frozen=True)
class Evidence:
    """A span of the note (``text[start:end]``) that supports a code."""

    start: int
    end: int
    text: str
    section: str
    score: float
    phrases: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return {"start": self.start, "end": self.end, "text": self.text, "section": self.section,
                "score": round(self.score, 3), "phrases": list(self.phrases)}


@dataclass(frozen=True)
class Finding:
    """A compliance or documentation finding with a stable id (e.g. ``PT101``)."""

    id: str
    severity: str
    message: str
    codes: tuple[str, ...] = ()
    source: str | None = None
    effective_from: str | None = None
    effective_to: str | None = None

    def to_dict(self) -> dict:
        return {"id": self.id, "severity": self.severity, "message": self.message, "codes": list(self.codes),
                "source": self.source, "effective_from": self.effective_from, "effective_to": self.effective_to}


@dataclass(frozen=True)
class NotCounted:
    """A mention of a service that was not performed this session, and why it was not counted."""

    code: str
    reason: str
    start: int
    end: int
    text: str
    section: str
    confidence: float

    def to_dict(self) -> dict:
        return {"code": self.code, "reason": self.reason, "start": self.start, "end": self.end, "text": self.text,
                "section": self.section, "confidence": round(self.confidence, 3)}


@dataclass(frozen=True)
class Suggestion:
    """One ranked candidate code."""

    code: str
    label: str
    confidence: float
    recommended: bool
    units: int | None
    minutes: int | None
    evidence: tuple[Evidence, ...]
    explanation: str
    category: str
    timed: bool
    modifiers: tuple[str, ...] = ()
    finding_ids: tuple[str, ...] = ()
    minutes_evidence: tuple = ()      # TimeLink records: the time spans used for ``minutes`` and the rule that linked each

    def to_dict(self) -> dict:
        return {"code": self.code, "label": self.label, "confidence": round(self.confidence, 3),
                "recommended": self.recommended, "units": self.units, "minutes": self.minutes,
                "evidence": [e.to_dict() for e in self.evidence], "explanation": self.explanation,
                "category": self.category, "timed": self.timed, "modifiers": list(self.modifiers),
                "finding_ids": list(self.finding_ids),
                "minutes_evidence": [m.to_dict() for m in self.minutes_evidence]}


@dataclass(frozen=True)
class Result:
    """Everything the engine says about one note."""

    suggestions: tuple[Suggestion, ...]
    findings: tuple[Finding, ...] = ()
    not_counted: tuple[NotCounted, ...] = ()
    totals: dict = field(default_factory=dict)
    payer: str = "medicare"
    non_visit: str | None = None
    versions: dict = field(default_factory=dict)
    report: dict | None = None   # report kind and, for evaluations, the level reasoning (see evaluation_report.py)

    @property
    def recommended(self) -> tuple[Suggestion, ...]:
        return tuple(s for s in self.suggestions if s.recommended)

    @property
    def codes(self) -> list[str]:
        """The recommended codes, best first."""
        return [s.code for s in self.recommended]

    def to_dict(self) -> dict:
        return {"suggestions": [s.to_dict() for s in self.suggestions],
                "findings": [f.to_dict() for f in self.findings],
                "not_counted": [n.to_dict() for n in self.not_counted],
                "totals": dict(self.totals), "payer": self.payer, "non_visit": self.non_visit,
                "versions": dict(self.versions), "report": self.report}

"""Documentation checks: will this note survive a Medicare review?

:func:`check_note` reads a note and the engine's :class:`~suggester.results.Result` for it and answers eight
checks (``resources/documentation_rules.json``: total timed minutes, total treatment time, minutes that add
up, signature with credentials, a PTA's supervising PT, skilled care, date of service, progress toward goals
with objective measures). Each check is ``pass``, ``fail`` or ``n/a`` (does not apply to this note), with the
span it found or, when something is missing, where it belongs, and a fix. The checklist is what
``suggester check``, ``POST /v1/check`` and the page show; a therapist can fix the note before signing.

Only cue lists and patterns live in the data file; this module decides from the engine's result which checks
apply (a timed service performed, the note kind), so the checks and the codes never disagree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ._resources import packaged_json
from .nlp.minutes import find_totals
from .nlp.rules import compile_literals

__all__ = ["CheckResult", "DocumentationReport", "check_note"]

_SELF_TIMED_RULES = {"single_timed_total", "session_total", "session_remainder"}


@dataclass(frozen=True)
class CheckResult:
    """One check on one note. ``start``/``end``: the span that satisfies (or breaks) it, or for a missing
    element the place where it belongs (an empty span at the end of the note)."""

    id: str
    name: str
    status: str          # "pass", "fail" or "n/a"
    severity: str
    title: str
    message: str
    source: str
    start: int | None = None
    end: int | None = None

    def to_dict(self) -> dict:
        return {"id": self.id, "name": self.name, "status": self.status, "severity": self.severity,
                "title": self.title, "message": self.message, "source": self.source, "start": self.start,
                "end": self.end}


@dataclass(frozen=True)
class DocumentationReport:
    """The checklist for one note, with a score: checks passed out of checks that apply."""

    checks: tuple[CheckResult, ...]

    @property
    def applicable(self) -> tuple[CheckResult, ...]:
        return tuple(c for c in self.checks if c.status != "n/a")

    @property
    def failed(self) -> tuple[CheckResult, ...]:
        return tuple(c for c in self.checks if c.status == "fail")

    @property
    def score(self) -> float | None:
        """Share of the applicable checks that pass (None when none applies)."""
        return None if not self.applicable else round(1 - len(self.failed) / len(self.applicable), 3)

    def to_dict(self) -> dict:
        return {"score": self.score, "passed": len(self.applicable) - len(self.failed), "applicable": len(self.applicable),
                "missing": [c.id for c in self.failed], "checks": [c.to_dict() for c in self.checks]}


@lru_cache(maxsize=1)
def _rules() -> dict:
    data = packaged_json("documentation_rules.json")
    flags = re.IGNORECASE | re.MULTILINE
    sig = data["signature"]
    creds = sorted(sig["credentials"], key=len, reverse=True)
    return {
        "checks": {c["id"]: c for c in data["checks"]},
        "sig_lead": [re.compile(p, flags) for p in sig["lead_patterns"]],
        "credential": re.compile(r"(?<![A-Za-z])(?:%s)(?![A-Za-z])" % "|".join(
            re.escape(c).replace(r"\ ", r"\s+") for c in creds)),   # case-sensitive: "PT", not "pt"
        "credential_words": re.compile(r"\b(?:%s)\b" % "|".join(re.escape(c) for c in creds if " " in c), re.IGNORECASE),
        "name_credential": re.compile(sig["name_credential_pattern"]),
        "pta": [re.compile(p) for p in data["pta"]["credential_patterns"]],
        "supervisor": compile_literals(data["pta"]["supervisor_cues"]),
        "supervisor_name": re.compile(data["pta"]["supervisor_name_pattern"]),
        "skill": compile_literals(data["skilled_care"]["cues"]),
        "skill_patterns": [re.compile(p, flags) for p in data["skilled_care"]["patterns"]],
        "progress_kinds": set(data["progress"]["kinds"]),
        "progress_titles": compile_literals(data["progress"]["title_cues"]),
        "goal": compile_literals(data["progress"]["goal_cues"]),
        "measures": [re.compile(p, flags) for p in data["progress"]["measure_patterns"]],
        "dates": [re.compile(p, re.IGNORECASE) for p in data["date_patterns"]],
    }


def check_note(text: str, result) -> DocumentationReport:
    """The documentation checklist for ``text`` given the engine's ``result`` for it."""
    r = _rules()
    end = len(text.rstrip())
    out: list[CheckResult] = []

    def add(cid: str, status: str, detail: str = "", span: tuple[int, int] | None = None) -> None:
        c = r["checks"][cid]
        if status == "fail":
            message = f"{c['title']}: missing or wrong. {detail + ' ' if detail else ''}{c['fix']}".strip()
            span = span or (end, end)
        elif status == "pass":
            message = f"{c['title']}." + (f" {detail}" if detail else "")
        else:
            message = f"Does not apply: {detail}" if detail else "Does not apply to this note."
        out.append(CheckResult(cid, c["name"], status, c["severity"], c["title"], message, c["source"],
                               *(span if span else (None, None))))

    performed = bool(result.recommended) and not result.non_visit
    timed = [s for s in result.recommended if s.timed] if performed else []
    totals = find_totals(text)
    timed_total = totals.get("timed")
    session = totals.get("treatment") or totals.get("generic")

    # DOC201 / DOC202: the two totals Medicare asks for
    if not timed:
        add("DOC201", "n/a", "no timed service was performed.")
    elif timed_total:
        add("DOC201", "pass", f"{timed_total[0]} min.", timed_total[1:])
    else:
        add("DOC201", "fail", f"Timed services: {', '.join(s.code for s in timed)}.")
    if not performed:
        add("DOC202", "n/a", "no service was performed.")
    elif session:
        add("DOC202", "pass", f"{session[0]} min.", session[1:])
    else:
        add("DOC202", "fail")

    # DOC203: per-service minutes against the stated totals
    own = [s for s in timed if s.minutes is not None
           and not any(m.rule in _SELF_TIMED_RULES for m in s.minutes_evidence)]
    if not timed or not timed_total or len(own) < len(timed):
        add("DOC203", "n/a", "needs a stated total timed time and minutes for every timed service.")
    else:
        total = sum(s.minutes for s in own)
        problems = []
        if total != timed_total[0]:
            problems.append(f"the services add up to {total} min, the note states {timed_total[0]} min timed")
        if session and session[0] < timed_total[0]:
            problems.append(f"total treatment time {session[0]} min is less than the {timed_total[0]} timed min")
        add("DOC203", "fail" if problems else "pass",
            ("; ".join(problems).capitalize() + ".") if problems else f"{total} min in all.", timed_total[1:])

    # DOC204: signature with credentials; DOC205: a PTA's supervising PT
    sig_span, sig_line_without_cred = _signature(text, r)
    if sig_span:
        add("DOC204", "pass", "", sig_span)
    else:
        add("DOC204", "fail", "A signature line without credentials." if sig_line_without_cred else "No signature.",
            sig_line_without_cred)
    pta = next((m for rx in r["pta"] for m in rx.finditer(text)), None)
    if pta is None:
        add("DOC205", "n/a", "not a physical therapist assistant's note.")
    else:
        # the supervising PT must be named: a cue followed by a person's name
        sup = next((m for m in r["supervisor"].finditer(text)
                    if r["supervisor_name"].match(text, m.end(), min(len(text), m.end() + 60))), None)
        add("DOC205", "pass" if sup else "fail", "" if sup else "No supervising PT is named.",
            (sup.start(), sup.end()) if sup else None)

    # DOC206: skilled care for the timed services
    if not timed:
        add("DOC206", "n/a", "no timed service was performed.")
    else:
        skill = r["skill"].search(text) or next((m for rx in r["skill_patterns"] for m in rx.finditer(text)), None)
        if skill:
            add("DOC206", "pass", f"e.g. '{skill.group(0)}'.", (skill.start(), skill.end()))
        else:
            first = min((e.start for s in timed for e in s.evidence), default=end)
            add("DOC206", "fail", "The timed services read as a list of exercises or activities.", (first, first))

    # DOC207: date of service
    date = next((m for rx in r["dates"] for m in rx.finditer(text)), None)
    add("DOC207", "pass" if date else "fail", "", (date.start(), date.end()) if date else (0, 0))

    # DOC208: progress reports, re-evaluations and discharges state progress toward goals with measures
    kind = (result.report or {}).get("kind")
    titled = r["progress_titles"].search(text[:400])
    if kind not in r["progress_kinds"] and not titled:
        add("DOC208", "n/a", "not a progress report, re-evaluation or discharge summary.")
    else:
        goal = r["goal"].search(text)
        measure = next((m for rx in r["measures"] for m in rx.finditer(text)), None)
        lacking = [w for w, ok in (("progress toward goals", goal), ("objective measures", measure)) if not ok]
        add("DOC208", "fail" if lacking else "pass", ("Missing: " + " and ".join(lacking) + ".") if lacking else "",
            (goal.start(), goal.end()) if goal else None)
    return DocumentationReport(tuple(out))


def _signature(text: str, r: dict) -> tuple[tuple[int, int] | None, tuple[int, int] | None]:
    """(span of a signature with credentials, span of a signature line without them)."""
    without = None
    for rx in r["sig_lead"]:
        for m in rx.finditer(text):
            line_end = text.find("\n", m.end())
            line_end = len(text) if line_end < 0 else line_end
            # the credential may follow on the next line ("Signed:\nJ. Rivera, PT")
            nxt = text.find("\n", line_end + 1)
            window_end = line_end if text[m.end():line_end].strip() else (len(text) if nxt < 0 else nxt)
            window = text[m.end():window_end]
            cred = r["credential"].search(window) or r["credential_words"].search(window)
            if cred:
                return (m.start(), m.end() + cred.end()), None
            if window.strip() and without is None:
                without = (m.start(), window_end)
    m = r["name_credential"].search(text)
    if m:
        return (m.start(), m.end()), None
    return None, without

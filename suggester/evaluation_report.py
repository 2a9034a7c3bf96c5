"""Evaluation-type reports: recognise them from structure and content, and reason the evaluation level.

A full initial evaluation (history, examination, assessment, goals, plan of care with frequency and
duration) often carries no title that says "evaluation". :class:`ReportReader` scores the structural
elements a report has, reads titles and re-evaluation cues, and for an initial PT evaluation derives
the complexity level from the four components (history, examination, clinical presentation, clinical
decision making): the level is the lowest that all four reach. Every pattern is data
(``resources/evaluation_rules.json``); this module only counts.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field

from ._resources import packaged_json, read_json
from .errors import ResourceError
from .nlp.rules import UNCHECKED_BOX, Screen, WordStartPattern, line_bounds, word_start_alternatives

__all__ = ["Component", "ReportAssessment", "ReportReader", "LEVEL_CODES"]

LEVEL_CODES = ("97161", "97162", "97163")
_LEVEL_NAMES = ("low", "moderate", "high")
KINDS = ("initial_evaluation", "re_evaluation", "discharge", "progress", "treatment")


@dataclass(frozen=True)
class Component:
    """One of the four components of an evaluation's complexity, with the spans that support it."""

    name: str
    level: str                                   # "low" | "moderate" | "high"
    count: int | None
    reason: str
    spans: tuple[tuple[int, int], ...] = ()
    to_reach_higher: str | None = None

    def to_dict(self, text: str = "") -> dict:
        return {"name": self.name, "level": self.level, "count": self.count, "reason": self.reason,
                "evidence": [{"start": a, "end": b, "text": text[a:b]} for a, b in self.spans],
                "to_reach_higher": self.to_reach_higher}


@dataclass(frozen=True)
class ReportAssessment:
    """What kind of report a note is and, for evaluations, which code and why."""

    kind: str                                    # one of KINDS
    code: str | None = None                      # evaluation code the report supports, if any
    confidence: float = 0.0
    signals: tuple[tuple[str, int, int], ...] = ()   # (element, start, end)
    components: tuple[Component, ...] = ()
    stated_level: str | None = None
    exam_findings: bool = False                  # exam lines in this report are findings, not treatment

    @property
    def is_evaluation(self) -> bool:
        return self.code is not None

    @property
    def limiting(self) -> tuple[Component, ...]:
        """The components at the lowest level: the ones that decide an initial evaluation's level."""
        if not self.components:
            return ()
        lowest = min(_LEVEL_NAMES.index(c.level) for c in self.components)
        return tuple(c for c in self.components if _LEVEL_NAMES.index(c.level) == lowest)

    def to_dict(self, text: str = "") -> dict:
        return {"kind": self.kind, "code": self.code, "confidence": round(self.confidence, 3),
                "elements": sorted({s[0] for s in self.signals}),
                "stated_level": self.stated_level,
                "components": [c.to_dict(text) for c in self.components]}


@dataclass
class _Region:
    start: int
    end: int
    section: str
    status: str | None


@dataclass
class _Rules:
    raw: dict
    titles: dict = field(default_factory=dict)
    structure: dict = field(default_factory=dict)
    exam: dict = field(default_factory=dict)

    @classmethod
    def load(cls, source=None) -> "_Rules":
        raw = packaged_json("evaluation_rules.json") if source in (None, "default") else read_json(source, packaged=False)
        try:
            lists: list[_Patterns] = []
            comp = lambda pats: lists.append(_Patterns(_compile_caseless(p) for p in pats)) or lists[-1]  # noqa: E731
            rules = cls(raw)
            terms = {name: "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
                     for name, words in raw.get("title_terms", {}).items()}
            fill = lambda p: re.sub(r"\{(\w+)\}", lambda m: terms.get(m.group(1), m.group(0)), p)  # noqa: E731
            rules.titles = {k: comp([fill(p) for p in v]) for k, v in raw["titles"].items()}
            rules.structure = {k: dict(v, patterns=comp(v.get("patterns", []))) for k, v in raw["structure"].items()}
            # one alternation per exam element: elements are counted, not their patterns (one scan each)
            rules.exam = {k: comp([word_start_alternatives(v) or "|".join(f"(?:{p})" for p in v)])
                          for k, v in raw["exam_elements"].items()}
            rules.measures = comp(raw["standardized_measures"])
            rules.comorbidities = comp(raw["comorbidities"])
            rules.personal = comp(raw["personal_factors"])
            rules.presentation = {k: comp(v) for k, v in raw["presentation"].items()}
            rules.stated = {k: comp(v) for k, v in raw["stated_level"].items()}
            rules.reeval_cues = comp(raw["re_evaluation_cues"])
            rules.progress_cues = comp(raw.get("progress_cues", []))
            rules.reeval_statements = comp(raw.get("re_evaluation_statements", []))
            later = raw.get("later_visit", {})
            rules.later_visit = comp(later.get("patterns", []))
            rules.later_visit_window = int(later.get("window", 0))
            rules.treatment_cues = comp(raw["treatment_cues"])
            rules.other_titles = comp(raw.get("other_discipline", {}).get("titles", []))
            recert = raw.get("recertification_unchanged", {})
            rules.recert_titles = [re.compile(p, re.IGNORECASE) for p in recert.get("titles", [])]   # whole-title tests
            rules.recert_unchanged = comp(recert.get("cues", []))
            # one screen for every list: which rule patterns can match a note is worked out once per note
            first = 0
            for patterns in lists:
                patterns.ids = range(first, first + len(patterns))
                first += len(patterns)
            rules.screen = Screen([rx for patterns in lists for rx in patterns])
        except (KeyError, TypeError, AttributeError) as exc:
            raise ResourceError(f"evaluation rules: missing or malformed field {exc}; see the description in "
                                "suggester/resources/evaluation_rules.json.") from None
        except re.error as exc:
            raise ResourceError(f"evaluation rules: invalid regular expression ({exc}).") from None
        unknown = set(rules.titles) - set(KINDS)
        if unknown:
            raise ResourceError(f"evaluation rules: unknown title kind(s) {sorted(unknown)}; allowed {list(KINDS)}.")
        return rules


class _Patterns(list):
    """A list of rule patterns; ``ids``: their places in the rules' one :class:`~suggester.nlp.rules.Screen`."""

    ids: range = range(0)


def _compile_caseless(pattern: str) -> re.Pattern | WordStartPattern:
    """A rule pattern for lowercased text (see :func:`_lower`): without IGNORECASE when it holds no capital
    letter outside its escapes, which makes the scan about twice as fast; with it otherwise. Most rules begin
    with a word boundary ("\\bberg\\b"): those scan from their first characters (:class:`WordStartPattern`)."""
    upper = re.search(r"[A-Z]", re.sub(r"\\.", "", pattern)) is not None
    return WordStartPattern.compile(pattern, re.MULTILINE | (re.IGNORECASE if upper else 0))


def _lower(text: str) -> str:
    """``text`` lowercased with every offset kept (a character whose lowercase is longer stays as it is)."""
    low = text.lower()
    return low if len(low) == len(text) else "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


# kinds whose title outranks the others' (a re-evaluation, discharge or progress title decides the report): past the
# title window their title must lead its short line
_LEADING_TITLE_KINDS = frozenset({"re_evaluation", "discharge", "progress"})


class ReportReader:
    """Decide the report kind of a parsed note and, for an initial evaluation, its complexity level.

    Parameters
    ----------
    rules : str or Path, optional
        An evaluation-rules JSON file; the packaged ``evaluation_rules.json`` when omitted.
    """

    def __init__(self, rules=None) -> None:
        self.rules = _Rules.load(rules)
        self._cfg = self.rules.raw
        self._screened: tuple[str, frozenset[int]] | None = None   # the note being read and its screen (_maybe)

    # ---------------------------------------------------------------- helpers
    def _finds(self, patterns, text: str, regions: list[_Region]) -> list[tuple[int, int, int]]:
        """(pattern index, start, end) of every match that lies inside one of ``regions`` (sorted, disjoint).

        Each pattern that can match the text (the rules' screen) scans it once; a match is kept when its region
        holds it whole."""
        if not regions:
            return []
        starts = [r.start for r in regions]
        lo, hi = regions[0].start, max(r.end for r in regions)
        out = []
        if isinstance(patterns, _Patterns):
            maybe = self._maybe(text)
            ks = [k for k, i in enumerate(patterns.ids) if i in maybe]
        else:
            ks = range(len(patterns))
        for k in ks:
            for m in patterns[k].finditer(text, lo, hi):
                i = bisect_right(starts, m.start()) - 1
                if i >= 0 and m.end() <= regions[i].end and m.end() > m.start():
                    out.append((k, m.start(), m.end()))
        return out

    def _maybe(self, text: str) -> frozenset[int]:
        """The rule patterns that can match ``text`` (lowercased: its own lowercase), worked out once per note."""
        last = self._screened
        if last is not None and last[0] is text:
            return last[1]
        maybe = frozenset(self.rules.screen.candidates(text, text))
        self._screened = (text, maybe)
        return maybe

    @staticmethod
    def _distinct(hits) -> dict[int, tuple[int, int]]:
        first: dict[int, tuple[int, int]] = {}
        for k, a, b in sorted(hits, key=lambda h: h[1]):
            first.setdefault(k, (a, b))
        return first

    def _level(self, name: str, count: int) -> str:
        mod, high = self._cfg["thresholds"][name]
        return "high" if count >= high else "moderate" if count >= mod else "low"

    def _titles(self, text: str, clauses: list[_Region]) -> dict[str, tuple[int, int]]:
        """Title-like mentions: on the first line or on a short line, in a clause that is not planned/negated."""
        limit = int(self._cfg["title_line_max_chars"])
        window = int(self._cfg.get("title_window", 0))
        found: dict[str, tuple[int, int]] = {}
        maybe = self._maybe(text)   # a title pattern that cannot match the note matches none of its lines
        kinds = [(kind, [rx for rx, i in zip(pats, pats.ids) if i in maybe]) for kind, pats in self.rules.titles.items()]
        pos = 0
        first = True
        for line in text.split("\n"):
            stripped = line.strip()
            if stripped and (first or len(stripped) <= limit) and not UNCHECKED_BOX.match(line):   # "[ ] Re-evaluation"
                for kind, pats in kinds:
                    if kind in found:
                        continue
                    for rx in pats:
                        m = rx.search(line[:limit] if first else line)
                        # past the title window a short line is a title only when the title leads it ("PT
                        # Re-Evaluation"), not a mention inside it ("Total time 42 min (incl. reassessment/report)")
                        if m and kind in _LEADING_TITLE_KINDS and not first and pos + m.start() > window \
                                and len(line[:m.start()].strip(" \t-*\u2022#>=:|").split()) > 2:
                            continue
                        if m and not _blocked(pos + m.start(), clauses):
                            found[kind] = (pos + m.start(), pos + m.end())
                            break
            if stripped:
                first = False
            pos += len(line) + 1
        return found

    # ---------------------------------------------------------------- main
    def read(self, text: str, segments, clauses) -> ReportAssessment:
        """Assess a note.

        ``segments`` and ``clauses`` are sequences of ``(start, end, section, assertion)`` in text order
        (the spaCy pipeline's segments and clauses).
        """
        try:
            return self._read(text, segments, clauses)
        finally:
            self._screened = None   # the note's text is not kept past its reading

    def _read(self, text: str, segments, clauses) -> ReportAssessment:
        text = _lower(text)  # the rules read lowercased text (same offsets)
        segs = [_Region(*s) for s in segments]
        cls_ = [_Region(*c) for c in clauses]
        sections = {r.section for r in segs}
        content = [r for r in cls_ if r.section not in ("goals", "plan", "home_program")
                   and r.status not in ("negated", "declined", "planned", "goal")]
        signals: list[tuple[str, int, int]] = []
        titles = self._titles(text, cls_)

        points = 0
        present: set[str] = set()
        exam_hits = self._distinct((k, a, b) for k, a, b in self._exam_hits(text, content))
        for name, el in self.rules.structure.items():
            if name == "exam":
                ok = len(exam_hits) >= int(el["min_elements"])
                spans = list(exam_hits.values())[:3] if ok else []
            else:
                in_section = [r for r in segs if r.section in el.get("sections", [])]
                spans = [(r.start, r.end) for r in in_section[:1]]
                if not spans:
                    hit = self._finds(el["patterns"], text, [_Region(0, len(text), "", None)])
                    spans = [(a, b) for _, a, b in hit[:1] if not _blocked(a, cls_, allow_plan=name in ("plan_of_care", "goals"))]
            if spans:
                present.add(name)
                points += int(el["points"])
                signals.extend((name, a, b) for a, b in spans[:1])
        structured = (points >= int(self._cfg["initial_min_points"])
                      and all(r in present for r in self._cfg["initial_requires"])
                      and all(any(x in present for x in group) for group in self._cfg["initial_requires_any"]))
        reeval_cues = self._finds(self.rules.reeval_cues, text, [_Region(0, len(text), "", None)])

        if "re_evaluation" not in titles and exam_hits:
            stated = [(a, b) for _, a, b in self._finds(self.rules.reeval_statements, text, content)]
            if stated:  # "Mr. E. was formally re-evaluated today": a letter's title is in its sentences
                titles["re_evaluation"] = stated[0]
        if points < int(self._cfg["title_min_points"]):
            titles = {}  # a title with nothing under it is not a report
        if "discharge" in titles:
            kind = "discharge"
        elif "re_evaluation" in titles and not self._unchanged_recert(text, titles["re_evaluation"]):
            kind = "re_evaluation"
        elif "re_evaluation" in titles:
            kind = "progress"   # "Recertification ... no change in condition, POC continued": a recert, not a re-exam
        elif "progress" in titles:
            kind = "initial_evaluation" if self._first_exam(text, present, reeval_cues) and not self._later_visit(text) \
                else "progress"
        elif "treatment" in titles and titles["treatment"][0] < titles.get("initial_evaluation", (len(text),))[0]:
            # "Physical Therapy Daily Note" above its template's headings ("PT assessment during manual therapy"):
            # the title that comes first says what the note is
            kind = "treatment"
        elif "initial_evaluation" in titles:
            kind = "initial_evaluation"
        elif structured and len(reeval_cues) >= int(self._cfg["re_evaluation_min_cues"]):
            kind = "re_evaluation"
        elif structured and not self._later_visit(text):
            kind = "initial_evaluation"
        # past here a structured note is a later visit restating history, measures, goals and plan ("SOAP Note -
        # Visit 6"): a progress report with measured change, else a treatment note - never a first exam
        elif self._change_cues(text, reeval_cues) >= int(self._cfg.get("untitled_progress_min_change_cues", 10 ** 6)):
            kind = "progress"   # "12 visits to date. Flexion 145 (SOC 100) ... STG all met": measured change
        elif not structured and exam_hits and any(self._finds(pats, text, [r for r in cls_ if r.status is None])
                                                  for pats in self.rules.stated.values()):
            # "Eval complexity: moderate." under an untitled exam ("HH PT SOC visit ... Exam: ..."): the note states
            # the level of the evaluation it documents
            kind = "initial_evaluation"
        else:
            kind = "treatment"
        for k, (a, b) in titles.items():
            if k == kind:
                signals.insert(0, ("title", a, b))
        if kind == "re_evaluation":
            signals.extend(("re_evaluation_cue", a, b) for _, a, b in reeval_cues[:2])
        exam_findings = kind in self._cfg["kinds_with_exam_findings"] and (kind in titles or structured)

        other = self._other_discipline(text, titles) if kind in ("initial_evaluation", "re_evaluation") else None
        if other is not None:   # "Occupational Therapy Evaluation": that discipline's code, outside the catalogue
            return ReportAssessment(kind, None, 0.0, (("other_discipline", *other), *signals), exam_findings=exam_findings)
        if kind == "re_evaluation":
            return ReportAssessment(kind, "97164", 0.9 if kind in titles else 0.75, tuple(signals),
                                    exam_findings=exam_findings)
        if kind != "initial_evaluation":
            return ReportAssessment(kind, None, 0.0, tuple(signals), exam_findings=exam_findings)

        components = self._components(text, content, exam_hits)
        stated = None
        for code, pats in self.rules.stated.items():
            hit = self._finds(pats, text, [r for r in cls_ if r.status not in ("negated", "declined")])
            if hit:
                stated = code
                signals.append(("stated_level", hit[0][1], hit[0][2]))
                break
        order = {n: i for i, n in enumerate(_LEVEL_NAMES)}
        reasoned = LEVEL_CODES[min(order[c.level] for c in components)]
        code = stated or reasoned
        confidence = 0.9 if "initial_evaluation" in titles and structured else 0.8 if structured else 0.7
        return ReportAssessment(kind, code, confidence, tuple(signals), tuple(components), stated, exam_findings)

    def _unchanged_recert(self, text: str, title: tuple[int, int]) -> bool:
        """The re-evaluation title is only a recertification's ("Recert", "Recertification / progress report") and
        the report says the patient's condition or plan did not change ("no change in condition", "recert only"):
        the plan is renewed without a new examination (``recertification_unchanged``)."""
        if not self.rules.recert_titles or not any(rx.fullmatch(text, *title) for rx in self.rules.recert_titles):
            return False
        start, end = line_bounds(text, title[0])
        recert = {rx.pattern for rx in self.rules.recert_titles}
        if any(rx.pattern not in recert and rx.search(text, start, end) for rx in self.rules.titles.get("re_evaluation", ())):
            return False   # "PT RE-EVALUATION / RECERTIFICATION": the title names a re-evaluation too
        return bool(self._finds(self.rules.recert_unchanged, text, [_Region(0, len(text), "", None)]))

    def _other_discipline(self, text: str, titles: dict) -> tuple[int, int] | None:
        """The span of a title naming another discipline's evaluation ("Occupational Therapy Evaluation", "SLP
        eval: dysphagia"), when it is the report's first title, on one of its first lines (``other_discipline``)."""
        if not self.rules.other_titles:
            return None
        first_title = min((a for a, _ in titles.values()), default=len(text))
        pos, seen = 0, 0
        for line in text.split("\n"):
            if line.strip():
                if pos > first_title or seen >= int(self._cfg["other_discipline"]["title_lines"]):
                    return None
                seen += 1
                for rx in self.rules.other_titles:
                    m = rx.search(line)
                    if m:
                        return pos + m.start(), pos + m.end()
            pos += len(line) + 1
        return None

    def _later_visit(self, text: str) -> bool:
        """The note's header says it documents a later visit of the episode ("Visit 6", "Visit #: 22", "10th visit";
        evaluation_rules.json ``later_visit``: patterns read in the first ``window`` characters)."""
        window = self.rules.later_visit_window
        return any(rx.search(text, 0, window) for rx in self.rules.later_visit) if window else False

    def _first_exam(self, text: str, present: set, reeval_cues: list) -> bool:
        """A report titled as a progress note whose content is a first examination: an exam, a plan, a history
        or reason for referral, and (almost) nothing compared with a baseline (``progress_title_first_exam``)."""
        rule = self._cfg.get("progress_title_first_exam")
        if not rule or not all(r in present for r in rule["requires"]) \
                or not all(any(x in present for x in group) for group in rule["requires_any"]):
            return False
        return self._change_cues(text, reeval_cues) <= int(rule["max_change_cues"])

    def _change_cues(self, text: str, reeval_cues: list) -> int:
        """Mentions of change against a baseline: re-evaluation cues and progress cues."""
        return len(reeval_cues) + len(self._finds(self.rules.progress_cues, text, [_Region(0, len(text), "", None)]))

    def _exam_hits(self, text: str, regions):
        out = []
        names = list(self.rules.exam)
        for k, name in enumerate(names):
            for _, a, b in self._finds(self.rules.exam[name], text, regions):
                out.append((k, a, b))
        return out

    def _components(self, text: str, content: list[_Region], exam_hits: dict) -> tuple[Component, ...]:
        cfg = self._cfg
        higher = cfg["to_reach_higher"]
        comorb = self._distinct(self._finds(self.rules.comorbidities, text, content))
        personal = self._distinct(self._finds(self.rules.personal, text, content))
        n_hist = len(comorb) + len(personal)
        hist_level = self._level("history", n_hist)
        spans = sorted(list(comorb.values()) + list(personal.values()))
        history = Component("history", hist_level, n_hist,
                            f"{len(comorb)} comorbidit{'y' if len(comorb) == 1 else 'ies'} and {len(personal)} personal "
                            f"factor{'' if len(personal) == 1 else 's'} named",
                            tuple(spans), None if hist_level == "high" else higher["history"])

        names = list(self.rules.exam)
        n_exam = len(exam_hits)
        exam_level = self._level("examination", n_exam)
        exam = Component("examination", exam_level, n_exam,
                         f"{n_exam} element{'' if n_exam == 1 else 's'} examined: "
                         + (", ".join(names[k].replace("_", " ") for k in sorted(exam_hits)) or "none found"),
                         tuple(sorted(exam_hits.values())), None if exam_level == "high" else higher["examination"])

        pres_level, pres_span, reason = "low", (), "not described and no sign of recent change; taken as stable"
        for level, why in (("high", "described as unstable or unpredictable"),
                           ("moderate", "described as evolving or changing"), ("low", "described as stable or chronic"),
                           ("moderate_inferred", "recent change documented (e.g. a recent fall, worsening or new "
                                                 "symptoms, pending work-up, post-operative): evolving")):
            hit = self._finds(self.rules.presentation.get(level, []), text, content)
            if hit:
                pres_level, reason = level.replace("_inferred", ""), why
                pres_span = ((hit[0][1], hit[0][2]),)
                break
        presentation = Component("presentation", pres_level, None, reason, pres_span,
                                 None if pres_level == "high" else higher["presentation"])

        measures = self._distinct(self._finds(self.rules.measures, text, content))
        n_meas = len(measures)
        dm_level = self._level("decision_making", n_meas)
        decision = Component("decision_making", dm_level, n_meas,
                             f"{n_meas} standardized test{'' if n_meas == 1 else 's'} or outcome measure{'' if n_meas == 1 else 's'} used",
                             tuple(sorted(measures.values())), None if dm_level == "high" else higher["decision_making"])
        return history, exam, presentation, decision

    def treatment_given(self, clause_text: str) -> bool:
        """True when an exam-section line of an evaluation reads as treatment given (minutes, 'instructed', sets)."""
        low = _lower(clause_text)
        return any(rx.search(low) for rx in self.rules.treatment_cues)

    def exam_finding_sections(self, kind: str | None = None) -> frozenset:
        """Sections whose lines are exam findings in a report of ``kind``."""
        return frozenset(self._cfg.get("exam_finding_sections_by_kind", {}).get(kind, self._cfg["exam_finding_sections"]))


def _blocked(pos: int, clauses: list[_Region], *, allow_plan: bool = False) -> bool:
    """A position inside a clause that is planned, negated or declined (titles and signals do not count there)."""
    for c in clauses:
        if c.start <= pos < c.end:
            if c.status in ("negated", "declined"):
                return True
            return c.status in ("planned", "goal") and not allow_plan
    return False

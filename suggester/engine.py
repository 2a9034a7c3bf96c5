"""The one engine: text -> spaCy context pipeline -> classifier + catalogue phrases -> ranked codes
-> units from minutes -> compliance findings -> :class:`~suggester.results.Result`.

Every surface (CLI, HTTP service, batch audit, spaCy component) calls :class:`Suggester`.
Nothing here logs note text.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import numpy as np

from ._resources import packaged_json
from ._version import __version__
from .catalogue import Catalogue, load_catalogue
from .claims import find_code_claims
from .errors import InputError
from .evaluation_report import ReportReader
from .minutes_attribution import OF_NEXT, TimeLink, attribute_minutes, has_time_column, indented_row, table_minutes
from . import spacy_component  # noqa: F401  (registers "suggester_codes"; it imports the engine lazily, no cycle)
from .nlp import CLAUSES, SEGMENTS, build_nlp
from .nlp.components import doc_text
from .nlp.minutes import MinuteMention, find_minutes, find_totals
from .nlp.rules import compile_literals
from .phrases import PhraseIndex
from .results import Evidence, NotCounted, Result, Suggestion
from .units import compute_units, minutes_to_units

__all__ = ["Suggester", "suggest"]

_WORD = re.compile(r"[A-Za-z]{2,}")
_NOT_BILLED = re.compile(r"\s*\(?\s*(?:not (?:included|billed|counted|billable|timed)|unbilled)\b", re.IGNORECASE)
# A flowsheet row: cells between pipes, or columns aligned with runs of spaces or dot leaders.
_DESCRIBING = re.compile(r"\b(?!(?:units?|min(?:ute)?s?|mins|x|total|code|cpt)\b)[A-Za-z][A-Za-z-]{2,}")  # words of a description
_TABLE_ROW = re.compile(r"\||\S {3,}\S|\.{3,}")
_CELL_SEP = re.compile(r"\s*\|\s*|\s{3,}|\t+|\s*\.{3,}\s*")


def _row_name(row: str) -> tuple[int, int] | None:
    """Span of a table row's name: its first cell holding a letter (a leading code or number cell is skipped)."""
    pos = 0
    for sep in list(_CELL_SEP.finditer(row)) + [None]:
        end = sep.start() if sep else len(row)
        if any(ch.isalpha() for ch in row[pos:end]):
            return pos, end
        if sep is None:
            return None
        pos = sep.end()
    return None


# a dose written with a service ("3x10", "x15", "2 sets", "10 reps"), not a frequency ("2x/wk", "x 6 wks")
_DOSE = re.compile(r"(?:\d+\s*[x\u00d7]\s*\d+|\b[x\u00d7]\s*\d+|\b\d+\s*(?:reps?|sets?|repetitions)\b)"
                   r"(?!\s*(?:/|per\b|a\s+(?:day|week)|(?:wks?|weeks?|days?|d|mos?|months?)\b))", re.IGNORECASE)
# a bulleted or check-box line holding only a name ("● Therex", "- Gait", "[ ] Manual therapy"): a template's menu
_BARE_ITEM = re.compile(r"\s*(?:[\u2022\u25cf\u25cb\u25aa\u25a1\u2610\u2611\u2612*\-]|\[\s?x?\s?\])\s*[A-Za-z][A-Za-z/&' -]{0,30}\s*$")
_ROW_NUMBER = re.compile(r"(?:\||\s{2,}|\t|\.{3,})\s*\d{1,3}\s*(?:\||\s{2,}|\t|$)")  # a bare number in a cell
_TOTAL_ROW = re.compile(r"\s*(?:grand\s+|sub)?totals?\b", re.IGNORECASE)   # "Total  | 36": not a service row


@dataclass
class _Candidate:
    label: str
    score: float = 0.0
    evidence: list = field(default_factory=list)
    segments: dict = field(default_factory=dict)     # segment index -> phrase spans (segment coords); clause start if none
    named_only: set = field(default_factory=set)     # segments where only a phrase names the code (weak score)


@dataclass
class _Read:
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


@dataclass
class _Gathered:
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


class Suggester:
    """Suggest billing codes for PT notes. Build once, reuse for many notes (thread-safe for reads).

    Parameters
    ----------
    model_dir : str or Path, optional
        A model directory written by ``suggester train``; the shipped model when omitted.
    catalogue : str or Path, optional
        A catalogue JSON file; the packaged catalogue when omitted.
    ncci : str or Path, optional
        An NCCI pairs file written by ``suggester ncci import``; the packaged curated pairs when omitted.

    Examples
    --------
    >>> engine = Suggester()                                     # doctest: +SKIP
    >>> engine.suggest("TherEx 23 min: SLR, bridges").codes      # doctest: +SKIP
    ['97110']
    """

    def __init__(self, model_dir: str | Path | None = None, *, catalogue: str | Path | None = None,
                 ncci: str | Path | None = None, use_context: bool = True) -> None:
        from .compliance import ComplianceChecker
        from .model import load_model, model_labels

        self.catalogue: Catalogue = load_catalogue(catalogue)
        self._label_of = model_labels(self.catalogue)
        self.model, self.model_card = load_model(model_dir, labels_allowed=set(self._label_of.values()))
        self.use_context = use_context
        self.nlp = build_nlp(context=use_context, extra_sections=self.model_card.get("clinic_sections"))
        self.config = packaged_json("engine.json")
        self.payers = packaged_json("payers.json")["payers"]
        self._unit_rules = packaged_json("units.json")["unit_rules"]
        self.compliance = ComplianceChecker(self.catalogue, ncci=ncci)
        self._classes = [str(c) for c in self.model.classes_]
        self.reports = ReportReader()
        grp = self.config.get("group_session")
        self._group = None if not grp else (grp["code"], set(grp["demote_codes"]),
                                            compile_literals(grp["individual_cues"]))
        self._min_evidence_words = int(self.config.get("min_evidence_words", 0))
        mins = packaged_json("minutes.json")
        self._orphan_max_words = int(mins["time_sentence_max_words"])
        self._unbilled_time = compile_literals(mins["unbilled_time_cues"])
        self._non_service_time = re.compile(r"\b(?:%s)\b" % "|".join(mins["non_service_time_cues"]), re.IGNORECASE)
        self._eval_labels = {c for c, e in self.catalogue.items() if e.category == "evaluation" and e.status == "active"}
        self._col = {c: j for j, c in enumerate(self._classes)}
        self.phrases = PhraseIndex.from_config(self.catalogue, self._label_of, set(self._col), self.config,
                                               self.model_card.get("clinic_phrases"))
        calib = self.model_card.get("note_calibration") or {}
        self._calib_x = np.asarray(calib.get("x", []), dtype=float)
        self._calib_y = np.asarray(calib.get("y", []), dtype=float)
        t = self.config["thresholds"]
        self._t_rec, self._t_ev, self._t_cand, self._t_nc = t["recommend"], t["evidence"], t["candidate"], t["not_counted"]
        self._t_rec_nophrase = t.get("recommend_without_phrase", t["recommend"])
        self._phrase_w = float(self.config["phrase_weight"])
        self._timed_row_floor = float(self.config.get("timed_row_floor", 0.0))
        self._score_heads = bool(self.config.get("score_clause_heads", False))
        mrow = self.config.get("measurement_row")
        self._measure_cell = re.compile(mrow["cell_pattern"], re.IGNORECASE) if mrow else None
        self._measure_min_cells = int(mrow.get("min_cells", 1)) if mrow else 0
        self._groups = [tuple(g) for g in self.config["exclusive_groups"]]
        self._count_rules = [(re.compile(r["pattern"], re.IGNORECASE), r["codes"]) for r in self.config.get("count_rules", [])]
        counts = self.model_card.get("label_counts", {})
        floor = int(self.config.get("min_support_without_phrase", 0))
        phrase_categories = set(self.config.get("categories_needing_phrase", []))
        self._needs_phrase = {lab for lab in self._classes if counts.get(lab, 0) < floor
                              or self.catalogue[lab].category in phrase_categories}
        counted = self.config.get("statuses_counted_for_categories", {})
        self._counted_status = {lab: set(counted.get(self.catalogue[lab].category, [])) for lab in self._classes}

    @functools.cached_property
    def table_phrases(self) -> PhraseIndex:
        """Phrases for flowsheet rows, where the row's name is the service: every lexicon part counts there
        (built on first use: most notes have no table)."""
        opts = dict(self.config.get("intervention_phrases", {}), exclude_parts=[])
        return PhraseIndex.from_config(self.catalogue, self._label_of, set(self._col),
                                       dict(self.config, intervention_phrases=opts), self.model_card.get("clinic_phrases"))

    # ------------------------------------------------------------------ public API
    @property
    def versions(self) -> dict:
        return {"suggester": __version__, "model_sha256": self.model_card.get("sha256"),
                "catalogue_version": self.catalogue.version}

    def payer_config(self, payer: str) -> dict:
        key = (payer or "").strip().lower()
        if key not in self.payers:
            raise InputError(f"Unknown payer {payer!r}; allowed: {sorted(self.payers)}. "
                             "Add your payer to suggester/resources/payers.json to map it to a unit method.")
        return self.payers[key]

    def suggest(self, text: str, payer: str = "medicare", *, date_of_service: dt.date | str | None = None) -> Result:
        """Suggest codes for one note.

        Parameters
        ----------
        text : str
            The whole note. Never logged.
        payer : str
            ``"medicare"``, ``"commercial"`` or a payer named in ``payers.json``.
        date_of_service : date or ISO string, optional
            Used for code effective dates; today when omitted.

        Returns
        -------
        Result

        Raises
        ------
        InputError
            ``text`` is not a string or is longer than the configured limit, or the payer is unknown.
        """
        self._check_text(text)
        cfg = self.payer_config(payer)
        dos = _as_date(date_of_service)
        key = payer.strip().lower()
        if not text.strip():
            return self._empty_result(key, cfg)
        return self._from_doc(self.nlp(self._make_doc(text)), key, cfg, dos)

    def check(self, text: str, payer: str = "medicare", *, date_of_service: dt.date | str | None = None):
        """The documentation checklist for one note (:mod:`suggester.documentation`): total timed minutes, total
        treatment time, minutes that add up, signature, a PTA's supervising PT, skilled care, date of service and
        progress toward goals. Returns ``(DocumentationReport, Result)``."""
        from .documentation import check_note

        result = self.suggest(text, payer, date_of_service=date_of_service)
        return check_note(text, result), result

    def suggest_many(self, texts: Iterable[str], payer: str = "medicare", *, batch_size: int = 64) -> list[Result]:
        """Suggest codes for many notes with spaCy's ``nlp.pipe`` (same results as :meth:`suggest`)."""
        cfg = self.payer_config(payer)
        key = payer.strip().lower()
        texts = list(texts)
        for t in texts:
            self._check_text(t)
        return [self._from_doc(doc, key, cfg, None) if t.strip() else self._empty_result(key, cfg)
                for t, doc in zip(texts, self.nlp.pipe((self._make_doc(t) for t in texts), batch_size=batch_size))]

    # ------------------------------------------------------------------ internals
    def _make_doc(self, text: str):
        """The tokenised Doc, knowing its own text (spaCy rebuilds ``doc.text`` from every token on each access)."""
        doc = self.nlp.make_doc(text)
        doc.user_data["suggester_text"] = text
        return doc

    def _score_clauses(self, texts: list[str], hits_of: list) -> np.ndarray:
        """Classifier probabilities per clause. A clause naming several services ("fifteen minutes of gait
        training ..., and twelve minutes of balance training") is also scored piece by piece, each piece running
        from one service's phrase to the next one's; a piece with its own time or dose ("ice pack x10", "tandem
        stance: 3x20 seconds") lets its named codes keep their best score (measured: scoring every piece cost dev
        and dev2 precision; pieces with a dose, 2026-12-06: published notes 0.667 -> 0.679, dev2 0.968 -> 0.964)."""
        proba = self.model.predict_proba(texts)
        pieces, owners = [], []
        for i, (text, hits) in enumerate(zip(texts, hits_of)):
            named = sorted((a, b, labels) for a, b, _, labels in hits)
            if len({frozenset(lb) for _, _, lb in named}) < 2:
                if named and self._score_heads:
                    # "Pt ambulated 150 ft with rolling walker, room air, RPE 11/20": the service statement before
                    # the first comma after its phrase, without the monitoring details that follow it
                    cut = text.find(",", named[0][1])
                    if cut > 0 and text[cut + 1:].strip():
                        pieces.append(text[:cut])
                        owners.append((i, set(named[0][2])))
                continue
            # one piece per service: from its phrase (or, when times lead, from its time) to where the next begins
            leading = bool(find_minutes(text[:named[0][0]]))  # "fifteen minutes of gait ..., twelve of balance"
            firsts = [k for k in range(len(named)) if k == 0 or named[k][2] != named[k - 1][2]]
            cuts = [0] + [_piece_cut(text, named[k - 1][1], named[k][0], leading) for k in firsts[1:]]
            starts = [0] + [c if leading else named[k][0] for c, k in zip(cuts[1:], firsts[1:])]
            for a, b in zip(starts, cuts[1:] + [len(text)]):
                labels = {lab for x, _, lb in named if a <= x < b for lab in lb}
                if find_minutes(text[a:b]) or _DOSE.search(text, a, b):  # only pieces with their own time or dose
                    pieces.append(text[a:b])
                    owners.append((i, labels))
        if pieces:
            piece_proba = self.model.predict_proba(pieces)
            for (i, labels), row in zip(owners, piece_proba):
                for lab in labels:
                    j = self._col[lab]
                    proba[i, j] = max(proba[i, j], row[j])
        return proba

    def _split_supporting(self, hits_of: list, rows: list) -> tuple[list, list]:
        """Each clause's phrase hits without, and with only, the supporting names (:class:`PhraseIndex`); in a
        flowsheet row every name is a full phrase (the row's name is the service)."""
        weak = self.phrases.supporting
        if not weak:
            return hits_of, [[] for _ in hits_of]
        return ([hits if row else [h for h in hits if h[2] not in weak] for hits, row in zip(hits_of, rows)],
                [[] if row else [h for h in hits if h[2] in weak] for hits, row in zip(hits_of, rows)])

    def _add_supporting(self, hits_of: list, supporting: list, proba: np.ndarray) -> None:
        """A supporting name ("heel raises", "tandem stance") names its code in a clause that already reads most
        like that code: "she performed resisted eversion, inversion and heel raises" is exercise; the same names
        in an aquatic or group clause ("pool: step-ups, SL stance at wall") describe that service instead, and in a
        clause where a full phrase names another service they describe how it was done."""
        for i, weak in enumerate(supporting):
            if weak:
                best = self._classes[int(np.argmax(proba[i]))]
                if all(h[3] == {best} for h in hits_of[i]):  # "Gait w/ head turns, pivot turns": the gait is named
                    hits_of[i] = hits_of[i] + [h for h in weak if h[3] == {best}]

    def _unbilled_beside(self, text: str, m) -> bool:
        """A time named as rest, vitals or paperwork in the three words before it, or marked "(not included)"."""
        before = " ".join(text[max(0, m.start - 40):m.start].split()[-3:])
        return self._unbilled_time.search(before) is not None or _NOT_BILLED.match(text, m.end) is not None

    def _measurement_row(self, clause_text: str) -> bool:
        """A table row (the caller has checked it is one) whose cells after its name all read as measurements
        ('Hip abd MMT | 4-/5 | 4/5'), with no minutes in it (engine.json ``measurement_row``)."""
        if self._measure_cell is None:
            return False
        name = _row_name(clause_text)
        if name is None:
            return False
        cells = [c.strip() for c in _CELL_SEP.split(clause_text[name[1]:]) if c.strip()]
        return len(cells) >= self._measure_min_cells and not find_minutes(clause_text) \
            and all(self._measure_cell.match(c) for c in cells)

    def _too_short(self, clause_text: str) -> bool:
        """Fewer words than a service statement needs (and no number): a heading or a label."""
        return not any(ch.isdigit() for ch in clause_text) and \
            len(_WORD.findall(clause_text)) < self._min_evidence_words

    def _time_only(self, clause_text: str) -> bool:
        """A short performed sentence that gives a time but names no service ("About 20 min were spent on these")."""
        words = clause_text.split()
        return 0 < len(words) <= self._orphan_max_words and not self._non_service_time.search(clause_text)

    def _check_text(self, text) -> None:
        if not isinstance(text, str):
            raise InputError(f"text must be a str, got {type(text).__name__}.")
        limit = int(self.config["max_chars"])
        if len(text) > limit:
            raise InputError(f"The note has {len(text)} characters; the limit is {limit}. Split the note or raise "
                             "'max_chars' in suggester/resources/engine.json.")

    def _empty_result(self, payer: str, cfg: dict) -> Result:
        return Result(suggestions=(), payer=payer, versions=self.versions, totals=self._empty_totals(cfg))

    def _empty_totals(self, cfg: dict) -> dict:
        return {"timed_minutes": 0, "timed_units": 0, "total_units": 0, "unit_method": cfg["unit_method"],
                "documented_total_timed_minutes": None, "documented_total_treatment_minutes": None}

    def _calibrated(self, score: float) -> float:
        """Note-level confidence: the raw score mapped through the model card's isotonic calibration."""
        if not len(self._calib_x):
            return score
        return float(np.interp(score, self._calib_x, self._calib_y))

    def _code_for(self, label: str, cfg: dict) -> str:
        if cfg.get("code_set") == "medicare":
            alt = self.catalogue[label].medicare_use_instead
            if alt and alt in self.catalogue and self.catalogue[alt].status == "active":
                return alt
        return label

    def _from_doc(self, doc, payer: str, cfg: dict, dos: dt.date | None) -> Result:
        """The note's path, one named stage after another: read -> score -> gather -> decide -> minutes ->
        non-visit -> units -> result (each stage below documents what it takes and gives)."""
        note = self._read(doc)
        if note is None:
            return self._empty_result(payer, cfg)
        hits_of = [(self.table_phrases if row else self.phrases).find(t) for t, row in zip(note.ctexts, note.rows)]
        hits_of, supporting = self._split_supporting(hits_of, note.rows)
        proba = self._score_clauses(note.ctexts, hits_of)
        self._add_supporting(hits_of, supporting, proba)
        got = self._gather(note, hits_of, proba, cfg)
        if got.generic and "treatment" not in note.totals:
            note.totals["treatment"] = got.generic
        recommended, report_notes = self._decide(note, got.cands)
        att = self._attribute(note, got, recommended)
        recommended, nv_overridden = self._non_visit(doc._.pt_non_visit, recommended, att.minutes, got, cfg)
        units, totals_out, unit_notes = self._units(recommended, att.minutes, att.documented_units, note.totals, cfg,
                                                    att.links, got.unbilled)
        return self._result(note, got, recommended, report_notes, att, units, totals_out, unit_notes,
                            doc._.pt_non_visit, nv_overridden, payer, cfg, dos)

    # ------------------------------------------------------------------ stages of _from_doc
    def _read(self, doc) -> "_Read | None":
        """Stage read: the parsed note - its segments, clauses and their assertion status (an evaluation report's
        exam lines are findings unless they read as treatment given), the report kind, code claims and totals.
        None when the note has no clause."""
        segments = list(doc.spans[SEGMENTS]) if SEGMENTS in doc.spans else []
        if self.use_context:
            clauses = list(doc.spans[CLAUSES]) if CLAUSES in doc.spans else []
        else:  # ablation: every segment counts as performed (benchmark baseline)
            clauses = segments
            for i, seg in enumerate(segments):
                seg._.pt_segment, seg._.pt_assertion = i, None
        if not clauses:
            return None
        full = doc_text(doc)
        ctexts = [full[c.start_char:c.end_char] for c in clauses]
        report = self.reports.read(full, [(g.start_char, g.end_char, g._.pt_section or "none", g._.pt_assertion) for g in segments],
                                   [(c.start_char, c.end_char, c._.pt_section or "none", c._.pt_assertion) for c in clauses])
        statuses = [c._.pt_assertion for c in clauses]
        if report.exam_findings:  # in an evaluation report, exam lines are findings unless they read as treatment given
            secs = self.reports.exam_finding_sections(report.kind)
            for i, c in enumerate(clauses):
                if statuses[i] is None and (c._.pt_section or "none") in secs \
                        and not self.reports.treatment_given(ctexts[i]):
                    statuses[i] = "exam_finding"
        totals: dict[str, tuple[int, int, int]] = find_totals(full)
        generic = totals.pop("generic", None)   # "20 min total": a session total alone, a service's time beside one
        claims = find_code_claims(full, self.catalogue)
        return _Read(full, segments, clauses, ctexts, [_TABLE_ROW.search(t) is not None for t in ctexts], statuses,
                     report, claims, self._stated(claims, clauses, ctexts), totals, generic, has_time_column(full))

    def _stated(self, claims, clauses, ctexts) -> dict[int, set]:
        """Clause -> labels whose code is written in it beside a description of what was done ("97110 x2 units
        (bike, leg press, step-ups)"): that names the service like a catalogue phrase would (for the decision only,
        not for minutes); a code alone ("97112 | 2") still proves nothing, and an evaluation's level is reasoned,
        not read off a code."""
        stated: dict[int, set] = {}
        for cl in claims:
            lab = self._label_of.get(cl.code, cl.code)
            if lab not in self._col or lab in self._eval_labels:
                continue
            for i, c in enumerate(clauses):
                if c.start_char <= cl.start and cl.end <= c.end_char and len(_DESCRIBING.findall(
                        ctexts[i][:cl.start - c.start_char] + " " + ctexts[i][cl.end - c.start_char:])) >= 2:
                    stated.setdefault(i, set()).add(lab)
        return stated

    def _gather(self, note: "_Read", hits_of: list, proba: np.ndarray, cfg: dict) -> "_Gathered":
        """Stage gather: each clause's scores (phrases, stated codes, flowsheet row names, joined headings) become
        code candidates with evidence when performed, or not-counted mentions with their reason; the time
        mentions of performed clauses are kept per segment for the minutes stage."""
        full, segments, stated, time_table = note.full, note.segments, note.stated, note.time_table
        generic = note.generic
        tot_spans_abs = [(a, b) for _, a, b in note.totals.values()]
        w = self._phrase_w
        got = _Gathered()
        cands, not_counted, seg_mentions = got.cands, got.not_counted, got.seg_mentions
        for i, clause in enumerate(note.clauses):
            status = note.statuses[i]
            ctext = note.ctexts[i]
            is_row = note.rows[i]
            if status is None and not time_table and is_row and self._measurement_row(ctext):
                status = "exam_finding"  # "Knee flexion AROM   128   96": a measurement, not a service
            seg_i = clause._.pt_segment
            seg_start = segments[seg_i].start_char if seg_i is not None and seg_i < len(segments) else clause.start_char
            offset = clause.start_char - seg_start
            phrase_hits = hits_of[i]
            by_label: dict[str, list] = {}
            for a, b, lit, labels in phrase_hits:
                for lab in labels:
                    by_label.setdefault(lab, []).append((a, b, lit))
            row = proba[i].copy()
            for lab in set(by_label) | stated.get(i, set()):
                j = self._col[lab]
                row[j] = 1.0 - (1.0 - row[j]) * (1.0 - w)
            name = _row_name(ctext) if len(by_label) == 1 and is_row else None
            if name and all(name[0] <= a < name[1] for x in by_label.values() for a, _, _ in x) \
                    and (find_minutes(ctext) or (time_table and _ROW_NUMBER.search(ctext))):
                # a flowsheet row with its own time: the row's name (its first cell with words) is the service
                # ("McKenzie ext   7   10 reps x 2", "97110  41  LE strengthening circuit"; not "Climb Stairs |
                # 3 min step test ... balance", where the phrase describes the test)
                j = self._col[next(iter(by_label))]
                row[j] = max(row[j], self._timed_row_floor)
            head = _joined_head(ctext, phrase_hits)
            if head:  # "TE/NMR 30'", "Ther ex/balance 20 min": a heading naming services done together
                cols = [self._col[lab] for lab in head]
                row[cols] = row[cols].max()
            hits = np.nonzero(row >= self._t_cand)[0]
            if len(hits) and (not by_label and self._too_short(ctext) or by_label and _BARE_ITEM.match(
                    full, full.rfind("\n", 0, clause.start_char) + 1, clause.end_char)):
                hits = hits[:0]  # "III", "Range of Motion (ROM)", "● Therex": a heading or template item, not a service
            if status is not None:
                keep = [j for j in hits if status in self._counted_status[self._classes[j]]]
                if keep:
                    hits, status = np.asarray(keep), None
            if status is None:
                time_only = self._time_only(ctext)
                if not len(hits) and self._unbilled_time.search(ctext):
                    # "6-min seated rest break with vitals (not billed)": left out of a session total
                    got.unbilled += sum(m.minutes or 0 for m in find_minutes(ctext))
                if generic and clause.start_char <= generic[1] < clause.end_char:
                    # "Gait training ..., 20 minutes total": that service's time; "...; total 16'." or "20 min
                    # total." alone: the time of the service just before it, else (engine._units) a session total
                    time_only = not len(hits)
                    generic = None if len(hits) else generic
                if len(hits) or time_only:
                    tot_spans = [(a - clause.start_char, b - clause.start_char) for a, b in tot_spans_abs]
                    mentions = [m for m in find_minutes(ctext) if not any(s <= m.start < e for s, e in tot_spans)]
                    if len(hits):  # "with rest breaks totaling 8 minutes (not included)": not the service's time
                        kept = [m for m in mentions if not self._unbilled_beside(ctext, m)]
                        got.unbilled += sum(m.minutes or 0 for m in mentions if m not in kept)
                        mentions = kept
                    seg_mentions.setdefault(seg_i, []).extend(
                        MinuteMention(m.start + offset, m.end + offset, m.minutes, m.units, m.range_upper) for m in mentions)
                    if time_only and mentions:
                        got.time_only_segs.add(seg_i)
                if is_row and not by_label and not self._unbilled_time.search(ctext) \
                        and not any(clause.start_char <= a < clause.end_char for a, _ in tot_spans_abs) \
                        and not (generic and clause.start_char <= generic[1] < clause.end_char) \
                        and not (len(hits) and row[hits].max() >= self._t_ev) and not indented_row(full, clause.start_char):
                    # a flowsheet row naming no service: its time belongs to the recommended code it reads most
                    # like ("Stationary bike | - | 7" in an exercise table) when that code is a candidate for the
                    # row or its best code; a row indented under another is that row's breakdown
                    got.unnamed_rows.append((seg_i, offset, row))
                for j in hits:
                    lab = self._classes[j]
                    score = float(row[j])
                    cand = cands.setdefault(lab, _Candidate(lab))
                    cand.score = max(cand.score, score)
                    phr = by_label.get(lab, [])
                    if score >= self._t_ev:
                        names = tuple(dict.fromkeys(p[2] for p in phr)) or (
                            ("stated code",) if lab in stated.get(i, ()) else ())
                        cand.evidence.append(Evidence(clause.start_char, clause.end_char, ctext, clause._.pt_section or "none",
                                                      score, names))
                    if score >= self._t_ev or phr:
                        # a catalogue phrase names the code here ("Manual 15 min"), so its time can belong to it
                        spans = [(p[0] + offset, p[1] + offset) for p in phr] or [(offset, offset)]
                        cand.segments.setdefault(seg_i, []).extend(spans)
                        if score < self._t_ev:
                            cand.named_only.add(seg_i)
            else:
                # A mention that is not counted: the model recognises it, or a catalogue phrase names it.
                named = {self._col[lab] for lab in by_label}
                for j in sorted(set(int(k) for k in hits) | named):
                    if row[j] >= self._t_nc or j in named:
                        not_counted.append(NotCounted(self._code_for(self._classes[j], cfg), status, clause.start_char,
                                                      clause.end_char, ctext, clause._.pt_section or "none", float(row[j])))
        got.generic = generic
        return got

    def _decide(self, note: "_Read", cands: dict) -> tuple[set, dict]:
        """Stage decide: which candidates are recommended (confidence with or without a phrase, exclusive groups,
        count rules, group sessions, the report kind). Returns the set and, per label, the report's explanation."""
        recommended = set()
        for lab, c in cands.items():
            has_phrase = any(e.phrases for e in c.evidence)
            if c.evidence and (has_phrase and c.score >= self._t_rec
                               or not has_phrase and lab not in self._needs_phrase and c.score >= self._t_rec_nophrase):
                recommended.add(lab)
        for group in self._groups:
            present = [lab for lab in group if lab in recommended]
            if len(present) > 1:
                best = max(present, key=lambda lab: (sum(e.score for e in cands[lab].evidence), cands[lab].score))
                recommended -= set(present) - {best}
        recommended = self._apply_count_rules(recommended, cands)
        recommended = self._apply_group(recommended, note.full, cands)
        return self._apply_report(note.report, recommended, cands, note.full)

    def _attribute(self, note: "_Read", got: "_Gathered", recommended: set):
        """Stage minutes: flowsheet rows naming no service go to the recommended code they read most like, table
        columns give their cells, then every time is linked to its code (:func:`attribute_minutes`)."""
        full, segments = note.full, note.segments
        services = {lab: dict(c.segments) for lab, c in got.cands.items()}
        if recommended:
            rec = sorted(recommended)
            for seg_i, offset, row in got.unnamed_rows:
                best = max(rec, key=lambda lab: row[self._col[lab]])
                top = self._classes[int(np.argmax(row))]
                if (row[self._col[best]] >= self._t_cand or top == best) \
                        and not _TOTAL_ROW.match(full, segments[seg_i].start_char):
                    services[best].setdefault(seg_i, [(offset, offset)])
        # Flowsheet tables: a "Minutes"/"Time" column gives bare numbers in the rows below it.
        table_cells = table_minutes(segments, got.seg_mentions, services, full)
        return attribute_minutes(recommended, services, got.seg_mentions, got.time_only_segs, segments, table_cells, full,
                                 {lab: c.score for lab, c in got.cands.items()},
                                 {lab: c.named_only for lab, c in got.cands.items()})

    def _non_visit(self, non_visit, recommended: set, minutes: dict, got: "_Gathered", cfg: dict) -> tuple[set, bool]:
        """Stage non-visit: a cancelled, no-show or phone note bills nothing unless documented treatment time shows
        the patient was seen. Returns the recommended set and whether the non-visit cue was overridden."""
        if not non_visit:
            return recommended, False
        if any(minutes.get(lab) for lab in recommended):
            return recommended, True
        for lab in sorted(recommended):
            ev = got.cands[lab].evidence[0]
            got.not_counted.append(NotCounted(self._code_for(lab, cfg), "non_visit", ev.start, ev.end, ev.text,
                                              ev.section, self._calibrated(got.cands[lab].score)))
        return set(), False

    def _result(self, note: "_Read", got: "_Gathered", recommended: set, report_notes: dict, att, units: dict,
                totals_out: dict, unit_notes: list, non_visit, nv_overridden: bool, payer: str, cfg: dict,
                dos: dt.date | None) -> Result:
        """Stage result: suggestions with evidence, units and explanations, the compliance findings, the Result."""
        full, cands = note.full, got.cands
        minutes, ranges, documented_units = att.minutes, att.ranges, att.documented_units
        for claim in note.claims:  # a code written in the note is shown beside a code the note supports, never as proof
            lab = self._label_of.get(claim.code, claim.code)
            if lab in recommended:
                cands[lab].evidence.append(Evidence(claim.start, claim.end, full[claim.start:claim.end], "billing",
                                                    cands[lab].score, ("stated code",)))
        suggestions = []
        for lab, cand in cands.items():
            code = self._code_for(lab, cfg)
            entry = self.catalogue[code]
            rec = lab in recommended
            ev = tuple(sorted(cand.evidence, key=lambda e: -e.score)[: int(self.config["max_evidence"])])
            suggestions.append(dict(
                code=code, label=entry.label, confidence=self._calibrated(cand.score), recommended=rec,
                units=units.get(lab) if rec else None, minutes=minutes.get(lab) if rec else None,
                evidence=tuple(sorted(ev, key=lambda e: e.start)), category=entry.category, timed=entry.timed,
                minutes_evidence=tuple(att.links.get(lab, ())) if rec else (),
                explanation=self._explain(entry, ev, rec, cand.score, minutes.get(lab), ranges.get(lab))
                + report_notes.get(lab, ""),
                _raw=cand.score))
        suggestions.sort(key=lambda s: (not s["recommended"], -s.pop("_raw"), s["code"]))
        context = dict(payer=payer, cfg=cfg, date_of_service=dos, totals=totals_out, non_visit=non_visit,
                       non_visit_overridden=nv_overridden, ranges={self._code_for(k, cfg): v for k, v in ranges.items()},
                       unit_notes=unit_notes, text=full, segments=note.segments, claims=note.claims,
                       ambiguous_times=[(a, b, tuple(self._code_for(x, cfg) for x in labs)) for a, b, labs in att.ambiguous
                                        if any(x in recommended and x not in minutes for x in labs)],
                       label_of=self._label_of,
                       documented_units={self._code_for(k, cfg): v for k, v in documented_units.items()})
        final, findings = self.compliance.check(suggestions, context)
        return Result(suggestions=tuple(Suggestion(**s) for s in final), findings=tuple(findings),
                      not_counted=tuple(sorted(got.not_counted, key=lambda n: n.start)), totals=totals_out,
                      payer=payer, non_visit=None if nv_overridden else non_visit, versions=self.versions,
                      report=note.report.to_dict(full))

    def _apply_report(self, report, recommended: set, cands: dict, full: str) -> tuple[set, dict]:
        """Evaluation reports decide the evaluation code; discharge summaries and progress reports bill none.

        Returns the new recommended set and, per label, a sentence explaining the level component by component.
        """
        evals = self._eval_labels
        notes: dict[str, str] = {}
        if report.code and report.code in self._col:
            recommended = (recommended - evals) | {report.code}
            cand = cands.setdefault(report.code, _Candidate(report.code))
            cand.score = max(cand.score, report.confidence)
            if not cand.evidence:
                for _name, a, b in report.signals[:3]:
                    cand.evidence.append(Evidence(a, b, full[a:b], "none", report.confidence, ()))
            kind = report.kind.replace("_", " ")
            note = f" Recognised as {'an' if kind[0] in 'aeiou' else 'a'} {kind} from its " + \
                   ", ".join(sorted({s[0].replace("_", " ") for s in report.signals})) + "."
            if report.components:
                parts = "; ".join(f"{c.name.replace('_', ' ')} {c.level} ({c.reason})" for c in report.components)
                note += f" Level: {parts}."
                note += (f" The note states the level ({self.catalogue[report.stated_level].label})." if report.stated_level
                         else " The level is the lowest that all four components reach.")
                higher = [c.to_reach_higher for c in report.limiting if c.to_reach_higher]
                if higher and not report.stated_level:
                    note += " To support a higher level: " + " ".join(higher)
            notes[report.code] = note
        elif report.kind in ("discharge", "progress"):
            recommended = recommended - evals
        else:  # a treatment note: an evaluation needs a sentence that names it ("re-eval performed"), not a heading
            floor = int(self.config.get("evaluation_evidence_min_words", 0))
            recommended = {lab for lab in recommended if lab not in evals
                           or any((len(e.text.split()) >= floor or find_minutes(e.text)) and e.phrases
                                  for e in cands[lab].evidence)}
        return recommended, notes

    def _apply_group(self, recommended: set, full: str, cands: dict) -> set:
        """A group session covers the exercises and activities the group did. When the patient was also seen
        one-on-one (an individual cue in the note), it covers those documented within the group's part only:
        from the group code's first evidence to the next individual cue ("Group: 4 athletes, concurrent stations
        ... stations: pogo hops, SL calf raises ... 1:1 after group: IASTM ..." keeps the manual therapy alone)."""
        if self._group is None or self._group[0] not in recommended:
            return recommended
        code, demote, cues = self._group
        group_at = min(e.start for e in cands[code].evidence)
        cue = cues.search(full, group_at)
        if cue is None and not cues.search(full):
            return recommended - demote
        end = cue.start() if cue is not None else len(full)
        inside = {lab for lab in recommended & demote
                  if all(group_at <= e.start and e.end <= end for e in cands[lab].evidence)}
        return recommended - inside

    def _apply_count_rules(self, recommended: set, cands: dict) -> set:
        """Pick the code whose count range holds the documented count ("3 muscles" -> 20561)."""
        for regex, ranges in self._count_rules:
            present = [lab for lab in ranges if lab in recommended]
            if not present:
                continue
            counts = [float(m.group(1)) for lab in present for e in cands[lab].evidence for m in regex.finditer(e.text)]
            if not counts:
                continue
            n = max(counts)
            target = next((lab for lab, (lo, hi) in ranges.items()
                           if lab in self._col and n >= lo and (hi is None or n <= hi)), None)
            if target is None or target in present and len(present) == 1:
                continue
            source = max(present, key=lambda lab: cands[lab].score)
            if target not in cands:
                cands[target] = _Candidate(target)
            tc = cands[target]
            tc.score = max(tc.score, cands[source].score)
            tc.evidence = tc.evidence or list(cands[source].evidence)
            for seg_i, spans in cands[source].segments.items():
                tc.segments.setdefault(seg_i, []).extend(spans)
            recommended = (recommended - set(present)) | {target}
        return recommended

    def _units(self, recommended, minutes, documented_units, totals, cfg, links, unbilled: int = 0):
        method = cfg["unit_method"]
        timed_minutes: dict[str, int] = {}
        units: dict[str, int | None] = {}
        notes: list[tuple[str, str]] = []
        timed_labels = []
        for lab in sorted(recommended):
            rule = self._unit_rules.get(self.catalogue[lab].unit_rule, {"kind": "session"})
            kind = rule["kind"]
            if kind == "timed":
                timed_labels.append(lab)
                if lab in minutes:
                    timed_minutes[lab] = minutes[lab]
            elif kind == "first_block":
                m = minutes.get(lab)
                units[lab] = None if m is None else int(m >= rule["min_minutes"])
            elif kind == "block":
                m = minutes.get(lab)
                b = rule["block_minutes"]
                units[lab] = None if m is None else m // b + int(m % b >= rule["min_minutes"])
            else:
                units[lab] = 1
        missing = [lab for lab in timed_labels if lab not in timed_minutes]
        doc_timed = totals.get("timed", (None,))[0]
        if len(timed_labels) == 1:
            # A total belongs to the only timed service unless that service has its own block time
            # ("treadmill 8 min ... 22 min in all" -> 22; "TherEx 23 min ... total timed 30" keeps 23, PT163).
            only = timed_labels[0]
            explicit = any(link.rule in ("block_header", "table_column") for link in links.get(only, ()))
            total = None
            if doc_timed is not None:
                _, a, b = totals["timed"]
                total = (doc_timed, a, b, "single_timed_total", 0.9)
            elif totals.get("treatment") is not None \
                    and not any(self.catalogue[lab].category == "evaluation" for lab in recommended):
                # a session total (or Time in / Time out) less the time documented for the other services
                session, a, b = totals["treatment"]
                rest = session - unbilled - sum(minutes[lab] for lab in recommended if lab != only and lab in minutes)
                if rest > 0:
                    total = (rest, a, b, "session_total", 0.8)
            # a session total only fills a service with no time of its own; a timed total also replaces sub-items
            if total and (only not in timed_minutes
                          or total[3] == "single_timed_total" and not explicit and timed_minutes[only] < total[0]):
                timed_minutes[only] = minutes[only] = total[0]
                links[only] = [TimeLink(total[1], total[2], total[0], total[3], total[4])]
                notes.append(("from_total", only))
                missing = []
        elif len(missing) == 1 and totals.get("treatment") is not None \
                and all(lab in minutes for lab in recommended if lab != missing[0]) \
                and not any(self.catalogue[lab].category == "evaluation" for lab in recommended):
            # "Treatment 8:00 to 8:30. First 12 minutes manual ..., remainder gait training": the one service with
            # no time of its own gets the session less every other service's time and documented rest
            only = missing[0]
            session, a, b = totals["treatment"]
            rest = session - unbilled - sum(minutes[lab] for lab in recommended if lab != only)
            if doc_timed is not None:   # a stated timed total bounds it: the others may already fill it
                rest = min(rest, doc_timed - sum(minutes.get(lab, 0) for lab in timed_labels if lab != only))
            if rest > 0:
                timed_minutes[only] = minutes[only] = rest
                links[only] = [TimeLink(a, b, rest, "session_remainder", 0.7)]
                notes.append(("from_total", only))
                missing = []
        result = compute_units(timed_minutes, method) if timed_minutes else None
        for lab in timed_labels:
            if lab in timed_minutes:
                units[lab] = result.units[lab]
            elif lab in documented_units:
                units[lab] = documented_units[lab]
                notes.append(("units_without_minutes", lab))
            else:
                units[lab] = None
                notes.append(("no_minutes", lab))
        if result is not None:
            for tie in result.ties:
                notes.append(("tie", ",".join(tie)))
        timed_total = sum(timed_minutes.values())
        timed_units = sum(u for lab, u in units.items() if lab in timed_labels and u is not None)
        if missing and doc_timed is not None and method == "cms":
            timed_units = minutes_to_units(doc_timed, method)
        totals_out = {
            "timed_minutes": timed_total,
            "timed_units": timed_units,
            "total_units": timed_units + sum(u or 0 for lab, u in units.items() if lab not in timed_labels),
            "unit_method": method,
            "documented_total_timed_minutes": doc_timed,
            "documented_total_treatment_minutes": totals.get("treatment", (None,))[0],
        }
        return units, totals_out, notes

    def _explain(self, entry, evidence, recommended, score, minutes, rng) -> str:
        phrases = list(dict.fromkeys(p for e in evidence for p in e.phrases))[:4]
        sections = sorted({e.section for e in evidence} - {"none"})
        if evidence:
            where = f" in the {', '.join(sections)} section{'s' if len(sections) > 1 else ''}" if sections else ""
            lead = (f"Documented as performed this session{where}"
                    f"{' (matched: ' + ', '.join(repr(p) for p in phrases) + ')' if phrases else ''}")
        else:
            lead = "Weak evidence only"
        if minutes is not None:
            lead += f"; {minutes} min documented"
            if rng:
                lead += f" (range {rng[0]}-{rng[1]} min, lower bound used)"
        verdict = "Recommended." if recommended else "Candidate to review, not recommended."
        return f"{verdict} {lead}. {entry.label}: {entry.summary}"


_HEAD_START = re.compile(r"^[\s\-*\u2022>#\d.)]*$")
_HEAD_JOIN = re.compile(r"^\s*(?:/|&|\+)\s*$")


def _joined_head(text: str, hits) -> list[str]:
    """Labels named together at the head of a clause, joined by a slash, "&" or "+" ("TE/NMR 30'"): one heading
    for services done together, each as documented as the other. Empty when the clause does not open so."""
    named = sorted((a, b, labels) for a, b, _, labels in hits)
    if len(named) < 2 or not _HEAD_START.match(text[:named[0][0]]):
        return []
    out = list(named[0][2])
    for (a1, b1, lb1), (a2, b2, lb2) in zip(named, named[1:]):
        if not _HEAD_JOIN.match(text[b1:a2]):
            break
        out += [lab for lab in lb2 if lab not in out]
    return out if len(out) > 1 else []


def _piece_cut(text: str, prev_end: int, next_start: int, leading: bool) -> int:
    """Where one service's piece of a clause ends and the next one's begins, between two phrases.

    A time between them belongs to the next service when the clause puts times first or the time reads
    "N minutes of ..." (cut before it), else to the service before it ("manual, twelve minutes, and then ...":
    cut after it). With no time between them the cut is the next phrase."""
    between = find_minutes(text[prev_end:next_start])
    if not between:
        return next_start
    m = between[-1]
    if leading or OF_NEXT.match(text, prev_end + m.end):
        return prev_end + m.start
    return prev_end + m.end


def _as_date(value) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise InputError(f"date_of_service must be an ISO date YYYY-MM-DD, got {value!r}.") from None


_DEFAULT: Suggester | None = None


def suggest(text: str, payer: str = "medicare", **kwargs) -> Result:
    """One-call convenience: suggest codes with the packaged catalogue and model (loaded once)."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Suggester()
    return _DEFAULT.suggest(text, payer, **kwargs)

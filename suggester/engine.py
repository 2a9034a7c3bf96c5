"""The one engine: text -> spaCy context pipeline -> classifier + catalogue phrases -> ranked codes
-> units from minutes -> compliance findings -> :class:`~suggester.results.Result`.

Every surface (CLI, HTTP service, batch audit, spaCy component) calls :class:`Suggester`, which only wires
the stages of :mod:`suggester.stages` (read -> score -> gather -> decide -> minutes -> units -> result).
Nothing here logs note text.
"""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path
from typing import Iterable

from ._memo import TextMemo
from ._resources import packaged_json
from ._version import __version__
from .catalogue import Catalogue, load_catalogue
from .errors import InputError
from .evaluation_report import ReportReader
from . import spacy_component  # noqa: F401  (registers "suggester_codes"; it imports the engine lazily, no cycle)
from .nlp import build_nlp, minutes
from .phrases import PhraseIndex
from .results import Result
from .stages import (Billing, Settings, add_supporting, attribute, build_result, count_units, decide, gather,
                     non_visit_check, read_note, score_clauses, score_supporting_runs, split_supporting)

__all__ = ["Suggester", "suggest"]


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
        label_of = model_labels(self.catalogue)
        self.model, self.model_card = load_model(model_dir, labels_allowed=set(label_of.values()))
        self.use_context = use_context
        self.nlp = build_nlp(context=use_context, extra_sections=self.model_card.get("clinic_sections"))
        self.settings = Settings.load(self.catalogue, self.model.classes_, label_of, self.model_card)
        self.config = self.settings.config
        self.payers = packaged_json("payers.json")["payers"]
        self.compliance = ComplianceChecker(self.catalogue, ncci=ncci)
        self.reports = ReportReader()
        self.phrases = PhraseIndex.from_config(self.catalogue, label_of, set(self.settings.col), self.config,
                                               self.model_card.get("clinic_phrases"))
        self._minutes_read = TextMemo(0)   # what find_minutes read from each clause text (nlp.minutes.remembering)
        self._remember(int(self.config.get("remembered_texts", 20000)))

    @property
    def _label_of(self) -> dict:   # model label of each suggestible code (used by suggester.learning)
        return self.settings.label_of

    @property
    def _col(self) -> dict:        # column of each label in the model's probabilities
        return self.settings.col

    @functools.cached_property
    def table_phrases(self) -> PhraseIndex:
        """Phrases for flowsheet rows, where the row's name is the service: every lexicon part counts there
        (built on first use: most notes have no table)."""
        opts = dict(self.config.get("intervention_phrases", {}), exclude_parts=[])
        index = PhraseIndex.from_config(self.catalogue, self.settings.label_of, set(self.settings.col),
                                        dict(self.config, intervention_phrases=opts), self.model_card.get("clinic_phrases"))
        index._found.limit = self.phrases._found.limit
        return index

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
        key, cfg, dos = self._job(text, payer, date_of_service)
        if not text.strip():
            return self._empty_result(key, cfg)
        with minutes.remembering(self._minutes_read):
            return self._from_doc(self.nlp(self._make_doc(text)), key, cfg, dos)

    def check(self, text: str, payer: str = "medicare", *, date_of_service: dt.date | str | None = None):
        """The documentation checklist for one note (:mod:`suggester.documentation`): total timed minutes, total
        treatment time, minutes that add up, signature, a PTA's supervising PT, skilled care, date of service and
        progress toward goals. Returns ``(DocumentationReport, Result)``."""
        from .documentation import check_note

        result = self.suggest(text, payer, date_of_service=date_of_service)
        return check_note(text, result), result

    def suggest_many(self, texts: Iterable[str], payer: str = "medicare", *, batch_size: int = 64) -> list[Result]:
        """Suggest codes for many notes with spaCy's ``nlp.pipe`` (same results as :meth:`suggest`); the clauses of
        each batch of ``batch_size`` notes are scored in one classifier call."""
        cfg = self.payer_config(payer)
        key = payer.strip().lower()
        texts = list(texts)
        for t in texts:
            self._check_text(t)
        results: list[Result | None] = [None] * len(texts)
        filled = [i for i, t in enumerate(texts) if t.strip()]
        docs = self.nlp.pipe((self._make_doc(texts[i]) for i in filled), batch_size=batch_size)
        for first in range(0, len(filled), batch_size):
            batch = filled[first:first + batch_size]
            with minutes.remembering(self._minutes_read):
                got = self._from_docs([next(docs) for _ in batch], [(key, cfg, None)] * len(batch))
            for i, result in zip(batch, got):
                results[i] = result
        return [r if r is not None else self._empty_result(key, cfg) for r in results]

    def _suggest_jobs(self, jobs: list[tuple[str, str, dt.date | str | None]], batch_size: int = 64) -> list:
        """:meth:`suggest` for many ``(text, payer, date_of_service)`` jobs with batch scoring (the audit's path).

        Returns one entry per job, in order: its :class:`Result`, or the exception :meth:`suggest` would have
        raised for it (a bad job never stops the others; a batch that fails is redone note by note)."""
        out: list = [None] * len(jobs)
        ready = []
        for i, (text, payer, dos) in enumerate(jobs):
            try:
                key, cfg, day = self._job(text, payer, dos)
            except Exception as exc:  # noqa: BLE001 - returned to the caller, which reports it per job
                out[i] = exc
                continue
            if not text.strip():
                out[i] = self._empty_result(key, cfg)
            else:
                ready.append((i, key, cfg, day))
        for first in range(0, len(ready), batch_size):
            batch = ready[first:first + batch_size]
            try:
                with minutes.remembering(self._minutes_read):
                    docs = list(self.nlp.pipe(self._make_doc(jobs[i][0]) for i, *_ in batch))
                    results = self._from_docs(docs, [(key, cfg, day) for _, key, cfg, day in batch])
            except Exception:  # noqa: BLE001 - find the failing note: each note of the batch on its own
                results = []
                for i, *_ in batch:
                    try:
                        results.append(self.suggest(jobs[i][0], jobs[i][1], date_of_service=jobs[i][2]))
                    except Exception as exc:  # noqa: BLE001
                        results.append(exc)
            for (i, *_), result in zip(batch, results):
                out[i] = result
        return out

    # ------------------------------------------------------------------ internals
    def _job(self, text, payer: str, date_of_service) -> tuple[str, dict, dt.date | None]:
        """Check one note's inputs: its payer key, payer settings and date of service (InputError when invalid)."""
        self._check_text(text)
        cfg = self.payer_config(payer)
        return payer.strip().lower(), cfg, _as_date(date_of_service)

    def _remember(self, n: int) -> None:
        """How many distinct segment texts each stage keeps its reading of (engine.json ``remembered_texts``)."""
        for memo in self._memos():
            memo.limit = n

    def _clear_caches(self) -> None:
        """Forget remembered per-text readings (segment scores, phrase hits, context pieces): benchmarks time
        texts the engine has not seen."""
        for memo in self._memos():
            memo.clear()

    def _memos(self) -> list:
        """The per-text memos of the model, the phrase indexes, the context component and the minutes reader
        (suggester._memo)."""
        memos = [self.phrases._found]
        if "table_phrases" in self.__dict__:
            memos.append(self.table_phrases._found)
        if isinstance(getattr(self.model, "_rows", None), TextMemo):
            memos.append(self.model._rows)
        if "suggester_context" in self.nlp.pipe_names:
            memos.append(self.nlp.get_pipe("suggester_context")._asserted)
        return memos + [self._minutes_read]

    def _make_doc(self, text: str):
        """The tokenised Doc, knowing its own text (spaCy rebuilds ``doc.text`` from every token on each access)."""
        doc = self.nlp.make_doc(text)
        doc.user_data["suggester_text"] = text
        return doc

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

    def _from_doc(self, doc, payer: str, cfg: dict, dos: dt.date | None) -> Result:
        """The note's path, one named stage after another (see :mod:`suggester.stages`)."""
        return self._from_docs([doc], [(payer, cfg, dos)])[0]

    def _from_docs(self, docs, jobs: list[tuple[str, dict, dt.date | None]]) -> list[Result]:
        """Several notes' paths (``jobs``: each doc's payer key, payer config and date of service): each note is read
        on its own, the clauses of all of them are scored in one classifier call (batch scoring), then each note
        goes on through gather, decide, minutes, units and result."""
        s = self.settings
        notes, batch_texts, batch_hits = [], [], []
        for doc in docs:
            note = read_note(doc, s, self.reports, self.use_context)
            if note is None:
                notes.append(None)
                continue
            hits_of = [(self.table_phrases if row else self.phrases).find(t) for t, row in zip(note.ctexts, note.rows)]
            hits_of, supporting = split_supporting(self.phrases.supporting, hits_of, note.rows)
            notes.append((note, hits_of, supporting, len(batch_texts)))
            batch_texts += note.ctexts
            batch_hits += hits_of
        proba_all = score_clauses(self.model, s, batch_texts, batch_hits) if batch_texts else None
        out = []
        for doc, item, (payer, cfg, dos) in zip(docs, notes, jobs):
            if item is None:
                out.append(self._empty_result(payer, cfg))
                continue
            note, hits_of, supporting, first = item
            proba = proba_all[first:first + len(note.ctexts)]
            score_supporting_runs(self.model, s, note.ctexts, hits_of, supporting, proba)
            add_supporting(s, hits_of, supporting, proba)
            out.append(self._finish(doc, note, hits_of, proba, payer, cfg, dos))
        return out

    def _finish(self, doc, note, hits_of: list, proba, payer: str, cfg: dict, dos: dt.date | None) -> Result:
        """gather -> decide -> minutes -> non-visit -> units -> result for one scored note."""
        s = self.settings
        got = gather(s, note, hits_of, proba, cfg)
        if got.generic and "treatment" not in note.totals:
            note.totals["treatment"] = got.generic
        recommended, report_notes = decide(s, note, got.cands)
        att = attribute(s, note, got, recommended, self.phrases.labels_in)
        recommended, nv_overridden = non_visit_check(s, doc._.pt_non_visit, recommended, att.minutes, got, cfg)
        counted = count_units(s, recommended, att, note.totals, cfg, got.unbilled,
                              {lab: c.units for lab, c in got.cands.items() if c.units})
        return build_result(s, self.compliance, self.versions, note, got, recommended, report_notes, att, counted,
                            (doc._.pt_non_visit, nv_overridden), Billing(payer, cfg, dos))


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

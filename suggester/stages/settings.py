"""The engine's settings, read once from the packaged data and the model card and shared by every stage."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from .._resources import packaged_json
from ..catalogue import Catalogue
from ..nlp.rules import compile_literals

__all__ = ["ExerciseList", "Settings"]


class ExerciseList(NamedTuple):
    """engine.json ``exercise_list``: a performed line naming exercises of one of ``codes`` with its own time."""

    codes: frozenset        # the codes whose exercise names count
    min_names: int          # the fewest distinct names (besides ``generic_names``)
    home_words: re.Pattern  # words of the home program: a line with one documents nothing
    generic_names: frozenset   # names that are no exercise's own ("exercises", "ex")
    read_as: frozenset = frozenset()   # codes the line must also read most like (its name may be a word of another service)
    taught: frozenset = frozenset()    # codes whose line must say the service was taught, and not read as another code
    teach_words: re.Pattern | None = None   # the words that say so ("taught", "instructed", "return demo")
    dose_codes: frozenset = frozenset()   # codes whose named exercise with its dose ("x 20 reps", "3x10") needs no time


@dataclass(frozen=True)
class Settings:
    """Thresholds, weights, patterns and label maps (``engine.json``, ``minutes.json``, ``units.json``, the
    catalogue and the model card). Built by :meth:`load`; immutable, so one instance serves every thread."""

    catalogue: Catalogue
    config: dict
    classes: list
    col: dict
    label_of: dict
    eval_labels: frozenset
    t_rec: float
    t_ev: float
    t_cand: float
    t_nc: float
    t_rec_nophrase: float
    phrase_w: float
    timed_row_floor: float
    score_heads: bool
    measure_cell: re.Pattern | None
    measure_min_cells: int
    groups: list
    count_rules: list
    needs_phrase: frozenset
    counted_status: dict
    group: tuple | None
    min_evidence_words: int
    orphan_max_words: int
    unbilled_time: re.Pattern
    unbilled_after: re.Pattern   # rest words right after a time: "after 3 min rest"
    included_rest: re.Pattern | None   # "incl ~6 min seated rest": rest inside a service's own time
    modality_rest: frozenset   # unbilled cues that do not apply beside an unattended modality (the patient rests under it)
    non_service_time: re.Pattern
    unit_rules: dict
    calib_x: np.ndarray
    calib_y: np.ndarray
    test_report: tuple | None = None
    timed_line_max_words: int = 0
    service_list_floor: float = 0.0
    timed_named: frozenset = frozenset()   # codes whose named technique with its own time is documentation
    named_procedures: frozenset = frozenset()   # codes whose named procedure in a performed clause is documentation
    block_owners: frozenset = frozenset()   # codes whose timed block heading owns the items on its line
    encounter: tuple | None = None   # (later code, {kind: first code}, later cues, first cues, prosthetic words)
    explicit: dict = field(default_factory=dict)   # label -> regex of the names that say a time went to that service
    headings: frozenset = frozenset()   # names that head a service's block (engine.json block_heading_names + explicit)
    heading_code: dict = field(default_factory=dict)   # block heading name (lowercased) -> its code
    item_words: frozenset = frozenset()   # one-word item names that make "Bike 8 min" more than a bare time
    covering: tuple = ()   # (codes, covered, end cues, own-time words, evidence words): sessions that cover work
    modalities: frozenset = frozenset()   # the modality codes (engine.json timed_modality_categories)
    exercise_list: ExerciseList | None = None   # engine.json exercise_list
    area_add_ons: tuple = ()   # (base, add-on, first, each, area regex): engine.json area_add_ons
    site_rules: tuple = ()   # ({code: site regex}, ...): engine.json site_rules
    patient_absent: tuple | None = None   # (codes, cue regex): engine.json patient_absent_codes
    supervised: frozenset = frozenset()   # untimed supervised modalities: named together with one time, each is given
    final_non_visits: frozenset = frozenset()   # non-visit statuses no documented minutes override (nonvisit_rules.json)
    non_visit_spares: dict = field(default_factory=dict)   # non-visit status -> code categories it does not cancel
    cue_rules: tuple = ()   # ((label, cue regex, words regex), ...): engine.json training_cue_rules
    episode: tuple | None = None   # (summary regex, session regex, session statuses): engine.json episode_summary

    @classmethod
    def load(cls, catalogue: Catalogue, classes, label_of: dict, model_card: dict) -> "Settings":
        config = packaged_json("engine.json")
        mins = packaged_json("minutes.json")
        nonvisit = packaged_json("nonvisit_rules.json")
        classes = [str(c) for c in classes]
        grp = config.get("group_session")
        t = config["thresholds"]
        mrow = config.get("measurement_row")
        calib = model_card.get("note_calibration") or {}
        counts = model_card.get("label_counts", {})
        floor = int(config.get("min_support_without_phrase", 0))
        phrase_categories = set(config.get("categories_needing_phrase", []))
        counted = config.get("statuses_counted_for_categories", {})
        return cls(
            catalogue=catalogue, config=config, classes=classes, col={c: j for j, c in enumerate(classes)},
            label_of=label_of,
            eval_labels=frozenset(c for c, e in catalogue.items() if e.category == "evaluation" and e.status == "active"),
            t_rec=t["recommend"], t_ev=t["evidence"], t_cand=t["candidate"], t_nc=t["not_counted"],
            t_rec_nophrase=t.get("recommend_without_phrase", t["recommend"]),
            phrase_w=float(config["phrase_weight"]), timed_row_floor=float(config.get("timed_row_floor", 0.0)),
            score_heads=bool(config.get("score_clause_heads", False)),
            measure_cell=re.compile(mrow["cell_pattern"], re.IGNORECASE) if mrow else None,
            measure_min_cells=int(mrow.get("min_cells", 1)) if mrow else 0,
            groups=[tuple(g) for g in config["exclusive_groups"]],
            count_rules=[(re.compile(r["pattern"], re.IGNORECASE), r["codes"],
                          re.compile(r["list_pattern"], re.IGNORECASE) if r.get("list_pattern") else None,
                          re.compile(r["both_sides_item_pattern"], re.IGNORECASE) if r.get("both_sides_item_pattern") else None)
                         for r in config.get("count_rules", [])],
            needs_phrase=frozenset(lab for lab in classes if counts.get(lab, 0) < floor
                                   or catalogue[lab].category in phrase_categories),
            counted_status={lab: set(counted.get(catalogue[lab].category, [])) for lab in classes},
            group=None if not grp else (grp["code"], set(grp["demote_codes"]),
                                        compile_literals(grp["individual_cues"] + grp.get("individual_cue_blockers", [])),
                                        frozenset(b.lower() for b in grp.get("individual_cue_blockers", []))),
            min_evidence_words=int(config.get("min_evidence_words", 0)),
            orphan_max_words=int(mins["time_sentence_max_words"]),
            unbilled_time=compile_literals(mins["unbilled_time_cues"]),
            modality_rest=frozenset(w.lower() for w in mins.get("rest_cues_under_modality", [])),
            unbilled_after=re.compile(mins["unbilled_after_pattern"], re.IGNORECASE),
            included_rest=re.compile(mins["included_rest_before_pattern"], re.IGNORECASE)
            if mins.get("included_rest_before_pattern") else None,
            non_service_time=re.compile(r"\b(?:%s)\b" % "|".join(mins["non_service_time_cues"]), re.IGNORECASE),
            unit_rules=packaged_json("units.json")["unit_rules"],
            calib_x=np.asarray(calib.get("x", []), dtype=float), calib_y=np.asarray(calib.get("y", []), dtype=float),
            timed_line_max_words=int(config.get("timed_line_max_words", 0)),
            service_list_floor=float(config.get("service_list_floor", 0.0)),
            timed_named=frozenset(lab for lab in classes
                                  if catalogue[lab].category in set(config.get("timed_modality_categories", []))
                                  or lab in set(config.get("timed_named_codes", []))),
            named_procedures=frozenset(lab for lab in config.get("named_procedure_codes", []) if lab in classes),
            block_owners=frozenset(lab for lab in config.get("block_owner_codes", []) if lab in classes),
            patient_absent=None if not config.get("patient_absent_codes") else (
                frozenset(lab for lab in classes
                          if catalogue[lab].category in set(config["patient_absent_codes"]["categories"])),
                re.compile(config["patient_absent_codes"]["cue_pattern"], re.IGNORECASE)),
            site_rules=tuple({lab: re.compile(rx, re.IGNORECASE) for lab, rx in r["codes"].items() if lab in classes}
                             for r in config.get("site_rules", [])),
            area_add_ons=tuple((r["base"], r["add_on"], float(r["first"]), float(r["each"]),
                                re.compile(r["pattern"], re.IGNORECASE))
                               for r in config.get("area_add_ons", []) if r["base"] in classes and r["add_on"] in classes),
            exercise_list=None if not config.get("exercise_list") else ExerciseList(
                frozenset(lab for lab in config["exercise_list"]["codes"] if lab in classes),
                int(config["exercise_list"]["min_names"]),
                re.compile(config["exercise_list"]["home_words_pattern"], re.IGNORECASE),
                frozenset(n.lower() for n in config["exercise_list"].get("generic_names", ())),
                frozenset(lab for lab in config["exercise_list"].get("read_as_codes", ()) if lab in classes),
                frozenset(lab for lab in config["exercise_list"].get("taught_codes", ()) if lab in classes),
                re.compile(config["exercise_list"]["teach_words_pattern"], re.IGNORECASE)
                if config["exercise_list"].get("teach_words_pattern") else None,
                frozenset(lab for lab in config["exercise_list"].get("dose_codes", ()) if lab in classes)),
            supervised=frozenset(lab for lab in classes if catalogue[lab].category == "supervised_modality"
                                 and not catalogue[lab].timed),
            final_non_visits=frozenset(nonvisit.get("final_statuses", [])),
            non_visit_spares={st: frozenset(cats) for st, cats in nonvisit.get("spared_categories", {}).items()},
            modalities=frozenset(lab for lab in classes
                                 if catalogue[lab].category in set(config.get("timed_modality_categories", []))),
            encounter=None if not config.get("orthotic_encounter") else (
                config["orthotic_encounter"]["later_code"], dict(config["orthotic_encounter"]["first_codes"]),
                _cues_and_patterns(config["orthotic_encounter"], "later"),
                _cues_and_patterns(config["orthotic_encounter"], "first"),
                _any_substring(config["orthotic_encounter"]["prosthetic_words"])),
            explicit={lab: compile_literals(names) for lab, names in config.get("explicit_service_names", {}).items()
                      if lab in classes},
            item_words=frozenset(w.lower() for w in config.get("bare_time_item_words", [])),
            headings=frozenset(" ".join(n.lower().split()) for key in ("explicit_service_names", "block_heading_names")
                               for names in config.get(key, {}).values() for n in names),
            heading_code={" ".join(n.lower().split()): lab for lab, names in config.get("block_heading_names", {}).items()
                          if lab in classes for n in names},
            covering=tuple((frozenset(c["codes"]), frozenset(c["covers"]), compile_literals(c["end_cues"]),
                            compile_literals(c["own_time_words"]) if c.get("own_time_words") else None,
                            _any_substring(c["evidence_words"]) if c.get("evidence_words") else None)
                           for c in config.get("covering_sessions", [])),
            cue_rules=tuple((r["code"], re.compile(r["pattern"], re.IGNORECASE), re.compile(r["words_pattern"], re.IGNORECASE))
                            for r in config.get("training_cue_rules", []) if r["code"] in classes),
            episode=None if not config.get("episode_summary") else (
                _any_pattern(config["episode_summary"]["summary_patterns"], re.MULTILINE),
                _any_pattern(config["episode_summary"]["session_patterns"]),
                frozenset(config["episode_summary"]["session_statuses"])),
            test_report=None if not config.get("test_report") else (
                config["test_report"]["code"], compile_literals(config["test_report"]["cues"]),
                frozenset(config["test_report"]["covers"])),
        )

    def calibrated(self, score: float) -> float:
        """Note-level confidence: the raw score mapped through the model card's isotonic calibration."""
        if not len(self.calib_x):
            return score
        return float(np.interp(score, self.calib_x, self.calib_y))

    def code_for(self, label: str, cfg: dict) -> str:
        """The code billed for a model label under a payer's code set (G0283 for 97014 under Medicare)."""
        if cfg.get("code_set") == "medicare":
            alt = self.catalogue[label].medicare_use_instead
            if alt and alt in self.catalogue and self.catalogue[alt].status == "active":
                return alt
        return label


def _any_pattern(patterns: list[str], flags: int = 0) -> re.Pattern:
    """One case-blind pattern that finds any of ``patterns``."""
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE | flags)


def _any_substring(words: list[str]) -> re.Pattern:
    """A pattern that finds any of ``words`` anywhere, as a prefix or inside a word ("prosthe" in "prosthesis")."""
    return re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)


def _cues_and_patterns(cfg: dict, which: str) -> re.Pattern:
    """The cues of a later (``which`` = "later") or first orthotic/prosthetic encounter: the literal ``later_cues`` /
    ``first_cues`` and the ``later_patterns`` / ``first_patterns`` (a first fitting or training said to be done already,
    "Initial prosthetic training done 2/26", a device's "AFO recheck"; "first visit with the new prosthesis")."""
    return _any_pattern([compile_literals(cfg[f"{which}_cues"]).pattern, *cfg.get(f"{which}_patterns", [])])


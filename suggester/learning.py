"""Learning from a clinic's corrections: labelled segments from corrected notes, candidate models, the gate.

A *correction* is a note's text with its final, correct coding (``codes``) and, when known, the codes a
reviewer rejected. Corrections come from a JSONL file (:func:`read_corrections`) or from the review store
(notes whose text is stored and whose every code has been decided).

Training needs segments, not notes: :func:`align` runs the engine on the note and labels each performed clause
with the final codes whose evidence lies in it (the engine's evidence alignment). A final code the engine found
no evidence for labels the performed clause the model scores highest for it; a rejected code's evidence clauses
become negatives for it (they keep only the final codes they support). Clauses the engine reads as not
performed (plans, history, declined) are left out: context rules, not the classifier, decide those.
:func:`learn_sections` finds the clinic's own header words for lines that name services it never bills (its
template's plan line), and :func:`learn_phrases` its own names for its services (shorthand, program names); both
join that model's section rules and phrases (``clinic_sections``, ``clinic_phrases`` in its card).

:func:`train_candidate` fits the same classifier on the project corpus plus these segments, repeated
``weight`` times so a few dozen notes matter, holding back a fixed share of the corrections (chosen by a hash of
the note id, so the split never changes as corrections grow). :func:`gate` compares a candidate with the current
model on the project hold-out and on the held-back corrections; the limits live in ``resources/learning.json``.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from ._resources import packaged_json
from .errors import InputError

__all__ = ["Correction", "align", "evaluate_corrections", "gate", "read_corrections", "split_held_back",
           "train_candidate"]


@dataclass(frozen=True)
class Correction:
    """A note with its final coding: ``codes`` maps code -> units (None when not given)."""

    note_id: str
    text: str
    payer: str = "medicare"
    codes: dict = field(default_factory=dict)
    rejected: tuple[str, ...] = ()
    source: str = "import"
    date: str | None = None

    def to_gold(self) -> dict:
        return {"id": self.note_id, "text": self.text, "payer": self.payer,
                "gold": [{"code": c, "units": u, "minutes": None} for c, u in self.codes.items()]}


def config() -> dict:
    return packaged_json("learning.json")


def read_corrections(lines: Iterable[str], catalogue, *, payers: Iterable[str] = ("medicare",)) -> tuple[list, list]:
    """Parse JSONL correction records. Returns ``(corrections, errors)``; every bad line is an error
    ``{"line", "note_id", "message"}`` and is not imported (a record is taken whole or not at all)."""
    payers = {p.lower() for p in payers}
    out, errors, seen = [], [], set()
    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            continue
        nid = None
        try:
            rec = json.loads(line)
            if not isinstance(rec, dict):
                raise ValueError("a record must be a JSON object")
            nid = rec.get("note_id")
            if not isinstance(nid, str) or not nid.strip():
                raise ValueError("'note_id' is missing")
            text = rec.get("text")
            if not isinstance(text, str) or not text.strip():
                raise ValueError("the note has no 'text' (learning needs it)")
            payer = str(rec.get("payer") or "medicare").lower()
            if payer not in payers:
                raise ValueError(f"unknown payer {payer!r}")
            codes = rec.get("codes")
            if not isinstance(codes, list):
                raise ValueError("'codes' must be a list of {\"code\", \"units\"}")
            final: dict = {}
            for c in codes:
                code = str(c.get("code", "") if isinstance(c, dict) else c).strip().upper()
                units = c.get("units") if isinstance(c, dict) else None
                if code not in catalogue:
                    raise ValueError(f"unknown code {code!r}")
                if units is not None and (isinstance(units, bool) or not isinstance(units, int) or not 0 <= units <= 99):
                    raise ValueError(f"units of {code} must be a whole number 0..99")
                final[code] = units
            rejected = tuple(str(c).strip().upper() for c in rec.get("rejected", []) or [])
            bad = [c for c in rejected if c not in catalogue]
            if bad:
                raise ValueError(f"unknown rejected code {bad[0]!r}")
            if nid in seen:
                raise ValueError(f"note {nid!r} appears twice in the file")
            seen.add(nid)
            out.append(Correction(nid.strip(), text, payer, final, rejected, "import", rec.get("date_of_service")))
        except (ValueError, TypeError, AttributeError) as exc:
            errors.append({"line": lineno, "note_id": nid if isinstance(nid, str) else None,
                           "message": str(exc) if not isinstance(exc, json.JSONDecodeError) else "not valid JSON"})
    return out, errors


def fingerprint(corrections: list[Correction]) -> str:
    h = hashlib.sha256()
    for c in sorted(corrections, key=lambda c: c.note_id):
        h.update(json.dumps([c.note_id, hashlib.sha256(c.text.encode()).hexdigest(), c.payer, sorted(c.codes.items()),
                             sorted(c.rejected)], default=str).encode())
    return h.hexdigest()


def split_held_back(corrections: list[Correction], share: float | None = None) -> tuple[list, list]:
    """``(train, held_back)``: a note is held back when the hash of its id falls in the first ``share``."""
    share = config()["held_back_share"] if share is None else share
    train, held = [], []
    for c in corrections:
        bucket = int(hashlib.sha256(c.note_id.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
        (held if bucket < share else train).append(c)
    return train, held


def align(engine, correction: Correction) -> list[tuple[str, tuple[str, ...]]]:
    """Labelled training segments for one corrected note (see the module docstring)."""
    text = correction.text
    return [(text[a:b].strip(), labels) for a, b, labels in _aligned(engine, correction)]


def _aligned(engine, correction: Correction) -> list[tuple[int, int, tuple[str, ...]]]:
    """:func:`align` as character spans of the note: ``(start, end, labels)``."""
    import numpy as np

    from .nlp import CLAUSES

    text = correction.text
    label_of = engine._label_of
    final = {label_of[c] for c in correction.codes if c in label_of}
    doc = engine.nlp(text)
    clauses = [c for c in (doc.spans[CLAUSES] if CLAUSES in doc.spans else ()) if c._.pt_assertion is None]
    spans = [(c.start_char, c.end_char) for c in clauses if text[c.start_char:c.end_char].strip()]
    if not spans:
        return []
    labels: list[set] = [set() for _ in spans]
    result = engine.suggest(text, correction.payer)
    found = set()
    for s in result.suggestions:
        lab = label_of.get(s.code, s.code)
        if lab not in final:
            continue   # a rejected or wrong code's clauses keep only the final codes they support
        for ev in s.evidence:
            for i, (a, b) in enumerate(spans):
                if a < ev.end and ev.start < b:
                    labels[i].add(lab)
                    found.add(lab)
    missing = [lab for lab in final - found if lab in engine._col]
    if missing:
        # The clause the model reads most like the code, preferring clauses no final code explains yet.
        proba = engine.model.predict_proba([text[a:b] for a, b in spans])
        free = np.array([not lab for lab in labels])
        for lab in sorted(missing):
            labels[int(np.argmax(proba[:, engine._col[lab]] + free))].add(lab)
    return [(a, b, tuple(sorted(lab))) for (a, b), lab in zip(spans, labels)]


_LINE_HEAD = re.compile(r"[ \t\-*\u2022#>\u25aa]*([A-Za-z][A-Za-z'/&. -]{0,28}?)[ \t]*:")


def _line_heading(text: str, start: int, end: int) -> str | None:
    """The header word(s) that open the line a span starts on ("NEXT: ..." -> "next"), if the span is on it."""
    line_start = text.rfind("\n", 0, start) + 1
    m = _LINE_HEAD.match(text, line_start)
    return m.group(1).strip().lower() if m and m.end() <= end else None


def learn_sections(corrections: list[Correction], spans: dict, known_headers, phrases_in, *,
                   min_notes: int | None = None) -> dict[str, str]:
    """A clinic's own header words for lines that name services it does not bill from ("NEXT: FxTr bus step" in
    a template whose NEXT line is the plan). A line header the section rules do not know qualifies when lines
    it opens name a service (a final code was aligned to them, or ``phrases_in(text)``) in at least ``min_notes``
    corrected notes, and such a line is never the only support of a final code in its note. Headers whose lines,
    taken away together, would leave a final code of some note without support are dropped. Returns
    ``{header: "clinic_non_service"}``: a section category whose lines the engine reads as not performed (the
    line only; section_attributes.json)."""
    min_notes = config()["section_min_notes"] if min_notes is None else min_notes
    stats: dict[str, dict] = {}
    lined = {}
    for c in corrections:
        sp = spans.get(c.note_id, ())
        heads = [_line_heading(c.text, a, b) for a, b, _ in sp]
        lined[c.note_id] = list(zip(sp, heads))
        for (a, b, labels), head in zip(sp, heads):
            if head is None or head in known_headers:
                continue
            rec = stats.setdefault(head, {"sole": 0, "named": set()})
            elsewhere = set().union(*(set(lb) for (_, _, lb), h in zip(sp, heads) if h != head))
            rec["sole"] += bool(set(labels) - elsewhere)
            if labels or phrases_in(c.text[a:b]):
                rec["named"].add(c.note_id)
    chosen = {h for h, rec in stats.items() if not rec["sole"] and len(rec["named"]) >= min_notes}
    changed = True
    while changed and chosen:   # never take away the last support of a final code
        changed = False
        for pairs in lined.values():
            before = set().union(*(set(lb) for (_, _, lb), _ in pairs)) if pairs else set()
            after = set().union(*(set(lb) for (_, _, lb), h in pairs if h not in chosen)) if pairs else set()
            lost = before - after
            if lost:
                chosen -= {h for (_, _, lb), h in pairs if h in chosen and set(lb) & lost}
                changed = True
    return {h: "clinic_non_service" for h in sorted(chosen)}


_WORD = re.compile(r"(?=(?:.*[a-z]){2})[a-z0-9][a-z0-9'-]*[a-z0-9]")   # 2+ characters, 2+ letters (not "2x10")


def _padded_words(text: str) -> str:
    from .nlp.rules import tokenize_offsets

    return " " + " ".join(w.lower() for w, _, _ in tokenize_offsets(text, split_slashes=True)) + " "


def learn_phrases(segments: list[tuple[str, tuple[str, ...], str]], known, *, background=None,
                  min_notes: int | None = None, min_precision: float | None = None,
                  max_per_code: int | None = None, background_precision: float | None = None) -> dict[str, str]:
    """The clinic's own names for its services: word n-grams (1 to 3 words) found in the segments of a code in at
    least ``min_notes`` corrected notes and almost never elsewhere (share of their segments that carry the code at
    least ``min_precision``), that the phrase index ``known`` does not know yet. ``segments`` are ``(text,
    labels, note_id)``. With ``background`` (the project corpus: texts and label sets), a phrase that the corpus
    uses for other things too (its segments there carry the code less often than ``min_precision``) is not
    learned: "AROM", "2x10" or "ball" are everyone's words; a clinic's "FxTr" or "Core-6 series" are its own.
    Returns ``{phrase: label}``, at most ``max_per_code`` per label (the most notes first; an n-gram inside a
    longer accepted one for the same label is dropped)."""
    from .nlp.rules import tokenize_offsets

    cfg = config()
    min_notes = cfg["phrase_min_notes"] if min_notes is None else min_notes
    min_precision = cfg["phrase_min_precision"] if min_precision is None else min_precision
    max_per_code = cfg["phrase_max_per_code"] if max_per_code is None else max_per_code
    background_precision = cfg["phrase_min_precision"] if background_precision is None else background_precision
    stop = set(cfg["phrase_stopwords"])
    seen: dict[str, dict] = {}
    for text, labels, note_id in segments:
        words = [w.lower() for w, _, _ in tokenize_offsets(text, split_slashes=True)]
        grams = set()
        for n in (1, 2, 3):
            for i in range(len(words) - n + 1):
                g = words[i:i + n]
                if all(_WORD.fullmatch(w) for w in g) and g[0] not in stop and g[-1] not in stop:
                    grams.add(" ".join(g))
        for g in grams:
            rec = seen.setdefault(g, {"segs": 0, "pos": {}})
            rec["segs"] += 1
            for lab in labels:
                rec["pos"].setdefault(lab, set()).add(note_id)
                rec.setdefault("pos_segs", {}).setdefault(lab, 0)
                rec["pos_segs"][lab] += 1
    chosen: dict[str, list] = {}
    for g, rec in seen.items():
        for lab, notes in rec["pos"].items():
            if len(notes) >= min_notes and rec["pos_segs"][lab] / rec["segs"] >= min_precision and not known.find(g):
                chosen.setdefault(lab, []).append((len(notes), len(g.split()), g))
    if background is not None and chosen:
        padded = [(_padded_words(text), set(labels)) for text, labels in zip(*background)]
        for lab in list(chosen):
            keep = []
            for cand in chosen[lab]:
                needle = f" {cand[2]} "
                hits = [labels for text, labels in padded if needle in text]
                if not hits or sum(lab in h for h in hits) / len(hits) >= background_precision:
                    keep.append(cand)
            chosen[lab] = keep
    out: dict[str, str] = {}
    for lab, cands in chosen.items():
        kept: list[str] = []
        for _, _, g in sorted(cands, key=lambda c: (-c[0], -c[1], c[2])):
            if any(f" {g} " in f" {k} " or f" {k} " in f" {g} " for k in kept):
                continue
            kept.append(g)
            if len(kept) >= max_per_code:
                break
        out.update({g: lab for g in kept})
    return dict(sorted(out.items()))


def train_candidate(corrections: list[Correction], out_dir: str | Path, *, engine=None,
                    data_dir: str | Path = "training_data", weight: int | None = None, held_back: list | None = None) -> dict:
    """Train a candidate model on the project corpus plus the corrections' segments; returns its model card."""
    from .engine import Suggester
    from .model.train import train

    if not corrections:
        raise InputError("No corrections to learn from: import some (suggester corrections import) or review notes "
                         "with text storage on.")
    weight = config()["segment_weight"] if weight is None else weight
    engine = engine or Suggester()
    from .model.train import load_corpus

    corpus = load_corpus(data_dir, engine.catalogue)   # read once: the phrases' background and the training set
    background = corpus[:2]
    spans = {c.note_id: _aligned(engine, c) for c in corrections}

    def segments_of(skip: dict) -> list:
        return [(c.text[a:b].strip(), labs, c.note_id) for c in corrections for a, b, labs in spans[c.note_id]
                if _line_heading(c.text, a, b) not in skip]
    # The clinic's plan-like line headers first (judged with every service name its notes might use), then its
    # phrases and the training segments without those lines.
    tentative = learn_phrases(segments_of({}), engine.phrases, background=background, min_precision=0.0)
    tentative_words = [f" {p} " for p in tentative]
    sections = learn_sections(corrections, spans, set(engine.nlp.get_pipe("suggester_sections")._by_literal),
                              lambda t: bool(engine.phrases.find(t)) or any(w in _padded_words(t) for w in tentative_words))
    segments = segments_of(sections)
    phrases = learn_phrases(segments, engine.phrases, background=background)
    texts = [seg for seg, _, _ in segments for _ in range(weight)]
    ys = [labs for _, labs, _ in segments for _ in range(weight)]
    dates = sorted(d for d in (c.date for c in corrections) if d)
    extra_card = {"corrections": {"count": len(corrections), "segments": len(segments),
                                  "weight": weight, "sha256": fingerprint(corrections),
                                  "date_range": [dates[0], dates[-1]] if dates else None,
                                  "held_back": len(held_back or []),
                                  "held_back_sha256": fingerprint(held_back) if held_back else None,
                                  "base_model": engine.model_card.get("sha256")},
                  "clinic_phrases": phrases, "clinic_sections": sections}
    return train(data_dir, out_dir, extra=(texts, ys), card_extra=extra_card, corpus=corpus)


def evaluate_corrections(engine, corrections: list[Correction]) -> dict:
    """Micro precision, recall and F1 of the engine's recommended codes against the corrections' final codes."""
    from .evaluate import evaluate

    report = evaluate(engine, [c.to_gold() for c in corrections])
    return {k: report[k] for k in ("n_notes", "micro_precision", "micro_recall", "micro_f1")}


def gate(candidate_dir: str | Path, current_dir: str | Path | None, held_back: list[Correction], *,
         holdout: str | Path = "training_data/holdout/holdout_notes.jsonl") -> dict:
    """Compare a candidate model with the current one; ``passed`` is False, with the reasons, when the candidate is
    worse on the project hold-out (beyond ``holdout_tolerance``) or on the held-back corrections."""
    from .engine import Suggester
    from .evaluate import evaluate, load_gold

    cfg = config()
    notes = load_gold(holdout)
    figures: dict = {}
    for name, directory in (("current", current_dir), ("candidate", candidate_dir)):
        eng = Suggester(directory)
        ho = evaluate(eng, notes)
        figures[name] = {"holdout_micro_f1": ho["micro_f1"], "holdout_notes": ho["n_notes"],
                         "clinic": evaluate_corrections(eng, held_back) if held_back else None}
    reasons = []
    drop = figures["current"]["holdout_micro_f1"] - figures["candidate"]["holdout_micro_f1"]
    if drop > cfg["holdout_tolerance"]:
        reasons.append(f"project hold-out micro-F1 falls from {figures['current']['holdout_micro_f1']:.3f} to "
                       f"{figures['candidate']['holdout_micro_f1']:.3f} (more than the "
                       f"{cfg['holdout_tolerance']:.3f} allowed)")
    if not held_back:
        reasons.append("no held-back corrections to measure the clinic's notes on (need at least "
                       f"{cfg['min_held_back']}; correct more notes)")
    elif len(held_back) < cfg["min_held_back"]:
        reasons.append(f"only {len(held_back)} held-back corrections; at least {cfg['min_held_back']} are needed to "
                       "judge the clinic's notes")
    else:
        cur, cand = figures["current"]["clinic"]["micro_f1"], figures["candidate"]["clinic"]["micro_f1"]
        if cand < cur:
            reasons.append(f"micro-F1 on the clinic's held-back notes falls from {cur:.3f} to {cand:.3f}")
    return {"passed": not reasons, "reasons": reasons, "figures": figures,
            "limits": {"holdout_tolerance": cfg["holdout_tolerance"], "min_held_back": cfg["min_held_back"]}}

"""Catalogue phrase evidence: which codes a clause names by their synonyms and abbreviations."""

from __future__ import annotations

import re
import sys

from ._memo import TextMemo
from .catalogue import Catalogue
from .nlp.rules import (CAPITALS_DOSE_AFTER, LiteralMatcher, all_capitals, capitals_words, fold_words, spelled_phrases,
                        spelled_words, tokenize_offsets)

__all__ = ["PhraseIndex"]

_FOUND_MAX = 20_000   # clause texts whose phrase hits are remembered (cleared when full)
# a time right after a name: "TA 15 min", "TA: 12'", "TA (10m)", "TA - 8 minutes", or a bare number in a minutes list
# ("Minutes: NMR 20 / TA 10 (total 45)", "TE 15, TA 10")
_TIME_NEXT = re.compile(r"[ \t]*[:\-\u2013(=]?[ \t]*\d{1,3}[ \t]*(?:min(?:ute)?s?\b|mins\b|m\b|'"
                        r"|(?=[ \t]*(?:[/,;|]|\(total\b)))", re.IGNORECASE)   # also a minutes list: "NMR 20 / TA 10 / ..."
# the last item of a minutes list ("TE 15 / NMR 11 / TA 6"): a bare number ending the line after a slash or bar item
_LIST_END_TIME = re.compile(r"[ \t]*[:\-=]?[ \t]*\d{1,2}[ \t]*\.?[ \t]*(?:\r?\n|$)")
_LIST_ITEM_BEFORE = re.compile(r"\d[ \t]*[/|][ \t]*$")


def _joined_variants(phrase: str) -> list[str]:
    """The ways a phrase of two to four words reads when some of its words are hyphenated together ("soft-tissue
    mobilization", "sit-to-stand"): the matcher reads a hyphenated word as one ("softtissue"), so each way of
    joining neighbouring words is a form of the phrase; a hyphenated phrase also reads with spaces ("re education")."""
    spaced = " ".join(phrase.replace("-", " ").split())   # "neuromuscular re education" for "... re-education"
    out = [spaced] if spaced != phrase else []
    words = spaced.split()
    if not 2 <= len(words) <= 4 or not all(w.isalpha() for w in words):
        return out
    for mask in range(1, 2 ** (len(words) - 1)):
        parts = [words[0]]
        for k, w in enumerate(words[1:]):
            if mask >> k & 1:
                parts[-1] += w
            else:
                parts.append(w)
        out.append(" ".join(parts))
    return out


_VOWELS = set("aeiou")


def _plural(phrase: str) -> str | None:
    """The phrase with its last word in the plural ("wax dip" -> "wax dips", "joint mobilization" -> "joint
    mobilizations", "bed mobility activity" -> "... activities"), or None when that word does not take a plain
    English plural (already plural, shorter than three letters, not all letters)."""
    head, _, last = phrase.rpartition(" ")
    if len(last) < 3 or not last.isalpha() or last.endswith("s"):
        return None
    if last.endswith("y") and last[-2] not in _VOWELS:
        last = last[:-1] + "ies"
    elif last.endswith(("x", "z", "ch", "sh")):
        last += "es"
    else:
        last += "s"
    return f"{head} {last}" if head else last


class PhraseIndex:
    """Find catalogue phrases in text: case-insensitive synonyms, case-sensitive abbreviations.

    ``supporting`` phrases (and abbreviations) are names that back a code only where the clause already reads
    most like it ("resisted eversion, inversion and heel raises" for therapeutic exercise); the engine decides
    that, and ``find`` returns them like any other phrase (their literal is in :attr:`supporting`).

    ``label_of`` maps each suggestible code to the label the model predicts (Medicare substitutes
    such as G0283 map to their CPT twin). ``blockers`` are phrases that contain a catalogue phrase but
    point to no code ("manual muscle test", "gait belt"); they are matched first and ignored.
    """

    def __init__(self, catalogue: Catalogue, label_of: dict[str, str], labels: set[str], blockers=(),
                 extra: dict[str, str] | None = None, extra_abbreviations: dict[str, str] | None = None,
                 supporting: dict[str, str] | None = None, supporting_abbreviations: dict[str, str] | None = None,
                 timed_abbreviations: dict[str, str] | None = None, demoted=(),
                 spelled: dict[str, str] | None = None, capitals_words=frozenset()) -> None:
        self._found = TextMemo(_FOUND_MAX)   # clause text -> its hits (see find)
        self._capitals = frozenset(capitals_words)   # "US", "MET": in an all-capitals clause only right before a time
        syn: dict[str, set] = {}
        abbr: dict[str, set] = {}
        canon: dict[str, str] = {}   # a written-together variant -> the catalogue phrase it spells (first wins)
        for code, label in label_of.items():
            if label not in labels:
                continue
            for s in catalogue[code].synonyms:
                syn.setdefault(s.lower(), set()).add(label)
                for variant in _joined_variants(s.lower()):   # "soft-tissue mobilization", "sit-to-stand"
                    canon.setdefault(variant, s.lower())
                for form in [s.lower()] + _joined_variants(s.lower()):   # "wax dips", "joint mobilizations"
                    plural = _plural(form)
                    if plural is not None:
                        canon.setdefault(plural, s.lower())
            for a in catalogue[code].abbreviations:
                abbr.setdefault(a, set()).add(label)
        for phrase, code in (extra or {}).items():  # named interventions from the lexicon
            label = label_of.get(code, code)
            if label in labels and phrase.lower() not in syn:
                syn[phrase.lower()] = {label}
        for a, code in (extra_abbreviations or {}).items():
            label = label_of.get(code, code)
            if label in labels and a not in abbr:
                abbr[a] = {label}
        for variant, meant in (spelled or {}).items():   # "gate training" misspells the phrase "gait training"
            if meant in syn:
                canon.setdefault(variant, meant)
        self._canon: dict[str, str] = {}   # a variant that names nothing else -> the catalogue phrase, for the hits
        for variant, phrase in canon.items():
            if variant not in syn:
                syn[variant] = syn[phrase]
                self._canon[variant] = phrase
        for blocker in blockers:
            syn.setdefault(blocker.lower(), set())
            for variant in _joined_variants(blocker.lower()):   # "gait-belt" is a gait belt too
                syn.setdefault(variant, set())
            plural = _plural(blocker.lower())   # "manual muscle tests" blocks as "manual muscle test" does
            if plural is not None:
                syn.setdefault(plural, set())
        # catalogue and lexicon names demoted to supporting ("sit-to-stand", "STS": an item of an exercise list as
        # often as a transfer trained): they back their code only where the clause reads like it
        low = {d.lower() for d in demoted}
        demoted_syn = {k: syn.pop(k) for k in [k for k in syn if syn[k] and self._canon.get(k, k) in low]}
        demoted_abbr = {k: abbr.pop(k) for k in [k for k in abbr if k in demoted]}
        for k in demoted_syn:
            self._canon.pop(k, None)
        self._syn, self._abbr = syn, abbr
        self._syn_matcher = LiteralMatcher(syn, split_slashes=True)
        self._abbr_matcher = LiteralMatcher(abbr, case_sensitive=True, split_slashes=True)
        # names that support the code a clause reads like: matched on their own, so that a longer supporting
        # name never hides a full phrase inside it ("tandem stance on foam" vs "tandem stance")
        weak_syn = {p.lower(): {label_of.get(c, c)} for p, c in (supporting or {}).items()
                    if label_of.get(c, c) in labels and p.lower() not in syn}
        weak_abbr = {a: {label_of.get(c, c)} for a, c in (supporting_abbreviations or {}).items()
                     if label_of.get(c, c) in labels and a not in abbr}
        weak_syn.update(demoted_syn)
        weak_abbr.update(demoted_abbr)
        self.supporting = frozenset(weak_syn) | frozenset(weak_abbr)
        # abbreviations that name their code only right before its time ("TA 15 min | TE 15 min"): alone they are
        # ambiguous ("TA bracing" is the transversus abdominis)
        self._timed_abbr = {a: {label_of.get(c, c)} for a, c in (timed_abbreviations or {}).items()
                            if label_of.get(c, c) in labels and a not in abbr}
        self._weak = (weak_syn, LiteralMatcher(weak_syn, split_slashes=True), weak_abbr,
                      LiteralMatcher(weak_abbr, case_sensitive=True, split_slashes=True)) if self.supporting else None

    def _state(self) -> tuple:
        """The built index as plain containers (:mod:`suggester._index_cache` keeps it between processes)."""
        weak = None if self._weak is None else (self._weak[0], self._weak[1].state(), self._weak[2], self._weak[3].state())
        return (self._syn, self._abbr, self._syn_matcher.state(), self._abbr_matcher.state(), self.supporting, weak,
                self._canon, self._timed_abbr, self._capitals)

    @classmethod
    def _from_state(cls, state: tuple) -> "PhraseIndex":
        self = cls.__new__(cls)
        self._found = TextMemo(_FOUND_MAX)
        self._syn, self._abbr, syn_m, abbr_m, self.supporting, weak, self._canon, self._timed_abbr, self._capitals = state
        self._syn_matcher, self._abbr_matcher = LiteralMatcher.from_state(syn_m), LiteralMatcher.from_state(abbr_m)
        self._weak = None if weak is None else (weak[0], LiteralMatcher.from_state(weak[1]), weak[2],
                                                 LiteralMatcher.from_state(weak[3]))
        return self

    def find(self, text: str) -> list[tuple[int, int, str, set]]:
        """``(start, end, phrase, labels)`` for every catalogue phrase in ``text`` (remembered per text: template
        lines repeat across notes)."""
        return list(self._found.get(text, self._find))

    def _find(self, text: str) -> list[tuple[int, int, str, set]]:
        tokens = tokenize_offsets(text, split_slashes=True)  # one tokenisation serves every matcher (\w is case-blind)
        lower = [(t.lower(), a, b) for t, a, b in tokens]
        lower_words, words = fold_words(lower), fold_words(tokens)
        hits, blocked = [], []
        canon = self._canon
        for a, b, lit in self._syn_matcher.finditer(text, lower, lower_words):
            (hits.append((a, b, canon.get(lit, lit), self._syn[lit])) if self._syn[lit] else blocked.append((a, b)))
        # in a clause written all in capitals, "US" and "MET" are words unless a time follows ("PT TOLD US ...")
        capitals = self._capitals if self._capitals and all_capitals(text) else ()
        hits += [(a, b, lit, self._abbr[lit]) for a, b, lit in self._abbr_matcher.finditer(text, tokens, words)
                 if not any(x < b and a < y for x, y in blocked)
                 and (lit not in capitals or CAPITALS_DOSE_AFTER.match(text, b))]
        if self._timed_abbr:
            hits += [(a, b, t, self._timed_abbr[t]) for t, a, b in tokens
                     if t in self._timed_abbr and (_TIME_NEXT.match(text, b)
                                                   or _LIST_END_TIME.match(text, b) and _LIST_ITEM_BEFORE.search(text, 0, a))]
        if self._weak is not None:
            weak_syn, syn_m, weak_abbr, abbr_m = self._weak
            taken = blocked + [(a, b) for a, b, _, _ in hits]
            weak = [(a, b, lit, weak_syn[lit]) for a, b, lit in syn_m.finditer(text, lower, lower_words)]
            weak += [(a, b, lit, weak_abbr[lit]) for a, b, lit in abbr_m.finditer(text, tokens, words)]
            hits += [h for h in weak if not any(x < h[1] and h[0] < y for x, y in taken)]
        return hits

    def labels_in(self, text: str) -> set[str]:
        out: set[str] = set()
        for *_, labels in self.find(text):
            out |= labels
        return out

    @classmethod
    def from_config(cls, catalogue: Catalogue, label_of: dict[str, str], labels: set[str], config: dict,
                    clinic_phrases: dict[str, str] | None = None) -> "PhraseIndex":
        """The index the engine uses: catalogue phrases, the engine's blockers, (unless
        ``intervention_phrases`` is false in engine.json) the intervention lexicon's names, and the phrases a
        clinic's model learned from its corrections (``clinic_phrases``: phrase -> code).

        The built index is kept on disk between processes (:mod:`suggester._index_cache`), keyed by everything it
        is built from; the same index either way."""
        from . import _index_cache, interventions
        from .nlp import rules

        named = {code: [label, list(catalogue[code].synonyms), list(catalogue[code].abbreviations)]
                 for code, label in label_of.items() if label in labels}
        inputs = [named, sorted(labels),
                  {k: config.get(k) for k in ("intervention_phrases", "phrase_blockers", "timed_abbreviations",
                                              "supporting_names")},
                  clinic_phrases or {}, spelled_words(), spelled_phrases(), sorted(capitals_words())]
        key = _index_cache.cache_key("phrases", inputs, (sys.modules[__name__], interventions, rules),
                                     interventions.lexicon_bytes())
        state = _index_cache.load(key)
        if state is not None:
            return cls._from_state(state)
        index = cls._build_from_config(catalogue, label_of, labels, config, clinic_phrases)
        _index_cache.store(key, index._state())
        return index

    @classmethod
    def _build_from_config(cls, catalogue: Catalogue, label_of: dict[str, str], labels: set[str], config: dict,
                           clinic_phrases: dict[str, str] | None = None) -> "PhraseIndex":
        from .interventions import load_interventions

        opts = config.get("intervention_phrases", {"enabled": True})
        extra = abbreviations = weak = weak_abbr = None
        if opts.get("enabled", True):
            drop = {x.lower() for x in opts.get("exclude", [])}
            shortest = int(opts.get("min_single_token_chars", 0))
            lexicon = load_interventions()

            def names(exclude_parts, ambiguous=False, families=()):   # the lexicon's names and abbreviations, without everyday words
                return ({form: code for form, code in lexicon.phrases(exclude_parts, ambiguous=ambiguous, families=families).items()
                         if form not in drop and (" " in form or len(form) >= shortest)},
                        {a: code for a, code in lexicon.abbreviations(exclude_parts, families=families).items()
                         if a.lower() not in drop})

            parts = tuple(opts.get("exclude_parts", ()))
            # families whose names say their code wherever they stand ("Bad Ragaz", "DWR": only ever in a pool)
            full = tuple(opts.get("full_families", ()))
            extra, abbreviations = names(parts, families=full)
            support = [p for p in opts.get("supporting_parts", ()) if p in parts]
            if support:   # the excluded parts named as supporting: every part but them left out
                weak, weak_abbr = names(tuple(p for p in lexicon.parts if p not in support),
                                         bool(opts.get("ambiguous_supporting", False)))
                weak = {f: c for f, c in weak.items() if f not in extra}
                weak_abbr = {a: c for a, c in weak_abbr.items() if a not in abbreviations}
        if clinic_phrases:
            extra = {**(extra or {}), **{p.lower(): code for p, code in clinic_phrases.items()}}
        return cls(catalogue, label_of, labels, config.get("phrase_blockers", []), extra=extra,
                   extra_abbreviations=abbreviations if extra is not None else None,
                   supporting=weak, supporting_abbreviations=weak_abbr,
                   timed_abbreviations=config.get("timed_abbreviations"), demoted=config.get("supporting_names", ()),
                   spelled=spelled_phrases(), capitals_words=capitals_words())

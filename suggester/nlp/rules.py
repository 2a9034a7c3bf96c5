"""Rule records for the clinical-context pipeline, loaded strictly from JSON data files.

The ConText rules use medspaCy's JSON keys (``literal``, ``category``, ``pattern``,
``direction``, ``max_scope``, ``metadata``) so a rule file can be handed to medspaCy
unchanged; suggester does not depend on medspaCy.
"""

from __future__ import annotations

import re
import sys
from re import _casefix, _constants as _sre, _parser as _sre_parse
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .._regex_cache import NEEDS
from .._resources import packaged_json, read_json
from ..errors import ResourceError

__all__ = ["DASH_BEFORE", "UNCHECKED_BOX", "ContextRule", "SectionRule", "compile_literals", "line_bounds", "literals_pattern", "load_context_rules",
           "load_section_rules", "load_section_attributes", "load_nonvisit_rules", "load_nonvisit_third_parties",
           "load_lexicon", "CAPITALS_DOSE_AFTER", "all_capitals", "capitals_words", "spelled_phrases", "spelled_words"]
# a check box left empty at the start of a line: "[ ] Gait training 97116", "\u2610 Ultrasound", "- ( ) Re-eval"
UNCHECKED_BOX = re.compile(r"[ \t]*(?:[-*\u2022][ \t]*)?(?:\[[ \t]?\]|\u2610|\u25a1|\([ \t]\))[ \t]")


# a dash that sets apart what follows it, right before a position ("... 8 min -- DC'd", "... heel slides -- 26 min")
DASH_BEFORE = re.compile(r"\s(?:-{1,2}|\u2013|\u2014)\s*$")


def line_bounds(text: str, pos: int) -> tuple[int, int]:
    """Start and end offsets of the line of ``text`` that holds ``pos`` (the end excludes the newline)."""
    end = text.find("\n", pos)
    return text.rfind("\n", 0, pos) + 1, len(text) if end < 0 else end


CONTEXT_CATEGORIES = frozenset({"NEGATED_EXISTENCE", "HYPOTHETICAL", "HISTORICAL", "HOME_PROGRAM", "FINDING",
                                "PSEUDO", "TERMINATE"})
DIRECTIONS = frozenset({"FORWARD", "BACKWARD", "BIDIRECTIONAL", "TERMINATE", "PSEUDO"})
_CONTEXT_KEYS = {"literal", "category", "pattern", "direction", "max_scope", "metadata", "allowed_types", "excluded_types"}
# Status given to a modifier's scope when its metadata names none.
_DEFAULT_STATUS = {"NEGATED_EXISTENCE": "negated", "HYPOTHETICAL": "planned", "HISTORICAL": "historical",
                   "HOME_PROGRAM": "home_program", "FINDING": "exam_finding"}


@dataclass(frozen=True)
class ContextRule:
    """One ConText cue: a literal (or regex pattern), its category, direction and scope."""

    literal: str
    category: str
    direction: str
    pattern: str | None = None
    max_scope: int | None = None
    status: str | None = None
    past_commas: bool = False   # a backward scope that does not stop at a comma ("A, B and C over the episode")

    @classmethod
    def from_dict(cls, d: dict, where: str = "context rule") -> "ContextRule":
        if not isinstance(d, dict):
            raise ResourceError(f"{where}: expected an object.")
        unknown = sorted(set(d) - _CONTEXT_KEYS)
        if unknown:
            raise ResourceError(f"{where}: unknown key(s) {unknown}; allowed: {sorted(_CONTEXT_KEYS)}.")
        literal, category = d.get("literal"), d.get("category")
        direction = d.get("direction") or "BIDIRECTIONAL"
        if not isinstance(literal, str) or not literal.strip():
            raise ResourceError(f"{where}: 'literal' must be a non-empty string.")
        if category not in CONTEXT_CATEGORIES:
            raise ResourceError(f"{where} ({literal!r}): 'category' must be one of {sorted(CONTEXT_CATEGORIES)}, got {category!r}.")
        if direction not in DIRECTIONS:
            raise ResourceError(f"{where} ({literal!r}): 'direction' must be one of {sorted(DIRECTIONS)}, got {direction!r}.")
        pattern = d.get("pattern")
        if pattern is not None:
            if not isinstance(pattern, str):
                raise ResourceError(f"{where} ({literal!r}): only regex-string patterns are supported, got {type(pattern).__name__}.")
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ResourceError(f"{where} ({literal!r}): invalid regex pattern: {exc}.") from None
        max_scope = d.get("max_scope")
        if max_scope is not None and (not isinstance(max_scope, int) or max_scope < 1):
            raise ResourceError(f"{where} ({literal!r}): 'max_scope' must be a positive integer or null.")
        meta = d.get("metadata") or {}
        status = meta.get("status") if isinstance(meta, dict) else None
        if category in _DEFAULT_STATUS:
            status = status or _DEFAULT_STATUS[category]
        past_commas = meta.get("past_commas", False) if isinstance(meta, dict) else False
        if not isinstance(past_commas, bool):
            raise ResourceError(f"{where} ({literal!r}): metadata 'past_commas' must be true or false.")
        return cls(literal=literal.lower(), category=category, direction=direction, pattern=pattern,
                   max_scope=max_scope, status=status, past_commas=past_commas)

    def to_dict(self) -> dict:
        meta = {"status": self.status} if self.status else {}
        if self.past_commas:
            meta["past_commas"] = True
        return {"literal": self.literal, "category": self.category, "pattern": self.pattern,
                "direction": self.direction, "max_scope": self.max_scope, "metadata": meta or None}


@dataclass(frozen=True)
class SectionRule:
    """A section header literal and the section category it opens."""

    literal: str
    category: str


def _load(source: str | Path | None, default: str) -> object:
    return packaged_json(default) if source in (None, "default") else read_json(source, packaged=False)


def load_context_rules(source: str | Path | None = "default") -> list[ContextRule]:
    """Load ConText rules (``"default"`` = packaged ``context_rules.json``)."""
    data = _load(source, "context_rules.json")
    if not isinstance(data, dict) or not isinstance(data.get("context_rules"), list):
        raise ResourceError("context rules file: expected an object with a 'context_rules' list.")
    return [ContextRule.from_dict(r, f"context rule #{i}") for i, r in enumerate(data["context_rules"])]


def load_section_rules(source: str | Path | None = "default") -> list[SectionRule]:
    data = _load(source, "sections.json")
    if not isinstance(data, dict) or not isinstance(data.get("section_rules"), list):
        raise ResourceError("sections file: expected an object with a 'section_rules' list.")
    rules = []
    for i, r in enumerate(data["section_rules"]):
        if not (isinstance(r, dict) and isinstance(r.get("category"), str) and isinstance(r.get("literals"), list)):
            raise ResourceError(f"section rule #{i}: expected {{'category': str, 'literals': [str, ...]}}.")
        rules.extend(SectionRule(str(lit).lower(), r["category"]) for lit in r["literals"])
    return rules


def _field_end(category: str, value) -> bool | str:
    """A section attribute ``field_ends_at_paragraph``: true, false or "header_block" (only before the first header of
    the note's body: S:, O:, A:, Tx:)."""
    if value not in (True, False, "header_block"):
        raise ResourceError(f"section attributes file ({category!r}): 'field_ends_at_paragraph' must be true, false or "
                            f"\"header_block\", got {value!r}.")
    return value


def load_section_attributes(source: str | Path | None = "default") -> dict[str, dict]:
    """Section category -> ``{"assertion": str | None, "inline_scope": "line" | None, ...}``."""
    data = _load(source, "section_attributes.json")
    try:
        return {cat: {"assertion": attrs["assertion"], "inline_scope": attrs.get("inline_scope"),
                      "assertion_with_treatment_section": attrs.get("assertion_with_treatment_section"),
                      "ends_at_timed_sentence": bool(attrs.get("ends_at_timed_sentence", False)),
                      "semicolon_items": bool(attrs.get("semicolon_items", False)),
                      "line_scope_after_timed_head": bool(attrs.get("line_scope_after_timed_head", False)),
                      "field_ends_at_paragraph": _field_end(cat, attrs.get("field_ends_at_paragraph", False)),
                      "ends_plan_or_goals": bool(attrs.get("ends_plan_or_goals", False)),
                      "row_pattern": attrs.get("row_pattern")}
                for cat, attrs in data["section_attributes"].items()}
    except (TypeError, KeyError) as exc:
        raise ResourceError(f"section attributes file: expected {{'section_attributes': {{category: {{'assertion': ...}}}}}} ({exc}).") from None


def load_nonvisit_rules(source: str | Path | None = "default") -> dict[str, str | None]:
    """Non-visit cue literal -> status ("no_show", "cancelled", "phone", "not_treated", "voided"); None marks a blocker."""
    data = _load(source, "nonvisit_rules.json")
    try:
        return {r["literal"].lower(): r["status"] for r in data["nonvisit_rules"]}
    except (TypeError, KeyError, AttributeError) as exc:
        raise ResourceError(f"non-visit rules file: expected {{'nonvisit_rules': [{{'literal', 'status'}}]}} ({exc}).") from None


def load_nonvisit_third_parties(source: str | Path | None = "default") -> re.Pattern | None:
    """The people other than the patient and family whose phone call or message is no non-visit (``third_party_words``)."""
    words = _load(source, "nonvisit_rules.json").get("third_party_words") or []
    if not isinstance(words, list) or not all(isinstance(w, str) and w.strip() for w in words):
        raise ResourceError("non-visit rules file: 'third_party_words' must be a list of non-empty strings.")
    return compile_literals(words) if words else None


def load_lexicon(source: str | Path | None = "default") -> dict:
    data = _load(source, "lexicon.json")
    if not isinstance(data, dict) or not isinstance(data.get("abbreviations"), list):
        raise ResourceError("lexicon file: expected an object with an 'abbreviations' list.")
    for i, r in enumerate(data["abbreviations"]):
        if not (isinstance(r, dict) and isinstance(r.get("abbr"), str) and isinstance(r.get("expansion"), str)
                and isinstance(r.get("case_sensitive"), bool)):
            raise ResourceError(f"lexicon abbreviation #{i}: expected {{'abbr': str, 'expansion': str, 'case_sensitive': bool}}.")
    spelling = data.get("spelling_variants", {"words": {}, "phrases": {}})
    if not (isinstance(spelling, dict) and set(spelling) == {"words", "phrases"}
            and all(isinstance(spelling[k], dict) for k in spelling)):
        raise ResourceError("lexicon spelling_variants: expected {'words': {variant: word}, 'phrases': {variant: phrase}}.")
    for kind, one_word in (("words", True), ("phrases", False)):
        for variant, meant in spelling[kind].items():
            ok = isinstance(meant, str) and meant.strip() and variant == variant.lower() and variant != meant \
                and (re.fullmatch(r"[^\W_]+", variant) if one_word else len(variant.split()) > 1)
            if not ok:
                raise ResourceError(f"lexicon spelling_variants.{kind} {variant!r}: expected a lowercase "
                                    f"{'single word' if one_word else 'phrase of two or more words'} mapped to the "
                                    "text it stands for.")
    return data


@lru_cache(maxsize=1)
def spelled_words() -> dict[str, str]:
    """Misspelled word -> the word meant (the packaged lexicon's ``spelling_variants.words``): a matcher reads a token
    by the word it stands for (:func:`fold_words`)."""
    return dict(load_lexicon().get("spelling_variants", {}).get("words", {}))


def _literal_regex(literal: str) -> str:
    body = re.escape(literal).replace(r"\ ", r"\s+")
    start = r"(?<![\w/])" if re.match(r"\w", literal) else ""
    end = r"(?![\w/])" if re.search(r"\w$", literal) else ""
    return start + body + end


def literals_pattern(literals) -> str:
    """The source of one alternation regex over ``literals`` (longest first, whole-word boundaries), for use inside
    a larger pattern without compiling it on its own.

    The word-start check is written once before the literals that begin with a word character, so the engine
    tries them only where a word begins (several times faster on long notes than one check per literal), and those
    literals are written as a prefix tree ("hot\\s+pack(?:s(?![\\w/])|(?![\\w/]))|..."): at each character the engine
    follows the one branch that can match instead of trying every literal in turn, and the pattern is shorter to
    compile. It matches exactly what the flat list would: on the one path that can match, the longer literals are
    tried first."""
    ordered = sorted(set(literals), key=lambda s: (-len(s), s))
    if not ordered:
        return r"(?!x)x"
    wordy = [lit for lit in ordered if re.match(r"\w", lit)]
    other = [lit for lit in ordered if not re.match(r"\w", lit)]
    parts = []
    if wordy:
        parts.append(r"(?<![\w/])" + (_prefix_tree(wordy) if all(_tree_safe(lit) for lit in wordy) else
                                        "(?:%s)" % "|".join(_literal_regex(lit)[len(r"(?<![\w/])"):] for lit in wordy)))
    parts += [f"(?:{_literal_regex(lit)})" for lit in other]
    return "|".join(parts)


def _tree_safe(literal: str) -> bool:
    """Whether ``literal`` can go into a prefix tree without changing what the alternation matches: lower-case ASCII
    with single spaces only (two branches then never match the same character, whatever the flags)."""
    return literal.isascii() and literal == literal.lower() and "  " not in literal and literal.strip() == literal \
        and not any(ch.isspace() and ch != " " for ch in literal)


def _prefix_tree(literals) -> str:
    """The literals (each starting with a word character) as one prefix-tree regex, longer continuations before a
    literal's end at every node."""
    root: dict = {}
    for lit in literals:
        node = root
        for ch in lit:
            node = node.setdefault(r"\s+" if ch == " " else re.escape(ch), {})
        node[""] = r"(?![\w/])" if re.search(r"\w$", lit) else ""

    def emit(node: dict) -> str:
        alts = [key + emit(child) for key, child in node.items() if key != ""]
        if "" in node:
            alts.append(node[""])
        return alts[0] if len(alts) == 1 else "(?:%s)" % "|".join(alts)

    return emit(root)


def compile_literals(literals, flags: int = re.IGNORECASE) -> re.Pattern:
    """:func:`literals_pattern` compiled."""
    return re.compile(literals_pattern(literals), flags)


def _top_level_alternation(pattern: str) -> bool:
    """Whether ``pattern`` has a ``|`` outside every group and character class."""
    depth, i, in_class = 0, 0, False
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
            i += pattern[i + 1:i + 2] == "^"
            i += pattern[i + 1:i + 2] == "]"   # a "]" first in a class is a member, not its end
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            return True
        i += 1
    return False


def word_start_alternatives(patterns: list[str]) -> str | None:
    """One pattern for ``(?:p1)|(?:p2)|...`` when each ``p`` is ``\\b`` followed by a sequence: the boundary written
    once in front, ``\\b(?:rest1|rest2|...)`` (the same matches, in the same order); None otherwise."""
    if not patterns or not all(p.startswith("\\b") and not _top_level_alternation(p) for p in patterns):
        return None
    return "\\b(?:" + "|".join(p[2:] for p in patterns) + ")"


def _is_word(text: str, i: int) -> bool:
    return 0 <= i < len(text) and (text[i].isalnum() or text[i] == "_")


class WordStartPattern:
    """A compiled pattern that starts with a word boundary (``\\bberg\\b``), scanned fast.

    Python's regex engine jumps straight to a pattern's possible first characters only when the pattern begins
    with them; a leading ``\\b`` makes it try every position instead (measured: 20 times slower on a note for
    ``\\bberg\\b``). This scans with the pattern after the boundary and keeps a match only where a word boundary
    stands at its start, which gives exactly the original's matches (same spans, same order, same groups); a
    pattern that could match empty text hands over to the original at that point. ``search``, ``finditer`` and
    ``pattern`` work as on :class:`re.Pattern`.
    """

    __slots__ = ("pattern", "flags", "_rest")

    def __init__(self, pattern: str, flags: int, rest: re.Pattern) -> None:
        self.pattern, self.flags, self._rest = pattern, flags, rest

    @classmethod
    def compile(cls, pattern: str, flags: int = 0):
        """A :class:`WordStartPattern` when ``pattern`` is ``\\b`` followed by a sequence, else ``re.compile``."""
        if not pattern.startswith("\\b") or _top_level_alternation(pattern):
            return re.compile(pattern, flags)
        rest = re.compile(pattern[2:], flags)
        return cls(pattern, rest.flags, rest)

    @property
    def _full(self) -> re.Pattern:   # the pattern as written: needed only where the rest matches empty text
        return re.compile(self.pattern, self.flags)

    def finditer(self, text: str, pos: int = 0, endpos: int = sys.maxsize):
        search = self._rest.search
        while True:
            m = search(text, pos, endpos)
            if m is None:
                return
            a, b = m.span()
            if a == b:   # an empty match: from here on the original decides
                yield from self._full.finditer(text, a, endpos)
                return
            if _is_word(text, a - 1) != _is_word(text, a):
                yield m
                pos = b
            else:
                pos = a + 1

    def search(self, text: str, pos: int = 0, endpos: int = sys.maxsize):
        return next(self.finditer(text, pos, endpos), None)


# Characters that a case-blind regex matches differently from ``str.lower`` (the dotted capital I lowers to two
# characters; re's extra case pairs such as the long s and "s", the Kelvin sign and "k"): a text that holds one is
# never screened (:class:`Screen`), every pattern is tried on it.
_FOLD_RISK = re.compile("[%s]" % re.escape("".join(
    sorted({"\u0130"} | {chr(c) for pair in _casefix._EXTRA_CASES.items() for c in (pair[0], *pair[1]) if c > 127}))))


def _needed_in(items, caseless: bool) -> list[frozenset[str]] | None:
    """What every match of the parsed sequence ``items`` contains: a list of string sets, each of which has a member
    in the matched text (its literal runs, and the needs of the groups, branches and required repeats inside it).
    Sets with a string shorter than two characters are left out; None for a pattern character whose case folds
    specially (never screened)."""
    found, run = [], []

    def close() -> None:
        if run:
            found.append(frozenset(["".join(run)]))
            run.clear()

    for op, av in items:
        if op is _sre.LITERAL:
            ch = chr(av)
            if caseless and (len(ch.lower()) != 1 or _FOLD_RISK.match(ch)):
                return None
            run.append(ch.lower() if caseless else ch)
            continue
        if op is _sre.AT:   # \b, ^, $ take no characters: the literals on both sides stay adjacent
            continue
        close()
        inner: list | None = []   # what this item needs (None: a special fold inside)
        if op is _sre.SUBPATTERN:
            _, add_flags, del_flags, body = av
            inner = _needed_in(body, caseless) if not (add_flags | del_flags) & re.IGNORECASE else []
        elif op is _sre.BRANCH:   # one of the branches: the union of each branch's most telling set
            alts = [_needed_in(b, caseless) for b in av[1]]
            if any(alt is None for alt in alts):
                return None
            inner = [frozenset().union(*(_best(alt) for alt in alts))] if all(alts) else []
        elif op in _REPEATS and av[0] >= 1:
            inner = _needed_in(av[2], caseless)
        elif op is _ATOMIC:
            inner = _needed_in(av, caseless)
        if inner is None:
            return None
        found += inner
    close()
    return [f for f in found if min(map(len, f)) >= 2]


def _best(needs: list[frozenset[str]]) -> frozenset[str]:
    """The most telling of several needed sets: the longest shortest member, then the fewest members."""
    return max(needs, key=lambda f: (min(map(len, f)), -len(f)))


_REPEATS = {_sre.MAX_REPEAT, _sre.MIN_REPEAT, getattr(_sre, "POSSESSIVE_REPEAT", _sre.MAX_REPEAT)}
_ATOMIC = getattr(_sre, "ATOMIC_GROUP", object())


def required_substrings(pattern: str, flags: int = 0) -> tuple[tuple[str, ...], ...] | None:
    """What any text the regex matches must contain: groups of strings, each group with a member in the text
    (lowercase when the regex ignores case); None when nothing of two characters or more is needed.
    ``"\\bdeclin(?:e|ed)\\b"`` needs ("decline",); ``"pt (?:seen|treated)"`` needs ("pt ",) and ("seen", "treated");
    ``"\\d+ min"`` needs (" min",). The most telling group comes first. Remembered per pattern (``NEEDS``: a
    one-shot CLI command reads them from disk: :data:`suggester._regex_cache.NEEDS`)."""
    key = (pattern, int(flags))   # a plain int (re.RegexFlag does not marshal)
    if key in NEEDS:
        return NEEDS[key]
    try:
        tree = _sre_parse.parse(pattern, flags)
    except re.error:
        return None
    needs = _needed_in(list(tree), bool(tree.state.flags & re.IGNORECASE))
    if needs:
        first = _best(needs)
        needs = (tuple(sorted(first)),) + tuple(tuple(sorted(f)) for f in dict.fromkeys(needs) if f != first)
    NEEDS[key] = needs or None
    return NEEDS[key]


def _substring_tree(strings) -> str:
    """A regex over ``strings`` as a prefix tree that matches the longest of them starting where it is tried."""
    root: dict = {}
    for s in sorted(set(strings), key=lambda s: (len(s), s)):
        node = root
        for ch in s:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict) -> str:
        alts = [re.escape(ch) + emit(child) for ch, child in node.items() if ch != ""]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:%s)" % "|".join(alts)
        return f"(?:{body})?" if "" in node else body

    return emit(root)


class Screen:
    """Which of many regexes can match a text, told cheaply from the substrings each one needs
    (:func:`required_substrings`): one scan finds the needed strings in the text, then only the regexes whose
    strings are all there are candidates. A regex that needs nothing testable is always a candidate; so is every
    regex on a text with a character whose case folds specially (``_FOLD_RISK``). The candidates are a superset
    of the regexes that match, so running only them finds exactly the matches that running all of them finds."""

    def __init__(self, patterns) -> None:
        needs = [required_substrings(p.pattern, p.flags) for p in patterns]
        self._n = len(needs)
        self._always = [i for i, need in enumerate(needs) if need is None]
        # each screened regex: its groups after the first, and whether it reads case (then the text as it is)
        self._rest = {i: ([frozenset(g) for g in need[1:]], not p.flags & re.IGNORECASE)
                      for i, (p, need) in enumerate(zip(patterns, needs)) if need is not None}
        self._by_first: dict[str, list[int]] = {}   # a string of a first group -> the regexes it may let through
        for i, need in enumerate(needs):
            for s in need[0] if need is not None else ():
                self._by_first.setdefault(s, []).append(i)
        strings = {s for i, need in enumerate(needs) if need is not None for g in need for s in g}
        # every needed string that starts at each position: the longest one found there, and the strings it begins with
        self._all = re.compile("(?=(%s))" % _substring_tree(strings)) if strings else None
        self._starts = {s: frozenset(s[:k] for k in range(2, len(s) + 1) if s[:k] in strings) for s in strings}

    def candidates(self, text: str, low: str | None = None) -> list[int]:
        """Indexes (ascending) of the regexes that may match ``text``; ``low``: ``text.lower()`` when at hand."""
        if self._all is None or (not text.isascii() and _FOLD_RISK.search(text)):
            return list(range(self._n))
        low = text.lower() if low is None else low
        present = self._present(low)   # the strings of the case-blind regexes (lowercase) ...
        exact = present if low == text else self._present(text)   # ... and of the regexes that read case
        firsts: set[int] = set()
        for s in present | exact:
            firsts.update(self._by_first.get(s, ()))
        out = list(self._always)
        for i in firsts:
            groups, case_sensitive = self._rest[i]
            have = exact if case_sensitive else present
            for g in groups:
                if g.isdisjoint(have):
                    break
            else:
                out.append(i)
        return sorted(out)

    def _present(self, text: str) -> frozenset[str]:
        starts = self._starts
        return frozenset().union(*[starts[m] for m in self._all.findall(text) if m])


_TOKEN_RE = re.compile(r"\w+(?:['\u2019/.\-]\w+)*|[^\w\s]")


# Phrase tokens: a slash joins a one-character part ("w/c", "s/p", "A/P", "L4/5") and splits two names
# ("TE/NMR", "ther ex/balance", "ER/IR"), so each name can be found on its own.
_PHRASE_TOKEN_RE = re.compile(r"\w+(?:['\u2019.\-]\w+|/\w(?!\w))*|[^\w\s]")


def tokenize_offsets(text: str, *, split_slashes: bool = False) -> list[tuple[str, int, int]]:
    """Split into word / punctuation tokens with character offsets (the matcher's token rule); with
    ``split_slashes``, names joined by a slash are separate tokens (see ``_PHRASE_TOKEN_RE``)."""
    regex = _PHRASE_TOKEN_RE if split_slashes else _TOKEN_RE
    return [(m.group(0), m.start(), m.end()) for m in regex.finditer(text)]


_PLAIN = re.compile(r"[^\W_]+(?: [^\W_]+)*")   # letters and digits in words separated by single spaces


def _fold(token: str) -> str:
    """Hyphens inside a word do not matter: "multi-layer" matches "multilayer", "e-stim" matches "estim"."""
    return token.replace("-", "") if len(token) > 1 else token


@lru_cache(maxsize=1)
def capitals_words() -> frozenset[str]:
    """Case-sensitive abbreviations whose lowercase is a common word ("US", "MET"): in a clause written all in
    capitals they name their code only right before a time (lexicon.json ``capitals_word_abbreviations``)."""
    return frozenset(load_lexicon().get("capitals_word_abbreviations", ()))


# what follows an abbreviation that is also a word when it names its service in a clause written all in capitals:
# a time or a modality's dose within the sentence ("US 8 MIN", "US @ 1 MHZ, 1.0 W/CM2 X 8 MIN"; not "TOLD US SHE ...")
CAPITALS_DOSE_AFTER = re.compile(r"[^.;\n]{0,40}?(?:\d[ \t]*(?:min(?:ute)?s?\b|mins\b|m\b|')|mhz\b|w/cm)", re.IGNORECASE)


def all_capitals(text: str) -> bool:
    """Whether ``text`` is written all in capitals (no lowercase letter, at least three capital letters)."""
    return not any(c.islower() for c in text) and sum(c.isupper() for c in text) >= 3


@lru_cache(maxsize=1)
def spelled_phrases() -> dict[str, str]:
    """Misspelled or misheard phrase -> the phrase meant (``spelling_variants.phrases``: "gate training" -> "gait
    training", an error only in its context)."""
    return dict(load_lexicon().get("spelling_variants", {}).get("phrases", {}))


def fold_words(tokens: list[tuple[str, int, int]]) -> list[str]:
    """Each token's matching form: hyphens inside a word dropped (:func:`_fold`), a misspelled word read as the word
    meant ("theraputic" -> "therapeutic", :func:`spelled_words`)."""
    spelled = spelled_words()
    return [spelled.get(t, t) if len(t) < 2 or "-" not in t else t.replace("-", "") for t, _, _ in tokens]


class LiteralMatcher:
    """Leftmost-longest whole-token matching of many literals in O(tokens), indexed by first token.

    Much faster than one large regex alternation; used for context cues, non-visit cues,
    abbreviations and catalogue phrases.
    """

    def __init__(self, literals, *, case_sensitive: bool = False, split_slashes: bool = False) -> None:
        self.case_sensitive = case_sensitive
        self.split_slashes = split_slashes
        self._index: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        spelled = spelled_words()   # a literal's words read as the text's are (fold_words): "gate trainig" = "gate training"
        for lit in sorted(set(literals)):  # sorted: the same literal wins a tie in every process
            key = lit if case_sensitive else lit.lower()
            if _PLAIN.fullmatch(key):   # plain words: the token rule gives exactly the words (fast path, 15k literals)
                toks = tuple(spelled.get(w, w) for w in key.split())
            else:
                toks = tuple(spelled.get(w, w) for w in (_fold(t) for t, _, _ in tokenize_offsets(key, split_slashes=split_slashes)))
            if toks:
                self._index.setdefault(toks[0], []).append((toks, lit))
        for cands in self._index.values():
            cands.sort(key=lambda c: -len(c[0]))

    def __len__(self) -> int:
        return sum(len(v) for v in self._index.values())

    def state(self) -> tuple:
        """The built matcher as plain containers (see :mod:`suggester._index_cache`)."""
        return self._index, self.case_sensitive, self.split_slashes

    @classmethod
    def from_state(cls, state: tuple) -> "LiteralMatcher":
        """The matcher :meth:`state` describes, without rebuilding its index."""
        self = cls.__new__(cls)
        self._index, self.case_sensitive, self.split_slashes = state
        return self

    def finditer(self, text: str, tokens: list[tuple[str, int, int]] | None = None, words: list[str] | None = None):
        """Yield ``(start, end, literal)`` for non-overlapping matches, leftmost-longest first. ``words``: the
        tokens' folded forms (:func:`fold_words`), when the caller has them already."""
        if tokens is None:
            tokens = tokenize_offsets(text if self.case_sensitive else text.lower(), split_slashes=self.split_slashes)
        if words is None:
            words = fold_words(tokens)
        index = self._index
        after = 0  # matches do not overlap: the next one starts at or after the previous one's end
        for i in [i for i, w in enumerate(words) if w in index]:  # only where a literal can begin
            if i < after:
                continue
            for toks, lit in index[words[i]]:
                k = len(toks)
                if k == 1 or tuple(words[i:i + k]) == toks:
                    yield tokens[i][1], tokens[i + k - 1][2], lit
                    after = i + k
                    break

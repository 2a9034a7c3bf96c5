"""Module-level text preprocessing for the TF-IDF vectorizers (picklable: no lambdas)."""

from __future__ import annotations

import re
from functools import lru_cache

from ..nlp.rules import (CAPITALS_DOSE_AFTER, LiteralMatcher, all_capitals, capitals_words, compile_literals,
                         load_lexicon, spelled_phrases, spelled_words, tokenize_offsets)

_DIGITS = re.compile(r"\d")
_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=1)
def _abbreviation_tables() -> tuple[LiteralMatcher, LiteralMatcher, dict[str, str], dict[str, str]]:
    data = load_lexicon()
    sensitive = {r["abbr"]: r["expansion"] for r in data["abbreviations"] if r["case_sensitive"]}
    insensitive = {r["abbr"].lower(): r["expansion"] for r in data["abbreviations"] if not r["case_sensitive"]}
    return (LiteralMatcher(sensitive, case_sensitive=True), LiteralMatcher(insensitive), sensitive, insensitive)


def expand_abbreviations(text: str) -> str:
    """Append the expansion after each clinician abbreviation: ``"TherEx"`` -> ``"TherEx therapeutic exercise"``."""
    cs_m, ci_m, cs, ci = _abbreviation_tables()
    tokens = tokenize_offsets(text)
    lower = text.lower()
    # one tokenisation serves both tables (\w is case-blind) unless lowercasing changes the length ("İ")
    low_tokens = [(t.lower(), a, b) for t, a, b in tokens] if len(lower) == len(text) else tokenize_offsets(lower)
    capitals = capitals_words() if all_capitals(text) else ()   # "PT TOLD US ...": 'US' is a word there unless a time follows
    inserts = [(b, cs[lit]) for a, b, lit in cs_m.finditer(text, tokens)
               if lit not in capitals or CAPITALS_DOSE_AFTER.match(text, b)]
    inserts += [(b, ci[lit]) for a, b, lit in ci_m.finditer(lower, low_tokens)]
    if not inserts:
        return text
    out, last = [], 0
    for end, expansion in sorted(inserts):
        out.append(text[last:end])
        out.append(" " + expansion)
        last = end
    out.append(text[last:])
    return "".join(out)


@lru_cache(maxsize=1)
def _spelling() -> tuple:
    """The lexicon's misspelled words and phrases ("theraputic", "gate training") as one pattern, and what each means."""
    table = {**spelled_words(), **{" ".join(k.split()): v for k, v in spelled_phrases().items()}}
    return (compile_literals(table) if table else None), table


def fix_spelling(text: str) -> str:
    """``text`` with the lexicon's misspelled words and phrases written as meant (for the classifier only: the note
    and its offsets stay as written)."""
    pattern, table = _spelling()
    if pattern is None:
        return text
    return pattern.sub(lambda m: table[" ".join(m.group(0).lower().split())], text)


def normalise(text: str) -> str:
    """Preprocessor used by the classifier: misspellings as meant, expand abbreviations, lowercase, mask digits."""
    text = expand_abbreviations(fix_spelling(text)).lower()
    text = _DIGITS.sub("#", text)
    return _SPACES.sub(" ", text).strip()

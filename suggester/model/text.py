"""Module-level text preprocessing for the TF-IDF vectorizers (picklable: no lambdas)."""

from __future__ import annotations

import re
from functools import lru_cache

from ..nlp.rules import LiteralMatcher, load_lexicon, tokenize_offsets

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
    inserts = [(b, cs[lit]) for a, b, lit in cs_m.finditer(text, tokens)]
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


def normalise(text: str) -> str:
    """Preprocessor used by the classifier: expand abbreviations, lowercase, mask digits."""
    text = expand_abbreviations(text).lower()
    text = _DIGITS.sub("#", text)
    return _SPACES.sub(" ", text).strip()

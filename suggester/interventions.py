"""The intervention lexicon: named exercises, activities, techniques, tests, devices and modalities.

Real notes name the activity ("clamshells", "tandem stance on foam", "don/doff AFO"), not the code family.
The lexicon maps each name (with its abbreviations and spelling variants) to the code it usually supports,
through a *family* that carries the rule deciding between neighbouring codes. Tests and measures and bare
device names map to no code: they are exam elements or equipment, not services.

Data: every packaged ``interventions_*.json`` file (validated here), loaded with importlib.resources.
The lexicon's names are evidence phrases (``PhraseIndex.from_config``). Used as classifier features too (each
name followed by its code's catalogue phrase, retrained), it lowered dev, dev2 and hold-out precision, so it is not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from importlib import resources

from ._resources import read_json
from .errors import ResourceError
from .nlp.rules import LiteralMatcher

__all__ = ["Intervention", "InterventionLexicon", "lexicon_bytes", "load_interventions"]

KINDS = frozenset({"exercise", "activity", "technique", "test", "device", "modality", "education"})
_PACKAGE = "suggester.resources"


@dataclass(frozen=True)
class Intervention:
    """One named intervention and the code it usually supports (None for tests and bare devices)."""

    name: str
    variants: tuple[str, ...]
    family: str
    kind: str
    code: str | None
    rule: str
    ambiguous: bool = False
    part: str = ""            # the data file it comes from (interventions_<part>.json)
    supporting: bool = True   # an ambiguous name may still back its code where the clause reads as it


# Tokens for lexicon matching: hyphens are dropped, so "sit-to-stand" reads as "sit to stand".
_LEX_TOKEN = re.compile(r"\w+(?:['\u2019/.]\w+)*|[^\w\s-]")


def _forms(name: str) -> set[str]:
    """Matching forms of a name: lower case; hyphens as spaces or joined ("e-stim", "estim"); a plain
    plural; and, for names of 2-4 words, all words joined (how a fully hyphenated name tokenises elsewhere)."""
    base = " ".join(name.lower().replace("-", " ").split())
    forms = {base, " ".join(name.lower().replace("-", "").split())}
    if 2 <= len(base.split()) <= 4:
        forms.add(base.replace(" ", ""))
    forms |= {f + "s" for f in list(forms) if f[-1:].isalpha() and not f.endswith("s")}
    return {f for f in forms if f.strip()}


def _validate_part(data, where: str, codes, part: str = "") -> list[Intervention]:
    if not isinstance(data, dict) or not isinstance(data.get("families"), dict) or not isinstance(data.get("entries"), list):
        raise ResourceError(f"{where}: expected an object with 'families' (object) and 'entries' (list).")
    fams = {}
    for fid, fam in data["families"].items():
        if not isinstance(fam, dict) or fam.get("kind") not in KINDS or not isinstance(fam.get("rule"), str):
            raise ResourceError(f"{where}: family {fid!r} needs 'kind' (one of {sorted(KINDS)}), 'rule' (str) and 'code'.")
        code = fam.get("code")
        if code is not None and code not in codes:
            raise ResourceError(f"{where}: family {fid!r} maps to {code!r}, which is not in the catalogue.")
        fams[fid] = fam
    out = []
    for i, e in enumerate(data["entries"]):
        if not isinstance(e, dict) or not isinstance(e.get("name"), str) or not e["name"].strip():
            raise ResourceError(f"{where}: entry #{i} needs a non-empty 'name'.")
        fam = fams.get(e.get("family"))
        if fam is None:
            raise ResourceError(f"{where}: entry {e['name']!r} names family {e.get('family')!r}, which is not defined.")
        variants = e.get("variants", [])
        if not isinstance(variants, list) or not all(isinstance(v, str) for v in variants):
            raise ResourceError(f"{where}: entry {e['name']!r}: 'variants' must be a list of strings.")
        code = e.get("code", fam.get("code"))
        if code is not None and code not in codes:
            raise ResourceError(f"{where}: entry {e['name']!r} maps to {code!r}, which is not in the catalogue.")
        if not isinstance(e.get("supporting", True), bool):
            raise ResourceError(f"{where}: entry {e['name']!r}: 'supporting' must be true or false.")
        out.append(Intervention(e["name"], tuple(v for v in variants if v.strip()), e["family"],
                                e.get("kind", fam["kind"]), code, fam["rule"], bool(e.get("ambiguous", False)), part,
                                e.get("supporting", True)))
    return out


class InterventionLexicon:
    """All intervention entries, with a case-insensitive, hyphen-insensitive whole-word matcher."""

    def __init__(self, entries: list[Intervention]) -> None:
        self.entries = entries
        self._by_form: dict[str, Intervention] = {}
        for e in entries:
            for form in _forms(e.name) | {f for v in e.variants for f in _forms(v)}:
                self._by_form.setdefault(form, e)  # the first entry to claim a form keeps it

    def __len__(self) -> int:
        return len(self.entries)

    @property
    def parts(self) -> tuple[str, ...]:
        """The data files the entries come from (``interventions_<part>.json``)."""
        return tuple(dict.fromkeys(e.part for e in self.entries))

    @cached_property
    def _matcher(self) -> LiteralMatcher:  # built on first find(): the engine needs only phrases()
        return LiteralMatcher(self._by_form)

    def find(self, text: str, tokens=None) -> list[tuple[int, int, Intervention]]:
        """``(start, end, entry)`` for every named intervention in ``text`` (leftmost-longest)."""
        if tokens is None:
            tokens = [(m.group(0), m.start(), m.end()) for m in _LEX_TOKEN.finditer(text.lower())]
        return [(a, b, self._by_form[lit]) for a, b, lit in self._matcher.finditer(text, tokens)]

    def abbreviations(self, exclude_parts=(), *, families=()) -> dict[str, str]:
        """Upper-case abbreviations written as such in the data ("SLS", "LAQ", "TKE") -> code; matched case-sensitively.
        ``families``: families whose entries count even in an excluded part."""
        out: dict[str, str] = {}
        for e in self.entries:
            if e.code and not e.ambiguous and (e.part not in exclude_parts or e.family in families):
                for v in e.variants:
                    if v.isupper() and 2 <= len(v) <= 6 and " " not in v:
                        out.setdefault(v, e.code)
        return out

    def phrases(self, exclude_parts=(), *, ambiguous: bool = False, families=()) -> dict[str, str]:
        """Matching form -> code, for unambiguous entries that support a code (the evidence phrases). With
        ``ambiguous``, the ambiguous entries too, except those marked ``"supporting": false`` (for supporting
        names, which back their code only where the clause already reads as it). ``families``: families whose
        unambiguous entries count even in an excluded part."""
        return {form: e.code for form, e in self._by_form.items()
                if e.code and (not e.ambiguous or ambiguous and e.supporting)
                and (e.part not in exclude_parts or e.family in families and not e.ambiguous)}


def _part_names() -> list[str]:
    return sorted(p.name for p in resources.files(_PACKAGE).iterdir()
                  if p.name.startswith("interventions_") and p.name.endswith(".json"))


def lexicon_bytes() -> bytes:
    """The raw bytes of every packaged ``interventions_*.json`` file, in name order (what the lexicon is built from)."""
    from ._resources import resource_bytes

    return b"\x00".join(name.encode() + b"\x00" + resource_bytes(name) for name in _part_names())


@lru_cache(maxsize=1)
def load_interventions() -> InterventionLexicon:
    """The packaged lexicon (every ``interventions_*.json``), validated against the catalogue."""
    from .catalogue import load_catalogue

    codes = set(load_catalogue())
    entries: list[Intervention] = []
    for name in _part_names():
        entries += _validate_part(read_json(name), f"packaged resource {name!r}", codes,
                                  name[len("interventions_"):-len(".json")])
    return InterventionLexicon(entries)

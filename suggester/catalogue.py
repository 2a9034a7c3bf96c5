"""The code catalogue: own-words summaries and facts for every PT code suggester knows.

The data lives in ``suggester/resources/catalogue.json``; this module validates it
into frozen :class:`Code` records. Loading rejects a malformed record with a
:class:`~suggester.errors.CatalogueError` naming the record and the field.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Mapping

from ._resources import read_json, require_keys, resource_bytes, sha256_bytes
from .errors import CatalogueError, ResourceError

__all__ = ["Catalogue", "Code", "load_catalogue"]

CATEGORIES = frozenset({
    "evaluation", "supervised_modality", "attended_modality", "therapeutic_procedure",
    "test_measurement", "orthotic_prosthetic", "wound_care", "strapping", "dry_needling",
    "vestibular", "caregiver_training", "education", "remote_monitoring",
})
UNIT_RULES = frozenset({
    "timed_15", "untimed", "group_session", "timed_30_first", "addon_timed_15", "per_area",
    "monthly", "per_episode", "timed_30", "none",
})
COVERAGE = frozenset({"covered", "bundled", "not_recognized", "non_covered", "unknown"})
STATUSES = frozenset({"active", "deleted"})
_CODE_RE = re.compile(r"^(?:\d{5}|[A-Z]\d{4})$")

_REQUIRED = {
    "code": str, "label": str, "summary": str, "category": str, "timed": bool,
    "unit_rule": str, "status": str, "effective_from": (str, type(None)),
    "effective_to": (str, type(None)), "replaced_by": list, "suggestible": bool,
    "examples": list, "synonyms": list, "abbreviations": list, "documentation_tips": list,
    "confused_with": list, "medicare": dict, "sources": list,
}
# Codes outside this catalogue that may still be named as replacements (OT evaluations, cognitive codes).
_EXTERNAL_REPLACEMENTS = frozenset({"97165", "97166", "97167", "97168", "97127", "97129", "97130"})


@dataclass(frozen=True)
class Code:
    """One billing code, described in our own words."""

    code: str
    label: str
    summary: str
    category: str
    timed: bool
    unit_rule: str
    status: str
    effective_from: dt.date | None
    effective_to: dt.date | None
    replaced_by: tuple[str, ...]
    suggestible: bool
    examples: tuple[str, ...]
    synonyms: tuple[str, ...]
    abbreviations: tuple[str, ...]
    documentation_tips: tuple[str, ...]
    confused_with: tuple[tuple[str, str], ...]
    medicare_coverage: str
    medicare_note: str | None
    medicare_use_instead: str | None
    sources: tuple[str, ...]

    def is_active_on(self, day: dt.date | None = None) -> bool:
        """True when the code is valid on ``day`` (today when omitted)."""
        day = day or dt.date.today()
        if self.effective_from and day < self.effective_from:
            return False
        if self.effective_to and day > self.effective_to:
            return False
        return self.status == "active" or (self.effective_to is not None and day <= self.effective_to)

    def to_dict(self) -> dict:
        return {
            "code": self.code, "label": self.label, "summary": self.summary,
            "category": self.category, "timed": self.timed, "unit_rule": self.unit_rule,
            "status": self.status,
            "effective_from": self.effective_from.isoformat() if self.effective_from else None,
            "effective_to": self.effective_to.isoformat() if self.effective_to else None,
            "replaced_by": list(self.replaced_by), "suggestible": self.suggestible,
            "examples": list(self.examples), "synonyms": list(self.synonyms),
            "abbreviations": list(self.abbreviations),
            "documentation_tips": list(self.documentation_tips),
            "confused_with": [{"code": c, "rule": r} for c, r in self.confused_with],
            "medicare": {"coverage": self.medicare_coverage, "note": self.medicare_note,
                         "use_instead": self.medicare_use_instead},
            "sources": list(self.sources),
        }


def _date(value: str | None, where: str, name: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CatalogueError(f"{where}: field {name!r} must be an ISO date YYYY-MM-DD, got {value!r}.") from None


def _strings(value: list, where: str, name: str) -> tuple[str, ...]:
    if not all(isinstance(v, str) and v.strip() for v in value):
        raise CatalogueError(f"{where}: every entry of {name!r} must be a non-empty string.")
    return tuple(v.strip() for v in value)


def _parse(record: dict, index: int) -> Code:
    where = f"catalogue record #{index} ({record.get('code', '?') if isinstance(record, dict) else '?'})"
    try:
        require_keys(record, _REQUIRED, where)
    except ResourceError as exc:
        raise CatalogueError(str(exc)) from None
    code = record["code"]
    if not _CODE_RE.match(code):
        raise CatalogueError(f"{where}: field 'code' must be 5 digits or a letter and 4 digits, got {code!r}.")
    for name, allowed in (("category", CATEGORIES), ("unit_rule", UNIT_RULES), ("status", STATUSES)):
        if record[name] not in allowed:
            raise CatalogueError(f"{where}: field {name!r} must be one of {sorted(allowed)}, got {record[name]!r}.")
    for name in ("label", "summary"):
        if not record[name].strip():
            raise CatalogueError(f"{where}: field {name!r} must not be empty.")
    med = record["medicare"]
    try:
        require_keys(med, {"coverage": str}, f"{where} field 'medicare'",
                     optional={"note": (str, type(None)), "use_instead": (str, type(None))})
    except ResourceError as exc:
        raise CatalogueError(str(exc)) from None
    if med["coverage"] not in COVERAGE:
        raise CatalogueError(f"{where}: field 'medicare.coverage' must be one of {sorted(COVERAGE)}, got {med['coverage']!r}.")
    confused = []
    for j, item in enumerate(record["confused_with"]):
        if not (isinstance(item, dict) and isinstance(item.get("code"), str) and isinstance(item.get("rule"), str)):
            raise CatalogueError(f"{where}: field 'confused_with'[{j}] must be {{'code': str, 'rule': str}}.")
        confused.append((item["code"], item["rule"]))
    start = _date(record["effective_from"], where, "effective_from")
    end = _date(record["effective_to"], where, "effective_to")
    if start and end and end < start:
        raise CatalogueError(f"{where}: 'effective_to' {end} is before 'effective_from' {start}.")
    if record["status"] == "deleted" and end is None:
        raise CatalogueError(f"{where}: a deleted code needs 'effective_to' (its last valid day).")
    return Code(
        code=code, label=record["label"].strip(), summary=record["summary"].strip(),
        category=record["category"], timed=record["timed"], unit_rule=record["unit_rule"],
        status=record["status"], effective_from=start, effective_to=end,
        replaced_by=_strings(record["replaced_by"], where, "replaced_by"),
        suggestible=record["suggestible"],
        examples=_strings(record["examples"], where, "examples"),
        synonyms=tuple(s.lower() for s in _strings(record["synonyms"], where, "synonyms")),
        abbreviations=_strings(record["abbreviations"], where, "abbreviations"),
        documentation_tips=_strings(record["documentation_tips"], where, "documentation_tips"),
        confused_with=tuple(confused),
        medicare_coverage=med["coverage"], medicare_note=med.get("note"),
        medicare_use_instead=med.get("use_instead"),
        sources=_strings(record["sources"], where, "sources"),
    )


@dataclass(frozen=True)
class Catalogue(Mapping[str, Code]):
    """Read-only mapping from code to :class:`Code`, with the catalogue version and hash."""

    version: str
    sha256: str
    _codes: dict[str, Code] = field(repr=False)

    def __getitem__(self, code: str) -> Code:
        return self._codes[code]

    def __iter__(self) -> Iterator[str]:
        return iter(self._codes)

    def __len__(self) -> int:
        return len(self._codes)

    def get_code(self, code: str) -> Code:
        """Return a code or raise a KeyError that lists how to find valid codes."""
        try:
            return self._codes[code.strip().upper()]
        except KeyError:
            raise KeyError(f"Unknown code {code!r}; run `suggester codes` to list the {len(self)} known codes.") from None


def load_catalogue(path: str | Path | None = None) -> Catalogue:
    """Load and validate the code catalogue.

    Parameters
    ----------
    path : str or Path, optional
        A user catalogue file in the packaged JSON format; the packaged catalogue when omitted.

    Returns
    -------
    Catalogue

    Raises
    ------
    CatalogueError
        A record is malformed; the message names the record and the field.
    """
    if path is None:
        raw = resource_bytes("catalogue.json")
        data = read_json("catalogue.json")
    else:
        raw = Path(path).read_bytes() if Path(path).exists() else b""
        data = read_json(path, packaged=False)
    if not isinstance(data, dict) or not isinstance(data.get("codes"), list) or not isinstance(data.get("version"), str):
        raise CatalogueError("catalogue: top level must be an object with 'version' (str) and 'codes' (list).")
    codes: dict[str, Code] = {}
    for i, record in enumerate(data["codes"]):
        code = _parse(record, i)
        if code.code in codes:
            raise CatalogueError(f"catalogue record #{i} ({code.code}): duplicate code.")
        codes[code.code] = code
    for code in codes.values():
        for other, _rule in code.confused_with:
            if other not in codes:
                raise CatalogueError(f"catalogue record {code.code}: 'confused_with' names unknown code {other!r}.")
        for other in code.replaced_by:
            if other not in codes and other not in _EXTERNAL_REPLACEMENTS:
                raise CatalogueError(f"catalogue record {code.code}: 'replaced_by' names unknown code {other!r}.")
        if code.medicare_use_instead and code.medicare_use_instead not in codes:
            raise CatalogueError(f"catalogue record {code.code}: 'medicare.use_instead' names unknown code {code.medicare_use_instead!r}.")
    return Catalogue(version=data["version"], sha256=sha256_bytes(raw), _codes=codes)

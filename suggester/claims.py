"""Codes written in the note itself ("CPT: 97110 x2", "billed 97140", "Codes: 97530 (2)").

A stated code is a documentation claim, never proof: the engine shows it as evidence beside a code the
note supports, and the compliance check raises a finding when the note does not support a stated code
or its stated units.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["CodeClaim", "find_code_claims"]

# A 5-character code not inside a longer number, money or decimal; optional modifiers; optional units
# written as "x2", "(2)", "2 units", "- 2u".
_CLAIM = re.compile(
    r"(?<![\d.$/])(?P<code>9\d{4}|2\d{4}|G\d{4})(?!\d|\.\d)"
    r"(?:\s*[-\u2013]?\s*(?:GP|GO|GN|59|XS|XE|XU|XP|KX|CQ|CO|76|77)\b)*"
    r"(?:\s*(?:[x\u00d7*]\s*(?P<u1>\d{1,2})(?!\s*(?:min|'|\d))\b|\(\s*(?P<u2>\d{1,2})\s*(?:units?|u)?\s*\)"
    r"|[:\-\u2013]?\s*(?P<u3>\d{1,2})\s*(?:units?|u)\b))?",
    re.IGNORECASE)


@dataclass(frozen=True)
class CodeClaim:
    """A catalogue code written in the note, with the units written beside it (None when none)."""

    code: str
    start: int
    end: int
    units: int | None

    def to_dict(self) -> dict:
        return {"code": self.code, "start": self.start, "end": self.end, "units": self.units}


def find_code_claims(text: str, known) -> list[CodeClaim]:
    """Every code of ``known`` (a container of code strings) written in ``text``, in reading order."""
    out = []
    for m in _CLAIM.finditer(text):
        code = m.group("code").upper()
        if code not in known:
            continue
        u = m.group("u1") or m.group("u2") or m.group("u3")
        out.append(CodeClaim(code, m.start(), m.end(), int(u) if u else None))
    return out

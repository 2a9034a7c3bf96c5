"""Find documented minutes, units and note-level totals in free text (patterns from ``resources/minutes.json``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .._resources import packaged_json
from .rules import compile_literals

__all__ = ["MinuteMention", "find_minutes", "find_totals"]

_LAPS = re.compile(r"\s*[x\u00d7]\s*\d")


@dataclass(frozen=True)
class MinuteMention:
    """One time expression: ``minutes`` (or ``units`` when only units were written) at [start, end)."""

    start: int
    end: int
    minutes: int | None
    units: int | None = None
    range_upper: int | None = None   # set when a range such as "10-12 min" was documented (minutes = lower bound)


@lru_cache(maxsize=1)
def _patterns() -> dict:
    data = packaged_json("minutes.json")
    words = data["number_words"]
    num = r"(?:\d{1,3}(?:\.\d)?|%s)" % "|".join(sorted((re.escape(w) for w in words), key=len, reverse=True))
    minute = "|".join(re.escape(w) for w in sorted(data["minute_words"], key=len, reverse=True))
    hour = "|".join(re.escape(w) for w in sorted(data["hour_words"], key=len, reverse=True))
    unit = "|".join(re.escape(w) for w in sorted(data["unit_words"], key=len, reverse=True))
    tail = r"(?![\w\"\u201d]|\s*\d)"  # not 5'10" (height) and not 3 m 20 (metres)
    mention = re.compile(
        r"(?<![\w.:/\-])(?<!every\s)(?:x\s*|for\s+|\(\s*)?"
        rf"(?P<a>{num})(?:\s*(?:-|\u2013|to)\s*(?P<b>{num}))?[\s-]*"
        rf"(?:(?P<min>{minute})|(?P<hr>{hour})|(?P<unit>{unit}))(?:\.|s)?{tail}",
        re.IGNORECASE)
    return {
        "words": {k.lower(): v for k, v in words.items()},
        "mention": mention,
        "timed": compile_literals(data["total_timed_cues"]),
        "treatment": compile_literals(data["total_treatment_cues"]),
        "in_out": re.compile(data["time_in_out_pattern"], re.IGNORECASE),
    }


def _number(text: str, words: dict) -> float:
    t = text.lower().strip()
    return float(words[t]) if t in words else float(t)


def find_minutes(text: str) -> list[MinuteMention]:
    """All minute / hour / unit expressions in ``text`` ("x 15 min", "15'", "10-12 min", "2 units", "1 hr")."""
    p = _patterns()
    out = []
    for m in p["mention"].finditer(text):
        a = _number(m.group("a"), p["words"])
        b = _number(m.group("b"), p["words"]) if m.group("b") else None
        if m.group("unit"):
            if m.group("unit").lower() == "u" and not m.group(0).strip().endswith(("u", "U")):
                continue
            out.append(MinuteMention(m.start(), m.end(), None, units=int(a)))
            continue
        scale = 60 if m.group("hr") else 1
        if m.group("min") and m.group("min").lower() == "m" and a > 90:
            continue  # "100 m" is metres walked, not minutes
        if m.group("min") in ("'", "\u2032", "\u2019") and (a > 90 or _LAPS.match(text, m.end())):
            continue  # 150' is feet; so is 50' x3 (a distance walked or carried three times)
        lower = int(round(a * scale))
        upper = int(round(b * scale)) if b is not None else None
        if upper is not None and upper < lower:
            lower, upper = upper, lower
        if lower <= 0 or lower > 600:
            continue
        out.append(MinuteMention(m.start(), m.end(), lower, range_upper=upper))
    return out


def find_totals(text: str) -> dict[str, tuple[int, int, int]]:
    """Note-level totals as ``{kind: (minutes, start, end)}``; kinds are "timed" and "treatment".

    >>> {k: v[0] for k, v in find_totals("Total timed minutes: 40. Total treatment time 55 min").items()}
    {'timed': 40, 'treatment': 55}
    """
    p = _patterns()
    totals: dict[str, tuple[int, int, int]] = {}
    for kind in ("timed", "treatment"):
        for cue in p[kind].finditer(text):
            after = re.match(r"[\s:=\-(]*(\d{1,3})\b(?:\s*(?:min\w*|'))?", text[cue.end(): cue.end() + 25])
            before = re.search(r"(\d{1,3})\s*(?:min\w*|')?\s*$", text[max(0, cue.start() - 12): cue.start()])
            if kind in totals or any(s <= cue.start() < e for _, s, e in totals.values()):
                continue
            if after:
                totals[kind] = (int(after.group(1)), cue.start(), cue.end() + after.end())
            elif before:
                totals[kind] = (int(before.group(1)), cue.start() - len(before.group(0)), cue.end())
    if "treatment" not in totals:
        span = _time_in_out(text, p["in_out"])
        if span:
            totals["treatment"] = span
    return totals


def _clock(h: str, m: str, ampm: str | None) -> int | None:
    hour, minute = int(h), int(m)
    if hour > 23 or minute > 59:
        return None
    if ampm:
        pm = ampm.lower().startswith("p")
        hour = hour % 12 + (12 if pm else 0)
    return hour * 60 + minute


def _time_in_out(text: str, regex) -> tuple[int, int, int] | None:
    """Minutes between a "Time in" and a "Time out" clock time (a 12-hour clock may wrap past noon)."""
    m = regex.search(text)
    if not m:
        return None
    a = _clock(m.group("h1"), m.group("m1"), m.group("p1"))
    b = _clock(m.group("h2"), m.group("m2"), m.group("p2"))
    if a is None or b is None:
        return None
    diff = b - a
    if diff <= 0 and not (m.group("p1") or m.group("p2")):
        diff += 12 * 60
    return (diff, m.start(), m.end()) if 0 < diff <= 300 else None

"""Find documented minutes, units and note-level totals in free text (patterns from ``resources/minutes.json``)."""

from __future__ import annotations

import re
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from functools import lru_cache

from .._resources import packaged_json
from .rules import compile_literals

__all__ = ["MINUTE_NUMBER_WORDS", "MinuteMention", "find_minutes", "find_totals", "may_hold_minutes", "number_value",
           "service_clock_pairs", "services_timed"]

_LAPS = re.compile(r"\s*[x\u00d7]\s*\d")

# a number of minutes written in words as clinicians dictate it, five to sixty-nine ("fifteen", "twenty-two"): for the
# patterns elsewhere that read a time in a fixed place (a heading's time, a time closing a sentence)
MINUTE_NUMBER_WORDS = (r"(?:five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|"
                       r"eighteen|nineteen|twenty|thirty|forty|fifty|sixty)(?:[- ](?:one|two|three|four|five|six|seven|"
                       r"eight|nine))?")


@dataclass(frozen=True)
class MinuteMention:
    """One time expression: ``minutes`` (or ``units`` when only units were written) at [start, end)."""

    start: int
    end: int
    minutes: int | None
    units: int | None = None
    range_upper: int | None = None   # set when a range such as "10-12 min" was documented (minutes = lower bound)
    breakdown: bool = False          # an item of a total's breakdown: "Total timed 38 (TherEx 23, NMR 15)"
    bout: bool = False               # one bout's length after a set count: "gaze stabilization 3 x 1 min"
    field: bool = False              # a labelled field: "Minutes: 23", "Gait min: 10" (the block's whole time)
    clock: bool = False              # a clock range: "8:10-8:28", "0902-0917" (minutes.json clock_range_pattern)


@lru_cache(maxsize=1)
def _patterns() -> dict:
    data = packaged_json("minutes.json")
    words = dict(data["number_words"])
    units_words = {w: v for w, v in data["number_words"].items() if isinstance(v, int) and 1 <= v <= 9}
    for tens, tv in data.get("number_tens", {}).items():  # "twenty-four", "thirty one"
        words[tens] = tv
        for uw, uv in units_words.items():
            words[f"{tens}-{uw}"] = words[f"{tens} {uw}"] = tv + uv
    tens = data.get("number_tens", {})
    alt = lambda ws: "|".join(sorted((re.escape(w) for w in ws), key=len, reverse=True))  # noqa: E731
    # "twenty", "forty-five", "thirty one": the tens with an optional unit, written once (not every pair spelled out)
    composed = r"(?:%s)(?:[- ](?:%s))?" % (alt(tens), alt(units_words)) if tens and units_words else None
    plain = alt(w for w in data["number_words"] if not composed or w not in tens)
    num = r"(?:\d{1,3}(?:\.\d)?|%s)" % "|".join(x for x in (composed, plain) if x)
    minute = "|".join(re.escape(w) for w in sorted(data["minute_words"], key=len, reverse=True))
    hour = "|".join(re.escape(w) for w in sorted(data["hour_words"], key=len, reverse=True))
    unit = "|".join(re.escape(w) for w in sorted(data["unit_words"], key=len, reverse=True))
    tail = r"(?![\w\"\u201d]|\s*\d)"  # not 5'10" (height) and not 3 m 20 (metres)
    mention = re.compile(
        r"(?<![\w.:/\-])(?<!every\s)(?:x\s*|for\s+|\(\s*|\[\s*|(?P<bt>between\s+))?"
        rf"(?P<a>{num})(?:\s*(?:-|\u2013|to|(?(bt)and|(?!)))\s*(?P<b>{num}))?(?:\s*\])?[\s-]*(?:\(\d{{1,3}}\)\s*)?(?:(?:more|additional|further|extra|other)\s+)?"
        rf"(?:(?P<min>{minute})|(?P<hr>{hour})|(?P<unit>{unit}))(?:\.|s)?{tail}",
        re.IGNORECASE)
    phrases = data.get("duration_phrases", {})
    duration = re.compile(r"(?<![\w-])(?:%s)(?![\w-])" % "|".join(
        re.escape(p).replace(r"\ ", r"\s+") for p in sorted(phrases, key=len, reverse=True)), re.IGNORECASE) if phrases else None
    generic = compile_literals(data.get("generic_total_cues", []))
    return {
        "duration": duration,
        "duration_minutes": {re.sub(r"\s+", " ", k.lower()): v for k, v in phrases.items()},
        "clock": re.compile(data["clock_range_pattern"], re.IGNORECASE),
        "hours_minutes": re.compile(data["hours_minutes_pattern"], re.IGNORECASE) if data.get("hours_minutes_pattern") else None,
        "generic_total": generic,
        "words": {k.lower(): v for k, v in words.items()},
        "mention": mention,
        "timed": compile_literals(data["total_timed_cues"]),
        "treatment": compile_literals(data["total_treatment_cues"]),
        "in_out": re.compile(data["time_in_out_pattern"], re.IGNORECASE),
        "service_clock": [re.compile(x, re.IGNORECASE) for x in data.get("service_clock_pair_patterns", [])],
        "session_clock": re.compile(r"(?:^[ \t]*(?:\d{1,2}/\d{1,2}(?:/\d{2,4})?[ \t:\-]+)?|(?<=[.;] ))(?:%s)\b[ \t:\-=]*(?:from[ \t]+)?(?=\d)(?:%s)" % (
            "|".join(re.escape(c).replace(r"\ ", r"\s+") for c in sorted(data["session_clock_cues"], key=len, reverse=True)),
            data["clock_range_pattern"]), re.IGNORECASE | re.MULTILINE),
        "frequency": re.compile(data["frequency_after_pattern"], re.IGNORECASE),
        "feet_pair": re.compile(data["feet_pair_pattern"], re.IGNORECASE),
        "walked": re.compile(data["distance_walked_pattern"], re.IGNORECASE),
        "measured": re.compile(data["measure_after_pattern"], re.IGNORECASE) if data.get("measure_after_pattern") else None,
        "schedule": re.compile(data["schedule_before_pattern"], re.IGNORECASE),
        "threshold": re.compile(data["threshold_before_pattern"], re.IGNORECASE) if data.get("threshold_before_pattern") else None,
        "portion": re.compile(data["portion_before_pattern"], re.IGNORECASE),
        "distance_sets": re.compile(data["distance_sets_pattern"], re.IGNORECASE),
        # a spelled-out number whose minute word is left off: "... for ten minutes, then unattended IFC for fifteen."
        "elliptic": re.compile(r"\b(?P<pre>[A-Za-z]+)[ \t]+(?P<a>%s)(?=[ \t]*(?:[,;.]|$|[ \t]+(?:and|then)\b))" % "|".join(
            x for x in (composed, plain) if x), re.IGNORECASE | re.MULTILINE),
        "elliptic_range": (data["elliptic_minutes"]["min_value"], data["elliptic_minutes"]["max_value"]),
        # "... twenty five minutes on the exercise and ten on the balance": the second time of a parallel pair
        "parallel_after": re.compile(data["elliptic_minutes"]["parallel_after"], re.IGNORECASE),
        "parallel": re.compile(data["elliptic_minutes"]["parallel_pattern"].replace("NUM", num), re.IGNORECASE),
        # the bare number first (digits are rare), then the service's name right before it
        "name_digits": re.compile(data["elliptic_minutes"]["name_digits_pattern"])
        if data["elliptic_minutes"].get("name_digits_pattern") else None,
        "name_digits_name": re.compile(data["elliptic_minutes"]["name_digits_name_before"].replace(
            "NAMES", "|".join(data.get("heading_names", ()))))
        if data["elliptic_minutes"].get("name_digits_name_before") else None,
        "paren_heading": re.compile(data["paren_heading_pattern"]) if data.get("paren_heading_pattern") else None,
        **{key: re.compile(data[key + "_pattern"].replace("NAMES", "|".join(data.get("heading_names", ()))))
           if data.get(key + "_pattern") else None
           for key in ("x_heading", "bare_heading", "bracket_heading", "tilde_heading", "rounds_heading", "rounds")},
        **_name_minutes_list(data.get("name_minutes_list")),
        "field": re.compile(data["field_pattern"], re.IGNORECASE),
        "field_total_before": re.compile(data["field_total_before_pattern"], re.IGNORECASE),
        "elliptic_not_after": frozenset(w.lower() for w in data["elliptic_minutes"]["not_after"]),
        "elliptic_not_near": frozenset(w.lower() for w in data["elliptic_minutes"].get("not_near", [])),
    }


def _number(text: str, words: dict) -> float:
    t = text.lower().strip()
    return float(words[t]) if t in words else float(t)


# "3 x 1 min": the count of bouts before the "x" (not a level: "NuStep L2 x10 min", "level 4 x10 min")
_SET_COUNT_BEFORE = re.compile(r"(?<![\w:/.#])(?<!level )(?<!lvl )(?<!level)(?<!lvl)\d{1,2}\s*$", re.IGNORECASE)
_YEARS_BEFORE = re.compile(r"\d[ \t]*(?:y|yr|yrs|yo|years?)[ \t]*,?[ \t]*$", re.IGNORECASE)   # "5 y 8 m": months of an age
_BOUTS_AFTER = re.compile(r"\s*(?:bouts?|intervals?|sets?|rounds?)\b", re.IGNORECASE)   # "1 min bouts with rest between", "1 min sets x4"
_FEET_AFTER_FEET = 50
_MINUTE_WORDS = ("minute", "min", "mins", "minutes")
_MINUTE_MARKS = _MINUTE_WORDS + ("'", "\u2032", "\u2019")   # the words, or a minute mark ("38'")


def _written_with(text: str, mm: MinuteMention, endings: tuple) -> bool:
    """Whether ``mm`` is one time (no range) written with one of ``endings`` after its number ("20 min", "38'")."""
    return mm.minutes is not None and mm.range_upper is None and text[mm.start:mm.end].rstrip(".s").lower().endswith(endings)

# a dash that sets a time apart from the words before it ("wear schedule taught -- 25 min": not a schedule's time)
_SET_APART = re.compile(r"\s(?:--|\u2013|\u2014)\s")


def _feet(text: str, m: re.Match, a: float, p: dict) -> bool:
    """A number written with an apostrophe is a distance in feet, not minutes: over 90, followed by a lap count
    ("50' x3") or by what it measures ("5' shelf"), the smaller end of a range in feet ("from 60' to 100'"), right
    after a walking, carrying or depth word ("ambulated ~50'", "carry 50'", "working depth 4'"), or after a set count
    in a walking or carrying drill ("tandem walk 4 x 20'")."""
    pair = p["feet_pair"].match(text, m.end())
    if p["measured"] is not None and p["measured"].match(text, m.end()):
        return True   # "place on 5' shelf", "box 2' high": what the number measures follows it
    return (a > 90 or _LAPS.match(text, m.end()) is not None or pair is not None and int(pair.group("n")) > 90
            or p["walked"].search(text[max(0, m.start("a") - 30):m.start("a")]) is not None
            or p["distance_sets"].search(text[max(0, m.start("a") - 60):m.start("a")]) is not None)


def number_value(text: str) -> float:
    """A number written in digits or words ("3", "three", "twenty-four")."""
    return _number(text, _patterns()["words"])


def _name_minutes_list(spec: dict | None) -> dict:
    """The patterns of minutes.json ``name_minutes_list``: a sentence that only lists services' short names, each
    with a bare number ('TE 15 / NMR 10 / Gait 8'), and one item of it."""
    if not spec:
        return {"name_list": None, "name_item": None, "name_list_range": (0, 0)}
    names = "|".join(sorted(spec["names"], key=len, reverse=True))
    item = rf"(?:{names})[ \t]*[:=\-]?[ \t]*\d{{1,2}}(?![\w'\u2019\u2032:]|\.\d)"
    sep = r"[ \t]*[/|][ \t]*"
    return {
        "name_list": re.compile(rf"(?:^|(?<=[:.;]))[ \t]*(?:{item})(?:{sep}(?:{item}))+(?=[ \t]*(?:[.;]|$))",
                                re.IGNORECASE | re.MULTILINE),
        "name_item": re.compile(rf"(?:{names})[ \t]*[:=\-]?[ \t]*(?P<n>\d{{1,2}})", re.IGNORECASE),
        "name_list_range": (int(spec["min_value"]), int(spec["max_value"])),
    }


@lru_cache(maxsize=1)
def _numberish() -> re.Pattern:
    """A number in digits or words, or a duration phrase: every time expression holds one."""
    data = packaged_json("minutes.json")
    # longest first; the same order in every process (the compiled pattern is then found in the regex cache)
    words = sorted(set(data["number_words"]) | set(data.get("number_tens", {})) | set(data.get("duration_phrases", {})),
                   key=lambda w: (-len(w), w))
    return re.compile(r"\d+|\b(?:%s)\b" % "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in words), re.IGNORECASE)


def may_hold_minutes(text: str, at_least: int = 1) -> bool:
    """Whether ``text`` could hold ``at_least`` time expressions (a quick test before :func:`find_minutes`: False
    means it finds fewer)."""
    found = 0
    for _ in _numberish().finditer(text):
        found += 1
        if found >= at_least:
            return True
    return False


_HOUR_WORD_END = re.compile(r"(?:hours?|hrs?)\.?$", re.IGNORECASE)
_MINUTE_WORD_END = re.compile(r"(?:minutes?|mins?)\.?$", re.IGNORECASE)
_HOURS_MINUTES_GLUE = re.compile(r"[ \t]*(?:,[ \t]*|and[ \t]+)?")


def _join_hours_and_minutes(text: str, out: list) -> list:
    """An hour count followed by a minute count is one time ("two hours fifteen minutes" is 135 minutes), as the
    digit form is (minutes.json ``hours_minutes_pattern``)."""
    joined = []
    for mm in out:
        prev = joined[-1] if joined else None
        if prev is not None and prev.minutes and mm.minutes and prev.range_upper is None and mm.range_upper is None \
                and prev.minutes % 60 == 0 and _HOUR_WORD_END.search(text, prev.start, prev.end) \
                and _MINUTE_WORD_END.search(text, mm.start, mm.end) and mm.minutes < 60 \
                and _HOURS_MINUTES_GLUE.fullmatch(text, prev.end, mm.start):
            joined[-1] = MinuteMention(prev.start, mm.end, prev.minutes + mm.minutes)
            continue
        joined.append(mm)
    return joined


# "30', 45', 45'": bare numbers with an apostrophe listed one after another are a walk's trials in feet, not minutes
_APOSTROPHE_SERIES_AFTER = re.compile(r"\s*,\s*\d{1,3}\s*['\u2032\u2019]")
_APOSTROPHE_SERIES_BEFORE = re.compile(r"\d{1,3}\s*['\u2032\u2019]\s*,\s*$")


_SPACED_DASH = re.compile(r"\s+[-\u2013\u2014]\s+")


def find_minutes(text: str) -> list[MinuteMention]:
    """All minute / hour / unit expressions in ``text`` ("x 15 min", "15'", "10-12 min", "2 units", "1 hr").

    Inside :func:`remembering` each distinct text is read once (the stages ask about the same clause several
    times, and template lines repeat across notes)."""
    memo = _MEMO.get()
    return list(_find_minutes(text) if memo is None else memo.get(text, _find_minutes))


_MEMO: ContextVar = ContextVar("suggester_minutes_memo", default=None)


@contextmanager
def remembering(memo):
    """Within the block :func:`find_minutes` keeps what it reads in ``memo`` (a :class:`suggester._memo.TextMemo`:
    the engine's own, bounded and cleared with its other memos); each thread or task sets its own."""
    token = _MEMO.set(memo)
    try:
        yield
    finally:
        _MEMO.reset(token)


def _find_minutes(text: str) -> tuple[MinuteMention, ...]:
    p = _patterns()
    out = []
    feet_seen = False   # a number in feet earlier in the text: a later large one written the same way is feet too
    for m in p["mention"].finditer(text):
        a = _number(m.group("a"), p["words"])
        b = _number(m.group("b"), p["words"]) if m.group("b") else None
        start, counted = m.start(), False
        if b is not None and m.group(0)[:1] in "xX" and _SPACED_DASH.fullmatch(text, m.end("a"), m.start("b")):
            # "return demo x2 - 10 min", "150 ft x2 - 12 min": a count, then the time after a spaced dash (not "x10-12 min")
            a, b, start, counted = b, None, m.start("b"), True
        if m.group("unit"):
            if m.group("unit").lower() == "u" and not m.group(0).strip().endswith(("u", "U")):
                continue
            out.append(MinuteMention(m.start(), m.end(), None, units=int(a)))
            continue
        if m.group("hr") and len(m.group("hr")) == 1 and m.start("hr") > m.end("a"):
            continue  # "VOR x1 H & V" is horizontal and vertical: a one-letter hour is written against its number ("1h")
        part = _portion(text, m, a, p) if m.group("min") and b is None else None
        if part is not None:  # "only 18 of the scheduled 30 minutes": 18 were spent, 30 was the plan
            out.append(part)
            continue
        before = _SET_APART.split(text[max(0, m.start() - 60):m.start()])[-1]
        if p["frequency"].match(text, m.end()) or p["schedule"].search(before) \
                or p["threshold"] is not None and p["threshold"].search(text, max(0, m.start() - 20), m.start()):
            continue  # "1 hr x 2/day", "20 min daily": a schedule, not time spent this session
        scale = 60 if m.group("hr") else 1
        if m.group("min") and m.group("min").lower() == "m" and (a > 90 or m.group("min") == "M" or _feet(text, m, a, p)
                                                                or _YEARS_BEFORE.search(text, max(0, m.start() - 12), m.start())):
            continue  # "100 m", "mobilised 40 m x2" are metres walked, "84M" an age and sex, "5 y 8 m" an age, not minutes
        if m.group("min") in ("'", "\u2032", "\u2019") and (_feet(text, m, a, p) or feet_seen and a >= _FEET_AFTER_FEET
                                                           or _APOSTROPHE_SERIES_AFTER.match(text, m.end())
                                                           or _APOSTROPHE_SERIES_BEFORE.search(text, max(0, m.start() - 12), m.start())):
            # 150' is feet; so are 50' x3, "tandem walk 4 x 20'", "walked 75'", "from 60' to 100'" and, after a
            # distance, a later 50' or more ("amb 150' x2 RW CGA, then 75' w/ SPC"); 12' there stays minutes
            feet_seen = True
            continue
        lower = int(round(a * scale))
        upper = int(round(b * scale)) if b is not None else None
        if upper is not None and upper < lower:
            lower, upper = upper, lower
        if lower <= 0 or lower > 600:
            continue
        bout = not counted and m.group(0)[:1] in "xX" and _SET_COUNT_BEFORE.search(text, max(0, m.start() - 8), m.start()) \
            is not None or _BOUTS_AFTER.match(text, m.end()) is not None
        out.append(MinuteMention(start, m.end(), lower, range_upper=upper, bout=bout))
    if p["hours_minutes"] is not None and ("h" in text or "H" in text):
        for m in p["hours_minutes"].finditer(text):   # "2 hr 30 min": one time of 150 minutes, not 30
            total = int(m.group("h")) * 60 + int(m.group("m"))
            if total > 600 or p["frequency"].match(text, m.end()):
                continue
            out = [mm for mm in out if not (mm.start < m.end() and m.start() < mm.end)]
            out.append(MinuteMention(m.start(), m.end(), total))
        out.sort(key=lambda mm: mm.start)
    out = _join_hours_and_minutes(text, out)
    taken = [(mm.start, mm.end) for mm in out]
    extra = []
    if any(_written_with(text, mm, _MINUTE_WORDS) for mm in out):
        lo, hi = p["elliptic_range"]
        for m in p["elliptic"].finditer(text):  # "... for ten minutes, then unattended IFC for fifteen."
            value = p["words"].get(re.sub(r"\s+", " ", m.group("a").lower()))
            near = {w.lower() for w in re.findall(r"[A-Za-z]+", text[max(0, m.start() - 30):m.start("a")])[-3:]}
            if value is None or not lo <= value <= hi or m.group("pre").lower() in p["elliptic_not_after"] \
                    or near & p["elliptic_not_near"] or any(a < m.end() and m.start("a") < b for a, b in taken):
                continue
            extra.append(MinuteMention(m.start("a"), m.end(), int(value)))
        for mm in out:   # "Spent 25 minutes on exercise and 10 on balance": the second number's minute word left off
            first = p["parallel_after"].match(text, mm.end) if mm.minutes is not None else None
            m = p["parallel"].match(text, first.end()) if first else None
            value = _number(m.group("a"), p["words"]) if m else None
            if value is None or not lo <= value <= hi or any(a < m.end("a") and m.start("a") < b for a, b in taken):
                continue
            near = {w.lower() for w in re.findall(r"[A-Za-z]+", text[m.end("a"):m.end("a") + 30])[:3]}
            if not near & p["elliptic_not_near"]:
                extra.append(MinuteMention(m.start("a"), m.end("a"), int(value)))
    if p["duration"] is not None:  # "half an hour", "an hour"
        for m in p["duration"].finditer(text):
            if not any(a < m.end() and m.start() < b for a, b in taken):
                extra.append(MinuteMention(m.start(), m.end(), p["duration_minutes"][re.sub(r"\s+", " ", m.group(0).lower())]))
    for m in p["clock"].finditer(text):  # "8:10-8:28", "0902-0917": a duration
        if ":" not in m.group(0) and (len(m.group("h1") + m.group("m1")) != 4 or len(m.group("h2") + m.group("m2")) != 4
                                      or m.group("h1") in ("19", "20") and m.group("h2") in ("19", "20")):
            continue  # without a colon only four-digit clock times count, and "2019-2020" is years
        a, b = _clock_pair(m)
        if a is None or b is None or any(x < m.end() and m.start() < y for x, y in taken):
            continue
        diff = b - a if b > a else b - a + 12 * 60
        if 0 < diff <= 240 and not any(mm.minutes == diff and mm.range_upper is None and "\n" not in text[
                min(mm.start, m.start()):max(mm.end, m.end())] for mm in out):
            # "08:05-08:28 Therapeutic exercise (23 min)": the clock range and the minutes are one time, said twice
            extra.append(MinuteMention(m.start(), m.end(), diff, clock=True))

    def free(a: int, b: int) -> bool:   # no time read so far overlaps text[a:b]
        return not any(x < b and a < y for x, y in taken) and not any(e.start < b and a < e.end for e in extra)

    # "Manual therapy (12): MET ...", "TE (22): band walks"; "NMR x20 - weight shifts ...", "TE x15: bridges"; "TE 15 -
    # bike 6', ..."; "[18] Orthotic mgmt/training: ..."
    for key, signs in (("paren_heading", "("), ("x_heading", "xX\u00d7"), ("bare_heading", ""), ("bracket_heading", "["),
                       ("tilde_heading", "~")):
        if p[key] is None or signs and not any(sign in text for sign in signs):
            continue
        for m in p[key].finditer(text):
            if free(m.start("n"), m.end("n")):
                extra.append(MinuteMention(m.start("n"), m.end("n"), int(m.group("n"))))
    low = text.lower()
    rounds = p["rounds_heading"] is not None and any(w in low for w in ("round", "bout", "block", "circuit"))
    for m in [*p["rounds_heading"].finditer(text), *(p["rounds"].finditer(text) if p["rounds"] is not None else ())] \
            if rounds else ():
        # "NMR: 3 rounds x 5 min - VOR x1 ...": the block's time is the rounds' product, not one round's length
        out = [mm for mm in out if not m.start("c") <= mm.start < m.end()]
        taken = [(a, b) for a, b in taken if not m.start("c") <= a < m.end()]
        if free(m.start("c"), m.end()):
            extra.append(MinuteMention(m.start("c"), m.end(), int(_number(m.group("c"), p["words"])) * int(m.group("m"))))
    lo, hi = p["name_list_range"]   # "TE 15 / NMR 10 / Gait 8": each name's bare number is its minutes
    for m in p["name_list"].finditer(text) if p["name_list"] is not None and ("/" in text or "|" in text) else ():
        items = list(p["name_item"].finditer(text, m.start(), m.end()))
        if all(lo <= int(i.group("n")) <= hi for i in items):
            extra += [MinuteMention(i.start("n"), i.end("n"), int(i.group("n"))) for i in items
                      if free(i.start("n"), i.end("n"))]
    for m in p["field"].finditer(text) if ":" in text or "=" in text else ():   # "Minutes: 23", "Gait min: 10"
        if p["field_total_before"].search(text, max(0, m.start() - 20), m.start()) is not None:
            continue
        if free(m.start(), m.end()):
            extra.append(MinuteMention(m.start("n"), m.end("n"), int(m.group("n")), field=True))
        elif m.group("unit"):
            # "Time: 15 minutes" on a line of its own under a block's title: the minutes already read are the field
            out = [replace(mm, field=True) if mm.start == m.start("n") and mm.range_upper is None else mm for mm in out]
    for m in _breakdown(text, p) if "(" in text or "," in text else ():   # "Total timed 38 (TherEx 23, NMR 15)"
        if free(m.start, m.end):
            extra.append(m)
    worded = [mm for mm in out if _written_with(text, mm, _MINUTE_MARKS)]
    for m in p["name_digits"].finditer(text) if p["name_digits"] is not None and worded else ():
        if not p["name_digits_name"].search(text, max(0, m.start() - 40), m.start()):
            continue
        # "Pt tolerated 30 min of PT: gait ~15 (RW 40 ft x2 ...)": a heading name's bare number beside a time (a total's
        # breakdown items are read above)
        a = max(text.rfind(c, 0, m.start()) for c in ".;\n") + 1
        b = min((x for x in (text.find(c, m.end()) for c in ";\n") if x >= 0), default=len(text))
        if any(a <= mm.start < b for mm in worded) and free(m.start("a"), m.end("a")):
            extra.append(MinuteMention(m.start("a"), m.end("a"), int(m.group("a"))))
    return tuple(sorted(out + extra, key=lambda mm: mm.start) if extra else out)


# a total's breakdown: two or more "name number" items in parentheses ("(TherEx 23, NMR 15)", "(TE 20 / manual 8')"),
# or listed after the total to the end of its sentence ("Total timed 38: TherEx 25, manual 13")
_ITEM = r"[A-Za-z][A-Za-z/&.' -]{0,30}?\s*[:=\-]?\s*\d{1,3}\s*(?:min\w*|')?"
_BREAKDOWN = re.compile(r"[^()\n]{0,30}?\(((?:\s*%s\s*(?:[,;/+]|\band\b)?){2,})\)" % _ITEM, re.IGNORECASE)
_BREAKDOWN_LIST = re.compile(r"[^()\n;:.]{0,30}?[;:=\u2013\u2014-]\s*(%s(?:\s*(?:[,;/+]|\band\b)\s*%s)+)\s*(?:[.\n]|$)" % (_ITEM, _ITEM),
                             re.IGNORECASE)
# one item said to be included in the total: "Total tx 48 (incl. HP 10)", "45 min total (including US 8)"
_BREAKDOWN_INCL = re.compile(r"[^()\n]{0,30}?\(\s*(?:incl\.?|including|includes)\s+(%s)\s*\)" % _ITEM, re.IGNORECASE)
_BREAKDOWN_ITEM = re.compile(r"[A-Za-z][A-Za-z/&.' -]{0,30}?\s*[:=\-]?\s*(\d{1,3})(?:\s*(?:min\w*|'))?", re.IGNORECASE)


_SUMMED_AFTER = re.compile(r"(?<![\d:/.])(?P<n>\d{1,3})(?P<t>[ \t]*(?:min(?:ute)?s?\b|mins\b|'|\u2032))[ \t]*\((?P<items>(?:[ \t]*%s[ \t]*(?:[,;/+]|\band\b)?){2,})\)"
                           % _ITEM, re.IGNORECASE)


def _breakdown(text: str, p: dict) -> list[MinuteMention]:
    """The minutes of each item of a total's breakdown: "Total timed minutes: 38 (TherEx 23, NMR 15)", or of the one
    item a total says it includes: "Total tx 48 (incl. HP 10)"."""
    out = []
    for kind in ("timed", "treatment", "generic_total"):
        for cue in p[kind].finditer(text):
            m = _BREAKDOWN.match(text, cue.end()) or _BREAKDOWN_LIST.match(text, cue.end()) \
                or _BREAKDOWN_INCL.match(text, cue.end())
            if m is None:
                continue
            base = m.start(1)
            for item in _BREAKDOWN_ITEM.finditer(m.group(1)):
                value = int(item.group(1))
                if 0 < value <= 240:
                    out.append(MinuteMention(base + item.start(1), base + item.end(), value, breakdown=True))
    return out


def services_timed(text: str, totals: dict) -> bool:
    """Whether ``text`` gives some service its own minutes outside its totals and their breakdowns."""
    spans = [(a, b) for _, a, b in totals.values()]
    return any(m.minutes is not None and not m.breakdown and not any(a <= m.start < b for a, b in spans)
               for m in find_minutes(text))


def _portion(text: str, m: re.Match, whole: float, p: dict) -> MinuteMention | None:
    """The time spent when a number before "of (the scheduled) N minutes" names a part of it."""
    pre = p["portion"].search(text, max(0, m.start() - 40), m.start())
    if pre is None:
        return None
    word = pre.group("n").lower()
    if not (word.isdigit() or word in p["words"]):
        return None
    part = _number(word, p["words"])
    if not 0 < part < whole:
        return None
    return MinuteMention(pre.start("n"), m.end(), int(round(part)))


_HOURS_AFTER = re.compile(r"(?:\.\d+)?\s*(?:hours?|hrs?|h)\b", re.IGNORECASE)


_MENTION_LEAD = re.compile(r"(?:[(\[]|\bx|\bfor)\s*$", re.IGNORECASE)   # what find_minutes reads before a number


def find_totals(text: str) -> dict[str, tuple[int, int, int]]:
    """Note-level totals as ``{kind: (minutes, start, end)}``; kinds are "timed", "treatment" and "generic"
    (a bare "N min total", see below).

    >>> {k: v[0] for k, v in find_totals("Total timed minutes: 40. Total treatment time 55 min").items()}
    {'timed': 40, 'treatment': 55}
    """
    p = _patterns()
    totals: dict[str, tuple[int, int, int]] = {}
    for kind in ("timed", "treatment"):
        for cue in p[kind].finditer(text):
            after = _AFTER_CUE.match(text, cue.end(), min(len(text), cue.end() + 40))
            # (not a date's day: "10/17 Pt seen 10:02-10:40")
            before = re.search(r"(?<!/)(?<!/\d)(\d{1,3})\s*(?:min\w*|')?\s*$", text[max(0, cue.start() - 12): cue.start()])
            if kind in totals or any(s <= cue.start() < e for _, s, e in totals.values()):
                continue
            summed = _SUMMED.match(text, cue.end())
            if summed and len(re.findall(r"\d+", summed.group("items"))) >= 2:
                # "Timed minutes: TE 13, GT 10 = 23": the items' sum after "=" is the total, not the first item (the
                # total's span is its "= 23" alone: the items stay their services' times)
                totals[kind] = (int(summed.group("n")), cue.end() + len(summed.group("items")), summed.end())
            elif after:
                hours = _HOURS_AFTER.match(text, after.end(1))
                whole = next((mm for mm in find_minutes(text[after.start(1):after.start(1) + 40]) if mm.start == 0),
                             None) if hours else None
                if whole is not None and whole.minutes:   # "Total treatment time 1 hour 10 minutes": 70, not 1
                    totals[kind] = (whole.minutes, cue.start(), after.start(1) + whole.end)
                else:
                    totals[kind] = (int(after.group(1)), cue.start(), after.end())
            elif before:
                start = cue.start() - len(before.group(0))
                # "(33 min total timed)": the time mention the total is read from opens at the parenthesis
                lead = _MENTION_LEAD.search(text, max(0, start - 5), start)
                totals[kind] = (int(before.group(1)), start - len(lead.group(0)) if lead else start, cue.end())
            else:  # a worded time next to the cue: "all told about thirty-one minutes"
                word = _worded(text, cue.start(), cue.end())
                if word:
                    totals[kind] = word
    if "treatment" not in totals:
        # "20 min total", "Total 19 minutes": kind "generic", only with a minute word beside the number. The
        # engine treats it as a session total in a sentence of its own, and as a service's time beside a service.
        for cue in p["generic_total"].finditer(text):
            if any(s <= cue.start() < e for _, s, e in totals.values()):
                continue
            after = re.match(r"[\s:=\-(]*(?:of\s+|x\s*)?(\d{1,3})\s*(?:min\w*|')", text[cue.end(): cue.end() + 25], re.IGNORECASE)
            before = re.search(r"(\d{1,3})\s*(?:min\w*|')\s*$", text[max(0, cue.start() - 15): cue.start()], re.IGNORECASE)
            if after:
                totals["generic"] = (int(after.group(1)), cue.start(), cue.end() + after.end())
            elif before:
                totals["generic"] = (int(before.group(1)), cue.start() - len(before.group(0)), cue.end())
            if "generic" in totals:
                break
    if "treatment" not in totals and "generic" not in totals and len({
            text.count("\n", 0, m.start) for m in service_clock_pairs(text)}) < 2:
        # (two lines each with their own "In 0915 / Out 0932" are two services' times, not the session's)
        span = _time_in_out(text, p["in_out"]) or _time_in_out(text, p["session_clock"])
        if span:
            totals["treatment"] = span
    if not totals and "(" in text:
        # "Tx 38' (TA 20/ TE 10/ NMR 8)": a time followed by its breakdown, whose items add up to it, is the session's
        for m in _SUMMED_AFTER.finditer(text):
            items = [int(i.group(1)) for i in _BREAKDOWN_ITEM.finditer(m.group("items"))]
            if len(items) >= 2 and sum(items) == int(m.group("n")):
                totals["timed"] = (int(m.group("n")), m.start("n"), m.end("t"))
                break
    return totals


_CODE_BETWEEN = re.compile(r"\b[A-Z]?\d{4,5}\b")
# a total cue over a list of items and their sum: "Timed minutes: TE 13, GT 10 = 23"
_SUMMED = re.compile(r"(?P<items>[^\n=]{0,80}?)=[ \t]*(?:~|about|approx\.?)?[ \t]*(?P<n>\d{1,3})\b(?:[ \t]*(?:min\w*|'))?",
                     re.IGNORECASE)
# The number after a total cue, with a few words between them: "Timed minutes totaled 56", "Total timed minutes
# today: 32", "timed code min = 27".
_AFTER_CUE = re.compile(r"(?:\s*\(\s*(?:min(?:utes?)?|mins)\s*\))?[\s:=\-(.|]*(?:(?:today|totaled|totalled|totals?|was|"
                        r"were|is|are|of|min(?:utes?|s)?|approx\.?|approximately|about|~)[\s:=\-|]*){0,2}(\d{1,3})\b(?!:\d{2})(?:\s*(?:min\w*|'))?",
                        re.IGNORECASE)


def _worded(text: str, start: int, end: int) -> tuple[int, int, int] | None:
    """A time written beside a total cue (within a few words after it, or right before it)."""
    for m in find_minutes(text[end:end + 40]):
        # not when a code stands between them ("Timed Code Treatment Minutes: 97110 22 min" is that code's time)
        if m.minutes is not None and len(text[end:end + m.start].split()) <= 4 \
                and not _CODE_BETWEEN.search(text, end, end + m.start):
            return m.minutes, start, end + m.end
        break
    before = [m for m in find_minutes(text[max(0, start - 40):start]) if m.minutes is not None]
    if before and not text[max(0, start - 40) + before[-1].end:start].strip():
        b = before[-1]
        return b.minutes, max(0, start - 40) + b.start, end
    return None


def _clock(h: str, m: str, ampm: str | None) -> int | None:
    hour, minute = int(h), int(m)
    if hour > 23 or minute > 59:
        return None
    if ampm:
        pm = ampm.lower().startswith("p")
        hour = hour % 12 + (12 if pm else 0)
    return hour * 60 + minute


def _clock_pair(m: re.Match) -> tuple[int | None, int | None]:
    """The two clock times (minutes after midnight) of a match with groups h1 m1 p1 and h2 m2 p2. A.m./p.m. written
    once is both times' when that keeps them in order ("1:05-1:30pm" is 25 minutes; "11:45-12:10pm" is 11:45 a.m.)."""
    p1, p2 = m.group("p1"), m.group("p2")
    a = _clock(m.group("h1"), m.group("m1"), p1 or p2)
    b = _clock(m.group("h2"), m.group("m2"), p2 or p1)
    if (p1 is None) != (p2 is None) and (a is None or b is None or b <= a):
        a, b = _clock(m.group("h1"), m.group("m1"), p1), _clock(m.group("h2"), m.group("m2"), p2)
    return a, b


def service_clock_pairs(text: str) -> list[MinuteMention]:
    """Start and end clock times written as a pair ("In 0935 / Out 0947", "Started 10:05, done ~10:20"), as the
    minutes between them (minutes.json ``service_clock_pair_patterns``)."""
    out = []
    for regex in _patterns()["service_clock"]:
        for m in regex.finditer(text):
            diff = _clock_span(m, 180)
            if diff is not None and not any(o.start <= m.start() < o.end for o in out):
                out.append(MinuteMention(m.start(), m.end(), diff))
    return sorted(out, key=lambda x: x.start)


def _clock_span(m: re.Match, most: int) -> int | None:
    """Minutes from a match's first clock time to its second (groups h1 m1 p1 and h2 m2 p2; without a.m./p.m. a
    12-hour clock may wrap past noon), when more than 0 and at most ``most``; else None."""
    a, b = _clock_pair(m)
    if a is None or b is None:
        return None
    diff = b - a
    if diff <= 0 and not (m.group("p1") or m.group("p2")):
        diff += 12 * 60
    return diff if 0 < diff <= most else None


def _time_in_out(text: str, regex) -> tuple[int, int, int] | None:
    """Minutes between a "Time in" and a "Time out" clock time (a 12-hour clock may wrap past noon)."""
    m = regex.search(text)
    if not m:
        return None
    diff = _clock_span(m, 300)
    return None if diff is None else (diff, m.start(), m.end())

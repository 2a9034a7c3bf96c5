"""Stage units: minutes per code -> billable units under the payer's method, and the note's totals."""

from __future__ import annotations

from ..minutes_attribution import Attribution, TimeLink
from ..units import compute_units, minutes_to_units
from .settings import Settings
from .values import UnitsOut

__all__ = ["count_units"]

# rules that link a service's whole time, not one item of it (see suggester.minutes_attribution); a time in a
# sentence of its own is one too when nothing else is written there ("15 minutes.", not "Warm up 5 min on the bike.")
_WHOLE_TIME_RULES = frozenset({"service_total", "time_log"})


def count_units(s: Settings, recommended: set, att: Attribution, totals: dict, cfg: dict, unbilled: int = 0,
                stated_units: dict | None = None) -> UnitsOut:
    """Stage units: billable units per recommended code by the payer's method (CMS pooled total time or the
    AMA per-code rule), untimed and block codes by their unit rule. A documented total fills the only timed
    service ("single_timed_total", "session_total") or the one service left without time ("session_remainder");
    those minutes and links are written into ``att``. ``unbilled``: documented rest/vitals/paperwork minutes;
    ``stated_units``: units the note's facts give an untimed code (an add-on by area, see stages.decide)."""
    minutes, documented_units, links = att.minutes, att.documented_units, att.links
    method = cfg["unit_method"]
    timed_minutes: dict[str, int] = {}
    units: dict[str, int | None] = {}
    notes: list[tuple[str, str]] = []
    timed_labels = []
    for lab in sorted(recommended):
        rule = s.unit_rules.get(s.catalogue[lab].unit_rule, {"kind": "session"})
        kind = rule["kind"]
        if kind == "timed":
            timed_labels.append(lab)
            if lab in minutes:
                timed_minutes[lab] = minutes[lab]
        elif kind == "first_block":
            m = minutes.get(lab)
            units[lab] = None if m is None else int(m >= rule["min_minutes"])
        elif kind == "block":
            m = minutes.get(lab)
            b = rule["block_minutes"]
            units[lab] = None if m is None else m // b + int(m % b >= rule["min_minutes"])
        else:
            units[lab] = (stated_units or {}).get(lab) or 1   # an add-on by area: one unit per further block
    missing = [lab for lab in timed_labels if lab not in timed_minutes]
    doc_timed = totals.get("timed", (None,))[0]
    if len(timed_labels) == 1:
        # A total belongs to the only timed service unless that service has its own block time
        # ("treadmill 8 min ... 22 min in all" -> 22; "TherEx 23 min ... total timed 30" keeps 23, PT163).
        only = timed_labels[0]
        explicit = any(link.rule in ("block_header", "table_column") for link in links.get(only, ()))
        total = None
        if doc_timed is not None:
            _, a, b = totals["timed"]
            total = (doc_timed, a, b, "single_timed_total", 0.9)
        elif totals.get("treatment") is not None \
                and not any(s.catalogue[lab].category == "evaluation" for lab in recommended):
            # a session total (or Time in / Time out) less the time documented for the other services
            session, a, b = totals["treatment"]
            rest = session - unbilled - sum(minutes[lab] for lab in recommended if lab != only and lab in minutes)
            if rest > 0:
                total = (rest, a, b, "session_total", 0.8)
        # a session total fills a service with no time of its own, and replaces the sub-item times of the session's
        # only service ("TherEx: bike (6 min), bridges 2x10, clams / Total: 15 min"); a timed total also replaces
        # the sub-items of the only timed service
        # a session's time is more than its one service's whole time as the note gives it ("... 180 ft per lap x3.
        # 15 minutes." in a visit whose time in/out also holds work the engine does not bill; "Bed-level ther ex:
        # ankle pumps, ... bridges x10 - approx twelve minutes.", its one time closing its sentence): that time stays
        own = links.get(only, ())
        whole = total is not None and total[3] == "session_total" and (any(
            link.rule in _WHOLE_TIME_RULES or link.rule == "following_sentence" and link.start in att.bare
            for link in own) or len(own) == 1 and own[0].rule == "after_service" and own[0].start in att.closing)
        replaces = not explicit and not whole and only in timed_minutes and total is not None \
            and timed_minutes[only] < total[0] and (total[3] == "single_timed_total" or recommended == {only})
        if total and (only not in timed_minutes or replaces):
            timed_minutes[only] = minutes[only] = total[0]
            links[only] = [TimeLink(total[1], total[2], total[0], total[3], total[4])]
            notes.append(("from_total", only))
            missing = []
    elif len(missing) == 1 and totals.get("treatment") is not None \
            and all(lab in minutes for lab in recommended if lab != missing[0]) \
            and not any(s.catalogue[lab].category == "evaluation" for lab in recommended):
        # "Treatment 8:00 to 8:30. First 12 minutes manual ..., remainder gait training": the one service with
        # no time of its own gets the session less every other service's time and documented rest
        only = missing[0]
        session, a, b = totals["treatment"]
        rest = session - unbilled - sum(minutes[lab] for lab in recommended if lab != only)
        if doc_timed is not None:   # a stated timed total bounds it: the others may already fill it
            rest = min(rest, doc_timed - sum(minutes.get(lab, 0) for lab in timed_labels if lab != only))
        if rest > 0:
            timed_minutes[only] = minutes[only] = rest
            links[only] = [TimeLink(a, b, rest, "session_remainder", 0.7)]
            notes.append(("from_total", only))
            missing = []
    result = compute_units(timed_minutes, method) if timed_minutes else None
    for lab in timed_labels:
        if lab in timed_minutes:
            units[lab] = result.units[lab]
        elif lab in documented_units:
            units[lab] = documented_units[lab]
            notes.append(("units_without_minutes", lab))
        else:
            units[lab] = None
            notes.append(("no_minutes", lab))
    if result is not None:
        for tie in result.ties:
            notes.append(("tie", ",".join(tie)))
    timed_total = sum(timed_minutes.values())
    timed_units = sum(u for lab, u in units.items() if lab in timed_labels and u is not None)
    if missing and doc_timed is not None and method == "cms":
        timed_units = minutes_to_units(doc_timed, method)
    totals_out = {
        "timed_minutes": timed_total,
        "timed_units": timed_units,
        "total_units": timed_units + sum(u or 0 for lab, u in units.items() if lab not in timed_labels),
        "unit_method": method,
        "documented_total_timed_minutes": doc_timed,
        "documented_total_treatment_minutes": totals.get("treatment", (None,))[0],
    }
    return UnitsOut(units, totals_out, notes)

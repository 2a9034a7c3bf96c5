"""Billable units from documented minutes: pure functions, policies as data (``resources/units.json``).

``compute_units({"97110": 33, "97140": 7}, method="cms")`` ->
``UnitsResult(units={"97110": 2, "97140": 1}, total_minutes=40, total_units=3, ties=())``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from ._resources import packaged_json
from .errors import InputError

__all__ = ["UnitsResult", "compute_units", "minutes_to_units", "unit_methods"]


@dataclass(frozen=True)
class UnitsResult:
    """Units per timed code, the pooled minutes and units, and any ties that had to be broken."""

    units: dict[str, int]
    total_minutes: int
    total_units: int
    method: str
    ties: tuple[tuple[str, ...], ...] = field(default=())


def unit_methods() -> dict[str, dict]:
    """The unit-counting methods from ``resources/units.json``."""
    return packaged_json("units.json")["methods"]


def _method(name: str) -> dict:
    methods = unit_methods()
    if name not in methods:
        raise InputError(f"Unknown unit method {name!r}; allowed: {sorted(methods)}.")
    return methods[name]


def minutes_to_units(minutes: int, method: str = "cms") -> int:
    """Units for one code (or one pooled total) under the mid-point rule: 8-22 min = 1, 23-37 = 2, ..."""
    if minutes < 0:
        raise InputError(f"minutes must be >= 0, got {minutes}.")
    m = _method(method)
    block, first = m["block_minutes"], m["first_unit_minutes"]
    return minutes // block + (1 if minutes % block >= first else 0)


def compute_units(minutes_by_code: Mapping[str, int], method: str = "cms") -> UnitsResult:
    """Distribute timed units over codes.

    Parameters
    ----------
    minutes_by_code : mapping of code -> documented minutes (timed codes only)
    method : {"cms", "ama"}
        ``cms`` pools all timed minutes (Medicare); ``ama`` counts each code on its own.

    Returns
    -------
    UnitsResult

    Examples
    --------
    >>> compute_units({"97112": 24, "97110": 23}).units
    {'97112': 2, '97110': 1}
    >>> compute_units({"97112": 24, "97110": 23}, method="ama").units
    {'97112': 2, '97110': 2}
    """
    for code, minutes in minutes_by_code.items():
        if not isinstance(minutes, int) or isinstance(minutes, bool) or minutes < 0:
            raise InputError(f"minutes for {code} must be a non-negative integer, got {minutes!r}.")
    m = _method(method)
    total = sum(minutes_by_code.values())
    if not m["pooled"]:
        units = {c: minutes_to_units(v, method) for c, v in minutes_by_code.items()}
        return UnitsResult(units, total, sum(units.values()), method)
    block = m["block_minutes"]
    n_total = minutes_to_units(total, method)
    units = {c: v // block for c, v in minutes_by_code.items()}
    remaining = n_total - sum(units.values())
    # Leftover units go to the largest remainders; ties broken by more total minutes, then lower code.
    order = sorted(minutes_by_code, key=lambda c: (-(minutes_by_code[c] % block), -minutes_by_code[c], c))
    order = [c for c in order if minutes_by_code[c] % block > 0]
    ties: list[tuple[str, ...]] = []
    if 0 < remaining < len(order):
        cut = minutes_by_code[order[remaining - 1]] % block
        if minutes_by_code[order[remaining]] % block == cut:
            ties.append(tuple(sorted(c for c in order if minutes_by_code[c] % block == cut)))
    for c in order[:max(remaining, 0)]:
        units[c] += 1
    return UnitsResult(units, total, n_total, method, tuple(ties))

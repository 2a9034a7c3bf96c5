"""Every worked example in shared/reference/units.md, plus the boundary table."""

import pytest

from suggester.errors import InputError
from suggester.units import compute_units, minutes_to_units

BOUNDARY = [(0, 0), (7, 0), (8, 1), (15, 1), (22, 1), (23, 2), (37, 2), (38, 3), (52, 3), (53, 4), (67, 4), (68, 5),
            (82, 5), (83, 6), (97, 6), (98, 7), (99, 7), (112, 7), (113, 8), (127, 8), (128, 9)]


@pytest.mark.parametrize("minutes,units", BOUNDARY)
def test_units_boundary_table(minutes, units):
    assert minutes_to_units(minutes, "cms") == units
    assert minutes_to_units(minutes, "ama") == units


# (id, minutes, method, acceptable unit allocations)
VECTORS = [
    ("CMS-1", {"97112": 24, "97110": 23}, "cms", [{"97112": 2, "97110": 1}]),
    ("CMS-2", {"97112": 20, "97110": 20}, "cms", [{"97112": 2, "97110": 1}, {"97112": 1, "97110": 2}]),
    ("CMS-3", {"97110": 33, "97140": 7}, "cms", [{"97110": 2, "97140": 1}]),
    ("CMS-4", {"97110": 18, "97140": 13, "97116": 10, "97035": 8}, "cms",
     [{"97110": 1, "97140": 1, "97116": 1, "97035": 0}]),
    ("CMS-5", {"97112": 7, "97110": 7, "97140": 7}, "cms",
     [{"97112": 1, "97110": 0, "97140": 0}, {"97112": 0, "97110": 1, "97140": 0}, {"97112": 0, "97110": 0, "97140": 1}]),
    ("M-6", {"97110": 18, "97140": 10}, "cms", [{"97110": 1, "97140": 1}]),
    ("M-7", {"97140": 18}, "cms", [{"97140": 1}]),
    ("M-8", {"97140": 18, "97110": 15}, "cms", [{"97140": 1, "97110": 1}]),
    ("M-9", {"97110": 15, "97116": 20}, "cms", [{"97110": 1, "97116": 1}]),
    ("M-11", {"97110": 5, "97140": 3}, "cms", [{"97110": 1, "97140": 0}]),
    ("M-12", {"97110": 7, "97140": 7}, "cms", [{"97110": 1, "97140": 0}, {"97110": 0, "97140": 1}]),
    ("M-13", {"97110": 7}, "cms", [{"97110": 0}]),
    ("M-14", {"97110": 20, "97140": 6}, "cms", [{"97110": 1, "97140": 1}]),
    ("M-15", {"97110": 22, "97140": 7}, "cms", [{"97110": 2, "97140": 0}, {"97110": 1, "97140": 1}]),
    ("M-16", {"97110": 30, "97140": 8}, "cms", [{"97110": 2, "97140": 1}]),
    ("M-17", {"97110": 10 + 5}, "cms", [{"97110": 1}]),
    ("A-1", {"97110": 10}, "ama", [{"97110": 1}]),
    ("A-2", {"97110": 10, "97116": 10}, "ama", [{"97110": 1, "97116": 1}]),
    ("A-2-cms", {"97110": 10, "97116": 10}, "cms", [{"97110": 1, "97116": 0}, {"97110": 0, "97116": 1}]),
    ("A-3", {"97112": 24, "97110": 23}, "ama", [{"97112": 2, "97110": 2}]),
    ("A-4", {"97112": 20, "97110": 20}, "ama", [{"97112": 1, "97110": 1}]),
    ("A-5", {"97110": 33, "97140": 7}, "ama", [{"97110": 2, "97140": 0}]),
    ("A-6", {"97110": 18, "97140": 13, "97116": 10, "97035": 8}, "ama", [{"97110": 1, "97140": 1, "97116": 1, "97035": 1}]),
    ("A-7", {"97112": 7, "97110": 7, "97140": 7}, "ama", [{"97112": 0, "97110": 0, "97140": 0}]),
    ("A-8", {"97110": 38}, "ama", [{"97110": 3}]),
]


@pytest.mark.parametrize("vid,minutes,method,allowed", VECTORS, ids=[v[0] for v in VECTORS])
def test_units_reference_vectors(vid, minutes, method, allowed):
    result = compute_units(minutes, method)
    assert result.units in allowed
    assert result.total_minutes == sum(minutes.values())


def test_units_m10_evaluation_minutes_do_not_count(engine):
    note = "PT initial evaluation, low complexity, 35 min.\nTherEx 7 min: quad sets, SLR."
    result = engine.suggest(note, payer="medicare")
    by = {s.code: s for s in result.recommended}
    assert "97161" in by and by["97161"].units == 1
    if "97110" in by:
        assert by["97110"].units == 0
    assert result.totals["timed_minutes"] in (0, 7)


def test_units_ties_are_deterministic_and_reported():
    a = compute_units({"97112": 20, "97110": 20}, "cms")
    b = compute_units({"97110": 20, "97112": 20}, "cms")
    assert a.units == b.units and a.ties == (("97110", "97112"),)


def test_units_reject_bad_minutes():
    with pytest.raises(InputError, match="non-negative integer"):
        compute_units({"97110": -3})
    with pytest.raises(InputError, match="Unknown unit method"):
        compute_units({"97110": 3}, method="rounding")

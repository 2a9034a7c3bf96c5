import json

import pytest

from suggester import CatalogueError, load_catalogue


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


def test_catalogue_covers_reference_codes(catalogue):
    assert len(catalogue) >= 45
    for code in ("97110", "97112", "97116", "97140", "97150", "97530", "97535", "97750", "97760", "97761", "97763",
                 "97161", "97162", "97163", "97164", "97010", "97014", "G0283", "97035", "95992", "20560"):
        assert code in catalogue


def test_catalogue_deleted_codes_and_replacements(catalogue):
    import datetime as dt

    c = catalogue["97762"]
    assert c.status == "deleted" and c.effective_to == dt.date(2017, 12, 31) and c.replaced_by == ("97763",)
    assert catalogue["97763"].effective_from == dt.date(2018, 1, 1)
    for old in ("97001", "97002", "97003", "97004"):
        assert catalogue[old].status == "deleted" and catalogue[old].effective_to == dt.date(2016, 12, 31)
    assert not catalogue["97762"].is_active_on(dt.date(2020, 1, 1))
    assert catalogue["97762"].is_active_on(dt.date(2017, 6, 1))


def test_catalogue_medicare_notes(catalogue):
    assert catalogue["97010"].medicare_coverage == "bundled"
    assert catalogue["97014"].medicare_use_instead == "G0283"
    assert catalogue["20560"].medicare_coverage == "non_covered"


@pytest.mark.parametrize("field,value,message", [
    ("category", "magic", "field 'category' must be one of"),
    ("timed", "yes", "field 'timed' must be bool"),
    ("effective_from", "01/01/2017", "ISO date"),
    ("code", "9711", "5 digits"),
])
def test_catalogue_rejects_malformed_record(tmp_path, catalogue, field, value, message):
    data = {"version": "t", "codes": [catalogue["97110"].to_dict()]}
    data["codes"][0][field] = value
    path = tmp_path / "cat.json"
    path.write_text(json.dumps(data))
    with pytest.raises(CatalogueError, match=message) as exc:
        load_catalogue(path)
    assert "record #0" in str(exc.value)


def test_catalogue_rejects_unknown_reference(tmp_path, catalogue):
    rec = catalogue["97110"].to_dict()
    rec["confused_with"] = [{"code": "99999", "rule": "x"}]
    path = tmp_path / "cat.json"
    path.write_text(json.dumps({"version": "t", "codes": [rec]}))
    with pytest.raises(CatalogueError, match="unknown code '99999'"):
        load_catalogue(path)

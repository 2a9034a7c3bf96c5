"""One test per compliance finding id, plus a guard that every id in compliance_rules.json is tested."""

import datetime as dt
import re
from pathlib import Path

import pytest

from suggester.compliance import rule_ids
from suggester.results import Evidence


def _sugg(engine, code, minutes=None, units=None, evidence=((0, 10, "x"),), recommended=True):
    entry = engine.catalogue[code]
    return dict(code=code, label=entry.label, confidence=0.99, recommended=recommended, units=units, minutes=minutes,
                evidence=tuple(Evidence(a, b, t, "treatment", 0.99) for a, b, t in evidence), explanation="",
                category=entry.category, timed=entry.timed)


def _check(engine, suggestions, *, text="", payer="medicare", **ctx):
    cfg = engine.payer_config(payer)
    base = dict(payer=payer, cfg=cfg, date_of_service=dt.date(2026, 11, 2), totals={}, non_visit=None,
                non_visit_overridden=False, ranges={}, unit_notes=[], text=text, segments=[], documented_units={})
    base.update(ctx)
    out, findings = engine.compliance.check(suggestions, base)
    return {s["code"]: s for s in out}, findings


def _ids(findings):
    return {f.id for f in findings}


def test_pt100_gp_on_every_line(engine):
    out, f = _check(engine, [_sugg(engine, "97110", 20, 1), _sugg(engine, "97140", 10, 1, ((20, 30, "y"),))])
    assert "PT100" in _ids(f) and all("GP" in s["modifiers"] for s in out.values())


def test_pt101_distinct_time_blocks_get_59(engine):
    out, f = _check(engine, [_sugg(engine, "97140", 12, 1, ((0, 20, "mt"),)), _sugg(engine, "97530", 15, 1, ((30, 60, "ta"),))])
    assert "PT101" in _ids(f) and "59" in out["97530"]["modifiers"]


def test_pt101_regions_and_sessions(engine):
    out, f = _check(engine, [_sugg(engine, "97140", None, None, ((0, 20, "STM to cervical paraspinals"),)),
                             _sugg(engine, "97530", None, None, ((0, 20, "STM to cervical paraspinals"), (30, 60, "lifting with knee brace"),))])
    assert "PT102" in _ids(f)
    out, f = _check(engine, [_sugg(engine, "97140", None, None, ((0, 20, "jt mobs to cervical spine"),)),
                             _sugg(engine, "97530", None, None, ((30, 60, "squat to lift from floor, knee over toe"),))])
    assert "PT101" in _ids(f) and "XS" in out["97530"]["modifiers"]
    out, f = _check(engine, [_sugg(engine, "97140", None, None), _sugg(engine, "97530", None, None)],
                    text="AM: manual therapy. PM session: therapeutic activities.")
    assert "XE" in out["97530"]["modifiers"]


def test_pt102_same_block_not_separately_billable(engine):
    out, f = _check(engine, [_sugg(engine, "97140", 25, 2, ((0, 40, "MT and TA"),)), _sugg(engine, "97530", 25, 2, ((0, 40, "MT and TA"),))])
    assert "PT102" in _ids(f) and "59" not in out["97530"]["modifiers"]


def test_pt103_modifier_indicator_zero(engine):
    _, f = _check(engine, [_sugg(engine, "97605"), _sugg(engine, "97607")])
    assert "PT103" in _ids(f)


def test_pt104_group_with_one_on_one(engine):
    _, f = _check(engine, [_sugg(engine, "97150"), _sugg(engine, "97530", 15, 1, ((30, 60, "t"),))])
    assert "PT104" in _ids(f)


def test_pt110_pta_cq(engine):
    out, f = _check(engine, [_sugg(engine, "97110", 20, 1)], text="TherEx 20 min. Signed: A. Lee, PTA")
    assert "PT110" in _ids(f) and "CQ" in out["97110"]["modifiers"]


def test_pt111_evaluation_by_assistant(engine):
    _, f = _check(engine, [_sugg(engine, "97162")], text="Initial evaluation. Signed: A. Lee, PTA")
    assert "PT111" in _ids(f)


def test_pt120_deleted_code_named(engine):
    _, f = _check(engine, [], text="Billed 97002 for the re-assessment.")
    assert "PT120" in _ids(f) and "97164" in next(x.message for x in f if x.id == "PT120")


def test_pt121_code_not_valid_on_date(engine):
    _, f = _check(engine, [_sugg(engine, "97763", 15, 1)], date_of_service=dt.date(2017, 6, 1))
    assert "PT121" in _ids(f)


def test_pt130_bundled_hot_pack(engine):
    _, f = _check(engine, [_sugg(engine, "97010")])
    assert "PT130" in _ids(f)
    _, f = _check(engine, [_sugg(engine, "97010")], payer="commercial")
    assert "PT130" not in _ids(f)


def test_pt131_g0283_for_medicare(engine):
    _, f = _check(engine, [_sugg(engine, "G0283")])
    assert "PT131" in _ids(f)


def test_pt132_dry_needling_not_covered(engine):
    _, f = _check(engine, [_sugg(engine, "20561")])
    assert "PT132" in _ids(f)


def test_pt133_canalith_once_per_day(engine):
    _, f = _check(engine, [_sugg(engine, "95992")])
    assert "PT133" in _ids(f)


def test_pt140_performance_test_with_evaluation(engine):
    _, f = _check(engine, [_sugg(engine, "97750", 30, 2), _sugg(engine, "97163")])
    assert "PT140" in _ids(f)


def test_pt141_more_than_two_modalities(engine):
    _, f = _check(engine, [_sugg(engine, "97010"), _sugg(engine, "97035", 8, 1), _sugg(engine, "97012")])
    assert "PT141" in _ids(f)


def test_pt150_units_above_mue(engine):
    _, f = _check(engine, [_sugg(engine, "97035", 38, 3)])
    assert "PT150" in _ids(f)


def test_pt160_pt164_pt166_minutes_notes(engine):
    _, f = _check(engine, [_sugg(engine, "97110")], unit_notes=[("no_minutes", "97110")])
    assert "PT160" in _ids(f)
    _, f = _check(engine, [_sugg(engine, "97110", None, 2)], unit_notes=[("units_without_minutes", "97110")])
    assert "PT164" in _ids(f)
    _, f = _check(engine, [_sugg(engine, "97110", 30, 2)], unit_notes=[("from_total", "97110")])
    assert "PT166" in _ids(f)


def test_pt161_zero_units(engine):
    _, f = _check(engine, [_sugg(engine, "97035", 7, 0)])
    assert "PT161" in _ids(f)


def test_pt162_range_lower_bound(engine):
    _, f = _check(engine, [_sugg(engine, "97116", 10, 1)], ranges={"97116": (10, 12)})
    assert "PT162" in _ids(f)


def test_pt163_total_mismatch(engine):
    _, f = _check(engine, [_sugg(engine, "97110", 20, 1)], totals={"documented_total_timed_minutes": 30})
    assert "PT163" in _ids(f)


def test_pt165_tie(engine):
    _, f = _check(engine, [], unit_notes=[("tie", "97110,97112")])
    assert "PT165" in _ids(f)


def test_pt167_total_only(engine):
    _, f = _check(engine, [_sugg(engine, "97110"), _sugg(engine, "97112")],
                  unit_notes=[("no_minutes", "97110"), ("no_minutes", "97112")],
                  totals={"documented_total_timed_minutes": 38, "unit_method": "cms", "timed_units": 3})
    assert "PT167" in _ids(f)


def test_pt170_pt171_non_visit(engine):
    _, f = _check(engine, [], non_visit="no_show")
    assert "PT171" in _ids(f)
    _, f = _check(engine, [_sugg(engine, "97110", 20, 1)], non_visit="cancelled", non_visit_overridden=True)
    assert "PT170" in _ids(f)


def test_pt180_stated_code_alone_is_not_proof(engine):
    result = engine.suggest("Codes: 97530 x2, 97112 x1")
    assert result.codes == []
    flagged = {c for f in result.findings if f.id == "PT180" for c in f.codes}
    assert flagged == {"97530", "97112"}


def test_pt181_stated_code_is_evidence_and_units_are_cross_checked(engine):
    text = ("TherEx 24 min: bridges 2x15, clamshells, step-ups.\n"
            "Billing: 97110 x1")
    result = engine.suggest(text, payer="commercial")
    s = next(s for s in result.suggestions if s.code == "97110")
    assert s.units == 2
    assert any(e.phrases == ("stated code",) and e.text.startswith("97110") for e in s.evidence)
    assert [f.id for f in result.findings if "97110" in f.codes and f.id.startswith("PT18")] == ["PT181"]


def test_pt168_two_services_listed_before_one_time_are_not_guessed(engine):
    result = engine.suggest("Pt performed hip strengthening exercises and functional training (sit-to-stand from "
                            "low chair, curb steps with a grocery bag), 24 min.")
    assert {"97110", "97530"} <= set(result.codes)
    assert all(s.minutes is None for s in result.recommended)
    assert any(f.id == "PT168" for f in result.findings)


def test_pt168_one_time_for_two_joined_services_is_not_guessed(engine):
    result = engine.suggest("Ther ex and manual therapy 25 min.")
    assert {"97110", "97140"} <= set(result.codes)
    assert all(s.minutes is None for s in result.recommended)
    f = next(f for f in result.findings if f.id == "PT168")
    assert set(f.codes) == {"97110", "97140"}


@pytest.mark.parametrize("rule_id", rule_ids())
def test_every_rule_id_has_a_test(rule_id):
    if rule_id == "PT190":  # the KX threshold is an audit finding (running totals across notes)
        assert "PT190" in (Path(__file__).parent / "test_audit.py").read_text()
        return
    here = Path(__file__).read_text()
    assert re.search(rf"def test_[a-z0-9_]*{rule_id.lower()}", here), f"no test for {rule_id}"

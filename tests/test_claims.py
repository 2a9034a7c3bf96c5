"""Codes written in a note are claims: shown beside supported codes, flagged when unsupported, never proof."""

from suggester.claims import find_code_claims

KNOWN = {"97110", "97140", "97530", "97112", "G0283", "97001"}


def test_claim_forms_and_units():
    text = "CPT: 97110 x2, 97140-GP (1), 97530 2 units; billed 97112. Paid $97110.00; ref 197110; 2026-01-15"
    claims = find_code_claims(text, KNOWN)
    assert [(c.code, c.units) for c in claims] == [("97110", 2), ("97140", 1), ("97530", 2), ("97112", None)]
    for c in claims:
        assert text[c.start:c.end].startswith(c.code)


def test_minutes_beside_a_code_are_not_units():
    assert [c.units for c in find_code_claims("97110 x 15 min; 97140 x15'", KNOWN)] == [None, None]


def test_deleted_code_written_gets_its_own_finding_only(engine):
    result = engine.suggest("Billed 97001 for the evaluation.")
    ids = [f.id for f in result.findings]
    assert "PT120" in ids and "PT180" not in ids


def test_a_code_written_beside_a_description_names_that_service(engine):
    described = engine.suggest("97110 x2 units (bike, leg press, step-ups)\n97140 x1 unit (STM quad)")
    assert described.codes == ["97140", "97110"] or set(described.codes) == {"97110", "97140"}
    ev = next(s for s in described.suggestions if s.code == "97110").evidence
    assert any("stated code" in e.phrases for e in ev)
    assert engine.suggest("Code | Units\n97112 | 2\n97530 | 1").codes == []      # a code alone proves nothing
    assert engine.suggest("97110 x 2 units").codes == []

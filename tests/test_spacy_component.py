import spacy


def test_spacy_component_in_a_user_pipeline():
    import suggester.spacy_component  # noqa: F401  (registers the factory)

    nlp = spacy.blank("en")
    nlp.add_pipe("suggester_codes", config={"payer": "commercial"})
    doc = nlp("IFC to lumbar 15 min, unattended, pt resting.\nGait training 12 min with SPC 150 ft.")
    codes = {s["code"] for s in doc._.pt_suggestions if s["recommended"]}
    assert {"97014", "97116"} <= codes
    assert doc._.pt_result["payer"] == "commercial"


def test_spacy_pipeline_components_declare_order():
    from suggester.nlp import build_nlp

    nlp = build_nlp()
    assert nlp.pipe_names == ["suggester_segmenter", "suggester_sections", "suggester_context"]
    analysis = nlp.analyze_pipes()
    assert not analysis["problems"]["suggester_context"]
    assert len(nlp.get_pipe("suggester_context")) > 100


def test_context_rules_added_to_the_component_apply_to_text_it_has_seen():
    # the component remembers each segment's reading; adding rules starts afresh
    from suggester.nlp import CLAUSES, build_nlp
    from suggester.nlp.rules import ContextRule

    nlp = build_nlp()
    text = "Kinesio taping to the knee by clinic policy."
    doc = nlp(text)
    before = [c._.pt_assertion for c in doc.spans[CLAUSES]]
    nlp.get_pipe("suggester_context").add([ContextRule(literal="by clinic policy", category="NEGATED_EXISTENCE",
                                                       direction="BACKWARD", max_scope=10, status="negated")])
    doc = nlp(text)
    after = [c._.pt_assertion for c in doc.spans[CLAUSES]]
    assert "negated" not in before and "negated" in after


def test_a_context_rule_can_reach_back_past_commas_and_says_so_when_malformed():
    # metadata past_commas: a cue that closes a list ("A, B and C over the episode") scopes the whole list
    import pytest

    from suggester.errors import ResourceError
    from suggester.nlp import CLAUSES, build_nlp
    from suggester.nlp.rules import ContextRule

    text = "She did rows, lunges and planks per the old protocol."
    rule = {"literal": "per the old protocol", "category": "HISTORICAL", "direction": "BACKWARD"}
    for past_commas, expected in ((False, {"rows"}), (True, set())):
        nlp = build_nlp()
        nlp.get_pipe("suggester_context").add([ContextRule.from_dict(dict(rule, metadata={"past_commas": past_commas}))])
        doc = nlp(text)
        performed = {w for c in doc.spans[CLAUSES] if c._.pt_assertion is None for w in ("rows", "lunges") if w in c.text}
        assert performed == expected
        assert ContextRule.from_dict(dict(rule, metadata={"past_commas": past_commas})).to_dict()["metadata"].get(
            "past_commas", False) is past_commas
    with pytest.raises(ResourceError, match="past_commas"):
        ContextRule.from_dict(dict(rule, metadata={"past_commas": "yes"}))


def test_the_context_component_shows_statuses_passed_along_a_line():
    # what the engine counts is what the pipeline's clauses say: a heading takes the refusal on the line below it,
    # and an item marked "; not a clinic service" is not counted
    from suggester.nlp import CLAUSES, build_nlp

    nlp = build_nlp()
    doc = nlp("Hot Pack (97010):\n- Offered before exercise; pt declined.\n"
              "Pt used her own cold pack from home for 10 min; not a clinic service.\nGait trng 12 min w/ SPC.")
    status = {c.text: c._.pt_assertion for c in doc.spans[CLAUSES]}
    assert status["Hot Pack (97010):"] == status["Offered before exercise"] is not None
    assert status["Pt used her own cold pack from home for 10 min"] == "negated"
    assert status["Gait trng 12 min w/ SPC"] is None

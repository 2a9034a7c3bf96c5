import json
import subprocess
import sys

import suggester


def test_public_api_all_is_sorted_and_resolves():
    assert suggester.__all__ == sorted(suggester.__all__)
    for name in suggester.__all__:
        assert getattr(suggester, name) is not None


def test_public_api_import_is_light():
    code = "import sys, suggester; print(json.dumps(['spacy' in sys.modules, 'sklearn' in sys.modules]))"
    out = subprocess.run([sys.executable, "-c", "import json;" + code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == [False, False]


def test_public_api_result_shape(engine):
    text = "TherEx 23 min: SLR 3x10, bridges 2x15, clamshells.\nManual therapy 10 min: STM, jt mobs gr III."
    d = engine.suggest(text, payer="medicare").to_dict()
    assert set(d) >= {"suggestions", "findings", "not_counted", "totals"}
    s = d["suggestions"][0]
    assert set(s) >= {"code", "label", "confidence", "recommended", "units", "minutes", "evidence", "explanation"}
    assert 0.0 <= s["confidence"] <= 1.0
    for sug in d["suggestions"]:
        for ev in sug["evidence"]:
            assert text[ev["start"]:ev["end"]] == ev["text"]
    confs = [x["confidence"] for x in d["suggestions"] if x["recommended"]]
    assert confs == sorted(confs, reverse=True)
    json.dumps(d)  # serialisable


def test_public_api_one_call_convenience():
    assert "97116" in suggester.suggest("Gait training 15 min with RW 150 ft x2, cues for step length.").codes


def test_public_api_empty_and_whitespace(engine):
    for text in ("", "   \n\t "):
        d = engine.suggest(text).to_dict()
        assert d["suggestions"] == [] and d["findings"] == []


def test_public_api_rejects_bad_input(engine):
    import pytest

    with pytest.raises(suggester.InputError, match="must be a str"):
        engine.suggest(None)
    with pytest.raises(suggester.InputError, match="Unknown payer"):
        engine.suggest("TherEx 10 min", payer="acme")
    with pytest.raises(suggester.InputError, match="limit"):
        engine.suggest("x" * 300_000)

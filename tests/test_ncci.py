import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from suggester import InputError, Suggester
from suggester.cli import app
from suggester.ncci import import_ptp

SAMPLE = Path(__file__).resolve().parent / "data" / "ncci_ptp_sample.txt"


def test_ncci_import_cms_format(tmp_path):
    summary = import_ptp(SAMPLE, tmp_path / "pairs.json")
    assert summary == {"rows": 7, "kept": 6, "skipped_other_codes": 1, "out": str(tmp_path / "pairs.json")}
    pairs = json.loads((tmp_path / "pairs.json").read_text())["pairs"]
    first = pairs[0]
    assert (first["column1"], first["column2"], first["modifier_indicator"]) == ("97140", "97530", 1)
    assert first["effective_from"] == "2004-01-01" and first["effective_to"] is None
    deleted = next(p for p in pairs if p["column1"] == "97012")
    assert deleted["effective_to"] == "2019-03-31"


def test_ncci_import_cli_and_use(tmp_path):
    out = tmp_path / "pairs.json"
    res = CliRunner().invoke(app, ["ncci", "import", str(SAMPLE), "--out", str(out)])
    assert res.exit_code == 0 and "kept 6" in res.stdout
    engine = Suggester(ncci=out)
    note = ("Manual therapy 12 min: lumbar PA mobs gr III, STM paraspinals.\n"
            "Therapeutic activities 15 min: lifting floor to waist, carrying 10# box, car transfer practice.")
    r = engine.suggest(note, date_of_service="2026-11-02")
    assert any(f.id == "PT101" and "cms confidence" in f.message for f in r.findings)
    # the deleted pair and the pair that ended in 2020 are not applied
    r = engine.suggest("Mechanical lumbar traction 15 min, 40 lbs intermittent.\nManual therapy 10 min: lumbar PA mobs.",
                       date_of_service="2026-11-02")
    assert not any(f.id in ("PT101", "PT102") and "97012" in f.codes for f in r.findings)


def test_ncci_import_rejects_other_files(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("code,description\n97110,exercise\n")
    with pytest.raises(InputError, match="Column 1"):
        import_ptp(bad, tmp_path / "x.json")
    res = CliRunner().invoke(app, ["ncci", "import", str(bad), "--out", str(tmp_path / "x.json")])
    assert res.exit_code == 2

import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from suggester.cli import app

runner = CliRunner()
EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "daily_note.txt"


def test_cli_suggest_json_is_to_dict(engine):
    res = runner.invoke(app, ["suggest", str(EXAMPLE), "--json"])
    assert res.exit_code == 0
    assert json.loads(res.stdout) == engine.suggest(EXAMPLE.read_text(), "medicare").to_dict()


def test_cli_suggest_table_and_stdin():
    res = runner.invoke(app, ["suggest", "-"], input="Gait training 15 min with RW 150 ft x2.")
    assert res.exit_code == 0 and "97116" in res.stdout


def test_cli_errors_have_exit_code_2():
    res = runner.invoke(app, ["suggest", "no/such/file.txt"])
    assert res.exit_code == 2 and "No such file" in res.output
    res = runner.invoke(app, ["suggest", str(EXAMPLE), "--payer", "acme"])
    assert res.exit_code == 2 and "Unknown payer" in res.output
    res = runner.invoke(app, ["codes", "12345"])
    assert res.exit_code == 2 and "Unknown code" in res.output


def test_cli_codes():
    res = runner.invoke(app, ["codes"])
    assert res.exit_code == 0 and "97530" in res.stdout
    res = runner.invoke(app, ["codes", "97530", "--json"])
    assert json.loads(res.stdout)["code"] == "97530"
    res = runner.invoke(app, ["codes", "97762"])
    assert res.exit_code == 0 and "97763" in res.stdout


def test_cli_evaluate(tmp_path):
    data = tmp_path / "eval.jsonl"
    data.write_text("\n".join(json.dumps(r) for r in [
        {"id": "a", "payer": "medicare", "text": "TherEx 23 min: SLR, bridges.", "gold": [{"code": "97110", "minutes": 23, "units": 2}]},
        {"id": "b", "payer": "medicare", "text": "Pt no-show.", "gold": []},
    ]))
    res = runner.invoke(app, ["evaluate", str(data), "--json"])
    report = json.loads(res.stdout)
    assert res.exit_code == 0 and report["micro_f1"] == 1.0 and report["no_code_notes_clean"] == 1
    res = runner.invoke(app, ["evaluate", str(data), "--errors"])
    assert res.exit_code == 0 and "micro" in res.stdout


def test_cli_module_entry_point():
    out = subprocess.run([sys.executable, "-m", "suggester", "--help"], capture_output=True, text=True)
    assert out.returncode == 0 and "suggest" in out.stdout

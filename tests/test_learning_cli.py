"""Import, train, gate, promote and roll back from the command line, on SQLite and PostgreSQL.

To keep the suite fast the models are trained on a slice of the project corpus: a small base model stands for
the shipped one (``SUGGESTER_MODEL_DIR``), and the candidate is that slice plus the clinic's corrections. The
path is the real one: alignment, weighting, the gate on the project hold-out and the held-back corrections.
"""

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from suggester.cli import app as cli_app

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent


def _slice(data: Path, step: int) -> None:
    """Every ``step``-th training sentence, and the real hold-out, in ``data``."""
    (data / "sentences").mkdir(parents=True)
    for f in sorted((ROOT / "training_data" / "sentences").glob("*.jsonl")):
        lines = [line for line in f.read_text("utf-8").splitlines() if line.strip()]
        (data / "sentences" / f.name).write_text("\n".join(lines[::step]) + "\n", "utf-8")
    shutil.copytree(ROOT / "training_data" / "holdout", data / "holdout")


@pytest.fixture(scope="module")
def small_data(tmp_path_factory):
    """A slice of the training corpus (and the real hold-out), plus a base model trained on it."""
    data = tmp_path_factory.mktemp("data")
    _slice(data, 8)
    base = tmp_path_factory.mktemp("base")
    res = CliRunner().invoke(cli_app, ["train", "--data", str(data), "--out", str(base)])
    assert res.exit_code == 0, res.output
    return data, base


def _corrections(path: Path, n: int) -> None:
    # one clinic's house style (training_data/clinic_style: an EMR's templates and its therapists' wording)
    text = (ROOT / "training_data" / "clinic_style" / "notes.jsonl").read_text("utf-8")
    notes = [json.loads(line) for line in text.splitlines() if line.strip()]
    lines = [json.dumps({"note_id": r["id"], "text": r["text"], "payer": r["payer"],
                         "codes": [{"code": g["code"], "units": g["units"]} for g in r["gold"]]}) for r in notes[:n]]
    lines.insert(3, json.dumps({"note_id": "broken", "text": "", "codes": []}))
    path.write_text("\n".join(lines) + "\n", "utf-8")


def test_import_train_gate_promote_rollback(review_url, small_data, tmp_path, monkeypatch):
    data, base = small_data
    runner = CliRunner()
    monkeypatch.setenv("SUGGESTER_DB", review_url)
    monkeypatch.setenv("SUGGESTER_MODEL_DIR", str(base))
    monkeypatch.delenv("SUGGESTER_TOKEN", raising=False)

    def run(*args, token=None, code=0):
        res = runner.invoke(cli_app, list(args), env={"SUGGESTER_TOKEN": token} if token else {})
        assert res.exit_code == code, (args, res.output)
        return res.output

    admin = run("users", "add", "ana", "--role", "admin").strip().splitlines()[-1]
    bo = run("users", "add", "bo", token=admin).strip().splitlines()[-1]
    corr = tmp_path / "corrections.jsonl"
    _corrections(corr, 60)
    assert "store-text on" in run("corrections", "import", str(corr), token=bo, code=2)
    run("review", "settings", "--store-text", "on", token=admin)
    out = run("corrections", "import", str(corr), token=bo, code=1)          # one bad line: reported, not imported
    assert "line 4 (broken): the note has no 'text'" in out and "imported 60 new" in out
    assert "imported 0 new and 60 replaced" in run("corrections", "import", str(corr), token=bo, code=1)

    out = run("train", "--corrections", review_url, "--out", str(tmp_path / "cand"), "--data", str(data), token=bo)
    assert "gate passed" in out, out
    version = next(line.split()[1] for line in out.splitlines() if line.startswith("candidate "))
    card = json.loads((tmp_path / "cand" / "meta.json").read_text())
    assert card["corrections"]["count"] + card["corrections"]["held_back"] == 60
    assert card["corrections"]["sha256"] and card["corrections"]["base_model"]
    listed = json.loads(run("models", "list", "--json", token=bo))
    assert [m["status"] for m in listed] == ["candidate"] and listed[0]["gate"]["passed"]

    run("models", "promote", version, token=bo, code=2)                      # reviewers cannot promote
    assert "is now the active model" in run("models", "promote", version, token=admin)
    assert json.loads(run("models", "list", "--json", token=bo))[0]["status"] == "active"
    report = json.loads(run("review", "report", "--json", token=bo))
    assert report["model_versions"][0]["version"] == version and report["model_versions"][0]["gate_passed"]

    # Evaluate and suggest with that version by its directory.
    out = run("evaluate", str(data / "holdout" / "holdout_notes.jsonl"), "--json", "--model-dir", str(tmp_path / "cand"))
    assert json.loads(out)["micro_f1"] > 0

    # A candidate that is worse on the project hold-out is refused, with the reasons, and cannot be promoted.
    tinier = tmp_path / "tinier"
    _slice(tinier, 64)
    for name in ("no_code.jsonl", "no_code_findings.jsonl"):   # every no-service sentence: a model that finds less
        shutil.copy(ROOT / "training_data" / "sentences" / name, tinier / "sentences" / name)
    out = run("train", "--corrections", review_url, "--out", str(tmp_path / "cand2"), "--data", str(tinier),
              token=bo, code=1)
    assert "gate REFUSED the candidate: project hold-out micro-F1 falls" in out, out
    version2 = next(line.split()[1] for line in out.splitlines() if line.startswith("candidate "))
    assert "refused by the gate" in run("models", "promote", version2, token=admin, code=2)

    assert "the shipped model is in use again" in run("models", "rollback", token=admin)
    assert "nothing to roll back" in run("models", "rollback", token=admin, code=2)
    statuses = {m["version"]: m["status"] for m in json.loads(run("models", "list", "--json", token=bo))}
    assert statuses == {version: "rolled_back", version2: "refused"}

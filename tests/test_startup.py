"""A fresh process starts fast: the phrase index kept on disk between processes (suggester/_index_cache.py) and the
one-shot CLI commands. Results never depend on either."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from suggester import Suggester, _index_cache
from suggester.phrases import PhraseIndex

ROOT = Path(__file__).resolve().parent.parent
NOTES = [
    "TherEx 23 min: SLR 3x10, bridges, clamshells. Manual 10 min: STM to R quad. Gait training 150 ft x2 with SPC, 12 min.",
    "Pt declined manual therapy today. NMR 15': tandem stance on foam, SLS 3x30 s. HEP reviewed.",
    "Exercise   | Time\nBike      | 8 min\nLeg press | 10 min\nTotal timed 18 min",
]


def _outputs(engine):
    return [engine.suggest(t).to_dict() for t in NOTES]


@pytest.fixture()
def cache(tmp_path, monkeypatch):
    where = tmp_path / "cache"
    monkeypatch.setenv("SUGGESTER_CACHE_DIR", str(where))
    return where


def test_cached_index_gives_the_same_results(cache, monkeypatch):
    built = Suggester()                       # builds the index and writes it
    files = sorted(cache.glob("phrases-*.idx"))
    assert len(files) == 1
    loaded = Suggester()                      # reads it back
    monkeypatch.setenv("SUGGESTER_CACHE_DIR", "off")
    uncached = Suggester()
    assert _outputs(built) == _outputs(loaded) == _outputs(uncached)
    assert sorted(cache.glob("phrases-*.idx")) == files


def test_a_damaged_cache_file_is_rebuilt(cache):
    Suggester()
    (path,) = cache.glob("phrases-*.idx")
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) // 2])    # cut short, as by a full disk
    assert _index_cache.load(path.name) is None
    engine = Suggester()
    assert engine.suggest(NOTES[0]).codes == Suggester().suggest(NOTES[0]).codes
    assert _index_cache.load(path.name) is not None   # written again, whole


def test_a_clinic_phrase_is_its_own_index(cache, engine):
    args = (engine.catalogue, engine.settings.label_of, set(engine.settings.col), engine.config)
    plain = PhraseIndex.from_config(*args)
    clinic = PhraseIndex.from_config(*args, {"quokka shuffle drill": "97112"})
    assert len(list(cache.glob("phrases-*.idx"))) == 2
    assert not plain.labels_in("quokka shuffle drill 10 min")
    assert clinic.labels_in("quokka shuffle drill 10 min") == {"97112"}
    again = PhraseIndex.from_config(*args, {"quokka shuffle drill": "97112"})   # from the file
    assert again.labels_in("quokka shuffle drill 10 min") == {"97112"}


def test_caching_off_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("SUGGESTER_CACHE_DIR", "off")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setenv("HOME", str(tmp_path))
    assert _index_cache.cache_dir() is None
    Suggester()
    assert not any(tmp_path.iterdir())


def test_an_unwritable_cache_directory_only_costs_time(tmp_path, monkeypatch):
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    monkeypatch.setenv("SUGGESTER_CACHE_DIR", str(blocked / "cache"))
    assert Suggester().suggest(NOTES[0]).codes


def test_one_shot_cli_prints_everything_and_keeps_exit_codes(engine, tmp_path):
    note = tmp_path / "note.txt"
    note.write_text(NOTES[0])
    out = subprocess.run([sys.executable, "-m", "suggester", "suggest", str(note), "--json"],
                         capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["suggestions"] == engine.suggest(NOTES[0]).to_dict()["suggestions"]
    missing = subprocess.run([sys.executable, "-m", "suggester", "suggest", str(tmp_path / "none.txt")],
                             capture_output=True, text=True, cwd=ROOT)
    assert missing.returncode == 2 and "No such file" in missing.stderr
    check = subprocess.run([sys.executable, "-m", "suggester", "check", str(note), "--json"],
                           capture_output=True, text=True, cwd=ROOT)
    assert check.returncode in (0, 1) and json.loads(check.stdout)

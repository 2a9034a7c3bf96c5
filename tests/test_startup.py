"""A fresh process starts fast: the phrase index kept on disk between processes (suggester/_index_cache.py) and the
one-shot CLI commands. Results never depend on either."""

import json
import os
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


# ---------------------------------------------------------------- compiled patterns kept for the one-shot CLI
_PATTERNS = [(r"\bther(?:apeutic)?\s*ex(?:ercise)?\b", 2), (r"(?P<min>\d{1,3})\s*(?:min|')", 0),
             (r"^\s*(?:A|Assessment)\s*:", 8), (r"[\u2013\-]\s*(\d+)\s*$", 0), (r"(a)|b(?(1)c|d)", 0)]


def test_cached_regex_programs_compile_to_the_same_patterns(cache):
    import re

    from suggester._regex_cache import cached_compiles

    if not __import__("suggester._regex_cache", fromlist=["_SUPPORTED"])._SUPPORTED:
        pytest.skip("the compiled-pattern cache needs CPython 3.11+")
    plain = [re._compiler.compile(p, f) for p, f in _PATTERNS]   # what re.compile builds without the cache
    for _ in range(2):   # first run records and writes the programs, the second reads them back
        with cached_compiles():
            cached = [re._compiler.compile(p, f) for p, f in _PATTERNS]
        assert cached == plain   # Pattern equality compares pattern, flags and the engine's program
        assert [c.groupindex for c in cached] == [p.groupindex for p in plain]
        assert cached[1].search("SLR 12 min").group("min") == "12"
    assert len(list(cache.glob("regex-*.idx"))) == 1
    assert re._compiler.compile.__module__ == "re._compiler"   # the hook is gone after the block
    with pytest.raises(re.error), cached_compiles():
        re._compiler.compile(r"(unclosed", 0)   # a bad pattern still raises as usual


def test_a_damaged_regex_cache_compiles_as_usual(cache):
    import re

    from suggester._regex_cache import cached_compiles

    with cached_compiles():
        re._compiler.compile(_PATTERNS[0][0], _PATTERNS[0][1])
    files = list(cache.glob("regex-*.idx"))
    if not files:
        pytest.skip("the compiled-pattern cache needs CPython 3.11+")
    raw = files[0].read_bytes()
    files[0].write_bytes(raw[:-7] + b"garbage")   # fails its SHA-256 check
    with cached_compiles():
        got = [re._compiler.compile(p, f) for p, f in _PATTERNS]
    assert got == [re._compiler.compile(p, f) for p, f in _PATTERNS]


def test_one_shot_cli_output_is_the_same_with_the_pattern_cache(tmp_path):
    note = tmp_path / "note.txt"
    note.write_text(NOTES[1])
    runs = []
    for where in ("off", str(tmp_path / "c"), str(tmp_path / "c")):   # no cache, writing it, reading it
        env = dict(os.environ, SUGGESTER_CACHE_DIR=where)
        out = subprocess.run([sys.executable, "-m", "suggester", "suggest", str(note), "--json"],
                             capture_output=True, text=True, cwd=ROOT, env=env)
        assert out.returncode == 0, out.stderr
        runs.append(json.loads(out.stdout))
    assert runs[0] == runs[1] == runs[2]
    if sys.version_info >= (3, 11):
        assert list((tmp_path / "c").glob("regex-*.idx"))

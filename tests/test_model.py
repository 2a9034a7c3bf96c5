"""The classifier's estimator contract and the artifact's integrity checks."""

import json
import shutil

import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from suggester import ModelLoadError
from suggester.model import SegmentCodeClassifier, default_model_dir, load_model, save_model

TINY_X = ["TherEx 15 min SLR bridges", "therapeutic exercise quad sets", "gait training with RW 150 ft",
          "ambulation training SPC curbs", "pt reports pain 3/10", "plan continue POC", "heel slides and SLR 3x10",
          "gait trng stairs x4", "BP 120/80", "HEP reviewed"]
TINY_Y = [["97110"], ["97110"], ["97116"], ["97116"], [], [], ["97110"], ["97116"], [], []]


@pytest.fixture(scope="module")
def tiny():
    return SegmentCodeClassifier(calibration_folds=2, max_char_features=500).fit(TINY_X, TINY_Y)


def test_model_params_and_clone():
    est = SegmentCodeClassifier(C=2.0)
    assert est.get_params()["C"] == 2.0
    assert clone(est).get_params() == est.get_params()


def test_model_not_fitted():
    with pytest.raises(NotFittedError):
        SegmentCodeClassifier().predict_proba(["TherEx"])


def test_model_invalid_param():
    with pytest.raises(ValueError, match="C"):
        SegmentCodeClassifier(C=-1).fit(TINY_X, TINY_Y)


def test_model_fit_predict(tiny):
    assert list(tiny.classes_) == ["97110", "97116"]
    proba = tiny.predict_proba(["gait training with SPC"])
    assert proba.shape == (1, 2) and proba[0, 1] > proba[0, 0]
    with pytest.raises(ValueError, match="single string"):
        tiny.predict("TherEx")


def test_model_training_is_reproducible():
    import numpy as np

    a = SegmentCodeClassifier(calibration_folds=2).fit(TINY_X, TINY_Y)
    b = SegmentCodeClassifier(calibration_folds=2).fit(TINY_X, TINY_Y)
    assert np.allclose(a.predict_proba(TINY_X), b.predict_proba(TINY_X))


def test_model_persistence_round_trip(tmp_path, tiny):
    import numpy as np

    save_model(tiny, tmp_path, card={"labels": list(tiny.classes_)})
    model, card = load_model(tmp_path)
    assert card["labels"] == ["97110", "97116"] and len(card["sha256"]) == 64
    # the shipped (compiled, numpy-only) form scores exactly like the scikit-learn estimator
    texts = TINY_X + ["", "  ", "Gait trng 12' w/ SPC, curbs x3", "\u00e9l\u00e8ve " * 50]
    assert np.allclose(model.predict_proba(texts), tiny.predict_proba(texts), atol=1e-5)
    assert model.top_features("97116", 3)[0][1] > 0


def test_compact_artifact_keeps_the_weights_that_matter(tmp_path, tiny):
    import numpy as np

    full = save_model(tiny, tmp_path / "full", card={"labels": list(tiny.classes_)})
    compact = save_model(tiny, tmp_path / "compact", card={"labels": list(tiny.classes_)}, prune_below=0.05)
    assert compact["sha256"] != full["sha256"]
    model, _ = load_model(tmp_path / "compact")
    kept = np.abs(tiny.coef_) >= 0.05
    assert np.array_equal(model.coef_ != 0, kept)           # exactly the weights above the threshold survive
    assert np.allclose(model.predict_proba(TINY_X), tiny.predict_proba(TINY_X), atol=0.05)
    with pytest.raises(ValueError, match="prune_below"):
        tiny.compiled_state(prune_below=-1)


def test_shipped_model_is_compact():
    card = json.loads((default_model_dir() / "meta.json").read_text())
    assert (default_model_dir() / "model.npz").stat().st_size <= 5_000_000
    assert card["prune_below"] > 0 and card["nonzero_weights"] < len(card["labels"]) * 20_000


def test_model_loading_does_not_import_sklearn():
    import subprocess
    import sys

    code = ("import sys; from suggester import Suggester; e = Suggester(); e.suggest('TherEx 20 min: SLR');"
            "print('sklearn' in sys.modules, 'scipy' in sys.modules, 'joblib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False", "False"]


def _rewrite_artifact(directory, name, data):
    """Replace a model directory's artifact with ``data`` and record its hash, as a careful attacker would."""
    import hashlib

    digest = hashlib.sha256(data).hexdigest()
    (directory / name).write_bytes(data)
    (directory / "model.sha256").write_text(f"{digest}  {name}\n")
    card = json.loads((directory / "meta.json").read_text())
    (directory / "meta.json").write_text(json.dumps(dict(card, sha256=digest)))


class _Touch:
    """Unpickling this runs code: it creates ``path``."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (self.path.touch, ())


def test_model_artifact_is_never_unpickled(tmp_path, tiny):
    # an artifact that needs unpickling (an object array) is refused, and its code never runs, even when its hash
    # has been recorded
    import io

    import numpy as np

    save_model(tiny, tmp_path, card={"labels": list(tiny.classes_)})
    with np.load(tmp_path / "model.npz") as npz:
        arrays = dict(npz)
    ran = tmp_path / "code_ran"
    arrays["intercept"] = np.array([_Touch(ran), 0.0], dtype=object)
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    _rewrite_artifact(tmp_path, "model.npz", buf.getvalue())
    with pytest.raises(ModelLoadError, match="could not be loaded"):
        load_model(tmp_path)
    assert not ran.exists()


def test_model_directory_written_before_npz_still_loads(tmp_path, tiny):
    # clinics keep model directories trained with earlier versions: a pickled model.joblib with its hash still loads
    import io

    import joblib
    import numpy as np

    save_model(tiny, tmp_path, card={"labels": list(tiny.classes_)})
    (tmp_path / "model.npz").unlink()
    buf = io.BytesIO()
    joblib.dump(tiny.compiled_state(), buf)
    _rewrite_artifact(tmp_path, "model.joblib", buf.getvalue())
    model, _ = load_model(tmp_path)
    assert np.allclose(model.predict_proba(TINY_X), tiny.predict_proba(TINY_X), atol=1e-5)
    save_model(tiny, tmp_path, card={"labels": list(tiny.classes_)})   # retraining writes the new form only
    assert sorted(p.name for p in tmp_path.iterdir()) == ["meta.json", "model.npz", "model.sha256"]


def test_model_tampered_artifact_is_refused(tmp_path):
    shutil.copytree(default_model_dir(), tmp_path / "m", ignore=shutil.ignore_patterns("__init__.py", "__pycache__"))
    art = tmp_path / "m" / "model.npz"
    art.write_bytes(art.read_bytes()[:-10] + b"0123456789")
    with pytest.raises(ModelLoadError, match="SHA-256.*suggester train"):
        load_model(tmp_path / "m")


def test_model_missing_is_refused(tmp_path):
    with pytest.raises(ModelLoadError, match="missing model.npz"):
        load_model(tmp_path)


def test_model_label_mismatch_is_refused(tmp_path, tiny):
    save_model(tiny, tmp_path, card={"labels": list(tiny.classes_)})
    with pytest.raises(ModelLoadError, match="not list as suggestible"):
        load_model(tmp_path, labels_allowed={"97110"})
    card = json.loads((tmp_path / "meta.json").read_text())
    card["labels"] = ["97110"]
    (tmp_path / "meta.json").write_text(json.dumps(card))
    with pytest.raises(ModelLoadError, match="do not match"):
        load_model(tmp_path)


def test_model_shipped_card(engine):
    card = engine.model_card
    for key in ("labels", "training_data_sha256", "cv_metrics", "created", "versions", "catalogue_sha256"):
        assert key in card


def test_remembered_segment_scores_are_the_scores(engine):
    # template lines repeat across a clinic's notes: their scores are remembered, and are exactly the computed ones
    model = engine.model
    texts = ["Pt tolerated treatment well.", "TherEx 15 min: bridges, SLR.", "Pt tolerated treatment well."]
    model.clear_cache()
    first = model.predict_proba(texts)
    again = model.predict_proba(texts)
    model.clear_cache()
    fresh = model.predict_proba(texts[:2])
    assert (first == again).all() and (first[0] == first[2]).all() and (fresh == first[:2]).all()


def test_batch_scoring_gives_each_segments_own_scores(engine):
    """All segments of a batch are scored with one set of array operations (CompiledClassifier._scores_many):
    the same numbers as scoring them one at a time, for empty, repeated and unknown-word segments too (the
    scikit-learn equivalence is test_model_persistence_round_trip)."""
    import numpy as np

    texts = ["TherEx 23 min: SLR 3x10, bridges", "", "Manual 10 min: STM R quad", "zzqx vvbn", "TherEx 23 min: SLR 3x10, bridges",
             "Gait training 150 ft x2 with SPC; tandem stance on foam 3x30 s", "   "]
    model = engine.model
    one_by_one = np.vstack([model._scores_many([t])[0] for t in texts])
    together = np.vstack(model._scores_many(texts))
    assert together.shape == (len(texts), len(model.classes_))
    np.testing.assert_allclose(together, one_by_one, rtol=0, atol=1e-12)
    assert not together[1].any() and not together[6].any()


def test_remembered_texts_are_answered_when_the_memo_fills_up():
    # a batch mixing a remembered text with new ones that fill the memo past its limit: the memo is cleared to keep
    # memory flat, and every text of the batch still gets its reading (a long audit run reaches the limit)
    from suggester._memo import TextMemo

    memo = TextMemo(limit=3)
    read_many = lambda ts: [t.upper() for t in ts]  # noqa: E731
    assert memo.get_many(["a", "b"], read_many) == ["A", "B"]
    assert memo.get_many(["a", "c", "d"], read_many) == ["A", "C", "D"]
    assert len(memo) <= 3

"""Assemble the training corpus and fit the segment classifier reproducibly."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import numpy as np

from ..catalogue import Catalogue, load_catalogue
from ..errors import InputError
from .classifier import SegmentCodeClassifier
from .labels import model_labels

__all__ = ["load_corpus", "model_labels", "train"]


def load_corpus(data_dir: str | Path, catalogue: Catalogue | None = None, *, twins: bool = False,
                min_words: int = 4) -> tuple[list[str], list[tuple[str, ...]], str]:
    """Read ``data_dir/sentences/*.jsonl`` and the catalogue's activity examples; with ``twins``, also the
    real-style twins' segments in ``data_dir/real_style/train_*.jsonl`` (segments under ``min_words`` words
    that document no code, such as bare headers, are skipped). The shipped model is trained without the twins:
    with them dev and dev2 micro-F1 went down (see training_data/README.md).

    Returns texts, label sets and a SHA-256 over the sentence files and the catalogue.
    Raises InputError naming the file and line of a malformed record.
    """
    catalogue = catalogue or load_catalogue()
    labels = model_labels(catalogue)
    files = sorted(Path(data_dir, "sentences").glob("*.jsonl"))
    if not files:
        raise InputError(f"No training files found in {Path(data_dir, 'sentences')}; expected *.jsonl sentence files.")
    digest = hashlib.sha256(catalogue.sha256.encode())
    texts: list[str] = []
    ys: list[tuple[str, ...]] = []
    for path in files:
        for lineno, line in _lines(path, digest):
            try:
                rec = json.loads(line)
                text, codes = rec["text"], rec["codes"]
            except (ValueError, KeyError, TypeError):
                raise InputError(f"{path.name} line {lineno}: expected JSON with 'text' and 'codes'.") from None
            texts.append(text)
            ys.append(_label_set(codes, labels, f"{path.name} line {lineno}"))
    for path in sorted(Path(data_dir, "real_style").glob("train_*.jsonl")) if twins else ():
        # style twins of real notes: each note's segments with the codes each segment documents
        for lineno, line in _lines(path, digest):
            try:
                segments = [(seg["text"], seg["codes"]) for seg in json.loads(line)["segments"]]
            except (ValueError, KeyError, TypeError):
                raise InputError(f"{path.name} line {lineno}: expected JSON with 'segments': [{{'text', 'codes'}}].") from None
            for text, codes in segments:
                y = _label_set(codes, labels, f"{path.name} line {lineno}")
                if len(text.split()) >= min_words or codes:  # a bare header or label teaches nothing
                    texts.append(text.strip())
                    ys.append(y)
    for code, label in labels.items():
        for example in catalogue[code].examples:
            texts.append(example)
            ys.append((label,))
    return texts, ys, digest.hexdigest()


def _lines(path: Path, digest):
    """Non-empty lines of a JSONL file with their numbers; the file's bytes go into ``digest``."""
    raw = path.read_bytes()
    digest.update(path.name.encode() + b"\0" + raw)
    for lineno, line in enumerate(raw.decode("utf-8").splitlines(), 1):
        if line.strip():
            yield lineno, line


def _label_set(codes, labels: dict, where: str) -> tuple[str, ...]:
    unknown = [c for c in codes if c not in labels]
    if unknown:
        raise InputError(f"{where}: codes {unknown} are not suggestible catalogue codes.")
    return tuple(sorted({labels[c] for c in codes}))


def _cv_metrics(model: SegmentCodeClassifier, ys) -> dict:
    Y = model.label_binarizer_.transform(ys)
    proba = 1.0 / (1.0 + np.exp(-(model.oof_scores_ * model.platt_[:, 0] + model.platt_[:, 1])))
    pred = proba >= 0.5
    tp = int((pred & (Y == 1)).sum())
    fp = int((pred & (Y == 0)).sum())
    fn = int((~pred & (Y == 1)).sum())
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return {"folds": model.calibration_folds, "segment_micro_precision": round(p, 4),
            "segment_micro_recall": round(r, 4), "segment_micro_f1": round(2 * p * r / (p + r), 4) if p + r else 0.0}


def note_calibration(model: SegmentCodeClassifier, texts, ys, catalogue: Catalogue, *, n_notes: int = 4000,
                     seed: int = 0) -> dict:
    """Isotonic map from the engine's raw note-level score to the chance that the code is right.

    Built only from training data: out-of-fold segment probabilities (with the same catalogue phrase
    boost the engine applies) are pooled into synthetic notes of 3-12 segments; a code's raw note score
    is its best segment score, and it is right when one of the note's segments carries it.
    """
    from sklearn.isotonic import IsotonicRegression

    from .._resources import packaged_json
    from ..phrases import PhraseIndex

    config = packaged_json("engine.json")
    weight = float(config["phrase_weight"])
    floor = float(config["thresholds"]["candidate"])
    classes = [str(c) for c in model.classes_]
    col = {c: j for j, c in enumerate(classes)}
    proba = 1.0 / (1.0 + np.exp(-(model.oof_scores_ * model.platt_[:, 0] + model.platt_[:, 1])))
    index = PhraseIndex.from_config(catalogue, model_labels(catalogue), set(classes), config)
    for i, text in enumerate(texts):
        for lab in index.labels_in(text):
            proba[i, col[lab]] = 1.0 - (1.0 - proba[i, col[lab]]) * (1.0 - weight)
    Y = model.label_binarizer_.transform(ys).astype(bool)
    rng = np.random.default_rng(seed)
    raw, right = [], []
    for _ in range(n_notes):
        idx = rng.choice(len(texts), size=int(rng.integers(3, 13)), replace=False)
        score = proba[idx].max(axis=0)
        gold = Y[idx].any(axis=0)
        keep = score >= floor
        raw.append(score[keep])
        right.append(gold[keep])
    raw_all, right_all = np.concatenate(raw), np.concatenate(right).astype(float)
    iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(raw_all, right_all)
    return {"method": "isotonic on synthetic notes from out-of-fold segment scores", "n_pairs": int(len(raw_all)),
            "x": [round(float(v), 6) for v in iso.X_thresholds_], "y": [round(float(v), 6) for v in iso.y_thresholds_]}


def train(data_dir: str | Path = "training_data", out_dir: str | Path | None = None, *, twins: bool = False,
          prune_below: float = 0.05, extra: tuple[list, list] | None = None, card_extra: dict | None = None,
          corpus: tuple[list, list, str] | None = None, **params) -> dict:
    """Fit the classifier on ``data_dir`` (with the real-style twins when ``twins``) and write it, with its
    model card, to ``out_dir``. Weights smaller in magnitude than ``prune_below`` are left out of the artifact
    (measured 2026-12-05: 0.05 keeps 10% of the weights, a 4 MB artifact instead of 22 MB, with dev, dev2 and
    hold-out micro-F1 unchanged). ``extra`` adds segments and label sets (a clinic's corrections, see
    :mod:`suggester.learning`), ``card_extra`` fields to the model card; ``corpus`` is :func:`load_corpus`'s answer
    for ``data_dir`` when the caller has read it already."""
    from .persistence import default_model_dir, save_model

    catalogue = load_catalogue()
    texts, ys, data_hash = corpus or load_corpus(data_dir, catalogue, twins=twins)
    if extra is not None:
        texts, ys = texts + list(extra[0]), ys + [tuple(y) for y in extra[1]]
    started = time.perf_counter()
    model = SegmentCodeClassifier(**params).fit(texts, ys)
    seconds = time.perf_counter() - started
    metrics = _cv_metrics(model, ys)
    calibration = note_calibration(model, texts, ys, catalogue)
    del model.oof_scores_  # not needed at inference; keeps the artifact small
    counts: dict[str, int] = {}
    for y in ys:
        for c in y:
            counts[c] = counts.get(c, 0) + 1
    card = {"labels": [str(c) for c in model.classes_], "catalogue_version": catalogue.version,
            "catalogue_sha256": catalogue.sha256, "training_data_sha256": data_hash,
            "n_segments": len(texts), "with_twins": twins, "n_without_code": sum(1 for y in ys if not y),
            "label_counts": dict(sorted(counts.items())), "params": model.get_params(),
            "cv_metrics": metrics, "train_seconds": round(seconds, 1), "note_calibration": calibration,
            "prune_below": prune_below,
            "nonzero_weights": int((abs(model.coef_) >= prune_below).sum()) if prune_below else int(model.coef_.size),
            **(card_extra or {})}
    return save_model(model, out_dir or default_model_dir(), card=card, prune_below=prune_below)

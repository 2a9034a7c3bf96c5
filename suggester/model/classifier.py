"""TF-IDF + one-vs-rest logistic regression over note segments, with Platt-calibrated probabilities.

:class:`SegmentCodeClassifier` follows the scikit-learn estimator contract: keyword
``__init__`` that only stores parameters, ``_parameter_constraints`` checked in
``fit``, learned attributes with a trailing underscore, ``check_is_fitted`` in
``predict``/``predict_proba``. Inference is a single sparse matrix product, so a
whole note's clauses are scored in one call.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold
from sklearn.pipeline import FeatureUnion
from sklearn.preprocessing import MultiLabelBinarizer
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted

from .text import normalise

__all__ = ["SegmentCodeClassifier"]


def _as_texts(X) -> list[str]:
    if isinstance(X, str):
        raise ValueError("Expected an iterable of strings (one per segment), got a single string; wrap it in a list.")
    texts = list(X)
    for i, t in enumerate(texts):
        if not isinstance(t, str):
            raise ValueError(f"Expected strings; element {i} is {type(t).__name__}.")
    return texts


def _as_label_sets(y) -> list[tuple[str, ...]]:
    out = []
    for labels in y:
        if isinstance(labels, str):
            out.append((labels,) if labels else ())
        else:
            out.append(tuple(str(c) for c in labels))
    return out


class SegmentCodeClassifier(ClassifierMixin, BaseEstimator):
    """Multi-label classifier mapping a note segment to billing codes.

    Parameters
    ----------
    C : float, default=8.0
        Inverse regularisation strength of each one-vs-rest logistic regression.
    word_ngram_range : tuple, default=(1, 2)
    char_ngram_range : tuple or None, default=(2, 5)
        Character n-grams within word boundaries; None for word n-grams only.
    max_char_features : int, default=40000
    min_df : int, default=1
    calibration_folds : int, default=5
        Folds of out-of-fold decision scores used to fit the per-code Platt scaling.
    random_state : int, default=0

    Attributes
    ----------
    classes_ : ndarray of str
        The codes, in column order of :meth:`predict_proba`.
    vectorizer_ : FeatureUnion
    coef_ : ndarray of shape (n_classes, n_features), float32
    intercept_ : ndarray of shape (n_classes,)
    platt_ : ndarray of shape (n_classes, 2)
        Slope and offset mapping decision scores to calibrated probabilities.
    """

    _parameter_constraints: dict = {
        "C": [Interval(Real, 0, None, closed="neither")],
        "word_ngram_range": [tuple],
        "char_ngram_range": [tuple, None],
        "max_char_features": [Interval(Integral, 1, None, closed="left")],
        "min_df": [Interval(Integral, 1, None, closed="left")],
        "calibration_folds": [Interval(Integral, 2, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(self, *, C=8.0, word_ngram_range=(1, 2), char_ngram_range=(2, 5), max_char_features=40000,
                 min_df=1, calibration_folds=5, random_state=0):
        self.C = C
        self.word_ngram_range = word_ngram_range
        self.char_ngram_range = char_ngram_range
        self.max_char_features = max_char_features
        self.min_df = min_df
        self.calibration_folds = calibration_folds
        self.random_state = random_state

    def _make_vectorizer(self) -> FeatureUnion:
        parts = [("word", TfidfVectorizer(lowercase=False, ngram_range=self.word_ngram_range, min_df=self.min_df,
                                          sublinear_tf=True, token_pattern=r"(?u)\b[\w#/'+-]+\b"))]
        if self.char_ngram_range is not None:  # None = word n-grams only (faster, see bench/results.md)
            parts.append(("char", TfidfVectorizer(lowercase=False, analyzer="char_wb", ngram_range=self.char_ngram_range,
                                                  min_df=max(self.min_df, 2), sublinear_tf=True,
                                                  max_features=self.max_char_features)))
        return FeatureUnion(parts)

    def _fit_linear(self, X, Y) -> tuple[np.ndarray, np.ndarray]:
        coefs, intercepts = [], []
        for j in range(Y.shape[1]):
            y = Y[:, j]
            if y.min() == y.max():
                coefs.append(np.zeros(X.shape[1]))
                intercepts.append(10.0 if y[0] else -10.0)
                continue
            lr = LogisticRegression(C=self.C, solver="liblinear", class_weight="balanced",
                                    random_state=self.random_state, max_iter=1000)
            lr.fit(X, y)
            coefs.append(lr.coef_[0])
            intercepts.append(lr.intercept_[0])
        return np.vstack(coefs), np.asarray(intercepts)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Fit on segment texts ``X`` and label sets ``y`` (each an iterable of codes; empty = no code)."""
        texts = [normalise(t) for t in _as_texts(X)]
        label_sets = _as_label_sets(y)
        if len(texts) != len(label_sets):
            raise ValueError(f"X has {len(texts)} texts but y has {len(label_sets)} label sets.")
        if len(texts) < self.calibration_folds:
            raise ValueError(f"Need at least calibration_folds={self.calibration_folds} samples, got {len(texts)}.")
        self.label_binarizer_ = MultiLabelBinarizer()
        Y = self.label_binarizer_.fit_transform(label_sets)
        if Y.shape[1] == 0:
            raise ValueError("y contains no labels at all; at least one segment must carry a code.")
        self.classes_ = self.label_binarizer_.classes_.astype(object)
        # Out-of-fold decision scores -> per-code Platt scaling (calibrated confidences).
        oof = np.zeros(Y.shape, dtype=float)
        folds = KFold(n_splits=self.calibration_folds, shuffle=True, random_state=self.random_state)
        for train_idx, test_idx in folds.split(texts):
            vec = self._make_vectorizer()
            Xtr = vec.fit_transform([texts[i] for i in train_idx])
            Xte = vec.transform([texts[i] for i in test_idx])
            W, b = self._fit_linear(Xtr, Y[train_idx])
            oof[test_idx] = np.asarray(Xte @ W.T) + b
        self.platt_ = np.zeros((Y.shape[1], 2))
        for j in range(Y.shape[1]):
            if Y[:, j].min() == Y[:, j].max():
                self.platt_[j] = (1.0, 0.0)
                continue
            cal = LogisticRegression(C=1e4, solver="lbfgs").fit(oof[:, [j]], Y[:, j])
            self.platt_[j] = (cal.coef_[0, 0], cal.intercept_[0])
        self.oof_scores_ = oof
        self.vectorizer_ = self._make_vectorizer()
        Xall = self.vectorizer_.fit_transform(texts)
        W, b = self._fit_linear(Xall, Y)
        # Fortran order: coef_.T is C-contiguous, so scoring (X @ coef_.T) never copies the weights.
        self.coef_ = np.asfortranarray(W.astype(np.float32))
        self.intercept_ = b
        self.n_features_in_ = Xall.shape[1]
        return self

    def decision_function(self, X) -> np.ndarray:
        check_is_fitted(self)
        Xv = self.vectorizer_.transform([normalise(t) for t in _as_texts(X)])
        # Same dtype as the weights, so scipy never upcasts (copies) the whole weight matrix.
        return np.asarray(Xv.astype(self.coef_.dtype, copy=False) @ self.coef_.T, dtype=float) + self.intercept_

    def predict_proba(self, X) -> np.ndarray:
        """Calibrated probability that each segment supports each code (columns = ``classes_``)."""
        check_is_fitted(self)
        scores = self.decision_function(X)
        return 1.0 / (1.0 + np.exp(-(scores * self.platt_[:, 0] + self.platt_[:, 1])))

    def predict(self, X) -> list[tuple[str, ...]]:
        """Label sets with calibrated probability >= 0.5."""
        proba = self.predict_proba(X)
        return [tuple(self.classes_[proba[i] >= 0.5]) for i in range(proba.shape[0])]

    def top_features(self, code: str, n: int = 15) -> list[tuple[str, float]]:
        """The ``n`` features with the largest positive weight for ``code``."""
        check_is_fitted(self)
        j = list(self.classes_).index(code)
        names = self.vectorizer_.get_feature_names_out()
        order = np.argsort(-self.coef_[j])[:n]
        return [(str(names[k]), float(self.coef_[j, k])) for k in order]

    def compiled_state(self, *, prune_below: float = 0.0) -> dict:
        """The fitted state as plain arrays and strings, for :class:`~suggester.model.compiled.CompiledClassifier`.

        ``prune_below`` > 0 writes the compact form: weights smaller in magnitude than it are dropped and the rest
        kept sparse as float16 (the vocabulary and idf stay whole, so each segment's tf-idf norm is unchanged).
        0 keeps every weight as float32 and scores exactly like this estimator.
        """
        check_is_fitted(self)
        if prune_below < 0:
            raise ValueError(f"prune_below must be >= 0, got {prune_below}.")
        vecs = []
        for name, v in self.vectorizer_.transformer_list:
            terms = sorted(v.vocabulary_, key=v.vocabulary_.__getitem__)
            vecs.append({"kind": "word" if v.analyzer == "word" else "char_wb", "ngram_range": list(v.ngram_range),
                         "vocabulary": "\x00".join(terms), "idf": np.asarray(v.idf_, dtype=float),
                         "token_pattern": v.token_pattern if v.analyzer == "word" else None,
                         "sublinear_tf": bool(v.sublinear_tf)})
        state = {"format": "suggester-compiled-1", "classes": [str(c) for c in self.classes_],
                 "intercept": np.asarray(self.intercept_, dtype=float),
                 "platt": np.asarray(self.platt_, dtype=float), "vectorizers": vecs, "params": self.get_params()}
        W = np.asarray(self.coef_, dtype=np.float32)
        if not prune_below:
            return dict(state, coef=W)
        flat = np.flatnonzero(np.abs(np.ravel(W, order="C")) >= prune_below)
        return dict(state, format="suggester-compiled-2", coef_shape=list(W.shape), prune_below=float(prune_below),
                    coef_index=flat.astype(np.int32 if W.size < 2**31 else np.int64),
                    coef_value=np.ravel(W, order="C")[flat].astype(np.float16))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        tags.target_tags.multi_output = True
        return tags

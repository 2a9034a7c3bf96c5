"""The shipped inference form of :class:`~suggester.model.SegmentCodeClassifier`: numpy only.

Training uses the scikit-learn estimator; ``suggester train`` then saves its fitted state as plain
arrays and strings (``SegmentCodeClassifier.compiled_state()``), which this class scores with the same
arithmetic as ``TfidfVectorizer`` + the linear model + Platt scaling. Format 1 holds every weight (dense
float32); format 2, the shipped one, only the weights that matter (sparse float16, see ``prune_below``). Loading it imports neither
scikit-learn nor scipy, which keeps a fresh process (the CLI) fast. ``tests/test_model.py`` checks
that both give the same probabilities.
"""

from __future__ import annotations

import re
from collections import Counter

import numpy as np

from .._memo import TextMemo
from .text import normalise

__all__ = ["CompiledClassifier"]

_WHITE = re.compile(r"\s\s+")
_SEP = "\x00"
_WORD_CACHE_MAX = 200_000  # words whose character n-gram ids are remembered (cleared when full)
_ROW_CACHE_MAX = 20_000    # segment texts whose scores are remembered: template lines repeat across a clinic's notes


class CompiledClassifier:
    """Score note segments from a compiled state dict (see ``SegmentCodeClassifier.compiled_state``)."""

    def __init__(self, state: dict) -> None:
        self.classes_ = np.asarray(state["classes"], dtype=object)
        if state.get("format") == "suggester-compiled-2":  # compact: pruned weights, sparse float16
            n_classes, n_features = (int(x) for x in state["coef_shape"])
            flat = np.asarray(state["coef_index"], dtype=np.int64)   # row-major (class, feature) positions
            coef_t = np.zeros(n_classes * n_features, dtype=np.float32)
            # written straight into the (feature, class) layout scoring reads, without a second copy
            coef_t[(flat % n_features) * n_classes + flat // n_features] = np.asarray(state["coef_value"], dtype=np.float32)
            self._coef_t = coef_t.reshape(n_features, n_classes)   # C-contiguous (n_features, n_classes)
            self.coef_ = self._coef_t.T
        else:
            self.coef_ = np.asfortranarray(state["coef"], dtype=np.float32)
            self._coef_t = self.coef_.T  # C-contiguous (n_features, n_classes)
        self.intercept_ = np.asarray(state["intercept"], dtype=float)
        self.platt_ = np.asarray(state["platt"], dtype=float)
        self.params = dict(state.get("params", {}))
        self._vecs = []
        offset = 0
        for v in state["vectorizers"]:
            terms = v["vocabulary"].split(_SEP) if v["vocabulary"] else []
            self._vecs.append({
                "kind": v["kind"], "ngram_range": tuple(v["ngram_range"]), "offset": offset,
                "vocab": dict(zip(terms, range(len(terms)))), "idf": np.asarray(v["idf"], dtype=float),
                "token": re.compile(v["token_pattern"]) if v.get("token_pattern") else None,
                "sublinear": bool(v["sublinear_tf"]), "terms": terms, "cache": {},
            })
            offset += len(terms)
        self.n_features_in_ = offset
        self._rows = TextMemo(_ROW_CACHE_MAX)   # segment text -> its scores before the intercept

    # --- analyzers: the same n-grams TfidfVectorizer builds -------------------------------------
    @staticmethod
    def _word_ngrams(tokens: list[str], lo: int, hi: int) -> list[str]:
        if hi == 1:
            return tokens
        out = list(tokens) if lo == 1 else []
        lo = max(lo, 2)
        n_tok = len(tokens)
        for n in range(lo, min(hi + 1, n_tok + 1)):
            out.extend(" ".join(tokens[i:i + n]) for i in range(n_tok - n + 1))
        return out

    @staticmethod
    def _char_wb_ngrams(text: str, lo: int, hi: int) -> list[str]:
        out = []
        for w in _WHITE.sub(" ", text).split():
            w = " " + w + " "
            w_len = len(w)
            for n in range(lo, hi + 1):
                offset = 0
                out.append(w[offset:offset + n])
                while offset + n < w_len:
                    offset += 1
                    out.append(w[offset:offset + n])
                if offset == 0:
                    break
        return out

    def _char_ids(self, v: dict, text: str, lo: int, hi: int) -> list[int]:
        """Vocabulary ids of the character n-grams of every word of ``text``, in n-gram order. A word's ids
        are worked out once and remembered: notes reuse a small vocabulary, so most words are cache hits."""
        vocab, cache = v["vocab"], v["cache"]
        ids: list[int] = []
        for w in text.split():
            got = cache.get(w)
            if got is None:
                got = [j for g in self._char_wb_ngrams(w, lo, hi) if (j := vocab.get(g)) is not None]
                if len(cache) >= _WORD_CACHE_MAX:
                    cache.clear()
                cache[w] = got
            ids.extend(got)
        return ids

    def _counts(self, v: dict, text: str) -> dict[int, int]:
        """Term id -> count of one vectorizer's n-grams in ``text``."""
        lo, hi = v["ngram_range"]
        if v["kind"] != "word":
            return Counter(self._char_ids(v, text, lo, hi))
        vocab = v["vocab"]
        counts: dict[int, int] = {}
        for g, c in Counter(self._word_ngrams(v["token"].findall(text), lo, hi)).items():
            j = vocab.get(g)  # count in C, then look each distinct n-gram up once
            if j is not None:
                counts[j] = c
        return counts

    def _scores_many(self, texts: list[str]) -> list[np.ndarray]:
        """The scores before the intercept of many segments, with one set of array operations for all of them:
        each vectorizer's counts of every segment in one array, their tf-idf rows normalised together, the weight
        rows gathered once and summed per segment (``TfidfVectorizer`` + the linear model's arithmetic; each segment's
        scores are its own, whatever else is in the batch)."""
        n = len(texts)
        normalised = [normalise(t) for t in texts]
        out = np.zeros((n, len(self.classes_)))
        for v in self._vecs:
            ids: list[int] = []
            tfs: list[int] = []
            sizes = []
            for t in normalised:
                c = self._counts(v, t)
                ids += c.keys()
                tfs += c.values()
                sizes.append(len(c))
            if not ids:
                continue
            idx = np.asarray(ids, dtype=np.int64)
            tf = np.asarray(tfs, dtype=float)
            sizes = np.asarray(sizes)
            starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
            has = sizes > 0
            if v["sublinear"]:
                tf = np.log(tf) + 1.0
            vals = tf * v["idf"][idx]
            norms = np.sqrt(np.add.reduceat(vals * vals, starts[has]))
            vals /= np.repeat(np.where(norms > 0, norms, 1.0), sizes[has])
            out[has] += np.add.reduceat(self._coef_t[idx + v["offset"]].astype(float) * vals[:, None], starts[has], axis=0)
        return list(out)

    def clear_cache(self) -> None:
        """Forget the remembered segment scores (benchmarks time texts the model has not seen)."""
        self._rows.clear()

    # --- the estimator-like surface the engine uses -------------------------------------------------
    def decision_function(self, X) -> np.ndarray:
        if isinstance(X, str):
            raise ValueError("Expected an iterable of strings (one per segment), got a single string; wrap it in a list.")
        texts = list(X)
        if not texts:
            return np.empty((0, len(self.classes_)))
        return np.vstack(self._rows.get_many(texts, self._scores_many)) + self.intercept_

    def predict_proba(self, X) -> np.ndarray:
        scores = self.decision_function(X)
        return 1.0 / (1.0 + np.exp(-(scores * self.platt_[:, 0] + self.platt_[:, 1])))

    def predict(self, X) -> list[tuple[str, ...]]:
        proba = self.predict_proba(X)
        return [tuple(self.classes_[proba[i] >= 0.5]) for i in range(proba.shape[0])]

    def feature_names(self) -> list[str]:
        return [f"{v['kind']}__{t}" for v in self._vecs for t in v["terms"]]

    def top_features(self, code: str, n: int = 15) -> list[tuple[str, float]]:
        """The ``n`` features with the largest positive weight for ``code``."""
        j = list(self.classes_).index(code)
        names = self.feature_names()
        order = np.argsort(-self.coef_[j])[:n]
        return [(names[k], float(self.coef_[j, k])) for k in order]

"""Tables behind the notebooks in ``notebooks/``: the training corpus, scores on labelled notes,
confusion between codes, calibration, and a synthetic billing batch for the audit.

Every function returns plain pandas/NumPy objects, so a notebook only calls and plots. Nothing here
logs note text.

>>> from suggester.analysis import expected_calibration_error
>>> expected_calibration_error([0.9, 0.9, 0.1, 0.1], [1, 1, 0, 0], bins=10)
0.1
"""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from .errors import InputError

__all__ = [
    "code_confusion",
    "code_sets",
    "corpus_frame",
    "corpus_summary",
    "expected_calibration_error",
    "label_counts",
    "match_injected",
    "predict_notes",
    "reliability_table",
    "suggestion_frame",
    "synthetic_billing",
    "top_terms",
    "unexpected_findings",
]

CATALOGUE_SOURCE = "catalogue_examples"
NOT_PREDICTED = "(not predicted)"
NOT_IN_GOLD = "(not in gold)"


# ---------------------------------------------------------------------------------------------- corpus
def corpus_frame(data_dir: str | Path = "training_data", catalogue=None) -> pd.DataFrame:
    """The training corpus exactly as :func:`suggester.model.load_corpus` builds it, one row per segment.

    Columns: ``source`` (the sentence file's stem, or ``"catalogue_examples"`` for the catalogue's
    activity examples added at train time), ``text``, ``codes`` (tuple of model labels; empty = no
    code), ``n_codes``, ``style`` and ``kind`` (from the JSONL record, missing (NA) when absent), ``n_words``
    and ``n_chars``.
    """
    from .model import load_corpus

    texts, ys, _ = load_corpus(data_dir, catalogue)
    rows, file_texts = [], []
    for path in sorted(Path(data_dir, "sentences").glob("*.jsonl")):
        for line in path.read_text("utf-8").splitlines():
            if line.strip():
                rec = json.loads(line)
                rows.append({"source": path.stem, "style": rec.get("style"), "kind": rec.get("kind")})
                file_texts.append(rec["text"])
    if file_texts != texts[:len(file_texts)]:
        raise InputError(f"{data_dir}: the sentence files changed while being read; run again.")
    rows += [{"source": CATALOGUE_SOURCE, "style": None, "kind": None}] * (len(texts) - len(rows))
    frame = pd.DataFrame(rows)
    frame.insert(1, "text", texts)
    frame.insert(2, "codes", [tuple(y) for y in ys])
    frame.insert(3, "n_codes", [len(y) for y in ys])
    frame["n_words"] = [len(t.split()) for t in texts]
    frame["n_chars"] = [len(t) for t in texts]
    return frame


def label_counts(corpus: pd.DataFrame, catalogue=None) -> pd.DataFrame:
    """Segments per code: ``total`` and one column per source, most frequent code first.

    With a catalogue, adds the code's ``label`` and ``category``. A segment with two codes counts for both.
    """
    exploded = corpus[["source", "codes"]].explode("codes").dropna(subset=["codes"])
    if exploded.empty:
        return pd.DataFrame(columns=["total"])
    table = pd.crosstab(exploded["codes"], exploded["source"])
    table.columns.name = None
    table.insert(0, "total", table.sum(axis=1))
    table.index.name = "code"
    table = table.sort_values(["total"], ascending=False, kind="stable")
    if catalogue is not None:
        table.insert(0, "category", [catalogue[c].category if c in catalogue else None for c in table.index])
        table.insert(0, "label", [catalogue[c].label if c in catalogue else None for c in table.index])
    return table


def corpus_summary(corpus: pd.DataFrame) -> dict:
    """Datasheet facts: sizes, share without a code, codes, styles, kinds and segment lengths."""
    from_files = corpus[corpus["source"] != CATALOGUE_SOURCE]
    codes = Counter(c for cs in corpus["codes"] for c in cs)
    return {
        "segments": int(len(corpus)),
        "from_sentence_files": int(len(from_files)),
        "catalogue_examples": int(len(corpus) - len(from_files)),
        "files": sorted(from_files["source"].unique().tolist()),
        "without_code": int((corpus["n_codes"] == 0).sum()),
        "with_two_or_more_codes": int((corpus["n_codes"] >= 2).sum()),
        "codes": len(codes),
        "fewest_segments_per_code": min(codes.values()) if codes else 0,
        "styles": {k: int(v) for k, v in from_files["style"].value_counts().items()},
        "kinds": {k: int(v) for k, v in from_files["kind"].value_counts().items()},
        "median_words": float(corpus["n_words"].median()) if len(corpus) else 0.0,
        "p95_words": float(corpus["n_words"].quantile(0.95)) if len(corpus) else 0.0,
        "max_words": int(corpus["n_words"].max()) if len(corpus) else 0,
    }


def top_terms(corpus: pd.DataFrame, codes: Sequence[str] | None = None, n: int = 10,
              min_segments: int = 2) -> pd.DataFrame:
    """The words most typical of each code's segments.

    A word's ``score`` is the share of the code's segments that contain it times the log2 of how much
    more often it appears there than in all other segments (shares smoothed by adding one segment
    with and one without the word), so words that occur everywhere ("min", "pt") rank low.
    English stop words and numbers are left out and case is folded. Only words in at least
    ``min_segments`` of the code's segments are ranked. Columns: ``code``, ``rank``, ``term``,
    ``share_in_code``, ``share_elsewhere``, ``score``.
    """
    from sklearn.feature_extraction.text import CountVectorizer

    labels = list(corpus["codes"])
    if codes is None:
        codes = sorted({c for cs in labels for c in cs})
    vec = CountVectorizer(binary=True, lowercase=True, stop_words="english",
                          token_pattern=r"(?u)\b[a-z][a-z'/+-]*[a-z]\b")
    X = vec.fit_transform(corpus["text"]).tocsc()
    vocab = vec.get_feature_names_out()
    rows = []
    for code in codes:
        mask = np.array([code in cs for cs in labels])
        n_in, n_out = int(mask.sum()), int((~mask).sum())
        if not n_in:
            continue
        df_in = np.asarray(X[mask].sum(axis=0)).ravel()
        df_out = np.asarray(X[~mask].sum(axis=0)).ravel()
        share_in = df_in / n_in
        share_out = df_out / n_out if n_out else np.zeros_like(share_in, dtype=float)
        lift = np.log2(((df_in + 1) / (n_in + 2)) / ((df_out + 1) / (n_out + 2)))
        score = np.where(df_in >= min_segments, share_in * lift, -np.inf)
        order = np.lexsort((vocab, -score))[:n]
        for rank, k in enumerate(order, 1):
            if not np.isfinite(score[k]):
                break
            rows.append({"code": code, "rank": rank, "term": str(vocab[k]), "share_in_code": round(float(share_in[k]), 4),
                         "share_elsewhere": round(float(share_out[k]), 4), "score": round(float(score[k]), 4)})
    return pd.DataFrame(rows, columns=["code", "rank", "term", "share_in_code", "share_elsewhere", "score"])


# ---------------------------------------------------------------------------------------- predictions
def predict_notes(engine, notes: Sequence[dict]) -> list:
    """``engine.suggest`` on every note with the note's own payer (``"medicare"`` when absent)."""
    return [engine.suggest(n["text"], n.get("payer") or "medicare") for n in notes]


def code_sets(notes: Sequence[dict], results: Sequence) -> tuple[list[set], list[set]]:
    """Gold code sets and recommended code sets, note by note (the input of ``evaluate.score_sets``)."""
    if len(notes) != len(results):
        raise InputError(f"{len(notes)} notes but {len(results)} results.")
    return [{g["code"] for g in n["gold"]} for n in notes], [set(r.codes) for r in results]


def suggestion_frame(notes: Sequence[dict], results: Sequence) -> pd.DataFrame:
    """One row per listed suggestion (recommended or candidate): ``note_id``, ``payer``, ``code``,
    ``confidence``, ``recommended`` and ``in_gold`` (the code is in the note's gold set)."""
    if len(notes) != len(results):
        raise InputError(f"{len(notes)} notes but {len(results)} results.")
    rows = []
    for note, result in zip(notes, results):
        gold = {g["code"] for g in note["gold"]}
        for s in result.suggestions:
            rows.append({"note_id": note.get("id"), "payer": note.get("payer") or "medicare", "code": s.code,
                         "confidence": float(s.confidence), "recommended": bool(s.recommended),
                         "in_gold": s.code in gold})
    return pd.DataFrame(rows, columns=["note_id", "payer", "code", "confidence", "recommended", "in_gold"])


def code_confusion(gold: Sequence[set], pred: Sequence[set], codes: Sequence[str]) -> pd.DataFrame:
    """Which gold code was predicted as which, among ``codes`` (note-level code sets).

    Rows are gold codes plus ``"(not in gold)"``; columns are predicted codes plus ``"(not predicted)"``.
    Each gold occurrence of a listed code counts once in its row: on the diagonal when it was
    predicted; when it was missed, split equally over the listed codes predicted in that note but not
    in its gold (the codes it was mistaken for), or in ``"(not predicted)"`` when there are none. A
    listed code predicted but not in gold, in a note where no listed gold code was missed, counts in
    ``"(not in gold)"``. Codes outside ``codes`` are ignored. So a row sums to the code's gold support.
    """
    codes = list(dict.fromkeys(codes))
    if len(gold) != len(pred):
        raise InputError(f"{len(gold)} gold sets but {len(pred)} predicted sets.")
    rows, cols = codes + [NOT_IN_GOLD], codes + [NOT_PREDICTED]
    m = pd.DataFrame(0.0, index=pd.Index(rows, name="gold"), columns=pd.Index(cols, name="predicted"))
    keep = set(codes)
    for g, p in zip(gold, pred):
        g, p = set(g) & keep, set(p) & keep
        missed, extra = sorted(g - p), sorted(p - g)
        for c in g & p:
            m.loc[c, c] += 1
        for c in missed:
            if extra:
                for e in extra:
                    m.loc[c, e] += 1 / len(extra)
            else:
                m.loc[c, NOT_PREDICTED] += 1
        if not missed:
            for e in extra:
                m.loc[NOT_IN_GOLD, e] += 1
    return m


# ---------------------------------------------------------------------------------------- calibration
def _bins(confidences, outcomes, bins: int):
    conf = np.asarray(confidences, dtype=float).ravel()
    out = np.asarray(outcomes, dtype=float).ravel()
    if conf.shape != out.shape:
        raise InputError(f"{conf.size} confidences but {out.size} outcomes.")
    if bins < 1:
        raise InputError("bins must be >= 1.")
    if conf.size and (np.isnan(conf).any() or conf.min() < 0 or conf.max() > 1):
        raise InputError("confidences must be numbers between 0 and 1.")
    edges = np.linspace(0.0, 1.0, bins + 1)
    # bin i holds lo <= c < hi; the last bin also holds c == 1
    idx = np.clip(np.searchsorted(edges, conf, side="right") - 1, 0, bins - 1)
    return conf, out, edges, idx


def reliability_table(confidences, outcomes, bins: int = 10) -> pd.DataFrame:
    """Reliability diagram data: equal-width confidence bins with ``n``, ``mean_confidence`` and
    ``fraction_correct`` (mean outcome). Empty bins have ``n = 0`` and NaN means.

    ``outcomes`` are 1/True when the suggested code is right (in gold), else 0/False.
    """
    conf, out, edges, idx = _bins(confidences, outcomes, bins)
    rows = []
    for i in range(bins):
        m = idx == i
        k = int(m.sum())
        rows.append({"bin_lo": round(float(edges[i]), 6), "bin_hi": round(float(edges[i + 1]), 6), "n": k,
                     "mean_confidence": float(conf[m].mean()) if k else np.nan,
                     "fraction_correct": float(out[m].mean()) if k else np.nan})
    return pd.DataFrame(rows, columns=["bin_lo", "bin_hi", "n", "mean_confidence", "fraction_correct"])


def expected_calibration_error(confidences, outcomes, bins: int = 10) -> float:
    """ECE: the bin-size-weighted mean of ``|mean confidence - fraction correct|`` over equal-width bins
    (the measure ``bench/run_bench.py`` reports). 0.0 for no predictions."""
    table = reliability_table(confidences, outcomes, bins)
    total = int(table["n"].sum())
    if not total:
        return 0.0
    used = table[table["n"] > 0]
    gap = (used["mean_confidence"] - used["fraction_correct"]).abs()
    return round(float((used["n"] * gap).sum() / total), 6)


# ------------------------------------------------------------------------------- synthetic audit batch
DEFAULT_ADD_CODES = ("97110", "97112", "97116", "97140", "97530", "97035")


def synthetic_billing(notes: Sequence[dict], *, drop_rate: float = 0.2, add_rate: float = 0.2,
                      add_codes: Sequence[str] = DEFAULT_ADD_CODES, modifiers: Sequence[str] = (),
                      seed: int = 0, catalogue=None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A batch for :func:`suggester.audit.audit` built from labelled notes, with known billing errors.

    The billed column starts as each note's gold codes (``CODExUNITS`` when units > 1, joined with
    ``;``, each with ``modifiers`` appended as ``-GP`` etc.; a gold line with 0 units is not billed).
    Then, with a fixed seed, each gold code is left off with probability ``drop_rate`` (a missed
    charge), and each note gets with probability ``add_rate`` one code from ``add_codes`` that is not
    in its gold (an unsupported charge). Codes whose absence is no error are never left off (for a
    Medicare-rules payer, a code Medicare bundles or does not cover), and only codes the payer covers
    are added (for Medicare-rules payers, codes with Medicare coverage ``covered``; for others, no
    G-codes).

    Returns
    -------
    batch : DataFrame
        ``note_id``, ``text``, ``payer``, ``billed`` (the columns the audit reads).
    changes : DataFrame
        One row per injected error: ``note_id``, ``code``, ``change`` (``"removed"``/``"added"``),
        ``expected_status`` (``"missed"``/``"unsupported"``) and ``units`` (gold units; 1 when added).
    """
    from ._resources import packaged_json
    from .catalogue import load_catalogue

    for name, rate in (("drop_rate", drop_rate), ("add_rate", add_rate)):
        if not 0.0 <= rate <= 1.0:
            raise InputError(f"{name} must be between 0 and 1, got {rate!r}.")
    cat = catalogue if catalogue is not None else load_catalogue()
    payers = packaged_json("payers.json")["payers"]
    rng = random.Random(seed)
    mods = "".join(f"-{m}" for m in modifiers)
    batch, changes = [], []
    for i, note in enumerate(notes):
        note_id = str(note.get("id") or f"note-{i + 1}")
        payer = note.get("payer") or "medicare"
        medicare = payers.get(payer.strip().lower(), {}).get("code_set") == "medicare"
        billed, gold = [], set()
        for g in note["gold"]:
            code, units = g["code"], g.get("units")
            gold.add(code)
            if units == 0:
                continue
            entry = cat.get(code)
            optional = medicare and entry is not None and entry.medicare_coverage in ("bundled", "non_covered")
            if not optional and rng.random() < drop_rate:
                changes.append({"note_id": note_id, "code": code, "change": "removed",
                                "expected_status": "missed", "units": units})
                continue
            billed.append(f"{code}{'x' + str(units) if units and units > 1 else ''}{mods}")
        pool = [c for c in add_codes if c not in gold and c in cat
                and (cat[c].medicare_coverage == "covered" if medicare else not c.startswith("G"))]
        if pool and rng.random() < add_rate:
            code = rng.choice(pool)
            billed.append(f"{code}{mods}")
            changes.append({"note_id": note_id, "code": code, "change": "added", "expected_status": "unsupported",
                            "units": 1})
        batch.append({"note_id": note_id, "text": note["text"], "payer": payer, "billed": ";".join(billed)})
    changes_df = pd.DataFrame(changes, columns=["note_id", "code", "change", "expected_status", "units"])
    changes_df["units"] = changes_df["units"].astype("Int64")
    return pd.DataFrame(batch, columns=["note_id", "text", "payer", "billed"]), changes_df


def match_injected(audit_rows: pd.DataFrame, changes: pd.DataFrame) -> pd.DataFrame:
    """For each injected error of :func:`synthetic_billing`, the status the audit gave that note and code.

    Adds ``found_status`` (None when the audit has no row for it) and ``detected``
    (``found_status == expected_status``) to ``changes``.
    """
    found = (audit_rows[["note_id", "code", "status"]].astype({"note_id": str, "code": str})
             .drop_duplicates(subset=["note_id", "code"]).rename(columns={"status": "found_status"}))
    out = changes.astype({"note_id": str, "code": str}).merge(found, on=["note_id", "code"], how="left")
    out["found_status"] = out["found_status"].astype(object).where(out["found_status"].notna(), None)
    out["detected"] = out["found_status"] == out["expected_status"]
    return out


def unexpected_findings(audit_rows: pd.DataFrame, changes: pd.DataFrame,
                        statuses: Sequence[str] = ("missed", "unsupported")) -> pd.DataFrame:
    """Audit rows with one of ``statuses`` for a note and code where no error was injected.

    On a batch from :func:`synthetic_billing` these are the audit's own mistakes (or gold lines the
    engine disagrees with): e.g. a ``missed`` code the engine recommends but the gold does not have.
    """
    injected = set(zip(changes["note_id"].astype(str), changes["code"].astype(str)))
    fresh = np.array([(str(n), str(c)) not in injected for n, c in zip(audit_rows["note_id"], audit_rows["code"])],
                     dtype=bool)
    mask = audit_rows["status"].isin(list(statuses)).to_numpy() & fresh
    return audit_rows[mask]


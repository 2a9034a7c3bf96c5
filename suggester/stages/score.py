"""Stage score: clause texts and their phrase hits -> classifier probabilities per clause and code.

The model scores every clause; a clause naming several services is also scored piece by piece, and the
lexicon's supporting names join a clause's phrases only where the clause already reads like their code.
"""

from __future__ import annotations

import re
from collections import Counter

import numpy as np

from ..minutes_attribution import OF_NEXT
from ..nlp.minutes import find_minutes
from .settings import Settings

__all__ = ["DOSE", "add_supporting", "joined_head", "joined_pair", "piece_cut", "score_clauses", "score_supporting_runs",
           "split_supporting"]

# a dose written with a service ("3x10", "x15", "2 sets", "10 reps"), not a frequency ("2x/wk", "x 6 wks")
DOSE = re.compile(r"(?:\d+\s*[x\u00d7]\s*\d+|\b[x\u00d7]\s*\d+|\b\d+\s*(?:reps?|sets?|repetitions)\b)"
                  r"(?!\s*(?:/|per\b|a\s+(?:day|week)|(?:wks?|weeks?|days?|d|mos?|months?)\b))", re.IGNORECASE)
_HEAD_START = re.compile(r"^[\s\-*\u2022>#\d.)]*$")
_HEAD_JOIN = re.compile(r"^\s*(?:/|&|\+)\s*$")
_AND_JOIN = re.compile(r"^\s+and\s+$", re.IGNORECASE)


def score_clauses(model, s: Settings, texts: list[str], hits_of: list) -> np.ndarray:
    """Classifier probabilities per clause. A clause naming several services ("fifteen minutes of gait
    training ..., and twelve minutes of balance training") is also scored piece by piece, each piece running
    from one service's phrase to the next one's; a piece with its own time or dose ("ice pack x10", "tandem
    stance: 3x20 seconds") lets its named codes keep their best score (measured: scoring every piece cost dev
    and dev2 precision; pieces with a dose, 2026-12-06: published notes 0.667 -> 0.679, dev2 0.968 -> 0.964)."""
    proba = model.predict_proba(texts)
    pieces, owners = [], []
    for i, (text, hits) in enumerate(zip(texts, hits_of)):
        named = sorted((a, b, labels) for a, b, _, labels in hits)
        if len({frozenset(lb) for _, _, lb in named}) < 2:
            if named and s.score_heads:
                # "Pt ambulated 150 ft with rolling walker, room air, RPE 11/20": the service statement before
                # the first comma after its phrase, without the monitoring details that follow it
                cut = text.find(",", named[0][1])
                if cut > 0 and text[cut + 1:].strip():
                    pieces.append(text[:cut])
                    owners.append((i, set(named[0][2])))
            continue
        # one piece per service: from its phrase (or, when times lead, from its time) to where the next begins
        mentions = find_minutes(text)  # read in the whole clause: "Ther ex 17 minutes, manual fourteen, ..."
        leading = any(m.end <= named[0][0] for m in mentions)  # "fifteen minutes of gait ..., twelve of balance"
        firsts = [k for k in range(len(named)) if k == 0 or named[k][2] != named[k - 1][2]]
        cuts = [0] + [piece_cut(text, named[k - 1][1], named[k][0], leading) for k in firsts[1:]]
        starts = [0] + [c if leading else named[k][0] for c, k in zip(cuts[1:], firsts[1:])]
        for a, b in zip(starts, cuts[1:] + [len(text)]):
            labels = {lab for x, _, lb in named if a <= x < b for lab in lb}
            if any(a <= m.start < b for m in mentions) or DOSE.search(text, a, b):  # only pieces with their own time or dose
                pieces.append(text[a:b])
                owners.append((i, labels))
                first = next((y for x, y, _ in named if a <= x < b), None)
                cut = text.find(",", first, b) if s.score_heads and first is not None else -1
                if cut > 0 and text[cut + 1:b].strip(" ,;.and"):
                    # the piece's own service statement, as a one-service clause is read (its head)
                    pieces.append(text[a:cut])
                    owners.append((i, labels))
    if pieces:
        piece_proba = model.predict_proba(pieces)
        for (i, labels), row in zip(owners, piece_proba):
            for lab in labels:
                j = s.col[lab]
                proba[i, j] = max(proba[i, j], row[j])
    return proba


def split_supporting(weak, hits_of: list, rows: list) -> tuple[list, list]:
    """Each clause's phrase hits without, and with only, the supporting names (``weak``: the literals of
    :attr:`PhraseIndex.supporting`); in a flowsheet row every name is a full phrase (the row's name is the service)."""
    if not weak:
        return hits_of, [[] for _ in hits_of]
    return ([hits if row else [h for h in hits if h[2] not in weak] for hits, row in zip(hits_of, rows)],
            [[] if row else [h for h in hits if h[2] in weak] for hits, row in zip(hits_of, rows)])


def score_supporting_runs(model, s: Settings, texts: list[str], hits_of: list, supporting: list, proba: np.ndarray) -> None:
    """A run of two or more supporting names of one code that opens a clause naming another service after it
    ("Performed clamshells, side planks, hip abd SL, plus STM to R ITB/TFL"): the run is read on its own, and when it
    reads most like its names' code, the names back that code in the clause (the whole clause reads as the other
    service, so :func:`add_supporting` alone would drop them). Names after another service's phrase are its items
    ("Aquatic: clamshells, side steps, marching"), and a session that covers what is done within it keeps them."""
    covering = {code for codes, _, _, _, _ in s.covering for code in codes} | ({s.group[0]} if s.group else set())
    pieces, owners = [], []
    for i, weak in enumerate(supporting):
        if len(weak) < 2 or not hits_of[i] or any(lab in covering for h in hits_of[i] for lab in h[3]):
            continue
        best = s.classes[int(np.argmax(proba[i]))]
        first_other = min(a for a, _, _, _ in hits_of[i])
        for lab in sorted({lab for h in weak for lab in h[3]} - {best}):
            run = [h for h in weak if h[3] == {lab} and h[1] <= first_other]   # the names before the other service
            if len({h[2].lower() for h in run}) < 2:
                continue
            pieces.append(texts[i][min(h[0] for h in run):max(h[1] for h in run)])
            owners.append((i, lab, run))
    if not pieces:
        return
    for (i, lab, run), row in zip(owners, model.predict_proba(pieces)):
        j = s.col[lab]
        if int(np.argmax(row)) == j:
            proba[i, j] = max(proba[i, j], row[j])
            hits_of[i] = hits_of[i] + run


def add_supporting(s: Settings, hits_of: list, supporting: list, proba: np.ndarray) -> None:
    """A supporting name ("heel raises", "tandem stance") names its code in a clause that already reads most
    like that code: "she performed resisted eversion, inversion and heel raises" is exercise; the same names
    in an aquatic or group clause ("pool: step-ups, SL stance at wall") describe that service instead, and in a
    clause where a full phrase names another service they describe how it was done."""
    for i, weak in enumerate(supporting):
        if weak:
            best = s.classes[int(np.argmax(proba[i]))]
            if all(h[3] == {best} for h in hits_of[i]):  # "Gait w/ head turns, pivot turns": the gait is named
                # a name several codes share ("strapping": every body site's code) backs the one the clause reads as
                backed = [h if len(h[3]) == 1 else (*h[:3], {best}) for h in weak if best in h[3]]
                if not backed and not hits_of[i]:
                    backed = _listed_names(weak)
                hits_of[i] = hits_of[i] + backed


def _listed_names(weak: list) -> list:
    """A clause that names no service and reads as none, but lists named items: "At the kitchen counter: heel
    raises, mini squats, side steps along the counter" lists exercises wherever they were done, so the code most of
    its distinct names support (at least two, and more than any other code's) is named."""
    named = {re.sub(r"[^a-z0-9]", "", h[2].lower()): h[3] for h in weak if len(h[3]) == 1}
    votes = Counter(c for labels in named.values() for c in labels).most_common()
    if not votes or votes[0][1] < 2 or (len(votes) > 1 and votes[1][1] == votes[0][1]):
        return []
    return [h for h in weak if h[3] == {votes[0][0]}]


def joined_head(text: str, hits) -> list[str]:
    """Labels named together at the head of a clause, joined by a slash, "&" or "+" ("TE/NMR 30'"): one heading
    for services done together, each as documented as the other. Empty when the clause does not open so."""
    spans: dict = {}
    for a, b, _, labels in hits:   # one name found twice ("TherEx" as a phrase and as an abbreviation) is one name
        spans.setdefault((a, b), set()).update(labels)
    named = sorted((a, b, labels) for (a, b), labels in spans.items())
    if len(named) < 2 or not _HEAD_START.match(text[:named[0][0]]):
        return []
    out = sorted(named[0][2])
    for (a1, b1, lb1), (a2, b2, lb2) in zip(named, named[1:]):
        if not _HEAD_JOIN.match(text[b1:a2]):
            break
        out += [lab for lab in lb2 if lab not in out]
    return out if len(out) > 1 else []


def piece_cut(text: str, prev_end: int, next_start: int, leading: bool) -> int:
    """Where one service's piece of a clause ends and the next one's begins, between two phrases.

    A time between them belongs to the next service when the clause puts times first or the time reads
    "N minutes of ..." (cut before it), else to the service before it ("manual, twelve minutes, and then ...":
    cut after it). With no time between them the cut is the next phrase."""
    between = find_minutes(text[prev_end:next_start])
    if not between:
        return next_start
    m = between[-1]
    if leading or OF_NEXT.match(text, prev_end + m.end):
        return prev_end + m.start
    return prev_end + m.end


def joined_pair(text: str, hits, mentions) -> list[str]:
    """Two services named side by side, joined by "and", before the clause's one time ("We worked on transfers and
    gait practice for twenty-eight minutes"): each named as done as the other. Empty otherwise."""
    # names inside parentheses are the items of the service before them ("functional activities (sit-to-stand, ...)")
    named = sorted((a, b, labels) for a, b, _, labels in hits if text.rfind("(", 0, a) <= text.rfind(")", 0, a))
    if len(named) != 2 or len(mentions) != 1 or mentions[0].start < named[1][1]:
        return []
    (a1, b1, lb1), (a2, b2, lb2) = named
    if len(lb1) != 1 or len(lb2) != 1 or lb1 == lb2 or not _AND_JOIN.match(text[b1:a2]):
        return []
    return [next(iter(lb1)), next(iter(lb2))]

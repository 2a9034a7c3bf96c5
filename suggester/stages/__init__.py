"""A note's path through the engine, one small named stage per module, typed values between them.

``text -> spaCy pipeline (suggester.nlp) -> read -> score -> gather -> decide -> minutes -> units -> result``

=============  ==========================================  =============================================
stage          takes                                       gives
=============  ==========================================  =============================================
read           the parsed Doc                              :class:`NoteRead` (clauses, statuses, report,
                                                           code claims, totals)
score          clause texts and their phrase hits           probabilities per clause and code
gather         NoteRead, hits, probabilities               :class:`Gathered` (candidates with evidence,
                                                           not-counted mentions, time mentions)
decide         NoteRead, candidates                        the recommended codes, report explanations
minutes        NoteRead, Gathered, recommended             :class:`~suggester.minutes_attribution.Attribution`
                                                           (then the non-visit check)
units          recommended, Attribution, totals            :class:`UnitsOut`
result         everything above                            :class:`~suggester.results.Result`
=============  ==========================================  =============================================

Every stage reads its thresholds and patterns from one immutable :class:`Settings`.
:class:`suggester.Suggester` only wires the stages; nothing here logs note text.
"""

from .attribute import attribute, non_visit_check
from .decide import decide
from .gather import gather
from .read import TABLE_ROW, read_note
from .result import build_result
from .score import add_supporting, score_clauses, score_supporting_runs, split_supporting
from .settings import Settings
from .units import count_units
from .values import Billing, Candidate, Gathered, NoteRead, UnitsOut

__all__ = ["Billing", "Candidate", "Gathered", "NoteRead", "Settings", "TABLE_ROW", "UnitsOut", "add_supporting",
           "attribute", "build_result", "count_units", "decide", "gather", "non_visit_check", "read_note",
           "score_clauses", "score_supporting_runs", "split_supporting"]

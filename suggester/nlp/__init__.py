"""The clinical-context spaCy pipeline, built on ``spacy.blank("en")`` (no downloaded model)."""

from __future__ import annotations

from spacy.language import Language

from . import components  # noqa: F401  (registers the factories)
from .components import CLAUSES, MODIFIERS, SECTIONS, SEGMENTS

__all__ = ["CLAUSES", "MODIFIERS", "SECTIONS", "SEGMENTS", "build_nlp"]

PIPE_NAMES = ("suggester_segmenter", "suggester_sections", "suggester_context")


def build_nlp(*, context: bool = True, extra_sections: dict | None = None) -> Language:
    """Return ``spacy.blank("en")`` with the segmenter, section and (unless ``context=False``) context components;
    ``extra_sections`` adds section headers (literal -> category), e.g. a clinic's own from its model card."""
    import spacy

    nlp = spacy.blank("en")
    for name in PIPE_NAMES if context else PIPE_NAMES[:2]:
        nlp.add_pipe(name, config={"extra": dict(extra_sections)} if name == SECTIONS and extra_sections else {})
    return nlp

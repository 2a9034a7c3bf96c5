"""The one table of spaCy extension attributes used by suggester.

Registered idempotently by :func:`register_extensions`, which every factory calls;
importing suggester registers nothing. Each extension sets exactly one of
default / getter / method, and all values are JSON-serialisable.
"""

from __future__ import annotations

from spacy.tokens import Doc, Span

#: (object, name, default) for every extension attribute.
EXTENSIONS: tuple[tuple[type, str, object], ...] = (
    (Span, "pt_section", None),        # section category of a segment or clause ("treatment", "plan", ...)
    (Span, "pt_assertion", None),      # None = performed this session; else "declined", "planned", "historical", ...
    (Span, "pt_cue", None),            # the context cue literal that set the assertion
    (Span, "pt_segment", None),        # index of the segment a clause belongs to
    (Doc, "pt_non_visit", None),       # "no_show" / "cancelled" / "phone" / "not_treated" / "voided" or None
    (Doc, "pt_non_visit_cue", None),   # [start_char, end_char] of the non-visit cue
    (Doc, "pt_suggestions", None),     # list of suggestion dicts set by the suggester_codes component
    (Doc, "pt_result", None),          # the full Result.to_dict() set by the suggester_codes component
)


def register_extensions() -> None:
    """Register every extension in :data:`EXTENSIONS` (safe to call many times)."""
    for obj, name, default in EXTENSIONS:
        if not obj.has_extension(name):
            obj.set_extension(name, default=default)

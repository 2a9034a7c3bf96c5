"""The values the document readers return (see :mod:`suggester.documents`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ..errors import InputError

__all__ = ["DocumentError", "NoteDocument", "PageSpan"]


class DocumentError(InputError):
    """A file that cannot be read as a note: unsupported or corrupt, encrypted, too large, or scanned pages
    with no OCR available. The message names the file and says what to do."""


@dataclass(frozen=True)
class PageSpan:
    """Page ``page`` (from 1) of the source occupies ``text[start:end]``; ``ocr_confidence`` (0-100) when the
    page was read by OCR."""

    page: int
    start: int
    end: int
    ocr_confidence: float | None = None

    def to_dict(self) -> dict:
        d = {"page": self.page, "start": self.start, "end": self.end}
        if self.ocr_confidence is not None:
            d["ocr_confidence"] = round(self.ocr_confidence, 1)
        return d


@dataclass(frozen=True)
class NoteDocument:
    """One note read from a document.

    ``source`` is the file (or archive member) name, ``note_id`` the id to join charges on (the file name
    without its extension, the FHIR resource id, or ``NAME/DATE`` for one visit of a multi-visit file),
    ``kind`` the detected type (text, pdf, docx, html, fhir), ``pages`` where each source page lies in
    ``text`` (empty for formats without pages), ``patient_id`` the FHIR subject's id when given.
    """

    text: str
    source: str
    note_id: str
    kind: str
    pages: tuple[PageSpan, ...] = ()
    date_of_service: dt.date | None = None
    warnings: tuple[str, ...] = field(default=())
    patient_id: str | None = None

    def page_of(self, offset: int) -> int | None:
        """The source page holding character ``offset`` of :attr:`text` (None without pages)."""
        for p in self.pages:
            if p.start <= offset < p.end or (offset == p.end and p is self.pages[-1]):
                return p.page
        return None

    @property
    def ocr_pages(self) -> list[PageSpan]:
        return [p for p in self.pages if p.ocr_confidence is not None]

    def to_dict(self) -> dict:
        return {"source": self.source, "note_id": self.note_id, "kind": self.kind,
                "date_of_service": self.date_of_service.isoformat() if self.date_of_service else None,
                "pages": [p.to_dict() for p in self.pages], "warnings": list(self.warnings),
                "patient_id": self.patient_id}


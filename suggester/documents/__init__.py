"""Notes as clinics export them: plain text, PDF (text layer, or OCR for scanned pages), Word, HTML and FHIR R4
``DocumentReference`` resources, one visit per file or many.

:func:`read_document` turns one file (or its bytes) into :class:`NoteDocument` objects: the note text the
engine reads, where each page of the source lies in that text (so evidence can say "page 2"), the date of
service when the document gives it, and OCR confidence for scanned pages. The type is decided by the content,
never by the file name: binary data that is not a supported document is refused, never read as a note.
:func:`iter_documents` reads a folder, a ``.zip`` or a FHIR bundle file and yields a document or an error
per file, so one bad file never stops the others.

Limits and patterns live in ``resources/documents.json``. Nothing here logs note text.
"""

from __future__ import annotations

from ._model import DocumentError, NoteDocument, PageSpan
from ._read import iter_documents, read_document, sniff

__all__ = ["DocumentError", "NoteDocument", "PageSpan", "iter_documents", "read_document", "sniff"]

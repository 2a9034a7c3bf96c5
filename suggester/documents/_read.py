"""Readers behind :func:`suggester.documents.read_document` (see the package docstring)."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import io
import json
import re
import shutil
import zipfile
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from typing import Iterator

from .._resources import packaged_json
from ._model import DocumentError, NoteDocument, PageSpan

_PAGE_BREAK = "\n\n"
_OCR_HELP = ("install OCR to read them: `apt-get install tesseract-ocr` and `pip install \"suggester[ocr]\"` "
             "(pytesseract)")


@lru_cache(maxsize=1)
def _settings() -> dict:
    data = packaged_json("documents.json")
    flags = re.IGNORECASE | re.MULTILINE
    data["_headers"] = [re.compile(r"^[ \t>*#\-\u2022]*" + p, flags) for p in data["visit_headers"]]
    data["_dates"] = [re.compile(p, re.IGNORECASE) for p in data["date_patterns"]]
    return data


# --------------------------------------------------------------------------------------------- type
def sniff(data: bytes, name: str = "") -> str:
    """The document type by content: ``pdf``, ``docx``, ``zip``, ``html``, ``fhir`` or ``text``.

    Raises
    ------
    DocumentError
        Binary data of any other kind (an image, a spreadsheet, a corrupt file): never read as a note.
    """
    return _sniff(data, name)[0]


def _sniff(data: bytes, name: str) -> tuple[str, str | None]:
    """(:func:`sniff`'s type, the decoded text for the text types html, fhir and text; None for the others)."""
    head = data[:4096]
    if head.startswith(b"%PDF-"):
        return "pdf", None
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                names = set(zf.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            raise DocumentError(f"{name or 'the file'}: a corrupt ZIP container (not a readable Word file or "
                                "archive).") from None
        if "word/document.xml" in names:
            return "docx", None
        if "[Content_Types].xml" in names:
            raise DocumentError(f"{name or 'the file'}: an Office file that is not a Word document; suggester "
                                "reads .txt, .pdf, .docx, .html and FHIR DocumentReference JSON.")
        return "zip", None
    text = _decode(data, name)
    stripped = text.lstrip("\ufeff \t\r\n")
    lowered = stripped[:512].lower()
    if stripped.startswith("{") and '"resourceType"' in stripped[:100_000]:
        return "fhir", text
    if lowered.startswith(("<!doctype html", "<html")) or (lowered.startswith("<") and re.search(
            r"<(?:body|p|div|table|br)\b", stripped[:20_000], re.IGNORECASE)):
        return "html", text
    return "text", text


def _decode(data: bytes, name: str) -> str:
    """Text bytes as str (UTF-8, else Windows-1252); binary data is refused."""
    sample = data[:8192]
    if b"\x00" in sample:
        raise DocumentError(f"{name or 'the file'}: binary data that is not a supported document; suggester "
                            "reads .txt, .pdf, .docx, .html and FHIR DocumentReference JSON.")
    for enc in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise DocumentError(f"{name or 'the file'}: not text in UTF-8 or Windows-1252 and not a supported "
                            "document type.")
    control = sum(1 for ch in text[:8192] if ord(ch) < 32 and ch not in "\t\r\n\f")
    if control > max(8, len(text[:8192]) // 50):
        raise DocumentError(f"{name or 'the file'}: binary data that is not a supported document.")
    return text


# --------------------------------------------------------------------------------------------- entry
def read_document(source, *, name: str | None = None, ocr: bool | None = None) -> list[NoteDocument]:
    """Read one file (a path, or its bytes with ``name``) into the notes it holds.

    Parameters
    ----------
    source : str, Path or bytes
    name : str, optional
        The file name for messages and note ids when ``source`` is bytes.
    ocr : bool, optional
        Read pages without a text layer by OCR: None (default) uses OCR when Tesseract is installed; False
        never does (such pages are an error); True requires it.

    Returns
    -------
    list of NoteDocument
        One per visit: a file with several visit headers (or a FHIR bundle) gives several.

    Raises
    ------
    DocumentError
        The file is missing, too large, of an unsupported type, corrupt, encrypted, or has scanned pages that
        cannot be read.
    """
    limit = int(_settings()["max_file_bytes"])
    if isinstance(source, (bytes, bytearray)):
        data, name = bytes(source), name or "upload"
    else:
        path = Path(source)
        name = name or path.name
        if not path.is_file():
            raise DocumentError(f"No such file: {path}.")
        if path.stat().st_size > limit:
            raise DocumentError(f"{name}: {path.stat().st_size:,} bytes is over the {limit:,}-byte limit "
                                "(max_file_bytes in suggester/resources/documents.json).")
        data = path.read_bytes()
    if len(data) > limit:
        raise DocumentError(f"{name}: {len(data):,} bytes is over the {limit:,}-byte limit.")
    kind, decoded = _sniff(data, name)
    stem = PurePosixPath(name).stem or name
    if kind == "fhir":
        return _fhir(decoded, name, ocr)
    if kind == "zip":
        raise DocumentError(f"{name}: a ZIP archive; pass it to `suggester audit`, which reads every file in it.")
    text, pages, warnings = _extract(kind, data, name, ocr, decoded)
    return _split_visits(text, pages, name, stem, kind, warnings)


def _extract(kind: str, data: bytes, name: str, ocr: bool | None,
             decoded: str | None = None) -> tuple[str, list[PageSpan], list[str]]:
    """(text, pages, warnings) of one document; ``decoded`` is its text when the caller already decoded it."""
    if kind == "pdf":
        return _pdf(data, name, ocr)
    if kind == "docx":
        return _docx(data, name), [], []
    text = decoded if decoded is not None else _decode(data, name)
    if kind == "html":
        return _html(text), [], []
    return text.replace("\r\n", "\n").replace("\r", "\n"), [], []


# --------------------------------------------------------------------------------------------- PDF
def _ocr_available() -> bool:
    try:
        import pypdfium2  # noqa: F401
        import pytesseract  # noqa: F401
    except ImportError:
        return False
    return shutil.which("tesseract") is not None


def _pdf(data: bytes, name: str, ocr: bool | None) -> tuple[str, list[PageSpan], list[str]]:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    settings = _settings()
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                ok = reader.decrypt("")
            except Exception:  # noqa: BLE001 - unsupported encryption is the same answer
                ok = 0
            if not ok:
                raise DocumentError(f"{name}: the PDF is password-protected; export it without a password.")
        n = len(reader.pages)
    except DocumentError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise DocumentError(f"{name}: a corrupt or unreadable PDF ({type(exc).__name__}).") from None
    if n > int(settings["max_pages"]):
        raise DocumentError(f"{name}: {n} pages is over the {settings['max_pages']}-page limit (max_pages in "
                            "suggester/resources/documents.json); split the export by patient or visit.")
    texts: list[str | None] = []
    for i in range(n):
        try:
            t = reader.pages[i].extract_text() or ""
        except Exception as exc:  # noqa: BLE001 - a broken page content stream
            raise DocumentError(f"{name}: page {i + 1} could not be read ({type(exc).__name__}).") from None
        t = t.replace("\r\n", "\n").replace("\r", "\n").strip("\n")
        texts.append(t if t.strip() else None)
    geometry = _geometry(data, texts)
    blank = [i for i, t in enumerate(texts) if t is None]
    confidences: dict[int, float] = {}
    warnings: list[str] = []
    if blank:
        use_ocr = _ocr_available() if ocr is None else ocr
        if not use_ocr or not _ocr_available():
            listed = ", ".join(str(i + 1) for i in blank[:20]) + (" ..." if len(blank) > 20 else "")
            raise DocumentError(f"{name}: page(s) {listed} have no text layer (scanned); {_OCR_HELP}.")
        for i in blank:
            texts[i], confidences[i] = _ocr_page(data, i, name)
        low = float(settings["ocr"]["low_confidence"])
        for i, conf in confidences.items():
            if conf < low:
                warnings.append(f"page {i + 1} was read by OCR with low confidence ({conf:.0f} of 100); check the "
                                "evidence against the scan")
    parts, pages, pos = [], [], 0
    for i, t in enumerate(texts):
        t = _unwrap(t or "", geometry[i] if i not in confidences else None)   # text layers normalised above
        if parts:
            parts.append(_PAGE_BREAK)
            pos += len(_PAGE_BREAK)
        parts.append(t)
        pages.append(PageSpan(i + 1, pos, pos + len(t), confidences.get(i)))
        pos += len(t)
    return "".join(parts), pages, warnings


_CONTINUES = re.compile(r"^\s*[a-z0-9(|]")   # a wrapped sentence goes on in lower case (or a number, a cell)
_JUSTIFIED = re.compile(r"(?<=\S)  (?=\S)")


def _unwrap(text: str, geometry: tuple[list[tuple[float, float]], float] | None = None) -> str:
    """Undo a PDF's layout: a line that wrapped at the right margin is joined to the next one with a space;
    justified spacing ("a  71  y/o") is single again; aligned table columns (three or more spaces) are kept.

    With ``geometry`` (for each non-blank line its right edge and mean character width, and the page's right
    limit), a line wrapped when the next line's first word would not have fitted after it. Without it, a line near
    the longest one that does not end a sentence or heading, followed by a line that goes on in lower case (or a
    number, or a table cell), wrapped."""
    lines = [_JUSTIFIED.sub(" ", line) if not re.search(r"\S {3,}\S", line) and len(_JUSTIFIED.findall(line)) >= 2
             else line for line in text.split("\n")]
    longest = max((len(line.rstrip()) for line in lines), default=0)
    boxes = iter(geometry[0]) if geometry else None
    out: list[str] = []
    prev_box = (0.0, 0.0)
    for line in lines:
        prev = out[-1] if out else None
        box = next(boxes, (0.0, 0.0)) if boxes is not None and line.strip() else (0.0, 0.0)
        wrapped = False
        if prev is not None and prev.strip() and line.strip() and not prev.rstrip().endswith((":", ".", ";", "!", "?")) \
                and not re.search(r"\S {3,}\S", prev) and not ("|" in prev and line.count("|") >= 2):
            # (a line with its own table cells is the next row, not the rest of this one)
            if geometry:
                right, char_w = prev_box
                wrapped = right + char_w * (1 + len(line.split()[0])) > geometry[1] - 0.5 * char_w
            else:
                wrapped = len(prev.rstrip()) >= 0.8 * longest and bool(_CONTINUES.match(line))
        if wrapped:
            out[-1] = prev.rstrip() + " " + line.lstrip()
        else:
            out.append(line)
        if line.strip():
            prev_box = box
    return "\n".join(out)


def _geometry(data: bytes, texts: list[str | None]) -> list:
    """Per page: the right edge and mean character width of each non-blank line, and the page's right limit
    (the page width less the left margin: margins are taken as even), read with pypdfium2 when it is installed.
    None for a page whose lines do not line up with the text layer read by pypdf (or without pypdfium2)."""
    try:
        import pypdfium2
    except ImportError:
        return [None] * len(texts)
    out = []
    try:
        pdf = pypdfium2.PdfDocument(data)
    except Exception:  # noqa: BLE001 - geometry is a refinement; the text layer still reads
        return [None] * len(texts)
    try:
        for i, text in enumerate(texts):
            if text is None:
                out.append(None)
                continue
            page = pdf[i]
            tp = page.get_textpage()
            full = tp.get_text_range()
            boxes, lefts, pos = [], [], 0
            for line in full.split("\r\n"):
                if line.strip():
                    chars = [tp.get_charbox(pos + k) for k in range(len(line)) if not line[k].isspace()]
                    if chars:
                        left, right = min(c[0] for c in chars), max(c[2] for c in chars)
                        lefts.append(left)
                        boxes.append((right, (right - left) / max(1, len(line.strip()))))
                pos += len(line) + 2
            if len(boxes) != sum(1 for x in text.split("\n") if x.strip()) or not lefts:
                out.append(None)
            else:
                out.append((boxes, page.get_width() - min(lefts)))
    except Exception:  # noqa: BLE001
        return [None] * len(texts)
    finally:
        pdf.close()
    return out


def _ocr_page(data: bytes, index: int, name: str) -> tuple[str, float]:
    """Render one page and read it with Tesseract; returns (text, mean word confidence 0-100)."""
    import pypdfium2
    import pytesseract

    settings = _settings()["ocr"]
    try:
        pdf = pypdfium2.PdfDocument(data)
        try:
            image = pdf[index].render(scale=float(settings["dpi"]) / 72.0).to_pil()
        finally:
            pdf.close()
        table = pytesseract.image_to_data(image, lang=settings["language"], output_type=pytesseract.Output.DICT)
    except Exception as exc:  # noqa: BLE001 - rendering or Tesseract failure: a clear error for this file
        raise DocumentError(f"{name}: page {index + 1} could not be read by OCR ({type(exc).__name__}).") from None
    lines: dict[tuple, list[str]] = {}
    confs = []
    for word, conf, block, par, line in zip(table["text"], table["conf"], table["block_num"], table["par_num"],
                                            table["line_num"]):
        if not str(word).strip():
            continue
        lines.setdefault((block, par, line), []).append(str(word))
        try:
            c = float(conf)
        except (TypeError, ValueError):
            continue
        if c >= 0:
            confs.append(c)
    text = "\n".join(" ".join(words) for _, words in sorted(lines.items()))
    return text, (sum(confs) / len(confs) if confs else 0.0)


# --------------------------------------------------------------------------------------------- Word
def _docx(data: bytes, name: str) -> str:
    """Paragraphs and tables in reading order; a table row becomes ``cell | cell | cell`` (a flowsheet row)."""
    try:
        import docx
        from docx.table import Table
        from docx.text.paragraph import Paragraph
    except ImportError:  # pragma: no cover - a core dependency
        raise DocumentError("Reading .docx needs python-docx: `pip install python-docx`.") from None
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # noqa: BLE001 - any parse failure means a corrupt file
        raise DocumentError(f"{name}: a corrupt or unreadable Word file ({type(exc).__name__}).") from None
    lines: list[str] = []
    body = document.element.body
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            lines.append(Paragraph(child, document).text)
        elif tag == "tbl":
            for row in Table(child, document).rows:
                cells = []
                for cell in row.cells:
                    value = " ".join(cell.text.split())
                    if not cells or value != cells[-1]:   # merged cells repeat their text
                        cells.append(value)
                lines.append(" | ".join(cells))
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------- HTML
class _HTMLText(HTMLParser):
    """Text of an HTML print view: one line per block element (an empty paragraph or ``<br>`` is a line break),
    table cells joined by `` | ``; scripts, styles and the head are skipped."""

    _BLOCK = {"p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "section", "article",
              "pre", "ul", "ol", "header", "footer", "blockquote", "hr", "dt", "dd", "thead", "tbody", "main"}
    _SKIP = {"script", "style", "head", "title", "noscript", "template"}
    _EDGE = "\x01"

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip = 0
        self.cell = 0

    def handle_starttag(self, tag, attrs):
        if tag in self._SKIP:
            self.skip += 1
        elif self.skip:
            return
        elif tag == "br":
            self.out.append("\n")
        elif tag in self._BLOCK:
            self.out.append(self._EDGE)
            self.cell = 0
        elif tag in ("td", "th"):
            if self.cell:
                self.out.append(" | ")
            self.cell += 1

    def handle_endtag(self, tag):
        if tag in self._SKIP:
            self.skip = max(0, self.skip - 1)
        elif not self.skip and tag in self._BLOCK:
            if self.out and self.out[-1] == self._EDGE and tag == "p":
                self.out.append("\x02")   # an empty paragraph: a blank line
            self.out.append(self._EDGE)

    def handle_data(self, data):
        if not self.skip:
            self.out.append(re.sub(r"[ \t\r\n\f]+", " ", data))


def _html(text: str) -> str:
    parser = _HTMLText()
    parser.feed(text)
    parser.close()
    joined = re.sub("[\x01\x02]+", lambda m: "\n\n" if "\x02" in m.group(0) else "\n", "".join(parser.out))
    lines = [" ".join(line.split()) for line in joined.split("\n")]
    return "\n".join(lines).strip("\n")


# --------------------------------------------------------------------------------------------- FHIR
def _fhir(decoded: str, name: str, ocr: bool | None) -> list[NoteDocument]:
    """A Bundle, a single DocumentReference, or NDJSON of resources (decoded text): one note per
    DocumentReference."""
    text = decoded.lstrip("\ufeff")
    try:
        resources = [json.loads(text)]
    except json.JSONDecodeError:
        resources = []
        for k, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                resources.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise DocumentError(f"{name}: line {k} is not JSON ({exc.msg}).") from None
    refs = []
    for res in resources:
        if not isinstance(res, dict):
            raise DocumentError(f"{name}: a FHIR resource must be a JSON object.")
        if res.get("resourceType") == "Bundle":
            for k, entry in enumerate(res.get("entry") or []):
                r = (entry or {}).get("resource") if isinstance(entry, dict) else None
                if isinstance(r, dict) and r.get("resourceType") == "DocumentReference":
                    refs.append(r)
        elif res.get("resourceType") == "DocumentReference":
            refs.append(res)
    if not refs:
        raise DocumentError(f"{name}: no FHIR DocumentReference resources found (a Bundle of them, one of them, "
                            "or NDJSON).")
    out: list[NoteDocument] = []
    for k, ref in enumerate(refs, 1):
        out.extend(_document_reference(ref, f"{name}#{k}", ocr))
    return out


def _document_reference(ref: dict, where: str, ocr: bool | None) -> list[NoteDocument]:
    rid = ref.get("id")
    if not isinstance(rid, str) or not re.fullmatch(r"[A-Za-z0-9\-.]{1,64}", rid):
        raise DocumentError(f"{where}: DocumentReference.id is missing or not a valid FHIR id.")
    if ref.get("status") not in (None, "current", "superseded", "entered-in-error"):
        raise DocumentError(f"{where} ({rid}): status {ref.get('status')!r} is not a FHIR DocumentReference status.")
    if ref.get("status") == "entered-in-error":
        raise DocumentError(f"{where} ({rid}): the document is marked entered-in-error; not audited.")
    dos = _fhir_date(ref)
    content = ref.get("content")
    if not isinstance(content, list) or not content:
        raise DocumentError(f"{where} ({rid}): DocumentReference.content is required.")
    order = {"text/plain": 0, "text/html": 1, "application/pdf": 2}
    attachments = sorted((c.get("attachment") or {} for c in content if isinstance(c, dict)),
                         key=lambda a: order.get(str(a.get("contentType", "")).split(";")[0].strip(), 3))
    for att in attachments:
        if att.get("data") is None:
            continue
        try:
            raw = base64.b64decode(att["data"], validate=True)
        except (binascii.Error, ValueError, TypeError):
            raise DocumentError(f"{where} ({rid}): attachment data is not valid base64.") from None
        ctype = str(att.get("contentType", "")).split(";")[0].strip().lower()
        kind = {"text/plain": "text", "text/html": "html", "application/pdf": "pdf"}.get(ctype) or sniff(raw, where)
        if kind not in ("text", "html", "pdf", "docx"):
            raise DocumentError(f"{where} ({rid}): attachment type {ctype or kind!r} is not a note.")
        if kind == "pdf" and sniff(raw, where) != "pdf":
            raise DocumentError(f"{where} ({rid}): the attachment says application/pdf but is not a PDF.")
        text, pages, warnings = _extract(kind, raw, f"{where} ({rid})", ocr)
        subject = str((ref.get("subject") or {}).get("reference") or "")
        patient = subject.split("/", 1)[1] if subject.startswith("Patient/") else None
        return [NoteDocument(text, where, rid, "fhir", tuple(pages), dos, tuple(warnings), patient)]
    if any(att.get("url") for att in attachments):
        raise DocumentError(f"{where} ({rid}): the attachment is a URL; suggester runs offline and does not fetch "
                            "it. Export the Bundle with attachment data included.")
    raise DocumentError(f"{where} ({rid}): no attachment with data.")


def _fhir_date(ref: dict) -> dt.date | None:
    for value in ((ref.get("context") or {}).get("period") or {}).get("start"), ref.get("date"):
        if isinstance(value, str) and re.match(r"\d{4}-\d{2}-\d{2}", value):
            try:
                return dt.date.fromisoformat(value[:10])
            except ValueError:
                continue
    return None


# --------------------------------------------------------------------------------------------- visits
_MONTHS = {m: i for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov",
                                       "dec"], 1)}


def _date_at(text: str, pos: int) -> dt.date | None:
    for regex in _settings()["_dates"]:
        m = regex.match(text, pos)
        if not m:
            continue
        g = m.groupdict()
        try:
            year = int(g["y"])
            year = year + 2000 if year < 100 else year
            month = _MONTHS[g["mon"][:3].lower()] if g.get("mon") else int(g["m"])
            return dt.date(year, month, int(g["d"]))
        except (ValueError, KeyError):
            continue
    return None


def _split_visits(text: str, pages: list[PageSpan], name: str, stem: str, kind: str,
                  warnings: list[str]) -> list[NoteDocument]:
    """Split an export holding several visits at its visit headers (at least two, each with a date)."""
    heads = []
    for regex in _settings()["_headers"]:
        for m in regex.finditer(text):
            day = _date_at(text, m.end())
            if day is not None:
                heads.append((m.start(), day))
    heads = sorted(dict(heads).items())
    # a visit runs until a header with another date ("DOS 03/02" twice in one visit, or in its signature, is one)
    merged: list[tuple[int, dt.date]] = []
    for start, day in heads:
        if merged and merged[-1][1] == day:
            continue
        merged.append((start, day))
    if len(merged) < 2:
        day = merged[0][1] if merged else None
        return [NoteDocument(text, name, stem, kind, tuple(pages), day, tuple(warnings))]
    out = []
    used: dict[str, int] = {}
    if text[:merged[0][0]].strip():
        warnings = warnings + [f"{len(text[:merged[0][0]].strip())} characters before the first visit header "
                               "(a patient banner) were not read as a visit"]
    for (start, day), nxt in zip(merged, [s for s, _ in merged[1:]] + [len(text)]):
        chunk = text[start:nxt].rstrip()
        key = day.isoformat()
        used[key] = used.get(key, 0) + 1
        note_id = f"{stem}/{key}" + (f"-{used[key]}" if used[key] > 1 else "")
        sub = tuple(PageSpan(p.page, max(p.start, start) - start, min(p.end, start + len(chunk)) - start,
                             p.ocr_confidence)
                    for p in pages if p.end > start and p.start < start + len(chunk))
        out.append(NoteDocument(chunk, name, note_id, kind, sub, day, tuple(warnings)))
    return out


# --------------------------------------------------------------------------------------------- many files
def iter_documents(source) -> Iterator[tuple[str, NoteDocument | DocumentError]]:
    """Every note in a folder (recursively), a ``.zip`` archive or one file (a FHIR bundle gives many): yields
    ``(file name, NoteDocument)`` or ``(file name, DocumentError)`` per note or per unreadable file, in name
    order. Archives are read in memory, never extracted, and refused when they would expand beyond the limits."""
    path = Path(source)
    if path.is_dir():
        for p in sorted(x for x in path.rglob("*") if x.is_file() and not any(
                part.startswith(".") for part in x.relative_to(path).parts)):
            yield from _one(p.relative_to(path).as_posix(), lambda p=p: read_document(p, name=p.relative_to(path).as_posix()))
        return
    if not path.is_file():
        raise DocumentError(f"No such file or folder: {path}.")
    with open(path, "rb") as fh:
        magic = fh.read(4)
    if magic.startswith(b"PK\x03\x04") and path.suffix.lower() != ".docx":
        yield from _zip(path)
        return
    yield from _one(path.name, lambda: read_document(path))


def _one(name: str, read) -> Iterator[tuple[str, NoteDocument | DocumentError]]:
    try:
        docs = read()
    except DocumentError as exc:
        yield name, exc
        return
    for doc in docs:
        yield name, doc


def _zip(path: Path) -> Iterator[tuple[str, NoteDocument | DocumentError]]:
    s = _settings()
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        yield path.name, DocumentError(f"{path.name}: a corrupt ZIP archive.")
        return
    with zf:
        members = [m for m in zf.infolist() if not m.is_dir()]
        if len(members) > int(s["max_archive_members"]):
            yield path.name, DocumentError(f"{path.name}: {len(members)} files is over the "
                                           f"{s['max_archive_members']}-file limit for an archive.")
            return
        total = 0
        for m in sorted(members, key=lambda m: m.filename):
            name = m.filename
            parts = PurePosixPath(name.replace("\\", "/")).parts
            if name.startswith(("/", "\\")) or ".." in parts or re.match(r"^[A-Za-z]:", name):
                yield name, DocumentError(f"{name}: a path that climbs out of the archive; skipped.")
                continue
            if any(p.startswith(".") or p == "__MACOSX" for p in parts):
                continue
            if m.file_size > int(s["max_file_bytes"]):
                yield name, DocumentError(f"{name}: {m.file_size:,} bytes uncompressed is over the "
                                          f"{s['max_file_bytes']:,}-byte limit.")
                continue
            if m.compress_size and m.file_size / m.compress_size > float(s["max_compression_ratio"]):
                yield name, DocumentError(f"{name}: compressed {m.file_size // max(1, m.compress_size)}:1, "
                                          "refused as a possible zip bomb.")
                continue
            total += m.file_size
            if total > int(s["max_archive_bytes"]):
                yield name, DocumentError(f"{name}: the archive expands beyond {s['max_archive_bytes']:,} bytes; "
                                          "the rest is not read. Split the archive.")
                continue
            try:
                with zf.open(m) as fh:
                    data = fh.read(int(s["max_file_bytes"]) + 1)
            except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError) as exc:
                yield name, DocumentError(f"{name}: could not be read from the archive ({type(exc).__name__}).")
                continue
            if len(data) > int(s["max_file_bytes"]):
                yield name, DocumentError(f"{name}: larger than its recorded size; refused.")
                continue
            if data[:4].startswith(b"PK\x03\x04") and not name.lower().endswith(".docx"):
                yield name, DocumentError(f"{name}: an archive inside the archive; extract it first.")
                continue
            yield from _one(name, lambda data=data, name=name: read_document(data, name=name))

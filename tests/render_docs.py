"""Render a synthetic note as the documents clinics export (PDF with a text layer, Word, HTML, a scanned PDF
that holds only page images, a FHIR Bundle), for the document-reader tests and ``bench/documents.py``.
Every fixture is generated here from the project's own notes; no third-party documents."""

from __future__ import annotations

import base64
import html
import io
import json
from pathlib import Path

import matplotlib

FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
MONO = FONT_DIR / "DejaVuSansMono.ttf"
SANS = FONT_DIR / "DejaVuSans.ttf"


def to_pdf(text: str) -> bytes:
    """A PDF with a text layer: one text line per line of the note (long lines wrap at the margin)."""
    from fpdf import FPDF

    pdf = FPDF(format="letter")
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_font("mono", fname=str(MONO))
    pdf.set_font("mono", size=9)
    pdf.add_page()
    for line in text.split("\n"):
        if line.strip():
            pdf.multi_cell(0, 4.5, line, new_x="LMARGIN", new_y="NEXT", align="L")
        else:
            pdf.ln(4.5)
    return bytes(pdf.output())


def to_docx(text: str) -> bytes:
    import docx

    document = docx.Document()
    for line in text.split("\n"):
        document.add_paragraph(line)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def to_html(text: str) -> bytes:
    body = "\n".join(f"<p>{html.escape(line)}</p>" if line.strip() else "<p></p>" for line in text.split("\n"))
    return (f"<!DOCTYPE html><html><head><title>Visit</title><style>p {{margin: 0}}</style>"
            f"<script>var x = '<p>not text</p>';</script></head><body>\n{body}\n</body></html>").encode()


def to_scanned_pdf(text: str, *, dpi: int = 200, lines_per_page: int = 45) -> bytes:
    """A PDF holding only page images (as a fax or scanner makes): no text layer, OCR needed."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(str(SANS), size=int(dpi * 11 / 72))
    width, height = int(8.5 * dpi), int(11 * dpi)
    margin, step = int(0.75 * dpi), int(dpi * 16 / 72)
    lines = []
    for line in text.split("\n"):   # wrap long lines at the page width
        while line and font.getlength(line) > width - 2 * margin:
            cut = max(1, int(len(line) * (width - 2 * margin) / font.getlength(line)) - 1)
            cut = line.rfind(" ", 0, cut) if " " in line[:cut] else cut
            lines.append(line[:cut])
            line = line[cut:].lstrip()
        lines.append(line)
    pages = []
    for k in range(0, max(1, len(lines)), lines_per_page):
        img = Image.new("L", (width, height), 255)
        draw = ImageDraw.Draw(img)
        for j, line in enumerate(lines[k:k + lines_per_page]):
            draw.text((margin, margin + j * step), line, fill=0, font=font)
        pages.append(img)
    buf = io.BytesIO()
    pages[0].save(buf, "PDF", save_all=True, append_images=pages[1:], resolution=dpi)
    return buf.getvalue()


def to_fhir_bundle(notes: list[tuple[str, str, str]], *, as_pdf: bool = False) -> bytes:
    """A FHIR R4 Bundle of DocumentReferences from ``(id, date, text)``, attachments as text or as PDFs."""
    entries = []
    for rid, date, text in notes:
        data, ctype = (to_pdf(text), "application/pdf") if as_pdf else (text.encode(), "text/plain")
        entries.append({"fullUrl": f"urn:uuid:{rid}", "resource": {
            "resourceType": "DocumentReference", "id": rid, "status": "current", "date": f"{date}T09:00:00Z",
            "type": {"coding": [{"system": "http://loinc.org", "code": "11506-3", "display": "Progress note"}]},
            "content": [{"attachment": {"contentType": ctype, "data": base64.b64encode(data).decode()}}]}})
    return json.dumps({"resourceType": "Bundle", "type": "collection", "entry": entries}).encode()

#!/usr/bin/env bash
# Installs Debian's Tesseract OCR for the scanned-page tests (tests/test_documents.py): suggester reads PDF
# pages without a text layer with it (pytesseract comes with the dev install).
set -euo pipefail
exec bash "$(dirname "$0")/apt-install.sh" tesseract tesseract-ocr tesseract-ocr-eng

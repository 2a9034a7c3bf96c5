#!/usr/bin/env bash
# Installs Debian's Tesseract OCR for the scanned-page tests (tests/test_documents.py): suggester reads PDF
# pages without a text layer with it (pytesseract and pypdfium2 come with the dev install).
set -euo pipefail
if command -v tesseract >/dev/null 2>&1; then
  echo "tesseract already installed: $(tesseract --version 2>&1 | head -1)"
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends tesseract-ocr tesseract-ocr-eng
tesseract --version 2>&1 | head -1

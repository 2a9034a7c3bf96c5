#!/usr/bin/env bash
# Installs Debian packages for a test when COMMAND is not already on the machine:
#   bash .ci/apt-install.sh COMMAND PACKAGE...
# (used by install-browser.sh and install-ocr.sh; prints the installed version either way).
set -euo pipefail
check="$1"; shift
if command -v "$check" >/dev/null 2>&1; then
  echo "$check already installed: $("$check" --version 2>/dev/null | head -1 || true)"
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "$@"
"$check" --version 2>/dev/null | head -1 || true

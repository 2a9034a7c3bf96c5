#!/usr/bin/env bash
# Installs Debian's Chromium and ChromeDriver for the browser test (tests/test_web_browser.py).
# Playwright's own browser download (`playwright install`) is not used: the test drives /usr/bin/chromium.
set -euo pipefail
exec bash "$(dirname "$0")/apt-install.sh" /usr/bin/chromium chromium chromium-driver fonts-dejavu-core

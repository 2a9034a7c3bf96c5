"""Shared by the browser tests: the Chromium flags, and `suggester serve` on a free loopback port.

The ``chromium`` fixture (conftest.py) finds Debian's Chromium and Playwright; :func:`serve` starts the server
in a subprocess, waits for ``/healthz`` and stops it afterwards.
"""

import json
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve(log_path: Path, *args: str):
    """``suggester serve ARGS`` on a free loopback port, its output in ``log_path``; yields ``(base URL, healthz)``."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "suggester", "serve", "--host", "127.0.0.1", "--port", str(port),
                                 *args], stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
        try:
            deadline = time.monotonic() + 90
            while True:
                try:
                    with urllib.request.urlopen(f"{base}/healthz", timeout=2) as r:
                        if r.status == 200:
                            health = json.loads(r.read())
                            break
                except OSError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"`suggester serve {' '.join(args)}` did not start: {log_path.read_text()[-2000:]}")
                time.sleep(0.25)
            yield base, health
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:  # pragma: no cover
                proc.kill()
                proc.wait()

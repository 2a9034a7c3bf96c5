"""Indexes the engine builds from its data files, kept on disk so that the next process starts fast.

Building the phrase index (some 20,000 catalogue and lexicon names, their matching forms and their first-token
index) takes a fifth of a second, every time a process starts: most of a CLI call's own work. The built index is
plain strings, tuples, lists, dicts and sets, so it is written once with :mod:`marshal` (no code, nothing but
those containers) and read back in a few milliseconds.

* What is stored comes only from the packaged data files, the catalogue and a clinic model's learned phrases:
  never note text.
* The file name is a SHA-256 of everything the index is built from (the data, the builder's source code, the
  package and Python versions), so a changed data file or a new release never reads an old index.
* A file that is unreadable, cut short or altered (its own SHA-256 is checked) is ignored and rebuilt; a directory
  that cannot be written is skipped. The cache only ever saves time: results are the same with or without it.
* Where: ``$SUGGESTER_CACHE_DIR``; else ``$XDG_CACHE_HOME/suggester``; else ``~/.cache/suggester``.
  ``SUGGESTER_CACHE_DIR=off`` (or empty) turns it off. At most :data:`KEEP` files of each kind are kept.
"""

from __future__ import annotations

import gc
import hashlib
import json
import marshal
import os
import sys
import tempfile
from pathlib import Path

from ._version import __version__

__all__ = ["cache_dir", "cache_key", "load", "store"]

KEEP = 8
_MAGIC = b"suggester-index-1\n"
_OFF = {"", "0", "off", "false", "no", "none"}


def cache_dir() -> Path | None:
    """The directory for cached indexes, or None when caching is turned off."""
    env = os.environ.get("SUGGESTER_CACHE_DIR")
    if env is not None:
        return None if env.strip().lower() in _OFF else Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "suggester"


def cache_key(kind: str, inputs, sources=(), data: bytes = b"") -> str:
    """A file name for an index of ``kind``: the SHA-256 of its JSON-able ``inputs``, raw ``data``, the source
    files of the modules that build it (``sources``), and the package and Python versions."""
    h = hashlib.sha256()
    h.update(f"{kind}\x00{__version__}\x00{sys.version}\x00".encode())
    h.update(json.dumps(inputs, sort_keys=True, ensure_ascii=False, default=sorted).encode())
    h.update(data)
    for module in sources:
        try:
            h.update(Path(module.__file__).read_bytes())
        except (OSError, TypeError, AttributeError):
            h.update(repr(module).encode())   # no source file (a frozen build): the version alone decides
    return f"{kind}-{h.hexdigest()[:40]}.idx"


def load(key: str):
    """The index stored under ``key``, or None (no cache, no file, or a file that fails its check)."""
    where = cache_dir()
    if where is None:
        return None
    try:
        raw = (where / key).read_bytes()
    except OSError:
        return None
    head = len(_MAGIC) + 32
    if len(raw) < head or not raw.startswith(_MAGIC) or hashlib.sha256(raw[head:]).digest() != raw[len(_MAGIC):head]:
        return None
    enabled = gc.isenabled()
    gc.disable()   # a quarter of a million new containers: no cycle collection can find garbage among them
    try:
        return marshal.loads(raw[head:])
    except (ValueError, EOFError, TypeError):
        return None
    finally:
        if enabled:
            gc.enable()


def store(key: str, value) -> None:
    """Write ``value`` (plain containers only) under ``key``, atomically; any failure leaves no file behind."""
    where = cache_dir()
    if where is None:
        return
    try:
        payload = marshal.dumps(value)
        where.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=where, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(_MAGIC + hashlib.sha256(payload).digest() + payload)
            os.replace(tmp, where / key)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        kind = key.split("-", 1)[0]
        older = sorted((p for p in where.glob(f"{kind}-*.idx") if p.name != key), key=_mtime, reverse=True)
        for p in older[KEEP - 1:]:
            p.unlink(missing_ok=True)
    except (OSError, ValueError):
        return


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0

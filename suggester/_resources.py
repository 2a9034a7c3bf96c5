"""Read packaged data files with importlib.resources (never by walking up from __file__)."""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from .errors import ResourceError

_PACKAGE = "suggester.resources"


def resource_bytes(name: str) -> bytes:
    """Return the raw bytes of the packaged resource ``name``."""
    try:
        return resources.files(_PACKAGE).joinpath(name).read_bytes()
    except FileNotFoundError as exc:
        raise ResourceError(
            f"Packaged resource {name!r} is missing from {_PACKAGE}. Reinstall suggester "
            "(`make install`) or restore the file from git."
        ) from exc


def read_json(name_or_path: str | Path, *, packaged: bool = True) -> Any:
    """Parse a packaged JSON resource (or a user file when ``packaged`` is False)."""
    if packaged:
        raw = resource_bytes(str(name_or_path))
        label = f"packaged resource {name_or_path!r}"
    else:
        path = Path(name_or_path)
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise ResourceError(f"Cannot read {path}: {exc.strerror}. Check the path.") from exc
        label = str(path)
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ResourceError(
            f"{label} is not valid UTF-8 JSON ({exc}). Restore it from git or fix the syntax."
        ) from exc


@lru_cache(maxsize=None)
def packaged_json(name: str) -> Any:
    """Cached :func:`read_json` for packaged resources (treat the result as read-only)."""
    return read_json(name)


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def require_keys(record: dict, required: dict[str, type | tuple], where: str,
                 optional: dict[str, type | tuple] | None = None) -> None:
    """Check a JSON record's keys and types, raising ResourceError naming ``where`` and the field."""
    optional = optional or {}
    if not isinstance(record, dict):
        raise ResourceError(f"{where}: expected an object, got {type(record).__name__}.")
    unknown = sorted(set(record) - set(required) - set(optional))
    if unknown:
        raise ResourceError(
            f"{where}: unknown field(s) {unknown}; allowed: {sorted(set(required) | set(optional))}."
        )
    for key, typ in required.items():
        if key not in record:
            raise ResourceError(f"{where}: missing required field {key!r}.")
    for key, typ in {**required, **optional}.items():
        if key in record and not isinstance(record[key], typ):
            names = typ.__name__ if isinstance(typ, type) else "/".join(t.__name__ for t in typ)
            raise ResourceError(
                f"{where}: field {key!r} must be {names}, got {type(record[key]).__name__}."
            )

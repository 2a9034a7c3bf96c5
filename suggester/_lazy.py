"""Module-level ``__getattr__`` that imports attributes on first use (keeps ``import suggester`` light)."""

from __future__ import annotations

import importlib


def lazy_attributes(package: str, where: dict[str, str], namespace: dict):
    """Return a ``__getattr__`` for ``package`` that imports ``name`` from submodule ``where[name]``."""

    def __getattr__(name: str):
        if name in where:
            value = getattr(importlib.import_module(f".{where[name]}", package), name)
            namespace[name] = value  # cache: later lookups skip __getattr__
            return value
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__

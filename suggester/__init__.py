"""suggester: suggest US physical-therapy billing codes from treatment notes, and audit past claims.

Decision support for coding, not a certified coder. Runs fully offline; note text is never logged.

>>> import suggester                                            # doctest: +SKIP
>>> engine = suggester.Suggester()                              # doctest: +SKIP
>>> engine.suggest("TherEx 23 min: SLR, bridges").to_dict()     # doctest: +SKIP

Importing this package loads neither spaCy nor the model; that happens when a
:class:`Suggester` is built.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._lazy import lazy_attributes
from ._version import __version__
from .errors import (CatalogueError, InconsistentVersionWarning, InputError, ModelLoadError, ResourceError,
                     SuggesterError)

if TYPE_CHECKING:  # pragma: no cover
    from .audit import audit
    from .catalogue import load_catalogue
    from .engine import Suggester, suggest
    from .results import Result, Suggestion

__all__ = [
    "CatalogueError",
    "InconsistentVersionWarning",
    "InputError",
    "ModelLoadError",
    "ResourceError",
    "Result",
    "Suggester",
    "SuggesterError",
    "Suggestion",
    "__version__",
    "audit",
    "load_catalogue",
    "suggest",
]

_LAZY = {"Suggester": "engine", "suggest": "engine", "Result": "results", "Suggestion": "results",
         "load_catalogue": "catalogue", "audit": "audit"}


__getattr__ = lazy_attributes(__name__, _LAZY, globals())


def __dir__() -> list[str]:
    return sorted(__all__)

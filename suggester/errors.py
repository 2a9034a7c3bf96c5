"""Exceptions and warnings raised by suggester.

Every error names what was wrong, what is allowed, what was given, and how to
fix it. Messages never contain note text (notes are patient data): they name
row numbers, ids, files and fields instead.

::

    SuggesterError (Exception)
    ├── ResourceError          a packaged or user data file is missing or malformed
    │   └── CatalogueError     the code catalogue failed validation
    ├── ModelLoadError         the model artifact is missing, tampered or mismatched
    ├── InputError (ValueError) bad arguments or input data from the caller
    └── review.ReviewError     the review store (suggester.review.errors): StoreError (database unavailable,
                               locked, full, other schema), AuthError, PermissionError_, NotFoundError,
                               ConflictError (stale version), InvalidDecision (also an InputError)

    InconsistentVersionWarning (UserWarning)
"""

from __future__ import annotations

__all__ = [
    "CatalogueError",
    "InconsistentVersionWarning",
    "InputError",
    "ModelLoadError",
    "ResourceError",
    "SuggesterError",
]


class SuggesterError(Exception):
    """Root of every error raised on purpose by suggester."""


class ResourceError(SuggesterError):
    """A data file (catalogue, rules, fees, NCCI pairs ...) is missing or malformed."""


class CatalogueError(ResourceError):
    """The code catalogue failed validation; the message names the record and field."""


class ModelLoadError(SuggesterError):
    """The model artifact cannot be trusted or used; the message says how to rebuild it."""


class InputError(SuggesterError, ValueError):
    """The caller passed an invalid argument or input file."""


class InconsistentVersionWarning(UserWarning):
    """The model was built with different library versions than the ones installed.

    Attributes
    ----------
    package : str
    built_with : str
    installed : str
    """

    def __init__(self, package: str, built_with: str, installed: str) -> None:
        self.package = package
        self.built_with = built_with
        self.installed = installed
        super().__init__(
            f"The model was built with {package} {built_with} but {installed} is installed; "
            "predictions may differ. Rebuild it with `suggester train`."
        )

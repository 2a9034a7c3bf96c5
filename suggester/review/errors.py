"""The review store's errors. Each has the HTTP ``status`` and error ``kind`` the service answers with, and a
message that says what to do; none quotes note text."""

from __future__ import annotations

from ..errors import InputError, SuggesterError

__all__ = ["AuthError", "ConflictError", "InvalidDecision", "NotFoundError", "PermissionError_", "ReviewError",
           "StoreError", "safe_url", "translate"]


class ReviewError(SuggesterError):
    """Root of the review store's errors; ``status`` is the HTTP status the service answers with."""

    status = 400
    kind = "review_error"


class StoreError(ReviewError):
    """The database cannot be used (unreachable, locked, full, newer schema); the message says how to fix it."""

    status = 503
    kind = "store_unavailable"


class AuthError(ReviewError):
    status = 401
    kind = "unauthorized"


class PermissionError_(ReviewError):
    status = 403
    kind = "forbidden"


class NotFoundError(ReviewError):
    status = 404
    kind = "not_found"


class ConflictError(ReviewError):
    """Someone else changed the item first (or the same thing exists); ``current`` is its state now."""

    status = 409
    kind = "conflict"

    def __init__(self, message: str, current: dict | None = None) -> None:
        super().__init__(message)
        self.current = current


class InvalidDecision(ReviewError, InputError):
    status = 422
    kind = "invalid_request"


def safe_url(url: str) -> str:
    """The URL without its password, for messages."""
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - a message helper must not fail
        return "(the database URL)"


def translate(exc: Exception, url: str) -> ReviewError:
    """A database exception as an error that says what to do."""
    text = str(getattr(exc, "orig", exc) or exc).lower()
    where = safe_url(url)
    if "database is locked" in text or "database table is locked" in text:
        return StoreError(f"The review database {where} is locked by another program (a long write or an open "
                          "editor). Nothing was written; retry in a moment, and close other programs using the file "
                          "if it persists.")
    if "disk is full" in text or "no space left" in text or "could not extend file" in text:
        return StoreError(f"The review database {where} is full (no space left). Nothing was written; free disk "
                          "space or move the database, then retry.")
    if "readonly" in text or "read-only" in text:
        return StoreError(f"The review database {where} is read-only. Nothing was written; check the file's "
                          "permissions.")
    if "unable to open database file" in text:
        return StoreError(f"Cannot open the SQLite file of {where}: check that its folder exists and is writable.")
    if any(s in text for s in ("connection refused", "could not connect", "timeout expired", "connection timed out",
                               "name or service not known", "could not translate host", "no route to host",
                               "server closed the connection", "connection failed")):
        return StoreError(f"Cannot reach the database server of {where}. Nothing was written; check that the server "
                          "is running and the host, port, user and database in --db are right.")
    if "password authentication failed" in text or "authentication failed" in text:
        return StoreError(f"The database server of {where} refused the login: check the user and password in --db.")
    if "does not exist" in text and "database" in text:
        return StoreError(f"The database named in {where} does not exist: create it (createdb NAME) first.")
    return StoreError(f"The review database {where} failed ({type(exc).__name__}). Nothing was written; retry, "
                      "and check the server's log if it persists.")

"""The review worklist: suggestions and audit findings reviewed by people, kept on a real database.

>>> from suggester.review import open_store                      # doctest: +SKIP
>>> store = open_store("sqlite:///review.db")                     # doctest: +SKIP
>>> admin, token = store.add_user("ana", "admin")                 # doctest: +SKIP

Importing this package loads neither SQLAlchemy nor Alembic; that happens when a store is opened.
"""

from __future__ import annotations

from .._lazy import lazy_attributes

__all__ = ["ACTIONS", "RESOLUTIONS", "AuthError", "ConflictError", "NotFoundError", "PermissionError_", "ReviewError",
           "ReviewStore", "StoreError", "User", "default_db_url", "iter_records", "open_store"]

__getattr__ = lazy_attributes(__name__, {name: "store" for name in __all__}, globals())

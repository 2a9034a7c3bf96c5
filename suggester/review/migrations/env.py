"""Alembic environment for the review store.

suggester runs migrations itself (``suggester review migrate --db URL``, or on first use of an empty database):
the caller passes an open connection in ``config.attributes["connection"]``. Developers adding a migration run
``python -m suggester.review.migrations.revision "message"`` against a scratch SQLite database.
"""

from alembic import context

from suggester.review.schema import METADATA

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - suggester always passes its connection
    raise RuntimeError("Run migrations through suggester (suggester review migrate --db URL).")
context.configure(connection=connection, target_metadata=METADATA, render_as_batch=True, compare_type=True)
with context.begin_transaction():
    context.run_migrations()

"""Alembic environment: runs on the connection the Store hands over (see store.upgrade)."""

from __future__ import annotations

from alembic import context

from recipe_dash.store.models import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copies the table instead
)
with context.begin_transaction():
    context.run_migrations()

"""Alembic environment: runs on the connection handed over by db.migrate.

db.migrate owns the transaction and the lock (BEGIN IMMEDIATE on SQLite, an advisory
lock on PostgreSQL); nothing here commits. No URL ever goes through Alembic's ini
parser, which reads '%' as interpolation.
"""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

from attendance_desktop.db import models  # noqa: F401  (registers the tables)

config = context.config
target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations through attendance_desktop.db.migrate.upgrade()")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():  # a no-op: the caller's transaction is open
        context.run_migrations()


run_migrations_online()

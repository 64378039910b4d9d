"""Alembic environment for VIS. Run through :func:`vis.db.migrate.upgrade`, not the alembic CLI."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from vis.db.schema import metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("VIS migrations run through vis.db.migrate with a connection")
_run(connection)

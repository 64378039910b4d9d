"""Engines on the configured database, for work outside the app (which keeps its own)."""

from __future__ import annotations

from sqlalchemy import Engine

from vis.errors import VisError
from vis.settings import Settings


def build_engine(settings: Settings) -> Engine:
    """An engine on the configured database, whatever its schema version."""
    from vis.db.engine import FileAccess, make_engine

    return make_engine(
        settings.database_url(),
        busy_timeout_ms=settings.database.sqlite_busy_timeout_ms,
        files=FileAccess(settings.security.file_group),
    )


def ready_engine(settings: Settings) -> Engine:
    """An engine on a database that `vis init` has brought to the current schema."""
    from vis.db.revision import code_head, stored_revision

    engine = build_engine(settings)
    if stored_revision(engine) != code_head():
        engine.dispose()
        raise VisError("de database is niet (bij)gewerkt: voer eerst 'vis init' uit")
    return engine

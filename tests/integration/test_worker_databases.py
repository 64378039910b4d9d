"""Parallel test workers cannot see each other's PostgreSQL advisory locks: each pytest-xdist
worker runs in a database of its own (the locks VIS takes are per database, not per schema)."""

from __future__ import annotations

import os

from sqlalchemy import make_url, text

from vis.db.engine import make_engine


def test_each_worker_holds_its_advisory_locks_in_a_database_of_its_own(
    pg_url: str, configured_pg_url: str
) -> None:
    engine = make_engine(pg_url)
    try:
        with engine.connect() as conn:
            database = conn.execute(text("SELECT current_database()")).scalar_one()
    finally:
        engine.dispose()
    configured = make_url(configured_pg_url).database
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker is None:  # one process: nobody to share the configured database with
        assert database == configured
    else:
        assert database.startswith(f"{configured}_{worker}_") and database != configured

from __future__ import annotations

import pytest
from sqlalchemy import inspect

from vis.db.engine import make_engine
from vis.db.migrate import current_revision, head_revision, upgrade
from vis.db.schema import metadata


def test_init_creates_every_table_and_is_idempotent(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        assert upgrade(engine) == head_revision()
        assert upgrade(engine) == head_revision()
        tables = set(inspect(engine).get_table_names())
        assert set(metadata.tables) <= tables
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()


def test_sqlite_runs_in_wal_mode_with_busy_timeout(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'w.db'}", busy_timeout_ms=1234)
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 1234
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("before", "revision", "table"),
    [("0007", "0008", "calibrations"), ("0008", "0009", "evaluation_results")],
)
def test_a_migration_adds_its_table_and_takes_it_away_again(
    db_url: str, before: str, revision: str, table: str
) -> None:
    from alembic import command

    from vis.db.migrate import alembic_config

    engine = make_engine(db_url)
    try:
        upgrade(engine, before)
        assert table not in inspect(engine).get_table_names()
        assert upgrade(engine, revision) == revision
        columns = {c["name"] for c in inspect(engine).get_columns(table)}
        assert columns == set(metadata.tables[table].columns.keys())
        cfg = alembic_config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, before)
        assert table not in inspect(engine).get_table_names()
        assert current_revision(engine) == before
    finally:
        engine.dispose()

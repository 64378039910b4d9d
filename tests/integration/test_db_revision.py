"""The light schema-version check (vis.db.revision) gives Alembic's answers, before and after
`vis init`, on both databases."""

from __future__ import annotations

from vis.db.engine import make_engine
from vis.db.migrate import current_revision, head_revision, upgrade
from vis.db.revision import code_head, stored_revision


def test_code_head_is_alembics_head() -> None:
    assert code_head() == head_revision()


def test_stored_revision_is_alembics_before_and_after_the_migration(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        assert stored_revision(engine) is None
        assert current_revision(engine) is None
        upgrade(engine, "0002")
        assert stored_revision(engine) == current_revision(engine) == "0002"
        upgrade(engine)
        assert stored_revision(engine) == current_revision(engine) == code_head()
    finally:
        engine.dispose()

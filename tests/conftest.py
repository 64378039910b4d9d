"""Shared fixtures: a real SQLite file and a real PostgreSQL schema per test, migrated to head.

Which databases run is set by VIS_TEST_DATABASES (default "sqlite,postgresql"); PostgreSQL is the
machine's server at VIS_TEST_PG_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/test).
Each test that asks for a PostgreSQL database gets its own schema, dropped afterwards, so that
parallel runs cannot collide. Under pytest-xdist each worker also gets its own database (created
from the configured one's server, dropped when the worker ends): advisory locks, which VIS takes
for ingest runs, jobs and the audit chain, are per database, not per schema, so workers sharing
one database would see each other's locks.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings
from pgdb import scratch_database
from sqlalchemy import Engine, create_engine, make_url, text

from vis.db.engine import make_engine
from vis.db.migrate import upgrade

TEST_DATA = Path(__file__).resolve().parent / "data"

# Property tests have a fixed budget and no per-example deadline (the machine is shared); in CI
# they are also derandomised, so that a run is reproducible and a failure shows the same example.
hypothesis_settings.register_profile("local", deadline=None)
hypothesis_settings.register_profile("ci", deadline=None, derandomize=True, print_blob=True)
hypothesis_settings.load_profile("ci" if os.environ.get("CI") else "local")
PG_URL = os.environ.get("VIS_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
DATABASES = [
    d.strip() for d in os.environ.get("VIS_TEST_DATABASES", "sqlite,postgresql").split(",") if d
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        path = str(item.path).replace(os.sep, "/")
        if "/integration/" in path:
            item.add_marker(pytest.mark.integration)
        if "/browser/" in path:  # a real Chromium and a served app: never the quick loop
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def configured_pg_url() -> str:
    """VIS_TEST_PG_URL (skips the test when VIS_TEST_DATABASES leaves PostgreSQL out)."""
    if "postgresql" not in DATABASES:
        pytest.skip("VIS_TEST_DATABASES leaves PostgreSQL out")
    return PG_URL


@pytest.fixture(scope="session")
def pg_url(configured_pg_url: str) -> Iterator[str]:
    """The PostgreSQL database of this test process: VIS_TEST_PG_URL's database itself, or under
    pytest-xdist one of the worker's own, named after the worker and the run."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker is None:
        yield PG_URL
        return
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID", uuid.uuid4().hex)[:8]
    with scratch_database(PG_URL, f"{make_url(PG_URL).database}_{worker}_{run}") as url:
        yield url


@pytest.fixture(params=DATABASES)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL to an empty database of each configured kind (not yet migrated)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'vis.db'}"
        return
    if request.param != "postgresql":
        raise ValueError(f"unknown test database {request.param!r}")
    database: str = request.getfixturevalue("pg_url")
    schema = f"vis_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(database, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{database}?options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """A migrated engine on each configured database."""
    eng = make_engine(db_url)
    upgrade(eng)
    try:
        yield eng
    finally:
        eng.dispose()


@pytest.fixture
def test_data() -> Path:
    return TEST_DATA

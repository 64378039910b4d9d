"""`vis audit verify` on SQLite and PostgreSQL: exit 0 on a whole chain, a one-line reason naming
the first broken entry after a change or a deletion."""

from __future__ import annotations

import datetime as dt

import pytest
from clirun import CliResult, run_vis
from sqlalchemy import Engine, delete, select, update

from vis.db.schema import audit_log
from vis.security import audit
from vis.settings import PROJECT_ROOT


def vis(args: list[str], url: str) -> CliResult:
    env = {"VIS_DATABASE_URL": url, "VIS_CONFIG": str(PROJECT_ROOT / "config/vis.toml")}
    return run_vis(*args, env=env)


def _entries(engine: Engine, n: int = 5) -> list[int]:
    start = dt.datetime(2026, 1, 1, 8, tzinfo=dt.UTC)
    for i in range(n):
        audit.append(
            engine,
            audit.VIEW,
            username=f"user{i}",
            target="briefing",
            detail={"i": i},
            client="10.0.0.1",
            at=start + dt.timedelta(minutes=i),
        )
    with engine.connect() as conn:
        return list(conn.execute(select(audit_log.c.id).order_by(audit_log.c.id)).scalars())


def test_whole_chain_verifies_with_exit_zero(engine: Engine, db_url: str) -> None:
    _entries(engine)
    result = vis(["audit", "verify"], db_url)
    assert result.returncode == 0, result.stderr
    assert "heel: 5 regels" in result.stdout


def test_empty_chain_verifies(engine: Engine, db_url: str) -> None:
    result = vis(["audit", "verify"], db_url)
    assert result.returncode == 0, result.stderr


@pytest.mark.slow
def test_changed_entry_is_named_as_changed(engine: Engine, db_url: str) -> None:
    ids = _entries(engine)
    with engine.begin() as conn:
        conn.execute(update(audit_log).where(audit_log.c.id == ids[2]).values(username="mallory"))
    result = vis(["audit", "verify"], db_url)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert f"regel {ids[2]}" in lines[0] and "gewijzigd" in lines[0]


def test_deleted_entry_shows_as_a_gap_at_the_next_one(engine: Engine, db_url: str) -> None:
    ids = _entries(engine)
    with engine.begin() as conn:
        conn.execute(delete(audit_log).where(audit_log.c.id == ids[1]))
    result = vis(["audit", "verify"], db_url)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert f"regel {ids[2]}" in lines[0] and "ontbrekende" in lines[0]


def test_deleting_the_first_entry_is_a_gap(engine: Engine, db_url: str) -> None:
    ids = _entries(engine)
    with engine.begin() as conn:
        conn.execute(delete(audit_log).where(audit_log.c.id == ids[0]))
    with engine.connect() as conn:
        check = audit.verify_chain(conn)
    assert (check.first_bad_id, check.reason) == (ids[1], "gap")


def test_rehashed_change_still_breaks_at_the_next_entry(engine: Engine) -> None:
    ids = _entries(engine)
    with engine.begin() as conn:
        row = conn.execute(select(audit_log).where(audit_log.c.id == ids[2])).one()
        forged = audit.entry_hash(
            at=row.at,
            username="mallory",
            action=row.action,
            target=row.target,
            detail=row.detail,
            client=row.client,
            prev_hash=row.prev_hash,
        )
        conn.execute(
            update(audit_log)
            .where(audit_log.c.id == ids[2])
            .values(username="mallory", hash=forged)
        )
    with engine.connect() as conn:
        check = audit.verify_chain(conn)
    assert (check.first_bad_id, check.reason) == (ids[3], "gap")

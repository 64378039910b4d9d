"""The job lock and firing claims of ingest.locks, on a real SQLite file and a real PostgreSQL."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, insert, select

from ingest.locks import (
    advisory_key,
    claim_execution,
    finish_execution,
    job_lock,
    make_holder,
)
from vis.db.engine import make_engine
from vis.db.migrate import upgrade
from vis.db.schema import job_executions, job_locks

# A second OS process that takes a lock and reports. "hold": take it, say so, keep it until
# killed. "try": say whether it could be taken, then exit.
LOCK_CHILD = """
import sys, time
from ingest.locks import job_lock
from vis.db.engine import make_engine

mode, url, name, lease = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
engine = make_engine(url)
with job_lock(engine, name, lease_s=lease) as got:
    print("got" if got else "busy", flush=True)
    if mode == "hold" and got:
        time.sleep(120)
"""


def _child(mode: str, url: str, name: str, lease_s: float) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", LOCK_CHILD, mode, url, name, str(lease_s)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _report(proc: subprocess.Popen[str]) -> str:
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    if not line:
        _, err = proc.communicate(timeout=10)
        pytest.fail(f"lock child said nothing (rc {proc.returncode}): {err}")
    return line


def _free(engine: Engine, name: str) -> bool:
    with job_lock(engine, name, lease_s=60) as got:
        return got


@pytest.fixture
def other_engine(db_url: str, engine: Engine) -> Iterator[Engine]:
    """A second, independent engine (own pool, own connections) on the same database."""
    eng = make_engine(db_url)
    try:
        yield eng
    finally:
        eng.dispose()


def test_lock_is_exclusive_across_engines_and_connections(
    engine: Engine, other_engine: Engine
) -> None:
    with job_lock(engine, "daily_ingest", lease_s=60) as got:
        assert got
        with job_lock(other_engine, "daily_ingest", lease_s=60) as second:
            assert not second
        with job_lock(engine, "daily_ingest", lease_s=60) as same_engine:
            assert not same_engine
        with job_lock(other_engine, "other_job", lease_s=60) as other_name:
            assert other_name
    assert _free(other_engine, "daily_ingest")
    assert _free(engine, "daily_ingest")


def test_lock_is_released_when_the_body_raises(engine: Engine, other_engine: Engine) -> None:
    with pytest.raises(RuntimeError), job_lock(engine, "j", lease_s=60) as got:
        assert got
        raise RuntimeError("body failed")
    assert _free(other_engine, "j")


def _end(proc: subprocess.Popen[str], *, kill: bool = False) -> int:
    if kill:
        proc.kill()
    proc.communicate(timeout=30)
    return proc.returncode


@pytest.mark.slow
def test_lock_is_exclusive_across_processes(db_url: str, engine: Engine) -> None:
    with job_lock(engine, "j", lease_s=60) as got:
        assert got
        child = _child("try", db_url, "j", 60)
        assert _report(child) == "busy"
        assert _end(child) == 0

    holder = _child("hold", db_url, "j", 60)
    try:
        assert _report(holder) == "got"
        assert not _free(engine, "j")
        tryer = _child("try", db_url, "j", 60)
        assert _report(tryer) == "busy"
        assert _end(tryer) == 0
    finally:
        _end(holder, kill=True)


@pytest.mark.slow
def test_lock_of_a_killed_holder_is_freed(db_url: str, engine: Engine) -> None:
    """kill -9 of the holder: PostgreSQL drops its session lock, SQLite's lease runs out."""
    lease_s = 1.0
    holder = _child("hold", db_url, "j", lease_s)
    try:
        assert _report(holder) == "got"
        assert not _free(engine, "j")
    finally:
        _end(holder, kill=True)
    killed = time.monotonic()
    while not _free(engine, "j"):
        assert time.monotonic() - killed < 10, "the dead holder's lock was never freed"
        time.sleep(0.05)
    if engine.dialect.name == "postgresql":
        # Freed by the server as soon as the connection closed, not by a lease.
        assert time.monotonic() - killed < lease_s


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    eng = make_engine(f"sqlite:///{tmp_path / 'locks.db'}")
    upgrade(eng)
    try:
        yield eng
    finally:
        eng.dispose()


def _put_lock_row(engine: Engine, name: str, holder: str, expires_in_s: float) -> None:
    now = dt.datetime.now(dt.UTC)
    with engine.begin() as conn:
        conn.execute(
            insert(job_locks).values(
                name=name,
                holder=holder,
                acquired_at=now - dt.timedelta(hours=3),
                expires_at=now + dt.timedelta(seconds=expires_in_s),
            )
        )


def _lock_rows(engine: Engine) -> list[tuple[str, str]]:
    with engine.connect() as conn:
        return [(r.name, r.holder) for r in conn.execute(select(job_locks))]


def test_sqlite_expired_lease_is_taken_over(sqlite_engine: Engine) -> None:
    _put_lock_row(sqlite_engine, "j", "deadhost:4242:abc", expires_in_s=-1)
    with job_lock(sqlite_engine, "j", lease_s=60, holder="me:1:x") as got:
        assert got
        assert _lock_rows(sqlite_engine) == [("j", "me:1:x")]
    assert _lock_rows(sqlite_engine) == []


def test_sqlite_live_lease_is_respected(sqlite_engine: Engine) -> None:
    _put_lock_row(sqlite_engine, "j", "otherhost:4242:abc", expires_in_s=30)
    with job_lock(sqlite_engine, "j", lease_s=60) as got:
        assert not got
    assert _lock_rows(sqlite_engine) == [("j", "otherhost:4242:abc")]


def test_sqlite_lease_is_renewed_while_held(sqlite_engine: Engine, tmp_path: Path) -> None:
    other = make_engine(f"sqlite:///{tmp_path / 'locks.db'}")
    try:
        with job_lock(sqlite_engine, "j", lease_s=0.6) as got:
            assert got
            time.sleep(1.5)  # well past the first lease: only renewal keeps the lock
            with job_lock(other, "j", lease_s=0.6) as stolen:
                assert not stolen
        assert _lock_rows(sqlite_engine) == []
    finally:
        other.dispose()


def test_advisory_key_is_stable_and_64_bit() -> None:
    key = advisory_key("daily_ingest", "public")
    assert key == advisory_key("daily_ingest", "public")
    assert -(2**63) <= key < 2**63
    assert key != advisory_key("daily_ingest", "vis_test_other")
    assert key != advisory_key("weekly", "public")
    # Fixed by BLAKE2b, the same in every process and Python version.
    assert advisory_key("daily_ingest") == advisory_key("daily_ingest", "")
    assert isinstance(advisory_key("x"), int)


@pytest.mark.slow
def test_claim_is_unique_per_job_and_scheduled_time(engine: Engine) -> None:
    at = dt.datetime(2025, 3, 30, 5, 30, tzinfo=ZoneInfo("Europe/Amsterdam"))
    first = claim_execution(engine, "daily_ingest", at, make_holder())
    assert first is not None
    # The same instant, written in UTC, by another process: already claimed.
    assert claim_execution(engine, "daily_ingest", at.astimezone(dt.UTC), make_holder()) is None
    assert claim_execution(engine, "daily_ingest", at, make_holder()) is None
    # Another firing, or another job at the same time, is a new claim.
    assert claim_execution(engine, "daily_ingest", at + dt.timedelta(days=1), "h") not in (
        None,
        first,
    )
    assert claim_execution(engine, "other", at, "h") is not None

    finish_execution(engine, first, "failed", "RuntimeError: " + "x" * 5000)
    with engine.connect() as conn:
        row = conn.execute(select(job_executions).where(job_executions.c.id == first)).one()
    assert row.status == "failed"
    assert row.scheduled_for == at
    assert row.finished_at is not None and row.finished_at >= row.started_at
    assert row.error.startswith("RuntimeError: ") and len(row.error) == 4000


def test_claim_refuses_naive_times(engine: Engine) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        claim_execution(engine, "j", dt.datetime(2025, 1, 1, 5, 30), "h")

"""Database locks and firing claims, so that two scheduler processes never run a job twice.

Two mechanisms work together (see :func:`ingest.scheduler.guarded`):

* **The claim of a firing.** :func:`claim_execution` inserts a ``job_executions`` row that is unique
  on (job, scheduled_for). Of several processes that wake up for the same scheduled time, exactly
  one gets the row; the others get ``None`` and do nothing.
* **The job lock.** :func:`job_lock` keeps two runs of the same job (different firings, or a firing
  and a manual run) from overlapping. It never blocks: it says whether it got the lock.

  - On PostgreSQL it is a session-level advisory lock (``pg_try_advisory_lock``) on a 64-bit key
    derived with BLAKE2b from the schema and the lock name, held on a dedicated connection for the
    duration. If the holder dies, its connection dies and the server releases the lock.
  - On SQLite it is a row in ``job_locks`` with a lease. It is taken in one ``BEGIN IMMEDIATE``
    transaction: inserted when absent, or taken over when its lease has expired (its holder died).
    While the body runs, a thread renews the lease every third of its length; on exit the holder
    deletes its own row.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import socket
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

from sqlalchemy import Connection, Engine, delete, insert, select, text, update
from sqlalchemy.dialects import postgresql, sqlite

from vis.db.engine import WRITE_LOCK
from vis.db.schema import job_executions, job_locks

log = logging.getLogger(__name__)

#: Status values of a ``job_executions`` row.
ExecutionStatus = Literal["running", "success", "failed", "skipped"]

_KEY_NAMESPACE = b"vis.job_lock\x00"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def make_holder() -> str:
    """An identity for one lock holder or claimant: ``host:pid:uuid``."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def holder_gone(holder: str | None) -> bool:
    """True when ``holder`` (``host:pid`` or ``host:pid:…``) names a process on this host that no
    longer exists. A process on another host, or one that can't be checked, is not gone."""
    host, _, rest = (holder or "").partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def advisory_key(name: str, namespace: str = "") -> int:
    """A stable signed 64-bit advisory lock key for ``name`` (BLAKE2b, not Python's hash()).

    ``namespace`` separates deployments that share one PostgreSQL database: :func:`job_lock` passes
    the current schema, so VIS installations (and test runs) in different schemas never collide.
    """
    digest = hashlib.blake2b(
        _KEY_NAMESPACE + namespace.encode() + b"\x00" + name.encode(), digest_size=8
    ).digest()
    return int.from_bytes(digest, "big", signed=True)


@contextmanager
def job_lock(
    engine: Engine, name: str, *, lease_s: float, holder: str | None = None
) -> Iterator[bool]:
    """Try to take the lock ``name``; yield whether it was taken. Never waits for a holder.

    The lock is released when the block ends, whatever happens in it. ``lease_s`` is how long a
    SQLite lock row holds without renewal (a dead holder's row can be taken over after that); on
    PostgreSQL the lock lives exactly as long as the holding connection, and ``lease_s`` is unused.
    """
    if lease_s <= 0:
        raise ValueError("lease_s must be positive")
    holder = holder or make_holder()
    if engine.dialect.name == "postgresql":
        with _advisory_lock(engine, name) as got:
            yield got
    elif engine.dialect.name == "sqlite":
        with _row_lock(engine, name, lease_s, holder) as got:
            yield got
    else:  # pragma: no cover - make_engine admits only these two
        raise NotImplementedError(f"no job lock for {engine.dialect.name}")


# --- PostgreSQL: session-level advisory lock ------------------------------------------------------


@contextmanager
def _advisory_lock(engine: Engine, name: str) -> Iterator[bool]:
    conn = engine.connect()
    key: int | None = None
    got = False
    try:
        schema = conn.execute(text("SELECT current_schema()")).scalar_one() or ""
        key = advisory_key(name, schema)
        got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar_one())
        # The lock belongs to the session, not the transaction: end the transaction so that the
        # connection does not sit "idle in transaction" while the job runs.
        conn.commit()
        if got:
            log.debug("advisory lock %r (key %d) taken", name, key)
        yield got
    finally:
        _advisory_release(conn, name, key, got)


def _advisory_release(conn: Connection, name: str, key: int | None, got: bool) -> None:
    """Unlock and return the connection; if that fails, drop the connection to free the lock."""
    try:
        if got and key is not None:
            released = conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key}).scalar_one()
            conn.commit()
            if not released:
                raise RuntimeError(f"advisory lock {name!r} was not held at release")
    except Exception as exc:  # noqa: BLE001 - a held lock must never go back into the pool
        log.warning("releasing advisory lock %r failed (%s); dropping its connection", name, exc)
        conn.invalidate()
    finally:
        conn.close()


# --- SQLite: lock row with a lease ----------------------------------------------------------------


@contextmanager
def _row_lock(engine: Engine, name: str, lease_s: float, holder: str) -> Iterator[bool]:
    got = _row_acquire(engine, name, lease_s, holder)
    if not got:
        yield False
        return
    stop = threading.Event()
    renewer = threading.Thread(
        target=_row_renew_loop,
        args=(engine, name, lease_s, holder, stop),
        name=f"vis-lock-renew-{name}",
        daemon=True,
    )
    renewer.start()
    try:
        yield True
    finally:
        stop.set()
        renewer.join()
        _row_release(engine, name, holder)


def _row_acquire(engine: Engine, name: str, lease_s: float, holder: str) -> bool:
    now = utcnow()
    values = {
        "holder": holder,
        "acquired_at": now,
        "expires_at": now + dt.timedelta(seconds=lease_s),
    }
    with engine.connect().execution_options(**{WRITE_LOCK: True}) as conn, conn.begin():
        row = conn.execute(
            select(job_locks.c.holder, job_locks.c.expires_at).where(job_locks.c.name == name)
        ).first()
        if row is None:
            conn.execute(insert(job_locks).values(name=name, **values))
            log.debug("lock row %r taken by %s", name, holder)
            return True
        if row.expires_at > now:
            log.debug("lock row %r is held by %s until %s", name, row.holder, row.expires_at)
            return False
        conn.execute(
            update(job_locks)
            .where(job_locks.c.name == name, job_locks.c.holder == row.holder)
            .values(**values)
        )
        log.warning(
            "lock %r: took over the lease of %s, which expired at %s",
            name,
            row.holder,
            row.expires_at,
        )
        return True


def _row_renew_loop(
    engine: Engine, name: str, lease_s: float, holder: str, stop: threading.Event
) -> None:
    while not stop.wait(lease_s / 3):
        try:
            with engine.connect().execution_options(**{WRITE_LOCK: True}) as conn, conn.begin():
                renewed = conn.execute(
                    update(job_locks)
                    .where(job_locks.c.name == name, job_locks.c.holder == holder)
                    .values(expires_at=utcnow() + dt.timedelta(seconds=lease_s))
                ).rowcount
            if not renewed:
                log.error("lock %r: lost to another holder; no longer renewing it", name)
                return
        except Exception as exc:  # noqa: BLE001 - a busy database must not kill the renewer
            log.warning("lock %r: renewing the lease failed (%s); will retry", name, exc)


def _row_release(engine: Engine, name: str, holder: str) -> None:
    try:
        with engine.connect().execution_options(**{WRITE_LOCK: True}) as conn, conn.begin():
            conn.execute(
                delete(job_locks).where(job_locks.c.name == name, job_locks.c.holder == holder)
            )
    except Exception as exc:  # noqa: BLE001 - the lease frees the lock in the end anyway
        log.error("lock %r: releasing failed (%s); it frees when its lease ends", name, exc)


# --- Claims of scheduled firings ------------------------------------------------------------------


def claim_execution(
    engine: Engine, job: str, scheduled_for: dt.datetime, holder: str
) -> int | None:
    """Claim the firing of ``job`` scheduled for ``scheduled_for``: the new row's id, or None.

    None means that another process (or an earlier call) already claimed this firing. The row
    starts with status ``running``; :func:`finish_execution` completes it.
    """
    if scheduled_for.tzinfo is None:
        raise ValueError("scheduled_for must be timezone-aware")
    dialect = engine.dialect.name
    stmt: postgresql.Insert | sqlite.Insert
    if dialect == "postgresql":
        stmt = postgresql.insert(job_executions)
    elif dialect == "sqlite":
        stmt = sqlite.insert(job_executions)
    else:  # pragma: no cover - make_engine admits only these two
        raise NotImplementedError(f"no execution claims for {dialect}")
    claim = (
        stmt.values(
            job=job,
            scheduled_for=scheduled_for,
            holder=holder,
            started_at=utcnow(),
            status="running",
        )
        .on_conflict_do_nothing(index_elements=["job", "scheduled_for"])
        .returning(job_executions.c.id)
    )
    with engine.connect().execution_options(**{WRITE_LOCK: True}) as conn, conn.begin():
        new_id = conn.execute(claim).scalar_one_or_none()
    return None if new_id is None else int(new_id)


def finish_execution(
    engine: Engine, execution_id: int, status: ExecutionStatus, error: str | None = None
) -> None:
    """Record how a claimed firing ended (success, failed or skipped) and when."""
    with engine.connect().execution_options(**{WRITE_LOCK: True}) as conn, conn.begin():
        conn.execute(
            update(job_executions)
            .where(job_executions.c.id == execution_id)
            .values(
                status=status,
                finished_at=utcnow(),
                error=None if error is None else error[:4000],
            )
        )


def mark_abandoned_executions(engine: Engine) -> int:
    """Set the ``running`` claims of processes on this host that are gone to failed; how many.

    A scheduler killed in the middle of a job leaves its claim ``running``; the job's own work is
    atomic (an ingest run is marked failed by the next run), and this closes the claim so that
    ``job_executions`` says what happened. Claims of other hosts are left alone.
    """
    with engine.connect().execution_options(**{WRITE_LOCK: True}) as conn, conn.begin():
        running = conn.execute(
            select(job_executions.c.id, job_executions.c.holder).where(
                job_executions.c.status == "running"
            )
        ).all()
        gone = [r.id for r in running if holder_gone(r.holder)]
        if gone:
            conn.execute(
                update(job_executions)
                .where(job_executions.c.id.in_(gone), job_executions.c.status == "running")
                .values(
                    status="failed",
                    finished_at=utcnow(),
                    error="afgebroken: het proces stopte voordat de taak klaar was",
                )
            )
    return len(gone)

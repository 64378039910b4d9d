"""The run ledger: one row per ingest run, and the atomic-run guarantee.

A run's ledger row is written first, in its own transaction, with status ``running``. The run's data
is then written in one transaction that also sets the row to ``success``. If anything fails, that
transaction rolls back and the row is set to ``failed`` with the error: nothing of the run remains
but the failed ledger row. A process killed mid-run leaves a ``running`` row with no data; the next
run marks such rows failed (:func:`mark_abandoned`).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine, insert, select, update

from ingest.locks import holder_gone
from ingest.textclean import clean_text
from vis.db.engine import WRITE_LOCK
from vis.db.schema import ingest_runs

log = logging.getLogger(__name__)


class IngestError(RuntimeError):
    """An ingest run failed; its ledger row says why. ``run_id`` names that row."""

    def __init__(self, message: str, run_id: int | None = None) -> None:
        super().__init__(message)
        self.run_id = run_id


@dataclass
class RunCounts:
    """What a run received and what became of it: received = the other four added up."""

    received: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    quarantined: int = 0
    unmapped: dict[str, int] = field(default_factory=dict)

    def add(self, other: RunCounts) -> None:
        self.received += other.received
        self.inserted += other.inserted
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.quarantined += other.quarantined
        for key, n in other.unmapped.items():
            self.unmapped[key] = self.unmapped.get(key, 0) + n

    def balanced(self) -> bool:
        return self.received == self.inserted + self.updated + self.unchanged + self.quarantined


@dataclass(frozen=True)
class RunSpec:
    """Which run this is: the source, the kind of delivery and, for feeds, the window."""

    source: str
    kind: str
    location: str | None = None
    window_start: dt.date | None = None
    window_end: dt.date | None = None


@dataclass(frozen=True)
class RunResult:
    run_id: int
    spec: RunSpec
    counts: RunCounts
    duration_s: float


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def start_run(engine: Engine, spec: RunSpec) -> int:
    """Write the ledger row of a new run (status running), committed at once."""
    with engine.begin() as conn:
        result = conn.execute(
            insert(ingest_runs)
            .values(
                source=spec.source,
                kind=spec.kind,
                location=spec.location,
                window_start=spec.window_start,
                window_end=spec.window_end,
                started_at=utcnow(),
                status="running",
                holder=process_holder(),
                received=0,
                inserted=0,
                updated=0,
                unchanged=0,
                quarantined=0,
            )
            .returning(ingest_runs.c.id)
        )
        return int(result.scalar_one())


def _finish_values(counts: RunCounts, started: float, status: str, error: str | None) -> dict:
    return {
        "status": status,
        "finished_at": utcnow(),
        "duration_s": round(time.monotonic() - started, 3),
        "received": counts.received,
        "inserted": counts.inserted,
        "updated": counts.updated,
        "unchanged": counts.unchanged,
        "quarantined": counts.quarantined,
        "unmapped": counts.unmapped or None,
        "error": error,
    }


def fail_run(engine: Engine, run_id: int, error: str, counts: RunCounts, started: float) -> None:
    """Mark a run failed in its own transaction. The received count is kept, the rest is zero."""
    failed = RunCounts(received=counts.received)
    with engine.begin() as conn:
        conn.execute(
            update(ingest_runs)
            .where(ingest_runs.c.id == run_id)
            .values(**_finish_values(failed, started, "failed", error[:4000]))
        )


def process_holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def mark_abandoned(engine: Engine, older_than: dt.timedelta) -> int:
    """Set the ``running`` rows of dead processes to failed; returns how many.

    A row is abandoned when its process on this host is gone, or when it is older than
    ``older_than`` (a process on another host that stopped answering).
    """
    cutoff = utcnow() - older_than
    with engine.begin() as conn:
        running = conn.execute(
            select(ingest_runs.c.id, ingest_runs.c.holder, ingest_runs.c.started_at).where(
                ingest_runs.c.status == "running"
            )
        ).all()
        dead = [r.id for r in running if holder_gone(r.holder) or r.started_at < cutoff]
        if dead:
            conn.execute(
                update(ingest_runs)
                .where(ingest_runs.c.id.in_(dead), ingest_runs.c.status == "running")
                .values(
                    status="failed",
                    finished_at=utcnow(),
                    error="afgebroken: het proces stopte voordat de run klaar was",
                )
            )
        return len(dead)


class ActiveRun:
    """Handed to the body of :func:`atomic_run`: the run id, its counts, and the data connection.

    The connection's transaction starts when the body first uses :attr:`conn`, so that a body can
    fetch its delivery before it takes SQLite's write lock.
    """

    def __init__(self, engine: Engine, run_id: int) -> None:
        self.run_id = run_id
        self.counts = RunCounts()
        self._engine = engine
        self._stack = ExitStack()
        self._conn: Connection | None = None

    @property
    def conn(self) -> Connection:
        if self._conn is None:
            conn = self._stack.enter_context(
                self._engine.connect().execution_options(**{WRITE_LOCK: True})
            )
            self._stack.enter_context(conn.begin())
            self._conn = conn
        return self._conn

    def close(self, exc: BaseException | None) -> None:
        """Commit (``exc`` is None) or roll back the data transaction, and close the connection."""
        if exc is None:
            self._stack.close()
        else:
            self._stack.__exit__(type(exc), exc, exc.__traceback__)


@contextmanager
def atomic_run(engine: Engine, spec: RunSpec) -> Iterator[ActiveRun]:
    """Run a body of writes as one ingest run: all of it commits with the ledger row, or none.

    On success the ledger row is set to success (in the same transaction as the data). On any
    error the data rolls back, the row is set to failed, and :class:`IngestError` is raised.
    """
    run_id = start_run(engine, spec)
    started = time.monotonic()
    run = ActiveRun(engine, run_id)
    try:
        try:
            yield run
            if not run.counts.balanced():
                raise IngestError(f"aantallen kloppen niet: {run.counts}", run_id)
            run.conn.execute(
                update(ingest_runs)
                .where(ingest_runs.c.id == run_id)
                .values(**_finish_values(run.counts, started, "success", None))
            )
        except BaseException as exc:
            run.close(exc)
            raise
        run.close(None)
    except (Exception, KeyboardInterrupt) as exc:
        message = _one_line(exc)
        fail_run(engine, run_id, message, run.counts, started)
        log.warning("ingest run %s (%s) failed: %s", run_id, spec.source, message)
        if isinstance(exc, KeyboardInterrupt):
            raise
        raise IngestError(message, run_id) from exc


def _one_line(exc: BaseException) -> str:
    # Without control characters: a message may quote received text, and PostgreSQL can't
    # store a NUL (the failed ledger row must always be written).
    text = " ".join(clean_text(str(exc)).split()) or type(exc).__name__
    return f"{type(exc).__name__}: {text}" if not isinstance(exc, IngestError) else text


def last_successful_window_end(conn: Connection, source: str) -> dt.date | None:
    """The end (exclusive) of the latest successful window of a feed source, or None."""
    return conn.execute(
        select(ingest_runs.c.window_end)
        .where(
            ingest_runs.c.source == source,
            ingest_runs.c.status == "success",
            ingest_runs.c.window_end.is_not(None),
        )
        .order_by(ingest_runs.c.window_end.desc())
        .limit(1)
    ).scalar_one_or_none()

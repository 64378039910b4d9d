"""kill -9 of the scheduler process (``run_scheduler``, as `vis schedule` runs it) in the middle of
an ingest it started: nothing of the run remains but its ledger row, and the next scheduled firing
in a new scheduler process marks that row failed and loads the whole delivery once."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from crashkit import ROWS, extract, fingerprint, ledger
from sqlalchemy import Engine, func, select

from vis.db.engine import make_engine
from vis.db.migrate import upgrade
from vis.db.schema import incidents, job_executions

#: A scheduler whose only job ingests the file at the given time. The SQLite job lock's lease is
#: cut to 3 s (the setting's minimum is 60 s), so the test need not wait for a dead holder's lease.
SCHEDULER = r"""
import datetime as dt, logging, sys, time
from pathlib import Path
from apscheduler.triggers.date import DateTrigger
from ingest.runner import build_context, ingest_file
from ingest.scheduler import run_scheduler
from vis.db.engine import make_engine
from vis.settings import load_settings

logging.basicConfig(level=logging.INFO, stream=sys.stderr)
url, path, when = sys.argv[1], Path(sys.argv[2]), dt.datetime.fromisoformat(sys.argv[3])
settings = load_settings()
settings = settings.model_copy(update={
    "ingest": settings.ingest.model_copy(update={"chunk_rows": 2000}),
    "schedule": settings.schedule.model_copy(update={"lock_lease_s": 3}),
})
engine = make_engine(url)
context = build_context(settings, engine)
# A pause after each chunk keeps the run going long enough to be killed in the middle.
slow = lambda _rows: time.sleep(0.1)
run_scheduler(settings, engine, jobs={"ingest": lambda: ingest_file(context, path, progress=slow)},
              triggers={"ingest": DateTrigger(when)})
"""


def _scheduler(url: str, path: Path, when: dt.datetime, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as err:
        return subprocess.Popen(
            [sys.executable, "-c", SCHEDULER, url, str(path), when.isoformat()],
            stdout=subprocess.DEVNULL,
            stderr=err,
        )


def _wait(condition: Callable[[], bool], proc: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + 60
    while not condition():
        assert proc.poll() is None, f"the scheduler exited ({proc.returncode}) before {what}"
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def _firings(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(
            conn.execute(select(job_executions.c.status).order_by(job_executions.c.id)).scalars()
        )


def _soon(seconds: float) -> dt.datetime:
    return dt.datetime.now(dt.UTC) + dt.timedelta(seconds=seconds)


@pytest.mark.slow
def test_kill_9_of_the_scheduler_mid_ingest_then_the_next_firing_recovers(
    db_url: str, tmp_path: Path
) -> None:
    path = extract(tmp_path)
    log = tmp_path / "scheduler.log"
    engine = make_engine(db_url)
    upgrade(engine)
    first = _scheduler(db_url, path, _soon(1), log)
    second: subprocess.Popen[bytes] | None = None
    try:
        _wait(lambda: [s for s, _ in ledger(engine)] == ["running"], first, "the ingest ran")
        time.sleep(1.0)  # well into the chunk loop
        assert first.poll() is None, "the scheduler exited before it could be killed"
        assert [s for s, _ in ledger(engine)] == ["running"], "the run ended before the kill"
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        killed_at = time.monotonic()
        with engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(incidents)).scalar_one() == 0
        assert [s for s, _ in ledger(engine)] == ["running"]
        assert _firings(engine) == ["running"]  # the dead process's claim of its firing

        # A new scheduler process, its firing after the dead holder's lock lease ran out.
        second = _scheduler(db_url, path, _soon(4 - (time.monotonic() - killed_at)), log)
        _wait(lambda: _firings(engine)[-1:] == ["success"], second, "the next firing succeeded")
        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=30) == 0, log.read_text()[-2000:]
    except BaseException:
        engine.dispose()
        raise
    finally:
        for proc in (first, second):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait()
    try:
        runs = ledger(engine)
        assert [s for s, _ in runs] == ["failed", "success"]
        assert runs[0][1] is not None and runs[0][1].startswith("afgebroken")
        count, _ = fingerprint(engine)
        assert count == ROWS  # every row once: the primary key admits no duplicate
        # The dead process's claim is closed as failed by the next scheduler, not left running.
        assert _firings(engine) == ["failed", "success"]
    finally:
        engine.dispose()

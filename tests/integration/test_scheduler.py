"""The guarded scheduler of ingest.scheduler: real processes, real databases, real APScheduler.

The jobs here are the tests' own: each writes one row to ``probe_runs`` per run, so that a count
of rows is a count of runs.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from apscheduler.triggers.date import DateTrigger
from sqlalchemy import Engine, select, text

from ingest.locks import job_lock
from ingest.scheduler import build_scheduler, guarded
from vis.db.engine import make_engine
from vis.db.schema import job_executions
from vis.settings import Settings

# One child process. "guard": call the guarded wrapper for a scheduled time, starting at a given
# instant. "schedule": build a scheduler whose probe job fires at that time, run it until the job
# has run, print its outcome. "serve": run_scheduler with a slow probe job until a signal.
CHILD = """
import datetime as dt, logging, os, sys, threading, time
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_MISSED
from apscheduler.triggers.date import DateTrigger
from sqlalchemy import text
from ingest.scheduler import build_scheduler, guarded, run_scheduler
from vis.db.engine import make_engine
from vis.settings import Settings

logging.basicConfig(level=logging.INFO, stream=sys.stderr)
mode, url, when = sys.argv[1], sys.argv[2], dt.datetime.fromisoformat(sys.argv[3])
engine = make_engine(url)
pause = float(sys.argv[4]) if len(sys.argv) > 4 else 0.3

def probe():
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO probe_runs (pid) VALUES (:p)"), {"p": os.getpid()})
    time.sleep(pause)

if mode == "guard":
    time.sleep(max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds()))
    print(guarded(engine, "probe", probe, 60)(when), flush=True)
elif mode == "schedule":
    sched = build_scheduler(Settings(), {"probe": probe}, engine=engine,
                            triggers={"probe": DateTrigger(when)})
    def done(event):
        print(getattr(event, "retval", None) or event.code, flush=True)
        threading.Thread(target=sched.shutdown, kwargs={"wait": False}).start()
    sched.add_listener(done, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR | EVENT_JOB_MISSED)
    sched.start()
elif mode == "serve":
    print("serving", flush=True)
    run_scheduler(Settings(), engine, jobs={"probe": probe},
                  triggers={"probe": DateTrigger(when)})
    print("stopped", flush=True)
"""


@pytest.fixture
def probe_table(engine: Engine) -> Engine:
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE probe_runs (pid INTEGER NOT NULL)"))
    return engine


def _probe_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM probe_runs")).scalar_one())


def _executions(engine: Engine) -> list[tuple[str, str, str | None]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(job_executions.c.job, job_executions.c.status, job_executions.c.error).order_by(
                job_executions.c.id
            )
        )
        return [(r.job, r.status, r.error) for r in rows]


def _spawn(mode: str, url: str, when: dt.datetime, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, mode, url, when.isoformat(), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _outputs(procs: list[subprocess.Popen[str]]) -> list[str]:
    outs = []
    for proc in procs:
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
        outs.append(out.strip())
    return outs


def _soon(seconds: float) -> dt.datetime:
    return (dt.datetime.now(dt.UTC) + dt.timedelta(seconds=seconds)).replace(microsecond=0)


@pytest.mark.slow
def test_guarded_firing_runs_once_across_processes(db_url: str, probe_table: Engine) -> None:
    when = _soon(1.5)  # all four start the same firing at the same instant
    outcomes = _outputs([_spawn("guard", db_url, when) for _ in range(4)])
    assert sorted(outcomes) == ["duplicate", "duplicate", "duplicate", "success"]
    assert _probe_count(probe_table) == 1
    assert _executions(probe_table) == [("probe", "success", None)]


@pytest.mark.slow
def test_a_late_process_does_not_rerun_a_finished_firing(db_url: str, probe_table: Engine) -> None:
    """The lock alone would let a late process rerun a firing that is over; the claim does not."""
    when = _soon(0)
    assert _outputs([_spawn("guard", db_url, when, "0")]) == ["success"]
    assert _outputs([_spawn("guard", db_url, when, "0")]) == ["duplicate"]
    assert _probe_count(probe_table) == 1


@pytest.mark.slow
def test_two_scheduler_processes_run_a_firing_once(db_url: str, probe_table: Engine) -> None:
    when = _soon(2)
    outcomes = _outputs([_spawn("schedule", db_url, when) for _ in range(2)])
    assert sorted(outcomes) == ["duplicate", "success"]
    assert _probe_count(probe_table) == 1
    assert _executions(probe_table) == [("probe", "success", None)]


@pytest.mark.slow
def test_failing_job_is_recorded_and_scheduler_keeps_running(probe_table: Engine) -> None:
    engine = probe_table

    def boom() -> None:
        raise RuntimeError("source answered 500")

    def tick() -> None:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO probe_runs (pid) VALUES (0)"))

    now = dt.datetime.now(dt.UTC)
    scheduler = build_scheduler(
        Settings(),
        {"boom": boom, "tick": tick},
        engine=engine,
        triggers={
            "boom": DateTrigger(now + dt.timedelta(seconds=0.2)),
            "tick": DateTrigger(now + dt.timedelta(seconds=0.6)),
        },
    )
    thread = threading.Thread(target=scheduler.start, name="test-scheduler")
    thread.start()
    try:
        _wait_for(lambda: len(_executions(engine)) == 2 and _probe_count(engine) == 1)
        assert scheduler.running
    finally:
        scheduler.shutdown()
        thread.join(timeout=10)
    assert _executions(engine) == [
        ("boom", "failed", "RuntimeError: source answered 500"),
        ("tick", "success", None),
    ]


def test_firing_is_skipped_while_the_lock_is_held(probe_table: Engine) -> None:
    ran: list[bool] = []
    run = guarded(probe_table, "probe", lambda: ran.append(True), 60)
    with job_lock(probe_table, "probe", lease_s=60) as got:
        assert got
        assert run(_soon(0)) == "skipped"
    assert ran == []
    assert _executions(probe_table) == [
        ("probe", "skipped", "another run of this job holds its lock")
    ]
    # The next firing, with the lock free, runs.
    assert run(_soon(0) + dt.timedelta(minutes=1)) == "success"
    assert ran == [True]


def test_firing_is_not_run_when_it_cannot_be_claimed(tmp_path: Path) -> None:
    bare = make_engine(f"sqlite:///{tmp_path / 'not-initialised.db'}")  # no tables: no claims
    ran: list[bool] = []
    try:
        assert guarded(bare, "probe", lambda: ran.append(True), 60)(_soon(0)) == "error"
    finally:
        bare.dispose()
    assert ran == []


@pytest.mark.slow
def test_run_scheduler_stops_cleanly_on_sigterm(db_url: str, probe_table: Engine) -> None:
    """SIGTERM during a run: the run finishes and is recorded, then the process exits 0."""
    proc = _spawn("serve", db_url, _soon(0) + dt.timedelta(seconds=1), "2.0")
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "serving"
        _wait_for(lambda: _probe_count(probe_table) == 1)  # the job is in its 2 s pause
        os.kill(proc.pid, signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.returncode is None:
            proc.kill()
            proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert out.strip() == "stopped"
    assert "SIGTERM received" in err
    assert _executions(probe_table) == [("probe", "success", None)]


@pytest.mark.slow
def test_run_scheduler_stops_at_once_on_sigint_when_idle(db_url: str, engine: Engine) -> None:
    proc = _spawn("serve", db_url, _soon(3600))
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "serving"
        _wait_for_text(proc, "next run at")
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
    finally:
        if proc.returncode is None:
            proc.kill()
            proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert out.strip() == "stopped"
    assert _executions(engine) == []


def _wait_for(condition: Callable[[], bool], timeout_s: float = 20) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def _wait_for_text(proc: subprocess.Popen[str], needle: str, timeout_s: float = 20) -> None:
    """Read the child's stderr until ``needle`` appears (it logs there)."""
    assert proc.stderr is not None
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if needle in line:
            return
        if not line and proc.poll() is not None:
            break
    pytest.fail(f"{needle!r} never appeared")

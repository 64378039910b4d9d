"""A kill -9 in the middle of a large ingest leaves nothing half-written, and a rerun recovers."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest
from crashkit import (
    ROWS,
    clean_run_fingerprint,
    extract,
    fingerprint,
    ledger,
    run_child,
    start_child,
)
from sqlalchemy import select

from vis.db.engine import make_engine
from vis.db.migrate import upgrade
from vis.db.schema import ingest_runs


@pytest.mark.slow
def test_kill_9_mid_ingest_then_rerun_equals_an_uninterrupted_run(
    db_url: str, tmp_path: Path
) -> None:
    path = extract(tmp_path)
    engine = make_engine(db_url)
    upgrade(engine)
    try:
        child = start_child(db_url, path)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                running = conn.execute(
                    select(ingest_runs.c.id).where(ingest_runs.c.status == "running")
                ).first()
            if running is not None:
                break
            time.sleep(0.05)
        assert running is not None, "the child never started its run"
        time.sleep(1.0)  # well into the chunk loop
        assert child.poll() is None, "the ingest finished before it could be killed"
        os.kill(child.pid, signal.SIGKILL)
        child.wait()

        count, _ = fingerprint(engine)
        assert count == 0, "a killed run must leave no incidents behind"

        run_child(db_url, path)
        runs = ledger(engine)
        assert [status for status, _ in runs] == ["failed", "success"]
        assert "afgebroken" in (runs[0][1] or "")
        after_crash = fingerprint(engine)
    finally:
        engine.dispose()

    # The uninterrupted reference run goes into a fresh SQLite file.
    assert clean_run_fingerprint(tmp_path, path) == after_crash
    assert after_crash[0] == ROWS

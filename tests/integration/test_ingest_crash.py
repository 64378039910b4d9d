"""A kill -9 in the middle of a large ingest leaves nothing half-written, and a rerun recovers."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import Engine, select

from vis.db.engine import make_engine
from vis.db.migrate import upgrade
from vis.db.schema import incidents, ingest_runs

ROWS = 60_000
CHILD = r"""
import sys
from pathlib import Path
from ingest.runner import build_context, ingest_file
from vis.db.engine import make_engine
from vis.settings import load_settings
settings = load_settings()
small_chunks = settings.ingest.model_copy(update={"chunk_rows": 2000})
settings = settings.model_copy(update={"ingest": small_chunks})
ingest_file(build_context(settings, make_engine(sys.argv[1])), Path(sys.argv[2]))
"""


def _extract(tmp_path: Path) -> Path:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
    try:
        from bench_ingest import generate_csv
    finally:
        sys.path.pop(0)
    path = tmp_path / "large.csv"
    generate_csv(path, ROWS, seed=11)
    return path


def _fingerprint(engine: Engine) -> tuple[int, str]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(incidents.c.id, incidents.c.row_hash).order_by(incidents.c.id)
        ).all()
    digest = hashlib.sha256("\n".join(f"{i}:{h}" for i, h in rows).encode()).hexdigest()
    return len(rows), digest


def _start_child(url: str, path: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, url, str(path)], stderr=subprocess.DEVNULL
    )


def _run_child(url: str, path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, url, str(path)], capture_output=True, text=True, timeout=240
    )
    assert done.returncode == 0, done.stderr


def test_kill_9_mid_ingest_then_rerun_equals_an_uninterrupted_run(
    db_url: str, tmp_path: Path
) -> None:
    path = _extract(tmp_path)
    engine = make_engine(db_url)
    upgrade(engine)
    try:
        child = _start_child(db_url, path)
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

        count, _ = _fingerprint(engine)
        assert count == 0, "a killed run must leave no incidents behind"

        _run_child(db_url, path)
        with engine.connect() as conn:
            runs = conn.execute(
                select(ingest_runs.c.status, ingest_runs.c.error).order_by(ingest_runs.c.id)
            ).all()
        assert [r.status for r in runs] == ["failed", "success"]
        assert "afgebroken" in runs[0].error
        after_crash = _fingerprint(engine)
    finally:
        engine.dispose()

    # The uninterrupted reference run goes into a fresh SQLite file; the fingerprint covers ids and
    # content hashes, which do not depend on the database.
    clean_url = f"sqlite:///{tmp_path / 'clean.db'}"
    clean = make_engine(clean_url)
    upgrade(clean)
    try:
        _run_child(clean_url, path)
        assert _fingerprint(clean) == after_crash
        assert after_crash[0] == ROWS
    finally:
        clean.dispose()

"""Helpers for the crash tests: a large generated extract, an ingest in a child process, and a
fingerprint of what was loaded (ids and content hashes, which do not depend on the database)."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

from sqlalchemy import Engine, select

from vis.db.engine import make_engine
from vis.db.migrate import upgrade
from vis.db.schema import incidents, ingest_runs

ROWS = 60_000
CHILD = r"""
import sys, time
from pathlib import Path
from ingest.runner import build_context, ingest_file
from vis.db.engine import make_engine
from vis.settings import load_settings
settings = load_settings()
small_chunks = settings.ingest.model_copy(update={"chunk_rows": 2000})
settings = settings.model_copy(update={"ingest": small_chunks})
# A pause after each chunk (argv[3], seconds) keeps a run going long enough to be killed in the
# middle, however fast the machine loads.
pause = float(sys.argv[3]) if len(sys.argv) > 3 else 0.0
ingest_file(
    build_context(settings, make_engine(sys.argv[1])),
    Path(sys.argv[2]),
    progress=(lambda _rows: time.sleep(pause)) if pause else None,
)
"""
#: The pause after each of the child's 2,000-row chunks when it is to be killed mid-run: 30 chunks
#: take at least 3 s.
KILLABLE_PAUSE_S = 0.1


def extract(tmp_path: Path) -> Path:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
    try:
        from bench_ingest import generate_csv
    finally:
        sys.path.pop(0)
    path = tmp_path / "large.csv"
    generate_csv(path, ROWS, seed=11)
    return path


def fingerprint(engine: Engine) -> tuple[int, str]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(incidents.c.id, incidents.c.row_hash).order_by(incidents.c.id)
        ).all()
    digest = hashlib.sha256("\n".join(f"{i}:{h}" for i, h in rows).encode()).hexdigest()
    return len(rows), digest


def start_child(url: str, path: Path) -> subprocess.Popen[bytes]:
    """An ingest of ``path`` in a child process, slowed so that a test can kill it mid-run."""
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, url, str(path), str(KILLABLE_PAUSE_S)],
        stderr=subprocess.DEVNULL,
    )


def run_child(url: str, path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, url, str(path)], capture_output=True, text=True, timeout=240
    )
    assert done.returncode == 0, done.stderr


def ledger(engine: Engine) -> list[tuple[str, str | None]]:
    """(status, error) of every ingest run, oldest first."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(ingest_runs.c.status, ingest_runs.c.error).order_by(ingest_runs.c.id)
        ).all()
    return [(r.status, r.error) for r in rows]


def clean_run_fingerprint(tmp_path: Path, path: Path) -> tuple[int, str]:
    """The fingerprint of an uninterrupted run of ``path`` into a fresh SQLite file."""
    clean_url = f"sqlite:///{tmp_path / 'clean.db'}"
    clean = make_engine(clean_url)
    upgrade(clean)
    try:
        run_child(clean_url, path)
        return fingerprint(clean)
    finally:
        clean.dispose()

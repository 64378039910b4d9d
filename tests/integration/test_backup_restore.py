"""`vis backup` under concurrent ingest and `vis restore` into a fresh database, on SQLite and
PostgreSQL: nothing lost, nothing half."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from clirun import CliResult, run_vis
from pgdb import scratch_database
from sqlalchemy import Engine, select, text

from ingest.runner import build_context, ingest_file
from vis.db.engine import make_engine
from vis.db.migrate import current_revision, head_revision
from vis.db.schema import audit_log, incidents, ingest_runs
from vis.settings import PROJECT_ROOT, load_settings

FILES = 10
COPIES = 40  # 9 template rows each: 360 incidents a file


def vis(args: list[str], url: str) -> CliResult:
    env = {"VIS_DATABASE_URL": url, "VIS_CONFIG": str(PROJECT_ROOT / "config/vis.toml")}
    return run_vis(*args, env=env)


def extract_files(test_data: Path, folder: Path) -> list[Path]:
    """Extract files whose incident ids are unique across all of them (no updates between runs)."""
    header, *rows = (test_data / "bvh-extract-example.csv").read_text(encoding="utf-8").splitlines()
    paths = []
    for f in range(FILES):
        lines = [header]
        for copy in range(COPIES):
            for i, row in enumerate(rows):
                _ident, rest = row.split(";", 1)
                lines.append(f"PL0900_BVH_{f:02d}{copy:03d}{i:02d};{rest}")
        path = folder / f"extract-{f:02d}.csv"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


@pytest.fixture
def fresh_url(db_url: str, tmp_path: Path) -> Iterator[str]:
    """A URL for a second, empty database of the same kind (PostgreSQL: a new database with the
    same schema name in its search_path, so the dump restores into the configured schema)."""
    if db_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    with scratch_database(db_url, f"vis_restore_{uuid.uuid4().hex[:10]}") as url:
        yield url


def _all(engine: Engine, table) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(table).order_by(table.c.id)).all()]


@pytest.mark.slow
def test_backup_under_concurrent_ingest_restores_whole_runs_only(
    engine: Engine, db_url: str, fresh_url: str, test_data: Path, tmp_path: Path
) -> None:
    paths = extract_files(test_data, tmp_path)
    ctx = build_context(load_settings(), engine)
    done: list[int] = []
    errors: list[BaseException] = []

    def ingest_all() -> None:
        try:
            for path in paths:
                done.append(ingest_file(ctx, path).run_id)
        except Exception as exc:  # noqa: BLE001 - reported by the test below
            errors.append(exc)

    worker = threading.Thread(target=ingest_all)
    worker.start()
    while len(done) < 2 and worker.is_alive():
        time.sleep(0.05)
    was_running = worker.is_alive()
    backup = tmp_path / "vis.ops.backup"
    result = vis(["backup", str(backup)], db_url)
    worker.join(timeout=300)
    assert not errors, errors
    assert result.returncode == 0, result.stderr
    assert was_running, "the ingest had finished before the backup started"
    assert "backup geschreven" in result.stdout

    restored = vis(["restore", str(backup)], fresh_url)
    assert restored.returncode == 0, restored.stderr
    target = make_engine(fresh_url)
    try:
        assert current_revision(target) == head_revision()
        runs = {r.id: r for r in _all_runs(target)}
        good = {i for i, r in runs.items() if r.status == "success"}
        assert len(good) >= 2
        restored_rows = _all(target, incidents)
        # Nothing half: every incident belongs to a successful run and every such run is whole.
        with target.connect() as conn:
            per_run = dict(
                conn.execute(
                    text("SELECT first_run_id, count(*) FROM incidents GROUP BY first_run_id")
                ).all()
            )
        assert set(per_run) == good
        for run_id in good:
            assert per_run[run_id] == runs[run_id].inserted == COPIES * 9
        assert len(restored_rows) == COPIES * 9 * len(good)
        # Nothing lost or changed: every restored row equals the source's row, all columns
        # (row_hash included), and the restored ledger equals the source's for those runs.
        source_rows = {r[0]: r for r in _all(engine, incidents)}
        for row in restored_rows:
            assert row == source_rows[row[0]]
        source_runs = {r.id: tuple(r) for r in _all_runs(engine)}
        for run_id in good:
            assert tuple(runs[run_id]) == source_runs[run_id]
        assert len(source_rows) == COPIES * 9 * FILES
        # The backup's audit chain came along whole, with the restore recorded after it.
        with target.connect() as conn:
            actions = conn.execute(select(audit_log.c.action).order_by(audit_log.c.id)).scalars()
            assert list(actions)[-1] == "restore"
    finally:
        target.dispose()
    verify = vis(["audit", "verify"], fresh_url)
    assert verify.returncode == 0, verify.stderr


def _all_runs(engine: Engine) -> list:
    with engine.connect() as conn:
        return list(conn.execute(select(ingest_runs).order_by(ingest_runs.c.id)).all())


def test_restore_over_a_live_sqlite_database_replaces_its_content(
    tmp_path: Path, test_data: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'live.db'}"
    assert vis(["init"], url).returncode == 0
    assert vis(["ingest-file", str(test_data / "bvh-extract-example.csv")], url).returncode == 0
    backup = tmp_path / "b.db"
    assert vis(["backup", str(backup)], url).returncode == 0
    live = make_engine(url)
    try:
        with live.begin() as conn:  # a change after the backup, with a connection kept open
            conn.execute(text("DELETE FROM incidents"))
        with live.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM incidents")).scalar_one() == 0
            result = vis(["restore", str(backup)], url)
            assert result.returncode == 0, result.stderr
        with live.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM incidents")).scalar_one() == 9
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    finally:
        live.dispose()


def test_backup_and_restore_refuse_with_one_line_reasons(
    db_url: str, engine: Engine, tmp_path: Path
) -> None:
    missing = vis(["restore", str(tmp_path / "nothing.db")], db_url)
    assert missing.returncode != 0
    assert missing.stderr.count("\n") == 1 and "niet gevonden" in missing.stderr
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a backup at all" * 100)
    bad = vis(["restore", str(junk)], db_url)
    assert bad.returncode != 0 and bad.stderr.count("\n") == 1
    with engine.connect() as conn:  # the configured database was not touched
        assert current_revision(engine) == head_revision()
        assert conn.execute(text("SELECT count(*) FROM areas")).scalar_one() == 0
    to_dir = vis(["backup", str(tmp_path)], db_url)
    assert to_dir.returncode != 0 and "map" in to_dir.stderr


@pytest.mark.slow
def test_backup_before_a_migration_restores_and_migrates(
    db_url: str, fresh_url: str, tmp_path: Path
) -> None:
    from vis.db.migrate import upgrade

    old = make_engine(db_url)
    try:
        upgrade(old, "0002")
    finally:
        old.dispose()
    backup = tmp_path / "before-upgrade.backup"
    taken = vis(["backup", str(backup)], db_url)
    assert taken.returncode == 0, taken.stderr
    restored = vis(["restore", str(backup)], fresh_url)
    assert restored.returncode == 0, restored.stderr
    assert "vis init" in restored.stdout
    assert vis(["init"], fresh_url).returncode == 0
    target = make_engine(fresh_url)
    try:
        assert current_revision(target) == head_revision()
    finally:
        target.dispose()

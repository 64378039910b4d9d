"""PostgreSQL stopped (immediate shutdown) in the middle of an ingest run and started again: a
failed ledger row, no partial data, and the next run loads everything once.

The machine's own server cannot be stopped safely, so the test starts a private cluster of its own
(initdb and pg_ctl on a free port in a temporary directory, run as the ``postgres`` system user when
the tests run as root, because PostgreSQL refuses to run as root).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
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
from sqlalchemy import Engine, func, select

from vis.db.engine import make_engine
from vis.db.migrate import upgrade
from vis.db.schema import incident_changes, incidents, quarantine


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


@dataclass
class PrivateCluster:
    """A throw-away PostgreSQL cluster: ``url`` while it runs; ``stop`` and ``start`` it."""

    bindir: Path
    folder: Path
    port: int
    run_as: list[str]

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _ctl(self, *args: str) -> None:
        done = subprocess.run(
            [*self.run_as, str(self.bindir / "pg_ctl"), "-D", str(self.folder / "data"), *args],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stdout + done.stderr

    def start(self) -> None:
        # fsync off: the test stops the server, not the machine; the WAL in the page cache is
        # all that recovery needs after an immediate shutdown.
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c full_page_writes=off"
        )
        self._ctl("-o", options, "-l", str(self.folder / "server.log"), "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        self._ctl("-m", mode, "-w", "stop")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def private_pg() -> Iterator[PrivateCluster]:
    bindir = _pg_bin()
    if bindir is None:
        pytest.skip("no PostgreSQL server binaries (/usr/lib/postgresql/*/bin/initdb)")
    run_as: list[str] = []
    folder = Path(tempfile.mkdtemp(prefix="vis-pg-"))
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            shutil.rmtree(folder)
            pytest.skip("running as root and there is no 'postgres' user to run PostgreSQL as")
        runuser = shutil.which("runuser")
        if runuser is None:
            shutil.rmtree(folder)
            pytest.skip("running as root and 'runuser' is missing")
        os.chown(folder, owner.pw_uid, owner.pw_gid)
        run_as = [runuser, "-u", "postgres", "--"]
    cluster = PrivateCluster(bindir, folder, _free_port(), run_as)
    init = subprocess.run(
        [*run_as, str(bindir / "initdb"), "-D", str(folder / "data"), "-U", "postgres",
         "--auth=trust", "-E", "UTF8", "--no-sync"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert init.returncode == 0, init.stderr
    cluster.start()
    try:
        yield cluster
    finally:
        if (folder / "data" / "postmaster.pid").exists():
            cluster.stop("immediate")
        shutil.rmtree(folder, ignore_errors=True)


def _counts(engine: Engine) -> tuple[int, int, int]:
    with engine.connect() as conn:
        return tuple(  # type: ignore[return-value]
            conn.execute(select(func.count()).select_from(table)).scalar_one()
            for table in (incidents, quarantine, incident_changes)
        )


def _wait_for_running_run(engine: Engine, child: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if child.poll() is not None:
            raise AssertionError(f"the ingest ended ({child.returncode}) before it ran")
        if [s for s, _ in ledger(engine)] == ["running"]:
            return
        time.sleep(0.05)
    raise AssertionError("the child never started its run")


@pytest.mark.slow
def test_postgres_stopped_mid_ingest_then_restarted_recovers_fully(
    private_pg: PrivateCluster, tmp_path: Path
) -> None:
    path = extract(tmp_path)
    engine = make_engine(private_pg.url)
    try:
        upgrade(engine)
        child = start_child(private_pg.url, path)
        try:
            _wait_for_running_run(engine, child)
            time.sleep(0.5)  # into the chunk loop
            assert child.poll() is None, "the ingest finished before the server could be stopped"
            private_pg.stop("immediate")  # like a crash: no shutdown checkpoint, recovery on start
            assert child.wait(timeout=60) != 0, "the ingest must fail when its server goes away"
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
        engine.dispose()  # its pooled connections died with the server
        private_pg.start()

        # Nothing of the interrupted run's data; its ledger row is failed, or still "running"
        # (the child could not reach the server to say so) until the next run marks it failed.
        assert _counts(engine) == (0, 0, 0)
        [(status, _)] = ledger(engine)
        assert status in ("running", "failed")

        run_child(private_pg.url, path)
        runs = ledger(engine)
        assert [s for s, _ in runs] == ["failed", "success"]
        assert runs[0][1] is not None and runs[0][1].startswith("afgebroken")
        recovered = fingerprint(engine)
        assert recovered[0] == ROWS
    finally:
        engine.dispose()

    # An uninterrupted run of the same delivery into a fresh SQLite file gives the same rows.
    assert clean_run_fingerprint(tmp_path, path) == recovered

"""Building the SQLAlchemy engine for SQLite (WAL, busy timeout) or PostgreSQL (psycopg 3)."""

from __future__ import annotations

import grp
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.pool import ConnectionPoolEntry


class DatabaseUrlError(ValueError):
    """The database URL names a dialect VIS does not support, or cannot be used."""


@dataclass(frozen=True)
class FileAccess:
    """Who may read VIS's database file, its WAL/SHM and backups: the owner only (0600), or also
    the members of one named group (0640, the files handed to that group)."""

    group: str = ""

    @property
    def mode(self) -> int:
        return 0o640 if self.group else 0o600

    def apply(self, path: Path) -> None:
        """Give ``path`` this access: its group (when one is named) and its mode."""
        if self.group:
            try:
                gid = grp.getgrnam(self.group).gr_gid
            except KeyError as exc:
                raise DatabaseUrlError(f"groep {self.group!r} bestaat hier niet") from exc
            if path.stat().st_gid != gid:
                os.chown(path, -1, gid)
        path.chmod(self.mode)


#: The shipped default: the files hold password hashes, police data and the audit log.
OWNER_ONLY = FileAccess()


def make_engine(
    url: str, *, busy_timeout_ms: int = 30000, files: FileAccess = OWNER_ONLY
) -> Engine:
    """An engine for ``url``: SQLite in WAL mode with a busy timeout, or PostgreSQL via psycopg.
    A SQLite file (and its WAL/SHM, which SQLite creates with the file's mode) gets ``files``."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            private_files(Path(database).expanduser(), files)
        engine = create_engine(parsed, connect_args={"timeout": busy_timeout_ms / 1000})
        event.listen(engine, "connect", _sqlite_pragmas(busy_timeout_ms))
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if backend == "postgresql":
        if parsed.get_driver_name() not in ("psycopg", "psycopg2"):
            parsed = parsed.set(drivername="postgresql+psycopg")
        return create_engine(parsed, pool_pre_ping=True)
    raise DatabaseUrlError(
        f"unsupported database {backend!r}: use sqlite:/// or postgresql+psycopg://"
    )


def private_files(path: Path, files: FileAccess = OWNER_ONLY) -> None:
    """Create the SQLite file ``path`` with ``files``' mode if missing; give it and its -wal, -shm
    and -journal that access if they are wider or belong to another group."""
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, files.mode))
    wider = ~files.mode & 0o777
    for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
        try:
            info = p.stat()
        except FileNotFoundError:
            continue
        if files.group or info.st_mode & wider:
            files.apply(p)


def _sqlite_pragmas(busy_timeout_ms: int) -> Any:
    def on_connect(dbapi_conn: sqlite3.Connection, _record: ConnectionPoolEntry) -> None:
        # SQLAlchemy emits BEGIN itself (see _sqlite_begin): switch off pysqlite's own handling.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        try:
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
        finally:
            cur.close()

    return on_connect


#: Execution option that makes a SQLite transaction take the write lock at BEGIN.
WRITE_LOCK = "vis_write_lock"


def _sqlite_begin(conn: Any) -> None:
    # Writers take the lock at BEGIN (IMMEDIATE): they can't deadlock on a read-to-write upgrade and
    # the busy timeout covers the whole wait. Readers use a plain BEGIN and keep reading under WAL.
    if conn.get_execution_options().get(WRITE_LOCK):
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        conn.exec_driver_sql("BEGIN")

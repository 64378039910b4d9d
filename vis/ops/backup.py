"""`vis backup PATH` and `vis restore PATH`: a consistent copy of the database while VIS runs.

SQLite
    The backup uses SQLite's online backup API in one step, so the copy is one snapshot of the
    database (a read transaction; under WAL the app and the scheduler keep writing meanwhile). It
    is written to a temporary file beside PATH, checked (``PRAGMA integrity_check``, a schema
    version present) and then renamed onto PATH, so PATH is either the old file or a whole copy.

    The restore first copies and checks PATH into a temporary file beside the database; a backup
    whose schema, triggers, views or version differ from what VIS creates is refused
    (:mod:`vis.ops.backup_check`). A missing
    database file is then replaced by it (rename). An existing one is overwritten through the
    backup API into a connection on it: that takes SQLite's write lock, respects the WAL and other
    processes' connections, and commits the whole copy or nothing (renaming a file under open
    connections with a live ``-wal`` file would corrupt it).

PostgreSQL
    ``pg_dump -Fc`` (a snapshot in one transaction) with the connection parameters of the URL in
    ``PG*`` environment variables, the password only in ``PGPASSWORD``; a ``search_path`` in the
    URL's ``options`` restricts it to that schema (``-n``). The restore is ``pg_restore --clean
    --if-exists --single-transaction`` into the configured database (and schema): all or nothing.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from vis.db.engine import OWNER_ONLY, DatabaseUrlError, FileAccess


class BackupError(RuntimeError):
    """A backup or restore could not be made; the message is one line for the operator."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    detail: str


# --- SQLite ------------------------------------------------------------------------------------


def sqlite_file(url: URL) -> Path:
    database = url.database or ""
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupError("alleen een SQLite-databasebestand kan worden geback-upt")
    return Path(database).expanduser()


def _check_sqlite(path: Path) -> str:
    """Integrity check of a SQLite file; returns its schema version (Alembic revision)."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            result = conn.execute("PRAGMA integrity_check").fetchone()
            if not result or result[0] != "ok":
                raise BackupError(f"{path}: SQLite-integriteitscontrole mislukt: {result}")
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path}: geen bruikbare VIS-database ({exc})") from exc
    if not row:
        raise BackupError(f"{path}: geen schemaversie; geen VIS-database")
    return str(row[0])


def _copy_sqlite(src: Path, dst: Path, busy_timeout_ms: int) -> None:
    """Copy ``src`` into the (new or existing) database ``dst`` with the online backup API."""
    source = sqlite3.connect(f"file:{src}?mode=ro", uri=True, timeout=busy_timeout_ms / 1000)
    try:
        target = sqlite3.connect(dst, timeout=busy_timeout_ms / 1000)
        try:
            source.backup(target)  # pages=-1: one step, one snapshot of src
        finally:
            target.close()
    finally:
        source.close()


def _single_file(path: Path) -> None:
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA journal_mode=DELETE")
    finally:
        conn.close()


def _temp_beside(path: Path, suffix: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent)
    os.close(fd)
    os.unlink(name)  # sqlite3 creates it; an empty file would be taken for a database
    return Path(name)


def _remove(path: Path) -> None:
    for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
        p.unlink(missing_ok=True)


def backup_sqlite(
    url: URL, target: Path, busy_timeout_ms: int, files: FileAccess = OWNER_ONLY
) -> BackupResult:
    db = sqlite_file(url)
    if not db.is_file():
        raise BackupError(f"database niet gevonden: {db}")
    tmp = _temp_beside(target, ".part")
    try:
        _copy_sqlite(db, tmp, busy_timeout_ms)
        _single_file(tmp)
        revision = _check_sqlite(tmp)
        files.apply(tmp)  # a copy of password hashes, police data and the audit log
        os.replace(tmp, target)
    except (sqlite3.Error, OSError, DatabaseUrlError) as exc:
        raise BackupError(f"backup mislukt: {exc}") from exc
    finally:
        _remove(tmp)
    return BackupResult(target, target.stat().st_size, f"schemaversie {revision}")


def restore_sqlite(
    url: URL, source: Path, busy_timeout_ms: int, files: FileAccess = OWNER_ONLY
) -> BackupResult:
    from vis.ops.backup_check import check_sqlite

    db = sqlite_file(url)
    if not source.is_file():
        raise BackupError(f"backup niet gevonden: {source}")
    tmp = _temp_beside(db, ".restore")
    try:
        shutil.copyfile(source, tmp)
        _check_sqlite(tmp)
        revision = check_sqlite(tmp)  # exactly VIS's schema, triggers and views, or refused
        if db.exists():
            _copy_sqlite(tmp, db, busy_timeout_ms)
        else:
            files.apply(tmp)
            os.replace(tmp, db)
    except (sqlite3.Error, OSError, DatabaseUrlError) as exc:
        raise BackupError(f"terugzetten mislukt: {exc}") from exc
    finally:
        _remove(tmp)
    return BackupResult(db, db.stat().st_size, f"schemaversie {revision}")


# --- PostgreSQL --------------------------------------------------------------------------------

_SEARCH_PATH = re.compile(r"-c\s*search_path\s*=\s*([^\s]+)")


def pg_environment(url: URL) -> dict[str, str]:
    """The libpq environment for ``url``: host, port, user, database, password, SSL options."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    values = {
        "PGHOST": url.host,
        "PGPORT": str(url.port) if url.port else None,
        "PGUSER": url.username,
        "PGPASSWORD": url.password if url.password is None else str(url.password),
        "PGDATABASE": url.database,
    }
    for key in ("host", "port", "sslmode", "sslrootcert", "sslcert", "sslkey", "connect_timeout"):
        value = url.query.get(key)
        if isinstance(value, tuple):
            value = value[-1] if value else None
        if value:
            values["PG" + key.upper()] = value
    env.update({k: v for k, v in values.items() if v})
    return env


def pg_schema(url: URL) -> str | None:
    """The first schema of a ``search_path`` set in the URL's ``options``, if any."""
    options = url.query.get("options")
    if isinstance(options, tuple):
        options = " ".join(options)
    if not options:
        return None
    found = _SEARCH_PATH.search(options)
    if not found:
        return None
    first = found.group(1).split(",")[0].strip().strip('"')
    return first or None


def _run(argv: list[str], env: dict[str, str], what: str) -> None:
    if shutil.which(argv[0]) is None:
        raise BackupError(f"{argv[0]} niet gevonden: installeer de PostgreSQL-clientprogramma's")
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        lines = [ln for ln in done.stderr.splitlines() if ln.strip()]
        reason = lines[0] if lines else f"exitcode {done.returncode}"
        raise BackupError(f"{what} mislukt: {reason[:300]}")


def _schema_args(url: URL) -> list[str]:
    schema = pg_schema(url)
    return ["-n", schema] if schema else []


def _create_schema(url: URL, schema: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import SQLAlchemyError

    engine = create_engine(url.set(drivername="postgresql+psycopg"))
    quoted = '"' + schema.replace('"', '""') + '"'
    try:
        with engine.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA IF NOT EXISTS {quoted}"))
    except SQLAlchemyError as exc:
        cause = getattr(exc, "orig", None) or exc
        raise BackupError(
            f"schema {schema} niet aan te maken: {str(cause).splitlines()[0]}"
        ) from exc
    finally:
        engine.dispose()


def backup_postgresql(url: URL, target: Path, files: FileAccess = OWNER_ONLY) -> BackupResult:
    env = pg_environment(url)
    tmp = _temp_beside(target, ".part")
    try:
        _run(["pg_dump", "-Fc", "--no-owner", *_schema_args(url), "-f", str(tmp)], env, "pg_dump")
        _run(["pg_restore", "-l", str(tmp)], env, "controle van de backup")
        files.apply(tmp)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    schema = pg_schema(url)
    return BackupResult(target, target.stat().st_size, f"schema {schema}" if schema else "")


def restore_postgresql(url: URL, source: Path) -> BackupResult:
    if not source.is_file():
        raise BackupError(f"backup niet gevonden: {source}")
    from vis.ops.backup_check import pg_archive_revision

    env = pg_environment(url)
    _run(["pg_restore", "-l", str(source)], env, "controle van de backup")
    pg_archive_revision(source, env)  # only what VIS creates, a VIS revision, or refused
    schema = pg_schema(url)
    if schema:  # pg_restore -n restores what is in the schema, not the schema itself
        _create_schema(url, schema)
    argv = ["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction"]
    argv += ["--exit-on-error", *_schema_args(url), "-d", url.database or "", str(source)]
    _run(argv, env, "pg_restore")
    return BackupResult(source, source.stat().st_size, f"schema {schema}" if schema else "")


# --- entry points ------------------------------------------------------------------------------


def backup(
    database_url: str,
    target: Path,
    *,
    busy_timeout_ms: int = 30000,
    files: FileAccess = OWNER_ONLY,
) -> BackupResult:
    """A consistent copy of the database at ``database_url`` in the file ``target``, readable as
    ``files`` says (the owner only by default)."""
    url = make_url(database_url)
    if target.is_dir():
        raise BackupError(f"{target} is een map; geef een bestandsnaam")
    backend = url.get_backend_name()
    if backend == "sqlite":
        if target.resolve() == sqlite_file(url).resolve():
            raise BackupError("de backup kan niet op de database zelf worden geschreven")
        return backup_sqlite(url, target, busy_timeout_ms, files)
    if backend == "postgresql":
        return backup_postgresql(url, target, files)
    raise BackupError(f"backup van {backend!r} wordt niet ondersteund")


def restore(
    database_url: str,
    source: Path,
    *,
    busy_timeout_ms: int = 30000,
    files: FileAccess = OWNER_ONLY,
) -> BackupResult:
    """Put the backup ``source`` back as the database at ``database_url``."""
    url = make_url(database_url)
    backend = url.get_backend_name()
    if backend == "sqlite":
        return restore_sqlite(url, source, busy_timeout_ms, files)
    if backend == "postgresql":
        return restore_postgresql(url, source)
    raise BackupError(f"terugzetten naar {backend!r} wordt niet ondersteund")

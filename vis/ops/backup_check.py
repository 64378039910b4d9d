"""Is a backup exactly what VIS creates? Checked by `vis restore` before it replaces anything.

A restore replaces every table, the audit log included, so a backup carrying an extra trigger (one
that deletes future ``download`` entries, say), a view, a function, an unknown table or a made-up
Alembic version must not get in.

SQLite
    The backup's schema (``sqlite_master``: tables, indexes, triggers, views, each with its SQL) is
    compared with that of an empty database that VIS migrates to the backup's own Alembic
    revision (an older backup is fine; `vis init` migrates it afterwards). Any difference refuses.
PostgreSQL
    The archive's table of contents (``pg_restore -l``) may hold only tables, sequences,
    constraints, indexes, defaults, comments and data, of tables VIS knows; no trigger, view,
    function, rule, policy or extension. The ``alembic_version`` row must be a revision of VIS.

Each refusal is one line (Dutch) for the operator: :class:`vis.ops.backup.BackupError`.
"""

from __future__ import annotations

import re
import sqlite3
import subprocess
import tempfile
from pathlib import Path

from vis.ops.backup import BackupError


def known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    from vis.db.migrate import alembic_config

    return {s.revision for s in ScriptDirectory.from_config(alembic_config()).walk_revisions()}


def _norm(sql: str | None) -> str:
    return " ".join((sql or "").replace('"', "").split()).lower()


def _sqlite_objects(path: Path) -> tuple[str | None, dict[tuple[str, str], str]]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = conn.execute("SELECT type, name, sql FROM sqlite_master").fetchall()
        try:
            versions = [r[0] for r in conn.execute("SELECT version_num FROM alembic_version")]
        except sqlite3.DatabaseError:
            versions = []
    finally:
        conn.close()
    objects = {
        (str(kind), str(name)): _norm(sql)
        for kind, name, sql in rows
        if not str(name).startswith("sqlite_")
    }
    if len(versions) != 1:
        raise BackupError(f"{path}: {len(versions)} schemaversies in alembic_version; verwacht 1")
    return str(versions[0]), objects


def _reference_sqlite(revision: str) -> dict[tuple[str, str], str]:
    from vis.db.engine import make_engine
    from vis.db.migrate import upgrade

    with tempfile.TemporaryDirectory(prefix="vis-restore-check-") as folder:
        path = Path(folder) / "reference.db"
        engine = make_engine(f"sqlite:///{path}")
        try:
            upgrade(engine, revision)
        finally:
            engine.dispose()
        return _sqlite_objects(path)[1]


_KIND = {"table": "tabel", "index": "index", "trigger": "trigger", "view": "view"}


def check_sqlite(path: Path) -> str:
    """Refuse (:class:`BackupError`) unless ``path`` has exactly VIS's schema for its revision;
    returns the revision."""
    revision, found = _sqlite_objects(path)
    if revision not in known_revisions():
        raise BackupError(f"{path}: onbekende schemaversie {revision!r}; geen backup van VIS")
    expected = _reference_sqlite(revision)
    for key in sorted(set(found) - set(expected)):
        raise BackupError(
            f"{path}: onverwachte {_KIND.get(key[0], key[0])} {key[1]!r}; geen ongewijzigde "
            "backup van VIS"
        )
    for key in sorted(set(expected) - set(found)):
        raise BackupError(f"{path}: {_KIND.get(key[0], key[0])} {key[1]!r} ontbreekt")
    for key in sorted(expected):
        if found[key] != expected[key]:
            raise BackupError(
                f"{path}: {_KIND.get(key[0], key[0])} {key[1]!r} wijkt af van wat VIS aanmaakt"
            )
    return revision


#: TOC entry types a VIS archive may hold.
_ALLOWED = {
    "TABLE",
    "TABLE DATA",
    "SEQUENCE",
    "SEQUENCE SET",
    "SEQUENCE OWNED BY",
    "DEFAULT",
    "CONSTRAINT",
    "FK CONSTRAINT",
    "INDEX",
    "COMMENT",
    "SCHEMA",
    "ACL",
}
_TOC_LINE = re.compile(r"^\d+;\s+\d+\s+\d+\s+(?P<rest>.+)$")


def _toc_entries(listing: str) -> list[tuple[str, str]]:
    """(type, the rest) of each entry of ``pg_restore -l`` output."""
    entries = []
    for line in listing.splitlines():
        found = _TOC_LINE.match(line.strip())
        if not found:
            continue
        rest = found.group("rest")
        kind = next(
            (k for k in sorted(_ALLOWED | _FORBIDDEN_HINT, key=len, reverse=True)
             if rest.startswith(k + " ")),
            rest.split(" ", 1)[0],
        )  # fmt: skip
        entries.append((kind, rest[len(kind) :].strip()))
    return entries


_FORBIDDEN_HINT = {"TRIGGER", "VIEW", "MATERIALIZED VIEW", "FUNCTION", "PROCEDURE", "RULE",
                   "POLICY", "EVENT TRIGGER", "EXTENSION", "AGGREGATE", "ROW SECURITY"}  # fmt: skip


def check_pg_archive(listing: str, version_sql: str) -> str:
    """Refuse unless the archive (its ``pg_restore -l`` listing and the SQL of its
    ``alembic_version`` data) holds only what VIS creates; returns the revision."""
    from vis.db.schema import metadata

    tables = set(metadata.tables) | {"alembic_version"}
    for kind, rest in _toc_entries(listing):
        if kind not in _ALLOWED:
            name = " ".join(rest.split()[:2])
            raise BackupError(f"backup bevat een {kind.lower()} ({name}); geen backup van VIS")
        if kind == "TABLE":
            parts = rest.split()
            name = parts[1] if len(parts) > 1 else ""
            if name not in tables:
                raise BackupError(f"backup bevat een onbekende tabel {name!r}")
    found = re.search(
        r"COPY [^\n]*alembic_version[^\n]*FROM stdin;\n(.*?)\n\\\.", version_sql, re.S
    )
    rows = [r for r in (found.group(1).splitlines() if found else []) if r.strip()]
    if len(rows) != 1:
        raise BackupError(f"backup heeft {len(rows)} schemaversies; verwacht 1")
    revision = rows[0].strip()
    if revision not in known_revisions():
        raise BackupError(f"onbekende schemaversie {revision!r}; geen backup van VIS")
    return revision


def pg_archive_revision(source: Path, env: dict[str, str]) -> str:
    """Run the PostgreSQL check on the archive ``source``."""
    listing = subprocess.run(
        ["pg_restore", "-l", str(source)], env=env, capture_output=True, text=True, check=False
    )
    data = subprocess.run(
        ["pg_restore", "-a", "-t", "alembic_version", "-f", "-", str(source)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if listing.returncode != 0 or data.returncode != 0:
        raise BackupError("backup niet te lezen met pg_restore")
    return check_pg_archive(listing.stdout, data.stdout)

"""`vis restore` refuses, in one line and without touching the database, a backup whose triggers,
views, tables or Alembic version differ from what VIS creates (SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

from clirun import CliResult, run_vis
from sqlalchemy import Engine, func, select, text

from vis.db.migrate import head_revision
from vis.db.schema import audit_log
from vis.security import audit
from vis.settings import PROJECT_ROOT


def vis(args: list[str], url: str) -> CliResult:
    return run_vis(
        *args,
        env={"VIS_DATABASE_URL": url, "VIS_CONFIG": str(PROJECT_ROOT / "config/vis.toml")},
    )


def _trigger(engine: Engine) -> None:
    """A trigger that silently deletes every future download entry."""
    with engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql(
                "CREATE TRIGGER drop_downloads AFTER INSERT ON audit_log "
                "WHEN NEW.action = 'download' BEGIN DELETE FROM audit_log WHERE id = NEW.id; END"
            )
        else:
            conn.execute(
                text(
                    "CREATE FUNCTION drop_downloads() RETURNS trigger LANGUAGE plpgsql AS $$ "
                    "BEGIN IF NEW.action = 'download' THEN RETURN NULL; END IF; RETURN NEW; END $$"
                )
            )
            conn.execute(
                text(
                    "CREATE TRIGGER drop_downloads BEFORE INSERT ON audit_log "
                    "FOR EACH ROW EXECUTE FUNCTION drop_downloads()"
                )
            )


def _downloads_kept(engine: Engine) -> int:
    audit.append(engine, audit.DOWNLOAD, username="evaluator", target="pilot:x:pdf")
    with engine.connect() as conn:
        return int(
            conn.execute(
                select(func.count()).select_from(audit_log).where(audit_log.c.action == "download")
            ).scalar_one()
        )


def _untrigger(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(
            text(
                "DROP TRIGGER drop_downloads"
                + ("" if conn.dialect.name == "sqlite" else " ON audit_log")
            )
        )
        if conn.dialect.name != "sqlite":
            conn.execute(text("DROP FUNCTION drop_downloads()"))


def test_a_backup_with_a_trigger_is_refused_in_one_line(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    _trigger(engine)
    hostile = tmp_path / "hostile.backup"
    assert vis(["backup", str(hostile)], db_url).returncode == 0
    _untrigger(engine)
    refused = vis(["restore", str(hostile)], db_url)
    assert refused.returncode == 1
    (line,) = refused.stderr.strip().splitlines()
    assert "trigger" in line or "function" in line, line
    assert _downloads_kept(engine) == 1  # nothing of the hostile backup got in
    clean = tmp_path / "clean.backup"
    assert vis(["backup", str(clean)], db_url).returncode == 0
    restored = vis(["restore", str(clean)], db_url)
    assert restored.returncode == 0, restored.stderr


def test_a_backup_with_a_bogus_alembic_version_is_refused(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    bogus = tmp_path / "bogus.backup"
    assert vis(["backup", str(bogus)], db_url).returncode == 0
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": head_revision()})
    refused = vis(["restore", str(bogus)], db_url)
    assert refused.returncode == 1
    (line,) = refused.stderr.strip().splitlines()
    assert "onbekende schemaversie '9999'" in line

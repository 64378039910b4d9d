"""The database, its WAL/SHM and backups are owner-only (0600), whatever the umask: they hold
password hashes, police data and the audit log."""

from __future__ import annotations

import grp
import os
import shutil
import stat
from pathlib import Path

import pytest
from clirun import CliResult, run_vis
from sqlalchemy import text

from vis.db.engine import make_engine
from vis.settings import PROJECT_ROOT


def vis(args: list[str], url: str, config: Path | None = None) -> CliResult:
    """``vis ARGS`` in-process under the usual umask (new files 0644)."""
    env = {"VIS_DATABASE_URL": url, "VIS_CONFIG": str(config or PROJECT_ROOT / "config/vis.toml")}
    old = os.umask(0o022)
    try:
        return run_vis(*args, env=env)
    finally:
        os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_sqlite_database_wal_shm_and_backup_are_owner_only(tmp_path: Path) -> None:
    db = tmp_path / "var" / "vis.db"
    url = f"sqlite:///{db}"
    assert vis(["init"], url).returncode == 0
    old = os.umask(0o022)
    try:
        engine = make_engine(url)
        try:
            with engine.connect() as conn:  # keeps -wal and -shm while it is open
                conn.execute(text("SELECT count(*) FROM users")).scalar()
                files = [db, Path(f"{db}-wal"), Path(f"{db}-shm")]
                assert all(p.exists() for p in files)
                assert {p.name: _mode(p) for p in files} == {p.name: 0o600 for p in files}
                backup = tmp_path / "b.db"
                assert vis(["backup", str(backup)], url).returncode == 0
                assert _mode(backup) == 0o600
        finally:
            engine.dispose()
    finally:
        os.umask(old)


def test_an_existing_world_readable_database_is_narrowed(tmp_path: Path) -> None:
    db = tmp_path / "vis.db"
    url = f"sqlite:///{db}"
    assert vis(["init"], url).returncode == 0
    db.chmod(0o644)
    assert vis(["status", "--json"], url).returncode == 0
    assert _mode(db) == 0o600


def test_postgresql_backup_file_is_owner_only(engine: object, db_url: str, tmp_path: Path) -> None:
    backup = tmp_path / "b.backup"
    assert vis(["backup", str(backup)], db_url).returncode == 0
    assert _mode(backup) == 0o600


def _a_group_to_hand_files_to() -> grp.struct_group:
    """A group other than this process's own that it may give files to (any group as root, else
    one of its supplementary groups)."""
    mine = os.getegid()
    allowed = None if os.geteuid() == 0 else set(os.getgroups())
    for group in grp.getgrall():
        if group.gr_gid != mine and (allowed is None or group.gr_gid in allowed):
            return group
    pytest.skip("no second group to hand the files to on this machine")


def test_a_configured_group_may_read_the_database_and_backup(tmp_path: Path) -> None:
    group = _a_group_to_hand_files_to()
    config_dir = tmp_path / "config"
    shutil.copytree(PROJECT_ROOT / "config", config_dir)
    config = config_dir / "vis.toml"
    config.write_text(
        config.read_text(encoding="utf-8") + f'\n[security]\nfile_group = "{group.gr_name}"\n',
        encoding="utf-8",
    )
    db = tmp_path / "var" / "vis.db"
    url = f"sqlite:///{db}"
    assert vis(["init"], url, config).returncode == 0
    assert vis(["status", "--json"], url, config).returncode == 0
    backup = tmp_path / "b.db"
    assert vis(["backup", str(backup)], url, config).returncode == 0
    for path in (db, backup):
        assert (_mode(path), path.stat().st_gid) == (0o640, group.gr_gid), path.name
    # Without the setting again, the files are narrowed back to the owner.
    assert vis(["status", "--json"], url).returncode == 0
    assert _mode(db) == 0o600


def test_an_unknown_file_group_is_refused_with_a_clear_error(tmp_path: Path) -> None:
    config_dir = tmp_path / "config"
    shutil.copytree(PROJECT_ROOT / "config", config_dir)
    config = config_dir / "vis.toml"
    config.write_text(
        config.read_text(encoding="utf-8") + '\n[security]\nfile_group = "geen-vis-groep"\n',
        encoding="utf-8",
    )
    answer = vis(["status", "--json"], f"sqlite:///{tmp_path / 'vis.db'}", config)
    assert answer.returncode != 0
    assert "file_group: group 'geen-vis-groep' does not exist here" in answer.stderr
    assert not (tmp_path / "vis.db").exists()

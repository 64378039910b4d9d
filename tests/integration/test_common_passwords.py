"""`vis user add` refuses passwords built from a common word (the shipped list, leetspeak undone)
with digits and punctuation around it, and accepts an uncommon one (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from clirun import CliResult, run_vis
from sqlalchemy import Engine, func, select

from vis.db.schema import users
from vis.settings import PROJECT_ROOT

COMMON = ["P@ssw0rd2024", "Summer2024!!", "Januari2025!", "Handhaver1!x"]


def add(url: str, name: str, password: str) -> CliResult:
    env = {
        "VIS_DATABASE_URL": url,
        "VIS_CONFIG": str(PROJECT_ROOT / "config/vis.toml"),
        "VIS_NEW_PASSWORD": password,
    }
    return run_vis("user", "add", name, "--role", "handhaver", env=env)


@pytest.mark.parametrize("password", COMMON)
def test_a_common_password_is_refused(engine: Engine, db_url: str, password: str) -> None:
    result = add(db_url, "boa_pietersen", password)
    assert result.returncode == 1
    assert "geen veelgebruikt of eentonig wachtwoord" in result.stderr
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(users)).scalar() == 0


def test_an_uncommon_password_is_accepted(engine: Engine, db_url: str) -> None:
    result = add(db_url, "boa_pietersen", "Kerkstraat-Fietsbel-42")
    assert result.returncode == 0, result.stderr

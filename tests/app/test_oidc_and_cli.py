"""OIDC login through st.login (Streamlit's [auth] secrets), and the app's commands."""

from __future__ import annotations

from pathlib import Path

import pytest
from apphelpers import new_app, texts
from clirun import CliResult, run_vis
from sqlalchemy import select

from vis.cli.app import serve_command
from vis.db.engine import make_engine
from vis.db.schema import users
from vis.security.auth import add_user
from vis.settings import PROJECT_ROOT

AUTH = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "x" * 32,
    "microsoft": {
        "client_id": "id",
        "client_secret": "secret",
        "server_metadata_url": "https://login.example/.well-known/openid-configuration",
    },
}


@pytest.mark.slow
def test_oidc_configured_shows_only_the_provider_button(app_env: str) -> None:
    at = new_app()
    at.secrets["auth"] = AUTH
    at.user = {"is_logged_in": False}
    at.run()
    assert not at.exception
    assert len(at.text_input) == 0
    assert [b.label for b in at.button] == ["Inloggen met microsoft"]


@pytest.mark.slow
def test_oidc_identity_maps_to_a_vis_role(app_env: str) -> None:
    engine = make_engine(app_env)
    try:
        add_user(engine, "chef@amersfoort.nl", None, "supervisor")
    finally:
        engine.dispose()
    at = new_app()
    at.secrets["auth"] = AUTH
    at.user = {"is_logged_in": True, "email": "chef@amersfoort.nl", "name": "Chef"}
    at.run()
    assert not at.exception
    assert "Prioriteiten" in texts(at)
    unknown = new_app()
    unknown.secrets["auth"] = AUTH
    unknown.user = {"is_logged_in": True, "email": "vreemde@example.nl"}
    unknown.run()
    assert "geen rol in VIS" in texts(unknown)
    assert "Prioriteiten" not in texts(unknown)


def _vis(*args: str, db_url: str, env: dict[str, str] | None = None) -> CliResult:
    environ: dict[str, str | None] = {"VIS_DATABASE_URL": db_url, **(env or {})}
    if env is None:
        environ["VIS_NEW_PASSWORD"] = None
    return run_vis(*args, env=environ)


def test_vis_user_add(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'u.db'}"
    assert _vis("init", db_url=url).returncode == 0
    ok = _vis(
        "user",
        "add",
        "bea",
        "--role",
        "handhaver",
        db_url=url,
        env={"VIS_NEW_PASSWORD": "Goed-Wachtwoord-77"},
    )
    assert ok.returncode == 0, ok.stderr
    weak = _vis("user", "add", "cas", "--role", "admin", db_url=url, env={"VIS_NEW_PASSWORD": "a"})
    assert weak.returncode == 1 and weak.stderr.count("\n") == 1 and "wachtwoord" in weak.stderr
    no_tty = _vis("user", "add", "dirk", "--role", "admin", db_url=url)
    assert no_tty.returncode == 1 and "VIS_NEW_PASSWORD" in no_tty.stderr
    bad_role = _vis("user", "add", "eva", "--role", "chef", db_url=url)
    assert bad_role.returncode == 2
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(users.c.username, users.c.role)).all()
    finally:
        engine.dispose()
    assert [tuple(r) for r in rows] == [("bea", "handhaver")]


def test_serve_command_is_headless_loopback_without_telemetry() -> None:
    cmd = serve_command(8600, "127.0.0.1")
    assert cmd[1:4] == ["-m", "streamlit", "run"] and cmd[4] == str(PROJECT_ROOT / "app.py")
    for flag in (
        "--server.headless=true",
        "--browser.gatherUsageStats=false",
        "--server.address=127.0.0.1",
        "--server.port=8600",
        "--server.enableXsrfProtection=true",
    ):
        assert flag in cmd

"""Login throttling per client through the real server: the client address that Streamlit reports
(here from X-Forwarded-For, which uvicorn trusts from a loopback peer) is throttled and locked out,
audited; other addresses and loopback clients log in as usual."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "app"))

from appdata import prepare
from serving import PASSWORD, login, settled, start_serve, stop

from vis.db.engine import make_engine
from vis.db.schema import audit_log
from vis.security import audit
from vis.settings import PROJECT_ROOT

pytestmark = pytest.mark.integration
ATTACKER, NEIGHBOUR = "203.0.113.70", "198.51.100.7"


@pytest.fixture(scope="module")
def strict(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """(base URL, database URL) of `vis serve` with small client limits: delays from the 2nd
    failure, a lockout at the 3rd."""
    folder = tmp_path_factory.mktemp("throttle")
    db_url, _ = prepare(folder / "t.db")
    app = (PROJECT_ROOT / "config" / "app.toml").read_text(encoding="utf-8")
    app = (
        app.replace("client_max_failed_logins = 20", "client_max_failed_logins = 3")
        .replace("client_throttle_after = 5", "client_throttle_after = 2")
        .replace("client_lockout_min = 15", "client_lockout_min = 10")
    )
    assert "client_max_failed_logins = 3" in app and "client_throttle_after = 2" in app
    config = folder / "app.toml"
    config.write_text(app, encoding="utf-8")
    # A deployment behind a reverse proxy on this host: X-Forwarded-For is trusted from loopback
    # only because [security] trusted_proxies says so (the default trusts no one).
    settings_dir = folder / "config"
    shutil.copytree(PROJECT_ROOT / "config", settings_dir)
    vis_toml = settings_dir / "vis.toml"
    vis_toml.write_text(
        vis_toml.read_text(encoding="utf-8") + '\n[security]\ntrusted_proxies = ["127.0.0.1"]\n',
        encoding="utf-8",
    )
    proc, base = start_serve(db_url, folder / "serve.log", app_config=config, config=vis_toml)
    try:
        yield base, db_url
    finally:
        stop(proc)


def _client(browser: Any, address: str | None) -> Page:
    headers = {"X-Forwarded-For": address} if address else {}
    page = browser.new_context(extra_http_headers=headers).new_page()
    page.set_default_timeout(30_000)
    return page


def _failed_logins(db_url: str) -> int:
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            return len(
                conn.execute(
                    select(audit_log.c.id).where(audit_log.c.action == audit.LOGIN_FAILED)
                ).all()
            )
    finally:
        engine.dispose()


def _fail(page: Page, strict: tuple[str, str], user: str, password: str) -> str:
    """One login attempt that fails (on the form already shown, if it is): the error shown."""
    base, db_url = strict
    before = _failed_logins(db_url)
    if page.url.startswith(base) and page.get_by_label("Gebruikersnaam").count():
        page.get_by_label("Gebruikersnaam").fill(user)
        page.get_by_label("Wachtwoord").fill(password)
        page.get_by_role("button", name="Inloggen").click()
    else:
        login(page, base, user, password)
    for _ in range(200):  # the attempt is audited before the page shows its answer
        if _failed_logins(db_url) > before:
            break
        page.wait_for_timeout(50)
    settled(page)
    return page.get_by_test_id("stAlertContentError").first.inner_text()


def _logs_in(page: Page, base: str) -> None:
    login(page, base, "supervisor", PASSWORD)
    expect(page.get_by_role("button", name="Uitloggen", exact=True)).to_be_visible()


def test_a_client_address_is_throttled_and_locked_out_others_log_in(
    browser: Any, strict: tuple[str, str]
) -> None:
    base, db_url = strict
    attacker = _client(browser, ATTACKER)
    assert _fail(attacker, strict, "supervisor", "fout-1").startswith("Inloggen mislukt")
    assert _fail(attacker, strict, "admin", "fout-2").startswith("Inloggen mislukt")
    # The third attempt, within the second's one-second delay: refused unchecked.
    assert "Probeer het over 1 s opnieuw" in _fail(attacker, strict, "supervisor", PASSWORD)
    attacker.wait_for_timeout(1100)
    assert _fail(attacker, strict, "evaluator", "fout-3").startswith("Inloggen mislukt")
    # Locked out: even the right password does not get in from this address.
    blocked = _fail(attacker, strict, "supervisor", PASSWORD)
    assert "inloggen is hier 10 min geblokkeerd" in blocked
    attacker.context.close()

    # Another address and a loopback client (no forwarded address) are not affected.
    for address in (NEIGHBOUR, None):
        page = _client(browser, address)
        _logs_in(page, base)
        page.context.close()

    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(audit_log.c.action, audit_log.c.target, audit_log.c.detail)
                .where(audit_log.c.action.in_([audit.LOGIN_FAILED, audit.LOCKOUT]))
                .order_by(audit_log.c.id)
            ).all()
            assert audit.verify_chain(conn).ok
    finally:
        engine.dispose()
    shown = [(r.action, r.detail.get("reason", r.target)) for r in rows]
    assert shown == [
        ("login_failed", "wrong_password"),
        ("login_failed", "wrong_password"),
        ("login_failed", "client_throttled"),
        ("login_failed", "wrong_password"),
        ("login_lockout", f"client:{ATTACKER}"),
        ("login_failed", "client_locked"),
    ]
    assert all(r.detail["client"] == ATTACKER for r in rows if r.action == "login_failed")

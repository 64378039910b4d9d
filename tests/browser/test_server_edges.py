"""The edges of `vis serve`: X-Forwarded-For is not believed from an unconfigured peer, metrics
are closed, and every answer forbids framing and sniffing (real server, real HTTP, Chromium)."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import expect
from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "app"))

from appdata import prepare
from serving import login, start_serve, stop

from vis.db.engine import make_engine
from vis.db.schema import audit_log, login_clients

pytestmark = pytest.mark.integration

SPOOFED = "203.0.113.77"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    folder = tmp_path_factory.mktemp("edges")
    db_url, _ = prepare(folder / "e.db", dt.datetime.now(dt.UTC))
    proc, base = start_serve(db_url, folder / "serve.log")
    try:
        yield base, db_url
    finally:
        stop(proc)


def test_a_spoofed_forwarded_for_from_an_unconfigured_peer_is_ignored(
    browser: Any, server: tuple[str, str]
) -> None:
    base, db_url = server
    context = browser.new_context(extra_http_headers={"X-Forwarded-For": SPOOFED})
    page = context.new_page()
    page.set_default_timeout(60_000)
    login(page, base, "supervisor", "Fout-wachtwoord-9!")
    expect(page.get_by_text("Inloggen mislukt")).to_be_visible()
    context.close()
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            clients = conn.execute(
                select(audit_log.c.client, audit_log.c.detail).where(
                    audit_log.c.action == "login_failed"
                )
            ).all()
            throttled = set(conn.execute(select(login_clients.c.client)).scalars())
    finally:
        engine.dispose()
    assert clients, "the failed login was not audited"
    assert all(SPOOFED not in str(c.client) and SPOOFED not in str(c.detail) for c in clients)
    assert throttled == {"loopback"}  # counted against the real peer


def test_metrics_are_closed_and_answers_forbid_framing(server: tuple[str, str]) -> None:
    base, _ = server
    assert requests.get(f"{base}/_stcore/metrics", timeout=30).status_code == 404
    for path in ("/", "/_stcore/health", "/briefing"):
        answer = requests.get(base + path, timeout=30)
        assert answer.status_code == 200
        policy = answer.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in policy
        assert "default-src 'self'" in policy and "object-src 'none'" in policy
        script = next(d for d in policy.split("; ") if d.startswith("script-src "))
        assert "'unsafe-inline'" not in script and "'unsafe-eval'" not in script
        assert answer.headers["X-Frame-Options"] == "DENY"
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert answer.headers["Referrer-Policy"] == "no-referrer"

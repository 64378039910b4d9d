"""kill -9 of `vis serve` during a patrol-visit write, on SQLite and PostgreSQL: the visit is
there wholly or not at all, never twice, and the app comes back and records visits again.

A kill between the visit's commit and its audit entry's (two transactions, in the tablet page)
would leave a visit without its entry; this test does not aim there."""

from __future__ import annotations

import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import Engine, insert, select, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "app"))

from appdata import TZ, briefing_content
from serving import PASSWORD, free_port, login, settled, start_serve, stop

from vis.areas import sync_areas
from vis.db.engine import make_engine
from vis.db.migrate import upgrade
from vis.db.schema import audit_log, ingest_runs, patrol_visits
from vis.pages.shifts import current_or_next_shift
from vis.security import audit
from vis.security.auth import add_user
from vis.settings import load_settings
from vis.store.briefing_store import store_briefing

pytestmark = pytest.mark.integration
VISIT = "Ik ben hier geweest"


def _prepare(engine: Engine) -> None:
    settings = load_settings()
    now = dt.datetime.now(dt.UTC)
    upgrade(engine)
    sync_areas(engine, settings)
    with engine.begin() as conn:
        conn.execute(
            insert(ingest_runs).values(
                source="test", kind="bvh", started_at=now, finished_at=now, status="success"
            )
        )
    day, shift = current_or_next_shift(now, settings.shifts, TZ)
    store_briefing(engine, briefing_content(settings, day, shift, now), created_by="test")
    add_user(engine, "handhaver", PASSWORD, "handhaver")


def _visits(engine: Engine) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(select(patrol_visits).order_by(patrol_visits.c.id)).all())


def _visit_entries(engine: Engine) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(select(audit_log).where(audit_log.c.action == audit.VISIT)).all())


@contextmanager
def _writes_blocked(db_url: str, engine: Engine) -> Iterator[None]:
    """Hold the lock that a visit's INSERT needs (readers go on), until the block ends."""
    if make_url(db_url).get_backend_name() == "sqlite":
        path = make_url(db_url).database
        assert path
        blocker = sqlite3.connect(path, isolation_level=None, timeout=30)
        blocker.execute("BEGIN IMMEDIATE")  # the write lock of a WAL database
        try:
            yield
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
        return
    with engine.connect() as conn:
        trans = conn.begin()
        conn.execute(text("LOCK TABLE patrol_visits IN SHARE ROW EXCLUSIVE MODE"))
        try:
            yield
        finally:
            trans.rollback()


def _wait_until_blocked(db_url: str, engine: Engine, page: Page) -> None:
    """Until the app's script run is inside the visit's write, waiting for the lock."""
    page.wait_for_selector('[data-test-script-state="running"]', state="attached")
    if make_url(db_url).get_backend_name() == "sqlite":
        # No lock table to look at: the run goes on well past its usual 0.3 s, in the busy wait.
        page.wait_for_timeout(1000)
        assert page.locator('[data-test-script-state="running"]').count() == 1
        return
    deadline = time.monotonic() + 20
    with engine.connect() as conn:
        while time.monotonic() < deadline:
            waiting = conn.execute(
                text(
                    "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                    "WHERE c.oid = 'patrol_visits'::regclass AND NOT l.granted"
                )
            ).scalar_one()
            if waiting:
                return
            time.sleep(0.05)
    raise AssertionError("the visit's INSERT never waited for the lock")


def _kill_9(proc: subprocess.Popen[bytes]) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL


def _tablet(browser: Any, base: str) -> Page:
    page = browser.new_context(viewport={"width": 1024, "height": 768}).new_page()
    page.set_default_timeout(30_000)
    login(page, base, "handhaver")
    expect(page.get_by_role("button", name=VISIT).first).to_be_visible()
    settled(page)
    return page


def _record(page: Page, note: str) -> None:
    page.get_by_label("Notitie (optioneel, eigen woorden)").first.fill(note)
    page.get_by_role("button", name=VISIT).first.click()


def test_kill_9_during_a_visit_write_loses_nothing_and_doubles_nothing(
    browser: Any, db_url: str, tmp_path: Path
) -> None:
    engine = make_engine(db_url)
    log = tmp_path / "serve.log"
    port = free_port()
    proc: subprocess.Popen[bytes] | None = None
    try:
        _prepare(engine)
        proc, base = start_serve(db_url, log, port)

        # 1. Killed while the INSERT waits inside its transaction: no visit, no audit entry.
        page = _tablet(browser, base)
        with _writes_blocked(db_url, engine):
            _record(page, "afgebroken")
            _wait_until_blocked(db_url, engine, page)
            _kill_9(proc)
        assert _visits(engine) == [] and _visit_entries(engine) == []

        # 2. The app comes back on the same port; the old tab reconnects to a new, logged-out
        # session (nothing is sent again). A visit is recorded, and the app killed right after.
        proc, base = start_serve(db_url, log, port)
        expect(page.get_by_label("Gebruikersnaam")).to_be_visible(timeout=30_000)
        page.context.close()
        page = _tablet(browser, base)
        _record(page, "bewaard")
        expect(page.get_by_text("Jouw bezoeken deze dienst: 1").first).to_be_visible()
        _kill_9(proc)
        page.context.close()

        # 3. The visit is there once and whole, with its audit entry, and the database is sound.
        visits = _visits(engine)
        assert [(v.username, v.note) for v in visits] == [("handhaver", "bewaard")]
        visit = visits[0]
        assert visit.briefing_id and visit.hotspot_id and visit.visited_at and visit.created_at
        assert [e.detail["visit"] for e in _visit_entries(engine)] == [visit.id]
        with engine.connect() as conn:
            assert audit.verify_chain(conn).ok
            if engine.dialect.name == "sqlite":
                assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    finally:
        if proc is not None:
            stop(proc)
        engine.dispose()

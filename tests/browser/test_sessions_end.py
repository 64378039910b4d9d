"""Open sessions end when access ends: disabling a user, a role change, a lockout and "Overal
uitloggen" end the user's open Chromium sessions at their next interaction, against `vis serve`."""

from __future__ import annotations

import datetime as dt
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import Engine, func, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "app"))

from appdata import TZ, prepare
from serving import login, settled, start_serve, stop

from vis.db.engine import make_engine
from vis.db.schema import patrol_visits
from vis.pages.shifts import current_or_next_shift, next_shift
from vis.security.auth import authenticate, set_disabled, set_role
from vis.settings import load_settings

pytestmark = pytest.mark.integration

ENDED = re.compile("Je sessie is beëindigd|Your session has ended")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Engine]]:
    settings = load_settings()
    now = dt.datetime.now(dt.UTC)
    shifts = {next_shift(now, settings.shifts, TZ), current_or_next_shift(now, settings.shifts, TZ)}
    folder = tmp_path_factory.mktemp("sessions")
    db_url, _ = prepare(folder / "s.db", now, shifts=tuple(shifts))
    proc, base = start_serve(db_url, folder / "serve.log")
    engine = make_engine(db_url)
    try:
        yield base, engine
    finally:
        engine.dispose()
        stop(proc)


def _open(browser: Any, base: str, user: str) -> Page:
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    login(page, base, user)
    expect(page.get_by_role("button", name="Uitloggen", exact=True)).to_be_attached(timeout=60_000)
    settled(page)
    return page


def _interact(page: Page) -> None:
    """A desktop user's next interaction: switching the language in the sidebar (unless the
    once-a-minute check has already ended the session)."""
    if page.get_by_text(ENDED).count():
        return
    page.get_by_test_id("stSidebarUserContent").locator("button", has_text="English").click(
        timeout=60_000, force=True
    )


def _ended(page: Page) -> None:
    expect(page.get_by_text(ENDED)).to_be_visible(timeout=30_000)
    expect(page.get_by_role("button", name="Uitloggen", exact=True)).to_have_count(0)
    expect(page.locator('[data-testid="stDeckGlJsonChart"]')).to_have_count(0)


def test_a_disabled_handhavers_tablet_shows_nothing_at_its_next_tap(
    browser: Any, server: tuple[str, Engine]
) -> None:
    base, engine = server
    context = browser.new_context(viewport={"width": 800, "height": 1200})
    page = context.new_page()
    page.set_default_timeout(30_000)
    login(page, base, "handhaver")
    visit = page.get_by_role("button", name="Ik ben hier geweest").first
    expect(visit).to_be_visible(timeout=60_000)
    settled(page)
    set_disabled(engine, "handhaver", True)
    try:
        visit.click()
        _ended(page)
        expect(page.get_by_role("button", name="Ik ben hier geweest")).to_have_count(0)
        with engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(patrol_visits)).scalar() == 0
    finally:
        set_disabled(engine, "handhaver", False)
        context.close()


def test_a_role_change_ends_the_session(browser: Any, server: tuple[str, Engine]) -> None:
    base, engine = server
    page = _open(browser, base, "supervisor")
    set_role(engine, "supervisor", "evaluator")
    try:
        _interact(page)
        _ended(page)
    finally:
        set_role(engine, "supervisor", "supervisor")
        page.context.close()


def test_a_lockout_ends_the_users_open_session(browser: Any, server: tuple[str, Engine]) -> None:
    base, engine = server
    page = _open(browser, base, "admin")
    for _ in range(5):
        authenticate(engine, "admin", "Fout-wachtwoord-1!")
    try:
        _interact(page)
        _ended(page)
    finally:
        set_disabled(engine, "admin", False)  # also unlocks
        page.context.close()


def test_logging_out_everywhere_ends_the_users_other_sessions(
    browser: Any, server: tuple[str, Engine]
) -> None:
    base, _ = server
    first = _open(browser, base, "evaluator")
    second = _open(browser, base, "evaluator")
    first.get_by_role("button", name="Overal uitloggen").click()
    expect(first.get_by_role("button", name="Inloggen")).to_be_visible()
    _interact(second)
    _ended(second)
    # logging in again works: the new session has the new epoch
    login(second, base, "evaluator")
    expect(second.get_by_role("button", name="Uitloggen", exact=True)).to_be_attached()
    first.context.close()
    second.context.close()

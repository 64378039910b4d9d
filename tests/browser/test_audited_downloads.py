"""Police data leaves `vis serve` only through the audited one-time download route.

Chromium logs in and clicks; a plain HTTP client (requests) then fetches the link with and without
the browser's cookies: without the cookie, from another user's browser, after logout, after expiry
or a second time there is nothing, and every file delivered has exactly one ``download`` entry.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import Page, expect
from sqlalchemy import func, insert, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "app"))

from appdata import TZ, prepare
from serving import download_link, login, settled, start_serve, stop

from vis.db.engine import make_engine
from vis.db.schema import audit_log, quarantine
from vis.pages.shifts import current_or_next_shift, next_shift
from vis.settings import PROJECT_ROOT, load_settings

pytestmark = pytest.mark.integration

LINK_S = 3.0


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """(base URL, database URL) of a `vis serve` whose download links live ``LINK_S`` seconds."""
    settings = load_settings()
    now = dt.datetime.now(dt.UTC)
    shifts = {next_shift(now, settings.shifts, TZ), current_or_next_shift(now, settings.shifts, TZ)}
    folder = tmp_path_factory.mktemp("downloads")
    db_url, _ = prepare(folder / "d.db", now, shifts=tuple(shifts))
    engine = make_engine(db_url)
    try:
        with engine.begin() as conn:
            conn.execute(
                insert(quarantine).values(
                    run_id=1,
                    row_number=1,
                    incident_id="PL0900_BVH_1",
                    reason="Begindatum ontbreekt",
                    raw={"Pleegstraatnaam": "Kerkstraat"},
                    received_at=now,
                )
            )
    finally:
        engine.dispose()
    app_toml = folder / "app.toml"
    base_toml = (PROJECT_ROOT / "config" / "app.toml").read_text()
    short = re.sub(r"(?m)^download_link_s = .*$", f"download_link_s = {LINK_S}", base_toml)
    assert short != base_toml
    app_toml.write_text(short)
    proc, base = start_serve(db_url, folder / "serve.log", app_config=app_toml)
    try:
        yield base, db_url
    finally:
        stop(proc)


def _downloads(db_url: str, target: str) -> int:
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            return int(
                conn.execute(
                    select(func.count())
                    .select_from(audit_log)
                    .where(audit_log.c.action == "download", audit_log.c.target == target)
                ).scalar_one()
            )
    finally:
        engine.dispose()


def _open(browser: Any, base: str, user: str, path: str = "") -> Page:
    context = browser.new_context(viewport={"width": 1366, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(30_000)
    login(page, f"{base}/{path}", user)
    return page


def _cookies(page: Page) -> dict[str, str]:
    return {c["name"]: c["value"] for c in page.context.cookies()}


def _nothing_exposed(page: Page) -> None:
    """No file and no link to one in the page before a click (Streamlit's /media included)."""
    expect(page.locator("a.vis-download")).to_have_count(0)
    expect(page.locator('[data-testid="stDownloadButton"]')).to_have_count(0)
    hrefs = page.evaluate("[...document.querySelectorAll('a[href]')].map(a => a.href)")
    assert not [h for h in hrefs if "/media/" in h or "/vis/download/" in h], hrefs


def _refused(answer: requests.Response) -> None:
    assert answer.status_code in (403, 404), answer.status_code
    assert answer.headers["Cache-Control"] == "no-store"
    assert answer.content.startswith(b"Geen toegang")


def test_briefing_pdf_only_with_the_logged_in_browser_once_and_audited_once(
    browser: Any, server: tuple[str, str]
) -> None:
    base, db_url = server
    page = _open(browser, base, "supervisor")
    expect(page.get_by_role("button", name="PDF downloaden")).to_be_visible(timeout=60_000)
    settled(page)
    _nothing_exposed(page)
    before = sum(_downloads(db_url, f"briefing:{i}:pdf") for i in range(1, 10))
    assert before == 0

    # No cookie: nothing, and the link is used up.
    link = download_link(page, "PDF downloaden")
    _refused(requests.get(link, timeout=30))
    _refused(requests.get(link, cookies=_cookies(page), timeout=30))

    # The logged-in browser's cookie: the PDF, once, never cached, with one audit entry.
    link = download_link(page, "PDF downloaden")
    answer = requests.get(link, cookies=_cookies(page), timeout=30)
    assert answer.status_code == 200
    assert answer.content.startswith(b"%PDF")
    assert answer.headers["Cache-Control"] == "no-store"
    assert answer.headers["Content-Disposition"].startswith("attachment;")
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    _refused(requests.get(link, cookies=_cookies(page), timeout=30))
    counts = {i: _downloads(db_url, f"briefing:{i}:pdf") for i in range(1, 10)}
    assert sum(counts.values()) == 1
    target = next(f"briefing:{i}:pdf" for i, n in counts.items() if n == 1)

    # A handhaver's browser, with its own logged-in session: nothing.
    other = _open(browser, base, "handhaver")
    expect(other.get_by_role("button", name="Ik ben hier geweest").first).to_be_visible()
    link = download_link(page, "PDF downloaden")
    _refused(requests.get(link, cookies=_cookies(other), timeout=30))
    other.context.close()

    # An expired link: nothing.
    link = download_link(page, "PDF downloaden")
    time.sleep(LINK_S + 0.5)
    _refused(requests.get(link, cookies=_cookies(page), timeout=30))

    # A logged-out session: nothing, even with the same browser's cookie.
    link = download_link(page, "PDF downloaden")
    page.get_by_role("button", name="Uitloggen", exact=True).click()
    expect(page.get_by_role("button", name="Inloggen")).to_be_visible()
    _refused(requests.get(link, cookies=_cookies(page), timeout=30))

    assert _downloads(db_url, target) == 1
    page.context.close()


def test_quarantine_csv_is_not_in_the_status_page_until_clicked_and_audited_per_file(
    browser: Any, server: tuple[str, str]
) -> None:
    base, db_url = server
    page = _open(browser, base, "supervisor", "status")
    expect(page.get_by_text("Inleeslog")).to_be_visible()
    settled(page)
    _nothing_exposed(page)
    assert _downloads(db_url, "quarantine.csv") == 0
    for n in (1, 2):
        link = download_link(page, "Quarantaine als CSV")
        answer = requests.get(link, cookies=_cookies(page), timeout=30)
        assert answer.status_code == 200
        assert answer.headers["Cache-Control"] == "no-store"
        assert b"PL0900_BVH_1" in answer.content
        assert _downloads(db_url, "quarantine.csv") == n
    page.context.close()


def test_evaluator_xlsx_through_the_route_and_the_browser_saves_it(
    browser: Any, server: tuple[str, str]
) -> None:
    base, db_url = server
    page = _open(browser, base, "evaluator", "evaluation")
    views = page.get_by_test_id("stMainBlockContainer").get_by_test_id("stButtonGroup")
    views.get_by_text("Pilot", exact=True).click(timeout=60_000)
    button = page.get_by_role("button", name="Excel (XLSX)").first
    button.wait_for(state="visible", timeout=60_000)
    settled(page)
    _nothing_exposed(page)
    button.click()
    with page.expect_download() as got:
        page.locator("a.vis-download").last.click()
    data = Path(got.value.path()).read_bytes()
    assert data.startswith(b"PK")  # an XLSX is a zip
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(audit_log.c.username, audit_log.c.target).where(
                    audit_log.c.action == "download", audit_log.c.target.like("%:xlsx")
                )
            ).all()
    finally:
        engine.dispose()
    assert len(rows) == 1 and rows[0].username == "evaluator"
    page.context.close()

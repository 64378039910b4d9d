"""The app in a real browser: login, briefing with hotspots on list and map, a visit recorded on
the tablet at 1024×768 (and a look at 768×1024), and a handhaver refused on the evaluator page."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from vis.db.engine import make_engine
from vis.db.schema import patrol_visits
from vis.settings import PROJECT_ROOT

PASSWORD = "Test-wachtwoord-42!"
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
pytestmark = pytest.mark.integration


def _page(browser: Any, width: int, height: int) -> tuple[Page, list[str], list[str]]:
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(30_000)
    outside: list[str] = []
    dialogs: list[str] = []

    def on_request(request: Any) -> None:
        host = urlparse(request.url).hostname
        if request.url.startswith(("http", "ws")) and host not in ("127.0.0.1", "localhost"):
            outside.append(request.url)

    page.on("request", on_request)
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    return page, outside, dialogs


def _settled_box(page: Page, locator: Any, ok: Any, timeout_s: float = 20.0) -> dict[str, float]:
    """The element's box once ``ok(box)`` holds (layout and injected CSS settle after render)."""
    deadline = time.monotonic() + timeout_s
    box = locator.bounding_box()
    while not (box is not None and ok(box)) and time.monotonic() < deadline:
        page.wait_for_timeout(200)
        box = locator.bounding_box()
    assert box is not None and ok(box), f"element box never settled: {box}"
    return box


def _login(page: Page, url: str, user: str) -> None:
    page.goto(url)
    page.get_by_label("Gebruikersnaam").fill(user)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()


def test_supervisor_sees_hotspots_in_list_and_map(browser: Any, served: tuple[str, str]) -> None:
    base, _ = served
    page, outside, dialogs = _page(browser, 1366, 900)
    _login(page, base, "supervisor")
    # The first page of a fresh server (this checks what is shown; bench_app.py times it)
    expect(page.get_by_text("Prioriteiten")).to_be_visible(timeout=30_000)
    # from the app's root straight to the role's home page, which is the root's default page
    assert page.url.rstrip("/") == base.rstrip("/")
    for rank in (1, 2, 3):
        expect(page.get_by_text(f"Hotspot {rank} —").first).to_be_visible()
    chart = page.locator('[data-testid="stDeckGlJsonChart"]')
    expect(chart).to_be_visible(timeout=30_000)
    canvas = chart.locator("canvas").first
    expect(canvas).to_be_visible(timeout=30_000)
    _settled_box(page, canvas, lambda b: b["width"] > 300 and b["height"] > 300)
    expect(page.get_by_text("Bron: CBS")).to_be_visible()
    page.wait_for_timeout(1000)  # let deck.gl draw
    page.screenshot(path=str(ARTIFACTS / "briefing-1366x900.png"), full_page=True)
    assert not dialogs, "hostile content ran as script"
    assert not outside, f"requests outside loopback: {outside[:3]}"
    page.context.close()


def _visits(db_url: str) -> list[Any]:
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(select(patrol_visits)).all())
    finally:
        engine.dispose()


def test_handhaver_records_a_visit_on_the_tablet(browser: Any, served: tuple[str, str]) -> None:
    base, db_url = served
    before = len(_visits(db_url))
    page, outside, dialogs = _page(browser, 1024, 768)
    _login(page, base, "handhaver")
    buttons = page.get_by_role("button", name="Ik ben hier geweest")
    expect(buttons.first).to_be_visible()
    expect(buttons).to_have_count(3, timeout=30_000)  # the cards render one after another
    assert page.url.rstrip("/") == base.rstrip("/")
    for i in range(buttons.count()):
        _settled_box(page, buttons.nth(i), lambda b: b["height"] >= 44 and b["width"] >= 44)
    page.screenshot(path=str(ARTIFACTS / "tablet-1024x768.png"), full_page=True)
    page.get_by_label("Notitie (optioneel, eigen woorden)").first.fill("rustig")
    buttons.first.click()
    # The card's own count is the lasting sign (the toast fades after a few seconds).
    expect(page.get_by_text("Jouw bezoeken deze dienst: 1").first).to_be_visible(timeout=30_000)
    visits = _visits(db_url)
    assert len(visits) == before + 1
    assert visits[-1].username == "handhaver" and visits[-1].note == "rustig"
    page.screenshot(path=str(ARTIFACTS / "tablet-1024x768-visit.png"), full_page=True)
    page.set_viewport_size({"width": 768, "height": 1024})
    page.wait_for_timeout(500)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 768, "horizontal scrolling at 768 px"
    box = buttons.first.bounding_box()
    assert box is not None and box["height"] >= 44
    page.screenshot(path=str(ARTIFACTS / "tablet-768x1024.png"), full_page=True)
    assert not dialogs and not outside
    page.context.close()


def test_handhaver_is_refused_the_evaluator_page(browser: Any, served: tuple[str, str]) -> None:
    base, _ = served
    page, _, _ = _page(browser, 1024, 768)
    _login(page, f"{base}/evaluation", "handhaver")
    expect(page.get_by_text("Geen toegang")).to_be_visible()
    expect(page.get_by_text("Briefings per dag en dienst")).to_have_count(0)
    page.screenshot(path=str(ARTIFACTS / "handhaver-evaluation-refused.png"))
    page.context.close()


@pytest.mark.parametrize(
    ("path", "shown", "absent", "lands_on"),
    [
        # a page's own URL: after the login, that page
        ("status", "Status", "Prioriteiten", "status"),
        # the login URL: on to the role's home page, served at the root (a default page), and no
        # "page not found" on the way
        ("login", "Prioriteiten", "Page not found", ""),
    ],
)
def test_a_login_lands_on_the_page_its_url_names(
    browser: Any, served: tuple[str, str], path: str, shown: str, absent: str, lands_on: str
) -> None:
    base, _ = served
    page, _, _ = _page(browser, 1366, 900)
    _login(page, f"{base}/{path}", "supervisor")
    expect(page.get_by_role("heading", name=shown).first).to_be_visible(timeout=30_000)
    expect(page.get_by_text(absent)).to_have_count(0)
    assert page.url.rstrip("/") == f"{base.rstrip('/')}/{lands_on}".rstrip("/")
    page.context.close()

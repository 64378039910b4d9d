"""Every page of every role, on the live demo, at 1366 px and at tablet size, reads as Dutch, and
draws under the server's strict Content-Security-Policy without a single violation.

The demo is built as a new user builds it (`vis demo --no-serve` in an empty folder, today's
date) and served with its own configuration. Each page fails the test on English column names,
``None``, ``NaN``, ``True``/``False``, ISO timestamps or a label cut off by its box. Screenshots of
every page are kept in ``test-artifacts/dutch-screens/`` (gitignored).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page
from serving import settled, start_serve, stop

from vis.db.engine import make_engine
from vis.demo.users import DEMO_USERS, ensure_demo_users
from vis.pages.shell import pages_for
from vis.settings import PROJECT_ROOT

pytestmark = pytest.mark.integration
SHOTS = PROJECT_ROOT / "test-artifacts" / "dutch-screens"
SIZES = {"desktop": (1366, 900), "tablet": (1024, 768)}

#: Words that betray raw data on a Dutch screen.
RAW = re.compile(r"(?<![\w-])(None|NaN|nan|NaT|True|False|null)(?![\w-])")
ISO = re.compile(r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}|\b)")
#: A column name that is a program's identifier (snake_case) or a known English heading.
ENGLISH_HEADINGS = re.compile(
    r"^(?:[a-z]+_[a-z_]+|source|status|started|finished|received|loaded|error|count|date|shift|"
    r"user|action|time|value|label|category|period|area|visits?)$",
    re.IGNORECASE,
)

#: Labels wider than their box (ellipsis), reported by the browser itself.
CUT_OFF_JS = """
() => Array.from(document.querySelectorAll(
    '[data-testid="stMetricLabel"], [data-testid="stMetricLabel"] *, label, button p, h1, h2, h3'
)).filter(e => {
    const r = e.getBoundingClientRect();  // on screen: not in a collapsed sidebar
    return e.offsetParent !== null && r.width > 1 && r.right > 0 && r.left < innerWidth
        && e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).textOverflow === 'ellipsis';
  })
  .map(e => e.innerText)
"""
#: Collects every policy violation the page reports (blocked scripts, styles, connections...).
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__cspViolations.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline'));
});
"""
#: Column headings of every data grid: Streamlit's grid keeps them in an accessible table.
HEADINGS_JS = """
() => Array.from(document.querySelectorAll(
    '[data-testid="stDataFrame"] [role="columnheader"], [data-testid="stTable"] th'
)).map(e => e.innerText.trim()).filter(t => t.length > 0)
"""
GRID_CELLS_JS = """
() => Array.from(document.querySelectorAll(
    '[data-testid="stDataFrame"] [role="gridcell"], [data-testid="stTable"] td'
)).map(e => e.innerText.trim())
"""


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of `vis serve` on a freshly built live demo (its own configuration)."""
    folder = tmp_path_factory.mktemp("demo")
    env = {k: v for k, v in os.environ.items() if k not in ("VIS_DATABASE_URL", "VIS_CONFIG")}
    done = subprocess.run(
        [sys.executable, "-m", "vis.cli", "demo", "--no-serve"],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr
    db_url = f"sqlite:///{folder / 'var' / 'demo.db'}"
    engine = make_engine(db_url)
    try:
        ensure_demo_users(engine)
    finally:
        engine.dispose()
    config = folder / "var" / "demo" / "config"
    proc, base = start_serve(
        db_url,
        folder / "serve.log",
        app_config=config / "app.toml",
        config=config / "vis.toml",
    )
    try:
        yield base
    finally:
        stop(proc)


def _problems(page: Page) -> list[str]:
    main = page.locator('[data-testid="stMain"]')
    text = main.inner_text()
    cells = page.evaluate(GRID_CELLS_JS)
    found = []
    for where, body in (("text", text), ("table", "\n".join(cells))):
        found += [f"{where}: raw value {m!r}" for m in sorted(set(RAW.findall(body)))]
        found += [f"{where}: ISO time {m!r}" for m in sorted(set(ISO.findall(body)))]
    found += [
        f"English column {h!r}" for h in page.evaluate(HEADINGS_JS) if ENGLISH_HEADINGS.match(h)
    ]
    found += [f"cut-off label {t!r}" for t in page.evaluate(CUT_OFF_JS)]
    return found


def _open(page: Page, base: str, path: str) -> None:
    link = page.locator(f'[data-testid="stSidebarNav"] a[href$="/{path}"]')
    if link.count() and link.first.is_visible():
        link.first.click()
    else:
        page.evaluate(
            "p => { history.pushState({}, '', p); dispatchEvent(new PopStateEvent('popstate')); }",
            f"/{path}",
        )
    page.wait_for_url(f"**/{path}")
    settled(page)
    page.wait_for_timeout(1500)  # maps and grids draw after the run


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("user", [u[0] for u in DEMO_USERS])
def test_every_page_reads_as_dutch(browser: Any, demo: str, user: str, size: str) -> None:
    name, role, password = next(u for u in DEMO_USERS if u[0] == user)
    width, height = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height})
    context.add_init_script(CSP_LISTENER)
    page = context.new_page()
    page.set_default_timeout(60_000)
    SHOTS.mkdir(parents=True, exist_ok=True)
    try:
        page.goto(demo)
        page.get_by_label("Gebruikersnaam").fill(name)
        page.get_by_label("Wachtwoord").fill(password)
        page.get_by_role("button", name="Inloggen").click()
        settled(page)
        failures: dict[str, list[str]] = {}
        for path in pages_for(role):
            _open(page, demo, path)
            shot = SHOTS / f"{role}-{path}-{size}.png"
            page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 10_000
            maps = page.locator('[data-testid="stDeckGlJsonChart"]')
            for i in range(maps.count()):
                maps.nth(i).scroll_into_view_if_needed()
                page.wait_for_timeout(1000)
                maps.nth(i).screenshot(path=str(SHOTS / f"{role}-{path}-{size}-map{i + 1}.png"))
            if path == "tablet":
                routes = page.locator('[data-testid="stLinkButton"] a')
                assert routes.count() > 0, "no route button on the tablet"
                href = routes.first.get_attribute("href") or ""
                assert href.startswith("geo:"), href
            problems = _problems(page)
            problems += [f"CSP violation {v}" for v in page.evaluate("window.__cspViolations")]
            page.evaluate("window.__cspViolations = []")
            if problems:
                failures[path] = problems
        assert not failures, f"{role} at {width}x{height}: {failures}"
    finally:
        context.close()

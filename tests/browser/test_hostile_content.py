"""Hostile extract content in real Chromium: no script runs on the briefing, tablet and status
pages, the text shows as literal text (also in the map's tooltip), the PDF holds no actions and the
quarantine CSV no formulas."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "app"))

from appdata import TZ, briefing_content, prepare
from serving import download, login, settled, start_serve, stop

from vis.db.engine import make_engine
from vis.db.schema import incidents, ingest_runs, quarantine
from vis.pages.shifts import current_or_next_shift, next_shift
from vis.settings import load_settings
from vis.store.briefing_store import store_briefing

pytestmark = pytest.mark.integration

#: Each sets window.__pwned (and some call alert) if it ever runs.
PAYLOADS = {
    "script": "<script>window.__pwned='script';alert('script')</script>",
    "img": "<img src=x onerror=\"window.__pwned='img';alert('img')\">",
    "svg": "<svg/onload=\"window.__pwned='svg'\">",
    "iframe": "<iframe src=\"javascript:parent.__pwned='iframe'\"></iframe>",
    "mdlink": "[klik hier](javascript:window.__pwned='md')",
    "formula": '=HYPERLINK("http://evil.example","klik")',
    "autolink": "zie https://evil.example/x, www.evil.example of boef@evil.example",
}
CONTROL = "Kerk\x00straat\x07\x1b[31m\u202eTSAE\x08\r\nregel"
LONG = "Lang" + "x" * 9_996
#: Text fields of police data on the pages: every payload, control characters, a 10,000-char value.
HOSTILE_TEXTS = [*PAYLOADS.values(), CONTROL, LONG]
#: What must never appear in the DOM because of the data.
DOM_CHECK = """() => ({
  pwned: typeof window.__pwned === 'undefined' ? null : String(window.__pwned),
  handlers: document.querySelectorAll('[onerror],[onload],[onclick],[onmouseover]').length,
  jsLinks: document.querySelectorAll('a[href^="javascript:" i]').length,
  dataLinks: document.querySelectorAll('a[href*="evil.example" i]').length,
  frames: document.querySelectorAll('iframe[src^="javascript:" i]').length,
  svgs: document.querySelectorAll('svg[onload]').length,
  scripts: [...document.scripts].filter(s => s.text.includes('__pwned')).length,
})"""
CLEAN = {
    "pwned": None,
    "handlers": 0,
    "jsLinks": 0,
    "dataLinks": 0,
    "frames": 0,
    "svgs": 0,
    "scripts": 0,
}


def _hostile_briefing(content: dict[str, Any]) -> dict[str, Any]:
    for spot in content["hotspots"]:
        spot["reasons"] = [*PAYLOADS.values(), CONTROL]
        spot["actions"] = [PAYLOADS["script"], PAYLOADS["svg"], PAYLOADS["mdlink"], LONG]
        spot["categories"] = [{"code": "x_onbekend", "label": PAYLOADS["img"], "count": 2}]
    # the notable incidents as the briefing stored them: the hostile rows of _hostile_rows
    content["since_last"]["notable"] = [
        {"id": f"HOSTILE_{i}", "time": "01-01 12:00", "street": text, "area": text,
         "category": "woninginbraak", "label": text, "arrest": False}
        for i, text in enumerate(HOSTILE_TEXTS)
    ]  # fmt: skip
    return content


def _hostile_rows(db_url: str, now: dt.datetime) -> None:
    engine = make_engine(db_url)
    try:
        with engine.begin() as conn:
            run = conn.execute(
                insert(ingest_runs).values(
                    source=PAYLOADS["script"],
                    kind="bvh",
                    started_at=now - dt.timedelta(hours=1),
                    finished_at=now - dt.timedelta(hours=1),
                    status="failed",
                    error=PAYLOADS["img"] + " " + PAYLOADS["formula"],
                )
            ).inserted_primary_key[0]
            rows = []
            for i, text in enumerate(HOSTILE_TEXTS):
                begin = now - dt.timedelta(minutes=40 + i)
                rows.append({
                    "id": f"HOSTILE_{i}", "source": "test", "category": "woninginbraak",
                    "mk_code": "A20", "mk_label": text, "street": text, "object_kind": text,
                    "postcode": "3811AA", "place": "Amersfoort", "begin_at": begin,
                    "known_at": begin + dt.timedelta(minutes=5), "lon": 5.3875, "lat": 52.1565,
                    "area_code": "WK030700", "municipality_code": "GM0307",
                    "row_hash": f"x{i}", "first_run_id": 1, "last_run_id": 1,
                    "created_at": begin, "updated_at": begin,
                })  # fmt: skip
            conn.execute(insert(incidents), rows)
            conn.execute(
                insert(quarantine),
                [
                    {
                        "run_id": run,
                        "row_number": i + 1,
                        "incident_id": text[:64],
                        "reason": f"Pleegstraatnaam te lang: {text[:80]}",
                        "raw": {"Pleegstraatnaam": text, "Object": CONTROL, "Project": LONG},
                        "received_at": now,
                    }
                    for i, text in enumerate(HOSTILE_TEXTS)
                ],
            )
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of `vis serve` on a database full of hostile police data."""
    settings = load_settings()
    now = dt.datetime.now(dt.UTC)
    shifts = {next_shift(now, settings.shifts, TZ), current_or_next_shift(now, settings.shifts, TZ)}
    folder = tmp_path_factory.mktemp("hostile")
    db_url, _ = prepare(folder / "h.db", now, shifts=tuple(shifts))
    engine = make_engine(db_url)
    try:
        for day, shift in shifts:
            store_briefing(
                engine,
                _hostile_briefing(briefing_content(settings, day, shift, now)),
                created_by="test",
            )
    finally:
        engine.dispose()
    _hostile_rows(db_url, now)
    proc, base = start_serve(db_url, folder / "serve.log")
    try:
        yield base
    finally:
        stop(proc)


def _open(browser: Any) -> tuple[Page, list[str]]:
    context = browser.new_context(viewport={"width": 1366, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(30_000)
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    return page, dialogs


def _inert(page: Page, dialogs: list[str]) -> None:
    settled(page)
    page.wait_for_timeout(700)  # a late onerror/onload would have fired by now
    assert page.evaluate(DOM_CHECK) == CLEAN
    assert dialogs == []


def _literal(page: Page, text: str) -> None:
    """``text`` (whitespace folded, as the pages show data) is on the page as plain text.

    Compared without the invisible word joiners that keep addresses from becoming links; a NUL
    shows as U+FFFD (HTML and CommonMark replace it)."""
    shown = " ".join(text.split()).replace("\x00", "\ufffd")
    found = page.evaluate(
        """(wanted) => [...document.querySelectorAll('li, p, span, div, h3')].some(
             el => el.textContent.replaceAll('\\u2060', '').trim() === wanted)""",
        shown,
    )
    assert found, f"not shown literally: {shown[:80]!r}"


def test_briefing_shows_hostile_text_literally_and_runs_nothing(browser: Any, hostile: str) -> None:
    page, dialogs = _open(browser)
    login(page, hostile, "supervisor")
    expect(page.get_by_text("Prioriteiten")).to_be_visible()
    _inert(page, dialogs)
    expect(page.get_by_role("button", name="Download as CSV")).to_have_count(0)
    for text in [*PAYLOADS.values(), CONTROL, LONG]:
        _literal(page, text)
    # The notable incidents (streets) in the detail chooser, and one incident's details.
    chooser = page.get_by_role("combobox", name="Details van incident")
    chooser.click()
    page.keyboard.press("ArrowDown")
    options = page.get_by_role("option")
    expect(options.first).to_be_visible()
    shown = " | ".join(options.all_inner_texts())
    assert PAYLOADS["script"] in shown and PAYLOADS["img"] in shown
    options.filter(has_text=PAYLOADS["img"]).first.click()
    _inert(page, dialogs)
    page.screenshot(path=str(Path("test-artifacts") / "hostile-briefing.png"), full_page=True)
    page.context.close()


def _rank_labels(png: bytes) -> list[tuple[int, int]]:
    """Centres of the hotspots' rank labels (black digits) in a screenshot of the map.

    Each label sits on the centre of its hotspot and, at the briefing's zoom, covers the small
    polygon; the label layer is not pickable, so hovering there picks the hotspot below."""
    import numpy as np
    from PIL import Image

    rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    ys, xs = np.nonzero((rgb < 60).all(axis=2))
    points = list(zip(xs.tolist(), ys.tolist(), strict=True))
    centres: list[tuple[int, int]] = []
    while points:
        x0, y0 = points[0]
        near = [(x, y) for x, y in points if abs(x - x0) < 15 and abs(y - y0) < 15]
        points = [p for p in points if p not in near]
        centres.append(
            (round(sum(x for x, _ in near) / len(near)), round(sum(y for _, y in near) / len(near)))
        )
    return centres


def test_map_tooltip_shows_hostile_labels_as_text(browser: Any, hostile: str) -> None:
    page, dialogs = _open(browser)
    login(page, hostile, "supervisor")
    canvas = page.locator('[data-testid="stDeckGlJsonChart"] canvas').first
    expect(canvas).to_be_visible(timeout=30_000)
    _inert(page, dialogs)
    canvas.scroll_into_view_if_needed()
    page.wait_for_timeout(1000)  # deck.gl draws
    box = canvas.bounding_box()
    assert box is not None
    labels = _rank_labels(canvas.screenshot())
    assert labels, "no hotspot drawn on the map"
    tooltip = page.locator(".deck-tooltip")
    offsets = [(0, 0), (2, 2), (-2, -2), (2, -2), (-2, 2), (4, 0), (0, 4), (-4, 0), (0, -4)]
    found = False
    for x, y in labels:
        for dx, dy in offsets:
            page.mouse.move(box["x"] + x + dx, box["y"] + y + dy)
            page.wait_for_timeout(120)
            if tooltip.count() and PAYLOADS["img"] in tooltip.first.inner_text():
                found = True
                break
        if found:
            break
    text = tooltip.first.inner_text()
    assert PAYLOADS["img"] in text, text
    assert "<img" not in tooltip.first.inner_html().replace("&lt;img", "")
    _inert(page, dialogs)
    page.context.close()


def test_briefing_pdf_draws_the_text_and_holds_no_actions(browser: Any, hostile: str) -> None:
    page, dialogs = _open(browser)
    login(page, hostile, "supervisor")
    expect(page.get_by_text("Prioriteiten")).to_be_visible()
    settled(page)
    data = download(page, "PDF downloaden")
    assert data.startswith(b"%PDF")
    objects = re.sub(rb"stream\r?\n.*?\r?\nendstream", b"", data, flags=re.S)
    for action in (b"/JavaScript", b"/JS", b"/URI", b"/Launch", b"/AA", b"/Annots", b"/S ",
                   b"/SubmitForm", b"/RichMedia", b"/EmbeddedFile", b"/XFA"):  # fmt: skip
        assert action not in objects, action
    # fpdf2 opens the first page at full width: a destination, not an action.
    assert re.findall(rb"/OpenAction [^\n]*", objects) == [b"/OpenAction [3 0 R /FitH null]"]
    streams = [  # fpdf2 writes "stream\n" + zlib data + "\nendstream"
        zlib.decompressobj().decompress(m.group(1))
        for m in re.finditer(rb"stream\n(.*?)\nendstream", data, re.S)
        if m.group(1)[:1] == b"x"
    ]
    drawn = b"".join(streams)
    assert b"window.__pwned=" in drawn  # the payloads are drawn as text strings
    assert b"HYPERLINK" in drawn and b"javascript:window" in drawn
    _inert(page, dialogs)
    page.context.close()


def test_tablet_cards_show_hostile_text_literally_and_run_nothing(
    browser: Any, hostile: str
) -> None:
    page, dialogs = _open(browser)
    login(page, hostile, "handhaver")
    expect(page.get_by_role("button", name="Ik ben hier geweest").first).to_be_visible()
    _inert(page, dialogs)
    for text in [PAYLOADS["script"], PAYLOADS["svg"], PAYLOADS["mdlink"], LONG]:
        _literal(page, text)  # the actions
    _literal(page, PAYLOADS["img"] + " 2")  # a category chip
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1366, "a long value widened the page"
    page.context.close()


def test_status_page_runs_nothing_and_the_quarantine_csv_has_no_formulas(
    browser: Any, hostile: str
) -> None:
    page, dialogs = _open(browser)
    login(page, f"{hostile}/status", "supervisor")
    expect(page.get_by_text("Inleeslog")).to_be_visible()
    _inert(page, dialogs)
    # Streamlit's own "Download as CSV" of a table is switched off (client.disableDataExport):
    # it would write the police data unaudited and without the formula guard.
    expect(page.get_by_role("button", name="Download as CSV")).to_have_count(0)
    text = download(page, "Quarantaine als CSV").decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    cells = [c for row in rows for c in row]
    assert rows[0][0] == "id" and len(rows) == 1 + len(HOSTILE_TEXTS)
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert "'" + PAYLOADS["formula"] in cells
    assert any(PAYLOADS["script"] in c for c in cells)  # kept as text, not dropped
    _inert(page, dialogs)
    page.context.close()

"""`vis demo` on a fresh folder, and the demo feed's HTTP contract."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests
from clirun import CliResult, run_vis

from briefing.evaluation.config import load_pilots
from vis.areas import load_areas
from vis.demo import KIND, QUARANTINED_KINDS, DemoParams, generate_bad_rows, known_at
from vis.demo.feed import DemoFeedServer, build_feed_data
from vis.demo.live import live_params
from vis.settings import load_settings


def _vis(*args: str, cwd: Path, env: dict[str, str] | None = None) -> CliResult:
    environ: dict[str, str | None] = {"VIS_DATABASE_URL": None, "VIS_CONFIG": None}
    return run_vis(*args, env={**environ, **(env or {})}, cwd=cwd)


TODAY = dt.date(2026, 12, 3)


def _expected_counts(today: dt.date) -> tuple[int, int]:
    """Incidents and quarantined rows that the feed has served before ``today``."""
    settings = load_settings()
    areas = load_areas(settings).of_municipality("GM0307")
    params = live_params(today)
    data = build_feed_data(params, areas, settings.categories, municipality_code="GM0307")
    served = data.window(params.start, today)
    bad = generate_bad_rows(params, areas)
    bad = bad[(known_at(bad).dt.tz_convert("Europe/Amsterdam").dt.date < today).to_numpy()]
    quarantined = bad.loc[bad[KIND].isin(QUARANTINED_KINDS), "Incident Identificatie"]
    ids = set(served["Incident Identificatie"]) - set(quarantined) - {""}
    return len(ids), int(bad[KIND].isin(QUARANTINED_KINDS).sum())


def _count(db: Path, sql: str) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute(sql).fetchone()[0])


@pytest.mark.slow
def test_demo_looks_like_this_morning_and_catches_up_the_next_day(tmp_path: Path) -> None:
    done = _vis("demo", "--no-serve", "--today", TODAY.isoformat(), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    # the demo's pilots are evaluated and stored, so that `vis evaluate` prints them at once
    assert "Pilotevaluaties opgeslagen: demo-hotspots, demo-binnenstad." in done.stdout
    db = tmp_path / "var" / "demo.db"
    env = {"VIS_DATABASE_URL": f"sqlite:///{db}"}
    status = json.loads(_vis("status", "--json", cwd=tmp_path, env=env).stdout)
    incidents, quarantined = _expected_counts(TODAY)
    assert status["incidents"] == incidents
    assert status["quarantined"] == quarantined
    # The history ends yesterday (local): the last Kennisname lies on 2 December, Amsterdam time.
    until = dt.datetime.fromisoformat(status["data_until"]).astimezone(ZoneInfo("Europe/Amsterdam"))
    assert until.date() == TODAY - dt.timedelta(days=1)
    assert status["last_ingest"]["status"] == "success"
    feed_runs = [s for s in status["sources"] if s["source"] == "demo-politie"]
    assert feed_runs and feed_runs[0]["fetched_until"] == TODAY.isoformat()
    # Every shift of the last 8 weeks has its briefing, each cut at its own shift start.
    shifts = len(load_settings().shifts)
    assert _count(db, "SELECT COUNT(*) FROM briefings") == 56 * shifts
    first = sqlite3.connect(db).execute("SELECT MIN(date), MAX(date) FROM briefings").fetchone()
    assert first == ((TODAY - dt.timedelta(days=55)).isoformat(), TODAY.isoformat())
    assert _count(db, "SELECT COUNT(*) FROM briefings WHERE data_until >= cutoff") == 0
    # Simulated visits, marked as demo, on part of the hotspots of past shifts only.
    visits = _count(db, "SELECT COUNT(*) FROM patrol_visits WHERE demo")
    assert visits > 55 * shifts
    assert _count(db, "SELECT COUNT(*) FROM patrol_visits WHERE NOT demo") == 0
    late = "SELECT COUNT(*) FROM patrol_visits v JOIN briefings b ON b.id = v.briefing_id "
    assert _count(db, late + "WHERE v.visited_at > b.window_end") == 0
    # The demo's own files: its pilots on its own calendar; the shipped pilots.toml untouched.
    pilots = load_pilots(tmp_path / "var" / "demo" / "config" / "pilots.toml")
    period = pilots.pilot("demo-hotspots").pilot
    assert (period.start, period.end) == (
        TODAY - dt.timedelta(days=56),
        TODAY - dt.timedelta(days=1),
    )
    assert "binnenstad-2017" in load_pilots(Path("config/pilots.toml").resolve()).names()

    # The next day: only the new day is fetched, and its briefings are built.
    nxt = TODAY + dt.timedelta(days=1)
    again = _vis("demo", "--no-serve", "--today", nxt.isoformat(), cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert "in 1 feedruns" in again.stdout
    assert f"Briefings: {shifts} gemaakt" in again.stdout
    after = json.loads(_vis("status", "--json", cwd=tmp_path, env=env).stdout)
    assert (after["incidents"], after["quarantined"]) == _expected_counts(nxt)
    assert after["incidents"] > incidents
    assert _count(db, f"SELECT COUNT(*) FROM briefings WHERE date = '{nxt}'") == shifts
    assert _count(db, "SELECT COUNT(*) FROM patrol_visits WHERE demo") > visits

    # The same day once more: nothing new.
    same = _vis("demo", "--no-serve", "--today", nxt.isoformat(), cwd=tmp_path)
    assert same.returncode == 0, same.stderr
    assert "0 nieuw, 0 bijgewerkt in 0 feedruns" in same.stdout
    assert "Briefings: 0 gemaakt, 0 gesimuleerde bezoeken" in same.stdout


@pytest.fixture(scope="module")
def feed() -> Iterator[DemoFeedServer]:
    settings = load_settings()
    areas = load_areas(settings).of_municipality("GM0307")
    data = build_feed_data(DemoParams(), areas, settings.categories, municipality_code="GM0307")
    server = DemoFeedServer(data, token="t0ken", page_size=50, odata_page_size=4000)
    server.start_background()
    yield server
    server.shutdown()
    server.server_close()


@pytest.mark.slow
def test_demo_feed_requires_the_token(feed: DemoFeedServer) -> None:
    url = f"{feed.base_url}/bvh/incidenten.csv?vanaf=2017-03-13&tot=2017-03-14"
    assert requests.get(url, timeout=10).status_code == 401
    wrong = requests.get(url, headers={"Authorization": "Bearer nope"}, timeout=10)
    assert wrong.status_code == 401
    ok = requests.get(url, headers={"Authorization": "Bearer t0ken"}, timeout=10)
    assert ok.status_code == 200
    assert ok.headers["Content-Type"].startswith("text/csv")
    lines = ok.content.decode("cp1252").splitlines()
    assert lines[0].startswith("Incident Identificatie;Bronregistratie;")
    assert len(lines) > 10


def test_demo_feed_pages_json_and_odata(feed: DemoFeedServer) -> None:
    auth = {"Authorization": "Bearer t0ken"}
    url = f"{feed.base_url}/bvh/incidenten.json?vanaf=2017-03-01&tot=2017-03-08"
    pages, total = 0, 0
    while url:
        body = requests.get(url, headers=auth, timeout=10).json()
        pages += 1
        total += len(body["incidenten"])
        url = body["volgende"]
    assert pages > 1
    assert total == len(feed.data.window(dt.date(2017, 3, 1), dt.date(2017, 3, 8)))
    odata = f"{feed.base_url}/cbs/47022NED/TypedDataSet?$filter=x"
    rows = 0
    while odata:
        page = requests.get(odata, timeout=10).json()
        rows += len(page["value"])
        odata = page.get("odata.nextLink")
    assert rows == len(feed.data.crime_rows) > 4000


@pytest.mark.slow  # builds the live demo's feed: about 3 s on a quiet 2-core machine
def test_demo_feed_serves_no_day_before_it_has_passed() -> None:
    settings = load_settings()
    areas = load_areas(settings).of_municipality("GM0307")
    params = live_params(TODAY)
    data = build_feed_data(
        params, areas, settings.categories, municipality_code="GM0307", today=TODAY
    )
    clock = {"today": TODAY}
    server = DemoFeedServer(data, token="", today=lambda: clock["today"])
    server.start_background()
    try:
        url = (
            f"{server.base_url}/bvh/incidenten.csv?vanaf={TODAY}&tot={TODAY + dt.timedelta(days=2)}"
        )

        def rows() -> int:
            body = requests.get(url, timeout=10).content.decode("cp1252")
            return len(body.splitlines()) - 1

        assert rows() == 0  # today has not passed yet
        clock["today"] = TODAY + dt.timedelta(days=1)
        served = rows()
        assert served == len(data.window(TODAY, TODAY + dt.timedelta(days=1))) > 10
        # CBS publishes whole months only: nothing of the current month.
        months = {r["Perioden"] for r in data.crime_rows}
        assert f"{TODAY:%Y}MM{TODAY:%m}" not in months
        assert f"{TODAY:%Y}MM{TODAY.month - 1:02d}" in months
    finally:
        server.shutdown()
        server.server_close()

"""`vis demo` on a fresh folder, and the demo feed's HTTP contract."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from clirun import CliResult, run_vis

from vis.areas import load_areas
from vis.demo import KIND, QUARANTINED_KINDS, DemoParams, generate_bad_rows, generate_incidents
from vis.demo.feed import DemoFeedServer, build_feed_data
from vis.settings import load_settings


def _vis(*args: str, cwd: Path, env: dict[str, str] | None = None) -> CliResult:
    environ: dict[str, str | None] = {"VIS_DATABASE_URL": None, "VIS_CONFIG": None}
    return run_vis(*args, env={**environ, **(env or {})}, cwd=cwd)


def _expected_counts() -> tuple[int, int]:
    settings = load_settings()
    areas = load_areas(settings).of_municipality("GM0307")
    params = DemoParams()
    incidents = generate_incidents(params, areas)
    bad = generate_bad_rows(params, areas)
    quarantined = int(bad[KIND].isin(QUARANTINED_KINDS).sum())
    loaded_bad = bad.loc[~bad[KIND].isin(QUARANTINED_KINDS), "Incident Identificatie"]
    ids = set(incidents["Incident Identificatie"]) | set(loaded_bad)
    return len(ids), quarantined


@pytest.mark.slow
def test_demo_no_serve_in_an_empty_folder_fills_the_database(tmp_path: Path) -> None:
    started = time.monotonic()
    done = _vis("demo", "--no-serve", cwd=tmp_path)
    elapsed = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    db = tmp_path / "var" / "demo.db"
    assert db.is_file()
    env = {"VIS_DATABASE_URL": f"sqlite:///{db}"}
    status = json.loads(_vis("status", "--json", cwd=tmp_path, env=env).stdout)
    incidents, quarantined = _expected_counts()
    assert status["incidents"] == incidents
    assert status["quarantined"] == quarantined
    assert status["data_until"].startswith("2017-06-30")
    assert status["last_ingest"]["status"] == "success"
    feed_runs = [s for s in status["sources"] if s["source"] == "demo-politie"]
    assert feed_runs and feed_runs[0]["fetched_until"] == "2017-07-01"
    assert elapsed < 120, f"vis demo --no-serve took {elapsed:.0f} s"

    again = _vis("demo", "--no-serve", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert "0 nieuw, 0 bijgewerkt in 0 feedruns" in again.stdout
    after = json.loads(_vis("status", "--json", cwd=tmp_path, env=env).stdout)
    assert (after["incidents"], after["quarantined"]) == (incidents, quarantined)


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

"""The feed over a real loopback HTTP server, through the whole run into SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest
from openpyxl import Workbook
from pytest_httpserver import HTTPServer
from sqlalchemy import Engine, func, select
from werkzeug import Request, Response

from ingest.ledger import IngestError
from ingest.runner import ingest_due
from vis.db.schema import incidents, ingest_runs, quarantine
from vis.settings import Settings, SourceSettings, load_settings

EXAMPLE_DAYS = [dt.date(2017, 3, d) for d in range(9, 14)]


def _example_rows(test_data: Path) -> list[dict[str, str]]:
    text = (test_data / "bvh-extract-example.csv").read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text), delimiter=";"))


def _known_day(row: dict[str, str]) -> dt.date:
    return dt.datetime.strptime(row["Kennisnamedatum/tijd"][:10], "%d-%m-%Y").date()


def _csv_body(rows: list[dict[str, str]], header: list[str], encoding: str = "cp1252") -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, delimiter=";", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def _settings(
    url: str, *, window_days: int = 1, fmt: str = "auto", token_env: str = ""
) -> Settings:
    base = load_settings()
    source = SourceSettings(
        name="politie", url=url, format=fmt, window_days=window_days, token_env=token_env
    )
    return base.model_copy(
        update={
            "sources": [source],
            "http": base.http.model_copy(
                update={"retries": 1, "backoff_factor": 0.0, "read_timeout_s": 5}
            ),
            "ingest": base.ingest.model_copy(update={"first_day": EXAMPLE_DAYS[0]}),
            "cbs": base.cbs.model_copy(update={"enabled": False}),
        }
    )


class DayFeed:
    """Serves the example incidents whose Kennisname falls in [vanaf, tot), as cp1252 CSV."""

    def __init__(self, rows: list[dict[str, str]], header: list[str]) -> None:
        self.rows, self.header = rows, header
        self.windows: list[tuple[str, str]] = []
        self.fail_days: set[str] = set()

    def __call__(self, request: Request) -> Response:
        vanaf, tot = request.args["vanaf"], request.args["tot"]
        self.windows.append((vanaf, tot))
        if vanaf in self.fail_days:
            return Response("storing", status=503)
        lo, hi = dt.date.fromisoformat(vanaf), dt.date.fromisoformat(tot)
        rows = [r for r in self.rows if lo <= _known_day(r) < hi]
        return Response(_csv_body(rows, self.header), content_type="text/csv; charset=windows-1252")


@pytest.fixture
def day_feed(httpserver: HTTPServer, test_data: Path) -> DayFeed:
    rows = _example_rows(test_data)
    rows[0]["Pleegstraatnaam"] = "Stationsplein Noordzijde café"
    feed = DayFeed(rows, list(rows[0].keys()))
    httpserver.expect_request("/incidenten").respond_with_handler(feed)
    return feed


def _url(httpserver: HTTPServer) -> str:
    return httpserver.url_for("/incidenten") + "?vanaf={vanaf}&tot={tot}"


def _count(engine: Engine, table) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


@pytest.mark.slow
def test_cp1252_csv_feed_is_loaded_day_by_day(
    engine: Engine, httpserver: HTTPServer, day_feed: DayFeed
) -> None:
    results = ingest_due(_settings(_url(httpserver)), engine, until=EXAMPLE_DAYS[-1])
    assert [r.spec.window_start for r in results] == EXAMPLE_DAYS
    assert sum(r.counts.inserted for r in results) == 9
    with engine.connect() as conn:
        street = conn.execute(
            select(incidents.c.street).where(incidents.c.id == "PL0900_BVH_7100001")
        ).scalar_one()
        locations = conn.execute(select(ingest_runs.c.location)).scalars().all()
    assert street == "Stationsplein Noordzijde café"
    assert all("vanaf=2017-03-" in loc for loc in locations)


@pytest.mark.slow
def test_catch_up_fetches_only_the_missed_days(
    engine: Engine, httpserver: HTTPServer, day_feed: DayFeed
) -> None:
    settings = _settings(_url(httpserver))
    ingest_due(settings, engine, until=dt.date(2017, 3, 10))
    day_feed.windows.clear()
    later = ingest_due(settings, engine, until=dt.date(2017, 3, 13))
    assert day_feed.windows == [
        ("2017-03-11", "2017-03-12"),
        ("2017-03-12", "2017-03-13"),
        ("2017-03-13", "2017-03-14"),
    ]
    assert sum(r.counts.inserted for r in later) == _count(engine, incidents) - sum(
        1 for r in day_feed.rows if _known_day(r) <= dt.date(2017, 3, 10)
    )
    day_feed.windows.clear()
    assert ingest_due(settings, engine, until=dt.date(2017, 3, 13)) == []
    assert day_feed.windows == []


@pytest.mark.slow
def test_a_failed_day_stops_the_catch_up_and_is_fetched_again_later(
    engine: Engine, httpserver: HTTPServer, day_feed: DayFeed
) -> None:
    settings = _settings(_url(httpserver))
    day_feed.fail_days = {"2017-03-11"}
    with pytest.raises(IngestError, match="503"):
        ingest_due(settings, engine, until=dt.date(2017, 3, 13))
    with engine.connect() as conn:
        runs = conn.execute(
            select(ingest_runs.c.window_start, ingest_runs.c.status).order_by(ingest_runs.c.id)
        ).all()
    assert [(r.window_start.day, r.status) for r in runs] == [
        (9, "success"),
        (10, "success"),
        (11, "failed"),
    ]
    day_feed.fail_days = set()
    day_feed.windows.clear()
    ingest_due(settings, engine, until=dt.date(2017, 3, 13))
    assert [w[0] for w in day_feed.windows] == ["2017-03-11", "2017-03-12", "2017-03-13"]
    assert _count(engine, incidents) == 9


@pytest.mark.slow
def test_overlapping_windows_change_nothing(
    engine: Engine, httpserver: HTTPServer, day_feed: DayFeed
) -> None:
    wide = _settings(_url(httpserver), window_days=3)
    first = ingest_due(wide, engine, since=EXAMPLE_DAYS[0], until=EXAMPLE_DAYS[-1])
    assert [(r.spec.window_start.day, r.spec.window_end.day) for r in first] == [(9, 12), (12, 14)]
    again = ingest_due(
        _settings(_url(httpserver)), engine, since=dt.date(2017, 3, 10), until=dt.date(2017, 3, 13)
    )
    assert sum(r.counts.unchanged for r in again) == sum(r.counts.received for r in again) > 0
    assert sum(r.counts.inserted + r.counts.updated for r in again) == 0
    assert _count(engine, incidents) == 9


@pytest.mark.slow
def test_xlsx_feed_is_loaded(engine: Engine, httpserver: HTTPServer, test_data: Path) -> None:
    rows = _example_rows(test_data)
    book = Workbook()
    book.active.title = "Toelichting"
    sheet = book.create_sheet("Incidenten")
    header = list(rows[0].keys())
    sheet.append(header)
    for row in rows:
        sheet.append([row[h] for h in header])
    body = io.BytesIO()
    book.save(body)
    httpserver.expect_request("/x").respond_with_data(
        body.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    url = httpserver.url_for("/x") + "?vanaf={vanaf}&tot={tot}"
    results = ingest_due(_settings(url), engine, since=EXAMPLE_DAYS[0], until=EXAMPLE_DAYS[0])
    assert results[0].counts.inserted == 9


@pytest.mark.slow
def test_paged_json_feed_with_token_is_loaded(
    engine: Engine, httpserver: HTTPServer, test_data: Path, monkeypatch
) -> None:
    monkeypatch.setenv("VIS_TEST_FEED_TOKEN", "geheim-123")
    page1 = json.loads((test_data / "bvh-extract-example.page1.json").read_text(encoding="utf-8"))
    page2 = json.loads((test_data / "bvh-extract-example.page2.json").read_text(encoding="utf-8"))
    page1["volgende"] = httpserver.url_for("/json") + "?pagina=2"
    auth = {"Authorization": "Bearer geheim-123"}
    httpserver.expect_request("/json", query_string="pagina=2", headers=auth).respond_with_json(
        page2
    )
    httpserver.expect_request("/json", headers=auth).respond_with_json(page1)
    url = httpserver.url_for("/json") + "?vanaf={vanaf}&tot={tot}"
    settings = _settings(url, token_env="VIS_TEST_FEED_TOKEN")
    results = ingest_due(settings, engine, since=EXAMPLE_DAYS[0], until=EXAMPLE_DAYS[0])
    assert results[0].counts.received == 9 and results[0].counts.inserted == 9
    with engine.connect() as conn:
        location = conn.execute(select(ingest_runs.c.location)).scalar_one()
    assert "geheim" not in location


@pytest.mark.slow
@pytest.mark.parametrize(
    ("content_type", "body", "message"),
    [
        ("text/html", b"<html>inloggen</html>", "text/html"),
        ("application/json", b'{"incidenten": [{"Incident Identificatie": "X1"', "JSON"),
    ],
)
def test_a_bad_answer_leaves_a_failed_run_and_nothing_else(
    engine: Engine, httpserver: HTTPServer, content_type: str, body: bytes, message: str
) -> None:
    httpserver.expect_request("/bad").respond_with_data(body, content_type=content_type)
    url = httpserver.url_for("/bad") + "?vanaf={vanaf}&tot={tot}"
    with pytest.raises(IngestError, match=message):
        ingest_due(_settings(url), engine, since=EXAMPLE_DAYS[0], until=EXAMPLE_DAYS[0])
    with engine.connect() as conn:
        run = conn.execute(select(ingest_runs)).one()
    assert run.status == "failed" and message in run.error
    assert _count(engine, incidents) == 0 and _count(engine, quarantine) == 0


@pytest.mark.slow
def test_a_failure_on_a_later_json_page_rolls_back_the_earlier_page(
    engine: Engine, httpserver: HTTPServer, test_data: Path
) -> None:
    page1 = json.loads((test_data / "bvh-extract-example.page1.json").read_text(encoding="utf-8"))
    page1["volgende"] = httpserver.url_for("/p") + "?pagina=2"
    httpserver.expect_request("/p", query_string="pagina=2").respond_with_data("kapot", status=500)
    httpserver.expect_request("/p").respond_with_json(page1)
    url = httpserver.url_for("/p") + "?vanaf={vanaf}&tot={tot}"
    with pytest.raises(IngestError, match="500"):
        ingest_due(_settings(url), engine, since=EXAMPLE_DAYS[0], until=EXAMPLE_DAYS[0])
    assert _count(engine, incidents) == 0
    with engine.connect() as conn:
        assert conn.execute(select(ingest_runs.c.status)).scalar_one() == "failed"

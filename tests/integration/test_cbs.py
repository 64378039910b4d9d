"""CBS over OData v3 from a real loopback server into SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import requests
from pytest_httpserver import HTTPServer
from sqlalchemy import Engine, func, select
from werkzeug import Request, Response

from ingest.cbs import iter_odata, load_cbs, load_crime
from ingest.http import FetchError, build_session
from ingest.ledger import IngestError
from vis.db.schema import cbs_crime_monthly, cbs_population, ingest_runs, quarantine
from vis.settings import CbsSettings, HttpSettings, Settings

FAST = HttpSettings(
    connect_timeout_s=2, read_timeout_s=2, retries=1, backoff_factor=0.01, max_retry_after_s=5
)
TODAY = dt.date(2017, 4, 10)
ODATA_JSON = "application/json;odata=minimalmetadata;streaming=true;charset=utf-8"


class FakeCbs:
    """A TypedDataSet endpoint that pages its rows through odata.nextLink ($skiptoken)."""

    def __init__(self, tables: dict[str, list[dict[str, Any]]], page_size: int) -> None:
        self.tables = tables
        self.page_size = page_size
        self.fail_page: int | None = None
        self.requests: list[dict[str, str]] = []

    def __call__(self, request: Request) -> Response:
        self.requests.append(dict(request.args))
        table = request.path.rstrip("/").split("/")[-2]
        rows = self.tables[table]
        page = int(request.args.get("$skiptoken", "0"))
        if page == self.fail_page:
            return Response("server error", status=500)
        start = page * self.page_size
        doc: dict[str, Any] = {
            "odata.metadata": f"{request.host_url}$metadata#Cbs.OData.WebAPI.TypedDataSet",
            "value": rows[start : start + self.page_size],
        }
        if start + self.page_size < len(rows):
            query = {k: v for k, v in request.args.items() if k != "$skiptoken"}
            query["$skiptoken"] = str(page + 1)
            doc["odata.nextLink"] = f"{request.base_url}?{urlencode(query)}"
        return Response(json.dumps(doc), content_type=ODATA_JSON)


def crime_rows() -> list[dict[str, Any]]:
    rows = []
    for period in ("2017MM02", "2017MM03"):
        for area in ("GM0307    ", "WK030701  ", "WK030702  "):
            for crime in ("0.0.0 ", "1.1.1 ", "1.4.6 "):
                count = None if crime == "1.4.6 " and area != "GM0307    " else len(rows) + 1
                rows.append(
                    {
                        "ID": len(rows) + 1,
                        "SoortMisdrijf": crime,
                        "WijkenEnBuurten": area,
                        "Perioden": period,
                        "GeregistreerdeMisdrijven_1": count,
                    }
                )
    rows.append({**rows[0], "ID": 99, "Perioden": "2017JJ00"})  # a yearly figure: rejected
    return rows


def population_rows() -> list[dict[str, Any]]:
    return [
        {"ID": 1, "WijkenEnBuurten": "GM0307    ", "AantalInwoners_5": 156230},
        {"ID": 2, "WijkenEnBuurten": "WK030701  ", "AantalInwoners_5": 9805},
        {"ID": 3, "WijkenEnBuurten": "WK030702  ", "AantalInwoners_5": None},
    ]


@pytest.fixture
def session() -> Iterator[requests.Session]:
    s = build_session(FAST)
    yield s
    s.close()


@pytest.fixture
def fake(httpserver: HTTPServer) -> FakeCbs:
    cbs = FakeCbs({"47022NED": crime_rows(), "86165NED": population_rows()}, page_size=5)
    httpserver.expect_request(re.compile(r"^/.+/TypedDataSet$")).respond_with_handler(cbs)
    return cbs


@pytest.fixture
def settings(httpserver: HTTPServer) -> Settings:
    cbs = CbsSettings(
        base_url=httpserver.url_for("/dataderden/ODataFeed/odata"),
        population_base_url=httpserver.url_for("/opendata/ODataFeed/odata"),
        population_year=2025,
    )
    return Settings(http=FAST, cbs=cbs)


def _crime(engine: Engine) -> dict[tuple[str, str, dt.date], int | None]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                cbs_crime_monthly.c.crime_code,
                cbs_crime_monthly.c.area_code,
                cbs_crime_monthly.c.period,
                cbs_crime_monthly.c["count"],
            )
        ).all()
    return {(r[0], r[1], r[2]): r[3] for r in rows}


def _runs(engine: Engine) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(select(ingest_runs).order_by(ingest_runs.c.id)).mappings())


def _count(engine: Engine, table: Any) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_iter_odata_follows_next_links_in_order(
    fake: FakeCbs, settings: Settings, session: requests.Session, test_data: Path
) -> None:
    example = json.loads((test_data / "cbs-47022NED-page.json").read_text("utf-8"))["value"]
    fake.tables["47022NED"] = example
    fake.page_size = 2
    url = f"{settings.cbs.base_url}/47022NED/TypedDataSet?$filter=x"
    rows = list(iter_odata(session, url, http=FAST))
    assert [r["ID"] for r in rows] == [1001, 1002, 1003, 1004, 1005]
    assert [r.get("$skiptoken") for r in fake.requests] == [None, "1", "2"]


def test_iter_odata_rejects_loops_and_other_shapes(
    httpserver: HTTPServer, session: requests.Session
) -> None:
    loop = httpserver.url_for("/loop")
    httpserver.expect_request("/loop").respond_with_json({"value": [], "odata.nextLink": loop})
    httpserver.expect_request("/html").respond_with_data("<html/>", content_type="text/html")
    httpserver.expect_request("/shape").respond_with_json({"d": {"results": []}})
    with pytest.raises(FetchError, match="loops"):
        list(iter_odata(session, loop, http=FAST))
    with pytest.raises(FetchError, match="text/html"):
        list(iter_odata(session, httpserver.url_for("/html"), http=FAST))
    with pytest.raises(FetchError, match="not an OData answer"):
        list(iter_odata(session, httpserver.url_for("/shape"), http=FAST))


def test_load_counts_nulls_and_quarantine(
    engine: Engine, fake: FakeCbs, settings: Settings, session: requests.Session
) -> None:
    crime, population = load_cbs(engine, settings, session, today=TODAY)

    c = crime.counts
    assert (c.received, c.inserted, c.updated, c.unchanged, c.quarantined) == (19, 18, 0, 0, 1)
    p = population.counts
    assert (p.received, p.inserted, p.quarantined) == (3, 3, 0)
    assert len(fake.requests) == 4 + 1, "19 crime rows in pages of 5, and one population page"
    assert "Perioden" not in fake.requests[0]["$filter"], "nothing stored yet: the whole table"

    stored = _crime(engine)
    assert len(stored) == 18
    assert stored[("1.1.1", "WK030701", dt.date(2017, 3, 1))] == 14
    assert stored[("1.4.6", "WK030702", dt.date(2017, 2, 1))] is None, "suppressed: null, not 0"
    with engine.connect() as conn:
        people = dict(
            conn.execute(select(cbs_population.c.area_code, cbs_population.c.inhabitants)).all()
        )
        [q] = conn.execute(select(quarantine)).mappings()
        years = set(conn.execute(select(cbs_population.c.year)).scalars())
    assert people == {"GM0307": 156230, "WK030701": 9805, "WK030702": None}
    assert years == {2025}
    assert (q["run_id"], q["row_number"]) == (crime.run_id, 19)
    assert "not a month" in q["reason"] and q["raw"]["Perioden"] == "2017JJ00"

    runs = _runs(engine)
    assert [(r["source"], r["kind"], r["status"]) for r in runs] == [
        ("cbs-47022NED", "cbs", "success"),
        ("cbs-86165NED", "cbs", "success"),
    ]
    assert runs[0]["location"].startswith(settings.cbs.base_url + "/47022NED/TypedDataSet?$filter=")
    assert runs[0]["received"] == 19 and runs[0]["quarantined"] == 1


def test_same_data_twice_is_unchanged_and_refetches_recent_months(
    engine: Engine, fake: FakeCbs, settings: Settings, session: requests.Session
) -> None:
    load_cbs(engine, settings, session, today=TODAY)
    fake.requests.clear()
    crime, population = load_cbs(engine, settings, session, today=TODAY)
    c = crime.counts
    assert (c.received, c.inserted, c.updated, c.unchanged, c.quarantined) == (19, 0, 0, 18, 1)
    assert (population.counts.inserted, population.counts.unchanged) == (0, 3)
    flt = fake.requests[0]["$filter"]
    assert "Perioden eq '2015MM04'" in flt and "Perioden eq '2017MM04'" in flt
    assert flt.count("Perioden eq") == 25
    assert crime.spec.window_start == dt.date(2015, 4, 1)
    assert crime.spec.window_end == dt.date(2017, 5, 1)
    assert _count(engine, cbs_crime_monthly) == 18


def test_a_revised_provisional_figure_is_updated_and_nulls_stay_null(
    engine: Engine, fake: FakeCbs, settings: Settings, session: requests.Session
) -> None:
    first = load_crime(engine, settings, session, today=TODAY)
    rows = fake.tables["47022NED"]
    revised = next(
        r for r in rows if (r["SoortMisdrijf"], r["WijkenEnBuurten"]) == ("1.1.1 ", "WK030701  ")
    )
    revised["GeregistreerdeMisdrijven_1"] += 1
    second = load_crime(engine, settings, session, today=TODAY)

    c = second.counts
    assert (c.inserted, c.updated, c.unchanged, c.quarantined) == (0, 1, 17, 1)
    stored = _crime(engine)
    key = ("1.1.1", "WK030701", dt.date(2017, 2, 1))
    assert stored[key] == revised["GeregistreerdeMisdrijven_1"]
    assert sum(v is None for v in stored.values()) == 4
    with engine.connect() as conn:
        run_ids = dict(
            conn.execute(
                select(
                    cbs_crime_monthly.c.crime_code + "|" + cbs_crime_monthly.c.area_code,
                    cbs_crime_monthly.c.run_id,
                ).where(cbs_crime_monthly.c.period == dt.date(2017, 2, 1))
            ).all()
        )
    assert run_ids["1.1.1|WK030701"] == second.run_id
    assert run_ids["0.0.0|WK030701"] == first.run_id


def test_a_failing_second_page_leaves_only_a_failed_ledger_row(
    engine: Engine, fake: FakeCbs, settings: Settings, session: requests.Session
) -> None:
    fake.fail_page = 1
    with pytest.raises(IngestError) as info:
        load_crime(engine, settings, session, today=TODAY)
    [run] = _runs(engine)
    assert run["id"] == info.value.run_id
    assert run["status"] == "failed" and "HTTP 500" in run["error"]
    assert (run["inserted"], run["quarantined"]) == (0, 0)
    assert _count(engine, cbs_crime_monthly) == 0
    assert _count(engine, quarantine) == 0


def test_load_cbs_loads_population_even_when_crime_fails(
    engine: Engine, fake: FakeCbs, settings: Settings, session: requests.Session
) -> None:
    fake.fail_page = 1  # the population table has one page only
    with pytest.raises(IngestError, match="HTTP 500"):
        load_cbs(engine, settings, session, today=TODAY)
    assert [(r["source"], r["status"]) for r in _runs(engine)] == [
        ("cbs-47022NED", "failed"),
        ("cbs-86165NED", "success"),
    ]
    assert _count(engine, cbs_crime_monthly) == 0
    assert _count(engine, cbs_population) == 3

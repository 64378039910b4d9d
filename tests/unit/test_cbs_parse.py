"""The pure parts of the CBS module: row parsing and URL building."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pytest

from ingest.cbs import (
    add_months,
    area_filter,
    crime_url,
    month_periods,
    parse_crime_rows,
    parse_population_rows,
    population_url,
    refetch_since,
)
from vis.settings import CbsSettings


def _row(**overrides: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "ID": 1,
        "SoortMisdrijf": "1.1.1 ",
        "WijkenEnBuurten": "WK030701  ",
        "Perioden": "2017MM03",
        "GeregistreerdeMisdrijven_1": 4,
    }
    row.update(overrides)
    return row


def test_example_page_parses(test_data: Path) -> None:
    rows = json.loads((test_data / "cbs-47022NED-page.json").read_text("utf-8"))["value"]
    frame, rejected = parse_crime_rows(rows)
    assert rejected == []
    assert list(frame.columns) == ["crime_code", "area_code", "period", "count"]
    assert frame["crime_code"].tolist() == ["0.0.0", "1.1.1", "1.1.1", "1.2.3", "1.4.6"]
    assert frame["area_code"].tolist()[:3] == ["GM0307", "GM0307", "WK030701"]
    assert set(frame["period"]) == {dt.date(2017, 3, 1)}
    assert str(frame["count"].dtype) == "Int64"
    assert frame["count"].iloc[0] == 672
    assert frame["count"].iloc[4] is pd.NA, "a suppressed figure stays null, not zero"


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"Perioden": "2017JJ00"}, "not a month"),
        ({"Perioden": "2017KW01"}, "not a month"),
        ({"Perioden": "2017MM13"}, "not a month"),
        ({"Perioden": None}, "Perioden"),
        ({"SoortMisdrijf": "      "}, "SoortMisdrijf is empty"),
        ({"WijkenEnBuurten": 307}, "WijkenEnBuurten is missing or not text"),
        ({"GeregistreerdeMisdrijven_1": -1}, "whole number"),
        ({"GeregistreerdeMisdrijven_1": 2.5}, "whole number"),
        ({"GeregistreerdeMisdrijven_1": "12"}, "not a number"),
        ({"GeregistreerdeMisdrijven_1": True}, "not a number"),
    ],
)
def test_malformed_rows_are_rejected_with_a_reason(overrides: dict[str, Any], reason: str) -> None:
    good = _row(SoortMisdrijf="0.0.0 ")
    bad = _row(**overrides)
    frame, rejected = parse_crime_rows([good, bad])
    assert len(frame) == 1
    assert len(rejected) == 1
    assert rejected[0].row is bad and rejected[0].row_number == 2
    assert reason in rejected[0].reason


def test_missing_column_and_non_object_rows() -> None:
    row = _row()
    del row["GeregistreerdeMisdrijven_1"]
    frame, rejected = parse_crime_rows([row, ["not", "a", "row"]])
    assert frame.empty
    assert [r.reason for r in rejected] == [
        "GeregistreerdeMisdrijven_1 is missing",
        "not an object",
    ]


def test_whole_floats_are_counts_and_duplicates_are_rejected() -> None:
    frame, rejected = parse_crime_rows([_row(GeregistreerdeMisdrijven_1=7.0), _row()])
    assert frame["count"].tolist() == [7]
    assert len(rejected) == 1 and "duplicate of row 1" in rejected[0].reason


def test_population_rows() -> None:
    rows = [
        {"WijkenEnBuurten": "GM0307    ", "AantalInwoners_5": 156230},
        {"WijkenEnBuurten": "WK030701  ", "AantalInwoners_5": None},
        {"WijkenEnBuurten": "WK030702  ", "AantalInwoners_5": "veel"},
    ]
    frame, rejected = parse_population_rows(rows, year=2025)
    assert frame["area_code"].tolist() == ["GM0307", "WK030701"]
    assert frame["year"].tolist() == [2025, 2025]
    assert frame["inhabitants"].iloc[0] == 156230 and frame["inhabitants"].iloc[1] is pd.NA
    assert [(r.row_number, r.reason) for r in rejected] == [
        (3, "AantalInwoners_5 is not a number: 'veel'")
    ]


def _filter(url: str) -> str:
    query = parse_qs(urlsplit(url).query)
    return query["$filter"][0]


def test_crime_url_without_months() -> None:
    cbs = CbsSettings(base_url="https://dataderden.cbs.nl/ODataFeed/odata/")
    url = crime_url(cbs, "GM0307")
    assert url.startswith("https://dataderden.cbs.nl/ODataFeed/odata/47022NED/TypedDataSet?")
    assert " " not in url and "%20" in url
    assert _filter(url) == (
        "startswith(WijkenEnBuurten,'WK0307') or startswith(WijkenEnBuurten,'GM0307')"
    )
    assert parse_qs(urlsplit(url).query)["$select"] == [
        "SoortMisdrijf,WijkenEnBuurten,Perioden,GeregistreerdeMisdrijven_1"
    ]


def test_crime_url_with_months_uses_or_not_in() -> None:
    url = crime_url(CbsSettings(), "GM0307", since=dt.date(2016, 11, 20), until=dt.date(2017, 2, 3))
    flt = _filter(url)
    assert flt == (
        "(startswith(WijkenEnBuurten,'WK0307') or startswith(WijkenEnBuurten,'GM0307')) and "
        "(Perioden eq '2016MM11' or Perioden eq '2016MM12' or Perioden eq '2017MM01' "
        "or Perioden eq '2017MM02')"
    )
    assert " in " not in flt


def test_crime_url_with_a_long_gap_fetches_everything() -> None:
    url = crime_url(CbsSettings(), "GM0307", since=dt.date(2012, 1, 1), until=dt.date(2025, 1, 1))
    assert "Perioden" not in _filter(url)


def test_population_url() -> None:
    url = population_url(CbsSettings(), "GM0307")
    assert url.startswith("https://opendata.cbs.nl/ODataFeed/odata/86165NED/TypedDataSet?")
    assert "WK0307" in _filter(url)
    assert parse_qs(urlsplit(url).query)["$select"] == ["WijkenEnBuurten,AantalInwoners_5"]


def test_area_filter_checks_the_code() -> None:
    with pytest.raises(ValueError, match="GMxxxx"):
        area_filter("GM0307' or 1 eq 1 or '")


def test_month_helpers() -> None:
    assert add_months(dt.date(2017, 1, 31), -1) == dt.date(2016, 12, 1)
    assert add_months(dt.date(2017, 12, 5), 1) == dt.date(2018, 1, 1)
    assert month_periods(dt.date(2017, 12, 9), dt.date(2018, 1, 1)) == ["2017MM12", "2018MM01"]
    assert month_periods(dt.date(2018, 2, 1), dt.date(2018, 1, 1)) == []
    today = dt.date(2019, 5, 17)
    assert refetch_since(None, today, 24) is None
    assert refetch_since(dt.date(2019, 4, 1), today, 24) == dt.date(2017, 5, 1)
    assert refetch_since(dt.date(2016, 1, 1), today, 24) == dt.date(2016, 1, 1)
    assert refetch_since(dt.date(2019, 4, 1), today, 0) == dt.date(2019, 4, 1)

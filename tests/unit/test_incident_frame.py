"""The incident frame built column by column equals pandas' own row-wise construction."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from briefing.history import INCIDENT_COLUMNS
from vis.store.briefing_store import incident_frame

AMS = ZoneInfo("Europe/Amsterdam")


def reference(rows: list[tuple[object, ...]]) -> pd.DataFrame:
    """What the loader did before: one DataFrame of the rows, then one conversion per column."""
    frame = pd.DataFrame(rows, columns=list(INCIDENT_COLUMNS))
    for name in ("begin_at", "end_at", "known_at"):
        frame[name] = pd.to_datetime(frame[name], utc=True)
    for name in ("x", "y", "arrests"):
        frame[name] = pd.to_numeric(frame[name], errors="coerce").astype(float)
    return frame


def row(i: int, begin: dt.datetime, **over: object) -> tuple[object, ...]:
    values: dict[str, object] = {
        "id": f"I{i}",
        "category": "woninginbraak",
        "street": "Hof",
        "begin_at": begin,
        "end_at": begin + dt.timedelta(hours=2, microseconds=7),
        "known_at": begin + dt.timedelta(days=1),
        "arrests": i % 3,
        "x": 155000.5 + i,
        "y": 463000.25 - i,
        "area_code": "WK030701",
    }
    values.update(over)
    return tuple(values[c] for c in INCIDENT_COLUMNS)


UTC_ROWS = [row(i, dt.datetime(2017, 3, 26, i, 30, 15, 123456, tzinfo=dt.UTC)) for i in range(5)]
CASES = {
    "utc": UTC_ROWS,
    # PostgreSQL hands out the session's time zone; across the change to summer time
    "amsterdam": [
        row(i, dt.datetime(2017, 3, 26, i, 59, 59, tzinfo=dt.UTC).astimezone(AMS)) for i in range(4)
    ],
    # SQLite hands out naive UTC
    "naive": [row(i, dt.datetime(1969, 12, 31, 23, 59, 59, 999999 - i)) for i in range(3)],
    "gaps": [
        row(0, dt.datetime(2017, 1, 1, tzinfo=dt.UTC), end_at=None, x=None, y=None, arrests=None),
        row(1, dt.datetime(2017, 1, 2, tzinfo=dt.UTC), category=None, street=None, area_code=None),
    ],
    "all_missing": [
        row(i, dt.datetime(2017, 1, 1, tzinfo=dt.UTC), end_at=None, street=None, arrests=None)
        for i in range(3)
    ],
    "empty": [],
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_column_wise_frame_is_the_row_wise_one(name: str) -> None:
    rows = CASES[name]
    pd.testing.assert_frame_equal(incident_frame(rows), reference(rows), check_exact=True)

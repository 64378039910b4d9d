"""The public data sets' conversion (benchmarks/public_data.py), hand-computed on a few rows."""

from __future__ import annotations

import datetime as dt
import sys

import pandas as pd

from vis.settings import PROJECT_ROOT

sys.path.insert(0, str(PROJECT_ROOT / "benchmarks"))

import calibrate_monthly_public as monthly
import public_data


def test_chicago_time_is_january_first_plus_t_days_and_2023_is_rotated_back() -> None:
    raw = pd.DataFrame(
        {
            # 2022: 2 Jan 02:10; 2022: 4 Jul 23:59 → hour 23; 2023: file says 5 Mar 15:30 → 01:30
            "T": [1.0 + 130 / 1440, 184.0 + 1439 / 1440, 63.0 + 15.5 / 24],
            "year": [2022, 2022, 2023],
        }
    )
    local = public_data.chicago_local_hours(raw)
    assert list(local) == [
        pd.Timestamp("2022-01-02 02:00"),
        pd.Timestamp("2022-07-04 23:00"),
        pd.Timestamp("2023-03-05 01:00"),
    ]


def test_chicago_rotation_stays_on_the_same_date() -> None:
    # 2023 file time 05:00 → 15:00 on the same date, not the evening before
    raw = pd.DataFrame({"T": [10.0 + 5 / 24], "year": [2023]})
    assert public_data.chicago_local_hours(raw).iloc[0] == pd.Timestamp("2023-01-11 15:00")


def test_chicago_incidents_are_in_utc_projected_and_unmapped() -> None:
    ds = public_data.DATASETS["chicago"]
    # Chicago is UTC−6 in January and UTC−5 in July
    raw = pd.DataFrame(
        {
            "X": [-87.63, -87.63],
            "Y": [41.88, 41.88],
            "T": [10.0 + 8 / 24, 190.0 + 8 / 24],
            "year": [2022, 2022],
        }
    )
    inc, _ = public_data.convert_bstpp(raw, ds, delay_hours=24.0)
    assert list(inc["begin_at"]) == [
        pd.Timestamp("2022-01-11 14:00", tz="UTC"),
        pd.Timestamp("2022-07-10 13:00", tz="UTC"),
    ]
    assert (inc["end_at"] - inc["begin_at"] == pd.Timedelta(hours=1)).all()
    assert (inc["known_at"] - inc["begin_at"] == pd.Timedelta(hours=24)).all()
    assert (inc["category"] == "").all()
    # UTM 16N: central Chicago lies near x 448 km, y 4,636 km
    assert 440_000 < inc["x"].iloc[0] < 456_000
    assert 4_630_000 < inc["y"].iloc[0] < 4_642_000


def test_toronto_categories_follow_the_map() -> None:
    mci = pd.Series(["Assault", "Break and Enter", "Break and Enter", "Robbery", "Auto Theft"])
    premises = pd.Series(["Outside", "House", "Commercial", "Transit", "House"])
    got = public_data.toronto_category(mci, premises)
    assert list(got) == ["mishandeling", "woninginbraak", "", "straatroof", ""]


def test_every_area_names_a_data_set_and_periods_in_order() -> None:
    for area in public_data.AREAS.values():
        assert area.dataset in public_data.DATASETS
        assert area.tune[0] < area.tune[1] < area.held_out[0] < area.held_out[1]


def test_monthly_calibration_runs_once_per_month_with_a_briefing_day() -> None:
    days = [dt.date(2019, 1, 2), dt.date(2019, 1, 30), dt.date(2019, 2, 27), dt.date(2019, 4, 24)]
    assert monthly.month_starts(days) == [
        dt.date(2019, 1, 1),
        dt.date(2019, 2, 1),
        dt.date(2019, 4, 1),
    ]


def test_a_shift_uses_the_calibration_of_its_local_month() -> None:
    # a night shift from 23:00 on 31 January in Toronto starts at 04:00 UTC on 1 February
    start = dt.datetime(2019, 2, 1, 4, 0, tzinfo=dt.UTC)
    assert monthly.month_of(int(start.timestamp()), "America/Toronto") == dt.date(2019, 1, 1)
    assert monthly.month_of(int(start.timestamp()), "UTC") == dt.date(2019, 2, 1)

"""What happened since the last briefing: the KPI test against hand-worked Poisson values, the
window by Kennisname, the notable incidents, and which figures are shown."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import pytest

from briefing.history import prepare
from briefing.params import BriefingParams, Rules, ShiftDef
from briefing.since_last import MIN_HIGHER, kpi_rows, kpi_test, since_last
from vis.geo import Grid

TZ = "Europe/Amsterdam"
SHIFTS = (ShiftDef("ochtend", "Ochtend", dt.time(7), dt.time(15)),)
CUTOFF = pd.Timestamp("2017-03-18 07:00", tz=TZ).tz_convert("UTC")
LABELS = {"woninginbraak": "Woninginbraak", "straatroof": "Straatroof", "vernieling": "Vernieling"}


def test_kpi_test_matches_hand_worked_poisson_values() -> None:
    # 28 incidents in 28 days: lambda = 28.5 / 672 h * 24 h = 1.017857 a day.
    lam = 28.5 / 28
    # P(X >= 4) = 1 - e^-lam (1 + lam + lam^2/2 + lam^3/6) = 1 - 0.361349 * 2.711630 = 0.020103
    higher = kpi_test(4, 28, 28 * 24, 24, 0.05)
    assert higher.p == pytest.approx(0.020103, abs=2e-6) and higher.direction == "higher"
    assert 1 - 2.718281828459045**-lam * (1 + lam + lam**2 / 2 + lam**3 / 6) == pytest.approx(
        higher.p, rel=1e-6
    )
    # 0 against 10 a day: P(X <= 0) = e^-10.0179 ~ 4.45e-5: lower
    lower = kpi_test(0, 280, 28 * 24, 24, 0.05)
    assert lower.direction == "lower" and lower.p == pytest.approx(4.45e-5, rel=0.01)
    assert kpi_test(2, 28, 28 * 24, 24, 0.05).direction == "normal"
    # rare but fewer than MIN_HIGHER: one incident on an empty baseline is no pattern
    assert kpi_test(MIN_HIGHER - 1, 0, 28 * 24, 24, 0.05).direction == "normal"
    assert kpi_test(MIN_HIGHER, 0, 28 * 24, 24, 0.05).direction == "higher"


def _frame(rows: list[tuple[str, str, float, float, int]]) -> pd.DataFrame:
    """(id, category, begin hours before the cut-off, known hours before, arrests)."""
    out = []
    for i, (ident, cat, begin_h, known_h, arrests) in enumerate(rows):
        begin = CUTOFF - pd.Timedelta(hours=begin_h)
        out.append(
            {
                "id": ident,
                "category": cat,
                "street": f"Straat{i}",
                "begin_at": begin,
                "end_at": pd.NaT,
                "known_at": CUTOFF - pd.Timedelta(hours=known_h),
                "arrests": arrests,
                "x": 155000.0,
                "y": 463000.0,
                "area_code": "WK030701",
            }
        )
    return pd.DataFrame(out)


def _since(rows: list[tuple[str, str, float, float, int]], bp: BriefingParams) -> dict[str, Any]:
    rules = Rules(briefing=bp)
    h = prepare(_frame(rows), grid=Grid(125.0, 0.0, 0.0), shifts=SHIFTS, timezone=TZ, rules=rules)
    return since_last(
        h,
        int(CUTOFF.timestamp()),
        bp,
        rules.excluded,
        lambda c: LABELS.get(c, c),
        {"WK030701": "Stadskern"},
    )


def test_the_window_counts_by_kennisname_and_the_baseline_lies_before_it() -> None:
    bp = BriefingParams(since_hours=24, average_days=28, notable_categories=("straatroof",))
    rows = [
        ("a", "woninginbraak", 200.0, 10.0, 0),  # happened last week, reported today: news
        ("b", "woninginbraak", 30.0, 26.0, 0),  # reported before the window: baseline
        ("c", "woninginbraak", 5.0, 4.0, 0),
        ("d", "straatroof", 3.0, 2.0, 0),
        ("e", "vernieling", 2.0, 1.0, 1),  # an arrest: notable whatever its category
        ("f", "vernieling", 2.0, -1.0, 0),  # known after the cut-off: not there at all
        ("g", "vernieling", 800.0, 600.0, 0),  # baseline (known 25 days ago)
    ]
    since = _since(rows, bp)
    cats = {r["code"]: r for r in since["categories"]}
    assert cats["woninginbraak"]["count"] == 2 and cats["woninginbraak"]["baseline"] == 1
    assert cats["vernieling"]["count"] == 1 and cats["vernieling"]["baseline"] == 1
    assert cats["woninginbraak"]["average"] == pytest.approx(round(1 / 28, 2))
    assert since["from"] == (CUTOFF - pd.Timedelta(hours=24)).isoformat()
    assert since["baseline_from"] == (CUTOFF - pd.Timedelta(days=29)).isoformat()
    notable = since["notable"]
    # straatroof and the arrest, newest first; never the burglaries (not a notable category)
    assert [n["id"] for n in notable] == ["e", "d"]
    assert notable[0]["arrest"] is True and notable[0]["area"] == "Stadskern"
    assert notable[1]["time"] == "18-03 04:00" and notable[1]["label"] == "Straatroof"
    assert set(notable[0]) == {
        "id", "time", "begin", "street", "area", "category", "label", "arrest"
    }  # fmt: skip


def test_notable_incidents_stop_at_the_maximum() -> None:
    bp = BriefingParams(notable_categories=("straatroof",), max_notable=2)
    rows = [(f"r{i}", "straatroof", 1.0 + i, 0.5, 0) for i in range(5)]
    assert [n["id"] for n in _since(rows, bp)["notable"]] == ["r0", "r1"]


def test_shown_figures_put_deviations_first_and_drop_quiet_zeros() -> None:
    since = {
        "categories": [
            {"code": "a", "label": "A", "count": 0, "average": 0.1, "direction": "normal"},
            {"code": "b", "label": "B", "count": 2, "average": 1.9, "direction": "normal"},
            {"code": "c", "label": "C", "count": 9, "average": 1.0, "direction": "higher"},
            {"code": "d", "label": "D", "count": 0, "average": 9.0, "direction": "lower"},
            {"code": "e", "label": "E", "count": 4, "average": 1.0, "direction": "higher",
             "excluded": True},
        ]
    }  # fmt: skip
    shown, rest = kpi_rows(since)
    assert [r["code"] for r in shown] == ["c", "d", "b"]
    assert [r["code"] for r in rest] == ["a"]
    assert [r["code"] for r in kpi_rows(since, limit=1)[0]] == ["c"]

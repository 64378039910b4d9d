"""Dutch display values (vis.display, Babel nl_NL) and the Status page's tables."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd

from vis import display
from vis.ops.status import format_status


def test_moments_are_local_dutch_time_without_seconds_or_offset() -> None:
    winter = dt.datetime(2026, 12, 4, 4, 30, 12, 345678, tzinfo=dt.UTC)
    assert display.moment(winter) == "04-12-2026 05:30"
    assert display.moment("2026-07-01T22:15:00+00:00") == "02-07-2026 00:15"
    assert display.moment(dt.datetime(2026, 12, 4, 4, 30)) == "04-12-2026 05:30"  # naive = UTC
    assert display.moment(winter, seconds=True) == "04-12-2026 05:30:12"
    assert display.moment_with_weekday(winter) == "vrijdag 04-12-2026 05:30"
    assert display.clock(winter) == "05:30"
    assert display.day(dt.date(2026, 12, 3)) == "03-12-2026"
    assert display.day("2026-12-03") == "03-12-2026"
    assert display.weekday(dt.date(2026, 12, 6)) == "zondag"


def test_numbers_booleans_and_missing_values() -> None:
    assert display.number(1234567.891, 2) == "1.234.567,89"
    assert display.number(30046) == "30.046"
    for missing in (None, math.nan, math.inf):
        assert display.number(missing) == "—"
    assert [display.cell(v) for v in (None, math.nan, pd.NaT, "", True, False)] == [
        "—",
        "—",
        "—",
        "—",
        "✓",
        "✗",
    ]
    assert display.cell(2.5) == "2,50" and display.cell(3.0) == "3"


def test_dutch_table_keeps_only_the_named_columns_in_order() -> None:
    rows: list[dict[str, object]] = [
        {"source": "politie", "ok": True, "n": 1200, "extra": "x"},
        {"source": None},
    ]
    frame = display.dutch_table(rows, {"source": "Bron", "ok": "Gelukt", "n": "Aantal"})
    assert list(frame.columns) == ["Bron", "Gelukt", "Aantal"]
    assert frame.to_dict(orient="records") == [
        {"Bron": "politie", "Gelukt": "✓", "Aantal": "1.200"},
        {"Bron": "—", "Gelukt": "—", "Aantal": "—"},
    ]


def test_vis_status_text_is_dutch_and_local() -> None:
    run = {
        "id": 7,
        "source": "demo-politie",
        "status": "success",
        "received": 1234,
        "loaded": 1200,
        "quarantined": 2,
        "error": None,
        "started_at": "2026-12-03T04:30:00.123456+00:00",
    }
    text = format_status(
        {
            "incidents": 30046,
            "quarantined": 24,
            "data_until": "2026-12-02T22:22:00+00:00",
            "last_ingest": run,
            "sources": [
                {
                    "source": "demo-politie",
                    "last_status": "success",
                    "last_started_at": run["started_at"],
                    "last_success_at": None,
                    "fetched_until": "2026-12-03",
                }
            ],
            "runs": [run],
        }
    )
    assert "Incidenten:       30.046" in text
    assert "Gegevens tot:     02-12-2026 23:22" in text
    assert "geslaagd (ontvangen 1.234, geladen 1.200, quarantaine 2) 03-12-2026 05:30" in text
    assert "opgehaald tot 03-12-2026, laatste succes —" in text
    assert "+00:00" not in text and "success" not in text.replace("succes ", "")

"""The live demo's calendar and files (vis.demo.live), without a database."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from briefing.evaluation.config import load_pilots
from vis.demo.live import briefing_days, demo_pilots_toml, live_params, prepare_home
from vis.settings import load_settings


def test_the_span_is_the_same_on_every_day_of_a_year_and_ends_after_yesterday() -> None:
    spans = {
        (p.start, p.end)
        for p in (live_params(dt.date(2026, m, d)) for m, d in ((1, 2), (6, 30), (12, 31)))
    }
    assert spans == {(dt.date(2024, 1, 1), dt.date(2026, 12, 31))}
    # On New Year's Day yesterday still belongs to the old year.
    assert live_params(dt.date(2027, 1, 1)).end == dt.date(2026, 12, 31)
    assert live_params(dt.date(2027, 1, 2)).start == dt.date(2025, 1, 1)


def test_briefing_days_are_eight_weeks_up_to_today() -> None:
    days = briefing_days(dt.date(2026, 12, 3))
    assert len(days) == 56
    assert days[0] == dt.date(2026, 10, 9) and days[-1] == dt.date(2026, 12, 3)
    assert days == sorted(days)


def test_demo_pilots_lie_on_the_demo_calendar_and_validate(tmp_path: Path) -> None:
    settings = load_settings()
    path = tmp_path / "pilots.toml"
    path.write_text(demo_pilots_toml(dt.date(2026, 12, 3)), encoding="utf-8")
    pilots = load_pilots(path, known_categories=[c.key for c in settings.categories])
    spot = pilots.pilot("demo-hotspots")
    assert (spot.pilot.start, spot.pilot.end) == (dt.date(2026, 10, 8), dt.date(2026, 12, 2))
    assert (spot.baseline.end - spot.baseline.start) == (spot.pilot.end - spot.pilot.start)
    assert spot.baseline.start.weekday() == spot.pilot.start.weekday()
    assert pilots.pilot("demo-binnenstad").treatment.codes == ("WK030701", "WK030702")


def test_a_database_of_another_span_is_moved_aside_not_continued(tmp_path: Path) -> None:
    settings = load_settings()
    today = dt.date(2026, 12, 3)
    home = prepare_home(tmp_path, settings, live_params(today), today)
    assert home.config_file.is_file() and home.pilots_file.is_file()
    assert (home.config_file.parent / "rules.toml").is_file()
    home.database.write_bytes(b"this year's demo")
    # The next day, same year: the database is kept.
    prepare_home(tmp_path, settings, live_params(today + dt.timedelta(days=1)), today)
    assert home.database.read_bytes() == b"this year's demo"
    # A new year (another span): moved aside, never deleted.
    later = dt.date(2027, 1, 5)
    prepare_home(tmp_path, settings, live_params(later), later)
    assert not home.database.exists()
    assert (tmp_path / "var" / "demo.db.previous").read_bytes() == b"this year's demo"
    assert "2026-11-10" in home.pilots_file.read_text(encoding="utf-8")

"""Evaluating pilots and scanning areas on the database (``briefing.evaluation`` on the configured
incidents). Used by `vis evaluate`, the evaluation pages and the benchmarks."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from briefing.evaluation.areascan import AreaScan, area_scans
from briefing.evaluation.config import PilotConfig, check_codes, load_pilots
from briefing.evaluation.report import PilotReport, evaluate_pilot
from vis.errors import VisError
from vis.settings import PILOTS_FILE, Settings


def pilot_config(settings: Settings) -> PilotConfig:
    """pilots.toml next to the configuration, validated against the category map."""
    return load_pilots(
        settings.resolve(PILOTS_FILE), known_categories=[c.key for c in settings.categories]
    )


def run_evaluation(settings: Settings, name: str) -> PilotReport:
    """Load the data of one pilot's periods (plus a year before, for CompStat) and evaluate it."""
    from vis.services.engines import ready_engine

    engine = ready_engine(settings)
    try:
        with engine.connect() as conn:
            return evaluate_on(conn, settings, name)
    finally:
        engine.dispose()


def evaluate_on(
    conn: Connection, settings: Settings, name: str, config: PilotConfig | None = None
) -> PilotReport:
    """:func:`run_evaluation` on an open connection (the app passes its own engine's)."""
    from vis.areas import gebieden
    from vis.store.evaluation_store import category_groups, grid_of, load_evaluation_data

    config = config or pilot_config(settings)
    pilot = config.pilot(name)
    start = min(pilot.baseline.start, pilot.pilot.end - dt.timedelta(days=400))
    data = load_evaluation_data(conn, settings, start, pilot.pilot.end)
    if data.areas.empty:
        raise VisError("geen wijken in de database: voer eerst 'vis init' uit")
    check_codes(config, data.areas["code"], set(gebieden(settings).values()))
    return evaluate_pilot(pilot, data, category_groups(settings), config, grid_of(settings))


def scans_on(
    conn: Connection, settings: Settings, as_of: dt.date | None = None
) -> tuple[dt.date, list[AreaScan]]:
    """The area scan of every gebied up to ``as_of`` (default: the last day with data, else
    today): three years of incidents are read, for the 24-month trend and the year before."""
    from vis.store.evaluation_store import (
        category_groups,
        data_until,
        grid_of,
        load_areas,
        load_incidents,
    )

    tz = ZoneInfo(settings.schedule.timezone)
    day = as_of or data_until(conn, tz) or dt.datetime.now(tz).date()
    code = settings.municipality.code
    areas = load_areas(conn, code, day.year)
    if areas.empty:
        raise VisError("geen wijken in de database: voer eerst 'vis init' uit")
    grid = grid_of(settings)
    incidents = load_incidents(conn, code, day - dt.timedelta(days=3 * 366 + 31), day, tz, grid)
    return day, area_scans(incidents, areas, day, category_groups(settings), grid)


def run_area_scans(settings: Settings) -> tuple[dt.date, list[AreaScan]]:
    """:func:`scans_on` on the configured database."""
    from vis.services.engines import ready_engine

    engine = ready_engine(settings)
    try:
        with engine.connect() as conn:
            return scans_on(conn, settings)
    finally:
        engine.dispose()

"""Building briefings and backtests on the database: the rules (``briefing/``) on the configured
incidents. Used by `vis briefing`, `vis backtest`, the demo and the benchmarks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import Engine

from briefing.aoristic import shift_window
from briefing.backtest import run_backtest
from briefing.compose import BriefingContext, build_briefing
from briefing.grid import Frame
from briefing.history import History, prepare, scoring_grid
from briefing.params import Rules, ShiftDef, load_rules, rules_version
from vis.areas import load_areas
from vis.geo import AreaFileError, Grid
from vis.services.calibration_store import StoredCalibration, latest_calibration
from vis.settings import RULES_FILE, Settings
from vis.store.briefing_store import load_incidents, store_briefing


@dataclass(frozen=True)
class RulesSetup:
    rules: Rules
    version: str
    shifts: tuple[ShiftDef, ...]
    grid: Grid
    #: The calibration applied to ``rules`` (``vis calibrate``); None: the rules file as it is.
    calibration: StoredCalibration | None = None


def rules_setup(settings: Settings, engine: Engine | None = None) -> RulesSetup:
    """The validated rules, their version, the shifts and the grid of this configuration.

    With ``engine``, the active calibration (:func:`latest_calibration` of this rules file) is
    applied to the rules and named in the version: what briefings and backtests use. Without
    it, the rules file as it is (the defaults of a calibration)."""
    path = settings.resolve(RULES_FILE)
    shifts = tuple(
        ShiftDef(
            s.name, s.label or s.name, dt.time.fromisoformat(s.start), dt.time.fromisoformat(s.end)
        )
        for s in settings.shifts
    )
    rules = load_rules(
        path,
        categories={c.key for c in settings.categories} or None,
        shifts={s.name for s in shifts},
    )
    grid = Grid(settings.geo.cell_size_m, settings.geo.grid_origin_x, settings.geo.grid_origin_y)
    grid = scoring_grid(grid, rules)  # the finest lattice the rules score on
    text = path.read_bytes()
    active = None
    if engine is not None:
        with engine.connect() as conn:
            active = latest_calibration(conn, settings.municipality.code, text)
    if active is None:
        return RulesSetup(rules, rules_version(text), shifts, grid)
    calibrated = active.params.apply(rules)
    return RulesSetup(calibrated, rules_version(text, calibration=active.tag), shifts, grid, active)


def study_cells(
    settings: Settings, frame: Frame
) -> tuple[npt.NDArray[np.bool_] | None, dict[str, str]]:
    """Cells whose centre lies in the municipality's areas, and the area names."""
    try:
        index = load_areas(settings)
    except AreaFileError:
        return None, {}
    names = {a.code: a.name for a in index.areas}
    own = index.of_municipality(settings.municipality.code)
    if not own:
        return None, names
    mine = {index.areas.index(a) for a in own}
    x, y = frame.centres(np.arange(frame.size))
    located = index.locate(x, y)
    return np.isin(located, list(mine)), names


def load_history(
    settings: Settings, engine: Engine, setup: RulesSetup, until: dt.datetime, since: dt.datetime
) -> History:
    """The incidents known in [``since``, ``until``), prepared for the rules."""
    with engine.connect() as conn:
        frame = load_incidents(conn, known_before=until, known_since=since)
    return prepare(
        frame,
        grid=setup.grid,
        shifts=setup.shifts,
        timezone=settings.schedule.timezone,
        rules=setup.rules,
    )


def history_range(
    settings: Settings, setup: RulesSetup, first: dt.date, last: dt.date
) -> tuple[dt.datetime, dt.datetime]:
    """The Kennisname range a run needs: enough history before the first cut-off."""
    r = setup.rules
    starts = [
        shift_window(d, s, settings.schedule.timezone)[0]
        for d in (first, last)
        for s in setup.shifts
    ]
    back = max(r.scoring.long_term_days, r.briefing.average_days, 1) + 1
    return min(starts) - dt.timedelta(days=back), max(starts)


def build_briefings(
    settings: Settings,
    engine: Engine,
    day: dt.date,
    shift_names: Sequence[str] | None = None,
    *,
    created_by: str = "vis",
) -> list[dict[str, Any]]:
    """Build and store the briefings of ``day`` (every shift, or the named ones); new versions."""
    names = list(shift_names or [s.name for s in settings.shifts])
    return build_briefing_days(settings, engine, {day: names}, created_by=created_by)


def build_briefing_days(
    settings: Settings,
    engine: Engine,
    wanted: Mapping[dt.date, Sequence[str]],
    *,
    created_by: str = "vis",
) -> list[dict[str, Any]]:
    """Build and store the named shifts' briefings of several days, from one read of the history.

    Each briefing still counts only what was known before its own shift started (the rules cut
    the history at the shift's start), so this is the same as one :func:`build_briefings` per day.
    """
    days = sorted(d for d, names in wanted.items() if names)
    if not days:
        return []
    setup = rules_setup(settings, engine)
    since, until = history_range(settings, setup, days[0], days[-1])
    h = load_history(settings, engine, setup, until, since)
    study, area_names = study_cells(settings, h.frame)
    ctx = BriefingContext(
        municipality=settings.municipality.code,
        rules_version=setup.version,
        crs=settings.geo.crs,
        labels={c.key: c.label for c in settings.categories},
        area_names=area_names,
        study=study,
    )
    out = []
    for day in days:
        for name in wanted[day]:
            content = build_briefing(h, setup.rules, day, name, ctx)
            content["version"] = store_briefing(engine, content, created_by=created_by)
            out.append(content)
    return out


def backtest_report(
    settings: Settings, engine: Engine, first: dt.date, last: dt.date
) -> dict[str, Any]:
    """The backtest of every method over the days ``first``..``last`` (contract JSON), with the
    rules the briefings use (the active calibration applied)."""
    setup = rules_setup(settings, engine)
    since, until = history_range(settings, setup, first, last)
    horizon = dt.timedelta(days=setup.rules.backtest.horizon_days + 1)
    h = load_history(settings, engine, setup, until + horizon, since)
    study, _ = study_cells(settings, h.frame)
    if study is None:
        study = np.zeros(h.frame.size, dtype=bool)
        study[np.unique(h.cell[h.usable])] = True
    days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    results = run_backtest(h, setup.rules, days, study)
    from briefing.equal_area import run_equal_area

    return {
        "from": first.isoformat(),
        "to": last.isoformat(),
        "rules_version": setup.version,
        "calibration": setup.calibration.version if setup.calibration else None,
        "top_n": setup.rules.selection.top_n,
        "horizon_days": setup.rules.backtest.horizon_days,
        "methods": [r.as_dict() for r in results],
        "equal_area": run_equal_area(h, setup.rules, days, study),
    }

"""`vis calibrate` and its monthly job: calibrate the hotspot rules on the municipality's own
history up to a day (:mod:`briefing.calibrate`) and store the result as the next version
(:mod:`vis.services.calibration_store`), which briefings then use (:func:`rules_setup`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import Engine

from briefing.calibrate import CalibrationError, calibrate
from briefing.calibration_params import Plan
from briefing.params import code_fingerprint
from vis.errors import VisError
from vis.services.briefings import load_history, rules_setup, study_cells
from vis.services.calibration_store import StoredCalibration, store_calibration
from vis.settings import RULES_FILE, Settings


def default_until(settings: Settings, now: dt.datetime | None = None) -> dt.date:
    """Yesterday in the configured time zone: the last whole day of history."""
    moment = now or dt.datetime.now(dt.UTC)
    return moment.astimezone(ZoneInfo(settings.schedule.timezone)).date() - dt.timedelta(days=1)


def plan_for(settings: Settings, until: dt.date) -> Plan:
    c = settings.calibration
    return Plan(until, c.tuning_days, c.validation_days, c.every_days)


def run_calibration(
    settings: Settings,
    engine: Engine,
    until: dt.date | None = None,
    *,
    created_by: str = "vis",
    progress: Callable[[int, int], None] | None = None,
) -> StoredCalibration:
    """Calibrate on the history up to and including ``until`` (default: yesterday; a day that
    has not passed is refused), store it as the next version and return it. Only incidents
    known before the day after ``until`` are read."""
    yesterday = default_until(settings)
    if until is not None and until > yesterday:
        raise VisError(
            f"--until {until} is nog niet voorbij: kies gisteren ({yesterday}) of eerder", status=2
        )
    plan = plan_for(settings, until or yesterday)
    setup = rules_setup(settings)  # the rules file itself: the defaults of the calibration
    rules = setup.rules
    cutoff = plan.cutoff(settings.schedule.timezone)
    back = rules.scoring.long_term_days + plan.tuning_days + plan.validation_days + 2
    h = load_history(settings, engine, setup, cutoff, cutoff - dt.timedelta(days=back))
    study, _ = study_cells(settings, h.frame)
    if study is None:  # no areas: every cell that held an incident before the cut-off
        study = np.zeros(h.frame.size, dtype=bool)
        study[np.unique(h.cell[h.usable])] = True
    try:
        result = calibrate(h, rules, plan, study, progress=progress)
    except CalibrationError as exc:
        raise VisError(f"kalibratie tot en met {plan.until} niet mogelijk: {exc}") from exc
    return store_calibration(
        engine,
        settings.municipality.code,
        result,
        rules_text=settings.resolve(RULES_FILE).read_bytes(),
        code_version=code_fingerprint(),
        created_by=created_by,
    )

"""The scheduled jobs of `vis schedule`: the ingest's jobs (``ingest.scheduler``), the purge and
the monthly calibration of the hotspot rules."""

from __future__ import annotations

import functools
import logging

from sqlalchemy import Engine

from ingest.scheduler import DAILY_PURGE, MONTHLY_CALIBRATION, JobFunc, default_jobs
from vis.settings import Settings

log = logging.getLogger("ingest.scheduler")


def daily_purge_job(settings: Settings, engine: Engine) -> None:
    """Apply the retention periods (:mod:`vis.ops.retention`); the purge logs itself in the
    audit."""
    from vis.ops.retention import purge

    report = purge(engine, settings, username="planner")
    log.info("daily purge: %s", report.counts())


def monthly_calibration_job(settings: Settings, engine: Engine) -> None:
    """`vis calibrate` up to yesterday (:mod:`vis.services.calibration`): the next version."""
    from vis.services.calibration import run_calibration

    stored = run_calibration(settings, engine, created_by="planner")
    log.info(
        "monthly calibration: version %d up to %s: %s (%s), parameters %s",
        stored.version,
        stored.until,
        stored.outcome,
        stored.reason,
        stored.params.as_dict(),
    )


def scheduled_jobs(settings: Settings, engine: Engine) -> dict[str, JobFunc]:
    """Every job that ``vis schedule`` runs, bound to its dependencies (the monthly calibration
    when ``schedule.calibrate_monthly`` is set)."""
    jobs: dict[str, JobFunc] = {
        **default_jobs(settings, engine),
        DAILY_PURGE: functools.partial(daily_purge_job, settings, engine),
    }
    if settings.schedule.calibrate_monthly:
        jobs[MONTHLY_CALIBRATION] = functools.partial(monthly_calibration_job, settings, engine)
    return jobs

"""The scheduled jobs of `vis schedule`: the ingest's jobs (``ingest.scheduler``) followed by the
pilots' evaluations (stored for `vis evaluate`), the purge and the monthly calibration of the
hotspot rules."""

from __future__ import annotations

import functools
import logging

from sqlalchemy import Engine

from ingest.scheduler import (
    DAILY_INGEST,
    DAILY_PURGE,
    MONTHLY_CALIBRATION,
    JobFunc,
    default_jobs,
)
from vis.settings import Settings

log = logging.getLogger("ingest.scheduler")


def evaluations_job(settings: Settings, engine: Engine) -> None:
    """Store the evaluation of every pilot whose data changed
    (:mod:`vis.services.evaluation_results`), so that `vis evaluate --pilot` prints it at once; a
    pilot that fails is logged, not raised."""
    from vis.services.evaluation_results import refresh_evaluations

    for name, outcome in refresh_evaluations(settings, engine).items():
        log.info("pilot evaluation %s: %s", name, outcome)


def after(first: JobFunc, then: JobFunc) -> JobFunc:
    """``first``, then ``then`` (only when ``first`` did not raise)."""

    def both() -> None:
        first()
        then()

    return both


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
    evaluations = functools.partial(evaluations_job, settings, engine)
    jobs[DAILY_INGEST] = after(jobs[DAILY_INGEST], evaluations)
    if settings.schedule.calibrate_monthly:
        jobs[MONTHLY_CALIBRATION] = functools.partial(monthly_calibration_job, settings, engine)
    return jobs

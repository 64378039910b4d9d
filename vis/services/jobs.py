"""The scheduled jobs of `vis schedule`: the ingest's jobs (``ingest.scheduler``) and the purge."""

from __future__ import annotations

import functools
import logging

from sqlalchemy import Engine

from ingest.scheduler import DAILY_PURGE, JobFunc, default_jobs
from vis.settings import Settings

log = logging.getLogger("ingest.scheduler")


def daily_purge_job(settings: Settings, engine: Engine) -> None:
    """Apply the retention periods (:mod:`vis.ops.retention`); the purge logs itself in the
    audit."""
    from vis.ops.retention import purge

    report = purge(engine, settings, username="planner")
    log.info("daily purge: %s", report.counts())


def scheduled_jobs(settings: Settings, engine: Engine) -> dict[str, JobFunc]:
    """Every job that ``vis schedule`` runs, bound to its dependencies."""
    return {
        **default_jobs(settings, engine),
        DAILY_PURGE: functools.partial(daily_purge_job, settings, engine),
    }

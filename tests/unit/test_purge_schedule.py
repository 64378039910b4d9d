"""The scheduler's daily purge: bound by default, twelve hours from the ingest, and it purges."""

from __future__ import annotations

import datetime as dt
import functools
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select

from ingest.scheduler import DAILY_PURGE, build_scheduler, next_run_times, purge_trigger
from vis.db.schema import audit_log
from vis.security import audit
from vis.services.jobs import daily_purge_job, scheduled_jobs
from vis.settings import ScheduleSettings, Settings

TZ = ZoneInfo("Europe/Amsterdam")


def test_default_jobs_bind_the_daily_purge(engine: Engine) -> None:
    settings = Settings()
    job = scheduled_jobs(settings, engine)[DAILY_PURGE]
    assert isinstance(job, functools.partial)
    assert job.func is daily_purge_job and job.args == (settings, engine)


@pytest.mark.parametrize(
    ("ingest", "purge"), [("05:30", (17, 30)), ("14:15", (3, 15)), ("23:00", (11, 0))]
)
def test_purge_runs_twelve_hours_from_the_ingest_outside_the_dst_hour(
    ingest: str, purge: tuple[int, int]
) -> None:
    trigger = purge_trigger(ScheduleSettings(daily_ingest=ingest))
    fire = trigger.get_next_fire_time(None, dt.datetime(2026, 3, 28, 12, tzinfo=TZ))
    assert fire is not None and (fire.hour, fire.minute) == purge


def test_scheduler_plans_the_purge_apart_from_the_ingest(engine: Engine) -> None:
    settings = Settings()
    times = next_run_times(
        build_scheduler(settings, scheduled_jobs(settings, engine), engine=engine)
    )
    assert times[DAILY_PURGE].hour == 17 and times["daily_ingest"].hour == 5


def test_daily_purge_job_purges_and_logs_itself(engine: Engine) -> None:
    old = dt.datetime.now(dt.UTC) - dt.timedelta(days=3000)
    audit.append(engine, audit.VIEW, username="u", at=old)
    daily_purge_job(Settings(), engine)
    with engine.connect() as conn:
        rows = conn.execute(select(audit_log.c.action, audit_log.c.username)).all()
        assert audit.verify_chain(conn).ok
    assert [tuple(r) for r in rows] == [("purge", "planner")]

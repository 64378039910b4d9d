"""The scheduler's monthly calibration: bound by default and configurable, on its day and time
across the DST changes, and off when the settings say so."""

from __future__ import annotations

import datetime as dt
import functools
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError
from sqlalchemy import Engine

from ingest.scheduler import (
    DAILY_INGEST,
    DAILY_PURGE,
    MONTHLY_CALIBRATION,
    build_scheduler,
    calibration_trigger,
    next_run_times,
)
from vis.services.jobs import monthly_calibration_job, scheduled_jobs
from vis.settings import ScheduleSettings, Settings

TZ = ZoneInfo("Europe/Amsterdam")


def test_the_monthly_calibration_is_bound_by_default(unconnected_engine: Engine) -> None:
    settings = Settings()
    job = scheduled_jobs(settings, unconnected_engine)[MONTHLY_CALIBRATION]
    assert isinstance(job, functools.partial)
    assert job.func is monthly_calibration_job and job.args == (settings, unconnected_engine)


def test_the_monthly_calibration_can_be_switched_off(unconnected_engine: Engine) -> None:
    settings = Settings(schedule=ScheduleSettings(calibrate_monthly=False))
    assert list(scheduled_jobs(settings, unconnected_engine)) == [DAILY_INGEST, DAILY_PURGE]


def test_it_runs_on_its_day_and_time_every_month_across_dst() -> None:
    trigger = calibration_trigger(ScheduleSettings(calibrate_day=1, calibrate_at="06:30"))
    fire = trigger.get_next_fire_time(None, dt.datetime(2026, 2, 15, tzinfo=TZ))
    times = []
    while len(times) < 3:
        times.append(fire)
        fire = trigger.get_next_fire_time(fire, fire)
    assert [t.astimezone(TZ).replace(tzinfo=None) for t in times] == [
        dt.datetime(2026, 3, 1, 6, 30),
        dt.datetime(2026, 4, 1, 6, 30),  # summer time since 29 March
        dt.datetime(2026, 5, 1, 6, 30),
    ]
    assert times[1].utcoffset() == dt.timedelta(hours=2)


def test_the_scheduler_plans_it_on_its_own_trigger(unconnected_engine: Engine) -> None:
    settings = Settings(schedule=ScheduleSettings(calibrate_day=15, calibrate_at="07:45"))
    scheduler = build_scheduler(
        settings, scheduled_jobs(settings, unconnected_engine), engine=unconnected_engine
    )
    when = next_run_times(scheduler)[MONTHLY_CALIBRATION]
    assert (when.day, when.hour, when.minute) == (15, 7, 45)
    assert next_run_times(scheduler)[DAILY_INGEST].hour == 5


@pytest.mark.parametrize(
    ("key", "value"), [("calibrate_at", "02:30"), ("calibrate_day", 29), ("calibrate_day", 0)]
)
def test_days_that_not_every_month_has_and_the_dst_hour_are_refused(
    key: str, value: object
) -> None:
    with pytest.raises(ValidationError, match=key):
        ScheduleSettings.model_validate({key: value})

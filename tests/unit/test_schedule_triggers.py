"""Triggers, job options and fire-time arithmetic of ingest.scheduler (no database, no sleeping)."""

from __future__ import annotations

import datetime as dt
import functools
import threading
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from pydantic import ValidationError
from sqlalchemy import Engine

from ingest.scheduler import (
    DAILY_INGEST,
    build_scheduler,
    daily_ingest_job,
    daily_trigger,
    default_jobs,
    latest_fire_time,
    next_run_times,
)
from vis.services.jobs import scheduled_jobs
from vis.settings import ScheduleSettings, Settings

AMS = ZoneInfo("Europe/Amsterdam")


def _fire_times(trigger: CronTrigger, start: dt.datetime, n: int) -> list[dt.datetime]:
    times: list[dt.datetime] = []
    fire = trigger.get_next_fire_time(None, start)
    while fire is not None and len(times) < n:
        times.append(fire)
        fire = trigger.get_next_fire_time(fire, fire)
    return times


def _noop() -> None:
    return None


def test_daily_ingest_across_the_spring_dst_change() -> None:
    trigger = daily_trigger(ScheduleSettings(daily_ingest="05:30"))
    times = _fire_times(trigger, dt.datetime(2025, 3, 28, 12, 0, tzinfo=AMS), 3)
    # 05:30 local every day; in UTC an hour earlier once summer time starts on 30 March.
    assert [t.astimezone(dt.UTC) for t in times] == [
        dt.datetime(2025, 3, 29, 4, 30, tzinfo=dt.UTC),
        dt.datetime(2025, 3, 30, 3, 30, tzinfo=dt.UTC),
        dt.datetime(2025, 3, 31, 3, 30, tzinfo=dt.UTC),
    ]
    assert all(t.astimezone(AMS).time() == dt.time(5, 30) for t in times)
    # Elapsed time, in UTC (same-zone subtraction in Python gives wall-clock differences).
    assert times[1].astimezone(dt.UTC) - times[0].astimezone(dt.UTC) == dt.timedelta(hours=23)


def test_daily_ingest_across_the_autumn_dst_change() -> None:
    trigger = daily_trigger(ScheduleSettings(daily_ingest="05:30"))
    times = _fire_times(trigger, dt.datetime(2025, 10, 25, 0, 0, tzinfo=AMS), 3)
    assert [t.astimezone(dt.UTC) for t in times] == [
        dt.datetime(2025, 10, 25, 3, 30, tzinfo=dt.UTC),
        dt.datetime(2025, 10, 26, 4, 30, tzinfo=dt.UTC),
        dt.datetime(2025, 10, 27, 4, 30, tzinfo=dt.UTC),
    ]
    assert all(t.astimezone(AMS).time() == dt.time(5, 30) for t in times)
    # Elapsed time, in UTC (same-zone subtraction in Python gives wall-clock differences).
    assert times[1].astimezone(dt.UTC) - times[0].astimezone(dt.UTC) == dt.timedelta(hours=25)


@pytest.mark.parametrize("at", ["02:00", "02:30", "02:59"])
def test_the_dst_hour_is_refused_twice(at: str) -> None:
    with pytest.raises(ValidationError, match="02:00-03:00"):
        ScheduleSettings(daily_ingest=at)
    unchecked = ScheduleSettings.model_construct(daily_ingest=at, timezone="Europe/Amsterdam")
    with pytest.raises(ValueError, match="02:00-03:00"):
        daily_trigger(unchecked)


@pytest.mark.parametrize("at", ["01:59", "03:00", "23:45"])
def test_times_outside_the_dst_hour_are_accepted(at: str) -> None:
    trigger = daily_trigger(ScheduleSettings(daily_ingest=at))
    fire = trigger.get_next_fire_time(None, dt.datetime(2025, 3, 30, 0, 0, tzinfo=AMS))
    assert fire.astimezone(AMS).time() == dt.time.fromisoformat(at)


def test_latest_fire_time_names_the_firing_that_is_due() -> None:
    trigger = daily_trigger(ScheduleSettings(daily_ingest="05:30"))
    hour = dt.timedelta(hours=1)
    firing = dt.datetime(2025, 3, 30, 5, 30, tzinfo=AMS)
    # A moment after the firing, and up to the grace later: that firing.
    assert latest_fire_time(trigger, firing + dt.timedelta(milliseconds=3), hour) == firing
    assert latest_fire_time(trigger, firing + dt.timedelta(minutes=59), hour) == firing
    # Exactly at it, too; before it, the previous day's is older than the lookback.
    assert latest_fire_time(trigger, firing, hour) == firing
    assert latest_fire_time(trigger, firing - dt.timedelta(seconds=1), hour) is None
    previous = latest_fire_time(trigger, firing - dt.timedelta(seconds=1), dt.timedelta(days=1))
    assert previous == dt.datetime(2025, 3, 29, 5, 30, tzinfo=AMS)


def test_latest_fire_time_of_a_date_trigger_respects_the_lookback() -> None:
    at = dt.datetime(2025, 6, 1, 12, 0, tzinfo=dt.UTC)
    trigger = DateTrigger(at)
    minute = dt.timedelta(minutes=1)
    assert latest_fire_time(trigger, at + dt.timedelta(seconds=30), minute) == at
    assert latest_fire_time(trigger, at + dt.timedelta(minutes=5), minute) is None
    assert latest_fire_time(trigger, at - dt.timedelta(seconds=1), minute) is None


def _settings(**schedule: object) -> Settings:
    return Settings(schedule=ScheduleSettings.model_validate(schedule))


def test_jobs_carry_coalesce_misfire_grace_and_max_instances(unconnected_engine: Engine) -> None:
    settings = _settings(misfire_grace_s=123, daily_ingest="06:15")
    scheduler = build_scheduler(settings, {"a": _noop, "b": _noop}, engine=unconnected_engine)
    assert str(scheduler.timezone) == "Europe/Amsterdam"

    def check() -> None:
        jobs = scheduler.get_jobs()
        assert sorted(job.id for job in jobs) == ["a", "b"]
        for job in jobs:
            assert job.coalesce is True
            assert job.max_instances == 1
            assert job.misfire_grace_time == 123
            assert isinstance(job.trigger, CronTrigger)
            assert str(job.trigger.timezone) == "Europe/Amsterdam"

    check()  # as added (pending)
    thread = threading.Thread(target=scheduler.start, kwargs={"paused": True})
    thread.start()
    try:
        for _ in range(200):
            if scheduler.running:
                break
            threading.Event().wait(0.01)
        check()  # as scheduled by the started scheduler
        for when in next_run_times(scheduler).values():
            assert when.astimezone(AMS).time() == dt.time(6, 15)
    finally:
        scheduler.shutdown()
        thread.join(timeout=10)


def test_next_run_times_before_start(unconnected_engine: Engine) -> None:
    scheduler = build_scheduler(
        _settings(daily_ingest="05:30"), {DAILY_INGEST: _noop}, engine=unconnected_engine
    )
    now = dt.datetime(2025, 3, 29, 22, 0, tzinfo=AMS)
    assert next_run_times(scheduler, now) == {
        DAILY_INGEST: dt.datetime(2025, 3, 30, 5, 30, tzinfo=AMS)
    }


def test_a_firing_missed_within_the_grace_runs_at_start(unconnected_engine: Engine) -> None:
    ten_minutes_ago = (dt.datetime.now(AMS) - dt.timedelta(minutes=10)).replace(microsecond=0)
    trigger = CronTrigger(
        hour=ten_minutes_ago.hour,
        minute=ten_minutes_ago.minute,
        second=ten_minutes_ago.second,
        timezone=AMS,
    )
    within = build_scheduler(
        _settings(misfire_grace_s=3600),
        {"j": _noop},
        engine=unconnected_engine,
        triggers={"j": trigger},
    )
    assert next_run_times(within)["j"] == ten_minutes_ago
    beyond = build_scheduler(
        _settings(misfire_grace_s=60),
        {"j": _noop},
        engine=unconnected_engine,
        triggers={"j": trigger},
    )
    assert next_run_times(beyond)["j"] > dt.datetime.now(AMS)


def test_triggers_for_unknown_jobs_are_refused(unconnected_engine: Engine) -> None:
    with pytest.raises(ValueError, match="unknown jobs"):
        build_scheduler(
            Settings(), {"a": _noop}, engine=unconnected_engine, triggers={"b": DateTrigger()}
        )


def test_default_jobs_bind_the_daily_ingest(unconnected_engine: Engine) -> None:
    settings = Settings()
    jobs = default_jobs(settings, unconnected_engine)
    assert list(jobs) == [DAILY_INGEST]
    assert list(scheduled_jobs(settings, unconnected_engine)) == [
        DAILY_INGEST,
        "daily_purge",  # issue 7
        "monthly_calibration",  # issue 11
    ]
    job = jobs[DAILY_INGEST]
    assert isinstance(job, functools.partial)
    assert job.func is daily_ingest_job
    assert job.args == (settings, unconnected_engine)

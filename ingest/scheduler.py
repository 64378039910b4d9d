"""``vis schedule``: an APScheduler 3.11 BlockingScheduler that runs VIS's jobs in its own process.

Jobs are plain functions that take their dependencies explicitly (:func:`daily_ingest_job`). The
scheduler wraps each one in :func:`guarded`, which makes a firing run at most once however many
scheduler processes are up: it claims the firing in ``job_executions`` (unique on job and
scheduled time) and takes the job's database lock (:mod:`ingest.locks`); only a process that gets
both runs the job. The outcome is recorded, logged, and never raised into the scheduler.

APScheduler 3.x semantics relied on here (``apscheduler.executors.base.run_job`` and
``BaseScheduler._process_jobs``):

* ``coalesce=True``: when several run times of a job are due at once (the process was suspended or
  busy), only the latest one is run.
* ``misfire_grace_time``: a run time later than this by the time the executor starts it is dropped
  with a "missed" warning. :func:`build_scheduler` also applies it at start-up: a firing missed by
  less than the grace (the process was restarted) runs at once; the claim keeps it from running
  twice if another process already ran it.
* ``max_instances=1``: a firing due while the previous run of the same job is still going is
  skipped with a warning (within this process; the lock covers other processes).
* ``shutdown(wait=True)`` stops scheduling and waits for running jobs; it must not run inside the
  main thread's signal handler, which may interrupt the scheduler while it holds its locks.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import signal
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import FrameType
from typing import Any, Literal
from zoneinfo import ZoneInfo

from apscheduler.events import EVENT_SCHEDULER_STARTED, SchedulerEvent
from apscheduler.schedulers import SchedulerNotRunningError
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import Engine

from ingest.locks import (
    ExecutionStatus,
    claim_execution,
    finish_execution,
    job_lock,
    make_holder,
    mark_abandoned_executions,
)
from vis.settings import ScheduleSettings, Settings

log = logging.getLogger(__name__)

DAILY_INGEST = "daily_ingest"
DAILY_PURGE = "daily_purge"
MONTHLY_CALIBRATION = "monthly_calibration"

#: What one guarded firing came to. ``duplicate``: another process claimed it; ``skipped``: the
#: job's lock was held; ``error``: the firing could not even be claimed (database unreachable).
Outcome = Literal["success", "failed", "skipped", "duplicate", "error"]

JobFunc = Callable[[], None]


# --- Jobs -----------------------------------------------------------------------------------------


def daily_ingest_job(settings: Settings, engine: Engine) -> None:
    """Fetch every day missed since the last successful run, for every enabled source, then CBS."""
    # Imported here so that the scheduler module does not depend on the ingest pipeline's imports.
    from ingest.runner import ingest_all

    results = ingest_all(settings, engine)
    log.info("daily ingest: %d run(s)", len(results))
    for r in results:
        log.info(
            "  run %s %s %s..%s: received %d, inserted %d, updated %d, quarantined %d",
            r.run_id,
            r.spec.source,
            r.spec.window_start,
            r.spec.window_end,
            r.counts.received,
            r.counts.inserted,
            r.counts.updated,
            r.counts.quarantined,
        )


def default_jobs(settings: Settings, engine: Engine) -> dict[str, JobFunc]:
    """The jobs of ``ingest/`` that ``vis schedule`` runs, bound to their dependencies (the daily
    purge belongs to ``vis/``: :func:`vis.services.jobs.scheduled_jobs` adds it)."""
    return {DAILY_INGEST: functools.partial(daily_ingest_job, settings, engine)}


# --- Triggers -------------------------------------------------------------------------------------


def daily_trigger(schedule: ScheduleSettings) -> CronTrigger:
    """A CronTrigger at ``schedule.daily_ingest`` local time, refusing the DST hour 02:00-03:00.

    The settings validator refuses that hour already; this guard also holds for settings built
    without validation. In Europe/Amsterdam 02:xx does not exist on the last Sunday of March and
    occurs twice on the last Sunday of October.
    """
    at = dt.time.fromisoformat(schedule.daily_ingest)
    if at.hour == 2:
        raise ValueError(
            f"daily_ingest {schedule.daily_ingest} lies in 02:00-03:00, the hour that DST changes "
            "skip or repeat; choose another time"
        )
    return CronTrigger(
        hour=at.hour, minute=at.minute, second=at.second, timezone=ZoneInfo(schedule.timezone)
    )


def purge_trigger(schedule: ScheduleSettings) -> CronTrigger:
    """The daily purge: twelve hours from the daily ingest (03:xx instead of the DST hour), so
    that it never runs beside an ingest that may still be loading the incidents it reduces."""
    at = dt.time.fromisoformat(schedule.daily_ingest)
    hour = (at.hour + 12) % 24
    return CronTrigger(
        hour=3 if hour == 2 else hour, minute=at.minute, timezone=ZoneInfo(schedule.timezone)
    )


def calibration_trigger(schedule: ScheduleSettings) -> CronTrigger:
    """The monthly calibration (``vis calibrate``): on ``calibrate_day`` at ``calibrate_at``
    local time (the settings refuse the DST hour 02:00-03:00)."""
    at = dt.time.fromisoformat(schedule.calibrate_at)
    return CronTrigger(
        day=schedule.calibrate_day,
        hour=at.hour,
        minute=at.minute,
        timezone=ZoneInfo(schedule.timezone),
    )


def latest_fire_time(
    trigger: BaseTrigger, now: dt.datetime, lookback: dt.timedelta
) -> dt.datetime | None:
    """The latest fire time of ``trigger`` at or before ``now`` and after ``now - lookback``.

    This is the run time APScheduler hands to the executor when it coalesces, computed from the
    trigger alone, so that every process names the same firing the same way.
    """
    start = now - lookback
    last: dt.datetime | None = None
    fire = trigger.get_next_fire_time(None, start)
    while fire is not None and fire <= now:
        if fire > start:  # a DateTrigger answers its date however far back it lies
            last = fire
        fire = trigger.get_next_fire_time(fire, fire)
    return last


# --- The guard ------------------------------------------------------------------------------------


def guarded(
    engine: Engine, name: str, func: JobFunc, lease_s: float
) -> Callable[[dt.datetime], Outcome]:
    """Wrap ``func`` so that a call for a scheduled time runs it at most once across processes.

    The returned function claims the firing (``job_executions``), takes the job lock, runs
    ``func``, and records success or failure. It logs and returns the :data:`Outcome` and never
    raises an ``Exception``; an interrupt inside ``func`` is recorded as a failure and re-raised.
    """

    def run(scheduled_for: dt.datetime) -> Outcome:
        return _run_guarded(engine, name, func, lease_s, scheduled_for)

    run.__name__ = f"guarded_{name}"
    return run


def _run_guarded(
    engine: Engine, name: str, func: JobFunc, lease_s: float, scheduled_for: dt.datetime
) -> Outcome:
    holder = make_holder()
    try:
        if closed := mark_abandoned_executions(engine):
            log.warning("job claims of %d stopped process(es) marked failed", closed)
        execution_id = claim_execution(engine, name, scheduled_for, holder)
    except Exception:
        log.exception("job %s: could not claim the firing of %s; not run", name, scheduled_for)
        return "error"
    if execution_id is None:
        log.info("job %s: the firing of %s was claimed elsewhere; not run", name, scheduled_for)
        return "duplicate"

    status: Literal["success", "failed", "skipped"] = "failed"
    error: str | None = None
    started = time.monotonic()
    try:
        with job_lock(engine, name, lease_s=lease_s, holder=holder) as got:
            if not got:
                status, error = "skipped", "another run of this job holds its lock"
                log.warning("job %s: firing of %s skipped: %s", name, scheduled_for, error)
            else:
                log.info("job %s: running the firing of %s (%s)", name, scheduled_for, holder)
                try:
                    func()
                except Exception as exc:
                    error = _one_line(exc)
                    log.exception("job %s: firing of %s failed", name, scheduled_for)
                else:
                    status = "success"
    except Exception as exc:
        error = f"job lock: {_one_line(exc)}"
        log.exception("job %s: the job lock failed", name)
    except BaseException as exc:  # KeyboardInterrupt, SystemExit: record, then let them through
        _record(engine, name, execution_id, "failed", _one_line(exc))
        raise
    _record(engine, name, execution_id, status, error)
    if status == "success":
        log.info("job %s: done in %.1f s", name, time.monotonic() - started)
    return status


def _record(
    engine: Engine, name: str, execution_id: int, status: ExecutionStatus, error: str | None
) -> None:
    try:
        finish_execution(engine, execution_id, status, error)
    except Exception:
        log.exception("job %s: could not record execution %s as %s", name, execution_id, status)


def _one_line(exc: BaseException) -> str:
    message = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


@dataclass(frozen=True)
class _Firing:
    """The callable APScheduler runs: it names the firing due now and runs it guarded."""

    name: str
    run: Callable[[dt.datetime], Outcome]
    trigger: BaseTrigger
    lookback: dt.timedelta

    def __call__(self) -> Outcome:
        now = dt.datetime.now(dt.UTC)
        scheduled_for = latest_fire_time(self.trigger, now, self.lookback)
        if scheduled_for is None:  # run out of schedule (e.g. modified to run now)
            scheduled_for = now.replace(microsecond=0)
            log.warning("job %s: no scheduled time is due; naming the firing %s", self.name, now)
        return self.run(scheduled_for)


# --- The scheduler --------------------------------------------------------------------------------


def build_scheduler(
    settings: Settings,
    jobs: Mapping[str, JobFunc],
    *,
    engine: Engine,
    triggers: Mapping[str, BaseTrigger] | None = None,
) -> BlockingScheduler:
    """A BlockingScheduler (not started) with every job guarded by ``engine``'s claims and locks.

    Each job runs on the daily trigger (:func:`daily_trigger`) unless ``triggers`` names another;
    by default the daily purge on :func:`purge_trigger` and the monthly calibration on
    :func:`calibration_trigger`.
    """
    schedule = settings.schedule
    triggers = dict(triggers or {})
    unknown = set(triggers) - set(jobs)
    if unknown:
        raise ValueError(f"triggers for unknown jobs: {sorted(unknown)}")
    daily = daily_trigger(schedule)
    grace = dt.timedelta(seconds=schedule.misfire_grace_s)
    # Set as defaults and on each job: APScheduler fills in defaults only once it has started.
    options = {
        "coalesce": True,
        "max_instances": 1,
        "misfire_grace_time": schedule.misfire_grace_s,
    }
    scheduler = BlockingScheduler(timezone=ZoneInfo(schedule.timezone), job_defaults=options)
    now = dt.datetime.now(dt.UTC)
    own = {DAILY_PURGE: purge_trigger, MONTHLY_CALIBRATION: calibration_trigger}
    for name, func in jobs.items():
        trigger = triggers.get(name) or (own[name](schedule) if name in own else daily)
        firing = _Firing(
            name=name,
            run=guarded(engine, name, func, schedule.lock_lease_s),
            trigger=trigger,
            lookback=grace + dt.timedelta(minutes=1),
        )
        # A firing missed by less than the grace (the process was down) runs at start-up.
        missed = latest_fire_time(trigger, now, grace)
        extra = {"next_run_time": missed} if missed is not None else {}
        scheduler.add_job(firing, trigger=trigger, id=name, name=name, **options, **extra)
    return scheduler


def next_run_times(
    scheduler: BlockingScheduler, now: dt.datetime | None = None
) -> dict[str, dt.datetime]:
    """When each job runs next, in the scheduler's time zone (works before start, too)."""
    now = now or dt.datetime.now(dt.UTC)
    result: dict[str, dt.datetime] = {}
    for job in scheduler.get_jobs():
        when = getattr(job, "next_run_time", None)
        if when is None and not scheduler.running:
            when = job.trigger.get_next_fire_time(None, now)
        if when is not None:
            result[job.id] = when.astimezone(scheduler.timezone)
    return result


def run_scheduler(
    settings: Settings,
    engine: Engine,
    *,
    jobs: Mapping[str, JobFunc],
    triggers: Mapping[str, BaseTrigger] | None = None,
) -> None:
    """Run the scheduler in the foreground until SIGTERM or SIGINT (``vis schedule``).

    The first signal stops scheduling and waits for running jobs to finish (an ingest run is
    atomic, so a second signal, which kills the process at once, loses nothing but that run).
    Must be called from the main thread.
    """
    scheduler = build_scheduler(settings, jobs, engine=engine, triggers=triggers)
    previous: dict[int, Any] = {}

    def stop(signum: int, _frame: FrameType | None) -> None:
        # Kept small: Python runs it in the main thread between any two bytecodes, possibly in
        # the middle of a write to stderr, so the log line is written by the stopping thread.
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, signal.SIG_DFL)  # a second signal ends the process at once
        name = signal.Signals(signum).name
        stopper = threading.Thread(
            target=_shutdown, args=(scheduler, name), name="vis-scheduler-stop"
        )
        stopper.start()

    ticking = threading.Event()

    def on_started(_event: SchedulerEvent) -> None:
        # Installed once started (in the main thread, inside start()). Before that there is
        # nothing to stop: SIGTERM ends the process and SIGINT raises KeyboardInterrupt.
        for sig in (signal.SIGTERM, signal.SIGINT):
            previous[sig] = signal.signal(sig, stop)
        threading.Thread(
            target=_tick, args=(scheduler, ticking), name="vis-scheduler-tick", daemon=True
        ).start()
        for name, when in next_run_times(scheduler).items():
            log.info("job %s: next run at %s", name, when.isoformat())

    scheduler.add_listener(on_started, EVENT_SCHEDULER_STARTED)
    log.info("scheduler starting (time zone %s)", settings.schedule.timezone)
    try:
        scheduler.start()
    finally:
        ticking.set()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    log.info("scheduler stopped")


def _tick(scheduler: BlockingScheduler, done: threading.Event) -> None:
    """Wake the scheduler's main thread every second until ``done``.

    CPython runs a signal's handler in the main thread only, and a signal that the kernel hands
    to another thread does not interrupt the main thread's wait for the next job, which may be
    hours away: without this, SIGTERM or SIGINT could wait that long (seen as a rare hang).
    """
    while not done.wait(1.0):
        scheduler.wakeup()


def _shutdown(scheduler: BlockingScheduler, signal_name: str) -> None:
    log.info("%s received: stopping after running jobs finish", signal_name)
    try:
        scheduler.shutdown(wait=True)
    except SchedulerNotRunningError:
        pass

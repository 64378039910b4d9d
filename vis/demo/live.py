"""The live demo: a VIS that looks like this morning, on the demo's own calendar and files.

- :func:`live_params`: the generated span. It runs from 1 January two years before yesterday's
  year to 31 December of yesterday's year, with the 2015 Amersfoort calibration per year. The feed
  serves only days that have passed (:class:`vis.demo.feed.DemoFeedServer` has a clock), so the
  history ends yesterday and each new day appears as it comes. The span is the same on every day
  of a year, so a rerun the next day draws the same incidents and only fetches the new day.
- :func:`prepare_home`: the demo's own files under ``var/demo/``: a copy of the configuration
  with a demo ``pilots.toml`` on the demo's calendar (the shipped one stays for Amersfoort 2017),
  and ``demo.json`` with the span. A database of another span (another year, or the 2017 demo)
  is moved aside to ``var/demo.db.previous`` and built afresh.
- :func:`catch_up`: the briefings of every shift of the last :data:`LIVE_WEEKS` weeks, built by
  the briefing service from what was known before each shift, and simulated patrol visits on
  part of their hotspots (``patrol_visits.demo`` true, no audit entry: nobody made them).
- :func:`live_jobs`: the scheduler's jobs for the demo: the daily ingest, then the catch-up.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import shutil
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import Engine, func, insert, select

from vis.db.schema import briefings, patrol_visits
from vis.demo.params import DemoParams
from vis.settings import CONFIG_FILE, PILOTS_FILE, Settings

log = logging.getLogger(__name__)

#: Weeks of stored briefings (every shift) before today.
LIVE_WEEKS = 8
STATE_FILE = "demo.json"
#: The wijken that touch Stadskern or Zonnehof (CBS wijkkaart 2019), as in config/pilots.toml.
_BUFFER = ", ".join(f'"WK0307{n:02d}"' for n in (3, 4, 5, 6, 7, 14, 15, 16, 17, 18))
#: The demo handhaver whose (simulated) visits the record shows.
VISITOR = "boa"


def live_params(today: dt.date, seed: int = DemoParams.seed) -> DemoParams:
    """The generated span for a demo on ``today`` (see the module docstring)."""
    last = today - dt.timedelta(days=1)
    return DemoParams(seed=seed, start=dt.date(last.year - 2, 1, 1), end=dt.date(last.year, 12, 31))


def briefing_days(today: dt.date, weeks: int = LIVE_WEEKS) -> list[dt.date]:
    """The days whose briefings the demo keeps: the ``weeks`` weeks up to and including today."""
    return [today - dt.timedelta(days=n) for n in range(weeks * 7 - 1, -1, -1)]


@dataclass(frozen=True)
class DemoHome:
    """The demo's own files: ``var/demo/`` with its configuration, and ``var/demo.db``."""

    root: Path  # var/demo
    database: Path  # var/demo.db

    @property
    def config_file(self) -> Path:
        return self.root / "config" / CONFIG_FILE

    @property
    def pilots_file(self) -> Path:
        return self.root / "config" / PILOTS_FILE


def _state(params: DemoParams) -> dict[str, Any]:
    return {"seed": params.seed, "start": params.start.isoformat(), "end": params.end.isoformat()}


def prepare_home(workdir: Path, base: Settings, params: DemoParams, today: dt.date) -> DemoHome:
    """Create or check ``var/demo/`` for ``params``; returns where everything is.

    A database built for another span cannot be continued (its incidents were drawn for another
    period); it is moved aside, never deleted, and the demo starts afresh.
    """
    var = workdir / "var"
    home = DemoHome(root=var / "demo", database=var / "demo.db")
    state_path = home.root / STATE_FILE
    state = _state(params)
    try:
        old = json.loads(state_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        old = None
    fresh = old != state
    if fresh and home.database.exists():
        for suffix in ("", "-wal", "-shm"):
            part = home.database.with_name(home.database.name + suffix)
            if part.exists():
                part.replace(part.with_name(part.name + ".previous"))
        log.warning("demo database of another period moved to %s.previous", home.database)
    config_dir = home.config_file.parent
    if base.config_dir.resolve() != config_dir.resolve():
        shutil.copytree(
            base.config_dir,
            config_dir,
            dirs_exist_ok=True,
            ignore=shutil.ignore_patterns(PILOTS_FILE),
        )
    if fresh or not home.pilots_file.exists():
        home.pilots_file.write_text(demo_pilots_toml(today), encoding="utf-8")
    state_path.parent.mkdir(parents=True, exist_ok=True)
    state_path.write_text(json.dumps(state, indent=2) + "\n", encoding="utf-8")
    return home


def demo_pilots_toml(today: dt.date, weeks: int = LIVE_WEEKS) -> str:
    """The demo's pilots: the briefed weeks before ``today`` against the same weeks a year
    earlier (52 weeks, so that weekdays match)."""
    first = today - dt.timedelta(days=weeks * 7)
    last = today - dt.timedelta(days=1)
    year = dt.timedelta(weeks=52)
    period = f"[{first.isoformat()}, {last.isoformat()}]"
    baseline = f"[{(first - year).isoformat()}, {(last - year).isoformat()}]"
    return f"""# Pilots of the live demo, written by `vis demo` (config/pilots.toml: 2017).
#
# Period: the {weeks} briefed weeks before {today:%d-%m-%Y}; baseline: the same
# weeks 52 weeks earlier. The patrol visits in this period are simulated (patrol_visits.demo).

[[pilot]]
name = "demo-hotspots"
label = "Demo: gebriefde hotspots, laatste {weeks} weken"
description = "De hotspots uit de briefings van de demo, met gesimuleerde patrouillebezoeken."
baseline = {baseline}
period = {period}
alpha = 0.05
did_model = "negbin"
rate_test = "exact-cond"
treatment = {{ kind = "hotspots", codes = [] }}
buffer = {{ kind = "hotspots", codes = [], buffer_m = 250.0 }}
control = {{ kind = "rest", codes = [] }}

[[pilot]]
name = "demo-binnenstad"
label = "Demo: binnenstad, laatste {weeks} weken"
description = "Dagelijkse briefings voor de handhavers in Stadskern en Zonnehof (demo)."
baseline = {baseline}
period = {period}
categories = ["woninginbraak", "autokraak", "fietsdiefstal", "vernieling", "overlast_jeugd"]
alpha = 0.05
did_model = "poisson"
rate_test = "exact-cond"
treatment = {{ kind = "wijken", codes = ["WK030701", "WK030702"] }}
buffer = {{ kind = "wijken", codes = [{_BUFFER}] }}
control = {{ kind = "rest", codes = [] }}
"""


def clock_now(today: dt.date, timezone: str) -> dt.datetime:
    """Now, moved to ``today`` (same local time of day): the real now on the real today, and
    the demo's now when ``vis demo --today`` pins another day."""
    local = dt.datetime.now(ZoneInfo(timezone))
    moved = dt.datetime.combine(today, local.time().replace(tzinfo=None))
    return moved.replace(tzinfo=ZoneInfo(timezone)).astimezone(dt.UTC)


@dataclass(frozen=True)
class CatchUp:
    briefings: int
    visits: int


def catch_up(
    settings: Settings,
    engine: Engine,
    today: dt.date,
    *,
    weeks: int = LIVE_WEEKS,
    now: dt.datetime | None = None,
    seed: int = DemoParams.seed,
) -> CatchUp:
    """Build the missing briefings of the last ``weeks`` weeks (newest day last) and simulate
    visits for those whose shift has ended by ``now``; what exists already is kept."""
    from vis.services.briefings import build_briefing_days

    days = briefing_days(today, weeks)
    code = settings.municipality.code
    with engine.connect() as conn:
        have = {
            (d, s)
            for d, s in conn.execute(
                select(briefings.c.date, briefings.c.shift).where(
                    briefings.c.municipality_code == code, briefings.c.date >= days[0]
                )
            )
        }
    wanted = {d: [s.name for s in settings.shifts if (d, s.name) not in have] for d in days}
    built = build_briefing_days(settings, engine, wanted, created_by="demo")
    now = now or clock_now(today, settings.schedule.timezone)
    visits = simulate_visits(engine, code, days[0], now, seed=seed)
    return CatchUp(briefings=len(built), visits=visits)


def simulate_visits(
    engine: Engine, municipality: str, since: dt.date, now: dt.datetime, *, seed: int
) -> int:
    """Simulated visits for the latest briefing of every shift since ``since`` that has ended by
    ``now`` and has none yet: most top-three hotspots and about a third of the others get one or
    two visits inside the shift. Deterministic per briefing; returns the number added."""
    latest = (
        select(func.max(briefings.c.id))
        .where(briefings.c.municipality_code == municipality, briefings.c.date >= since)
        .group_by(briefings.c.date, briefings.c.shift)
    )
    visited = select(patrol_visits.c.briefing_id).where(patrol_visits.c.demo.is_(True))
    query = select(
        briefings.c.id,
        briefings.c.date,
        briefings.c.shift,
        briefings.c.window_start,
        briefings.c.window_end,
        briefings.c.content,
    ).where(
        briefings.c.id.in_(latest),
        briefings.c.id.not_in(visited),
        briefings.c.window_end <= now,
    )
    rows: list[dict[str, Any]] = []
    with engine.connect() as conn:
        for b in conn.execute(query.order_by(briefings.c.id)):
            rng = np.random.default_rng([seed, b.date.toordinal(), zlib.crc32(b.shift.encode())])
            length = (b.window_end - b.window_start).total_seconds()
            for spot in b.content.get("hotspots", []):
                chance = 0.8 if int(spot.get("rank", 99)) <= 3 else 0.35
                if rng.random() >= chance:
                    continue
                for _ in range(1 + int(rng.random() < 0.3)):
                    at = b.window_start + dt.timedelta(
                        seconds=float(rng.uniform(0.05, 0.9)) * length
                    )
                    rows.append(
                        {
                            "briefing_id": b.id,
                            "hotspot_id": str(spot["id"])[:64],
                            "username": VISITOR,
                            "visited_at": at,
                            "duration_min": int(rng.integers(2, 9)) * 5,
                            "note": None,
                            "created_at": now,
                            "demo": True,
                        }
                    )
    if rows:
        with engine.begin() as conn:
            conn.execute(insert(patrol_visits), rows)
    return len(rows)


def daily_demo_job(settings: Settings, engine: Engine, today: Callable[[], dt.date]) -> None:
    """The demo's morning: the ordinary daily ingest, then today's briefings and visits."""
    from ingest.scheduler import daily_ingest_job

    daily_ingest_job(settings, engine)
    done = catch_up(settings, engine, today())
    log.info("demo catch-up: %d briefing(s), %d visit(s)", done.briefings, done.visits)


def live_jobs(
    settings: Settings, engine: Engine, today: Callable[[], dt.date]
) -> dict[str, Callable[[], None]]:
    """The scheduler's jobs for the demo: the daily ingest followed by the catch-up and the
    pilots' evaluations."""
    from ingest.scheduler import DAILY_INGEST
    from vis.services.jobs import after, evaluations_job, scheduled_jobs

    jobs = dict(scheduled_jobs(settings, engine))
    jobs[DAILY_INGEST] = after(
        functools.partial(daily_demo_job, settings, engine, today),
        functools.partial(evaluations_job, settings, engine),
    )
    return jobs

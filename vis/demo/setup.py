"""`vis demo`: a complete VIS on the embedded SQLite default, fed through the real path.

It generates the Amersfoort demo data (:mod:`vis.demo.live`: a span that ends this year, served
up to yesterday), serves it on a loopback port as the police feed and the CBS tables, and then
runs the ordinary ingest against that feed (day windows, paging, token, quarantine, ledger) into
``var/demo.db``, with the configuration and pilots of ``var/demo/``. It then builds the briefings
of the last eight weeks and simulates patrol visits. Running it again is safe, and on a later day
catches up on the days in between.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from ingest.cbs import load_cbs
from ingest.http import build_session
from ingest.ledger import RunResult
from ingest.runner import ingest_due
from vis.areas import load_areas, sync_areas
from vis.db.engine import make_engine
from vis.db.migrate import upgrade
from vis.demo import DemoParams
from vis.demo.feed import DemoFeedServer, FeedData, build_feed_data, local_today
from vis.demo.live import LIVE_WEEKS, CatchUp, catch_up
from vis.settings import Settings, SourceSettings

#: The environment variable through which the demo hands its feed token to the ingest.
DEMO_TOKEN_ENV = "VIS_DEMO_FEED_TOKEN"
DEMO_SOURCE = "demo-politie"


@dataclass(frozen=True)
class DemoResult:
    database_url: str
    feed_url: str
    runs: tuple[RunResult, ...]


def demo_database_url(workdir: Path) -> str:
    return f"sqlite:///{(workdir / 'var' / 'demo.db').resolve()}"


def feed_data(settings: Settings, params: DemoParams, today: dt.date | None = None) -> FeedData:
    areas = load_areas(settings).of_municipality(settings.municipality.code)
    return build_feed_data(
        params,
        areas,
        settings.categories,
        municipality_code=settings.municipality.code,
        crime_table=settings.cbs.crime_table,
        population_table=settings.cbs.population_table,
        today=today,
    )


def demo_settings(base: Settings, feed_url: str, database_url: str, params: DemoParams) -> Settings:
    """The configuration with the demo feed as its only source and the demo database."""
    source = SourceSettings(
        name=DEMO_SOURCE,
        url=f"{feed_url}/bvh/incidenten.json?vanaf={{vanaf}}&tot={{tot}}",
        format="auto",
        token_env=DEMO_TOKEN_ENV,
        window_days=14,
    )
    return base.model_copy(
        update={
            "sources": [source],
            "database": base.database.model_copy(update={"url": database_url}),
            "ingest": base.ingest.model_copy(update={"first_day": params.start}),
            "cbs": base.cbs.model_copy(
                update={
                    "enabled": True,
                    "base_url": f"{feed_url}/cbs",
                    "population_base_url": f"{feed_url}/cbs",
                }
            ),
        }
    )


def prepare_demo(
    base: Settings,
    server: DemoFeedServer,
    database_url: str,
    params: DemoParams,
    progress: Callable[[int, int], None] | None = None,
    *,
    today: dt.date,
    weeks: int = LIVE_WEEKS,
) -> tuple[Settings, Engine, list[RunResult], CatchUp]:
    """Create or migrate the demo database, ingest everything the feed has up to yesterday
    (through HTTP), then build the missing briefings of the last ``weeks`` weeks and visits."""
    os.environ[DEMO_TOKEN_ENV] = server.token
    settings = demo_settings(base, server.base_url, database_url, params)
    engine = make_engine(database_url, busy_timeout_ms=settings.database.sqlite_busy_timeout_ms)
    upgrade(engine)
    sync_areas(engine, settings)
    yesterday = today - dt.timedelta(days=1)
    runs = ingest_due(settings, engine, until=yesterday, progress=progress)
    with build_session(settings.http) as session:
        runs += load_cbs(engine, settings, session, today=today)
    done = catch_up(settings, engine, today, weeks=weeks, seed=params.seed)
    return settings, engine, runs, done


def start_feed(
    settings: Settings,
    params: DemoParams,
    port: int = 0,
    today: Callable[[], dt.date] = local_today,
) -> DemoFeedServer:
    """The demo feed on loopback, in a background thread, on the clock ``today``."""
    server = DemoFeedServer(
        feed_data(settings, params, today()),
        port=port,
        token=secrets.token_urlsafe(24),
        today=today,
    )
    server.start_background()
    return server

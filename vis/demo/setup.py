"""`vis demo`: a complete VIS on the embedded SQLite default, fed through the real path.

It generates the Amersfoort demo data, serves it on a loopback port as the police feed and the CBS
tables, and then runs the ordinary ingest against that feed (day windows, paging, token, quarantine,
ledger) into ``var/demo.db``. Running it again is safe: the catch-up finds nothing new.
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
from vis.demo.feed import DemoFeedServer, FeedData, build_feed_data
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


def feed_data(settings: Settings, params: DemoParams) -> FeedData:
    areas = load_areas(settings).of_municipality(settings.municipality.code)
    return build_feed_data(
        params,
        areas,
        settings.categories,
        municipality_code=settings.municipality.code,
        crime_table=settings.cbs.crime_table,
        population_table=settings.cbs.population_table,
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
) -> tuple[Settings, Engine, list[RunResult]]:
    """Create or migrate the demo database and ingest everything the feed has, through HTTP."""
    os.environ[DEMO_TOKEN_ENV] = server.token
    settings = demo_settings(base, server.base_url, database_url, params)
    engine = make_engine(database_url, busy_timeout_ms=settings.database.sqlite_busy_timeout_ms)
    upgrade(engine)
    sync_areas(engine, settings)
    runs = ingest_due(settings, engine, until=params.end, progress=progress)
    with build_session(settings.http) as session:
        runs += load_cbs(engine, settings, session, today=params.end + dt.timedelta(days=1))
    from vis.briefing_store import read_briefing
    from vis.services.briefings import build_briefings

    # the briefings of the day after the data (every shift), once: a rerun keeps them
    day = params.end + dt.timedelta(days=1)
    with engine.connect() as conn:
        todo = [
            s.name
            for s in settings.shifts
            if read_briefing(conn, settings.municipality.code, day, s.name) is None
        ]
    if todo:
        build_briefings(settings, engine, day, todo, created_by="demo")
    return settings, engine, runs


def start_feed(settings: Settings, params: DemoParams, port: int = 0) -> DemoFeedServer:
    server = DemoFeedServer(feed_data(settings, params), port=port, token=secrets.token_urlsafe(24))
    server.start_background()
    return server

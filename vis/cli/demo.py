"""`vis demo` and `vis demo-feed`: a complete demo on SQLite, and its feed on loopback."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vis.cli.common import EXIT_OK, failing_on, parse_date, progress_bar
from vis.cli.data import ingest_errors

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Callable

    from sqlalchemy import Engine

    from vis.settings import Settings


@failing_on(ingest_errors)
def cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    import datetime as dt

    from vis.demo.feed import local_today
    from vis.demo.live import live_params, prepare_home
    from vis.demo.setup import demo_database_url, prepare_demo, start_feed
    from vis.ops.status import collect_status
    from vis.settings import load_settings

    pinned = args.today
    clock = (lambda: pinned) if pinned else local_today
    today = clock()
    params = live_params(today)
    home = prepare_home(Path.cwd(), settings, params, today)
    settings = load_settings(home.config_file)
    database_url = demo_database_url(Path.cwd())
    print(
        f"Demo: Amersfoort {params.start:%d-%m-%Y} t/m {today - dt.timedelta(days=1):%d-%m-%Y}, "
        f"database {database_url.removeprefix('sqlite:///')}, configuratie {home.root}",
        file=sys.stderr,
    )
    server = start_feed(settings, params, port=args.feed_port, today=clock)
    engine: Engine | None = None
    try:
        update, close = progress_bar("demo inlezen")
        try:
            demo, engine, runs, done = prepare_demo(
                settings, server, database_url, params, progress=update, today=today
            )
        finally:
            close()
        print(f"Briefings: {done.briefings} gemaakt, {done.visits} gesimuleerde bezoeken.")
        _store_evaluations(demo, engine)
        with engine.connect() as conn:
            status = collect_status(conn)
        feed = [r for r in runs if r.spec.kind == "bvh"]
        new = sum(r.counts.inserted for r in feed)
        changed = sum(r.counts.updated for r in feed)
        print(
            f"Demo klaar: {status['incidents']} incidenten ({new} nieuw, {changed} bijgewerkt in "
            f"{len(feed)} feedruns), {status['quarantined']} in quarantaine, "
            f"gegevens tot {status['data_until']}."
        )
        print(f"Status bekijken: VIS_DATABASE_URL={database_url} vis status")
        if args.no_serve:
            return EXIT_OK
        _serve_demo(demo, engine, server.base_url, args.port, clock)
    except KeyboardInterrupt:
        print("Demo gestopt.", file=sys.stderr)
    finally:
        if engine is not None:
            engine.dispose()
        server.shutdown()
        server.server_close()
    return EXIT_OK


def _store_evaluations(settings: Settings, engine: Engine) -> None:
    """Evaluate the demo's pilots now, so that `vis evaluate --pilot` prints them at once."""
    from vis.services.evaluation_results import refresh_evaluations

    done = refresh_evaluations(settings, engine)
    ready = [name for name, outcome in done.items() if outcome in ("stored", "computed")]
    print(f"Pilotevaluaties opgeslagen: {', '.join(ready) or 'geen'}.")
    for name, outcome in done.items():
        if name not in ready:
            print(f"vis: pilot {name} niet geëvalueerd: {outcome}", file=sys.stderr)


def _serve_demo(
    demo: Settings, engine: Engine, feed_url: str, port: int, today: Callable[[], dt.date]
) -> None:
    """Keep the demo running: feed and app in the background, the scheduler in the foreground."""
    import datetime as dt
    import subprocess

    from ingest.scheduler import build_scheduler, next_run_times, run_scheduler
    from vis.cli.app import serve_command
    from vis.demo.live import live_jobs
    from vis.demo.users import ensure_demo_users
    from vis.settings import PROJECT_ROOT

    logins = ensure_demo_users(engine)
    env = {
        **os.environ,
        "VIS_DATABASE_URL": demo.database_url(),
        "VIS_CONFIG": str(demo.config_dir.resolve() / "vis.toml"),
    }
    app = subprocess.Popen(serve_command(port, "127.0.0.1"), env=env, cwd=PROJECT_ROOT)
    try:
        print(f"App: http://127.0.0.1:{port}")
        for name, role, password in logins:
            print(f"  login {name:<10} ({role}): {password}")
        day = today() - dt.timedelta(days=1)
        print(f"Demofeed: {feed_url}/bvh/incidenten.csv?vanaf={day}&tot={today()}")
        jobs = live_jobs(demo, engine, today)
        upcoming = next_run_times(build_scheduler(demo, jobs, engine=engine))
        for job, when in upcoming.items():
            print(f"Planner: {job} draait om {when:%Y-%m-%d %H:%M %Z}")
        print("Stoppen met Ctrl-C.", flush=True)
        run_scheduler(demo, engine, jobs=jobs)
    finally:
        app.terminate()
        try:
            app.wait(timeout=10)
        except subprocess.TimeoutExpired:
            app.kill()


def cmd_demo_feed(settings: Settings, args: argparse.Namespace) -> int:
    import secrets

    from vis.demo.feed import DemoFeedServer, local_today
    from vis.demo.live import live_params
    from vis.demo.setup import DEMO_TOKEN_ENV, feed_data

    token = os.environ.get(DEMO_TOKEN_ENV) or secrets.token_urlsafe(24)
    today = local_today()
    data = feed_data(settings, live_params(today), today)
    server = DemoFeedServer(data, port=args.port, token=token)
    print(f"Demofeed op {server.base_url}")
    print(f"  BVH CSV : {server.base_url}/bvh/incidenten.csv?vanaf={{vanaf}}&tot={{tot}}")
    print(f"  BVH JSON: {server.base_url}/bvh/incidenten.json?vanaf={{vanaf}}&tot={{tot}}")
    print(f"  CBS     : {server.base_url}/cbs/{settings.cbs.crime_table}/TypedDataSet")
    if not os.environ.get(DEMO_TOKEN_ENV):
        print(f"  token   : {token} (zet {DEMO_TOKEN_ENV} om zelf een token te kiezen)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return EXIT_OK


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add the demo commands to the `vis` subcommands."""
    p = sub.add_parser("demo", parents=[common], help="een complete demo op SQLite (var/demo.db)")
    p.add_argument("--no-serve", action="store_true", help="alleen voorbereiden, niets starten")
    p.add_argument("--feed-port", type=int, default=0, help="poort van de demofeed (0: vrij)")
    p.add_argument("--port", type=int, default=8501, help="poort van de app")
    p.add_argument(
        "--today", type=parse_date, help="doen alsof het vandaag deze dag is (jjjj-mm-dd)"
    )
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("demo-feed", parents=[common], help="de demofeed serveren (loopback)")
    p.add_argument("--port", type=int, default=8765)
    p.set_defaults(func=cmd_demo_feed)

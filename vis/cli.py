"""The `vis` command line (see the contract in README.md, "Command line").

Every command takes ``--config``; exit status 0 on success, otherwise non-zero with one line on
standard error that says why.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from vis.settings import Settings, SettingsError, load_settings

log = logging.getLogger("vis")

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
#: The reader of the output went away (``vis status --json | head``): the shell's code for SIGPIPE.
EXIT_BROKEN_PIPE = 141


class CommandError(RuntimeError):
    """A command could not do its work; the message is the one line shown to the operator."""


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"geen datum jjjj-mm-dd: {text!r}") from exc


def build_engine(settings: Settings) -> Engine:
    from vis.db.engine import make_engine

    return make_engine(
        settings.database_url(), busy_timeout_ms=settings.database.sqlite_busy_timeout_ms
    )


def ready_engine(settings: Settings) -> Engine:
    """An engine on a database that `vis init` has brought to the current schema."""
    from vis.db.migrate import current_revision, head_revision

    engine = build_engine(settings)
    if current_revision(engine) != head_revision():
        engine.dispose()
        raise CommandError("de database is niet (bij)gewerkt: voer eerst 'vis init' uit")
    return engine


# --- commands --------------------------------------------------------------------------------


def cmd_init(settings: Settings, args: argparse.Namespace) -> int:
    from vis.areas import sync_areas
    from vis.db.migrate import upgrade

    engine = build_engine(settings)
    try:
        revision = upgrade(engine)
        n = sync_areas(engine, settings)
    finally:
        engine.dispose()
    print(f"database op schemaversie {revision}; {n} gebieden bijgewerkt")
    return EXIT_OK


def _progress_bar(total_label: str) -> tuple[Callable[[int, int], None], Callable[[], None]]:
    from tqdm import tqdm

    bar = tqdm(total=0, unit="venster", desc=total_label, file=sys.stderr, disable=None)

    def update(done: int, total: int) -> None:
        bar.total = total
        bar.n = done
        bar.refresh()

    return update, bar.close


def _summary(result: object) -> str:
    from ingest.ledger import RunResult

    assert isinstance(result, RunResult)
    c, s = result.counts, result.spec
    window = f" {s.window_start}..{s.window_end}" if s.window_start else ""
    unmapped = f", zonder categorie {sum(c.unmapped.values())}" if c.unmapped else ""
    return (
        f"run {result.run_id} {s.source}{window}: ontvangen {c.received}, nieuw {c.inserted}, "
        f"bijgewerkt {c.updated}, ongewijzigd {c.unchanged}, quarantaine {c.quarantined}{unmapped}"
    )


def cmd_ingest(settings: Settings, args: argparse.Namespace) -> int:
    from ingest.runner import ingest_all, ingest_due
    from vis.settings import SourceSettings

    since, until = args.since, args.until
    if args.date is not None:
        since = until = args.date
    if until is not None and since is not None and until < since:
        raise CommandError("--until ligt voor --since")
    if args.url:
        sources = [
            SourceSettings(
                name="ad-hoc", url=args.url, format=args.format or "auto", token_env=args.token_env
            )
        ]
    elif args.source == "cbs":
        return _ingest_cbs(settings)
    elif args.source:
        sources = [settings.source(args.source)]
    else:
        sources = None
    engine = ready_engine(settings)
    update, close = _progress_bar("ophalen")
    try:
        if sources is None and since is None and until is None:
            results = ingest_all(settings, engine, progress=update)
        else:
            results = ingest_due(
                settings, engine, sources=sources, since=since, until=until, progress=update
            )
    finally:
        close()
        engine.dispose()
    for result in results:
        print(_summary(result))
    if not results:
        print("niets op te halen: alle dagen tot en met gisteren zijn al binnen")
    return EXIT_OK


def _ingest_cbs(settings: Settings) -> int:
    from ingest.cbs import load_cbs
    from ingest.http import build_session

    engine = ready_engine(settings)
    try:
        with build_session(settings.http) as session:
            results = load_cbs(engine, settings, session)
    finally:
        engine.dispose()
    for result in results:
        print(_summary(result))
    return EXIT_OK


def cmd_ingest_file(settings: Settings, args: argparse.Namespace) -> int:
    from ingest.runner import build_context, ingest_file

    path = Path(args.path)
    if not path.is_file():
        raise CommandError(f"bestand niet gevonden: {path}")
    column_map: dict[str, str] = {}
    source = "bestand"
    if args.source:
        configured = settings.source(args.source)
        column_map, source = dict(configured.column_map), configured.name
    engine = ready_engine(settings)
    try:
        result = ingest_file(
            build_context(settings, engine), path, args.format, source=source, column_map=column_map
        )
    finally:
        engine.dispose()
    print(_summary(result))
    return EXIT_OK


def cmd_status(settings: Settings, args: argparse.Namespace) -> int:
    from vis.status import collect_status, format_status

    engine = ready_engine(settings)
    try:
        with engine.connect() as conn:
            status = collect_status(conn)
    finally:
        engine.dispose()
    if args.json:
        print(json.dumps(status, ensure_ascii=False, indent=2))
    else:
        print(format_status(status))
    return EXIT_OK


def cmd_schedule(settings: Settings, args: argparse.Namespace) -> int:
    from ingest.scheduler import run_scheduler

    engine = ready_engine(settings)
    try:
        run_scheduler(settings, engine)
    finally:
        engine.dispose()
    return EXIT_OK


def cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    from vis.demo.feed import local_today
    from vis.demo.live import live_params, prepare_home
    from vis.demo.setup import demo_database_url, prepare_demo, start_feed
    from vis.status import collect_status

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
        update, close = _progress_bar("demo inlezen")
        try:
            demo, engine, runs, done = prepare_demo(
                settings, server, database_url, params, progress=update, today=today
            )
        finally:
            close()
        print(f"Briefings: {done.briefings} gemaakt, {done.visits} gesimuleerde bezoeken.")
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


def _serve_demo(
    demo: Settings, engine: Engine, feed_url: str, port: int, today: Callable[[], dt.date]
) -> None:
    """Keep the demo running: feed and app in the background, the scheduler in the foreground."""
    import os
    import subprocess

    from ingest.scheduler import build_scheduler, next_run_times, run_scheduler
    from vis.commands.app import serve_command
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
    import os
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


# --- parser ----------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config", help="configuratiebestand (standaard: VIS_CONFIG, anders config/vis.toml)"
    )
    common.add_argument("-v", "--verbose", action="store_true", help="meer meldingen")

    parser = argparse.ArgumentParser(
        prog="vis", description="VIS: veiligheidsinformatie voor handhaving", parents=[common]
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("init", parents=[common], help="database aanmaken of migreren")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("ingest", parents=[common], help="incidenten ophalen uit de bronnen")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--source", help="alleen deze bron uit de configuratie ('cbs' voor CBS)")
    which.add_argument("--url", help="los URL-sjabloon met {vanaf} en {tot}")
    p.add_argument("--format", choices=["auto", "bvh-csv", "bvh-xlsx", "bvh-json"])
    p.add_argument("--token-env", default="", help="omgevingsvariabele met het token (bij --url)")
    when = p.add_mutually_exclusive_group()
    when.add_argument("--date", type=_date, help="alleen deze dag")
    when.add_argument("--since", type=_date, help="vanaf deze dag (inclusief)")
    p.add_argument("--until", type=_date, help="tot en met deze dag (standaard: gisteren)")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("ingest-file", parents=[common], help="een extractbestand laden")
    p.add_argument("path")
    p.add_argument("--format", choices=["bvh-csv", "bvh-xlsx", "bvh-json"])
    p.add_argument("--source", help="kolomindeling van deze bron gebruiken")
    p.set_defaults(func=cmd_ingest_file)

    p = sub.add_parser("schedule", parents=[common], help="de planner op de voorgrond draaien")
    p.set_defaults(func=cmd_schedule)

    p = sub.add_parser("demo", parents=[common], help="een complete demo op SQLite (var/demo.db)")
    p.add_argument("--no-serve", action="store_true", help="alleen voorbereiden, niets starten")
    p.add_argument("--feed-port", type=int, default=0, help="poort van de demofeed (0: vrij)")
    p.add_argument("--port", type=int, default=8501, help="poort van de app")
    p.add_argument("--today", type=_date, help="doen alsof het vandaag deze dag is (jjjj-mm-dd)")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("demo-feed", parents=[common], help="de demofeed serveren (loopback)")
    p.add_argument("--port", type=int, default=8765)
    p.set_defaults(func=cmd_demo_feed)

    p = sub.add_parser("status", parents=[common], help="aantallen, versheid, laatste runs")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_status)
    __import__("vis.commands", fromlist=["register"]).register(sub, common)
    __import__("vis.commands.evaluate", fromlist=["register"]).register(sub, common)
    __import__("vis.commands.app", fromlist=["register"]).register(sub, common)
    __import__("vis.commands.ops", fromlist=["register"]).register(sub, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.ERROR,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    from ingest.formats import FormatError
    from ingest.ledger import IngestError
    from vis.db.engine import DatabaseUrlError

    try:
        settings = load_settings(args.config)
        code = int(args.func(settings, args))
        sys.stdout.flush()  # here, so that a closed pipe is seen inside this try
        return code
    except BrokenPipeError:
        # Quietly, as other command-line tools do; stdout goes to /dev/null so that the
        # interpreter's last flush at exit does not fail on the closed pipe again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except (SettingsError, DatabaseUrlError) as exc:
        print(f"vis: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (CommandError, IngestError, FormatError) as exc:
        print(f"vis: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except SQLAlchemyError as exc:
        cause = getattr(exc, "orig", None) or exc
        print(f"vis: databasefout: {' '.join(str(cause).split())[:300]}", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":
    raise SystemExit(main())

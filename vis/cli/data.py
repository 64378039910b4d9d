"""`vis init`, `ingest`, `ingest-file`, `status` and `schedule`: the way the data comes in."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vis.cli.common import EXIT_OK, failing_on, parse_date, progress_bar
from vis.errors import VisError

if TYPE_CHECKING:
    from vis.settings import Settings


def ingest_errors() -> tuple[type[Exception], ...]:
    """The errors of a delivery that cannot be loaded (the run is rolled back)."""
    from ingest.ledger import IngestError
    from ingest.rawchunk import FormatError

    return IngestError, FormatError


def cmd_init(settings: Settings, args: argparse.Namespace) -> int:
    from vis.areas import sync_areas
    from vis.db.migrate import upgrade
    from vis.services.engines import build_engine

    engine = build_engine(settings)
    try:
        revision = upgrade(engine)
        n = sync_areas(engine, settings)
    finally:
        engine.dispose()
    print(f"database op schemaversie {revision}; {n} gebieden bijgewerkt")
    return EXIT_OK


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


@failing_on(ingest_errors)
def cmd_ingest(settings: Settings, args: argparse.Namespace) -> int:
    from ingest.runner import ingest_all, ingest_due
    from vis.services.engines import ready_engine
    from vis.settings import SourceSettings

    since, until = args.since, args.until
    if args.date is not None:
        since = until = args.date
    if until is not None and since is not None and until < since:
        raise VisError("--until ligt voor --since")
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
    update, close = progress_bar("ophalen")
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
    from vis.services.engines import ready_engine

    engine = ready_engine(settings)
    try:
        with build_session(settings.http) as session:
            results = load_cbs(engine, settings, session)
    finally:
        engine.dispose()
    for result in results:
        print(_summary(result))
    return EXIT_OK


@failing_on(ingest_errors)
def cmd_ingest_file(settings: Settings, args: argparse.Namespace) -> int:
    from ingest.runner import build_context, ingest_file
    from vis.services.engines import ready_engine

    path = Path(args.path)
    if not path.is_file():
        raise VisError(f"bestand niet gevonden: {path}")
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
    from vis.ops.status import collect_status, format_status
    from vis.services.engines import ready_engine

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
    from vis.services.engines import ready_engine
    from vis.services.jobs import scheduled_jobs

    engine = ready_engine(settings)
    try:
        run_scheduler(settings, engine, jobs=scheduled_jobs(settings, engine))
    finally:
        engine.dispose()
    return EXIT_OK


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add the data commands to the `vis` subcommands."""
    p = sub.add_parser("init", parents=[common], help="database aanmaken of migreren")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("ingest", parents=[common], help="incidenten ophalen uit de bronnen")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--source", help="alleen deze bron uit de configuratie ('cbs' voor CBS)")
    which.add_argument("--url", help="los URL-sjabloon met {vanaf} en {tot}")
    p.add_argument("--format", choices=["auto", "bvh-csv", "bvh-xlsx", "bvh-json"])
    p.add_argument("--token-env", default="", help="omgevingsvariabele met het token (bij --url)")
    when = p.add_mutually_exclusive_group()
    when.add_argument("--date", type=parse_date, help="alleen deze dag")
    when.add_argument("--since", type=parse_date, help="vanaf deze dag (inclusief)")
    p.add_argument("--until", type=parse_date, help="tot en met deze dag (standaard: gisteren)")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("ingest-file", parents=[common], help="een extractbestand laden")
    p.add_argument("path")
    p.add_argument("--format", choices=["bvh-csv", "bvh-xlsx", "bvh-json"])
    p.add_argument("--source", help="kolomindeling van deze bron gebruiken")
    p.set_defaults(func=cmd_ingest_file)

    p = sub.add_parser("schedule", parents=[common], help="de planner op de voorgrond draaien")
    p.set_defaults(func=cmd_schedule)

    p = sub.add_parser("status", parents=[common], help="aantallen, versheid, laatste runs")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_status)

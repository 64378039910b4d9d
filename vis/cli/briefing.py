"""`vis briefing` and `vis backtest`: the hotspot rules on the database.

The rules themselves are pure (``briefing/``); :mod:`vis.services.briefings` reads the rules file
and the incidents known before the cut-off and builds and stores snapshots; this module shows
them. Errors print one line on standard error and give exit status 1 (2 for a bad rules file).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from vis.cli.common import EXIT_USAGE, failing_on, login_name, parse_date
from vis.errors import VisError

if TYPE_CHECKING:
    from vis.settings import Settings


def rules_errors() -> tuple[type[Exception], ...]:
    """A rules file that cannot be used (exit status 2)."""
    from briefing.params import RulesError

    return (RulesError,)


def briefing_pdf_bytes(settings: Settings, contents: list[dict[str, Any]]) -> bytes:
    """The stored briefings as the printed document (the same as the app's PDF download)."""
    from vis.areas import load_areas
    from vis.geo import AreaFileError
    from vis.reports.briefing_pdf import briefing_pdf

    try:
        areas = load_areas(settings)
    except AreaFileError:
        areas = None
    return briefing_pdf(contents, settings, areas)


def _output(settings: Settings, contents: list[dict[str, Any]], fmt: str, single: bool) -> None:
    timezone = settings.schedule.timezone
    from briefing.render import render_html, render_text

    if fmt == "json":
        print(json.dumps(contents[0] if single else contents, ensure_ascii=False, indent=2))
    elif fmt == "html":
        print(render_html(contents, timezone))
    elif fmt == "pdf":
        if sys.stdout.isatty():
            raise VisError("PDF is binair: stuur de uitvoer naar een bestand (> b.pdf)")
        sys.stdout.buffer.write(briefing_pdf_bytes(settings, contents))
        sys.stdout.flush()
    else:
        print("\n\n".join(render_text(c, timezone) for c in contents))


@failing_on(rules_errors, status=EXIT_USAGE)
def cmd_briefing(settings: Settings, args: argparse.Namespace) -> int:
    from vis.services.briefings import build_briefings, rules_setup
    from vis.services.engines import ready_engine
    from vis.store.briefing_store import read_briefing

    setup = rules_setup(settings)
    names = [s.name for s in setup.shifts]
    if args.shift and args.shift not in names:
        raise VisError(f"onbekende dienst {args.shift!r}; kies uit {', '.join(names)}")
    wanted = [args.shift] if args.shift else names
    engine = ready_engine(settings)
    try:
        contents: list[dict[str, Any]] = []
        to_build: list[str] = []
        for name in wanted:
            stored = None
            if not args.rebuild:
                with engine.connect() as conn:
                    stored = read_briefing(
                        conn, settings.municipality.code, args.date, name, args.version
                    )
            if stored is None and args.version is not None:
                raise VisError(f"geen briefing {args.date} {name} versie {args.version}")
            contents.append(stored or {})
            if stored is None:
                to_build.append(name)
        if to_build:
            built = iter(
                build_briefings(
                    settings, engine, args.date, to_build, created_by=login_name() or "vis"
                )
            )
            contents = [c or next(built) for c in contents]
    finally:
        engine.dispose()
    _output(settings, contents, args.format, single=bool(args.shift))
    return 0


def format_backtest(report: dict[str, Any]) -> str:
    from briefing.backtest import METHOD_LABELS

    head = (
        f"Backtest {report['from']} t/m {report['to']} (top {report['top_n']} vakken per dienst, "
        f"regelversie {report['rules_version']})"
    )
    days = report["horizon_days"]
    lines = [
        head,
        f"{'methode':26s} {'trefkans dienst':>15s} {'PAI dienst':>10s} "
        f"{f'trefkans {days}d':>12s} {f'PAI {days}d':>8s}",
    ]
    for m in report["methods"]:
        lines.append(
            f"{METHOD_LABELS.get(m['method'], m['method']):26s} "
            f"{100 * m['shift']['hit_rate']:14.1f}% {m['shift']['pai']:10.2f} "
            f"{100 * m['horizon']['hit_rate']:11.1f}% {m['horizon']['pai']:8.2f}"
        )
    first = report["methods"][0] if report["methods"] else None
    if first:
        lines.append(
            f"doelen: {first['shift']['targets']} incidenten in de diensten, "
            f"{first['horizon']['targets']} in de {report['horizon_days']} dagen erna (gestapeld)"
        )
    if "equal_area" in report:
        from briefing.equal_area import format_equal_area

        lines.append(format_equal_area(report["equal_area"]))
    return "\n".join(lines)


@failing_on(rules_errors, status=EXIT_USAGE)
def cmd_backtest(settings: Settings, args: argparse.Namespace) -> int:
    from vis.services.briefings import backtest_report
    from vis.services.engines import ready_engine

    if args.to < args.from_:
        raise VisError("--to ligt voor --from")
    engine = ready_engine(settings)
    try:
        report = backtest_report(settings, engine, args.from_, args.to)
    finally:
        engine.dispose()
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print(format_backtest(report))
    return 0


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add `vis briefing` and `vis backtest` to the `vis` parser's subcommands."""
    p = sub.add_parser("briefing", parents=[common], help="briefing per dienst bouwen of tonen")
    p.add_argument("--date", type=parse_date, required=True, help="dag (jjjj-mm-dd)")
    p.add_argument("--shift", help="alleen deze dienst (standaard: alle diensten van de dag)")
    p.add_argument("--format", choices=["text", "json", "html", "pdf"], default="text")
    p.add_argument("--rebuild", action="store_true", help="opnieuw bouwen: een nieuwe versie")
    p.add_argument("--version", type=int, help="een eerder opgeslagen versie tonen")
    p.set_defaults(func=cmd_briefing)

    p = sub.add_parser("backtest", parents=[common], help="de hotspotregels toetsen op historie")
    p.add_argument("--from", dest="from_", type=parse_date, required=True, help="eerste dag")
    p.add_argument("--to", type=parse_date, required=True, help="laatste dag (inclusief)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_backtest)

"""`vis evaluate`: the pilot-evaluation statistics on the command line.

``vis evaluate --list`` prints the configured pilots, one name a line; ``vis evaluate --pilot NAME``
prints the indicators and the tests in plain Dutch (``--json``: everything as JSON; ``--export
PATH``: also write .csv, .xlsx or .pdf). ``vis evaluate --area-scans`` prints the area scan
(gebiedsscan) of each gebied, with the same ``--json`` and ``--export``. Errors print one line
on standard error: exit status 2 for a bad pilots.toml or an unknown pilot, 1 when the work itself
fails.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from briefing.evaluation.config import PilotConfig, PilotConfigError, check_codes, load_pilots
from briefing.evaluation.explain import NIET_INGEVULD, nl_number

if TYPE_CHECKING:  # the statistics (scipy, pandas) are imported when a command needs them
    from sqlalchemy import Connection

    from briefing.evaluation.areascan import AreaScan
    from briefing.evaluation.report import PilotReport
    from vis.settings import Settings

PILOTS_FILE = "pilots.toml"
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def pilot_config(settings: Settings) -> PilotConfig:
    """pilots.toml next to the configuration, validated against the category map."""
    return load_pilots(
        settings.resolve(PILOTS_FILE), known_categories=[c.key for c in settings.categories]
    )


def run_evaluation(settings: Settings, name: str) -> PilotReport:
    """Load the data of one pilot's periods (plus a year before, for CompStat) and evaluate it."""
    from vis.cli import ready_engine

    engine = ready_engine(settings)
    try:
        with engine.connect() as conn:
            return evaluate_on(conn, settings, name)
    finally:
        engine.dispose()


def evaluate_on(
    conn: Connection, settings: Settings, name: str, config: PilotConfig | None = None
) -> PilotReport:
    """:func:`run_evaluation` on an open connection (the app passes its own engine's)."""
    from briefing.evaluation.report import evaluate_pilot
    from vis.areas import gebieden
    from vis.evaluation_store import category_groups, grid_of, load_evaluation_data

    config = config or pilot_config(settings)
    pilot = config.pilot(name)
    start = min(pilot.baseline.start, pilot.pilot.end - dt.timedelta(days=400))
    data = load_evaluation_data(conn, settings, start, pilot.pilot.end)
    if data.areas.empty:
        from vis.cli import CommandError

        raise CommandError("geen wijken in de database: voer eerst 'vis init' uit")
    check_codes(config, data.areas["code"], set(gebieden(settings).values()))
    return evaluate_pilot(pilot, data, category_groups(settings), config, grid_of(settings))


def scans_on(
    conn: Connection, settings: Settings, as_of: dt.date | None = None
) -> tuple[dt.date, list[AreaScan]]:
    """The area scan of every gebied up to ``as_of`` (default: the last day with data, else
    today): three years of incidents are read, for the 24-month trend and the year before."""
    from zoneinfo import ZoneInfo

    from briefing.evaluation.areascan import area_scans
    from vis.evaluation_store import (
        category_groups,
        data_until,
        grid_of,
        load_areas,
        load_incidents,
    )

    tz = ZoneInfo(settings.schedule.timezone)
    day = as_of or data_until(conn, tz) or dt.datetime.now(tz).date()
    code = settings.municipality.code
    areas = load_areas(conn, code, day.year)
    if areas.empty:
        from vis.cli import CommandError

        raise CommandError("geen wijken in de database: voer eerst 'vis init' uit")
    grid = grid_of(settings)
    incidents = load_incidents(conn, code, day - dt.timedelta(days=3 * 366 + 31), day, tz, grid)
    return day, area_scans(incidents, areas, day, category_groups(settings), grid)


def run_area_scans(settings: Settings) -> tuple[dt.date, list[AreaScan]]:
    """:func:`scans_on` on the configured database."""
    from vis.cli import ready_engine

    engine = ready_engine(settings)
    try:
        with engine.connect() as conn:
            return scans_on(conn, settings)
    finally:
        engine.dispose()


def scan_dict(scan: AreaScan) -> dict[str, Any]:
    """One area scan as JSON-ready values."""
    from briefing.evaluation.report import _jsonable

    result: dict[str, Any] = _jsonable({
        "gebied": scan.gebied, "inwoners": scan.inhabitants, "wijken": list(scan.wijken),
        "laatste_jaar": [scan.last_year.start, scan.last_year.end],
        "per_1000": scan.rates.to_dict(orient="records"),
        "verandering": scan.change.to_dict(orient="records"),
        "trend": scan.trend.to_dict(orient="records"),
        "hotspots": scan.hotspots.to_dict(orient="records"),
    })  # fmt: skip
    return result


def _num(value: Any, digits: int = 1) -> str:
    known = isinstance(value, int | float) and value == value  # not None, not NaN
    return nl_number(float(value), digits) if known else "–"


def format_scans(as_of: dt.date, scans: list[AreaScan]) -> str:
    """The scans as Dutch text, one block per gebied."""
    lines = [f"Gebiedsscans veiligheid, peildatum {as_of:%d-%m-%Y}"]
    for s in scans:
        inw = nl_number(float(s.inhabitants), 0) if s.inhabitants else "onbekend"
        lines += [
            "",
            f"Gebied {s.gebied} (inwoners {inw}; wijken {', '.join(s.wijken) or 'geen'})",
            f"Laatste jaar: {s.last_year.label()}",
            "  Per 1.000 inwoners per jaar, gebied tegen de stad:",
        ]
        for r in s.rates.to_dict(orient="records"):
            lines.append(
                f"    {r['reeks']!s:<31} {r['aantal']!s:>6}  gebied "
                f"{_num(r['gebied_per_1000'])}  stad {_num(r['stad_per_1000'])}"
            )
            lines.append(f"      {r['uitleg']}")
        lines.append("  Trend, laatste jaar tegen het jaar ervoor:")
        for r in s.change.to_dict(orient="records"):
            lines.append(
                f"    {r['reeks']!s:<31} {r['vorig_jaar']!s:>6} -> {r['laatste_jaar']!s:>6}"
            )
            lines.append(f"      {r['uitleg']}")
        lines.append("  Top hotspots (misdrijven in het laatste jaar):")
        if s.hotspots.empty:
            lines.append("    geen")
        for r in s.hotspots.to_dict(orient="records"):
            street = f", {' '.join(str(r['straat']).split())}" if r["straat"] else ""
            lines.append(f"    {r['cel']}: {r['aantal']} ({r['meest']}{street})")
    return "\n".join(lines)


def format_report(report: PilotReport) -> str:
    p = report.pilot
    lines = [
        f"Pilot {p.name}: {p.label}",
        f"Basisperiode {p.baseline.label()}; pilotperiode {p.pilot.label()}",
        "Inwoners: "
        + ", ".join(
            f"{g} {nl_number(v, 0) if v else 'onbekend'}" for g, v in report.populations.items()
        ),
        "",
        f"Antwoord: {report.headline}",
        "",
        "Effect per reeks (verschil-in-verschillen, behandelgebied tegen verwacht):",
        *(f"  {text}" for text in report.effects.get("tekst", [])),
        "",
        "Doelen van de gemeente:",
    ]
    for row in report.indicators.to_dict(orient="records"):
        if row["doel"] and not str(row["doel_gehaald"]).startswith("n.v.t."):
            lines.append(
                f"  {row['periode']!s:<13} {row['omschrijving']!s:<31} "
                f"{_num(row['waarde'])}  doel {row['doel']}: {row['doel_gehaald']}"
            )
    lines += ["", "Indicatoren (per 1.000 inwoners per jaar, tenzij anders vermeld):"]
    for row in report.indicators.to_dict(orient="records"):
        waarde = row["waarde"]
        known = isinstance(waarde, int | float) and waarde == waarde  # not None, not NaN
        value = nl_number(float(waarde), 1) if known else str(row["toelichting"])
        target = f"  doel {row['doel']}" if row["doel"] else ""
        lines.append(
            f"  {row['periode']!s:<13} {row['gebied']!s:<15} {row['omschrijving']!s:<31} "
            f"{row['aantal']!s:>6}  {value}{target}"
        )
    lines += ["", "Cijfers van buiten VIS:"]
    for row in report.outside.to_dict(orient="records"):
        shown = (
            row["waarde"] if row["waarde"] == NIET_INGEVULD else f"{row['waarde']} {row['eenheid']}"
        )
        lines.append(f"  {row['omschrijving']}: {shown} (bron: {row['bron']})")
    lines += ["", "Toetsen:"]
    lines += [f"  {text}" for text in report.comparisons["uitleg"]]
    lines += ["", report.record_summary.explanation, report.dosage_summary.explanation]
    lines += [f"Opmerking: {n}" for n in report.notes]
    return "\n".join(lines)


def cmd_evaluate(settings: Settings, args: argparse.Namespace) -> int:
    try:
        if args.area_scans:
            return _cmd_scans(settings, args)
        if args.list:
            for name in pilot_config(settings).names():
                print(name)
            return EXIT_OK
        if not args.pilot:
            print("vis: geef --pilot NAAM of --list", file=sys.stderr)
            return EXIT_USAGE
        report = run_evaluation(settings, args.pilot)
    except PilotConfigError as exc:
        print(f"vis: {' '.join(str(exc).split())}", file=sys.stderr)
        return EXIT_USAGE
    if args.export:
        from vis.evaluation_export import ExportError, export_report

        try:
            written = export_report(report, Path(args.export))
        except ExportError as exc:
            print(f"vis: {exc}", file=sys.stderr)
            return EXIT_FAILED
        print(f"geëxporteerd naar {written}", file=sys.stderr)
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(format_report(report))
    return EXIT_OK


def _cmd_scans(settings: Settings, args: argparse.Namespace) -> int:
    as_of, scans = run_area_scans(settings)
    if args.export:
        from vis.evaluation_export import ExportError, export_area_scans

        try:
            written = export_area_scans(scans, Path(args.export), as_of)
        except ExportError as exc:
            print(f"vis: {exc}", file=sys.stderr)
            return EXIT_FAILED
        print(f"geëxporteerd naar {written}", file=sys.stderr)
    if args.json:
        payload = {"peildatum": as_of.isoformat(), "gebieden": [scan_dict(s) for s in scans]}
        print(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        print(format_scans(as_of, scans))
    return EXIT_OK


def register(subparsers: Any, common_parent: argparse.ArgumentParser) -> None:
    """Add `vis evaluate` to the `vis` subcommands."""
    p = subparsers.add_parser(
        "evaluate", parents=[common_parent], help="statistiek van een pilotevaluatie"
    )
    which = p.add_mutually_exclusive_group()
    which.add_argument("--pilot", metavar="NAAM", help="de pilot uit config/pilots.toml")
    which.add_argument("--list", action="store_true", help="de geconfigureerde pilots")
    which.add_argument(
        "--area-scans", action="store_true", help="gebiedsscan veiligheid van elk gebied"
    )
    p.add_argument("--json", action="store_true", help="alles als JSON")
    p.add_argument("--export", metavar="PAD", help="ook wegschrijven als .csv, .xlsx of .pdf")
    p.set_defaults(func=cmd_evaluate)

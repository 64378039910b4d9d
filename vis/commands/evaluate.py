"""`vis evaluate`: the pilot-evaluation statistics on the command line.

``vis evaluate --list`` prints the configured pilots, one name a line; ``vis evaluate --pilot NAME``
prints the indicators and the tests in plain Dutch (``--json``: everything as JSON; ``--export
PATH``: also write .csv, .xlsx or .pdf). Errors print one line on standard error: exit status 2
for a bad pilots.toml or an unknown pilot, 1 when the work itself fails.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

from briefing.evaluation.config import PilotConfig, PilotConfigError, check_codes, load_pilots
from briefing.evaluation.explain import NIET_INGEVULD, nl_number
from briefing.evaluation.report import PilotReport, evaluate_pilot
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
    from vis.areas import gebieden
    from vis.cli import ready_engine
    from vis.evaluation_store import category_groups, grid_of, load_evaluation_data

    config = pilot_config(settings)
    pilot = config.pilot(name)
    engine = ready_engine(settings)
    try:
        with engine.connect() as conn:
            start = min(pilot.baseline.start, pilot.pilot.end - dt.timedelta(days=400))
            data = load_evaluation_data(conn, settings, start, pilot.pilot.end)
    finally:
        engine.dispose()
    if data.areas.empty:
        from vis.cli import CommandError

        raise CommandError("geen wijken in de database: voer eerst 'vis init' uit")
    check_codes(config, data.areas["code"], set(gebieden(settings).values()))
    return evaluate_pilot(pilot, data, category_groups(settings), config, grid_of(settings))


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
        "Indicatoren (per 1.000 inwoners per jaar, tenzij anders vermeld):",
    ]
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


def register(subparsers: Any, common_parent: argparse.ArgumentParser) -> None:
    """Add `vis evaluate` to the `vis` subcommands."""
    p = subparsers.add_parser(
        "evaluate", parents=[common_parent], help="statistiek van een pilotevaluatie"
    )
    which = p.add_mutually_exclusive_group()
    which.add_argument("--pilot", metavar="NAAM", help="de pilot uit config/pilots.toml")
    which.add_argument("--list", action="store_true", help="de geconfigureerde pilots")
    p.add_argument("--json", action="store_true", help="alles als JSON")
    p.add_argument("--export", metavar="PAD", help="ook wegschrijven als .csv, .xlsx of .pdf")
    p.set_defaults(func=cmd_evaluate)

"""`vis evaluate`: the pilot-evaluation statistics on the command line.

``vis evaluate --list`` prints the configured pilots, one name a line; ``vis evaluate --pilot NAME``
prints the indicators and the tests in plain Dutch (``--json``: everything as JSON; ``--export
PATH``: also write .csv, .xlsx or .pdf). The output is stored; while the code, the
configuration and the data are unchanged the next ``--pilot`` prints the stored output and says so
on standard error (``--recompute`` computes afresh; ``--export`` always does).
``vis evaluate --area-scans`` prints the area scan
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

from briefing.evaluation.explain import nl_number
from vis.reports.evaluation_text import num, render

if TYPE_CHECKING:
    from briefing.evaluation.areascan import AreaScan
    from vis.settings import Settings

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def scan_dict(scan: AreaScan) -> dict[str, Any]:
    """One area scan as JSON-ready values."""
    from briefing.evaluation.report import jsonable

    result: dict[str, Any] = jsonable({
        "gebied": scan.gebied, "inwoners": scan.inhabitants, "wijken": list(scan.wijken),
        "laatste_jaar": [scan.last_year.start, scan.last_year.end],
        "per_1000": scan.rates.to_dict(orient="records"),
        "verandering": scan.change.to_dict(orient="records"),
        "trend": scan.trend.to_dict(orient="records"),
        "hotspots": scan.hotspots.to_dict(orient="records"),
    })  # fmt: skip
    return result


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
                f"{num(r['gebied_per_1000'])}  stad {num(r['stad_per_1000'])}"
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


def cmd_evaluate(settings: Settings, args: argparse.Namespace) -> int:
    # the error class from the file model (pydantic only): a stored output needs no pandas
    from briefing.evaluation.pilots_file import PilotConfigError
    from vis.services.evaluation_results import evaluation_output

    try:
        if args.area_scans:
            return _cmd_scans(settings, args)
        if args.list:
            from vis.services.evaluation import pilot_config

            for name in pilot_config(settings).names():
                print(name)
            return EXIT_OK
        if not args.pilot:
            print("vis: geef --pilot NAAM of --list", file=sys.stderr)
            return EXIT_USAGE
        recompute = bool(args.recompute or args.export)  # an export needs the report itself
        output = evaluation_output(settings, args.pilot, render, recompute=recompute)
    except PilotConfigError as exc:
        print(f"vis: {' '.join(str(exc).split())}", file=sys.stderr)
        return EXIT_USAGE
    if output.stored:
        print(f"vis: {_stored_note(settings, output.computed_at, output.seconds)}", file=sys.stderr)
    if args.export and output.report is not None:
        from vis.reports.evaluation_export import ExportError, export_report

        try:
            written = export_report(output.report, Path(args.export))
        except ExportError as exc:
            print(f"vis: {exc}", file=sys.stderr)
            return EXIT_FAILED
        print(f"geëxporteerd naar {written}", file=sys.stderr)
    print(output.json if args.json else output.text)
    return EXIT_OK


def _stored_note(settings: Settings, computed_at: dt.datetime, seconds: float) -> str:
    from zoneinfo import ZoneInfo

    local = computed_at.astimezone(ZoneInfo(settings.schedule.timezone))
    return (
        f"opgeslagen resultaat, berekend op {local:%d-%m-%Y %H:%M:%S} in "
        f"{nl_number(seconds, 1)} s; gegevens, configuratie en code zijn sindsdien niet "
        "veranderd (--recompute rekent opnieuw)"
    )


def _cmd_scans(settings: Settings, args: argparse.Namespace) -> int:
    from vis.services.evaluation import run_area_scans

    as_of, scans = run_area_scans(settings)
    if args.export:
        from vis.reports.evaluation_export import ExportError, export_area_scans

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
    p.add_argument(
        "--recompute",
        action="store_true",
        help="opnieuw berekenen, ook als er een opgeslagen resultaat is",
    )
    p.set_defaults(func=cmd_evaluate)

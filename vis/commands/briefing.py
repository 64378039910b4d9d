"""`vis briefing` and `vis backtest`: the hotspot rules on the database.

The rules themselves are pure (``briefing/``); this module reads the configuration and the rules
file, loads the incidents known before the cut-off, and stores or shows snapshots. Errors print one
line on standard error and give exit status 1 (2 for a bad rules file).
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt
from sqlalchemy import Engine

from briefing.aoristic import shift_window
from briefing.backtest import METHOD_LABELS, run_backtest
from briefing.compose import BriefingContext, build_briefing
from briefing.grid import Frame
from briefing.history import History, prepare
from briefing.params import Rules, RulesError, ShiftDef, load_rules, rules_version
from briefing.render import render_html, render_text
from vis.briefing_store import load_incidents, read_briefing, store_briefing
from vis.geo import AreaFileError, Grid
from vis.settings import Settings

RULES_FILE = "rules.toml"


class BriefingCommandError(RuntimeError):
    """The command cannot do its work; the message is the one line for the operator."""


@dataclass(frozen=True)
class RulesSetup:
    rules: Rules
    version: str
    shifts: tuple[ShiftDef, ...]
    grid: Grid


def rules_setup(settings: Settings) -> RulesSetup:
    """The validated rules, their version, the shifts and the grid of this configuration."""
    path = settings.resolve(RULES_FILE)
    shifts = tuple(
        ShiftDef(
            s.name, s.label or s.name, dt.time.fromisoformat(s.start), dt.time.fromisoformat(s.end)
        )
        for s in settings.shifts
    )
    rules = load_rules(
        path,
        categories={c.key for c in settings.categories} or None,
        shifts={s.name for s in shifts},
    )
    grid = Grid(settings.geo.cell_size_m, settings.geo.grid_origin_x, settings.geo.grid_origin_y)
    return RulesSetup(rules, rules_version(path.read_bytes()), shifts, grid)


def _study(settings: Settings, frame: Frame) -> tuple[npt.NDArray[np.bool_] | None, dict[str, str]]:
    """Cells whose centre lies in the municipality's areas, and the area names."""
    from ingest.runner import load_areas

    try:
        index = load_areas(settings)
    except AreaFileError:
        return None, {}
    names = {a.code: a.name for a in index.areas}
    own = index.of_municipality(settings.municipality.code)
    if not own:
        return None, names
    mine = {index.areas.index(a) for a in own}
    x, y = frame.centres(np.arange(frame.size))
    located = index.locate(x, y)
    return np.isin(located, list(mine)), names


def _history(
    settings: Settings, engine: Engine, setup: RulesSetup, until: dt.datetime, since: dt.datetime
) -> History:
    with engine.connect() as conn:
        frame = load_incidents(conn, known_before=until, known_since=since)
    return prepare(
        frame,
        grid=setup.grid,
        shifts=setup.shifts,
        timezone=settings.schedule.timezone,
        rules=setup.rules,
    )


def _windows(
    settings: Settings, setup: RulesSetup, first: dt.date, last: dt.date
) -> tuple[dt.datetime, dt.datetime]:
    """The Kennisname range a run needs: enough history before the first cut-off."""
    r = setup.rules
    starts = [
        shift_window(d, s, settings.schedule.timezone)[0]
        for d in (first, last)
        for s in setup.shifts
    ]
    back = max(r.scoring.long_term_days, r.briefing.average_days, 1) + 1
    return min(starts) - dt.timedelta(days=back), max(starts)


def build_briefings(
    settings: Settings,
    engine: Engine,
    day: dt.date,
    shift_names: Sequence[str] | None = None,
    *,
    created_by: str = "vis",
) -> list[dict[str, Any]]:
    """Build and store the briefings of ``day`` (every shift, or the named ones); new versions."""
    names = list(shift_names or [s.name for s in settings.shifts])
    return build_briefing_days(settings, engine, {day: names}, created_by=created_by)


def build_briefing_days(
    settings: Settings,
    engine: Engine,
    wanted: Mapping[dt.date, Sequence[str]],
    *,
    created_by: str = "vis",
) -> list[dict[str, Any]]:
    """Build and store the named shifts' briefings of several days, from one read of the history.

    Each briefing still counts only what was known before its own shift started (the rules cut
    the history at the shift's start), so this is the same as one :func:`build_briefings` per day.
    """
    days = sorted(d for d, names in wanted.items() if names)
    if not days:
        return []
    setup = rules_setup(settings)
    since, until = _windows(settings, setup, days[0], days[-1])
    h = _history(settings, engine, setup, until, since)
    study, area_names = _study(settings, h.frame)
    ctx = BriefingContext(
        municipality=settings.municipality.code,
        rules_version=setup.version,
        crs=settings.geo.crs,
        labels={c.key: c.label for c in settings.categories},
        area_names=area_names,
        study=study,
    )
    out = []
    for day in days:
        for name in wanted[day]:
            content = build_briefing(h, setup.rules, day, name, ctx)
            content["version"] = store_briefing(engine, content, created_by=created_by)
            out.append(content)
    return out


def _local(iso: str | None) -> str:
    if not iso:
        return "-"
    when = dt.datetime.fromisoformat(iso).astimezone(ZoneInfo("Europe/Amsterdam"))
    return f"{when:%d-%m-%Y %H:%M}"


def briefing_pdf_bytes(contents: list[dict[str, Any]]) -> bytes:
    """The briefings (contract JSON) as one printable PDF; street, time and category only."""
    from vis.pages.pdf import PdfBriefing, briefings_pdf

    items = []
    for c in contents:
        since = c.get("since_last") or {}
        items.append(
            PdfBriefing(
                title=f"Briefing {c['date']}: {c.get('shift_label') or c['shift']}",
                meta=f"Dienst {_local(c['window']['start'])} tot {_local(c['window']['end'])}; "
                f"regels {c['rules_version'][:12]}",
                freshness=f"Gegevens tot {_local(c.get('data_until'))}",
                kpis=[
                    (cat["label"], f"{cat['count']} (gem. {cat['average']:.1f} per dag)")
                    for cat in since.get("categories", [])
                    if not cat.get("excluded")
                ],
                priorities=[
                    (
                        f"{h['rank']}. {', '.join(h.get('streets') or []) or h['id']}",
                        list(h.get("reasons") or []),
                        list(h.get("actions") or []),
                    )
                    for h in c.get("hotspots", [])
                ],
                incidents=[
                    (
                        str(n.get("time") or "-"),
                        str(n.get("street") or "-"),
                        str(n.get("label") or n.get("category") or "-")
                        + (", aanhouding" if n.get("arrest") else ""),
                    )
                    for n in since.get("notable", [])
                ],
                headings={
                    "kpi": "Sinds de vorige briefing (24 uur, tegen het 28-daags gemiddelde)",
                    "priorities": "Prioriteiten",
                    "incidents": "Opvallende incidenten",
                },
                credit="Gebiedsgrenzen: Bron: CBS",
            )
        )
    return briefings_pdf(items)


def _output(contents: list[dict[str, Any]], fmt: str, single: bool) -> None:
    if fmt == "json":
        print(json.dumps(contents[0] if single else contents, ensure_ascii=False, indent=2))
    elif fmt == "html":
        print(render_html(contents))
    elif fmt == "pdf":
        if sys.stdout.isatty():
            raise BriefingCommandError("PDF is binair: stuur de uitvoer naar een bestand (> b.pdf)")
        sys.stdout.buffer.write(briefing_pdf_bytes(contents))
        sys.stdout.flush()
    else:
        print("\n\n".join(render_text(c) for c in contents))


def cmd_briefing(settings: Settings, args: argparse.Namespace) -> int:
    from vis.cli import CommandError, ready_engine

    try:
        setup = rules_setup(settings)
        names = [s.name for s in setup.shifts]
        if args.shift and args.shift not in names:
            raise BriefingCommandError(
                f"onbekende dienst {args.shift!r}; kies uit {', '.join(names)}"
            )
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
                    raise BriefingCommandError(
                        f"geen briefing {args.date} {name} versie {args.version}"
                    )
                contents.append(stored or {})
                if stored is None:
                    to_build.append(name)
            if to_build:
                built = iter(
                    build_briefings(settings, engine, args.date, to_build, created_by=_user())
                )
                contents = [c or next(built) for c in contents]
        finally:
            engine.dispose()
        _output(contents, args.format, single=bool(args.shift))
    except (BriefingCommandError, RulesError, CommandError) as exc:
        print(f"vis: {exc}", file=sys.stderr)
        return 2 if isinstance(exc, RulesError) else 1
    return 0


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "vis"


def backtest_report(
    settings: Settings, engine: Engine, first: dt.date, last: dt.date
) -> dict[str, Any]:
    setup = rules_setup(settings)
    since, until = _windows(settings, setup, first, last)
    horizon = dt.timedelta(days=setup.rules.backtest.horizon_days + 1)
    h = _history(settings, engine, setup, until + horizon, since)
    study, _ = _study(settings, h.frame)
    if study is None:
        study = np.zeros(h.frame.size, dtype=bool)
        study[np.unique(h.cell[h.usable])] = True
    days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    results = run_backtest(h, setup.rules, days, study)
    return {
        "from": first.isoformat(),
        "to": last.isoformat(),
        "rules_version": setup.version,
        "top_n": setup.rules.selection.top_n,
        "horizon_days": setup.rules.backtest.horizon_days,
        "methods": [r.as_dict() for r in results],
    }


def format_backtest(report: dict[str, Any]) -> str:
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
    return "\n".join(lines)


def cmd_backtest(settings: Settings, args: argparse.Namespace) -> int:
    from vis.cli import CommandError, ready_engine

    try:
        if args.to < args.from_:
            raise BriefingCommandError("--to ligt voor --from")
        engine = ready_engine(settings)
        try:
            report = backtest_report(settings, engine, args.from_, args.to)
        finally:
            engine.dispose()
    except (BriefingCommandError, RulesError, CommandError) as exc:
        print(f"vis: {exc}", file=sys.stderr)
        return 2 if isinstance(exc, RulesError) else 1
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print(format_backtest(report))
    return 0


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add `vis briefing` and `vis backtest` to the `vis` parser's subcommands."""
    from vis.cli import _date

    p = sub.add_parser("briefing", parents=[common], help="briefing per dienst bouwen of tonen")
    p.add_argument("--date", type=_date, required=True, help="dag (jjjj-mm-dd)")
    p.add_argument("--shift", help="alleen deze dienst (standaard: alle diensten van de dag)")
    p.add_argument("--format", choices=["text", "json", "html", "pdf"], default="text")
    p.add_argument("--rebuild", action="store_true", help="opnieuw bouwen: een nieuwe versie")
    p.add_argument("--version", type=int, help="een eerder opgeslagen versie tonen")
    p.set_defaults(func=cmd_briefing)

    p = sub.add_parser("backtest", parents=[common], help="de hotspotregels toetsen op historie")
    p.add_argument("--from", dest="from_", type=_date, required=True, help="eerste dag")
    p.add_argument("--to", type=_date, required=True, help="laatste dag (inclusief)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_backtest)

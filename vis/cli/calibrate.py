"""`vis calibrate [--until D] [--json]`: calibrate the hotspot rules on the municipality's own
history (:mod:`briefing.calibrate`, :mod:`vis.services.calibration`) and store the result as
the next version, which briefings then use. Errors print one line on standard error: exit
status 2 for a bad rules file, 1 when there is too little history."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from vis.cli.briefing import rules_errors
from vis.cli.common import EXIT_USAGE, failing_on, login_name, parse_date, progress_bar

if TYPE_CHECKING:
    from vis.services.calibration_store import StoredCalibration
    from vis.settings import Settings

#: The outcome in one line, per reason (:data:`briefing.calibrate.Reason`).
REASONS = {
    "won_validation": "gekalibreerd: de beste waarden verslaan rules.toml ook op de "
    "validatieperiode, die de keuze niet zag",
    "defaults_best": "standaard behouden: de waarden van rules.toml waren al de beste",
    "lost_validation": "standaard behouden: de beste waarden verslaan rules.toml niet op de "
    "validatieperiode",
    "not_measurable": "standaard behouden: op de validatieperiode ving de telling niets, "
    "dus valt niets te vergelijken",
}
LABELS = {
    "long_term_half_life_days": "halveringstijd lange termijn (dagen)",
    "near_repeat_weight": "gewicht near repeat",
    "cell_profile_prior": "prior eigen uren (incidenten)",
}


def _ratio(value: Any) -> str:
    return f"{value:.3f}" if isinstance(value, int | float) else "–"


def format_calibration(stored: StoredCalibration) -> str:
    """The stored calibration as Dutch text."""
    r = stored.report
    tun, val = r["tuning"], r["validation"]
    lines = [
        f"Kalibratie versie {stored.version} van {stored.municipality}, historie tot en met "
        f"{stored.until:%d-%m-%Y}",
        f"Uitkomst: {REASONS.get(stored.reason, stored.reason)}.",
        f"Afstemming: {tun['origins']} briefingdagen {tun['first_origin']} t/m "
        f"{tun['last_origin']} (elke dienst), {tun['targets']} doelen; validatie: "
        f"{val['origins']} briefingdagen {val['first_origin']} t/m {val['last_origin']}, "
        f"{val['targets']} doelen.",
        "Maat: treffers van de hotspots / treffers van de telling van 365 dagen op dezelfde "
        "oppervlakte en hetzelfde rooster.",
        "",
        f"{'parameter':38s} {'rules.toml':>10s} {'beste':>8s} {'gebruikt':>9s}",
    ]
    used = stored.params.as_dict()
    for key, label in LABELS.items():
        lines.append(f"{label:38s} {r['defaults'][key]:10g} {r['best'][key]:8g} {used[key]:9g}")
    lines += [
        "",
        f"{'':38s} {'afstemming':>10s} {'validatie':>10s}",
        f"{'rules.toml':38s} {_ratio(_tuning_ratio(r, r['defaults'])):>10s} "
        f"{_ratio(val['defaults']['ratio']):>10s}",
        f"{'beste':38s} {_ratio(_tuning_ratio(r, r['best'])):>10s} "
        f"{_ratio(val['best']['ratio']):>10s}",
    ]
    return "\n".join(lines)


def _tuning_ratio(report: dict[str, Any], params: dict[str, float]) -> Any:
    for row in report["tuning"]["candidates"]:
        if row["params"] == params:
            return row["ratio"]
    return None


@failing_on(rules_errors, status=EXIT_USAGE)
def cmd_calibrate(settings: Settings, args: argparse.Namespace) -> int:
    from vis.services.calibration import run_calibration
    from vis.services.engines import ready_engine

    engine = ready_engine(settings)
    update, close = progress_bar("kalibreren")
    try:
        stored = run_calibration(
            settings, engine, args.until, created_by=login_name() or "vis", progress=update
        )
    finally:
        close()
        engine.dispose()
    if args.json:
        print(json.dumps(stored.as_dict(), ensure_ascii=False, indent=2))
    else:
        print(format_calibration(stored))
    return 0


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add `vis calibrate` to the `vis` parser's subcommands."""
    p = sub.add_parser(
        "calibrate", parents=[common], help="de hotspotregels afstemmen op de eigen historie"
    )
    p.add_argument(
        "--until",
        type=parse_date,
        help="laatste dag van de historie (jjjj-mm-dd; standaard: gisteren)",
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_calibrate)

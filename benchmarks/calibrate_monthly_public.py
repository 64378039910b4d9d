"""VIS as it runs: the shipped rules re-calibrated every month, on real data.

`vis schedule` re-runs `vis calibrate` on the 1st of every month (``schedule.calibrate_monthly``),
with the history up to the day before, and every briefing of that month uses the result: the
calibrated parameters when they also won their own validation window, else `rules.toml`'s. This
benchmark replays that on the public data (see ``public_data.py`` for the data sets, their
licences and the conversion). For every month that holds a briefing day of the period it runs
:func:`briefing.calibrate.calibrate` with :class:`~briefing.calibration_params.Plan`'s shipped
windows up to the last day of the previous month; a month whose calibration is refused (too
little history) keeps the previous month's choice, as the stored calibration stays active in
production. Then :func:`briefing.equal_area.run_equal_area` scores, in one run, the shipped rules
unchanged and the rules of each briefing's month, against the naive 365-day count at equal area::

    python benchmarks/calibrate_monthly_public.py [--areas scarborough downtown chicago]
        [--periods tune held-out] [--every 28] [--workers 2]

Nothing after a calibration's cut-off is read by it, so the held-out period stays held out: the
calibration's windows and grid were fixed before this benchmark existed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import math
import os
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))

from public_data import AREAS, ROOT, PublicData, load_public

from briefing.calibrate import CalibrationError, calibrate
from briefing.calibration_params import Candidate, Plan
from briefing.equal_area import (
    COARSE_M,
    SHARES,
    Chooser,
    VisChoice,
    lattice,
    run_equal_area,
    step_days,
    vis_chooser,
)
from briefing.params import Rules, load_rules


@functools.cache
def _data(area: str, cache: Path) -> PublicData:
    """The area's data, loaded once per process (the workers fork with it loaded)."""
    return load_public(load_rules(ROOT / "config" / "rules.toml"), area=area, cache=cache)


def month_starts(days: Sequence[dt.date]) -> list[dt.date]:
    """The first day of every month that holds one of ``days``, oldest first."""
    return sorted({d.replace(day=1) for d in days})


def month_of(cutoff_s: int, timezone: str) -> dt.date:
    """The first day of the local month in which the moment ``cutoff_s`` (a shift's start) lies."""
    return dt.datetime.fromtimestamp(cutoff_s, ZoneInfo(timezone)).date().replace(day=1)


def _calibrate(area: str, cache: Path, month: dt.date) -> tuple[dt.date, dict[str, Any]]:
    """The calibration run on the 1st of ``month`` (history up to the day before): its outcome
    (``calibrated``, ``defaults`` or ``refused``) and, unless refused, the values chosen."""
    data = _data(area, cache)
    shipped = load_rules(ROOT / "config" / "rules.toml")
    try:
        result = calibrate(data.history, shipped, Plan(month - dt.timedelta(days=1)), data.study)
    except CalibrationError as e:
        return month, {"outcome": "refused", "reason": str(e)}
    r = result.as_dict()
    return month, {"outcome": r["outcome"], "reason": r["reason"], "chosen": r["chosen"]}


def monthly_chooser(
    data: PublicData, rules_of_month: dict[dt.date, Rules], depth: int, timezone: str
) -> Chooser:
    """VIS on the production path with the rules of the month the shift starts in."""
    h = data.history
    per_month = {m: vis_chooser(h, r, data.study, depth) for m, r in rules_of_month.items()}

    def choose(cutoff_s: int, shift: int, weekday: int) -> VisChoice:
        return per_month[month_of(cutoff_s, timezone)](cutoff_s, shift, weekday)

    return choose


def _cells(report: dict[str, Any]) -> str:
    head = report["hotspot_area"]

    def ci(key: str) -> str:
        r = head["ratios"][key]
        lo, hi = r["ratio_ci95"] or (math.nan, math.nan)
        ratio = "–" if r["ratio"] is None else f"{r['ratio']:.2f}"
        return f"{ratio} ({lo:.2f}–{hi:.2f})"

    share = report["shares"][1]["ratios"]
    one = " / ".join(
        "–" if share[k]["ratio"] is None else f"{share[k]['ratio']:.2f}"
        for k in ("vis_vs_naive_365d_125m", "vis_vs_naive_365d_fine")
    )
    hits = head["methods"]["vis"]["hits"]
    return f"{hits:.0f} | {ci('vis_vs_naive_365d_125m')} | {ci('vis_vs_naive_365d_fine')} | {one}"


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--areas", nargs="+", choices=sorted(AREAS), default=["scarborough", "downtown"])
    p.add_argument("--periods", nargs="+", choices=["tune", "held-out"], default=["held-out"])
    p.add_argument("--every", type=int, help="default: 28 in Toronto, 1 in Chicago")
    p.add_argument("--workers", type=int, default=2, help="processes for the calibrations")
    p.add_argument("--cache", type=Path, default=ROOT / "var" / "public-data")
    args = p.parse_args(argv)
    shipped = load_rules(ROOT / "config" / "rules.toml")
    print(
        "| area | period | rules | months calibrated / kept defaults / refused | VIS hits "
        "| × naive 125 m (95 % CI) | × naive fine (95 % CI) | 1 % share: × 125 m / × fine |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for area in args.areas:
        spec = AREAS[area]
        every = args.every or (28 if spec.dataset == "toronto" else 1)
        data = _data(area, args.cache)
        h = data.history
        for kind in args.periods:
            period = spec.tune if kind == "tune" else spec.held_out
            days = step_days(*period, every)
            months = month_starts(days)
            t0 = time.perf_counter()
            with ProcessPoolExecutor(args.workers) as pool:
                runs = dict(
                    pool.map(_calibrate, [area] * len(months), [args.cache] * len(months), months)
                )
            t1 = time.perf_counter()
            rules_of_month: dict[dt.date, Rules] = {}
            current, counts = shipped, {"calibrated": 0, "defaults": 0, "refused": 0}
            for month in months:
                run = runs[month]
                counts[run["outcome"]] += 1
                if run["outcome"] != "refused":  # a refused run leaves the last choice active
                    current = Candidate.from_dict(run["chosen"]).apply(shipped)
                rules_of_month[month] = current
                print(
                    f"  {area} {month:%Y-%m}: {run['outcome']} ({run['reason']}) "
                    f"{run.get('chosen', '')}",
                    file=sys.stderr,
                )
            coarse = lattice(h, data.study, COARSE_M)
            depth = math.ceil(
                max(SHARES) * coarse.study.sum() * coarse.cell_area / h.frame.grid.size**2
            )
            depth = max(depth + 1, shipped.selection.top_n)
            monthly = monthly_chooser(data, rules_of_month, depth, h.timezone)
            label = f"{kind} {period[0]:%Y-%m}–{period[1]:%Y-%m}"
            tally = f"{counts['calibrated']} / {counts['defaults']} / {counts['refused']}"
            for name, chooser in (("rules.toml", None), ("monthly calibration", monthly)):
                report = run_equal_area(h, shipped, days, data.study, chooser=chooser)
                months_col = tally if chooser else "–"
                print(
                    f"| {area} | {label} | {name} | {months_col} | {_cells(report)} |", flush=True
                )
            one, five, _ = os.getloadavg()
            print(
                f"  {area} {kind}: {len(months)} calibrations in {t1 - t0:.0f} s with "
                f"{args.workers} processes (load {one:.1f}/{five:.1f} on {os.cpu_count()} cores)",
                file=sys.stderr,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

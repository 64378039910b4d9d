"""Does self-calibration carry over on real data? `vis calibrate`'s search on Toronto and Chicago.

For every study area (see ``public_data.py`` for the data sets, their licences and the
conversion), :func:`briefing.calibrate.calibrate` runs on the history up to ``--until`` (default:
the end of the area's tuning period, 2018-12-31 in Toronto and 2023-06-30 in Chicago; tuning
window the 364 days before the last 91, validation window the last 91), as `vis calibrate` would.
Then the equal-area measure (:func:`briefing.equal_area.run_equal_area`)
scores the shipped rules and the calibrated ones on the area's held-out period after it, which the
calibration never saw (a briefing every ``--every`` days, every shift; default 28 in Toronto and
every day in Chicago, whose hits are few)::

    python benchmarks/calibrate_public.py [--areas scarborough downtown chicago] [--every 28]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from public_data import AREAS, ROOT, load_public

from briefing.calibrate import calibrate
from briefing.calibration_params import Plan
from briefing.equal_area import run_equal_area, step_days
from briefing.params import load_rules


def _row(report: dict[str, Any]) -> str:
    head = report["hotspot_area"]
    hits = head["methods"]["vis"]["hits"]
    fine = head["ratios"]["vis_vs_naive_365d_fine"]
    coarse = head["ratios"]["vis_vs_naive_365d_125m"]

    def ci(r: dict[str, Any]) -> str:
        lo, hi = r["ratio_ci95"] or (float("nan"), float("nan"))
        return f"{r['ratio']:.2f} ({lo:.2f}–{hi:.2f})"

    return f"{hits:.0f} | {ci(coarse)} | {ci(fine)}"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--areas", nargs="+", choices=sorted(AREAS), default=["scarborough", "downtown"])
    p.add_argument("--until", type=dt.date.fromisoformat, help="default: the tuning period's end")
    p.add_argument("--every", type=int, help="default: 28 in Toronto, 1 in Chicago")
    p.add_argument("--cache", type=Path, default=ROOT / "var" / "public-data")
    args = p.parse_args()
    shipped = load_rules(ROOT / "config" / "rules.toml")
    lines = [
        "| area | outcome (reason) | best on tuning | tuning × naive fine: rules.toml / best | "
        "validation: rules.toml / best | held-out rules | VIS hits | × naive 125 m (95 % CI) "
        "| × naive fine (95 % CI) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for area in args.areas:
        spec = AREAS[area]
        until = args.until or spec.tune[1]
        every = args.every or (28 if spec.dataset == "toronto" else 1)
        days = step_days(*spec.held_out, every)
        data = load_public(shipped, area=area, cache=args.cache)
        t0 = time.perf_counter()
        result = calibrate(data.history, shipped, Plan(until), data.study)
        t1 = time.perf_counter()
        one, five, _ = os.getloadavg()
        print(
            f"{area}: calibrated up to {until} in {t1 - t0:.0f} s "
            f"(load {one:.1f}/{five:.1f} on {os.cpu_count()} cores)",
            file=sys.stderr,
        )
        r = result.as_dict()
        tuning = {tuple(c["params"].values()): c["ratio"] for c in r["tuning"]["candidates"]}
        tun = (
            f"{tuning[tuple(r['defaults'].values())]:.3f} / {tuning[tuple(r['best'].values())]:.3f}"
        )
        val = f"{r['validation']['defaults']['ratio']:.3f} / {r['validation']['best']['ratio']:.3f}"
        best = "/".join(f"{v:g}" for v in r["best"].values())
        for label, rules in (("rules.toml", shipped), ("best", result.best.apply(shipped))):
            report = run_equal_area(data.history, rules, days, data.study)
            lines.append(
                f"| {area} | {r['outcome']} ({r['reason']}) | {best} | {tun} | {val} | "
                f"{label} | {_row(report)} |"
            )
            print(lines[-1], file=sys.stderr)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

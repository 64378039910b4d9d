"""Which rule components earn their place: the equal-area measure on real data, per variant.

Each variant is the shipped ``config/rules.toml`` with one component changed (or the old rules).
For every study area (see ``public_data.py`` for the data sets, their licences and the
conversion: Toronto's two areas and Chicago), it runs :func:`briefing.equal_area.run_equal_area`
on the production path (``score_cells`` and ``select_cells``) over a tuning period and over a
later held-out period that the choice of defaults never looked at, and prints VIS's hits against
the naive 365-day count at equal area on 125 m cells and on VIS's own lattice, with the paired
bootstrap interval::

    python benchmarks/tune_public.py [--every 14] [--areas scarborough downtown chicago] [--json]

The periods are the area's own (:data:`public_data.AREAS`): Toronto tunes on 2017–18 and holds
out 2019–21; Chicago (two years of data, the first only history) tunes on the first half of 2023
and holds out the second.
"""

from __future__ import annotations

import argparse
import dataclasses as dc
import datetime as dt
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from public_data import AREAS, ROOT, load_public

from briefing.equal_area import run_equal_area, step_days
from briefing.params import Rules, load_rules


def variants(shipped: Rules) -> dict[str, Rules]:
    s, sel = shipped.scoring, shipped.selection

    def scoring(**kw: Any) -> Rules:
        return dc.replace(shipped, scoring=dc.replace(s, **kw))

    coarse = dc.replace(
        shipped,
        scoring=dc.replace(s, cell_size_m=125.0),
        selection=dc.replace(sel, top_n=10, max_cells_per_hotspot=4),
    )
    old = dc.replace(
        coarse,
        scoring=dc.replace(
            coarse.scoring,
            long_term_days=365,
            long_term_half_life_days=0.0,
            cell_profile=False,
            profile_shrinkage=0.1,
            recent_share=0.25,
        ),
    )
    return {
        "shipped": shipped,
        "without this cell's own hours": scoring(cell_profile=False),
        "365 days, no decay": scoring(long_term_days=365, long_term_half_life_days=0.0),
        "recent activity 0.25": scoring(recent_share=0.25),
        "no neighbour smoothing": scoring(neighbour_weight=0.0),
        "near repeat off": dc.replace(
            shipped, near_repeat=dc.replace(shipped.near_repeat, weight=0.0)
        ),
        "lean: no smoothing, no near repeat": dc.replace(
            scoring(neighbour_weight=0.0),
            near_repeat=dc.replace(shipped.near_repeat, weight=0.0),
        ),
        "no cell hours, no smoothing": scoring(cell_profile=False, neighbour_weight=0.0),
        "half-life 180 days, no smoothing": scoring(
            long_term_half_life_days=180.0, neighbour_weight=0.0
        ),
        "neighbour smoothing 0.25": scoring(neighbour_weight=0.25),
        "plain smoothing (not adaptive)": scoring(adaptive_smoothing=False),
        "half-life 180 days": scoring(long_term_half_life_days=180.0),
        "half-life 730 days": scoring(long_term_half_life_days=730.0),
        "cell hours prior 5": scoring(cell_profile_prior=5.0),
        "cell hours prior 30": scoring(cell_profile_prior=30.0),
        "cell hours prior 40": scoring(cell_profile_prior=40.0),
        "cell hours prior 60": scoring(cell_profile_prior=60.0),
        "flat weekdays": scoring(weekday_pseudocount=1e9),
        "min evidence 2": dc.replace(shipped, selection=dc.replace(sel, min_evidence=2)),
        "min evidence 5": dc.replace(shipped, selection=dc.replace(sel, min_evidence=5)),
        "shipped on 125 m cells": coarse,
        "old rules (125 m, 365 days, no cell hours)": old,
    }


def measure(rules: Rules, area: str, cache: Path, period: tuple[dt.date, dt.date], every: int):
    data = load_public(rules, area=area, cache=cache)
    days = step_days(period[0], period[1], every)
    return run_equal_area(data.history, rules, days, data.study)


def row(report: dict[str, Any]) -> dict[str, Any]:
    head = report["hotspot_area"]
    r125 = head["ratios"]["vis_vs_naive_365d_125m"]
    rfine = head["ratios"]["vis_vs_naive_365d_fine"]
    return {
        "lattice_m": report["lattice_m"]["vis"],
        "targets": head["targets"],
        "vis_hits": head["methods"]["vis"]["hits"],
        "vis_pai": head["methods"]["vis"]["pai"],
        "area_m2": head["methods"]["vis"]["mean_area_m2"],
        "vs_125m": r125["ratio"],
        "vs_125m_ci": r125["ratio_ci95"],
        "vs_fine": rfine["ratio"],
        "vs_fine_ci": rfine["ratio_ci95"],
        "share_1pct_vs_125m": report["shares"][1]["ratios"]["vis_vs_naive_365d_125m"]["ratio"],
        "share_1pct_vs_fine": report["shares"][1]["ratios"]["vis_vs_naive_365d_fine"]["ratio"],
    }


def _ci(pair: list[float] | None) -> str:
    return f"{pair[0]:.2f}–{pair[1]:.2f}" if pair else "–"


def _x(ratio: float | None) -> str:
    """A ratio of hits, or "–" when the naive count caught nothing (no ratio)."""
    return "–" if ratio is None else f"{ratio:.2f}"


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--every", type=int, default=14, help="a briefing every N days")
    p.add_argument("--areas", nargs="+", choices=sorted(AREAS), default=["scarborough", "downtown"])
    p.add_argument("--only", nargs="*", help="variant names to run (default: all)")
    p.add_argument(
        "--periods", nargs="+", choices=["tune", "held-out"], default=["tune", "held-out"],
        help="choose on the tuning period alone; report held-out only for what was chosen",
    )  # fmt: skip
    p.add_argument("--rules", type=Path, default=ROOT / "config" / "rules.toml")
    p.add_argument("--cache", type=Path, default=ROOT / "var" / "public-data")
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    out: list[dict[str, Any]] = []
    if not args.json:
        print(
            "| variant | area | period | lattice | VIS hits | PAI | × naive 125 m (95 % CI) "
            "| × naive own lattice (95 % CI) | 1 % share: × 125 m / × own |"
        )
        print("|---|---|---|---|---|---|---|---|---|")
    for name, rules in variants(load_rules(args.rules)).items():
        if args.only and name not in args.only:
            continue
        for area in args.areas:
            spec = AREAS[area]
            for kind, period in (("tune", spec.tune), ("held-out", spec.held_out)):
                if kind not in args.periods:
                    continue
                period_name = f"{kind} {period[0]:%Y-%m}–{period[1]:%Y-%m}"
                t0 = time.perf_counter()
                r = row(measure(rules, area, args.cache, period, args.every))
                r.update(variant=name, area=area, period=period_name)
                r["seconds"] = round(time.perf_counter() - t0, 1)
                out.append(r)
                if not args.json:
                    print(
                        f"| {name} | {area} | {period_name} | {r['lattice_m']:g} m "
                        f"| {r['vis_hits']:.0f} | {r['vis_pai']:.0f} "
                        f"| {_x(r['vs_125m'])} ({_ci(r['vs_125m_ci'])}) "
                        f"| {_x(r['vs_fine'])} ({_ci(r['vs_fine_ci'])}) "
                        f"| {_x(r['share_1pct_vs_125m'])} / {_x(r['share_1pct_vs_fine'])} |",
                        flush=True,
                    )
    if args.json:
        print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

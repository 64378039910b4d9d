"""A small sweep of the main rule parameters on the demo data and the public Toronto data.

Each variant changes one parameter of ``config/rules.toml`` (or a few, for a named combination)
and is scored with the project's backtest on every data set: the demo database
(``var/demo.db``, made by ``vis demo --no-serve``; opened read-only) and the Toronto study areas
of :mod:`benchmarks.public_data`. A default should only change when the new value is at least
as good on *every* data set (never tuned to one); the table shows VIS's shift hit rate per data
set, with the naive 365-day count beside it::

    python benchmarks/sweep_rules.py [--every 3] [--only base,smooth0,...]
    python benchmarks/sweep_rules.py --demo-table    # the README's demo table

Periods: the demo from 2016-07-01 to 2017-06-30 (the README's table); Toronto over 2018 (the
README's Toronto table is 2019, so the sweep does not see it).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import create_engine

sys.path.insert(0, str(Path(__file__).resolve().parent))

from public_data import days_between, load_public, markdown_table

from briefing.backtest import run_backtest
from briefing.history import History
from briefing.params import Rules, load_rules
from vis.services.briefings import history_range, load_history, rules_setup, study_cells
from vis.settings import load_settings

ROOT = Path(__file__).resolve().parents[1]
Variant = Callable[[Rules], Rules]
FloatArray = npt.NDArray[np.float64]


def _scoring(**kw: Any) -> Variant:
    return lambda r: dataclasses.replace(r, scoring=dataclasses.replace(r.scoring, **kw))


def _near(**kw: Any) -> Variant:
    return lambda r: dataclasses.replace(r, near_repeat=dataclasses.replace(r.near_repeat, **kw))


def _selection(**kw: Any) -> Variant:
    return lambda r: dataclasses.replace(r, selection=dataclasses.replace(r.selection, **kw))


VARIANTS: dict[str, Variant] = {
    "base": lambda r: r,
    "adaptive": _scoring(adaptive_smoothing=True),
    "plain": _scoring(adaptive_smoothing=False),
    "smooth0": _scoring(neighbour_weight=0.0),
    "smooth0.25": _scoring(neighbour_weight=0.25),
    "smooth1": _scoring(neighbour_weight=1.0),
    "recent0": _scoring(recent_share=0.0),
    "recent0.1": _scoring(recent_share=0.1),
    "recent0.5": _scoring(recent_share=0.5),
    "halflife7": _scoring(recent_half_life_days=7.0),
    "halflife28": _scoring(recent_half_life_days=28.0),
    "shrink0": _scoring(profile_shrinkage=0.0),
    "shrink0.5": _scoring(profile_shrinkage=0.5),
    "weekdayflat": _scoring(weekday_pseudocount=1e9),
    "weekday10": _scoring(weekday_pseudocount=10.0),
    "nr0": _near(weight=0.0),
    "nr0.5": _near(weight=0.5),
    "evidence2": _selection(min_evidence=2),
    "evidence5": _selection(min_evidence=5),
}


def demo_data(rules: Rules, db: Path) -> tuple[History, npt.NDArray[np.bool_], list[dt.date]]:
    """The demo history and study area as ``vis backtest`` builds them (database read-only)."""
    settings = load_settings(ROOT / "config" / "vis.toml")
    setup = dataclasses.replace(rules_setup(settings), rules=rules)
    first, last = dt.date(2016, 7, 1), dt.date(2017, 6, 30)
    since, until = history_range(settings, setup, first, last)
    engine = create_engine(f"sqlite:///file:{db}?mode=ro&uri=true")
    try:
        h = load_history(settings, engine, setup, until + dt.timedelta(days=8), since)
    finally:
        engine.dispose()
    study, _ = study_cells(settings, h.frame)
    if study is None:
        raise SystemExit("the demo areas file is missing")
    return h, study, days_between(first, last)


def with_weights(h: History, rules: Rules) -> History:
    """``h`` with the policy weights of ``rules`` (the only rule input ``prepare`` keeps)."""
    weights = np.array([rules.weight(c or None) for c in h.categories], dtype=float)
    return dataclasses.replace(h, weights=weights)


DataSet = tuple[History, npt.NDArray[np.bool_], list[dt.date]]


def daily_hits(data: DataSet, rules: Rules, method: str = "vis") -> tuple[FloatArray, int]:
    """Shift hits per day (all shifts) and the number of shift targets of the whole run."""
    h, study, days = data
    h = with_weights(h, rules)
    hits, targets = [], 0
    for day in days:
        res = run_backtest(h, rules, [day], study, methods=(method,))[0]
        hits.append(res.shift_hits)
        targets += res.shift_targets
    return np.array(hits, dtype=float), targets


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--every", type=int, default=3, help="score every N-th day")
    p.add_argument("--only", help="comma-separated variant names (default: all)")
    p.add_argument("--rules", type=Path, default=ROOT / "config" / "rules.toml")
    p.add_argument("--db", type=Path, default=ROOT / "var" / "demo.db")
    p.add_argument("--cache", type=Path, default=ROOT / "var" / "public-data")
    p.add_argument(
        "--demo-table", action="store_true", help="only the demo's table: every day, all methods"
    )
    args = p.parse_args(argv)
    base = load_rules(args.rules)
    if args.demo_table:
        t0 = time.perf_counter()
        h, study, days = demo_data(base, args.db)
        results = run_backtest(h, base, days, study)
        print(f"demo {days[0]} to {days[-1]}: {int(study.sum()):,} study cells, "
              f"{results[0].shift_targets:,} shift targets")  # fmt: skip
        print(markdown_table(results))
        print(f"{time.perf_counter() - t0:.1f} s")
        return 0
    names = args.only.split(",") if args.only else list(VARIANTS)
    sets: dict[str, DataSet] = {}
    h, study, days = demo_data(base, args.db)
    sets["demo"] = (h, study, days[:: args.every])
    toronto_days = days_between(dt.date(2018, 1, 1), dt.date(2018, 12, 31), args.every)
    for area in ("scarborough", "downtown"):
        public = load_public(base, area=area, cache=args.cache)
        sets[f"toronto-{area}"] = (public.history, public.study, toronto_days)
    print("shift hit rate of VIS per variant; in brackets the change in hits against 'base' and")
    print("twice its standard error (paired by day): a change within it is noise")
    print(f"{'variant':14s} " + " ".join(f"{s:>30s}" for s in sets))
    ref = {label: daily_hits(data, base) for label, data in sets.items()}
    for method in ("naive_365d", "naive_28d"):
        cells = [f"{100 * daily_hits(d, base, method)[0].sum() / ref[k][1]:29.2f}%" for k, d in
                 sets.items()]  # fmt: skip
        print(f"{method:14s} " + " ".join(cells))
    for name in names:
        rules = VARIANTS[name](base)
        t0 = time.perf_counter()
        cells = []
        for label, data in sets.items():
            hits, targets = daily_hits(data, rules) if name != "base" else ref[label]
            diff = hits - ref[label][0]
            se = float(np.sqrt(diff.size * diff.var(ddof=1))) if diff.size > 1 else 0.0
            text = f"{100 * hits.sum() / targets:.2f}% ({diff.sum():+.0f} ±{2 * se:.0f})"
            cells.append(f"{text:>30s}")
        print(f"{name:14s} " + " ".join(cells) + f"  {time.perf_counter() - t0:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

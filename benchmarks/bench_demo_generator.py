"""How long the demo-feed generator takes: the live demo's span (``--live``: three calendar years
up to this year's end, as `vis demo` draws them) or the default period (2015-01-01 to 2017-06-30).

Run from the project root:

    .venv/bin/python benchmarks/bench_demo_generator.py [--repeat 3] [--live] [--config ...]

Prints, per step, the number of rows and the best wall-clock time of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sized

from vis.demo import (
    DemoParams,
    cbs_monthly,
    generate_bad_rows,
    generate_incidents,
    generate_updates,
)
from vis.demo.feed import local_today
from vis.demo.live import live_params
from vis.geo import AreaIndex
from vis.settings import load_settings


def _best(repeat: int, step: Callable[[], Sized]) -> tuple[float, int]:
    times = []
    rows = 0
    for _ in range(repeat):
        started = time.perf_counter()
        rows = len(step())
        times.append(time.perf_counter() - started)
    return min(times), rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--config", default=None)
    parser.add_argument("--seed", type=int, default=DemoParams().seed)
    parser.add_argument("--live", action="store_true", help="the live demo's span (vis demo)")
    args = parser.parse_args(argv)

    settings = load_settings(args.config)
    geo = settings.geo
    started = time.perf_counter()
    index = AreaIndex.from_geojson(
        settings.resolve(geo.areas_file),
        code_property=geo.area_code_property,
        name_property=geo.area_name_property,
        municipality_property=geo.area_municipality_property,
        population_property=geo.area_population_property,
    )
    areas = index.of_municipality(settings.municipality.code)
    print(f"areas: {len(areas)} wijken loaded in {time.perf_counter() - started:.3f} s")

    params = live_params(local_today(), seed=args.seed) if args.live else DemoParams(seed=args.seed)
    incidents = generate_incidents(params, areas)
    steps: list[tuple[str, Callable[[], Sized]]] = [
        ("generate_incidents", lambda: generate_incidents(params, areas)),
        ("generate_updates", lambda: generate_updates(params, incidents)),
        ("generate_bad_rows", lambda: generate_bad_rows(params, areas)),
        ("cbs_monthly", lambda: cbs_monthly(incidents, areas, settings.categories)),
    ]
    total = 0.0
    print(f"period {params.start} .. {params.end}, seed {params.seed}, best of {args.repeat}:")
    for name, step in steps:
        seconds, rows = _best(args.repeat, step)
        total += seconds
        print(f"  {name:<20} {rows:>7} rows  {seconds:7.3f} s")
    print(f"  {'all':<20} {'':>7}       {total:7.3f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

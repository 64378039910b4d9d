"""How long the demo pilot takes to evaluate: the whole `vis evaluate` command, and its phases.

Run from the project root after ``vis demo --no-serve`` (which prepares ``var/demo.db``):

    python benchmarks/bench_evaluate.py [--db sqlite:///var/demo.db] [--pilot binnenstad-2017]
                                        [--repeat 3]

Prints the best wall-clock and CPU time of ``--repeat`` runs for: loading the data, the
statistics (``evaluate_pilot``), the two together in one process (what the evaluator's page waits
for), and the command line end to end in a fresh process (start-up and imports included). On a
shared machine the CPU time is the steadier figure. To compare with an older version, run this
script with ``PYTHONPATH`` pointing at an export of that version (``git archive``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _best(repeat: int, step: Callable[[], Any]) -> tuple[float, float]:
    """Best (wall, CPU) seconds of ``repeat`` runs (CPU includes finished child processes)."""
    walls, cpus = [], []
    for _ in range(repeat):
        started, cpu = time.perf_counter(), _cpu()
        step()
        walls.append(time.perf_counter() - started)
        cpus.append(_cpu() - cpu)
    return min(walls), min(cpus)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=f"sqlite:///{ROOT / 'var' / 'demo.db'}")
    parser.add_argument("--pilot", default="binnenstad-2017")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    os.environ["VIS_DATABASE_URL"] = args.db

    started, cpu = time.perf_counter(), _cpu()
    from briefing.evaluation.report import evaluate_pilot
    from vis.services.engines import ready_engine
    from vis.services.evaluation import evaluate_on, pilot_config
    from vis.settings import load_settings
    from vis.store.evaluation_store import category_groups, grid_of, load_evaluation_data

    imports = (time.perf_counter() - started, _cpu() - cpu)
    settings = load_settings()
    config = pilot_config(settings)
    pilot = config.pilot(args.pilot)
    engine = ready_engine(settings)
    start = min(pilot.baseline.start, pilot.pilot.end - dt.timedelta(days=400))
    with engine.connect() as conn:
        evaluate_on(conn, settings, args.pilot, config)  # warm caches once
        data = load_evaluation_data(conn, settings, start, pilot.pilot.end)
        t_load = _best(args.repeat, lambda: load_evaluation_data(conn, settings, start,
                                                                 pilot.pilot.end))  # fmt: skip
        groups, grid = category_groups(settings), grid_of(settings)
        t_stats = _best(args.repeat, lambda: evaluate_pilot(pilot, data, groups, config, grid))
        t_page = _best(args.repeat, lambda: evaluate_on(conn, settings, args.pilot, config))
    engine.dispose()
    vis = str(Path(sys.executable).with_name("vis"))
    cli = _best(args.repeat, lambda: subprocess.run(
        [vis, "evaluate", "--pilot", args.pilot], check=True, capture_output=True, env=os.environ,
    ))  # fmt: skip
    print(f"pilot {args.pilot}: {len(data.incidents)} incidents loaded; load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")  # fmt: skip
    print(f"{'':35} {'wall':>7}   {'CPU':>7}")
    for label, (wall, used) in (
        ("imports (first, in this process)", imports),
        ("load_evaluation_data", t_load),
        ("evaluate_pilot (statistics)", t_stats),
        ("evaluate_on (what the page waits)", t_page),
        ("vis evaluate --pilot (new process)", cli),
    ):
        print(f"{label:35} {wall:7.2f} s {used:7.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

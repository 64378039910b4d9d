"""How long a pilot takes to evaluate: `vis evaluate` in a new process, and the page's path.

Run from the project root after ``vis demo --no-serve`` (which writes ``var/demo.db`` and
``var/demo/config/``)::

    VIS_CONFIG=var/demo/config/vis.toml python benchmarks/bench_evaluate.py \\
        [--db sqlite:///var/demo.db] [--pilot demo-hotspots] [--repeat 5]

Prints, each as the median (and the fastest) of ``--repeat`` runs, wall-clock and CPU seconds:

- ``vis evaluate --pilot`` as a new process, start-up and imports included (the command line):
  computed afresh (``--recompute``) and printing the stored output (nothing changed since);
- ``evaluate_on`` on an open connection in a warm process (what the evaluation page waits for),
  and its two halves: reading the data and the statistics (``evaluate_pilot``);
- the import floor: a new Python process that only imports pandas, and one that imports what
  the command needs without running it (no command can start faster than these);

and the machine's load average before and after: the figures are only comparable at a similar
load (on a shared machine the CPU time is the steadier figure). The target (issue 12) is at most
1 s for the demo pilot, on the command line and on the page.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
#: What `vis evaluate` imports before it reads anything (its import floor).
COMMAND_IMPORTS = (
    "import vis.cli, vis.cli.evaluate, vis.settings, vis.services.evaluation, "
    "vis.services.engines, vis.store.evaluation_store, sqlalchemy.dialects.sqlite"
)


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _runs(repeat: int, step: Callable[[], Any]) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds of ``repeat`` runs (CPU includes finished child processes)."""
    walls, cpus = [], []
    for _ in range(repeat):
        started, cpu = time.perf_counter(), _cpu()
        step()
        walls.append(time.perf_counter() - started)
        cpus.append(_cpu() - cpu)
    return walls, cpus


def _python(code: str) -> Callable[[], Any]:
    return lambda: subprocess.run([sys.executable, "-c", code], check=True, env=os.environ)


#: The page's first evaluation in a new server process once the server's warm-up
#: (:mod:`vis.services.warmup`, started with the server) has finished: wall and CPU seconds.
AFTER_WARMUP = """
import sys, time
from vis.services.warmup import start_warmup
start_warmup().join()
from vis.services.engines import ready_engine
from vis.services.evaluation import evaluate_on, pilot_config
from vis.settings import load_settings
settings = load_settings()
config = pilot_config(settings)
engine = ready_engine(settings)
with engine.connect() as conn:
    wall, cpu = time.perf_counter(), time.process_time()
    evaluate_on(conn, settings, sys.argv[1], config)
    print(time.perf_counter() - wall, time.process_time() - cpu)
"""


def _after_warmup(pilot: str, repeat: int) -> tuple[list[float], list[float]]:
    walls, cpus = [], []
    for _ in range(repeat):
        done = subprocess.run(
            [sys.executable, "-c", AFTER_WARMUP, pilot], check=True, capture_output=True, text=True
        )
        wall, cpu = done.stdout.split()[-2:]
        walls.append(float(wall))
        cpus.append(float(cpu))
    return walls, cpus


def _load() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=f"sqlite:///{ROOT / 'var' / 'demo.db'}")
    parser.add_argument("--pilot", default="demo-hotspots")
    parser.add_argument("--repeat", type=int, default=5, help="runs per figure (at least 3)")
    args = parser.parse_args(argv)
    repeat = max(3, args.repeat)
    os.environ["VIS_DATABASE_URL"] = args.db
    demo_config = ROOT / "var" / "demo" / "config" / "vis.toml"
    if not os.environ.get("VIS_CONFIG") and demo_config.exists():
        # the demo pilots live in the demo's own configuration (`vis demo` writes it)
        os.environ["VIS_CONFIG"] = str(demo_config)
    load_before = _load()

    vis = str(Path(sys.executable).with_name("vis"))
    command = [vis, "evaluate", "--pilot", args.pilot]
    fresh = [*command, "--recompute"]
    cli = _runs(repeat, lambda: subprocess.run(fresh, check=True, capture_output=True))
    stored = _runs(repeat, lambda: subprocess.run(command, check=True, capture_output=True))
    floor_pandas = _runs(repeat, _python("import pandas"))
    floor_command = _runs(repeat, _python(COMMAND_IMPORTS))
    warmed = _after_warmup(args.pilot, repeat)

    from briefing.evaluation.report import evaluate_pilot
    from vis.services.engines import ready_engine
    from vis.services.evaluation import evaluate_on, pilot_config
    from vis.settings import load_settings
    from vis.store.evaluation_store import category_groups, grid_of, load_evaluation_data

    settings = load_settings()
    config = pilot_config(settings)
    pilot = config.pilot(args.pilot)
    engine = ready_engine(settings)
    start = min(pilot.baseline.start, pilot.pilot.end - dt.timedelta(days=400))
    with engine.connect() as conn:
        first = _runs(1, lambda: evaluate_on(conn, settings, args.pilot, config))
        page = _runs(repeat, lambda: evaluate_on(conn, settings, args.pilot, config))
        data = load_evaluation_data(conn, settings, start, pilot.pilot.end)
        load = _runs(repeat, lambda: load_evaluation_data(conn, settings, start, pilot.pilot.end))
        groups, grid = category_groups(settings), grid_of(settings)
        stats = _runs(repeat, lambda: evaluate_pilot(pilot, data, groups, config, grid))
    engine.dispose()

    print(f"pilot {args.pilot}: {len(data.incidents)} incidents, {len(data.hotspots)} hotspots; "
          f"{os.cpu_count()} CPUs; load average {load_before} before, {_load()} after")  # fmt: skip
    print(f"{repeat} runs each; seconds: median wall (fastest), median CPU")
    for label, (walls, cpus) in (
        ("vis evaluate --pilot --recompute (new process)", cli),
        ("vis evaluate --pilot, stored (new process)", stored),
        ("  import floor: python -c 'import pandas'", floor_pandas),
        ("  import floor: the command's imports", floor_command),
        ("evaluate_on, warm (the page)", page),
        ("  first evaluate_on in the process", first),
        ("  first evaluate_on after the server's warm-up", warmed),
        ("  load_evaluation_data", load),
        ("  evaluate_pilot (statistics)", stats),
    ):
        wall = f"{statistics.median(walls):6.2f} ({min(walls):.2f})"
        print(f"{label:48} {wall:>15}  {statistics.median(cpus):6.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Benchmark of `vis calibrate`; prints its figures (target: under 10 minutes on 2 cores).

A city of 60,000 incidents (the clustered synthetic history of ``bench_briefing.py``, 2.5 years
up to 30 June 2017) is loaded into a fresh SQLite database, and the calibration service runs on it
as `vis calibrate --until 2017-06-30` does (shipped configuration: the Amersfoort areas, the
shipped rules, tuning 364 days, validation 91 days, a briefing day every 6 days, every shift):
read the history, search the grid, check the validation window, store. The load average is
printed with the figures: the machine may be shared.

    python benchmarks/bench_calibrate.py [--incidents 60000] [--pure]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_briefing import DAY, synthetic

UNTIL = DAY - dt.timedelta(days=1)


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


def bench_service(n: int) -> None:
    from sqlalchemy import insert

    from vis.db.engine import make_engine
    from vis.db.migrate import upgrade
    from vis.db.schema import incidents
    from vis.services.calibration import run_calibration
    from vis.settings import load_settings

    settings = load_settings()
    frame = synthetic(n, 1)
    for column in ("begin_at", "end_at", "known_at"):  # the database keeps microseconds
        frame[column] = frame[column].dt.floor("us")
    now = dt.datetime.now(dt.UTC)
    rows = [
        {
            "id": r.id, "source": "bench", "category": r.category, "street": r.street,
            "begin_at": r.begin_at.to_pydatetime(), "end_at": r.end_at.to_pydatetime(),
            "known_at": r.known_at.to_pydatetime(), "arrests": int(r.arrests), "x": r.x,
            "y": r.y, "area_code": r.area_code, "municipality_code": "GM0307",
            "row_hash": "x", "first_run_id": 1, "last_run_id": 1, "created_at": now,
            "updated_at": now,
        }
        for r in frame.itertuples()
    ]  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'bench.db'}")
        try:
            upgrade(engine)
            with engine.begin() as conn:
                conn.execute(insert(incidents), rows)
            print(f"before: {_load()}")
            t0 = time.perf_counter()
            stored = run_calibration(settings, engine, UNTIL, created_by="bench")
            t1 = time.perf_counter()
        finally:
            engine.dispose()
    report = stored.report
    print(
        f"vis calibrate, {n} incidents up to {UNTIL}: {t1 - t0:.1f} s wall (target < 600 s); "
        f"{len(report['tuning']['candidates'])} candidates, "
        f"{report['tuning']['origins']} tuning + {report['validation']['origins']} validation "
        f"briefing days x {len(settings.shifts)} shifts"
    )
    print(
        f"outcome {stored.outcome} ({stored.reason}); best {report['best']}; validation ratio "
        f"best {report['validation']['best']['ratio']} against rules.toml "
        f"{report['validation']['defaults']['ratio']}"
    )
    print(f"after: {_load()}")


def bench_pure(n: int) -> None:
    import numpy as np
    from bench_briefing import GRID, SHIFTS, TZ

    from briefing.calibrate import calibrate
    from briefing.calibration_params import Plan
    from briefing.history import prepare, scoring_grid
    from briefing.params import Rules

    rules = Rules()
    print(f"before: {_load()}")
    t0 = time.perf_counter()
    h = prepare(
        synthetic(n, 1), grid=scoring_grid(GRID, rules), shifts=SHIFTS, timezone=TZ, rules=rules
    )
    study = np.zeros(h.frame.size, dtype=bool)
    study[np.unique(h.cell[h.usable])] = True
    t1 = time.perf_counter()
    result = calibrate(h, rules, Plan(UNTIL), study)
    t2 = time.perf_counter()
    print(
        f"calibrate (pure), {n} incidents: prepare {t1 - t0:.1f} s, search {t2 - t1:.1f} s; "
        f"outcome {result.outcome} ({result.reason})"
    )
    print(f"after: {_load()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--incidents", type=int, default=60_000)
    parser.add_argument("--pure", action="store_true", help="only briefing/calibrate, no database")
    args = parser.parse_args()
    if args.pure:
        bench_pure(args.incidents)
    else:
        bench_service(args.incidents)


if __name__ == "__main__":
    main()

"""Benchmark of the hotspot rules; prints its figures.

1. City: 60,000 incidents of history (synthetic, clustered): every shift briefing of one day.
2. The same data: a 365-day backtest of VIS and the four baselines.
3. National (``--national``): 2,000,000 incidents over many municipalities in PostgreSQL
   (loaded by COPY into a schema of its own, dropped afterwards): every briefing of one day; the
   municipalities are read 25 at a time, one bound-parameter query each 25, then each is built
   and stored. It prints the time of each phase and the load average.

    python benchmarks/bench_briefing.py [--incidents 60000] [--national] [--pg URL]
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import time
import uuid

import numpy as np
import pandas as pd

from briefing.backtest import run_backtest
from briefing.compose import BriefingContext, build_briefing
from briefing.history import prepare, scoring_grid
from briefing.params import Rules, ShiftDef
from vis.geo import Grid

TZ = "Europe/Amsterdam"
SHIFTS = (
    ShiftDef("ochtend", "Ochtenddienst", dt.time(7), dt.time(15)),
    ShiftDef("middag", "Middagdienst", dt.time(15), dt.time(23)),
    ShiftDef("avond", "Avond- en nachtdienst", dt.time(19), dt.time(3)),
)
GRID = Grid(125.0, 0.0, 300000.0)
CATEGORIES = np.array(
    [
        "woninginbraak",
        "autokraak",
        "fietsdiefstal",
        "vernieling",
        "overlast_jeugd",
        "winkeldiefstal",
        "mishandeling",
        "verkeer",
    ]
)
DAY = dt.date(2017, 7, 1)
#: Municipalities loaded by one query in the national benchmark.
BATCH = 25


def synthetic(n: int, seed: int, cx: float = 155000.0, cy: float = 463000.0) -> pd.DataFrame:
    """``n`` clustered incidents over the 2.5 years before DAY around (cx, cy)."""
    rng = np.random.default_rng(seed)
    end = pd.Timestamp(DAY, tz="UTC")
    begin = end - pd.to_timedelta(rng.uniform(0, 912, n), unit="D")
    centres = rng.normal(0, 2500, (40, 2))
    which = rng.integers(0, 40, n)
    spread = np.where(rng.random(n) < 0.6, 150.0, 1500.0)
    return pd.DataFrame(
        {
            "id": [f"s{seed}_{i}" for i in range(n)],
            "category": rng.choice(CATEGORIES, n),
            "street": rng.choice(["Langestraat", "Hof", "Kamp", "Stationsplein"], n),
            "begin_at": begin,
            "end_at": begin + pd.to_timedelta(rng.choice([0, 0, 2, 9], n), unit="h"),
            "known_at": begin + pd.to_timedelta(rng.uniform(0.2, 30, n), unit="h"),
            "arrests": rng.choice([0, 0, 0, 1], n),
            "x": cx + centres[which, 0] + rng.normal(0, spread),
            "y": cy + centres[which, 1] + rng.normal(0, spread),
            "area_code": "WK030701",
        }
    )


def bench_city(n: int) -> None:
    rules = Rules()
    frame = synthetic(n, 1)
    ctx = BriefingContext("GM0307", "bench", "EPSG:28992", {}, {})
    t0 = time.perf_counter()
    h = prepare(frame, grid=scoring_grid(GRID, rules), shifts=SHIFTS, timezone=TZ, rules=rules)
    t1 = time.perf_counter()
    for shift in SHIFTS:
        build_briefing(h, rules, DAY, shift.name, ctx)
    t2 = time.perf_counter()
    print(
        f"city {n} incidents: prepare {t1 - t0:.3f} s, 3 shift briefings {t2 - t1:.3f} s, "
        f"together {t2 - t0:.3f} s (target < 1 s)"
    )
    study = np.zeros(h.frame.size, dtype=bool)
    study[np.unique(h.cell[h.usable])] = True
    days = [DAY - dt.timedelta(days=365) + dt.timedelta(days=i) for i in range(365)]
    t3 = time.perf_counter()
    results = run_backtest(h, rules, days, study)
    t4 = time.perf_counter()
    print(
        f"city backtest 365 days x 3 shifts x {len(results)} methods: {t4 - t3:.1f} s "
        "(target < 60 s)"
    )


def bench_national(pg_url: str, total: int, municipalities: int) -> None:
    from sqlalchemy import create_engine, text

    from briefing.params import rules_version
    from vis.db.engine import make_engine
    from vis.db.migrate import upgrade
    from vis.store.briefing_store import load_incidents_by_municipality, store_briefing

    schema = f"vis_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(f"{pg_url}?options=-csearch_path%3D{schema}")
    try:
        upgrade(engine)
        per = total // municipalities
        t0 = time.perf_counter()
        raw = engine.raw_connection()
        try:
            cur = raw.cursor()
            for m in range(municipalities):
                f = synthetic(per, 100 + m, 100000.0 + 3000 * (m % 20), 400000.0 + 3000 * (m // 20))
                f["municipality_code"] = f"GM{m:04d}"
                buf = io.StringIO()
                f.assign(
                    source="bench",
                    row_hash="x",
                    first_run_id=1,
                    last_run_id=1,
                    created_at=f["known_at"],
                    updated_at=f["known_at"],
                ).to_csv(
                    buf,
                    index=False,
                    header=False,
                    date_format="%Y-%m-%d %H:%M:%S+00",
                    columns=[
                        "id",
                        "source",
                        "category",
                        "street",
                        "begin_at",
                        "end_at",
                        "known_at",
                        "arrests",
                        "x",
                        "y",
                        "area_code",
                        "municipality_code",
                        "row_hash",
                        "first_run_id",
                        "last_run_id",
                        "created_at",
                        "updated_at",
                    ],
                )
                buf.seek(0)
                with cur.copy(
                    "COPY incidents (id, source, category, street, begin_at, end_at, known_at, "
                    "arrests, x, y, area_code, municipality_code, row_hash, first_run_id, "
                    "last_run_id, created_at, updated_at) FROM STDIN WITH (FORMAT csv)"
                ) as copy:
                    copy.write(buf.getvalue())
            raw.commit()
            cur.execute("ANALYZE incidents")
            raw.commit()
        finally:
            raw.close()
        t1 = time.perf_counter()
        print(
            f"national: {per * municipalities} incidents in {municipalities} municipalities "
            f"loaded by COPY in {t1 - t0:.1f} s"
        )
        rules = Rules()
        version = rules_version(b"bench")
        cutoff_hi = dt.datetime.combine(DAY, dt.time(19), tzinfo=dt.UTC)
        since = cutoff_hi - dt.timedelta(days=368)
        t2 = time.perf_counter()
        count = 0
        phases = dict.fromkeys(("load", "prepare", "build", "store"), 0.0)
        codes = [f"GM{m:04d}" for m in range(municipalities)]
        for first in range(0, len(codes), BATCH):
            part = codes[first : first + BATCH]
            a = time.perf_counter()
            with engine.connect() as conn:
                frames = load_incidents_by_municipality(
                    conn, part, known_before=cutoff_hi, known_since=since
                )
            phases["load"] += time.perf_counter() - a
            for code in part:
                a = time.perf_counter()
                h = prepare(
                    frames.pop(code),
                    grid=scoring_grid(GRID, rules),
                    shifts=SHIFTS,
                    timezone=TZ,
                    rules=rules,
                )
                phases["prepare"] += time.perf_counter() - a
                ctx = BriefingContext(code, version, "EPSG:28992", {}, {})
                for shift in SHIFTS:
                    a = time.perf_counter()
                    content = build_briefing(h, rules, DAY, shift.name, ctx)
                    b = time.perf_counter()
                    store_briefing(engine, content, created_by="bench")
                    phases["build"] += b - a
                    phases["store"] += time.perf_counter() - b
                    count += 1
        t3 = time.perf_counter()
        print(
            f"national: {count} briefings for one day (load, build, store) in {t3 - t2:.1f} s "
            "(target < 60 s): "
            + ", ".join(f"{k} {v:.1f} s" for k, v in phases.items())
            + f"; load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}"
        )
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--incidents", type=int, default=60_000)
    parser.add_argument("--national", action="store_true")
    parser.add_argument("--national-incidents", type=int, default=2_000_000)
    parser.add_argument("--municipalities", type=int, default=100)
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    bench_city(args.incidents)
    if args.national:
        bench_national(args.pg, args.national_incidents, args.municipalities)


if __name__ == "__main__":
    main()

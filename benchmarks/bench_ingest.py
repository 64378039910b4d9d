"""Benchmark: end-to-end ingest of a generated BVH CSV, against raw database baselines.

Prints, for SQLite: VIS's ``ingest_file`` (parse, normalise, upsert, ledger) against a raw
``sqlite3`` ``executemany`` upsert of the same rows into a table of the same width; for PostgreSQL:
VIS against ``COPY`` of the same rows into such a table (all text), and against ``COPY`` of the
same rows, already normalised, into VIS's own ``incidents`` table (typed, 33 columns; primary key
only). The second is the server's own cost of taking these rows, which no loader can avoid.
Each VIS ingest runs in a child process so that its peak memory (its own peak RSS, VmHWM) is its
own.

    python benchmarks/bench_ingest.py [--rows 1000000] [--pg postgresql+psycopg://postgres@127.0.0.1/test]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np

from ingest.columns import BVH_COLUMNS

CHILD = r"""
import json, sys, time, resource
from pathlib import Path

def peak_rss_mb():
    # VmHWM is this process image's own peak. ru_maxrss would also count the parent's RSS at
    # fork time (Linux keeps it across exec), which made the benchmark's own memory show up here.
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

from ingest.runner import build_context, ingest_file
from vis.db.engine import make_engine
from vis.db.migrate import upgrade
from vis.settings import load_settings
engine = make_engine(sys.argv[1]); upgrade(engine)
ctx = build_context(load_settings(), engine)
t = time.perf_counter()
r = ingest_file(ctx, Path(sys.argv[2]))
secs = time.perf_counter() - t
print(json.dumps({"seconds": secs, "received": r.counts.received, "inserted": r.counts.inserted,
                  "quarantined": r.counts.quarantined,
                  "maxrss_mb": peak_rss_mb()}))
"""


def generate_csv(path: Path, rows: int, seed: int = 7) -> None:
    """A BVH-shaped CSV (';', Dutch dates, decimal commas) with plausible Amersfoort values."""
    rng = np.random.default_rng(seed)
    codes = np.array(["A20", "A10", "A72", "C40", "A50", "F550", "B70", "F530"])
    labels = np.array(
        [
            "Gekwal. diefstal in/uit woning",
            "Diefstal uit/vanaf personenauto",
            "Diefstal Fiets",
            "Vernieling overige objecten",
            "Winkeldiefstal",
            "Eenvoudige mishandeling",
            "Straatroof",
            "Bedreiging",
        ]
    )
    streets = np.array(
        [
            "Stationsplein",
            "Utrechtseweg",
            "Leusderweg",
            "Kamp",
            "Langestraat",
            "Zonnehof",
            "Liendertseweg",
            "Hogeweg",
        ]
    )
    start = np.datetime64("2015-01-01T00:00")
    chunk = 200_000
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(";".join(BVH_COLUMNS) + "\n")
        for lo in range(0, rows, chunk):
            n = min(chunk, rows - lo)
            k = rng.integers(0, len(codes), n)
            begin = start + rng.integers(0, 900 * 24 * 60, n).astype("timedelta64[m]")
            end = begin + rng.integers(0, 600, n).astype("timedelta64[m]")
            known = end + rng.integers(5, 3000, n).astype("timedelta64[m]")
            x = rng.normal(155000, 1800, n).round(1)
            y = rng.normal(463000, 1800, n).round(1)

            def dutch(t: np.ndarray) -> list[str]:
                s = np.datetime_as_string(t, unit="m")
                return [f"{v[8:10]}-{v[5:7]}-{v[0:4]} {v[11:16]}" for v in s]

            b, e, kn = dutch(begin), dutch(end), dutch(known)
            out = io.StringIO()
            for i in range(n):
                out.write(
                    f"PL0900_BVH_{lo + i:09d};PL0900_BVH_R{lo + i:09d};"
                    f"{codes[k[i]]};{labels[k[i]]};"
                    f"{streets[k[i]]};{i % 90 + 1};3811AB;Amersfoort;Amersfoort;Utrecht;"
                    f"Wijk 01 Stadskern;Stadskern;Stadskern;maandag;ochtend;{b[i]};maandag;middag;"
                    f"{e[i]};dinsdag;ochtend;{kn[i]};J;{'J' if i % 3 == 0 else 'N'};0;"
                    f"{i % 7 == 0:d};N;"
                    f"Woning;;;;{str(x[i]).replace('.', ',')};{str(y[i]).replace('.', ',')}\n"
                )
            fh.write(out.getvalue())


def vis_ingest(url: str, csv_path: Path) -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, url, str(csv_path)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def read_rows(csv_path: Path) -> list[tuple[str, ...]]:
    with csv_path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh, delimiter=";")
        next(reader)
        return [tuple(r) for r in reader]


def raw_sqlite(db: Path, rows: list[tuple[str, ...]]) -> float:
    cols = [f"c{i}" for i in range(len(BVH_COLUMNS))]
    con = sqlite3.connect(db)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    con.execute(
        f"CREATE TABLE t ({cols[0]} TEXT PRIMARY KEY, {', '.join(c + ' TEXT' for c in cols[1:])})"
    )
    sql = (
        f"INSERT INTO t VALUES ({', '.join('?' for _ in cols)}) ON CONFLICT(c0) DO UPDATE SET "
        + ", ".join(f"{c}=excluded.{c}" for c in cols[1:])
    )
    t = time.perf_counter()
    con.executemany(sql, rows)
    con.commit()
    secs = time.perf_counter() - t
    con.close()
    return secs


def raw_pg_copy(pg_url: str, csv_path: Path) -> float:
    import psycopg

    dsn = pg_url.replace("postgresql+psycopg://", "postgresql://")
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    cols = [f"c{i}" for i in range(len(BVH_COLUMNS))]
    with psycopg.connect(dsn, autocommit=True) as con:
        con.execute(f"CREATE SCHEMA {schema}")
        try:
            con.execute(
                f"CREATE TABLE {schema}.t ({cols[0]} text PRIMARY KEY, "
                + ", ".join(c + " text" for c in cols[1:])
                + ")"
            )
            t = time.perf_counter()
            with (
                con.transaction(),
                con.cursor() as cur,
                cur.copy(
                    f"COPY {schema}.t FROM STDIN (FORMAT csv, DELIMITER ';', HEADER true)"
                ) as copy,
                csv_path.open("rb") as fh,
            ):
                while block := fh.read(1 << 20):
                    copy.write(block)
            return time.perf_counter() - t
        finally:
            con.execute(f"DROP SCHEMA {schema} CASCADE")


def encoded_rows(csv_path: Path, out: Path) -> None:
    """The extract as VIS writes it to PostgreSQL: normalised and encoded for COPY (untimed)."""
    import datetime as dt

    from ingest.encode import WriteContext, copy_payload
    from ingest.formats import read_extract
    from ingest.normalise import NormaliseParams, normalise
    from vis.areas import load_areas
    from vis.settings import load_settings

    settings = load_settings()
    params = NormaliseParams(
        categories=tuple(settings.categories),
        areas=load_areas(settings),
        crs=settings.geo.crs,
        keep_house_numbers=settings.ingest.keep_house_numbers,
    )
    ctx = WriteContext("bench", 1, dt.datetime.now(dt.UTC))
    with out.open("wb") as fh:
        for chunk in read_extract(csv_path, "bvh-csv", column_map={}, chunk_rows=100_000):
            fh.write(copy_payload(normalise(chunk.rows, params).table, ctx).data)


def incidents_pg_copy(pg_url: str, payload: Path) -> float:
    """COPY of the same rows into VIS's own ``incidents`` table (primary key only, no secondary
    indexes: the cheapest the server can take them), in one transaction."""
    import psycopg

    from ingest.encode import WRITE_COLUMNS
    from vis.db.engine import make_engine
    from vis.db.migrate import upgrade

    dsn = pg_url.replace("postgresql+psycopg://", "postgresql://")
    schema = f"bench_copy_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(dsn, autocommit=True) as con:
        con.execute(f"CREATE SCHEMA {schema}")
    try:
        engine = make_engine(f"{pg_url}?options=-csearch_path%3D{schema}")
        upgrade(engine)
        engine.dispose()
        with psycopg.connect(dsn, autocommit=True, options=f"-csearch_path={schema}") as con:
            for name in (
                "ix_incidents_known_at",
                "ix_incidents_begin_at",
                "ix_incidents_area_category",
            ):
                con.execute(f"DROP INDEX IF EXISTS {name}")
            cols = ", ".join(WRITE_COLUMNS)
            t = time.perf_counter()
            with (
                con.transaction(),
                con.cursor() as cur,
                cur.copy(f"COPY incidents ({cols}) FROM STDIN (FORMAT csv)") as copy,
                payload.open("rb") as fh,
            ):
                while block := fh.read(1 << 20):
                    copy.write(block)
            return time.perf_counter() - t
    finally:
        with psycopg.connect(dsn, autocommit=True) as con:
            con.execute(f"DROP SCHEMA {schema} CASCADE")


def checkpoint(dsn: str) -> None:
    """Flush the server's dirty pages, so that no timed phase pays for an earlier one's writes."""
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as con:
        con.execute("CHECKPOINT")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument(
        "--pg",
        default=os.environ.get(
            "VIS_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        ),
    )
    ap.add_argument("--skip-pg", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        csv_path = d / "extract.csv"
        t = time.perf_counter()
        generate_csv(csv_path, args.rows)
        print(
            f"generated {args.rows:,} rows ({csv_path.stat().st_size / 1e6:.0f} MB) "
            f"in {time.perf_counter() - t:.1f} s"
        )
        vis = vis_ingest(f"sqlite:///{d / 'vis.db'}", csv_path)
        rows = read_rows(csv_path)
        raw = raw_sqlite(d / "raw.db", rows)
        del rows
        n = args.rows
        print(
            f"SQLite  VIS ingest-file : {vis['seconds']:6.2f} s"
            f"  {n / vis['seconds']:>10,.0f} rows/s"
            f"  peak RSS {vis['maxrss_mb']:.0f} MB  (inserted {vis['inserted']:,},"
            f" quarantined {vis['quarantined']:,})"
        )
        print(f"SQLite  raw executemany : {raw:6.2f} s  {n / raw:>10,.0f} rows/s")
        print(f"SQLite  ratio VIS/raw   : {raw / vis['seconds']:.2f} (target >= 0.33)")
        if not args.skip_pg:
            schema = f"bench_vis_{uuid.uuid4().hex[:8]}"
            import psycopg

            dsn = args.pg.replace("postgresql+psycopg://", "postgresql://")
            with psycopg.connect(dsn, autocommit=True) as con:
                con.execute(f"CREATE SCHEMA {schema}")
                con.execute("CHECKPOINT")  # each timed phase starts without WAL of the last
            try:
                pg = vis_ingest(f"{args.pg}?options=-csearch_path%3D{schema}", csv_path)
            finally:
                with psycopg.connect(dsn, autocommit=True) as con:
                    con.execute(f"DROP SCHEMA {schema} CASCADE")
            checkpoint(dsn)
            copy = raw_pg_copy(args.pg, csv_path)
            encoded_rows(csv_path, d / "payload.csv")
            checkpoint(dsn)
            same = incidents_pg_copy(args.pg, d / "payload.csv")
            print(
                f"Postgres VIS ingest-file: {pg['seconds']:6.2f} s"
                f"  {n / pg['seconds']:>10,.0f} rows/s"
                f"  peak RSS {pg['maxrss_mb']:.0f} MB"
            )
            print(f"Postgres raw COPY       : {copy:6.2f} s  {n / copy:>10,.0f} rows/s")
            print(f"Postgres ratio VIS/COPY : {copy / pg['seconds']:.2f} (target >= 0.33)")
            print(
                f"Postgres COPY incidents : {same:6.2f} s  {n / same:>10,.0f} rows/s"
                "  (the same rows, normalised, into VIS's own table, primary key only)"
            )
            print(f"Postgres ratio VIS/COPY incidents: {same / pg['seconds']:.2f} (target >= 0.33)")


if __name__ == "__main__":
    main()

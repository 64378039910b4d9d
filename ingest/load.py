"""Loading normalised incidents: classify, keep history, upsert; and quarantine rows.

Per chunk the stored ``row_hash`` of the chunk's ids is looked up once. Rows whose id is unknown are
inserted, rows whose hash differs are updated (their old and new values go to ``incident_changes``),
and rows with the same hash are counted as unchanged and not written. Writes use the dialect's
``insert … on conflict do update``: on SQLite through the driver's ``executemany``; on PostgreSQL
new rows are streamed with ``COPY`` (ingest runs are serialised by an advisory lock, so "new" stays
true within the run) and changed rows go through a staging table into ``insert … on conflict``.
An id that occurs more than once in a chunk is applied in order of occurrence: the last one wins.

The rows are handled as Arrow arrays. ``COPY`` uses PostgreSQL's binary format, encoded from Arrow
by ``pgpq`` (CSV written by pyarrow where that package is missing).
"""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from itertools import repeat
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from sqlalchemy import Connection, column, insert, select, table, text
from sqlalchemy.dialects import postgresql, sqlite

from ingest import arrowrows as ar
from vis.db.schema import INCIDENT_DATA_COLUMNS, incident_changes, incidents, quarantine
from vis.timefmt import utc_text

try:  # the binary COPY encoder; without it COPY goes as CSV
    from pgpq import ArrowToPostgresBinaryEncoder

    BINARY_COPY = True
except ImportError:  # pragma: no cover - depends on the environment
    BINARY_COPY = False

WRITE_COLUMNS: tuple[str, ...] = (
    "id",
    "source",
    *INCIDENT_DATA_COLUMNS,
    "row_hash",
    "first_run_id",
    "last_run_id",
    "created_at",
    "updated_at",
)
_UPDATE_COLUMNS = tuple(
    col for col in WRITE_COLUMNS if col not in ("id", "first_run_id", "created_at")
)
_DATETIME_COLUMNS = ("begin_at", "end_at", "known_at", "created_at", "updated_at")
_INT32_COLUMNS = ("suspects", "arrests", "first_run_id", "last_run_id")
_FLOAT_COLUMNS = ("x", "y", "lon", "lat")
#: Advisory-lock key that serialises ingest runs on PostgreSQL (any constant 64-bit number).
PG_INGEST_LOCK_KEY = 0x5649_5349_4E47_4553 & 0x7FFF_FFFF_FFFF_FFFF


@dataclass(frozen=True)
class WriteContext:
    source: str
    run_id: int
    now: dt.datetime


@dataclass
class LoadCounts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0


def serialise_runs(conn: Connection) -> None:
    """Make concurrent ingest runs on PostgreSQL wait for each other (held until commit)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": PG_INGEST_LOCK_KEY})


def drop_secondary_indexes(conn: Connection) -> None:
    """Bulk mode: drop the incidents table's secondary indexes inside the run's transaction.

    Rebuilding an index once after a large load is several times cheaper than maintaining it row by
    row. The drop is transactional on both databases, so a failed run gets its indexes back. On
    PostgreSQL readers of ``incidents`` wait until the run commits, so only large deliveries use it.
    """
    for index in incidents.indexes:
        conn.execute(text(f"DROP INDEX IF EXISTS {index.name}"))


def create_secondary_indexes(conn: Connection) -> None:
    for index in incidents.indexes:
        index.create(conn, checkfirst=True)


def write_incidents(conn: Connection, rows: pd.DataFrame, ctx: WriteContext) -> LoadCounts:
    """Upsert one normalised chunk (``ingest.normalise.OUTPUT_COLUMNS``); returns what happened."""
    counts = LoadCounts()
    if rows.empty:
        return counts
    data = ar.from_rows(rows)
    ids = data["id"]
    if pc.count_distinct(ids).as_py() == len(ids):
        _write_round(conn, data, ctx, counts)
        return counts
    occurrence = pd.Series(ids.to_numpy()).groupby(ids.to_numpy(), sort=False).cumcount()
    for k in np.unique(occurrence.to_numpy()):
        _write_round(conn, data.filter(pa.array(occurrence.to_numpy() == k)), ctx, counts)
    return counts


def _write_round(conn: Connection, rows: pa.Table, ctx: WriteContext, counts: LoadCounts) -> None:
    ids = rows["id"].combine_chunks()
    stored_ids, stored_hashes = _stored_hashes(conn, ids)
    position = pc.index_in(ids, value_set=stored_ids)
    is_new = ar.mask(pc.is_null(position))
    old_hash = stored_hashes.take(position)
    is_changed = ~is_new & ~ar.mask(pc.equal(old_hash, rows["row_hash"]))
    counts.inserted += int(is_new.sum())
    counts.updated += int(is_changed.sum())
    counts.unchanged += int(len(ids) - is_new.sum() - is_changed.sum())
    if not (is_new.any() or is_changed.any()):
        return
    if is_changed.any():
        _record_changes(conn, ar.to_frame(rows.filter(pa.array(is_changed))), ctx)
    if conn.dialect.name == "sqlite":
        _sqlite_upsert(conn, rows.filter(pa.array(is_new | is_changed)), ctx)
    elif conn.dialect.name == "postgresql":
        _pg_copy(conn, rows.filter(pa.array(is_new)), ctx, "incidents")
        if is_changed.any():
            _pg_upsert_via_stage(conn, rows.filter(pa.array(is_changed)), ctx)
    else:
        raise NotImplementedError(f"no loader for {conn.dialect.name}")


def _stored_hashes(conn: Connection, ids: pa.Array) -> tuple[pa.Array, pa.Array]:
    """(id, row_hash) of the stored incidents among ``ids``."""
    if conn.dialect.name == "sqlite":
        sql = "SELECT id, row_hash FROM incidents WHERE id IN (SELECT value FROM json_each(:ids))"
    else:
        sql = (
            "SELECT id, row_hash FROM incidents WHERE id = ANY(ARRAY("
            "SELECT jsonb_array_elements_text(CAST(:ids AS jsonb))))"
        )
    found = conn.execute(text(sql), {"ids": json.dumps(ids.to_pylist())}).tuples().all()
    stored = list(zip(*found, strict=True)) or [(), ()]
    return pa.array(stored[0], pa.string()), pa.array(stored[1], pa.string())


# --- history ---------------------------------------------------------------------------------


def _json_value(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, pd.Timestamp | dt.datetime):
        return pd.Timestamp(value).tz_convert("UTC").isoformat()
    if isinstance(value, np.generic):
        return value.item()
    return value


def _record_changes(conn: Connection, changed: pd.DataFrame, ctx: WriteContext) -> None:
    ids = changed["id"].tolist()
    cols = [incidents.c.id, *(incidents.c[k] for k in INCIDENT_DATA_COLUMNS)]
    if conn.dialect.name == "sqlite":
        where = incidents.c.id.in_(select(text("value")).select_from(text("json_each(:ids)")))
        result = conn.execute(select(*cols).where(where), {"ids": json.dumps(ids)})
    else:
        result = conn.execute(select(*cols).where(incidents.c.id.in_(ids)))
    old = {row.id: row._mapping for row in result}
    entries = []
    for new in changed.to_dict(orient="records"):
        before = old.get(new["id"])
        if before is None:
            continue
        diff = {}
        for key in INCIDENT_DATA_COLUMNS:
            was, now = _json_value(before[key]), _json_value(new[key])
            if isinstance(was, float) and isinstance(now, float) and abs(was - now) < 1e-6:
                continue
            if was != now:
                diff[key] = [was, now]
        entries.append(
            {"incident_id": new["id"], "run_id": ctx.run_id, "changed_at": ctx.now, "changes": diff}
        )
    if entries:
        conn.execute(insert(incident_changes), entries)


# --- SQLite ----------------------------------------------------------------------------------


@cache
def _sqlite_upsert_sql() -> tuple[str, tuple[str, ...]]:
    stmt = sqlite.insert(incidents)
    stmt = stmt.on_conflict_do_update(
        index_elements=[incidents.c.id],
        set_={k: stmt.excluded[k] for k in _UPDATE_COLUMNS},
    )
    compiled = stmt.compile(
        dialect=sqlite.dialect(paramstyle="qmark"), column_keys=list(WRITE_COLUMNS)
    )
    return str(compiled), tuple(compiled.positiontup or ())


def _sqlite_text(moment: dt.datetime) -> str:
    """SQLAlchemy's SQLite DATETIME text for an aware moment, in UTC."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _sqlite_values(rows: pa.Table, name: str, ctx: WriteContext) -> Iterable[Any]:
    """One column as the Python values that sqlite3 binds (constants repeat)."""
    constant = {
        "source": ctx.source,
        "first_run_id": ctx.run_id,
        "last_run_id": ctx.run_id,
        "created_at": _sqlite_text(ctx.now),
        "updated_at": _sqlite_text(ctx.now),
    }
    if name in constant:
        return repeat(constant[name])
    col = rows[name].combine_chunks()
    if name in _DATETIME_COLUMNS:
        return utc_text(ar.naive_utc(col)).to_pylist()
    if name in _FLOAT_COLUMNS:
        col = pc.if_else(pc.is_nan(col), pa.scalar(None, pa.float64()), col)
    return col.to_pylist()


def _sqlite_upsert(conn: Connection, rows: pa.Table, ctx: WriteContext) -> None:
    sql, order = _sqlite_upsert_sql()
    columns = [_sqlite_values(rows, name, ctx) for name in order]
    raw = conn.connection.driver_connection
    assert raw is not None
    cur = raw.cursor()
    try:
        cur.executemany(sql, zip(*columns))  # noqa: B905 - constants repeat without end
    finally:
        cur.close()


# --- PostgreSQL ------------------------------------------------------------------------------


def _pg_table(rows: pa.Table, ctx: WriteContext) -> pa.Table:
    """The rows in WRITE_COLUMNS order with the bookkeeping columns, typed as the table is."""
    n = rows.num_rows
    now = pa.scalar(ctx.now.astimezone(dt.UTC), pa.timestamp("us", tz="UTC"))
    constant = {
        "source": pa.scalar(ctx.source, pa.string()),
        "first_run_id": pa.scalar(ctx.run_id, pa.int32()),
        "last_run_id": pa.scalar(ctx.run_id, pa.int32()),
        "created_at": now,
        "updated_at": now,
    }
    arrays = []
    for name in WRITE_COLUMNS:
        if name in constant:
            arrays.append(pa.repeat(constant[name], n))
        elif name in _INT32_COLUMNS:
            arrays.append(rows[name].combine_chunks().cast(pa.int32()))
        elif name in _FLOAT_COLUMNS:
            col = rows[name].combine_chunks()
            arrays.append(pc.if_else(pc.is_nan(col), pa.scalar(None, pa.float64()), col))
        else:
            arrays.append(rows[name].combine_chunks())
    return pa.Table.from_arrays(arrays, names=list(WRITE_COLUMNS))


def _copy_binary(data: pa.Table) -> bytes:
    """The table in PostgreSQL's binary COPY format."""
    encoder = ArrowToPostgresBinaryEncoder(data.schema)
    parts = [encoder.write_header()]
    parts.extend(encoder.write_batch(batch) for batch in data.to_batches())
    parts.append(encoder.finish())
    return b"".join(parts)


def _copy_csv(data: pa.Table) -> bytes:
    """The table as CSV for ``COPY … (FORMAT csv)``: NULL is an empty unquoted field."""
    arrays = [
        utc_text(ar.naive_utc(col), suffix="+00") if name in _DATETIME_COLUMNS else col
        for name, col in zip(data.column_names, data.columns, strict=True)
    ]
    out = io.BytesIO()
    pacsv.write_csv(
        pa.Table.from_arrays(arrays, names=data.column_names),
        out,
        pacsv.WriteOptions(include_header=False),
    )
    return out.getvalue()


def _pg_copy(conn: Connection, rows: pa.Table, ctx: WriteContext, target: str) -> None:
    if rows.num_rows == 0:
        return
    data = _pg_table(rows, ctx)
    raw = conn.connection.driver_connection
    assert raw is not None
    cols = ", ".join(f'"{c}"' for c in WRITE_COLUMNS)
    if BINARY_COPY:
        sql, payload = f"COPY {target} ({cols}) FROM STDIN (FORMAT binary)", _copy_binary(data)
    else:
        sql, payload = f"COPY {target} ({cols}) FROM STDIN (FORMAT csv)", _copy_csv(data)
    with raw.cursor() as cur, cur.copy(sql) as copy:
        copy.write(payload)


def _pg_upsert_via_stage(conn: Connection, rows: pa.Table, ctx: WriteContext) -> None:
    conn.execute(
        text(
            "CREATE TEMP TABLE IF NOT EXISTS vis_incident_stage "
            "(LIKE incidents INCLUDING DEFAULTS) ON COMMIT DROP"
        )
    )
    conn.execute(text("TRUNCATE vis_incident_stage"))
    _pg_copy(conn, rows, ctx, "vis_incident_stage")
    stage = table("vis_incident_stage", *(column(k) for k in WRITE_COLUMNS))
    stmt = postgresql.insert(incidents).from_select(
        list(WRITE_COLUMNS), select(*(stage.c[k] for k in WRITE_COLUMNS))
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[incidents.c.id],
        set_={k: stmt.excluded[k] for k in _UPDATE_COLUMNS},
    )
    conn.execute(stmt)


# --- quarantine ------------------------------------------------------------------------------


def write_quarantine(conn: Connection, rows: pd.DataFrame, run_id: int, now: dt.datetime) -> int:
    """Store rejected rows with their raw values and reason; returns how many."""
    if rows.empty:
        return 0
    records = [
        {
            "run_id": run_id,
            "row_number": int(r["row_number"]),
            "incident_id": r["incident_id"],
            "reason": str(r["reason"]),
            "raw": r["raw"],
            "received_at": now,
        }
        for r in rows.to_dict(orient="records")
    ]
    conn.execute(insert(quarantine), records)
    return len(records)

"""Loading normalised incidents: classify, keep history, upsert; and quarantine rows.

Per chunk the stored ``row_hash`` of the chunk's ids is looked up once. Rows whose id is unknown are
inserted, rows whose hash differs are updated (their old and new values go to ``incident_changes``),
and rows with the same hash are counted as unchanged and not written. Writes use the dialect's
``insert … on conflict do update``: on SQLite through the driver's ``executemany``; on PostgreSQL
new rows are streamed with ``COPY`` (ingest runs are serialised by an advisory lock, so "new" stays
true within the run) and changed rows go through a staging table into ``insert … on conflict``.

An id that occurs more than once in a chunk is applied in order of occurrence, so the last one wins
and the versions before it are kept in the history. When the stored row already equals the last
version, none of its occurrences is written: they are all unchanged, so loading the same delivery
again changes nothing.

The rows arrive as Arrow arrays, usually already encoded for the database (:mod:`ingest.encode`).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Connection, column, insert, select, table, text
from sqlalchemy.dialects import postgresql

from ingest import arrowrows as ar
from ingest.encode import (
    UPDATE_COLUMNS,
    WRITE_COLUMNS,
    CopyPayload,
    PreparedRows,
    WriteContext,
    copy_payload,
    sqlite_parameters,
    sqlite_text,
    sqlite_upsert_sql,
    unique_ids,
)
from vis.db.schema import INCIDENT_DATA_COLUMNS, incident_changes, incidents, quarantine

__all__ = ["LoadCounts", "WriteContext", "write_incidents", "write_quarantine"]

#: Advisory-lock key that serialises ingest runs on PostgreSQL (any constant 64-bit number).
PG_INGEST_LOCK_KEY = 0x5649_5349_4E47_4553 & 0x7FFF_FFFF_FFFF_FFFF


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
    """Rebuild the secondary indexes (bulk mode); SQLite may sort with a helper thread per core."""
    if conn.dialect.name != "sqlite":
        for index in incidents.indexes:
            index.create(conn, checkfirst=True)
        return
    threads = conn.exec_driver_sql("PRAGMA threads").scalar()
    conn.exec_driver_sql(f"PRAGMA threads = {min(os.cpu_count() or 1, 4)}")
    try:
        for index in incidents.indexes:
            index.create(conn, checkfirst=True)
    finally:
        conn.exec_driver_sql(f"PRAGMA threads = {int(threads or 0)}")


def write_incidents(
    conn: Connection, rows: PreparedRows | pa.Table | pd.DataFrame, ctx: WriteContext
) -> LoadCounts:
    """Upsert one normalised chunk (``ingest.normalise.OUTPUT_COLUMNS``); returns what happened."""
    if isinstance(rows, pd.DataFrame):
        rows = ar.from_rows(rows)
    prepared = rows if isinstance(rows, PreparedRows) else PreparedRows(rows)
    counts = LoadCounts()
    data = prepared.table
    if data.num_rows == 0:
        return counts
    if prepared.pg_copy is not None or unique_ids(data):
        _write_round(conn, prepared, ctx, counts)
        return counts
    data = _without_settled_repeats(conn, data, counts)
    ids = data["id"].to_numpy(zero_copy_only=False)
    occurrence = pd.Series(ids).groupby(ids, sort=False).cumcount().to_numpy()
    for k in np.unique(occurrence):
        _write_round(conn, PreparedRows(data.filter(pa.array(occurrence == k))), ctx, counts)
    return counts


def _without_settled_repeats(conn: Connection, data: pa.Table, counts: LoadCounts) -> pa.Table:
    """Drop every occurrence of an id whose last version equals the stored row (unchanged)."""
    ids = data["id"].combine_chunks()
    frame = pd.DataFrame({"id": ids.to_numpy(zero_copy_only=False)})
    last = frame.drop_duplicates("id", keep="last").index.to_numpy()
    last_ids = ids.take(pa.array(last))
    stored_ids, stored_hashes = _stored_hashes(conn, last_ids)
    stored = pc.index_in(last_ids, value_set=stored_ids)
    same = ar.mask(
        pc.fill_null(pc.equal(stored_hashes.take(stored), data["row_hash"].take(last)), False)
    )
    if not same.any():
        return data
    settled = ar.mask(pc.is_in(ids, value_set=last_ids.filter(pa.array(same))))
    counts.unchanged += int(settled.sum())
    return data.filter(pa.array(~settled))


def _write_round(
    conn: Connection, prepared: PreparedRows, ctx: WriteContext, counts: LoadCounts
) -> None:
    rows = prepared.table
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
        _sqlite_upsert(conn, prepared, is_new | is_changed, ctx)
    elif conn.dialect.name == "postgresql":
        if is_new.any():
            ready = prepared.pg_copy if is_new.all() else None
            _pg_copy(conn, ready or copy_payload(rows.filter(pa.array(is_new)), ctx), "incidents")
        if is_changed.any():
            _pg_upsert_via_stage(conn, copy_payload(rows.filter(pa.array(is_changed)), ctx))
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


# --- writers ---------------------------------------------------------------------------------


def _sqlite_upsert(
    conn: Connection, prepared: PreparedRows, keep: np.ndarray, ctx: WriteContext
) -> None:
    sql, _ = sqlite_upsert_sql(ctx.source, ctx.run_id, sqlite_text(ctx.now))
    rows = prepared.table if keep.all() else prepared.table.filter(pa.array(keep))
    params = sqlite_parameters(rows, ctx)
    raw = conn.connection.driver_connection
    assert raw is not None
    cur = raw.cursor()
    try:
        cur.executemany(sql, params)
    finally:
        cur.close()


def _pg_copy(conn: Connection, payload: CopyPayload, target: str) -> None:
    raw = conn.connection.driver_connection
    assert raw is not None
    cols = ", ".join(f'"{c}"' for c in WRITE_COLUMNS)
    with raw.cursor() as cur, cur.copy(f"COPY {target} ({cols}) FROM STDIN (FORMAT csv)") as copy:
        copy.write(payload.data)


def _pg_upsert_via_stage(conn: Connection, payload: CopyPayload) -> None:
    conn.execute(
        text(
            "CREATE TEMP TABLE IF NOT EXISTS vis_incident_stage "
            "(LIKE incidents INCLUDING DEFAULTS) ON COMMIT DROP"
        )
    )
    conn.execute(text("TRUNCATE vis_incident_stage"))
    _pg_copy(conn, payload, "vis_incident_stage")
    stage = table("vis_incident_stage", *(column(k) for k in WRITE_COLUMNS))
    stmt = postgresql.insert(incidents).from_select(
        list(WRITE_COLUMNS), select(*(stage.c[k] for k in WRITE_COLUMNS))
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[incidents.c.id],
        set_={k: stmt.excluded[k] for k in UPDATE_COLUMNS},
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

"""Loading normalised incidents: classify, keep history, upsert; and quarantine rows.

Per chunk the stored ``row_hash`` of the chunk's ids is looked up once. Rows whose id is unknown are
inserted, rows whose hash differs are updated (their old and new values go to ``incident_changes``),
and rows with the same hash are counted as unchanged and not written. Writes use the dialect's
``insert … on conflict do update``: on SQLite through the driver's ``executemany``; on PostgreSQL
new rows are streamed with ``COPY`` (ingest runs are serialised by an advisory lock, so "new" stays
true within the run) and changed rows go through a staging table into ``insert … on conflict``.
An id that occurs more than once in a chunk is applied in order of occurrence: the last one wins.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
from sqlalchemy import Connection, column, insert, select, table, text
from sqlalchemy.dialects import postgresql, sqlite

from ingest.columns import ROW
from vis.db.schema import INCIDENT_DATA_COLUMNS, incident_changes, incidents, quarantine
from vis.timefmt import utc_text

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
_BOOL_COLUMNS = ("report_made", "attempt", "solved")
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
    """Upsert one normalised chunk; returns what happened to its rows."""
    counts = LoadCounts()
    if rows.empty:
        return counts
    occurrence = rows.groupby("id", sort=False).cumcount()
    for _, part in rows.groupby(occurrence.to_numpy(), sort=True):
        _write_round(conn, part.reset_index(drop=True), ctx, counts)
    return counts


def _write_round(
    conn: Connection, rows: pd.DataFrame, ctx: WriteContext, counts: LoadCounts
) -> None:
    stored = _stored_hashes(conn, rows["id"].tolist())
    old_hash = np.array([stored.get(i) for i in rows["id"].tolist()], dtype=object)
    is_new = np.array([h is None for h in old_hash], dtype=bool)
    is_changed = (~is_new) & (old_hash != rows["row_hash"].to_numpy(dtype=object))
    counts.inserted += int(is_new.sum())
    counts.updated += int(is_changed.sum())
    counts.unchanged += int(len(rows) - is_new.sum() - is_changed.sum())
    if not (is_new.any() or is_changed.any()):
        return
    changed = rows[is_changed]
    if len(changed):
        _record_changes(conn, changed, ctx)
    frame = _with_bookkeeping(rows[is_new | is_changed], ctx)
    if conn.dialect.name == "sqlite":
        _sqlite_upsert(conn, frame)
    elif conn.dialect.name == "postgresql":
        _pg_copy(conn, frame[is_new[is_new | is_changed]], "incidents")
        if len(changed):
            _pg_upsert_via_stage(conn, frame[is_changed[is_new | is_changed]])
    else:
        raise NotImplementedError(f"no loader for {conn.dialect.name}")


def _stored_hashes(conn: Connection, ids: list[str]) -> dict[str, str]:
    if conn.dialect.name == "sqlite":
        sql = text(
            "SELECT id, row_hash FROM incidents WHERE id IN (SELECT value FROM json_each(:ids))"
        )
        result = conn.execute(sql, {"ids": json.dumps(ids)})
    else:
        result = conn.execute(
            text("SELECT id, row_hash FROM incidents WHERE id = ANY(:ids)"), {"ids": ids}
        )
    return dict(result.tuples().all())


def _with_bookkeeping(rows: pd.DataFrame, ctx: WriteContext) -> pd.DataFrame:
    frame = rows.drop(columns=[ROW], errors="ignore").copy()
    frame["source"] = ctx.source
    frame["first_run_id"] = ctx.run_id
    frame["last_run_id"] = ctx.run_id
    now = pd.Timestamp(ctx.now).tz_convert("UTC")
    frame["created_at"] = now
    frame["updated_at"] = now
    return frame.loc[:, list(WRITE_COLUMNS)]


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


def _sqlite_upsert_sql() -> tuple[str, list[str]]:
    stmt = sqlite.insert(incidents)
    stmt = stmt.on_conflict_do_update(
        index_elements=[incidents.c.id],
        set_={k: stmt.excluded[k] for k in _UPDATE_COLUMNS},
    )
    compiled = stmt.compile(
        dialect=sqlite.dialect(paramstyle="qmark"), column_keys=list(WRITE_COLUMNS)
    )
    return str(compiled), list(compiled.positiontup or [])


def _naive_utc(col: pd.Series) -> np.ndarray:
    return np.asarray(col.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy("datetime64[us]"))


def _column_values(frame: pd.DataFrame, name: str) -> list[Any]:
    col = frame[name]
    if name in _DATETIME_COLUMNS:
        return utc_text(_naive_utc(col)).to_pylist()
    if name in _BOOL_COLUMNS:
        return [None if v is pd.NA else int(v) for v in col.astype("boolean").tolist()]
    if name in ("x", "y", "lon", "lat"):
        arr = col.to_numpy(dtype="float64", na_value=np.nan)
        return [None if v != v else v for v in arr.tolist()]
    return col.astype(object).where(col.notna(), None).tolist()


def _sqlite_upsert(conn: Connection, frame: pd.DataFrame) -> None:
    sql, order = _sqlite_upsert_sql()
    columns = [_column_values(frame, name) for name in order]
    raw = conn.connection.driver_connection
    assert raw is not None
    cur = raw.cursor()
    try:
        cur.executemany(sql, zip(*columns, strict=True))
    finally:
        cur.close()


# --- PostgreSQL ------------------------------------------------------------------------------


def _copy_csv(frame: pd.DataFrame) -> bytes:
    """The frame as CSV for ``COPY … (FORMAT csv)``: NULL is an empty unquoted field."""
    arrays = []
    for name in WRITE_COLUMNS:
        col = frame[name]
        if name in _DATETIME_COLUMNS:
            arrays.append(utc_text(_naive_utc(col), suffix="+00"))
        elif name in _BOOL_COLUMNS:
            arrays.append(pa.array(col.astype("boolean"), pa.bool_()))
        elif name in ("suspects", "arrests", "first_run_id", "last_run_id"):
            arrays.append(pa.array(col.astype("Int64"), pa.int64()))
        elif name in ("x", "y", "lon", "lat"):
            arrays.append(pa.array(col.to_numpy(dtype="float64", na_value=np.nan), from_pandas=True))
        else:
            arrays.append(pa.array(col.astype(object).where(col.notna(), None), pa.string()))
    out = io.BytesIO()
    pacsv.write_csv(
        pa.Table.from_arrays(arrays, names=list(WRITE_COLUMNS)),
        out,
        pacsv.WriteOptions(include_header=False),
    )
    return out.getvalue()


def _pg_copy(conn: Connection, frame: pd.DataFrame, table: str) -> None:
    if frame.empty:
        return
    raw = conn.connection.driver_connection
    assert raw is not None
    cols = ", ".join(f'"{c}"' for c in WRITE_COLUMNS)
    with raw.cursor() as cur, cur.copy(f"COPY {table} ({cols}) FROM STDIN (FORMAT csv)") as copy:
        copy.write(_copy_csv(frame))


def _pg_upsert_via_stage(conn: Connection, frame: pd.DataFrame) -> None:
    conn.execute(
        text(
            "CREATE TEMP TABLE IF NOT EXISTS vis_incident_stage "
            "(LIKE incidents INCLUDING DEFAULTS) ON COMMIT DROP"
        )
    )
    conn.execute(text("TRUNCATE vis_incident_stage"))
    _pg_copy(conn, frame, "vis_incident_stage")
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

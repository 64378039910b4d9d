"""Normalised incidents encoded for the database: SQLite's bound values, PostgreSQL's COPY.

Encoding is pure work on Arrow arrays and needs no connection, so the ingest pipeline does it on its
worker thread, ahead of the writer (:func:`prepare_rows`): the writer then only hands finished
values to the driver. Everything here is deterministic; the bookkeeping values of a run (source,
run id, moment of processing) come in a :class:`WriteContext`.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from sqlalchemy import literal, literal_column
from sqlalchemy.dialects import sqlite

from ingest import arrowrows as ar
from vis.db.schema import INCIDENT_DATA_COLUMNS, incidents
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
UPDATE_COLUMNS = tuple(
    col for col in WRITE_COLUMNS if col not in ("id", "first_run_id", "created_at")
)
_DATETIME_COLUMNS = ("begin_at", "end_at", "known_at", "created_at", "updated_at")
_INT32_COLUMNS = ("suspects", "arrests", "first_run_id", "last_run_id")
_FLOAT_COLUMNS = ("x", "y", "lon", "lat")


@dataclass(frozen=True)
class WriteContext:
    """The bookkeeping values that every row of a run gets."""

    source: str
    run_id: int
    now: dt.datetime


@dataclass(frozen=True)
class CopyPayload:
    """Rows as the body of ``COPY … FROM STDIN (FORMAT csv)``."""

    data: bytes
    rows: int


@dataclass(frozen=True)
class PreparedRows:
    """A chunk's incidents (``ingest.arrowrows.SCHEMA``), with every row encoded ahead for COPY.

    ``pg_copy`` is made only for PostgreSQL and only when the chunk's ids are unique; the writer
    uses it when all rows turn out to be new (a first load, and most daily rows), and otherwise
    encodes the rows it writes itself. COPY is one long wait on the server with the GIL released,
    so encoding the next piece on the pipeline's worker thread overlaps with it. SQLite's
    ``executemany`` needs the GIL for every row it binds, so there the writer's own thread encodes
    (measured: preparing ahead made it slower, not faster).
    """

    table: pa.Table
    pg_copy: CopyPayload | None = None


def unique_ids(table: pa.Table) -> bool:
    ids = table["id"]
    return bool(pc.count_distinct(ids).as_py() == len(ids))


def prepare_rows(table: pa.Table, ctx: WriteContext, dialect: str) -> PreparedRows:
    """``table``, with its COPY payload when the writer can use it (see :class:`PreparedRows`)."""
    if dialect == "postgresql" and table.num_rows and unique_ids(table):
        return PreparedRows(table, pg_copy=copy_payload(table, ctx))
    return PreparedRows(table)


# --- SQLite ----------------------------------------------------------------------------------


def sqlite_text(moment: dt.datetime) -> str:
    """SQLAlchemy's SQLite DATETIME text for an aware moment, in UTC."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _sqlite_literal(value: str | int) -> str:
    return str(
        literal(value).compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True})
    )


@lru_cache(maxsize=4)
def sqlite_upsert_sql(source: str, run_id: int, now: str) -> tuple[str, tuple[str, ...]]:
    """The upsert statement, with the run's bookkeeping values written in as literals.

    Binding the same five values for every row would cost about a twentieth of ``executemany``.
    Returns the SQL and the order of its bound columns.
    """
    constants: dict[str, str | int] = {
        "source": source,
        "first_run_id": run_id,
        "last_run_id": run_id,
        "created_at": now,
        "updated_at": now,
    }
    stmt = sqlite.insert(incidents).values(
        {k: literal_column(_sqlite_literal(v)) for k, v in constants.items()}
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[incidents.c.id],
        set_={k: stmt.excluded[k] for k in UPDATE_COLUMNS},
    )
    data = [k for k in WRITE_COLUMNS if k not in constants]
    compiled = stmt.compile(dialect=sqlite.dialect(paramstyle="qmark"), column_keys=data)
    return str(compiled), tuple(compiled.positiontup or ())


def _sqlite_values(rows: pa.Table, name: str) -> list[Any]:
    """One column as the Python values that sqlite3 binds."""
    col = rows[name].combine_chunks()
    if name in _DATETIME_COLUMNS:
        return utc_text(ar.naive_utc(col)).to_pylist()
    if name in _FLOAT_COLUMNS:
        col = pc.if_else(pc.is_nan(col), pa.scalar(None, pa.float64()), col)
    return col.to_pylist()


def sqlite_parameters(rows: pa.Table, ctx: WriteContext) -> Iterator[tuple[Any, ...]]:
    """The rows as parameter tuples of :func:`sqlite_upsert_sql`'s statement."""
    _, order = sqlite_upsert_sql(ctx.source, ctx.run_id, sqlite_text(ctx.now))
    return zip(*(_sqlite_values(rows, name) for name in order), strict=True)


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


def copy_payload(rows: pa.Table, ctx: WriteContext) -> CopyPayload:
    """The rows as CSV for ``COPY … (FORMAT csv)``: NULL is an empty unquoted field.

    (A binary COPY encoded from Arrow was measured as no faster on the server, which does most of
    the work, so the dependency it needs was not taken.)
    """
    data = _pg_table(rows, ctx)
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
    return CopyPayload(out.getvalue(), rows.num_rows)

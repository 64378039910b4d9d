"""Database glue of the briefings: load the incidents known before a cut-off, keep snapshots.

Queries use bound parameters only. A stored briefing is never changed: building again inserts the
next ``version`` for (municipality, date, shift).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from itertools import groupby
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, DateTime, Engine, and_, func, insert, select, type_coerce
from sqlalchemy.exc import IntegrityError

from briefing.history import INCIDENT_COLUMNS
from vis.db.schema import briefings, incidents

_TIME_COLUMNS = ("begin_at", "end_at", "known_at")
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_NAIVE_EPOCH = dt.datetime(1970, 1, 1)
_MICROSECOND = dt.timedelta(microseconds=1)
_NAT = np.iinfo(np.int64).min


def _columns() -> list[Any]:
    """The incident columns; the times without :class:`UtcDateTime`'s per-value conversion (the
    frame converts them all at once, to the same UTC-aware values)."""
    return [
        type_coerce(incidents.c[name], DateTime(timezone=True)).label(name)
        if name in _TIME_COLUMNS
        else incidents.c[name]
        for name in INCIDENT_COLUMNS
    ]


def _where(known_before: dt.datetime, known_since: dt.datetime | None) -> list[Any]:
    if known_before.tzinfo is None:
        raise ValueError("known_before must be timezone-aware")
    where = [incidents.c.known_at < known_before]
    if known_since is not None:
        where.append(incidents.c.known_at >= known_since)
    return where


def _utc_times(values: Sequence[dt.datetime | None]) -> pd.Series:
    """The times as UTC-aware microseconds: naive values (SQLite) are UTC, aware ones are
    converted, ``None`` is NaT (what ``pd.to_datetime(..., utc=True)`` gives, without its
    per-object inference)."""
    if all(v is None for v in values):
        return pd.to_datetime(pd.Series(list(values), dtype=object), utc=True)  # as pandas does
    micros = np.fromiter(
        (
            _NAT
            if v is None
            else (v - (_NAIVE_EPOCH if v.tzinfo is None else _EPOCH)) // _MICROSECOND
            for v in values
        ),
        dtype=np.int64,
        count=len(values),
    )
    return pd.Series(micros.view("datetime64[us]")).dt.tz_localize("UTC")


def incident_frame(rows: Sequence[Sequence[Any]]) -> pd.DataFrame:
    """Rows (plain tuples, in INCIDENT_COLUMNS order) as the incident frame, times UTC-aware;
    built column by column (the same frame as pandas' row-wise construction, faster)."""
    if not rows:
        frame = pd.DataFrame(rows, columns=list(INCIDENT_COLUMNS))
        for name in _TIME_COLUMNS:
            frame[name] = pd.to_datetime(frame[name], utc=True)
        for name in ("x", "y", "arrests"):
            frame[name] = pd.to_numeric(frame[name], errors="coerce").astype(float)
        return frame
    data: dict[str, pd.Series] = {}
    for name, values in zip(INCIDENT_COLUMNS, zip(*rows, strict=True), strict=True):
        if name in _TIME_COLUMNS:
            data[name] = _utc_times(values)
        elif name in ("x", "y", "arrests"):
            data[name] = pd.to_numeric(pd.Series(values), errors="coerce").astype(float)
        else:
            data[name] = pd.Series(values)
    return pd.DataFrame(data)


def load_incidents(
    conn: Connection,
    *,
    known_before: dt.datetime,
    known_since: dt.datetime | None = None,
    municipality: str | None = None,
) -> pd.DataFrame:
    """Incidents with Kennisname in ``[known_since, known_before)`` as a frame (times UTC-aware).

    ``municipality`` limits them to incidents located in that municipality's areas; ``None``
    takes every incident (also those outside every area, which take part in the grid hotspots).
    """
    where = _where(known_before, known_since)
    if municipality is not None:
        where.append(incidents.c.municipality_code == municipality)
    query = select(*_columns()).where(and_(*where)).order_by(incidents.c.id)
    return incident_frame([tuple(row) for row in conn.execute(query)])


def load_incidents_by_municipality(
    conn: Connection,
    municipalities: Sequence[str],
    *,
    known_before: dt.datetime,
    known_since: dt.datetime | None = None,
) -> dict[str, pd.DataFrame]:
    """:func:`load_incidents` of each of ``municipalities`` (the same frames), from one query.

    Every code gets a frame, an empty one when it has no incidents in the range."""
    codes = sorted(set(municipalities))
    query = (
        select(*_columns(), incidents.c.municipality_code)
        .where(and_(*_where(known_before, known_since), incidents.c.municipality_code.in_(codes)))
        .order_by(incidents.c.municipality_code, incidents.c.id)
    )
    width = len(INCIDENT_COLUMNS)
    grouped: dict[str, list[tuple[Any, ...]]] = {code: [] for code in codes}
    for code, rows in groupby(conn.execute(query).all(), key=lambda row: row[width]):
        grouped[code] = [tuple(row)[:width] for row in rows]
    return {code: incident_frame(grouped[code]) for code in municipalities}


def store_briefing(
    engine: Engine, content: dict[str, Any], *, created_by: str, attempts: int = 5
) -> int:
    """Insert ``content`` as the next version for its municipality, date and shift; the version."""
    day = dt.date.fromisoformat(content["date"])
    key = and_(
        briefings.c.municipality_code == content["municipality"],
        briefings.c.date == day,
        briefings.c.shift == content["shift"],
    )
    for attempt in range(attempts):
        try:
            with engine.begin() as conn:
                latest = conn.execute(select(func.max(briefings.c.version)).where(key)).scalar()
                version = int(latest or 0) + 1
                stored = {**content, "version": version}
                conn.execute(
                    insert(briefings).values(
                        municipality_code=content["municipality"],
                        date=day,
                        shift=content["shift"],
                        version=version,
                        rules_version=content["rules_version"],
                        window_start=dt.datetime.fromisoformat(content["window"]["start"]),
                        window_end=dt.datetime.fromisoformat(content["window"]["end"]),
                        data_until=(
                            dt.datetime.fromisoformat(content["data_until"])
                            if content.get("data_until")
                            else None
                        ),
                        cutoff=dt.datetime.fromisoformat(content["cutoff"]),
                        created_at=dt.datetime.now(dt.UTC),
                        created_by=created_by,
                        content=stored,
                    )
                )
                return version
        except IntegrityError:
            if attempt == attempts - 1:
                raise
    raise RuntimeError("unreachable")


def read_briefing(
    conn: Connection, municipality: str, day: dt.date, shift: str, version: int | None = None
) -> dict[str, Any] | None:
    """The stored content of one version (``None``: the latest), or ``None`` when there is none."""
    query = select(briefings.c.content, briefings.c.version).where(
        briefings.c.municipality_code == municipality,
        briefings.c.date == day,
        briefings.c.shift == shift,
    )
    if version is not None:
        query = query.where(briefings.c.version == version)
    row = conn.execute(query.order_by(briefings.c.version.desc()).limit(1)).first()
    if row is None:
        return None
    content = dict(row.content)
    content["version"] = int(row.version)
    return content


def briefing_versions(conn: Connection, municipality: str, day: dt.date, shift: str) -> list[int]:
    rows = conn.execute(
        select(briefings.c.version)
        .where(
            briefings.c.municipality_code == municipality,
            briefings.c.date == day,
            briefings.c.shift == shift,
        )
        .order_by(briefings.c.version)
    ).all()
    return [int(r.version) for r in rows]

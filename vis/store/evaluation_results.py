"""The stored output of `vis evaluate --pilot` (table ``evaluation_results``, migration 0009).

One row per municipality and pilot: the last computed text and JSON, under the key they were
computed for (:mod:`vis.services.evaluation_results` builds it from the code version, the
configuration and :func:`data_marks`). A stored output is only ever used for the same key.
This module imports neither pandas nor the statistics: reading a stored output must stay fast.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Select, delete, func, insert, select

from vis.db.schema import (
    areas,
    briefings,
    cbs_population,
    evaluation_results,
    incident_stats,
    incidents,
    patrol_visits,
)


@dataclass(frozen=True)
class StoredEvaluation:
    pilot: str
    key_sha256: str
    code_version: str
    text: str
    json: str
    computed_at: dt.datetime
    seconds: float


def data_marks(conn: Connection) -> list[Any]:
    """What the evaluation reads, summarised so that any insert, update or delete shows:
    incidents (count, largest id, latest update and Kennisname), the reduced incidents, the
    briefings (a new version is a new row), the patrol visits, the areas and CBS populations."""
    i, s, b, v = incidents.c, incident_stats.c, briefings.c, patrol_visits.c
    queries: list[Select[Any]] = [
        select(func.count(), func.max(i.id), func.max(i.updated_at), func.max(i.known_at)),
        select(func.count(), func.max(s.id), func.sum(s.count), func.sum(s.arrests)),
        select(func.count(), func.max(b.id)),
        select(func.count(), func.max(v.id), func.sum(v.duration_min)),
        select(func.count(), func.sum(areas.c.inhabitants), func.max(areas.c.code)),
        select(func.count(), func.sum(cbs_population.c.inhabitants)),
    ]
    marks: list[Any] = []
    for query in queries:
        marks += [_plain(value) for value in conn.execute(query).one()]
    return marks


def _plain(value: Any) -> Any:
    """A mark as JSON-ready text or number, the same from SQLite and PostgreSQL."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, str):
        parsed = _datetime(value)
        return parsed if parsed is not None else value
    if value is None or isinstance(value, int):
        return value
    return str(value)  # a Decimal from PostgreSQL's SUM


def _datetime(text: str) -> str | None:
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return _plain(value) if len(text) > 10 else None


def stored_evaluation(
    conn: Connection, municipality: str, pilot: str, key_sha256: str
) -> StoredEvaluation | None:
    """The stored output of ``pilot`` when it was computed for ``key_sha256``, else None."""
    r = evaluation_results.c
    row = conn.execute(
        select(r.pilot, r.key_sha256, r.code_version, r.text, r.json, r.computed_at, r.seconds)
        .where(r.municipality_code == municipality, r.pilot == pilot)
        .where(r.key_sha256 == key_sha256)
    ).first()
    if row is None:
        return None
    return StoredEvaluation(*row)


def store_evaluation(conn: Connection, municipality: str, result: StoredEvaluation) -> None:
    """Replace the pilot's stored output with ``result`` (commit is the caller's)."""
    r = evaluation_results.c
    conn.execute(
        delete(evaluation_results).where(
            r.municipality_code == municipality, r.pilot == result.pilot
        )
    )
    conn.execute(
        insert(evaluation_results).values(
            municipality_code=municipality,
            pilot=result.pilot,
            key_sha256=result.key_sha256,
            code_version=result.code_version,
            text=result.text,
            json=result.json,
            computed_at=result.computed_at,
            seconds=result.seconds,
        )
    )

"""Read queries of the app's pages (SQLAlchemy Core, every value a bound parameter).

Functions take a ``Connection`` and plain values and return plain rows or dataclasses; nothing
here knows about Streamlit, roles or caching. The one write, :func:`record_visit`, is here too so
that pages never build SQL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, and_, func, insert, select

from vis.db.engine import WRITE_LOCK
from vis.db.schema import (
    areas,
    audit_log,
    briefings,
    incidents,
    ingest_runs,
    patrol_visits,
    quarantine,
    users,
)
from vis.security import audit


@dataclass(frozen=True)
class BriefingRow:
    id: int
    date: dt.date
    shift: str
    version: int
    rules_version: str
    window_start: dt.datetime
    window_end: dt.datetime
    data_until: dt.datetime | None
    cutoff: dt.datetime
    created_at: dt.datetime
    content: dict[str, Any]

    @property
    def hotspots(self) -> list[dict[str, Any]]:
        spots = self.content.get("hotspots") or []
        return sorted(
            (h for h in spots if isinstance(h, dict)), key=lambda h: h.get("rank", 1 << 30)
        )


def _briefing(row: Any) -> BriefingRow:
    content = row.content if isinstance(row.content, dict) else {}
    return BriefingRow(
        id=row.id,
        date=row.date,
        shift=row.shift,
        version=row.version,
        rules_version=row.rules_version,
        window_start=row.window_start,
        window_end=row.window_end,
        data_until=row.data_until,
        cutoff=row.cutoff,
        created_at=row.created_at,
        content=content,
    )


def briefing_for(
    conn: Connection, municipality: str, date: dt.date, shift: str
) -> BriefingRow | None:
    """The latest version of the stored briefing for a date and shift."""
    row = conn.execute(
        select(briefings)
        .where(
            briefings.c.municipality_code == municipality,
            briefings.c.date == date,
            briefings.c.shift == shift,
        )
        .order_by(briefings.c.version.desc())
        .limit(1)
    ).first()
    return _briefing(row) if row is not None else None


def latest_briefing(conn: Connection, municipality: str) -> BriefingRow | None:
    """The most recent stored briefing (by shift window), any shift."""
    row = conn.execute(
        select(briefings)
        .where(briefings.c.municipality_code == municipality)
        .order_by(briefings.c.window_start.desc(), briefings.c.version.desc())
        .limit(1)
    ).first()
    return _briefing(row) if row is not None else None


def briefings_since(conn: Connection, municipality: str, since: dt.date) -> list[BriefingRow]:
    """The latest version of every stored briefing from ``since`` on, oldest first."""
    rows = conn.execute(
        select(briefings)
        .where(briefings.c.municipality_code == municipality, briefings.c.date >= since)
        .order_by(briefings.c.date, briefings.c.shift, briefings.c.version)
    ).all()
    latest: dict[tuple[dt.date, str], BriefingRow] = {}
    for row in rows:
        latest[(row.date, row.shift)] = _briefing(row)
    return sorted(latest.values(), key=lambda b: b.window_start)


@dataclass(frozen=True)
class Freshness:
    last_status: str | None
    last_started: dt.datetime | None
    last_finished: dt.datetime | None
    data_until: dt.datetime | None


def freshness(conn: Connection) -> Freshness:
    last = conn.execute(
        select(ingest_runs.c.status, ingest_runs.c.started_at, ingest_runs.c.finished_at)
        .order_by(ingest_runs.c.started_at.desc(), ingest_runs.c.id.desc())
        .limit(1)
    ).first()
    until = conn.execute(select(func.max(incidents.c.known_at))).scalar()
    return Freshness(
        last_status=last.status if last else None,
        last_started=last.started_at if last else None,
        last_finished=last.finished_at if last else None,
        data_until=until,
    )


def incident_detail(conn: Connection, incident_id: str) -> dict[str, Any] | None:
    """One incident's details for the briefing, pseudonymised: street and PC4, no house number."""
    row = conn.execute(
        select(
            incidents.c.street,
            incidents.c.postcode,
            incidents.c.place,
            incidents.c.category,
            incidents.c.begin_at,
            incidents.c.end_at,
            incidents.c.known_at,
            incidents.c.attempt,
            incidents.c.suspects,
            incidents.c.arrests,
            incidents.c.solved,
            incidents.c.object_kind,
            areas.c.name.label("area_name"),
        )
        .select_from(incidents.outerjoin(areas, areas.c.code == incidents.c.area_code))
        .where(incidents.c.id == incident_id)
    ).first()
    if row is None:
        return None
    out = dict(row._mapping)
    out["postcode"] = (row.postcode or "")[:4] or None
    return out


def incident_points(conn: Connection, start: dt.datetime, end: dt.datetime) -> list[Any]:
    """(x, y, begin_at) of the incidents with metric coordinates that began in [start, end)."""
    return list(
        conn.execute(
            select(incidents.c.x, incidents.c.y, incidents.c.begin_at).where(
                incidents.c.begin_at >= start,
                incidents.c.begin_at < end,
                incidents.c.x.is_not(None),
                incidents.c.y.is_not(None),
            )
        ).all()
    )


def record_visit(
    engine: Engine,
    *,
    briefing_id: int,
    hotspot_id: str,
    username: str,
    visited_at: dt.datetime,
    duration_min: int | None = None,
    note: str | None = None,
    client: str | None = None,
) -> int:
    """Store a patrol visit and its audit entry in one transaction; returns the visit's id.

    Either both commit or neither: a visit never exists without the entry that says who made it.
    """
    note = (note or "").strip()[:500] or None
    with engine.connect().execution_options(**{WRITE_LOCK: True}) as conn, conn.begin():
        result = conn.execute(
            insert(patrol_visits).values(
                briefing_id=briefing_id,
                hotspot_id=hotspot_id[:64],
                username=username,
                visited_at=visited_at,
                duration_min=duration_min,
                note=note,
                created_at=dt.datetime.now(dt.UTC),
            )
        )
        key = result.inserted_primary_key
        assert key is not None
        visit_id = int(key[0])
        audit.append_in(
            conn,
            audit.VISIT,
            username=username,
            target=f"briefing:{briefing_id}/hotspot:{hotspot_id}",
            detail={"visit": visit_id},
            client=client,
        )
        return visit_id


def visits_for(
    conn: Connection, briefing_ids: Sequence[int], username: str | None = None
) -> list[Any]:
    """Patrol visits of these briefings (of one user when given), oldest first."""
    if not briefing_ids:
        return []
    query = select(
        patrol_visits.c.briefing_id,
        patrol_visits.c.hotspot_id,
        patrol_visits.c.username,
        patrol_visits.c.visited_at,
        patrol_visits.c.duration_min,
    ).where(patrol_visits.c.briefing_id.in_(list(briefing_ids)))
    if username is not None:
        query = query.where(patrol_visits.c.username == username)
    return list(conn.execute(query.order_by(patrol_visits.c.visited_at)).all())


def quarantine_rows(conn: Connection, limit: int | None = 500, *, raw: bool = False) -> list[Any]:
    cols = [
        quarantine.c.id,
        quarantine.c.run_id,
        quarantine.c.row_number,
        quarantine.c.incident_id,
        quarantine.c.reason,
        quarantine.c.received_at,
    ]
    if raw:
        cols.append(quarantine.c.raw)
    query = select(*cols).order_by(quarantine.c.id.desc())
    if limit is not None:
        query = query.limit(limit)
    return list(conn.execute(query).all())


def quarantine_count(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(quarantine)).scalar_one())


def user_rows(conn: Connection) -> list[Any]:
    return list(
        conn.execute(
            select(
                users.c.username,
                users.c.role,
                users.c.disabled,
                users.c.failed_logins,
                users.c.locked_until,
                users.c.created_at,
                users.c.password_changed_at,
            ).order_by(users.c.username)
        ).all()
    )


def audit_rows(
    conn: Connection, *, user_contains: str = "", action: str | None = None, limit: int = 500
) -> list[Any]:
    query = select(
        audit_log.c.id,
        audit_log.c.at,
        audit_log.c.username,
        audit_log.c.action,
        audit_log.c.target,
        audit_log.c.client,
        audit_log.c.detail,
    )
    conds = []
    if user_contains:
        conds.append(audit_log.c.username.contains(user_contains, autoescape=True))
    if action:
        conds.append(audit_log.c.action == action)
    if conds:
        query = query.where(and_(*conds))
    return list(conn.execute(query.order_by(audit_log.c.id.desc()).limit(limit)).all())


def audit_actions(conn: Connection) -> list[str]:
    return list(
        conn.execute(select(audit_log.c.action).distinct().order_by(audit_log.c.action)).scalars()
    )

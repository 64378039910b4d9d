"""What `vis status` reports: counts, freshness, the last runs and the quarantine."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, func, select

from vis.db.schema import incidents, ingest_runs, quarantine


def _iso(value: dt.datetime | dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _run_json(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "source": row.source,
        "kind": row.kind,
        "window_start": _iso(row.window_start),
        "window_end": _iso(row.window_end),
        "started_at": _iso(row.started_at),
        "finished_at": _iso(row.finished_at),
        "status": row.status,
        "received": row.received,
        "loaded": row.inserted + row.updated + row.unchanged,
        "inserted": row.inserted,
        "updated": row.updated,
        "unchanged": row.unchanged,
        "quarantined": row.quarantined,
        "unmapped": row.unmapped or {},
        "error": row.error,
        "duration_s": row.duration_s,
    }


def last_runs(conn: Connection, limit: int = 10) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(ingest_runs)
        .order_by(ingest_runs.c.started_at.desc(), ingest_runs.c.id.desc())
        .limit(limit)
    ).all()
    return [_run_json(r) for r in rows]


def source_freshness(conn: Connection) -> list[dict[str, Any]]:
    """Per source: the last successful run, the last run of any outcome, and its status."""
    out = []
    names = conn.execute(
        select(ingest_runs.c.source).distinct().order_by(ingest_runs.c.source)
    ).scalars()
    for name in names.all():
        last = conn.execute(
            select(ingest_runs)
            .where(ingest_runs.c.source == name)
            .order_by(ingest_runs.c.started_at.desc(), ingest_runs.c.id.desc())
            .limit(1)
        ).one()
        ok = conn.execute(
            select(func.max(ingest_runs.c.finished_at), func.max(ingest_runs.c.window_end)).where(
                ingest_runs.c.source == name, ingest_runs.c.status == "success"
            )
        ).one()
        out.append(
            {
                "source": name,
                "last_status": last.status,
                "last_started_at": _iso(last.started_at),
                "last_success_at": _iso(ok[0]),
                "fetched_until": _iso(ok[1]),
            }
        )
    return out


def collect_status(conn: Connection, *, runs: int = 10) -> dict[str, Any]:
    """The status as the contract's ``vis status --json`` gives it (and a little more)."""
    n_incidents = conn.execute(select(func.count()).select_from(incidents)).scalar_one()
    n_quarantined = conn.execute(select(func.count()).select_from(quarantine)).scalar_one()
    data_until = conn.execute(select(func.max(incidents.c.known_at))).scalar_one()
    recent = last_runs(conn, runs)
    return {
        "incidents": int(n_incidents),
        "quarantined": int(n_quarantined),
        "last_ingest": recent[0] if recent else None,
        "data_until": _iso(data_until),
        "sources": source_freshness(conn),
        "runs": recent,
    }


_OUTCOMES = {"success": "geslaagd", "failed": "mislukt", "running": "bezig"}


def format_status(status: dict[str, Any], tz: str = "Europe/Amsterdam") -> str:
    """The status as text for an operator: Dutch, local time, numbers by Babel (``nl_NL``)."""
    from vis.display import day, moment, number

    lines = [
        f"Incidenten:       {number(status['incidents'])}",
        f"In quarantaine:   {number(status['quarantined'])}",
        f"Gegevens tot:     {moment(status['data_until'], tz)}",
    ]
    last = status["last_ingest"]
    if last is None:
        lines.append("Laatste run:      nog geen")
    else:
        lines.append(
            f"Laatste run:      #{last['id']} {last['source']} "
            f"{_OUTCOMES.get(last['status'], last['status'])} "
            f"(ontvangen {number(last['received'])}, geladen {number(last['loaded'])}, "
            f"quarantaine {number(last['quarantined'])}) {moment(last['started_at'], tz)}"
        )
        if last["error"]:
            lines.append(f"  fout: {last['error']}")
    for src in status["sources"]:
        outcome = _OUTCOMES.get(src["last_status"], src["last_status"])
        lines.append(
            f"Bron {src['source']}: laatst {outcome}, "
            f"opgehaald tot {day(src['fetched_until'])}, "
            f"laatste succes {moment(src['last_success_at'], tz)}"
        )
    return "\n".join(lines)

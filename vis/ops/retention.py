"""Retention (Wpg art. 8 and 14): `vis purge [--dry-run]` and the scheduler's daily purge.

One purge is one transaction (SQLite: under the write lock), recorded by an audit entry that
commits with it:

* incidents first processed (``created_at``) more than ``retention.incident_detail_days`` ago are
  reduced to ``incident_stats`` rows (category, CBS code, area, municipality, grid cell and local
  month of ``begin_at``, with counts of incidents, attempts and arrests: no street, no identifier,
  no time of day), and their detail rows and ``incident_changes`` are deleted;
* quarantined raw rows received more than ``retention.quarantine_days`` ago are deleted;
* the free-text notes of patrol visits made more than ``retention.visit_notes_days`` ago are
  erased (the visit itself stays: it is the dosage in the evaluation);
* finished ledger rows (``ingest_runs``) started more than ``retention.ledger_days`` ago are
  deleted; the days that successful ones covered are kept as one compacted ledger row per source
  and consecutive span (``location`` says so), so that catch-up does not fetch them again;
* audit entries older than ``retention.audit_days`` are deleted with an anchor (``audit_anchor``)
  that holds the hash of the last one removed, from which :func:`vis.security.audit.verify_chain`
  starts.
  A chain that does not verify is not purged (the evidence stays); the purge entry says so.

``dry_run`` does all of this and rolls it back: the counts are exactly what a purge would do.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, delete, func, insert, select, update

from vis.db.engine import WRITE_LOCK
from vis.db.schema import (
    audit_anchor,
    audit_log,
    incident_changes,
    incident_stats,
    incidents,
    ingest_runs,
    patrol_visits,
    quarantine,
)
from vis.geo import Grid
from vis.security import audit
from vis.settings import Settings

PURGE = "purge"
COMPACTED = "samengevoegd (bewaartermijn)"
BATCH = 5000


@dataclass
class PurgeReport:
    """What a purge removed (or, dry run, would remove)."""

    dry_run: bool
    incidents_reduced: int = 0
    stats_rows: int = 0
    incident_changes_deleted: int = 0
    quarantine_deleted: int = 0
    visit_notes_erased: int = 0
    ledger_deleted: int = 0
    ledger_compacted: int = 0
    audit_deleted: int = 0
    audit_skipped: str | None = None
    cutoffs: dict[str, str] = field(default_factory=dict)

    def counts(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if k not in ("dry_run", "cutoffs")}


def _month(begin: dt.datetime, tz: ZoneInfo) -> dt.date:
    local = begin.astimezone(tz)
    return dt.date(local.year, local.month, 1)


def _reduce_incidents(
    conn: Connection, settings: Settings, cutoff: dt.datetime, now: dt.datetime, rep: PurgeReport
) -> None:
    tz = ZoneInfo(settings.schedule.timezone)
    geo = settings.geo
    grid = Grid(geo.cell_size_m, geo.grid_origin_x, geo.grid_origin_y)
    c = incidents.c
    while True:
        rows = conn.execute(
            select(
                c.id,
                c.category,
                c.cbs_code,
                c.area_code,
                c.municipality_code,
                c.x,
                c.y,
                c.begin_at,
                c.attempt,
                c.arrests,
            )
            .where(c.created_at < cutoff)
            .order_by(c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        groups: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
        for r in rows:
            cell = None
            if r.x is not None and r.y is not None:
                cell = grid.cell_ids([r.x], [r.y])[0]
            key = (
                r.category,
                r.cbs_code,
                r.area_code,
                r.municipality_code,
                cell,
                _month(r.begin_at, tz),
            )
            g = groups[key]
            g[0] += 1
            g[1] += 1 if r.attempt is True else 0
            g[2] += 1 if r.attempt is not None else 0
            g[3] += int(r.arrests or 0)
        conn.execute(
            insert(incident_stats),
            [
                {
                    "category": k[0],
                    "cbs_code": k[1],
                    "area_code": k[2],
                    "municipality_code": k[3],
                    "cell_id": k[4],
                    "month": k[5],
                    "count": g[0],
                    "attempts": g[1],
                    "attempts_known": g[2],
                    "arrests": g[3],
                    "reduced_at": now,
                }
                for k, g in groups.items()
            ],
        )
        ids = [r.id for r in rows]
        changed = conn.execute(
            delete(incident_changes).where(incident_changes.c.incident_id.in_(ids))
        )
        conn.execute(delete(incidents).where(c.id.in_(ids)))
        rep.incidents_reduced += len(ids)
        rep.stats_rows += len(groups)
        rep.incident_changes_deleted += changed.rowcount


def _spans(windows: list[tuple[dt.date, dt.date]]) -> list[tuple[dt.date, dt.date]]:
    """Merge [start, end) windows into consecutive or overlapping spans."""
    merged: list[tuple[dt.date, dt.date]] = []
    for start, end in sorted(windows):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _purge_ledger(
    conn: Connection, cutoff: dt.datetime, now: dt.datetime, rep: PurgeReport
) -> None:
    r = ingest_runs.c
    old = conn.execute(
        select(r.id, r.source, r.kind, r.status, r.window_start, r.window_end, r.location)
        .where(r.started_at < cutoff, r.status != "running")
        .order_by(r.id)
    ).all()
    if not old:
        return
    covered: dict[tuple[str, str], list[tuple[dt.date, dt.date]]] = defaultdict(list)
    for run in old:
        if run.status == "success" and run.window_start is not None and run.window_end is not None:
            covered[(run.source, run.kind)].append((run.window_start, run.window_end))
    ids = [run.id for run in old]
    for i in range(0, len(ids), BATCH):
        part = ids[i : i + BATCH]
        done = conn.execute(delete(quarantine).where(quarantine.c.run_id.in_(part)))
        rep.quarantine_deleted += done.rowcount
        conn.execute(delete(ingest_runs).where(r.id.in_(part)))
    compacted = [
        {
            "source": source,
            "kind": kind,
            "location": COMPACTED,
            "window_start": start,
            "window_end": end,
            "started_at": now,
            "finished_at": now,
            "status": "success",
            "received": 0,
            "inserted": 0,
            "updated": 0,
            "unchanged": 0,
            "quarantined": 0,
        }
        for (source, kind), windows in sorted(covered.items())
        for start, end in _spans(windows)
    ]
    if compacted:
        conn.execute(insert(ingest_runs), compacted)
    rep.ledger_deleted += len(ids)
    rep.ledger_compacted += len(compacted)


def _purge_audit(conn: Connection, cutoff: dt.datetime, now: dt.datetime, rep: PurgeReport) -> None:
    if conn.dialect.name == "postgresql":  # no append may slip in between check and delete
        from sqlalchemy import text

        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": audit.PG_LOCK_KEY})
    last_old = conn.execute(
        select(func.max(audit_log.c.id)).where(audit_log.c.at < cutoff)
    ).scalar()
    if last_old is None:
        return
    check = audit.verify_chain(conn)
    if not check.ok:
        rep.audit_skipped = f"keten niet heel vanaf regel {check.first_bad_id} ({check.reason})"
        return
    last_hash = conn.execute(select(audit_log.c.hash).where(audit_log.c.id == last_old)).scalar()
    done = conn.execute(delete(audit_log).where(audit_log.c.id <= last_old))
    key = audit.audit_key()
    mac = audit.anchor_mac(key, last_old, str(last_hash), done.rowcount, now) if key else None
    conn.execute(
        insert(audit_anchor).values(
            last_id=last_old, last_hash=last_hash, purged=done.rowcount, at=now, mac=mac
        )
    )
    rep.audit_deleted += done.rowcount


def purge(
    engine: Engine,
    settings: Settings,
    *,
    dry_run: bool = False,
    now: dt.datetime | None = None,
    username: str | None = None,
) -> PurgeReport:
    """Apply the retention periods of ``settings`` as of ``now`` (default: the current time)."""
    now = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    ret = settings.retention
    cut = {
        "incident_detail": now - dt.timedelta(days=ret.incident_detail_days),
        "quarantine": now - dt.timedelta(days=ret.quarantine_days),
        "visit_notes": now - dt.timedelta(days=ret.visit_notes_days),
        "ledger": now - dt.timedelta(days=ret.ledger_days),
        "audit": now - dt.timedelta(days=ret.audit_days),
    }
    rep = PurgeReport(dry_run, cutoffs={k: v.isoformat() for k, v in cut.items()})
    with engine.connect().execution_options(**{WRITE_LOCK: True}) as conn:
        tx = conn.begin()
        try:
            _reduce_incidents(conn, settings, cut["incident_detail"], now, rep)
            done = conn.execute(
                delete(quarantine).where(quarantine.c.received_at < cut["quarantine"])
            )
            rep.quarantine_deleted += done.rowcount
            done = conn.execute(
                update(patrol_visits)
                .where(
                    patrol_visits.c.visited_at < cut["visit_notes"],
                    patrol_visits.c.note.is_not(None),
                )
                .values(note=None)
            )
            rep.visit_notes_erased += done.rowcount
            _purge_ledger(conn, cut["ledger"], now, rep)
            _purge_audit(conn, cut["audit"], now, rep)
            if dry_run:
                tx.rollback()
                return rep
            audit.append_in(
                conn,
                PURGE,
                username=username,
                target="retention",
                detail={**rep.counts(), "cutoffs": rep.cutoffs},
                at=now,
            )
            tx.commit()
        except BaseException:
            if tx.is_active:
                tx.rollback()
            raise
    return rep


def format_report(rep: PurgeReport) -> str:
    """The Dutch summary that `vis purge` prints."""
    head = "proefdraai, niets gewijzigd" if rep.dry_run else "opgeschoond"
    lines = [
        f"{head}:",
        f"  incidenten teruggebracht tot statistiek: {rep.incidents_reduced} "
        f"({rep.stats_rows} statistiekregels, "
        f"{rep.incident_changes_deleted} wijzigingen verwijderd)",
        f"  quarantaineregels verwijderd: {rep.quarantine_deleted}",
        f"  bezoeknotities gewist: {rep.visit_notes_erased}",
        f"  ledgerregels verwijderd: {rep.ledger_deleted} ({rep.ledger_compacted} samengevoegd "
        "bewaard voor de dekking)",
        f"  auditregels verwijderd: {rep.audit_deleted}",
    ]
    if rep.audit_skipped:
        lines.append(f"  audit niet opgeschoond: {rep.audit_skipped}")
    return "\n".join(lines)

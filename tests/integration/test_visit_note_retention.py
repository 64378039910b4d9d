"""Visit notes (a handhaver's own words) are erased after `retention.visit_notes_days` by the
purge; the visits themselves stay for the evaluation (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, insert, select

from vis.db.schema import briefings, patrol_visits
from vis.ops.retention import format_report, purge
from vis.settings import load_settings


def test_old_visit_notes_are_erased_and_the_visits_kept(engine: Engine) -> None:
    settings = load_settings()
    now = dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC)
    old = now - dt.timedelta(days=settings.retention.visit_notes_days + 1)
    recent = now - dt.timedelta(days=1)
    with engine.begin() as conn:
        bid = conn.execute(
            insert(briefings).values(
                municipality_code="GM0307",
                date=now.date(),
                shift="avond",
                version=1,
                rules_version="t",
                window_start=old,
                window_end=now,
                cutoff=now,
                created_at=old,
                created_by="test",
                content={},
            )
        ).inserted_primary_key[0]
        for at, note in ((old, "Jan de Vries sprak ons aan"), (recent, "rustig"), (old, None)):
            conn.execute(
                insert(patrol_visits).values(
                    briefing_id=bid,
                    hotspot_id="h1",
                    username="handhaver",
                    visited_at=at,
                    note=note,
                    created_at=at,
                )
            )
    report = purge(engine, settings, now=now)
    assert report.visit_notes_erased == 1
    assert "bezoeknotities gewist: 1" in format_report(report)
    with engine.connect() as conn:
        rows = conn.execute(
            select(patrol_visits.c.visited_at, patrol_visits.c.note).order_by(patrol_visits.c.id)
        ).all()
    assert [r.note for r in rows] == [None, "rustig", None]  # all three visits are still there

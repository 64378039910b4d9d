"""`vis purge [--dry-run]` on SQLite and PostgreSQL, with rows on both sides of every limit;
evaluation figures for a purged month are the same before and after."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from clirun import CliResult, run_vis
from sqlalchemy import Engine, func, insert, inspect, select, update

from briefing.evaluation.indicators import indicator_table
from briefing.evaluation.params import Period, Targets
from ingest.runner import build_context, ingest_file
from vis.db.schema import (
    audit_anchor,
    audit_log,
    incident_changes,
    incident_stats,
    incidents,
    ingest_runs,
    quarantine,
)
from vis.ops.retention import COMPACTED, purge
from vis.security import audit
from vis.settings import PROJECT_ROOT, load_settings
from vis.store.evaluation_store import category_groups, grid_of, load_evaluation_data

NOW = dt.datetime.now(dt.UTC)
OLD, RECENT = NOW - dt.timedelta(days=400), NOW - dt.timedelta(days=300)
OLD_IDS = {"PL0900_BVH_7100001", "PL0900_BVH_7100002", "PL0900_BVH_7100004", "PL0900_BVH_7100005"}
MARCH = (dt.date(2017, 3, 1), dt.date(2017, 3, 31))


def vis(args: list[str], url: str) -> CliResult:
    env = {"VIS_DATABASE_URL": url, "VIS_CONFIG": str(PROJECT_ROOT / "config/vis.toml")}
    return run_vis(*args, env=env)


def _run(conn: Any, started: dt.datetime, **values: Any) -> int:
    row = {
        "source": "politie",
        "kind": "bvh",
        "started_at": started,
        "finished_at": started,
        "status": "success",
        "received": 1,
        "inserted": 1,
        **values,
    }
    return int(conn.execute(insert(ingest_runs).values(**row).returning(ingest_runs.c.id)).scalar())


@pytest.fixture
def populated(engine: Engine, test_data: Path, tmp_path: Path) -> Engine:
    """Incidents, changes, quarantine, ledger and audit rows on both sides of each limit."""
    settings = load_settings()
    ctx = build_context(settings, engine)
    recent_run = ingest_file(ctx, test_data / "bvh-extract-example.csv").run_id
    text = (test_data / "bvh-extract-example.csv").read_text(encoding="utf-8")
    changed = tmp_path / "changed.csv"  # changes for incident 1 (old) and 3 (recent)
    text = text.replace(";J;N;0;0;N;Woning", ";J;N;0;1;N;Woning")
    changed.write_text(text.replace(";Winkeldiefstal;Utrechtsestraat;", ";Winkeldiefstal;Hof;"))
    ingest_file(ctx, changed)
    with engine.begin() as conn:
        conn.execute(update(incidents).values(created_at=RECENT))
        conn.execute(update(incidents).where(incidents.c.id.in_(OLD_IDS)).values(created_at=OLD))
        _run(
            conn,
            NOW - dt.timedelta(days=2000),
            window_start=dt.date(2017, 1, 1),
            window_end=dt.date(2017, 1, 3),
        )
        _run(
            conn,
            NOW - dt.timedelta(days=1990),
            window_start=dt.date(2017, 1, 3),
            window_end=dt.date(2017, 1, 4),
        )
        _run(conn, NOW - dt.timedelta(days=1990), status="failed", error="time-out")
        _run(
            conn,
            NOW - dt.timedelta(days=1000),
            window_start=dt.date(2018, 1, 1),
            window_end=dt.date(2018, 1, 2),
        )
        for run_id, received in (
            (recent_run, NOW - dt.timedelta(days=40)),
            (recent_run, NOW - dt.timedelta(days=10)),
        ):
            conn.execute(
                insert(quarantine).values(
                    run_id=run_id,
                    row_number=1,
                    reason="datum onleesbaar",
                    raw={"a": "b"},
                    received_at=received,
                )
            )
    for days in (2000, 1900, 10, 1):
        audit.append(engine, audit.VIEW, username="u", target="t", at=NOW - dt.timedelta(days=days))
    return engine


def _figures(engine: Engine) -> pd.DataFrame:
    """The evaluation's indicators per wijk for March 2017, and the cells it places them in."""
    settings = load_settings()
    with engine.connect() as conn:
        data = load_evaluation_data(conn, settings, *MARCH)
    frame = data.incidents.assign(group=data.incidents["area_code"])
    groups = {g: 1000.0 for g in sorted(frame["group"].dropna().unique())}
    table = indicator_table(
        frame, {"maart": Period(*MARCH)}, groups, category_groups(settings), Targets()
    )
    placed = frame.loc[frame["x"].notna() & frame["y"].notna()]
    cells = grid_of(settings).cell_ids(placed["x"].to_numpy(float), placed["y"].to_numpy(float))
    table.attrs["cells"] = sorted(zip(placed["category"], cells, strict=True))
    table.attrs["unplaced"] = int(len(frame) - len(placed))
    return table


def _count(engine: Engine, table: Any, *where: Any) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table).where(*where)).scalar())


def _snapshot(engine: Engine) -> dict[str, int]:
    tables = (incidents, incident_changes, incident_stats, quarantine, ingest_runs, audit_log)
    return {t.name: _count(engine, t) for t in tables}


@pytest.mark.slow
def test_dry_run_counts_what_a_purge_would_do_and_changes_nothing(
    populated: Engine, db_url: str
) -> None:
    before = _snapshot(populated)
    result = vis(["purge", "--dry-run"], db_url)
    assert result.returncode == 0, result.stderr
    assert "proefdraai" in result.stdout
    assert "teruggebracht tot statistiek: 4" in result.stdout
    assert "quarantaineregels verwijderd: 1" in result.stdout
    assert "ledgerregels verwijderd: 3" in result.stdout
    assert "auditregels verwijderd: 2" in result.stdout
    assert _snapshot(populated) == before


@pytest.mark.slow
def test_purge_reduces_old_incidents_and_deletes_old_rows_only(
    populated: Engine, db_url: str
) -> None:
    figures_before = _figures(populated)
    result = vis(["purge"], db_url)
    assert result.returncode == 0, result.stderr
    assert "teruggebracht tot statistiek: 4" in result.stdout
    e = populated
    with e.connect() as conn:
        left = set(conn.execute(select(incidents.c.id)).scalars())
        stats = conn.execute(select(incident_stats)).all()
        changes = set(conn.execute(select(incident_changes.c.incident_id)).scalars())
        runs = conn.execute(select(ingest_runs).order_by(ingest_runs.c.id)).all()
        anchor = conn.execute(select(audit_anchor)).one()
        last = conn.execute(select(audit_log).order_by(audit_log.c.id.desc()).limit(1)).one()
    assert left.isdisjoint(OLD_IDS) and len(left) == 5
    assert sum(s.count for s in stats) == 4
    assert all(s.month == dt.date(2017, 3, 1) for s in stats)
    assert all(s.cell_id is None or s.cell_id.startswith("c125_") for s in stats)
    # No street, no identifiers, no time of day in what remains of them.
    columns = {c["name"] for c in inspect(e).get_columns("incident_stats")}
    assert not columns & {
        "street",
        "id_incident",
        "source_registration",
        "house_number",
        "postcode",
        "x",
        "y",
        "begin_at",
        "lat",
        "lon",
    }
    assert changes and changes.isdisjoint(OLD_IDS)
    # Quarantine: the 40-day-old row is gone, the 10-day-old one stays.
    assert _count(e, quarantine) == 1
    # Ledger: three runs older than 1825 days removed; their covered days kept as one row.
    compacted = [r for r in runs if r.location == COMPACTED]
    assert [(r.window_start, r.window_end, r.status) for r in compacted] == [
        (dt.date(2017, 1, 1), dt.date(2017, 1, 4), "success")
    ]
    assert not [r for r in runs if r.status == "failed"]
    assert any(r.window_start == dt.date(2018, 1, 1) for r in runs)
    # Audit: two entries older than 1825 days gone with an anchor; the purge itself logged.
    assert anchor.purged == 2
    assert last.action == "purge" and last.detail["incidents_reduced"] == 4
    assert last.detail["audit_deleted"] == 2
    assert _count(e, audit_log) == 3
    verify = vis(["audit", "verify"], db_url)
    assert verify.returncode == 0, verify.stderr
    # The evaluation's figures for the purged month are what they were.
    figures_after = _figures(e)
    pd.testing.assert_frame_equal(figures_before, figures_after)
    assert figures_before.attrs == figures_after.attrs


@pytest.mark.slow
def test_second_purge_finds_nothing_and_chain_stays_whole(populated: Engine, db_url: str) -> None:
    settings = load_settings()
    purge(populated, settings)
    again = purge(populated, settings)
    assert (again.incidents_reduced, again.quarantine_deleted, again.audit_deleted) == (0, 0, 0)
    assert again.ledger_deleted == 0
    with populated.connect() as conn:
        assert audit.verify_chain(conn).ok
    assert _count(populated, audit_log, audit_log.c.action == "purge") == 2


@pytest.mark.slow
def test_deleting_after_the_anchor_still_shows(populated: Engine) -> None:
    purge(populated, load_settings())
    with populated.begin() as conn:
        first = conn.execute(select(func.min(audit_log.c.id))).scalar()
        conn.execute(audit_log.delete().where(audit_log.c.id == first))
    with populated.connect() as conn:
        check = audit.verify_chain(conn)
    assert not check.ok and check.reason == "gap"


@pytest.mark.slow
def test_broken_chain_is_not_purged_but_the_rest_is(populated: Engine) -> None:
    with populated.begin() as conn:
        first = conn.execute(select(func.min(audit_log.c.id))).scalar()
        conn.execute(update(audit_log).where(audit_log.c.id == first).values(username="x"))
    report = purge(populated, load_settings())
    assert report.audit_deleted == 0 and report.audit_skipped
    assert report.incidents_reduced == 4
    assert _count(populated, audit_log) == 5

"""Loading extract files through the real pipeline into real SQLite and PostgreSQL."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from ingest.ledger import IngestError
from ingest.runner import build_context, ingest_file
from vis.db.schema import incident_changes, incidents, ingest_runs, quarantine
from vis.settings import load_settings


@pytest.fixture
def ctx(engine: Engine):
    return build_context(load_settings(), engine)


def _count(engine: Engine, table) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


@pytest.mark.slow
def test_example_csv_loads_every_row_and_again_changes_nothing(ctx, test_data: Path) -> None:
    first = ingest_file(ctx, test_data / "bvh-extract-example.csv")
    assert first.counts.received == 9
    assert (first.counts.inserted, first.counts.updated, first.counts.quarantined) == (9, 0, 0)
    second = ingest_file(ctx, test_data / "bvh-extract-example.csv")
    assert (second.counts.received, second.counts.unchanged, second.counts.inserted) == (9, 9, 0)
    assert _count(ctx.engine, incidents) == 9
    with ctx.engine.connect() as conn:
        row = conn.execute(select(incidents).where(incidents.c.id == "PL0900_BVH_7100004")).one()
        runs = conn.execute(select(ingest_runs.c.status)).scalars().all()
    assert row.x == pytest.approx(154900.5) and row.y == pytest.approx(461150.25)
    assert row.category == "autokraak" and row.area_code is not None
    assert row.begin_at.utcoffset() is not None
    assert runs == ["success", "success"]


def test_house_numbers_are_not_stored_unless_configured(
    ctx, test_data: Path, tmp_path: Path
) -> None:
    src = (test_data / "bvh-extract-example.csv").read_text(encoding="utf-8")
    header, first, *rest = src.splitlines()
    first = first.replace("Stationsplein;;", "Stationsplein;12 A;", 1)
    path = tmp_path / "x.csv"
    path.write_text("\n".join([header, first, *rest]), encoding="utf-8")
    ingest_file(ctx, path)
    with ctx.engine.connect() as conn:
        numbers = conn.execute(select(incidents.c.house_number)).scalars().all()
    assert set(numbers) == {None}


@pytest.mark.slow
def test_cp1252_csv_with_an_update_keeps_the_history(ctx, test_data: Path, tmp_path: Path) -> None:
    text = (test_data / "bvh-extract-example.csv").read_text(encoding="utf-8")
    text = text.replace("Stationsplein", "Stationsplein Noordzijde café", 1)
    path = tmp_path / "cp1252.csv"
    path.write_bytes(text.encode("cp1252"))
    ingest_file(ctx, path)
    updated_text = text.replace(";J;N;0;0;N;Woning;", ";J;N;1;1;J;Woning;", 1)
    path.write_bytes(updated_text.encode("cp1252"))
    result = ingest_file(ctx, path)
    assert (result.counts.updated, result.counts.unchanged) == (1, 8)
    with ctx.engine.connect() as conn:
        row = conn.execute(select(incidents).where(incidents.c.id == "PL0900_BVH_7100001")).one()
        change = conn.execute(select(incident_changes)).one()
    assert row.street == "Stationsplein Noordzijde café"
    assert (row.arrests, row.suspects, row.solved) == (1, 1, True)
    assert change.incident_id == "PL0900_BVH_7100001"
    assert change.changes["arrests"] == [0, 1]
    assert change.changes["solved"] == [False, True]


@pytest.mark.slow
def test_bad_rows_are_quarantined_with_reasons_and_counts_add_up(
    ctx, test_data: Path, tmp_path: Path
) -> None:
    lines = (test_data / "bvh-extract-example.csv").read_text(encoding="utf-8").splitlines()
    bad_date = lines[1].replace("13-03-2017 08:15", "31-02-2017 08:15")
    reversed_window = lines[2].replace("13-03-2017 14:00", "14-03-2017 14:00")
    far_away = lines[3].replace(";154960;463340", ";0;0")
    short = ";".join(lines[4].split(";")[:5])
    path = tmp_path / "bad.csv"
    path.write_text("\n".join([lines[0], bad_date, reversed_window, far_away, short, *lines[5:]]))
    result = ingest_file(ctx, path)
    c = result.counts
    assert c.received == 9
    assert c.quarantined == 4
    assert c.received == c.inserted + c.updated + c.unchanged + c.quarantined
    with ctx.engine.connect() as conn:
        reasons = (
            conn.execute(select(quarantine.c.reason).order_by(quarantine.c.id)).scalars().all()
        )
        raws = conn.execute(select(quarantine.c.raw)).scalars().all()
    assert any("ongeldige datum" in r for r in reasons)
    assert any("voor het begin" in r for r in reasons)
    assert any("RD-gebied" in r for r in reasons)
    assert any("velden" in r for r in reasons)
    assert all(raw for raw in raws)


@pytest.mark.slow
def test_unmapped_codes_are_loaded_and_reported(ctx, test_data: Path, tmp_path: Path) -> None:
    text = (test_data / "bvh-extract-example.csv").read_text(encoding="utf-8")
    path = tmp_path / "u.csv"
    path.write_text(text.replace(";A50;Winkeldiefstal;", ";Z99;Iets onbekends;"))
    result = ingest_file(ctx, path)
    assert result.counts.inserted == 9
    assert result.counts.unmapped == {"Z99 | Iets onbekends": 1}
    with ctx.engine.connect() as conn:
        stored = conn.execute(select(ingest_runs.c.unmapped)).scalar_one()
    assert stored == {"Z99 | Iets onbekends": 1}


def test_a_file_without_required_columns_fails_the_run_and_writes_nothing(
    ctx, tmp_path: Path
) -> None:
    path = tmp_path / "wrong.csv"
    path.write_text("a;b;c\n1;2;3\n")
    with pytest.raises(IngestError, match="verplichte kolom"):
        ingest_file(ctx, path)
    with ctx.engine.connect() as conn:
        run = conn.execute(select(ingest_runs)).one()
    assert run.status == "failed" and "verplichte kolom" in run.error
    assert _count(ctx.engine, incidents) == 0


@pytest.mark.slow
def test_json_pages_and_csv_give_the_same_incidents(ctx, test_data: Path, tmp_path: Path) -> None:
    ingest_file(ctx, test_data / "bvh-extract-example.page1.json")
    ingest_file(ctx, test_data / "bvh-extract-example.page2.json")
    shutil.copy(test_data / "bvh-extract-example.csv", tmp_path / "same.csv")
    result = ingest_file(ctx, tmp_path / "same.csv")
    assert result.counts.unchanged == 9, result.counts


@pytest.mark.slow
def test_duplicate_ids_in_one_file_apply_in_order(ctx, test_data: Path, tmp_path: Path) -> None:
    lines = (test_data / "bvh-extract-example.csv").read_text(encoding="utf-8").splitlines()
    again = lines[1].replace(";J;N;0;0;N;Woning;", ";J;N;0;1;N;Woning;")
    path = tmp_path / "dup.csv"
    path.write_text("\n".join([*lines, again]))
    result = ingest_file(ctx, path)
    assert (result.counts.inserted, result.counts.updated) == (9, 1)
    with ctx.engine.connect() as conn:
        arrests = conn.execute(
            select(incidents.c.arrests).where(incidents.c.id == "PL0900_BVH_7100001")
        ).scalar_one()
    assert arrests == 1

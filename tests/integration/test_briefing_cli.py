"""`vis briefing` and `vis backtest` as an operator runs them, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest
from clirun import CliResult, run_vis
from sqlalchemy import Engine, select

from vis.db.schema import briefings
from vis.settings import PROJECT_ROOT
from vis.store.briefing_store import load_incidents, read_briefing, store_briefing


def vis(*args: str, db_url: str, cwd: Path) -> CliResult:
    environ = {"VIS_DATABASE_URL": db_url, "VIS_CONFIG": str(PROJECT_ROOT / "config" / "vis.toml")}
    return run_vis(*args, env=environ, cwd=cwd)


def extract_with_a_series(test_data: Path, tmp_path: Path) -> Path:
    """The example extract plus a burglary series around Stationsplein in the days before."""
    source = test_data / "bvh-extract-example.csv"
    with source.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh, delimiter=";")
        fields = list(reader.fieldnames or [])
        rows = list(reader)
    template = rows[0]
    for i in range(8):
        begin = dt.datetime(2017, 3, 1, 20, 0) + dt.timedelta(days=i)
        row = dict(template)
        row["Incident Identificatie"] = f"PL0900_BVH_79000{i:02d}"
        row["Bronregistratie"] = f"PL0900_BVH_20179000{i:02d}"
        row["Pleeghuisnummer met toev."] = str(10 + i)
        row["Begin-pleegdatum/tijd"] = begin.strftime("%d-%m-%Y %H:%M")
        row["Eind-pleegdatum/tijd"] = (begin + dt.timedelta(hours=2)).strftime("%d-%m-%Y %H:%M")
        row["Kennisnamedatum/tijd"] = (begin + dt.timedelta(hours=3)).strftime("%d-%m-%Y %H:%M")
        row["X"] = str(155020 + 20 * i)
        row["Y"] = str(463120 - 15 * i)
        rows.append(row)
    out = tmp_path / "extract.csv"
    with out.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, delimiter=";")
        writer.writeheader()
        writer.writerows(rows)
    return out


@pytest.mark.slow
def test_briefing_and_backtest_end_to_end(db_url: str, tmp_path: Path, test_data: Path) -> None:
    assert vis("init", db_url=db_url, cwd=tmp_path).returncode == 0
    loaded = vis(
        "ingest-file", str(extract_with_a_series(test_data, tmp_path)), db_url=db_url, cwd=tmp_path
    )
    assert loaded.returncode == 0, loaded.stderr

    day = vis("briefing", "--date", "2017-03-14", "--format", "json", db_url=db_url, cwd=tmp_path)
    assert day.returncode == 0, day.stderr
    every = json.loads(day.stdout)
    assert [b["shift"] for b in every] == ["ochtend", "middag", "avond"]

    one = vis(
        "briefing",
        "--date",
        "2017-03-14",
        "--shift",
        "avond",
        "--format",
        "json",
        db_url=db_url,
        cwd=tmp_path,
    )
    assert one.returncode == 0, one.stderr
    b = json.loads(one.stdout)
    assert b == every[2]  # shown from the store, not built again
    assert b["municipality"] == "GM0307" and b["date"] == "2017-03-14" and b["version"] == 1
    assert set(b["window"]) == {"start", "end"} and b["rules_version"].startswith("r")
    assert b["window"]["start"] == "2017-03-14T18:00:00+00:00"
    assert b["data_until"] < b["window"]["start"]
    hotspot = b["hotspots"][0]
    assert hotspot["geometry"]["type"] == "Polygon"
    assert hotspot["categories"][0]["code"] == "woninginbraak"
    assert any("woninginbraken in" in r and "binnen 200 m" in r for r in hotspot["reasons"])
    assert any(a.startswith("preventie: bewoners informeren") for a in hotspot["actions"])
    assert "Stationsplein 1" not in one.stdout  # no house numbers anywhere

    again = vis(
        "briefing",
        "--date",
        "2017-03-14",
        "--shift",
        "avond",
        "--rebuild",
        "--format",
        "json",
        db_url=db_url,
        cwd=tmp_path,
    )
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["version"] == 2
    first = vis(
        "briefing",
        "--date",
        "2017-03-14",
        "--shift",
        "avond",
        "--version",
        "1",
        "--format",
        "json",
        db_url=db_url,
        cwd=tmp_path,
    )
    assert json.loads(first.stdout) == b

    text = vis("briefing", "--date", "2017-03-14", "--shift", "avond", db_url=db_url, cwd=tmp_path)
    assert text.returncode == 0 and "Hotspots:" in text.stdout and "Avond" in text.stdout
    html = vis("briefing", "--date", "2017-03-14", "--format", "html", db_url=db_url, cwd=tmp_path)
    assert html.returncode == 0 and html.stdout.lstrip().startswith("<!DOCTYPE html>")
    assert "https://" not in html.stdout and "http://" not in html.stdout

    bad = vis("briefing", "--date", "2017-03-14", "--shift", "nacht", db_url=db_url, cwd=tmp_path)
    assert bad.returncode != 0 and len(bad.stderr.strip().splitlines()) == 1

    bt = vis(
        "backtest",
        "--from",
        "2017-03-10",
        "--to",
        "2017-03-12",
        "--json",
        db_url=db_url,
        cwd=tmp_path,
    )
    assert bt.returncode == 0, bt.stderr
    report = json.loads(bt.stdout)
    methods = [m["method"] for m in report["methods"]]
    assert methods == ["vis", "naive_28d", "naive_365d", "prospective", "random"]
    assert all(
        {"hit_rate", "pai"} <= set(m["shift"]) | set(m["horizon"]) for m in report["methods"]
    )
    equal = report["equal_area"]
    assert [s["share"] for s in equal["shares"]] == [0.005, 0.01, 0.02]
    assert set(equal["hotspot_area"]["ratios"]) == {
        "vis_vs_naive_365d_125m",
        "vis_vs_naive_365d_fine",
    }
    assert {"hits", "pai"} <= set(equal["hotspot_area"]["methods"]["vis"])
    # three daily briefings share their 7-day targets: blocks of 6 days, too few for an interval
    assert equal["interval_block_days"] == 6
    assert equal["hotspot_area"]["ratios"]["vis_vs_naive_365d_fine"]["ratio_ci95"] is None
    table = vis(
        "backtest", "--from", "2017-03-10", "--to", "2017-03-12", db_url=db_url, cwd=tmp_path
    )
    assert table.returncode == 0 and "Prospective hotspotting" in table.stdout
    assert "Gelijke oppervlakte" in table.stdout
    assert "Geen intervallen: te weinig dagen (minstens 12 nodig" in table.stdout


def test_loading_stops_strictly_at_the_cut_off(engine: Engine, test_data: Path) -> None:
    from ingest.runner import build_context, ingest_file
    from vis.settings import load_settings

    settings = load_settings(PROJECT_ROOT / "config" / "vis.toml")
    ingest_file(
        build_context(settings, engine),
        test_data / "bvh-extract-example.csv",
        None,
        source="t",
        column_map={},
    )
    with engine.connect() as conn:
        everything = load_incidents(conn, known_before=dt.datetime(2030, 1, 1, tzinfo=dt.UTC))
        latest = everything["known_at"].max().to_pydatetime()
        before = load_incidents(conn, known_before=latest)
        upto = load_incidents(conn, known_before=latest + dt.timedelta(seconds=1))
    assert len(everything) == 9
    assert (before["known_at"] < latest).all() and len(before) < len(upto)
    assert str(everything["known_at"].dt.tz) == "UTC"


def test_a_new_version_never_changes_the_old_one(engine: Engine) -> None:
    content = {
        "municipality": "GM0307",
        "date": "2017-03-14",
        "shift": "avond",
        "window": {"start": "2017-03-14T18:00:00+00:00", "end": "2017-03-15T02:00:00+00:00"},
        "cutoff": "2017-03-14T18:00:00+00:00",
        "data_until": "2017-03-13T10:00:00+00:00",
        "rules_version": "r1",
        "hotspots": [],
    }
    assert store_briefing(engine, content, created_by="test") == 1
    assert store_briefing(engine, {**content, "rules_version": "r2"}, created_by="test") == 2
    with engine.connect() as conn:
        v1 = read_briefing(conn, "GM0307", dt.date(2017, 3, 14), "avond", 1)
        latest = read_briefing(conn, "GM0307", dt.date(2017, 3, 14), "avond")
        rows = conn.execute(select(briefings.c.version, briefings.c.rules_version)).all()
    assert v1 is not None and v1["rules_version"] == "r1" and v1["version"] == 1
    assert latest is not None and latest["version"] == 2
    assert sorted((r.version, r.rules_version) for r in rows) == [(1, "r1"), (2, "r2")]


@pytest.mark.slow
def test_briefing_as_pdf_is_a_printable_document(
    db_url: str, tmp_path: Path, test_data: Path
) -> None:
    assert vis("init", db_url=db_url, cwd=tmp_path).returncode == 0
    path = extract_with_a_series(test_data, tmp_path)
    assert vis("ingest-file", str(path), db_url=db_url, cwd=tmp_path).returncode == 0
    done = vis("briefing", "--date", "2017-03-14", "--format", "pdf", db_url=db_url, cwd=tmp_path)
    out = tmp_path / "briefing.pdf"
    out.write_bytes(done.stdout_bytes)
    assert done.returncode == 0, done.stderr
    data = out.read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    pages = data.count(b"/Type /Page") - data.count(b"/Type /Pages")
    assert pages >= 3  # one page (or more) per shift


def test_one_query_for_many_municipalities_gives_each_its_own_frame(engine: Engine) -> None:
    """The batch loader of the national build returns exactly what one query per municipality
    returns: the same rows in the same order, the same columns and types, times UTC-aware (also
    across a change of summer time), empty frames for codes without incidents in the range."""
    from sqlalchemy import insert

    from vis.db.schema import incidents
    from vis.store.briefing_store import load_incidents_by_municipality

    now = dt.datetime(2017, 7, 1, tzinfo=dt.UTC)
    rows: list[dict[str, object]] = []
    for i in range(30):
        begin = dt.datetime(2017, 3, 20, 22, tzinfo=dt.UTC) + dt.timedelta(hours=7 * i)
        rows.append({
            "id": f"N{(i * 7) % 30:03d}", "source": "test",
            "category": None if i % 5 else "vernieling",
            "begin_at": begin, "end_at": None if i % 3 else begin + dt.timedelta(hours=2),
            "known_at": begin + dt.timedelta(hours=1), "arrests": i % 2,
            "x": None if i == 4 else 155000.0 + i, "y": 463000.0 - i, "area_code": "WK030701",
            "municipality_code": ("GM0307", "GM0344", None)[i % 3], "street": None,
            "row_hash": "h", "first_run_id": 1, "last_run_id": 1,
            "created_at": now, "updated_at": now,
        })  # fmt: skip
    with engine.begin() as conn:
        conn.execute(insert(incidents), rows)
    before = dt.datetime(2017, 4, 1, tzinfo=dt.UTC)
    since = dt.datetime(2017, 3, 21, tzinfo=dt.UTC)
    codes = ["GM0344", "GM0307", "GM0999"]
    with engine.connect() as conn:
        batch = load_incidents_by_municipality(conn, codes, known_before=before, known_since=since)
        single = {
            code: load_incidents(conn, known_before=before, known_since=since, municipality=code)
            for code in codes
        }
    assert list(batch) == codes
    for code in codes:
        pd.testing.assert_frame_equal(batch[code], single[code], check_exact=True)
    assert len(batch["GM0307"]) > 5 and len(batch["GM0344"]) > 5 and batch["GM0999"].empty
    assert str(batch["GM0307"]["begin_at"].dt.tz) == "UTC"
    assert batch["GM0307"]["id"].tolist() == sorted(batch["GM0307"]["id"].tolist())
    first = rows[3]
    got = batch["GM0307"].set_index("id").loc[str(first["id"])]
    assert got["begin_at"].to_pydatetime() == first["begin_at"]

"""`vis evaluate --area-scans` end to end: real SQLite and PostgreSQL, `python -m vis.cli`."""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from clirun import CliResult, run_vis
from openpyxl import load_workbook
from sqlalchemy import Engine, insert

from vis.areas import load_areas, sync_areas
from vis.db.schema import incidents
from vis.geo import Grid
from vis.settings import load_settings

ROOT = Path(__file__).resolve().parents[2]
TREATED, OTHER = "WK030701", "WK030720"
GEBIED = "Binnenstad, De Koppel-Kruiskamp"
HOSTILE = '=HYPERLINK("http://evil.example","x")'


def _config(tmp_path: Path) -> Path:
    folder = tmp_path / "config"
    folder.mkdir()
    text = (ROOT / "config" / "vis.toml").read_text(encoding="utf-8")
    areas = (ROOT / "config" / "areas" / "cbs-wijken-2019-amersfoort-region.geojson").as_posix()
    text = text.replace('areas_file = "areas/', f'areas_file = "{Path(areas).parent}/')
    categories = (ROOT / "config" / "categories.toml").as_posix()
    text = text.replace('categories_file = "categories.toml"', f'categories_file = "{categories}"')
    (folder / "vis.toml").write_text(text, encoding="utf-8")
    shutil.copy(ROOT / "config" / "gebieden.toml", folder / "gebieden.toml")
    shutil.copy(ROOT / "config" / "pilots.toml", folder / "pilots.toml")
    return folder / "vis.toml"


def _load(engine: Engine, config: Path) -> str:
    """6 burglaries in the treated wijk in the year before, 3 in the last year; 5 elsewhere."""
    settings = load_settings(config)
    sync_areas(engine, settings)
    found = {a.code: a for a in load_areas(settings).areas}
    now = dt.datetime(2017, 7, 1, tzinfo=dt.UTC)
    rows: list[dict[str, object]] = []

    def add(code: str, day: dt.date, n: int, street: str = "Utrechtseweg") -> None:
        point = found[code].geometry.representative_point()
        for i in range(n):
            begin = dt.datetime.combine(day, dt.time(8 + i), tzinfo=dt.UTC)
            rows.append({
                "id": f"S{len(rows)}", "source": "test", "category": "woninginbraak",
                "begin_at": begin, "known_at": begin, "attempt": False, "arrests": 0,
                "x": point.x, "y": point.y, "area_code": code, "municipality_code": "GM0307",
                "street": street, "row_hash": "h", "first_run_id": 1, "last_run_id": 1,
                "created_at": now, "updated_at": now,
            })  # fmt: skip

    add(TREATED, dt.date(2016, 3, 10), 6)
    add(TREATED, dt.date(2017, 3, 10), 2, street=HOSTILE)
    add(TREATED, dt.date(2017, 6, 30), 1, street=HOSTILE)
    add(OTHER, dt.date(2017, 2, 1), 5)
    with engine.begin() as conn:
        conn.execute(insert(incidents), rows)
    point = found[TREATED].geometry.representative_point()
    return str(Grid(125.0, 0.0, 300000.0).cell_ids([point.x], [point.y])[0])


def _vis(*args: str, db_url: str, config: Path) -> CliResult:
    env = {"VIS_CONFIG": None, "VIS_DATABASE_URL": db_url}
    return run_vis(*args, "--config", str(config), env=env, cwd=ROOT)


@pytest.mark.slow
def test_area_scans_end_to_end(engine: Engine, db_url: str, tmp_path: Path) -> None:
    config = _config(tmp_path)
    cell = _load(engine, config)

    xlsx = tmp_path / "uit" / "scans.xlsx"
    done = _vis("evaluate", "--area-scans", "--json", "--export", str(xlsx),
                db_url=db_url, config=config)  # fmt: skip
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["peildatum"] == "2017-06-30"
    scans = {g["gebied"]: g for g in result["gebieden"]}
    assert len(scans) == 9
    mine = scans[GEBIED]
    assert TREATED in mine["wijken"] and mine["laatste_jaar"] == ["2016-07-01", "2017-06-30"]
    change = {r["reeks"]: r for r in mine["verandering"]}["Woninginbraken"]
    assert (change["vorig_jaar"], change["laatste_jaar"]) == (6, 3)
    assert change["verhouding"] == pytest.approx((3 / 365) / (6 / 366))  # 2016 is a leap year
    rates = {r["reeks"]: r for r in mine["per_1000"]}["Woninginbraken"]
    assert rates["aantal"] == 3 and rates["gebied_per_1000"] > rates["stad_per_1000"] > 0
    assert mine["hotspots"][0]["cel"] == cell and mine["hotspots"][0]["aantal"] == 3
    assert mine["hotspots"][0]["straat"] == HOSTILE
    trend = [r for r in mine["trend"] if r["reeks"] == "Woninginbraken"]
    assert len(trend) == 24 and sum(r["aantal"] for r in trend) == 9
    quiet = {r["reeks"]: r for r in scans["Soesterkwartier"]["verandering"]}
    assert quiet["Woninginbraken"]["laatste_jaar"] == 0  # zero counts: a defined answer
    assert "geëxporteerd naar" in done.stderr

    book = load_workbook(xlsx, read_only=True)
    assert book.sheetnames == ["gebieden", "per_1000", "verandering", "trend", "hotspots"]
    cells = [c for row in book["hotspots"].iter_rows(values_only=True) for c in row]
    assert "'" + HOSTILE in cells and HOSTILE not in cells
    book.close()

    text = _vis("evaluate", "--area-scans", "--export", str(tmp_path / "scans.csv"),
                db_url=db_url, config=config)  # fmt: skip
    assert text.returncode == 0, text.stderr
    assert "Gebiedsscans veiligheid, peildatum 30-06-2017" in text.stdout
    assert f"Gebied {GEBIED}" in text.stdout and "Top hotspots" in text.stdout
    assert "Woninginbraken" in text.stdout and "6 ->      3" in text.stdout
    with (tmp_path / "scans.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh, delimiter=";"))
    flat = [c for r in rows for c in r]
    assert "'" + HOSTILE in flat and HOSTILE not in flat
    assert not any(c.startswith(("=", "+", "@")) for c in flat)

    pdf = _vis("evaluate", "--area-scans", "--export", str(tmp_path / "scans.pdf"),
               db_url=db_url, config=config)  # fmt: skip
    assert pdf.returncode == 0, pdf.stderr
    assert (tmp_path / "scans.pdf").read_bytes().startswith(b"%PDF")

    wrong = _vis("evaluate", "--area-scans", "--export", str(tmp_path / "x.doc"),
                 db_url=db_url, config=config)  # fmt: skip
    assert wrong.returncode == 1 and "onbekend exportformaat" in wrong.stderr
    assert len(wrong.stderr.strip().splitlines()) == 1


def test_area_scans_need_areas(engine: Engine, db_url: str, tmp_path: Path) -> None:
    empty = _vis("evaluate", "--area-scans", db_url=db_url, config=_config(tmp_path))
    assert empty.returncode == 1 and "voer eerst 'vis init' uit" in empty.stderr

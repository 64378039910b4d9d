"""`vis evaluate` end to end: a small dataset on real SQLite and PostgreSQL, in a subprocess."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from clirun import CliResult, run_vis
from openpyxl import load_workbook
from sqlalchemy import Engine, insert
from statsmodels.stats import rates as sm_rates

from briefing.evaluation.wdd import WEIGHTED
from vis.areas import load_areas, sync_areas
from vis.db.schema import briefings, incidents, patrol_visits
from vis.geo import Grid
from vis.settings import load_settings

ROOT = Path(__file__).resolve().parents[2]
TREATED, CONTROL = "WK030701", "WK030720"
PILOTS = """
[targets]
source = "test"
year = 2017
woninginbraak_per_1000 = 4.1

[[outside]]
key = "burgernet_deelnemers"
label = "Deelnemers Burgernet"
unit = "deelnemers"
source = ""

[[pilot]]
name = "proef"
label = "Proef"
baseline = [2016-01-04, 2016-01-31]
period = [2017-01-02, 2017-01-29]
categories = ["woninginbraak"]
treatment = { kind = "wijken", codes = ["WK030701"] }
control = { kind = "wijken", codes = ["WK030720"] }

[[pilot]]
name = "hotspots"
baseline = [2016-01-04, 2016-01-31]
period = [2017-01-02, 2017-01-29]
treatment = { kind = "hotspots" }
buffer = { kind = "hotspots", buffer_m = 100.0 }
control = { kind = "rest" }
"""


def _gebieden(config: Path) -> dict[str, set[str]]:
    from vis.areas import gebieden

    out: dict[str, set[str]] = {}
    for code, name in gebieden(load_settings(config)).items():
        out.setdefault(name, set()).add(code)
    return out


def _config(tmp_path: Path, pilots: str = PILOTS) -> Path:
    folder = tmp_path / "config"
    folder.mkdir()
    text = (ROOT / "config" / "vis.toml").read_text(encoding="utf-8")
    areas = (ROOT / "config" / "areas" / "cbs-wijken-2019-amersfoort-region.geojson").as_posix()
    text = text.replace('areas_file = "areas/', f'areas_file = "{Path(areas).parent}/')
    categories = (ROOT / "config" / "categories.toml").as_posix()
    text = text.replace('categories_file = "categories.toml"', f'categories_file = "{categories}"')
    (folder / "vis.toml").write_text(text, encoding="utf-8")
    shutil.copy(ROOT / "config" / "gebieden.toml", folder / "gebieden.toml")
    (folder / "pilots.toml").write_text(pilots, encoding="utf-8")
    return folder / "vis.toml"


def _load(engine: Engine, config: Path) -> str:
    """Areas, 6 → 2 burglaries in the treated wijk, 5 → 5 in the control, one briefing."""
    settings = load_settings(config)
    sync_areas(engine, settings)
    found = {a.code: a for a in load_areas(settings).areas}
    now = dt.datetime(2017, 7, 1, tzinfo=dt.UTC)
    rows = []

    def add(code: str, day: dt.date, n: int, category: str = "woninginbraak") -> None:
        point = found[code].geometry.representative_point()
        for i in range(n):
            begin = dt.datetime.combine(day, dt.time(10 + i), tzinfo=dt.UTC)
            rows.append({
                "id": f"T{len(rows)}", "source": "test", "category": category, "begin_at": begin,
                "known_at": begin, "attempt": i % 2 == 0, "arrests": 1 if i == 0 else 0,
                "x": point.x, "y": point.y, "area_code": code, "municipality_code": "GM0307",
                "row_hash": "h", "first_run_id": 1, "last_run_id": 1, "created_at": now,
                "updated_at": now,
            })  # fmt: skip

    add(TREATED, dt.date(2016, 1, 12), 6)
    add(TREATED, dt.date(2017, 1, 10), 2)
    add(CONTROL, dt.date(2016, 1, 12), 5)
    add(CONTROL, dt.date(2017, 1, 10), 5)
    point = found[TREATED].geometry.representative_point()
    grid = Grid(125.0, 0.0, 300000.0)
    cell = grid.cell_ids([point.x], [point.y])[0]
    start = dt.datetime(2017, 1, 10, 6, tzinfo=dt.UTC)
    content = {"hotspots": [{"rank": 1, "id": cell, "cells": [cell], "geometry": None}]}
    with engine.begin() as conn:
        conn.execute(insert(incidents), rows)
        bid = conn.execute(
            insert(briefings).returning(briefings.c.id),
            {"municipality_code": "GM0307", "date": dt.date(2017, 1, 10), "shift": "ochtend",
             "version": 1, "rules_version": "t", "window_start": start,
             "window_end": start + dt.timedelta(hours=8), "cutoff": start, "created_at": start,
             "created_by": "test", "content": content},
        ).scalar_one()  # fmt: skip
        conn.execute(insert(patrol_visits), {
            "briefing_id": bid, "hotspot_id": cell, "username": "boa", "visited_at": start,
            "duration_min": 20, "created_at": start,
        })  # fmt: skip
    return cell


def _vis(*args: str, db_url: str, config: Path) -> CliResult:
    env = {"VIS_CONFIG": None, "VIS_DATABASE_URL": db_url}
    return run_vis(*args, "--config", str(config), env=env, cwd=ROOT)


@pytest.mark.slow
def test_evaluate_end_to_end(engine: Engine, db_url: str, tmp_path: Path) -> None:
    config = _config(tmp_path)
    cell = _load(engine, config)

    listed = _vis("evaluate", "--list", db_url=db_url, config=config)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.splitlines() == ["proef", "hotspots"]

    xlsx = tmp_path / "uit" / "proef.xlsx"
    done = _vis("evaluate", "--pilot", "proef", "--json", "--export", str(xlsx),
                db_url=db_url, config=config)  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    tests = {(t["reeks"], t["toets"]): t for t in report["toetsen"]}
    treated = tests["Woninginbraak", "pilot tegen basis, behandelgebied (exact-cond)"]
    assert treated["aantallen"] == "6 → 2"
    ref = sm_rates.test_poisson_2indep(2, 28.0, 6, 28.0, method="exact-cond")
    assert treated["schatting"] == pytest.approx(2 / 6)
    assert treated["p"] == pytest.approx(ref.pvalue)
    assert "niet significant" in treated["uitleg"] and "p = 0,29" in treated["uitleg"]
    # C 5 → 5 is not of T 6's order: the weighted WDD, 2 - 6·5/5, with the delta-method
    # variance 2 + 6 + (6/5)²·5 + (6/5)²·5.
    wdd_row = tests["Woninginbraak", WEIGHTED]
    assert wdd_row["schatting"] == pytest.approx(-4)
    assert wdd_row["z"] == pytest.approx(-4 / (2 + 6 + 2 * 1.44 * 5) ** 0.5)
    did = tests["Woninginbraak", "verschil-in-verschillen (poisson), IRR"]
    assert did["schatting"] == pytest.approx((2 / 6) / (5 / 5))
    indicators = {(r["periode"], r["gebied"], r["indicator"]): r for r in report["indicatoren"]}
    base = indicators["basisperiode", "behandelgebied", "woninginbraak_poging"]
    assert base["aantal"] == 6 and base["waarde"] == pytest.approx(50.0)
    assert indicators["pilotperiode", "controlegebied", "heterdaadkracht"]["waarde"] == 20.0
    assert report["buitencijfers"][0]["waarde"] == "niet ingevuld"
    book = load_workbook(xlsx, read_only=True)
    assert {"pilot", "indicatoren", "toetsen", "tijdreeks"} <= set(book.sheetnames)
    book.close()

    spots = _vis("evaluate", "--pilot", "hotspots", "--json", db_url=db_url, config=config)
    assert spots.returncode == 0, spots.stderr
    result = json.loads(spots.stdout)
    # The shift 06:00-14:00 UTC holds the treated wijk's 2 and 4 of the control's 5 (10-14 h).
    assert result["briefings"][0]["treffers"] == 2 and result["briefings"][0]["incidenten"] == 6
    assert result["record_summary"]["hit_rate_pct"] == pytest.approx(100 / 3)
    assert result["dosis"][0]["hotspot_id"] == cell and result["dosis"][0]["bezoeken"] == 1
    text = _vis("evaluate", "--pilot", "proef", "--export", str(tmp_path / "p.pdf"),
                db_url=db_url, config=config)  # fmt: skip
    assert text.returncode == 0, text.stderr
    assert "Woninginbraak in het behandelgebied" in text.stdout
    assert (tmp_path / "p.pdf").read_bytes().startswith(b"%PDF")


@pytest.mark.slow
def test_evaluate_errors_are_one_line(engine: Engine, db_url: str, tmp_path: Path) -> None:
    config = _config(tmp_path, PILOTS.replace('name = "proef"', 'name = "proef"\nkleur = 1'))
    bad = _vis("evaluate", "--list", db_url=db_url, config=config)
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1
    assert "onbekende sleutel(s) kleur" in bad.stderr
    (config.parent / "pilots.toml").write_text(PILOTS, encoding="utf-8")
    empty = _vis("evaluate", "--pilot", "proef", db_url=db_url, config=config)
    assert empty.returncode == 1 and "voer eerst 'vis init' uit" in empty.stderr
    sync_areas(engine, load_settings(config))
    unknown = _vis("evaluate", "--pilot", "nope", db_url=db_url, config=config)
    assert unknown.returncode == 2 and unknown.stderr.startswith("vis: geen pilot 'nope'")
    assert len(unknown.stderr.strip().splitlines()) == 1
    wrong = _vis("evaluate", "--pilot", "proef", "--export", str(tmp_path / "x.doc"),
                 db_url=db_url, config=config)  # fmt: skip
    assert wrong.returncode == 1 and "onbekend exportformaat" in wrong.stderr
    # A treated wijk inside the control's gebied: an error naming the wijk, not a silent "no
    # incidents in the treatment area".
    gebied = next(g for g, codes in _gebieden(config).items() if TREATED in codes)
    overlap = PILOTS.replace(
        'control = { kind = "wijken", codes = ["WK030720"] }',
        f'control = {{ kind = "gebieden", codes = ["{gebied}"] }}',
    )
    (config.parent / "pilots.toml").write_text(overlap, encoding="utf-8")
    clash = _vis("evaluate", "--pilot", "proef", db_url=db_url, config=config)
    assert clash.returncode == 2 and len(clash.stderr.strip().splitlines()) == 1
    assert "overlappende gebieden" in clash.stderr and TREATED in clash.stderr

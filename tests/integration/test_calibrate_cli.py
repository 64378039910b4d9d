"""`vis calibrate` as an operator runs it, on SQLite and PostgreSQL: it stores versions, briefings
use and name the active one, incidents after --until change nothing, an edited rules file sets it
aside."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from clirun import CliResult, run_vis
from sqlalchemy import Engine, func, insert, select

from briefing.calibration_params import Candidate
from briefing.params import rules_version
from vis.db.engine import make_engine
from vis.db.schema import calibrations, incidents
from vis.services.briefings import rules_setup
from vis.services.calibration_store import latest_calibration
from vis.settings import PROJECT_ROOT, load_settings

ROOT = PROJECT_ROOT
UNTIL = dt.date(2017, 6, 30)
CUTOFF = dt.datetime(2017, 6, 30, 22, 0, tzinfo=dt.UTC)  # 1 July 00:00 in Amsterdam


def config(folder: Path) -> Path:
    """The shipped configuration with short calibration windows, in a folder of its own."""
    folder.mkdir()
    text = (ROOT / "config" / "vis.toml").read_text(encoding="utf-8")
    areas = ROOT / "config" / "areas"
    text = text.replace('areas_file = "areas/', f'areas_file = "{areas.as_posix()}/')
    text = text.replace("tuning_days = 364", "tuning_days = 56")
    text = text.replace("validation_days = 91", "validation_days = 28")
    (folder / "vis.toml").write_text(text, encoding="utf-8")
    for name in ("categories.toml", "rules.toml"):
        shutil.copy(ROOT / "config" / name, folder / name)
    return folder / "vis.toml"


def rows(seed: int, n: int, end: dt.datetime, days: float, delay_h: float = 2.0) -> list[dict]:
    """``n`` incidents in the ``days`` before ``end`` around six places in Amersfoort."""
    rng = np.random.default_rng(seed)
    now = dt.datetime(2017, 7, 1, tzinfo=dt.UTC)
    out = []
    for i in range(n):
        begin = end - dt.timedelta(days=float(rng.uniform(0.01, days)))
        place = int(rng.integers(0, 6))
        out.append({
            "id": f"C{seed}_{i}", "source": "test",
            "category": str(rng.choice(["woninginbraak", "fietsdiefstal", "overlast_jeugd"])),
            "begin_at": begin, "known_at": begin + dt.timedelta(hours=delay_h), "arrests": 0,
            "x": 155000.0 + (place % 3) * 500 + float(rng.normal(0, 70)),
            "y": 463000.0 + (place // 3) * 500 + float(rng.normal(0, 70)),
            "street": "Langestraat", "municipality_code": "GM0307", "row_hash": "h",
            "first_run_id": 1, "last_run_id": 1, "created_at": now, "updated_at": now,
        })  # fmt: skip
    return out


def add(db_url: str, batch: list[dict]) -> None:
    engine = make_engine(db_url)
    try:
        with engine.begin() as conn:
            conn.execute(insert(incidents), batch)
    finally:
        engine.dispose()


def vis(*args: str, db_url: str, cfg: Path) -> CliResult:
    env = {"VIS_CONFIG": None, "VIS_DATABASE_URL": db_url}
    return run_vis(*args, "--config", str(cfg), env=env, cwd=ROOT)


@pytest.mark.slow
def test_calibrate_stores_versions_that_briefings_use(db_url: str, tmp_path: Path) -> None:
    cfg = config(tmp_path / "config")
    assert vis("init", db_url=db_url, cfg=cfg).returncode == 0
    add(db_url, rows(1, 1500, CUTOFF, 500.0))

    first = vis("calibrate", "--until", UNTIL.isoformat(), "--json", db_url=db_url, cfg=cfg)
    assert first.returncode == 0, first.stderr
    stored = json.loads(first.stdout)
    assert (stored["version"], stored["until"], stored["municipality"]) == (
        1,
        "2017-06-30",
        "GM0307",
    )
    report = stored["report"]
    assert stored["outcome"] in ("calibrated", "defaults")
    assert report["tuning"]["origins"] == 9 and report["validation"]["origins"] == 4
    assert report["validation"]["last_origin"] == "2017-06-23"
    if stored["outcome"] == "defaults":
        assert stored["params"] == report["defaults"]
    else:
        assert report["validation"]["best"]["ratio"] > report["validation"]["defaults"]["ratio"]

    # Incidents after --until (begun later, or begun before but known only later): the same
    add(db_url, rows(2, 300, CUTOFF + dt.timedelta(days=40), 39.0))
    add(db_url, rows(3, 100, CUTOFF, 20.0, delay_h=24 * 25))
    text = vis("calibrate", "--until", UNTIL.isoformat(), db_url=db_url, cfg=cfg)
    assert text.returncode == 0, text.stderr
    assert "Kalibratie versie 2 van GM0307" in text.stdout and "Uitkomst:" in text.stdout
    settings = load_settings(cfg)
    engine: Engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            second = latest_calibration(conn, "GM0307")
            assert conn.execute(select(func.count()).select_from(calibrations)).scalar() == 2
        assert second is not None and second.version == 2
        assert second.report == report and second.params.as_dict() == stored["params"]

        # Briefings use the active calibration and name it in their rules_version
        setup = rules_setup(settings, engine)
        rules_text = (cfg.parent / "rules.toml").read_bytes()
        assert setup.calibration == second
        assert setup.version == rules_version(rules_text, calibration=second.tag)
        assert setup.version != rules_setup(settings).version
        assert Candidate.of(setup.rules) == second.params
        day = vis("briefing", "--date", "2017-07-01", "--shift", "avond", "--format", "json",
                  db_url=db_url, cfg=cfg)  # fmt: skip
        assert day.returncode == 0, day.stderr
        assert json.loads(day.stdout)["rules_version"] == setup.version

        # An edited rules file sets the calibration aside until the next run
        with (cfg.parent / "rules.toml").open("a", encoding="utf-8") as fh:
            fh.write("\n# edited by hand\n")
        edited = rules_setup(settings, engine)
        assert edited.calibration is None and edited.version == rules_setup(settings).version
    finally:
        engine.dispose()


def test_calibrate_without_enough_history_says_so(db_url: str, tmp_path: Path) -> None:
    cfg = config(tmp_path / "config")
    assert vis("init", db_url=db_url, cfg=cfg).returncode == 0
    add(db_url, rows(1, 20, CUTOFF, 100.0))
    result = vis("calibrate", "--until", UNTIL.isoformat(), db_url=db_url, cfg=cfg)
    assert result.returncode == 1
    assert result.stderr.startswith("vis: kalibratie tot en met 2017-06-30 niet mogelijk")
    assert result.stdout == ""


def test_calibrate_refuses_a_day_that_has_not_passed(db_url: str, tmp_path: Path) -> None:
    cfg = config(tmp_path / "config")
    assert vis("init", db_url=db_url, cfg=cfg).returncode == 0
    tomorrow = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1)
    result = vis("calibrate", "--until", tomorrow.isoformat(), db_url=db_url, cfg=cfg)
    assert result.returncode == 2 and "nog niet voorbij" in result.stderr

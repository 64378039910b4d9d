"""A pilot's evaluation is stored and reused while the code, the configuration and the data are
unchanged: `vis evaluate --pilot` prints the stored output (and says so), the evaluation page keeps
its report; any change computes afresh. Real SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from clirun import CliResult
from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import OperationalError
from test_evaluation_cli import PILOTS, TREATED, _config, _gebieden, _load, _vis

from vis.db.schema import briefings, incidents, patrol_visits
from vis.services import evaluation_results as results
from vis.settings import load_settings

STORED = "opgeslagen resultaat"


@pytest.mark.slow
def test_evaluate_prints_the_stored_output_while_nothing_changed(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    config = _config(tmp_path)
    _load(engine, config)
    first = _vis("evaluate", "--pilot", "proef", db_url=db_url, config=config)
    assert first.returncode == 0 and STORED not in first.stderr, first.stderr
    again = _vis("evaluate", "--pilot", "proef", db_url=db_url, config=config)
    assert again.returncode == 0 and again.stdout == first.stdout
    assert again.stderr.startswith(f"vis: {STORED}, berekend op ")
    assert len(again.stderr.strip().splitlines()) == 1
    stored_json = _vis("evaluate", "--pilot", "proef", "--json", db_url=db_url, config=config)
    fresh_json = _vis("evaluate", "--pilot", "proef", "--json", "--recompute",
                      db_url=db_url, config=config)  # fmt: skip
    assert STORED in stored_json.stderr and STORED not in fresh_json.stderr
    assert stored_json.stdout == fresh_json.stdout
    assert json.loads(stored_json.stdout)["pilot"]["name"] == "proef"
    other = _vis("evaluate", "--pilot", "hotspots", db_url=db_url, config=config)
    assert other.returncode == 0 and STORED not in other.stderr  # one stored output per pilot


@pytest.mark.slow
def test_evaluate_computes_afresh_when_data_configuration_or_code_change(
    engine: Engine, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = _config(tmp_path)
    cell = _load(engine, config)

    def evaluate() -> CliResult:
        done = _vis("evaluate", "--pilot", "hotspots", "--json", db_url=db_url, config=config)
        assert done.returncode == 0, done.stderr
        return done

    before = evaluate()
    assert STORED in evaluate().stderr
    with engine.begin() as conn:  # a visit more: the dosage changes
        bid = conn.execute(select(briefings.c.id)).scalar_one()
        at = dt.datetime(2017, 1, 10, 9, tzinfo=dt.UTC)
        conn.execute(insert(patrol_visits), {
            "briefing_id": bid, "hotspot_id": cell, "username": "boa", "visited_at": at,
            "duration_min": 15, "created_at": at,
        })  # fmt: skip
    visited = evaluate()
    assert STORED not in visited.stderr
    assert json.loads(visited.stdout)["dosis"][0]["bezoeken"] == 2
    assert json.loads(before.stdout)["dosis"][0]["bezoeken"] == 1
    with engine.begin() as conn:  # an incident updated in place: same count, same id
        conn.execute(
            update(incidents)
            .where(incidents.c.id == "T0")
            .values(arrests=0, updated_at=dt.datetime(2017, 7, 2, tzinfo=dt.UTC))
        )
    assert STORED not in evaluate().stderr
    assert STORED in evaluate().stderr
    pilots = (config.parent / "pilots.toml").read_text(encoding="utf-8")
    (config.parent / "pilots.toml").write_text(pilots + "\n# edited\n", encoding="utf-8")
    assert STORED not in evaluate().stderr
    monkeypatch.setattr(results, "code_version", lambda: "another version of the code")
    assert STORED not in evaluate().stderr


@pytest.mark.slow
def test_evaluate_prints_its_output_when_the_database_refuses_to_store_it(
    engine: Engine, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = _config(tmp_path)
    _load(engine, config)

    def refuse(*args: object) -> None:
        raise OperationalError("INSERT", {}, PermissionError("read-only"))

    monkeypatch.setattr(results, "store_evaluation", refuse)
    for _ in range(2):
        done = _vis("evaluate", "--pilot", "proef", db_url=db_url, config=config)
        assert done.returncode == 0 and "Antwoord: Woninginbraak" in done.stdout
        assert STORED not in done.stderr


@pytest.mark.slow
def test_the_page_stores_its_report_for_the_command_until_the_data_change(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    config = _config(tmp_path)
    cell = _load(engine, config)
    settings = load_settings(config)
    report = results.report_on(engine, settings, "hotspots")
    cli = _vis("evaluate", "--pilot", "hotspots", "--json", db_url=db_url, config=config)
    assert STORED in cli.stderr  # the page's output, stored
    assert json.loads(cli.stdout) == json.loads(json.dumps(report.to_dict()))
    with engine.begin() as conn:
        bid = conn.execute(select(briefings.c.id)).scalar_one()
        at = dt.datetime(2017, 1, 10, 9, tzinfo=dt.UTC)
        conn.execute(insert(patrol_visits), {
            "briefing_id": bid, "hotspot_id": cell, "username": "boa", "visited_at": at,
            "duration_min": 15, "created_at": at,
        })  # fmt: skip
    again = _vis("evaluate", "--pilot", "hotspots", "--json", db_url=db_url, config=config)
    assert STORED not in again.stderr
    assert json.loads(again.stdout)["dosis"][0]["bezoeken"] == 2


@pytest.mark.slow
def test_the_daily_ingest_is_followed_by_the_pilots_evaluations_for_the_command(
    engine: Engine, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ingest.scheduler
    from vis.services.jobs import scheduled_jobs

    config = _config(tmp_path)
    _load(engine, config)
    settings = load_settings(config)
    ingested: list[str] = []
    monkeypatch.setattr(ingest.scheduler, "daily_ingest_job", lambda *a: ingested.append("x"))
    scheduled_jobs(settings, engine)[ingest.scheduler.DAILY_INGEST]()
    assert ingested == ["x"]
    for pilot in ("proef", "hotspots"):
        done = _vis("evaluate", "--pilot", pilot, db_url=db_url, config=config)
        assert done.returncode == 0 and STORED in done.stderr
    assert results.refresh_evaluations(settings, engine) == {
        "proef": "stored",
        "hotspots": "stored",
    }


@pytest.mark.slow
def test_a_pilot_that_cannot_be_evaluated_stops_no_other(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    config = _config(tmp_path)
    gebied = next(g for g, codes in _gebieden(config).items() if TREATED in codes)
    overlap = PILOTS.replace(  # the treated wijk inside the control's gebied
        'control = { kind = "wijken", codes = ["WK030720"] }',
        f'control = {{ kind = "gebieden", codes = ["{gebied}"] }}',
    )
    (config.parent / "pilots.toml").write_text(overlap, encoding="utf-8")
    _load(engine, config)
    done = results.refresh_evaluations(load_settings(config), engine)
    assert done["hotspots"] == "computed"
    assert "overlappende gebieden" in done["proef"] and TREATED in done["proef"]


@pytest.mark.slow
def test_a_stored_output_is_printed_without_importing_pandas_scipy_or_statsmodels(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    config = _config(tmp_path)
    _load(engine, config)
    assert _vis("evaluate", "--pilot", "proef", db_url=db_url, config=config).returncode == 0
    heavy = ("numpy", "pandas", "scipy", "statsmodels", "shapely")
    code = (
        "import sys\nfrom vis.cli import main\n"
        f"rc = main(['evaluate', '--pilot', 'proef', '--config', {str(config)!r}])\n"
        f"print('rc', rc, 'loaded:' + ','.join(m for m in {heavy!r} if m in sys.modules))\n"
    )
    env = {**os.environ, "VIS_DATABASE_URL": db_url}
    env.pop("VIS_CONFIG", None)
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
    )
    assert STORED in done.stderr, done.stderr
    assert done.stdout.splitlines()[-1] == "rc 0 loaded:"

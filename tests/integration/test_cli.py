"""The `vis` command as an operator runs it: a real process, real databases, a real HTTP feed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from clirun import CliResult, run_vis
from pytest_httpserver import HTTPServer

from vis.settings import PROJECT_ROOT


def vis(*args: str, db_url: str, cwd: Path, env: dict[str, str] | None = None) -> CliResult:
    environ = {
        "VIS_DATABASE_URL": db_url,
        "VIS_CONFIG": str(PROJECT_ROOT / "config" / "vis.toml"),
        **(env or {}),
    }
    return run_vis(*args, env=environ, cwd=cwd)


@pytest.mark.slow
def test_init_ingest_and_status_follow_the_contract(
    db_url: str, tmp_path: Path, test_data: Path
) -> None:
    assert vis("init", db_url=db_url, cwd=tmp_path).returncode == 0
    again = vis("init", db_url=db_url, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    loaded = vis(
        "ingest-file", str(test_data / "bvh-extract-example.csv"), db_url=db_url, cwd=tmp_path
    )
    assert loaded.returncode == 0, loaded.stderr
    assert "ontvangen 9" in loaded.stdout
    status = vis("status", "--json", db_url=db_url, cwd=tmp_path)
    assert status.returncode == 0, status.stderr
    data = json.loads(status.stdout)
    assert data["incidents"] == 9 and data["quarantined"] == 0
    last = data["last_ingest"]
    assert {"started_at", "finished_at", "status", "received", "loaded", "quarantined"} <= set(last)
    assert (last["status"], last["received"], last["loaded"]) == ("success", 9, 9)
    assert data["data_until"].startswith("2017-03-13T")
    text = vis("status", db_url=db_url, cwd=tmp_path)
    assert "Incidenten:       9" in text.stdout


def test_errors_exit_non_zero_with_one_line(db_url: str, tmp_path: Path) -> None:
    not_ready = vis("status", db_url=db_url, cwd=tmp_path)
    assert not_ready.returncode != 0
    assert not_ready.stderr.strip().count("\n") == 0 and "vis init" in not_ready.stderr
    vis("init", db_url=db_url, cwd=tmp_path)
    missing = vis("ingest-file", "nope.csv", db_url=db_url, cwd=tmp_path)
    assert missing.returncode != 0 and "nope.csv" in missing.stderr
    bad_config = tmp_path / "bad.toml"
    bad_config.write_text("[geo]\ncell_size_m = -1\n")
    invalid = vis("status", "--config", str(bad_config), db_url=db_url, cwd=tmp_path)
    assert invalid.returncode == 2 and "geo.cell_size_m" in invalid.stderr
    unknown_source = vis("ingest", "--source", "nergens", db_url=db_url, cwd=tmp_path)
    assert unknown_source.returncode != 0 and "nergens" in unknown_source.stderr


@pytest.mark.slow
def test_ad_hoc_url_ingest_for_one_day(
    db_url: str, tmp_path: Path, test_data: Path, httpserver: HTTPServer
) -> None:
    body = (test_data / "bvh-extract-example.csv").read_bytes()
    httpserver.expect_request(
        "/feed", query_string="vanaf=2017-03-13&tot=2017-03-14"
    ).respond_with_data(body, content_type="text/csv")
    httpserver.expect_request("/missing").respond_with_data("weg", status=404)
    vis("init", db_url=db_url, cwd=tmp_path)
    template = httpserver.url_for("/feed") + "?vanaf={vanaf}&tot={tot}"
    done = vis("ingest", "--url", template, "--date", "2017-03-13", db_url=db_url, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "ad-hoc 2017-03-13..2017-03-14" in done.stdout and "nieuw 9" in done.stdout
    failed = vis(
        "ingest",
        "--url",
        httpserver.url_for("/missing") + "?v={vanaf}&t={tot}",
        "--date",
        "2017-03-13",
        db_url=db_url,
        cwd=tmp_path,
    )
    assert failed.returncode != 0 and "404" in failed.stderr
    assert failed.stderr.strip().count("\n") == 0, failed.stderr


@pytest.mark.slow
def test_output_into_a_closed_pipe_ends_quietly(db_url: str, tmp_path: Path) -> None:
    assert vis("init", db_url=db_url, cwd=tmp_path).returncode == 0
    environ = {
        **os.environ,
        "VIS_DATABASE_URL": db_url,
        "VIS_CONFIG": str(PROJECT_ROOT / "config" / "vis.toml"),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "vis.cli", "status", "--json"],
        cwd=tmp_path,
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader is gone before the command has written (like `| head -0`)
    with proc.stderr:
        err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 141
    assert "Traceback" not in err and "BrokenPipe" not in err, err

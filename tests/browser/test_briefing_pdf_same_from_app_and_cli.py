"""The printed briefing is one document: the PDF the supervisor downloads in the app carries the
same text as `vis briefing --format pdf`, for a briefing that `vis briefing` built from an extract.
One A4 page per shift, with the map's numbered hotspots and their streets."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from clirun import CliResult, run_vis
from playwright.sync_api import expect
from pypdf import PdfReader
from serving import PASSWORD, login, settled, start_serve, stop

from vis.settings import PROJECT_ROOT

pytestmark = [pytest.mark.integration, pytest.mark.slow]
TEST_DATA = PROJECT_ROOT / "tests" / "data"
DAY, SHIFT = "2017-03-14", "avond"


def _vis(db_url: str, *args: str, **env: str) -> CliResult:
    """``vis ARGS`` in-process (no real process is the point here)."""
    environ = {
        "VIS_DATABASE_URL": db_url,
        "VIS_CONFIG": str(PROJECT_ROOT / "config" / "vis.toml"),
        **env,
    }
    done = run_vis(*args, env=environ)
    assert done.returncode == 0, done.stderr
    return done


def _extract(folder: Path) -> Path:
    """The example extract plus a burglary series around Stationsplein in the days before."""
    with (TEST_DATA / "bvh-extract-example.csv").open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh, delimiter=";")
        fields, rows = list(reader.fieldnames or []), list(reader)
    for i in range(8):
        begin = dt.datetime(2017, 3, 5, 20, 0) + dt.timedelta(days=i)
        row = dict(rows[0])
        row["Incident Identificatie"] = f"PL0900_BVH_79100{i:02d}"
        row["Bronregistratie"] = f"PL0900_BVH_20179100{i:02d}"
        row["Begin-pleegdatum/tijd"] = begin.strftime("%d-%m-%Y %H:%M")
        row["Eind-pleegdatum/tijd"] = (begin + dt.timedelta(hours=2)).strftime("%d-%m-%Y %H:%M")
        row["Kennisnamedatum/tijd"] = (begin + dt.timedelta(hours=3)).strftime("%d-%m-%Y %H:%M")
        row["X"], row["Y"] = str(155020 + 20 * i), str(463120 - 15 * i)
        rows.append(row)
    out = folder / "extract.csv"
    with out.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, delimiter=";")
        writer.writeheader()
        writer.writerows(rows)
    return out


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """(base URL of `vis serve`, database URL) with one briefing built by `vis briefing`."""
    folder = tmp_path_factory.mktemp("pdf")
    db_url = f"sqlite:///{folder / 'p.db'}"
    _vis(db_url, "init")
    _vis(db_url, "ingest-file", str(_extract(folder)))
    _vis(db_url, "briefing", "--date", DAY, "--shift", SHIFT, "--format", "json")
    _vis(db_url, "user", "add", "chef", "--role", "supervisor", VIS_NEW_PASSWORD=PASSWORD)
    proc, base = start_serve(db_url, folder / "serve.log")
    try:
        yield base, db_url
    finally:
        stop(proc)


def _text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def test_the_apps_pdf_and_the_clis_pdf_carry_the_same_text(
    browser: Any, built: tuple[str, str]
) -> None:
    base, db_url = built
    context = browser.new_context(viewport={"width": 1366, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(30_000)
    login(page, base, "chef")
    expect(page.get_by_text("Prioriteiten").first).to_be_visible(timeout=60_000)
    settled(page)
    # The click gives a one-time link (the audited download route); the browser follows it.
    page.get_by_role("button", name="PDF downloaden").click()
    with page.expect_download() as download:
        page.locator("a.vis-download").last.click()
    from_app = Path(download.value.path()).read_bytes()
    context.close()
    from_cli = _vis(
        db_url, "briefing", "--date", DAY, "--shift", SHIFT, "--format", "pdf"
    ).stdout_bytes
    app_text, cli_text = _text(from_app), _text(from_cli)
    assert app_text == cli_text
    assert len(cli_text) == 1  # one A4 page for the shift
    text = " ".join(cli_text[0].split())  # lines wrap where the layout says
    assert "briefing Avond- en nachtdienst 14-03-2017 (19:00-03:00)" in text
    # the map's label and the first hotspot's heading both name its own streets
    assert text.count("Stationsplein / Utrechtsestraat") >= 2
    for heading in ("Prioriteiten deze dienst", "Sinds de vorige briefing", "Actie:"):
        assert heading in text

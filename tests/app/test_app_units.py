"""Pure parts of the app: shifts, CSV guard, texts, app settings, map."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from vis.app_settings import AppSettings, load_app_settings
from vis.i18n import TEXTS, t
from vis.pages.shifts import current_or_next_shift, next_shift
from vis.pages.status import csv_cell, quarantine_csv
from vis.settings import PROJECT_ROOT, SettingsError, ShiftSettings

TZ = ZoneInfo("Europe/Amsterdam")
SHIFTS = [
    ShiftSettings(name="ochtend", start="07:00", end="15:00"),
    ShiftSettings(name="middag", start="15:00", end="23:00"),
    ShiftSettings(name="avond", start="19:00", end="03:00"),
]


@pytest.mark.parametrize(
    ("local", "expected_next", "expected_current"),
    [
        ("2026-03-10 06:00", ("2026-03-10", "ochtend"), ("2026-03-10", "ochtend")),
        ("2026-03-10 10:00", ("2026-03-10", "middag"), ("2026-03-10", "ochtend")),
        ("2026-03-10 20:00", ("2026-03-11", "ochtend"), ("2026-03-10", "avond")),
        ("2026-03-11 01:00", ("2026-03-11", "ochtend"), ("2026-03-10", "avond")),
    ],
)
def test_next_and_current_shift(
    local: str, expected_next: tuple[str, str], expected_current: tuple[str, str]
) -> None:
    now = dt.datetime.fromisoformat(local).replace(tzinfo=TZ)
    day, name = next_shift(now, SHIFTS, TZ)
    assert (day.isoformat(), name) == expected_next
    day, name = current_or_next_shift(now, SHIFTS, TZ)
    assert (day.isoformat(), name) == expected_current


def test_csv_cells_cannot_become_formulas() -> None:
    assert csv_cell('=HYPERLINK("http://x")').startswith("'=")
    assert csv_cell("+31") == "'+31" and csv_cell("@SUM(A1)") == "'@SUM(A1)"
    assert csv_cell("Utrechtseweg") == "Utrechtseweg" and csv_cell(None) == ""
    row = SimpleNamespace(
        id=1,
        run_id=2,
        row_number=3,
        incident_id="=cmd",
        reason="datum onmogelijk",
        received_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        raw={"Pleegstraatnaam": "=1+1"},
    )
    text = quarantine_csv([row]).decode("utf-8-sig")
    assert "'=cmd" in text and "datum onmogelijk" in text


def test_every_text_has_dutch_and_english_and_every_used_key_exists() -> None:
    for key, (nl, en) in TEXTS.items():
        assert nl and en, key
        assert set(re.findall(r"{(\w+)}", nl)) == set(re.findall(r"{(\w+)}", en)), key
    used: set[str] = set()
    for path in (PROJECT_ROOT / "vis" / "pages").glob("*.py"):
        used |= set(re.findall(r"\btr\(\s*\"([a-z_.]+)\"", path.read_text(encoding="utf-8")))
    assert used and used <= set(TEXTS), used - set(TEXTS)
    assert t("login.submit", "en") == "Log in" and t("login.submit") == "Inloggen"


def test_app_settings_document_every_key() -> None:
    for name, field in AppSettings.model_fields.items():
        assert field.description and len(field.description) > 15, name
        assert not field.is_required(), name
    raw = tomllib.loads((PROJECT_ROOT / "config" / "app.toml").read_text(encoding="utf-8"))
    assert set(raw["app"]) == set(AppSettings.model_fields)
    assert load_app_settings(PROJECT_ROOT / "config" / "app.toml") == AppSettings()


def test_app_settings_errors_name_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "app.toml"
    bad.write_text("[app]\nsession_timeout_min = 0\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="session_timeout_min"):
        load_app_settings(bad)
    assert load_app_settings(tmp_path / "missing.toml") == AppSettings()

"""Fixtures of the app tests: a prepared SQLite database and AppTest helpers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from appdata import TZ, prepare

from vis.pages.shifts import current_or_next_shift, next_shift
from vis.settings import PROJECT_ROOT, load_settings

APP = PROJECT_ROOT / "app.py"


@pytest.fixture(scope="module")
def app_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database with briefings for the next and the current shift, shared by a module."""
    settings = load_settings(PROJECT_ROOT / "config" / "vis.toml")
    now = dt.datetime.now(dt.UTC)
    wanted = {
        next_shift(now, settings.shifts, TZ),
        current_or_next_shift(now, settings.shifts, TZ),
    }
    url, _ = prepare(tmp_path_factory.mktemp("app") / "app.db", now, shifts=tuple(sorted(wanted)))
    return url


@pytest.fixture
def app_env(app_db: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("VIS_DATABASE_URL", app_db)
    monkeypatch.setenv("VIS_CONFIG", str(PROJECT_ROOT / "config" / "vis.toml"))
    monkeypatch.setenv("VIS_APP_CONFIG", str(PROJECT_ROOT / "config" / "app.toml"))
    yield app_db

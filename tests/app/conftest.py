"""Fixtures of the app tests: a prepared SQLite database and AppTest helpers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from appdata import PASSWORD, TZ, prepare
from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash

from vis.auth import User
from vis.pages.common import ACTIVE_KEY, USER_KEY
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


def new_app() -> AppTest:
    return AppTest.from_file(str(APP), default_timeout=60)


def as_user(role: str, page: str | None = None) -> AppTest:
    """An AppTest whose session is logged in as the test user of ``role``, on ``page``."""
    import time

    at = new_app()
    at.session_state[USER_KEY] = User(role, role)
    at.session_state[ACTIVE_KEY] = time.time()
    if page is not None:
        at._page_hash = calc_hash(page)
    return at


def login(at: AppTest, username: str, password: str = PASSWORD) -> AppTest:
    at.run()
    at.text_input[0].input(username)
    at.text_input[1].input(password)
    at.button[0].click()
    return at.run()


def texts(at: AppTest) -> str:
    """Everything visible as text in the main area and the sidebar (for assertions)."""
    parts: list[str] = []
    for kind in (
        "title",
        "header",
        "subheader",
        "markdown",
        "caption",
        "info",
        "error",
        "warning",
        "success",
        "metric",
    ):
        for el in getattr(at, kind):
            parts.append(str(getattr(el, "value", "")) + " " + str(getattr(el, "label", "")))
    parts += [str(b.label) for b in at.button]
    parts += [str(el.value) for el in at.get("html") if "<style>" not in str(el.value)]
    return "\n".join(parts)

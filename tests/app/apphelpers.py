"""AppTest helpers of the app tests (imported by the test modules)."""

from __future__ import annotations

import time

from appdata import PASSWORD
from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash

from vis.pages.common import ACTIVE_KEY, USER_KEY
from vis.security.auth import User
from vis.settings import PROJECT_ROOT

APP = PROJECT_ROOT / "app.py"


def new_app() -> AppTest:
    return AppTest.from_file(str(APP), default_timeout=60)


def as_user(role: str, page: str | None = None) -> AppTest:
    """An AppTest whose session is logged in as the test user of ``role``, on ``page``."""
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

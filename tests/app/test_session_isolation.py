"""AppTest: a login renews the session, and no role reaches another role's page, data or download
by URL, by query parameter or through what is in the session state."""

from __future__ import annotations

from typing import Any

import pytest
from appdata import PASSWORD
from apphelpers import as_user, new_app, texts
from sqlalchemy import select
from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash
from test_pages import DATA_ELEMENTS, MARKERS, ROLES

from vis.db.engine import make_engine
from vis.db.schema import audit_log
from vis.pages.area_scan import SCANS_KEY
from vis.pages.common import ACTIVE_KEY, LANG_KEY, USER_KEY
from vis.pages.evaluation_pilot import REPORT_KEY
from vis.pages.shell import PAGES, VIEW_KEY, pages_for
from vis.security.auth import User

#: What a hostile or stale session could hold before a login: role-like keys, a user that is not
#: a User, another page's "already viewed" mark, other roles' cached data and debounce keys.
PLANTED: dict[str, Any] = {
    "role": "admin",
    "vis_role": "admin",
    "is_admin": True,
    "user": User("admin", "admin"),
    USER_KEY: {"username": "admin", "role": "admin"},
    VIEW_KEY: "audit_log",
    ACTIVE_KEY: 1e12,
    REPORT_KEY: ("binnenstad-2017", "digest", "secret report"),
    SCANS_KEY: ("2017-06-30", "secret scans"),
    "brief_detail_logged": "PL0900_TEST_0",
    "tab_last_1_c125_1241_1301": 0.0,
}
#: Query parameters that try to pick a page, a role or a user.
QUERY = {"page": "audit_log", "role": "admin", "user": "admin", "url_path": "users", "embed": "1"}


def _types(at: AppTest) -> set[str]:
    return {el.type for el in at.main} | {el.type for el in at.sidebar}


def _login_form(at: AppTest, username: str) -> AppTest:
    at.text_input[0].input(username)
    at.text_input[1].input(PASSWORD)
    at.button[0].click()
    return at.run()


def _plant(at: AppTest, state: dict[str, Any]) -> None:
    for key, value in state.items():
        at.session_state[key] = value


@pytest.mark.slow
def test_state_planted_before_login_grants_nothing_and_is_dropped_at_login(app_env: str) -> None:
    at = new_app()
    _plant(at, PLANTED)
    at.session_state[LANG_KEY] = "nl"
    at._page_hash = calc_hash("audit_log")
    at.run()
    assert not at.exception
    assert [w.label for w in at.text_input] == ["Gebruikersnaam", "Wachtwoord"]
    assert MARKERS["audit_log"] not in texts(at) and not (_types(at) & DATA_ELEMENTS)

    _login_form(at, "handhaver")
    assert not at.exception
    # Renewed: nothing from before the login is left, except the language.
    leftover = set(PLANTED) & set(at.session_state.keys()) - {USER_KEY, VIEW_KEY, ACTIVE_KEY}
    assert not leftover, leftover
    assert at.session_state[USER_KEY] == User("handhaver", "handhaver")
    assert at.session_state[LANG_KEY] == "nl"
    assert isinstance(at.session_state[ACTIVE_KEY], float) and at.session_state[ACTIVE_KEY] < 1e11
    # The URL asked for the audit log; a handhaver gets a refusal there, not the page.
    shown = texts(at)
    assert "Geen toegang" in shown and MARKERS["audit_log"] not in shown
    assert at.session_state[VIEW_KEY] == "denied:audit_log"
    at._page_hash = calc_hash("tablet")
    assert MARKERS["tablet"] in texts(at.run())


def test_logout_leaves_nothing_of_the_user_for_the_next_login(app_env: str) -> None:
    at = as_user("evaluator", "evaluation")
    at.session_state[SCANS_KEY] = ("2017-06-30", "the evaluator's scans")
    at.session_state[REPORT_KEY] = ("binnenstad-2017", "digest", "the evaluator's report")
    at.run()
    evaluators = set(at.session_state.keys()) - {LANG_KEY}
    assert {USER_KEY, SCANS_KEY, REPORT_KEY, VIEW_KEY} <= evaluators
    at.button(key="logout").click().run()
    assert "Je bent uitgelogd." in texts(at)
    assert not evaluators & set(at.session_state.keys())  # the login form's widgets only
    _login_form(at, "supervisor")
    assert SCANS_KEY not in at.session_state.keys()
    assert REPORT_KEY not in at.session_state.keys()
    assert at.session_state[USER_KEY] == User("supervisor", "supervisor")


@pytest.mark.slow
@pytest.mark.parametrize("role", ROLES)
def test_query_parameters_pick_no_page_role_or_user(app_env: str, role: str) -> None:
    home = pages_for(role)[0]
    at = as_user(role, home)
    at.query_params.update(QUERY)
    at.run()
    assert not at.exception
    shown = texts(at)
    assert MARKERS[home] in shown
    for page in PAGES:
        if role not in PAGES[page].roles:
            assert MARKERS[page] not in shown
    assert at.session_state[USER_KEY] == User(role, role)


def test_query_parameters_before_login_show_only_the_login_form(app_env: str) -> None:
    at = new_app()
    at.query_params.update(QUERY)
    at.run()
    assert [w.label for w in at.text_input] == ["Gebruikersnaam", "Wachtwoord"]
    assert not (_types(at) & DATA_ELEMENTS) and not at.get("download_button")


def _denied_entries(url: str, page: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(audit_log.c.id).where(
                    audit_log.c.action == "denied", audit_log.c.target == page
                )
            ).all()
        return len(rows)
    finally:
        engine.dispose()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("role", "page"),
    [(r, p) for r in ROLES for p in PAGES if r not in PAGES[p].roles],
)
def test_no_other_roles_page_data_or_download_with_a_prepared_session(
    app_env: str, role: str, page: str
) -> None:
    # The session claims the page was viewed already and holds other roles' data; the URL and the
    # query both point at the page.
    at = as_user(role, page)
    _plant(at, {k: v for k, v in PLANTED.items() if k not in (USER_KEY, ACTIVE_KEY)})
    at.session_state[VIEW_KEY] = page
    at.query_params.update({**QUERY, "page": page})
    before = _denied_entries(app_env, page)
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] == ["Geen toegang: deze pagina hoort niet bij jouw rol."]
    assert MARKERS[page] not in texts(at)
    assert not ({el.type for el in at.main} & DATA_ELEMENTS)
    assert not at.get("download_button")
    assert _denied_entries(app_env, page) == before + 1  # refused and audited

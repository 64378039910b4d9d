"""AppTest: every page once per role and once without login; login, logout, timeout, audit."""

from __future__ import annotations

import time

import pytest
from apphelpers import as_user, login, new_app, texts
from sqlalchemy import select
from streamlit.util import calc_hash

from vis.db.engine import make_engine
from vis.db.schema import audit_log, patrol_visits
from vis.pages.common import ACTIVE_KEY
from vis.pages.shell import PAGES

ROLES = ("supervisor", "handhaver", "evaluator", "admin")
#: A text that only the page itself shows.
MARKERS = {
    "briefing": "Prioriteiten",
    "tablet": "Ik ben hier geweest",
    "evaluation": "Briefings per dag en dienst",
    "users": "Gebruiker toevoegen",
    "status": "Inleeslog",
    "audit_log": "Auditlog",
}
DATA_ELEMENTS = {"dataframe", "deck_gl_json_chart", "metric", "arrow_data_frame", "html"}


def _types(at: object) -> set[str]:
    return {el.type for el in at.main} | {el.type for el in at.sidebar}  # type: ignore[attr-defined]


def _audit(url: str, action: str) -> list[object]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(select(audit_log).where(audit_log.c.action == action)).all())
    finally:
        engine.dispose()


@pytest.mark.slow
@pytest.mark.parametrize("page", list(PAGES))
def test_without_login_only_the_login_form(app_env: str, page: str) -> None:
    at = new_app()
    at._page_hash = calc_hash(page)
    at.run()
    assert not at.exception
    assert [t.value for t in at.title] == ["VIS — Veiligheidsinformatie"]
    assert [w.label for w in at.text_input] == ["Gebruikersnaam", "Wachtwoord"]
    assert not (_types(at) & DATA_ELEMENTS)
    shown = texts(at)
    assert MARKERS[page] not in shown and "Hotspot" not in shown and "Utrechtseweg" not in shown
    assert len(at.sidebar) == 0


@pytest.mark.slow
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", list(PAGES))
def test_each_page_for_each_role(app_env: str, page: str, role: str) -> None:
    at = as_user(role, page).run()
    assert not at.exception, at.exception
    shown = texts(at)
    if role in PAGES[page].roles:
        assert MARKERS[page] in shown
        assert "Geen toegang" not in shown
    else:
        assert [e.value for e in at.error] == ["Geen toegang: deze pagina hoort niet bij jouw rol."]
        assert MARKERS[page] not in shown
        assert not ({el.type for el in at.main} & DATA_ELEMENTS)
        assert any(r.target == page for r in _audit(app_env, "denied"))  # type: ignore[attr-defined]


def test_briefing_shows_hotspots_map_kpis_and_pdf(app_env: str) -> None:
    at = as_user("supervisor", "briefing").run()
    shown = texts(at)
    assert "Hotspot 1" in shown and "Hotspot 3" in shown
    assert "Bron: CBS" in shown
    assert len(at.get("deck_gl_json_chart")) == 1
    assert at.metric, "KPI tiles"
    assert at.button(key="brief_pdf") and not at.get("download_button")
    assert "\\<img" in shown and "<img" not in shown.replace("\\<img", "")
    assert "12 A" not in shown  # no house numbers


def test_incident_detail_view_is_audited(app_env: str) -> None:
    at = as_user("supervisor", "briefing").run()
    at.selectbox(key="brief_detail").select_index(1).run()
    assert not at.exception
    assert _audit(app_env, "incident_view")
    assert "PC4" in str([d.value for d in at.dataframe][-1])


def test_login_form_logs_in_and_audits(app_env: str) -> None:
    at = login(new_app(), "handhaver")
    assert not at.exception
    assert "Jouw bezoeken" in texts(at)
    assert any(r.username == "handhaver" for r in _audit(app_env, "login"))  # type: ignore[attr-defined]
    assert any(r.target == "tablet" for r in _audit(app_env, "view"))  # type: ignore[attr-defined]


def test_wrong_password_is_refused_and_audited(app_env: str) -> None:
    at = login(new_app(), "evaluator", "niet-het-wachtwoord")
    assert next(e.value for e in at.error).startswith("Inloggen mislukt")
    assert not (_types(at) & DATA_ELEMENTS)
    failed = _audit(app_env, "login_failed")
    assert any(r.target == "evaluator" for r in failed)  # type: ignore[attr-defined]


def test_tablet_records_a_visit(app_env: str) -> None:
    at = as_user("handhaver", "tablet").run()
    html = " ".join(str(h.value) for h in at.get("html") if "<style>" not in str(h.value))
    assert "&lt;img" in html and "<img" not in html
    assert "12 A" not in html and "Utrechtseweg" not in html
    before = _count_visits(app_env)
    at.button[0].click().run()  # the first hotspot's "ik ben hier geweest"
    assert not at.exception
    assert _count_visits(app_env) == before + 1
    assert _audit(app_env, "patrol_visit")


def _count_visits(url: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return len(conn.execute(select(patrol_visits.c.id)).all())
    finally:
        engine.dispose()


def test_logout_returns_to_login(app_env: str) -> None:
    at = as_user("admin", "users").run()
    at.button(key="logout").click().run()
    assert "Je bent uitgelogd." in texts(at)
    assert len(at.text_input) == 2


def test_idle_session_times_out(app_env: str) -> None:
    at = as_user("handhaver", "tablet")
    at.session_state[ACTIVE_KEY] = time.time() - 16 * 60
    at.run()
    assert "verlopen" in texts(at)
    assert not (_types(at) & DATA_ELEMENTS)


def test_english_can_be_switched_on(app_env: str) -> None:
    at = new_app().run()
    at.button_group[0].set_value("en").run()
    assert "Log in" in [t.value for t in at.subheader]

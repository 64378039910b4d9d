"""AppTest: the evaluation page's pilot and area-scan views, per role and without login; export
buttons audited; pilot definitions edited through the form (validated, written, audited)."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest
from appdata import HOSTILE
from apphelpers import as_user, new_app, texts
from sqlalchemy import select
from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash

from briefing.evaluation.config import load_pilots
from vis.db.engine import make_engine
from vis.db.schema import audit_log
from vis.pages import area_scan, evaluation_answer, evaluation_pilot
from vis.settings import PROJECT_ROOT

ROLES = ("supervisor", "handhaver", "evaluator", "admin")
ALLOWED = ("evaluator", "admin")
#: A text that only the view itself shows.
MARKERS = {
    "pilot": "Indicatoren en doelen 2017",
    "areas": "Per 1.000 inwoners, gebied tegen de stad",
}
DENIED = "Geen toegang: deze pagina hoort niet bij jouw rol."
DATA_ELEMENTS = {"dataframe", "vega_lite_chart", "arrow_vega_lite_chart", "download_button"}
RAW_HTML = re.compile(r"(?<!\\)<img")


def _audit(url: str, action: str) -> list[tuple[str | None, str | None]]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(audit_log.c.username, audit_log.c.target).where(audit_log.c.action == action)
            ).all()
            return [(r.username, r.target) for r in rows]
    finally:
        engine.dispose()


def _open(role: str, view: str) -> AppTest:
    at = as_user(role, "evaluation").run()
    at.segmented_control(key="ev_view").set_value(view).run()
    return at


def _no_raw_html(at: AppTest) -> None:
    for kind in ("markdown", "subheader", "caption", "error", "success", "info"):
        for el in getattr(at, kind):
            assert not RAW_HTML.search(str(el.value)), el.value


@pytest.mark.slow
@pytest.mark.parametrize("view", list(MARKERS))
def test_without_login_only_the_login_form(app_env: str, view: str) -> None:
    at = new_app()
    at._page_hash = calc_hash("evaluation")
    at.run()
    assert not at.exception
    assert [w.label for w in at.text_input] == ["Gebruikersnaam", "Wachtwoord"]
    assert [b.key for b in at.button_group] == ["login_lang"] and len(at.sidebar) == 0
    assert not ({el.type for el in at.main} & DATA_ELEMENTS)
    assert MARKERS[view] not in texts(at)


@pytest.mark.slow
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("view", list(MARKERS))
def test_views_for_each_role(app_env: str, view: str, role: str) -> None:
    at = as_user(role, "evaluation").run()
    assert not at.exception, at.exception
    if role not in ALLOWED:
        assert [e.value for e in at.error] == [DENIED]
        assert "ev_view" not in [b.key for b in at.button_group]
        assert not ({el.type for el in at.main} & DATA_ELEMENTS)
        assert MARKERS[view] not in texts(at)
        return
    at.segmented_control(key="ev_view").set_value(view).run()
    assert not at.exception, at.exception
    shown = texts(at)
    assert MARKERS[view] in shown and "Geen toegang" not in shown
    types = {el.type for el in at.main}
    assert "arrow_vega_lite_chart" in types or "vega_lite_chart" in types
    exports = [b for b in at.button if str(b.key).startswith(("ep_export_", "as_export_"))]
    assert len(exports) == 3 and not at.get("download_button")
    _no_raw_html(at)


@pytest.mark.slow
def test_pilot_view_shows_targets_outside_figures_and_tests(app_env: str) -> None:
    at = _open("evaluator", "pilot")
    shown = texts(at)
    assert "Toetsen in gewone taal" in shown and "niet te bepalen" in shown
    report = at.session_state[evaluation_pilot.REPORT_KEY][2]
    at.button(key="ep_refresh").click().run()
    assert not at.exception and at.session_state[evaluation_pilot.REPORT_KEY][2] is not report
    indicators = report.indicators
    assert (indicators["doel"].astype(str).str.contains("4,1")).any()
    assert "niet ingevuld" in set(report.outside["waarde"].astype(str))
    assert evaluation_pilot.export_bytes(report, "csv").startswith(b"\xef\xbb\xbf")
    assert evaluation_pilot.export_bytes(report, "xlsx").startswith(b"PK")
    assert evaluation_pilot.export_bytes(report, "pdf").startswith(b"%PDF")


def test_pilot_view_opens_with_the_answer(app_env: str) -> None:
    at = _open("evaluator", "pilot")
    assert not at.exception, at.exception
    report = at.session_state[evaluation_pilot.REPORT_KEY][2]
    headers = [str(h.value) for h in at.subheader]
    # The answer comes before the indicator tables: headline, forest plot, targets, tests.
    order = ["Effect per reeks (95%-BI)", "Doelen van de gemeente", "Toetsen in gewone taal",
             "Indicatoren en doelen 2017"]  # fmt: skip
    assert [h for h in headers if h in order] == order
    bold = [str(m.value) for m in at.markdown if str(m.value).startswith("**")]
    assert bold and "in het behandelgebied" in bold[0]
    assert "%-BI" in bold[0] or "niet te bepalen" in bold[0]
    assert bold[0].strip("*") == evaluation_pilot.md(report.headline)
    tests = evaluation_answer.tests_table(report.comparisons)
    assert {"p (Holm)", "95%-BI", "rol"} <= set(tests.columns)
    assert (tests["rol"] == "primair").sum() == 1
    for value in tests["p"]:
        assert value == "–" or re.fullmatch(r"(< )?\d+,\d+", value), value
    marks = set(evaluation_answer.targets_table(report.indicators)["doel_gehaald"])
    assert marks and marks <= {"✓ gehaald", "✗ niet gehaald", "niet te bepalen"}
    assert not {"True", "False", "None"} & set(report.indicators["doel_gehaald"].astype(str))
    assert evaluation_answer.forest_chart(report.effects).to_dict()["layer"]


@pytest.mark.slow
def _links(at: AppTest) -> list[str]:
    return [str(el.value) for el in at.get("html") if "vis-download" in str(el.value)]


def test_an_export_click_shows_a_one_time_link_and_the_file_waits_for_its_fetch(
    app_env: str,
) -> None:
    """The file is built and audited by the download route when the link is fetched (the
    browser tests fetch it); the click itself hands no bytes to Streamlit."""
    at = _open("evaluator", "pilot")
    assert not _links(at)
    before = len(_audit(app_env, "download"))
    at.button(key="ep_export_xlsx").click().run()
    assert not at.exception
    (link,) = _links(at)
    assert 'href="/vis/download/' in link and 'download="evaluatie-binnenstad-2017.xlsx"' in link
    at = _open("admin", "areas")
    at.button(key="as_export_pdf").click().run()
    assert not at.exception and len(_links(at)) == 1
    assert len(_audit(app_env, "download")) == before
    assert not at.get("download_button")


@pytest.mark.slow
def test_area_scan_profiles_and_export(app_env: str) -> None:
    at = _open("evaluator", "areas")
    as_of, scans = at.session_state[area_scan.SCANS_KEY]
    assert len(scans) == 9
    assert at.selectbox(key="as_gebied").options == [s.gebied for s in scans]
    at.selectbox(key="as_gebied").set_value(scans[-1].gebied).run()
    assert f"Gebiedsscan {scans[-1].gebied}".split()[0] in texts(at)
    assert "Top hotspots" in texts(at)
    _no_raw_html(at)
    csv_bytes = area_scan.export_bytes(scans, as_of, "csv")
    assert b"onderdeel;gebied" in csv_bytes
    assert area_scan.export_bytes(scans, as_of, "xlsx").startswith(b"PK")
    assert area_scan.export_bytes(scans, as_of, "pdf").startswith(b"%PDF")


@pytest.mark.slow
def test_evaluator_edits_pilot_definitions(
    app_db: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    folder = tmp_path / "config"
    shutil.copytree(PROJECT_ROOT / "config", folder)
    monkeypatch.setenv("VIS_DATABASE_URL", app_db)
    monkeypatch.setenv("VIS_CONFIG", str(folder / "vis.toml"))
    monkeypatch.setenv("VIS_APP_CONFIG", str(PROJECT_ROOT / "config" / "app.toml"))
    pilots = folder / "pilots.toml"
    at = _open("evaluator", "pilot")
    k = "ep_f_new_"

    def fill(start: dt.date) -> None:
        at.text_input(key=f"{k}name").input("proef-app")
        at.text_input(key=f"{k}label").input(HOSTILE)
        at.date_input(key=f"{k}bs").set_value(dt.date(2016, 1, 1))
        at.date_input(key=f"{k}be").set_value(dt.date(2016, 6, 30))
        at.date_input(key=f"{k}ps").set_value(start)
        at.date_input(key=f"{k}pe").set_value(dt.date(2017, 6, 30))
        at.selectbox(key=f"{k}kind_treatment").set_value("wijken")
        at.text_input(key=f"{k}codes_treatment").input("WK030701, WK030702")
        at.selectbox(key=f"{k}kind_control").set_value("rest")
        at.button(key=f"{k}save").click().run()

    before = pilots.read_text(encoding="utf-8")
    fill(dt.date(2016, 3, 1))  # the pilot would begin inside its baseline
    assert not at.exception, at.exception
    assert any("Niet opgeslagen" in e.value for e in at.error)
    assert pilots.read_text(encoding="utf-8") == before
    assert not any(t == "pilot:proef-app" for _, t in _audit(app_db, "pilot_config_change"))

    fill(dt.date(2017, 1, 1))
    assert not at.exception, at.exception
    assert any("proef" in s.value and "opgeslagen" in s.value for s in at.success)
    config = load_pilots(pilots)
    assert config.names() == [
        *load_pilots(PROJECT_ROOT / "config" / "pilots.toml").names(),
        "proef-app",
    ]
    new = config.pilot("proef-app")
    assert new.label == HOSTILE and new.treatment.codes == ("WK030701", "WK030702")
    assert new.control.kind == "rest" and new.pilot.start == dt.date(2017, 1, 1)
    assert ("evaluator", "pilot:proef-app") in _audit(app_db, "pilot_config_change")

    at.selectbox(key="ep_pilot").set_value("proef-app").run()
    assert not at.exception, at.exception
    assert MARKERS["pilot"] in texts(at)
    _no_raw_html(at)


@pytest.mark.slow
@pytest.mark.slow
def test_a_pilot_label_with_a_delete_character_never_breaks_pilots_toml(
    app_db: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    folder = tmp_path / "config"
    shutil.copytree(PROJECT_ROOT / "config", folder)
    monkeypatch.setenv("VIS_DATABASE_URL", app_db)
    monkeypatch.setenv("VIS_CONFIG", str(folder / "vis.toml"))
    monkeypatch.setenv("VIS_APP_CONFIG", str(PROJECT_ROOT / "config" / "app.toml"))
    pilots = folder / "pilots.toml"
    at = _open("evaluator", "pilot")
    k = "ep_f_new_"
    at.text_input(key=f"{k}name").input("proef-del")
    at.text_input(key=f"{k}label").input("Proef\x7fpilot\x1b[31m")
    at.date_input(key=f"{k}bs").set_value(dt.date(2016, 1, 1))
    at.date_input(key=f"{k}be").set_value(dt.date(2016, 6, 30))
    at.date_input(key=f"{k}ps").set_value(dt.date(2017, 1, 1))
    at.date_input(key=f"{k}pe").set_value(dt.date(2017, 6, 30))
    at.selectbox(key=f"{k}kind_treatment").set_value("wijken")
    at.text_input(key=f"{k}codes_treatment").input("WK030701")
    at.selectbox(key=f"{k}kind_control").set_value("rest")
    at.button(key=f"{k}save").click().run()
    assert not at.exception, at.exception
    config = load_pilots(pilots)  # still parses, whatever the page said
    saved = any("opgeslagen" in s.value and "Niet" not in s.value for s in at.success)
    assert saved == ("proef-del" in config.names())
    if saved:
        assert config.pilot("proef-del").label == "Proef\x7fpilot\x1b[31m"


def test_unreadable_database_gives_a_plain_error(
    app_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.exc import OperationalError

    import vis.services.evaluation as evaluate

    def broken(*args: object, **kwargs: object) -> object:
        raise OperationalError("SELECT 1", {}, Exception("no such table: incident_stats"))

    monkeypatch.setattr(evaluate, "scans_on", broken)
    monkeypatch.setattr(evaluate, "evaluate_on", broken)
    for view in MARKERS:
        at = _open("evaluator", view)
        assert not at.exception, at.exception
        assert [e.value for e in at.error] == [
            "De database kon niet worden gelezen; is ze bijgewerkt ('vis init')?"
        ]
        assert "incident_stats" not in texts(at)

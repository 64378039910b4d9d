"""Shared pieces of the pages: resources, the session's user and language, escaping, banners.

The engine and the static reference data are built once per process with ``st.cache_resource``.
Nothing that depends on the user or role is cached across sessions (no ``st.cache_data``).
"""

from __future__ import annotations

import datetime as dt
import gc
import html
import os
import re
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import streamlit as st
from sqlalchemy import Engine

from vis.app_settings import AppSettings, load_app_settings
from vis.geo import AreaIndex
from vis.i18n import t
from vis.security import audit
from vis.security.auth import User
from vis.settings import Settings, load_settings
from vis.store.queries import Freshness

USER_KEY = "vis_user"
LANG_KEY = "vis_lang"
ACTIVE_KEY = "vis_last_active"
NOTICE_KEY = "vis_notice"


@dataclass(frozen=True)
class Resources:
    settings: Settings
    app: AppSettings
    engine: Engine
    areas: AreaIndex
    #: The database URL without its password: part of the key of what is kept per process.
    database: str

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.settings.schedule.timezone)

    @property
    def municipality(self) -> str:
        return self.settings.municipality.code


def _freeze_startup_objects() -> None:
    """Keep what start-up built (modules, settings, engine, areas) out of the cyclic collector.

    A full collection has to visit every tracked object: with pandas, pyarrow, shapely and pydeck
    loaded that is some 150,000 and 100-170 ms with the GIL held, during which no session's script
    runs. These objects live as long as the process anyway; reference counting still frees any of
    them that is let go. Once per process: what sessions and runs make later stays collectable.
    """
    if not gc.get_freeze_count():
        gc.collect()
        gc.freeze()


@st.cache_resource(show_spinner=False)
def _build_resources(config: str, app_config: str, database_url: str) -> Resources:
    from vis.areas import load_areas
    from vis.db.engine import FileAccess, make_engine

    settings = load_settings(config or None)
    app = load_app_settings(app_config or None)
    url = database_url or settings.database_url()
    engine = make_engine(
        url,
        busy_timeout_ms=settings.database.sqlite_busy_timeout_ms,
        files=FileAccess(settings.security.file_group),
    )
    built = Resources(
        settings=settings,
        app=app,
        engine=engine,
        areas=load_areas(settings),
        database=engine.url.render_as_string(hide_password=True),
    )
    _freeze_startup_objects()
    return built


_last: list[tuple[tuple[str, str, str], Resources]] = []


def resources() -> Resources:
    """The process's settings, engine and areas (per configuration and database URL).

    Built by ``st.cache_resource``; the last answer is also kept here, because the pages ask
    dozens of times per run and ``cache_resource``'s own lookup costs a quarter millisecond.
    """
    key = (
        os.environ.get("VIS_CONFIG", ""),
        os.environ.get("VIS_APP_CONFIG", ""),
        os.environ.get("VIS_DATABASE_URL", ""),
    )
    last = _last[-1] if _last else None
    if last is not None and last[0] == key:
        return last[1]
    built = _build_resources(*key)
    _last[:] = [(key, built)]
    return built


# --- session: language and user -------------------------------------------------------------


def lang() -> str:
    value = st.session_state.get(LANG_KEY)
    if value == "nl" or value == "en":
        return value
    if value not in ("nl", "en"):
        value = resources().app.default_language
        st.session_state[LANG_KEY] = value
    return str(value)


def tr(key: str, **fields: object) -> str:
    return t(key, lang(), **fields)


def current_user() -> User | None:
    data = st.session_state.get(USER_KEY)
    if isinstance(data, User):
        return data
    return None


def still_allowed(user: User) -> bool:
    """For widget callbacks, which Streamlit runs before the script and so before the shell's
    checks: the session is still logged in as ``user`` and the account still allows it
    (not disabled, locked, given another role or logged out everywhere)."""
    from vis.security.auth import session_still_valid

    if current_user() != user:
        return False
    with resources().engine.connect() as conn:
        return session_still_valid(conn, user)


def require(*roles: str) -> User:
    """The logged-in user if it has one of ``roles``; otherwise refuse and stop the page."""
    user = current_user()
    if user is None or user.role not in roles:
        st.error(tr("shell.denied"))
        st.stop()
        raise RuntimeError("unreachable")  # st.stop raises; keeps type checkers content
    return user


def client_id() -> str:
    try:
        ip = st.context.ip_address
    except Exception:  # noqa: BLE001 - no context outside a browser session
        ip = None
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    session = ctx.session_id[:8] if ctx is not None else "-"
    return f"{ip or 'local'} s:{session}"


def log(action: str, target: str | None = None, detail: dict[str, Any] | None = None) -> None:
    user = current_user()
    audit.append(
        resources().engine,
        action,
        username=user.username if user else None,
        target=target,
        detail=detail,
        client=client_id(),
    )


# --- escaping --------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=&\"'])")
#: What GitHub-flavoured Markdown turns into a link by itself (``http://``, ``www.``, ``a@b.c``):
#: it finds them in the text after the escapes are resolved, so escaping cannot stop it.
_AUTOLINK = re.compile(r"(?i)(?<=https)(?=://)|(?<=http)(?=://)|(?<=www)(?=\.)|(?=@)")
#: WORD JOINER: invisible, and breaks the autolink patterns apart.
_JOINER = "\u2060"


def md(value: object) -> str:
    """``value`` as inert Markdown text: every Markdown, HTML and LaTeX special escaped, and no
    address in it turned into a link (a word joiner breaks ``http://``, ``www.`` and ``@``)."""
    text = "" if value is None else str(value)
    text = " ".join(text.split())  # no line structure from data
    text = _AUTOLINK.sub(_JOINER, text)
    return _MD_SPECIAL.sub(r"\\\1", text)


def h(value: object) -> str:
    """``value`` escaped for HTML (text and attribute values)."""
    return html.escape("" if value is None else str(value), quote=True)


# --- formatting ------------------------------------------------------------------------------


def local(value: dt.datetime | None, fmt: str = "%d-%m-%Y %H:%M") -> str:
    """A moment in the configured local time, by Babel (``nl_NL``); ``—`` when missing.

    ``fmt`` picks the shape: the default ``dd-mm-jjjj uu:mm``, with ``%S`` seconds, or only
    ``%H:%M``."""
    from vis import display

    tz = resources().settings.schedule.timezone
    if fmt == "%H:%M":
        return display.clock(value, tz)
    return display.moment(value, tz, seconds=fmt.endswith("%S"))


def category_labels() -> dict[str, str]:
    return {c.key: c.label for c in resources().settings.categories}


def shift_labels() -> dict[str, str]:
    return {s.name: s.label or s.name for s in resources().settings.shifts}


# --- banners and style -------------------------------------------------------------------------


def freshness_state(fresh: Freshness, now: dt.datetime) -> tuple[bool, str]:
    """(ok, text): not ok when nothing was ingested, the last ingest failed, or the data is more
    than a day old."""
    if fresh.data_until is None and fresh.last_status is None:
        return False, tr("fresh.none")
    until = local(fresh.data_until)
    if fresh.last_status == "failed":
        return False, tr("fresh.failed", started=local(fresh.last_started), until=until)
    if fresh.data_until is None or now - fresh.data_until > dt.timedelta(days=1):
        return False, tr("fresh.old", until=until)
    return True, tr("fresh.ok", until=until, finished=local(fresh.last_finished))


def freshness_text(fresh: Freshness, now: dt.datetime) -> str:
    return freshness_state(fresh, now)[1]


def freshness_banner(fresh: Freshness, now: dt.datetime) -> None:
    """Green when the last ingest succeeded and the data is at most a day old; red otherwise."""
    ok, text = freshness_state(fresh, now)
    if ok:
        st.success(text, icon=":material/check_circle:")
    else:
        st.error(text, icon=":material/error:")


PRINT_CSS = """
<style>
@media print {
  [data-testid="stSidebar"], [data-testid="stHeader"], [data-testid="stToolbar"],
  [data-testid="stDecoration"], .stDownloadButton, .stButton, [data-testid="stDateInput"],
  [data-testid="stSelectbox"], [data-testid="stElementToolbar"] { display: none !important; }
  .main .block-container, [data-testid="stMainBlockContainer"] { max-width: 100% !important;
    padding: 0 !important; }
  [data-testid="stVerticalBlockBorderWrapper"] { break-inside: avoid; }
  body { font-size: 11pt; color: #000; }
}
</style>
"""

TABLET_CSS = """
<style>
html, body, [data-testid="stAppViewContainer"] { font-size: 19px; color: #000; }
[data-testid="stMainBlockContainer"] { padding-top: 2.5rem; max-width: 1000px; }
button, [data-testid="stBaseButton-secondary"], [data-testid="stBaseButton-primary"],
[data-testid="stBaseButton-secondaryFormSubmit"], [data-testid="stBaseButton-primaryFormSubmit"] {
  min-height: 48px !important; min-width: 48px !important; font-size: 1.05rem !important; }
input, textarea, [data-baseweb="select"] > div { min-height: 48px !important;
  font-size: 1.05rem !important; }
.vis-card h3 { margin: 0 0 .25rem 0; font-size: 1.35rem; }
.vis-chip { display: inline-block; border: 2px solid #000; border-radius: 6px;
  padding: 2px 8px; margin: 2px 4px 2px 0; font-weight: 600; background: #fff; }
</style>
"""


def inject_css(css: str) -> None:
    """Static CSS of this module only; never data."""
    st.html(css)


def _set_lang(key: str) -> None:
    value = st.session_state.get(key)
    if value in ("nl", "en"):
        st.session_state[LANG_KEY] = value


def language_picker(key: str, where: Any = None) -> None:
    """A small nl/en switch; the choice lives in the session, not in the widget."""
    from vis.i18n import LANGUAGES

    target = where if where is not None else st
    current = lang()
    target.segmented_control(
        tr("shell.language"),
        list(LANGUAGES),
        default=current,
        format_func=lambda code: LANGUAGES[code],
        key=key,
        on_change=_set_lang,
        args=(key,),
    )

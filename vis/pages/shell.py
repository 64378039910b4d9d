"""The app's frame: login, session timeout, the role's page list, page-view audit, logout.

``st.navigation`` gets only the pages of the user's role. Every other known page is registered
under its URL as a hidden refusal, so a URL typed by hand shows "no access" (and is audited)
instead of the page. Before login every URL shows the login page and nothing else.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st

from vis.pages import audit_log, briefing, evaluation, login, status, tablet, users
from vis.pages.common import (
    ACTIVE_KEY,
    NOTICE_KEY,
    current_user,
    language_picker,
    log,
    md,
    resources,
    tr,
)
from vis.security import audit
from vis.security.auth import User, end_sessions, oidc_user, session_still_valid
from vis.security.downloads import revoke_session

VIEW_KEY = "vis_viewed_page"
LOGIN_PATH = "login"
#: The internal path of the logged-out root page (a default page is served at the root URL).
ROOT_PATH = "start"


@dataclass(frozen=True)
class PageSpec:
    main: Callable[[], None]
    roles: frozenset[str]


#: url path → page; each path is its page module's name (``vis/pages/<path>.py``). A role's
#: first page is its home.
PAGES: dict[str, PageSpec] = {
    "briefing": PageSpec(briefing.main, frozenset({"supervisor"})),
    "tablet": PageSpec(tablet.main, frozenset({"handhaver"})),
    "users": PageSpec(users.main, frozenset({"admin"})),
    "evaluation": PageSpec(evaluation.main, frozenset({"evaluator", "admin"})),
    "status": PageSpec(status.main, frozenset({"supervisor", "admin"})),
    "audit_log": PageSpec(audit_log.main, frozenset({"admin"})),
}


def pages_for(role: str) -> list[str]:
    return [path for path, spec in PAGES.items() if role in spec.roles]


def _timeout_s(user: User) -> float:
    app = resources().app
    minutes = (
        app.tablet_session_timeout_min if user.role == "handhaver" else app.session_timeout_min
    )
    return minutes * 60.0


def _session_id() -> str | None:
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else None


def logout(reason: str = "user") -> None:
    """End this session (``reason``: user, everywhere, timeout, revoked, other_browser); with
    ``everywhere`` every other session of the user ends at its next interaction too."""
    user = current_user()
    if user is not None:
        if reason == "everywhere":
            end_sessions(resources().engine, user.username)
        log(audit.LOGOUT, target=user.role, detail={"reason": reason})
    session = _session_id()
    if session is not None:
        revoke_session(session)  # download links of this session die with it
    login.renew_session()  # nothing of the user's session stays behind (language only)
    if reason == "timeout" and user is not None:
        minutes = int(_timeout_s(user) // 60)
        st.session_state[NOTICE_KEY] = tr("login.expired", minutes=minutes)
    elif reason in ("revoked", "other_browser"):
        st.session_state[NOTICE_KEY] = tr("shell.revoked")
    else:
        st.session_state[NOTICE_KEY] = tr("login.logged_out")
    if login.auth_secrets() is not None and getattr(st.user, "is_logged_in", False):
        st.logout()


def session_user() -> User | None:
    """The logged-in user, after applying the idle timeout and mapping an OIDC identity."""
    user = current_user()
    if (
        user is None
        and login.auth_secrets() is not None
        and getattr(st.user, "is_logged_in", False)
    ):
        email = st.user.get("email")
        mapped = oidc_user(resources().engine, email if isinstance(email, str) else None)
        if mapped is not None:
            login.start_session(mapped, "oidc")
            user = mapped
    if user is None:
        return None
    ended = _ended(user)
    if ended is not None:
        logout(ended)
        return None
    st.session_state[ACTIVE_KEY] = time.time()
    return user


def _ended(user: User) -> str | None:
    """Why this session must end now, if it must: idle too long (``timeout``), the account
    disabled, locked, given another role or logged out everywhere (``revoked``), or the session
    taken over by another browser (``other_browser``: its cookie is not the one of the login)."""
    last = st.session_state.get(ACTIVE_KEY)
    if isinstance(last, float) and time.time() - last > _timeout_s(user):
        return "timeout"
    if st.session_state.get(login.BROWSER_KEY) != login.browser_cookie_hash():
        return "other_browser"
    with resources().engine.connect() as conn:
        if not session_still_valid(conn, user):
            return "revoked"
    return None


def _denied(path: str) -> Callable[[], None]:
    def refuse() -> None:
        if st.session_state.get(VIEW_KEY) != f"denied:{path}":
            log(audit.DENIED, target=path)
            st.session_state[VIEW_KEY] = f"denied:{path}"
        st.error(tr("shell.denied"), icon=":material/block:")

    refuse.__name__ = f"denied_{path}"
    return refuse


@st.fragment(run_every=60)
def _idle_watch(limit_s: float) -> None:
    """Once a minute: when the session has been idle too long, or its account no longer allows
    it, rerun the app (which logs out)."""
    last = st.session_state.get(ACTIVE_KEY)
    user = current_user()
    if isinstance(last, float) and time.time() - last > limit_s:
        st.rerun(scope="app")
    if user is not None:
        with resources().engine.connect() as conn:
            if not session_still_valid(conn, user):
                st.rerun(scope="app")


def _sidebar(user: User) -> None:
    with st.sidebar:
        st.markdown(tr("shell.user", user=md(user.username), role=tr(f"role.{user.role}")))
        if st.button(tr("shell.logout"), icon=":material/logout:", key="logout"):
            logout()
            st.rerun()
        if st.button(tr("shell.logout_all"), icon=":material/devices_off:", key="logout_all"):
            logout("everywhere")
            st.rerun()
        language_picker("shell_lang", st)
        _idle_watch(_timeout_s(user))


def run() -> None:
    # No page or page_icon icons: Streamlit fetches such a favicon from fonts.gstatic.com.
    user = session_user()
    tablet = user is not None and user.role == "handhaver"
    st.set_page_config(
        page_title="VIS",
        layout="centered" if tablet else "wide",
        initial_sidebar_state="collapsed" if tablet else "auto",
    )
    if user is None:
        # Every page's URL shows the login page. After a login there the next run shows the page
        # of that URL; from the root or the login URL it goes straight to the role's home page
        # (one run, not a rerun of the login URL that then redirects: the 07:00 rush pays for
        # every run). The root is a page of its own: a default page has no URL path of its own,
        # so /login would be "page not found" if it were the default.
        title = tr("login.title")
        gates = {path: st.Page(login.main, title=title, url_path=path) for path in PAGES}

        def enter_home(entered: User) -> None:
            st.switch_page(gates[pages_for(entered.role)[0]])

        def login_page() -> None:
            login.main(enter_home)

        root = st.Page(login_page, title=title, url_path=ROOT_PATH, default=True)
        at_login = st.Page(login_page, title=title, url_path=LOGIN_PATH)
        st.navigation([root, at_login, *gates.values()], position="hidden").run()
        return
    allowed = pages_for(user.role)
    pages = [
        st.Page(
            PAGES[p].main,
            title=tr(f"page.{p}"),
            url_path=p,
            default=p == allowed[0],
        )
        for p in allowed
    ]
    pages += [
        st.Page(_denied(p), title=tr(f"page.{p}"), url_path=p, visibility="hidden")
        for p in PAGES
        if p not in allowed
    ]
    # The login pages' paths, once logged in (a session that was at one of them when it logged
    # in some other way, e.g. OIDC): on to the role's home page.
    pages += [
        st.Page(
            lambda: st.switch_page(pages[0]),
            title=tr("login.title"),
            url_path=path,
            visibility="hidden",
        )
        for path in (LOGIN_PATH, ROOT_PATH)
    ]
    page = st.navigation(pages)
    _sidebar(user)
    path = page.url_path or allowed[0]
    if path in allowed and st.session_state.get(VIEW_KEY) != path:
        log(audit.VIEW, target=path)
        st.session_state[VIEW_KEY] = path
    page.run()

"""The login page: the only thing a visitor sees before logging in (no data, no map).

Local logins go through :func:`vis.security.auth_login.attempt_login` (throttling and lockout per
client
address and per user, audited). A login renews the session: every key of the session state from
before it is dropped, except the chosen language (:func:`renew_session`); logout does the same.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import streamlit as st

from vis.pages.common import (
    ACTIVE_KEY,
    LANG_KEY,
    NOTICE_KEY,
    USER_KEY,
    client_id,
    language_picker,
    md,
    resources,
    tr,
)
from vis.security import audit
from vis.security.auth import User
from vis.security.auth_login import LoginPolicy, attempt_login
from vis.security.auth_throttle import client_key
from vis.security.downloads import BROWSER_COOKIE, browser_hash


def auth_secrets() -> Mapping[str, Any] | None:
    """Streamlit's ``[auth]`` secrets section when OIDC is configured, else None."""
    try:
        section = st.secrets.get("auth")
    except Exception:  # noqa: BLE001 - no or unreadable secrets.toml: no OIDC
        return None
    return section if isinstance(section, Mapping) and section else None


def oidc_provider(section: Mapping[str, Any]) -> str | None:
    """The named provider (``[auth.NAME]``), or None for a single unnamed one."""
    named = [k for k, v in section.items() if isinstance(v, Mapping)]
    return named[0] if named else None


#: What survives a renewal of the session (login, logout): the chosen language, nothing else.
SURVIVES_RENEWAL = (LANG_KEY,)


def renew_session() -> None:
    """Drop every key of the session state (widget values included) except the language."""
    kept = {k: st.session_state[k] for k in SURVIVES_RENEWAL if k in st.session_state}
    for key in list(st.session_state.keys()):
        del st.session_state[key]
    for key, value in kept.items():
        st.session_state[key] = value


def client_address() -> str:
    """The throttling key of this session's client (``loopback`` when Streamlit reports none).

    Streamlit's test harness (AppTest) has no real connection: anything but text counts as none.
    """
    ip = st.context.ip_address
    return client_key(ip if isinstance(ip, str) else None)


#: The hash of the browser cookie the session was logged in with (:mod:`vis.security.downloads`).
BROWSER_KEY = "vis_browser_hash"


def browser_cookie_hash() -> str | None:
    """This connection's ``vis_browser`` cookie, hashed (None without one, e.g. in AppTest)."""
    try:
        cookie = st.context.cookies.get(BROWSER_COOKIE)
    except Exception:  # noqa: BLE001 - no client context outside a browser session
        return None
    return browser_hash(cookie if isinstance(cookie, str) else None)


def start_session(user: User, via: str) -> None:
    import time

    renew_session()
    st.session_state[USER_KEY] = user
    st.session_state[ACTIVE_KEY] = time.time()
    st.session_state[BROWSER_KEY] = browser_cookie_hash()
    audit.append(
        resources().engine,
        audit.LOGIN,
        username=user.username,
        target=user.role,
        detail={"via": via},
        client=client_id(),
    )


def _local_login(enter: Callable[[User], None]) -> None:
    res = resources()
    with st.form("login", enter_to_submit=True):
        name = st.text_input(tr("login.username"), max_chars=100, autocomplete="username")
        password = st.text_input(
            tr("login.password"), type="password", max_chars=1024, autocomplete="current-password"
        )
        submitted = st.form_submit_button(tr("login.submit"), type="primary")
    if not submitted:
        return
    attempt = attempt_login(
        res.engine,
        name or "",
        password or "",
        client=client_address(),
        policy=LoginPolicy.from_app(res.app),
        audit_client=client_id(),
    )
    if attempt.reason == "client_locked":
        st.error(tr("login.client_locked", minutes=math.ceil(attempt.retry_after_s / 60)))
        return
    if attempt.reason == "client_busy":
        st.warning(tr("login.busy", seconds=math.ceil(attempt.retry_after_s)))
        return
    if attempt.reason == "client_throttled":
        st.error(tr("login.throttled", seconds=math.ceil(attempt.retry_after_s)))
        return
    if attempt.user is None:
        st.error(tr("login.failed"))
        return
    start_session(attempt.user, "local")
    enter(attempt.user)


def _rerun(user: User) -> None:
    st.rerun()


def main(enter: Callable[[User], None] = _rerun) -> None:
    """The login page; after a successful local login ``enter(user)`` goes on (it must end the
    run: a rerun of this page, or a switch to the role's home page)."""
    st.title(tr("app.title"))
    st.subheader(tr("login.title"))
    notice = st.session_state.pop(NOTICE_KEY, None)
    if notice:
        st.info(str(notice))
    section = auth_secrets()
    if section is None:
        st.caption(tr("login.intro"))
        _local_login(enter)
    elif getattr(st.user, "is_logged_in", False):
        st.warning(tr("login.oidc_unknown", email=md(st.user.get("email") or "?")))
        if st.button(tr("shell.logout")):
            st.logout()
    else:
        provider = oidc_provider(section)
        label = tr("login.oidc", provider=provider or "OIDC")
        if st.button(label, type="primary"):
            st.login(provider) if provider else st.login()
    language_picker("login_lang")

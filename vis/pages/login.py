"""The login page: the only thing a visitor sees before logging in (no data, no map)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st

from vis import audit
from vis.auth import User, authenticate
from vis.pages.common import (
    ACTIVE_KEY,
    NOTICE_KEY,
    USER_KEY,
    client_id,
    language_picker,
    md,
    resources,
    tr,
)


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


def start_session(user: User, via: str) -> None:
    import time

    st.session_state[USER_KEY] = user
    st.session_state[ACTIVE_KEY] = time.time()
    audit.append(
        resources().engine,
        audit.LOGIN,
        username=user.username,
        target=user.role,
        detail={"via": via},
        client=client_id(),
    )


def _local_login() -> None:
    res = resources()
    with st.form("login", enter_to_submit=True):
        name = st.text_input(tr("login.username"), max_chars=100, autocomplete="username")
        password = st.text_input(
            tr("login.password"), type="password", max_chars=1024, autocomplete="current-password"
        )
        submitted = st.form_submit_button(tr("login.submit"), type="primary")
    if not submitted:
        return
    import datetime as dt

    result = authenticate(
        res.engine,
        name or "",
        password or "",
        max_failed=res.app.max_failed_logins,
        lockout=dt.timedelta(minutes=res.app.lockout_min),
    )
    if result.user is None:
        audit.append(
            res.engine,
            audit.LOGIN_FAILED,
            username=None,
            target=(name or "")[:100],
            detail={"reason": result.reason},
            client=client_id(),
        )
        st.error(tr("login.failed"))
        return
    start_session(result.user, "local")
    st.rerun()


def main() -> None:
    st.title(tr("app.title"))
    st.subheader(tr("login.title"))
    notice = st.session_state.pop(NOTICE_KEY, None)
    if notice:
        st.info(str(notice))
    section = auth_secrets()
    if section is None:
        st.caption(tr("login.intro"))
        _local_login()
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
